// SPDX-License-Identifier: GPL-2.0
/*
 * Task management (RFC 7143 section 11.5): ABORT TASK, LOGICAL UNIT RESET,
 * TARGET WARM RESET, sent as immediate PDUs by the TX work; RX (the
 * socket's data_ready callback) completes the waiting request.
 *
 * On Function Complete the tasks covered are dropped: taken out of the
 * ITT table without task_done(). Before returning we wait until no RX or
 * TX context still uses their buffers (conn->dropping reaches 0), so the
 * midlayer may reuse them at once. Requests are serialized by
 * sess->tmf_mutex. A TMF that gets no answer, or tasks that stay busy,
 * fail the connection (ERL 0) and the call returns -ETIMEDOUT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/module.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>

#include "software.h"

static unsigned int vcsw_tmf_timeout_ms = 10000;
module_param_named(tmf_timeout_ms, vcsw_tmf_timeout_ms, uint, 0644);
MODULE_PARM_DESC(tmf_timeout_ms,
		 "How long a task management request waits for its response. Default: 10000");

/*
 * Queue @m for TX and wait up to @timeout for its response. Returns 0 with
 * m->response set, -ETIMEDOUT, -ENOTCONN (connection lost) or -EREMOTEIO
 * (the target rejected the PDU).
 */
int vcsw_mgmt_run(struct vcsw_conn *conn, struct vcsw_mgmt *m,
		  unsigned long timeout)
{
	unsigned long flags;
	int status;

	init_completion(&m->done);
	m->status = -ETIMEDOUT;
	spin_lock_irqsave(&conn->lock, flags);
	if (conn->state != VCSW_CONN_UP || conn->mgmt) {
		spin_unlock_irqrestore(&conn->lock, flags);
		return -ENOTCONN;
	}
	m->itt = vcsw_mgmt_itt(conn, VCSW_MGMT_REQ);
	conn->mgmt = m;
	conn->mgmt_pending = true;
	spin_unlock_irqrestore(&conn->lock, flags);
	vcsw_tx_kick(conn);

	wait_for_completion_timeout(&m->done, timeout);

	/* Whoever clears conn->mgmt under the lock owns the outcome. */
	spin_lock_irqsave(&conn->lock, flags);
	if (conn->mgmt == m)
		__vcsw_mgmt_complete(conn, -ETIMEDOUT, 0);
	status = m->status;
	spin_unlock_irqrestore(&conn->lock, flags);
	return status;
}

static unsigned long vcsw_tmf_timeout(void)
{
	return msecs_to_jiffies(vcsw_tmf_timeout_ms ?: 1);
}

/*
 * Done when no dropped task is still referenced by RX or TX, and neither
 * of them is still inside a task_done() call that had started at @snap.
 */
static bool vcsw_drops_done(struct vcsw_conn *conn, const int *snap)
{
	unsigned long flags;
	bool done;
	int i;

	spin_lock_irqsave(&conn->lock, flags);
	done = !conn->dropping;
	spin_unlock_irqrestore(&conn->lock, flags);
	for (i = 0; i < ARRAY_SIZE(conn->done_seq); i++)
		if ((snap[i] & 1) && atomic_read(&conn->done_seq[i]) == snap[i])
			done = false;
	return done;
}

/* Wait until dropped tasks are released and completions have returned. */
static int vcsw_wait_drops(struct vcsw_conn *conn)
{
	int snap[ARRAY_SIZE(conn->done_seq)];
	unsigned long flags;
	int i;

	/* Under the lock: a slot release and its odd count go together. */
	spin_lock_irqsave(&conn->lock, flags);
	for (i = 0; i < ARRAY_SIZE(snap); i++)
		snap[i] = atomic_read(&conn->done_seq[i]);
	spin_unlock_irqrestore(&conn->lock, flags);

	if (wait_event_timeout(conn->wq, vcsw_drops_done(conn, snap),
			       vcsw_tmf_timeout()))
		return 0;
	vcsw_warn(conn->sess, "tasks still busy %u ms after task management\n",
		  vcsw_tmf_timeout_ms);
	vcsw_conn_fail(conn, -ETIMEDOUT);
	return -ETIMEDOUT;
}

static bool vcsw_task_gone(struct vcsw_conn *conn, struct vcsw_task *task,
			   u32 itt)
{
	unsigned long flags;
	bool gone;

	spin_lock_irqsave(&conn->lock, flags);
	gone = __vcsw_task_lookup(conn, itt) != task;
	spin_unlock_irqrestore(&conn->lock, flags);
	return gone;
}

/*
 * Wait until @task has left the ITT table: a task whose final status came
 * in may still be referenced by TX (sending its data), and task_done() is
 * called only when that reference goes.
 */
static int vcsw_wait_gone(struct vcsw_conn *conn, struct vcsw_task *task,
			  u32 itt)
{
	if (wait_event_timeout(conn->wq, vcsw_task_gone(conn, task, itt),
			       vcsw_tmf_timeout()))
		return 0;
	vcsw_warn(conn->sess, "ITT %#x still busy %u ms after ABORT TASK\n",
		  itt, vcsw_tmf_timeout_ms);
	vcsw_conn_fail(conn, -ETIMEDOUT);
	return -ETIMEDOUT;
}

static int vcsw_tmf_send(struct vcsw_conn *conn, struct vcsw_mgmt *m,
			 const char *what)
{
	struct vcsw_session *sess = conn->sess;
	int err;

	vcsw_stat_inc(sess, tmfs);
	err = vcsw_mgmt_run(conn, m, vcsw_tmf_timeout());
	if (err == -ETIMEDOUT) {
		vcsw_warn(sess, "%s: no response in %u ms, dropping the connection\n",
			  what, vcsw_tmf_timeout_ms);
		vcsw_conn_fail(conn, -ETIMEDOUT);
	} else if (err) {
		vcsw_info(sess, "%s failed (%d)\n", what, err);
	} else if (m->response != ISCSI_TMF_RSP_COMPLETE) {
		vcsw_info(sess, "%s: target response %u\n", what, m->response);
	}
	return err;
}

static struct vcsw_conn *vcsw_task_conn(struct vcsw_session *sess,
					struct vcsw_task *task)
{
	unsigned int i;

	/* Compare pointers only: the area may belong to another backend. */
	for (i = 0; i < sess->nr_conns; i++)
		if (sess->conns[i] == task->conn)
			return sess->conns[i];
	return NULL;
}

/**
 * vcsw_abort - ABORT TASK for one command
 * @sess: the session
 * @sc: a command queued with vcsw_queue()
 *
 * A command that never got a CmdSN is dropped locally. On Function
 * Complete the command is dropped without task_done(); if it completed
 * meanwhile, task_done() was called and 0 is returned as well.
 *
 * Context: process context; sleeps up to twice tmf_timeout_ms.
 * Return: 0 when the command is no longer held by the session; -EIO when
 * the target refused, -ETIMEDOUT (the connection is then failed),
 * -ENOTCONN or -EREMOTEIO (the target rejected the request).
 */
int vcsw_abort(struct vcsw_session *sess, struct scsi_cmnd *sc)
{
	struct vcsw_task *task = vconnect_task_priv(sc);
	struct vcsw_mgmt m = {
		.opcode = ISCSI_OP_SCSI_TMFUNC,
		.func = ISCSI_TM_FUNC_ABORT_TASK,
	};
	struct vcsw_conn *conn;
	unsigned long flags;
	bool send = false;
	u32 itt;
	int err;

	conn = vcsw_task_conn(sess, task);
	if (!conn)
		return 0;	/* not one of ours */

	mutex_lock(&sess->tmf_mutex);
	spin_lock_irqsave(&conn->lock, flags);
	itt = task->itt;
	if (__vcsw_task_lookup(conn, itt) == task && task->sc == sc) {
		if (!(task->flags & VCSW_TASK_SENT)) {
			/* No CmdSN yet: the target never heard of it. */
			__vcsw_task_end(conn, task, VCSW_TASK_DROPPED);
		} else if (!(task->flags & VCSW_TASK_RSP)) {
			int_to_scsilun(sc->device->lun, &m.lun);
			m.rtt = itt;
			m.refcmdsn = task->cmdsn;
			send = true;
		}
	}
	spin_unlock_irqrestore(&conn->lock, flags);

	if (send) {
		err = vcsw_tmf_send(conn, &m, "ABORT TASK");
		if (err)
			goto out_unlock;
		spin_lock_irqsave(&conn->lock, flags);
		if (__vcsw_task_lookup(conn, itt) == task) {
			if (m.response == ISCSI_TMF_RSP_COMPLETE)
				__vcsw_task_end(conn, task, VCSW_TASK_DROPPED);
			else if (!(task->flags & VCSW_TASK_RSP))
				err = -EIO;
		}
		spin_unlock_irqrestore(&conn->lock, flags);
		if (err)
			goto out_unlock;
	}
	/* Dropped, completed, or completing: wait until it is handed back. */
	err = vcsw_wait_gone(conn, task, itt) ?: vcsw_wait_drops(conn);
out_unlock:
	mutex_unlock(&sess->tmf_mutex);
	return err;
}

static bool vcsw_covers(struct vcsw_task *task, bool all, u64 lun)
{
	return all || task->sc->device->lun == lun;
}

static void vcsw_drop_lun(struct vcsw_conn *conn, bool all, u64 lun)
{
	unsigned long flags;
	u32 idx;

	spin_lock_irqsave(&conn->lock, flags);
	if (conn->slots) {
		for_each_set_bit(idx, conn->slot_map, conn->nr_slots) {
			struct vcsw_task *task = conn->slots[idx].task;

			if (task && vcsw_covers(task, all, lun))
				__vcsw_task_end(conn, task, VCSW_TASK_DROPPED);
		}
	}
	spin_unlock_irqrestore(&conn->lock, flags);
}

/* Some task of the LUN (or any) is still in the table. */
static bool vcsw_lun_busy(struct vcsw_conn *conn, bool all, u64 lun)
{
	unsigned long flags;
	bool busy = false;
	u32 idx;

	spin_lock_irqsave(&conn->lock, flags);
	if (conn->slots) {
		for_each_set_bit(idx, conn->slot_map, conn->nr_slots) {
			struct vcsw_task *task = conn->slots[idx].task;

			if (task && vcsw_covers(task, all, lun)) {
				busy = true;
				break;
			}
		}
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	return busy;
}

/*
 * After a reset: wait until every covered task has left the table (those
 * whose status had come in are completed with task_done() when TX lets go
 * of them), then until completions in progress have returned.
 */
static int vcsw_wait_lun(struct vcsw_conn *conn, bool all, u64 lun)
{
	if (!wait_event_timeout(conn->wq, !vcsw_lun_busy(conn, all, lun),
				vcsw_tmf_timeout())) {
		vcsw_warn(conn->sess, "tasks still busy %u ms after a reset\n",
			  vcsw_tmf_timeout_ms);
		vcsw_conn_fail(conn, -ETIMEDOUT);
		return -ETIMEDOUT;
	}
	return vcsw_wait_drops(conn);
}

static int vcsw_reset(struct vcsw_session *sess, u8 func, bool all, u64 lun,
		      const char *what)
{
	struct vcsw_mgmt m = { .opcode = ISCSI_OP_SCSI_TMFUNC, .func = func };
	unsigned int i;
	int err;

	if (!all)
		int_to_scsilun(lun, &m.lun);
	mutex_lock(&sess->tmf_mutex);
	err = vcsw_tmf_send(sess->conns[0], &m, what);
	if (err)
		goto out_unlock;
	if (m.response != ISCSI_TMF_RSP_COMPLETE) {
		err = -EIO;
		goto out_unlock;
	}
	for (i = 0; i < sess->nr_conns; i++)
		vcsw_drop_lun(sess->conns[i], all, lun);
	for (i = 0; i < sess->nr_conns && !err; i++)
		err = vcsw_wait_lun(sess->conns[i], all, lun);
out_unlock:
	mutex_unlock(&sess->tmf_mutex);
	return err;
}

/**
 * vcsw_lun_reset - LOGICAL UNIT RESET
 * @sess: the session
 * @lun: the LUN
 *
 * On Function Complete every command for @lun is dropped without
 * task_done().
 *
 * Context: process context; sleeps.
 * Return: 0 on Function Complete, else as vcsw_abort().
 */
int vcsw_lun_reset(struct vcsw_session *sess, u64 lun)
{
	return vcsw_reset(sess, ISCSI_TM_FUNC_LOGICAL_UNIT_RESET, false, lun,
			  "LOGICAL UNIT RESET");
}

/**
 * vcsw_target_reset - TARGET WARM RESET
 * @sess: the session
 *
 * On Function Complete every command of the session is dropped without
 * task_done().
 *
 * Context: process context; sleeps.
 * Return: 0 on Function Complete, else as vcsw_abort().
 */
int vcsw_target_reset(struct vcsw_session *sess)
{
	return vcsw_reset(sess, ISCSI_TM_FUNC_TARGET_WARM_RESET, true, 0,
			  "TARGET WARM RESET");
}
