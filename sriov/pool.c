// SPDX-License-Identifier: GPL-2.0
/*
 * The offload function pool: offload HBA drivers register their physical
 * functions and add the functions (VFs, partitions) they can give away;
 * vHBA sessions are assigned a function here. A function is held by one
 * vHBA (its identity is programmed on it) for as long as that vHBA has a
 * session on it; the vHBA's other sessions share it.
 *
 * Lifetime of a function (struct vconnect_offload_fn): the driver adds it
 * and removes it; in between, references to it are held by
 *   - the pool lists (pf->fns), under vco_pool_mutex;
 *   - an assignment in progress: vco_fn_assign() holds vco_pool_mutex
 *     from choosing the function, through set_identity() (which sleeps),
 *     until the session is counted in fn->nr_sessions;
 *   - each counted session (vco_open() until vco_fn_release() in
 *     vco_close() or on a failed open), one count in fn->nr_sessions.
 * vconnect_offload_fn_remove() therefore first marks the function
 * removing under vco_pool_mutex: taking the mutex waits for an assignment
 * in progress (whose session is counted by then), and no assignment
 * chooses a removing function afterwards. Then it waits until
 * nr_sessions is 0, takes vco_pool_mutex once more (the last
 * vco_fn_release() may still be waking it up under the mutex), unlinks
 * and frees the function. Checking "gone" alone is not enough: a driver
 * sets it from vconnect_offload_fn_event() without the pool lock, while
 * an assignment may already have chosen the function.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "offload.h"

/*
 * A function that just failed is the last choice for a while: the vHBAs
 * that ran on it move to another one if they can, not straight back.
 */
#define VCO_FAULT_QUARANTINE	(2 * HZ)

static DEFINE_MUTEX(vco_pool_mutex);
static LIST_HEAD(vco_pfs);

/* Caller holds fn->lock, or accepts a momentary answer. */
bool vco_fn_usable(const struct vconnect_offload_fn *fn)
{
	return !READ_ONCE(fn->gone) && !READ_ONCE(fn->link_down) &&
	       !READ_ONCE(fn->resetting);
}

static const char *vco_fn_state_name(const struct vconnect_offload_fn *fn)
{
	if (fn->gone || fn->removing)
		return "removed";
	if (fn->resetting)
		return "resetting";
	if (fn->link_down)
		return "link-down";
	return fn->nr_sessions ? "assigned" : "free";
}

/**
 * vconnect_offload_pf_register - offer an offload HBA's functions to vHBAs
 * @pf: name, ops and owner filled in; name unique among registered PFs
 *
 * Context: process context.
 * Return: 0, -EINVAL for a PF without a name or required ops, -EEXIST.
 */
int vconnect_offload_pf_register(struct vconnect_offload_pf *pf)
{
	const struct vconnect_offload_ops *ops = pf->ops;
	struct vconnect_offload_pf *p;

	if (!pf->name[0] || !ops || !ops->set_identity || !ops->open ||
	    !ops->queue || !ops->close)
		return -EINVAL;

	mutex_lock(&vco_pool_mutex);
	list_for_each_entry(p, &vco_pfs, node) {
		if (!strcmp(p->name, pf->name)) {
			mutex_unlock(&vco_pool_mutex);
			return -EEXIST;
		}
	}
	INIT_LIST_HEAD(&pf->fns);
	list_add_tail(&pf->node, &vco_pfs);
	mutex_unlock(&vco_pool_mutex);
	pr_info("%s: offload HBA registered\n", pf->name);
	return 0;
}
EXPORT_SYMBOL_GPL(vconnect_offload_pf_register);

/**
 * vconnect_offload_pf_unregister - withdraw an offload HBA
 * @pf: a registered PF
 *
 * Removes the functions still added (their sessions move elsewhere first).
 * After it returns no op of @pf is called again.
 *
 * Context: process context; sleeps until the sessions have moved.
 */
void vconnect_offload_pf_unregister(struct vconnect_offload_pf *pf)
{
	struct vconnect_offload_fn *fn;

	for (;;) {
		mutex_lock(&vco_pool_mutex);
		fn = list_first_entry_or_null(&pf->fns,
					      struct vconnect_offload_fn, node);
		mutex_unlock(&vco_pool_mutex);
		if (!fn)
			break;
		vconnect_offload_fn_remove(fn);
	}
	mutex_lock(&vco_pool_mutex);
	list_del(&pf->node);
	mutex_unlock(&vco_pool_mutex);
	pr_info("%s: offload HBA unregistered\n", pf->name);
}
EXPORT_SYMBOL_GPL(vconnect_offload_pf_unregister);

/**
 * vconnect_offload_pf_busy - is any function of @pf held by a vHBA?
 * @pf: a registered PF
 *
 * A driver refuses to change its number of VFs while this is true.
 *
 * Context: process context.
 */
bool vconnect_offload_pf_busy(struct vconnect_offload_pf *pf)
{
	struct vconnect_offload_fn *fn;
	bool busy = false;

	mutex_lock(&vco_pool_mutex);
	list_for_each_entry(fn, &pf->fns, node)
		busy |= fn->nr_sessions || fn->holder[0];
	mutex_unlock(&vco_pool_mutex);
	return busy;
}
EXPORT_SYMBOL_GPL(vconnect_offload_pf_busy);

/**
 * vconnect_offload_fn_add - a function of @pf may now be assigned
 * @pf: a registered PF
 * @index: VF number or partition, unique within @pf
 * @drv_priv: the driver's pointer, kept in fn->drv_priv
 *
 * Context: process context.
 * Return: the function, or ERR_PTR(-EEXIST/-ENOMEM).
 */
struct vconnect_offload_fn *vconnect_offload_fn_add(struct vconnect_offload_pf *pf,
						    unsigned int index,
						    void *drv_priv)
{
	struct vconnect_offload_fn *fn, *f;

	fn = kzalloc(sizeof(*fn), GFP_KERNEL);
	if (!fn)
		return ERR_PTR(-ENOMEM);
	fn->pf = pf;
	fn->index = index;
	fn->drv_priv = drv_priv;
	spin_lock_init(&fn->lock);
	INIT_LIST_HEAD(&fn->sessions);
	init_waitqueue_head(&fn->idle_wq);

	mutex_lock(&vco_pool_mutex);
	list_for_each_entry(f, &pf->fns, node) {
		if (f->index == index) {
			mutex_unlock(&vco_pool_mutex);
			kfree(fn);
			return ERR_PTR(-EEXIST);
		}
	}
	list_add_tail(&fn->node, &pf->fns);
	mutex_unlock(&vco_pool_mutex);
	pr_info("%s/vf%u: offload function added\n", pf->name, index);
	vconnect_backend_available(&vco_backend);
	return fn;
}
EXPORT_SYMBOL_GPL(vconnect_offload_fn_add);

/**
 * vconnect_offload_fn_remove - forget a function
 * @fn: from vconnect_offload_fn_add()
 *
 * Sessions on @fn are failed (their vHBAs recover on another function or
 * the software datapath); an assignment of @fn in progress finishes and
 * its login fails; returns once all are closed, and frees @fn.
 *
 * Context: process context; sleeps.
 */
void vconnect_offload_fn_remove(struct vconnect_offload_fn *fn)
{
	if (!READ_ONCE(fn->gone))
		vconnect_offload_fn_event(fn, VCONNECT_OFFLOAD_FN_REMOVED);
	/* Waits for an assignment in progress; none starts after this. */
	mutex_lock(&vco_pool_mutex);
	fn->removing = true;
	mutex_unlock(&vco_pool_mutex);
	wait_event(fn->idle_wq, !READ_ONCE(fn->nr_sessions));

	mutex_lock(&vco_pool_mutex);
	WARN_ON_ONCE(fn->nr_sessions);
	list_del(&fn->node);
	mutex_unlock(&vco_pool_mutex);
	pr_info("%s/vf%u: offload function removed\n", fn->pf->name, fn->index);
	kfree(fn);
}
EXPORT_SYMBOL_GPL(vconnect_offload_fn_remove);

void vco_session_fail(struct vco_session *gs, int err)
{
	if (!atomic_xchg(&gs->failed, 1))
		gs->base.owner_ops->failed(&gs->base, err);
}

/**
 * vconnect_offload_fn_event - report what happened to a function
 * @fn: an added function
 * @ev: the event
 *
 * Link down, reset, firmware error and removal fail every session on @fn
 * (the driver may also fail them itself; the owner hears it once); the
 * function is not assigned again until link up / ready.
 *
 * Context: process or softirq context, not hard irq.
 */
void vconnect_offload_fn_event(struct vconnect_offload_fn *fn,
			       enum vconnect_offload_fn_event ev)
{
	static const char *const names[] = {
		[VCONNECT_OFFLOAD_LINK_DOWN]	= "link down",
		[VCONNECT_OFFLOAD_LINK_UP]	= "link up",
		[VCONNECT_OFFLOAD_FN_RESET]	= "function reset",
		[VCONNECT_OFFLOAD_FW_ERROR]	= "firmware error",
		[VCONNECT_OFFLOAD_FN_READY]	= "ready",
		[VCONNECT_OFFLOAD_FN_REMOVED]	= "surprise removal",
	};
	struct vco_session *gs;
	bool available;
	int err = 0;

	spin_lock_bh(&fn->lock);
	switch (ev) {
	case VCONNECT_OFFLOAD_LINK_DOWN:
		WRITE_ONCE(fn->link_down, true);
		err = -ENETDOWN;
		break;
	case VCONNECT_OFFLOAD_LINK_UP:
		WRITE_ONCE(fn->link_down, false);
		break;
	case VCONNECT_OFFLOAD_FN_RESET:
		WRITE_ONCE(fn->resetting, true);
		err = -ESHUTDOWN;
		break;
	case VCONNECT_OFFLOAD_FW_ERROR:
		WRITE_ONCE(fn->resetting, true);
		err = -EREMOTEIO;
		break;
	case VCONNECT_OFFLOAD_FN_READY:
		WRITE_ONCE(fn->resetting, false);
		break;
	case VCONNECT_OFFLOAD_FN_REMOVED:
		WRITE_ONCE(fn->gone, true);
		err = -ENODEV;
		break;
	}
	if (err) {
		fn->fault_jiffies = jiffies ?: 1;
		list_for_each_entry(gs, &fn->sessions, node)
			vco_session_fail(gs, err);
	}
	available = !err && vco_fn_usable(fn);
	spin_unlock_bh(&fn->lock);

	if ((unsigned int)ev < ARRAY_SIZE(names))
		pr_info("%s/vf%u: %s\n", fn->pf->name, fn->index, names[ev]);
	if (available)
		vconnect_backend_available(&vco_backend);
}
EXPORT_SYMBOL_GPL(vconnect_offload_fn_event);

/* How recently @fn failed: 0 if not within the quarantine, else > 0. */
static unsigned long vco_fn_fault_age_rank(const struct vconnect_offload_fn *fn)
{
	unsigned long t = READ_ONCE(fn->fault_jiffies);

	if (!t || time_after_eq(jiffies, t + VCO_FAULT_QUARANTINE))
		return 0;
	return VCO_FAULT_QUARANTINE - (jiffies - t) + 1;
}

/*
 * The best free function not tried yet: one that has not failed lately,
 * else the one that failed longest ago.
 */
static struct vconnect_offload_fn *vco_fn_best_free(void)
{
	struct vconnect_offload_fn *fn, *best = NULL;
	unsigned long rank, best_rank = ULONG_MAX;
	struct vconnect_offload_pf *pf;

	list_for_each_entry(pf, &vco_pfs, node) {
		list_for_each_entry(fn, &pf->fns, node) {
			if (fn->assign_tried || fn->holder[0] || fn->removing ||
			    !vco_fn_usable(fn))
				continue;
			rank = vco_fn_fault_age_rank(fn);
			if (rank < best_rank) {
				best = fn;
				best_rank = rank;
			}
		}
	}
	return best;
}

/*
 * A function for a session of vHBA @holder: the one it already holds, or
 * a free one (programmed with @id). Returns it with nr_sessions counted,
 * or ERR_PTR(-ENOSPC) when none is assignable. vco_pool_mutex is held
 * from the choice to the count: that is what keeps a removal out (see
 * the top of this file).
 */
struct vconnect_offload_fn *vco_fn_assign(const char *holder,
					  const struct vconnect_offload_identity *id)
{
	struct vconnect_offload_fn *fn, *found = NULL;
	struct vconnect_offload_pf *pf;
	int err;

	mutex_lock(&vco_pool_mutex);
	list_for_each_entry(pf, &vco_pfs, node) {
		list_for_each_entry(fn, &pf->fns, node) {
			fn->assign_tried = false;
			if (!found && !strcmp(fn->holder, holder) &&
			    !fn->removing && vco_fn_usable(fn) &&
			    !vco_fn_fault_age_rank(fn))
				found = fn;
		}
	}
	while (!found && (fn = vco_fn_best_free())) {
		fn->assign_tried = true;
		err = fn->pf->ops->set_identity(fn, id);
		if (err) {
			pr_warn_ratelimited("%s/vf%u: programming the identity of %s failed (%d)\n",
					    fn->pf->name, fn->index, holder, err);
			continue;
		}
		strscpy(fn->holder, holder, sizeof(fn->holder));
		found = fn;
	}
	if (found)
		WRITE_ONCE(found->nr_sessions, found->nr_sessions + 1);
	mutex_unlock(&vco_pool_mutex);
	return found ?: ERR_PTR(-ENOSPC);
}

/* A session on @fn closed; the last one gives the function back. */
void vco_fn_release(struct vconnect_offload_fn *fn)
{
	bool available = false;

	mutex_lock(&vco_pool_mutex);
	WRITE_ONCE(fn->nr_sessions, fn->nr_sessions - 1);
	if (!fn->nr_sessions) {
		if (!READ_ONCE(fn->gone))
			fn->pf->ops->set_identity(fn, NULL);
		fn->holder[0] = 0;
		available = vco_fn_usable(fn);
		wake_up_all(&fn->idle_wq);
	}
	mutex_unlock(&vco_pool_mutex);
	if (available)
		vconnect_backend_available(&vco_backend);
}

int vco_pool_list(vconnect_function_fn cb, void *arg)
{
	struct vconnect_function_info fi;
	struct vconnect_offload_fn *fn;
	struct vconnect_offload_pf *pf;
	int ret = 0;

	mutex_lock(&vco_pool_mutex);
	list_for_each_entry(pf, &vco_pfs, node) {
		list_for_each_entry(fn, &pf->fns, node) {
			fi.pf = pf->name;
			fi.index = fn->index;
			fi.state = vco_fn_state_name(fn);
			fi.holder = fn->holder;
			fi.sessions = fn->nr_sessions;
			fi.cmds = atomic64_read(&fn->cmds);
			ret = cb(arg, &fi);
			if (ret)
				goto out;
		}
	}
out:
	mutex_unlock(&vco_pool_mutex);
	return ret;
}
