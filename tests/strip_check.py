#!/usr/bin/env python3
"""The annotated timeline with its annotations stripped is --plain.

usage: strip_check.py SYNFIN CAPTURE [flags...]

Takes the packet part of the default output (up to the first blank line),
drops the lines of anomalies found by timeouts ("TIME # [ID] !..."), cuts
each packet line before "  # [", and requires the result to equal
`synfin --plain` on the same capture, line for line.
"""
import re
import subprocess
import sys

TIMEOUT_LINE = re.compile(r'^(\S.* )?# \[\d+\] !')


def main():
    synfin, capture, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    env = {'TZ': 'UTC', 'PATH': '/usr/bin:/bin'}
    ann = subprocess.run([synfin, '--color=never', '-r', capture] + extra,
                         capture_output=True, text=True, env=env)
    plain = subprocess.run([synfin, '--plain', '-r', capture] + extra,
                           capture_output=True, text=True, env=env)
    stripped = []
    for line in ann.stdout.split('\n'):
        if line == '':
            break
        if '  # [' in line:
            stripped.append(line[:line.index('  # [')])
        elif TIMEOUT_LINE.match(line):
            continue
        else:
            stripped.append(line)
    want = plain.stdout.split('\n')
    if want and want[-1] == '':
        want.pop()
    if stripped != want:
        for i, (a, b) in enumerate(zip(stripped, want)):
            if a != b:
                print(f'line {i + 1}:\n  stripped: {a}\n  plain   : {b}')
                break
        print(f'{len(stripped)} stripped lines, {len(want)} plain lines')
        return 1
    if ann.returncode != plain.returncode:
        print(f'exit status {ann.returncode} vs {plain.returncode}')
        return 1
    print(f'{capture}: {len(want)} lines agree')
    return 0


if __name__ == '__main__':
    sys.exit(main())
