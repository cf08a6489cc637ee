""""Group statements: only" with nothing to show said "No statements match these filters. Widen
the years, countries or languages in the sidebar.", advice that cannot help when the database
holds no statement delivered on behalf of a group. The page now says that no group statement
matches, and how to see the others. The real dashboard under AppTest: the query tests' database
of real statements (no group statement among them), and a real Security Council record
(S/PV.8706 (Resumption 1), three group statements)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker.ingest import ingest_paths

REPO = Path(__file__).resolve().parents[1]
RECORD = "unsc-records/S_PV.8706(Resumption1)_E.pdf"
NONE_MATCH = ("No statement delivered on behalf of a group (EU, G77, NAM, ...) matches these "
              "filters.")  # fmt: skip
INCLUDE = "set “Group statements” in the sidebar to “include” to see every statement"


def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


@pytest.mark.parametrize("page", ["app_pages/trends.py", "app_pages/countries.py"])
def test_only_group_statements_on_a_database_without_any_says_so(app, db, page):
    with sqlite3.connect(db) as conn:
        held = conn.execute("SELECT COUNT(*) FROM statements WHERE on_behalf_of != ''").fetchone()
    assert held == (0,)
    at = app(gstmt="only").run()
    at.switch_page(page).run()
    assert not at.exception
    assert f"{NONE_MATCH} This database holds none: {INCLUDE}." in infos(at), infos(at)
    assert not any("Widen" in i for i in infos(at)), infos(at)
    # what it says to do works: every statement is drawn again
    at.sidebar.selectbox(key="f_gstmt").set_value("include").run()
    assert not at.exception and not infos(at), infos(at)
    assert at.get("plotly_chart")


@pytest.fixture()
def record_db(corpus, tmp_path, monkeypatch) -> Path:
    db = tmp_path / "record.db"
    report = ingest_paths([corpus / RECORD], db=db, manifest=corpus / "manifest.csv")
    assert report.failed == []
    monkeypatch.setenv("TRACKER_DB", str(db))
    return db


def test_only_group_statements_that_the_filters_leave_out_says_what_to_widen(record_db):
    """Saudi Arabia speaks for itself in the record: with it picked, no group statement
    matches, but the database holds three, so widening the countries can help."""
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.query_params["gstmt"] = "only"
    at.query_params["countries"] = "SAU"
    at.run()
    assert not at.exception
    expected = f"{NONE_MATCH} Widen the years, countries or languages, or {INCLUDE}."
    assert expected in infos(at), infos(at)
    at.sidebar.multiselect(key="f_countries").set_value([]).run()
    assert not at.exception and not infos(at), infos(at)
