// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: /sys/kernel/debug/vconnect_sim/vcsimN/vfM/
 *
 *   fail_next_login  N   the next N logins on the VF fail (-EIO)
 *   link_down        MS  link down now, up again after MS ms (0: until
 *                        link_up is written)
 *   link_up          1   link up now
 *   reset            1   VF reset: firmware state lost, ready in 50 ms
 *   hang_ms          N   firmware stops for N ms (the watchdog resets the
 *                        VF after about 300 ms without a heartbeat)
 *   remove           MS  surprise removal; hot-plugged back after MS ms
 *                        (0: never)
 *   watchdog         0|1 1 (default): a hang is found and ends in a VF
 *                        reset; 0: hangs last as long as asked
 *   luns_changed     N   report REPORTED LUNS DATA HAS CHANGED N times
 *                        (1..1000) on every session of the VF, closing
 *                        ones included
 *   status               readable: state and counters
 *
 * and /sys/kernel/debug/vconnect_sim/vcsimN/:
 *
 *   slow_fw_ms       N   every VF's firmware is slow: programming an
 *                        identity and each mailbox command take N ms
 *                        more (0, the default: no delay). Widens the
 *                        windows between vconnect's pool decisions and
 *                        the driver's calls, for the pool's race tests.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

#include "sim.h"

enum vcsim_dbg_ctl {
	VCSIM_DBG_FAIL_NEXT_LOGIN,
	VCSIM_DBG_LINK_DOWN,
	VCSIM_DBG_LINK_UP,
	VCSIM_DBG_RESET,
	VCSIM_DBG_HANG_MS,
	VCSIM_DBG_REMOVE,
	VCSIM_DBG_WATCHDOG,
	VCSIM_DBG_LUNS_CHANGED,
	VCSIM_DBG_NR,
};

static const char *const vcsim_dbg_names[VCSIM_DBG_NR] = {
	[VCSIM_DBG_FAIL_NEXT_LOGIN]	= "fail_next_login",
	[VCSIM_DBG_LINK_DOWN]		= "link_down",
	[VCSIM_DBG_LINK_UP]		= "link_up",
	[VCSIM_DBG_RESET]		= "reset",
	[VCSIM_DBG_HANG_MS]		= "hang_ms",
	[VCSIM_DBG_REMOVE]		= "remove",
	[VCSIM_DBG_WATCHDOG]		= "watchdog",
	[VCSIM_DBG_LUNS_CHANGED]	= "luns_changed",
};

/*
 * The inode's private data is the VF; which control a file is comes from
 * its name (one set of fops for all).
 */
static int vcsim_dbg_ctl_of(struct file *file)
{
	const char *name = file->f_path.dentry->d_name.name;
	int i;

	for (i = 0; i < VCSIM_DBG_NR; i++)
		if (!strcmp(name, vcsim_dbg_names[i]))
			return i;
	return -EINVAL;
}

static ssize_t vcsim_dbg_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct vcsim_vf *vf = file->private_data;
	int ctl = vcsim_dbg_ctl_of(file);
	unsigned int val;
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 0, &val);
	if (ret)
		return ret;
	switch (ctl) {
	case VCSIM_DBG_FAIL_NEXT_LOGIN:
		ret = vcsim_vf_fail_logins(vf, val);
		break;
	case VCSIM_DBG_LINK_DOWN:
		ret = vcsim_vf_link_down(vf, val);
		break;
	case VCSIM_DBG_LINK_UP:
		ret = vcsim_vf_link_up(vf);
		break;
	case VCSIM_DBG_RESET:
		ret = val ? vcsim_vf_reset(vf) : -EINVAL;
		break;
	case VCSIM_DBG_HANG_MS:
		ret = vcsim_vf_hang(vf, val);
		break;
	case VCSIM_DBG_REMOVE:
		ret = vcsim_vf_surprise_remove(vf, val);
		break;
	case VCSIM_DBG_WATCHDOG:
		ret = vcsim_vf_watchdog_enable(vf, val);
		break;
	case VCSIM_DBG_LUNS_CHANGED:
		ret = vcsim_vf_luns_changed(vf, val);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	return ret ? ret : count;
}

static const struct file_operations vcsim_dbg_ctl_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= vcsim_dbg_write,
	.llseek	= no_llseek,
};

static int vcsim_dbg_status_show(struct seq_file *m, void *v)
{
	struct vcsim_vf *vf = m->private;

	seq_printf(m, "state: %s\n", vcsim_vf_state(vf));
	seq_printf(m, "sessions: %u\n", READ_ONCE(vf->nr_sessions));
	seq_printf(m, "generation: %u\n", READ_ONCE(vf->gen));
	seq_printf(m, "heartbeat: %d\n", atomic_read(&vf->heartbeat));
	seq_printf(m, "watchdog: %d\n", !READ_ONCE(vf->watchdog_off));
	seq_printf(m, "fail_next_login: %d\n", atomic_read(&vf->fail_next_login));
	seq_printf(m, "cmds: %lld\n", atomic64_read(&vf->cmds));
	seq_printf(m, "read_bytes: %lld\n", atomic64_read(&vf->read_bytes));
	seq_printf(m, "write_bytes: %lld\n", atomic64_read(&vf->write_bytes));
	seq_printf(m, "logins: %lld\n", atomic64_read(&vf->logins));
	seq_printf(m, "login_failures: %lld\n",
		   atomic64_read(&vf->login_failures));
	seq_printf(m, "dropped: %lld\n", atomic64_read(&vf->dropped));
	seq_printf(m, "parked: %lld\n", atomic64_read(&vf->parked));
	seq_printf(m, "busy: %lld\n", atomic64_read(&vf->busy));
	seq_printf(m, "engine_busy: %lld\n", atomic64_read(&vf->engine_busy));
	seq_printf(m, "resets: %lld\n", atomic64_read(&vf->resets));
	seq_printf(m, "fw_errors: %lld\n", atomic64_read(&vf->fw_errors));
	seq_printf(m, "link_downs: %lld\n", atomic64_read(&vf->link_downs));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcsim_dbg_status);

void vcsim_debugfs_vf_add(struct vcsim_vf *vf)
{
	char name[16];
	int i;

	snprintf(name, sizeof(name), "vf%u", vf->index);
	vf->ddir = debugfs_create_dir(name, vf->dev->ddir);
	for (i = 0; i < VCSIM_DBG_NR; i++)
		debugfs_create_file(vcsim_dbg_names[i], 0200, vf->ddir, vf,
				    &vcsim_dbg_ctl_fops);
	debugfs_create_file("status", 0400, vf->ddir, vf,
			    &vcsim_dbg_status_fops);
}

/* Waits for handlers that are running; none can start afterwards. */
void vcsim_debugfs_vf_del(struct vcsim_vf *vf)
{
	debugfs_remove_recursive(vf->ddir);
	vf->ddir = NULL;
}

void vcsim_debugfs_dev_add(struct vcsim_dev *dev)
{
	dev->ddir = debugfs_create_dir(dev_name(&dev->dev), vcsim_debugfs_root);
	debugfs_create_u32("slow_fw_ms", 0600, dev->ddir, &dev->slow_fw_ms);
}

/* The firmware of @vf takes slow_fw_ms longer for @what (test knob). */
void vcsim_slow_fw(struct vcsim_vf *vf, const char *what)
{
	unsigned int ms = READ_ONCE(vf->dev->slow_fw_ms);

	if (!ms)
		return;
	vcsim_info(vf, "slow firmware: %s takes %u ms more\n", what, ms);
	msleep(ms);
}
