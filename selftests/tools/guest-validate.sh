#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Validate hostile_target against the stock Linux initiator (open-iscsi,
# iscsi_tcp) in the test guest:
#
#	selftests/run --script selftests/tools/guest-validate.sh [FAULT ...]
#
# First without a fault: log in, fio writes and verifies.  Then, for each
# FAULT (default: all of them), a fresh target injects it once during fio's
# I/O; the check is that fio still verifies every block, that the target
# saw the initiator log in again with the same ISID and TSIH 0 (session
# reinstatement), and what dmesg said.  Prints one "ok"/"not ok" line per
# case and exits non-zero if any failed.
. "$(dirname "$0")/../lib/guest-lib.sh"

require_cmd iscsiadm iscsid fio
tools=$(cd "$(dirname "$0")" && pwd)
ht=$tools/hostile_target
[ -x "$ht" ] || fail "$ht not built (make -C selftests/tools)"

IQN=$(target_iqn hostile)
PORTAL=127.0.0.1:3260
FIO_SIZE=${FIO_SIZE:-16M}
# sd's scan issues a handful of READs; 60 lands the fault inside fio's
# writes (READ/WRITE faults) or its verify reads (Data-In faults).
FAULT_AFTER=${FAULT_AFTER:-60}
faults=("$@")
[ ${#faults[@]} -gt 0 ] || faults=(bad-opcode long-dsl unknown-itt bad-hdigest
	bad-ddigest truncated stall datain-overflow bad-datasn reject async-logout async-drop)
failures=0
ht_pid=

ht_start() {	# LOG ARGS...: start the target, wait for "listening on"
	local log=$1
	shift
	: >"$log"
	"$ht" --listen "$PORTAL" --target "$IQN" --log "$log" "$@" 2>/dev/null &
	ht_pid=$!
	wait_for "grep -q 'listening on' '$log'" 10 || return 1
}

ht_stop() {
	[ -n "$ht_pid" ] || return 0
	kill "$ht_pid" 2>/dev/null
	wait "$ht_pid" 2>/dev/null
	ht_pid=
}

# login [DIGEST]: discovery, optional CRC32C digests, login; prints the disk.
login() {
	local node=(iscsiadm -m node -T "$IQN" -p "$PORTAL") dev
	iscsi_start_iscsid || return 1
	iscsiadm -m discovery -t sendtargets -p "$PORTAL" >/dev/null || return 1
	if [ "${1:-}" = digest ]; then
		"${node[@]}" -o update -n 'node.conn[0].iscsi.HeaderDigest' -v CRC32C &&
			"${node[@]}" -o update -n 'node.conn[0].iscsi.DataDigest' -v CRC32C ||
			return 1
	fi
	"${node[@]}" --login >/dev/null || return 1
	wait_for "[ -n \"\$(iscsi_stock_disks '$IQN' '$PORTAL')\" ]" 30 || return 1
	dev=$(iscsi_stock_disks "$IQN" "$PORTAL" | head -n1)
	echo "$dev"
}

logout() {
	iscsi_logout_stock "$IQN" "$PORTAL" >/dev/null 2>&1 || iscsi_logout_stock >/dev/null 2>&1
}

result() {	# OK NAME DETAIL
	if [ "$1" = 1 ]; then
		echo "ok - $2: $3"
	else
		echo "not ok - $2: $3"
		failures=$((failures + 1))
	fi
}

show_log() {	# LOG: the interesting target log lines, indented
	grep -v 'accepted from\|: closed$\|listening on\|text request' "$1" |
		sed 's/; MRDSL.*//; s/^/#   target: /' | cut -c1-220
}

# --- no fault ------------------------------------------------------------------

log=/tmp/ht-nofault.log
ht_start "$log" || fail "hostile_target did not start"
dev=$(login) || { show_log "$log"; fail "login failed"; }
note "logged in: $dev ($(cat /sys/block/"${dev#/dev/}"/size) sectors)"
out=$(fio_verify "$dev" 64M 2>&1)
ok=0
[[ $out == *": ok"* ]] && ok=1
result $ok "no fault" "$out"
# The data must persist across connections: log out, log in, read it back.
logout
dev=$(login) || fail "second login failed"
out=$(fio --name=reread --filename="$dev" --size=64M --direct=1 --ioengine=libaio \
	--iodepth=16 --bs=64k --rw=read --verify=crc32c --do_verify=1 --verify_only \
	--verify_fatal=1 2>&1)
rc=$?
ok=0
[ $rc = 0 ] && ! grep -q 'verify.*bad\|err= *[1-9]' <<<"$out" && ok=1
result $ok "persistence" "data written on the first connection verified on the second (fio rc $rc)"
logout
ht_stop
show_log "$log"

# Large writes (unsolicited Data-Out, then R2Ts) with InitialR2T=Yes and
# CRC32C header and data digests.
log=/tmp/ht-r2t.log
ht_start "$log" --initial-r2t yes --digest || fail "hostile_target did not start"
dev=$(login digest) || { show_log "$log"; fail "login with digests failed"; }
out=$(fio_verify "$dev" 64M --bs=1M 2>&1)
ok=0
[[ $out == *": ok"* ]] && grep -q 'InitialR2T=Yes.*digests CRC32C/CRC32C' "$log" && ok=1
result $ok "R2T + digests" "1 MiB writes, InitialR2T=Yes, CRC32C/CRC32C: $out"
logout
ht_stop
show_log "$log" | grep 'login conn\|summary'

# --- faults -------------------------------------------------------------------------

for f in "${faults[@]}"; do
	log=/tmp/ht-$f.log
	args=(--fault "$f" --fault-after "$FAULT_AFTER" --fault-linger 5)
	dig=
	case $f in bad-hdigest|bad-ddigest) args+=(--digest); dig=digest ;; esac
	dmesg -C
	ht_start "$log" "${args[@]}" || { result 0 "$f" "target did not start"; continue; }
	start=$SECONDS
	if ! dev=$(login $dig); then
		result 0 "$f" "login failed"
		show_log "$log"
		ht_stop
		logout
		continue
	fi
	out=$(fio_verify "$dev" "$FIO_SIZE" 2>&1)
	took=$((SECONDS - start))
	state=$(cat /sys/class/iscsi_session/session*/state 2>/dev/null | tr '\n' ' ')
	injected=$(grep -c "fault $f injected" "$log")
	logins=$(grep -c 'login conn .* normal session' "$log")
	reinst=$(grep -c 'normal session.*tsih 0 -> .*reinstates' "$log")
	ok=0
	if [[ $out == *": ok"* ]] && [ "$injected" = 1 ]; then
		case $f in
		async-logout)			# logs out, then in again: same ISID
			grep -q 'normal session.*tsih 0 -> .*which logged out' "$log" && ok=1 ;;
		*) [ "$reinst" -ge 1 ] && ok=1 ;;
		esac
	fi
	result $ok "$f" "fio ${out#*: } in ${took}s; injected $injected, logins $logins, reinstatements (same ISID, TSIH 0) $reinst; session $state"
	grep -q 'BUG:' "$log" && result 0 "$f" "target crashed"
	show_log "$log"
	dmesg | grep -i 'iscsi\|conn\|sd [0-9]' | grep -v 'Attached\|Loading\|Write cache\|Mode Sense\|Preferred\|Optimal\|Write Protect\|logical blocks' |
		sed 's/^/#   dmesg: /' | head -12
	logout
	ht_stop
done

ht_stop
[ $failures = 0 ] || fail "$failures case(s) failed"
echo "all cases passed"
