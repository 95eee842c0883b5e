// SPDX-License-Identifier: GPL-2.0
/*
 * HeaderDigest and DataDigest: CRC32C (RFC 7143 section 13.1, appendix B.4
 * of RFC 3720 for the test vectors).
 *
 * A digest is the ones' complement of the CRC32C (initial value ~0) of the
 * covered bytes, sent least significant byte first. The data digest covers
 * the data segment and its padding.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bvec.h>
#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/string.h>

#include "software.h"

u32 vcsw_crc(u32 crc, const void *p, size_t len)
{
	return crc32c(crc, p, len);
}

u32 vcsw_crc_bvec(u32 crc, const struct bio_vec *bv, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		void *va = kmap_local_page(bv[i].bv_page);

		crc = crc32c(crc, va + bv[i].bv_offset, bv[i].bv_len);
		kunmap_local(va);
	}
	return crc;
}

/* The three 32-byte vectors of RFC 3720 appendix B.4. */
int vcsw_digest_selftest(void)
{
	static const u32 expect[3] = { 0x8a9136aa, 0x62a8ab43, 0x46dd794e };
	u8 buf[32];
	int v, i;

	for (v = 0; v < 3; v++) {
		u32 crc;

		for (i = 0; i < 32; i++)
			buf[i] = v == 0 ? 0 : v == 1 ? 0xff : i;
		crc = ~vcsw_crc(VCSW_CRC_INIT, buf, sizeof(buf));
		if (crc != expect[v]) {
			pr_err("crc32c self-test %d failed: %08x != %08x\n",
			       v, crc, expect[v]);
			return -EINVAL;
		}
	}
	return 0;
}
