/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vconnect software iSCSI datapath (module vconnect_software, backend
 * "software", prefix vcsw_): private header. The directory keeps the
 * layout's name, iscsi_emul/: an offload HBA's iSCSI engine, in software.
 *
 * The module is an RFC 7143 initiator on kernel TCP sockets. It has two
 * parts:
 *
 *  - the protocol engine (conn.c, login.c, params.c, chap.c, digest.c,
 *    datapath.c, tmf.c, discovery.c), whose entry points are the vcsw_*
 *    functions declared at the end of this file;
 *  - the backend glue (main.c), which maps the vconnect backend contract
 *    (vhba/vconnect_backend.h) onto the engine and registers it.
 *
 * Objects
 * -------
 * struct vcsw_session   one iSCSI session; embeds struct vconnect_be_session
 *                       (the contract's base) and owns up to VCSW_MAX_CONNS
 *                       connections, of which one is used today.
 * struct vcsw_conn      one TCP connection: a socket whose data_ready
 *                       callback parses what arrives (RX), a TX work item
 *                       on vcsw_wq, a NOP delayed work item, and
 *                       the ITT slot table of the tasks it carries.
 * struct vcsw_task      per-command state in vconnect_task_priv(sc).
 *
 * Lock rules
 * ----------
 * conn->lock (spinlock, irqsave: queue() may run with IRQs off) protects
 *   conn->state, the slot table, conn->cmd_queue and conn->r2t_queue,
 *   task->flags, task->refs and the task's R2T ring, conn->dropping, the
 *   control-PDU state (ping, NOP replies, conn->mgmt).
 * sess->sn_lock (spinlock, irqsave) protects the session's CmdSN,
 *   ExpCmdSN, MaxCmdSN, the count of queued-but-unnumbered commands and
 *   whether TX waits for the window to open.
 *   Lock order: conn->lock, then sess->sn_lock.
 * sess->tmf_mutex serializes task management requests (they sleep).
 * Functions whose name starts with "__" expect conn->lock held.
 *
 * No owner callback (task_done, failed, event) is ever made with a vcsw
 * lock held.
 *
 * Single-context fields, written without a lock:
 *   RX only (the socket's data_ready callback, which the socket
 *     serializes): conn->rx_*, conn->exp_statsn (TX reads it with
 *     READ_ONCE), task->exp_datasn, task->rx_bytes.
 *   TX work only: the socket's send side.
 *
 * Task lifetime
 * -------------
 * The owner hands a task over with queue() and gets it back exactly once:
 * by task_done(), or by the return of a successful TMF that covers it, or
 * by the return of close(). Before a TMF returns, every task it covers has
 * left the ITT table and no RX/TX context touches it any more; close()
 * stops RX, TX and the NOP timer before it forgets the tasks.
 *
 * A task holds one "ownership" reference from queue() until the target's
 * final status arrives (or the task is dropped by a successful TMF). The TX
 * work and RX each take a temporary reference while they touch
 * the command's buffers without the lock. Whoever drops the last reference
 * frees the ITT slot and, unless the task was dropped, calls task_done().
 * Only RX and the TX work ever call task_done(), one call at a
 * time each: conn->done_seq[] (odd while a call runs, made odd under
 * conn->lock together with the slot release) lets a TMF wait until a task
 * that just left the table has really been handed back.
 */
#ifndef _VCSW_SOFTWARE_H
#define _VCSW_SOFTWARE_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <scsi/iscsi_proto.h>

#include "vconnect_backend.h"

struct scatterlist;
struct task_struct;

#define VCSW_MAX_CONNS		4	/* array size; one connection is used */
#define VCSW_MAX_R2T		4	/* MaxOutstandingR2T we accept at most */
#define VCSW_LOGIN_DSL		8192	/* data segment limit during login */
#define VCSW_MAX_AHS		(255 * 4)	/* TotalAHSLength is in words */
#define VCSW_TX_AHS_MAX		20	/* extended CDB AHS for a 32-byte CDB */
#define VCSW_TEXT_MAX		(64 * 1024)	/* accumulated login text */
#define VCSW_SENDTARGETS_MAX	(1024 * 1024)	/* accumulated SendTargets */
#define VCSW_NOP_REPLIES	8	/* pending answers to target pings */
#define VCSW_MAX_REDIRECTS	4
#define VCSW_DEF_LOGIN_TIMEOUT_MS	15000
#define VCSW_BVEC_BATCH		16

/*
 * ITT layout: bit 31 clear: SCSI task, generation << 16 | slot index.
 * Not the blk-mq tag: a slot's generation changes on every reuse, so a
 * late PDU for an aborted task never matches the next one (a tag is
 * reused at once), and some tasks have no request at all (vhba's own
 * commands, vhba/exec.c; the simulated firmware's sessions).
 */
#define VCSW_ITT_MGMT		0x80000000u
#define VCSW_ITT_IDX_MASK	0x0000ffffu
#define VCSW_ITT_GEN_SHIFT	16
#define VCSW_ITT_GEN_MASK	0x7fffu
#define VCSW_MAX_SLOTS		65535

/* Management ITT types (low bits of a management ITT). */
enum vcsw_mgmt_type {
	VCSW_MGMT_LOGIN,
	VCSW_MGMT_PING,
	VCSW_MGMT_REQ,		/* TMF, Logout, Text */
};

enum vcsw_conn_state {
	VCSW_CONN_LOGIN,	/* synchronous use by one thread; no RX/TX yet */
	VCSW_CONN_UP,		/* full feature phase */
	VCSW_CONN_FAILED,	/* dropped; owner told; waiting for close() */
	VCSW_CONN_CLOSING,	/* close() in progress */
};

/* One pending R2T (or the unsolicited part of the first burst). */
struct vcsw_r2t {
	u32 ttt;		/* ISCSI_RESERVED_TAG: unsolicited data */
	u32 offset;
	u32 length;
	u32 sent;
	u32 datasn;
};

enum vcsw_task_flags {
	VCSW_TASK_SENT		= BIT(0),	/* CmdSN assigned, PDU queued */
	VCSW_TASK_RSP		= BIT(1),	/* final status received */
	VCSW_TASK_DROPPED	= BIT(2),	/* TMF took it; no task_done */
	VCSW_TASK_ON_TXQ	= BIT(3),	/* on cmd_queue or r2t_queue */
	VCSW_TASK_BAD_DIR	= BIT(4),	/* bidirectional: fail it */
};

/* Per-command state; lives in vconnect_task_priv(sc). */
struct vcsw_task {
	struct scsi_cmnd *sc;
	struct vcsw_conn *conn;
	struct list_head node;		/* conn->cmd_queue or conn->r2t_queue */
	u32 itt;
	u32 cmdsn;
	u32 xfer_len;
	u16 flags;
	u16 refs;
	/* Write side; conn->lock. */
	u32 imm_len;
	u32 unsol_len;
	u32 r2t_next_offset;
	u32 exp_r2tsn;
	u8 r2t_head;
	u8 r2t_count;			/* entries in the ring */
	u8 r2t_solicited;		/* of which real R2Ts */
	struct vcsw_r2t r2t[VCSW_MAX_R2T + 1];
	/* Read side; RX only. */
	u32 exp_datasn;
	u32 rx_bytes;
};

struct vcsw_slot {
	struct vcsw_task *task;
	u32 itt;
	u16 gen;
};

/* A management request (TMF, Logout) waiting for its response. */
struct vcsw_mgmt {
	u8 opcode;
	u8 func;		/* TMF function or logout reason */
	u32 itt;
	u32 rtt;
	u32 refcmdsn;
	struct scsi_lun lun;
	struct completion done;
	int status;		/* 0 or -errno (connection lost, rejected) */
	u8 response;
};

struct vcsw_nop_reply {
	__be32 ttt;
	struct scsi_lun lun;
};

struct vcsw_session;
struct sock;

/* A position in a scatterlist. */
struct vcsw_sg_iter {
	struct scatterlist *sg;
	u32 skip;		/* bytes of *sg already consumed */
	u32 left;
};

enum vcsw_rx_stage {
	VCSW_RX_BHS,
	VCSW_RX_AHS,		/* AHS and header digest */
	VCSW_RX_DATA,
	VCSW_RX_TRAILER,	/* padding and data digest */
};

struct vcsw_conn {
	struct vcsw_session *sess;
	struct socket *sock;
	struct sockaddr_storage addr;
	u16 cid;

	/* Negotiated for this connection. */
	bool hdr_digest;
	bool data_digest;
	u32 max_recv_dsl;
	u32 max_xmit_dsl;

	spinlock_t lock;
	enum vcsw_conn_state state;
	struct vcsw_slot *slots;
	unsigned long *slot_map;
	u32 nr_slots;
	u32 slot_hint;
	struct list_head cmd_queue;	/* waiting for a CmdSN and TX */
	struct list_head r2t_queue;	/* data to send */
	u8 cmds_ahead;			/* commands sent while Data-Out waited */
	bool ping_pending;		/* to be sent */
	bool ping_outstanding;		/* sent or queued, no answer yet */
	u32 ping_itt;
	unsigned long ping_start;
	struct vcsw_nop_reply nop_reply[VCSW_NOP_REPLIES];
	u8 nop_reply_head;
	u8 nop_reply_count;
	struct vcsw_mgmt *mgmt;		/* outstanding TMF or Logout */
	bool mgmt_pending;		/* to be sent */
	u32 dropping;			/* dropped tasks not yet released */
	atomic_t mgmt_seq;

	wait_queue_head_t wq;		/* slot releases, completions */
	atomic_t done_seq[2];		/* RX, TX: odd during task_done() */

	/*
	 * RX: the socket's data_ready callback (softirq, or the process that
	 * releases the socket lock), serialized by the socket; see conn.c.
	 */
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	struct task_struct *rx_owner;	/* RX in process context: who */
	struct work_struct rx_work;	/* drain at start, EOF, errors */
	int rx_err;			/* RX stopped; rx_work fails conn */
	u8 rx_stage;			/* enum vcsw_rx_stage */
	u32 rx_want;			/* bytes still missing in this stage */
	u32 rx_off;			/* bytes of this stage received */
	u32 rx_crc;			/* data digest so far */
	struct vcsw_task *rx_task;	/* Data-In: referenced, data lands ... */
	struct vcsw_sg_iter rx_sg;	/* ... here in its scatterlist */
	u8 rx_trailer[ISCSI_PAD_LEN + ISCSI_CRC_LEN];
	u32 exp_statsn;
	unsigned long last_rx;
	struct iscsi_hdr rx_hdr;
	u8 rx_ahs[VCSW_MAX_AHS + ISCSI_CRC_LEN];	/* + header digest */
	u32 rx_ahslen;
	u32 rx_dlen;
	u8 *rx_buf;
	u32 rx_buf_size;

	struct work_struct tx_work;
	struct delayed_work nop_work;
};

enum vcsw_session_flags {
	VCSW_SESS_FAILED,	/* owner_ops->failed() called */
	VCSW_SESS_CLOSING,	/* close() started: no more failed() */
};

struct vcsw_session {
	struct vconnect_be_session be;	/* first; see to_vcsw_session() */
	unsigned int id;		/* for log messages */
	bool discovery;
	u8 isid[VCONNECT_ISID_LEN];
	u16 tsih;
	u16 tpgt;
	char *target_name;
	struct vconnect_iscsi_params neg;

	spinlock_t sn_lock;
	u32 cmdsn;			/* next CmdSN to assign */
	u32 exp_cmdsn;
	u32 max_cmdsn;
	u32 queued;			/* queued commands without a CmdSN */
	bool window_wait;		/* TX holds a command back: window shut */

	unsigned long flags;
	struct mutex tmf_mutex;
	unsigned long noop_interval;	/* jiffies; 0: off */
	unsigned long noop_timeout;

	unsigned int nr_conns;
	struct vcsw_conn *conns[VCSW_MAX_CONNS];

	struct vconnect_proto_stats *stats;	/* the owner's, or own_stats */
	struct vconnect_proto_stats own_stats;
};

static inline struct vcsw_session *to_vcsw_session(struct vconnect_be_session *be)
{
	return container_of(be, struct vcsw_session, be);
}

#define vcsw_stat_inc(sess, f)		atomic64_inc(&(sess)->stats->f)
#define vcsw_stat_add(sess, f, n)	atomic64_add((n), &(sess)->stats->f)

/* Everything a peer can trigger is logged ratelimited. */
#define vcsw_warn(sess, fmt, ...) \
	pr_warn_ratelimited("s%u: " fmt, (sess)->id, ##__VA_ARGS__)
#define vcsw_info(sess, fmt, ...) \
	pr_info("s%u: " fmt, (sess)->id, ##__VA_ARGS__)
#define vcsw_dbg(sess, fmt, ...) \
	pr_debug("s%u: " fmt, (sess)->id, ##__VA_ARGS__)

static inline itt_t vcsw_itt_to_wire(u32 itt)
{
	return (__force itt_t)cpu_to_be32(itt);
}

static inline u32 vcsw_itt_from_wire(itt_t itt)
{
	return be32_to_cpu((__force __be32)itt);
}

static inline u32 vcsw_pad(u32 len)
{
	return (ISCSI_PAD_LEN - (len & (ISCSI_PAD_LEN - 1))) & (ISCSI_PAD_LEN - 1);
}

/* The engine's workqueue (TX and NOP work). */
extern struct workqueue_struct *vcsw_wq;

/* --- digest.c --- */
u32 vcsw_crc(u32 crc, const void *p, size_t len);
u32 vcsw_crc_bvec(u32 crc, const struct bio_vec *bv, unsigned int nr);
static inline __le32 vcsw_crc_final(u32 crc)
{
	return cpu_to_le32(~crc);
}

#define VCSW_CRC_INIT	(~0u)
int vcsw_digest_selftest(void);

/* --- params.c: text keys --- */
struct vcsw_text {
	char *buf;
	u32 len;
	u32 size;
	int err;
};

int vcsw_text_init(struct vcsw_text *t, u32 size);
void vcsw_text_free(struct vcsw_text *t);
void vcsw_text_reset(struct vcsw_text *t);
__printf(3, 4)
void vcsw_text_add(struct vcsw_text *t, const char *key, const char *fmt, ...);
typedef int (*vcsw_kv_fn)(void *arg, const char *key, const char *value);
int vcsw_text_parse(const char *buf, u32 len, vcsw_kv_fn fn, void *arg);
int vcsw_parse_num(const char *value, u32 min, u32 max, u32 *out);

/* Operational parameter negotiation state for one login. */
enum vcsw_key {
	VCSW_KEY_HEADER_DIGEST,
	VCSW_KEY_DATA_DIGEST,
	VCSW_KEY_MAX_CONNECTIONS,
	VCSW_KEY_INITIAL_R2T,
	VCSW_KEY_IMMEDIATE_DATA,
	VCSW_KEY_MAX_RECV_DSL,
	VCSW_KEY_MAX_BURST_LENGTH,
	VCSW_KEY_FIRST_BURST_LENGTH,
	VCSW_KEY_DEFAULT_TIME2WAIT,
	VCSW_KEY_DEFAULT_TIME2RETAIN,
	VCSW_KEY_MAX_OUTSTANDING_R2T,
	VCSW_KEY_DATA_PDU_IN_ORDER,
	VCSW_KEY_DATA_SEQUENCE_IN_ORDER,
	VCSW_KEY_ERROR_RECOVERY_LEVEL,
	VCSW_KEY_NR,
};

struct vcsw_nego {
	bool discovery;
	u32 offer[VCSW_KEY_NR];		/* what we propose */
	u32 result[VCSW_KEY_NR];	/* negotiated (defaults until answered) */
	u8 state[VCSW_KEY_NR];
	u32 target_mrdsl;		/* declared by the target */
	bool target_mrdsl_seen;
	struct vcsw_text *answers;	/* our answers to target proposals */
};

void vcsw_nego_init(struct vcsw_nego *n, const struct vconnect_iscsi_params *want,
		    bool discovery);
void vcsw_nego_offer(struct vcsw_nego *n, struct vcsw_text *out);
int vcsw_nego_key(struct vcsw_nego *n, struct vcsw_session *sess,
		  const char *key, const char *value, bool *known);
int vcsw_nego_finish(struct vcsw_nego *n, struct vcsw_session *sess,
		     struct vconnect_iscsi_params *neg);

/* --- chap.c --- */
struct vcsw_chap;
struct vcsw_chap *vcsw_chap_create(const struct vconnect_chap *cfg);
void vcsw_chap_destroy(struct vcsw_chap *c);
bool vcsw_chap_mutual(const struct vcsw_chap *c);
int vcsw_chap_respond(struct vcsw_chap *c, struct vcsw_session *sess,
		      const char *chap_a, const char *chap_i,
		      const char *chap_c, struct vcsw_text *out);
int vcsw_chap_verify(struct vcsw_chap *c, struct vcsw_session *sess,
		     const char *chap_n, const char *chap_r);

/* --- conn.c --- */
struct vcsw_txpdu {
	u8 hdr[ISCSI_HDR_LEN + VCSW_TX_AHS_MAX + ISCSI_CRC_LEN];
	u32 ahslen;
	const void *buf;		/* data from a buffer, or ... */
	struct scatterlist *sgl;	/* ... from a scatterlist at sg_offset */
	u32 sg_offset;
	u32 dlen;
	bool more;			/* another PDU follows at once */
};

struct vcsw_conn *vcsw_conn_create(struct vcsw_session *sess, u16 cid);
void vcsw_conn_destroy(struct vcsw_conn *conn);
int vcsw_conn_connect(struct vcsw_conn *conn, const struct sockaddr_storage *addr,
		      unsigned long deadline);
void vcsw_conn_disconnect(struct vcsw_conn *conn);
int vcsw_conn_set_deadline(struct vcsw_conn *conn, unsigned long deadline);
int vcsw_conn_start(struct vcsw_conn *conn);
void vcsw_conn_stop(struct vcsw_conn *conn);
void vcsw_conn_fail(struct vcsw_conn *conn, int err);
int vcsw_pdu_send(struct vcsw_conn *conn, struct vcsw_txpdu *pdu);
void vcsw_pdu_push(struct vcsw_conn *conn);
int vcsw_pdu_recv_hdr(struct vcsw_conn *conn);
int vcsw_pdu_recv_data(struct vcsw_conn *conn, void *buf);
int vcsw_pdu_recv(struct vcsw_conn *conn);
int vcsw_sg_seek(struct vcsw_sg_iter *it, struct scatterlist *sgl,
		 u32 offset, u32 len);
int vcsw_parse_portal(const char *s, struct sockaddr_storage *ss);
u32 vcsw_mgmt_itt(struct vcsw_conn *conn, enum vcsw_mgmt_type type);
void vcsw_update_statsn(struct vcsw_conn *conn);
bool vcsw_update_cmdsn(struct vcsw_session *sess, const struct iscsi_hdr *hdr);

static inline void vcsw_tx_kick(struct vcsw_conn *conn)
{
	queue_work(vcsw_wq, &conn->tx_work);
}

/* --- login.c --- */
int vcsw_login(struct vcsw_conn *conn, const struct vconnect_session_desc *desc,
	       struct vconnect_session_info *info, unsigned long deadline,
	       struct sockaddr_storage *redirect);
int vcsw_session_login(struct vcsw_session *sess,
		       const struct vconnect_session_desc *desc,
		       struct vconnect_session_info *info);

/* --- session.c --- */
struct vcsw_session *vcsw_session_create(const struct vconnect_session_desc *desc,
					 bool discovery);
void vcsw_session_destroy(struct vcsw_session *sess);
void vcsw_session_failed(struct vcsw_session *sess, int err);

/* --- datapath.c --- */
int vcsw_slots_alloc(struct vcsw_conn *conn, u32 nr);
void vcsw_slots_free(struct vcsw_conn *conn);
void vcsw_tx_work(struct work_struct *work);
int vcsw_rx_hdr(struct vcsw_conn *conn);
int vcsw_rx_pdu_done(struct vcsw_conn *conn);
void vcsw_rx_abort(struct vcsw_conn *conn);
void vcsw_nop_work(struct work_struct *work);
int vcsw_conn_ping(struct vcsw_conn *conn, unsigned long timeout);
void vcsw_task_put(struct vcsw_task *task);
struct vcsw_task *__vcsw_task_lookup(struct vcsw_conn *conn, u32 itt);
bool __vcsw_task_end(struct vcsw_conn *conn, struct vcsw_task *task, u16 why);
void __vcsw_mgmt_complete(struct vcsw_conn *conn, int status, u8 response);
void vcsw_hdr_nop_reply(struct vcsw_txpdu *pdu, __be32 ttt,
			const struct scsi_lun *lun, __be32 cmdsn,
			__be32 exp_statsn);
void vcsw_hdr_logout(struct vcsw_txpdu *pdu, u32 itt, u16 cid, u8 reason,
		     __be32 cmdsn, __be32 exp_statsn);
void vcsw_conn_forget_tasks(struct vcsw_conn *conn);
extern unsigned int vcsw_max_tasks;

/* --- tmf.c --- */
int vcsw_mgmt_run(struct vcsw_conn *conn, struct vcsw_mgmt *m,
		  unsigned long timeout);

/* --- engine entry points --- */
int vcsw_engine_init(void);
void vcsw_engine_exit(void);
struct vcsw_session *vcsw_session_open(const struct vconnect_session_desc *desc,
				       const struct vconnect_session_owner_ops *owner_ops,
				       void *owner,
				       struct vconnect_session_info *info);
void vcsw_session_close(struct vcsw_session *sess, bool logout);
int vcsw_queue(struct vcsw_session *sess, struct scsi_cmnd *sc);
int vcsw_abort(struct vcsw_session *sess, struct scsi_cmnd *sc);
int vcsw_lun_reset(struct vcsw_session *sess, u64 lun);
int vcsw_target_reset(struct vcsw_session *sess);
int vcsw_discover(const struct vconnect_session_desc *desc,
		  vconnect_discover_fn fn, void *arg);

#endif /* _VCSW_SOFTWARE_H */
