#!/usr/bin/env python3
"""Differential fuzzing of synfin --plain against the real tcpdump -nn.

usage: tdfuzz.py SYNFIN [--seed S] [--packets N] [--rounds R] [--keep DIR]

Builds random but plausible frames for every link type synfin decodes
(VLAN stacks, IPv4 options and fragments, IPv6 extension chains, every TCP
option kind with good and bad lengths, odd data offsets, cut snaplens),
writes one pcap per link type and round, and runs tdcompare.py on each.
Deterministic for a given seed. Exit 0 = no difference, 1 = differences
(the failing capture is kept), 77 = tcpdump missing.
"""
import argparse
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

LINKS = {'en10mb': 1, 'sll': 113, 'sll2': 276, 'null': 0, 'loop': 108,
         'raw': 101, 'ipv4': 228, 'ipv6': 229}
ADDR4 = [bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), bytes([192, 0, 2, 7]),
         bytes([203, 0, 113, 200])]
ADDR6 = [bytes.fromhex('fd000000000000000000000000000001'),
         bytes.fromhex('fd000000000000000000000000000002'),
         bytes.fromhex('20010db8000000000000000000000000'),
         bytes.fromhex('00000000000000000000ffffc0000201'),
         bytes.fromhex('fe800000000000000000000000000000'),
         bytes.fromhex('000000000000000000000000c0000207'),
         bytes.fromhex('00000000000000000000000000000001'),
         bytes.fromhex('00000000000000000000000000000000'),
         bytes.fromhex('00010000000100000000000100000000'),
         bytes.fromhex('20010db8000000010000000000000001')]
PORTS = [5001, 40000, 40001, 5001, 65535, 1, 443]


def tcp_option(r):
    kind = r.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 19, 20, 28, 29,
                     30, 34, 254, 99, 2, 8, 5, 30])
    if kind in (0, 1):
        return bytes([kind])
    normal = {2: 4, 3: 3, 4: 2, 6: 6, 7: 6, 8: 10, 11: 6, 12: 6, 13: 6,
              19: 18, 20: 4, 28: 4}
    if kind == 5:
        n = r.choice([1, 2, 3, 4])
        ln = 2 + 8 * n
    elif kind == 29:
        ln = r.choice([4, 6, 10, 3])
    elif kind == 30:
        sub = r.randrange(0, 10)
        ln = r.choice([3, 4, 8, 10, 12, 16, 18, 20, 22, 24, 28, 30])
        body = bytes([sub << 4 | r.randrange(16), r.randrange(256)]) + \
            bytes(r.randrange(256) for _ in range(max(0, ln - 4)))
        return bytes([kind, ln]) + body[:ln - 2]
    elif kind == 34:
        ln = r.choice([2, 6, 10, 18, 5])
    elif kind == 254:
        ln = r.choice([4, 8, 12, 3, 6])
        body = (b'\xf9\x89' if r.random() < 0.7 else b'\x12\x34') + \
            bytes(r.randrange(256) for _ in range(max(0, ln - 4)))
        return bytes([kind, ln]) + body[:ln - 2]
    elif kind == 99:
        ln = r.choice([2, 3, 6])
    else:
        ln = normal[kind]
    if r.random() < 0.08:
        ln = r.choice([0, 1, ln + 1, ln - 1, 40])
    body = bytes(r.randrange(256) for _ in range(max(0, ln - 2)))
    return bytes([kind, ln & 0xff]) + body


def tcp_segment(r, seqs):
    sport, dport = r.choice(PORTS), r.choice(PORTS)
    flags = r.choice([0x02, 0x12, 0x10, 0x18, 0x11, 0x14, 0x04, 0x01, 0x19,
                      0x10, 0x10, r.randrange(256)])
    seq = r.choice([r.randrange(2**32), seqs[0], seqs[0] + r.randrange(3000),
                    0xfffffff0])
    ack = r.choice([r.randrange(2**32), seqs[1], seqs[1] + 1, 0])
    opts = b''
    if r.random() < 0.7:
        while len(opts) < r.choice([4, 12, 20, 40]):
            opts += tcp_option(r)
        opts = opts[:40]
    pad = (-len(opts)) % 4
    opts += b'\x00' * pad if r.random() < 0.8 else b'\x01' * pad
    doff = 5 + len(opts) // 4
    if r.random() < 0.05:
        doff = r.randrange(16)
    payload = bytes(r.randrange(256) for _ in range(r.choice([0, 0, 1, 8, 40])))
    hdr = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, doff << 4 | r.choice([0, 0, 0, 1]),
                      flags, r.randrange(65536), 0, r.randrange(65536))
    return hdr + opts + payload


def ipv4(r, seg):
    opts = b''
    if r.random() < 0.15:
        opts = bytes(r.choice([1, 1, 7, 68, 148, 0]) for _ in
                     range(4 * r.randrange(1, 4)))
    hl = 5 + len(opts) // 4
    total = 4 * hl + len(seg)
    if r.random() < 0.05:
        total = r.choice([total - 5, total + 20, 4 * hl - 1, 10])
    off = 0
    if r.random() < 0.08:
        off = r.choice([0x2000, 0x0010, 0x2010])
    proto = 6 if r.random() < 0.95 else 17
    src, dst = r.choice(ADDR4), r.choice(ADDR4)
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | hl, 0, total & 0xffff,
                    r.randrange(65536), off, 64, proto, 0, src, dst)
    return h + opts + seg


def ipv6(r, seg):
    chain = []
    if r.random() < 0.3:
        chain = r.sample(['hbh', 'dst', 'rt0', 'rt4', 'frag', 'dst'],
                         r.randrange(1, 4))
        if 'hbh' in chain:
            chain.remove('hbh')
            chain.insert(0, 'hbh')
    types = {'hbh': 0, 'dst': 60, 'rt0': 43, 'rt4': 43, 'frag': 44}
    body = seg
    nh = 6
    for name in reversed(chain):
        if name == 'hbh' or name == 'dst':
            opts = r.choice([b'\x01\x04\x00\x00\x00\x00',
                             b'\x05\x02\x00\x00\x01\x02\x00\x00'[:6],
                             b'\x00' * 6, b'\x05\x03\x00\x00\x00\x00'])
            ext = bytes([nh, 0]) + opts
        elif name == 'frag':
            off = 0 if r.random() < 0.8 else 8
            ext = struct.pack('!BBHI', nh, 0, off | r.choice([0, 1]),
                              r.randrange(2**32))
        else:
            typ = 0 if name == 'rt0' else 4
            n = r.choice([1, 2])
            ext = bytes([nh, 2 * n, typ, 1]) + \
                (struct.pack('!I', r.choice([0, 0, 5])) if typ == 0 else
                 bytes([n - 1, r.choice([0, 0, 3])]) + b'\x12\x34') + \
                b''.join(r.choice(ADDR6) for _ in range(n))
        nh = types[name]
        body = ext + body
    plen = len(body)
    if r.random() < 0.04:
        plen = r.choice([0, plen + 10, plen - 3])
    src, dst = r.choice(ADDR6), r.choice(ADDR6)
    return struct.pack('!IHBB16s16s', 0x60000000, plen & 0xffff, nh, 64, src,
                       dst) + body


def frame(r, link, seqs):
    seg = tcp_segment(r, seqs)
    v6 = r.random() < 0.35 if link not in ('ipv4', 'ipv6') else link == 'ipv6'
    ip = ipv6(r, seg) if v6 else ipv4(r, seg)
    et = b'\x86\xdd' if v6 else b'\x08\x00'
    if link == 'en10mb':
        tags = b''
        for _ in range(r.choice([0, 0, 0, 1, 2])):
            tags += r.choice([b'\x81\x00', b'\x88\xa8', b'\x91\x00']) + \
                struct.pack('!H', r.randrange(4096))
        f = b'\x02' * 6 + b'\x04' * 6 + tags + et + ip
        if len(f) < 60 and r.random() < 0.5:
            f += b'\x00' * (60 - len(f))
        return f
    if link == 'sll':
        vl = b''
        if r.random() < 0.2:
            vl = struct.pack('!H', r.randrange(4096)) + et
            et = b'\x81\x00'
        return struct.pack('!HHH8s', r.choice([0, 4]), 1, 6, b'\x02' * 8) + \
            et + vl + ip
    if link == 'sll2':
        return et + b'\x00\x00' + struct.pack('!I', r.choice([1, 1, 99999])) + \
            struct.pack('!HBB8s', 1, r.choice([0, 4, 3, 9]), 6, b'\x02' * 8) + ip
    if link in ('null', 'loop'):
        fam = 2 if not v6 else r.choice([24, 28, 30])
        return (struct.pack('!I', fam) if link == 'loop' or r.random() < 0.3
                else struct.pack('<I', fam)) + ip
    return ip


def write_pcap(path, dlt, frames):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, dlt))
        for i, (data, caplen, wire) in enumerate(frames):
            f.write(struct.pack('<IIII', 1700000000 + i, (i * 7919) % 1000000,
                                caplen, wire))
            f.write(data[:caplen])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('synfin')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--packets', type=int, default=400)
    ap.add_argument('--rounds', type=int, default=1)
    ap.add_argument('--keep', default=None)
    a = ap.parse_args()
    if not shutil.which('tcpdump'):
        print('SKIP: tcpdump is not installed', file=sys.stderr)
        return 77
    r = random.Random(a.seed)
    tmp = tempfile.mkdtemp(prefix='tdfuzz')
    failures = 0
    total = 0
    for rnd in range(a.rounds):
        for link, dlt in LINKS.items():
            frames = []
            seqs = [r.randrange(2**32), r.randrange(2**32)]
            for _ in range(a.packets):
                data = frame(r, link, seqs)
                caplen = len(data)
                if r.random() < 0.3:
                    caplen = r.randrange(0, len(data) + 1)
                wire = len(data) if r.random() < 0.95 else len(data) + 100
                frames.append((data, caplen, wire))
            path = os.path.join(tmp, f'fuzz-{a.seed}-{rnd}-{link}.pcap')
            write_pcap(path, dlt, frames)
            for flags in ([], ['-S'], ['-tt'], ['-ttt']):
                total += 1
                p = subprocess.run([sys.executable,
                                    os.path.join(HERE, 'tdcompare.py'),
                                    a.synfin, path] + flags,
                                   capture_output=True, text=True)
                if p.returncode != 0:
                    failures += 1
                    print(p.stdout[-3000:])
                    if a.keep:
                        os.makedirs(a.keep, exist_ok=True)
                        shutil.copy(path, a.keep)
    if not failures:
        shutil.rmtree(tmp)
    else:
        print(f'failing captures kept in {a.keep or tmp}')
    print(f'tdfuzz seed {a.seed}: {total} comparisons, {failures} failed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
