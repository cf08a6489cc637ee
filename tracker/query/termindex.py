"""Reading the term index (``term_index`` and ``term_indexed``, migration 0007): which statements
it holds, its words, the passages holding given words, and the texts with their passages as the
index saw them. The Any term page (:mod:`tracker.terms`) reads only what these point to.

Every function reads through a connection the caller holds (:func:`~tracker.query.connect`), so
a scan's count, words and texts come from one snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence

from tracker import tokens

#: The ``settings`` key the store counts its writes to the index under (tracker.store).
VERSION_KEY = "term_index_version"
_CHUNK = 500


def term_index_version(conn: sqlite3.Connection) -> str | None:
    """A value every write to the index draws anew (a cache of its words is valid while it is the
    same; "" before the first); None when the database has no index (made before migration
    0007 and not opened for writing since)."""
    if conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'term_indexed'"
    ).fetchone() is None:  # fmt: skip
        return None
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (VERSION_KEY,)).fetchone()
    return row[0] if row else ""


def indexed_among(conn: sqlite3.Connection, ids: Collection[int]) -> set[int]:
    """The statements of ``ids`` whose passages the index holds."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        found.update(r[0] for r in conn.execute(
            f"SELECT statement_id FROM term_indexed WHERE statement_id IN "
            f"({','.join('?' * len(chunk))})", chunk,
        ))  # fmt: skip
    return found


def unindexed_count(conn: sqlite3.Connection) -> int:
    """Statements with a text that the index does not hold (all of them without an index)."""
    if term_index_version(conn) is None:
        return conn.execute("SELECT COUNT(*) FROM statement_texts").fetchone()[0]
    return conn.execute(
        "SELECT COUNT(*) FROM statement_texts t WHERE NOT EXISTS "
        "(SELECT 1 FROM term_indexed i WHERE i.statement_id = t.statement_id)"
    ).fetchone()[0]


def index_words(conn: sqlite3.Connection) -> dict[str, int]:
    """Every token of the index with the number of passages holding it (a token of a passage
    since deleted may remain: an index entry is never taken back, only its statement's mark). A
    word that is no token's (cut by FTS5, in an index made before such tokens were left out) is
    left out: it can match no term."""
    out: dict[str, int] = {}
    for word, n in conn.execute("SELECT term, doc FROM term_words"):
        token = tokens.decode(word)
        if token is not None:
            out[token] = n
    return out


def passages_with(conn: sqlite3.Connection, words: Sequence[str]) -> list[tuple[int, int]]:
    """``(statement id, place)`` of every passage in the index holding one of ``words`` (tokens),
    the place being the passage's rank in its statement by seq."""
    out: list[tuple[int, int]] = []
    words = sorted(set(words))
    for i in range(0, len(words), _CHUNK):
        query = tokens.match_query(words[i : i + _CHUNK])
        out += [tokens.place_of(r[0]) for r in conn.execute(
            "SELECT rowid FROM term_index WHERE term_index MATCH ?", (query,))]  # fmt: skip
    return out


def indexed_texts(
    conn: sqlite3.Connection, ids: Sequence[int]
) -> dict[int, tuple[str, list[tuple[int, int, int]]]]:
    """Statement id -> (clean text, its passages ``(seq, start, end)`` as the index read them),
    for the statements of ``ids`` the index holds: what
    :func:`~tracker.query.statements.texts_and_passages` gives, without reading the passages."""
    out: dict[int, tuple[str, list[tuple[int, int, int]]]] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        for sid, text, blob in conn.execute(
            "SELECT t.statement_id, t.clean_text, i.passages FROM statement_texts t "
            "JOIN term_indexed i ON i.statement_id = t.statement_id "
            f"WHERE t.statement_id IN ({','.join('?' * len(chunk))})", chunk,
        ):  # fmt: skip
            out[sid] = (text, tokens.unpack_spans(blob))
    return out
