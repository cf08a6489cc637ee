"""Trends for any term: a word or phrase the researcher types, found with the codebook's fuzzy
tolerance in the statements under the filters, counted per year and country, with its
keyword-in-context rows; and saved as a theme in a new version of the codebook.

The term becomes a one-theme codebook in memory (:func:`term_codebook`) matched by
:class:`tracker.match.Matcher`, so "cyber attack" finds "cyber-attacks" and "cyberattack" as the
codebook's themes do. :func:`scan` reads the database read-only; nothing here writes to it.
:func:`save_theme` writes a new codebook file, never the database.

The term index (``term_index``, built by the store) tells which passages hold each word: a scan
looks there for the words the term's wordings need (:mod:`tracker.prefilter`) and matches only
the sentences around the passages holding them, and reads whole the statements the index lacks.
``scan(..., use_index=False)`` reads every statement whole; both find the same.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, overload

import pandas as pd
import yaml

from tracker import query
from tracker.codebook import DEFAULT_CODEBOOK, Codebook, codebook_from_text, read_yaml
from tracker.codebook_files import SavedCodebook, renamed_if_default, write_codebook
from tracker.errors import CodebookError
from tracker.match import TOKEN, Matcher
from tracker.models import Passage
from tracker.prefilter import Vocabulary, match_around, prefilter
from tracker.query import Filters

TERM_THEME = "term"
#: Words kept on each side of a hit; :meth:`Kwic.with_window` narrows from these.
MAX_WINDOW = 50
DEFAULT_WINDOW = 10
#: Statements scanned at most; above, a deterministic spread sample of this many is scanned.
DEFAULT_CAP = 20_000
MAX_WITHIN = 50
_BATCH = 200
#: Keyword-in-context rows kept per scan: a very common word ("the") has hundreds per statement,
#: and millions of rows with their context would not fit in memory. Counts use every hit; a
#: clicked point or bar reads its own statements again (:func:`kwic_of`).
MAX_KWIC_ROWS = 50_000
_CHARS_PER_WORD = 40  # generous bound for slicing the text around a hit
_AROUND_A_HIT = 1_000  # characters _Words usually reads around a hit for its context
#: A word held by more passages than this is not looked up in the index unless a wording has no
#: rarer one (a statement is then taken to hold it): "the" is in almost every passage.
_COMMON_WORD = 50_000
_BASE_KEYS = ("cutoff", "min_fuzzy_length", "aliases", "not_typos")
_ID = re.compile(r"[a-z][a-z0-9_]*\Z")

Progress = Callable[[int, int], None]


# -- the term --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """What the researcher typed: wordings (any one counts) and, optionally, wordings that must
    stand within ``within`` words of them in the same sentence (a ``near`` rule).

    Wordings use the codebook's phrase syntax: ``(a|b)`` alternatives, ``{alias}``, ``*``.
    """

    phrases: tuple[str, ...]
    near: tuple[str, ...] = ()
    within: int = 10
    language: str = "en"

    def __post_init__(self) -> None:
        if not self.phrases:
            raise ValueError("phrases=(): type a word or phrase to look for")
        if self.near and not 1 <= self.within <= MAX_WITHIN:
            raise ValueError(f"within={self.within!r}: use 1 to {MAX_WITHIN} words")

    @classmethod
    def parse(cls, text: str, *, near: str = "", within: int = 10, language: str = "en") -> Term:
        """A term from typed text: commas separate alternative wordings."""
        return cls(_wordings(text), _wordings(near), int(within), language)

    @property
    def pattern(self) -> str:
        """The term in words: ``cyber attack`` or ``cyber attack within 5 words of state``."""
        text = " / ".join(self.phrases)
        if self.near:
            text += f" within {self.within} words of " + " / ".join(self.near)
        return text

    def rule(self) -> dict[str, Any]:
        """The codebook rule (as YAML data) that finds the term."""
        if self.near:
            near = [list(self.phrases), list(self.near)]
            return {"near": {self.language: near}, "within": self.within}
        return {"phrases": {self.language: list(self.phrases)}}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (a cache key, the page's URL)."""
        return {"phrases": list(self.phrases), "near": list(self.near), "within": self.within,
                "language": self.language}  # fmt: skip


def _wordings(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(p.split()) for p in (text or "").split(",") if p.strip()))


def slug(term: Term) -> str:
    """A theme id made from the term's first wording: ``cyber attack`` -> ``cyber_attack``."""
    words = re.sub(r"[^a-z0-9]+", "_", term.phrases[0].lower()).strip("_")
    return (words if words[:1].isalpha() else f"term_{words}")[:40].strip("_") or "term"


# -- the one-theme codebook --------------------------------------------------------------------


def base_settings(codebook_text: str | None) -> dict[str, Any]:
    """The fuzzy tolerance of a codebook (cutoff, min_fuzzy_length, aliases, not_typos): the
    default codebook's when ``codebook_text`` is None."""
    text = codebook_text if codebook_text is not None else DEFAULT_CODEBOOK.read_text("utf-8")
    return copy.deepcopy(_settings_of(text))


@functools.lru_cache(maxsize=4)
def _settings_of(text: str) -> dict[str, Any]:
    """:func:`base_settings` of one codebook text, parsed once (the whole codebook takes about
    half a second to parse, and every scan and every run of the page asks)."""
    data, _ = read_yaml(text, where="the base codebook")
    if not isinstance(data, dict):
        raise CodebookError("the base codebook is not a mapping: cannot take its settings")
    return {k: data[k] for k in _BASE_KEYS if k in data}


def term_codebook(term: Term, *, codebook_text: str | None = None) -> Codebook:
    """The term as a validated one-theme codebook (theme id ``term``) with the fuzzy tolerance
    of ``codebook_text`` (the active codebook's YAML; the default codebook when None).
    CodebookError when a wording is not valid phrase syntax."""
    data = {"name": "term", **base_settings(codebook_text)}
    theme = {"id": TERM_THEME, "label": term.pattern, "definition": f"the term {term.pattern}",
             "rules": [term.rule()]}  # fmt: skip
    data["themes"] = [theme]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    try:
        return codebook_from_text(text, path="term")
    except CodebookError as exc:
        # the message names a line and a rule of the codebook made here, which the researcher
        # never saw: keep what it says of the wording ("phrase 1 '(' has a '(' without ...")
        said = re.sub(r"\s*\(line \d+\)$", "", str(exc))
        said = re.sub(r"^term: theme 'term', rule \d+, [^:]+: ", "", said)  # "en, group 2: "
        raise CodebookError(f"{said} (wordings are read as the codebook's phrases)") from None


# -- keyword in context ----------------------------------------------------------------------

KWIC_COLUMNS = [
    "statement_id", "country", "country_name", "date", "year", "forum", "speaker", "source",
    "start", "end", "pre", "keyword", "post", "kind", "score",
]  # fmt: skip


@dataclass(frozen=True)
class Kwic:
    """Keyword-in-context rows of a term, as quanteda's ``kwic()``: one row per hit with
    ``pre``/``keyword``/``post`` (``window`` words either side), the statement and its offsets
    (``start``, ``end`` into the clean text)."""

    pattern: str
    window: int
    rows: pd.DataFrame = field(repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def with_window(self, window: int) -> Kwic:
        """The same rows with ``window`` words of context (0 up to the rows' own window)."""
        if not 0 <= window <= self.window:
            raise ValueError(
                f"window={window!r}: these rows hold {self.window} words of context; use 0 to "
                f"{self.window}, or narrow the scan's own rows (up to {MAX_WINDOW})"
            )
        if window == self.window:
            return self
        rows = self.rows.copy()
        rows["pre"] = [last_words(t, window) for t in rows["pre"]]
        rows["post"] = [first_words(t, window) for t in rows["post"]]
        return Kwic(self.pattern, window, rows)

    def subset(self, *, year: int | None = None, country: str | None = None) -> Kwic:
        """The rows of one year and/or one country (a clicked point or bar)."""
        rows = self.rows
        if year is not None:
            rows = rows[rows["year"] == int(year)]
        if country:
            rows = rows[rows["country"] == country]
        return Kwic(self.pattern, self.window, rows.reset_index(drop=True))

    def to_frame(self) -> pd.DataFrame:
        """The rows with the pattern and window as columns (for export)."""
        out = self.rows.copy()
        out["pattern"] = self.pattern
        out["window"] = self.window
        return out


def last_words(text: str, n: int) -> str:
    """The end of ``text`` from its ``n``-th last word (punctuation between words kept)."""
    if n <= 0:
        return ""
    starts = [m.start() for m in TOKEN.finditer(text)]
    return text if len(starts) <= n else text[starts[-n] :]


def first_words(text: str, n: int) -> str:
    """The start of ``text`` up to the end of its ``n``-th word."""
    if n <= 0:
        return ""
    ends = [m.end() for m in TOKEN.finditer(text)]
    return text if len(ends) <= n else text[: ends[n - 1]]


def _context(text: str, start: int, end: int, window: int) -> tuple[str, str, str]:
    """``window`` words before ``start``, the span, ``window`` words after ``end`` (one line)."""
    return _Words(text).context(start, end, window)


#: Text up to its last character that no token holds (tracker.tokens.TOKEN: letters, digits
#: and inner apostrophes): a text cut after it cuts no token.
_UP_TO_A_CUT = re.compile(r"(?s:.*)(?:[^\w'’]|_)")


class _Words:
    """The words around the hits of one text. With ``whole`` the word offsets of the whole text
    are found once for all its hits (a statement with hundreds of them); else each hit reads the
    words near it only (a long statement with a few). Both give the same context."""

    def __init__(self, text: str, *, whole: bool = True) -> None:
        self.text = text
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.whole = whole
        if whole:
            spans = [m.span() for m in TOKEN.finditer(text)]
            self.starts = [a for a, _ in spans]
            self.ends = [b for _, b in spans]

    def context(self, start: int, end: int, window: int) -> tuple[str, str, str]:
        """As :func:`last_words`/:func:`first_words` on the text within ``window`` words'
        generous reach of the span (the same result, without tokenizing the reach again)."""
        text, reach = self.text, window * _CHARS_PER_WORD
        if window <= 0:
            pre_from, post_to = start, end
        elif self.whole:
            pre_from, post_to = self._whole_reach(start, end, window, reach)
        else:
            pre_from = self._pre_from(start, window, reach)
            post_to = self._post_to(end, window, reach)
        pre, post = text[pre_from:start], text[end:post_to]
        return " ".join(pre.split()), " ".join(text[start:end].split()), " ".join(post.split())

    def _whole_reach(self, start: int, end: int, window: int, reach: int) -> tuple[int, int]:
        text = self.text
        before = bisect_left(self.starts, start)  # words starting before the span
        pre_from = max(0, start - reach)
        if before > window:
            pre_from = max(pre_from, self.starts[before - window])
        after = bisect_right(self.ends, end)  # the first word ending after the span
        post_to = min(len(text), end + reach)
        if after + window < len(self.starts) and self.starts[after + window] < end + reach:
            post_to = self.ends[after + window - 1]
        return pre_from, post_to

    def _cut_before(self, pos: int) -> int:
        """The last place at or before ``pos`` where no token runs across (0 at the start)."""
        lo = pos
        while lo > 0:
            lo = max(0, lo - 64)
            last = _UP_TO_A_CUT.match(self.text, lo, pos)
            if last:
                return last.end()
        return 0

    def _pre_from(self, start: int, window: int, reach: int) -> int:
        """:meth:`_whole_reach`'s start, from the words just before ``start``: the ``window``-th
        last word's start when more words come before it and it is within ``reach``, else
        ``start - reach`` (0 at most). The words are counted backwards in the reversed text."""
        span = 8 * window
        while True:
            lo = self._cut_before(max(0, start - span))
            back = self.text[lo:start][::-1]
            skipped = _words_back(window).match(back)
            if skipped:
                more = _TOKEN_BACK.search(back, skipped.end()) or (
                    lo > 0 and TOKEN.search(self.text, 0, lo))  # fmt: skip
                return max(0, start - reach, start - skipped.end() if more else 0)
            if lo == 0 or lo <= start - reach:  # fewer words than window, or the window-th
                return max(0, start - reach)  # last starts before start - reach
            span *= 4

    def _post_to(self, end: int, window: int, reach: int) -> int:
        """:meth:`_whole_reach`'s end, from the words just after ``end``: the ``window``-th
        next word's end when a word follows it within ``reach``, else ``end + reach``."""
        text, far = self.text, min(len(self.text), end + reach)
        first = next((m for m in TOKEN.finditer(text, self._cut_before(end)) if m.end() > end),
                     None)  # fmt: skip
        if first is None:
            return far
        skipped = _words_ahead(window).match(text, first.start())
        if skipped is None:  # fewer than window words after the span
            return far
        following = TOKEN.search(text, skipped.end())
        return skipped.end() if following and following.start() < end + reach else far


#: A word read backwards (in reversed text): TOKEN's words, reversed.
_TOKEN_BACK = re.compile(r"(?:[^\W_]+['’])*[^\W_]+")


@functools.lru_cache(maxsize=8)
def _words_ahead(n: int) -> re.Pattern[str]:
    """``n`` words as TOKEN finds them, with what lies between (matched from a word's start)."""
    return re.compile(rf"(?:[\W_]*+(?>{TOKEN.pattern})){{{n}}}")


@functools.lru_cache(maxsize=8)
def _words_back(n: int) -> re.Pattern[str]:
    """``n`` words of reversed text, from its start."""
    return re.compile(rf"(?:[\W_]*+(?>{_TOKEN_BACK.pattern})){{{n}}}")


# -- scanning the statements -----------------------------------------------------------------

STATEMENT_COLUMNS = ["statement_id", "country", "country_name", "year", "words", "matches"]


@dataclass(frozen=True)
class TermScan:
    """What a scan found: every scanned statement with its number of hits (``statements``),
    the hits as keyword-in-context rows (``kwic``: those of the first statements as listed,
    newest first, up to :data:`MAX_KWIC_ROWS`),
    and how many statements the filters selected (``selected``) against how many were read
    (``scanned``: fewer when capped)."""

    term: Term
    statements: pd.DataFrame
    kwic: Kwic
    selected: int
    scanned: int
    #: the scanned statements' metadata (rows of ``query.SAMPLE_COLUMNS``), for :func:`kwic_of`
    meta: tuple[tuple, ...] = field(default=(), repr=False)

    @property
    def occurrences(self) -> int:
        """Every hit in the scanned statements (``kwic`` may hold fewer)."""
        return int(self.statements["matches"].sum())

    @property
    def kwic_complete(self) -> bool:
        """Whether ``kwic`` holds every hit."""
        return len(self.kwic) == self.occurrences

    @property
    def complete(self) -> bool:
        return self.scanned == self.selected

    @property
    def found(self) -> int:
        """Statements with at least one hit."""
        return int((self.statements["matches"] > 0).sum())


def applied_filters(filters: Filters, term: Term) -> Filters:
    """The filters a scan of ``term`` applies, as its captions and exported files name them:
    those that select statements (countries, groups, forums, years, dates, duplicates, non-state
    speakers, group statements), in the term's language. The theme, match-kind and direction
    filters select the codebook's matches, which a term does not read, and the measure does not
    apply (a term is charted as a share of statements): they are left at their defaults."""
    return replace(filters, themes=(), kinds=(), directions=(), measure="share",
                   languages=(term.language,))  # fmt: skip


def selection_filters(filters: Filters, term: Term) -> Filters | None:
    """The filters a scan applies (:func:`applied_filters`); None when they exclude the term's
    language."""
    if filters.languages and term.language not in filters.languages:
        return None
    return applied_filters(filters, term)


def scan(
    db: str | Path,
    term: Term,
    filters: Filters,
    *,
    codebook_text: str | None = None,
    cap: int = DEFAULT_CAP,
    progress: Progress | None = None,
    use_index: bool = True,
    memo: TermMemo | None = None,
) -> TermScan:
    """Find ``term`` in the statements ``filters`` select (in the term's language), read-only.

    Above ``cap`` statements a deterministic sample spread over the selection is read, and
    ``scanned`` says how many. ``progress(done, total)`` is called after each batch of the
    statements read. With the term index (``use_index``), only the statements that may hold the
    term are read, and of those only the sentences around the words it needs; the statements the
    index lacks are read whole. Without it, every statement is read whole: the same result.
    With a ``memo`` of earlier scans of the term (:class:`TermMemo`), only the statements they
    did not read are read.
    """
    matcher = Matcher(term_codebook(term, codebook_text=codebook_text), semantic=False)
    chosen = selection_filters(filters, term)
    meta: list[tuple] = []
    hits = _Hits()
    selected = 0
    if chosen is not None:
        with query.connect(db) as conn:  # one snapshot: the count, the sample and its texts
            selected, meta = query.statement_sample(conn, chosen, cap=cap)
            meta = _display_order(meta)  # so capped rows are the first ones the list shows
            plan = _plan(conn, db, meta, matcher, term.language, memo) if use_index else None
            _read(conn, meta, matcher, term.language, hits, progress, plan, memo)
    return TermScan(term, _statement_frame(meta, hits.per), _kwic(term, hits.rows), selected,
                    len(meta), tuple(meta))  # fmt: skip


def kwic_of(db: str | Path, result: TermScan, *, year: int | None = None,
            country: str | None = None, codebook_text: str | None = None,
            use_index: bool = True) -> Kwic:  # fmt: skip
    """The keyword-in-context rows of one year and/or country of ``result``: its own rows when
    it kept them all, else read again from those statements alone (a clicked point or bar)."""
    if result.kwic_complete:
        return result.kwic.subset(year=year, country=country)
    meta = [r for r in result.meta
            if (year is None or r[4] == int(year)) and (not country or r[1] == country)]  # fmt: skip
    matcher = Matcher(term_codebook(result.term, codebook_text=codebook_text), semantic=False)
    hits = _Hits()
    with query.connect(db) as conn:
        meta = _display_order(meta)
        plan = _plan(conn, db, meta, matcher, result.term.language) if use_index else None
        _read(conn, meta, matcher, result.term.language, hits, None, plan)
    return _kwic(result.term, hits.rows)


# -- reading through the term index ----------------------------------------------------------


def unindexed(db: str | Path) -> int:
    """Statements the term index lacks (all of them in a database made before it): every scan
    reads them whole until :func:`build_index` adds them."""
    with query.connect(db) as conn:
        return query.unindexed_count(conn)


def build_index(db: str | Path, *, progress: Progress | None = None) -> int:
    """Add the statements the term index lacks, through the store (which first brings a
    database made by an older version up to date); ``progress(done, total)`` after each batch.
    Returns how many were added. :class:`~tracker.errors.StoreError` when the database cannot
    be written (a read-only file or folder)."""
    from tracker.store import Store  # the store is imported by the pages that write only

    with Store(db, existing=True) as store:
        return store.index_terms(progress=progress)


#: Context rows a :class:`TermMemo` keeps, over all its statements.
MEMO_ROWS = MAX_KWIC_ROWS


@dataclass
class TermMemo:
    """What the scans of one term have read on one state of a database, for the next scan of it
    under other filters, which then reads only the statements none of them read: the index's
    answer for the term (the words it needs, the passages holding them), and each statement's
    number of hits with their context rows (up to :data:`MEMO_ROWS` in all; a statement whose
    rows were not kept is read again). Valid for that state of the database and that codebook
    only: the caller keys it on them (the page: the change marker, the term, the codebook). The
    index's answer is kept with the index's version it was read at (``lookup_version``): the
    caller's key is read before the scan's snapshot, and the index may be written in between
    (another session indexing); a scan at another version looks it up again."""

    lookup: tuple | None = None
    lookup_version: str | None = None
    counts: dict[int, int] = field(default_factory=dict)
    rows: dict[int, list[tuple]] = field(default_factory=dict)
    kept: int = 0

    def knows(self, statement_id: int) -> bool:
        """Whether a statement's hits and their rows are here."""
        n = self.counts.get(statement_id)
        return n is not None and (n == 0 or statement_id in self.rows)

    def keep(self, statement_id: int, count: int, rows: list[tuple] | None) -> None:
        self.counts[statement_id] = count
        if rows is not None and self.kept + len(rows) <= MEMO_ROWS:
            self.rows[statement_id] = rows
            self.kept += len(rows)


@dataclass(frozen=True)
class _Plan:
    """What to read of the selected statements: for each one the index holds that may hold the
    term, the places of its passages holding an anchor word (``places``); and the statements the
    index lacks, read whole (``whole``). The others hold no match."""

    places: dict[int, list[int]]
    whole: frozenset[int]

    def wants(self, statement_id: int) -> bool:
        return statement_id in self.places or statement_id in self.whole


#: The index's words of the databases read last: (version, their forms, passages per token).
_WORDS: OrderedDict[str, tuple[str, Vocabulary, dict[str, int]]] = OrderedDict()
_WORDS_KEPT = 4
_WORDS_LOCK = threading.Lock()


def _index_words(conn: Any, db: str | Path, version: str) -> tuple[Vocabulary, dict[str, int]]:
    """The words of the index, kept per database while its version stays the same (the forms of a
    word are computed once in a process, the first time it is seen)."""
    name = str(Path(db).resolve())
    with _WORDS_LOCK:
        kept = _WORDS.get(name)
        if kept is not None:
            _WORDS.move_to_end(name)
            if kept[0] == version:
                return kept[1], kept[2]
    counts = query.index_words(conn)
    vocabulary = Vocabulary(counts)
    with _WORDS_LOCK:
        _WORDS[name] = (version, vocabulary, counts)
        while len(_WORDS) > _WORDS_KEPT:
            _WORDS.popitem(last=False)
    return vocabulary, counts


def _plan(conn: Any, db: str | Path, meta: Sequence[tuple], matcher: Matcher, language: str,
          memo: TermMemo | None = None) -> _Plan | None:  # fmt: skip
    """Which of the statements of ``meta`` to read and where, from the term index; None to
    read them all whole (no index, or a wording that needs no word)."""
    version = query.term_index_version(conn)
    if version is None or not meta:
        return None
    ids = [row[0] for row in meta]
    indexed = query.indexed_among(conn, ids)
    whole = frozenset(ids).difference(indexed)
    if not indexed:
        return None
    lookup = memo.lookup if memo is not None and memo.lookup_version == version else None
    if lookup is None:
        lookup = _look_up(conn, db, version, matcher, language)
        if memo is not None:
            memo.lookup, memo.lookup_version = lookup, version
    needs, anchors, where = lookup
    if needs is None:
        return None
    present: dict[int, set[int]] = {}
    for i, found in where.items():
        for sid, _ in found:
            if sid in indexed:
                present.setdefault(sid, set()).add(i)
    unknown = needs.words - where.keys()  # common words: taken to be there
    maybe = {sid for sid, words in present.items() if needs.possible(words | unknown)}
    places: dict[int, set[int]] = {}
    for i in anchors:
        for sid, place in where[i]:
            if sid in maybe:
                places.setdefault(sid, set()).add(place)
    return _Plan({sid: sorted(p) for sid, p in places.items()}, whole)


def _look_up(conn: Any, db: str | Path, version: str, matcher: Matcher, language: str) -> tuple:
    """The index's answer for the codebook of ``matcher``, whatever the filters: what it needs
    (None when a wording needs no word), the anchor words, and the passages ``(statement id,
    place)`` holding each word looked up (all but the common ones)."""
    vocabulary, counts = _index_words(conn, db, version)
    needs = prefilter(matcher, vocabulary, language)
    if not needs.bounded:
        return None, frozenset(), {}
    passages = {i: sum(counts.get(t, 0) for t in needs.tokens[i]) for i in needs.words}
    anchors = needs.anchors(passages.__getitem__)
    asked = anchors | {i for i, n in passages.items() if n <= _COMMON_WORD}
    return needs, anchors, {i: query.passages_with(conn, sorted(needs.tokens[i])) for i in asked}


def _display_order(meta: Sequence[tuple]) -> list[tuple]:
    """Statements in the order the keyword-in-context list shows them: newest first, then by
    country (the order of :func:`_kwic`), then by id."""
    by_id = sorted(meta, key=lambda r: r[0])
    by_country = sorted(by_id, key=lambda r: r[1] or "")
    return sorted(by_country, key=lambda r: r[3] or "", reverse=True)


@dataclass
class _Hits:
    """What a scan collects: hits per statement (all), and keyword-in-context rows for whole
    statements while they fit in :data:`MAX_KWIC_ROWS` (``full`` after the first that does not;
    a first statement with more keeps its first rows)."""

    per: dict[int, int] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    full: bool = False

    def room_for(self, n: int) -> bool:
        if not self.would_fit(n):
            self.full = True
        return not self.full

    def would_fit(self, n: int) -> bool:
        """Whether a statement's ``n`` rows would be kept (:meth:`room_for` without the note)."""
        return not self.full and not (self.rows and len(self.rows) + n > MAX_KWIC_ROWS)


def _read(conn: Any, meta: Sequence[tuple], matcher: Matcher, language: str, hits: _Hits,
          progress: Progress | None, plan: _Plan | None = None,
          memo: TermMemo | None = None) -> None:  # fmt: skip
    """Scan the statements of ``meta`` a batch at a time into ``hits``, in their order: those
    ``plan`` wants (all without one; the others hold no match), reading only those ``memo``
    does not know (and keeping in it what was read)."""
    for done in range(0, len(meta), _BATCH):
        batch = meta[done : done + _BATCH]
        if plan is not None:
            batch = [row for row in batch if plan.wants(row[0])]
        ids = [row[0] for row in batch if memo is None or not memo.knows(row[0])]
        if not ids:
            texts = {}
        elif plan is None:
            texts = query.texts_and_passages(conn, ids)
        else:
            texts = query.indexed_texts(conn, [i for i in ids if i in plan.places])
            rest = [i for i in ids if i not in texts]
            if rest:
                texts.update(query.texts_and_passages(conn, rest))
        _scan_batch(texts, matcher, batch, language, hits, plan.places if plan else None, memo)
        if progress:
            progress(min(done + _BATCH, len(meta)), len(meta))


def _scan_batch(texts: dict[int, tuple[str, list[tuple[int, int, int]]]], matcher: Matcher,
                batch: Sequence[tuple], language: str, hits: _Hits,
                places: dict[int, list[int]] | None = None,
                memo: TermMemo | None = None) -> None:  # fmt: skip
    """The hits in one batch of statements (rows of ``query.SAMPLE_COLUMNS``): ``memo``'s for
    those it knows, else read from ``texts``; a statement with ``places`` is read around those
    passages only (:func:`tracker.prefilter.match_around`)."""
    for row in batch:
        if memo is not None and memo.knows(row[0]):
            count, rows = memo.counts[row[0]], memo.rows.get(row[0])
        else:
            count, rows = _statement_hits(texts[row[0]], matcher, language, hits,
                                          places.get(row[0]) if places is not None else None)
            if memo is not None:
                memo.keep(row[0], count, rows)
        if not count:
            continue
        hits.per[row[0]] = count
        if not hits.room_for(count) or rows is None:
            continue
        for start, end, pre, keyword, post, kind, score in rows:
            hits.rows.append({
                "statement_id": row[0], "country": row[1], "country_name": row[2],
                "date": row[3], "year": row[4], "forum": row[5], "speaker": row[6],
                "source": row[7], "start": start, "end": end, "pre": pre,
                "keyword": keyword, "post": post, "kind": kind, "score": score,
            })  # fmt: skip


def _statement_hits(read: tuple[str, list[tuple[int, int, int]]], matcher: Matcher,
                    language: str, hits: _Hits,
                    at: list[int] | None) -> tuple[int, list[tuple] | None]:  # fmt: skip
    """One statement's number of hits, and their context rows ``(start, end, pre, keyword,
    post, kind, score)`` when ``hits`` has room for them (else None)."""
    text, spans = read
    if at is None:
        passages = [Passage(seq, start, end, 0) for seq, start, end in spans]
        found = matcher.match(text, passages, language=language)
    else:  # an index entry of a passage since removed points past the end: none there
        found = match_around(matcher, text, _Spans(spans), [p for p in at if p < len(spans)],
                             language=language)  # fmt: skip
    if not found or not hits.would_fit(len(found)):
        return len(found), None
    # a few hits in a long text: read the words around each; many: the whole text once
    words = _Words(text, whole=len(found) * _AROUND_A_HIT > len(text))
    return len(found), [(m.start, m.end, *words.context(m.start, m.end, MAX_WINDOW), m.kind,
                         m.score) for m in found[:MAX_KWIC_ROWS]]  # fmt: skip


class _Spans(Sequence[Passage]):
    """A statement's passages ``(seq, start, end)``, each made a :class:`Passage` when asked:
    a long statement has hundreds, of which a term's sentences are a few."""

    def __init__(self, spans: list[tuple[int, int, int]]) -> None:
        self.spans = spans

    def __len__(self) -> int:
        return len(self.spans)

    @overload
    def __getitem__(self, i: int) -> Passage: ...

    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [Passage(seq, start, end, 0) for seq, start, end in self.spans[i]]
        seq, start, end = self.spans[i]
        return Passage(seq, start, end, 0)


def _statement_frame(meta: list[tuple], per: dict[int, int]) -> pd.DataFrame:
    df = pd.DataFrame(
        [(r[0], r[1], r[2], r[4], r[8], per.get(r[0], 0)) for r in meta],
        columns=STATEMENT_COLUMNS,
    )
    df["year"] = df["year"].astype("Int64")
    return df


def _kwic(term: Term, hits: list[dict]) -> Kwic:
    rows = pd.DataFrame(hits, columns=KWIC_COLUMNS)
    if not rows.empty:
        rows = rows.sort_values(["date", "country", "statement_id", "start"],
                                ascending=[False, True, True, True])  # a statement's hits together
    rows["year"] = rows["year"].astype("Int64")
    return Kwic(term.pattern, MAX_WINDOW, rows.reset_index(drop=True))


# -- counts ----------------------------------------------------------------------------------

COUNT_COLUMNS = ["n", "k", "share", "ci_low", "ci_high", "matches", "words", "rate"]


def counts(result: TermScan, by: Sequence[str] = ("year",)) -> pd.DataFrame:
    """Per ``by`` (``year``, ``country``, or both): statements ``n``, statements with the term
    ``k``, ``share`` with its Wilson 95% interval, hits ``matches`` and their ``rate`` per
    1,000 words. Statements without a year are left out of counts by year."""
    df = result.statements
    by = list(by)
    if "year" in by:
        df = df[df["year"].notna()]
    if df.empty:
        return pd.DataFrame(columns=[*by, *COUNT_COLUMNS])
    df = df.assign(k=(df["matches"] > 0).astype(int))
    out = df.groupby(by, as_index=False).agg(
        n=("statement_id", "size"), k=("k", "sum"), matches=("matches", "sum"),
        words=("words", "sum"),
    )  # fmt: skip
    out["share"] = out["k"] / out["n"]
    low, high = query.wilson(out["k"], out["n"])
    out["ci_low"], out["ci_high"] = low.to_numpy(), high.to_numpy()
    out["rate"] = out["matches"] * 1000 / out["words"].where(out["words"] > 0)
    if "country" in by:
        names = result.statements.drop_duplicates("country").set_index("country")["country_name"]
        out.insert(by.index("country") + 1, "country_name", out["country"].map(names))
    return out[[c for c in out.columns if c in (*by, "country_name")] + COUNT_COLUMNS]


def country_ranking(result: TermScan) -> pd.DataFrame:
    """:func:`counts` per country, ranked by the lower end of the share's 95% interval (a share
    on few statements ranks below the same share on many), then the share; countries with the
    same key share a ``place`` (1, 2, 2, 4) and are marked ``tied``; ``value`` is the share."""
    df = counts(result, ["country"])
    if df.empty:
        return df.assign(value=[], place=[], tied=[])
    df = df.sort_values(["ci_low", "share", "n", "country"], ascending=[False, False, False, True])
    key = pd.Series(list(zip(df["ci_low"].round(12), df["share"].round(12))), index=df.index)
    first: dict[tuple, int] = {}
    for i, k in enumerate(key, 1):
        first.setdefault(k, i)
    df["place"] = key.map(first).astype(int)
    df["tied"] = key.map(key.value_counts()) > 1
    df["value"] = df["share"]
    return df.reset_index(drop=True)


# -- save as a theme -----------------------------------------------------------------------------


def theme_entry(term: Term, *, theme_id: str, label: str, definition: str) -> dict[str, Any]:
    """The term as a codebook theme (YAML data)."""
    if not _ID.match(theme_id or ""):
        raise CodebookError(
            f"theme id {theme_id!r}: use lower-case letters, digits and _, starting with a letter"
        )
    return {"id": theme_id, "label": (label or term.pattern).strip(),
            "definition": (definition or f"uses the term {term.pattern}").strip(),
            "rules": [{"name": "term", **term.rule()}]}  # fmt: skip


def with_theme(codebook_text: str, codebook_path: str, entry: dict, *, folder: Path) -> str:
    """The codebook text with ``entry`` appended to its themes, for a file in ``folder``: the
    original text (comments kept) when its layout allows, else the data written anew.
    A relative ``semantic`` model path is rewritten to stay valid from ``folder``."""
    data = yaml.safe_load(codebook_text)
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise CodebookError("the codebook has no list of themes to add to")
    if entry["id"] in {t.get("id") for t in data["themes"] if isinstance(t, dict)}:
        raise CodebookError(
            f"theme id {entry['id']!r} is already in codebook {data.get('name', '')!r}: "
            "pick another"
        )
    want = {**data, "themes": [*data["themes"], entry]}
    model = data.get("semantic")
    if isinstance(model, str) and model.strip() and not Path(model).is_absolute():
        source = Path(codebook_path).resolve().parent / model
        want["semantic"] = os.path.relpath(source, folder.resolve())
    text = _appended(codebook_text, entry, model, want.get("semantic"))
    if text is None or yaml.safe_load(text) != want:
        text = yaml.safe_dump(want, allow_unicode=True, sort_keys=False, width=100)
    return text


def _appended(text: str, entry: dict, old_model: Any, new_model: Any) -> str | None:
    """``text`` with ``entry`` as the last item of a block ``themes:`` list that ends the file;
    None when the layout is another one."""
    lines = text.rstrip("\n").split("\n")
    at = [i for i, line in enumerate(lines) if re.match(r"themes:\s*(#.*)?$", line)]
    if len(at) != 1 or any(re.match(r"[A-Za-z_]", line) for line in lines[at[0] + 1 :]):
        return None
    item = next((re.match(r"( *)- ", line) for line in lines[at[0] + 1 :]
                 if re.match(r" *- ", line)), None)  # fmt: skip
    indent = item.group(1) if item else "  "
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    lines += ["", *(indent + line for line in block.rstrip("\n").split("\n"))]
    out = "\n".join(lines) + "\n"
    if new_model != old_model:
        out, n = re.subn(r"(?m)^semantic:.*$", f"semantic: {new_model}", out, count=1)
        if n != 1:
            return None
    return out


def save_theme(
    folder: str | Path,
    term: Term,
    *,
    codebook_text: str,
    codebook_path: str,
    theme_id: str,
    label: str = "",
    definition: str = "",
) -> SavedCodebook:
    """Write the codebook with the term as a new theme to ``folder/<name>-<version>.yaml``.

    The new text is validated before anything is written, and written to a temporary file
    renamed into place, so the file is whole or absent. The database is not touched: re-match
    it with :attr:`SavedCodebook.rematch_command`.
    """
    out = Path(folder)
    entry = theme_entry(term, theme_id=theme_id, label=label, definition=definition)
    out.mkdir(parents=True, exist_ok=True)  # a relative model path is checked through it
    text = renamed_if_default(with_theme(codebook_text, codebook_path, entry, folder=out))
    return write_codebook(out, text, draft="new.yaml")
