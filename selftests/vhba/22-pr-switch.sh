#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
#
# SCSI persistent reservations follow the vHBA across planned switches
# (each logs in with the other ISID of the pair: a new I_T nexus), against
# LIO, with sg_persist through the vHBA's /dev/sg node and a second
# initiator (another vHBA, another initiator name) beside it:
#
#  1. Write Exclusive, held by the vHBA: PR_ROUNDS switches (default 20)
#     under verified I/O. Afterwards the key is registered once (the old
#     nexus let go of it), the reservation is the vHBA's current nexus's,
#     the vHBA writes, the other initiator gets RESERVATION CONFLICT.
#  2. Registered only, the other initiator holds Write Exclusive -
#     Registrants Only: the vHBA keeps writing as a registrant over 4
#     switches; both keys once each, the reservation still the other's.
#  3. Write Exclusive - All Registrants held by the vHBA: 4 switches, the
#     key once, the unregistered other initiator still gets a conflict.
#  4. Registered only, the other initiator holds Write Exclusive - All
#     Registrants: the vHBA keeps writing over 4 switches under I/O.
#
# After every switch READ FULL STATUS must name the vHBA's current ISID as
# registered (and as the holder in 1 and 3): LIO's I/O checks compare only
# the first 4 bytes of an ISID, so they do not see which of the pair writes.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"
. "$(dirname "$0")/../lib/switch-lib.sh"

require_cmd sg_persist
require_cmd sg_raw sg_turs
ROUNDS=${PR_ROUNDS:-20}
INAME=iqn.2026-11.org.example:prvm
INAME2=iqn.2026-11.org.example:prother
KEY=0x1234abcd
OKEY=0xbeef

vc_load && vc_load_offload || fail "could not load the modules"
vc_sim_new 0 1 || fail "simulated HBA"
VC_INITIATORS="$INAME $INAME2" vc_target_start lio prs 1 64 || fail "LIO"
trap 'vc_unload; vc_target_stop lio prs' EXIT

"$VCTL" vhba add prv initiator $INAME || fail "add"
"$VCTL" vhba attach prv target "$TARGET_IQN" portal "$TARGET_PORTAL" || fail "attach"
"$VCTL" vhba add pro initiator $INAME2 || fail "add the other initiator"
"$VCTL" vhba attach pro target "$TARGET_IQN" portal "$TARGET_PORTAL" ||
	fail "attach the other initiator"
disk=$(vc_disks prv 1) || fail "no disk"
odisk=$(vc_disks pro 1) || fail "no disk for the other initiator"
sg_of() { echo "/dev/$(ls "/sys/block/${1#/dev/}/device/scsi_generic")"; }
sg=$(sg_of "$disk")
osg=$(sg_of "$odisk")
note "vHBA: $disk ($sg); other initiator: $odisk ($osg)"

prout() { sg_persist --out --no-inquiry "$@" >prout.log 2>&1 || { cat prout.log; return 1; }; }
# keys_are "K..." : the registered keys, sorted, are exactly these.
keys_are() {
	local got
	got=$(sg_persist --in --no-inquiry --read-keys "$sg" | grep -oE '^ +0x[0-9a-f]+' |
		tr -d ' ' | sort | xargs)
	[ "$got" = "$1" ] || { echo "keys '$got', wanted '$1'"; return 1; }
}
# holder_is KEY TYPE: the reservation is KEY's, of TYPE (sg_persist's words).
holder_is() {
	sg_persist --in --no-inquiry --read-reservation "$sg" >res.log
	grep -q "Key=$1\$" res.log && grep -q "type: $2\$" res.log ||
		{ echo "reservation: $(tr '\n' ' ' <res.log)"; return 1; }
}
# current_nexus holder|registered: READ FULL STATUS has the vHBA's current
# ISID registered (and holding the reservation). LIO enforces reservations
# by the first 4 bytes of the ISID only, which the two ISIDs of the pair
# share, so its I/O checks cannot tell them apart; its full status can.
current_nexus() {
	local isid
	isid=$(vc_sess prv isid)
	sg_persist --in --no-inquiry --read-full-status "$sg" >full.log
	grep -qi "$INAME,i,0x$isid" full.log ||
		{ echo "ISID $isid is not registered:"; cat full.log; return 1; }
	[ "$1" = holder ] || return 0
	grep -B8 -i "$INAME,i,0x$isid" full.log | grep -q 'Reservation holder' ||
		{ echo "ISID $isid does not hold the reservation:"; cat full.log; return 1; }
}
# conflict DEV: a WRITE(10) of one block from DEV's initiator is refused.
conflict() {
	head -c 512 /dev/zero >blk
	sg_raw -s 512 -i blk "$1" 2a 00 00 00 00 00 00 00 01 00 >raw.log 2>&1
	grep -qi 'reservation conflict' raw.log || { cat raw.log; return 1; }
}
we_write() {
	dd if=/dev/urandom of="$disk" bs=4096 seek=100 count=1 oflag=direct status=none
}
# switches N holder|registered: N planned switches, back and forth; after
# each, the current nexus is registered (and holds the reservation).
switches() {
	local i to
	for i in $(seq "$1"); do
		case $(vc_datapath prv) in
		software) to=offload ;;
		*) to=software ;;
		esac
		"$VCTL" vhba switch prv $to || { echo "switch $i to $to"; return 1; }
		wait_datapath prv "$([ $to = software ] && echo software || echo 'vcsim0/vf*')" 10 ||
			return 1
		current_nexus "$2" || { echo "after switch $i to $to"; return 1; }
	done
}

# registrant_switches CASE KEY TYPE: the vHBA, a registrant under the other
# initiator's reservation (READ RESERVATION: KEY, TYPE), writes across 4
# switches; both keys stay registered once and the reservation as it was.
registrant_switches() {
	io_loop_start "$disk" 16M
	switches 4 registered >why || { io_loop_stop; fail "$(cat why)"; }
	io_loop_stop || fail "case $1: the registrant's I/O failed across the switches"
	keys_are "$KEY $OKEY" || fail "case $1: $(keys_are "$KEY $OKEY")"
	holder_is "$2" "$3" || fail "case $1: $(holder_is "$2" "$3")"
}

note "1: Write Exclusive held by the vHBA, $ROUNDS switches under I/O"
prout --register --param-sark=$KEY "$sg" || fail "register"
prout --reserve --param-rk=$KEY --prout-type=1 "$sg" || fail "reserve"
conflict "$osg" || fail "before any switch, the other initiator could write"
io_loop_start "$disk" 32M
switches "$ROUNDS" holder >why || { io_loop_stop; fail "$(cat why)"; }
io_loop_stop || fail "I/O failed across the switches"
keys_are "$KEY" || fail "after the switches: $(keys_are "$KEY")"
holder_is $KEY "Write Exclusive" || fail "$(holder_is $KEY 'Write Exclusive')"
we_write || fail "the vHBA cannot write after the switches"
conflict "$osg" || fail "the other initiator wrote despite the reservation"
note "1: key $KEY registered once, reservation held by the current nexus, other initiator refused"

note "2: registered only; the other initiator holds Write Exclusive - Registrants Only"
prout --release --param-rk=$KEY --prout-type=1 "$sg" || fail "release"
prout --register --param-sark=$OKEY "$osg" || fail "register the other initiator"
prout --reserve --param-rk=$OKEY --prout-type=5 "$osg" || fail "reserve (other)"
registrant_switches 2 $OKEY "Write Exclusive, registrants only"
note "2: both keys registered once, the other's reservation untouched"

note "3: Write Exclusive - All Registrants held by the vHBA"
prout --release --param-rk=$OKEY --prout-type=5 "$osg" || fail "release (other)"
prout --register --param-rk=$OKEY --param-sark=0 "$osg" || fail "unregister (other)"
# The release gave the registrants a RESERVATIONS RELEASED unit attention.
sg_turs "$sg" >/dev/null 2>&1
prout --reserve --param-rk=$KEY --prout-type=7 "$sg" || fail "reserve all registrants"
switches 4 holder >why || fail "$(cat why)"
keys_are "$KEY" || fail "case 3: $(keys_are "$KEY")"
# An all-registrants reservation reports key 0 (SPC-4 6.15.3).
holder_is 0x0 "Write Exclusive, all registrants" ||
	fail "case 3: $(holder_is 0x0 'Write Exclusive, all registrants')"
we_write || fail "case 3: the vHBA cannot write"
conflict "$osg" || fail "case 3: the unregistered initiator wrote"
note "3: key registered once, all-registrants reservation kept"

note "4: registered under the other initiator's Write Exclusive - All Registrants"
prout --release --param-rk=$KEY --prout-type=7 "$sg" || fail "release all registrants"
prout --register --param-sark=$OKEY "$osg" || fail "register the other initiator again"
prout --reserve --param-rk=$OKEY --prout-type=7 "$osg" || fail "reserve all registrants (other)"
sg_turs "$sg" >/dev/null 2>&1
registrant_switches 4 0x0 "Write Exclusive, all registrants"
note "4: the vHBA still writes as a registrant, both keys once"

prout --register --param-rk=$KEY --param-sark=0 "$sg" || fail "unregister"
[ "$(vc_sess prv errors)" = 0 ] || fail "$(vc_sess prv errors) I/O errors"
dmesg | grep -iE 'reservation|registration' | tail -n 4 | sed 's/^/# /'
note "$((ROUNDS + 12)) switches, reservations and registrations carried"
