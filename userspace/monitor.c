// SPDX-License-Identifier: GPL-2.0
/*
 * vconnectctl monitor: print the family's multicast events, one line (or
 * one JSON object) each, until SIGINT/SIGTERM or 'count' events.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "vconnectctl.h"

void monitor_usage(FILE *f)
{
	fprintf(f,
"Usage: vconnectctl monitor [ vhba NAME ] [ count N ] [ timestamp ]\n"
"\n"
"Prints vconnect events as they arrive, one per line (with -j one JSON\n"
"object per line), until interrupted or after N events:\n"
"  EVENT  vhba NAME  [ target IQN ]  [ error ERRNO (TEXT) ]  [ stall USECSus ]\n"
"A session that moved to another datapath (switch) or did not (switch-failed):\n"
"  switch  vhba NAME  target IQN  cause CAUSE  from DATAPATH  to DATAPATH\n"
"          [ error ERRNO (TEXT) ]  stall USECSus  time USECSus\n"
"  switch-failed  vhba NAME  target IQN  cause CAUSE  from DATAPATH\n"
"          error ERRNO (TEXT)\n"
"CAUSE: user, failback (planned); link-down, fn-reset, fw-error, fn-removed,\n"
"session-lost (failovers). Output is flushed after every event, so it can be\n"
"piped.\n");
}

struct monitor_ctx {
	uint16_t family_id;
	const char *vhba_filter;
	bool timestamp;
	unsigned long count;	/* events left to print; 0: unlimited */
	bool unlimited;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void print_timestamp(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (opts.json) {
		char full[96];

		snprintf(full, sizeof(full), "%s.%06d", buf,
			 (int)(ts.tv_nsec / 1000));
		out_str("time", NULL, full);
	} else {
		out_text("[%s.%06d] ", buf, (int)(ts.tv_nsec / 1000));
	}
}

/* "stall 1500us" in text, "stall-us": 1500 in JSON */
static void print_usecs(const struct nlattr *attr, const char *key,
			const char *label)
{
	uint64_t us = mnl_attr_get_u64(attr);
	char buf[32];

	if (opts.json) {
		out_uint(key, NULL, us);
	} else {
		snprintf(buf, sizeof(buf), "%lluus", (unsigned long long)us);
		out_str(NULL, label, buf);
	}
}

/*
 * Switch events: cause, the datapath the session ran on and the one it
 * runs on now. A failed switch left the session where it was, so it has
 * no "to".
 */
static void print_switch(const struct nlattr **tb, bool failed)
{
	const char *cause;
	char buf[16];

	if (tb[VCONNECT_A_SWITCH_CAUSE]) {
		uint32_t c = mnl_attr_get_u32(tb[VCONNECT_A_SWITCH_CAUSE]);

		cause = vc_cause_name(c);
		if (!cause) {
			snprintf(buf, sizeof(buf), "%u", c);
			cause = buf;
		}
		out_str("cause", "cause", cause);
	}
	if (tb[VCONNECT_A_SWITCH_FROM])
		out_str("from", "from", mnl_attr_get_str(tb[VCONNECT_A_SWITCH_FROM]));
	if (tb[VCONNECT_A_VHBA_BACKEND] && !failed)
		out_str("to", "to", mnl_attr_get_str(tb[VCONNECT_A_VHBA_BACKEND]));
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[VCONNECT_A_MAX + 1];
	struct monitor_ctx *ctx = data;
	const char *name = NULL;
	uint32_t type = 0;
	bool failed_switch;
	char buf[96];

	if (nlh->nlmsg_type != ctx->family_id ||
	    mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    genl->cmd != VCONNECT_CMD_EVENT)
		return 0;
	if (vc_parse_msg(nlh, &vc_vconnect_set, tb))
		return 0;	/* reported; one bad event does not end monitoring */
	if (ctx->vhba_filter && (!tb[VCONNECT_A_VHBA_NAME] ||
	    strcmp(mnl_attr_get_str(tb[VCONNECT_A_VHBA_NAME]), ctx->vhba_filter)))
		return 0;
	if (!ctx->unlimited && !ctx->count)
		return 0;

	out_begin_object(NULL);
	if (ctx->timestamp)
		print_timestamp();
	if (tb[VCONNECT_A_EVENT_TYPE]) {
		type = mnl_attr_get_u32(tb[VCONNECT_A_EVENT_TYPE]);
		name = vc_event_name(type);
	}
	if (!name) {
		snprintf(buf, sizeof(buf), "event-%u", type);
		name = buf;
	}
	out_str("event", NULL, name);
	if (tb[VCONNECT_A_VHBA_NAME])
		out_str("vhba", "vhba", mnl_attr_get_str(tb[VCONNECT_A_VHBA_NAME]));
	if (tb[VCONNECT_A_TARGET_NAME])
		out_str("target", "target", mnl_attr_get_str(tb[VCONNECT_A_TARGET_NAME]));
	failed_switch = type == VCONNECT_EVENT_SWITCH_FAILED;
	print_switch(tb, failed_switch);
	if (tb[VCONNECT_A_EVENT_ERROR]) {
		int32_t e = mnl_attr_get_u32(tb[VCONNECT_A_EVENT_ERROR]);

		if (opts.json) {
			out_int("error", NULL, e);
		} else {
			snprintf(buf, sizeof(buf), "%d (%s)", e, strerror(e < 0 ? -e : e));
			out_str(NULL, "error", buf);
		}
	}
	/* a switch that did not happen stalled nothing */
	if (tb[VCONNECT_A_EVENT_STALL_US] &&
	    (!failed_switch || mnl_attr_get_u64(tb[VCONNECT_A_EVENT_STALL_US])))
		print_usecs(tb[VCONNECT_A_EVENT_STALL_US], "stall-us", "stall");
	if (tb[VCONNECT_A_SWITCH_TIME_US] &&
	    (!failed_switch || mnl_attr_get_u64(tb[VCONNECT_A_SWITCH_TIME_US])))
		print_usecs(tb[VCONNECT_A_SWITCH_TIME_US], "time-us", "time");
	out_end_object();
	out_finish();
	if (!ctx->unlimited)
		ctx->count--;
	return 0;
}

int do_monitor(int argc, char **argv)
{
	static const char *const keywords[] = {
		"vhba", "count", "timestamp", NULL
	};
	struct cmdline cl = { argc, argv, "monitor" };
	struct monitor_ctx ctx = { .unlimited = true };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	struct pollfd pfd;
	struct vc_nl nl;
	int ret = EXIT_ERROR;
	uint32_t count;
	char *arg, *v;
	int err;

	while ((arg = cl_next(&cl))) {
		if (is_help(arg)) {
			monitor_usage(stdout);
			return EXIT_OK;
		}
		switch (cl_keyword(&cl, arg, keywords)) {
		case 0:
			v = cl_value(&cl, "vhba", "a vHBA name");
			if (!v || check_vhba_name(v))
				return EXIT_USAGE;
			ctx.vhba_filter = v;
			break;
		case 1:
			v = cl_value(&cl, "count", "a number of events");
			if (!v || parse_u32(v, "count", &count))
				return EXIT_USAGE;
			if (!count) {
				print_error("count must be at least 1");
				return EXIT_USAGE;
			}
			ctx.count = count;
			ctx.unlimited = false;
			break;
		case 2:
			ctx.timestamp = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (opts.dry_run) {
		printf("monitor: would join multicast group '%s' of family '%s'\n",
		       VCONNECT_MCGRP_EVENTS, VCONNECT_GENL_NAME);
		return EXIT_OK;
	}

	/* one JSON object per line, whatever -p says */
	opts.pretty = false;
	out_init();

	if (vc_nl_open(&nl))
		return EXIT_ERROR;
	if (vc_nl_join_events(&nl))
		goto out;
	ctx.family_id = nl.family_id;

	/*
	 * Signals stay blocked except inside ppoll(), so a SIGINT between the
	 * check of stop_requested and the wait cannot be lost.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	pfd.fd = vc_nl_fd(&nl);
	pfd.events = POLLIN;
	while (!stop_requested && (ctx.unlimited || ctx.count)) {
		if (pfd.fd >= 0 && ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			print_error("poll: %s", strerror(errno));
			goto out_sig;
		}
		err = vc_nl_read_events(&nl, event_cb, &ctx);
		if (err == -ENODATA)
			break;	/* a --replay file ended */
		if (err == -ENOBUFS) {
			print_warning("the kernel dropped events (receive buffer full)");
			continue;
		}
		if (err && err != -EINTR && err != -EAGAIN) {
			print_error("reading events: %s", strerror(-err));
			goto out_sig;
		}
	}
	ret = EXIT_OK;
out_sig:
	sigprocmask(SIG_SETMASK, &orig, NULL);
out:
	vc_nl_close(&nl);
	return ret;
}
