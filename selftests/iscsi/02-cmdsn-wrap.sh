#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# CmdSN serial number arithmetic across 2^32: new sessions start 16 below
# the wrap (test knob /sys/kernel/debug/vconnect_software/initial_cmdsn,
# root only; not a module parameter), and verified I/O at queue depth 16
# runs across it, against LIO and tgt (each checks the command window in
# its own way).
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio
INAME=iqn.2026-11.org.example:wrapvm
export VC_INITIATORS=$INAME
vc_load || fail "could not load the modules"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
[ ! -e /sys/module/vconnect_software/parameters/initial_cmdsn ] ||
	fail "initial_cmdsn is still a module parameter"
P=/sys/kernel/debug/vconnect_software/initial_cmdsn
[ -e $P ] || fail "no $P"
[ "$(stat -c %a $P)" = 600 ] || fail "$P has mode $(stat -c %a $P), not 600"
default=$(cat $P)
[ "$default" = 1 ] || fail "initial_cmdsn defaults to $default, not 1"
trap '[ ! -e $P ] || echo "$default" >$P' EXIT
echo 0xfffffff0 >$P || fail "cannot set initial_cmdsn"
[ "$(cat $P)" = 4294967280 ] || fail "initial_cmdsn reads $(cat $P)"

for kind in lio tgt; do
	vc_target_start $kind wrap 1 32 || fail "$kind target"
	"$VCTL" vhba add w1 initiator "$INAME" || fail "$kind: vhba add"
	"$VCTL" vhba attach w1 target "$TARGET_IQN" portal "$TARGET_PORTAL" ||
		fail "$kind: attach"
	disk=$(vc_disks w1 1) || fail "$kind: no disk"
	fio_verify "$disk" 8M --bsrange=4k-256k --iodepth=16 || fail "$kind: I/O across the wrap"
	cmds=$(vc_sess w1 cmds)
	# The login and the scan alone use more than 16 CmdSNs; the I/O
	# takes hundreds more.
	[ "$cmds" -gt 64 ] || fail "$kind: only $cmds commands: did CmdSN wrap?"
	[ "$(vc_sess w1 recoveries)" = 0 ] || fail "$kind: the session was reinstated"
	[ "$(vc_sess w1 errors)" = 0 ] || fail "$kind: errors: $(vc_sess w1 errors)"
	echo "$kind: $cmds commands from CmdSN 0xfffffff0, no error, no recovery"
	"$VCTL" vhba del w1 || fail "$kind: vhba del"
	vc_target_stop $kind wrap
done
vc_unload || fail "unload failed"
