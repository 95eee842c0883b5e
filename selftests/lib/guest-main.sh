#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-main.sh: PID 1 of the test guest, started by the initramfs /init
# after switch_root into the overlay on the machine's root.  It sets the
# guest up, runs the tests named in /results/guest.env (written by
# selftests/run) one at a time, writes their output, dmesg and KTAP to
# /results, and powers off.

set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LC_ALL=C

R=/results

power_off() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
}
# Whatever happens, never leave the host waiting for its time limit.
trap power_off EXIT

say() {
	echo "vconnect-guest: $*" >/dev/console
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# No udev: the standard links bash's <(...) and friends need.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p $R
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results $R; then
	say "cannot mount the results share"
	exit 1
fi
# shellcheck source=/dev/null
. $R/guest.env

# scratch_tmpfs DIR MODE: fresh tmpfs on DIR, so the host's files there
# (stale pid files, sockets) do not leak in.  The repository or the
# --script file may live under DIR (a CI clone in /tmp): bind them back.
scratch_tmpfs() {
	local dir=$1 keep=() k n=0
	for k in "$VCONNECT_ROOT" ${VCONNECT_GUEST_CMD:+"$(dirname "$VCONNECT_GUEST_CMD")"}; do
		case $k/ in
		"$dir"/*)
			mkdir -p /mnt/keep.$n
			mount --bind "$k" /mnt/keep.$n
			keep+=("$k")
			n=$((n + 1)) ;;
		esac
	done
	mount -t tmpfs -o mode="$2" tmpfs "$dir"
	for n in "${!keep[@]}"; do
		mkdir -p "${keep[$n]}"
		mount --move "/mnt/keep.$n" "${keep[$n]}"
	done
}
scratch_tmpfs /tmp 1777
scratch_tmpfs /run 0755

modprobe configfs && mount -t configfs none /sys/kernel/config
# Tests that use debugfs mount it themselves; the runner needs it for
# kmemleak (the debug kernel).
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
mkdir -p /run/lock/iscsi /var/lib/iscsi /run/vconnect-test
ip link set lo up
hostname vconnect-guest
# Keep the serial console for panics; tests read dmesg themselves.
dmesg -n 1

lib=$VCONNECT_ROOT/selftests/lib
export VCONNECT_ROOT VCONNECT_RESULTS=$R

# shellcheck source=splat.sh disable=SC2154 # splat_re is set there
. "$lib/splat.sh"

# dmesg_chunk FILE LABEL: move the kernel log into FILE (read and clear,
# so each test sees only its own lines) and append it to dmesg.log, which
# so holds the whole log.
dmesg_chunk() {
	dmesg -c >"$1"
	{ echo "==== $2"; cat "$1"; } >>$R/dmesg.log
}

# Live processes in process group $1 (zombies are already dead).
group_members() {
	ps -eo pgid=,stat=,pid=,args= | awk -v g="$1" '$1 == g && $2 !~ /^Z/'
}

ktap() {
	echo "$*" >>$R/results.ktap
}

# kmemleak (the debug kernel only): after each test, report what became
# unreferenced during it.  kmemleak reports an object only once it is older
# than 5 s and its contents did not change since the previous scan, so
# scan twice with the second at least 5 s after the test ended; "clear"
# then keeps what was reported (or was already there) from counting again.
# Under TCG that costs more than a minute per test: VCONNECT_KMEMLEAK=0
# skips it.
KMEMLEAK=/sys/kernel/debug/kmemleak
[ -w $KMEMLEAK ] && [ "${VCONNECT_KMEMLEAK:-1}" != 0 ] || KMEMLEAK=

# kmemleak_report SINCE: print the unreferenced objects, SINCE being
# $EPOCHREALTIME when the test ended.
kmemleak_report() {
	local wait
	echo scan >$KMEMLEAK
	wait=$(awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN { w = 5.5 - (a - b); if (w > 0) printf "%.1f", w }')
	[ -z "$wait" ] || sleep "$wait"
	echo scan >$KMEMLEAK
	cat $KMEMLEAK
	echo clear >$KMEMLEAK
}

# First value of a "# NAME: value" header in the first 30 lines of $2.
header() {
	sed -n "1,30s/^#[[:space:]]*$1:[[:space:]]*\\([^[:space:]]*\\).*/\\1/p" "$2" | head -n 1
}

# run_test INDEX ID PATH [ARG...]: run one test, scan its dmesg, print
# its KTAP result.  Returns the test's exit status.
run_test() {
	local i=$1 id=$2 path=$3
	shift 3
	local base=$R/tests/${id/\//.} tmp=/tmp/vconnect-test.$i
	local to expect pid test_rc start secs timed_out=0 left splat cleanup
	local result reason=
	local leaks='' ended

	to=$(header timeout "$path")
	[[ $to =~ ^[0-9]+$ ]] || to=$VCONNECT_TIMEOUT
	to=$((to * ${VCONNECT_TIMEOUT_SCALE:-1}))
	expect=$(header expect "$path")
	mkdir -p "$tmp"
	local cmd=("$path")
	[ -x "$path" ] || cmd=(bash "$path")

	say "running $id"
	start=$EPOCHREALTIME
	# timeout(1) puts itself and the test in a new process group, so a
	# hung test is killed whole.
	(
		cd "$tmp" || exit 1
		export VCONNECT_TEST_NAME=$id VCONNECT_TEST_TMP=$tmp
		exec timeout -k 5 "$to" "${cmd[@]}" "$@"
	) </dev/null >"$base.log" 2>&1 &
	pid=$!
	wait $pid
	test_rc=$?
	ended=$EPOCHREALTIME
	secs=$(awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN { printf "%.1f", a - b }')
	if { [ $test_rc = 124 ] || [ $test_rc = 137 ]; } &&
	   awk -v s="$secs" -v t="$to" 'BEGIN { exit !(s >= t) }'; then
		timed_out=1
		echo "runner: timed out after ${to}s; killed" >>"$base.log"
	fi

	# Leftover background jobs of the test: kill them, and make sure they
	# are gone (a process stuck in D state would survive; that is a bug).
	left=$(group_members $pid)
	if [ -n "$left" ]; then
		kill -KILL -- -$pid 2>/dev/null
		for _ in $(seq 50); do
			[ -z "$(group_members $pid)" ] && break
			sleep 0.1
		done
		left=$(group_members $pid)
		echo "runner: killed the test's leftover processes" >>"$base.log"
	fi

	# Undo what the test left set up, so the next test starts clean.
	cleanup=$(
		. "$lib/guest-lib.sh"
		vc_reset_all 2>&1
	)
	[ -z "$cleanup" ] || printf 'runner cleanup:\n%s\n' "$cleanup" >>"$base.log"

	if [ -n "$KMEMLEAK" ]; then
		leaks=$(kmemleak_report "$ended")
		[ -z "$leaks" ] || printf '%s\n' "$leaks" >"$base.kmemleak"
	fi
	dmesg_chunk "$base.dmesg" "$id"
	splat=$(splats "$base.dmesg"; [ -z "$leaks" ] || printf 'kmemleak:\n%s\n' "$leaks")
	if [ -n "$splat" ]; then
		printf '%s\n' "$splat" >"$base.splat"
		ktap "# $id: kernel splat: $(grep -Em1 "$splat_re" <<<"$splat")"
	fi
	ktap "# $id: exit $test_rc after ${secs}s (timeout ${to}s)"

	case $expect in
	splat)
		if [ -n "$splat" ] && [ $timed_out = 0 ]; then
			result=ok reason="splat detected as expected"
		else
			result="not ok" reason="expected a kernel splat, none detected"
		fi ;;
	timeout)
		if [ $timed_out = 1 ] && [ -z "$splat" ] && [ -z "$left" ]; then
			result=ok reason="timed out after ${to}s and was killed, as expected"
		else
			result="not ok" reason="expected a timeout (exit $test_rc)"
		fi ;;
	fail)
		if [ $timed_out = 0 ] && [ -z "$splat" ] && [ $test_rc != 0 ] && [ $test_rc != 4 ]; then
			result=ok reason="failed as expected (exit $test_rc)"
		else
			result="not ok" reason="expected a plain failure (exit $test_rc)"
		fi ;;
	*)
		if [ $timed_out = 1 ]; then
			result="not ok" reason="timed out after ${to}s"
		elif [ -n "$splat" ]; then
			result="not ok" reason="kernel splat"
		elif [ $test_rc = 4 ]; then
			result=ok
			reason="SKIP $(sed -n 's/^SKIP: //p' "$base.log" | tail -n 1)"
		elif [ $test_rc != 0 ]; then
			result="not ok" reason="exit $test_rc"
		else
			result=ok
		fi ;;
	esac
	if [ -n "$left" ]; then
		result="not ok" reason="processes survived SIGKILL: ${left//$'\n'/; }"
	fi
	ktap "$result $i $id${reason:+ # $reason}"
	rm -rf "$tmp"
	return $test_rc
}

mkdir -p $R/tests
# What boot left unreferenced is not the first test's doing.
if [ -n "$KMEMLEAK" ]; then
	kmemleak_report "$EPOCHREALTIME" >$R/boot.kmemleak
	[ -s $R/boot.kmemleak ] || rm -f $R/boot.kmemleak
fi
dmesg_chunk $R/boot.dmesg boot
boot_splat=$(splats $R/boot.dmesg)

n=${#VCONNECT_TEST_IDS[@]}
ktap "KTAP version 1"
ktap "1..$n"
ktap "# guest: kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime)s"
[ -z "$boot_splat" ] ||
	ktap "# boot: kernel splat during boot: $(grep -Em1 "$splat_re" <<<"$boot_splat")"
date +%s >$R/guest.started

if [ -n "$VCONNECT_GUEST_CMD" ]; then
	run_test 1 "${VCONNECT_TEST_IDS[0]}" "$VCONNECT_GUEST_CMD" "${VCONNECT_GUEST_ARGS[@]}"
	echo $? >$R/script.rc
else
	for idx in "${!VCONNECT_TEST_IDS[@]}"; do
		run_test $((idx + 1)) "${VCONNECT_TEST_IDS[$idx]}" "${VCONNECT_TEST_PATHS[$idx]}"
	done
fi

dmesg_chunk $R/end.dmesg end
rm -f $R/end.dmesg
echo ok >$R/guest.done
say "done"
