// SPDX-License-Identifier: GPL-2.0
/*
 * The "offload" backend: a vHBA session opened on an offload function
 * from the pool. A thin layer over the driver's session that keeps the
 * function's session list (so function events reach every session on it)
 * and its counters; tasks go straight to the driver.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "offload.h"

static struct vco_session *to_vco(struct vconnect_be_session *s)
{
	return container_of(s, struct vco_session, base);
}

/* ---- the driver's callbacks, passed on to the vHBA ---- */

static void vco_task_done(struct vconnect_be_session *hw, struct scsi_cmnd *sc)
{
	struct vco_session *gs = hw->owner;

	atomic64_inc(&gs->fn->cmds);
	gs->base.owner_ops->task_done(&gs->base, sc);
}

static void vco_failed(struct vconnect_be_session *hw, int err)
{
	vco_session_fail(hw->owner, err);
}

static void vco_event(struct vconnect_be_session *hw,
		      enum vconnect_session_event ev, u64 lun)
{
	struct vco_session *gs = hw->owner;

	gs->base.owner_ops->event(&gs->base, ev, lun);
}

static const struct vconnect_session_owner_ops vco_owner_ops = {
	.task_done	= vco_task_done,
	.failed		= vco_failed,
	.event		= vco_event,
};

/* ---- backend ops ---- */

static struct vconnect_be_session *
vco_open(const struct vconnect_session_desc *desc,
	 const struct vconnect_session_owner_ops *owner_ops, void *owner,
	 struct vconnect_session_info *info)
{
	struct vconnect_offload_identity id = {
		.initiator_name = desc->initiator_name,
		.initiator_alias = desc->initiator_alias,
		.chap = desc->chap,
	};
	struct vconnect_offload_fn *fn;
	struct vconnect_be_session *hw;
	struct vco_session *gs;
	int err = 0;

	if (!desc->target_name)
		return ERR_PTR(-EOPNOTSUPP);	/* no discovery sessions */
	fn = vco_fn_assign(desc->owner_name ?: desc->initiator_name, &id);
	if (IS_ERR(fn))
		return ERR_CAST(fn);

	gs = kzalloc(sizeof(*gs), GFP_KERNEL);
	if (!gs) {
		vco_fn_release(fn);
		return ERR_PTR(-ENOMEM);
	}
	gs->base.backend = &vco_backend;
	gs->base.owner_ops = owner_ops;
	gs->base.owner = owner;
	gs->fn = fn;
	INIT_LIST_HEAD(&gs->node);

	hw = fn->pf->ops->open(fn, desc, &vco_owner_ops, gs, info);
	if (IS_ERR(hw)) {
		kfree(gs);
		vco_fn_release(fn);
		return hw;
	}
	gs->hw = hw;

	spin_lock_bh(&fn->lock);
	list_add_tail(&gs->node, &fn->sessions);
	/* An event between the login and now found no session to fail. */
	if (fn->gone)
		err = -ENODEV;
	else if (fn->resetting)
		err = -ESHUTDOWN;
	else if (fn->link_down)
		err = -ENETDOWN;
	if (err)
		vco_session_fail(gs, err);
	spin_unlock_bh(&fn->lock);
	return &gs->base;
}

static int vco_queue(struct vconnect_be_session *s, struct scsi_cmnd *sc)
{
	struct vco_session *gs = to_vco(s);

	return gs->fn->pf->ops->queue(gs->hw, sc);
}

static int vco_abort(struct vconnect_be_session *s, struct scsi_cmnd *sc)
{
	struct vco_session *gs = to_vco(s);

	if (!gs->fn->pf->ops->abort)
		return -EOPNOTSUPP;
	return gs->fn->pf->ops->abort(gs->hw, sc);
}

static int vco_lun_reset(struct vconnect_be_session *s, u64 lun)
{
	struct vco_session *gs = to_vco(s);

	if (!gs->fn->pf->ops->lun_reset)
		return -EOPNOTSUPP;
	return gs->fn->pf->ops->lun_reset(gs->hw, lun);
}

static int vco_target_reset(struct vconnect_be_session *s)
{
	struct vco_session *gs = to_vco(s);

	if (!gs->fn->pf->ops->target_reset)
		return -EOPNOTSUPP;
	return gs->fn->pf->ops->target_reset(gs->hw);
}

static void vco_close(struct vconnect_be_session *s, bool logout)
{
	struct vco_session *gs = to_vco(s);
	struct vconnect_offload_fn *fn = gs->fn;

	spin_lock_bh(&fn->lock);
	list_del(&gs->node);
	spin_unlock_bh(&fn->lock);
	fn->pf->ops->close(gs->hw, logout);
	vco_fn_release(fn);
	kfree(gs);
}

static void vco_describe(struct vconnect_be_session *s, char *buf, size_t len)
{
	struct vco_session *gs = to_vco(s);

	snprintf(buf, len, "%s/vf%u", gs->fn->pf->name, gs->fn->index);
}

static const struct vconnect_backend_ops vco_backend_ops = {
	.open		= vco_open,
	.queue		= vco_queue,
	.abort		= vco_abort,
	.lun_reset	= vco_lun_reset,
	.target_reset	= vco_target_reset,
	.close		= vco_close,
	.describe	= vco_describe,
	.list_functions	= vco_pool_list,
};

struct vconnect_backend vco_backend = {
	.name	= "offload",
	.kind	= VCONNECT_BACKEND_OFFLOAD,
	.ops	= &vco_backend_ops,
	.owner	= THIS_MODULE,
};
