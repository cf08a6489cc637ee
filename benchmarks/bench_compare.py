"""The Compare page's answer to a filter change, with every theme, this checkout beside others.

Usage: python benchmarks/bench_compare.py [--db DB] [--rounds 3] [--also DIR ...]

Each round starts a cold Streamlit server (a new process, empty caches) for each dashboard, in
alternating order, and drives one page of headless Debian Chromium through Playwright (every
request off this machine refused) through the steps QA timed on
``/compare?a=group:P5&b=group:G77&years=2000-2024`` (all themes): the first load, side A changed
twice, the "Over time" tab, smoothing 3 years, the sidebar's measure to the rate. A step is timed
from the action to the page at rest: no "running" widget, no stale element, every visible chart
drawn, nothing busy for 0.5 s (the time is when it last was). Prints each round and the medians
side by side. ``--also DIR`` adds the dashboard of another checkout (``git worktree add DIR
REV``, or ``git archive REV | tar -x -C DIR``) to the same rounds: before and after a change,
under the same load. The server-side helpers are bench_first_chart's.

Without --db (or when it does not exist) the bundled sample is ingested into a temp file first.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_first_chart import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    bench_args,
    sample_db,
    start_server,
    stop_server,
)

PAGE = "/compare?a=group:P5&b=group:G77&years=2000-2024"

#: True while the page works: Streamlit's running widget, a stale element, a skeleton, or a
#: visible plotly chart not drawn yet.
BUSY = """() => !!document.querySelector(
  '[data-testid=stStatusWidget], [data-stale=true], [data-testid=stSkeleton]')
  || Array.from(document.querySelectorAll('.js-plotly-plot')).some(
       (el) => el.getBoundingClientRect().height > 0 && !el.querySelector('.main-svg .trace'))"""


def settle(page, timeout: float, quiet: float = 0.5) -> float:
    """Seconds from now to the last moment the page was busy, once it has rested ``quiet`` s."""
    t0 = time.perf_counter()
    last = t0
    while time.perf_counter() - t0 < timeout:
        try:
            busy = page.evaluate(BUSY)
        except Exception:  # noqa: BLE001 (navigating)
            busy = True
        now = time.perf_counter()
        if busy:
            last = now
        elif now - last > quiet:
            return last - t0
        time.sleep(0.05)
    raise RuntimeError(f"the page was still busy after {timeout:.0f}s")


def pick(page, label: str, option: str) -> None:
    box = page.locator("[data-testid=stMain] [data-testid=stSelectbox]").filter(has_text=label)
    box.first.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()


STEPS = [
    ("side A: NAM", lambda page: pick(page, "Side A", "Group: NAM")),
    ("side A: EU", lambda page: pick(page, "Side A", "Group: EU")),
    ("tab: Over time", lambda page: page.get_by_role("tab", name="Over time", exact=True).click()),
    ("smoothing 3", lambda page: pick(page, "Smoothing", "3-year rolling window (pooled n)")),
    ("measure: rate", lambda page: page.locator("[data-testid=stSidebar]")
     .get_by_text("Matches per 1,000 words").click()),
]  # fmt: skip


def one_round(browser, url: str, timeout: float) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        page = context.new_page()

        def route(r):
            if r.request.url.startswith((url, "data:", "blob:")):
                r.continue_()
            else:
                r.abort()

        page.route("**/*", route)
        t0 = time.perf_counter()
        page.goto(url + PAGE, wait_until="commit")
        page.wait_for_selector("[data-testid=stSidebar]", timeout=timeout * 1000)
        page.wait_for_selector(".js-plotly-plot", timeout=timeout * 1000)
        out = {"first load": time.perf_counter() - t0 + settle(page, timeout)}
        for name, act in STEPS:
            act(page)
            out[name] = settle(page, timeout)
        if page.locator("[data-testid=stException]").count():
            raise RuntimeError(f"{url}: the page shows an exception")
        return out
    finally:
        context.close()


def main(argv=None) -> int:
    args = bench_args(__doc__.splitlines()[0], argv, rounds=3, timeout=120.0,
                      timeout_help="step")  # fmt: skip
    if args is None:
        return 2
    from playwright.sync_api import sync_playwright

    app_dir = Path(args.app_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp_name:
        db = Path(args.db) if args.db and Path(args.db).is_file() else sample_db(Path(tmp_name))
        apps = {"this": app_dir}
        for other in map(Path, args.also):
            other = other.resolve()
            apps[other.name if other.name not in apps else str(other)] = other
        steps = ["first load", *(name for name, _ in STEPS)]
        times: dict[str, dict[str, list[float]]] = {a: {s: [] for s in steps} for a in apps}
        width = max(6, *(len(a) for a in apps))
        print(f"Compare {PAGE}, seconds to rest, cold server each round ({args.rounds} rounds, "
              f"database {db})")  # fmt: skip
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for r in range(args.rounds):
                    for name in list(apps) if r % 2 == 0 else list(reversed(apps)):
                        folder = apps[name]
                        proc, url = start_server(folder / "dashboard.py", folder,
                                                 {"TRACKER_DB": str(db)})  # fmt: skip
                        try:
                            got = one_round(browser, url, args.timeout)
                        finally:
                            stop_server(proc)
                        for s, v in got.items():
                            times[name][s].append(v)
                        print(f"round {r + 1} {name:<{width}} "
                              + "  ".join(f"{s} {v:.2f}" for s, v in got.items()), flush=True)
            finally:
                browser.close()
    print()
    print(f"{'median (s)':<16}" + "".join(f"{a:>{width + 2}}" for a in apps))
    for s in steps:
        print(f"{s:<16}" + "".join(f"{statistics.median(times[a][s]):>{width + 2}.2f}"
                                   for a in apps))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
