"""``python -m benchmarks.evidence`` still runs and still measures what docs/performance.md
says it does: a small inspection, above the size from which opening goes parallel, so the
workers, the whole evidence document and the memory sampling all take part. Only that it
works is checked here; its timings are for the benchmark's own runs at 100,000."""

from __future__ import annotations

import re
import subprocess
import sys

from benchmarks.server import ROOT
from survey_app import responses

RESPONSES = responses.PARALLEL_FROM + 500


def test_the_evidence_benchmark_runs_end_to_end_and_reports_its_goals():
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.evidence", "--responses", str(RESPONSES), "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    lines = finished.stdout.strip().splitlines()
    assert lines[0].startswith(f"sealed {RESPONSES} responses")
    for task in ("unseal-serial", "unseal", "evidence"):
        measured = [line for line in lines if line.startswith(f"{task} {{")]
        assert measured, f"no timed run of {task}"
        assert f"'opened': {RESPONSES}" in measured[0]
    assert re.search(r"^evidence peak memory \d+ MiB$", finished.stdout, re.MULTILINE)
    verdict = lines[-1]
    assert re.match(r"(meets|MISSES) goals: evidence/unsealing time ratio \d+\.\d\d ", verdict)
    assert f"{RESPONSES} responses" in verdict
    assert "workers" in verdict
