#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# ERL 0 recovery with real peers: link cut and restored under verified
# I/O (LIO in a network namespace), LIO's portal group disabled and
# re-enabled mid-I/O, tgtd killed and restarted mid-I/O. Zero I/O errors
# while within the replacement timeout; then, with a short replacement
# timeout, I/O fails fast and the session comes back on its own once the
# target does.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio nsenter
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:recvm
export VC_INITIATORS=$INAME
ns=vcrec

# fio_bg DEV SECS NAME: background fio that verifies as it writes, for
# SECS seconds; its pid in $pid (not a subshell: we wait for it).
fio_bg() {
	fio --name=bg --filename="$1" --direct=1 --ioengine=libaio --iodepth=16 \
		--rw=randwrite --bsrange=4k-64k --size=16M --time_based \
		--runtime="$2" --verify=crc32c --verify_backlog=32 \
		--verify_fatal=1 >fio-"$3".log 2>&1 &
	pid=$!
}

check_fio() {
	wait "$1" || { tail -n 30 fio-"$2".log; fail "$2: fio saw errors"; }
	grep -q 'err= *[1-9]' fio-"$2".log && fail "$2: fio saw errors"
	echo "$2: fio ok across the outage"
}

# recovered NAME OLD_COUNT: the session recovered at least once more.
recovered() {
	[ "$(vc_sess "$1" recoveries)" -gt "$2" ] &&
		[ "$(vc_sess "$1" state)" = logged-in ]
}

# --- link cut and restore, LIO in a namespace ---
netns_target_setup $ns 10.78.0.1 10.78.0.2 || fail "netns"
TARGET_NETNS=$ns LIO_ACL_INITIATORS=$INAME lio_start rec 1 64 10.78.0.2 || fail "LIO in netns"
"$VCTL" vhba add r1 initiator "$INAME" replacement-timeout 90 || fail "add"
"$VCTL" vhba attach r1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
disk=$(vc_disks r1 1) || fail "no disk"

fio_bg "$disk" 40 linkcut
sleep 5
link_cut $ns
t0=$SECONDS
wait_for "[ \$(vc_sess r1 state) != logged-in ]" 30 || fail "dead link not detected"
note "link cut detected after $((SECONDS - t0)) s (state $(vc_sess r1 state))"
sleep 5
link_restore $ns
wait_for "recovered r1 0" 60 || fail "session did not recover after the link came back"
note "session reinstated $((SECONDS - t0)) s after the cut"
check_fio "$pid" linkcut

# --- LIO portal group disabled and re-enabled (target restart) ---
tpg=/sys/kernel/config/target/iscsi/$TARGET_IQN/tpgt_1/enable
n=$(vc_sess r1 recoveries)
fio_bg "$disk" 30 liorestart
sleep 5
echo 0 >"$tpg" || fail "could not disable the TPG"
sleep 6
echo 1 >"$tpg" || fail "could not enable the TPG"
wait_for "recovered r1 $n" 60 || fail "session did not recover after the target came back"
check_fio "$pid" liorestart
[ "$(vc_sess r1 errors)" = 0 ] || fail "errors counted: $(vc_sess r1 errors)"

# --- fast failure after the replacement timeout ---
"$VCTL" vhba del r1 || fail "del"
"$VCTL" vhba add r2 initiator "$INAME" replacement-timeout 5 || fail "add r2"
"$VCTL" vhba attach r2 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach r2"
disk=$(vc_disks r2 1) || fail "no disk r2"
link_cut $ns
t0=$SECONDS
if dd if="$disk" of=/dev/null bs=4k count=1 skip=77 iflag=direct 2>dd.err; then
	fail "read succeeded with the link cut"
fi
took=$((SECONDS - t0))
note "read failed after $took s: $(cat dd.err | head -n 1)"
# Detection (NOP 5 s + 5 s) + replacement timeout 5 s + slack.
[ $took -le 40 ] || fail "failing took $took s"
[ "$(vc_sess r2 state)" = failed ] || fail "state $(vc_sess r2 state), want failed"
link_restore $ns
wait_for "[ \$(vc_sess r2 state) = logged-in ]" 60 || fail "no recovery after the timeout"
dd if="$disk" of=/dev/null bs=4k count=1 skip=77 iflag=direct 2>/dev/null ||
	fail "read fails after the session came back"
"$VCTL" vhba del r2 || fail "del r2"
lio_stop rec
netns_teardown $ns

# --- tgtd killed and restarted mid-I/O (data on the same files) ---
tgt_start trs 1 64 || fail "tgt"
"$VCTL" vhba add r3 initiator "$INAME" replacement-timeout 90 || fail "add r3"
"$VCTL" vhba attach r3 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach r3"
disk=$(vc_disks r3 1) || fail "no disk r3"
fio_bg "$disk" 30 tgtrestart
sleep 5
kill -9 "$(cat "$VC_STATE/tgt/trs.pid")"
rm -f "$VC_STATE/tgt/trs.pid"
sleep 3
tgt_start trs 1 64 || fail "tgt restart"
wait_for "recovered r3 0" 60 || fail "session did not recover after tgtd restarted"
check_fio "$pid" tgtrestart
"$VCTL" vhba del r3 || fail "del r3"
tgt_stop trs
vc_unload || fail "unload failed"
