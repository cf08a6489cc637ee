"""First chart of the landing page, beside a minimal Streamlit app, measured in the same run.

Usage: python benchmarks/bench_first_chart.py [--db DB] [--rounds 4] [--also DIR ...]

Each round starts a cold Streamlit server (a new process) for each app, in alternating order:
  * the dashboard:  TRACKER_DB=DB streamlit run dashboard.py (its landing page, Trends);
  * the baseline:   a two-page Streamlit app with one plotly line chart (written to a temp dir).
Each page is opened in a fresh context of headless Debian Chromium through Playwright (every
request off this machine refused) and timed from navigation start to the first plotly chart
drawn on screen with its traces (a visible ``.js-plotly-plot`` whose ``.main-svg`` holds a
``.trace``), read in the page as ``performance.now()`` by a MutationObserver. One untimed start
of each app warms the OS file cache first. Prints each round and the medians side by side with
their ratio (issue 11 item 5 asks for at most 1.2x). ``--also DIR`` adds the dashboard of another
checkout (``git worktree add DIR REV``, or ``git archive REV | tar -x -C DIR``) to the same
rounds, so a change is measured before and after under the same load.

Without --db (or when it does not exist) the bundled sample is ingested into a temp file first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tracker" / "data" / "sample"
CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
STREAMLIT = Path(sys.executable).with_name("streamlit")

BASELINE_APP = '''\
import streamlit as st

pages = [st.Page("chart.py", title="Chart", default=True), st.Page("other.py", title="Other")]
st.navigation(pages).run()
'''
BASELINE_CHART = '''\
import plotly.graph_objects as go
import streamlit as st

st.title("Chart")
years = list(range(2000, 2025))
fig = go.Figure(go.Scatter(x=years, y=[(y * 37) % 11 for y in years], mode="lines+markers"))
st.plotly_chart(fig)
'''
BASELINE_OTHER = '''\
import streamlit as st

st.title("Other")
st.write("A second page.")
'''

#: Installed before any page script: records performance.now() (ms since navigation start) when a
#: plotly chart first holds its drawn traces.
OBSERVE = """
(() => {
  // a chart on screen (not a hidden one) whose plot area holds at least one drawn trace
  const drawn = () => Array.from(document.querySelectorAll('.js-plotly-plot')).some(
    (el) => el.getBoundingClientRect().height > 0 && el.querySelector('.main-svg .trace'));
  const mark = () => {
    if (window.__firstChart === undefined && drawn()) {
      window.__firstChart = performance.now();
      return true;
    }
    return false;
  };
  const start = () => {
    if (mark()) return;
    const obs = new MutationObserver(() => { if (mark()) obs.disconnect(); });
    obs.observe(document.documentElement, {childList: true, subtree: true});
  };
  if (document.documentElement) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: Path, cwd: Path, env_extra: dict, timeout: float = 120.0):
    port = free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **env_extra)
    cmd = [str(STREAMLIT), "run", str(script), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    log = tempfile.TemporaryFile()  # noqa: SIM115 (a full pipe would stall the server)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{script.name} exited: {tail}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r,
        ):
            if r.status == 200:
                return proc, url
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"{script.name} did not answer on {url} within {timeout:.0f}s")


def stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def first_chart_seconds(browser, url: str, timeout: float) -> tuple[float, float]:
    """(in-page seconds from navigation start, wall seconds from goto) to the first drawn chart."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()

        def route(r):
            if r.request.url.startswith((url, "data:", "blob:")):
                r.continue_()
            else:
                r.abort()

        page.route("**/*", route)
        page.add_init_script(OBSERVE)
        t0 = time.perf_counter()
        page.goto(url + "/", wait_until="commit")
        page.wait_for_function("() => window.__firstChart !== undefined", timeout=timeout * 1000,
                               polling=50)  # fmt: skip
        wall = time.perf_counter() - t0
        in_page = page.evaluate("() => window.__firstChart") / 1000
        if page.locator("[data-testid=stException]").count():
            raise RuntimeError(f"{url}: the page shows an exception")
        return in_page, wall
    finally:
        context.close()


def sample_db(folder: Path) -> Path:
    db = folder / "sample.db"
    print(f"ingesting the bundled sample into {db} ...", flush=True)
    subprocess.run([str(Path(sys.executable).with_name("tracker")), "ingest", str(SAMPLE),
                    "--manifest", str(SAMPLE / "manifest.csv"), "--db", str(db)],
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    if not db.is_file():
        raise SystemExit("could not build the sample database")
    return db


def bench_args(description: str, argv, *, rounds: int, timeout: float,
               timeout_help: str) -> argparse.Namespace | None:
    """The dashboard benchmarks' options (database, app folder, rounds, timeout, other
    checkouts); None, said, when there is no Chromium to drive."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--db", help="the dashboard's database (default or missing: the bundled "
                    "sample, ingested into a temp dir)")  # fmt: skip
    ap.add_argument("--app-dir", default=str(REPO),
                    help="the folder holding dashboard.py (default: this repository)")
    ap.add_argument("--rounds", type=int, default=rounds,
                    help=f"cold starts of each app (default {rounds})")
    ap.add_argument("--timeout", type=float, default=timeout,
                    help=f"seconds per {timeout_help} (default {timeout:g})")
    ap.add_argument("--also", action="append", default=[], metavar="DIR",
                    help="another checkout's dashboard, timed in the same rounds (repeatable)")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)", file=sys.stderr)
        return None
    return args


def main(argv=None) -> int:
    args = bench_args(__doc__.splitlines()[0], argv, rounds=4, timeout=180.0,
                      timeout_help="page")  # fmt: skip
    if args is None:
        return 2
    from playwright.sync_api import sync_playwright

    app_dir = Path(args.app_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="bench-first-chart-") as tmp_name:
        tmp = Path(tmp_name)
        db = Path(args.db) if args.db and Path(args.db).is_file() else sample_db(tmp)
        base = tmp / "baseline"
        base.mkdir()
        (base / "app.py").write_text(BASELINE_APP)
        (base / "chart.py").write_text(BASELINE_CHART)
        (base / "other.py").write_text(BASELINE_OTHER)
        apps = {
            "dashboard": (app_dir / "dashboard.py", app_dir, {"TRACKER_DB": str(db)}),
            "baseline": (base / "app.py", base, {}),
        }
        for other in map(Path, args.also):
            other = other.resolve()
            name = other.name if other.name not in apps else str(other)
            apps[name] = (other / "dashboard.py", other, {"TRACKER_DB": str(db)})
        times: dict[str, list[float]] = {name: [] for name in apps}
        print(f"first chart after navigation start, cold server each time ({args.rounds} rounds, "
              f"database {db})")  # fmt: skip
        width = max(10, *(len(name) for name in apps))
        print(f"{'round':>5}  {'app':<{width}} {'in page (s)':>11} {'wall (s)':>9}")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                # warm the OS file cache and Chromium once, untimed, so round 1 is not the outlier
                for script, cwd, env in apps.values():
                    proc, url = start_server(script, cwd, env)
                    try:
                        first_chart_seconds(browser, url, args.timeout)
                    finally:
                        stop_server(proc)
                for r in range(args.rounds):
                    order = list(apps) if r % 2 == 0 else list(reversed(apps))
                    for name in order:
                        script, cwd, env = apps[name]
                        proc, url = start_server(script, cwd, env)
                        try:
                            in_page, wall = first_chart_seconds(browser, url, args.timeout)
                        finally:
                            stop_server(proc)
                        times[name].append(in_page)
                        print(f"{r + 1:>5}  {name:<{width}} {in_page:>11.2f} {wall:>9.2f}",
                              flush=True)  # fmt: skip
            finally:
                browser.close()
    base_t = statistics.median(times["baseline"])
    print()
    print(f"{'median':<{width}} {'first chart':>11} {'ratio':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<{width}} {median:>10.2f}s {median / base_t:>6.2f}x")
    print("(issue 11 asks for the dashboard <= 1.20x the baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
