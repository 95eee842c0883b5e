#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# IPv6 portals: discovery, login and verified I/O over [::1], against LIO
# and tgt; the session reports the IPv6 portal it is connected to.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio
INAME=iqn.2026-11.org.example:v6vm
export VC_INITIATORS=$INAME LIO_ACL_INITIATORS=$INAME
vc_load || fail "could not load the modules"
ip -6 addr show dev lo | grep -q 'inet6 ::1/' || ip -6 addr add ::1/128 dev lo ||
	fail "no ::1 on lo"

for kind in lio tgt; do
	case $kind in
	lio) lio_start v6 1 32 "[::1]" 3260 || fail "LIO on [::1]:3260" ;;
	tgt) tgt_start v6 1 32 "[::1]" 3261 || fail "tgt on [::1]:3261" ;;
	esac
	out=$("$VCTL" discover portal "$TARGET_PORTAL" initiator "$INAME" 2>&1) ||
		{ echo "$out"; fail "$kind: discovery over $TARGET_PORTAL"; }
	echo "$out"
	grep -q "$TARGET_IQN" <<<"$out" || fail "$kind: $TARGET_IQN not discovered"
	"$VCTL" vhba add v1 initiator "$INAME" || fail "$kind: vhba add"
	"$VCTL" vhba attach v1 target "$TARGET_IQN" portal "$TARGET_PORTAL" ||
		fail "$kind: attach over $TARGET_PORTAL"
	[ "$(vc_sess v1 portal)" = "$TARGET_PORTAL" ] ||
		fail "$kind: session portal $(vc_sess v1 portal), want $TARGET_PORTAL"
	disk=$(vc_disks v1 1) || fail "$kind: no disk"
	fio_verify "$disk" 8M || fail "$kind: I/O over IPv6"
	"$VCTL" vhba del v1 || fail "$kind: vhba del"
	case $kind in
	lio) lio_stop v6 ;;
	tgt) tgt_stop v6 ;;
	esac
done
vc_unload || fail "unload failed"
