#!/usr/bin/env python3
"""Ladder diagrams (--ladder) on captures:

usage: ladder_check.py SYNFIN CAPTURE...

For widths 72, 80 and 132, Unicode (C.UTF-8) and --ascii: no line is
wider than the width, every flow of the JSON output has its diagram
("[ID] client"), each diagram has one arrow row per SYN, SYN-ACK, FIN and
RST segment of the flow (from --json=events), and runs of data collapse:
no diagram has two data rows in a row. Exit 0/1.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

HEAD = re.compile(r'^\[(\d+)\] client ')


def long_flow(path, nseg):
    """One connection with nseg data segments between handshake and close."""
    def seg(c2s, flags, seq, ack, data=b''):
        sport, dport = (40000, 6000) if c2s else (6000, 40000)
        src, dst = (b'\x0a\x00\x00\x01', b'\x0a\x00\x00\x02') if c2s \
            else (b'\x0a\x00\x00\x02', b'\x0a\x00\x00\x01')
        tcp = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff,
                          ack & 0xffffffff, 0x50, flags, 64240, 0, 0) + data
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0x4000,
                         64, 6, 0, src, dst)
        return b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip + tcp
    c, s = 1000, 5000
    frames = [seg(1, 0x02, c, 0), seg(0, 0x12, s, c + 1),
              seg(1, 0x10, c + 1, s + 1)]
    cs, ss = c + 1, s + 1
    for i in range(nseg):
        if i % 2 == 0:
            frames.append(seg(1, 0x18, cs, ss, b'x' * 100))
            cs += 100
        else:
            frames.append(seg(0, 0x10, ss, cs))
    frames += [seg(1, 0x11, cs, ss), seg(0, 0x11, ss, cs + 1),
               seg(1, 0x10, cs + 1, ss + 1)]
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack('<IIII', 1700000000, i * 100, len(fr),
                                len(fr)) + fr)


def main():
    synfin, caps = sys.argv[1], sys.argv[2:]
    bad = 0
    # a flow with hundreds of data segments collapses to one data row
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'long.pcap')
        long_flow(path, 600)
        out = subprocess.run([synfin, '--ladder', '--ascii', '-r', path],
                             capture_output=True, text=True).stdout
        rows = [l for l in out.splitlines() if '|' in l]
        data = [l for l in rows if '<>' in l]
        if len(rows) > 8 or len(data) != 1 or '600 segments' not in data[0]:
            print(f'600 data segments: {len(rows)} rows, data rows: {data}')
            bad += 1
    for cap in caps:
        env = dict(os.environ, TZ='UTC')
        ev = subprocess.run([synfin, '--json=all', '-r', cap],
                            capture_output=True, text=True, env=env)
        flows, ctrl = set(), {}
        for line in ev.stdout.splitlines():
            o = json.loads(line)
            if o['type'] == 'flow':
                flows.add(o['id'])
            elif o['type'] == 'event' and o['flow'] and o['flags'] and \
                    set(o['flags']) & set('SFR'):
                ctrl[o['flow']] = ctrl.get(o['flow'], 0) + 1
        for width in (72, 80, 132):
            for ascii_ in (False, True):
                e = dict(env, COLUMNS=str(width))
                if ascii_:
                    args = [synfin, '--ladder', '--ascii', '-r', cap]
                else:
                    e.update(LANG='C.UTF-8', LC_ALL='C.UTF-8')
                    args = [synfin, '--ladder', '-r', cap]
                out = subprocess.run(args, capture_output=True, text=True,
                                     env=e).stdout
                seen, arrows, cur, prev_data = set(), {}, None, False
                for line in out.splitlines():
                    if len(line) > width:
                        print(f'{cap} {width} ascii={ascii_}: {len(line)} '
                              f'columns: {line}')
                        bad += 1
                    m = HEAD.match(line)
                    if m:
                        cur = int(m.group(1))
                        seen.add(cur)
                        prev_data = False
                        continue
                    is_arrow = ('▶' in line or '◀' in line) if not ascii_ \
                        else re.search(r'\|[-<].*[->]\|', line) is not None \
                        and '<>' not in line
                    is_data = ('⇄' in line) if not ascii_ else '|' in line \
                        and '<>' in line
                    if cur and is_arrow and re.search(
                            r'\b(SYN|SYN-ACK|FIN|RST)\b', line):
                        arrows[cur] = arrows.get(cur, 0) + 1
                    if is_data and prev_data:
                        print(f'{cap}: flow {cur}: two data rows in a row')
                        bad += 1
                    if is_data or is_arrow:
                        prev_data = is_data
                if seen != flows and len(flows) <= 10000:
                    print(f'{cap} {width}: diagrams for {sorted(seen)[:10]}, '
                          f'flows {sorted(flows)[:10]}')
                    bad += 1
                for fid, n in ctrl.items():
                    if arrows.get(fid, 0) < min(n, 400):
                        print(f'{cap} {width} ascii={ascii_}: flow {fid}: '
                              f'{arrows.get(fid, 0)} control arrows, {n} '
                              f'SYN/FIN/RST segments')
                        bad += 1
    print(f'{len(caps)} captures, {bad} problems')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
