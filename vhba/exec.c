// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI commands that vhba sends on its own account, on a backend session
 * that the midlayer does not dispatch to: a switch's new session before it
 * is published, the old one once it drained (pr.c carries persistent
 * reservations with them).
 *
 * They do not go through the block layer, so no request timer and no
 * error handler ever sees them: the caller may hold sess->mutex, which
 * the error handler's task management takes. Each is bounded by its own
 * timeout, after which it is aborted on its backend session; a command
 * the backend will not give back stays allocated (an "orphan" of its
 * context) until the caller has closed that backend session, after which
 * the backend touches none of its tasks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>

#include "vhba.h"

#define VHBA_EXEC_TIMEOUT_MS	30000
#define VHBA_EXEC_UA_RETRIES	3
#define VHBA_EXEC_POLL		msecs_to_jiffies(100)

/*
 * Per LUN (sdev->hostdata): a unit attention that one of our commands
 * met. The target reported it once, to us; the guest must still see it,
 * so the next command the midlayer sends to the LUN gets it instead.
 * vhba_lun_lock guards it and sdev->hostdata: slave_destroy() frees it
 * while our commands may still hold a reference to the device.
 */
struct vhba_lun {
	bool ua_pending;
	u8 ua[SCSI_SENSE_BUFFERSIZE];
};

static DEFINE_SPINLOCK(vhba_lun_lock);

struct vhba_exec {
	struct scsi_cmnd sc;
	struct vhba_cmd cmd;		/* scsi_cmd_priv(&sc): right after sc */
	struct completion done;
	struct scatterlist sg;
	struct list_head node;		/* on its context's orphans */
	u8 sense[SCSI_SENSE_BUFFERSIZE];
	u8 data[];			/* the data buffer: the backend's */
};

int vhba_lun_alloc(struct scsi_device *sdev)
{
	struct vhba_lun *lun = kzalloc(sizeof(*lun), GFP_KERNEL);

	if (!lun)
		return -ENOMEM;
	sdev->hostdata = lun;
	return 0;
}

void vhba_lun_free(struct scsi_device *sdev)
{
	struct vhba_lun *lun;

	spin_lock_bh(&vhba_lun_lock);
	lun = sdev->hostdata;
	sdev->hostdata = NULL;
	spin_unlock_bh(&vhba_lun_lock);
	kfree(lun);
}

/* Keep the first one until the midlayer's next command takes it. */
static void vhba_lun_keep_ua(struct scsi_device *sdev, const u8 *sense)
{
	struct vhba_lun *lun;

	spin_lock_bh(&vhba_lun_lock);
	lun = sdev->hostdata;
	if (lun && !lun->ua_pending) {
		memcpy(lun->ua, sense, sizeof(lun->ua));
		lun->ua_pending = true;
	}
	spin_unlock_bh(&vhba_lun_lock);
}

/*
 * From queuecommand (the device is alive: its queue runs): complete @sc
 * with the unit attention kept for its LUN, if there is one and @sc is
 * a command that reports it (SAM-5 5.14: not INQUIRY, REPORT LUNS or
 * REQUEST SENSE). True when it did.
 */
bool vhba_lun_give_ua(struct scsi_cmnd *sc)
{
	struct vhba_lun *lun = sc->device->hostdata;
	bool given = false;

	if (likely(!READ_ONCE(lun->ua_pending)) || sc->cmnd[0] == INQUIRY ||
	    sc->cmnd[0] == REPORT_LUNS || sc->cmnd[0] == REQUEST_SENSE)
		return false;
	spin_lock_bh(&vhba_lun_lock);
	if (lun->ua_pending) {
		memcpy(sc->sense_buffer, lun->ua, SCSI_SENSE_BUFFERSIZE);
		sc->result = SAM_STAT_CHECK_CONDITION;
		scsi_set_resid(sc, scsi_bufflen(sc));
		lun->ua_pending = false;
		given = true;
	}
	spin_unlock_bh(&vhba_lun_lock);
	return given;
}

/*
 * @dead, if given, becomes true when @be fails: a command on it then
 * waits no longer.
 */
void vhba_exec_ctx_init(struct vhba_exec_ctx *ctx,
			struct vconnect_be_session *be, const bool *dead)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->be = be;
	ctx->dead = dead;
	INIT_LIST_HEAD(&ctx->orphans);
}

/* The backend keeps @x until its session is closed. */
static void vhba_exec_orphan(struct vhba_exec_ctx *ctx, struct vhba_exec *x)
{
	list_add(&x->node, &ctx->orphans);
	ctx->broken = true;
}

/* Free what the backend did not give back; @ctx->be is closed by now. */
void vhba_exec_ctx_release(struct vhba_exec_ctx *ctx)
{
	struct vhba_exec *x, *tmp;

	list_for_each_entry_safe(x, tmp, &ctx->orphans, node) {
		list_del(&x->node);
		kfree(x);
	}
}

/*
 * @ctx's backend session is @sess's published one and stays so: its
 * orphans wait on @sess until it is closed. Caller holds sess->mutex.
 */
void vhba_exec_park(struct vhba_session *sess, struct vhba_exec_ctx *ctx)
{
	list_splice_init(&ctx->orphans, &sess->exec_orphans);
}

/* @sess's published backend session was closed: the parked ones go. */
void vhba_exec_free_parked(struct vhba_session *sess)
{
	struct vhba_exec_ctx ctx;

	vhba_exec_ctx_init(&ctx, NULL, NULL);
	list_splice_init(&sess->exec_orphans, &ctx.orphans);
	vhba_exec_ctx_release(&ctx);
}

/* From vhba_task_done(): the backend is done with @cmd's command. */
void vhba_exec_done(struct vhba_cmd *cmd)
{
	complete(&cmd->exec->done);
}

static int vhba_exec_queue(struct vconnect_be_session *be,
			   struct vhba_exec *x, unsigned long deadline)
{
	int ret;

	for (;;) {
		/* As from queuecommand: the contract says atomic context. */
		rcu_read_lock();
		ret = be->backend->ops->queue(be, &x->sc);
		rcu_read_unlock();
		if (ret != -EBUSY)
			return ret;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(500, 1000);
	}
}

/* One try of vhba_exec(); @sense gets the sense data. */
static int vhba_exec_once(struct vhba_exec_ctx *ctx, struct scsi_device *sdev,
			  const u8 *cdb, unsigned int cdb_len,
			  enum dma_data_direction dir, void *buf,
			  unsigned int len, u8 *sense)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(VHBA_EXEC_TIMEOUT_MS);
	struct vconnect_be_session *be = ctx->be;
	struct vhba_exec *x;
	unsigned int got;
	int ret;

	BUILD_BUG_ON(offsetof(struct vhba_exec, cmd) != sizeof(struct scsi_cmnd));
	if (WARN_ON_ONCE(cdb_len > sizeof(x->sc.cmnd)))
		return -EINVAL;
	if (ctx->broken)
		return -EIO;
	x = kzalloc(struct_size(x, data, len), GFP_NOIO);
	if (!x)
		return -ENOMEM;
	x->sc.device = sdev;
	memcpy(x->sc.cmnd, cdb, cdb_len);
	x->sc.cmd_len = cdb_len;
	x->sc.sense_buffer = x->sense;
	x->sc.sc_data_direction = len ? dir : DMA_NONE;
	if (len) {
		if (dir == DMA_TO_DEVICE)
			memcpy(x->data, buf, len);
		sg_init_one(&x->sg, x->data, len);
		x->sc.sdb.table.sgl = &x->sg;
		x->sc.sdb.table.nents = 1;
		x->sc.sdb.table.orig_nents = 1;
		x->sc.sdb.length = len;
	}
	x->cmd.exec = x;
	init_completion(&x->done);

	ret = vhba_exec_queue(be, x, deadline);
	if (ret)
		goto free;
	while (!wait_for_completion_timeout(&x->done, VHBA_EXEC_POLL)) {
		/* A failed session keeps its tasks until it is closed. */
		if (ctx->dead && READ_ONCE(*ctx->dead)) {
			vhba_exec_orphan(ctx, x);
			return -ENOTCONN;
		}
		if (time_before(jiffies, deadline))
			continue;
		/* 0 also when it completed meanwhile: either way it is ours. */
		if (be->backend->ops->abort(be, &x->sc)) {
			vhba_exec_orphan(ctx, x);
			return -ETIMEDOUT;
		}
		if (!completion_done(&x->done)) {
			ret = -ETIMEDOUT;
			goto free;
		}
		break;			/* it did complete: its result holds */
	}
	ret = x->sc.result;
	if (dir == DMA_FROM_DEVICE && len) {
		got = len - min(len, scsi_get_resid(&x->sc));
		memcpy(buf, x->data, got);
		memset(buf + got, 0, len - got);
	}
	memcpy(sense, x->sense, SCSI_SENSE_BUFFERSIZE);
free:
	kfree(x);
	return ret;
}

/**
 * vhba_exec - send one SCSI command on @ctx's backend session and wait
 * @ctx: the backend session, not published for the midlayer's commands
 * @sdev: the LUN (only its number goes on the wire)
 * @cdb: the command, @cdb_len bytes
 * @cdb_len: its length
 * @dir: DMA_FROM_DEVICE, DMA_TO_DEVICE or DMA_NONE
 * @buf: data to send or room for what comes back, @len bytes
 * @len: the data length
 * @sshdr: the sense data when the status is CHECK CONDITION; may be NULL
 *
 * A unit attention does not end it: it is kept for the guest (unless it is
 * the effect of our own reservation move, @ctx->own_pr_ua) and the
 * command goes again, up to VHBA_EXEC_UA_RETRIES times.
 *
 * Context: sleeps, up to VHBA_EXEC_TIMEOUT_MS a try.
 * Return: the command's result (status byte, host byte) as the midlayer
 * would see it; or -ETIMEDOUT (aborted), -ENOTCONN (the session failed),
 * -ENOMEM. After a command the backend did not give back (-ETIMEDOUT
 * when the abort failed, or -ENOTCONN) @ctx is broken: every later call
 * fails with -EIO, and vhba_exec_ctx_release() frees it once the caller
 * closed the backend session.
 */
int vhba_exec(struct vhba_exec_ctx *ctx, struct scsi_device *sdev,
	      const u8 *cdb, unsigned int cdb_len, enum dma_data_direction dir,
	      void *buf, unsigned int len, struct scsi_sense_hdr *sshdr)
{
	u8 sense[SCSI_SENSE_BUFFERSIZE];
	struct scsi_sense_hdr hdr;
	unsigned int i;
	int ret;

	if (sshdr)
		memset(sshdr, 0, sizeof(*sshdr));
	for (i = 0; i <= VHBA_EXEC_UA_RETRIES; i++) {
		ret = vhba_exec_once(ctx, sdev, cdb, cdb_len, dir, buf, len,
				     sense);
		if (ret <= 0 || (ret & 0xff) != SAM_STAT_CHECK_CONDITION ||
		    !scsi_normalize_sense(sense, sizeof(sense), &hdr))
			break;
		if (sshdr)
			*sshdr = hdr;
		if (hdr.sense_key != UNIT_ATTENTION)
			break;
		/* Not ours to take: the guest gets it. */
		if (!(ctx->own_pr_ua && vhba_pr_ua_is_move(&hdr)))
			vhba_lun_keep_ua(sdev, sense);
	}
	return ret;
}
