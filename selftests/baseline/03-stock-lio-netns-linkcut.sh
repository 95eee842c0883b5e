#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: LIO target inside a network namespace behind a veth pair.
# The stock initiator logs in across the pair; the link is cut under a
# pending read, the session fails, the link comes back, the session
# recovers and the read completes.  Then data is verified.
. "$(dirname "$0")/../lib/guest-lib.sh"

require_cmd iscsiadm iscsid fio python3 nsenter ss

ns=vclink
netns_target_setup $ns 10.77.0.1 10.77.0.2 || fail "netns setup failed"
TARGET_NETNS=$ns lio_start linkcut 1 64 10.77.0.2 || fail "LIO in netns did not start"

# LIO binds its portal in the namespace of the process that configured it.
nsenter --net=/run/netns/$ns ss -Hltn | grep -q '10.77.0.2:3260' ||
	fail "portal not listening inside $ns"
! ss -Hltn | grep -q ':3260' || fail "portal listening in the init namespace"

dev=$(iscsi_login_stock "$TARGET_IQN" "$TARGET_PORTAL") || fail "login failed"
state=$(echo /sys/class/iscsi_session/session*/state)
fio_verify "$dev" 16M || fail "fio verify failed before the cut"

link_cut $ns
dd if="$dev" of=/dev/null bs=4k count=1 skip=100 iflag=direct 2>/dev/null &
dd_pid=$!
# NOP-Out interval and timeout are 5 s each by default.
wait_for "grep -q FAILED $state" 30 || fail "session did not notice the dead link"
note "session failed, restoring the link"
link_restore $ns
wait_for "grep -q LOGGED_IN $state" 60 || fail "session did not recover"
wait $dd_pid || fail "read pending across the cut failed"
note "session recovered, pending read completed"

fio_verify "$dev" 16M || fail "fio verify failed after the cut"
iscsi_logout_stock "$TARGET_IQN" "$TARGET_PORTAL" || fail "logout failed"
lio_stop linkcut
netns_teardown $ns
