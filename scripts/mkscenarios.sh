#!/bin/bash
# mkscenarios.sh - regenerate the kernel-made tracker test captures
# testdata/tr-*.pcap (one short capture per TCP open/close behaviour).
#
# Must run as root.  All traffic stays inside network namespaces named
# sf-t* created (and deleted again on exit) by this script:
#
#   sf-tc  client  tc0 10.98.0.1 fd00:98::1 -- ts0 10.98.0.2 fd00:98::2  sf-ts  server
#                  tc1 10.98.1.1 -- tm1 [sf-tm relay, 100 ms each way] tm2 -- ts1 10.98.1.2
#
# The relay path (scenario.py relay: two AF_PACKET sockets) is only used for
# tr-simultaneous; this kernel has no netem.  Traffic is made by
# scripts/scenario.py (server/client behaviours via the socket API only).
# Needs: iproute2, ethtool, nft, tcpdump, python3 (stdlib only).
#
#   sudo scripts/mkscenarios.sh [OUTDIR] [SCENARIO...]   (default: testdata/, all)
#
# Structure of every capture is checked (scenario.py check, tcpdump -nn);
# timing-sensitive ones are retried.  Timestamps, ISNs, client ports and TS
# values naturally vary between runs.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "mkscenarios.sh: must be run as root" >&2
    exit 1
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT=$(realpath -m "${1:-$ROOT/testdata}")
shift || true
PY=${PYTHON:-python3}
SC="$HERE/scenario.py"
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/sf-tscen.XXXXXX)
chmod 755 "$TMP"

BGPIDS=()
CREATED=()

cleanup() {
    local p ns
    for p in "${BGPIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${BGPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    for ns in "${CREATED[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

log() { echo "== $*" >&2; }
die() { echo "mkscenarios.sh: $*" >&2; exit 1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---------------------------------------------------------------- topology

ns_sysctls() {
    local ns=$1 k
    for k in net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 \
             net.ipv4.tcp_window_scaling=1 net.ipv4.tcp_ecn=0 \
             net.ipv4.tcp_autocorking=0 net.ipv4.tcp_no_metrics_save=1 \
             net.ipv4.tcp_fastopen=3 net.ipv4.tcp_syn_retries=1 \
             net.ipv4.tcp_synack_retries=2 net.ipv4.tcp_syn_linear_timeouts=2 \
             net.ipv4.tcp_fin_timeout=60 net.ipv4.tcp_tw_reuse=0 \
             net.ipv4.tcp_mtu_probing=0 net.ipv4.tcp_abort_on_overflow=0 \
             net.ipv4.ip_forward=0 \
             net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
             net.ipv6.conf.all.router_solicitations=0 \
             net.ipv6.conf.default.router_solicitations=0 \
             net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0; do
        # keys missing on this kernel (tcp_syn_linear_timeouts < 6.5) are skipped.
        # On 6.18, tcp_syn_retries=1 + tcp_syn_linear_timeouts=2 gives 3 SYNs
        # 1 s apart and ETIMEDOUT after ~3.2 s (tr-syn-dropped); on a kernel
        # without linear timeouts it gives 2 SYNs (0 s, 1 s).
        if [ -e "/proc/sys/$(echo "${k%%=*}" | tr . /)" ]; then
            nsx "$ns" sysctl -q -w "$k" >/dev/null
        fi
    done
}

mkns() {
    local ns=$1
    if ip netns list | grep -qw "^$ns"; then
        die "namespace $ns already exists (another run?)"
    fi
    ip netns add "$ns"
    CREATED+=("$ns")
    ns_sysctls "$ns"
    ip -n "$ns" link set lo up
}

nooffload() {
    local ns=$1 dev=$2
    nsx "$ns" ethtool -K "$dev" tso off gso off gro off tx off >/dev/null
}

setup() {
    mkns sf-tc
    mkns sf-ts
    mkns sf-tm
    # direct pair
    ip link add name tc0 netns sf-tc type veth peer name ts0 netns sf-ts
    ip -n sf-tc link set tc0 address 02:00:00:98:00:01
    ip -n sf-ts link set ts0 address 02:00:00:98:00:02
    nooffload sf-tc tc0
    nooffload sf-ts ts0
    ip -n sf-tc addr add 10.98.0.1/24 dev tc0
    ip -n sf-ts addr add 10.98.0.2/24 dev ts0
    ip -n sf-tc addr add fd00:98::1/64 dev tc0 nodad
    ip -n sf-ts addr add fd00:98::2/64 dev ts0 nodad
    ip -n sf-tc link set tc0 up
    ip -n sf-ts link set ts0 up
    ip -n sf-tc neigh replace 10.98.0.2 lladdr 02:00:00:98:00:02 dev tc0 nud permanent
    ip -n sf-ts neigh replace 10.98.0.1 lladdr 02:00:00:98:00:01 dev ts0 nud permanent
    ip -n sf-tc neigh replace fd00:98::2 lladdr 02:00:00:98:00:02 dev tc0 nud permanent
    ip -n sf-ts neigh replace fd00:98::1 lladdr 02:00:00:98:00:01 dev ts0 nud permanent
    # relayed path through sf-tm (IPv4 only; the middle has no addresses
    # and no IPv6, it only bridges frames in scenario.py relay)
    ip link add name tc1 netns sf-tc type veth peer name tm1 netns sf-tm
    ip link add name ts1 netns sf-ts type veth peer name tm2 netns sf-tm
    ip -n sf-tc link set tc1 address 02:00:00:98:01:01
    ip -n sf-ts link set ts1 address 02:00:00:98:01:02
    nsx sf-tm sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null
    nsx sf-tm sysctl -q -w net.ipv6.conf.default.disable_ipv6=1 >/dev/null
    nsx sf-tc sysctl -q -w net.ipv6.conf.tc1.disable_ipv6=1 >/dev/null
    nsx sf-ts sysctl -q -w net.ipv6.conf.ts1.disable_ipv6=1 >/dev/null
    nooffload sf-tc tc1
    nooffload sf-ts ts1
    nooffload sf-tm tm1
    nooffload sf-tm tm2
    ip -n sf-tc addr add 10.98.1.1/24 dev tc1
    ip -n sf-ts addr add 10.98.1.2/24 dev ts1
    ip -n sf-tc link set tc1 up
    ip -n sf-ts link set ts1 up
    ip -n sf-tm link set tm1 promisc on up
    ip -n sf-tm link set tm2 promisc on up
    ip -n sf-tc neigh replace 10.98.1.2 lladdr 02:00:00:98:01:02 dev tc1 nud permanent
    ip -n sf-ts neigh replace 10.98.1.1 lladdr 02:00:00:98:01:01 dev ts1 nud permanent
    sleep 1.5     # let link-local autoconf / MLD die down
}

# ---------------------------------------------------------------- helpers

bg_start() {   # bg_start VAR NS LOG CMD...
    local var=$1 ns=$2 lg=$3; shift 3
    ip netns exec "$ns" "$@" >"$lg" 2>&1 &
    local pid=$!
    BGPIDS+=("$pid")
    printf -v "$var" '%s' "$pid"
}

bg_forget() {
    local pid=$1 keep=() p
    for p in "${BGPIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    BGPIDS=("${keep[@]}")
}

bg_stop() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    bg_forget "$pid"
}

bg_wait() {    # wait for a background client to finish; fail if it failed
    local pid=$1 lg=$2 rc=0
    wait "$pid" || rc=$?
    bg_forget "$pid"
    if [ $rc != 0 ]; then cat "$lg" >&2; die "background client failed"; fi
}

wait_for() {   # wait_for FILE WORD

    for _ in $(seq 1 100); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    cat "$1" >&2
    die "timeout waiting for '$2' in $1"
}

SRV=
server_start() {
    local lg="$TMP/server.log"
    # one dual-stack listener per scenario port, bound to ::
    bg_start SRV sf-ts "$lg" "$PY" "$SC" server --bind :: \
        --svc 6001:echo:0.3 --svc 6002:close-first --svc 6003:fin3 \
        --svc 6004:halfclose --svc 6005:sim --svc 6008:echo \
        --svc 6009:echo:7 --svc 6010:echo --svc 6011:noread \
        --svc 6012:wac --svc 6013:echo --svc 6014:echo \
        --svc 6015:close-first --svc 6016:echo:0.3 --svc 6017:tfo \
        --svc 6081:echo:0.3 --svc 6082:close-first --svc 6083:halfclose
    wait_for "$lg" ready
}

CAP=
CAPFILE=
cap_start() {  # cap_start NS IFACE FILE FILTER
    local ns=$1 ifc=$2 file=$3 filter=$4
    CAPFILE=$file
    rm -f "$file"
    bg_start CAP "$ns" "$TMP/tcpdump.err" \
        tcpdump -Z root -U --immediate-mode -w "$file" -i "$ifc" "$filter"
    wait_for "$TMP/tcpdump.err" listening
    sleep 0.5
}

cap_stop() {
    sleep "${1:-0.3}"
    bg_stop "$CAP"
    if ! grep -q '^0 packets dropped by kernel' "$TMP/tcpdump.err"; then
        cat "$TMP/tcpdump.err" >&2
        die "capture $CAPFILE: packets dropped or tcpdump failed"
    fi
}

client() {     # client NS ARGS...
    local ns=$1; shift
    nsx "$ns" "$PY" "$SC" client "$@"
}

V4=10.98.0.2
V6=fd00:98::2
RELAYED=10.98.1.2

nft_clear() { nsx "$1" nft delete table inet sft 2>/dev/null || true; }

# Run scenario function $2 for capture $1 up to 3 times until check $3
# (a scenario.py check kind, or "-") passes.
run() {
    local name=$1 fn=$2 chk=$3 f="$OUT/tr-$1.pcap"
    if [ ${#ONLY[@]} -gt 0 ] && ! printf '%s\n' "${ONLY[@]}" | grep -qx "$name"; then
        return 0
    fi
    for _ in 1 2 3; do
        "$fn" "$f"
        if [ "$chk" = - ] || "$PY" "$SC" check "$chk" "$f"; then
            log "tr-$name.pcap: $(tcpdump -r "$f" 2>/dev/null | wc -l) packets"
            return 0
        fi
        log "tr-$name: check '$chk' failed, retrying"
        sleep 1
    done
    die "tr-$name: could not produce the expected pattern"
}

# ---------------------------------------------------------------- scenarios

# client closes; server closes 0.3 s after EOF (ACK and FIN separate)
s_fin4_client() {
    cap_start sf-tc tc0 "$1" "tcp port 6001"
    client sf-tc --host $V4 --port 6001 --mode echo
    cap_stop 0.6
}

# server closes first; client closes 0.3 s after EOF
s_fin4_server() {
    cap_start sf-tc tc0 "$1" "tcp port 6002"
    client sf-tc --host $V4 --port 6002 --mode wait-eof --delay 0.3
    cap_stop
}

# client closes; server close()s at once on EOF: its FIN carries the ACK
s_fin3() {
    cap_start sf-tc tc0 "$1" "tcp port 6003"
    client sf-tc --host $V4 --port 6003 --mode fin3
    cap_stop
}

# client shutdown(SHUT_WR) after its request; server replies after the FIN
s_halfclose() {
    cap_start sf-tc tc0 "$1" "tcp port 6004"
    client sf-tc --host $V4 --port 6004 --mode halfclose
    cap_stop
}

# both close at the same instant with 100 ms one-way delay: FINs cross
s_simultaneous() {
    local relay
    bg_start relay sf-tm "$TMP/relay.log" "$PY" "$SC" relay --dev tm1 --dev tm2 --delay 0.1
    wait_for "$TMP/relay.log" ready
    cap_start sf-tc tc1 "$1" "tcp port 6005"
    client sf-tc --host $RELAYED --port 6005 --mode sim
    cap_stop 0.6
    bg_stop "$relay"
}

s_refused() {
    cap_start sf-tc tc0 "$1" "tcp port 6006"
    client sf-tc --host $V4 --port 6006 --mode refused
    cap_stop
}

# SYNs dropped at the server's input hook; captured on the server's
# interface (AF_PACKET sees them before netfilter); tcp_syn_retries=1 +
# tcp_syn_linear_timeouts=2: 3 SYNs at 0, 1, 2 s, ETIMEDOUT at ~3.2 s
s_syn_dropped() {
    nsx sf-ts nft -f - <<'EOF'
table inet sft {
    chain in {
        type filter hook input priority 0; policy accept;
        tcp dport 6007 tcp flags & (syn|ack) == syn drop
    }
}
EOF
    cap_start sf-ts ts0 "$1" "tcp port 6007"
    client sf-tc --host $V4 --port 6007 --mode timeout
    cap_stop
    nft_clear sf-ts
}

# the client's final handshake ACK (and every later pure ACK) is dropped
# at the client's output hook (the capture on tc0 is taken after it);
# server retransmits the SYN-ACK (tcp_synack_retries=2).  The capture stops
# after the 2nd retransmission, before the client aborts.
s_halfopen() {
    local cl
    nsx sf-tc nft -f - <<'EOF'
table inet sft {
    chain out {
        type filter hook output priority 0; policy accept;
        tcp dport 6008 tcp flags & (syn|ack|fin|rst|psh) == ack drop
    }
}
EOF
    cap_start sf-tc tc0 "$1" "tcp port 6008"
    bg_start cl sf-tc "$TMP/client.log" "$PY" "$SC" client --host $V4 --port 6008 \
        --mode halfopen --hold 5.5
    wait_for "$TMP/client.log" connected
    sleep 3.6
    cap_stop 0.2
    bg_wait "$cl" "$TMP/client.log"
    nft_clear sf-tc
}

# client closes; server sits in CLOSE_WAIT for 7 s, then closes
s_closewait() {
    cap_start sf-tc tc0 "$1" "tcp port 6009"
    client sf-tc --host $V4 --port 6009 --mode echo
    sleep 7.2
    cap_stop
}

s_linger_abort() {
    cap_start sf-tc tc0 "$1" "tcp port 6010"
    client sf-tc --host $V4 --port 6010 --mode abort
    cap_stop
}

s_unread_rst() {
    cap_start sf-tc tc0 "$1" "tcp port 6011"
    client sf-tc --host $V4 --port 6011 --mode unread
    cap_stop
}

s_write_after_close() {
    cap_start sf-tc tc0 "$1" "tcp port 6012"
    client sf-tc --host $V4 --port 6012 --mode send-close
    sleep 0.6
    cap_stop
}

s_open_at_end() {
    local cl
    cap_start sf-tc tc0 "$1" "tcp port 6013"
    bg_start cl sf-tc "$TMP/client.log" "$PY" "$SC" client --host $V4 --port 6013 \
        --mode idle --hold 2.5
    wait_for "$TMP/client.log" idle
    sleep 0.5
    cap_stop 0.2
    bg_wait "$cl" "$TMP/client.log"
}

s_midstream() {
    local cl
    bg_start cl sf-tc "$TMP/client.log" "$PY" "$SC" client --host $V4 --port 6014 \
        --mode stream --count 12 --interval 0.2
    wait_for "$TMP/client.log" connected
    sleep 0.5
    cap_start sf-tc tc0 "$1" "tcp port 6014"
    bg_wait "$cl" "$TMP/client.log"
    cap_stop 0.6
}

s_reuse() {
    cap_start sf-tc tc0 "$1" "tcp port 6015"
    client sf-tc --host $V4 --port 6015 --mode reuse --lport 6050 --delay 0.4
    cap_stop
}

s_ipv6() {
    cap_start sf-tc tc0 "$1" "tcp port 6016"
    client sf-tc --host $V6 --port 6016 --mode echo --count 2
    cap_stop 0.6
}

s_tfo() {
    ip -n sf-tc tcp_metrics flush all 2>/dev/null || true
    ip -n sf-ts tcp_metrics flush all 2>/dev/null || true
    cap_start sf-tc tc0 "$1" "tcp port 6017"
    client sf-tc --host $V4 --port 6017 --mode tfo
    cap_stop
    tcpdump -nn -r "$1" 2>/dev/null | grep -Eq 'tfo +cookie [0-9a-f]' ||
        die "tr-tfo: no 'tfo cookie' option in the capture"
}

s_mixed() {
    cap_start sf-tc tc0 "$1" "tcp portrange 6080-6089"
    client sf-tc --host $V4 --mode mixed --count 40 --seed 98 \
        --ports echo=6081,close-first=6082,halfclose=6083,refused=6089 --delay 0.3
    cap_stop 0.6
}

# ---------------------------------------------------------------- main

ONLY=("$@")
log "output: $OUT"
setup
server_start
run fin4-client s_fin4_client fin4
run fin4-server s_fin4_server fin4
run fin3 s_fin3 fin3
run halfclose s_halfclose -
run simultaneous s_simultaneous simultaneous
run refused s_refused -
run syn-dropped s_syn_dropped -
run halfopen s_halfopen -
run closewait s_closewait fin4
run linger-abort s_linger_abort -
run unread-rst s_unread_rst -
run write-after-close s_write_after_close -
run open-at-end s_open_at_end -
run midstream s_midstream -
run reuse s_reuse -
run ipv6 s_ipv6 fin4
run tfo s_tfo tfo
run mixed s_mixed -
bg_stop "$SRV"
log "done"
