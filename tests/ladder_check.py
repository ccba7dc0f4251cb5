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
import subprocess
import sys

HEAD = re.compile(r'^\[(\d+)\] client ')


def main():
    synfin, caps = sys.argv[1], sys.argv[2:]
    bad = 0
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
