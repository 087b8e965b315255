"""Page weight and Lighthouse performance of every kiosk and staff screen.

    python -m benchmarks.page_weight [--lighthouse /tmp/lh/node_modules/.bin/lighthouse]

Serves the app with gunicorn (laptop mode on a new SQLite database), walks each screen in
headless Chromium (Debian's /usr/bin/chromium, through Playwright) with the cache off, and
counts every byte transferred for the screen (HTML, CSS, JS, images, headers: the
``encodedDataLength`` Chromium reports). Then, if Lighthouse is installed (see
docs/performance.md), scores each screen's performance on its default mobile profile.
The last line prints the heaviest screen, the lowest score and every screen's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.server import environment, free_port, gunicorn, prepare

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--headless"]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
GOAL_BYTES = 100 * 1024
GOAL_SCORE = 0.95


class Meter:
    """Bytes Chromium received for everything the page loaded."""

    def __init__(self, context, page):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.bytes = 0
        self.cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event) -> None:
        self.bytes += int(event.get("encodedDataLength", 0))

    def load(self, page, url: str) -> int:
        self.bytes = 0
        response = page.goto(url, wait_until="networkidle")
        if response is None or response.status != 200:
            raise SystemExit(f"{url} answered {response and response.status}")
        return self.bytes


def post(page, url: str, fields: dict) -> None:
    """Submit a form the way the page would (same cookies), without following the redirect."""
    token = CSRF.search(page.content()).group(1)
    response = page.request.post(url, form={"csrf_token": token, **fields}, max_redirects=0)
    if response.status != 302:
        raise SystemExit(f"POST {url} answered {response.status}")


def walk(base: str, inspection_id: str, token: str, code: str) -> list[dict]:
    """Every screen: name, URL, bytes, and the cookies that show it (for Lighthouse)."""
    screens = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS[:-1])
        context = browser.new_context(viewport={"width": 412, "height": 823})
        page = context.new_page()
        meter = Meter(context, page)

        def measure(name: str, url: str) -> None:
            size = meter.load(page, base + url)
            cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
            screens.append({"screen": name, "url": base + url, "bytes": size, "cookie": cookies})

        measure("kiosk set-up", f"/kiosk/enrol/{token}")
        post(page, f"{base}/kiosk/enrol/{token}", {})
        measure("kiosk start", "/kiosk")
        post(page, f"{base}/kiosk/start", {"language": "en"})
        measure("kiosk welcome", "/kiosk/welcome")
        measure("kiosk questionnaire", "/kiosk/questionnaire")
        post(page, f"{base}/kiosk/questionnaire", {"feel_safe": "yes"})
        measure("kiosk thanks", "/kiosk/thanks?lang=en")

        staff = f"/staff/{inspection_id}"
        measure("staff code", staff)
        post(page, base + staff, {"code": code, "language": "en"})
        measure("staff about", f"{staff}/about")
        measure("staff questionnaire", f"{staff}/questionnaire")
        measure("staff thanks", f"{staff}/thanks?lang=en")
        browser.close()
    return screens


def lighthouse(command: str, screen: dict, folder: Path, attempts: int = 3) -> float:
    """The performance score; headless traces now and then fail to record, so retry."""
    for attempt in range(1, attempts + 1):
        try:
            return _lighthouse_once(command, screen, folder)
        except RuntimeError as error:
            if attempt == attempts:
                raise SystemExit(str(error)) from None
    raise AssertionError("unreachable")


def _lighthouse_once(command: str, screen: dict, folder: Path) -> float:
    report = folder / f"lighthouse-{screen['screen'].replace(' ', '-')}.json"
    done = subprocess.run(  # noqa: S603
        [
            *command.split(), screen["url"], "--only-categories=performance",
            "--output=json", f"--output-path={report}", "--quiet",
            "--disable-storage-reset", f"--chrome-flags={' '.join(FLAGS)}",
            f"--extra-headers={json.dumps({'Cookie': screen['cookie']})}",
        ],
        env=dict(os.environ, CHROME_PATH=CHROMIUM), capture_output=True, text=True,
        timeout=180, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {screen['screen']}: {done.stderr[-500:]}")
    result = json.loads(report.read_text())
    score = result["categories"]["performance"]["score"]
    if score < GOAL_SCORE:
        metrics = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                   "cumulative-layout-shift", "speed-index")  # fmt: skip
        shown = ", ".join(f"{m} {result['audits'][m]['displayValue']}" for m in metrics)
        print(f"{screen['screen']}: performance {score:.2f}: {shown} ({report})", flush=True)
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lighthouse",
        default=shutil.which("lighthouse") or "/tmp/lh/node_modules/.bin/lighthouse",  # noqa: S108
        help="the lighthouse command (npm install lighthouse into a folder of your choice)",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="survey-pages-"))
    port = free_port()
    env = environment(f"sqlite:///{folder / 'pages.sqlite3'}", folder, port)
    inspection_id, tokens, codes = prepare(env, 1, staff_codes=1)
    with gunicorn(env, log_dir=folder):
        screens = walk(f"http://127.0.0.1:{port}", inspection_id, tokens[0], codes[0])
        # Screens whose state a GET does not change can be scored again from their cookies;
        # the set-up link is spent by now, so it is weighed but not scored.
        has_lighthouse = Path(args.lighthouse.split()[0]).exists()
        for screen in screens:
            if has_lighthouse and screen["screen"] != "kiosk set-up":
                screen["score"] = lighthouse(args.lighthouse, screen, folder)
    heaviest = max(screens, key=lambda s: s["bytes"])
    scores = [s["score"] for s in screens if "score" in s]
    lowest = min(scores) if scores else None
    ok = heaviest["bytes"] < GOAL_BYTES and lowest is not None and lowest >= GOAL_SCORE
    figures = ", ".join(
        f"{s['screen']} {s['bytes'] / 1024:.1f} KB" + (f" {s['score']:.2f}" if "score" in s else "")
        for s in screens
    )
    score_text = f"{lowest:.2f}" if lowest is not None else "not measured (no lighthouse)"
    print(
        f"{'meets' if ok else 'MISSES'} goals: heaviest screen {heaviest['screen']} "
        f"{heaviest['bytes'] / 1024:.1f} KB (goal < 100 KB), lowest Lighthouse mobile "
        f"performance {score_text} (goal >= 0.95); {figures}"
    )


if __name__ == "__main__":
    main()
