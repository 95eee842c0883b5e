#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write "kernel replies" for vconnectctl --replay FILE.

vconnectctl's hidden --replay option reads datagrams from FILE instead of a
netlink socket: each is a host-order u32 length and that many bytes of
netlink messages. This script builds them the way the vconnect module does
(nests flagged NLA_F_NESTED, 64-bit values after no padding on x86-64,
errors with NLM_F_CAPPED and extack TLVs), with the numbers taken from the
uapi header, so the reply parsing, the output and the extack reporting can
be tested without the module.

Usage: mkreplay.py SCENARIO OUTFILE   (mkreplay.py --list for scenarios)
"""

import importlib.util
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "check_uapi", os.path.join(HERE, "..", "check-uapi.py"))
check_uapi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_uapi)

_defines, _enums, _ = check_uapi.parse_header(check_uapi.DEFAULT_HEADER)
C = dict(_defines)
for _name, _members in _enums:
    C.update(dict(_members))

FAMILY = 0x20           # VC_REPLAY_FAMILY_ID in vconnectctl.h
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_MULTI, NLM_F_DUMP_INTR = 0x2, 0x10
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLA_F_NESTED = 0x8000
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_MISS_TYPE = 1, 2, 5
EPERM, ENOENT, EEXIST, EINVAL, ENOSPC = 1, 2, 17, 22, 28


def a(name):
    return C[name]


def nla(atype, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, atype) + payload + b"\0" * ((4 - length % 4) % 4)


def nla_str(atype, s):
    return nla(atype, s.encode() + b"\0")


def nla_u8(atype, v):
    return nla(atype, struct.pack("=B", v))


def nla_u16(atype, v):
    return nla(atype, struct.pack("=H", v))


def nla_u32(atype, v):
    return nla(atype, struct.pack("=I", v))


def nla_s32(atype, v):
    return nla(atype, struct.pack("=i", v))


def nla_u64(atype, v):
    return nla(atype, struct.pack("=Q", v))


def nest(atype, *attrs):
    return nla(atype | NLA_F_NESTED, b"".join(attrs))


def nlmsg(mtype, payload, flags=0):
    return struct.pack("=IHHII", 16 + len(payload), mtype, flags, 0, 0) + payload


def genlmsg(cmd, *attrs, flags=0):
    return nlmsg(FAMILY, struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs), flags)


def ack(err=0, msg=None, offs=None, miss_type=None):
    tlvs = b""
    if msg is not None:
        tlvs += nla_str(NLMSGERR_ATTR_MSG, msg)
    if offs is not None:
        tlvs += nla_u32(NLMSGERR_ATTR_OFFS, offs)
    if miss_type is not None:
        tlvs += nla_u32(NLMSGERR_ATTR_MISS_TYPE, miss_type)
    flags = NLM_F_CAPPED | (NLM_F_ACK_TLVS if tlvs else 0)
    orig = struct.pack("=IHHII", 0, FAMILY, 0, 0, 0)   # capped: header only
    return nlmsg(NLMSG_ERROR, struct.pack("=i", -err) + orig + tlvs, flags)


def done(err=0):
    return nlmsg(NLMSG_DONE, struct.pack("=i", -err), NLM_F_MULTI)


def datagram(*msgs):
    body = b"".join(msgs)
    return struct.pack("=I", len(body)) + body


def portal(atype, addr, port):
    return nest(atype, nla(a("VCONNECT_A_PORTAL_ADDR"), bytes(addr)),
                nla_u16(a("VCONNECT_A_PORTAL_PORT"), port))


def target(name, addr=(127, 0, 0, 1), port=3260, state="LOGGED_IN", isid=0x023d00000001,
           tsih=5, luns=2, cmds=10, rd=4096, wr=512, errors=0, recoveries=1,
           last_error=0, datapath=None, switches=None, failovers=None,
           last_stall=None):
    # what a module with datapath switching adds; None: an older module
    new = []
    if datapath is not None:
        new.append(nla_str(a("VCONNECT_A_TGT_DATAPATH"), datapath))
    if switches is not None:
        new.append(nla_u64(a("VCONNECT_A_TGT_SWITCHES"), switches))
    if failovers is not None:
        new.append(nla_u64(a("VCONNECT_A_TGT_FAILOVERS"), failovers))
    if last_stall is not None:
        new.append(nla_u64(a("VCONNECT_A_TGT_LAST_STALL_US"), last_stall))
    return nest(
        a("VCONNECT_A_VHBA_TARGET"),
        nla_str(a("VCONNECT_A_TGT_NAME"), name),
        portal(a("VCONNECT_A_TGT_PORTAL"), addr, port),
        nla_u32(a("VCONNECT_A_TGT_STATE"), a("VCONNECT_SESSION_" + state)),
        nla_u64(a("VCONNECT_A_TGT_ISID"), isid),
        *new,
        nla_u16(a("VCONNECT_A_TGT_TSIH"), tsih),
        nla_u32(a("VCONNECT_A_TGT_SCSI_ID"), 0),
        nla_u32(a("VCONNECT_A_TGT_NR_LUNS"), luns),
        nla_u64(a("VCONNECT_A_TGT_CMDS"), cmds),
        nla_u64(a("VCONNECT_A_TGT_READ_BYTES"), rd),
        nla_u64(a("VCONNECT_A_TGT_WRITE_BYTES"), wr),
        nla_u64(a("VCONNECT_A_TGT_ERRORS"), errors),
        nla_u64(a("VCONNECT_A_TGT_RECOVERIES"), recoveries),
        nla_u8(a("VCONNECT_A_TGT_HEADER_DIGEST"), 1),
        nla_u8(a("VCONNECT_A_TGT_DATA_DIGEST"), 0),
        nla_u32(a("VCONNECT_A_TGT_MAX_RECV_DSL"), 262144),
        nla_u32(a("VCONNECT_A_TGT_MAX_XMIT_DSL"), 8192),
        nla_u32(a("VCONNECT_A_TGT_MAX_BURST"), 262144),
        nla_u32(a("VCONNECT_A_TGT_FIRST_BURST"), 65536),
        nla_u8(a("VCONNECT_A_TGT_INITIAL_R2T"), 0),
        nla_u8(a("VCONNECT_A_TGT_IMMEDIATE_DATA"), 1),
        nla_s32(a("VCONNECT_A_TGT_LAST_ERROR"), last_error),
    )


def vhba(name, host=3, initiator=None, wwpn=0, chap_user=None, targets=(),
         flags=0, extra=b""):
    attrs = [
        nla_str(a("VCONNECT_A_VHBA_NAME"), name),
        nla_str(a("VCONNECT_A_VHBA_INITIATOR_NAME"),
                initiator or f"iqn.2024-01.com.example:{name}"),
        nla_u64(a("VCONNECT_A_VHBA_WWPN"), wwpn),
        nla_u64(a("VCONNECT_A_VHBA_WWNN"), 0),
        nla_u64(a("VCONNECT_A_VHBA_ISID"), 0x023d00000001),
    ]
    if chap_user:
        attrs.append(nla_str(a("VCONNECT_A_VHBA_CHAP_USER"), chap_user))
    attrs += [
        nla_u8(a("VCONNECT_A_VHBA_HEADER_DIGEST"), 1),
        nla_u8(a("VCONNECT_A_VHBA_DATA_DIGEST"), 0),
        nla_u32(a("VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT"), 120000),
        nla_u32(a("VCONNECT_A_VHBA_BACKEND_POLICY"), a("VCONNECT_POLICY_AUTO")),
        nla_u32(a("VCONNECT_A_VHBA_HOST_NO"), host),
        nla_str(a("VCONNECT_A_VHBA_BACKEND"), "software"),
        # an attribute from a newer module: must be ignored
        nla_u32(a("VCONNECT_A_MAX") + 5, 7),
    ]
    attrs += list(targets)
    attrs.append(extra)
    return genlmsg(a("VCONNECT_CMD_VHBA_GET"), *attrs, flags=flags)


def event(etype, vhba_name, target_name=None, err=None, stall=None):
    attrs = [nla_u32(a("VCONNECT_A_EVENT_TYPE"), a("VCONNECT_EVENT_" + etype)),
             nla_str(a("VCONNECT_A_VHBA_NAME"), vhba_name)]
    if target_name:
        attrs.append(nla_str(a("VCONNECT_A_TARGET_NAME"), target_name))
    if err is not None:
        attrs.append(nla_s32(a("VCONNECT_A_EVENT_ERROR"), err))
    if stall is not None:
        attrs.append(nla_u64(a("VCONNECT_A_EVENT_STALL_US"), stall))
    return datagram(genlmsg(a("VCONNECT_CMD_EVENT"), *attrs))


def switch_event(etype, vhba_name, target_name, cause, frm, to, err=0,
                 stall=0, time=0):
    """As vhba_notify_switch() builds them, attribute for attribute."""
    attrs = [nla_u32(a("VCONNECT_A_EVENT_TYPE"), a("VCONNECT_EVENT_" + etype)),
             nla_str(a("VCONNECT_A_VHBA_NAME"), vhba_name),
             nla_str(a("VCONNECT_A_TARGET_NAME"), target_name),
             nla_u32(a("VCONNECT_A_SWITCH_CAUSE"), a("VCONNECT_SWITCH_" + cause)),
             nla_str(a("VCONNECT_A_SWITCH_FROM"), frm),
             nla_str(a("VCONNECT_A_VHBA_BACKEND"), to)]
    if err:
        attrs.append(nla_s32(a("VCONNECT_A_EVENT_ERROR"), err))
    attrs += [nla_u64(a("VCONNECT_A_EVENT_STALL_US"), stall),
              nla_u64(a("VCONNECT_A_SWITCH_TIME_US"), time)]
    return datagram(genlmsg(a("VCONNECT_CMD_EVENT"), *attrs))


def function(pf, index, state, holder, sessions, cmds, index_attr=nla_u32):
    return nest(a("VCONNECT_A_OFFLOAD_FN"),
                nla_str(a("VCONNECT_A_FN_PF"), pf),
                index_attr(a("VCONNECT_A_FN_INDEX"), index),
                nla_str(a("VCONNECT_A_FN_STATE"), state),
                nla_str(a("VCONNECT_A_FN_HOLDER"), holder),
                nla_u32(a("VCONNECT_A_FN_SESSIONS"), sessions),
                nla_u64(a("VCONNECT_A_FN_CMDS"), cmds))


T1 = "iqn.2003-01.org.linux-iscsi.tgt:disk1"
T2 = "iqn.2003-01.org.linux-iscsi.tgt:longer-target-name"

SCENARIOS = {
    # vhba show (dump): two vHBAs in one datagram, then the end of the dump
    "show": lambda: datagram(
        vhba("vm1", host=3, wwpn=0x5001405abcdef012, chap_user="alice",
             targets=[target(T1), target(T2, addr=[0] * 15 + [1], port=3261,
                                         state="RECOVERING", isid=0x023d00000002,
                                         last_error=-110)],
             flags=NLM_F_MULTI),
        vhba("web\"2", host=4, flags=NLM_F_MULTI)) + datagram(done()),
    # vhba show NAME (doit): one reply, then the ack
    "show-one": lambda: datagram(vhba("vm1", targets=[target(T1)]), ack()),
    "show-empty": lambda: datagram(done()),
    "dump-intr": lambda: datagram(vhba("vm1", flags=NLM_F_MULTI | NLM_F_DUMP_INTR)) +
    datagram(done()),
    # a reply with a u32 attribute of 2 bytes
    "malformed": lambda: datagram(genlmsg(
        a("VCONNECT_CMD_VHBA_GET"), nla_str(a("VCONNECT_A_VHBA_NAME"), "vm1"),
        nla_u16(a("VCONNECT_A_VHBA_HOST_NO"), 3)), ack()),
    "ack": lambda: datagram(ack()),
    # vhba add vm1 initiator ...: the initiator name (offset 28) is rejected
    "exists": lambda: datagram(ack(EEXIST, msg="vconnect_vhba: a vHBA with this name already exists",
                                   offs=28)),
    # the offset of the second portal's addr in 'attach vm1 target T1 portal A portal B'
    "bad-portal": lambda: datagram(ack(EINVAL, msg="portal address must be 4 (IPv4) or 16 (IPv6) bytes",
                                       offs=20 + 8 + 4 + len(T1) + 1 + 3 + 20 + 4)),
    "missing": lambda: datagram(ack(EINVAL, miss_type=a("VCONNECT_A_TARGET_NAME"))),
    "eperm": lambda: datagram(ack(EPERM)),
    "noent": lambda: datagram(ack(ENOENT, msg="no vHBA with this name", offs=20)),
    "warning": lambda: datagram(ack(0, msg="replacement timeout rounded up")),
    "truncated": lambda: datagram(vhba("vm1")),   # no ack: the replay ends
    "discover": lambda: datagram(genlmsg(
        a("VCONNECT_CMD_DISCOVER"),
        nest(a("VCONNECT_A_DISCOVERED"), nla_str(a("VCONNECT_A_TARGET_NAME"), T1),
             nla_str(a("VCONNECT_A_DISCOVERED_ADDRESS"), "127.0.0.1:3260,1"),
             nla_str(a("VCONNECT_A_DISCOVERED_ADDRESS"), "[::1]:3260,1")),
        nest(a("VCONNECT_A_DISCOVERED"), nla_str(a("VCONNECT_A_TARGET_NAME"), T2),
             nla_str(a("VCONNECT_A_DISCOVERED_ADDRESS"), "10.0.0.2:3260,2"))), ack()),
    "events": lambda: (
        event("SESSION_UP", "vm1", T1) +
        event("RECOVERY_DONE", "vm1", T1, stall=1500) +
        event("RECOVERY_TIMEOUT", "vm2", T2, err=-110) +
        datagram(genlmsg(a("VCONNECT_CMD_EVENT"),
                         nla_u32(a("VCONNECT_A_EVENT_TYPE"), 99),
                         nla_str(a("VCONNECT_A_VHBA_NAME"), "vm1\n\"x")))),
    # vhba show from a module with datapath switching: T1 on an offload
    # function with the pair ISID after two switches, T2 recovering on none
    "show-switch": lambda: datagram(
        vhba("vm1", targets=[
            target(T1, isid=0x023d00000000, datapath="vcsim0/vf2", switches=2,
                   failovers=1, last_stall=1500),
            target(T2, addr=[0] * 15 + [1], port=3261, state="RECOVERING",
                   isid=0x023d00000001, switches=0, failovers=0, last_stall=0)],
             flags=NLM_F_MULTI)) + datagram(done()),
    "switch-ok": lambda: datagram(ack()),
    "switch-prefer": lambda: datagram(ack(
        EINVAL, msg="vconnect_vhba: policy prefer-offload would move the vHBA back: switch with policy auto or software")),
    "switch-eperm": lambda: datagram(ack(
        EPERM, msg="vconnect_vhba: the backend policy does not allow that datapath")),
    "switch-nospc": lambda: datagram(ack(ENOSPC, msg="vconnect_vhba: no offload function is free")),
    "offload": lambda: datagram(genlmsg(
        a("VCONNECT_CMD_OFFLOAD_GET"),
        function("vcsim0", 0, "assigned", "vm1", 2, 12345),
        function("vcsim0", 1, "free", "", 0, 0),
        function("vcsim1", 12, "link-down", "web-frontend", 1, 18446744073709551615)),
        ack()),
    "offload-empty": lambda: datagram(genlmsg(a("VCONNECT_CMD_OFFLOAD_GET")), ack()),
    "offload-malformed": lambda: datagram(genlmsg(
        a("VCONNECT_CMD_OFFLOAD_GET"),
        function("vcsim0", 0, "free", "", 0, 0, index_attr=nla_u16)), ack()),
    # a failover, a planned switch, a failed planned switch, another event
    "events-switch": lambda: (
        switch_event("SWITCH", "vm1", T1, "LINK_DOWN", "vcsim0/vf1", "software",
                     err=-67, stall=123456, time=123456) +
        switch_event("SWITCH", "vm2", T2, "USER", "software", "vcsim0/vf2",
                     stall=0, time=130000) +
        switch_event("SWITCH_FAILED", "vm1", T1, "USER", "software", "software",
                     err=-28) +
        event("SESSION_UP", "vm1", T1)),
    # import into an existing vHBA with CHAP user alice: query, attach, attach
    "import-existing": lambda: datagram(vhba("vm1", chap_user="alice"), ack()) +
    datagram(ack()) + datagram(ack(EEXIST, msg="target is already attached to this vHBA")),
    # import into a vHBA without CHAP; the second attach fails to log in
    "import-nochap": lambda: datagram(vhba("vm1"), ack()) + datagram(ack()) +
    datagram(ack(13, msg="target refused the login: authentication or authorization failed (check ACL and CHAP)")),
    # import creating the vHBA: query says ENOENT, then new and two attaches
    "import-create": lambda: datagram(ack(ENOENT, msg="no vHBA with this name", offs=20)) +
    datagram(ack()) + datagram(ack()) + datagram(ack()),
}


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(sorted(SCENARIOS)))
        return 0
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[2], "wb") as f:
        f.write(SCENARIOS[sys.argv[1]]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
