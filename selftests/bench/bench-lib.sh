# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# bench-lib.sh: what bench.sh and ab.sh share. Set OUT (result directory)
# and RUNTIME (seconds per fio run) before calling run_fio.

# name rw bs iodepth
BENCH_TABLE="
randread-4k-qd1 randread 4k 1
randread-4k-qd32 randread 4k 32
randwrite-4k-qd1 randwrite 4k 1
randwrite-4k-qd32 randwrite 4k 32
seqread-128k-qd8 read 128k 8
seqwrite-128k-qd8 write 128k 8
"

# The table's lines, only those named in BENCH_WORKLOADS if it is set.
bench_workloads() {
	local name rest
	while read -r name rest; do
		[ -n "$name" ] || continue
		[ -z "${BENCH_WORKLOADS:-}" ] || grep -qw -- "$name" <<<"$BENCH_WORKLOADS" || continue
		echo "$name $rest"
	done <<<"$BENCH_TABLE"
}

# stock_sched DISK: the stock disk keeps the distribution's elevator
# unless BENCH_STOCK_SCHED names one (none compares like for like with
# the vHBA's LUNs, which have no elevator by default); logs both.
stock_sched() {
	if [ -n "${BENCH_STOCK_SCHED:-}" ]; then
		echo "$BENCH_STOCK_SCHED" >"/sys/block/${1#/dev/}/queue/scheduler"
	fi
	note "stock $1 scheduler: $(cat "/sys/block/${1#/dev/}/queue/scheduler")"
}

# lio_pin_threads: run every LIO connection's RX and TX threads on one
# CPU, BENCH_TARGET_CPU (default 1). LIO pins each connection's threads
# to a CPU picked by login order, so otherwise the vHBA and iscsi_tcp
# would be served from different CPUs of the 2-CPU guest. Call it after
# lio_start, before any login.
lio_pin_threads() {
	echo "${BENCH_TARGET_CPU:-1}" >/sys/kernel/config/target/iscsi/cpus_allowed_list
}

# Log on which CPU each LIO connection thread is allowed to run.
lio_thread_cpus() {
	local pid comm cpus
	note "LIO threads (allowed CPUs): $(ps -eo pid=,comm= |
		awk '$2 ~ /^iscsi_t[rt]x$/ { print $1, $2 }' |
		while read -r pid comm; do
			# A discovery session's threads may be gone by now.
			cpus=$(taskset -cp "$pid" 2>/dev/null) &&
				echo -n "$comm:${cpus##*: } "
		done)"
}

# Busy CPU jiffies (all CPUs) from /proc/stat: user..steal minus idle+iowait.
cpu_busy() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# Context switches so far, all CPUs, from /proc/stat.
ctx_switches() {
	awk '/^ctxt / { print $2 }' /proc/stat
}

# run_fio WHO DEV NAME RW BS QD RUN: one workload once; its fio JSON,
# busy CPU jiffies and context switches go to $OUT/WHO-NAME.RUN.{json,cpu,ctx}
# (see report.py).
# fio runs on BENCH_FIO_CPU (default 0; "any": where the scheduler puts
# it), so that its placement does not vary from one run to the next.
run_fio() {
	local who=$1 dev=$2 name=$3 rw=$4 bs=$5 qd=$6 run=$7 c0 c1 x0 x1
	local cpu=${BENCH_FIO_CPU:-0} pin=()
	[ "$cpu" = any ] || pin=(--cpus_allowed="$cpu")
	c0=$(cpu_busy)
	x0=$(ctx_switches)
	fio "${pin[@]}" --name="$name" --filename="$dev" --direct=1 --ioengine=libaio \
		--rw="$rw" --bs="$bs" --iodepth="$qd" --size=192M \
		--time_based --runtime="$RUNTIME" --ramp_time=2 --lat_percentiles=1 \
		--output-format=json --output="$OUT/$who-$name.$run.json" >/dev/null
	c1=$(cpu_busy)
	x1=$(ctx_switches)
	echo "$((c1 - c0))" >"$OUT/$who-$name.$run.cpu"
	echo "$((x1 - x0))" >"$OUT/$who-$name.$run.ctx"
	note "$who $name run $run done"
}

# bench_pair_up NAME INAME: load the modules, start LIO target NAME with
# one LUN served from BENCH_TARGET_CPU, log in a vHBA NAME (initiator
# INAME, software datapath) and iscsi_tcp; fill the LUN so that reads
# read data. Sets vdisk and sdisk. bench_pair_down NAME undoes it.
bench_pair_up() {
	local name=$1 iname=$2
	vc_load
	LIO_ACL_INITIATORS="$iname $(iscsi_initiator_name)" lio_start "$name" 1 256
	lio_pin_threads
	"$VCTL" vhba add "$name" initiator "$iname" policy software
	"$VCTL" vhba attach "$name" target "$TARGET_IQN" portal "$TARGET_PORTAL"
	vdisk=$(vc_disks "$name" 1)
	dd if=/dev/urandom of="$vdisk" bs=1M count=192 oflag=direct status=none
	sdisk=$(iscsi_login_stock "$TARGET_IQN" "$TARGET_PORTAL")
	stock_sched "$sdisk"
	lio_thread_cpus
}

bench_pair_down() {
	iscsi_logout_stock "$TARGET_IQN" "$TARGET_PORTAL"
	"$VCTL" vhba del "$1"
	lio_stop "$1"
	vc_unload
}
