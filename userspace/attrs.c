// SPDX-License-Identifier: GPL-2.0
/*
 * The vconnect family's attributes as data: names (those of the YNL spec,
 * Documentation/netlink/specs/vconnect.yaml), types and nesting. Used to
 * validate replies before reading them, to decode requests for --dry-run
 * and to name the attribute an extack offset points at.
 *
 * check-uapi.py reads the tables below and compares them with the spec,
 * so keep one "[CONSTANT] = { "name", VC_KIND" entry per line.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "vconnectctl.h"

static const struct vc_attr_desc portal_attrs[VCONNECT_A_PORTAL_MAX + 1] = {
	[VCONNECT_A_PORTAL_ADDR] = { "addr", VC_BINARY, VC_HINT_IPADDR },
	[VCONNECT_A_PORTAL_PORT] = { "port", VC_U16 },
};

const struct vc_attr_set vc_portal_set = {
	.name = "portal",
	.max = VCONNECT_A_PORTAL_MAX,
	.attrs = portal_attrs,
};

static const struct vc_attr_desc target_attrs[VCONNECT_A_TGT_MAX + 1] = {
	[VCONNECT_A_TGT_NAME] = { "name", VC_STRING },
	[VCONNECT_A_TGT_PORTAL] = { "portal", VC_NEST, .nested = &vc_portal_set },
	[VCONNECT_A_TGT_STATE] = { "state", VC_U32, VC_HINT_STATE },
	[VCONNECT_A_TGT_ISID] = { "isid", VC_U64, VC_HINT_ISID },
	[VCONNECT_A_TGT_TSIH] = { "tsih", VC_U16 },
	[VCONNECT_A_TGT_SCSI_ID] = { "scsi-id", VC_U32 },
	[VCONNECT_A_TGT_NR_LUNS] = { "nr-luns", VC_U32 },
	[VCONNECT_A_TGT_CMDS] = { "cmds", VC_U64 },
	[VCONNECT_A_TGT_READ_BYTES] = { "read-bytes", VC_U64 },
	[VCONNECT_A_TGT_WRITE_BYTES] = { "write-bytes", VC_U64 },
	[VCONNECT_A_TGT_ERRORS] = { "errors", VC_U64 },
	[VCONNECT_A_TGT_RECOVERIES] = { "recoveries", VC_U64 },
	[VCONNECT_A_TGT_HEADER_DIGEST] = { "header-digest", VC_U8 },
	[VCONNECT_A_TGT_DATA_DIGEST] = { "data-digest", VC_U8 },
	[VCONNECT_A_TGT_MAX_RECV_DSL] = { "max-recv-dsl", VC_U32 },
	[VCONNECT_A_TGT_MAX_XMIT_DSL] = { "max-xmit-dsl", VC_U32 },
	[VCONNECT_A_TGT_MAX_BURST] = { "max-burst", VC_U32 },
	[VCONNECT_A_TGT_FIRST_BURST] = { "first-burst", VC_U32 },
	[VCONNECT_A_TGT_INITIAL_R2T] = { "initial-r2t", VC_U8 },
	[VCONNECT_A_TGT_IMMEDIATE_DATA] = { "immediate-data", VC_U8 },
	[VCONNECT_A_TGT_LAST_ERROR] = { "last-error", VC_S32, VC_HINT_ERRNO },
	[VCONNECT_A_TGT_PAD] = { "pad", VC_PAD },
	[VCONNECT_A_TGT_DATAPATH] = { "datapath", VC_STRING },
	[VCONNECT_A_TGT_SWITCHES] = { "switches", VC_U64 },
	[VCONNECT_A_TGT_FAILOVERS] = { "failovers", VC_U64 },
	[VCONNECT_A_TGT_LAST_STALL_US] = { "last-stall-us", VC_U64 },
};

const struct vc_attr_set vc_target_set = {
	.name = "target",
	.max = VCONNECT_A_TGT_MAX,
	.attrs = target_attrs,
};

static const struct vc_attr_desc function_attrs[VCONNECT_A_FN_MAX + 1] = {
	[VCONNECT_A_FN_PF] = { "pf", VC_STRING },
	[VCONNECT_A_FN_INDEX] = { "index", VC_U32 },
	[VCONNECT_A_FN_STATE] = { "state", VC_STRING },
	[VCONNECT_A_FN_HOLDER] = { "holder", VC_STRING },
	[VCONNECT_A_FN_SESSIONS] = { "sessions", VC_U32 },
	[VCONNECT_A_FN_CMDS] = { "cmds", VC_U64 },
	[VCONNECT_A_FN_PAD] = { "pad", VC_PAD },
};

const struct vc_attr_set vc_function_set = {
	.name = "function",
	.max = VCONNECT_A_FN_MAX,
	.attrs = function_attrs,
};

static const struct vc_attr_desc vconnect_attrs[VCONNECT_A_MAX + 1] = {
	[VCONNECT_A_VHBA_NAME] = { "vhba-name", VC_STRING },
	[VCONNECT_A_VHBA_INITIATOR_NAME] = { "vhba-initiator-name", VC_STRING },
	[VCONNECT_A_VHBA_WWPN] = { "vhba-wwpn", VC_U64, VC_HINT_HEX },
	[VCONNECT_A_VHBA_WWNN] = { "vhba-wwnn", VC_U64, VC_HINT_HEX },
	[VCONNECT_A_VHBA_ISID] = { "vhba-isid", VC_U64, VC_HINT_ISID },
	[VCONNECT_A_VHBA_ALIAS] = { "vhba-alias", VC_STRING },
	[VCONNECT_A_VHBA_CHAP_USER] = { "vhba-chap-user", VC_STRING },
	[VCONNECT_A_VHBA_CHAP_SECRET] = { "vhba-chap-secret", VC_BINARY, VC_HINT_SECRET },
	[VCONNECT_A_VHBA_MCHAP_USER] = { "vhba-mchap-user", VC_STRING },
	[VCONNECT_A_VHBA_MCHAP_SECRET] = { "vhba-mchap-secret", VC_BINARY, VC_HINT_SECRET },
	[VCONNECT_A_VHBA_HEADER_DIGEST] = { "vhba-header-digest", VC_U8 },
	[VCONNECT_A_VHBA_DATA_DIGEST] = { "vhba-data-digest", VC_U8 },
	[VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT] = { "vhba-replacement-timeout", VC_U32 },
	[VCONNECT_A_VHBA_BACKEND_POLICY] = { "vhba-backend-policy", VC_U32, VC_HINT_POLICY },
	[VCONNECT_A_VHBA_HOST_NO] = { "vhba-host-no", VC_U32 },
	[VCONNECT_A_VHBA_BACKEND] = { "vhba-backend", VC_STRING },
	[VCONNECT_A_VHBA_TARGET] = { "vhba-target", VC_NEST, .multi = true, .nested = &vc_target_set },
	[VCONNECT_A_TARGET_NAME] = { "target-name", VC_STRING },
	[VCONNECT_A_TARGET_PORTAL] = { "target-portal", VC_NEST, .multi = true, .nested = &vc_portal_set },
	[VCONNECT_A_TARGET_LUN] = { "target-lun", VC_U64, .multi = true },
	[VCONNECT_A_DISCOVERED] = { "discovered", VC_NEST, .multi = true, .nested = &vc_vconnect_set },
	[VCONNECT_A_DISCOVERED_ADDRESS] = { "discovered-address", VC_STRING, .multi = true },
	[VCONNECT_A_EVENT_TYPE] = { "event-type", VC_U32, VC_HINT_EVENT },
	[VCONNECT_A_EVENT_ERROR] = { "event-error", VC_S32, VC_HINT_ERRNO },
	[VCONNECT_A_EVENT_STALL_US] = { "event-stall-us", VC_U64 },
	[VCONNECT_A_PAD] = { "pad", VC_PAD },
	[VCONNECT_A_SWITCH_TO] = { "switch-to", VC_U32, VC_HINT_DATAPATH },
	[VCONNECT_A_SWITCH_CAUSE] = { "switch-cause", VC_U32, VC_HINT_CAUSE },
	[VCONNECT_A_SWITCH_FROM] = { "switch-from", VC_STRING },
	[VCONNECT_A_SWITCH_TIME_US] = { "switch-time-us", VC_U64 },
	[VCONNECT_A_OFFLOAD_FN] = { "offload-fn", VC_NEST, .multi = true, .nested = &vc_function_set },
};

const struct vc_attr_set vc_vconnect_set = {
	.name = "vconnect",
	.max = VCONNECT_A_MAX,
	.attrs = vconnect_attrs,
};

static const char *const cmd_names[VCONNECT_CMD_MAX + 1] = {
	[VCONNECT_CMD_VHBA_NEW] = "vhba-new",
	[VCONNECT_CMD_VHBA_DEL] = "vhba-del",
	[VCONNECT_CMD_VHBA_GET] = "vhba-get",
	[VCONNECT_CMD_TARGET_ATTACH] = "target-attach",
	[VCONNECT_CMD_TARGET_DETACH] = "target-detach",
	[VCONNECT_CMD_VHBA_RESCAN] = "vhba-rescan",
	[VCONNECT_CMD_DISCOVER] = "discover",
	[VCONNECT_CMD_EVENT] = "event",
	[VCONNECT_CMD_VHBA_SWITCH] = "vhba-switch",
	[VCONNECT_CMD_OFFLOAD_GET] = "offload-get",
};

static const char *const policy_names[] = {
	[VCONNECT_POLICY_AUTO] = "auto",
	[VCONNECT_POLICY_SOFTWARE] = "software",
	[VCONNECT_POLICY_PREFER_OFFLOAD] = "prefer-offload",
	[VCONNECT_POLICY_OFFLOAD] = "offload",
	NULL
};

static const char *const state_names[] = {
	[VCONNECT_SESSION_FREE] = "free",
	[VCONNECT_SESSION_LOGGING_IN] = "logging-in",
	[VCONNECT_SESSION_LOGGED_IN] = "logged-in",
	[VCONNECT_SESSION_RECOVERING] = "recovering",
	[VCONNECT_SESSION_FAILED] = "failed",
};

static const char *const event_names[] = {
	[VCONNECT_EVENT_UNSPEC] = "unspec",
	[VCONNECT_EVENT_SESSION_UP] = "session-up",
	[VCONNECT_EVENT_SESSION_DOWN] = "session-down",
	[VCONNECT_EVENT_RECOVERY_START] = "recovery-start",
	[VCONNECT_EVENT_RECOVERY_DONE] = "recovery-done",
	[VCONNECT_EVENT_RECOVERY_TIMEOUT] = "recovery-timeout",
	[VCONNECT_EVENT_LUNS_CHANGED] = "luns-changed",
	[VCONNECT_EVENT_VHBA_NEW] = "vhba-new",
	[VCONNECT_EVENT_VHBA_DEL] = "vhba-del",
	[VCONNECT_EVENT_SWITCH] = "switch",
	[VCONNECT_EVENT_SWITCH_FAILED] = "switch-failed",
};

/* Only the two datapaths one can switch to: keyword_lookup() on the CLI. */
static const char *const datapath_names[] = {
	[VCONNECT_DATAPATH_UNSPEC] = "unspec",
	[VCONNECT_DATAPATH_SOFTWARE] = "software",
	[VCONNECT_DATAPATH_OFFLOAD] = "offload",
	NULL
};

static const char *const cause_names[] = {
	[VCONNECT_SWITCH_UNSPEC] = "unspec",
	[VCONNECT_SWITCH_USER] = "user",
	[VCONNECT_SWITCH_FAILBACK] = "failback",
	[VCONNECT_SWITCH_LINK_DOWN] = "link-down",
	[VCONNECT_SWITCH_FN_RESET] = "fn-reset",
	[VCONNECT_SWITCH_FW_ERROR] = "fw-error",
	[VCONNECT_SWITCH_FN_REMOVED] = "fn-removed",
	[VCONNECT_SWITCH_SESSION_LOST] = "session-lost",
};

/* A name from @names, or NULL for a value this build does not know. */
static const char *lookup_name(const char *const *names, size_t n,
			       unsigned int v)
{
	return v < n ? names[v] : NULL;
}

const char *vc_cmd_name(unsigned int cmd)
{
	return lookup_name(cmd_names, ARRAY_SIZE(cmd_names), cmd);
}

const char *vc_policy_name(unsigned int policy)
{
	/* the last slot is the NULL that ends the list for keyword_lookup */
	return lookup_name(policy_names, ARRAY_SIZE(policy_names) - 1, policy);
}

int vc_policy_lookup(const char *name)
{
	return keyword_lookup(name, policy_names);
}

const char *vc_datapath_name(unsigned int datapath)
{
	return lookup_name(datapath_names, ARRAY_SIZE(datapath_names) - 1,
			   datapath);
}

/* "software" or "offload" (or a unique prefix); -1 otherwise. */
int vc_datapath_lookup(const char *name)
{
	/* "unspec" is not something to switch to */
	int idx = keyword_lookup(name, datapath_names + 1);

	return idx < 0 ? -1 : idx + 1;
}

const char *vc_cause_name(unsigned int cause)
{
	return lookup_name(cause_names, ARRAY_SIZE(cause_names), cause);
}

const char *vc_state_name(unsigned int state)
{
	return lookup_name(state_names, ARRAY_SIZE(state_names), state);
}

const char *vc_event_name(unsigned int event)
{
	return lookup_name(event_names, ARRAY_SIZE(event_names), event);
}

static const struct vc_attr_desc *attr_desc(const struct vc_attr_set *set,
					    unsigned int type)
{
	if (type > set->max || !set->attrs[type].name)
		return NULL;
	return &set->attrs[type];
}

const char *vc_attr_name(const struct vc_attr_set *set, unsigned int type)
{
	const struct vc_attr_desc *d = attr_desc(set, type);

	return d ? d->name : NULL;
}

/*
 * Is @attr's payload well formed for its type? Attributes this build does
 * not know are accepted (and ignored by the readers): a newer module may
 * add some.
 */
int vc_attr_check(const struct vc_attr_set *set, const struct nlattr *attr)
{
	const struct vc_attr_desc *d = attr_desc(set, mnl_attr_get_type(attr));
	uint16_t len = mnl_attr_get_payload_len(attr);
	const char *p = mnl_attr_get_payload(attr);
	size_t want = 0;

	if (!d)
		return 0;
	switch (d->kind) {
	case VC_U8:
		want = 1;
		break;
	case VC_U16:
		want = 2;
		break;
	case VC_U32:
	case VC_S32:
		want = 4;
		break;
	case VC_U64:
		want = 8;
		break;
	case VC_STRING:
		if (!len || p[len - 1] != '\0')
			goto bad;
		return 0;
	case VC_NEST:
		if (len && len < sizeof(struct nlattr))
			goto bad;
		return 0;
	default:
		return 0;
	}
	if (len != want)
		goto bad;
	return 0;
bad:
	print_error("malformed attribute from the kernel: %s.%s (%u bytes)",
		    set->name, d->name, len);
	errno = EBADMSG;
	return -1;
}

struct parse_ctx {
	const struct vc_attr_set *set;
	const struct nlattr **tb;
};

static int parse_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (vc_attr_check(ctx->set, attr))
		return MNL_CB_ERROR;
	if (type <= ctx->set->max)
		ctx->tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * Fill @tb (set->max + 1 slots) with the attributes of a genetlink message
 * or nest, each checked for its type. For multi-attrs the last one is kept;
 * iterate over the message to see them all.
 */
int vc_parse_msg(const struct nlmsghdr *nlh, const struct vc_attr_set *set,
		 const struct nlattr **tb)
{
	struct parse_ctx ctx = { set, tb };

	memset(tb, 0, sizeof(*tb) * (set->max + 1));
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN) {
		print_error("malformed message from the kernel: too short");
		return -1;
	}
	if (mnl_attr_parse(nlh, GENL_HDRLEN, parse_cb, &ctx) < 0) {
		print_error("malformed attributes in a message from the kernel");
		return -1;
	}
	return 0;
}

int vc_parse_nested(const struct nlattr *nest, const struct vc_attr_set *set,
		    const struct nlattr **tb)
{
	struct parse_ctx ctx = { set, tb };

	memset(tb, 0, sizeof(*tb) * (set->max + 1));
	if (mnl_attr_parse_nested(nest, parse_cb, &ctx) < 0) {
		print_error("malformed nested attributes in a message from the kernel");
		return -1;
	}
	return 0;
}

/* A portal nest (VCONNECT_A_PORTAL_*) into @out; false if incomplete. */
bool vc_portal_from_attr(const struct nlattr *nest, struct portal *out)
{
	const struct nlattr *tb[VCONNECT_A_PORTAL_MAX + 1];
	uint16_t len;

	if (vc_parse_nested(nest, &vc_portal_set, tb) || !tb[VCONNECT_A_PORTAL_ADDR])
		return false;
	len = mnl_attr_get_payload_len(tb[VCONNECT_A_PORTAL_ADDR]);
	if (len != 4 && len != 16)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = len == 4 ? AF_INET : AF_INET6;
	memcpy(out->addr, mnl_attr_get_payload(tb[VCONNECT_A_PORTAL_ADDR]), len);
	out->port = tb[VCONNECT_A_PORTAL_PORT] ?
		    mnl_attr_get_u16(tb[VCONNECT_A_PORTAL_PORT]) :
		    ISCSI_DEFAULT_PORT;
	return true;
}

/* ---- request decoding, for --dry-run -------------------------------- */

/* The name of an enum-valued u32, NULL if it is a plain number. */
static const char *u32_enum_name(const struct vc_attr_desc *d, uint32_t v)
{
	switch (d->hint) {
	case VC_HINT_POLICY:
		return vc_policy_name(v);
	case VC_HINT_STATE:
		return vc_state_name(v);
	case VC_HINT_EVENT:
		return vc_event_name(v);
	case VC_HINT_DATAPATH:
		return vc_datapath_name(v);
	case VC_HINT_CAUSE:
		return vc_cause_name(v);
	default:
		return NULL;
	}
}

static void format_value(const struct vc_attr_desc *d,
			 const struct nlattr *attr, char *buf, size_t size)
{
	uint16_t len = mnl_attr_get_payload_len(attr);
	const uint8_t *p = mnl_attr_get_payload(attr);
	const char *name = NULL;
	size_t i, off;

	switch (d->kind) {
	case VC_U8:
		snprintf(buf, size, "%u", mnl_attr_get_u8(attr));
		return;
	case VC_U16:
		snprintf(buf, size, "%u", mnl_attr_get_u16(attr));
		return;
	case VC_U32:
		name = u32_enum_name(d, mnl_attr_get_u32(attr));
		if (name)
			snprintf(buf, size, "%s", name);
		else
			snprintf(buf, size, "%u", mnl_attr_get_u32(attr));
		return;
	case VC_S32:
		snprintf(buf, size, "%d", (int32_t)mnl_attr_get_u32(attr));
		return;
	case VC_U64:
		if (d->hint == VC_HINT_HEX)
			snprintf(buf, size, "0x%016llx",
				 (unsigned long long)mnl_attr_get_u64(attr));
		else if (d->hint == VC_HINT_ISID)
			snprintf(buf, size, "0x%012llx",
				 (unsigned long long)mnl_attr_get_u64(attr));
		else
			snprintf(buf, size, "%llu",
				 (unsigned long long)mnl_attr_get_u64(attr));
		return;
	case VC_STRING:
		snprintf(buf, size, "%s", mnl_attr_get_str(attr));
		return;
	case VC_BINARY:
		if (d->hint == VC_HINT_SECRET) {
			snprintf(buf, size, "<secret, %u bytes>", len);
			return;
		}
		if (d->hint == VC_HINT_IPADDR && (len == 4 || len == 16) &&
		    inet_ntop(len == 4 ? AF_INET : AF_INET6, p, buf, size))
			return;
		off = 0;
		buf[0] = '\0';
		for (i = 0; i < len && off + 3 < size; i++)
			off += snprintf(buf + off, size - off, "%02x", p[i]);
		return;
	default:
		snprintf(buf, size, "<%u bytes>", len);
		return;
	}
}

/* JSON numbers for integer attributes, except those shown as names or hex. */
static bool json_number(const struct vc_attr_desc *d, const struct nlattr *attr)
{
	switch (d->kind) {
	case VC_U8:
	case VC_U16:
	case VC_S32:
		return true;
	case VC_U32:
		return !u32_enum_name(d, mnl_attr_get_u32(attr));
	case VC_U64:
		return d->hint != VC_HINT_HEX && d->hint != VC_HINT_ISID;
	default:
		return false;
	}
}

static void json_write_number(struct json_writer *jw,
			      const struct vc_attr_desc *d,
			      const struct nlattr *attr)
{
	switch (d->kind) {
	case VC_U8:
		jw_uint(jw, mnl_attr_get_u8(attr));
		break;
	case VC_U16:
		jw_uint(jw, mnl_attr_get_u16(attr));
		break;
	case VC_U32:
		jw_uint(jw, mnl_attr_get_u32(attr));
		break;
	case VC_S32:
		jw_int(jw, (int32_t)mnl_attr_get_u32(attr));
		break;
	default:
		jw_uint(jw, mnl_attr_get_u64(attr));
		break;
	}
}

/* Bytes left from @a to the end of the @total bytes that start at @first. */
static int attrs_left(const struct nlattr *first, const struct nlattr *a,
		      size_t total)
{
	return (int)total - (int)((const char *)a - (const char *)first);
}

static void decode_attrs(const struct nlattr *first, size_t total,
			 const struct vc_attr_set *set, int depth);

static void decode_one(const struct vc_attr_set *set,
		       const struct nlattr *attr, int depth)
{
	struct json_writer *jw = out_json();
	const struct vc_attr_desc *d = attr_desc(set, mnl_attr_get_type(attr));
	char value[512];
	char unknown[32];
	const char *name;

	if (!d) {
		snprintf(unknown, sizeof(unknown), "attr-%u",
			 mnl_attr_get_type(attr));
		name = unknown;
	} else {
		name = d->name;
	}
	if (d && d->kind == VC_NEST) {
		if (jw) {
			jw_begin_object(jw);
			decode_attrs(mnl_attr_get_payload(attr),
				     mnl_attr_get_payload_len(attr), d->nested,
				     depth + 1);
			jw_end_object(jw);
		} else {
			printf("%*s%s\n", depth * 2, "", name);
			decode_attrs(mnl_attr_get_payload(attr),
				     mnl_attr_get_payload_len(attr), d->nested,
				     depth + 1);
		}
		return;
	}
	if (d && vc_attr_check(set, attr))
		snprintf(value, sizeof(value), "<malformed>");
	else if (d)
		format_value(d, attr, value, sizeof(value));
	else
		snprintf(value, sizeof(value), "<%u bytes>",
			 mnl_attr_get_payload_len(attr));
	if (!jw) {
		printf("%*s%s %s\n", depth * 2, "", name, value);
		return;
	}
	if (d && !vc_attr_check(set, attr) && json_number(d, attr))
		json_write_number(jw, d, attr);
	else
		jw_string(jw, value);
}

/*
 * Multi-attrs become JSON arrays: each key is written once, with every
 * attribute of that type, in order.
 */
static void decode_attrs(const struct nlattr *first, size_t total,
			 const struct vc_attr_set *set, int depth)
{
	struct json_writer *jw = out_json();
	const struct nlattr *a, *b;

	for (a = first; mnl_attr_ok(a, attrs_left(first, a, total));
	     a = mnl_attr_next(a)) {
		const struct vc_attr_desc *d = attr_desc(set, mnl_attr_get_type(a));
		char key[32];
		bool seen = false;

		if (!jw) {
			decode_one(set, a, depth);
			continue;
		}
		/* in JSON, a repeated type was written with its first one */
		for (b = first; b != a; b = mnl_attr_next(b))
			if (mnl_attr_get_type(b) == mnl_attr_get_type(a))
				seen = true;
		if (seen)
			continue;
		if (!d)
			snprintf(key, sizeof(key), "attr-%u", mnl_attr_get_type(a));
		jw_key(jw, d ? d->name : key);
		if (d && d->multi) {
			jw_begin_array(jw);
			for (b = a; mnl_attr_ok(b, attrs_left(first, b, total));
			     b = mnl_attr_next(b))
				if (mnl_attr_get_type(b) == mnl_attr_get_type(a))
					decode_one(set, b, depth);
			jw_end_array(jw);
		} else {
			decode_one(set, a, depth);
		}
	}
}

/*
 * Print a request as decoded attributes: what --dry-run shows instead of
 * sending it. Text: one attribute a line; JSON: one object a line.
 */
void vc_decode_request(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const char *cmd = vc_cmd_name(genl->cmd);
	struct json_writer *jw = out_json();
	const struct nlattr *first = mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);
	size_t total = mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN;
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;

	if (!jw) {
		printf("request %s%s\n", cmd ? cmd : "?", dump ? " (dump)" : "");
		decode_attrs(first, total, &vc_vconnect_set, 1);
		fflush(stdout);
		return;
	}
	jw_begin_object(jw);
	jw_key(jw, "request");
	jw_string(jw, cmd ? cmd : "?");
	jw_key(jw, "dump");
	jw_bool(jw, dump);
	jw_key(jw, "attrs");
	jw_begin_object(jw);
	decode_attrs(first, total, &vc_vconnect_set, 1);
	jw_end_object(jw);
	jw_end_object(jw);
	jw_end_document(jw);
}

/*
 * Name the attribute at byte @offset of request @req (an extack offset),
 * as a dotted path: "target-portal.addr". *@set_out gets the attribute set
 * inside it when it is a nest (to name a missing attribute there).
 */
int vc_describe_offset(const struct nlmsghdr *req, uint32_t offset,
		       char *buf, size_t size,
		       const struct vc_attr_set **set_out)
{
	const struct vc_attr_set *set = &vc_vconnect_set;
	const char *base = (const char *)req;
	const struct nlattr *a;
	size_t used = 0;
	int remaining;

	buf[0] = '\0';
	if (set_out)
		*set_out = NULL;
	if (offset < NLMSG_HDRLEN + GENL_HDRLEN || offset >= req->nlmsg_len)
		return -1;
	a = mnl_nlmsg_get_payload_offset(req, GENL_HDRLEN);
	remaining = req->nlmsg_len - (NLMSG_HDRLEN + GENL_HDRLEN);
	while (set && mnl_attr_ok(a, remaining)) {
		uint32_t start = (const char *)a - base;
		const struct vc_attr_desc *d;

		if (offset < start || offset >= start + a->nla_len) {
			remaining -= NLA_ALIGN(a->nla_len);
			a = mnl_attr_next(a);
			continue;
		}
		d = attr_desc(set, mnl_attr_get_type(a));
		used += snprintf(buf + used, used < size ? size - used : 0,
				 "%s%s", used ? "." : "",
				 d ? d->name : "?");
		if (offset == start || !d || d->kind != VC_NEST) {
			if (set_out)
				*set_out = d && d->kind == VC_NEST ? d->nested : NULL;
			return 0;
		}
		set = d->nested;
		remaining = mnl_attr_get_payload_len(a);
		a = mnl_attr_get_payload(a);
	}
	return buf[0] ? 0 : -1;
}
