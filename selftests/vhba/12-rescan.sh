#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LUN changes: a LUN added on the LIO target appears after "vhba rescan",
# a LUN removed from it disappears after the next rescan; a vHBA bound to
# an explicit LUN list sees only those LUNs.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:rescanvm
LIO_ACL_INITIATORS=$INAME lio_start rsc 2 16 || fail "LIO"

# lio_lun add|del LUN: map or unmap one more fileio LUN for our ACL.
lio_lun() {
	python3 - "$1" "$2" "$TARGET_IQN" "$INAME" <<'PY'
import os, sys
from rtslib_fb import FabricModule, FileIOStorageObject, LUN, MappedLUN, NodeACL, Target, TPG
op, n, iqn, iname = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
tpg = TPG(Target(FabricModule("iscsi"), iqn, mode="lookup"), 1, mode="lookup")
if op == "add":
    path = "/tmp/vconnect-targets/rsc-extra%d.img" % n
    open(path, "wb").truncate(16 << 20)
    so = FileIOStorageObject("rsc-extra%d" % n, dev=path, size=16 << 20)
    MappedLUN(NodeACL(tpg, iname, mode="lookup"), n, LUN(tpg, n, so))
else:
    lun = [l for l in tpg.luns if l.lun == n][0]
    so = lun.storage_object
    for acl in tpg.node_acls:
        for m in acl.mapped_luns:
            if m.mapped_lun == n:
                m.delete()
    lun.delete()
    so.delete()
PY
}

"$VCTL" vhba add rs initiator "$INAME" || fail "add"
"$VCTL" vhba attach rs target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
vc_disks rs 2 >/dev/null || fail "2 LUNs expected"

lio_lun add 5 || fail "adding LUN 5 on the target"
"$VCTL" vhba rescan rs || fail "rescan"
vc_disks rs 3 >/dev/null || fail "LUN 5 did not appear after rescan"
[ -e /sys/class/scsi_host/host"$(vc_host rs)"/device/target*:0:0/*:0:0:5 ] ||
	fail "no device for LUN 5"
echo "LUN 5 added: $(vc_disks_now rs | tr '\n' ' ')"

lio_lun del 1 || fail "removing LUN 1 on the target"
"$VCTL" vhba rescan rs || fail "rescan"
wait_for "[ \$(vc_disks_now rs | wc -l) = 2 ]" 20 || fail "LUN 1 still there: $(vc_disks_now rs)"
! ls -d /sys/class/scsi_host/host"$(vc_host rs)"/device/target*:0:0/*:0:0:1 2>/dev/null ||
	fail "device for LUN 1 still present"
echo "LUN 1 removed: $(vc_disks_now rs | tr '\n' ' ')"
"$VCTL" vhba del rs || fail "del"

# Explicit LUN list: only LUN 5.
"$VCTL" vhba add rs2 initiator "$INAME" || fail "add rs2"
"$VCTL" vhba attach rs2 target "$TARGET_IQN" portal "$TARGET_PORTAL" lun 5 || fail "attach lun 5"
vc_disks rs2 1 >/dev/null || fail "no disk for LUN 5"
sleep 1
[ "$(vc_disks_now rs2 | wc -l)" = 1 ] || fail "more than the bound LUN: $(vc_disks_now rs2)"
"$VCTL" vhba del rs2 || fail "del rs2"
lio_stop rsc
vc_unload || fail "unload failed"
