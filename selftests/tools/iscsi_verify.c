// SPDX-License-Identifier: GPL-2.0
/*
 * iscsi_verify: a small libiscsi client that writes a pattern to a LUN,
 * reads it back and compares, command by command.  Used to check
 * hostile_target (and what libiscsi does when the target misbehaves).
 *
 *   iscsi_verify [options] iscsi://HOST[:PORT]/TARGET-IQN/LUN
 *
 * Every 512-byte block carries its LBA and the seed, so stale or misplaced
 * data is caught.  A failed command is retried (-r); the exit status is 0
 * only if every block read back matches.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define BLK 512

static void fill(uint8_t *buf, uint64_t lba, uint32_t nblk, uint64_t seed)
{
	for (uint32_t b = 0; b < nblk; b++) {
		uint64_t x = (lba + b) * 0x9e3779b97f4a7c15ull ^ seed;
		uint8_t *p = buf + (size_t)b * BLK;

		memcpy(p, &(uint64_t){ lba + b }, 8);
		memcpy(p + 8, &seed, 8);
		for (int i = 16; i < BLK; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(p + i, &x, 8);
		}
	}
}

static void usage(void)
{
	fprintf(stderr,
"usage: iscsi_verify [-i INITIATOR] [-l FIRST_LBA] [-n MIB] [-b KIB] [-s SEED]\n"
"                    [-r RETRIES] [-t SECS] [-x] [-d] [-D LEVEL] [-R | -W] URL\n"
"  -n MIB     amount to write and read back (default 4)\n"
"  -b KIB     bytes per command (default 64)\n"
"  -r N       retries of a failed command (default 3)\n"
"  -t SECS    libiscsi command timeout (default 10)\n"
"  -x         drop the connection and log in again before each retry\n"
"  -d         ask for HeaderDigest=CRC32C\n"
"  -D LEVEL   libiscsi log level to stderr\n"
"  -R / -W    only read and verify / only write\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *iname = "iqn.2026-11.org.example:verify";
	uint64_t first = 0, seed = 1;
	uint32_t mib = 4, kib = 64;
	int timeout = 10;
	int retries = 3, digest = 0, debug = 0, do_write = 1, do_read = 1, reconnect = 0;
	unsigned long failures = 0, gaveup = 0, mismatches = 0, wcmds = 0, rcmds = 0;
	struct iscsi_context *iscsi;
	struct iscsi_url *url;
	uint8_t *want;
	uint32_t nblk, per;
	int o, lun;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((o = getopt(argc, argv, "i:l:n:b:s:r:t:xdD:RW")) != -1) {
		switch (o) {
		case 'i': iname = optarg; break;
		case 'l': first = strtoull(optarg, NULL, 0); break;
		case 'n': mib = strtoul(optarg, NULL, 0); break;
		case 'b': kib = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'r': retries = atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		case 'x': reconnect = 1; break;
		case 'd': digest = 1; break;
		case 'D': debug = atoi(optarg); break;
		case 'R': do_write = 0; break;
		case 'W': do_read = 0; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || !mib || !kib || kib > 4096)
		usage();

	iscsi = iscsi_create_context(iname);
	if (!iscsi) {
		fprintf(stderr, "iscsi_verify: no context\n");
		return 1;
	}
	if (debug) {
		iscsi_set_log_level(iscsi, debug);
		iscsi_set_log_fn(iscsi, iscsi_log_to_stderr);
	}
	url = iscsi_parse_full_url(iscsi, argv[optind]);
	if (!url) {
		fprintf(stderr, "iscsi_verify: %s\n", iscsi_get_error(iscsi));
		return 1;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, digest ? ISCSI_HEADER_DIGEST_CRC32C_NONE :
					       ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_timeout(iscsi, timeout);
	lun = url->lun;
	if (iscsi_full_connect_sync(iscsi, url->portal, lun)) {
		fprintf(stderr, "iscsi_verify: login failed: %s\n", iscsi_get_error(iscsi));
		return 1;
	}
	printf("iscsi_verify: logged in to %s lun %d\n", url->target, lun);

	per = kib * 1024 / BLK;
	nblk = mib * 2048;
	want = malloc((size_t)per * BLK);
	if (!want)
		return 1;

	for (int pass = 0; pass < 2; pass++) {
		int writing = pass == 0;

		if ((writing && !do_write) || (!writing && !do_read))
			continue;
		for (uint32_t done = 0; done < nblk; done += per) {
			uint32_t n = nblk - done < per ? nblk - done : per;
			uint64_t lba = first + done;
			int tries = 0;

			fill(want, lba, n, seed);
			for (;;) {
				struct scsi_task *t;
				int ok;

				if (writing)
					t = iscsi_write16_sync(iscsi, lun, lba, want, n * BLK, BLK,
							       0, 0, 0, 0, 0);
				else
					t = iscsi_read16_sync(iscsi, lun, lba, n * BLK, BLK,
							      0, 0, 0, 0, 0);
				writing ? wcmds++ : rcmds++;
				ok = t && t->status == SCSI_STATUS_GOOD;
				if (ok && !writing) {
					if (t->datain.size != (int)(n * BLK) ||
					    memcmp(t->datain.data, want, n * BLK)) {
						mismatches++;
						printf("iscsi_verify: MISMATCH lba %llu..%llu (got %d bytes)\n",
						       (unsigned long long)lba,
						       (unsigned long long)(lba + n - 1),
						       t->datain.size);
					}
				}
				if (!ok) {
					failures++;
					printf("iscsi_verify: %s lba %llu blocks %u failed: %s (status %d); %s\n",
					       writing ? "WRITE(16)" : "READ(16)",
					       (unsigned long long)lba, n,
					       iscsi_get_error(iscsi), t ? t->status : -1,
					       tries < retries ? "retrying" : "giving up");
				}
				if (t)
					scsi_free_scsi_task(t);
				if (ok)
					break;
				if (tries++ >= retries) {
					gaveup++;
					break;
				}
				if (reconnect) {
					printf("iscsi_verify: reconnecting before the retry\n");
					if (iscsi_reconnect_sync(iscsi))
						printf("iscsi_verify: reconnect failed: %s\n",
						       iscsi_get_error(iscsi));
				}
			}
		}
		printf("iscsi_verify: %s %u blocks at lba %llu\n", writing ? "wrote" : "read back",
		       nblk, (unsigned long long)first);
	}
	printf("iscsi_verify: %lu writes, %lu reads, %lu failed commands (%lu given up), %lu mismatches\n",
	       wcmds, rcmds, failures, gaveup, mismatches);
	iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return mismatches || gaveup ? 1 : 0;
}
