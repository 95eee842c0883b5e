#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# The simulated offload HBA's faults under verified I/O (fio crc32c, QD 32)
# on a vHBA that runs on one of its VFs, ROUNDS (default 3) of each:
#   hang_ms 150   shorter than the watchdog: completions are parked and
#                 delivered when the firmware resumes, no failover
#   hang_ms 2000  the watchdog finds the missed heartbeat, firmware error,
#                 VF reset; the vHBA fails over
#   reset, link_down 300, remove 300 (hot-plugged back), fail_next_login
#   on the other VF with a reset of this one (the vHBA lands in software)
# No I/O error and no verify failure may reach the vHBA's user.
#
# Run: flock /tmp/vconnect-guest.lock selftests/run --script sriov/tests/sim-faults.sh
ROOT=${VCONNECT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/selftests/lib/guest-lib.sh"
. "$ROOT/selftests/lib/vconnect-lib.sh"
. "$ROOT/selftests/lib/switch-lib.sh"

require_cmd fio
N=${ROUNDS:-3}
D0=/sys/bus/vconnect_sim/devices/vcsim0
INAME=iqn.2026-11.org.example:simfaults
vc_load && vc_load_offload || fail "could not load the modules"
trap 'vc_unload' EXIT
vc_sim_new 0 2 || fail "simulated HBA"
VC_INITIATORS=$INAME vc_target_start lio simfaults 1 64 || fail "LIO"
"$VCTL" vhba add f1 initiator "$INAME" || fail "add"
"$VCTL" vhba attach f1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
wait_datapath f1 'vcsim0/vf*' 10 || fail "not on a VF"
disk=$(vc_disks f1 1) || fail "no disk"

cur_vf() {
	local dp
	dp=$(vc_datapath f1)
	[[ $dp == vcsim0/vf* ]] && echo "${dp#vcsim0/vf}"
}

# on_vf: make sure f1 runs on a VF; print its number.
on_vf() {
	wait_for "[ -n \"\$(cur_vf)\" ] || { $VCTL vhba switch f1 offload >/dev/null 2>&1; false; }" 20 ||
		fail "could not get back to a VF ($(vc_datapath f1))"
	wait_datapath f1 'vcsim0/vf*' 20 >/dev/null || fail "not logged in on a VF"
	cur_vf
}

io_loop_start "$disk" 16M
sleep 2

# Short hangs: parked completions, no firmware error, no failover.
for i in $(seq "$N"); do
	vf=$(on_vf)
	fo=$(vc_sess f1 failovers)
	p0=$(cat $D0/vf$vf/parked)
	e0=$(cat $D0/vf$vf/fw_errors)
	vc_sim_fault 0 "$vf" hang_ms 150 || fail "hang_ms 150"
	sleep 1
	[ "$(cat $D0/vf$vf/fw_errors)" = "$e0" ] || fail "150 ms hang taken for a firmware error"
	[ "$(vc_sess f1 failovers)" = "$fo" ] || fail "150 ms hang caused a failover"
	note "short hang $i on vf$vf: parked $(( $(cat $D0/vf$vf/parked) - p0 )) completions"
done

for fault in hang reset link remove login; do
	t0=$SECONDS
	for i in $(seq "$N"); do
		vf=$(on_vf)
		fo=$(vc_sess f1 failovers)
		case $fault in
		hang) vc_sim_fault 0 "$vf" hang_ms 2000 ;;
		reset) vc_sim_fault 0 "$vf" reset 1 ;;
		link) vc_sim_fault 0 "$vf" link_down 300 ;;
		remove) vc_sim_fault 0 "$vf" remove 300 ;;
		login)
			vc_sim_fault 0 $((1 - vf)) fail_next_login 1
			vc_sim_fault 0 "$vf" reset 1 ;;
		esac || fail "$fault $i: injection refused"
		wait_for "[ \$(vc_sess f1 failovers) -gt $fo ]" 20 ||
			fail "$fault $i on vf$vf: no failover ($(vc_datapath f1), $(vc_sess f1 state))"
		wait_datapath f1 '*' 20 >/dev/null || fail "$fault $i: not logged in again"
		[ $fault != login ] || [ "$(vc_datapath f1)" = software ] ||
			fail "login $i: landed on $(vc_datapath f1), not software"
	done
	note "$fault: $N in $((SECONDS - t0)) s, now on $(vc_datapath f1)"
	wait_for "[ -d $D0/vf0 ] && [ -d $D0/vf1 ]" 10 || fail "VFs did not come back"
done
sleep 1
io_loop_stop || fail "I/O failed across the faults"
for v in 0 1; do
	note "vf$v: $(cd $D0/vf$v && for a in cmds logins login_failures parked dropped resets fw_errors link_downs; do printf '%s=%s ' $a "$(cat $a)"; done)"
done
note "f1: failovers $(vc_sess f1 failovers), recoveries $(vc_sess f1 recoveries), errors $(vc_sess f1 errors)"
[ "$(vc_sess f1 errors)" = 0 ] || fail "$(vc_sess f1 errors) I/O errors"
"$VCTL" vhba del f1 || fail "del"
vc_target_stop lio simfaults
echo "0" >/sys/bus/vconnect_sim/del_device || fail "del_device"
echo ok
