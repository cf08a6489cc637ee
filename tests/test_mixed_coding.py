"""A re-match (`tracker match`) stopped before its end leaves statements coded by two codebooks:
the batches written carry the new version, the rest the old one, and the active codebook is
still the old one. Nothing may read figures from such a database as if one codebook coded it
(the coding export stamped every row with the old version while 600 of them carried the new)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from tracker import query
from tracker.cli import cli
from tracker.codebook import DEFAULT_CODEBOOK
from tracker.ingest import ingest_paths
from tracker.rematch import rematch
from tracker.store import Store

REPO = Path(__file__).resolve().parents[1]


def run(*args, ok: bool = True):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture()
def half_recoded(corpus, tmp_path) -> tuple[Path, Path]:
    """(database, the new codebook): 2024 General Debate speeches, re-matched with an edited
    codebook and interrupted (Ctrl-C) after its first batch."""
    folder = tmp_path / "in"
    folder.mkdir()
    for path in sorted((corpus / "unga79" / "text").glob("*_en.txt"))[:30]:
        shutil.copy(path, folder)
    db = tmp_path / "t.db"
    assert len(ingest_paths([folder], db=db, workers=1).stored) == 30
    edited = tmp_path / "edited.yaml"
    edited.write_text(Path(DEFAULT_CODEBOOK).read_text(encoding="utf-8")
                      .replace("name:", "name: edited", 1), encoding="utf-8")  # fmt: skip
    done = []

    def interrupt_after_a_batch(n: int) -> None:
        done.append(n)
        raise KeyboardInterrupt

    with Store(db) as store, pytest.raises(KeyboardInterrupt):
        store.iter_texts = lambda batch=10, _f=store.iter_texts: _f(batch)  # three batches
        rematch(store, edited, workers=1, progress=interrupt_after_a_batch)
    assert done == [10]
    return db, edited


def test_a_half_recoded_database_is_named_and_no_coding_is_read_from_it(half_recoded):
    db, edited = half_recoded
    problem = query.unfinished_recoding(db)
    assert problem and "20 of 30 statements are coded with the active codebook" in problem
    assert "10 with" in problem and "tracker match" in problem
    assert f"tracker match --db {db}" in problem  # the command re-codes this database
    for command in (["export", "coding", "--db", db, "-o", db.parent / "coding.csv"],
                    ["validate", "--db", db, "--gold", db.parent / "gold.tsv"]):  # fmt: skip
        (db.parent / "gold.tsv").write_text("file\ttheme\tpresent\nat_en.txt\tmilitarization\t1\n")
        result = run(*command, ok=False)
        assert result.exit_code == 1 and "was interrupted" in result.output, result.output
        assert not (db.parent / "coding.csv").exists()
    # completing the re-match makes the database whole again
    run("match", "--db", db, "--codebook", edited, "--workers", "1", "--quiet")
    assert query.unfinished_recoding(db) is None
    run("export", "coding", "--db", db, "-o", db.parent / "coding.csv")


def test_the_dashboard_says_on_every_page_that_its_figures_mix_two_codebooks(half_recoded,
                                                                              monkeypatch):
    db, _ = half_recoded
    monkeypatch.setenv("TRACKER_DB", str(db))
    for page in (None, "app_pages/countries.py", "app_pages/evidence.py"):
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
        if page:
            at.switch_page(page)
        at.run()
        assert not at.exception
        assert any("mix two codebooks" in e.value and "tracker match" in e.value
                   for e in at.error), [e.value for e in at.error]  # fmt: skip


def test_export_coding_of_a_file_that_is_no_database_is_a_message(tmp_path):
    """The check for a half re-coded database raised a traceback on a file that is no SQLite
    database; opening it says what is wrong, as before."""
    junk = tmp_path / "junk.db"
    junk.write_text("not a database\n")
    result = run("export", "coding", "--db", junk, "-o", tmp_path / "out.csv", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "junk.db" in result.output, result.output
