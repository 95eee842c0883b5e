#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every netlink command with missing and malformed attributes is refused
# with an extack message and leaves nothing behind; duplicates of a
# vHBA's identity are refused; unprivileged callers get EPERM.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

vc_load vhba-only || fail "could not load vconnect_vhba"
python3 "$(dirname "$0")/nl_errors.py" || fail "netlink error cases failed"
vc_unload || fail "unload failed"
