/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vconnect offload interface: how an iSCSI offload HBA driver offers its
 * offload functions to vconnect's vHBAs.
 *
 * An offload function is a small HBA of its own: an SR-IOV virtual
 * function (VF) or an NPAR-style partition of the physical function (PF).
 * The driver registers its PF, then adds each function it can give away.
 * vconnect keeps the pool (which function is free, which vHBA holds
 * which), programs a vHBA's iSCSI identity onto the function it assigns,
 * and opens sessions on it through the ops below. The session ops follow
 * the backend contract in vhba/vconnect_backend.h word for word (task
 * ownership, owner callbacks and their contexts); the only difference is
 * the function argument of open().
 *
 * Function lifetime:
 *   vconnect_offload_fn_add()     - the function exists and may be assigned
 *   vconnect_offload_fn_event()   - link down/up, reset, firmware error,
 *                                   ready again, surprise removal
 *   vconnect_offload_fn_remove()  - sessions on it move elsewhere (their
 *                                   vHBAs recover), an assignment in
 *                                   progress finishes (its open() should
 *                                   fail), then it is forgotten; ops may
 *                                   still be called until it returns
 *
 * A driver for a PCI PF calls vconnect_offload_pf_busy() from its
 * sriov_configure() callback and refuses (-EBUSY) to change the number of
 * VFs while it returns true, then adds or removes the VFs it enabled or
 * disabled with pci_enable_sriov()/pci_disable_sriov().
 */
#ifndef _VCONNECT_OFFLOAD_H
#define _VCONNECT_OFFLOAD_H

#include <linux/device.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <linux/wait.h>
#include <uapi/linux/vconnect.h>

#include "vconnect_backend.h"

#define VCONNECT_OFFLOAD_NAME_MAX	32

struct vconnect_offload_fn;

/* The identity a vHBA programs onto the function it is assigned. */
struct vconnect_offload_identity {
	const char *initiator_name;
	const char *initiator_alias;	/* may be NULL */
	const struct vconnect_chap *chap;	/* NULL: AuthMethod=None */
};

/* What a driver tells vconnect about one of its functions. */
enum vconnect_offload_fn_event {
	VCONNECT_OFFLOAD_LINK_DOWN,	/* sessions lost; not assignable */
	VCONNECT_OFFLOAD_LINK_UP,	/* assignable again */
	VCONNECT_OFFLOAD_FN_RESET,	/* function reset: sessions lost */
	VCONNECT_OFFLOAD_FW_ERROR,	/* firmware hung or crashed: as reset */
	VCONNECT_OFFLOAD_FN_READY,	/* back after a reset or firmware error */
	VCONNECT_OFFLOAD_FN_REMOVED,	/* gone without warning; remove follows */
};

struct vconnect_offload_ops {
	/*
	 * Program (or with @id NULL, clear) the iSCSI identity of @fn.
	 * Called before the first session of a vHBA is opened on @fn and
	 * after its last one is closed (not after FN_REMOVED). Sleeps.
	 * Zero every copy of the CHAP secrets when done with it
	 * (memzero_explicit(), kfree_sensitive()).
	 */
	int (*set_identity)(struct vconnect_offload_fn *fn,
			    const struct vconnect_offload_identity *id);
	/*
	 * Log in on @fn: as vconnect_backend_ops.open. desc->isid is the
	 * session's ISID; the initiator name is the one programmed.
	 */
	struct vconnect_be_session *(*open)(struct vconnect_offload_fn *fn,
					    const struct vconnect_session_desc *desc,
					    const struct vconnect_session_owner_ops *owner_ops,
					    void *owner,
					    struct vconnect_session_info *info);
	/* As vconnect_backend_ops. */
	int (*queue)(struct vconnect_be_session *s, struct scsi_cmnd *sc);
	int (*abort)(struct vconnect_be_session *s, struct scsi_cmnd *sc);
	int (*lun_reset)(struct vconnect_be_session *s, u64 lun);
	int (*target_reset)(struct vconnect_be_session *s);
	void (*close)(struct vconnect_be_session *s, bool logout);
};

/* A physical function (one offload HBA port), filled in by its driver. */
struct vconnect_offload_pf {
	char name[VCONNECT_OFFLOAD_NAME_MAX];	/* unique, e.g. "vcsim0" */
	struct device *dev;			/* may be NULL */
	const struct vconnect_offload_ops *ops;
	struct module *owner;

	/* private to vconnect */
	struct list_head node;
	struct list_head fns;
};

/* One offload function; allocated by vconnect_offload_fn_add(). */
struct vconnect_offload_fn {
	struct vconnect_offload_pf *pf;
	unsigned int index;		/* VF number or partition */
	void *drv_priv;			/* the driver's, untouched by vconnect */

	/* private to vconnect, under the pool lock unless said otherwise */
	struct list_head node;		/* on pf->fns */
	spinlock_t lock;		/* flags below, sessions */
	bool link_down;
	bool resetting;
	bool gone;
	unsigned long fault_jiffies;	/* last down event, 0: none */
	struct list_head sessions;	/* vHBA sessions on it */
	char holder[VCONNECT_VHBA_NAME_MAX];	/* vHBA name, "" when free */
	unsigned int nr_sessions;
	bool removing;			/* fn_remove() runs: never assigned */
	bool assign_tried;		/* scratch of the assignment */
	wait_queue_head_t idle_wq;	/* nr_sessions reached 0 */
	atomic64_t cmds;		/* commands completed through it */
};

int vconnect_offload_pf_register(struct vconnect_offload_pf *pf);
void vconnect_offload_pf_unregister(struct vconnect_offload_pf *pf);
bool vconnect_offload_pf_busy(struct vconnect_offload_pf *pf);

struct vconnect_offload_fn *vconnect_offload_fn_add(struct vconnect_offload_pf *pf,
						    unsigned int index,
						    void *drv_priv);
void vconnect_offload_fn_remove(struct vconnect_offload_fn *fn);
void vconnect_offload_fn_event(struct vconnect_offload_fn *fn,
			       enum vconnect_offload_fn_event ev);

#endif /* _VCONNECT_OFFLOAD_H */
