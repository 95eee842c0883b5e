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
 * Commands the old session still has in flight may then meet RESERVATION
 * CONFLICT or one of those unit attentions: the target did not carry them
 * out, and vhba_task_done() sends them again, on the session that has the
 * registration, until the switch is over (sess->pr_moving).
 *
 * Step 2 can be undone, and the switch fails leaving the old nexus as it
 * was; step 3 cannot, so the LUNs of step 2 go first. A key that another
 * nexus (another initiator, or a third ISID of ours) shares with a
 * reservation holder is not carried: the PREEMPT would remove its
 * registration too, so the switch is refused. So is a registration made
 * with ALL_TG_PT, which one registration cannot carry to every port.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

#define VHBA_PR_STATUS_LEN	4096	/* first try; then what it says */
#define VHBA_PR_STATUS_MAX	65535	/* the CDB's allocation length */
#define VHBA_PR_OUT_LEN		24	/* basic PR OUT parameter list */
#define VHBA_PR_DESC_LEN	24	/* full status descriptor header */
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
 * bytes (kfree() it), grown to what the target says it has.
 * 1 when the LUN does not do persistent reservations.
 */
static int vhba_pr_in(struct vhba_exec_ctx *ctx, struct scsi_device *sdev,
		      u8 sa, u8 **bufp, unsigned int *len)
{
	unsigned int want = VHBA_PR_STATUS_LEN, need;
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
		need = sa == VHBA_PRIN_READ_FULL_STATUS ?
			8 + get_unaligned_be32(&buf[4]) : want;
		if (need <= want || want == VHBA_PR_STATUS_MAX) {
			*bufp = buf;
			*len = want;
			return 0;
		}
		kfree(buf);
		want = min_t(unsigned int, need, VHBA_PR_STATUS_MAX);
	}
}

/* PTPL_A: the LUN keeps registrations over a power loss (APTPL was set). */
static bool vhba_pr_aptpl(struct vhba_exec_ctx *ctx, struct scsi_device *sdev)
{
	unsigned int len;
	bool aptpl;
	u8 *buf;

	if (vhba_pr_in(ctx, sdev, VHBA_PRIN_REPORT_CAPABILITIES, &buf, &len))
		return false;
	aptpl = buf[3] & 0x01;
	kfree(buf);
	return aptpl;
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
 * Step 1 for one LUN: what moves. 0 also when nothing does; -EOPNOTSUPP
 * when the registration cannot be carried.
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
		return -EOPNOTSUPP;
	}
	l->sdev = sdev;
	l->key = st.key;
	l->moves = st.holds;
	l->type = st.type;
	l->aptpl = vhba_pr_aptpl(pr->new_ctx, sdev);
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

/* Step 2 for one LUN. */
static int vhba_pr_reregister(struct vhba_pr_carry *pr, struct vhba_pr_lun *l)
{
	int ret;

	ret = vhba_pr_out(pr->old_ctx, l->sdev, VHBA_PROUT_REGISTER, 0, l->key,
			  0, l->aptpl);
	if (ret)
		return ret;
	ret = vhba_pr_out(pr->new_ctx, l->sdev, VHBA_PROUT_REGISTER_IGNORE, 0,
			  0, l->key, l->aptpl);
	if (ret)	/* Back as it was, best effort. */
		vhba_pr_out(pr->old_ctx, l->sdev, VHBA_PROUT_REGISTER_IGNORE, 0,
			    0, l->key, l->aptpl);
	return ret;
}

/* Undo step 2 on the first @n LUNs of it, best effort. */
static void vhba_pr_undo(struct vhba_pr_carry *pr, unsigned int n)
{
	struct vhba_pr_lun *l;
	unsigned int i;

	for (i = 0; i < pr->nr && n; i++) {
		l = &pr->luns[i];
		if (l->moves)
			continue;
		vhba_pr_out(pr->new_ctx, l->sdev, VHBA_PROUT_REGISTER, 0, l->key,
			    0, l->aptpl);
		vhba_pr_out(pr->old_ctx, l->sdev, VHBA_PROUT_REGISTER_IGNORE, 0,
			    0, l->key, l->aptpl);
		n--;
	}
}

/* Step 3 for one LUN; past the point of no return. */
static void vhba_pr_move(struct vhba_pr_carry *pr, struct vhba_pr_lun *l)
{
	u8 tur[6] = { TEST_UNIT_READY };
	int ret;

	ret = vhba_pr_out(pr->new_ctx, l->sdev, VHBA_PROUT_REGISTER_IGNORE, 0,
			  0, l->key, l->aptpl);
	if (!ret)
		ret = vhba_pr_out(pr->new_ctx, l->sdev, VHBA_PROUT_PREEMPT,
				  l->type, l->key, l->key, l->aptpl);
	if (ret) {
		sdev_printk(KERN_ERR, l->sdev,
			    "could not move the persistent reservation of key 0x%llx to the new I_T nexus (%d)\n",
			    l->key, ret);
		return;
	}
	pr->new_ctx->own_pr_ua = true;
	vhba_exec(pr->new_ctx, l->sdev, tur, sizeof(tur), DMA_NONE, NULL, 0,
		  NULL);
	pr->new_ctx->own_pr_ua = false;
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

/**
 * vhba_pr_carry - give the new nexus of a switch what the old one had
 * @sess: the session; sess->mutex held
 * @old_ctx: the old backend session, still published
 * @new_ctx: the new one, not published yet
 * @old_isid: the old nexus's ISID
 * @new_isid: the new one's
 *
 * Sets sess->pr_moving when it changed anything: the caller clears it
 * once the old session let go of its commands.
 *
 * Return: 0 when the switch can go on; else it must not, and the target
 * holds what it held before.
 */
int vhba_pr_carry(struct vhba_session *sess, struct vhba_exec_ctx *old_ctx,
		  struct vhba_exec_ctx *new_ctx, const u8 *old_isid,
		  const u8 *new_isid)
{
	struct vhba_pr_carry *pr;
	struct scsi_device *sdev;
	unsigned int n = 0, i, done = 0;
	int ret;

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
	WRITE_ONCE(sess->pr_moving, true);
	for (i = 0; i < pr->nr; i++) {
		struct vhba_pr_lun *l = &pr->luns[i];

		if (l->moves)
			continue;
		ret = vhba_pr_reregister(pr, l);
		if (ret) {
			sdev_printk(KERN_WARNING, l->sdev,
				    "could not move the registration of key 0x%llx to the new I_T nexus (%d)\n",
				    l->key, ret);
			vhba_pr_undo(pr, done);
			goto out;
		}
		done++;
	}
	for (i = 0; i < pr->nr; i++)
		if (pr->luns[i].moves)
			vhba_pr_move(pr, &pr->luns[i]);
out:
	vhba_pr_free(pr);
	return ret;
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
