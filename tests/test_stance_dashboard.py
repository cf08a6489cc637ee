"""Direction and the semantic matcher on the dashboard (AppTest on a real database): the
Evidence table shows each match's direction, can be filtered by it (kept in the URL), and the
Codebook page lists passages no rule matches with candidate phrases."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker.ingest import ingest_paths

REPO = Path(__file__).resolve().parents[1]
# real sentences (see tests/test_stance.py for their speeches): one supports, one reports
CONDEMNS = ("Under the pretext of humanitarian intervention, these countries interfere in the "
            "domestic affairs of States and impose unilateral economic sanctions that lack any "
            "moral or legal basis.")  # fmt: skip
IMPOSES = ("My Administration recently announced that we will not lift sanctions on the Cuban "
           "Government until it makes fundamental reforms.")  # fmt: skip


@pytest.fixture(scope="module")
def db(corpus, tmp_path_factory) -> Path:
    """Ten real speeches plus two one-sentence statements of known direction."""
    folder = tmp_path_factory.mktemp("stance-dash")
    (folder / "SYR_67_2012.txt").write_text(CONDEMNS + "\n", encoding="utf-8")
    (folder / "USA_72_2017.txt").write_text(IMPOSES + "\n", encoding="utf-8")
    texts = sorted((corpus / "unga79" / "text").glob("*_en.txt"))[:10]
    db = folder / "tracker.db"
    ingest_paths([folder / "SYR_67_2012.txt", folder / "USA_72_2017.txt", *texts], db=db,
                 manifest=corpus / "manifest.csv", workers=1)  # fmt: skip
    return db


def _evidence(at: AppTest):
    at.switch_page("app_pages/evidence.py").run()
    assert not at.exception, at.exception
    return at.dataframe[0].value


def test_evidence_shows_direction_and_filters_by_it(app):
    at = app(themes="unilateral_sanctions").run()
    table = _evidence(at)
    assert "direction" in table.columns
    assert set(table["direction"]) == {"supports", "reports (not counted)"}
    at.multiselect(key="ev_dir").set_value(["reports"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["direction"]) == ["reports (not counted)"]
    assert at.query_params["dir"] == ["reports"] or at.query_params["dir"] == "reports"


def test_direction_filter_is_read_from_the_url(app):
    at = app(themes="unilateral_sanctions", dir="supports").run()
    table = _evidence(at)
    assert set(table["direction"]) == {"supports"}


def test_codebook_page_suggests_passages_and_phrases(app):
    at = app().run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception
    at.selectbox(key="sg_theme").set_value("un_main_channel")
    at.number_input(key="sg_sample").set_value(200)
    at.button(key="sg_go").click().run()
    assert not at.exception, at.exception
    found = at.dataframe[-2].value
    phrases = at.dataframe[-1].value
    assert len(found) > 0 and {"probability", "passage", "why"} <= set(found.columns)
    assert found["probability"].is_monotonic_decreasing and found["log-odds"].is_monotonic_decreasing
    assert "phrase" in phrases.columns


def test_statement_page_shows_direction_and_what_counts(app, db):
    import sqlite3

    conn = sqlite3.connect(db)
    sid = conn.execute("SELECT id FROM statements WHERE source = 'USA_72_2017.txt'").fetchone()[0]
    conn.close()
    at = app(id=str(sid))  # opened at /statement?id=... (another page drops a statement id)
    at.switch_page("app_pages/statement.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert {"direction", "counted", "reason"} <= set(table.columns)
    row = table[table["theme_label"].str.contains("coercive", case=False)].iloc[0]
    assert row["direction"] == "reports" and not row["counted"]
    assert "we will not lift" in row["reason"]
    bodies = " ".join(h.proto.body for h in at.get("html"))
    assert "not present" in bodies
