// SPDX-License-Identifier: GPL-2.0
/*
 * The driver side of a simulated VF: the vconnect_offload_ops vconnect
 * calls, the mailbox to the VF's firmware (sim_fw.c), the firmware
 * watchdog, VF creation and removal, and the faults debugfs injects.
 *
 * When the firmware loses its state (VF reset, firmware error, link down,
 * surprise removal) every live session on the VF becomes DEAD: its
 * owner's failed() is called once, queue() returns -ENOTCONN, the engine's
 * completions are no longer delivered and the tasks stay ours until the
 * owner's close(), which hands them all back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>

#include "sim.h"

static const char *const vcsim_mbox_names[] = {
	[VCSIM_MBOX_LOGIN]		= "login",
	[VCSIM_MBOX_LOGOUT]		= "logout",
	[VCSIM_MBOX_ABORT]		= "abort task",
	[VCSIM_MBOX_LUN_RESET]		= "LUN reset",
	[VCSIM_MBOX_TARGET_RESET]	= "target reset",
};

static struct vcsim_sess *to_vcsim_sess(struct vconnect_be_session *s)
{
	return container_of(s, struct vcsim_sess, be);
}

const char *vcsim_vf_state(struct vcsim_vf *vf)
{
	if (READ_ONCE(vf->gone))
		return "removed";
	if (READ_ONCE(vf->resetting))
		return "resetting";
	if (READ_ONCE(vf->link_down))
		return "link-down";
	if (READ_ONCE(vf->hung))
		return "hung";
	return "up";
}

/*
 * Post a mailbox command and wait for it. A command the firmware has not
 * taken within VCSIM_MBOX_PICKUP_MS is withdrawn (-ETIMEDOUT); one it has
 * taken runs to its end (the engine's operations are bounded).
 */
static int vcsim_mbox_run(struct vcsim_vf *vf, struct vcsim_mbox *m)
{
	unsigned long flags;
	int ret;

	INIT_WORK_ONSTACK(&m->work, vcsim_fw_mbox_work);
	init_completion(&m->done);
	m->vf = vf;
	spin_lock_irqsave(&vf->lock, flags);
	m->gen = vf->gen;
	spin_unlock_irqrestore(&vf->lock, flags);
	queue_work(vf->fw_wq, &m->work);
	if (!wait_for_completion_timeout(&m->done,
					 msecs_to_jiffies(VCSIM_MBOX_PICKUP_MS))) {
		if (cancel_work(&m->work)) {
			vcsim_warn(vf, "mailbox: firmware did not take the %s command in %u ms\n",
				   vcsim_mbox_names[m->op], VCSIM_MBOX_PICKUP_MS);
			ret = -ETIMEDOUT;
			goto out;
		}
		wait_for_completion(&m->done);
	}
	ret = m->result;
out:
	flush_work(&m->work);
	destroy_work_on_stack(&m->work);
	return ret;
}

/* ---- vconnect_offload_ops ---- */

/*
 * The interface's promise: no op on a function once
 * vconnect_offload_fn_remove() has returned. A test device says so
 * loudly when it is broken (the function is freed by then).
 */
static void vcsim_check_fn(struct vcsim_vf *vf, const char *op)
{
	WARN(READ_ONCE(vf->fn_removed),
	     "%s: vconnect called %s() after vconnect_offload_fn_remove() returned\n",
	     vf->name, op);
}

static int vcsim_set_identity(struct vconnect_offload_fn *fn,
			      const struct vconnect_offload_identity *id)
{
	struct vcsim_vf *vf = fn->drv_priv;
	struct vcsim_identity *vid = &vf->id;

	vcsim_check_fn(vf, "set_identity");
	if (id && (!id->initiator_name || !id->initiator_name[0] ||
		   strlen(id->initiator_name) >= sizeof(vid->name) ||
		   (id->initiator_alias &&
		    strlen(id->initiator_alias) >= sizeof(vid->alias))))
		return -EINVAL;

	mutex_lock(&vf->id_mutex);
	memzero_explicit(vid, sizeof(*vid));	/* the old CHAP secrets too */
	if (id) {
		vid->set = true;
		strscpy(vid->name, id->initiator_name, sizeof(vid->name));
		if (id->initiator_alias)
			strscpy(vid->alias, id->initiator_alias,
				sizeof(vid->alias));
		if (id->chap && id->chap->user[0]) {
			vid->has_chap = true;
			vid->chap = *id->chap;
		}
	}
	mutex_unlock(&vf->id_mutex);
	if (id)
		vcsim_info(vf, "identity programmed: initiator %s%s\n",
			   id->initiator_name, vid->has_chap ? ", CHAP" : "");
	else
		vcsim_info(vf, "identity cleared\n");
	if (id)
		vcsim_slow_fw(vf, "programming the identity");
	return 0;
}

/* A session's copy of the identity holds CHAP secrets: zero it first. */
static void vcsim_sess_free(struct vcsim_sess *sess)
{
	memzero_explicit(&sess->id, sizeof(sess->id));
	kvfree(sess);
}

static struct vconnect_be_session *
vcsim_open(struct vconnect_offload_fn *fn,
	   const struct vconnect_session_desc *desc,
	   const struct vconnect_session_owner_ops *owner_ops, void *owner,
	   struct vconnect_session_info *info)
{
	struct vcsim_vf *vf = fn->drv_priv;
	struct vcsim_mbox m = { .op = VCSIM_MBOX_LOGIN };
	struct vcsim_sess *sess;
	int ret;

	if (!desc || !desc->initiator_name || !desc->target_name ||
	    !owner_ops || !owner_ops->task_done || !owner_ops->failed)
		return ERR_PTR(-EINVAL);

	sess = kvzalloc(sizeof(*sess), GFP_KERNEL);
	if (!sess)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&vf->id_mutex);
	if (!vf->id.set || strcmp(vf->id.name, desc->initiator_name)) {
		vcsim_warn(vf, "open as %s refused: the VF is programmed with %s\n",
			   desc->initiator_name,
			   vf->id.set ? vf->id.name : "no identity");
		mutex_unlock(&vf->id_mutex);
		kvfree(sess);
		return ERR_PTR(-EINVAL);
	}
	sess->id = vf->id;
	mutex_unlock(&vf->id_mutex);

	sess->be.owner_ops = owner_ops;
	sess->be.owner = owner;
	sess->vf = vf;
	INIT_LIST_HEAD(&sess->node);
	strscpy(sess->target, desc->target_name, sizeof(sess->target));
	memcpy(sess->isid, desc->isid, VCONNECT_ISID_LEN);
	spin_lock_init(&sess->lock);
	sess->state = VCSIM_SESS_OPENING;
	vcsim_sess_init_tasks(sess);
	INIT_WORK(&sess->db_work, vcsim_fw_doorbell_work);
	timer_setup(&sess->retry_timer, vcsim_fw_retry_timer, 0);
	kobject_get(&vf->kobj);

	m.sess = sess;
	m.desc = desc;
	m.info = info;
	ret = vcsim_mbox_run(vf, &m);
	vcsim_check_fn(vf, "open");
	if (ret) {
		atomic64_inc(&vf->login_failures);
		vcsim_info(vf, "login to %s failed (%d), isid %6phN\n",
			   sess->target, ret, sess->isid);
		kobject_put(&vf->kobj);
		vcsim_sess_free(sess);
		return ERR_PTR(ret);
	}
	atomic64_inc(&vf->logins);
	vcsim_info(vf, "session to %s logged in, isid %6phN, tsih %u\n",
		   sess->target, sess->isid, info ? info->tsih : 0);
	return &sess->be;
}

static int vcsim_queue(struct vconnect_be_session *s, struct scsi_cmnd *sc)
{
	return vcsim_sess_submit(to_vcsim_sess(s), sc);
}

static bool vcsim_sess_live(struct vcsim_sess *sess)
{
	unsigned long flags;
	bool live;

	spin_lock_irqsave(&sess->lock, flags);
	live = sess->state == VCSIM_SESS_LIVE;
	spin_unlock_irqrestore(&sess->lock, flags);
	return live;
}

static int vcsim_abort(struct vconnect_be_session *s, struct scsi_cmnd *sc)
{
	struct vcsim_sess *sess = to_vcsim_sess(s);
	struct vcsim_mbox m = { .op = VCSIM_MBOX_ABORT, .sess = sess, .sc = sc };
	bool in_engine;
	int ret;

	if (!vcsim_sess_live(sess))
		return -EIO;
	/* Still in the submission ring (or completed and parked): ours. */
	vcsim_sess_withdraw(sess, sc, &in_engine);
	if (!in_engine) {
		vcsim_info(sess->vf, "abort task on session to %s: taken back from the firmware's queues\n",
			   sess->target);
		return 0;
	}
	ret = vcsim_mbox_run(sess->vf, &m);
	vcsim_info(sess->vf, "abort task on session to %s: engine says %d\n",
		   sess->target, ret);
	if (!ret) {
		/* Dropped by the engine, or completed into the parked queue. */
		vcsim_sess_forget(sess, sc);
	}
	return ret;
}

static int vcsim_tmf(struct vcsim_sess *sess, enum vcsim_mbox_op op, u64 lun)
{
	struct vcsim_mbox m = { .op = op, .sess = sess, .lun = lun };
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&sess->lock, flags);
	if (sess->state != VCSIM_SESS_LIVE) {
		spin_unlock_irqrestore(&sess->lock, flags);
		return -EIO;
	}
	sess->tmf_active = true;
	spin_unlock_irqrestore(&sess->lock, flags);
	/* The doorbell passes nothing to the engine from now on. */
	flush_work(&sess->db_work);

	ret = vcsim_mbox_run(sess->vf, &m);
	if (!ret)
		vcsim_sess_reclaim(sess, op == VCSIM_MBOX_TARGET_RESET, lun);

	spin_lock_irqsave(&sess->lock, flags);
	sess->tmf_active = false;
	spin_unlock_irqrestore(&sess->lock, flags);
	vcsim_fw_kick(sess);
	vcsim_info(sess->vf, "%s on session to %s: %d\n",
		   vcsim_mbox_names[op], sess->target, ret);
	return ret;
}

static int vcsim_lun_reset(struct vconnect_be_session *s, u64 lun)
{
	return vcsim_tmf(to_vcsim_sess(s), VCSIM_MBOX_LUN_RESET, lun);
}

static int vcsim_target_reset(struct vconnect_be_session *s)
{
	return vcsim_tmf(to_vcsim_sess(s), VCSIM_MBOX_TARGET_RESET, 0);
}

static void vcsim_close(struct vconnect_be_session *s, bool logout)
{
	struct vcsim_sess *sess = to_vcsim_sess(s);
	struct vcsim_vf *vf = sess->vf;
	struct vcsim_mbox m = { .op = VCSIM_MBOX_LOGOUT, .sess = sess };
	enum vcsim_sess_state prev;
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&sess->lock, flags);
	prev = sess->state;
	sess->state = VCSIM_SESS_CLOSING;
	spin_unlock_irqrestore(&sess->lock, flags);
	/* Nothing reaches the engine or the owner from the doorbell now. */
	timer_shutdown_sync(&sess->retry_timer);
	cancel_work_sync(&sess->db_work);

	if (prev == VCSIM_SESS_LIVE) {
		m.logout = logout;
		vcsim_mbox_run(vf, &m);
	}
	/* Firmware lost or not answering: drop the engine session here. */
	if (!sess->eng_closed) {
		sess->engine->ops->close(sess->eng, false);
		sess->eng_closed = true;
	}
	vconnect_backend_put(sess->engine);
	n = vcsim_sess_drop_all(sess);

	mutex_lock(&vf->mutex);
	spin_lock_irqsave(&vf->lock, flags);
	list_del(&sess->node);
	vf->nr_sessions--;
	spin_unlock_irqrestore(&vf->lock, flags);
	mutex_unlock(&vf->mutex);
	/*
	 * A completion that came in while we were closing, or a resume of
	 * the firmware that saw the session still live, may have rung the
	 * doorbell again; neither can now (engine closed, session unlinked).
	 */
	cancel_work_sync(&sess->db_work);
	wake_up_all(&vf->wq);

	vcsim_info(vf, "session to %s closed (%s), %u task(s) handed back\n",
		   sess->target, prev == VCSIM_SESS_LIVE ?
		   (logout ? "logged out" : "dropped") : "firmware had lost it",
		   n);
	vcsim_sess_free(sess);
	kobject_put(&vf->kobj);
}

const struct vconnect_offload_ops vcsim_offload_ops = {
	.set_identity	= vcsim_set_identity,
	.open		= vcsim_open,
	.queue		= vcsim_queue,
	.abort		= vcsim_abort,
	.lun_reset	= vcsim_lun_reset,
	.target_reset	= vcsim_target_reset,
	.close		= vcsim_close,
};

/* ---- firmware state lost ---- */

/*
 * Every live session of @vf is lost: DEAD, owner told once. vf->mutex
 * keeps the list and the sessions on it (close() unlinks under it).
 */
static void vcsim_vf_lose_sessions(struct vcsim_vf *vf, int err)
{
	struct vcsim_sess *sess;
	unsigned long flags;
	bool report;

	lockdep_assert_held(&vf->mutex);
	list_for_each_entry(sess, &vf->sessions, node) {
		report = false;
		spin_lock_irqsave(&sess->lock, flags);
		if (sess->state == VCSIM_SESS_LIVE) {
			sess->state = VCSIM_SESS_DEAD;
			if (!sess->failed_reported) {
				sess->failed_reported = true;
				report = true;
			}
		}
		spin_unlock_irqrestore(&sess->lock, flags);
		if (report) {
			vcsim_info(vf, "session to %s lost (%d)\n", sess->target,
				   err);
			sess->be.owner_ops->failed(&sess->be, err);
		}
	}
}

static void vcsim_vf_event(struct vcsim_vf *vf,
			   enum vconnect_offload_fn_event ev)
{
	if (vf->fn)
		vconnect_offload_fn_event(vf->fn, ev);
}

/* Reset the VF: firmware state lost now, ready after VCSIM_RESET_MS. */
static int vcsim_vf_reset_locked(struct vcsim_vf *vf,
				 enum vconnect_offload_fn_event ev)
{
	unsigned long flags;

	lockdep_assert_held(&vf->mutex);
	spin_lock_irqsave(&vf->lock, flags);
	if (vf->gone || vf->resetting) {
		spin_unlock_irqrestore(&vf->lock, flags);
		return -EBUSY;
	}
	vf->resetting = true;
	vf->hung = false;
	vf->gen++;
	spin_unlock_irqrestore(&vf->lock, flags);
	cancel_delayed_work(&vf->hang_end_work);
	wake_up_all(&vf->wq);
	atomic64_inc(&vf->resets);
	/* The event first: vconnect then knows why the sessions went. */
	vcsim_vf_event(vf, ev);
	vcsim_vf_lose_sessions(vf, ev == VCONNECT_OFFLOAD_FW_ERROR ?
				   -EREMOTEIO : -ESHUTDOWN);
	queue_delayed_work(system_wq, &vf->reset_done_work,
			   msecs_to_jiffies(VCSIM_RESET_MS));
	return 0;
}

static void vcsim_vf_reset_done(struct work_struct *work)
{
	struct vcsim_vf *vf = container_of(to_delayed_work(work),
					   struct vcsim_vf, reset_done_work);
	unsigned long flags;

	mutex_lock(&vf->mutex);
	spin_lock_irqsave(&vf->lock, flags);
	vf->resetting = false;
	spin_unlock_irqrestore(&vf->lock, flags);
	wake_up_all(&vf->wq);
	if (!READ_ONCE(vf->gone)) {
		vcsim_info(vf, "reset complete, firmware ready\n");
		vcsim_vf_event(vf, VCONNECT_OFFLOAD_FN_READY);
	}
	mutex_unlock(&vf->mutex);
}

int vcsim_vf_reset(struct vcsim_vf *vf)
{
	int ret;

	mutex_lock(&vf->mutex);
	if (vf->stopping) {
		ret = -ENODEV;
	} else {
		vcsim_info(vf, "VF reset injected: firmware state lost, ready in %u ms\n",
			   VCSIM_RESET_MS);
		ret = vcsim_vf_reset_locked(vf, VCONNECT_OFFLOAD_FN_RESET);
	}
	mutex_unlock(&vf->mutex);
	return ret;
}

/* ---- watchdog ---- */

static void vcsim_vf_watchdog(struct work_struct *work)
{
	struct vcsim_vf *vf = container_of(to_delayed_work(work),
					   struct vcsim_vf, watchdog);
	int hb = atomic_read(&vf->heartbeat);
	unsigned long limit = msecs_to_jiffies(VCSIM_WATCHDOG_LIMIT_MS);

	if (hb != vf->wd_last || READ_ONCE(vf->resetting) ||
	    READ_ONCE(vf->gone) || READ_ONCE(vf->watchdog_off)) {
		vf->wd_last = hb;
		vf->wd_stamp = jiffies;
	} else if (time_after_eq(jiffies, vf->wd_stamp + limit)) {
		mutex_lock(&vf->mutex);
		if (!vf->resetting && !vf->gone) {
			vcsim_warn(vf, "watchdog: no firmware heartbeat for %u ms (beat %d; hang injected %u ms ago for %u ms): firmware error, resetting the VF\n",
				   jiffies_to_msecs(jiffies - vf->wd_stamp), hb,
				   vf->hung ? jiffies_to_msecs(jiffies - vf->hang_start) : 0,
				   vf->hung ? vf->hang_ms : 0);
			atomic64_inc(&vf->fw_errors);
			vcsim_vf_reset_locked(vf, VCONNECT_OFFLOAD_FW_ERROR);
		}
		mutex_unlock(&vf->mutex);
		vf->wd_stamp = jiffies;
	}
	queue_delayed_work(system_wq, &vf->watchdog,
			   msecs_to_jiffies(VCSIM_WATCHDOG_MS));
}

int vcsim_vf_watchdog_enable(struct vcsim_vf *vf, bool on)
{
	WRITE_ONCE(vf->watchdog_off, !on);
	vcsim_info(vf, "firmware watchdog %s\n", on ? "enabled" : "disabled");
	return 0;
}

/* ---- faults ---- */

/*
 * The target changed its LUN inventory (REPORTED LUNS DATA HAS CHANGED):
 * tell the owner of every session on the VF, @n times, up to the moment
 * close() unlinks it, as the contract allows.
 */
int vcsim_vf_luns_changed(struct vcsim_vf *vf, unsigned int n)
{
	struct vcsim_sess *sess;
	unsigned long flags;
	unsigned int i;

	if (!n || n > 1000)
		return -EINVAL;
	spin_lock_irqsave(&vf->lock, flags);
	list_for_each_entry(sess, &vf->sessions, node)
		for (i = 0; i < n; i++)
			sess->be.owner_ops->event(&sess->be,
						  VCONNECT_EV_LUNS_CHANGED, 0);
	spin_unlock_irqrestore(&vf->lock, flags);
	return 0;
}

int vcsim_vf_fail_logins(struct vcsim_vf *vf, unsigned int n)
{
	atomic_set(&vf->fail_next_login, n);
	vcsim_info(vf, "the next %u login(s) fail\n", n);
	return 0;
}

static void vcsim_vf_link_up_work(struct work_struct *work)
{
	struct vcsim_vf *vf = container_of(to_delayed_work(work),
					   struct vcsim_vf, link_up_work);

	vcsim_vf_link_up(vf);
}

int vcsim_vf_link_up(struct vcsim_vf *vf)
{
	unsigned long flags;
	bool was_down;

	mutex_lock(&vf->mutex);
	cancel_delayed_work(&vf->link_up_work);
	spin_lock_irqsave(&vf->lock, flags);
	was_down = vf->link_down;
	vf->link_down = false;
	spin_unlock_irqrestore(&vf->lock, flags);
	if (was_down) {
		vcsim_info(vf, "link up\n");
		vcsim_vf_event(vf, VCONNECT_OFFLOAD_LINK_UP);
	}
	mutex_unlock(&vf->mutex);
	return 0;
}

int vcsim_vf_link_down(struct vcsim_vf *vf, unsigned int ms)
{
	unsigned long flags;
	bool was_down;

	mutex_lock(&vf->mutex);
	if (vf->stopping || vf->gone) {
		mutex_unlock(&vf->mutex);
		return -ENODEV;
	}
	spin_lock_irqsave(&vf->lock, flags);
	was_down = vf->link_down;
	vf->link_down = true;
	vf->gen++;
	spin_unlock_irqrestore(&vf->lock, flags);
	wake_up_all(&vf->wq);
	if (ms)
		vcsim_info(vf, "link down injected, up again in %u ms\n", ms);
	else
		vcsim_info(vf, "link down injected, until link_up is written\n");
	if (!was_down) {
		atomic64_inc(&vf->link_downs);
		vcsim_vf_event(vf, VCONNECT_OFFLOAD_LINK_DOWN);
		vcsim_vf_lose_sessions(vf, -ENETDOWN);
	}
	if (ms)
		mod_delayed_work(system_wq, &vf->link_up_work,
				 msecs_to_jiffies(ms));
	else
		cancel_delayed_work(&vf->link_up_work);
	mutex_unlock(&vf->mutex);
	return 0;
}

static void vcsim_vf_hang_end(struct work_struct *work)
{
	struct vcsim_vf *vf = container_of(to_delayed_work(work),
					   struct vcsim_vf, hang_end_work);
	unsigned long flags;
	bool was_hung;

	mutex_lock(&vf->mutex);
	spin_lock_irqsave(&vf->lock, flags);
	was_hung = vf->hung;
	vf->hung = false;
	spin_unlock_irqrestore(&vf->lock, flags);
	if (was_hung) {
		vcsim_info(vf, "firmware resumed after %u ms\n",
			   jiffies_to_msecs(jiffies - vf->hang_start));
		wake_up_all(&vf->wq);
		vcsim_fw_kick_all(vf);
	}
	mutex_unlock(&vf->mutex);
}

int vcsim_vf_hang(struct vcsim_vf *vf, unsigned int ms)
{
	unsigned long flags;
	int ret = 0;

	if (!ms)
		return -EINVAL;
	mutex_lock(&vf->mutex);
	spin_lock_irqsave(&vf->lock, flags);
	if (vf->stopping || vf->gone || vf->resetting) {
		ret = -EBUSY;
	} else {
		vf->hung = true;
		vf->hang_start = jiffies;
		vf->hang_ms = ms;
	}
	spin_unlock_irqrestore(&vf->lock, flags);
	if (!ret) {
		vcsim_info(vf, "firmware hang injected for %u ms: no ring processing, completions parked, no heartbeat\n",
			   ms);
		mod_delayed_work(system_wq, &vf->hang_end_work,
				 msecs_to_jiffies(ms));
	}
	mutex_unlock(&vf->mutex);
	return ret;
}

int vcsim_vf_surprise_remove(struct vcsim_vf *vf, unsigned int ms)
{
	struct vcsim_slot *slot = &vf->dev->slots[vf->index];
	unsigned long flags;

	mutex_lock(&vf->mutex);
	if (vf->stopping || vf->gone) {
		mutex_unlock(&vf->mutex);
		return -ENODEV;
	}
	spin_lock_irqsave(&vf->lock, flags);
	vf->gone = true;
	vf->hung = false;
	vf->gen++;
	vf->remove_ms = ms;
	spin_unlock_irqrestore(&vf->lock, flags);
	wake_up_all(&vf->wq);
	if (ms)
		vcsim_info(vf, "surprise removal injected, hot-plug back in %u ms\n",
			   ms);
	else
		vcsim_info(vf, "surprise removal injected, not coming back\n");
	vcsim_vf_event(vf, VCONNECT_OFFLOAD_FN_REMOVED);
	vcsim_vf_lose_sessions(vf, -ENODEV);
	queue_work(system_long_wq, &slot->remove_work);
	mutex_unlock(&vf->mutex);
	return 0;
}

/* Surprise removal, second half: forget the function, free the VF. */
void vcsim_slot_remove_work(struct work_struct *work)
{
	struct vcsim_slot *slot = container_of(work, struct vcsim_slot,
					       remove_work);
	struct vcsim_dev *dev = slot->dev;
	struct vcsim_vf *vf;
	unsigned int ms;

	mutex_lock(&dev->lock);
	vf = slot->vf;
	if (vf && READ_ONCE(vf->gone)) {
		ms = vf->remove_ms;
		vcsim_vf_destroy(vf);
		slot->vf = NULL;
		pr_info("vcsim%u/vf%u: removed\n", dev->id, slot->index);
		if (ms && !dev->dying)
			queue_delayed_work(system_long_wq, &slot->replug_work,
					   msecs_to_jiffies(ms));
	}
	mutex_unlock(&dev->lock);
}

void vcsim_slot_replug_work(struct work_struct *work)
{
	struct vcsim_slot *slot = container_of(to_delayed_work(work),
					       struct vcsim_slot, replug_work);
	struct vcsim_dev *dev = slot->dev;
	struct vcsim_vf *vf;

	mutex_lock(&dev->lock);
	if (!dev->dying && !slot->vf && slot->index < dev->num_vfs) {
		vf = vcsim_vf_create(dev, slot->index);
		if (IS_ERR(vf)) {
			pr_err("vcsim%u/vf%u: hot-plug back failed (%ld)\n",
			       dev->id, slot->index, PTR_ERR(vf));
		} else {
			slot->vf = vf;
			vcsim_info(vf, "hot-plugged back as a fresh function\n");
		}
	}
	mutex_unlock(&dev->lock);
}

/* ---- create and destroy ---- */

struct vcsim_vf *vcsim_vf_create(struct vcsim_dev *dev, unsigned int index)
{
	struct vconnect_offload_fn *fn;
	struct vcsim_vf *vf;
	int ret;

	lockdep_assert_held(&dev->lock);
	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return ERR_PTR(-ENOMEM);
	vf->dev = dev;
	vf->index = index;
	snprintf(vf->name, sizeof(vf->name), "vcsim%u/vf%u", dev->id, index);
	mutex_init(&vf->mutex);
	spin_lock_init(&vf->lock);
	INIT_LIST_HEAD(&vf->sessions);
	init_waitqueue_head(&vf->wq);
	mutex_init(&vf->id_mutex);
	INIT_DELAYED_WORK(&vf->watchdog, vcsim_vf_watchdog);
	INIT_DELAYED_WORK(&vf->link_up_work, vcsim_vf_link_up_work);
	INIT_DELAYED_WORK(&vf->hang_end_work, vcsim_vf_hang_end);
	INIT_DELAYED_WORK(&vf->reset_done_work, vcsim_vf_reset_done);
	kobject_init(&vf->kobj, &vcsim_vf_ktype);

	vf->fw_wq = alloc_ordered_workqueue("vcsim%u_vf%u_fw", WQ_MEM_RECLAIM,
					    dev->id, index);
	if (!vf->fw_wq) {
		ret = -ENOMEM;
		goto err_put_kobj;
	}
	ret = kobject_add(&vf->kobj, &dev->dev.kobj, "vf%u", index);
	if (ret)
		goto err_destroy_wq;

	vcsim_fw_init(vf);
	vf->wd_stamp = jiffies;
	queue_delayed_work(system_wq, &vf->watchdog,
			   msecs_to_jiffies(VCSIM_WATCHDOG_MS));
	vcsim_debugfs_vf_add(vf);

	fn = vconnect_offload_fn_add(&dev->pf, index, vf);
	if (IS_ERR_OR_NULL(fn)) {
		ret = fn ? PTR_ERR(fn) : -ENOMEM;
		pr_err("%s: vconnect_offload_fn_add failed: %d\n", vf->name, ret);
		vcsim_debugfs_vf_del(vf);
		cancel_delayed_work_sync(&vf->watchdog);
		vcsim_fw_stop(vf);
		kobject_del(&vf->kobj);
		goto err_destroy_wq;
	}
	vf->fn = fn;
	return vf;

err_destroy_wq:
	destroy_workqueue(vf->fw_wq);
err_put_kobj:
	kobject_put(&vf->kobj);		/* frees vf */
	return ERR_PTR(ret);
}

/*
 * Remove @vf: sessions on it move elsewhere (vconnect_offload_fn_remove()
 * waits for that), then everything stops and the VF is freed once the
 * last reference (sysfs, a session still closing) is gone.
 */
void vcsim_vf_destroy(struct vcsim_vf *vf)
{
	unsigned long flags;

	lockdep_assert_held(&vf->dev->lock);
	vcsim_debugfs_vf_del(vf);	/* no more injections */
	mutex_lock(&vf->mutex);
	vf->stopping = true;
	spin_lock_irqsave(&vf->lock, flags);
	vf->hung = false;
	spin_unlock_irqrestore(&vf->lock, flags);
	mutex_unlock(&vf->mutex);
	wake_up_all(&vf->wq);
	vcsim_fw_kick_all(vf);

	vconnect_offload_fn_remove(vf->fn);
	vf->fn = NULL;
	WRITE_ONCE(vf->fn_removed, true);
	if (!wait_event_timeout(vf->wq, !READ_ONCE(vf->nr_sessions), 10 * HZ)) {
		vcsim_warn(vf, "%u session(s) still open after the function was removed; waiting\n",
			   READ_ONCE(vf->nr_sessions));
		wait_event(vf->wq, !READ_ONCE(vf->nr_sessions));
	}

	cancel_delayed_work_sync(&vf->watchdog);
	cancel_delayed_work_sync(&vf->link_up_work);
	cancel_delayed_work_sync(&vf->hang_end_work);
	cancel_delayed_work_sync(&vf->reset_done_work);
	vcsim_fw_stop(vf);
	destroy_workqueue(vf->fw_wq);
	vf->fw_wq = NULL;
	vcsim_info(vf, "VF removed: %lld commands, %lld logins\n",
		   atomic64_read(&vf->cmds), atomic64_read(&vf->logins));
	kobject_del(&vf->kobj);
	kobject_put(&vf->kobj);
}
