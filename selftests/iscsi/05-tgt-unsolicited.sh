#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# tgt with InitialR2T=No (unsolicited Data-Out up to FirstBurstLength),
# its default 8 KiB MaxRecvDataSegmentLength (many Data-Out PDUs per
# command), CRC32C header and data digests, and NOP-In pings from the
# target every second: negotiated as configured, verified I/O of 512 B
# to 1 MiB, and an idle session answers each ping (tgt drops a
# connection after 3 unanswered ones) and stays up.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio tgtadm ss
INAME=iqn.2026-11.org.example:unsolvm
vc_load || fail "could not load the modules"

tgt_start unsol 1 32 || fail "tgt"
a="tgtadm -C $TGT_CONTROL_PORT --lld iscsi --op update --mode target --tid 1"
$a --name InitialR2T --value No &&
	$a --name FirstBurstLength --value 262144 &&
	$a --name HeaderDigest --value CRC32C,None &&
	$a --name DataDigest --value CRC32C,None || fail "tgt parameters"
# tgt reads the value of these two from the name.
$a --name nop_interval=1 --value 1 && $a --name nop_count=3 --value 3 ||
	fail "tgt NOP-In settings"

"$VCTL" vhba add u1 initiator "$INAME" digest all || fail "vhba add"
"$VCTL" vhba attach u1 target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
neg=""
for f in initial_r2t immediate_data first_burst_length max_xmit_dsl header_digest data_digest; do
	neg+="$f=$(vc_sess u1 $f) "
done
echo "negotiated: $neg"
for want in initial_r2t=0 max_xmit_dsl=8192 header_digest=1 data_digest=1; do
	grep -qw "$want" <<<"$neg" || fail "negotiation: want $want, got $neg"
done
fb=$(vc_sess u1 first_burst_length)
[ "$fb" -gt 8192 ] || fail "FirstBurstLength $fb: no multi-PDU unsolicited bursts"

disk=$(vc_disks u1 1) || fail "no disk"
fio_verify "$disk" 16M --bsrange=512-1m --iodepth=8 || fail "I/O with unsolicited data"

# Idle: only pings cross the connection.  Our own NOP-Out goes out only
# after 5 s without receiving anything, so over 6 s at least 4 PDUs each
# way (48 bytes + 4 of header digest) are tgt's pings and our answers.
conn() {
	ss -Htin state established "( dport = :${TARGET_PORTAL##*:} )" | tr ' ' '\n' |
		sed -n "s/^$1://p" | head -n 1
}
rx0=$(conn bytes_received) tx0=$(conn bytes_sent)
[ -n "$rx0" ] && [ -n "$tx0" ] || { ss -tin; fail "no byte counters for the connection"; }
sleep 6
rx=$(($(conn bytes_received) - rx0)) tx=$(($(conn bytes_sent) - tx0))
echo "idle 6 s: received $rx bytes, sent $tx bytes"
[ $rx -ge $((4 * 52)) ] || fail "tgt's NOP-In pings did not arrive ($rx bytes)"
[ $tx -ge $((4 * 52)) ] || fail "the pings were not answered ($tx bytes)"
[ "$(vc_sess u1 state)" = logged-in ] || fail "session $(vc_sess u1 state)"
[ "$(vc_sess u1 recoveries)" = 0 ] || fail "the session was reinstated: pings unanswered?"
fio_verify "$disk" 4M || fail "I/O after the idle time"
"$VCTL" vhba del u1 || fail "vhba del"
tgt_stop unsol || fail "tgt did not stop"
vc_unload || fail "unload failed"
