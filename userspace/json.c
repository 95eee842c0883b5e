// SPDX-License-Identifier: GPL-2.0
/*
 * A streaming JSON writer: no allocation, the nesting state is a fixed
 * stack. Strings come from the kernel or from files and may hold any byte,
 * so the output is kept valid UTF-8: control characters are escaped and
 * bytes that are not part of a valid UTF-8 sequence become U+FFFD.
 */
#include <stdlib.h>
#include <string.h>

#include "vconnectctl.h"

void jw_init(struct json_writer *jw, FILE *out, bool pretty)
{
	memset(jw, 0, sizeof(*jw));
	jw->out = out;
	jw->pretty = pretty;
}

static void jw_newline_indent(struct json_writer *jw)
{
	int i;

	if (!jw->pretty)
		return;
	fputc('\n', jw->out);
	for (i = 0; i < jw->depth; i++)
		fputs("  ", jw->out);
}

/* Separator and indentation before a value or a key. */
static void jw_prefix(struct json_writer *jw)
{
	if (jw->after_key) {
		jw->after_key = false;
		return;
	}
	if (jw->need_comma[jw->depth])
		fputc(',', jw->out);
	if (jw->depth > 0)
		jw_newline_indent(jw);
	jw->need_comma[jw->depth] = true;
}

static void jw_push(struct json_writer *jw, char open)
{
	jw_prefix(jw);
	fputc(open, jw->out);
	if (jw->depth >= JSON_MAX_DEPTH)
		abort();	/* a bug in the caller, not bad input */
	jw->depth++;
	jw->need_comma[jw->depth] = false;
}

static void jw_pop(struct json_writer *jw, char close)
{
	bool had_members = jw->need_comma[jw->depth];

	if (jw->depth <= 0)
		abort();
	jw->depth--;
	if (had_members)
		jw_newline_indent(jw);
	fputc(close, jw->out);
}

void jw_begin_object(struct json_writer *jw)
{
	jw_push(jw, '{');
}

void jw_end_object(struct json_writer *jw)
{
	jw_pop(jw, '}');
}

void jw_begin_array(struct json_writer *jw)
{
	jw_push(jw, '[');
}

void jw_end_array(struct json_writer *jw)
{
	jw_pop(jw, ']');
}

/* Length of the valid UTF-8 sequence at @s (at most @len bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	size_t need, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

static void jw_write_escaped(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', out);
	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(out, "\\u%04x", c);
				break;
			}
			n = utf8_seq_len(s + i, len - i);
			if (!n) {
				fputs("\\ufffd", out);
				break;
			}
			fwrite(s + i, 1, n, out);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', out);
}

void jw_key(struct json_writer *jw, const char *key)
{
	jw_prefix(jw);
	jw_write_escaped(jw->out, key, strlen(key));
	fputs(jw->pretty ? ": " : ":", jw->out);
	jw->after_key = true;
}

void jw_string_len(struct json_writer *jw, const char *s, size_t len)
{
	jw_prefix(jw);
	jw_write_escaped(jw->out, s, len);
}

void jw_string(struct json_writer *jw, const char *s)
{
	jw_string_len(jw, s, strlen(s));
}

void jw_uint(struct json_writer *jw, uint64_t v)
{
	jw_prefix(jw);
	fprintf(jw->out, "%llu", (unsigned long long)v);
}

void jw_int(struct json_writer *jw, int64_t v)
{
	jw_prefix(jw);
	fprintf(jw->out, "%lld", (long long)v);
}

void jw_bool(struct json_writer *jw, bool v)
{
	jw_prefix(jw);
	fputs(v ? "true" : "false", jw->out);
}

void jw_null(struct json_writer *jw)
{
	jw_prefix(jw);
	fputs("null", jw->out);
}

/* Ends one top-level value: a newline, and ready for the next one. */
void jw_end_document(struct json_writer *jw)
{
	fputc('\n', jw->out);
	fflush(jw->out);
	jw->need_comma[0] = false;
	jw->after_key = false;
}
