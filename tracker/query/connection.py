"""Opening the database for reading: one snapshot per block, errors as :class:`QueryError`,
and what the schema holds (match directions arrived with migration 0004)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from tracker.connect import read_only
from tracker.errors import StoreError


class QueryError(StoreError):
    """A query cannot be answered (no database, a database of another schema)."""



def change_marker(db: str | Path) -> tuple[int, int, int, int]:
    """Changes whenever the database file (or its write-ahead log) changes: a cache key part."""
    path = Path(db)
    marks: list[int] = []
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            st = p.stat()
            marks += [st.st_mtime_ns, st.st_size]
        except OSError:
            marks += [0, 0]
    return tuple(marks)  # type: ignore[return-value]


def database_ready(db: str | Path) -> bool:
    """True when ``db`` exists and holds the tracker's tables."""
    path = Path(db)
    if not path.is_file():
        return False
    try:
        with connect(path) as conn:
            row = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='statement_themes'"
            ).fetchone()
            return row is not None
    except QueryError:
        return False


@contextmanager
def connect(db: str | Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to ``db`` holding one snapshot: every SELECT made through it sees
    the same committed state, even while an ingest commits (so a chart's counts agree).
    :class:`QueryError` when the database is missing or unreadable."""
    path = Path(db)
    if not path.is_file():
        raise QueryError(f"no database at {path}: add statements first (`tracker ingest PATH`)")
    try:
        conn = read_only(path)
    except sqlite3.Error as exc:
        raise QueryError(f"cannot open database {path}: {exc}") from exc
    try:
        conn.execute("BEGIN")  # a read transaction: one snapshot for the whole block
        yield conn
    except sqlite3.DatabaseError as exc:
        raise QueryError(f"cannot read database {path}: {exc}") from exc
    finally:
        conn.close()


def frame(conn: sqlite3.Connection, sql: str, params: Sequence = ()) -> pd.DataFrame:
    """The rows of ``sql`` as a DataFrame with the query's column names."""
    cur = conn.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return pd.DataFrame.from_records(cur.fetchall(), columns=cols)


# -- what the schema holds ---------------------------------------------------------------------

_WITH_STANCE: set[str] = set()  # databases seen migrated (a column is never dropped again)


def has_stance(db: str | Path) -> bool:
    """Whether the database has match directions and semantic counts (migration 0004)."""
    if str(db) in _WITH_STANCE:
        return True
    with connect(db) as conn:
        found = any(r[1] == "direction" for r in conn.execute("PRAGMA table_info(matches)"))
    if found:
        _WITH_STANCE.add(str(db))
    return found


def stance_columns(db: str | Path) -> str:
    """The direction, counted and reason columns of ``matches m`` (constants before 0004)."""
    if has_stance(db):
        return "m.direction, m.counted, m.reason"
    return "'supports' AS direction, 1 AS counted, '' AS reason"
