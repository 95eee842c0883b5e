#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Minimal generic netlink client for the vconnect family, for tests that
must send requests vconnectctl would refuse to build (missing or malformed
attributes). Standard library only. Constants mirror
include/uapi/linux/vconnect.h; check-uapi keeps that header and the YNL
spec in step, and test_constants() below checks this file against the header.
"""
import errno
import os
import re
import socket
import struct

NETLINK_GENERIC = 16
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLA_F_NESTED = 0x8000

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "../../include/uapi/linux/vconnect.h")


def load_enums(path=HEADER):
    """Parse the enum constants of the uapi header (sequential enums)."""
    text = open(path).read()
    consts = {}
    for body in re.findall(r"enum\s+\w+\s*{([^}]*)}", text, re.S):
        val = -1
        for line in body.split("\n"):
            line = re.sub(r"/\*.*?\*/", "", line).strip().rstrip(",")
            if not line:
                continue
            m = re.match(r"(\w+)\s*=\s*(\w+)\s*-\s*1$", line)
            if m:
                consts[m.group(1)] = consts[m.group(2)] - 1
                continue
            m = re.match(r"(\w+)\s*=\s*(\d+)$", line)
            if m:
                val = int(m.group(2))
            else:
                val += 1
            consts[line.split()[0]] = val
    return consts


C = load_enums()


def nla(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    pad = (4 - len(payload) % 4) % 4
    return hdr + payload + b"\0" * pad


def nla_str(atype, s):
    return nla(atype, s.encode() + b"\0")


def nla_u8(atype, v):
    return nla(atype, struct.pack("=B", v))


def nla_u16(atype, v):
    return nla(atype, struct.pack("=H", v))


def nla_u32(atype, v):
    return nla(atype, struct.pack("=I", v))


def nla_u64(atype, v):
    return nla(atype, struct.pack("=Q", v))


def nla_nest(atype, *children):
    return nla(atype | NLA_F_NESTED, b"".join(children))


def parse_attrs(buf):
    out = []
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4:
            break
        out.append((atype & 0x3fff, buf[off + 4:off + alen]))
        off += (alen + 3) & ~3
    return out


class NetlinkError(Exception):
    def __init__(self, err, msg):
        super().__init__(f"{errno.errorcode.get(err, err)}: {msg}")
        self.errno = err
        self.msg = msg


class Genl:
    def __init__(self, family="vconnect"):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(270, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(270, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 1
        self.family = GENL_ID_CTRL
        attrs = self.request(CTRL_CMD_GETFAMILY,
                             nla_str(CTRL_ATTR_FAMILY_NAME, family))[0]
        self.family = struct.unpack("=H", dict(attrs)[CTRL_ATTR_FAMILY_ID][:2])[0]

    def request(self, cmd, payload=b"", dump=False, version=1):
        """Send a request; return a list of replies' attribute lists, or
        raise NetlinkError with the kernel's extack message."""
        self.seq += 1
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        body = struct.pack("=BBH", cmd, version, 0) + payload
        msg = struct.pack("=IHHII", 16 + len(body), self.family, flags,
                          self.seq, 0) + body
        self.sock.send(msg)
        replies = []
        while True:
            data = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, seq, _ = struct.unpack_from("=IHHII", data, off)
                chunk = data[off:off + mlen]
                off += (mlen + 3) & ~3
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", chunk, 16)[0]
                    if err == 0:
                        return replies
                    text = ""
                    if mflags & NLM_F_ACK_TLVS:
                        # CAP_ACK: only the original nlmsghdr follows the errno.
                        for atype, val in parse_attrs(chunk[16 + 4 + 16:]):
                            if atype == NLMSGERR_ATTR_MSG:
                                text = val.rstrip(b"\0").decode()
                    raise NetlinkError(err, text)
                if mtype == NLMSG_DONE:
                    return replies
                replies.append(parse_attrs(chunk[20:]))


def test_constants():
    """The values the tests rely on exist in the header."""
    for name in ("VCONNECT_CMD_VHBA_NEW", "VCONNECT_A_VHBA_NAME",
                 "VCONNECT_A_TGT_STATE", "VCONNECT_A_PORTAL_ADDR"):
        assert name in C, name


if __name__ == "__main__":
    test_constants()
    print("ok: %d constants" % len(C))
