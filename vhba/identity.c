// SPDX-License-Identifier: GPL-2.0
/*
 * vHBA identity: names, initiator names, ISIDs, and their uniqueness on
 * the host. Everything here runs with vhba_mutex held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <asm/unaligned.h>
#include <net/netlink.h>

#include "vhba.h"

/*
 * The identities that must be unique on the host, hashed so that creating
 * a vHBA, or finding one by name, does not walk every vHBA (a host may
 * have a thousand). A vHBA is in these tables exactly while it is on
 * vhba_list, from vhba_publish() to vhba_unpublish().
 */
#define VHBA_HASH_BITS	9

static DEFINE_HASHTABLE(vhba_by_name, VHBA_HASH_BITS);
static DEFINE_HASHTABLE(vhba_by_isid, VHBA_HASH_BITS);	/* name + ISID pair */
static DEFINE_HASHTABLE(vhba_by_wwpn, VHBA_HASH_BITS);

static u32 vhba_str_hash(const char *s)
{
	return full_name_hash(NULL, s, strlen(s));
}

/* Both ISIDs of a pair (see vhba_isid_in_use()) hash alike. */
static u32 vhba_isid_hash(const char *iname, u64 isid)
{
	return vhba_str_hash(iname) ^ hash_64(isid | 1, 32);
}

/* vHBA names become sysfs values and CLI words: keep them plain. */
int vhba_validate_name(const char *name, struct netlink_ext_ack *extack)
{
	size_t len = strlen(name);
	size_t i;

	if (!len || len >= VCONNECT_VHBA_NAME_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "vHBA name must be 1 to 31 characters");
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!isalnum(name[i]) && !strchr("_.-", name[i])) {
			NL_SET_ERR_MSG_MOD(extack,
					   "vHBA name may only contain letters, digits, '_', '.', '-'");
			return -EINVAL;
		}
	}
	return 0;
}

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit(s[i]))
			return false;
	return true;
}

/*
 * RFC 7143 section 4.2.7: iqn.yyyy-mm.reversed-domain[:anything],
 * eui.<16 hex>, naa.<16 or 32 hex>. Names are compared after stringprep,
 * which lowercases; we require the lowercase form rather than rewrite it.
 */
int vhba_validate_iscsi_name(const char *iname, struct netlink_ext_ack *extack)
{
	size_t len = strlen(iname);
	size_t i;

	if (!len || len >= VCONNECT_ISCSI_NAME_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "iSCSI name must be 1 to 223 bytes");
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		char c = iname[i];

		if (!(islower(c) || isdigit(c) || strchr("-.:", c))) {
			NL_SET_ERR_MSG_MOD(extack,
					   "iSCSI name may only contain lowercase letters, digits, '-', '.', ':'");
			return -EINVAL;
		}
	}
	if (!strncmp(iname, "iqn.", 4)) {
		/* iqn.yyyy-mm.x */
		if (len < 12 || !isdigit(iname[4]) || !isdigit(iname[5]) ||
		    !isdigit(iname[6]) || !isdigit(iname[7]) || iname[8] != '-' ||
		    !isdigit(iname[9]) || !isdigit(iname[10]) ||
		    iname[11] != '.' || len == 12) {
			NL_SET_ERR_MSG_MOD(extack,
					   "iqn. name must look like iqn.yyyy-mm.reversed.domain[:id]");
			return -EINVAL;
		}
		return 0;
	}
	if (!strncmp(iname, "eui.", 4)) {
		if (len != 20 || !all_hex(iname + 4, 16)) {
			NL_SET_ERR_MSG_MOD(extack, "eui. name must be followed by 16 hex digits");
			return -EINVAL;
		}
		return 0;
	}
	if (!strncmp(iname, "naa.", 4)) {
		if ((len != 20 && len != 36) || !all_hex(iname + 4, len - 4)) {
			NL_SET_ERR_MSG_MOD(extack, "naa. name must be followed by 16 or 32 hex digits");
			return -EINVAL;
		}
		return 0;
	}
	NL_SET_ERR_MSG_MOD(extack, "iSCSI name must start with iqn., eui. or naa.");
	return -EINVAL;
}

/* The 6-byte ISID as the big-endian 48-bit number netlink and sysfs show. */
u64 vhba_isid_to_u64(const u8 *isid)
{
	BUILD_BUG_ON(VCONNECT_ISID_LEN != 6);
	return get_unaligned_be48(isid);
}

/*
 * Each vHBA owns a pair of ISIDs that differ in the lowest bit of the
 * qualifier (D) field, so that a session can be rebuilt beside the old one
 * (make-before-break) without reinstating it. Uniqueness is checked for
 * the pair.
 */
static bool vhba_isid_in_use(const char *iname, u64 isid)
{
	struct vhba *v;

	hash_for_each_possible(vhba_by_isid, v, isid_node,
			       vhba_isid_hash(iname, isid)) {
		if (strcmp(v->initiator_name, iname))
			continue;
		if ((vhba_isid_to_u64(v->isid) | 1) == (isid | 1))
			return true;
	}
	return false;
}

static bool vhba_wwpn_in_use(u64 wwpn)
{
	struct vhba *v;

	hash_for_each_possible(vhba_by_wwpn, v, wwpn_node, wwpn)
		if (v->wwpn == wwpn)
			return true;
	return false;
}

struct vhba *vhba_find(const char *name)
{
	struct vhba *v;

	lockdep_assert_held(&vhba_mutex);
	hash_for_each_possible(vhba_by_name, v, name_node, vhba_str_hash(name))
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

/* List the vHBA and make its identity taken. Caller holds vhba_mutex. */
void vhba_publish(struct vhba *vhba)
{
	lockdep_assert_held(&vhba_mutex);
	list_add_tail(&vhba->node, &vhba_list);
	hash_add(vhba_by_name, &vhba->name_node, vhba_str_hash(vhba->name));
	hash_add(vhba_by_isid, &vhba->isid_node,
		 vhba_isid_hash(vhba->initiator_name,
				vhba_isid_to_u64(vhba->isid)));
	if (vhba->wwpn)
		hash_add(vhba_by_wwpn, &vhba->wwpn_node, vhba->wwpn);
}

/* Undo vhba_publish(). Caller holds vhba_mutex. */
void vhba_unpublish(struct vhba *vhba)
{
	lockdep_assert_held(&vhba_mutex);
	list_del(&vhba->node);
	hash_del(&vhba->name_node);
	hash_del(&vhba->isid_node);
	hash_del(&vhba->wwpn_node);
}

/*
 * Random-type ISID (RFC 7143 10.12.5: T=10b, A=0, B and C random, D a
 * qualifier). Random B/C makes a collision with other initiators on the
 * same target unlikely even though their initiator names differ anyway;
 * the D qualifier's low bit is the A/B pair bit and stays clear here.
 */
static u64 vhba_isid_generate(const char *iname)
{
	int tries;

	for (tries = 0; tries < 64; tries++) {
		u64 isid = 0x800000000000ULL |
			   ((u64)get_random_u32() & 0xffffff) << 16 |
			   (get_random_u32() & 0xfffe);

		if (!vhba_isid_in_use(iname, isid))
			return isid;
	}
	return 0;
}

/* Fill in vhba's identity from @cfg; refuses duplicates on the host. */
int vhba_identity_assign(struct vhba *vhba, const struct vhba_config *cfg,
			 struct netlink_ext_ack *extack)
{
	u64 isid;

	lockdep_assert_held(&vhba_mutex);

	if (vhba_find(cfg->name)) {
		NL_SET_ERR_MSG_MOD(extack, "a vHBA with this name already exists");
		return -EEXIST;
	}
	strscpy(vhba->name, cfg->name, sizeof(vhba->name));

	if (cfg->initiator_name)
		strscpy(vhba->initiator_name, cfg->initiator_name,
			sizeof(vhba->initiator_name));
	else
		snprintf(vhba->initiator_name, sizeof(vhba->initiator_name),
			 "naa.%016llx", cfg->wwpn);

	if (cfg->wwpn && vhba_wwpn_in_use(cfg->wwpn)) {
		NL_SET_ERR_MSG_MOD(extack, "WWPN already used by another vHBA");
		return -EEXIST;
	}
	vhba->wwpn = cfg->wwpn;
	vhba->wwnn = cfg->wwnn;

	if (cfg->isid_set) {
		isid = cfg->isid;
		if (isid >> 48) {
			NL_SET_ERR_MSG_MOD(extack, "ISID is 48 bits");
			return -EINVAL;
		}
		if (vhba_isid_in_use(vhba->initiator_name, isid)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "initiator name + ISID (or its pair ISID ^ 1) already used by another vHBA");
			return -EEXIST;
		}
	} else {
		isid = vhba_isid_generate(vhba->initiator_name);
		if (!isid) {
			NL_SET_ERR_MSG_MOD(extack, "could not find a free ISID");
			return -EBUSY;
		}
	}
	put_unaligned_be48(isid, vhba->isid);
	return 0;
}
