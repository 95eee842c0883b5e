#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 120
#
# A target with more LUNs than one 8 KiB REPORT LUNS buffer holds (1023):
# the hostile target reports 1100 LUNs with LUN 0 last. A vHBA bound to
# LUN 0 keeps it through the scan's prune and a rescan (the prune reads
# the whole list, retrying with the size the target says), and I/O works.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

HT=$VC_ROOT/selftests/tools/hostile_target
[ -x "$HT" ] || fail "$HT not built (make -C selftests/tools)"
require_cmd fio
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:manyluns
TIQN=iqn.2026-11.org.example:manyluns-t
PORT=3272

"$HT" --listen 127.0.0.1:$PORT --target $TIQN --size-mb 16 --report-luns 1100 \
	--log ht.log 2>&1 &
ht=$!
trap 'kill $ht 2>/dev/null; wait $ht 2>/dev/null' EXIT
wait_for "grep -q listening ht.log" 10 || fail "target did not start"
"$VCTL" vhba add rl initiator "$INAME" || fail "add"
"$VCTL" vhba attach rl target $TIQN portal 127.0.0.1:$PORT lun 0 || fail "attach"
disk=$(vc_disks rl 1 10) || { dmesg | tail -n 20; fail "LUN 0 did not stay"; }
"$VCTL" vhba rescan rl || fail "rescan"
sleep 2
[ "$(vc_disks_now rl)" = "$disk" ] || { dmesg | tail -n 20; fail "LUN 0 gone after a rescan"; }
dmesg | grep -q "LUN no longer reported" && fail "a LUN the target reports was pruned"
fio_verify "$disk" 4M || fail "I/O"
"$VCTL" vhba del rl || fail "del"
vc_unload || fail "unload"
