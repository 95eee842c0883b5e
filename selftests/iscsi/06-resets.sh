#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# Task management from outside the error handler (sg_reset) on idle
# sessions, against LIO and tgt: LOGICAL UNIT RESET is done by both;
# TARGET WARM RESET is refused by both (LIO 6.1: response 255, tgt: 5,
# function not supported), the answer is reported and the midlayer's
# escalation to a host reset reinstates the session.  Verified I/O on
# every LUN afterwards, no errors counted.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio sg_reset
INAME=iqn.2026-11.org.example:resetvm
export VC_INITIATORS=$INAME
vc_load || fail "could not load the modules"

# expect_log MSGS PATTERN WHAT
expect_log() {
	grep -q "$2" <<<"$1" || { echo "$1"; fail "$3: no '$2' in the kernel log"; }
}

for kind in lio tgt; do
	case $kind in
	lio) refusal=255 ;;
	tgt) refusal=5 ;;
	esac
	vc_target_start $kind rst 2 16 || fail "$kind target"
	"$VCTL" vhba add s1 initiator "$INAME" || fail "$kind: vhba add"
	"$VCTL" vhba attach s1 target "$TARGET_IQN" portal "$TARGET_PORTAL" ||
		fail "$kind: attach"
	mapfile -t ds < <(vc_disks s1 2) || fail "$kind: no disks"
	[ ${#ds[@]} = 2 ] || fail "$kind: ${#ds[@]} disks, want 2"

	mark=$(dmesg | wc -l)
	sg_reset -d "${ds[0]}" || fail "$kind: LUN reset failed"
	msgs=$(dmesg | tail -n +$((mark + 1)))
	grep 'vconnect\|reset' <<<"$msgs"
	expect_log "$msgs" "LUN reset: done" "$kind: LUN reset"
	[ "$(vc_sess s1 recoveries)" = 0 ] || fail "$kind: a LUN reset reinstated the session"

	mark=$(dmesg | wc -l)
	sg_reset -t "${ds[0]}" || fail "$kind: target reset (escalated) failed"
	msgs=$(dmesg | tail -n +$((mark + 1)))
	grep 'vconnect\|reset\|reinstated' <<<"$msgs"
	expect_log "$msgs" "TARGET WARM RESET: target response $refusal" "$kind: refused TARGET WARM RESET"
	expect_log "$msgs" "target warm reset: failed" "$kind: target reset result"
	expect_log "$msgs" "sessions reinstated: done" "$kind: host reset"
	wait_for "[ \"\$(vc_sess s1 state)\" = logged-in ]" 30 ||
		fail "$kind: session $(vc_sess s1 state) after the host reset"
	[ "$(vc_sess s1 recoveries)" = 1 ] ||
		fail "$kind: $(vc_sess s1 recoveries) recoveries, want 1"

	for d in "${ds[@]}"; do
		fio_verify "$d" 4M || fail "$kind: I/O on $d after the resets"
	done
	[ "$(vc_sess s1 errors)" = 0 ] || fail "$kind: errors: $(vc_sess s1 errors)"
	"$VCTL" vhba del s1 || fail "$kind: vhba del"
	vc_target_stop $kind rst
done
vc_unload || fail "unload failed"
