"""How many hidden cells of the demo's evidence an attacker can narrow, before and after
the disclosure audit, and how long the audit takes.

    python -m benchmarks.disclosure [--children 40] [--staff 90] [--seed 13] [--threshold 5]

Loads the demo (``survey_app.demo.load_demo``, seeded) into a new SQLite file and builds
the current inspection's evidence twice:

* **before**: the publication rules before issue 13 (group sizes printed by the background
  questions' own counts, "group vs the rest" comparisons beside hidden groups, suppression
  that counts hidden cells but not their values), reproduced by switching off the
  background-count suppression and ``disclosure.protect``;
* **after**: the evidence as built now.

Each is attacked by ``disclosure.audit`` (an integer programme per family of questions,
``scipy.optimize.milp``): the number of hidden cells, how many can be narrowed to a range
narrower than the threshold, and how many of those are not protected (narrower than with
no breakdown published at all). The audit is timed on its own (uncached) and the whole
build with it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _app(database: Path):
    os.environ.update(SURVEY_KDF_MEMORY_KIB="1024", SURVEY_KDF_ITERATIONS="1", SURVEY_KDF_LANES="1")
    os.environ.update(SURVEY_PASSWORD_TIME_COST="1", SURVEY_PASSWORD_MEMORY_KIB="1024")  # noqa: S106
    from survey_app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "benchmark",
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
        },
        instance_path=str(database.parent),
    )


def _legacy_rest(evidence: dict) -> None:
    """Before issue 13 every published group was compared with the rest, hidden or not."""
    for questionnaire in evidence["questionnaires"]:
        for q in questionnaire["questions"]:
            for table in q.get("breakdowns", ()):
                for group in table["groups"]:
                    if group["suppressed"] or group["id"] == "not_stated" or not group["base"]:
                        continue
                    group["comparison"] = {
                        "base": q["base"] - group["base"],
                        "positive": q["positive"]["count"] - group["positive"],
                    }


def measure(children: int, staff: int, seed: int, threshold: int) -> dict:
    from flask_migrate import upgrade

    from survey_app import inspections
    from survey_app.demo import DEMO_PASSPHRASE, load_demo
    from survey_app.evidence import disclosure, report
    from survey_app.models import Inspection, db

    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder) / "demo.sqlite3")
        app.config["DISCLOSURE_THRESHOLD"] = threshold
        with app.app_context():
            upgrade()
            created = load_demo(children, staff, seed=seed)
            inspection = db.session.get(Inspection, created["current"])
            unsealer = inspections.unlock(inspection, DEMO_PASSPHRASE)
            library = app.extensions["questionnaires"].get
            figures = {}

            protect, masks = disclosure.protect, report.Builder.size_masks_for
            disclosure.protect = lambda evidence, get, t: disclosure.Audit(t)
            report.Builder.size_masks_for = lambda self, summary: {}
            try:
                started = time.perf_counter()
                before = report.build(inspection, unsealer)
                figures["build_without_seconds"] = time.perf_counter() - started
            finally:
                disclosure.protect, report.Builder.size_masks_for = protect, masks
            _legacy_rest(before)
            figures["before"] = disclosure.audit(before, library, threshold)

            started = time.perf_counter()
            after = report.build(inspection, unsealer)
            figures["build_seconds"] = time.perf_counter() - started
            started = time.perf_counter()
            report.build(inspection, unsealer)
            figures["rebuild_seconds"] = time.perf_counter() - started
            disclosure._FAMILIES.clear()  # the audit timed on its own, from nothing
            figures["after"] = disclosure.audit(after, library, threshold)
            started = time.perf_counter()
            disclosure.ensure_safe(after, library, threshold, "benchmark")
            figures["cached_seconds"] = time.perf_counter() - started
            db.session.remove()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=40)
    parser.add_argument("--staff", type=int, default=90)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threshold", type=int, default=5)
    args = parser.parse_args(argv)
    if args.threshold < 1:
        parser.error(f"--threshold must be at least 1 (got {args.threshold})")
    figures = measure(args.children, args.staff, args.seed, args.threshold)
    for name in ("before", "after"):
        audit = figures[name]
        cells = [c for c in audit.cells if c.kind in ("positive", "not_positive", "size")]
        narrow = [c for c in cells if c.width < args.threshold]
        failing = [c for c in cells if not c.protected(args.threshold)]
        beside = sum(1 for c in audit.cells if c.kind == "comparison")
        small = sum(1 for c in audit.cells if c.kind == "published_size")
        print(
            f"{name}: {len(cells)} hidden cells, {len(narrow)} narrower than {args.threshold}, "
            f"{len(failing)} of them not protected; {beside} comparisons beside a hidden group; "
            f"{small} group sizes below {args.threshold} printed (audit {audit.seconds:.2f} s)"
        )
    print(
        f"build {figures['build_without_seconds']:.2f} s without the audit, "
        f"{figures['build_seconds']:.2f} s with it ({figures['rebuild_seconds']:.2f} s when "
        "built again, its families' ranges remembered); "
        f"the gate on a built document {figures['cached_seconds'] * 1000:.1f} ms (cached)"
    )
    ok = not figures["after"].failing
    print(f"{'PASS' if ok else 'FAIL'}: every hidden cell protected after the audit")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
