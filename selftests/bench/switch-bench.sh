#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Switch benchmark (make bench, second part): I/O stall per datapath
# switch under 4 KiB random read/write load at QD 32 against a RAM-backed
# LIO LUN, from the kernel's switch events: planned switches (software <->
# simulated VF, make-before-break) and unplanned ones after each injected
# fault (link drop, VF reset, firmware hang, VF removal). Reports p50, p99
# and max per kind, and fio's error count over the whole run (must be 0).
#
# SWITCH_PLANNED (round trips, default 50) and SWITCH_FAULTS (per fault
# kind, default 20) override the counts.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/../lib/switch-lib.sh"

set -e -o pipefail
P=${SWITCH_PLANNED:-50}
F=${SWITCH_FAULTS:-20}
OUT=${VCONNECT_RESULTS:-/tmp}/switch-bench
mkdir -p "$OUT"
cd "$OUT"
INAME=iqn.2026-11.org.example:switchbench

vc_load
vc_load_offload
vc_sim_new 0 2
LIO_ACL_INITIATORS=$INAME lio_start swbench 1 256
"$VCTL" vhba add sb initiator "$INAME"
"$VCTL" vhba attach sb target "$TARGET_IQN" portal "$TARGET_PORTAL"
wait_datapath sb 'vcsim0/vf*' 5
disk=$(vc_disks sb 1)
dd if=/dev/urandom of="$disk" bs=1M count=256 oflag=direct status=none

"$VCTL" -j monitor vhba sb >events.json 2>&1 &
mon=$!

# load PHASE: 4k random read/write at QD 32 until stopped; fio's
# completion latencies per phase are the guest's own view of the stalls.
load() {
	fio --name="$1" --filename="$disk" --direct=1 --ioengine=libaio \
		--rw=randrw --bs=4k --iodepth=32 --time_based --runtime=3600 \
		--output-format=json --output="fio-$1.json" &
	fio=$!
	sleep 3
}
load_stop() {
	kill -INT $fio
	wait $fio || true
}

load quiet
sleep 20
load_stop

load planned

t0=$SECONDS
for i in $(seq "$P"); do
	"$VCTL" vhba switch sb software
	sleep 0.2
	"$VCTL" vhba switch sb offload
	sleep 0.2
done
note "$((2 * P)) planned switches in $((SECONDS - t0)) s"
load_stop

load unplanned

cur_vf() {
	local dp
	dp=$(vc_datapath sb)
	[[ $dp == vcsim0/vf* ]] && echo "${dp#vcsim0/vf}"
}
for fault in link reset hang remove; do
	t0=$SECONDS
	for i in $(seq "$F"); do
		vf=$(cur_vf) || true
		if [ -z "$vf" ]; then
			wait_for "$VCTL vhba switch sb offload 2>/dev/null" 20
			vf=$(cur_vf)
		fi
		fo=$(vc_sess sb failovers)
		case $fault in
		link) vc_sim_fault 0 "$vf" link_down 500 ;;
		reset) vc_sim_fault 0 "$vf" reset 1 ;;
		hang) vc_sim_fault 0 "$vf" hang_ms 1500 ;;
		remove) vc_sim_fault 0 "$vf" remove 300 ;;
		esac
		wait_for "[ \$(vc_sess sb failovers) -gt $fo ]" 20
		wait_datapath sb '*' 20
		sleep 0.3
	done
	note "$F x $fault in $((SECONDS - t0)) s"
	wait_for "[ -e $SIM_BUS/devices/vcsim0/vf0 ] && [ -e $SIM_BUS/devices/vcsim0/vf1 ]" 10
done
load_stop
kill $mon; wait $mon 2>/dev/null || true
"$VCTL" vhba show sb
errors=$(vc_sess sb errors)
"$VCTL" vhba del sb
lio_stop swbench
vc_unload

python3 - events.json "$errors" <<'PY' | tee report.txt
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
groups = {}
for e in ev:
    if e.get("event") != "switch":
        continue
    kind = "planned" if e.get("cause") in ("user", "failback") else "unplanned " + e.get("cause", "?")
    groups.setdefault(kind, []).append(e)
pct = lambda a, p: a[min(len(a) - 1, int(len(a) * p))]
print("%-24s %5s %10s %10s %10s %12s" % ("switch", "n", "p50 ms", "p99 ms", "max ms", "time p50 ms"))
for kind, es in sorted(groups.items()):
    st = sorted(e.get("stall-us", 0) / 1e3 for e in es)
    tm = sorted(e.get("time-us", 0) / 1e3 for e in es)
    print("%-24s %5d %10.2f %10.2f %10.2f %12.1f" % (kind, len(st), pct(st, .5), pct(st, .99), st[-1], pct(tm, .5)))
print()
print("%-10s %8s %8s %10s %10s %10s %7s" % ("fio phase", "r IOPS", "w IOPS", "p99 ms", "p99.9 ms", "max ms", "errors"))
for phase in ("quiet", "planned", "unplanned"):
    raw = open("fio-%s.json" % phase).read()
    job = json.loads(raw[raw.index("{"):])["jobs"][0]  # after "terminating"
    clat = [job[d]["clat_ns"] for d in ("read", "write")]
    p = lambda k: max(c["percentile"].get(k, 0) for c in clat) / 1e6
    print("%-10s %8.0f %8.0f %10.1f %10.1f %10.1f %7d" % (
        phase, job["read"]["iops"], job["write"]["iops"], p("99.000000"),
        p("99.900000"), max(c["max"] for c in clat) / 1e6, job["error"]))
print("session errors:", sys.argv[2])
PY
