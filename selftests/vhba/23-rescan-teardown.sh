#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# A REPORTED LUNS DATA HAS CHANGED event may arrive until the backend
# session is closed; the rescan it queues must not outlive the session.
# The simulated VF reports the event in a storm (debugfs luns_changed)
# while its firmware is slow (slow_fw_ms: the logout of the close takes
# 300 ms more) and the vHBA's session is detached or its vHBA deleted.
# What it catches is a use-after-free: the debug kernel's KASAN reports it
# (KERNEL=debug), Debian's kernel may not notice. TEARDOWN_ROUNDS rounds
# (default 6), half detach, half delete.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

ROUNDS=${TEARDOWN_ROUNDS:-6}
INAME=iqn.2026-11.org.example:rescanvm
VF_DBG=$SIM_DBG/vcsim0/vf0

vc_load && vc_load_offload || fail "could not load the modules"
vc_sim_new 0 1 || fail "simulated HBA"
VC_INITIATORS=$INAME vc_target_start lio rst 2 16 || fail "LIO"
storm=
cleanup() {
	[ -z "$storm" ] || kill "$storm" 2>/dev/null
	wait 2>/dev/null
	"$VCTL" vhba del rv 2>/dev/null
	vc_unload
	vc_target_stop lio rst
}
trap cleanup EXIT
echo 300 >"$SIM_DBG/vcsim0/slow_fw_ms" || fail "slow_fw_ms"

for i in $(seq "$ROUNDS"); do
	"$VCTL" vhba add rv initiator $INAME policy offload || fail "round $i: add"
	"$VCTL" vhba attach rv target "$TARGET_IQN" portal "$TARGET_PORTAL" ||
		fail "round $i: attach"
	vc_disks rv 2 >/dev/null || fail "round $i: no disks"
	echo 1 >"$VF_DBG/luns_changed" || fail "round $i: luns_changed"
	(while :; do echo 200 >"$VF_DBG/luns_changed" 2>/dev/null; done) &
	storm=$!
	sleep 0.2
	if [ $((i % 2)) = 1 ]; then
		how=detach
		"$VCTL" vhba detach rv target "$TARGET_IQN" || fail "round $i: detach"
	else
		how=delete
		"$VCTL" vhba del rv || fail "round $i: del"
	fi
	kill "$storm"
	wait "$storm" 2>/dev/null
	storm=
	"$VCTL" vhba del rv 2>/dev/null
	# Let whatever rescan was queued run now, before the next round.
	sleep 1
	note "round $i: $how under a LUNs-changed storm"
done
note "$ROUNDS teardowns under LUNs-changed storms"
