// SPDX-License-Identifier: GPL-2.0
/*
 * Text keys (RFC 7143 section 6) and negotiation of the operational keys
 * (section 13).
 *
 * A text data segment is a sequence of "key=value" strings, each
 * terminated by a NUL. Each operational key has a result function:
 * declarative (MaxRecvDataSegmentLength), list (digests), boolean OR/AND,
 * numerical minimum/maximum. The target answers each key we offer; it may
 * also offer keys itself, which we answer in the next Login PDU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "software.h"

#define VCSW_KEY_NAME_MAX	63	/* RFC 7143 6.1: up to 63 bytes */

int vcsw_text_init(struct vcsw_text *t, u32 size)
{
	t->buf = kmalloc(size, GFP_KERNEL);
	if (!t->buf)
		return -ENOMEM;
	t->size = size;
	t->len = 0;
	t->err = 0;
	return 0;
}

void vcsw_text_free(struct vcsw_text *t)
{
	kfree(t->buf);
	t->buf = NULL;
	t->size = 0;
	t->len = 0;
}

void vcsw_text_reset(struct vcsw_text *t)
{
	t->len = 0;
	t->err = 0;
}

void vcsw_text_add(struct vcsw_text *t, const char *key, const char *fmt, ...)
{
	u32 room = t->size - t->len;
	va_list ap;
	int n, k;

	if (t->err)
		return;
	k = snprintf(t->buf + t->len, room, "%s=", key);
	if (k >= room)
		goto overflow;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len + k, room - k, fmt, ap);
	va_end(ap);
	if (n >= room - k)
		goto overflow;
	/* vsnprintf wrote the NUL that terminates the pair. */
	t->len += k + n + 1;
	return;
overflow:
	t->err = -E2BIG;
}

/* Letters, digits and . - + @ _ (RFC 7143 6.1), and # of X# keys. */
static bool vcsw_key_name_ok(const char *k, size_t len)
{
	size_t i;

	if (!len || len > VCSW_KEY_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(k[i]) && !strchr(".-+@_#", k[i]))
			return false;
	return true;
}

/*
 * Walk "key=value\0" pairs in @buf (modified: '=' becomes NUL). Empty
 * strings (NUL padding) are skipped. A pair that is not NUL-terminated, a
 * pair without '=' or a malformed key name is a protocol error.
 */
int vcsw_text_parse(const char *buf, u32 len, vcsw_kv_fn fn, void *arg)
{
	char *p = (char *)buf, *end = (char *)buf + len;

	while (p < end) {
		char *nul = memchr(p, '\0', end - p);
		char *eq;
		int ret;

		if (!nul)
			return -EPROTO;
		if (nul == p) {
			p++;
			continue;
		}
		eq = memchr(p, '=', nul - p);
		if (!eq || !vcsw_key_name_ok(p, eq - p))
			return -EPROTO;
		*eq = '\0';
		ret = fn(arg, p, eq + 1);
		*eq = '=';
		if (ret)
			return ret;
		p = nul + 1;
	}
	return 0;
}

int vcsw_parse_num(const char *value, u32 min, u32 max, u32 *out)
{
	unsigned int base = 10;
	u32 v;

	if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X')) {
		value += 2;
		base = 16;
	}
	if (!*value || kstrtou32(value, base, &v) || v < min || v > max)
		return -EPROTO;
	*out = v;
	return 0;
}

enum vcsw_key_kind {
	VCSW_KK_DIGEST,		/* list: CRC32C, None */
	VCSW_KK_OR,		/* boolean, result is OR */
	VCSW_KK_AND,		/* boolean, result is AND */
	VCSW_KK_MIN,		/* number, result is the minimum */
	VCSW_KK_MAX,		/* number, result is the maximum */
	VCSW_KK_DECL,		/* declarative, one per direction */
};

enum vcsw_key_state {
	VCSW_KS_NONE,		/* not offered: default applies */
	VCSW_KS_OFFERED,	/* sent, waiting for the answer */
	VCSW_KS_DONE,		/* negotiated (answered or answered by us) */
};

struct vcsw_key_def {
	const char *name;
	u8 kind;
	bool session_only;	/* irrelevant in a discovery session */
	u32 min, max, def;
};

#define VCSW_MAX_24BIT	16777215

static const struct vcsw_key_def vcsw_keys[VCSW_KEY_NR] = {
	[VCSW_KEY_HEADER_DIGEST] = {
		"HeaderDigest", VCSW_KK_DIGEST, false, 0, 1, 0 },
	[VCSW_KEY_DATA_DIGEST] = {
		"DataDigest", VCSW_KK_DIGEST, false, 0, 1, 0 },
	[VCSW_KEY_MAX_CONNECTIONS] = {
		"MaxConnections", VCSW_KK_MIN, true, 1, 65535, 1 },
	[VCSW_KEY_INITIAL_R2T] = {
		"InitialR2T", VCSW_KK_OR, true, 0, 1, 1 },
	[VCSW_KEY_IMMEDIATE_DATA] = {
		"ImmediateData", VCSW_KK_AND, true, 0, 1, 1 },
	[VCSW_KEY_MAX_RECV_DSL] = {
		"MaxRecvDataSegmentLength", VCSW_KK_DECL, false,
		512, VCSW_MAX_24BIT, ISCSI_DEF_MAX_RECV_SEG_LEN },
	[VCSW_KEY_MAX_BURST_LENGTH] = {
		"MaxBurstLength", VCSW_KK_MIN, true,
		512, VCSW_MAX_24BIT, ISCSI_DEF_MAX_BURST_LEN },
	[VCSW_KEY_FIRST_BURST_LENGTH] = {
		"FirstBurstLength", VCSW_KK_MIN, true,
		512, VCSW_MAX_24BIT, ISCSI_DEF_FIRST_BURST_LEN },
	[VCSW_KEY_DEFAULT_TIME2WAIT] = {
		"DefaultTime2Wait", VCSW_KK_MAX, true, 0, 3600, 2 },
	[VCSW_KEY_DEFAULT_TIME2RETAIN] = {
		"DefaultTime2Retain", VCSW_KK_MIN, true, 0, 3600, 20 },
	[VCSW_KEY_MAX_OUTSTANDING_R2T] = {
		"MaxOutstandingR2T", VCSW_KK_MIN, true, 1, 65535, 1 },
	[VCSW_KEY_DATA_PDU_IN_ORDER] = {
		"DataPDUInOrder", VCSW_KK_OR, true, 0, 1, 1 },
	[VCSW_KEY_DATA_SEQUENCE_IN_ORDER] = {
		"DataSequenceInOrder", VCSW_KK_OR, true, 0, 1, 1 },
	[VCSW_KEY_ERROR_RECOVERY_LEVEL] = {
		"ErrorRecoveryLevel", VCSW_KK_MIN, true, 0, 2, 0 },
};

/* What we propose when the caller leaves a field zero. */
#define VCSW_WANT_MRDSL		262144
#define VCSW_WANT_MBL		16776192
#define VCSW_WANT_FBL		262144
#define VCSW_WANT_T2W		2
#define VCSW_WANT_T2R		0

static u32 vcsw_or_default(u32 v, u32 def, u32 min, u32 max)
{
	return clamp(v ? v : def, min, max);
}

/*
 * The contract's booleans cannot say "unset". A want whose numeric fields
 * are all zero is taken as "not filled in": the booleans whose RFC/vconnect
 * default is Yes (ImmediateData) then get that default; otherwise they are
 * taken as given. DataPDUInOrder and DataSequenceInOrder are always
 * proposed as Yes: the datapath accepts only in-order data, and with the
 * OR result function a Yes offer guarantees a Yes result.
 */
void vcsw_nego_init(struct vcsw_nego *n, const struct vconnect_iscsi_params *w,
		    bool discovery)
{
	bool unset = !(w->max_recv_dsl | w->max_burst_length |
		       w->first_burst_length | w->max_outstanding_r2t |
		       w->max_connections | w->default_time2wait |
		       w->default_time2retain);
	u32 *o = n->offer;
	int i;

	memset(n, 0, sizeof(*n));
	n->discovery = discovery;
	o[VCSW_KEY_HEADER_DIGEST] = w->header_digest;
	o[VCSW_KEY_DATA_DIGEST] = w->data_digest;
	o[VCSW_KEY_MAX_CONNECTIONS] = vcsw_or_default(w->max_connections, 1,
						      1, 65535);
	o[VCSW_KEY_INITIAL_R2T] = w->initial_r2t;
	o[VCSW_KEY_IMMEDIATE_DATA] = unset ? 1 : w->immediate_data;
	o[VCSW_KEY_MAX_RECV_DSL] = vcsw_or_default(w->max_recv_dsl,
						   VCSW_WANT_MRDSL, 512,
						   VCSW_MAX_24BIT);
	o[VCSW_KEY_MAX_BURST_LENGTH] = vcsw_or_default(w->max_burst_length,
						       VCSW_WANT_MBL, 512,
						       VCSW_MAX_24BIT);
	o[VCSW_KEY_FIRST_BURST_LENGTH] =
		vcsw_or_default(w->first_burst_length, VCSW_WANT_FBL, 512,
				o[VCSW_KEY_MAX_BURST_LENGTH]);
	o[VCSW_KEY_DEFAULT_TIME2WAIT] = vcsw_or_default(w->default_time2wait,
							VCSW_WANT_T2W, 0, 3600);
	o[VCSW_KEY_DEFAULT_TIME2RETAIN] = min_t(u32, w->default_time2retain,
						3600);
	o[VCSW_KEY_MAX_OUTSTANDING_R2T] =
		vcsw_or_default(w->max_outstanding_r2t, 1, 1, VCSW_MAX_R2T);
	o[VCSW_KEY_DATA_PDU_IN_ORDER] = 1;
	o[VCSW_KEY_DATA_SEQUENCE_IN_ORDER] = 1;
	o[VCSW_KEY_ERROR_RECOVERY_LEVEL] = 0;

	for (i = 0; i < VCSW_KEY_NR; i++)
		n->result[i] = vcsw_keys[i].def;
	n->target_mrdsl = ISCSI_DEF_MAX_RECV_SEG_LEN;
}

static const char *vcsw_bool_str(u32 v)
{
	return v ? "Yes" : "No";
}

static void vcsw_put_value(struct vcsw_text *out, int k, u32 v, bool offer)
{
	const struct vcsw_key_def *d = &vcsw_keys[k];

	switch (d->kind) {
	case VCSW_KK_DIGEST:
		vcsw_text_add(out, d->name, "%s",
			      v ? (offer ? "CRC32C,None" : "CRC32C") : "None");
		break;
	case VCSW_KK_OR:
	case VCSW_KK_AND:
		vcsw_text_add(out, d->name, "%s", vcsw_bool_str(v));
		break;
	default:
		vcsw_text_add(out, d->name, "%u", v);
		break;
	}
}

/* Append every key we propose for this session type to @out. */
void vcsw_nego_offer(struct vcsw_nego *n, struct vcsw_text *out)
{
	int k;

	for (k = 0; k < VCSW_KEY_NR; k++) {
		if (n->discovery && vcsw_keys[k].session_only)
			continue;
		vcsw_put_value(out, k, n->offer[k], true);
		/* A declaration expects no answer. */
		n->state[k] = vcsw_keys[k].kind == VCSW_KK_DECL ?
			      VCSW_KS_DONE : VCSW_KS_OFFERED;
	}
}

static int vcsw_key_index(const char *key)
{
	int k;

	for (k = 0; k < VCSW_KEY_NR; k++)
		if (!strcmp(vcsw_keys[k].name, key))
			return k;
	return -1;
}

static int vcsw_parse_bool(const char *v, u32 *out)
{
	if (!strcmp(v, "Yes"))
		*out = 1;
	else if (!strcmp(v, "No"))
		*out = 0;
	else
		return -EPROTO;
	return 0;
}

/*
 * Pick a digest from a comma-separated list: the first one in the list we
 * accept. We accept CRC32C only when we want digests; None always.
 */
static int vcsw_pick_digest(const char *v, bool want, u32 *out)
{
	while (*v) {
		size_t len = strcspn(v, ",");

		if (len == 6 && !strncmp(v, "CRC32C", 6) && want) {
			*out = 1;
			return 0;
		}
		if (len == 4 && !strncmp(v, "None", 4)) {
			*out = 0;
			return 0;
		}
		v += len;
		if (*v == ',')
			v++;
	}
	return -ENOENT;
}

/*
 * One key from the target. *known is false for keys this file does not
 * handle (the caller deals with TargetAlias and friends). Returns 0 or
 * -EPROTO for a malformed or out-of-range answer.
 */
int vcsw_nego_key(struct vcsw_nego *n, struct vcsw_session *sess,
		  const char *key, const char *value, bool *known)
{
	int k = vcsw_key_index(key);
	const struct vcsw_key_def *d;
	bool answer;
	u32 v, res;

	*known = k >= 0;
	if (k < 0)
		return 0;
	d = &vcsw_keys[k];

	if (!strcmp(value, "NotUnderstood") || !strcmp(value, "Irrelevant") ||
	    !strcmp(value, "Reject")) {
		if (n->state[k] != VCSW_KS_OFFERED) {
			vcsw_warn(sess, "target answered %s=%s without an offer\n",
				  key, value);
			return -EPROTO;
		}
		/* The key keeps its default value. */
		vcsw_dbg(sess, "target: %s=%s, using default\n", key, value);
		n->state[k] = VCSW_KS_DONE;
		return 0;
	}

	if (d->kind == VCSW_KK_DECL) {
		if (n->target_mrdsl_seen ||
		    vcsw_parse_num(value, d->min, d->max, &v)) {
			vcsw_warn(sess, "bad %s=%s\n", key, value);
			return -EPROTO;
		}
		n->target_mrdsl = v;
		n->target_mrdsl_seen = true;
		return 0;
	}

	if (n->state[k] == VCSW_KS_DONE) {
		vcsw_warn(sess, "target negotiated %s twice\n", key);
		return -EPROTO;
	}
	answer = n->state[k] == VCSW_KS_NONE;
	if (answer && n->discovery && d->session_only) {
		vcsw_text_add(n->answers, key, "Irrelevant");
		n->state[k] = VCSW_KS_DONE;
		return 0;
	}

	switch (d->kind) {
	case VCSW_KK_DIGEST:
		if (vcsw_pick_digest(value, n->offer[k], &res)) {
			if (answer) {
				vcsw_text_add(n->answers, key, "Reject");
				n->state[k] = VCSW_KS_DONE;
				return 0;
			}
			goto bad;
		}
		/* An answer is one value, one we offered. */
		if (!answer && strchr(value, ','))
			goto bad;
		break;
	case VCSW_KK_OR:
	case VCSW_KK_AND:
		if (vcsw_parse_bool(value, &v))
			goto bad;
		res = d->kind == VCSW_KK_OR ? (n->offer[k] | v) :
					      (n->offer[k] & v);
		if (!answer && res != v)
			vcsw_warn(sess, "target answered %s=%s, using %s\n",
				  key, value, vcsw_bool_str(res));
		break;
	case VCSW_KK_MIN:
		if (vcsw_parse_num(value, d->min, d->max, &v))
			goto bad;
		if (!answer && v > n->offer[k])
			goto bad;
		res = min(v, n->offer[k]);
		break;
	case VCSW_KK_MAX:
		if (vcsw_parse_num(value, d->min, d->max, &v))
			goto bad;
		if (!answer && v < n->offer[k])
			goto bad;
		res = max(v, n->offer[k]);
		break;
	default:
		goto bad;
	}
	n->result[k] = res;
	n->state[k] = VCSW_KS_DONE;
	if (answer)
		vcsw_put_value(n->answers, k, res, false);
	return 0;
bad:
	vcsw_warn(sess, "bad answer %s=%s\n", key, value);
	return -EPROTO;
}

int vcsw_nego_finish(struct vcsw_nego *n, struct vcsw_session *sess,
		     struct vconnect_iscsi_params *neg)
{
	u32 *r = n->result;
	int k;

	for (k = 0; k < VCSW_KEY_NR; k++) {
		u8 kind = vcsw_keys[k].kind;

		if (n->state[k] != VCSW_KS_OFFERED)
			continue;
		/*
		 * No answer. A responder may leave out a key whose result our
		 * offer decides (Yes for OR, No for AND); otherwise the
		 * default applies.
		 */
		if ((kind == VCSW_KK_OR && n->offer[k]) ||
		    (kind == VCSW_KK_AND && !n->offer[k]))
			r[k] = n->offer[k];
		else
			vcsw_dbg(sess, "no answer for %s, using default\n",
				 vcsw_keys[k].name);
	}

	if (r[VCSW_KEY_ERROR_RECOVERY_LEVEL] != 0 ||
	    !r[VCSW_KEY_DATA_PDU_IN_ORDER] ||
	    !r[VCSW_KEY_DATA_SEQUENCE_IN_ORDER]) {
		vcsw_warn(sess, "unsupported result: ErrorRecoveryLevel=%u DataPDUInOrder=%u DataSequenceInOrder=%u\n",
			  r[VCSW_KEY_ERROR_RECOVERY_LEVEL],
			  r[VCSW_KEY_DATA_PDU_IN_ORDER],
			  r[VCSW_KEY_DATA_SEQUENCE_IN_ORDER]);
		return -EPROTO;
	}
	if (r[VCSW_KEY_FIRST_BURST_LENGTH] > r[VCSW_KEY_MAX_BURST_LENGTH]) {
		vcsw_warn(sess, "FirstBurstLength %u > MaxBurstLength %u, clamped\n",
			  r[VCSW_KEY_FIRST_BURST_LENGTH],
			  r[VCSW_KEY_MAX_BURST_LENGTH]);
		r[VCSW_KEY_FIRST_BURST_LENGTH] = r[VCSW_KEY_MAX_BURST_LENGTH];
	}

	memset(neg, 0, sizeof(*neg));
	neg->header_digest = r[VCSW_KEY_HEADER_DIGEST];
	neg->data_digest = r[VCSW_KEY_DATA_DIGEST];
	neg->initial_r2t = r[VCSW_KEY_INITIAL_R2T];
	neg->immediate_data = r[VCSW_KEY_IMMEDIATE_DATA];
	neg->data_pdu_in_order = r[VCSW_KEY_DATA_PDU_IN_ORDER];
	neg->data_sequence_in_order = r[VCSW_KEY_DATA_SEQUENCE_IN_ORDER];
	neg->max_recv_dsl = n->offer[VCSW_KEY_MAX_RECV_DSL];
	neg->max_xmit_dsl = n->target_mrdsl;
	neg->max_burst_length = r[VCSW_KEY_MAX_BURST_LENGTH];
	neg->first_burst_length = r[VCSW_KEY_FIRST_BURST_LENGTH];
	neg->max_outstanding_r2t = min_t(u32, r[VCSW_KEY_MAX_OUTSTANDING_R2T],
					 VCSW_MAX_R2T);
	neg->max_connections = r[VCSW_KEY_MAX_CONNECTIONS];
	neg->default_time2wait = r[VCSW_KEY_DEFAULT_TIME2WAIT];
	neg->default_time2retain = r[VCSW_KEY_DEFAULT_TIME2RETAIN];
	neg->error_recovery_level = r[VCSW_KEY_ERROR_RECOVERY_LEVEL];
	return 0;
}
