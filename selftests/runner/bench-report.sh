#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's report (selftests/bench/report.py) on made-up fio
# results whose answer is known: a vHBA exactly twice as good as stock in
# every round gives ratios of 2.00 and 90% intervals of 2.00-2.00; one
# that alternates between better and worse gets intervals spanning 1.0.
. "$(dirname "$0")/../lib/guest-lib.sh"

report=$VCONNECT_ROOT/selftests/bench/report.py
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# fake DIR WHO NAME ROUND IOPS: one run; latency, CPU and context switches
# scale with 1/IOPS, so every ratio equals the IOPS ratio.
fake() {
	python3 - "$@" <<'EOF'
import json, sys
d, who, name, rnd = sys.argv[1:5]
iops = float(sys.argv[5])
base = "%s/%s-%s.%s" % (d, who, name, rnd)
ios = int(iops * 10)
side = {"io_bytes": ios * 4096, "iops": iops, "bw_bytes": iops * 4096,
        "lat_ns": {"mean": 1e9 / iops,
                   "percentile": {"99.000000": 2e9 / iops}}}
job = {"read": side, "write": {"io_bytes": 0}, "error": 0}
json.dump({"jobs": [job], "disk_util": [{"read_ios": ios, "write_ios": 0}]},
          open(base + ".json", "w"))
# CPU time and context switches in proportion to the run's length.
open(base + ".cpu", "w").write("%d\n" % int(1e6 / iops * ios / 1000))
open(base + ".ctx", "w").write("%d\n" % int(1e7 / iops * ios / 1000))
EOF
}

for r in 1 2 3 4 5 6; do
	fake "$dir" stock twice "$r" $((1000 + 100 * r))
	fake "$dir" vhba twice "$r" $((2000 + 200 * r))
	fake "$dir" stock even "$r" 1000
	fake "$dir" vhba even "$r" $((r % 2 ? 800 : 1250))
done
out=$(python3 "$report" "$dir" 100) || fail "report.py failed"
echo "$out"

# line NAME LABEL [SKIP]: the figures of NAME's LABEL line, or of the line
# SKIP lines below it.
line() {
	awk -v n="$1" -v l="$2" -v k="${3:-0}" '
		$1 == n && $2 == l {
			for (i = 0; i < k; i++)
				getline
			s = ""
			for (i = k ? 2 : 3; i <= NF; i++)
				s = s (s == "" ? "" : " ") $i
			print s
			exit
		}' <<<"$out"
}

[ "$(line twice ratio)" = "2.00 2.00 2.00 2.00 2.00 2.00" ] ||
	fail "twice as good: ratios $(line twice ratio)"
[ "$(line twice ratio 1)" = \
	"2.00-2.00 2.00-2.00 2.00-2.00 2.00-2.00 2.00-2.00 2.00-2.00" ] ||
	fail "twice as good: intervals $(line twice ratio 1)"
even=$(line even ratio 1)
even=${even%% *}
python3 -c "import sys; lo, hi = map(float, sys.argv[1].split('-'));
sys.exit(not lo < 1.0 < hi)" "$even" ||
	fail "alternating rounds: IOPS interval $even does not span 1.0"
echo "twice as good: ratios 2.00, intervals 2.00-2.00;" \
	"alternating rounds: IOPS interval $even"
