// SPDX-License-Identifier: GPL-2.0
/*
 * vconnectctl offload show: the offload function pool (VCONNECT_CMD_OFFLOAD_GET),
 * one row per function.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "vconnectctl.h"

void offload_usage(FILE *f)
{
	fprintf(f,
"Usage: vconnectctl offload show\n"
"\n"
"Lists the offload functions (VFs or partitions of offload HBAs) the vHBAs'\n"
"sessions can run on: PF, VF number, state, the vHBA holding it, its\n"
"sessions and the commands completed through it. Empty when no offload\n"
"driver is loaded.\n");
}

struct fn_row {
	const char *pf;
	char vf[12];
	const char *state;
	const char *holder;	/* NULL: free */
	char sessions[12];
	char cmds[24];
};

/* One function nest as strings; false if the nest is malformed. */
static bool fn_row(const struct nlattr *nest, struct fn_row *row)
{
	const struct nlattr *tb[VCONNECT_A_FN_MAX + 1];

	if (vc_parse_nested(nest, &vc_function_set, tb))
		return false;
	row->pf = tb[VCONNECT_A_FN_PF] ? mnl_attr_get_str(tb[VCONNECT_A_FN_PF]) : "?";
	snprintf(row->vf, sizeof(row->vf), "%s", "?");
	if (tb[VCONNECT_A_FN_INDEX])
		snprintf(row->vf, sizeof(row->vf), "%u",
			 mnl_attr_get_u32(tb[VCONNECT_A_FN_INDEX]));
	row->state = tb[VCONNECT_A_FN_STATE] ?
		     mnl_attr_get_str(tb[VCONNECT_A_FN_STATE]) : "?";
	row->holder = tb[VCONNECT_A_FN_HOLDER] &&
		      mnl_attr_get_str(tb[VCONNECT_A_FN_HOLDER])[0] ?
		      mnl_attr_get_str(tb[VCONNECT_A_FN_HOLDER]) : NULL;
	snprintf(row->sessions, sizeof(row->sessions), "%u",
		 tb[VCONNECT_A_FN_SESSIONS] ?
		 mnl_attr_get_u32(tb[VCONNECT_A_FN_SESSIONS]) : 0);
	snprintf(row->cmds, sizeof(row->cmds), "%llu",
		 (unsigned long long)(tb[VCONNECT_A_FN_CMDS] ?
				      mnl_attr_get_u64(tb[VCONNECT_A_FN_CMDS]) : 0));
	return true;
}

enum { COL_PF, COL_VF, COL_STATE, COL_HOLDER, COL_SESSIONS, COL_CMDS, NR_COLS };

static const char *const col_names[NR_COLS] = {
	"PF", "VF", "STATE", "HOLDER", "SESSIONS", "CMDS"
};

/* Numbers right-aligned, names left-aligned; no trailing blanks. */
static void print_row(const char *const *cells, const int *width)
{
	int i;

	for (i = 0; i < NR_COLS; i++) {
		bool right = i == COL_VF || i == COL_SESSIONS || i == COL_CMDS;
		const char *sep = i ? "  " : "";

		/* the last column (CMDS) is a number: no trailing blanks */
		if (right)
			out_text("%s%*s", sep, width[i], cells[i]);
		else
			out_text("%s%-*s", sep, width[i], cells[i]);
	}
	out_newline();
}

static void row_cells(const struct fn_row *row, const char **cells)
{
	cells[COL_PF] = row->pf;
	cells[COL_VF] = row->vf;
	cells[COL_STATE] = row->state;
	cells[COL_HOLDER] = row->holder ? row->holder : "-";
	cells[COL_SESSIONS] = row->sessions;
	cells[COL_CMDS] = row->cmds;
}

/* Values come from the kernel: keep control characters out of the table. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static void print_table(const struct nlmsghdr *nlh)
{
	int width[NR_COLS];
	const char *cells[NR_COLS];
	const struct nlattr *a;
	struct fn_row row;
	int i, len;

	for (i = 0; i < NR_COLS; i++)
		width[i] = strlen(col_names[i]);
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != VCONNECT_A_OFFLOAD_FN || !fn_row(a, &row))
			continue;
		row_cells(&row, cells);
		for (i = 0; i < NR_COLS; i++) {
			len = strlen(cells[i]);
			if (len > width[i])
				width[i] = len;
		}
	}
	print_row(col_names, width);
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != VCONNECT_A_OFFLOAD_FN || !fn_row(a, &row))
			continue;
		row_cells(&row, cells);
		for (i = 0; i < NR_COLS; i++)
			if (!printable(cells[i]))
				cells[i] = "?";
		print_row(cells, width);
	}
}

static void print_json(const struct nlmsghdr *nlh)
{
	struct json_writer *jw = out_json();
	const struct nlattr *tb[VCONNECT_A_FN_MAX + 1];
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != VCONNECT_A_OFFLOAD_FN ||
		    vc_parse_nested(a, &vc_function_set, tb))
			continue;
		out_begin_object(NULL);
		if (tb[VCONNECT_A_FN_PF])
			out_str("pf", NULL, mnl_attr_get_str(tb[VCONNECT_A_FN_PF]));
		if (tb[VCONNECT_A_FN_INDEX])
			out_uint("vf", NULL, mnl_attr_get_u32(tb[VCONNECT_A_FN_INDEX]));
		if (tb[VCONNECT_A_FN_STATE])
			out_str("state", NULL, mnl_attr_get_str(tb[VCONNECT_A_FN_STATE]));
		/* a free function has no holder: null, not "" */
		jw_key(jw, "holder");
		if (tb[VCONNECT_A_FN_HOLDER] && mnl_attr_get_str(tb[VCONNECT_A_FN_HOLDER])[0])
			jw_string(jw, mnl_attr_get_str(tb[VCONNECT_A_FN_HOLDER]));
		else
			jw_null(jw);
		out_uint("sessions", NULL, tb[VCONNECT_A_FN_SESSIONS] ?
			 mnl_attr_get_u32(tb[VCONNECT_A_FN_SESSIONS]) : 0);
		out_uint("cmds", NULL, tb[VCONNECT_A_FN_CMDS] ?
			 mnl_attr_get_u64(tb[VCONNECT_A_FN_CMDS]) : 0);
		out_end_object();
	}
}

static int offload_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VCONNECT_A_MAX + 1];
	bool *seen = data;

	const struct nlattr *fn[VCONNECT_A_FN_MAX + 1];
	const struct nlattr *a;

	/* check everything before printing anything */
	if (vc_parse_msg(nlh, &vc_vconnect_set, tb))
		return -EBADMSG;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == VCONNECT_A_OFFLOAD_FN &&
		    vc_parse_nested(a, &vc_function_set, fn))
			return -EBADMSG;
	if (*seen)
		return 0;	/* one reply; ignore anything after it */
	*seen = true;
	if (opts.json)
		print_json(nlh);
	else
		print_table(nlh);
	return 0;
}

static int offload_show(struct cmdline *cl)
{
	struct vc_msg *msg;
	struct vc_nl nl;
	bool seen = false;
	int err;

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
	msg_init(msg, nl.family_id, VCONNECT_CMD_OFFLOAD_GET, NLM_F_ACK);
	if (!opts.dry_run)
		out_begin_list();
	err = vc_nl_request(&nl, msg, offload_cb, &seen);
	if (!opts.dry_run) {
		if (!err && !seen && !opts.json) {
			int width[NR_COLS];
			int i;

			for (i = 0; i < NR_COLS; i++)
				width[i] = strlen(col_names[i]);
			print_row(col_names, width);
		}
		out_end_list();
		out_finish();
	}
	if (err)
		vc_nl_report(&nl, err, "offload show");
	free(msg);
	vc_nl_close(&nl);
	return err ? EXIT_ERROR : EXIT_OK;
}

int do_offload(int argc, char **argv)
{
	static const char *const verbs[] = { "show", "list", "help", NULL };
	struct cmdline cl = { argc, argv, "offload" };
	char *verb;
	int idx;

	verb = cl_next(&cl);
	if (!verb)
		return offload_show(&cl);
	if (is_help(verb)) {
		offload_usage(stdout);
		return EXIT_OK;
	}
	idx = cl_keyword(&cl, verb, verbs);
	if (idx < 0) {
		fprintf(stderr, "Try 'vconnectctl offload help'.\n");
		return EXIT_USAGE;
	}
	if (idx == 2 || (cl_more(&cl) && is_help(cl_peek(&cl)))) {
		offload_usage(stdout);
		return EXIT_OK;
	}
	cl.context = "offload show";
	return offload_show(&cl);
}
