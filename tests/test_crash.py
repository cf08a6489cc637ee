"""Crash safety: a process killed mid-ingest leaves whole statements only; a re-run completes it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tracker.ingest import ingest_paths

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ZIP = REPO / "tracker" / "data" / "sample" / "ungdc" / "UNGDC_sample.zip"


def count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0]
    except sqlite3.Error:
        return 0


def whole_statements_only(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # every statement has its text, its passages cover it, its theme counts agree with matches
        assert conn.execute(
            "SELECT COUNT(*) FROM statements s LEFT JOIN statement_texts t "
            "ON t.statement_id = s.id WHERE t.statement_id IS NULL").fetchone()[0] == 0  # fmt: skip
        assert conn.execute(
            "SELECT COUNT(*) FROM statements s WHERE NOT EXISTS "
            "(SELECT 1 FROM passages p WHERE p.statement_id = s.id)").fetchone()[0] == 0  # fmt: skip
        assert conn.execute(
            "SELECT COUNT(*) FROM statement_themes st WHERE matches != (SELECT COUNT(*) FROM "
            "matches m WHERE m.statement_id = st.statement_id AND m.theme = st.theme)"
        ).fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == conn.execute(
            "SELECT COUNT(*) FROM passages_fts").fetchone()[0]  # fmt: skip


def hashes(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT content_hash FROM statements")}


def test_killed_ingest_leaves_whole_statements_and_rerun_completes(tmp_path):
    killed_db = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "tracker.cli", "ingest", str(SAMPLE_ZIP), "--db", str(killed_db),
           "--quiet", "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    while count(killed_db) < 150 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed: use a larger input"
    os.killpg(proc.pid, signal.SIGKILL)  # the writer and its workers, mid-batch
    proc.wait()
    partial = count(killed_db)
    assert 0 < partial < 1065
    whole_statements_only(killed_db)

    rerun = ingest_paths([SAMPLE_ZIP], db=killed_db)
    assert rerun.failed == []
    clean_db = tmp_path / "clean.db"
    ingest_paths([SAMPLE_ZIP], db=clean_db)
    whole_statements_only(killed_db)
    assert hashes(killed_db) == hashes(clean_db)
    assert len(rerun.stored) == len(hashes(clean_db)) - partial
