#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 2400
#
# Unplanned switches: under fio with crc32c verification at QD 32, FAULTS
# (default 50) of each injected fault on the VF carrying the vHBA: VF
# removal (hot-plugged back), VF reset, firmware hang (found by the
# driver's watchdog), link drop, and a failed login on the VF the vHBA
# would move to (it lands in software instead). Zero I/O errors, zero
# verify failures, no slab growth; each failover counted and its stall
# reported.
# TARGETS (default "lio tgt") picks the targets.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/../lib/switch-lib.sh"

require_cmd fio
N=${FAULTS:-50}
INAME=iqn.2026-11.org.example:faults
vc_load && vc_load_offload || fail "could not load the modules"
vc_sim_new 0 2 || fail "simulated HBA"

# The VF number the vHBA runs on, or nothing.
cur_vf() {
	local dp
	dp=$(vc_datapath f1)
	[[ $dp == vcsim0/vf* ]] && echo "${dp#vcsim0/vf}"
}

# inject FAULT VF
inject() {
	case $1 in
	remove) vc_sim_fault 0 "$2" remove 300 ;;
	reset) vc_sim_fault 0 "$2" reset 1 ;;
	hang) vc_sim_fault 0 "$2" hang_ms 1500 ;;
	link) vc_sim_fault 0 "$2" link_down 500 ;;
	login)
		# The other VF refuses its next login; the vHBA must land in
		# software when its own VF resets.
		vc_sim_fault 0 $((1 - $2)) fail_next_login 1
		vc_sim_fault 0 "$2" reset 1 ;;
	esac
}

# Slab before each round; the last round, run warm, must not grow it:
# no leaked sessions, tasks or functions.
slab0=
for kind in ${TARGETS:-lio tgt}; do
	slab0=$(vc_slab_settled_kib)
	VC_INITIATORS=$INAME vc_target_start $kind ft$kind 1 64 || fail "$kind target"
	"$VCTL" vhba add f1 initiator "$INAME" || fail "add"
	"$VCTL" vhba attach f1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
	wait_datapath f1 'vcsim0/vf*' 5 || fail "not on a VF"
	disk=$(vc_disks f1 1) || fail "no disk"
	"$VCTL" -j monitor vhba f1 >events-$kind.json 2>&1 &
	mon=$!
	sleep 0.5
	io_loop_start "$disk" 24M
	sleep 2
	total=0
	for fault in remove reset hang link login; do
		t0=$SECONDS
		for i in $(seq "$N"); do
			vf=$(cur_vf)
			if [ -z "$vf" ]; then
				# Back to a VF for the next fault (policy auto).
				wait_for "$VCTL vhba switch f1 offload 2>/dev/null" 20 ||
					fail "$fault $i: could not switch back to offload"
				vf=$(cur_vf)
			fi
			fo=$(vc_sess f1 failovers)
			inject $fault "$vf"
			wait_for "[ \$(vc_sess f1 failovers) -gt $fo ]" 20 ||
				fail "$fault $i on vf$vf: no failover ($(vc_datapath f1), $(vc_sess f1 state))"
			wait_datapath f1 '*' 20 || fail "$fault $i: not logged in again"
			if [ $fault = login ]; then
				[ "$(vc_datapath f1)" = software ] ||
					fail "login $i: landed on $(vc_datapath f1), not software"
			fi
			total=$((total + 1))
		done
		note "$kind $fault: $N faults in $((SECONDS - t0)) s, now on $(vc_datapath f1)"
		# Let removed VFs come back before the next kind of fault.
		wait_for "[ -e /sys/bus/vconnect_sim/devices/vcsim0/vf0 ] && [ -e /sys/bus/vconnect_sim/devices/vcsim0/vf1 ]" 10
	done
	io_loop_stop || fail "$kind: I/O failed across the faults"
	kill $mon 2>/dev/null; wait $mon 2>/dev/null
	errs=$(vc_sess f1 errors)
	fos=$(vc_sess f1 failovers)
	note "$kind: $total faults, failovers $fos, recoveries $(vc_sess f1 recoveries), errors $errs"
	[ "$errs" = 0 ] || fail "$errs I/O errors"
	[ "$fos" -ge "$total" ] || fail "only $fos failovers for $total faults"
	python3 - events-$kind.json <<'PY' || fail "switch events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {}
for e in ev:
    if e.get("event") == "switch" and e.get("cause") != "user":
        by.setdefault(e["cause"], []).append(e.get("stall-us", 0))
pct = lambda a, p: a[min(len(a) - 1, int(len(a) * p))]
for c, st in sorted(by.items()):
    st.sort()
    print("%-12s n %3d  stall ms p50 %.1f p99 %.1f max %.1f" %
          (c, len(st), pct(st, .5) / 1e3, pct(st, .99) / 1e3, st[-1] / 1e3))
assert by, "no failover events"
PY
	"$VCTL" vhba del f1 || fail "del"
	vc_target_stop $kind ft$kind
	slab1=$(vc_slab_settled_kib)
	note "$kind: slab before ${slab0} KiB, after ${slab1} KiB, delta $((slab1 - slab0)) KiB"
done
[ $((slab1 - slab0)) -lt 1024 ] || fail "slab grew by $((slab1 - slab0)) KiB over the last round"
vc_unload || fail "unload"
