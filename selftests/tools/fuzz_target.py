#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Throw malformed iSCSI at a target and check that it survives.

    fuzz_target.py [--seconds N] [--seed S] HOST:PORT TARGET_IQN

Each round opens a connection and does one of: random bytes; a mutated
login; a valid login followed by random or semi-valid PDUs (bad lengths,
AHS, random CDBs, Data-Out for unknown tasks or beyond the transfer,
truncated PDUs, text/TMF/NOP/SNACK with random fields).  It ignores what
comes back.  Meant for hostile_target (whose log then shows
"BUG: connection process ... died" and "crashes N" in its summary if a
connection process crashed), but works against any target.
"""
import argparse
import random
import socket
import struct
import sys
import time

OPS = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x1c, 0x3b, 0x3f]
CDB_OPS = [0x00, 0x03, 0x08, 0x0a, 0x12, 0x1a, 0x25, 0x28, 0x2a, 0x35, 0x5a,
           0x88, 0x8a, 0x91, 0x9e, 0xa0, 0xa3, 0xa8, 0xaa, 0x7f, 0xff]


def bhs(op, flags=0, dsl=0, ahs=0, lun=b"\0" * 8, itt=0, f20=0, f24=0, f28=0,
        tail=b"\0" * 16):
    h = struct.pack(">BBBBB", op, flags, 0, 0, ahs) + dsl.to_bytes(3, "big")
    h += lun + struct.pack(">IIII", itt, f20, f24, f28) + tail
    return h[:48]


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def login_pdu(iqn, keys=None, flags=0x87, isid=b"\x80\x12\x34\x56\x00\x00",
              tsih=0, cmdsn=1):
    if keys is None:
        keys = [("InitiatorName", "iqn.2026-11.org.example:fuzz"),
                ("SessionType", "Normal"), ("TargetName", iqn),
                ("AuthMethod", "None"), ("HeaderDigest", "None"),
                ("DataDigest", "None"), ("MaxRecvDataSegmentLength", "65536"),
                ("InitialR2T", "No"), ("ImmediateData", "Yes"),
                ("FirstBurstLength", "65536"), ("MaxBurstLength", "262144")]
    data = b"".join(k.encode() + b"=" + v.encode() + b"\0" for k, v in keys)
    h = bytearray(48)
    h[0] = 0x43
    h[1] = flags
    h[5:8] = len(data).to_bytes(3, "big")
    h[8:14] = isid
    h[14:16] = tsih.to_bytes(2, "big")
    h[16:20] = (1).to_bytes(4, "big")
    h[24:28] = cmdsn.to_bytes(4, "big")
    return bytes(h) + pad(data)


def recv_some(s, t=0.05):
    s.settimeout(t)
    try:
        while s.recv(1 << 20):
            pass
    except (socket.timeout, OSError):
        pass


def do_login(s, iqn):
    s.sendall(login_pdu(iqn))
    s.settimeout(2)
    got = b""
    while len(got) < 48:
        c = s.recv(48 - len(got))
        if not c:
            return None
        got += c
    dsl = int.from_bytes(got[5:8], "big")
    need = dsl + (-dsl % 4)
    while need:
        c = s.recv(need)
        if not c:
            return None
        need -= len(c)
    if got[36] != 0:
        return None
    return int.from_bytes(got[28:32], "big")    # ExpCmdSN


def random_pdu(r, cmdsn):
    kind = r.randrange(10)
    itt = r.choice([r.getrandbits(32), 0xffffffff, 1, 0])
    lun = r.choice([b"\0" * 8, bytes(r.getrandbits(8) for _ in range(8))])
    if kind == 0:                      # pure random header, maybe big DSL
        h = bytearray(r.getrandbits(8) for _ in range(48))
        if r.random() < 0.8:
            h[4] = r.choice([0, 0, 1, 255])
            h[5:8] = r.choice([0, 4, 100, 70000, 0xffffff]).to_bytes(3, "big")
        data = bytes(r.getrandbits(8) for _ in range(min(int.from_bytes(h[5:8], "big"), 70000)))
        return bytes(h) + pad(data)
    if kind <= 4:                      # SCSI command, random CDB
        cdb = bytearray(r.getrandbits(8) for _ in range(16))
        cdb[0] = r.choice(CDB_OPS)
        if r.random() < 0.5:
            cdb[2:10] = b"\0" * 8
        edtl = r.choice([0, 512, 4096, 65536, 1 << 20, r.getrandbits(32)])
        flags = r.choice([0x80, 0xc0, 0xa0, 0x20, 0x40, 0x00, r.getrandbits(8)])
        imm = bytes(r.getrandbits(8) for _ in range(r.choice([0, 0, 512, 4096, 65536])))
        op = 0x01 | (0x40 if r.random() < 0.1 else 0)
        return bhs(op, flags, len(imm), 0, lun, itt, edtl, cmdsn, 0,
                   bytes(cdb)) + pad(imm)
    if kind == 5:                      # Data-Out
        data = bytes(r.getrandbits(8) for _ in range(r.choice([0, 1, 512, 8192, 65536])))
        tail = struct.pack(">IIII", 0, r.choice([0, 1, 2, 0xffffffff]),
                           r.choice([0, 512, 65536, 0xfffffe00, r.getrandbits(32)]), 0)
        return bhs(0x05, r.choice([0, 0x80]), len(data), 0, lun, itt,
                   r.choice([0xffffffff, 1, 2, r.getrandbits(32)]), 0, 0, tail) + pad(data)
    if kind == 6:                      # text
        junk = r.choice([b"SendTargets=All\0", b"SendTargets=\0", b"=\0",
                         b"NoEquals\0", b"A=" + b"x" * 5000,
                         bytes(r.getrandbits(8) for _ in range(300))])
        return bhs(0x04, r.choice([0x80, 0x40, 0xc0]), len(junk), 0, lun, itt,
                   r.choice([0xffffffff, 7]), cmdsn) + pad(junk)
    if kind == 7:                      # TMF
        return bhs(0x42, 0x80 | r.randrange(16), 0, 0, lun, itt,
                   r.getrandbits(32), cmdsn, 0,
                   struct.pack(">IIII", r.getrandbits(32), 0, 0, 0))
    if kind == 8:                      # NOP-Out with ping data
        data = bytes(r.getrandbits(8) for _ in range(r.choice([0, 4, 9000])))
        return bhs(0x40 | r.choice([0, 0x40]), 0x80, len(data), 0, lun, itt,
                   0xffffffff, cmdsn) + pad(data)
    return bhs(r.choice(OPS) | r.choice([0, 0x40]), r.getrandbits(8), 0, 0, lun,
               itt, r.getrandbits(32), cmdsn)


def round_(r, host, port, iqn):
    s = socket.create_connection((host, port), timeout=2)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        mode = r.randrange(4)
        if mode == 0:
            s.sendall(bytes(r.getrandbits(8) for _ in range(r.randrange(1, 2000))))
            recv_some(s)
            return
        if mode == 1:                  # mutated login
            keys = [(r.choice(["InitiatorName", "TargetName", "SessionType",
                               "AuthMethod", "MaxRecvDataSegmentLength",
                               "MaxBurstLength", "FirstBurstLength", "HeaderDigest",
                               "DataDigest", "InitialR2T", "ErrorRecoveryLevel",
                               "DefaultTime2Wait", "X-junk", ""]),
                     r.choice(["", "0", "-1", "None", "CRC32C,None", "Yes", "Maybe",
                               "99999999999999999999", "Discovery", iqn, "x" * 300]))
                    for _ in range(r.randrange(0, 12))]
            flags = r.choice([0x87, 0x81, 0x83, 0xc7, 0x47, 0x04, 0x8f, r.getrandbits(8)])
            s.sendall(login_pdu(iqn, keys, flags, tsih=r.choice([0, 0, 5])))
            recv_some(s)
            if r.random() < 0.5:
                s.sendall(login_pdu(iqn, None, r.choice([0x87, 0x86, 0x85])))
                recv_some(s)
            return
        cmdsn = do_login(s, iqn)
        if cmdsn is None:
            return
        for _ in range(r.randrange(1, 40)):
            p = random_pdu(r, cmdsn)
            if r.random() < 0.05:      # truncated PDU, then close
                s.sendall(p[:r.randrange(1, len(p))])
                return
            s.sendall(p)
            cmdsn = (cmdsn + 1) & 0xffffffff
            if r.random() < 0.3:
                recv_some(s, 0.01)
        recv_some(s, 0.05)
    except OSError:
        pass
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("portal")
    ap.add_argument("iqn")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    host, port = a.portal.rsplit(":", 1)
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    r = random.Random(seed)
    end = time.time() + a.seconds
    n = 0
    while time.time() < end:
        try:
            round_(r, host.strip("[]"), int(port), a.iqn)
        except OSError as e:
            print(f"round {n}: {e}", file=sys.stderr)
            time.sleep(0.1)
        n += 1
    print(f"fuzz_target: {n} connections, seed {seed}")


if __name__ == "__main__":
    main()
