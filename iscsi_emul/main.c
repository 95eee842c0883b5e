// SPDX-License-Identifier: GPL-2.0
/*
 * vconnect software iSCSI backend: the glue between the vconnect backend
 * contract (vhba/vconnect_backend.h) and the protocol engine. Registers
 * the backend "software" with vconnect_vhba.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "software.h"

static struct vconnect_backend vcsw_backend;

static struct vconnect_be_session *
vcsw_be_open(const struct vconnect_session_desc *desc,
	     const struct vconnect_session_owner_ops *owner_ops, void *owner,
	     struct vconnect_session_info *info)
{
	struct vcsw_session *sess;

	if (!owner_ops || !owner_ops->task_done || !owner_ops->failed)
		return ERR_PTR(-EINVAL);
	sess = vcsw_session_open(desc, owner_ops, owner, info);
	if (IS_ERR(sess))
		return ERR_CAST(sess);
	sess->be.backend = &vcsw_backend;
	return &sess->be;
}

static int vcsw_be_queue(struct vconnect_be_session *s, struct scsi_cmnd *sc)
{
	return vcsw_queue(to_vcsw_session(s), sc);
}

static int vcsw_be_abort(struct vconnect_be_session *s, struct scsi_cmnd *sc)
{
	return vcsw_abort(to_vcsw_session(s), sc);
}

static int vcsw_be_lun_reset(struct vconnect_be_session *s, u64 lun)
{
	return vcsw_lun_reset(to_vcsw_session(s), lun);
}

static int vcsw_be_target_reset(struct vconnect_be_session *s)
{
	return vcsw_target_reset(to_vcsw_session(s));
}

static void vcsw_be_close(struct vconnect_be_session *s, bool logout)
{
	vcsw_session_close(to_vcsw_session(s), logout);
}

static int vcsw_be_discover(const struct vconnect_session_desc *desc,
			    vconnect_discover_fn fn, void *arg)
{
	if (!fn)
		return -EINVAL;
	return vcsw_discover(desc, fn, arg);
}

static const struct vconnect_backend_ops vcsw_backend_ops = {
	.open		= vcsw_be_open,
	.queue		= vcsw_be_queue,
	.abort		= vcsw_be_abort,
	.lun_reset	= vcsw_be_lun_reset,
	.target_reset	= vcsw_be_target_reset,
	.close		= vcsw_be_close,
	.discover	= vcsw_be_discover,
};

static struct vconnect_backend vcsw_backend = {
	.name	= "software",
	.kind	= VCONNECT_BACKEND_SOFTWARE,
	.ops	= &vcsw_backend_ops,
	.owner	= THIS_MODULE,
};

static int __init vcsw_init(void)
{
	int err;

	err = vcsw_engine_init();
	if (err)
		return err;
	err = vconnect_backend_register(&vcsw_backend);
	if (err) {
		pr_err("cannot register the software backend: %d\n", err);
		goto err_engine_exit;
	}
	return 0;

err_engine_exit:
	vcsw_engine_exit();
	return err;
}

static void __exit vcsw_exit(void)
{
	vconnect_backend_unregister(&vcsw_backend);
	vcsw_engine_exit();
}

module_init(vcsw_init);
module_exit(vcsw_exit);

MODULE_DESCRIPTION("vconnect software iSCSI datapath (RFC 7143 initiator on kernel TCP sockets)");
MODULE_AUTHOR("vconnect");
MODULE_LICENSE("GPL");
