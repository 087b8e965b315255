"""Evidence from 100,000 sealed children's responses vs unsealing them alone.

    python -m benchmarks.evidence [--responses 100000]
    python -m benchmarks.evidence --pdf     # the demo inspection's two PDFs: pages and seconds

Seals synthetic answers to the shipped children's questionnaire with the inspection's
public key (into a new SQLite file, with executemany), then, each in a fresh process:
(1) unsealing every response, in one process (``responses.open_all``, once, for reference)
and in parallel (``responses.fold_opened`` with a fold that only counts); (2) the whole
evidence document through ``report.build`` (unsealing, aggregation, significance tests,
suppression) rendered as the JSON download (``render.to_json``). Each parallel task is
timed ``TIMED_RUNS`` times and the fastest kept; its peak memory is measured in one more
run of its own, since sampling it slows what is timed. The last line prints the ratio and
the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "benchmark passphrase, not for real use"  # noqa: S105 - synthetic data


def _app(database: Path):
    os.environ.update(
        SURVEY_KDF_MEMORY_KIB="19456", SURVEY_KDF_ITERATIONS="2", SURVEY_KDF_LANES="1"
    )
    from survey_app import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "benchmark"},
        instance_path=str(database.parent),
    )


def generate(database: Path, count: int) -> str:
    from flask_migrate import upgrade

    from survey_app import inspections, sealing
    from survey_app.demo import synthetic_answers
    from survey_app.models import Establishment, db

    app = _app(database)
    with app.app_context():
        upgrade(revision="heads")
        place = Establishment(name="Benchmark STC", type="stc")
        db.session.add(place)
        inspection = inspections.create_inspection(place, "full", PASSPHRASE, [])
        db.session.commit()
        questionnaire = app.extensions["questionnaires"].current("children", "stc")
        context = sealing.response_context(inspection.id, questionnaire.id, questionnaire.version)
        rng = random.Random(100)
        today = dt.date.today().isoformat()
        raw = db.engine.raw_connection()
        try:
            for start in range(0, count, 10000):
                rows = [
                    (
                        uuid.uuid4().hex,
                        inspection.id,
                        questionnaire.id,
                        questionnaire.version,
                        today,
                        sealing.seal_answers(
                            inspection.public_key,
                            synthetic_answers(questionnaire, rng, 0.65),
                            context,
                        ),
                    )
                    for _ in range(min(10000, count - start))
                ]
                raw.cursor().executemany(
                    "INSERT INTO sealed_response (id, inspection_id, questionnaire_id,"
                    " questionnaire_version, received_on, sealed) VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                raw.commit()
        finally:
            raw.close()
        return inspection.id


def _pss_kib(pid: int | str) -> int:
    """Proportional set size of one process: shared pages (a forked worker's inherited
    ones) counted once across the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class PeakMemory:
    """Samples the summed PSS of this process and its children (Linux), keeping the peak."""

    def __init__(self, every: float = 0.05):
        import threading

        self.peak_kib, self._every, self._stop = 0, every, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            children = []
            for task in Path(f"/proc/{me}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    children += task.read_text().split()
            total = _pss_kib(me) + sum(_pss_kib(child) for child in children)
            self.peak_kib = max(self.peak_kib, total)
            self._stop.wait(self._every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def measure(database: Path, inspection_id: str, what: str, memory: bool = False) -> dict:
    """Runs in its own process: the time of one task, or with ``memory`` its peak memory.

    Apart, because sampling costs: reading the PSS of three 200 MB processes every 50 ms
    took about 1.5 CPU-seconds of the evidence's 10 on these 2 cores, and the time with it."""
    from survey_app import inspections, responses
    from survey_app.evidence import render, report
    from survey_app.models import Inspection, db

    app = _app(database)
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        unsealer = inspections.unlock(inspection, PASSPHRASE)
        used = {
            who: resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        }
        sampler = PeakMemory().__enter__() if memory else None
        began = time.perf_counter()
        if what == "unseal":  # opening alone, in parallel as the evidence does
            broken = responses.BrokenSeals()
            opened = sum(
                responses.fold_opened(inspection, unsealer, broken, responses.count_opened)
            )
            size = 0
        elif what == "unseal-serial":  # opening alone, in this process only
            broken = responses.BrokenSeals()
            opened = sum(1 for _ in responses.open_all(inspection, unsealer, broken))
            size = 0
        else:
            evidence = report.build(inspection, unsealer)
            size = len(render.to_json(evidence))
            opened = sum(q["respondents"] for q in evidence["questionnaires"])
        seconds = time.perf_counter() - began
        if sampler:
            sampler.__exit__()
    # Peak memory of this process with its workers: their summed PSS, sampled every 50 ms
    # (a forked worker's RSS would count the parent's shared pages again); no lower than
    # this process's own peak RSS.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_mib = max(own, sampler.peak_kib / 1024) if sampler else None
    cpu = sum(
        getattr(resource.getrusage(who), field) - getattr(used[who], field)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for field in ("ru_utime", "ru_stime")
    )
    return {
        "seconds": seconds,
        "cpu_seconds": round(cpu, 2),  # this process and its workers: steadier under load
        "opened": opened,
        "peak_mib": peak_mib,
        "bytes": size,
    }


def run_measure(database: Path, inspection_id: str, what: str, memory: bool = False) -> dict:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "benchmarks.evidence", "--measure", what,
         "--database", str(database), "--inspection", inspection_id,
         *(["--memory"] if memory else [])],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


TIMED_RUNS = 3  # each task's time is the fastest of these
RATIO = 1.2  # evidence time over unsealing time, both in parallel
SECONDS = 5.0  # evidence for --responses (100,000) responses
PEAK_MIB = 512
PDF_SECONDS = 3.0
PDF_MAIN_PAGES = 15
PDF_MIN_FILL = 0.5  # of a page's content area, on every page of the report but its last


def filled(page) -> float:
    """How much of a page's content area (inside its margins) holds something."""
    box = page._page_box  # noqa: SLF001 - WeasyPrint exposes no public layout walk
    top, height = box.content_box_y(), box.height
    bottom = top

    def walk(node) -> None:
        nonlocal bottom
        for child in getattr(node, "children", ()):
            if getattr(child, "position_y", None) is not None and not child.children:
                bottom = max(bottom, child.position_y + child.margin_height())
            walk(child)

    for root in box.children:  # the document, not the page-number margin boxes
        if type(root).__name__ != "MarginBox":
            walk(root)
    return max(0.0, min(1.0, (bottom - top) / height))


def _render_best(render, evidence, inspection, part: str, runs: int):
    """The best time of ``runs`` renders of one PDF, with its document and bytes."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        document = render.pdf_document(evidence, inspection, part)
        data = document.write_pdf()
        times.append(time.perf_counter() - began)
    return min(times), document, data


def pdf(runs: int = 2, out: Path | None = None) -> None:
    """The demo inspection's two evidence PDFs, each the best render time of ``runs``: the
    report (judged: seconds and pages, and the emptiest of its pages) and the appendices
    (reported: seconds and pages). ``out`` gets the report, ``out``-appendices.pdf the
    appendices and ``out``.html the whole evidence as HTML."""
    import logging

    from flask_migrate import upgrade

    from survey_app import inspections
    from survey_app.demo import DEMO_PASSPHRASE, load_demo
    from survey_app.evidence import render, report
    from survey_app.models import Inspection, db

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="survey-evidence-pdf-") as folder:
        database = Path(folder) / "demo.sqlite3"
        app = _app(database)
        with app.app_context():
            upgrade(revision="heads")
            created = load_demo(seed=14)
            inspection = db.session.get(Inspection, created["current"])
            evidence = report.build(inspection, inspections.unlock(inspection, DEMO_PASSPHRASE))
            seconds, document, data = _render_best(render, evidence, inspection, "report", runs)
            extra_seconds, extra, extra_data = _render_best(
                render, evidence, inspection, "appendices", runs
            )
            if out:
                out.write_bytes(data)
                out.with_name(f"{out.stem}-appendices{out.suffix}").write_bytes(extra_data)
                out.with_suffix(".html").write_text(render.to_html(evidence, inspection))
    pages = document.pages
    if any("appendices" in p.anchors for p in pages):
        raise SystemExit("FAILED: the report PDF holds the appendices")
    # No page more than half blank but the last: the report has no forced page break, so
    # its last page is the only end of a section that may be short.
    fills = [filled(p) for p in pages]
    emptiest = min(range(len(fills)), key=fills.__getitem__) if fills else 0
    short = [number for number, fill in enumerate(fills[:-1], start=1) if fill < PDF_MIN_FILL]
    ok = seconds <= PDF_SECONDS and len(pages) <= PDF_MAIN_PAGES and not short
    print(
        f"{'meets' if ok else 'MISSES'} goals: report PDF rendered in {seconds:.2f} s (goal <= "
        f"{PDF_SECONDS:.0f}); {len(pages)} pages (goal <= {PDF_MAIN_PAGES}); "
        + (
            f"pages {', '.join(map(str, short))} more than half blank (goal: none but the last)"
            if short
            else "no page but the last more than half blank"
        )
        + f"; emptiest is page {emptiest + 1}, {100 * fills[emptiest] if fills else 0:.0f}% "
        f"filled; {len(data) / 1024:.0f} KiB"
    )
    print("fill by page: " + " ".join(f"{100 * f:.0f}" for f in fills))
    extra_fills = [filled(p) for p in extra.pages]
    print(
        f"appendices PDF (not judged): rendered in {extra_seconds:.2f} s; "
        f"{len(extra.pages)} pages; {len(extra_data) / 1024:.0f} KiB"
    )
    print("appendices fill by page: " + " ".join(f"{100 * f:.0f}" for f in extra_fills))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--measure", choices=["unseal", "unseal-serial", "evidence"])
    parser.add_argument("--memory", action="store_true", help="with --measure: peak memory")
    parser.add_argument("--database", type=Path)
    parser.add_argument("--inspection")
    parser.add_argument(
        "--runs", type=int, default=TIMED_RUNS, help="timed runs of each task, the fastest kept"
    )
    parser.add_argument("--pdf", action="store_true", help="the demo inspection's PDFs instead")
    parser.add_argument(
        "--out", type=Path, help="with --pdf: also write the report PDF, its -appendices.pdf, .html"
    )
    args = parser.parse_args()
    if args.pdf:
        pdf(out=args.out)
        return
    if args.measure:
        print(json.dumps(measure(args.database, args.inspection, args.measure, args.memory)))
        return

    with tempfile.TemporaryDirectory(prefix="survey-evidence-") as folder:
        compare(Path(folder) / "bench.sqlite3", args)


def compare(database: Path, args: argparse.Namespace) -> None:
    """Seal ``args.responses`` responses into ``database``, time unsealing and the evidence,
    and print the figures and the verdict."""
    began = time.perf_counter()
    inspection_id = generate(database, args.responses)
    print(f"sealed {args.responses} responses in {time.perf_counter() - began:.1f} s", flush=True)
    serial = run_measure(database, inspection_id, "unseal-serial")
    print("unseal-serial", serial, flush=True)
    runs: dict[str, list[dict]] = {"unseal": [], "evidence": []}
    for _ in range(max(1, args.runs)):
        for what in runs:
            runs[what].append(run_measure(database, inspection_id, what))
            print(what, runs[what][-1], flush=True)
    peaks = {}
    for what in runs:  # apart from the timed runs: sampling memory costs time
        peaks[what] = run_measure(database, inspection_id, what, memory=True)["peak_mib"]
        print(what, "peak memory", f"{peaks[what]:.0f} MiB", flush=True)
    unseal = min(runs["unseal"], key=lambda r: r["seconds"])
    evidence = min(runs["evidence"], key=lambda r: r["seconds"])
    if unseal["opened"] != args.responses or evidence["opened"] != args.responses:
        raise SystemExit(f"FAILED: opened {unseal['opened']} and {evidence['opened']}")
    ratio = evidence["seconds"] / unseal["seconds"]
    peak = peaks["evidence"]
    ok = ratio <= RATIO and evidence["seconds"] < SECONDS and peak < PEAK_MIB
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(
        f"{'meets' if ok else 'MISSES'} goals: evidence/unsealing time ratio {ratio:.2f} "
        f"(goal <= {RATIO}); evidence {evidence['seconds']:.2f} s (goal < {SECONDS:.0f}), "
        f"unsealing {unseal['seconds']:.2f} s ({serial['seconds']:.2f} s in one process); "
        f"peak memory (PSS) evidence {peak:.0f} MiB with its workers (goal < {PEAK_MIB}), "
        f"unsealing {peaks['unseal']:.0f} MiB; CPU seconds (with workers) evidence "
        f"{evidence['cpu_seconds']:.1f}, unsealing {unseal['cpu_seconds']:.1f}, in one process "
        f"{serial['cpu_seconds']:.1f}; {args.responses} responses, "
        f"{evidence['bytes'] / 1024:.0f} KiB of JSON; {responses_workers()} workers; "
        f"load average {load}"
    )


def responses_workers() -> int:
    from survey_app import responses

    return responses.workers_available()


if __name__ == "__main__":
    main()
