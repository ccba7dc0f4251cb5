#!/bin/bash
# Bounded resources on hostile shapes (no timing asserted beyond a loose
# ratio): a SYN flood of N distinct 4-tuples is tracked within --max-flows
# (peak memory under a cap, every eviction counted), and ten times the
# packets of all-new flows costs about ten times the work, not a hundred
# (instructions are not available everywhere, so user CPU time with a
# generous factor); with more flows than the tables keep, the timeline
# and -q print the same tables, the first 50000 rows and anomalies.
#   resources.sh SYNFIN
set -u
synfin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok: $1";
          else fail=$((fail + 1)); echo "FAIL: $1 ${3:-}"; fi; }
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time (package time) needed"; exit 77; }

synflood() {  # N FILE: N SYNs, each from a new address and port
    python3 - "$1" "$2" <<'PY'
import struct, sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    eth = b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00'
    for i in range(n):
        src = struct.pack('!I', 0x0b000000 + i)
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 0, 0x4000, 64, 6, 0,
                         src, b'\x0a\x00\x00\x01')
        tcp = struct.pack('!HHIIBBHHH', 1024 + i % 60000, 443, i, 0, 0x50,
                          2, 64240, 0, 0)
        rec = eth + ip + tcp
        f.write(struct.pack('<IIII', 1700000000 + i // 100000,
                            i % 100000 * 10, len(rec), len(rec)) + rec)
PY
}
synflood 1000000 "$tmp/flood.pcap"
/usr/bin/time -f '%M %U' -o "$tmp/t1" "$synfin" -q --max-flows 10000 \
    -r "$tmp/flood.pcap" >"$tmp/out1" 2>/dev/null
read -r rss1 user1 <"$tmp/t1"
echo "1M SYNs, --max-flows 10000: peak ${rss1} KB, ${user1} s user"
check "SYN flood: peak memory under 64 MB with --max-flows 10000" \
    "$([ "$rss1" -lt 65536 ]; echo $?)" "(${rss1} KB)"
check "SYN flood: 990000 evictions counted" \
    "$(grep -q '990000 evicted by --max-flows' "$tmp/out1"; echo $?)" \
    "$(grep '^Flows:' "$tmp/out1")"
check "SYN flood: every flow reported" \
    "$(grep -q '^Flows: 1000000 ' "$tmp/out1"; echo $?)"

synflood 100000 "$tmp/small.pcap"
/usr/bin/time -f '%M %U' -o "$tmp/t2" "$synfin" -q -r "$tmp/small.pcap" \
    >/dev/null 2>&1
/usr/bin/time -f '%M %U' -o "$tmp/t3" "$synfin" -q -r "$tmp/flood.pcap" \
    >/dev/null 2>&1
read -r rss2 user2 <"$tmp/t2"
read -r rss3 user3 <"$tmp/t3"
echo "all-new flows: 100k in ${user2} s, 1M in ${user3} s (user)"

# The timeline and -q print the same tables: the first 50000 rows and
# anomalies, in the order flows end, -ttttt measured from the first
# packet (the timeline formats them on its writer thread).
TZ=UTC "$synfin" -ttttt -r "$tmp/small.pcap" 2>/dev/null |
    sed -n '/^Anomalies (/,$p' >"$tmp/tl_tables"
TZ=UTC "$synfin" -q -ttttt -r "$tmp/small.pcap" >"$tmp/q_tables" 2>/dev/null
check "100k flows: the timeline's tables are -q's" \
    "$(cmp -s "$tmp/tl_tables" "$tmp/q_tables"; echo $?)"
check "100k flows: 50000 rows and anomalies kept, the rest counted" \
    "$(grep -q '^  ... and 50000 more (--json' "$tmp/tl_tables" &&
       grep -q '^  ... and 50000 more flows, not kept' "$tmp/tl_tables" &&
       grep -q '^   00:00:00.499990 \[50000\] syn_unanswered' \
           "$tmp/tl_tables" &&
       grep -q '^50000  11\.0\.195\.79\.51023 ' "$tmp/tl_tables" &&
       ! grep -q '\[50001\]\|^50001 ' "$tmp/tl_tables"; echo $?)"
check "all-new flows: 10x the packets, under 30x the time" \
    "$(awk -v a="$user2" -v b="$user3" 'BEGIN { exit !(b < 30 * (a + 0.05)) }'; echo $?)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
