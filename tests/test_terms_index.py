"""The term index behind the Any term page: a scan reads, through the index of each passage's
words (``term_index``), only the sentences that may hold the term, and finds exactly what reading
every statement whole finds (counts, keyword-in-context rows, statements), on real statements.
The page builds the index on first use and adds what it lacks later; a statement added, changed
or deleted (by the tracker or another tool) is read whole until indexed, never judged by words
it no longer holds; re-matching leaves it as it was; a database made before it still answers."""

from __future__ import annotations

import random
import sqlite3
import zipfile
from pathlib import Path

import pytest
from db_support import dashboard_maker, sql
from test_store_sqlite_utils import old_database

import tracker.prefilter as prefilter_module
import tracker.store as store_module
from tracker import match, query, terms
from tracker.codebook import DEFAULT_CODEBOOK, codebook_from_text, load_codebook
from tracker.errors import StoreError
from tracker.ingest import ingest_paths
from tracker.match import _SPLIT, Matcher, _compile, _learn
from tracker.models import Passage
from tracker.prefilter import Vocabulary, blocks, match_around, prefilter
from tracker.query import Filters
from tracker.rematch import rematch
from tracker.segment import segment
from tracker.store import Store
from tracker.tokens import encode, passage_tokens, rowid


#: Terms of every kind the matcher reads: one word, hyphens and compounds, alternatives, near
#: rules, a wildcard, aliases, a misspelt term (every hit fuzzy), an OCR fold, a word in almost
#: every sentence, other languages.
TERMS = [
    ("cyberspace", {}), ("self-determination", {}), ("non-aligned", {}), ("blockade", {}),
    ("cyber attack", {}), ("cyberattacks", {}), ("sovereignty, sovereign", {}),
    ("sanctions", {"near": "unilateral, illegal", "within": 3}),
    ("climate", {"near": "security"}), ("digital divide, digital gap", {}),
    ("use of * force", {}), ("{un}", {}), ("developement", {}), ("intemal affairs", {}),
    ("terrorism", {}), ("the", {}), ("paix", {"language": "fr"}),
    ("soberanía", {"language": "es"}),
]  # fmt: skip
FILTERS = [
    Filters(),
    Filters(countries=("CHN", "RUS", "USA"), year_from=2018, year_to=2022),
    Filters(include_duplicates=True, include_non_state=True),
]


def term_of(text: str, options: dict) -> terms.Term:
    return terms.Term.parse(text, **options)


def same_scan(a: terms.TermScan, b: terms.TermScan) -> None:
    assert (a.selected, a.scanned, a.meta) == (b.selected, b.scanned, b.meta)
    assert a.statements.equals(b.statements)
    assert a.kwic.rows.equals(b.kwic.rows)


def fresh_lexicons() -> None:
    """Forget the lexicons Matchers of the same codebook share, with the words they learnt: the
    next scan reads as the first of a process, owing nothing to the scans before it."""
    with match._COMPILE_LOCK:
        match._COMPILED.clear()


ALL = Filters()  # no filter


def whole_scan(db: Path, term: terms.Term, filters: Filters = ALL,
               **kwargs) -> terms.TermScan:  # fmt: skip
    """Reading every statement whole, with lexicons no scan through the index has touched."""
    fresh_lexicons()
    return terms.scan(db, term, filters, use_index=False, **kwargs)


def both_ways(db: Path, term: terms.Term, filters: Filters = ALL, **kwargs) -> terms.TermScan:
    """The scan through the index, checked against reading every statement whole (each with
    fresh lexicons, so that one cannot set the other's words wrong)."""
    fresh_lexicons()
    fast = terms.scan(db, term, filters, **kwargs)
    same_scan(fast, whole_scan(db, term, filters, **kwargs))
    return fast


def indexed(db: Path) -> set[int]:
    return {r[0] for r in sql(db, "SELECT statement_id FROM term_indexed")}


def stored(db: Path) -> set[int]:
    return {r[0] for r in sql(db, "SELECT statement_id FROM statement_texts")}


def index_version(db: Path) -> str | None:
    with query.connect(db) as conn:
        return query.term_index_version(conn)


def copy_of(db: Path, folder: Path) -> Path:
    """A copy of a database to change (the session's stays as built)."""
    out = folder / "tracker.db"
    src, dst = sqlite3.connect(f"file:{db}?mode=ro", uri=True), sqlite3.connect(out)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return out


@pytest.fixture(scope="module")
def idb(db, tmp_path_factory) -> Path:
    """The query tests' database with its term index built (as the page's first use builds it)."""
    path = copy_of(db, tmp_path_factory.mktemp("indexed"))
    terms.build_index(path)  # (a page test of another module may have built it already)
    assert terms.unindexed(path) == 0 and len(indexed(path)) > 50
    return path


# -- the same result -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "options"), TERMS, ids=[t for t, _ in TERMS])
def test_the_index_finds_what_reading_every_statement_finds(idb, text, options):
    term = term_of(text, options)
    for filters in FILTERS:
        both_ways(idb, term, filters)


def test_the_terms_are_found_in_these_statements(idb):
    """The comparison above means something: nearly every term is there, in each of its ways."""
    found = {t: terms.scan(idb, term_of(t, o), Filters()) for t, o in TERMS}
    assert sum(1 for r in found.values() if r.found) >= len(TERMS) - 1
    kinds = {k for r in found.values() for k in r.kwic.rows["kind"]}
    assert kinds == {"exact", "fuzzy", "proximity"}
    assert set(found["developement"].kwic.rows["kind"]) == {"fuzzy"}


def test_only_what_may_hold_the_term_is_read(idb, monkeypatch):
    read: list[int] = []
    whole: list[int] = []
    for name, seen in (("indexed_texts", read), ("texts_and_passages", whole)):
        real = getattr(query, name)
        monkeypatch.setattr(query, name, lambda conn, ids, real=real, seen=seen: (
            seen.extend(ids) or real(conn, ids)))  # fmt: skip
    result = terms.scan(idb, terms.Term.parse("cyberspace"), Filters())
    assert whole == [] and 0 < result.found <= len(read) < result.scanned / 2


def test_a_capped_scan_and_a_clicked_point_are_the_same(idb, monkeypatch):
    term = terms.Term.parse("sovereignty")
    both_ways(idb, term, cap=25)
    monkeypatch.setattr(terms, "MAX_KWIC_ROWS", 40)
    capped = both_ways(idb, term)
    assert not capped.kwic_complete
    year = int(capped.statements.query("matches > 0")["year"].iloc[0])
    fast = terms.kwic_of(idb, capped, year=year)
    fresh_lexicons()
    whole = terms.kwic_of(idb, capped, year=year, use_index=False)
    assert len(fast) and fast.rows.equals(whole.rows)


@pytest.mark.parametrize("use_index", [True, False], ids=["index", "whole"])
def test_a_filter_change_reads_only_what_no_scan_of_the_term_read(idb, monkeypatch, use_index):
    read: list[int] = []
    for name in ("indexed_texts", "texts_and_passages"):
        real = getattr(query, name)
        monkeypatch.setattr(query, name, lambda conn, ids, real=real: (
            read.extend(ids) or real(conn, ids)))  # fmt: skip
    term, memo = terms.Term.parse("sovereignty, terrorism"), terms.TermMemo()
    narrow = Filters(countries=("CHN", "USA"), year_from=2019)

    def scan(filters: Filters) -> tuple[terms.TermScan, set[int]]:
        read.clear()
        got = terms.scan(idb, term, filters, memo=memo, use_index=use_index)
        return got, set(read)

    first, read_first = scan(narrow)
    wide, read_wide = scan(Filters())
    assert read_first and read_wide and not read_first & read_wide
    again, read_again = scan(narrow)
    assert read_again == set()
    monkeypatch.undo()
    same_scan(first, again)
    for filters, got in ((narrow, first), (Filters(), wide)):
        same_scan(got, whole_scan(idb, term, filters))


def test_a_memo_that_keeps_fewer_rows_reads_the_others_again(idb, monkeypatch):
    monkeypatch.setattr(terms, "MAX_KWIC_ROWS", 60)
    monkeypatch.setattr(terms, "MEMO_ROWS", 25)
    term, memo = terms.Term.parse("sovereignty"), terms.TermMemo()
    complete = []
    for filters in (Filters(countries=("CHN", "RUS")), Filters(), Filters(year_to=2020), Filters()):
        got = terms.scan(idb, term, filters, memo=memo)
        same_scan(got, whole_scan(idb, term, filters))
        complete.append(got.kwic_complete)
    assert False in complete and 0 < memo.kept <= 25


def test_a_memo_s_index_answer_is_not_used_once_the_index_has_changed(idb, cuba, tmp_path):
    """The page keys a memo on the database's change marker, read before the scan's snapshot:
    another session may index in between. A memo's answer from the index is for the index's
    version it was read at only."""
    path = copy_of(idb, tmp_path)
    ingest_paths([cuba], db=path, workers=1)
    (sid,) = stored(path) - stored(idb)
    blockade, memo = terms.Term.parse("blockade"), terms.TermMemo()
    whole = whole_scan(path, blockade)
    assert sid in set(whole.statements.query("matches > 0")["statement_id"])
    usa = Filters(countries=("USA",))
    terms.scan(path, blockade, usa, memo=memo)  # Cuba's speech not indexed yet, nor selected
    assert terms.build_index(path) == 1 and sid in indexed(path)
    same_scan(terms.scan(path, blockade, Filters(), memo=memo), whole)


def test_the_prefilter_s_no_word_marks_stay_out_of_the_lexicon_matchers_share(idb, monkeypatch):
    """The prefilter marks the index's tokens it takes to map to no word so the scan need not
    look them up; the mark must not reach the lexicon other Matchers of the codebook share, or
    a mistake of the prefilter would make reading whole wrong too (and the two agree)."""
    term = terms.Term.parse("sovereignty")
    whole = whole_scan(idb, term)
    assert whole.found
    fresh_lexicons()
    monkeypatch.setattr(prefilter_module, "_may_map", lambda lexicon, vocabulary: set())  # all wrong
    assert not terms.scan(idb, term, Filters()).found
    monkeypatch.undo()
    same_scan(terms.scan(idb, term, Filters(), use_index=False), whole)


def test_each_word_maps_to_the_tokens_the_matcher_reads_as_it(idb):
    """The prefilter's look-ups give, for each word of a term, exactly the tokens of the corpus
    the matcher maps to it, as mapping every token of the corpus one by one does."""
    with query.connect(idb) as conn:
        counts = query.index_words(conn)
    vocabulary = Vocabulary(counts)
    assert len(vocabulary) > 10_000
    for text, options in TERMS:
        term = term_of(text, options)
        book = terms.term_codebook(term)
        needs = prefilter(Matcher(book, semantic=False), vocabulary, term.language)
        lexicon = _compile(book, term.language)  # a lexicon of its own, that learns everything
        _learn(lexicon, set(vocabulary.tokens))
        every: dict[int, set[str]] = {i: set() for i in needs.words}
        for token in vocabulary.tokens:
            i = lexicon.cache[token]
            for j in lexicon.split[token] if i == _SPLIT else (i,):
                if j in every:
                    every[j].add(token)
        assert needs.tokens == every, text


#: A codebook whose near rule reads a sentence with the one before or after it (``within:
#: sentence``, which a typed term never has) beside one within N words and a phrase rule.
PAIRS = """
name: pairs
cutoff: 80
themes:
  - id: pairs
    label: pairs
    definition: pairs
    rules:
      - near:
          en:
            - [sanctions, embargo, blockade]
            - [unilateral, illegal, lifted, people]
        within: sentence
      - near:
          en:
            - [climate, warming]
            - [security, threat]
        within: 6
      - phrases:
          en: [self-determination, cyber attack]
"""


def test_matching_around_the_anchors_is_matching_the_whole_text(idb):
    book = codebook_from_text(PAIRS)
    matcher = Matcher(book, semantic=False)
    with query.connect(idb) as conn:
        vocabulary = Vocabulary(query.index_words(conn))
        texts = query.indexed_texts(conn, sorted(indexed(idb)))
    needs = prefilter(matcher, vocabulary)
    anchors = {t for i in needs.anchors(lambda i: len(needs.tokens[i])) for t in needs.tokens[i]}
    found = read = 0
    for text, spans in texts.values():
        passages = [Passage(seq, start, end, 0) for seq, start, end in spans]
        places = [k for k, words in enumerate(passage_tokens(text, [(a, b) for _, a, b in spans]))
                  if words & anchors]  # fmt: skip
        whole = matcher.match(text, passages)
        assert match_around(matcher, text, passages, places) == whole
        found += len(whole)
        read += sum(b + 1 - a for a, b in blocks(text, passages, places))
    total = sum(len(spans) for _, spans in texts.values())
    assert found > 50 and read < total / 5


def test_a_wording_across_the_cut_of_a_long_sentence_is_found_from_either_piece():
    """Segmentation cuts a sentence of more than 60 words into pieces, which the matcher reads
    as one sentence: a term whose words stand on both sides of the cut is found from either."""
    words = ["the", "states", "of", "the", "region", "discussed", "many", "matters"] * 11
    sentence = " ".join(words)
    pieces = segment(sentence)
    assert len(pieces) > 1  # 88 words: cut
    cut = len(sentence[: pieces[1].start].split())  # the words of the first piece
    words[cut - 1 : cut + 1] = ["cyber", "attack"]
    text = " ".join(words) + ". Then we left."
    passages = segment(text)
    matcher = Matcher(terms.term_codebook(terms.Term.parse("cyber attack")), semantic=False)
    whole = matcher.match(text, passages)
    (hit,) = whole
    pieces = [k for k, p in enumerate(passages) if p.start < hit.end and hit.start < p.end]
    assert len(pieces) == 2  # across the cut
    for place in pieces:
        assert match_around(matcher, text, passages, [place]) == whole


def test_the_context_read_around_a_hit_is_the_context_of_the_whole_text(db):
    texts = [t for (t,) in sql(db, "SELECT clean_text FROM statement_texts ORDER BY statement_id")]
    texts += ["", "a", "l'état d'abord, c'est 'cité' words’s here__under_score — déjà vu!",
              "word " * 300, "'" * 60 + "ab''cd’" * 40]  # fmt: skip
    rng = random.Random(13)
    for text in texts:
        whole, near = terms._Words(text, whole=True), terms._Words(text, whole=False)
        for _ in range(40):
            start = rng.randint(0, len(text))
            end = min(len(text), start + rng.randint(0, 40))
            for window in (0, 1, 7, 50):
                assert near.context(start, end, window) == whole.context(start, end, window)


# -- keeping the index in step -------------------------------------------------------------------


@pytest.fixture()
def cuba(corpus, tmp_path) -> Path:
    """Cuba's 2024 General Debate speech (it names the blockade), not in the test database."""
    path = tmp_path / "in" / "CUB_79_2024.txt"
    path.parent.mkdir()
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        path.write_bytes(z.read("UNGDC_1946-2024/Session 79 - 2024/CUB_79_2024.txt"))
    return path


def test_statements_added_are_read_whole_until_the_page_indexes_them(idb, cuba, tmp_path):
    path = copy_of(idb, tmp_path)
    assert indexed(path) == stored(path) and terms.unindexed(path) == 0
    report = ingest_paths([cuba], db=path, workers=1)
    assert report.stored == ["CUB_79_2024.txt"]
    (new,) = stored(path) - stored(idb)
    assert indexed(path) == stored(idb) and terms.unindexed(path) == 1
    blockade = terms.Term.parse("blockade")
    found = both_ways(path, blockade)
    assert new in set(found.statements.query("matches > 0")["statement_id"])
    assert terms.build_index(path) == 1 and indexed(path) == stored(path)
    same_scan(both_ways(path, blockade), found)


def test_re_matching_leaves_the_index_as_it_was(idb, tmp_path):
    path = copy_of(idb, tmp_path)
    before = sql(path, "SELECT statement_id, passages FROM term_indexed ORDER BY statement_id")
    version = index_version(path)
    stricter = tmp_path / "stricter.yaml"  # another codebook, whose cutoff the term takes on
    text = DEFAULT_CODEBOOK.read_text("utf-8")
    assert "\ncutoff: 80\n" in text
    stricter.write_text(text.replace("\ncutoff: 80\n", "\ncutoff: 90\n"), "utf-8")
    with Store(path) as store:
        rematch(store, load_codebook(stricter), workers=1)
        book = store.active_codebook()
    assert book is not None and "cutoff: 90" in book.text
    assert sql(path, "SELECT statement_id, passages FROM term_indexed "
                     "ORDER BY statement_id") == before  # fmt: skip
    assert index_version(path) == version
    for text_, options in TERMS[:6]:
        both_ways(path, term_of(text_, options), codebook_text=book.text)


def test_a_statement_deleted_by_another_tool_leaves_the_index_and_may_come_back(idb, cuba,
                                                                                tmp_path):
    path = copy_of(idb, tmp_path)
    ingest_paths([cuba], db=path, workers=1)
    terms.build_index(path)
    (sid,) = stored(path) - stored(idb)
    assert sid in indexed(path)
    with sqlite3.connect(path) as conn:  # as sqlite-utils or Datasette would delete it
        for table in ("matches", "statement_themes", "passages", "statement_texts"):
            conn.execute(f"DELETE FROM {table} WHERE statement_id = ?", (sid,))
        conn.execute("DELETE FROM statements WHERE id = ?", (sid,))
    assert indexed(path) == stored(path) == stored(idb)
    blockade = terms.Term.parse("blockade")
    gone = both_ways(path, blockade)
    assert sid not in set(gone.statements["statement_id"])
    # stored again, it takes the same id (the highest): read whole, then indexed anew (its old
    # entries, still in the index, only point at the same passages)
    ingest_paths([cuba], db=path, workers=1)
    assert stored(path) - stored(idb) == {sid} and sid not in indexed(path)
    back = both_ways(path, blockade)
    assert sid in set(back.statements.query("matches > 0")["statement_id"])
    assert terms.build_index(path) == 1 and sid in indexed(path)
    same_scan(both_ways(path, blockade), back)


def test_a_text_changed_by_another_tool_is_read_whole_until_indexed_again(idb, tmp_path):
    path = copy_of(idb, tmp_path)
    (sid, text), *_ = sql(path, "SELECT statement_id, clean_text FROM statement_texts "
                                "WHERE clean_text LIKE '%sovereignty%' ORDER BY statement_id")
    changed = text.replace("sovereignty", "cyberspaces")  # same length: the passages still fit
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE statement_texts SET clean_text = ? WHERE statement_id = ?",
                     (changed, sid))  # fmt: skip
    assert sid not in indexed(path) and terms.unindexed(path) == 1
    term = terms.Term.parse("cyberspace")
    found = both_ways(path, term)
    assert sid in set(found.statements.query("matches > 0")["statement_id"])
    assert terms.build_index(path) == 1 and sid in indexed(path)
    same_scan(terms.scan(path, term, Filters()), found)
    # a passage added to an indexed statement takes it out too (it is read whole again)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO passages (statement_id, seq, start, \"end\", paragraph, text) "
                     "VALUES (?, 9999, 0, 5, 0, '')", (sid,))  # fmt: skip
    assert sid not in indexed(path)
    both_ways(path, term)


def test_a_text_replaced_by_another_tool_is_read_whole_until_indexed_again(idb, tmp_path):
    """INSERT OR REPLACE (sqlite-utils' insert --replace, Datasette) deletes the old row without
    firing DELETE triggers: the new text's insert must take the statement out of the index."""
    path = copy_of(idb, tmp_path)
    term = terms.Term.parse("cyberspace")
    (sid, raw, text), *_ = sql(path, "SELECT statement_id, raw_text, clean_text FROM "
                                     "statement_texts WHERE clean_text LIKE '%sovereignty%' "
                                     "AND clean_text NOT LIKE '%cyberspace%' ORDER BY statement_id")
    # a hit where the index saw none: the word moves into a sentence it never held
    changed = text.replace("sovereignty", "cyberspaces")  # same length: the passages still fit
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT OR REPLACE INTO statement_texts (statement_id, raw_text, clean_text) "
                     "VALUES (?, ?, ?)", (sid, raw, changed))  # fmt: skip
    assert sid not in indexed(path) and terms.unindexed(path) == 1
    whole = whole_scan(path, term)
    assert sid in set(whole.statements.query("matches > 0")["statement_id"])
    same_scan(terms.scan(path, term, Filters()), whole)
    assert terms.build_index(path) == 1 and sid in indexed(path)
    same_scan(terms.scan(path, term, Filters()), whole)


def test_a_token_longer_than_fts5_keeps_is_left_out_of_the_index(idb, tmp_path):
    """FTS5 cuts a token at 32,768 characters: a hex-encoded word cut mid-character could not be
    read back (every scan failed). Such a token can never be a term's: it is not indexed."""
    path = copy_of(idb, tmp_path)
    (sid, text), *_ = sql(path, "SELECT statement_id, clean_text FROM statement_texts "
                                "WHERE clean_text LIKE '%sovereignty%' ORDER BY statement_id")
    long = "中" * 6000  # 18,000 bytes, 36,000 hex digits: cut inside a character
    with sqlite3.connect(path) as conn:  # no passages: the whole text is one, as the matcher reads
        conn.execute("DELETE FROM passages WHERE statement_id = ?", (sid,))
        conn.execute("UPDATE statement_texts SET clean_text = ? WHERE statement_id = ?",
                     (f"{text} {long}", sid))  # fmt: skip
    assert terms.build_index(path) == 1 and sid in indexed(path)
    with sqlite3.connect(path) as conn:  # as an index made before left it: cut, and read past
        conn.execute("INSERT INTO term_index (rowid, tokens) VALUES (?, ?)",
                     (rowid(sid, 0), encode(long)))  # fmt: skip
    with query.connect(path) as conn:
        words = query.index_words(conn)
    assert "sovereignty" in words and not any(w.startswith("中") for w in words)
    found = both_ways(path, terms.Term.parse("sovereignty"))
    assert sid in set(found.statements.query("matches > 0")["statement_id"])


def test_the_index_s_triggers_outlive_a_migration_that_transforms_a_table(tmp_path, monkeypatch):
    """sqlite-utils' Table.transform makes a table anew without its triggers: the store makes
    the term index's again after any migration."""
    path = tmp_path / "tracker.db"
    Store(path).close()
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    before = sql(path, triggers)
    assert len(before) == 7
    transform = ("9999_transform", lambda db: db.table("statement_texts").transform(
        types={"raw_text": str}))  # fmt: skip
    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, transform])
    with Store(path) as store:
        assert store.applied_migrations()[-1] == "9999_transform"
    assert sql(path, triggers) == before


def test_a_database_made_before_the_index_answers_and_gets_it_on_first_use(tmp_path):
    path = old_database(tmp_path)  # made by the store before issue 12: no term index
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM statement_texts").fetchone()
    assert count and terms.unindexed(path) == count
    term = terms.Term.parse("climate change, sovereignty")
    before = both_ways(path, term, Filters(languages=()))
    assert before.found
    steps: list[tuple[int, int]] = []
    assert terms.build_index(path, progress=lambda d, n: steps.append((d, n))) == count
    assert steps[-1] == (count, count) and terms.unindexed(path) == 0
    same_scan(both_ways(path, term, Filters(languages=())), before)


# -- the page ------------------------------------------------------------------------------------


@pytest.fixture()
def page(idb, tmp_path, monkeypatch):
    """The Any term page on a copy of the database whose index lacks 20 statements."""
    path = copy_of(idb, tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM term_indexed WHERE statement_id IN "
                     "(SELECT statement_id FROM term_indexed ORDER BY statement_id LIMIT 20)")
    monkeypatch.setenv("TRACKER_DB", str(path))
    return path, dashboard_maker("app_pages/terms.py", timeout=120)


def test_the_page_indexes_what_the_index_lacks_then_answers(page):
    path, make = page
    assert terms.unindexed(path) == 20
    at = make(q="sovereignty").run()
    assert not at.exception and not at.error
    assert terms.unindexed(path) == 0
    expected = whole_scan(path, terms.Term.parse("sovereignty"))
    assert f"in **{expected.found:,}** of" in at.markdown[0].value


def test_the_page_says_so_when_the_index_cannot_be_written_and_still_answers(page, monkeypatch):
    path, make = page

    def read_only(*args, **kwargs):
        raise StoreError(f"cannot open database {path}: attempt to write a readonly database")

    monkeypatch.setattr(terms, "build_index", read_only)
    at = make(q="sovereignty").run()
    assert not at.exception and not at.error
    note = next(i.value for i in at.info if "could not be indexed" in i.value)
    assert "20 statements" in note and "read whole" in note
    expected = whole_scan(path, terms.Term.parse("sovereignty"))
    assert f"in **{expected.found:,}** of" in at.markdown[0].value
    assert terms.unindexed(path) == 20
