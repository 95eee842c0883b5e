// SPDX-License-Identifier: GPL-2.0
/*
 * Login (RFC 7143 sections 6.3, 11.12, 11.13): security negotiation, then
 * operational negotiation, then full feature phase; redirection.
 *
 * The login runs synchronously in the caller's context on a connection in
 * state VCSW_CONN_LOGIN, bounded by one deadline for all PDUs and
 * redirections. Text longer than one PDU is sent with the C bit (and the
 * target answers each piece with an empty response); a response with the C
 * bit is completed by sending empty requests.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "software.h"

#define VCSW_LOGIN_ROUNDS	16
#define VCSW_LOGIN_REDIRECT	1	/* internal: follow TargetAddress */

enum vcsw_auth_state {
	VCSW_AUTH_START,	/* AuthMethod offered */
	VCSW_AUTH_CHAP_A,	/* CHAP_A sent */
	VCSW_AUTH_CHAP_R,	/* CHAP_N/CHAP_R sent */
	VCSW_AUTH_DONE,
};

struct vcsw_login {
	struct vcsw_conn *conn;
	struct vcsw_session *sess;
	const struct vconnect_session_desc *desc;
	struct vconnect_session_info *info;
	unsigned long deadline;
	struct vcsw_nego nego;
	struct vcsw_chap *chap;
	bool offered_none;
	enum vcsw_auth_state auth;
	struct vcsw_text out;
	char *in;
	u32 in_len;
	u32 itt;
	u32 cmdsn;
	u32 exp_statsn;
	u8 csg;
	/* From the last response. */
	u8 rsp_flags;
	u16 tsih;
	u32 exp_cmdsn;
	u32 max_cmdsn;
	const char *auth_method;
	const char *chap_a, *chap_i, *chap_c, *chap_n, *chap_r;
	const char *target_address;
	int err;		/* first error from the key callback */
};

static int vcsw_login_send(struct vcsw_login *l, u8 flags, const void *data,
			   u32 len)
{
	struct vcsw_conn *conn = l->conn;
	struct iscsi_login_req *h;
	struct vcsw_txpdu pdu;
	int err;

	memset(pdu.hdr, 0, ISCSI_HDR_LEN);
	h = (struct iscsi_login_req *)pdu.hdr;
	h->opcode = ISCSI_OP_LOGIN | ISCSI_OP_IMMEDIATE;
	h->flags = flags;
	h->max_version = ISCSI_DRAFT20_VERSION;
	h->min_version = ISCSI_DRAFT20_VERSION;
	memcpy(h->isid, l->sess->isid, sizeof(h->isid));
	h->tsih = 0;				/* a new session */
	h->itt = vcsw_itt_to_wire(l->itt);
	h->cid = cpu_to_be16(conn->cid);
	h->cmdsn = cpu_to_be32(l->cmdsn);
	h->exp_statsn = cpu_to_be32(l->exp_statsn);
	pdu.ahslen = 0;
	pdu.buf = data;
	pdu.sgl = NULL;
	pdu.dlen = len;
	pdu.more = false;

	err = vcsw_conn_set_deadline(conn, l->deadline);
	return err ?: vcsw_pdu_send(conn, &pdu);
}

/* Login status (class, detail) to errno, as the contract header lists. */
static int vcsw_login_status_errno(u8 cls, u8 detail)
{
	switch (cls) {
	case ISCSI_STATUS_CLS_INITIATOR_ERR:
		switch (detail) {
		case ISCSI_LOGIN_STATUS_AUTH_FAILED:
		case ISCSI_LOGIN_STATUS_TGT_FORBIDDEN:
			return -EACCES;
		case ISCSI_LOGIN_STATUS_TGT_NOT_FOUND:
		case ISCSI_LOGIN_STATUS_TGT_REMOVED:
		case ISCSI_LOGIN_STATUS_NO_SESSION:
			return -ENOENT;
		case ISCSI_LOGIN_STATUS_ISID_ERROR:
		case ISCSI_LOGIN_STATUS_CONN_ADD_FAILED:
			return -EBUSY;
		case ISCSI_LOGIN_STATUS_NO_SESSION_TYPE:
			return -EOPNOTSUPP;
		case ISCSI_LOGIN_STATUS_MISSING_FIELDS:
		case ISCSI_LOGIN_STATUS_INVALID_REQUEST:
		case ISCSI_LOGIN_STATUS_INIT_ERR:
			return -EINVAL;
		default:
			return -EPROTO;
		}
	case ISCSI_STATUS_CLS_TARGET_ERR:
		switch (detail) {
		case ISCSI_LOGIN_STATUS_SVC_UNAVAILABLE:
		case ISCSI_LOGIN_STATUS_NO_RESOURCES:
			return -EAGAIN;
		default:
			return -EIO;
		}
	default:
		return -EPROTO;
	}
}

static int vcsw_login_append(struct vcsw_login *l, const void *data, u32 len)
{
	if (len > VCSW_TEXT_MAX - 1 - l->in_len) {
		vcsw_warn(l->sess, "login text from target longer than %u bytes\n",
			  VCSW_TEXT_MAX);
		return -EPROTO;
	}
	memcpy(l->in + l->in_len, data, len);
	l->in_len += len;
	return 0;
}

/*
 * Receive one Login Response and check its header. Returns 0, a positive
 * status class for a non-zero status (data appended), or -errno.
 */
static int vcsw_login_recv(struct vcsw_login *l, bool expect_transit)
{
	struct vcsw_conn *conn = l->conn;
	struct vcsw_session *sess = l->sess;
	struct iscsi_login_rsp *h = (struct iscsi_login_rsp *)&conn->rx_hdr;
	int err;

	err = vcsw_conn_set_deadline(conn, l->deadline);
	if (!err)
		err = vcsw_pdu_recv(conn);
	if (err)
		return err;

	if ((h->opcode & ISCSI_OPCODE_MASK) != ISCSI_OP_LOGIN_RSP) {
		vcsw_warn(sess, "login: got opcode %#x instead of a Login Response\n",
			  h->opcode);
		return -EPROTO;
	}
	l->info->login_status_class = h->status_class;
	l->info->login_status_detail = h->status_detail;
	if (h->status_class != ISCSI_STATUS_CLS_SUCCESS) {
		/*
		 * The login ends here whatever the rest of the header says
		 * (LIO zeroes the ISID of a refusal). A redirection carries
		 * TargetAddress in its text.
		 */
		err = vcsw_login_append(l, conn->rx_buf, conn->rx_dlen);
		return err ?: h->status_class;
	}
	if (vcsw_itt_from_wire(h->itt) != l->itt ||
	    memcmp(h->isid, sess->isid, sizeof(h->isid))) {
		vcsw_warn(sess, "login: response for another ITT or ISID\n");
		return -EPROTO;
	}
	l->exp_statsn = be32_to_cpu(h->statsn) + 1;
	l->exp_cmdsn = be32_to_cpu(h->exp_cmdsn);
	l->max_cmdsn = be32_to_cpu(h->max_cmdsn);
	if (h->active_version != ISCSI_DRAFT20_VERSION) {
		vcsw_warn(sess, "login: target chose version %u\n",
			  h->active_version);
		return -EPROTO;
	}
	if (ISCSI_LOGIN_CURRENT_STAGE(h->flags) != l->csg ||
	    ((h->flags & ISCSI_FLAG_LOGIN_TRANSIT) && !expect_transit) ||
	    ((h->flags & ISCSI_FLAG_LOGIN_TRANSIT) &&
	     (h->flags & ISCSI_FLAG_LOGIN_CONTINUE))) {
		vcsw_warn(sess, "login: bad response flags %#x in stage %u\n",
			  h->flags, l->csg);
		return -EPROTO;
	}
	l->rsp_flags = h->flags;
	l->tsih = be16_to_cpu(h->tsih);
	return vcsw_login_append(l, conn->rx_buf, conn->rx_dlen);
}

/*
 * Send l->out (split with the C bit if needed) with @tflags (T and NSG) on
 * its last piece, and collect the whole response text into l->in.
 */
static int vcsw_login_exchange(struct vcsw_login *l, u8 tflags)
{
	u8 stage = l->csg << 2;
	u32 off = 0;
	int ret;

	if (l->out.err)
		return l->out.err;
	l->in_len = 0;
	for (;;) {
		u32 chunk = min_t(u32, l->out.len - off, l->conn->max_xmit_dsl);
		bool last = off + chunk == l->out.len;

		ret = vcsw_login_send(l, stage | (last ? tflags :
						  ISCSI_FLAG_LOGIN_CONTINUE),
				      l->out.buf + off, chunk);
		if (ret)
			return ret;
		off += chunk;
		ret = vcsw_login_recv(l, last && (tflags & ISCSI_FLAG_LOGIN_TRANSIT));
		if (ret)
			return ret;
		if (last)
			break;
		/* Each piece but the last is acknowledged with no text. */
		if (l->in_len || (l->rsp_flags & ISCSI_FLAG_LOGIN_CONTINUE)) {
			vcsw_warn(l->sess, "login: text in answer to a continued request\n");
			return -EPROTO;
		}
	}
	/* The last piece may carry the transit our request asked for. */
	while (l->rsp_flags & ISCSI_FLAG_LOGIN_CONTINUE) {
		ret = vcsw_login_send(l, stage, NULL, 0);
		if (!ret)
			ret = vcsw_login_recv(l, tflags & ISCSI_FLAG_LOGIN_TRANSIT);
		if (ret)
			return ret;
	}
	l->in[l->in_len] = '\0';
	return 0;
}

static bool vcsw_is_special(const char *value)
{
	return !strcmp(value, "NotUnderstood") || !strcmp(value, "Irrelevant") ||
	       !strcmp(value, "Reject");
}

static int vcsw_login_kv(void *arg, const char *key, const char *value)
{
	struct vcsw_login *l = arg;
	struct vcsw_session *sess = l->sess;
	bool known;
	u32 v;
	int err;

	vcsw_dbg(sess, "login rx: %s=%s\n", key,
		 strncmp(key, "CHAP_", 5) ? value : "...");

	if (!strcmp(key, "TargetAddress")) {
		l->target_address = value;
		return 0;
	}
	if (!strcmp(key, "TargetAlias"))
		return 0;
	if (!strcmp(key, "TargetPortalGroupTag")) {
		if (vcsw_parse_num(value, 0, 65535, &v)) {
			vcsw_warn(sess, "bad TargetPortalGroupTag=%s\n", value);
			return -EPROTO;
		}
		sess->tpgt = v;
		return 0;
	}
	if (l->csg == ISCSI_SECURITY_NEGOTIATION_STAGE) {
		if (!strcmp(key, "AuthMethod"))
			l->auth_method = value;
		else if (!strcmp(key, "CHAP_A"))
			l->chap_a = value;
		else if (!strcmp(key, "CHAP_I"))
			l->chap_i = value;
		else if (!strcmp(key, "CHAP_C"))
			l->chap_c = value;
		else if (!strcmp(key, "CHAP_N"))
			l->chap_n = value;
		else if (!strcmp(key, "CHAP_R"))
			l->chap_r = value;
		else
			goto other;
		return 0;
	}
other:
	err = vcsw_nego_key(&l->nego, sess, key, value, &known);
	if (err || known)
		return err;
	/* An unknown key: answer it unless it is itself an answer. */
	if (!vcsw_is_special(value))
		vcsw_text_add(&l->out, key, "NotUnderstood");
	return 0;
}

static int vcsw_login_parse(struct vcsw_login *l)
{
	int err;

	l->auth_method = NULL;
	l->chap_a = NULL;
	l->chap_i = NULL;
	l->chap_c = NULL;
	l->chap_n = NULL;
	l->chap_r = NULL;
	l->target_address = NULL;
	err = vcsw_text_parse(l->in, l->in_len, vcsw_login_kv, l);
	if (err == -EPROTO)
		vcsw_warn(l->sess, "login: malformed text from target\n");
	return err;
}

static void vcsw_login_first_text(struct vcsw_login *l)
{
	const struct vconnect_session_desc *desc = l->desc;
	struct vcsw_text *out = &l->out;

	vcsw_text_add(out, "InitiatorName", "%s", desc->initiator_name);
	if (desc->initiator_alias && desc->initiator_alias[0])
		vcsw_text_add(out, "InitiatorAlias", "%s", desc->initiator_alias);
	vcsw_text_add(out, "SessionType", "%s",
		      l->sess->discovery ? "Discovery" : "Normal");
	if (!l->sess->discovery)
		vcsw_text_add(out, "TargetName", "%s", desc->target_name);
	if (!l->chap)
		vcsw_text_add(out, "AuthMethod", "None");
	else if (vcsw_chap_mutual(l->chap))
		vcsw_text_add(out, "AuthMethod", "CHAP");
	else
		vcsw_text_add(out, "AuthMethod", "CHAP,None");
	l->offered_none = !l->chap || !vcsw_chap_mutual(l->chap);
}

#define VCSW_T_OP	(ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_LOGIN_NEXT_STAGE1)
#define VCSW_T_FFP	(ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_LOGIN_NEXT_STAGE3)

/* One step of the security stage: act on the response, prepare the next. */
static int vcsw_login_security(struct vcsw_login *l, u8 *tflags)
{
	struct vcsw_session *sess = l->sess;
	int err;

	switch (l->auth) {
	case VCSW_AUTH_START:
		if (l->auth_method && !strcmp(l->auth_method, "CHAP") && l->chap) {
			vcsw_text_add(&l->out, "CHAP_A", "5");
			l->auth = VCSW_AUTH_CHAP_A;
			*tflags = 0;
			return 0;
		}
		if ((l->auth_method && !strcmp(l->auth_method, "None") &&
		     l->offered_none) ||
		    (!l->auth_method && !l->chap)) {
			l->auth = VCSW_AUTH_DONE;
			*tflags = VCSW_T_OP;
			return 0;
		}
		vcsw_info(sess, "login: target refused AuthMethod (answered %s)\n",
			  l->auth_method ?: "nothing");
		return -EACCES;
	case VCSW_AUTH_CHAP_A:
		err = vcsw_chap_respond(l->chap, sess, l->chap_a, l->chap_i,
					l->chap_c, &l->out);
		if (err)
			return err;
		l->auth = VCSW_AUTH_CHAP_R;
		*tflags = VCSW_T_OP;
		return 0;
	case VCSW_AUTH_CHAP_R:
		err = vcsw_chap_verify(l->chap, sess, l->chap_n, l->chap_r);
		if (err)
			return err;
		l->auth = VCSW_AUTH_DONE;
		*tflags = VCSW_T_OP;
		return 0;
	case VCSW_AUTH_DONE:
		*tflags = VCSW_T_OP;
		return 0;
	}
	return -EPROTO;
}

static int vcsw_login_redirect(struct vcsw_login *l,
			       struct sockaddr_storage *redirect)
{
	int err;

	err = vcsw_login_parse(l);
	if (err)
		return err;
	if (!l->target_address) {
		vcsw_warn(l->sess, "login: redirected without TargetAddress\n");
		return -EPROTO;
	}
	err = vcsw_parse_portal(l->target_address, redirect);
	if (err) {
		vcsw_info(l->sess, "login: cannot follow redirection to %s: %s\n",
			  l->target_address, err == -EHOSTUNREACH ?
			  "the host name does not resolve" : "malformed address");
		return err;
	}
	vcsw_info(l->sess, "login: redirected to %pISpc\n", redirect);
	return VCSW_LOGIN_REDIRECT;
}

static int vcsw_login_run(struct vcsw_login *l, struct sockaddr_storage *redirect)
{
	struct vcsw_session *sess = l->sess;
	u8 tflags;
	int round, ret;

	l->csg = ISCSI_SECURITY_NEGOTIATION_STAGE;
	vcsw_login_first_text(l);
	tflags = l->chap ? 0 : VCSW_T_OP;

	for (round = 0; round < VCSW_LOGIN_ROUNDS; round++) {
		bool transit;
		u8 nsg;

		ret = vcsw_login_exchange(l, tflags);
		if ((ret == -ECONNRESET || ret == -EPIPE) &&
		    l->csg == ISCSI_SECURITY_NEGOTIATION_STAGE) {
			/*
			 * Some targets (LIO) answer an AuthMethod they will
			 * not accept, or a failed authentication, by closing
			 * the connection without a Login Response.
			 */
			vcsw_info(sess, "login to %s: target closed the connection during security negotiation (authentication required or refused)\n",
				  sess->target_name ?: "discovery");
			return -EACCES;
		}
		if (ret == ISCSI_STATUS_CLS_REDIRECT)
			return vcsw_login_redirect(l, redirect);
		if (ret > 0) {
			u8 cls = l->info->login_status_class;
			u8 detail = l->info->login_status_detail;

			ret = vcsw_login_status_errno(cls, detail);
			if (cls == ISCSI_STATUS_CLS_INITIATOR_ERR &&
			    detail == ISCSI_LOGIN_STATUS_AUTH_FAILED)
				vcsw_info(sess, "login to %s: authentication failed (wrong CHAP user or secret?)\n",
					  sess->target_name ?: "discovery");
			else
				vcsw_info(sess, "login to %s refused: status class %u detail %u (%d)\n",
					  sess->target_name ?: "discovery",
					  cls, detail, ret);
			return ret;
		}
		if (ret)
			return ret;

		vcsw_text_reset(&l->out);
		ret = vcsw_login_parse(l);
		if (ret)
			return ret;

		transit = l->rsp_flags & ISCSI_FLAG_LOGIN_TRANSIT;
		nsg = ISCSI_LOGIN_NEXT_STAGE(l->rsp_flags);

		if (l->csg == ISCSI_SECURITY_NEGOTIATION_STAGE) {
			ret = vcsw_login_security(l, &tflags);
			if (ret)
				return ret;
			if (transit && l->auth != VCSW_AUTH_DONE) {
				vcsw_warn(sess, "login: target left the security stage before authentication ended\n");
				return -EACCES;
			}
		} else {
			/* Answers to the target's offers, if any, go next. */
			tflags = VCSW_T_FFP;
		}

		if (!transit)
			continue;
		if (nsg == ISCSI_FULL_FEATURE_PHASE)
			return 0;
		if (nsg != ISCSI_OP_PARMS_NEGOTIATION_STAGE ||
		    l->csg != ISCSI_SECURITY_NEGOTIATION_STAGE) {
			vcsw_warn(sess, "login: bad next stage %u\n", nsg);
			return -EPROTO;
		}
		/* Operational stage: offer every key, ask for full feature. */
		l->csg = ISCSI_OP_PARMS_NEGOTIATION_STAGE;
		vcsw_text_reset(&l->out);
		vcsw_nego_offer(&l->nego, &l->out);
		tflags = VCSW_T_FFP;
	}
	vcsw_warn(sess, "login: no agreement after %d rounds\n", round);
	return -EPROTO;
}

/*
 * Apply what the login produced to the session and the connection and
 * size the receive buffer for MaxRecvDataSegmentLength.
 */
static int vcsw_login_apply(struct vcsw_login *l)
{
	struct vcsw_session *sess = l->sess;
	struct vcsw_conn *conn = l->conn;
	struct vconnect_iscsi_params *neg = &sess->neg;
	unsigned long flags;
	int err;

	if (!l->tsih && !sess->discovery) {
		vcsw_warn(sess, "login: target gave TSIH 0\n");
		return -EPROTO;
	}
	if (iscsi_sna_lt(l->max_cmdsn, l->exp_cmdsn - 1)) {
		vcsw_warn(sess, "login: bad command window %u..%u\n",
			  l->exp_cmdsn, l->max_cmdsn);
		return -EPROTO;
	}
	err = vcsw_nego_finish(&l->nego, sess, neg);
	if (err)
		return err;

	if (neg->max_recv_dsl > conn->rx_buf_size) {
		u8 *buf = kvmalloc(neg->max_recv_dsl, GFP_KERNEL);

		if (!buf)
			return -ENOMEM;
		kvfree(conn->rx_buf);
		conn->rx_buf = buf;
		conn->rx_buf_size = neg->max_recv_dsl;
	}
	conn->hdr_digest = neg->header_digest;
	conn->data_digest = neg->data_digest;
	conn->max_recv_dsl = neg->max_recv_dsl;
	conn->max_xmit_dsl = neg->max_xmit_dsl;
	conn->exp_statsn = l->exp_statsn;

	sess->tsih = l->tsih;
	spin_lock_irqsave(&sess->sn_lock, flags);
	sess->cmdsn = l->exp_cmdsn;
	sess->exp_cmdsn = l->exp_cmdsn;
	sess->max_cmdsn = l->max_cmdsn;
	sess->queued = 0;
	sess->window_wait = false;
	spin_unlock_irqrestore(&sess->sn_lock, flags);
	return 0;
}

/*
 * Log in on a connected socket. Returns 0, VCSW_LOGIN_REDIRECT with
 * *redirect set, or -errno.
 */
int vcsw_login(struct vcsw_conn *conn, const struct vconnect_session_desc *desc,
	       struct vconnect_session_info *info, unsigned long deadline,
	       struct sockaddr_storage *redirect)
{
	struct vcsw_session *sess = conn->sess;
	struct vcsw_login *l;
	int err;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->conn = conn;
	l->sess = sess;
	l->desc = desc;
	l->info = info;
	l->deadline = deadline;
	l->itt = vcsw_mgmt_itt(conn, VCSW_MGMT_LOGIN);
	l->cmdsn = sess->cmdsn;

	/* Login PDUs: no digests, 8192-byte data segments. */
	conn->hdr_digest = false;
	conn->data_digest = false;
	conn->max_recv_dsl = VCSW_LOGIN_DSL;
	conn->max_xmit_dsl = VCSW_LOGIN_DSL;

	err = vcsw_text_init(&l->out, VCSW_TEXT_MAX);
	if (err)
		goto out_free_login;
	l->in = kvmalloc(VCSW_TEXT_MAX, GFP_KERNEL);
	if (!l->in) {
		err = -ENOMEM;
		goto out_free_out;
	}
	if (desc->chap && desc->chap->user[0]) {
		l->chap = vcsw_chap_create(desc->chap);
		if (IS_ERR(l->chap)) {
			err = PTR_ERR(l->chap);
			l->chap = NULL;
			goto out_free_in;
		}
	}
	vcsw_nego_init(&l->nego, &desc->want, sess->discovery);
	l->nego.answers = &l->out;

	err = vcsw_login_run(l, redirect);
	if (!err)
		err = vcsw_login_apply(l);

	vcsw_chap_destroy(l->chap);
out_free_in:
	kvfree(l->in);
out_free_out:
	vcsw_text_free(&l->out);
out_free_login:
	kfree_sensitive(l);
	return err;
}

/*
 * Connect and log in on sess->conns[0], following redirections, within
 * desc->login_timeout_ms. Fills @info.
 */
int vcsw_session_login(struct vcsw_session *sess,
		       const struct vconnect_session_desc *desc,
		       struct vconnect_session_info *info)
{
	unsigned int ms = desc->login_timeout_ms ?: VCSW_DEF_LOGIN_TIMEOUT_MS;
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	struct vcsw_conn *conn = sess->conns[0];
	struct sockaddr_storage addr;
	int hop, err;

	memcpy(&addr, &desc->portal, sizeof(addr));
	for (hop = 0; hop <= VCSW_MAX_REDIRECTS; hop++) {
		err = vcsw_conn_connect(conn, &addr, deadline);
		if (err) {
			vcsw_info(sess, "cannot connect to %pISpc: %d\n", &addr,
				  err);
			return err;
		}
		memcpy(&info->portal, &addr, sizeof(addr));
		err = vcsw_login(conn, desc, info, deadline, &addr);
		if (!err) {
			info->tsih = sess->tsih;
			info->target_portal_group_tag = sess->tpgt;
			info->neg = sess->neg;
			info->cmd_window = sess->max_cmdsn - sess->exp_cmdsn + 1;
			return 0;
		}
		vcsw_conn_disconnect(conn);
		if (err != VCSW_LOGIN_REDIRECT) {
			if (err == -ETIMEDOUT)
				vcsw_info(sess, "login to %pISpc timed out\n",
					  &info->portal);
			return err;
		}
	}
	vcsw_info(sess, "login: more than %d redirections\n", VCSW_MAX_REDIRECTS);
	return -ELOOP;
}
