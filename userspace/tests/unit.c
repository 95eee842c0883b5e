// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the pieces with the most corner cases: the JSON writer's
 * escaping and the argument parsers. Prints "ok - ..." / "not ok - ..."
 * lines, counted by tests/run.sh.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vconnectctl.h"

struct global_opts opts;
static int failures;

static void check(bool cond, const char *what)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", what);
	if (!cond)
		failures++;
}

/* Render one JSON string with jw_string_len() and compare. */
static void check_json_string(const char *in, size_t len, const char *want,
			      const char *what)
{
	struct json_writer jw;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	jw_init(&jw, f, false);
	jw_string_len(&jw, in, len);
	fclose(f);
	if (strcmp(buf, want))
		printf("# got %s, want %s\n", buf, want);
	check(!strcmp(buf, want), what);
	free(buf);
}

static void test_json(void)
{
	struct json_writer jw;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	check_json_string("a\"b\\c", 5, "\"a\\\"b\\\\c\"", "json: quote and backslash");
	check_json_string("\n\t\x01\x7f", 4, "\"\\n\\t\\u0001\\u007f\"",
			  "json: control characters");
	check_json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
			  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
			  "json: valid UTF-8 passes through");
	check_json_string("a\xff" "b\xc3", 4, "\"a\\ufffdb\\ufffd\"",
			  "json: invalid and truncated UTF-8 become U+FFFD");
	check_json_string("\xc0\xaf\xed\xa0\x80", 5,
			  "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"",
			  "json: overlong forms and surrogates are rejected");

	f = open_memstream(&buf, &size);
	jw_init(&jw, f, false);
	jw_begin_object(&jw);
	jw_key(&jw, "a");
	jw_begin_array(&jw);
	jw_uint(&jw, 18446744073709551615ULL);
	jw_int(&jw, -5);
	jw_bool(&jw, true);
	jw_null(&jw);
	jw_begin_object(&jw);
	jw_end_object(&jw);
	jw_end_array(&jw);
	jw_key(&jw, "b");
	jw_string(&jw, "");
	jw_end_object(&jw);
	fclose(f);
	check(!strcmp(buf, "{\"a\":[18446744073709551615,-5,true,null,{}],\"b\":\"\"}"),
	      "json: nesting and separators");
	free(buf);
}

static void test_wwn(void)
{
	uint64_t v = 0;

	check(!parse_wwn("0x5001405abcdef012", "w", &v) && v == 0x5001405abcdef012ULL,
	      "wwn: 0x form");
	check(!parse_wwn("5001405ABCDEF012", "w", &v) && v == 0x5001405abcdef012ULL,
	      "wwn: 16 hex digits");
	check(!parse_wwn("50:01:40:5a:bc:de:f0:12", "w", &v) &&
	      v == 0x5001405abcdef012ULL, "wwn: colon form");
	check(parse_wwn("50:01:40:5a:bc:de:f0", "w", &v), "wwn: 7 groups rejected");
	check(parse_wwn("50-01-40-5a-bc-de-f0-12", "w", &v), "wwn: dashes rejected");
	check(parse_wwn("0x15001405abcdef012", "w", &v), "wwn: 17 digits rejected");
	check(parse_wwn("0x0", "w", &v), "wwn: zero rejected");
	check(parse_wwn("5001405abcdef01", "w", &v), "wwn: 15 bare digits rejected");
}

static void test_names(void)
{
	char long_name[300];

	check(!check_iscsi_name("iqn.2003-01.org.linux-iscsi.host:sn.1", "n"), "iqn accepted");
	check(!check_iscsi_name("eui.02004567A425678D", "n"), "eui accepted");
	check(!check_iscsi_name("naa.52004567BA64678D", "n"), "naa (16) accepted");
	check(check_iscsi_name("iqn.203-01.org", "n"), "iqn with a 3-digit year rejected");
	check(check_iscsi_name("iqn.2003-01.org x", "n"), "iqn with a space rejected");
	check(check_iscsi_name("eui.1234", "n"), "short eui rejected");
	check(check_iscsi_name("foo.bar", "n"), "unknown prefix rejected");
	memset(long_name, 'a', sizeof(long_name));
	memcpy(long_name, "iqn.2003-01.org:", 16);
	long_name[224] = '\0';
	check(check_iscsi_name(long_name, "n"), "224-byte name rejected");
	long_name[223] = '\0';
	check(!check_iscsi_name(long_name, "n"), "223-byte name accepted");
	check(!check_vhba_name("vm-1_a.b"), "vhba name accepted");
	check(check_vhba_name("vm/1"), "vhba name with / rejected");
	check(check_vhba_name("0123456789012345678901234567890123"), "long vhba name rejected");
}

static void test_portal(void)
{
	struct portal p;
	char buf[PORTAL_STR_MAX];

	check(!parse_portal("10.1.2.3", &p) && p.family == AF_INET && p.port == 3260,
	      "portal: IPv4, default port");
	check(!parse_portal("10.1.2.3:3261", &p) && p.port == 3261, "portal: IPv4 with port");
	check(!parse_portal("[fd00::1]:3262", &p) && p.family == AF_INET6 && p.port == 3262,
	      "portal: bracketed IPv6 with port");
	format_portal(&p, buf, sizeof(buf));
	check(!strcmp(buf, "[fd00::1]:3262"), "portal: IPv6 formatted with brackets");
	check(!parse_portal("fd00::2", &p) && p.family == AF_INET6 && p.port == 3260,
	      "portal: bare IPv6, default port");
	check(parse_portal("10.1.2.3:0", &p), "portal: port 0 rejected");
	check(parse_portal("10.1.2.3:65536", &p), "portal: port 65536 rejected");
	check(parse_portal("[fd00::1", &p), "portal: unclosed bracket rejected");
	check(parse_portal("fe80::1%eth0", &p), "portal: scope id rejected");
}

static void test_misc(void)
{
	static const char *const words[] = { "portal", "policy", "lun", NULL };
	uint64_t isid;
	uint32_t ms;

	check(keyword_lookup("lu", words) == 2, "keyword: unique prefix");
	check(keyword_lookup("po", words) == -2, "keyword: ambiguous prefix");
	check(keyword_lookup("portal", words) == 0, "keyword: exact");
	check(keyword_lookup("x", words) == -1, "keyword: unknown");
	check(!parse_isid("0x400001370000", &isid) && isid == 0x400001370000ULL, "isid: 48 bits");
	check(parse_isid("0x1400001370000", &isid), "isid: 49 bits rejected");
	check(!parse_timeout_ms("120", &ms) && ms == 120000, "timeout: seconds");
	check(!parse_timeout_ms("500ms", &ms) && ms == 500, "timeout: milliseconds");
	check(parse_timeout_ms("5m", &ms), "timeout: unknown unit rejected");
	check(parse_timeout_ms("4294968", &ms), "timeout: overflow rejected");
}

int main(void)
{
	test_json();
	test_wwn();
	test_names();
	test_portal();
	test_misc();
	return failures ? 1 : 0;
}
