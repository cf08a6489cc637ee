"""Statements one by one: a statement's text, matches and passages; the statement list; and the
tables of `tracker statements`, `tracker duplicates` and `tracker export coding`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tracker.query.codebooks import theme_labels
from tracker.query.connection import connect, frame, has_stance, stance_columns
from tracker.query.filters import Filters, selection, statement_where
from tracker.query.search import printable

@dataclass
class StatementDetail:
    id: int
    metadata: dict
    provenance: dict[str, str]
    text: str
    matches: pd.DataFrame
    passages: pd.DataFrame
    flags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # statements marked as copies of this one


def statement_detail(db: str | Path, statement_id: int) -> StatementDetail | None:
    """A statement's clean text, all its matches (offsets into the text), its passages, its
    metadata with where each value came from, and its source; ``None`` when unknown."""
    with connect(db) as conn:
        cur = conn.execute("SELECT * FROM statements WHERE id = ?", (int(statement_id),))
        row = cur.fetchone()
        if row is None:
            return None
        meta = dict(zip([d[0] for d in cur.description], row))
        text_row = conn.execute(
            "SELECT clean_text FROM statement_texts WHERE statement_id = ?", (int(statement_id),)
        ).fetchone()
        matches = frame(
            conn,
            'SELECT m.id, m.theme, m.rule, m.kind, m.score, m.start, m."end", m.matched_text, '
            f"m.passage_id, {stance_columns(db)} "
            'FROM matches m WHERE m.statement_id = ? ORDER BY m.start, m."end"',
            (int(statement_id),),
        )
        passages = frame(
            conn,
            'SELECT id, seq, start, "end", paragraph FROM passages WHERE statement_id = ? '
            "ORDER BY seq",
            (int(statement_id),),
        )
        dups = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM statements WHERE duplicate_of = ? ORDER BY id", (int(statement_id),)
            )
        ]
    try:
        provenance = json.loads(meta.get("provenance") or "{}")
    except json.JSONDecodeError:
        provenance = {}
    labels = theme_labels(db)
    if len(matches):
        matches["theme_label"] = matches["theme"].map(lambda t: labels.get(t, t))
    return StatementDetail(
        id=int(statement_id),
        metadata=meta,
        provenance=provenance,
        text=text_row[0] if text_row else "",
        matches=matches,
        passages=passages,
        flags=[f for f in (meta.get("flags") or "").split(",") if f],
        warnings=[w for w in (meta.get("warnings") or "").split("\n") if w],
        duplicates=dups,
    )


def highlight_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> list[tuple[str, str]]:
    """Split ``text`` into ``(piece, theme)`` pieces, theme ``""`` outside matches; overlapping
    spans are merged into the first one's theme. For highlighting without raw HTML."""
    spans = sorted((max(0, s), min(len(text), e), t) for s, e, t in spans if e > s)
    out: list[tuple[str, str]] = []
    pos = 0
    for s, e, t in spans:
        if e <= pos:
            continue
        s = max(s, pos)
        if s > pos:
            out.append((text[pos:s], ""))
        out.append((text[s:e], t))
        pos = e
    if pos < len(text):
        out.append((text[pos:], ""))
    return out


STATEMENT_LIST_COLUMNS = [
    "id", "country", "country_name", "date", "forum", "meeting", "speaker", "language", "words",
    "themes", "source", "duplicate_of",
]  # fmt: skip


def statements_list(
    db: str | Path, filters: Filters, *, search: str = "", limit: int = 500
) -> pd.DataFrame:
    """The selected statements (newest first) with the themes found in each; ``search`` keeps
    those whose source, speaker or country name contains it (plain text, not a pattern)."""
    where, params = selection(db, filters)
    search = printable(search).strip()
    if search:
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where += (
            " AND (s.source LIKE ? ESCAPE '\\' OR s.speaker LIKE ? ESCAPE '\\' "
            "OR s.country_name LIKE ? ESCAPE '\\' OR s.country = ?)"
        )
        params = [*params, like, like, like, search.upper()]
    sql = (
        "SELECT s.id, s.country, s.country_name, s.date, s.forum, s.meeting, s.speaker, "
        "s.language, s.words, (SELECT group_concat(t.theme, ', ') FROM statement_themes t "
        "WHERE t.statement_id = s.id) AS themes, s.source, s.duplicate_of FROM statements s "
        f"WHERE {where} ORDER BY s.date DESC, s.country, s.id LIMIT ?"
    )
    with connect(db) as conn:
        df = frame(conn, sql, [*params, int(limit)])
    if df.empty:
        return pd.DataFrame(columns=STATEMENT_LIST_COLUMNS)
    df["themes"] = df["themes"].fillna("")
    return df[STATEMENT_LIST_COLUMNS]

# -- the coding tables (what `tracker export coding`, `statements` and `duplicates` write) -----

#: The columns of `tracker statements`: a contract researchers script against.
STORED_STATEMENT_COLUMNS = [
    "source", "country", "country_name", "date", "date_precision", "forum", "meeting",
    "speaker", "title", "language", "words", "source_kind", "flags", "duplicate_of",
    "similarity", "role", "on_behalf_of", "source_path", "id",
]  # fmt: skip


def stored_statements(db: str | Path, *, include_duplicates: bool = True) -> pd.DataFrame:
    """One row per stored statement (by id), the columns of `tracker statements`."""
    where = "" if include_duplicates else "WHERE duplicate_of IS NULL"
    with connect(db) as conn:
        table = frame(conn, f"SELECT {', '.join(STORED_STATEMENT_COLUMNS)} FROM statements "
                            f"{where} ORDER BY id")  # fmt: skip
    # an id, empty for most rows: a nullable integer, so a CSV says 2, not 2.0
    table["duplicate_of"] = table["duplicate_of"].astype("Int64")
    return table


def coding_statements(db: str | Path, *, include_duplicates: bool = False) -> pd.DataFrame:
    """The statements of the coding table (by id): id, metadata and length."""
    where = "" if include_duplicates else "WHERE duplicate_of IS NULL"
    with connect(db) as conn:
        table = frame(
            conn,
            "SELECT id AS statement_id, source, country, country_name, date, year, forum, "
            "meeting, speaker, language, words, source_path, duplicate_of "
            f"FROM statements {where} ORDER BY id",
        )
    # whole years, empty where unknown (an undated statement made the column float: "2024.0")
    table["year"] = table["year"].astype("Int64")
    table["duplicate_of"] = table["duplicate_of"].astype("Int64")  # the original's id; empty
    return table


def statement_theme_counts(db: str | Path) -> pd.DataFrame:
    """Per statement and theme with any match: the counted matches (by kind; 0 where every
    match is reported or opposing), the first counted match's text (``first_evidence``) and how
    many matches were kept as evidence without counting (``not_counted``: reported or opposing,
    see the README's "Direction")."""
    if not has_stance(db):  # a database from before directions: every match counted
        sql = (
            "SELECT st.statement_id, st.theme, st.matches, st.exact, st.fuzzy, st.proximity, "
            "0 AS semantic, 0 AS not_counted, (SELECT m.matched_text FROM matches m "
            "WHERE m.statement_id = st.statement_id AND m.theme = st.theme ORDER BY m.start "
            "LIMIT 1) AS first_evidence FROM statement_themes st"
        )
    else:
        sql = (
            "SELECT st.statement_id, st.theme, st.matches, st.exact, st.fuzzy, st.proximity, "
            "st.semantic, (SELECT COUNT(*) FROM matches m WHERE m.statement_id = st.statement_id "
            " AND m.theme = st.theme AND m.counted = 0) AS not_counted, "
            "(SELECT m.matched_text FROM matches m WHERE m.statement_id = st.statement_id "
            " AND m.theme = st.theme AND m.counted = 1 ORDER BY m.start LIMIT 1) AS first_evidence "
            "FROM statement_themes st "
            # pairs whose every match is reported or opposing have no statement_themes row:
            # they come with no counted match and their not_counted
            "UNION ALL SELECT m.statement_id, m.theme, 0, 0, 0, 0, 0, COUNT(*), NULL "
            "FROM matches m WHERE m.counted = 0 AND NOT EXISTS (SELECT 1 FROM statement_themes "
            "st WHERE st.statement_id = m.statement_id AND st.theme = m.theme) "
            "GROUP BY m.statement_id, m.theme"
        )
    with connect(db) as conn:
        return frame(conn, sql)


def duplicate_groups(db: str | Path) -> pd.DataFrame:
    """Every statement in a group of copies of one speech, canonical first within its group."""
    with connect(db) as conn:
        return frame(
            conn,
            "SELECT COALESCE(duplicate_of, id) AS \"group\", id, "
            "CASE WHEN duplicate_of IS NULL THEN 'canonical' ELSE 'copy' END AS role, "
            "similarity, source, country, year, date, forum, source_kind, language, words "
            "FROM statements WHERE duplicate_of IS NOT NULL OR id IN "
            "(SELECT duplicate_of FROM statements WHERE duplicate_of IS NOT NULL) "
            "ORDER BY 1, duplicate_of IS NOT NULL, id",
        )


# -- statements read whole (a term scanned in their text) ---------------------------------------

#: The metadata of each statement :func:`statement_sample` returns, in this order.
SAMPLE_COLUMNS = ("id", "country", "country_name", "date", "year", "forum", "speaker", "source",
                  "words")  # fmt: skip


def statement_sample(
    conn: sqlite3.Connection, filters: Filters, *, cap: int
) -> tuple[int, list[tuple]]:
    """How many statements ``filters`` select (in ``filters.languages``, all when empty) and the
    metadata (:data:`SAMPLE_COLUMNS`) of at most ``cap`` of them: every one by id, or above
    ``cap`` a deterministic sample spread over the selection. ``conn`` is a snapshot from
    :func:`tracker.query.connect`, so the texts read next belong to the same state."""
    where, params = statement_where(filters, filters.languages or ())
    count = f"SELECT COUNT(*) FROM statements s WHERE {where}"
    selected = conn.execute(count, params).fetchone()[0]
    order = "s.id" if selected <= cap else "(s.id * 2654435761) % 4294967296, s.id"
    columns = ", ".join(f"s.{c}" for c in SAMPLE_COLUMNS)
    sql = f"SELECT {columns} FROM statements s WHERE {where} ORDER BY {order} LIMIT ?"
    rows = conn.execute(sql, [*params, int(cap)]).fetchall()
    return selected, rows


def texts_and_passages(
    conn: sqlite3.Connection, ids: Sequence[int]
) -> dict[int, tuple[str, list[tuple[int, int, int]]]]:
    """Statement id -> (clean text, its passages as ``(seq, start, end)`` in order)."""
    marks = ",".join("?" * len(ids))
    texts = dict(conn.execute(
        f"SELECT statement_id, clean_text FROM statement_texts WHERE statement_id IN ({marks})", ids
    ).fetchall())  # fmt: skip
    out: dict[int, tuple[str, list[tuple[int, int, int]]]] = {
        i: (texts.get(i) or "", []) for i in ids
    }
    for sid, seq, start, end in conn.execute(
        f'SELECT statement_id, seq, start, "end" FROM passages WHERE statement_id IN ({marks}) '
        "ORDER BY statement_id, seq",
        list(ids),
    ):
        out[sid][1].append((seq, start, end))
    return out
