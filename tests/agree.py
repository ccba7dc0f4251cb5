#!/usr/bin/env python3
"""The text report and the JSON report tell the same story.

usage: agree.py SYNFIN CAPTURE...

For each capture, parses the "Flows (N):" table and the "Anomalies (N):"
list of `synfin --color=never -r CAPTURE` (src/report_timeline.c) and the
flow objects of `synfin --json -r CAPTURE`, and requires:
  - N of "Flows (N):" and the table's rows, the JSON flow objects and
    summary.flows all count the same flows, with the same set of ids;
  - per flow: the same handshake state, close kind, side after "by" (the
    text shows close.initiator, or close.rst_by when there is no
    initiator, and nothing when both are null), ", half-close" exactly when
    close.half_close, the same Zeek conn_state, the same client and server
    (ip.port), the same packet count (client + server), the same duration
    (the text truncates to milliseconds);
  - per flow: the anomaly column lists each type of the flow's JSON
    anomalies once, in order of first appearance ("-" for none), and the
    "Anomalies (N):" list has every occurrence ("[ID] type:"), so its
    multiset of types per flow equals the JSON one, and N is their total.
When synfin exits non-zero (a damaged capture), both runs must exit
alike and what they wrote is compared all the same.
Exit 0 if all agree, 1 if not (each disagreement printed), 2 on usage.
"""
import collections
import json
import re
import subprocess
import sys

ROW = re.compile(r'^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*?)\s+'
                 r'(\d+)\.(\d{3}) s\s+(\d+)\s+(\S+)\s+(\S+)$')
CLOSE = re.compile(r'^([a-z0-9_]+)(?: by ([a-z]+))?(, half-close)?$')
ANOM = re.compile(r'^  \S+ \[(\d+)\] ([a-z_]+): ')
ENV = {'TZ': 'UTC', 'PATH': '/usr/bin:/bin'}


def endpoint(ep):
    """tcpdump style ip.port, as sf_endpoint_format writes it."""
    return '%s.%d' % (ep['ip'], ep['port'])


def parse_text(out, fail):
    """{id: row dict}, declared flow count, [(id, type)], declared anomaly
    count, from the text report."""
    lines = out.split('\n')
    rows, anoms = {}, []
    nflows = nanoms = None
    i = 0
    # the packet lines come first and are not ours; the reports start at
    # the first line that is exactly "Anomalies (N):" or "Flows (N):"
    while i < len(lines):
        m = re.match(r'^(Anomalies|Flows) \((\d+)\):$', lines[i])
        if not m:
            i += 1
            continue
        i += 1
        if m.group(1) == 'Anomalies':
            nanoms = int(m.group(2))
            while i < len(lines) and lines[i] != '':
                a = ANOM.match(lines[i])
                if a:
                    anoms.append((int(a.group(1)), a.group(2)))
                else:
                    fail('unparsed anomaly line: %r' % lines[i])
                i += 1
        else:
            nflows = int(m.group(2))
            if i < len(lines) and lines[i].split()[:1] == ['id']:
                i += 1
            while i < len(lines) and lines[i] != '':
                r = ROW.match(lines[i])
                if not r:
                    fail('unparsed flow row: %r' % lines[i])
                    i += 1
                    continue
                c = CLOSE.match(r.group(5))
                if not c:
                    fail('unparsed close column: %r' % r.group(5))
                fid = int(r.group(1))
                if fid in rows:
                    fail('flow %d has two rows' % fid)
                rows[fid] = {
                    'client': r.group(2), 'server': r.group(3),
                    'handshake': r.group(4),
                    'kind': c.group(1) if c else None,
                    'by': c.group(2) if c else None,
                    'half_close': bool(c and c.group(3)),
                    'duration_ms': int(r.group(6)) * 1000 + int(r.group(7)),
                    'pkts': int(r.group(8)), 'zeek': r.group(9),
                    'anomalies': [] if r.group(10) == '-'
                    else r.group(10).split(','),
                }
                i += 1
            break           # the totals follow the table
    return rows, nflows, anoms, nanoms


def check_capture(synfin, capture):
    failures = []

    def fail(msg):
        failures.append(msg)
        print('FAIL %s: %s' % (capture, msg))

    t = subprocess.run([synfin, '--color=never', '-r', capture],
                       capture_output=True, text=True, env=ENV)
    j = subprocess.run([synfin, '--json', '-r', capture],
                       capture_output=True, text=True, env=ENV)
    # a damaged capture: both modes must fail alike, after reporting
    # what they read (nothing at all when the file could not be opened)
    if t.returncode != j.returncode:
        fail('synfin exited %d with text output, %d with JSON' %
             (t.returncode, j.returncode))
        return 1
    if t.returncode != 0:
        print('note %s: synfin exited %d: %s' %
              (capture, t.returncode, j.stderr.strip()))
        if t.stdout == '' and j.stdout == '':
            return 0
    rows, nflows, text_an, nanoms = parse_text(t.stdout, fail)
    flows, summary = {}, None
    for line in j.stdout.splitlines():
        o = json.loads(line)
        if o.get('type') == 'flow':
            flows[o['id']] = o
        elif o.get('type') == 'summary':
            summary = o
    if nflows is None:
        fail('no "Flows (N):" line in the text output')
    elif nflows != len(rows):
        fail('"Flows (%d):" but %d rows' % (nflows, len(rows)))
    if summary is not None and summary['flows'] != len(flows):
        fail('summary.flows %d, %d flow objects' %
             (summary['flows'], len(flows)))
    if set(rows) != set(flows):
        fail('flow ids: text %s, json %s' %
             (sorted(rows)[:20], sorted(flows)[:20]))

    for fid in sorted(set(rows) & set(flows)):
        r, f = rows[fid], flows[fid]
        cl = f['close']
        by = cl['initiator'] if cl['initiator'] is not None else cl['rst_by']
        want = {
            'client': endpoint(f['client']), 'server': endpoint(f['server']),
            'handshake': f['handshake']['state'], 'kind': cl['kind'],
            'by': by, 'half_close': cl['half_close'],
            'pkts': f['packets']['client'] + f['packets']['server'],
            'zeek': f['conn_state'],
        }
        for k, v in want.items():
            if r[k] != v:
                fail('flow %d: %s is %r in the text, %r in JSON' %
                     (fid, k, r[k], v))
        if f['duration_ms'] is not None and \
                r['duration_ms'] != int(round(f['duration_ms'] * 1000)) // 1000:
            fail('flow %d: duration %d ms in the text, %s in JSON' %
                 (fid, r['duration_ms'], f['duration_ms']))
        types = [a['type'] for a in f['anomalies']]
        once = list(dict.fromkeys(types))
        if r['anomalies'] != once:
            fail('flow %d: anomaly column %s, JSON anomalies %s' %
                 (fid, ','.join(r['anomalies']) or '-', types))

    text_by = collections.defaultdict(collections.Counter)
    for fid, typ in text_an:
        text_by[fid][typ] += 1
    json_by = {fid: collections.Counter(a['type'] for a in f['anomalies'])
               for fid, f in flows.items() if f['anomalies']}
    if dict(text_by) != json_by:
        for fid in sorted(set(text_by) | set(json_by)):
            a, b = text_by.get(fid, {}), json_by.get(fid, {})
            if a != b:
                fail('flow %d: Anomalies list %s, JSON %s' %
                     (fid, dict(a), dict(b)))
    total = sum(len(f['anomalies']) for f in flows.values())
    if (nanoms or 0) != total or len(text_an) != total:
        fail('"Anomalies (%s):" with %d lines, JSON has %d anomalies' %
             (nanoms, len(text_an), total))
    return len(failures)


def main():
    if len(sys.argv) < 3:
        print('usage: agree.py SYNFIN CAPTURE...', file=sys.stderr)
        return 2
    synfin, bad = sys.argv[1], 0
    for capture in sys.argv[2:]:
        n = check_capture(synfin, capture)
        print('%s %s' % ('ok  ' if n == 0 else 'FAIL', capture))
        bad += n > 0
    print('%d captures, %d failed' % (len(sys.argv) - 2, bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
