"""The accuracy bench's gold database: built once, whole or not at all."""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import accuracy  # noqa: E402

NAMES = {"AFG_14_1959.txt", "CHL_02_1947.txt"}  # two General Debate speeches of the dev gold


@pytest.fixture()
def scratch(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def stored(db: Path) -> set[str]:
    with sqlite3.connect(db) as con:
        return {Path(s).name for (s,) in con.execute("select source from statements")}


def test_a_failed_build_leaves_nothing_a_later_run_would_take_as_built(corpus, scratch, monkeypatch):
    real = accuracy.build_gold_db

    def half_then_fail(corpus_: Path, names: set[str], db: Path) -> None:
        real(corpus_, {sorted(names)[0]}, db)  # one statement stored, then the build breaks
        raise RuntimeError("codebook.yaml: does not load")

    monkeypatch.setattr(accuracy, "build_gold_db", half_then_fail)
    with pytest.raises(RuntimeError):
        accuracy.gold_db(corpus, NAMES)
    assert not list(scratch.glob("position-tracker-gold-*")), list(scratch.iterdir())

    monkeypatch.setattr(accuracy, "build_gold_db", real)
    db = accuracy.gold_db(corpus, NAMES)
    assert [p.name for p in scratch.iterdir()] == [db.name]  # no part file, no source folder
    assert stored(db) == NAMES
    assert accuracy.gold_db(corpus, NAMES) == db  # built once
