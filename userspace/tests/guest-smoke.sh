#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vconnectctl against the real vconnect_vhba module, with no target and no
# datapath backend: family lookup, create/show/delete, the module's extack
# errors, EPERM, switch refused by the policy, the empty offload pool,
# monitor. Needs root and the built module, so it runs in
# the test guest:
#
#	make && selftests/run --script userspace/tests/guest-smoke.sh
#
# Exits non-zero on the first check that fails.

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=$ROOT/userspace/vconnectctl
I=iqn.2024-01.com.example
W=$(mktemp -d)
trap 'kill $MON $MONJ 2>/dev/null; rm -rf "$W"' EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect RC REGEX CMD...: run CMD (printing its output), want RC and REGEX.
expect() {
	local want=$1 re=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	echo "\$ ${*#"$C "}"
	[ -n "$out" ] && echo "$out"
	[ "$rc" -eq "$want" ] || fail "exit status $rc, wanted $want"
	[ -z "$re" ] || grep -qE -- "$re" <<<"$out" || fail "no match for: $re"
}

lsmod | grep -q '^vconnect_vhba ' && fail "vconnect_vhba is already loaded"
expect 1 "family not found: is the vconnect_vhba module loaded" $C vhba show
modprobe -a scsi_mod sd_mod sg
insmod "$ROOT/vhba/vconnect_vhba.ko" || fail "insmod"

$C monitor >"$W/mon.txt" 2>&1 &
MON=$!
$C -j monitor count 3 >"$W/monj.txt" 2>&1 &
MONJ=$!
sleep 1

printf 'secretsecret12\n' >"$W/secret"
expect 0 "" $C vhba add vm1 initiator $I:vm1 chap alice file "$W/secret" \
	mutual tgt othersecret99 alias web digest header replacement-timeout 30 policy software
expect 0 "" $C vhba add vm2 wwpn 50:01:40:50:00:00:00:02 isid 0x400001370000
expect 1 "a vHBA with this name already exists \(File exists\)" $C vhba add vm1 initiator $I:vm1b
expect 1 "WWPN already used" $C vhba add vm3 wwpn 0x5001405000000002
expect 1 "attribute 'vhba-replacement-timeout'" $C vhba add vm4 initiator $I:vm4 replacement-timeout 500ms
expect 0 "^vm2  host [0-9]+  initiator naa.5001405000000002  isid 0x400001370000" $C vhba show
expect 0 "chap alice  mutual tgt" $C vhba show vm1
$C -j vhba show | python3 -c '
import json, sys
d = {v["name"]: v for v in json.load(sys.stdin)}
assert d["vm1"]["chap-user"] == "alice" and d["vm1"]["policy"] == "software", d
assert d["vm1"]["replacement-timeout-ms"] == 30000 and d["vm1"]["header-digest"], d
assert d["vm2"]["wwpn"] == "0x5001405000000002" and d["vm2"]["isid"] == "400001370000", d
assert "secret" not in json.dumps(d)' || fail "show -j"
expect 1 "no vHBA with this name .*attribute 'vhba-name'" $C vhba show nosuch
expect 1 "target is not attached to this vHBA .*attribute 'target-name'" \
	$C vhba detach vm1 target iqn.2003-01.org.x:t
expect 0 "" $C vhba rescan vm1
expect 1 "vhba switch vm1 offload: .*the backend policy does not allow that datapath" \
	$C vhba switch vm1 offload
expect 2 "policy software does not allow the offload datapath" $C vhba switch vm1 offload policy software
expect 0 "^PF +VF +STATE +HOLDER +SESSIONS +CMDS$" $C offload show
[ "$($C -j offload show)" = "[]" ] || fail "offload show -j: no offload driver, an empty pool"
if command -v setpriv >/dev/null; then
	expect 1 "need CAP_NET_ADMIN" setpriv --inh-caps=-net_admin --bounding-set=-net_admin $C vhba show
fi
expect 0 "" $C vhba del vm1
expect 0 "" $C vhba del vm2
expect 1 "no vHBA with this name" $C vhba del vm2

wait $MONJ || fail "monitor count 3"
kill -INT $MON
wait $MON || fail "monitor did not exit 0 on SIGINT"
cat "$W/mon.txt" "$W/monj.txt"
grep -q "^vhba-del  vhba vm2$" "$W/mon.txt" || fail "monitor missed vhba-del"
python3 -c '
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
assert d[:2] == [{"event": "vhba-new", "vhba": "vm1"}, {"event": "vhba-new", "vhba": "vm2"}], d' \
	"$W/monj.txt" || fail "monitor -j"
rmmod vconnect_vhba || fail "rmmod"
echo "guest-smoke: all checks passed"
