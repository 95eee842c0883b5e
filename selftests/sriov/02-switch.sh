#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1500
#
# Planned switches, make-before-break: under fio with crc32c verification
# at QD 32 and 4k..256k blocks, SWITCHES (default 100) moves each way
# between a simulated VF and the software datapath, against LIO and tgt.
# Zero I/O errors, zero verify failures, every switch counted, the ISID
# alternating within the vHBA's pair, no slab growth, stall per switch
# reported.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/../lib/switch-lib.sh"

require_cmd fio
N=${SWITCHES:-100}
INAME=iqn.2026-11.org.example:switch
vc_load && vc_load_offload || fail "could not load the modules"
vc_sim_new 0 1 || fail "simulated HBA"

# Slab before each round; the last round, run warm, must not grow it:
# no leaked sessions, tasks or functions.
slab0=
for kind in lio tgt; do
	slab0=$(vc_slab_settled_kib)
	VC_INITIATORS=$INAME vc_target_start $kind sw$kind 1 64 || fail "$kind target"
	"$VCTL" vhba add s1 initiator "$INAME" || fail "add"
	"$VCTL" vhba attach s1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
	wait_datapath s1 'vcsim0/vf0' 5 || fail "not on the VF"
	disk=$(vc_disks s1 1) || fail "no disk"
	isid0=$(vc_sess s1 isid)
	"$VCTL" -j monitor vhba s1 >events.json 2>&1 &
	mon=$!
	sleep 0.5

	io_loop_start "$disk" 24M
	sleep 2
	t0=$SECONDS
	for i in $(seq "$N"); do
		"$VCTL" vhba switch s1 software || fail "switch $i to software"
		[ "$(vc_datapath s1)" = software ] || fail "switch $i: on $(vc_datapath s1)"
		sleep 0.1
		"$VCTL" vhba switch s1 offload || fail "switch $i to offload"
		[ "$(vc_datapath s1)" = vcsim0/vf0 ] || fail "switch $i back: on $(vc_datapath s1)"
		sleep 0.1
	done
	el=$((SECONDS - t0))
	io_loop_stop || fail "$kind: I/O failed across the switches"
	kill $mon 2>/dev/null; wait $mon 2>/dev/null

	sws=$(vc_sess s1 switches)
	errs=$(vc_sess s1 errors)
	note "$kind: $((2 * N)) switches in $el s, session switches $sws, errors $errs, recoveries $(vc_sess s1 recoveries), vf0 cmds $(vc_sim_vf 0 0 cmds), isid $isid0 -> $(vc_sess s1 isid)"
	[ "$sws" = $((2 * N)) ] || fail "switch counter $sws, expected $((2 * N))"
	[ "$errs" = 0 ] || fail "$errs I/O errors"
	[ "$(vc_sess s1 recoveries)" = 0 ] || fail "a switch caused a recovery"
	[ "$(vc_sess s1 isid)" = "$isid0" ] || fail "ISID did not come back to $isid0 after an even number of switches"
	python3 - events.json <<'PY' || fail "switch events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
sw = [e for e in ev if e.get("event") == "switch"]
st = sorted(e.get("stall-us", 0) for e in sw)
tm = sorted(e.get("time-us", 0) for e in sw)
assert len(sw) >= 2 * int(sys.argv[2] if len(sys.argv) > 2 else 1), len(sw)
pct = lambda a, p: a[min(len(a) - 1, int(len(a) * p))]
print("switch events %d, stall us p50 %d p99 %d max %d; switch time ms p50 %.1f p99 %.1f max %.1f" %
      (len(sw), pct(st, .5), pct(st, .99), st[-1], pct(tm, .5) / 1e3, pct(tm, .99) / 1e3, tm[-1] / 1e3))
PY
	"$VCTL" vhba del s1 || fail "del"
	vc_target_stop $kind sw$kind
	slab1=$(vc_slab_settled_kib)
	note "$kind: slab before ${slab0} KiB, after ${slab1} KiB, delta $((slab1 - slab0)) KiB"
done
[ $((slab1 - slab0)) -lt 1024 ] || fail "slab grew by $((slab1 - slab0)) KiB over the last round"
vc_unload || fail "unload"
