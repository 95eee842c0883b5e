/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vconnect backend interface: how the implementation-independent vHBA layer
 * (vhba/) drives a datapath that carries an iSCSI session.
 *
 * The vHBA owns the session's identity (initiator name, ISID, CHAP, target)
 * and the SCSI commands; a backend logs in with that identity and carries
 * whole SCSI tasks, the way an offload HBA's firmware does. The software
 * backend (iscsi_emul/) is one implementation; an offload VF is another.
 *
 * Lifetime of a task (a struct scsi_cmnd):
 *   vhba calls ops->queue(); from then on the backend owns it until it
 *   either calls owner_ops->task_done() exactly once, or one of these
 *   returns: ops->close() (the backend forgets all its tasks; vhba requeues
 *   them), a successful ops->abort() for that task, or a successful
 *   ops->lun_reset()/ops->target_reset() covering it (the backend drops
 *   them without task_done; vhba owns them again).
 *   When a task management op returns, the backend is inside no task_done()
 *   for a task it covered: vhba then completes the covered tasks the SCSI
 *   midlayer still waits for (a reset from sg_reset while others are in
 *   flight) with DID_RESET, and leaves timed-out ones to the error handler.
 *   After close() returns the backend touches no task and calls no owner op.
 *   vhba never runs close() concurrently with a task management op.
 */
#ifndef _VCONNECT_BACKEND_H
#define _VCONNECT_BACKEND_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/list.h>
#include <linux/socket.h>
#include <linux/module.h>

struct scsi_cmnd;

#define VCONNECT_ISID_LEN		6
#define VCONNECT_ISCSI_NAME_MAX		224	/* 223 bytes + NUL, RFC 7143 */
#define VCONNECT_CHAP_NAME_MAX		256
#define VCONNECT_CHAP_SECRET_MAX	256
#define VCONNECT_CHAP_SECRET_MIN	12	/* RFC 7143 section 9.2.1 */
/* Bytes of each command's private area that belong to the backend. */
#define VCONNECT_TASK_PRIV_SIZE		192

/* One-way and, when muser is set, mutual CHAP. Empty user = no CHAP. */
struct vconnect_chap {
	char user[VCONNECT_CHAP_NAME_MAX];
	u8 secret[VCONNECT_CHAP_SECRET_MAX];
	u16 secret_len;
	char muser[VCONNECT_CHAP_NAME_MAX];
	u8 msecret[VCONNECT_CHAP_SECRET_MAX];
	u16 msecret_len;
};

/*
 * Operational parameters (RFC 7143 section 13). In a session description
 * they are what the initiator proposes; in vconnect_session_info they are
 * the negotiated result.
 */
struct vconnect_iscsi_params {
	bool header_digest;		/* CRC32C or None */
	bool data_digest;
	bool initial_r2t;
	bool immediate_data;
	bool data_pdu_in_order;
	bool data_sequence_in_order;
	u32 max_recv_dsl;		/* what we accept from the target */
	u32 max_xmit_dsl;		/* target's MaxRecvDataSegmentLength */
	u32 max_burst_length;
	u32 first_burst_length;
	u16 max_outstanding_r2t;
	u16 max_connections;
	u16 default_time2wait;
	u16 default_time2retain;
	u8 error_recovery_level;
};

/*
 * iSCSI protocol counters of one vHBA session. They live in the owner, so
 * that they add up over reconnects and datapath switches; a backend that
 * sees the PDUs counts into desc->stats, which outlives every backend
 * session opened with it. All atomic64_t: sysfs shows them by field.
 */
struct vconnect_proto_stats {
	atomic64_t tx_pdus;
	atomic64_t rx_pdus;
	atomic64_t tx_bytes;		/* on the wire: headers, data, digests */
	atomic64_t rx_bytes;
	atomic64_t data_in;		/* Data-In PDUs */
	atomic64_t data_out;		/* Data-Out PDUs */
	atomic64_t r2t;
	atomic64_t nop_out;
	atomic64_t nop_in;
	atomic64_t async_events;
	atomic64_t rejects;
	atomic64_t tmfs;		/* task management requests sent */
	atomic64_t busy;		/* queue() said -EBUSY */
	atomic64_t hdr_digest_errors;
	atomic64_t data_digest_errors;
	atomic64_t proto_errors;	/* PDUs that broke the protocol */
};

/* Everything a backend needs to open one session. Owned by vhba. */
struct vconnect_session_desc {
	const char *owner_name;		/* the vHBA's name: a backend that
					 * binds resources per HBA keys on it
					 */
	const char *initiator_name;
	const char *initiator_alias;	/* may be NULL */
	u8 isid[VCONNECT_ISID_LEN];
	const char *target_name;	/* NULL: discovery session */
	struct sockaddr_storage portal;
	const struct vconnect_chap *chap;	/* NULL: AuthMethod=None */
	struct vconnect_iscsi_params want;	/* always filled in whole */
	unsigned int login_timeout_ms;
	unsigned int noop_interval_ms;	/* 0: no NOP-Out pings */
	unsigned int noop_timeout_ms;
	struct vconnect_proto_stats *stats;	/* NULL: not counted */
};

/* What a login produced; filled by ops->open() before it returns. */
struct vconnect_session_info {
	u16 tsih;
	u16 target_portal_group_tag;
	struct sockaddr_storage portal;	/* after any redirection */
	struct vconnect_iscsi_params neg;
	u32 cmd_window;			/* MaxCmdSN - ExpCmdSN + 1 at the
					 * end of open() (LIO opens it only
					 * after the final Login Response)
					 */
	/* Login failure details (status class and detail, RFC 7143 11.13.5). */
	u8 login_status_class;
	u8 login_status_detail;
};

struct vconnect_be_session;

/* One offload function as the pool shows it (vconnectctl offload show). */
struct vconnect_function_info {
	const char *pf;			/* "vcsim0" */
	unsigned int index;		/* VF number */
	const char *state;		/* "free", "assigned", "link-down", ... */
	const char *holder;		/* vHBA name or "" */
	unsigned int sessions;
	u64 cmds;			/* commands completed through it */
};

typedef int (*vconnect_function_fn)(void *arg,
				    const struct vconnect_function_info *fi);

/* Async events a backend reports to the session owner. */
enum vconnect_session_event {
	VCONNECT_EV_TARGET_LOGOUT_REQ,	/* AsyncEvent 1 */
	VCONNECT_EV_LUNS_CHANGED,	/* sense REPORTED LUNS DATA HAS CHANGED */
	VCONNECT_EV_PARAM_RENEGOTIATE,	/* AsyncEvent 4: ignored at ERL 0 */
	/*
	 * AsyncEvent 2 or 3: the target drops the connection or session;
	 * the u64 argument is its Time2Wait (Parameter2) in seconds. The
	 * backend reports failed() after it.
	 */
	VCONNECT_EV_TARGET_DROPPING,
};

/* Callbacks from a backend to the vHBA that owns the session. */
struct vconnect_session_owner_ops {
	/*
	 * A task finished: sc->result, sense and residual are set.
	 * Any context, including softirq; must not sleep.
	 */
	void (*task_done)(struct vconnect_be_session *s, struct scsi_cmnd *sc);
	/*
	 * The session cannot carry I/O any more (connection lost, NOP
	 * timeout, protocol error, target dropped it). Called at most once
	 * per session, any context. The owner will call ops->close().
	 * An offload function's own failures use these errors, so the owner
	 * can say why it moved: -ENETDOWN link down, -ESHUTDOWN function
	 * reset, -EREMOTEIO firmware error, -ENODEV function removed.
	 */
	void (*failed)(struct vconnect_be_session *s, int err);
	/* An asynchronous event; any context, including softirq; no sleeping. */
	void (*event)(struct vconnect_be_session *s,
		      enum vconnect_session_event ev, u64 lun);
};

/*
 * SendTargets results: called once per (TargetName, TargetAddress) pair,
 * with a NULL address for a target that lists none.
 */
typedef int (*vconnect_discover_fn)(void *arg, const char *target_name,
				    const char *target_address);

struct vconnect_backend_ops {
	/*
	 * Connect, log in with @desc's identity and reach full feature
	 * phase. Sleeps, bounded by desc->login_timeout_ms. @desc need not
	 * outlive the call. Returns the session or an ERR_PTR:
	 * -EACCES authentication failed, -ENOENT target not found,
	 * -ECONNREFUSED/-ENETUNREACH/-ETIMEDOUT transport, -EPROTO bad
	 * target behaviour. @info is filled in both cases where known.
	 */
	struct vconnect_be_session *(*open)(const struct vconnect_session_desc *desc,
					    const struct vconnect_session_owner_ops *owner_ops,
					    void *owner,
					    struct vconnect_session_info *info);
	/*
	 * Queue a SCSI command. Atomic context (called from queuecommand).
	 * 0: owned by the backend. -EBUSY: CmdSN window or resources
	 * exhausted, retry later. -ENOTCONN: session failed.
	 */
	int (*queue)(struct vconnect_be_session *s, struct scsi_cmnd *sc);
	/*
	 * Task management; sleep; 0 on Function Complete (see top comment).
	 * abort() also returns 0 when the task had already completed. The
	 * LUN sent is sc->device->lun.
	 */
	int (*abort)(struct vconnect_be_session *s, struct scsi_cmnd *sc);
	int (*lun_reset)(struct vconnect_be_session *s, u64 lun);
	int (*target_reset)(struct vconnect_be_session *s);
	/*
	 * End the session and free it. @logout: try a Logout (close the
	 * session) first, bounded; otherwise just drop the connection.
	 * Sleeps. See the top comment for what happens to tasks.
	 */
	void (*close)(struct vconnect_be_session *s, bool logout);
	/* SendTargets=All discovery on desc->portal; optional. Sleeps. */
	int (*discover)(const struct vconnect_session_desc *desc,
			vconnect_discover_fn fn, void *arg);
	/*
	 * Optional: where @s runs, for people ("vcsim0/vf2"). Any context
	 * but hard irq.
	 */
	void (*describe)(struct vconnect_be_session *s, char *buf, size_t len);
	/* Optional: report every offload function of the pool. Sleeps. */
	int (*list_functions)(vconnect_function_fn fn, void *arg);
};

enum vconnect_backend_kind {
	VCONNECT_BACKEND_SOFTWARE,
	VCONNECT_BACKEND_OFFLOAD,
};

struct vconnect_backend {
	const char *name;
	enum vconnect_backend_kind kind;
	const struct vconnect_backend_ops *ops;
	struct module *owner;
	struct list_head list;		/* private to vhba */
};

/* Base of every backend session; a backend embeds it in its own struct. */
struct vconnect_be_session {
	struct vconnect_backend *backend;
	const struct vconnect_session_owner_ops *owner_ops;
	void *owner;
};

int vconnect_backend_register(struct vconnect_backend *be);
void vconnect_backend_unregister(struct vconnect_backend *be);
/* A backend with a module reference, by name (a backend built on another). */
struct vconnect_backend *vconnect_backend_get(const char *name);
void vconnect_backend_put(struct vconnect_backend *be);
/*
 * A backend can take sessions it could not take before (an offload
 * function became free or came back): vHBAs whose policy prefers it move
 * there. Any context but hard irq.
 */
void vconnect_backend_available(struct vconnect_backend *be);

/* The backend's part of a command's private area. */
void *vconnect_task_priv(struct scsi_cmnd *sc);

#endif /* _VCONNECT_BACKEND_H */
