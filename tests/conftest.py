"""Shared fixtures. Tests read the real statements in ../shared/corpus; without it they skip,
except under CI=true, where a missing corpus is a failure, not a skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


@pytest.fixture()
def app(db, monkeypatch):
    """A maker of the real dashboard under AppTest, reading the module's ``db`` fixture;
    keyword arguments become the URL's query parameters."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TRACKER_DB", str(db))

    def make(**params) -> AppTest:
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
        for k, v in params.items():
            at.query_params[k] = v
        return at

    return make


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh, real SQLite database file."""
    return tmp_path / "tracker.db"
