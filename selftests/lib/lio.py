#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Configure the LIO iSCSI target for guest tests (used by guest-lib.sh).

rtslib-fb directly: no D-Bus, and much faster than targetcli under TCG.
LIO creates a portal's listening socket in the network namespace of the
process that writes the portal to configfs, so run this under
`nsenter --net=/run/netns/NS` to put a portal inside a namespace.

  lio.py start --iqn IQN --name NAME --luns N --size-mb S --dir DIR
               [--block DEV] --ip IP --port P [--acl IQN]... [--demo]
               [--chap-user U --chap-pass P [--mutual-user U --mutual-pass P]]
  lio.py stop [--iqn IQN --name NAME]   (no arguments: clear everything)
"""

import argparse
import os
import sys
import warnings

# rtslib warns that it cannot move its dbroot once LIO has devices; we
# never save configuration, so that is noise.
warnings.filterwarnings("ignore", message="Cannot set dbroot")

from rtslib_fb import (BlockStorageObject, FabricModule, FileIOStorageObject,
                       LUN, MappedLUN, NetworkPortal, NodeACL, RTSRoot,
                       Target, TPG)


def set_chap(obj, args):
    """Put one-way and optionally mutual CHAP on a NodeACL or a TPG."""
    if not args.chap_user:
        return
    obj.chap_userid = args.chap_user
    obj.chap_password = args.chap_pass
    if args.mutual_user:
        obj.chap_mutual_userid = args.mutual_user
        obj.chap_mutual_password = args.mutual_pass


def start(args):
    target = Target(FabricModule("iscsi"), wwn=args.iqn, mode="create")
    tpg = TPG(target, 1, mode="create")
    luns = []
    if args.block:
        # One LUN on an existing block device (iblock), e.g. a slow one.
        so = BlockStorageObject("%s-lun0" % args.name, dev=args.block)
        luns.append(LUN(tpg, 0, so))
    for i in range(0 if args.block else args.luns):
        path = os.path.join(args.dir, "%s-lun%d.img" % (args.name, i))
        size = args.size_mb << 20
        with open(path, "wb") as f:
            f.truncate(size)
        so = FileIOStorageObject("%s-lun%d" % (args.name, i), dev=path,
                                 size=size)
        luns.append(LUN(tpg, i, so))

    auth = "1" if args.chap_user else "0"
    if args.demo:
        # Any initiator gets every LUN; CHAP, if asked, sits on the TPG.
        tpg.set_attribute("generate_node_acls", "1")
        tpg.set_attribute("cache_dynamic_acls", "1")
        tpg.set_attribute("demo_mode_write_protect", "0")
        set_chap(tpg, args)
    else:
        tpg.set_attribute("generate_node_acls", "0")
        for wwn in args.acl:
            acl = NodeACL(tpg, wwn, mode="create")
            for lun in luns:
                MappedLUN(acl, lun.lun, lun)
            set_chap(acl, args)
    tpg.set_attribute("authentication", auth)

    NetworkPortal(tpg, args.ip, args.port, mode="create")
    tpg.enable = True


def stop(args):
    root = RTSRoot()
    if not args.iqn:
        root.clear_existing(confirm=True)
        return
    for target in root.targets:
        if target.wwn == args.iqn:
            target.delete()
    for so in root.storage_objects:
        if so.name.startswith(args.name + "-lun"):
            path = so.udev_path
            so.delete()
            if path and os.path.isfile(path):
                os.unlink(path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["start", "stop"])
    p.add_argument("--iqn")
    p.add_argument("--name")
    p.add_argument("--luns", type=int, default=1)
    p.add_argument("--size-mb", type=int, default=128)
    p.add_argument("--dir", default="/tmp")
    p.add_argument("--block")
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3260)
    p.add_argument("--acl", action="append", default=[])
    p.add_argument("--demo", action="store_true")
    p.add_argument("--chap-user")
    p.add_argument("--chap-pass")
    p.add_argument("--mutual-user")
    p.add_argument("--mutual-pass")
    args = p.parse_args()
    if args.cmd == "start":
        if not args.iqn or not args.name:
            p.error("start needs --iqn and --name")
        if not args.demo and not args.acl:
            p.error("start needs --acl or --demo")
        start(args)
    else:
        stop(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
