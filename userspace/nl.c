// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink plumbing: the socket, the family lookup, one request and
 * its replies up to the ack (or dump end), and extended-ack error reports.
 *
 * NETLINK_CAP_ACK keeps errors short (the kernel does not echo the request
 * back); an extack offset is then resolved against our own copy of the
 * request, which vc_nl_request() keeps in nl->last_req.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "vconnectctl.h"

/* Large enough for one dump skb (the kernel sends up to 32 KiB a read). */
#define RX_BUF_SIZE	65536

void msg_init(struct vc_msg *msg, uint16_t family, uint8_t cmd,
	      uint16_t flags)
{
	struct genlmsghdr *genl;

	/* libmnl 1.0.4 leaves attribute padding as it finds it */
	memset(msg->buf, 0, sizeof(msg->buf));
	msg->overflow = false;
	msg->nlh = mnl_nlmsg_put_header(msg->buf);
	msg->nlh->nlmsg_type = family;
	msg->nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(msg->nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = VCONNECT_GENL_VERSION;
}

void msg_put_u8(struct vc_msg *msg, uint16_t type, uint8_t v)
{
	if (!mnl_attr_put_u8_check(msg->nlh, sizeof(msg->buf), type, v))
		msg->overflow = true;
}

void msg_put_u16(struct vc_msg *msg, uint16_t type, uint16_t v)
{
	if (!mnl_attr_put_u16_check(msg->nlh, sizeof(msg->buf), type, v))
		msg->overflow = true;
}

void msg_put_u32(struct vc_msg *msg, uint16_t type, uint32_t v)
{
	if (!mnl_attr_put_u32_check(msg->nlh, sizeof(msg->buf), type, v))
		msg->overflow = true;
}

void msg_put_u64(struct vc_msg *msg, uint16_t type, uint64_t v)
{
	if (!mnl_attr_put_u64_check(msg->nlh, sizeof(msg->buf), type, v))
		msg->overflow = true;
}

void msg_put_str(struct vc_msg *msg, uint16_t type, const char *s)
{
	if (!mnl_attr_put_strz_check(msg->nlh, sizeof(msg->buf), type, s))
		msg->overflow = true;
}

void msg_put_bin(struct vc_msg *msg, uint16_t type, const void *p, size_t len)
{
	if (len > UINT16_MAX - NLA_HDRLEN ||
	    !mnl_attr_put_check(msg->nlh, sizeof(msg->buf), type, len, p))
		msg->overflow = true;
}

struct nlattr *msg_nest_start(struct vc_msg *msg, uint16_t type)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(msg->nlh, sizeof(msg->buf), type);
	if (!nest)
		msg->overflow = true;
	return nest;
}

void msg_nest_end(struct vc_msg *msg, struct nlattr *nest)
{
	if (nest)
		mnl_attr_nest_end(msg->nlh, nest);
}

void msg_put_portal(struct vc_msg *msg, uint16_t type, const struct portal *p)
{
	struct nlattr *nest = msg_nest_start(msg, type);

	if (!nest)
		return;
	msg_put_bin(msg, VCONNECT_A_PORTAL_ADDR, p->addr, portal_addr_len(p));
	msg_put_u16(msg, VCONNECT_A_PORTAL_PORT, p->port);
	msg_nest_end(msg, nest);
}

void msg_put_chap(struct vc_msg *msg, const struct chap_config *chap)
{
	if (chap->one_way.set) {
		msg_put_str(msg, VCONNECT_A_VHBA_CHAP_USER, chap->one_way.user);
		msg_put_bin(msg, VCONNECT_A_VHBA_CHAP_SECRET,
			    chap->one_way.secret.data, chap->one_way.secret.len);
	}
	if (chap->mutual.set) {
		msg_put_str(msg, VCONNECT_A_VHBA_MCHAP_USER, chap->mutual.user);
		msg_put_bin(msg, VCONNECT_A_VHBA_MCHAP_SECRET,
			    chap->mutual.secret.data, chap->mutual.secret.len);
	}
}

/* ---- replies and acks ------------------------------------------------- */

struct request_ctx {
	struct vc_nl *nl;
	vc_reply_cb cb;
	void *data;
	int err;	/* from the kernel: negative errno */
	int cb_err;	/* from our callback: negative errno */
};

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct vc_nl *nl = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
				 mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			nl->ext_offset = mnl_attr_get_u32(attr);
			nl->has_offset = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			nl->ext_miss_type = mnl_attr_get_u32(attr);
			nl->has_miss_type = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_NEST:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			nl->ext_miss_nest = mnl_attr_get_u32(attr);
			nl->has_miss_nest = true;
		}
		break;
	}
	return MNL_CB_OK;
}

static void parse_extack(struct vc_nl *nl, const struct nlmsghdr *nlh,
			 size_t tlv_offset)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (tlv_offset >= mnl_nlmsg_get_payload_len(nlh))
		return;
	/* a malformed TLV only costs us the details, not the errno */
	mnl_attr_parse(nlh, tlv_offset, extack_attr_cb, nl);
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request_ctx *ctx = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t tlv_offset = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		ctx->err = -EBADMSG;
		return MNL_CB_STOP;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN) {
			ctx->err = -EBADMSG;
			return MNL_CB_STOP;
		}
		tlv_offset += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	parse_extack(ctx->nl, nlh, NLMSG_ALIGN(tlv_offset));
	if (e->error > 0) {
		ctx->err = -EPROTO;
		return MNL_CB_STOP;
	}
	ctx->err = e->error;
	if (!e->error && ctx->nl->ext_msg[0])
		print_warning("%s", ctx->nl->ext_msg);
	return MNL_CB_STOP;
}

/* The end of a dump: an int error (0 or negative), then maybe extack. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request_ctx *ctx = data;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		parse_extack(ctx->nl, nlh, NLMSG_ALIGN(sizeof(int)));
		if (err < 0)
			ctx->err = err;
	}
	return MNL_CB_STOP;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/* not const: mnl_cb_run2() takes a non-const array */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = noop_cb,
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
	[NLMSG_OVERRUN] = noop_cb,
};

/*
 * Every reply goes to the caller's callback until one fails; after that
 * the rest are still read (and dropped) up to the ack, so the socket stays
 * in step for the next request.
 */
static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request_ctx *ctx = data;
	int ret;

	if (nlh->nlmsg_type != ctx->nl->family_id && ctx->nl->family_id)
		return MNL_CB_OK;
	if (ctx->cb && !ctx->cb_err) {
		ret = ctx->cb(nlh, ctx->data);
		if (ret < 0)
			ctx->cb_err = ret;
	}
	return MNL_CB_OK;
}

/* The next datagram of a --replay file; 0 at its end. */
static ssize_t replay_recv(struct vc_nl *nl)
{
	uint32_t len;

	if (fread(&len, sizeof(len), 1, nl->replay) != 1)
		return 0;
	if (len > nl->rxbuf_size || fread(nl->rxbuf, 1, len, nl->replay) != len) {
		errno = EBADMSG;
		return -1;
	}
	return len;
}

static ssize_t nl_recv(struct vc_nl *nl)
{
	ssize_t n;

	if (!nl->replay)
		return mnl_socket_recvfrom(nl->sock, nl->rxbuf, nl->rxbuf_size);
	n = replay_recv(nl);
	if (n == 0) {
		errno = ENODATA;	/* the replay ran out before the ack */
		return -1;
	}
	return n;
}

static int run_request(struct vc_nl *nl, struct nlmsghdr *nlh,
		       vc_reply_cb cb, void *data)
{
	struct request_ctx ctx = { .nl = nl, .cb = cb, .data = data };
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = ++nl->seq;
	nl->last_req = nlh;
	nl->ext_msg[0] = '\0';
	nl->has_offset = nl->has_miss_type = nl->has_miss_nest = false;

	if (!nl->replay && mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = nl_recv(nl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ret = mnl_cb_run2(nl->rxbuf, n, nlh->nlmsg_seq, nl->portid,
				  data_cb, &ctx, ctl_cbs, ARRAY_SIZE(ctl_cbs));
		/* EINTR here is libmnl seeing NLM_F_DUMP_INTR, see vc_nl_report() */
		if (ret < 0)
			return -errno;
	} while (ret > MNL_CB_STOP);
	if (ctx.err)
		return ctx.err;
	return ctx.cb_err;
}

/*
 * Send @msg and feed each reply to @cb (which returns 0 or a negative
 * errno). Returns 0 or a negative errno; vc_nl_report() explains it.
 * With --dry-run the request is printed instead and @cb never runs.
 */
int vc_nl_request(struct vc_nl *nl, struct vc_msg *msg, vc_reply_cb cb,
		  void *data)
{
	nl->last_req = NULL;
	nl->ext_msg[0] = '\0';
	nl->has_offset = nl->has_miss_type = nl->has_miss_nest = false;
	if (msg->overflow)
		return -EMSGSIZE;
	if (opts.dry_run) {
		vc_decode_request(msg->nlh);
		return 0;
	}
	return run_request(nl, msg->nlh, cb, data);
}

void vc_nl_report(const struct vc_nl *nl, int err, const char *what)
{
	const char *detail = nl->ext_msg[0] ? nl->ext_msg : NULL;
	const struct vc_attr_set *nest_set = NULL;
	char offending[128] = "", missing[160] = "";
	char path[96];

	if (err == -EINTR) {
		print_error("%s: the list changed while it was read: run the command again",
			    what);
		return;
	}
	if (err == -EMSGSIZE && !detail) {
		print_error("%s: the request does not fit in %d bytes", what,
			    VC_MSG_SIZE);
		return;
	}
	if (nl->last_req && nl->has_offset &&
	    !vc_describe_offset(nl->last_req, nl->ext_offset, path,
				sizeof(path), NULL))
		snprintf(offending, sizeof(offending), ", attribute '%s'", path);
	if (nl->has_miss_type) {
		const struct vc_attr_set *set = &vc_vconnect_set;
		const char *name;

		path[0] = '\0';
		if (nl->has_miss_nest && nl->last_req &&
		    !vc_describe_offset(nl->last_req, nl->ext_miss_nest, path,
					sizeof(path), &nest_set))
			set = nest_set;
		name = set ? vc_attr_name(set, nl->ext_miss_type) : NULL;
		if (name)
			snprintf(missing, sizeof(missing),
				 ", missing attribute '%s%s%s'", path,
				 path[0] ? "." : "", name);
		else
			snprintf(missing, sizeof(missing),
				 ", missing attribute %u", nl->ext_miss_type);
	}
	if (detail)
		print_error("%s: %s (%s)%s%s", what, detail, strerror(-err),
			    offending, missing);
	else
		print_error("%s: %s%s%s", what, strerror(-err), offending,
			    missing);
	/*
	 * With a message, EPERM and EACCES are the module's own (a policy
	 * that rules out a datapath, a refused login); genetlink's own
	 * CAP_NET_ADMIN check says nothing.
	 */
	if ((err == -EPERM || err == -EACCES) && !detail)
		print_note("vconnect commands need CAP_NET_ADMIN: run vconnectctl as root");
	else if (err == -EOPNOTSUPP)
		print_note("the loaded vconnect module does not support this request; is it older than vconnectctl?");
}

/* ---- socket and family ------------------------------------------------ */

static int mcast_group_cb(const struct nlattr *grp, struct vc_nl *nl)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
			break;
		}
	}
	if (name && !strcmp(name, VCONNECT_MCGRP_EVENTS))
		nl->events_group = id;
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vc_nl *nl = data;
	const struct nlattr *a, *grp;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				nl->family_id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				nl->family_version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a)
				mcast_group_cb(grp, nl);
			break;
		}
	}
	return 0;
}

static int resolve_family(struct vc_nl *nl)
{
	struct vc_msg msg;
	int err;

	msg_init(&msg, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	msg_put_str(&msg, CTRL_ATTR_FAMILY_NAME, VCONNECT_GENL_NAME);
	/* the controller's replies are not of our (still unknown) family */
	nl->family_id = 0;
	err = run_request(nl, msg.nlh, family_cb, nl);
	nl->last_req = NULL;
	if (err == -ENOENT) {
		print_error("vconnect generic netlink family not found: is the vconnect_vhba module loaded?");
		return -1;
	}
	if (err) {
		vc_nl_report(nl, err, "looking up the vconnect netlink family");
		return -1;
	}
	if (!nl->family_id) {
		print_error("the kernel's reply to the family lookup has no family id");
		return -1;
	}
	if (nl->family_version < VCONNECT_GENL_VERSION)
		print_warning("the vconnect module speaks version %u of the interface, vconnectctl version %u",
			      nl->family_version, VCONNECT_GENL_VERSION);
	return 0;
}

/*
 * Open the socket and look the family up. With --dry-run nothing is
 * opened: requests are only printed, and family id 0 stands in.
 */
int vc_nl_open(struct vc_nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	if (opts.dry_run)
		return 0;
	nl->rxbuf_size = RX_BUF_SIZE;
	nl->rxbuf = malloc(nl->rxbuf_size);
	if (!nl->rxbuf) {
		print_error("out of memory");
		return -1;
	}
	if (opts.replay) {
		nl->replay = fopen(opts.replay, "re");
		if (!nl->replay) {
			print_error("cannot open replay file %s: %s", opts.replay,
				    strerror(errno));
			goto err_free;
		}
		nl->family_id = VC_REPLAY_FAMILY_ID;
		nl->family_version = VCONNECT_GENL_VERSION;
		nl->events_group = 1;
		return 0;
	}
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		print_error("cannot open a generic netlink socket: %s",
			    strerror(errno));
		goto err_free;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		print_error("cannot bind the netlink socket: %s",
			    strerror(errno));
		goto err_close;
	}
	/* older kernels lack these; errors then just carry less detail */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	if (resolve_family(nl))
		goto err_close;
	return 0;

err_close:
	mnl_socket_close(nl->sock);
	nl->sock = NULL;
err_free:
	free(nl->rxbuf);
	nl->rxbuf = NULL;
	return -1;
}

void vc_nl_close(struct vc_nl *nl)
{
	if (nl->replay)
		fclose(nl->replay);
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->rxbuf);
	memset(nl, 0, sizeof(*nl));
}

int vc_nl_join_events(struct vc_nl *nl)
{
	if (nl->replay)
		return 0;
	if (!nl->events_group) {
		print_error("the vconnect family has no '%s' multicast group",
			    VCONNECT_MCGRP_EVENTS);
		return -1;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP,
				  &nl->events_group,
				  sizeof(nl->events_group)) < 0) {
		print_error("cannot join the '%s' multicast group: %s",
			    VCONNECT_MCGRP_EVENTS, strerror(errno));
		if (errno == EPERM)
			print_note("vconnect commands need CAP_NET_ADMIN: run vconnectctl as root");
		return -1;
	}
	return 0;
}

/* The socket to poll; -1 when replaying (reads never block then). */
int vc_nl_fd(const struct vc_nl *nl)
{
	return nl->replay ? -1 : mnl_socket_get_fd(nl->sock);
}

/*
 * Read one datagram of notifications and hand each message of our family
 * to @cb. Returns 0, or a negative errno (-ENOBUFS: events were lost).
 */
int vc_nl_read_events(struct vc_nl *nl, vc_reply_cb cb, void *data)
{
	struct request_ctx ctx = { .nl = nl, .cb = cb, .data = data };
	ssize_t n;

	n = nl->replay ? replay_recv(nl) :
	    mnl_socket_recvfrom(nl->sock, nl->rxbuf, nl->rxbuf_size);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENODATA;	/* end of a replay */
	if (mnl_cb_run2(nl->rxbuf, n, 0, 0, data_cb, &ctx, ctl_cbs,
			ARRAY_SIZE(ctl_cbs)) < 0)
		return -errno;
	return ctx.cb_err;
}
