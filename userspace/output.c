// SPDX-License-Identifier: GPL-2.0
/*
 * Output helpers: commands describe each field once and get either a
 * "label value" pair in a text line or a "key": value member in JSON
 * (the pattern iproute2's print_*() helpers follow).
 */
#include <stdarg.h>
#include <string.h>

#include "vconnectctl.h"

static struct json_writer jw;
static bool line_has_text;
static int pending_pad;		/* padding owed to the last field, if more follow */

void out_init(void)
{
	jw_init(&jw, stdout, opts.pretty);
}

struct json_writer *out_json(void)
{
	return opts.json ? &jw : NULL;
}

void out_finish(void)
{
	if (opts.json)
		jw_end_document(&jw);
	else if (line_has_text)
		out_newline();
	fflush(stdout);
}

void out_begin_list(void)
{
	if (opts.json)
		jw_begin_array(&jw);
}

void out_end_list(void)
{
	if (opts.json)
		jw_end_array(&jw);
}

void out_begin_object(const char *key)
{
	if (!opts.json)
		return;
	if (key)
		jw_key(&jw, key);
	jw_begin_object(&jw);
}

void out_end_object(void)
{
	if (opts.json)
		jw_end_object(&jw);
}

void out_begin_array(const char *key)
{
	if (!opts.json)
		return;
	if (key)
		jw_key(&jw, key);
	jw_begin_array(&jw);
}

void out_end_array(void)
{
	if (opts.json)
		jw_end_array(&jw);
}

/*
 * Values can come from the kernel or from files: control characters are
 * shown as \xNN so that one record stays one line and a terminal is not
 * sent escape sequences.
 */
static void text_field(const char *label, const char *value, int width)
{
	const unsigned char *p;
	int printed = 0;

	if (line_has_text)
		printf("%*s", pending_pad + 2, "");
	pending_pad = 0;
	if (label)
		printf("%s ", label);
	for (p = (const unsigned char *)value; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			printed += printf("\\x%02x", *p);
		else
			printed += putchar(*p) != EOF;
	}
	/* written only before the next field: no trailing blanks */
	if (printed < width)
		pending_pad = width - printed;
	line_has_text = true;
}

void out_str_padded(const char *key, const char *label, const char *value,
		    int width)
{
	if (opts.json) {
		if (key) {
			jw_key(&jw, key);
			jw_string(&jw, value);
		}
		return;
	}
	if (label || value[0])
		text_field(label, value, width);
}

void out_str(const char *key, const char *label, const char *value)
{
	out_str_padded(key, label, value, 0);
}

void out_uint(const char *key, const char *label, uint64_t value)
{
	char buf[24];

	if (opts.json) {
		if (key) {
			jw_key(&jw, key);
			jw_uint(&jw, value);
		}
		return;
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
	text_field(label, buf, 0);
}

void out_int(const char *key, const char *label, int64_t value)
{
	char buf[24];

	if (opts.json) {
		if (key) {
			jw_key(&jw, key);
			jw_int(&jw, value);
		}
		return;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)value);
	text_field(label, buf, 0);
}

void out_bool(const char *key, const char *label, bool value)
{
	if (opts.json) {
		if (key) {
			jw_key(&jw, key);
			jw_bool(&jw, value);
		}
		return;
	}
	text_field(label, value ? "yes" : "no", 0);
}

/*
 * Hex with a fixed number of digits. Text always has a 0x prefix; JSON has
 * it when @json_prefix (WWNs are "0x...", an ISID is 12 bare digits).
 */
void out_hex(const char *key, const char *label, uint64_t value, int digits,
	     bool json_prefix)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%0*llx", digits,
		 (unsigned long long)value);
	if (opts.json) {
		if (key) {
			jw_key(&jw, key);
			jw_string(&jw, json_prefix ? buf : buf + 2);
		}
		return;
	}
	text_field(label, buf, 0);
}

/* Free text in text mode only (JSON has no place for it). */
void out_text(const char *fmt, ...)
{
	va_list ap;

	if (opts.json)
		return;
	if (pending_pad)
		printf("%*s", pending_pad, "");
	pending_pad = 0;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	line_has_text = true;
}

void out_newline(void)
{
	if (opts.json)
		return;
	putchar('\n');
	line_has_text = false;
	pending_pad = 0;
}

/* Start a text line indented by @level steps. */
void out_indent(int level)
{
	if (opts.json)
		return;
	if (line_has_text)
		out_newline();
	printf("%*s", level * 2, "");
}
