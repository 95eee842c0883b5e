#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
#
# A hostile target (selftests/tools/hostile_target) logs us in, then sends
# one malformed PDU of each kind in the middle of verified I/O. Every time
# the connection must be dropped and the session reinstated, the I/O must
# complete with the right data and no error, the kernel log must say
# what was wrong, and the session's iscsi_stats/ must have counted it.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

HT=$VC_ROOT/selftests/tools/hostile_target
[ -x "$HT" ] || fail "$HT not built (make -C selftests/tools)"
require_cmd fio
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:hostilevm
TIQN=iqn.2026-11.org.example:hostile
PORT=3270

FAULTS="bad-opcode long-dsl unknown-itt truncated datain-overflow bad-datasn
reject async-drop async-logout stall bad-hdigest bad-ddigest"

for fault in $FAULTS; do
	args=() vargs=()
	case $fault in
	bad-hdigest|bad-ddigest) args+=(--digest); vargs+=(digest all) ;;
	esac
	# The counter that must see it (a truncated PDU is only an EOF).
	case $fault in
	bad-hdigest) counter=hdr_digest_errors ;;
	bad-ddigest) counter=data_digest_errors ;;
	reject) counter=rejects ;;
	async-*) counter=async_events ;;
	stall) counter=nop_out ;;
	truncated) counter= ;;
	*) counter=proto_errors ;;
	esac
	"$HT" --listen 127.0.0.1:$PORT --target $TIQN --size-mb 32 \
		--fault "$fault" --fault-after 5 --fault-count 1 "${args[@]}" \
		--log ht-$fault.log 2>&1 &
	ht=$!
	wait_for "grep -q listening ht-$fault.log" 10 || fail "$fault: target did not start"
	# Not dmesg -C: the runner scans the whole test's log for splats.
	mark=$(dmesg | wc -l)
	"$VCTL" vhba add h1 initiator "$INAME" replacement-timeout 60 "${vargs[@]}" ||
		fail "$fault: add"
	"$VCTL" vhba attach h1 target $TIQN portal 127.0.0.1:$PORT ||
		fail "$fault: attach"
	disk=$(vc_disks h1 1) || fail "$fault: no disk"
	fio_verify "$disk" 8M --bs=16k --iodepth=8 || fail "$fault: I/O failed or returned wrong data"
	grep -q "fault $fault injected" ht-$fault.log || fail "$fault: the target never injected it"
	rec=$(vc_sess h1 recoveries) err=$(vc_sess h1 errors)
	[ "$rec" -ge 1 ] || fail "$fault: no recovery"
	[ "$err" = 0 ] || fail "$fault: $err errors"
	if [ -n "$counter" ]; then
		n=$(vc_sess h1 iscsi_stats/$counter)
		[ "$n" -ge 1 ] || fail "$fault: iscsi_stats/$counter is $n"
		counted=" ($counter $n)"
	else
		counted=
	fi
	# What the initiator said about the bad PDU (not the routine lines).
	msg=$(dmesg | tail -n +$((mark + 1)) | grep 'vconnect_software' |
		grep -v 'logged in\|closed session\|registered' | head -n 2)
	[ -n "$msg" ] || fail "$fault: nothing logged about it"
	echo "$fault: recovered ($rec)$counted, I/O verified; kernel said: $(tr '\n' ' ' <<<"$msg")"
	"$VCTL" vhba del h1 || fail "$fault: del"
	kill $ht; wait $ht 2>/dev/null
done
vc_unload || fail "unload failed"
