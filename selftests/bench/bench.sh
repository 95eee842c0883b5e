#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (make bench): the vHBA's software datapath against the stock
# open-iscsi iscsi_tcp initiator, one after the other in the same guest
# run, on the same LIO target and RAM-backed LUN (fileio on tmpfs).
# Reports IOPS, throughput, mean and p99 latency and guest CPU time per
# GiB for each, and ratios where > 1.0 means the vHBA is better.
#
# BENCH_RUNTIME (seconds per workload, default 15) and BENCH_WORKLOADS
# (names from the table below) override the defaults.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

set -e
RUNTIME=${BENCH_RUNTIME:-15}
OUT=${VCONNECT_RESULTS:-/tmp}/bench
mkdir -p "$OUT"
INAME=iqn.2026-11.org.example:benchvm

# name rw bs iodepth
WORKLOADS="
randread-4k-qd1 randread 4k 1
randread-4k-qd32 randread 4k 32
randwrite-4k-qd1 randwrite 4k 1
randwrite-4k-qd32 randwrite 4k 32
seqread-128k-qd8 read 128k 8
seqwrite-128k-qd8 write 128k 8
"

# Busy CPU jiffies (all CPUs) from /proc/stat: user..steal minus idle+iowait.
cpu_busy() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# run_fio INITIATOR DEV: every workload, one JSON file and CPU figure each.
run_fio() {
	local who=$1 dev=$2 name rw bs qd c0 c1
	while read -r name rw bs qd; do
		[ -n "$name" ] || continue
		[ -z "${BENCH_WORKLOADS:-}" ] || grep -qw "$name" <<<"$BENCH_WORKLOADS" || continue
		c0=$(cpu_busy)
		fio --name="$name" --filename="$dev" --direct=1 --ioengine=libaio \
			--rw="$rw" --bs="$bs" --iodepth="$qd" --size=192M \
			--time_based --runtime="$RUNTIME" --ramp_time=2 \
			--output-format=json --output="$OUT/$who-$name.json" >/dev/null
		c1=$(cpu_busy)
		echo "$((c1 - c0))" >"$OUT/$who-$name.cpu"
		note "$who $name done"
	done <<<"$WORKLOADS"
}

vc_load
LIO_ACL_INITIATORS="$INAME $(iscsi_initiator_name)" lio_start bench 1 256
# Fill the LUN so reads read data, not holes.
"$VCTL" vhba add bench initiator "$INAME"
"$VCTL" vhba attach bench target "$TARGET_IQN" portal "$TARGET_PORTAL"
disk=$(vc_disks bench 1)
dd if=/dev/urandom of="$disk" bs=1M count=192 oflag=direct status=none
run_fio vhba "$disk"
"$VCTL" vhba show bench
"$VCTL" vhba del bench

disk=$(iscsi_login_stock "$TARGET_IQN" "$TARGET_PORTAL")
run_fio stock "$disk"
iscsi_logout_stock "$TARGET_IQN" "$TARGET_PORTAL"
lio_stop bench
vc_unload

python3 "$(dirname "$0")/report.py" "$OUT" "$(getconf CLK_TCK)" | tee "$OUT/report.txt"
