#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the CPU goes: one benchmark workload on the vHBA and on the stock
# iscsi_tcp initiator, each under `perf record -a` (cpu-clock samples on
# every CPU), with the same LIO target and LUN as bench.sh. Run it with
#
#	selftests/run -T 1200 --script selftests/bench/profile.sh [WORKLOAD]
#
# WORKLOAD is a name from bench-lib.sh's table (default randread-4k-qd32).
# For each initiator it writes, in the run's result directory, the fio
# result and two perf reports: by symbol, and by module (dso). The guest
# is emulated, so absolute sample counts mean little; compare the shares.
# BENCH_RUNTIME (default 15) and BENCH_STOCK_SCHED as for bench.sh.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/bench-lib.sh"

set -e
RUNTIME=${BENCH_RUNTIME:-15}
OUT=${VCONNECT_RESULTS:-/tmp}/profile
WORKLOAD=${1:-randread-4k-qd32}
rm -rf "$OUT"
mkdir -p "$OUT"
INAME=iqn.2026-11.org.example:profvm
data=$(mktemp /tmp/perf.XXXXXX)
command -v perf >/dev/null || fail "perf is not installed (linux-perf)"
read -r name rw bs qd < <(BENCH_WORKLOADS=$WORKLOAD bench_workloads)
[ "$name" = "$WORKLOAD" ] || fail "no workload $WORKLOAD in bench-lib.sh"

bench_pair_up prof "$INAME"

# The first perf record of a boot takes seconds to start (reading its
# binary, symbols and /proc over 9p): do that before anything is timed.
perf record -q -e cpu-clock -a -o "$data" -- sleep 1 2>/dev/null ||
	fail "perf record does not work here"

for who in vhba:"$vdisk" stock:"$sdisk"; do
	dev=${who#*:}
	who=${who%%:*}
	# perf.data on tmpfs: writing it to the 9p results share would
	# show up in the profile.
	perf record -q -e cpu-clock -a -o "$data" \
		-- sleep $((RUNTIME + 2)) 2>"$OUT/$who.perf.err" &
	run_fio "$who" "$dev" "$name" "$rw" "$bs" "$qd" 1
	wait $! || fail "perf record failed: $(cat "$OUT/$who.perf.err")"
	perf report -i "$data" --sort dso --stdio 2>/dev/null |
		grep -v '^#' | grep . | head -20 >"$OUT/$who.dso.txt"
	perf report -i "$data" --sort sym --stdio 2>/dev/null |
		grep -v '^#' | grep . | head -80 >"$OUT/$who.sym.txt"
	rm -f "$data"
	note "$who: $(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(round(j["jobs"][0]["read"]["iops"] + j["jobs"][0]["write"]["iops"]))' "$OUT/$who-$name.1.json") IOPS, busy jiffies $(cat "$OUT/$who-$name.1.cpu")"
	cat "$OUT/$who.dso.txt" "$OUT/$who.sym.txt"
done

bench_pair_down prof
