// SPDX-License-Identifier: GPL-2.0
/*
 * One iSCSI connection: a kernel TCP socket and its PDU framing.
 *
 * During login (state VCSW_CONN_LOGIN) one thread uses the socket
 * synchronously, bounded by socket timeouts derived from the login
 * deadline. In full feature phase the RX kthread owns the receive side and
 * the TX work item owns the send side (datapath.c); both block on the
 * socket without timeouts, and the NOP-Out timer is what detects a peer
 * that stalls.
 *
 * Teardown order (vcsw_conn_stop): mark the connection closing, shut the
 * socket down (unblocks RX and TX), stop the RX thread, cancel the NOP and
 * TX work, forget the tasks; vcsw_conn_destroy() then releases the socket.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bvec.h>
#include <linux/inet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "iscsi_emul.h"

struct vcsw_conn *vcsw_conn_create(struct vcsw_session *sess, u16 cid)
{
	struct vcsw_conn *conn;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return ERR_PTR(-ENOMEM);
	conn->rx_buf = kvmalloc(VCSW_LOGIN_DSL, GFP_KERNEL);
	if (!conn->rx_buf) {
		kfree(conn);
		return ERR_PTR(-ENOMEM);
	}
	conn->rx_buf_size = VCSW_LOGIN_DSL;
	conn->sess = sess;
	conn->cid = cid;
	conn->state = VCSW_CONN_LOGIN;
	conn->max_recv_dsl = VCSW_LOGIN_DSL;
	conn->max_xmit_dsl = VCSW_LOGIN_DSL;
	spin_lock_init(&conn->lock);
	INIT_LIST_HEAD(&conn->cmd_queue);
	INIT_LIST_HEAD(&conn->r2t_queue);
	init_waitqueue_head(&conn->wq);
	atomic_set(&conn->done_seq[0], 0);
	atomic_set(&conn->done_seq[1], 0);
	atomic_set(&conn->mgmt_seq, 0);
	INIT_WORK(&conn->tx_work, vcsw_tx_work);
	INIT_DELAYED_WORK(&conn->nop_work, vcsw_nop_work);
	return conn;
}

/* The connection must be stopped (or never started). */
void vcsw_conn_destroy(struct vcsw_conn *conn)
{
	if (!conn)
		return;
	vcsw_conn_disconnect(conn);
	vcsw_slots_free(conn);
	kvfree(conn->rx_buf);
	kfree(conn);
}

void vcsw_conn_disconnect(struct vcsw_conn *conn)
{
	if (!conn->sock)
		return;
	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	sock_release(conn->sock);
	conn->sock = NULL;
}

int vcsw_conn_set_deadline(struct vcsw_conn *conn, unsigned long deadline)
{
	long left = (long)(deadline - jiffies);
	struct sock *sk = conn->sock->sk;

	if (left <= 0)
		return -ETIMEDOUT;
	lock_sock(sk);
	WRITE_ONCE(sk->sk_rcvtimeo, left);
	WRITE_ONCE(sk->sk_sndtimeo, left);
	release_sock(sk);
	return 0;
}

int vcsw_conn_connect(struct vcsw_conn *conn, const struct sockaddr_storage *addr,
		      unsigned long deadline)
{
	struct vcsw_session *sess = conn->sess;
	struct socket *sock;
	int addrlen, err;

	switch (addr->ss_family) {
	case AF_INET:
		addrlen = sizeof(struct sockaddr_in);
		break;
	case AF_INET6:
		addrlen = sizeof(struct sockaddr_in6);
		break;
	default:
		return -EAFNOSUPPORT;
	}

	err = sock_create_kern(&init_net, addr->ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (err)
		return err;
	/* Storage traffic: no reclaim recursion into I/O from the socket. */
	sock->sk->sk_allocation = GFP_NOIO;
	sock->sk->sk_use_task_frag = false;
	tcp_sock_set_nodelay(sock->sk);
	conn->sock = sock;

	/* A blocking connect waits at most sk_sndtimeo. */
	err = vcsw_conn_set_deadline(conn, deadline);
	if (!err)
		err = kernel_connect(sock, (struct sockaddr *)addr, addrlen, 0);
	if (err == -EINPROGRESS || err == -EAGAIN)
		err = -ETIMEDOUT;
	if (err) {
		vcsw_dbg(sess, "connect to %pISpc failed: %d\n", addr, err);
		sock_release(sock);
		conn->sock = NULL;
		return err;
	}
	memcpy(&conn->addr, addr, sizeof(conn->addr));
	return 0;
}

/* After a successful login: start the full feature phase machinery. */
int vcsw_conn_start(struct vcsw_conn *conn)
{
	struct vcsw_session *sess = conn->sess;
	struct task_struct *t;
	struct sock *sk = conn->sock->sk;
	unsigned long flags;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_rcvtimeo, MAX_SCHEDULE_TIMEOUT);
	WRITE_ONCE(sk->sk_sndtimeo, MAX_SCHEDULE_TIMEOUT);
	release_sock(sk);

	conn->last_rx = jiffies;
	t = kthread_create(vcsw_rx_thread, conn, "vcsw_rx/%u.%u", sess->id,
			   conn->cid);
	if (IS_ERR(t))
		return PTR_ERR(t);
	conn->rx_thread = t;

	spin_lock_irqsave(&conn->lock, flags);
	conn->state = VCSW_CONN_UP;
	spin_unlock_irqrestore(&conn->lock, flags);

	wake_up_process(t);
	if (sess->noop_interval)
		queue_delayed_work(vcsw_wq, &conn->nop_work, sess->noop_interval);
	return 0;
}

/*
 * Stop RX, TX and the NOP timer and forget every task (no task_done).
 * Sleeps. After this returns nothing of this connection runs any more.
 */
void vcsw_conn_stop(struct vcsw_conn *conn)
{
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	conn->state = VCSW_CONN_CLOSING;
	__vcsw_mgmt_complete(conn, -ENOTCONN, 0);
	spin_unlock_irqrestore(&conn->lock, flags);

	if (conn->sock)
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	if (conn->rx_thread) {
		kthread_stop(conn->rx_thread);
		conn->rx_thread = NULL;
	}
	cancel_delayed_work_sync(&conn->nop_work);
	cancel_work_sync(&conn->tx_work);
	vcsw_conn_forget_tasks(conn);
	wake_up_all(&conn->wq);
}

/*
 * The connection cannot go on (ERL 0: every error drops it). Tell the
 * owner once per session. Process context (RX thread, TX work, NOP work,
 * a TMF waiter).
 */
void vcsw_conn_fail(struct vcsw_conn *conn, int err)
{
	struct vcsw_session *sess = conn->sess;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	if (conn->state != VCSW_CONN_UP) {
		spin_unlock_irqrestore(&conn->lock, flags);
		return;
	}
	conn->state = VCSW_CONN_FAILED;
	__vcsw_mgmt_complete(conn, -ENOTCONN, 0);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&conn->wq);

	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	vcsw_session_failed(sess, err);
}

u32 vcsw_mgmt_itt(struct vcsw_conn *conn, enum vcsw_mgmt_type type)
{
	u32 seq = atomic_inc_return(&conn->mgmt_seq) & 0x0fffffff;

	/* Bit 31 set, low two bits the type: never 0xffffffff. */
	return VCSW_ITT_MGMT | (seq << 2) | type;
}

/* StatSN of a PDU that carries status: ExpStatSN moves past it. */
void vcsw_update_statsn(struct vcsw_conn *conn)
{
	u32 statsn = be32_to_cpu(conn->rx_hdr.statsn);

	if (statsn != conn->exp_statsn)
		vcsw_dbg(conn->sess, "StatSN %u, expected %u\n", statsn,
			 conn->exp_statsn);
	if (iscsi_sna_gte(statsn, conn->exp_statsn))
		WRITE_ONCE(conn->exp_statsn, statsn + 1);
}

/*
 * ExpCmdSN and MaxCmdSN from any target PDU (RFC 7143 4.2.2.1). Values
 * with MaxCmdSN < ExpCmdSN - 1 are ignored, and neither goes backwards.
 * Returns true when the window opened.
 */
bool vcsw_update_cmdsn(struct vcsw_session *sess, const struct iscsi_hdr *hdr)
{
	u32 exp = be32_to_cpu(hdr->exp_statsn);	/* ExpCmdSN */
	u32 max = be32_to_cpu(hdr->max_statsn);	/* MaxCmdSN */
	unsigned long flags;
	bool opened = false;

	if (iscsi_sna_lt(max, exp - 1))
		return false;
	spin_lock_irqsave(&sess->sn_lock, flags);
	if (iscsi_sna_gt(exp, sess->exp_cmdsn) &&
	    iscsi_sna_lte(exp, sess->cmdsn))
		sess->exp_cmdsn = exp;
	if (iscsi_sna_gt(max, sess->max_cmdsn)) {
		sess->max_cmdsn = max;
		opened = true;
	}
	spin_unlock_irqrestore(&sess->sn_lock, flags);
	return opened;
}

/* --- socket I/O --- */

static int vcsw_sock_err(int ret)
{
	/* Socket timeouts exist only during login and discovery. */
	return ret == -EAGAIN ? -ETIMEDOUT : ret;
}

static int vcsw_send_msg(struct vcsw_conn *conn, struct msghdr *msg)
{
	while (msg_data_left(msg)) {
		int ret = sock_sendmsg(conn->sock, msg);

		if (ret <= 0)
			return ret ? vcsw_sock_err(ret) : -EPIPE;
		vcsw_stat_add(conn->sess, tx_bytes, ret);
	}
	return 0;
}

static int vcsw_recv_msg(struct vcsw_conn *conn, struct msghdr *msg)
{
	while (msg_data_left(msg)) {
		int ret = sock_recvmsg(conn->sock, msg, MSG_WAITALL);

		if (ret <= 0)
			return ret ? vcsw_sock_err(ret) : -ECONNRESET;
		vcsw_stat_add(conn->sess, rx_bytes, ret);
	}
	return 0;
}

static int vcsw_send_kvec(struct vcsw_conn *conn, struct kvec *vec,
			  unsigned int nr, size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | flags };

	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, vec, nr, len);
	return vcsw_send_msg(conn, &msg);
}

static int vcsw_recv_kvec(struct vcsw_conn *conn, struct kvec *vec,
			  unsigned int nr, size_t len)
{
	struct msghdr msg = { };

	iov_iter_kvec(&msg.msg_iter, ITER_DEST, vec, nr, len);
	return vcsw_recv_msg(conn, &msg);
}

/* A position in a scatterlist, handed out one page at a time. */
struct vcsw_sg_iter {
	struct scatterlist *sg;
	u32 skip;		/* bytes of *sg already consumed */
	u32 left;
};

static int vcsw_sg_seek(struct vcsw_sg_iter *it, struct scatterlist *sgl,
			u32 offset, u32 len)
{
	struct scatterlist *sg = sgl;

	while (sg && offset >= sg->length) {
		offset -= sg->length;
		sg = sg_next(sg);
	}
	if (!sg)
		return -EINVAL;
	it->sg = sg;
	it->skip = offset;
	it->left = len;
	return 0;
}

/* Fill up to @max page-sized bio_vecs; returns how many. */
static unsigned int vcsw_sg_fill(struct vcsw_sg_iter *it, struct bio_vec *bv,
				 unsigned int max, u32 *bytes)
{
	unsigned int n = 0;

	*bytes = 0;
	while (it->left && n < max && it->sg) {
		u32 in_sg = it->sg->length - it->skip;
		u32 abs = it->sg->offset + it->skip;
		u32 off = offset_in_page(abs);
		u32 len = min3(it->left, in_sg, (u32)PAGE_SIZE - off);

		if (!in_sg) {
			it->sg = sg_next(it->sg);
			it->skip = 0;
			continue;
		}
		bv[n].bv_page = nth_page(sg_page(it->sg), abs >> PAGE_SHIFT);
		bv[n].bv_offset = off;
		bv[n].bv_len = len;
		n++;
		*bytes += len;
		it->left -= len;
		it->skip += len;
		if (it->skip == it->sg->length) {
			it->sg = sg_next(it->sg);
			it->skip = 0;
		}
	}
	return n;
}

static int vcsw_sendpage(struct vcsw_conn *conn, struct bio_vec *bv, int flags)
{
	u32 off = bv->bv_offset, len = bv->bv_len;

	while (len) {
		int ret = kernel_sendpage(conn->sock, bv->bv_page, off, len,
					  flags);

		if (ret <= 0)
			return ret ? vcsw_sock_err(ret) : -EPIPE;
		vcsw_stat_add(conn->sess, tx_bytes, ret);
		off += ret;
		len -= ret;
	}
	return 0;
}

/*
 * Send @len bytes of a scatterlist from @offset. Pages go to TCP by
 * reference (sendpage) unless a data digest is on (then the bytes hashed
 * must be the bytes sent, so they are copied) or the page may not be
 * referenced (slab memory). @more: more bytes of this PDU follow.
 */
static int vcsw_send_sg(struct vcsw_conn *conn, struct scatterlist *sgl,
			u32 offset, u32 len, bool more, u32 *crc)
{
	struct bio_vec bv[VCSW_BVEC_BATCH];
	struct vcsw_sg_iter it;
	int err;

	err = vcsw_sg_seek(&it, sgl, offset, len);
	if (err)
		return err;
	while (it.left) {
		u32 bytes;
		unsigned int n = vcsw_sg_fill(&it, bv, ARRAY_SIZE(bv), &bytes);
		bool last = !it.left && !more;
		unsigned int i;

		if (!n)
			return -EINVAL;	/* scatterlist shorter than the buffer */
		if (crc)
			*crc = vcsw_crc_bvec(*crc, bv, n);

		if (conn->data_digest) {
			/* Copied anyway: one call for the whole batch. */
			struct msghdr msg = {
				.msg_flags = MSG_NOSIGNAL | (last ? 0 : MSG_MORE),
			};

			iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, bytes);
			err = vcsw_send_msg(conn, &msg);
			if (err)
				return err;
			continue;
		}
		for (i = 0; i < n; i++) {
			int flags = MSG_NOSIGNAL;
			struct msghdr msg = { };

			if (!last || i + 1 < n)
				flags |= MSG_MORE | MSG_SENDPAGE_NOTLAST;
			if (sendpage_ok(bv[i].bv_page)) {
				err = vcsw_sendpage(conn, &bv[i], flags);
			} else {
				msg.msg_flags = flags & ~MSG_SENDPAGE_NOTLAST;
				iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv[i],
					      1, bv[i].bv_len);
				err = vcsw_send_msg(conn, &msg);
			}
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * Send one PDU: BHS (+AHS) in pdu->hdr, with header digest if negotiated,
 * data from pdu->buf or pdu->sgl, padding and data digest.
 */
int vcsw_pdu_send(struct vcsw_conn *conn, struct vcsw_txpdu *pdu)
{
	struct iscsi_hdr *hdr = (struct iscsi_hdr *)pdu->hdr;
	u32 hlen = ISCSI_HDR_LEN + pdu->ahslen;
	u32 pad = vcsw_pad(pdu->dlen);
	u8 trailer[ISCSI_PAD_LEN + ISCSI_CRC_LEN] = { };
	u32 tlen = pdu->dlen ? pad : 0;
	u32 crc = VCSW_CRC_INIT;
	struct kvec vec[3];
	__le32 digest;
	int err;

	hdr->hlength = pdu->ahslen / 4;
	hton24(hdr->dlength, pdu->dlen);
	if (conn->hdr_digest) {
		digest = vcsw_crc_final(vcsw_crc(VCSW_CRC_INIT, pdu->hdr, hlen));
		memcpy(pdu->hdr + hlen, &digest, sizeof(digest));
		hlen += ISCSI_CRC_LEN;
	}
	vcsw_stat_inc(conn->sess, tx_pdus);

	if (!pdu->sgl || !pdu->dlen) {
		unsigned int nr = 1;

		vec[0].iov_base = pdu->hdr;
		vec[0].iov_len = hlen;
		if (pdu->dlen) {
			vec[nr].iov_base = (void *)pdu->buf;
			vec[nr++].iov_len = pdu->dlen;
			if (conn->data_digest) {
				crc = vcsw_crc(crc, pdu->buf, pdu->dlen);
				crc = vcsw_crc(crc, trailer, pad);
				digest = vcsw_crc_final(crc);
				memcpy(trailer + pad, &digest, sizeof(digest));
				tlen += ISCSI_CRC_LEN;
			}
			if (tlen) {
				vec[nr].iov_base = trailer;
				vec[nr++].iov_len = tlen;
			}
		}
		return vcsw_send_kvec(conn, vec, nr, hlen + pdu->dlen + tlen, 0);
	}

	vec[0].iov_base = pdu->hdr;
	vec[0].iov_len = hlen;
	err = vcsw_send_kvec(conn, vec, 1, hlen, MSG_MORE);
	if (err)
		return err;
	err = vcsw_send_sg(conn, pdu->sgl, pdu->sg_offset, pdu->dlen,
			   pad || conn->data_digest,
			   conn->data_digest ? &crc : NULL);
	if (err)
		return err;
	if (conn->data_digest) {
		crc = vcsw_crc(crc, trailer, pad);
		digest = vcsw_crc_final(crc);
		memcpy(trailer + pad, &digest, sizeof(digest));
		tlen += ISCSI_CRC_LEN;
	}
	if (!tlen)
		return 0;
	vec[0].iov_base = trailer;
	vec[0].iov_len = tlen;
	return vcsw_send_kvec(conn, vec, 1, tlen, 0);
}

/*
 * Receive a BHS, its AHS and header digest into conn->rx_*. Checks the
 * header digest and that the data segment fits MaxRecvDataSegmentLength.
 */
int vcsw_pdu_recv_hdr(struct vcsw_conn *conn)
{
	struct vcsw_session *sess = conn->sess;
	struct kvec vec[2];
	__le32 digest;
	u32 dlen;
	int err;

	vec[0].iov_base = &conn->rx_hdr;
	vec[0].iov_len = ISCSI_HDR_LEN;
	err = vcsw_recv_kvec(conn, vec, 1, ISCSI_HDR_LEN);
	if (err)
		return err;

	conn->rx_ahslen = conn->rx_hdr.hlength * 4;
	if (conn->rx_ahslen || conn->hdr_digest) {
		unsigned int nr = 0;
		size_t len = 0;

		if (conn->rx_ahslen) {
			vec[nr].iov_base = conn->rx_ahs;
			vec[nr++].iov_len = conn->rx_ahslen;
			len += conn->rx_ahslen;
		}
		if (conn->hdr_digest) {
			vec[nr].iov_base = &digest;
			vec[nr++].iov_len = sizeof(digest);
			len += sizeof(digest);
		}
		err = vcsw_recv_kvec(conn, vec, nr, len);
		if (err)
			return err;
	}
	if (conn->hdr_digest) {
		u32 crc = vcsw_crc(VCSW_CRC_INIT, &conn->rx_hdr, ISCSI_HDR_LEN);

		crc = vcsw_crc(crc, conn->rx_ahs, conn->rx_ahslen);
		if (vcsw_crc_final(crc) != digest) {
			vcsw_stat_inc(sess, hdr_digest_errors);
			vcsw_warn(sess, "header digest error (opcode %#x)\n",
				  conn->rx_hdr.opcode);
			return -EIO;
		}
	}

	dlen = ntoh24(conn->rx_hdr.dlength);
	if (dlen > conn->max_recv_dsl) {
		vcsw_stat_inc(sess, proto_errors);
		vcsw_warn(sess, "opcode %#x: data segment %u > MaxRecvDataSegmentLength %u\n",
			  conn->rx_hdr.opcode, dlen, conn->max_recv_dsl);
		return -EPROTO;
	}
	conn->rx_dlen = dlen;
	vcsw_stat_inc(sess, rx_pdus);
	return 0;
}

static int vcsw_check_data_digest(struct vcsw_conn *conn, u32 crc,
				  const u8 *trailer, u32 pad)
{
	__le32 digest;

	crc = vcsw_crc(crc, trailer, pad);
	memcpy(&digest, trailer + pad, sizeof(digest));
	if (vcsw_crc_final(crc) == digest)
		return 0;
	vcsw_stat_inc(conn->sess, data_digest_errors);
	vcsw_warn(conn->sess, "data digest error (opcode %#x, %u bytes)\n",
		  conn->rx_hdr.opcode, conn->rx_dlen);
	return -EIO;
}

/* Receive the current PDU's data segment (rx_dlen bytes) into @buf. */
int vcsw_pdu_recv_data(struct vcsw_conn *conn, void *buf)
{
	u32 dlen = conn->rx_dlen, pad = vcsw_pad(dlen);
	u8 trailer[ISCSI_PAD_LEN + ISCSI_CRC_LEN];
	u32 tlen = pad + (conn->data_digest ? ISCSI_CRC_LEN : 0);
	struct kvec vec[2];
	unsigned int nr = 1;
	int err;

	if (!dlen)
		return 0;
	vec[0].iov_base = buf;
	vec[0].iov_len = dlen;
	if (tlen) {
		vec[1].iov_base = trailer;
		vec[1].iov_len = tlen;
		nr++;
	}
	err = vcsw_recv_kvec(conn, vec, nr, dlen + tlen);
	if (err || !conn->data_digest)
		return err;
	return vcsw_check_data_digest(conn, vcsw_crc(VCSW_CRC_INIT, buf, dlen),
				      trailer, pad);
}

/*
 * Receive the current PDU's data segment straight into a command's
 * scatterlist at @offset (the caller checked the bounds).
 */
int vcsw_pdu_recv_data_sg(struct vcsw_conn *conn, struct scatterlist *sgl,
			  u32 offset)
{
	u32 dlen = conn->rx_dlen, pad = vcsw_pad(dlen);
	u8 trailer[ISCSI_PAD_LEN + ISCSI_CRC_LEN];
	u32 tlen = pad + (conn->data_digest ? ISCSI_CRC_LEN : 0);
	struct bio_vec bv[VCSW_BVEC_BATCH];
	u32 crc = VCSW_CRC_INIT;
	struct vcsw_sg_iter it;
	struct kvec vec;
	int err;

	if (!dlen)
		return 0;
	err = vcsw_sg_seek(&it, sgl, offset, dlen);
	if (err)
		return err;
	while (it.left) {
		struct msghdr msg = { };
		u32 bytes;
		unsigned int n = vcsw_sg_fill(&it, bv, ARRAY_SIZE(bv), &bytes);

		if (!n)
			return -EINVAL;
		iov_iter_bvec(&msg.msg_iter, ITER_DEST, bv, n, bytes);
		err = vcsw_recv_msg(conn, &msg);
		if (err)
			return err;
		if (conn->data_digest)
			crc = vcsw_crc_bvec(crc, bv, n);
	}
	if (!tlen)
		return 0;
	vec.iov_base = trailer;
	vec.iov_len = tlen;
	err = vcsw_recv_kvec(conn, &vec, 1, tlen);
	if (err || !conn->data_digest)
		return err;
	return vcsw_check_data_digest(conn, crc, trailer, pad);
}

/* A whole PDU, data into conn->rx_buf (synchronous use). */
int vcsw_pdu_recv(struct vcsw_conn *conn)
{
	int err = vcsw_pdu_recv_hdr(conn);

	if (err)
		return err;
	return vcsw_pdu_recv_data(conn, conn->rx_buf);
}

/*
 * Parse a TargetAddress value: "host[:port][,tpgt]", host an IPv4 address
 * or a bracketed IPv6 address. There is no resolver in the kernel: a DNS
 * name gives -EHOSTUNREACH.
 */
int vcsw_parse_portal(const char *s, struct sockaddr_storage *ss)
{
	size_t len = strcspn(s, ",");
	const char *host = s, *port = NULL;
	size_t hostlen;
	u32 portnum = ISCSI_LISTEN_PORT;
	char pbuf[6];

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);

		if (!rb)
			return -EINVAL;
		host = s + 1;
		hostlen = rb - host;
		if (rb + 1 < s + len) {
			if (rb[1] != ':')
				return -EINVAL;
			port = rb + 2;
		}
	} else {
		const char *colon = memchr(s, ':', len);

		/* More than one colon: a bare IPv6 address, no port. */
		if (colon && memchr(colon + 1, ':', s + len - colon - 1))
			colon = NULL;
		hostlen = colon ? (size_t)(colon - s) : len;
		if (colon)
			port = colon + 1;
	}
	if (port) {
		size_t plen = s + len - port;

		if (!plen || plen >= sizeof(pbuf))
			return -EINVAL;
		memcpy(pbuf, port, plen);
		pbuf[plen] = '\0';
		if (vcsw_parse_num(pbuf, 1, 65535, &portnum))
			return -EINVAL;
	}

	if (hostlen && in4_pton(host, hostlen,
				(u8 *)&((struct sockaddr_in *)ss)->sin_addr,
				-1, NULL)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(portnum);
		return 0;
	}
	if (hostlen && in6_pton(host, hostlen,
				((struct sockaddr_in6 *)ss)->sin6_addr.s6_addr,
				-1, NULL)) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(portnum);
		return 0;
	}
	return -EHOSTUNREACH;
}
