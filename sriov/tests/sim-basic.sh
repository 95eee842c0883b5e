#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# The simulated offload HBA (vconnect_offload_sim) on its own: device
# lifecycle and control errors, sriov_numvfs semantics (PCI-like, with the
# -EBUSY cases), per-VF sysfs and debugfs files, every injected fault on
# an idle VF (state, events, watchdog, hot-plug back), then one vHBA on a
# VF with I/O (the VF counters prove where it went), the -EBUSY of
# sriov_numvfs while a vHBA holds a VF, and del_device / module unload
# with the vHBA running on a VF.
#
# Run: flock /tmp/vconnect-guest.lock selftests/run --script sriov/tests/sim-basic.sh
ROOT=${VCONNECT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/selftests/lib/guest-lib.sh"
. "$ROOT/selftests/lib/vconnect-lib.sh"

BUS=/sys/bus/vconnect_sim
DBG=/sys/kernel/debug/vconnect_sim
D0=$BUS/devices/vcsim0

# expect_err ERRNO-TEXT CMD...: CMD must fail and say ERRNO-TEXT.
expect_err() {
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded, expected $want"
	fi
	echo "$out" | grep -qi "$want" || fail "'$*': '$out', expected $want"
}

# wr FILE VALUE: write, with the shell's error text on failure.
wr() {
	bash -c "echo '$2' > '$1'"
}

vc_load || fail "could not load vconnect_vhba/vconnect_software"
vc_load_offload || fail "could not load vconnect_offload/_sim"
trap 'vc_unload' EXIT

note "--- device lifecycle"
[ -e $BUS/new_device ] && [ -e $BUS/del_device ] || fail "no bus control files"
wr $BUS/new_device "0 4" || fail "new_device 0 4"
[ -d $D0 ] || fail "no vcsim0"
[ "$(cat $D0/sriov_totalvfs)" = 4 ] || fail "totalvfs $(cat $D0/sriov_totalvfs)"
[ "$(cat $D0/sriov_numvfs)" = 0 ] || fail "numvfs not 0 at start"
[ -d $DBG/vcsim0 ] || fail "no debugfs dir for vcsim0"
expect_err "file exists" wr $BUS/new_device "0 2"
expect_err "invalid argument" wr $BUS/new_device "1"
expect_err "invalid argument" wr $BUS/new_device "1 0"
expect_err "invalid argument" wr $BUS/new_device "1 65"
expect_err "invalid argument" wr $BUS/new_device "x y"
expect_err "no such file" wr $BUS/del_device 9
expect_err "invalid argument" wr $BUS/del_device "x"
dmesg | grep -q 'new_device: write "ID TOTALVFS"' || fail "no hint for bad new_device input"
wr $BUS/new_device "1 1" || fail "new_device 1 1"
wr $BUS/del_device 1 || fail "del_device 1"
[ -e $BUS/devices/vcsim1 ] && fail "vcsim1 still there"

note "--- sriov_numvfs"
expect_err "result too large\|out of range\|numerical result" wr $D0/sriov_numvfs 5
wr $D0/sriov_numvfs 2 || fail "numvfs 2"
[ "$(cat $D0/sriov_numvfs)" = 2 ] || fail "numvfs reads $(cat $D0/sriov_numvfs)"
for a in cmds read_bytes write_bytes sessions logins state initiator_name \
	 heartbeat resets fw_errors; do
	[ -r $D0/vf0/$a ] || fail "no vf0/$a"
done
[ -d $D0/vf2 ] && fail "vf2 exists with numvfs 2"
[ "$(cat $D0/vf1/state)" = up ] || fail "vf1 state $(cat $D0/vf1/state)"
[ "$(cat $D0/vf1/sessions)" = 0 ] || fail "vf1 has sessions"
for f in fail_next_login link_down link_up reset hang_ms remove status; do
	[ -e $DBG/vcsim0/vf1/$f ] || fail "no debugfs vf1/$f"
done
expect_err "busy" wr $D0/sriov_numvfs 3
wr $D0/sriov_numvfs 2 || fail "same numvfs again should succeed"
wr $D0/sriov_numvfs 0 || fail "numvfs 0"
[ -d $D0/vf0 ] && fail "vf0 still there with numvfs 0"
[ -d $DBG/vcsim0/vf0 ] && fail "debugfs vf0 still there"
wr $D0/sriov_numvfs 4 || fail "numvfs 4"
[ -d $D0/vf3 ] || fail "no vf3"

note "--- faults on idle VFs"
hb0=$(cat $D0/vf0/heartbeat)
sleep 0.5
[ "$(cat $D0/vf0/heartbeat)" -gt "$hb0" ] || fail "heartbeat does not tick"

wr $DBG/vcsim0/vf0/fail_next_login 2 || fail "fail_next_login"
grep -q "fail_next_login: 2" $DBG/vcsim0/vf0/status || fail "fail_next_login not armed"

wr $DBG/vcsim0/vf0/link_down 0 || fail "link_down 0"
[ "$(cat $D0/vf0/state)" = link-down ] || fail "vf0 state $(cat $D0/vf0/state)"
sleep 0.3
[ "$(cat $D0/vf0/state)" = link-down ] || fail "link came back by itself"
wr $DBG/vcsim0/vf0/link_up 1 || fail "link_up"
[ "$(cat $D0/vf0/state)" = up ] || fail "vf0 not up after link_up"
wr $DBG/vcsim0/vf0/link_down 300 || fail "link_down 300"
wait_for "[ \"\$(cat $D0/vf0/state)\" = up ]" 5 || fail "link not back after 300 ms"
[ "$(cat $D0/vf0/link_downs)" = 2 ] || fail "link_downs $(cat $D0/vf0/link_downs)"

wr $DBG/vcsim0/vf1/reset 1 || fail "reset"
wait_for "[ \"\$(cat $D0/vf1/state)\" = up ]" 5 || fail "vf1 not ready after reset"
[ "$(cat $D0/vf1/resets)" = 1 ] || fail "resets $(cat $D0/vf1/resets)"

wr $DBG/vcsim0/vf1/hang_ms 5000 || fail "hang_ms"
[ "$(cat $D0/vf1/state)" = hung ] || fail "vf1 not hung"
t0=$(date +%s%N)
wait_for "[ \"\$(cat $D0/vf1/fw_errors)\" = 1 ]" 5 || fail "watchdog did not catch the hang"
wait_for "[ \"\$(cat $D0/vf1/state)\" = up ]" 5 || fail "vf1 not up after the firmware error"
note "hang detected and VF reset after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
dmesg | grep -q "vcsim0/vf1: watchdog: no firmware heartbeat" || fail "no watchdog log line"
wr $DBG/vcsim0/vf1/hang_ms 100 || fail "short hang"
sleep 0.6
[ "$(cat $D0/vf1/fw_errors)" = 1 ] || fail "a 100 ms hang was taken for a firmware error"

wr $DBG/vcsim0/vf3/remove 500 || fail "remove 500"
wait_for "[ ! -d $D0/vf3 ]" 5 || fail "vf3 not removed"
wait_for "[ -d $D0/vf3 ]" 5 || fail "vf3 not hot-plugged back"
[ -e $DBG/vcsim0/vf3/reset ] || fail "vf3 debugfs not back"
wr $DBG/vcsim0/vf2/remove 0 || fail "remove 0"
wait_for "[ ! -d $D0/vf2 ]" 5 || fail "vf2 not removed"
sleep 1
[ -d $D0/vf2 ] && fail "vf2 came back with remove 0"
for p in "vcsim0/vf0: link down injected" "vcsim0/vf1: VF reset injected" \
	 "vcsim0/vf1: firmware hang injected" "vcsim0/vf3: surprise removal injected" \
	 "vcsim0/vf3: hot-plugged back"; do
	dmesg | grep -q "$p" || fail "no log line '$p'"
done
wr $D0/sriov_numvfs 0 || fail "numvfs 0 with a removed VF"
wr $D0/sriov_numvfs 2 || fail "numvfs 2 again"

note "--- create/delete loop (slab)"
wr $BUS/new_device "5 8" && wr $BUS/devices/vcsim5/sriov_numvfs 8 &&
	wr $BUS/devices/vcsim5/sriov_numvfs 0 && wr $BUS/del_device 5 || fail "warm-up"
sync; echo 2 >/proc/sys/vm/drop_caches
s0=$(vc_slab_kib)
for i in $(seq 20); do
	wr $BUS/new_device "5 8" || fail "new_device 5 ($i)"
	wr $BUS/devices/vcsim5/sriov_numvfs 8 || fail "numvfs 8 ($i)"
	wr $DBG/vcsim5/vf3/reset 1 || fail "reset ($i)"
	wr $BUS/del_device 5 || fail "del_device 5 ($i)"
done
sync; echo 2 >/proc/sys/vm/drop_caches
s1=$(vc_slab_kib)
note "slab: $s0 KiB before, $s1 KiB after 20 device lifecycles with 8 VFs each"
[ $((s1 - s0)) -lt 1024 ] || fail "slab grew by $((s1 - s0)) KiB"

note "--- a vHBA on a VF"
if ! "$VCTL" help 2>&1 | grep -q offload; then
	note "vconnectctl has no offload support: skipping the vHBA part"
	exit 0
fi
INAME=iqn.2026-11.org.example:simbasic
VC_INITIATORS=$INAME vc_target_start lio simbasic 1 64 || fail "LIO"
wr $DBG/vcsim0/vf0/fail_next_login 0 || fail "fail_next_login 0"
"$VCTL" vhba add s1 initiator "$INAME" || fail "vhba add"
"$VCTL" vhba attach s1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
dp=$(vc_datapath s1)
note "s1 on $dp"
[[ $dp == vcsim0/vf* ]] || fail "s1 not on a VF: $dp"
vf=${dp#vcsim0/vf}
[ "$(cat $D0/vf$vf/sessions)" = 1 ] || fail "vf$vf sessions $(cat $D0/vf$vf/sessions)"
[ "$(cat $D0/vf$vf/initiator_name)" = "$INAME" ] || fail "identity not programmed"
disk=$(vc_disks s1 1) || fail "no disk"
c0=$(cat $D0/vf$vf/cmds)
dd if=/dev/zero of="$disk" bs=64k count=64 oflag=direct 2>/dev/null || fail "write"
dd if="$disk" of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null || fail "read"
c1=$(cat $D0/vf$vf/cmds)
w=$(cat $D0/vf$vf/write_bytes)
r=$(cat $D0/vf$vf/read_bytes)
note "vf$vf: $((c1 - c0)) commands, $w bytes written, $r bytes read"
[ $((c1 - c0)) -ge 128 ] || fail "vf$vf carried only $((c1 - c0)) commands"
[ "$w" -ge 4194304 ] && [ "$r" -ge 4194304 ] || fail "byte counters $w/$r"
expect_err "busy" wr $D0/sriov_numvfs 0

# A reset under I/O: the vHBA recovers, no I/O error.
dd if="$disk" of=/dev/null bs=64k count=2000 iflag=direct 2>/dev/null &
ddpid=$!
sleep 0.5
wr $DBG/vcsim0/vf$vf/reset 1 || fail "reset under I/O"
wait "$ddpid" || fail "read failed across a VF reset"
wait_datapath() {
	wait_for "[ \"\$(vc_sess $1 state)\" = logged-in ]" "$2"
}
wait_datapath s1 20 || fail "s1 not logged in again after the reset"
note "after the reset s1 runs on $(vc_datapath s1), errors $(vc_sess s1 errors)"
[ "$(vc_sess s1 errors)" = 0 ] || fail "I/O errors after the reset"

# del_device with the vHBA on a VF: it moves away (software), no splat.
wr $BUS/del_device 0 || fail "del_device with a vHBA on a VF"
[ -d $D0 ] && fail "vcsim0 still there"
note "after del_device s1 runs on $(vc_datapath s1)"
dd if="$disk" of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null ||
	fail "I/O after del_device"

# Module unload with a vHBA on a VF.
vc_sim_new 0 2 || fail "vcsim0 again"
# Failback may move it by itself; else ask.
wait_for "[[ \"\$(vc_datapath s1)\" == vcsim0/vf* ]] || { $VCTL vhba switch s1 offload 2>/dev/null; false; }" 20 ||
	fail "not back on a VF"
rmmod vconnect_offload_sim || fail "rmmod with a vHBA on a VF"
note "after rmmod s1 runs on $(vc_datapath s1)"
dd if="$disk" of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null ||
	fail "I/O after rmmod"
"$VCTL" vhba del s1 || fail "vhba del"
vc_target_stop lio simbasic
echo "ok"
