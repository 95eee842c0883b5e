# SPDX-License-Identifier: GPL-2.0
# Shared by the switch tests: background verified I/O while something
# moves the vHBA around. Source after guest-lib.sh and vconnect-lib.sh.

# io_loop_start DEV SIZE: fio passes with crc32c verification, QD 32,
# block sizes 4k..256k, one after another until io_loop_stop. Failures
# go to io_loop.fail.
io_loop_start() {
	local dev=$1 size=$2
	rm -f io_loop.stop io_loop.fail io_loop.log
	(
		n=0
		while [ ! -e io_loop.stop ]; do
			n=$((n + 1))
			if ! fio_verify "$dev" "$size" --iodepth=32 --rw=randwrite \
				--bsrange=4k-256k --norandommap=0 >>io_loop.log 2>&1; then
				echo "pass $n failed" >>io_loop.fail
			fi
		done
		echo "$n passes" >>io_loop.log
	) &
	IO_LOOP_PID=$!
}

# io_loop_stop: let the current pass finish; non-zero if any pass failed.
io_loop_stop() {
	touch io_loop.stop
	wait "$IO_LOOP_PID"
	tail -n 1 io_loop.log
	grep -c ': ok' io_loop.log | sed 's/^/verified passes: /'
	if [ -e io_loop.fail ]; then
		cat io_loop.fail
		grep -B2 -A20 FAILED io_loop.log | head -n 60
		return 1
	fi
	grep -q ': ok' io_loop.log || { echo "no pass completed"; return 1; }
}

# wait_datapath NAME PATTERN [TIMEOUT=30]: until the session runs on a
# datapath matching the shell PATTERN and is logged in.
wait_datapath() {
	local name=$1 pat=$2 t=${3:-30} dp
	wait_for "[ \"\$(vc_sess $name state)\" = logged-in ] && [[ \"\$(vc_datapath $name)\" == $pat ]]" "$t" && return 0
	dp=$(vc_datapath "$name")
	echo "wait_datapath: $name on '$dp' ($(vc_sess "$name" state)), wanted $pat" >&2
	return 1
}
