"""A whole Security Council record ingested from PDF: one statement per delegation on the
dashboard, chairing turns and briefers left out (issue 5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker.ingest import ingest_paths
from tracker.query import Filters, left_out, statements_list

REPO = Path(__file__).resolve().parents[1]
RECORD = "unsc-records/S_PV.8698_E.pdf"


@pytest.fixture(scope="module")
def record_db(corpus, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("record") / "record.db"
    report = ingest_paths([corpus / RECORD], db=db, manifest=corpus / "manifest.csv")
    assert report.failed == [] and len(report.stored) >= 20
    return db


def test_the_record_becomes_one_statement_per_turn_with_roles(record_db):
    with sqlite3.connect(record_db) as conn:
        rows = conn.execute("SELECT turn, role, country, speaker, date, meeting, forum "
                            "FROM statements ORDER BY turn").fetchall()  # fmt: skip
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert {(r[4], r[5], r[6]) for r in rows} == {("2020-01-08", "S/PV.8698", "Security Council")}
    delegations = [r for r in rows if r[1] == "delegation"]
    assert len(delegations) >= 14 and all(len(r[2]) == 3 for r in delegations)
    chair = [r for r in rows if r[1] == "chair (procedural)"]
    assert chair and all(r[2] == "" for r in chair)
    national = [r for r in rows if r[1] == "president (national capacity)"]
    assert [(r[2], r[3]) for r in national] == [("VNM", "The President")]


def test_dashboard_lists_one_row_per_delegation_statement(record_db, monkeypatch):
    with sqlite3.connect(record_db) as conn:
        expected = {r[0] for r in conn.execute(
            "SELECT id FROM statements WHERE role IN ('delegation', "
            "'president (national capacity)')")}  # fmt: skip
    listed = statements_list(record_db, Filters(languages=()))
    assert set(listed["id"]) == expected
    assert listed["country"].is_unique  # one statement per delegation in this meeting

    monkeypatch.setenv("TRACKER_DB", str(record_db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90).run()
    at.switch_page("app_pages/statement.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["id"]) == expected
    # chairing turns and the briefer appear only when non-state speakers are asked for
    everyone = statements_list(record_db, Filters(languages=(), include_non_state=True))
    with sqlite3.connect(record_db) as conn:
        assert len(everyone) == conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0]


def test_a_statement_without_a_country_is_not_called_a_non_state_speaker(corpus, tmp_path,
                                                                      monkeypatch):
    """The record's chairing turns and its official are non-state speakers; a speech whose file
    named no country (Belgium's 2024 speech saved as speech.txt) is not one, though the same
    default leaves it out: the caption counted it among the non-state speakers (QA)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "speech.txt").write_bytes((corpus / "unga79/text/be_en.txt").read_bytes())
    db = tmp_path / "t.db"
    ingest_paths([tmp_path / "in" / "speech.txt", corpus / RECORD], db=db)
    with sqlite3.connect(db) as conn:
        turns, no_country = conn.execute(
            "SELECT SUM(role != '' AND (country = '' OR role IN ('president', 'briefer', "
            "'secretariat', 'chair'))), SUM(role = '' AND country = '') FROM statements"
        ).fetchone()  # fmt: skip
    assert turns >= 3 and no_country == 1
    out = left_out(db, Filters(languages=()))
    assert (out["non_state"], out["no_country"]) == (turns, 1)
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90).run()
    assert not at.exception
    said = " ".join(c.value for c in at.caption if "Left out" in c.value)
    assert f"{turns} non-state speakers" in said and "1 without a country" in said, said


@pytest.fixture(scope="module")
def group_db(corpus, tmp_path_factory) -> Path:
    """S/PV.8706 (Resumption 1): statements on behalf of the NAM, the OIC and the Arab Group."""
    db = tmp_path_factory.mktemp("groups") / "groups.db"
    ingest_paths([corpus / "unsc-records" / "S_PV.8706(Resumption1)_E.pdf"], db=db,
                 manifest=corpus / "manifest.csv")  # fmt: skip
    return db


def test_group_statements_on_their_own_or_counted_for_members(group_db):
    with sqlite3.connect(group_db) as conn:
        spoken = dict(conn.execute("SELECT on_behalf_of, country FROM statements "
                                   "WHERE on_behalf_of != ''").fetchall())  # fmt: skip
    assert spoken.get("Non-Aligned Movement") == "AZE"
    base = Filters(languages=())
    everything = statements_list(group_db, base)
    only = statements_list(group_db, Filters(languages=(), group_statements="only"))
    left_out = statements_list(group_db, Filters(languages=(), group_statements="exclude"))
    assert set(only["id"]) | set(left_out["id"]) == set(everything["id"])
    assert len(only) == len(spoken) and not set(only["id"]) & set(left_out["id"])

    from tracker.countries import group_members

    # a NAM member that did not speak in this meeting: nothing of its own, the NAM's statement
    # when group statements count for members
    silent = sorted(set(group_members("NAM")) - set(everything["country"]))[0]
    assert statements_list(group_db, Filters(languages=(), countries=(silent,))).empty
    counted = statements_list(group_db, Filters(languages=(), countries=(silent,),
                                                count_for_members=True))  # fmt: skip
    assert list(counted["country"]) == ["AZE"]


def test_a_record_with_no_recognisable_turn_is_stored_whole_with_a_warning(corpus, tmp_path):
    # the front page of a real record, its turns' headings lost (as in a bad text extraction)
    from tracker.sources import read_file

    doc = next(read_file(corpus / "unsc-records" / "S_PV.8698_E.pdf"))
    text = doc.raw_text.replace(":", " -")
    path = tmp_path / "S_PV.8698_flattened.txt"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "r.db"
    report = ingest_paths([path], db=db)
    assert report.stored == [path.name] and report.failed == []
    with sqlite3.connect(db) as conn:
        warnings = conn.execute("SELECT warnings FROM statements").fetchone()[0]
    assert "no speaker turns were recognised" in warnings


# General Debate speeches that cite a record ("(see A/62/PV.6)") or carry a record's page
# furniture mid-text ("01/10/2015 A/70/PV.23"): 282 of the UNGDC's speeches were stored with
# the warning "looks like a meeting record but no speaker turns were recognised"
CITING = {
    "HTI_63_2008.txt": "Session 63 - 2008",  # "year ago (see A/62/PV.6)", on its first line
    "EST_70_2015.txt": "Session 70 - 2015",  # "(see A/69/PV.8)" in its first sentence
    "NIC_70_2015.txt": "Session 70 - 2015",  # page furniture "01/10/2015 A/70/PV.23"
}


def test_a_speech_that_cites_a_record_is_not_warned_as_one(corpus, tmp_path):
    import zipfile

    paths = []
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as archive:
        for name, session in CITING.items():
            path = tmp_path / name
            path.write_bytes(archive.read(f"UNGDC_1946-2024/{session}/{name}"))
            paths.append(path)
    db = tmp_path / "gd.db"
    report = ingest_paths(paths, db=db)
    assert sorted(report.stored) == sorted(CITING)
    with sqlite3.connect(db) as conn:
        warned = [s for s, w in conn.execute("SELECT source, warnings FROM statements")
                  if "meeting record" in (w or "")]  # fmt: skip
    assert warned == []


def test_a_symbol_broken_onto_the_second_line_marks_a_record_and_cf_cites_one(corpus):
    """A review's edge cases of the first-line rule: an extraction that breaks "United Nations
    S/PV.8698" over two lines is still a record; "(cf. A/62/PV.6)" cites one, as "(see" does."""
    import zipfile

    from tracker.records import looks_like_record
    from tracker.sources import read_file

    doc = next(read_file(corpus / "unsc-records" / "S_PV.8698_E.pdf"))
    flattened = doc.raw_text.replace(":", " -")  # no turn recognisable, as above
    assert looks_like_record(flattened.replace("United Nations S/PV", "United Nations\nS/PV", 1))
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as archive:
        speech = archive.read("UNGDC_1946-2024/Session 63 - 2008/HTI_63_2008.txt").decode("utf-8")
    assert "(see A/62/PV.6)" in speech
    assert not looks_like_record(speech.replace("(see A/62/PV.6)", "(cf. A/62/PV.6)"))
    assert not looks_like_record(speech.replace("(see A/62/PV.6)", "cf. A/62/PV.6"))
