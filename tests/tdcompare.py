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


def split_compare(synfin, capture, env):
    """tcpdump (libpcap) refuses a pcapng whose interfaces have different
    link types. Split it per interface with tshark, run tcpdump -S -tt on
    each part, and compare the union of lines with synfin -S -tt: absolute
    numbers and epoch times make every line independent of the others,
    and both sides are sorted (same-time lines may interleave)."""
    if not shutil.which('tshark'):
        print('SKIP: multi-link-type pcapng needs tshark to split it',
              file=sys.stderr)
        return 77
    ids = subprocess.run(['tshark', '-r', capture, '-T', 'fields', '-e',
                          'frame.interface_id'], capture_output=True,
                         text=True, env=env).stdout.split()
    want = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in sorted(set(ids)):
            part = os.path.join(tmp, f'if{i}.pcap')
            subprocess.run(['tshark', '-r', capture, '-Y',
                            f'frame.interface_id == {i}', '-F', 'pcap', '-w',
                            part], capture_output=True, env=env, check=True)
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
    return 1 if bad else 0


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
