"""Segmentation: a clean text in, its passages (sentences with offsets, numbered by paragraph) out.

Sentences end at ``.``, ``!``, ``?`` or ``…`` (with any closing quotes or brackets) followed by
white space and a character that is not lower case, except after the abbreviations of UN texts
(``Mr.``, ``H.E.``, ``e.g.``, ``No. 5``...), initials and list markers. A passage never crosses
a paragraph break (a blank line) and never runs over ``max_words`` words: text without
punctuation (speech-recognition captions) is cut at word boundaries, at a comma when one is
near. Everything runs on compiled regular expressions, one match per sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from tracker.models import Passage

#: Passages longer than this many words are cut at word boundaries.
MAX_WORDS = 60

#: Abbreviations after which a full stop never ends a sentence (titles, Latin, companies).
ABBREVIATIONS = (
    "Mr", "Mrs", "Ms", "Messrs", "Mmes", "Mme", "Mlle", "Dr", "Drs", "Prof", "St", "Sr", "Sra",
    "Srta", "Sres", "Jr", "Dra", "Gen", "Col", "Lt", "Capt", "Maj", "Sgt", "Adm", "Gov", "Sen",
    "Rep", "Amb", "Hon", "Rev", "Fr", "Excmo", "Excma", "Mgr", "Msgr", "Hr", "Ing", "Lic",
    "Esq", "vs", "cf", "viz", "approx", "al", "Inc", "Ltd", "Co", "Corp", "Bros", "Ave",
)  # fmt: skip
#: Abbreviations that do not end a sentence when a number follows ("No. 5", "Art. 51").
NUMBER_ABBREVIATIONS = (
    "No", "Nos", "no", "Art", "Arts", "art", "para", "paras", "Para", "p", "pp", "Vol", "vol",
    "Ch", "ch", "Chap", "Sect", "sect", "Fig", "fig", "Nr", "nr", "Res", "Doc", "Jan", "Feb",
    "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "núm", "Núm", "n",
)  # fmt: skip


def _by_length(words: tuple[str, ...]) -> list[str]:
    """One fixed-width alternation per word length (Python's look-behinds need fixed width)."""
    lengths = sorted({len(w) for w in words})
    return ["|".join(re.escape(w) for w in words if len(w) == n) for n in lengths]


def _lookbehinds(words: tuple[str, ...]) -> str:
    return "".join(rf"(?<!\b(?:{group})\.)" for group in _by_length(words))


_NUMBER_AFTER = "|".join(rf"(?<=\b(?:{group})\.)" for group in _by_length(NUMBER_ABBREVIATIONS))
#: The end of a sentence: final punctuation, closing quotes or brackets, then white space and
#: a character that is not lower case. Initials ("J. R."), dotted abbreviations ("U.N.",
#: "e.g.") and the abbreviations above are excluded.
_SENTENCE_END = re.compile(
    r"([.!?\u2026]" + _lookbehinds(ABBREVIATIONS) + r"(?<![\s.(\[\"'][^\W\d_]\.)"
    r"(?!(?:" + _NUMBER_AFTER + r")\s+[\dIVXLC])"
    r"[.!?\u2026]*[\"'\u201d\u2019\u00bb)\]]*)"
    r"\s+(?![a-z\u00df-\u00f6\u00f8-\u00ff\u0430-\u045f])(?=\S)"
)
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_NONSPACE = re.compile(r"\S+")
_LEADING_SPACE = re.compile(r"\s*")
_ENUMERATOR = re.compile(r"\(?[0-9A-Za-z]{1,3}[.)]")
#: Every white-space character Python knows but " " and "\n".
_OTHER_SPACE = re.compile(
    "[\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
_CLAUSE_END = re.compile(r"[,;:\u2013\u2014-]$")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph (text between blank lines), white space excluded."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for brk in _PARAGRAPH_BREAK.finditer(text):
        spans.append((pos, brk.start()))
        pos = brk.end()
    spans.append((pos, len(text)))
    return [s for s in (_strip(text, a, b) for a, b in spans) if s[0] < s[1]]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``start:end`` to exclude white space at both ends."""
    # \s* matches at any position, so the match is never None
    start = _LEADING_SPACE.match(text, start, end).end()  # type: ignore[union-attr]
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text[start:end]`` (one paragraph), stripped."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end(1)
        if stop - pos <= 4 and _ENUMERATOR.fullmatch(text, pos, stop):
            continue  # "1." or "(a)" opening a list item belongs to its sentence
        spans.append((pos, stop))
        pos = match.end()
    if pos < end:
        spans.append(_strip(text, pos, end))
    return spans


def split_long(
    text: str, start: int, end: int, *, max_words: int = MAX_WORDS
) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of at most ``max_words`` words, of even length,
    each cut at a word boundary (after a comma or other clause mark when one is near)."""
    words = [m.span() for m in _NONSPACE.finditer(text, start, end)]
    if len(words) <= max_words:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        left = len(words) - i
        size = math.ceil(left / math.ceil(left / max_words))
        cut = i + size
        if cut < len(words):
            for j in range(cut - 1, i + size * 2 // 3 - 1, -1):
                if _CLAUSE_END.search(text, words[j][0], words[j][1]):
                    cut = j + 1
                    break
        pieces.append((words[i][0], words[cut - 1][1]))
        i = cut
    return pieces


def segment(text: str, *, max_words: int = MAX_WORDS) -> list[Passage]:
    """Sentences with offsets into text (text[p.start:p.end] is the sentence, stripped),
    numbered paragraphs (``paragraph`` and ``seq`` count from 0). Never crosses a paragraph
    break; no passage has more than ``max_words`` words."""
    passages: list[Passage] = []
    add = passages.append
    # In clean text a paragraph's words are separated by single spaces: counting spaces then
    # tells a sentence's length without splitting it into words.
    spaces_only = text.count("\n") == 2 * text.count("\n\n") and not _OTHER_SPACE.search(text)
    short = 2 * max_words
    count = text.count
    seq = 0
    for number, (p_start, p_end) in enumerate(paragraphs(text)):
        for start, end in sentences(text, p_start, p_end):
            if end - start <= short or (spaces_only and count(" ", start, end) < max_words):
                add(Passage(seq, start, end, number))
                seq += 1
                continue
            for piece_start, piece_end in split_long(text, start, end, max_words=max_words):
                add(Passage(seq, piece_start, piece_end, number))
                seq += 1
    return passages


#: Characters that close a sentence, and those that may follow the closing mark ('... end."').
_FINAL = ".!?\u2026"
_CLOSERS = "\"'\u201d\u2019\u00bb)]"
#: A "sentence" of more pieces than this is text without punctuation (speech-recognition
#: captions), not one sentence: its pieces are read one by one.
MAX_PIECES = 4


def _closes_sentence(text: str, end: int, start: int) -> bool:
    """Whether ``text[start:end]`` ends with a sentence's final punctuation (closers allowed)."""
    i = end - 1
    while i >= start and text[i] in _CLOSERS:
        i -= 1
    return i >= start and text[i] in _FINAL


def ends_sentence(text: str, passages: Sequence[Passage], i: int) -> bool:
    """Whether passage ``i`` ends its sentence: it is the last, or final punctuation or a line
    break follows it (else the next passage is the next piece of the same sentence)."""
    if i == len(passages) - 1:
        return True
    p = passages[i]
    return "\n" in text[p.end : passages[i + 1].start] or _closes_sentence(text, p.end, p.start)


def sentence_ranges(text: str, passages: Sequence[Passage]) -> list[tuple[int, int]]:
    """For each passage (by index), the indices of the first and last passage of its sentence.

    ``segment`` cuts a sentence longer than ``max_words`` into pieces; those pieces are one
    sentence: no final punctuation and no line break between them. Read from the text alone,
    so it holds for passages stored without paragraph numbers (re-matching).
    """
    ranges: list[tuple[int, int]] = []
    first = 0
    for i in range(len(passages)):
        if not ends_sentence(text, passages, i):
            continue  # the sentence goes on in the next passage
        if i - first < MAX_PIECES:
            ranges.extend([(first, i)] * (i + 1 - first))
        else:
            ranges.extend((j, j) for j in range(first, i + 1))
        first = i + 1
    return ranges
