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


def test_the_rule_tally_adds_up_to_the_statement_level_score(corpus, scratch):
    """benchmarks/rule_precision.py: every statement-theme the rules make present is counted
    right or wrong under each rule that made it, and alone under exactly one rule when only one
    did; summed per theme, the statements agree with the accuracy report's tp and fp."""
    from benchmarks import rule_precision
    from tracker.accuracy import code, load_docs, merge_gold, score
    from tracker.codebook import load_codebook
    from tracker.match import Matcher
    from tracker.store import Store

    gold, _ = merge_gold([corpus / "gold/dev-decades.tsv"])
    db = accuracy.gold_db(corpus, set(gold))
    with Store(db, readonly=True) as store:
        docs = load_docs(store, gold)
    coded = code(docs, Matcher(load_codebook(), semantic=False))
    tallies = rule_precision.tally_rules(coded, gold)
    report = score(coded, gold)
    assert tallies  # the dev-decades speeches hold positions the rules find
    for theme_score in report.per_theme:
        mine = {k: t for k, t in tallies.items() if k[0] == theme_score.theme}
        right = {n for t in mine.values() for n, _ in t.right}
        wrong = {n for t in mine.values() for n, _ in t.wrong}
        assert (len(right), len(wrong)) == (theme_score.tp, theme_score.fp), theme_score
        # alone: the statements where the theme's counted matches all come from one rule
        single = {n for n in right | wrong
                  if len({m.rule for m in coded[n] if m.theme == theme_score.theme and m.counted}) == 1}
        assert sum(t.alone_right + t.alone_wrong for t in mine.values()) == len(single)
    for (theme, _rule), t in tallies.items():
        assert all(gold[n][theme] for n, _ in t.right) and not any(gold[n][theme] for n, _ in t.wrong)


def test_the_gold_database_holds_the_texts_and_passages_an_ingest_with_the_default_stores(
        corpus, scratch, monkeypatch):
    """Every measurement codes the gold again with the codebook it measures, so the gold
    database is built without coding: the same statements, texts and passages as an ingest with
    the default codebook, and no match stored (the default's were never read)."""
    from tracker.accuracy import load_docs, merge_gold
    from tracker.store import Store

    gold, _ = merge_gold([corpus / "gold/dev.tsv", corpus / "gold/dev-decades.tsv"])
    built = accuracy.gold_db(corpus, set(gold))
    real = accuracy.ingest_paths

    def with_the_default(paths, **options):
        options.pop("codebook", None)
        return real(paths, **options)

    monkeypatch.setattr(accuracy, "ingest_paths", with_the_default)
    coded_at_ingest = scratch / "coded.db"
    accuracy.build_gold_db(corpus, set(gold), coded_at_ingest)
    with Store(built, readonly=True) as store, Store(coded_at_ingest, readonly=True) as coded:
        assert load_docs(store, gold) == load_docs(coded, gold)
        assert len(load_docs(store, gold)) == len(gold) == 65
        assert coded.conn.execute("select count(*) from matches").fetchone()[0] > 0
        assert store.conn.execute("select count(*) from matches").fetchone()[0] == 0


def test_coding_gold_statements_gives_the_collector_back_as_it_was(corpus, scratch):
    """tracker.accuracy.code pauses the cyclic garbage collector while it codes (a third of the
    time went to collections walking the gold and the compiled codebooks): on return, and when
    the matcher fails midway, the collector is on again if it was, and off if it was."""
    import gc

    from tracker.accuracy import code, load_docs
    from tracker.codebook import load_codebook
    from tracker.match import Matcher
    from tracker.store import Store

    with Store(accuracy.gold_db(corpus, NAMES), readonly=True) as store:
        docs = load_docs(store, NAMES)
    matcher = Matcher(load_codebook(), semantic=False)
    assert gc.isenabled()
    coded = code(docs, matcher)
    assert gc.isenabled()
    assert set(coded) == NAMES and all(coded.values())  # both speeches coded, with matches

    def fails(doc):
        assert not gc.isenabled()  # paused while coding
        raise RuntimeError("semantic model broke")

    with pytest.raises(RuntimeError, match="semantic model broke"):
        code(docs, matcher, semantic=fails)
    assert gc.isenabled()
    gc.disable()
    try:
        code(docs, matcher)
        assert not gc.isenabled()  # left off, as the caller had it
    finally:
        gc.enable()
