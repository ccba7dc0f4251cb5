#!/bin/bash
# The CI-sized benchmark: bench/run.sh --quick --check on a small generated
# capture. It asserts no speed, only that the script runs: every tool's row
# has a time, the ratios are worked out, and synfin --plain prints what
# tcpdump -nn prints.
#   bench_smoke.sh RUN.SH BUILDDIR
set -u
run=$1
builddir=$2
for p in tcpdump tshark tcptrace; do
    command -v "$p" >/dev/null || {
        echo "SKIP: $p is not installed (scripts/install-deps installs it)"
        exit 77
    }
done
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time (package time) needed"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
pass=0 fail=0
check() { if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok: $1";
          else fail=$((fail + 1)); echo "FAIL: $1 ${3:-}"; fi; }

"$run" --quick --check --builddir "$builddir" >"$out" 2>&1
rc=$?
cat "$out"
check "run.sh exits 0" "$rc" "(exit $rc)"

# a row with a time, a rate, a peak and a ratio to the floor
for tool in "readloop (floor)" "readloop --bufsize 1M" "synfin --plain" \
            "synfin -q" "synfin --json" "synfin (timeline)" "tcpdump -nn" \
            "tshark -q -z conv,tcp" "tcptrace -n"; do
    awk -v t="$tool" 'substr($0, 1, length(t)) == t {
            rest = substr($0, length(t) + 1)
            if (rest ~ /^ +[0-9]+\.[0-9]+ +[0-9.]+ [kM] +[0-9.]+ +[0-9.]+$/)
                found = 1
        } END { exit !found }' "$out"
    check "timed: $tool" $?
done

for pair in "tcpdump -nn / synfin --plain" "tcpdump -nn / synfin (timeline)" \
            "tshark -q -z conv,tcp / synfin -q" "tcptrace -n / synfin -q"; do
    awk -v t="  $pair" 'substr($0, 1, length(t)) == t &&
            substr($0, length(t) + 1) ~ /^ +[0-9]+\.[0-9]+x$/ { found = 1 }
        END { exit !found }' "$out"
    check "ratio: $pair" $?
done

grep -q '^check: synfin --plain output identical to tcpdump -nn ([1-9][0-9]* lines)$' "$out"
check "synfin --plain prints tcpdump's lines" $?

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
