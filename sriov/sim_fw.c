// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated VF's firmware: it carries the iSCSI sessions of its VF by
 * running the software protocol engine (backend "software") through the
 * public backend contract, with owner callbacks of its own.
 *
 *   mailbox    login, logout and task management, one command at a time
 *              on the VF's ordered firmware workqueue (sim_vf.c posts and
 *              waits);
 *   doorbell   a session's work on vcsim_dp_wq: delivers completions that
 *              were parked while the firmware was hung, then passes the
 *              submission ring to the engine (engine busy: the task stays
 *              in the ring; retried on the next completion or after
 *              VCSIM_BUSY_RETRY_MS);
 *   completion the engine's task_done (any context) is counted here and
 *              delivered to the vconnect owner, parked while hung, dropped
 *              once the firmware lost the session (reset, link, removal:
 *              the task then stays ours until close() hands it back);
 *   heartbeat  a timer that ticks every VCSIM_HEARTBEAT_MS unless hung.
 *
 * Every task the driver owns has an entry in sess->owned (keyed by the
 * scsi_cmnd pointer) that says where it is; the scsi_cmnd's private area
 * belongs to the engine and is never touched here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kmod.h>
#include <linux/slab.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>

#include "sim.h"

/* ---- task table and rings (sess->lock held) ---- */

static u32 vcsim_ring_count(const struct vcsim_ring *r)
{
	return r->tail - r->head;
}

static void vcsim_ring_push(struct vcsim_ring *r, struct vcsim_task *t)
{
	t->idx = r->tail % VCSIM_RING_SIZE;
	r->slot[t->idx] = t;
	r->tail++;
}

static struct vcsim_task *vcsim_ring_peek(const struct vcsim_ring *r)
{
	return r->slot[r->head % VCSIM_RING_SIZE];
}

static void vcsim_ring_pop(struct vcsim_ring *r)
{
	r->slot[r->head % VCSIM_RING_SIZE] = NULL;
	r->head++;
}

/* Take @t out of the middle of @r; later entries move up. */
static void vcsim_ring_remove(struct vcsim_ring *r, struct vcsim_task *t)
{
	u32 pos = r->head + (t->idx - r->head % VCSIM_RING_SIZE +
			     VCSIM_RING_SIZE) % VCSIM_RING_SIZE;
	struct vcsim_task *next;

	for (; pos + 1 != r->tail; pos++) {
		next = r->slot[(pos + 1) % VCSIM_RING_SIZE];
		next->idx = pos % VCSIM_RING_SIZE;
		r->slot[next->idx] = next;
	}
	r->tail--;
	r->slot[r->tail % VCSIM_RING_SIZE] = NULL;
}

void vcsim_sess_init_tasks(struct vcsim_sess *sess)
{
	unsigned int i;

	hash_init(sess->owned);
	INIT_HLIST_HEAD(&sess->free);
	for (i = 0; i < VCSIM_RING_SIZE; i++)
		hlist_add_head(&sess->tasks[i].hnode, &sess->free);
}

static struct vcsim_task *vcsim_task_lookup(struct vcsim_sess *sess,
					    struct scsi_cmnd *sc)
{
	struct vcsim_task *t;

	hash_for_each_possible(sess->owned, t, hnode, (unsigned long)sc)
		if (t->sc == sc)
			return t;
	return NULL;
}

/* Forget @t wherever it is; the owner has it (back). */
static void vcsim_task_free(struct vcsim_sess *sess, struct vcsim_task *t)
{
	if (t->where == VCSIM_T_SQ)
		vcsim_ring_remove(&sess->sq, t);
	else if (t->where == VCSIM_T_CQ)
		vcsim_ring_remove(&sess->cq, t);
	hash_del(&t->hnode);
	t->sc = NULL;
	t->where = VCSIM_T_FREE;
	hlist_add_head(&t->hnode, &sess->free);
	sess->nr_owned--;
}

/* ---- the driver's side of the datapath ---- */

void vcsim_fw_kick(struct vcsim_sess *sess)
{
	queue_work(vcsim_dp_wq, &sess->db_work);
}

/*
 * queue(): put @sc on the submission ring and ring the doorbell.
 * Atomic context.
 */
int vcsim_sess_submit(struct vcsim_sess *sess, struct scsi_cmnd *sc)
{
	struct vcsim_task *t;
	unsigned long flags;

	spin_lock_irqsave(&sess->lock, flags);
	if (unlikely(sess->state != VCSIM_SESS_LIVE)) {
		spin_unlock_irqrestore(&sess->lock, flags);
		return -ENOTCONN;
	}
	if (unlikely(hlist_empty(&sess->free))) {
		spin_unlock_irqrestore(&sess->lock, flags);
		atomic64_inc(&sess->vf->busy);
		return -EBUSY;
	}
	t = hlist_entry(sess->free.first, struct vcsim_task, hnode);
	hlist_del(&t->hnode);
	t->sc = sc;
	t->where = VCSIM_T_SQ;
	hash_add(sess->owned, &t->hnode, (unsigned long)sc);
	sess->nr_owned++;
	vcsim_ring_push(&sess->sq, t);
	spin_unlock_irqrestore(&sess->lock, flags);
	vcsim_fw_kick(sess);
	return 0;
}

/*
 * abort(), first step: a task still in the submission ring or parked as
 * completed is simply taken out (the owner has it back). *@in_engine
 * tells whether the engine must abort it. 0 in every case.
 */
int vcsim_sess_withdraw(struct vcsim_sess *sess, struct scsi_cmnd *sc,
			bool *in_engine)
{
	struct vcsim_task *t;
	unsigned long flags;

	*in_engine = false;
	spin_lock_irqsave(&sess->lock, flags);
	t = vcsim_task_lookup(sess, sc);
	if (t) {
		if (t->where == VCSIM_T_ENGINE)
			*in_engine = true;
		else
			vcsim_task_free(sess, t);
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	return 0;
}

/* After a successful abort in the engine: @sc is the owner's again. */
void vcsim_sess_forget(struct vcsim_sess *sess, struct scsi_cmnd *sc)
{
	struct vcsim_task *t;
	unsigned long flags;

	spin_lock_irqsave(&sess->lock, flags);
	t = vcsim_task_lookup(sess, sc);
	if (t)
		vcsim_task_free(sess, t);
	spin_unlock_irqrestore(&sess->lock, flags);
}

/*
 * After a successful TMF: forget the tasks it covers (the engine dropped
 * them or completed them into the parked queue). Submissions are held
 * (tmf_active) while the TMF runs, so nothing left the ring meanwhile.
 * @all: every task (target reset); else those of @lun.
 */
void vcsim_sess_reclaim(struct vcsim_sess *sess, bool all, u64 lun)
{
	struct vcsim_task *t;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&sess->lock, flags);
	for (i = 0; i < VCSIM_RING_SIZE; i++) {
		t = &sess->tasks[i];
		if (t->where == VCSIM_T_FREE)
			continue;
		if (all || t->sc->device->lun == lun)
			vcsim_task_free(sess, t);
	}
	spin_unlock_irqrestore(&sess->lock, flags);
}

/* close(): after the engine session is closed, hand everything back. */
unsigned int vcsim_sess_drop_all(struct vcsim_sess *sess)
{
	unsigned int n;
	unsigned long flags;

	spin_lock_irqsave(&sess->lock, flags);
	n = sess->nr_owned;
	spin_unlock_irqrestore(&sess->lock, flags);
	vcsim_sess_reclaim(sess, true, 0);
	return n;
}

/* ---- completions ---- */

static void vcsim_fw_deliver(struct vcsim_sess *sess, struct scsi_cmnd *sc)
{
	struct vcsim_vf *vf = sess->vf;
	unsigned int done = scsi_bufflen(sc) - scsi_get_resid(sc);

	atomic64_inc(&vf->cmds);
	if (sc->sc_data_direction == DMA_FROM_DEVICE)
		atomic64_add(done, &vf->read_bytes);
	else if (sc->sc_data_direction == DMA_TO_DEVICE)
		atomic64_add(done, &vf->write_bytes);
	sess->be.owner_ops->task_done(&sess->be, sc);
}

/* The engine finished a task. Any context, including softirq. */
static void vcsim_fw_task_done(struct vconnect_be_session *eng,
			       struct scsi_cmnd *sc)
{
	struct vcsim_sess *sess = eng->owner;
	struct vcsim_vf *vf = sess->vf;
	struct vcsim_task *t;
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&sess->lock, flags);
	t = vcsim_task_lookup(sess, sc);
	if (WARN_ON_ONCE(!t || t->where != VCSIM_T_ENGINE)) {
		spin_unlock_irqrestore(&sess->lock, flags);
		return;
	}
	if (sess->state == VCSIM_SESS_DEAD) {
		/* Firmware state lost: ours until close() hands it back. */
		spin_unlock_irqrestore(&sess->lock, flags);
		atomic64_inc(&vf->dropped);
		return;
	}
	if (sess->state == VCSIM_SESS_LIVE && READ_ONCE(vf->hung)) {
		t->where = VCSIM_T_CQ;
		vcsim_ring_push(&sess->cq, t);
		spin_unlock_irqrestore(&sess->lock, flags);
		atomic64_inc(&vf->parked);
		return;
	}
	vcsim_task_free(sess, t);
	kick = sess->state == VCSIM_SESS_LIVE && !sess->tmf_active &&
	       vcsim_ring_count(&sess->sq);
	spin_unlock_irqrestore(&sess->lock, flags);
	vcsim_fw_deliver(sess, sc);
	if (kick)
		vcsim_fw_kick(sess);
}

/* The engine's session cannot carry I/O any more. Any context. */
static void vcsim_fw_failed(struct vconnect_be_session *eng, int err)
{
	struct vcsim_sess *sess = eng->owner;
	unsigned long flags;
	bool report = false;

	spin_lock_irqsave(&sess->lock, flags);
	if (sess->state == VCSIM_SESS_OPENING && !sess->failed_pending) {
		/* Reported once the login is through (vcsim_fw_login()). */
		sess->failed_pending = err;
	} else if (sess->state == VCSIM_SESS_LIVE && !sess->failed_reported) {
		sess->failed_reported = true;
		report = true;
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	if (!report)
		return;
	vcsim_info(sess->vf, "session to %s failed (%d)\n", sess->target, err);
	sess->be.owner_ops->failed(&sess->be, err);
}

static void vcsim_fw_event(struct vconnect_be_session *eng,
			   enum vconnect_session_event ev, u64 lun)
{
	struct vcsim_sess *sess = eng->owner;

	if (READ_ONCE(sess->state) == VCSIM_SESS_LIVE && sess->be.owner_ops->event)
		sess->be.owner_ops->event(&sess->be, ev, lun);
}

static const struct vconnect_session_owner_ops vcsim_fw_owner_ops = {
	.task_done	= vcsim_fw_task_done,
	.failed		= vcsim_fw_failed,
	.event		= vcsim_fw_event,
};

/* ---- doorbell ---- */

void vcsim_fw_doorbell_work(struct work_struct *work)
{
	struct vcsim_sess *sess = container_of(work, struct vcsim_sess, db_work);
	struct vcsim_vf *vf = sess->vf;
	struct vcsim_task *t;
	struct scsi_cmnd *sc;
	unsigned long flags;
	int ret;

	for (;;) {
		spin_lock_irqsave(&sess->lock, flags);
		if (sess->state != VCSIM_SESS_LIVE || READ_ONCE(vf->hung)) {
			spin_unlock_irqrestore(&sess->lock, flags);
			return;
		}
		if (!vcsim_ring_count(&sess->cq))
			break;
		/* Completions parked while the firmware was hung. */
		t = vcsim_ring_peek(&sess->cq);
		sc = t->sc;
		vcsim_task_free(sess, t);
		spin_unlock_irqrestore(&sess->lock, flags);
		vcsim_fw_deliver(sess, sc);
	}

	/* sess->lock held: the engine's queue() never calls back. */
	while (!sess->tmf_active && vcsim_ring_count(&sess->sq)) {
		t = vcsim_ring_peek(&sess->sq);
		ret = sess->engine->ops->queue(sess->eng, t->sc);
		if (ret == -EBUSY) {
			atomic64_inc(&vf->engine_busy);
			if (!timer_pending(&sess->retry_timer))
				mod_timer(&sess->retry_timer, jiffies +
					  msecs_to_jiffies(VCSIM_BUSY_RETRY_MS));
			break;
		}
		if (ret)	/* engine session failed: it reports failed() */
			break;
		vcsim_ring_pop(&sess->sq);
		t->where = VCSIM_T_ENGINE;
	}
	spin_unlock_irqrestore(&sess->lock, flags);
}

void vcsim_fw_retry_timer(struct timer_list *tl)
{
	struct vcsim_sess *sess = from_timer(sess, tl, retry_timer);

	vcsim_fw_kick(sess);
}

/* Doorbell every live session of @vf (firmware resumed). */
void vcsim_fw_kick_all(struct vcsim_vf *vf)
{
	struct vcsim_sess *sess;
	unsigned long flags;

	spin_lock_irqsave(&vf->lock, flags);
	list_for_each_entry(sess, &vf->sessions, node)
		if (READ_ONCE(sess->state) == VCSIM_SESS_LIVE)
			vcsim_fw_kick(sess);
	spin_unlock_irqrestore(&vf->lock, flags);
}

/* ---- mailbox ---- */

static struct vconnect_backend *vcsim_fw_engine_get(struct vcsim_vf *vf)
{
	struct vconnect_backend *engine;

	engine = vconnect_backend_get("software");
	if (!engine) {
		request_module("vconnect_software");
		engine = vconnect_backend_get("software");
	}
	if (!engine)
		pr_err("%s: firmware cannot start a session: the software iSCSI engine is not loaded (modprobe vconnect_software)\n",
		       vf->name);
	return engine;
}

/* Is the firmware state @m was posted against gone? */
static bool vcsim_fw_lost(struct vcsim_vf *vf, struct vcsim_mbox *m)
{
	unsigned long flags;
	bool lost;

	spin_lock_irqsave(&vf->lock, flags);
	lost = vf->gen != m->gen || vf->resetting || vf->gone;
	spin_unlock_irqrestore(&vf->lock, flags);
	return lost;
}

static int vcsim_fw_login(struct vcsim_vf *vf, struct vcsim_mbox *m)
{
	struct vcsim_sess *sess = m->sess;
	struct vconnect_session_desc edesc = *m->desc;
	struct vconnect_backend *engine;
	struct vconnect_be_session *eng;
	unsigned long flags;
	int pending, ret = 0;

	if (READ_ONCE(vf->link_down))
		return -ENETUNREACH;
	if (atomic_dec_if_positive(&vf->fail_next_login) >= 0) {
		vcsim_info(vf, "injected firmware login failure for %s (%d more to fail)\n",
			   sess->target, atomic_read(&vf->fail_next_login));
		return -EIO;
	}
	engine = vcsim_fw_engine_get(vf);
	if (!engine)
		return -ENODEV;

	/* The identity is the VF's, the rest the caller's. */
	edesc.initiator_name = sess->id.name;
	edesc.initiator_alias = sess->id.alias[0] ? sess->id.alias : NULL;
	edesc.chap = sess->id.has_chap ? &sess->id.chap : NULL;
	eng = engine->ops->open(&edesc, &vcsim_fw_owner_ops, sess, m->info);
	if (IS_ERR(eng)) {
		vconnect_backend_put(engine);
		return PTR_ERR(eng);
	}
	sess->engine = engine;
	sess->eng = eng;

	/* Link it, unless the firmware lost its state during the login. */
	mutex_lock(&vf->mutex);
	spin_lock_irqsave(&vf->lock, flags);
	if (vf->gen != m->gen || vf->resetting || vf->gone)
		ret = -EIO;
	else if (vf->link_down)
		ret = -ENETUNREACH;
	if (!ret) {
		list_add_tail(&sess->node, &vf->sessions);
		vf->nr_sessions++;
	}
	spin_unlock_irqrestore(&vf->lock, flags);
	if (!ret) {
		spin_lock_irqsave(&sess->lock, flags);
		sess->state = VCSIM_SESS_LIVE;
		pending = sess->failed_pending;
		if (pending)
			sess->failed_reported = true;
		spin_unlock_irqrestore(&sess->lock, flags);
		if (pending)
			sess->be.owner_ops->failed(&sess->be, pending);
	}
	mutex_unlock(&vf->mutex);
	if (ret) {
		vcsim_info(vf, "firmware state lost during the login to %s\n",
			   sess->target);
		engine->ops->close(eng, false);
		vconnect_backend_put(engine);
		sess->engine = NULL;
		sess->eng = NULL;
	}
	return ret;
}

void vcsim_fw_mbox_work(struct work_struct *work)
{
	struct vcsim_mbox *m = container_of(work, struct vcsim_mbox, work);
	struct vcsim_vf *vf = m->vf;
	struct vcsim_sess *sess = m->sess;
	const struct vconnect_backend_ops *ops = NULL;
	int ret;

	vcsim_slow_fw(vf, "a mailbox command");
	/* A hung firmware takes no command; a reset ends the hang. */
	wait_event(vf->wq, !READ_ONCE(vf->hung) || READ_ONCE(vf->gen) != m->gen);
	if (m->op != VCSIM_MBOX_LOGIN)
		ops = sess->engine->ops;
	if (vcsim_fw_lost(vf, m)) {
		ret = -EIO;
		goto out;
	}
	switch (m->op) {
	case VCSIM_MBOX_LOGIN:
		ret = vcsim_fw_login(vf, m);
		break;
	case VCSIM_MBOX_LOGOUT:
		ops->close(sess->eng, m->logout);
		sess->eng_closed = true;
		ret = 0;
		break;
	case VCSIM_MBOX_ABORT:
		ret = ops->abort(sess->eng, m->sc);
		break;
	case VCSIM_MBOX_LUN_RESET:
		ret = ops->lun_reset(sess->eng, m->lun);
		break;
	case VCSIM_MBOX_TARGET_RESET:
		ret = ops->target_reset(sess->eng);
		break;
	default:
		ret = -EOPNOTSUPP;
		break;
	}
out:
	m->result = ret;
	complete(&m->done);
}

/* ---- heartbeat ---- */

static void vcsim_fw_heartbeat(struct timer_list *tl)
{
	struct vcsim_vf *vf = from_timer(vf, tl, hb_timer);

	if (!READ_ONCE(vf->hung) && !READ_ONCE(vf->resetting))
		atomic_inc(&vf->heartbeat);
	mod_timer(&vf->hb_timer, jiffies + msecs_to_jiffies(VCSIM_HEARTBEAT_MS));
}

void vcsim_fw_init(struct vcsim_vf *vf)
{
	timer_setup(&vf->hb_timer, vcsim_fw_heartbeat, 0);
	mod_timer(&vf->hb_timer, jiffies + msecs_to_jiffies(VCSIM_HEARTBEAT_MS));
}

void vcsim_fw_stop(struct vcsim_vf *vf)
{
	timer_shutdown_sync(&vf->hb_timer);
}
