#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 90
#
# The library's tgtd handling against a tgtd it did not start (a stray
# one holding the next control port and the default portal, as a test
# that starts tgtd by hand and "kills" it with SIGTERM, which tgtd
# ignores, leaves behind): tgt_start skips the held control port,
# refuses the taken portal with nothing left running, and on a free
# portal talks to the daemon it started; tgt_stop leaves the control
# port and portal free at once, so start/stop cycles on one portal work
# back to back; the runner's reset stops the stray.
. "$(dirname "$0")/../lib/guest-lib.sh"

require_cmd tgtd tgtadm ss

# tgtd_groups: the number of live tgtd process tgtd_groups.
tgtd_groups() {
	ps -C tgtd -o pgid=,stat= | awk '$2 !~ /^Z/ { print $1 }' | sort -u | wc -l
}
[ "$(tgtd_groups)" = 0 ] || fail "a tgtd runs before the test"

stray=$(($(cat "$VC_STATE/tgt/.next" 2>/dev/null || echo 0) + 1))
tgtd -C $stray --iscsi portal=127.0.0.1:3261 || fail "stray tgtd"
wait_for "tgtadm -C $stray --op show --mode sys >/dev/null 2>&1" 10 || fail "stray tgtd not up"
kill -TERM "$(tgt_lock_holder $stray)"
sleep 0.5
tgt_lock_holder $stray >/dev/null || fail "tgtd now exits on SIGTERM: update the library's notes"
echo "stray tgtd on control port $stray and 127.0.0.1:3261 (survived SIGTERM)"

# The default portal is taken: refused, nothing of ours left running.
if tgt_start clash 1 16 2>err; then
	fail "tgt_start succeeded on a portal another tgtd holds"
fi
cat err
grep -q "already in use" err || fail "the refusal does not name the portal"
[ "$(tgtd_groups)" = 1 ] || fail "tgt_start left a tgtd behind"

# A free portal: a new control port, and the target is on our daemon.
for i in 1 2 3; do
	tgt_start clash 1 16 127.0.0.1 3263 || fail "tgt_start on a free portal (round $i)"
	[ "$TGT_CONTROL_PORT" != $stray ] || fail "tgt_start took the stray's control port"
	pid=$(cat "$VC_STATE/tgt/clash.pid")
	[ "$(tgt_lock_holder "$TGT_CONTROL_PORT")" = "$pid" ] || fail "control port $TGT_CONTROL_PORT is not our tgtd's"
	tgt_listener 127.0.0.1 3263 | grep -q "pid=$pid," || fail "portal 3263 is not our tgtd's"
	tgtadm -C "$TGT_CONTROL_PORT" --lld iscsi --op show --mode target | grep -q "$TARGET_IQN" ||
		fail "our target is not on control port $TGT_CONTROL_PORT"
	! tgtadm -C $stray --lld iscsi --op show --mode target | grep -q "$TARGET_IQN" ||
		fail "our target ended up on the stray tgtd"
	cp=$TGT_CONTROL_PORT
	tgt_stop clash || fail "tgt_stop (round $i)"
	! tgt_lock_holder "$cp" >/dev/null || fail "control port $cp still held after tgt_stop"
	! tgt_listener 127.0.0.1 3263 >/dev/null || fail "portal 3263 still open after tgt_stop"
	echo "round $i: tgtd $pid on control port $cp, stopped and gone"
done

# The runner's reset stops the stray (it has no pid file).
vc_reset_all
[ "$(tgtd_groups)" = 0 ] || fail "the reset left a tgtd running"
! tgt_listener 127.0.0.1 3261 >/dev/null || fail "portal 3261 still open after the reset"
