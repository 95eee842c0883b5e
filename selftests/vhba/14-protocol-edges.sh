#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# The software datapath's protocol edges that LIO and tgt with their
# defaults never reach (iscsi_emul/tests/extra.sh: continued login and
# SendTargets responses, mutual CHAP in base64, CmdSN wrap, IPv6, unknown
# target, login redirection, InitialR2T=No with small segments and digests,
# LUN/target reset, ABORT TASK on a slow LUN).
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

bash "$VC_ROOT/iscsi_emul/tests/extra.sh" || fail "protocol edge cases failed"
vc_unload || fail "unload failed"
