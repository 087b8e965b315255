"""Submission throughput: full children's questionnaires through gunicorn vs a one-row insert.

    python -m benchmarks.submission                       # SQLite (laptop mode)
    python -m benchmarks.submission --database postgresql+psycopg://postgres@127.0.0.1/survey_bench

Each of 32 clients is a kiosk of its own (enrolled with its own invitation). Before each
timed phase every client prepares its sessions (Start pressed, questionnaire opened, CSRF
token read), so the timed phase measures the submission alone: CSRF check, validation
with routing, sealing, and the insert of the response and its spent ballot, committed.
The baseline is ``POST /bench/insert-one`` on the same server (benchmarks/bench_wsgi.py).
The last line prints the ratio and the figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from benchmarks.client import Browser, enrol, form_fields, ready_questionnaire
from benchmarks.server import ROOT, environment, free_port, gunicorn, prepare
from survey_app.demo import synthetic_answers
from survey_app.models import SealedResponse
from survey_app.questionnaire import Library


def run_phase(
    clients: int, work, per_client: int, rate: float | None = None
) -> tuple[float, list[float]]:
    """Every client runs ``work(client, index)`` per_client times; (requests/s, latencies ms).

    Without ``rate`` each client sends its next request as soon as the last is answered
    (saturation). With ``rate`` the clients together send ``rate`` requests a second on a
    fixed schedule, as tablets and phones would, and latency is measured at that load.
    """
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    origin = [0.0]

    def client(number: int) -> None:
        start.wait()
        for index in range(per_client):
            if rate:
                due = origin[0] + (index * clients + number) / rate
                time.sleep(max(0.0, due - time.perf_counter()))
            began = time.perf_counter()
            work(number, index)
            latencies[number].append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    origin[0] = time.perf_counter()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [value for values in latencies for value in values]
    return len(flat) / elapsed, flat


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def server_times(access_log: Path, request: str) -> list[float]:
    """Durations (ms) gunicorn logged for ``request``, in order (format: gunicorn.conf.py)."""
    return [
        float(line.rsplit(" ", 1)[1].removesuffix("ms\n"))
        for line in access_log.open()
        if f'"{request}"' in line
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: a new SQLite)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--workers", type=int, default=None, help="default: as gunicorn.conf.py decides"
    )
    parser.add_argument("--per-client", type=int, default=40, help="requests per client, phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--paced-share", type=float, default=0.5,
        help="then measure latency at this share of the submission throughput",
    )  # fmt: skip
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="survey-bench-"))
    url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
    engine_name = url.split(":")[0].split("+")[0]
    port = free_port()
    env = environment(url, folder, port)
    inspection_id, tokens, _ = prepare(env, args.clients)
    library = Library.from_directory(str(ROOT / "questionnaires"))
    questionnaire = library.current("children", "stc")
    rng = random.Random(8)

    browsers = [Browser("127.0.0.1", port) for _ in range(args.clients)]
    baseline: list[tuple[float, list[float]]] = []
    submission: list[tuple[float, list[float]]] = []
    failures: list[str] = []
    with gunicorn(env, "benchmarks.bench_wsgi:app", log_dir=folder, workers=args.workers):
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(enrol, browsers, tokens))

        def insert_one(client: int, index: int) -> None:
            status, _, _ = browsers[client].post("/bench/insert-one", [], cookies={})
            if status != 204:
                failures.append(f"insert-one {status}")

        for round_number in range(args.rounds + 1):
            paced = round_number == args.rounds  # the last round: latency at a steady rate
            prepared = [[] for _ in range(args.clients)]

            def ready(client: int, prepared=prepared) -> None:
                browser = browsers[client]
                for _ in range(args.per_client):
                    token = ready_questionnaire(browser)
                    answers = synthetic_answers(questionnaire, rng, 0.7)
                    fields = [("csrf_token", token), *form_fields(answers)]
                    prepared[client].append((dict(browser.cookies), fields))

            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(ready, range(args.clients)))

            def submit(client: int, index: int, prepared=prepared) -> None:
                cookies, fields = prepared[client][index]
                status, headers, _ = browsers[client].post(
                    "/kiosk/questionnaire", fields, cookies=cookies
                )
                if status != 302 or "/kiosk/thanks" not in headers.get("Location", ""):
                    failures.append(f"submission {status}")

            if paced:
                rate = args.paced_share * statistics.median(r for r, _ in submission)
                paced_result = run_phase(args.clients, submit, args.per_client, rate)
                continue
            baseline.append(run_phase(args.clients, insert_one, args.per_client))
            submission.append(run_phase(args.clients, submit, args.per_client))

    engine = create_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(
            select(func.count())
            .select_from(SealedResponse)
            .where(SealedResponse.inspection_id == inspection_id)
        ).scalar_one()
        if engine.dialect.name == "sqlite":
            mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
            engine_name = f"sqlite ({mode}, synchronous=FULL)"
    engine.dispose()
    expected = (args.rounds + 1) * args.clients * args.per_client
    if failures or stored != expected:
        raise SystemExit(
            f"FAILED: {len(failures)} bad answers {failures[:3]}; {stored}/{expected} stored"
        )

    base_rate = statistics.median(rate for rate, _ in baseline)
    sub_rate = statistics.median(rate for rate, _ in submission)
    sub_lat = [value for _, values in submission for value in values]
    base_lat = [value for _, values in baseline for value in values]
    ratio = sub_rate / base_rate
    p99 = percentile(sub_lat, 0.99)
    paced_rate, paced_lat = paced_result
    # What the server itself took (parse to response), without the client's own queueing.
    logged = server_times(folder / "access.log", "POST /kiosk/questionnaire")
    paced_count = args.clients * args.per_client
    server_saturated, server_paced = logged[:-paced_count], logged[-paced_count:]
    server_base = server_times(folder / "access.log", "POST /bench/insert-one")
    verdict = "meets" if ratio >= 0.40 and p99 < 100 else "MISSES"
    print(
        f"{verdict} goals: submission/insert-one throughput ratio {ratio:.2f} (goal >= 0.40); "
        f"saturated: submission {sub_rate:.0f}/s p50 {percentile(sub_lat, 0.5):.0f} ms "
        f"p99 {p99:.0f} ms (goal < 100), insert-one {base_rate:.0f}/s "
        f"p50 {percentile(base_lat, 0.5):.0f} ms p99 {percentile(base_lat, 0.99):.0f} ms; "
        f"paced at {paced_rate:.0f}/s: submission p50 {percentile(paced_lat, 0.5):.0f} ms "
        f"p99 {percentile(paced_lat, 0.99):.0f} ms; server-side p99 submission saturated "
        f"{percentile(server_saturated, 0.99):.0f} ms, paced {percentile(server_paced, 0.99):.0f}"
        f" ms, insert-one {percentile(server_base, 0.99):.0f} ms; {engine_name}, "
        f"{args.workers or 'default'} workers, "
        f"{args.clients} clients, {expected} submissions stored and counted"
    )


if __name__ == "__main__":
    main()
