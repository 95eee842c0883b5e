// SPDX-License-Identifier: GPL-2.0
/*
 * The vHBA as a SCSI host: creation and removal, queuecommand, and the
 * error handler's escalation (abort task, LUN reset, target warm reset,
 * session reinstatement).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

#include "vhba.h"

struct vhba_session *vhba_session_by_id(struct vhba *vhba, unsigned int id)
{
	if (id >= VHBA_MAX_TARGETS)
		return NULL;
	return rcu_dereference_check(vhba->sessions[id],
				     lockdep_is_held(&vhba->mutex));
}

/*
 * A reference to session @id, or NULL: for those who sleep on it without
 * vhba->mutex. Pairs with vhba_session_put(). Any context.
 */
struct vhba_session *vhba_session_get(struct vhba *vhba, unsigned int id)
{
	struct vhba_session *sess;

	rcu_read_lock();
	sess = vhba_session_by_id(vhba, id);
	if (sess && !kobject_get_unless_zero(&sess->kobj))
		sess = NULL;
	rcu_read_unlock();
	return sess;
}

/* Context: may sleep (the last reference frees the session). */
void vhba_session_put(struct vhba_session *sess)
{
	kobject_put(&sess->kobj);
}

static int vhba_queuecommand(struct Scsi_Host *shost, struct scsi_cmnd *sc)
{
	struct vhba *vhba = shost_to_vhba(shost);
	struct vhba_session *sess;
	int ret;

	rcu_read_lock();
	sess = vhba_session_by_id(vhba, sc->device->id);
	if (unlikely(!sess)) {
		rcu_read_unlock();
		sc->result = DID_NO_CONNECT << 16;
		scsi_done(sc);
		return 0;
	}
	ret = vhba_session_queue(sess, sc);
	rcu_read_unlock();
	return ret;
}

/*
 * The error handler runs only once every outstanding command of the host
 * has completed or timed out, so the commands a task management function
 * covers are all owned by it. A reset from SG_SCSI_RESET (sg_reset -d/-t)
 * is not: the commands it covers may still be in flight, see
 * vhba_reset_hand_back().
 */
static enum blk_eh_timer_return vhba_eh_timed_out(struct scsi_cmnd *sc)
{
	struct vhba *vhba = shost_to_vhba(sc->device->host);
	enum blk_eh_timer_return ret = BLK_EH_DONE;
	struct vhba_session *sess;

	/* The replacement timeout, not the command timer, governs recovery. */
	rcu_read_lock();
	sess = vhba_session_by_id(vhba, sc->device->id);
	if (sess && vhba_session_recovering(sess))
		ret = BLK_EH_RESET_TIMER;
	rcu_read_unlock();
	return ret;
}

enum vhba_tmf {
	VHBA_TMF_ABORT_TASK,
	VHBA_TMF_LUN_RESET,
	VHBA_TMF_TARGET_RESET,
};

static const char *const vhba_tmf_names[] = {
	[VHBA_TMF_ABORT_TASK]	= "abort task",
	[VHBA_TMF_LUN_RESET]	= "LUN reset",
	[VHBA_TMF_TARGET_RESET]	= "target warm reset",
};

/* What a successful LUN or target reset took from the backend. */
struct vhba_reset_scope {
	struct vconnect_be_session *be;
	u64 lun;
	bool all_luns;			/* target warm reset */
	unsigned int retried;
};

/*
 * The backend dropped, without task_done, every command the reset covers:
 * those still marked as owned by it (cmd->be) are exactly those. The
 * ones the midlayer still waits for go back with DID_RESET and are
 * retried (scsi_io_completion); timed-out ones (SCMD_STATE_COMPLETE set)
 * and the error handler's own commands belong to the error handler and
 * are left to it: only the ownership mark goes, so an abort of one of
 * them finds nothing to abort.
 */
static bool vhba_reset_hand_back(struct scsi_cmnd *sc, void *data)
{
	struct vhba_reset_scope *rs = data;
	struct vhba_cmd *cmd = scsi_cmd_priv(sc);

	if (READ_ONCE(cmd->be) != rs->be ||
	    (!rs->all_luns && sc->device->lun != rs->lun))
		return true;
	WRITE_ONCE(cmd->be, NULL);
	WRITE_ONCE(cmd->sess, NULL);
	if (sc->submitter != SUBMITTED_BY_BLOCK_LAYER ||
	    test_bit(SCMD_STATE_COMPLETE, &sc->state))
		return true;
	sc->result = DID_RESET << 16;
	scsi_done(sc);
	rs->retried++;
	return true;
}

/* Run a TMF on the session's current backend session. */
static int vhba_tmf(struct vhba_session *sess, struct scsi_cmnd *sc,
		    enum vhba_tmf tmf)
{
	struct vhba_reset_scope rs = { .lun = sc->device->lun };
	struct vhba_cmd *cmd = scsi_cmd_priv(sc);
	struct vconnect_be_session *be;
	unsigned int noio;
	int ret;

	if (vhba_session_wait_ready(sess))
		return FAILED;

	/* The LUN's writeback waits for this: no I/O from reclaim. */
	noio = memalloc_noio_save();
	mutex_lock(&sess->mutex);
	be = rcu_dereference_protected(sess->be, lockdep_is_held(&sess->mutex));
	if (!be) {
		mutex_unlock(&sess->mutex);
		memalloc_noio_restore(noio);
		return FAILED;
	}
	switch (tmf) {
	case VHBA_TMF_ABORT_TASK:
		/*
		 * Not held by this backend session (completed, or taken
		 * back by recovery or a switch, which hold sess->mutex as
		 * we do): done.
		 */
		if (READ_ONCE(cmd->be) != be) {
			ret = 0;
			break;
		}
		ret = be->backend->ops->abort(be, sc);
		break;
	default:
		/*
		 * Out of the error handler (SG_SCSI_RESET) other commands
		 * are in flight. The ioctl set tmf_in_progress, so no new
		 * command is dispatched; wait out those already inside
		 * queuecommand (blk-mq dispatches under rcu_read_lock()),
		 * so that every command the backend holds once the reset
		 * is done was there before it and was dropped by it.
		 */
		synchronize_rcu();
		if (tmf == VHBA_TMF_LUN_RESET) {
			ret = be->backend->ops->lun_reset(be, rs.lun);
		} else {
			rs.all_luns = true;
			ret = be->backend->ops->target_reset(be);
		}
		rs.be = be;
		if (!ret)
			scsi_host_busy_iter(sess->vhba->shost,
					    vhba_reset_hand_back, &rs);
		break;
	}
	mutex_unlock(&sess->mutex);
	memalloc_noio_restore(noio);
	if (ret)
		return FAILED;
	WRITE_ONCE(cmd->be, NULL);
	WRITE_ONCE(cmd->sess, NULL);
	if (rs.retried)
		sdev_printk(KERN_INFO, sc->device,
			    "%s: %u commands in flight handed back for retry\n",
			    vhba_tmf_names[tmf], rs.retried);
	return SUCCESS;
}

static int vhba_eh_tmf(struct scsi_cmnd *sc, enum vhba_tmf tmf)
{
	struct vhba_session *sess;
	int ret = SUCCESS;

	/*
	 * A reference: a reset from SG_SCSI_RESET runs outside the error
	 * handler, and nothing else keeps a detach from freeing the session
	 * while the reset waits for it.
	 */
	sess = vhba_session_get(shost_to_vhba(sc->device->host),
				sc->device->id);
	if (sess) {
		ret = vhba_tmf(sess, sc, tmf);
		vhba_session_put(sess);
	}

	sdev_printk(KERN_INFO, sc->device, "%s: %s\n", vhba_tmf_names[tmf],
		    ret == SUCCESS ? "done" : "failed");
	return ret;
}

static int vhba_eh_abort(struct scsi_cmnd *sc)
{
	return vhba_eh_tmf(sc, VHBA_TMF_ABORT_TASK);
}

static int vhba_eh_device_reset(struct scsi_cmnd *sc)
{
	return vhba_eh_tmf(sc, VHBA_TMF_LUN_RESET);
}

static int vhba_eh_target_reset(struct scsi_cmnd *sc)
{
	return vhba_eh_tmf(sc, VHBA_TMF_TARGET_RESET);
}

/* Last resort: reinstate every session of the vHBA. */
static int vhba_eh_host_reset(struct scsi_cmnd *sc)
{
	struct vhba *vhba = shost_to_vhba(sc->device->host);
	struct vhba_session *sess;
	unsigned int i;
	int ret = SUCCESS;

	/* No vhba->mutex: a control command holding it may wait for us. */
	for (i = 0; i < VHBA_MAX_TARGETS; i++) {
		sess = vhba_session_get(vhba, i);
		if (!sess)
			continue;
		if (vhba_session_reinstate(sess))
			ret = FAILED;
		vhba_session_put(sess);
	}
	shost_printk(KERN_INFO, vhba->shost, "sessions reinstated: %s\n",
		     ret == SUCCESS ? "done" : "failed");
	return ret;
}

static int vhba_slave_configure(struct scsi_device *sdev)
{
	struct vhba *vhba = shost_to_vhba(sdev->host);
	struct vhba_session *sess;
	u32 window = 0;

	rcu_read_lock();
	sess = vhba_session_by_id(vhba, sdev->id);
	if (sess)
		window = READ_ONCE(sess->info.cmd_window);
	rcu_read_unlock();
	/* Start at the target's command window; track_queue_depth adapts. */
	if (window)
		scsi_change_queue_depth(sdev, min_t(u32, window, VHBA_CAN_QUEUE));
	blk_queue_rq_timeout(sdev->request_queue, 30 * HZ);
	return 0;
}

static int vhba_slave_alloc(struct scsi_device *sdev)
{
	return vhba_lun_alloc(sdev);
}

static void vhba_slave_destroy(struct scsi_device *sdev)
{
	vhba_lun_free(sdev);
}

static struct scsi_host_template vhba_sht = {
	.module			= THIS_MODULE,
	.name			= "vconnect vHBA",
	.proc_name		= "vconnect",
	.queuecommand		= vhba_queuecommand,
	.eh_timed_out		= vhba_eh_timed_out,
	.eh_abort_handler	= vhba_eh_abort,
	.eh_device_reset_handler = vhba_eh_device_reset,
	.eh_target_reset_handler = vhba_eh_target_reset,
	.eh_host_reset_handler	= vhba_eh_host_reset,
	/* The host reset returns once the sessions are logged in again. */
	.skip_settle_delay	= 1,
	.slave_alloc		= vhba_slave_alloc,
	.slave_configure	= vhba_slave_configure,
	.slave_destroy		= vhba_slave_destroy,
	.change_queue_depth	= scsi_change_queue_depth,
	.can_queue		= VHBA_CAN_QUEUE,
	.this_id		= -1,
	.sg_tablesize		= SG_ALL,
	.max_sectors		= VHBA_MAX_SECTORS,
	/* Each segment within one page, so a backend can send pages. */
	.dma_boundary		= PAGE_SIZE - 1,
	.max_segment_size	= PAGE_SIZE,
	.cmd_size		= sizeof(struct vhba_cmd),
	.track_queue_depth	= 1,
	.shost_groups		= vhba_host_groups,
};

static void vhba_want_defaults(struct vhba *vhba, const struct vhba_config *cfg)
{
	struct vconnect_iscsi_params *p = &vhba->want;

	p->header_digest = cfg->header_digest;
	p->data_digest = cfg->data_digest;
	p->initial_r2t = false;
	p->immediate_data = true;
	p->data_pdu_in_order = true;
	p->data_sequence_in_order = true;
	p->max_recv_dsl = 262144;
	p->max_burst_length = 16776192;
	p->first_burst_length = 262144;
	p->max_outstanding_r2t = 1;
	p->max_connections = 1;
	p->default_time2wait = 2;
	p->default_time2retain = 0;
	p->error_recovery_level = 0;
}

/* Create a vHBA and its Scsi_Host. Caller holds vhba_mutex. */
struct vhba *vhba_create(const struct vhba_config *cfg,
			 struct netlink_ext_ack *extack)
{
	struct Scsi_Host *shost;
	struct vhba *vhba;
	int ret;

	lockdep_assert_held(&vhba_mutex);

	shost = scsi_host_alloc(&vhba_sht, sizeof(*vhba));
	if (!shost)
		return ERR_PTR(-ENOMEM);
	vhba = shost_to_vhba(shost);
	vhba->shost = shost;
	mutex_init(&vhba->mutex);
	mutex_init(&vhba->switch_mutex);

	ret = vhba_identity_assign(vhba, cfg, extack);
	if (ret)
		goto put_host;
	if (cfg->alias)
		strscpy(vhba->alias, cfg->alias, sizeof(vhba->alias));
	vhba->chap = cfg->chap;
	vhba->replacement_timeout_ms = cfg->replacement_timeout_ms;
	vhba->policy = cfg->policy;
	vhba_want_defaults(vhba, cfg);

	shost->max_id = VHBA_MAX_TARGETS;
	shost->max_channel = 0;
	shost->max_lun = 16384;
	shost->max_cmd_len = 16;
	shost->unique_id = shost->host_no;

	ret = scsi_add_host(shost, vhba_root_dev);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "could not add the SCSI host");
		goto put_host;
	}
	/*
	 * The LUNs are given to a VM, whose own block layer schedules its
	 * I/O: no second elevator here by default (sysfs may still set one).
	 * Read when each LUN's disk is added, so set before any scan.
	 */
	shost->tag_set.flags |= BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	vhba_publish(vhba);
	shost_printk(KERN_INFO, shost, "vHBA %s created, initiator %s isid %012llx\n",
		     vhba->name, vhba->initiator_name,
		     vhba_isid_to_u64(vhba->isid));
	return vhba;

put_host:
	memzero_explicit(&vhba->chap, sizeof(vhba->chap));
	scsi_host_put(shost);
	return ERR_PTR(ret);
}

/*
 * Claim @vhba for removal: from now on lookups do not find it and no
 * session is attached to it. False if someone else claimed it first.
 * Caller holds vhba_mutex.
 */
bool vhba_claim_removal(struct vhba *vhba)
{
	bool claimed;

	lockdep_assert_held(&vhba_mutex);
	mutex_lock(&vhba->mutex);
	claimed = !vhba->removing;
	vhba->removing = true;
	mutex_unlock(&vhba->mutex);
	return claimed;
}

/*
 * Log out every session, remove the host, then free the vHBA's name and
 * identity for reuse. The caller claimed it (vhba_claim_removal()) and
 * holds no mutex of ours: the logouts and the host's removal may wait for
 * commands that the error handler owns.
 */
void vhba_destroy(struct vhba *vhba)
{
	struct Scsi_Host *shost = vhba->shost;
	struct vhba_session *sess;
	unsigned int i;

	for (i = 0; i < VHBA_MAX_TARGETS; i++) {
		sess = vhba_session_get(vhba, i);
		if (sess) {
			vhba_session_destroy(sess);
			vhba_session_put(sess);
		}
	}

	vhba_notify(VCONNECT_EVENT_VHBA_DEL, vhba, NULL, 0, 0);
	shost_printk(KERN_INFO, shost, "vHBA %s removed\n", vhba->name);
	scsi_remove_host(shost);
	mutex_lock(&vhba_mutex);
	vhba_unpublish(vhba);
	mutex_unlock(&vhba_mutex);
	memzero_explicit(&vhba->chap, sizeof(vhba->chap));
	scsi_host_put(shost);
}
