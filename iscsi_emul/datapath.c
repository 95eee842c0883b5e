// SPDX-License-Identifier: GPL-2.0
/*
 * Full feature phase: SCSI commands and their data (RFC 7143 sections
 * 11.2 to 11.8), NOP-Out/NOP-In, Async Messages, Reject.
 *
 * TX: queue() (atomic) gives a task an ITT and puts it on conn->cmd_queue;
 * the TX work gives it a CmdSN when the window allows, and sends the
 * command with immediate data. The unsolicited Data-Out of the first burst
 * and the Data-Out for each R2T are sent one PDU at a time from
 * conn->r2t_queue, round robin over tasks. Control PDUs (NOP-Out answers,
 * TMF, Logout, pings) go first, then new commands, then Data-Out: a new
 * command (with its immediate data) keeps the target busy while it asks
 * for the rest of the earlier ones. At most VCSW_CMDS_AHEAD_MAX commands
 * pass waiting Data-Out, so that it is never starved.
 *
 * RX: the socket's data_ready callback parses PDUs as TCP queues them
 * (conn.c); vcsw_rx_hdr() sees each header, vcsw_rx_pdu_done() each whole
 * PDU. Data-In payload is copied straight into the command's scatterlist,
 * and commands are completed from there. RX never sleeps and never sends:
 * R2Ts and NOP-In pings are queued for TX.
 *
 * Every error is fatal to the connection (ERL 0): the owner is told
 * through failed() and will close the session; the tasks are then given
 * back by close() without task_done(), so a command is never completed
 * with data that did not pass every check.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/blk-mq.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <asm/unaligned.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_proto.h>

#include "software.h"

#define VCSW_TX_BUDGET		64	/* PDUs per TX work run */
/*
 * New commands go before Data-Out, but at most this many in a row while
 * Data-Out waits: the target's DataOut timer must not fire on a steady
 * stream of reads or small writes.
 */
#define VCSW_CMDS_AHEAD_MAX	8

unsigned int vcsw_max_tasks = 1024;
module_param_named(max_tasks, vcsw_max_tasks, uint, 0644);
MODULE_PARM_DESC(max_tasks,
		 "Commands in flight per connection (ITT slots) for new sessions. Default: 1024");

int vcsw_slots_alloc(struct vcsw_conn *conn, u32 nr)
{
	nr = clamp_t(u32, nr, 16, VCSW_MAX_SLOTS);
	conn->slots = kvcalloc(nr, sizeof(*conn->slots), GFP_KERNEL);
	if (!conn->slots)
		return -ENOMEM;
	conn->slot_map = bitmap_zalloc(nr, GFP_KERNEL);
	if (!conn->slot_map) {
		kvfree(conn->slots);
		conn->slots = NULL;
		return -ENOMEM;
	}
	conn->nr_slots = nr;
	return 0;
}

void vcsw_slots_free(struct vcsw_conn *conn)
{
	bitmap_free(conn->slot_map);
	kvfree(conn->slots);
	conn->slot_map = NULL;
	conn->slots = NULL;
	conn->nr_slots = 0;
}

static int vcsw_proto_err(struct vcsw_conn *conn)
{
	vcsw_stat_inc(conn->sess, proto_errors);
	return -EPROTO;
}

/* --- task references and the ITT table; see the lock rules --- */

struct vcsw_task *__vcsw_task_lookup(struct vcsw_conn *conn, u32 itt)
{
	u32 idx = itt & VCSW_ITT_IDX_MASK;
	struct vcsw_slot *slot;

	lockdep_assert_held(&conn->lock);
	if ((itt & VCSW_ITT_MGMT) || idx >= conn->nr_slots)
		return NULL;
	slot = &conn->slots[idx];
	if (!slot->task || slot->itt != itt)
		return NULL;
	return slot->task;
}

/*
 * Which of the two completing contexts we are: RX 0, TX work 1. RX runs in
 * softirq, or in the process that owns the socket lock as it releases it
 * (conn->rx_owner); the TX work never runs in softirq.
 */
static atomic_t *vcsw_done_seq(struct vcsw_conn *conn)
{
	bool rx = in_serving_softirq() || READ_ONCE(conn->rx_owner) == current;

	return &conn->done_seq[rx ? 0 : 1];
}

/*
 * Drop a reference. When it was the last one the ITT slot is freed and,
 * unless the task was dropped, true is returned: the caller must call
 * vcsw_task_finish() once the lock is released. A final reference of a
 * task that was not dropped is only ever dropped by RX or TX.
 */
static bool __vcsw_task_unref(struct vcsw_conn *conn, struct vcsw_task *task)
{
	u32 idx = task->itt & VCSW_ITT_IDX_MASK;

	lockdep_assert_held(&conn->lock);
	if (WARN_ON_ONCE(!task->refs) || --task->refs)
		return false;
	conn->slots[idx].task = NULL;
	__clear_bit(idx, conn->slot_map);
	if (task->flags & VCSW_TASK_DROPPED) {
		conn->dropping--;
		wake_up_all(&conn->wq);
		return false;
	}
	atomic_inc(vcsw_done_seq(conn));	/* odd: task_done() to come */
	return true;
}

static void vcsw_task_finish(struct vcsw_conn *conn, struct scsi_cmnd *sc)
{
	struct vcsw_session *sess = conn->sess;

	sess->be.owner_ops->task_done(&sess->be, sc);
	atomic_inc(vcsw_done_seq(conn));	/* even: returned */
	if (wq_has_sleeper(&conn->wq))
		wake_up_all(&conn->wq);
}

void vcsw_task_put(struct vcsw_task *task)
{
	struct vcsw_conn *conn = task->conn;
	struct scsi_cmnd *sc = task->sc;
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&conn->lock, flags);
	done = __vcsw_task_unref(conn, task);
	spin_unlock_irqrestore(&conn->lock, flags);
	if (done)
		vcsw_task_finish(conn, sc);
}

/*
 * The task ends: its final status arrived (@why VCSW_TASK_RSP) or a TMF
 * took it back (VCSW_TASK_DROPPED). Unlinks it from the TX queues and
 * drops the ownership reference, once. Same return as __vcsw_task_unref().
 */
bool __vcsw_task_end(struct vcsw_conn *conn, struct vcsw_task *task, u16 why)
{
	struct vcsw_session *sess = conn->sess;

	lockdep_assert_held(&conn->lock);
	if (task->flags & (VCSW_TASK_RSP | VCSW_TASK_DROPPED))
		return false;
	task->flags |= why;
	if (why == VCSW_TASK_DROPPED)
		conn->dropping++;
	if (task->flags & VCSW_TASK_ON_TXQ) {
		list_del_init(&task->node);
		task->flags &= ~VCSW_TASK_ON_TXQ;
		if (!(task->flags & VCSW_TASK_SENT)) {
			spin_lock(&sess->sn_lock);
			sess->queued--;
			spin_unlock(&sess->sn_lock);
		}
	}
	task->r2t_count = 0;
	task->r2t_solicited = 0;
	return __vcsw_task_unref(conn, task);
}

/* close(): the owner takes every task back; no task_done. */
void vcsw_conn_forget_tasks(struct vcsw_conn *conn)
{
	struct vcsw_session *sess = conn->sess;
	unsigned long flags;
	u32 idx;

	spin_lock_irqsave(&conn->lock, flags);
	if (conn->slots) {
		for_each_set_bit(idx, conn->slot_map, conn->nr_slots)
			conn->slots[idx].task = NULL;
		bitmap_zero(conn->slot_map, conn->nr_slots);
	}
	INIT_LIST_HEAD(&conn->cmd_queue);
	INIT_LIST_HEAD(&conn->r2t_queue);
	conn->cmds_ahead = 0;
	conn->dropping = 0;
	conn->nop_reply_count = 0;
	conn->ping_pending = false;
	conn->ping_outstanding = false;
	spin_lock(&sess->sn_lock);
	sess->queued = 0;
	sess->window_wait = false;
	spin_unlock(&sess->sn_lock);
	spin_unlock_irqrestore(&conn->lock, flags);
}

/* --- queue --- */

/* The connection for a command; one today, a per-hw-queue choice later. */
static struct vcsw_conn *vcsw_pick_conn(struct vcsw_session *sess,
					struct scsi_cmnd *sc)
{
	return sess->conns[0];
}

/**
 * vcsw_queue - hand a SCSI command to the session
 * @sess: the session
 * @sc: the command; its vconnect_task_priv() area becomes ours
 *
 * Gives the command an ITT and queues it for the TX work, which assigns
 * the CmdSN when the target's window allows.
 *
 * Context: any, including atomic (queuecommand).
 * Return: 0 (owned until task_done() or a successful TMF/close), -EBUSY
 * (command window or ITT slots exhausted: retry later), -ENOTCONN (the
 * connection failed or is closing).
 */
int vcsw_queue(struct vcsw_session *sess, struct scsi_cmnd *sc)
{
	struct vcsw_task *task = vconnect_task_priv(sc);
	struct vcsw_conn *conn = vcsw_pick_conn(sess, sc);
	struct vcsw_slot *slot;
	unsigned long flags;
	u32 idx;
	int ret = 0;

	BUILD_BUG_ON(sizeof(struct vcsw_task) > VCONNECT_TASK_PRIV_SIZE);

	memset(task, 0, sizeof(*task));
	task->sc = sc;
	task->conn = conn;
	task->xfer_len = scsi_bufflen(sc);
	task->refs = 1;
	INIT_LIST_HEAD(&task->node);
	if (sc->sc_data_direction == DMA_BIDIRECTIONAL)
		task->flags |= VCSW_TASK_BAD_DIR;

	spin_lock_irqsave(&conn->lock, flags);
	if (conn->state != VCSW_CONN_UP) {
		ret = -ENOTCONN;
		goto out_unlock;
	}
	spin_lock(&sess->sn_lock);
	if (!iscsi_sna_lte(sess->cmdsn + sess->queued, sess->max_cmdsn)) {
		ret = -EBUSY;
		goto out_sn_unlock;
	}
	idx = find_next_zero_bit(conn->slot_map, conn->nr_slots,
				 conn->slot_hint);
	if (idx >= conn->nr_slots)
		idx = find_first_zero_bit(conn->slot_map, conn->nr_slots);
	if (idx >= conn->nr_slots) {
		ret = -EBUSY;
		goto out_sn_unlock;
	}
	__set_bit(idx, conn->slot_map);
	conn->slot_hint = idx + 1;
	slot = &conn->slots[idx];
	slot->gen = (slot->gen + 1) & VCSW_ITT_GEN_MASK;
	task->itt = ((u32)slot->gen << VCSW_ITT_GEN_SHIFT) | idx;
	slot->itt = task->itt;
	slot->task = task;
	task->flags |= VCSW_TASK_ON_TXQ;
	list_add_tail(&task->node, &conn->cmd_queue);
	sess->queued++;
out_sn_unlock:
	spin_unlock(&sess->sn_lock);
out_unlock:
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!ret)
		vcsw_tx_kick(conn);
	else if (ret == -EBUSY)
		vcsw_stat_inc(sess, busy);
	return ret;
}

/* --- TX --- */

static void vcsw_txpdu_init(struct vcsw_txpdu *pdu)
{
	memset(pdu->hdr, 0, ISCSI_HDR_LEN);
	pdu->ahslen = 0;
	pdu->buf = NULL;
	pdu->sgl = NULL;
	pdu->sg_offset = 0;
	pdu->dlen = 0;
	pdu->more = false;
}

/* CmdSN for an immediate PDU: the next one, not consumed. */
static __be32 __vcsw_cur_cmdsn(struct vcsw_session *sess)
{
	u32 sn;

	spin_lock(&sess->sn_lock);
	sn = sess->cmdsn;
	spin_unlock(&sess->sn_lock);
	return cpu_to_be32(sn);
}

static __be32 vcsw_exp_statsn(struct vcsw_conn *conn)
{
	return cpu_to_be32(READ_ONCE(conn->exp_statsn));
}

/* A NOP-Out answering a target's ping (echoes its TTT and LUN). */
void vcsw_hdr_nop_reply(struct vcsw_txpdu *pdu, __be32 ttt,
			const struct scsi_lun *lun, __be32 cmdsn,
			__be32 exp_statsn)
{
	struct iscsi_nopout *h = (struct iscsi_nopout *)pdu->hdr;

	h->opcode = ISCSI_OP_NOOP_OUT | ISCSI_OP_IMMEDIATE;
	h->flags = ISCSI_FLAG_CMD_FINAL;
	h->lun = *lun;
	h->itt = RESERVED_ITT;
	h->ttt = ttt;
	h->cmdsn = cmdsn;
	h->exp_statsn = exp_statsn;
}

/* An immediate Logout request. */
void vcsw_hdr_logout(struct vcsw_txpdu *pdu, u32 itt, u16 cid, u8 reason,
		     __be32 cmdsn, __be32 exp_statsn)
{
	struct iscsi_logout *h = (struct iscsi_logout *)pdu->hdr;

	h->opcode = ISCSI_OP_LOGOUT | ISCSI_OP_IMMEDIATE;
	h->flags = ISCSI_FLAG_CMD_FINAL | (reason & ISCSI_FLAG_LOGOUT_REASON_MASK);
	h->itt = vcsw_itt_to_wire(itt);
	h->cid = cpu_to_be16(cid);
	h->cmdsn = cmdsn;
	h->exp_statsn = exp_statsn;
}

/* Answers to target pings, TMF/Logout, our ping: conn->lock held. */
static bool __vcsw_tx_prep_ctrl(struct vcsw_conn *conn, struct vcsw_txpdu *pdu)
{
	struct vcsw_session *sess = conn->sess;
	struct iscsi_nopout *nop = (struct iscsi_nopout *)pdu->hdr;

	lockdep_assert_held(&conn->lock);
	if (conn->nop_reply_count) {
		struct vcsw_nop_reply *r = &conn->nop_reply[conn->nop_reply_head];

		vcsw_hdr_nop_reply(pdu, r->ttt, &r->lun, __vcsw_cur_cmdsn(sess),
				   vcsw_exp_statsn(conn));
		conn->nop_reply_head = (conn->nop_reply_head + 1) % VCSW_NOP_REPLIES;
		conn->nop_reply_count--;
		vcsw_stat_inc(sess, nop_out);
		return true;
	}
	if (conn->mgmt_pending && conn->mgmt) {
		struct vcsw_mgmt *m = conn->mgmt;

		conn->mgmt_pending = false;
		if (m->opcode == ISCSI_OP_SCSI_TMFUNC) {
			struct iscsi_tm *h = (struct iscsi_tm *)pdu->hdr;
			bool abort = m->func == ISCSI_TM_FUNC_ABORT_TASK;

			h->opcode = ISCSI_OP_SCSI_TMFUNC | ISCSI_OP_IMMEDIATE;
			h->flags = ISCSI_FLAG_CMD_FINAL | m->func;
			h->lun = m->lun;
			h->itt = vcsw_itt_to_wire(m->itt);
			h->rtt = abort ? vcsw_itt_to_wire(m->rtt) : RESERVED_ITT;
			h->cmdsn = __vcsw_cur_cmdsn(sess);
			h->exp_statsn = vcsw_exp_statsn(conn);
			h->refcmdsn = abort ? cpu_to_be32(m->refcmdsn) : 0;
		} else {
			vcsw_hdr_logout(pdu, m->itt, conn->cid, m->func,
					__vcsw_cur_cmdsn(sess),
					vcsw_exp_statsn(conn));
		}
		return true;
	}
	if (conn->ping_pending) {
		conn->ping_pending = false;
		nop->opcode = ISCSI_OP_NOOP_OUT | ISCSI_OP_IMMEDIATE;
		nop->flags = ISCSI_FLAG_CMD_FINAL;
		nop->itt = vcsw_itt_to_wire(conn->ping_itt);
		nop->ttt = cpu_to_be32(ISCSI_RESERVED_TAG);
		nop->cmdsn = __vcsw_cur_cmdsn(sess);
		nop->exp_statsn = vcsw_exp_statsn(conn);
		vcsw_stat_inc(sess, nop_out);
		return true;
	}
	return false;
}

/* One Data-Out PDU (unsolicited or for an R2T); takes a task reference. */
static struct vcsw_task *__vcsw_tx_prep_data_out(struct vcsw_conn *conn,
						 struct vcsw_txpdu *pdu)
{
	struct iscsi_data *h = (struct iscsi_data *)pdu->hdr;
	struct vcsw_task *task, *tmp;

	lockdep_assert_held(&conn->lock);
	list_for_each_entry_safe(task, tmp, &conn->r2t_queue, node) {
		struct vcsw_r2t *r;
		bool final;
		u32 len;

		list_del_init(&task->node);
		if ((task->flags & (VCSW_TASK_RSP | VCSW_TASK_DROPPED)) ||
		    !task->r2t_count) {
			task->flags &= ~VCSW_TASK_ON_TXQ;
			continue;
		}
		r = &task->r2t[task->r2t_head];
		len = min(r->length - r->sent, conn->max_xmit_dsl);
		final = r->sent + len == r->length;

		h->opcode = ISCSI_OP_SCSI_DATA_OUT;
		h->flags = final ? ISCSI_FLAG_CMD_FINAL : 0;
		int_to_scsilun(task->sc->device->lun, &h->lun);
		h->itt = vcsw_itt_to_wire(task->itt);
		h->ttt = cpu_to_be32(r->ttt);
		h->exp_statsn = vcsw_exp_statsn(conn);
		h->datasn = cpu_to_be32(r->datasn);
		h->offset = cpu_to_be32(r->offset + r->sent);
		pdu->sgl = scsi_sglist(task->sc);
		pdu->sg_offset = r->offset + r->sent;
		pdu->dlen = len;

		r->sent += len;
		r->datasn++;
		if (final) {
			if (r->ttt != ISCSI_RESERVED_TAG)
				task->r2t_solicited--;
			task->r2t_head = (task->r2t_head + 1) % ARRAY_SIZE(task->r2t);
			task->r2t_count--;
		}
		if (task->r2t_count)
			list_add_tail(&task->node, &conn->r2t_queue);
		else
			task->flags &= ~VCSW_TASK_ON_TXQ;
		task->refs++;
		vcsw_stat_inc(conn->sess, data_out);
		return task;
	}
	return NULL;
}

static void vcsw_build_cdb(struct vcsw_txpdu *pdu, struct scsi_cmnd *sc)
{
	struct iscsi_scsi_req *h = (struct iscsi_scsi_req *)pdu->hdr;
	unsigned int len = min_t(unsigned int, sc->cmd_len, sizeof(sc->cmnd));

	memcpy(h->cdb, sc->cmnd, min_t(unsigned int, len, ISCSI_CDB_SIZE));
	if (len > ISCSI_CDB_SIZE) {
		u8 *ahs = pdu->hdr + ISCSI_HDR_LEN;
		unsigned int extra = len - ISCSI_CDB_SIZE;

		BUILD_BUG_ON(4 + sizeof(sc->cmnd) - ISCSI_CDB_SIZE > VCSW_TX_AHS_MAX);
		pdu->ahslen = ALIGN(4 + extra, 4);
		memset(ahs, 0, pdu->ahslen);
		/* AHSLength counts the reserved byte and the CDB spill-over. */
		put_unaligned_be16(extra + 1, ahs);
		ahs[2] = ISCSI_AHSTYPE_CDB;
		memcpy(ahs + 4, sc->cmnd + ISCSI_CDB_SIZE, extra);
	}
}

/*
 * The next command, if the window allows: CmdSN, SCSI Command PDU with
 * immediate data; the rest of the first burst goes on the r2t_queue as an
 * unsolicited "R2T". Returns true if there is a PDU to send. A command
 * with immediate data is referenced in *ref, as its buffer is sent without
 * the lock; one without needs no reference (the header is a copy), so the
 * response may complete it before the send returns. A bidirectional
 * command is failed here; *finish is then the command to hand back.
 */
static bool __vcsw_tx_prep_cmd(struct vcsw_conn *conn, struct vcsw_txpdu *pdu,
			       struct vcsw_task **ref, struct scsi_cmnd **finish)
{
	struct iscsi_scsi_req *h = (struct iscsi_scsi_req *)pdu->hdr;
	struct vcsw_session *sess = conn->sess;
	struct vconnect_iscsi_params *neg = &sess->neg;
	struct vcsw_task *task;
	struct scsi_cmnd *sc;
	u32 cmdsn;

	lockdep_assert_held(&conn->lock);
	if (list_empty(&conn->cmd_queue))
		return false;
	task = list_first_entry(&conn->cmd_queue, struct vcsw_task, node);
	sc = task->sc;
	if (task->flags & VCSW_TASK_BAD_DIR) {
		vcsw_warn(sess, "bidirectional commands are not supported\n");
		sc->result = DID_ERROR << 16;
		if (__vcsw_task_end(conn, task, VCSW_TASK_RSP))
			*finish = sc;
		return false;
	}

	spin_lock(&sess->sn_lock);
	if (!iscsi_sna_lte(sess->cmdsn, sess->max_cmdsn)) {
		/* Window closed: RX kicks us when MaxCmdSN moves. */
		sess->window_wait = true;
		spin_unlock(&sess->sn_lock);
		return false;
	}
	cmdsn = sess->cmdsn++;
	sess->queued--;
	spin_unlock(&sess->sn_lock);

	list_del_init(&task->node);
	task->flags &= ~VCSW_TASK_ON_TXQ;
	task->flags |= VCSW_TASK_SENT;
	task->cmdsn = cmdsn;

	h->opcode = ISCSI_OP_SCSI_CMD;
	h->flags = ISCSI_ATTR_SIMPLE;
	int_to_scsilun(sc->device->lun, &h->lun);
	h->itt = vcsw_itt_to_wire(task->itt);
	h->data_length = cpu_to_be32(task->xfer_len);
	h->cmdsn = cpu_to_be32(cmdsn);
	h->exp_statsn = vcsw_exp_statsn(conn);
	vcsw_build_cdb(pdu, sc);

	if (sc->sc_data_direction == DMA_TO_DEVICE && task->xfer_len) {
		u32 imm = 0, unsol;

		if (neg->immediate_data)
			imm = min3(task->xfer_len, neg->first_burst_length,
				   conn->max_xmit_dsl);
		unsol = neg->initial_r2t ? imm :
			min(task->xfer_len, neg->first_burst_length);
		task->imm_len = imm;
		task->unsol_len = unsol;
		task->r2t_next_offset = unsol;
		h->flags |= ISCSI_FLAG_CMD_WRITE;
		if (unsol == imm) {
			h->flags |= ISCSI_FLAG_CMD_FINAL;
		} else {
			struct vcsw_r2t *r = &task->r2t[0];

			r->ttt = ISCSI_RESERVED_TAG;
			r->offset = imm;
			r->length = unsol - imm;
			task->r2t_head = 0;
			task->r2t_count = 1;
			task->flags |= VCSW_TASK_ON_TXQ;
			list_add_tail(&task->node, &conn->r2t_queue);
		}
		pdu->sgl = scsi_sglist(sc);
		pdu->sg_offset = 0;
		pdu->dlen = imm;
	} else {
		h->flags |= ISCSI_FLAG_CMD_FINAL;
		if (sc->sc_data_direction == DMA_FROM_DEVICE && task->xfer_len)
			h->flags |= ISCSI_FLAG_CMD_READ;
	}
	if (pdu->dlen) {
		task->refs++;
		*ref = task;
	}
	return true;
}

/* Whether another PDU may be ready to send: conn->lock held. */
static bool __vcsw_tx_pending(struct vcsw_conn *conn)
{
	return !list_empty(&conn->cmd_queue) || !list_empty(&conn->r2t_queue) ||
	       conn->nop_reply_count || (conn->mgmt_pending && conn->mgmt) ||
	       conn->ping_pending;
}

/*
 * Send one PDU. Returns 1 if there was something to do, 0 if not, -errno.
 * *@corked: what was sent last is waiting in TCP for more (see
 * vcsw_pdu_send()).
 */
static int vcsw_tx_one(struct vcsw_conn *conn, bool *corked)
{
	struct scsi_cmnd *finish = NULL;
	struct vcsw_task *task = NULL;
	struct vcsw_txpdu pdu;
	unsigned long flags;
	bool send = false;
	int err;

	vcsw_txpdu_init(&pdu);
	spin_lock_irqsave(&conn->lock, flags);
	if (conn->state == VCSW_CONN_UP) {
		send = __vcsw_tx_prep_ctrl(conn, &pdu);
		if (!send && conn->cmds_ahead >= VCSW_CMDS_AHEAD_MAX)
			task = __vcsw_tx_prep_data_out(conn, &pdu);
		if (!send && !task) {
			send = __vcsw_tx_prep_cmd(conn, &pdu, &task, &finish);
			if (send && !list_empty(&conn->r2t_queue))
				conn->cmds_ahead++;
		}
		if (!send && !task && !finish)
			task = __vcsw_tx_prep_data_out(conn, &pdu);
		if (!send && task)
			conn->cmds_ahead = 0;
		pdu.more = (send || task) && __vcsw_tx_pending(conn);
	}
	spin_unlock_irqrestore(&conn->lock, flags);

	if (finish) {
		vcsw_task_finish(conn, finish);
		return 1;
	}
	if (!send && !task)
		return 0;
	err = vcsw_pdu_send(conn, &pdu);
	if (task)
		vcsw_task_put(task);
	*corked = pdu.more;
	return err ?: 1;
}

void vcsw_tx_work(struct work_struct *work)
{
	struct vcsw_conn *conn = container_of(work, struct vcsw_conn, tx_work);
	unsigned int noreclaim = memalloc_noreclaim_save();
	int budget = VCSW_TX_BUDGET;
	bool corked = false;
	int ret;

	while ((ret = vcsw_tx_one(conn, &corked)) > 0) {
		if (!--budget) {
			/* Let other work run; come back for the rest. */
			vcsw_tx_kick(conn);
			break;
		}
		cond_resched();
	}
	/* The last PDU expected company that did not come (window, budget). */
	if (corked && ret >= 0)
		vcsw_pdu_push(conn);
	memalloc_noreclaim_restore(noreclaim);
	if (ret < 0) {
		if (READ_ONCE(conn->state) == VCSW_CONN_UP)
			vcsw_info(conn->sess, "send failed (%d)\n", ret);
		vcsw_conn_fail(conn, ret);
	}
}

/* --- RX --- */

/* The task an ITT names, with a reference, if it may take this PDU. */
static struct vcsw_task *vcsw_rx_get_task(struct vcsw_conn *conn, const char *what)
{
	u32 itt = vcsw_itt_from_wire(conn->rx_hdr.itt);
	struct vcsw_task *task;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	task = __vcsw_task_lookup(conn, itt);
	if (task && (task->flags & VCSW_TASK_SENT) &&
	    !(task->flags & (VCSW_TASK_RSP | VCSW_TASK_DROPPED)))
		task->refs++;
	else
		task = NULL;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!task)
		vcsw_warn(conn->sess, "%s for unknown ITT %#x\n", what, itt);
	return task;
}

/*
 * Final status of a task RX holds a reference to: mark the response, drop
 * the ownership reference and RX's own, in one lock section.
 */
static void vcsw_task_complete_put(struct vcsw_conn *conn,
				   struct vcsw_task *task)
{
	struct scsi_cmnd *sc = task->sc;
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&conn->lock, flags);
	/* Not the last reference: RX still holds its own. */
	WARN_ON_ONCE(__vcsw_task_end(conn, task, VCSW_TASK_RSP));
	done = __vcsw_task_unref(conn, task);
	spin_unlock_irqrestore(&conn->lock, flags);
	if (done)
		vcsw_task_finish(conn, sc);
}

/*
 * Residual count: what the target says (U bit), but for a read never less
 * than what it did not actually send, so that unwritten buffer bytes are
 * never reported as data.
 */
static void vcsw_set_resid(struct vcsw_conn *conn, struct vcsw_task *task,
			   u8 flags, u32 residual, u8 status)
{
	struct scsi_cmnd *sc = task->sc;
	u32 resid = 0;

	if (flags & ISCSI_FLAG_CMD_UNDERFLOW)
		resid = min(residual, task->xfer_len);
	if (sc->sc_data_direction == DMA_FROM_DEVICE) {
		u32 missing = task->xfer_len - task->rx_bytes;

		if (missing > resid) {
			if (status == SAM_STAT_GOOD)
				vcsw_warn(conn->sess, "ITT %#x: %u of %u bytes read, residual claimed %u\n",
					  task->itt, task->rx_bytes,
					  task->xfer_len, resid);
			resid = missing;
		}
	}
	scsi_set_resid(sc, resid);
}

/*
 * A Data-In header: check it against the task and point RX at the task's
 * scatterlist, with a reference (conn->rx_task) until the PDU is done.
 */
static int vcsw_rx_data_in_hdr(struct vcsw_conn *conn)
{
	struct iscsi_data_rsp *h = (struct iscsi_data_rsp *)&conn->rx_hdr;
	struct vcsw_session *sess = conn->sess;
	u32 dlen = conn->rx_dlen;
	u32 offset = be32_to_cpu(h->offset);
	u32 datasn = be32_to_cpu(h->datasn);
	bool status = h->flags & ISCSI_FLAG_DATA_STATUS;
	struct vcsw_task *task;
	struct scsi_cmnd *sc;

	task = vcsw_rx_get_task(conn, "Data-In");
	if (!task)
		return vcsw_proto_err(conn);
	sc = task->sc;
	if (sc->sc_data_direction != DMA_FROM_DEVICE) {
		vcsw_warn(sess, "ITT %#x: Data-In for a command that reads nothing\n",
			  task->itt);
		goto out_put;
	}
	if (datasn != task->exp_datasn) {
		vcsw_warn(sess, "ITT %#x: DataSN %u, expected %u\n", task->itt,
			  datasn, task->exp_datasn);
		goto out_put;
	}
	if (offset != task->rx_bytes) {
		vcsw_warn(sess, "ITT %#x: Data-In offset %u, expected %u\n",
			  task->itt, offset, task->rx_bytes);
		goto out_put;
	}
	if (dlen > task->xfer_len - offset) {
		vcsw_warn(sess, "ITT %#x: Data-In %u bytes at %u beyond the %u-byte buffer\n",
			  task->itt, dlen, offset, task->xfer_len);
		goto out_put;
	}
	if (status && !(h->flags & ISCSI_FLAG_CMD_FINAL)) {
		vcsw_warn(sess, "ITT %#x: Data-In with S but not F\n", task->itt);
		goto out_put;
	}
	if (dlen && vcsw_sg_seek(&conn->rx_sg, scsi_sglist(sc), offset, dlen)) {
		vcsw_warn(sess, "ITT %#x: Data-In at %u beyond the scatterlist\n",
			  task->itt, offset);
		goto out_put;
	}
	conn->rx_task = task;
	return 0;

out_put:
	vcsw_task_put(task);
	return vcsw_proto_err(conn);
}

/* The Data-In payload (and its digest) arrived. */
static int vcsw_rx_data_in(struct vcsw_conn *conn)
{
	struct iscsi_data_rsp *h = (struct iscsi_data_rsp *)&conn->rx_hdr;
	struct vcsw_task *task = conn->rx_task;

	conn->rx_task = NULL;
	task->exp_datasn++;
	task->rx_bytes += conn->rx_dlen;
	vcsw_stat_inc(conn->sess, data_in);

	if (h->flags & ISCSI_FLAG_DATA_STATUS) {
		vcsw_update_statsn(conn);
		task->sc->result = h->cmd_status;
		vcsw_set_resid(conn, task, h->flags,
			       be32_to_cpu(h->residual_count), h->cmd_status);
		vcsw_task_complete_put(conn, task);
		return 0;
	}
	vcsw_task_put(task);
	return 0;
}

/* RX stops in the middle of a PDU: give back what it holds. */
void vcsw_rx_abort(struct vcsw_conn *conn)
{
	struct vcsw_task *task = conn->rx_task;

	conn->rx_task = NULL;
	if (task)
		vcsw_task_put(task);
}

static int vcsw_rx_scsi_rsp(struct vcsw_conn *conn)
{
	struct iscsi_scsi_rsp *h = (struct iscsi_scsi_rsp *)&conn->rx_hdr;
	struct vcsw_session *sess = conn->sess;
	u32 dlen = conn->rx_dlen;
	struct vcsw_task *task;
	struct scsi_cmnd *sc;
	u16 slen = 0;

	vcsw_update_statsn(conn);
	if (dlen) {
		slen = dlen >= 2 ? get_unaligned_be16(conn->rx_buf) : 0;
		if (dlen < 2 || slen > dlen - 2) {
			vcsw_warn(sess, "SCSI Response: sense length %u in a %u-byte segment\n",
				  slen, dlen);
			return vcsw_proto_err(conn);
		}
	}
	task = vcsw_rx_get_task(conn, "SCSI Response");
	if (!task)
		return vcsw_proto_err(conn);
	sc = task->sc;

	if (h->response != ISCSI_STATUS_CMD_COMPLETED) {
		vcsw_warn(sess, "ITT %#x: target failure, response %#x\n",
			  task->itt, h->response);
		sc->result = DID_ERROR << 16;
	} else {
		sc->result = h->cmd_status;
		if (slen) {
			memset(sc->sense_buffer, 0, SCSI_SENSE_BUFFERSIZE);
			memcpy(sc->sense_buffer, conn->rx_buf + 2,
			       min_t(u16, slen, SCSI_SENSE_BUFFERSIZE));
		}
	}
	if (sc->sc_data_direction == DMA_FROM_DEVICE &&
	    be32_to_cpu(h->exp_datasn) != task->exp_datasn)
		vcsw_dbg(sess, "ITT %#x: ExpDataSN %u, we got %u Data-In\n",
			 task->itt, be32_to_cpu(h->exp_datasn), task->exp_datasn);
	vcsw_set_resid(conn, task, h->flags, be32_to_cpu(h->residual_count),
		       h->cmd_status);
	vcsw_task_complete_put(conn, task);
	return 0;
}

static int vcsw_rx_r2t(struct vcsw_conn *conn)
{
	struct iscsi_r2t_rsp *h = (struct iscsi_r2t_rsp *)&conn->rx_hdr;
	struct vcsw_session *sess = conn->sess;
	u32 r2tsn = be32_to_cpu(h->r2tsn);
	u32 off = be32_to_cpu(h->data_offset);
	u32 len = be32_to_cpu(h->data_length);
	u32 ttt = be32_to_cpu(h->ttt);
	const char *why = NULL;
	struct vcsw_task *task;
	unsigned long flags;

	if (conn->rx_dlen) {
		vcsw_warn(sess, "R2T with a data segment\n");
		return vcsw_proto_err(conn);
	}
	task = vcsw_rx_get_task(conn, "R2T");
	if (!task)
		return vcsw_proto_err(conn);

	spin_lock_irqsave(&conn->lock, flags);
	if (task->sc->sc_data_direction != DMA_TO_DEVICE)
		why = "R2T for a command that writes nothing";
	else if (r2tsn != task->exp_r2tsn)
		why = "R2TSN out of order";
	else if (ttt == ISCSI_RESERVED_TAG)
		why = "R2T with the reserved TTT";
	else if (!len || len > sess->neg.max_burst_length)
		why = "R2T length 0 or beyond MaxBurstLength";
	else if (off != task->r2t_next_offset)
		why = "R2T offset out of order";
	else if (len > task->xfer_len - off)
		why = "R2T beyond the buffer";
	else if (task->r2t_solicited >= sess->neg.max_outstanding_r2t)
		why = "more R2Ts than MaxOutstandingR2T";
	if (!why && !(task->flags & (VCSW_TASK_RSP | VCSW_TASK_DROPPED))) {
		u8 slot = (task->r2t_head + task->r2t_count) % ARRAY_SIZE(task->r2t);
		struct vcsw_r2t *r = &task->r2t[slot];

		r->ttt = ttt;
		r->offset = off;
		r->length = len;
		r->sent = 0;
		r->datasn = 0;
		task->r2t_count++;
		task->r2t_solicited++;
		task->exp_r2tsn++;
		task->r2t_next_offset += len;
		if (!(task->flags & VCSW_TASK_ON_TXQ)) {
			task->flags |= VCSW_TASK_ON_TXQ;
			list_add_tail(&task->node, &conn->r2t_queue);
		}
	}
	spin_unlock_irqrestore(&conn->lock, flags);

	if (why) {
		vcsw_warn(sess, "ITT %#x: %s (R2TSN %u offset %u length %u)\n",
			  task->itt, why, r2tsn, off, len);
		vcsw_task_put(task);
		return vcsw_proto_err(conn);
	}
	vcsw_stat_inc(sess, r2t);
	vcsw_task_put(task);
	vcsw_tx_kick(conn);
	return 0;
}

static int vcsw_rx_nop_in(struct vcsw_conn *conn)
{
	struct iscsi_nopin *h = (struct iscsi_nopin *)&conn->rx_hdr;
	struct vcsw_session *sess = conn->sess;
	u32 itt = vcsw_itt_from_wire(h->itt);
	unsigned long flags;
	bool ok = true;

	vcsw_stat_inc(sess, nop_in);

	if (h->itt != RESERVED_ITT) {
		/* The answer to our ping. */
		spin_lock_irqsave(&conn->lock, flags);
		if (conn->ping_outstanding && itt == conn->ping_itt)
			conn->ping_outstanding = false;
		else
			ok = false;
		spin_unlock_irqrestore(&conn->lock, flags);
		if (!ok || h->ttt != cpu_to_be32(ISCSI_RESERVED_TAG)) {
			vcsw_warn(sess, "NOP-In for unknown ITT %#x\n", itt);
			return vcsw_proto_err(conn);
		}
		vcsw_update_statsn(conn);
		wake_up_all(&conn->wq);	/* vcsw_conn_ping() */
		return 0;
	}
	if (h->ttt == cpu_to_be32(ISCSI_RESERVED_TAG))
		return 0;	/* only a window/StatSN update */

	/* A ping from the target: answer it from TX. */
	spin_lock_irqsave(&conn->lock, flags);
	if (conn->nop_reply_count < VCSW_NOP_REPLIES) {
		u8 slot = (conn->nop_reply_head + conn->nop_reply_count) %
			  VCSW_NOP_REPLIES;

		conn->nop_reply[slot].ttt = h->ttt;
		conn->nop_reply[slot].lun = h->lun;
		conn->nop_reply_count++;
	} else {
		ok = false;
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!ok)
		vcsw_warn(sess, "too many unanswered target pings, dropping one\n");
	vcsw_tx_kick(conn);
	return 0;
}

/* Complete the waiting TMF or Logout, if any; conn->lock held. */
void __vcsw_mgmt_complete(struct vcsw_conn *conn, int status, u8 response)
{
	struct vcsw_mgmt *m = conn->mgmt;

	lockdep_assert_held(&conn->lock);
	if (!m)
		return;
	m->status = status;
	m->response = response;
	conn->mgmt = NULL;
	conn->mgmt_pending = false;
	complete(&m->done);
}

/* TMF and Logout responses complete the waiting vcsw_mgmt. */
static int vcsw_rx_mgmt_rsp(struct vcsw_conn *conn, u8 opcode, u8 response)
{
	u32 itt = vcsw_itt_from_wire(conn->rx_hdr.itt);
	struct vcsw_mgmt *m;
	unsigned long flags;
	int err = 0;

	if (conn->rx_dlen) {
		vcsw_warn(conn->sess, "opcode %#x with a data segment\n",
			  conn->rx_hdr.opcode);
		return vcsw_proto_err(conn);
	}
	vcsw_update_statsn(conn);
	spin_lock_irqsave(&conn->lock, flags);
	m = conn->mgmt;
	if (m && m->itt == itt && m->opcode == opcode && !conn->mgmt_pending)
		__vcsw_mgmt_complete(conn, 0, response);
	else
		err = -EPROTO;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (err) {
		vcsw_warn(conn->sess, "unexpected response opcode %#x ITT %#x\n",
			  conn->rx_hdr.opcode, itt);
		return vcsw_proto_err(conn);
	}
	return 0;
}

static void vcsw_event(struct vcsw_session *sess,
		       enum vconnect_session_event ev, u64 lun)
{
	if (test_bit(VCSW_SESS_CLOSING, &sess->flags) ||
	    !sess->be.owner_ops->event)
		return;
	sess->be.owner_ops->event(&sess->be, ev, lun);
}

static int vcsw_rx_async(struct vcsw_conn *conn)
{
	struct iscsi_async *h = (struct iscsi_async *)&conn->rx_hdr;
	struct vcsw_session *sess = conn->sess;
	u32 dlen = conn->rx_dlen;
	struct scsi_sense_hdr sshdr;
	u64 lun = scsilun_to_int(&h->lun);
	u16 slen;

	vcsw_update_statsn(conn);
	vcsw_stat_inc(sess, async_events);

	switch (h->async_event) {
	case ISCSI_ASYNC_MSG_SCSI_EVENT:
		slen = dlen >= 2 ? get_unaligned_be16(conn->rx_buf) : 0;
		if (dlen < 2 || slen > dlen - 2) {
			vcsw_warn(sess, "SCSI async event without valid sense data\n");
			return vcsw_proto_err(conn);
		}
		if (scsi_normalize_sense(conn->rx_buf + 2, slen, &sshdr) &&
		    sshdr.asc == 0x3f && sshdr.ascq == 0x0e) {
			vcsw_info(sess, "target: reported LUNs data has changed\n");
			vcsw_event(sess, VCONNECT_EV_LUNS_CHANGED, lun);
		} else {
			vcsw_dbg(sess, "SCSI async event, sense %x/%x/%x\n",
				 sshdr.sense_key, sshdr.asc, sshdr.ascq);
		}
		return 0;
	case ISCSI_ASYNC_MSG_REQUEST_LOGOUT:
		vcsw_info(sess, "target requests logout within %u s\n",
			  be16_to_cpu(h->param3));
		vcsw_event(sess, VCONNECT_EV_TARGET_LOGOUT_REQ, lun);
		return 0;
	case ISCSI_ASYNC_MSG_DROPPING_CONNECTION:
	case ISCSI_ASYNC_MSG_DROPPING_ALL_CONNECTIONS:
		vcsw_info(sess, "target is dropping the %s (event %u), Time2Wait %u s\n",
			  h->async_event == ISCSI_ASYNC_MSG_DROPPING_CONNECTION ?
			  "connection" : "session", h->async_event,
			  be16_to_cpu(h->param2));
		/* Before the failure, so that the owner waits Time2Wait. */
		vcsw_event(sess, VCONNECT_EV_TARGET_DROPPING,
			   be16_to_cpu(h->param2));
		return -ECONNRESET;
	case ISCSI_ASYNC_MSG_PARAM_NEGOTIATION:
		vcsw_event(sess, VCONNECT_EV_PARAM_RENEGOTIATE, lun);
		return 0;
	case ISCSI_ASYNC_MSG_VENDOR_SPECIFIC:
		return 0;
	default:
		vcsw_warn(sess, "unknown async event %u\n", h->async_event);
		return 0;
	}
}

static int vcsw_rx_reject(struct vcsw_conn *conn)
{
	struct iscsi_reject *h = (struct iscsi_reject *)&conn->rx_hdr;
	struct vcsw_session *sess = conn->sess;
	struct iscsi_hdr *rej;
	unsigned long flags;
	struct vcsw_mgmt *m;
	u8 rop;
	u32 ritt;

	vcsw_update_statsn(conn);
	vcsw_stat_inc(sess, rejects);
	if (conn->rx_dlen < ISCSI_HDR_LEN) {
		vcsw_warn(sess, "Reject (reason %u) without the rejected header\n",
			  h->reason);
		return vcsw_proto_err(conn);
	}
	rej = (struct iscsi_hdr *)conn->rx_buf;
	rop = rej->opcode & ISCSI_OPCODE_MASK;
	ritt = vcsw_itt_from_wire(rej->itt);
	vcsw_warn(sess, "target rejected opcode %#x ITT %#x, reason %u\n",
		  rop, ritt, h->reason);

	spin_lock_irqsave(&conn->lock, flags);
	if (rop == ISCSI_OP_NOOP_OUT && conn->ping_outstanding &&
	    ritt == conn->ping_itt) {
		conn->ping_outstanding = false;
		spin_unlock_irqrestore(&conn->lock, flags);
		wake_up_all(&conn->wq);
		return 0;
	}
	m = conn->mgmt;
	if ((rop == ISCSI_OP_SCSI_TMFUNC || rop == ISCSI_OP_LOGOUT) && m &&
	    m->itt == ritt) {
		__vcsw_mgmt_complete(conn, -EREMOTEIO, 0);
		spin_unlock_irqrestore(&conn->lock, flags);
		return 0;
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	/* A command or its data was refused: at ERL 0 the connection goes. */
	return -EIO;
}

/**
 * vcsw_rx_hdr - a PDU's header arrived and passed the framing checks
 * @conn: the connection
 *
 * Checks the opcode, takes the window from the header and, for Data-In,
 * sets RX up to receive the payload into the command's buffer.
 *
 * Context: RX.
 * Return: 0, or -errno: the connection is to be dropped.
 */
int vcsw_rx_hdr(struct vcsw_conn *conn)
{
	struct vcsw_session *sess = conn->sess;
	u8 op = conn->rx_hdr.opcode & ISCSI_OPCODE_MASK;

	switch (op) {
	case ISCSI_OP_SCSI_DATA_IN:
	case ISCSI_OP_SCSI_CMD_RSP:
	case ISCSI_OP_R2T:
	case ISCSI_OP_NOOP_IN:
	case ISCSI_OP_SCSI_TMFUNC_RSP:
	case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_ASYNC_EVENT:
	case ISCSI_OP_REJECT:
		break;
	default:
		vcsw_warn(sess, "unexpected opcode %#x from target\n",
			  conn->rx_hdr.opcode);
		return vcsw_proto_err(conn);
	}
	if (vcsw_update_cmdsn(sess, &conn->rx_hdr))
		vcsw_tx_kick(conn);
	if (op == ISCSI_OP_SCSI_DATA_IN)
		return vcsw_rx_data_in_hdr(conn);
	return 0;
}

/**
 * vcsw_rx_pdu_done - a whole PDU arrived and passed the digest checks
 * @conn: the connection
 *
 * Its data segment is in the command's buffer (Data-In) or in conn->rx_buf.
 *
 * Context: RX.
 * Return: 0, or -errno: the connection is to be dropped.
 */
int vcsw_rx_pdu_done(struct vcsw_conn *conn)
{
	switch (conn->rx_hdr.opcode & ISCSI_OPCODE_MASK) {
	case ISCSI_OP_SCSI_DATA_IN:
		return vcsw_rx_data_in(conn);
	case ISCSI_OP_SCSI_CMD_RSP:
		return vcsw_rx_scsi_rsp(conn);
	case ISCSI_OP_R2T:
		return vcsw_rx_r2t(conn);
	case ISCSI_OP_NOOP_IN:
		return vcsw_rx_nop_in(conn);
	case ISCSI_OP_SCSI_TMFUNC_RSP:
		return vcsw_rx_mgmt_rsp(conn, ISCSI_OP_SCSI_TMFUNC,
					((struct iscsi_tm_rsp *)&conn->rx_hdr)->response);
	case ISCSI_OP_LOGOUT_RSP:
		return vcsw_rx_mgmt_rsp(conn, ISCSI_OP_LOGOUT,
					((struct iscsi_logout_rsp *)&conn->rx_hdr)->response);
	case ISCSI_OP_ASYNC_EVENT:
		return vcsw_rx_async(conn);
	case ISCSI_OP_REJECT:
		return vcsw_rx_reject(conn);
	}
	return -EPROTO;	/* vcsw_rx_hdr() let it through: cannot happen */
}

/*
 * NOP-Out pings: when nothing arrived for noop_interval, send one; no
 * answer, and no other whole PDU, within noop_timeout fails the
 * connection. A peer that stops in the middle of a PDU stops updating
 * last_rx, so it is caught too.
 */
void vcsw_nop_work(struct work_struct *work)
{
	struct vcsw_conn *conn = container_of(to_delayed_work(work),
					      struct vcsw_conn, nop_work);
	struct vcsw_session *sess = conn->sess;
	unsigned long now = jiffies, next;
	bool kick = false, timeout = false;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	if (conn->state != VCSW_CONN_UP) {
		spin_unlock_irqrestore(&conn->lock, flags);
		return;
	}
	if (conn->ping_outstanding) {
		next = conn->ping_start + sess->noop_timeout;
		timeout = time_after_eq(now, next);
		/*
		 * Whole PDUs arrived since the ping went out: the target is
		 * alive and busy, its answer queued behind them. Give it
		 * another period rather than drop a working connection.
		 */
		if (timeout && time_after(READ_ONCE(conn->last_rx),
					  conn->ping_start)) {
			conn->ping_start = READ_ONCE(conn->last_rx);
			next = conn->ping_start + sess->noop_timeout;
			timeout = !time_after(next, now);
		}
	} else {
		next = READ_ONCE(conn->last_rx) + sess->noop_interval;
		if (time_after_eq(now, next)) {
			conn->ping_itt = vcsw_mgmt_itt(conn, VCSW_MGMT_PING);
			conn->ping_pending = true;
			conn->ping_outstanding = true;
			conn->ping_start = now;
			next = now + sess->noop_timeout;
			kick = true;
		}
	}
	spin_unlock_irqrestore(&conn->lock, flags);

	if (timeout) {
		vcsw_warn(sess, "no NOP-In within %u ms, dropping the connection\n",
			  jiffies_to_msecs(sess->noop_timeout));
		vcsw_conn_fail(conn, -ETIMEDOUT);
		return;
	}
	if (kick)
		vcsw_tx_kick(conn);
	queue_delayed_work(vcsw_wq, &conn->nop_work,
			   time_after(next, now) ? next - now : 1);
}

/*
 * One NOP-Out ping, waiting up to @timeout for the answer. Used right after
 * login: a target may open its command window only after the login (LIO
 * does), and the answer carries the window it really gives.
 */
int vcsw_conn_ping(struct vcsw_conn *conn, unsigned long timeout)
{
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	if (conn->state != VCSW_CONN_UP || conn->ping_outstanding) {
		spin_unlock_irqrestore(&conn->lock, flags);
		return -EBUSY;
	}
	conn->ping_itt = vcsw_mgmt_itt(conn, VCSW_MGMT_PING);
	conn->ping_pending = true;
	conn->ping_outstanding = true;
	conn->ping_start = jiffies;
	spin_unlock_irqrestore(&conn->lock, flags);
	vcsw_tx_kick(conn);

	/* A late answer is harmless: the NOP timer owns the ping then. */
	if (!wait_event_timeout(conn->wq, !READ_ONCE(conn->ping_outstanding) ||
				READ_ONCE(conn->state) != VCSW_CONN_UP, timeout))
		return -ETIMEDOUT;
	return READ_ONCE(conn->state) == VCSW_CONN_UP ? 0 : -ENOTCONN;
}
