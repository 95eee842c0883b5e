#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of vconnectctl: no kernel module needed. Command lines are
# checked for exit status and messages; requests through --dry-run (decoded
# attributes); reply parsing, output and extack reports through the hidden
# --replay option fed by tests/mkreplay.py; the import parser on node record
# trees made here; JSON with python3 -m json.tool. Ends with the line
# "N passed, N failed".
#
# VALGRIND=1 runs every vconnectctl under valgrind (leaks are failures).

cd "$(dirname "$0")/.." || exit 1
CTL=./vconnectctl
if [ -n "$VALGRIND" ]; then
	CTL="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect ./vconnectctl"
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok $((passed + failed)) - $1"
}

not_ok() {
	failed=$((failed + 1))
	echo "not ok $((passed + failed)) - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
	sed 's/^/#   stdout: /' "$T/out" | head -n 8
	sed 's/^/#   stderr: /' "$T/err" | head -n 8
}

# t DESC EXIT REGEX CMD...: run CMD, want EXIT and REGEX (grep -E) in its
# stdout or stderr (REGEX "" checks nothing).
t() {
	local desc=$1 want=$2 re=$3 got
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		not_ok "$desc" "exit status $got, wanted $want"
	elif [ -n "$re" ] && ! cat "$T/out" "$T/err" | grep -qE -- "$re"; then
		not_ok "$desc" "no match for: $re"
	else
		ok "$desc"
	fi
}

# tn DESC REGEX CMD...: like t, but REGEX must NOT appear.
tn() {
	local desc=$1 re=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	if cat "$T/out" "$T/err" | grep -qE -- "$re"; then
		not_ok "$desc" "unexpected match for: $re"
	else
		ok "$desc"
	fi
}

# json DESC PYEXPR CMD...: CMD's stdout is one JSON document (or one per
# line with NDJSON=1) and PYEXPR, over 'd', holds.
json() {
	local desc=$1 expr=$2
	shift 2
	if ! "$@" >"$T/out" 2>"$T/err"; then
		not_ok "$desc" "command failed"
		return
	fi
	if ! python3 -m json.tool <"$T/out" >/dev/null 2>&1 && [ -z "$NDJSON" ]; then
		not_ok "$desc" "not valid JSON (python3 -m json.tool)"
		return
	fi
	if python3 -c '
import json, sys
text = open(sys.argv[1]).read()
d = [json.loads(l) for l in text.splitlines()] if sys.argv[3] else json.loads(text)
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$expr" "$NDJSON"; then
		ok "$desc"
	else
		not_ok "$desc" "JSON check failed: $expr"
	fi
}

replay() {
	python3 tests/mkreplay.py "$1" "$T/replay.$1" || echo "mkreplay $1 failed" >&2
	echo "$T/replay.$1"
}

IQN=iqn.2024-01.com.example:vm1
T1=iqn.2003-01.org.linux-iscsi.tgt:disk1
T2=iqn.2003-01.org.linux-iscsi.tgt:disk2
T3=iqn.2003-01.org.linux-iscsi.tgt:old

echo "# command line"
t "no arguments: usage, exit 2" 2 "Usage: vconnectctl" $CTL
t "help: exit 0" 0 "OBJECT := " $CTL help
t "vhba help: exit 0" 0 "vhba attach NAME target IQN" $CTL vhba help
t "vhba add help: exit 0" 0 "vhba add NAME" $CTL vhba add help
t "-V prints the version" 0 "^vconnectctl [0-9]" $CTL -V
t "unknown object" 2 "unknown keyword 'frob' after 'vconnectctl'" $CTL frob
t "unknown keyword after vhba add" 2 "^Error: unknown keyword 'foo' after 'vhba add'$" \
	$CTL vhba add vm1 initiator $IQN foo
t "ambiguous verb names the candidates" 2 "ambiguous keyword 'd' after 'vhba': could be del detach" \
	$CTL vhba d vm1
t "bad global option" 2 "Try 'vconnectctl help'" $CTL --frob vhba show
t "vhba add needs a name" 2 "'vhba add' needs a vHBA name" $CTL vhba add
t "vhba add needs an identity" 2 "needs 'initiator IQN' or 'wwpn WWPN'" $CTL vhba add vm1
t "bad vHBA name" 2 "may only contain letters" $CTL vhba add 'vm/1' initiator $IQN
t "bad initiator name" 2 "must start with iqn., eui. or naa." $CTL vhba add vm1 initiator foo.bar
t "iqn without a date" 2 "iqn.YYYY-MM" $CTL vhba add vm1 initiator iqn.example.com
t "bad WWPN" 2 "WWPN '50:01:zz' is not a WWN" $CTL vhba add vm1 wwpn 50:01:zz
t "zero WWPN" 2 "is zero" $CTL vhba add vm1 wwpn 0x0
t "bad ISID" 2 "ISID .* 12 hex digits" $CTL vhba add vm1 wwpn 0x5001405abcdef012 isid 0x1234567890abc
t "short CHAP secret" 2 "chap secret is 5 bytes long; CHAP secrets must be 12 to 256 bytes" \
	$CTL vhba add vm1 initiator $IQN chap user short
t "CHAP without a secret" 2 "'vhba add chap' needs a secret" $CTL vhba add vm1 initiator $IQN chap user
t "mutual before chap" 2 "'mutual' must follow 'chap USER SECRET'" \
	$CTL vhba add vm1 initiator $IQN mutual tuser targetsecret12
t "same secret both ways" 2 "must differ from the one-way secret" \
	$CTL vhba add vm1 initiator $IQN chap u secretsecret12 mutual t secretsecret12
printf 'tooshort\n' >"$T/short.secret"
t "short CHAP secret in a file names the file" 2 "the CHAP secret in $T/short.secret is 8 bytes" \
	$CTL vhba add vm1 initiator $IQN chap user file "$T/short.secret"
t "missing secret file" 2 "cannot read CHAP secret file $T/none" \
	$CTL vhba add vm1 initiator $IQN chap user file "$T/none"
t "bad digest" 2 "digest 'crc' is not one of" $CTL vhba add vm1 initiator $IQN digest crc
t "bad policy" 2 "policy 'fast' is not one of" $CTL vhba add vm1 initiator $IQN policy fast
t "bad timeout" 2 "replacement timeout '2m'" $CTL vhba add vm1 initiator $IQN replacement-timeout 2m
t "keyword given twice" 2 "'initiator' given twice" $CTL vhba add vm1 initiator $IQN initiator $IQN
t "attach needs a portal" 2 "at least one 'portal" $CTL vhba attach vm1 target $T1
t "attach needs a target" 2 "needs 'target IQN'" $CTL vhba attach vm1 portal 127.0.0.1
t "bad portal port" 2 "port '99999' must be 1-65535" $CTL vhba attach vm1 target $T1 portal 127.0.0.1:99999
t "unclosed IPv6 bracket" 2 "\[ADDR\]:PORT" $CTL vhba attach vm1 target $T1 portal '[::1:3260'
t "lun all with numbers" 2 "exclude each other" $CTL vhba attach vm1 target $T1 portal 127.0.0.1 lun 1 lun all
t "bad LUN" 2 "LUN 'x' is not a number" $CTL vhba attach vm1 target $T1 portal 127.0.0.1 lun x
t "detach needs target" 2 "'vhba detach' needs 'target IQN'" $CTL vhba detach vm1
t "extra words after del" 2 "unexpected 'now'" $CTL vhba del vm1 now
t "discover needs portal and initiator" 2 "needs 'portal ADDR\[:PORT\]' and 'initiator IQN'" \
	$CTL discover portal 127.0.0.1
t "monitor count 0" 2 "count must be at least 1" $CTL monitor count 0
t "import needs vhba" 2 "'import' needs 'vhba NAME'" $CTL import node-dir "$T"

echo "# requests (--dry-run)"
printf 'filesecret1234\n' >"$T/good.secret"
t "dry-run vhba add decodes every attribute" 0 "vhba-backend-policy prefer-offload" \
	$CTL -n vhba add vm1 initiator $IQN wwpn 50:01:40:5a:bc:de:f0:12 wwnn 0x2000001405abcdef \
	isid 400001370000 alias web chap alice file "$T/good.secret" \
	mutual tgt targetsecret99 digest header repl 500ms pol prefer
for re in "vhba-wwpn 0x5001405abcdef012" "vhba-wwnn 0x2000001405abcdef" "vhba-isid 0x400001370000" \
	"vhba-chap-secret <secret, 14 bytes>" "vhba-mchap-secret <secret, 14 bytes>" \
	"vhba-header-digest 1" "vhba-data-digest 0" "vhba-replacement-timeout 500$"; do
	grep -qE -- "$re" "$T/out" && ok "dry-run add: $re" || not_ok "dry-run add: $re"
done
tn "dry-run never prints a secret" "targetsecret99|filesecret1234" \
	$CTL -n vhba add vm1 initiator $IQN chap alice file "$T/good.secret" mutual tgt targetsecret99
json "dry-run -j attach: portals and LUNs as arrays" \
	'd["request"] == "target-attach" and d["attrs"]["target-portal"] == [{"addr": "127.0.0.1", "port": 3260}, {"addr": "fd00::1", "port": 3261}] and d["attrs"]["target-lun"] == [0, 1, 7]' \
	$CTL -n -j vhba attach vm1 target $T1 portal 127.0.0.1 portal '[fd00::1]:3261' lun 0 1 lun 7
json "dry-run -j lun all sends no LUN" '"target-lun" not in d["attrs"]' \
	$CTL -n -j vhba attach vm1 target $T1 portal 127.0.0.1 lun all
json "dry-run show without a name is a dump" 'd["request"] == "vhba-get" and d["dump"]' \
	$CTL -n -j vhba show
json "dry-run show NAME is a doit" 'not d["dump"] and d["attrs"]["vhba-name"] == "vm1"' \
	$CTL -n -j vhba show vm1
json "dry-run discover" 'd["attrs"]["vhba-initiator-name"] == "'$IQN'" and d["attrs"]["target-portal"][0]["port"] == 3262' \
	$CTL -n -j discover portal 10.0.0.1:3262 initiator $IQN chap u secretsecret12
t "dry-run detach" 0 "target-name $T1" $CTL -n vhba detach vm1 target $T1
t "unique prefixes work" 0 "request vhba-rescan" $CTL -n vh resc vm1
t "-p implies -j" 0 '^  "request": "vhba-del"' $CTL -n -p vhba del vm1

echo "# replies (--replay)"
if [ ! -d /sys/module/vconnect_vhba ]; then
	t "module missing: clear error, exit 1" 1 \
		"^Error: vconnect generic netlink family not found: is the vconnect_vhba module loaded\?$" \
		$CTL vhba show
fi
t "show: text" 0 "^vm1  host 3  initiator $IQN  isid 0x023d00000001  backend software$" \
	$CTL --replay "$(replay show)" vhba show
grep -qE "^  target $T1  +portal 127.0.0.1:3260  +state logged-in  +tsih 5" "$T/out" &&
	ok "show: target line" || not_ok "show: target line"
grep -qE "^    cmds 10  read 4096  write 512  errors 0  recoveries 1$" "$T/out" &&
	ok "show: counters line" || not_ok "show: counters line"
grep -qE "^    digest crc32c/none  mrdsl 262144/8192  burst 65536/262144  immediate yes  initial-r2t no$" "$T/out" &&
	ok "show: negotiated parameters" || not_ok "show: negotiated parameters"
grep -qE "portal \[::1\]:3261 .*state recovering  isid 0x023d00000002.*last-error -110 \(Connection timed out\)" "$T/out" &&
	ok "show: IPv6 portal, other ISID, last error" || not_ok "show: IPv6 portal, other ISID, last error"
a=$(grep -n "portal 127" "$T/out" | head -1 | sed 's/:.*//')
c1=$(sed -n "${a}p" "$T/out" | grep -bo "portal" | head -1 | cut -d: -f1)
c2=$(grep "portal \[::1\]" "$T/out" | grep -bo "portal" | head -1 | cut -d: -f1)
[ "$c1" = "$c2" ] && ok "show: target columns aligned" || not_ok "show: target columns aligned" "$c1 != $c2"
json "show -j: types and formats" \
	'd[0]["host"] == 3 and d[0]["isid"] == "023d00000001" and d[0]["wwpn"] == "0x5001405abcdef012" and d[0]["targets"][1]["last-error"] == -110 and d[0]["targets"][0]["read-bytes"] == 4096 and d[0]["targets"][0]["portal"] == {"address": "127.0.0.1", "port": 3260} and d[1]["name"] == "web\"2" and "wwnn" not in d[0]' \
	$CTL -j --replay "$(replay show)" vhba show
json "show -p: valid" 'len(d) == 2' $CTL -p --replay "$(replay show)" vhba show
json "show -j: an empty list is []" 'd == []' $CTL -j --replay "$(replay show-empty)" vhba show
t "show NAME: doit reply" 0 "^vm1  host 3" $CTL --replay "$(replay show-one)" vhba show vm1
t "malformed reply: refused" 1 "malformed attribute from the kernel: vconnect.vhba-host-no \(2 bytes\)" \
	$CTL --replay "$(replay malformed)" vhba show vm1
t "dump interrupted: say so" 1 "changed while it was read" $CTL --replay "$(replay dump-intr)" vhba show
t "extack message and offending attribute" 1 \
	"^Error: vhba add vm1: vconnect_vhba: a vHBA with this name already exists \(File exists\), attribute 'vhba-initiator-name'$" \
	$CTL --replay "$(replay exists)" vhba add vm1 initiator $IQN
t "extack offset inside a nest" 1 "attribute 'target-portal.addr'$" \
	$CTL --replay "$(replay bad-portal)" vhba attach vm1 target $T1 portal 127.0.0.1 portal 10.0.0.1
t "extack missing attribute" 1 "Invalid argument, missing attribute 'target-name'" \
	$CTL --replay "$(replay missing)" vhba detach vm1 target $T1
t "EPERM: needs CAP_NET_ADMIN" 1 "need CAP_NET_ADMIN" $CTL --replay "$(replay eperm)" vhba del vm1
t "ack with a warning" 0 "^Warning: replacement timeout rounded up" $CTL --replay "$(replay warning)" vhba rescan vm1
t "discover: text" 0 "^$T1  127.0.0.1:3260,1  \[::1\]:3260,1$" \
	$CTL --replay "$(replay discover)" discover portal 127.0.0.1 initiator $IQN
json "discover -j" 'd[0]["addresses"] == ["127.0.0.1:3260,1", "[::1]:3260,1"] and d[1]["target"].endswith("longer-target-name")' \
	$CTL -j --replay "$(replay discover)" discover portal 127.0.0.1 initiator $IQN
t "monitor: one line per event" 0 "^recovery-timeout  vhba vm2  target .*  error -110 \(Connection timed out\)$" \
	$CTL --replay "$(replay events)" monitor
[ "$(wc -l <"$T/out")" -eq 4 ] && ok "monitor: 4 events, 4 lines (control characters escaped)" ||
	not_ok "monitor: 4 events, 4 lines (control characters escaped)"
NDJSON=1 json "monitor -j: one object per line" \
	'len(d) == 4 and d[1] == {"event": "recovery-done", "vhba": "vm1", "target": "'$T1'", "stall-us": 1500} and d[3]["vhba"] == "vm1\n\"x"' \
	$CTL -j -p --replay "$(replay events)" monitor
t "monitor: count and vhba filter" 0 "" $CTL --replay "$(replay events)" monitor vhba vm2 count 1
[ "$(wc -l <"$T/out")" -eq 1 ] && grep -q "^recovery-timeout  vhba vm2" "$T/out" &&
	ok "monitor: filter kept the one vm2 event" || not_ok "monitor: filter kept the one vm2 event"

echo "# datapath switch and offload pool"
t "switch: needs a name" 2 "^Error: 'vhba switch' needs a vHBA name$" $CTL vhba switch
t "switch: needs a datapath" 2 "^Error: 'vhba switch' needs a datapath to switch to: offload or software$" \
	$CTL vhba switch vm1
t "switch: unknown datapath" 2 "^Error: datapath 'fast' is not one of offload, software$" \
	$CTL vhba switch vm1 fast
t "switch: 'unspec' is no datapath" 2 "datapath 'unspec' is not one of" $CTL vhba switch vm1 unspec
t "switch: bad vHBA name" 2 "may only contain letters" $CTL vhba switch 'vm/1' offload
t "switch: bad policy" 2 "^Error: policy 'fast' is not one of auto, software, prefer-offload, offload$" \
	$CTL vhba switch vm1 offload policy fast
t "switch: policy without a value" 2 "'vhba switch policy' needs a policy" $CTL vhba switch vm1 offload policy
t "switch: policy given twice" 2 "'policy' given twice after 'vhba switch'" \
	$CTL vhba switch vm1 offload policy auto policy auto
t "switch: unknown keyword" 2 "unknown keyword 'now' after 'vhba switch'" $CTL vhba switch vm1 offload now
t "switch: offload with policy software, nothing sent" 2 "policy software does not allow the offload datapath" \
	$CTL -n vhba switch vm1 offload policy software
t "switch: software with policy offload, nothing sent" 2 "policy offload does not allow the software datapath" \
	$CTL -n vhba switch vm1 software policy offload
t "switch: help" 0 "vhba switch NAME \{ offload \| software \}" $CTL vhba switch help
t "'vhba s' is ambiguous now" 2 "could be show switch" $CTL vhba s vm1
t "help names the new commands" 0 "offload show" $CTL help
grep -q "vhba switch NAME" "$T/out" && ok "help: vhba switch" || not_ok "help: vhba switch"
t "offload: unknown verb" 2 "unknown keyword 'frob' after 'offload'" $CTL offload frob
t "offload show: extra words" 2 "unexpected 'vm1' after 'offload show'" $CTL offload show vm1
t "offload help" 0 "^Usage: vconnectctl offload show$" $CTL offload help
json "dry-run switch: request" \
	'd == {"request": "vhba-switch", "dump": False, "attrs": {"vhba-name": "vm1", "switch-to": "offload"}}' \
	$CTL -n -j vhba switch vm1 offload
json "dry-run switch: prefixes, policy" \
	'd["attrs"] == {"vhba-name": "vm1", "switch-to": "software", "vhba-backend-policy": "auto"}' \
	$CTL -n -j vhba sw vm1 soft pol auto
t "dry-run switch: text" 0 "^  vhba-backend-policy prefer-offload$" $CTL -n vhba switch vm1 o policy prefer
grep -q "^  switch-to offload$" "$T/out" && ok "dry-run switch: switch-to decoded" ||
	not_ok "dry-run switch: switch-to decoded"
json "dry-run offload show: a doit without attributes" \
	'd == {"request": "offload-get", "dump": False, "attrs": {}}' $CTL -n -j offload show
json "dry-run offload: show is the default" 'd["request"] == "offload-get"' $CTL -n -j offload
t "switch: done, silent" 0 "" $CTL --replay "$(replay switch-ok)" vhba switch vm1 offload policy prefer-offload
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] && ok "switch: no output on success" ||
	not_ok "switch: no output on success"
t "switch: the kernel's extack message" 1 \
	"^Error: vhba switch vm1 software: vconnect_vhba: policy prefer-offload would move the vHBA back: switch with policy auto or software \(Invalid argument\)$" \
	$CTL --replay "$(replay switch-prefer)" vhba switch vm1 software
t "switch: no free function" 1 \
	"^Error: vhba switch vm1 offload: vconnect_vhba: no offload function is free \(No space left on device\)$" \
	$CTL --replay "$(replay switch-nospc)" vhba switch vm1 offload
tn "switch: no CAP_NET_ADMIN hint for ENOSPC" "CAP_NET_ADMIN" \
	$CTL --replay "$(replay switch-nospc)" vhba switch vm1 offload
t "switch: EPERM from the policy" 1 \
	"^Error: vhba switch vm1 offload: vconnect_vhba: the backend policy does not allow that datapath \(Operation not permitted\)$" \
	$CTL --replay "$(replay switch-eperm)" vhba switch vm1 offload
tn "switch: EPERM with a message is no CAP_NET_ADMIN matter" "CAP_NET_ADMIN" \
	$CTL --replay "$(replay switch-eperm)" vhba switch vm1 offload
t "offload show: header" 0 "^PF      VF  STATE      HOLDER        SESSIONS                  CMDS$" \
	$CTL --replay "$(replay offload)" offload show
for re in "^vcsim0   0  assigned   vm1                  2                 12345$" \
	"^vcsim0   1  free       -                    0                     0$" \
	"^vcsim1  12  link-down  web-frontend         1  18446744073709551615$"; do
	grep -qE -- "$re" "$T/out" && ok "offload show: row $re" || not_ok "offload show: row $re"
done
[ "$(wc -l <"$T/out")" -eq 4 ] && ok "offload show: header and 3 rows" || not_ok "offload show: header and 3 rows"
json "offload show -j: one object per function" \
	'd == [{"pf": "vcsim0", "vf": 0, "state": "assigned", "holder": "vm1", "sessions": 2, "cmds": 12345}, {"pf": "vcsim0", "vf": 1, "state": "free", "holder": None, "sessions": 0, "cmds": 0}, {"pf": "vcsim1", "vf": 12, "state": "link-down", "holder": "web-frontend", "sessions": 1, "cmds": 18446744073709551615}]' \
	$CTL -j --replay "$(replay offload)" offload show
json "offload show -p: valid" 'len(d) == 3 and d[2]["vf"] == 12' $CTL -p --replay "$(replay offload)" offload
json "offload show -j: an empty pool is []" 'd == []' $CTL -j --replay "$(replay offload-empty)" offload show
t "offload show: an empty pool is the header only" 0 "^PF  VF  STATE  HOLDER  SESSIONS  CMDS$" \
	$CTL --replay "$(replay offload-empty)" offload show
[ "$(wc -l <"$T/out")" -eq 1 ] && ok "offload show: empty, one line" || not_ok "offload show: empty, one line"
t "offload show: malformed function refused" 1 "malformed attribute from the kernel: function.index \(2 bytes\)" \
	$CTL --replay "$(replay offload-malformed)" offload show
[ ! -s "$T/out" ] && ok "offload show: nothing printed from a malformed reply" ||
	not_ok "offload show: nothing printed from a malformed reply"
t "show: datapath line" 0 \
	"^    datapath vcsim0/vf2  isid 0x023d00000000  switches 2  failovers 1  last-stall 1500us$" \
	$CTL --replay "$(replay show-switch)" vhba show
grep -qE "^    datapath -           isid 0x023d00000001  switches 0  failovers 0  last-stall 0us$" "$T/out" &&
	ok "show: a session on no datapath, columns aligned" ||
	not_ok "show: a session on no datapath, columns aligned"
grep -qE "state logged-in   tsih 5" "$T/out" && ok "show: state column padded" || not_ok "show: state column padded"
tn "show: no trailing blanks" " $" $CTL --replay "$(replay show-switch)" vhba show
tn "show: older module, no datapath line" "datapath" $CTL --replay "$(replay show)" vhba show
json "show -j: datapath, isid, switches, failovers, last-stall-us" \
	'[(t.get("datapath"), t["isid"], t["switches"], t["failovers"], t["last-stall-us"]) for t in d[0]["targets"]] == [("vcsim0/vf2", "023d00000000", 2, 1, 1500), (None, "023d00000001", 0, 0, 0)]' \
	$CTL -j --replay "$(replay show-switch)" vhba show
t "monitor: failover" 0 \
	"^switch  vhba vm1  target $T1  cause link-down  from vcsim0/vf1  to software  error -67 \(Link has been severed\)  stall 123456us  time 123456us$" \
	$CTL --replay "$(replay events-switch)" monitor
grep -qE "^switch  vhba vm2  target .*  cause user  from software  to vcsim0/vf2  stall 0us  time 130000us$" "$T/out" &&
	ok "monitor: planned switch" || not_ok "monitor: planned switch"
grep -qE "^switch-failed  vhba vm1  target $T1  cause user  from software  error -28 \(No space left on device\)$" "$T/out" &&
	ok "monitor: failed switch, no 'to', no zero stall" || not_ok "monitor: failed switch, no 'to', no zero stall"
[ "$(wc -l <"$T/out")" -eq 4 ] && ok "monitor: switch events, one line each" ||
	not_ok "monitor: switch events, one line each"
NDJSON=1 json "monitor -j: switch events" \
	'len(d) == 4 and d[0] == {"event": "switch", "vhba": "vm1", "target": "'$T1'", "cause": "link-down", "from": "vcsim0/vf1", "to": "software", "error": -67, "stall-us": 123456, "time-us": 123456} and d[1]["time-us"] == 130000 and d[1]["stall-us"] == 0 and d[2] == {"event": "switch-failed", "vhba": "vm1", "target": "'$T1'", "cause": "user", "from": "software", "error": -28} and d[3]["event"] == "session-up"' \
	$CTL -j --replay "$(replay events-switch)" monitor
t "monitor: vhba filter and count with switch events" 0 "" \
	$CTL --replay "$(replay events-switch)" monitor vhba vm1 count 2
[ "$(wc -l <"$T/out")" -eq 2 ] && grep -q "^switch  vhba vm1" "$T/out" && grep -q "^switch-failed  vhba vm1" "$T/out" &&
	ok "monitor: filter kept vm1's two switch events" || not_ok "monitor: filter kept vm1's two switch events"
NDJSON=1 json "monitor -j: vhba filter" 'len(d) == 1 and d[0]["vhba"] == "vm2" and d[0]["to"] == "vcsim0/vf2"' \
	$CTL -j --replay "$(replay events-switch)" monitor vhba vm2

echo "# import"
N=$T/nodes
mkdir -p "$N/$T1/127.0.0.1,3260,1" "$N/$T1/::1,3261,1" "$N/$T2/10.0.0.2,3260,2" "$N/$T3"
record() {	# record FILE TARGET ADDR PORT [extra lines...]
	local f=$1 target=$2 addr=$3 port=$4
	shift 4
	{
		echo "# BEGIN RECORD 2.1.8"
		echo "node.name = $target"
		echo "node.tpgt = 1"
		echo "node.startup = manual"
		echo "iface.iscsi_ifacename = default"
		echo "node.conn[0].address = $addr"
		echo "node.conn[0].port = $port"
		echo "node.conn[0].iscsi.DataDigest = None"
		for line in "$@"; do echo "$line"; done
		echo "# END RECORD"
	} >"$f"
}
# T1: two portals, one with two iface records (deduplicated), CHAP
# (open-iscsi trims values, so the password below is 16 bytes).
record "$N/$T1/127.0.0.1,3260,1/default" $T1 127.0.0.1 3260 \
	"node.session.auth.authmethod = CHAP" "node.session.auth.username = alice" \
	"node.session.auth.password =   alice-secret-1   " "node.conn[0].iscsi.HeaderDigest = CRC32C,None"
cp "$N/$T1/127.0.0.1,3260,1/default" "$N/$T1/127.0.0.1,3260,1/iface1"
record "$N/$T1/::1,3261,1/default" $T1 ::1 3261 "node.session.auth.authmethod = None"
# T2: mutual CHAP with other credentials
record "$N/$T2/10.0.0.2,3260,2/default" $T2 10.0.0.2 3260 \
	"node.session.auth.authmethod = CHAP" "node.session.auth.username = bob" \
	"node.session.auth.password = bob-secret-12" "node.session.auth.username_in = tgt" \
	"node.session.auth.password_in = target-secret-99"
# T3: the old layout, the record a file named ADDR,PORT
record "$N/$T3/192.0.2.7,3260" $T3 192.0.2.7 3260 "node.session.auth.authmethod = None"

t "import --dry-run: creates the vHBA with the first target's CHAP" 0 \
	"vHBA vm1 would be created if it does not exist, with CHAP from $N/$T1/127.0.0.1,3260,1/default" \
	$CTL import node-dir "$N" vhba vm1 initiator $IQN --dry-run
for re in "vhba-chap-user alice" "vhba-chap-secret <secret, 14 bytes>" "vhba-header-digest 1" \
	"vhba-data-digest 0" "# attach target $T1" "# attach target $T3" "addr 192.0.2.7"; do
	grep -qE -- "$re" "$T/out" && ok "import dry-run: $re" || not_ok "import dry-run: $re"
done
[ "$(grep -c "request target-attach" "$T/out")" -eq 3 ] && ok "import: one attach per target" ||
	not_ok "import: one attach per target"
grep -q "uses CHAP user 'bob', the vHBA gets user 'alice'" "$T/err" &&
	ok "import: conflicting CHAP users reported" || not_ok "import: conflicting CHAP users reported"
NDJSON=1 json "import -n -j: T1 with both portals, deduplicated" \
	'[r["attrs"]["target-portal"] for r in d if r["request"] == "target-attach" and r["attrs"]["target-name"] == "'$T1'"] == [[{"addr": "127.0.0.1", "port": 3260}, {"addr": "::1", "port": 3261}]]' \
	$CTL -n -j import node-dir "$N" vhba vm1
NDJSON=1 json "import target filter" 'len(d) == 1 and d[0]["attrs"]["target-name"] == "'$T3'"' \
	$CTL -n -j import node-dir "$N" target $T3 vhba vm1
t "import: unknown target" 1 "no node record for target iqn.2003-01.org.x:none in $N" \
	$CTL -n import node-dir "$N" target iqn.2003-01.org.x:none vhba vm1
t "import: no such directory" 1 "cannot read node records in $T/nope" $CTL -n import node-dir "$T/nope" vhba vm1
mkdir "$T/empty"
t "import: empty directory" 1 "no node records in $T/empty" $CTL -n import node-dir "$T/empty" vhba vm1

B=$T/bad
mkdir -p "$B/$T1/127.0.0.1,3260,1"
record "$B/$T1/127.0.0.1,3260,1/default" $T1 127.0.0.1 3260 \
	"node.session.auth.authmethod = CHAP" "node.session.auth.username = u" "node.session.auth.password = short"
t "import: short password names the record" 1 \
	"$B/$T1/127.0.0.1,3260,1/default: node.session.auth.password is 5 bytes long" \
	$CTL -n import node-dir "$B" vhba vm1
record "$B/$T1/127.0.0.1,3260,1/default" $T1 127.0.0.1 3260 "node.session.auth.authmethod = CHAP"
t "import: CHAP without credentials" 1 "authmethod is CHAP but .* missing" $CTL -n import node-dir "$B" vhba vm1
record "$B/$T1/127.0.0.1,3260,1/default" $T1 127.0.0.1 70000
t "import: bad port with file and line" 1 "default:7: port '70000' is not 1-65535" $CTL -n import node-dir "$B" vhba vm1
printf 'node.name = %s\nnode.conn[0].port = 3260\n' $T1 >"$B/$T1/127.0.0.1,3260,1/default"
t "import: record without an address" 1 "no node.conn\[0\].address" $CTL -n import node-dir "$B" vhba vm1
printf 'node.name %s\n' $T1 >"$B/$T1/127.0.0.1,3260,1/default"
t "import: line without '='" 1 "default:1: expected 'key = value'" $CTL -n import node-dir "$B" vhba vm1
printf 'node.conn[0].address = 127.0.0.1\n' >"$B/$T1/127.0.0.1,3260,1/default"
t "import: target name from the directory" 0 "target-name $T1" $CTL -n import node-dir "$B" vhba vm1

t "import into an existing vHBA: keeps its CHAP, skips attached" 0 \
	"^skipped  $T2  \(already attached to vm1\)" \
	$CTL --replay "$(replay import-existing)" import node-dir "$N" target $T1 target $T2 vhba vm1
grep -q "vHBA vm1 keeps its CHAP user 'alice'; the record's user 'bob' is not applied" "$T/err" &&
	ok "import: says the vHBA keeps its CHAP" || not_ok "import: says the vHBA keeps its CHAP"
t "import: vHBA without CHAP, a login fails: exit 1" 1 \
	"has no CHAP credentials, and they cannot be added to an existing vHBA" \
	$CTL --replay "$(replay import-nochap)" import node-dir "$N" target $T1 target $T2 vhba vm1
grep -q "^attached  $T1  to vm1  portals 127.0.0.1:3260 \[::1\]:3261$" "$T/out" &&
	ok "import: attached line lists the portals" || not_ok "import: attached line lists the portals"
grep -q "target refused the login" "$T/err" && ! grep -q CAP_NET_ADMIN "$T/err" &&
	ok "import: login error from extack, no CAP_NET_ADMIN hint" ||
	not_ok "import: login error from extack, no CAP_NET_ADMIN hint"
json "import -j: summary" \
	'd["vhba"] == "vm1" and d["created"] and [t["result"] for t in d["targets"]] == ["attached", "attached"]' \
	$CTL -j --replay "$(replay import-create)" import node-dir "$N" target $T1 target $T3 vhba vm1 initiator $IQN
t "import: missing vHBA without an identity" 1 "vHBA vm1 does not exist: create it" \
	$CTL --replay "$(replay import-create)" import node-dir "$N" vhba vm1

echo "# check-uapi"
t "check-uapi: header, spec and attrs.c agree" 0 "^check-uapi: OK" python3 check-uapi.py
sed 's/VCONNECT_EVENT_VHBA_DEL,/VCONNECT_EVENT_VHBA_DEL,\n\tVCONNECT_EVENT_NEW_ONE,/' \
	../include/uapi/linux/vconnect.h >"$T/vconnect.h"
t "check-uapi: a header change is a diff, exit 1" 1 "^    \+?-VCONNECT_EVENT_NEW_ONE = 9$" \
	python3 check-uapi.py --header "$T/vconnect.h"
sed 's/name: switch-failed/name: switch-fail/' ../Documentation/netlink/specs/vconnect.yaml >"$T/spec.yaml"
t "check-uapi: a spec change is a diff, exit 1" 1 "^    \+VCONNECT_EVENT_SWITCH_FAIL = 10$" \
	python3 check-uapi.py --spec "$T/spec.yaml" --attrs ''
sed '/VCONNECT_A_FN_CMDS\]/d' attrs.c >"$T/attrs.c"
t "check-uapi: a missing attrs.c entry, exit 1" 1 "no table entry for VCONNECT_A_FN_CMDS \(cmds\)" \
	python3 check-uapi.py --attrs "$T/attrs.c"
sed 's/"vhba-wwnn", VC_U64/"vhba-wwnn", VC_U32/' attrs.c >"$T/attrs.c"
t "check-uapi: a table change in attrs.c, exit 1" 1 "VCONNECT_A_VHBA_WWNN is" \
	python3 check-uapi.py --attrs "$T/attrs.c"

echo "# unit"
./tests/unit >"$T/unit.out" 2>/dev/null
while read -r status rest; do
	case "$status" in
	ok) passed=$((passed + 1)); echo "ok $((passed + failed)) $rest" ;;
	not) failed=$((failed + 1)); echo "not ok $((passed + failed)) ${rest#ok }" ;;
	esac
done <"$T/unit.out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
