#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job, as a user would see it (run by "make demo" in the test
# guest): a local LIO target, a vHBA created with vconnectctl, the target
# attached, a short verified fio run on the vHBA's disk, then the vHBA's
# status and its session's counters.
. "$(dirname "$0")/lib/guest-lib.sh"
. "$(dirname "$0")/lib/vconnect-lib.sh"

set -e
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

IQN=iqn.2026-11.org.example:vm1

step "load the vconnect modules"
vc_load
lsmod | grep '^vconnect'

step "start a LIO target with one 128 MiB LUN, ACL for the VM's initiator name"
LIO_ACL_INITIATORS=$IQN lio_start demo 1 128

step "create the VM's vHBA and attach the target"
run "$VCTL" vhba add vm1 initiator "$IQN" wwpn 0x5001405000000001
run "$VCTL" vhba attach vm1 target "$TARGET_IQN" portal "$TARGET_PORTAL"
disk=$(vc_disks vm1 1)
echo "vHBA vm1's disk: $disk ($(cat /sys/block/"${disk#/dev/}"/device/vendor) $(cat /sys/block/"${disk#/dev/}"/device/model))"

step "verified I/O on $disk (fio, crc32c)"
fio_verify "$disk" 32M

step "status"
run "$VCTL" vhba show vm1
run "$VCTL" -p vhba show vm1
h=$(vc_host vm1)
echo "session counters (/sys/class/scsi_host/host$h/device/session0/):"
for a in state backend portal tsih cmds read_bytes write_bytes errors recoveries; do
	printf '  %-12s %s\n' "$a" "$(vc_sess vm1 $a)"
done

step "clean up"
run "$VCTL" vhba del vm1
lio_stop demo
vc_unload
echo "demo done"
