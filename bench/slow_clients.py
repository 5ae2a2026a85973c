"""Slow clients on loopback: do N slowloris-style sockets starve everyone else?

    .venv/bin/python bench/slow_clients.py [--database sqlite] [--slow 0,16,64]
        [--duration 8] [--workers 2] [--threads 4] [--proxy none,nginx]

Uses the database bench/http_load.py seeded (run it once first). Starts ``claywork serve``,
optionally behind a buffering nginx (``nginx`` on the PATH; a private config under
./var/bench/), then for each ``--slow`` count opens that many sockets that each send a request
line and then one header every 2 seconds, never finishing, and meanwhile drives `wrk` (5
connections) at the sign-in page (a rendered template, no session). Prints req/s, p95, errors
and timeouts with and without the slow sockets. The slow sockets are bounded (their count,
loopback, the run's duration). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_load import free_port, run_wrk, start_server  # noqa: E402
from bench.journal_pages import VAR_DIR  # noqa: E402

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_header_timeout 10s;
    client_body_timeout 10s;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    large_client_header_buffers 4 16k;
    upstream claywork {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://claywork;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_buffering on;
            proxy_request_buffering on;
        }}
    }}
}}
"""


def start_nginx(upstream: int) -> tuple[subprocess.Popen[bytes], int]:
    prefix = VAR_DIR / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, upstream=upstream, port=port))
    nginx = subprocess.Popen(  # noqa: S603 - nginx with our own config
        [shutil.which("nginx") or "nginx", "-c", str(conf), "-p", str(prefix)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return nginx, port
        except OSError:
            time.sleep(0.1)
    nginx.terminate()
    sys.exit("nginx did not start")


def slow_sockets(port: int, count: int, until: float, opened: list[int]) -> None:
    """``count`` sockets, each sending a request line and then a header every 2 s."""
    sockets: list[socket.socket] = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(sock)
        except OSError:
            break
    opened.append(len(sockets))
    number = 0
    while time.monotonic() < until and sockets:
        time.sleep(2)
        number += 1
        for sock in list(sockets):
            try:
                sock.sendall(f"X-Slow-{number}: {number}\r\n".encode())
            except OSError:
                sockets.remove(sock)  # the server (or proxy) gave up on it: good
                opened.append(-1)
    for sock in sockets:
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--slow", default="0,16,64")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--proxy", default="none,nginx")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    port = free_port()
    server = start_server(args.database, port, args.workers, args.threads)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"gunicorn {args.workers} workers x {args.threads} threads, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print("| in front | slow sockets | still open at end | req/s | p95 ms | errors/timeouts |")
    print("|---|---:|---:|---:|---:|---:|")
    try:
        for proxy in args.proxy.split(","):
            nginx = None
            target = port
            if proxy == "nginx":
                if shutil.which("nginx") is None:
                    print("| nginx | (not installed) | | | | |")
                    continue
                nginx, target = start_nginx(port)
            try:
                for count in [int(level) for level in args.slow.split(",")]:
                    opened: list[int] = []
                    until = time.monotonic() + args.duration + 4
                    slow = threading.Thread(
                        target=slow_sockets, args=(target, count, until, opened), daemon=True
                    )
                    slow.start()
                    time.sleep(2.5)  # the slow sockets connect and take their threads
                    url = f"http://127.0.0.1:{target}/accounts/login/"
                    figures = run_wrk(url, 5, args.duration, None)
                    slow.join()
                    still_open = (opened[0] if opened else 0) - sum(
                        1 for value in opened[1:] if value == -1
                    )
                    print(
                        f"| {proxy} | {count} | {still_open} | {figures['rps']:.1f} "
                        f"| {figures['p95']:.0f} | {figures['errors'] + figures['non2xx']} |",
                        flush=True,
                    )
            finally:
                if nginx is not None:
                    nginx.terminate()
                    nginx.wait(timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
