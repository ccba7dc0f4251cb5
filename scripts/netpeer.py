#!/usr/bin/env python3
"""netpeer.py - tiny TCP client/server used by mkcaptures.sh to generate
test traffic inside network namespaces (python3 stdlib only).

Server:
    netpeer.py server --bind ADDR --svc PORT:KIND [--svc ...]
        KIND is one of
          echo      read a request, answer "OK <request>", repeat until the
                    client closes, then close (client closes first)
          srvclose  send a greeting and close at once (server closes first)
          bulk:N    read one request, send "SIZE N\n" and N bytes, then
                    wait for the client's FIN and close
          sink      read until EOF / error, then close
          tfo       like echo, listening socket has TCP_FASTOPEN enabled
    Runs until SIGTERM/SIGINT.

Client:
    netpeer.py client --host H --port P --mode MODE [--count N]
        MODE is one of
          echo      N request/response exchanges (default 2), client closes
                    (--pad P makes each request P bytes longer)
          srvclose  read until EOF, then close
          bulk      small receive buffer, read slowly (window updates)
          refused   connect to a closed port, expect ECONNREFUSED
          abort     send a request, read answer, SO_LINGER{1,0} + close (RST)
          tfo       sendto(MSG_FASTOPEN) request, read answer, close
"""
import argparse
import errno
import signal
import socket
import struct
import sys
import threading
import time

TCP_FASTOPEN = getattr(socket, "TCP_FASTOPEN", 23)
MSG_FASTOPEN = getattr(socket, "MSG_FASTOPEN", 0x20000000)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def recv_some(conn, n=4096):
    try:
        return conn.recv(n)
    except ConnectionResetError:
        return b""


def handle(kind, conn):
    try:
        if kind in ("echo", "tfo"):
            while True:
                data = recv_some(conn)
                if not data:
                    break
                conn.sendall(b"OK " + data)
        elif kind == "srvclose":
            conn.sendall(b"HELLO from server\n")
        elif kind.startswith("bulk"):
            n = int(kind.split(":")[1]) if ":" in kind else 20000
            data = recv_some(conn)
            if data:
                conn.sendall(b"SIZE %d\n" % n)
                blob = (b"0123456789abcdef" * (n // 16 + 1))[:n]
                conn.sendall(blob)
                while recv_some(conn):
                    pass
        elif kind == "sink":
            while recv_some(conn):
                pass
        else:
            raise SystemExit("unknown service kind %r" % kind)
    except OSError:
        pass
    finally:
        conn.close()


def serve_port(addr, port, kind):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if kind == "tfo":
        s.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN, 16)
    s.bind((addr, port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=handle, args=(kind, conn), daemon=True).start()


def server(args):
    for spec in args.svc:
        port, kind = spec.split(":", 1)
        threading.Thread(target=serve_port, args=(args.bind, int(port), kind),
                         daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    print("ready", flush=True)
    while not stop.wait(0.2):
        pass


def client(args):
    fam = family_of(args.host)
    dst = (args.host, args.port)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(10)
    mode = args.mode
    if mode == "refused":
        try:
            s.connect(dst)
        except ConnectionRefusedError:
            return 0
        print("expected ECONNREFUSED", file=sys.stderr)
        return 1
    if mode == "tfo":
        s.settimeout(None)        # blocking sendto: connect + data in one go
        s.sendto(b"TFO hello\n", MSG_FASTOPEN, dst)
        s.settimeout(10)
        print("tfo reply:", recv_some(s), flush=True)
        time.sleep(0.05)
        s.close()
        return 0
    if mode == "bulk":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(dst)
    if mode == "echo":
        for i in range(args.count):
            s.sendall(b"request %d" % i + b"." * args.pad + b"\n")
            recv_some(s)
            time.sleep(0.05)
        s.close()
    elif mode == "srvclose":
        while recv_some(s):
            pass
        time.sleep(0.05)
        s.close()
    elif mode == "bulk":
        s.sendall(b"send bulk\n")
        time.sleep(0.1)           # let the receive window fill up
        buf = b""
        while b"\n" not in buf:
            buf += s.recv(1)
        want = int(buf.split()[1])
        got = 0
        while got < want:
            d = recv_some(s, 1024)
            if not d:
                break
            got += len(d)
            time.sleep(0.002)
        s.close()
    elif mode == "abort":
        s.sendall(b"about to abort\n")
        recv_some(s)
        time.sleep(0.05)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    else:
        print("unknown mode", mode, file=sys.stderr)
        return 2
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("server")
    ps.add_argument("--bind", required=True)
    ps.add_argument("--svc", action="append", required=True)
    pc = sub.add_parser("client")
    pc.add_argument("--host", required=True)
    pc.add_argument("--port", type=int, required=True)
    pc.add_argument("--mode", required=True)
    pc.add_argument("--count", type=int, default=2)
    pc.add_argument("--pad", type=int, default=0,
                    help="echo: pad each request with this many bytes")
    args = p.parse_args()
    if args.cmd == "server":
        server(args)
        return 0
    return client(args)


if __name__ == "__main__":
    sys.exit(main())
