/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vconnectctl: configure vconnect vHBAs over the "vconnect" generic netlink
 * family (include/uapi/linux/vconnect.h).
 *
 * One file per concept: main.c (global options, dispatch), args.c (argument
 * parsing and local validation), attrs.c (the family's attribute tables,
 * reply validation, request decoding for --dry-run), nl.c (socket, family
 * lookup, request/ack with extack), output.c + json.c (text or JSON output),
 * vhba.c, offload.c, discover.c, import.c, monitor.c (commands).
 */
#ifndef VCONNECTCTL_H
#define VCONNECTCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/netlink.h>
#include <linux/vconnect.h>

#define VCONNECTCTL_VERSION	"0.1"

/* Exit codes. */
#define EXIT_OK		0
#define EXIT_ERROR	1	/* the request failed, or the system said no */
#define EXIT_USAGE	2	/* bad command line; nothing was sent */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* RFC 7143 limits and the uapi's. */
#define ISCSI_NAME_MAX		223	/* bytes, without the NUL */
#define ISCSI_ALIAS_MAX		223	/* the module's limit */
#define CHAP_USER_MAX		255
#define CHAP_SECRET_MIN		12	/* 96 bits, RFC 7143 section 12.1.3 */
#define CHAP_SECRET_MAX		256
#define ISCSI_DEFAULT_PORT	3260
#define ISID_MAX		0xffffffffffffULL

/* Global options, set once by main(). */
struct global_opts {
	bool json;
	bool pretty;
	bool dry_run;	/* decode and print requests instead of sending them */
	const char *replay;	/* tests: read "kernel replies" from this file */
};

/*
 * --replay FILE (for tests, not in the usage text): no socket is opened;
 * each read of the socket instead takes the next datagram from FILE, a
 * sequence of (u32 length in host order, that many bytes of netlink
 * messages). Requests are not sent. The family id is VC_REPLAY_FAMILY_ID.
 */
#define VC_REPLAY_FAMILY_ID	0x20
extern struct global_opts opts;

/* ---- args.c: command line cursor and validation ---------------------- */

struct cmdline {
	int argc;
	char **argv;
	const char *context;	/* "vhba add": named in error messages */
};

static inline bool cl_more(const struct cmdline *cl)
{
	return cl->argc > 0;
}

static inline char *cl_peek(const struct cmdline *cl)
{
	return cl->argc > 0 ? cl->argv[0] : NULL;
}

static inline char *cl_next(struct cmdline *cl)
{
	if (cl->argc <= 0)
		return NULL;
	cl->argc--;
	return *cl->argv++;
}

void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int keyword_lookup(const char *arg, const char *const *keywords);
int cl_keyword(const struct cmdline *cl, const char *arg,
	       const char *const *keywords);
char *cl_value(struct cmdline *cl, const char *keyword, const char *what);
bool is_help(const char *arg);

int check_vhba_name(const char *name);
int check_iscsi_name(const char *name, const char *what);
int check_printable(const char *s, size_t max, const char *what);
int parse_wwn(const char *s, const char *what, uint64_t *out);
int parse_isid(const char *s, uint64_t *out);
int parse_u64(const char *s, const char *what, uint64_t *out);
int parse_u32(const char *s, const char *what, uint32_t *out);
int parse_timeout_ms(const char *s, uint32_t *out);

struct portal {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; 4 bytes used for AF_INET */
	uint16_t port;
};

int parse_portal(const char *s, struct portal *out);
int portal_from_host(const char *host, unsigned int port, struct portal *out);
size_t portal_addr_len(const struct portal *p);
void format_portal(const struct portal *p, char *buf, size_t size);
void format_portal_addr(const struct portal *p, char *buf, size_t size);
bool portal_equal(const struct portal *a, const struct portal *b);
#define PORTAL_STR_MAX	64	/* "[ipv6]:port" */

struct secret {
	uint8_t data[CHAP_SECRET_MAX];
	size_t len;
};

struct chap_creds {
	bool set;
	char user[CHAP_USER_MAX + 1];
	struct secret secret;
};

/* One-way CHAP authenticates us to the target, mutual the target to us. */
struct chap_config {
	struct chap_creds one_way;
	struct chap_creds mutual;
};

int parse_chap_creds(struct cmdline *cl, const char *keyword,
		     struct chap_creds *out);
int check_chap_config(const struct chap_config *chap);
int read_secret_file(const char *path, struct secret *out);
int set_secret(struct secret *s, const void *data, size_t len,
	       const char *what);
bool chap_creds_equal(const struct chap_creds *a, const struct chap_creds *b);
void chap_config_wipe(struct chap_config *chap);

/* ---- json.c: a small streaming JSON writer ---------------------------- */

#define JSON_MAX_DEPTH	16

struct json_writer {
	FILE *out;
	bool pretty;
	int depth;
	bool need_comma[JSON_MAX_DEPTH + 1];
	bool after_key;
};

void jw_init(struct json_writer *jw, FILE *out, bool pretty);
void jw_begin_object(struct json_writer *jw);
void jw_end_object(struct json_writer *jw);
void jw_begin_array(struct json_writer *jw);
void jw_end_array(struct json_writer *jw);
void jw_key(struct json_writer *jw, const char *key);
void jw_string(struct json_writer *jw, const char *s);
void jw_string_len(struct json_writer *jw, const char *s, size_t len);
void jw_uint(struct json_writer *jw, uint64_t v);
void jw_int(struct json_writer *jw, int64_t v);
void jw_bool(struct json_writer *jw, bool v);
void jw_null(struct json_writer *jw);
void jw_end_document(struct json_writer *jw);

/* ---- output.c: one call site for text and JSON ------------------------ */

/*
 * In JSON mode each out_*() writes "key": value; in text mode it writes
 * "label value" separated from what came before on the line by two spaces
 * (a NULL label prints the value alone, a NULL key skips JSON output).
 */
void out_init(void);
void out_finish(void);
void out_begin_list(void);
void out_end_list(void);
void out_begin_object(const char *key);
void out_end_object(void);
void out_begin_array(const char *key);
void out_end_array(void);
void out_str(const char *key, const char *label, const char *value);
void out_str_padded(const char *key, const char *label, const char *value,
		    int width);
void out_uint(const char *key, const char *label, uint64_t value);
void out_int(const char *key, const char *label, int64_t value);
void out_bool(const char *key, const char *label, bool value);
void out_hex(const char *key, const char *label, uint64_t value, int digits,
	     bool json_prefix);
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_newline(void);
void out_indent(int level);
struct json_writer *out_json(void);

/* ---- attrs.c: the family's attribute tables --------------------------- */

enum vc_attr_kind {
	VC_UNUSED,
	VC_U8,
	VC_U16,
	VC_U32,
	VC_U64,
	VC_S32,
	VC_STRING,
	VC_BINARY,
	VC_NEST,
	VC_PAD,
};

enum vc_attr_hint {
	VC_HINT_NONE,
	VC_HINT_HEX,		/* WWNs */
	VC_HINT_ISID,
	VC_HINT_IPADDR,
	VC_HINT_SECRET,		/* never printed */
	VC_HINT_POLICY,
	VC_HINT_STATE,
	VC_HINT_EVENT,
	VC_HINT_ERRNO,
	VC_HINT_DATAPATH,
	VC_HINT_CAUSE,
};

struct vc_attr_set;

struct vc_attr_desc {
	const char *name;	/* the YNL spec's name */
	enum vc_attr_kind kind;
	enum vc_attr_hint hint;
	bool multi;
	const struct vc_attr_set *nested;
};

struct vc_attr_set {
	const char *name;
	unsigned int max;
	const struct vc_attr_desc *attrs;
};

extern const struct vc_attr_set vc_vconnect_set;
extern const struct vc_attr_set vc_target_set;
extern const struct vc_attr_set vc_portal_set;
extern const struct vc_attr_set vc_function_set;

const char *vc_cmd_name(unsigned int cmd);
const char *vc_policy_name(unsigned int policy);
const char *vc_state_name(unsigned int state);
const char *vc_event_name(unsigned int event);
const char *vc_datapath_name(unsigned int datapath);
const char *vc_cause_name(unsigned int cause);
int vc_policy_lookup(const char *name);
int vc_datapath_lookup(const char *name);

const char *vc_attr_name(const struct vc_attr_set *set, unsigned int type);
int vc_attr_check(const struct vc_attr_set *set, const struct nlattr *attr);

int vc_parse_msg(const struct nlmsghdr *nlh, const struct vc_attr_set *set,
		 const struct nlattr **tb);
int vc_parse_nested(const struct nlattr *nest, const struct vc_attr_set *set,
		    const struct nlattr **tb);
bool vc_portal_from_attr(const struct nlattr *nest, struct portal *out);
void vc_decode_request(const struct nlmsghdr *nlh);
int vc_describe_offset(const struct nlmsghdr *req, uint32_t offset,
		       char *buf, size_t size,
		       const struct vc_attr_set **set_out);

/* ---- nl.c: generic netlink plumbing ----------------------------------- */

#define VC_MSG_SIZE	65536

/* A request being built; puts past the end set .overflow, checked once. */
struct vc_msg {
	union {
		char buf[VC_MSG_SIZE];
		struct nlmsghdr align;
	};
	struct nlmsghdr *nlh;
	bool overflow;
};

void msg_init(struct vc_msg *msg, uint16_t family, uint8_t cmd,
	      uint16_t flags);
void msg_put_u8(struct vc_msg *msg, uint16_t type, uint8_t v);
void msg_put_u16(struct vc_msg *msg, uint16_t type, uint16_t v);
void msg_put_u32(struct vc_msg *msg, uint16_t type, uint32_t v);
void msg_put_u64(struct vc_msg *msg, uint16_t type, uint64_t v);
void msg_put_str(struct vc_msg *msg, uint16_t type, const char *s);
void msg_put_bin(struct vc_msg *msg, uint16_t type, const void *p, size_t len);
struct nlattr *msg_nest_start(struct vc_msg *msg, uint16_t type);
void msg_nest_end(struct vc_msg *msg, struct nlattr *nest);
void msg_put_portal(struct vc_msg *msg, uint16_t type, const struct portal *p);
void msg_put_chap(struct vc_msg *msg, const struct chap_config *chap);

struct mnl_socket;

struct vc_nl {
	struct mnl_socket *sock;
	FILE *replay;
	uint16_t family_id;
	uint32_t family_version;
	uint32_t events_group;	/* 0: the family has none */
	uint32_t portid;
	uint32_t seq;
	char *rxbuf;
	size_t rxbuf_size;

	/* The last failed request and what the kernel said about it. */
	const struct nlmsghdr *last_req;
	char ext_msg[256];
	bool has_offset, has_miss_type, has_miss_nest;
	uint32_t ext_offset, ext_miss_type, ext_miss_nest;
};

typedef int (*vc_reply_cb)(const struct nlmsghdr *nlh, void *data);

int vc_nl_open(struct vc_nl *nl);
void vc_nl_close(struct vc_nl *nl);
int vc_nl_request(struct vc_nl *nl, struct vc_msg *msg, vc_reply_cb cb,
		  void *data);
void vc_nl_report(const struct vc_nl *nl, int err, const char *what);
int vc_nl_join_events(struct vc_nl *nl);
int vc_nl_fd(const struct vc_nl *nl);
int vc_nl_read_events(struct vc_nl *nl, vc_reply_cb cb, void *data);

/* ---- commands --------------------------------------------------------- */

int do_vhba(int argc, char **argv);
int do_discover(int argc, char **argv);
int do_import(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_offload(int argc, char **argv);
void vhba_usage(FILE *f);
void offload_usage(FILE *f);
void discover_usage(FILE *f);
void import_usage(FILE *f);
void monitor_usage(FILE *f);

/* vhba.c helpers shared with import.c */
enum digest_choice {
	DIGEST_UNSET = -1,
	DIGEST_NONE = 0,
	DIGEST_HEADER = 1,
	DIGEST_DATA = 2,
	DIGEST_ALL = DIGEST_HEADER | DIGEST_DATA,
};

struct vhba_config {
	const char *name;
	const char *initiator;
	bool has_wwpn, has_wwnn, has_isid, has_timeout;
	uint64_t wwpn, wwnn, isid;
	uint32_t timeout_ms;
	const char *alias;
	struct chap_config chap;
	int digest;		/* enum digest_choice */
	int policy;		/* enum vconnect_backend_policy, or -1 */
};

void vhba_config_init(struct vhba_config *cfg);
int vhba_new(struct vc_nl *nl, const struct vhba_config *cfg);

struct vhba_state {
	bool exists;
	bool has_chap;
	char chap_user[CHAP_USER_MAX + 1];
};
int vhba_query(struct vc_nl *nl, const char *name, struct vhba_state *st);

#endif /* VCONNECTCTL_H */
