"""The codebook file: loading, the default codebook, its version, and every validation message."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from tracker.codebook import (
    DEFAULT_CODEBOOK,
    Codebook,
    codebook_from_text,
    expand_phrase,
    load_codebook,
)
from tracker.errors import CodebookError

THEMES = [
    "militarization", "digital_divide", "un_main_channel", "ai_governance", "cyber_threats",
    "disinformation", "capacity_building", "non_interference", "unilateral_sanctions",
    "bloc_confrontation", "security_council_reform", "global_digital_compact",
]  # fmt: skip

MINIMAL = """\
name: tiny
themes:
  - id: digital_divide
    label: Digital divide
    definition: names the digital divide
    rules:
      - phrases: {en: [digital divide]}
"""


def test_default_codebook_has_the_twelve_themes_in_english() -> None:
    book = load_codebook()
    assert book.path == str(DEFAULT_CODEBOOK)
    assert [t.id for t in book.themes] == THEMES
    for theme in book.themes:
        assert theme.label and theme.definition
        assert "en" in theme.languages, theme.id
    assert {"en", "fr", "es"} <= book.languages


def test_default_codebook_uses_every_rule_kind() -> None:
    book = load_codebook()
    rules = [r for t in book.themes for r in t.rules]
    assert {r.kind for r in rules} == {"phrase", "near"}
    assert any(r.within is None for r in rules if r.kind == "near")  # sentence mode
    assert any(r.within for r in rules if r.kind == "near")  # within N words
    assert any(t.exclude for t in book.themes) and any(r.exclude for r in rules)


def test_version_is_a_content_hash(tmp_path: Path) -> None:
    book = codebook_from_text(MINIMAL)
    assert re.fullmatch(r"[0-9a-f]{12}", book.version)
    assert codebook_from_text(MINIMAL).version == book.version
    relaid = "# a comment\n" + MINIMAL.replace(
        "{en: [digital divide]}", "\n          en:\n            - digital divide"
    )
    assert codebook_from_text(relaid).version == book.version  # layout and comments do not count
    changed = MINIMAL.replace("digital divide]", "digital gap]")
    assert codebook_from_text(changed).version != book.version
    path = tmp_path / "codebook.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    loaded = load_codebook(path)
    assert loaded.version == book.version and loaded.text == MINIMAL and loaded.path == str(path)


def test_theme_lookup_and_pickling() -> None:
    book = codebook_from_text(MINIMAL)
    assert book.theme("digital_divide").label == "Digital divide"
    with pytest.raises(CodebookError, match="no theme 'nope'.*digital_divide"):
        book.theme("nope")
    assert pickle.loads(pickle.dumps(book)) == book
    assert isinstance(book, Codebook) and book.theme_ids == ["digital_divide"]


def test_phrase_syntax_expands() -> None:
    assert expand_phrase("(digital|AI) (divide|gap)") == [
        "digital divide", "digital gap", "AI divide", "AI gap",
    ]  # fmt: skip
    assert expand_phrase("the (new |)cold war") == ["the new cold war", "the cold war"]
    assert expand_phrase("(a (b|c)|d) e") == ["a b e", "a c e", "d e"]
    assert expand_phrase("{un} role", {"un": ("UN", "United Nations")}) == [
        "UN role",
        "United Nations role",
    ]
    assert expand_phrase("access to ~2 AI") == [
        "access to AI",
        "access to * AI",
        "access to * * AI",
    ]


def error(text: str) -> str:
    with pytest.raises(CodebookError) as caught:
        codebook_from_text(text, path="codebook.yaml")
    return str(caught.value)


RULE = "  - id: t\n    label: L\n    definition: D\n    rules:\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nthemes: [", "codebook.yaml: not valid YAML at line"),
        ("- a list", "codebook.yaml: a codebook must be a mapping"),
        ("themes: []", "codebook.yaml: 'name' is required"),
        ("name: x", "codebook.yaml: 'themes' is required"),
        ("name: x\nthemes: []", "'themes' must be a non-empty list"),
        ("name: x\ncolour: red\nthemes: []", "unknown field 'colour'"),
        ("name: x\ncutoff: 120\nthemes: []", "'cutoff' must be a number above 0 and at most 100, got 120"),
        ("name: x\nmin_fuzzy_length: 0\nthemes: []", "'min_fuzzy_length' must be a positive integer"),
        ("name: x\nthemes:\n  - label: L", "theme 1: 'id' is required"),
        ("name: x\nthemes:\n  - id: Bad Id", "theme 1: 'id' must be lower-case letters"),
        ("name: x\nthemes:\n  - id: t\n    definition: D\n    rules: []", "theme 't': 'label' is required"),
        ("name: x\nthemes:\n  - id: t\n    label: L\n    definition: D", "theme 't': 'rules' must be a non-empty list"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: [a]}, near: {en: [[a], [b]]}}",
         "theme 't', rule 1: needs exactly one of 'phrases' or 'near'"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: [a]}}\n      - {phrases: {en: [b]}}\n"
         "      - {near: {en: [[a], [b]]}, within: 0}",
         "codebook.yaml: theme 't', rule 3: 'within' must be a positive integer"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: [a]}, within: 3}",
         "theme 't', rule 1: 'within' applies to 'near' rules only"),
        ("name: x\nthemes:\n" + RULE + "      - {near: {en: [[a]]}}", "'near' needs at least two groups"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: [a]}", "'phrases' must map languages to lists"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {english: [a]}}", "language 'english' must be a 2-3 letter code"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: [a, 1945]}}", "en: phrase 2 must be non-empty text (quote it), got 1945"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: ['(a|b']}}", "phrase 1 '(a|b' has a '(' without its ')'"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: ['{ict} use']}}", "uses unknown alias '{ict}'"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: ['* war']}}", "cannot begin or end with *"),
        # a star glued to a word was dropped by the matcher: '*compact' matched any 'compact'
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: ['digital *compact']}}",
         "'*compact' is not a word and a star"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: ['compact*']}}", "there is no prefix or suffix wildcard"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: ['a ~9 b']}}", "gaps go from ~1 to ~6 words"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: [a]}, cutoff: high}", "theme 't', rule 1: 'cutoff' must be a number"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: [a]}, exclude: [{within: 2}]}",
         "theme 't', rule 1, exclude 1: needs 'phrases'"),
        ("name: x\nthemes:\n" + RULE + "      - {phrases: {en: [a]}}\n  - id: t\n    label: L\n"
         "    definition: D\n    rules: [{phrases: {en: [b]}}]", "theme 't': duplicate theme id"),
        ("name: x\naliases: {en: {ict: [ICT, '{ict}s']}}\nthemes:\n" + RULE + "      - {phrases: {en: ['{ict}']}}",
         "nests aliases more than 20 deep"),
    ],
)  # fmt: skip
def test_each_validation_message_names_the_place(text: str, expected: str) -> None:
    message = error(text)
    assert expected in message
    assert message.startswith("codebook.yaml")


def test_a_broken_alias_is_named_at_its_own_line() -> None:
    """The shipped codebook with a bracket lost from its `ict` alias: the error named the first
    phrase using the alias (theme 'militarization', line 123), quoting a phrase with no
    missing bracket; it names the alias, the variant and the alias's line now."""
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    good = "information and communication(s|) technolog(y|ies)]"
    assert good in text
    line = text[: text.index(good)].count("\n") + 1
    with pytest.raises(CodebookError) as caught:
        codebook_from_text(text.replace(good, "information and communication(s| technolog(y|ies)]"),
                           path="default.yaml")  # fmt: skip
    message = str(caught.value)
    assert "aliases, en, 'ict': variant 3 'information and communication(s| technolog(y|ies)' " \
           "has a '(' without its ')'" in message, message
    assert getattr(caught.value, "line", None) == line


def test_a_bracket_left_open_names_the_line_it_opened_on() -> None:
    """A flow list opened and never closed is found by YAML on the next line: the error named
    only that line, not the one to fix (QA of the codebook editor)."""
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    good = "            - digital (inequality|"
    assert good in text
    line = text[: text.index(good)].count("\n") + 1
    broken = text.replace(good, "            - [digital divide, gap\n" + good, 1)
    with pytest.raises(CodebookError) as caught:
        codebook_from_text(broken, path="default.yaml")
    assert f"flow sequence opened at line {line})" in str(caught.value), str(caught.value)
    assert getattr(caught.value, "line", 0) > line  # where YAML found it, as before


def test_missing_file_is_a_codebook_error(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="no such codebook file"):
        load_codebook(tmp_path / "absent.yaml")


def test_remembered_phrase_expansions_are_bounded_and_right(monkeypatch):
    """Expansions are remembered per process, within a bound on the wordings held; past it the
    memo starts again, and every expansion stays what the phrase says."""
    import tracker.codebook as codebook_module

    phrase = "(cyber|digital) (attack|attacks|threat)"
    want = expand_phrase(phrase)
    assert sorted(want) == sorted(f"{a} {b}" for a in ("cyber", "digital")
                                  for b in ("attack", "attacks", "threat"))  # fmt: skip
    monkeypatch.setattr(codebook_module, "_EXPANDED_MAX_WORDINGS", 10)
    for n in range(5):
        expand_phrase(f"(a{n}|b{n}|c{n}) word")
        assert codebook_module._EXPANDED_WORDINGS <= 10
    assert expand_phrase(phrase) == want
    assert expand_phrase("{un} role", {"un": ("the UN", "the United Nations")}) == [
        "the UN role", "the United Nations role"]  # fmt: skip


def test_a_phrase_whose_wordings_passed_is_not_checked_again_and_a_bad_one_still_fails(
    monkeypatch,
) -> None:
    """Checking each of the default's 250,000 wordings took most of a load (0.3 of 0.38 s),
    though a phrase's wordings read the same in every load: a phrase that passed is not read
    wording by wording again. A bad phrase is never remembered: it fails by name every time,
    also beside phrases that passed."""
    import tracker.codebook as codebook_module

    # from an empty memo: one a worker filled near its bound could clear during the first load
    monkeypatch.setattr(codebook_module, "_WORDINGS_CHECKED", set())
    load_codebook()
    looked_at = []
    real = codebook_module._WORD

    class Counting:
        def search(self, text):
            looked_at.append(text)
            return real.search(text)

    monkeypatch.setattr(codebook_module, "_WORD", Counting())
    assert load_codebook().version == load_codebook(DEFAULT_CODEBOOK).version
    assert looked_at == []
    bad = MINIMAL.replace("{en: [digital divide]}", "{en: [digital divide, '* war']}")
    for _ in range(2):
        with pytest.raises(CodebookError, match=re.escape("phrase 2 '* war' cannot begin or end")):
            codebook_from_text(bad, path="codebook.yaml")
    assert looked_at  # the bad phrase's wordings were read, each time


def test_the_phrase_memos_do_not_hold_a_copy_of_the_alias_table_per_phrase(monkeypatch) -> None:
    """Each remembered phrase is keyed by its language's alias table; a copy of the whole table
    per phrase made a codebook of 2,000 phrases and 300 aliases hold 39 MB in the memo of checked
    phrases alone (a review), growing with every alias edit. Keyed by a digest: well under 2 MB."""
    import gc
    import json
    import tracemalloc

    import tracker.codebook as codebook_module

    monkeypatch.setattr(codebook_module, "_WORDINGS_CHECKED", set())
    aliases = {f"a{i}": [f"v{i}x{j}" for j in range(5)] for i in range(300)}
    phrases = [f"w{k} {{a{k % 300}}} end" for k in range(2000)]
    text = json.dumps({"name": "many", "aliases": {"en": aliases}, "themes": [
        {"id": "a", "label": "A", "definition": "d", "rules": [{"phrases": {"en": phrases}}]}]})
    codebook_from_text(text)  # the expansions remembered first: only the check memo is measured
    monkeypatch.setattr(codebook_module, "_WORDINGS_CHECKED", set())
    gc.collect()
    tracemalloc.start()
    try:
        codebook_from_text(text)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        codebook_module._WORDINGS_CHECKED.clear()  # (the test's own set: monkeypatch restores)
        gc.collect()
        held -= tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert 0 < held < 2_000_000, held


def test_an_unquoted_date_in_a_free_text_field_loads() -> None:
    """YAML reads ``2020-01-01`` as a date, which the version's JSON could not hold: the load
    failed with a TypeError, not a codebook error (a review). A date is text there."""
    dated = MINIMAL.replace("name: tiny\n", "name: tiny\ndescription: 2020-01-01\n")
    quoted = MINIMAL.replace("name: tiny\n", "name: tiny\ndescription: '2020-01-01'\n")
    assert codebook_from_text(dated).version == codebook_from_text(quoted).version


@pytest.mark.parametrize("value", ["!!set {a, b, c}", "!!binary aGVsbG8="])
def test_a_value_a_version_cannot_hold_is_a_codebook_error(value: str) -> None:
    """A YAML set's text changes from one process to the next (hash order): hashed as text it
    gave a codebook a different version in each process. It is refused by name instead."""
    text = MINIMAL.replace("name: tiny\n", f"name: tiny\ndescription: {value}\n")
    with pytest.raises(CodebookError, match=r"codebook.yaml: holds a (set|bytes) value"):
        codebook_from_text(text, path="codebook.yaml")


def test_a_phrase_of_empty_alternatives_is_refused_naming_it() -> None:
    """'(|)' expands to no wording at all: it would match nothing, silently (QA run: accepted
    by the editor and by tracker match, with a new version)."""
    for phrase in ("(|)", "( | )"):
        text = MINIMAL.replace("{en: [digital divide]}", f"{{en: [digital divide, '{phrase}']}}")
        with pytest.raises(CodebookError, match=re.escape(f"phrase 2 '{phrase}' has no words")):
            codebook_from_text(text)
