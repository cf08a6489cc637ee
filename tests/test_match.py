"""The matcher: each rule kind, exclusions, overlap, every tolerance on real sentences, languages,
and the dev-gold accuracy through the real pipeline (clean_text + segment + Matcher)."""

from __future__ import annotations

import json
import pickle
import re
import zipfile
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from tracker.clean import clean_text
from tracker.codebook import codebook_from_text, load_codebook
from tracker.match import Matcher, fold, stem
from tracker.models import Match
from tracker.segment import segment
from tracker.sources import read_file
from tracker.validate import THEME_F1_TARGET, THEME_MIN_SUPPORT, evaluate, load_gold

UNGDC = "ungdc/UNGDC_1946-2024.zip"

PROBE = """\
name: probe
themes:
  - id: divide
    label: Divide
    definition: names a digital divide
    rules:
      - name: short
        phrases: {en: [digital divide]}
      - name: long
        phrases: {en: [the digital divide between countries]}
      - name: gap near internet
        near: {en: [[gap], [internet]]}
        within: 4
  - id: battle
    label: Battlefield
    definition: cyberspace as a battlefield
    rules:
      - near: {en: [[cyberspace], [battlefield]]}
        within: sentence
  - id: sanctions
    label: Sanctions
    definition: condemns sanctions
    exclude:
      - phrases: {en: [Security Council sanctions]}
        within: 0
    rules:
      - near: {en: [[lift, condemn], [sanctions]]}
        within: 4
  - id: force
    label: Force
    definition: non-use of force
    rules: [{phrases: {en: [non-use of force, non-use or threat of force]}}]
  - id: bloc
    label: Bloc
    definition: bloc politics
    rules: [{phrases: {en: [bloc politics]}}]
  - id: veto
    label: Veto
    definition: veto power
    rules: [{phrases: {en: [veto power]}}]
  - id: spelling
    label: Spelling
    definition: tolerant words
    rules:
      - phrases: {en: [sovereignty, crisis in multilateralism, restructure the council]}
  - id: cyber
    label: Cyber
    definition: cyber attacks
    rules: [{phrases: {en: [cyber attack], fr: [cyberattaque], es: [ataque cibernético]}}]
"""


@cache
def probe() -> Matcher:
    return Matcher(codebook_from_text(PROBE, path="probe.yaml"))


@cache
def default() -> Matcher:
    return Matcher(load_codebook())


def found(text: str, matcher: Matcher | None = None, language: str = "en") -> list[Match]:
    matcher = matcher or probe()
    matches = matcher.match(text, segment(text), language=language)
    for m in matches:  # invariants of every match
        assert m.matched_text == text[m.start : m.end]
        assert 0 <= m.start < m.end <= len(text)
    return matches


def themes(text: str, matcher: Matcher | None = None, language: str = "en") -> set[str]:
    return {m.theme for m in found(text, matcher, language)}


def ungdc(corpus: Path, member: str) -> str:
    with zipfile.ZipFile(corpus / UNGDC) as archive:
        return archive.read(f"UNGDC_1946-2024/{member}").decode("utf-8-sig")


def sentence_with(text: str, words: str) -> str:
    """The sentence of a real text that holds these words."""
    hit = re.search(r"[^.]*" + re.escape(words) + r"[^.]*\.", text)
    assert hit, words
    return hit.group().strip()


# -- rule kinds ------------------------------------------------------------------------------


def test_phrase_rule_gives_exact_match_with_offsets() -> None:
    text = "We must close the digital divide. Now."
    (m,) = found(text)
    assert (m.theme, m.rule, m.kind, m.score) == ("divide", "short", "exact", 100.0)
    assert m.matched_text == "digital divide" and m.passage_seq == 0


def test_overlapping_rules_of_a_theme_count_once_longest_wins() -> None:
    (m,) = found("We see the digital divide between countries widening.")
    assert m.rule == "long" and m.matched_text == "the digital divide between countries"


def test_near_rule_within_words_and_one_sentence() -> None:
    (m,) = found("There is a gap in access to the internet.")
    assert m.kind == "proximity" and m.matched_text == "gap in access to the internet"
    assert not found("The gap between what we promise and what we do is vast on the internet.")
    assert not found("There is a gap. The internet is slow.")  # not across a full stop


def test_near_rule_in_sentence_mode_reads_the_sentence_before() -> None:
    text = "Cyberspace is the common home of humanity. It must never become a battlefield."
    (m,) = found(text)
    assert m.theme == "battle" and m.passage_seq == 0 and m.matched_text == text[:-1]
    assert not found("Cyberspace is our home. We met today. It must never become a battlefield.")


def test_a_phrase_cut_by_the_length_limit_of_passages_still_matches() -> None:
    # segmentation cuts a long sentence into pieces of at most max_words words; a phrase that
    # runs over such a cut is in one sentence and matches, one that runs over a full stop or a
    # line break does not
    text = "Together we must close the digital divide between countries for all time."
    pieces = segment(text, max_words=6)
    assert len(pieces) == 2 and text[pieces[0].start : pieces[0].end].endswith("digital")
    (m,) = probe().match(text, pieces)
    assert m.matched_text == "the digital divide between countries" and m.passage_seq == 0
    for stop in (". ", "\n"):
        broken = text.replace("digital ", "digital" + stop)
        assert [m.matched_text for m in probe().match(broken, segment(broken, max_words=6))] == []


@pytest.mark.parametrize(("member", "words", "theme"), [
    ("Session 11 - 1956/GRC_11_1956.txt", "all nations, large and small", "non_interference"),
    ("Session 12 - 1957/SDN_12_1957.txt", "any other intervention for that matter", "non_interference"),
    ("Session 50 - 1995/COD_50_1995.txt", "balanced representation of the nations", "security_council_reform"),
])  # fmt: skip
def test_real_long_sentences_whose_phrase_runs_over_a_passage_cut(corpus: Path, member: str,
                                                                 words: str, theme: str) -> None:
    sentence = clean_text(sentence_with(ungdc(corpus, member), words))
    passages = segment(sentence)
    assert len(passages) > 1  # longer than a passage: segmentation cut it
    (m,) = [m for m in found(sentence, default()) if m.theme == theme and m.counted]
    cuts = [p.end for p in passages[:-1]]
    assert any(m.start < cut < m.end for cut in cuts), (m.matched_text, cuts)


def test_exclusion_vetoes_a_match() -> None:
    assert themes("We condemn unilateral sanctions.") == {"sanctions"}
    assert not themes("We condemn the Security Council sanctions on arms dealers.")


def test_matches_are_sorted_and_carry_the_passage_of_their_start() -> None:
    text = "Intro. We condemn sanctions. The digital divide grows. We reject bloc politics."
    matches = found(text)
    assert [m.theme for m in matches] == ["sanctions", "divide", "bloc"]
    passages = segment(text)
    for m in matches:
        p = next(p for p in passages if p.seq == m.passage_seq)
        assert p.start <= m.start < p.end


# -- tolerances ------------------------------------------------------------------------------


def test_typo_in_the_seed_non_use_of_force(corpus: Path) -> None:
    seed = (corpus / "seed/2024-06-20_china_fu-cong_unsc-cybersecurity.txt").read_text(
        encoding="utf-8"
    )
    sentence = sentence_with(seed, "non=use or threat of force")
    assert "force" in themes(sentence)
    assert "force" not in themes("The use of force against civilians is a crime.")


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("bloc politics", "bloc"), ("block politics", None),  # bloc/block
        ("veto power", "veto"), ("vote power", None),  # veto/vote
    ],
)  # fmt: skip
def test_short_words_match_exactly_never_fuzzily(text: str, theme: str | None) -> None:
    assert themes(f"We discussed {text} today.") == ({theme} if theme else set())


def test_ai_is_not_al(corpus: Path) -> None:
    sg = clean_text((corpus / "unga79/text/sg_en.txt").read_text(encoding="utf-8"))
    sentence = sentence_with(sg, "installing global guardrails")  # OCR wrote "Al" for "AI"
    assert "in Al," in sentence
    assert "ai_governance" not in themes(sentence, default())
    assert "ai_governance" in themes(sentence.replace(" Al,", " AI,"), default())


def test_british_spelling_and_inflection(corpus: Path) -> None:
    rou = sentence_with(
        ungdc(corpus, "Session 42 - 1987/ROU_42_1987.txt"), "militarise outer space"
    )
    assert "militarization" in themes(rou, default())
    seed = (corpus / "seed/2024-06-20_china_fu-cong_unsc-cybersecurity.txt").read_text(
        encoding="utf-8"
    )
    militarized = sentence_with(seed, "increasingly militarized")
    assert "militarization" in themes(militarized, default())
    lk = clean_text((corpus / "unga79/text/lk_en.txt").read_text(encoding="utf-8"))
    assert "militarization" in themes(sentence_with(lk, "are being weaponized"), default())
    assert stem(fold("militarisation")) == stem(fold("militarizing")) == stem(fold("militarized"))
    assert stem(fold("centre")) == stem(fold("centered"))
    assert stem(fold("weapons")) != stem(fold("weaponization"))  # weapons in general do not count


def test_hyphen_and_spacing_of_compounds(corpus: Path) -> None:
    cze = sentence_with(ungdc(corpus, "Session 75 - 2020/CZE_75_2020.txt"), "cyber-attacks against")
    mco = sentence_with(ungdc(corpus, "Session 78 - 2023/MCO_78_2023.txt"), "Cyberattacks using")
    seed = (corpus / "seed/2024-06-20_china_fu-cong_unsc-cybersecurity.txt").read_text(
        encoding="utf-8"
    )
    spaced = sentence_with(seed, "Cyber attacks, cyber espionage")
    for sentence in (cze, mco, spaced):
        assert "cyber_threats" in themes(sentence, default()), sentence
    for form in ("cyber attack", "cyber-attack", "cyberattack", "cyber attacks", "Cyber-Attacks"):
        assert themes(f"A {form} hit us.") == {"cyber"}, form


def test_line_breaks_and_ocr_glue_in_a_delegation_pdf(corpus: Path) -> None:
    raw = (corpus / "unga79/text/sg_en.txt").read_text(encoding="utf-8")
    assert "capacity-\nbuilding programme" in raw and "Councilin" in raw
    text = clean_text(raw)
    matches = found(text, default())
    reform = [m for m in matches if m.theme == "security_council_reform"]
    assert any("Councilin" in m.matched_text for m in reform)  # "Council" + "in" glued by OCR
    assert any(m.theme == "capacity_building" and "building" in m.matched_text for m in matches)


def test_ocr_digits_and_rn_for_m() -> None:
    assert themes("We suffered a cyber attack.") == {"cyber"}
    assert themes("We reject bloc po1itics.") == {"bloc"}  # l read as 1
    assert themes("The crisis in rnultilateralism deepens.") == {"spelling"}  # m read as rn
    assert fold("intemational") == fold("international")


def test_speech_recognition_captions(corpus: Path) -> None:
    """Lower case, no punctuation, and the recogniser's own misspellings."""
    expected = {
        "Iran.json": "bloc_confrontation",
        "Costa Rica.json": "militarization",
        "Equatorial Guinea.json": "unilateral_sanctions",
    }
    for name, theme in expected.items():
        (doc,) = list(read_file(corpus / "unga78-captions" / name))
        text = clean_text(doc.raw_text, reader=doc.reader)
        assert theme in themes(text, default()), name
    typos = {"Angola.json": "sovereignity", "Brazil.json": "multimateralism"}
    for name, word in typos.items():
        (doc,) = list(read_file(corpus / "unga78-captions" / name))
        text = clean_text(doc.raw_text, reader=doc.reader)
        sentence = re.search(r"\S+ \S+ \S+ " + word + r" \S+ \S+", text).group()
        (m,) = found(sentence)
        assert m.theme == "spelling" and m.kind == "fuzzy" and 80 <= m.score < 100, name


def test_a_real_word_listed_as_no_typo_is_never_read_as_a_codebook_word(corpus: Path) -> None:
    """The default codebook's not_typos: "transformed" in an automatic caption ("has literally
    been transformed technology has completely revolutionized") was read as "transferred", so
    technology transfer (capacity_building) was counted on a speech about reform."""
    (doc,) = list(read_file(corpus / "unga78-captions" / "Gabon.json"))
    text = clean_text(doc.raw_text, reader=doc.reader)
    sentence = re.search(r"(\S+ ){8}transformed technology( \S+){8}", text).group()
    assert "capacity_building" not in themes(sentence, default()), sentence


def test_typos_in_long_words_but_not_other_real_words() -> None:
    (m,) = found("A cyber attak hit us.")  # a typo, supported by the exact word "cyber"
    assert m.theme == "cyber" and m.kind == "fuzzy"
    assert not found("We must structure the council.")  # a real word, not "restructure"
    assert not found("Our emission targets and our mission.")
    assert themes("We respect soverignty.") == {"spelling"}  # a long word may stand alone


# -- languages -------------------------------------------------------------------------------


def test_languages_covered_and_not() -> None:
    matcher = probe()
    assert matcher.covers("en") and matcher.covers("fr") and not matcher.covers("ar")
    assert matcher.match("A cyber attack hit us.", [], language="ar") == []
    assert themes("Une cyberattaque nous a frappés.", language="fr") == {"cyber"}
    assert themes("Sufrimos un ataque cibernético.", language="es") == {"cyber"}
    book = default()
    assert themes("Il faut réduire la fracture numérique.", book, "fr") == {"digital_divide"}
    assert themes("Rechazamos las medidas coercitivas unilaterales.", book, "es") == {
        "unilateral_sanctions"
    }
    assert themes("Nous appelons à la réforme du Conseil de sécurité.", book, "fr") == {
        "security_council_reform"
    }


def test_matcher_pickles_and_rebuilds() -> None:
    matcher = default()
    text = "We call for reform of the Security Council."
    before = matcher.match(text, segment(text))
    clone = pickle.loads(pickle.dumps(matcher))
    assert clone.match(text, segment(text)) == before and before


def test_matchers_of_one_codebook_version_share_one_compiled_lexicon() -> None:
    """A process compiles a codebook version once (an ingest, a re-match and a preview each
    make a Matcher); another version, however small the change, compiles its own."""
    text = PROBE
    first, again = (Matcher(codebook_from_text(text, path="probe.yaml")) for _ in range(2))
    assert first._lexicon("en") is again._lexicon("en")
    edited = codebook_from_text(text.replace("[veto power]", "[veto privilege]"), path="p.yaml")
    other = Matcher(edited)
    assert other._lexicon("en") is not first._lexicon("en")
    sentence = "The veto privilege of the permanent members, and the digital divide."
    assert "veto" in themes(sentence, other) and "veto" not in themes(sentence, first)



def test_a_new_semantic_model_of_the_same_rules_reuses_the_compiled_lexicon(tmp_path) -> None:
    """A codebook whose semantic model changed (retrained, recalibrated: a cross-validation
    fold, a calibration check) is a new version, but its rules compile to the same lexicon, so
    it is not compiled again; a change to the rules still is."""
    shipped = (Path(__file__).resolve().parents[1] / "tracker" / "codebooks")
    model = json.loads((shipped / "default.semantic.json").read_text(encoding="utf-8"))
    books = []
    for n, threshold in enumerate((0.5, 0.75)):
        folder = tmp_path / f"fold{n}"
        folder.mkdir()
        model["themes"]["un_main_channel"]["threshold"] = threshold
        (folder / "model.json").write_text(json.dumps(model), encoding="utf-8")
        text = re.sub(r"(?m)^semantic: .*$", "semantic: model.json",
                      (shipped / "default.yaml").read_text(encoding="utf-8"))  # fmt: skip
        (folder / "book.yaml").write_text(text, encoding="utf-8")
        books.append(load_codebook(folder / "book.yaml"))
    first, second = books
    assert first.version != second.version and first.rules_version == second.rules_version
    assert Matcher(first)._lexicon("en") is Matcher(second)._lexicon("en")
    edited = codebook_from_text(second.text.replace("centrality", "centralness", 1),
                                path=str(tmp_path / "fold1" / "edited.yaml"))  # fmt: skip
    assert edited.rules_version != first.rules_version
    assert Matcher(edited)._lexicon("en") is not Matcher(first)._lexicon("en")

@pytest.mark.parametrize("collector_on", [True, False])
def test_compiling_leaves_the_garbage_collector_as_it_found_it(monkeypatch, collector_on) -> None:
    """The collector is paused while a lexicon is built, and left on or off as it was, also
    when the build fails."""
    import gc

    import tracker.match as match_module

    book = codebook_from_text(PROBE.replace("name:", f"name: gc-{collector_on}", 1), path="p.yaml")
    try:
        gc.enable() if collector_on else gc.disable()
        assert match_module._compile(book, "en").trie
        assert gc.isenabled() is collector_on

        def broken(*_args):
            assert not gc.isenabled()  # paused while the trie is built
            raise MemoryError

        monkeypatch.setattr(match_module, "_trie", broken)
        with pytest.raises(MemoryError):
            match_module._compile(book, "en")
        assert gc.isenabled() is collector_on
    finally:
        gc.enable()


def test_the_word_pairs_read_from_the_trie_are_those_of_the_patterns(monkeypatch) -> None:
    """The pairs of keys that follow each other in some pattern (read off the trie's paths, and
    off the function words before a pattern's first content word) are exactly those of each
    pattern read word by word, on the shipped codebook."""
    import tracker.match as match_module

    built = match_module._trie
    seen = []
    monkeypatch.setattr(match_module, "_trie", lambda *args: seen.append(args) or built(*args))
    lexicon = match_module._compile(load_codebook(), "en")
    patterns, ids_of, _stops, names = seen[0]
    expected = set()
    for phrase, _owner in patterns:
        ids = [i for w in phrase.split() for i in (ids_of[w] if w != "*" else [match_module.WILD])]
        expected.update((names[a], names[b]) for a, b in pairwise(ids)
                        if match_module.WILD not in (a, b))
    assert lexicon.pairs == expected and len(expected) > 1_000


def test_the_trie_holds_each_pattern_from_its_first_content_word(monkeypatch) -> None:
    """The compiled trie, built in a tuned loop, is the one each pattern inserted plainly gives:
    its keys from the first word that is neither a function word nor `*`, and at its end the
    pattern's owner with the keys before that word, once, in the patterns' order."""
    import tracker.match as match_module

    built = match_module._trie
    seen = []
    monkeypatch.setattr(match_module, "_trie", lambda *args: seen.append(args) or built(*args))
    lexicon = match_module._compile(load_codebook(), "en")
    patterns, ids_of, stops, _names = seen[0]
    wild, end = match_module.WILD, match_module._END
    expected: dict = {}
    for phrase, owner in patterns:
        ids = [i for w in phrase.split() for i in (ids_of[w] if w != "*" else [wild])]
        content = [n for n, i in enumerate(ids) if i != wild and i not in stops]
        at = content[0] if content else 0
        node = expected
        for i in ids[at:]:
            node = node.setdefault(i, {})
        owners = node.setdefault(end, [])
        if (owner, tuple(ids[:at])) not in owners:
            owners.append((owner, tuple(ids[:at])))
    assert lexicon.trie == expected and len(patterns) > 100_000


def test_a_shared_lexicon_that_learnt_too_many_words_is_compiled_afresh(monkeypatch) -> None:
    """A long-running process (the dashboard) holds a bounded vocabulary: past the limit of
    learnt words, the next Matcher compiles the codebook again, and finds the same."""
    import tracker.match as match_module

    book = codebook_from_text(PROBE.replace("name:", "name: bounded", 1), path="probe.yaml")
    first = Matcher(book)
    sentence = "The digital divide, the digital dvide and cyberattacks on hospitals."
    before = found(sentence, first)
    monkeypatch.setattr(match_module, "_LEARNT_KEPT", 3)  # the sentence taught more than 3
    fresh = Matcher(book)
    assert fresh._lexicon("en") is not first._lexicon("en")
    assert found(sentence, fresh) == before and before


def test_threads_learning_words_at_once_match_as_one_thread_does(corpus: Path) -> None:
    """Matchers of one codebook share its lexicon and the words it has learnt; threads (the
    dashboard's sessions) learning new words at the same moment find what one thread finds."""
    from concurrent.futures import ThreadPoolExecutor

    book = codebook_from_text(load_codebook().text.replace("name:", "name: threads", 1))
    with zipfile.ZipFile(corpus / UNGDC) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith(".txt"))[::400][:16]
        texts = [clean_text(archive.read(n).decode("utf-8-sig")) for n in names]

    def match_all(order: list[int]) -> dict[int, list[Match]]:
        matcher = Matcher(book)
        return {i: matcher.match(texts[i], segment(texts[i])) for i in order}

    with ThreadPoolExecutor(4) as pool:  # four sessions, each reading the texts in its order
        orders = [list(range(k, len(texts))) + list(range(k)) for k in (0, 4, 8, 12)]
        results = list(pool.map(match_all, orders))
    # the same codebook under another name: another version, compiled and taught alone
    single = Matcher(codebook_from_text(book.text.replace("name: threads", "name: alone", 1)))
    alone = {i: single.match(t, segment(t)) for i, t in enumerate(texts)}
    assert sum(map(len, alone.values())) > 20
    assert all(result == alone for result in results)


def test_text_without_passages_is_one_passage() -> None:
    (m,) = probe().match("the digital divide", [])
    assert m.passage_seq == 0 and m.matched_text == "digital divide"


# -- the default codebook on the contract's examples -----------------------------------------

COUNTS = {
    "militarization": "We oppose any attempt to turn outer space or cyberspace into a theatre of war.",
    "digital_divide": "Half of humanity is still offline, and the gap in access to AI is widening.",
    "un_main_channel": "The United Nations must remain the central platform for setting the rules of the digital age.",
    "ai_governance": "Artificial intelligence needs guardrails agreed by all nations.",
    "cyber_threats": "Ransomware crippled our hospitals last spring.",
    "disinformation": "Coordinated lies on social platforms are poisoning our elections.",
    "capacity_building": "We ask our partners to help train our cyber emergency teams.",
    "non_interference": "No State has the right to meddle in the internal affairs of another.",
    "unilateral_sanctions": "Unilateral coercive measures punish ordinary people and must end.",
    "bloc_confrontation": "The world must not split again into rival camps.",
    "security_council_reform": "Africa must have permanent seats on a reformed Security Council.",
    "global_digital_compact": "We welcome the Global Digital Compact adopted this week.",
}
DOES_NOT_COUNT = [
    "Military budgets keep rising worldwide.", "We launched a national broadband plan.",
    "We thank the United Nations for its support.", "AI can boost our farmers' yields.",
    "Terrorists attacked a power station with explosives.", "A free press is vital to democracy.",
    "We built capacity in our fisheries ministry.",
    "We defend our territorial integrity against aggression.",
    "The Council's sanctions regime on arms must be enforced.",
    "Tensions between major powers are rising.", "The Security Council adopted resolution 2250.",
    "We took part in the Summit of the Future.", "The bloc of African States met.",
    "The president announced the veto of the bill.", "There was interference with radio signals.",
    "The Security Council met.", "We call for sanctions against the regime.",
    "Since the end of the Cold War, trade has grown.",
]  # fmt: skip


@pytest.mark.parametrize("theme", sorted(COUNTS))
def test_contract_examples_that_count(theme: str) -> None:
    assert themes(COUNTS[theme], default()) == {theme}


@pytest.mark.parametrize("text", DOES_NOT_COUNT)
def test_contract_examples_that_do_not_count(text: str) -> None:
    assert themes(text, default()) == set()


#: Wordings of the older speeches that the default codebook counts, each beside a near miss in
#: the wrong sense that a review found matching an earlier state of the same rule.
#: The sentences are written to each rule's wording, not copied from the gold sentence the rule
#: came from, so that they test the rule rather than one text.
OLDER_WORDINGS = [
    ("We condemn the aggressive military blocs of the imperialists.", "bloc_confrontation",
     "NATO is no aggressive bloc."),
    ("The United Nations has proved to be indispensable in keeping the peace.", "un_main_channel",
     "The United Nations alone can not do everything."),
    ("The primary responsibility for disarmament rests with the United Nations.", "un_main_channel",
     "The principal responsibility for the tragedy rests with the United Nations."),
    ("The responsibility ultimately lies with the Security Council.", "un_main_channel",
     "Responsibility for this failure lies with the Security Council."),
    ("The Security Council is responsible for maintaining international peace and security.",
     "un_main_channel",
     "The Security Council is not solely responsible for maintaining international peace and "
     "security."),
    ("The General Assembly is the highest forum of the international community.",
     "un_main_channel", "Parliament is the highest forum of the nation."),
    ("Nobody has the right to interfere in our internal affairs.", "non_interference",
     "There is no doubt that the right to intervene must be recognized."),
    ("We reject all forms of foreign intervention.", "non_interference",
     "The Council must authorize any form of intervention."),
    ("We stress the importance of technical co-operation among developing countries.",
     "capacity_building",
     "Our minister attended the Conference on Technical Co-operation among Developing "
     "Countries."),
    # codebook dd1c2e8ce9bf (narrowed in fa1c46d76daf after a review): a State's system chosen free
    # of coercion, not a citizen's or a dependent territory's
    ("We uphold the right of every State to choose its own political system.",
     "non_interference",
     "We uphold the right of citizens of every State to choose their own form of government."),
    ("Mutual trust requires the right of every nation to choose its own economic system.",
     "non_interference",
     "We stress the right of dependent peoples to choose their own form of government."),
    ("Small nations want to live free of foreign dictation.", "non_interference",
     "The two Governments began their talks without outside pressures."),
    ("Every State must be free to develop its own economic and social institutions.",
     "non_interference", "Every nation must be free to develop its own industry."),
    ("Some powers use financial pressure against governments they dislike.",
     "unilateral_sanctions", "The Council should use economic pressure on the apartheid regime."),
    ("They are waging an economic war against small countries.", "unilateral_sanctions",
     "We must wage an economic war on poverty and hunger."),
    # codebook of 2026-12-06: the supply the means, after "hostage"; not people taken hostage
    ("They hold the world hostage by withholding their grain.", "unilateral_sanctions",
     "The developing countries are held hostage by the volatility of food and energy prices."),
    ("Russia is holding the world hostage by blocking grain exports, while civilians starve.",
     "unilateral_sanctions", "Our economies are held hostage by oil prices."),
    ("We will not bow to economic arm twisting by the powerful.", "unilateral_sanctions",
     "We will not twist the arm of our partners."),
    ("Africa will no longer allow anyone to extend the cold war to its soil.", "bloc_confrontation",
     "The cold war extended to every continent in those years."),
    ("Our continent got caught up in the struggle between the two blocs.", "bloc_confrontation",
     "The rivalry of the super-Powers was discussed while we were caught in the rain."),
    ("We value the predominant role of the United Nations in keeping the peace.",
     "un_main_channel", "We value the predominant role of the private sector."),
    # codebook c7445e0aa0d9, after held-out 10 was measured
    ("We repeat our condemnation of the blockade imposed on our neighbours.",
     "unilateral_sanctions", "The rejection of the draft resolution on sanctions surprised us."),
    ("We see the preponderant role which this world Organization is called upon to play.",
     "un_main_channel", "We see the pre-eminent role which the private sector is called to play."),
    ("The United Nations is the pre-eminent forum for dialogue among nations.", "un_main_channel",
     "Our university is the pre-eminent forum for research."),
    # codebook 8138397b43cf (frozen for held-out 12), 33e12b4dc261 and a review's mends: general
    # wordings of the rulings, each near miss a wrong sense met on the UNGDC or found by the review
    ("The trade blockade maintained against our island punishes ordinary families.",
     "unilateral_sanctions", "A financial blockade of United Nations activities is unwise."),
    ("Measures of economic pressure against small States violate the Charter.",
     "unilateral_sanctions", "We propose a total economic blockade of the usurping regime."),
    ("The racist regime's economic blockade of its neighbours is criminal.",
     "unilateral_sanctions", "An economic blockade must be imposed on the racist regime."),
    ("The use of food as a weapon must be renounced by all States.", "unilateral_sanctions",
     "We support measures of economic pressure against the aggressor."),
    ("Using grain as a political weapon against poorer nations is indefensible.",
     "unilateral_sanctions", "Militias used food as a weapon against villagers."),
    ("Our young nation will never be drawn into the cold war.", "bloc_confrontation",
     "Our country was drawn into the cold war, which has ended."),
    ("We will not side with either camp in their quarrel.", "bloc_confrontation",
     "The Government sides with one camp in the civil war."),
    ("Our country opposes the growing superpower rivalry in the Indian Ocean.",
     "bloc_confrontation", "Historians study the superpower rivalry in the Indian Ocean."),
    ("Nothing justifies the splitting of the world into two warring camps.", "bloc_confrontation",
     "The division of the world into two hostile blocs has ended."),
    ("Outside powers must cease their meddling and subversion.", "non_interference",
     "Ships must cease all interference with radio navigation."),
    ("The great Powers must put an end to their interference in small nations.",
     "non_interference", "We call for an end to political interference in the judiciary."),
    ("For small States this Organization has no equal.", "un_main_channel",
     "The challenges facing the United Nations are without equal."),
    ("The United Nations should be the focal point of global action on the climate.",
     "un_main_channel",
     "We thank the United Nations, the focal point of international co-operation on refugees."),
    ("We want an international order with the United Nations firmly at its core.",
     "un_main_channel",
     "Cooperation with the United Nations has at its core the protection of refugees."),
    ("The United Nations must remain the epicentre of global governance.", "un_main_channel",
     "The United Nations headquarters was the epicentre of the protest."),
    # codebook 495aa7850ea4: 'military camps' alone are barracks; 'hack' is often OCR's 'back'
    ("We reject the tension between opposing military camps.", "bloc_confrontation",
     "Our nationals were trained in military camps abroad."),
    ("Criminals hacked into the servers of our ministry.", "cyber_threats",
     "The armies flowed hack and forth across the plain."),
    # after held-out 13: the veto rule's words for explaining a veto need the asking, not any
    # 'justification' or 'reason' near a veto; expanding a mandate is not enlarging the Council
    ("Permanent members should state the reasons for each use of the veto.",
     "security_council_reform", "The vetoes were cast without any logical justification."),
    ("It is time to revise the right of veto.", "security_council_reform",
     "For that reason the Security Council vetoed the admission."),
    ("The Security Council must be expanded to reflect today's world.", "security_council_reform",
     "Security Council members agreed on expanding the tasks of the regional office."),
    # ... and a refusal of a world split into two camps, or of the East-West quarrel
    ("The world must avoid splitting up into two hostile camps.", "bloc_confrontation",
     "The civil war must not divide the country into two hostile camps."),
    ("We refuse to become a pawn in the East-West confrontation.", "bloc_confrontation",
     "Now that the East-West confrontation is over, we regret old habits."),
    # after held-outs 15 and 16: the UN as the main instrument or vehicle, a centre for
    # harmonizing as the speaker's claim (not the Charter recounted), nothing possible without it
    ("Our Organization remains the main instrument for cooperation among nations.",
     "un_main_channel", "The treaty is the main instrument of arms control in the United Nations."),
    ("We will work to make the United Nations a centre for harmonizing the efforts of all nations.",
     "un_main_channel",
     "Article 1 describes the United Nations as a centre for harmonizing the actions of nations."),
    ("Peace in our region could not have been achieved without the United Nations.",
     "un_main_channel",
     "Peace could not have been achieved without the courage of our people, as the United Nations knows."),
    # another delegation's words dismissed in the debate are not disinformation (themes.md)
    ("Their radio stations conduct a slanderous campaign against our country.", "disinformation",
     "We heard the representative of that country make slanderous accusations against us."),
    ("The occupying Power's radio spreads propaganda and lies against our people.", "disinformation",
     "The delegation of that country has once again spread propaganda and lies in this Assembly."),
    # after a review: supporting a limit on the veto is a call for reform, defending it is not;
    # the UN said to be no longer the main instrument is not claimed central
    ("We support the veto restraint initiative of France and Mexico in cases of mass atrocities.",
     "security_council_reform", "We defend the veto against those who would abolish it."),
    ("The United Nations must remain the principal vehicle for development assistance.",
     "un_main_channel", "The United Nations is no longer the main instrument of peace."),
    # ... and a warning against making the UN a tool of the powerful leaves the claim standing
    ("The United Nations must remain the central forum and must never become a tool of the great powers.",
     "un_main_channel", "The market is the best tool for growth, and this Organization should say so."),
    ("The United Nations must become a true centre for harmonizing the actions of nations.",
     "un_main_channel", "The United Nations was created as a centre for harmonizing the actions of nations."),
    # after the review of codebooks 8ffb70a33380-2dbbd00ad01c (its invented sentences): a
    # speaker's own delegation is no dismissal; the UN claimed as "the" forum or at the
    # forefront, not criticised or set aside; regime change from outside, not another regime;
    # States as equals, not people; a system imposed on others, not a constitution's
    ("The delegation of Lithuania strongly condemns the disinformation campaigns waged against our country.",
     "disinformation", "We reject the slanderous allegations made by the delegation of that neighbour."),
    ("The United Nations is and must remain the forum for disarmament negotiations.",
     "un_main_channel", "Regional organizations, rather than the United Nations, should be the forum for such disputes."),
    ("The United Nations is the place to settle disputes between nations.",
     "un_main_channel", "The United Nations has become the place where rhetoric replaces action."),
    ("The United Nations must remain firmly at the forefront of the fight against poverty.",
     "un_main_channel", "No one expects the United Nations to be at the forefront of every crisis."),
    ("Wars of regime change have claimed countless lives in our region.", "non_interference",
     "As the multilateral trading regime changes, developing countries must seek new markets abroad."),
    ("All Member States should treat one another as equals.", "non_interference",
     "In our society men and women must treat one another as equals."),
    ("No Power has the right to impose its system of government on other nations.",
     "non_interference", "Our new Constitution imposes a presidential system of government."),
    ("Hostile radio propaganda is beamed at our people every night.", "disinformation",
     "Trapped in a vicious circle, propaganda alone cannot explain radicalization."),
    ("Developing countries need scientific and technical assistance.", "capacity_building",
     "Technical cooperation would lend credibility to the peace talks."),
    # this session's review (invented sentences run through the matcher): calls to end the cold
    # war count, its end recorded or welcomed does not; a call to dissolve blocs still counts
    # (a first draft's exclusion "dissolution of" vetoed it); "two or more" blocs, not trading
    # blocs; the UN as the greatest hope with a clause between, not another organization; a
    # centrality denied by any rule does not count, "the best, if not the only" does
    ("The peoples of the world demand an end to the cold war.", "bloc_confrontation",
     "We pay tribute to the efforts of both leaders to end the cold war."),
    ("Every nation can contribute to ending the cold war.", "bloc_confrontation",
     "In 1990 the two super-Powers agreed to end the cold war."),
    ("We call for the dissolution of military blocs.", "bloc_confrontation",
     "The fall of the Berlin Wall did much to end the cold war."),
    ("The world must not be divided into two or more blocs.", "bloc_confrontation",
     "Globalization has divided the world into several regional trading blocs."),
    ("Let us finally end the cold war mentality.", "bloc_confrontation",
     "The two leaders had the wisdom to bring the cold war to a peaceful conclusion."),
    ("The United Nations, in spite of all its imperfections, is still our greatest hope.",
     "un_main_channel", "The World Trade Organization remains the best hope for a fair trading system."),
    ("The United Nations continues to be the best, if not the only, instrument for peace.",
     "un_main_channel", "The United Nations is no longer the best hope of mankind."),
    ("We reaffirm the primary responsibility of the Security Council for the maintenance of "
     "international peace and security.", "un_main_channel",
     "The primary responsibility of the Security Council members is to their own peoples."),
    # the codebook's own exemplar of digital_divide, which no rule matched before 0bab0a12e347
    ("No one should be left behind in the digital transformation.", "digital_divide",
     "Our digital transformation has left paper forms behind."),
    ("The digital revolution must not leave developing countries behind.", "digital_divide",
     "We will leave no stone unturned to build a digital economy."),
    # codebook b589ab8c598a: a review's invented sentences, run through the matcher (the near
    # misses each counted in the first draft, or would with a broader phrase)
    ("The United Nations must remain the keystone of the international order.", "un_main_channel",
     "The United Nations is the cornerstone of our foreign policy."),
    ("International terrorism must be fought first and foremost through the United Nations.",
     "un_main_channel", "Aid is delivered primarily through the United Nations Development "
     "Programme, which must be funded."),
    ("A world without the United Nations would be a far more dangerous place.", "un_main_channel",
     "A world without the United Nations Relief and Works Agency would leave millions without help."),
    ("If there were no United Nations, we would have to invent it.", "un_main_channel",
     "If there were no United Nations peacekeepers in the south, fighting would resume."),
    ("It is hard to imagine a world without the United Nations.", "un_main_channel",
     "We cannot imagine a world without such solidarity among neighbours."),
    ("We renew our commitment to this indispensable Organization.", "un_main_channel",
     "Mr. President, we congratulate you on presiding over this most important forum."),
    ("The General Assembly is the town meeting of the world.", "un_main_channel",
     "The African Union, this irreplaceable organization, must lead on the continent."),
    ("We condemn the redivision of the world into zones of influence.", "bloc_confrontation",
     "At the end of the nineteenth century Africa was divided into zones of influence."),
    ("History teaches that the division of the world into spheres of influence leads to war.",
     "bloc_confrontation", "The Arctic has been divided into zones of interest for scientific research."),
    ("We will not allow ourselves to be dragged into anyone's sphere of influence.",
     "bloc_confrontation", "The colonial Powers dragged Africa into their spheres of influence."),
    ("We must insulate Antarctica from the rivalry between East and West.", "bloc_confrontation",
     "The removal of the confrontation between East and West has opened new opportunities."),
    ("Africa must not become a battleground in the contest between East and West.",
     "bloc_confrontation", "The rivalry between East and West was removed by the changes in Europe."),
    ("Central America must be kept out of the confrontation between East and West.",
     "bloc_confrontation", "The summit removed much of the mistrust in the rivalry between East and West."),
    # a second read's mends (codebook aad85692c12f): a question "to be removed from" the
    # confrontation counts, "to remove" elsewhere in the sentence does not; a call, not a record,
    # for the UN first of all; business spheres of interest; "the only true organization"
    ("The question of Cyprus should be removed from the East-West confrontation.",
     "bloc_confrontation", "We must act to remove the causes of conflict, and we note that "
     "East-West confrontation has eased."),
    ("Solutions must be sought first and foremost within the United Nations.", "un_main_channel",
     "The relief was financed mainly by the United Nations, as we can report."),
    ("We oppose any division of the world into spheres of interest.", "bloc_confrontation",
     "Multinational corporations divide the world into spheres of interest."),
    # 2026-12-06: sanctions "criminal" are penalties in law, a blockade called criminal is
    # condemned; enlarging a force's mandate is not enlarging the Council (both from the UNGDC)
    ("Oppressive sanctions are strangling the economy of our people.", "unilateral_sanctions",
     "The new law provides criminal sanctions for those who traffic in children."),
    ("The Security Council must be enlarged to reflect the world of today.", "security_council_reform",
     "We welcome the decision of the Security Council to enlarge the mandate of the peacekeeping force."),
    ("The United Nations is seventy. It remains the only appropriate forum for world problems.",
     "un_main_channel", "The United Nations recognized SWAPO. It is the only true organization "
     "of the Namibian people."),
    # codebook fef3189fe4c6: the UN named in the sentence before ("It remains the only place
    # where ...", "it has proved to be an irreplaceable tool"), another subject named left out
    # (an "it" standing for something else than the UN still counts: a known limit)
    ("The United Nations turns seventy this year. It remains the only place where every nation "
     "has a voice.", "un_main_channel", "The United Nations partitioned the land in 1947. Our "
     "homeland is the only place where our people are safe."),
    ("We owe much to the United Nations. It has proved to be an irreplaceable tool for peace.",
     "un_main_channel", "We thank the United Nations for its help. Our port is an indispensable "
     "tool of our economy."),
    # codebook 4019ed1ecc74's phrases, narrowed after a review ran these near misses through it:
    # the UN the object of "no other organization can replace", the most important forum (not any
    # institution), aid channelled through the UN called for (not recorded or refused)
    ("No other organization in the world can take the place of the United Nations.",
     "un_main_channel", "No organization can replace the family, as the United Nations itself "
     "has recognized."),
    ("This Assembly remains the most important forum in the world.", "un_main_channel",
     "The family is the most important institution in the world."),
    ("Development assistance should be channelled through the United Nations.", "un_main_channel",
     "Development assistance should not be channelled through the United Nations."),
    ("All aid to the new States must be channelled through the United Nations.", "un_main_channel",
     "In those years our aid was channelled through the United Nations."),
    # codebook after held-out 52: the UN irreplaceable by any other organization (the UN in the
    # sentence), pacts and alliances not believed in, others not to interfere with a people's
    # systems, a people left without interference
    # the UN must be in the sentence, and not another body the subject (a review's near misses)
    ("The United Nations, the most universal organization of sovereign States, is irreplaceable "
     "by any other organization.", "un_main_channel", "The Organization of African Unity is "
     "irreplaceable by any other organization, and the United Nations must work with it."),
    ("The United Nations, with its Charter, is the greatest institution crafted by humankind.",
     "un_main_channel", "The family is the most important institution created by humanity."),
    ("We do not believe in military alliances, even as a remedy against war.",
     "bloc_confrontation", "Those who do not believe in military alliances are naive."),
    ("We seek a world free from spheres of influence.", "bloc_confrontation",
     "The major Powers cannot live without their spheres of influence."),
    ("Our policy requires non-alignment with either of the two camps.", "bloc_confrontation",
     "We are not aligned with any of the blocs on this resolution."),
    ("Other States must not interfere in their political system.", "non_interference",
     "Other States must not intervene in the international economic system."),
    ("All we want is to be left without interference to develop ourselves.", "non_interference",
     "We want aid workers to be left without interference."),
    # a State's role in the UN is not the UN's role (RUS_03_1948, AUS_67_2012)
    ("The United Nations must keep its central role in global affairs.", "un_main_channel",
     "We look at the policies of the States which play a leading role in the United Nations."),
    ("Other countries should not interfere with the social and economic systems that peoples "
     "choose.", "non_interference", "The State should not interfere with the economic system of "
     "free markets."),
    ("All we want is to be left without interference to build our country.", "non_interference",
     "The courts must be left without interference to judge."),
]  # fmt: skip


@pytest.mark.parametrize("counts, theme, near_miss", OLDER_WORDINGS)
def test_older_wordings_count_and_their_near_misses_do_not(counts, theme, near_miss) -> None:
    assert {m.theme for m in found(counts, default()) if m.counted} == {theme}
    assert {m.theme for m in found(near_miss, default()) if m.counted} == set()


def other_forums() -> list[str]:
    """The bodies named in un_main_channel's exclusions, read from the codebook file itself, so
    a body added to the alias is tested too."""
    raw = yaml.safe_load(load_codebook().text)
    return list(raw["aliases"]["en"]["other_forums"])


# each rule that excludes other bodies: the claim about the UN counts, the same words about
# another body ({X}) do not; the last two failed on codebook 996396fb3cf3 for most bodies
OTHER_FORUM_WORDINGS = [
    "The {X} is the world's premier forum for co-operation.",
    "For trade, the {X} is the ideal forum, as the United Nations has recognized.",
    "The United Nations is the main instrument of peace, and so is the {X}.",
    "The United Nations, with the {X}, is the focal point of international co-operation.",
]


@pytest.mark.parametrize("wording", OTHER_FORUM_WORDINGS)
def test_a_primacy_claimed_for_another_body_is_not_un_main_channel(wording: str) -> None:
    matcher = default()
    about_un = wording.replace("the {X}", "the United Nations")
    assert "un_main_channel" in {m.theme for m in found(about_un, matcher) if m.counted}
    bodies = other_forums()
    assert len(bodies) >= 10
    counted_for = [
        body for body in bodies
        if "un_main_channel" in {m.theme for m in found(wording.replace("{X}", body), matcher)
                                 if m.counted}
    ]
    assert counted_for == []


def test_a_people_left_to_settle_its_affairs_without_interference(corpus: Path) -> None:
    """Real sentences the rules missed before codebook d067380aa0b2 (found by the semantic
    matcher's retraining, then read on the UNGDC: 22 of 25 right)."""
    for member, words in [
        ("Session 24 - 1969/DZA_24_1969.txt", "by themselves without interference"),
        ("Session 16 - 1961/PHL_16_1961.txt", "entitled to live freely and without interference"),
        ("Session 40 - 1985/BHR_40_1985.txt", "without any interference or threats"),
    ]:
        sentence = clean_text(sentence_with(ungdc(corpus, member), words))
        counted = {m.theme for m in found(sentence, default()) if m.counted}
        assert "non_interference" in counted, sentence
    # interference of another kind (codebook 417316734068 narrowed the bare phrase after a review)
    for other in ("Everyone has the right to hold opinions without interference.",
                  "The judiciary must work without interference by the executive branch.",
                  "Satellites must transmit without interference from other transmitters.",
                  "Journalists must be able to report without any interference."):
        counted = {m.theme for m in found(other, default()) if m.counted}
        assert "non_interference" not in counted, other


def test_the_uns_technical_assistance_programmes_supported_are_capacity_building(
    corpus: Path,
) -> None:
    """Real sentences the rules missed before codebook d88994d170a1: the UN's technical
    assistance programmes named with approval (an independent reader judged 40 of the 185
    UNGDC statements this adds: 32 right, 6 wrong, 2 unclear)."""
    for member, words in [
        ("Session 14 - 1959/KHM_14_1959.txt", "closer co-ordination of the various international"),
        ("Session 21 - 1966/SLV_21_1966.txt", "express its appreciation at this juncture"),
    ]:
        sentence = clean_text(sentence_with(ungdc(corpus, member), words))
        counted = {m.theme for m in found(sentence, default()) if m.counted}
        assert "capacity_building" in counted, sentence
    # a technical term elsewhere is not the programme
    assert "capacity_building" not in {
        m.theme for m in found("The board of technical experts met in Geneva.", default())
        if m.counted}


@pytest.mark.parametrize("member, words, theme", [
    # the UN itself called the best or only guarantee, means or instrument
    ("Session 11 - 1956/LAO_11_1956.txt", "constitutes the strongest guarantee", "un_main_channel"),
    ("Session 30 - 1975/MYS_30_1975.txt", "provides us with the best means", "un_main_channel"),
    # the cold war's spirit and a return to its days, rejected; no commitment to any bloc
    ("Session 32 - 1977/BGR_32_1977.txt", "days of the cold war", "bloc_confrontation"),
    ("Session 32 - 1977/UKR_32_1977.txt", "revive the spirit", "bloc_confrontation"),
    ("Session 16 - 1961/CYP_16_1961.txt", "non-commitment to any bloc", "bloc_confrontation"),
    ("Session 51 - 1996/IRN_51_1996.txt", "internal and external affairs", "non_interference"),
    ("Session 31 - 1976/YMD_31_1976.txt", "in the affairs of the others", "non_interference"),
    ("Session 55 - 2000/ZWE_55_2000.txt", "determined from outside", "non_interference"),
    ("Session 47 - 1992/LTU_47_1992.txt", "blockade directed against us", "unilateral_sanctions"),
    ("Session 61 - 2006/IDN_61_2006.txt", "is to share their technology", "capacity_building"),
    # (efed057393fa) the UN the one body that can, or indispensable to a task
    ("Session 48 - 1993/CAN_48_1993.txt", "alone which can provide", "un_main_channel"),
    ("Session 14 - 1959/MYS_14_1959.txt", "the one Organization which can", "un_main_channel"),
    ("Session 53 - 1998/DEU_53_1998.txt", "is indispensable to this task", "un_main_channel"),
    # (3cfdc0c8821f) the UN at the helm or the core, the preferred framework, the centre of gravity
    ("Session 74 - 2019/ISL_74_2019.txt", "with the United Nations at the helm", "un_main_channel"),
    ("Session 75 - 2020/CIV_75_2020.txt", "remain the preferred framework", "un_main_channel"),
    ("Session 19 - 1964/CHL_19_1964.txt", "become the centre of gravity", "un_main_channel"),
    # (38fa896e9a68) the Council's membership to change, a seat for the third world
    ("Session 48 - 1993/EGY_48_1993.txt", "agrees to make structural changes",
     "security_council_reform"),
    ("Session 27 - 1972/MEX_27_1972.txt", "at least one representative of the third world",
     "security_council_reform"),
    # (6b953b40f223) technological resources for the least developed countries
    ("Session 70 - 2015/MMR_70_2015.txt", "obligations to provide the least developed",
     "capacity_building"),
    # (16eca77b0963) nothing better placed than the UN; intervention direct or indirect; the rights
    # of nations large and small; no weapons in orbit; manipulation campaigns and hateful
    # rhetoric; the cold war to be overcome; the Council named, then its reform asked
    ("Session 45 - 1990/COL_45_1990.txt", "better suited to the task", "un_main_channel"),
    ("Session 34 - 1979/SGP_34_1979.txt", "no better forum", "un_main_channel"),
    ("Session 24 - 1969/LUX_24_1969.txt", "overt or covert intervention", "non_interference"),
    ("Session 23 - 1968/TCD_23_1968.txt", "rights of nations, small and great", "non_interference"),
    ("Session 18 - 1963/ITA_18_1963.txt", "placing into orbit", "militarization"),
    ("Session 74 - 2019/IRL_74_2019.txt", "hateful rhetoric", "disinformation"),
    ("Session 17 - 1962/CYP_17_1962.txt", "To overcome the influence", "bloc_confrontation"),
    ("Session 63 - 2008/KOR_63_2008.txt", "it needs to be reformed", "security_council_reform"),
    # (aac52bab7c55) a people's affairs settled by itself; the sovereignty and equality of States;
    # regime change condemned; technical and financial support for developing countries
    ("Session 37 - 1982/JPN_37_1982.txt", "resolved by the Polish people themselves", "non_interference"),
    ("Session 04 - 1949/BLR_04_1949.txt", "equality and sovereignty of all States", "non_interference"),
    ("Session 62 - 2007/SUR_62_2007.txt", "continue their technical and financial",
     "capacity_building"),
    # (daaeed8f6d7a) "the United Nations system" called central is the UN called central; the
    # UN at the heart of other institutions
    ("Session 33 - 1978/UGA_33_1978.txt", "system is the only framework", "un_main_channel"),
    ("Session 75 - 2020/MLT_75_2020.txt", "with the United Nations at their core", "un_main_channel"),
    # (4ae534859e77) propaganda machinery, hostile broadcasts, the press distorting the facts
    ("Session 16 - 1961/IRN_16_1961.txt", "subversive radio propaganda", "disinformation"),
    ("Session 18 - 1963/COG_18_1963.txt", "distortions of facts by major organs", "disinformation"),
    # (the session after 4ae534859e77) the world divided into spheres of influence, rejected; a
    # region to be kept free of great-Power rivalry; cold war manoeuvres (an independent reader
    # judged 36 of 44 such UNGDC additions right)
    ("Session 26 - 1971/BRA_26_1971.txt", "opposed to the division of the world", "bloc_confrontation"),
    ("Session 25 - 1970/ECU_25_1970.txt", "leads to the negation", "bloc_confrontation"),
    ("Session 33 - 1978/KEN_33_1978.txt", "free of great-Power rivalry", "bloc_confrontation"),
    ("Session 34 - 1979/KHM_34_1979.txt", "by great-Power rivalry", "bloc_confrontation"),
    ("Session 24 - 1969/SGP_24_1969.txt", "cold war manoeuvres", "bloc_confrontation"),
    # hate spread through any medium (themes.md rulings), false rumours spread; access of the
    # developing countries to technology; a divide named with information technology (a reader
    # judged 59 of 67 such UNGDC additions right)
    ("Session 67 - 2012/EGY_67_2012.txt", "We must move together to confront", "disinformation"),
    ("Session 74 - 2019/BGR_74_2019.txt", "xenophobia and hate speech", "disinformation"),
    ("Session 07 - 1952/POL_07_1952.txt", "spread false rumours", "disinformation"),
    ("Session 55 - 2000/NPL_55_2000.txt", "access of the developing countries", "capacity_building"),
    ("Session 47 - 1992/FSM_47_1992.txt", "access to relevant technologies", "capacity_building"),
    # no commitment to this or that bloc, no choice between East and West, Europe's military
    # groupings to be replaced
    ("Session 32 - 1977/CAN_32_1977.txt", "this or that power bloc", "bloc_confrontation"),
    ("Session 59 - 2004/ARM_59_2004.txt", "false proposition", "bloc_confrontation"),
    ("Session 21 - 1966/POL_21_1966.txt", "opposing military groupings", "bloc_confrontation"),
    # the UN one would have to invent, the ultimate deliberating body, the core of a system (a
    # reader judged 12 of 13 UN additions right)
    ("Session 70 - 2015/MNG_70_2015.txt", "United Nations did not exist", "un_main_channel"),
    ("Session 75 - 2020/DMA_75_2020.txt", "ultimate negotiating", "un_main_channel"),
    ("Session 56 - 2001/UKR_56_2001.txt", "United Nations as the core", "un_main_channel"),
    # codebook 8ffb70a33380: the UN as "the" place or forum for it, and at the forefront
    ("Session 71 - 2016/LIE_71_2016.txt", "the place to address the drivers", "un_main_channel"),
    ("Session 13 - 1958/LBY_13_1958.txt", "is the place to which", "un_main_channel"),
    ("Session 64 - 2009/PNG_64_2009.txt", "the forum for agreeing on solutions", "un_main_channel"),
    ("Session 50 - 1995/POL_50_1995.txt", "to address this difficult", "un_main_channel"),
    ("Session 62 - 2007/CMR_62_2007.txt", "should be at the forefront of that struggle",
     "un_main_channel"),
    ("Session 54 - 1999/ISL_54_1999.txt", "of the quest for peace and prosperity", "un_main_channel"),
    ("Session 77 - 2022/LCA_77_2022.txt", "lend the necessary expertise and technical assistance",
     "capacity_building"),
    # codebook 5d108b2607ae: regime change sought or imposed from outside, a system of
    # government imposed, States treated as equals
    ("Session 59 - 2004/BRB_59_2004.txt", "exogenously imposed", "non_interference"),
    ("Session 71 - 2016/CUB_71_2016.txt", "aimed at promoting regime change", "non_interference"),
    ("Session 67 - 2012/ZAF_67_2012.txt", "justify the notion of regime change", "non_interference"),
    ("Session 71 - 2016/USA_71_2016.txt", "impose our system of government", "non_interference"),
    ("Session 72 - 2017/CHN_72_2017.txt", "treat one another as equals", "non_interference"),
    # codebook 2dbbd00ad01c: vicious propaganda with a word between ("vicious daily propaganda")
    ("Session 53 - 1998/ISR_53_1998.txt", "on official Palestinian television", "disinformation"),
    # this session's codebook: calls to end the cold war (a reader judged 11 of the 13 UNGDC
    # additions right), the world divided into "two or more" blocs, the Council's primary
    # responsibility "of the Security Council", the UN "still our greatest hope" with a clause
    # between, and a rivalry for spheres of influence no longer vetoed by the bare word "ended"
    ("Session 10 - 1955/UKR_10_1955.txt", "thus to end the", "bloc_confrontation"),
    ("Session 13 - 1958/VEN_13_1958.txt", "to put an end to the cold war and to find",
     "bloc_confrontation"),
    ("Session 44 - 1989/NIC_44_1989.txt", "hope for an end to the cold war", "bloc_confrontation"),
    ("Session 02 - 1947/ARG_02_1947.txt", "two or more blocs", "bloc_confrontation"),
    ("Session 38 - 1983/ZWE_38_1983.txt", "competition and rivalry for spheres of influence",
     "bloc_confrontation"),
    ("Session 20 - 1965/FIN_20_1965.txt", "In view of the primary responsibility",
     "un_main_channel"),
    ("Session 51 - 1996/SLE_51_1996.txt", "in spite of its defects", "un_main_channel"),
    # codebook 0bab0a12e347: a people "untouched by the ICT revolution" (a gold miss)
    ("Session 58 - 2003/ARM_58_2003.txt", "untouched by the ICT revolution", "digital_divide"),
    # codebook b589ab8c598a (66 UNGDC additions: an independent reader judged 56 right, 2 wrong,
    # 3 unsure, and 5 were read by the maintainer): zones of influence and spheres of interest, a question removed from or kept out
    # of the East-West confrontation, the UN as the keystone or the conscience of the world, the
    # UN first of all in a call, "this irreplaceable Organization", a world without the UN
    ("Session 78 - 2023/BRA_78_2023.txt", "divide the world into zones of influence and revive",
     "bloc_confrontation"),
    ("Session 75 - 2020/LTU_75_2020.txt", "the powerful can divide the world into spheres",
     "bloc_confrontation"),
    ("Session 38 - 1983/OMN_38_1983.txt", "drag them into their spheres", "bloc_confrontation"),
    ("Session 23 - 1968/URY_23_1968.txt", "to justify the distribution of spheres",
     "bloc_confrontation"),
    ("Session 38 - 1983/MEX_38_1983.txt", "remove this crisis from the area", "bloc_confrontation"),
    ("Session 15 - 1960/CAN_15_1960.txt", "must not become the focus of an East-West",
     "bloc_confrontation"),
    ("Session 57 - 2002/FRA_57_2002.txt", "is the keystone of the", "un_main_channel"),
    ("Session 76 - 2021/ALB_76_2021.txt", "remains the cornerstone of the multilateral",
     "un_main_channel"),
    ("Session 47 - 1992/TUN_47_1992.txt", "the living conscience of mankind", "un_main_channel"),
    ("Session 36 - 1981/YUG_36_1981.txt", "must be sought primarily within", "un_main_channel"),
    ("Session 40 - 1985/JPN_40_1985.txt", "this irreplaceable Organization", "un_main_channel"),
    ("Session 41 - 1986/MYS_41_1986.txt", "is almost unthinkable", "un_main_channel"),
    ("Session 20 - 1965/MMR_20_1965.txt", "we should be trying very hard to set one up",
     "un_main_channel"),
    # codebook 4338fdb71a16: the UN itself, as the subject, called indispensable or
    # irreplaceable (46 UNGDC additions, read: about 44 right)
    ("Session 40 - 1985/KHM_40_1985.txt", "for it is the conscience of the civilized world",
     "un_main_channel"),
    ("Session 51 - 1996/BGD_51_1996.txt", "linchpin of any international order", "un_main_channel"),
    ("Session 50 - 1995/FIN_50_1995.txt", "indispensable now as it was then",
     "un_main_channel"),
    ("Session 61 - 2006/LKA_61_2006.txt", "indispensable in creating a just", "un_main_channel"),
    # this session's codebook: a region made the arena of the great Powers' contest, kept out of
    # it or insulated from it; no other body can take the UN's place; the UN to lead the effort
    ("Session 36 - 1981/QAT_36_1981.txt", "spare that region from becoming an arena",
     "bloc_confrontation"),
    ("Session 34 - 1979/CIV_34_1979.txt", "withdraw the conflict in Kampuchea from the arena",
     "bloc_confrontation"),
    ("Session 26 - 1971/SGP_26_1971.txt", "increasingly be made the battlegrounds",
     "bloc_confrontation"),
    ("Session 43 - 1988/OMN_43_1988.txt", "insulate it from the effects", "bloc_confrontation"),
    ("Session 34 - 1979/PAK_34_1979.txt", "total elimination of great-Power presence",
     "bloc_confrontation"),
    ("Session 01 - 1946/FRA_01_1946.txt", "there is no other organization in the whole world",
     "un_main_channel"),
    ("Session 49 - 1994/LTU_49_1994.txt", "can equal the authority, longevity",
     "un_main_channel"),
    ("Session 76 - 2021/KNA_76_2021.txt", "no better place than the General Assembly",
     "un_main_channel"),
    ("Session 50 - 1995/EGY_50_1995.txt", "action in such directions, it must",
     "un_main_channel"),
    ("Session 76 - 2021/MUS_76_2021.txt", "should be shared with developing countries",
     "capacity_building"),
    # the session's second codebook (held-out 50's misses, read after it was measured, and
    # UNGDC sentences of the same kind): the UN's responsibility kept, aid channelled through
    # it, the Council's membership increased, patents waived, the East-West confrontation
    # carried to a region, a world split into two ideological camps
    ("Session 50 - 1995/KEN_50_1995.txt", "should remain the primary responsibility of the United",
     "un_main_channel"),
    ("Session 13 - 1958/IDN_13_1958.txt", "assistance be channelled through", "un_main_channel"),
    ("Session 15 - 1960/JPN_15_1960.txt", "urgent to increase the membership",
     "security_council_reform"),
    ("Session 76 - 2021/NZL_76_2021.txt", "support a waiver of intellectual", "capacity_building"),
    ("Session 78 - 2023/BLZ_78_2023.txt", "refusal to waive intellectual", "capacity_building"),
    ("Session 33 - 1978/DEU_33_1978.txt", "transfer of the East-West confrontation",
     "bloc_confrontation"),
    ("Session 12 - 1957/MMR_12_1957.txt", "split sharply into two", "bloc_confrontation"),
    # the session's third codebook: a question to be settled or discussed in the UN, the most
    # important forum in the world
    ("Session 11 - 1956/LBY_11_1956.txt", "should be settled by the United Nations in accordance",
     "un_main_channel"),
    ("Session 22 - 1967/PAK_22_1967.txt", "but should be discussed in the United Nations",
     "un_main_channel"),
    ("Session 39 - 1984/ISL_39_1984.txt", "could be the most important forum in the world",
     "un_main_channel"),
    ("Session 57 - 2002/BGD_57_2002.txt", "crafted by humankind",
     "un_main_channel"),
    # the fourth: propaganda called devious, blatant, deceitful or mendacious
    ("Session 24 - 1969/THA_24_1969.txt", "as well as by devious propaganda", "disinformation"),
    ("Session 32 - 1977/KHM_32_1977.txt", "campaigns of mendacious propaganda", "disinformation"),
    # after held-out 52: a world free of spheres of influence, non-alignment with either camp
    ("Session 64 - 2009/GEO_64_2009.txt", "free from spheres of influence", "bloc_confrontation"),
    ("Session 40 - 1985/LBY_40_1985.txt", "free of spheres of influence", "bloc_confrontation"),
    ("Session 12 - 1957/SYR_12_1957.txt", "non-alignment with either of the two camps",
     "bloc_confrontation"),
    # and held-out 52's misses, read after it was measured
    ("Session 50 - 1995/CHN_50_1995.txt", "is irreplaceable by any other international",
     "un_main_channel"),
    ("Session 11 - 1956/NPL_11_1956.txt", "We do not believe in armed pacts", "bloc_confrontation"),
    ("Session 33 - 1978/BGD_33_1978.txt", "free from interference and spheres of influence",
     "bloc_confrontation"),
    ("Session 03 - 1948/CHN_03_1948.txt", "should not interfere with the social and economic",
     "non_interference"),
    ("Session 21 - 1966/SGP_21_1966.txt", "to be left without interference", "non_interference"),
    # the world held hostage over food or energy (2026-12-06; LTU_78_2023 a gold positive whose
    # only counted match had been a sentence read in the wrong direction; 1 UNGDC addition, right)
    ("Session 78 - 2023/LTU_78_2023.txt", "holding the world hostage by blocking", "unilateral_sanctions"),
    ("Session 77 - 2022/HRV_77_2022.txt", "held hostage over food and energy", "unilateral_sanctions"),
    # the UN said to be at the core or centre (the definition's "the UN at the centre/core"),
    # and technical assistance given, lent or received (2026-12-06, seventh session; 14 UNGDC
    # additions, read)
    ("Session 79 - 2024/ETH_79_2024.txt", "should be at the center of efforts", "un_main_channel"),
    ("Session 58 - 2003/DNK_58_2003.txt", "the United Nations is at the core of efforts",
     "un_main_channel"),
    ("Session 40 - 1985/VNM_40_1985.txt", "technical assistance given by the United Nations",
     "capacity_building"),
    ("Session 50 - 1995/TCD_50_1995.txt", "given us technical assistance", "capacity_building"),
    # held-out 60's misses, read after it was measured, written as general wordings (2026-12-06,
    # eighth session; 25 UNGDC additions, read): a central "and" decisive role, "only a strong
    # United Nations can", both categories of Council seats, technology transferred to developing
    # countries, technological and financial support, a people allowed to decide its government,
    # hatred incited on grounds of origin or belief
    ("Session 57 - 2002/BTN_57_2002.txt", "play a central and decisive role", "un_main_channel"),
    ("Session 54 - 1999/ZMB_54_1999.txt", "Only a strong and viable United Nations can",
     "un_main_channel"),
    ("Session 57 - 2002/DJI_57_2002.txt", "both the permanent and the non-permanent member",
     "security_council_reform"),
    ("Session 63 - 2008/KHM_63_2008.txt", "transfer innovative and relevant technology",
     "capacity_building"),
    ("Session 54 - 1999/CHN_54_1999.txt", "providing technological and financial assistance",
     "capacity_building"),
    ("Session 42 - 1987/SWE_42_1987.txt", "must be allowed to decide their own form of government",
     "non_interference"),
    ("Session 76 - 2021/ESP_76_2021.txt", "incite hatred based on ethnic or social origin",
     "disinformation"),
    # the definition's "indispensable" UN said as the world's need or hope, a State's refusal of
    # the policy of blocs (2026-12-06, eighth session, from the gold's misses; 43 UNGDC additions,
    # read: about 40 right)
    ("Session 56 - 2001/SEN_56_2001.txt", "Thus the world needs the United Nations",
     "un_main_channel"),
    ("Session 39 - 1984/SWE_39_1984.txt", "The countries of the world need the United Nations",
     "un_main_channel"),
    ("Session 43 - 1988/FIN_43_1988.txt", "Our Organization is the one best suited",
     "un_main_channel"),
    ("Session 25 - 1970/SLE_25_1970.txt", "continues to be mankind's main hope", "un_main_channel"),
    ("Session 13 - 1958/VEN_13_1958.txt", "place their greatest hopes in our Organization",
     "un_main_channel"),
    ("Session 31 - 1976/KHM_31_1976.txt", "stubborn refusal to embrace the policy of blocs",
     "bloc_confrontation"),
    ("Session 62 - 2007/TKM_62_2007.txt", "non-affiliation with any blocs", "bloc_confrontation"),
    ("Session 28 - 1973/AFG_28_1973.txt", "non-participation in any blocs", "bloc_confrontation"),
    # technical and financial support asked or given, know-how offered, fair access to
    # technology; hatred preached, a campaign of deception; technological inequalities (eighth
    # session, from the gold's misses; 42 UNGDC additions, read)
    ("Session 61 - 2006/ROU_61_2006.txt", "Technical and financial support is also badly needed",
     "capacity_building"),
    ("Session 40 - 1985/ISR_40_1985.txt", "ready to share our know-how", "capacity_building"),
    ("Session 70 - 2015/PLW_70_2015.txt", "affordable and equitable access to technology",
     "capacity_building"),
    ("Session 69 - 2014/ARM_69_2014.txt", "preaches hatred towards", "disinformation"),
    ("Session 44 - 1989/IRN_44_1989.txt", "in its campaign of deception", "disinformation"),
    ("Session 74 - 2019/KAZ_74_2019.txt", "economic and technological inequalities",
     "digital_divide"),
    # held-out 62's misses, read after it was measured (2026-12-07, ninth session; 1 UNGDC
    # addition outside the gold, read right): the Assembly as the Charter's centre for
    # harmonizing, the UN the centre or cornerstone of a new world order, the lead institution
    ("Session 18 - 1963/TUR_18_1963.txt", "as a centre for harmonizing international relations",
     "un_main_channel"),
    ("Session 35 - 1980/DEU_35_1980.txt", "the centre of a new world order", "un_main_channel"),
    ("Session 47 - 1992/MEX_47_1992.txt", "the opportunity of becoming the cornerstone of a new",
     "un_main_channel"),
    ("Session 77 - 2022/LAO_77_2022.txt", "with the United Nations as the lead institution",
     "un_main_channel"),
    # held-out 64's misses, read after it was measured (2026-12-07, tenth session; 7 UNGDC
    # additions outside the gold, read: 6 right): the UN the highest instance, the most
    # authoritative organ, the chosen instrument, the only catalyst, the bedrock of such
    # cooperation, no better forum; technology supplied or made available to developing countries
    ("Session 66 - 2011/BOL_66_2011.txt", "it can be the highest instance to settle",
     "un_main_channel"),
    ("Session 14 - 1959/RUS_14_1959.txt", "the most authoritative international organ",
     "un_main_channel"),
    ("Session 11 - 1956/ITA_11_1956.txt", "The United Nations is the chosen instrument",
     "un_main_channel"),
    ("Session 20 - 1965/USA_20_1965.txt", "the only acceptable catalyst", "un_main_channel"),
    ("Session 64 - 2009/THA_64_2009.txt", "the bedrock of such multilateral cooperation",
     "un_main_channel"),
    ("Session 34 - 1979/DJI_34_1979.txt", "could not have chosen a better place than the United",
     "un_main_channel"),
    ("Session 67 - 2012/LSO_67_2012.txt", "to provide developing countries with financing and",
     "capacity_building"),
    ("Session 62 - 2007/IND_62_2007.txt", "technologies be made available and affordable to",
     "capacity_building"),
    # held-out 66's misses, read after it was measured (tenth session; 4 UNGDC additions outside
    # the gold, read right): the UN, as the subject, the chief, central, primary or most
    # important instrument or means
    ("Session 12 - 1957/ROU_12_1957.txt", "conceived as the chief instrument of peaceful",
     "un_main_channel"),
    ("Session 47 - 1992/BGD_47_1992.txt", "has emerged as a central instrument for the",
     "un_main_channel"),
    ("Session 15 - 1960/EGY_15_1960.txt", "the Organization is the primary means through which",
     "un_main_channel"),
    ("Session 61 - 2006/CHE_61_2006.txt", "the United Nations is the most important means",
     "un_main_channel"),
])  # fmt: skip
def test_positions_in_words_added_since_codebook_417316734068(corpus: Path, member: str,
                                                              words: str, theme: str) -> None:
    """Real sentences the rules missed before codebooks 6740faaedf8f and efed057393fa: gold
    misses, and UNGDC sentences read and judged right when the phrases were added."""
    # cleaned whole, as the pipeline does: a sentence cut from the raw text keeps its line and
    # paragraph breaks ("the United\n\nNations" in CHN_50_1995)
    sentence = sentence_with(clean_text(ungdc(corpus, member)), words)
    assert theme in {m.theme for m in found(sentence, default()) if m.counted}, sentence


@pytest.mark.parametrize("member, words, theme, rule", [
    ("Session 56 - 2001/SEN_56_2001.txt", "Thus the world needs the United Nations",
     "un_main_channel", "the world said to need the UN"),
    ("Session 43 - 1988/FIN_43_1988.txt", "Our Organization is the one best suited",
     "un_main_channel", "the UN the body best suited"),
    ("Session 69 - 2014/ARM_69_2014.txt", "preaches hatred towards", "disinformation",
     "hatred preached"),
])  # fmt: skip
def test_the_evidence_names_a_rule_that_says_what_was_found(corpus: Path, member: str,
                                                            words: str, theme: str,
                                                            rule: str) -> None:
    """A researcher reads the rule beside each match: "The world needs the United Nations" is
    not found by a rule named "only the UN can", nor a preached hatred by "campaigns of lies"."""
    sentence = sentence_with(clean_text(ungdc(corpus, member)), words)
    rules = {m.rule for m in found(sentence, default()) if m.counted and m.theme == theme}
    assert rules == {rule}, (sentence, rules)


def passage_with(text: str, words: str) -> str:
    """The sentence of a real text that holds these words, with the sentence before it (as a
    ``within: sentence`` rule reads it)."""
    hit = re.search(r"[^.]*\.[^.]*" + re.escape(words) + r"[^.]*\.", text)
    assert hit, words
    return hit.group().strip()


@pytest.mark.parametrize("member, words", [
    # codebook fef3189fe4c6: the UN named in the sentence before, the claim made of "it" (8
    # UNGDC additions, all 8 judged right by an independent reader)
    ("Session 69 - 2014/BEL_69_2014.txt", "It is the only place where the representatives"),
    ("Session 50 - 1995/SEN_50_1995.txt", "irreplaceable tool for the promotion"),
    ("Session 63 - 2008/MDV_63_2008.txt", "only viable framework"),
])  # fmt: skip
def test_a_claim_made_of_the_un_named_in_the_sentence_before(corpus: Path, member: str,
                                                              words: str) -> None:
    passage = clean_text(passage_with(ungdc(corpus, member), words))
    assert "un_main_channel" in {m.theme for m in found(passage, default()) if m.counted}, passage


@pytest.mark.parametrize("text, theme", [
    # the cold war's climate described or left behind, not rejected (a reader judged such
    # passages wrong, so only its revival counts)
    ("Cooperation would never have taken place in a climate of the cold war.",
     "bloc_confrontation"),
    ("The United Nations is not the only guarantee of our security.", "un_main_channel"),
    ("Our interventionist policy will lower energy prices for households.", "non_interference"),
    ("We are ready to share our technology with our partners in industry.", "capacity_building"),
    # another actor's say, not a people's own: "it is for the Security Council to resolve"
    ("It is for the coastal State to determine the limits of its fisheries.", "non_interference"),
    # images that distort hopes, not the press distorting the facts
    ("Immigration is driven by broadcast images that often distort honest hopes for a better life.",
     "disinformation"),
    # a record of the cold war left behind, not a call to leave it
    ("The dreams of the Charter's authors transcended the tensions and limitations of the cold war.",
     "bloc_confrontation"),
    # a review of the phrases of the session after 4ae534859e77: an ultimate body that is not
    # the UN, neutrality in one war, an era recorded, hatred sown by violence, hate speech as a
    # pretext
    ("The Parliament is the ultimate decision-making body of our nation.", "un_main_channel"),
    ("We have not aligned ourselves with either side in the war between Iran and Iraq.",
     "bloc_confrontation"),
    ("The era of the division of the world into spheres of influence is over.",
     "bloc_confrontation"),
    ("Militias are sowing ethnic hatred through massacres.", "disinformation"),
    ("Dissent is silenced under the pretext of fighting hate speech.", "disinformation"),
    # "a place where ..." describes the UN; only "the place" claims it (codebook 8ffb70a33380)
    ("The United Nations is a place where endless speeches are made.", "un_main_channel"),
    ("The United Nations has been at the forefront of many efforts.", "un_main_channel"),
    # a centrality denied is not claimed; the nations' own cooperation called the best hope, not
    # the UN; a cold war mentality recorded as ended (codebook a59fa4d7107c: each counts with its
    # exclusion removed)
    ("The United Nations, whatever its merits, is not the only hope of mankind.",
     "un_main_channel"),
    ("Members of the United Nations agree that cooperation among nations remains our greatest hope.",
     "un_main_channel"),
    ("The cold war mentality has ended.", "bloc_confrontation"),
])  # fmt: skip
def test_the_same_words_in_another_sense_do_not_count(text: str, theme: str) -> None:
    assert theme not in {m.theme for m in found(text, default()) if m.counted}


@pytest.mark.parametrize("member, words, theme", [
    # held-out 60's wordings (2026-12-06, eighth session) in their first, wider draft took these:
    # a pivotal role praised, a campaign of armed hostility, the cold war left behind, resources
    # named or given to apartheid
    ("Session 75 - 2020/YEM_75_2020.txt", "played a pivotal and outstanding role",
     "un_main_channel"),
    ("Session 36 - 1981/GUY_36_1981.txt", "unleashed a campaign of hostility and aggression",
     "disinformation"),
    ("Session 30 - 1975/IRQ_30_1975.txt", "the policy of confrontation and cold war",
     "bloc_confrontation"),
    ("Session 33 - 1978/COG_33_1978.txt", "give technological and financial aid to South Africa",
     "capacity_building"),
    ("Session 38 - 1983/PER_38_1983.txt", "colossal financial and technological resources",
     "capacity_building"),
    # the world's need and hope for the UN (eighth session) in its first draft: something else
    # suited to the Organization, a United Nations wished to be different, hopes for its
    # restructuring; and the policy of blocs said to be left behind
    ("Session 60 - 2005/FJI_60_2005.txt", "best suit the Organization", "un_main_channel"),
    ("Session 33 - 1978/MUS_33_1978.txt", "make you eminently suited", "un_main_channel"),
    ("Session 69 - 2014/MEX_69_2014.txt", "The world needs a United Nations where",
     "un_main_channel"),
    ("Session 75 - 2020/VAT_75_2020.txt", "needs the United Nations to become", "un_main_channel"),
    ("Session 71 - 2016/AND_71_2016.txt", "which we have thankfully left behind",
     "bloc_confrontation"),
    # the same session's first draft: public opinion said to be misled (mostly another
    # delegation's claims dismissed, which the rulings leave out) and war propaganda named as an
    # agenda item, in gold statements the coders left absent
    ("Session 09 - 1954/CAN_09_1954.txt", "confuse and mislead world opinion", "disinformation"),
    ("Session 06 - 1951/UKR_06_1951.txt", "diverting attention and deceiving public opinion",
     "disinformation"),
    ("Session 05 - 1950/FRA_05_1950.txt", "that we should ban war propaganda", "disinformation"),
    # the ninth session's first draft: "leading actors" beside the UN, of others (a State's
    # partners), not the UN called the lead institution
    ("Session 73 - 2018/IRL_73_2018.txt", "by the United Nations leading actors", "un_main_channel"),
    # the tenth session's first draft: "only ~2 instance" (a case, not an authority: the only
    # instance in which the UN authorized nuclear tests), "perfect" (a verb), "most
    # representative" (an organ inside the UN), "chosen instrument" of the UN (its force)
    ("Session 67 - 2012/MHL_67_2012.txt", "paid too heavy a price for the only instance",
     "un_main_channel"),
    ("Session 09 - 1954/ISR_09_1954.txt", "should fortify its spirit and perfect its institutions",
     "un_main_channel"),
    ("Session 70 - 2015/PRY_70_2015.txt", "the most representative organ within the Organization",
     "un_main_channel"),
    ("Session 12 - 1957/NZL_12_1957.txt", "is the chosen instrument of this Organization",
     "un_main_channel"),
    # the first draft of held-out 66's wording, "(chief|main|most effective|...) (instrument|
    # means|tool)" anywhere near the UN: a tool of the UN's, or a means to pay for it (17 UNGDC
    # additions, 5 right); the UN must now be the subject
    ("Session 70 - 2015/MMR_70_2015.txt", "one of the most effective tools available to the",
     "un_main_channel"),
    ("Session 49 - 1994/NOR_49_1994.txt", "important tool at the disposal of the United Nations",
     "un_main_channel"),
    ("Session 55 - 2000/MKD_55_2000.txt", "primary instruments of our Organization",
     "un_main_channel"),
    ("Session 47 - 1992/FSM_47_1992.txt", "and most effective means of meeting the costs",
     "un_main_channel"),
    # a crucial role praised is not a claim of centrality (the gold's coders: 6 of the 7
    # statements that such a role alone found were wrong); codebook 6b953b40f223
    ("Session 70 - 2015/LVA_70_2015.txt", "has played a crucial role", "un_main_channel"),
    ("Session 77 - 2022/MDG_77_2022.txt", "The crucial role of the United Nations must be",
     "un_main_channel"),
    # technological resources squandered on arms are not technology for developing countries
    ("Session 38 - 1983/SOM_38_1983.txt", "squandering of immeasurable", "capacity_building"),
    # poison gas as a weapon of war is no energy blackmail (codebook 6ab37d7f0f60)
    ("Session 04 - 1949/RUS_04_1949.txt", "condemned the use of gas as a weapon",
     "unilateral_sanctions"),
    # great-Power rivalry left behind ("freed of"), and the colonial carve-up of one country:
    # judged wrong by the reader, kept out by the rules' exclusions
    ("Session 46 - 1991/TTO_46_1991.txt", "constraining fetters", "bloc_confrontation"),
    ("Session 49 - 1994/SGP_49_1994.txt", "freed of the past", "bloc_confrontation"),
    ("Session 36 - 1981/MAR_36_1981.txt", "carved out for themselves", "bloc_confrontation"),
    # the Charter's words on the UN, restated, are no claim of the speaker's (a reader judged the
    # broader "the United Nations as the centre" wrong here)
    ("Session 73 - 2018/MDV_73_2018.txt", "describes the United Nations", "un_main_channel"),
    # tensions "reminiscent of the cold war" described, and an era of spheres of influence
    # recorded as past: a review's mends
    ("Session 72 - 2017/ETH_72_2017.txt", "Geopolitical tensions reminiscent", "bloc_confrontation"),
    ("Session 48 - 1993/ARE_48_1993.txt", "competition over spheres", "bloc_confrontation"),
    # another delegation's claims dismissed as misinformation or slander (themes.md ruling;
    # codebook 8ffb70a33380 names any delegation, not only "this / that country")
    ("Session 54 - 1999/BDI_54_1999.txt", "groundless and based on invention", "disinformation"),
    ("Session 27 - 1972/BLR_27_1972.txt", "rejects the demagogic and slanderous", "disinformation"),
    # others' criticism reported in order to answer it (codebook 5d108b2607ae)
    ("Session 66 - 2011/LIE_66_2011.txt", "that they were aimed at regime change",
     "non_interference"),
    # the end of the blocs or the cold war recorded, not called for: "the demise of", "the end
    # of" without "the", "by putting an end to", the cold war "brought to an end" (not carried
    # elsewhere), and those who found "the courage to end" it (this session's codebook)
    ("Session 52 - 1997/MLT_52_1997.txt", "There should be little doubt that, with the demise of", "bloc_confrontation"),
    ("Session 47 - 1992/HRV_47_1992.txt", "we have finally seen the end of division into", "bloc_confrontation"),
    ("Session 46 - 1991/YUG_46_1991.txt", "By putting an end to bloc confrontation",
     "bloc_confrontation"),
    ("Session 06 - 1951/RUS_06_1951.txt", "bringing the cold war to an end", "bloc_confrontation"),
    ("Session 49 - 1994/USA_49_1994.txt", "cold war - those from both East and", "bloc_confrontation"),
    # codebook b589ab8c598a's first draft counted these (an independent reader judged them
    # wrong): the UN the cornerstone of one State's foreign policy, a record of the UN's help "primarily",
    # "this most representative forum" as a form of address, the East-West confrontation described
    # or recorded ("beset by", "the supreme obstacle"), a colonial carve-up of one's territory
    ("Session 31 - 1976/SWE_31_1976.txt", "a corner-stone of Swedish", "un_main_channel"),
    ("Session 50 - 1995/MDA_50_1995.txt", "primarily, by the United", "un_main_channel"),
    ("Session 15 - 1960/BGR_15_1960.txt", "this most representative forum", "un_main_channel"),
    ("Session 38 - 1983/GTM_38_1983.txt", "beset by East-West confrontation", "bloc_confrontation"),
    ("Session 48 - 1993/CRI_48_1993.txt", "the supreme obstacle", "bloc_confrontation"),
    ("Session 29 - 1974/MAR_29_1974.txt", "carving up into several zones", "bloc_confrontation"),
    # this session's codebook, in its first draft: the great Powers' arena recorded as past or
    # described ("arenas of East-West rivalry have become more and more limited", "the main
    # theatre of past East-West confrontation", Powers that "will enter the arena"), the
    # dangers of war named, and blocs named in a negotiation
    ("Session 46 - 1991/AFG_46_1991.txt", "bloodstained arenas of East-West rivalry",
     "bloc_confrontation"),
    ("Session 45 - 1990/TTO_45_1990.txt", "main theatre of past East-West confrontation",
     "bloc_confrontation"),
    ("Session 26 - 1971/SGP_26_1971.txt", "will enter the arena of great-Power struggle",
     "bloc_confrontation"),
    ("Session 31 - 1976/USA_31_1976.txt", "Each successive war has brought greater perils",
     "bloc_confrontation"),
    ("Session 26 - 1971/MMR_26_1971.txt", "mutual troop reductions between the contending blocs",
     "bloc_confrontation"),
    # the third codebook's first draft: the UN's size described, and the International Court
    # as the highest body of justice
    ("Session 77 - 2022/POL_77_2022.txt", "gathered in the largest organization in the world",
     "un_main_channel"),
    ("Session 69 - 2014/HND_69_2014.txt", "largest forum in the world", "un_main_channel"),
    ("Session 68 - 2013/MKD_68_2013.txt", "highest body of justice in the world", "un_main_channel"),
    # the fourth codebook's first draft took "war propaganda" and "misleading propaganda": in
    # the dev gold they were mostly no position (a truce talk's "misleading propaganda" avoided)
    ("Session 07 - 1952/PER_07_1952.txt", "any attempt at misleading propaganda", "disinformation"),
    # the test-ban treaty's title ("... Tests in the Atmosphere, in Outer Space and Under Water")
    # beside the nuclear arms race: 11 UNGDC statements counted it as militarization until
    # codebook f23457193728
    ("Session 29 - 1974/KWT_29_1974.txt", "Although 11 years have elapsed since the signing",
     "militarization"),
    ("Session 30 - 1975/BLR_30_1975.txt", "prohibited the testing of nuclear weapons",
     "militarization"),
])  # fmt: skip
def test_real_sentences_in_another_sense_do_not_count(corpus: Path, member: str, words: str,
                                                     theme: str) -> None:
    """Praise, waste, war, records of the past and the Charter restated: real UNGDC sentences
    that the phrases' words appear in without the position."""
    sentence = clean_text(sentence_with(ungdc(corpus, member), words))
    assert theme not in {m.theme for m in found(sentence, default()) if m.counted}, sentence


@pytest.mark.parametrize("sentence, theme", [
    # a read-only review of codebook b31c0a76f111 wrote these (invented sentences: the UNGDC has
    # few or none of these senses); the wordings now need the UN as the subject or the speaker's
    # comparison with it, and arms supplied are not technology transferred
    ("The Security Council has relied on sanctions as the chosen instrument for exerting pressure.",
     "un_main_channel"),
    ("Peacekeeping is the chosen instrument for the United Nations to contain conflicts.",
     "un_main_channel"),
    ("We could not have chosen a better venue than Paris for the United Nations Climate Change "
     "Conference.", "un_main_channel"),
    ("The Constitutional Court, the supreme instance of our judiciary, ruled in line with United "
     "Nations standards.", "un_main_channel"),
    ("The General Assembly, the most authoritative organ within the Organization, must be "
     "revitalized.", "un_main_channel"),
    ("Some States continue supplying developing countries with arms and military technology.",
     "capacity_building"),
    ("Equipping developing countries with missile technology is a danger to us all.",
     "capacity_building"),
    ("Technology has made information available to people in developing countries as never "
     "before.", "capacity_building"),
])  # fmt: skip
def test_wordings_narrowed_after_review_do_not_fire_in_another_sense(sentence: str,
                                                                    theme: str) -> None:
    assert theme not in {m.theme for m in found(sentence, default()) if m.counted}, sentence


@pytest.mark.parametrize("member, words", [
    ("Session 16 - 1961/TUN_16_1961.txt", "of the Economic and Social Council should be enlarged"),
    ("Session 18 - 1963/SDN_18_1963.txt", "as presently constituted, do not reflect"),
    ("Session 18 - 1963/CYP_18_1963.txt", "will have to be enlarged by an amendment"),
])  # fmt: skip
def test_the_councils_reform_called_for_beside_another_organs(corpus: Path, member: str,
                                                               words: str) -> None:
    """The Economic and Social Council named in the same call ("the Security Council and the
    Economic and Social Council should be enlarged") vetoed the call for the Security Council's
    reform until codebook 86b8e6ec108f: 15 UNGDC statements outside the gold and 5 gold
    positives were missed for the other organ named beside it."""
    sentence = clean_text(sentence_with(ungdc(corpus, member), words))
    assert "security_council_reform" in {
        m.theme for m in found(sentence, default()) if m.counted}, sentence


@pytest.mark.parametrize("member, words", [
    ("Session 32 - 1977/SGP_32_1977.txt", "representatives of the five Western members"),
    ("Session 42 - 1987/YMD_42_1987.txt", "legitimate representative of the Palestinian people"),
    ("Session 58 - 2003/DZA_58_2003.txt", "submitted by the Special Representative"),
])  # fmt: skip
def test_representatives_named_beside_the_council_are_no_call_for_reform(corpus: Path,
                                                                         member: str,
                                                                         words: str) -> None:
    """Before codebook 38fa896e9a68, "representative of the ..." within ten words of the Council
    counted as a call to make it more representative: 44 UNGDC statements, all of them envoys,
    delegates or liberation movements named beside a Council resolution."""
    sentence = clean_text(sentence_with(ungdc(corpus, member), words))
    assert "security_council_reform" not in {
        m.theme for m in found(sentence, default()) if m.counted}


@pytest.mark.parametrize("member, words", [
    # the weight shifted between organs inside the UN, and an epithet for the Assembly: read when
    # codebook 3cfdc0c8821f was written, neither a claim of the UN's centrality
    ("Session 28 - 1973/SYR_28_1973.txt", "shifting the centre of gravity"),
    ("Session 78 - 2023/BHS_78_2023.txt", "proud to be back to this most important forum"),
    # codebook 4338fdb71a16: something of the UN called indispensable, not the UN; the word
    # indispensable near the UN, of something else (read in its first, wider version)
    ("Session 52 - 1997/HUN_52_1997.txt", "The financial reform of our Organization is"),
    ("Session 13 - 1958/AUT_13_1958.txt", "indispensable that the United Nations should"),
    ("Session 58 - 2003/UKR_58_2003.txt", "suffered irreplaceable losses"),
    ("Session 63 - 2008/DZA_63_2008.txt", "It is indispensable to continue the work of"),
    # the UN said to be at the core (2026-12-06), in its first draft: the UN not the subject
    ("Session 67 - 2012/PAK_67_2012.txt", "lies at the heart of those goals"),
    ("Session 58 - 2003/GRC_58_2003.txt", "Nations is at the"),
    ("Session 33 - 1978/GNQ_33_1978.txt", "since its foundation, remains at the centre"),
])  # fmt: skip
def test_real_sentences_near_the_uns_centrality_that_do_not_claim_it(corpus: Path, member: str,
                                                                     words: str) -> None:
    sentence = clean_text(sentence_with(ungdc(corpus, member), words))
    assert "un_main_channel" not in {m.theme for m in found(sentence, default()) if m.counted}


# -- accuracy on the dev gold, through the real pipeline --------------------------------------


def gold_text(corpus: Path, name: str) -> str:
    for folder in ("unga79/text", "seed"):
        if (corpus / folder / name).exists():
            return (corpus / folder / name).read_text(encoding="utf-8", errors="replace")
    raise AssertionError(f"{name} is not in the corpus")


def test_dev_gold_accuracy_meets_the_targets(corpus: Path) -> None:
    gold = load_gold(corpus / "gold/dev.tsv")
    matcher = default()
    coded = {}
    for name in gold:
        text = clean_text(gold_text(corpus, name))
        coded[name] = {
            m.theme: m.matched_text for m in reversed(matcher.match(text, segment(text)))
        }
    report = evaluate(coded, gold, themes=[t.id for t in matcher.codebook.themes], n_boot=200)
    assert report.micro_f1 >= 0.90, report.format()
    for score in report.per_theme:
        if score.support >= THEME_MIN_SUPPORT:
            assert score.f1 >= THEME_F1_TARGET, (score, report.format())
    assert all(report.targets_met().values())
