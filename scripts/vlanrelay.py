#!/usr/bin/env python3
"""vlanrelay.py - create a TAP device and relay frames between it and a
(veth) interface, adding 802.1Q / 802.1ad tags on the way out and removing
them on the way in.  Used by mkcaptures.sh because this kernel has no
802.1Q vlan links.  python3 stdlib only.

    vlanrelay.py --tap TAPNAME --dev VETH --tag 0x8100:100 [--tag 0x8100:200]

Tags are listed outermost first, e.g. QinQ:
    --tag 0x88a8:300 --tag 0x8100:100
The TAP device is created (IFF_TAP|IFF_NO_PI) and kept while the relay
runs; configure its address from outside once "ready" is printed.
Frames received on DEV that carry any VLAN tags (in-line; the kernel may
also have moved the outer tag into metadata already) are stripped of all
of them and written to the TAP.  Runs until SIGTERM/SIGINT.
"""
import argparse
import fcntl
import os
import select
import signal
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
VLAN_TPIDS = (0x8100, 0x88A8, 0x9100)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tap", required=True)
    p.add_argument("--dev", required=True)
    p.add_argument("--tag", action="append", required=True,
                   help="TPID:VID[:PCP], outermost first")
    a = p.parse_args()

    tagbytes = b""
    for t in a.tag:
        parts = t.split(":")
        tpid = int(parts[0], 0)
        vid = int(parts[1], 0)
        pcp = int(parts[2], 0) if len(parts) > 2 else 0
        tagbytes += struct.pack("!HH", tpid, (pcp << 13) | vid)

    tap = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", a.tap.encode(), IFF_TAP | IFF_NO_PI))

    ps = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    ps.bind((a.dev, 0))

    def stop(*_):
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)

    while True:
        r, _, _ = select.select([tap, ps], [], [])
        if tap in r:
            fr = os.read(tap, 65536)
            if len(fr) >= 14:
                ps.send(fr[:12] + tagbytes + fr[12:])
        if ps in r:
            fr, addr = ps.recvfrom(65536)
            if addr[2] == PACKET_OUTGOING:
                continue
            body = fr[12:]
            while len(body) >= 4 and struct.unpack("!H", body[:2])[0] in VLAN_TPIDS:
                body = body[4:]
            os.write(tap, fr[:12] + body)


if __name__ == "__main__":
    main()
