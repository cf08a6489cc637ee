"""The only writer: schema, named migrations, transactions and the FTS index.

Every statement is written with its passages, matches and per-theme counts in the same
transaction, so a crash or an error never leaves half a statement. Readers (the dashboard,
``tracker.query``) open the file read-only.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from tracker.duplicates import Candidate, DedupPolicy, link
from tracker.errors import StoreError
from tracker.models import Match, Statement

DEFAULT_DB = Path("db") / "tracker.db"

#: Named migrations, applied in order and recorded in the ``migrations`` table.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE statements (
            id INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            raw_hash TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL,
            source_path TEXT NOT NULL,
            reader TEXT NOT NULL,
            source_kind TEXT NOT NULL DEFAULT '',
            source_url TEXT NOT NULL DEFAULT '',
            country TEXT NOT NULL DEFAULT '',
            country_name TEXT NOT NULL DEFAULT '',
            date TEXT NOT NULL DEFAULT '',
            date_precision TEXT NOT NULL DEFAULT '',
            year INTEGER,
            forum TEXT NOT NULL DEFAULT '',
            meeting TEXT NOT NULL DEFAULT '',
            speaker TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT '',
            words INTEGER NOT NULL DEFAULT 0,
            turn INTEGER,
            role TEXT NOT NULL DEFAULT '',
            on_behalf_of TEXT NOT NULL DEFAULT '',
            provenance TEXT NOT NULL DEFAULT '{}',
            flags TEXT NOT NULL DEFAULT '',
            warnings TEXT NOT NULL DEFAULT '',
            duplicate_of INTEGER REFERENCES statements(id),
            similarity REAL,
            codebook_version TEXT NOT NULL DEFAULT '',
            ingested_at TEXT NOT NULL
        );
        CREATE INDEX statements_country ON statements(country);
        CREATE INDEX statements_year ON statements(year);
        CREATE INDEX statements_forum ON statements(forum);
        CREATE INDEX statements_source ON statements(source);
        CREATE INDEX statements_raw_hash ON statements(raw_hash);

        CREATE TABLE statement_texts (
            statement_id INTEGER PRIMARY KEY REFERENCES statements(id),
            raw_text TEXT NOT NULL,
            clean_text TEXT NOT NULL
        );

        CREATE TABLE passages (
            id INTEGER PRIMARY KEY,
            statement_id INTEGER NOT NULL REFERENCES statements(id),
            seq INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            paragraph INTEGER NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX passages_statement ON passages(statement_id, seq);
        CREATE VIRTUAL TABLE passages_fts USING fts5(
            text, content='passages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
        );

        CREATE TABLE matches (
            id INTEGER PRIMARY KEY,
            statement_id INTEGER NOT NULL REFERENCES statements(id),
            passage_id INTEGER REFERENCES passages(id),
            theme TEXT NOT NULL,
            rule TEXT NOT NULL,
            kind TEXT NOT NULL,
            score REAL NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            matched_text TEXT NOT NULL,
            codebook_version TEXT NOT NULL
        );
        CREATE INDEX matches_statement ON matches(statement_id);
        CREATE INDEX matches_theme ON matches(theme, statement_id);

        -- one row per statement and theme with at least one match: what every chart counts
        CREATE TABLE statement_themes (
            statement_id INTEGER NOT NULL REFERENCES statements(id),
            theme TEXT NOT NULL,
            matches INTEGER NOT NULL,
            exact INTEGER NOT NULL DEFAULT 0,
            fuzzy INTEGER NOT NULL DEFAULT 0,
            proximity INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (statement_id, theme)
        ) WITHOUT ROWID;
        CREATE INDEX statement_themes_theme ON statement_themes(theme);

        CREATE TABLE codebooks (
            version TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            path TEXT NOT NULL DEFAULT '',
            loaded_at TEXT NOT NULL
        );
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE ingest_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            arguments TEXT NOT NULL DEFAULT '',
            stored INTEGER NOT NULL DEFAULT 0,
            already_stored INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE ingest_problems (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES ingest_runs(id),
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        """,
    ),
    (
        "0002_not_duplicates",
        """
        -- pairs a researcher marked as different speeches, by content hash so the mark
        -- survives re-ingests
        CREATE TABLE not_duplicates (
            hash_a TEXT NOT NULL,
            hash_b TEXT NOT NULL,
            PRIMARY KEY (hash_a, hash_b)
        );
        CREATE INDEX statements_duplicate_of ON statements(duplicate_of);
        CREATE INDEX statements_country_year ON statements(country, year);
        """,
    ),
    (
        "0003_meeting_records",
        """
        -- turns split from meeting records: the language spoken, the agenda item, and how
        -- faithful the split is (verbatim record, press summary, transcript)
        ALTER TABLE statements ADD COLUMN spoke_in TEXT NOT NULL DEFAULT '';
        ALTER TABLE statements ADD COLUMN agenda TEXT NOT NULL DEFAULT '';
        ALTER TABLE statements ADD COLUMN split_confidence TEXT NOT NULL DEFAULT '';
        ALTER TABLE statements ADD COLUMN document TEXT NOT NULL DEFAULT '';
        CREATE INDEX statements_role ON statements(role);
        """,
    ),
    (
        "0004_stance_semantic",
        """
        -- each match's direction (supports / opposes / reports the theme's position), whether
        -- it makes the theme present, and what decided it (a stance cue, or the exemplar and
        -- words of a semantic match). statement_themes counts only matches that count
        ALTER TABLE matches ADD COLUMN direction TEXT NOT NULL DEFAULT 'supports';
        ALTER TABLE matches ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE matches ADD COLUMN reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE statement_themes ADD COLUMN semantic INTEGER NOT NULL DEFAULT 0;
        """,
    ),
]

_INSERT_MATCH = (
    "INSERT INTO matches (statement_id, passage_id, theme, rule, kind, score, start, "
    '"end", matched_text, codebook_version, direction, counted, reason) '
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_INSERT_THEME = (
    "INSERT INTO statement_themes (statement_id, theme, matches, exact, fuzzy, proximity, "
    "semantic) VALUES (?,?,?,?,?,?,?)"
)
_KIND_COLUMN = {"exact": 1, "fuzzy": 2, "proximity": 3, "semantic": 4}

STATEMENT_COLUMNS = (
    "id", "content_hash", "raw_hash", "source", "source_path", "reader", "source_kind", "source_url",
    "country", "country_name", "date", "date_precision", "year", "forum", "meeting", "speaker",
    "title", "language", "words", "turn", "role", "on_behalf_of", "provenance", "flags",
    "warnings", "codebook_version", "ingested_at", "spoke_in", "agenda", "split_confidence",
    "document",
)  # fmt: skip


def default_db_path() -> Path:
    """``TRACKER_DB`` when set, else ``db/tracker.db`` under the working directory."""
    return Path(os.environ.get("TRACKER_DB") or DEFAULT_DB)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ActiveCodebook:
    version: str
    name: str
    text: str
    path: str


@dataclass(frozen=True)
class StoredText:
    """What re-matching needs of a stored statement."""

    statement_id: int
    language: str
    clean_text: str
    passages: list[tuple[int, int, int, int]]  # (passage id, seq, start, end)


class Store:
    """The tracker's SQLite database. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None, *, readonly: bool = False):
        self.path = Path(path) if path else default_db_path()
        self.readonly = readonly
        self.conn = self._connect()
        self.db = sqlite_utils.Database(self.conn)
        if not readonly:
            self.migrate()

    # -- connection -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            if self.readonly:
                if not self.path.exists():
                    raise StoreError(f"no database at {self.path}: run `tracker ingest` first")
                conn = sqlite3.connect(
                    f"file:{self.path.resolve()}?mode=ro", uri=True, check_same_thread=False
                )
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            return conn
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}{self._why()}") from exc
        except OSError as exc:
            raise StoreError(f"cannot create database folder for {self.path}: {exc}") from exc

    def _why(self) -> str:
        """What a researcher can do about a database that cannot be opened for writing."""
        if self.readonly:
            return ""
        folder = self.path.parent
        if self.path.exists() and not os.access(self.path, os.W_OK):
            return " (the file is read-only: make it writable or pass another --db)"
        if not os.access(folder, os.W_OK):
            return (f" (its folder {folder} is read-only: SQLite must create its journal "
                    "files there; pass a --db in a writable folder)")  # fmt: skip
        return ""

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------
    def applied_migrations(self) -> list[str]:
        if not self._table_exists("migrations"):
            return []
        return [r[0] for r in self.conn.execute("SELECT name FROM migrations ORDER BY name")]

    def migrate(self) -> list[str]:
        """Apply pending migrations, each in its own transaction; return the names applied."""
        done = set(self.applied_migrations())
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            with self._write():
                self.conn.execute(
                    "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
                )
                for statement in _split_sql(sql):
                    self.conn.execute(statement)
                self.conn.execute("INSERT INTO migrations VALUES (?, ?)", (name, now_iso()))
            applied.append(name)
        return applied

    def _table_exists(self, name: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name=?", (name,)
        ).fetchone()
        return row is not None

    # -- transactions -----------------------------------------------------------------------
    def _write(self) -> _Transaction:
        if self.readonly:
            raise StoreError(f"{self.path} is open read-only")
        return _Transaction(self.conn, self.path)

    # -- statements -------------------------------------------------------------------------
    def known_hashes(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT content_hash FROM statements")}

    def known_raw_hashes(self) -> dict[str, str]:
        """Hash of each stored document's raw text -> the source it was stored as."""
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT raw_hash, MIN(source) FROM statements WHERE raw_hash != '' GROUP BY raw_hash"
            )
        }

    def source_of_hash(self, content_hash: str) -> str | None:
        row = self.conn.execute(
            "SELECT source FROM statements WHERE content_hash=?", (content_hash,)
        ).fetchone()
        return row[0] if row else None

    def add_statements(
        self, statements: Sequence[Statement], *, dedupe: DedupPolicy | None = None
    ) -> dict[str, int]:
        """Store whole statements (text, passages, matches, theme counts) in one transaction.

        Statements whose content hash is already stored are left out. With ``dedupe``, each new
        statement is linked to the stored copies of the same speech in the same transaction.
        Returns the new statements' content hashes with their ids.
        """
        ids: dict[str, int] = {}
        with self._write():
            known = self._hashes_among([s.content_hash for s in statements])
            next_statement = self._next_id("statements")
            next_passage = self._next_id("passages")
            stamp = now_iso()
            for st in statements:
                if st.content_hash in known:
                    continue
                known.add(st.content_hash)
                sid = next_statement
                next_statement += 1
                next_passage = self._insert_statement(sid, next_passage, st, stamp)
                ids[st.content_hash] = sid
                if dedupe is not None:
                    self._link_duplicates(sid, st, dedupe)
        return ids

    def _insert_statement(self, sid: int, first_passage: int, st: Statement, stamp: str) -> int:
        """Insert one statement's rows; returns the next free passage id."""
        c = self.conn
        marks = ",".join("?" * len(STATEMENT_COLUMNS))
        c.execute(
            f"INSERT INTO statements ({','.join(STATEMENT_COLUMNS)}) VALUES ({marks})",
            _statement_row(sid, st, stamp),
        )
        c.execute("INSERT INTO statement_texts VALUES (?,?,?)", (sid, st.raw_text, st.clean_text))
        passages = [
            (first_passage + i, sid, p.seq, p.start, p.end, p.paragraph,
             st.clean_text[p.start:p.end])
            for i, p in enumerate(st.passages)
        ]  # fmt: skip
        passage_ids = {p.seq: first_passage + i for i, p in enumerate(st.passages)}
        c.executemany("INSERT INTO passages VALUES (?,?,?,?,?,?,?)", passages)
        c.executemany(
            "INSERT INTO passages_fts(rowid, text) VALUES (?, ?)", ((p[0], p[6]) for p in passages)
        )
        c.executemany(
            _INSERT_MATCH,
            _match_rows(sid, st.matches, passage_ids, st.codebook_version),
        )
        c.executemany(
            _INSERT_THEME, _theme_rows(sid, st.matches)
        )
        return first_passage + len(passages)

    def _hashes_among(self, hashes: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(hashes), 500):
            chunk = hashes[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT content_hash FROM statements WHERE content_hash IN ({marks})", chunk
                )
            )
        return found

    def _next_id(self, table: str) -> int:
        return (self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]) + 1

    # -- duplicates -------------------------------------------------------------------------
    def _candidates(self, country: str, year: int | None, exclude: int) -> list[Candidate]:
        rows = self.conn.execute(
            "SELECT s.id, s.raw_hash, s.country, s.forum, s.year, s.date, s.source_kind, "
            "s.language, t.clean_text, s.duplicate_of FROM statements s "
            "JOIN statement_texts t ON t.statement_id = s.id "
            "WHERE s.country = ? AND s.year = ? AND s.id != ?",
            (country, year, exclude),
        ).fetchall()
        return [Candidate(*r) for r in rows]

    def _not_duplicate_ids(self, content_hash: str) -> set[int]:
        return {
            r[0]
            for r in self.conn.execute(
                "SELECT s.id FROM not_duplicates n JOIN statements s ON s.content_hash = "
                "CASE WHEN n.hash_a = ? THEN n.hash_b ELSE n.hash_a END "
                "WHERE n.hash_a = ? OR n.hash_b = ?",
                (content_hash, content_hash, content_hash),
            )
        }

    def _link_duplicates(self, sid: int, st: Statement, policy: DedupPolicy) -> None:
        country = st.value("country")
        if not country or st.year is None:
            return
        stored = self._candidates(country, st.year, sid)
        if not stored:
            return
        excluded = self._not_duplicate_ids(st.content_hash)
        stored = [c for c in stored if c.id not in excluded]
        new = Candidate(
            sid, st.raw_hash, country, st.value("forum"), st.year, st.value("date"),
            st.value("source_kind"), st.value("language"), st.clean_text,
        )  # fmt: skip
        for member, duplicate_of, sim in link(new, stored, policy):
            self.conn.execute(
                "UPDATE statements SET duplicate_of = ?, similarity = ? WHERE id = ?",
                (duplicate_of, sim, member),
            )

    def mark_not_duplicate(self, id_a: int, id_b: int) -> None:
        """Record that two statements are different speeches (kept across re-ingests)."""
        with self._write():
            rows = dict(
                self.conn.execute(
                    "SELECT id, content_hash FROM statements WHERE id IN (?, ?)", (id_a, id_b)
                ).fetchall()
            )
            missing = [i for i in (id_a, id_b) if i not in rows]
            if missing:
                raise StoreError(f"no statement with id {missing[0]} in {self.path}")
            ha, hb = sorted((rows[id_a], rows[id_b]))
            self.conn.execute("INSERT OR IGNORE INTO not_duplicates VALUES (?, ?)", (ha, hb))
            for this, other in ((id_a, id_b), (id_b, id_a)):
                self.conn.execute(
                    "UPDATE statements SET duplicate_of = NULL, similarity = NULL "
                    "WHERE id = ? AND duplicate_of = ?",
                    (this, other),
                )

    def duplicate_groups(self) -> list[tuple[int, list[tuple[int, float | None]]]]:
        """(canonical id, [(copy id, similarity), ...]) for every speech stored more than once."""
        groups: dict[int, list[tuple[int, float | None]]] = {}
        for sid, canonical, sim in self.conn.execute(
            "SELECT id, duplicate_of, similarity FROM statements WHERE duplicate_of IS NOT NULL "
            "ORDER BY duplicate_of, id"
        ):
            groups.setdefault(canonical, []).append((sid, sim))
        return sorted(groups.items())

    def count_statements(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0]

    # -- re-matching ------------------------------------------------------------------------
    def iter_texts(self, batch: int = 200) -> Iterator[list[StoredText]]:
        """Stored statements with their clean text and passages, in batches, for re-matching."""
        ids = [r[0] for r in self.conn.execute("SELECT id FROM statements ORDER BY id")]
        for i in range(0, len(ids), batch):
            chunk = ids[i : i + batch]
            marks = ",".join("?" * len(chunk))
            texts = {
                sid: (lang, text)
                for sid, lang, text in self.conn.execute(
                    f"SELECT s.id, s.language, t.clean_text FROM statements s "
                    f"JOIN statement_texts t ON t.statement_id = s.id WHERE s.id IN ({marks})",
                    chunk,
                )
            }
            spans: dict[int, list[tuple[int, int, int, int]]] = {sid: [] for sid in chunk}
            for pid, sid, seq, start, end in self.conn.execute(
                f'SELECT id, statement_id, seq, start, "end" FROM passages '
                f"WHERE statement_id IN ({marks}) ORDER BY statement_id, seq",
                chunk,
            ):
                spans[sid].append((pid, seq, start, end))
            yield [
                StoredText(sid, texts[sid][0], texts[sid][1], spans[sid])
                for sid in chunk
                if sid in texts
            ]

    def replace_matches(
        self, results: Iterable[tuple[StoredText, list[Match]]], codebook_version: str
    ) -> int:
        """Replace the matches of the given statements in one transaction; returns matches written."""
        written = 0
        with self._write():
            for stored, found in results:
                sid = stored.statement_id
                passage_ids = {seq: pid for pid, seq, _, _ in stored.passages}
                self.conn.execute("DELETE FROM matches WHERE statement_id=?", (sid,))
                self.conn.execute("DELETE FROM statement_themes WHERE statement_id=?", (sid,))
                rows = _match_rows(sid, found, passage_ids, codebook_version)
                self.conn.executemany(
                    _INSERT_MATCH,
                    rows,
                )
                self.conn.executemany(
                    _INSERT_THEME, _theme_rows(sid, found)
                )
                self.conn.execute(
                    "UPDATE statements SET codebook_version=? WHERE id=?", (codebook_version, sid)
                )
                written += len(rows)
        return written

    # -- codebook ---------------------------------------------------------------------------
    def active_codebook(self) -> ActiveCodebook | None:
        if not self._table_exists("settings"):
            return None
        row = self.conn.execute(
            "SELECT c.version, c.name, c.text, c.path FROM settings s "
            "JOIN codebooks c ON c.version = s.value WHERE s.key = 'active_codebook'"
        ).fetchone()
        return ActiveCodebook(*row) if row else None

    def set_active_codebook(self, version: str, name: str, text: str, path: str = "") -> None:
        with self._write():
            self.conn.execute(
                "INSERT OR IGNORE INTO codebooks VALUES (?,?,?,?,?)",
                (version, name, text, path, now_iso()),
            )
            self.conn.execute(
                "INSERT OR REPLACE INTO settings VALUES ('active_codebook', ?)", (version,)
            )

    def stale_statement_count(self, version: str) -> int:
        """Statements whose matches were made with another codebook version."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM statements WHERE codebook_version != ?", (version,)
        ).fetchone()[0]

    # -- ingest runs ------------------------------------------------------------------------
    def start_run(self, arguments: str) -> int:
        with self._write():
            cur = self.conn.execute(
                "INSERT INTO ingest_runs (started_at, arguments) VALUES (?, ?)",
                (now_iso(), arguments),
            )
            return int(cur.lastrowid)

    def record_problems(self, run_id: int, problems: Iterable[tuple[str, str, str]]) -> None:
        with self._write():
            self.conn.executemany(
                "INSERT INTO ingest_problems (run_id, source, kind, reason) VALUES (?,?,?,?)",
                ((run_id, *p) for p in problems),
            )

    def finish_run(self, run_id: int, *, stored: int, already: int, skipped: int, failed: int):
        with self._write():
            self.conn.execute(
                "UPDATE ingest_runs SET finished_at=?, stored=?, already_stored=?, skipped=?, "
                "failed=? WHERE id=?",
                (now_iso(), stored, already, skipped, failed, run_id),
            )

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; disk errors become StoreError."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

    def __enter__(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot write to {self.path}: {exc}") from exc

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return False
            except sqlite3.Error as err:
                # a failed COMMIT (full disk) may already have rolled back
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(f"cannot write to {self.path}: {err}") from err
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError):
            raise StoreError(f"cannot write to {self.path}: {exc}") from exc
        return False


def _split_sql(sql: str) -> list[str]:
    """Split a migration script into statements (none of ours holds a ';' inside a literal)."""
    parts = []
    for chunk in sql.split(";"):
        lines = [ln for ln in chunk.splitlines() if not ln.strip().startswith("--")]
        text = "\n".join(lines).strip()
        if text:
            parts.append(text)
    return parts


def _statement_row(sid: int, st: Statement, stamp: str) -> tuple:
    provenance = {k: v.origin for k, v in st.metadata.items()}
    values = {
        "id": sid,
        "content_hash": st.content_hash,
        "raw_hash": st.raw_hash,
        "source": st.source,
        "source_path": st.source_path,
        "reader": st.reader,
        "source_kind": st.value("source_kind"),
        "source_url": st.value("source_url"),
        "country": st.value("country"),
        "country_name": st.value("country_name"),
        "date": st.value("date"),
        "date_precision": st.date_precision,
        "year": st.year,
        "forum": st.value("forum"),
        "meeting": st.value("meeting"),
        "speaker": st.value("speaker"),
        "title": st.value("title"),
        "language": st.value("language"),
        "words": st.words,
        "turn": st.turn,
        "role": st.role,
        "on_behalf_of": st.on_behalf_of,
        "provenance": json.dumps(provenance, sort_keys=True),
        "flags": ",".join(st.flags),
        "warnings": "\n".join(st.warnings),
        "codebook_version": st.codebook_version,
        "ingested_at": stamp,
        "spoke_in": st.spoke_in,
        "agenda": st.agenda,
        "split_confidence": st.split_confidence,
        "document": st.document,
    }
    return tuple(values[c] for c in STATEMENT_COLUMNS)


def _match_rows(
    sid: int, found: Sequence[Match], passage_ids: dict[int, int], version: str
) -> list[tuple]:
    return [
        (sid, passage_ids.get(m.passage_seq), m.theme, m.rule, m.kind, float(m.score),
         m.start, m.end, m.matched_text, version, m.direction, int(m.counted), m.reason)
        for m in found
    ]  # fmt: skip


def _theme_rows(sid: int, found: Sequence[Match]) -> list[tuple]:
    """One row per theme present: counted matches only (a directional theme's opposing or
    reporting matches stay in ``matches`` as evidence but do not make it present)."""
    counts: dict[str, list[int]] = {}
    for m in found:
        if not m.counted:
            continue
        c = counts.setdefault(m.theme, [0, 0, 0, 0, 0])
        c[0] += 1
        c[_KIND_COLUMN.get(m.kind, 1)] += 1
    return [(sid, theme, *c) for theme, c in sorted(counts.items())]
