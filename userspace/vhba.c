// SPDX-License-Identifier: GPL-2.0
/*
 * vconnectctl vhba { add | del | show | attach | detach | rescan | switch }
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "vconnectctl.h"

#define ATTACH_MAX_PORTALS	64
#define ATTACH_MAX_LUNS		4096

void vhba_usage(FILE *f)
{
	fprintf(f,
"Usage: vconnectctl vhba add NAME { initiator IQN | wwpn WWPN } [ wwnn WWNN ]\n"
"                        [ isid HEX ] [ alias ALIAS ]\n"
"                        [ chap USER { SECRET | file PATH }\n"
"                          [ mutual USER { SECRET | file PATH } ] ]\n"
"                        [ digest { none | header | data | all } ]\n"
"                        [ replacement-timeout { SECS | MSECSms } ]\n"
"                        [ policy { auto | software | prefer-offload | offload } ]\n"
"       vconnectctl vhba del NAME\n"
"       vconnectctl vhba show [ NAME ]\n"
"       vconnectctl vhba attach NAME target IQN portal ADDR[:PORT] [ portal ... ]\n"
"                        [ lun N [ N ... ] | lun all ]\n"
"       vconnectctl vhba detach NAME target IQN\n"
"       vconnectctl vhba rescan NAME\n"
"       vconnectctl vhba switch NAME { offload | software }\n"
"                        [ policy { auto | software | prefer-offload | offload } ]\n"
"\n"
"WWPN and WWNN: 0x5001405abcdef012, 5001405abcdef012 or 50:01:40:5a:bc:de:f0:12.\n"
"Without an initiator name the vHBA's name is naa.<WWPN>. CHAP secrets are\n"
"12 to 256 bytes; 'file PATH' reads one from a file (one trailing newline\n"
"dropped) so it does not show in ps. Portals: 10.0.0.1, 10.0.0.1:3261,\n"
"[fd00::1]:3260 (default port 3260). No 'lun' means every LUN the target\n"
"reports. 'switch' moves every session of the vHBA to the other datapath\n"
"without losing I/O and returns once all moved; 'policy' also sets the\n"
"vHBA's backend policy (switching to software needs auto or software).\n");
}

void vhba_config_init(struct vhba_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->digest = DIGEST_UNSET;
	cfg->policy = -1;
}

int vhba_new(struct vc_nl *nl, const struct vhba_config *cfg)
{
	struct vc_msg *msg;
	char what[64];
	int err;

	msg = malloc(sizeof(*msg));
	if (!msg) {
		print_error("out of memory");
		return -1;
	}
	msg_init(msg, nl->family_id, VCONNECT_CMD_VHBA_NEW, NLM_F_ACK);
	msg_put_str(msg, VCONNECT_A_VHBA_NAME, cfg->name);
	if (cfg->initiator)
		msg_put_str(msg, VCONNECT_A_VHBA_INITIATOR_NAME, cfg->initiator);
	if (cfg->has_wwpn)
		msg_put_u64(msg, VCONNECT_A_VHBA_WWPN, cfg->wwpn);
	if (cfg->has_wwnn)
		msg_put_u64(msg, VCONNECT_A_VHBA_WWNN, cfg->wwnn);
	if (cfg->has_isid)
		msg_put_u64(msg, VCONNECT_A_VHBA_ISID, cfg->isid);
	if (cfg->alias)
		msg_put_str(msg, VCONNECT_A_VHBA_ALIAS, cfg->alias);
	msg_put_chap(msg, &cfg->chap);
	if (cfg->digest != DIGEST_UNSET) {
		msg_put_u8(msg, VCONNECT_A_VHBA_HEADER_DIGEST,
			   !!(cfg->digest & DIGEST_HEADER));
		msg_put_u8(msg, VCONNECT_A_VHBA_DATA_DIGEST,
			   !!(cfg->digest & DIGEST_DATA));
	}
	if (cfg->has_timeout)
		msg_put_u32(msg, VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT,
			    cfg->timeout_ms);
	if (cfg->policy >= 0)
		msg_put_u32(msg, VCONNECT_A_VHBA_BACKEND_POLICY, cfg->policy);

	err = vc_nl_request(nl, msg, NULL, NULL);
	if (err) {
		snprintf(what, sizeof(what), "vhba add %s", cfg->name);
		vc_nl_report(nl, err, what);
	}
	/* the message holds the CHAP secrets */
	explicit_bzero(msg, sizeof(*msg));
	free(msg);
	return err ? -1 : 0;
}

static const char *const digest_words[] = {
	[DIGEST_NONE] = "none",
	[DIGEST_HEADER] = "header",
	[DIGEST_DATA] = "data",
	[DIGEST_ALL] = "all",
	NULL
};

enum add_keyword {
	ADD_INITIATOR, ADD_WWPN, ADD_WWNN, ADD_ISID, ADD_ALIAS, ADD_CHAP,
	ADD_MUTUAL, ADD_DIGEST, ADD_TIMEOUT, ADD_POLICY,
};

static const char *const add_keywords[] = {
	[ADD_INITIATOR] = "initiator",
	[ADD_WWPN] = "wwpn",
	[ADD_WWNN] = "wwnn",
	[ADD_ISID] = "isid",
	[ADD_ALIAS] = "alias",
	[ADD_CHAP] = "chap",
	[ADD_MUTUAL] = "mutual",
	[ADD_DIGEST] = "digest",
	[ADD_TIMEOUT] = "replacement-timeout",
	[ADD_POLICY] = "policy",
	NULL
};

static int parse_add_option(struct cmdline *cl, int kw, struct vhba_config *cfg)
{
	const char *word = add_keywords[kw];
	char *v;
	int idx;

	switch (kw) {
	case ADD_CHAP:
		return parse_chap_creds(cl, "chap", &cfg->chap.one_way);
	case ADD_MUTUAL:
		if (!cfg->chap.one_way.set) {
			print_error("'mutual' must follow 'chap USER SECRET' (mutual CHAP needs one-way CHAP)");
			return -1;
		}
		return parse_chap_creds(cl, "mutual", &cfg->chap.mutual);
	}

	v = cl_value(cl, word, "a value");
	if (!v)
		return -1;
	switch (kw) {
	case ADD_INITIATOR:
		cfg->initiator = v;
		return check_iscsi_name(v, "initiator name");
	case ADD_WWPN:
		cfg->has_wwpn = true;
		return parse_wwn(v, "WWPN", &cfg->wwpn);
	case ADD_WWNN:
		cfg->has_wwnn = true;
		return parse_wwn(v, "WWNN", &cfg->wwnn);
	case ADD_ISID:
		cfg->has_isid = true;
		return parse_isid(v, &cfg->isid);
	case ADD_ALIAS:
		cfg->alias = v;
		return check_printable(v, ISCSI_ALIAS_MAX, "alias");
	case ADD_DIGEST:
		idx = keyword_lookup(v, digest_words);
		if (idx < 0) {
			print_error("digest '%s' is not one of none, header, data, all", v);
			return -1;
		}
		cfg->digest = idx;
		return 0;
	case ADD_TIMEOUT:
		cfg->has_timeout = true;
		return parse_timeout_ms(v, &cfg->timeout_ms);
	case ADD_POLICY:
		idx = vc_policy_lookup(v);
		if (idx < 0) {
			print_error("policy '%s' is not one of auto, software, prefer-offload, offload", v);
			return -1;
		}
		cfg->policy = idx;
		return 0;
	}
	return -1;
}

static int vhba_add(struct cmdline *cl)
{
	struct vhba_config cfg;
	struct vc_nl nl;
	unsigned int seen = 0;
	int ret = EXIT_USAGE;
	char *arg;
	int kw;

	vhba_config_init(&cfg);
	cfg.name = cl_value(cl, NULL, "a vHBA name");
	if (!cfg.name || check_vhba_name(cfg.name))
		goto out;
	while ((arg = cl_next(cl))) {
		kw = cl_keyword(cl, arg, add_keywords);
		if (kw < 0 || kw >= (int)ARRAY_SIZE(add_keywords) - 1)
			goto out;
		if (seen & (1u << kw)) {
			print_error("'%s' given twice after '%s'", add_keywords[kw],
				    cl->context);
			goto out;
		}
		seen |= 1u << kw;
		if (parse_add_option(cl, kw, &cfg))
			goto out;
	}
	if (!cfg.initiator && !cfg.has_wwpn) {
		print_error("'vhba add' needs 'initiator IQN' or 'wwpn WWPN'");
		goto out;
	}
	if (check_chap_config(&cfg.chap))
		goto out;

	ret = EXIT_ERROR;
	if (vc_nl_open(&nl))
		goto out;
	if (!vhba_new(&nl, &cfg))
		ret = EXIT_OK;
	vc_nl_close(&nl);
out:
	chap_config_wipe(&cfg.chap);
	return ret;
}

/* del, rescan and detach: one request naming a vHBA (and a target). */
static int vhba_simple(struct cmdline *cl, uint8_t cmd, bool with_target)
{
	static const char *const target_keyword[] = { "target", NULL };
	const char *name, *target = NULL;
	struct vc_msg *msg;
	struct vc_nl nl;
	char what[128];
	char *arg;
	int err;

	name = cl_value(cl, NULL, "a vHBA name");
	if (!name || check_vhba_name(name))
		return EXIT_USAGE;
	if (with_target) {
		arg = cl_next(cl);
		if (!arg) {
			print_error("'%s' needs 'target IQN'", cl->context);
			return EXIT_USAGE;
		}
		if (cl_keyword(cl, arg, target_keyword) < 0)
			return EXIT_USAGE;
		target = cl_value(cl, "target", "a target name");
		if (!target || check_iscsi_name(target, "target name"))
			return EXIT_USAGE;
	}
	if (cl_more(cl)) {
		print_error("unexpected '%s' after '%s'", cl_peek(cl), cl->context);
		return EXIT_USAGE;
	}
	if (vc_nl_open(&nl))
		return EXIT_ERROR;
	msg = malloc(sizeof(*msg));
	if (!msg) {
		vc_nl_close(&nl);
		print_error("out of memory");
		return EXIT_ERROR;
	}
	msg_init(msg, nl.family_id, cmd, NLM_F_ACK);
	msg_put_str(msg, VCONNECT_A_VHBA_NAME, name);
	if (target)
		msg_put_str(msg, VCONNECT_A_TARGET_NAME, target);
	err = vc_nl_request(&nl, msg, NULL, NULL);
	if (err) {
		snprintf(what, sizeof(what), "%s %s", cl->context, name);
		vc_nl_report(&nl, err, what);
	}
	free(msg);
	vc_nl_close(&nl);
	return err ? EXIT_ERROR : EXIT_OK;
}

/* vhba switch NAME { offload | software } [ policy POLICY ] */
static int vhba_switch(struct cmdline *cl)
{
	static const char *const keywords[] = { "policy", NULL };
	const char *name, *to_word, *v;
	int to, policy = -1;
	struct vc_msg *msg;
	struct vc_nl nl;
	char what[64];
	char *arg;
	int err;

	name = cl_value(cl, NULL, "a vHBA name");
	if (!name || check_vhba_name(name))
		return EXIT_USAGE;
	to_word = cl_value(cl, NULL, "a datapath to switch to: offload or software");
	if (!to_word)
		return EXIT_USAGE;
	to = vc_datapath_lookup(to_word);
	if (to < 0) {
		print_error("datapath '%s' is not one of offload, software", to_word);
		return EXIT_USAGE;
	}
	while ((arg = cl_next(cl))) {
		if (cl_keyword(cl, arg, keywords) < 0)
			return EXIT_USAGE;
		if (policy >= 0) {
			print_error("'policy' given twice after '%s'", cl->context);
			return EXIT_USAGE;
		}
		v = cl_value(cl, "policy", "a policy: auto, software, prefer-offload or offload");
		if (!v)
			return EXIT_USAGE;
		policy = vc_policy_lookup(v);
		if (policy < 0) {
			print_error("policy '%s' is not one of auto, software, prefer-offload, offload", v);
			return EXIT_USAGE;
		}
	}
	/* the two a policy rules out whatever the vHBA's state */
	if ((to == VCONNECT_DATAPATH_OFFLOAD && policy == VCONNECT_POLICY_SOFTWARE) ||
	    (to == VCONNECT_DATAPATH_SOFTWARE && policy == VCONNECT_POLICY_OFFLOAD)) {
		print_error("policy %s does not allow the %s datapath",
			    vc_policy_name(policy), vc_datapath_name(to));
		return EXIT_USAGE;
	}

	if (vc_nl_open(&nl))
		return EXIT_ERROR;
	msg = malloc(sizeof(*msg));
	if (!msg) {
		print_error("out of memory");
		vc_nl_close(&nl);
		return EXIT_ERROR;
	}
	msg_init(msg, nl.family_id, VCONNECT_CMD_VHBA_SWITCH, NLM_F_ACK);
	msg_put_str(msg, VCONNECT_A_VHBA_NAME, name);
	msg_put_u32(msg, VCONNECT_A_SWITCH_TO, to);
	if (policy >= 0)
		msg_put_u32(msg, VCONNECT_A_VHBA_BACKEND_POLICY, policy);
	err = vc_nl_request(&nl, msg, NULL, NULL);
	if (err) {
		snprintf(what, sizeof(what), "vhba switch %s %s", name,
			 vc_datapath_name(to));
		vc_nl_report(&nl, err, what);
	}
	free(msg);
	vc_nl_close(&nl);
	return err ? EXIT_ERROR : EXIT_OK;
}

static bool looks_numeric(const char *s)
{
	return s[0] >= '0' && s[0] <= '9';
}

struct attach_args {
	const char *name;
	const char *target;
	struct portal portals[ATTACH_MAX_PORTALS];
	size_t nr_portals;
	uint64_t *luns;
	size_t nr_luns;
	bool all_luns;
};

static int parse_luns(struct cmdline *cl, struct attach_args *a)
{
	char *v = cl_value(cl, "lun", "a LUN number or 'all'");
	uint64_t lun;

	if (!v)
		return -1;
	if (!strcmp(v, "all")) {
		a->all_luns = true;
		return 0;
	}
	for (;;) {
		if (parse_u64(v, "LUN", &lun))
			return -1;
		if (a->nr_luns >= ATTACH_MAX_LUNS) {
			print_error("at most %d LUNs can be listed", ATTACH_MAX_LUNS);
			return -1;
		}
		if (!a->luns) {
			a->luns = calloc(ATTACH_MAX_LUNS, sizeof(*a->luns));
			if (!a->luns) {
				print_error("out of memory");
				return -1;
			}
		}
		a->luns[a->nr_luns++] = lun;
		if (!cl_more(cl) || !looks_numeric(cl_peek(cl)))
			return 0;
		v = cl_next(cl);
	}
}

static int vhba_attach(struct cmdline *cl)
{
	static const char *const keywords[] = { "target", "portal", "lun", NULL };
	struct attach_args *a;
	struct vc_msg *msg = NULL;
	struct vc_nl nl;
	char what[300];
	int ret = EXIT_USAGE;
	size_t i;
	char *arg, *v;
	int err;

	a = calloc(1, sizeof(*a));
	if (!a) {
		print_error("out of memory");
		return EXIT_ERROR;
	}
	a->name = cl_value(cl, NULL, "a vHBA name");
	if (!a->name || check_vhba_name(a->name))
		goto out;
	while ((arg = cl_next(cl))) {
		switch (cl_keyword(cl, arg, keywords)) {
		case 0:
			if (a->target) {
				print_error("'target' given twice: attach one target at a time");
				goto out;
			}
			a->target = cl_value(cl, "target", "a target name");
			if (!a->target || check_iscsi_name(a->target, "target name"))
				goto out;
			break;
		case 1:
			v = cl_value(cl, "portal", "ADDR[:PORT]");
			if (!v)
				goto out;
			if (a->nr_portals >= ATTACH_MAX_PORTALS) {
				print_error("at most %d portals per target", ATTACH_MAX_PORTALS);
				goto out;
			}
			if (parse_portal(v, &a->portals[a->nr_portals]))
				goto out;
			a->nr_portals++;
			break;
		case 2:
			if (parse_luns(cl, a))
				goto out;
			break;
		default:
			goto out;
		}
	}
	if (!a->target) {
		print_error("'vhba attach' needs 'target IQN'");
		goto out;
	}
	if (!a->nr_portals) {
		print_error("'vhba attach' needs at least one 'portal ADDR[:PORT]'");
		goto out;
	}
	if (a->all_luns && a->nr_luns) {
		print_error("'lun all' and a list of LUNs exclude each other");
		goto out;
	}

	ret = EXIT_ERROR;
	if (vc_nl_open(&nl))
		goto out;
	msg = malloc(sizeof(*msg));
	if (!msg) {
		print_error("out of memory");
		goto out_close;
	}
	msg_init(msg, nl.family_id, VCONNECT_CMD_TARGET_ATTACH, NLM_F_ACK);
	msg_put_str(msg, VCONNECT_A_VHBA_NAME, a->name);
	msg_put_str(msg, VCONNECT_A_TARGET_NAME, a->target);
	for (i = 0; i < a->nr_portals; i++)
		msg_put_portal(msg, VCONNECT_A_TARGET_PORTAL, &a->portals[i]);
	for (i = 0; i < a->nr_luns; i++)
		msg_put_u64(msg, VCONNECT_A_TARGET_LUN, a->luns[i]);
	err = vc_nl_request(&nl, msg, NULL, NULL);
	if (err) {
		snprintf(what, sizeof(what), "vhba attach %s target %s",
			 a->name, a->target);
		vc_nl_report(&nl, err, what);
	} else {
		ret = EXIT_OK;
	}
	free(msg);
out_close:
	vc_nl_close(&nl);
out:
	free(a->luns);
	free(a);
	return ret;
}

/* ---- show ------------------------------------------------------------- */

static void format_timeout(uint32_t ms, char *buf, size_t size)
{
	if (ms % 1000)
		snprintf(buf, size, "%ums", ms);
	else
		snprintf(buf, size, "%us", ms / 1000);
}

static uint64_t get_u64_or(const struct nlattr *a, uint64_t dflt)
{
	return a ? mnl_attr_get_u64(a) : dflt;
}

static uint32_t get_u32_or(const struct nlattr *a, uint32_t dflt)
{
	return a ? mnl_attr_get_u32(a) : dflt;
}

static bool get_flag(const struct nlattr *a)
{
	return a && mnl_attr_get_u8(a);
}

/* Column widths so that the targets of one vHBA line up. */
struct target_widths {
	int name, portal, state, datapath;
};

/* The state's name, or its number for a state this build does not know. */
static const char *target_state(const struct nlattr **tb, char *buf, size_t size)
{
	const char *state;

	if (!tb[VCONNECT_A_TGT_STATE])
		return NULL;
	state = vc_state_name(mnl_attr_get_u32(tb[VCONNECT_A_TGT_STATE]));
	if (state)
		return state;
	snprintf(buf, size, "%u", mnl_attr_get_u32(tb[VCONNECT_A_TGT_STATE]));
	return buf;
}

/* A module that reports datapaths reports the switch counters too. */
static bool has_datapath_info(const struct nlattr **tb)
{
	return tb[VCONNECT_A_TGT_DATAPATH] || tb[VCONNECT_A_TGT_SWITCHES];
}

/*
 * Where the session runs and how it got there, a line of its own:
 * "datapath vcsim0/vf2  isid 0x023d00000000  switches 2  failovers 1
 * last-stall 1500us". The ISID alternates between the vHBA's and its pair
 * on planned switches, so it is always shown here.
 */
static void print_target_datapath(const struct nlattr **tb, int datapath_width)
{
	if (!has_datapath_info(tb))
		return;
	out_indent(2);
	if (tb[VCONNECT_A_TGT_DATAPATH])
		out_str_padded("datapath", "datapath",
			       mnl_attr_get_str(tb[VCONNECT_A_TGT_DATAPATH]),
			       datapath_width);
	else
		out_str_padded(NULL, "datapath", "-", datapath_width);
	if (tb[VCONNECT_A_TGT_ISID])
		out_hex("isid", "isid", mnl_attr_get_u64(tb[VCONNECT_A_TGT_ISID]),
			12, false);
	if (tb[VCONNECT_A_TGT_SWITCHES])
		out_uint("switches", "switches",
			 mnl_attr_get_u64(tb[VCONNECT_A_TGT_SWITCHES]));
	if (tb[VCONNECT_A_TGT_FAILOVERS])
		out_uint("failovers", "failovers",
			 mnl_attr_get_u64(tb[VCONNECT_A_TGT_FAILOVERS]));
	if (tb[VCONNECT_A_TGT_LAST_STALL_US]) {
		uint64_t us = mnl_attr_get_u64(tb[VCONNECT_A_TGT_LAST_STALL_US]);
		char buf[32];

		if (opts.json) {
			out_uint("last-stall-us", NULL, us);
		} else {
			snprintf(buf, sizeof(buf), "%lluus", (unsigned long long)us);
			out_str(NULL, "last-stall", buf);
		}
	}
}

static void print_target(const struct nlattr *nest, const struct nlattr *vhba_isid,
			 const struct target_widths *w)
{
	const struct nlattr *tb[VCONNECT_A_TGT_MAX + 1];
	char portal_str[PORTAL_STR_MAX] = "-";
	struct portal portal;
	const char *state = NULL;
	char buf[64];
	bool have_portal = false;

	if (vc_parse_nested(nest, &vc_target_set, tb))
		return;
	if (tb[VCONNECT_A_TGT_PORTAL] &&
	    vc_portal_from_attr(tb[VCONNECT_A_TGT_PORTAL], &portal)) {
		format_portal(&portal, portal_str, sizeof(portal_str));
		have_portal = true;
	}
	state = target_state(tb, buf, sizeof(buf));

	out_begin_object(NULL);
	out_indent(1);
	out_str_padded("name", "target",
		       tb[VCONNECT_A_TGT_NAME] ?
		       mnl_attr_get_str(tb[VCONNECT_A_TGT_NAME]) : "?",
		       w->name);
	if (opts.json) {
		out_begin_object("portal");
		if (have_portal) {
			char addr[PORTAL_STR_MAX];

			format_portal_addr(&portal, addr, sizeof(addr));
			out_str("address", NULL, addr);
			out_uint("port", NULL, portal.port);
		}
		out_end_object();
	} else {
		out_str_padded(NULL, "portal", portal_str, w->portal);
	}
	if (state)
		out_str_padded("state", "state", state, w->state);
	/* an older module: the ISID here, in text only when it is not the vHBA's */
	if (!has_datapath_info(tb) && tb[VCONNECT_A_TGT_ISID] &&
	    (opts.json || !vhba_isid ||
	     mnl_attr_get_u64(vhba_isid) != mnl_attr_get_u64(tb[VCONNECT_A_TGT_ISID])))
		out_hex("isid", "isid", mnl_attr_get_u64(tb[VCONNECT_A_TGT_ISID]),
			12, false);
	if (tb[VCONNECT_A_TGT_TSIH])
		out_uint("tsih", "tsih", mnl_attr_get_u16(tb[VCONNECT_A_TGT_TSIH]));
	if (tb[VCONNECT_A_TGT_SCSI_ID])
		out_uint("scsi-id", "id", mnl_attr_get_u32(tb[VCONNECT_A_TGT_SCSI_ID]));
	if (tb[VCONNECT_A_TGT_NR_LUNS])
		out_uint("luns", "luns", mnl_attr_get_u32(tb[VCONNECT_A_TGT_NR_LUNS]));
	if (tb[VCONNECT_A_TGT_LAST_ERROR]) {
		int32_t e = mnl_attr_get_u32(tb[VCONNECT_A_TGT_LAST_ERROR]);

		if (opts.json) {
			out_int("last-error", NULL, e);
		} else if (e) {
			snprintf(buf, sizeof(buf), "%d (%s)", e, strerror(e < 0 ? -e : e));
			out_str(NULL, "last-error", buf);
		}
	}

	print_target_datapath(tb, w->datapath);

	out_indent(2);
	out_uint("cmds", "cmds", get_u64_or(tb[VCONNECT_A_TGT_CMDS], 0));
	out_uint("read-bytes", "read", get_u64_or(tb[VCONNECT_A_TGT_READ_BYTES], 0));
	out_uint("write-bytes", "write", get_u64_or(tb[VCONNECT_A_TGT_WRITE_BYTES], 0));
	out_uint("errors", "errors", get_u64_or(tb[VCONNECT_A_TGT_ERRORS], 0));
	out_uint("recoveries", "recoveries",
		 get_u64_or(tb[VCONNECT_A_TGT_RECOVERIES], 0));

	/* negotiated parameters: only meaningful once logged in */
	if (tb[VCONNECT_A_TGT_MAX_RECV_DSL] || tb[VCONNECT_A_TGT_HEADER_DIGEST]) {
		bool hd = get_flag(tb[VCONNECT_A_TGT_HEADER_DIGEST]);
		bool dd = get_flag(tb[VCONNECT_A_TGT_DATA_DIGEST]);
		uint32_t mrdsl = get_u32_or(tb[VCONNECT_A_TGT_MAX_RECV_DSL], 0);
		uint32_t mxdsl = get_u32_or(tb[VCONNECT_A_TGT_MAX_XMIT_DSL], 0);
		uint32_t first = get_u32_or(tb[VCONNECT_A_TGT_FIRST_BURST], 0);
		uint32_t max = get_u32_or(tb[VCONNECT_A_TGT_MAX_BURST], 0);

		out_indent(2);
		if (opts.json) {
			out_bool("header-digest", NULL, hd);
			out_bool("data-digest", NULL, dd);
			out_uint("max-recv-dsl", NULL, mrdsl);
			out_uint("max-xmit-dsl", NULL, mxdsl);
			out_uint("first-burst", NULL, first);
			out_uint("max-burst", NULL, max);
		} else {
			snprintf(buf, sizeof(buf), "%s/%s", hd ? "crc32c" : "none",
				 dd ? "crc32c" : "none");
			out_str(NULL, "digest", buf);
			snprintf(buf, sizeof(buf), "%u/%u", mrdsl, mxdsl);
			out_str(NULL, "mrdsl", buf);
			snprintf(buf, sizeof(buf), "%u/%u", first, max);
			out_str(NULL, "burst", buf);
		}
		out_bool("immediate-data", "immediate",
			 get_flag(tb[VCONNECT_A_TGT_IMMEDIATE_DATA]));
		out_bool("initial-r2t", "initial-r2t",
			 get_flag(tb[VCONNECT_A_TGT_INITIAL_R2T]));
	}
	out_end_object();
}

static void widen(int *width, const char *s)
{
	int len = strlen(s);

	if (len > *width)
		*width = len;
}

static void target_widths(const struct nlmsghdr *nlh, struct target_widths *w)
{
	const struct nlattr *a;

	memset(w, 0, sizeof(*w));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		const struct nlattr *tb[VCONNECT_A_TGT_MAX + 1] = { 0 };
		char portal_str[PORTAL_STR_MAX];
		struct portal portal;
		char buf[16];
		const char *state;

		if (mnl_attr_get_type(a) != VCONNECT_A_VHBA_TARGET)
			continue;
		if (vc_parse_nested(a, &vc_target_set, tb))
			continue;
		if (tb[VCONNECT_A_TGT_NAME])
			widen(&w->name, mnl_attr_get_str(tb[VCONNECT_A_TGT_NAME]));
		if (tb[VCONNECT_A_TGT_PORTAL] &&
		    vc_portal_from_attr(tb[VCONNECT_A_TGT_PORTAL], &portal)) {
			format_portal(&portal, portal_str, sizeof(portal_str));
			widen(&w->portal, portal_str);
		}
		state = target_state(tb, buf, sizeof(buf));
		if (state)
			widen(&w->state, state);
		if (tb[VCONNECT_A_TGT_DATAPATH])
			widen(&w->datapath, mnl_attr_get_str(tb[VCONNECT_A_TGT_DATAPATH]));
		else if (has_datapath_info(tb))
			widen(&w->datapath, "-");
	}
}

static void print_vhba_settings(const struct nlattr **tb)
{
	char buf[32];

	out_indent(1);
	/* the module reports 0 for a WWN that was never set */
	if (tb[VCONNECT_A_VHBA_WWPN] && mnl_attr_get_u64(tb[VCONNECT_A_VHBA_WWPN]))
		out_hex("wwpn", "wwpn", mnl_attr_get_u64(tb[VCONNECT_A_VHBA_WWPN]), 16, true);
	if (tb[VCONNECT_A_VHBA_WWNN] && mnl_attr_get_u64(tb[VCONNECT_A_VHBA_WWNN]))
		out_hex("wwnn", "wwnn", mnl_attr_get_u64(tb[VCONNECT_A_VHBA_WWNN]), 16, true);
	if (tb[VCONNECT_A_VHBA_ALIAS])
		out_str("alias", "alias", mnl_attr_get_str(tb[VCONNECT_A_VHBA_ALIAS]));
	if (tb[VCONNECT_A_VHBA_BACKEND_POLICY]) {
		uint32_t p = mnl_attr_get_u32(tb[VCONNECT_A_VHBA_BACKEND_POLICY]);
		const char *name = vc_policy_name(p);

		snprintf(buf, sizeof(buf), "%u", p);
		out_str("policy", "policy", name ? name : buf);
	}
	if (tb[VCONNECT_A_VHBA_HEADER_DIGEST] || tb[VCONNECT_A_VHBA_DATA_DIGEST]) {
		bool hd = get_flag(tb[VCONNECT_A_VHBA_HEADER_DIGEST]);
		bool dd = get_flag(tb[VCONNECT_A_VHBA_DATA_DIGEST]);

		if (opts.json) {
			out_bool("header-digest", NULL, hd);
			out_bool("data-digest", NULL, dd);
		} else {
			out_str(NULL, "digest", hd && dd ? "all" : hd ? "header" :
				dd ? "data" : "none");
		}
	}
	if (tb[VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT]) {
		uint32_t ms = mnl_attr_get_u32(tb[VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT]);

		if (opts.json) {
			out_uint("replacement-timeout-ms", NULL, ms);
		} else {
			format_timeout(ms, buf, sizeof(buf));
			out_str(NULL, "replacement-timeout", buf);
		}
	}
	if (tb[VCONNECT_A_VHBA_CHAP_USER])
		out_str("chap-user", "chap", mnl_attr_get_str(tb[VCONNECT_A_VHBA_CHAP_USER]));
	if (tb[VCONNECT_A_VHBA_MCHAP_USER])
		out_str("mutual-chap-user", "mutual",
			mnl_attr_get_str(tb[VCONNECT_A_VHBA_MCHAP_USER]));
}

static int print_vhba(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VCONNECT_A_MAX + 1];
	const struct nlattr *a;
	struct target_widths w;

	(void)data;
	if (vc_parse_msg(nlh, &vc_vconnect_set, tb))
		return -EBADMSG;
	if (!tb[VCONNECT_A_VHBA_NAME])
		return 0;	/* nothing to show it by */

	out_begin_object(NULL);
	out_indent(0);
	out_str("name", NULL, mnl_attr_get_str(tb[VCONNECT_A_VHBA_NAME]));
	if (tb[VCONNECT_A_VHBA_HOST_NO])
		out_uint("host", "host", mnl_attr_get_u32(tb[VCONNECT_A_VHBA_HOST_NO]));
	if (tb[VCONNECT_A_VHBA_INITIATOR_NAME])
		out_str("initiator", "initiator",
			mnl_attr_get_str(tb[VCONNECT_A_VHBA_INITIATOR_NAME]));
	if (tb[VCONNECT_A_VHBA_ISID])
		out_hex("isid", "isid", mnl_attr_get_u64(tb[VCONNECT_A_VHBA_ISID]),
			12, false);
	if (tb[VCONNECT_A_VHBA_BACKEND])
		out_str("backend", "backend", mnl_attr_get_str(tb[VCONNECT_A_VHBA_BACKEND]));
	print_vhba_settings(tb);

	target_widths(nlh, &w);
	out_begin_array("targets");
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == VCONNECT_A_VHBA_TARGET)
			print_target(a, tb[VCONNECT_A_VHBA_ISID], &w);
	out_end_array();
	out_end_object();
	out_newline();
	return 0;
}

static int vhba_show(struct cmdline *cl)
{
	const char *name = NULL;
	struct vc_msg *msg;
	struct vc_nl nl;
	char what[64];
	int err;

	if (cl_more(cl)) {
		name = cl_next(cl);
		if (check_vhba_name(name))
			return EXIT_USAGE;
	}
	if (cl_more(cl)) {
		print_error("unexpected '%s' after '%s'", cl_peek(cl), cl->context);
		return EXIT_USAGE;
	}
	if (vc_nl_open(&nl))
		return EXIT_ERROR;
	msg = malloc(sizeof(*msg));
	if (!msg) {
		print_error("out of memory");
		vc_nl_close(&nl);
		return EXIT_ERROR;
	}
	if (name) {
		msg_init(msg, nl.family_id, VCONNECT_CMD_VHBA_GET, NLM_F_ACK);
		msg_put_str(msg, VCONNECT_A_VHBA_NAME, name);
	} else {
		msg_init(msg, nl.family_id, VCONNECT_CMD_VHBA_GET, NLM_F_DUMP);
	}
	if (!opts.dry_run) {
		out_begin_list();
	}
	err = vc_nl_request(&nl, msg, print_vhba, NULL);
	if (!opts.dry_run) {
		out_end_list();
		out_finish();
	}
	if (err) {
		snprintf(what, sizeof(what), "vhba show%s%s", name ? " " : "",
			 name ? name : "");
		vc_nl_report(&nl, err, what);
	}
	free(msg);
	vc_nl_close(&nl);
	return err ? EXIT_ERROR : EXIT_OK;
}

/* ---- used by import ---------------------------------------------------- */

static int query_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VCONNECT_A_MAX + 1];
	struct vhba_state *st = data;

	if (vc_parse_msg(nlh, &vc_vconnect_set, tb))
		return -EBADMSG;
	st->exists = true;
	if (tb[VCONNECT_A_VHBA_CHAP_USER]) {
		st->has_chap = true;
		snprintf(st->chap_user, sizeof(st->chap_user), "%s",
			 mnl_attr_get_str(tb[VCONNECT_A_VHBA_CHAP_USER]));
	}
	return 0;
}

/* Does vHBA @name exist, and with CHAP? 0, or -1 after an error message. */
int vhba_query(struct vc_nl *nl, const char *name, struct vhba_state *st)
{
	struct vc_msg *msg;
	char what[64];
	int err;

	memset(st, 0, sizeof(*st));
	msg = malloc(sizeof(*msg));
	if (!msg) {
		print_error("out of memory");
		return -1;
	}
	msg_init(msg, nl->family_id, VCONNECT_CMD_VHBA_GET, NLM_F_ACK);
	msg_put_str(msg, VCONNECT_A_VHBA_NAME, name);
	err = vc_nl_request(nl, msg, query_cb, st);
	free(msg);
	if (err == -ENOENT || err == -ENODEV) {
		st->exists = false;
		return 0;
	}
	if (err) {
		snprintf(what, sizeof(what), "vhba show %s", name);
		vc_nl_report(nl, err, what);
		return -1;
	}
	return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

int do_vhba(int argc, char **argv)
{
	static const char *const verbs[] = {
		"add", "del", "show", "list", "attach", "detach", "rescan",
		"switch", "help", NULL
	};
	struct cmdline cl = { argc, argv, "vhba" };
	char context[32];
	char *verb;
	int idx;

	verb = cl_next(&cl);
	if (!verb) {
		cl.context = "vhba";
		return vhba_show(&cl);
	}
	if (is_help(verb)) {
		vhba_usage(stdout);
		return EXIT_OK;
	}
	idx = cl_keyword(&cl, verb, verbs);
	if (idx < 0) {
		fprintf(stderr, "Try 'vconnectctl vhba help'.\n");
		return EXIT_USAGE;
	}
	snprintf(context, sizeof(context), "vhba %s", verbs[idx]);
	cl.context = context;
	if (cl_more(&cl) && is_help(cl_peek(&cl))) {
		vhba_usage(stdout);
		return EXIT_OK;
	}
	switch (idx) {
	case 0:
		return vhba_add(&cl);
	case 1:
		return vhba_simple(&cl, VCONNECT_CMD_VHBA_DEL, false);
	case 2:
	case 3:
		return vhba_show(&cl);
	case 4:
		return vhba_attach(&cl);
	case 5:
		return vhba_simple(&cl, VCONNECT_CMD_TARGET_DETACH, true);
	case 6:
		return vhba_simple(&cl, VCONNECT_CMD_VHBA_RESCAN, false);
	case 7:
		return vhba_switch(&cl);
	default:
		vhba_usage(stdout);
		return EXIT_OK;
	}
}
