# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Kernel splat detection, shared by selftests/run (console.log after a
# guest crash) and guest-main.sh (each test's dmesg).

# A line matching this starts a splat; "Call Trace" alone does not.  Most
# of the debug kernel's reports start with "BUG:" (KASAN, sleeping in
# atomic context) or "WARNING:" (lockdep, DEBUG_OBJECTS); the rest:
# SLUB's "BUG kmalloc-64 (Tainted: ...): Poison overwritten", lockdep's
# "INFO: trying to register non-static key", "ODEBUG:", and kmemleak's
# "unreferenced object" (which guest-main.sh reads from debugfs).
splat_re='BUG:|WARNING:|Oops|general protection|KASAN|lockdep|possible recursive locking|INFO: task .* blocked|refcount_t|UBSAN|kernel BUG|Kernel panic|rcu.*detected stall'
splat_re+='|BUG [^ ]+ [(](Not t|T)ainted|INFO: trying to register non-static key|ODEBUG:|unreferenced object 0x'
# Lines that match the above but report nothing wrong (the debug kernel's
# boot banner).
splat_ignore_re='RCU lockdep checking is enabled'

# splats FILE: print each splat block in a kernel log: the matching line
# and what follows, up to the end-of-trace marker or 80 lines.
splats() {
	awk -v re="$splat_re" -v ignore="$splat_ignore_re" '
		$0 ~ re && $0 !~ ignore { n = 80 }
		n > 0 { print; n--; if (/---\[ end trace/) n = 0 }' "$1"
}
