# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Kernel splat detection, shared by selftests/run (console.log after a
# guest crash) and guest-main.sh (each test's dmesg).

# A line matching this starts a splat; "Call Trace" alone does not.
splat_re='BUG:|WARNING:|Oops|general protection|KASAN|lockdep|possible recursive locking|INFO: task .* blocked|refcount_t|UBSAN|kernel BUG|Kernel panic|rcu.*detected stall'

# splats FILE: print each splat block in a kernel log: the matching line
# and what follows, up to the end-of-trace marker or 80 lines.
splats() {
	awk -v re="$splat_re" '
		$0 ~ re { n = 80 }
		n > 0 { print; n--; if (/---\[ end trace/) n = 0 }' "$1"
}
