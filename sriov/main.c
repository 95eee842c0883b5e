// SPDX-License-Identifier: GPL-2.0
/*
 * vconnect_offload: the interface offload HBA drivers implement
 * (vconnect_offload.h), the pool of their functions, and the "offload"
 * backend that carries vHBA sessions on them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "offload.h"

static int __init vco_init(void)
{
	return vconnect_backend_register(&vco_backend);
}

/* Drivers that registered PFs use our symbols, so they are gone by now. */
static void __exit vco_exit(void)
{
	vconnect_backend_unregister(&vco_backend);
}

module_init(vco_init);
module_exit(vco_exit);

MODULE_DESCRIPTION("vconnect offload HBA interface and function pool");
MODULE_AUTHOR("vconnect developers");
MODULE_LICENSE("GPL");
