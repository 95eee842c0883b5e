#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# A function removed while the pool is assigning it: surprise removal and
# sriov_numvfs 0 racing with logins and failbacks onto the VF, for
# RACE_SECS (default 60). The simulated firmware is made slow
# (vcsim0/slow_fw_ms) so that the removal lands while vconnect sleeps in
# set_identity() and the login that follows is still running; the
# simulator WARNs if vconnect calls an op after vconnect_offload_fn_remove()
# returned (the function is freed by then), and the runner fails the test
# on any splat.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/../lib/switch-lib.sh"

INAME=iqn.2026-11.org.example:race
RACE_SECS=${RACE_SECS:-60}
SLOW_MS=400
vc_load && vc_load_offload || fail "could not load the modules"
VC_INITIATORS=$INAME vc_target_start lio race 1 32 || fail "LIO"
vc_sim_new 0 1 0 || fail "simulated HBA"
numvfs=$SIM_BUS/devices/vcsim0/sriov_numvfs
vf0=$SIM_BUS/devices/vcsim0/vf0
echo $SLOW_MS >"$SIM_DBG/vcsim0/slow_fw_ms" || fail "slow_fw_ms"

r1_add() {
	"$VCTL" vhba add r1 initiator "$INAME" policy prefer-offload || return 1
	"$VCTL" vhba attach r1 target "$TARGET_IQN" portal "$TARGET_PORTAL"
}

# Until vf0's identity is programmed (vconnect is in set_identity(), or
# just past it) with no session on it yet; 1 if that never happens.
wait_programming() {
	for _ in $(seq 1 250); do
		if [ -n "$(cat "$vf0/initiator_name" 2>/dev/null)" ]; then
			[ "$(cat "$vf0/sessions" 2>/dev/null)" = 0 ] && return 0
			return 1
		fi
		sleep 0.02
	done
	return 1
}

# VFs off (the slot may hold a removed VF still leaving), r1 in software.
vfs_off() {
	wait_for "echo 0 >$numvfs 2>/dev/null" 30 || return 1
	wait_datapath r1 software 30
}

r1_add || fail "r1"
wait_datapath r1 software 10 || fail "r1 not in software"

rounds=0 hits=0 misses=0 busy=0 end=$((SECONDS + RACE_SECS))
while [ $SECONDS -lt $end ]; do
	rounds=$((rounds + 1))
	case $((rounds % 3)) in
	1)	# failback onto a VF that is surprise-removed meanwhile
		echo 1 >"$numvfs" || fail "round $rounds: numvfs 1"
		if wait_programming; then hits=$((hits + 1)); else misses=$((misses + 1)); fi
		vc_sim_fault 0 0 remove 0 || fail "round $rounds: remove"
		;;
	2)	# sriov_numvfs 0 just after the VF appeared (failback starting)
		echo 1 >"$numvfs" || fail "round $rounds: numvfs 1"
		sleep "0.$((RANDOM % 4))"
		if echo 0 >"$numvfs" 2>/dev/null; then
			hits=$((hits + 1))
		else
			# Held: the failback went through; take it away under r1.
			busy=$((busy + 1))
			wait_datapath r1 'vcsim0/vf0' 30 || fail "round $rounds: no failback"
			vc_sim_fault 0 0 remove 0
		fi
		;;
	0)	# a first login onto a VF that is surprise-removed meanwhile
		"$VCTL" vhba del r1 || fail "round $rounds: del r1"
		echo 1 >"$numvfs" || fail "round $rounds: numvfs 1"
		r1_add >add.log 2>&1 &
		add_pid=$!
		if wait_programming; then hits=$((hits + 1)); else misses=$((misses + 1)); fi
		vc_sim_fault 0 0 remove 0 || fail "round $rounds: remove"
		wait $add_pid || { cat add.log; fail "round $rounds: attach r1"; }
		;;
	esac
	vfs_off || fail "round $rounds: VFs do not go off, r1 on $(vc_datapath r1)"
done
note "$rounds rounds, $hits removals during an assignment ($misses missed it), $busy times numvfs 0 refused"
[ $hits -gt 0 ] || fail "no removal hit an assignment"
[ "$(vc_sess r1 errors)" = 0 ] || fail "$(vc_sess r1 errors) I/O errors"
vc_unload || fail "unload"
vc_target_stop lio race
