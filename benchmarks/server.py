"""Set up a database with an open inspection, and run gunicorn on it with the repo config."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "benchmark passphrase, not for real use"  # noqa: S105 - synthetic data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, instance: Path, port: int) -> dict:
    """Production-mode settings: laptop mode on SQLite, HTTPS-style settings on PostgreSQL."""
    env = dict(os.environ)
    env.update(
        SURVEY_ENV="production",
        SURVEY_SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=database_url,
        SURVEY_BIND=f"127.0.0.1:{port}",
        PYTHONPATH=str(ROOT),
    )
    if database_url.startswith("sqlite"):
        env.update(SURVEY_INSECURE_HTTP="1", SURVEY_PUBLIC_URL=f"http://127.0.0.1:{port}")
    else:
        env.update(
            SURVEY_PUBLIC_URL="https://survey.example.org",
            REDIS_URL=env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        )
        env.pop("SURVEY_INSECURE_HTTP", None)
    return env


def prepare(env: dict, kiosks: int, staff_codes: int = 0) -> tuple[str, list[str], list[str]]:
    """Migrate, create an establishment and an inspection with kiosk invitations and staff
    codes; returns (inspection id, invitations, codes)."""
    code = f"""
import json
from flask_migrate import upgrade
from wsgi import app
from survey_app import access, inspections
from survey_app.models import Establishment, db
with app.app_context():
    upgrade(revision="heads")
    place = Establishment(name="Benchmark STC", type="stc")
    db.session.add(place)
    inspection = inspections.create_inspection(place, "full", {PASSPHRASE!r}, [])
    db.session.commit()
    tokens = [access.create_kiosk_invitation(inspection) for _ in range({kiosks})]
    codes = access.create_staff_codes(inspection, {staff_codes}) if {staff_codes} else []
    print(json.dumps({{"inspection": inspection.id, "tokens": tokens, "codes": codes}}))
"""
    import json

    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"setting up the benchmark database failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["inspection"], result["tokens"], result["codes"]


@contextlib.contextmanager
def gunicorn(env: dict, app: str = "wsgi:app", log_dir: Path | None = None, workers: int = 2):
    """Run gunicorn (repo config) in its own process group until the block ends."""
    env = dict(env, SURVEY_WORKERS=str(workers))
    if log_dir is not None:
        env.update(
            SURVEY_ACCESS_LOG=str(log_dir / "access.log"),
            SURVEY_ERROR_LOG=str(log_dir / "error.log"),
        )
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        wait_until_healthy(env["SURVEY_BIND"], process)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_healthy(bind: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://{bind}/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not become healthy in time")
