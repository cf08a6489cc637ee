"""Texts, passages and matches of given statements, for the steps that re-read a coded corpus
(accuracy on gold, the semantic model's training data, codebook suggestions) and the database's
content fingerprint.

Most functions read through a connection the caller holds (a :class:`tracker.store.Store`'s
``conn``, or one from :func:`~tracker.query.connection.connect`), so a caller inside a write
sees its own rows and several reads share one snapshot.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Collection
from pathlib import Path

from tracker.models import Match, Passage
from tracker.query.connection import connect


def statement_sources(conn: sqlite3.Connection) -> list[tuple[int, str, str]]:
    """Every stored statement as ``(id, source, language)``, in id order (copies included)."""
    return conn.execute("SELECT id, source, language FROM statements ORDER BY id").fetchall()


def english_originals(conn: sqlite3.Connection) -> list[int]:
    """Ids of the statements in English (or of no stated language) that are not copies."""
    return [
        r[0] for r in conn.execute(
            "SELECT id FROM statements WHERE duplicate_of IS NULL AND language IN ('en', '') "
            "ORDER BY id"
        )
    ]  # fmt: skip


def statement_place(conn: sqlite3.Connection, statement_id: int) -> tuple[str, str, int | None]:
    """``(source, country, year)`` of a stored statement."""
    row = conn.execute(
        "SELECT source, country, year FROM statements WHERE id=?", (statement_id,)
    ).fetchone()
    return (row[0], row[1], row[2])


def statement_forum_year(conn: sqlite3.Connection, statement_id: int) -> tuple[str, int | None]:
    """``(forum, year)`` of a stored statement."""
    row = conn.execute("SELECT forum, year FROM statements WHERE id=?", (statement_id,)).fetchone()
    return (row[0], row[1])


def statement_text(conn: sqlite3.Connection, statement_id: int) -> tuple[str, str] | None:
    """``(language, clean text)`` of a stored statement (None when it has no text)."""
    row = conn.execute(
        "SELECT s.language, t.clean_text FROM statements s JOIN statement_texts t "
        "ON t.statement_id = s.id WHERE s.id = ?", (statement_id,)
    ).fetchone()  # fmt: skip
    return (row[0], row[1]) if row else None


def passages_of(conn: sqlite3.Connection, statement_id: int) -> list[Passage]:
    """A statement's passages (offsets into its clean text), in order."""
    return [
        Passage(*r) for r in conn.execute(
            'SELECT seq, start, "end", paragraph FROM passages WHERE statement_id=? ORDER BY seq',
            (statement_id,),
        )
    ]  # fmt: skip


def passage_texts(conn: sqlite3.Connection, statement_id: int, first: int, last: int) -> list[str]:
    """The text of a statement's passages ``first``..``last`` (sequence numbers), in order."""
    return [
        r[0] for r in conn.execute(
            "SELECT text FROM passages WHERE statement_id=? AND seq BETWEEN ? AND ? ORDER BY seq",
            (statement_id, first, last),
        )
    ]  # fmt: skip


def last_passage(conn: sqlite3.Connection, statement_id: int) -> int | None:
    """The sequence number of a statement's last passage (None without passages)."""
    return conn.execute(
        "SELECT MAX(seq) FROM passages WHERE statement_id=?", (statement_id,)
    ).fetchone()[0]


def theme_spans(conn: sqlite3.Connection, statement_id: int, theme: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every stored match of ``theme`` in a statement."""
    return conn.execute(
        'SELECT start, "end" FROM matches WHERE statement_id=? AND theme=?', (statement_id, theme)
    ).fetchall()


def counted_rule_passages(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    """``(theme, statement id, passage seq)`` of every counted rule match (no semantic ones),
    in match order."""
    return conn.execute(
        "SELECT m.theme, m.statement_id, p.seq FROM matches m "
        "JOIN passages p ON p.id = m.passage_id "
        "WHERE m.counted = 1 AND m.kind != 'semantic' ORDER BY m.id"
    ).fetchall()


def themes_present(conn: sqlite3.Connection) -> dict[int, set[str]]:
    """Statement id -> the themes found in it (statements without any are absent)."""
    present: dict[int, set[str]] = {}
    for sid, theme in conn.execute("SELECT statement_id, theme FROM statement_themes"):
        present.setdefault(sid, set()).add(theme)
    return present


def stored_matches(conn: sqlite3.Connection, ids: Collection[int]) -> dict[int, list[Match]]:
    """Statement id -> its stored matches (by start), for the statements in ``ids`` (each has a
    list, empty without matches). Before migration 0004 every match supports and counts."""
    out: dict[int, list[Match]] = {sid: [] for sid in ids}
    columns = {r[1] for r in conn.execute("PRAGMA table_info(matches)")}
    stance = "direction, counted, reason" if "direction" in columns else "'supports', 1, ''"
    for sid, theme, rule, kind, score, start, end, text, direction, counted, reason in conn.execute(
        f'SELECT statement_id, theme, rule, kind, score, start, "end", matched_text, {stance} '
        "FROM matches ORDER BY statement_id, start"
    ):
        if sid in out:
            out[sid].append(Match(theme, rule, kind, score, start, end, text, 0, direction,
                                  bool(counted), reason))  # fmt: skip
    return out


#: What, beside its text, decides where a statement is counted: its metadata, the codebook
#: that coded it and the copy it is a duplicate of (by that copy's content, not its row id).
_COUNTED_AS = ("s.country", "s.date", "s.year", "s.forum", "s.language", "s.role",
               "s.on_behalf_of", "s.codebook_version", "COALESCE(d.content_hash, '')")  # fmt: skip


def content_digest(db: str | Path) -> tuple[int, str]:
    """``(statements, sha256 hex digest)`` over each statement's content hash and what decides
    where it is counted (:data:`_COUNTED_AS`), in the order of the content hashes: the same
    statements stored alike give the same digest, whatever the file or the order of ingest,
    and two databases that give different figures from the same texts (other dates, a pair
    marked as different speeches) give different ones."""
    digest = hashlib.sha256()
    count = 0
    with connect(db) as conn:
        rows = conn.execute(
            f"SELECT s.content_hash, {', '.join(_COUNTED_AS)} FROM statements s "
            "LEFT JOIN statements d ON d.id = s.duplicate_of ORDER BY s.content_hash"
        )  # fmt: skip
        for row in rows:
            digest.update(("\t".join("" if v is None else str(v) for v in row) + "\n").encode())
            count += 1
    return count, digest.hexdigest()


def statements_with_passages(
    conn: sqlite3.Connection, ids: Collection[int]
) -> list[tuple[int, str, str, int | None, str, str, list[Passage]]]:
    """(id, source, country, year, language, clean text, passages) of the statements with these
    ids that have a text, read 500 at a time."""
    wanted = sorted(set(ids))
    out = []
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        spans: dict[int, list[Passage]] = {sid: [] for sid in chunk}
        for sid, *passage in conn.execute(
            f'SELECT statement_id, seq, start, "end", paragraph FROM passages '
            f"WHERE statement_id IN ({marks}) ORDER BY statement_id, seq", chunk,
        ):  # fmt: skip
            spans[sid].append(Passage(*passage))
        for sid, source, country, year, language, text in conn.execute(
            "SELECT s.id, s.source, s.country, s.year, s.language, t.clean_text FROM statements s "
            f"JOIN statement_texts t ON t.statement_id = s.id WHERE s.id IN ({marks})", chunk,
        ):  # fmt: skip
            out.append((sid, source, country or "", year, language or "en", text, spans[sid]))
    return out


def canonical_ids_in(conn: sqlite3.Connection, languages: Collection[str]) -> list[int]:
    """Ids of the statements that are no copy of another, in these languages (no language
    counts as English), in id order."""
    langs = sorted(set(languages))
    marks = ",".join("?" * len(langs))
    return [r[0] for r in conn.execute(
        f"SELECT id FROM statements WHERE duplicate_of IS NULL AND COALESCE(NULLIF(language, ''), "
        f"'en') IN ({marks}) ORDER BY id", langs,
    )]  # fmt: skip
