#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Taking the offload HBA away under I/O: del_device and rmmod of the
# simulated HBA with vHBAs running on its VFs move them to software with
# no I/O error; sriov_numvfs cannot change while a VF is held; the
# offload module unloads once nothing uses it.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/../lib/switch-lib.sh"

require_cmd fio
INAME=iqn.2026-11.org.example:remove
vc_load && vc_load_offload || fail "could not load the modules"
VC_INITIATORS=$INAME vc_target_start lio rm 1 64 || fail "LIO"
vc_sim_new 0 2 || fail "simulated HBA"
"$VCTL" vhba add r1 initiator "$INAME" || fail "add"
"$VCTL" vhba attach r1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
wait_datapath r1 'vcsim0/vf0' 5 || fail "not on vf0"
disk=$(vc_disks r1 1) || fail "no disk"

numvfs=/sys/bus/vconnect_sim/devices/vcsim0/sriov_numvfs
if echo 0 >$numvfs 2>numvfs.err; then
	fail "sriov_numvfs changed while vf0 is held"
fi
note "sriov_numvfs 0 while held: $(cat numvfs.err)"

io_loop_start "$disk" 24M
sleep 2
echo 0 >/sys/bus/vconnect_sim/del_device || fail "del_device"
wait_datapath r1 software 20 || fail "r1 not moved to software"
note "del_device: r1 on $(vc_datapath r1), failovers $(vc_sess r1 failovers)"

vc_sim_new 1 2 || fail "second simulated HBA"
"$VCTL" vhba switch r1 offload || fail "switch to the new HBA"
[ "$(vc_datapath r1)" = vcsim1/vf0 ] || fail "r1 on $(vc_datapath r1)"
sleep 1
rmmod vconnect_offload_sim || fail "rmmod of the simulated HBA with a vHBA on it"
wait_datapath r1 software 20 || fail "r1 not moved to software after rmmod"
sleep 2
io_loop_stop || fail "I/O failed while the HBA went away"
[ "$(vc_sess r1 errors)" = 0 ] || fail "$(vc_sess r1 errors) I/O errors"
rmmod vconnect_offload || fail "rmmod vconnect_offload with no offload session"
"$VCTL" offload show || fail "offload show without the offload module"
vc_unload || fail "unload"
vc_target_stop lio rm
