#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# A target that asks for a logout (AsyncEvent 1) or announces that it
# drops the connection (AsyncEvent 2) is not logged in to again at once:
# the vHBA waits DefaultTime2Wait (negotiated: 2 s) after an AsyncEvent 1,
# and the event's Time2Wait (Parameter2: 3 s here) after an AsyncEvent 2,
# measured on the hostile target's clock from the event to the
# reinstating login; the I/O across it completes with the right data.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

HT=$VC_ROOT/selftests/tools/hostile_target
[ -x "$HT" ] || fail "$HT not built (make -C selftests/tools)"
require_cmd fio
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:t2wvm
TIQN=iqn.2026-11.org.example:t2w
PORT=3273

# check FAULT WAIT [HT-ARGS...]: inject FAULT once under I/O; the
# reinstating login must come no earlier than WAIT s after the event.
check() {
	local fault=$1 wait=$2 gap
	shift 2
	"$HT" --listen 127.0.0.1:$PORT --target $TIQN --size-mb 16 \
		--fault "$fault" --fault-after 5 --fault-count 1 "$@" \
		--log "ht-$fault.log" 2>&1 &
	ht=$!
	wait_for "grep -q listening ht-$fault.log" 10 || fail "$fault: target did not start"
	"$VCTL" vhba add tw initiator "$INAME" || fail "$fault: add"
	"$VCTL" vhba attach tw target $TIQN portal 127.0.0.1:$PORT || fail "$fault: attach"
	disk=$(vc_disks tw 1) || fail "$fault: no disk"
	fio_verify "$disk" 4M --bs=16k --iodepth=4 || fail "$fault: I/O failed"
	wait_for "[ \$(vc_sess tw recoveries) -ge 1 ] && [ \$(vc_sess tw state) = logged-in ]" 30 ||
		fail "$fault: no recovery"
	grep -E "fault $fault injected|reinstates" "ht-$fault.log"
	# "[   12.345] ..." timestamps: event, then the first login after it.
	gap=$(awk -v f="fault $fault injected" '
		function ts(l) { sub(/^\[ */, "", l); return l + 0 }
		index($0, f) { t = ts($0); seen = 1; next }
		seen && /login conn .*reinstates/ { printf "%.3f\n", ts($0) - t; exit }
	' "ht-$fault.log")
	[ -n "$gap" ] || fail "$fault: no reinstating login after the event"
	echo "$fault: logged in again $gap s after the event (wanted >= $wait s)"
	awk -v g="$gap" -v w="$wait" 'BEGIN { exit !(g >= w) }' ||
		fail "$fault: logged in again after $gap s, before Time2Wait ($wait s)"
	[ "$(vc_sess tw errors)" = 0 ] || fail "$fault: $(vc_sess tw errors) errors"
	"$VCTL" vhba del tw || fail "$fault: del"
	kill $ht; wait $ht
}

check async-logout 2
check async-drop 3 --async-time2wait 3
vc_unload || fail "unload"
