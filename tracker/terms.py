"""Trends for any term: a word or phrase the researcher types, found with the codebook's fuzzy
tolerance in the statements under the filters, counted per year and country, with its
keyword-in-context rows; and saved as a theme in a new version of the codebook.

The term becomes a one-theme codebook in memory (:func:`term_codebook`) matched by
:class:`tracker.match.Matcher`, so "cyber attack" finds "cyber-attacks" and "cyberattack" as the
codebook's themes do. :func:`scan` reads the database read-only; nothing here writes to it.
:func:`save_theme` writes a new codebook file, never the database.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tracker import query
from tracker.codebook import DEFAULT_CODEBOOK, Codebook, codebook_from_text
from tracker.codebook_files import SavedCodebook, renamed_if_default, write_codebook
from tracker.errors import CodebookError
from tracker.match import TOKEN, Matcher
from tracker.models import Passage
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
    data = yaml.safe_load(text)
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


class _Words:
    """The word offsets of one text, found once for all its hits: a common word has hundreds
    of hits per statement, and tokenizing the text around each one was most of a scan's time."""

    def __init__(self, text: str) -> None:
        self.text = text
        spans = [m.span() for m in TOKEN.finditer(text)]
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def context(self, start: int, end: int, window: int) -> tuple[str, str, str]:
        """As :func:`last_words`/:func:`first_words` on the text within ``window`` words'
        generous reach of the span (the same result, without tokenizing the reach again)."""
        text, reach = self.text, window * _CHARS_PER_WORD
        before = bisect_left(self.starts, start)  # words starting before the span
        pre_from = max(0, start - reach)
        if window <= 0:
            pre_from = start
        elif before > window:
            pre_from = max(pre_from, self.starts[before - window])
        after = bisect_right(self.ends, end)  # the first word ending after the span
        post_to = min(len(text), end + reach)
        if window <= 0:
            post_to = end
        elif after + window < len(self.starts) and self.starts[after + window] < end + reach:
            post_to = self.ends[after + window - 1]
        pre, post = text[pre_from:start], text[end:post_to]
        return " ".join(pre.split()), " ".join(text[start:end].split()), " ".join(post.split())


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


def selection_filters(filters: Filters, term: Term) -> Filters | None:
    """The filters restricted to the term's language; None when they exclude it."""
    if filters.languages and term.language not in filters.languages:
        return None
    return replace(filters, languages=(term.language,))


def scan(
    db: str | Path,
    term: Term,
    filters: Filters,
    *,
    codebook_text: str | None = None,
    cap: int = DEFAULT_CAP,
    progress: Progress | None = None,
) -> TermScan:
    """Find ``term`` in the statements ``filters`` select (in the term's language), read-only.

    Above ``cap`` statements a deterministic sample spread over the selection is read, and
    ``scanned`` says how many. ``progress(done, total)`` is called after each batch.
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
            _read(conn, meta, matcher, term.language, hits, progress)
    return TermScan(term, _statement_frame(meta, hits.per), _kwic(term, hits.rows), selected,
                    len(meta), tuple(meta))  # fmt: skip


def kwic_of(db: str | Path, result: TermScan, *, year: int | None = None,
            country: str | None = None, codebook_text: str | None = None) -> Kwic:
    """The keyword-in-context rows of one year and/or country of ``result``: its own rows when
    it kept them all, else read again from those statements alone (a clicked point or bar)."""
    if result.kwic_complete:
        return result.kwic.subset(year=year, country=country)
    meta = [r for r in result.meta
            if (year is None or r[4] == int(year)) and (not country or r[1] == country)]  # fmt: skip
    matcher = Matcher(term_codebook(result.term, codebook_text=codebook_text), semantic=False)
    hits = _Hits()
    with query.connect(db) as conn:
        _read(conn, _display_order(meta), matcher, result.term.language, hits, None)
    return _kwic(result.term, hits.rows)


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
        if not self.full and self.rows and len(self.rows) + n > MAX_KWIC_ROWS:
            self.full = True
        return not self.full


def _read(conn: Any, meta: Sequence[tuple], matcher: Matcher, language: str, hits: _Hits,
          progress: Progress | None) -> None:  # fmt: skip
    """Scan the statements of ``meta`` a batch at a time into ``hits``."""
    for done in range(0, len(meta), _BATCH):
        batch = meta[done : done + _BATCH]
        texts = query.texts_and_passages(conn, [row[0] for row in batch])
        _scan_batch(texts, matcher, batch, language, hits)
        if progress:
            progress(min(done + _BATCH, len(meta)), len(meta))


def _scan_batch(texts: dict[int, tuple[str, list[tuple[int, int, int]]]], matcher: Matcher,
                batch: Sequence[tuple], language: str, hits: _Hits) -> None:  # fmt: skip
    """The hits in one batch of statements (rows of ``query.SAMPLE_COLUMNS``)."""
    for row in batch:
        text, spans = texts[row[0]]
        passages = [Passage(seq, start, end, 0) for seq, start, end in spans]
        found = matcher.match(text, passages, language=language)
        if not found:
            continue
        hits.per[row[0]] = len(found)
        if not hits.room_for(len(found)):
            continue
        words = _Words(text)
        for m in found[:MAX_KWIC_ROWS]:
            pre, keyword, post = words.context(m.start, m.end, MAX_WINDOW)
            hits.rows.append({
                "statement_id": row[0], "country": row[1], "country_name": row[2],
                "date": row[3], "year": row[4], "forum": row[5], "speaker": row[6],
                "source": row[7], "start": m.start, "end": m.end, "pre": pre,
                "keyword": keyword, "post": post, "kind": m.kind, "score": m.score,
            })  # fmt: skip


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
