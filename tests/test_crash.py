"""Crash safety: a process killed mid-ingest leaves whole statements only; a re-run completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from db_support import count, hashes, sample_members, subset_zip, whole_statements_only

from tracker.ingest import ingest_paths
from tracker.query.overview import UNFINISHED_EARLIER, UNFINISHED_LATEST, ingest_history

pytestmark = pytest.mark.slow  # three ingests, one of them killed

REPO = Path(__file__).resolve().parents[1]
#: Statements per write transaction here (``--batch-size``): small, so that a few speeches
#: make several batches.
BATCH = 25
#: Speeches of the bundled sample ingested: over five write batches, so a kill after the first
#: batch's commit lands in the middle of the ingest.
SPEECHES = 4 * BATCH + 15


def test_killed_ingest_leaves_whole_statements_and_rerun_completes(tmp_path):
    archive = subset_zip(tmp_path / "speeches.zip", sample_members()[:SPEECHES])
    killed_db = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "tracker.cli", "ingest", str(archive), "--db", str(killed_db),
           "--quiet", "--workers", "2", "--batch-size", str(BATCH)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120  # a hang guard, not a speed test
    while count(killed_db) < BATCH and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed: use a larger input"
    os.killpg(proc.pid, signal.SIGKILL)  # the writer and its workers, mid-batch
    proc.wait()
    partial = count(killed_db)
    assert 0 < partial < SPEECHES
    whole_statements_only(killed_db)

    # the killed run recorded no end: the history says so instead of a blank outcome, which
    # read as a run still going
    runs, _ = ingest_history(killed_db)
    assert runs[["id", "outcome"]].values.tolist() == [[1, UNFINISHED_LATEST]]
    rerun = ingest_paths([archive], db=killed_db, batch_size=BATCH)
    assert rerun.failed == []
    runs, _ = ingest_history(killed_db)
    assert runs[["id", "outcome"]].values.tolist() == [[2, "finished"], [1, UNFINISHED_EARLIER]]
    assert runs["finished_at"].isna().tolist() == [False, True]
    clean_db = tmp_path / "clean.db"
    ingest_paths([archive], db=clean_db, batch_size=BATCH)
    whole_statements_only(killed_db)
    assert hashes(killed_db) == hashes(clean_db)
    assert len(hashes(clean_db)) == SPEECHES
    assert len(rerun.stored) == len(hashes(clean_db)) - partial
