"""The semantic matcher, its training and calibration, `tracker suggest` and validation by kind,
on real statements of ../shared/corpus (dev.tsv's speeches)."""

from __future__ import annotations

import csv
import math
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from tracker.accuracy import cross_validate, load_docs, merge_gold, stored_matches
from tracker.clean import clean_text
from tracker.cli import cli
from tracker.codebook import DEFAULT_CODEBOOK, codebook_from_text, load_codebook
from tracker.ingest import ingest_paths
from tracker.match import Matcher
from tracker.errors import CodebookError, GoldError
from tracker.semantic import (
    DEFAULT_MODEL,
    MIN_ADDED_PRECISION,
    codebook_examples,
    fit,
    gold_examples,
    labelled_passages,
    load_model,
    statement_gains,
    thresholds,
    train_model,
    words,
)
from tracker.segment import segment
from tracker.store import Store
from tracker.wordvectors import load_vectors, vectors_from_database

FILES = 12  # dev.tsv speeches ingested for these tests


@pytest.fixture(scope="module")
def gold_db(corpus, tmp_path_factory) -> tuple[Path, Path]:
    """A database of the first dev.tsv speeches, and a gold file limited to them."""
    gold_lines = (corpus / "gold" / "dev.tsv").read_text(encoding="utf-8").splitlines()
    names = sorted({line.split("\t")[0] for line in gold_lines[1:] if line.endswith("txt") or "\t" in line})
    names = [n for n in names if (corpus / "unga79" / "text" / n).exists()][:FILES]
    tmp = tmp_path_factory.mktemp("semantic")
    db = tmp / "gold.db"
    ingest_paths([corpus / "unga79" / "text" / n for n in names], db=db,
                 manifest=corpus / "manifest.csv", workers=1)  # fmt: skip
    gold = tmp / "gold.tsv"
    keep = [gold_lines[0]] + [ln for ln in gold_lines[1:] if ln.split("\t")[0] in names]
    gold.write_text("\n".join(keep) + "\n", encoding="utf-8")
    return db, gold


def _docs(db: Path, gold: Path):
    labels, evidence = merge_gold([gold])
    with Store(db, readonly=True) as store:
        return load_docs(store, labels), labels, evidence


def test_training_is_deterministic(gold_db):
    db, gold = gold_db
    docs, labels, evidence = _docs(db, gold)
    book = load_codebook()
    first = train_model(book, docs, labels, evidence)
    second = train_model(book, docs, labels, evidence)
    assert first.version == second.version
    assert first.to_json() == second.to_json()


def test_training_with_word_vectors_is_deterministic(gold_db):
    db, gold = gold_db
    docs, labels, evidence = _docs(db, gold)
    with Store(db, readonly=True) as store:
        vectors = vectors_from_database(store, vocabulary=500, dims=16)
        again = vectors_from_database(store, vocabulary=500, dims=16)
    assert vectors.version == again.version
    book = load_codebook()
    first = train_model(book, docs, labels, evidence, vectors=vectors)
    second = train_model(book, docs, labels, evidence, vectors=again)
    assert first.to_json() == second.to_json()
    assert '"vectors_version"' in first.to_json()


def test_cross_validation_trains_without_the_scored_statements(gold_db):
    db, gold = gold_db
    docs, labels, evidence = _docs(db, gold)
    seen: list[tuple[set[str], set[str]]] = []

    def train(codebook, train_docs, train_gold, train_evidence, *, rule_matches):
        seen.append((set(train_docs), {k[0] for k in train_evidence}))
        return train_model(codebook, train_docs, train_gold, train_evidence, rule_matches=rule_matches)

    report, coded = cross_validate(docs, labels, evidence, load_codebook(), k=3, train=train)
    assert len(seen) == 3 and set(coded) == set(labels)
    for trained, with_evidence in seen:
        assert with_evidence <= trained
    # every statement was held out exactly once: the union of held-out sets is all
    held = [set(labels) - trained for trained, _ in seen]
    assert set().union(*held) == set(labels) and sum(map(len, held)) == len(labels)
    assert 0 <= report.micro_f1 <= 1


def test_semantic_matches_carry_kind_score_and_reason(gold_db):
    """With a theme's threshold lowered, the model marks passages as `semantic` matches, each
    with its probability and the exemplar and words behind it, never on a rule's passage."""
    db, gold = gold_db
    docs, _, _ = _docs(db, gold)
    model = load_model()
    model.themes["un_main_channel"].threshold = 0.3
    model.__post_init__()
    matcher = Matcher(load_codebook(), semantic=False)
    found = []
    for doc in docs.values():
        rules = matcher.match(doc.text, doc.passages)
        semantic = model.matches(doc, rules)
        ruled = [(m.start, m.end) for m in rules if m.theme == "un_main_channel"]
        for m in semantic:
            assert not any(s < m.end and m.start < e for s, e in ruled)
        found += semantic
    assert found
    for m in found:
        assert m.kind == "semantic" and m.rule == "semantic" and m.counted
        assert 30 <= m.score <= 100
        assert "words:" in m.reason
        # an exemplar is named only when it shares weighted words with the passage
        assert all(float(s) > 0 for s in re.findall(r"nearest exemplar \(([-0-9.]+)\)", m.reason))
    assert any("nearest exemplar (" in m.reason for m in found)


def test_codebook_switches_the_semantic_matcher(tmp_path):
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8")
    on = load_codebook()
    assert on.semantic_model == str(DEFAULT_MODEL) and Matcher(on).semantic
    off = codebook_from_text(re.sub(r"(?m)^semantic: .*$", "semantic: false", text),
                             path=str(DEFAULT_CODEBOOK))  # fmt: skip
    assert not off.semantic_model and not Matcher(off).semantic
    assert off.version != on.version
    # the model is part of the version: another model file is another coding
    copy = tmp_path / "default.yaml"
    copy.write_text(text, encoding="utf-8")
    model = load_model()
    model.themes["ai_governance"].threshold = 0.9
    model.save(tmp_path / "default.semantic.json")
    assert load_codebook(copy).version != on.version
    (tmp_path / "default.semantic.json").unlink()
    assert load_codebook(copy).semantic_model == str(DEFAULT_MODEL)  # the shipped model
    missing = tmp_path / "other.yaml"
    missing.write_text(re.sub(r"(?m)^semantic: .*$", "semantic: nowhere.json", text), "utf-8")
    with pytest.raises(Exception, match="not found"):
        load_codebook(missing)


def test_shipped_model_thresholds_come_from_calibration():
    model = load_model()
    recorded = model.trained_on["thresholds"]
    for theme, m in model.themes.items():
        expected = recorded.get(theme)
        assert (math.isinf(m.threshold) and expected is None) or m.threshold == expected


def test_suggest_lists_unmatched_passages_and_phrases(gold_db):
    db, _ = gold_db
    result = CliRunner().invoke(
        cli, ["suggest", "--db", str(db), "--theme", "un_main_channel", "--limit", "5"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("\n0.") + result.output.count("\n1.") == 5
    assert "why: words:" in result.output
    assert "candidate phrases" in result.output
    bad = CliRunner().invoke(cli, ["suggest", "--db", str(db), "--theme", "nope"])
    assert bad.exit_code != 0 and "un_main_channel" in bad.output


def test_suggestions_are_ranked_by_log_odds_where_probabilities_look_alike(gold_db):
    """The top passages' probabilities can all read 1.00 (on the whole UNGDC they do), and from
    log-odds of about 36.7 they are exactly 1.0 (ordered then by statement id): ranked by the
    model's log-odds, which the command and the dashboard show beside the probability. A model
    fifty times as sure (its log-odds scaled) saturates the top of the list."""
    from tracker.suggest import suggest

    db, _ = gold_db
    model = load_model()
    plain = model.log_odds
    model.log_odds = lambda texts: 50 * plain(texts)  # type: ignore[method-assign]
    with Store(db, readonly=True) as store:
        found, _ = suggest(store, load_codebook(), "bloc_confrontation", model=model, limit=10)
    odds = [s.log_odds for s in found]
    assert sum(s.probability == 1.0 for s in found) >= 3, odds  # else nothing is checked
    assert len(found) == 10 and odds == sorted(odds, reverse=True), odds
    assert all(s.probability == pytest.approx(1 / (1 + math.exp(-s.log_odds))) for s in found)
    with Store(db, readonly=True) as store:
        shipped, _ = suggest(store, load_codebook(), "bloc_confrontation", limit=3)
    result = CliRunner().invoke(
        cli, ["suggest", "--db", str(db), "--theme", "bloc_confrontation", "--limit", "3"]
    )
    assert result.exit_code == 0, result.output
    shown = [float(x) for x in re.findall(r"\(log-odds (-?[0-9.]+)\)", result.output)]
    assert shown == [round(s.log_odds, 1) for s in shipped]


def test_dashboard_suggestions_follow_an_ingest(corpus, tmp_path):
    """The Codebook page's suggestions are cached on the database's change marker too: after an
    ingest under the same codebook they showed the passages of the statements read before,
    unlike `tracker suggest`."""
    from app_pages.ui.data import suggestions
    from tracker.suggest import suggest

    texts = sorted((corpus / "unga79" / "text").glob("*_en.txt"))
    db = tmp_path / "t.db"
    ingest_paths(texts[:4], db=db, manifest=corpus / "manifest.csv", workers=1)
    with Store(db, readonly=True) as store:
        active = store.active_codebook()
    args = (str(db), active.version, active.text, active.path, "un_main_channel", 200)
    before, _ = suggestions(*args)
    ingest_paths(texts[4:10], db=db, manifest=corpus / "manifest.csv", workers=1)
    after, _ = suggestions(*args)
    with Store(db, readonly=True) as store:
        fresh, _ = suggest(store, load_codebook(active.path), "un_main_channel", sample=200)
    assert list(after["statement"]) == [s.statement_id for s in fresh]
    # the premise: the new statements change the answer (else the check above proves nothing)
    assert list(after["statement"]) != list(before["statement"]), list(after["statement"])


def test_suggest_names_no_exemplar_that_shares_nothing_with_the_passage(gold_db):
    """Without word vectors the nearest exemplar is the one sharing most weighted words; a
    passage sharing none was shown "nearest exemplar (0.00): ..." beside an exemplar it has
    nothing in common with. An exemplar is named only with a similarity above 0."""
    db, _ = gold_db
    result = CliRunner().invoke(
        cli, ["suggest", "--db", str(db), "--theme", "un_main_channel", "--limit", "20"]
    )
    assert result.exit_code == 0, result.output
    shown = re.findall(r"nearest exemplar \(([-0-9.]+)\)", result.output)
    assert shown and all(float(s) > 0 for s in shown), shown


def test_validate_reports_every_match_kind(gold_db):
    db, gold = gold_db
    result = CliRunner().invoke(cli, ["validate", "--db", str(db), "--gold", str(gold),
                                      "--bootstrap", "50"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "by match kind" in result.output
    for label in ("all matches", "rules only (no semantic)", "exact", "proximity"):
        assert re.search(rf"^{re.escape(label)}\s+\d\.\d{{3}}", result.output, re.M), label
    # the shipped model leaves every theme off: no semantic match, said so (it printed
    # "0.000 0.000 0.000 (0.000-0.000)", which read as a failure)
    assert re.search(r"^semantic\s+none found$", result.output, re.M), result.output
    assert re.search(r"^fuzzy\s+(\d\.\d{3}|none found)", result.output, re.M)


def test_matcher_adds_semantic_matches_when_the_model_is_on(gold_db, tmp_path):
    """Through the codebook: a model with an active theme adds `semantic` matches to
    Matcher.match (what ingest and re-match call); `semantic=False` leaves them out."""
    db, gold = gold_db
    docs, _, _ = _docs(db, gold)
    model = load_model()
    model.themes["un_main_channel"].threshold = 0.3
    model.save(tmp_path / "model.json")
    text = re.sub(r"(?m)^semantic: .*$", "semantic: model.json", DEFAULT_CODEBOOK.read_text("utf-8"))
    (tmp_path / "book.yaml").write_text(text, encoding="utf-8")
    book = load_codebook(tmp_path / "book.yaml")
    on, off = Matcher(book), Matcher(book, semantic=False)
    kinds_on, kinds_off = set(), set()
    for doc in docs.values():
        kinds_on |= {m.kind for m in on.match(doc.text, doc.passages)}
        kinds_off |= {m.kind for m in off.match(doc.text, doc.passages)}
    assert "semantic" in kinds_on and "semantic" not in kinds_off


def _sanctions_matcher(tmp_path: Path) -> Matcher:
    """The default codebook with a model whose `unilateral_sanctions` threshold is lowered to
    0.6 (the shipped model leaves every theme off), as a researcher's retrained model might."""
    model = load_model()
    model.themes["unilateral_sanctions"].threshold = 0.6
    model.save(tmp_path / "model.json")
    text = re.sub(r"(?m)^semantic: .*$", "semantic: model.json", DEFAULT_CODEBOOK.read_text("utf-8"))
    (tmp_path / "book.yaml").write_text(text, encoding="utf-8")
    return Matcher(load_codebook(tmp_path / "book.yaml"))


def _speech(corpus: Path, name: str) -> tuple[str, list]:
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        raw = z.read(f"UNGDC_1946-2024/Session {name[4:6]} - {name[7:]}/{name}.txt")
    text = clean_text(raw.decode("utf-8-sig"))
    return text, segment(text)


def test_semantic_matches_take_the_direction_of_what_the_model_read(corpus, tmp_path):
    """A semantic match is read for its direction as a rule's is: the United States imposing
    its own sanctions (2017, 2019) is `reports` and not counted, in the passage itself or in
    the sentence before it that the model read with it; the cue is in the reason. (Every
    semantic match was `supports` and counted: three US speeches of 2017-2019 turned present.)"""
    matcher = _sanctions_matcher(tmp_path)
    for name, sentence in (
        ("USA_72_2017", "We have also imposed tough, calibrated sanctions on the socialist Maduro regime"),
        ("USA_74_2019", "we just imposed the highest level of sanctions on Iran"),
    ):
        text, passages = _speech(corpus, name)
        at = text.index(sentence)
        j = max(k for k, p in enumerate(passages) if p.start <= at)
        found = [m for m in matcher.match(text, passages) if m.theme == "unilateral_sanctions"]
        # the semantic match on the sentence, or on the one after it (read with it)
        near = [m for m in found if m.kind == "semantic"
                and m.start in (passages[j].start, passages[j + 1].start)]  # fmt: skip
        assert near, name
        for m in near:
            assert m.direction == "reports" and not m.counted, (name, m.matched_text)
            assert "reports cue: the speaker as the actor" in m.reason


def test_semantic_matcher_leaves_a_rule_s_sentence_and_the_next_to_the_rule(corpus, tmp_path):
    """What the model reads (a passage and the sentence before it) holding a rule's match of the
    theme, counted or not, is left to the rule: the sentence after "we will not lift sanctions"
    (2017, a rule's `reports` match) is no semantic match."""
    matcher = _sanctions_matcher(tmp_path)
    text, passages = _speech(corpus, "USA_72_2017")
    found = [m for m in matcher.match(text, passages) if m.theme == "unilateral_sanctions"]
    rules = [m for m in found if m.kind != "semantic"]
    assert rules and any(m.direction == "reports" for m in rules)
    assert any(m.kind == "semantic" for m in found)  # else the loop below checks nothing
    starts = [p.start for p in passages]
    for m in found:
        if m.kind != "semantic":
            continue
        i = starts.index(m.start) if m.start in starts else max(k for k, s in enumerate(starts) if s <= m.start)
        begin = passages[i - 1].start if i else passages[i].start
        assert not any(r.start < m.end and begin < r.end for r in rules), m.matched_text


def test_the_best_passages_not_left_to_the_rules_are_kept(corpus, tmp_path):
    """The passages the semantic matcher keeps (at most MAX_PER_THEME a theme) are the best of
    those not left to the rules: it picked the best first, mostly a rule's neighbours, and then
    dropped them, so Cuba's 2006 speech, 14 passages above the threshold, kept none."""
    matcher = _sanctions_matcher(tmp_path)
    text, passages = _speech(corpus, "CUB_61_2006")
    found = [m for m in matcher.match(text, passages) if m.theme == "unilateral_sanctions"]
    assert any(m.kind != "semantic" for m in found)
    assert any(m.kind == "semantic" for m in found)


def _matcher_with(model, folder: Path) -> Matcher:
    """The default codebook with ``model`` as its semantic model."""
    model.save(folder / "model.json")
    text = re.sub(r"(?m)^semantic: .*$", "semantic: model.json", DEFAULT_CODEBOOK.read_text("utf-8"))
    (folder / "book.yaml").write_text(text, encoding="utf-8")
    return Matcher(load_codebook(folder / "book.yaml"))


def _calibration_mirrors_the_matcher(model, corpus: Path, folder: Path) -> int:
    """For three real speeches: the matcher adds each theme at the probability calibration
    gives it and not at the next float above; a theme calibration leaves out it never adds.
    Returns how many scores differ from the statement's best passage's."""
    book = load_codebook()
    rules_only = Matcher(book, semantic=False)
    differs = 0
    for name in ("USA_72_2017", "USA_74_2019", "CUB_61_2006"):
        text, passages = _speech(corpus, name)
        doc = SimpleNamespace(text=text, passages=passages, language="en")
        rules = rules_only.match(text, passages)
        found = {m.theme for m in rules if m.counted}
        gold = {name: dict.fromkeys(model.themes, False)}
        gains = statement_gains(model, {name: doc}, gold, {name: found},
                                rule_matches={name: rules}, codebook=book)  # fmt: skip
        scored = {t: items[0][0] for t, items in gains.items() if items}
        plain = {t: items[0][0] for t, items in
                 statement_gains(model, {name: doc}, gold, {name: found}).items() if items}  # fmt: skip
        differs += sum(scored.get(t) != p for t, p in plain.items())
        for above, expect_added in ((False, True), (True, False)):
            for t, theme in model.themes.items():
                at = scored.get(t, 0.0)
                theme.threshold = (math.inf if t in found else
                                   float(np.nextafter(at, math.inf)) if above and t in scored
                                   else at)  # fmt: skip
            where = folder / f"{name}-{above}"
            where.mkdir(parents=True)
            added = {m.theme for m in _matcher_with(model, where).match(text, passages)
                     if m.kind == "semantic" and m.counted}  # fmt: skip
            expected = set(scored) if expect_added else set()
            assert added == expected, (name, above, added ^ expected)
    return differs


def test_calibration_scores_a_statement_as_the_matcher_codes_it(corpus, tmp_path):
    """The probability calibration gives a statement and theme is the threshold up to which the
    matcher adds the theme (a counted semantic match) and above which it does not; a statement
    it never adds gets none. Calibration scored a statement by its best passage, though the
    matcher leaves a rule's neighbourhood to the rule and counts only the directions the theme
    fits: the United States' own sanctions scored as condemnations."""
    differs = _calibration_mirrors_the_matcher(load_model(), corpus, tmp_path)
    assert differs, "the matcher's reading changed no statement's score: nothing is checked"


def test_calibration_of_a_model_with_word_vectors_mirrors_the_matcher(gold_db, corpus, tmp_path):
    """With word vectors too, to the last bit: the matcher scores only the themes switched on,
    calibration all of them, and a product over some columns rounded differently (a few 1e-6
    in log-odds), so a threshold at a calibrated probability could miss it. Checked directly
    too: a subset of themes scores as those columns of all themes do, bit for bit."""
    db, gold = gold_db
    docs, labels, evidence = _docs(db, gold)
    with Store(db, readonly=True) as store:
        vectors = vectors_from_database(store, vocabulary=3000, dims=32)
    book = load_codebook()
    examples = codebook_examples(book)
    examples.extend(gold_examples(book, docs, labels, evidence))
    trained = fit(book, examples, vectors=vectors)  # no calibration: its thresholds are set below
    # as the matcher will read it: from its file (the weights are written rounded)
    model = load_model(trained.save(tmp_path / "trained.json"))
    text, passages = _speech(corpus, "CUB_61_2006")
    per = [words(text[p.start : p.end]) for p in passages]
    every = model._scores(per, windows=True)
    for some in ([0], [1, 4, 7], [0, 2, 3, 5, 8, 9, 11], list(range(12))):
        assert np.array_equal(model._scores(per, np.array(some), windows=True), every[:, some])
    _calibration_mirrors_the_matcher(model, corpus, tmp_path)


def test_calibration_keeps_only_the_best_passages_as_the_matcher_does(corpus):
    """The matcher keeps a theme's best MAX_PER_THEME passages not left to the rules, and
    counts those whose direction fits: a statement whose best three are the speaker's own
    sanctions is never added, though a fourth passage condemns them (the best three were not
    kept in calibration's scoring, which then added it)."""
    model, book = load_model(), load_codebook()
    sentences = ["We thank the President for his leadership.",
                 "Our sanctions on the regime are working.",
                 "Our sanctions will go on.",
                 "Our sanctions are only the start.",
                 "The harvest was good this year.",
                 "Such economic pressure on a small nation is wrong."]  # fmt: skip
    text = " ".join(sentences)
    passages = segment(text)
    assert len(passages) == len(sentences)
    rules = Matcher(book, semantic=False).match(text, passages)
    assert not [m for m in rules if m.theme == "unilateral_sanctions"]
    j = model._theme_ids.index("unilateral_sanctions")
    designed = np.zeros((len(passages), len(model._theme_ids)))
    designed[:, j] = [0.1, 0.9, 0.85, 0.8, 0.05, 0.7]
    model.window_probabilities = lambda text, passages: designed  # type: ignore[method-assign]
    doc = SimpleNamespace(text=text, passages=passages, language="en")
    gold = {"s": {"unilateral_sanctions": True}}
    gains = statement_gains(model, {"s": doc}, gold, {"s": set()}, rule_matches={"s": rules},
                            codebook=book)  # fmt: skip
    assert gains["unilateral_sanctions"] == []
    designed[1:4, j] = 0.0  # without the speaker's own sanctions ahead of it, it is added
    gains = statement_gains(model, {"s": doc}, gold, {"s": set()}, rule_matches={"s": rules},
                            codebook=book)  # fmt: skip
    assert gains["unilateral_sanctions"] == [(0.7, 1)]


def test_calibration_scores_no_theme_the_codebook_lacks(corpus, tmp_path):
    """A model trained for a theme since removed from the codebook adds nothing there (the
    matcher drops such matches), so calibration scores no statement for it."""
    book = load_codebook(_book_with_model(tmp_path / "b", drop="ai_governance"))
    model = load_model()
    text, passages = _speech(corpus, "USA_72_2017")
    doc = SimpleNamespace(text=text, passages=passages, language="en")
    rules = Matcher(book, semantic=False).match(text, passages)
    gold = {"u": dict.fromkeys(model.themes, False)}
    found = {m.theme for m in rules if m.counted}
    gains = statement_gains(model, {"u": doc}, gold, {"u": found}, rule_matches={"u": rules},
                            codebook=book)  # fmt: skip
    assert gains["ai_governance"] == []
    assert any(gains[t] for t in model.themes if t != "ai_governance")


def test_a_semantic_match_after_some_claim_that_reports(tmp_path):
    """A reported-speech cue inside the passage a semantic match spans governs it, as it governs
    a rule's match after it: only cues before the span counted, and the span is the passage."""
    from tracker.models import Match

    text = ("We thank the Secretary-General. "
            "Some claim that the embargo against Cuba is a legitimate policy.")  # fmt: skip
    passages = segment(text)
    second = passages[-1]
    semantic = Match(theme="unilateral_sanctions", rule="semantic", kind="semantic", score=70.0,
                     start=second.start, end=second.end, matched_text=text[second.start:second.end],
                     passage_seq=second.seq, reason="words: embargo")  # fmt: skip
    matcher = Matcher(load_codebook(), semantic=False)
    (directed,) = matcher.directed(text, passages, [semantic])
    rule = [m for m in matcher.match(text, passages) if m.theme == "unilateral_sanctions"]
    assert rule and all(m.direction == "reports" and not m.counted for m in rule)
    assert directed.direction == "reports" and not directed.counted, directed.reason
    assert directed.reason.startswith("words: embargo; reports cue: Some claim")


def test_vectors_command_and_a_model_with_vectors_stores_semantic_matches(gold_db, corpus, tmp_path):
    """`tracker semantic vectors` learns vectors from a database; a model trained with them is
    saved with its vectors beside it, loads from its own folder, and an ingest stores its
    `semantic` matches with passage, score and reason (the nearest exemplar by meaning)."""
    db, gold = gold_db
    out = tmp_path / "corpus.vectors.npz"
    result = CliRunner().invoke(cli, ["semantic", "vectors", "--db", str(db), "-o", str(out),
                                      "--vocabulary", "500", "--dims", "16"])  # fmt: skip
    assert result.exit_code == 0, result.output
    vectors = load_vectors(out)
    assert len(vectors.words) == 500 and vectors.dims == 16
    few = CliRunner().invoke(cli, ["semantic", "vectors", "--db", str(db), "-o", str(tmp_path / "x"),
                                   "--dims", "1000"])  # fmt: skip
    assert few.exit_code != 0 and "too few for 1000 dimensions" in few.output
    assert not (tmp_path / "x").exists()
    assert vectors.meta["documents"] == FILES
    docs, labels, evidence = _docs(db, gold)
    model = train_model(load_codebook(), docs, labels, evidence, vectors=vectors)
    assert any(any(t.dense) for t in model.themes.values())
    for theme, m in model.themes.items():  # one theme on, at a threshold low enough to match
        m.threshold = 0.3 if theme == "un_main_channel" else math.inf
    model.save(tmp_path / "model.json")
    assert (tmp_path / "model.vectors.npz").exists()
    text = re.sub(r"(?m)^semantic: .*$", "semantic: model.json", DEFAULT_CODEBOOK.read_text("utf-8"))
    (tmp_path / "book.yaml").write_text(text, encoding="utf-8")
    target, names = tmp_path / "coded.db", sorted(docs)[:4]
    ingest_paths([corpus / "unga79" / "text" / n for n in names], db=target, workers=1,
                 manifest=corpus / "manifest.csv", codebook=tmp_path / "book.yaml")  # fmt: skip
    with Store(target, readonly=True) as store:
        stored = [m for found in stored_matches(store, names).values() for m in found
                  if m.kind == "semantic"]  # fmt: skip
    assert stored
    for m in stored:
        assert m.theme == "un_main_channel" and 30 <= m.score <= 100
        assert m.matched_text.strip() and "nearest exemplar (" in m.reason


def test_a_threshold_whose_additions_are_too_often_wrong_leaves_the_theme_off():
    """Calibration: a threshold must add more right than wrong findings *and* keep what it adds
    at least MIN_ADDED_PRECISION right; otherwise the theme stays off. 7 right and 3 wrong above
    0.9 (gain 4, 70% right) is refused; 8 right and 1 wrong (89% right) is taken, at the highest
    threshold that reaches the best gain."""
    loose = [(0.95, 1)] * 7 + [(0.95, -1)] * 3 + [(0.5, -1)] * 20
    tight = [(0.97, 1)] * 8 + [(0.97, -1)] * 1 + [(0.6, 1), (0.6, -1), (0.6, -1)]
    # below 0.97 more is gained (12 right, 6 wrong from 0.7 on: gain 6 > 5) but only 67% right
    precise_first = [(0.97, 1)] * 6 + [(0.97, -1)] + [(0.7, 1)] * 6 + [(0.7, -1)] * 5
    chosen = thresholds({"loose": loose, "tight": tight, "precise_first": precise_first})
    assert 7 / 10 < MIN_ADDED_PRECISION <= 8 / 9
    assert math.isinf(chosen["loose"])
    assert chosen["tight"] == 0.97  # the best gain, at the highest threshold that reaches it
    assert chosen["precise_first"] == 0.97


PASSAGES = Path(__file__).resolve().parents[1] / "gold" / "passages" / "labelled.tsv"


def test_labelled_passages_are_examples_of_their_own_theme_only():
    """The repository's 600 hand-labelled passages train only the theme each one names: 1 or 0
    there, no label (-1) for the eleven others, and every one a trusted example."""
    book = load_codebook()
    examples = labelled_passages(PASSAGES, book)
    with open(PASSAGES, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(examples.texts) == len(rows) == 600 and all(examples.exemplar)
    # passages holding a quotation mark are quoted fields in the file, read without the quoting
    assert '\t"' in PASSAGES.read_text(encoding="utf-8")
    assert not any('""' in t for t in examples.texts)
    for i, row in enumerate(rows):
        assert examples.texts[i] == row["passage"]
        assert {t: col[i] for t, col in examples.labels.items() if col[i] != -1} == {
            row["theme"]: int(row["present"])}  # fmt: skip


@pytest.mark.parametrize(
    "content, problem",
    [
        ("id\ttheme\tpresent\n", "missing: passage"),
        ("theme\tpresent\tpassage\n", "no labelled passages"),
        ("theme\tpresent\tpassage\nno_such_theme\t1\tA passage.\n", "line 2"),
        ("theme\tpresent\tpassage\nbloc_confrontation\t1\tOne.\nun_main_channel\tyes\tTwo.\n",
         "line 3"),
        ("theme\tpresent\tpassage\nun_main_channel\t1\t \n", "line 2"),
    ],
)
def test_a_malformed_passage_file_is_refused_by_name_and_line(tmp_path, content, problem):
    path = tmp_path / "labels.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GoldError, match=re.escape(problem)) as caught:
        labelled_passages(path, load_codebook())
    assert str(path) in str(caught.value)


def test_no_suggestion_reads_a_sentence_a_rule_already_matched(gold_db):
    """A suggested passage is read with the sentence before it; neither may hold a match of
    the theme (a window around a matched sentence scores high for the words a rule has)."""
    from tracker import query
    from tracker.suggest import suggest

    db, _ = gold_db
    book = load_codebook()
    with Store(db, readonly=True) as store:
        for theme in ("un_main_channel", "capacity_building"):
            found, _phrases = suggest(store, book, theme, limit=30)
            assert found, theme
            for s in found:
                passages = query.passages_of(store.conn, s.statement_id)
                seqs = [p.seq for p in passages]
                i = seqs.index(s.passage_seq)
                start = passages[i - 1].start if i else passages[i].start
                end = passages[i].end
                spans = query.theme_spans(store.conn, s.statement_id, theme)
                assert not any(a < end and start < b for a, b in spans), (theme, s.text)


def _with_file_size_limit(limit: int):
    """For a subprocess: files it writes may not grow past ``limit`` bytes (a write beyond
    fails with EFBIG, as a full disk fails one with ENOSPC)."""
    import resource
    import signal

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_files


def test_vectors_and_models_are_written_whole_or_not_at_all(gold_db, tmp_path):
    """A write that cannot finish (here: files may not pass 48 KB, as on a full disk) leaves the
    older vectors or model file as it was and no temporary file; the message names the file.
    Before, both were written in place: the older file was lost."""
    import subprocess
    import sys

    db, _ = gold_db
    out = tmp_path / "corpus.vectors.npz"
    out.write_bytes(b"older vectors")
    args = [sys.executable, "-m", "tracker.cli", "semantic", "vectors", "--db", str(db), "-o",
            str(out), "--vocabulary", "500", "--dims", "100"]  # fmt: skip
    # (the database's 32 KB shared-memory file fits: the vectors, 500 x 100 numbers, do not)
    done = subprocess.run(args, capture_output=True, text=True, timeout=300,
                          preexec_fn=_with_file_size_limit(48 * 1024))  # fmt: skip
    assert done.returncode == 1 and f"cannot write {out}" in done.stderr, done.stderr[-500:]
    assert out.read_bytes() == b"older vectors"
    model = tmp_path / "model.semantic.json"
    model.write_text("older model", encoding="utf-8")
    save = ("import sys; from tracker.semantic import load_model; "
            "load_model().save(sys.argv[1])")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", save, str(model)], capture_output=True,
                          text=True, timeout=300, preexec_fn=_with_file_size_limit(48 * 1024))  # fmt: skip
    assert done.returncode == 1 and "File too large" in done.stderr, done.stderr[-500:]
    assert model.read_text(encoding="utf-8") == "older model"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name, model.name]
    # without the limit both are written, whole
    assert subprocess.run(args, capture_output=True, timeout=300).returncode == 0
    assert len(load_vectors(out).words) == 500 and out.stat().st_size > 48 * 1024


def _book_with_model(folder: Path, *, drop: str = "", on: str = "un_main_channel") -> Path:
    """A copy of the default codebook in ``folder``, naming a model beside it with ``on``
    switched on (and the theme ``drop`` removed from the codebook)."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    model = load_model()
    model.themes[on].threshold = 0.3
    model.save(folder / "model.json")
    data = yaml.safe_load(DEFAULT_CODEBOOK.read_text("utf-8"))
    data["semantic"] = "model.json"
    data["themes"] = [t for t in data["themes"] if t["id"] != drop]
    (folder / "book.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")  # fmt: skip
    return folder / "book.yaml"


def test_a_model_adds_no_theme_the_codebook_lacks(gold_db, tmp_path):
    """A model trained with un_main_channel on, under a codebook without that theme, stored
    `un_main_channel` semantic matches, statement themes and export rows the codebook lacked."""
    db, gold = gold_db
    docs, _, _ = _docs(db, gold)
    kept = Matcher(load_codebook(_book_with_model(tmp_path / "kept")))
    dropped = Matcher(load_codebook(_book_with_model(tmp_path / "dropped", drop="un_main_channel")))
    with_theme = [m for d in docs.values() for m in kept.match(d.text, d.passages)
                  if m.kind == "semantic" and m.theme == "un_main_channel"]  # fmt: skip
    assert with_theme  # the model does find the theme where the codebook has it
    assert not [m for d in docs.values() for m in dropped.match(d.text, d.passages)
                if m.theme == "un_main_channel"]  # fmt: skip


def test_a_codebook_given_by_a_relative_path_is_found_from_anywhere(corpus, tmp_path, monkeypatch):
    """`--codebook sem/book.yaml` stored the path as typed: run from another folder, a later
    ingest looked for the model there (an error), or took the shipped model of that name and
    stamped statements with a version the database did not record. The path is stored whole,
    and a model changed since is an error, not a silent other coding."""
    book = _book_with_model(tmp_path / "work" / "sem")
    monkeypatch.chdir(tmp_path / "work")
    db = tmp_path / "work" / "t.db"
    speeches = corpus / "unga79" / "text"
    result = CliRunner().invoke(cli, ["ingest", str(speeches / "kz_en.txt"), "--db", str(db),
                                      "--codebook", "sem/book.yaml", "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["ingest", str(speeches / "uz_en.txt"), "--db", str(db),
                                      "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    with Store(db, readonly=True) as store:
        active = store.active_codebook()
        stamped = {r[0] for r in store.conn.execute("SELECT codebook_version FROM statements")}
    assert active.path == str(book.resolve()) and stamped == {active.version}
    from app_pages.ui.data import suggestions

    # the dashboard's Suggestions answer once (and cache the answer) before the model changes
    suggestions(str(db), active.version, active.text, active.path, "un_main_channel", 200)
    model = load_model(book.parent / "model.json")
    model.themes["un_main_channel"].threshold = 0.5  # the model beside it replaced
    model.save(book.parent / "model.json")
    result = CliRunner().invoke(cli, ["ingest", str(speeches / "ke_en.txt"), "--db", str(db),
                                      "--quiet"])  # fmt: skip
    assert result.exit_code == 1 and "no longer reads the same" in result.output
    # the command it prints re-codes this database (without --db it re-coded ./db/tracker.db)
    assert f"--db {db}" in result.output
    result = CliRunner().invoke(cli, ["suggest", "--theme", "un_main_channel", "--db", str(db)])
    assert result.exit_code == 1 and "no longer reads the same" in result.output
    assert f"--db {db}" in result.output
    # the dashboard's Suggestions refuse it as the command does (they used the changed model),
    # though an answer for the same codebook text is cached (it was given again from the cache)
    with pytest.raises(CodebookError, match="no longer reads the same"):
        suggestions(str(db), active.version, active.text, active.path, "un_main_channel", 200)


def test_suggest_ranks_a_theme_the_codebook_s_model_lacks(gold_db, tmp_path):
    """A theme saved from the Any term page after the model was trained (the codebook still
    names the shipped model): `tracker suggest` ranked with that model and died on the theme it
    lacks (ValueError); now a model trained on the spot from the database's coding ranks it."""
    import shutil

    from tracker.terms import Term, save_theme

    db, _ = gold_db
    copy = tmp_path / "saved.db"
    shutil.copy(db, copy)
    with Store(copy, readonly=True) as store:
        active = store.active_codebook()
    saved = save_theme(tmp_path / "books", Term(phrases=("outer space",)),
                       codebook_text=active.text, codebook_path=active.path,
                       theme_id="outer_space")  # fmt: skip
    assert "outer_space" not in load_model(saved.codebook.semantic_model).themes
    result = CliRunner().invoke(cli, ["match", "--codebook", str(saved.path), "--db", str(copy),
                                      "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["suggest", "--theme", "outer_space", "--db", str(copy),
                                      "--limit", "5"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "theme outer_space: 5 passages" in result.output and "candidate phrases" in result.output


def test_candidate_phrases_are_only_those_over_represented(corpus):
    """Phrases rarer in the suggested passages than in all passages read were listed as
    candidates (x0.6-x0.8) under "most over-represented"."""
    from tracker.suggest import candidate_phrases

    texts = [(corpus / "unga79" / "text" / f"{c}_en.txt").read_text(encoding="utf-8")
             for c in ("at", "au", "ke", "jp", "fj", "tv")]  # fmt: skip
    sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s.split()) > 6]
    top = [s for s in sentences if "united nations" in s.lower()][:40]
    listed = candidate_phrases(top, sentences, limit=500)
    assert listed and all(c.lift > 1 for c in listed)
    # passages where "climate change" is no more frequent than in all passages read (here the
    # same passages: a share of 1.0 against 5/4 smoothed): not a candidate
    climate = [s for s in sentences if "climate change" in s.lower()][:4]
    assert len(climate) == 4
    assert "climate change" not in {c.phrase for c in candidate_phrases(climate, climate)}


def test_no_two_suggestions_are_neighbouring_passages_of_a_statement(gold_db):
    """Each suggestion shows its passage with the sentence before it: two neighbours showed the
    same sentence twice, one list place wasted on each repeat."""
    from tracker.suggest import suggest

    db, _ = gold_db
    with Store(db, readonly=True) as store:
        found, _ = suggest(store, load_codebook(), "un_main_channel", limit=60, sample=400)
    places = {(s.statement_id, s.passage_seq) for s in found}
    assert len(found) == 60
    assert not [p for p in places if (p[0], p[1] + 1) in places]


def test_semantic_train_warns_of_gold_themes_the_codebook_lacks(gold_db, tmp_path):
    """A misspelt theme id in the gold trains nothing; `tracker validate` warns of it, `semantic
    train` took it in silence."""
    db, gold = gold_db
    typo = tmp_path / "typo.tsv"
    typo.write_text(gold.read_text(encoding="utf-8").replace("\tunilateral_sanctions\t",
                                                             "\tunilateral_sanction\t"),
                    encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(cli, ["semantic", "train", "--gold", str(typo), "--gold-db",
                                      str(db), "-o", str(tmp_path / "m.json")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "names theme(s) the codebook does not have" in result.output
    assert "unilateral_sanction" in result.output


def test_a_heading_repeated_in_speeches_is_suggested_once_at_most(corpus, tmp_path):
    """Dominica's, Jamaica's and Solomon Islands' 2024 speeches each have a heading "Cuba" before
    "Mr. President,": for unilateral_sanctions, `tracker suggest` listed that fragment three
    times in its first three places, each for the one word "cuba" (QA)."""
    from tracker.suggest import suggest

    db = tmp_path / "t.db"
    ingest_paths([corpus / "unga79" / "text" / f"{c}_en.txt" for c in ("dm", "jm", "sb", "ss")],
                 db=db, workers=1)  # fmt: skip
    with Store(db, readonly=True) as store:
        found, _ = suggest(store, load_codebook(), "unilateral_sanctions", limit=20)
    shown = [" ".join(re.findall(r"\w+", s.text.lower())) for s in found]
    assert found and len(shown) == len(set(shown))
    assert all(len(w.split()) >= 6 for w in shown)  # no bare heading
