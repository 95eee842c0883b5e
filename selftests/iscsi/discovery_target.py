#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Scripted iSCSI discovery target for protocol-path coverage of the
# initiator: login responses split with the C bit (continued by empty
# requests), a target-proposed unknown key (must come back NotUnderstood),
# and a SendTargets response split mid-key across two Text Responses
# (continued with the target's TTT). Prints what it saw; exits 0 if the
# initiator behaved. Used by selftests/iscsi/01-scripted-peer.sh.
# Every socket times out after 30 s, so an initiator that stops talking
# fails the test instead of hanging it.
#
# With a second argument "chap": mutual CHAP with the target's challenge
# and answer in base64, then a second login where the target sends the
# initiator's own earlier challenge as its challenge (must be refused).
import base64
import hashlib
import os
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 3290
ok = True
socket.setdefaulttimeout(30)


def check(cond, what):
    global ok
    print(("ok: " if cond else "NOT OK: ") + what, flush=True)
    ok = ok and cond


def recv_all(c, n):
    b = b""
    while len(b) < n:
        x = c.recv(n - len(b))
        if not x:
            raise EOFError
        b += x
    return b


def recv_pdu(c):
    h = recv_all(c, 48)
    ahs = h[4] * 4
    dlen = int.from_bytes(h[5:8], "big")
    recv_all(c, ahs)
    d = recv_all(c, dlen + ((4 - dlen % 4) % 4))[:dlen]
    return h, d


def send_pdu(c, h, d=b""):
    h = bytearray(h)
    h[5:8] = len(d).to_bytes(3, "big")
    c.sendall(bytes(h) + d + b"\0" * ((4 - len(d) % 4) % 4))


statsn = 100


def login_rsp(req, flags, data, tsih=0):
    global statsn
    h = bytearray(48)
    h[0] = 0x23
    h[1] = flags
    h[8:14] = req[8:14]		# ISID
    h[14:16] = struct.pack(">H", tsih)
    h[16:20] = req[16:20]		# ITT
    cmdsn = struct.unpack(">I", req[24:28])[0]
    h[24:36] = struct.pack(">III", statsn, cmdsn, cmdsn + 7)
    statsn += 1
    return h, data


def keys(d):
    return [k for k in d.split(b"\0") if k]


def plain(c):
    global statsn
    # Security stage: answer in two pieces.
    h, d = recv_pdu(c)
    print("rx login 1:", keys(d), flush=True)
    check(b"SessionType=Discovery" in d, "discovery session requested")
    send_pdu(c, *login_rsp(h, 0x40 | 0x00, b"AuthMethod=None\0"))		# C=1
    h, d = recv_pdu(c)
    check(len(d) == 0 and not (h[1] & 0xc0), "empty request continues a C-bit response")
    send_pdu(c, *login_rsp(h, 0x80 | 0x01, b"TargetPortalGroupTag=1\0"))	# T=1 NSG=1

    # Operational stage: propose an unknown key, split the answers.
    h, d = recv_pdu(c)
    print("rx login op:", keys(d), flush=True)
    check((h[1] >> 2) & 3 == 1, "operational stage")
    send_pdu(c, *login_rsp(h, 0x40 | 0x04, b"HeaderDigest=None\0X-com.example.Fo"))
    h, d = recv_pdu(c)
    check(len(d) == 0, "second empty continuation request")
    send_pdu(c, *login_rsp(h, 0x04, b"o=bar\0DataDigest=None\0MaxRecvDataSegmentLength=8192\0"))
    h, d = recv_pdu(c)
    print("rx login op 2:", keys(d), flush=True)
    check(b"X-com.example.Foo=NotUnderstood" in d, "unknown key answered NotUnderstood")
    send_pdu(c, *login_rsp(h, 0x80 | 0x04 | 0x03, b"", tsih=7))		# T=1 NSG=FFP

    # SendTargets, split in the middle of a key.
    h, d = recv_pdu(c)
    check(h[0] & 0x3f == 0x04 and d.rstrip(b"\0") == b"SendTargets=All", "SendTargets=All")
    itt = h[16:20]
    cmdsn = struct.unpack(">I", h[24:28])[0]
    r = bytearray(48)
    r[0] = 0x24
    r[1] = 0x40				# C=1, F=0
    r[16:20] = itt
    r[20:24] = struct.pack(">I", 0x1234)
    r[24:36] = struct.pack(">III", statsn, cmdsn + 1, cmdsn + 8)
    statsn += 1
    send_pdu(c, r, b"TargetName=iqn.2026-11.org.example:a\0TargetAddress=10.0.0.1:3260,1\0TargetName=iqn.2026-11.org.exa")
    h, d = recv_pdu(c)
    check(h[0] & 0x3f == 0x04 and h[20:24] == struct.pack(">I", 0x1234) and not d and h[1] & 0x80,
          "continuation Text Request with our TTT and F")
    check(struct.unpack(">I", h[24:28])[0] == cmdsn + 1, "continuation has the next CmdSN")
    r[1] = 0x80
    r[20:24] = b"\xff\xff\xff\xff"
    r[24:36] = struct.pack(">III", statsn, cmdsn + 2, cmdsn + 9)
    statsn += 1
    send_pdu(c, r, b"mple:b\0TargetAddress=[::1]:3260,1\0TargetAddress=10.0.0.2:3261,2\0"
             b"TargetName=iqn.2026-11.org.example:c\0")

    # Logout.
    h, d = recv_pdu(c)
    check(h[0] & 0x3f == 0x06, "logout")
    r = bytearray(48)
    r[0] = 0x26
    r[1] = 0x80
    r[16:20] = h[16:20]
    r[24:36] = struct.pack(">III", statsn, cmdsn + 2, cmdsn + 9)
    send_pdu(c, r)
    c.close()


SECRET = b"vmsecret12345"
MSECRET = b"tgtsecret6789"


def kv(d):
    return dict(k.split(b"=", 1) for k in keys(d))


def chap_val(v):
    if v[:2] in (b"0x", b"0X"):
        return bytes.fromhex(v[2:].decode())
    return base64.b64decode(v[2:])


def op_and_sendtargets(c):
    h, d = recv_pdu(c)
    check((h[1] >> 2) & 3 == 1, "operational stage after CHAP")
    send_pdu(c, *login_rsp(h, 0x80 | 0x04 | 0x03, b"HeaderDigest=None\0DataDigest=None\0", tsih=9))
    h, d = recv_pdu(c)
    r = bytearray(48)
    r[0] = 0x24
    r[1] = 0x80
    r[16:20] = h[16:20]
    r[20:24] = b"\xff\xff\xff\xff"
    send_pdu(c, r, b"TargetName=iqn.2026-11.org.example:chapped\0")
    h, d = recv_pdu(c)
    r = bytearray(48)
    r[0] = 0x26
    r[1] = 0x80
    r[16:20] = h[16:20]
    send_pdu(c, r)


def chap(s):
    # 1: mutual CHAP, our challenge and answer in base64.
    c, _ = s.accept()
    h, d = recv_pdu(c)
    check(kv(d).get(b"AuthMethod") == b"CHAP", "mutual CHAP offers CHAP only")
    send_pdu(c, *login_rsp(h, 0x00, b"AuthMethod=CHAP\0TargetPortalGroupTag=1\0"))
    h, d = recv_pdu(c)
    check(kv(d).get(b"CHAP_A") == b"5", "CHAP_A=5")
    chal = os.urandom(16)
    send_pdu(c, *login_rsp(h, 0x00, b"CHAP_A=5\0CHAP_I=7\0CHAP_C=0b" +
                           base64.b64encode(chal) + b"\0"))
    h, d = recv_pdu(c)
    k = kv(d)
    want = hashlib.md5(bytes([7]) + SECRET + chal).digest()
    check(k.get(b"CHAP_N") == b"vmuser" and chap_val(k[b"CHAP_R"]) == want,
          "initiator answered a base64 challenge")
    their_id = int(k[b"CHAP_I"])
    their_chal = chap_val(k[b"CHAP_C"])
    check(len(their_chal) >= 16 and their_chal != chal, "initiator sent its own challenge")
    resp = hashlib.md5(bytes([their_id]) + MSECRET + their_chal).digest()
    send_pdu(c, *login_rsp(h, 0x80 | 0x01, b"CHAP_N=tgtuser\0CHAP_R=0b" +
                           base64.b64encode(resp) + b"\0"))
    op_and_sendtargets(c)
    c.close()

    # 2: a rogue target sends the initiator's own earlier challenge.
    c, _ = s.accept()
    h, d = recv_pdu(c)
    send_pdu(c, *login_rsp(h, 0x00, b"AuthMethod=CHAP\0"))
    h, d = recv_pdu(c)
    send_pdu(c, *login_rsp(h, 0x00, b"CHAP_A=5\0CHAP_I=%d\0CHAP_C=0x" % their_id +
                           their_chal.hex().encode() + b"\0"))
    try:
        h, d = recv_pdu(c)
        check(b"CHAP_R" not in d, "reflected challenge not answered")
    except (EOFError, ConnectionResetError):
        check(True, "reflected challenge not answered (connection closed)")
    c.close()


mode = sys.argv[2] if len(sys.argv) > 2 else "plain"


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", PORT))
s.listen(1)
print("listening", flush=True)

if mode == "chap":
    chap(s)
else:
    c, _ = s.accept()
    plain(c)
print("mock target:", "PASS" if ok else "FAIL", flush=True)
sys.exit(0 if ok else 1)
