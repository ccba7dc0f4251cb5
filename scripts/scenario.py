#!/usr/bin/env python3
"""scenario.py - TCP client/server behaviours for mkscenarios.sh (tracker
test captures).  python3 stdlib only.  Every behaviour is driven by the
socket API only (close, shutdown, SO_LINGER, TCP_FASTOPEN, ...); the kernel
makes all the packets.

Server (runs until SIGTERM/SIGINT, one thread per connection):
    scenario.py server --bind ADDR --svc PORT:MODE[:ARG] [--svc ...]
      echo[:D]     answer every chunk with "OK <chunk>"; on EOF sleep D
                   seconds (default 0.3) and close          (fin4-client,
                   closewait with D=7, ipv6, midstream, open-at-end)
      fin3         like echo, but close at once on EOF      (fin3)
      close-first  read one request, answer it, close       (fin4-server, reuse)
      halfclose    read until EOF, then send the reply in 3 segments, close
      sim          send "CLOSEAT <epoch>", sleep until then, close (crossed FINs)
      noread       do not read; sleep D (0.5), close with data unread -> RST
      wac          read until EOF, sleep 0.1, write (peer answers RST),
                   sleep 0.3, close                          (write-after-close)
      tfo          echo, listening socket has TCP_FASTOPEN (qlen 16)
    The listener is ready when "ready" is printed.

Client:
    scenario.py client --host H --port P --mode MODE [options]
      echo         --count N request/answer exchanges (--interval S), close
      wait-eof     request, answer, read until EOF, sleep --delay, close
      fin3         request, answer, close
      halfclose    request, shutdown(SHUT_WR), read until EOF, close
      sim          read "CLOSEAT T", sleep until T, close
      refused      expect ECONNREFUSED
      timeout      expect ETIMEDOUT (SYNs dropped)
      halfopen     connect (final ACK is dropped by nft), sleep --hold, then
                   SO_LINGER{1,0} close
      abort        request, answer, SO_LINGER{1,0}, close -> RST
      unread       send a request the server will not read, wait for RST
      send-close   send a request and close at once
      idle         request, answer, print "idle", sleep --hold, close
      stream       a request every --interval for --count times, close
      reuse        bind --lport with SO_REUSEADDR; conn 1 closed by the
                   server first; sleep --delay; conn 2 from the same port
      tfo          two connections with sendto(MSG_FASTOPEN): cookie
                   request, then data in the SYN
      mixed        --count connections in parallel threads, mixing ports
                   --ports echo,close-first,halfclose,refused (seed --seed)

Relay (middle namespace of the crossed-FIN scenario; this kernel has no netem):
    scenario.py relay --dev A --dev B --delay 0.1
    two AF_PACKET sockets bound to A and B; every frame received on one is
    sent out of the other DELAY seconds later (order kept).

Check (reads a pcap, Ethernet + IPv4/IPv6 only):
    scenario.py check KIND FILE    KIND: fin4 fin3 simultaneous tfo
    exit 0 if the capture shows that close/open pattern.
"""
import argparse
import errno
import random
import signal
import socket
import struct
import sys
import threading
import time

TCP_FASTOPEN = getattr(socket, "TCP_FASTOPEN", 23)
MSG_FASTOPEN = getattr(socket, "MSG_FASTOPEN", 0x20000000)
LINGER0 = struct.pack("ii", 1, 0)


def fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def recv_some(c, n=4096):
    try:
        return c.recv(n)
    except (ConnectionResetError, BrokenPipeError):
        return b""


def drain(c):
    data = b""
    while True:
        d = recv_some(c)
        if not d:
            return data
        data += d


# ------------------------------------------------------------------ server

def serve_conn(mode, arg, c):
    try:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if mode in ("echo", "tfo", "fin3"):
            delay = float(arg) if arg else 0.3
            while True:
                d = recv_some(c)
                if not d:
                    break
                c.sendall(b"OK " + d)
            if mode != "fin3":
                time.sleep(delay)
        elif mode == "close-first":
            d = recv_some(c)
            if d:
                c.sendall(b"OK " + d)
            time.sleep(0.05)
        elif mode == "halfclose":
            req = drain(c)
            for i in range(3):
                c.sendall(b"part %d of reply to %s" % (i, req.strip()))
                time.sleep(0.05)
        elif mode == "sim":
            t = time.time() + 0.8
            c.sendall(b"CLOSEAT %.6f\n" % t)
            time.sleep(max(0, t - time.time()))
        elif mode == "noread":
            time.sleep(float(arg) if arg else 0.5)
        elif mode == "wac":
            drain(c)
            time.sleep(0.1)
            try:
                c.sendall(b"late data after peer closed\n")
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise SystemExit("unknown server mode %r" % mode)
    except OSError:
        pass
    finally:
        c.close()


def listener(bind, port, mode, arg):
    s = socket.socket(fam(bind), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mode == "tfo":
        s.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN, 16)
    s.bind((bind, port))
    s.listen(64)
    return s


def accept_loop(s, mode, arg):
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve_conn, args=(mode, arg, c), daemon=True).start()


def server(a):
    socks = []
    for spec in a.svc:
        parts = spec.split(":", 2)
        port, mode = int(parts[0]), parts[1]
        arg = parts[2] if len(parts) > 2 else ""
        socks.append((listener(a.bind, port, mode, arg), mode, arg))
    for s, mode, arg in socks:
        threading.Thread(target=accept_loop, args=(s, mode, arg), daemon=True).start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("ready", flush=True)
    while not done.wait(0.2):
        pass


# ------------------------------------------------------------------ client

def connect(host, port, lport=0, reuse=False):
    s = socket.socket(fam(host), socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if lport:
        s.bind(("::" if ":" in host else "0.0.0.0", lport))
    s.connect((host, port))
    return s


def ask(s, msg):
    s.sendall(msg)
    return recv_some(s)


def client_one(mode, host, port, a):
    if mode == "echo":
        s = connect(host, port)
        for i in range(a.count):
            if i:
                time.sleep(a.interval)
            ask(s, b"req %d\n" % i)
        s.close()
    elif mode == "wait-eof":
        s = connect(host, port)
        ask(s, b"hello\n")
        drain(s)
        time.sleep(a.delay)
        s.close()
    elif mode == "fin3":
        s = connect(host, port)
        ask(s, b"hello\n")
        s.close()
    elif mode == "halfclose":
        s = connect(host, port)
        s.sendall(b"GET /x\n")
        s.shutdown(socket.SHUT_WR)
        drain(s)
        s.close()
    elif mode == "sim":
        s = connect(host, port)
        line = b""
        while not line.endswith(b"\n"):
            d = recv_some(s)
            if not d:
                raise SystemExit("sim: no CLOSEAT")
            line += d
        t = float(line.split()[1])
        time.sleep(max(0, t - time.time()))
        s.close()
    elif mode == "refused":
        try:
            connect(host, port)
        except ConnectionRefusedError:
            return
        raise SystemExit("refused: connection unexpectedly accepted")
    elif mode == "timeout":
        try:
            connect(host, port)
        except (TimeoutError, OSError) as e:
            if getattr(e, "errno", None) in (errno.ETIMEDOUT, None):
                return
            raise
        raise SystemExit("timeout: connection unexpectedly accepted")
    elif mode == "halfopen":
        s = connect(host, port)
        print("connected", flush=True)
        time.sleep(a.hold)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
        s.close()
    elif mode == "abort":
        s = connect(host, port)
        ask(s, b"hello\n")
        time.sleep(0.05)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
        s.close()
    elif mode == "unread":
        s = connect(host, port)
        s.sendall(b"data the server never reads\n")
        drain(s)            # returns on RST (ECONNRESET)
        s.close()
    elif mode == "send-close":
        s = connect(host, port)
        s.sendall(b"hello\n")
        s.close()
    elif mode == "idle":
        s = connect(host, port)
        ask(s, b"hello\n")
        print("idle", flush=True)
        time.sleep(a.hold)
        s.close()
    elif mode == "stream":
        s = connect(host, port)
        print("connected", flush=True)
        for i in range(a.count):
            ask(s, b"tick %d\n" % i)
            time.sleep(a.interval)
        s.close()
    elif mode == "reuse":
        for i in range(2):
            s = connect(host, port, a.lport, reuse=True)
            ask(s, b"conn %d\n" % i)
            drain(s)          # server closes first -> server TIME_WAIT
            time.sleep(0.05)
            s.close()
            if i == 0:
                time.sleep(a.delay)
    elif mode == "tfo":
        for i in range(2):
            s = socket.socket(fam(host), socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendto(b"tfo %d\n" % i, MSG_FASTOPEN, (host, port))
            recv_some(s)
            s.close()
            time.sleep(0.3)
    else:
        raise SystemExit("unknown client mode %r" % mode)


def mixed(host, a):
    ports = dict(p.split("=") for p in a.ports.split(","))
    kinds = [("echo", "echo"), ("close-first", "wait-eof"), ("refused", "refused"),
             ("echo", "abort"), ("halfclose", "halfclose")]
    rnd = random.Random(a.seed)
    plan = [(rnd.choice(kinds), rnd.uniform(0, 2.0)) for _ in range(a.count)]
    errs = []
    per = argparse.Namespace(**vars(a))
    per.count, per.interval = 2, 0.05     # per-connection exchanges

    def run(kind, delay):
        time.sleep(delay)
        svc, cmode = kind
        try:
            client_one(cmode, host, int(ports[svc]), per)
        except Exception as e:            # report but keep going
            errs.append("%s: %r" % (cmode, e))

    th = [threading.Thread(target=run, args=p) for p in plan]
    for t in th:
        t.start()
    for t in th:
        t.join()
    for e in errs:
        print("mixed:", e, file=sys.stderr)
    return 1 if errs else 0


def client(a):
    if a.mode == "mixed":
        return mixed(a.host, a)
    client_one(a.mode, a.host, a.port, a)
    return 0


# ------------------------------------------------------------------ relay

def relay(a):
    import heapq
    import select
    ETH_P_ALL, PACKET_OUTGOING = 3, 4
    devs = a.dev
    if len(devs) != 2:
        raise SystemExit("relay: need exactly two --dev")
    socks = []
    for d in devs:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((d, 0))
        socks.append(s)
    other = {socks[0]: socks[1], socks[1]: socks[0]}
    q = []
    n = 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    while not stop.is_set():
        now = time.monotonic()
        while q and q[0][0] <= now:
            _, _, out, fr = heapq.heappop(q)
            out.send(fr)
        timeout = max(0.0, q[0][0] - now) if q else 0.2
        try:
            r, _, _ = select.select(socks, [], [], timeout)
        except InterruptedError:
            continue
        for s in r:
            fr, addr = s.recvfrom(65536)
            if addr[2] == PACKET_OUTGOING:
                continue
            n += 1
            heapq.heappush(q, (time.monotonic() + a.delay, n, other[s], fr))


# ------------------------------------------------------------------ check

def read_pcap(path):
    """yield (ts, src, sport, dst, dport, flags, seq, ack, payload_len, opts)"""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    assert linktype == 1, "Ethernet only"
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        fr = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        ts = sec + frac / (1e9 if nano else 1e6)
        et = struct.unpack("!H", fr[12:14])[0]
        ip = fr[14:]
        if et == 0x0800:
            ihl = (ip[0] & 15) * 4
            if ip[9] != 6:
                continue
            src, dst = socket.inet_ntop(socket.AF_INET, ip[12:16]), socket.inet_ntop(socket.AF_INET, ip[16:20])
            tl = struct.unpack("!H", ip[2:4])[0]
            tcp = ip[ihl:tl]
        elif et == 0x86dd:
            if ip[6] != 6:
                continue
            src, dst = socket.inet_ntop(socket.AF_INET6, ip[8:24]), socket.inet_ntop(socket.AF_INET6, ip[24:40])
            tcp = ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
        else:
            continue
        sp, dp, seq, ack, offf, flags = struct.unpack("!HHIIBB", tcp[:14])
        doff = (offf >> 4) * 4
        yield (ts, src, sp, dst, dp, flags, seq, ack, len(tcp) - doff, tcp[20:doff])


FIN, SYN, RST, ACK = 1, 2, 4, 16


def check(kind, path):
    pk = list(read_pcap(path))
    fins = [p for p in pk if p[5] & FIN]
    if kind in ("fin4", "fin3"):
        if len(fins) != 2:
            return "expected 2 FINs, got %d" % len(fins)
        f1, f2 = fins
        # segments of the second side between the two FINs
        between = [p for p in pk if f1[0] < p[0] < f2[0] and p[1] == f2[1]]
        acked_sep = any(p[7] == (f1[6] + 1) & 0xffffffff and not p[5] & FIN for p in between)
        f2_acks = f2[7] == (f1[6] + 1) & 0xffffffff
        last = [p for p in pk if p[0] > f2[0] and p[1] == f1[1] and p[7] == (f2[6] + 1) & 0xffffffff]
        if not last:
            return "last ACK missing"
        if kind == "fin4" and not acked_sep:
            return "first FIN not acknowledged by a separate segment"
        if kind == "fin3" and (acked_sep or not f2_acks):
            return "second FIN is not the FIN+ACK of the first"
        return None
    if kind == "simultaneous":
        if len(fins) != 2:
            return "expected 2 FINs, got %d" % len(fins)
        f1, f2 = fins
        if f1[1] == f2[1]:
            return "both FINs from the same side"
        if f2[7] == (f1[6] + 1) & 0xffffffff:
            return "second FIN acknowledges the first (not crossed)"
        if f1[7] == (f2[6] + 1) & 0xffffffff:
            return "first FIN acknowledges the second"
        a1 = [p for p in pk if p[0] > f2[0] and p[1] == f1[1] and not p[5] & FIN and p[7] == (f2[6] + 1) & 0xffffffff]
        a2 = [p for p in pk if p[0] > f2[0] and p[1] == f2[1] and not p[5] & FIN and p[7] == (f1[6] + 1) & 0xffffffff]
        if not a1 or not a2:
            return "ACKs of the crossed FINs missing"
        return None
    if kind == "tfo":
        syns = [p for p in pk if p[5] & SYN and not p[5] & ACK]
        if len(syns) < 2 or not any(p[8] > 0 for p in syns[1:]):
            return "no SYN with data"
        return None
    return "unknown check %r" % kind


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("server")
    ps.add_argument("--bind", required=True)
    ps.add_argument("--svc", action="append", required=True)
    pc = sub.add_parser("client")
    pc.add_argument("--host", required=True)
    pc.add_argument("--port", type=int, default=0)
    pc.add_argument("--mode", required=True)
    pc.add_argument("--count", type=int, default=1)
    pc.add_argument("--interval", type=float, default=0.2)
    pc.add_argument("--delay", type=float, default=0.3)
    pc.add_argument("--hold", type=float, default=3.0)
    pc.add_argument("--lport", type=int, default=0)
    pc.add_argument("--ports", default="")
    pc.add_argument("--seed", type=int, default=98)
    pr = sub.add_parser("relay")
    pr.add_argument("--dev", action="append", required=True)
    pr.add_argument("--delay", type=float, default=0.1)
    pk = sub.add_parser("check")
    pk.add_argument("kind")
    pk.add_argument("file")
    a = p.parse_args()
    if a.cmd == "server":
        server(a)
    elif a.cmd == "client":
        sys.exit(client(a))
    elif a.cmd == "relay":
        relay(a)
    else:
        err = check(a.kind, a.file)
        if err:
            print("check %s %s: %s" % (a.kind, a.file, err), file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
