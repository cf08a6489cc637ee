"""What the browser tests share: the screenshot script's helpers (start a dashboard on a free
local port, launch Debian's Chromium, refuse requests off the machine, wait for Streamlit), and
the module fixtures built on them. A test module defines ``browser_db`` (the database its
dashboard reads) and imports ``dashboard`` and ``browser`` from here."""

from __future__ import annotations

import fcntl
import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tracker" / "data" / "sample"
#: The parts of the bundled sample the browser tests ingest: the 2024 texts of the General
#: Debate, the seed, the speech-recognition captions and the UNGDC sample (in seconds).
SAMPLE_PARTS = ["unga79/text", "seed", "unga78-captions", "ungdc/UNGDC_sample.zip"]


def sample_db(tmp_path_factory) -> Path:
    """The sample database the browser tests share, built once per run even across xdist
    workers (a file lock); ``TRACKER_BROWSER_DB`` names an already built one."""
    if os.environ.get("TRACKER_BROWSER_DB"):
        return Path(os.environ["TRACKER_BROWSER_DB"])
    from tracker.ingest import ingest_paths

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / "browser-db"
    folder.mkdir(parents=True, exist_ok=True)
    with open(base / "browser-db.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            db = folder / "tracker.db"
            if not (folder / "done").exists():
                paths = [SAMPLE / p for p in SAMPLE_PARTS if (SAMPLE / p).exists()]
                report = ingest_paths(paths, db=db, manifest=SAMPLE / "manifest.csv")
                assert report.stored, report.summary()
                (folder / "done").write_text("ok")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return db


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


def wait_idle(page, dashboard) -> None:
    """Until Streamlit has finished running the page's script."""
    helpers, _ = dashboard
    helpers.wait_idle(page, timeout=90)
