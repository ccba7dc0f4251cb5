#!/usr/bin/env python3
"""craft.py - write hand-made captures for cases a kernel will not produce.

    python3 scripts/craft.py [OUTDIR]        (default: testdata/ next to scripts/)

python3 stdlib only.  pcap / pcapng files are written by hand with struct;
IPv4 header checksums and TCP checksums (pseudo header incl.) are correct
unless a test deliberately breaks a header.  Output is fully deterministic
(fixed timestamps, addresses, ISNs), so re-running gives identical bytes.
"""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "testdata")

# ------------------------------------------------------------------ basics

MAC_C = bytes.fromhex("020000aa0001")
MAC_S = bytes.fromhex("020000aa0002")

LT_NULL, LT_EN10MB, LT_RAW, LT_LOOP, LT_SLL, LT_IPV4, LT_IPV6 = 0, 1, 101, 108, 113, 228, 229

T0 = 1700000000          # 2023-11-14 22:13:20 UTC


def ip_aton(s):
    if ":" in s:
        import socket
        return socket.inet_pton(socket.AF_INET6, s)
    return bytes(int(x) for x in s.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(src, dst, proto, payload, ident=0x1000, ttl=64, df=True, opts=b"",
        frag_off=0, mf=False, tot_len=None, ihl=None, tos=0, version=4):
    assert len(opts) % 4 == 0
    hl = 20 + len(opts)
    if ihl is None:
        ihl = hl // 4
    if tot_len is None:
        tot_len = hl + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off // 8)
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, tos, tot_len, ident,
                    flags, ttl, proto, 0, ip_aton(src), ip_aton(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nh, payload, hlim=64, ext=b"", plen=None):
    """ext: already-built extension header chain; nh: first next header."""
    body = ext + payload
    if plen is None:
        plen = len(body)
    return struct.pack("!IHBB16s16s", 0x60000000, plen, nh, hlim,
                       ip_aton(src), ip_aton(dst)) + body


def l4_csum(src, dst, proto, seg):
    if ":" in src:
        ph = ip_aton(src) + ip_aton(dst) + struct.pack("!IxxxB", len(seg), proto)
    else:
        ph = ip_aton(src) + ip_aton(dst) + struct.pack("!xBH", proto, len(seg))
    return csum(ph + seg)


FLAGBITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10,
            "U": 0x20, "E": 0x40, "C": 0x80, "N": 0x100}


def tcp(src, dst, sport, dport, seq, ack, flags, win=502, opts=b"",
        payload=b"", urp=0, doff=None, fix_csum=True):
    """flags: string of F S R P A U E C N (N = AE/NS bit 0x100)."""
    fl = 0
    for ch in flags:
        fl |= FLAGBITS[ch]
    hlen = 20 + len(opts)
    assert hlen % 4 == 0, "tcp options must be padded"
    if doff is None:
        doff = hlen // 4
    h = struct.pack("!HHIIHHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                    (doff << 12) | fl, win, 0, urp) + opts
    seg = h + payload
    if fix_csum:
        c = l4_csum(src, dst, 6, seg)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    return seg


def udp(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4_csum(src, dst, 17, seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp_echo(ident, seqno, payload):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seqno) + payload
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def eth(payload, etype, src=MAC_C, dst=MAC_S, tags=()):
    """tags: sequence of (tpid, vid[, pcp]) outermost first."""
    hdr = dst + src
    for t in tags:
        tpid, vid = t[0], t[1]
        pcp = t[2] if len(t) > 2 else 0
        hdr += struct.pack("!HH", tpid, (pcp << 13) | vid)
    return hdr + struct.pack("!H", etype) + payload


def ethertype_of(l3):
    return 0x86DD if (l3[0] >> 4) == 6 else 0x0800


# ----------------------------------------------------------- TCP options

def o_nop(): return b"\x01"
def o_eol(): return b"\x00"
def o_mss(v): return struct.pack("!BBH", 2, 4, v)
def o_ws(v): return struct.pack("!BBB", 3, 3, v)
def o_sackok(): return b"\x04\x02"
def o_ts(v, e): return struct.pack("!BBII", 8, 10, v, e)


def o_sack(blocks):
    return struct.pack("!BB", 5, 2 + 8 * len(blocks)) + b"".join(
        struct.pack("!II", a & 0xFFFFFFFF, b & 0xFFFFFFFF) for a, b in blocks)


def o_raw(kind, data):
    return struct.pack("!BB", kind, 2 + len(data)) + data


def pad4(opts, filler=b"\x01"):
    """pad to a multiple of 4: NOPs in front (Linux style) by default"""
    n = (-len(opts)) % 4
    if filler == b"\x01":
        return filler * n + opts
    return opts + filler * n


# ------------------------------------------------------------ connections

class Conn:
    """A TCP conversation; tracks next sequence numbers of both sides.

    seg(frm, flags, ...) returns the network-layer packet (IPv4/IPv6) for a
    segment sent by 'c' (client) or 's' (server)."""

    def __init__(self, cip, sip, cport, sport, cisn, sisn, ipkw=None):
        self.ip = {"c": cip, "s": sip}
        self.port = {"c": cport, "s": sport}
        self.nxt = {"c": cisn, "s": sisn}
        self.ident = {"c": 0x1000, "s": 0x2000}
        self.ipkw = ipkw or {}

    def tcpseg(self, frm, flags, payload=b"", opts=b"", seq=None, ack=None,
               win=502, urp=0, doff=None, advance=True):
        to = "s" if frm == "c" else "c"
        if seq is None:
            seq = self.nxt[frm]
        if ack is None:
            ack = self.nxt[to] if "A" in flags else 0
        seg = tcp(self.ip[frm], self.ip[to], self.port[frm], self.port[to],
                  seq, ack, flags, win=win, opts=opts, payload=payload,
                  urp=urp, doff=doff)
        if advance:
            n = len(payload) + ("S" in flags) + ("F" in flags)
            self.nxt[frm] = (seq + n) & 0xFFFFFFFF
        return seg

    def wrap(self, frm, seg, proto=6, **kw):
        to = "s" if frm == "c" else "c"
        kwargs = dict(self.ipkw)
        kwargs.update(kw)
        if ":" in self.ip[frm]:
            return ip6(self.ip[frm], self.ip[to], proto, seg, **kwargs)
        self.ident[frm] += 1
        kwargs.setdefault("ident", self.ident[frm])
        return ip4(self.ip[frm], self.ip[to], proto, seg, **kwargs)

    def seg(self, frm, flags, payload=b"", opts=b"", ipkw=None, **kw):
        return self.wrap(frm, self.tcpseg(frm, flags, payload, opts, **kw), **(ipkw or {}))

    def handshake(self, copts=b"", sopts=b"", aopts=b""):
        return [self.seg("c", "S", opts=copts, win=64240),
                self.seg("s", "SA", opts=sopts, win=65160),
                self.seg("c", "A", opts=aopts)]

    def exchange(self, req=b"hello\n", resp=b"OK hello\n"):
        return [self.seg("c", "PA", req), self.seg("s", "A"),
                self.seg("s", "PA", resp), self.seg("c", "A")]

    def close(self, first="c"):
        other = "s" if first == "c" else "c"
        return [self.seg(first, "FA"), self.seg(other, "FA"), self.seg(first, "A")]

    def simple(self, copts=b"", sopts=b""):
        return self.handshake(copts, sopts) + self.exchange() + self.close()


def frames_eth(conn_pkts):
    """l3 packets of a conversation -> Ethernet frames, direction from the
    IP source (client addresses are the lower MAC)."""
    out = []
    for p in conn_pkts:
        out.append(eth(p, ethertype_of(p)))
    return out


SYN_OPTS = o_mss(1460) + o_sackok() + o_ts(1000, 0) + o_nop() + o_ws(7)
SYNACK_OPTS = o_mss(1460) + o_sackok() + o_ts(2000, 1000) + o_nop() + o_ws(7)

# ------------------------------------------------------------- file output


class Clock:
    def __init__(self, start=T0, step_us=1000):
        self.us = start * 1000000
        self.step = step_us

    def __call__(self):
        t = self.us
        self.us += self.step
        return t


def write_pcap(name, linktype, frames, nano=False, snaplen=262144,
               clock=None, orig_lens=None, raw_records=None):
    """frames: list of bytes, or (time_us, bytes) tuples."""
    clock = clock or Clock()
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = bytearray(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
    for i, f in enumerate(frames):
        if isinstance(f, tuple):
            t, f = f
        else:
            t = clock()
        sec, us = divmod(t, 1000000)
        frac = us * 1000 + (i % 1000) if nano else us
        orig = orig_lens[i] if orig_lens and orig_lens[i] else len(f)
        cap = f[:snaplen]
        out += struct.pack("<IIII", sec, frac, len(cap), orig) + cap
    path = os.path.join(OUT, name)
    with open(path, "wb") as fh:
        fh.write(out)
    return bytes(out)


# pcapng

def ng_opt(code, val, e="<"):
    return struct.pack(e + "HH", code, len(val)) + val + b"\0" * ((-len(val)) % 4)


def ng_opts(opts, e="<"):
    if not opts:
        return b""
    return b"".join(ng_opt(c, v, e) for c, v in opts) + struct.pack(e + "HH", 0, 0)


def ng_block(btype, body, e="<"):
    body += b"\0" * ((-len(body)) % 4)
    tl = 12 + len(body)
    return struct.pack(e + "II", btype, tl) + body + struct.pack(e + "I", tl)


def ng_shb(e="<", opts=()):
    return ng_block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) +
                    ng_opts(opts, e), e)


def ng_idb(linktype, snaplen=262144, name=None, tsresol=None, e="<"):
    opts = []
    if name:
        opts.append((2, name.encode()))
    if tsresol is not None:
        opts.append((9, bytes([tsresol])))
    return ng_block(1, struct.pack(e + "HHI", linktype, 0, snaplen) + ng_opts(opts, e), e)


def ng_epb(ifid, ticks, data, e="<", opts=(), orig=None):
    return ng_block(6, struct.pack(e + "IIIII", ifid, ticks >> 32, ticks & 0xFFFFFFFF,
                                   len(data), orig or len(data)) +
                    data + b"\0" * ((-len(data)) % 4) + ng_opts(opts, e), e)


def ng_ticks(t_us, tsresol):
    """time in microseconds -> ticks for an if_tsresol value"""
    if tsresol is None:
        tsresol = 6
    if tsresol & 0x80:
        return (t_us << (tsresol & 0x7F)) // 1000000
    return t_us * 10 ** tsresol // 1000000


def write_file(name, data):
    with open(os.path.join(OUT, name), "wb") as fh:
        fh.write(data)


# =================================================================== files

def crafted_ipopts():
    c = Conn("10.20.0.1", "10.20.0.2", 40001, 5001, 1000000, 2000000)
    rr = struct.pack("!BBB", 7, 11, 4) + b"\0" * 8            # record route, 2 slots
    tsopt = struct.pack("!BBBB", 68, 12, 5, 0) + b"\0" * 8      # timestamp, 2 slots
    ra = struct.pack("!BBH", 148, 4, 0)                         # router alert
    pkts = [
        c.seg("c", "S", opts=SYN_OPTS, win=64240, ipkw={"opts": b"\x01" + rr}),
        c.seg("s", "SA", opts=SYNACK_OPTS, win=65160, ipkw={"opts": tsopt}),
        c.seg("c", "A", ipkw={"opts": ra}),
        c.seg("c", "PA", b"ip options\n", ipkw={"opts": b"\x01\x01\x01\x00"}),  # nop,nop,nop,eol
        c.seg("s", "A", ipkw={"opts": ra + b"\x01" * 4}),
        c.seg("s", "PA", b"OK ip options\n",
              ipkw={"opts": struct.pack("!BBBB", 68, 40, 41, 0x10) + b"\0" * 36}),  # max size 40
        c.seg("c", "A"),
    ] + c.close()
    write_pcap("crafted-ipopts.pcap", LT_EN10MB, frames_eth(pkts))


def frag4(conn, frm, seg, cuts, ident, order=None):
    """fragment a TCP segment (already checksummed) at byte offsets cuts
    (multiples of 8 except the end) into IPv4 fragments"""
    to = "s" if frm == "c" else "c"
    bounds = [0] + cuts + [len(seg)]
    frags = []
    for i in range(len(bounds) - 1):
        a, b = bounds[i], bounds[i + 1]
        frags.append(ip4(conn.ip[frm], conn.ip[to], 6, seg[a:b], ident=ident,
                         df=False, frag_off=a, mf=(b != len(seg))))
    if order:
        frags = [frags[i] for i in order]
    return frags


def crafted_ipfrag():
    c = Conn("10.20.1.1", "10.20.1.2", 40002, 5002, 3000000, 4000000)
    pkts = c.handshake(SYN_OPTS, SYNACK_OPTS)
    # data segment 1: 2 fragments, first carries the TCP header + 12 bytes
    s1 = c.tcpseg("c", "PA", b"A" * 60)
    pkts += frag4(c, "c", s1, [32], 0x4001)
    pkts.append(c.seg("s", "A"))
    # data segment 2: 3 fragments, last arrives first
    s2 = c.tcpseg("c", "PA", b"B" * 100)
    pkts += frag4(c, "c", s2, [40, 80], 0x4002, order=[2, 0, 1])
    pkts.append(c.seg("s", "A"))
    # data segment 3: first fragment too small to hold the TCP header
    s3 = c.tcpseg("c", "PA", b"C" * 30)
    pkts += frag4(c, "c", s3, [8], 0x4003)
    pkts.append(c.seg("s", "A"))
    # normal unfragmented packets
    pkts += c.exchange(b"normal\n", b"OK normal\n")
    pkts += c.close()
    write_pcap("crafted-ipfrag.pcap", LT_EN10MB, frames_eth(pkts))


# IPv6 extension headers
NH_HBH, NH_DST, NH_RT, NH_FRAG, NH_TCP, NH_NONE = 0, 60, 43, 44, 6, 59


def x_hbh(nh):
    # router alert (5,2,0,0) + PadN (1,0): 2+4+2 = 8 bytes
    return bytes([nh, 0]) + b"\x05\x02\x00\x00\x01\x00"


def x_dst(nh):
    return bytes([nh, 0]) + b"\x01\x04\x00\x00\x00\x00"        # PadN 4


def x_rh0(nh, addrs, segleft=0):
    return struct.pack("!BBBBI", nh, 2 * len(addrs), 0, segleft, 0) + \
        b"".join(ip_aton(a) for a in addrs)


def x_srh(nh, segs, segleft=0):
    return struct.pack("!BBBBBBH", nh, 2 * len(segs), 4, segleft, len(segs) - 1, 0, 0) + \
        b"".join(ip_aton(a) for a in segs)


def x_frag(nh, off, mf, ident):
    return struct.pack("!BBHI", nh, 0, (off & ~7) | (1 if mf else 0), ident)


def crafted_ip6ext():
    C, S = "fd00:20::1", "fd00:20::2"
    c = Conn(C, S, 40003, 5003, 5000000, 6000000)
    pkts = []
    # SYN with hop-by-hop (router alert + PadN)
    pkts.append(ip6(C, S, NH_HBH, c.tcpseg("c", "S", opts=SYN_OPTS, win=64240),
                    ext=x_hbh(NH_TCP)))
    # SYN-ACK with destination options
    pkts.append(ip6(S, C, NH_DST, c.tcpseg("s", "SA", opts=SYNACK_OPTS, win=65160),
                    ext=x_dst(NH_TCP)))
    # ACK with routing header type 0 (segments left 0, last address = dst)
    pkts.append(ip6(C, S, NH_RT, c.tcpseg("c", "A"),
                    ext=x_rh0(NH_TCP, ["fd00:20::fe", S])))
    # data with segment routing header (type 4)
    pkts.append(ip6(C, S, NH_RT, c.tcpseg("c", "PA", b"srh\n"),
                    ext=x_srh(NH_TCP, [S, "fd00:20::fe"])))
    pkts.append(c.seg("s", "A"))
    # data fragmented with a fragment header: first (offset 0, M) + last
    seg = c.tcpseg("c", "PA", b"F" * 48)
    pkts.append(ip6(C, S, NH_FRAG, seg[:40], ext=x_frag(NH_TCP, 0, True, 0xabc1)))
    pkts.append(ip6(C, S, NH_FRAG, seg[40:], ext=x_frag(NH_TCP, 40, False, 0xabc1)))
    pkts.append(c.seg("s", "A"))
    # a chain: HBH -> DST -> RH0 -> FRAG (atomic) -> DST -> TCP
    chain = (x_hbh(NH_DST) + x_dst(NH_RT) + x_rh0(NH_FRAG, [S]) +
             x_frag(NH_DST, 0, False, 0xabc2) + x_dst(NH_TCP))
    pkts.append(ip6(C, S, NH_HBH, c.tcpseg("c", "PA", b"chain\n"), ext=chain))
    pkts.append(ip6(S, C, NH_DST, c.tcpseg("s", "PA", b"OK chain\n"), ext=x_dst(NH_TCP)))
    pkts.append(c.seg("c", "A"))
    # hop-by-hop followed by "no next header" (no TCP at all)
    pkts.append(ip6(C, S, NH_HBH, b"", ext=x_hbh(NH_NONE)))
    pkts += c.close()
    write_pcap("crafted-ip6ext.pcap", LT_EN10MB, frames_eth(pkts))


def mp(sub, rest, low=0):
    return o_raw(30, bytes([(sub << 4) | low]) + rest)


def crafted_tcpopts():
    pkts = []
    # ---- conversation 1: classic options, SACK, odd and malformed options
    c = Conn("10.20.2.1", "10.20.2.2", 40004, 5004, 7000000, 8000000)
    pkts += c.handshake(SYN_OPTS, SYNACK_OPTS, o_nop() * 2 + o_ts(1001, 2000))
    pkts.append(c.seg("c", "PA", b"x" * 100, opts=o_nop() * 2 + o_ts(1002, 2000)))
    s0 = c.nxt["c"]

    def ack(opts, flags="A", **kw):
        return c.seg("s", flags, opts=opts, **kw)

    ts = o_nop() * 2 + o_ts(2001, 1002)
    # SACK blocks relative to client's stream, 1..4 blocks
    pkts.append(ack(ts + o_nop() * 2 + o_sack([(s0 + 100, s0 + 200)])))
    pkts.append(ack(ts + o_nop() * 2 + o_sack([(s0 + 300, s0 + 400), (s0 + 100, s0 + 200)])))
    pkts.append(ack(ts + o_nop() * 2 + o_sack([(s0 + 500, s0 + 600), (s0 + 300, s0 + 400),
                                               (s0 + 100, s0 + 200)])))
    pkts.append(ack(o_nop() * 2 + o_sack([(s0 + 700, s0 + 800), (s0 + 500, s0 + 600),
                                          (s0 + 300, s0 + 400), (s0 + 100, s0 + 200)])))
    # D-SACK style block below the ack
    pkts.append(ack(o_nop() * 2 + o_sack([(s0 - 50, s0)])))
    # sack with a length that is not 2 + 8n
    pkts.append(ack(o_nop() + b"\x05\x07" + b"\x00\x00\x00\x01\x00"))
    # eol followed by junk bytes
    pkts.append(ack(o_nop() + o_eol() + b"\x02\x04\x05\xb4"[:2]))
    pkts.append(ack(o_mss(1400) + o_eol() + b"\x08\x0a\x11"))
    # echo / echoreply (RFC 1072)
    pkts.append(ack(o_raw(6, struct.pack("!I", 0x01020304)) + o_raw(7, struct.pack("!I", 0x05060708))))
    # cc / ccnew / ccecho (RFC 1644)
    pkts.append(ack(o_raw(11, struct.pack("!I", 11)) + o_raw(12, struct.pack("!I", 12)) +
                    o_raw(13, struct.pack("!I", 13)) + o_nop() * 2))
    # md5 signature (RFC 2385), 16-byte digest
    pkts.append(ack(o_raw(19, bytes(range(16))) + o_nop() * 2))
    # scps capabilities (kind 20)
    pkts.append(ack(o_raw(20, b"\x80\x07")))
    # user timeout (RFC 5482): granularity minutes / seconds
    pkts.append(ack(o_raw(28, struct.pack("!H", 0x8005)) + o_raw(28, struct.pack("!H", 300))))
    # TCP-AO (RFC 5925): keyid, rnextkeyid, 12-byte MAC
    pkts.append(ack(o_raw(29, b"\x01\x02" + bytes(range(0xa0, 0xac)))))
    # unknown kind 99
    pkts.append(ack(o_raw(99, b"\xde\xad") + o_nop() * 2 + o_raw(200, b"")))
    # experimental 254 with a non-TFO magic
    pkts.append(ack(o_raw(254, b"\x12\x34\x56\x78") + o_nop() * 2))
    # mss with length 5 / wscale with length 4 (length disagrees with size)
    # (tcpdump 4.99.3 then steps over only the expected 2 data bytes, so
    # the third byte of the mss option, 0, is read as eol)
    pkts.append(ack(o_raw(2, b"\x05\xb4\x00") + o_nop() * 3 + o_raw(3, b"\x07\x00")))
    pkts.append(ack(o_raw(3, b"\x07\x00")))
    # TS with wrong length 6
    pkts.append(ack(o_raw(8, b"\x00\x00\x00\x01") + o_nop() * 2))
    # option length 0 and 1 (malformed)
    pkts.append(ack(o_nop() + b"\x02\x00" + o_nop()))
    pkts.append(ack(o_nop() * 2 + b"\x13\x01"))
    # option longer than the remaining header
    pkts.append(ack(o_nop() * 2 + b"\x08\x0a" + b"\x00\x00\x00\x01" + b"\x00" * 4))
    pkts.append(ack(o_nop() * 2 + b"\x08\x28" + b"\x00" * 8))       # TS claiming 40 bytes
    # urgent data (URG + PSH, urgent pointer)
    pkts.append(c.seg("c", "UPA", b"urgent!", opts=o_nop() * 2 + o_ts(1003, 2001), urp=7))
    # URG flag with urgent pointer 0, and urgent pointer without URG flag
    pkts.append(c.seg("c", "UA", b"u0", urp=0))
    pkts.append(c.seg("c", "PA", b"nourg", urp=3))
    # ECE / CWR on established segments
    pkts.append(c.seg("s", "EA"))
    pkts.append(c.seg("c", "CPA", b"cwr\n"))
    pkts.append(c.seg("s", "ECA"))
    # window 0 / huge window; data offset with padding only (all EOL)
    pkts.append(c.seg("s", "A", win=0))
    pkts.append(c.seg("s", "A", win=65535, opts=b"\x00" * 8))
    pkts += c.close()

    # ---- conversation 2: ECN setup handshake (SYN ECE CWR / SYN-ACK ECE)
    c2 = Conn("10.20.2.1", "10.20.2.2", 40005, 5004, 0x10000000, 0x20000000)
    pkts += [c2.seg("c", "SEC", opts=SYN_OPTS, win=64240),
             c2.seg("s", "SAE", opts=SYNACK_OPTS, win=65160),
             c2.seg("c", "A")]
    pkts += c2.close("s")

    # ---- conversation 3: MPTCP (RFC 8684) MP_CAPABLE, DSS, ADD_ADDR, ...
    c3 = Conn("10.20.2.1", "10.20.2.2", 40006, 5004, 0x30000000, 0x40000000)
    key_a, key_b = 0x1122334455667788, 0x99aabbccddeeff00
    pkts += [c3.seg("c", "S", opts=o_mss(1460) + o_sackok() + o_ts(3000, 0) + o_nop() + o_ws(7) +
                    mp(0, b"\x81", 1), win=64240),                       # v1 SYN, len 4
             c3.seg("s", "SA", opts=o_mss(1460) + o_nop() * 2 + o_sackok() + o_nop() + o_ws(7) +
                    mp(0, b"\x81" + struct.pack("!Q", key_b), 1), win=65160),  # len 12
             c3.seg("c", "A", opts=mp(0, b"\x81" + struct.pack("!QQ", key_a, key_b), 1))]  # len 20
    # DSS: data ack 4 bytes + DSN 4 + SSN + len + checksum
    pkts.append(c3.seg("c", "PA", b"mptcp data\n",
                       opts=mp(2, b"\x05" + struct.pack("!IIIHH", 1, 100, 1, 11, 0xbeef))))
    # DSS: 8-byte data ack only
    pkts.append(c3.seg("s", "A", opts=mp(2, b"\x03" + struct.pack("!Q", 111))))
    # DSS: 8-byte ack + 8-byte DSN, no checksum, DATA_FIN
    pkts.append(c3.seg("s", "PA", b"OK\n",
                       opts=o_nop() * 2 + mp(2, b"\x1f" + struct.pack("!QQIH", 111, 1000, 1, 3))))
    # ADD_ADDR v4 echo (len 8), v4 with port+HMAC (len 18), v6 (len 20+8)
    pkts.append(c3.seg("c", "A", opts=mp(3, b"\x05" + ip_aton("10.20.2.3"), 1)))
    pkts.append(c3.seg("s", "A", opts=mp(3, b"\x06" + ip_aton("10.20.2.4") + struct.pack("!H", 5005) +
                                         bytes(range(8))) + o_nop() * 2))
    pkts.append(c3.seg("s", "A", opts=mp(3, b"\x07" + ip_aton("fd00:20::7") + bytes(range(8)))))
    # REMOVE_ADDR (1 and 3 ids)
    pkts.append(c3.seg("c", "A", opts=mp(4, b"\x05") + o_nop() * 2 + mp(4, b"\x05\x06\x07")))
    # MP_PRIO with and without address id
    pkts.append(c3.seg("c", "A", opts=mp(5, b"\x07", 1) + o_nop() + mp(5, b"", 0)))
    # MP_FAIL, MP_FASTCLOSE
    pkts.append(c3.seg("s", "A", opts=mp(6, b"\x00" + struct.pack("!Q", 123456789))))
    pkts.append(c3.seg("c", "A", opts=mp(7, b"\x00" + struct.pack("!Q", key_b))))
    # unknown MPTCP subtype 0xe
    pkts.append(c3.seg("c", "A", opts=mp(14, b"\x00")))
    # MP_TCPRST on the final RST
    pkts.append(c3.seg("c", "RA", opts=mp(8, b"\x06", 1)))

    # ---- conversation 4: MP_JOIN subflow handshake
    c4 = Conn("10.20.2.3", "10.20.2.2", 40007, 5004, 0x50000000, 0x60000000)
    pkts += [c4.seg("c", "S", opts=o_mss(1460) +
                    mp(1, b"\x02" + struct.pack("!II", 0xdeadbeef, 0x01020304), 1), win=64240),
             c4.seg("s", "SA", opts=o_mss(1460) +
                    mp(1, b"\x02" + struct.pack("!QI", 0x0102030405060708, 0x0a0b0c0d), 0), win=65160),
             c4.seg("c", "A", opts=mp(1, b"\x00" + bytes(range(20)), 0)),
             c4.seg("c", "RA")]

    # ---- conversation 5/6: TCP Fast Open (kind 34) request then cookie+data
    c5 = Conn("10.20.2.1", "10.20.2.2", 40008, 5004, 0x70000000, 0x71000000)
    pkts += [c5.seg("c", "S", opts=SYN_OPTS + o_raw(34, b"") + o_nop() * 2, win=64240),
             c5.seg("s", "SA", opts=SYNACK_OPTS + o_raw(34, bytes.fromhex("b68fcf295b5c24f9")) + o_nop() * 2,
                    win=65160),
             c5.seg("c", "A")] + c5.close()
    c6 = Conn("10.20.2.1", "10.20.2.2", 40009, 5004, 0x72000000, 0x73000000)
    pkts += [c6.seg("c", "S", b"TFO data\n",
                    opts=SYN_OPTS + o_raw(34, bytes.fromhex("b68fcf295b5c24f9")) + o_nop() * 2, win=64240),
             c6.seg("s", "SA", opts=SYNACK_OPTS, win=65160),
             c6.seg("c", "A")] + c6.close()
    # ---- conversation 7/8: experimental TFO (kind 254, magic 0xf989)
    c7 = Conn("10.20.2.1", "10.20.2.2", 40010, 5004, 0x74000000, 0x75000000)
    pkts += [c7.seg("c", "S", opts=o_mss(1460) + o_raw(254, b"\xf9\x89"), win=64240),
             c7.seg("s", "SA", opts=o_mss(1460) + o_raw(254, b"\xf9\x89" + bytes.fromhex("0102030405060708")),
                    win=65160),
             c7.seg("c", "RA")]
    c8 = Conn("10.20.2.1", "10.20.2.2", 40011, 5004, 0x76000000, 0x77000000)
    pkts += [c8.seg("c", "S", b"exp-TFO data\n",
                    opts=o_mss(1460) + o_raw(254, b"\xf9\x89" + bytes.fromhex("0102030405060708")),
                    win=64240),
             c8.seg("s", "RA")]
    # ---- conversation 9: TFO option with an odd cookie length (5 bytes)
    c9 = Conn("10.20.2.1", "10.20.2.2", 40012, 5004, 0x78000000, 0x79000000)
    pkts += [c9.seg("c", "S", opts=o_mss(1460) + o_raw(34, b"\x01\x02\x03\x04\x05") + o_nop(), win=64240),
             c9.seg("s", "RA")]
    # ---- conversation 10: all flags (incl. AE/NS) and no flags at all
    c10 = Conn("10.20.2.1", "10.20.2.2", 40013, 5004, 0x7a000000, 0x7b000000)
    pkts += c10.handshake(SYN_OPTS, SYNACK_OPTS)
    pkts.append(c10.seg("c", "", b"none", advance=False))
    pkts.append(c10.seg("c", "N", advance=False))
    pkts.append(c10.seg("c", "FSRPAUECN", b"all", advance=False))
    write_pcap("crafted-tcpopts.pcap", LT_EN10MB, frames_eth(pkts))


# ----------------------------------------------------------- link types

def v4conn(n=0):
    c = Conn("10.20.3.1", "10.20.3.2", 41000 + n, 5010, 100000 * (n + 1), 200000 * (n + 1))
    return c.handshake(SYN_OPTS, SYNACK_OPTS) + c.exchange() + c.close()


def v6conn(n=0):
    c = Conn("fd00:20::3:1", "fd00:20::3:2", 42000 + n, 5010, 300000 * (n + 1), 400000 * (n + 1))
    return c.handshake(SYN_OPTS, SYNACK_OPTS) + c.exchange() + c.close()


def crafted_linktypes():
    # DLT_NULL: 4-byte family in the byte order of the writing host (the
    # file is little-endian here); BSD AF_INET6 values 24, 28, 30; Linux
    # AF_INET6 10 (tcpdump does not know it); one v4 conn with the family
    # in the other byte order (readers must swap when the high bits are set).
    frames = []
    frames += [struct.pack("<I", 2) + p for p in v4conn(0)]
    for i, af in enumerate((24, 28, 30)):
        frames += [struct.pack("<I", af) + p for p in v6conn(i)[:4]]
    frames += [struct.pack(">I", 2) + p for p in v4conn(1)[:3]]
    frames += [struct.pack("<I", 10) + p for p in v6conn(5)[:2]]
    write_pcap("crafted-null.pcap", LT_NULL, frames)

    # DLT_LOOP: family always in network byte order
    frames = [struct.pack(">I", 2) + p for p in v4conn(2)]
    for i, af in enumerate((24, 28, 30)):
        frames += [struct.pack(">I", af) + p for p in v6conn(10 + i)[:3]]
    write_pcap("crafted-loop.pcap", LT_LOOP, frames)

    # LINKTYPE_RAW (101): v4 and v6 interleaved
    a, b = v4conn(3), v6conn(20)
    frames = []
    for i in range(max(len(a), len(b))):
        if i < len(a):
            frames.append(a[i])
        if i < len(b):
            frames.append(b[i])
    write_pcap("crafted-raw.pcap", LT_RAW, frames)
    write_pcap("crafted-ipv4.pcap", LT_IPV4, v4conn(4))
    write_pcap("crafted-ipv6.pcap", LT_IPV6, v6conn(30))

    # LINUX_SLL with protocol 0x8100: tag (TCI + inner ethertype) follows
    def sll(pkttype, proto, payload, addr=MAC_C):
        return struct.pack("!HHH", pkttype, 1, 6) + addr + b"\0\0" + struct.pack("!H", proto) + payload
    frames = []
    c = Conn("10.20.3.11", "10.20.3.12", 43000, 5011, 500000, 600000)
    for p in c.handshake(SYN_OPTS, SYNACK_OPTS) + c.exchange() + c.close():
        out = p[12:16] == ip_aton("10.20.3.11")
        frames.append(sll(4 if out else 0, 0x8100, struct.pack("!HH", 100, 0x0800) + p,
                          MAC_C if out else MAC_S))
    # an untagged v6 packet and a QinQ-in-SLL one for good measure
    v6 = v6conn(40)
    frames.append(sll(0, 0x86DD, v6[0]))
    frames.append(sll(0, 0x88A8, struct.pack("!HH", 300, 0x8100) + struct.pack("!HH", 100, 0x86DD) + v6[1],
                      MAC_S))
    write_pcap("crafted-sll-vlan.pcap", LT_SLL, frames)

    # Ethernet with 0x9100 / 0x88a8 / 0x8100 stacked tags
    frames = []
    stacks = [((0x9100, 10),), ((0x9100, 10), (0x8100, 20)), ((0x88A8, 30, 3), (0x8100, 40, 5)),
              ((0x8100, 50), (0x8100, 60)), ((0x9100, 1), (0x88A8, 2), (0x8100, 3))]
    for n, tags in enumerate(stacks):
        pk = v4conn(10 + n) if n % 2 == 0 else v6conn(50 + n)
        for p in pk[:5]:
            src_is_c = (p[0] >> 4 == 4 and p[12:16] == ip_aton("10.20.3.1")) or \
                       (p[0] >> 4 == 6 and p[8:24] == ip_aton("fd00:20::3:1"))
            frames.append(eth(p, ethertype_of(p), MAC_C if src_is_c else MAC_S,
                              MAC_S if src_is_c else MAC_C, tags))
    write_pcap("crafted-ether-8021q-9100.pcap", LT_EN10MB, frames)


# ---------------------------------------------------------------- pcapng

def crafted_pcapng():
    # mixed link types (EN10MB, RAW, LINUX_SLL) and time resolutions
    e = "<"
    clk = Clock(T0 + 100, 1500)
    c = Conn("10.20.4.1", "10.20.4.2", 44000, 5020, 700000, 800000)
    pk = c.handshake(SYN_OPTS, SYNACK_OPTS) + c.exchange() + c.close()
    c6 = Conn("fd00:20::4:1", "fd00:20::4:2", 44001, 5020, 900000, 910000)
    pk6 = c6.handshake(SYN_OPTS, SYNACK_OPTS) + c6.exchange() + c6.close()
    c3 = Conn("10.20.4.5", "10.20.4.6", 44002, 5021, 920000, 930000)
    pk3 = c3.handshake(SYN_OPTS, SYNACK_OPTS) + c3.close()

    def sll(p):
        return struct.pack("!HHH", 0, 1, 6) + MAC_C + b"\0\0" + struct.pack("!H", ethertype_of(p)) + p

    data = ng_shb(e, [(4, b"synfin craft.py")])
    data += ng_idb(LT_EN10MB, name="eth0", e=e)                  # tsresol default 10^-6
    # the first 3 packets of interface 0 come before the other IDBs
    # (tcpdump 4.99.3 prints them, then stops at the RAW IDB with
    # "an interface has a type 101 different from the type of the first")
    for p in pk[:3]:
        data += ng_epb(0, ng_ticks(clk(), 6), eth(p, 0x0800), e)
    pk = pk[3:]
    data += ng_idb(LT_RAW, name="raw0", tsresol=9, e=e)          # nanoseconds
    data += ng_block(0x00000123, b"unknown block type, must be skipped", e)
    data += ng_idb(LT_SLL, name="any", tsresol=6, e=e)           # explicit microseconds
    for i in range(max(len(pk), len(pk6), len(pk3))):
        if i < len(pk):
            t = clk()
            data += ng_epb(0, ng_ticks(t, 6), eth(pk[i], 0x0800), e)
        if i < len(pk6):
            t = clk()
            data += ng_epb(1, ng_ticks(t, 9) + 123, pk6[i], e)     # sub-µs part
        if i < len(pk3):
            t = clk()
            data += ng_epb(2, ng_ticks(t, 6), sll(pk3[i]), e)
    write_file("crafted-pcapng-mixed.pcapng", data)

    # same link type (EN10MB) on all interfaces, different if_tsresol
    # (µs default, ns, 2^-20 binary), unknown blocks, a custom block, an
    # NRB, an EPB comment: a file that tcpdump 4.99.3 can read
    clk = Clock(T0 + 200, 1500)
    c = Conn("10.20.4.1", "10.20.4.2", 44010, 5022, 710000, 810000)
    pk = c.handshake(SYN_OPTS, SYNACK_OPTS) + c.exchange() + c.close()
    c6 = Conn("fd00:20::4:1", "fd00:20::4:2", 44011, 5022, 940000, 950000)
    pk6 = c6.handshake(SYN_OPTS, SYNACK_OPTS) + c6.exchange() + c6.close()
    data = ng_shb(e)
    data += ng_idb(LT_EN10MB, name="eth0", e=e)
    data += ng_idb(LT_EN10MB, name="eth1", tsresol=9, e=e)
    nrb = struct.pack(e + "HH", 1, 14) + ip_aton("10.20.4.2") + b"server\0\0\0\0" + b"\0\0" + \
        struct.pack(e + "HH", 0, 0)
    data += ng_block(4, nrb, e)
    data += ng_idb(LT_EN10MB, name="eth2", tsresol=0x94, e=e)   # 2^-20 s
    for i in range(max(len(pk), len(pk6))):
        if i < len(pk):
            t = clk()
            ifid = 0 if i % 2 == 0 else 2
            tsr = 6 if ifid == 0 else 0x94
            opts = [(1, b"comment on an EPB")] if i == 1 else ()
            data += ng_epb(ifid, ng_ticks(t, tsr), eth(pk[i], 0x0800), e, opts)
        if i < len(pk6):
            t = clk()
            data += ng_epb(1, ng_ticks(t, 9) + 7, eth(pk6[i], 0x86DD), e)
        if i == 3:
            data += ng_block(0x00000124, b"\x01\x02\x03", e)       # unknown block type
            data += ng_block(0x00000BAD, struct.pack(e + "I", 32473) + b"custom block data", e)
    write_file("crafted-pcapng-tsresol.pcapng", data)

    # a big-endian pcapng section
    e = ">"
    clk = Clock(T0 + 300, 1000)
    c = Conn("10.20.4.1", "10.20.4.2", 44020, 5023, 720000, 820000)
    data = ng_shb(e) + ng_idb(LT_EN10MB, tsresol=9, e=e)
    for p in c.simple(SYN_OPTS, SYNACK_OPTS):
        data += ng_epb(0, ng_ticks(clk(), 9), eth(p, 0x0800), e)
    write_file("crafted-pcapng-be.pcapng", data)


# ---------------------------------------------------------------- odd IP

def crafted_oddip():
    frames = []
    A, B = "10.20.5.1", "10.20.5.2"
    # 1. 60-byte frame, 40-byte IP packet (Ethernet padding)
    seg = tcp(A, B, 45000, 5030, 1000, 2000, "A")
    frames.append(eth(ip4(A, B, 6, seg), 0x0800) + b"\0" * 6)
    # 1b. padding that is not zero and looks like data
    frames.append(eth(ip4(A, B, 6, seg), 0x0800) + b"PADPAD")
    # 2. IP total length bigger than what was captured / present
    seg = tcp(A, B, 45001, 5030, 1000, 2000, "PA", payload=b"0123456789")
    frames.append(eth(ip4(A, B, 6, seg, tot_len=200), 0x0800))
    # 3. IP total length shorter than the TCP header
    seg = tcp(A, B, 45002, 5030, 1000, 2000, "A")
    frames.append(eth(ip4(A, B, 6, seg, tot_len=36), 0x0800))
    # 4. TCP data offset < 5
    seg = tcp(A, B, 45003, 5030, 1000, 2000, "A", doff=3)
    frames.append(eth(ip4(A, B, 6, seg), 0x0800))
    # 5. TCP data offset pointing past the packet
    seg = tcp(A, B, 45004, 5030, 1000, 2000, "PA", payload=b"abcd", doff=15)
    frames.append(eth(ip4(A, B, 6, seg), 0x0800))
    # 6. IP header length < 20 (ihl 4) and ihl past the packet
    seg = tcp(A, B, 45005, 5030, 1000, 2000, "A")
    frames.append(eth(ip4(A, B, 6, seg, ihl=4), 0x0800))
    frames.append(eth(ip4(A, B, 6, seg, ihl=15), 0x0800))
    # 7. wrong IP version in an IPv4 ethertype frame
    frames.append(eth(ip4(A, B, 6, seg, version=5), 0x0800))
    # 8. non-TCP: UDP, ICMP echo, ARP request, IPv6 UDP
    frames.append(eth(ip4(A, B, 17, udp(A, B, 45006, 5031, b"udp payload")), 0x0800))
    frames.append(eth(ip4(A, B, 1, icmp_echo(0x1234, 1, b"ping" * 4)), 0x0800))
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + MAC_C + ip_aton(A) + b"\0" * 6 + ip_aton(B)
    frames.append(eth(arp, 0x0806, dst=b"\xff" * 6) + b"\0" * 18)
    A6, B6 = "fd00:20::5:1", "fd00:20::5:2"
    frames.append(eth(ip6(A6, B6, 17, udp(A6, B6, 45007, 5031, b"udp6")), 0x86DD))
    # 9. IPv6 payload length bigger than the frame, and shorter than TCP hdr
    seg = tcp(A6, B6, 45008, 5030, 1000, 2000, "PA", payload=b"v6 data")
    frames.append(eth(ip6(A6, B6, 6, seg, plen=100), 0x86DD))
    seg = tcp(A6, B6, 45009, 5030, 1000, 2000, "A")
    frames.append(eth(ip6(A6, B6, 6, seg, plen=12), 0x86DD))
    # 10. a normal TCP packet at the end
    seg = tcp(A, B, 45010, 5030, 1000, 2000, "PA", payload=b"normal")
    frames.append(eth(ip4(A, B, 6, seg), 0x0800))
    # 11. frame shorter than the Ethernet header, and an Ethernet header only
    frames.append(MAC_S + MAC_C[:4])
    frames.append(eth(b"", 0x0800))
    write_pcap("crafted-oddip.pcap", LT_EN10MB, frames)


# ------------------------------------------------------ sequence corners

def crafted_seq():
    pkts = []
    # 1. mid-stream pickup: first packet seen is a data ACK
    c = Conn("10.20.6.1", "10.20.6.2", 46000, 5040, 123456789, 987654321)
    pkts += [c.seg("c", "PA", b"mid-stream 1\n"), c.seg("s", "A"),
             c.seg("s", "PA", b"reply\n"), c.seg("c", "A")] + c.close()
    # 2. handshake then a bare RST (no ACK flag)
    c = Conn("10.20.6.1", "10.20.6.2", 46001, 5040, 1111111, 2222222)
    pkts += c.handshake(SYN_OPTS, SYNACK_OPTS) + [c.seg("c", "PA", b"x\n"), c.seg("s", "R")]
    # 3. handshake ACK acking the wrong number, then server RST
    c = Conn("10.20.6.1", "10.20.6.2", 46002, 5040, 3333333, 4444444)
    pkts += [c.seg("c", "S", opts=SYN_OPTS, win=64240),
             c.seg("s", "SA", opts=SYNACK_OPTS, win=65160),
             c.seg("c", "A", ack=4444444 + 1000)]
    pkts.append(c.seg("s", "R", seq=4444444 + 1000))
    # 4. sequence wrap-around (ISN close to 2^32 on both sides)
    c = Conn("10.20.6.1", "10.20.6.2", 46003, 5040, 0xFFFFFFF0, 0xFFFFFFFE)
    pkts += c.handshake(SYN_OPTS, SYNACK_OPTS)
    pkts += [c.seg("c", "PA", b"W" * 40), c.seg("s", "A"),
             c.seg("s", "PA", b"wrapped\n"), c.seg("c", "A")] + c.close()
    # 5. same port on both sides (sport == dport), different addresses
    c = Conn("10.20.6.3", "10.20.6.4", 5050, 5050, 5555555, 6666666)
    pkts += c.handshake(SYN_OPTS, SYNACK_OPTS) + c.exchange() + c.close()
    # 5b. same addresses, ports swapped roles (v6, both same address)
    c = Conn("fd00:20::6:1", "fd00:20::6:1", 5051, 5052, 7777777, 8888888)
    pkts += c.handshake(SYN_OPTS, SYNACK_OPTS) + c.exchange() + c.close()
    # 6. a SYN-ACK that re-initialises an established conversation
    c = Conn("10.20.6.1", "10.20.6.2", 46004, 5040, 1000, 50000)
    pkts += c.handshake(SYN_OPTS, SYNACK_OPTS) + c.exchange()
    c.nxt["s"] = 90000
    pkts += [c.seg("s", "SA", opts=SYNACK_OPTS, win=65160, seq=90000, ack=1001),
             c.seg("c", "A"), c.seg("c", "PA", b"after re-init\n"), c.seg("s", "A")]
    pkts += c.close()
    # 7. same 4-tuple reused: full conn, then new SYN with a new ISN
    c = Conn("10.20.6.1", "10.20.6.2", 46005, 5040, 10000000, 20000000)
    pkts += c.simple(SYN_OPTS, SYNACK_OPTS)
    c = Conn("10.20.6.1", "10.20.6.2", 46005, 5040, 30000000, 40000000)
    pkts += c.simple(SYN_OPTS, SYNACK_OPTS)
    # 8. SYN retransmitted, then SYN-ACK retransmitted, data retransmitted
    c = Conn("10.20.6.1", "10.20.6.2", 46006, 5040, 600, 700)
    syn = c.seg("c", "S", opts=SYN_OPTS, win=64240)
    synack = c.seg("s", "SA", opts=SYNACK_OPTS, win=65160)
    pkts += [syn, syn, synack, synack, c.seg("c", "A")]
    d = c.seg("c", "PA", b"retransmit me\n")
    pkts += [d, d, c.seg("s", "A")] + c.close("s")
    # 9. RST with ACK and payload (RFC 1122 diagnostic text)
    c = Conn("10.20.6.1", "10.20.6.2", 46007, 5040, 800, 900)
    pkts += c.handshake(SYN_OPTS, SYNACK_OPTS) + [c.seg("s", "RA", b"reset reason")]
    write_pcap("crafted-seq.pcap", LT_EN10MB, frames_eth(pkts))


# ---------------------------------------------------------------- broken

def broken():
    c = Conn("10.20.7.1", "10.20.7.2", 47000, 5050, 1000, 2000)
    good = write_pcap("broken-good.tmp", LT_EN10MB, frames_eth(c.simple(SYN_OPTS, SYNACK_OPTS)))
    os.unlink(os.path.join(OUT, "broken-good.tmp"))
    write_file("broken-empty.pcap", b"")
    write_file("broken-badmagic.pcap", b"This is not a capture file, just some text.\n" * 3)
    write_file("broken-trunc-header.pcap", good[:10])
    # records: walk to find boundaries
    offs = []
    o = 24
    while o < len(good):
        offs.append(o)
        o += 16 + struct.unpack("<I", good[o + 8:o + 12])[0]
    write_file("broken-trunc-record.pcap", good[:offs[4] + 7])      # 4 good, half a header
    last = offs[-1]
    write_file("broken-trunc-data.pcap", good[:last + 16 + 20])     # inside last record's data
    # pcapng with a bad block total length after a few good packets
    clk = Clock(T0 + 400, 1000)
    data = ng_shb() + ng_idb(LT_EN10MB)
    pk = Conn("10.20.7.1", "10.20.7.2", 47001, 5050, 1000, 2000).simple(SYN_OPTS, SYNACK_OPTS)
    for p in pk[:4]:
        data += ng_epb(0, ng_ticks(clk(), 6), eth(p, 0x0800))
    bad = bytearray(ng_epb(0, ng_ticks(clk(), 6), eth(pk[4], 0x0800)))
    struct.pack_into("<I", bad, 4, 0x00FFFFF1)       # huge, not a multiple of 4
    data += bytes(bad)
    for p in pk[5:7]:
        data += ng_epb(0, ng_ticks(clk(), 6), eth(p, 0x0800))
    write_file("broken-pcapng-badlen.pcapng", data)
    # pcap whose snaplen field is 0 and a record larger than the snaplen
    # is left out on purpose: libpcap behaviour differs between versions


def main():
    os.makedirs(OUT, exist_ok=True)
    crafted_ipopts()
    crafted_ipfrag()
    crafted_ip6ext()
    crafted_tcpopts()
    crafted_linktypes()
    crafted_pcapng()
    crafted_oddip()
    crafted_seq()
    broken()


if __name__ == "__main__":
    main()
