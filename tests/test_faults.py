"""Faults: the dashboard reading while an ingest writes, an ingest killed at random points, a
read-only database and a full disk. Real processes (``tracker ingest`` through the CLI), real
SQLite files, real speeches (members of the bundled UNGDC sample and the shared corpus).

The read-only and full-disk tests mount a read-only bind and a tiny tmpfs: they need root (or
CAP_SYS_ADMIN) and skip without it; ``tests/test_store.py`` covers the same errors at the store
level everywhere.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from db_support import count, hashes, sample_members, subset_zip, whole_statements_only

from tracker import query
from tracker.ingest import ingest_paths
from tracker.query import Filters

pytestmark = pytest.mark.slow  # ingests killed, racing readers, a full disk

REPO = Path(__file__).resolve().parents[1]
#: Statements per write transaction of these ingests (``--batch-size``): small, so that a few
#: speeches make several batches.
BATCH = 25
#: Speeches of the sample ingested while the dashboard reads: five write batches.
WATCHED = 4 * BATCH + 15
#: Of those, the speeches ingested by the killed runs: four write batches.
KILLED = 4 * BATCH
SEED = 20241126


def cli_ingest(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "tracker.cli", "ingest", *map(str, args), "--quiet",
            "--batch-size", str(BATCH)]  # fmt: skip


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(cli_ingest(*args), cwd=REPO, capture_output=True, text=True, timeout=300)


def member_of(source: str) -> str:
    """``x.zip:UNGDC_sample/.../ARG_25_1970.txt`` -> the member's path in the archive."""
    return source.split(".zip:", 1)[1]


def hashes_by_member(db: Path) -> dict[str, str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT source, content_hash FROM statements").fetchall()
    return {member_of(source): digest for source, digest in rows}


def snapshot_problems(db: Path) -> list[str]:
    """What a reader sees in ONE read transaction that a whole-statement writer must never show:
    a statement without its text or passages, theme counts that disagree with the matches,
    passages missing from the full-text index, matches pointing at no passage."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        conn.execute("BEGIN")  # one snapshot for every check below
        checks = {
            "statement without text": "SELECT COUNT(*) FROM statements s WHERE NOT EXISTS "
            "(SELECT 1 FROM statement_texts t WHERE t.statement_id = s.id)",
            "statement without passages": "SELECT COUNT(*) FROM statements s WHERE NOT EXISTS "
            "(SELECT 1 FROM passages p WHERE p.statement_id = s.id)",
            "rows of no statement": "SELECT (SELECT COUNT(*) FROM passages WHERE statement_id NOT "
            "IN (SELECT id FROM statements)) + (SELECT COUNT(*) FROM statement_themes WHERE "
            "statement_id NOT IN (SELECT id FROM statements))",
            # a theme's count is its counted matches (reported or opposing ones stay as evidence)
            "theme counts disagree with matches": "SELECT COUNT(*) FROM statement_themes st WHERE "
            "matches != (SELECT COUNT(*) FROM matches m WHERE m.statement_id = st.statement_id "
            "AND m.theme = st.theme AND m.counted = 1)",
            "matches without theme counts": "SELECT COUNT(*) FROM (SELECT DISTINCT statement_id, "
            "theme FROM matches WHERE counted = 1) m WHERE NOT EXISTS (SELECT 1 FROM "
            "statement_themes st WHERE st.statement_id = m.statement_id AND st.theme = m.theme)",
            "passages missing from the search index": "SELECT (SELECT COUNT(*) FROM passages) - "
            "(SELECT COUNT(*) FROM passages_fts_docsize)",
            "matches pointing at no passage": "SELECT COUNT(*) FROM matches m WHERE NOT EXISTS "
            "(SELECT 1 FROM passages p WHERE p.id = m.passage_id AND p.statement_id = "
            "m.statement_id)",
        }  # fmt: skip
        problems = [what for what, sql in checks.items() if conn.execute(sql).fetchone()[0]]
        conn.execute("COMMIT")
        return problems
    finally:
        conn.close()


# -- the dashboard's queries while an ingest writes -------------------------------------------
@dataclass
class Watched:
    db: Path
    zip: Path
    returncode: int = -1
    stderr: str = ""
    rounds: int = 0
    counts_seen: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    torn: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def watched(tmp_path_factory) -> Watched:
    """``tracker ingest`` of WATCHED sample speeches in a subprocess while this process runs
    every query behind the dashboard's charts in a loop, and checks each snapshot it reads."""
    folder = tmp_path_factory.mktemp("watched")
    members = sorted(random.Random(SEED).sample(sample_members(), WATCHED))
    run = Watched(db=folder / "tracker.db", zip=subset_zip(folder / "watched.zip", members))
    proc = subprocess.Popen(cli_ingest(run.zip, "--db", run.db, "--workers", "2"), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not query.database_ready(run.db) and proc.poll() is None:
            assert time.monotonic() < deadline, "the ingest never created its tables"
            time.sleep(0.02)
        # statements from every year, language and role, so every statement counts
        every = Filters(languages=(), include_duplicates=True, include_non_state=True)
        while proc.poll() is None:
            run.rounds += 1
            try:
                jobs = query.chart_queries(run.db, every)
                for name, job in jobs.items():
                    try:
                        job()
                    except Exception as exc:  # noqa: BLE001 - every error is the finding
                        run.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                run.counts_seen.add(query.options(run.db).statements)
                run.torn += snapshot_problems(run.db)
            except Exception as exc:  # noqa: BLE001
                run.errors.append(f"round {run.rounds}: {type(exc).__name__}: {exc}")
        _, run.stderr = proc.communicate(timeout=300)
        run.returncode = proc.returncode
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return run


def test_dashboard_queries_during_an_ingest_see_whole_batches(watched):
    assert watched.returncode == 0, watched.stderr
    assert watched.errors == []  # no "database is locked", no missing table, nothing else
    assert watched.torn == []  # never half a statement
    # statements appear one write batch (one transaction) at a time, never part of a batch
    batches = {min(k * BATCH, WATCHED) for k in range(WATCHED // BATCH + 2)}
    assert watched.counts_seen <= batches, sorted(watched.counts_seen)
    # the loop really read while statements were being written, not only before or after
    assert watched.counts_seen & set(range(1, WATCHED)), sorted(watched.counts_seen)
    assert count(watched.db) == WATCHED
    whole_statements_only(watched.db)


class _OneWriteBetweenReads:
    """A read-only connection of tracker.query that lets a real ingest commit right after the
    query's first read of the statements table, before its next read."""

    def __init__(self, conn: sqlite3.Connection, write):
        self._conn, self._write = conn, write

    def execute(self, sql: str, params=()):
        cursor = self._conn.execute(sql, params)
        if self._write is not None and "FROM statements" in sql:
            rows, description = cursor.fetchall(), cursor.description
            write, self._write = self._write, None
            write()
            return _Rows(rows, description)
        return cursor

    def __getattr__(self, name):
        return getattr(self._conn, name)


class _Rows:
    def __init__(self, rows, description):
        self.rows, self.description = rows, description

    def fetchall(self):
        return self.rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def __iter__(self):
        return iter(self.rows)


def totals(frame) -> dict[str, tuple[int, int, int]]:
    return {r.theme: (int(r.n), int(r.k), int(r.matches)) for r in frame.itertuples()}


def test_a_chart_reads_one_snapshot_while_an_ingest_commits(corpus, tmp_path, monkeypatch):
    """A real ingest commits between a chart's statement count and its theme count (the
    moment is forced; the race itself is rare): the chart still shows one committed state,
    never the theme counts of a newer one over the statement count of an older one (k > n)."""
    db = tmp_path / "tracker.db"
    speeches = [corpus / "unga79" / "text" / f"{name}_en.txt" for name in ("at", "au", "kr")]
    ingest_paths(speeches, db=db, manifest=corpus / "manifest.csv")
    cyber = sorted((corpus / "seed").glob("*.txt"))  # a Security Council debate on cyber threats
    filters = Filters(languages=())
    before = totals(query.theme_totals(db, filters))

    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        return _OneWriteBetweenReads(conn, write) if "mode=ro" in str(args[0]) else conn

    def write():
        monkeypatch.setattr(query.sqlite3, "connect", real_connect)
        assert ingest_paths(cyber, db=db, manifest=corpus / "manifest.csv").stored

    monkeypatch.setattr(query.sqlite3, "connect", connect)
    torn = totals(query.theme_totals(db, filters))
    after = totals(query.theme_totals(db, filters))
    assert before != after  # the statement written between the reads has themes
    assert torn in (before, after), {t: (before.get(t), torn[t], after.get(t)) for t in torn}


# -- killed at random points -----------------------------------------------------------------
def test_ingest_killed_at_random_points_resumes_to_a_clean_run(watched, tmp_path):
    """Three SIGKILLs of the writer and its workers at seeded random moments (while it sets up,
    mid-batch, while a resumed run skips what is stored), each followed by the whole-statement
    checks; a last run completes the ingest with exactly the statements of a clean run."""
    rng = random.Random(SEED)
    members = sorted(rng.sample(sorted(hashes_by_member(watched.db)), KILLED))
    archive = subset_zip(tmp_path / "killed.zip", members)
    db = tmp_path / "killed.db"
    # (rows that must exist before the kill clock starts, latest random delay in seconds)
    kill_points = [("ingest_runs", 1, 1.5), ("statements", 1, 0.5), ("ingest_runs", 3, 2.5)]
    partial_seen = []
    for table, rows, latest in kill_points:
        proc = subprocess.Popen(cli_ingest(archive, "--db", db, "--workers", "2"), cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + 120
        while count(db, table) < rows and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, latest))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the writer and its workers, wherever they are
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), stderr
        partial_seen.append(count(db))
        whole_statements_only(db)
    assert any(0 < n < KILLED for n in partial_seen), partial_seen  # a kill hit mid-ingest

    final = run_cli(archive, "--db", db, "--workers", "2")
    assert final.returncode == 0, final.stderr
    whole_statements_only(db)
    clean = hashes_by_member(watched.db)  # the same speeches, ingested in one clean run
    assert hashes(db) == {clean[m] for m in members}
    assert sorted(hashes_by_member(db)) == members


# -- a read-only database and a full disk -----------------------------------------------------
def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


@pytest.fixture()
def mounts():
    """Mount points made by the test, unmounted afterwards; skips where mounting is not allowed."""
    made: list[Path] = []

    def mount(*args: str, at: Path) -> Path:
        at.mkdir(parents=True, exist_ok=True)
        try:
            _mount(*args, str(at))
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or exc
            pytest.skip(f"cannot mount here (needs root or CAP_SYS_ADMIN): {detail}")
        made.append(at)
        return at

    yield mount
    for at in reversed(made):
        subprocess.run(["umount", "-l", str(at)], capture_output=True)


def stored(db: Path) -> list[tuple]:
    """Every statement with its text and counts of its rows: what must not be lost."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute(
            "SELECT s.id, s.content_hash, t.clean_text, (SELECT COUNT(*) FROM passages p WHERE "
            "p.statement_id = s.id), (SELECT COUNT(*) FROM matches m WHERE m.statement_id = s.id) "
            "FROM statements s JOIN statement_texts t ON t.statement_id = s.id ORDER BY s.id"
        ).fetchall()


def read_only_copy(corpus: Path, tmp_path: Path, mounts) -> tuple[Path, Path]:
    """A database with two speeches, and the same folder mounted read-only (root cannot write
    there either)."""
    writable = tmp_path / "rw"
    writable.mkdir()
    speeches = [corpus / "unga79" / "text" / f"{name}_en.txt" for name in ("at", "au")]
    ingest_paths(speeches, db=writable / "tracker.db", manifest=corpus / "manifest.csv")
    locked = mounts("--bind", str(writable), at=tmp_path / "ro")
    _mount("-o", "remount,ro,bind", str(locked))
    with pytest.raises(OSError):
        (locked / "probe").write_text("x")
    return writable / "tracker.db", locked / "tracker.db"


def test_ingest_into_a_read_only_database_fails_clearly_and_keeps_it(corpus, tmp_path, mounts):
    writable, locked = read_only_copy(corpus, tmp_path, mounts)
    before = stored(writable)
    result = run_cli(corpus / "unga79" / "text" / "kr_en.txt", "--db", locked)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ") and str(locked) in result.stderr, result.stderr
    assert re.search("read-?only", result.stderr), result.stderr  # and why
    assert stored(writable) == before


def test_the_dashboard_reads_a_database_on_a_read_only_mount(corpus, tmp_path, mounts):
    """A WAL database opened with mode=ro needs to create its -shm file: on a read-only mount
    (a shared or archived database) the dashboard must still read it."""
    writable, locked = read_only_copy(corpus, tmp_path, mounts)
    assert query.options(locked).statements == query.options(writable).statements == 2
    assert query.trends(locked, Filters()).equals(query.trends(writable, Filters()))


def test_a_read_only_database_is_named_as_such(corpus, tmp_path, mounts):
    """The library's error (what the CLI and the dashboard's Add page show) says read-only."""
    from tracker.errors import StoreError
    from tracker.store import Store

    _, locked = read_only_copy(corpus, tmp_path, mounts)
    with pytest.raises(StoreError, match="read-only") as error:
        Store(locked)
    assert str(locked) in str(error.value)


def full_disk(corpus: Path, tmp_path: Path, mounts) -> Path:
    """A 1 MB disk holding a database with one speech, and little room left."""
    disk = mounts("-t", "tmpfs", "-o", "size=1m", "tmpfs", at=tmp_path / "disk")
    db = disk / "tracker.db"
    speech = corpus / "unga79" / "text" / "at_en.txt"
    ingest_paths([speech], db=db, manifest=corpus / "manifest.csv")
    return db


def speeches_zip(tmp_path: Path, n: int) -> tuple[Path, list[str]]:
    members = sorted(random.Random(SEED).sample(sample_members(), n))
    return subset_zip(tmp_path / "speeches.zip", members), members


def test_ingest_on_a_full_disk_fails_clearly_keeps_what_was_stored_and_resumes(
    corpus, tmp_path, mounts
):
    db = full_disk(corpus, tmp_path, mounts)
    before = stored(db)
    # 60 speeches (about 5 MB stored) do not fit: the disk fills while the batch is written
    speeches, members = speeches_zip(tmp_path, 60)
    result = run_cli(speeches, "--db", db)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("Error: ") and str(db) in result.stderr, result.stderr
    assert "disk is full" in result.stderr
    assert stored(db) == before
    whole_statements_only(db)

    _mount("-o", "remount,size=64m", str(db.parent))  # space freed: the same command completes
    again = run_cli(speeches, "--db", db)
    assert again.returncode == 0, again.stderr
    assert stored(db)[: len(before)] == before
    assert count(db) == len(before) + len(members)
    whole_statements_only(db)


def test_a_disk_filling_up_at_commit_is_a_clear_error(corpus, tmp_path, mounts):
    """When the disk fills at COMMIT, SQLite has already rolled back: still one clear line."""
    db = full_disk(corpus, tmp_path, mounts)
    before = stored(db)
    # 15 speeches (about 1.2 MB stored) fit in SQLite's page cache: the disk fills at COMMIT
    speeches, _ = speeches_zip(tmp_path, 15)
    result = run_cli(speeches, "--db", db)
    assert result.returncode == 1
    assert stored(db) == before  # nothing lost, even now
    assert "Traceback" not in result.stderr, result.stderr.splitlines()[-1]
    assert result.stderr.startswith(f"Error: cannot write to {db}: database or disk is full")
