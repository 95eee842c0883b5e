#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Removal while busy: rmmod of the software datapath with a session on it
# is refused and loses nothing (the I/O in flight verifies); deleting a
# vHBA under I/O logs out and removes its disks in order (the I/O ends
# with errors, the kernel stays clean); unloading vconnect_vhba with
# vHBAs defined removes them.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:busyvm
LIO_ACL_INITIATORS=$INAME lio_start busy 1 64 || fail "LIO"
"$VCTL" vhba add b1 initiator "$INAME" || fail "add"
"$VCTL" vhba attach b1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
disk=$(vc_disks b1 1) || fail "no disk"

fio_verify "$disk" 32M --iodepth=32 >fio1.log 2>&1 &
pid=$!
sleep 2
if rmmod vconnect_software 2>rmmod.err; then
	fail "vconnect_software unloaded under a live session"
fi
echo "rmmod refused: $(cat rmmod.err)"
wait $pid || { cat fio1.log; fail "I/O failed after the refused rmmod"; }
cat fio1.log

fio --name=bg --filename="$disk" --direct=1 --ioengine=libaio --iodepth=32 \
	--rw=randrw --bs=16k --size=32M --time_based --runtime=60 >fio2.log 2>&1 &
pid=$!
sleep 3
t0=$SECONDS
"$VCTL" vhba del b1 || fail "del under I/O failed"
note "vHBA deleted under I/O in $((SECONDS - t0)) s"
wait $pid && note "fio ended cleanly" || note "fio ended with errors, as expected"
[ ! -e "$disk" ] || fail "$disk still exists"
[ -z "$(vc_names)" ] || fail "vHBA still listed"

# vHBAs without sessions go with the module.
"$VCTL" vhba add b2 initiator "$INAME" || fail "add b2"
"$VCTL" vhba add b3 wwpn 0x5001405000000b03 || fail "add b3"
rmmod vconnect_software || fail "rmmod vconnect_software with no sessions"
rmmod vconnect_vhba || fail "rmmod vconnect_vhba with idle vHBAs"
[ -z "$(vc_names)" ] || fail "vHBAs survived the unload"
lio_stop busy
