"""A view's link (its URL) must bring back the same view: values holding a comma (a forum
"OEWG on ICTs, 2021-2025", a country name stored as written) were split at the comma and
dropped, and the link silently showed every forum; a value the database does not hold is
said, not dropped in silence."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker.ingest import ingest_paths

REPO = Path(__file__).resolve().parents[1]
FORUM = "OEWG on ICTs, 2021-2025"


@pytest.fixture()
def forums_db(corpus, tmp_path, monkeypatch) -> Path:
    texts = corpus / "unga79" / "text"
    db = tmp_path / "t.db"
    ingest_paths([texts / "ae_en.txt", texts / "cu_es.txt"], db=db, workers=1)
    ingest_paths([corpus / "seed"], db=db, workers=1, overrides={"forum": FORUM})
    monkeypatch.setenv("TRACKER_DB", str(db))
    return db


def dashboard(**params) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def test_a_value_with_a_comma_survives_the_link(forums_db):
    at = dashboard()
    at.sidebar.multiselect(key="f_forums").set_value([FORUM])
    at.run()
    assert not at.exception
    link = {k: at.query_params[k] for k in at.query_params}
    again = dashboard(**link)
    assert not again.exception
    assert again.sidebar.multiselect(key="f_forums").value == [FORUM]
    assert again.query_params["forums"] == link["forums"]


def test_a_linked_value_the_database_lacks_is_said(forums_db):
    at = dashboard(forums="Human Rights Council", themes="militarization,nonsense")
    assert not at.exception
    said = " ".join(w.value for w in at.warning)
    assert "Human Rights Council" in said and "nonsense" in said, said
    assert at.sidebar.multiselect(key="f_themes").value == ["militarization"]


def test_a_link_with_thousands_of_commas_is_read_in_linear_time():
    """Every longer run of pieces was joined at each place: a 3 KB link took 2.4 s, 4,000 pieces
    about 150 s, blocking the session. Runs are now no longer than the known value with most
    commas: the result is the same."""
    from app_pages.ui.url import split_known

    known = {"CHN", "USA", "OEWG on ICTs, 2021-2025"}
    value = ",".join(["CHN", "XX"] * 3000 + ["OEWG on ICTs", " 2021-2025"])
    found, unknown = split_known(value, known)
    assert found == ["CHN"] * 3000 + ["OEWG on ICTs, 2021-2025"] and unknown == ["XX"] * 3000


def test_a_run_that_stops_early_still_writes_its_url(app):
    """Writes gathered during a run and sent at its end were lost when the run ended in
    st.stop() (Compare with the same country on both sides, a view without data): no message
    reaches the browser after it, so the URL, the link and Back kept the previous view."""
    at = app(a="CHN", b="USA").run()
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    assert at.query_params["b"] == "USA"
    at.selectbox(key="cmp_b").set_value("CHN").run()  # the page stops: nothing to compare
    assert not at.exception
    assert [w.value for w in at.warning] == ["Pick two different sides."]
    assert at.query_params["b"] == "CHN"


def test_a_cited_view_of_the_landing_page_has_its_slash():
    """Chromium reports the landing page as http://127.0.0.1:8611 (no path), and exports cited
    the view as http://127.0.0.1:8611?themes=..., unlike the README's form (QA in Chromium)."""
    from app_pages.ui.url import rooted

    assert rooted("http://127.0.0.1:8611") == "http://127.0.0.1:8611/"
    assert rooted("http://127.0.0.1:8611/compare") == "http://127.0.0.1:8611/compare"
    assert rooted("https://tracker.example.org/") == "https://tracker.example.org/"
