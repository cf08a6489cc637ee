"""The codebook editor's library (#13 item 5): a theme edited as YAML text goes back in place,
a wrong rule is named by its line, the preview lists the matches an edit adds or removes (with
their sentences) on real statements and its P/R/F1 are what `tracker validate` reports after
the re-match, and a saved version is a new file, never the packaged default."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tracker import editor, preview
from tracker.codebook import DEFAULT_CODEBOOK, CodebookLineError, codebook_from_text, load_codebook
from tracker.coding import validate_coding
from tracker.errors import CodebookError
from tracker.ingest import ingest_paths
from tracker.rematch import rematch
from tracker.store import Store

#: A small codebook of two themes the development gold labels, with phrases the tests edit.
BOOK = """\
name: editor-test
cutoff: 80
semantic: false
themes:
  # ------------------------------------------------------------------
  - id: digital_divide
    label: Digital divide
    definition: Names the digital divide, or a gap in access to digital technology.
    rules:
      - name: named divide
        phrases:
          en:
            - digital divide
            - (digital|technological) (gap|gaps)
      - name: access
        near:
          en:
            - [access, affordable, equitable]
            - [internet, connectivity]
        within: 5
    exclude:
      - phrases: {en: [divide and rule]}
  # ------------------------------------------------------------------
  - id: disinformation
    label: Disinformation
    definition: Names disinformation, misinformation or hate speech as a threat.
    rules:
      - name: named
        phrases:
          en:
            - disinformation
            - misinformation
            - hate speech
"""


def make_db(corpus: Path, folder: Path) -> Path:
    """The 41 statements of the development gold and 15 other English speeches of 2024,
    ingested with :data:`BOOK`."""
    book = folder / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    gold = corpus / "gold" / "dev.tsv"
    names = {line.split("\t")[0] for line in gold.read_text().splitlines()[1:]}
    texts = sorted((corpus / "unga79" / "text").glob("*_en.txt"))
    paths = [p for p in texts if p.name in names] + [p for p in texts if p.name not in names][:15]
    paths += [p for p in (corpus / "seed").glob("*.txt") if p.name in names]
    db = folder / "tracker.db"
    report = ingest_paths(paths, db=db, manifest=corpus / "manifest.csv", codebook=book)
    assert len(report.stored) == 56
    return db


def copy_db(db: Path, to: Path) -> Path:
    """A copy of a database (SQLite's backup, so nothing in its write-ahead log is lost)."""
    with sqlite3.connect(db) as src, sqlite3.connect(to) as dst:
        src.backup(dst)
    return to


@pytest.fixture(scope="module")
def editor_db(corpus, tmp_path_factory) -> Path:
    return make_db(corpus, tmp_path_factory.mktemp("editor"))


@pytest.fixture(scope="module")
def gold(corpus) -> dict:
    return preview.gold_files([corpus / "gold" / "dev.tsv"])


@pytest.fixture(scope="module")
def pset(editor_db, gold) -> preview.PreviewSet:
    with Store(editor_db, readonly=True) as store:
        active = store.active_codebook()
        book = codebook_from_text(active.text, path=active.path)
        return preview.preview_set(store, book, gold=gold, size=20, seed=7)


def edited(theme: str, change) -> editor.EditedCodebook:
    """:data:`BOOK` with ``theme``'s block changed by ``change(text) -> text``."""
    block = editor.theme_block(BOOK, theme)
    text = change(block.text)
    assert text != block.text
    return editor.edit_theme(BOOK, "book.yaml", theme, text, folder=Path("."))


def words(text: str) -> str:
    return " ".join(text.split())


# -- theme blocks ---------------------------------------------------------------------------------


def test_every_theme_of_the_default_codebook_goes_back_in_place_as_written():
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    themes = yaml.safe_load(text)["themes"]
    for theme in themes:
        block = editor.theme_block(text, theme["id"])
        assert block.text.startswith(f"id: {theme['id']}\n")
        assert yaml.safe_load(block.text) == theme  # the block is the theme, comments aside
        assert editor.replace_theme(block, block.text) == text  # and goes back byte for byte


def test_an_inline_codebook_is_written_anew_in_blocks_and_edited():
    flow = ("name: x\nthemes: [{id: a, label: A, definition: D, rules: [{phrases: {en: [cyber "
            "attack]}}]}, {id: b, label: B, definition: D, rules: [{phrases: {en: "
            "[divide]}}]}]\n")  # fmt: skip
    block = editor.theme_block(flow, "b")
    text = editor.replace_theme(block, block.text.replace("- divide", "- digital divide"))
    book = codebook_from_text(text)
    assert book.theme("b").rules[0].phrases["en"] == ("digital divide",)
    assert book.theme("a").rules[0].phrases["en"] == ("cyber attack",)


def test_a_phrase_added_through_the_form_is_one_new_line_of_its_rule():
    block = editor.theme_block(BOOK, "digital_divide")
    assert editor.phrase_rules(block.text) == ["named divide"]
    text = editor.add_phrase(block.text, "named divide", "en", "{ai}: divide")
    added = [line for line in text.split("\n") if line not in block.text.split("\n")]
    assert added == ["        - '{ai}: divide'"]  # quoted: YAML would read it as a mapping
    assert yaml.safe_load(text)["rules"][0]["phrases"]["en"][-1] == "{ai}: divide"
    with pytest.raises(CodebookError, match="no phrase rule named 'access'"):
        editor.add_phrase(block.text, "access", "en", "broadband")  # a near rule


# -- errors on the line at fault ------------------------------------------------------------------


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "problem"),
    [
        ("- digital divide", "- digital divide\n        - '(digital|gap'", "(digital|gap",
         "'(' without its ')'"),
        ("within: 5", "within: 0", "within: 0", "'within' must be a positive integer"),
        ("within: 5", "within: 5\n    colour: red", "colour", "unknown field 'colour'"),
        ("      en:\n        - [access", "      english:\n        - [access", "english",
         "2-3 letter code"),
        ("{en: [divide and rule]}", "{en: [divide and rule, '* rule']}", "* rule",
         "cannot begin or end with *"),
        ("- digital divide", "- digital divide\n     - misaligned", "misaligned", "not valid YAML"),
        ("id: digital_divide", "id: digital_gap", "id: digital_gap", "'id' must stay"),
    ],
)  # fmt: skip
def test_a_wrong_rule_is_named_by_its_line_in_the_edited_theme(old, new, needle, problem):
    block = editor.theme_block(BOOK, "digital_divide")
    assert old in block.text
    text = block.text.replace(old, new, 1)
    with pytest.raises(CodebookLineError) as caught:
        editor.edit_theme(BOOK, "book.yaml", "digital_divide", text, folder=Path("."))
    assert problem in caught.value.problem
    assert caught.value.line == line_of(text, needle), str(caught.value)


def test_codebook_errors_name_the_line_in_the_file_too():
    text = BOOK.replace("within: 5", "within: 0")
    with pytest.raises(CodebookLineError) as caught:
        codebook_from_text(text, path="book.yaml")
    assert caught.value.line == line_of(text, "within: 0")
    assert str(caught.value).endswith(f"(line {caught.value.line})")


# -- the preview on real statements ---------------------------------------------------------------


def test_an_added_phrase_lists_every_new_match_with_its_sentence(pset):
    result = edited("digital_divide", lambda t: editor.add_phrase(t, "named divide", "en",
                                                                  "broadband"))  # fmt: skip
    found = preview.preview(pset, result.codebook, "digital_divide")
    old = {sid: [(m.start, m.end) for m in ms if m.theme == "digital_divide"]
           for sid, ms in pset.matches.items()}  # fmt: skip
    # every "broadband" of the statements read, unless a longer match of the theme holds it
    expected = {
        (sid, w.start(), w.end())
        for sid, doc in pset.docs.items()
        for w in re.finditer(r"\bbroadbands?\b", doc.text, re.IGNORECASE)
        if not any(a <= w.start() and w.end() <= b for a, b in old[sid])
    }
    appears = found.changed("appears")
    assert expected and {(c.statement_id, c.start, c.end) for c in appears} == expected
    assert not found.changed("disappears")
    for change in appears:
        doc = pset.docs[change.statement_id]
        assert (change.theme, change.rule) == ("digital_divide", "named divide")
        assert change.kind == "exact"
        assert change.match.lower().startswith("broadband")
        # the row is the match in its own sentence, as the statement has it
        assert words(f"{change.before} {change.match} {change.after}") in words(doc.text)
        assert len(change.before.split()) + len(change.after.split()) > 5
    gold_row = found.counts.set_index("statements").loc["gold"]
    in_gold = set(pset.gold_ids.values())
    assert gold_row["appear"] == sum(sid in in_gold for sid, _, _ in expected)
    assert preview.changes_frame(found)["change"].eq("appears").all()


def test_a_removed_phrase_lists_the_matches_that_disappear(pset):
    result = edited("disinformation", lambda t: t.replace("    - hate speech\n", ""))
    found = preview.preview(pset, result.codebook, "disinformation")
    expected = {(sid, m.start, m.end) for sid, ms in pset.matches.items() for m in ms
                if words(m.matched_text).lower() == "hate speech"}  # fmt: skip
    gone = found.changed("disappears")
    assert expected and {(c.statement_id, c.start, c.end) for c in gone} == expected
    assert not found.changed("appears")
    assert all(c.match.lower() == "hate speech" and c.rule == "named" for c in gone)


def test_preview_scores_are_what_validate_reports_after_the_rematch(corpus, editor_db, pset,
                                                                    tmp_path):  # fmt: skip
    gold_file = corpus / "gold" / "dev.tsv"
    result = edited("digital_divide", lambda t: t.replace("        - digital divide\n", ""))
    found = preview.preview(pset, result.codebook, "digital_divide")
    scores = preview.scores_frame(found).set_index(["scope", "measure"])
    db = copy_db(editor_db, tmp_path / "copy.db")
    with Store(db) as store:
        before = validate_coding(store, gold_file, n_boot=0)
        rematch(store, result.codebook)
        after = validate_coding(store, gold_file, n_boot=0)
    theme = {s.theme: s for s in after.per_theme}["digital_divide"]
    was = {s.theme: s for s in before.per_theme}["digital_divide"]
    assert scores.loc[("digital_divide", "F1"), "after"] == round(theme.f1, 3)
    assert scores.loc[("digital_divide", "recall"), "after"] == round(theme.recall, 3)
    # the edit leaves the theme no finding: no precision after (it showed 0, a change of -1)
    assert theme.tp + theme.fp == 0 and was.tp + was.fp > 0
    assert pd.isna(scores.loc[("digital_divide", "precision"), "after"])
    assert pd.isna(scores.loc[("digital_divide", "precision"), "change"])
    assert scores.loc[("digital_divide", "precision"), "before"] == round(was.precision, 3)
    assert scores.loc[("digital_divide", "F1"), "before"] == round(was.f1, 3)
    assert scores.loc[("micro (all themes)", "F1"), "after"] == round(after.micro_f1, 3)
    assert scores.loc[("micro (all themes)", "F1"), "before"] == round(before.micro_f1, 3)
    assert theme.tp < was.tp  # the edit does change the coding: fewer statements found
    decisions = preview.decisions_frame(found)
    assert list(decisions["effect"]) == ["adds a false negative"] * (was.tp - theme.tp)


def test_the_sample_is_drawn_again_the_same_with_its_seed(editor_db):
    with Store(editor_db, readonly=True) as store:
        one = preview.sample_statements(store, 10, seed=3, languages=["en"])
        again = preview.sample_statements(store, 10, seed=3, languages=["en"])
        other = preview.sample_statements(store, 10, seed=4, languages=["en"])
        everything = preview.sample_statements(store, 999, seed=3, languages=["en"])
    assert one == again and one != other and len(one) == 10
    assert len(everything) == 56


# -- saving ---------------------------------------------------------------------------------------


def test_a_saved_version_is_a_new_file_and_the_default_is_never_written(tmp_path):
    default = DEFAULT_CODEBOOK.read_bytes()
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    block = editor.theme_block(text, "digital_divide")
    rule = editor.phrase_rules(block.text)[0]
    result = editor.edit_theme(
        text, str(DEFAULT_CODEBOOK), "digital_divide",
        editor.add_phrase(block.text, rule, "en", "connect the unconnected"), folder=tmp_path,
    )  # fmt: skip
    saved = editor.save_codebook(tmp_path, result.text)
    assert saved.path == tmp_path / f"default-edited-{saved.codebook.version}.yaml"
    assert saved.codebook.version != load_codebook().version
    again = load_codebook(saved.path)  # the model it names is still found from its folder
    assert again.version == saved.codebook.version
    assert again.semantic_model == load_codebook().semantic_model
    assert DEFAULT_CODEBOOK.read_bytes() == default
    assert [p.name for p in tmp_path.iterdir()] == [saved.path.name]
    # readable by the team, not only by whoever saved it (mkstemp's 0600; QA run)
    assert saved.path.stat().st_mode & 0o777 == 0o644


def test_an_invalid_codebook_writes_nothing(tmp_path):
    with pytest.raises(CodebookError):
        editor.save_codebook(tmp_path, BOOK.replace("within: 5", "within: -1"))
    assert list(tmp_path.iterdir()) == []


def test_without_gold_the_preview_lists_the_sample_changes_without_scores(editor_db):
    with Store(editor_db, readonly=True) as store:
        active = store.active_codebook()
        book = codebook_from_text(active.text, path=active.path)
        pset = preview.preview_set(store, book, gold={}, size=56, seed=0)
    result = edited("disinformation", lambda t: t.replace("    - hate speech\n", ""))
    found = preview.preview(pset, result.codebook, "disinformation")
    assert found.before is None and preview.scores_frame(found).empty
    assert preview.decisions_frame(found).empty
    assert list(found.counts["statements"]) == ["sample"]
    assert found.changed("disappears") and {c.sets for c in found.changes} == {"sample"}


def test_a_changed_default_is_saved_as_default_edited_and_other_names_stay(tmp_path):
    """An edited copy of the shipped codebook kept the name "default", so captions and exports
    of the copy read "codebook default" (only the version told them apart)."""
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    block = editor.theme_block(text, "digital_divide")
    rule = editor.phrase_rules(block.text)[0]
    changed = editor.add_phrase(block.text, rule, "en", "connect the unconnected")
    first = editor.edit_theme(text, str(DEFAULT_CODEBOOK), "digital_divide", changed,
                              folder=tmp_path)  # fmt: skip
    assert first.codebook.name == "default-edited"
    # edited again: still "default-edited", not "default-edited-edited"
    block2 = editor.theme_block(first.text, "ai_governance")
    rule2 = editor.phrase_rules(block2.text)[0]
    second = editor.edit_theme(
        first.text, str(tmp_path / "x.yaml"), "ai_governance",
        editor.add_phrase(block2.text, rule2, "en", "algorithmic accountability"), folder=tmp_path,
    )  # fmt: skip
    assert second.codebook.name == "default-edited"
    assert second.codebook.version != first.codebook.version
    # an edit that changes nothing is the shipped codebook, name and version
    same = editor.edit_theme(text, str(DEFAULT_CODEBOOK), "digital_divide", block.text,
                             folder=tmp_path)  # fmt: skip
    assert (same.codebook.name, same.codebook.version) == ("default", load_codebook().version)
    # nor does a comment, quotes or spacing: the codebook reads the same theme (review)
    for same_text in (block.text.rstrip("\n") + "\n# a note\n",
                      block.text.replace("id: digital_divide", "id: 'digital_divide'", 1)):
        assert same_text != block.text
        same = editor.edit_theme(text, str(DEFAULT_CODEBOOK), "digital_divide", same_text,
                                 folder=tmp_path)  # fmt: skip
        assert (same.codebook.name, same.codebook.version) == ("default", load_codebook().version)
    # a researcher's own name is theirs
    mine = text.replace("name: default", "name: mine", 1)
    own = editor.edit_theme(mine, str(DEFAULT_CODEBOOK), "digital_divide", changed,
                            folder=tmp_path)  # fmt: skip
    assert own.codebook.name == "mine"
