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
