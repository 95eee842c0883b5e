// SPDX-License-Identifier: GPL-2.0
/*
 * The live switch of a session between datapaths (software <-> offload).
 *
 * Planned (vconnectctl vhba switch, or failback when an offload function
 * frees up) is make-before-break, per session:
 *   1. log in on the new backend with the other ISID of the vHBA's pair
 *      while the old session keeps carrying I/O;
 *   2. publish the new backend session: queuecommand dispatches there
 *      from now on (an RCU pointer swap: no command waits);
 *   3. let the old session finish what it holds, at most VHBA_DRAIN_MS;
 *   4. log the old session out; or, if it failed or did not drain, fence
 *      it (vhba_switch_fence()), drop it and requeue the commands it still
 *      held to the new session.
 * The old ISID is never used for a login while its session is active, so
 * the target sees a second I_T nexus, not a session reinstatement that
 * would abort the old session's tasks; except by the fence, which wants
 * exactly that. Persistent reservations belong to the I_T nexus: pr.c
 * carries them from the old nexus to the new one between steps 1 and 2.
 *
 * Unplanned switches are recoveries (session.c) that end on another
 * datapath: same ISID (reinstatement is what ERL 0 wants there).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <scsi/scsi_host.h>

#include "vhba.h"

#define VHBA_ISID_PAIR_BIT	0x01	/* in the last ISID byte */
#define VHBA_FENCE_RETRY_MS	1000

static unsigned int vhba_drain_timeout_ms = 10000;
module_param_named(drain_timeout_ms, vhba_drain_timeout_ms, uint, 0644);
MODULE_PARM_DESC(drain_timeout_ms,
		 "How long a planned switch lets the old session finish its commands before it fences it and reissues them on the new one (ms). Default: 10000");

enum vconnect_switch_cause vhba_switch_cause(int err)
{
	switch (err) {
	case -ENETDOWN:
		return VCONNECT_SWITCH_LINK_DOWN;
	case -ESHUTDOWN:
		return VCONNECT_SWITCH_FN_RESET;
	case -EREMOTEIO:
		return VCONNECT_SWITCH_FW_ERROR;
	case -ENODEV:
		return VCONNECT_SWITCH_FN_REMOVED;
	default:
		return VCONNECT_SWITCH_SESSION_LOST;
	}
}

static enum vconnect_backend_kind vhba_datapath_kind(enum vconnect_datapath to)
{
	return to == VCONNECT_DATAPATH_OFFLOAD ? VCONNECT_BACKEND_OFFLOAD :
						 VCONNECT_BACKEND_SOFTWARE;
}

/*
 * Wait for the old backend session to finish its commands; false if it
 * failed or the time ran out.
 */
static bool vhba_session_drain(struct vhba_session *sess,
			       struct vconnect_be_session *old)
{
	unsigned long deadline = jiffies +
		msecs_to_jiffies(READ_ONCE(vhba_drain_timeout_ms));

	while (vhba_session_held_by(sess, old)) {
		if (READ_ONCE(sess->draining_failed) ||
		    time_after(jiffies, deadline))
			return false;
		usleep_range(200, 500);
	}
	return !READ_ONCE(sess->draining_failed);
}

/* The fencing session carries no command; what it reports is of no use. */
static void vhba_fence_task_done(struct vconnect_be_session *be,
				 struct scsi_cmnd *sc)
{
}

static void vhba_fence_failed(struct vconnect_be_session *be, int err)
{
}

static void vhba_fence_event(struct vconnect_be_session *be,
			     enum vconnect_session_event ev, u64 lun)
{
}

static const struct vconnect_session_owner_ops vhba_fence_owner_ops = {
	.task_done	= vhba_fence_task_done,
	.failed		= vhba_fence_failed,
	.event		= vhba_fence_event,
};

/*
 * Make sure that nothing the old session of a switch still holds can
 * reach the medium any more, before it is reissued on the new session:
 * else a WRITE the target's backstore still carries could land after its
 * reissued copy and after newer writes to the same blocks.
 *
 * Log in with the old session's ISID at the portal it used, so in its
 * portal group: for the target that is a session reinstatement, which
 * ends the old session and finishes or aborts its tasks before the login
 * completes (RFC 7143 section 6.3.5; LIO waits for their backstore I/O).
 * The fencing session then logs out. The old session's connection must
 * still be up at that moment: a target that saw it close ends that
 * session on its own, and a login does not wait for that.
 *
 * 0 when fenced; -EXDEV when the login landed in another portal group,
 * which fences nothing; else the login's error.
 */
static int vhba_switch_fence(struct vhba_session *sess,
			     struct vconnect_backend *backend,
			     const u8 *old_isid,
			     const struct vconnect_session_info *old_info)
{
	struct vconnect_session_info info = {};
	struct vconnect_session_desc desc;
	struct vconnect_be_session *fence;

	vhba_session_fill_desc(sess, old_isid, &desc);
	desc.portal = old_info->portal;
	fence = backend->ops->open(&desc, &vhba_fence_owner_ops, sess, &info);
	if (IS_ERR(fence))
		return PTR_ERR(fence);
	backend->ops->close(fence, true);
	if (info.target_portal_group_tag != old_info->target_portal_group_tag)
		return -EXDEV;
	return 0;
}

/*
 * Fence the old session of a switch on the new backend (on the old one
 * when the new one has no room, as an offload function pool may not),
 * trying again until the replacement timeout. 0 when fenced.
 */
static int vhba_switch_fence_retry(struct vhba_session *sess,
				   struct vconnect_backend *backend,
				   struct vconnect_backend *old_backend,
				   const u8 *old_isid,
				   const struct vconnect_session_info *old_info)
{
	unsigned long deadline = jiffies +
		msecs_to_jiffies(sess->vhba->replacement_timeout_ms);
	int ret;

	for (;;) {
		ret = vhba_switch_fence(sess, backend, old_isid, old_info);
		if (ret == -ENOSPC && old_backend != backend)
			ret = vhba_switch_fence(sess, old_backend, old_isid,
						old_info);
		if (!ret || time_after(jiffies, deadline))
			return ret;
		shost_printk(KERN_WARNING, sess->vhba->shost,
			     "switch of %s: could not fence the old session (%d), trying again\n",
			     sess->target_name, ret);
		msleep(VHBA_FENCE_RETRY_MS);
	}
}

/*
 * Move one session to a backend of @kind, make-before-break. 0 when it
 * runs there (also when it already did); the old session keeps running
 * on any error.
 */
static int vhba_session_switch(struct vhba_session *sess,
			       enum vconnect_backend_kind kind,
			       enum vconnect_switch_cause cause)
{
	struct vconnect_backend *backend, *old_backend;
	struct vconnect_be_session *old, *new;
	struct vconnect_session_info info, old_info;
	struct vhba_exec_ctx new_ctx, old_ctx;
	char from[VHBA_WHERE_MAX], to[VHBA_WHERE_MAX];
	u64 t0, t_swap, time_us, stall_us = 0;
	u8 isid[VCONNECT_ISID_LEN], old_isid[VCONNECT_ISID_LEN];
	bool drained, old_failed, new_failed;
	int ret, fence_err = 0;
	unsigned int noio;

	/* As recovery: writeback may wait for these LUNs (see session.c). */
	noio = memalloc_noio_save();
	mutex_lock(&sess->mutex);
	if (sess->detaching || sess->state != VCONNECT_SESSION_LOGGED_IN) {
		ret = -EAGAIN;
		goto unlock;
	}
	if (sess->backend->kind == kind) {
		ret = 0;
		goto unlock;
	}
	backend = vhba_backend_get_kind(kind);
	if (!backend) {
		ret = -ENODEV;
		goto unlock;
	}

	old = rcu_dereference_protected(sess->be, lockdep_is_held(&sess->mutex));
	old_backend = sess->backend;
	/* From here a failure of the old session is the switch's to handle. */
	spin_lock_bh(&sess->lock);
	sess->draining = old;
	sess->draining_failed = false;
	/* A failure of the new session before it is published is ours too. */
	sess->switching = true;
	sess->switch_new_failed = false;
	spin_unlock_bh(&sess->lock);
	if (test_bit(VHBA_SESS_FAILED_BIT, &sess->flags)) {
		ret = -EAGAIN;		/* recovery is on its way */
		goto undrain;
	}

	t0 = local_clock();
	memcpy(isid, sess->isid, VCONNECT_ISID_LEN);
	isid[VCONNECT_ISID_LEN - 1] ^= VHBA_ISID_PAIR_BIT;
	ret = vhba_session_open_be(sess, backend, isid, NULL, &info, &new);
	if (ret)
		goto undrain;
	vhba_exec_ctx_init(&new_ctx, new, &sess->switch_new_failed);
	vhba_exec_ctx_init(&old_ctx, old, &sess->draining_failed);
	ret = vhba_pr_carry(sess, &old_ctx, &new_ctx, sess->isid, isid);
	if (!ret && READ_ONCE(sess->switch_new_failed))
		ret = -EIO;		/* nothing moved yet: keep the old one */
	if (ret < 0) {
		backend->ops->close(new, true);
		vhba_exec_ctx_release(&new_ctx);
		/* What the old session did not give back: freed at its close. */
		vhba_exec_park(sess, &old_ctx);
		goto undrain;
	}

	/* Dispatch moves to the new session. */
	spin_lock_bh(&sess->lock);
	strscpy(from, sess->where, sizeof(from));
	old_info = sess->info;
	memcpy(old_isid, sess->isid, VCONNECT_ISID_LEN);
	sess->info = info;
	memcpy(sess->isid, isid, VCONNECT_ISID_LEN);
	vhba_session_describe(sess, new, sess->where, sizeof(sess->where));
	strscpy(to, sess->where, sizeof(to));
	rcu_assign_pointer(sess->be, new);
	sess->switching = false;
	new_failed = sess->switch_new_failed;
	spin_unlock_bh(&sess->lock);
	sess->backend = backend;
	synchronize_rcu();		/* no queuecommand still inside old */
	t_swap = local_clock();
	/* The new session is the published one: its leftovers wait on it. */
	vhba_exec_park(sess, &new_ctx);
	/* It failed after a reservation moved to it: recover it. */
	if (new_failed)
		vhba_session_mark_failed(sess, -EIO);

	drained = vhba_session_drain(sess, old);
	/* Before the fence, whose reinstatement makes the old session fail. */
	old_failed = READ_ONCE(sess->draining_failed);
	/* Before close(): the fence needs the old connection still up. */
	if (!drained)
		fence_err = vhba_switch_fence_retry(sess, backend, old_backend,
						 old_isid, &old_info);
	old_backend->ops->close(old, drained);
	vhba_exec_ctx_release(&old_ctx);
	vhba_exec_free_parked(sess);
	spin_lock_bh(&sess->lock);
	sess->draining = NULL;
	spin_unlock_bh(&sess->lock);
	if (!drained) {
		/* What it still held waited from the swap until now. */
		stall_us = (local_clock() - t_swap) / NSEC_PER_USEC;
		if (!fence_err)
			vhba_session_requeue(sess, old);
		else
			vhba_session_fail_held(sess, old);
		shost_printk(KERN_WARNING, sess->vhba->shost,
			     "switch of %s: old session %s; %s\n",
			     sess->target_name,
			     old_failed ? "failed" : "did not drain in time",
			     fence_err ? "could not be fenced, its commands failed" :
				      "fenced, its commands requeued");
	}
	WRITE_ONCE(sess->pr_moving, false);
	vhba_backend_put(old_backend);

	atomic64_inc(&sess->stats.switches);
	WRITE_ONCE(sess->stats.last_stall_us, stall_us);
	time_us = (local_clock() - t0) / NSEC_PER_USEC;
	shost_printk(KERN_INFO, sess->vhba->shost,
		     "session to %s switched from %s to %s in %llu us (stall %llu us)\n",
		     sess->target_name, from, to, time_us, stall_us);
	vhba_notify_switch(VCONNECT_EVENT_SWITCH, sess, cause, from, 0,
			   stall_us, time_us);
	mutex_unlock(&sess->mutex);
	memalloc_noio_restore(noio);
	return 0;

undrain:
	WRITE_ONCE(sess->pr_moving, false);
	spin_lock_bh(&sess->lock);
	sess->switching = false;
	sess->draining = NULL;
	old_failed = sess->draining_failed;
	spin_unlock_bh(&sess->lock);
	/* The old session failed while we tried: recover it the usual way. */
	if (old_failed) {
		set_bit(VHBA_SESS_FAILED_BIT, &sess->flags);
		mod_delayed_work(vhba_wq, &sess->recovery_work, 0);
	}
	vhba_backend_put(backend);
unlock:
	mutex_unlock(&sess->mutex);
	memalloc_noio_restore(noio);
	return ret;
}

static int vhba_switch_locked(struct vhba *vhba, enum vconnect_datapath to,
			      enum vconnect_backend_policy policy,
			      enum vconnect_switch_cause cause,
			      struct netlink_ext_ack *extack);

/**
 * vhba_switch - move every session of @vhba to datapath @to
 * @vhba: the vHBA; the caller holds a reference to its host
 * @to: software or offload
 * @policy: the vHBA's backend policy once every session moved
 * @cause: user or failback
 * @extack: for the reason when a session cannot move
 *
 * Context: sleeps; holds vhba->switch_mutex, not vhba->mutex, across the
 * switch (see vhba.h). A failback waits for a switch in progress and
 * then sees the policy it left.
 * Return: 0 when every session runs on @to, and the vHBA has @policy;
 * else the first error: the sessions that could not move keep running
 * where they were and the policy stays what it was.
 */
int vhba_switch(struct vhba *vhba, enum vconnect_datapath to,
		enum vconnect_backend_policy policy,
		enum vconnect_switch_cause cause, struct netlink_ext_ack *extack)
{
	int ret;

	mutex_lock(&vhba->switch_mutex);
	ret = vhba_switch_locked(vhba, to, policy, cause, extack);
	mutex_unlock(&vhba->switch_mutex);
	return ret;
}

static int vhba_switch_locked(struct vhba *vhba, enum vconnect_datapath to,
			      enum vconnect_backend_policy policy,
			      enum vconnect_switch_cause cause,
			      struct netlink_ext_ack *extack)
{
	enum vconnect_backend_kind kind = vhba_datapath_kind(to);
	struct vhba_session *sess;
	unsigned int i;
	int ret = 0;

	if (!vhba_policy_allows(policy, kind)) {
		NL_SET_ERR_MSG_MOD(extack, "the vHBA's backend policy does not allow that datapath");
		return -EPERM;
	}
	for (i = 0; i < VHBA_MAX_TARGETS && !ret; i++) {
		sess = vhba_session_get(vhba, i);
		if (!sess)
			continue;
		ret = vhba_session_switch(sess, kind, cause);
		if (!ret) {
			vhba_session_put(sess);
			continue;
		}
		if (cause != VCONNECT_SWITCH_FAILBACK)
			vhba_notify_switch(VCONNECT_EVENT_SWITCH_FAILED, sess,
					   cause, sess->where, ret, 0, 0);
		switch (ret) {
		case -ENODEV:
			NL_SET_ERR_MSG_MOD(extack, "no backend of that kind is loaded");
			break;
		case -ENOSPC:
			NL_SET_ERR_MSG_MOD(extack, "no offload function is free");
			break;
		case -EAGAIN:
			NL_SET_ERR_MSG_MOD(extack, "a session is not logged in (recovering?); try again");
			break;
		case -EINPROGRESS:
			NL_SET_ERR_MSG_MOD(extack, "a PERSISTENT RESERVE command of the guest is still in flight; try again");
			break;
		case -EXDEV:
			NL_SET_ERR_MSG_MOD(extack, "a persistent reservation registration cannot move to a new I_T nexus (ALL_TG_PT, or a key another nexus shares; see dmesg)");
			break;
		default:
			NL_SET_ERR_MSG_MOD(extack, "login on the new datapath failed; the session stays where it was");
			break;
		}
		vhba_session_put(sess);
	}
	if (!ret)
		WRITE_ONCE(vhba->policy, policy);
	return ret;
}

/* ---- failback: vHBAs that prefer offload move there when they can ---- */

/*
 * The listed vHBAs, each with a reference to its host, so that the
 * caller can switch them without vhba_mutex. NULL when there are none
 * or no memory (failback then waits for the next freed function).
 */
static struct vhba **vhba_list_get(unsigned int *nr)
{
	struct vhba **all, *vhba;
	unsigned int n = 0;

	mutex_lock(&vhba_mutex);
	list_for_each_entry(vhba, &vhba_list, node)
		n++;
	all = n ? kmalloc_array(n, sizeof(*all), GFP_KERNEL) : NULL;
	*nr = 0;
	if (all) {
		list_for_each_entry(vhba, &vhba_list, node)
			if (!vhba->removing && scsi_host_get(vhba->shost))
				all[(*nr)++] = vhba;
	}
	mutex_unlock(&vhba_mutex);
	return all;
}

static void vhba_rebalance_work_fn(struct work_struct *work)
{
	struct vhba_session *sess;
	struct vhba **all;
	unsigned int i, j, n;
	int ret = 0;

	all = vhba_list_get(&n);
	for (i = 0; i < n; i++) {
		struct vhba *vhba = all[i];

		/* Sessions waiting for a function try again now. */
		for (j = 0; j < VHBA_MAX_TARGETS; j++) {
			sess = vhba_session_get(vhba, j);
			if (!sess)
				continue;
			if (READ_ONCE(sess->state) == VCONNECT_SESSION_RECOVERING ||
			    READ_ONCE(sess->state) == VCONNECT_SESSION_FAILED)
				vhba_session_kick_recovery(sess);
			vhba_session_put(sess);
		}
		/*
		 * Until one finds nothing more to be had. Under the switch
		 * mutex: a switch the user asked for frees a function and
		 * sends us here before it sets the policy it asked for.
		 */
		mutex_lock(&vhba->switch_mutex);
		if (ret != -ENOSPC && ret != -ENODEV &&
		    READ_ONCE(vhba->policy) == VCONNECT_POLICY_PREFER_OFFLOAD)
			ret = vhba_switch_locked(vhba, VCONNECT_DATAPATH_OFFLOAD,
						 VCONNECT_POLICY_PREFER_OFFLOAD,
						 VCONNECT_SWITCH_FAILBACK, NULL);
		mutex_unlock(&vhba->switch_mutex);
		scsi_host_put(vhba->shost);
	}
	kfree(all);
}

static DECLARE_WORK(vhba_rebalance_work, vhba_rebalance_work_fn);

/**
 * vconnect_backend_available - a backend can take sessions again
 * @be: the backend (an offload function freed up or came back)
 *
 * Context: any but hard irq.
 */
void vconnect_backend_available(struct vconnect_backend *be)
{
	if (be->kind == VCONNECT_BACKEND_OFFLOAD)
		queue_work(vhba_wq, &vhba_rebalance_work);
}
EXPORT_SYMBOL_GPL(vconnect_backend_available);

/* Module exit: no failback runs after this. */
void vhba_switch_cancel(void)
{
	cancel_work_sync(&vhba_rebalance_work);
}
