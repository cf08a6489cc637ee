"""One database never mixes codebook versions, even when two commands write it at once: an
ingest running beside a re-match (from the CLI or the dashboard's editor), or two first ingests
with different codebooks. Each race here is played out in one thread, deterministically: the
second command runs from the first one's progress callback, on its own connection, exactly where
the QA pass found them leaving statements of two codebooks under one active codebook, both
commands ending without a word."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tracker import rematch_job
from tracker.codebook import DEFAULT_CODEBOOK, load_codebook
from tracker.errors import CodebookChanged
from tracker.ingest import ingest_paths
from tracker.rematch import rematch
from tracker.store import Store


def speeches(corpus: Path, folder: Path, first: int, count: int) -> Path:
    folder.mkdir()
    for path in sorted((corpus / "unga79" / "text").glob("*_en.txt"))[first : first + count]:
        shutil.copy(path, folder)
    return folder


@pytest.fixture()
def edited(tmp_path) -> Path:
    path = tmp_path / "edited.yaml"
    path.write_text(Path(DEFAULT_CODEBOOK).read_text(encoding="utf-8")
                    .replace("name:", "name: edited", 1), encoding="utf-8")  # fmt: skip
    return path


def versions(db: Path) -> tuple[str, dict[str, int]]:
    """The active codebook and how many statements each version coded."""
    with Store(db) as store:
        active = store.active_codebook()
        rows = store.conn.execute(
            "SELECT codebook_version, COUNT(*) FROM statements GROUP BY 1"
        ).fetchall()
        matched = store.conn.execute(
            "SELECT DISTINCT m.codebook_version FROM matches m"
        ).fetchall()
    assert active is not None
    assert {v for (v,) in matched} <= {active.version}  # no match of another codebook either
    return active.version, dict(rows)


def test_an_ingest_beside_a_rematch_leaves_every_statement_coded_by_the_active_codebook(
    corpus, tmp_path, edited
):
    """Statements an ingest stores while a re-match runs (under the old codebook, still active)
    are coded by the re-match too before it switches; what the ingest would store after the
    switch, coded with the old codebook, is refused by name, and a second run stores it."""
    db = tmp_path / "t.db"
    assert len(ingest_paths([speeches(corpus, tmp_path / "a", 0, 6)], db=db, workers=1).stored) == 6
    later = speeches(corpus, tmp_path / "b", 6, 4)
    book = load_codebook(edited)
    ticks: list[int] = []

    def ingest_meanwhile(n: int) -> None:
        ticks.append(n)
        if len(ticks) == 1:  # the re-match has written its first batch, not switched yet
            assert len(ingest_paths([later], db=db, workers=1).stored) == 4

    with Store(db) as store:
        store.iter_texts = lambda batch=3, ids=None, _f=store.iter_texts: _f(batch, ids)
        rematch(store, edited, workers=1, progress=ingest_meanwhile)
    assert versions(db) == (book.version, {book.version: 10})

    # an ingest resolved before a switch and writing after it: refused, nothing half-stored
    third = speeches(corpus, tmp_path / "c", 10, 3)
    switched: list[str] = []

    def rematch_meanwhile(n: int, source: str) -> None:
        if not switched:
            switched.append(source)
            with Store(db) as other:
                rematch(other, DEFAULT_CODEBOOK, workers=1)

    with pytest.raises(CodebookChanged) as caught:
        ingest_paths([third], db=db, codebook=edited, workers=1, progress=rematch_meanwhile)
    assert "changed" in str(caught.value) and "again" in str(caught.value)
    default = load_codebook(DEFAULT_CODEBOOK).version
    assert versions(db) == (default, {default: 10})
    report = ingest_paths([third], db=db, workers=1)
    assert len(report.stored) == 3
    assert versions(db) == (default, {default: 13})


def test_two_first_ingests_with_different_codebooks_never_mix_them(corpus, tmp_path, edited):
    """The first ingest sets the active codebook before it has stored anything; a second one
    with another codebook, started then, found no statement and switched it. The first then
    stored its statements under the second's codebook: now refused by name."""
    db = tmp_path / "t.db"
    first = speeches(corpus, tmp_path / "a", 0, 4)
    second = speeches(corpus, tmp_path / "b", 4, 2)
    started: list[str] = []

    def second_ingest(n: int, source: str) -> None:
        if not started:
            started.append(source)
            assert len(ingest_paths([second], db=db, codebook=edited, workers=1).stored) == 2

    with pytest.raises(CodebookChanged):
        ingest_paths([first], db=db, workers=1, progress=second_ingest)
    book = load_codebook(edited)
    assert versions(db) == (book.version, {book.version: 2})


def test_the_dashboards_rematch_codes_statements_ingested_while_it_ran(corpus, tmp_path, edited):
    """The editor's background re-match holds its writes until every statement is matched;
    statements an upload stored meanwhile were left with the old codebook's matches when it
    switched."""
    db = tmp_path / "t.db"
    assert len(ingest_paths([speeches(corpus, tmp_path / "a", 0, 5)], db=db, workers=1).stored) == 5
    later = speeches(corpus, tmp_path / "b", 5, 3)
    book = load_codebook(edited)
    job = rematch_job.RematchJob(db.resolve(), book)
    advance = job._advance

    def upload_meanwhile(n: int) -> None:
        advance(n)
        if job.done == n:  # first progress: matched, nothing written yet
            assert len(ingest_paths([later], db=db, workers=1).stored) == 3

    job._advance = upload_meanwhile  # type: ignore[method-assign]
    rematch_job._run(job)
    assert job.state == rematch_job.DONE, job.error
    assert versions(db) == (book.version, {book.version: 8})
