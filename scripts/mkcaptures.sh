#!/bin/bash
# mkcaptures.sh - regenerate the real (kernel-made) test captures in testdata/.
#
# Must run as root.  All traffic stays inside network namespaces named sf-*
# that this script creates (and deletes again on exit).  Needs: iproute2,
# ethtool, tcpdump, dumpcap, editcap, python3 (stdlib only).
#
#   sudo scripts/mkcaptures.sh [OUTDIR]       (default: testdata/)
#
# Structure of every capture is deterministic; timestamps, ISNs, client
# ports, TS values and the exact ACK/window-update pattern naturally vary.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "mkcaptures.sh: must be run as root" >&2
    exit 1
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT=$(realpath -m "${1:-$ROOT/testdata}")
PY=${PYTHON:-python3}
PEER="$HERE/netpeer.py"
RELAY="$HERE/vlanrelay.py"
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/sf-mkcap.XXXXXX)

NSLIST=(sf-mka sf-mkb sf-mklo sf-mkv1 sf-mkv2)
BGPIDS=()

cleanup() {
    local p
    for p in "${BGPIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${BGPIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    for ns in "${NSLIST[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

log() { echo "== $*" >&2; }

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# sysctls we rely on, set explicitly in every namespace
ns_sysctls() {
    local ns=$1 k
    for k in net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 \
             net.ipv4.tcp_window_scaling=1 net.ipv4.tcp_ecn=0 \
             net.ipv4.tcp_autocorking=0 net.ipv4.tcp_no_metrics_save=1 \
             net.ipv4.tcp_syn_linear_timeouts=4 net.ipv4.tcp_fastopen=3 \
             net.ipv4.tcp_mtu_probing=0 net.ipv4.tcp_dsack=1 \
             net.ipv4.tcp_early_retrans=0 \
             net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
             net.ipv6.conf.all.dad_transmits=0 net.ipv6.conf.default.dad_transmits=0 \
             net.ipv6.conf.all.router_solicitations=0 \
             net.ipv6.conf.default.router_solicitations=0 \
             net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0; do
        # keys missing on this kernel (e.g. tcp_syn_linear_timeouts) are skipped
        if [ -e "/proc/sys/$(echo "${k%%=*}" | tr . /)" ]; then
            nsx "$ns" sysctl -q -w "$k" >/dev/null
        fi
    done
}

mkns() {
    local ns=$1
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    ns_sysctls "$ns"
    ip -n "$ns" link set lo up
    # segmentation offloads off on lo too; lo's tx checksum offload is
    # [fixed] on, so TCP checksums in lo / "any" captures are not valid
    nsx "$ns" ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true
}

nooffload() {
    local ns=$1 dev=$2
    nsx "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1 ||
        nsx "$ns" ethtool -K "$dev" tso off gso off gro off tx off >/dev/null
}

# two namespaces sf-mka (10.99.0.1, fd00:99::1) and sf-mkb (10.99.0.2,
# fd00:99::2) joined by veth va <-> vb, static neighbours (no ARP/ND).
setup_pair() {
    mkns sf-mka
    mkns sf-mkb
    ip link add name va netns sf-mka type veth peer name vb netns sf-mkb
    ip -n sf-mka link set va address 02:00:00:99:00:01
    ip -n sf-mkb link set vb address 02:00:00:99:00:02
    nooffload sf-mka va
    nooffload sf-mkb vb
    ip -n sf-mka addr add 10.99.0.1/24 dev va
    ip -n sf-mkb addr add 10.99.0.2/24 dev vb
    ip -n sf-mka addr add fd00:99::1/64 dev va nodad
    ip -n sf-mkb addr add fd00:99::2/64 dev vb nodad
    ip -n sf-mka link set va up
    ip -n sf-mkb link set vb up
    ip -n sf-mka neigh replace 10.99.0.2 lladdr 02:00:00:99:00:02 dev va nud permanent
    ip -n sf-mkb neigh replace 10.99.0.1 lladdr 02:00:00:99:00:01 dev vb nud permanent
    ip -n sf-mka neigh replace fd00:99::2 lladdr 02:00:00:99:00:02 dev va nud permanent
    ip -n sf-mkb neigh replace fd00:99::1 lladdr 02:00:00:99:00:01 dev vb nud permanent
    # let link-local autoconf / MLD reports die down before capturing
    sleep 2
}

# start a background process in a namespace; its pid goes to BGPIDS and
# to the variable named by $1
bg_start() {
    local var=$1 ns=$2 log=$3; shift 3
    ip netns exec "$ns" "$@" >"$log" 2>&1 &
    local pid=$!
    BGPIDS+=("$pid")
    printf -v "$var" '%s' "$pid"
}

bg_stop() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local keep=() p
    for p in "${BGPIDS[@]}"; do
        [ "$p" = "$pid" ] || keep+=("$p")
    done
    BGPIDS=("${keep[@]}")
}

wait_ready() {   # wait until file $1 contains "ready"
    local i
    for i in $(seq 1 50); do
        grep -q ready "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timeout waiting for $1" >&2
    cat "$1" >&2
    return 1
}

server_start() {  # server_start VAR NS BIND SVC...
    local var=$1 ns=$2 bind=$3; shift 3
    local args=() s
    for s in "$@"; do args+=(--svc "$s"); done
    local lg="$TMP/server.$ns.$RANDOM.log"
    bg_start "$var" "$ns" "$lg" "$PY" "$PEER" server --bind "$bind" "${args[@]}"
    wait_ready "$lg"
}

client() {  # client NS HOST PORT MODE [extra]
    local ns=$1 host=$2 port=$3 mode=$4; shift 4
    nsx "$ns" timeout 20 "$PY" "$PEER" client --host "$host" --port "$port" --mode "$mode" "$@"
    sleep 0.2
}

# cap_start VAR NS FILE TCPDUMP-ARGS...  (tcpdump -U --immediate-mode -w FILE)
cap_start() {
    local var=$1 ns=$2 file=$3; shift 3
    rm -f "$file"
    bg_start "$var" "$ns" "$file.err" tcpdump -Z root -U --immediate-mode -w "$file" "$@"
    sleep 0.7
}

cap_stop() {
    local pid=$1 file=$2
    sleep 0.3
    bg_stop "$pid"
    if ! grep -q '^0 packets dropped by kernel' "$file.err"; then
        echo "capture $file: packets dropped or tcpdump failed:" >&2
        cat "$file.err" >&2
        exit 1
    fi
    rm -f "$file.err"
    log "$(basename "$file"): $(tcpdump -r "$file" 2>/dev/null | wc -l) packets"
}

# ---------------------------------------------------------------- captures

cap_basic_v4() {
    local srv cap
    server_start srv sf-mkb 10.99.0.2 5001:echo 5002:srvclose 5003:bulk:20000 5004:echo
    cap_start cap sf-mka "$OUT/basic-v4.pcap" -i va tcp
    client sf-mka 10.99.0.2 5001 echo --count 2      # normal, client closes
    client sf-mka 10.99.0.2 5002 srvclose            # server closes first
    client sf-mka 10.99.0.2 5003 bulk                # 20000 bytes, window updates
    client sf-mka 10.99.0.2 5009 refused             # RST,ACK from closed port
    client sf-mka 10.99.0.2 5004 abort               # SO_LINGER{1,0} -> RST
    cap_stop "$cap" "$OUT/basic-v4.pcap"
    bg_stop "$srv"
}

cap_basic_v6() {
    local srv cap
    server_start srv sf-mkb fd00:99::2 5001:echo 5002:srvclose
    cap_start cap sf-mka "$OUT/basic-v6.pcap" -i va tcp
    client sf-mka fd00:99::2 5001 echo --count 2
    client sf-mka fd00:99::2 5002 srvclose
    client sf-mka fd00:99::2 5009 refused
    cap_stop "$cap" "$OUT/basic-v6.pcap"
    bg_stop "$srv"
}

cap_nano() {
    local srv cap
    server_start srv sf-mkb 10.99.0.2 5001:echo
    cap_start cap sf-mka "$OUT/nano.pcap" --time-stamp-precision=nano -i va tcp
    client sf-mka 10.99.0.2 5001 echo --count 1
    cap_stop "$cap" "$OUT/nano.pcap"
    bg_stop "$srv"
}

# snap*.pcap: one full capture (SYN options, TS on every segment, payload),
# then editcap -s N
cap_snap() {
    local srv cap full="$TMP/snapfull.pcap" n
    server_start srv sf-mkb 10.99.0.2 5001:echo
    cap_start cap sf-mka "$full" -i va tcp
    client sf-mka 10.99.0.2 5001 echo --count 2 --pad 60
    cap_stop "$cap" "$full"
    bg_stop "$srv"
    for n in 54 60 70 80 100; do
        editcap -F pcap -s "$n" "$full" "$OUT/snap$n.pcap"
    done
}

# rot-a/rot-b: one capture with two interleaved concurrent connections,
# split by server port; merging both by timestamp gives the original back.
cap_rot() {
    local srv cap full="$TMP/rotfull.pcap" try
    for try in 1 2 3 4 5; do
        server_start srv sf-mkb 10.99.0.2 5001:echo 5002:echo
        cap_start cap sf-mka "$full" -i va tcp
        nsx sf-mka "$PY" "$PEER" client --host 10.99.0.2 --port 5001 --mode echo --count 4 &
        local c1=$!
        sleep 0.02
        nsx sf-mka "$PY" "$PEER" client --host 10.99.0.2 --port 5002 --mode echo --count 4 &
        local c2=$!
        wait "$c1" "$c2"
        cap_stop "$cap" "$full"
        bg_stop "$srv"
        tcpdump -Z root -r "$full" -w "$OUT/rot-a.pcap" 'tcp port 5001' 2>/dev/null
        tcpdump -Z root -r "$full" -w "$OUT/rot-b.pcap" 'tcp port 5002' 2>/dev/null
        # reject runs where two packets share a timestamp (merge order
        # would be ambiguous)
        if [ -z "$(tcpdump -tt -r "$full" 2>/dev/null | awk '{print $1}' | sort | uniq -d)" ]; then
            return 0
        fi
        log "rot: duplicate timestamps, retrying"
    done
    echo "rot: could not get a capture without duplicate timestamps" >&2
    exit 1
}

# multi-if.pcapng: dumpcap on va (EN10MB) and any (LINUX_SLL) at once
cap_multi_if() {
    local srv cap f="$OUT/multi-if.pcapng"
    server_start srv sf-mkb 10.99.0.2 5001:echo
    rm -f "$f"
    bg_start cap sf-mka "$f.err" dumpcap -q -i va -f tcp -i any -f tcp -w "$f"
    sleep 1.5
    client sf-mka 10.99.0.2 5001 echo --count 1
    sleep 0.5
    bg_stop "$cap"
    bg_stop "$srv"
    if grep -qi 'error\|dropped [1-9]' "$f.err"; then cat "$f.err" >&2; exit 1; fi
    rm -f "$f.err"
    chmod 644 "$f"
    log "multi-if.pcapng: $(tshark -r "$f" 2>/dev/null | wc -l) packets"
}

# multi-if-ether.pcapng: dumpcap on va and lo at once; both interfaces are
# EN10MB, so tcpdump 4.99.3 can read it (it refuses pcapng files whose
# interfaces have different link types, e.g. multi-if.pcapng)
cap_multi_if_ether() {
    local srv srv2 cap f="$OUT/multi-if-ether.pcapng"
    server_start srv sf-mkb 10.99.0.2 5001:echo
    server_start srv2 sf-mka 127.0.0.1 5002:echo
    rm -f "$f"
    bg_start cap sf-mka "$f.err" dumpcap -q -i va -f tcp -i lo -f tcp -w "$f"
    sleep 1.5
    client sf-mka 10.99.0.2 5001 echo --count 1
    client sf-mka 127.0.0.1 5002 echo --count 1
    sleep 0.5
    bg_stop "$cap"
    bg_stop "$srv"
    bg_stop "$srv2"
    if grep -qi 'error\|dropped [1-9]' "$f.err"; then cat "$f.err" >&2; exit 1; fi
    rm -f "$f.err"
    chmod 644 "$f"
    log "multi-if-ether.pcapng: $(tcpdump -r "$f" 2>/dev/null | wc -l) packets"
}

# sll.pcap / sll2.pcap: namespace whose only interface is lo (ifindex 1)
cap_sll() {
    local srv cap dlt f
    mkns sf-mklo
    for dlt in LINUX_SLL LINUX_SLL2; do
        if [ $dlt = LINUX_SLL ]; then f="$OUT/sll.pcap"; else f="$OUT/sll2.pcap"; fi
        server_start srv sf-mklo 127.0.0.1 5001:echo 5002:srvclose
        cap_start cap sf-mklo "$f" -i any -y $dlt tcp
        client sf-mklo 127.0.0.1 5001 echo --count 1
        client sf-mklo 127.0.0.1 5002 srvclose
        cap_stop "$cap" "$f"
        bg_stop "$srv"
    done
}

# loopback-v4.pcap: lo (EN10MB) in sf-mklo, incl. TCP Fast Open
cap_loopback() {
    local srv cap f="$OUT/loopback-v4.pcap"
    mkns sf-mklo
    server_start srv sf-mklo 127.0.0.1 5001:echo 5005:tfo
    cap_start cap sf-mklo "$f" -i lo tcp
    client sf-mklo 127.0.0.1 5001 echo --count 1
    client sf-mklo 127.0.0.1 5005 tfo        # SYN with TFO cookie request
    client sf-mklo 127.0.0.1 5005 tfo        # SYN with cookie + data
    cap_stop "$cap" "$f"
    bg_stop "$srv"
}

# vlan.pcap / qinq.pcap: tap devices + vlanrelay.py in sf-mkv1 / sf-mkv2
cap_vlan() {
    local name=$1; shift   # remaining: --tag specs for vlanrelay
    local r1 r2 srv cap f="$OUT/$name.pcap" ns
    mkns sf-mkv1
    mkns sf-mkv2
    ip link add name ve1 netns sf-mkv1 type veth peer name ve2 netns sf-mkv2
    nooffload sf-mkv1 ve1
    nooffload sf-mkv2 ve2
    for ns in sf-mkv1 sf-mkv2; do
        nsx $ns sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null
    done
    nsx sf-mkv1 ethtool -K ve1 rxvlan off txvlan off >/dev/null 2>&1 || true
    nsx sf-mkv2 ethtool -K ve2 rxvlan off txvlan off >/dev/null 2>&1 || true
    ip -n sf-mkv1 link set ve1 promisc on up
    ip -n sf-mkv2 link set ve2 promisc on up
    bg_start r1 sf-mkv1 "$TMP/r1.log" "$PY" "$RELAY" --tap sftap1 --dev ve1 "$@"
    bg_start r2 sf-mkv2 "$TMP/r2.log" "$PY" "$RELAY" --tap sftap2 --dev ve2 "$@"
    wait_ready "$TMP/r1.log"
    wait_ready "$TMP/r2.log"
    ip -n sf-mkv1 link set sftap1 address 02:00:00:99:01:01
    ip -n sf-mkv2 link set sftap2 address 02:00:00:99:01:02
    nooffload sf-mkv1 sftap1 2>/dev/null || true
    nooffload sf-mkv2 sftap2 2>/dev/null || true
    ip -n sf-mkv1 addr add 10.99.1.1/24 dev sftap1
    ip -n sf-mkv2 addr add 10.99.1.2/24 dev sftap2
    ip -n sf-mkv1 link set sftap1 up
    ip -n sf-mkv2 link set sftap2 up
    ip -n sf-mkv1 neigh replace 10.99.1.2 lladdr 02:00:00:99:01:02 dev sftap1 nud permanent
    ip -n sf-mkv2 neigh replace 10.99.1.1 lladdr 02:00:00:99:01:01 dev sftap2 nud permanent
    sleep 0.5
    server_start srv sf-mkv2 10.99.1.2 5001:echo 5002:srvclose
    # capture everything on the tagged wire (only our TCP frames cross it)
    cap_start cap sf-mkv1 "$f" -i ve1
    client sf-mkv1 10.99.1.2 5001 echo --count 2
    client sf-mkv1 10.99.1.2 5002 srvclose
    cap_stop "$cap" "$f"
    bg_stop "$srv"
    bg_stop "$r1"
    bg_stop "$r2"
    ip netns del sf-mkv1
    ip netns del sf-mkv2
}

log "output: $OUT"
setup_pair
cap_basic_v4
cap_basic_v6
cap_nano
cap_snap
cap_rot
cap_multi_if
cap_multi_if_ether
cap_sll
cap_loopback
cap_vlan vlan --tag 0x8100:100
cap_vlan qinq --tag 0x88a8:300 --tag 0x8100:100
log "done"
