#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (make bench): the vHBA's software datapath against the stock
# open-iscsi iscsi_tcp initiator, one after the other in the same guest
# run, on the same LIO target and RAM-backed LUN (fileio on tmpfs).
# A third vHBA runs on a simulated offload VF (vf) for comparison,
# unless BENCH_VF=no (then the same time buys half as many rounds again).
# Reports IOPS, throughput, mean and p99 latency (submission to
# completion), guest CPU time per GiB and context switches per I/O for
# each, and ratios where > 1.0 means the vHBA is better.
#
# Both initiators stay logged in to the same LUN for the whole run, and
# each workload runs BENCH_REPEAT times (default 3) on each, alternating
# which goes first, so that drift in the emulated machine's speed hits
# both alike; the report gives the median of the runs for every figure.
#
# BENCH_RUNTIME (seconds per workload, default 15), BENCH_REPEAT and
# BENCH_WORKLOADS (names from the table in bench-lib.sh) override the
# defaults; BENCH_STOCK_SCHED sets the stock disk's I/O scheduler.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/bench-lib.sh"

set -e
RUNTIME=${BENCH_RUNTIME:-15}
REPEAT=${BENCH_REPEAT:-3}
OUT=${VCONNECT_RESULTS:-/tmp}/bench
rm -rf "$OUT"
mkdir -p "$OUT"
INAME=iqn.2026-11.org.example:benchvm

VF=${BENCH_VF:-yes}
case $VF in yes | no) ;; *) fail "BENCH_VF is yes or no, not $VF" ;; esac

vc_load
if [ "$VF" = yes ]; then
	vc_load_offload
	vc_sim_new 0 1
fi
LIO_ACL_INITIATORS="$INAME $(iscsi_initiator_name)" lio_start bench 1 256
lio_pin_threads
# Fill the LUN so reads read data, not holes.
"$VCTL" vhba add bench initiator "$INAME" policy software
"$VCTL" vhba attach bench target "$TARGET_IQN" portal "$TARGET_PORTAL"
vdisk=$(vc_disks bench 1)
dd if=/dev/urandom of="$vdisk" bs=1M count=192 oflag=direct status=none
sdisk=$(iscsi_login_stock "$TARGET_IQN" "$TARGET_PORTAL")
fdisk=
if [ "$VF" = yes ]; then
	# The same LUN through a vHBA on a simulated offload VF.
	"$VCTL" vhba add benchvf initiator "$INAME" policy offload
	"$VCTL" vhba attach benchvf target "$TARGET_IQN" portal "$TARGET_PORTAL"
	fdisk=$(vc_disks benchvf 1)
	[ "$(vc_datapath benchvf)" = vcsim0/vf0 ]
fi
stock_sched "$sdisk"
lio_thread_cpus
for d in "$vdisk" ${fdisk:+"$fdisk"}; do
	note "$d scheduler: $(cat "/sys/block/${d#/dev/}/queue/scheduler")"
done

vf=${fdisk:+vf:$fdisk}
for run in $(seq "$REPEAT"); do
	while read -r name rw bs qd; do
		# Odd runs: vHBA first; even runs: the reverse order.
		order="vhba:$vdisk stock:$sdisk $vf"
		[ $((run % 2)) -eq 1 ] || order="$vf stock:$sdisk vhba:$vdisk"
		for w in $order; do
			run_fio "${w%%:*}" "${w#*:}" "$name" "$rw" "$bs" "$qd" "$run"
		done
	done < <(bench_workloads)
done

"$VCTL" vhba show bench
if [ "$VF" = yes ]; then
	"$VCTL" vhba show benchvf
	"$VCTL" offload show
fi
iscsi_logout_stock "$TARGET_IQN" "$TARGET_PORTAL"
"$VCTL" vhba del bench
if [ "$VF" = yes ]; then
	"$VCTL" vhba del benchvf
fi
lio_stop bench
vc_unload

python3 "$(dirname "$0")/report.py" "$OUT" "$(getconf CLK_TCK)" | tee "$OUT/report.txt"
