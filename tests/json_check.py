#!/usr/bin/env python3
"""synfin's NDJSON output against its schema and its own arithmetic.

usage: json_check.py SYNFIN SCHEMA CAPTURE...

For each capture, runs `synfin --json=all -r CAPTURE` and checks:
  - every line is a JSON object valid against SCHEMA (man/synfin.schema.json,
    JSON Schema draft 2020-12, validated with python3-jsonschema);
  - exactly one "summary" object, and it is the last line;
  - flow ids are unique, and the ids that the "flow" field of events shows,
    in order of first appearance, are exactly 1, 2, ..., N where N is the
    number of flow objects (so every event's flow has a flow object and
    every flow object had events);
  - summary.flows is the number of flow objects, summary.close the count of
    close.kind over them (every kind), summary.anomalies the count of
    anomaly types over them;
  - summary.packets = summary.tcp_packets + the not_decoded counts; the
    events of a flow are its packets (dir c2s / s2c against packets.client
    / packets.server) and carry the same anomaly types as its flow object;
    events of packets are in packet order; every TCP packet is in a flow;
  - timestamps in the raw text (keys "ts" and "*_ts") have exactly 6
    decimals, 9 for a nanosecond-resolution capture (pcap magic a1b23c4d,
    or a pcapng interface with if_tsresol finer than microseconds declared
    before the first packet), and
    durations ("*_ms") 3 decimals (6 for nanosecond captures): the text is
    checked with a regular expression, not the parsed float.
When synfin exits non-zero (a damaged capture), that is noted, and the
output it wrote, if any, is checked all the same.
Exit 0 if everything holds, 1 if anything failed (each failure printed),
2 on usage errors or a missing python3-jsonschema.
"""
import collections
import json
import re
import struct
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print('json_check: python3-jsonschema is not installed', file=sys.stderr)
    sys.exit(2)

TS_RE = re.compile(r'"(ts|[a-z_]+_ts)":(null|[^,}\]]*)')
MS_RE = re.compile(r'"([a-z_]+_ms)":(null|[^,}\]]*)')
MAX_REPORTS = 20    # failures printed per capture, the rest counted


def nano_capture(path):
    """(nano, later): nano is True if synfin prints 9 decimals for this
    capture: a pcap file with the nanosecond magic, or a pcapng file with
    an interface finer than microseconds declared before the first packet
    (synfin chooses the precision when it opens the file, before any
    output). later is True if a finer interface is declared only after
    packets (its sub-microsecond digits are then cut: noted, not failed)."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 4:
        return False, False
    magic = data[:4]
    if magic in (b'\xa1\xb2\x3c\x4d', b'\x4d\x3c\xb2\xa1'):
        return True, False
    if magic != b'\x0a\x0d\x0d\x0a':
        return False, False
    # pcapng: walk the blocks, look at each interface's if_tsresol
    off, endian = 0, '<'
    nano = later = packets = False
    while off + 12 <= len(data):
        btype = struct.unpack_from(endian + 'I', data, off)[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            endian = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
        blen = struct.unpack_from(endian + 'I', data, off + 4)[0]
        if blen < 12 or off + blen > len(data):
            break
        if btype in (2, 3, 6):              # PB, SPB, EPB
            packets = True
        if btype == 1:                      # interface description block
            o, end = off + 16, off + blen - 4
            while o + 4 <= end:
                code, olen = struct.unpack_from(endian + 'HH', data, o)
                if code == 0:
                    break
                if code == 9 and olen == 1:
                    r = data[o + 4]
                    if (r & 0x80 and (r & 0x7F) > 20) or \
                            (not r & 0x80 and r > 6):
                        if packets:
                            later = True
                        else:
                            nano = True
                o += 4 + ((olen + 3) & ~3)
        off += blen
    return nano, later and not nano


class Check:
    def __init__(self, name):
        self.name = name
        self.failures = 0

    def fail(self, msg):
        self.failures += 1
        if self.failures <= MAX_REPORTS:
            print('FAIL %s: %s' % (self.name, msg))


def check_capture(synfin, validators, capture):
    c = Check(capture)
    r = subprocess.run([synfin, '--json=all', '-r', capture],
                       capture_output=True, text=True,
                       env={'TZ': 'UTC', 'PATH': '/usr/bin:/bin'})
    if r.returncode != 0:
        # a damaged capture: synfin reports what it read, then fails;
        # that output must still be valid (no output: nothing to check)
        print('note %s: synfin exited %d: %s' %
              (capture, r.returncode, r.stderr.strip()))
        if r.stdout == '':
            return 0
    lines = r.stdout.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    else:
        c.fail('output does not end with a newline')
    nano, later = nano_capture(capture)
    if later:
        print('note %s: an interface with sub-microsecond time stamps is '
              'declared after the first packet; synfin prints 6 decimals'
              % capture)
    ts_dec, ms_dec = (9, 6) if nano else (6, 3)
    ts_ok = re.compile(r'^[0-9]+\.[0-9]{%d}$' % ts_dec)
    ms_ok = re.compile(r'^[0-9]+\.[0-9]{%d}$' % ms_dec)

    flows, events, summaries = [], [], []
    for n, line in enumerate(lines, 1):
        where = 'line %d' % n
        try:
            o = json.loads(line)
        except ValueError as e:
            c.fail('%s: not JSON (%s): %.120s' % (where, e, line))
            continue
        if not isinstance(o, dict):
            c.fail('%s: not an object' % where)
            continue
        v = validators.get(o.get('type'), validators[None])
        for e in sorted(v.iter_errors(o), key=lambda e: list(e.path)):
            path = '/'.join(str(p) for p in e.absolute_path)
            c.fail('%s (%s): schema: at /%s: %s' %
                   (where, o.get('type'), path, e.message[:200]))
        for key, val in TS_RE.findall(line):
            if val != 'null' and not ts_ok.match(val):
                c.fail('%s: %s is %s, want %d decimals' %
                       (where, key, val, ts_dec))
        for key, val in MS_RE.findall(line):
            if val != 'null' and not ms_ok.match(val):
                c.fail('%s: %s is %s, want %d decimals' %
                       (where, key, val, ms_dec))
        o['_line'] = n
        {'flow': flows, 'event': events,
         'summary': summaries}.get(o.get('type'), []).append(o)

    # exactly one summary, last
    if len(summaries) != 1:
        c.fail('%d summary objects, want 1' % len(summaries))
    if lines and summaries and summaries[-1]['_line'] != len(lines):
        c.fail('summary on line %d of %d, want last' %
               (summaries[-1]['_line'], len(lines)))

    # flow ids: unique, 1..N in first-seen order of the events
    ids = [f.get('id') for f in flows]
    dup = [i for i, k in collections.Counter(ids).items() if k > 1]
    if dup:
        c.fail('flow ids appear more than once: %s' % dup[:10])
    seen = []
    seen_set = set()
    for e in events:
        fid = e.get('flow')
        if fid is not None and fid not in seen_set:
            seen_set.add(fid)
            seen.append(fid)
    if seen != list(range(1, len(seen) + 1)):
        c.fail('flow ids of events in first-seen order are %s, want 1..%d'
               % (seen[:20], len(seen)))
    if sorted(set(ids)) != list(range(1, len(flows) + 1)) and not dup:
        c.fail('flow object ids are not 1..%d: %s' %
               (len(flows), sorted(ids)[:20]))
    missing = sorted(seen_set - set(ids))
    if missing:
        c.fail('events of flows without a flow object: %s' % missing[:20])
    silent = sorted(set(ids) - seen_set)
    if silent:
        c.fail('flow objects without events: %s' % silent[:20])

    byid = {f.get('id'): f for f in flows}
    if summaries:
        s = summaries[-1]
        if s.get('flows') != len(flows):
            c.fail('summary.flows %s, %d flow objects' %
                   (s.get('flows'), len(flows)))
        kinds = collections.Counter(f['close']['kind'] for f in flows
                                    if isinstance(f.get('close'), dict))
        for k, n in (s.get('close') or {}).items():
            if kinds.get(k, 0) != n:
                c.fail('summary.close.%s is %s, flow objects have %d' %
                       (k, n, kinds.get(k, 0)))
        for k in set(kinds) - set(s.get('close') or {}):
            c.fail('close kind %s of flow objects missing in summary' % k)
        an = collections.Counter(a['type'] for f in flows
                                 for a in f.get('anomalies') or [])
        if dict(an) != (s.get('anomalies') or {}):
            c.fail('summary.anomalies %s, flow objects have %s' %
                   (s.get('anomalies'), dict(an)))
        nd = sum((s.get('not_decoded') or {}).values())
        if s.get('packets') != (s.get('tcp_packets') or 0) + nd:
            c.fail('summary.packets %s != tcp_packets %s + not_decoded %d'
                   % (s.get('packets'), s.get('tcp_packets'), nd))
        in_flows = sum(1 for e in events
                       if e.get('packet') is not None
                       and e.get('flow') is not None)
        if in_flows != s.get('tcp_packets'):
            c.fail('%d packet events in flows, summary.tcp_packets %s' %
                   (in_flows, s.get('tcp_packets')))

    # events against their flow objects
    pk = collections.defaultdict(collections.Counter)
    ev_an = collections.defaultdict(collections.Counter)
    last_pkt = 0
    for e in events:
        fid, num = e.get('flow'), e.get('packet')
        if num is not None:
            if num <= last_pkt:
                c.fail('line %d: packet %s after packet %d' %
                       (e['_line'], num, last_pkt))
            last_pkt = num
        if fid is None:
            continue
        if num is not None:
            pk[fid][e.get('dir')] += 1
        ev_an[fid].update(e.get('anomalies') or [])
    for fid, f in byid.items():
        p = f.get('packets') or {}
        got = (pk[fid]['c2s'], pk[fid]['s2c'])
        if got != (p.get('client'), p.get('server')):
            c.fail('flow %s: packets %s/%s, events c2s/s2c %d/%d' %
                   ((fid, p.get('client'), p.get('server')) + got))
        fa = collections.Counter(a['type'] for a in f.get('anomalies') or [])
        if fa != ev_an[fid]:
            c.fail('flow %s: anomalies %s, events carry %s' %
                   (fid, dict(fa), dict(ev_an[fid])))

    if c.failures > MAX_REPORTS:
        print('FAIL %s: ... %d failures in all' % (capture, c.failures))
    return c.failures


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip().split('\n')[2], file=sys.stderr)
        return 2
    synfin, schema_path, captures = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        print('FAIL %s: not a valid draft 2020-12 schema: %s' %
              (schema_path, e.message))
        return 1
    # the whole schema for unknown types; the branch for known ones, for
    # errors that name the key instead of "not valid under any of oneOf"
    validators = {None: cls(schema)}
    for t in ('flow', 'event', 'summary'):
        sub = dict(schema['$defs'][t])
        sub['$defs'] = schema['$defs']
        validators[t] = cls(sub)
    bad = 0
    for capture in captures:
        n = check_capture(synfin, validators, capture)
        print('%s %s' % ('ok  ' if n == 0 else 'FAIL', capture))
        bad += n > 0
    print('%d captures, %d failed' % (len(captures), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
