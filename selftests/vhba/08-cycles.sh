#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
#
# 200 create/attach/detach/delete cycles against LIO: every cycle logs in
# and finds the disk; slab memory does not grow (no leaked sessions,
# hosts, sockets or tasks); the modules unload at the end.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

CYCLES=${CYCLES:-200}
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:cyclevm
LIO_ACL_INITIATORS=$INAME lio_start cyc 1 16 || fail "LIO"

cycle() {
	"$VCTL" vhba add cy initiator "$INAME" >/dev/null || return 1
	"$VCTL" vhba attach cy target "$TARGET_IQN" portal "$TARGET_PORTAL" || return 1
	vc_disks cy 1 10 >/dev/null || return 1
	"$VCTL" vhba detach cy target "$TARGET_IQN" || return 1
	"$VCTL" vhba del cy || return 1
}

# Warm up caches (slabs, sd, block layer) before the baseline.
for i in $(seq 1 10); do cycle || fail "warm-up cycle $i"; done
sync; echo 3 >/proc/sys/vm/drop_caches
before=$(vc_slab_kib)
t0=$SECONDS
for i in $(seq 1 "$CYCLES"); do
	cycle || fail "cycle $i failed"
done
took=$((SECONDS - t0))
sync; echo 3 >/proc/sys/vm/drop_caches
sleep 2
after=$(vc_slab_kib)
echo "$CYCLES cycles in $took s; slab before ${before} KiB, after ${after} KiB, delta $((after - before)) KiB"
# A leak of one session (socket, host, sd device) per cycle is > 10 KiB a
# cycle; allow for slab noise only.
[ $((after - before)) -lt 1024 ] || fail "slab grew by $((after - before)) KiB over $CYCLES cycles"
lio_stop cyc
vc_unload || fail "unload failed"
