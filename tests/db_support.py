"""What the database tests share: a database built once per run (even across xdist workers), the
query tests' database of real statements, and plain SQL on a database file. The fixtures built on
these are in ``conftest.py``; this module holds the functions test modules import."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The bundled sample's 1,065 UNGDC speeches (the crash and fault tests ingest parts of it).
SAMPLE_ZIP = REPO / "tracker" / "data" / "sample" / "ungdc" / "UNGDC_sample.zip"
UNGA79 = ["at_en", "au_en", "kr_en", "sg_en", "za_en", "id_en", "ng_en", "th_en", "lk_en",
          "jm_en", "ad_fr", "cu_es", "br_pt", "ru_ru", "it_it"]  # fmt: skip
UNGDC_COUNTRIES = ("CHN", "USA", "RUS", "FRA", "GBR", "BRA", "ZAF")
UNGDC_YEARS = range(2016, 2025)


def built_once(tmp_path_factory, name: str, build: Callable[[Path], object]) -> Path:
    """The folder ``name`` shared by the run, filled by ``build(folder)`` once per test run,
    whichever xdist worker asks first (a file lock; POSIX only, as the test suite is); the others
    wait for it."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the folder all workers share
    folder = base / name
    folder.mkdir(parents=True, exist_ok=True)
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = folder / "done"
            if not done.exists():
                build(folder)
                done.write_text("ok")
            return folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ungdc_subset(corpus: Path, dest: Path) -> Path:
    """A zip in the UNGDC's own layout holding only the picked countries and years."""
    src = corpus / "ungdc" / "UNGDC_1946-2024.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            base = name.rsplit("/", 1)[-1]
            parts = base[:-4].split("_") if base.endswith(".txt") else []
            if len(parts) == 3 and parts[0] in UNGDC_COUNTRIES and int(parts[2]) in UNGDC_YEARS:
                zout.writestr(name, zin.read(name))
    return dest


def build_query_db(corpus: Path, folder: Path) -> Path:
    """The query tests' statements ingested into ``folder/tracker.db`` by the real pipeline:
    15 delegations' 2024 texts in five languages, the seed statement, and 7 states x 9 years of
    UNGDC speeches."""
    from tracker.ingest import ingest_paths

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "tracker.db"
    paths = [ungdc_subset(corpus, folder / "UNGDC_subset.zip")]
    paths += [corpus / "unga79" / "text" / f"{name}.txt" for name in UNGA79]
    paths += sorted((corpus / "seed").glob("*.txt"))
    report = ingest_paths(paths, db=db, manifest=corpus / "manifest.csv")
    assert report.stored, report.summary()
    return db


def shared_db(corpus: Path, tmp_path_factory) -> Path:
    """The query tests' database, built once per run (see :func:`build_query_db`)."""
    folder = built_once(tmp_path_factory, "query-db", lambda f: build_query_db(corpus, f))
    return folder / "tracker.db"


def sql(db: Path, text: str, params=()) -> list[tuple]:
    """Rows of ``text`` on a read-only connection to ``db``."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(text, params).fetchall()
    finally:
        conn.close()


def another_programs_db(path: Path, table: str, row: str) -> Path:
    """An SQLite file of another program: one table ``table`` (id, text) holding ``row``."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, text TEXT)")
            conn.execute(f"INSERT INTO {table} (text) VALUES (?)", (row,))
    finally:
        conn.close()
    return path


def count(db: Path, table: str = "statements") -> int:
    """Rows of ``table`` (0 while the database or the table does not exist yet)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        return 0


def hashes(db: Path) -> set[str]:
    """The content hashes of the stored statements."""
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT content_hash FROM statements")}


def whole_statements_only(db: Path) -> None:
    """What a crash or a fault must never leave: a damaged file, a statement without its text
    or passages, theme counts that disagree with the matches, passages missing from the index."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute(
            "SELECT COUNT(*) FROM statements s LEFT JOIN statement_texts t "
            "ON t.statement_id = s.id WHERE t.statement_id IS NULL").fetchone()[0] == 0  # fmt: skip
        assert conn.execute(
            "SELECT COUNT(*) FROM statements s WHERE NOT EXISTS (SELECT 1 FROM passages p "
            "WHERE p.statement_id = s.id)").fetchone()[0] == 0  # fmt: skip
        # a theme row counts the matches that make the theme present, not those read the other
        # way ("sanctions against the illegal regime must be strictly applied") kept as evidence
        assert conn.execute(
            "SELECT COUNT(*) FROM statement_themes st WHERE matches != (SELECT COUNT(*) FROM "
            "matches m WHERE m.statement_id = st.statement_id AND m.theme = st.theme "
            "AND m.counted = 1)"
        ).fetchone()[0] == 0
        # and the other way: every theme a counted match makes present has its row (a count on
        # a chart never misses a statement whose evidence is stored)
        assert conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT statement_id, theme FROM matches "
            "WHERE counted = 1) m WHERE NOT EXISTS (SELECT 1 FROM statement_themes st "
            "WHERE st.statement_id = m.statement_id AND st.theme = m.theme)"
        ).fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == conn.execute(
            "SELECT COUNT(*) FROM passages_fts").fetchone()[0]  # fmt: skip


def sample_members() -> list[str]:
    """The speech members of the bundled UNGDC sample, sorted."""
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        return sorted(n for n in archive.namelist() if n.endswith(".txt"))


def subset_zip(dest: Path, members: list[str]) -> Path:
    """A zip in the sample's own layout holding only ``members``."""
    with zipfile.ZipFile(SAMPLE_ZIP) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for name in members:
            z.writestr(name, src.read(name))
    return dest


def dashboard_maker(page: str | None = None, timeout: float = 90):
    """A maker of the real dashboard under AppTest (``TRACKER_DB`` set by the caller): keyword
    arguments become the URL's query parameters; ``page`` (``app_pages/terms.py``) is opened."""
    from streamlit.testing.v1 import AppTest

    def make(**params) -> AppTest:
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=timeout)
        for k, v in params.items():
            at.query_params[k] = v
        if page:
            at.switch_page(page)
        return at

    return make
