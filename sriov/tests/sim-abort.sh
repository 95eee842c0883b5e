#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Task ownership on a simulated VF: with the firmware watchdog off, a hang
# longer than the disk's command timeout makes the SCSI error handler
# abort commands that sit in the VF's submission ring or whose completion
# is parked; abort takes them back from the firmware (no engine TMF) and
# the midlayer retries them. The reads must succeed once the firmware
# resumes, with no I/O error and no splat.
#
# Run: flock /tmp/vconnect-guest.lock selftests/run --script sriov/tests/sim-abort.sh
ROOT=${VCONNECT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/selftests/lib/guest-lib.sh"
. "$ROOT/selftests/lib/vconnect-lib.sh"

D0=/sys/bus/vconnect_sim/devices/vcsim0
INAME=iqn.2026-11.org.example:simabort
vc_load && vc_load_offload || fail "could not load the modules"
trap 'vc_unload' EXIT
vc_sim_new 0 1 || fail "simulated HBA"
VC_INITIATORS=$INAME vc_target_start lio simabort 1 64 || fail "LIO"
"$VCTL" vhba add a1 initiator "$INAME" policy offload || fail "add"
"$VCTL" vhba attach a1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
[ "$(vc_datapath a1)" = vcsim0/vf0 ] || fail "a1 on $(vc_datapath a1)"
disk=$(vc_disks a1 1) || fail "no disk"
echo 1 >"/sys/block/${disk#/dev/}/device/timeout" || fail "command timeout"

vc_sim_fault 0 0 watchdog 0 || fail "watchdog off"
for j in 1 2 3 4; do
	dd if="$disk" of=/dev/null bs=4k count=3000 skip=$((j * 4000)) \
		iflag=direct 2>/dev/null &
done
sleep 1
c0=$(cat $D0/vf0/cmds)
vc_sim_fault 0 0 hang_ms 4000 || fail "hang"
note "firmware hung for 4 s with the command timeout at 1 s"
wait || fail "a read failed across the hang"
c1=$(cat $D0/vf0/cmds)
taken=$(dmesg | grep -c "vcsim0/vf0: abort task on session .*taken back")
engine=$(dmesg | grep -c "vcsim0/vf0: abort task on session .*engine says")
note "aborts: $taken taken back from the ring or parked queue, $engine through the engine; parked $(cat $D0/vf0/parked); vf0 cmds +$((c1 - c0))"
[ "$(cat $D0/vf0/fw_errors)" = 0 ] || fail "watchdog fired while off"
[ "$(vc_sess a1 errors)" = 0 ] || fail "$(vc_sess a1 errors) I/O errors"
[ "$taken" -gt 0 ] || fail "no abort took a task back from the firmware's queues"
dd if="$disk" of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null ||
	fail "read after the hang"
vc_sim_fault 0 0 watchdog 1 || fail "watchdog on"
"$VCTL" vhba del a1 || fail "del"
vc_target_stop lio simabort
echo ok
