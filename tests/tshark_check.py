#!/usr/bin/env python3
"""Cross-check synfin's flows with tshark's TCP analysis on one capture.

usage: tshark_check.py SYNFIN CAPTURE KNOWN

tshark (two-pass, -2) and synfin must split the packets into the same
connections (tcp.stream vs synfin's flows: the same frames in each), and
agree per connection on what both have a notion of:
  syn, synack, fin, rst, data   tcp.completeness bits 1, 2, 16, 32, 8
                                (synfin: handshake step times, Zeek history
                                letters F/R, payload bytes); only for flows
                                that began with a SYN, where tshark tracks it
  reused_ports                  tcp.analysis.reused_ports on the first SYN
                                (synfin: a port_reuse anomaly)
  syn_retrans, synack_retrans   tcp.analysis.retransmission on SYN and
                                SYN-ACK frames (synfin: counts - 1)
  data_retrans                  retransmission/fast/spurious/out_of_order
                                on segments with payload, per direction
                                (synfin: retransmits)
Every disagreement must be listed in KNOWN ("CASE FLOW FIELD why"), and
every listed one must still occur. Exit 0 = as expected, 1 = not, 77 =
tshark missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys

FIELDS = ['frame.number', 'tcp.stream', 'tcp.completeness',
          'tcp.analysis.reused_ports', 'tcp.analysis.retransmission',
          'tcp.analysis.fast_retransmission',
          'tcp.analysis.spurious_retransmission',
          'tcp.analysis.out_of_order', 'tcp.flags.syn', 'tcp.flags.ack',
          'tcp.len', 'ip.src', 'ipv6.src', 'tcp.srcport']
NUM = re.compile(r'^\s*(\d+)  .*  # \[(\d+)\]')


def tshark_frames(capture):
    out = subprocess.run(
        ['tshark', '-2', '-r', capture, '-T', 'fields', '-E',
         'separator=\t', '-E', 'occurrence=f'] +
        sum([['-e', f] for f in FIELDS], []),
        capture_output=True, text=True, env=dict(os.environ, TZ='UTC'))
    frames = {}
    for line in out.stdout.splitlines():
        v = dict(zip(FIELDS, line.split('\t')))
        if v.get('tcp.stream', '') == '':
            continue
        frames[int(v['frame.number'])] = v
    return frames


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    synfin, capture, known_path = sys.argv[1:]
    if not shutil.which('tshark'):
        print('SKIP: tshark is not installed', file=sys.stderr)
        return 77
    case = os.path.basename(capture)
    env = dict(os.environ, TZ='UTC')
    tl = subprocess.run([synfin, '-#', '--color=never', '-r', capture],
                        capture_output=True, text=True, env=env)
    js = subprocess.run([synfin, '--json', '-r', capture],
                        capture_output=True, text=True, env=env)
    flows = {}
    for line in js.stdout.splitlines():
        o = json.loads(line)
        if o['type'] == 'flow':
            flows[o['id']] = o
    frame_flow = {}
    for line in tl.stdout.splitlines():
        m = NUM.match(line)
        if m:
            frame_flow[int(m.group(1))] = int(m.group(2))
    frames = tshark_frames(capture)

    found = set()
    # the same partition of frames into connections
    stream_frames, flow_frames = {}, {}
    for n, v in frames.items():
        stream_frames.setdefault(int(v['tcp.stream']), set()).add(n)
    for n, fid in frame_flow.items():
        flow_frames.setdefault(fid, set()).add(n)
    stream_of_flow = {}
    for fid, fs in flow_frames.items():
        streams = {int(frames[n]['tcp.stream']) for n in fs if n in frames}
        if len(streams) != 1 or stream_frames[next(iter(streams))] != fs:
            found.add((fid, 'partition'))
        if streams:
            stream_of_flow[fid] = min(streams)

    for fid, o in flows.items():
        s = stream_of_flow.get(fid)
        if s is None:
            continue
        fr = sorted(stream_frames[s])
        last = frames[fr[-1]]
        comp = int(last['tcp.completeness'] or 0)
        hist = o['history']
        hs = o['handshake']
        mine = {
            'syn': hs['syn_ts'] is not None,
            'synack': hs['synack_ts'] is not None,
            'fin': 'F' in hist.upper(),
            'rst': 'R' in hist.upper(),
            'data': o['bytes']['client'] + o['bytes']['server'] > 0,
        }
        theirs = {'syn': bool(comp & 1), 'synack': bool(comp & 2),
                  'fin': bool(comp & 16), 'rst': bool(comp & 32),
                  'data': bool(comp & 8)}
        # tshark tracks completeness from a conversation's SYN only
        # (packet-tcp.c): for flows picked up mid-stream it is not defined
        if hs['state'] != 'none':
            for k in mine:
                if mine[k] != theirs[k]:
                    found.add((fid, k))
        reused = any(frames[n]['tcp.analysis.reused_ports'] for n in fr)
        mine_reused = any(a['type'] == 'port_reuse' for a in o['anomalies'])
        if reused != mine_reused:
            found.add((fid, 'reused_ports'))
        syn_rt = sum(1 for n in fr if frames[n]['tcp.flags.syn'] in
                     ('1', 'True') and frames[n]['tcp.flags.ack'] in
                     ('0', 'False') and frames[n]['tcp.analysis.retransmission'])
        synack_rt = sum(1 for n in fr if frames[n]['tcp.flags.syn'] in
                        ('1', 'True') and frames[n]['tcp.flags.ack'] in
                        ('1', 'True') and
                        frames[n]['tcp.analysis.retransmission'])
        if syn_rt != max(hs['syn_count'] - 1, 0):
            found.add((fid, 'syn_retrans'))
        if synack_rt != max(hs['synack_count'] - 1, 0):
            found.add((fid, 'synack_retrans'))
        cport = o['client']['port']
        data_rt = {'client': 0, 'server': 0}
        for n in fr:
            v = frames[n]
            if int(v['tcp.len'] or 0) == 0 or v['tcp.flags.syn'] in ('1', 'True'):
                continue
            if any(v[k] for k in ('tcp.analysis.retransmission',
                                  'tcp.analysis.fast_retransmission',
                                  'tcp.analysis.spurious_retransmission',
                                  'tcp.analysis.out_of_order')):
                side = 'client' if int(v['tcp.srcport']) == cport else 'server'
                data_rt[side] += 1
        if data_rt != o['retransmits']:
            found.add((fid, 'data_retrans'))

    known = set()
    if os.path.exists(known_path):
        with open(known_path) as f:
            for line in f:
                parts = line.split(None, 3)
                if len(parts) >= 3 and parts[0] == case:
                    known.add((int(parts[1]), parts[2]))
    status = 0
    for fid, field in sorted(found - known):
        print(f'{case}: flow {fid}: {field}: synfin and tshark disagree '
              f'(not listed in {os.path.basename(known_path)})')
        status = 1
    for fid, field in sorted(known - found):
        print(f'{case}: flow {fid}: {field}: listed as a disagreement, but '
              f'they agree now')
        status = 1
    print(f'{case}: {len(flows)} flows, {len(stream_frames)} tshark streams, '
          f'{len(found)} disagreements ({len(found & known)} known)')
    return status


if __name__ == '__main__':
    sys.exit(main())
