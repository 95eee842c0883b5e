// SPDX-License-Identifier: GPL-2.0
/*
 * vconnectctl discover: SendTargets discovery done by the kernel, with the
 * initiator name (and CHAP) the caller gives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "vconnectctl.h"

void discover_usage(FILE *f)
{
	fprintf(f,
"Usage: vconnectctl discover portal ADDR[:PORT] initiator IQN\n"
"                            [ chap USER { SECRET | file PATH }\n"
"                              [ mutual USER { SECRET | file PATH } ] ]\n"
"\n"
"Asks the portal for its targets (iSCSI SendTargets) and prints one line\n"
"per target: its name and the addresses it gave, as ADDR:PORT,TPGT.\n");
}

static int print_discovered(const struct nlattr *nest)
{
	const struct nlattr *tb[VCONNECT_A_MAX + 1];
	const struct nlattr *a;

	if (vc_parse_nested(nest, &vc_vconnect_set, tb))
		return -EBADMSG;
	if (!tb[VCONNECT_A_TARGET_NAME])
		return 0;
	out_begin_object(NULL);
	out_indent(0);
	out_str("target", NULL, mnl_attr_get_str(tb[VCONNECT_A_TARGET_NAME]));
	out_begin_array("addresses");
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != VCONNECT_A_DISCOVERED_ADDRESS)
			continue;
		if (opts.json)
			jw_string(out_json(), mnl_attr_get_str(a));
		else
			out_str(NULL, NULL, mnl_attr_get_str(a));
	}
	out_end_array();
	out_end_object();
	out_newline();
	return 0;
}

static int discover_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VCONNECT_A_MAX + 1];
	const struct nlattr *a;
	int *count = data;
	int err;

	if (vc_parse_msg(nlh, &vc_vconnect_set, tb))
		return -EBADMSG;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != VCONNECT_A_DISCOVERED)
			continue;
		err = print_discovered(a);
		if (err)
			return err;
		(*count)++;
	}
	return 0;
}

int do_discover(int argc, char **argv)
{
	static const char *const keywords[] = {
		"portal", "initiator", "chap", "mutual", NULL
	};
	struct cmdline cl = { argc, argv, "discover" };
	struct chap_config chap = { 0 };
	const char *initiator = NULL;
	struct portal portal;
	bool have_portal = false;
	struct vc_msg *msg = NULL;
	struct vc_nl nl;
	int ret = EXIT_USAGE;
	int count = 0;
	char *arg, *v;
	int err;

	if (cl_more(&cl) && is_help(cl_peek(&cl))) {
		discover_usage(stdout);
		return EXIT_OK;
	}
	while ((arg = cl_next(&cl))) {
		switch (cl_keyword(&cl, arg, keywords)) {
		case 0:
			if (have_portal) {
				print_error("discover asks one portal: 'portal' given twice");
				goto out;
			}
			v = cl_value(&cl, "portal", "ADDR[:PORT]");
			if (!v || parse_portal(v, &portal))
				goto out;
			have_portal = true;
			break;
		case 1:
			initiator = cl_value(&cl, "initiator", "an initiator name");
			if (!initiator || check_iscsi_name(initiator, "initiator name"))
				goto out;
			break;
		case 2:
			if (parse_chap_creds(&cl, "chap", &chap.one_way))
				goto out;
			break;
		case 3:
			if (!chap.one_way.set) {
				print_error("'mutual' must follow 'chap USER SECRET' (mutual CHAP needs one-way CHAP)");
				goto out;
			}
			if (parse_chap_creds(&cl, "mutual", &chap.mutual))
				goto out;
			break;
		default:
			goto out;
		}
	}
	if (!have_portal || !initiator) {
		print_error("'discover' needs 'portal ADDR[:PORT]' and 'initiator IQN'");
		goto out;
	}
	if (check_chap_config(&chap))
		goto out;

	ret = EXIT_ERROR;
	if (vc_nl_open(&nl))
		goto out;
	msg = malloc(sizeof(*msg));
	if (!msg) {
		print_error("out of memory");
		goto out_close;
	}
	msg_init(msg, nl.family_id, VCONNECT_CMD_DISCOVER, NLM_F_ACK);
	msg_put_portal(msg, VCONNECT_A_TARGET_PORTAL, &portal);
	msg_put_str(msg, VCONNECT_A_VHBA_INITIATOR_NAME, initiator);
	msg_put_chap(msg, &chap);
	if (!opts.dry_run) {
		out_begin_list();
	}
	err = vc_nl_request(&nl, msg, discover_cb, &count);
	if (!opts.dry_run) {
		out_end_list();
		out_finish();
	}
	if (err)
		vc_nl_report(&nl, err, "discover");
	else
		ret = EXIT_OK;
	explicit_bzero(msg, sizeof(*msg));
	free(msg);
out_close:
	vc_nl_close(&nl);
out:
	chap_config_wipe(&chap);
	return ret;
}
