#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# Recovery that lands in another target portal group must fence the lost
# session: a login there is a new session, not a reinstatement, so it ends
# none of the lost session's tasks.
#
# The hostile target listens in a network namespace on two portals, in
# portal groups 1 and 2, and keeps one WRITE "in the backstore" (the
# late-write fault): it lands when the target ends the task (a LUN reset
# from any connection, a reinstatement in its portal group) or by itself
# LINGER seconds after it was sent. Each round writes OLD (held), cuts
# the path to the session's portal (its address goes: new connections
# fail at once, the target never sees the old one close), lets recovery
# log in through the other group, writes NEW to the same block once OLD
# completed, waits until the held write would have landed by itself, and
# reads the block back: NEW, every round.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

HT=$VC_ROOT/selftests/tools/hostile_target
[ -x "$HT" ] || fail "$HT not built (make -C selftests/tools)"
INAME=iqn.2026-11.org.example:tpgvm
TIQN=iqn.2026-11.org.example:tpg
NS=vctpg
LBA=8192
LINGER=25
ROUNDS=2

vc_load || fail "could not load the modules"
netns_target_setup $NS 10.99.1.1 10.99.1.2 || fail "netns"
ip link add vh-${NS}b type veth peer name vn-${NS}b netns $NS &&
	ip addr add 10.99.2.1/24 dev vh-${NS}b && ip link set vh-${NS}b up &&
	ip -n $NS addr add 10.99.2.2/24 dev vn-${NS}b &&
	ip -n $NS link set vn-${NS}b up || fail "second veth pair"
host_if=(vh-$NS vh-${NS}b)
host_ip=(10.99.1.1 10.99.2.1)
portal=(10.99.1.2:3260 10.99.2.2:3260)

ip netns exec $NS "$HT" --listen "${portal[0]}" --listen "${portal[1]}" \
	--target $TIQN --size-mb 16 --fault late-write --fault-count 0 \
	--fault-after 1 --fault-lba $LBA --fault-linger $LINGER --log ht.log 2>&1 &
ht=$!
cleanup() {
	"$VCTL" vhba del tp 2>/dev/null
	kill "$ht" 2>/dev/null
	wait "$ht" 2>/dev/null
	vc_unload
	netns_teardown $NS
}
trap cleanup EXIT
wait_for "[ \"\$(grep -c listening ht.log 2>/dev/null)\" = 2 ]" 10 || fail "target did not start"

"$VCTL" vhba add tp initiator $INAME replacement-timeout 120 || fail "add"
"$VCTL" vhba attach tp target $TIQN portal "${portal[0]}" portal "${portal[1]}" ||
	fail "attach"
disk=$(vc_disks tp 1) || fail "no disk"

stale=0
for i in $(seq $ROUNDS); do
	cur=$(vc_sess tp portal)
	case $cur in
	"${portal[0]}") g=0 ;;
	"${portal[1]}") g=1 ;;
	*) fail "round $i: session at '$cur'" ;;
	esac
	late_write_start $ht "$i" "$disk" $LBA >why || fail "$(cat why)"
	held_at=$SECONDS
	ip addr flush dev "${host_if[$g]}"
	wait_for "[ \$(vc_sess tp recoveries) -ge $i ] && [ \$(vc_sess tp state) = logged-in ]" 60 ||
		fail "round $i: no recovery through the other portal group"
	wait $LATE_DD_PID || fail "round $i: the held write failed"
	dd if=new of="$disk" bs=4096 seek=$((LBA / 8)) count=1 oflag=direct status=none ||
		fail "round $i: write NEW"
	# Past the moment the held write lands by itself, if nothing ended it.
	left=$((held_at + LINGER + 2 - SECONDS))
	[ $left -le 0 ] || sleep $left
	dd if="$disk" of=got bs=4096 skip=$((LBA / 8)) count=1 iflag=direct status=none ||
		fail "round $i: read back"
	if cmp -s got new; then
		note "round $i: recovered from ${portal[$g]} to $(vc_sess tp portal), block holds NEW"
	else
		stale=$((stale + 1))
		note "round $i: recovered from ${portal[$g]} to $(vc_sess tp portal), block holds '$(head -c 12 got)': a stale write landed after NEW"
	fi
	ip addr add "${host_ip[$g]}/24" dev "${host_if[$g]}"
done
grep 'late WRITE\|task management' ht.log | sed 's/^/# /'
dmesg | grep -E 'portal group|reinstat' | tail -n 6
[ "$stale" = 0 ] || fail "$stale of $ROUNDS rounds read back stale data"
[ "$(vc_sess tp errors)" = 0 ] || fail "$(vc_sess tp errors) I/O errors"
