// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI persistent reservations follow a vHBA across a planned switch.
 *
 * A registration (and a reservation) belongs to an I_T nexus: initiator
 * name, ISID and target port. A planned switch logs in with the other ISID
 * of the vHBA's pair, a new nexus that the target knows nothing about, so
 * before the new session is published, for each LUN of the session:
 *
 *   1. PERSISTENT RESERVE IN, READ FULL STATUS (on the new session): the
 *      key the old nexus registered, and whether it holds the reservation
 *      (or is one of the holders of an all-registrants one).
 *   2. If it does not hold it: the old nexus unregisters (REGISTER with
 *      service action key 0, on the old session), then the new one
 *      registers the same key (REGISTER AND IGNORE EXISTING KEY; APTPL as
 *      REPORT CAPABILITIES says the LUN has it). In that order because
 *      LIO keeps a single "registered" flag per initiator name and LUN,
 *      which the removal of any of that name's registrations clears.
 *   3. If it holds it: the new nexus registers the same key, then
 *      PREEMPTs that key (SPC-4 5.12.11.2.4): the old nexus's reservation
 *      is released, the registrations with that key other than the
 *      preempting nexus's are removed, and the new nexus reserves with the
 *      same type and scope, in one step, so that no other initiator can
 *      slip in between. LIO establishes the REGISTRATIONS PREEMPTED unit
 *      attention for the whole initiator name: a TEST UNIT READY on the
 *      new session takes it.
 *
 * The guest's own PERSISTENT RESERVE commands wait meanwhile. Commands
 * the old session still has in flight may meet RESERVATION CONFLICT or
 * one of those unit attentions: the target did not carry them out, and
 * vhba_task_done() sends them again, on the session that has the
 * registration, until the switch is over (sess->pr_moving).
 *
 * Everything before the first PREEMPT can be undone, and is when a step
 * fails: the switch then fails and the old nexus keeps what it had. A
 * key that another nexus (another initiator, or a third ISID of ours)
 * shares with a reservation holder is not carried: the PREEMPT would
 * remove its registration too, so the switch is refused. So is a
 * registration made with ALL_TG_PT, which one registration cannot carry
 * to every target port. Documentation/vhba-internals.rst has the rest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_proto.h>

#include "vhba.h"

/* Service actions (SPC-4 6.15, 6.16) and reservation types (6.16.2). */
enum {
	VHBA_PRIN_REPORT_CAPABILITIES	= 0x02,
	VHBA_PRIN_READ_FULL_STATUS	= 0x03,
	VHBA_PROUT_REGISTER		= 0x00,
	VHBA_PROUT_PREEMPT		= 0x04,
	VHBA_PROUT_REGISTER_IGNORE	= 0x06,
	VHBA_PR_TYPE_WE_ALL_REGS	= 0x07,
	VHBA_PR_TYPE_EA_ALL_REGS	= 0x08,
};

#define VHBA_PR_STATUS_LEN	4096	/* first try */
#define VHBA_PR_QUIESCE_MS	5000	/* the guest's PR commands in flight */
#define VHBA_PR_STATUS_MAX	65535	/* the CDB's allocation length */
#define VHBA_PR_OUT_LEN		24	/* basic PR OUT parameter list */
#define VHBA_PR_DESC_LEN	24	/* full status descriptor header */
/* A whole descriptor at most: header, TransportID of a 223-byte name. */
#define VHBA_PR_DESC_MAX	(VHBA_PR_DESC_LEN + 4 + 224 + 5 + 12 + 4)
#define VHBA_TID_ISCSI		0x5	/* TransportID protocol identifier */
#define VHBA_TID_FMT_PORT	0x1	/* iSCSI name,i,0x<ISID> */

/* Whose nexus a full status descriptor describes. */
enum vhba_pr_nexus {
	VHBA_PR_OTHER,
	VHBA_PR_OLD,
	VHBA_PR_NEW,
};

/* One LUN whose registration moves with the switch. */
struct vhba_pr_lun {
	struct scsi_device *sdev;	/* scsi_device_get() held */
	u64 key;
	u8 type;			/* of the reservation that moves */
	bool aptpl;
	bool moves;			/* step 3: PREEMPT; else step 2 */
};

struct vhba_pr_carry {
	struct vhba_session *sess;
	const u8 *old_isid, *new_isid;
	struct vhba_exec_ctx *old_ctx, *new_ctx;
	unsigned int nr;
	struct vhba_pr_lun luns[];
};

static bool vhba_pr_ok(int result)
{
	return result == SAM_STAT_GOOD;
}

/* 12 hex digits of an ISID, either case. */
static bool vhba_pr_isid_is(const char *hex, size_t len, const u8 *isid)
{
	u8 got[VCONNECT_ISID_LEN];

	return len == 2 * VCONNECT_ISID_LEN &&
	       !hex2bin(got, hex, VCONNECT_ISID_LEN) &&
	       !memcmp(got, isid, VCONNECT_ISID_LEN);
}

/* Classify the TransportID @tid of @len bytes (SPC-4 7.6.4.6). */
static enum vhba_pr_nexus vhba_pr_nexus_of(struct vhba_pr_carry *pr,
					   const u8 *tid, unsigned int len)
{
	const char *iname = pr->sess->vhba->initiator_name;
	size_t nlen = strlen(iname), n;
	const char *s = (const char *)tid + 4;
	unsigned int slen;

	if (len < 4 || (tid[0] & 0x0f) != VHBA_TID_ISCSI ||
	    (tid[0] >> 6) != VHBA_TID_FMT_PORT)
		return VHBA_PR_OTHER;
	slen = min_t(unsigned int, get_unaligned_be16(&tid[2]), len - 4);
	n = strnlen(s, slen);
	/* "<name>,i,0x<ISID>" */
	if (n < nlen + 5 || strncasecmp(s, iname, nlen) ||
	    strncasecmp(s + nlen, ",i,0x", 5))
		return VHBA_PR_OTHER;
	s += nlen + 5;
	n -= nlen + 5;
	if (vhba_pr_isid_is(s, n, pr->old_isid))
		return VHBA_PR_OLD;
	if (vhba_pr_isid_is(s, n, pr->new_isid))
		return VHBA_PR_NEW;
	return VHBA_PR_OTHER;
}

/* What READ FULL STATUS says about the old nexus of the switch. */
struct vhba_pr_status {
	bool registered;		/* the old nexus is */
	bool holds;			/* ... and holds the reservation */
	bool all_tg_pt;
	bool shared;			/* another nexus has the same key */
	u64 key;
	u8 type;
};

static void vhba_pr_parse(struct vhba_pr_carry *pr, const u8 *buf,
			  unsigned int len, struct vhba_pr_status *st)
{
	unsigned int off = 8, end, tid_len;
	enum vhba_pr_nexus who;
	const u8 *d;
	int pass;

	end = min_t(unsigned int, len, 8 + get_unaligned_be32(&buf[4]));
	memset(st, 0, sizeof(*st));
	/* The old nexus's key first, then who else has it. */
	for (pass = 0; pass < 2; pass++) {
		for (off = 8; off + VHBA_PR_DESC_LEN <= end;
		     off += VHBA_PR_DESC_LEN + tid_len) {
			d = &buf[off];
			tid_len = get_unaligned_be32(&d[20]);
			if (tid_len > end - off - VHBA_PR_DESC_LEN)
				break;
			who = vhba_pr_nexus_of(pr, &d[VHBA_PR_DESC_LEN], tid_len);
			if (pass == 0 && who == VHBA_PR_OLD) {
				st->registered = true;
				st->key = get_unaligned_be64(&d[0]);
				st->all_tg_pt |= d[12] & 0x02;
				if (d[12] & 0x01) {	/* R_HOLDER */
					st->holds = true;
					st->type = d[13] & 0x0f;
				}
			} else if (pass == 1 && who == VHBA_PR_OTHER &&
				   get_unaligned_be64(&d[0]) == st->key) {
				st->shared = true;
			}
		}
		if (!st->registered)
			return;
	}
}

/*
 * PERSISTENT RESERVE IN with service action @sa into a buffer of *@len
 * bytes (kfree() it). READ FULL STATUS grows the buffer while the answer
 * comes within a descriptor of filling it: LIO stops at the last
 * descriptor that fits and reports only those in its ADDITIONAL LENGTH.
 * 1 when the LUN does not do @sa.
 */
static int vhba_pr_in(struct vhba_exec_ctx *ctx, struct scsi_device *sdev,
		      u8 sa, u8 **bufp, unsigned int *len)
{
	unsigned int want = VHBA_PR_STATUS_LEN, used;
	struct scsi_sense_hdr sshdr;
	u8 cdb[10] = { PERSISTENT_RESERVE_IN, sa };
	u8 *buf;
	int ret;

	for (;;) {
		buf = kzalloc(want, GFP_NOIO);
		if (!buf)
			return -ENOMEM;
		put_unaligned_be16(want, &cdb[7]);
		ret = vhba_exec(ctx, sdev, cdb, sizeof(cdb), DMA_FROM_DEVICE,
				buf, want, &sshdr);
		if (!vhba_pr_ok(ret)) {
			kfree(buf);
			if (ret > 0 && sshdr.sense_key == ILLEGAL_REQUEST)
				return 1;
			return ret < 0 ? ret : -EIO;
		}
		used = 8 + get_unaligned_be32(&buf[4]);
		if (sa != VHBA_PRIN_READ_FULL_STATUS ||
		    used + VHBA_PR_DESC_MAX <= want) {
			*bufp = buf;
			*len = want;
			return 0;
		}
		kfree(buf);
		if (want == VHBA_PR_STATUS_MAX)
			return -EFBIG;
		want = min_t(unsigned int, 4 * want, VHBA_PR_STATUS_MAX);
	}
}

/*
 * PTPL_A into *@aptpl: the LUN keeps registrations over a power loss
 * (someone registered with APTPL). False when the LUN does not report it.
 */
static int vhba_pr_aptpl(struct vhba_exec_ctx *ctx, struct scsi_device *sdev,
			 bool *aptpl)
{
	unsigned int len;
	u8 *buf;
	int ret;

	*aptpl = false;
	ret = vhba_pr_in(ctx, sdev, VHBA_PRIN_REPORT_CAPABILITIES, &buf, &len);
	if (ret)
		return ret > 0 ? 0 : ret;
	*aptpl = buf[3] & 0x01;
	kfree(buf);
	return 0;
}

static int vhba_pr_out(struct vhba_exec_ctx *ctx, struct scsi_device *sdev,
		       u8 sa, u8 type, u64 key, u64 sa_key, bool aptpl)
{
	u8 cdb[10] = { PERSISTENT_RESERVE_OUT, sa, type };
	u8 param[VHBA_PR_OUT_LEN] = {};
	int ret;

	put_unaligned_be32(sizeof(param), &cdb[5]);
	put_unaligned_be64(key, &param[0]);
	put_unaligned_be64(sa_key, &param[8]);
	param[20] = aptpl ? 0x01 : 0;
	ret = vhba_exec(ctx, sdev, cdb, sizeof(cdb), DMA_TO_DEVICE, param,
			sizeof(param), NULL);
	if (ret < 0)
		return ret;
	return vhba_pr_ok(ret) ? 0 : -EIO;
}

/*
 * Step 1 for one LUN: what moves. 0 also when nothing does; -EXDEV
 * when the registration cannot be carried (no login error is -EXDEV).
 */
static int vhba_pr_read(struct vhba_pr_carry *pr, struct scsi_device *sdev)
{
	struct vhba_pr_lun *l = &pr->luns[pr->nr];
	struct vhba_pr_status st;
	unsigned int len;
	u8 *buf;
	int ret;

	ret = vhba_pr_in(pr->new_ctx, sdev, VHBA_PRIN_READ_FULL_STATUS, &buf,
			 &len);
	if (ret)
		return ret > 0 ? 0 : ret;
	vhba_pr_parse(pr, buf, len, &st);
	kfree(buf);
	if (!st.registered)
		return 0;
	if (st.all_tg_pt || (st.shared && st.holds)) {
		sdev_printk(KERN_WARNING, sdev,
			    "persistent reservation key 0x%llx is %s: it cannot be carried to a new I_T nexus\n",
			    st.key, st.all_tg_pt ? "registered with ALL_TG_PT" :
						   "also registered by another I_T nexus");
		return -EXDEV;
	}
	ret = vhba_pr_aptpl(pr->new_ctx, sdev, &l->aptpl);
	if (ret)
		return ret;
	l->sdev = sdev;
	l->key = st.key;
	l->moves = st.holds;
	l->type = st.type;
	pr->nr++;
	return 0;
}

static void vhba_pr_free(struct vhba_pr_carry *pr)
{
	unsigned int i;

	for (i = 0; i < pr->nr; i++)
		scsi_device_put(pr->luns[i].sdev);
	kfree(pr);
}

static bool vhba_pr_ctx_usable(const struct vhba_exec_ctx *ctx)
{
	return !ctx->broken && !(ctx->dead && READ_ONCE(*ctx->dead));
}

/* Step 2 for one LUN; undone here if it fails half way. */
static int vhba_pr_reregister(struct vhba_pr_carry *pr, struct vhba_pr_lun *l)
{
	int ret;

	ret = vhba_pr_out(pr->old_ctx, l->sdev, VHBA_PROUT_REGISTER, 0, l->key,
			  0, l->aptpl);
	if (ret)
		return ret;
	ret = vhba_pr_out(pr->new_ctx, l->sdev, VHBA_PROUT_REGISTER_IGNORE, 0,
			  0, l->key, l->aptpl);
	if (ret)
		vhba_pr_out(pr->old_ctx, l->sdev, VHBA_PROUT_REGISTER_IGNORE, 0,
			    0, l->key, l->aptpl);
	return ret;
}

/*
 * LIO keeps one "registered" flag per initiator name and LUN: removing
 * the registration of one nexus of ours (a PREEMPT of the old one, an
 * undo's unregistration of the new one) clears it for the other, which
 * then, unless it is LIO's reservation holder, meets RESERVATION CONFLICT
 * on writes although registered: under an all-registrants reservation
 * someone else made. A fresh registration sets the flag again.
 *
 * To see it takes a command with data out that does not write: COMPARE
 * AND WRITE of one block whose compare and write halves are the same
 * pattern, which miscompares (or, should the block hold exactly that,
 * writes what it holds). A target without it answers ILLEGAL REQUEST,
 * and then nothing is done.
 */
static void vhba_pr_recheck_registrant(struct vhba_exec_ctx *ctx,
				       struct vhba_pr_lun *l)
{
	unsigned int bs = l->sdev->sector_size ?: 512;
	u8 caw[16] = { COMPARE_AND_WRITE };
	u8 *buf;
	int ret;

	if (l->type != VHBA_PR_TYPE_WE_ALL_REGS &&
	    l->type != VHBA_PR_TYPE_EA_ALL_REGS)
		return;
	buf = kmalloc(2 * bs, GFP_NOIO);
	if (!buf)
		return;
	get_random_bytes(buf, bs);
	memcpy(buf + bs, buf, bs);
	caw[13] = 1;				/* NUMBER OF LOGICAL BLOCKS */
	ret = vhba_exec(ctx, l->sdev, caw, sizeof(caw), DMA_TO_DEVICE, buf,
			2 * bs, NULL);
	kfree(buf);
	if (ret != SAM_STAT_RESERVATION_CONFLICT)
		return;
	ret = vhba_pr_out(ctx, l->sdev, VHBA_PROUT_REGISTER_IGNORE, 0, 0, 0,
			  l->aptpl);
	if (!ret)
		ret = vhba_pr_out(ctx, l->sdev, VHBA_PROUT_REGISTER_IGNORE, 0,
				  0, l->key, l->aptpl);
	sdev_printk(ret ? KERN_ERR : KERN_INFO, l->sdev,
		    "key 0x%llx registered again for LIO's registered flag (%d)\n",
		    l->key, ret);
}

/*
 * Give the old nexus back what the first @n LUNs of @pr gave the new one
 * (steps 2 and 3's registrations), best effort. Where the old session
 * cannot take it back (it failed), the new nexus keeps it: a registration
 * on neither would be worse.
 */
static void vhba_pr_undo(struct vhba_pr_carry *pr, unsigned int n)
{
	struct vhba_pr_lun *l;
	unsigned int i;

	for (i = 0; i < n; i++) {
		l = &pr->luns[i];
		if (!vhba_pr_ctx_usable(pr->old_ctx)) {
			sdev_printk(KERN_WARNING, l->sdev,
				    "the old I_T nexus failed: key 0x%llx stays registered on the new one\n",
				    l->key);
			continue;
		}
		vhba_pr_out(pr->new_ctx, l->sdev, VHBA_PROUT_REGISTER, 0, l->key,
			    0, l->aptpl);
		if (l->moves)	/* never unregistered; LIO's flag was */
			vhba_pr_recheck_registrant(pr->old_ctx, l);
		else
			vhba_pr_out(pr->old_ctx, l->sdev,
				    VHBA_PROUT_REGISTER_IGNORE, 0, 0, l->key,
				    l->aptpl);
	}
}

/*
 * Step 3's PREEMPT for one LUN, the new nexus already registered. Then
 * a TEST UNIT READY takes the REGISTRATIONS PREEMPTED unit attention
 * that LIO establishes for the whole initiator name.
 */
static int vhba_pr_move(struct vhba_pr_carry *pr, struct vhba_pr_lun *l)
{
	u8 tur[6] = { TEST_UNIT_READY };
	int ret;

	ret = vhba_pr_out(pr->new_ctx, l->sdev, VHBA_PROUT_PREEMPT, l->type,
			  l->key, l->key, l->aptpl);
	if (ret)
		return ret;
	pr->new_ctx->own_pr_ua = true;
	vhba_exec(pr->new_ctx, l->sdev, tur, sizeof(tur), DMA_NONE, NULL, 0,
		  NULL);
	pr->new_ctx->own_pr_ua = false;
	vhba_pr_recheck_registrant(pr->new_ctx, l);
	return 0;
}

/*
 * Step 1 for every LUN of the session: fill @pr. 0 also when nothing is
 * to be carried.
 */
static int vhba_pr_read_all(struct vhba_pr_carry *pr, unsigned int n)
{
	struct vhba_session *sess = pr->sess;
	struct scsi_device *sdev;
	int ret = 0;

	shost_for_each_device(sdev, sess->vhba->shost) {
		if (sdev->id != sess->id || pr->nr == n || ret)
			continue;
		if (scsi_device_get(sdev))
			continue;
		ret = vhba_pr_read(pr, sdev);
		if (!pr->nr || pr->luns[pr->nr - 1].sdev != sdev)
			scsi_device_put(sdev);
	}
	return ret;
}

/* Put the LUNs whose registration alone moves (step 2) first. */
static void vhba_pr_order(struct vhba_pr_carry *pr)
{
	unsigned int i, j = 0;

	for (i = 0; i < pr->nr; i++)
		if (!pr->luns[i].moves)
			swap(pr->luns[i], pr->luns[j++]);
}

struct vhba_pr_held {
	struct vconnect_be_session *be;
	bool any;
};

static bool vhba_pr_held_one(struct scsi_cmnd *sc, void *data)
{
	struct vhba_cmd *cmd = scsi_cmd_priv(sc);
	struct vhba_pr_held *h = data;

	if (READ_ONCE(cmd->be) == h->be &&
	    (sc->cmnd[0] == PERSISTENT_RESERVE_IN ||
	     sc->cmnd[0] == PERSISTENT_RESERVE_OUT))
		h->any = true;
	return !h->any;
}

/*
 * The guest's own PERSISTENT RESERVE commands wait while the carry runs
 * (vhba_pr_holds()): let those the old session has in flight finish, so
 * that what step 1 reads stays true. 0, or -EINPROGRESS after
 * VHBA_PR_QUIESCE_MS.
 */
static int vhba_pr_quiesce(struct vhba_session *sess,
			   struct vconnect_be_session *old)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(VHBA_PR_QUIESCE_MS);
	struct vhba_pr_held h = { .be = old };

	synchronize_rcu();		/* queuecommand sees pr_moving now */
	for (;;) {
		h.any = false;
		scsi_host_busy_iter(sess->vhba->shost, vhba_pr_held_one, &h);
		if (!h.any)
			return 0;
		if (time_after(jiffies, deadline))
			return -EINPROGRESS;
		usleep_range(1000, 2000);
	}
}

/**
 * vhba_pr_carry - give the new nexus of a switch what the old one had
 * @sess: the session; sess->mutex held
 * @old_ctx: the old backend session, still published
 * @new_ctx: the new one, not published yet
 * @old_isid: the old nexus's ISID
 * @new_isid: the new one's
 *
 * Sets sess->pr_moving; the caller clears it once the old session let go
 * of its commands, or when the switch fails.
 *
 * Return: 1 when registrations moved: the switch must go on, the new
 * session being the one that has them even if it fails (its recovery
 * keeps its ISID); 0 when there was nothing to carry; else an error: the
 * switch must not go on, and the old nexus has what it had (unless its
 * session failed meanwhile: see vhba_pr_undo()).
 */
int vhba_pr_carry(struct vhba_session *sess, struct vhba_exec_ctx *old_ctx,
		  struct vhba_exec_ctx *new_ctx, const u8 *old_isid,
		  const u8 *new_isid)
{
	struct vhba_pr_carry *pr;
	struct scsi_device *sdev;
	unsigned int n = 0, i;
	bool moved = false;
	int ret;

	WRITE_ONCE(sess->pr_moving, true);
	ret = vhba_pr_quiesce(sess, old_ctx->be);
	if (ret) {
		shost_printk(KERN_WARNING, sess->vhba->shost,
			     "switch of %s: a PERSISTENT RESERVE command of the guest is still in flight\n",
			     sess->target_name);
		return ret;
	}
	shost_for_each_device(sdev, sess->vhba->shost)
		if (sdev->id == sess->id)
			n++;
	if (!n)
		return 0;
	pr = kzalloc(struct_size(pr, luns, n), GFP_NOIO);
	if (!pr)
		return -ENOMEM;
	pr->sess = sess;
	pr->old_isid = old_isid;
	pr->new_isid = new_isid;
	pr->old_ctx = old_ctx;
	pr->new_ctx = new_ctx;

	ret = vhba_pr_read_all(pr, n);
	if (ret || !pr->nr)
		goto out;
	vhba_pr_order(pr);
	/* Step 2, and step 3's registrations: all can still be undone. */
	for (i = 0; i < pr->nr && !ret; i++) {
		struct vhba_pr_lun *l = &pr->luns[i];

		if (l->moves)
			ret = vhba_pr_out(new_ctx, l->sdev,
					  VHBA_PROUT_REGISTER_IGNORE, 0, 0,
					  l->key, l->aptpl);
		else
			ret = vhba_pr_reregister(pr, l);
		if (ret) {
			sdev_printk(KERN_WARNING, l->sdev,
				    "could not move the registration of key 0x%llx to the new I_T nexus (%d)\n",
				    l->key, ret);
			vhba_pr_undo(pr, i);
		}
	}
	if (ret)
		goto out;
	/* Step 3: the first reservation that moves commits the switch. */
	for (i = 0; i < pr->nr; i++) {
		struct vhba_pr_lun *l = &pr->luns[i];
		int err;

		if (!l->moves)
			continue;
		err = vhba_pr_move(pr, l);
		if (!err) {
			moved = true;
			continue;
		}
		sdev_printk(KERN_ERR, l->sdev,
			    "could not move the persistent reservation of key 0x%llx to the new I_T nexus (%d)%s\n",
			    l->key, err, moved ? "; it stays with the old one" : "");
		if (!moved) {
			vhba_pr_undo(pr, pr->nr);
			ret = err;
			goto out;
		}
	}
	ret = 1;
out:
	vhba_pr_free(pr);
	return ret;
}

/*
 * From queuecommand: the guest's PERSISTENT RESERVE commands wait while
 * a switch carries reservations (they would change what it carries).
 */
bool vhba_pr_holds(struct vhba_session *sess, struct scsi_cmnd *sc)
{
	return READ_ONCE(sess->pr_moving) &&
	       (sc->cmnd[0] == PERSISTENT_RESERVE_IN ||
		sc->cmnd[0] == PERSISTENT_RESERVE_OUT);
}

/*
 * Whether a command that completed with @sc's result while persistent
 * reservations move met the move rather than the target's own state: it
 * was not carried out, and goes again. Any context.
 */
bool vhba_pr_met_move(struct scsi_cmnd *sc)
{
	struct scsi_sense_hdr sshdr;

	if (get_status_byte(sc) == SAM_STAT_RESERVATION_CONFLICT)
		return true;
	if (get_status_byte(sc) != SAM_STAT_CHECK_CONDITION ||
	    !scsi_normalize_sense(sc->sense_buffer, SCSI_SENSE_BUFFERSIZE,
				  &sshdr))
		return false;
	return vhba_pr_ua_is_move(&sshdr);
}

/* RESERVATIONS PREEMPTED, RESERVATIONS RELEASED, REGISTRATIONS PREEMPTED. */
bool vhba_pr_ua_is_move(const struct scsi_sense_hdr *sshdr)
{
	return sshdr->sense_key == UNIT_ATTENTION && sshdr->asc == 0x2a &&
	       sshdr->ascq >= 0x03 && sshdr->ascq <= 0x05;
}
