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

# A regular file is read through mappings of 1 MiB windows, a few ahead
# of the parser. Stall the parser (stdout is a fifo nobody reads), then
# change the file behind its back and let it go on.
# big.pcap: the capture's records repeated, time stamps moved on, ~12 MB;
# big.ends: the byte where each of its records ends
python3 - "$cap" "$tmp/big.pcap" >"$tmp/big.ends" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
recs, off = [], 24
while off + 16 <= len(d):
    sec, frac, incl, orig = struct.unpack(e + "IIII", d[off:off + 16])
    recs.append((sec, frac, d[off + 8:off + 16 + incl]))
    off += 16 + incl
with open(sys.argv[2], "wb") as out:
    out.write(d[:24])
    size, k = 24, 0
    while size < 12 << 20:
        for sec, frac, rest in recs:
            out.write(struct.pack(e + "II", sec + 10 * k, frac) + rest)
            size += 8 + len(rest)
            print(size)
        k += 1
PY
stall() {   # start synfin on big.pcap and wait until it blocks
    rm -f "$tmp/out"
    mkfifo "$tmp/out"
    # the SIGBUS exit leaves the reader thread running: by design
    TSAN_OPTIONS="${TSAN_OPTIONS:-}:report_thread_leaks=0" \
        "$synfin" --plain -r "$tmp/big.pcap" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    exec 3<"$tmp/out"
    # blocked: a thread waits in pipe_write and the windows mapped (maps:
    # "start-end perms offset dev inode path") stay the same for 0.1 s;
    # where wchan says nothing, the windows alone after a second
    local prev="" i
    for i in $(seq 100); do
        sleep 0.1
        maps=$(grep -F "$tmp/big.pcap" "/proc/$pid/maps" |
               while read -r range _ off _; do
                   echo $((0x$off)) $((0x${range#*-} - 0x${range%-*}))
               done | sort -n)
        if [ -n "$maps" ] && [ "$maps" = "$prev" ] &&
           { cat /proc/"$pid"/task/*/wchan 2>/dev/null | grep -q pipe_write ||
             [ "$i" -ge 10 ]; }; then
            break
        fi
        prev=$maps
    done
}
drain() {   # drain: let synfin go on; its status in $st, lines in $lines
    lines=$(cat <&3 | wc -l)
    exec 3<&-
    wait "$pid"
    st=$?
}
records_before() {   # the records whole before byte N
    awk -v n="$1" '$1 <= n' "$tmp/big.ends" | wc -l
}
cp "$tmp/big.pcap" "$tmp/big.pcap.orig"
total=$(wc -l <"$tmp/big.ends")
stall
if [ "$(echo "$maps" | grep -c .)" -lt 2 ]; then
    echo "FAIL: mapped windows: expected several, /proc/$pid/maps has:"
    echo "$maps"
    fail=$((fail + 1))
    drain
else
    # cut inside the last window mapped: the kernel raises SIGBUS
    last=$(echo "$maps" | tail -1 | awk '{ print $1 }')
    truncate -s $((last + 65536)) "$tmp/big.pcap"
    drain
    check "file shrinks inside a mapped window" 1 $st "$([ "$(tail -1 "$tmp/err")" = "synfin: $tmp/big.pcap: read error: the file shrank while being read" ] && ! grep -q -i 'sanitizer\|bus error' "$tmp/err"; echo $?)"
    # cut past the windows mapped: a short read, like any truncated file
    cp "$tmp/big.pcap.orig" "$tmp/big.pcap"
    stall
    end=$(echo "$maps" | tail -1 | awk '{ print $1 + $2 }')
    cut=$((end + (3 << 20) + 100))
    truncate -s $cut "$tmp/big.pcap"
    drain
    check "file shrinks past the mapped windows" 1 $st "$(grep -q 'truncated capture' "$tmp/err" && [ "$lines" = "$(records_before $cut)" ]; echo $?)"
    # grows: read on past the size it had when opened
    cp "$tmp/big.pcap.orig" "$tmp/big.pcap"
    stall
    tail -c +25 "$tmp/big.pcap.orig" >>"$tmp/big.pcap"
    drain
    check "file grows while read" 0 $st "$([ "$lines" = $((2 * total)) ]; echo $?)"
fi

# output robustness: a closed pipe ends quietly with 0; a full disk is 1
many=()
for _ in $(seq 30); do many+=(-r "$cap"); done     # more than a pipe holds
"$synfin" "${many[@]}" 2>"$tmp/err" | head -1 >/dev/null
check "| head -1" 0 "${PIPESTATUS[0]}" "$([ ! -s "$tmp/err" ]; echo $?)"
# --json tracks on a thread of its own: the writer's EPIPE must come
# back from it and stop the run. An input that never ends would run
# into the timeout (124) if it did not. (Its time stamps go back at each
# repetition: that warning is expected.)
endless() {
    cat "$cap"
    while :; do tail -c +25 "$cap" || exit; done
}
endless | timeout 20 "$synfin" --json=all -r - 2>"$tmp/err" | head -1 >/dev/null
check "endless input, --json=all | head -1" 0 "${PIPESTATUS[1]}" \
    "$(! grep -q 'error' "$tmp/err"; echo $?)"
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
