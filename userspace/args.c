// SPDX-License-Identifier: GPL-2.0
/*
 * Command line parsing and local validation. The kernel validates every
 * request as well; checking here first lets us name the word to fix.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "vconnectctl.h"

static void vprint_prefixed(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void print_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_prefixed("Error: ", fmt, ap);
	va_end(ap);
}

void print_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_prefixed("Warning: ", fmt, ap);
	va_end(ap);
}

void print_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_prefixed("Note: ", fmt, ap);
	va_end(ap);
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

/*
 * Index of the keyword that @arg spells exactly or is a unique prefix of;
 * -1 if none matches, -2 if the prefix is ambiguous.
 */
int keyword_lookup(const char *arg, const char *const *keywords)
{
	size_t len = strlen(arg);
	int found = -1;
	int i;

	if (!len)
		return -1;
	for (i = 0; keywords[i]; i++) {
		if (!strcmp(arg, keywords[i]))
			return i;
		if (!strncmp(arg, keywords[i], len))
			found = found == -1 ? i : -2;
	}
	return found;
}

/* keyword_lookup() that explains a miss in terms of the command. */
int cl_keyword(const struct cmdline *cl, const char *arg,
	       const char *const *keywords)
{
	int idx = keyword_lookup(arg, keywords);
	size_t len = strlen(arg);
	int i;

	if (idx >= 0)
		return idx;
	if (idx == -1) {
		print_error("unknown keyword '%s' after '%s'", arg, cl->context);
		return -1;
	}
	fflush(stdout);
	fprintf(stderr, "Error: ambiguous keyword '%s' after '%s': could be",
		arg, cl->context);
	for (i = 0; keywords[i]; i++)
		if (!strncmp(arg, keywords[i], len))
			fprintf(stderr, " %s", keywords[i]);
	fputc('\n', stderr);
	return -1;
}

char *cl_value(struct cmdline *cl, const char *keyword, const char *what)
{
	char *v = cl_next(cl);

	if (!v) {
		if (keyword)
			print_error("'%s %s' needs %s", cl->context, keyword, what);
		else
			print_error("'%s' needs %s", cl->context, what);
	}
	return v;
}

int check_printable(const char *s, size_t max, const char *what)
{
	size_t len = strlen(s);
	const unsigned char *p;

	if (!len) {
		print_error("%s is empty", what);
		return -1;
	}
	if (len > max) {
		print_error("%s is %zu bytes long, the limit is %zu", what, len,
			    max);
		return -1;
	}
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			print_error("%s contains a control character at byte %zu",
				    what, (size_t)(p - (const unsigned char *)s));
			return -1;
		}
	}
	return 0;
}

int check_vhba_name(const char *name)
{
	size_t len = strlen(name);
	const char *p;

	if (!len || len >= VCONNECT_VHBA_NAME_MAX) {
		print_error("vHBA name '%s' must be 1 to %d characters long",
			    name, VCONNECT_VHBA_NAME_MAX - 1);
		return -1;
	}
	for (p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p)) {
			print_error("vHBA name '%s' may only contain letters, digits, '_', '.' and '-'",
				    name);
			return -1;
		}
	}
	return 0;
}

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * RFC 7143 section 4.2.7: iqn.YYYY-MM.reversed-domain[:anything],
 * eui.<16 hex>, naa.<16 or 32 hex>. No spaces, at most 223 bytes.
 */
int check_iscsi_name(const char *name, const char *what)
{
	size_t len = strlen(name);
	const unsigned char *p;

	if (!len) {
		print_error("%s is empty", what);
		return -1;
	}
	if (len > ISCSI_NAME_MAX) {
		print_error("%s '%.40s...' is %zu bytes long, iSCSI names are at most %d",
			    what, name, len, ISCSI_NAME_MAX);
		return -1;
	}
	for (p = (const unsigned char *)name; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f) {
			print_error("%s '%s' contains a space or control character",
				    what, name);
			return -1;
		}
	}
	if (!strncasecmp(name, "iqn.", 4)) {
		const char *d = name + 4;

		/* iqn.2001-04.com.example */
		if (len < 12 || !isdigit((unsigned char)d[0]) ||
		    !isdigit((unsigned char)d[1]) ||
		    !isdigit((unsigned char)d[2]) ||
		    !isdigit((unsigned char)d[3]) || d[4] != '-' ||
		    !isdigit((unsigned char)d[5]) ||
		    !isdigit((unsigned char)d[6]) || d[7] != '.' || !d[8]) {
			print_error("%s '%s' is not of the form iqn.YYYY-MM.reversed.domain[:id]",
				    what, name);
			return -1;
		}
		return 0;
	}
	if (!strncasecmp(name, "eui.", 4)) {
		if (len != 4 + 16 || !all_hex(name + 4, 16)) {
			print_error("%s '%s': an eui. name has exactly 16 hex digits",
				    what, name);
			return -1;
		}
		return 0;
	}
	if (!strncasecmp(name, "naa.", 4)) {
		if ((len != 4 + 16 && len != 4 + 32) ||
		    !all_hex(name + 4, len - 4)) {
			print_error("%s '%s': a naa. name has 16 or 32 hex digits",
				    what, name);
			return -1;
		}
		return 0;
	}
	print_error("%s '%s' must start with iqn., eui. or naa.", what, name);
	return -1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Accepts 0x<1-16 hex>, <16 hex>, or eight colon-separated hex pairs. */
int parse_wwn(const char *s, const char *what, uint64_t *out)
{
	size_t len = strlen(s);
	uint64_t v = 0;
	size_t i;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (len - 2 > 16 || !all_hex(s + 2, len - 2))
			goto bad;
		for (i = 2; i < len; i++)
			v = v << 4 | hexval(s[i]);
	} else if (len == 16 && all_hex(s, 16)) {
		for (i = 0; i < len; i++)
			v = v << 4 | hexval(s[i]);
	} else if (len == 23) {
		for (i = 0; i < 8; i++) {
			const char *g = s + i * 3;

			if (!isxdigit((unsigned char)g[0]) ||
			    !isxdigit((unsigned char)g[1]) ||
			    (i < 7 && g[2] != ':'))
				goto bad;
			v = v << 8 | hexval(g[0]) << 4 | hexval(g[1]);
		}
	} else {
		goto bad;
	}
	if (!v) {
		print_error("%s '%s' is zero, which is not a valid world wide name",
			    what, s);
		return -1;
	}
	*out = v;
	return 0;
bad:
	print_error("%s '%s' is not a WWN: use 0x5001405abcdef012, 5001405abcdef012 or 50:01:40:5a:bc:de:f0:12",
		    what, s);
	return -1;
}

int parse_isid(const char *s, uint64_t *out)
{
	const char *digits = s;
	size_t len;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		digits += 2;
	len = strlen(digits);
	if (!len || len > 12 || !all_hex(digits, len)) {
		print_error("ISID '%s' must be at most 12 hex digits (48 bits), e.g. 0x400001370000",
			    s);
		return -1;
	}
	while (*digits)
		v = v << 4 | hexval(*digits++);
	*out = v;
	return 0;
}

int parse_u64(const char *s, const char *what, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0])) {
		print_error("%s '%s' is not a number", what, s);
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end) {
		print_error("%s '%s' is not a number (or too large)", what, s);
		return -1;
	}
	*out = v;
	return 0;
}

int parse_u32(const char *s, const char *what, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, what, &v))
		return -1;
	if (v > UINT32_MAX) {
		print_error("%s '%s' is too large (at most %u)", what, s,
			    UINT32_MAX);
		return -1;
	}
	*out = v;
	return 0;
}

/* Seconds, or milliseconds with an "ms" suffix: "120", "500ms". */
int parse_timeout_ms(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	if (!strcmp(end, "ms")) {
		/* already milliseconds */
	} else if (!*end || !strcmp(end, "s")) {
		if (v > UINT32_MAX / 1000)
			goto bad;
		v *= 1000;
	} else {
		goto bad;
	}
	if (v > UINT32_MAX)
		goto bad;
	*out = v;
	return 0;
bad:
	print_error("replacement timeout '%s' must be whole seconds (e.g. 120) or milliseconds (e.g. 500ms), at most %u s",
		    s, UINT32_MAX / 1000);
	return -1;
}

/* Resolve a host (IP literal or name) to the first stream address. */
int portal_from_host(const char *host, unsigned int port, struct portal *out)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *res;
	int ret;

	if (port == 0 || port > 65535) {
		print_error("port %u of portal %s is out of range (1-65535)",
			    port, host);
		return -1;
	}
	if (strchr(host, '%')) {
		print_error("portal %s: IPv6 scope ids are not supported", host);
		return -1;
	}
	ret = getaddrinfo(host, NULL, &hints, &res);
	if (ret) {
		print_error("portal address '%s': %s", host, gai_strerror(ret));
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->family = res->ai_family;
	out->port = port;
	if (res->ai_family == AF_INET) {
		const struct sockaddr_in *sin = (void *)res->ai_addr;

		memcpy(out->addr, &sin->sin_addr, 4);
	} else if (res->ai_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (void *)res->ai_addr;

		memcpy(out->addr, &sin6->sin6_addr, 16);
	} else {
		freeaddrinfo(res);
		print_error("portal address '%s' is neither IPv4 nor IPv6", host);
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

/* ADDR, ADDR:PORT, [V6ADDR], [V6ADDR]:PORT, or a bare IPv6 address. */
int parse_portal(const char *s, struct portal *out)
{
	char host[256];
	const char *port_str = NULL;
	uint32_t port = ISCSI_DEFAULT_PORT;
	size_t hlen;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':')) {
			print_error("portal '%s': write IPv6 portals as [ADDR] or [ADDR]:PORT",
				    s);
			return -1;
		}
		hlen = close - s - 1;
		if (hlen >= sizeof(host) || !hlen)
			goto bad;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (close[1] == ':')
			port_str = close + 2;
	} else {
		const char *colon = strchr(s, ':');

		if (colon && strchr(colon + 1, ':')) {
			/* two colons: a bare IPv6 address, default port */
			hlen = strlen(s);
		} else {
			hlen = colon ? (size_t)(colon - s) : strlen(s);
			if (colon)
				port_str = colon + 1;
		}
		if (hlen >= sizeof(host) || !hlen)
			goto bad;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
	}
	if (port_str) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(port_str, &end, 10);
		if (!isdigit((unsigned char)*port_str) || *end || errno ||
		    v == 0 || v > 65535) {
			print_error("portal '%s': port '%s' must be 1-65535", s,
				    port_str);
			return -1;
		}
		port = v;
	}
	return portal_from_host(host, port, out);
bad:
	print_error("portal '%s' is not ADDR[:PORT] or [IPV6]:PORT", s);
	return -1;
}

size_t portal_addr_len(const struct portal *p)
{
	return p->family == AF_INET6 ? 16 : 4;
}

void format_portal_addr(const struct portal *p, char *buf, size_t size)
{
	if (!inet_ntop(p->family, p->addr, buf, size))
		snprintf(buf, size, "?");
}

void format_portal(const struct portal *p, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	format_portal_addr(p, addr, sizeof(addr));
	if (p->family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", addr, p->port);
	else
		snprintf(buf, size, "%s:%u", addr, p->port);
}

bool portal_equal(const struct portal *a, const struct portal *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr, b->addr, portal_addr_len(a));
}

int set_secret(struct secret *s, const void *data, size_t len,
	       const char *what)
{
	if (len < CHAP_SECRET_MIN || len > CHAP_SECRET_MAX) {
		print_error("%s is %zu bytes long; CHAP secrets must be %d to %d bytes",
			    what, len, CHAP_SECRET_MIN, CHAP_SECRET_MAX);
		return -1;
	}
	memcpy(s->data, data, len);
	s->len = len;
	return 0;
}

/*
 * Read a secret from a file so it never shows in ps or shell history. One
 * trailing newline is dropped, since "echo secret > file" adds one.
 */
int read_secret_file(const char *path, struct secret *out)
{
	uint8_t buf[CHAP_SECRET_MAX + 2];
	size_t len = 0;
	char what[PATH_MAX + 32];
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		print_error("cannot read CHAP secret file %s: %s", path,
			    strerror(errno));
		return -1;
	}
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			print_error("cannot read CHAP secret file %s: %s", path,
				    strerror(errno));
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return -1;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	if (len > CHAP_SECRET_MAX) {
		print_error("the CHAP secret in %s is longer than %d bytes",
			    path, CHAP_SECRET_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	snprintf(what, sizeof(what), "the CHAP secret in %s", path);
	ret = set_secret(out, buf, len, what);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/*
 * After @keyword ("chap" or "mutual"): USER SECRET or USER file PATH. A
 * secret given on the command line is overwritten in argv, which shortens
 * (but does not close) the window in which ps can see it.
 */
int parse_chap_creds(struct cmdline *cl, const char *keyword,
		     struct chap_creds *out)
{
	char what[64];
	char *user, *secret;

	user = cl_value(cl, keyword, "a user name and a secret (or 'file PATH')");
	if (!user)
		return -1;
	snprintf(what, sizeof(what), "%s user name", keyword);
	if (check_printable(user, CHAP_USER_MAX, what))
		return -1;
	secret = cl_value(cl, keyword, "a secret after the user name (or 'file PATH')");
	if (!secret)
		return -1;
	strcpy(out->user, user);	/* length checked above */
	if (!strcmp(secret, "file")) {
		char *path = cl_value(cl, "file", "the path of a file holding the secret");

		if (!path || read_secret_file(path, &out->secret))
			return -1;
	} else {
		snprintf(what, sizeof(what), "the %s secret", keyword);
		if (set_secret(&out->secret, secret, strlen(secret), what))
			return -1;
		memset(secret, '*', strlen(secret));
	}
	out->set = true;
	return 0;
}

bool chap_creds_equal(const struct chap_creds *a, const struct chap_creds *b)
{
	if (a->set != b->set)
		return false;
	if (!a->set)
		return true;
	return !strcmp(a->user, b->user) && a->secret.len == b->secret.len &&
	       !memcmp(a->secret.data, b->secret.data, a->secret.len);
}

int check_chap_config(const struct chap_config *chap)
{
	if (chap->mutual.set && !chap->one_way.set) {
		print_error("mutual CHAP needs one-way CHAP too: give 'chap USER SECRET' before 'mutual'");
		return -1;
	}
	/* RFC 7143 section 12.1.3: never the same secret both ways. */
	if (chap->mutual.set &&
	    chap->mutual.secret.len == chap->one_way.secret.len &&
	    !memcmp(chap->mutual.secret.data, chap->one_way.secret.data,
		    chap->one_way.secret.len)) {
		print_error("the mutual CHAP secret must differ from the one-way secret");
		return -1;
	}
	return 0;
}

void chap_config_wipe(struct chap_config *chap)
{
	explicit_bzero(chap, sizeof(*chap));
}
