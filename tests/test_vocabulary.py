"""One vocabulary: forums, meetings, months and languages have one spelling, whoever asks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.metadata import infer_from_name, infer_from_text, resolve_metadata
from tracker.models import RawDocument
from tracker.records import split_record
from tracker.vocabulary import (
    FORUMS,
    GA_PLENARY,
    GENERAL_DEBATE,
    MONTHS,
    find_forum,
    find_symbol,
    forum_name,
    forum_of_symbol,
    language_code,
    meeting_label,
    month_number,
    record_forum,
)

RECORDS = Path(__file__).parent / "fixtures" / "records"
NAMES = {forum.name for forum in FORUMS}


def test_every_forum_a_record_gives_is_a_vocabulary_name() -> None:
    for path in sorted(RECORDS.glob("*.txt")):
        record = split_record(path.read_text(encoding="utf-8"))
        if record is None:
            continue
        assert record.forum in NAMES, path.name
        assert {turn.forum for turn in record.turns} <= NAMES, path.name


def test_every_forum_metadata_infers_from_real_texts_is_a_vocabulary_name(corpus: Path) -> None:
    found = set()
    for path in sorted((corpus / "unga79" / "text").glob("*.txt"))[:40]:
        forum = infer_from_text(path.read_text(encoding="utf-8"), wanted=["forum"]).get("forum")
        found.add(forum.value if forum else "")
    for name in ("USA_79_2024.txt", "S_PV.8698_E.pdf", "2021-03-10_oewg.txt", "unsc_china.txt"):
        found.add(infer_from_name(name)["forum"].value)
    assert found - {""} <= NAMES
    assert {GENERAL_DEBATE, "Security Council", "OEWG"} <= found


def test_the_record_and_the_corpus_spell_the_general_debate_alike() -> None:
    """A turn of A/79/PV.5 under "General debate" and a UNGDC member name give one forum."""
    record = split_record((RECORDS / "A_79_PV.5.txt").read_text(encoding="utf-8"))
    lula = next(turn for turn in record.turns if turn.country == "BRA")
    doc = RawDocument(source="UNGDC_1946-2024.zip:Session 79 - 2024/BRA_79_2024.txt",
                      source_path="UNGDC_1946-2024.zip", raw_text="", reader="text")  # fmt: skip
    assert lula.forum == resolve_metadata(doc, "").value("forum") == GENERAL_DEBATE


@pytest.mark.parametrize(
    ("written", "name"),
    [("Open-ended Working Group", "OEWG"), ("OPEN-ENDED  working group", "OEWG"),
     ("UNSC", "Security Council"), ("United Nations Security Council", "Security Council"),
     ("General debate", GENERAL_DEBATE), ("UNGA general debate", GENERAL_DEBATE),
     ("ECOSOC", "Economic and Social Council"), ("  First   Committee ", "First Committee"),
     ("A summit of its own", "A summit of its own")],
)  # fmt: skip
def test_forum_name(written: str, name: str) -> None:
    assert forum_name(written) == name


@pytest.mark.parametrize(
    ("symbol", "forum"),
    [("S/PV.8698", "Security Council"), ("A/79/PV.5", GA_PLENARY), ("A/ES-11/PV.1", GA_PLENARY),
     ("A/PV.100", GA_PLENARY),
     ("A/C.1/79/PV.10", "First Committee"), ("A/C.3/79/SR.2", "Third Committee"),
     ("A/AC.292/PV.3", "OEWG"), ("CD/PV.1222", "Conference on Disarmament"),
     ("A/CN.10/PV.380", "Disarmament Commission"), ("E/2024/SR.5", "Economic and Social Council"),
     ("X/PV.1", "")],
)  # fmt: skip
def test_forum_of_symbol(symbol: str, forum: str) -> None:
    assert forum_of_symbol(symbol) == forum


def test_a_general_assembly_meeting_is_in_the_general_debate_only_under_that_item() -> None:
    assert record_forum("A/79/PV.5", "", "Agenda item 8: General debate") == GENERAL_DEBATE
    assert record_forum("A/79/PV.5", "", "Sustainable development") == GA_PLENARY
    assert record_forum("A/79/PV.5", "", "Débat général") == GENERAL_DEBATE
    # without a symbol, the most specific forum the front page names
    front = "United Nations\nGeneral Assembly\nSeventy-ninth session\nFirst Committee\n"
    assert record_forum("", front) == "First Committee"
    assert record_forum("", "General Assembly\n5th plenary meeting", "General debate") == (
        GENERAL_DEBATE
    )
    # statements name their forum first come, first served: a mention of the Assembly counts
    assert find_forum("Statement at the 79th session of the General Assembly") == GENERAL_DEBATE
    assert find_forum("Statement to the Conference on Disarmament") == "Conference on Disarmament"


def test_record_symbols_and_meetings() -> None:
    found = find_symbol("United Nations\nS/PV. 8699 (Resumption1)\nSecurity Council")
    assert found is not None
    assert (found.symbol, found.number, found.part, found.full) == (
        "S/PV.8699", 8699, "Resumption 1", "S/PV.8699 (Resumption 1)")  # fmt: skip
    assert find_symbol("no symbol here, only A/RES/78/1") is None
    assert meeting_label(5, forum=GA_PLENARY) == "5th plenary meeting"
    assert meeting_label(1222, forum="Conference on Disarmament") == "1222nd plenary meeting"
    assert meeting_label(10, forum="First Committee") == "10th meeting"
    assert meeting_label(8699, forum="Security Council", part="Resumption 1") == (
        "8699th meeting (Resumption 1)"
    )


def test_months() -> None:
    assert MONTHS[0] == "January" and MONTHS[8] == "September" and len(MONTHS) == 12
    for word in ("September", "sept.", "septiembre", "settembre", "сентября"):
        assert month_number(word) == 9, word
    assert month_number("Mayor") is None


@pytest.mark.parametrize(
    ("value", "code"),
    [("en", "en"), ("EN", "en"), ("eng", "en"), ("en-GB", "en"), ("French", "fr"),
     ("français", "fr"), ("spa", "es"), ("Portuguese", "pt"), ("中文", "zh"), ("klingon", ""),
     ("", "")],
)  # fmt: skip
def test_language_code(value: str, code: str) -> None:
    assert language_code(value) == code
