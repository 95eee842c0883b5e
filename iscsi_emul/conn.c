// SPDX-License-Identifier: GPL-2.0
/*
 * One iSCSI connection: a kernel TCP socket and its PDU framing.
 *
 * During login (state VCSW_CONN_LOGIN) one thread uses the socket
 * synchronously, bounded by socket timeouts derived from the login
 * deadline. In full feature phase the socket's data_ready callback parses
 * the receive side (below, "full feature phase RX") and the TX work item
 * owns the send side (datapath.c), blocking without a timeout; the NOP-Out
 * timer is what detects a peer that stalls.
 *
 * Teardown order (vcsw_conn_stop): mark the connection closing, take our
 * callbacks off the socket (no RX after that), shut the socket down
 * (unblocks TX), cancel the RX, NOP and TX work, forget the tasks;
 * vcsw_conn_destroy() then releases the socket.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bvec.h>
#include <linux/dns_resolver.h>
#include <linux/highmem.h>
#include <linux/inet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "software.h"

/* Full feature phase RX, further down. */
static void vcsw_rx_work(struct work_struct *work);
static void vcsw_rx_stage(struct vcsw_conn *conn, enum vcsw_rx_stage stage,
			  u32 want);
static void vcsw_rx_callbacks_set(struct vcsw_conn *conn);
static void vcsw_rx_callbacks_restore(struct vcsw_conn *conn);

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
	INIT_WORK(&conn->rx_work, vcsw_rx_work);
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
	struct sock *sk = conn->sock->sk;
	unsigned long flags;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_rcvtimeo, MAX_SCHEDULE_TIMEOUT);
	WRITE_ONCE(sk->sk_sndtimeo, MAX_SCHEDULE_TIMEOUT);
	release_sock(sk);

	conn->last_rx = jiffies;
	conn->rx_err = 0;
	conn->rx_task = NULL;
	vcsw_rx_stage(conn, VCSW_RX_BHS, ISCSI_HDR_LEN);

	spin_lock_irqsave(&conn->lock, flags);
	conn->state = VCSW_CONN_UP;
	spin_unlock_irqrestore(&conn->lock, flags);

	vcsw_rx_callbacks_set(conn);
	/* What arrived since the login response, and a close meanwhile. */
	queue_work(vcsw_wq, &conn->rx_work);
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

	vcsw_rx_callbacks_restore(conn);
	if (conn->sock)
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	cancel_work_sync(&conn->rx_work);
	/* Its reference goes with every other one: the tasks are forgotten. */
	conn->rx_task = NULL;
	cancel_delayed_work_sync(&conn->nop_work);
	cancel_work_sync(&conn->tx_work);
	vcsw_conn_forget_tasks(conn);
	wake_up_all(&conn->wq);
}

/*
 * The connection cannot go on (ERL 0: every error drops it). Tell the
 * owner once per session. Process context (RX work, TX work, NOP work,
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
 * Returns true when the window opened while TX was holding a command back
 * for it: only then does TX need a kick (it runs anyway for everything
 * else it has queued).
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
		opened = sess->window_wait;
		sess->window_wait = false;
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

/* Position @it at @offset of a scatterlist, @len bytes to go. */
int vcsw_sg_seek(struct vcsw_sg_iter *it, struct scatterlist *sgl,
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
 * data from pdu->buf or pdu->sgl, padding and data digest. With pdu->more
 * its last bytes go with MSG_MORE too, so that TCP packs the PDUs of one
 * TX pass into full segments instead of pushing each: the caller then
 * ends the pass with vcsw_pdu_push().
 */
int vcsw_pdu_send(struct vcsw_conn *conn, struct vcsw_txpdu *pdu)
{
	struct iscsi_hdr *hdr = (struct iscsi_hdr *)pdu->hdr;
	u32 hlen = ISCSI_HDR_LEN + pdu->ahslen;
	u32 pad = vcsw_pad(pdu->dlen);
	u8 trailer[ISCSI_PAD_LEN + ISCSI_CRC_LEN] = { };
	u32 tlen = pdu->dlen ? pad : 0;
	int more = pdu->more ? MSG_MORE : 0;
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
		return vcsw_send_kvec(conn, vec, nr, hlen + pdu->dlen + tlen,
				      more);
	}

	vec[0].iov_base = pdu->hdr;
	vec[0].iov_len = hlen;
	err = vcsw_send_kvec(conn, vec, 1, hlen, MSG_MORE);
	if (err)
		return err;
	err = vcsw_send_sg(conn, pdu->sgl, pdu->sg_offset, pdu->dlen,
			   pad || conn->data_digest || pdu->more,
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
	return vcsw_send_kvec(conn, vec, 1, tlen, more);
}

/* Send what PDUs sent with pdu->more left queued in TCP. */
void vcsw_pdu_push(struct vcsw_conn *conn)
{
	/* Uncorking pushes the pending frames; the socket was never corked. */
	tcp_sock_set_cork(conn->sock->sk, false);
}

/*
 * A whole header is in conn->rx_hdr and conn->rx_ahs: check the header
 * digest (@digest, if negotiated) and that the data segment fits
 * MaxRecvDataSegmentLength; set conn->rx_dlen.
 */
static int vcsw_pdu_check_hdr(struct vcsw_conn *conn, __le32 digest)
{
	struct vcsw_session *sess = conn->sess;
	u32 dlen;

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

/*
 * Receive a BHS, its AHS and header digest into conn->rx_* (synchronous
 * use: login, discovery) and check them.
 */
int vcsw_pdu_recv_hdr(struct vcsw_conn *conn)
{
	struct kvec vec[2];
	__le32 digest = 0;
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
	return vcsw_pdu_check_hdr(conn, digest);
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

/* A whole PDU, data into conn->rx_buf (synchronous use). */
int vcsw_pdu_recv(struct vcsw_conn *conn)
{
	int err = vcsw_pdu_recv_hdr(conn);

	if (err)
		return err;
	return vcsw_pdu_recv_data(conn, conn->rx_buf);
}

/* --- full feature phase RX: parsing in the socket's data_ready --- */

/*
 * What arrives is parsed where TCP hands it over: the socket's data_ready
 * callback, run by the softirq that queued the data or, when a process
 * held the socket lock then (TX sending, rx_work), by that process as it
 * releases the lock. The socket serializes the callback, so "RX" is one
 * context at a time. tcp_read_sock() walks the queued skbs; a small state
 * machine (BHS, AHS + header digest, data, padding + data digest) takes
 * each stage's bytes as they come, whatever the segmentation. Data-In
 * payload is copied straight from the skbs into the command's
 * scatterlist, and the data digest is computed on the copied bytes.
 *
 * RX never sleeps and never sends. An error stops it (conn->rx_err, the
 * rest of the stream is left unread) and rx_work, which may sleep, fails
 * the connection; rx_work also drains what arrived before the callbacks
 * were installed and notices the target closing the connection.
 */

static void vcsw_rx_stage(struct vcsw_conn *conn, enum vcsw_rx_stage stage,
			  u32 want)
{
	conn->rx_stage = stage;
	conn->rx_want = want;
	conn->rx_off = 0;
}

/* The current stage has all its bytes: check them and set up the next. */
static int vcsw_rx_next(struct vcsw_conn *conn)
{
	u32 dlen = conn->rx_dlen;
	__le32 digest = 0;
	int err;

	switch (conn->rx_stage) {
	case VCSW_RX_BHS:
		conn->rx_ahslen = conn->rx_hdr.hlength * 4;
		vcsw_rx_stage(conn, VCSW_RX_AHS, conn->rx_ahslen +
			      (conn->hdr_digest ? ISCSI_CRC_LEN : 0));
		return 0;
	case VCSW_RX_AHS:
		if (conn->hdr_digest)
			memcpy(&digest, conn->rx_ahs + conn->rx_ahslen,
			       sizeof(digest));
		err = vcsw_pdu_check_hdr(conn, digest);
		if (!err)
			err = vcsw_rx_hdr(conn);
		if (err)
			return err;
		conn->rx_crc = VCSW_CRC_INIT;
		vcsw_rx_stage(conn, VCSW_RX_DATA, conn->rx_dlen);
		return 0;
	case VCSW_RX_DATA:
		vcsw_rx_stage(conn, VCSW_RX_TRAILER, !dlen ? 0 : vcsw_pad(dlen) +
			      (conn->data_digest ? ISCSI_CRC_LEN : 0));
		return 0;
	case VCSW_RX_TRAILER:
		if (dlen && conn->data_digest) {
			err = vcsw_check_data_digest(conn, conn->rx_crc,
						     conn->rx_trailer,
						     vcsw_pad(dlen));
			if (err)
				return err;
		}
		err = vcsw_rx_pdu_done(conn);
		if (err)
			return err;
		WRITE_ONCE(conn->last_rx, jiffies);
		vcsw_rx_stage(conn, VCSW_RX_BHS, ISCSI_HDR_LEN);
		return 0;
	}
	return -EINVAL;
}

/*
 * @len bytes at @src into the Data-In scatterlist at its cursor. The data
 * digest is computed on the bytes copied, which are the bytes delivered.
 */
static int vcsw_rx_write_sg(struct vcsw_conn *conn, const u8 *src, u32 len)
{
	struct vcsw_sg_iter *it = &conn->rx_sg;

	while (len) {
		struct scatterlist *sg = it->sg;
		u32 abs, poff, n;
		void *va;

		if (!sg)
			return -EINVAL;	/* scatterlist shorter than the buffer */
		if (it->skip == sg->length) {
			it->sg = sg_next(sg);
			it->skip = 0;
			continue;
		}
		abs = sg->offset + it->skip;
		poff = offset_in_page(abs);
		n = min3(len, sg->length - it->skip, (u32)PAGE_SIZE - poff);
		va = kmap_local_page(nth_page(sg_page(sg), abs >> PAGE_SHIFT));
		memcpy(va + poff, src, n);
		if (conn->data_digest)
			conn->rx_crc = vcsw_crc(conn->rx_crc, va + poff, n);
		kunmap_local(va);
		it->skip += n;
		src += n;
		len -= n;
	}
	return 0;
}

/*
 * Data-In payload: @len bytes of @skb from @off into the scatterlist.
 * One pass over the skb's fragments (skb_seq_read), rather than a
 * skb_copy_bits() per destination page, which would walk the fragment
 * array from its start every time.
 */
static int vcsw_rx_copy_sg(struct vcsw_conn *conn, struct sk_buff *skb,
			   u32 off, u32 len)
{
	struct skb_seq_state st;
	u32 done = 0;
	int err = 0;

	skb_prepare_seq_read(skb, off, off + len, &st);
	while (done < len) {
		const u8 *src;
		u32 n = skb_seq_read(done, &src, &st);

		if (!n) {
			err = -EFAULT;	/* the skb is shorter than TCP said */
			break;
		}
		/* A block may run past the range asked for. */
		n = min(n, len - done);
		err = vcsw_rx_write_sg(conn, src, n);
		if (err)
			break;
		done += n;
	}
	skb_abort_seq_read(&st);
	return err;
}

/* @len bytes of @skb from @off, all for the current stage. */
static int vcsw_rx_copy(struct vcsw_conn *conn, struct sk_buff *skb,
			u32 off, u32 len)
{
	u8 *dst;
	int err;

	switch (conn->rx_stage) {
	case VCSW_RX_BHS:
		dst = (u8 *)&conn->rx_hdr + conn->rx_off;
		break;
	case VCSW_RX_AHS:
		dst = conn->rx_ahs + conn->rx_off;
		break;
	case VCSW_RX_DATA:
		if (conn->rx_task)
			return vcsw_rx_copy_sg(conn, skb, off, len);
		dst = conn->rx_buf + conn->rx_off;
		break;
	default:
		dst = conn->rx_trailer + conn->rx_off;
		break;
	}
	err = skb_copy_bits(skb, off, dst, len);
	if (!err && conn->rx_stage == VCSW_RX_DATA && conn->data_digest)
		conn->rx_crc = vcsw_crc(conn->rx_crc, dst, len);
	return err;
}

static int vcsw_rx_actor(read_descriptor_t *desc, struct sk_buff *skb,
			 unsigned int offset, size_t len)
{
	struct vcsw_conn *conn = desc->arg.data;
	size_t done = 0;
	int err = 0;

	/*
	 * Stopped: tcp_read_sock() offers the rest of a partly used skb
	 * again whatever desc->count says; only 0 ends its loop.
	 */
	if (conn->rx_err)
		return 0;
	for (;;) {
		u32 n;

		while (!conn->rx_want) {
			err = vcsw_rx_next(conn);
			if (err)
				goto out;
		}
		if (done == len)
			break;
		n = min_t(size_t, len - done, conn->rx_want);
		err = vcsw_rx_copy(conn, skb, offset + done, n);
		if (err)
			goto out;
		conn->rx_want -= n;
		conn->rx_off += n;
		done += n;
	}
out:
	vcsw_stat_add(conn->sess, rx_bytes, done);
	if (err) {
		vcsw_rx_abort(conn);
		WRITE_ONCE(conn->rx_err, err);
		desc->count = 0;
		queue_work(vcsw_wq, &conn->rx_work);
	}
	return done;
}

/*
 * Wake RX for a Data-In payload only once this many bytes of it (or all
 * of it, if less) are queued: one pass over the socket then copies what
 * would otherwise take a pass per TCP segment (LIO sends a segment per
 * page). The socket's receive low-water mark does it: TCP keeps ACKing
 * while that mark is unmet and wakes RX anyway when the window or the
 * receive buffer runs short, so the target is not held back. 0: wake for
 * every segment.
 */
static unsigned int vcsw_rx_batch_bytes = SZ_256K;
module_param_named(rx_batch_bytes, vcsw_rx_batch_bytes, uint, 0644);
MODULE_PARM_DESC(rx_batch_bytes,
		 "Data-In bytes queued before RX copies them (0: every segment)");

/* Socket serialized: the low-water mark for what RX waits for next. */
static void vcsw_rx_set_lowat(struct vcsw_conn *conn, struct sock *sk)
{
	u32 lowat = 1;

	if (conn->rx_stage == VCSW_RX_DATA && conn->rx_task) {
		/*
		 * At most half the buffer: tcp_set_rcvlowat() would grow the
		 * buffer to twice the mark, but it calls data_ready itself, so
		 * it cannot be used from here.
		 */
		lowat = max(1U, min3(conn->rx_want, READ_ONCE(vcsw_rx_batch_bytes),
				     (u32)READ_ONCE(sk->sk_rcvbuf) >> 1));
	}
	if (READ_ONCE(sk->sk_rcvlowat) != lowat)
		WRITE_ONCE(sk->sk_rcvlowat, lowat);
}

/* sk_callback_lock held (read) and the socket serialized. */
static void vcsw_rx_run(struct vcsw_conn *conn, struct sock *sk)
{
	read_descriptor_t desc = { .arg.data = conn, .count = 1 };
	bool process = !in_serving_softirq();

	if (READ_ONCE(conn->rx_err))
		return;
	/* Who is RX, for task_done() accounting (vcsw_done_seq()). */
	if (process)
		WRITE_ONCE(conn->rx_owner, current);
	tcp_read_sock(sk, &desc, vcsw_rx_actor);
	vcsw_rx_set_lowat(conn, sk);
	if (process)
		WRITE_ONCE(conn->rx_owner, NULL);
}

static void vcsw_data_ready(struct sock *sk)
{
	struct vcsw_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn)
		vcsw_rx_run(conn, sk);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void vcsw_state_change(struct sock *sk)
{
	void (*saved)(struct sock *sk) = NULL;
	struct vcsw_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn) {
		saved = conn->saved_state_change;
		/* rx_work reads what is still queued, then fails the conn. */
		if (sk->sk_state == TCP_CLOSE_WAIT || sk->sk_state == TCP_CLOSE)
			queue_work(vcsw_wq, &conn->rx_work);
	}
	read_unlock_bh(&sk->sk_callback_lock);
	if (saved)
		saved(sk);
}

/*
 * Process context for RX: the first drain after the callbacks went in,
 * the target closing the connection, and an error RX stopped on.
 */
static void vcsw_rx_work(struct work_struct *work)
{
	struct vcsw_conn *conn = container_of(work, struct vcsw_conn, rx_work);
	struct sock *sk = conn->sock->sk;
	int err;

	lock_sock(sk);
	vcsw_data_ready(sk);
	err = READ_ONCE(conn->rx_err);
	if (!err && (sk->sk_state == TCP_CLOSE_WAIT || sk->sk_state == TCP_CLOSE))
		err = -ECONNRESET;
	release_sock(sk);
	if (!err)
		return;

	if (READ_ONCE(conn->state) == VCSW_CONN_UP) {
		if (err == -ECONNRESET)
			vcsw_info(conn->sess, "connection closed by the target\n");
		else
			vcsw_info(conn->sess, "receive failed (%d), dropping the connection\n",
				  err);
	}
	vcsw_conn_fail(conn, err);
}

static void vcsw_rx_callbacks_set(struct vcsw_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	conn->saved_data_ready = sk->sk_data_ready;
	conn->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = conn;
	sk->sk_data_ready = vcsw_data_ready;
	sk->sk_state_change = vcsw_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* After this returns no RX callback runs or will run for @conn. */
static void vcsw_rx_callbacks_restore(struct vcsw_conn *conn)
{
	struct sock *sk;

	if (!conn->sock || !conn->saved_data_ready)
		return;
	sk = conn->sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = conn->saved_data_ready;
	sk->sk_state_change = conn->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
	conn->saved_data_ready = NULL;
	conn->saved_state_change = NULL;
}

/* An IPv4 or IPv6 address literal (without brackets) into @ss. */
static bool vcsw_parse_addr(const char *host, size_t hostlen, u16 port,
			    struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!hostlen)
		return false;
	if (in4_pton(host, hostlen, (u8 *)&sin->sin_addr, -1, NULL)) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return true;
	}
	if (in6_pton(host, hostlen, sin6->sin6_addr.s6_addr, -1, NULL)) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return true;
	}
	return false;
}

/*
 * A host name through the kernel's DNS resolver (an upcall to
 * key.dns_resolver from keyutils, which also reads /etc/hosts). Sleeps.
 */
static int vcsw_resolve(const char *host, size_t hostlen, u16 port,
			struct sockaddr_storage *ss)
{
	char *addr = NULL;
	int ret;

	ret = dns_query(&init_net, NULL, host, hostlen, NULL, &addr, NULL,
			false);
	if (ret < 0)
		return ret == -ENOMEM ? ret : -EHOSTUNREACH;
	/* A list of addresses is comma-separated: take the first. */
	ret = vcsw_parse_addr(addr, strcspn(addr, ","), port, ss) ?
	      0 : -EHOSTUNREACH;
	kfree(addr);
	return ret;
}

/*
 * Parse a TargetAddress value: "host[:port][,tpgt]", host an IPv4 address,
 * a bracketed IPv6 address or a DNS name (resolved here, so this sleeps).
 * Returns -EINVAL for a malformed value, -EHOSTUNREACH for a name that
 * does not resolve.
 */
int vcsw_parse_portal(const char *s, struct sockaddr_storage *ss)
{
	size_t len = strcspn(s, ",");
	const char *host = s, *port = NULL;
	size_t hostlen;
	u32 portnum = ISCSI_LISTEN_PORT;
	char pbuf[6];

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

	if (vcsw_parse_addr(host, hostlen, portnum, ss))
		return 0;
	if (!hostlen || s[0] == '[')
		return -EINVAL;
	return vcsw_resolve(host, hostlen, portnum, ss);
}
