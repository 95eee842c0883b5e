/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vconnect_offload_sim: a simulated iSCSI offload HBA with SR-IOV virtual
 * functions, a test device in the spirit of netdevsim and scsi_debug.
 *
 * Pieces:
 *   sim_bus.c      bus "vconnect_sim", new_device/del_device, the PF
 *                  (struct vcsim_dev) with sriov_totalvfs/sriov_numvfs,
 *                  per-VF sysfs counters, module init/exit
 *   sim_vf.c       the driver side of a VF: vconnect_offload_ops, the
 *                  mailbox, VF create/destroy, watchdog, fault handling
 *   sim_fw.c       the VF's "firmware": mailbox commands, the submission
 *                  ring and doorbell, completions, heartbeat; it runs the
 *                  software protocol engine (backend "software") through
 *                  the public backend contract
 *   sim_debugfs.c  fault injection files
 *
 * Locks, outermost first:
 *   vcsim_devs_lock (mutex)  the device list
 *   dev->lock (mutex)        dev->slots[], num_vfs, dying
 *   vf->mutex                VF state transitions (faults, reset, link),
 *                            linking and unlinking sessions, and the
 *                            failed() fan-out to session owners
 *   vf->lock (spinlock, irqsave)  VF flags and generation, vf->sessions
 *   sess->lock (spinlock, irqsave) the session's rings, task table, state
 * The engine's locks are taken under sess->lock only by its queue(),
 * which never calls back; engine callbacks come without engine locks.
 * No owner callback is made with a spinlock of ours held.
 */
#ifndef _VCSIM_H
#define _VCSIM_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/hashtable.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <uapi/linux/vconnect.h>
#include "vconnect_offload.h"

struct dentry;
struct scsi_cmnd;

#define VCSIM_MAX_VFS		64
#define VCSIM_RING_SIZE		512	/* submission ring = tasks per session */
#define VCSIM_TASK_HASH_BITS	9
#define VCSIM_HEARTBEAT_MS	50
#define VCSIM_WATCHDOG_MS	100
#define VCSIM_WATCHDOG_LIMIT_MS	300	/* missed heartbeat: firmware error */
#define VCSIM_RESET_MS		50
#define VCSIM_BUSY_RETRY_MS	2	/* engine busy: retry the ring */
#define VCSIM_MBOX_PICKUP_MS	30000	/* firmware must take a command */
#define VCSIM_NAME_LEN		32

/* Where a task the driver owns is. */
enum vcsim_task_where {
	VCSIM_T_FREE,
	VCSIM_T_SQ,		/* in the submission ring */
	VCSIM_T_ENGINE,		/* handed to the protocol engine */
	VCSIM_T_CQ,		/* completed, parked (firmware hung) */
};

struct vcsim_task {
	struct scsi_cmnd *sc;
	struct hlist_node hnode;	/* sess->owned or sess->free */
	u16 where;
	u16 idx;			/* ring position while in SQ or CQ */
};

/* A ring of tasks; head and tail run free, no holes. */
struct vcsim_ring {
	struct vcsim_task *slot[VCSIM_RING_SIZE];
	u32 head;
	u32 tail;
};

enum vcsim_sess_state {
	VCSIM_SESS_OPENING,	/* login in the firmware */
	VCSIM_SESS_LIVE,
	VCSIM_SESS_DEAD,	/* firmware lost it (reset, link, removal) */
	VCSIM_SESS_CLOSING,
};

/* The identity programmed onto a VF, copied; zeroed when done (secrets). */
struct vcsim_identity {
	bool set;
	char name[VCONNECT_ISCSI_NAME_MAX];
	char alias[VCONNECT_ISCSI_NAME_MAX];
	bool has_chap;
	struct vconnect_chap chap;
};

struct vcsim_vf;

/* One session on a VF; what open() returns. */
struct vcsim_sess {
	struct vconnect_be_session be;	/* owner_ops/owner: the vconnect owner */
	struct vcsim_vf *vf;
	struct vconnect_backend *engine;	/* "software", module ref held */
	struct vconnect_be_session *eng;	/* the engine's session */
	bool eng_closed;
	struct list_head node;		/* vf->sessions */
	char target[VCONNECT_ISCSI_NAME_MAX];
	u8 isid[VCONNECT_ISID_LEN];
	struct vcsim_identity id;	/* copy taken at open() */

	spinlock_t lock;
	enum vcsim_sess_state state;
	bool failed_reported;
	int failed_pending;		/* engine failed() during the login */
	bool tmf_active;		/* no submissions while a TMF runs */
	DECLARE_HASHTABLE(owned, VCSIM_TASK_HASH_BITS);
	struct hlist_head free;
	unsigned int nr_owned;
	struct vcsim_ring sq;
	struct vcsim_ring cq;
	struct vcsim_task tasks[VCSIM_RING_SIZE];

	struct work_struct db_work;	/* doorbell: the firmware's datapath */
	struct timer_list retry_timer;	/* engine was busy */
};

/* Mailbox commands. */
enum vcsim_mbox_op {
	VCSIM_MBOX_LOGIN,
	VCSIM_MBOX_LOGOUT,
	VCSIM_MBOX_ABORT,
	VCSIM_MBOX_LUN_RESET,
	VCSIM_MBOX_TARGET_RESET,
};

struct vcsim_mbox {
	struct work_struct work;
	struct vcsim_vf *vf;
	enum vcsim_mbox_op op;
	u32 gen;			/* VF generation when posted */
	struct vcsim_sess *sess;
	/* LOGIN */
	const struct vconnect_session_desc *desc;
	struct vconnect_session_info *info;
	/* ABORT, LUN_RESET, LOGOUT */
	struct scsi_cmnd *sc;
	u64 lun;
	bool logout;
	int result;
	struct completion done;
};

struct vcsim_dev;

struct vcsim_vf {
	struct kobject kobj;		/* vf<N> under the device; frees the VF */
	struct vcsim_dev *dev;
	unsigned int index;
	char name[VCSIM_NAME_LEN];	/* "vcsim0/vf2" */
	struct vconnect_offload_fn *fn;
	struct workqueue_struct *fw_wq;	/* mailbox, ordered */

	struct mutex mutex;
	spinlock_t lock;
	struct list_head sessions;
	unsigned int nr_sessions;
	wait_queue_head_t wq;		/* hang over, reset, sessions gone */
	u32 gen;			/* bumped when firmware state is lost */
	bool link_down;
	bool resetting;
	bool hung;
	bool gone;			/* surprise-removed */
	bool stopping;			/* being destroyed: no more faults */
	bool watchdog_off;		/* debugfs: hangs are not detected */
	bool fn_removed;		/* vconnect_offload_fn_remove() returned */

	struct mutex id_mutex;
	struct vcsim_identity id;

	atomic_t fail_next_login;
	atomic_t heartbeat;
	int wd_last;
	unsigned long wd_stamp;		/* jiffies of the last beat seen */
	unsigned long hang_start;
	unsigned int hang_ms;
	struct timer_list hb_timer;
	struct delayed_work watchdog;
	struct delayed_work link_up_work;
	struct delayed_work hang_end_work;
	struct delayed_work reset_done_work;
	unsigned int remove_ms;		/* replug delay after surprise removal */

	struct dentry *ddir;

	atomic64_t cmds;
	atomic64_t read_bytes;
	atomic64_t write_bytes;
	atomic64_t logins;
	atomic64_t login_failures;
	atomic64_t dropped;		/* completions dropped: session lost */
	atomic64_t parked;		/* completions parked while hung */
	atomic64_t busy;		/* queue() refused: ring full */
	atomic64_t engine_busy;		/* engine refused: kept in the ring */
	atomic64_t resets;
	atomic64_t fw_errors;
	atomic64_t link_downs;
};

/* One VF position of a PF: survives the VF for hot-unplug and replug. */
struct vcsim_slot {
	struct vcsim_dev *dev;
	unsigned int index;
	struct vcsim_vf *vf;		/* dev->lock */
	struct work_struct remove_work;
	struct delayed_work replug_work;
	unsigned int replug_ms;
};

struct vcsim_dev {
	struct device dev;
	struct list_head node;		/* vcsim_devs */
	unsigned int id;
	unsigned int total_vfs;
	struct vconnect_offload_pf pf;
	bool pf_registered;
	struct dentry *ddir;
	u32 slow_fw_ms;			/* debugfs: firmware takes this longer */

	struct mutex lock;
	unsigned int num_vfs;
	bool dying;
	struct vcsim_slot slots[];
};

/* Log lines name the VF: "vcsim0/vf2: ...". */
#define vcsim_info(vf, fmt, ...) \
	pr_info("%s: " fmt, (vf)->name, ##__VA_ARGS__)
#define vcsim_warn(vf, fmt, ...) \
	pr_warn("%s: " fmt, (vf)->name, ##__VA_ARGS__)

/* sim_bus.c */
extern struct dentry *vcsim_debugfs_root;
extern struct workqueue_struct *vcsim_dp_wq;
extern const struct kobj_type vcsim_vf_ktype;

/* sim_vf.c */
extern const struct vconnect_offload_ops vcsim_offload_ops;
struct vcsim_vf *vcsim_vf_create(struct vcsim_dev *dev, unsigned int index);
void vcsim_vf_destroy(struct vcsim_vf *vf);
const char *vcsim_vf_state(struct vcsim_vf *vf);
int vcsim_vf_fail_logins(struct vcsim_vf *vf, unsigned int n);
int vcsim_vf_link_down(struct vcsim_vf *vf, unsigned int ms);
int vcsim_vf_link_up(struct vcsim_vf *vf);
int vcsim_vf_reset(struct vcsim_vf *vf);
int vcsim_vf_hang(struct vcsim_vf *vf, unsigned int ms);
int vcsim_vf_watchdog_enable(struct vcsim_vf *vf, bool on);
int vcsim_vf_luns_changed(struct vcsim_vf *vf, unsigned int n);
int vcsim_vf_surprise_remove(struct vcsim_vf *vf, unsigned int ms);
void vcsim_slot_remove_work(struct work_struct *work);
void vcsim_slot_replug_work(struct work_struct *work);

/* sim_fw.c */
void vcsim_fw_init(struct vcsim_vf *vf);
void vcsim_fw_stop(struct vcsim_vf *vf);
void vcsim_fw_mbox_work(struct work_struct *work);
void vcsim_fw_doorbell_work(struct work_struct *work);
void vcsim_fw_retry_timer(struct timer_list *t);
void vcsim_fw_kick(struct vcsim_sess *sess);
void vcsim_sess_init_tasks(struct vcsim_sess *sess);
int vcsim_sess_submit(struct vcsim_sess *sess, struct scsi_cmnd *sc);
int vcsim_sess_withdraw(struct vcsim_sess *sess, struct scsi_cmnd *sc,
			bool *in_engine);
void vcsim_sess_forget(struct vcsim_sess *sess, struct scsi_cmnd *sc);
void vcsim_sess_reclaim(struct vcsim_sess *sess, bool all, u64 lun);
unsigned int vcsim_sess_drop_all(struct vcsim_sess *sess);
void vcsim_fw_kick_all(struct vcsim_vf *vf);

/* sim_debugfs.c */
void vcsim_debugfs_vf_add(struct vcsim_vf *vf);
void vcsim_debugfs_vf_del(struct vcsim_vf *vf);
void vcsim_debugfs_dev_add(struct vcsim_dev *dev);
void vcsim_slow_fw(struct vcsim_vf *vf, const char *what);

#endif /* _VCSIM_H */
