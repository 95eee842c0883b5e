// SPDX-License-Identifier: GPL-2.0
/*
 * Backend registry and the one place that decides which backend carries a
 * session: an offload function when one is assignable (and the policy
 * allows), the software datapath otherwise.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <scsi/scsi_cmnd.h>

#include "vhba.h"

/*
 * Registered backends. Its own lock, innermost: taken during a login,
 * under sess->mutex.
 */
static LIST_HEAD(vhba_backends);
static DEFINE_MUTEX(vhba_backend_lock);

/**
 * vconnect_backend_register - make a datapath available to vHBAs
 * @be: the backend; name, kind, ops and owner must be set
 *
 * Context: process context.
 * Return: 0, or -EEXIST if a backend of that name is registered.
 */
int vconnect_backend_register(struct vconnect_backend *be)
{
	struct vconnect_backend *b;

	if (!be->name || !be->ops || !be->ops->open || !be->ops->queue ||
	    !be->ops->close)
		return -EINVAL;

	mutex_lock(&vhba_backend_lock);
	list_for_each_entry(b, &vhba_backends, list) {
		if (!strcmp(b->name, be->name)) {
			mutex_unlock(&vhba_backend_lock);
			return -EEXIST;
		}
	}
	list_add_tail(&be->list, &vhba_backends);
	mutex_unlock(&vhba_backend_lock);
	pr_info("backend %s registered\n", be->name);
	return 0;
}
EXPORT_SYMBOL_GPL(vconnect_backend_register);

/**
 * vconnect_backend_unregister - withdraw a datapath
 * @be: a registered backend
 *
 * No session runs on @be by then: each holds a reference to its module
 * (vhba_backend_get_kind()), so the module cannot be on its way out.
 *
 * Context: process context.
 */
void vconnect_backend_unregister(struct vconnect_backend *be)
{
	mutex_lock(&vhba_backend_lock);
	list_del_init(&be->list);
	mutex_unlock(&vhba_backend_lock);
	pr_info("backend %s unregistered\n", be->name);
}
EXPORT_SYMBOL_GPL(vconnect_backend_unregister);

/**
 * vconnect_task_priv - a backend's per-command private area
 * @sc: a command queued to the backend
 *
 * Context: any.
 * Return: VCONNECT_TASK_PRIV_SIZE bytes, 8-byte aligned, owned by the
 * backend while it owns @sc.
 */
void *vconnect_task_priv(struct scsi_cmnd *sc)
{
	struct vhba_cmd *cmd = scsi_cmd_priv(sc);

	return cmd->be_priv;
}
EXPORT_SYMBOL_GPL(vconnect_task_priv);

static struct vconnect_backend *vhba_backend_find(enum vconnect_backend_kind kind)
{
	struct vconnect_backend *be;

	list_for_each_entry(be, &vhba_backends, list)
		if (be->kind == kind && try_module_get(be->owner))
			return be;
	return NULL;
}

/*
 * The selection policy: may a session of a vHBA with @policy run on a
 * backend of @kind? vhba_session_try_login() tries offload first.
 */
bool vhba_policy_allows(enum vconnect_backend_policy policy,
			enum vconnect_backend_kind kind)
{
	if (kind == VCONNECT_BACKEND_OFFLOAD)
		return policy != VCONNECT_POLICY_SOFTWARE;
	return policy != VCONNECT_POLICY_OFFLOAD;
}

void vhba_backend_put(struct vconnect_backend *be)
{
	module_put(be->owner);
}

/**
 * vconnect_backend_get - a registered backend by name, with a module ref
 * @name: backend name ("software")
 *
 * For a backend built on another one (the simulated offload HBA's
 * firmware runs the software engine). Drop with vconnect_backend_put().
 *
 * Context: process context.
 * Return: the backend, or NULL if none of that name is registered.
 */
struct vconnect_backend *vconnect_backend_get(const char *name)
{
	struct vconnect_backend *be, *found = NULL;

	mutex_lock(&vhba_backend_lock);
	list_for_each_entry(be, &vhba_backends, list) {
		if (!strcmp(be->name, name) && try_module_get(be->owner)) {
			found = be;
			break;
		}
	}
	mutex_unlock(&vhba_backend_lock);
	return found;
}
EXPORT_SYMBOL_GPL(vconnect_backend_get);

void vconnect_backend_put(struct vconnect_backend *be)
{
	module_put(be->owner);
}
EXPORT_SYMBOL_GPL(vconnect_backend_put);

/* Backend of a kind, for a planned switch; NULL if none is registered. */
struct vconnect_backend *vhba_backend_get_kind(enum vconnect_backend_kind kind)
{
	struct vconnect_backend *be;

	mutex_lock(&vhba_backend_lock);
	be = vhba_backend_find(kind);
	mutex_unlock(&vhba_backend_lock);
	return be;
}

/* Discovery needs any backend that implements it; software first. */
struct vconnect_backend *vhba_backend_get_discovery(void)
{
	struct vconnect_backend *be;

	mutex_lock(&vhba_backend_lock);
	list_for_each_entry(be, &vhba_backends, list) {
		if (be->ops->discover && try_module_get(be->owner)) {
			mutex_unlock(&vhba_backend_lock);
			return be;
		}
	}
	mutex_unlock(&vhba_backend_lock);
	return NULL;
}
