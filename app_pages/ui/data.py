"""The page data: the database, one typed cached function per query (cached on its arguments and
on the database's change marker, so a new ingest invalidates it), and what the pages derive
from them (the options or a stop, the codebook, captions, the fingerprint); and :func:`kept`,
the shared shelf of results too large or too slow for ``st.cache_data`` (term scans, previews)."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import pandas as pd
import streamlit as st

from app_pages.ui.text import display_text, md
from app_pages.ui.url import stop as url_stop
from tracker import charts, export, query
from tracker.connect import default_db_path
from tracker.query import Filters, Side


def db_path() -> Path:
    """The dashboard's database: ``TRACKER_DB``, else ``db/tracker.db``."""
    return default_db_path()


def marker() -> tuple:
    """The database's change marker: part of every cache key, so a new ingest is seen."""
    return query.change_marker(db_path())


# -- one cached function per query ----------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")


def cached(fn: Callable[Concatenate[str, P], R], *, max_entries: int = 64) -> Callable[P, R]:
    """``fn(db, ...)`` as ``f(...)`` on this session's database, with its own ``st.cache_data``
    keyed on the arguments (Streamlit hashes the Filters dataclass field by field) and on the
    database's change marker (a new ingest invalidates it). Same signature, same types."""

    def on_db(db: str, mark: tuple, *args: Any, **kwargs: Any) -> Any:
        return fn(db, *args, **kwargs)

    # Streamlit keys a cache on the function's module, name and source: one name per query
    on_db.__qualname__ = on_db.__name__ = f"cached_{fn.__name__}"
    cache = st.cache_data(max_entries=max_entries, show_spinner=False)(on_db)

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        return cache(str(db_path()), marker(), *args, **kwargs)

    return call


options = cached(query.options, max_entries=8)
codebook_info = cached(query.codebook_info, max_entries=8)
trends = cached(query.trends)
country_theme_matrix = cached(query.country_theme_matrix)
ranking = cached(query.ranking)
evidence = cached(query.evidence)
evidence_count = cached(query.evidence_count)
evidence_counts = cached(query.evidence_counts)
search_passages = cached(query.search_passages, max_entries=32)
statements_list = cached(query.statements_list, max_entries=32)
statement_detail = cached(query.statement_detail)
kind_counts = cached(query.kind_counts, max_entries=32)
left_out = cached(query.left_out)
ingest_history = cached(query.ingest_history, max_entries=8)
_compare = cached(query.compare)
# every page's run checks for a half-finished re-coding: once per change of the database
unfinished_recoding = cached(query.unfinished_recoding, max_entries=8)
_fingerprint = cached(export.database_fingerprint, max_entries=8)


def compare(filters: Filters, a: str, b: str) -> dict[str, pd.DataFrame]:
    """Two sides, as typed (``"CHN"``, ``"group:P5"``, ``"USA,GBR"``), compared."""
    return _compare(filters, Side.parse(a), Side.parse(b))


def fingerprint() -> export.Fingerprint | None:
    """The database's fingerprint (statement count, content hash), cached until it changes."""
    try:
        return _fingerprint()
    except query.QueryError:
        return None


def or_warn(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
    """``fn(*args, **kwargs)``, or a warning and ``None`` when the query cannot be answered (a
    search stopped by its time limit, say)."""
    try:
        return fn(*args, **kwargs)
    except query.QueryError as exc:
        st.warning(md(exc))
        return None


# -- results too large or too slow for st.cache_data -----------------------------------------------

@st.cache_resource
def _shelf(name: str) -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def kept(name: str, key: Hashable, make: Callable[[], R], *, most: int) -> R:
    """``make()``, kept under ``key`` on the shelf ``name``, which every session shares and which
    holds the ``most`` newest results (least recently used dropped first). ``make`` runs outside
    the lock (it may draw a progress bar for minutes); its result is not copied, so it must not
    be changed."""
    shelf, lock = _shelf(name)
    with lock:
        if key in shelf:
            shelf.move_to_end(key)
            return shelf[key]
    value = make()
    with lock:
        shelf[key] = value
        while len(shelf) > most:
            shelf.popitem(last=False)
    return value


@st.cache_data(max_entries=8, show_spinner=False)
def _validation(db: str, mark: tuple, gold: bytes, version: str, name: str):
    import tempfile

    from tracker.coding import validate_coding
    from tracker.errors import GoldError

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gold.tsv"
        path.write_bytes(gold)
        try:
            return validate_coding(db, path, n_boot=300)
        except GoldError as exc:  # name the file the researcher gave, not the temporary copy
            raise GoldError(str(exc).replace(str(path), name)) from None


@st.cache_data(max_entries=4, show_spinner=False)
def _workbench_gold(db: str, mark: tuple) -> tuple[bytes, int]:
    from tracker.errors import GoldError, StoreError
    from tracker.store import Store
    from tracker.workbench import gold as wb_gold

    try:
        with Store(db, readonly=True) as store:
            text = wb_gold.gold_tsv(store)
        return text.encode("utf-8"), wb_gold.open_disagreement_count(db)
    except (GoldError, StoreError):
        return b"", 0


def workbench_gold() -> tuple[bytes, int]:
    """The gold adjudicated in the validation workbench, as the TSV `tracker validate` reads
    (empty when there is none), and the coders' disagreements still open (not in it)."""
    return _workbench_gold(str(db_path()), marker())


def validation_report(gold: bytes, version: str, name: str = "gold labels"):
    """The stored coding against uploaded gold labels (cached on the file and the database);
    errors name the file as ``name``."""
    return _validation(str(db_path()), marker(), gold, version, name)


def require_db() -> query.Options:
    """The filter options, or a helpful message and a stop when there is no usable database."""
    path = db_path()
    if not path.is_file():
        st.warning(
            f"There is no database at `{path}` yet. Add statements on the **Add statements** page, "
            "or build one from the bundled sample with `make sample` (or "
            "`tracker ingest tracker/data/sample --manifest tracker/data/sample/manifest.csv`), "
            "or set `TRACKER_DB` to an existing database."
        )
        url_stop()
    try:
        opts = options()
    except query.QueryError as exc:
        st.error(f"The database cannot be read: {md(exc)}")
        url_stop()
    if opts.statements == 0:
        st.info(
            f"The database at `{path}` holds no statements yet. Add some on the **Add statements** "
            "page or with `tracker ingest PATH`."
        )
        url_stop()
    return opts


def current_filters() -> Filters:
    return st.session_state.get("filters") or Filters()


@st.cache_resource(show_spinner=False)
def shipped_codebook_version() -> str:
    """The version of the default codebook this install ships (read once per server)."""
    from tracker.codebook import load_codebook

    return load_codebook().version


@st.cache_resource(show_spinner=False)
def _unseen_accuracy():
    from tracker.accuracy import load_unseen_accuracy

    return load_unseen_accuracy()  # raises: a failed read is not cached


def unseen_accuracy():
    """The shipped held-out figures (tracker/data/unseen_accuracy.json), None when unreadable
    (the Codebook and method page says why)."""
    from tracker.errors import TrackerError

    try:
        return _unseen_accuracy()
    except TrackerError:
        return None


def codebook() -> query.CodebookInfo | None:
    try:
        return codebook_info()
    except query.QueryError:
        return None


#: Passages the Suggestions panel lists and statements it reads by default: `tracker
#: suggest`'s defaults, so the page and the command give the same list.
SUGGESTIONS, SUGGEST_SAMPLE = 20, 3000


def suggestions(db: str, version: str, text: str, path: str, theme: str, sample: int):
    """`tracker suggest` for one theme: (passages table, candidate phrases table).

    The codebook is read again on every call, before the cache is asked: as `tracker suggest`
    reads it, a model file changed since the coding is refused (the cache, keyed on the
    codebook's text, went on answering from the model it first read)."""
    from tracker.codebook import stored_codebook

    stored_codebook(text, path, version, db)
    # keyed on the database's change marker too, as every cached query: after an ingest under
    # the same codebook the page went on showing the passages of the statements read before
    return _suggestions(db, query.change_marker(db), version, text, path, theme, sample)


@st.cache_data(max_entries=16, show_spinner="Reading passages no rule matches…")
def _suggestions(db: str, mark: tuple, version: str, text: str, path: str, theme: str,
                 sample: int):  # fmt: skip
    from tracker.codebook import stored_codebook
    from tracker.store import Store
    from tracker.suggest import suggest

    book = stored_codebook(text, path, version, db)
    with Store(db, readonly=True) as store:
        found, phrases = suggest(store, book, theme, sample=sample, limit=SUGGESTIONS)
    passages = pd.DataFrame([
        {"probability": round(s.probability, 3), "log-odds": round(s.log_odds, 1),
         "country": s.country, "year": s.year,
         "passage": display_text(s.text), "why": s.reason, "statement": s.statement_id}
        for s in found
    ])  # fmt: skip
    candidates = pd.DataFrame([
        {"phrase": p.phrase, "in top passages": p.passages, "times more frequent": p.lift}
        for p in phrases
    ])  # fmt: skip
    return passages, candidates


def active_codebook_text() -> tuple[str, str] | None:
    """The database's active codebook as (YAML text, path), or None."""
    book = codebook()
    return (book.text, book.path) if book else None


def caption_for(filters: Filters, extra: str = "") -> str:
    book = codebook()
    return charts.caption_text(describe(filters), book.version if book else "", extra)


def describe(filters: Filters) -> str:
    """The filters in words, themes by their labels (not their ids)."""
    try:
        labels = options().theme_labels
    except query.QueryError:
        labels = {}
    return replace(filters, themes=tuple(labels.get(t, t) for t in filters.themes)).describe()
