/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vconnect_offload internals: the function pool (pool.c) and the
 * "offload" backend that opens vHBA sessions on pooled functions
 * (backend.c).
 *
 * Locks: vco_pool_mutex (PF list, function lists, assignment: holder and
 * nr_sessions) -> fn->lock (state flags and the session list; taken from
 * any context but hard irq, so _bh).
 */
#ifndef _VCONNECT_OFFLOAD_INTERNAL_H
#define _VCONNECT_OFFLOAD_INTERNAL_H

#include "vconnect_offload.h"

/* A vHBA session on an offload function, as the vhba layer sees it. */
struct vco_session {
	struct vconnect_be_session base;	/* what vhba holds */
	struct vconnect_be_session *hw;		/* the driver's session */
	struct vconnect_offload_fn *fn;
	struct list_head node;			/* on fn->sessions */
	atomic_t failed;			/* owner told once */
};

extern struct vconnect_backend vco_backend;

/* pool.c */
struct vconnect_offload_fn *vco_fn_assign(const char *holder,
					  const struct vconnect_offload_identity *id);
void vco_fn_release(struct vconnect_offload_fn *fn);
bool vco_fn_usable(const struct vconnect_offload_fn *fn);
void vco_session_fail(struct vco_session *gs, int err);
int vco_pool_list(vconnect_function_fn cb, void *arg);

#endif /* _VCONNECT_OFFLOAD_INTERNAL_H */
