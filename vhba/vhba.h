/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vconnect vHBA: one Scsi_Host per virtual HBA, the implementation-
 * independent iSCSI session layer above the backends.
 *
 * Objects and who holds them:
 *   struct vhba          - one per vHBA; lives in the Scsi_Host's hostdata,
 *                          so the Scsi_Host reference count is its lifetime.
 *                          Listed on vhba_list and hashed by name and
 *                          identity (identity.c) under vhba_mutex.
 *   struct vhba_session  - one per bound target (SCSI target id = index in
 *                          vhba->sessions[]). Published with RCU for the I/O
 *                          path; its kobject (sysfs directory) holds the
 *                          last reference.
 *   session->be          - the backend session carrying it, RCU-published
 *                          for queuecommand; replaced only by the session's
 *                          own worker (recovery, detach) with sess->mutex held.
 *
 * Lock order: vhba_mutex -> vhba->mutex -> sess->mutex -> sess->lock, and
 * sess->mutex -> vhba_backend_lock (backend.c); vhba->switch_mutex ->
 * sess->mutex (a planned switch; nothing takes vhba->mutex under it).
 * queuecommand takes no mutex: rcu_read_lock() only.
 * vhba_mutex and vhba->mutex are held only for lookups and updates of the
 * lists, never across a login, a SCSI command (a scan), device removal or
 * a switch: those wait for commands that the error handler may own, and
 * the error handler takes only sess->mutex (task management, bounded by
 * what holds it: a login, a switch's drain). Who sleeps on a vHBA or a
 * session without those mutexes holds a reference: scsi_host_get() on the
 * Scsi_Host, vhba_session_get() on a session.
 */
#ifndef _VHBA_H
#define _VHBA_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/kobject.h>
#include <linux/workqueue.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <linux/dma-direction.h>
#include <scsi/scsi_host.h>
#include <scsi/scsi_common.h>
#include <uapi/linux/vconnect.h>

#include "vconnect_backend.h"

#define VHBA_MAX_TARGETS	16
#define VHBA_MAX_PORTALS	8
#define VHBA_MAX_LUNS		256
#define VHBA_CAN_QUEUE		256
#define VHBA_MAX_SECTORS	2048	/* 1 MiB */
#define VHBA_DEFAULT_REPLACEMENT_TIMEOUT_MS	120000
#define VHBA_LOGIN_TIMEOUT_MS	15000

struct vhba;

struct vhba_counters {
	atomic64_t cmds;
	atomic64_t read_bytes;
	atomic64_t write_bytes;
	atomic64_t errors;		/* completed with a host byte error */
	atomic64_t recoveries;
	atomic64_t switches;		/* planned */
	atomic64_t failovers;		/* unplanned: recovered elsewhere */
	u64 last_stall_us;
};

#define VHBA_WHERE_MAX		48	/* "software", "vcsim0/vf2" */

enum {
	VHBA_SESS_FAILED_BIT,		/* the backend reported a failure */
};

struct vhba_session {
	struct kobject kobj;		/* session<id> under the Scsi_Host */
	struct vhba *vhba;
	unsigned int id;		/* SCSI target id */
	char target_name[VCONNECT_ISCSI_NAME_MAX];
	struct sockaddr_storage portals[VHBA_MAX_PORTALS];
	unsigned int nr_portals;
	u64 luns[VHBA_MAX_LUNS];	/* bound LUNs; nr_luns == 0: all */
	unsigned int nr_luns;

	struct mutex mutex;		/* login, close, recovery */
	spinlock_t lock;		/* state, info */
	enum vconnect_session_state state;
	struct vconnect_be_session __rcu *be;
	struct vconnect_backend *backend;	/* of be; module ref held */
	struct vconnect_session_info info;
	u8 isid[VCONNECT_ISID_LEN];	/* this session's half of the pair */
	char where[VHBA_WHERE_MAX];	/* datapath carrying it, or "" */
	char lost_where[VHBA_WHERE_MAX];	/* where it ran when lost */
	int lost_error;			/* why it was lost */
	/*
	 * Recovery: the lost session may still have tasks on the target
	 * until a login reinstates it (same portal group) or fences it
	 * (another group). Under mutex.
	 */
	bool fence_lost;
	u16 lost_tpgt;
	struct sockaddr_storage lost_portal;
	/*
	 * The old backend session of a planned switch while it drains, or
	 * a lost one while recovery logs in again: its failures are ignored.
	 */
	struct vconnect_be_session *draining;
	bool draining_failed;
	/*
	 * A planned switch has a new backend session not published yet:
	 * its failure is the switch's to handle (switch_new_failed).
	 */
	bool switching;
	bool switch_new_failed;
	/*
	 * A switch moves persistent reservations (pr.c): the guest's own
	 * PERSISTENT RESERVE commands wait, and a command that meets the
	 * move (RESERVATION CONFLICT, REGISTRATIONS PREEMPTED) is sent
	 * again rather than completed.
	 */
	bool pr_moving;
	/*
	 * vhba's own commands (exec.c) that the published backend session
	 * did not give back: freed when it is closed. Under mutex.
	 */
	struct list_head exec_orphans;
	u64 failed_ns;			/* when the backend reported failure */
	int last_error;
	bool detaching;
	bool blocked;			/* target's devices blocked; mutex */

	unsigned long flags;		/* VHBA_SESS_*_BIT */
	struct delayed_work recovery_work;
	struct work_struct rescan_work;
	wait_queue_head_t state_wq;	/* woken on every state change */
	u64 recovery_start_ns;
	unsigned long recovery_deadline;	/* jiffies */
	/*
	 * The target asked for a pause before we log in again (Time2Wait
	 * of an AsyncEvent 1, 2 or 3): no login before this (jiffies), when
	 * time2wait_set. Set from the event callback, used by recovery.
	 */
	unsigned long time2wait_until;
	bool time2wait_set;

	struct vhba_counters stats;
	struct vconnect_proto_stats proto_stats;	/* backends count here */
};

struct vhba {
	struct list_head node;		/* on vhba_list */
	struct hlist_node name_node;	/* identity.c's lookup tables */
	struct hlist_node isid_node;
	struct hlist_node wwpn_node;	/* only if wwpn */
	struct Scsi_Host *shost;
	char name[VCONNECT_VHBA_NAME_MAX];
	char initiator_name[VCONNECT_ISCSI_NAME_MAX];
	char alias[VCONNECT_ISCSI_NAME_MAX];
	u64 wwpn;
	u64 wwnn;
	u8 isid[VCONNECT_ISID_LEN];
	struct vconnect_chap chap;	/* user[0] == 0: no CHAP */
	struct vconnect_iscsi_params want;
	unsigned int replacement_timeout_ms;
	enum vconnect_backend_policy policy;	/* set under vhba_mutex, read with
						 * READ_ONCE by logins
						 */

	struct mutex mutex;		/* sessions[] updates, removing */
	struct mutex switch_mutex;	/* one planned switch at a time,
					 * with the policy it sets
					 */
	struct vhba_session __rcu *sessions[VHBA_MAX_TARGETS];
	bool removing;			/* claimed by vhba_claim_removal(): not
					 * found by name, takes no new session;
					 * set under vhba_mutex and mutex
					 */
};

/* Everything VHBA_NEW carries, validated by netlink.c. */
struct vhba_config {
	const char *name;
	const char *initiator_name;	/* may be NULL if wwpn set */
	const char *alias;
	u64 wwpn, wwnn;
	bool isid_set;
	u64 isid;
	struct vconnect_chap chap;
	bool header_digest, data_digest;
	unsigned int replacement_timeout_ms;
	enum vconnect_backend_policy policy;
};

struct vhba_exec;

/* Per-command private data: vhba's part, then the backend's. */
struct vhba_cmd {
	struct vhba_session *sess;	/* set while a backend owns it */
	struct vconnect_be_session *be;	/* which one */
	struct vhba_exec *exec;		/* vhba's own command (exec.c) */
	u8 be_priv[VCONNECT_TASK_PRIV_SIZE] __aligned(8);
};

static inline struct vhba *shost_to_vhba(struct Scsi_Host *shost)
{
	return shost_priv(shost);
}

/* main.c */
extern struct mutex vhba_mutex;
extern struct list_head vhba_list;
extern struct workqueue_struct *vhba_wq;
extern struct device *vhba_root_dev;

/* identity.c */
int vhba_validate_name(const char *name, struct netlink_ext_ack *extack);
int vhba_validate_iscsi_name(const char *iname, struct netlink_ext_ack *extack);
int vhba_identity_assign(struct vhba *vhba, const struct vhba_config *cfg,
			 struct netlink_ext_ack *extack);
u64 vhba_isid_to_u64(const u8 *isid);
struct vhba *vhba_find(const char *name);
void vhba_publish(struct vhba *vhba);
void vhba_unpublish(struct vhba *vhba);

/* backend.c */
bool vhba_policy_allows(enum vconnect_backend_policy policy,
			enum vconnect_backend_kind kind);
void vhba_backend_put(struct vconnect_backend *be);
struct vconnect_backend *vhba_backend_get_kind(enum vconnect_backend_kind kind);
struct vconnect_backend *vhba_backend_get_discovery(void);

/* host.c */
struct vhba *vhba_create(const struct vhba_config *cfg,
			 struct netlink_ext_ack *extack);
bool vhba_claim_removal(struct vhba *vhba);
void vhba_destroy(struct vhba *vhba);
struct vhba_session *vhba_session_by_id(struct vhba *vhba, unsigned int id);
struct vhba_session *vhba_session_get(struct vhba *vhba, unsigned int id);
void vhba_session_put(struct vhba_session *sess);

/* session.c */
struct vhba_session *vhba_session_create(struct vhba *vhba, const char *target,
					 const struct sockaddr_storage *portals,
					 unsigned int nr_portals,
					 const u64 *luns, unsigned int nr_luns,
					 struct netlink_ext_ack *extack);
int vhba_session_login(struct vhba_session *sess,
		       struct netlink_ext_ack *extack);
void vhba_session_scan(struct vhba_session *sess);
void vhba_session_destroy(struct vhba_session *sess);
int vhba_session_queue(struct vhba_session *sess, struct scsi_cmnd *sc);
int vhba_session_wait_ready(struct vhba_session *sess);
int vhba_session_reinstate(struct vhba_session *sess);
void vhba_session_kick_recovery(struct vhba_session *sess);
bool vhba_session_recovering(struct vhba_session *sess);
const char *vhba_state_name(enum vconnect_session_state state);
int vhba_session_open_be(struct vhba_session *sess,
			 struct vconnect_backend *backend, const u8 *isid,
			 const struct sockaddr_storage *first,
			 struct vconnect_session_info *info,
			 struct vconnect_be_session **bep);
void vhba_session_fill_desc(struct vhba_session *sess, const u8 *isid,
			    struct vconnect_session_desc *desc);
void vhba_session_describe(struct vhba_session *sess,
			   struct vconnect_be_session *be,
			   char *buf, size_t len);
void vhba_session_requeue(struct vhba_session *sess,
			  struct vconnect_be_session *be);
void vhba_session_fail_held(struct vhba_session *sess,
			    struct vconnect_be_session *be);
unsigned int vhba_session_held_by(struct vhba_session *sess,
				  struct vconnect_be_session *be);
void vhba_session_mark_failed(struct vhba_session *sess, int err);
extern const struct vconnect_session_owner_ops vhba_owner_ops;

/* exec.c: SCSI commands of vhba's own on a backend session */
struct vhba_exec_ctx {
	struct vconnect_be_session *be;
	const bool *dead;		/* true once be failed; may be NULL */
	bool broken;			/* a command was not given back */
	bool own_pr_ua;			/* reservation-move UAs are ours */
	struct list_head orphans;
};

void vhba_exec_ctx_init(struct vhba_exec_ctx *ctx,
			struct vconnect_be_session *be, const bool *dead);
void vhba_exec_ctx_release(struct vhba_exec_ctx *ctx);
int vhba_exec(struct vhba_exec_ctx *ctx, struct scsi_device *sdev,
	      const u8 *cdb, unsigned int cdb_len, enum dma_data_direction dir,
	      void *buf, unsigned int len, struct scsi_sense_hdr *sshdr);
void vhba_exec_park(struct vhba_session *sess, struct vhba_exec_ctx *ctx);
void vhba_exec_free_parked(struct vhba_session *sess);
void vhba_exec_done(struct vhba_cmd *cmd);
int vhba_lun_alloc(struct scsi_device *sdev);
void vhba_lun_free(struct scsi_device *sdev);
bool vhba_lun_give_ua(struct scsi_cmnd *sc);

/* pr.c */
int vhba_pr_carry(struct vhba_session *sess, struct vhba_exec_ctx *old_ctx,
		  struct vhba_exec_ctx *new_ctx, const u8 *old_isid,
		  const u8 *new_isid);
bool vhba_pr_met_move(struct scsi_cmnd *sc);
bool vhba_pr_holds(struct vhba_session *sess, struct scsi_cmnd *sc);
bool vhba_pr_ua_is_move(const struct scsi_sense_hdr *sshdr);

/* switch.c */
int vhba_switch(struct vhba *vhba, enum vconnect_datapath to,
		enum vconnect_backend_policy policy,
		enum vconnect_switch_cause cause, struct netlink_ext_ack *extack);
enum vconnect_switch_cause vhba_switch_cause(int err);
void vhba_switch_cancel(void);

/* sysfs.c */
extern const struct attribute_group *vhba_host_groups[];
extern struct kobj_type vhba_session_ktype;

/* netlink.c */
int vhba_netlink_init(void);
void vhba_netlink_exit(void);
void vhba_notify(enum vconnect_event ev, struct vhba *vhba,
		 struct vhba_session *sess, int err, u64 stall_us);
void vhba_notify_switch(enum vconnect_event ev, struct vhba_session *sess,
			enum vconnect_switch_cause cause, const char *from,
			int err, u64 stall_us, u64 time_us);

#endif /* _VHBA_H */
