"""One speech, counted once: which stored statements are copies of the same speech.

The rule (measured on real pairs in ../shared/corpus, see the README):

* Only statements of the same country and year are compared, never two turns of one document.
* In the General Assembly general debate a delegation speaks once per session: the same country,
  forum and year is the same speech, in whatever language or wording it arrived.
* Forums are compared by their one spelling in :mod:`tracker.vocabulary`, so a turn of a
  General Assembly record under the general debate, the UN General Debate Corpus text and a
  delegation's own text of one speech are in the same forum.
* Elsewhere two texts are the same speech when they share the same date (or year, where only
  the year is known), the same forum, and word-bigram containment of at least
  :data:`SIMILARITY_THRESHOLD`. Captions against the official text of the same speech score
  0.8-0.86, an extracted text against the official text 0.99; two different speeches of one
  country on the same topics score 0.06-0.29.
* Of the copies, one is canonical; the others point to it with ``duplicate_of``. Which one
  follows :data:`KIND_PRIORITY`, then the language the codebook covers, then the oldest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.vocabulary import GENERAL_DEBATE, forum_name

__all__ = [
    "GENERAL_DEBATE", "KIND_PRIORITY", "SIMILARITY_THRESHOLD", "Candidate", "DedupPolicy",
    "bigrams", "link", "same_speech", "similarity",
]  # fmt: skip

SIMILARITY_THRESHOLD = 0.5

#: source_kind keywords, best first: official UN record > delegation PDF or text > web page >
#: speech recognition. A source_kind is ranked by the first keyword it contains.
KIND_PRIORITY: tuple[str, ...] = (
    "un record",
    "un verbatim",
    "delegation",
    "extracted text",
    "web page",
    "speech recognition",
)

_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class Candidate:
    """What the rule needs to know of a statement."""

    id: int
    raw_hash: str
    country: str
    forum: str
    year: int | None
    date: str
    source_kind: str
    language: str
    text: str
    duplicate_of: int | None = None


@dataclass
class DedupPolicy:
    """The configurable parts of the rule."""

    kind_priority: Sequence[str] = KIND_PRIORITY
    languages: Sequence[str] = ("en",)  # languages the codebook covers, best first
    threshold: float = SIMILARITY_THRESHOLD

    def kind_rank(self, source_kind: str) -> int:
        kind = source_kind.casefold()
        for rank, key in enumerate(self.kind_priority):
            if key in kind:
                return rank
        return len(self.kind_priority)

    def language_rank(self, language: str) -> int:
        langs = list(self.languages)
        return langs.index(language) if language in langs else len(langs)

    def order_key(self, c: Candidate) -> tuple[int, int, int]:
        """Smaller is more canonical."""
        return (self.kind_rank(c.source_kind), self.language_rank(c.language), c.id)


def bigrams(text: str) -> set[tuple[str, str]]:
    words = _WORD.findall(text.casefold())
    return set(zip(words, words[1:]))


def similarity(a: str, b: str) -> float:
    """Word-bigram containment: shared bigrams over the smaller text's bigrams (0..1)."""
    sa, sb = bigrams(a), bigrams(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def _same_when(a: Candidate, b: Candidate) -> bool:
    if a.year is None or a.year != b.year:
        return False
    if len(a.date) == 10 and len(b.date) == 10:
        return a.date == b.date
    return True


def same_speech(a: Candidate, b: Candidate, policy: DedupPolicy) -> tuple[bool, float]:
    """Whether two statements are copies of one speech, and their similarity."""
    if not a.country or a.country != b.country or a.id == b.id:
        return False, 0.0
    if a.raw_hash and a.raw_hash == b.raw_hash:  # turns of one document
        return False, 0.0
    if not _same_when(a, b):
        return False, 0.0
    score = similarity(a.text, b.text)
    forum_a, forum_b = forum_name(a.forum), forum_name(b.forum)
    if forum_a == GENERAL_DEBATE and forum_b == GENERAL_DEBATE:
        return True, score
    if forum_a and forum_b and forum_a != forum_b:
        return False, score
    return score >= policy.threshold, score


def link(
    new: Candidate, stored: Sequence[Candidate], policy: DedupPolicy
) -> list[tuple[int, int | None, float | None]]:
    """Decide the duplicate links after ``new`` arrives among ``stored`` candidates.

    Returns ``(statement id, duplicate_of, similarity)`` for every statement of the group whose
    link is set (the canonical one gets ``None``); an empty list when ``new`` copies nothing.
    """
    best: tuple[Candidate, float] | None = None
    for cand in stored:
        same, score = same_speech(new, cand, policy)
        if same and (best is None or score > best[1]):
            best = (cand, score)
    if best is None:
        return []
    matched, score = best
    root = matched.duplicate_of or matched.id
    group = [c for c in stored if c.id == root or c.duplicate_of == root] + [new]
    canonical = min(group, key=policy.order_key)
    updates: list[tuple[int, int | None, float | None]] = []
    for member in group:
        if member.id == canonical.id:
            updates.append((member.id, None, None))
            continue
        if {member.id, canonical.id} == {new.id, matched.id}:
            sim = score
        else:
            sim = similarity(member.text, canonical.text)
        updates.append((member.id, canonical.id, round(sim, 4)))
    return updates
