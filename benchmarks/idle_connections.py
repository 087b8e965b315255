"""Quiet connections against the shipped server: /health latency with and without idle clients.

gunicorn with gunicorn.conf.py serves HTTPS itself (laptop mode with a certificate) on a new
SQLite database. The benchmark times /health (each request on a new TLS connection, as a tablet
waking up would) first with no other client, then with ``--idle`` connections open and silent
(half before the TLS handshake, half after it), and prints both and their ratio.

    python -m benchmarks.idle_connections [--idle 50] [--requests 50]

The goal (issue "Works for real over HTTPS"): 50 idle TLS connections do not delay /health
beyond 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.server import environment, free_port, gunicorn, make_certificate, serve_tls


def _timings(url: str, context, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30, context=context) as response:  # noqa: S310
            response.read()
        timings.append(1000 * (time.perf_counter() - started))
    return timings


def _summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=50)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        certificate = make_certificate(folder / "tls")
        port = free_port()
        env = serve_tls(
            environment(f"sqlite:///{folder / 'bench.sqlite3'}", folder, port), certificate
        )
        env.update(SURVEY_ACCESS_LOG="/dev/null")
        context = certificate.client_context()
        url = f"https://127.0.0.1:{port}/health"
        with gunicorn(env):
            quiet = _timings(url, context, args.requests)
            with contextlib.ExitStack() as idle:
                for number in range(args.idle):
                    raw = idle.enter_context(socket.create_connection(("127.0.0.1", port)))
                    if number % 2:
                        idle.enter_context(context.wrap_socket(raw, server_hostname="127.0.0.1"))
                time.sleep(0.5)
                busy = _timings(url, context, args.requests)
    print(f"/health alone: {_summary(quiet)}")
    print(f"/health with {args.idle} idle TLS connections: {_summary(busy)}")
    ratio = statistics.median(busy) / statistics.median(quiet)
    worst = max(busy)
    verdict = "met" if worst < 100 else "MISSED"
    print(f"ratio of medians {ratio:.2f}; slowest {worst:.1f} ms (goal < 100 ms: {verdict})")


if __name__ == "__main__":
    main()
