# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# guest-lib.sh: helpers for vconnect's guest tests.  Source it:
#
#	. "$(dirname "$0")/../lib/guest-lib.sh"
#
# Functions report progress on stderr and results on stdout.  The ones
# that start something (targets, namespaces, daemons) record it under
# $VC_STATE, so vc_reset_all (run by the runner after every test) can
# undo whatever a test left behind.
#
# Environment read by the target and login helpers (all optional):
#   TARGET_NETNS         run the target inside this network namespace
#   LIO_ACL_INITIATORS   initiator IQNs for LIO's ACL (space separated;
#                        default: this guest's open-iscsi initiator name)
#   LIO_DEMO=1           LIO demo mode: generate_node_acls=1, no ACLs
#   LIO_BLOCK=DEV        lio_start: one iblock LUN on block device DEV
#   CHAP_USER CHAP_PASS  one-way CHAP, on the target and in stock logins
#   MUTUAL_USER MUTUAL_PASS  mutual CHAP (the target's credentials)

VC_STATE=/run/vconnect-test
VC_IQN_PREFIX=iqn.2026-11.org.example
VC_LIB=$(dirname "${BASH_SOURCE[0]}")
KSFT_SKIP=4

# Skip the test (kselftest exit code 4) with a reason.
ktap_skip() {
	echo "SKIP: $*"
	exit $KSFT_SKIP
}

# Fail the test with a message.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Print a timestamped progress line on stderr.
note() {
	echo "[$(date +%T.%3N)] $*" >&2
}

# Skip the test unless every named command is installed.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || ktap_skip "command not found: $c"
	done
}

# Skip the test unless every named kernel module can be loaded.
require_module() {
	local m
	for m in "$@"; do
		modprobe "$m" 2>/dev/null || ktap_skip "module not available: $m"
	done
}

# Poll COND_CMD (a shell string, eval'ed) every 0.2 s until it succeeds
# (return 0) or TIMEOUT_SECS pass (return 1).
wait_for() {
	local cond=$1 deadline=$((SECONDS + $2))
	until eval "$cond"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
}

# Print the target IQN used for NAME (LIO and tgt need two dots after
# the date, hence org.example).
target_iqn() {
	echo "$VC_IQN_PREFIX:$1"
}

# Run a command in $TARGET_NETNS if set.  nsenter, not "ip netns exec":
# the latter remounts /sys, which hides configfs from LIO's tools.
in_target_ns() {
	if [ -n "${TARGET_NETNS:-}" ]; then
		nsenter --net="/run/netns/$TARGET_NETNS" "$@"
	else
		"$@"
	fi
}

# Print this guest's open-iscsi initiator name.
iscsi_initiator_name() {
	sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi
}

# --- LIO ---------------------------------------------------------------------

# lio_start NAME NLUNS [SIZE_MB=128] [PORTAL_IP=127.0.0.1] [PORT=3260]:
# LIO iSCSI target $(target_iqn NAME), TPG 1, NLUNS fileio LUNs (0..N-1)
# backed by sparse files on tmpfs, or with LIO_BLOCK=DEV one iblock LUN on
# block device DEV.  ACLs, demo mode, CHAP and the namespace come from the
# environment (see the top of this file).  Sets TARGET_IQN and
# TARGET_PORTAL.
lio_start() {
	local name=$1 nluns=$2 size=${3:-128} ip=${4:-127.0.0.1} port=${5:-3260}
	local args=() wwn

	modprobe -a configfs target_core_mod target_core_file iscsi_target_mod ||
		return 1
	if [ -n "${LIO_BLOCK:-}" ]; then
		modprobe target_core_iblock || return 1
		args+=(--block "$LIO_BLOCK")
	fi
	# LIO writes its APTPL file there on every PR registration change.
	mkdir -p "$VC_STATE/lio" /tmp/vconnect-targets /var/target/pr
	TARGET_IQN=$(target_iqn "$name")
	TARGET_PORTAL=$ip:$port
	if [ "${LIO_DEMO:-0}" = 1 ]; then
		args+=(--demo)
	else
		for wwn in ${LIO_ACL_INITIATORS:-$(iscsi_initiator_name)}; do
			args+=(--acl "$wwn")
		done
	fi
	if [ -n "${CHAP_USER:-}" ]; then
		args+=(--chap-user "$CHAP_USER" --chap-pass "${CHAP_PASS:-}")
		[ -z "${MUTUAL_USER:-}" ] ||
			args+=(--mutual-user "$MUTUAL_USER" --mutual-pass "${MUTUAL_PASS:-}")
	fi
	note "lio: $TARGET_IQN on $TARGET_PORTAL${TARGET_NETNS:+ in netns $TARGET_NETNS}, ${LIO_BLOCK:-$nluns x ${size} MiB}"
	in_target_ns python3 "$VC_LIB/lio.py" start --iqn "$TARGET_IQN" \
		--name "$name" --luns "$nluns" --size-mb "$size" \
		--dir /tmp/vconnect-targets --ip "$ip" --port "$port" "${args[@]}" ||
		return 1
	echo "$TARGET_IQN" >"$VC_STATE/lio/$name"
}

# lio_stop [NAME]: remove LIO target NAME, or (no argument) all of LIO's
# configuration, and the backing files.
# shellcheck disable=SC2120 # the argument is optional
lio_stop() {
	if [ $# -gt 0 ]; then
		python3 "$VC_LIB/lio.py" stop --iqn "$(target_iqn "$1")" --name "$1"
		rm -f "$VC_STATE/lio/$1" /tmp/vconnect-targets/"$1"-lun*.img
	else
		python3 "$VC_LIB/lio.py" stop
		rm -rf "$VC_STATE/lio" /tmp/vconnect-targets/*
	fi
}

# --- tgt -----------------------------------------------------------------------

# tgtd, checked in the guest (tgt 1.0.85):
# - it daemonizes before anything else, so "tgtd ..." returns 0 even when
#   the daemon then dies (another tgtd holds the control port's lock,
#   /run/tgtd/socket.N.lock), and tgtadm -C N then talks to that OTHER
#   tgtd;
# - a portal it cannot bind (address in use) is dropped without an error,
#   and with no portal left it listens on 0.0.0.0:3260 and [::]:3260;
# - it ignores SIGTERM; it forks a logger into its own process group
#   (which inherits the control socket), and writes its pid file only
#   once its control socket and portals are set up.
# So tgt_start picks a control port no live tgtd holds, refuses a portal
# someone listens on, and checks that the daemon which came up holds its
# lock and its portal; tgt_stop kills the whole group and waits until it
# is gone.

# tgt_lock_holder CP: print the pid holding tgtd control port CP's lock
# (from /proc/locks); non-zero if none does.
tgt_lock_holder() {
	local f=/run/tgtd/socket.$1.lock st dev ino
	st=$(stat -c '%d %i' "$f" 2>/dev/null) || return 1
	dev=${st% *} ino=${st#* }
	# /proc/locks: "N: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END",
	# MAJ and MIN in hex.
	awk -v id="$(printf '%02x:%02x:%s' $(((dev >> 8) & 0xfff)) \
		$(((dev & 0xff) | ((dev >> 12) & 0xfff00))) "$ino")" \
		'$2 == "POSIX" && $6 == id { print $5; f = 1; exit } END { exit !f }' /proc/locks
}

# tgt_listener IP PORT: print the "ss -ltnp" lines (in $TARGET_NETNS)
# of a TCP listener that owns IP:PORT, i.e. on it or on a wildcard
# address with that port.  Non-zero if there is none.
tgt_listener() {
	local ip=$1 port=$2
	in_target_ns ss -Hltnp "sport = :$port" | awk -v a="$ip:$port" -v p=":$port" '
		$4 == a || $4 == "0.0.0.0" p || $4 == "[::]" p || $4 == "*" p { print; f = 1 }
		END { exit !f }'
}

# tgt_group_alive PID: true while a process of process group PID lives
# (zombies have closed their files: they count as gone).
tgt_group_alive() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'
}

# tgt_kill PID: SIGKILL tgtd PID and its logger (its process group) and
# wait until they are gone, so its control port and portals are free.
tgt_kill() {
	local pid=$1
	kill -KILL -- "-$pid" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
	wait_for "! tgt_group_alive $pid" 10 && return 0
	echo "tgtd $pid did not go away:" >&2
	ps -eo pid,pgid,stat,wchan:20,args | awk -v g="$pid" '$2 == g' >&2
	return 1
}

# tgt_start NAME NLUNS [SIZE_MB=128] [PORTAL_IP=127.0.0.1] [PORT=3261]:
# a tgtd of its own (a control port no other tgtd holds) serving target
# $(target_iqn NAME) with NLUNS (0 or more) file-backed disks.  tgt's
# LUN 0 is its controller, so the disks are LUNs 1..N.  The default port
# is not 3260 so that tgt and LIO can share 127.0.0.1.  Allows every
# initiator; CHAP_USER/MUTUAL_USER add CHAP.  Fails, with nothing left
# running, if the portal is taken or the daemon does not come up with
# its own control port and portal.  Sets TARGET_IQN, TARGET_PORTAL and
# TGT_CONTROL_PORT.
tgt_start() {
	local name=$1 nluns=$2 size=${3:-128} ip=${4:-127.0.0.1} port=${5:-3261}
	local cp lun f adm pid pidfile holder

	mkdir -p "$VC_STATE/tgt" /tmp/vconnect-targets
	pidfile=$VC_STATE/tgt/$name.pid
	if [ -e "$pidfile" ]; then
		echo "tgt_start: a tgtd named $name already runs (pid $(cat "$pidfile"))" >&2
		return 1
	fi
	# A fresh control port per tgtd, skipping any that a tgtd not started
	# here (or not stopped) still holds.
	cp=$(cat "$VC_STATE/tgt/.next" 2>/dev/null || echo 0)
	while cp=$((cp + 1)); holder=$(tgt_lock_holder $cp); do
		note "tgt: control port $cp is held by pid $holder, skipping it"
	done
	echo $cp >"$VC_STATE/tgt/.next"
	TARGET_IQN=$(target_iqn "$name")
	TARGET_PORTAL=$ip:$port
	# shellcheck disable=SC2034 # for the caller's tgtadm -C
	TGT_CONTROL_PORT=$cp
	if holder=$(tgt_listener "$ip" "$port"); then
		echo "tgt_start: portal $TARGET_PORTAL is already in use:" >&2
		echo "$holder" >&2
		return 1
	fi
	note "tgt: $TARGET_IQN on $TARGET_PORTAL${TARGET_NETNS:+ in netns $TARGET_NETNS}, $nluns x ${size} MiB, control port $cp"
	in_target_ns tgtd -C "$cp" --pid-file "$pidfile" \
		--iscsi portal="$ip:$port" || return 1
	echo "$cp" >"$VC_STATE/tgt/$name.port"
	# The daemon writes its pid file once its control socket and portal
	# are set up; it never does if it died on the way.
	if ! wait_for "grep -qx '[0-9][0-9]*' '$pidfile' 2>/dev/null" 10; then
		echo "tgt_start: tgtd on control port $cp did not come up (died at start?)" >&2
		rm -f "$pidfile" "$VC_STATE/tgt/$name.port"
		return 1
	fi
	pid=$(cat "$pidfile")
	holder=$(tgt_lock_holder $cp)
	if [ "$holder" != "$pid" ] ||
	   ! tgt_listener "$ip" "$port" | grep -q "pid=$pid,"; then
		echo "tgt_start: tgtd $pid does not hold control port $cp (holder: ${holder:-none}) or portal $TARGET_PORTAL:" >&2
		in_target_ns ss -Hltnp >&2
		tgt_stop "$name"
		return 1
	fi
	adm="tgtadm -C $cp --lld iscsi"
	# tgtd answers on its control socket only once it is ready.
	wait_for "$adm --op show --mode sys >/dev/null 2>&1" 10 || {
		echo "tgtd did not come up" >&2
		return 1
	}
	$adm --op new --mode target --tid 1 -T "$TARGET_IQN" || return 1
	for lun in $(seq 1 "$nluns"); do
		f=/tmp/vconnect-targets/$name-lun$lun.img
		truncate -s "${size}M" "$f"
		$adm --op new --mode logicalunit --tid 1 --lun "$lun" -b "$f" ||
			return 1
	done
	$adm --op bind --mode target --tid 1 -I ALL || return 1
	if [ -n "${CHAP_USER:-}" ]; then
		$adm --op new --mode account --user "$CHAP_USER" --password "${CHAP_PASS:-}" &&
			$adm --op bind --mode account --tid 1 --user "$CHAP_USER" || return 1
	fi
	if [ -n "${MUTUAL_USER:-}" ]; then
		$adm --op new --mode account --user "$MUTUAL_USER" --password "${MUTUAL_PASS:-}" &&
			$adm --op bind --mode account --tid 1 --user "$MUTUAL_USER" --outgoing ||
			return 1
	fi
}

# tgt_stop [NAME]: stop tgtd instance NAME, or (no argument) all of ours,
# wait until each is gone (its control port and portal free), and remove
# their backing files.  Non-zero if one would not go away.
# shellcheck disable=SC2120 # the argument is optional
tgt_stop() {
	local names=("$@") n pid rc=0
	if [ $# -eq 0 ]; then
		for n in "$VC_STATE"/tgt/*.pid; do
			[ -f "$n" ] && names+=("$(basename "$n" .pid)")
		done
	fi
	for n in "${names[@]}"; do
		pid=$(cat "$VC_STATE/tgt/$n.pid" 2>/dev/null) || continue
		# tgtd ignores SIGTERM; it keeps no state worth a clean exit.
		if [ -n "$pid" ]; then
			tgt_kill "$pid" || rc=1
		fi
		rm -f "$VC_STATE/tgt/$n.pid" "$VC_STATE/tgt/$n.port" \
			/tmp/vconnect-targets/"$n"-lun*.img
	done
	return $rc
}

# --- network namespaces --------------------------------------------------------

# netns_target_setup NS HOST_IP NS_IP: namespace NS joined to the init
# namespace by a veth pair (vh-NS here, vn-NS inside, /24), both up.
# Start a target in it with TARGET_NETNS=NS and portal NS_IP.  NS is at
# most 12 characters (interface names are limited to 15).
netns_target_setup() {
	local ns=$1 hip=$2 nip=$3
	[ ${#ns} -le 12 ] || { echo "netns name too long: $ns" >&2; return 1; }
	modprobe veth || return 1
	ip netns add "$ns" || return 1
	mkdir -p "$VC_STATE/netns"
	: >"$VC_STATE/netns/$ns"
	ip link add "vh-$ns" type veth peer name "vn-$ns" netns "$ns" &&
		ip addr add "$hip/24" dev "vh-$ns" &&
		ip link set "vh-$ns" up &&
		ip -n "$ns" addr add "$nip/24" dev "vn-$ns" &&
		ip -n "$ns" link set "vn-$ns" up &&
		ip -n "$ns" link set lo up || return 1
	# IPv4 only; no duplicate address detection delay.
	wait_for "ip -n $ns link show vn-$ns | grep -q LOWER_UP" 5
}

# link_cut NS [down|drop]: make the path to NS dead.  "down" (default)
# takes the namespace's end of the veth down: this side loses carrier
# and packets vanish, but no route is removed, so the initiator sees
# silence, like a pulled cable behind a switch.  "drop" keeps the link up
# and drops every packet both ways (netem loss 100%).
link_cut() {
	local ns=$1 mode=${2:-down}
	case $mode in
	down) ip -n "$ns" link set "vn-$ns" down ;;
	drop)
		modprobe sch_netem || return 1
		tc qdisc replace dev "vh-$ns" root netem loss 100% &&
			tc -n "$ns" qdisc replace dev "vn-$ns" root netem loss 100%
		;;
	*) echo "link_cut: unknown mode $mode" >&2; return 1 ;;
	esac
}

# link_restore NS: undo link_cut (either mode).
link_restore() {
	local ns=$1
	tc qdisc del dev "vh-$ns" root 2>/dev/null
	tc -n "$ns" qdisc del dev "vn-$ns" root 2>/dev/null
	ip -n "$ns" link set "vn-$ns" up
}

# netns_teardown NS: delete NS and its veth pair.  Stop the targets in it
# first: a LIO portal keeps the namespace alive.
netns_teardown() {
	local ns=$1
	ip link del "vh-$ns" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -f "$VC_STATE/netns/$ns"
}

# --- open-iscsi (the stock initiator) ------------------------------------------

# Start iscsid unless it runs, and load the stock initiator's modules.
iscsi_start_iscsid() {
	modprobe -a iscsi_tcp sd_mod sg || return 1
	mkdir -p /run/lock/iscsi /var/lib/iscsi
	if ! pidof iscsid >/dev/null; then
		iscsid || return 1
		wait_for "pidof iscsid >/dev/null" 10 || return 1
	fi
}

# Print the /dev/sdX disks of the stock session to target IQN at PORTAL.
iscsi_stock_disks() {
	local iqn=$1 portal=$2 s d
	for s in /sys/class/iscsi_session/session*; do
		[ "$(cat "$s/targetname" 2>/dev/null)" = "$iqn" ] || continue
		[ "$(cat "$s"/device/connection*/iscsi_connection/*/persistent_address 2>/dev/null)" = "${portal%:*}" ] ||
			continue
		for d in "$s"/device/target*/*/block/*; do
			[ -e "$d" ] && echo "/dev/$(basename "$d")"
		done
	done | sort
}

# iscsi_login_stock TARGET_IQN PORTAL [NLUNS=1]: discover and log in
# with open-iscsi (iscsi_tcp), using CHAP_USER/MUTUAL_USER if set, wait
# until NLUNS disks appear (no udev here: poll sysfs) and print them.
iscsi_login_stock() {
	local iqn=$1 portal=$2 nluns=${3:-1} node
	iscsi_start_iscsid || return 1
	iscsiadm -m discovery -t sendtargets -p "$portal" >/dev/null || return 1
	node=(iscsiadm -m node -T "$iqn" -p "$portal")
	if [ -n "${CHAP_USER:-}" ]; then
		"${node[@]}" -o update -n node.session.auth.authmethod -v CHAP &&
			"${node[@]}" -o update -n node.session.auth.username -v "$CHAP_USER" &&
			"${node[@]}" -o update -n node.session.auth.password -v "${CHAP_PASS:-}" ||
			return 1
		if [ -n "${MUTUAL_USER:-}" ]; then
			"${node[@]}" -o update -n node.session.auth.username_in -v "$MUTUAL_USER" &&
				"${node[@]}" -o update -n node.session.auth.password_in -v "${MUTUAL_PASS:-}" ||
				return 1
		fi
	fi
	"${node[@]}" --login >&2 || return 1
	if ! wait_for "[ \$(iscsi_stock_disks '$iqn' '$portal' | wc -l) -ge $nluns ]" 30; then
		echo "iscsi_login_stock: fewer than $nluns disk(s) after 30 s" >&2
		return 1
	fi
	iscsi_stock_disks "$iqn" "$portal"
}

# iscsi_logout_stock [TARGET_IQN [PORTAL]]: log out of one target (or
# all) and delete its node and discovery records.
iscsi_logout_stock() {
	if [ $# -eq 0 ]; then
		iscsiadm -m node --logoutall=all >&2
		iscsiadm -m node -o delete 2>/dev/null
		rm -rf /etc/iscsi/send_targets/*
		return 0
	fi
	local node=(iscsiadm -m node -T "$1")
	[ $# -lt 2 ] || node+=(-p "$2")
	"${node[@]}" --logout >&2 || return 1
	"${node[@]}" -o delete || return 1
	[ $# -lt 2 ] ||
		iscsiadm -m discoverydb -t sendtargets -p "$2" -o delete 2>/dev/null
	return 0
}

# --- I/O -------------------------------------------------------------------------

# fio_verify DEV SIZE [FIO_ARG...]: write SIZE (fio units: 64M) to DEV
# with O_DIRECT and crc32c checksums, read it all back and check it.
# Prints one summary line; non-zero on any I/O error or bad block.
fio_verify() {
	local dev=$1 size=$2 out rc
	shift 2
	out=$(fio --name=verify --filename="$dev" --size="$size" --direct=1 \
		--ioengine=libaio --iodepth=16 --bs=64k --rw=write \
		--verify=crc32c --do_verify=1 --verify_fatal=1 \
		--verify_dump=0 --output-format=normal "$@" 2>&1)
	rc=$?
	if [ $rc != 0 ] || grep -q 'err= *[1-9]\|verify:.*bad\|crc32c: verify failed' <<<"$out"; then
		echo "fio_verify $dev $size: FAILED (exit $rc)"
		printf '%s\n' "$out" | tail -n 20 >&2
		return 1
	fi
	echo "fio_verify $dev $size: ok, $(grep -o 'WRITE: bw=[^ ]*' <<<"$out"), $(grep -o 'READ: bw=[^ ]*' <<<"$out")"
}

# --- cleanup -----------------------------------------------------------------------

# Undo whatever a test left behind (run by the runner after each test):
# stock sessions and node records, LIO config, every tgtd, our namespaces.
# Prints a line for each thing it had to clean.
vc_reset_all() {
	local n h
	if [ -e /sys/module/vconnect_vhba ]; then
		echo "removing vHBAs and unloading vconnect"
		for h in /sys/class/scsi_host/host*/vconnect_name; do
			[ -f "$h" ] || continue
			"${VCONNECT_ROOT:-.}/userspace/vconnectctl" vhba del "$(cat "$h")" 2>&1
		done
		rmmod vconnect_offload_sim 2>/dev/null
		rmmod vconnect_offload 2>/dev/null
		rmmod vconnect_software 2>/dev/null
		rmmod vconnect_vhba 2>&1
	fi
	if compgen -G "/sys/class/iscsi_session/session*" >/dev/null; then
		echo "logging out stock iSCSI sessions"
		iscsiadm -m node --logoutall=all >/dev/null 2>&1
	fi
	if compgen -G "/etc/iscsi/nodes/*" >/dev/null ||
	   compgen -G "/etc/iscsi/send_targets/*" >/dev/null; then
		echo "deleting open-iscsi node records"
		iscsiadm -m node -o delete >/dev/null 2>&1
		rm -rf /etc/iscsi/nodes/* /etc/iscsi/send_targets/*
	fi
	if compgen -G "/sys/kernel/config/target/iscsi/iqn.*" >/dev/null ||
	   compgen -G "/sys/kernel/config/target/core/*_[0-9]*/*" >/dev/null; then
		echo "clearing LIO configuration"
		lio_stop >/dev/null 2>&1
	fi
	if compgen -G "$VC_STATE/tgt/*.pid" >/dev/null; then
		echo "stopping tgtd"
		tgt_stop
	fi
	# A tgtd not started by tgt_start (or one whose pid file a test
	# removed) would keep its control port and portal for the next test.
	for n in $(ps -C tgtd -o pgid= | sort -u); do
		echo "stopping a stray tgtd (process group $n):"
		ps -eo pgid=,pid=,args= | awk -v g="$n" '$1 == g { $1 = ""; print }'
		tgt_kill "$n"
	done
	for n in "$VC_STATE"/netns/*; do
		[ -e "$n" ] || continue
		echo "deleting netns $(basename "$n")"
		netns_teardown "$(basename "$n")"
	done
	rm -rf /tmp/vconnect-targets
}
