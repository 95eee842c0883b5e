// SPDX-License-Identifier: GPL-2.0
/*
 * Session lifetime: open (connect, log in, start the connection), failure
 * reporting, close (optional Logout, then teardown).
 *
 * A session belongs to its owner (vhba): the owner serializes open, close
 * and task management on one session and never calls close() while
 * another call on the same session is running; queue() may run at any
 * time until close() starts. After close() returns nothing of the session
 * runs and no owner callback is made.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "software.h"

struct workqueue_struct *vcsw_wq;
static atomic_t vcsw_session_ids = ATOMIC_INIT(0);

static unsigned int vcsw_logout_timeout_ms = 2000;
module_param_named(logout_timeout_ms, vcsw_logout_timeout_ms, uint, 0644);
MODULE_PARM_DESC(logout_timeout_ms,
		 "How long close() waits for a Logout Response. Default: 2000");

/*
 * Test knobs, not ABI: /sys/kernel/debug/vconnect_software/ (root only).
 *   initial_cmdsn  CmdSN of new sessions' logins (1); a test sets it just
 *                  below 2^32 to run I/O across the serial number wrap
 */
static struct dentry *vcsw_debugfs_dir;
static u32 vcsw_initial_cmdsn = 1;

/**
 * vcsw_engine_init - set up the protocol engine
 *
 * Checks CRC32C against the RFC 3720 vectors and creates the TX workqueue.
 *
 * Context: process context (module init).
 *
 * Return: 0 or -errno.
 */
int vcsw_engine_init(void)
{
	int err;

	err = vcsw_digest_selftest();
	if (err)
		return err;
	/*
	 * Unbound and of normal priority: the TX work then runs beside the
	 * submitter, often on another CPU, and picks up the commands queued
	 * meanwhile in one pass. A per-CPU (or high-priority) work item
	 * preempts the submitter for every command: measured in the guest,
	 * twice the context switches per I/O and 40% fewer 4 KiB QD32 writes.
	 */
	vcsw_wq = alloc_workqueue("vcsw_tx", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!vcsw_wq)
		return -ENOMEM;
	vcsw_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_u32("initial_cmdsn", 0600, vcsw_debugfs_dir,
			   &vcsw_initial_cmdsn);
	return 0;
}

/**
 * vcsw_engine_exit - tear down the protocol engine
 *
 * Context: process context (module exit); every session must be closed.
 */
void vcsw_engine_exit(void)
{
	debugfs_remove_recursive(vcsw_debugfs_dir);
	destroy_workqueue(vcsw_wq);
}

void vcsw_session_destroy(struct vcsw_session *sess)
{
	unsigned int i;

	for (i = 0; i < sess->nr_conns; i++)
		vcsw_conn_destroy(sess->conns[i]);
	kfree(sess->target_name);
	kfree(sess);
}

static bool vcsw_desc_valid(const struct vconnect_session_desc *desc,
			    bool discovery)
{
	if (!desc->initiator_name || !desc->initiator_name[0] ||
	    strnlen(desc->initiator_name, VCONNECT_ISCSI_NAME_MAX) >=
	    VCONNECT_ISCSI_NAME_MAX)
		return false;
	if (desc->initiator_alias &&
	    strnlen(desc->initiator_alias, VCONNECT_ISCSI_NAME_MAX) >=
	    VCONNECT_ISCSI_NAME_MAX)
		return false;
	if (discovery)
		return true;
	return desc->target_name && desc->target_name[0] &&
	       strnlen(desc->target_name, VCONNECT_ISCSI_NAME_MAX) <
	       VCONNECT_ISCSI_NAME_MAX;
}

struct vcsw_session *vcsw_session_create(const struct vconnect_session_desc *desc,
					 bool discovery)
{
	struct vcsw_session *sess;
	struct vcsw_conn *conn;

	if (!vcsw_desc_valid(desc, discovery))
		return ERR_PTR(-EINVAL);
	sess = kzalloc(sizeof(*sess), GFP_KERNEL);
	if (!sess)
		return ERR_PTR(-ENOMEM);
	sess->id = atomic_inc_return(&vcsw_session_ids);
	sess->discovery = discovery;
	sess->stats = desc->stats ?: &sess->own_stats;
	memcpy(sess->isid, desc->isid, sizeof(sess->isid));
	spin_lock_init(&sess->sn_lock);
	mutex_init(&sess->tmf_mutex);
	sess->cmdsn = READ_ONCE(vcsw_initial_cmdsn);
	sess->exp_cmdsn = sess->cmdsn;
	sess->max_cmdsn = sess->cmdsn - 1;
	if (desc->noop_interval_ms) {
		sess->noop_interval = max(1UL, msecs_to_jiffies(desc->noop_interval_ms));
		sess->noop_timeout = max(1UL, msecs_to_jiffies(desc->noop_timeout_ms ?:
							       desc->noop_interval_ms));
	}
	if (!discovery) {
		sess->target_name = kstrdup(desc->target_name, GFP_KERNEL);
		if (!sess->target_name)
			goto err_destroy_session;
	}
	conn = vcsw_conn_create(sess, 0);
	if (IS_ERR(conn))
		goto err_destroy_session;
	sess->conns[0] = conn;
	sess->nr_conns = 1;
	return sess;

err_destroy_session:
	vcsw_session_destroy(sess);
	return ERR_PTR(-ENOMEM);
}

/* Report a session failure to the owner, once, unless close() started. */
void vcsw_session_failed(struct vcsw_session *sess, int err)
{
	if (test_bit(VCSW_SESS_CLOSING, &sess->flags) ||
	    test_and_set_bit(VCSW_SESS_FAILED, &sess->flags))
		return;
	vcsw_info(sess, "session to %s failed (%d)\n",
		  sess->target_name ?: "discovery", err);
	sess->be.owner_ops->failed(&sess->be, err);
}

/*
 * info->cmd_window: the window at the end of open(). LIO, for one, gives a
 * window of 1 in the final Login Response and opens it only afterwards, so
 * one ping (bounded) tells the owner what queue depth to start with.
 */
static void vcsw_learn_window(struct vcsw_session *sess,
			      struct vconnect_session_info *info)
{
	unsigned long flags;

	if (vcsw_conn_ping(sess->conns[0], HZ))
		return;
	spin_lock_irqsave(&sess->sn_lock, flags);
	info->cmd_window = sess->max_cmdsn - sess->exp_cmdsn + 1;
	spin_unlock_irqrestore(&sess->sn_lock, flags);
}

/**
 * vcsw_session_open - connect, log in and start a session
 * @desc: identity, portal, CHAP and proposed parameters; copied as needed
 * @owner_ops: callbacks to the owner (task_done, failed, event)
 * @owner: stored in the session for the owner's use
 * @info: filled with the login's outcome, also on failure where known
 *
 * Follows login redirections, all within desc->login_timeout_ms.
 *
 * Context: process context; sleeps.
 * Return: the session, or an ERR_PTR: -EACCES (authentication or
 * authorization), -ENOENT (no such target), -ECONNREFUSED, -ENETUNREACH,
 * -EHOSTUNREACH, -ETIMEDOUT (transport), -EPROTO (target misbehaved),
 * -EAGAIN (target temporarily unavailable), -ELOOP (too many redirects),
 * -EINVAL (bad @desc), -ENOMEM.
 */
struct vcsw_session *vcsw_session_open(const struct vconnect_session_desc *desc,
				       const struct vconnect_session_owner_ops *owner_ops,
				       void *owner,
				       struct vconnect_session_info *info)
{
	struct vcsw_session *sess;
	struct vcsw_conn *conn;
	int err;

	memset(info, 0, sizeof(*info));
	sess = vcsw_session_create(desc, false);
	if (IS_ERR(sess))
		return sess;
	sess->be.owner_ops = owner_ops;
	sess->be.owner = owner;
	conn = sess->conns[0];

	err = vcsw_session_login(sess, desc, info);
	if (err)
		goto err_destroy;
	err = vcsw_slots_alloc(conn, vcsw_max_tasks);
	if (err)
		goto err_disconnect;
	err = vcsw_conn_start(conn);
	if (err)
		goto err_disconnect;
	vcsw_learn_window(sess, info);

	vcsw_info(sess, "logged in to %s at %pISpc: tsih %u tpgt %u, digests %s/%s, MRDSL %u/%u, burst %u/%u, R2T %s/%u, window %u\n",
		  sess->target_name, &conn->addr, sess->tsih, sess->tpgt,
		  sess->neg.header_digest ? "CRC32C" : "None",
		  sess->neg.data_digest ? "CRC32C" : "None",
		  sess->neg.max_recv_dsl, sess->neg.max_xmit_dsl,
		  sess->neg.first_burst_length, sess->neg.max_burst_length,
		  sess->neg.initial_r2t ? "initial" : "unsolicited",
		  sess->neg.max_outstanding_r2t, info->cmd_window);
	return sess;

err_disconnect:
	vcsw_conn_disconnect(conn);
err_destroy:
	vcsw_session_destroy(sess);
	return ERR_PTR(err);
}

static void vcsw_logout(struct vcsw_conn *conn)
{
	struct vcsw_session *sess = conn->sess;
	struct vcsw_mgmt m = {
		.opcode = ISCSI_OP_LOGOUT,
		.func = ISCSI_LOGOUT_REASON_CLOSE_SESSION,
	};
	int err;

	err = vcsw_mgmt_run(conn, &m, msecs_to_jiffies(vcsw_logout_timeout_ms));
	if (err)
		vcsw_info(sess, "logout: no answer (%d)\n", err);
	else if (m.response != ISCSI_LOGOUT_SUCCESS)
		vcsw_info(sess, "logout: response %u\n", m.response);
	else
		vcsw_dbg(sess, "logged out\n");
}

/**
 * vcsw_session_close - end a session and free it
 * @sess: the session
 * @logout: first send a Logout (close session) and wait for the answer,
 *	    at most logout_timeout_ms
 *
 * Tasks still held are forgotten without task_done(): the owner takes them
 * back. After return no callback is made and no command is touched.
 *
 * Context: process context; sleeps. Not concurrently with any other call
 * on @sess.
 */
void vcsw_session_close(struct vcsw_session *sess, bool logout)
{
	unsigned int i;

	set_bit(VCSW_SESS_CLOSING, &sess->flags);
	for (i = 0; i < sess->nr_conns; i++) {
		struct vcsw_conn *conn = sess->conns[i];

		if (logout && i == 0 && READ_ONCE(conn->state) == VCSW_CONN_UP)
			vcsw_logout(conn);
		vcsw_conn_stop(conn);
	}
	vcsw_info(sess, "closed session to %s\n", sess->target_name);
	vcsw_session_destroy(sess);
}
