#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# expect: fail
#
# A plain failure must be reported as one (the header inverts it).
. "$(dirname "$0")/../lib/guest-lib.sh"

fail "failing on purpose"
