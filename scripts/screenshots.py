"""Screenshots of the dashboard's main pages for the README, taken with Debian's Chromium.

    TRACKER_DB=db/tracker.db python scripts/screenshots.py [--out docs/screenshots]

Starts the dashboard on a free local port against $TRACKER_DB (default db/tracker.db), opens
each page in headless Chromium through Playwright (no other network: every request off this
machine is refused, which also shows the map draws offline), and writes one PNG per page.
``start_dashboard`` and ``launch_browser`` are shared with tests/test_browser.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

#: (file name, URL path and query, what to wait for, extra seconds)
SHOTS = [
    (
        "trends.png",
        "/?themes=digital_divide,ai_governance,un_main_channel,cyber_threats",
        ".js-plotly-plot",
    ),
    ("countries-heatmap.png", "/countries", ".js-plotly-plot"),
    ("countries-map.png", "/countries?view=map&theme=digital_divide", ".choroplethlocation"),
    ("compare.png", "/compare?a=CHN&b=USA", ".js-plotly-plot"),
    ("evidence.png", "/evidence?theme=militarization", "[data-testid=stDataFrame]"),
    ("method.png", "/method", "h1"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dashboard(db: str | Path, port: int | None = None, *, timeout: float = 60.0):
    """``streamlit run dashboard.py`` on 127.0.0.1:port against ``db``; returns (process, base
    URL) once it answers its health check."""
    port = port or free_port()
    env = dict(os.environ, TRACKER_DB=str(db), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard.py"),
           "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
    log = tempfile.TemporaryFile()  # noqa: SIM115 (not a pipe: a full pipe would stall the server)
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(
                f"the dashboard exited: {log.read().decode(errors='replace')[-2000:]}"
            )
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r,
        ):
            if r.status == 200:
                return proc, url
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"the dashboard did not answer on {url} within {timeout:.0f}s")


def stop_dashboard(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def local_only(page, base_url: str, refused: list[str] | None = None) -> None:
    """Refuse every request that leaves this machine (and note it in ``refused``)."""

    def route(r):
        u = r.request.url
        if u.startswith((base_url, "data:", "blob:")):
            r.continue_()
        else:
            if refused is not None:
                refused.append(u)
            r.abort()

    page.route("**/*", route)


def wait_idle(page, timeout: float = 30.0) -> None:
    """Wait until Streamlit has finished running the page script."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=timeout * 1000
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=os.environ.get("TRACKER_DB", str(REPO / "db" / "tracker.db")))
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1100)
    ap.add_argument("--only", action="append", help="only this screenshot (file name); repeatable")
    args = ap.parse_args(argv)
    if not Path(args.db).is_file():
        print(f"no database at {args.db}: run `make sample` first", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    proc, url = start_dashboard(args.db)
    try:
        with sync_playwright() as p:
            browser = launch_browser(p)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            local_only(page, url)
            for name, path, selector in SHOTS:
                if args.only and name not in args.only:
                    continue
                page.goto(url + path)
                page.wait_for_selector(selector, timeout=60000)
                wait_idle(page)
                page.wait_for_timeout(1200)  # let plotly finish its transitions
                page.screenshot(path=str(out / name))
                print(out / name)
            browser.close()
    finally:
        stop_dashboard(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
