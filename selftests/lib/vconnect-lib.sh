# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# vconnect-lib.sh: helpers for tests of vconnect's own modules and tool.
# Source it after guest-lib.sh:
#
#	. "$(dirname "$0")/../lib/guest-lib.sh"
#	. "$(dirname "$0")/../lib/vconnect-lib.sh"

VC_ROOT=${VCONNECT_ROOT:-$(cd "$VC_LIB/../.." && pwd)}
VCTL=$VC_ROOT/userspace/vconnectctl

# Load the product modules from the repository (insmod: they are not
# installed in the guest), with what they need from the kernel first.
vc_load() {
	modprobe -a scsi_mod sd_mod sg libcrc32c crc32c_generic dns_resolver 2>/dev/null
	modprobe -a sd_mod sg || return 1
	lsmod | grep -q '^vconnect_vhba ' ||
		insmod "$VC_ROOT/vhba/vconnect_vhba.ko" || return 1
	if [ "${1:-}" != vhba-only ]; then
		lsmod | grep -q '^vconnect_software ' ||
			insmod "$VC_ROOT/iscsi_emul/vconnect_software.ko" || return 1
	fi
	[ -x "$VCTL" ] || { echo "vconnectctl not built: $VCTL" >&2; return 1; }
}

# Delete every vHBA and unload the modules. Returns non-zero if anything
# refused to go away.
vc_unload() {
	local n rc=0
	if [ -x "$VCTL" ] && lsmod | grep -q '^vconnect_vhba '; then
		for n in $(vc_names); do
			"$VCTL" vhba del "$n" || rc=1
		done
	fi
	for n in vconnect_offload_sim vconnect_offload vconnect_software vconnect_vhba; do
		if lsmod | grep -q "^$n "; then
			rmmod "$n" || rc=1
		fi
	done
	return $rc
}

# --- offload: the simulated offload HBA ----------------------------------------

SIM_BUS=/sys/bus/vconnect_sim
SIM_DBG=/sys/kernel/debug/vconnect_sim

# Load the offload pool/backend and the simulated HBA (after vc_load).
vc_load_offload() {
	lsmod | grep -q '^vconnect_offload ' ||
		insmod "$VC_ROOT/sriov/vconnect_offload.ko" || return 1
	lsmod | grep -q '^vconnect_offload_sim ' ||
		insmod "$VC_ROOT/sriov/vconnect_offload_sim.ko" || return 1
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
}

# vc_sim_new ID TOTALVFS [NUMVFS=TOTALVFS]: a simulated HBA vcsimID.
vc_sim_new() {
	local id=$1 total=$2 num=${3:-$2}
	echo "$id $total" >"$SIM_BUS/new_device" || return 1
	[ "$num" = 0 ] || echo "$num" >"$SIM_BUS/devices/vcsim$id/sriov_numvfs"
}

# vc_sim_vf ID VF ATTR: a per-VF counter from sysfs.
vc_sim_vf() {
	cat "$SIM_BUS/devices/vcsim$1/vf$2/$3"
}

# vc_sim_fault ID VF FILE VALUE: write a debugfs fault-injection file.
vc_sim_fault() {
	echo "$4" >"$SIM_DBG/vcsim$1/vf$2/$3"
}

# vc_datapath NAME [TARGET_ID]: where the session runs ("software",
# "vcsim0/vf1", "none").
vc_datapath() {
	vc_sess "$1" "${2:-0}" datapath
}

# Print the names of all vHBAs (from sysfs, independent of the tool).
vc_names() {
	local h
	for h in /sys/class/scsi_host/host*; do
		[ -f "$h/vconnect_name" ] && cat "$h/vconnect_name"
	done
}

# Print the SCSI host number of vHBA NAME.
vc_host() {
	local h
	for h in /sys/class/scsi_host/host*; do
		if [ "$(cat "$h/vconnect_name" 2>/dev/null)" = "$1" ]; then
			echo "${h##*/host}"
			return 0
		fi
	done
	return 1
}

# vc_sess NAME [TARGET_ID=0] ATTR: print a session attribute from sysfs.
vc_sess() {
	local name=$1 tid=0 attr h
	if [ $# -ge 3 ]; then tid=$2; attr=$3; else attr=$2; fi
	h=$(vc_host "$name") || return 1
	cat "/sys/class/scsi_host/host$h/device/session$tid/$attr"
}

# Print the disks (/dev/sdX) of vHBA NAME, ordered by target id and LUN.
vc_disks_now() {
	local h d
	h=$(vc_host "$1") || return 1
	for d in /sys/class/scsi_host/host"$h"/device/target*:*/*/block/*; do
		[ -e "$d" ] || continue
		# .../H:C:T:L/block/sdX -> "T L /dev/sdX"
		local hctl=${d%/block/*}
		hctl=${hctl##*/}
		echo "$(echo "$hctl" | cut -d: -f3) $(echo "$hctl" | cut -d: -f4) /dev/${d##*/}"
	done | sort -n -k1,1 -k2,2 | awk '{print $3}'
}

# vc_disks NAME [N=1] [TIMEOUT=30]: wait until vHBA NAME has N disks,
# print them.
vc_disks() {
	local name=$1 n=${2:-1} t=${3:-30}
	if ! wait_for "[ \$(vc_disks_now $name | wc -l) -ge $n ]" "$t"; then
		echo "vc_disks: $name has fewer than $n disk(s) after $t s" >&2
		return 1
	fi
	vc_disks_now "$name"
}

# Slab usage in KiB (the sum over /proc/slabinfo), for leak checks.
vc_slab_kib() {
	awk 'NR > 2 { s += $3 * $4 } END { printf "%d\n", s / 1024 }' /proc/slabinfo
}

# The same after writing back and dropping the caches, for a baseline.
vc_slab_settled_kib() {
	sync; echo 3 >/proc/sys/vm/drop_caches
	vc_slab_kib
}

# vc_target_start KIND NAME NLUNS [SIZE_MB]: start a LIO or tgt target
# (KIND lio|tgt) that lets in VC_INITIATORS (space-separated IQNs; tgt
# lets in everyone). CHAP_* and MUTUAL_* as in guest-lib.sh. Sets
# TARGET_IQN and TARGET_PORTAL.
vc_target_start() {
	local kind=$1 name=$2 nluns=$3 size=${4:-64}
	case $kind in
	lio) LIO_ACL_INITIATORS=${VC_INITIATORS:-} lio_start "$name" "$nluns" "$size" ;;
	tgt) tgt_start "$name" "$nluns" "$size" ;;
	*) echo "unknown target kind $kind" >&2; return 1 ;;
	esac
}

# vc_target_stop KIND NAME
vc_target_stop() {
	case $1 in
	lio) lio_stop "$2" ;;
	tgt) tgt_stop "$2" ;;
	esac
}

# --- hostile_target's late-write fault -----------------------------------------

# late_write_start HTPID ROUND DISK LBA: arm hostile_target HTPID (log
# ht.log) for its ROUNDth late write, write a block "OLD round ROUND" at
# 512-byte block LBA of DISK in the background (pid in LATE_DD_PID) and
# wait until the target holds it. Leaves "new", the block that should win,
# in the current directory. Non-zero, with a reason, on failure.
late_write_start() {
	local ht=$1 i=$2 disk=$3 lba=$4
	kill -USR1 "$ht"
	wait_for "[ \$(grep -c 'one more fault' ht.log) -ge $i ]" 5 ||
		{ echo "round $i: not armed"; return 1; }
	vc_block "OLD round $i" >old
	vc_block "NEW round $i" >new
	dd if=old of="$disk" bs=4096 seek=$((lba / 8)) count=1 oflag=direct status=none &
	LATE_DD_PID=$!
	wait_for "[ \$(grep -c 'fault late-write injected' ht.log) -ge $i ]" 10 ||
		{ echo "round $i: the write was not held"; return 1; }
}

# vc_block TEXT: one 4 KiB block of TEXT, padded with dots.
vc_block() {
	head -c 4096 < <(printf '%s' "$1"; yes . | tr -d '\n')
}
