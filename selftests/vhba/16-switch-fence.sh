#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
#
# A planned switch whose old session does not drain must fence it before
# its commands are reissued: no stale write may land after newer ones.
#
# The hostile target's late-write fault keeps one WRITE "in the backstore"
# without answering it. It lands when the target ends the task as a real
# one would before answering (ABORT TASK, LUN reset, logout, session
# reinstatement), or, as in LIO, when it finishes after the connection is
# gone: 2 s after the initiator dropped it. Each round writes OLD to one
# block (held), switches datapath (drain bound 1 s: it does not drain),
# waits for that write, writes NEW to the same block, waits for anything
# stale to land, and reads the block back: it must hold NEW, every round.
# FENCE_ROUNDS sets the number of rounds (default 10).
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

HT=$VC_ROOT/selftests/tools/hostile_target
[ -x "$HT" ] || fail "$HT not built (make -C selftests/tools)"
ROUNDS=${FENCE_ROUNDS:-10}
INAME=iqn.2026-11.org.example:fencevm
TIQN=iqn.2026-11.org.example:fence
PORT=3271
LBA=8192			# 512-byte blocks: 4 KiB block 1024
LINGER=2

vc_load && vc_load_offload || fail "could not load the modules"
vc_sim_new 0 1 || fail "simulated HBA"
DRAIN=/sys/module/vconnect_vhba/parameters/drain_timeout_ms
if [ -w $DRAIN ]; then
	echo 1000 >$DRAIN
else
	note "no $DRAIN: the drain bound is the built-in one"
fi

"$HT" --listen 127.0.0.1:$PORT --target $TIQN --size-mb 16 --fault late-write \
	--fault-count 0 --fault-after 1 --fault-lba $LBA --fault-linger $LINGER \
	--log ht.log 2>&1 &
ht=$!
cleanup() {
	"$VCTL" vhba del fv 2>/dev/null
	kill "$ht" 2>/dev/null
	wait "$ht" 2>/dev/null
	echo 10000 >$DRAIN 2>/dev/null
	vc_unload
}
trap cleanup EXIT
wait_for "grep -q listening ht.log" 10 || fail "target did not start"

"$VCTL" vhba add fv initiator $INAME replacement-timeout 60 || fail "add"
"$VCTL" vhba attach fv target $TIQN portal 127.0.0.1:$PORT || fail "attach"
disk=$(vc_disks fv 1) || fail "no disk"

stale=0
for i in $(seq "$ROUNDS"); do
	case $(vc_datapath fv) in
	software) to=offload ;;
	*) to=software ;;
	esac
	late_write_start $ht "$i" "$disk" $LBA >why || fail "$(cat why)"
	"$VCTL" vhba switch fv $to || fail "round $i: switch to $to"
	wait $LATE_DD_PID || fail "round $i: the held write failed"
	dd if=new of="$disk" bs=4096 seek=$((LBA / 8)) count=1 oflag=direct status=none ||
		fail "round $i: write NEW"
	# Whatever an unfenced old session still carried lands by now.
	sleep $((LINGER + 1))
	dd if="$disk" of=got bs=4096 skip=$((LBA / 8)) count=1 iflag=direct status=none ||
		fail "round $i: read back"
	if cmp -s got new; then
		note "round $i: switched to $to, block holds NEW"
	else
		stale=$((stale + 1))
		note "round $i: switched to $to, block holds '$(head -c 12 got)': a stale write landed after NEW"
	fi
done
grep 'late WRITE' ht.log | sort | uniq -c | sed 's/^/# /'
dmesg | grep -E 'fence|did not drain' | tail -n 4
[ "$stale" = 0 ] || fail "$stale of $ROUNDS rounds read back stale data"
[ "$(vc_sess fv errors)" = 0 ] || fail "$(vc_sess fv errors) I/O errors"
note "$ROUNDS rounds, every one read back the newer data"
