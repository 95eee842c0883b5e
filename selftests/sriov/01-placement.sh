#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Placement: without an offload HBA a vHBA runs on the software datapath;
# with one, on a VF (policy auto/offload), and the VF's own counters show
# the I/O went there; policy software stays in software; policy offload
# with no free VF is refused with a clear error.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:place
VC_INITIATORS=$INAME vc_target_start lio place 1 64 || fail "LIO"
attach() {
	"$VCTL" vhba attach "$1" target "$TARGET_IQN" portal "$TARGET_PORTAL"
}

"$VCTL" vhba add p0 initiator "$INAME" || fail "add p0"
attach p0 || fail "attach p0"
[ "$(vc_datapath p0)" = software ] || fail "p0 runs on $(vc_datapath p0), not software"
note "no offload HBA: p0 on $(vc_datapath p0)"

vc_load_offload || fail "could not load the offload modules"
vc_sim_new 0 2 || fail "new simulated HBA"
"$VCTL" offload show || fail "offload show"
"$VCTL" vhba add p1 initiator "$INAME" || fail "add p1"
attach p1 || fail "attach p1"
dp=$(vc_datapath p1)
[ "$dp" = vcsim0/vf0 ] || fail "p1 runs on $dp, not vcsim0/vf0"
[ "$(vc_sim_vf 0 0 initiator_name)" = "$INAME" ] ||
	fail "vf0 carries identity '$(vc_sim_vf 0 0 initiator_name)'"
disk=$(vc_disks p1 1) || fail "no disk on p1"
c0=$(vc_sim_vf 0 0 cmds)
fio_verify "$disk" 16M || fail "I/O on p1"
c1=$(vc_sim_vf 0 0 cmds)
s1=$(vc_sess p1 cmds)
note "p1 on $dp: vf0 carried $((c1 - c0)) commands of the fio run, session total $s1, vf1 $(vc_sim_vf 0 1 cmds)"
[ $((c1 - c0)) -ge 512 ] || fail "vf0 carried only $((c1 - c0)) commands"
[ "$(vc_sim_vf 0 1 cmds)" = 0 ] || fail "vf1 carried commands it should not have"
[ "$(vc_sess p0 cmds)" -lt 100 ] || fail "p0 (software) saw the fio commands"
# The simulated function counts its PDUs into the vHBA's iscsi_stats/.
[ "$(vc_sess p1 iscsi_stats/data_in)" -gt 0 ] ||
	fail "p1's iscsi_stats show no Data-In from the VF"

"$VCTL" vhba add p2 initiator "$INAME" policy software || fail "add p2"
attach p2 || fail "attach p2"
[ "$(vc_datapath p2)" = software ] || fail "policy software ran on $(vc_datapath p2)"

"$VCTL" vhba add p3 initiator "$INAME" policy offload || fail "add p3"
attach p3 || fail "attach p3"
[ "$(vc_datapath p3)" = vcsim0/vf1 ] || fail "p3 runs on $(vc_datapath p3)"

"$VCTL" vhba add p4 initiator "$INAME" policy offload || fail "add p4"
if attach p4 2>p4.err; then
	fail "policy offload attached with no free VF"
fi
cat p4.err
grep -q "no offload function is free" p4.err || fail "unclear error for p4"
"$VCTL" -j offload show >pool.json || fail "offload show -j"
python3 - pool.json <<'PY' || fail "pool view wrong"
import json, sys
fns = json.load(open(sys.argv[1]))
by = {f["vf"]: f for f in fns}
assert by[0]["holder"] == "p1" and by[0]["state"] == "assigned", by[0]
assert by[1]["holder"] == "p3", by[1]
assert by[0]["cmds"] > 0
print("pool:", fns)
PY

# A second target of the same vHBA shares its VF.
"$VCTL" vhba detach p1 target "$TARGET_IQN" || fail "detach p1"
[ "$(vc_sim_vf 0 0 state)" != assigned ] || note "vf0 state after detach: $(vc_sim_vf 0 0 state)"
"$VCTL" vhba del p3 || fail "del p3"
attach p4 || fail "p4 did not get the VF p3 left"
note "p4 on $(vc_datapath p4) after p3 left"
vc_unload || fail "unload"
vc_target_stop lio place
