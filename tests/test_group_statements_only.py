""""Group statements: only" with nothing to show said "No statements match these filters. Widen
the years, countries or languages in the sidebar.", advice that cannot help when the database
holds no statement delivered on behalf of a group; Compare ("Neither side has statements under
these filters.") and Evidence ("No matches under these filters.") named no group statement
either. The pages now say that no group statement matches, and how to see the others. The real dashboard under AppTest: the query tests' database
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


# -- Compare and Evidence said "Neither side has statements under these filters." and "No matches
# under these filters." under "only", naming no group statement ---------------------------------

GROUP = "a statement delivered on behalf of a group (EU, G77, NAM, ...)"
COMPARE_NONE = f"Neither side has {GROUP} under these filters."
EVIDENCE_NONE = f"No matches in {GROUP} under these filters."
SEARCH_NONE = f"No passage of {GROUP} contains all of these words under the current filters."


@pytest.mark.parametrize(("page", "params", "text"), [
    ("app_pages/compare.py", {"a": "CHN", "b": "USA"}, COMPARE_NONE),
    ("app_pages/evidence.py", {}, EVIDENCE_NONE),
    ("app_pages/evidence.py", {"q": "sanctions"},
     f"No matches in {GROUP} under these filters containing these words."),
    ("app_pages/evidence.py", {"q": "sanctions", "scope": "all"}, SEARCH_NONE),
])  # fmt: skip
def test_compare_and_evidence_with_only_group_statements_on_a_database_without_any_say_so(
        app, db, page, params, text):  # fmt: skip
    at = app(gstmt="only", **params).run()
    at.switch_page(page).run()
    assert not at.exception
    assert f"{text} This database holds none: {INCLUDE}." in infos(at), infos(at)
    at.sidebar.selectbox(key="f_gstmt").set_value("include").run()
    assert not at.exception and not infos(at), infos(at)
    assert at.get("plotly_chart") or at.dataframe


@pytest.mark.parametrize(("page", "params", "text", "widen"), [
    ("app_pages/compare.py", {"a": "SAU", "b": "CAN"}, COMPARE_NONE,
     "Widen the years or languages, pick other sides"),
    ("app_pages/evidence.py", {"countries": "SAU"}, EVIDENCE_NONE,
     "Widen the years, countries or languages"),
    ("app_pages/evidence.py", {"countries": "SAU", "q": "Palestine", "scope": "all"}, SEARCH_NONE,
     "Widen the years, countries or languages"),
])  # fmt: skip
def test_compare_and_evidence_with_only_group_statements_the_filters_leave_out_say_what_to_widen(
        record_db, page, params, text, widen):  # fmt: skip
    """Saudi Arabia and Canada speak for themselves in the record, which holds three group
    statements (Azerbaijan for NAM, Bangladesh for the OIC, Sudan for the Arab Group)."""
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.query_params["gstmt"] = "only"
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    assert f"{text} {widen}, or {INCLUDE}." in infos(at), infos(at)
    if "a" in params:  # what it says works: a side that spoke for a group is drawn
        at.selectbox(key="cmp_b").set_value("AZE").run()
    else:
        at.sidebar.multiselect(key="f_countries").set_value([]).run()
    assert not at.exception and not infos(at), infos(at)
    assert at.get("plotly_chart") or at.dataframe
