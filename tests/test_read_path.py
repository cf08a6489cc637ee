"""One read path (issue 12, item 4): every read-only connection is opened through
``tracker.connect``, whose URI is built from the path with its characters quoted, so a database
in a folder named ``odd #1``, ``100%`` or ``a?b`` reads as it is and leaves no stray file (an
unquoted ``file:.../odd #1/tracker.db?mode=ro`` opens, and creates, ``.../odd `` instead)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tracker import query
from tracker.coding import coding_table, duplicates_table, statements_table
from tracker.connect import read_only, sqlite_uri
from tracker.query import Filters

ODD_FOLDERS = ["odd #1", "100%", "a?b"]
SPEECHES = ("at_en", "au_en", "kr_en")


@pytest.fixture(scope="module")
def plain_db(corpus, tmp_path_factory) -> Path:
    """Three real General Debate speeches, ingested into a folder with a plain name."""
    from tracker.ingest import ingest_paths

    db = tmp_path_factory.mktemp("plain") / "tracker.db"
    speeches = [corpus / "unga79" / "text" / f"{name}.txt" for name in SPEECHES]
    assert ingest_paths(speeches, db=db, manifest=corpus / "manifest.csv").stored
    return db


def copy_into(plain: Path, folder: Path) -> Path:
    """The plain database copied (SQLite's backup, so the copy is whole) into ``folder``."""
    folder.mkdir(parents=True)
    db = folder / "tracker.db"
    with sqlite3.connect(plain) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    return db


def files_under(folder: Path) -> set[str]:
    """Every file under ``folder`` (SQLite's own -wal/-shm beside the database aside)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}  # fmt: skip


def test_the_uri_quotes_the_path(tmp_path):
    uri = sqlite_uri(tmp_path / "odd #1" / "100%" / "a?b.db", mode="ro")
    assert uri.endswith("/odd%20%231/100%25/a%3Fb.db?mode=ro")
    assert uri.startswith("file:")


@pytest.mark.parametrize("name", ODD_FOLDERS)
def test_queries_read_a_database_in_an_oddly_named_folder(plain_db, tmp_path, name):
    db = copy_into(plain_db, tmp_path / name)
    before = files_under(tmp_path)
    assert query.database_ready(db)
    assert query.options(db).statements == query.options(plain_db).statements == len(SPEECHES)
    assert query.codebook_info(db) == query.codebook_info(plain_db)
    every = Filters(languages=())
    assert query.trends(db, every).equals(query.trends(plain_db, every))
    assert query.evidence(db, every).equals(query.evidence(plain_db, every))
    with closing(read_only(db)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0] == len(SPEECHES)
    assert files_under(tmp_path) == before  # no stray `odd `, `a`, ... beside the folder


@pytest.mark.parametrize("name", ODD_FOLDERS)
def test_the_coding_tables_read_a_database_in_an_oddly_named_folder(plain_db, tmp_path, name):
    db = copy_into(plain_db, tmp_path / name)
    before = files_under(tmp_path)
    themes = [t.id for t in query.codebook_info(plain_db).themes]
    odd = coding_table(db, themes=themes, all_pairs=True)
    assert len(odd) == len(SPEECHES) * len(themes)
    assert odd.equals(coding_table(plain_db, themes=themes, all_pairs=True))
    assert statements_table(db).equals(statements_table(plain_db))
    assert duplicates_table(db).equals(duplicates_table(plain_db))
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("name", ODD_FOLDERS)
def test_the_store_opens_a_database_in_an_oddly_named_folder_read_only(plain_db, tmp_path, name):
    """What the CLI's read commands (statements, export coding, validate) open."""
    from tracker.store import Store

    db = copy_into(plain_db, tmp_path / name)
    before = files_under(tmp_path)
    with Store(db, readonly=True) as store, Store(plain_db, readonly=True) as plain:
        assert store.count_statements() == plain.count_statements() == len(SPEECHES)
        assert store.active_codebook() == plain.active_codebook()
    assert files_under(tmp_path) == before


# -- each filter's SQL and words from one place -------------------------------------------------

#: One non-default choice per field of Filters that restricts (or widens) the selection.
CHOICES = {
    "themes": ("militarization",), "countries": ("CHN",), "groups": ("P5",),
    "forums": ("Security Council",), "year_from": 2016, "year_to": 2020,
    "date_from": "2024-07", "date_to": "2024-09-30", "kinds": ("fuzzy",),
    "directions": ("opposes",), "languages": ("fr",), "include_duplicates": True,
    "include_non_state": True, "group_statements": "only",
}  # fmt: skip


@pytest.mark.parametrize("field", sorted(CHOICES))
def test_every_filter_choice_changes_both_its_sql_and_its_words(field):
    """The caption (``describe``) and the selection (the SQL) come from the same clause: a
    choice that changes one changes the other."""
    base = Filters(languages=("en",))
    chosen = Filters(**{**base.to_dict(), field: CHOICES[field]})
    assert chosen.describe() != base.describe()
    scope = query.Scope(languages=chosen.languages)
    assert [(c.sql, c.params) for c in query.clauses(chosen, scope)] != [
        (c.sql, c.params) for c in query.clauses(base, query.Scope(languages=base.languages))
    ]  # fmt: skip
    for clause in query.clauses(chosen, scope):  # words only where a choice was made
        assert clause.words or clause.sql, clause


def test_counting_group_statements_for_members_widens_the_place_and_says_so():
    place = Filters(countries=("DEU",))
    wider = Filters(countries=("DEU",), count_for_members=True)
    where, params = query.statement_where(place, ())
    wider_where, wider_params = query.statement_where(wider, ())
    assert "on_behalf_of IN" in wider_where and "on_behalf_of IN" not in where
    assert "European Union" in wider_params and "European Union" not in params
    assert wider.describe() == "countries: DEU; group statements counted for members"
