#!/bin/bash
# Command-line behaviour: exit statuses, error lines, stdin, -F, -c,
# merged -r files, closed pipes and write errors.
#   cli.sh SYNFIN CAPTURE
set -u
synfin=$1 cap=$2
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {   # check NAME EXPECTED-STATUS ACTUAL-STATUS [condition-result]
    local name=$1 want=$2 got=$3 cond=${4:-0}
    if [ "$got" = "$want" ] && [ "$cond" = 0 ]; then
        pass=$((pass + 1))
    else
        echo "FAIL: $name (status $got, wanted $want; condition $cond)"
        fail=$((fail + 1))
    fi
}

plain="$tmp/plain"
"$synfin" --plain -r "$cap" >"$plain" 2>/dev/null
check "plain runs" 0 $?
n=$(wc -l <"$plain")

# stdin gives the same lines
"$synfin" --plain -r - <"$cap" >"$tmp/stdin" 2>/dev/null
check "stdin" 0 $? "$(cmp -s "$plain" "$tmp/stdin"; echo $?)"

# a pipe: a packet is parsed as soon as it arrives, not once a buffer's
# worth has (tcpdump -w - | synfin -r -); the writer keeps the pipe open
first=$(python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read(40)
e = "<" if d[:4] == b"\xd4\xc3\xb2\xa1" else ">"
print(40 + struct.unpack(e + "I", d[32:36])[0])' "$cap")
mkfifo "$tmp/fifo"
(head -c "$first" "$cap"; exec sleep 60) >"$tmp/fifo" &
writer=$!
timeout 20 "$synfin" --plain -c 1 -r "$tmp/fifo" >"$tmp/pipe1" 2>/dev/null
st=$?
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
check "pipe: first packet before the writer closes" 0 $st "$(head -1 "$plain" | cmp -s - "$tmp/pipe1"; echo $?)"

# -c N stops after N packets
"$synfin" --plain -c 3 -r "$cap" >"$tmp/c3" 2>/dev/null
check "-c 3" 0 $? "$([ "$(wc -l <"$tmp/c3")" = 3 ]; echo $?)"

# a filter from the arguments and from -F give the same result
"$synfin" --plain -r "$cap" 'tcp[tcpflags] & tcp-syn != 0' >"$tmp/f1" 2>/dev/null
check "filter args" 0 $? "$([ -s "$tmp/f1" ] && [ "$(wc -l <"$tmp/f1")" -lt "$n" ]; echo $?)"
printf '# SYNs only\ntcp[tcpflags] & tcp-syn != 0\n' >"$tmp/filter"
"$synfin" --plain -r "$cap" -F "$tmp/filter" >"$tmp/f2" 2>/dev/null
check "-F" 0 $? "$(cmp -s "$tmp/f1" "$tmp/f2"; echo $?)"

# two files merge by timestamp: every line twice, still in time order
"$synfin" --plain -tt -r "$cap" -r "$cap" >"$tmp/twice" 2>/dev/null
check "merge" 0 $? "$([ "$(wc -l <"$tmp/twice")" = $((2 * n)) ] && sort -s -n -k1,1 "$tmp/twice" | cmp -s - "$tmp/twice"; echo $?)"

# nothing left after the filter: an empty table (regression: qsort on
# NULL, caught by the libFuzzer pipeline target under UBSan)
"$synfin" -r "$cap" udp >"$tmp/empty" 2>&1
check "filter leaving no packet" 0 $? "$(grep -q '^Flows: 0' "$tmp/empty"; echo $?)"

# errors: one line naming the file, status 1 (runtime) or 2 (usage)
"$synfin" -r "$tmp/missing.pcap" >/dev/null 2>"$tmp/err"
check "missing file" 1 $? "$(grep -q "^synfin: $tmp/missing.pcap: " "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ]; echo $?)"
echo "hello" >"$tmp/text.pcap"
"$synfin" -r "$tmp/text.pcap" >/dev/null 2>"$tmp/err"
check "not a capture" 1 $? "$(grep -q 'not a pcap or pcapng' "$tmp/err"; echo $?)"
: >"$tmp/empty.pcap"
"$synfin" -r "$tmp/empty.pcap" >/dev/null 2>"$tmp/err"
check "empty file" 1 $? "$(grep -q 'empty file' "$tmp/err"; echo $?)"
size=$(stat -c %s "$cap")
head -c $((size - 7)) "$cap" >"$tmp/cut.pcap"
"$synfin" --plain -r "$tmp/cut.pcap" >"$tmp/cut" 2>"$tmp/err"
check "truncated file keeps what was read" 1 $? "$(grep -q 'truncated capture' "$tmp/err" && [ "$(wc -l <"$tmp/cut")" = $((n - 1)) ]; echo $?)"
"$synfin" -r "$cap" 'tcp port' >/dev/null 2>"$tmp/err"
check "bad filter" 1 $? "$(grep -q '^synfin: filter: ' "$tmp/err"; echo $?)"
"$synfin" --bogus >/dev/null 2>&1
check "unknown option" 2 $?
"$synfin" >/dev/null 2>&1
check "no input" 2 $?
"$synfin" -c x -r "$cap" >/dev/null 2>&1
check "bad -c" 2 $?
"$synfin" --linger -1 -r "$cap" >/dev/null 2>&1
check "bad --linger" 2 $?
"$synfin" --max-flows 1073741825 -r "$cap" >/dev/null 2>"$tmp/err"
check "--max-flows above 2^30" 2 $? "$(grep -q 'at most 1073741824' "$tmp/err"; echo $?)"
"$synfin" -q --max-flows 1073741824 -r "$cap" >/dev/null 2>&1
check "--max-flows 2^30" 0 $?
"$synfin" -w "$tmp/out.pcap" -r "$cap" >/dev/null 2>&1
check "-w without -i" 2 $?
"$synfin" -i lo -r "$cap" >/dev/null 2>&1
check "-i with -r" 2 $?

# output robustness: a closed pipe ends quietly with 0; a full disk is 1
many=()
for _ in $(seq 30); do many+=(-r "$cap"); done     # more than a pipe holds
"$synfin" "${many[@]}" 2>"$tmp/err" | head -1 >/dev/null
check "| head -1" 0 "${PIPESTATUS[0]}" "$([ ! -s "$tmp/err" ]; echo $?)"
if [ -w /dev/full ]; then
    "$synfin" -r "$cap" >/dev/full 2>"$tmp/err"
    check "/dev/full" 1 $? "$(grep -q 'error writing output' "$tmp/err"; echo $?)"
fi
"$synfin" --help >/dev/null
check "--help" 0 $?
"$synfin" --version | grep -q '^synfin '
check "--version" 0 $?

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
