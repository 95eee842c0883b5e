#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exit code 4 must be reported as "# SKIP" with the reason.
. "$(dirname "$0")/../lib/guest-lib.sh"

require_cmd vconnect-no-such-command
