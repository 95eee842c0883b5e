// SPDX-License-Identifier: GPL-2.0
/*
 * CHAP (RFC 1994) as iSCSI uses it (RFC 7143 section 12.1.3), with MD5
 * (CHAP_A=5) from the kernel crypto API.
 *
 *   I->T  AuthMethod=CHAP
 *   T->I  AuthMethod=CHAP
 *   I->T  CHAP_A=5
 *   T->I  CHAP_A=5 CHAP_I=<id> CHAP_C=<challenge>
 *   I->T  CHAP_N=<user> CHAP_R=MD5(id|secret|challenge)
 *         [mutual: CHAP_I=<our id> CHAP_C=<our challenge>]
 *   T->I  [mutual: CHAP_N=<target user> CHAP_R=MD5(our id|msecret|our chal)]
 *
 * Binary values come as hex ("0x") or base64 ("0b"); we send hex.
 *
 * Reflection: a rogue target that cannot answer our challenge could try to
 * have us answer it, by sending it to us as its own challenge in another
 * login. We remember the challenges we sent recently and refuse to answer
 * any of them, and refuse mutual CHAP configured with one secret for both
 * directions (RFC 7143 12.1.3).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <crypto/algapi.h>
#include <linux/base64.h>
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "software.h"

#define VCSW_CHAP_MD5		5
#define VCSW_MD5_LEN		16
#define VCSW_CHAP_CHAL_LEN	16	/* our challenge */
#define VCSW_CHAP_CHAL_MAX	1024	/* longest challenge we answer */
#define VCSW_CHAP_RECENT	32

struct vcsw_chap {
	const struct vconnect_chap *cfg;
	struct crypto_shash *md5;
	bool mutual;
	bool sent;		/* our CHAP_I/CHAP_C were sent */
	u8 id;
	u8 chal[VCSW_CHAP_CHAL_LEN];
};

/* Challenges we sent recently, to refuse a target that reflects them. */
static DEFINE_SPINLOCK(vcsw_chap_recent_lock);
static u8 vcsw_chap_recent[VCSW_CHAP_RECENT][VCSW_CHAP_CHAL_LEN];
static unsigned int vcsw_chap_recent_next;

static void vcsw_chap_remember(const u8 *chal)
{
	spin_lock(&vcsw_chap_recent_lock);
	memcpy(vcsw_chap_recent[vcsw_chap_recent_next], chal,
	       VCSW_CHAP_CHAL_LEN);
	vcsw_chap_recent_next = (vcsw_chap_recent_next + 1) % VCSW_CHAP_RECENT;
	spin_unlock(&vcsw_chap_recent_lock);
}

static bool vcsw_chap_is_ours(const u8 *chal, size_t len)
{
	bool found = false;
	int i;

	if (len != VCSW_CHAP_CHAL_LEN)
		return false;
	spin_lock(&vcsw_chap_recent_lock);
	for (i = 0; i < VCSW_CHAP_RECENT && !found; i++)
		found = !memcmp(vcsw_chap_recent[i], chal, len);
	spin_unlock(&vcsw_chap_recent_lock);
	return found;
}

struct vcsw_chap *vcsw_chap_create(const struct vconnect_chap *cfg)
{
	struct vcsw_chap *c;
	int err;

	if (!cfg->secret_len || cfg->secret_len > VCONNECT_CHAP_SECRET_MAX ||
	    cfg->msecret_len > VCONNECT_CHAP_SECRET_MAX ||
	    !memchr(cfg->user, '\0', sizeof(cfg->user)) ||
	    !memchr(cfg->muser, '\0', sizeof(cfg->muser)))
		return ERR_PTR(-EINVAL);

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->cfg = cfg;
	c->mutual = cfg->muser[0] || cfg->msecret_len;
	if (c->mutual) {
		if (!cfg->msecret_len) {
			err = -EINVAL;
			goto err_free_chap;
		}
		if (cfg->secret_len == cfg->msecret_len &&
		    !memcmp(cfg->secret, cfg->msecret, cfg->secret_len)) {
			pr_info("mutual CHAP with the same secret both ways is not allowed\n");
			err = -EINVAL;
			goto err_free_chap;
		}
	}
	c->md5 = crypto_alloc_shash("md5", 0, 0);
	if (IS_ERR(c->md5)) {
		err = PTR_ERR(c->md5);
		pr_err("no md5 in the crypto API: %d\n", err);
		goto err_free_chap;
	}
	return c;

err_free_chap:
	kfree(c);
	return ERR_PTR(err);
}

void vcsw_chap_destroy(struct vcsw_chap *c)
{
	if (!c)
		return;
	crypto_free_shash(c->md5);
	kfree_sensitive(c);
}

bool vcsw_chap_mutual(const struct vcsw_chap *c)
{
	return c->mutual;
}

static int vcsw_chap_md5(struct vcsw_chap *c, u8 id, const u8 *secret,
			 unsigned int secret_len, const u8 *chal,
			 unsigned int chal_len, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, c->md5);
	int err;

	desc->tfm = c->md5;
	err = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, &id, 1) ?:
	      crypto_shash_update(desc, secret, secret_len) ?:
	      crypto_shash_finup(desc, chal, chal_len, out);
	shash_desc_zero(desc);
	return err;
}

/*
 * Base64 (RFC 4648, with or without '=' padding, as RFC 7143 allows):
 * the kernel's base64_decode() does the decoding, once the length is
 * known to fit @max (it has no bound of its own) and padding is only at
 * the end (it would accept it anywhere).
 */
static int vcsw_b64_decode(const char *s, u8 *out, size_t max)
{
	size_t len = strlen(s);
	int n;

	while (len && s[len - 1] == '=')
		len--;
	if (!len || memchr(s, '=', len))
		return -EINVAL;
	if (len > INT_MAX || len * 6 / 8 > max)
		return -E2BIG;
	n = base64_decode(s, len, out);
	return n < 0 ? -EINVAL : n;
}

/* Decode a CHAP binary value ("0x..." hex or "0b..." base64). */
static int vcsw_chap_decode(const char *s, u8 *out, size_t max)
{
	size_t len;

	if (s[0] != '0')
		return -EINVAL;
	if (s[1] == 'b' || s[1] == 'B')
		return vcsw_b64_decode(s + 2, out, max);
	if (s[1] != 'x' && s[1] != 'X')
		return -EINVAL;
	s += 2;
	len = strlen(s);
	if (!len || DIV_ROUND_UP(len, 2) > max)
		return -E2BIG;
	if (len & 1) {
		/* An odd number of digits: the first one is a low nibble. */
		int v = hex_to_bin(*s);

		if (v < 0)
			return -EINVAL;
		*out++ = v;
		s++;
		len--;
		if (hex2bin(out, s, len / 2))
			return -EINVAL;
		return len / 2 + 1;
	}
	if (hex2bin(out, s, len / 2))
		return -EINVAL;
	return len / 2;
}

static void vcsw_text_add_hex(struct vcsw_text *out, const char *key,
			      const u8 *bin, size_t len)
{
	char hex[2 * VCSW_MD5_LEN + 1];

	BUILD_BUG_ON(VCSW_CHAP_CHAL_LEN > VCSW_MD5_LEN);
	bin2hex(hex, bin, len);
	hex[2 * len] = '\0';
	vcsw_text_add(out, key, "0x%s", hex);
}

/* Answer the target's challenge; add our own when mutual. */
int vcsw_chap_respond(struct vcsw_chap *c, struct vcsw_session *sess,
		      const char *chap_a, const char *chap_i,
		      const char *chap_c, struct vcsw_text *out)
{
	u8 digest[VCSW_MD5_LEN];
	u32 alg, id;
	u8 *chal;
	int len, err;

	if (!chap_a || vcsw_parse_num(chap_a, 0, 255, &alg) ||
	    alg != VCSW_CHAP_MD5) {
		vcsw_info(sess, "target did not accept CHAP_A=5 (MD5): %s\n",
			  chap_a ?: "(none)");
		return -EACCES;
	}
	if (!chap_i || !chap_c || vcsw_parse_num(chap_i, 0, 255, &id)) {
		vcsw_warn(sess, "CHAP: missing or bad CHAP_I/CHAP_C\n");
		return -EPROTO;
	}
	chal = kmalloc(VCSW_CHAP_CHAL_MAX, GFP_KERNEL);
	if (!chal)
		return -ENOMEM;
	len = vcsw_chap_decode(chap_c, chal, VCSW_CHAP_CHAL_MAX);
	if (len <= 0) {
		vcsw_warn(sess, "CHAP: bad CHAP_C\n");
		err = -EPROTO;
		goto out_free_chal;
	}
	if (vcsw_chap_is_ours(chal, len)) {
		vcsw_info(sess, "CHAP: target sent back one of our own challenges, refusing\n");
		err = -EACCES;
		goto out_free_chal;
	}
	err = vcsw_chap_md5(c, id, c->cfg->secret, c->cfg->secret_len,
			    chal, len, digest);
	if (err)
		goto out_free_chal;
	vcsw_text_add(out, "CHAP_N", "%s", c->cfg->user);
	vcsw_text_add_hex(out, "CHAP_R", digest, sizeof(digest));

	if (c->mutual) {
		do {
			get_random_bytes(c->chal, sizeof(c->chal));
		} while (len == sizeof(c->chal) &&
			 !memcmp(c->chal, chal, sizeof(c->chal)));
		get_random_bytes(&c->id, sizeof(c->id));
		vcsw_chap_remember(c->chal);
		vcsw_text_add(out, "CHAP_I", "%u", c->id);
		vcsw_text_add_hex(out, "CHAP_C", c->chal, sizeof(c->chal));
		c->sent = true;
	}
	err = out->err;
out_free_chal:
	memzero_explicit(digest, sizeof(digest));
	kfree(chal);
	return err;
}

/* Check the target's answer to our challenge (mutual CHAP). */
int vcsw_chap_verify(struct vcsw_chap *c, struct vcsw_session *sess,
		     const char *chap_n, const char *chap_r)
{
	u8 expect[VCSW_MD5_LEN], got[VCSW_MD5_LEN];
	int len, err;

	if (!c->mutual)
		return 0;
	if (!c->sent || !chap_n || !chap_r) {
		vcsw_info(sess, "mutual CHAP: target did not authenticate itself\n");
		return -EACCES;
	}
	if (c->cfg->muser[0] && strcmp(chap_n, c->cfg->muser)) {
		vcsw_info(sess, "mutual CHAP: target name '%s' is not the expected one\n",
			  chap_n);
		return -EACCES;
	}
	len = vcsw_chap_decode(chap_r, got, sizeof(got));
	if (len != VCSW_MD5_LEN) {
		vcsw_info(sess, "mutual CHAP: bad CHAP_R from target\n");
		return -EACCES;
	}
	err = vcsw_chap_md5(c, c->id, c->cfg->msecret, c->cfg->msecret_len,
			    c->chal, sizeof(c->chal), expect);
	if (err)
		return err;
	err = crypto_memneq(expect, got, sizeof(expect)) ? -EACCES : 0;
	if (err)
		vcsw_info(sess, "mutual CHAP: target's response is wrong (wrong mutual secret?)\n");
	memzero_explicit(expect, sizeof(expect));
	return err;
}
