"""The store: migrations, WAL, one transaction per batch, read-only and disk errors."""

from __future__ import annotations

import sqlite3

import pytest
from db_support import another_programs_db

from tracker.errors import StoreError
from tracker.models import Match, Passage, Sourced, Statement
from tracker.store import MIGRATIONS, Store


def make_statement(text: str, *, source: str = "a.txt", country: str = "FRA", year: int = 2020,
                   forum: str = "Security Council", kind: str = "web page") -> Statement:
    passages = []
    start = 0
    for seq, sentence in enumerate(text.split(". ")):
        end = start + len(sentence)
        passages.append(Passage(seq, start, end, 0))
        start = end + 2
    matches = [Match("digital_divide", "digital divide", "exact", 100.0, text.find("digital"),
                     text.find("digital") + 14, "digital divide", 0)] if "digital divide" in text else []  # noqa: E501
    return Statement(
        source=source, source_path=f"/x/{source}", reader="text", raw_text=text, clean_text=text,
        passages=passages,
        metadata={"country": Sourced(country, "flag"), "forum": Sourced(forum, "flag"),
                  "date": Sourced(str(year), "flag"), "source_kind": Sourced(kind, "flag"),
                  "language": Sourced("en", "flag")},
        content_hash=f"h-{source}-{hash(text)}", raw_hash=f"r-{source}", words=len(text.split()),
        year=year, date_precision="year", matches=matches, codebook_version="v1",
    )  # fmt: skip


def test_migrations_are_recorded_and_not_reapplied(db_path):
    with Store(db_path) as store:
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert store.migrate() == []
        mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"


def test_statement_passages_matches_and_fts_are_written_together(db_path):
    text = "We must close the digital divide. Connectivity is a right"
    with Store(db_path) as store:
        ids = store.add_statements([make_statement(text)])
        sid = ids[make_statement(text).content_hash]
        c = store.conn
        assert c.execute("SELECT clean_text FROM statement_texts WHERE statement_id=?",
                         (sid,)).fetchone()[0] == text  # fmt: skip
        passages = c.execute('SELECT start, "end", text FROM passages WHERE statement_id=?',
                             (sid,)).fetchall()  # fmt: skip
        assert all(text[s:e] == t for s, e, t in passages)
        hit = c.execute("SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'connectivity'"
                        ).fetchall()  # fmt: skip
        assert len(hit) == 1
        m = c.execute('SELECT start, "end", matched_text, passage_id FROM matches').fetchone()
        assert text[m[0]:m[1]] == m[2] == "digital divide"
        assert c.execute("SELECT matches FROM statement_themes WHERE theme='digital_divide'"
                         ).fetchone()[0] == 1  # fmt: skip


def test_same_content_is_stored_once(db_path):
    st = make_statement("One text. Two sentences")
    with Store(db_path) as store:
        assert len(store.add_statements([st])) == 1
        assert store.add_statements([st]) == {}
        assert store.count_statements() == 1


def test_an_error_mid_batch_leaves_nothing_of_the_batch(db_path):
    good = make_statement("A whole statement. It is fine", source="good.txt")
    bad = make_statement("Another statement. Broken", source="bad.txt")
    bad.passages = [Passage(0, 0, 5, 0), Passage(0, 5, 9, 0)]  # duplicate seq: still inserts
    bad.matches = [Match("x", "r", "exact", 1.0, 0, 1, "A", 0)]
    bad.metadata["country"] = None  # type: ignore[assignment]  # breaks row building
    with Store(db_path) as store:
        # any error while the rows are built will do (today an AttributeError): the rollback is
        # what is tested, not the kind of failure
        with pytest.raises(Exception):  # noqa: B017
            store.add_statements([good, bad])
        assert store.count_statements() == 0
        assert store.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0] == 0
        assert store.integrity_check() == "ok"


def test_read_only_store_refuses_writes_and_missing_db_is_clear(db_path, tmp_path):
    with pytest.raises(StoreError, match="run `tracker ingest` first"):
        Store(tmp_path / "none.db", readonly=True)
    Store(db_path).close()
    with Store(db_path, readonly=True) as store:
        with pytest.raises(StoreError, match="read-only"):
            store.add_statements([make_statement("x. y")])


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path):
    # A file that is not a database at all: the error names the file, nothing is half-written.
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="broken.db"):
        Store(path)


def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path):
    """A mistyped --db naming another program's SQLite file got the tracker's tables added to
    it (QA): it is refused by name, and its schema and rows stay as they were."""
    path = another_programs_db(tmp_path / "notes.sqlite", "notes", "keep me")
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"notes\.sqlite is not a position-tracker database: "
                                         r"it holds other tables \(notes\)"):
        Store(path)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
        assert tables == ["notes"]
        assert conn.execute("SELECT text FROM notes").fetchall() == [("keep me",)]
    conn.close()
    assert path.read_bytes() == before


def test_an_empty_sqlite_file_and_a_tracker_database_open_for_writing(tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a database file with no table yet
    with Store(empty) as store:
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    with Store(empty) as store:  # and again, now that it is ours
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]


def test_full_disk_rolls_back_and_keeps_what_was_stored(db_path):
    with Store(db_path) as store:
        store.add_statements([make_statement("First statement. Kept", source="first.txt")])
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count={pages + 2}")  # simulate a full disk
        big = make_statement(". ".join(["word " * 50] * 400), source="big.txt")
        with pytest.raises(StoreError, match="full"):
            store.add_statements([big])
        assert store.count_statements() == 1
        assert store.integrity_check() == "ok"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT source FROM statements").fetchall() == [("first.txt",)]
