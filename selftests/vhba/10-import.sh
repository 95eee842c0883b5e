#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# open-iscsi stays the discovery tool: iscsiadm discovers a CHAP-protected
# LIO target and a tgt target and stores node records (with the CHAP
# settings given to iscsiadm); vconnectctl import creates a vHBA from them,
# takes the CHAP credentials, and logs in to both. A second import is a
# no-op.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd iscsiadm iscsid
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:importvm
export CHAP_USER=impuser CHAP_PASS=impsecret1234
LIO_ACL_INITIATORS=$INAME lio_start imp1 1 16 || fail "LIO"
lio_iqn=$TARGET_IQN lio_portal=$TARGET_PORTAL
tgt_start imp2 1 16 || fail "tgt"
tgt_iqn=$TARGET_IQN tgt_portal=$TARGET_PORTAL

iscsi_start_iscsid || fail "iscsid"
iscsiadm -m discovery -t sendtargets -p "$lio_portal" || fail "discovery (LIO)"
iscsiadm -m discovery -t sendtargets -p "$tgt_portal" || fail "discovery (tgt)"
for t in "$lio_iqn $lio_portal" "$tgt_iqn $tgt_portal"; do
	set -- $t
	node=(iscsiadm -m node -T "$1" -p "$2" -o update)
	"${node[@]}" -n node.session.auth.authmethod -v CHAP &&
		"${node[@]}" -n node.session.auth.username -v "$CHAP_USER" &&
		"${node[@]}" -n node.session.auth.password -v "$CHAP_PASS" ||
		fail "iscsiadm update"
done
find /etc/iscsi/nodes -type f | head

"$VCTL" import vhba imp initiator "$INAME" --dry-run || fail "dry run"
[ -z "$(vc_names)" ] || fail "dry run created a vHBA"
"$VCTL" import vhba imp initiator "$INAME" || fail "import"
"$VCTL" vhba show imp
[ "$(vc_sess imp 0 state)" = logged-in ] || fail "first target not logged in"
[ "$(vc_sess imp 1 state)" = logged-in ] || fail "second target not logged in"
"$VCTL" -j vhba show imp | grep -q "\"$CHAP_USER\"" || fail "CHAP user not taken from the record"
vc_disks imp 2 >/dev/null || fail "disks missing"
"$VCTL" import vhba imp || fail "second import"
[ ! -d "/sys/class/scsi_host/host$(vc_host imp)/device/session2" ] ||
	fail "second import attached a target twice"
"$VCTL" vhba del imp || fail "del"
lio_stop imp1
tgt_stop imp2
vc_unload || fail "unload failed"
