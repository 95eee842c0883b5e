#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# expect: splat
#
# Load the test module with splat=1: its init fires a WARN.  The runner
# must catch it; this header makes catching it the pass condition.
. "$(dirname "$0")/../lib/guest-lib.sh"

ko=$VCONNECT_ROOT/selftests/modules/vconnect_splat_test.ko
[ -f "$ko" ] || fail "$ko not built"
insmod "$ko" splat=1 || fail "insmod failed"
rmmod vconnect_splat_test || fail "rmmod failed"
