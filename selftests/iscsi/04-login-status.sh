#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 150
#
# Login status classes other than success: an unknown target name is
# refused (class 3, no session, no disk, the status in the log), and a
# redirection (class 1: tgt on 127.0.0.1:3262 sends the initiator to LIO
# on 127.0.0.2:3260) is followed to a working session there, also when
# it names LIO by a host name; a name that does not resolve fails the
# attach with a message saying so.
. "$(dirname "$0")/../lib/guest-lib.sh"
. "$(dirname "$0")/../lib/vconnect-lib.sh"

require_cmd fio tgtadm request-key
INAME=iqn.2026-11.org.example:statusvm
export VC_INITIATORS=$INAME LIO_ACL_INITIATORS=$INAME
vc_load || fail "could not load the modules"

# --- unknown target name ---
lio_start nf 1 32 || fail "LIO"
"$VCTL" vhba add n1 initiator "$INAME" || fail "vhba add n1"
mark=$(dmesg | wc -l)
if out=$("$VCTL" vhba attach n1 target "${TARGET_IQN}x" portal "$TARGET_PORTAL" 2>&1); then
	fail "attach to an unknown target name succeeded: $out"
fi
echo "unknown name: $out"
msgs=$(dmesg | tail -n +$((mark + 1)))
grep vconnect <<<"$msgs"
# LIO answers an unknown name with 0301 (service unavailable).
grep -q 'refused: status class 3 detail 1' <<<"$msgs" ||
	fail "no refusal with status 0301 logged"
[ -z "$(vc_disks_now n1)" ] || fail "a disk appeared"
"$VCTL" vhba del n1 || fail "vhba del n1"
lio_stop nf

# check_redirected VHBA: its session ended on LIO at 127.0.0.2:3260 and
# carries verified I/O; then delete it.
check_redirected() {
	local disk
	[ "$(vc_sess "$1" portal)" = 127.0.0.2:3260 ] ||
		fail "$1: session on $(vc_sess "$1" portal), want LIO's 127.0.0.2:3260"
	disk=$(vc_disks "$1" 1) || fail "$1: no disk after the redirection"
	fio_verify "$disk" 4M || fail "$1: I/O on the redirected session"
	"$VCTL" vhba del "$1" || fail "vhba del $1"
}

# --- redirection: tgt (which knows the name) sends us to LIO ---
# (tgt does not redirect a peer to its own address: hence 127.0.0.2.)
lio_start redir 1 32 127.0.0.2 3260 || fail "LIO on 127.0.0.2"
tgt_start redir 0 0 127.0.0.1 3262 || fail "tgt on 127.0.0.1:3262"
a="tgtadm -C $TGT_CONTROL_PORT --lld iscsi --op update --mode target --tid 1"
$a --name RedirectAddress --value 127.0.0.2 &&
	$a --name RedirectPort --value 3260 &&
	$a --name RedirectReason --value Temporary || fail "tgt redirect settings"
"$VCTL" vhba add r1 initiator "$INAME" || fail "vhba add r1"
mark=$(dmesg | wc -l)
"$VCTL" vhba attach r1 target "$TARGET_IQN" portal 127.0.0.1:3262 ||
	fail "attach through the redirection"
dmesg | tail -n +$((mark + 1)) | grep -i redirect ||
	fail "no redirection logged"
check_redirected r1

# --- redirection to a host name: resolved by the kernel's DNS resolver
# (request-key -> key.dns_resolver, which reads /etc/hosts). tgt redirects
# to addresses only, so the hostile target sends these. ---
HT=$VC_ROOT/selftests/tools/hostile_target
[ -x "$HT" ] || fail "$HT not built (make -C selftests/tools)"
echo "127.0.0.2 lio-redirect.test" >>/etc/hosts
# redirect_by_name VHBA ADDR: attach VHBA through a target that sends it
# to ADDR; returns the attach's status.
redirect_by_name() {
	local rc
	"$HT" --listen 127.0.0.1:3263 --target "$TARGET_IQN" --redirect "$2" \
		--log "ht-$1.log" 2>&1 &
	ht=$!
	wait_for "grep -q listening ht-$1.log" 10 || fail "hostile target did not start"
	"$VCTL" vhba add "$1" initiator "$INAME" || fail "vhba add $1"
	"$VCTL" vhba attach "$1" target "$TARGET_IQN" portal 127.0.0.1:3263
	rc=$?
	kill $ht
	wait $ht 2>/dev/null
	grep redirected "ht-$1.log"
	return $rc
}
redirect_by_name r2 lio-redirect.test:3260 ||
	fail "attach through a redirection to a host name"
check_redirected r2
# A name that does not resolve: the attach fails and the log says why.
mark=$(dmesg | wc -l)
if redirect_by_name r3 no-such-host.invalid:3260; then
	fail "attach through a redirection to an unknown host succeeded"
fi
dmesg | tail -n +$((mark + 1)) | grep "no-such-host.invalid:3260: the host name does not resolve" ||
	fail "no 'does not resolve' message logged"
[ -z "$(vc_disks_now r3)" ] || fail "a disk appeared on r3"
"$VCTL" vhba del r3 || fail "vhba del r3"
tgt_stop redir || fail "tgt did not stop"
lio_stop redir
vc_unload || fail "unload failed"
