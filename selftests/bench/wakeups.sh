#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where an I/O waits: one benchmark workload on the vHBA and on the stock
# iscsi_tcp initiator, each traced with tracefs (scheduler wakeups and
# switches, IPIs, work items), with the same LIO target, LUN and CPU
# placement as bench.sh. Run it with
#
#	selftests/run -T 900 --script selftests/bench/wakeups.sh [WORKLOAD]
#
# WORKLOAD is a name from bench-lib.sh's table (default randread-4k-qd1).
# For each initiator and round, wakeups.py prints the events per I/O
# and, at queue depth 1, the chain of wakeups of one I/O's round trip
# with the time spent in each step. BENCH_REPEAT rounds (default 2)
# alternate which initiator goes first; BENCH_RUNTIME (default 5) and
# BENCH_STOCK_SCHED as for bench.sh. The trace of each run stays in the
# run's result directory.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/bench-lib.sh"

set -e
RUNTIME=${BENCH_RUNTIME:-5}
REPEAT=${BENCH_REPEAT:-2}
OUT=${VCONNECT_RESULTS:-/tmp}/wakeups
WORKLOAD=${1:-randread-4k-qd1}
TRACING=/sys/kernel/tracing
EVENTS="sched/sched_wakeup sched/sched_switch workqueue/workqueue_execute_start
	irq_vectors/call_function_single_entry irq_vectors/call_function_entry
	irq_vectors/reschedule_entry"
rm -rf "$OUT"
mkdir -p "$OUT"
INAME=iqn.2026-11.org.example:wakeupsvm
read -r name rw bs qd < <(BENCH_WORKLOADS=$WORKLOAD bench_workloads)
[ "$name" = "$WORKLOAD" ] || fail "no workload $WORKLOAD in bench-lib.sh"
[ -e "$TRACING/trace" ] || mount -t tracefs nodev "$TRACING" ||
	fail "cannot mount tracefs"

bench_pair_up wakeups "$INAME"

echo 0 >"$TRACING/tracing_on"
echo 16384 >"$TRACING/buffer_size_kb"
for e in $EVENTS; do
	echo 1 >"$TRACING/events/$e/enable" || fail "no trace event $e"
done
for run in $(seq "$REPEAT"); do
	order="vhba:$vdisk stock:$sdisk"
	[ $((run % 2)) -eq 1 ] || order="stock:$sdisk vhba:$vdisk"
	for w in $order; do
		who=${w%%:*}
		echo >"$TRACING/trace"
		echo 1 >"$TRACING/tracing_on"
		run_fio "$who" "${w#*:}" "$name" "$rw" "$bs" "$qd" "$run"
		echo 0 >"$TRACING/tracing_on"
		cat "$TRACING/trace" >"$OUT/$who.$run.trace"
		grep -q "LOST" "$OUT/$who.$run.trace" &&
			note "$who run $run: trace buffer overran, figures are partial"
		read -r ios iops lat p99 < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
io = j["jobs"][0]["read" if j["jobs"][0]["read"]["io_bytes"] else "write"]
print(sum(d["read_ios"] + d["write_ios"] for d in j["disk_util"]),
      round(io["iops"]), round(io["lat_ns"]["mean"] / 1e3),
      round(io["lat_ns"]["percentile"]["99.000000"] / 1e3))' \
			"$OUT/$who-$name.$run.json")
		echo "== $who $name run $run: $iops IOPS, latency mean $lat us, p99 $p99 us"
		python3 "$(dirname "$0")/wakeups.py" "$OUT/$who.$run.trace" "$ios" \
			"${BENCH_FIO_CPU:-0}"
	done
done
for e in $EVENTS; do
	echo 0 >"$TRACING/events/$e/enable"
done
echo >"$TRACING/trace"

bench_pair_down wakeups
