#!/usr/bin/env bash
# synfin benchmark: synfin vs tcpdump -nn vs a bare libpcap read loop.
# See bench/README.md for how to read the output.
set -u -o pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [--packets N] [--flows N] [--concurrency N] [--runs R]
                    [--seed S] [--quick] [--builddir DIR] [--no-peers]
                    [--keep] [--check] [--timeout SECS]
       bench/run.sh --scaling [--packets N] [--scaling-flows "N N ..."] [--runs R]

  --packets N       packets in the capture (default 1000000; --scaling: 10000000);
                    numbers accept k and M suffixes (x1000, x1000000)
  --flows N         connections (default packets/20)
  --concurrency N   connections open at once (default 1000)
  --runs R          rounds; each round runs every tool once (default 3;
                    --scaling: 1)
  --seed S          gencap seed (default 1)
  --quick           smoke test: 20000 packets, 2000 flows, 1 round
  --builddir DIR    meson build directory (default: build)
  --no-peers        leave out tshark -q -z conv,tcp and tcptrace -n (by
                    default timed too, when installed)
  --keep            keep the capture in bench/out/ for later runs
  --check           also diff synfin --plain output against tcpdump -nn
                    (a mismatch makes the exit status 4)
  --timeout SECS    per-run time limit (default 600)
  --scaling         same packet count, growing flow counts: synfin --plain and
                    tcpdump -nn packets/s per flow count
  --scaling-flows L flow counts for --scaling (default "10000 100000 1000000")

Exit status: 0 if gencap, readloop and synfin --plain ran; 1 if gencap or
readloop failed or the build of the bench tools failed; 3 if synfin --plain
did not run (missing or non-zero exit); 4 if --check found a difference.
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

packets=""
flows=""
conc=1000
runs=""
seed=1
quick=0
builddir=build
peers=1
keep=0
check=0
tmo=600
scaling=0
scaling_flows="10000 100000 1000000"

need_arg() {
    if [ "$#" -lt 2 ] || [ -z "$2" ]; then
        echo "run.sh: $1 needs an argument" >&2
        exit 2
    fi
}

is_uint() {
    case "$1" in
        '' | *[!0-9]*) return 1 ;;
        *) return 0 ;;
    esac
}

while [ "$#" -gt 0 ]; do
    case "$1" in
        --packets) need_arg "$@"; packets=$2; shift 2 ;;
        --flows) need_arg "$@"; flows=$2; shift 2 ;;
        --concurrency) need_arg "$@"; conc=$2; shift 2 ;;
        --runs) need_arg "$@"; runs=$2; shift 2 ;;
        --seed) need_arg "$@"; seed=$2; shift 2 ;;
        --builddir) need_arg "$@"; builddir=$2; shift 2 ;;
        --timeout) need_arg "$@"; tmo=$2; shift 2 ;;
        --scaling-flows) need_arg "$@"; scaling_flows=$2; shift 2 ;;
        --quick) quick=1; shift ;;
        --no-peers) peers=0; shift ;;
        --keep) keep=1; shift ;;
        --check) check=1; shift ;;
        --scaling) scaling=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

# Accept k/M suffixes (x1000, x1000000) like gencap does.
expand() {
    case "$1" in
        *[kK]) is_uint "${1%?}" && echo $((${1%?} * 1000)) || echo "$1" ;;
        *[mM]) is_uint "${1%?}" && echo $((${1%?} * 1000000)) || echo "$1" ;;
        *) echo "$1" ;;
    esac
}
packets=$(expand "$packets")
flows=$(expand "$flows")
conc=$(expand "$conc")
sf=""
for v in $scaling_flows; do sf="$sf $(expand "$v")"; done
scaling_flows=${sf# }

if [ "$quick" = 1 ]; then
    : "${packets:=20000}"
    : "${flows:=2000}"
    runs=1
    [ "$conc" -gt 200 ] 2>/dev/null && conc=200
    scaling_flows="1000 2000"
fi
if [ "$scaling" = 1 ]; then
    : "${packets:=10000000}"
    : "${runs:=1}"
else
    : "${packets:=1000000}"
    : "${runs:=3}"
fi
: "${flows:=$((packets / 20))}"
for v in "$packets" "$flows" "$conc" "$runs" "$tmo"; do
    if ! is_uint "$v" || [ "$v" = 0 ]; then
        echo "run.sh: numeric arguments must be positive integers (got '$v')" >&2
        exit 2
    fi
done
is_uint "$seed" || { echo "run.sh: bad --seed '$seed'" >&2; exit 2; }
for v in $scaling_flows; do
    is_uint "$v" || { echo "run.sh: bad --scaling-flows '$scaling_flows'" >&2; exit 2; }
done

export TZ=UTC
export LC_ALL=C
if [ -z "${EPOCHREALTIME:-}" ]; then
    echo "run.sh: needs bash >= 5 (EPOCHREALTIME)" >&2
    exit 1
fi

if [ ! -x /usr/bin/time ]; then
    echo "run.sh: /usr/bin/time is missing: install the Debian package 'time'" >&2
    exit 1
fi
command -v timeout >/dev/null || { echo "run.sh: timeout(1) missing" >&2; exit 1; }

case "$builddir" in
    /*) ;;
    *) builddir="$root/$builddir" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synfin-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------- build
gencap="$builddir/bench/gencap"
readloop="$builddir/bench/readloop"
synfin="$builddir/src/synfin"

build() {
    if [ ! -f "$builddir/build.ninja" ]; then
        log "== meson setup $builddir"
        meson setup "$builddir" "$root" >"$tmp/setup.log" 2>&1 \
            || { log "meson setup failed (tail of log):"; tail -n 5 "$tmp/setup.log" >&2; }
    fi
    if [ -f "$builddir/build.ninja" ]; then
        log "== meson compile -C $builddir"
        if ! meson compile -C "$builddir" >"$tmp/build.log" 2>&1; then
            log "full build failed (tail of log below); building the bench tools only"
            tail -n 5 "$tmp/build.log" >&2
            meson compile -C "$builddir" gencap readloop >"$tmp/build2.log" 2>&1 \
                || tail -n 5 "$tmp/build2.log" >&2
        fi
    fi
    if [ ! -x "$gencap" ] || [ ! -x "$readloop" ]; then
        # No usable meson tree (e.g. the product sources are mid-change):
        # build the two bench tools by hand so the floor can still be measured.
        log "== building gencap and readloop directly with cc"
        local cc=${CC:-cc}
        mkdir -p "$tmp/bin"
        gencap="$tmp/bin/gencap"
        readloop="$tmp/bin/readloop"
        "$cc" -std=c11 -O2 -D_DEFAULT_SOURCE -o "$gencap" "$here/gencap.c" || return 1
        # shellcheck disable=SC2046
        "$cc" -std=c11 -O2 -D_DEFAULT_SOURCE -o "$readloop" "$here/readloop.c" \
            $(pkg-config --cflags --libs libpcap 2>/dev/null || echo -lpcap) || return 1
    fi
    return 0
}

if ! build; then
    log "run.sh: cannot build gencap/readloop"
    exit 1
fi
if [ ! -x "$synfin" ]; then
    log "note: $synfin not built: synfin modes will be reported n/a"
fi

# ---------------------------------------------------------------- capture
# make_capture PACKETS FLOWS -> prints the path
make_capture() {
    local p=$1 f=$2 name out
    name="p${p}-f${f}-c${conc}-s${seed}.pcap"
    if [ -s "$here/out/$name" ]; then
        log "== reusing bench/out/$name"
        printf '%s\n' "$here/out/$name"
        return 0
    fi
    if [ "$keep" = 1 ]; then
        mkdir -p "$here/out"
        out="$here/out/$name"
    else
        out="$tmp/$name"
    fi
    log "== gencap --packets $p --flows $f --concurrency $conc --seed $seed"
    if ! "$gencap" --packets "$p" --flows "$f" --concurrency "$conc" --seed "$seed" \
        -o "$out.part" 2>"$tmp/gencap.err"; then
        cat "$tmp/gencap.err" >&2
        rm -f "$out.part"
        return 1
    fi
    sed 's/^/   /' "$tmp/gencap.err" >&2
    mv "$out.part" "$out"
    printf '%s\n' "$out"
}

# ---------------------------------------------------------------- timing
# timed_run KEY CAPTURE CMD... : warms the file, runs CMD once under
# /usr/bin/time with a timeout, appends "wall rss rc" to $tmp/KEY.res.
# stdout goes to /dev/null except for readloop, whose one line we need.
timed_run() {
    local key=$1 cap=$2 rc line wall rss t0 t1 sink=/dev/null
    shift 2
    case "$key" in readloop*) sink="$tmp/$key.stdout" ;; esac
    # The VMs evict unused file pages after ~30 s: warm the file right before
    # every run so every tool reads from the page cache.
    cat "$cap" >/dev/null
    # /usr/bin/time gives the peak RSS; its %e has only 10 ms resolution, so
    # the wall time is taken from bash's microsecond clock around it.
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M' -o "$tmp/time.out" \
        timeout "$tmo" "$@" >"$sink" 2>"$tmp/$key.stderr"
    rc=$?
    t1=$EPOCHREALTIME
    line=$(tail -n 1 "$tmp/time.out" 2>/dev/null)
    rss=${line##* }
    is_uint "${rss:-x}" || rss=0
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    echo "$wall $rss $rc" >>"$tmp/$key.res"
    return "$rc"
}

# median of the numbers on stdin
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# summary KEY -> "status wall rss_kb" where status is ok, fail:RC or timeout
summary() {
    local key=$1 res=$tmp/$1.res bad
    if [ ! -s "$res" ]; then
        echo "skip 0 0"
        return
    fi
    bad=$(awk '$3 != 0 { print $3; exit }' "$res")
    if [ -n "$bad" ]; then
        if [ "$bad" = 124 ]; then echo "timeout 0 0"; else echo "fail:$bad 0 0"; fi
        return
    fi
    echo "ok $(awk '{ print $1 }' "$res" | median) $(awk '{ print $2 }' "$res" | median)"
}

fmt_rate() {
    awk -v n="$1" -v t="$2" 'BEGIN {
        if (t <= 0) { print "-"; exit }
        r = n / t
        if (r >= 1e6) printf "%.2f M", r / 1e6; else printf "%.0f k", r / 1e3 }'
}

# ---------------------------------------------------------------- tools
keys=(readloop readloop_buf synfin_plain synfin_q synfin_json synfin_default tcpdump)
declare -A label
label[readloop]="readloop (floor)"
label[readloop_buf]="readloop --bufsize 1M"
label[synfin_plain]="synfin --plain"
label[synfin_q]="synfin -q"
label[synfin_json]="synfin --json"
label[synfin_default]="synfin (timeline)"
label[tcpdump]="tcpdump -nn"
label[tshark]="tshark -q -z conv,tcp"
label[tcptrace]="tcptrace -n"
# the peers: tools that report per connection, as -q does
if [ "$peers" = 1 ]; then
    keys+=(tshark tcptrace)
fi
# a tool's program, to tell "not installed" from a failed run
declare -A prog
prog[tcpdump]=tcpdump
prog[tshark]=tshark
prog[tcptrace]=tcptrace

run_tool() {
    local key=$1 cap=$2
    case "$key" in
        readloop) timed_run "$key" "$cap" "$readloop" "$cap" ;;
        readloop_buf) timed_run "$key" "$cap" "$readloop" --bufsize 1M "$cap" ;;
        synfin_plain) timed_run "$key" "$cap" "$synfin" --plain -r "$cap" ;;
        synfin_q) timed_run "$key" "$cap" "$synfin" -q -r "$cap" ;;
        synfin_json) timed_run "$key" "$cap" "$synfin" --json -r "$cap" ;;
        synfin_default) timed_run "$key" "$cap" "$synfin" -r "$cap" ;;
        tcpdump) timed_run "$key" "$cap" tcpdump -nn -r "$cap" ;;
        tshark) timed_run "$key" "$cap" tshark -q -z conv,tcp -r "$cap" ;;
        tcptrace) timed_run "$key" "$cap" tcptrace -n "$cap" ;;
    esac
}

exit_status=0

# cell STATUS WALL PACKETS: one result cell of the scaling table
cell() {
    case "$1" in
        ok) printf '%s/s (%ss)' "$(fmt_rate "$3" "$2")" "$2" ;;
        timeout) printf '>%s s' "$tmo" ;;
        *) printf 'n/a (exit %s)' "${1#fail:}" ;;
    esac
}

# ---------------------------------------------------------------- scaling
if [ "$scaling" = 1 ]; then
    command -v tcpdump >/dev/null || log "note: tcpdump not found"
    printf '\nscaling: %s packets per capture, concurrency %s, %s round(s), timeout %s s\n' \
        "$packets" "$conc" "$runs" "$tmo"
    printf '%-10s %-9s %-10s  %-22s %-22s %s\n' flows flows-made packets \
        "synfin --plain" "tcpdump -nn" "tcpdump/synfin"
    for f in $scaling_flows; do
        rm -f "$tmp/gencap.err"
        cap=$(make_capture "$packets" "$f") || { log "gencap failed"; exit 1; }
        made=$(sed -n 's/.* flows \([0-9]*\) .*/\1/p' "$tmp/gencap.err" 2>/dev/null)
        rm -f "$tmp"/synfin_plain.res "$tmp"/tcpdump.res "$tmp"/readloop_buf.res
        if ! run_tool readloop_buf "$cap"; then
            log "readloop failed on $cap"
            exit 1
        fi
        n=$(awk '{ print $2 }' "$tmp/readloop_buf.stdout")
        for ((r = 1; r <= runs; r++)); do
            run_tool synfin_plain "$cap"
            run_tool tcpdump "$cap"
        done
        read -r s_st s_wall _ < <(summary synfin_plain)
        read -r t_st t_wall _ < <(summary tcpdump)
        ratio="-"
        if [ "$s_st" = ok ] && [ "$t_st" = ok ]; then
            ratio=$(awk -v a="$t_wall" -v b="$s_wall" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
        elif [ "$s_st" = ok ] && [ "$t_st" = timeout ]; then
            ratio=">$(awk -v a="$tmo" -v b="$s_wall" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')"
        fi
        printf '%-10s %-9s %-10s  %-22s %-22s %s\n' "$f" "${made:-?}" "$n" \
            "$(cell "$s_st" "$s_wall" "$n")" "$(cell "$t_st" "$t_wall" "$n")" "$ratio"
        [ "$s_st" = ok ] || exit_status=3
        # Only the freshly generated temporary captures are removed.
        case "$cap" in "$tmp"/*) rm -f "$cap" ;; esac
    done
    exit "$exit_status"
fi

# ---------------------------------------------------------------- main run
cap=$(make_capture "$packets" "$flows") || { log "run.sh: gencap failed"; exit 1; }
capbytes=$(stat -c %s "$cap")

# The packet count comes from the floor itself.
if ! "$readloop" "$cap" >"$tmp/count.out" 2>"$tmp/count.err"; then
    cat "$tmp/count.err" >&2
    log "run.sh: readloop failed"
    exit 1
fi
npk=$(awk '{ print $2 }' "$tmp/count.out")

log "== $runs round(s) over ${keys[*]}"
for ((r = 1; r <= runs; r++)); do
    for k in "${keys[@]}"; do
        if [ -n "${prog[$k]:-}" ] && ! command -v "${prog[$k]}" >/dev/null; then
            continue            # reported as not installed
        fi
        run_tool "$k" "$cap"
    done
    log "   round $r/$runs done"
done

printf '\ncapture: %s packets, %s MB, %s flows requested, concurrency %s, seed %s\n' \
    "$npk" "$(awk -v b="$capbytes" 'BEGIN { printf "%.1f", b / 1e6 }')" "$flows" "$conc" "$seed"
printf 'rounds: %s (round-robin), TZ=%s, file re-read into the page cache before each run\n\n' \
    "$runs" "$TZ"
printf '%-24s %10s %12s %9s %9s\n' tool "median s" packets/s "peak MB" "x floor"

read -r f_st f_wall _ < <(summary readloop)
declare -A st wall
for k in "${keys[@]}"; do
    read -r s w m < <(summary "$k")
    st[$k]=$s
    wall[$k]=$w
    case "$s" in
        ok)
            xf=$(awk -v a="$w" -v b="$f_wall" -v fs="$f_st" 'BEGIN {
                if (fs != "ok" || b <= 0) print "-"; else printf "%.2f", a / b }')
            printf '%-24s %10.3f %12s %9.1f %9s\n' "${label[$k]}" "$w" \
                "$(fmt_rate "$npk" "$w")" "$(awk -v m="$m" 'BEGIN { print m / 1024 }')" "$xf"
            ;;
        timeout) printf '%-24s %10s\n' "${label[$k]}" ">$tmo s" ;;
        skip) printf '%-24s %10s\n' "${label[$k]}" "not installed" ;;
        *) printf '%-24s %10s\n' "${label[$k]}" "n/a (exit ${s#fail:})" ;;
    esac
done

# ratio A B: "A's time / B's time", or n/a unless both ran
ratio() {
    if [ "${st[$1]:-}" = ok ] && [ "${st[$2]:-}" = ok ]; then
        awk -v a="${wall[$1]}" -v b="${wall[$2]}" \
            'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'
    else
        echo n/a
    fi
}

# the comparisons the targets name: tcpdump prints a line per packet, as
# --plain and the timeline do; tshark's conversation table and tcptrace
# report per connection, as -q does
printf '\nratios (time of the first / time of the second; above 1: %s)\n' \
    "synfin is faster"
for pair in "tcpdump synfin_plain" "tcpdump synfin_default" \
            "tshark synfin_q" "tcptrace synfin_q"; do
    read -r a b <<<"$pair"
    case " ${keys[*]} " in *" $a "*) ;; *) continue ;; esac
    printf '  %-42s %s\n' "${label[$a]} / ${label[$b]}" "$(ratio "$a" "$b")"
done

if [ "$check" = 1 ]; then
    if [ "${st[synfin_plain]}" = ok ] && [ "${st[tcpdump]}" = ok ]; then
        # Untimed runs, outputs kept for the comparison.
        "$synfin" --plain -r "$cap" >"$tmp/synfin_plain.stdout" 2>/dev/null
        tcpdump -nn -r "$cap" >"$tmp/tcpdump.stdout" 2>/dev/null
        if cmp -s "$tmp/synfin_plain.stdout" "$tmp/tcpdump.stdout"; then
            printf 'check: synfin --plain output identical to tcpdump -nn (%s lines)\n' \
                "$(wc -l <"$tmp/tcpdump.stdout")"
        else
            printf 'check: synfin --plain output DIFFERS from tcpdump -nn; first difference:\n'
            diff "$tmp/tcpdump.stdout" "$tmp/synfin_plain.stdout" | head -n 6
            exit_status=4
        fi
    else
        printf 'check: skipped (synfin --plain or tcpdump did not run)\n'
    fi
fi

for k in readloop readloop_buf; do
    if [ "${st[$k]}" != ok ]; then
        log "run.sh: ${label[$k]} failed"
        exit 1
    fi
done
if [ "${st[synfin_plain]}" != ok ]; then
    log "run.sh: synfin --plain did not run (${st[synfin_plain]})"
    [ -s "$tmp/synfin_plain.stderr" ] && head -n 3 "$tmp/synfin_plain.stderr" >&2
    exit 3
fi
exit "$exit_status"
