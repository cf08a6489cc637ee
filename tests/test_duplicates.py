"""The duplicate rule, on real pairs from ../shared/corpus."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from tracker.duplicates import GENERAL_DEBATE, Candidate, DedupPolicy, link, same_speech, similarity
from tracker.ingest import ingest_paths
from tracker.records import split_record
from tracker.vocabulary import GA_PLENARY


@pytest.fixture(scope="module")
def ungdc(corpus):
    zf = zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip")
    names = {n.rsplit("/", 1)[-1]: n for n in zf.namelist()}

    def read(member: str) -> str:
        return zf.read(names[member]).decode("utf-8-sig")

    yield read
    zf.close()


def captions(corpus, name: str) -> str:
    segments = json.loads((corpus / "unga78-captions" / name).read_text(encoding="utf-8"))
    return " ".join(s["text"] for s in segments)


def cand(i, text, *, country="CHN", forum="Security Council", year=2023, date="2023",
         kind="UN record", raw="", language="en", duplicate_of=None):  # fmt: skip
    return Candidate(i, raw or f"raw{i}", country, forum, year, date, kind, language, text,
                     duplicate_of)  # fmt: skip


def test_captions_and_official_text_of_one_speech_are_similar(corpus, ungdc):
    for name, member in [("China.json", "CHN_78_2023.txt"), ("India.json", "IND_78_2023.txt"),
                         ("United States of America.json", "USA_78_2023.txt")]:  # fmt: skip
        assert similarity(captions(corpus, name), ungdc(member)) >= 0.7, name


def test_extracted_text_and_official_text_are_nearly_identical(corpus, ungdc):
    text = (corpus / "unga79" / "text" / "au_en.txt").read_text(encoding="utf-8")
    assert similarity(text, ungdc("AUS_79_2024.txt")) > 0.95


def test_different_speeches_of_one_country_stay_apart(corpus, ungdc):
    policy = DedupPolicy()
    pairs = [(ungdc("CHN_78_2023.txt"), ungdc("CHN_77_2022.txt")),
             (ungdc("USA_78_2023.txt"), ungdc("USA_77_2022.txt")),
             (captions(corpus, "China.json"), ungdc("CHN_77_2022.txt"))]  # fmt: skip
    for a, b in pairs:
        # Same country, same year and forum by construction: only the text can tell them apart.
        same, score = same_speech(cand(1, a), cand(2, b), policy)
        assert not same and score < policy.threshold


def test_a_security_council_statement_is_not_the_general_debate_speech(corpus, ungdc):
    seed = (corpus / "seed" / "2024-06-20_china_fu-cong_unsc-cybersecurity.txt").read_text()
    gd = cand(1, ungdc("BRA_79_2024.txt"), country="CHN", forum=GENERAL_DEBATE, year=2024)
    sc = cand(2, seed, forum="Security Council", year=2024, date="2024-06-20")
    assert same_speech(sc, gd, DedupPolicy()) == (False, pytest.approx(similarity(seed, gd.text)))


def test_general_debate_same_session_is_one_speech_in_any_language(corpus, ungdc):
    french = (corpus / "unga79" / "text" / "ad_fr.txt").read_text(encoding="utf-8")
    official = cand(1, ungdc("AND_79_2024.txt"), country="AND", forum=GENERAL_DEBATE, year=2024)
    delegation = cand(2, french, country="AND", forum=GENERAL_DEBATE, year=2024,
                      date="2024-09", kind="delegation text (extracted from its PDF)",
                      language="fr")  # fmt: skip
    assert same_speech(delegation, official, DedupPolicy())[0]


def test_turns_of_one_document_are_never_compared():
    a = cand(1, "the same words " * 50, raw="doc")
    b = cand(2, "the same words " * 50, raw="doc")
    assert same_speech(a, b, DedupPolicy()) == (False, 0.0)


def test_canonical_copy_follows_source_kind_priority_then_language():
    text = "we call for the reform of the security council and an end to the veto " * 5
    asr = cand(1, text, kind="speech recognition of the floor audio")
    pdf = cand(2, text, kind="delegation PDF")
    links = link(pdf, [asr], DedupPolicy())
    assert dict((i, d) for i, d, _ in links) == {2: None, 1: 2}
    official = cand(3, text, kind="UN record (UN General Debate Corpus)")
    asr_linked = cand(1, text, kind="speech recognition of the floor audio", duplicate_of=2)
    links = link(official, [asr_linked, pdf], DedupPolicy())
    assert dict((i, d) for i, d, _ in links) == {3: None, 1: 3, 2: 3}
    french = cand(4, text, kind="UN record", language="fr")
    english = cand(5, text, kind="UN record", language="en")
    assert dict((i, d) for i, d, _ in link(english, [french], DedupPolicy(languages=["en"]))) == {
        5: None, 4: 5}  # fmt: skip
    custom = DedupPolicy(kind_priority=("speech recognition", "un record"))
    assert dict((i, d) for i, d, _ in link(official, [asr], custom)) == {1: None, 3: 1}


# ---------------------------------------------------------------- one forum whatever the source

RECORD = Path(__file__).parent / "fixtures" / "records" / "A_79_PV.5.txt"


def _stored(db: Path) -> dict[str, sqlite3.Row]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT id, source, country, forum, duplicate_of FROM statements")
        return {row["source"]: row for row in rows}


@pytest.mark.parametrize("record_first", [True, False])
def test_a_general_assembly_record_turn_and_the_ungdc_text_are_one_speech(
    ungdc, tmp_path, record_first
):
    """Brazil's 2024 general debate speech, as a turn of the verbatim record A/79/PV.5 and as the
    UN General Debate Corpus text, is one speech: both in one forum, linked as copies."""
    gd_file = tmp_path / "BRA_79_2024.txt"
    gd_file.write_text(ungdc("BRA_79_2024.txt"), encoding="utf-8")
    db = tmp_path / "tracker.db"
    for path in [RECORD, gd_file] if record_first else [gd_file, RECORD]:
        ingest_paths([path], db=db, workers=1)
    stored = _stored(db)
    turn, gd = stored["A_79_PV.5.txt#3"], stored["BRA_79_2024.txt"]
    assert turn["country"] == gd["country"] == "BRA"
    assert turn["forum"] == gd["forum"] == GENERAL_DEBATE
    # the UNGDC text is an official UN record: it stays canonical, the record turn is its copy
    assert (gd["duplicate_of"], turn["duplicate_of"]) == (None, gd["id"])


def test_a_record_turn_under_another_agenda_item_is_not_the_general_debate_speech(ungdc):
    """Uganda speaks under agenda item 19 in the same meeting: not its general debate speech."""
    record = split_record(RECORD.read_text(encoding="utf-8"))
    uganda = next(t for t in record.turns if t.country == "UGA")
    turn = cand(2, uganda.text, country="UGA", forum=uganda.forum, year=2024, date="2024-09-24",
                kind="extracted text")  # fmt: skip
    gd = cand(1, ungdc("UGA_79_2024.txt"), country="UGA", forum=GENERAL_DEBATE, year=2024,
              date="2024", kind="UN record (UN General Debate Corpus)")  # fmt: skip
    assert uganda.forum == GA_PLENARY
    assert same_speech(turn, gd, DedupPolicy())[0] is False


def test_an_ingested_turn_under_another_agenda_item_stays_apart(ungdc, tmp_path):
    gd_file = tmp_path / "UGA_79_2024.txt"
    gd_file.write_text(ungdc("UGA_79_2024.txt"), encoding="utf-8")
    db = tmp_path / "tracker.db"
    ingest_paths([gd_file, RECORD], db=db, workers=1)
    turn = next(r for r in _stored(db).values() if r["country"] == "UGA" and "#" in r["source"])
    assert (turn["forum"], turn["duplicate_of"]) == (GA_PLENARY, None)


def test_the_statement_page_says_why_a_translation_is_a_copy(corpus, ungdc, tmp_path, monkeypatch):
    """A General Debate copy in another language shares almost no words with the original: the
    Statement page said "similarity 0.00" as if the link were doubtful; it says why it holds."""
    from streamlit.testing.v1 import AppTest

    official = tmp_path / "AND_79_2024.txt"
    official.write_text(ungdc("AND_79_2024.txt"), encoding="utf-8")
    db = tmp_path / "tracker.db"
    ingest_paths([official, corpus / "unga79" / "text" / "ad_fr.txt"], db=db,
                 manifest=corpus / "manifest.csv", workers=1)  # fmt: skip
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, similarity FROM statements WHERE duplicate_of IS NOT NULL")
        [(copy_id, sim)] = rows.fetchall()
    assert sim < 0.5
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboard.py"),
                           default_timeout=120).run()  # fmt: skip
    at.query_params["id"] = str(copy_id)
    at.switch_page("app_pages/statement.py").run()
    assert not at.exception
    [note] = [i.value for i in at.info if "is a copy of statement" in i.value]
    assert "General Debate speech of the same session" in note and "translation" in note
    # the original's page lists its copy by id, as a button that opens it ("Copies: 2" had read
    # as two copies, and led nowhere)
    with sqlite3.connect(db) as conn:
        [(original,)] = conn.execute("SELECT duplicate_of FROM statements WHERE id = ?",
                                     (copy_id,)).fetchall()  # fmt: skip
    at.query_params["id"] = str(original)
    at.switch_page("app_pages/statement.py").run()
    assert not at.exception
    assert any(c.value.startswith("1 copy of this speech stored") for c in at.caption)
    at.button(key=f"open_copy_{copy_id}").click().run()
    assert not at.exception
    assert any("is a copy of statement" in i.value for i in at.info)
