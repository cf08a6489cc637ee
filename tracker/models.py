"""Plain data passed between the pipeline's steps (read -> clean -> segment -> match -> store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

#: Metadata fields every statement carries, each with the origin of its value.
METADATA_FIELDS = (
    "country",
    "country_name",
    "date",
    "forum",
    "meeting",
    "speaker",
    "title",
    "language",
    "source_kind",
    "source_url",
)


@dataclass(frozen=True)
class Sourced:
    """A metadata value and where it came from, so a researcher can audit it.

    ``origin`` is one of: ``manifest``, ``flag`` (command line), ``dataset`` (a CSV/JSONL column),
    ``filename``, ``archive`` (an archive member's name), ``text`` (found in the statement),
    ``document`` (HTML title, PDF metadata), ``default``.
    """

    value: str
    origin: str


@dataclass
class RawDocument:
    """What a reader produces: the raw text of one statement (or one multi-speaker document)."""

    source: str  # the file name as ingested: "x.txt", "archive.zip:member", "data.csv#3"
    source_path: str  # full path (or URL) of the file the text came from
    raw_text: str
    reader: str  # text, markdown, html, pdf, pdf+ocr, captions, csv, jsonl
    hints: dict[str, Sourced] = field(default_factory=dict)  # metadata the reader saw
    warnings: list[str] = field(default_factory=list)
    manifest_key: str = ""  # path the manifest may name this by (file path; archive path for members)


@dataclass(frozen=True)
class Problem:
    """A file (or archive member, or dataset row) that was skipped or failed, with the reason."""

    source: str
    reason: str
    kind: Literal["skipped", "failed"] = "failed"


class Passage(NamedTuple):
    """A sentence of the clean text, with character offsets into it; ``paragraph`` numbers paragraphs.

    A named tuple, not a dataclass: a corpus has millions of passages, and tuples are several
    times cheaper to create and to send between processes.
    """

    seq: int
    start: int
    end: int
    paragraph: int


@dataclass(frozen=True)
class Match:
    """A theme found in a statement: the rule that fired, the matched span and its score.

    ``start``/``end`` are offsets into the statement's clean text; ``passage_seq`` is the passage
    holding the span's start. ``kind`` is ``exact``, ``fuzzy``, ``proximity`` (rules) or
    ``semantic`` (the semantic matcher). ``direction`` is ``supports``, ``opposes`` or
    ``reports`` the theme's position; ``counted`` says whether the match makes the theme present
    (a directional theme counts only ``supports``); ``reason`` says what decided the direction
    (the stance cue) or, for a semantic match, the exemplar and words behind it.
    """

    theme: str
    rule: str
    kind: str
    score: float
    start: int
    end: int
    matched_text: str
    passage_seq: int
    direction: str = "supports"
    counted: bool = True
    reason: str = ""


@dataclass
class Statement:
    """A cleaned, segmented statement with resolved metadata, ready to store."""

    source: str
    source_path: str
    reader: str
    raw_text: str
    clean_text: str
    passages: list[Passage]
    metadata: dict[str, Sourced]
    content_hash: str
    words: int
    raw_hash: str = ""  # hash of the document's raw text, to skip known documents before work
    date_precision: str = ""  # day, month, year or "" when unknown
    year: int | None = None
    flags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    codebook_version: str = ""
    # multi-speaker documents (issue 5) fill these
    turn: int | None = None  # order of the turn in its meeting
    role: str = ""  # delegation, chair (procedural), president (national capacity), official...
    on_behalf_of: str = ""  # group the statement was delivered for
    spoke_in: str = ""  # language spoken, where the record says "(spoke in French)"
    agenda: str = ""
    split_confidence: str = ""  # verbatim, summary or transcript
    document: str = ""  # the source of the document a turn was split from

    def value(self, name: str) -> str:
        """The value of a metadata field, or "" when unknown."""
        item = self.metadata.get(name)
        return item.value if item else ""
