#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Events on the "events" multicast group, as vconnectctl monitor -j shows
# them: vHBA created, session up, recovery start and done (with the I/O
# stall) across a target restart, session down, vHBA deleted. Only
# CAP_NET_ADMIN may join the group (the events name vHBAs and targets).
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd setpriv
vc_load || fail "could not load the modules"
rc=0
out=$(timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$VCTL" monitor count 1 2>&1) || rc=$?
echo "unprivileged monitor: exit $rc: $out"
[ $rc != 124 ] || fail "an unprivileged user joined the events group"
[ $rc != 0 ] && grep -q "Operation not permitted" <<<"$out" ||
	fail "the unprivileged monitor did not fail with EPERM"
INAME=iqn.2026-11.org.example:eventvm
LIO_ACL_INITIATORS=$INAME lio_start ev 1 16 || fail "LIO"

"$VCTL" -j monitor vhba ev1 count 6 >events.json &
mon=$!
sleep 1
"$VCTL" vhba add ev1 initiator "$INAME" || fail "add"
"$VCTL" vhba attach ev1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
disk=$(vc_disks ev1 1) || fail "no disk"
tpg=/sys/kernel/config/target/iscsi/$TARGET_IQN/tpgt_1/enable
echo 0 >"$tpg"
dd if="$disk" of=/dev/null bs=4k count=1 iflag=direct status=none &
ddpid=$!
sleep 3
echo 1 >"$tpg"
wait_for "[ \$(vc_sess ev1 recoveries) -ge 1 ] && [ \$(vc_sess ev1 state) = logged-in ]" 60 ||
	fail "no recovery"
wait $ddpid || fail "the read across the outage failed"
"$VCTL" vhba del ev1 || fail "del"
wait_for "! kill -0 $mon 2>/dev/null" 10 || { kill $mon; fail "monitor did not see 6 events"; }
cat events.json
python3 - <<'PY' || fail "events are not what happened"
import json
ev = [json.loads(l) for l in open("events.json") if l.strip()]
names = [e["event"] for e in ev]
want = ["vhba-new", "session-up", "recovery-start", "recovery-done",
        "session-down", "vhba-del"]
it = iter(names)
assert all(w in it for w in want), names
done = [e for e in ev if e["event"] == "recovery-done"][0]
assert done["stall-us"] > 0, done
print("events in order; recovery stall %.1f ms" % (done["stall-us"] / 1000))
PY
lio_stop ev
vc_unload || fail "unload failed"
