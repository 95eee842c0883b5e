// SPDX-License-Identifier: GPL-2.0
/*
 * vconnect_vhba: per-VM virtual iSCSI HBAs with an implementation-
 * independent session layer. Module setup and teardown.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "vhba.h"

DEFINE_MUTEX(vhba_mutex);
LIST_HEAD(vhba_list);
struct workqueue_struct *vhba_wq;
/* Parent of every vHBA's Scsi_Host: /sys/devices/vconnect. */
struct device *vhba_root_dev;

static int __init vhba_init(void)
{
	int ret;

	BUILD_BUG_ON(offsetof(struct vhba_cmd, be_priv) % 8);

	vhba_wq = alloc_workqueue("vconnect_vhba", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!vhba_wq)
		return -ENOMEM;
	vhba_root_dev = root_device_register("vconnect");
	if (IS_ERR(vhba_root_dev)) {
		ret = PTR_ERR(vhba_root_dev);
		goto destroy_wq;
	}
	ret = vhba_netlink_init();
	if (ret)
		goto unregister_root;
	pr_info("loaded\n");
	return 0;

unregister_root:
	root_device_unregister(vhba_root_dev);
destroy_wq:
	destroy_workqueue(vhba_wq);
	return ret;
}

/* A listed vHBA that nobody removes yet, claimed for removal; or NULL. */
static struct vhba *vhba_claim_any(void)
{
	struct vhba *vhba;

	mutex_lock(&vhba_mutex);
	list_for_each_entry(vhba, &vhba_list, node) {
		if (vhba_claim_removal(vhba)) {
			mutex_unlock(&vhba_mutex);
			return vhba;
		}
	}
	mutex_unlock(&vhba_mutex);
	return NULL;
}

static void __exit vhba_exit(void)
{
	struct vhba *vhba;

	/*
	 * No new requests after this, and no events: sessions without a
	 * backend (waiting for one to recover on) still have workers that
	 * report. Then remove what exists.
	 */
	vhba_netlink_exit();
	vhba_switch_cancel();
	while ((vhba = vhba_claim_any()))
		vhba_destroy(vhba);
	root_device_unregister(vhba_root_dev);
	destroy_workqueue(vhba_wq);
	pr_info("unloaded\n");
}

module_init(vhba_init);
module_exit(vhba_exit);

MODULE_DESCRIPTION("vconnect virtual iSCSI HBAs (vHBA)");
MODULE_AUTHOR("vconnect developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(VCONNECT_GENL_NAME);
