#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# More vHBAs than VFs: the pool hands out what it has, the rest run in
# software; with policy prefer-offload they move to a VF (failback, a
# planned make-before-break switch) as VFs free up, under verified I/O.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/../lib/switch-lib.sh"

require_cmd fio
INAME=iqn.2026-11.org.example:pool
vc_load && vc_load_offload || fail "could not load the modules"
vc_sim_new 0 2 || fail "simulated HBA"
VC_INITIATORS=$INAME vc_target_start lio pool 4 32 || fail "LIO"

for n in 1 2 3 4; do
	"$VCTL" vhba add q$n initiator "$INAME" policy prefer-offload || fail "add q$n"
	"$VCTL" vhba attach q$n target "$TARGET_IQN" portal "$TARGET_PORTAL" lun $((n - 1)) ||
		fail "attach q$n"
done
for n in 1 2 3 4; do note "q$n on $(vc_datapath q$n)"; done
[ "$(vc_datapath q1)" = vcsim0/vf0 ] && [ "$(vc_datapath q2)" = vcsim0/vf1 ] ||
	fail "q1/q2 did not get the VFs"
[ "$(vc_datapath q3)" = software ] && [ "$(vc_datapath q4)" = software ] ||
	fail "q3/q4 should run in software"
"$VCTL" offload show

disk=$(vc_disks q3 1) || fail "no disk on q3"
io_loop_start "$disk" 16M
sleep 2
# q1 goes away: its VF frees up and q3 (or q4) moves there.
"$VCTL" vhba del q1 || fail "del q1"
wait_for "[ \"\$(vc_datapath q3)\" = vcsim0/vf0 ] || [ \"\$(vc_datapath q4)\" = vcsim0/vf0 ]" 20 ||
	fail "nobody failed back to vf0 ($(vc_datapath q3), $(vc_datapath q4))"
# q2 moves to software by hand (policy auto, so it stays): the other one moves.
"$VCTL" vhba switch q2 software policy auto || fail "switch q2"
wait_for "[ \"\$(vc_datapath q3)\" != software ] && [ \"\$(vc_datapath q4)\" != software ]" 20 ||
	fail "q3/q4 not both on VFs: $(vc_datapath q3), $(vc_datapath q4)"
sleep 2
io_loop_stop || fail "I/O on q3 failed across its failback"
for n in 2 3 4; do note "q$n on $(vc_datapath q$n), switches $(vc_sess q$n switches), errors $(vc_sess q$n errors)"; done
[ "$(vc_datapath q2)" = software ] || fail "q2 did not stay in software"
[ "$(vc_sess q3 errors)" = 0 ] && [ "$(vc_sess q4 errors)" = 0 ] || fail "I/O errors"
[ "$(vc_sess q3 switches)" = 1 ] && [ "$(vc_sess q4 switches)" = 1 ] || fail "switch counters"
"$VCTL" -j offload show
vc_unload || fail "unload"
vc_target_stop lio pool
