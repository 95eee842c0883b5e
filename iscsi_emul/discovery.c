// SPDX-License-Identifier: GPL-2.0
/*
 * SendTargets discovery (RFC 7143 section 11.10 and appendix C): a
 * Discovery session, one Text Request "SendTargets=All" (continued with
 * empty requests carrying the target's TTT while the response has the C
 * bit or no F bit), then Logout.
 *
 * Everything runs synchronously in the caller's context on a connection
 * that stays in login mode (no RX callbacks), bounded by the login timeout.
 *
 * The callback is called once per (TargetName, TargetAddress) pair, in the
 * target's order; a TargetName without any TargetAddress (reachable at
 * the discovery portal) is reported once with a NULL address. A non-zero
 * return from the callback stops the walk and is returned.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "software.h"

#define VCSW_DISC_ROUNDS	1024

struct vcsw_disc {
	struct vcsw_session *sess;
	struct vcsw_conn *conn;
	unsigned long deadline;
	u32 itt;
	char *buf;
	u32 len;
};

static int vcsw_disc_send(struct vcsw_disc *d, struct vcsw_txpdu *pdu)
{
	int err = vcsw_conn_set_deadline(d->conn, d->deadline);

	return err ?: vcsw_pdu_send(d->conn, pdu);
}

static int vcsw_disc_send_text(struct vcsw_disc *d, __be32 ttt,
			       const char *text, u32 len)
{
	struct vcsw_session *sess = d->sess;
	struct vcsw_txpdu pdu = { };
	struct iscsi_text *h = (struct iscsi_text *)pdu.hdr;
	unsigned long flags;

	h->opcode = ISCSI_OP_TEXT;
	h->flags = ISCSI_FLAG_CMD_FINAL;
	h->itt = vcsw_itt_to_wire(d->itt);
	h->ttt = ttt;
	spin_lock_irqsave(&sess->sn_lock, flags);
	h->cmdsn = cpu_to_be32(sess->cmdsn++);
	spin_unlock_irqrestore(&sess->sn_lock, flags);
	h->exp_statsn = cpu_to_be32(d->conn->exp_statsn);
	pdu.buf = text;
	pdu.dlen = len;
	return vcsw_disc_send(d, &pdu);
}

/* Answer a target ping in synchronous mode. */
static int vcsw_disc_nop_reply(struct vcsw_disc *d)
{
	struct iscsi_nopin *in = (struct iscsi_nopin *)&d->conn->rx_hdr;
	struct vcsw_txpdu pdu = { };

	vcsw_hdr_nop_reply(&pdu, in->ttt, &in->lun, cpu_to_be32(d->sess->cmdsn),
			   cpu_to_be32(d->conn->exp_statsn));
	return vcsw_disc_send(d, &pdu);
}

/*
 * Receive PDUs until one with opcode @want arrives; answers target pings
 * and skips other NOP-Ins and async events on the way.
 */
static int vcsw_disc_recv(struct vcsw_disc *d, u8 want)
{
	struct vcsw_conn *conn = d->conn;
	struct vcsw_session *sess = d->sess;
	struct iscsi_hdr *h = &conn->rx_hdr;
	int i, err;

	for (i = 0; i < 16; i++) {
		u8 op;

		err = vcsw_conn_set_deadline(conn, d->deadline);
		if (!err)
			err = vcsw_pdu_recv(conn);
		if (err)
			return err;
		op = h->opcode & ISCSI_OPCODE_MASK;
		vcsw_update_cmdsn(sess, h);
		if (op == want) {
			if (vcsw_itt_from_wire(h->itt) != d->itt) {
				vcsw_warn(sess, "discovery: response for ITT %#x\n",
					  vcsw_itt_from_wire(h->itt));
				return -EPROTO;
			}
			vcsw_update_statsn(conn);
			return 0;
		}
		switch (op) {
		case ISCSI_OP_NOOP_IN:
			if (h->ttt != cpu_to_be32(ISCSI_RESERVED_TAG)) {
				err = vcsw_disc_nop_reply(d);
				if (err)
					return err;
			}
			continue;
		case ISCSI_OP_ASYNC_EVENT:
			vcsw_update_statsn(conn);
			continue;
		default:
			vcsw_warn(sess, "discovery: unexpected opcode %#x\n",
				  h->opcode);
			return -EPROTO;
		}
	}
	return -EPROTO;
}

static int vcsw_sendtargets(struct vcsw_disc *d)
{
	static const char req[] = "SendTargets=All";
	struct iscsi_text_rsp *h = (struct iscsi_text_rsp *)&d->conn->rx_hdr;
	__be32 ttt = cpu_to_be32(ISCSI_RESERVED_TAG);
	int round, err;

	d->buf = kvmalloc(VCSW_SENDTARGETS_MAX + 1, GFP_KERNEL);
	if (!d->buf)
		return -ENOMEM;
	d->itt = vcsw_mgmt_itt(d->conn, VCSW_MGMT_REQ);
	err = vcsw_disc_send_text(d, ttt, req, sizeof(req));
	for (round = 0; !err && round < VCSW_DISC_ROUNDS; round++) {
		u32 dlen;

		err = vcsw_disc_recv(d, ISCSI_OP_TEXT_RSP);
		if (err)
			break;
		dlen = d->conn->rx_dlen;
		if (dlen > VCSW_SENDTARGETS_MAX - d->len) {
			vcsw_warn(d->sess, "SendTargets response longer than %u bytes\n",
				  VCSW_SENDTARGETS_MAX);
			return -E2BIG;
		}
		memcpy(d->buf + d->len, d->conn->rx_buf, dlen);
		d->len += dlen;
		if ((h->flags & ISCSI_FLAG_CMD_FINAL) &&
		    !(h->flags & ISCSI_FLAG_TEXT_CONTINUE)) {
			d->buf[d->len] = '\0';
			return 0;
		}
		/* More to come: an empty request with the target's TTT. */
		ttt = h->ttt;
		if (ttt == cpu_to_be32(ISCSI_RESERVED_TAG)) {
			vcsw_warn(d->sess, "SendTargets continued without a TTT\n");
			return -EPROTO;
		}
		err = vcsw_disc_send_text(d, ttt, NULL, 0);
	}
	return err ?: -EPROTO;
}

static void vcsw_disc_logout(struct vcsw_disc *d)
{
	struct vcsw_txpdu pdu = { };
	int err;

	d->itt = vcsw_mgmt_itt(d->conn, VCSW_MGMT_REQ);
	vcsw_hdr_logout(&pdu, d->itt, d->conn->cid,
			ISCSI_LOGOUT_REASON_CLOSE_SESSION,
			cpu_to_be32(d->sess->cmdsn),
			cpu_to_be32(d->conn->exp_statsn));
	err = vcsw_disc_send(d, &pdu);
	if (!err)
		err = vcsw_disc_recv(d, ISCSI_OP_LOGOUT_RSP);
	if (err)
		vcsw_dbg(d->sess, "discovery logout: %d\n", err);
}

struct vcsw_disc_walk {
	vconnect_discover_fn fn;
	void *arg;
	const char *name;
	bool reported;
	int count;
};

static int vcsw_disc_flush(struct vcsw_disc_walk *w)
{
	int ret = 0;

	if (w->name && !w->reported) {
		ret = w->fn(w->arg, w->name, NULL);
		w->count++;
	}
	w->reported = true;
	return ret;
}

static int vcsw_disc_kv(void *arg, const char *key, const char *value)
{
	struct vcsw_disc_walk *w = arg;
	int ret;

	if (!strcmp(key, "TargetName")) {
		ret = vcsw_disc_flush(w);
		if (ret)
			return ret;
		if (!value[0] || strlen(value) >= VCONNECT_ISCSI_NAME_MAX)
			return -EPROTO;
		w->name = value;
		w->reported = false;
		return 0;
	}
	if (!strcmp(key, "TargetAddress")) {
		if (!w->name)
			return -EPROTO;
		w->reported = true;
		w->count++;
		return w->fn(w->arg, w->name, value);
	}
	return 0;	/* TargetAlias and the like */
}

/**
 * vcsw_discover - SendTargets=All on desc->portal
 * @desc: initiator identity, portal, CHAP, timeout (target_name unused)
 * @fn: called per (TargetName, TargetAddress) pair, see the top comment
 * @arg: passed to @fn
 *
 * Context: process context; sleeps, bounded by desc->login_timeout_ms for
 * the login and again for the exchange.
 * Return: 0, a non-zero value returned by @fn, or -errno as for
 * vcsw_session_open().
 */
int vcsw_discover(const struct vconnect_session_desc *desc,
		  vconnect_discover_fn fn, void *arg)
{
	struct vconnect_session_info info;
	struct vcsw_disc_walk walk = { .fn = fn, .arg = arg };
	struct vcsw_disc d = { };
	unsigned int ms = desc->login_timeout_ms ?: VCSW_DEF_LOGIN_TIMEOUT_MS;
	int err;

	d.sess = vcsw_session_create(desc, true);
	if (IS_ERR(d.sess))
		return PTR_ERR(d.sess);
	d.conn = d.sess->conns[0];

	memset(&info, 0, sizeof(info));
	err = vcsw_session_login(d.sess, desc, &info);
	if (err)
		goto out_destroy_session;
	d.deadline = jiffies + msecs_to_jiffies(ms);
	err = vcsw_sendtargets(&d);
	if (!err)
		vcsw_disc_logout(&d);
	vcsw_conn_disconnect(d.conn);
	if (err)
		goto out_free_buf;

	err = vcsw_text_parse(d.buf, d.len, vcsw_disc_kv, &walk);
	if (!err)
		err = vcsw_disc_flush(&walk);
	if (err == -EPROTO)
		vcsw_warn(d.sess, "malformed SendTargets response\n");
	else if (!err)
		vcsw_info(d.sess, "discovery at %pISpc: %d target portals\n",
			  &info.portal, walk.count);
out_free_buf:
	kvfree(d.buf);
out_destroy_session:
	vcsw_session_destroy(d.sess);
	return err;
}
