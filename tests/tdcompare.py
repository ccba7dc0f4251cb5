#!/usr/bin/env python3
"""Compare `synfin --plain` with the real `tcpdump -nn` on one capture.

usage: tdcompare.py [--write-golden OUT] SYNFIN FILE [extra flags...]

Both tools run with -# (packet numbers) and TZ=UTC. Every line synfin
prints must equal tcpdump's line for the same packet, both cut after the
first ", length N" (tcpdump's application-layer suffix is out of scope);
every tcpdump line that is a TCP line ("Flags [", "[|tcp]", "bad hdr
length") must have a synfin line. Exit 0 = identical, 1 = differences,
77 = tcpdump missing (skip). With --write-golden, tcpdump's TCP lines (cut,
without numbers) are also written to OUT: the --plain golden files.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

NUM = re.compile(r'^\s*(\d+)  (.*)$')
CUT = re.compile(r'^(.*?, length \d+)')
TCP_HINT = ('Flags [', '[|tcp]', '[bad hdr length')
# An IPv4 header cut inside its options prints the same for TCP and UDP;
# such lines are compared when synfin prints them, not required.
MAYBE_TCP = 'IP  [remaining caplen'


def numbered(text):
    lines = {}
    for line in text.splitlines():
        m = NUM.match(line)
        if m:
            lines[int(m.group(1))] = m.group(2)
    return lines


def cut(line):
    m = CUT.match(line)
    return m.group(1) if m else line


def split_pcapng(path, outdir):
    """Writes one nanosecond pcap per pcapng interface (link type and
    snaplen of its IDB, times converted with its if_tsresol and
    if_tsoffset); returns their paths. Enough pcapng for our test files:
    SHB (either byte order), IDB, EPB, SPB, OPB; other blocks skipped."""
    data = open(path, 'rb').read()
    pos, order, ifs, out = 0, '<', [], {}
    while pos + 12 <= len(data):
        btype = struct.unpack_from(order + 'I', data, pos)[0]
        if btype == 0x0a0d0d0a:
            order = '<' if data[pos + 8:pos + 12] == b'\x4d\x3c\x2b\x1a' \
                else '>'
            ifs = []
        blen = struct.unpack_from(order + 'I', data, pos + 4)[0]
        if blen < 12 or pos + blen > len(data):
            break
        body = data[pos + 8:pos + blen - 4]
        if btype == 1:
            lt, _, snap = struct.unpack_from(order + 'HHI', body, 0)
            res, off, o = 10 ** 6, 0, 8
            while o + 4 <= len(body):
                code, olen = struct.unpack_from(order + 'HH', body, o)
                val = body[o + 4:o + 4 + olen]
                if code == 0:
                    break
                if code == 9 and olen == 1:
                    res = 2 ** (val[0] & 0x7f) if val[0] & 0x80 \
                        else 10 ** val[0]
                if code == 14 and olen == 8:
                    off = struct.unpack(order + 'q', val)[0]
                o += 4 + ((olen + 3) & ~3)
            ifs.append((lt, snap, res, off))
        elif btype in (6, 2, 3):
            if btype == 3:
                ifid, ts, (orig,) = 0, 0, struct.unpack_from(order + 'I', body)
                pkt = body[4:4 + min(orig, len(body) - 4)]
            else:
                if btype == 6:
                    ifid, hi, lo, cap, orig = struct.unpack_from(
                        order + 'IIIII', body)
                else:
                    ifid, _, hi, lo, cap, orig = struct.unpack_from(
                        order + 'HHIIII', body)
                ts = hi << 32 | lo
                pkt = body[20:20 + cap]
            lt, snap, res, off = ifs[ifid]
            sec, frac = divmod(ts, res)
            ns = frac * 10 ** 9 // res
            if ifid not in out:
                f = open(os.path.join(outdir, f'if{ifid}.pcap'), 'wb')
                f.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0,
                                    snap or 262144, lt))
                out[ifid] = f
            out[ifid].write(struct.pack('<IIII', sec + off, ns, len(pkt),
                                        orig) + pkt)
        pos += blen
    for f in out.values():
        f.close()
    return [f.name for f in out.values()]


def split_compare(synfin, capture, env):
    """tcpdump (libpcap) refuses a pcapng whose interfaces have different
    link types. Split it per interface, run tcpdump -S -tt on each part,
    and compare the union of lines with synfin -S -tt: absolute numbers
    and epoch times make every line independent of the others, and both
    sides are sorted (same-time lines may interleave)."""
    want = []
    with tempfile.TemporaryDirectory() as tmp:
        for part in split_pcapng(capture, tmp):
            td = subprocess.run(['tcpdump', '-S', '-tt', '-nn', '-r', part],
                                capture_output=True, text=True, env=env)
            want += [cut(l) for l in td.stdout.splitlines()
                     if any(h in l for h in TCP_HINT)]
    sf = subprocess.run([synfin, '--plain', '-S', '-tt', '-r', capture],
                        capture_output=True, text=True, env=env)
    got = [cut(l) for l in sf.stdout.splitlines()]
    bad = sorted(set(want) ^ set(got))
    for line in bad[:10]:
        print(f'{"only tcpdump" if line in want else "only synfin "}: {line}')
    if sorted(want) != sorted(got) and not bad:
        print('same lines, different counts')
        bad = ['count']
    print(f'{capture} (split per interface, -S -tt): {len(got)} synfin '
          f'lines, {len(want)} tcpdump lines, {len(bad)} differences')
    return 1 if bad or not got else 0


def main():
    args = sys.argv[1:]
    golden = None
    if args[:1] == ['--write-golden'] and len(args) > 1:
        golden, args = args[1], args[2:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    synfin, capture, extra = args[0], args[1], args[2:]
    tcpdump = shutil.which('tcpdump')
    if not tcpdump:
        print('SKIP: tcpdump is not installed', file=sys.stderr)
        return 77
    env = dict(os.environ, TZ='UTC')
    td = subprocess.run([tcpdump, '-#', '-nn', '-r', capture] + extra,
                        capture_output=True, env=env)
    if b'different from the type of the first interface' in td.stderr:
        if golden:
            print('cannot write a tcpdump golden for this file',
                  file=sys.stderr)
            return 2
        return split_compare(synfin, capture, env) if not extra else 0
    sf = subprocess.run([synfin, '-#', '--plain', '-r', capture] + extra,
                        capture_output=True, env=env)
    td_lines = numbered(td.stdout.decode('utf-8', 'replace'))
    sf_lines = numbered(sf.stdout.decode('utf-8', 'replace'))
    if golden:
        with open(golden, 'w') as f:
            for n, ref in sorted(td_lines.items()):
                if any(h in ref for h in TCP_HINT) or \
                        (MAYBE_TCP in ref and n in sf_lines):
                    f.write(cut(ref) + '\n')
    bad = 0
    for n, line in sorted(sf_lines.items()):
        ref = td_lines.get(n)
        if ref is None:
            print(f'packet {n}: synfin printed a line, tcpdump did not:\n'
                  f'  synfin : {line}')
            bad += 1
        elif cut(ref) != cut(line):
            print(f'packet {n} differs:\n  tcpdump: {cut(ref)}\n'
                  f'  synfin : {cut(line)}')
            bad += 1
    for n, ref in sorted(td_lines.items()):
        if n not in sf_lines and any(h in ref for h in TCP_HINT):
            print(f'packet {n}: tcpdump printed a TCP line, synfin did not:\n'
                  f'  tcpdump: {ref}')
            bad += 1
    if sf.returncode != 0 and td.returncode == 0:
        print(f'synfin exited {sf.returncode}, tcpdump 0: '
              f'{sf.stderr.decode(errors="replace").strip()}')
        bad += 1
    print(f'{capture} {" ".join(extra)}: {len(sf_lines)} synfin lines, '
          f'{len(td_lines)} tcpdump lines, {bad} differences')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
