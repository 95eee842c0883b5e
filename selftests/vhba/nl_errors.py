#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every vconnect netlink command with missing and malformed attributes:
each must be refused with the right errno and an extack message, and must
leave no trace (no vHBA created). Prints TAP; exits non-zero on failure."""
import errno
import socket
import struct
import sys

from vconnect_nl import (C, Genl, NetlinkError, nla, nla_nest, nla_str,
                         nla_u8, nla_u16, nla_u32, nla_u64)

A = C
IQN = "iqn.2026-11.org.example:nltest"
TGT = "iqn.2026-11.org.example:nosuch"


def portal(addr=b"\x7f\0\0\x01", port=3260):
    parts = [nla(A["VCONNECT_A_PORTAL_ADDR"], addr)]
    if port is not None:
        parts.append(nla_u16(A["VCONNECT_A_PORTAL_PORT"], port))
    return nla_nest(A["VCONNECT_A_TARGET_PORTAL"], *parts)


def name(n="nlt0"):
    return nla_str(A["VCONNECT_A_VHBA_NAME"], n)


NEW = A["VCONNECT_CMD_VHBA_NEW"]
DEL = A["VCONNECT_CMD_VHBA_DEL"]
GET = A["VCONNECT_CMD_VHBA_GET"]
ATT = A["VCONNECT_CMD_TARGET_ATTACH"]
DET = A["VCONNECT_CMD_TARGET_DETACH"]
RSC = A["VCONNECT_CMD_VHBA_RESCAN"]
DSC = A["VCONNECT_CMD_DISCOVER"]
iname = lambda s=IQN: nla_str(A["VCONNECT_A_VHBA_INITIATOR_NAME"], s)

CASES = [
    # (description, cmd, payload, errno, message substring)
    ("new: no attributes", NEW, b"", errno.EINVAL, "missing"),
    ("new: name only", NEW, name(), errno.EINVAL, "initiator name or a WWPN"),
    ("new: empty name", NEW, name("") + iname(), errno.EINVAL, "1 to 31"),
    ("new: name too long", NEW, name("x" * 40) + iname(), errno.EINVAL, ""),
    ("new: name with slash", NEW, name("a/b") + iname(), errno.EINVAL, "may only contain"),
    ("new: name not a string", NEW, nla(A["VCONNECT_A_VHBA_NAME"], b"ab"), errno.EINVAL, ""),
    ("new: bad initiator prefix", NEW, name() + iname("foo.bar"), errno.EINVAL, "iqn., eui. or naa."),
    ("new: uppercase initiator", NEW, name() + iname("iqn.2026-11.org.Example:x"), errno.EINVAL, "lowercase"),
    ("new: short iqn date", NEW, name() + iname("iqn.26-11.org"), errno.EINVAL, "iqn.yyyy-mm"),
    ("new: bad eui", NEW, name() + iname("eui.12345"), errno.EINVAL, "16 hex"),
    ("new: zero wwpn", NEW, name() + nla_u64(A["VCONNECT_A_VHBA_WWPN"], 0), errno.EINVAL, "WWPN"),
    ("new: wwpn wrong size", NEW, name() + nla_u32(A["VCONNECT_A_VHBA_WWPN"], 5), errno.EINVAL, ""),
    ("new: isid > 48 bits", NEW, name() + iname() + nla_u64(A["VCONNECT_A_VHBA_ISID"], 1 << 50), errno.EINVAL, "48 bits"),
    ("new: chap user without secret", NEW, name() + iname() + nla_str(A["VCONNECT_A_VHBA_CHAP_USER"], "u"), errno.EINVAL, "both a user name and a secret"),
    ("new: chap secret too short", NEW, name() + iname() + nla_str(A["VCONNECT_A_VHBA_CHAP_USER"], "u") + nla(A["VCONNECT_A_VHBA_CHAP_SECRET"], b"short"), errno.ERANGE, "size out of range"),
    ("new: mutual without one-way", NEW, name() + iname() + nla_str(A["VCONNECT_A_VHBA_MCHAP_USER"], "m") + nla(A["VCONNECT_A_VHBA_MCHAP_SECRET"], b"y" * 12), errno.EINVAL, "one-way"),
    ("new: mutual secret equals one-way", NEW, name() + iname() + nla_str(A["VCONNECT_A_VHBA_CHAP_USER"], "u") + nla(A["VCONNECT_A_VHBA_CHAP_SECRET"], b"x" * 12) + nla_str(A["VCONNECT_A_VHBA_MCHAP_USER"], "m") + nla(A["VCONNECT_A_VHBA_MCHAP_SECRET"], b"x" * 12), errno.EINVAL, "differ"),
    ("new: digest value 2", NEW, name() + iname() + nla_u8(A["VCONNECT_A_VHBA_HEADER_DIGEST"], 2), errno.ERANGE, ""),
    ("new: replacement timeout 0", NEW, name() + iname() + nla_u32(A["VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT"], 0), errno.ERANGE, ""),
    ("new: policy out of range", NEW, name() + iname() + nla_u32(A["VCONNECT_A_VHBA_BACKEND_POLICY"], 99), errno.ERANGE, ""),
    ("new: unknown attribute", NEW, name() + iname() + nla(200, b"\0\0\0\0"), errno.EINVAL, ""),
    ("del: missing name", DEL, b"", errno.EINVAL, "missing vHBA name"),
    ("del: unknown vhba", DEL, name("nosuch"), errno.ENOENT, "no vHBA"),
    ("get: unknown vhba", GET, name("nosuch"), errno.ENOENT, "no vHBA"),
    ("attach: missing everything", ATT, b"", errno.EINVAL, "missing"),
    ("attach: missing target", ATT, name(), errno.EINVAL, "missing"),
    ("attach: bad target name", ATT, name() + nla_str(A["VCONNECT_A_TARGET_NAME"], "bad"), errno.EINVAL, "iqn."),
    ("attach: no portal", ATT, name() + nla_str(A["VCONNECT_A_TARGET_NAME"], TGT), errno.EINVAL, "portal"),
    ("attach: portal 3-byte address", ATT, name() + nla_str(A["VCONNECT_A_TARGET_NAME"], TGT) + portal(b"\1\2\3"), errno.ERANGE, "size out of range"),
    ("attach: portal 5-byte address", ATT, name() + nla_str(A["VCONNECT_A_TARGET_NAME"], TGT) + portal(b"\1\2\3\4\5"), errno.EINVAL, "4 (IPv4) or 16"),
    ("attach: portal without address", ATT, name() + nla_str(A["VCONNECT_A_TARGET_NAME"], TGT) + nla_nest(A["VCONNECT_A_TARGET_PORTAL"], nla_u16(A["VCONNECT_A_PORTAL_PORT"], 3260)), errno.EINVAL, "address"),
    ("attach: port 0", ATT, name() + nla_str(A["VCONNECT_A_TARGET_NAME"], TGT) + portal(port=0), errno.ERANGE, ""),
    ("attach: unknown vhba", ATT, name("nosuch") + nla_str(A["VCONNECT_A_TARGET_NAME"], TGT) + portal(), errno.ENOENT, "no vHBA"),
    ("attach: too many portals", ATT, name() + nla_str(A["VCONNECT_A_TARGET_NAME"], TGT) + portal() * 9, errno.E2BIG, "too many portals"),
    ("detach: missing target", DET, name(), errno.EINVAL, "missing"),
    ("detach: unknown vhba", DET, name("nosuch") + nla_str(A["VCONNECT_A_TARGET_NAME"], TGT), errno.ENOENT, "no vHBA"),
    ("rescan: unknown vhba", RSC, name("nosuch"), errno.ENOENT, "no vHBA"),
    ("discover: no portal", DSC, iname(), errno.EINVAL, "missing"),
    ("discover: no initiator", DSC, portal(), errno.EINVAL, "missing"),
    ("discover: bad initiator", DSC, iname("x") + portal(), errno.EINVAL, "iqn."),
]


def main():
    g = Genl()
    fails = 0
    n = 0
    print("TAP version 13")
    print("1..%d" % (len(CASES) + 4))
    for desc, cmd, payload, want_err, want_msg in CASES:
        n += 1
        try:
            g.request(cmd, payload)
            got = (0, "")
        except NetlinkError as e:
            got = (e.errno, e.msg)
        ok = got[0] == want_err and want_msg in got[1] and (want_msg or got[1] or True)
        # A refusal must carry a message unless the policy layer rejected
        # it (those carry one too on 6.1: "Attribute failed policy validation").
        ok = ok and bool(got[1])
        print("%s %d - %s # errno %s, \"%s\"" % ("ok" if ok else "not ok", n, desc,
              errno.errorcode.get(got[0], got[0]), got[1]))
        fails += not ok
    # Nothing above may have created a vHBA.
    n += 1
    left = g.request(GET, b"", dump=True)
    ok = not any(dict(r).get(A["VCONNECT_A_VHBA_NAME"], b"").startswith(b"nlt") for r in left)
    print("%s %d - no vHBA left behind by refused requests" % ("ok" if ok else "not ok", n))
    fails += not ok
    # Duplicates are refused with a clear message.
    n += 1
    g.request(NEW, name("nltdup") + iname() + nla_u64(A["VCONNECT_A_VHBA_ISID"], 0x800000000010)
              + nla_u64(A["VCONNECT_A_VHBA_WWPN"], 0x500143800000a001))
    errs = []
    for payload, msg in (
        (name("nltdup") + iname(), "already exists"),
        (name("nltdup2") + iname() + nla_u64(A["VCONNECT_A_VHBA_ISID"], 0x800000000010), "ISID"),
        (name("nltdup2") + iname() + nla_u64(A["VCONNECT_A_VHBA_ISID"], 0x800000000011), "ISID"),
        (name("nltdup2") + iname("iqn.2026-11.org.example:other") + nla_u64(A["VCONNECT_A_VHBA_WWPN"], 0x500143800000a001), "WWPN"),
    ):
        try:
            g.request(NEW, payload)
            errs.append("accepted: %s" % msg)
        except NetlinkError as e:
            if e.errno != errno.EEXIST or msg not in e.msg:
                errs.append("%s: %s" % (msg, e))
    g.request(DEL, name("nltdup"))
    ok = not errs
    print("%s %d - duplicate name, initiator+ISID, pair ISID, WWPN refused%s" % (
        "ok" if ok else "not ok", n, " # " + "; ".join(errs) if errs else ""))
    fails += not ok
    # Once deleted, its name, ISID pair and WWPN are free again.
    n += 1
    errs = []
    try:
        g.request(NEW, name("nltdup") + iname() + nla_u64(A["VCONNECT_A_VHBA_ISID"], 0x800000000011)
                  + nla_u64(A["VCONNECT_A_VHBA_WWPN"], 0x500143800000a001))
        g.request(DEL, name("nltdup"))
    except NetlinkError as e:
        errs.append(str(e))
    try:
        g.request(DEL, name("nltdup"))
        errs.append("deleted twice")
    except NetlinkError as e:
        if e.errno != errno.ENOENT:
            errs.append("second delete: %s" % e)
    ok = not errs
    print("%s %d - a deleted vHBA's name, ISID pair and WWPN can be used again%s" % (
        "ok" if ok else "not ok", n, " # " + "; ".join(errs) if errs else ""))
    fails += not ok
    # Without CAP_NET_ADMIN every command is refused.
    n += 1
    pid = __import__("os").fork()
    if pid == 0:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        # Drop every capability: setuid to nobody keeps none.
        __import__("os").setgid(65534)
        __import__("os").setuid(65534)
        try:
            Genl().request(GET, b"", dump=True)
            __import__("os")._exit(1)
        except NetlinkError as e:
            __import__("os")._exit(0 if e.errno == errno.EPERM else 2)
    _, status = __import__("os").waitpid(pid, 0)
    ok = __import__("os").WEXITSTATUS(status) == 0
    print("%s %d - unprivileged caller gets EPERM" % ("ok" if ok else "not ok", n))
    fails += not ok
    print("# %d passed, %d failed" % (n - fails, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
