// SPDX-License-Identifier: GPL-2.0
/*
 * The "vconnect" generic netlink family: the control plane. See
 * include/uapi/linux/vconnect.h for the commands and their attributes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <scsi/scsi_device.h>

#include "vhba.h"

static struct genl_family vhba_genl_family;
/*
 * Events go out only while the family is registered: builders and senders
 * hold the rwsem for reading, vhba_netlink_exit() for writing.
 */
static bool vhba_netlink_up;
static DECLARE_RWSEM(vhba_events_rwsem);
/* Bumped on every vHBA list change, for consistent dumps. */
static atomic_t vhba_list_gen;

static const struct nla_policy vhba_portal_policy[VCONNECT_A_PORTAL_MAX + 1] = {
	[VCONNECT_A_PORTAL_ADDR] = NLA_POLICY_MIN_LEN(4),
	[VCONNECT_A_PORTAL_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

/* CHAP credentials, in VHBA_NEW and DISCOVER. */
#define VHBA_CHAP_POLICY						\
	[VCONNECT_A_VHBA_CHAP_USER] = { .type = NLA_NUL_STRING,		\
					.len = VCONNECT_CHAP_NAME_MAX - 1 }, \
	[VCONNECT_A_VHBA_CHAP_SECRET] =					\
		NLA_POLICY_RANGE(NLA_BINARY, VCONNECT_CHAP_SECRET_MIN,	\
				 VCONNECT_CHAP_SECRET_MAX),		\
	[VCONNECT_A_VHBA_MCHAP_USER] = { .type = NLA_NUL_STRING,	\
					 .len = VCONNECT_CHAP_NAME_MAX - 1 }, \
	[VCONNECT_A_VHBA_MCHAP_SECRET] =				\
		NLA_POLICY_RANGE(NLA_BINARY, VCONNECT_CHAP_SECRET_MIN,	\
				 VCONNECT_CHAP_SECRET_MAX)

/* One second to one hour. */
static struct netlink_range_validation vhba_replacement_timeout_range = {
	.min = 1000,
	.max = 3600000,
};

static const struct nla_policy vhba_new_policy[VCONNECT_A_MAX + 1] = {
	[VCONNECT_A_VHBA_NAME] = { .type = NLA_NUL_STRING,
				   .len = VCONNECT_VHBA_NAME_MAX - 1 },
	[VCONNECT_A_VHBA_INITIATOR_NAME] = { .type = NLA_NUL_STRING,
					     .len = VCONNECT_ISCSI_NAME_MAX - 1 },
	[VCONNECT_A_VHBA_WWPN] = { .type = NLA_U64 },
	[VCONNECT_A_VHBA_WWNN] = { .type = NLA_U64 },
	[VCONNECT_A_VHBA_ISID] = { .type = NLA_U64 },
	[VCONNECT_A_VHBA_ALIAS] = { .type = NLA_NUL_STRING,
				    .len = VCONNECT_ISCSI_NAME_MAX - 1 },
	VHBA_CHAP_POLICY,
	[VCONNECT_A_VHBA_HEADER_DIGEST] = NLA_POLICY_MAX(NLA_U8, 1),
	[VCONNECT_A_VHBA_DATA_DIGEST] = NLA_POLICY_MAX(NLA_U8, 1),
	[VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &vhba_replacement_timeout_range),
	[VCONNECT_A_VHBA_BACKEND_POLICY] = NLA_POLICY_MAX(NLA_U32,
							  VCONNECT_POLICY_OFFLOAD),
};

static const struct nla_policy vhba_name_policy[VCONNECT_A_MAX + 1] = {
	[VCONNECT_A_VHBA_NAME] = { .type = NLA_NUL_STRING,
				   .len = VCONNECT_VHBA_NAME_MAX - 1 },
};

static const struct nla_policy vhba_attach_policy[VCONNECT_A_MAX + 1] = {
	[VCONNECT_A_VHBA_NAME] = { .type = NLA_NUL_STRING,
				   .len = VCONNECT_VHBA_NAME_MAX - 1 },
	[VCONNECT_A_TARGET_NAME] = { .type = NLA_NUL_STRING,
				     .len = VCONNECT_ISCSI_NAME_MAX - 1 },
	[VCONNECT_A_TARGET_PORTAL] = NLA_POLICY_NESTED(vhba_portal_policy),
	[VCONNECT_A_TARGET_LUN] = { .type = NLA_U64 },
};

static const struct nla_policy vhba_switch_policy[VCONNECT_A_MAX + 1] = {
	[VCONNECT_A_VHBA_NAME] = { .type = NLA_NUL_STRING,
				   .len = VCONNECT_VHBA_NAME_MAX - 1 },
	[VCONNECT_A_SWITCH_TO] = NLA_POLICY_RANGE(NLA_U32,
						  VCONNECT_DATAPATH_SOFTWARE,
						  VCONNECT_DATAPATH_OFFLOAD),
	[VCONNECT_A_VHBA_BACKEND_POLICY] = NLA_POLICY_MAX(NLA_U32,
							  VCONNECT_POLICY_OFFLOAD),
};

static const struct nla_policy vhba_offload_get_policy[VCONNECT_A_MAX + 1] = {
};

static const struct nla_policy vhba_discover_policy[VCONNECT_A_MAX + 1] = {
	[VCONNECT_A_VHBA_INITIATOR_NAME] = { .type = NLA_NUL_STRING,
					     .len = VCONNECT_ISCSI_NAME_MAX - 1 },
	VHBA_CHAP_POLICY,
	[VCONNECT_A_TARGET_PORTAL] = NLA_POLICY_NESTED(vhba_portal_policy),
};

/* ---- parsing helpers ---- */

/* A required attribute: report it as missing by type and by name. */
#define VHBA_REQUIRE(info, attr, what) ({				\
	bool __missing = GENL_REQ_ATTR_CHECK(info, attr);		\
									\
	if (__missing)							\
		NL_SET_ERR_MSG_MOD((info)->extack,			\
				   "missing attribute: " what);		\
	__missing;							\
})

static int vhba_parse_portal(const struct nlattr *nest,
			     struct sockaddr_storage *ss,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VCONNECT_A_PORTAL_MAX + 1];
	u16 port = 3260;
	int ret;

	ret = nla_parse_nested(tb, VCONNECT_A_PORTAL_MAX, nest,
			       vhba_portal_policy, extack);
	if (ret)
		return ret;
	if (!tb[VCONNECT_A_PORTAL_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "portal needs an address");
		return -EINVAL;
	}
	if (tb[VCONNECT_A_PORTAL_PORT])
		port = nla_get_u16(tb[VCONNECT_A_PORTAL_PORT]);

	memset(ss, 0, sizeof(*ss));
	switch (nla_len(tb[VCONNECT_A_PORTAL_ADDR])) {
	case sizeof(struct in_addr): {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		nla_memcpy(&sin->sin_addr, tb[VCONNECT_A_PORTAL_ADDR], 4);
		break;
	}
	case sizeof(struct in6_addr): {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		nla_memcpy(&sin6->sin6_addr, tb[VCONNECT_A_PORTAL_ADDR], 16);
		break;
	}
	default:
		NL_SET_ERR_MSG_ATTR(extack, tb[VCONNECT_A_PORTAL_ADDR],
				    "portal address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	return 0;
}

/* CHAP attributes, shared by VHBA_NEW and DISCOVER. */
static int vhba_parse_chap(struct nlattr **attrs, struct vconnect_chap *chap,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *user = attrs[VCONNECT_A_VHBA_CHAP_USER];
	struct nlattr *secret = attrs[VCONNECT_A_VHBA_CHAP_SECRET];
	struct nlattr *muser = attrs[VCONNECT_A_VHBA_MCHAP_USER];
	struct nlattr *msecret = attrs[VCONNECT_A_VHBA_MCHAP_SECRET];

	memset(chap, 0, sizeof(*chap));
	if (!user != !secret) {
		NL_SET_ERR_MSG_ATTR(extack, user ? user : secret,
				    "CHAP needs both a user name and a secret");
		return -EINVAL;
	}
	if (!muser != !msecret) {
		NL_SET_ERR_MSG_ATTR(extack, muser ? muser : msecret,
				    "mutual CHAP needs both a user name and a secret");
		return -EINVAL;
	}
	if (muser && !user) {
		NL_SET_ERR_MSG_ATTR(extack, muser,
				    "mutual CHAP needs one-way CHAP as well");
		return -EINVAL;
	}
	if (!user)
		return 0;
	if (!nla_len(user) || !*(char *)nla_data(user)) {
		NL_SET_ERR_MSG_ATTR(extack, user, "CHAP user name is empty");
		return -EINVAL;
	}
	nla_strscpy(chap->user, user, sizeof(chap->user));
	chap->secret_len = nla_memcpy(chap->secret, secret, sizeof(chap->secret));
	if (muser) {
		if (!*(char *)nla_data(muser)) {
			NL_SET_ERR_MSG_ATTR(extack, muser, "mutual CHAP user name is empty");
			return -EINVAL;
		}
		nla_strscpy(chap->muser, muser, sizeof(chap->muser));
		chap->msecret_len = nla_memcpy(chap->msecret, msecret,
					       sizeof(chap->msecret));
		if (chap->msecret_len == chap->secret_len &&
		    !memcmp(chap->msecret, chap->secret, chap->secret_len)) {
			NL_SET_ERR_MSG_ATTR(extack, msecret,
					    "mutual CHAP secret must differ from the one-way secret");
			return -EINVAL;
		}
	}
	return 0;
}

static struct vhba *vhba_lookup_attr(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[VCONNECT_A_VHBA_NAME];
	struct vhba *vhba;

	if (!attr) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing vHBA name");
		return ERR_PTR(-EINVAL);
	}
	vhba = vhba_find(nla_data(attr));
	if (!vhba || vhba->removing) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no vHBA with this name");
		return ERR_PTR(-ENOENT);
	}
	return vhba;
}

/* ---- message building ---- */

static int vhba_put_portal(struct sk_buff *skb, int type,
			   const struct sockaddr_storage *ss)
{
	struct nlattr *nest;
	int ret;

	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		ret = nla_put(skb, VCONNECT_A_PORTAL_ADDR, 4, &sin->sin_addr) ||
		      nla_put_u16(skb, VCONNECT_A_PORTAL_PORT, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		ret = nla_put(skb, VCONNECT_A_PORTAL_ADDR, 16, &sin6->sin6_addr) ||
		      nla_put_u16(skb, VCONNECT_A_PORTAL_PORT, ntohs(sin6->sin6_port));
	}
	if (ret) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int vhba_put_session(struct sk_buff *skb, struct vhba_session *sess)
{
	struct vconnect_session_info info;
	char where[VHBA_WHERE_MAX] = "";
	u8 isid[VCONNECT_ISID_LEN];
	struct nlattr *nest;
	u32 nr_luns = 0;
	struct scsi_device *sdev;

	spin_lock_bh(&sess->lock);
	info = sess->info;
	memcpy(isid, sess->isid, sizeof(isid));
	if (rcu_access_pointer(sess->be))
		strscpy(where, sess->where, sizeof(where));
	spin_unlock_bh(&sess->lock);

	shost_for_each_device(sdev, sess->vhba->shost)
		if (sdev->id == sess->id)
			nr_luns++;

	nest = nla_nest_start(skb, VCONNECT_A_VHBA_TARGET);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, VCONNECT_A_TGT_NAME, sess->target_name) ||
	    vhba_put_portal(skb, VCONNECT_A_TGT_PORTAL,
			    info.portal.ss_family ? &info.portal : &sess->portals[0]) ||
	    nla_put_u32(skb, VCONNECT_A_TGT_STATE, READ_ONCE(sess->state)) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_TGT_ISID,
			      vhba_isid_to_u64(isid), VCONNECT_A_TGT_PAD) ||
	    (where[0] && nla_put_string(skb, VCONNECT_A_TGT_DATAPATH, where)) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_TGT_SWITCHES,
			      atomic64_read(&sess->stats.switches), VCONNECT_A_TGT_PAD) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_TGT_FAILOVERS,
			      atomic64_read(&sess->stats.failovers), VCONNECT_A_TGT_PAD) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_TGT_LAST_STALL_US,
			      READ_ONCE(sess->stats.last_stall_us), VCONNECT_A_TGT_PAD) ||
	    nla_put_u16(skb, VCONNECT_A_TGT_TSIH, info.tsih) ||
	    nla_put_u32(skb, VCONNECT_A_TGT_SCSI_ID, sess->id) ||
	    nla_put_u32(skb, VCONNECT_A_TGT_NR_LUNS, nr_luns) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_TGT_CMDS,
			      atomic64_read(&sess->stats.cmds), VCONNECT_A_TGT_PAD) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_TGT_READ_BYTES,
			      atomic64_read(&sess->stats.read_bytes), VCONNECT_A_TGT_PAD) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_TGT_WRITE_BYTES,
			      atomic64_read(&sess->stats.write_bytes), VCONNECT_A_TGT_PAD) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_TGT_ERRORS,
			      atomic64_read(&sess->stats.errors), VCONNECT_A_TGT_PAD) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_TGT_RECOVERIES,
			      atomic64_read(&sess->stats.recoveries), VCONNECT_A_TGT_PAD) ||
	    nla_put_u8(skb, VCONNECT_A_TGT_HEADER_DIGEST, info.neg.header_digest) ||
	    nla_put_u8(skb, VCONNECT_A_TGT_DATA_DIGEST, info.neg.data_digest) ||
	    nla_put_u32(skb, VCONNECT_A_TGT_MAX_RECV_DSL, info.neg.max_recv_dsl) ||
	    nla_put_u32(skb, VCONNECT_A_TGT_MAX_XMIT_DSL, info.neg.max_xmit_dsl) ||
	    nla_put_u32(skb, VCONNECT_A_TGT_MAX_BURST, info.neg.max_burst_length) ||
	    nla_put_u32(skb, VCONNECT_A_TGT_FIRST_BURST, info.neg.first_burst_length) ||
	    nla_put_u8(skb, VCONNECT_A_TGT_INITIAL_R2T, info.neg.initial_r2t) ||
	    nla_put_u8(skb, VCONNECT_A_TGT_IMMEDIATE_DATA, info.neg.immediate_data) ||
	    nla_put_s32(skb, VCONNECT_A_TGT_LAST_ERROR, READ_ONCE(sess->last_error))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int vhba_fill(struct sk_buff *skb, struct vhba *vhba, u32 portid,
		     u32 seq, int flags, u8 cmd, struct netlink_callback *cb)
{
	const char *backend = "none";
	struct vhba_session *sess;
	void *hdr;
	unsigned int i;

	hdr = genlmsg_put(skb, portid, seq, &vhba_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	mutex_lock(&vhba->mutex);
	for (i = 0; i < VHBA_MAX_TARGETS; i++) {
		sess = vhba_session_by_id(vhba, i);
		if (sess && sess->backend) {
			backend = sess->backend->name;
			break;
		}
	}
	if (nla_put_string(skb, VCONNECT_A_VHBA_NAME, vhba->name) ||
	    nla_put_string(skb, VCONNECT_A_VHBA_INITIATOR_NAME, vhba->initiator_name) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_VHBA_WWPN, vhba->wwpn, VCONNECT_A_PAD) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_VHBA_WWNN, vhba->wwnn, VCONNECT_A_PAD) ||
	    nla_put_u64_64bit(skb, VCONNECT_A_VHBA_ISID,
			      vhba_isid_to_u64(vhba->isid), VCONNECT_A_PAD) ||
	    (vhba->alias[0] &&
	     nla_put_string(skb, VCONNECT_A_VHBA_ALIAS, vhba->alias)) ||
	    (vhba->chap.user[0] &&
	     nla_put_string(skb, VCONNECT_A_VHBA_CHAP_USER, vhba->chap.user)) ||
	    (vhba->chap.muser[0] &&
	     nla_put_string(skb, VCONNECT_A_VHBA_MCHAP_USER, vhba->chap.muser)) ||
	    nla_put_u8(skb, VCONNECT_A_VHBA_HEADER_DIGEST, vhba->want.header_digest) ||
	    nla_put_u8(skb, VCONNECT_A_VHBA_DATA_DIGEST, vhba->want.data_digest) ||
	    nla_put_u32(skb, VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT,
			vhba->replacement_timeout_ms) ||
	    nla_put_u32(skb, VCONNECT_A_VHBA_BACKEND_POLICY, vhba->policy) ||
	    nla_put_u32(skb, VCONNECT_A_VHBA_HOST_NO, vhba->shost->host_no) ||
	    nla_put_string(skb, VCONNECT_A_VHBA_BACKEND, backend))
		goto cancel;
	for (i = 0; i < VHBA_MAX_TARGETS; i++) {
		sess = vhba_session_by_id(vhba, i);
		if (sess && vhba_put_session(skb, sess))
			goto cancel;
	}
	mutex_unlock(&vhba->mutex);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	mutex_unlock(&vhba->mutex);
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ---- commands ---- */

static int vhba_nl_new(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct vhba_config *cfg;
	struct vhba *vhba;
	int ret;

	if (VHBA_REQUIRE(info, VCONNECT_A_VHBA_NAME, "vHBA name"))
		return -EINVAL;
	if (!attrs[VCONNECT_A_VHBA_INITIATOR_NAME] && !attrs[VCONNECT_A_VHBA_WWPN]) {
		NL_SET_ERR_MSG_MOD(extack, "need an initiator name or a WWPN");
		return -EINVAL;
	}
	if (attrs[VCONNECT_A_VHBA_WWPN] && !nla_get_u64(attrs[VCONNECT_A_VHBA_WWPN])) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[VCONNECT_A_VHBA_WWPN],
				    "WWPN must not be zero");
		return -EINVAL;
	}

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	cfg->name = nla_data(attrs[VCONNECT_A_VHBA_NAME]);
	ret = vhba_validate_name(cfg->name, extack);
	if (ret)
		goto out;
	if (attrs[VCONNECT_A_VHBA_INITIATOR_NAME]) {
		cfg->initiator_name = nla_data(attrs[VCONNECT_A_VHBA_INITIATOR_NAME]);
		ret = vhba_validate_iscsi_name(cfg->initiator_name, extack);
		if (ret) {
			extack->bad_attr = attrs[VCONNECT_A_VHBA_INITIATOR_NAME];
			goto out;
		}
	}
	if (attrs[VCONNECT_A_VHBA_ALIAS])
		cfg->alias = nla_data(attrs[VCONNECT_A_VHBA_ALIAS]);
	if (attrs[VCONNECT_A_VHBA_WWPN])
		cfg->wwpn = nla_get_u64(attrs[VCONNECT_A_VHBA_WWPN]);
	if (attrs[VCONNECT_A_VHBA_WWNN])
		cfg->wwnn = nla_get_u64(attrs[VCONNECT_A_VHBA_WWNN]);
	if (attrs[VCONNECT_A_VHBA_ISID]) {
		cfg->isid_set = true;
		cfg->isid = nla_get_u64(attrs[VCONNECT_A_VHBA_ISID]);
	}
	ret = vhba_parse_chap(attrs, &cfg->chap, extack);
	if (ret)
		goto out;
	if (attrs[VCONNECT_A_VHBA_HEADER_DIGEST])
		cfg->header_digest = nla_get_u8(attrs[VCONNECT_A_VHBA_HEADER_DIGEST]);
	if (attrs[VCONNECT_A_VHBA_DATA_DIGEST])
		cfg->data_digest = nla_get_u8(attrs[VCONNECT_A_VHBA_DATA_DIGEST]);
	cfg->replacement_timeout_ms = VHBA_DEFAULT_REPLACEMENT_TIMEOUT_MS;
	if (attrs[VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT])
		cfg->replacement_timeout_ms =
			nla_get_u32(attrs[VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT]);
	if (attrs[VCONNECT_A_VHBA_BACKEND_POLICY])
		cfg->policy = nla_get_u32(attrs[VCONNECT_A_VHBA_BACKEND_POLICY]);

	mutex_lock(&vhba_mutex);
	vhba = vhba_create(cfg, extack);
	if (IS_ERR(vhba)) {
		ret = PTR_ERR(vhba);
	} else {
		atomic_inc(&vhba_list_gen);
		vhba_notify(VCONNECT_EVENT_VHBA_NEW, vhba, NULL, 0, 0);
		ret = 0;
	}
	mutex_unlock(&vhba_mutex);
out:
	memzero_explicit(&cfg->chap, sizeof(cfg->chap));
	kfree(cfg);
	return ret;
}

static int vhba_nl_del(struct sk_buff *skb, struct genl_info *info)
{
	struct vhba *vhba;
	bool claimed;

	mutex_lock(&vhba_mutex);
	vhba = vhba_lookup_attr(info);
	claimed = !IS_ERR(vhba) && vhba_claim_removal(vhba);
	mutex_unlock(&vhba_mutex);
	if (IS_ERR(vhba))
		return PTR_ERR(vhba);
	/* Claimed (lookups skip what is claimed): ours to destroy. */
	if (claimed)
		vhba_destroy(vhba);
	atomic_inc(&vhba_list_gen);
	return 0;
}

/*
 * Look the vHBA up and take a reference to its host, so that the caller
 * can sleep on it without vhba_mutex.
 */
static struct vhba *vhba_lookup_get(struct genl_info *info)
{
	struct vhba *vhba;

	mutex_lock(&vhba_mutex);
	vhba = vhba_lookup_attr(info);
	if (!IS_ERR(vhba) && !scsi_host_get(vhba->shost))
		vhba = ERR_PTR(-ENOENT);
	mutex_unlock(&vhba_mutex);
	return vhba;
}

static void vhba_put(struct vhba *vhba)
{
	scsi_host_put(vhba->shost);
}

static int vhba_nl_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct vhba *vhba;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&vhba_mutex);
	vhba = vhba_lookup_attr(info);
	if (IS_ERR(vhba)) {
		ret = PTR_ERR(vhba);
		goto unlock;
	}
	ret = vhba_fill(msg, vhba, info->snd_portid, info->snd_seq, 0,
			VCONNECT_CMD_VHBA_GET, NULL);
unlock:
	mutex_unlock(&vhba_mutex);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int vhba_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long idx = 0, skip = cb->args[0];
	struct vhba *vhba;
	int ret = 0;

	mutex_lock(&vhba_mutex);
	cb->seq = atomic_read(&vhba_list_gen);
	list_for_each_entry(vhba, &vhba_list, node) {
		if (idx++ < skip)
			continue;
		ret = vhba_fill(skb, vhba, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI,
				VCONNECT_CMD_VHBA_GET, cb);
		if (ret) {
			idx--;
			break;
		}
	}
	mutex_unlock(&vhba_mutex);
	cb->args[0] = idx;
	/* A full skb ends this part of the dump, not the dump. */
	return ret == -EMSGSIZE && skb->len ? skb->len : (ret ?: skb->len);
}

static int vhba_nl_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct sockaddr_storage portals[VHBA_MAX_PORTALS];
	unsigned int nr_portals = 0, nr_luns = 0;
	struct vhba_session *sess;
	struct nlattr *attr;
	const char *target;
	struct vhba *vhba;
	u64 *luns;
	int rem, ret;

	if (VHBA_REQUIRE(info, VCONNECT_A_VHBA_NAME, "vHBA name") ||
	    VHBA_REQUIRE(info, VCONNECT_A_TARGET_NAME, "target name"))
		return -EINVAL;
	target = nla_data(info->attrs[VCONNECT_A_TARGET_NAME]);
	ret = vhba_validate_iscsi_name(target, extack);
	if (ret) {
		extack->bad_attr = info->attrs[VCONNECT_A_TARGET_NAME];
		return ret;
	}

	luns = kcalloc(VHBA_MAX_LUNS, sizeof(*luns), GFP_KERNEL);
	if (!luns)
		return -ENOMEM;
	/* Repeated attributes: walk the whole message. */
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		switch (nla_type(attr)) {
		case VCONNECT_A_TARGET_PORTAL:
			if (nr_portals == VHBA_MAX_PORTALS) {
				NL_SET_ERR_MSG_ATTR(extack, attr, "too many portals (at most 8)");
				ret = -E2BIG;
				goto out;
			}
			ret = vhba_parse_portal(attr, &portals[nr_portals], extack);
			if (ret)
				goto out;
			nr_portals++;
			break;
		case VCONNECT_A_TARGET_LUN:
			if (nr_luns == VHBA_MAX_LUNS) {
				NL_SET_ERR_MSG_ATTR(extack, attr, "too many LUNs (at most 256)");
				ret = -E2BIG;
				goto out;
			}
			luns[nr_luns++] = nla_get_u64(attr);
			break;
		}
	}
	if (!nr_portals) {
		NL_SET_ERR_MSG_MOD(extack, "need at least one portal");
		ret = -EINVAL;
		goto out;
	}

	vhba = vhba_lookup_get(info);
	if (IS_ERR(vhba)) {
		ret = PTR_ERR(vhba);
		goto out;
	}
	mutex_lock(&vhba->mutex);
	if (vhba->removing) {
		NL_SET_ERR_MSG_MOD(extack, "the vHBA is being deleted");
		sess = ERR_PTR(-ENOENT);
	} else {
		sess = vhba_session_create(vhba, target, portals, nr_portals,
					   luns, nr_luns, extack);
	}
	if (!IS_ERR(sess))
		kobject_get(&sess->kobj);
	mutex_unlock(&vhba->mutex);
	if (IS_ERR(sess)) {
		ret = PTR_ERR(sess);
		goto put;
	}
	/* The login and the scan without our mutexes: see vhba.h. */
	ret = vhba_session_login(sess, extack);
	if (ret)
		vhba_session_destroy(sess);
	else
		vhba_session_scan(sess);
	atomic_inc(&vhba_list_gen);
	vhba_session_put(sess);
put:
	vhba_put(vhba);
out:
	kfree(luns);
	return ret;
}

static struct vhba_session *vhba_find_target(struct vhba *vhba, const char *name)
{
	struct vhba_session *sess;
	unsigned int i;

	for (i = 0; i < VHBA_MAX_TARGETS; i++) {
		sess = vhba_session_by_id(vhba, i);
		if (sess && !READ_ONCE(sess->detaching) &&
		    !strcmp(sess->target_name, name))
			return sess;
	}
	return NULL;
}

static int vhba_nl_detach(struct sk_buff *skb, struct genl_info *info)
{
	struct vhba_session *sess;
	struct vhba *vhba;
	int ret = 0;

	if (VHBA_REQUIRE(info, VCONNECT_A_VHBA_NAME, "vHBA name") ||
	    VHBA_REQUIRE(info, VCONNECT_A_TARGET_NAME, "target name"))
		return -EINVAL;
	vhba = vhba_lookup_get(info);
	if (IS_ERR(vhba))
		return PTR_ERR(vhba);
	mutex_lock(&vhba->mutex);
	sess = vhba_find_target(vhba, nla_data(info->attrs[VCONNECT_A_TARGET_NAME]));
	if (sess)
		kobject_get(&sess->kobj);
	mutex_unlock(&vhba->mutex);
	if (sess) {
		vhba_session_destroy(sess);
		vhba_session_put(sess);
		atomic_inc(&vhba_list_gen);
	} else {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VCONNECT_A_TARGET_NAME],
				    "target is not attached to this vHBA");
		ret = -ENOENT;
	}
	vhba_put(vhba);
	return ret;
}

static int vhba_nl_rescan(struct sk_buff *skb, struct genl_info *info)
{
	struct vhba_session *sess;
	struct vhba *vhba;
	unsigned int i;

	vhba = vhba_lookup_get(info);
	if (IS_ERR(vhba))
		return PTR_ERR(vhba);
	for (i = 0; i < VHBA_MAX_TARGETS; i++) {
		sess = vhba_session_get(vhba, i);
		if (!sess)
			continue;
		if (READ_ONCE(sess->state) == VCONNECT_SESSION_LOGGED_IN)
			vhba_session_scan(sess);
		vhba_session_put(sess);
	}
	vhba_put(vhba);
	return 0;
}

static int vhba_nl_switch(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	enum vconnect_backend_policy policy;
	enum vconnect_datapath to;
	struct vhba *vhba;
	int ret;

	if (VHBA_REQUIRE(info, VCONNECT_A_VHBA_NAME, "vHBA name") ||
	    VHBA_REQUIRE(info, VCONNECT_A_SWITCH_TO, "datapath to switch to"))
		return -EINVAL;
	to = nla_get_u32(info->attrs[VCONNECT_A_SWITCH_TO]);

	vhba = vhba_lookup_get(info);
	if (IS_ERR(vhba))
		return PTR_ERR(vhba);
	policy = READ_ONCE(vhba->policy);
	if (info->attrs[VCONNECT_A_VHBA_BACKEND_POLICY])
		policy = nla_get_u32(info->attrs[VCONNECT_A_VHBA_BACKEND_POLICY]);
	/* Failback would undo a move to software at the next free function. */
	if (to == VCONNECT_DATAPATH_SOFTWARE &&
	    policy == VCONNECT_POLICY_PREFER_OFFLOAD) {
		NL_SET_ERR_MSG_MOD(extack, "policy prefer-offload would move the vHBA back: switch with policy auto or software");
		ret = -EINVAL;
		goto put;
	}
	if (!vhba_policy_allows(policy,
				to == VCONNECT_DATAPATH_OFFLOAD ?
				VCONNECT_BACKEND_OFFLOAD : VCONNECT_BACKEND_SOFTWARE)) {
		NL_SET_ERR_MSG_MOD(extack, "the backend policy does not allow that datapath");
		ret = -EPERM;
		goto put;
	}
	ret = vhba_switch(vhba, to, policy, VCONNECT_SWITCH_USER, extack);
	atomic_inc(&vhba_list_gen);
put:
	vhba_put(vhba);
	return ret;
}

static int vhba_put_function(void *arg, const struct vconnect_function_info *fi)
{
	struct sk_buff *msg = arg;
	struct nlattr *nest;

	nest = nla_nest_start(msg, VCONNECT_A_OFFLOAD_FN);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(msg, VCONNECT_A_FN_PF, fi->pf) ||
	    nla_put_u32(msg, VCONNECT_A_FN_INDEX, fi->index) ||
	    nla_put_string(msg, VCONNECT_A_FN_STATE, fi->state) ||
	    nla_put_string(msg, VCONNECT_A_FN_HOLDER, fi->holder) ||
	    nla_put_u32(msg, VCONNECT_A_FN_SESSIONS, fi->sessions) ||
	    nla_put_u64_64bit(msg, VCONNECT_A_FN_CMDS, fi->cmds, VCONNECT_A_FN_PAD)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int vhba_nl_offload_get(struct sk_buff *skb, struct genl_info *info)
{
	struct vconnect_backend *be;
	struct sk_buff *msg;
	void *hdr;
	int ret = 0;

	msg = genlmsg_new(65536, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vhba_genl_family, 0,
				VCONNECT_CMD_OFFLOAD_GET);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	/* No offload backend loaded: an empty pool. */
	be = vhba_backend_get_kind(VCONNECT_BACKEND_OFFLOAD);
	if (be) {
		if (be->ops->list_functions)
			ret = be->ops->list_functions(vhba_put_function, msg);
		vhba_backend_put(be);
	}
	if (ret) {
		NL_SET_ERR_MSG_MOD(info->extack, "too many offload functions for one reply");
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

struct vhba_discover_ctx {
	struct sk_buff *msg;
	struct nlattr *cur;		/* open VCONNECT_A_DISCOVERED nest */
	char name[VCONNECT_ISCSI_NAME_MAX];	/* its target */
};

static int vhba_discover_one(void *arg, const char *target_name,
			     const char *address)
{
	struct vhba_discover_ctx *ctx = arg;

	/* One nest per target, however many addresses it lists. */
	if (target_name && (!ctx->cur || strcmp(ctx->name, target_name))) {
		strscpy(ctx->name, target_name, sizeof(ctx->name));
		if (ctx->cur)
			nla_nest_end(ctx->msg, ctx->cur);
		ctx->cur = nla_nest_start(ctx->msg, VCONNECT_A_DISCOVERED);
		if (!ctx->cur ||
		    nla_put_string(ctx->msg, VCONNECT_A_TARGET_NAME, target_name))
			return -EMSGSIZE;
	}
	if (address && ctx->cur &&
	    nla_put_string(ctx->msg, VCONNECT_A_DISCOVERED_ADDRESS, address))
		return -EMSGSIZE;
	return 0;
}

static int vhba_nl_discover(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct vconnect_session_desc desc = {};
	struct vhba_discover_ctx ctx = {};
	struct vconnect_backend *be;
	struct vconnect_chap *chap;
	const char *iname;
	void *hdr;
	int ret;

	if (VHBA_REQUIRE(info, VCONNECT_A_VHBA_INITIATOR_NAME, "initiator name") ||
	    VHBA_REQUIRE(info, VCONNECT_A_TARGET_PORTAL, "portal"))
		return -EINVAL;
	iname = nla_data(info->attrs[VCONNECT_A_VHBA_INITIATOR_NAME]);
	ret = vhba_validate_iscsi_name(iname, extack);
	if (ret)
		return ret;
	ret = vhba_parse_portal(info->attrs[VCONNECT_A_TARGET_PORTAL],
				&desc.portal, extack);
	if (ret)
		return ret;
	chap = kzalloc(sizeof(*chap), GFP_KERNEL);
	if (!chap)
		return -ENOMEM;
	ret = vhba_parse_chap(info->attrs, chap, extack);
	if (ret)
		goto free_chap;

	be = vhba_backend_get_discovery();
	if (!be) {
		NL_SET_ERR_MSG_MOD(extack, "no backend that can discover is loaded (modprobe vconnect_software)");
		ret = -ENODEV;
		goto free_chap;
	}
	desc.initiator_name = iname;
	desc.chap = chap->user[0] ? chap : NULL;
	desc.login_timeout_ms = VHBA_LOGIN_TIMEOUT_MS;
	desc.isid[0] = 0x80;	/* random type; discovery sessions are short */
	get_random_bytes(&desc.isid[1], VCONNECT_ISID_LEN - 1);

	ctx.msg = genlmsg_new(65536, GFP_KERNEL);
	if (!ctx.msg) {
		ret = -ENOMEM;
		goto put_be;
	}
	hdr = genlmsg_put_reply(ctx.msg, info, &vhba_genl_family, 0,
				VCONNECT_CMD_DISCOVER);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto free_msg;
	}
	ret = be->ops->discover(&desc, vhba_discover_one, &ctx);
	if (ret) {
		if (ret == -EMSGSIZE)
			NL_SET_ERR_MSG_MOD(extack, "too many discovered targets for one reply");
		else
			NL_SET_ERR_MSG_MOD(extack, "SendTargets discovery failed");
		goto free_msg;
	}
	if (ctx.cur)
		nla_nest_end(ctx.msg, ctx.cur);
	genlmsg_end(ctx.msg, hdr);
	vhba_backend_put(be);
	memzero_explicit(chap, sizeof(*chap));
	kfree(chap);
	return genlmsg_reply(ctx.msg, info);

free_msg:
	nlmsg_free(ctx.msg);
put_be:
	vhba_backend_put(be);
free_chap:
	memzero_explicit(chap, sizeof(*chap));
	kfree(chap);
	return ret;
}

static const struct genl_ops vhba_genl_ops[] = {
	{
		.cmd = VCONNECT_CMD_VHBA_NEW,
		.doit = vhba_nl_new,
		.policy = vhba_new_policy,
		.maxattr = VCONNECT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VCONNECT_CMD_VHBA_DEL,
		.doit = vhba_nl_del,
		.policy = vhba_name_policy,
		.maxattr = VCONNECT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VCONNECT_CMD_VHBA_GET,
		.doit = vhba_nl_get,
		.dumpit = vhba_nl_dump,
		.policy = vhba_name_policy,
		.maxattr = VCONNECT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VCONNECT_CMD_TARGET_ATTACH,
		.doit = vhba_nl_attach,
		.policy = vhba_attach_policy,
		.maxattr = VCONNECT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VCONNECT_CMD_TARGET_DETACH,
		.doit = vhba_nl_detach,
		.policy = vhba_attach_policy,
		.maxattr = VCONNECT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VCONNECT_CMD_VHBA_RESCAN,
		.doit = vhba_nl_rescan,
		.policy = vhba_name_policy,
		.maxattr = VCONNECT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VCONNECT_CMD_VHBA_SWITCH,
		.doit = vhba_nl_switch,
		.policy = vhba_switch_policy,
		.maxattr = VCONNECT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VCONNECT_CMD_OFFLOAD_GET,
		.doit = vhba_nl_offload_get,
		.policy = vhba_offload_get_policy,
		.maxattr = VCONNECT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VCONNECT_CMD_DISCOVER,
		.doit = vhba_nl_discover,
		.policy = vhba_discover_policy,
		.maxattr = VCONNECT_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

/*
 * Events name vHBAs, targets and datapaths: only CAP_NET_ADMIN may join,
 * like the commands. GENL_MCAST_CAP_NET_ADMIN is a late addition that
 * stable 6.1 has (Debian's 6.1.192 does); without it anyone may join.
 */
static const struct genl_multicast_group vhba_mcgrps[] = {
	{
		.name = VCONNECT_MCGRP_EVENTS,
#ifdef GENL_MCAST_CAP_NET_ADMIN
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

static struct genl_family vhba_genl_family __ro_after_init = {
	.name		= VCONNECT_GENL_NAME,
	.version	= VCONNECT_GENL_VERSION,
	.maxattr	= VCONNECT_A_MAX,
	.module		= THIS_MODULE,
	.ops		= vhba_genl_ops,
	.n_ops		= ARRAY_SIZE(vhba_genl_ops),
	.mcgrps		= vhba_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(vhba_mcgrps),
	.netnsok	= false,
	.parallel_ops	= true,	/* our own locks; see vhba.h */
};

/*
 * An event message with its type, vHBA and (if any) target; NULL when
 * nobody listens or memory is short. Send it with vhba_event_send() or
 * drop it with vhba_event_cancel(): it holds vhba_events_rwsem till then.
 */
static struct sk_buff *vhba_event_new(enum vconnect_event ev,
				      struct vhba *vhba,
				      struct vhba_session *sess, void **hdrp)
{
	struct sk_buff *msg;

	down_read(&vhba_events_rwsem);
	if (!vhba_netlink_up ||
	    !genl_has_listeners(&vhba_genl_family, &init_net, 0))
		goto unlock;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto unlock;
	*hdrp = genlmsg_put(msg, 0, 0, &vhba_genl_family, 0, VCONNECT_CMD_EVENT);
	if (!*hdrp ||
	    nla_put_u32(msg, VCONNECT_A_EVENT_TYPE, ev) ||
	    nla_put_string(msg, VCONNECT_A_VHBA_NAME, vhba->name) ||
	    (sess && nla_put_string(msg, VCONNECT_A_TARGET_NAME, sess->target_name))) {
		nlmsg_free(msg);
		goto unlock;
	}
	return msg;
unlock:
	up_read(&vhba_events_rwsem);
	return NULL;
}

static void vhba_event_send(struct sk_buff *msg, void *hdr)
{
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&vhba_genl_family, msg, 0, 0, GFP_KERNEL);
	up_read(&vhba_events_rwsem);
}

/* An event from vhba_event_new() that will not be sent. */
static void vhba_event_cancel(struct sk_buff *msg)
{
	nlmsg_free(msg);
	up_read(&vhba_events_rwsem);
}

/**
 * vhba_notify - send an event to the "events" multicast group
 * @ev: what happened
 * @vhba: the vHBA it happened to
 * @sess: the session, or NULL
 * @err: a negative errno or 0
 * @stall_us: for recoveries, how long I/O waited
 *
 * Context: process context.
 */
void vhba_notify(enum vconnect_event ev, struct vhba *vhba,
		 struct vhba_session *sess, int err, u64 stall_us)
{
	struct sk_buff *msg;
	void *hdr;

	msg = vhba_event_new(ev, vhba, sess, &hdr);
	if (!msg)
		return;
	if ((err && nla_put_s32(msg, VCONNECT_A_EVENT_ERROR, err)) ||
	    (stall_us && nla_put_u64_64bit(msg, VCONNECT_A_EVENT_STALL_US,
					   stall_us, VCONNECT_A_PAD))) {
		vhba_event_cancel(msg);
		return;
	}
	vhba_event_send(msg, hdr);
}

/**
 * vhba_notify_switch - a session moved, or a planned move failed
 * @ev: VCONNECT_EVENT_SWITCH or VCONNECT_EVENT_SWITCH_FAILED
 * @sess: the session
 * @cause: why
 * @from: the datapath it ran on
 * @err: for a failed switch or a failover, the errno; else 0
 * @stall_us: how long commands waited because of it (0 is reported)
 * @time_us: how long the whole switch took
 *
 * Context: process context.
 */
void vhba_notify_switch(enum vconnect_event ev, struct vhba_session *sess,
			enum vconnect_switch_cause cause, const char *from,
			int err, u64 stall_us, u64 time_us)
{
	struct sk_buff *msg;
	void *hdr;

	msg = vhba_event_new(ev, sess->vhba, sess, &hdr);
	if (!msg)
		return;
	if (nla_put_u32(msg, VCONNECT_A_SWITCH_CAUSE, cause) ||
	    nla_put_string(msg, VCONNECT_A_SWITCH_FROM, from) ||
	    nla_put_string(msg, VCONNECT_A_VHBA_BACKEND, sess->where) ||
	    (err && nla_put_s32(msg, VCONNECT_A_EVENT_ERROR, err)) ||
	    nla_put_u64_64bit(msg, VCONNECT_A_EVENT_STALL_US, stall_us,
			      VCONNECT_A_PAD) ||
	    nla_put_u64_64bit(msg, VCONNECT_A_SWITCH_TIME_US, time_us,
			      VCONNECT_A_PAD)) {
		vhba_event_cancel(msg);
		return;
	}
	vhba_event_send(msg, hdr);
}

int vhba_netlink_init(void)
{
	int ret = genl_register_family(&vhba_genl_family);

	vhba_netlink_up = !ret;
	return ret;
}

void vhba_netlink_exit(void)
{
	/* No event is being built or sent once we hold it. */
	down_write(&vhba_events_rwsem);
	vhba_netlink_up = false;
	up_write(&vhba_events_rwsem);
	genl_unregister_family(&vhba_genl_family);
}
