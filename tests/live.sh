#!/bin/bash
# Live capture in network namespaces (root; SKIPs loudly otherwise):
#   live.sh SYNFIN
# Over a veth pair, while `synfin -i` runs (JSON and text, --linger 1):
# a normal close, a refused port, an SO_LINGER{1,0} abort, and a
# CLOSE_WAIT held 3 s, whose close_wait_linger must be reported while
# synfin still runs; then SIGINT: status 0, kernel counts on stderr. The
# same traffic captured by tcpdump and analysed offline must give the
# same flows, close kinds and anomalies; so must synfin's own -w file.
# Then -Z nobody (the process's ids become nobody's), a bad interface,
# and a bounded load (thousands of short connections in 5 s): flow counts
# live = offline when the kernel dropped nothing.
set -u
synfin=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
peer="$here/../scripts/scenario.py"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "live capture tests need root"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
ip netns add sf-lv-probe 2>/dev/null || skip "cannot create network namespaces here"
ip netns del sf-lv-probe

A=sf-lv-a B=sf-lv-b
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del $A 2>/dev/null
    ip netns del $B 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add $A && ip netns add $B || skip "cannot create namespaces"
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 10.97.0.1/24 dev va
ip -n $B addr add 10.97.0.2/24 dev vb
for ns in $A $B; do
    ip -n $ns link set lo up
    dev=$([ $ns = $A ] && echo va || echo vb)
    ip -n $ns link set $dev up
    ip netns exec $ns ethtool -K $dev tso off gso off gro off tx off >/dev/null 2>&1
done

pass=0 fail=0
check() {   # NAME CONDITION-STATUS [detail]
    if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok: $1"
    else fail=$((fail + 1)); echo "FAIL: $1 ${3:-}"; fi
}

ip netns exec $B python3 "$peer" server --bind 10.97.0.2 \
    --svc 6101:echo:0.2 --svc 6102:close-first --svc 6104:echo:3 \
    >"$tmp/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$tmp/server.log" && break; sleep 0.1; done

# synfin live twice (JSON events+flows with -w; text timeline), tcpdump too
ip netns exec $B "$synfin" -i vb --immediate-mode --linger 1 --json=all \
    -w "$tmp/saved.pcap" tcp >"$tmp/live.json" 2>"$tmp/live.err" &
sfj=$!; pids+=($sfj)
ip netns exec $B "$synfin" -i vb --immediate-mode --linger 1 --color=never \
    tcp >"$tmp/live.txt" 2>"$tmp/live-txt.err" &
sft=$!; pids+=($sft)
ip netns exec $B "$synfin" -i vb --ladder --ascii tcp >"$tmp/live.ladder" \
    2>/dev/null &
sfl=$!; pids+=($sfl)
ip netns exec $B tcpdump -U --immediate-mode -i vb -w "$tmp/ref.pcap" tcp \
    2>"$tmp/tcpdump.err" &
tdp=$!; pids+=($tdp)
sleep 1.5

cl() { ip netns exec $A python3 "$peer" client --host 10.97.0.2 "$@" >/dev/null 2>&1; }
cl --port 6101 --mode echo --count 2 --interval 0.05
cl --port 6102 --mode wait-eof --delay 0.05
cl --port 6199 --mode refused
cl --port 6101 --mode abort
cl --port 6104 --mode echo --count 1 &   # server stays in CLOSE_WAIT 3 s
# close_wait_linger (--linger 1) must show while synfin still runs
found=1
for _ in $(seq 30); do
    if grep -q close_wait_linger "$tmp/live.json" &&
       grep -q '!close_wait_linger' "$tmp/live.txt"; then found=0; break; fi
    sleep 0.1
done
check "close_wait_linger reported before the stop (json and text)" $found
wait %cl 2>/dev/null
sleep 3.5                                  # the CLOSE_WAIT ends with a FIN

kill -INT $sfj $sft $sfl
wait $sfj; rj=$?
wait $sft; rt=$?
wait $sfl; rl=$?
check "--ladder at exit: every flow drawn" "$([ $rl = 0 ] && [ "$(grep -c '^\[[0-9]*\] client' "$tmp/live.ladder")" = 5 ] && grep -q 'RST' "$tmp/live.ladder"; echo $?)" "status $rl, $(grep -c '^\[' "$tmp/live.ladder") diagrams"
kill -TERM $tdp; wait $tdp
check "SIGINT: exit 0 (json)" $([ $rj = 0 ]; echo $?) "status $rj"
check "SIGINT: exit 0 (text)" $([ $rt = 0 ]; echo $?) "status $rt"
check "kernel counts on stderr" "$(grep -q 'packets dropped by kernel' "$tmp/live.err"; echo $?)"
check "summary object last" "$(tail -1 "$tmp/live.json" | grep -q '"type":"summary"'; echo $?)"
check "text totals printed" "$(grep -q '^Flows: ' "$tmp/live.txt"; echo $?)"

# verdicts: live == offline (tcpdump's file) == offline (synfin -w file)
verdicts() {  # flows as "cport sport kind anomalies"
    python3 -c '
import json, sys
rows = []
for line in sys.stdin:
    o = json.loads(line)
    if o["type"] != "flow":
        continue
    an = ",".join(sorted(a["type"] for a in o["anomalies"]))
    rows.append("%s %s %s %s" % (o["server"]["port"], o["close"]["kind"],
                                 o["handshake"]["state"], an))
print("\n".join(sorted(rows)))'
}
verdicts <"$tmp/live.json" >"$tmp/v.live"
"$synfin" --linger 1 --json -r "$tmp/ref.pcap" | verdicts >"$tmp/v.ref"
"$synfin" --linger 1 --json -r "$tmp/saved.pcap" | verdicts >"$tmp/v.saved"
check "live verdicts = offline (tcpdump capture)" "$(cmp -s "$tmp/v.live" "$tmp/v.ref"; echo $?)" "$(diff "$tmp/v.live" "$tmp/v.ref" | tr '\n' ' ')"
check "live verdicts = offline (-w file)" "$(cmp -s "$tmp/v.live" "$tmp/v.saved"; echo $?)"
check "the expected verdicts" "$(printf '%s\n' \
    '6101 fin4 complete ' '6101 rst complete rst' '6102 fin4 complete ' \
    '6104 fin4 complete close_wait_linger' '6199 refused syn_only refused' |
    cmp -s - "$tmp/v.live"; echo $?)" "$(tr '\n' '|' <"$tmp/v.live")"

# -Z nobody: the capture is opened as root, then the ids are nobody's
ip netns exec $B "$synfin" -Z nobody -i vb -q >/dev/null 2>"$tmp/z.err" &
zp=$!; pids+=($zp)
sleep 1
want="$(id -u nobody)"
got=$(awk '/^Uid:/ {print $2, $3, $4, $5}' /proc/$zp/status 2>/dev/null)
check "-Z nobody: uid $want everywhere" "$([ "$got" = "$want $want $want $want" ]; echo $?)" "Uid: $got"
kill -INT $zp; wait $zp
check "-Z nobody: stops with 0" $?

# -Z nobody -w: as tcpdump, the file is created as nobody
chmod o+x "$tmp"                # nobody may pass through, not list
mkdir -m 1777 "$tmp/pub"
ip netns exec $B "$synfin" -Z nobody -w "$tmp/pub/z.pcap" -i vb -q \
    >/dev/null 2>"$tmp/zw.err" &
zp=$!; pids+=($zp)
sleep 1
kill -INT $zp; wait $zp
check "-Z nobody -w: stops with 0" $? "$(cat "$tmp/zw.err")"
check "-Z nobody -w: the file is nobody's" "$([ "$(stat -c %u "$tmp/pub/z.pcap" 2>/dev/null)" = "$want" ]; echo $?)" "$(stat -c %U "$tmp/pub/z.pcap" 2>&1)"

# errors
ip netns exec $B "$synfin" -i nosuch0 2>"$tmp/e.err"
check "no such interface: status 1, one line" "$([ $? = 1 ] && [ "$(wc -l <"$tmp/e.err")" = 1 ] && grep -q 'no such interface' "$tmp/e.err"; echo $?)"
if command -v setpriv >/dev/null; then
    ip netns exec $B setpriv --reuid=nobody --regid="$(id -g nobody)" \
        --clear-groups "$synfin" -i vb 2>"$tmp/p.err"
    check "no permission: status 1, the capability hint" "$([ $? = 1 ] && grep -q 'permission denied.*CAP_NET_RAW' "$tmp/p.err"; echo $?)" "$(cat "$tmp/p.err")"
else
    echo "SKIP: setpriv missing, permission error not tested"
fi

# bounded load: short connections for 5 s, counts live = offline
ip netns exec $B "$synfin" -i vb --immediate-mode -q tcp port 6101 \
    >"$tmp/load.txt" 2>"$tmp/load.err" &
lp=$!; pids+=($lp)
ip netns exec $B tcpdump -U -i vb -w "$tmp/load.pcap" tcp port 6101 \
    2>"$tmp/load-td.err" &
lt=$!; pids+=($lt)
sleep 1
ip netns exec $A timeout 20 python3 - <<'PY'
import socket, time
end = time.time() + 5
n = 0
while time.time() < end and n < 20000:
    s = socket.create_connection(("10.97.0.2", 6101), timeout=2)
    s.sendall(b"x")
    s.recv(64)
    s.close()
    n += 1
print(n)
PY
sleep 2
kill -INT $lp; wait $lp
kill -TERM $lt; wait $lt
drops=$(awk '/dropped by kernel/ {print $1}' "$tmp/load.err")
live_flows=$(awk '/^Flows: / {print $2}' "$tmp/load.txt")
off_flows=$("$synfin" -q -r "$tmp/load.pcap" | awk '/^Flows: / {print $2}')
echo "load: $live_flows flows live, $off_flows offline, $drops dropped by kernel"
if [ "${drops:-1}" = 0 ]; then
    check "load: live flow count = offline" "$([ "$live_flows" = "$off_flows" ]; echo $?)"
else
    check "load: drops reported" "$([ -n "$drops" ]; echo $?)"
fi

# the interface goes away during the capture: the report, then one error
# line naming it, status 1
ip link add vz netns $B type veth peer name vy netns $A
ip -n $B link set vz up
ip netns exec $B "$synfin" -i vz -q >"$tmp/gone.out" 2>"$tmp/gone.err" &
gp=$!; pids+=($gp)
sleep 1
ip -n $B link del vz
wait $gp; rg=$?
check "interface gone: status 1, report kept, error names it" "$([ $rg = 1 ] && grep -q '^Flows: ' "$tmp/gone.out" && grep -q '^synfin: vz: ' "$tmp/gone.err"; echo $?)" "status $rg: $(tail -1 "$tmp/gone.err")"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
