#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# ABORT TASK against a real target: LIO exports a LUN that takes 5 s per
# I/O (dm-delay on a null_blk disk), the disk's command timeout is 2 s, so
# a read times out and the error handler aborts it; LIO answers the ABORT
# TASK only once its backend is done.  The retry keeps the 2 s timeout,
# so the handler goes on to a LUN reset with commands in flight and the
# read may fail: what counts is that each TMF completes and the session
# stays up, with no reinstatement, and carries I/O afterwards (a read
# that takes 5 s, within a 30 s timeout).
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd dmsetup python3
modprobe null_blk nr_devices=0 || ktap_skip "null_blk not available"
require_module dm-delay target_core_iblock
INAME=iqn.2026-11.org.example:abortvm
TIQN=$(target_iqn slow)
NB=/sys/kernel/config/nullb/abortnb
vc_load || fail "could not load the modules"

cleanup() {
	"$VCTL" vhba del a1 2>/dev/null
	lio_stop
	dmsetup remove slow 2>/dev/null
	if [ -d $NB ]; then
		echo 0 >$NB/power
		rmdir $NB
	fi
}
trap cleanup EXIT

# A 1 GiB null_blk disk (configfs: works whether or not null_blk was
# loaded before), every I/O delayed 5 s by dm-delay.
mkdir $NB && echo 1024 >$NB/size && echo 1 >$NB/power || fail "null_blk disk"
wait_for "[ -b /dev/abortnb ]" 10 || fail "no /dev/abortnb"
echo "0 $((1 << 21)) delay /dev/abortnb 0 5000" | dmsetup create slow ||
	fail "dmsetup create"
sdev=/dev/$(dmsetup info -c --noheadings -o blkdevname slow)
[ -b "$sdev" ] || fail "no block device for the dm-delay target"
LIO_BLOCK=$sdev LIO_ACL_INITIATORS=$INAME lio_start slow 1 || fail "LIO on $sdev"

"$VCTL" vhba add a1 initiator "$INAME" || fail "vhba add"
"$VCTL" vhba attach a1 target "$TIQN" portal 127.0.0.1:3260 || fail "attach"
# The scan reads the partition table: 5 s per read.
disk=$(vc_disks a1 1 60) || fail "no disk"
wait_for "dmesg | grep -q 'Attached SCSI disk'" 120 || fail "disk never attached"
echo 2 >/sys/block/"${disk#/dev/}"/device/timeout || fail "device timeout"

mark=$(dmesg | wc -l)
t0=$SECONDS
dd if="$disk" of=/dev/null bs=4k count=1 skip=1000 iflag=direct 2>dd.err
echo "read: exit $? after $((SECONDS - t0)) s: $(tail -n 1 dd.err)"
msgs=$(dmesg | tail -n +$((mark + 1)))
grep -E 'abort task|LUN reset|vconnect|timing out' <<<"$msgs"
grep -q "abort task: done" <<<"$msgs" || fail "no ABORT TASK completed"
grep -q "LUN reset: done" <<<"$msgs" || fail "no LUN reset completed with commands in flight"
! grep -q "sessions reinstated" <<<"$msgs" || fail "the error handler had to reinstate the session"
[ "$(vc_sess a1 state)" = logged-in ] || fail "session $(vc_sess a1 state)"
[ "$(vc_sess a1 recoveries)" = 0 ] || fail "$(vc_sess a1 recoveries) recoveries"

# The session still works: a read that takes 5 s within a 30 s timeout.
# (After two timed-out reads sd takes the disk offline, "Medium access
# timeout failure": its policy, not the transport's; put it back.)
sysdev=/sys/block/${disk#/dev/}/device
echo "disk state after the error handling: $(cat "$sysdev/state")"
[ "$(cat "$sysdev/state")" = running ] || echo running >"$sysdev/state" ||
	fail "cannot set the disk running"
echo 30 >"$sysdev/timeout"
dd if="$disk" of=/dev/null bs=4k count=1 skip=2000 iflag=direct 2>dd.err ||
	fail "read after the error handling: $(tail -n 1 dd.err)"
"$VCTL" vhba del a1 || fail "vhba del"
cleanup
trap - EXIT
vc_unload || fail "unload failed"
