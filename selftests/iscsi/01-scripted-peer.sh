#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 120
#
# Discovery against a scripted peer (discovery_target.py) that takes the
# paths LIO and tgt never do: login responses continued with the C bit,
# a target-proposed unknown key (answered NotUnderstood), a SendTargets
# answer split mid-key over two Text Responses (continued with the
# target's TTT); then mutual CHAP with base64 challenge and response, and
# a peer that sends back our own earlier challenge (must be refused).
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd python3
PEER=$(dirname "$0")/discovery_target.py
INAME=iqn.2026-11.org.example:peervm
vc_load || fail "could not load the modules"

# peer PORT [MODE]: start the scripted peer, wait until it listens.
peer() {
	python3 "$PEER" "$@" >"peer-$1.log" 2>&1 &
	peer_pid=$!
	wait_for "grep -q listening peer-$1.log" 10 || { cat "peer-$1.log"; fail "peer on $1 did not start"; }
}

# peer_done PORT: the peer's verdict on the initiator.
peer_done() {
	wait $peer_pid
	local rc=$?
	sed 's/^/   peer: /' "peer-$1.log"
	[ $rc = 0 ] || fail "peer on $1: the initiator misbehaved (exit $rc)"
}

# --- continuations, unknown key, SendTargets with a TTT ---
peer 3290
out=$("$VCTL" discover portal 127.0.0.1:3290 initiator "$INAME" 2>&1) ||
	{ echo "$out"; fail "discovery failed"; }
echo "$out"
peer_done 3290
for want in 'example:a' 'example:b' 'example:c' '10.0.0.1:3260' '\[::1\]:3260' '10.0.0.2:3261'; do
	grep -q "$want" <<<"$out" || fail "discovery output lacks $want"
done
echo "discovery: every target and address of both Text Responses listed"

# --- mutual CHAP in base64, then a reflected challenge ---
chap=(chap vmuser vmsecret12345 mutual tgtuser tgtsecret6789)
peer 3291 chap
out=$("$VCTL" discover portal 127.0.0.1:3291 initiator "$INAME" "${chap[@]}" 2>&1) ||
	{ echo "$out"; fail "mutual CHAP (base64) discovery failed"; }
echo "$out"
grep -q "example:chapped" <<<"$out" || fail "no target listed after mutual CHAP"
if out=$("$VCTL" discover portal 127.0.0.1:3291 initiator "$INAME" "${chap[@]}" 2>&1); then
	echo "$out"
	fail "discovery succeeded against a peer reflecting our challenge"
fi
echo "reflected challenge: $out"
grep -qi "authentication\|permission" <<<"$out" || fail "the refusal does not say why: $out"
peer_done 3291
dmesg | grep vconnect_software
vc_unload || fail "unload failed"
