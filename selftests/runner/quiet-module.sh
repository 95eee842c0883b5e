#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load the test module without splat=1: no false splat report, and the
# module's own dmesg line shows that the test's kernel log is captured.
. "$(dirname "$0")/../lib/guest-lib.sh"

ko=$VCONNECT_ROOT/selftests/modules/vconnect_splat_test.ko
[ -f "$ko" ] || fail "$ko not built"
insmod "$ko" || fail "insmod failed"
dmesg | grep -q 'vconnect_splat_test: loaded, splat=0' ||
	fail "module's load message not in dmesg"
rmmod vconnect_splat_test || fail "rmmod failed"
echo "module loaded and unloaded quietly"
