#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Authentication against LIO and tgt: one-way CHAP, mutual CHAP, and
# clean failures for a wrong secret and a target that proves itself with
# the wrong mutual secret (no session, no disk, a message that says why);
# mutual CHAP and a wrong secret through a VF of the simulated offload HBA.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:chapvm
export VC_INITIATORS=$INAME
export CHAP_USER=vmuser CHAP_PASS=vmsecret12345
export MUTUAL_USER=tgtuser MUTUAL_PASS=tgtsecret6789

# try KIND CASE VHBA-ADD-ARGS... : attach must succeed (CASE ok-*) or fail.
try() {
	local kind=$1 case=$2 out rc
	shift 2
	"$VCTL" vhba add c1 initiator "$INAME" "$@" || fail "$kind/$case: vhba add"
	out=$("$VCTL" vhba attach c1 target "$TARGET_IQN" portal "$TARGET_PORTAL" 2>&1)
	rc=$?
	echo "$kind/$case: attach exit $rc: $out"
	case $case in
	ok-*)
		[ $rc = 0 ] || fail "$kind/$case: login failed: $out"
		disk=$(vc_disks c1 1) || fail "$kind/$case: no disk"
		fio_verify "$disk" 8M || fail "$kind/$case: I/O failed"
		[ "$kind" != vf ] || [ "$(vc_datapath c1)" = vcsim0/vf0 ] ||
			fail "$kind/$case: runs on $(vc_datapath c1), not the VF"
		;;
	*)
		[ $rc != 0 ] || fail "$kind/$case: login succeeded with bad credentials"
		grep -qi "authentication\|authoriz" <<<"$out" ||
			fail "$kind/$case: error does not say why: $out"
		[ -z "$(vc_disks_now c1)" ] || fail "$kind/$case: disk appeared"
		"$VCTL" -j vhba show c1 | python3 -c 'import json, sys
d = json.load(sys.stdin); d = d[0] if isinstance(d, list) else d
sys.exit(1 if d["targets"] else 0)' ||
			fail "$kind/$case: failed target still bound: $("$VCTL" -j vhba show c1)"
		;;
	esac
	"$VCTL" vhba del c1 || fail "$kind/$case: vhba del"
}

for kind in lio tgt; do
	# One-way only on the target for the first pair of cases.
	MUTUAL_USER='' vc_target_start $kind chap 1 || fail "$kind target"
	try $kind ok-oneway chap "$CHAP_USER" "$CHAP_PASS"
	try $kind bad-secret chap "$CHAP_USER" wrongsecret1234
	try $kind no-chap
	vc_target_stop $kind chap
	vc_target_start $kind chap 1 || fail "$kind target (mutual)"
	try $kind ok-mutual chap "$CHAP_USER" "$CHAP_PASS" mutual "$MUTUAL_USER" "$MUTUAL_PASS"
	try $kind bad-mutual chap "$CHAP_USER" "$CHAP_PASS" mutual "$MUTUAL_USER" wrongmutual12345
	vc_target_stop $kind chap
done

# Through a VF of the simulated offload HBA, whose driver keeps its own
# copies of the secrets (set_identity, each session).
vc_load_offload || fail "could not load the offload modules"
vc_sim_new 0 1 || fail "simulated HBA"
vc_target_start lio chap 1 || fail "lio target (mutual, VF)"
try vf ok-mutual chap "$CHAP_USER" "$CHAP_PASS" mutual "$MUTUAL_USER" "$MUTUAL_PASS" policy offload
try vf bad-secret chap "$CHAP_USER" wrongsecret1234 mutual "$MUTUAL_USER" "$MUTUAL_PASS" policy offload
vc_target_stop lio chap
vc_unload || fail "unload failed"
