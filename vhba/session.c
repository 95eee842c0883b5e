// SPDX-License-Identifier: GPL-2.0
/*
 * A vHBA's session with one target: login on a backend, the I/O hand-off,
 * and ERL 0 recovery (session reinstatement with the same ISID).
 *
 * Recovery runs in sess->recovery_work, one attempt per run:
 *   failed() callback -> FAILED_BIT, work queued
 *   work: LOGGED_IN + FAILED_BIT -> state RECOVERING, unpublish the
 *         backend session; try to log in again on whatever backend the
 *         policy picks; then close the lost session and requeue the
 *         commands it held. If that first attempt failed, block the
 *         target's devices and re-arm with backoff. When the replacement
 *         timeout passes, state FAILED: devices are unblocked and
 *         queuecommand fails commands fast, while attempts go on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/inet.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_proto.h>
#include <asm/unaligned.h>

#include "vhba.h"

#define VHBA_NOOP_INTERVAL_MS	5000
#define VHBA_NOOP_TIMEOUT_MS	5000
#define VHBA_RETRY_MIN_MS	200
#define VHBA_RETRY_MAX_MS	5000
/* A target's Time2Wait is honoured up to this long (RFC 7143 allows 3600). */
#define VHBA_TIME2WAIT_MAX_S	30

static const char *const vhba_state_names[] = {
	[VCONNECT_SESSION_FREE]		= "free",
	[VCONNECT_SESSION_LOGGING_IN]	= "logging-in",
	[VCONNECT_SESSION_LOGGED_IN]	= "logged-in",
	[VCONNECT_SESSION_RECOVERING]	= "recovering",
	[VCONNECT_SESSION_FAILED]	= "failed",
};

const char *vhba_state_name(enum vconnect_session_state state)
{
	if (state < ARRAY_SIZE(vhba_state_names) && vhba_state_names[state])
		return vhba_state_names[state];
	return "unknown";
}

static struct vhba_session *be_to_sess(struct vconnect_be_session *be)
{
	return be->owner;
}

static void vhba_session_set_state(struct vhba_session *sess,
				   enum vconnect_session_state state)
{
	spin_lock_bh(&sess->lock);
	WRITE_ONCE(sess->state, state);
	spin_unlock_bh(&sess->lock);
	wake_up_all(&sess->state_wq);
}

/* ---- callbacks from the backend ---- */

static void vhba_task_done(struct vconnect_be_session *be, struct scsi_cmnd *sc)
{
	struct vhba_session *sess = be_to_sess(be);
	struct vhba_cmd *cmd = scsi_cmd_priv(sc);
	unsigned int done = scsi_bufflen(sc) - scsi_get_resid(sc);

	if (unlikely(cmd->exec)) {
		vhba_exec_done(cmd);
		return;
	}
	if (unlikely(READ_ONCE(sess->pr_moving)) && vhba_pr_met_move(sc)) {
		/* Not carried out: it goes again, on the nexus that has it. */
		sc->result = DID_REQUEUE << 16;
		goto done;
	}
	atomic64_inc(&sess->stats.cmds);
	if (sc->sc_data_direction == DMA_FROM_DEVICE)
		atomic64_add(done, &sess->stats.read_bytes);
	else if (sc->sc_data_direction == DMA_TO_DEVICE)
		atomic64_add(done, &sess->stats.write_bytes);
	if (host_byte(sc->result) != DID_OK)
		atomic64_inc(&sess->stats.errors);
done:
	WRITE_ONCE(cmd->be, NULL);
	WRITE_ONCE(cmd->sess, NULL);
	scsi_done(sc);
}

/* The published backend session failed: recovery takes over. */
void vhba_session_mark_failed(struct vhba_session *sess, int err)
{
	spin_lock_bh(&sess->lock);
	if (!sess->failed_ns)
		sess->failed_ns = local_clock();
	spin_unlock_bh(&sess->lock);
	WRITE_ONCE(sess->last_error, err);
	set_bit(VHBA_SESS_FAILED_BIT, &sess->flags);
	mod_delayed_work(vhba_wq, &sess->recovery_work, 0);
}

static void vhba_session_failed(struct vconnect_be_session *be, int err)
{
	struct vhba_session *sess = be_to_sess(be);

	spin_lock_bh(&sess->lock);
	if (be == sess->draining) {
		/*
		 * The old half of a planned switch, or a lost session being
		 * replaced: whoever replaces it closes it.
		 */
		sess->draining_failed = true;
		spin_unlock_bh(&sess->lock);
		return;
	}
	if (sess->switching) {
		/* The new half of a planned switch, not published yet. */
		sess->switch_new_failed = true;
		spin_unlock_bh(&sess->lock);
		return;
	}
	spin_unlock_bh(&sess->lock);
	vhba_session_mark_failed(sess, err);
}

/*
 * The target wants us gone for @secs: recovery logs in again no earlier
 * (bounded by VHBA_TIME2WAIT_MAX_S). Any context.
 */
static void vhba_session_time2wait(struct vhba_session *sess, u64 secs)
{
	secs = min_t(u64, secs, VHBA_TIME2WAIT_MAX_S);
	if (!secs)
		return;
	spin_lock_bh(&sess->lock);
	sess->time2wait_until = jiffies + secs * HZ;
	sess->time2wait_set = true;
	spin_unlock_bh(&sess->lock);
	dev_info_ratelimited(&sess->vhba->shost->shost_gendev,
			     "session to %s: Time2Wait %llu s before the next login\n",
			     sess->target_name, secs);
}

static void vhba_session_event(struct vconnect_be_session *be,
			       enum vconnect_session_event ev, u64 lun)
{
	struct vhba_session *sess = be_to_sess(be);

	switch (ev) {
	case VCONNECT_EV_LUNS_CHANGED:
		queue_work(vhba_wq, &sess->rescan_work);
		break;
	case VCONNECT_EV_TARGET_LOGOUT_REQ:
		/*
		 * ERL 0: the lost session is closed and the same ISID logs in
		 * again, after DefaultTime2Wait (RFC 7143: the minimum time
		 * before an explicit or implicit logout and a new login).
		 */
		vhba_session_time2wait(sess,
				       READ_ONCE(sess->info.neg.default_time2wait));
		vhba_session_failed(be, -ECONNRESET);
		break;
	case VCONNECT_EV_TARGET_DROPPING:
		/* Its Time2Wait (Parameter2); failed() follows. */
		vhba_session_time2wait(sess, lun);
		break;
	case VCONNECT_EV_PARAM_RENEGOTIATE:
		break;
	}
}

const struct vconnect_session_owner_ops vhba_owner_ops = {
	.task_done	= vhba_task_done,
	.failed		= vhba_session_failed,
	.event		= vhba_session_event,
};

/* ---- the I/O path ---- */

/* Called from queuecommand; returns a queuecommand result. */
int vhba_session_queue(struct vhba_session *sess, struct scsi_cmnd *sc)
{
	struct vhba_cmd *cmd = scsi_cmd_priv(sc);
	struct vconnect_be_session *be;
	enum vconnect_session_state state;
	int ret;

	if (unlikely(vhba_lun_give_ua(sc))) {
		scsi_done(sc);
		return 0;
	}
	if (unlikely(vhba_pr_holds(sess, sc)))
		return SCSI_MLQUEUE_DEVICE_BUSY;
	rcu_read_lock();
	be = rcu_dereference(sess->be);
	if (unlikely(!be)) {
		rcu_read_unlock();
		state = READ_ONCE(sess->state);
		if (state == VCONNECT_SESSION_FAILED ||
		    state == VCONNECT_SESSION_FREE || READ_ONCE(sess->detaching)) {
			sc->result = DID_TRANSPORT_FAILFAST << 16;
			atomic64_inc(&sess->stats.errors);
			scsi_done(sc);
			return 0;
		}
		return SCSI_MLQUEUE_TARGET_BUSY;
	}
	WRITE_ONCE(cmd->sess, sess);
	WRITE_ONCE(cmd->be, be);
	ret = be->backend->ops->queue(be, sc);
	rcu_read_unlock();
	if (likely(!ret))
		return 0;
	WRITE_ONCE(cmd->be, NULL);
	WRITE_ONCE(cmd->sess, NULL);
	/* -EBUSY: window closed; -ENOTCONN: recovery is on its way. */
	return SCSI_MLQUEUE_TARGET_BUSY;
}

/* ---- devices of the session's SCSI target ---- */

static struct scsi_target *vhba_session_starget(struct vhba_session *sess)
{
	struct Scsi_Host *shost = sess->vhba->shost;
	struct scsi_target *starget = NULL;
	struct scsi_device *sdev;

	shost_for_each_device(sdev, shost) {
		if (sdev->channel == 0 && sdev->id == sess->id && !starget) {
			starget = scsi_target(sdev);
			get_device(&starget->dev);
		}
	}
	return starget;
}

/*
 * Stop the block layer from dispatching to the target's devices while a
 * lost session cannot be replaced at once. Caller holds sess->mutex.
 */
static void vhba_session_block(struct vhba_session *sess)
{
	struct scsi_target *starget;

	if (sess->blocked)
		return;
	sess->blocked = true;
	starget = vhba_session_starget(sess);
	if (starget) {
		scsi_target_block(&starget->dev);
		put_device(&starget->dev);
	}
}

static void vhba_session_unblock(struct vhba_session *sess)
{
	struct scsi_target *starget;

	if (!sess->blocked)
		return;
	sess->blocked = false;
	starget = vhba_session_starget(sess);
	if (starget) {
		scsi_target_unblock(&starget->dev, SDEV_RUNNING);
		put_device(&starget->dev);
	}
}

struct vhba_take_back {
	struct vhba_session *sess;
	struct vconnect_be_session *be;
	int result;
};

static bool vhba_take_back_one(struct scsi_cmnd *sc, void *data)
{
	struct vhba_cmd *cmd = scsi_cmd_priv(sc);
	struct vhba_take_back *tb = data;

	if (READ_ONCE(cmd->be) != tb->be)
		return true;
	WRITE_ONCE(cmd->be, NULL);
	WRITE_ONCE(cmd->sess, NULL);
	/* Timed out: the error handler owns it and its result. */
	if (test_bit(SCMD_STATE_COMPLETE, &sc->state))
		return true;
	sc->result = tb->result;
	if (host_byte(tb->result) != DID_REQUEUE)
		atomic64_inc(&tb->sess->stats.errors);
	scsi_done(sc);
	return true;
}

/*
 * Give the block layer back the commands a closed backend session still
 * held (close() made them ours again). Only once nothing the target
 * received from @be can still reach the medium: see vhba_switch_fence().
 */
void vhba_session_requeue(struct vhba_session *sess,
			  struct vconnect_be_session *be)
{
	/* Not a retry: the target never saw a result for them. */
	struct vhba_take_back tb = {
		.sess = sess, .be = be, .result = DID_REQUEUE << 16,
	};

	scsi_host_busy_iter(sess->vhba->shost, vhba_take_back_one, &tb);
}

/*
 * Fail the commands a closed backend session still held, when they cannot
 * be reissued safely: the target may still carry them out.
 */
void vhba_session_fail_held(struct vhba_session *sess,
			    struct vconnect_be_session *be)
{
	struct vhba_take_back tb = {
		.sess = sess, .be = be, .result = DID_TRANSPORT_FAILFAST << 16,
	};

	scsi_host_busy_iter(sess->vhba->shost, vhba_take_back_one, &tb);
}

struct vhba_held_count {
	struct vconnect_be_session *be;
	unsigned int n;
};

static bool vhba_count_held(struct scsi_cmnd *sc, void *data)
{
	struct vhba_cmd *cmd = scsi_cmd_priv(sc);
	struct vhba_held_count *c = data;

	if (READ_ONCE(cmd->be) == c->be)
		c->n++;
	return true;
}

/* How many commands backend session @be owns right now. */
unsigned int vhba_session_held_by(struct vhba_session *sess,
				  struct vconnect_be_session *be)
{
	struct vhba_held_count c = { .be = be };

	scsi_host_busy_iter(sess->vhba->shost, vhba_count_held, &c);
	return c.n;
}

/*
 * Take the backend session away from the I/O path and close it. Commands
 * it held go back to the block layer; with the devices blocked they wait
 * there for the next session.
 */
static struct vconnect_be_session *
vhba_session_unpublish(struct vhba_session *sess,
		       struct vconnect_backend **backendp)
{
	struct vconnect_be_session *be;

	lockdep_assert_held(&sess->mutex);
	be = rcu_dereference_protected(sess->be, lockdep_is_held(&sess->mutex));
	if (!be)
		return NULL;
	*backendp = sess->backend;
	RCU_INIT_POINTER(sess->be, NULL);
	sess->backend = NULL;
	synchronize_rcu();		/* no queuecommand still inside be */
	return be;
}

/* Close an unpublished backend session and take back what it held. */
static void vhba_session_close_be(struct vhba_session *sess,
				  struct vconnect_be_session *be,
				  struct vconnect_backend *backend, bool logout)
{
	backend->ops->close(be, logout);
	vhba_exec_free_parked(sess);
	vhba_backend_put(backend);
	vhba_session_requeue(sess, be);
}

static void vhba_session_teardown(struct vhba_session *sess, bool logout)
{
	struct vconnect_backend *backend;
	struct vconnect_be_session *be;

	be = vhba_session_unpublish(sess, &backend);
	if (be)
		vhba_session_close_be(sess, be, backend, logout);
}

/* ---- login ---- */

void vhba_session_fill_desc(struct vhba_session *sess, const u8 *isid,
			    struct vconnect_session_desc *desc)
{
	struct vhba *vhba = sess->vhba;

	memset(desc, 0, sizeof(*desc));
	desc->owner_name = vhba->name;
	desc->initiator_name = vhba->initiator_name;
	desc->initiator_alias = vhba->alias[0] ? vhba->alias : NULL;
	memcpy(desc->isid, isid, VCONNECT_ISID_LEN);
	desc->target_name = sess->target_name;
	desc->chap = vhba->chap.user[0] ? &vhba->chap : NULL;
	desc->want = vhba->want;
	desc->login_timeout_ms = VHBA_LOGIN_TIMEOUT_MS;
	desc->noop_interval_ms = VHBA_NOOP_INTERVAL_MS;
	desc->noop_timeout_ms = VHBA_NOOP_TIMEOUT_MS;
	desc->stats = &sess->proto_stats;
}

/* Where a backend session runs, for people: "software", "vcsim0/vf2". */
void vhba_session_describe(struct vhba_session *sess,
			   struct vconnect_be_session *be, char *buf, size_t len)
{
	if (be->backend->ops->describe)
		be->backend->ops->describe(be, buf, len);
	else
		strscpy(buf, be->backend->name, len);
}

static bool vhba_same_portal(const struct sockaddr_storage *a,
			     const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr);
	return false;
}

/*
 * Log in on @backend with @isid, at @first if given, then over every
 * other portal in turn. Fills @info (also on failure, where known) and *@bep.
 * Does not publish.
 */
int vhba_session_open_be(struct vhba_session *sess,
			 struct vconnect_backend *backend, const u8 *isid,
			 const struct sockaddr_storage *first,
			 struct vconnect_session_info *info,
			 struct vconnect_be_session **bep)
{
	struct vconnect_be_session *be = ERR_PTR(-ENODEV);
	struct vconnect_session_desc desc;
	unsigned int i;

	vhba_session_fill_desc(sess, isid, &desc);
	for (i = first ? 0 : 1; i <= sess->nr_portals; i++) {
		/* A portal that just failed does not get a second login. */
		if (i && first && vhba_same_portal(first, &sess->portals[i - 1]))
			continue;
		memset(info, 0, sizeof(*info));
		desc.portal = i ? sess->portals[i - 1] : *first;
		be = backend->ops->open(&desc, &vhba_owner_ops, sess, info);
		if (!IS_ERR(be))
			break;
		/* A target that refuses us will refuse on every portal. */
		if (PTR_ERR(be) == -EACCES || PTR_ERR(be) == -ENOENT)
			break;
		/* No offload function to be had: no portal will change that. */
		if (PTR_ERR(be) == -ENOSPC)
			break;
	}
	if (IS_ERR(be))
		return PTR_ERR(be);
	*bep = be;
	return 0;
}

/*
 * After a recovery's login: the lost session's tasks may still run on the
 * target unless the login reinstated it, and only a login to the same
 * target portal group does that (a session is named by initiator name,
 * ISID and portal group, RFC 7143 section 4.4.3). In another group, abort
 * them by a LUN RESET of each of the target's LUNs through the new
 * session before it carries anything: that ends every task on the LUN
 * whichever nexus sent it (SAM-5 5.11).
 */
static int vhba_session_fence_lost(struct vhba_session *sess,
				   struct vconnect_be_session *be,
				   const struct vconnect_session_info *info)
{
	struct scsi_device *sdev;
	unsigned int n = 0;
	int ret = 0;

	lockdep_assert_held(&sess->mutex);
	if (info->target_portal_group_tag != sess->lost_tpgt) {
		shost_for_each_device(sdev, sess->vhba->shost) {
			if (sdev->channel || sdev->id != sess->id || ret)
				continue;
			ret = be->backend->ops->lun_reset(be, sdev->lun);
			n++;
		}
		shost_printk(KERN_INFO, sess->vhba->shost,
			     "session to %s: logged in to portal group %u, not %u: fencing the lost session by LUN reset of %u LUN(s): %s\n",
			     sess->target_name, info->target_portal_group_tag,
			     sess->lost_tpgt, n, ret ? "failed" : "done");
	}
	if (!ret)
		sess->fence_lost = false;
	return ret ? -EXDEV : 0;
}

/*
 * One login attempt: on an offload function when the policy allows and
 * one is assignable, else (policy permitting) on the software datapath.
 * After a lost session, at its portal first and fenced (see above).
 * Publishes the session on success.
 */
static int vhba_session_try_login(struct vhba_session *sess)
{
	static const enum vconnect_backend_kind order[] = {
		VCONNECT_BACKEND_OFFLOAD, VCONNECT_BACKEND_SOFTWARE,
	};
	enum vconnect_backend_policy policy = READ_ONCE(sess->vhba->policy);
	struct vconnect_session_info info = {};
	struct vconnect_backend *backend = NULL;
	struct vconnect_be_session *be;
	int ret = -ENODEV;
	unsigned int i;

	lockdep_assert_held(&sess->mutex);
	/* A failure of an earlier, closed backend session is history. */
	clear_bit(VHBA_SESS_FAILED_BIT, &sess->flags);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		int err;

		if (!vhba_policy_allows(policy, order[i]))
			continue;
		backend = vhba_backend_get_kind(order[i]);
		if (!backend)
			continue;
		err = vhba_session_open_be(sess, backend, sess->isid,
					   sess->fence_lost ? &sess->lost_portal : NULL,
					   &info, &be);
		if (!err && sess->fence_lost) {
			err = vhba_session_fence_lost(sess, be, &info);
			if (err)
				backend->ops->close(be, true);
		}
		if (!err)
			break;
		vhba_backend_put(backend);
		backend = NULL;
		/* "No function free" says less than a real login error. */
		if (err != -ENOSPC || ret == -ENODEV)
			ret = err;
	}
	if (!backend) {
		spin_lock_bh(&sess->lock);
		sess->info.login_status_class = info.login_status_class;
		sess->info.login_status_detail = info.login_status_detail;
		spin_unlock_bh(&sess->lock);
		return ret;
	}

	spin_lock_bh(&sess->lock);
	sess->info = info;
	sess->state = VCONNECT_SESSION_LOGGED_IN;
	vhba_session_describe(sess, be, sess->where, sizeof(sess->where));
	spin_unlock_bh(&sess->lock);
	sess->backend = backend;
	rcu_assign_pointer(sess->be, be);
	wake_up_all(&sess->state_wq);
	return 0;
}

/* First login of an attached target, from netlink. */
int vhba_session_login(struct vhba_session *sess, struct netlink_ext_ack *extack)
{
	int ret;

	mutex_lock(&sess->mutex);
	vhba_session_set_state(sess, VCONNECT_SESSION_LOGGING_IN);
	ret = vhba_session_try_login(sess);
	if (ret) {
		sess->last_error = ret;
		vhba_session_set_state(sess, VCONNECT_SESSION_FREE);
	}
	mutex_unlock(&sess->mutex);

	switch (ret) {
	case 0:
		vhba_notify(VCONNECT_EVENT_SESSION_UP, sess->vhba, sess, 0, 0);
		break;
	case -ENODEV:
		NL_SET_ERR_MSG_MOD(extack, "no datapath backend allowed by the vHBA's policy is loaded (modprobe vconnect_software)");
		break;
	case -EACCES:
		NL_SET_ERR_MSG_MOD(extack, "target refused the login: authentication or authorization failed (check ACL and CHAP)");
		break;
	case -ENOENT:
		NL_SET_ERR_MSG_MOD(extack, "target name not found on the portal");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG_MOD(extack, "no offload function is free and the policy does not allow software");
		break;
	case -ECONNREFUSED:
	case -ENETUNREACH:
	case -EHOSTUNREACH:
	case -ETIMEDOUT:
		NL_SET_ERR_MSG_MOD(extack, "could not reach any portal of the target");
		break;
	default:
		NL_SET_ERR_MSG_MOD(extack, "login failed");
		break;
	}
	return ret;
}

/* ---- recovery ---- */

static unsigned long vhba_retry_delay(struct vhba_session *sess)
{
	u64 elapsed_ms = (local_clock() - sess->recovery_start_ns) / NSEC_PER_MSEC;

	/* Fast first retries, then back off towards VHBA_RETRY_MAX_MS. */
	return msecs_to_jiffies(clamp_t(u64, elapsed_ms / 4, VHBA_RETRY_MIN_MS,
					VHBA_RETRY_MAX_MS));
}

/*
 * How long recovery must still wait before it logs in (the target's
 * Time2Wait), in *@wait jiffies; false when it may log in now.
 */
static bool vhba_session_time2wait_left(struct vhba_session *sess,
					unsigned long *wait)
{
	bool pending = false;

	spin_lock_bh(&sess->lock);
	if (sess->time2wait_set) {
		if (time_before(jiffies, sess->time2wait_until)) {
			*wait = sess->time2wait_until - jiffies;
			pending = true;
		} else {
			sess->time2wait_set = false;
		}
	}
	spin_unlock_bh(&sess->lock);
	return pending;
}

static void vhba_session_recovery_work(struct work_struct *work)
{
	struct vhba_session *sess = container_of(to_delayed_work(work),
						 struct vhba_session,
						 recovery_work);
	struct vconnect_be_session *lost = NULL;
	struct vconnect_backend *lost_backend;
	struct vhba *vhba = sess->vhba;
	unsigned long wait = 0;
	unsigned int noio;
	int ret;

	/*
	 * No I/O from reclaim: writeback may be waiting for the very LUNs
	 * this recovers (and the login allocates, down to the socket's).
	 */
	noio = memalloc_noio_save();
	mutex_lock(&sess->mutex);
	if (sess->state != VCONNECT_SESSION_LOGGED_IN) {
		/* Recovering or failed already: a new report adds nothing. */
		clear_bit(VHBA_SESS_FAILED_BIT, &sess->flags);
	} else if (test_bit(VHBA_SESS_FAILED_BIT, &sess->flags)) {
		/*
		 * RECOVERING before the bit goes, so that wait_ready() (a
		 * host reset) never sees a session that is neither failed
		 * nor recovering and takes it for reinstated.
		 *
		 * No blocking yet: blocking quiesces every device queue (an
		 * RCU grace period each), longer than a quick reinstatement.
		 * Until then queuecommand answers "target busy".
		 */
		vhba_session_set_state(sess, VCONNECT_SESSION_RECOVERING);
		clear_bit_unlock(VHBA_SESS_FAILED_BIT, &sess->flags);
		shost_printk(KERN_INFO, vhba->shost,
			     "session to %s lost (%d), reinstating\n",
			     sess->target_name, READ_ONCE(sess->last_error));
		sess->recovery_start_ns = local_clock();
		sess->recovery_deadline = jiffies +
			msecs_to_jiffies(vhba->replacement_timeout_ms);
		atomic64_inc(&sess->stats.recoveries);
		spin_lock_bh(&sess->lock);
		strscpy(sess->lost_where, sess->where, sizeof(sess->lost_where));
		sess->lost_error = sess->last_error;
		sess->lost_portal = sess->info.portal;
		sess->lost_tpgt = sess->info.target_portal_group_tag;
		sess->fence_lost = true;
		/* I/O stopped when the failure was reported, not now. */
		if (!sess->failed_ns)
			sess->failed_ns = sess->recovery_start_ns;
		spin_unlock_bh(&sess->lock);
		/*
		 * Log in again before closing the lost session: its close
		 * (a dead connection, a reset function) then costs no stall.
		 * The same ISID makes the target reinstate, so none of the
		 * lost session's tasks runs after the new session starts.
		 */
		lost = vhba_session_unpublish(sess, &lost_backend);
		/* Whatever it reports from now on is history. */
		spin_lock_bh(&sess->lock);
		sess->draining = lost;
		spin_unlock_bh(&sess->lock);
		vhba_notify(VCONNECT_EVENT_RECOVERY_START, vhba, sess,
			    READ_ONCE(sess->last_error), 0);
	}

	if (sess->detaching || (sess->state != VCONNECT_SESSION_RECOVERING &&
				sess->state != VCONNECT_SESSION_FAILED)) {
		ret = -ECANCELED;
	} else if (vhba_session_time2wait_left(sess, &wait)) {
		ret = -EAGAIN;	/* not yet: the target's Time2Wait */
	} else {
		ret = vhba_session_try_login(sess);
	}
	/* Its commands wait, blocked, for the new session (or the timeout). */
	if (lost) {
		vhba_session_close_be(sess, lost, lost_backend, false);
		spin_lock_bh(&sess->lock);
		sess->draining = NULL;
		spin_unlock_bh(&sess->lock);
	}
	if (ret == -ECANCELED)
		goto out;
	if (!ret) {
		u64 stall_us = (local_clock() - sess->failed_ns) /
			       NSEC_PER_USEC;
		bool moved = strcmp(sess->lost_where, sess->where);

		sess->failed_ns = 0;
		vhba_session_unblock(sess);
		shost_printk(KERN_INFO, vhba->shost,
			     "session to %s reinstated on %s after %llu ms\n",
			     sess->target_name, sess->where, stall_us / 1000);
		vhba_notify(VCONNECT_EVENT_RECOVERY_DONE, vhba, sess, 0,
			    stall_us);
		if (moved) {
			atomic64_inc(&sess->stats.failovers);
			WRITE_ONCE(sess->stats.last_stall_us, stall_us);
			vhba_notify_switch(VCONNECT_EVENT_SWITCH, sess,
					   vhba_switch_cause(sess->lost_error),
					   sess->lost_where, sess->lost_error,
					   stall_us, stall_us);
		}
		goto out;
	}
	if (ret != -EAGAIN || !wait)
		sess->last_error = ret;
	/* Not quick: park the I/O in the block layer until it is back. */
	if (sess->state == VCONNECT_SESSION_RECOVERING)
		vhba_session_block(sess);
	if (sess->state == VCONNECT_SESSION_RECOVERING &&
	    time_after_eq(jiffies, sess->recovery_deadline)) {
		shost_printk(KERN_WARNING, vhba->shost,
			     "session to %s: replacement timeout expired, failing I/O\n",
			     sess->target_name);
		vhba_session_set_state(sess, VCONNECT_SESSION_FAILED);
		vhba_session_unblock(sess);
		vhba_notify(VCONNECT_EVENT_RECOVERY_TIMEOUT, vhba, sess, ret, 0);
	}
	queue_delayed_work(vhba_wq, &sess->recovery_work,
			   wait ?: vhba_retry_delay(sess));
out:
	mutex_unlock(&sess->mutex);
	memalloc_noio_restore(noio);
}

bool vhba_session_recovering(struct vhba_session *sess)
{
	return READ_ONCE(sess->state) == VCONNECT_SESSION_RECOVERING;
}

/*
 * For the error handler: wait until the session is logged in, or the
 * replacement timeout says it will not be. 0 when logged in.
 */
int vhba_session_wait_ready(struct vhba_session *sess)
{
	long left = msecs_to_jiffies(sess->vhba->replacement_timeout_ms);

	/*
	 * The bit before the state: recovery_work() sets RECOVERING before
	 * it clears the bit (release), so no failure goes unseen.
	 */
	left = wait_event_timeout(sess->state_wq,
				  !test_bit_acquire(VHBA_SESS_FAILED_BIT, &sess->flags) &&
				  READ_ONCE(sess->state) != VCONNECT_SESSION_RECOVERING,
				  left);
	return READ_ONCE(sess->state) == VCONNECT_SESSION_LOGGED_IN ? 0 : -EIO;
}

/*
 * Run recovery now (a function to recover on may have come back), unless
 * vhba_session_destroy() claimed the session: it cancels the work once,
 * after the claim, so nothing may queue it after that.
 */
void vhba_session_kick_recovery(struct vhba_session *sess)
{
	spin_lock_bh(&sess->lock);
	if (!sess->detaching)
		mod_delayed_work(vhba_wq, &sess->recovery_work, 0);
	spin_unlock_bh(&sess->lock);
}

/*
 * Drop the connection and reinstate the session (host reset). No mutex:
 * the error handler must not wait for a control command that waits for
 * the commands the error handler owns. Under sess->lock, so that no
 * recovery is queued once vhba_session_destroy() has claimed the session.
 */
int vhba_session_reinstate(struct vhba_session *sess)
{
	spin_lock_bh(&sess->lock);
	if (!sess->detaching &&
	    READ_ONCE(sess->state) == VCONNECT_SESSION_LOGGED_IN) {
		WRITE_ONCE(sess->last_error, -ECANCELED);
		set_bit(VHBA_SESS_FAILED_BIT, &sess->flags);
		mod_delayed_work(vhba_wq, &sess->recovery_work, 0);
	}
	spin_unlock_bh(&sess->lock);
	return vhba_session_wait_ready(sess);
}

/* ---- LUNs ---- */

/*
 * REPORT LUNS: first the header and up to 1023 LUNs; when the target says
 * its list is longer, once more with room for all of it, up to the
 * header and shost->max_lun (16384) LUNs.
 */
#define VHBA_REPORT_LUNS_LEN	8192
#define VHBA_REPORT_LUNS_MAX	(8 + 16384 * 8)

static bool vhba_lun_listed(const u8 *buf, unsigned int n, u64 lun)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (scsilun_to_int((struct scsi_lun *)&buf[8 + 8 * i]) == lun)
			return true;
	return false;
}

/*
 * The target's whole LUN list through @sdev: the buffer (kvfree() it)
 * and the number of LUNs in it, or NULL when it could not be read whole.
 */
static u8 *vhba_report_luns(struct scsi_device *sdev, unsigned int *nr)
{
	unsigned int len = VHBA_REPORT_LUNS_LEN;
	u8 cdb[12] = { REPORT_LUNS };
	struct scsi_sense_hdr sshdr;
	u64 want;
	int ret, i;
	u8 *buf;

	for (i = 0; i < 2; i++) {
		buf = kvzalloc(len, GFP_KERNEL);
		if (!buf)
			return NULL;
		put_unaligned_be32(len, &cdb[6]);
		ret = scsi_execute_req(sdev, cdb, DMA_FROM_DEVICE, buf, len,
				       &sshdr, 30 * HZ, 3, NULL);
		if (ret) {
			sdev_printk(KERN_INFO, sdev, "REPORT LUNS failed (0x%x), not pruning\n",
				    ret);
			break;
		}
		want = 8ULL + get_unaligned_be32(buf);
		if (want <= len) {
			*nr = (want - 8) / 8;
			return buf;
		}
		kvfree(buf);
		buf = NULL;
		if (want > VHBA_REPORT_LUNS_MAX) {
			sdev_printk(KERN_INFO, sdev, "REPORT LUNS: %llu LUNs, more than %u, not pruning\n",
				    (want - 8) / 8, (VHBA_REPORT_LUNS_MAX - 8) / 8);
			return NULL;
		}
		len = want;
	}
	if (!ret)
		sdev_printk(KERN_INFO, sdev, "REPORT LUNS: the list grew while it was read, not pruning\n");
	kvfree(buf);
	return NULL;
}

/*
 * The midlayer's scan adds LUNs but never removes them: ask the target
 * (REPORT LUNS through any of its LUNs) and remove the devices of LUNs it
 * no longer reports.
 */
static void vhba_session_prune_luns(struct vhba_session *sess)
{
	struct Scsi_Host *shost = sess->vhba->shost;
	struct scsi_device *sdev, *probe = NULL;
	unsigned int n;
	u8 *buf;

	shost_for_each_device(sdev, shost) {
		if (sdev->id == sess->id && !probe && !scsi_device_get(sdev))
			probe = sdev;
	}
	if (!probe)
		return;
	buf = vhba_report_luns(probe, &n);
	if (!buf)
		goto put;
	shost_for_each_device(sdev, shost) {
		if (sdev->id != sess->id || vhba_lun_listed(buf, n, sdev->lun))
			continue;
		sdev_printk(KERN_INFO, sdev, "LUN no longer reported, removing\n");
		scsi_remove_device(sdev);
	}
	kvfree(buf);
put:
	scsi_device_put(probe);
}

/* Add the LUNs the target reports (or the bound ones), drop vanished ones. */
/*
 * Add the target's LUNs, remove those it no longer reports. Sends SCSI
 * commands: hold no mutex of ours (the error handler may need one).
 */
void vhba_session_scan(struct vhba_session *sess)
{
	struct Scsi_Host *shost = sess->vhba->shost;
	unsigned int i;

	if (READ_ONCE(sess->detaching))
		return;
	if (!sess->nr_luns) {
		scsi_scan_target(&shost->shost_gendev, 0, sess->id,
				 SCAN_WILD_CARD, SCSI_SCAN_RESCAN);
	} else {
		for (i = 0; i < sess->nr_luns; i++) {
			struct scsi_device *sdev;

			sdev = scsi_device_lookup(shost, 0, sess->id,
						  sess->luns[i]);
			if (sdev) {
				scsi_device_put(sdev);
				continue;
			}
			scsi_add_device(shost, 0, sess->id, sess->luns[i]);
		}
	}
	vhba_session_prune_luns(sess);
}

static void vhba_session_rescan_work(struct work_struct *work)
{
	struct vhba_session *sess = container_of(work, struct vhba_session,
						 rescan_work);

	vhba_session_scan(sess);
	vhba_notify(VCONNECT_EVENT_LUNS_CHANGED, sess->vhba, sess, 0, 0);
}

/* ---- create and destroy ---- */

struct vhba_session *vhba_session_create(struct vhba *vhba, const char *target,
					 const struct sockaddr_storage *portals,
					 unsigned int nr_portals,
					 const u64 *luns, unsigned int nr_luns,
					 struct netlink_ext_ack *extack)
{
	struct vhba_session *sess;
	unsigned int id;
	int ret;

	lockdep_assert_held(&vhba->mutex);
	for (id = 0; id < VHBA_MAX_TARGETS; id++) {
		sess = rcu_dereference_protected(vhba->sessions[id],
						 lockdep_is_held(&vhba->mutex));
		if (sess && !strcmp(sess->target_name, target)) {
			NL_SET_ERR_MSG_MOD(extack, "target is already attached to this vHBA");
			return ERR_PTR(-EEXIST);
		}
	}
	for (id = 0; id < VHBA_MAX_TARGETS; id++)
		if (!rcu_access_pointer(vhba->sessions[id]))
			break;
	if (id == VHBA_MAX_TARGETS) {
		NL_SET_ERR_MSG_MOD(extack, "vHBA has the maximum number of targets attached");
		return ERR_PTR(-ENOSPC);
	}

	sess = kzalloc(sizeof(*sess), GFP_KERNEL);
	if (!sess)
		return ERR_PTR(-ENOMEM);
	sess->vhba = vhba;
	sess->id = id;
	strscpy(sess->target_name, target, sizeof(sess->target_name));
	memcpy(sess->portals, portals, nr_portals * sizeof(*portals));
	sess->nr_portals = nr_portals;
	memcpy(sess->luns, luns, nr_luns * sizeof(*luns));
	sess->nr_luns = nr_luns;
	mutex_init(&sess->mutex);
	INIT_LIST_HEAD(&sess->exec_orphans);
	spin_lock_init(&sess->lock);
	init_waitqueue_head(&sess->state_wq);
	INIT_DELAYED_WORK(&sess->recovery_work, vhba_session_recovery_work);
	INIT_WORK(&sess->rescan_work, vhba_session_rescan_work);
	sess->state = VCONNECT_SESSION_FREE;
	memcpy(sess->isid, vhba->isid, VCONNECT_ISID_LEN);

	ret = kobject_init_and_add(&sess->kobj, &vhba_session_ktype,
				   &vhba->shost->shost_gendev.kobj,
				   "session%u", id);
	if (ret) {
		kobject_put(&sess->kobj);	/* frees sess */
		return ERR_PTR(ret);
	}
	rcu_assign_pointer(vhba->sessions[id], sess);
	return sess;
}

static void vhba_session_remove_devices(struct vhba_session *sess)
{
	struct scsi_target *starget = vhba_session_starget(sess);

	if (starget) {
		scsi_remove_target(&starget->dev);
		put_device(&starget->dev);
	}
}

/*
 * Detach: remove the SCSI devices while the session still runs (their
 * I/O completes, caches flush), then log out, unpublish and free.
 * Holds neither vhba->mutex nor vhba_mutex across the device removal and
 * the logout: both may wait for SCSI commands that the error handler owns.
 * The first caller claims the session (detaching) and does the work; a
 * second one (vHBA delete racing a detach) returns at once. Callers hold
 * a reference (kobject) to the session.
 */
void vhba_session_destroy(struct vhba_session *sess)
{
	struct vhba *vhba = sess->vhba;
	bool claimed;

	spin_lock_bh(&sess->lock);
	claimed = !sess->detaching;
	WRITE_ONCE(sess->detaching, true);
	spin_unlock_bh(&sess->lock);
	if (!claimed)
		return;

	mutex_lock(&sess->mutex);
	/* Commands waiting for a session that will not come fail now. */
	if (sess->state != VCONNECT_SESSION_LOGGED_IN) {
		vhba_session_set_state(sess, VCONNECT_SESSION_FREE);
		vhba_session_unblock(sess);
	}
	mutex_unlock(&sess->mutex);
	cancel_delayed_work_sync(&sess->recovery_work);
	cancel_work_sync(&sess->rescan_work);

	vhba_session_remove_devices(sess);

	mutex_lock(&sess->mutex);
	vhba_session_teardown(sess, true);
	vhba_session_set_state(sess, VCONNECT_SESSION_FREE);
	mutex_unlock(&sess->mutex);
	/*
	 * A failure or a LUN change reported before close() may have queued
	 * either work again; after close() no backend calls us.
	 */
	cancel_delayed_work_sync(&sess->recovery_work);
	cancel_work_sync(&sess->rescan_work);

	mutex_lock(&vhba->mutex);
	RCU_INIT_POINTER(vhba->sessions[sess->id], NULL);
	mutex_unlock(&vhba->mutex);
	vhba_notify(VCONNECT_EVENT_SESSION_DOWN, vhba, sess, 0, 0);
	synchronize_rcu();		/* queuecommand no longer sees it */
	kobject_del(&sess->kobj);
	kobject_put(&sess->kobj);
}
