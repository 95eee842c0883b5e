#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the software datapath (vconnect_iscsi) beyond selftests/vhba,
# for paths LIO and tgt with their defaults do not take. Run in the test
# guest, after a top-level make:
#
#	selftests/run --script iscsi_emul/tests/extra.sh [CASE...]
#
# Cases (default: all):
#   mockdisc  login responses continued with the C bit, an unknown key
#             proposed by the target, SendTargets continued with a TTT
#             (scripted peer: discovery_target.py)
#   mockchap  mutual CHAP with base64 challenge and answer from the peer;
#             then a peer that sends our own earlier challenge (refused)
#   wrap      CmdSN starting just below 2^32 (module parameter
#             initial_cmdsn), verified I/O across the wrap
#   ipv6      discovery and I/O over [::1]
#   notfound  unknown target name: refused, status reported
#   redirect  tgt redirects the login (status class 1) to LIO
#   tgtunsol  tgt with InitialR2T=No, 8 KiB MaxRecvDataSegmentLength,
#             CRC32C digests and target NOP-In pings
#   resets    LOGICAL UNIT RESET and TARGET WARM RESET (sg_reset), LIO
#             and tgt
#   abort     ABORT TASK of a command on a 5 s slow LUN (dm-delay)
# Prints OK/NOT OK per check; exits non-zero if any check failed.
HERE=$(cd "$(dirname "$0")" && pwd)
[ -e /dev/fd ] || ln -sf /proc/self/fd /dev/fd	# process substitution
. "$HERE/../../selftests/lib/guest-lib.sh"
. "$HERE/../../selftests/lib/vconnect-lib.sh"
cd "$(mktemp -d)" || exit 1
INAME=iqn.2026-11.org.example:extravm
export VC_INITIATORS=$INAME LIO_ACL_INITIATORS=$INAME
RC=0
bad() { echo "NOT OK: $*"; RC=1; }
good() { echo "OK: $*"; }
cases=${*:-mockdisc mockchap wrap ipv6 notfound redirect tgtunsol resets abort}

modprobe -a scsi_mod sd_mod sg libcrc32c crc32c_generic
insmod "$VC_ROOT/vhba/vconnect_vhba.ko"
# CmdSN starts just below the 2^32 wrap: every test below crosses it.
insmod "$VC_ROOT/iscsi_emul/vconnect_iscsi.ko" initial_cmdsn=0xfffffff0 tmf_timeout_ms=8000
vc_load || { echo "load failed"; exit 1; }

attach() { # NAME TARGET PORTAL [vhba add args]
	local n=$1 t=$2 p=$3
	shift 3
	"$VCTL" vhba add "$n" initiator "$INAME" "$@" &&
		"$VCTL" vhba attach "$n" target "$t" portal "$p"
}

for c in $cases; do
	echo "=== $c"
	dmesg -C
	case $c in
	mockdisc)
		python3 "$HERE/discovery_target.py" 3290 >mock.log 2>&1 &
		mpid=$!
		wait_for "grep -q listening mock.log" 10
		out=$("$VCTL" discover portal 127.0.0.1:3290 initiator "$INAME" 2>&1)
		echo "$out"
		wait $mpid; mrc=$?
		cat mock.log
		[ $mrc = 0 ] && good "mockdisc: target saw a correct initiator" || bad "mockdisc: target"
		[ "$(grep -c 'iqn.2026-11.org.example:[abc]' <<<"$out")" -ge 3 ] &&
			grep -q '10.0.0.2:3261' <<<"$out" && good "mockdisc: all targets and addresses listed" ||
			bad "mockdisc: listing"
		;;
	mockchap)
		python3 "$HERE/discovery_target.py" 3291 chap >mockchap.log 2>&1 &
		mpid=$!
		wait_for "grep -q listening mockchap.log" 10
		chap=(chap vmuser vmsecret12345 mutual tgtuser tgtsecret6789)
		out=$("$VCTL" discover portal 127.0.0.1:3291 initiator "$INAME" "${chap[@]}" 2>&1)
		echo "$out"
		grep -q "example:chapped" <<<"$out" && good "mockchap: mutual CHAP, base64" ||
			bad "mockchap: mutual login"
		out=$("$VCTL" discover portal 127.0.0.1:3291 initiator "$INAME" "${chap[@]}" 2>&1)
		echo "$out"
		grep -qi "authentication\|permission" <<<"$out" && good "mockchap: reflected challenge refused" ||
			bad "mockchap: reflection"
		wait $mpid; mrc=$?
		cat mockchap.log
		[ $mrc = 0 ] && good "mockchap: peer saw a correct initiator" || bad "mockchap: peer"
		dmesg | grep vconnect_iscsi
		;;
	wrap)
		lio_start wrap 1 32 || { bad "wrap: LIO"; continue; }
		attach w1 "$TARGET_IQN" "$TARGET_PORTAL" || { bad "wrap: attach"; lio_stop wrap; continue; }
		d=$(vc_disks w1 1)
		fio_verify "$d" 8M --bsrange=4k-256k --iodepth=16 && good "wrap: I/O across CmdSN 2^32" ||
			bad "wrap: I/O"
		"$VCTL" vhba del w1
		lio_stop wrap
		;;
	ipv6)
		ip -6 addr show dev lo | grep -q '::1' || ip -6 addr add ::1/128 dev lo
		lio_start v6 1 32 "[::1]" 3260 || { bad "ipv6: LIO on [::1]"; continue; }
		out=$("$VCTL" discover portal "[::1]:3260" initiator "$INAME" 2>&1)
		echo "$out"
		grep -q "$TARGET_IQN" <<<"$out" && good "ipv6: discovery" || bad "ipv6: discovery"
		attach v1 "$TARGET_IQN" "[::1]:3260" || { bad "ipv6: attach"; lio_stop v6; continue; }
		d=$(vc_disks v1 1)
		fio_verify "$d" 8M && good "ipv6: I/O" || bad "ipv6: I/O"
		"$VCTL" vhba del v1
		lio_stop v6
		;;
	notfound)
		lio_start nf 1 32 || { bad "notfound: LIO"; continue; }
		out=$(attach n1 "${TARGET_IQN}x" "$TARGET_PORTAL" 2>&1)
		echo "$out"
		# LIO answers an unknown name with 0301 (service unavailable).
		[ "$(dmesg | grep -c 'refused: status class 3 detail 1')" -ge 1 ] &&
			good "notfound: refused, status reported" || bad "notfound: $out"
		"$VCTL" vhba del n1
		lio_stop nf
		;;
	redirect)
		# tgtd on 3262 has the target's name and redirects to LIO on 3260.
		# (tgt does not redirect a peer to its own address: use 127.0.0.2.)
		lio_start redir 1 32 127.0.0.2 3260 || { bad "redirect: LIO"; continue; }
		tgtd -C 9 --iscsi portal=127.0.0.1:3262 --pid-file /tmp/tgt-redir.pid
		wait_for "tgtadm -C 9 --lld iscsi --op show --mode sys >/dev/null 2>&1" 10
		a="tgtadm -C 9 --lld iscsi"
		$a --op new --mode target --tid 1 -T "$TARGET_IQN"
		$a --op bind --mode target --tid 1 -I ALL
		$a --op update --mode target --tid 1 --name RedirectAddress --value 127.0.0.2
		$a --op update --mode target --tid 1 --name RedirectPort --value 3260
		$a --op update --mode target --tid 1 --name RedirectReason --value Temporary
		attach r1 "$TARGET_IQN" 127.0.0.1:3262 || bad "redirect: attach"
		d=$(vc_disks r1 1) && fio_verify "$d" 4M && good "redirect: followed to LIO" ||
			bad "redirect: no disk or I/O"
		dmesg | grep -i redirect
		"$VCTL" vhba del r1
		kill "$(cat /tmp/tgt-redir.pid)"
		lio_stop redir
		;;
	tgtunsol)
		# tgt with InitialR2T=No, 8 KiB MaxRecvDataSegmentLength, digests,
		# NOP-In pings from the target: unsolicited Data-Out, many PDUs.
		tgt_start unsol 1 32 || { bad "tgtunsol: tgt"; continue; }
		a="tgtadm -C $TGT_CONTROL_PORT --lld iscsi"
		$a --op update --mode target --tid 1 --name InitialR2T --value No
		$a --op update --mode target --tid 1 --name FirstBurstLength --value 262144
		$a --op update --mode target --tid 1 --name HeaderDigest --value CRC32C,None
		$a --op update --mode target --tid 1 --name DataDigest --value CRC32C,None
		$a --op update --mode target --tid 1 --name nop_interval=1 --value 1
		$a --op update --mode target --tid 1 --name nop_count=3 --value 3
		attach u1 "$TARGET_IQN" "$TARGET_PORTAL" digest all || { bad "tgtunsol: attach"; tgt_stop unsol; continue; }
		for f in header_digest data_digest; do echo "$f=$(vc_sess u1 $f)"; done
		dmesg | grep "logged in"
		d=$(vc_disks u1 1)
		fio_verify "$d" 16M --bsrange=512-1m --iodepth=8 && good "tgtunsol: unsolicited data I/O" ||
			bad "tgtunsol: I/O"
		sleep 4	# target NOP-In pings arrive; they must be answered
		[ "$(vc_sess u1 state)" = logged-in ] && [ "$(vc_sess u1 recoveries)" = 0 ] &&
			good "tgtunsol: session stayed up" || bad "tgtunsol: session dropped"
		"$VCTL" vhba del u1
		tgt_stop unsol
		;;
	resets)
		lio_start rst 2 32 || { bad "resets: LIO"; continue; }
		attach s1 "$TARGET_IQN" "$TARGET_PORTAL" || { bad "resets: attach"; lio_stop rst; continue; }
		mapfile -t ds < <(vc_disks s1 2)
		sg_reset -d "${ds[0]}" && good "resets: LUN reset" || bad "resets: LUN reset"
		sg_reset -t "${ds[0]}" && good "resets: target reset" || bad "resets: target reset"
		fio_verify "${ds[1]}" 4M && good "resets: I/O after resets" || bad "resets: I/O after resets"
		dmesg | grep -E "reset|TMF|vconnect_iscsi"
		"$VCTL" vhba del s1
		lio_stop rst
		# Neither LIO 6.1 (no ACL knob) nor tgt performs TARGET WARM
		# RESET (255 and 5): the answer must come back and be handled
		# (the error handler then reinstates the session).
		dmesg -C
		tgt_start rst 1 16 || { bad "resets: tgt"; continue; }
		attach s2 "$TARGET_IQN" "$TARGET_PORTAL" || { bad "resets: tgt attach"; tgt_stop rst; continue; }
		d=$(vc_disks s2 1)
		sg_reset -t "$d"
		dmesg | grep -q "TARGET WARM RESET: target response 5" &&
			good "resets: TARGET WARM RESET answered by tgt" || bad "resets: tgt target reset"
		fio_verify "$d" 4M && good "resets: tgt I/O after reset" || bad "resets: tgt I/O"
		dmesg | grep -E "reset|vconnect_iscsi"
		"$VCTL" vhba del s2
		tgt_stop rst
		;;
	abort)
		# A LUN 5 s slow (dm-delay on null_blk), command timeout 2 s:
		# the error handler aborts; LIO answers when the backend is done.
		modprobe null_blk nr_devices=1 gb=1 && modprobe dm-delay || { bad "abort: modules"; continue; }
		echo "0 $((1 << 21)) delay /dev/nullb0 0 5000" | dmsetup create slow || { bad "abort: dmsetup"; continue; }
		ib=/sys/kernel/config/target/core/iblock_0/slow
		modprobe -a target_core_mod target_core_iblock iscsi_target_mod
		sdev=/dev/$(dmsetup info -c --noheadings -o blkdevname slow)
		ls -l "$sdev"
		mkdir -p $ib && echo "udev_path=$sdev" >$ib/control &&
			echo 1 >$ib/enable || { bad "abort: iblock"; continue; }
		python3 - "$(target_iqn slow)" "$INAME" <<'PY' || { bad "abort: LIO"; continue; }
import sys, warnings
warnings.filterwarnings("ignore")
from rtslib_fb import (FabricModule, BlockStorageObject, LUN, MappedLUN,
                       NetworkPortal, NodeACL, Target, TPG)
t = Target(FabricModule("iscsi"), wwn=sys.argv[1], mode="create")
tpg = TPG(t, 1, mode="create")
so = BlockStorageObject("slow")
lun = LUN(tpg, 0, so)
tpg.set_attribute("generate_node_acls", "0")
tpg.set_attribute("authentication", "0")
acl = NodeACL(tpg, sys.argv[2], mode="create")
MappedLUN(acl, 0, lun)
NetworkPortal(tpg, "127.0.0.1", 3260, mode="create")
tpg.enable = True
PY
		attach a1 "$(target_iqn slow)" 127.0.0.1:3260 || { bad "abort: attach"; continue; }
		d=$(vc_disks a1 1 60)
		dev=${d#/dev/}
		wait_for "dmesg | grep -q 'Attached SCSI disk'" 120
		echo 2 >/sys/block/"$dev"/device/timeout
		# The retry keeps the 2 s timeout, so the error handler goes on
		# to LUN resets and the read may fail: what counts is that each
		# TMF completes and the session stays up.
		dd if="$d" of=/dev/null bs=4k count=1 skip=1000 iflag=direct 2>dd.err
		dmesg | grep -E "ABORT_TASK|abort task|LUN reset|vconnect_iscsi"
		dmesg | grep -q "abort task: done" && good "abort: ABORT TASK completed" ||
			bad "abort: no successful ABORT TASK"
		dmesg | grep -q "LUN reset: done" && good "abort: LUN reset with commands in flight" ||
			bad "abort: no successful LUN reset"
		[ "$(vc_sess a1 state)" = logged-in ] && [ "$(vc_sess a1 recoveries)" = 0 ] &&
			good "abort: session still up" || bad "abort: session state"
		"$VCTL" vhba del a1
		python3 "$VC_LIB/lio.py" stop
		dmsetup remove slow
		;;
	esac
	[ -z "${VCONNECT_RESULTS:-}" ] || dmesg >"$VCONNECT_RESULTS/extra-$c.dmesg"
done
vc_unload || bad "unload"
echo "extra: rc=$RC"
exit $RC
