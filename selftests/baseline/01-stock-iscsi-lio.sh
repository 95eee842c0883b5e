#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: LIO target on 127.0.0.1 with one LUN, the stock open-iscsi
# initiator logs in, fio writes 64 MiB and verifies it, logout.
. "$(dirname "$0")/../lib/guest-lib.sh"

require_cmd iscsiadm iscsid fio python3

lio_start base 1 128 || fail "LIO target did not start"
dev=$(iscsi_login_stock "$TARGET_IQN" "$TARGET_PORTAL") || fail "login failed"
note "logged in: $dev"
[ -b "$dev" ] || fail "$dev is not a block device"
fio_verify "$dev" 64M || fail "fio verify failed on $dev"
iscsi_logout_stock "$TARGET_IQN" "$TARGET_PORTAL" || fail "logout failed"
lio_stop base || fail "LIO cleanup failed"
