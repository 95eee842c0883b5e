#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A/B benchmark of vconnect builds, for a change to the datapath: each
# TREE given (a built repository: modules and vconnectctl) is loaded
# in turn into the same guest and runs the benchmark's workloads on the
# same LIO LUN, beside the stock iscsi_tcp initiator, which stays logged
# in throughout as the baseline. Run it with
#
#	selftests/run -T 3000 --script selftests/bench/ab.sh TREE [TREE...]
#
# Trees are labelled t0, t1, ... in the order given. Every round runs each
# workload once per tree and once on stock, rotating who goes first, so
# that drift in the emulated machine's speed hits all alike; the report
# (report.py) gives medians over the rounds and each tree's ratios to
# stock. BENCH_RUNTIME (default 10), BENCH_REPEAT (rounds, default 3),
# BENCH_WORKLOADS and BENCH_STOCK_SCHED as for bench.sh.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/bench-lib.sh"

set -e
RUNTIME=${BENCH_RUNTIME:-10}
REPEAT=${BENCH_REPEAT:-3}
OUT=${VCONNECT_RESULTS:-/tmp}/ab
rm -rf "$OUT"
mkdir -p "$OUT"
INAME=iqn.2026-11.org.example:abvm
[ $# -ge 1 ] || fail "usage: ab.sh TREE [TREE...] (built vconnect trees)"
trees=("$@")
for t in "${trees[@]}"; do
	for f in vhba/vconnect_vhba.ko iscsi_emul/vconnect_software.ko \
		userspace/vconnectctl; do
		[ -e "$t/$f" ] || fail "$t is not built: no $f"
	done
done

loaded=
vdisk=
# ab_use I: tree I's modules loaded, a vHBA logged in; sets vdisk.
ab_use() {
	[ "$loaded" != "$1" ] || return 0
	[ -z "$loaded" ] || vc_unload
	VC_ROOT=${trees[$1]}
	VCTL=$VC_ROOT/userspace/vconnectctl
	vc_load
	"$VCTL" vhba add ab initiator "$INAME" policy software
	"$VCTL" vhba attach ab target "$TARGET_IQN" portal "$TARGET_PORTAL"
	vdisk=$(vc_disks ab 1)
	loaded=$1
	note "t$1: ${trees[$1]} ($(git -C "${trees[$1]}" describe --always --dirty 2>/dev/null || echo '?')) on $vdisk"
	lio_thread_cpus
}

LIO_ACL_INITIATORS="$INAME $(iscsi_initiator_name)" lio_start ab 1 256
lio_pin_threads
sdisk=$(iscsi_login_stock "$TARGET_IQN" "$TARGET_PORTAL")
stock_sched "$sdisk"
# Fill the LUN so reads read data, not holes.
dd if=/dev/urandom of="$sdisk" bs=1M count=192 oflag=direct status=none

for run in $(seq "$REPEAT"); do
	while read -r name rw bs qd; do
		order=(stock)
		for ((i = 0; i < ${#trees[@]}; i++)); do
			order+=("$i")
		done
		# Rotate by the round: each goes first in turn.
		for ((i = 0; i < (run - 1) % ${#order[@]}; i++)); do
			order=("${order[@]:1}" "${order[0]}")
		done
		for w in "${order[@]}"; do
			if [ "$w" = stock ]; then
				run_fio stock "$sdisk" "$name" "$rw" "$bs" "$qd" "$run"
			else
				ab_use "$w"
				run_fio "t$w" "$vdisk" "$name" "$rw" "$bs" "$qd" "$run"
			fi
		done
	done < <(bench_workloads)
done

iscsi_logout_stock "$TARGET_IQN" "$TARGET_PORTAL"
vc_unload
lio_stop ab

python3 "$(dirname "$0")/report.py" "$OUT" "$(getconf CLK_TCK)" | tee "$OUT/report.txt"
