#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "vhba switch NAME offload policy P" sets the policy only when every
# session moved: a switch that fails (no offload backend loaded, no free
# offload function) leaves the vHBA's policy as it was.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/../lib/switch-lib.sh"

INAME=iqn.2026-11.org.example:policyvm
vc_load || fail "could not load the modules"
VC_INITIATORS=$INAME vc_target_start lio pol 1 64 || fail "LIO"
trap 'vc_unload; vc_target_stop lio pol' EXIT

"$VCTL" vhba add pv initiator $INAME policy auto || fail "add"
"$VCTL" vhba attach pv target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
policy() { cat "/sys/class/scsi_host/host$(vc_host pv)/vconnect_policy"; }
[ "$(policy)" = auto ] || fail "policy $(policy), not auto"

# expect_refused WHY: the switch fails and the policy stays auto.
expect_refused() {
	if "$VCTL" vhba switch pv offload policy offload; then
		fail "$1: the switch succeeded"
	fi
	[ "$(policy)" = auto ] || fail "$1: the failed switch left policy $(policy)"
	[ "$(vc_datapath pv)" = software ] || fail "$1: session on $(vc_datapath pv)"
	note "$1: refused, policy still auto"
}
expect_refused "no offload backend"
vc_load_offload || fail "offload modules"
vc_sim_new 0 1 0 || fail "simulated HBA"
expect_refused "no offload function"

echo 1 >"$SIM_BUS/devices/vcsim0/sriov_numvfs" || fail "sriov_numvfs 1"
"$VCTL" vhba switch pv offload policy offload || fail "switch with a free function"
wait_datapath pv 'vcsim0/vf*' 10 || fail "not on the VF"
[ "$(policy)" = offload ] || fail "policy $(policy) after the switch, not offload"
note "with a free function: switched, policy offload"
