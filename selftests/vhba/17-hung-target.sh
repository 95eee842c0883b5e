#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
#
# A target whose backstore hangs (SCSI commands unanswered, NOP-Outs
# still answered, task management ignored) during attach, rescan, detach
# and delete: the error handler escalates to a host reset, which must not
# wait for the control command that waits for the error handler. Each
# control command returns once the target answers again; meanwhile
# "vconnectctl vhba show" answers within SHOW_MAX seconds every time and
# a second vHBA on LIO keeps doing verified I/O.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/../lib/switch-lib.sh"

HT=$VC_ROOT/selftests/tools/hostile_target
[ -x "$HT" ] || fail "$HT not built (make -C selftests/tools)"
require_cmd fio
SHOW_MAX=3
HOLD=40		# seconds the target hangs in each phase: past REPORT LUNS's
		# 30 s timeout, so that the error handler runs
INAME=iqn.2026-11.org.example:hungvm
OKNAME=iqn.2026-11.org.example:okvm
TMF=/sys/module/vconnect_software/parameters/tmf_timeout_ms

vc_load || fail "could not load the modules"
tmf_default=$(cat $TMF)
echo 1000 >$TMF
VC_INITIATORS=$OKNAME vc_target_start lio hungok 1 64 || fail "LIO"

# start_ht N: hostile target N (port 3280+N, iqn ...:hungN), TMFs ignored.
declare -A htpid
start_ht() {
	"$HT" --listen 127.0.0.1:$((3280 + $1)) --target "iqn.2026-11.org.example:hung$1" \
		--size-mb 16 --tmf all=ignore --log "ht$1.log" 2>&1 &
	htpid[$1]=$!
	wait_for "grep -q listening ht$1.log" 10 || fail "target $1 did not start"
}
cleanup() {
	[ -e io_loop.stop ] || touch io_loop.stop
	for p in "${htpid[@]}"; do kill "$p" 2>/dev/null; done
	echo "$tmf_default" >$TMF
	vc_unload
	vc_target_stop lio hungok
}
trap cleanup EXIT
start_ht 1
start_ht 2

"$VCTL" vhba add ok initiator $OKNAME || fail "add ok"
"$VCTL" vhba attach ok target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach ok"
okdisk=$(vc_disks ok 1) || fail "no disk on ok"
"$VCTL" vhba add hung initiator $INAME replacement-timeout 120 || fail "add hung"
"$VCTL" vhba attach hung target iqn.2026-11.org.example:hung1 portal 127.0.0.1:3281 ||
	fail "attach hung1"
disk=$(vc_disks hung 1) || fail "no disk on hung"
echo 3 >"/sys/block/${disk#/dev/}/device/timeout"
io_loop_start "$okdisk" 8M

# phase NAME HT COMMAND...: hang target HT, start an I/O on the hung vHBA's
# disk (if any) and COMMAND; probe show while it hangs; resume; COMMAND
# must then finish within 120 s and succeed.
phase() {
	local name=$1 ht=$2 t0 took max=0 s cmd_pid rc dd_pid= show_pid
	shift 2
	kill -USR2 "${htpid[$ht]}"
	wait_for "grep -q 'now held' ht$ht.log" 5 || fail "$name: target $ht did not hang"
	if [ -b "$disk" ]; then
		dd if="$disk" of=/dev/null bs=4k count=1 iflag=direct status=none &
		dd_pid=$!
	fi
	t0=$SECONDS
	"$@" >"$name.out" 2>&1 &
	cmd_pid=$!
	while [ $((SECONDS - t0)) -lt $HOLD ]; do
		s=$(date +%s%N)
		# Not timeout(1): a command stuck on a mutex cannot be killed.
		"$VCTL" vhba show >/dev/null 2>&1 &
		show_pid=$!
		wait_for "! kill -0 $show_pid 2>/dev/null" 30 ||
			fail "$name: vhba show still waiting after 30 s while the target hung"
		wait $show_pid || fail "$name: vhba show failed while the target hung"
		took=$((($(date +%s%N) - s) / 1000000))
		[ $took -gt $max ] && max=$took
		[ $took -le $((SHOW_MAX * 1000)) ] ||
			fail "$name: vhba show took $took ms while the target hung"
		sleep 1
	done
	kill -USR2 "${htpid[$ht]}"
	wait_for "! kill -0 $cmd_pid 2>/dev/null" 120 ||
		fail "$name: '$*' still running 120 s after the target came back"
	wait $cmd_pid
	rc=$?
	cat "$name.out"
	[ $rc = 0 ] || fail "$name: '$*' failed (exit $rc)"
	note "$name: returned after $((SECONDS - t0)) s (target hung $HOLD s); vhba show at most $max ms meanwhile"
	[ -z "$dd_pid" ] || wait "$dd_pid"	# done or failed: no matter
}

phase rescan 1 "$VCTL" vhba rescan hung
phase attach 2 "$VCTL" vhba attach hung target iqn.2026-11.org.example:hung2 portal 127.0.0.1:3282
phase detach 1 "$VCTL" vhba detach hung target iqn.2026-11.org.example:hung1
disk=
phase delete 2 "$VCTL" vhba del hung

io_loop_stop || fail "I/O on the other vHBA failed while the target hung"
grep -h 'held (SIGUSR2)' ht1.log ht2.log | wc -l | sed 's/^/# SCSI commands held: /'
dmesg | grep -E 'reset|reinstat' | tail -n 8
