#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# HeaderDigest and DataDigest CRC32C against LIO and tgt: negotiated as
# proposed (sysfs shows it) and verified I/O with them on and off.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:digestvm
export VC_INITIATORS=$INAME

for kind in lio tgt; do
	vc_target_start $kind dig 1 || fail "$kind target"
	if [ $kind = tgt ]; then
		# tgt offers no digest unless told to (LIO accepts CRC32C).
		for k in HeaderDigest DataDigest; do
			tgtadm -C "$TGT_CONTROL_PORT" --lld iscsi --mode target --op update \
				--tid 1 --name $k --value CRC32C,None || fail "tgt $k"
		done
	fi
	for digest in none header data all; do
		"$VCTL" vhba add d1 initiator "$INAME" digest $digest || fail "vhba add"
		"$VCTL" vhba attach d1 target "$TARGET_IQN" portal "$TARGET_PORTAL" ||
			fail "$kind/$digest: attach"
		hd=$(vc_sess d1 header_digest) dd=$(vc_sess d1 data_digest)
		echo "$kind digest=$digest: negotiated header_digest=$hd data_digest=$dd"
		case $digest in
		none) want="0 0" ;; header) want="1 0" ;; data) want="0 1" ;; all) want="1 1" ;;
		esac
		[ "$hd $dd" = "$want" ] || fail "$kind/$digest: negotiated $hd $dd, want $want"
		disk=$(vc_disks d1 1) || fail "$kind/$digest: no disk"
		fio_verify "$disk" 16M --bsrange=512-256k || fail "$kind/$digest: I/O"
		"$VCTL" vhba del d1 || fail "vhba del"
	done
	vc_target_stop $kind dig
done
vc_unload || fail "unload failed"
