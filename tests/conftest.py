"""Shared fixtures, and the order the suite runs in. Tests read the real statements in
../shared/corpus; without it they skip, except under CI=true, where a missing corpus is a
failure, not a skip. The functions test modules import are in ``db_support.py`` (databases)
and ``browser_support.py`` (the browser)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import browser, dashboard, page, viewport  # noqa: F401 (fixtures)
from db_support import dashboard_maker, shared_db

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("TRACKER_CORPUS", REPO.parent / "shared" / "corpus"))


def _require_corpus() -> Path:
    if CORPUS.is_dir():
        return CORPUS
    if os.environ.get("CI") == "true":
        pytest.fail(f"the shared corpus is missing at {CORPUS} and CI=true forbids skipping")
    pytest.skip(f"the shared corpus is not at {CORPUS} (set TRACKER_CORPUS to its folder)")


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The folder of real statements (``../shared/corpus``)."""
    return _require_corpus()


def pytest_collection_modifyitems(config, items) -> None:
    """Modules of the slow tier first: under ``-n 2 --dist loadfile`` a worker takes whole
    modules in this order, so the longest ones start at once instead of holding one worker alone
    at the end of the run (longest first). Whole-module slow ones (the whole corpus, the
    browser) lead; the order is otherwise the collection's, the same on every worker."""

    def weight(item) -> int:
        module = getattr(item, "module", None)
        marks = getattr(module, "pytestmark", [])
        marks = marks if isinstance(marks, list) else [marks]
        if any(m.name == "slow" for m in marks):
            return 0
        return 1 if module in slow_modules else 2

    slow_modules = {getattr(i, "module", None) for i in items if i.get_closest_marker("slow")}
    items.sort(key=weight)  # stable: each module's tests stay together and in order


@pytest.fixture(scope="session")
def db(corpus, tmp_path_factory) -> Path:
    """The query tests' database of real statements (:func:`db_support.build_query_db`), built
    once per run; a module that needs another database defines its own ``db``."""
    return shared_db(corpus, tmp_path_factory)


@pytest.fixture()
def app(db, monkeypatch):
    """A maker of the real dashboard under AppTest, reading the module's ``db`` fixture;
    keyword arguments become the URL's query parameters."""
    monkeypatch.setenv("TRACKER_DB", str(db))
    return dashboard_maker()


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh, real SQLite database file."""
    return tmp_path / "tracker.db"
