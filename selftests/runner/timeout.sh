#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 5
# expect: timeout
#
# Hang forever, with a background child too.  The runner must kill the
# whole process group after 5 s; this header makes that the pass condition.
sleep infinity &
echo "hanging"
sleep infinity
