// SPDX-License-Identifier: GPL-2.0
/*
 * vconnect_offload_sim: the bus "vconnect_sim" and its devices.
 *
 *   echo "ID TOTALVFS" > /sys/bus/vconnect_sim/new_device   device vcsimID
 *   echo ID > /sys/bus/vconnect_sim/del_device
 *   /sys/bus/vconnect_sim/devices/vcsimID/sriov_totalvfs, sriov_numvfs
 *   /sys/bus/vconnect_sim/devices/vcsimID/vfN/        per-VF counters
 *
 * Each device is an offload PF registered with vconnect; each VF it
 * enables is an offload function added to vconnect's pool.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "sim.h"

struct dentry *vcsim_debugfs_root;
struct workqueue_struct *vcsim_dp_wq;

static LIST_HEAD(vcsim_devs);
static DEFINE_MUTEX(vcsim_devs_lock);

static struct bus_type vcsim_bus;

static struct vcsim_dev *to_vcsim_dev(struct device *d)
{
	return container_of(d, struct vcsim_dev, dev);
}

/* ---- per-VF sysfs: vcsimN/vfM/ ---- */

static struct vcsim_vf *kobj_to_vf(struct kobject *kobj)
{
	return container_of(kobj, struct vcsim_vf, kobj);
}

#define VCSIM_VF_COUNTER(_name)						\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  atomic64_read(&kobj_to_vf(kobj)->_name));	\
}									\
static struct kobj_attribute vcsim_vf_attr_##_name = __ATTR_RO(_name)

VCSIM_VF_COUNTER(cmds);
VCSIM_VF_COUNTER(read_bytes);
VCSIM_VF_COUNTER(write_bytes);
VCSIM_VF_COUNTER(logins);
VCSIM_VF_COUNTER(login_failures);
VCSIM_VF_COUNTER(dropped);
VCSIM_VF_COUNTER(parked);
VCSIM_VF_COUNTER(busy);
VCSIM_VF_COUNTER(engine_busy);
VCSIM_VF_COUNTER(resets);
VCSIM_VF_COUNTER(fw_errors);
VCSIM_VF_COUNTER(link_downs);

static ssize_t sessions_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(kobj_to_vf(kobj)->nr_sessions));
}
static struct kobj_attribute vcsim_vf_attr_sessions = __ATTR_RO(sessions);

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", vcsim_vf_state(kobj_to_vf(kobj)));
}
static struct kobj_attribute vcsim_vf_attr_state = __ATTR_RO(state);

static ssize_t heartbeat_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&kobj_to_vf(kobj)->heartbeat));
}
static struct kobj_attribute vcsim_vf_attr_heartbeat = __ATTR_RO(heartbeat);

static ssize_t initiator_name_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	struct vcsim_vf *vf = kobj_to_vf(kobj);
	ssize_t ret;

	mutex_lock(&vf->id_mutex);
	ret = sysfs_emit(buf, "%s\n", vf->id.set ? vf->id.name : "");
	mutex_unlock(&vf->id_mutex);
	return ret;
}
static struct kobj_attribute vcsim_vf_attr_initiator_name =
	__ATTR_RO(initiator_name);

static struct attribute *vcsim_vf_attrs[] = {
	&vcsim_vf_attr_cmds.attr,
	&vcsim_vf_attr_read_bytes.attr,
	&vcsim_vf_attr_write_bytes.attr,
	&vcsim_vf_attr_sessions.attr,
	&vcsim_vf_attr_logins.attr,
	&vcsim_vf_attr_login_failures.attr,
	&vcsim_vf_attr_state.attr,
	&vcsim_vf_attr_initiator_name.attr,
	&vcsim_vf_attr_heartbeat.attr,
	&vcsim_vf_attr_dropped.attr,
	&vcsim_vf_attr_parked.attr,
	&vcsim_vf_attr_busy.attr,
	&vcsim_vf_attr_engine_busy.attr,
	&vcsim_vf_attr_resets.attr,
	&vcsim_vf_attr_fw_errors.attr,
	&vcsim_vf_attr_link_downs.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vcsim_vf);

static void vcsim_vf_release(struct kobject *kobj)
{
	struct vcsim_vf *vf = kobj_to_vf(kobj);

	/* A removed VF is not cleared by vconnect: its CHAP secrets go here. */
	memzero_explicit(&vf->id, sizeof(vf->id));
	kfree(vf);
}

const struct kobj_type vcsim_vf_ktype = {
	.release	= vcsim_vf_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= vcsim_vf_groups,
};

/* ---- device attributes ---- */

static ssize_t sriov_totalvfs_show(struct device *d,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_vcsim_dev(d)->total_vfs);
}
static DEVICE_ATTR_RO(sriov_totalvfs);

static ssize_t sriov_numvfs_show(struct device *d,
				 struct device_attribute *attr, char *buf)
{
	struct vcsim_dev *dev = to_vcsim_dev(d);
	unsigned int n;

	mutex_lock(&dev->lock);
	n = dev->num_vfs;
	mutex_unlock(&dev->lock);
	return sysfs_emit(buf, "%u\n", n);
}

/* Remove every VF of @dev (dev->lock held). */
static void vcsim_dev_remove_vfs(struct vcsim_dev *dev)
{
	unsigned int i;

	lockdep_assert_held(&dev->lock);
	/*
	 * Every VF leaves the pool first, so that sessions moving off one VF
	 * do not land on the next one to go.
	 */
	for (i = 0; i < dev->total_vfs; i++)
		if (dev->slots[i].vf && dev->slots[i].vf->fn)
			vconnect_offload_fn_event(dev->slots[i].vf->fn,
						  VCONNECT_OFFLOAD_FN_REMOVED);
	for (i = dev->total_vfs; i-- > 0;) {
		if (dev->slots[i].vf) {
			vcsim_vf_destroy(dev->slots[i].vf);
			dev->slots[i].vf = NULL;
		}
	}
	dev->num_vfs = 0;
}

static int vcsim_dev_add_vfs(struct vcsim_dev *dev, unsigned int n)
{
	struct vcsim_vf *vf;
	unsigned int i;

	lockdep_assert_held(&dev->lock);
	dev->num_vfs = n;
	for (i = 0; i < n; i++) {
		vf = vcsim_vf_create(dev, i);
		if (IS_ERR(vf)) {
			vcsim_dev_remove_vfs(dev);
			return PTR_ERR(vf);
		}
		dev->slots[i].vf = vf;
	}
	return 0;
}

static ssize_t sriov_numvfs_store(struct device *d,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct vcsim_dev *dev = to_vcsim_dev(d);
	unsigned int n;
	int ret;

	ret = kstrtouint(buf, 0, &n);
	if (ret) {
		pr_err("%s: sriov_numvfs: write a number from 0 to %u\n",
		       dev_name(d), dev->total_vfs);
		return ret;
	}
	if (n > dev->total_vfs) {
		pr_err("%s: sriov_numvfs: %u is more than sriov_totalvfs (%u)\n",
		       dev_name(d), n, dev->total_vfs);
		return -ERANGE;
	}

	mutex_lock(&dev->lock);
	if (dev->dying) {
		ret = -ENODEV;
		goto out;
	}
	if (n == dev->num_vfs) {
		ret = 0;
		goto out;
	}
	if (vconnect_offload_pf_busy(&dev->pf)) {
		pr_err("%s: sriov_numvfs: VFs are in use by vHBAs; move the vHBAs to another datapath first\n",
		       dev_name(d));
		ret = -EBUSY;
		goto out;
	}
	if (n && dev->num_vfs) {
		pr_err("%s: sriov_numvfs: %u VFs are enabled; write 0 first, then %u\n",
		       dev_name(d), dev->num_vfs, n);
		ret = -EBUSY;
		goto out;
	}
	if (n) {
		ret = vcsim_dev_add_vfs(dev, n);
		if (!ret)
			pr_info("%s: %u VFs enabled\n", dev_name(d), n);
	} else {
		vcsim_dev_remove_vfs(dev);
		pr_info("%s: VFs disabled\n", dev_name(d));
	}
out:
	mutex_unlock(&dev->lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(sriov_numvfs);

static struct attribute *vcsim_dev_attrs[] = {
	&dev_attr_sriov_totalvfs.attr,
	&dev_attr_sriov_numvfs.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vcsim_dev);

/* ---- devices ---- */

static void vcsim_dev_release(struct device *d)
{
	kfree(to_vcsim_dev(d));
}

static struct vcsim_dev *vcsim_dev_find(unsigned int id)
{
	struct vcsim_dev *dev;

	lockdep_assert_held(&vcsim_devs_lock);
	list_for_each_entry(dev, &vcsim_devs, node)
		if (dev->id == id)
			return dev;
	return NULL;
}

static struct vcsim_dev *vcsim_dev_create(unsigned int id, unsigned int total)
{
	struct vcsim_dev *dev;
	unsigned int i;
	int ret;

	dev = kzalloc(struct_size(dev, slots, total), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->id = id;
	dev->total_vfs = total;
	mutex_init(&dev->lock);
	for (i = 0; i < total; i++) {
		dev->slots[i].dev = dev;
		dev->slots[i].index = i;
		INIT_WORK(&dev->slots[i].remove_work, vcsim_slot_remove_work);
		INIT_DELAYED_WORK(&dev->slots[i].replug_work,
				  vcsim_slot_replug_work);
	}
	dev->dev.bus = &vcsim_bus;
	dev->dev.release = vcsim_dev_release;
	dev->dev.groups = vcsim_dev_groups;
	device_initialize(&dev->dev);
	ret = dev_set_name(&dev->dev, "vcsim%u", id);
	if (ret)
		goto err_put_device;
	ret = device_add(&dev->dev);
	if (ret)
		goto err_put_device;

	vcsim_debugfs_dev_add(dev);
	strscpy(dev->pf.name, dev_name(&dev->dev), sizeof(dev->pf.name));
	dev->pf.dev = &dev->dev;
	dev->pf.ops = &vcsim_offload_ops;
	dev->pf.owner = THIS_MODULE;
	ret = vconnect_offload_pf_register(&dev->pf);
	if (ret) {
		pr_err("vcsim%u: cannot register the offload PF with vconnect: %d\n",
		       id, ret);
		debugfs_remove_recursive(dev->ddir);
		device_del(&dev->dev);
		goto err_put_device;
	}
	dev->pf_registered = true;
	return dev;

err_put_device:
	put_device(&dev->dev);
	return ERR_PTR(ret);
}

/* VFs first (their sessions move away), then the PF, then the device. */
static void vcsim_dev_destroy(struct vcsim_dev *dev)
{
	unsigned int i;

	mutex_lock(&dev->lock);
	dev->dying = true;
	vcsim_dev_remove_vfs(dev);
	mutex_unlock(&dev->lock);
	for (i = 0; i < dev->total_vfs; i++) {
		cancel_work_sync(&dev->slots[i].remove_work);
		cancel_delayed_work_sync(&dev->slots[i].replug_work);
	}
	if (dev->pf_registered)
		vconnect_offload_pf_unregister(&dev->pf);
	debugfs_remove_recursive(dev->ddir);
	pr_info("%s: deleted\n", dev_name(&dev->dev));
	device_unregister(&dev->dev);
}

/* ---- bus attributes ---- */

static ssize_t new_device_store(struct bus_type *bus, const char *buf,
				size_t count)
{
	struct vcsim_dev *dev;
	unsigned int id, total;
	char extra;
	int ret;

	if (sscanf(buf, "%u %u %c", &id, &total, &extra) != 2) {
		pr_err("new_device: write \"ID TOTALVFS\", e.g. \"0 8\"\n");
		return -EINVAL;
	}
	if (!total || total > VCSIM_MAX_VFS) {
		pr_err("new_device: TOTALVFS must be from 1 to %d\n",
		       VCSIM_MAX_VFS);
		return -EINVAL;
	}

	mutex_lock(&vcsim_devs_lock);
	if (vcsim_dev_find(id)) {
		pr_err("new_device: vcsim%u exists; delete it first (echo %u > del_device) or pick another ID\n",
		       id, id);
		ret = -EEXIST;
		goto out;
	}
	dev = vcsim_dev_create(id, total);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto out;
	}
	list_add_tail(&dev->node, &vcsim_devs);
	pr_info("vcsim%u: created, %u VFs possible (write N to sriov_numvfs)\n",
		id, total);
	ret = 0;
out:
	mutex_unlock(&vcsim_devs_lock);
	return ret ? ret : count;
}
static BUS_ATTR_WO(new_device);

static ssize_t del_device_store(struct bus_type *bus, const char *buf,
				size_t count)
{
	struct vcsim_dev *dev;
	unsigned int id;
	char extra;

	if (sscanf(buf, "%u %c", &id, &extra) != 1) {
		pr_err("del_device: write \"ID\", e.g. \"0\"\n");
		return -EINVAL;
	}
	/* Held throughout: a new vcsimID waits until the old one is gone. */
	mutex_lock(&vcsim_devs_lock);
	dev = vcsim_dev_find(id);
	if (dev) {
		list_del(&dev->node);
		vcsim_dev_destroy(dev);
	}
	mutex_unlock(&vcsim_devs_lock);
	if (!dev) {
		pr_err("del_device: no device vcsim%u (ls /sys/bus/vconnect_sim/devices)\n",
		       id);
		return -ENOENT;
	}
	return count;
}
static BUS_ATTR_WO(del_device);

static struct attribute *vcsim_bus_attrs[] = {
	&bus_attr_new_device.attr,
	&bus_attr_del_device.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vcsim_bus);

static struct bus_type vcsim_bus = {
	.name		= "vconnect_sim",
	.bus_groups	= vcsim_bus_groups,
};

/* ---- module ---- */

static int __init vcsim_init(void)
{
	int ret;

	/* Unbound: the "firmware" runs beside the submitter, as on an HBA. */
	vcsim_dp_wq = alloc_workqueue("vcsim_dp", WQ_UNBOUND | WQ_MEM_RECLAIM,
				      0);
	if (!vcsim_dp_wq)
		return -ENOMEM;
	vcsim_debugfs_root = debugfs_create_dir("vconnect_sim", NULL);
	ret = bus_register(&vcsim_bus);
	if (ret) {
		pr_err("cannot register bus vconnect_sim: %d\n", ret);
		debugfs_remove_recursive(vcsim_debugfs_root);
		destroy_workqueue(vcsim_dp_wq);
		return ret;
	}
	return 0;
}

static void __exit vcsim_exit(void)
{
	struct vcsim_dev *dev;

	for (;;) {
		mutex_lock(&vcsim_devs_lock);
		dev = list_first_entry_or_null(&vcsim_devs, struct vcsim_dev,
					       node);
		if (dev)
			list_del(&dev->node);
		mutex_unlock(&vcsim_devs_lock);
		if (!dev)
			break;
		vcsim_dev_destroy(dev);
	}
	bus_unregister(&vcsim_bus);
	debugfs_remove_recursive(vcsim_debugfs_root);
	destroy_workqueue(vcsim_dp_wq);
}

module_init(vcsim_init);
module_exit(vcsim_exit);

MODULE_DESCRIPTION("vconnect simulated iSCSI offload HBA with SR-IOV VFs (test device)");
MODULE_AUTHOR("vconnect");
MODULE_LICENSE("GPL");
