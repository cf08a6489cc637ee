"""The only writer: schema, named migrations, transactions and the FTS index.

Every write goes through sqlite-utils' Table API (``create``, ``create_index``, ``add_column``,
``enable_fts``, ``insert_all``, ``insert``, ``upsert``, ``update``, ``delete_where``), so the
database is an ordinary sqlite-utils and Datasette database (``docs/datasette.md``). Every
statement is written with its passages, matches and per-theme counts in the same transaction, so a
crash or an error never leaves half a statement. Readers (the dashboard, ``tracker.query``) open
the file read-only.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import SQLITE_MAX_VARS

from tracker import tokens
from tracker.connect import default_db_path, read_only
from tracker.duplicates import Candidate, DedupPolicy, link
from tracker.errors import CodebookChanged, StoreError
from tracker.models import Match, Statement

#: How ``passages_fts`` (sqlite-utils' FTS5 index of ``passages.text``) splits words: accents
#: and case do not matter. The store adds each batch's passages to it in the batch's
#: transaction; after editing passages with another tool, run
#: ``sqlite-utils rebuild-fts db/tracker.db passages``.
FTS_TOKENIZE = "unicode61 remove_diacritics 2"

#: The ``settings`` key whose value every write to ``term_index`` draws anew: a reader's cache of
#: the index's words is valid while it is the same.
TERM_INDEX_VERSION = "term_index_version"

#: Rows per INSERT: as many as SQLite's 999 bound values allow (sqlite-utils caps each table's
#: batch at 999 // its columns), so a batch of statements is a few multi-row INSERTs per table.
INSERT_BATCH = SQLITE_MAX_VARS
#: Statements per write transaction of an ingest: large enough to be fast, small enough that a
#: crash loses little and a reader sees the database grow often.
STATEMENTS_PER_TRANSACTION = 200

#: A column of :func:`_create`: NOT NULL without a default (``REQUIRED``), NULL allowed
#: (``NULLABLE``), or NOT NULL with any other value as its default.
REQUIRED = object()
NULLABLE = None
Column = tuple[str, type, object]


def _create(db: sqlite_utils.Database, name: str, columns: Sequence[Column], *,
            pk: str | tuple[str, ...] = "id", foreign_keys: Sequence[tuple[str, str, str]] = (),
            without_rowid: bool = False) -> None:  # fmt: skip
    """Create a table with sqlite-utils from ``(name, type, default)`` columns."""
    types = {c: t for c, t, _ in columns}
    not_null = {c for c, _, d in columns if d is not NULLABLE}
    defaults = {c: d for c, _, d in columns if d is not REQUIRED and d is not NULLABLE}
    if not without_rowid:
        db.table(name).create(types, pk=pk, foreign_keys=list(foreign_keys), not_null=not_null,
                              defaults=defaults)  # fmt: skip
        return
    # sqlite-utils has no WITHOUT ROWID option: its own CREATE TABLE, with the clause added
    sql = db.create_table_sql(name, types, pk=pk, foreign_keys=list(foreign_keys),
                              not_null=not_null, defaults=defaults)  # fmt: skip
    db.execute(sql.strip().rstrip(";") + " WITHOUT ROWID")


def _indexes(db: sqlite_utils.Database, table: str, *columns: str | tuple[str, ...]) -> None:
    """One index per column (or tuple of columns), named ``<table>_<columns>``."""
    for cols in columns:
        names = (cols,) if isinstance(cols, str) else cols
        _index(db, table, f"{table}_{'_'.join(names)}", *names)


def _index(db: sqlite_utils.Database, table: str, name: str, *columns: str) -> None:
    db.table(table).create_index(list(columns), name)


TEXT = ""  # NOT NULL DEFAULT '': most metadata is text that may be unknown


def _initial(db: sqlite_utils.Database) -> None:
    _create(db, "statements", [
        ("id", int, NULLABLE), ("content_hash", str, REQUIRED), ("raw_hash", str, TEXT),
        ("source", str, REQUIRED), ("source_path", str, REQUIRED), ("reader", str, REQUIRED),
        ("source_kind", str, TEXT), ("source_url", str, TEXT), ("country", str, TEXT),
        ("country_name", str, TEXT), ("date", str, TEXT), ("date_precision", str, TEXT),
        ("year", int, NULLABLE), ("forum", str, TEXT), ("meeting", str, TEXT),
        ("speaker", str, TEXT), ("title", str, TEXT), ("language", str, TEXT),
        ("words", int, 0), ("turn", int, NULLABLE), ("role", str, TEXT),
        ("on_behalf_of", str, TEXT), ("provenance", str, "{}"), ("flags", str, TEXT),
        ("warnings", str, TEXT), ("duplicate_of", int, NULLABLE), ("similarity", float, NULLABLE),
        ("codebook_version", str, TEXT), ("ingested_at", str, REQUIRED),
    ], foreign_keys=[("duplicate_of", "statements", "id")])  # fmt: skip
    db.table("statements").create_index(["content_hash"], "statements_content_hash", unique=True)
    _indexes(db, "statements", "country", "year", "forum", "source", "raw_hash")
    _create(db, "statement_texts", [
        ("statement_id", int, NULLABLE), ("raw_text", str, REQUIRED), ("clean_text", str, REQUIRED),
    ], pk="statement_id", foreign_keys=[("statement_id", "statements", "id")])  # fmt: skip
    _create(db, "passages", [
        ("id", int, NULLABLE), ("statement_id", int, REQUIRED), ("seq", int, REQUIRED),
        ("start", int, REQUIRED), ("end", int, REQUIRED), ("paragraph", int, REQUIRED),
        ("text", str, REQUIRED),
    ], foreign_keys=[("statement_id", "statements", "id")])  # fmt: skip
    _index(db, "passages", "passages_statement", "statement_id", "seq")
    db.table("passages").enable_fts(["text"], tokenize=FTS_TOKENIZE)
    _create(db, "matches", [
        ("id", int, NULLABLE), ("statement_id", int, REQUIRED), ("passage_id", int, NULLABLE),
        ("theme", str, REQUIRED), ("rule", str, REQUIRED), ("kind", str, REQUIRED),
        ("score", float, REQUIRED), ("start", int, REQUIRED), ("end", int, REQUIRED),
        ("matched_text", str, REQUIRED), ("codebook_version", str, REQUIRED),
    ], foreign_keys=[("statement_id", "statements", "id"), ("passage_id", "passages", "id")])
    _index(db, "matches", "matches_statement", "statement_id")
    _index(db, "matches", "matches_theme", "theme", "statement_id")
    # one row per statement and theme with at least one match: what every chart counts,
    # clustered on its key
    _create(db, "statement_themes", [
        ("statement_id", int, REQUIRED), ("theme", str, REQUIRED), ("matches", int, REQUIRED),
        ("exact", int, 0), ("fuzzy", int, 0), ("proximity", int, 0),
    ], pk=("statement_id", "theme"), foreign_keys=[("statement_id", "statements", "id")],
       without_rowid=True)  # fmt: skip
    _indexes(db, "statement_themes", "theme")
    _create(db, "codebooks", [
        ("version", str, NULLABLE), ("name", str, REQUIRED), ("text", str, REQUIRED),
        ("path", str, TEXT), ("loaded_at", str, REQUIRED),
    ], pk="version")  # fmt: skip
    _create(db, "settings", [("key", str, NULLABLE), ("value", str, REQUIRED)], pk="key")
    _create(db, "ingest_runs", [
        ("id", int, NULLABLE), ("started_at", str, REQUIRED), ("finished_at", str, NULLABLE),
        ("arguments", str, TEXT), ("stored", int, 0), ("already_stored", int, 0),
        ("skipped", int, 0), ("failed", int, 0),
    ])  # fmt: skip
    _create(db, "ingest_problems", [
        ("id", int, NULLABLE), ("run_id", int, REQUIRED), ("source", str, REQUIRED),
        ("kind", str, REQUIRED), ("reason", str, REQUIRED),
    ], foreign_keys=[("run_id", "ingest_runs", "id")])  # fmt: skip


def _not_duplicates(db: sqlite_utils.Database) -> None:
    # pairs a researcher marked as different speeches, by content hash so the mark survives
    # re-ingests
    _create(db, "not_duplicates", [("hash_a", str, REQUIRED), ("hash_b", str, REQUIRED)],
            pk=("hash_a", "hash_b"))  # fmt: skip
    _indexes(db, "statements", "duplicate_of", ("country", "year"))


def _meeting_records(db: sqlite_utils.Database) -> None:
    # turns split from meeting records: the language spoken, the agenda item, and how faithful
    # the split is (verbatim record, press summary, transcript)
    for column in ("spoke_in", "agenda", "split_confidence", "document"):
        db.table("statements").add_column(column, str, not_null_default="")
    _indexes(db, "statements", "role")


def _stance_semantic(db: sqlite_utils.Database) -> None:
    # each match's direction (supports / opposes / reports the theme's position), whether it
    # makes the theme present, and what decided it (a stance cue, or the exemplar and words of a
    # semantic match). statement_themes counts only matches that count
    matches = db.table("matches")
    matches.add_column("direction", str, not_null_default="supports")
    matches.add_column("counted", int, not_null_default=1)
    matches.add_column("reason", str, not_null_default="")
    db.table("statement_themes").add_column("semantic", int, not_null_default=0)


def _fts_sqlite_utils(db: sqlite_utils.Database) -> None:
    # sqlite-utils' own FTS5 table (``content="passages"``), which Datasette and `sqlite-utils
    # search` detect; the first version's (``content='passages'``) was invisible to them. An
    # older database's index is made again from its passages, once: the same words, rowids and
    # ranking. No triggers: a trigger per passage made the ingest's writes a third slower
    # (benchmarks/writers.py); the store indexes each batch's passages itself.
    passages = db.table("passages")
    if passages.detect_fts() is None:
        db.table("passages_fts").drop(ignore=True)
    passages.enable_fts(["text"], tokenize=FTS_TOKENIZE, replace=True)


def _run_outcome(db: sqlite_utils.Database) -> None:
    # how an ingest run ended: "finished", "interrupted" (Ctrl-C, kill) or "failed: <error>";
    # before, an interrupted run kept no end and no counts, as if it were still running
    db.table("ingest_runs").add_column("outcome", str, not_null_default="")


def _term_index(db: sqlite_utils.Database) -> None:
    # The words of each passage as the matcher splits them (tracker/tokens.py), so that the Any
    # term page reads only the passages that may hold a term: a contentless FTS5 table of the
    # tokens hex-encoded, rowid = statement id << 24 | the passage's place (its rank by seq),
    # with its row sizes (so it can be scanned: `sqlite-utils tables --counts` counts it); its
    # words with the passages holding each (an fts5vocab table, no storage); and the statements
    # indexed, with their passages' (seq, start, end). Filled by Store.index_terms when the page
    # first needs it (not at ingest, which it would slow by about a sixth). Anything that
    # deletes or changes a text or its passages (another tool included) takes the statement out
    # of term_indexed: it is read whole until indexed again, never judged by words it no longer
    # holds. An index entry is never taken back; one left by a changed passage only makes a
    # scan read a passage more.
    db.execute("CREATE VIRTUAL TABLE term_index USING fts5(tokens, content='', detail=none, "
               "tokenize='ascii')")  # fmt: skip
    db.execute("CREATE VIRTUAL TABLE term_words USING fts5vocab(term_index, 'row')")
    _create(db, "term_indexed", [("statement_id", int, NULLABLE), ("passages", bytes, REQUIRED)],
            pk="statement_id")  # fmt: skip
    for trigger in _TERM_INDEX_TRIGGERS[:6]:
        db.execute(_forget_trigger(*trigger))


def _term_index_replace(db: sqlite_utils.Database) -> None:
    # A text swapped in with INSERT OR REPLACE (sqlite-utils `insert --replace`, Datasette): SQLite
    # deletes the old row without firing DELETE triggers (unless recursive_triggers is on), so
    # 0007's triggers missed it and the index kept the old text's words. Its insert takes the
    # statement out of term_indexed (a new statement's text is not there: nothing to delete).
    db.execute(_forget_trigger(*_TERM_INDEX_TRIGGERS[6]))


#: The triggers that take a statement out of ``term_indexed`` (migrations 0007 and 0008):
#: (name, event, the statement ids to forget).
_TERM_INDEX_TRIGGERS = [
    ("statement_deleted", "DELETE ON statements", "OLD.id"),
    ("text_deleted", "DELETE ON statement_texts", "OLD.statement_id"),
    ("text_changed", "UPDATE ON statement_texts", "OLD.statement_id, NEW.statement_id"),
    ("passage_added", "INSERT ON passages", "NEW.statement_id"),
    ("passage_deleted", "DELETE ON passages", "OLD.statement_id"),
    ("passage_changed", "UPDATE ON passages", "OLD.statement_id, NEW.statement_id"),
    ("text_added", "INSERT ON statement_texts", "NEW.statement_id"),
]


def _forget_trigger(name: str, event: str, ids: str, *, if_missing: bool = False) -> str:
    """The SQL creating one of :data:`_TERM_INDEX_TRIGGERS` (SQLite keeps it without ``IF NOT
    EXISTS``, so the schema is the same either way)."""
    create = "CREATE TRIGGER IF NOT EXISTS" if if_missing else "CREATE TRIGGER"
    return (f"{create} term_indexed_forget_{name} AFTER {event} BEGIN "
            f"DELETE FROM term_indexed WHERE statement_id IN ({ids}); END")  # fmt: skip


def _term_index_triggers(db: sqlite_utils.Database) -> None:
    """Make again the term index's triggers a migration dropped (sqlite-utils' Table.transform
    makes a table anew without its triggers); nothing before migration 0007."""
    if db.table("term_indexed").exists():
        for trigger in _TERM_INDEX_TRIGGERS:
            db.execute(_forget_trigger(*trigger, if_missing=True))


#: Named migrations, applied in order, each in its own transaction, and recorded in the
#: ``migrations`` table. A new one is a function of the sqlite-utils database appended here:
#: ``add_column`` to add a column, ``Table.transform`` to change one (type, constraint, order).
#: ``Table.transform`` makes the table anew and drops its triggers: the store makes the term
#: index's again after the migrations (:func:`_term_index_triggers`); a migration transforming
#: a table with other triggers must make those again itself.
MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("0001_initial", _initial),
    ("0002_not_duplicates", _not_duplicates),
    ("0003_meeting_records", _meeting_records),
    ("0004_stance_semantic", _stance_semantic),
    ("0005_fts_sqlite_utils", _fts_sqlite_utils),
    ("0006_run_outcome", _run_outcome),
    ("0007_term_index", _term_index),
    ("0008_term_index_replace", _term_index_replace),
]

_KIND_COLUMN = {"exact": 1, "fuzzy": 2, "proximity": 3, "semantic": 4}

STATEMENT_COLUMNS = (
    "id", "content_hash", "raw_hash", "source", "source_path", "reader", "source_kind", "source_url",
    "country", "country_name", "date", "date_precision", "year", "forum", "meeting", "speaker",
    "title", "language", "words", "turn", "role", "on_behalf_of", "provenance", "flags",
    "warnings", "codebook_version", "ingested_at", "spoke_in", "agenda", "split_confidence",
    "document",
)  # fmt: skip
TEXT_COLUMNS = ("statement_id", "raw_text", "clean_text")
PASSAGE_COLUMNS = ("id", "statement_id", "seq", "start", "end", "paragraph", "text")
MATCH_COLUMNS = (
    "statement_id", "passage_id", "theme", "rule", "kind", "score", "start", "end",
    "matched_text", "codebook_version", "direction", "counted", "reason",
)  # fmt: skip
THEME_COLUMNS = (
    "statement_id", "theme", "matches", "exact", "fuzzy", "proximity", "semantic"
)  # fmt: skip
#: Ids per ``IN (...)`` list (under SQLite's 999 bound values).
_ID_CHUNK = 500


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


#: Codes a batch of stored statements (a re-match's matcher): each with its matches.
Coder = Callable[[list[StoredText]], list[tuple[StoredText, list[Match]]]]


class Store:
    """The tracker's SQLite database. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None, *, readonly: bool = False,
                 existing: bool = False):  # fmt: skip
        """``existing``: a missing file is an error, not a new database (a mistyped ``--db``
        of a command that only changes what is stored must not create an empty one)."""
        self.path = Path(path) if path else default_db_path()
        self.readonly = readonly
        if existing and not self.path.exists():
            raise StoreError(f"no database at {self.path}: run `tracker ingest` first")
        self.conn = self._connect()
        self.db = sqlite_utils.Database(self.conn, execute_plugins=False)
        if not readonly:
            self.migrate()

    # -- connection -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            if self.readonly:
                if not self.path.exists():
                    raise StoreError(f"no database at {self.path}: run `tracker ingest` first")
                conn = read_only(self.path)
                _refuse_another_programs_database(conn, self.path)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                _refuse_another_programs_database(conn, self.path)  # before WAL changes it
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
        for name, step in MIGRATIONS:
            if name in done:
                continue
            with self._write():
                # read again under the write lock: another process opening the same new or
                # older database may have applied it since the first read
                if name in self.applied_migrations():
                    continue
                migrations = self.db.table("migrations")
                migrations.create({"name": str, "applied_at": str}, pk="name", ignore=True)
                step(self.db)
                migrations.insert({"name": name, "applied_at": now_iso()})
            applied.append(name)
        if applied:
            with self._write():
                _term_index_triggers(self.db)
        return applied

    def schema(self) -> str:
        """The database's schema as SQL, in creation order: tables, indexes, the full-text
        index (not SQLite's own tables nor the full-text index's shadow tables)."""
        rows = self.conn.execute(
            "SELECT name, type, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
        virtual = [n for n, t, sql in rows if t == "table" and sql.startswith("CREATE VIRTUAL")]
        shadow = tuple(f"{v}_" for v in virtual)
        return "".join(f"{sql};\n\n" for name, _, sql in rows if not name.startswith(shadow))

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

    def _insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """``rows`` (tuples in the order of ``columns``) by sqlite-utils' ``insert_all``."""
        if rows:
            records = itertools.chain([list(columns)], rows)
            self.db.table(table).insert_all(records, batch_size=INSERT_BATCH)

    def _index_passages(self, first: int, last: int) -> None:
        """Add passages ``first``..``last`` to ``passages_fts``: sqlite-utils' ``populate_fts``
        for these rows only (it re-reads the whole table, ``rebuild_fts`` rebuilds the index)."""
        self.db.execute(
            'INSERT INTO "passages_fts" (rowid, "text") '
            'SELECT rowid, "text" FROM "passages" WHERE rowid BETWEEN ? AND ?', [first, last]
        )

    def _index_terms(self, items: Iterable[tuple[int, str, Sequence[tuple[int, int, int]]]]) -> int:
        """Add statements to ``term_index`` (the distinct tokens of each passage) and to
        ``term_indexed``, within a write. ``items``: (statement id, clean text, its passages as
        ``(seq, start, end)`` in order of seq; none: the whole text is one, as the matcher reads
        it). Returns the statements indexed."""
        docs: list[tuple[int, str]] = []
        done: list[tuple[int, bytes]] = []
        encoded: dict[str, str] = {}
        for sid, text, spans in items:
            spans = sorted(spans) or [(0, 0, len(text))]
            found = tokens.passage_tokens(text, [(a, b) for _, a, b in spans])
            docs += [(tokens.rowid(sid, place), tokens.index_text(words, encoded))
                     for place, words in enumerate(found) if words]  # fmt: skip
            done.append((sid, tokens.pack_spans(spans)))
        if not done:
            return 0
        self._insert_rows("term_index", ("rowid", "tokens"), docs)
        self.db.table("term_indexed").insert_all(
            itertools.chain([["statement_id", "passages"]], done), batch_size=INSERT_BATCH,
            replace=True,
        )  # fmt: skip
        self.db.table("settings").upsert({"key": TERM_INDEX_VERSION,
                                          "value": secrets.token_hex(8)}, pk="key")  # fmt: skip
        return len(done)

    def index_terms(self, *, progress: Callable[[int, int], None] | None = None,
                    batch: int = STATEMENTS_PER_TRANSACTION) -> int:  # fmt: skip
        """Add the statements ``term_index`` lacks (a database made before it, statements added
        or changed by another tool), ``batch`` statements per transaction; ``progress(done,
        total)`` after each. Returns the statements indexed (the whole UNGDC: about 40 s)."""
        missing = [r[0] for r in self.conn.execute(
            "SELECT t.statement_id FROM statement_texts t WHERE NOT EXISTS (SELECT 1 FROM "
            "term_indexed i WHERE i.statement_id = t.statement_id) ORDER BY t.statement_id"
        )]  # fmt: skip
        indexed = 0
        for n, chunk in enumerate(_chunks(missing, batch)):
            marks = ",".join("?" * len(chunk))
            with self._write():  # read again inside it: another writer may have indexed some
                texts = self.conn.execute(
                    f"SELECT statement_id, clean_text FROM statement_texts WHERE statement_id "
                    f"IN ({marks}) AND NOT EXISTS (SELECT 1 FROM term_indexed i "
                    f"WHERE i.statement_id = statement_texts.statement_id)", chunk,
                ).fetchall()  # fmt: skip
                spans: dict[int, list[tuple[int, int, int]]] = {sid: [] for sid, _ in texts}
                for sid, *span in self.conn.execute(
                    f'SELECT statement_id, seq, start, "end" FROM passages '
                    f"WHERE statement_id IN ({marks}) ORDER BY statement_id, seq", chunk,
                ):  # fmt: skip
                    if sid in spans:
                        spans[sid].append((span[0], span[1], span[2]))
                indexed += self._index_terms((sid, text, spans[sid]) for sid, text in texts)
            if progress:
                progress(min((n + 1) * batch, len(missing)), len(missing))
        return indexed

    # -- statements -------------------------------------------------------------------------
    def known_hashes(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT content_hash FROM statements")}

    def source_kinds(self) -> list[str]:
        """The distinct ``source_kind`` values of the stored statements."""
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT source_kind FROM statements ORDER BY source_kind")]  # fmt: skip

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
        self, statements: Sequence[Statement], *, dedupe: DedupPolicy | None = None,
        run_id: int | None = None,
    ) -> dict[str, int]:  # fmt: skip
        """Store whole statements (text, passages, matches, theme counts) in one transaction.

        Statements whose content hash is already stored are left out. With ``dedupe``, each new
        statement is linked to the stored copies of the same speech in the same transaction.
        With ``run_id``, that ingest run's ``stored`` count grows in the same transaction, so an
        interruption just after the commit cannot leave the run undercounted.
        Returns the new statements' content hashes with their ids.
        """
        ids: dict[str, int] = {}
        with self._write():
            self._check_still_active({s.codebook_version for s in statements} - {""})
            known = self._hashes_among([s.content_hash for s in statements])
            rows = _Rows(self._next_id("statements"), self._next_id("passages"), now_iso())
            for st in statements:
                if st.content_hash not in known:
                    known.add(st.content_hash)
                    ids[st.content_hash] = rows.add(st)
            self._insert_rows("statements", STATEMENT_COLUMNS, rows.statements)
            self._insert_rows("statement_texts", TEXT_COLUMNS, rows.texts)
            if dedupe is not None:
                for sid, st in rows.added:  # in id order, each against the ones before it
                    self._link_duplicates(sid, st, dedupe)
            self._insert_rows("passages", PASSAGE_COLUMNS, rows.passages)
            if rows.passages:
                self._index_passages(rows.passages[0][0], rows.passages[-1][0])
            self._insert_rows("matches", MATCH_COLUMNS, rows.matches)
            self._insert_rows("statement_themes", THEME_COLUMNS, rows.themes)
            if run_id is not None and ids:
                self.db.execute(  # through sqlite-utils, as every write (its tracer sees it)
                    "UPDATE ingest_runs SET stored = stored + ? WHERE id = ?", (len(ids), run_id)
                )
        return ids

    def _check_still_active(self, versions: set[str]) -> None:
        """Inside a write: :class:`CodebookChanged` when statements coded with ``versions``
        would join a database whose active codebook is now another (a re-match or a first
        ingest with another codebook switched it since this ingest chose its codebook)."""
        book = self.active_codebook()
        stale = sorted(v for v in versions if book and v != book.version)
        if book and stale:
            name = f"{book.name} ({book.version})"
            raise CodebookChanged(
                f"{self.path}: the active codebook changed to {name} while this ingest ran (a "
                f"`tracker match`, the dashboard's editor or another ingest switched it); the "
                f"statements this ingest coded with {', '.join(stale)} from then on were not "
                "stored. Run the same ingest again: what it stored is kept (and coded with the "
                "active codebook), the rest is coded with the active codebook"
            )

    def _hashes_among(self, hashes: list[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(hashes):
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
    def _candidates(self, country: str, year: int | None, before: int) -> list[Candidate]:
        """Stored statements of the country and year with ids below ``before``."""
        rows = self.conn.execute(
            "SELECT s.id, s.raw_hash, s.country, s.forum, s.year, s.date, s.source_kind, "
            "s.language, t.clean_text, s.duplicate_of FROM statements s "
            "JOIN statement_texts t ON t.statement_id = s.id "
            "WHERE s.country = ? AND s.year = ? AND s.id < ?",
            (country, year, before),
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
        statements = self.db.table("statements")
        for member, duplicate_of, sim in link(new, stored, policy):
            statements.update(member, {"duplicate_of": duplicate_of, "similarity": sim})

    def mark_not_duplicate(self, id_a: int, id_b: int) -> None:
        """Record that two statements are different speeches (kept across re-ingests)."""
        with self._write():
            rows = {
                sid: (digest, linked)
                for sid, digest, linked in self.conn.execute(
                    "SELECT id, content_hash, duplicate_of FROM statements WHERE id IN (?, ?)",
                    (id_a, id_b),
                )
            }
            missing = [i for i in (id_a, id_b) if i not in rows]
            if missing:
                raise StoreError(f"no statement with id {missing[0]} in {self.path}")
            ha, hb = sorted((rows[id_a][0], rows[id_b][0]))
            self.db.table("not_duplicates").insert({"hash_a": ha, "hash_b": hb}, ignore=True)
            for this, other in ((id_a, id_b), (id_b, id_a)):
                if rows[this][1] == other:
                    self.db.table("statements").update(
                        this, {"duplicate_of": None, "similarity": None}
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
    def iter_texts(
        self, batch: int = 200, ids: Sequence[int] | None = None
    ) -> Iterator[list[StoredText]]:
        """Stored statements (all, or those of ``ids``) with their clean text and passages, in
        batches, for re-matching."""
        if ids is None:
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
        with self._write():
            return self._replace_matches(results, codebook_version)

    def _replace_matches(
        self, results: Iterable[tuple[StoredText, list[Match]]], codebook_version: str
    ) -> int:
        # a statement given twice keeps its last matches, as when each replaced the one before
        latest = {stored.statement_id: (stored, found) for stored, found in results}
        ids = list(latest)
        for chunk in _chunks(ids):
            where = f"statement_id IN ({','.join('?' * len(chunk))})"
            self.db.table("matches").delete_where(where, chunk)
            self.db.table("statement_themes").delete_where(where, chunk)
        match_rows: list[tuple] = []
        theme_rows: list[tuple] = []
        for sid, (stored, found) in latest.items():
            passage_ids = {seq: pid for pid, seq, _, _ in stored.passages}
            match_rows += _match_rows(sid, found, passage_ids, codebook_version)
            theme_rows += _theme_rows(sid, found)
        self._insert_rows("matches", MATCH_COLUMNS, match_rows)
        self._insert_rows("statement_themes", THEME_COLUMNS, theme_rows)
        statements = self.db.table("statements")
        for sid in ids:
            statements.update(sid, {"codebook_version": codebook_version})
        return len(match_rows)

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
            self.db.table("codebooks").insert(
                {"version": version, "name": name, "text": text, "path": path,
                 "loaded_at": now_iso()}, ignore=True,
            )  # fmt: skip
            self.db.table("settings").upsert(
                {"key": "active_codebook", "value": version}, pk="key"
            )

    def activate_codebook(
        self, version: str, name: str, text: str, path: str = "", *, code: Coder,
        held: Sequence[tuple[StoredText, list[Match]]] = (),
    ) -> int:  # fmt: skip
        """The end of a re-match, in one transaction: write the ``held`` matches, code with
        ``code`` the statements still not coded with ``version`` (stored by an ingest while
        the re-match ran), and make the codebook the active one. Holding the write lock, no
        statement of the old codebook can slip in between. Returns the matches written."""
        with self._write():
            written = self._replace_matches(held, version) if held else 0
            stale = self._stale_ids(version)
            for batch in self.iter_texts(ids=stale):
                written += self._replace_matches(code(batch), version)
            self.db.table("codebooks").insert(
                {"version": version, "name": name, "text": text, "path": path,
                 "loaded_at": now_iso()}, ignore=True,
            )  # fmt: skip
            self.db.table("settings").upsert({"key": "active_codebook", "value": version}, pk="key")
        return written

    def stale_ids(self, version: str) -> list[int]:
        """Ids of the statements whose matches were made with another codebook version."""
        return self._stale_ids(version)

    def _stale_ids(self, version: str) -> list[int]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM statements WHERE codebook_version != ? ORDER BY id", (version,)
            )
        ]

    def stale_statement_count(self, version: str) -> int:
        """Statements whose matches were made with another codebook version."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM statements WHERE codebook_version != ?", (version,)
        ).fetchone()[0]

    # -- ingest runs ------------------------------------------------------------------------
    def start_run(self, arguments: str) -> int:
        with self._write():
            runs = self.db.table("ingest_runs")
            runs.insert({"started_at": now_iso(), "arguments": arguments})
        return int(runs.last_pk or 0)  # the new row's id (ids start at 1)

    def record_problems(self, run_id: int, problems: Iterable[tuple[str, str, str]]) -> None:
        with self._write():
            self._insert_rows("ingest_problems", ("run_id", "source", "kind", "reason"),
                              [(run_id, *p) for p in problems])  # fmt: skip

    def finish_run(self, run_id: int, *, already: int, skipped: int, failed: int,
                   outcome: str = "finished", stored: int | None = None):  # fmt: skip
        """The run's end: its counts and how it ended (``finished``, ``interrupted``, or
        ``failed: <error>``). ``stored`` is left as :meth:`add_statements` counted it, batch by
        batch, unless given."""
        end = {"finished_at": now_iso(), "already_stored": already, "skipped": skipped,
               "failed": failed, "outcome": outcome}  # fmt: skip
        if stored is not None:
            end["stored"] = stored
        with self._write():
            self.db.table("ingest_runs").update(run_id, end)

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


SCHEMA_HEADER = """\
-- The schema of a fresh tracker database: what tracker/store.py's migrations make, in order.
-- Generated by `python scripts/schema.py`; do not edit: tests/test_store_sqlite_utils.py
-- checks that it is current.

"""


def fresh_schema() -> str:
    """The schema a fresh database gets from :data:`MIGRATIONS`, as ``db/schema.sql`` holds it."""
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "fresh.db") as store:
        return SCHEMA_HEADER + store.schema()


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

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return
            except sqlite3.Error as err:
                # a failed COMMIT (full disk) may already have rolled back
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(f"cannot write to {self.path}: {err}") from err
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError):
            raise StoreError(f"cannot write to {self.path}: {exc}") from exc


def _refuse_another_programs_database(conn: sqlite3.Connection, path: Path) -> None:
    """A database with tables but none of ours is another program's: adding the tracker's
    tables to it (a mistyped ``--db``) would change a file the researcher did not mean to give.
    A new, empty file, or one of ours (its ``migrations`` table: another process may have just
    made it), is fine. The connection is closed when refused."""
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]  # fmt: skip
    if tables and "migrations" not in tables:
        conn.close()
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5
                                         else "")  # fmt: skip
        raise StoreError(f"{path} is not a position-tracker database: it holds other tables "
                         f"({shown}). Nothing was written to it; pass a new file or a tracker "
                         "database as --db.")  # fmt: skip


@dataclass
class _Rows:
    """The rows of a batch of new statements, table by table, with their ids assigned."""

    next_statement: int
    next_passage: int
    stamp: str
    added: list[tuple[int, Statement]] = field(default_factory=list)
    statements: list[tuple] = field(default_factory=list)
    texts: list[tuple] = field(default_factory=list)
    passages: list[tuple] = field(default_factory=list)
    matches: list[tuple] = field(default_factory=list)
    themes: list[tuple] = field(default_factory=list)

    def add(self, st: Statement) -> int:
        """Add one statement's rows; returns its id."""
        sid, first = self.next_statement, self.next_passage
        self.next_statement += 1
        self.next_passage += len(st.passages)
        self.added.append((sid, st))
        self.statements.append(_statement_row(sid, st, self.stamp))
        self.texts.append((sid, st.raw_text, st.clean_text))
        text = st.clean_text
        self.passages += [
            (first + i, sid, p.seq, p.start, p.end, p.paragraph, text[p.start:p.end])
            for i, p in enumerate(st.passages)
        ]  # fmt: skip
        passage_ids = {p.seq: first + i for i, p in enumerate(st.passages)}
        self.matches += _match_rows(sid, st.matches, passage_ids, st.codebook_version)
        self.themes += _theme_rows(sid, st.matches)
        return sid


def _chunks(items: list, size: int = _ID_CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


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
