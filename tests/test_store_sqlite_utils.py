"""Issue 12, item 1: the store on sqlite-utils. Every write goes through sqlite-utils; the
database is one sqlite-utils (and Datasette) finds its full-text index in; a database made by an
older version opens, migrates and searches the same; ``db/schema.sql`` is what a fresh database
gets."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sqlite_utils

from tracker import query
from tracker.codebook import load_codebook
from tracker.errors import CodebookError
from tracker.ingest import ingest_paths
from tracker.query import Filters
from tracker.rematch import rematch
from tracker.store import MIGRATIONS, Store, fresh_schema

REPO = Path(__file__).resolve().parents[1]
OLD_DB = REPO / "tests" / "fixtures" / "store" / "tracker-0004.db.gz"
SAMPLE = REPO / "tracker" / "data" / "sample"
SEARCHES = ["climate change", "nuclear", "sovereignty", '"United Nations"', "développement",
            "terror*"]  # fmt: skip
WRITES = ("insert", "update", "delete", "replace", "create", "alter", "drop")
#: sqlite-utils' own feature probes (STRICT, ON CONFLICT) on a throwaway table ``t<32 hex>``.
PROBE = re.compile(r"\bt[0-9a-f]{32}\b")


def old_database(folder: Path, name: str = "old.db") -> Path:
    """A copy of the database the store made before issue 12 (see the fixture's README)."""
    path = folder / name
    with gzip.open(OLD_DB) as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def schema_shape(path: Path) -> dict[str, object]:
    """What a schema means, whatever its DDL's spelling: each table's columns (type, NOT NULL,
    default, key), foreign keys, WITHOUT ROWID, indexes (columns, uniqueness, name unless
    SQLite named it), and the full-text index's definition."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, type, sql FROM sqlite_master WHERE sql IS NOT NULL "
                            "AND name NOT LIKE 'sqlite_%'").fetchall()  # fmt: skip
        virtual = {n for n, t, sql in rows if sql.startswith("CREATE VIRTUAL")}
        shape: dict[str, object] = {}
        for name, kind, sql in rows:
            if any(name.startswith(f"{v}_") for v in virtual) or kind == "index":
                continue
            if name in virtual or kind != "table":
                shape[name] = " ".join(sql.split())
                continue
            indexes = sorted(
                (unique, tuple(c[2] for c in conn.execute(f'PRAGMA index_info("{index}")')),
                 "" if index.startswith("sqlite_") else index)
                for _, index, unique, origin, _ in conn.execute(f'PRAGMA index_list("{name}")')
                if origin != "pk"
            )  # fmt: skip
            shape[name] = {
                "columns": conn.execute(f'PRAGMA table_info("{name}")').fetchall(),
                "foreign keys": sorted(r[2:5] for r in conn.execute(
                    f'PRAGMA foreign_key_list("{name}")')),  # fmt: skip
                "without rowid": "WITHOUT ROWID" in sql.upper(),
                "indexes": [(u, cols) for u, cols, _ in indexes],
                "index names": sorted(n for u, _, n in indexes if not u),
            }
        return shape
    finally:
        conn.close()


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
                for t in ("statements", "statement_texts", "passages", "matches",
                          "statement_themes", "not_duplicates", "ingest_runs")}  # fmt: skip


def test_an_older_database_opens_migrates_and_searches_the_same(tmp_path):
    before = old_database(tmp_path, "before.db")  # left as the older version made it
    path = old_database(tmp_path)
    counts = table_counts(path)
    with Store(path) as store:
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert store.db.table("passages").detect_fts() == "passages_fts"
        assert store.integrity_check() == "ok"
        groups = store.duplicate_groups()
    assert table_counts(path) == counts
    assert groups == [(4, [(2, 0.9979)])]  # the link kept, the pair marked "not duplicates" not
    for text in SEARCHES:
        old = query.search_passages(before, Filters(), text, limit=500)
        new = query.search_passages(path, Filters(), text, limit=500)
        assert new.equals(old), text
    assert len(query.search_passages(path, Filters(), "climate change", limit=500)) > 0
    Store(fresh := tmp_path / "fresh.db").close()
    assert schema_shape(path) == schema_shape(fresh)


def test_statements_added_after_the_migration_are_searchable(tmp_path):
    path = old_database(tmp_path)
    speech = tmp_path / "in" / "BRA_79_2024.txt"
    speech.parent.mkdir()
    with zipfile.ZipFile(SAMPLE / "ungdc" / "UNGDC_sample.zip") as z:
        speech.write_bytes(z.read("UNGDC_sample/Session 79 - 2024/BRA_79_2024.txt"))
    # its codebook's shipped semantic model has changed since that version: ingesting into it
    # is refused until it is re-coded (one database never mixes codebook versions)
    with pytest.raises(CodebookError, match="no longer reads the same"):
        ingest_paths([speech], db=path, workers=1)
    with Store(path) as store:
        rematch(store, load_codebook(), workers=1)
    report = ingest_paths([speech], db=path, workers=1)
    assert report.stored == ["BRA_79_2024.txt"]
    with sqlite3.connect(path) as conn:
        sid, text = conn.execute(
            "SELECT s.id, p.text FROM statements s JOIN passages p ON p.statement_id = s.id "
            "WHERE s.source = 'BRA_79_2024.txt' ORDER BY length(p.text) DESC LIMIT 1"
        ).fetchone()
        (passages,) = conn.execute("SELECT COUNT(*) FROM passages").fetchone()
        (indexed,) = conn.execute("SELECT COUNT(*) FROM passages_fts_docsize").fetchone()
    assert indexed == passages
    words = " ".join(re.findall(r"\w{6,}", text)[:4])
    found = query.search_passages(path, Filters(), words, limit=50)
    assert sid in set(found["statement_id"])


def test_the_schema_file_is_what_a_fresh_database_gets(tmp_path):
    assert (REPO / "db" / "schema.sql").read_text(encoding="utf-8") == fresh_schema()
    # and the file, run as SQL, makes a database of the same shape as the store's own
    made = tmp_path / "from_file.db"
    with sqlite3.connect(made) as conn:
        conn.executescript((REPO / "db" / "schema.sql").read_text(encoding="utf-8"))
    Store(fresh := tmp_path / "fresh.db").close()
    assert schema_shape(made) == schema_shape(fresh)


@pytest.fixture()
def speeches(tmp_path) -> list[Path]:
    """Real speeches of the bundled sample (with its manifest): the delegations' texts of
    Australia, Argentina and Brazil in 2024 and the UNGDC texts of three speeches, two of them
    copies of the delegations' (linked as duplicates)."""
    folder = tmp_path / "ungdc"
    folder.mkdir()
    with zipfile.ZipFile(SAMPLE / "ungdc" / "UNGDC_sample.zip") as z:
        for code in ("AUS", "ARG", "CUB"):
            member = f"UNGDC_sample/Session 79 - 2024/{code}_79_2024.txt"
            (folder / f"{code}_79_2024.txt").write_bytes(z.read(member))
    texts = [SAMPLE / "unga79" / "text" / name for name in ("au_en.txt", "ar_es.txt", "br_pt.txt")]
    return [*texts, folder]


def test_every_write_goes_through_sqlite_utils(speeches, tmp_path):
    """Each data or schema change the connection runs is one sqlite-utils just issued (its
    tracer saw it), from migrating a fresh database to marking a pair as not duplicates."""
    traced: list[str] = []
    written: list[tuple[str, str]] = []  # (statement run, last statement sqlite-utils issued)

    def through_sqlite_utils(sql: str, params: object) -> None:
        traced.append(sql)

    def ran(sql: str) -> None:
        if sql.lstrip().split(" ", 1)[0].lower() in WRITES:
            written.append((sql, traced[-1] if traced else ""))

    class Traced(Store):
        def migrate(self) -> list[str]:  # traced from the first migration on, below
            return []

    store = Traced(tmp_path / "t.db")
    store.conn.set_trace_callback(ran)
    with store.db.tracer(through_sqlite_utils):
        assert Store.migrate(store) == [name for name, _ in MIGRATIONS]
        report = ingest_paths(speeches, db=store, workers=1, manifest=SAMPLE / "manifest.csv")
        assert len(report.stored) == 6
        assert store.duplicate_groups(), "the two copies of a speech are linked"
        rematch(store, workers=1)
        canonical, [(copy, _)] = store.duplicate_groups()[0]
        store.mark_not_duplicate(canonical, copy)
    store.close()
    assert len(written) > 20
    strays = [sql for sql, last in written if _head(sql) != _head(last)
              and not PROBE.search(sql)]  # fmt: skip
    assert strays == []


def _head(sql: str) -> str:
    """The verb and table of a statement (``insert into "matches"``), values left out."""
    return re.split(r"\(|\bvalues\b|\bwhere\b|\bset\b|\bselect\b", " ".join(sql.lower().split()),
                    maxsplit=1)[0].strip()  # fmt: skip


def test_sqlite_utils_cli_counts_the_tables_and_searches_the_passages(speeches, tmp_path):
    db = tmp_path / "tracker.db"
    ingest_paths(speeches, db=db, workers=1, manifest=SAMPLE / "manifest.csv")
    cli = [sys.executable, "-m", "sqlite_utils"]
    tables = subprocess.run([*cli, "tables", str(db), "--counts"], capture_output=True,
                            text=True, timeout=120, check=True)  # fmt: skip
    counts = {t["table"]: t["count"] for t in json.loads(tables.stdout)}
    assert {k: counts[k] for k in ("statements", "passages", "matches")} == {
        k: v for k, v in table_counts(db).items() if k in ("statements", "passages", "matches")
    }
    found = subprocess.run([*cli, "search", str(db), "passages", "climate"],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert found.returncode == 0, found.stderr
    ids = {row["id"] for row in json.loads(found.stdout)}
    with sqlite3.connect(db) as conn:
        ours = {r[0] for r in conn.execute(
            "SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'climate'")}  # fmt: skip
    assert ids and ids == ours
    assert sqlite_utils.Database(db)["passages"].detect_fts() == "passages_fts"
