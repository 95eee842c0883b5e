#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Data-Out is not starved by new commands. Large writes, whose data goes
# out in answer to R2Ts, share the connection with a steady stream of
# writes that fit in the immediate data (LIO: FirstBurstLength 64 KiB,
# InitialR2T=Yes) and keep TX busy. LIO at ERL 0 drops the
# connection when solicited Data-Out is late by its DataOut timeout
# (3 s): the session must not recover once, the large writes must finish
# well within that, and nothing may fail.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio python3
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:fairvm
LIO_ACL_INITIATORS=$INAME lio_start fair 2 128 || fail "LIO did not start"
"$VCTL" vhba add fair1 initiator "$INAME" || fail "vhba add"
"$VCTL" vhba attach fair1 target "$TARGET_IQN" portal "$TARGET_PORTAL" ||
	fail "attach failed"
mapfile -t d < <(vc_disks fair1 2) || fail "LUNs did not appear"
note "disks: ${d[*]}"
r0=$(vc_sess fair1 recoveries)

fio --direct=1 --ioengine=libaio --time_based --runtime=20 \
	--output-format=json --output=fair.json \
	--name=small --filename="${d[0]}" --rw=randwrite --bs=64k --iodepth=32 \
	--name=large --filename="${d[1]}" --rw=write --bs=1m --iodepth=4 ||
	fail "fio failed"

python3 - <<'PY' || fail "large writes were held back"
import json
jobs = {j["jobname"]: j for j in json.load(open("fair.json"))["jobs"]}
for name, j in jobs.items():
    w = j["write"]
    print(f"{name}: {w['total_ios']} writes, error {j['error']}, "
          f"clat max {w['clat_ns']['max'] / 1e6:.0f} ms")
    assert j["error"] == 0, f"{name}: error {j['error']}"
    assert w["total_ios"] > 0, f"{name}: no writes finished"
# Well inside LIO's 3 s DataOut timeout, with room for TCG hiccups.
assert jobs["large"]["write"]["clat_ns"]["max"] < 2.5e9, "a 1 MiB write took >= 2.5 s"
PY
[ "$(vc_sess fair1 recoveries)" = "$r0" ] ||
	fail "the session recovered $(( $(vc_sess fair1 recoveries) - r0 )) time(s)"
[ "$(vc_sess fair1 errors)" = 0 ] || fail "session counted $(vc_sess fair1 errors) errors"
if dmesg | grep -q 'DataOut timeout'; then
	dmesg | grep 'DataOut timeout' | head -3
	fail "LIO timed out waiting for Data-Out"
fi
note "negotiated: max_xmit_dsl $(vc_sess fair1 max_xmit_dsl) first_burst $(vc_sess fair1 first_burst_length) immediate $(vc_sess fair1 immediate_data) initial_r2t $(vc_sess fair1 initial_r2t)"
"$VCTL" vhba del fair1 || fail "vhba del"
lio_stop fair
vc_unload || fail "unload failed"
