#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/ from testdata/.

decode:   single frames of the testdata pcap files, each prefixed with the
          6-byte header fuzz_decode.c reads (link index, wirelen tweak,
          formatter config).
pipeline: a few whole small capture files (pcap and pcapng, some broken).
tracker:  hand-made 16-byte records (see fuzz_tracker.c) for the common
          handshakes and closes.
Run from the project root: python3 fuzz/mkcorpus.py"""

import hashlib
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = os.path.join(ROOT, 'testdata')
OUT = os.path.join(ROOT, 'fuzz', 'corpus')

# index = fuzz_decode.c's dlts[] order; key = DLT after LINKTYPE mapping
DLT_INDEX = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 12: 5, 101: 5, 228: 6,
             229: 7}
PER_LINK = 24          # frames kept per link type
PIPELINE_MAX = 4096    # bytes: whole files up to this size


def pcap_frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        return
    lt = struct.unpack(e + 'I', data[20:24])[0] & 0x03ffffff
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        if off + incl > len(data):
            return
        yield lt, data[off:off + incl], orig
        off += incl


def write(dirname, blob):
    name = hashlib.sha1(blob).hexdigest()[:16]
    with open(os.path.join(dirname, name), 'wb') as f:
        f.write(blob)


def decode_corpus():
    d = os.path.join(OUT, 'decode')
    seen = {}
    for fn in sorted(os.listdir(TESTDATA)):
        if not fn.endswith('.pcap') or fn.startswith('broken'):
            continue
        for lt, frame, orig in pcap_frames(os.path.join(TESTDATA, fn)):
            if lt not in DLT_INDEX:
                continue
            idx = DLT_INDEX[lt]
            if seen.get(idx, 0) >= PER_LINK:
                continue
            seen[idx] = seen.get(idx, 0) + 1
            frame = frame[:200]
            extra = max(orig - len(frame), 0)
            # tweak: mode 1 (wirelen = caplen + extra) or mode 0
            tweak = (1 << 30 | extra) if extra else 0
            cfg = (seen[idx] * 7) & 0x7f
            write(d, bytes([idx | (seen[idx] % 32) << 3]) +
                  struct.pack('>I', tweak) + bytes([cfg]) + frame)
    return seen


def pipeline_corpus():
    d = os.path.join(OUT, 'pipeline')
    n = 0
    for fn in sorted(os.listdir(TESTDATA)):
        p = os.path.join(TESTDATA, fn)
        if not fn.endswith(('.pcap', '.pcapng')):
            continue
        if os.path.getsize(p) > PIPELINE_MAX:
            continue
        shutil.copyfile(p, os.path.join(d, fn))
        n += 1
    return n


def rec(sender, flags, seq=0, ack=0, length=0, step=1, unit=1, extra=0,
        raw_seq=False, raw_ack=False, linger=False, syn=False, win=255):
    b0 = sender | raw_seq << 1 | raw_ack << 2 | unit << 3 | linger << 5 \
        | syn << 6
    return struct.pack('>BBiiHHBB', b0, flags, seq, ack, length, step, win,
                       extra)


S, A, F, R, P = 0x02, 0x10, 0x01, 0x04, 0x08
C, SV = 0, 1
OPTS = 0x02 | 0x04 | 0x08 | 0x10    # MSS, wscale, SACK, TS


def tracker_corpus():
    d = os.path.join(OUT, 'tracker')
    hs = [rec(C, S, extra=OPTS), rec(SV, S | A, extra=OPTS),
          rec(C, A)]
    cases = {
        'fin4': hs + [rec(C, P | A, length=100), rec(SV, A),
                      rec(C, F | A), rec(SV, A), rec(SV, F | A),
                      rec(C, A)],
        'fin3': hs + [rec(C, F | A), rec(SV, F | A), rec(C, A)],
        'rst': hs + [rec(C, P | A, length=10), rec(SV, R | A)],
        'refused': [rec(C, S), rec(SV, R | A)],
        'syn_only': [rec(C, S), rec(C, S, seq=-1, step=3, unit=3),
                     rec(C, S, seq=-1, step=6, unit=3, syn=True)],
        'simopen': [rec(C, S), rec(SV, S), rec(C, S | A, seq=-1),
                    rec(SV, S | A, seq=-1), rec(C, A), rec(SV, A)],
        'closewait': hs + [rec(C, F | A), rec(SV, A),
                           rec(SV, A, step=20, unit=3, linger=True)],
        'midstream': [rec(C, P | A, length=500, raw_seq=True,
                          raw_ack=True, seq=0x12345678, ack=0x7654321),
                      rec(SV, A), rec(SV, P | A, length=20)],
        'v6_tfo': [rec(C, S, length=30, extra=0x40 | 0x20 | OPTS),
                   rec(SV, S | A, extra=0x20), rec(C, A),
                   rec(C, F | A), rec(SV, F | A), rec(C, A)],
        'reuse': hs + [rec(C, F | A), rec(SV, F | A), rec(C, A),
                       rec(C, S, seq=30000, step=1, unit=3),
                       rec(SV, S | A), rec(C, A)],
        'crossed': hs + [rec(C, F | A), rec(SV, F | A, ack=-1),
                         rec(C, A), rec(SV, A)],
        'rst_oow': hs + [rec(SV, R, seq=20000)],
    }
    for name, recs in cases.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(b''.join(recs))
    return len(cases)


def main():
    for t in ('decode', 'pipeline', 'tracker'):
        p = os.path.join(OUT, t)
        shutil.rmtree(p, ignore_errors=True)
        os.makedirs(p)
    seen = decode_corpus()
    npipe = pipeline_corpus()
    ntr = tracker_corpus()
    print('decode: %d frames (%s), pipeline: %d files, tracker: %d cases'
          % (sum(seen.values()), ', '.join('%d:%d' % kv for kv in
                                            sorted(seen.items())),
             npipe, ntr))


if __name__ == '__main__':
    sys.exit(main())
