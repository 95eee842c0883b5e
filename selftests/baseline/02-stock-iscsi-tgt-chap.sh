#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: tgt (userspace target) with mutual CHAP; the stock initiator
# logs in with the right secrets and verifies I/O, and is refused with a
# wrong password or when the target cannot prove the mutual secret.
. "$(dirname "$0")/../lib/guest-lib.sh"

require_cmd iscsiadm iscsid tgtd tgtadm fio

export CHAP_USER=vcuser CHAP_PASS=vc-secret-0123
export MUTUAL_USER=vctarget MUTUAL_PASS=vc-target-0123
tgt_start chap 1 64 || fail "tgt did not start"

dev=$(iscsi_login_stock "$TARGET_IQN" "$TARGET_PORTAL") || fail "login with CHAP failed"
fio_verify "$dev" 32M || fail "fio verify failed on $dev"
iscsi_logout_stock "$TARGET_IQN" "$TARGET_PORTAL" || fail "logout failed"

note "wrong CHAP password"
if CHAP_PASS=wrong-secret-0123 iscsi_login_stock "$TARGET_IQN" "$TARGET_PORTAL" >/dev/null; then
	fail "login with a wrong CHAP password succeeded"
fi
iscsi_logout_stock >/dev/null 2>&1
note "target fails mutual CHAP"
if MUTUAL_PASS=wrong-target-0123 iscsi_login_stock "$TARGET_IQN" "$TARGET_PORTAL" >/dev/null; then
	fail "login succeeded although the target failed mutual CHAP"
fi
iscsi_logout_stock >/dev/null 2>&1
note "done"
tgt_stop chap
echo "CHAP accepted with the right secrets, refused with wrong ones"
