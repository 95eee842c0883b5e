#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# The SCSI error handler, driven by the midlayer: the hostile target
# withholds the response to one WRITE (and keeps answering NOP-Outs), the
# command times out (device timeout 5 s) and the midlayer escalates as far
# as the target's task management answers make it: ABORT TASK, LOGICAL
# UNIT RESET, TARGET WARM RESET, session reinstatement (host reset); and
# an ABORT TASK that is never answered. Each time the right step is the
# last one to run, the write is retried and its data reads back, and the
# session carries verified I/O afterwards.
# Then resets from outside the error handler (sg_reset -d/-t) under QD32
# verified I/O, on the hostile target (responses delayed 300 ms) and on
# LIO (LUN resets; a slow null_blk disk): no I/O error, no reinstatement,
# and the commands a reset covered are retried at once, not after their
# 30 s timeout.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

HT=$VC_ROOT/selftests/tools/hostile_target
[ -x "$HT" ] || fail "$HT not built (make -C selftests/tools)"
require_cmd fio sg_reset python3
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:ehvm
TIQN=iqn.2026-11.org.example:eh
PORT=3271
LBA=8192		# 512-byte block the target withholds the write of
TMO=5			# the disk's command timeout, seconds
TMF_PARAM=/sys/module/vconnect_software/parameters/tmf_timeout_ms
tmf_default=$(cat $TMF_PARAM)

# The error handler's steps, as vhba logs them (sdev/shost_printk).
STEPS="abort LUN target host"
step_pat() {
	case $1 in
	abort) echo 'abort task: ' ;;
	LUN) echo 'LUN reset: ' ;;
	target) echo 'target warm reset: ' ;;
	host) echo 'sessions reinstated: ' ;;
	esac
}

# check_steps NAME "abort=R LUN=R target=R host=R" MSGS: R is done, failed
# or - (must not run) for each step, in the kernel log MSGS.
check_steps() {
	local s w got
	for s in $STEPS; do
		w=$(tr ' ' '\n' <<<"$2" | sed -n "s/^$s=//p")
		got=$(grep -o "$(step_pat "$s")\(done\|failed\)" <<<"$3" |
			sed 's/.*: //' | tr '\n' ' ' | sed 's/ $//')
		[ "${got:--}" = "$w" ] ||
			{ echo "$3"; fail "$1: $s step: '${got:--}', want '$w'"; }
	done
}

# show NAME MSGS: what the kernel and the target said.
show() {
	grep -E 'vconnect|sd [0-9]+:|scsi host|offline' <<<"$2" |
		grep -v 'Attached\|logged in\|created\|Write cache\|Mode Sense\|Preferred\|Optimal\|Power-on\|Write Protect\|logical blocks\|Direct-Access' |
		sed 's/^/   kernel: /'
	grep 'task management\|fault hold\|reinstates\|login failed' ht-$1.log | sed 's/^/   target: /'
}

# start_ht NAME ARGS...: the hostile target withholding the write to $LBA,
# and a vHBA e1 on it whose disk times commands out after $TMO s.
start_ht() {
	local name=$1
	shift
	"$HT" --listen 127.0.0.1:$PORT --target $TIQN --size-mb 16 \
		--fault hold --fault-lba $LBA --fault-after 1 --fault-count 1 \
		"$@" --log ht-$name.log 2>&1 &
	ht=$!
	wait_for "grep -q listening ht-$name.log" 10 || fail "$name: target did not start"
	"$VCTL" vhba add e1 initiator "$INAME" replacement-timeout "${RT:-60}" ||
		fail "$name: add"
	"$VCTL" vhba attach e1 target $TIQN portal 127.0.0.1:$PORT || fail "$name: attach"
	disk=$(vc_disks e1 1) || fail "$name: no disk"
	sdev=/sys/block/${disk#/dev/}/device
	echo $TMO >"$sdev/timeout" || fail "$name: could not set the timeout"
	head -c 4096 /dev/urandom >blk-$name
}

stop_ht() {
	"$VCTL" vhba del e1 || fail "$1: del"
	[ ! -e "$disk" ] || fail "$1: $disk still there"
	kill $ht
	wait $ht 2>/dev/null
}

# eh_case NAME TMF_SPEC "abort=R LUN=R target=R host=R" RECOVERIES
eh_case() {
	local name=$1 tmf=$2 want=$3 want_rec=$4 mark t0 took msgs rec err
	start_ht "$name" ${tmf:+--tmf "$tmf"}

	# Not dmesg -C: the runner scans the whole test's log for splats.
	mark=$(dmesg | wc -l)
	t0=$(date +%s%N)
	dd if=blk-$name of="$disk" bs=4096 seek=$((LBA / 8)) count=1 \
		oflag=direct conv=notrunc 2>dd-$name.err ||
		fail "$name: the withheld write failed: $(tail -n 1 dd-$name.err)"
	took=$((($(date +%s%N) - t0) / 1000000))
	grep -q "fault hold injected" ht-$name.log || fail "$name: the target never withheld a response"
	dd if="$disk" of=back-$name bs=4096 skip=$((LBA / 8)) count=1 \
		iflag=direct 2>/dev/null || fail "$name: read back failed"
	cmp -s blk-$name back-$name || fail "$name: the retried write left wrong data"

	msgs=$(dmesg | tail -n +$((mark + 1)))
	check_steps "$name" "$want" "$msgs"
	[ "$(cat "$sdev/state")" = running ] || fail "$name: device $(cat "$sdev/state")"
	rec=$(vc_sess e1 recoveries) err=$(vc_sess e1 errors)
	[ "$rec" = "$want_rec" ] || fail "$name: $rec recoveries, want $want_rec"
	[ "$err" = 0 ] || fail "$name: $err errors"
	[ "$(vc_sess e1 state)" = logged-in ] || fail "$name: state $(vc_sess e1 state)"
	fio_verify "$disk" 4M --bs=16k --iodepth=8 || fail "$name: I/O after the recovery"

	echo "== $name: write completed after $took ms (timeout ${TMO}s), recoveries $rec, errors $err, cmds $(vc_sess e1 cmds)"
	show "$name" "$msgs"
	stop_ht "$name"
}

# ABORT TASK answered: the timed-out write is aborted and retried.
eh_case abort "" "abort=done LUN=- target=- host=-" 0
# ABORT TASK refused: LUN RESET.
eh_case lun-reset abort-task=reject "abort=failed LUN=done target=- host=-" 0
# ABORT TASK and LUN RESET refused: TARGET WARM RESET.
eh_case target-reset abort-task=reject,lun-reset=reject \
	"abort=failed LUN=failed target=done host=-" 0
# Every task management function refused: host reset, i.e. the session
# is reinstated.
eh_case host-reset all=reject "abort=failed LUN=failed target=failed host=done" 1
# ABORT TASK never answered: the datapath gives up after tmf_timeout_ms,
# drops the connection (the session is reinstated) and the error handler
# goes on with a LUN reset on the new session.
echo 2000 >$TMF_PARAM
eh_case abort-lost abort-task=ignore "abort=failed LUN=done target=- host=-" 1
echo "$tmf_default" >$TMF_PARAM
# Every task management function refused, and the target never lets us
# back in: the host reset fails once the replacement timeout (5 s) has
# passed, the midlayer takes the disk offline and fails the write.
RT=5 start_ht offline --tmf all=reject --max-logins 1
mark=$(dmesg | wc -l)
t0=$(date +%s%N)
if dd if=blk-offline of="$disk" bs=4096 seek=$((LBA / 8)) count=1 \
	oflag=direct conv=notrunc 2>dd-offline.err; then
	fail "offline: the write succeeded"
fi
took=$((($(date +%s%N) - t0) / 1000000))
msgs=$(dmesg | tail -n +$((mark + 1)))
check_steps offline "abort=failed LUN=failed target=failed host=failed" "$msgs"
[ "$(cat "$sdev/state")" = offline ] || fail "offline: device $(cat "$sdev/state")"
# The host reset waited the replacement timeout from its own start; the
# session turns failed at the first login attempt after its deadline.
wait_for "[ \$(vc_sess e1 state) = failed ]" 15 || fail "offline: session $(vc_sess e1 state)"
echo "== offline: write failed after $took ms ($(tail -n 1 dd-offline.err)), device offline, session failed"
show offline "$msgs"
stop_ht offline

# --- resets from outside the error handler (sg_reset) under I/O ---

# resets_under_io NAME VHBA "d t ...": QD32 verified writes on the vHBA's
# disk for 20 s, with an sg_reset -N -X every 4 s. No I/O error, no
# recovery, every reset done, and no command waits anywhere near the 30 s
# command timeout: what a reset took from the target is retried at once.
resets_under_io() {
	local name=$1 vhba=$2 resets=$3 disk sdev sg mark pid r t0 msgs n
	disk=$(vc_disks "$vhba" 1) || fail "$name: no disk"
	sdev=/sys/block/${disk#/dev/}/device
	sg=/dev/$(ls "$sdev/scsi_generic")
	[ "$(cat "$sdev/timeout")" = 30 ] || fail "$name: timeout $(cat "$sdev/timeout")"
	mark=$(dmesg | wc -l)
	fio --name=bg --filename="$disk" --direct=1 --ioengine=libaio --iodepth=32 \
		--rw=randwrite --bsrange=4k-64k --size=32M --time_based --runtime=20 \
		--verify=crc32c --verify_backlog=64 --verify_fatal=1 \
		--output-format=json --output=fio-$name.json >fio-$name.err 2>&1 &
	pid=$!
	for r in $resets; do
		sleep 4
		# A slow guest may still be starting fio: reset only under I/O.
		wait_for "[ \$(awk '{ print \$1 + \$2 }' /sys/block/${disk#/dev/}/inflight) -gt 0 ]" 10 ||
			fail "$name: no I/O in flight before sg_reset -$r"
		t0=$(date +%s%N)
		sg_reset -N -$r "$sg" || fail "$name: sg_reset -$r failed"
		echo "$name: sg_reset -$r $sg: $((($(date +%s%N) - t0) / 1000000)) ms"
	done
	wait $pid || { cat fio-$name.err; fail "$name: fio saw errors across the resets"; }
	msgs=$(dmesg | tail -n +$((mark + 1)))
	grep 'vconnect\|sd [0-9]\|scsi host' <<<"$msgs" | sed 's/^/   kernel: /'
	n=$(wc -w <<<"$resets")
	[ "$(grep -c 'LUN reset: done\|target warm reset: done' <<<"$msgs")" = "$n" ] ||
		fail "$name: not $n resets done"
	HANDED=$(grep -o 'reset: [0-9]* commands in flight handed back' <<<"$msgs" |
		awk '{ s += $2 } END { print s + 0 }')
	python3 - fio-$name.json "$name" <<'EOF' || fail "$name: fio errors or a command waited too long"
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
mx = max(j[d]["lat_ns"]["max"] for d in ("read", "write")) / 1e9
print("%s: fio error %d, %d writes, %d reads, max latency %.2f s" %
      (sys.argv[2], j["error"], j["write"]["total_ios"], j["read"]["total_ios"], mx))
sys.exit(1 if j["error"] or mx > 10 else 0)
EOF
	echo "$name: commands handed back for retry: $HANDED"
	[ "$(vc_sess "$vhba" errors)" = 0 ] || fail "$name: errors counted: $(vc_sess "$vhba" errors)"
	[ "$(vc_sess "$vhba" recoveries)" = 0 ] || fail "$name: the session was reinstated"
	fio_verify "$disk" 8M || fail "$name: I/O after the resets"
}

# The hostile target holds every READ/WRITE response 300 ms, so a reset
# always finds commands in flight; it drops them, as a reset must.
"$HT" --listen 127.0.0.1:$PORT --target $TIQN --size-mb 64 --delay-ms 300 \
	--log ht-sgreset.log 2>&1 &
ht=$!
wait_for "grep -q listening ht-sgreset.log" 10 || fail "sgreset: target did not start"
"$VCTL" vhba add s1 initiator "$INAME" || fail "add s1"
"$VCTL" vhba attach s1 target $TIQN portal 127.0.0.1:$PORT || fail "attach s1"
resets_under_io sgreset s1 "d t d t"
grep 'task management' ht-sgreset.log | sed 's/^/   target: /'
[ "$(grep -c 'task management.*-> response 0 ([0-9]* delayed tasks dropped)' ht-sgreset.log)" = 4 ] ||
	fail "sgreset: a reset found nothing in flight at the target"
[ "$HANDED" -gt 0 ] || fail "sgreset: nothing handed back"
"$VCTL" vhba del s1 || fail "del s1"
kill $ht
wait $ht 2>/dev/null

# LIO on a slow disk (null_blk, memory backed, 50 ms per command), so that
# a LUN reset finds commands to abort. (LIO refuses TARGET WARM RESET: the
# ACL's tmr_warm_reset is 0 and has no configfs attribute in 6.1.)
modprobe null_blk nr_devices=0 || fail "null_blk"
nb=/sys/kernel/config/nullb/ehnb
mkdir $nb || fail "nullb configfs"
{ echo 64 >$nb/size && echo 1 >$nb/memory_backed && echo 2 >$nb/irqmode &&
	echo 50000000 >$nb/completion_nsec && echo 1 >$nb/power; } || fail "nullb setup"
nbdev=/dev/ehnb		# null_blk names a configfs device after its directory
wait_for "[ -b $nbdev ]" 10 || fail "no $nbdev"
LIO_BLOCK=$nbdev LIO_ACL_INITIATORS=$INAME lio_start ehlio 1 || fail "LIO on $nbdev"
LIQN=$TARGET_IQN
"$VCTL" vhba add l1 initiator "$INAME" || fail "add l1"
"$VCTL" vhba attach l1 target "$LIQN" portal 127.0.0.1:3260 || fail "attach l1"
resets_under_io lio l1 "d d d"
[ "$HANDED" -gt 0 ] || fail "lio: no LUN reset found a command in flight"
"$VCTL" vhba del l1 || fail "del l1"
lio_stop
echo 0 >$nb/power
rmdir $nb
vc_unload || fail "unload failed"
