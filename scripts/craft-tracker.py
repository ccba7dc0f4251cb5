#!/usr/bin/env python3
"""craft-tracker.py - write the hand-made tracker test captures, for TCP
patterns a kernel will not produce on demand (python3 stdlib only):

  tr-crafted-simopen.pcap  simultaneous open: crossed SYNs, two SYN-ACKs,
                           ACKs, data both ways, normal 4-segment close
  tr-crafted-badack.pcap   flow 1: the SYN-ACK acknowledges ISN+2;
                           flow 2: the third ACK acknowledges ISN'+5
  tr-crafted-rst-oow.pcap  established flow (window 64240, no window
                           scaling), a RST from the client whose seq is
                           1,000,000 beyond the server's window, then data
                           and a normal 4-segment close

Ethernet + IPv4, correct IP and TCP checksums, microsecond pcap, fixed
timestamps starting 2024-01-01 00:00:00 UTC.

    scripts/craft-tracker.py [OUTDIR]     (default: testdata/)
"""
import os
import struct
import sys

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
T0 = 1704067200  # 2024-01-01 00:00:00 UTC

MAC_A = bytes.fromhex("020000980a01")
MAC_B = bytes.fromhex("020000980a02")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.ipid = 0x1000

    def tcp(self, t, src, sport, dst, dport, flags, seq, ack, win=64240,
            payload=b"", opts=b"", mac_src=MAC_A, mac_dst=MAC_B):
        seq &= 0xFFFFFFFF
        ack &= 0xFFFFFFFF
        while len(opts) % 4:
            opts += b"\x01"
        doff = (20 + len(opts)) // 4
        hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack if flags & ACK else 0,
                          doff << 4, flags, win, 0, 0) + opts
        seg = hdr + payload
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(seg))
        c = csum(pseudo + seg)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        self.ipid += 1
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), self.ipid, 0x4000,
                          64, 6, 0, ip4(src), ip4(dst))
        iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
        frame = mac_dst + mac_src + b"\x08\x00" + iph + seg
        sec = int(t)
        usec = int(round((t - sec) * 1e6))
        self.f.write(struct.pack("<IIII", T0 + sec, usec, len(frame), len(frame)) + frame)

    def close(self):
        self.f.close()


MSS = b"\x02\x04\x05\xb4"   # MSS 1460 only: no window scaling, no SACK, no TS


class Conn:
    """helper: client C (cip:cport) <-> server S (sip:sport)"""

    def __init__(self, pc, cip, cport, sip, sport, cisn, sisn):
        self.pc, self.c, self.s = pc, (cip, cport), (sip, sport)
        self.cseq, self.sseq = cisn, sisn     # next seq each side sends

    def c2s(self, t, flags, seq=None, ack=None, payload=b"", opts=b"", win=64240):
        seq = self.cseq if seq is None else seq
        ack = self.sseq if ack is None else ack
        self.pc.tcp(t, *self.c, *self.s, flags, seq, ack, win, payload, opts, MAC_A, MAC_B)

    def s2c(self, t, flags, seq=None, ack=None, payload=b"", opts=b"", win=64240):
        seq = self.sseq if seq is None else seq
        ack = self.cseq if ack is None else ack
        self.pc.tcp(t, *self.s, *self.c, flags, seq, ack, win, payload, opts, MAC_B, MAC_A)


def close4(k, t):
    """client FIN, server ACK, server FIN, client ACK (seq counters advance)"""
    k.c2s(t, FIN | ACK)
    k.cseq += 1
    k.s2c(t + 0.0001, ACK)
    k.s2c(t + 0.2, FIN | ACK)
    k.sseq += 1
    k.c2s(t + 0.2001, ACK)


def simopen(path):
    pc = Pcap(path)
    a, b = "10.98.10.1", "10.98.10.2"
    k = Conn(pc, a, 6070, b, 6071, 1000000, 5000000)
    # crossed SYNs: A's SYN leaves at 0, B's SYN at 0.0005 before A's arrives
    k.c2s(0.0000, SYN, ack=0, opts=MSS)
    k.s2c(0.0005, SYN, ack=0, opts=MSS)
    # each answers the other's SYN with SYN-ACK (same ISN, ack = peer ISN+1)
    k.c2s(0.0010, SYN | ACK, ack=k.sseq + 1, opts=MSS)
    k.s2c(0.0011, SYN | ACK, ack=k.cseq + 1, opts=MSS)
    k.cseq += 1
    k.sseq += 1
    # each ACKs the other's SYN-ACK
    k.c2s(0.0020, ACK)
    k.s2c(0.0021, ACK)
    k.c2s(0.0100, PSH | ACK, payload=b"hello\n")
    k.cseq += 6
    k.s2c(0.0101, ACK)
    k.s2c(0.0200, PSH | ACK, payload=b"OK hello\n")
    k.sseq += 9
    k.c2s(0.0201, ACK)
    close4(k, 0.1)
    pc.close()


def badack(path):
    pc = Pcap(path)
    a, b = "10.98.10.1", "10.98.10.2"
    # flow 1: SYN-ACK acknowledges ISN+2 (should be ISN+1); the client
    # answers with a RST (seq = the bad ack, as RFC 9293 3.10.7.3 says).
    k = Conn(pc, a, 6072, b, 6073, 2000000, 7000000)
    k.c2s(0.0, SYN, ack=0, opts=MSS)
    k.s2c(0.0002, SYN | ACK, ack=k.cseq + 2, opts=MSS)
    pc.tcp(0.0003, a, 6072, b, 6073, RST, k.cseq + 2, 0, 0)
    # flow 2: SYN, correct SYN-ACK, third ACK acknowledges ISN'+5 (should
    # be ISN'+1); the server answers with a RST (seq = the bad ack).
    k = Conn(pc, a, 6074, b, 6075, 3000000, 8000000)
    k.c2s(1.0, SYN, ack=0, opts=MSS)
    k.s2c(1.0002, SYN | ACK, ack=k.cseq + 1, opts=MSS)
    k.cseq += 1
    k.c2s(1.0003, ACK, ack=k.sseq + 5)
    pc.tcp(1.0004, b, 6075, a, 6074, RST, k.sseq + 5, 0, 0)
    pc.close()


def rst_oow(path):
    pc = Pcap(path)
    a, b = "10.98.10.1", "10.98.10.2"
    k = Conn(pc, a, 6076, b, 6077, 4000000, 9000000)
    k.c2s(0.0, SYN, ack=0, opts=MSS)
    k.s2c(0.0002, SYN | ACK, ack=k.cseq + 1, opts=MSS)
    k.cseq += 1
    k.sseq += 1
    k.c2s(0.0003, ACK)
    k.c2s(0.0100, PSH | ACK, payload=b"req 1\n")
    k.cseq += 6
    k.s2c(0.0101, PSH | ACK, payload=b"OK req 1\n")
    k.sseq += 9
    k.c2s(0.0102, ACK)
    # spoofed-looking RST "from the client": seq 1,000,000 beyond the
    # server's rcv_nxt, far outside its 64240-byte window -> must be ignored
    k.c2s(0.0500, RST, seq=k.cseq + 1000000, ack=0, win=0)
    # the connection goes on
    k.c2s(0.1000, PSH | ACK, payload=b"req 2\n")
    k.cseq += 6
    k.s2c(0.1001, PSH | ACK, payload=b"OK req 2\n")
    k.sseq += 9
    k.c2s(0.1002, ACK)
    close4(k, 0.2)
    pc.close()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(here), "testdata")
    os.makedirs(out, exist_ok=True)
    simopen(os.path.join(out, "tr-crafted-simopen.pcap"))
    badack(os.path.join(out, "tr-crafted-badack.pcap"))
    rst_oow(os.path.join(out, "tr-crafted-rst-oow.pcap"))


if __name__ == "__main__":
    main()
