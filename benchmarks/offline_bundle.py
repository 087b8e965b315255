"""Page weight of the offline kiosk bundle (issue 17): everything a tablet's service worker
keeps to run the children's questionnaire with no network, with the shipped questionnaires.

    python -m benchmarks.offline_bundle

Enrols a tablet on a new SQLite database, asks for /kiosk/offline/files.json, fetches every
URL in it as a browser would (gzip accepted) and prints, per kind of file and in total, the
bytes as stored in the cache (uncompressed) and as sent over the network (compressed), plus
the worker and a day's supply of ballots, which travel outside the cache.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("SURVEY_KDF_MEMORY_KIB", "1024")
os.environ.setdefault("SURVEY_KDF_ITERATIONS", "1")
os.environ.setdefault("SURVEY_PASSWORD_MEMORY_KIB", "1024")
os.environ.setdefault("SURVEY_PASSWORD_TIME_COST", "1")

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def kind(url: str) -> str:
    if url.startswith("/kiosk/offline/"):
        page = url.split("?")[0].removeprefix("/kiosk/offline/") or "start"
        return f"page: {page}"
    return "static: " + url.rsplit(".", 1)[-1]


def main() -> None:
    from flask_migrate import upgrade

    from survey_app import access, create_app, inspections
    from survey_app.models import Establishment, Inspection, db

    folder = Path(tempfile.mkdtemp(prefix="offline-bundle-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bundle.sqlite3",
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
            "SESSION_COOKIE_SECURE": False,
        },
        instance_path=str(folder),
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        place = Establishment(name="Benchmark STC", type="stc")
        db.session.add(place)
        db.session.commit()
        inspection = inspections.create_inspection(place, "full", "a benchmark passphrase", [])
        token = access.create_kiosk_invitation(db.session.get(Inspection, inspection.id))
    client = app.test_client()
    page = client.get(f"/kiosk/enrol/{token}").get_data(as_text=True)
    client.post(f"/kiosk/enrol/{token}", data={"csrf_token": CSRF.search(page).group(1)})
    urls = client.get("/kiosk/offline/files.json").get_json()["urls"]
    stored: dict[str, int] = defaultdict(int)
    sent: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for url in urls:
        raw = client.get(url)
        wire = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert raw.status_code == 200, url
        stored[kind(url)] += len(raw.data)
        sent[kind(url)] += len(wire.data)
        counts[kind(url)] += 1
    worker = len(client.get("/kiosk/sw.js").data)
    ballots = client.post(
        "/kiosk/offline/ballots",
        json={"count": access.OFFLINE_BALLOT_BATCH},
        headers={"Accept-Encoding": "gzip"},
    )
    print(f"{'what':24} {'files':>5} {'cached KB':>10} {'sent KB':>8}")
    for name in sorted(stored):
        print(f"{name:24} {counts[name]:5} {stored[name] / 1024:10.1f} {sent[name] / 1024:8.1f}")
    total_stored, total_sent = sum(stored.values()), sum(sent.values())
    print(
        f"{'total (cached)':24} {len(urls):5} {total_stored / 1024:10.1f} {total_sent / 1024:8.1f}"
    )
    print(
        f"service worker {worker / 1024:.1f} KB; {access.OFFLINE_BALLOT_BATCH} ballots "
        f"{len(ballots.data) / 1024:.1f} KB sent"
    )


if __name__ == "__main__":
    main()
