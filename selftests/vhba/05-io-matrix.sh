#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# Verified I/O across block sizes 512 B .. 1 MiB, queue depths 1 .. 64,
# sequential, random and mixed, on several LUNs at once, against LIO and
# tgt: zero I/O errors, zero verify failures, zero error counts.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio
vc_load || fail "could not load the modules"
INAME=iqn.2026-11.org.example:iovm
export VC_INITIATORS=$INAME

for kind in lio tgt; do
	vc_target_start $kind io 3 48 || fail "$kind target"
	"$VCTL" vhba add io1 initiator "$INAME" || fail "vhba add"
	"$VCTL" vhba attach io1 target "$TARGET_IQN" portal "$TARGET_PORTAL" ||
		fail "$kind: attach"
	mapfile -t d < <(vc_disks io1 3) || fail "$kind: LUNs did not appear"
	note "$kind: disks ${d[*]}"
	# Three LUNs at once, each with its own pattern; then swap them round.
	for round in 0 1 2; do
		a=${d[$(( (0 + round) % 3 ))]} b=${d[$(( (1 + round) % 3 ))]} c=${d[$(( (2 + round) % 3 ))]}
		# Sizes keep each job near the same number of seconds under TCG.
		out=$(fio --direct=1 --ioengine=libaio --verify=crc32c --do_verify=1 \
			--verify_fatal=1 --group_reporting=0 \
			--name=small --filename="$a" --size=1M --bs=512 --iodepth=1 --rw=randwrite \
			--name=deep --filename="$b" --size=8M --bsrange=4k-64k --iodepth=64 --rw=randwrite \
			--name=big --filename="$c" --size=24M --bs=1m --iodepth=8 --rw=write 2>&1) ||
			{ echo "$out"; fail "$kind round $round: fio failed"; }
		grep -q 'err= *[1-9]' <<<"$out" && { echo "$out"; fail "$kind round $round: I/O errors"; }
		echo "$kind round $round: ok ($(grep -c 'err= 0' <<<"$out") jobs clean)"
	done
	# Mixed read/write with verification of what was written.
	out=$(fio --direct=1 --ioengine=libaio --name=mixed --filename="${d[0]}" \
		--size=8M --rw=randrw --rwmixread=50 --bsrange=4k-128k --iodepth=32 \
		--verify=crc32c --verify_fatal=1 2>&1) || { echo "$out"; fail "$kind: mixed"; }
	echo "$kind mixed: ok"
	[ "$(vc_sess io1 errors)" = 0 ] || fail "$kind: session counted $(vc_sess io1 errors) errors"
	"$VCTL" vhba del io1 || fail "vhba del"
	vc_target_stop $kind io
done
vc_unload || fail "unload failed"
