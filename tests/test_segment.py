"""Segmentation into sentences with offsets: UN abbreviations, captions, real texts, properties."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.clean import clean_text
from tracker.models import Passage
from tracker.segment import MAX_PIECES, MAX_WORDS, segment, sentence_ranges
from tracker.sources import read_file

UNGDC = "ungdc/UNGDC_1946-2024.zip"


def sentences(text: str) -> list[str]:
    return [text[p.start : p.end] for p in segment(text)]


def check_passages(text: str, passages: list[Passage]) -> None:
    """The invariants every segmentation keeps."""
    covered = bytearray(len(text))
    last_end, last_paragraph = 0, 0
    for i, p in enumerate(passages):
        assert p.seq == i
        assert 0 <= last_end <= p.start < p.end <= len(text)
        piece = text[p.start : p.end]
        assert piece == piece.strip() and piece
        assert not re.search(r"\n[^\S\n]*\n", piece), "a passage crosses a paragraph break"
        assert last_paragraph <= p.paragraph <= last_paragraph + 1 or i == 0
        assert len(piece.split()) <= MAX_WORDS
        covered[p.start : p.end] = b"\x01" * (p.end - p.start)
        last_end, last_paragraph = p.end, p.paragraph
    missing = [c for c, seen in zip(text, covered, strict=True) if not seen and not c.isspace()]
    assert not missing, f"characters outside every passage: {missing[:10]}"


def test_un_abbreviations_decimals_and_initials() -> None:
    text = (
        "Mr. President, I thank H.E. Mr. J. R. Smith of the U.N. for report No. 5 and Art. 51 "
        "of the Charter. The cost was 1.1 billion, e.g. in Africa, i.e. the Sahel. Mrs. Ali, "
        "Ms. Chen, Dr. Diallo and St. Lucia agree, as para. 3 of resolution 2250 says. Why? "
        '"Because we must," she said. It ends here!'
    )
    assert sentences(text) == [
        (
            "Mr. President, I thank H.E. Mr. J. R. Smith of the U.N. for report No. 5 and Art. 51 "
            "of the Charter."
        ),
        "The cost was 1.1 billion, e.g. in Africa, i.e. the Sahel.",
        "Mrs. Ali, Ms. Chen, Dr. Diallo and St. Lucia agree, as para. 3 of resolution 2250 says.",
        "Why?",
        '"Because we must," she said.',
        "It ends here!",
    ]


def test_paragraphs_are_numbered_and_never_crossed() -> None:
    text = "Mr. President,\n\nWe met in 2015. The agenda\n\ncontinued. 1. First item. 2. Second."
    passages = segment(text)
    assert [(text[p.start : p.end], p.paragraph) for p in passages] == [
        ("Mr. President,", 0), ("We met in 2015.", 1), ("The agenda", 1), ("continued.", 2),
        ("1. First item.", 2), ("2. Second.", 2),
    ]  # fmt: skip


def test_etc_and_lower_case_continuations() -> None:
    assert sentences("Food, water, etc. The Council agreed. He said no. and left.") == [
        "Food, water, etc.", "The Council agreed.", "He said no. and left.",
    ]  # fmt: skip


def test_captions_without_punctuation_are_cut_at_word_boundaries(corpus: Path) -> None:
    doc = next(read_file(corpus / "unga78-captions" / "Albania.json"))
    text = clean_text(doc.raw_text, reader=doc.reader)
    passages = segment(text)
    check_passages(text, passages)
    sizes = [len(text[p.start : p.end].split()) for p in passages]
    assert len(passages) > 10 and max(sizes) <= MAX_WORDS
    assert min(sizes[:-1]) >= MAX_WORDS // 2  # even pieces, no crumbs
    assert {p.paragraph for p in passages} == {0}


def test_real_texts_segment_cleanly(corpus: Path) -> None:
    paths = [next((corpus / "seed").glob("*.txt")), *sorted((corpus / "unga79/text").glob("*.txt"))]
    for path in paths:
        text = clean_text(path.read_text(encoding="utf-8"))
        check_passages(text, segment(text))
    seed = clean_text(paths[0].read_text(encoding="utf-8"))
    assert "I thank you for presiding over today's meeting." in sentences(seed)


def test_ungdc_speeches_segment_cleanly(corpus: Path) -> None:
    """50 UNGDC speeches from across the decades (every 20th member); the segmenter's speed on
    the UNGDC is in benchmarks/bench_timings.py."""
    with zipfile.ZipFile(corpus / UNGDC) as archive:
        members = [i for i in archive.infolist() if i.filename.endswith(".txt")][::20][1:51]
        texts = [clean_text(archive.read(i).decode("utf-8-sig")) for i in members]
    assert len(texts) == 50
    for text in texts:
        check_passages(text, segment(text))


WORDS = st.sampled_from(
    ["Mr.", "U.N.", "No.", "5", "1.1", "e.g.", "the", "Council", "peace", "etc.", "(a)", "1.",
     "said:", '"Yes."', "Why?", "Now!", "J.", "Smith", "…", "it", "é", "\u00a0", "-"]
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", " \n \n ", "\t", "\u2029", "\r\n"])
TEXTS = st.lists(st.tuples(WORDS, SEPARATORS), max_size=200).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(TEXTS, st.text(max_size=400)))
def test_passages_are_ordered_inside_the_text_and_cover_it(text: str) -> None:
    check_passages(text, segment(text))


@settings(max_examples=100, deadline=None)
@given(text=TEXTS)
def test_segmenting_clean_text_keeps_the_invariants(text: str) -> None:
    clean = clean_text(text)
    check_passages(clean, segment(clean))


def test_the_pieces_of_a_long_sentence_are_one_sentence() -> None:
    """sentence_ranges joins the pieces segment cut from one long sentence, and nothing else:
    not two sentences, not across a paragraph, and not the endless "sentence" of captions."""
    long = " ".join(f"word{i}," for i in range(150)) + " end."  # one sentence, 151 words
    text = f"Short one. {long} \"Quoted close.\" A heading without a stop\n\nNew paragraph, no stop"
    passages = segment(text)
    ranges = sentence_ranges(text, passages)
    pieces = [i for i, p in enumerate(passages) if "word" in text[p.start : p.end]]
    assert len(pieces) == 3  # 151 words cut into three pieces of at most MAX_WORDS
    assert {ranges[i] for i in pieces} == {(pieces[0], pieces[-1])}
    for i, p in enumerate(passages):
        if i not in pieces:
            assert ranges[i] == (i, i), text[p.start : p.end]
    # a long line of captions (no punctuation at all) is read piece by piece
    captions = " ".join(f"word{i}" for i in range(MAX_WORDS * (MAX_PIECES + 1)))
    cut = segment(captions)
    assert len(cut) > MAX_PIECES
    assert sentence_ranges(captions, cut) == [(i, i) for i in range(len(cut))]
    # the same pieces stored without paragraph numbers (as re-matching reads them) join the same
    flat = [Passage(p.seq, p.start, p.end, 0) for p in passages]
    assert sentence_ranges(text, flat) == ranges
