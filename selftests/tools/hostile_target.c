// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_target: a deliberately minimal, optionally hostile iSCSI target
 * (RFC 7143) for testing how an initiator copes with bad input.
 *
 * By default it is a correct-enough target: one RAM-backed LUN (LUN 0,
 * 512-byte blocks), AuthMethod=None, ErrorRecoveryLevel=0, one connection
 * per session, SendTargets discovery.  With --fault KIND it replaces the
 * response of the Nth READ/WRITE on a connection by one malformed PDU (or
 * another misbehaviour), at most --fault-count times in all, and then
 * behaves again so the test can check that the initiator recovered and
 * that the data it reads back is right.  See README.rst.
 *
 * One process per connection (fork); the LUN, the counters and the table
 * of sessions live in MAP_SHARED memory allocated before the first fork.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- protocol constants ------------------------------------------------ */

#define BHS_LEN			48
#define OUR_MRDSL		65536u	/* the MaxRecvDataSegmentLength we declare */
#define BURST_CAP		262144u	/* our MaxBurstLength / FirstBurstLength */
#define CMD_WINDOW		32u	/* MaxCmdSN - ExpCmdSN + 1 */
#define BLOCK_SIZE		512u
#define LOGIN_MRDSL		8192u	/* the default, binding during login */
#define MAX_LOGIN_KEYS		65536u	/* all login/text key data we accept */
#define MAX_XFER		(64u << 20)	/* largest single READ/WRITE */
#define RSVD_TAG		0xffffffffu

#define OP_NOP_OUT		0x00
#define OP_SCSI_CMD		0x01
#define OP_TMF			0x02
#define OP_LOGIN		0x03
#define OP_TEXT			0x04
#define OP_DATA_OUT		0x05
#define OP_LOGOUT		0x06
#define OP_SNACK		0x10
#define OP_NOP_IN		0x20
#define OP_SCSI_RSP		0x21
#define OP_TMF_RSP		0x22
#define OP_LOGIN_RSP		0x23
#define OP_TEXT_RSP		0x24
#define OP_DATA_IN		0x25
#define OP_LOGOUT_RSP		0x26
#define OP_R2T			0x31
#define OP_ASYNC		0x32
#define OP_REJECT		0x3f
#define OP_UNDEFINED		0x3b	/* bad-opcode fault */

#define FL_FINAL		0x80
#define FL_IMM			0x40	/* byte 0 */
#define FL_CONT			0x40	/* byte 1, login/text */
#define FL_READ			0x40	/* byte 1, SCSI command */
#define FL_WRITE		0x20
#define FL_OVER			0x04
#define FL_UNDER		0x02
#define FL_STATUS		0x01	/* Data-In S bit */

#define SAM_GOOD		0x00
#define SAM_CHECK		0x02
#define SAM_TASK_SET_FULL	0x28

#define REJ_DATA_DIGEST		0x02
#define REJ_PROTOCOL		0x04
#define REJ_NOT_SUPPORTED	0x05
#define REJ_INVALID_FIELD	0x09

/* ---- faults -------------------------------------------------------------- */

enum fault {
	F_NONE, F_BAD_OPCODE, F_LONG_DSL, F_UNKNOWN_ITT, F_BAD_HDIGEST,
	F_BAD_DDIGEST, F_TRUNCATED, F_STALL, F_DATAIN_OVERFLOW, F_BAD_DATASN,
	F_REJECT, F_ASYNC_LOGOUT, F_ASYNC_DROP, F_HOLD, F_LATE_WRITE,
};

static const char *const fault_names[] = {
	[F_NONE] = "none",
	[F_BAD_OPCODE] = "bad-opcode",
	[F_LONG_DSL] = "long-dsl",
	[F_UNKNOWN_ITT] = "unknown-itt",
	[F_BAD_HDIGEST] = "bad-hdigest",
	[F_BAD_DDIGEST] = "bad-ddigest",
	[F_TRUNCATED] = "truncated",
	[F_STALL] = "stall",
	[F_DATAIN_OVERFLOW] = "datain-overflow",
	[F_BAD_DATASN] = "bad-datasn",
	[F_REJECT] = "reject",
	[F_ASYNC_LOGOUT] = "async-logout",
	[F_ASYNC_DROP] = "async-drop",
	[F_HOLD] = "hold",
	[F_LATE_WRITE] = "late-write",
};
#define N_FAULTS (sizeof(fault_names) / sizeof(fault_names[0]))

/* Faults that need a Data-In sequence: they count READs only. */
static int fault_needs_datain(enum fault f)
{
	return f == F_LONG_DSL || f == F_BAD_DDIGEST ||
	       f == F_DATAIN_OVERFLOW || f == F_BAD_DATASN;
}

/* How the target answers a task management function (--tmf). */
enum tmf_action { TMF_COMPLETE, TMF_REJECT, TMF_IGNORE };

static const char *const tmf_action_names[] = {
	[TMF_COMPLETE] = "complete",
	[TMF_REJECT] = "reject",
	[TMF_IGNORE] = "ignore",
};

#define TMF_FUNCS	9	/* functions 1..8 */

static const char *const tmf_func_names[TMF_FUNCS] = {
	[1] = "abort-task",
	[5] = "lun-reset",
	[6] = "target-warm-reset",
};

/* ---- configuration and shared state -------------------------------------- */

#define MAX_LISTEN	4

static struct {
	const char *listen[MAX_LISTEN];	/* portal group i + 1 */
	int nlisten;
	const char *target;
	uint64_t size_mb;
	enum fault fault;
	unsigned int fault_after;
	long fault_count;		/* -1: unlimited */
	unsigned int delay_ms;		/* hold READ/WRITE responses this long */
	unsigned long max_logins;	/* normal-session logins; 0: no limit */
	const char *redirect;		/* TargetAddress of a 0101 redirection */
	int fault_lba_set;
	uint64_t fault_lba;		/* only READ/WRITEs covering it count */
	enum tmf_action tmf[TMF_FUNCS];
	const char *log_path;
	int digest;			/* offer CRC32C */
	int initial_r2t;		/* our InitialR2T value */
	unsigned int report_luns;	/* REPORT LUNS entries; 0: LUN 0 only */
	unsigned int async_t2w;		/* async-drop's Time2Wait (Parameter2) */
	int verbose;
} cfg = {
	.size_mb = 64,
	.fault_after = 5,
	.fault_count = 1,
};

#define MAX_SESSIONS	256
#define MAX_CHILDREN	256
#define INAME_MAX	224

struct sess_rec {
	int used;
	int live;
	int logged_out;
	pid_t pid;
	unsigned int conn;
	uint16_t tsih;
	uint8_t isid[6];
	char iname[INAME_MAX];
	unsigned int tpgt;
	uint64_t stamp;
};

struct shared {
	int lock;
	long fault_budget;
	unsigned long conns, logins, disc_logins, login_failures, reinstatements;
	unsigned long cmds, reads, writes, faults, proto_errors, crashes;
	uint16_t next_tsih;
	uint64_t stamp;
	pid_t late_pid;			/* the process holding a late write */
	int hold_all;			/* SIGUSR2: answer no SCSI command */
	struct sess_rec sess[MAX_SESSIONS];
};

static struct shared *sh;
static uint8_t *lun_mem;
static uint64_t lun_bytes, lun_blocks;
static int log_fd = 2;
static struct timespec t0;
static volatile sig_atomic_t got_term, got_chld, got_usr1, got_usr2;

/*
 * The late-write fault: one WRITE this connection's "backstore" still
 * carries. It lands on the LUN when the target ends the task the way a
 * real target would before it answers (ABORT TASK, a task set or LUN
 * reset, a logout, a session reinstatement), or, as in LIO, when it
 * finishes after the connection is gone: fault_linger seconds after the
 * initiator dropped it, unfenced.
 */
static struct {
	uint8_t *buf;
	uint64_t off;
	uint32_t len;
	uint32_t itt;
	struct timespec due;		/* when the backstore finishes it */
	volatile sig_atomic_t held;
} late;

#define STAT_INC(field) __atomic_add_fetch(&sh->field, 1, __ATOMIC_RELAXED)

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	char buf[1024];
	struct timespec now;
	va_list ap;
	int n, m;

	clock_gettime(CLOCK_MONOTONIC, &now);
	n = snprintf(buf, sizeof(buf), "[%5ld.%03ld] ",
		     (long)(now.tv_sec - t0.tv_sec) - (now.tv_nsec < t0.tv_nsec),
		     ((now.tv_nsec - t0.tv_nsec + 1000000000L) % 1000000000L) / 1000000);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write per line: O_APPEND keeps lines of several processes whole. */
	if (write(log_fd, buf, n) < 0) {
		/* nothing sensible to do */
	}
}

/* Shared-memory lock.  Signals are blocked while it is held so that a
 * connection killed by a session reinstatement never dies holding it. */
static sigset_t lock_saved;

static void sh_lock(void)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &lock_saved);
	while (__atomic_test_and_set(&sh->lock, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void sh_unlock(void)
{
	__atomic_clear(&sh->lock, __ATOMIC_RELEASE);
	sigprocmask(SIG_SETMASK, &lock_saved, NULL);
}

/* Take one fault from the budget shared by all connections. */
static int claim_fault(void)
{
	int ok = 0;

	sh_lock();
	if (sh->fault_budget < 0) {
		ok = 1;
	} else if (sh->fault_budget > 0) {
		sh->fault_budget--;
		ok = 1;
	}
	sh_unlock();
	return ok;
}

/* ---- byte helpers ---------------------------------------------------------- */

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get24(const uint8_t *p) { return (uint32_t)p[0] << 16 | p[1] << 8 | p[2]; }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put24(uint8_t *p, uint32_t v) { p[0] = v >> 16; p[1] = v >> 8; p[2] = v; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}
static void put64(uint8_t *p, uint64_t v) { put32(p, v >> 32); put32(p + 4, (uint32_t)v); }

/* ---- CRC32C (Castagnoli), software, reflected ------------------------------ */

static uint32_t crc_table[256];

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

/* iSCSI sends the CRC least significant byte first (RFC 7143, B.4). */
static void put_digest(uint8_t *p, uint32_t crc)
{
	crc = ~crc;
	p[0] = crc; p[1] = crc >> 8; p[2] = crc >> 16; p[3] = crc >> 24;
}

/* ---- connection state --------------------------------------------------------- */

/* What a SCSI command produced (see emulate()). */
struct result {
	uint8_t status;
	uint8_t sense[18];
	int has_sense;
	const uint8_t *data;	/* data-in */
	uint32_t len;		/* bytes the command returns (before EDTL) */
	int rw;			/* 1 read, 2 write */
	uint64_t off;		/* LUN byte offset for RW */
	uint32_t bytes;		/* RW length in bytes */
	const char *name;
};

#define MAX_TASKS	64
#define MAX_HELD	8
#define MAX_DELAYED	64

struct delayed {		/* a READ/WRITE response due later (--delay-ms) */
	struct timespec due;
	uint8_t bhs[BHS_LEN];
	uint32_t itt, edtl, r2ts;
	struct result r;
};

struct wtask {			/* a WRITE waiting for its data */
	int used;
	uint8_t *late_buf;	/* the late-write fault's: data kept here */
	uint32_t itt;
	uint8_t bhs[BHS_LEN];
	const char *name;
	uint64_t lun_off;	/* byte offset into the LUN */
	uint32_t xfer;		/* bytes the CDB writes */
	uint32_t cdb_bytes;
	uint32_t edtl;
	uint32_t received;
	int unsol_done;
	uint32_t unsol_hi;
	uint32_t next_r2t;	/* first offset not yet requested */
	int r2t_active;
	uint32_t ttt;
	uint32_t r2tsn;
	uint32_t exp_datasn;	/* within the current sequence */
};

struct conn {
	int fd;
	unsigned int id;
	unsigned int tpgt;		/* of the portal it came in on */
	char peer[80];
	struct sockaddr_storage local;

	/* session */
	int discovery;
	uint8_t isid[6];
	uint16_t tsih;
	uint16_t cid;
	char iname[INAME_MAX];

	/* negotiated */
	int hd, dd;			/* digests in use (full feature phase) */
	int want_hd, want_dd;
	uint32_t init_mrdsl;		/* the initiator's MaxRecvDataSegmentLength */
	uint32_t max_burst, first_burst;
	int initial_r2t, immediate_data;

	/* sequence numbers */
	uint32_t statsn, exp_cmdsn;
	uint32_t next_ttt;

	/* faults */
	unsigned int rw_count;
	int fault_done;			/* this connection already faulted */
	uint32_t held[MAX_HELD];	/* ITTs whose response is withheld */
	unsigned int nheld;
	struct delayed delayed[MAX_DELAYED];	/* in due order */
	unsigned int ndelayed;

	/* receive buffer */
	uint8_t bhs[BHS_LEN];
	uint8_t ahs[1024];
	uint32_t dlen;
	uint8_t *data;			/* OUR_MRDSL + 8 */

	uint8_t small[16384];		/* data of non-RW commands */
	struct wtask tasks[MAX_TASKS];
};

/* ---- socket I/O ------------------------------------------------------------ */

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, p + got, len - got);

		if (r == 0)
			return got ? -1 : 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += r;
	}
	return 1;
}

static int writev_full(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t w = writev(fd, iov, cnt);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (cnt > 0 && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	return 0;
}

#define CORRUPT_HD	1
#define CORRUPT_DD	2

/* Send one PDU; sets DataSegmentLength from dlen and adds digests. */
static int send_pdu(struct conn *c, uint8_t *bhs, const void *data, uint32_t dlen,
		    int corrupt)
{
	static const uint8_t zeros[4];
	uint8_t hdig[4], ddig[4];
	struct iovec iov[5];
	int n = 0;
	uint32_t pad = (4 - (dlen & 3)) & 3;

	put24(bhs + 5, dlen);
	iov[n].iov_base = bhs;
	iov[n++].iov_len = BHS_LEN;
	if (c->hd) {
		uint32_t crc = crc32c_update(~0u, bhs, BHS_LEN);

		put_digest(hdig, crc);
		if (corrupt & CORRUPT_HD)
			hdig[0] ^= 0xff;
		iov[n].iov_base = hdig;
		iov[n++].iov_len = 4;
	}
	if (dlen) {
		iov[n].iov_base = (void *)data;
		iov[n++].iov_len = dlen;
		if (pad) {
			iov[n].iov_base = (void *)zeros;
			iov[n++].iov_len = pad;
		}
		if (c->dd) {
			uint32_t crc = crc32c_update(~0u, data, dlen);

			crc = crc32c_update(crc, zeros, pad);
			put_digest(ddig, crc);
			if (corrupt & CORRUPT_DD)
				ddig[0] ^= 0xff;
			iov[n].iov_base = ddig;
			iov[n++].iov_len = 4;
		}
	}
	return writev_full(c->fd, iov, n);
}

/*
 * Receive one PDU into c->bhs / c->data.  Returns 1, 0 on a clean EOF,
 * -1 on error (logged).
 */
static int recv_pdu(struct conn *c, uint32_t max_dlen)
{
	uint8_t dig[4], want[4];
	uint32_t ahs_len, pad;
	int r;

	errno = 0;
	r = read_full(c->fd, c->bhs, BHS_LEN);
	if (r <= 0) {
		if (r < 0)
			logmsg("conn %u: connection lost (%s)", c->id,
			       errno ? strerror(errno) : "EOF inside a header");
		return r;
	}
	ahs_len = c->bhs[4] * 4u;
	if (ahs_len && read_full(c->fd, c->ahs, ahs_len) != 1)
		goto lost;
	if (c->hd) {
		uint32_t crc;

		if (read_full(c->fd, dig, 4) != 1)
			goto lost;
		crc = crc32c_update(~0u, c->bhs, BHS_LEN);
		crc = crc32c_update(crc, c->ahs, ahs_len);
		put_digest(want, crc);
		if (memcmp(dig, want, 4)) {
			STAT_INC(proto_errors);
			logmsg("conn %u: header digest error from initiator (opcode 0x%02x), closing",
			       c->id, c->bhs[0] & 0x3f);
			return -1;
		}
	}
	c->dlen = get24(c->bhs + 5);
	if (c->dlen > max_dlen) {
		STAT_INC(proto_errors);
		logmsg("conn %u: DataSegmentLength %u exceeds the %u we accept (opcode 0x%02x), closing",
		       c->id, c->dlen, max_dlen, c->bhs[0] & 0x3f);
		return -1;
	}
	pad = (4 - (c->dlen & 3)) & 3;
	if (c->dlen && read_full(c->fd, c->data, c->dlen + pad) != 1)
		goto lost;
	if (c->dlen && c->dd) {
		uint32_t crc;

		if (read_full(c->fd, dig, 4) != 1)
			goto lost;
		crc = crc32c_update(~0u, c->data, c->dlen + pad);
		put_digest(want, crc);
		if (memcmp(dig, want, 4)) {
			uint8_t rej[BHS_LEN] = { OP_REJECT, FL_FINAL, REJ_DATA_DIGEST };

			STAT_INC(proto_errors);
			logmsg("conn %u: data digest error from initiator (opcode 0x%02x, itt 0x%x), rejecting and closing",
			       c->id, c->bhs[0] & 0x3f, get32(c->bhs + 16));
			put32(rej + 16, RSVD_TAG);
			put32(rej + 24, c->statsn++);
			put32(rej + 28, c->exp_cmdsn);
			put32(rej + 32, c->exp_cmdsn + CMD_WINDOW - 1);
			send_pdu(c, rej, c->bhs, BHS_LEN, 0);
			return -1;
		}
	}
	if (cfg.verbose)
		logmsg("conn %u: rx opcode 0x%02x itt 0x%x dsl %u", c->id,
		       c->bhs[0] & 0x3f, get32(c->bhs + 16), c->dlen);
	return 1;
lost:
	logmsg("conn %u: connection lost mid-PDU", c->id);
	return -1;
}

/* Fill the sequence-number fields every target PDU carries. */
static void fill_sn(struct conn *c, uint8_t *bhs, int status)
{
	if (status)
		put32(bhs + 24, c->statsn++);
	else
		put32(bhs + 24, c->statsn);
	put32(bhs + 28, c->exp_cmdsn);
	put32(bhs + 32, c->exp_cmdsn + CMD_WINDOW - 1);
}

static void send_reject(struct conn *c, uint8_t reason, const uint8_t *hdr)
{
	uint8_t rej[BHS_LEN] = { OP_REJECT, FL_FINAL, reason };

	put32(rej + 16, RSVD_TAG);
	fill_sn(c, rej, 1);
	send_pdu(c, rej, hdr, BHS_LEN, 0);
}

/* ---- text keys --------------------------------------------------------------- */

struct kvout {
	char buf[LOGIN_MRDSL];
	uint32_t len;
	int full;
};

static void kv_add(struct kvout *o, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val);

	if (o->len + kl + vl + 2 > sizeof(o->buf)) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, key, kl);
	o->buf[o->len + kl] = '=';
	memcpy(o->buf + o->len + kl + 1, val, vl);
	o->len += kl + vl + 2;
	o->buf[o->len - 1] = 0;
}

static void kv_addu(struct kvout *o, const char *key, unsigned long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lu", v);
	kv_add(o, key, num);
}

/* Does the comma-separated list contain item? */
static int list_has(const char *list, const char *item)
{
	size_t il = strlen(item);

	while (*list) {
		const char *end = strchr(list, ',');
		size_t l = end ? (size_t)(end - list) : strlen(list);

		if (l == il && !strncmp(list, item, il))
			return 1;
		if (!end)
			break;
		list = end + 1;
	}
	return 0;
}

static int parse_num(const char *s, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || *end ? -1 : 0;
}

/*
 * Iterate "key=value\0" pairs in buf[0..len).  Calls fn for each; pairs
 * without '=' are skipped.  buf must be writable and have room for
 * buf[len]; each '=' is replaced by a NUL.
 */
typedef void (*kv_fn)(struct conn *c, const char *k, const char *v, void *arg);

static void kv_each(struct conn *c, char *buf, uint32_t len, kv_fn fn, void *arg)
{
	uint32_t i = 0;

	buf[len] = 0;		/* callers leave room: a last pair may lack its NUL */
	while (i < len) {
		char *s = buf + i;
		size_t l = strlen(s);
		char *eq;

		i += l + 1;
		eq = strchr(s, '=');
		if (!eq || eq == s)
			continue;
		*eq = 0;
		fn(c, s, eq + 1, arg);
	}
}

/* ---- login -------------------------------------------------------------------- */

struct login_state {
	struct kvout out;
	int stage;
	int fail_class, fail_detail;
	int have_iname, have_tname, auth_ok, auth_offered;
	int declared_mrdsl;
	int sent_tpgt;
	char tname[256];
};

static const char *digest_answer(const char *offer)
{
	if (cfg.digest && list_has(offer, "CRC32C"))
		return "CRC32C";
	if (list_has(offer, "None"))
		return "None";
	if (list_has(offer, "CRC32C"))
		return "CRC32C";
	return "Reject";
}

static void login_key(struct conn *c, const char *k, const char *v, void *arg)
{
	struct login_state *ls = arg;
	struct kvout *o = &ls->out;
	unsigned long n;

	if (!strcmp(k, "InitiatorName")) {
		snprintf(c->iname, sizeof(c->iname), "%s", v);
		ls->have_iname = 1;
	} else if (!strcmp(k, "TargetName")) {
		snprintf(ls->tname, sizeof(ls->tname), "%s", v);
		ls->have_tname = 1;
	} else if (!strcmp(k, "SessionType")) {
		if (!strcmp(v, "Discovery"))
			c->discovery = 1;
		else if (!strcmp(v, "Normal"))
			c->discovery = 0;
		else
			kv_add(o, k, "Reject");
	} else if (!strcmp(k, "InitiatorAlias") || !strcmp(k, "TargetAlias") ||
		   !strcmp(k, "TargetAddress") || !strcmp(k, "TargetPortalGroupTag")) {
		/* declarative, nothing to answer */
	} else if (!strcmp(k, "AuthMethod")) {
		ls->auth_offered = 1;
		if (list_has(v, "None")) {
			kv_add(o, k, "None");
			ls->auth_ok = 1;
		} else {
			kv_add(o, k, "Reject");
			ls->fail_class = 2;
			ls->fail_detail = 1;	/* authentication failure */
		}
	} else if (!strcmp(k, "HeaderDigest")) {
		const char *a = digest_answer(v);

		kv_add(o, k, a);
		c->want_hd = !strcmp(a, "CRC32C");
	} else if (!strcmp(k, "DataDigest")) {
		const char *a = digest_answer(v);

		kv_add(o, k, a);
		c->want_dd = !strcmp(a, "CRC32C");
	} else if (!strcmp(k, "MaxRecvDataSegmentLength")) {
		if (parse_num(v, &n) || n < 512 || n > 16777215)
			kv_add(o, k, "Reject");
		else
			c->init_mrdsl = n;
	} else if (!strcmp(k, "MaxBurstLength") || !strcmp(k, "FirstBurstLength")) {
		if (parse_num(v, &n) || n < 512 || n > 16777215) {
			kv_add(o, k, "Reject");
		} else {
			if (n > BURST_CAP)
				n = BURST_CAP;
			if (k[0] == 'M')
				c->max_burst = n;
			else
				c->first_burst = n;
			kv_addu(o, k, n);
		}
	} else if (!strcmp(k, "InitialR2T") || !strcmp(k, "ImmediateData") ||
		   !strcmp(k, "DataPDUInOrder") || !strcmp(k, "DataSequenceInOrder") ||
		   !strcmp(k, "IFMarker") || !strcmp(k, "OFMarker")) {
		int yes;

		if (!strcmp(v, "Yes")) {
			yes = 1;
		} else if (!strcmp(v, "No")) {
			yes = 0;
		} else {
			kv_add(o, k, "Reject");
			return;
		}
		if (!strcmp(k, "InitialR2T")) {		/* OR */
			yes = yes || cfg.initial_r2t;
			c->initial_r2t = yes;
		} else if (!strcmp(k, "ImmediateData")) {	/* AND */
			c->immediate_data = yes;
		} else if (k[0] == 'D') {		/* OR with our Yes */
			yes = 1;
		} else {				/* markers: AND with our No */
			yes = 0;
		}
		kv_add(o, k, yes ? "Yes" : "No");
	} else if (!strcmp(k, "MaxOutstandingR2T") || !strcmp(k, "MaxConnections")) {
		if (parse_num(v, &n) || n < 1 || n > 65535)
			kv_add(o, k, "Reject");
		else
			kv_add(o, k, "1");
	} else if (!strcmp(k, "ErrorRecoveryLevel") || !strcmp(k, "DefaultTime2Retain")) {
		if (parse_num(v, &n) || n > 3600)
			kv_add(o, k, "Reject");
		else
			kv_add(o, k, "0");	/* result function: minimum */
	} else if (!strcmp(k, "DefaultTime2Wait")) {
		/* Result function is maximum: ours is 0, so the offer stands. */
		if (parse_num(v, &n) || n > 3600)
			kv_add(o, k, "Reject");
		else
			kv_addu(o, k, n);
	} else if (!strcmp(k, "SendTargets")) {
		kv_add(o, k, "Irrelevant");
	} else {
		kv_add(o, k, "NotUnderstood");
	}
}

static void login_response(struct conn *c, const uint8_t *req, int transit, int csg,
			   int nsg, const void *data, uint32_t dlen, int sclass, int sdetail,
			   uint16_t tsih)
{
	uint8_t r[BHS_LEN] = { OP_LOGIN_RSP };

	r[1] = (transit ? FL_FINAL : 0) | csg << 2 | (transit ? nsg : 0);
	r[2] = 0;		/* VersionMax */
	r[3] = 0;		/* VersionActive */
	memcpy(r + 8, req + 8, 6);	/* ISID */
	put16(r + 14, tsih);
	memcpy(r + 16, req + 16, 4);	/* ITT */
	fill_sn(c, r, 1);
	r[36] = sclass;
	r[37] = sdetail;
	send_pdu(c, r, data, dlen, 0);
}

static void fmt_isid(const uint8_t *isid, char *buf, size_t len)
{
	snprintf(buf, len, "0x%02x%02x%02x%02x%02x%02x",
		 isid[0], isid[1], isid[2], isid[3], isid[4], isid[5]);
}

static double since(const struct timespec *a);

/* Record the new session; note (and end) an older one with the same I_T nexus. */
static uint16_t register_session(struct conn *c, char *note, size_t notelen)
{
	struct sess_rec *slot = NULL, *oldest = NULL;
	pid_t victim = 0;
	uint16_t tsih;

	note[0] = 0;
	sh_lock();
	do {
		tsih = ++sh->next_tsih;
	} while (!tsih);
	for (int i = 0; i < MAX_SESSIONS; i++) {
		struct sess_rec *s = &sh->sess[i];

		if (!s->used) {
			if (!slot)
				slot = s;
			continue;
		}
		/* A session is named by initiator, ISID and portal group. */
		if (!strcmp(s->iname, c->iname) && !memcmp(s->isid, c->isid, 6) &&
		    s->tpgt == c->tpgt) {
			if (s->logged_out) {
				snprintf(note, notelen, " (same ISID as tsih %u of conn %u, which logged out)",
					 s->tsih, s->conn);
			} else {
				snprintf(note, notelen, " (reinstates tsih %u of conn %u, %s)",
					 s->tsih, s->conn,
					 s->live ? "still open: closing it" : "already closed");
				sh->reinstatements++;
				if (s->live && s->pid != getpid())
					victim = s->pid;
			}
			slot = s;
			break;
		}
		if (!s->live && (!oldest || s->stamp < oldest->stamp))
			oldest = s;
	}
	if (!slot)
		slot = oldest;
	if (slot) {
		slot->used = 1;
		slot->live = 1;
		slot->logged_out = 0;
		slot->pid = getpid();
		slot->conn = c->id;
		slot->tsih = tsih;
		slot->tpgt = c->tpgt;
		memcpy(slot->isid, c->isid, 6);
		snprintf(slot->iname, sizeof(slot->iname), "%s", c->iname);
		slot->stamp = ++sh->stamp;
	}
	sh_unlock();
	if (victim) {
		struct timespec start;

		clock_gettime(CLOCK_MONOTONIC, &start);
		kill(victim, SIGTERM);
		/* As a real target: the old session's tasks end first. */
		while (__atomic_load_n(&sh->late_pid, __ATOMIC_ACQUIRE) == victim &&
		       since(&start) < 30)
			usleep(1000);
	}
	return tsih;
}

static void end_sessions_of(pid_t pid, int logged_out)
{
	sh_lock();
	for (int i = 0; i < MAX_SESSIONS; i++) {
		if (sh->sess[i].used && sh->sess[i].pid == pid && sh->sess[i].live) {
			sh->sess[i].live = 0;
			sh->sess[i].logged_out = logged_out;
		}
	}
	sh_unlock();
}

/* Returns 0 once in full feature phase, -1 to close. */
static int do_login(struct conn *c)
{
	static char keys[MAX_LOGIN_KEYS + 1];
	uint32_t keylen = 0;
	int first = 1, cur_stage = -1;
	struct login_state *ls = calloc(1, sizeof(*ls));
	int ret = -1;

	if (!ls)
		return -1;
	for (;;) {
		uint8_t *b = c->bhs;
		int transit, cont, csg, nsg, r;
		char isid[20];

		r = recv_pdu(c, OUR_MRDSL);
		if (r <= 0)
			goto out;
		if ((b[0] & 0x3f) != OP_LOGIN) {
			STAT_INC(proto_errors);
			logmsg("conn %u: opcode 0x%02x during login, closing", c->id, b[0] & 0x3f);
			goto out;
		}
		transit = !!(b[1] & FL_FINAL);
		cont = !!(b[1] & FL_CONT);
		csg = (b[1] >> 2) & 3;
		nsg = b[1] & 3;
		if (first) {
			memcpy(c->isid, b + 8, 6);
			c->tsih = get16(b + 14);
			c->cid = get16(b + 20);
			c->exp_cmdsn = get32(b + 24);
			c->statsn = 0x1000u * c->id;
			first = 0;
			if (b[3] > 0) {		/* VersionMin */
				login_response(c, b, 0, csg, 0, NULL, 0, 2, 5, 0);
				logmsg("conn %u: login failed: unsupported version min %u", c->id, b[3]);
				STAT_INC(login_failures);
				goto out;
			}
		}
		if ((transit && cont) || csg == 2 || csg == 3 ||
		    (cur_stage >= 0 && csg < cur_stage) ||
		    (transit && (nsg == 2 || nsg <= csg))) {
			login_response(c, b, 0, csg & 1, 0, NULL, 0, 2, 0, 0);
			logmsg("conn %u: login failed: bad stage/flags 0x%02x", c->id, b[1]);
			STAT_INC(login_failures);
			goto out;
		}
		cur_stage = csg;
		if (keylen + c->dlen > MAX_LOGIN_KEYS) {
			login_response(c, b, 0, csg, 0, NULL, 0, 2, 0, 0);
			logmsg("conn %u: login failed: more than %u bytes of keys", c->id,
			       MAX_LOGIN_KEYS);
			STAT_INC(login_failures);
			goto out;
		}
		memcpy(keys + keylen, c->data, c->dlen);
		keylen += c->dlen;
		if (cont) {
			/* C bit: acknowledge with an empty response, wait for the rest. */
			login_response(c, b, 0, csg, 0, NULL, 0, 0, 0, 0);
			continue;
		}

		memset(&ls->out, 0, sizeof(ls->out));
		ls->stage = csg;
		kv_each(c, keys, keylen, login_key, ls);
		keylen = 0;
		fmt_isid(c->isid, isid, sizeof(isid));

		if (!ls->fail_class && !ls->have_iname) {
			ls->fail_class = 2;
			ls->fail_detail = 7;	/* missing parameter */
		}
		if (!ls->fail_class && !c->discovery) {
			if (!ls->have_tname) {
				ls->fail_class = 2;
				ls->fail_detail = 7;
			} else if (strcmp(ls->tname, cfg.target)) {
				ls->fail_class = 2;
				ls->fail_detail = 3;	/* not found */
			}
		}
		if (!ls->fail_class && c->tsih) {
			ls->fail_class = 2;
			ls->fail_detail = 0x0a;	/* session does not exist */
		}
		if (!ls->fail_class && !c->discovery && cfg.max_logins &&
		    __atomic_load_n(&sh->logins, __ATOMIC_RELAXED) -
		    __atomic_load_n(&sh->disc_logins, __ATOMIC_RELAXED) >= cfg.max_logins) {
			ls->fail_class = 3;
			ls->fail_detail = 1;	/* service unavailable (--max-logins) */
		}
		if (!ls->fail_class && !c->discovery && cfg.redirect) {
			char addr[300];
			int n = snprintf(addr, sizeof(addr), "TargetAddress=%s",
					 cfg.redirect);

			/* Status 0101: the target moved temporarily. */
			login_response(c, b, 0, csg, 0, addr, n + 1, 1, 1, 0);
			logmsg("conn %u: login redirected to %s", c->id, cfg.redirect);
			goto out;
		}
		if (!ls->fail_class && transit && csg == 0 && ls->auth_offered && !ls->auth_ok) {
			ls->fail_class = 2;
			ls->fail_detail = 1;
		}
		if (ls->fail_class) {
			login_response(c, b, 0, csg, 0, NULL, 0, ls->fail_class, ls->fail_detail, 0);
			logmsg("conn %u: login failed: status 0x%02x%02x (initiator %s, isid %s, tsih %u, target %s)",
			       c->id, ls->fail_class, ls->fail_detail, c->iname, isid, c->tsih,
			       ls->have_tname ? ls->tname : "-");
			STAT_INC(login_failures);
			goto out;
		}
		if (!c->discovery && !ls->sent_tpgt) {
			kv_addu(&ls->out, "TargetPortalGroupTag", c->tpgt);
			ls->sent_tpgt = 1;
		}
		if (csg == 1 && !ls->declared_mrdsl) {
			kv_addu(&ls->out, "MaxRecvDataSegmentLength", OUR_MRDSL);
			ls->declared_mrdsl = 1;
		}
		if (transit && nsg == 3) {
			char note[128];

			if (c->discovery) {
				c->tsih = 0;
				sh_lock();
				do {
					c->tsih = ++sh->next_tsih;
				} while (!c->tsih);
				sh_unlock();
				note[0] = 0;
			} else {
				c->tsih = register_session(c, note, sizeof(note));
			}
			login_response(c, b, 1, csg, nsg, ls->out.buf, ls->out.len, 0, 0, c->tsih);
			c->hd = c->want_hd;
			c->dd = c->want_dd;
			STAT_INC(logins);
			if (c->discovery)
				STAT_INC(disc_logins);
			logmsg("login conn %u: %s session, initiator %s isid %s tsih 0 -> tsih %u%s; "
			       "MRDSL %u burst %u/%u InitialR2T=%s ImmediateData=%s digests %s/%s",
			       c->id, c->discovery ? "discovery" : "normal", c->iname, isid,
			       c->tsih, note, c->init_mrdsl, c->first_burst, c->max_burst,
			       c->initial_r2t ? "Yes" : "No", c->immediate_data ? "Yes" : "No",
			       c->hd ? "CRC32C" : "None", c->dd ? "CRC32C" : "None");
			if (!c->discovery && cfg.fault == F_BAD_HDIGEST && !c->hd)
				logmsg("conn %u: fault bad-hdigest not applicable: HeaderDigest=None",
				       c->id);
			if (!c->discovery && cfg.fault == F_BAD_DDIGEST && !c->dd)
				logmsg("conn %u: fault bad-ddigest not applicable: DataDigest=None",
				       c->id);
			ret = 0;
			goto out;
		}
		login_response(c, b, transit, csg, nsg, ls->out.buf, ls->out.len, 0, 0, 0);
	}
out:
	free(ls);
	return ret;
}

/* ---- SCSI emulation ------------------------------------------------------------- */

static void check(struct result *r, uint8_t key, uint8_t asc, uint8_t ascq)
{
	r->status = SAM_CHECK;
	memset(r->sense, 0, sizeof(r->sense));
	r->sense[0] = 0x70;
	r->sense[2] = key;
	r->sense[7] = 10;
	r->sense[12] = asc;
	r->sense[13] = ascq;
	r->has_sense = 1;
	r->data = NULL;
	r->len = 0;
	r->rw = 0;
}

static void serial_of(char *buf, size_t len)
{
	uint32_t h = crc32c_update(~0u, cfg.target, strlen(cfg.target));

	snprintf(buf, len, "HT%08X", h);
}

static uint32_t emu_inquiry(struct conn *c, const uint8_t *cdb, int lun0, struct result *r)
{
	uint8_t *d = c->small;
	char serial[16];
	int evpd = cdb[1] & 1;
	uint8_t page = cdb[2];
	uint32_t n;

	memset(d, 0, 256);
	serial_of(serial, sizeof(serial));
	if (!evpd) {
		if (page) {
			check(r, 5, 0x24, 0);
			return 0;
		}
		d[0] = lun0 ? 0x00 : 0x7f;	/* disk, or PQ 3 / no device */
		d[2] = 0x06;			/* SPC-4 */
		d[3] = 0x12;			/* HiSup, response data format 2 */
		d[4] = 66 - 5;
		d[7] = 0x02;			/* CmdQue */
		memcpy(d + 8, "VCONNECT", 8);
		memcpy(d + 16, "HOSTILE TARGET  ", 16);
		memcpy(d + 32, "0001", 4);
		put16(d + 58, 0x00a0);		/* SAM-5 */
		put16(d + 60, 0x0960);		/* iSCSI */
		put16(d + 62, 0x0460);		/* SPC-4 */
		put16(d + 64, 0x04c0);		/* SBC-3 */
		return 66;
	}
	if (!lun0) {
		check(r, 5, 0x25, 0);
		return 0;
	}
	d[1] = page;
	switch (page) {
	case 0x00:
		d[4] = 0x00;
		d[5] = 0x80;
		d[6] = 0x83;
		d[7] = 0xb0;
		n = 4;
		break;
	case 0xb0:		/* block limits: only the maximum transfer length */
		n = 0x3c;
		put32(d + 8, MAX_XFER / BLOCK_SIZE);
		break;
	case 0x80:
		n = strlen(serial);
		memcpy(d + 4, serial, n);
		break;
	case 0x83: {
		uint32_t h = crc32c_update(~0u, cfg.target, strlen(cfg.target));
		uint8_t *p = d + 4;

		/* NAA 6 (IEEE registered extended), LU association */
		p[0] = 0x01;
		p[1] = 0x03;
		p[3] = 16;
		p[4] = 0x60;
		p[5] = 0x01;
		p[6] = 0x40;
		p[7] = 0x50;
		put32(p + 8, h);
		put32(p + 12, (uint32_t)lun_blocks);
		p += 20;
		/* T10 vendor ID */
		p[0] = 0x02;
		p[1] = 0x01;
		p[3] = 8 + strlen(serial);
		memcpy(p + 4, "VCONNECT", 8);
		memcpy(p + 12, serial, strlen(serial));
		p += 4 + p[3];
		n = p - (d + 4);
		break;
	}
	default:
		check(r, 5, 0x24, 0);
		return 0;
	}
	put16(d + 2, n);
	return n + 4;
}

static uint32_t emu_mode_sense(struct conn *c, const uint8_t *cdb, int ten, struct result *r)
{
	uint8_t *d = c->small;
	uint8_t pc = cdb[2] >> 6, page = cdb[2] & 0x3f, sub = cdb[3];
	uint32_t hl = ten ? 8 : 4, n = hl;

	memset(d, 0, 256);
	if (pc == 3) {
		check(r, 5, 0x39, 0);	/* saving parameters not supported */
		return 0;
	}
	if (sub && !(page == 0x3f && sub == 0xff)) {
		check(r, 5, 0x24, 0);
		return 0;
	}
	if (page == 0x08 || page == 0x3f) {	/* caching: WCE=0, RCD=0 */
		d[n] = 0x08;
		d[n + 1] = 0x12;
		n += 20;
	}
	if (page == 0x0a || page == 0x3f) {	/* control */
		d[n] = 0x0a;
		d[n + 1] = 0x0a;
		n += 12;
	}
	if (n == hl && page != 0x3f) {
		check(r, 5, 0x24, 0);
		return 0;
	}
	if (ten) {
		put16(d, n - 2);
		d[3] = 0x10;		/* DPOFUA: RAM, FUA is free */
	} else {
		d[0] = n - 1;
		d[2] = 0x10;
	}
	return n;
}

static int is_rw(uint8_t op)
{
	switch (op) {
	case 0x08: case 0x28: case 0xa8: case 0x88:
		return 1;
	case 0x0a: case 0x2a: case 0xaa: case 0x8a:
		return 2;
	}
	return 0;
}

static const char *rw_name(uint8_t op)
{
	switch (op) {
	case 0x08: return "READ(6)";
	case 0x28: return "READ(10)";
	case 0xa8: return "READ(12)";
	case 0x88: return "READ(16)";
	case 0x0a: return "WRITE(6)";
	case 0x2a: return "WRITE(10)";
	case 0xaa: return "WRITE(12)";
	case 0x8a: return "WRITE(16)";
	}
	return "?";
}

/*
 * REPORT LUNS data: LUN 0, or with --report-luns N, N LUNs with LUN 0
 * last (1, 2, ..., N-1, 0; 256 and up in flat space addressing), so that
 * an initiator that reads only part of a long list misses LUN 0.
 */
#define REPORT_LUNS_MAX	2040	/* 8 + 8 * 2040 fits c->small */

static uint32_t emu_report_luns(struct conn *c)
{
	unsigned int n = cfg.report_luns ? cfg.report_luns : 1;
	uint8_t *p = c->small + 8;

	memset(c->small, 0, 8 + 8 * n);
	put32(c->small, 8 * n);
	for (unsigned int i = 1; i <= n; i++, p += 8) {
		unsigned int l = i % n;

		p[0] = l < 256 ? 0 : 0x40 | l >> 8;
		p[1] = l & 0xff;
	}
	return 8 + 8 * n;
}

/* Decode and execute one CDB (writes: only validated here). */
static void emulate(struct conn *c, const uint8_t *lun, const uint8_t *cdb, struct result *r)
{
	int lun0 = !memcmp(lun, "\0\0\0\0\0\0\0\0", 8);
	uint8_t op = cdb[0];
	uint32_t n = 0, alloc = 0;
	uint64_t lba = 0, cnt = 0;
	int rw = is_rw(op);

	memset(r, 0, sizeof(*r));
	r->name = rw ? rw_name(op) : "cmd";
	if (!lun0 && op != 0x12 && op != 0xa0) {
		check(r, 5, 0x25, 0);	/* logical unit not supported */
		return;
	}
	if (rw) {
		switch (op) {
		case 0x08: case 0x0a:
			lba = (cdb[1] & 0x1f) << 16 | get16(cdb + 2);
			cnt = cdb[4] ? cdb[4] : 256;
			break;
		case 0x28: case 0x2a:
			lba = get32(cdb + 2);
			cnt = get16(cdb + 7);
			break;
		case 0xa8: case 0xaa:
			lba = get32(cdb + 2);
			cnt = get32(cdb + 6);
			break;
		default:
			lba = get64(cdb + 2);
			cnt = get32(cdb + 10);
			break;
		}
		if (op != 0x08 && op != 0x0a && (cdb[1] & 0xe0)) {
			check(r, 5, 0x24, 0);	/* RD/WRPROTECT without protection */
			return;
		}
		if (lba > lun_blocks || cnt > lun_blocks - lba) {
			check(r, 5, 0x21, 0);	/* LBA out of range */
			return;
		}
		if (cnt * BLOCK_SIZE > MAX_XFER) {
			check(r, 5, 0x24, 0);
			return;
		}
		r->rw = rw;
		r->off = lba * BLOCK_SIZE;
		r->bytes = cnt * BLOCK_SIZE;
		if (rw == 1) {
			r->data = lun_mem + r->off;
			r->len = r->bytes;
		}
		return;
	}
	switch (op) {
	case 0x00:		/* TEST UNIT READY */
	case 0x35:		/* SYNCHRONIZE CACHE(10) */
	case 0x91:		/* SYNCHRONIZE CACHE(16) */
	case 0x1b:		/* START STOP UNIT */
		return;
	case 0x12:		/* INQUIRY */
		alloc = get16(cdb + 3);
		n = emu_inquiry(c, cdb, lun0, r);
		break;
	case 0xa0:		/* REPORT LUNS */
		alloc = get32(cdb + 6);
		if (alloc < 16) {
			check(r, 5, 0x24, 0);
			return;
		}
		n = emu_report_luns(c);
		break;
	case 0x25:		/* READ CAPACITY(10) */
		memset(c->small, 0, 8);
		put32(c->small, lun_blocks - 1 > 0xffffffffu ? 0xffffffffu :
			       (uint32_t)(lun_blocks - 1));
		put32(c->small + 4, BLOCK_SIZE);
		n = alloc = 8;
		break;
	case 0x9e:		/* SERVICE ACTION IN(16) */
		if ((cdb[1] & 0x1f) != 0x10) {
			check(r, 5, 0x24, 0);
			return;
		}
		alloc = get32(cdb + 10);
		memset(c->small, 0, 32);
		put64(c->small, lun_blocks - 1);
		put32(c->small + 8, BLOCK_SIZE);
		n = 32;
		break;
	case 0x1a:		/* MODE SENSE(6) */
		alloc = cdb[4];
		n = emu_mode_sense(c, cdb, 0, r);
		break;
	case 0x5a:		/* MODE SENSE(10) */
		alloc = get16(cdb + 7);
		n = emu_mode_sense(c, cdb, 1, r);
		break;
	default:
		check(r, 5, 0x20, 0);	/* invalid command operation code */
		return;
	}
	if (r->status)
		return;
	r->data = c->small;
	r->len = n < alloc ? n : alloc;
}

/* ---- responses and faults ---------------------------------------------------------- */

struct cmdctx {
	const uint8_t *bhs;	/* the command's header */
	uint32_t itt;
	uint32_t edtl;
	uint32_t r2ts;		/* R2Ts sent, for ExpDataSN */
	const char *name;
};

static void residual(uint32_t have, uint32_t edtl, uint8_t *flags, uint32_t *res)
{
	*flags = 0;
	*res = 0;
	if (have < edtl) {
		*flags = FL_UNDER;
		*res = edtl - have;
	} else if (have > edtl) {
		*flags = FL_OVER;
		*res = have - edtl;
	}
}

static int send_scsi_rsp(struct conn *c, const struct cmdctx *x, const struct result *r,
			 uint32_t have, uint32_t expdatasn, uint32_t itt, int corrupt,
			 size_t trunc)
{
	uint8_t h[BHS_LEN] = { OP_SCSI_RSP, FL_FINAL };
	uint8_t sense[20];
	uint32_t res;
	uint8_t rf;

	if (r->status == SAM_GOOD) {
		residual(have, x->edtl, &rf, &res);
		h[1] |= rf;
		put32(h + 44, res);
	}
	h[3] = r->status;
	put32(h + 16, itt);
	fill_sn(c, h, 1);
	put32(h + 36, expdatasn);
	if (trunc) {
		put24(h + 5, 0);
		return write(c->fd, h, trunc) == (ssize_t)trunc ? 0 : -1;
	}
	if (r->has_sense) {
		put16(sense, 18);
		memcpy(sense + 2, r->sense, 18);
		return send_pdu(c, h, sense, 20, corrupt);
	}
	return send_pdu(c, h, NULL, 0, corrupt);
}

static void datain_hdr(struct conn *c, uint8_t *h, const struct cmdctx *x, uint32_t datasn,
		       uint32_t off)
{
	memset(h, 0, BHS_LEN);
	h[0] = OP_DATA_IN;
	memcpy(h + 8, x->bhs + 8, 8);	/* LUN */
	put32(h + 16, x->itt);
	put32(h + 20, RSVD_TAG);
	put32(h + 36, datasn);
	put32(h + 40, off);
	fill_sn(c, h, 0);
	put32(h + 24, 0);		/* StatSN reserved without S */
}

/*
 * Send the data of a read as a Data-In sequence, status collapsed into the
 * last PDU.  bad_datasn skips DataSN 1 (and splits the data if needed);
 * corrupt applies to the first PDU only.
 */
static int send_datain(struct conn *c, const struct cmdctx *x, const struct result *r,
		       int corrupt, int bad_datasn)
{
	uint32_t total = r->len < x->edtl ? r->len : x->edtl;
	uint32_t off = 0, datasn = 0, burst = 0, res;
	uint32_t maxpdu = c->init_mrdsl;
	uint8_t h[BHS_LEN], rf;

	if (bad_datasn && total >= 2 && maxpdu >= total)
		maxpdu = (total / 2 + 3) & ~3u;
	while (off < total) {
		uint32_t n = total - off;
		int last;

		if (n > maxpdu)
			n = maxpdu;
		if (n > c->max_burst - burst)
			n = c->max_burst - burst;
		last = off + n == total;
		datain_hdr(c, h, x, datasn, off);
		burst += n;
		if (last || burst == c->max_burst) {
			h[1] |= FL_FINAL;
			burst = 0;
		}
		if (last) {
			residual(r->len, x->edtl, &rf, &res);
			h[1] |= FL_STATUS | rf;
			h[3] = SAM_GOOD;
			put32(h + 44, res);
			put32(h + 24, c->statsn++);
		}
		if (send_pdu(c, h, r->data + off, n, corrupt) < 0)
			return -1;
		corrupt = 0;
		off += n;
		datasn += (bad_datasn && datasn == 0) ? 2 : 1;
	}
	return 0;
}

/* The normal response to a command whose data (if any) is in. */
static int respond_normal(struct conn *c, const struct cmdctx *x, const struct result *r,
			  int corrupt)
{
	if (r->status == SAM_GOOD && r->data && r->len && x->edtl)
		return send_datain(c, x, r, corrupt, 0);
	return send_scsi_rsp(c, x, r, r->rw == 2 ? r->bytes : r->len, x->r2ts, x->itt,
			     corrupt, 0);
}


/* Is the configured fault applicable to this command's response? */
static int fault_applies(struct conn *c, const struct cmdctx *x, const struct result *r)
{
	enum fault f = cfg.fault;

	if (f == F_NONE || !r->rw || c->fault_done || c->discovery)
		return 0;
	if (cfg.fault_lba_set &&
	    (cfg.fault_lba < r->off / BLOCK_SIZE ||
	     cfg.fault_lba >= (r->off + r->bytes) / BLOCK_SIZE))
		return 0;
	if (fault_needs_datain(f) &&
	    !(r->rw == 1 && r->status == SAM_GOOD && r->len >= 2 && x->edtl >= 2))
		return 0;
	if (f == F_BAD_HDIGEST && !c->hd)
		return 0;
	if (f == F_BAD_DDIGEST && !c->dd)
		return 0;
	return 1;
}

static double since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) + (b.tv_nsec - a->tv_nsec) / 1e9;
}

/*
 * After a fault: read and discard what the initiator sends until it closes
 * the connection or linger seconds pass (0: forever), and say which.
 */
static void drain(struct conn *c, const char *what, double linger)
{
	static uint8_t junk[65536];
	struct timespec start;
	unsigned long bytes = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		double left = linger - since(&start);
		int ms = linger > 0 ? (left > 0 ? (int)(left * 1000) + 1 : 0) : -1;
		ssize_t r;

		if (linger > 0 && left <= 0) {
			logmsg("conn %u: initiator still connected %.1f s after %s (sent %lu bytes since); closing",
			       c->id, linger, what, bytes);
			return;
		}
		if (poll(&p, 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (!p.revents)
			continue;
		r = read(c->fd, junk, sizeof(junk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			logmsg("conn %u: initiator closed the connection %.3f s after %s (sent %lu bytes since)",
			       c->id, since(&start), what, bytes);
			return;
		}
		bytes += r;
	}
}

static double fault_linger = 5.0;

/* Inject fault f in place of the normal response.  Returns 0 to go on, -1 to close. */
static int inject(struct conn *c, const struct cmdctx *x, const struct result *r, enum fault f)
{
	const char *fn = fault_names[f];
	char what[64];
	uint8_t h[BHS_LEN];
	char detail[160];
	int rc = 0;

	c->fault_done = 1;
	STAT_INC(faults);
	snprintf(detail, sizeof(detail), "%s lba %llu blocks %u edtl %u", x->name,
		 (unsigned long long)(r->off / BLOCK_SIZE), r->bytes / BLOCK_SIZE, x->edtl);
	snprintf(what, sizeof(what), "the %s fault", fn);

	switch (f) {
	case F_BAD_OPCODE:
		memset(h, 0, BHS_LEN);
		h[0] = OP_UNDEFINED;
		h[1] = FL_FINAL;
		put32(h + 16, x->itt);
		fill_sn(c, h, 0);
		logmsg("fault %s injected on conn %u (itt 0x%x): opcode 0x%02x instead of the response to %s",
		       fn, c->id, x->itt, OP_UNDEFINED, detail);
		rc = send_pdu(c, h, NULL, 0, 0);
		break;
	case F_LONG_DSL: {
		uint32_t len = c->init_mrdsl + 512;
		uint8_t *buf;

		if (len > 16777215)
			len = 16777215;
		buf = calloc(1, len);
		if (!buf)
			return -1;
		if (r->off + len <= lun_bytes)
			memcpy(buf, lun_mem + r->off, len);
		datain_hdr(c, h, x, 0, 0);
		h[1] = FL_FINAL;
		logmsg("fault %s injected on conn %u (itt 0x%x): Data-In DataSegmentLength %u > the initiator's MaxRecvDataSegmentLength %u, for %s",
		       fn, c->id, x->itt, len, c->init_mrdsl, detail);
		rc = send_pdu(c, h, buf, len, 0);
		free(buf);
		break;
	}
	case F_UNKNOWN_ITT: {
		uint32_t bogus = 0x0badf00du;
		struct result good = *r;

		for (;;) {
			int clash = bogus == x->itt || bogus == RSVD_TAG;

			for (int i = 0; i < MAX_TASKS; i++)
				clash |= c->tasks[i].used && c->tasks[i].itt == bogus;
			if (!clash)
				break;
			bogus++;
		}
		good.status = SAM_GOOD;
		good.has_sense = 0;
		logmsg("fault %s injected on conn %u (itt 0x%x): SCSI Response with itt 0x%x instead of the response to %s",
		       fn, c->id, x->itt, bogus, detail);
		rc = send_scsi_rsp(c, x, &good, x->edtl, 0, bogus, 0, 0);
		break;
	}
	case F_BAD_HDIGEST:
	case F_BAD_DDIGEST:
		logmsg("fault %s injected on conn %u (itt 0x%x): wrong %s digest on the first PDU of the response to %s",
		       fn, c->id, x->itt, f == F_BAD_HDIGEST ? "header" : "data", detail);
		rc = respond_normal(c, x, r, f == F_BAD_HDIGEST ? CORRUPT_HD : CORRUPT_DD);
		break;
	case F_TRUNCATED:
		logmsg("fault %s injected on conn %u (itt 0x%x): 20 of 48 header bytes, then close, for %s",
		       fn, c->id, x->itt, detail);
		send_scsi_rsp(c, x, r, r->len, x->r2ts, x->itt, 0, 20);
		shutdown(c->fd, SHUT_WR);
		drain(c, what, fault_linger);
		return -1;
	case F_STALL:
		logmsg("fault %s injected on conn %u (itt 0x%x): no more responses on this connection, from %s",
		       fn, c->id, x->itt, detail);
		drain(c, what, 0);
		return -1;
	case F_DATAIN_OVERFLOW: {
		uint32_t n = c->init_mrdsl < BLOCK_SIZE ? c->init_mrdsl : BLOCK_SIZE;
		static const uint8_t zero[BLOCK_SIZE];

		datain_hdr(c, h, x, 0, x->edtl);
		h[1] = FL_FINAL;
		logmsg("fault %s injected on conn %u (itt 0x%x): Data-In BufferOffset %u + %u > EDTL %u, for %s",
		       fn, c->id, x->itt, x->edtl, n, x->edtl, detail);
		rc = send_pdu(c, h, zero, n, 0);
		break;
	}
	case F_BAD_DATASN:
		logmsg("fault %s injected on conn %u (itt 0x%x): Data-In DataSN 0, 2, ... (1 skipped), for %s",
		       fn, c->id, x->itt, detail);
		rc = send_datain(c, x, r, 0, 1);
		break;
	case F_REJECT:
		logmsg("fault %s injected on conn %u (itt 0x%x): Reject (protocol error) of %s",
		       fn, c->id, x->itt, detail);
		send_reject(c, REJ_PROTOCOL, x->bhs);
		break;
	case F_HOLD:
		if (c->nheld == MAX_HELD)
			return respond_normal(c, x, r, 0);
		c->held[c->nheld++] = x->itt;
		logmsg("fault %s injected on conn %u (itt 0x%x): response withheld (NOP-Outs still answered), for %s",
		       fn, c->id, x->itt, detail);
		return 0;
	case F_ASYNC_LOGOUT:
	case F_ASYNC_DROP:
		memset(h, 0, BHS_LEN);
		h[0] = OP_ASYNC;
		h[1] = FL_FINAL;
		put32(h + 16, RSVD_TAG);
		fill_sn(c, h, 1);
		if (f == F_ASYNC_LOGOUT) {
			h[36] = 1;
			put16(h + 42, 2);	/* Parameter3: log out within 2 s */
		} else {
			h[36] = 2;
			put16(h + 38, c->cid);	/* Parameter1: CID */
			put16(h + 40, cfg.async_t2w);	/* Parameter2: Time2Wait */
			put16(h + 42, 0);	/* Parameter3: Time2Retain */
		}
		logmsg("fault %s injected on conn %u (itt 0x%x): Async Message event %u %s %s",
		       fn, c->id, x->itt, h[36],
		       f == F_ASYNC_LOGOUT ? "(logout requested within 2 s), then the response to" :
					     "(dropping the connection, Time2Wait in Parameter2) instead of the response to",
		       detail);
		rc = send_pdu(c, h, NULL, 0, 0);
		if (rc == 0 && f == F_ASYNC_LOGOUT)
			return respond_normal(c, x, r, 0);
		if (f == F_ASYNC_DROP) {
			shutdown(c->fd, SHUT_WR);
			drain(c, what, fault_linger);
			return -1;
		}
		break;
	default:
		return respond_normal(c, x, r, 0);
	}
	if (rc == 0)
		drain(c, what, fault_linger);
	return -1;
}

/* Queue a READ/WRITE response to be sent cfg.delay_ms from now. */
static void delay_response(struct conn *c, const struct cmdctx *x, const struct result *r)
{
	struct delayed *d = &c->delayed[c->ndelayed++];

	clock_gettime(CLOCK_MONOTONIC, &d->due);
	d->due.tv_nsec += (long)(cfg.delay_ms % 1000) * 1000000L;
	d->due.tv_sec += cfg.delay_ms / 1000 + d->due.tv_nsec / 1000000000L;
	d->due.tv_nsec %= 1000000000L;
	memcpy(d->bhs, x->bhs, BHS_LEN);
	d->itt = x->itt;
	d->edtl = x->edtl;
	d->r2ts = x->r2ts;
	d->r = *r;
}

/*
 * Send the delayed responses that are due. Returns the milliseconds until
 * the next one is, -1 when none is left, -2 when the connection failed.
 */
static int send_due(struct conn *c)
{
	while (c->ndelayed) {
		struct delayed d = c->delayed[0];
		struct cmdctx x = { .bhs = d.bhs, .itt = d.itt, .edtl = d.edtl,
				    .r2ts = d.r2ts, .name = d.r.name };
		double left = -since(&d.due);

		if (left > 0)
			return (int)(left * 1000) + 1;
		memmove(&c->delayed[0], &c->delayed[1], --c->ndelayed * sizeof(d));
		if (respond_normal(c, &x, &d.r, 0) < 0)
			return -2;
	}
	return -1;
}

/* Forget delayed responses: the one of @itt, or all (RSVD_TAG). */
static unsigned int undelay(struct conn *c, uint32_t itt)
{
	unsigned int i = 0, n = 0;

	while (i < c->ndelayed) {
		if (itt == RSVD_TAG || c->delayed[i].itt == itt) {
			memmove(&c->delayed[i], &c->delayed[i + 1],
				(c->ndelayed - i - 1) * sizeof(c->delayed[0]));
			c->ndelayed--;
			n++;
		} else {
			i++;
		}
	}
	return n;
}

/* Respond to a finished command, injecting the fault if it is due. */
static int respond(struct conn *c, const struct cmdctx *x, const struct result *r)
{
	if (cfg.fault != F_LATE_WRITE && fault_applies(c, x, r) &&
	    ++c->rw_count >= cfg.fault_after) {
		if (claim_fault())
			return inject(c, x, r, cfg.fault);
		c->fault_done = 1;	/* budget used up elsewhere */
	}
	if (cfg.delay_ms && r->rw && c->ndelayed < MAX_DELAYED) {
		delay_response(c, x, r);
		return 0;
	}
	return respond_normal(c, x, r, 0) < 0 ? -1 : 0;
}

/* ---- writes ------------------------------------------------------------------------ */

static struct wtask *find_task(struct conn *c, uint32_t itt)
{
	for (int i = 0; i < MAX_TASKS; i++)
		if (c->tasks[i].used && c->tasks[i].itt == itt)
			return &c->tasks[i];
	return NULL;
}

static void store(struct wtask *t, uint32_t off, const uint8_t *data, uint32_t len)
{
	if (off >= t->xfer)
		return;
	if (len > t->xfer - off)
		len = t->xfer - off;
	if (t->late_buf)
		memcpy(t->late_buf + off, data, len);
	else
		memcpy(lun_mem + t->lun_off + off, data, len);
}

/* The late write reaches the LUN now. */
static void land_late(struct conn *c, const char *why)
{
	if (!late.held)
		return;
	memcpy(lun_mem + late.off, late.buf, late.len);
	late.held = 0;
	__atomic_store_n(&sh->late_pid, 0, __ATOMIC_RELEASE);
	logmsg("conn %u: late WRITE itt 0x%x lba %llu landed %s", c->id, late.itt,
	       (unsigned long long)(late.off / BLOCK_SIZE), why);
}

/* From a signal handler: land it, say so in one write. */
static void land_late_async(const char *msg, size_t len)
{
	if (!late.held)
		return;
	memcpy(lun_mem + late.off, late.buf, late.len);
	late.held = 0;
	__atomic_store_n(&sh->late_pid, 0, __ATOMIC_RELEASE);
	if (write(log_fd, msg, len) < 0) {
		/* nothing sensible to do */
	}
}

/* A session reinstatement (SIGTERM from the new login): land it and go. */
static void late_on_term(int sig)
{
	static const char msg[] = "late WRITE landed: session reinstated\n";

	(void)sig;
	land_late_async(msg, sizeof(msg) - 1);
	_exit(0);
}

/* A LUN or target reset on another connection (SIGUSR1): land it. */
static void late_on_usr1(int sig)
{
	static const char msg[] = "late WRITE landed: reset on another connection\n";

	(void)sig;
	land_late_async(msg, sizeof(msg) - 1);
}

/*
 * A reset of the LUN or the target ends every task on it, whichever
 * connection holds it: land ours, and have the holder of another land
 * its own before we answer.
 */
static void land_all_late(struct conn *c, const char *why)
{
	struct timespec start;
	pid_t p;

	land_late(c, why);
	p = __atomic_load_n(&sh->late_pid, __ATOMIC_ACQUIRE);
	if (!p || p == getpid())
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	kill(p, SIGUSR1);
	while (__atomic_load_n(&sh->late_pid, __ATOMIC_ACQUIRE) == p && since(&start) < 10)
		usleep(1000);
	logmsg("conn %u: late WRITE of process %d landed %s", c->id, (int)p, why);
}

/* Milliseconds until the late write lands by itself (0: due), -1: none. */
static int late_due_ms(void)
{
	double left;

	if (!late.held)
		return -1;
	left = -since(&late.due);
	return left > 0 ? (int)(left * 1000) + 1 : 0;
}

/* Is this new WRITE the one the late-write fault keeps? */
static int late_claim(struct conn *c, const struct cmdctx *x, const struct result *r)
{
	if (cfg.fault != F_LATE_WRITE || late.held || !fault_applies(c, x, r))
		return 0;
	if (++c->rw_count < cfg.fault_after || !claim_fault())
		return 0;
	STAT_INC(faults);
	return 1;
}

/* Request more data, or finish the write.  Returns -1 to close. */
static int advance(struct conn *c, struct wtask *t)
{
	if (!t->unsol_done || t->r2t_active)
		return 0;
	if (t->next_r2t < t->edtl) {
		uint8_t h[BHS_LEN] = { OP_R2T, FL_FINAL };
		uint32_t len = t->edtl - t->next_r2t;

		if (len > c->max_burst)
			len = c->max_burst;
		t->ttt = c->next_ttt++;
		if (c->next_ttt == RSVD_TAG)
			c->next_ttt = 1;
		memcpy(h + 8, t->bhs + 8, 8);
		put32(h + 16, t->itt);
		put32(h + 20, t->ttt);
		fill_sn(c, h, 0);
		put32(h + 36, t->r2tsn++);
		put32(h + 40, t->next_r2t);
		put32(h + 44, len);
		t->next_r2t += len;
		t->r2t_active = 1;
		t->exp_datasn = 0;
		return send_pdu(c, h, NULL, 0, 0);
	} else {
		struct cmdctx x = { .bhs = t->bhs, .itt = t->itt, .edtl = t->edtl,
				    .r2ts = t->r2tsn, .name = t->name };
		struct result r = { .status = SAM_GOOD, .rw = 2, .off = t->lun_off,
				    .bytes = t->cdb_bytes, .name = t->name };
		uint8_t bhs[BHS_LEN];

		memcpy(bhs, t->bhs, BHS_LEN);
		x.bhs = bhs;
		t->used = 0;
		if (t->late_buf) {
			late.buf = t->late_buf;
			late.off = t->lun_off;
			late.len = t->xfer;
			late.itt = t->itt;
			clock_gettime(CLOCK_MONOTONIC, &late.due);
			late.due.tv_sec += (time_t)fault_linger;
			late.due.tv_nsec += (long)((fault_linger - (time_t)fault_linger) * 1e9);
			if (late.due.tv_nsec >= 1000000000L) {
				late.due.tv_sec++;
				late.due.tv_nsec -= 1000000000L;
			}
			late.held = 1;
			t->late_buf = NULL;
			__atomic_store_n(&sh->late_pid, getpid(), __ATOMIC_RELEASE);
			logmsg("fault late-write injected on conn %u (itt 0x%x): %s lba %llu blocks %u held in the backstore, no response",
			       c->id, t->itt, t->name, (unsigned long long)(t->lun_off / BLOCK_SIZE),
			       t->xfer / BLOCK_SIZE);
			return 0;
		}
		return respond(c, &x, &r);
	}
}

static int proto_error(struct conn *c, const char *msg, uint32_t itt)
{
	STAT_INC(proto_errors);
	logmsg("conn %u: protocol error from initiator: %s (itt 0x%x); rejecting and closing",
	       c->id, msg, itt);
	send_reject(c, REJ_PROTOCOL, c->bhs);
	return -1;
}

static int start_write(struct conn *c, const struct cmdctx *x, const struct result *r)
{
	const uint8_t *b = c->bhs;
	struct wtask *t = NULL;

	if (c->dlen > x->edtl)
		return proto_error(c, "immediate data beyond the expected transfer length", x->itt);
	if (find_task(c, x->itt))
		return proto_error(c, "ITT of a write still in progress", x->itt);
	for (int i = 0; i < MAX_TASKS && !t; i++)
		if (!c->tasks[i].used)
			t = &c->tasks[i];
	if (!t) {
		struct result busy = { .status = SAM_TASK_SET_FULL };

		return send_scsi_rsp(c, x, &busy, 0, 0, x->itt, 0, 0) < 0 ? -1 : 0;
	}
	memset(t, 0, sizeof(*t));
	t->used = 1;
	t->itt = x->itt;
	memcpy(t->bhs, b, BHS_LEN);
	t->name = x->name;
	t->lun_off = r->off;
	t->cdb_bytes = r->bytes;
	t->edtl = x->edtl;
	t->xfer = r->bytes < x->edtl ? r->bytes : x->edtl;
	if (late_claim(c, x, r) && !(t->late_buf = calloc(1, t->xfer ? t->xfer : 1)))
		return -1;
	store(t, 0, c->data, c->dlen);
	t->received = c->dlen;
	t->unsol_hi = c->dlen;
	if ((b[1] & FL_FINAL) || c->dlen >= x->edtl) {
		t->unsol_done = 1;
	} else if (c->initial_r2t) {
		logmsg("conn %u: write itt 0x%x without F bit though InitialR2T=Yes; not waiting for unsolicited data",
		       c->id, x->itt);
		t->unsol_done = 1;
	}
	t->next_r2t = c->dlen;
	return advance(c, t);
}

static int data_out(struct conn *c)
{
	const uint8_t *b = c->bhs;
	uint32_t itt = get32(b + 16), ttt = get32(b + 20), off = get32(b + 40);
	struct wtask *t = find_task(c, itt);

	if (!t) {
		if (cfg.verbose)
			logmsg("conn %u: Data-Out for itt 0x%x with no write pending; discarded",
			       c->id, itt);
		return 0;
	}
	if (off > t->edtl || c->dlen > t->edtl - off)
		return proto_error(c, "Data-Out beyond the expected transfer length", itt);
	if (get32(b + 36) != t->exp_datasn) {
		char msg[80];

		snprintf(msg, sizeof(msg), "Data-Out DataSN %u, expected %u",
			 get32(b + 36), t->exp_datasn);
		return proto_error(c, msg, itt);
	}
	t->exp_datasn++;
	store(t, off, c->data, c->dlen);
	t->received += c->dlen;
	if (ttt == RSVD_TAG) {
		if (t->unsol_done)
			return proto_error(c, "unsolicited Data-Out after the first burst", itt);
		if (off + c->dlen > t->unsol_hi)
			t->unsol_hi = off + c->dlen;
		if (b[1] & FL_FINAL) {
			t->unsol_done = 1;
			t->next_r2t = t->unsol_hi;
		}
	} else {
		if (!t->r2t_active || ttt != t->ttt)
			return proto_error(c, "Data-Out with a stale Target Transfer Tag", itt);
		if (b[1] & FL_FINAL)
			t->r2t_active = 0;
	}
	return advance(c, t);
}

/* ---- full feature phase ---------------------------------------------------------------- */

static int scsi_command(struct conn *c)
{
	const uint8_t *b = c->bhs;
	struct cmdctx x = { .bhs = b, .itt = get32(b + 16), .edtl = get32(b + 20) };
	struct result r;

	STAT_INC(cmds);
	if (c->discovery)
		return proto_error(c, "SCSI command in a discovery session", x.itt);
	if (__atomic_load_n(&sh->hold_all, __ATOMIC_RELAXED)) {
		/* A hung backstore: no response; ABORT TASK still finds it. */
		if (c->nheld < MAX_HELD)
			c->held[c->nheld++] = x.itt;
		logmsg("conn %u: itt 0x%x cdb %02x held (SIGUSR2)", c->id, x.itt, b[32]);
		return 0;
	}
	emulate(c, b + 8, b + 32, &r);
	x.name = r.name;
	if (r.rw == 1)
		STAT_INC(reads);
	else if (r.rw == 2)
		STAT_INC(writes);
	if (cfg.verbose)
		logmsg("conn %u: itt 0x%x cdb %02x edtl %u status %u", c->id, x.itt, b[32],
		       x.edtl, r.status);
	if (r.rw == 2 && r.status == SAM_GOOD)
		return start_write(c, &x, &r);
	return respond(c, &x, &r);
}

static int nop_out(struct conn *c)
{
	const uint8_t *b = c->bhs;
	uint8_t h[BHS_LEN] = { OP_NOP_IN, FL_FINAL };
	uint32_t n = c->dlen < c->init_mrdsl ? c->dlen : c->init_mrdsl;

	if (get32(b + 16) == RSVD_TAG)
		return 0;		/* a reply to our ping (we send none) or no reply wanted */
	memcpy(h + 8, b + 8, 8);
	memcpy(h + 16, b + 16, 4);
	put32(h + 20, RSVD_TAG);
	fill_sn(c, h, 1);
	return send_pdu(c, h, c->data, n, 0);
}

/* Forget a withheld response; 1 if @itt was held. */
static int unhold(struct conn *c, uint32_t itt)
{
	for (unsigned int i = 0; i < c->nheld; i++) {
		if (c->held[i] == itt) {
			c->held[i] = c->held[--c->nheld];
			return 1;
		}
	}
	return 0;
}

static int task_mgmt(struct conn *c)
{
	const uint8_t *b = c->bhs;
	uint8_t h[BHS_LEN] = { OP_TMF_RSP, FL_FINAL };
	uint8_t func = b[1] & 0x7f, resp = 0;
	uint32_t ref = get32(b + 20);
	enum tmf_action act = func < TMF_FUNCS ? cfg.tmf[func] : TMF_COMPLETE;
	char note[64] = "";
	struct wtask *t;
	int close_after = 0;

	if (act == TMF_IGNORE) {
		logmsg("conn %u: task management function %u (ref itt 0x%x) not answered (--tmf)",
		       c->id, func, ref);
		return 0;
	}
	if (act == TMF_REJECT)
		func = 0;	/* answered below with Function rejected */

	switch (func) {
	case 0:
		resp = 255;
		snprintf(note, sizeof(note), " (rejected: --tmf)");
		break;
	case 1:			/* ABORT TASK */
		t = find_task(c, ref);
		if (late.held && late.itt == ref)
			land_late(c, "before ABORT TASK is answered");
		else if (unhold(c, ref))
			snprintf(note, sizeof(note), " (withheld task dropped)");
		else if (undelay(c, ref))
			snprintf(note, sizeof(note), " (delayed task dropped)");
		else if (t)
			t->used = 0;	/* aborted: it gets no response */
		else if (get32(b + 32) - c->exp_cmdsn >= CMD_WINDOW)
			resp = 1;	/* done already (RFC 7143 11.5.1 b) */
		break;
	case 2: case 4: case 5: case 6: case 7:
		if (func == 2 || func == 4)	/* this nexus's task set */
			land_late(c, "before the task management function is answered");
		else
			land_all_late(c, "before the reset is answered");
		for (int i = 0; i < MAX_TASKS; i++)
			c->tasks[i].used = 0;
		if (c->nheld)
			snprintf(note, sizeof(note), " (%u withheld tasks dropped)", c->nheld);
		else if (c->ndelayed)
			snprintf(note, sizeof(note), " (%u delayed tasks dropped)", c->ndelayed);
		c->nheld = 0;
		undelay(c, RSVD_TAG);
		close_after = func == 7;
		break;
	case 3:			/* CLEAR ACA */
		break;
	case 8:			/* TASK REASSIGN */
		resp = 4;
		break;
	default:
		resp = 5;
		break;
	}
	logmsg("conn %u: task management function %u (ref itt 0x%x) -> response %u%s",
	       c->id, b[1] & 0x7f, ref, resp, note);
	memcpy(h + 16, b + 16, 4);
	h[2] = resp;
	fill_sn(c, h, 1);
	if (send_pdu(c, h, NULL, 0, 0) < 0 || close_after)
		return -1;
	return 0;
}

struct text_state {
	struct conn *c;
	struct kvout out;
};

static void fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], host, sizeof(host));
			snprintf(buf, len, "%s:%d", host, ntohs(s6->sin6_port));
			return;
		}
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(buf, len, "[%s]:%d", host, port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(buf, len, "%s:%d", host, port);
	}
}

static void text_key(struct conn *c, const char *k, const char *v, void *arg)
{
	struct text_state *ts = arg;

	if (!strcmp(k, "SendTargets")) {
		char addr[96];

		if (strcmp(v, "All") && strcmp(v, cfg.target) && (*v || c->discovery))
			return;		/* another target: nothing to report */
		fmt_addr(&c->local, addr, sizeof(addr));
		snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), ",%u", c->tpgt);
		kv_add(&ts->out, "TargetName", cfg.target);
		kv_add(&ts->out, "TargetAddress", addr);
	} else {
		kv_add(&ts->out, k, "NotUnderstood");
	}
}

static int text_request(struct conn *c)
{
	static char keys[MAX_LOGIN_KEYS + 1];
	static uint32_t keylen;
	const uint8_t *b = c->bhs;
	uint8_t h[BHS_LEN] = { OP_TEXT_RSP };
	struct text_state *ts;
	int rc;

	if (keylen + c->dlen > MAX_LOGIN_KEYS) {
		keylen = 0;
		return proto_error(c, "too much text request data", get32(b + 16));
	}
	memcpy(keys + keylen, c->data, c->dlen);
	keylen += c->dlen;
	memcpy(h + 16, b + 16, 4);
	put32(h + 20, RSVD_TAG);
	if (b[1] & FL_CONT) {		/* more keys to come: empty reply */
		fill_sn(c, h, 1);
		put32(h + 20, 1);	/* a TTT so the initiator continues */
		return send_pdu(c, h, NULL, 0, 0);
	}
	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return -1;
	kv_each(c, keys, keylen, text_key, ts);
	keylen = 0;
	h[1] = FL_FINAL;
	fill_sn(c, h, 1);
	logmsg("conn %u: text request answered (%u bytes)", c->id, ts->out.len);
	rc = send_pdu(c, h, ts->out.buf, ts->out.len, 0);
	free(ts);
	return rc;
}

static int logout(struct conn *c)
{
	const uint8_t *b = c->bhs;
	uint8_t h[BHS_LEN] = { OP_LOGOUT_RSP, FL_FINAL };

	memcpy(h + 16, b + 16, 4);
	fill_sn(c, h, 1);
	logmsg("conn %u: logout (reason %u)", c->id, b[1] & 0x7f);
	land_late(c, "before the logout is answered");
	if (!c->discovery)
		end_sessions_of(getpid(), 1);
	send_pdu(c, h, NULL, 0, 0);
	shutdown(c->fd, SHUT_WR);
	drain(c, "the logout response", 2.0);
	return -1;
}

static void full_feature(struct conn *c)
{
	for (;;) {
		const uint8_t *b = c->bhs;
		uint8_t op;
		int r, rc = 0, ms = -1, lms;

		if (c->ndelayed) {
			ms = send_due(c);
			if (ms == -2)
				return;
		}
		lms = late_due_ms();
		if (lms == 0) {
			land_late(c, "by itself: the backstore finished it");
			lms = -1;
		}
		if (lms >= 0 && (ms < 0 || lms < ms))
			ms = lms;
		if (ms >= 0) {
			struct pollfd p = { .fd = c->fd, .events = POLLIN };

			r = poll(&p, 1, ms);
			if (r < 0 && errno != EINTR)
				return;
			if (r <= 0)
				continue;	/* something is due */
		}
		r = recv_pdu(c, OUR_MRDSL);
		if (r == 0)
			logmsg("conn %u: initiator closed the connection", c->id);
		if (r <= 0)
			return;
		op = b[0] & 0x3f;
		if (op == OP_NOP_OUT || op == OP_SCSI_CMD || op == OP_TMF ||
		    op == OP_TEXT || op == OP_LOGOUT) {
			uint32_t sn = get32(b + 24);

			if (!(b[0] & FL_IMM)) {
				if (sn - c->exp_cmdsn >= CMD_WINDOW) {
					/* RFC 7143 4.2.2.1: outside the window, ignore */
					logmsg("conn %u: CmdSN %u outside [%u, %u]; opcode 0x%02x itt 0x%x ignored",
					       c->id, sn, c->exp_cmdsn,
					       c->exp_cmdsn + CMD_WINDOW - 1, op, get32(b + 16));
					continue;
				}
				if (sn != c->exp_cmdsn)
					logmsg("conn %u: CmdSN %u, expected %u", c->id, sn,
					       c->exp_cmdsn);
				c->exp_cmdsn = sn + 1;
			}
		}
		switch (op) {
		case OP_NOP_OUT:
			rc = nop_out(c);
			break;
		case OP_SCSI_CMD:
			rc = scsi_command(c);
			break;
		case OP_TMF:
			rc = c->discovery ? proto_error(c, "TMF in a discovery session",
							get32(b + 16)) : task_mgmt(c);
			break;
		case OP_TEXT:
			rc = text_request(c);
			break;
		case OP_DATA_OUT:
			rc = data_out(c);
			break;
		case OP_LOGOUT:
			logout(c);
			return;
		case OP_SNACK:
			logmsg("conn %u: SNACK at ErrorRecoveryLevel 0; rejected", c->id);
			send_reject(c, REJ_PROTOCOL, b);
			break;
		default:
			STAT_INC(proto_errors);
			logmsg("conn %u: unknown opcode 0x%02x from initiator; rejected", c->id, op);
			send_reject(c, REJ_NOT_SUPPORTED, b);
			break;
		}
		if (rc < 0)
			return;
	}
}

static void serve(int fd, unsigned int id, unsigned int tpgt)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct sockaddr_storage peer;
	socklen_t sl = sizeof(peer);
	int one = 1;

	if (!c || !(c->data = malloc(OUR_MRDSL + 8)))
		exit(1);
	c->fd = fd;
	c->id = id;
	c->tpgt = tpgt;
	c->init_mrdsl = LOGIN_MRDSL;
	c->max_burst = BURST_CAP;
	c->first_burst = 65536;
	c->initial_r2t = 1;
	c->immediate_data = 1;
	c->next_ttt = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	getpeername(fd, (struct sockaddr *)&peer, &sl);
	fmt_addr(&peer, c->peer, sizeof(c->peer));
	sl = sizeof(c->local);
	getsockname(fd, (struct sockaddr *)&c->local, &sl);
	logmsg("conn %u: accepted from %s", id, c->peer);
	if (do_login(c) == 0)
		full_feature(c);
	if (late.held) {
		/*
		 * As LIO: a session whose connection failed is ended by the
		 * target alone, and a reinstatement does not wait for it.
		 */
		end_sessions_of(getpid(), 0);
		logmsg("conn %u: connection gone with late WRITE itt 0x%x in the backstore; it lands in %.1f s",
		       id, late.itt, late_due_ms() / 1000.0);
		while (late.held && late_due_ms() > 0)
			usleep(1000);
		land_late(c, "after the connection ended, unfenced (stale)");
	}
	close(fd);
	logmsg("conn %u: closed", id);
	exit(0);
}

/* ---- main ------------------------------------------------------------------------------ */

static void on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else
		got_term = 1;
}

static int open_listener(const char *spec, char *shown, size_t shownlen)
{
	char host[256], port[16];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE },
			*res, *ai;
	int fd = -1, one = 1, e;

	if (!colon || colon == spec || strlen(colon + 1) >= sizeof(port) ||
	    (size_t)(colon - spec) >= sizeof(host)) {
		fprintf(stderr, "hostile_target: --listen wants ADDR:PORT\n");
		return -1;
	}
	memcpy(host, spec, colon - spec);
	host[colon - spec] = 0;
	strcpy(port, colon + 1);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	e = getaddrinfo(host, port, &hints, &res);
	if (e) {
		fprintf(stderr, "hostile_target: %s: %s\n", spec, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "hostile_target: cannot listen on %s: %s\n", spec, strerror(errno));
		return -1;
	}
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		getsockname(fd, (struct sockaddr *)&ss, &sl);
		fmt_addr(&ss, shown, shownlen);
	}
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: hostile_target --listen ADDR:PORT [--listen ADDR:PORT...] --target IQN\n"
"                      [--size-mb N]\n"
"                      [--fault KIND] [--fault-after N] [--fault-count M]\n"
"                      [--fault-linger SECS] [--fault-lba LBA] [--delay-ms MS]\n"
"                      [--max-logins N] [--redirect HOST[:PORT]]\n"
"                      [--tmf FUNC=ACTION[,FUNC=ACTION...]]\n"
"                      [--digest] [--initial-r2t yes|no] [--report-luns N]\n"
"                      [--async-time2wait SECS]\n"
"                      [--log FILE] [--verbose]\n"
"A minimal iSCSI target with one RAM LUN; with --fault it sends one bad\n"
"PDU in place of the response to the Nth READ/WRITE of a connection;\n"
"SIGUSR1 adds one fault to the budget; SIGUSR2 stops (and resumes)\n"
"answering SCSI commands.\n"
"KIND:");
	for (size_t i = 1; i < N_FAULTS; i++)
		fprintf(f, " %s", fault_names[i]);
	fprintf(f, "\nFUNC: abort-task lun-reset target-warm-reset all\n"
		   "ACTION: complete reject ignore\n"
		   "See selftests/tools/README.rst.\n");
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	return parse_num(s, v) || *v > max ? -1 : 0;
}

/* --tmf abort-task=reject,lun-reset=ignore,... */
static int parse_tmf(char *spec)
{
	char *save = NULL, *item;

	for (item = strtok_r(spec, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int act = -1, func = -1;

		if (!eq)
			return -1;
		*eq = 0;
		for (int i = 0; i < 3; i++)
			if (!strcmp(eq + 1, tmf_action_names[i]))
				act = i;
		if (!strcmp(item, "all"))
			func = 0;
		for (int i = 1; i < TMF_FUNCS; i++)
			if (tmf_func_names[i] && !strcmp(item, tmf_func_names[i]))
				func = i;
		if (act < 0 || func < 0)
			return -1;
		for (int i = 1; i < TMF_FUNCS; i++)
			if (func == 0 || i == func)
				cfg.tmf[i] = act;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "target", required_argument, NULL, 't' },
		{ "size-mb", required_argument, NULL, 's' },
		{ "fault", required_argument, NULL, 'f' },
		{ "fault-after", required_argument, NULL, 'a' },
		{ "fault-count", required_argument, NULL, 'c' },
		{ "fault-linger", required_argument, NULL, 'g' },
		{ "fault-lba", required_argument, NULL, 'B' },
		{ "tmf", required_argument, NULL, 'T' },
		{ "delay-ms", required_argument, NULL, 'D' },
		{ "max-logins", required_argument, NULL, 'M' },
		{ "redirect", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'L' },
		{ "digest", no_argument, NULL, 'd' },
		{ "initial-r2t", required_argument, NULL, 'r' },
		{ "report-luns", required_argument, NULL, 'N' },
		{ "async-time2wait", required_argument, NULL, 'W' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	pid_t children[MAX_CHILDREN];
	int nchildren = 0, lfd[MAX_LISTEN], o;
	unsigned int id;
	char shown[MAX_LISTEN][128];
	sigset_t block, empty;
	struct sigaction sa;
	unsigned long v;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((o = getopt_long(argc, argv, "l:t:s:f:a:c:g:B:T:D:M:R:L:dr:N:W:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'l':
			if (cfg.nlisten == MAX_LISTEN) {
				fprintf(stderr, "hostile_target: at most %d --listen\n", MAX_LISTEN);
				return 2;
			}
			cfg.listen[cfg.nlisten++] = optarg;
			break;
		case 't': cfg.target = optarg; break;
		case 's':
			if (parse_ulong(optarg, 65536, &v) || !v)
				goto bad;
			cfg.size_mb = v;
			break;
		case 'f':
			for (size_t i = 1; i < N_FAULTS; i++)
				if (!strcmp(optarg, fault_names[i]))
					cfg.fault = i;
			if (!cfg.fault && strcmp(optarg, "none"))
				goto bad;
			break;
		case 'a':
			if (parse_ulong(optarg, 1u << 30, &v) || !v)
				goto bad;
			cfg.fault_after = v;
			break;
		case 'c':
			if (!strcmp(optarg, "-1") || !strcmp(optarg, "unlimited"))
				cfg.fault_count = -1;
			else if (parse_ulong(optarg, 1u << 30, &v))
				goto bad;
			else
				cfg.fault_count = v;
			break;
		case 'g':
			if (parse_ulong(optarg, 3600, &v))
				goto bad;
			fault_linger = v ? v : 0.001;
			break;
		case 'B':
			if (parse_ulong(optarg, ~0ul, &v))
				goto bad;
			cfg.fault_lba = v;
			cfg.fault_lba_set = 1;
			break;
		case 'T':
			if (parse_tmf(optarg))
				goto bad;
			break;
		case 'D':
			if (parse_ulong(optarg, 60000, &v))
				goto bad;
			cfg.delay_ms = v;
			break;
		case 'M':
			if (parse_ulong(optarg, 1u << 30, &v))
				goto bad;
			cfg.max_logins = v;
			break;
		case 'R':
			if (strlen(optarg) > 255) {
				fprintf(stderr, "--redirect: at most 255 characters\n");
				return 2;
			}
			cfg.redirect = optarg;
			break;
		case 'L': cfg.log_path = optarg; break;
		case 'd': cfg.digest = 1; break;
		case 'r':
			if (!strcmp(optarg, "yes"))
				cfg.initial_r2t = 1;
			else if (!strcmp(optarg, "no"))
				cfg.initial_r2t = 0;
			else
				goto bad;
			break;
		case 'N':
			if (parse_ulong(optarg, REPORT_LUNS_MAX, &v) || !v)
				goto bad;
			cfg.report_luns = v;
			break;
		case 'W':
			if (parse_ulong(optarg, 3600, &v))
				goto bad;
			cfg.async_t2w = v;
			break;
		case 'v': cfg.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !cfg.nlisten || !cfg.target || !*cfg.target ||
	    strlen(cfg.target) > 223) {
		usage(stderr);
		return 2;
	}
	if ((cfg.fault == F_BAD_HDIGEST || cfg.fault == F_BAD_DDIGEST) && !cfg.digest)
		fprintf(stderr, "hostile_target: warning: --fault %s needs --digest and an initiator that negotiates CRC32C\n",
			fault_names[cfg.fault]);
	if (cfg.log_path) {
		log_fd = open(cfg.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			fprintf(stderr, "hostile_target: %s: %s\n", cfg.log_path, strerror(errno));
			return 1;
		}
	}
	crc32c_init();
	lun_bytes = cfg.size_mb << 20;
	lun_blocks = lun_bytes / BLOCK_SIZE;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lun_mem = mmap(NULL, lun_bytes, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sh == MAP_FAILED || lun_mem == MAP_FAILED) {
		fprintf(stderr, "hostile_target: mmap: %s\n", strerror(errno));
		return 1;
	}
	sh->fault_budget = cfg.fault == F_NONE ? 0 : cfg.fault_count;

	for (int i = 0; i < cfg.nlisten; i++) {
		lfd[i] = open_listener(cfg.listen[i], shown[i], sizeof(shown[i]));
		if (lfd[i] < 0)
			return 1;
	}

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	logmsg("target %s, LUN 0: %llu blocks of %u bytes (%llu MiB); fault %s after %u, count %ld%s",
	       cfg.target, (unsigned long long)lun_blocks, BLOCK_SIZE,
	       (unsigned long long)cfg.size_mb, fault_names[cfg.fault], cfg.fault_after,
	       cfg.fault_count, cfg.digest ? "; digests offered" : "");
	for (int i = 1; i < TMF_FUNCS; i++)
		if (cfg.tmf[i] != TMF_COMPLETE && tmf_func_names[i])
			logmsg("task management function %u (%s): %s", i,
			       tmf_func_names[i], tmf_action_names[cfg.tmf[i]]);
	if (cfg.delay_ms)
		logmsg("READ/WRITE responses delayed by %u ms", cfg.delay_ms);
	for (int i = 0; i < cfg.nlisten; i++) {
		logmsg("listening on %s (portal group %d)", shown[i], i + 1);
		if (log_fd != 2)
			fprintf(stderr, "listening on %s (portal group %d)\n", shown[i], i + 1);
	}

	while (!got_term) {
		struct pollfd p[MAX_LISTEN];
		int fd, ready = -1;

		for (int i = 0; i < cfg.nlisten; i++)
			p[i] = (struct pollfd){ .fd = lfd[i], .events = POLLIN };
		if (ppoll(p, cfg.nlisten, NULL, &empty) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < cfg.nlisten && ready < 0; i++)
			if (p[i].revents & POLLIN)
				ready = i;
		if (got_chld) {
			pid_t pid;

			got_chld = 0;
			int st;

			while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
				if (WIFSIGNALED(st) && WTERMSIG(st) != SIGTERM) {
					sh->crashes++;
					logmsg("BUG: connection process %d died of signal %d",
					       (int)pid, WTERMSIG(st));
				} else if (WIFEXITED(st) && WEXITSTATUS(st)) {
					logmsg("connection process %d exited with status %d",
					       (int)pid, WEXITSTATUS(st));
				}
				end_sessions_of(pid, 0);
				for (int i = 0; i < nchildren; i++)
					if (children[i] == pid)
						children[i] = children[--nchildren];
			}
		}
		if (got_usr1) {
			long budget;

			got_usr1 = 0;
			sh_lock();
			if (sh->fault_budget >= 0)
				sh->fault_budget++;
			budget = sh->fault_budget;
			sh_unlock();
			logmsg("SIGUSR1: one more fault; budget %ld", budget);
		}
		if (got_usr2) {
			int hold = !__atomic_load_n(&sh->hold_all, __ATOMIC_RELAXED);

			got_usr2 = 0;
			__atomic_store_n(&sh->hold_all, hold, __ATOMIC_RELAXED);
			logmsg("SIGUSR2: SCSI commands are now %s", hold ? "held" : "answered");
		}
		if (got_term || ready < 0)
			continue;
		fd = accept4(lfd[ready], NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		id = ++sh->conns;
		if (nchildren >= MAX_CHILDREN) {
			logmsg("conn %u: refused, %d connections open", id, nchildren);
			close(fd);
			continue;
		}
		o = fork();
		if (o == 0) {
			int late_write = cfg.fault == F_LATE_WRITE;

			for (int i = 0; i < cfg.nlisten; i++)
				close(lfd[i]);
			signal(SIGTERM, late_write ? late_on_term : SIG_DFL);
			signal(SIGINT, SIG_DFL);
			signal(SIGCHLD, SIG_DFL);
			signal(SIGUSR1, late_write ? late_on_usr1 : SIG_DFL);
			signal(SIGUSR2, SIG_DFL);
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			sigprocmask(SIG_SETMASK, &empty, NULL);
			if (getppid() == 1)
				_exit(0);
			serve(fd, id, ready + 1);
		}
		if (o > 0)
			children[nchildren++] = o;
		else
			logmsg("fork: %s", strerror(errno));
		close(fd);
	}

	for (int i = 0; i < nchildren; i++)
		kill(children[i], SIGTERM);
	while (waitpid(-1, NULL, 0) > 0)
		;
	for (int i = 0; i < cfg.nlisten; i++)
		close(lfd[i]);
	logmsg("summary: connections %lu, logins %lu (discovery %lu), login failures %lu, "
	       "reinstatements %lu, commands %lu (reads %lu, writes %lu), faults injected %lu, "
	       "initiator protocol errors %lu, crashes %lu",
	       sh->conns, sh->logins, sh->disc_logins, sh->login_failures, sh->reinstatements,
	       sh->cmds, sh->reads, sh->writes, sh->faults, sh->proto_errors, sh->crashes);
	return 0;
bad:
	fprintf(stderr, "hostile_target: bad value for option: %s\n", optarg);
	usage(stderr);
	return 2;
}
