#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The basic path against LIO: SendTargets discovery, a vHBA with a WWPN
# (naa. initiator name), attach to a target with two LUNs, verified I/O on
# both (no host elevator by default), status in text, JSON and sysfs,
# detach and delete.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio python3
vc_load || fail "could not load the modules"
WWPN=0x5001405000000a01
INAME=naa.5001405000000a01
LIO_ACL_INITIATORS=$INAME lio_start lun2 2 64 || fail "LIO did not start"

out=$("$VCTL" discover portal "$TARGET_PORTAL" initiator "$INAME") ||
	fail "discovery failed: $out"
echo "$out"
grep -q "$TARGET_IQN" <<<"$out" || fail "discovery did not list $TARGET_IQN"

"$VCTL" vhba add vm2 wwpn "$WWPN" || fail "vhba add failed"
[ "$(cat /sys/class/scsi_host/host"$(vc_host vm2)"/vconnect_initiator_name)" = "$INAME" ] ||
	fail "initiator name is not derived from the WWPN"
"$VCTL" vhba attach vm2 target "$TARGET_IQN" portal "$TARGET_PORTAL" ||
	fail "attach failed"
mapfile -t disks < <(vc_disks vm2 2) || fail "LUNs did not appear"
note "disks: ${disks[*]}"
[ "$(vc_sess vm2 state)" = logged-in ] || fail "session state $(vc_sess vm2 state)"
[ "$(vc_sess vm2 backend)" = software ] || fail "backend $(vc_sess vm2 backend)"
[ "$(vc_sess vm2 tsih)" != 0 ] || fail "TSIH is 0"

for d in "${disks[@]}"; do
	# The VM schedules its I/O: no elevator on the host by default.
	sched=$(cat "/sys/block/${d#/dev/}/queue/scheduler")
	grep -q '\[none\]' <<<"$sched" || fail "$d: scheduler $sched, not none"
	fio_verify "$d" 16M --bs=128k || fail "fio on $d"
done

"$VCTL" vhba show vm2 || fail "show failed"
"$VCTL" -j vhba show >show.json || fail "show -j failed"
python3 - "$TARGET_IQN" <<'PY' || fail "JSON status is wrong"
import json, sys
v = [x for x in json.load(open("show.json")) if x["name"] == "vm2"][0]
print(json.dumps(v, indent=1))
t = v["targets"][0]
assert t["name"] == sys.argv[1], t
assert t["state"] == "logged-in", t
assert t["luns"] == 2, t
assert t["cmds"] > 0 and t["write-bytes"] >= 32 << 20 and t["read-bytes"] >= 32 << 20, t
assert t["errors"] == 0, t
PY

# Protocol counters: 128 KiB writes need R2Ts (LIO: FirstBurstLength
# 64 KiB, InitialR2T=Yes), reads come as Data-In, and nothing went wrong.
for c in tx_pdus rx_pdus tx_bytes rx_bytes data_in data_out r2t; do
	[ "$(vc_sess vm2 iscsi_stats/$c)" -gt 0 ] || fail "iscsi_stats/$c is 0"
done
[ "$(vc_sess vm2 iscsi_stats/rx_bytes)" -ge $((32 << 20)) ] ||
	fail "iscsi_stats/rx_bytes below what was read"
for c in hdr_digest_errors data_digest_errors proto_errors rejects; do
	[ "$(vc_sess vm2 iscsi_stats/$c)" = 0 ] || fail "iscsi_stats/$c is not 0"
done
echo "iscsi_stats: $(cd "/sys/class/scsi_host/host$(vc_host vm2)/device/session0/iscsi_stats" &&
	grep -H . * | tr '\n' ' ')"

# A chosen ISID is what sysfs shows and what the target sees on the wire.
"$VCTL" vhba add vm3 initiator "$INAME" isid 0x0123456789aa || fail "vhba add vm3"
[ "$(cat /sys/class/scsi_host/host"$(vc_host vm3)"/vconnect_isid)" = 0123456789aa ] ||
	fail "vm3 isid reads $(cat /sys/class/scsi_host/host"$(vc_host vm3)"/vconnect_isid)"
"$VCTL" vhba attach vm3 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach vm3"
info=$(cat "/sys/kernel/config/target/iscsi/$TARGET_IQN/tpgt_1/acls/$INAME/info")
echo "$info"
grep -q "ISID: 0x01 23 45 67 89 aa" <<<"$info" || fail "LIO did not see ISID 0123456789aa"
"$VCTL" vhba del vm3 || fail "del vm3"

"$VCTL" vhba detach vm2 target "$TARGET_IQN" || fail "detach failed"
[ -z "$(vc_disks_now vm2)" ] || fail "disks left after detach"
"$VCTL" vhba del vm2 || fail "del failed"
[ -z "$(vc_names)" ] || fail "vHBA left after del"
lio_stop lun2
vc_unload || fail "unload failed"
