"""What the browser tests share: the screenshot script's helpers (start a dashboard on a free
local port, launch Debian's Chromium, refuse requests off the machine, wait for Streamlit), page
helpers, and the fixtures built on them (``dashboard``, ``browser``, ``page``, ``viewport``:
conftest.py makes them available to every test module). A browser test module sets
``pytestmark = BROWSER_TEST`` and defines ``browser_db``, the database its dashboard reads."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from db_support import built_once

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tracker" / "data" / "sample"
#: The parts of the bundled sample the browser tests ingest: the 2024 texts of the General
#: Debate, the seed, the speech-recognition captions and the UNGDC sample (in seconds).
SAMPLE_PARTS = ["unga79/text", "seed", "unga78-captions", "ungdc/UNGDC_sample.zip"]
CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")

_NO_BROWSER = not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None

#: The marks of a browser test module: ``pytestmark = BROWSER_TEST``. Without Chromium the tests
#: skip, except under CI=true, where they run and fail (a CI that skips them tests less).
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        _NO_BROWSER and os.environ.get("CI") != "true",
        reason="needs Chromium (apt-get install -y chromium) and the playwright package",
    ),
]


def _build_sample_db(folder: Path) -> None:
    from tracker.ingest import ingest_paths

    paths = [SAMPLE / p for p in SAMPLE_PARTS if (SAMPLE / p).exists()]
    report = ingest_paths(paths, db=folder / "tracker.db", manifest=SAMPLE / "manifest.csv")
    assert report.stored, report.summary()


def sample_db(tmp_path_factory) -> Path:
    """A copy of its own of the sample database, for one test module: the sample is ingested
    once per run even across xdist workers, and a module that writes (the Add page) changes only
    its copy. ``TRACKER_BROWSER_DB`` names an already built database to copy instead."""
    built = Path(os.environ.get("TRACKER_BROWSER_DB") or "")
    if not os.environ.get("TRACKER_BROWSER_DB"):
        built = built_once(tmp_path_factory, "browser-db", _build_sample_db) / "tracker.db"
    copy = tmp_path_factory.mktemp("sample-db") / "tracker.db"
    src = sqlite3.connect(f"{built.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return copy


def screens() -> ModuleType:
    """scripts/screenshots.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "screenshots", REPO / "scripts" / "screenshots.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.fixture(scope="module")
def dashboard(browser_db):
    """(the screenshot helpers, the URL) of a dashboard serving ``browser_db``."""
    helpers = screens()
    proc, url = helpers.start_dashboard(browser_db)
    yield helpers, url
    helpers.stop_dashboard(proc)


@pytest.fixture(scope="module")
def browser(dashboard):
    from playwright.sync_api import sync_playwright

    helpers, _ = dashboard
    with sync_playwright() as p:
        b = helpers.launch_browser(p)
        yield b
        b.close()


@pytest.fixture()
def viewport() -> dict[str, int]:
    """The browser window of ``page``; a module overrides it for another size."""
    return {"width": 1600, "height": 1400}


@pytest.fixture()
def page(browser, dashboard, viewport) -> Iterator:
    """A fresh browser context's page on the dashboard; every request off this machine is
    refused and listed in ``page.refused``."""
    helpers, url = dashboard
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    pg = context.new_page()
    refused: list[str] = []
    helpers.local_only(pg, url, refused)
    pg.refused = refused
    yield pg
    context.close()


def wait_idle(page, dashboard) -> None:
    """Until Streamlit has finished running the page's script."""
    helpers, _ = dashboard
    helpers.wait_idle(page, timeout=90)


def wait_for_plot(page) -> None:
    """Until a plotly chart has drawn its markers."""
    page.wait_for_selector(".js-plotly-plot .scatterlayer .points path", timeout=90000)
    page.wait_for_timeout(500)


def no_exception(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.get_by_text("This app has encountered an error").count() == 0


def title(page) -> str:
    """The page's title, once the page has one or has failed."""
    page.wait_for_selector("h1, [data-testid=stException]", timeout=90000)
    no_exception(page)
    return page.locator("h1").first.inner_text()


def pick_first_row(page, table) -> None:
    """Tick the first row of a Streamlit table (its row-selection box, left of the first row)."""
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    header = 35  # the header row; the first row starts under it
    page.mouse.click(box["x"] + 16, box["y"] + header + 18)


#: The index, among the drawn markers, of the first point of a line (not of an interval band)
#: with a value above zero (-1 when there is none).
FIRST_POINT = """() => {
    let offset = 0;
    for (const t of document.querySelector('.js-plotly-plot')._fullData) {
        if (!t.mode || !t.mode.includes('markers')) continue;
        if (!t.fill || t.fill === 'none') {
            const j = Array.from(t.y).findIndex(y => y > 0);
            if (j >= 0) return offset + j;
        }
        offset += t.y.length;
    }
    return -1;
}"""
