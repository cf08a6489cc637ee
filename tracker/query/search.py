"""Evidence and search: the matches behind a number as keyword-in-context rows, their count
(from the same conditions), and full-text search over every passage, each stopped after
``SEARCH_TIME_LIMIT`` seconds when it searches."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from tracker.query.codebooks import theme_labels
from tracker.query.connection import QueryError, connect, frame, has_stance, stance_columns
from tracker.query.filters import Filters, credited_countries, match_where, selection

def printable(text: str) -> str:
    """Control characters (NUL ends a string inside SQLite) as spaces."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)


def fts_query(text: str) -> str:
    """User text as a safe FTS5 query: every word quoted (so ``AND``, ``"``, ``*``, ``:``, ``(``
    are plain text), joined by AND; a trailing ``*`` on a word keeps its prefix search."""
    terms = []
    for raw in printable(text).split():
        prefix = raw.endswith("*") and len(raw.rstrip("*")) > 0
        word = raw.rstrip("*") if prefix else raw
        if not re.search(r"\w", word):
            continue
        terms.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms)


#: Seconds a full-text search may run before it is stopped with :class:`QueryTimeout`: a
#: crafted prefix search (``t* t* t* ...``) otherwise costs seconds per view on a large corpus.
#: The setting is ``tracker.query.SEARCH_TIME_LIMIT`` (read there at each search).
SEARCH_TIME_LIMIT = 5.0


class QueryTimeout(QueryError):
    """A search ran longer than :data:`SEARCH_TIME_LIMIT` and was stopped."""


def search_time_limit() -> float:
    """The package's setting, so ``tracker.query.SEARCH_TIME_LIMIT = 10`` takes effect."""
    import tracker.query

    return float(tracker.query.SEARCH_TIME_LIMIT)


@contextmanager
def _time_limit(conn: sqlite3.Connection, active: bool = True) -> Iterator[None]:
    """Interrupt what runs on ``conn`` inside the block after ``SEARCH_TIME_LIMIT`` seconds."""
    if not active:
        yield
        return
    limit = search_time_limit()
    deadline = time.monotonic() + limit
    # SQLite calls the handler every 10,000 virtual-machine steps; a true answer interrupts
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "interrupted" not in str(exc):
            raise
        raise QueryTimeout(
            f"the search took longer than {limit:g} s and was stopped: use longer words, or "
            "fewer words with a trailing *"
        ) from None
    finally:
        conn.set_progress_handler(None, 0)


EVIDENCE_COLUMNS = [
    "country", "country_name", "date", "year", "theme", "theme_label", "passage", "hl_start",
    "hl_end", "matched_text", "score", "rule", "kind", "statement_id", "passage_id", "match_id",
    "forum", "speaker", "source", "direction", "counted", "reason", "on_behalf_of",
]  # fmt: skip


def evidence(
    db: str | Path,
    filters: Filters,
    *,
    theme: str | None = None,
    year: int | None = None,
    country: str | None = None,
    search: str = "",
    sort: str = "date",
    limit: int = 500,
    offset: int = 0,
) -> pd.DataFrame:
    """Keyword-in-context rows behind a number: one row per match, with its passage and the
    match's offsets *within the passage* (``hl_start``, ``hl_end``), restricted by the filters,
    and optionally one theme, year and country (a clicked point or cell) and a full-text search
    over passages. ``sort``: ``date`` (newest first), ``score``, ``country``."""
    found = _evidence_where(db, filters, theme, year, country, search)
    if found is None:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    conds, params = found
    order = {
        "date": "s.date DESC, s.country, m.start",
        "score": "m.score DESC, s.date DESC",
        "country": "s.country, s.date DESC, m.start",
    }.get(sort, "s.date DESC, s.country, m.start")
    sql = (
        "SELECT s.country, s.country_name, s.date, s.year, m.theme, p.text AS passage, "
        'm.start - p.start AS hl_start, m."end" - p.start AS hl_end, m.matched_text, m.score, '
        "m.rule, m.kind, s.id AS statement_id, m.passage_id, m.id AS match_id, s.forum, "
        f"s.speaker, s.source, {stance_columns(db)}, s.on_behalf_of FROM matches m "
        "JOIN statements s ON s.id = m.statement_id "
        "LEFT JOIN passages p ON p.id = m.passage_id "
        f"WHERE {' AND '.join(conds)} ORDER BY {order} LIMIT ? OFFSET ?"
    )
    with connect(db) as conn, _time_limit(conn, bool(search)):
        df = frame(conn, sql, [*params, int(limit), int(offset)])
        _widen_spilled(conn, df)
    if df.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    labels = theme_labels(db)
    df["theme_label"] = df["theme"].map(lambda t: labels.get(t, t))
    df["year"] = df["year"].astype("Int64")  # an undated row made it float: 2024.0 in every CSV
    df["passage"] = df["passage"].fillna(df["matched_text"])
    length = df["passage"].str.len()
    df["hl_start"] = df["hl_start"].fillna(0).clip(lower=0).astype(int)
    df["hl_start"] = df["hl_start"].where(df["hl_start"] <= length, 0)
    df["hl_end"] = df["hl_end"].fillna(length).clip(upper=length).astype(int)
    df["hl_end"] = df[["hl_start", "hl_end"]].max(axis=1)
    return df[EVIDENCE_COLUMNS]


def _widen_spilled(conn: sqlite3.Connection, df: pd.DataFrame) -> None:
    """A match that runs past the end of its passage (across sentences) gets, as its passage,
    the clean text from its passage's start to the end of the last sentence it reaches."""
    if df.empty:
        return
    length = df["passage"].fillna("").str.len()
    for i in df.index[df["hl_end"].notna() & (df["hl_end"] > length)]:
        row = conn.execute(
            'SELECT substr(t.clean_text, p.start + 1, COALESCE((SELECT MAX(q."end") FROM passages q '
            "WHERE q.statement_id = p.statement_id AND q.start < p.start + ?), p.\"end\") - p.start) "
            "FROM passages p JOIN statement_texts t ON t.statement_id = p.statement_id "
            "WHERE p.id = ?",
            (int(df.at[i, "hl_end"]), int(df.at[i, "passage_id"])),
        ).fetchone()
        if row and row[0]:
            df.at[i, "passage"] = row[0]


def _evidence_where(db, filters: Filters, theme, year, country, search):
    """The conditions shared by :func:`evidence` and :func:`evidence_count` (so the count always
    describes the rows): ``(conditions, params)``, or None when the search holds no word."""
    q = fts_query(search) if search else ""
    if search and not q:
        return None
    where, params = selection(db, filters)
    chosen = replace(filters, themes=(theme,)) if theme else filters
    on_matches, match_params = match_where(chosen, stance=has_stance(db))
    conds, params = [where, *on_matches], [*params, *match_params]
    if year is not None:
        conds.append("s.year = ?")
        params.append(int(year))
    if country:
        credit = credited_countries(filters)
        if credit:  # the statements the country's cell counts (group statements for members)
            conds.append(f"s.id IN (SELECT statement_id FROM ({credit[0]}) WHERE country = ?)")
            params += [*credit[1], country]
        else:
            conds.append("s.country = ?")
            params.append(country)
    if q:
        conds.append("m.passage_id IN (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?)")
        params.append(q)
    return conds, params


def evidence_count(
    db: str | Path, filters: Filters, *, theme=None, year=None, country=None, search=""
) -> int:
    """How many evidence rows :func:`evidence` would return without a limit."""
    return evidence_counts(db, filters, theme=theme, year=year, country=country,
                           search=search)[0]  # fmt: skip


class EvidenceCounts(NamedTuple):
    """The size of an evidence table: its rows (matches), those of them kept without counting
    (reported or opposing), and the statements the counted ones fall in (what a chart's share
    of statements counts)."""

    total: int
    not_counted: int
    statements: int


def evidence_counts(
    db: str | Path, filters: Filters, *, theme=None, year=None, country=None, search=""
) -> EvidenceCounts:
    """The evidence rows :func:`evidence` would return without a limit, how many of them are
    kept without counting (a chart's number counts the others only), and the statements holding
    a counted one, in one read."""
    found = _evidence_where(db, filters, theme, year, country, search)
    if found is None:
        return EvidenceCounts(0, 0, 0)
    conds, params = found
    stance = has_stance(db)
    aside = "COALESCE(SUM(m.counted = 0), 0)" if stance else "0"
    holding = ("COUNT(DISTINCT CASE WHEN m.counted THEN m.statement_id END)" if stance
               else "COUNT(DISTINCT m.statement_id)")  # fmt: skip
    with connect(db) as conn, _time_limit(conn, bool(search)):
        total, not_counted, statements = conn.execute(
            f"SELECT COUNT(*), {aside}, {holding} FROM matches m "
            f"JOIN statements s ON s.id = m.statement_id WHERE {' AND '.join(conds)}",
            params,
        ).fetchone()
    return EvidenceCounts(int(total), int(not_counted), int(statements))


#: Above this many passages holding the words, search results are not ranked by relevance.
RANK_LIMIT = 5000

SEARCH_COLUMNS = [
    "country", "country_name", "date", "year", "passage", "statement_id", "passage_id", "themes",
    "forum", "source",
]  # fmt: skip


def search_passages(
    db: str | Path, filters: Filters, text: str, *, limit: int = 200, offset: int = 0
) -> pd.DataFrame:
    """Full-text search over all passages of the selected statements (matched or not), best
    first (newest first when over ``RANK_LIMIT`` passages hold the words: ``df.attrs["ranked"]``
    says which); ``themes`` lists the themes matched in each passage. User text is escaped."""
    q = fts_query(text)
    if not q:
        return pd.DataFrame(columns=SEARCH_COLUMNS)
    where, params = selection(db, filters)
    sql = (
        "SELECT s.country, s.country_name, s.date, s.year, p.text AS passage, "
        "s.id AS statement_id, p.id AS passage_id, s.forum, s.source "
        "FROM passages_fts f JOIN passages p ON p.id = f.rowid "
        "JOIN statements s ON s.id = p.statement_id "
        f"WHERE passages_fts MATCH ? AND {where} ORDER BY {{order}} LIMIT ? OFFSET ?"
    )
    with connect(db) as conn, _time_limit(conn):
        # ranking (bm25) costs a pass over every hit: for words in thousands of passages the
        # latest passages come first instead
        hits = conn.execute(
            "SELECT COUNT(*) FROM (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? "
            f"LIMIT {RANK_LIMIT + 1})",
            (q,),
        ).fetchone()[0]
        ranked = hits <= RANK_LIMIT
        order = "f.rank" if ranked else "f.rowid DESC"
        df = frame(conn, sql.format(order=order), [q, *params, int(limit), int(offset)])
        if df.empty:
            return pd.DataFrame(columns=SEARCH_COLUMNS)
        # the themes matched in each passage found (through the statements' index)
        sids = sorted({int(x) for x in df["statement_id"]})
        found: dict[int, set[str]] = {}
        for i in range(0, len(sids), 500):
            chunk = sids[i : i + 500]
            for pid, theme in conn.execute(
                f"SELECT passage_id, theme FROM matches WHERE statement_id IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            ):
                found.setdefault(pid, set()).add(theme)
    df["themes"] = [", ".join(sorted(found.get(int(pid), ()))) for pid in df["passage_id"]]
    df.attrs["ranked"] = ranked
    return df[SEARCH_COLUMNS]
