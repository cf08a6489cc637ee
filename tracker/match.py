"""The matcher: a clean statement text and its passages x a codebook -> matches with spans.

How it works (chosen by measurement, see ``benchmarks/bench_match.py``):

1. one compiled regex splits the text into word tokens (offsets kept);
2. each *distinct* token is mapped once to the codebook's vocabulary and cached across
   documents: case, accents, British/American spelling and inflection are folded to a stem
   (``militarising`` -> ``militariz``), OCR digit confusions and ``rn``/``m`` are folded, compounds
   are split (``cyberattack`` -> ``cyber attack``), and only tokens of about ``min_fuzzy_length``
   letters or more that are still unknown are looked up fuzzily with rapidfuzz (normalized OSA
   similarity against the vocabulary's long words, batched per document, same first letter);
3. phrases are found by walking a trie of token ids from the positions of their first words, and
   ``near`` rules pair the terms of their groups within N words or within one sentence read
   with the sentence before it;
4. exclusions veto matches, and overlapping matches of one theme count once, the longest winning.
"""

from __future__ import annotations


import gc
import re
import threading
import unicodedata
import bisect
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Container, Iterator, Sequence
from contextlib import contextmanager
import dataclasses
from dataclasses import dataclass, field
from itertools import pairwise
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from tracker.codebook import Codebook, Exclusion, Rule, Theme
from tracker.models import Match, Passage
from tracker.segment import sentence_ranges
from tracker.tokens import TOKEN

OOV = -1  # a token outside the codebook's vocabulary
WILD = -2  # the ``*`` of a phrase
_END = -9  # trie key holding the owners of a complete pattern
_SPLIT = -3  # cache value of a compound token mapped to two ids
_COMBINING = frozenset(("cyber", "non", "ciber"))  # "cyber attack", "non-use"
_GLUED = frozenset((
    "in", "of", "on", "to", "the", "and", "for", "at", "by", "as", "is", "its", "our", "new", "all",
))  # fmt: skip
_LONE_MIN_LENGTH = 8  # a misspelt word alone in a pattern needs this many letters...
_LONE_MIN_SCORE = 85.0  # ...and this score
_STOPWORDS = frozenset((
    "the", "a", "an", "of", "to", "in", "on", "at", "by", "for", "with", "as", "is", "are", "be",
    "been", "was", "were", "has", "have", "had", "our", "their", "its", "this", "that", "these",
    "those", "all", "and", "or", "not", "no", "must", "should", "will", "would", "can", "may",
    "it", "we", "they", "de", "la", "le", "les", "des", "du", "el", "los", "las", "en", "et", "y",
    "que", "un", "une", "una",
))  # fmt: skip  # words a pattern is not looked up by (they are checked backwards instead)

# -- normalisation ---------------------------------------------------------------------------

_IRREGULAR = {
    "defence": "defense", "offence": "offense", "licence": "license", "pretence": "pretense",
    "programme": "program", "programmes": "programs", "judgement": "judgment",
    "judgements": "judgments", "ageing": "aging", "whilst": "while", "amongst": "among",
    "towards": "toward", "fulfil": "fulfill", "fulfils": "fulfills", "fulfilment": "fulfillment",
    "enrol": "enroll", "enrolment": "enrollment", "skilful": "skillful", "grey": "gray",
    "practise": "practice", "practised": "practiced", "practising": "practicing",
    "crises": "crisis", "analyses": "analysis", "sceptical": "skeptical",
    "manoeuvre": "maneuver", "manoeuvres": "maneuvers", "instalment": "installment",
}  # fmt: skip
_DIGITS = str.maketrans({"1": "l", "0": "o"})
_BRITISH = [
    (re.compile(r"(?<=[a-z]{4})is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z]{3})ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"(?<=[a-z]{3})our"), "or"),
    (re.compile(r"(?<=[a-z]{3})ogue(s?)$"), r"og\1"),
    (re.compile(r"(?<=[a-z]{3})ell(ed|ing|er|ers)$"), r"el\1"),
    (re.compile(r"(?<=[a-z]{2})([bcdfgklmnptv])re(s|d|ing)?$"), None),
    (re.compile(r"rn"), "m"),  # OCR: "rn" and "m" look alike; folded on both sides
]
_RE_SUFFIX = {None: "", "s": "s", "d": "ed", "ing": "ing"}
_VOWEL = re.compile(r"[aeiouy]")
_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'(?=\w)")  # French l'espace


def fold(token: str) -> str:
    """Lower case, no accents or apostrophes, OCR digits and British spellings folded."""
    return _british(plain(token))


def plain(token: str) -> str:
    """Lower case, no accents or apostrophes (French elisions dropped), OCR digits folded."""
    word = token.lower()
    if not word.isascii():
        word = "".join(
            c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)
        )
        word = word.replace("’", "'")
    if "'" in word:
        word = _ELISION.sub("", word)
        word = re.sub(r"'s$", "", word).replace("'", "")
    if not word.isalpha() and not word.isdigit():
        word = word.translate(_DIGITS)
    return word


def _british(word: str) -> str:
    word = _IRREGULAR.get(word, word)
    for pattern, repl in _BRITISH:
        if repl is None:
            word = pattern.sub(lambda m: m.group(1) + "er" + _RE_SUFFIX[m.group(2)], word)
        else:
            word = pattern.sub(repl, word)
    return word


def stem(word: str) -> str:
    """A light inflectional stemmer for folded words: one key for a word's inflected forms.

    ``militarize``, ``militarization``, ``militarized`` -> ``militariz``; ``countries`` ->
    ``country``; ``attacks`` -> ``attack``; ``building`` -> ``build``. Keys are never shown.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in ("izations", "ization", "izing", "izers", "izer", "izes", "ized", "ize"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + "iz"
    if word.endswith(("ies", "ied")) and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6 and _VOWEL.search(word[:-3]):
        word = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) >= 5 and _VOWEL.search(word[:-2]):
        word = _undouble(word[:-2])
    if word.endswith("e") and len(word) >= 4:
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    if len(word) >= 3 and word[-1] == word[-2] and word[-1] not in "lsz" + "aeiou":
        return word[:-1]
    return word


def key(token: str) -> str:
    """The vocabulary key of a token: folded, then stemmed."""
    return stem(fold(token))


# -- compiled codebook -----------------------------------------------------------------------


class _Owner(NamedTuple):
    """Who a pattern belongs to: a phrase rule, a term group of a near rule, or an exclusion."""

    kind: str  # phrase | group | exclude | opposes | reports (stance cues) | reported
    theme: int  # -1 for reported-speech cues (all themes)
    rule: int  # -1 for a theme-level exclusion or a cue
    index: int = 0  # type: ignore[assignment]  # group or exclusion number (shadows tuple.index)


class _Hit(NamedTuple):
    """An occurrence of a pattern: stream positions [start, end) and the lowest word score."""

    owner: _Owner
    start: int
    end: int
    score: float
    gaps: tuple[int, ...] = ()  # the stream positions a ``*`` (or ``~N``) of the pattern took


@dataclass
class _Lexicon:
    """One language's vocabulary, pattern trie and token cache (kept across documents)."""

    vocab: dict[str, int]
    trie: dict
    surfaces: list[str]  # long folded words, for fuzzy lookup
    surface_ids: list  # the id of each, or the two ids of a compound
    forms: frozenset[str]  # plain words of the codebook's phrases, as written
    lowers: frozenset[str]  # those written in lower case (not acronyms): compound parts
    pairs: frozenset[tuple[str, str]]  # keys of words that follow each other in a phrase
    not_typos: frozenset[str]  # real words never matched fuzzily
    cutoff: float  # lowest cutoff of any rule: the fuzzy lookup's floor
    min_len: int
    stops: frozenset[int]  # ids of function words (they do not vouch for a misspelt word)
    actor_verbs: dict[int, frozenset[str]] = field(default_factory=dict)  # theme -> verb keys
    cache: dict[str, int] = field(default_factory=dict)  # raw token -> id, OOV or _SPLIT
    split: dict[str, tuple[int, int]] = field(default_factory=dict)  # compound -> its ids
    scores: dict[str, float] = field(default_factory=dict)  # fuzzily mapped tokens only


class _Text(NamedTuple):
    """A statement as the semantic matcher reads it."""

    text: str
    passages: Sequence[Passage]
    language: str


class Matcher:
    """Finds a codebook's themes in clean statement texts.

    Compiles each language on first use (once per codebook version in a process) and caches
    token lookups across documents. Pickling keeps only the codebook (a worker rebuilds the
    rest in about a second).
    """

    def __init__(self, codebook: Codebook, *, semantic: bool = True):
        self.codebook = codebook
        self.semantic = semantic and bool(codebook.semantic_model)
        self._lexicons: dict[str, _Lexicon] = {}
        self._semantic_model = None
        self._theme_ids = frozenset(t.id for t in codebook.themes)

    def __getstate__(self) -> dict:
        return {"codebook": self.codebook, "semantic": self.semantic}

    def __setstate__(self, state: dict) -> None:
        Matcher.__init__(self, state["codebook"], semantic=state.get("semantic", True))

    def covers(self, language: str) -> bool:
        """Whether the codebook has phrases in this language."""
        return language in self.codebook.languages

    def match(self, text: str, passages: Sequence[Passage], *, language: str = "en") -> list[Match]:
        """All matches in a clean statement text; offsets into ``text``.

        ``Match.passage_seq`` is the passage holding the span's start. Overlapping matches of one
        theme count once (the longest wins). A language the codebook does not cover gives [].
        Without passages the whole text is read as one passage. With a semantic model (the
        codebook's ``semantic``), its ``semantic`` matches follow the rules' (English only).
        """
        if not self.covers(language) or not text:
            return []
        doc = _Document(text, passages, self._lexicon(language))
        found = self._rules(doc, language)
        if self.semantic and language == "en":
            whole = list(passages) or [Passage(0, 0, len(text), 0)]
            # a model trained for other themes (a theme since removed from the codebook) adds
            # nothing outside the codebook: such matches became themes the codebook lacks
            semantic = [m for m in self.semantic_model().matches(_Text(text, whole, language), found)
                        if m.theme in self._theme_ids]  # fmt: skip
            found += self._directed(doc, semantic)  # the rules' reading of the text, reused
        return sorted(found, key=lambda m: (m.start, m.theme, m.end))

    def directed(
        self, text: str, passages: Sequence[Passage], found: Sequence[Match], *, language: str = "en"
    ) -> list[Match]:
        """``found`` (the semantic matcher's matches) with the direction the theme's stance cues
        give what the model read (the passage and the sentence before it), as a rule's match is
        read: ``counted`` only where the direction fits the theme, the deciding cue added to the
        reason. (The semantic matcher marked every passage ``supports``: a State announcing its
        own sanctions counted as condemning them.)"""
        if not found:
            return []
        return self._directed(_Document(text, passages, self._lexicon(language)), found)

    def _directed(self, doc: _Document, found: Sequence[Match]) -> list[Match]:
        index = {theme.id: t for t, theme in enumerate(self.codebook.themes)}
        starts = [p.start for p in doc.passages]
        out = []
        for m in found:
            i = bisect_right(starts, m.start) - 1
            begin = doc.passages[i - 1].start if i > 0 else m.start
            span = doc.stream_span(begin, m.end)
            t = index.get(m.theme)
            if span is None or t is None:
                out.append(m)
                continue
            direction, cue = _direction(doc, t, *span, whole_span=True)
            out.append(dataclasses.replace(
                m, direction=direction, counted=self.codebook.themes[t].counts(direction),
                reason="; ".join(part for part in (m.reason, cue) if part),
            ))  # fmt: skip
        return out

    def match_rules(
        self, text: str, passages: Sequence[Passage], *, language: str = "en"
    ) -> list[Match]:
        """The matches of the codebook's rules only."""
        return self._rules(_Document(text, passages, self._lexicon(language)), language)

    def _rules(self, doc: _Document, language: str) -> list[Match]:
        if not doc.hits:
            return []
        found: list[Match] = []
        for t, theme in enumerate(self.codebook.themes):
            candidates = []
            for r in sorted(doc.rules.get(t, ())):
                rule = theme.rules[r]
                candidates.extend(_rule_matches(doc, theme.exclude, t, r, rule, language))
            found.extend(_longest(doc, candidates, t, theme))
        return found

    def semantic_model(self):
        """The codebook's semantic model, read on first use."""
        if self._semantic_model is None:
            from tracker.semantic import load_model

            self._semantic_model = load_model(self.codebook.semantic_model)
        return self._semantic_model

    def _lexicon(self, language: str) -> _Lexicon:
        if language not in self._lexicons:
            self._lexicons[language] = _shared_lexicon(self.codebook, language)
        return self._lexicons[language]


#: Compiled languages of the codebook versions used last in this process, shared by all its
#: Matchers: compiling one takes about a second, and an ingest, a re-match, a preview or a
#: validation each make a new Matcher of the same codebook. A rules version is the hash of the
#: codebook's content less its semantic model, so one always compiles to the same lexicon.
_COMPILED: OrderedDict[tuple[str, str], _Lexicon] = OrderedDict()
_COMPILED_KEPT = 4
#: Distinct words a shared lexicon may have learnt before new Matchers get a fresh one, so a
#: long-running dashboard holds no more than one large ingest's worth (the whole UNGDC: about
#: 300,000); Matchers already made keep theirs.
_LEARNT_KEPT = 500_000
_COMPILE_LOCK = threading.Lock()


def _shared_lexicon(codebook: Codebook, language: str) -> _Lexicon:
    # keyed by the rules alone: a retrained or recalibrated semantic model is a new version of
    # the codebook but the same lexicon (cross-validation folds, calibration)
    key = (codebook.rules_version or codebook.version, language)
    with _COMPILE_LOCK:
        lexicon = _COMPILED.get(key)
        if lexicon is None or len(lexicon.cache) > _LEARNT_KEPT:
            lexicon = _COMPILED[key] = _compile(codebook, language)
            while len(_COMPILED) > _COMPILED_KEPT:
                _COMPILED.popitem(last=False)
        _COMPILED.move_to_end(key)
        return lexicon


def _patterns(codebook: Codebook, language: str) -> list[tuple[str, _Owner]]:
    """Every wording of the language with its owner."""
    out: list[tuple[str, _Owner]] = []

    def add_exclusions(items: tuple[Exclusion, ...], t: int, r: int) -> None:
        for e, excl in enumerate(items):
            out.extend((p, _Owner("exclude", t, r, e)) for p in excl.phrases.get(language, ()))

    out.extend((p, _Owner("reported", -1, -1)) for p in codebook.reported_speech.get(language, ()))
    for t, theme in enumerate(codebook.themes):
        add_exclusions(theme.exclude, t, -1)
        for cue in ("opposes", "reports"):
            phrases = getattr(theme.stance, cue).get(language, ())
            out.extend((p, _Owner(cue, t, -1)) for p in phrases)
        for r, rule in enumerate(theme.rules):
            out.extend((p, _Owner("phrase", t, r)) for p in rule.phrases.get(language, ()))
            for g, group in enumerate(rule.groups.get(language, ())):
                out.extend((p, _Owner("group", t, r, g)) for p in group)
            add_exclusions(rule.exclude, t, r)
    return out


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a lexicon is built (or many statements are
    coded in one process: tracker.accuracy.code). Its hundreds of thousands of new dicts, lists
    and tuples hold no reference cycles, yet every few hundred of them set off a collection that
    walks the young ones again (with the trie read below, the default compiles in about 1.2 s
    instead of 1.7-2.1 s)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _compile(codebook: Codebook, language: str) -> _Lexicon:
    """One language of a codebook, ready to match: vocabulary, trie, fuzzy targets."""
    with collector_paused():
        return _compile_lexicon(codebook, language)


def _compile_lexicon(codebook: Codebook, language: str) -> _Lexicon:
    patterns = _patterns(codebook, language)
    words = {w for phrase, _ in patterns for w in phrase.split() if w != "*"}
    tokens = [t for w in words for t in TOKEN.findall(w)]
    plains = {plain(t) for t in tokens}
    lowers = {plain(t) for t in tokens if t.islower()}
    min_len = codebook.min_fuzzy_length
    keys_of = _keys(plains, lowers, min_len)
    vocab: dict[str, int] = {}
    for p in sorted(plains):
        for k in keys_of[p]:
            vocab.setdefault(k, len(vocab))
    ids_of = {w: [vocab[k] for t in TOKEN.findall(w) for k in keys_of[plain(t)]] for w in words}
    stops = frozenset(vocab[key(w)] for w in _STOPWORDS if key(w) in vocab)
    trie, pairs = _trie(patterns, ids_of, stops, {i: k for k, i in vocab.items()})
    targets = _fuzzy_targets(plains, keys_of, vocab, min_len)
    cutoffs = [r.cutoff for th in codebook.themes for r in th.rules] + [codebook.cutoff]
    return _Lexicon(
        vocab=vocab,
        trie=trie,
        surfaces=list(targets),
        surface_ids=list(targets.values()),
        forms=frozenset(plains),
        lowers=frozenset(lowers),
        pairs=frozenset(pairs),
        not_typos=frozenset(fold(w) for w in codebook.not_typos.get(language, ())),
        cutoff=min(cutoffs),
        min_len=min_len,
        stops=stops,
        actor_verbs={
            t: frozenset(key(v) for v in theme.stance.actor_verbs.get(language, ()))
            for t, theme in enumerate(codebook.themes)
            if theme.stance.actor_verbs.get(language)
        },
    )


def _keys(plains: set[str], lowers: set[str], min_len: int) -> dict[str, list[str]]:
    """The vocabulary keys of each codebook word; a compound written as one word
    ("cyberattack") splits as the text's compounds do."""
    stems = {key(p) for p in plains}
    out = {}
    for p in plains:
        parts = _split_word(p, stems, lowers, min_len, codebook=True)
        out[p] = [key(x) for x in parts] if parts else [key(p)]
    return out


def _trie(
    patterns: list[tuple[str, _Owner]], ids_of: dict, stops: frozenset[int], names: dict
) -> tuple[dict, set[tuple[str, str]]]:
    """The pattern trie (from each pattern's first content word; the function words before it
    are kept to check backwards) and the pairs of keys that follow each other in a pattern."""
    trie: dict = {}
    id_pairs: set[tuple[int, int]] = set()  # named once the patterns' many repeats are gone
    # tuples, and plain loops over them: this loop runs once per wording (about 250,000 in the
    # default), so each pattern's ids joined without a list or a generator per word saves a
    # fifth of the compile
    ids_as_tuples = {w: tuple(v) for w, v in ids_of.items()}
    ids_as_tuples["*"] = (WILD,)
    not_content = stops | {WILD}
    for phrase, owner in patterns:
        ids: tuple[int, ...] = ()
        for w in phrase.split():
            ids += ids_as_tuples[w]
        at = 0
        for n, i in enumerate(ids):
            if i not in not_content:
                at = n
                break
        back = ids[:at]
        if back:  # the pairs from the first content word on are the trie's edges, read below
            id_pairs.update(pairwise(ids[: at + 1]))
        node = trie
        for i in ids[at:]:
            child = node.get(i)
            if child is None:
                child = node[i] = {}
            node = child
        owners = node.get(_END)
        if owners is None:
            node[_END] = [(owner, back)]
        elif (owner, back) not in owners:
            owners.append((owner, back))
    id_pairs.update(_edges(trie))
    pairs = {(names[a], names[b]) for a, b in id_pairs if WILD not in (a, b)}
    return trie, pairs


def _edges(trie: dict) -> set[tuple[int, int]]:
    """Every (key, next key) along the trie's paths: the pairs of its patterns, each path read
    once rather than once per pattern that shares it."""
    edges: set[tuple[int, int]] = set()
    stack = [(i, child) for i, child in trie.items() if i != _END]
    while stack:
        parent, node = stack.pop()
        for i, child in node.items():
            if i != _END:
                edges.add((parent, i))
                stack.append((i, child))
    return edges


def _fuzzy_targets(
    plains: set[str], keys_of: dict[str, list[str]], vocab: dict[str, int], min_len: int
) -> dict[str, int | tuple[int, ...]]:
    """Long words a misspelling may be read as: as written ("internal"), folded ("intemal")
    and as keys; a compound maps to the ids of its parts."""
    targets: dict[str, int | tuple[int, ...]] = {}
    for p in plains:
        if len(p) >= min_len and p.isalpha():
            ids = tuple(vocab[k] for k in keys_of[p])
            for form in (p, fold(p)):
                targets[form] = ids[0] if len(ids) == 1 else ids
    targets.update({k: vocab[k] for k in vocab if len(k) >= min_len and k.isalpha()})
    return targets


_CASE_JOIN = [
    re.compile(r"([A-Z]{2,}?)([A-Z][a-z]{2,})"),  # UNSecurity
    re.compile(r"([A-Z]{2,})([a-z]{3,})"),  # UNcentred
    re.compile(r"([A-Za-z][a-z]+)([A-Z]{2,})"),  # efficientUN, theUN
    re.compile(r"([A-Z][a-z]+)([A-Z][a-z]+)"),  # UnitedNations, SecurityCouncil
]


def _case_split(token: str, stems: Container[str]) -> tuple[str, str] | None:
    """Two words glued at a change of case (PDF text: "theUN", "UNcentred"), if both known."""
    if token.islower() or token.isupper():
        return None
    for pattern in _CASE_JOIN:
        m = pattern.fullmatch(token)
        if m and key(m.group(1)) in stems and key(m.group(2)) in stems:
            return m.group(1), m.group(2)
    return None


def _split_word(
    word: str,
    stems: Container[str],
    forms: Container[str],
    min_len: int,
    *,
    codebook: bool = False,
    pairs: Container[tuple[str, str]] = (),
) -> tuple[str, str] | None:
    """Where a compound (a plain word of ``min_len`` - 1 letters or more) splits into two
    codebook words: ``cyberattacks`` -> cyber + attacks, ``Councilin`` -> council + in. The
    codebook's own words split only after a combining form, so "cyberattack" finds "cyber attack".

    Allowed: a combining form as head (cyber, non...), a small glued word as head or tail
    (the, of, its, as...), or two words the codebook writes in lower case, of 3+ and 4+ letters,
    that follow each other in one of its phrases (``coldwar``, ``digitaldivide``; not
    ``moreover``, nor the acronym in ``driftIGN``); the most balanced split wins.
    """
    if len(word) < min_len - 1:
        return None
    best: tuple[int, tuple[str, str]] | None = None
    for i in range(2, len(word) - 1):
        head, tail = word[:i], word[i:]
        if head in _COMBINING:
            ok = len(tail) >= 3 and (codebook or (key(head) in stems and key(tail) in stems))
        elif codebook:  # the codebook's own words split only after a combining form
            ok = False
        elif tail in _GLUED:
            ok = head in forms and key(head) in stems and tail in stems
        elif head in _GLUED:
            ok = tail in forms and head in stems and key(tail) in stems
        else:
            ok = (
                min(len(head), len(tail)) >= 3 and max(len(head), len(tail)) >= 4
                and head in forms and (tail in forms or len(tail) >= 5)
                and (key(head), key(tail)) in pairs
            )  # fmt: skip
        if ok and (best is None or min(i, len(word) - i) > best[0]):
            best = (min(i, len(word) - i), (head, tail))
    return best[1] if best else None


# -- token mapping ---------------------------------------------------------------------------


#: Tokens longer than this are never split into compounds nor matched fuzzily.
MAX_TOKEN = 40


def _learn(lexicon: _Lexicon, tokens: set[str]) -> None:
    """Map new tokens: exact key, else compound split, else fuzzy (long tokens only).

    What is learnt joins the lexicon at the end, compounds and scores before the tokens, so a
    thread matching with the same lexicon (it is shared: see :func:`_shared_lexicon`) never
    reads a token half-learnt. :func:`tracker.prefilter._may_map` follows these ways to tell
    which tokens of an index may map to a word: a new way must be added there too.
    """
    vocab = lexicon.vocab
    cache: dict[str, int] = {}
    split: dict[str, tuple[int, ...]] = {}
    scores: dict[str, float] = {}
    fuzzy: dict[str, list[str]] = {}
    for tok in tokens:
        word = plain(tok)
        folded = _british(word)
        found = vocab.get(stem(folded))
        if found is not None:
            cache[tok] = found
            continue
        cache[tok] = OOV
        # a token far longer than any codebook word (a base64 blob, a URL) is simply unknown:
        # splitting or fuzzy-matching it would cost time quadratic in its length
        if len(word) > MAX_TOKEN or not word.isalpha() or folded in lexicon.not_typos:
            continue
        if len(word) < lexicon.min_len - 1:
            parts = _case_split(tok, vocab)  # "theUN", "UNcentred"
            if parts:
                cache[tok] = _SPLIT
                split[tok] = (vocab[key(parts[0])], vocab[key(parts[1])])
            continue
        parts = _case_split(tok, vocab) or _split_word(
            word, vocab, lexicon.lowers, lexicon.min_len, pairs=lexicon.pairs
        )
        if parts:
            cache[tok] = _SPLIT
            split[tok] = (vocab[key(parts[0])], vocab[key(parts[1])])
        elif lexicon.surfaces:
            for form in {word, folded}:  # as written ("gdvern") and folded ("gdvem")
                fuzzy.setdefault(form, []).append(tok)
    if fuzzy:
        for tok, (score, target) in _fuzzy(lexicon, fuzzy).items():
            if isinstance(target, tuple):
                cache[tok] = _SPLIT
                split[tok] = target
            else:
                cache[tok] = target  # type: ignore[assignment]
            scores[tok] = score
    lexicon.split.update(split)  # type: ignore[arg-type]
    lexicon.scores.update(scores)
    lexicon.cache.update(cache)


def _fuzzy(lexicon: _Lexicon, queries: dict[str, list[str]]) -> dict[str, tuple[float, object]]:
    """Batch fuzzy lookup of unknown tokens against the vocabulary's long words: each token
    found, with its score and target (an id, or the two ids of a compound).

    The score is the normalized OSA similarity (0-100): one substitution, insertion, deletion
    or swap of neighbours costs one edit, so at the default cutoff of 80 a word of 5-9 letters
    may carry one error and a word of 10+ letters two.
    """
    forms = list(queries)
    scores = process.cdist(
        forms, lexicon.surfaces, scorer=OSA.normalized_similarity,
        score_cutoff=lexicon.cutoff / 100, workers=1,
    )  # fmt: skip
    best: dict[str, tuple[float, object]] = {}  # token -> (score, target)
    for row, form in enumerate(forms):
        line = scores[row]
        cols = [int(c) for c in line.nonzero()[0] if _typo_like(form, lexicon.surfaces[c])]
        if not cols:
            continue
        col = max(cols, key=lambda c: (line[c], -c))
        score = round(float(line[col]) * 100, 1)
        for tok in queries[form]:
            if score >= lexicon.cutoff and score > best.get(tok, (0.0, None))[0]:
                best[tok] = (score, lexicon.surface_ids[col])
    return best


def _typo_like(a: str, b: str) -> bool:
    """Whether ``a`` may be a misspelling of ``b``: same first letter (``mission`` is not
    ``emission``), and not the other word with a block of 2+ letters added (``structure`` /
    ``restructure``, ``inference`` / ``interference``): those are different words."""
    if a[0] != b[0]:
        return False
    short, long = sorted((a, b), key=len)
    if len(long) - len(short) < 2:
        return True
    p = 0
    while p < len(short) and short[p] == long[p]:
        p += 1
    q = 0
    while q < len(short) - p and short[-1 - q] == long[-1 - q]:
        q += 1
    return p + q < len(short)


# -- one document ----------------------------------------------------------------------------


class _Document:
    """A text read passage by passage: its tokens, their ids, every pattern hit, and lookups.

    Stream positions index ``stream`` (the token ids, compounds expanded); ``origin`` maps them
    back to tokens when a compound was expanded. Character offsets are computed only for the
    passages that hold hits.
    """

    def __init__(self, text: str, passages: Sequence[Passage], lexicon: _Lexicon):
        self.text = text
        self.passages = list(passages) or [Passage(0, 0, len(text), 0)]
        self.first: list[int] = []  # index of each passage's first token
        tokens: list[str] = []
        for p in self.passages:
            self.first.append(len(tokens))
            tokens.extend(TOKEN.findall(text, p.start, p.end))
        self.tokens = tokens
        self.sentence = sentence_ranges(text, self.passages)
        self.actor_verbs = lexicon.actor_verbs
        self._spans: dict[int, list[tuple[int, int]]] = {}
        distinct = set(tokens)
        new = distinct.difference(lexicon.cache)
        if new:
            _learn(lexicon, new)
        ids = list(map(lexicon.cache.__getitem__, tokens))
        self.stream, self.origin = ids, None
        if not distinct.isdisjoint(lexicon.split):
            self.stream, self.origin = _expand(ids, tokens, lexicon.split)
        fuzzy = lexicon.scores if not distinct.isdisjoint(lexicon.scores) else None
        scorer = self._scorer(fuzzy, lexicon.stops)
        self.hits = [h for h in _find(lexicon.trie, self.stream, scorer) if self._within(h)]
        self.by_owner: dict[_Owner, list[_Hit]] = {}
        self.rules: dict[int, set[int]] = {}
        for hit in self.hits:
            self.by_owner.setdefault(hit.owner, []).append(hit)
            if hit.owner.kind in ("phrase", "group"):
                self.rules.setdefault(hit.owner.theme, set()).add(hit.owner.rule)

    def _scorer(self, fuzzy: dict[str, float] | None, stops: frozenset[int]):
        """Score of stream positions [i, j): 100 when every word is exact, else the lowest word
        score, or None (no hit) when a misspelt word has no support: it needs an exact content
        word in the same pattern, or to stand alone as a long word scored 85 or more."""
        if fuzzy is None:
            return None
        tokens, stream, token = self.tokens, self.stream, self.token
        present = fuzzy.keys() & set(tokens)  # the misspelt words of this text

        def score(i: int, j: int) -> float | None:
            if not any(tokens[token(k)] in present for k in range(i, j)):
                return 100.0
            words = sorted({token(k) for k in range(i, j)})
            lowest = min(fuzzy.get(tokens[k], 100.0) for k in words)
            if any(
                stream[pos] not in stops and tokens[token(pos)] not in fuzzy for pos in range(i, j)
            ):
                return lowest
            if len(words) == 1 and len(tokens[words[0]]) >= _LONE_MIN_LENGTH:
                return lowest if lowest >= _LONE_MIN_SCORE else None
            return None

        return score

    def _within(self, hit: _Hit) -> bool:
        """A pattern never runs over a full stop: its words are in one sentence (one passage, or
        the pieces of a long sentence that segmentation cut)."""
        if hit.end - hit.start == 1:
            return True
        return self.sentence[self.passage(hit.start)] == self.sentence[self.passage(hit.end - 1)]

    def sentence_of(self, start: int, end: int) -> tuple[int, int]:
        """First and last passage of the sentence(s) holding stream positions [start, end)."""
        return self.sentence[self.passage(start)][0], self.sentence[self.passage(end - 1)][1]

    def token(self, pos: int) -> int:
        """Token index of a stream position."""
        return pos if self.origin is None else self.origin[pos]

    def passage(self, pos: int) -> int:
        """Index (into passages) of the passage holding a stream position."""
        return bisect_right(self.first, self.token(pos)) - 1

    def stream_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Stream positions [first, last) of the tokens inside character offsets [start, end);
        None when none lies inside."""
        inside = [
            k
            for j, p in enumerate(self.passages)
            if p.start < end and start < p.end
            for k in range(self.first[j], self.first[j + 1] if j + 1 < len(self.first) else len(self.tokens))
            if start <= self._span(k)[0] and self._span(k)[1] <= end
        ]  # fmt: skip
        if not inside:
            return None
        if self.origin is None:
            return inside[0], inside[-1] + 1
        return bisect_left(self.origin, inside[0]), bisect_right(self.origin, inside[-1])

    def char_span(self, start: int, end: int) -> tuple[int, int]:
        """Character offsets of stream positions [start, end)."""
        return self._span(self.token(start))[0], self._span(self.token(end - 1))[1]

    def _span(self, k: int) -> tuple[int, int]:
        j = bisect_right(self.first, k) - 1
        if j not in self._spans:
            p = self.passages[j]
            self._spans[j] = [m.span() for m in TOKEN.finditer(self.text, p.start, p.end)]
        return self._spans[j][k - self.first[j]]

    def hits_of(self, owner: _Owner, cutoff: float) -> list[_Hit]:
        return [h for h in self.by_owner.get(owner, ()) if h.score >= cutoff]


def _expand(ids: list[int], tokens: list[str], split: dict) -> tuple[list[int], list[int]]:
    """Token ids with each compound replaced by its parts, and each id's token index."""
    stream: list[int] = []
    origin: list[int] = []
    prev = 0
    for i in [i for i, v in enumerate(ids) if v == _SPLIT]:
        stream += ids[prev:i]
        origin += range(prev, i)
        stream += split[tokens[i]]
        origin += (i, i)
        prev = i + 1
    stream += ids[prev:]
    origin += range(prev, len(ids))
    return stream, origin


def _find(trie: dict, stream: list[int], score) -> list[_Hit]:
    """Every occurrence of every pattern: the trie is walked from each content word that can
    start one, then the pattern's leading function words are checked backwards."""
    n = len(stream)
    hits: list[_Hit] = []
    for i in [i for i, x in enumerate(stream) if x in trie]:
        states: list[tuple[dict, int, tuple[int, ...]]] = [(trie[stream[i]], i + 1, ())]
        while states:
            node, j, gaps = states.pop()
            ends = node.get(_END)
            if ends:
                for owner, before in ends:
                    start = i - len(before)
                    if before and (start < 0 or not _same(stream, start, before)):
                        continue
                    value = 100.0 if score is None else score(start, j)
                    if value is not None:
                        lead = tuple(start + k for k, w in enumerate(before) if w == WILD)
                        hits.append(_Hit(owner, start, j, value, (*lead, *gaps) if lead else gaps))
            if j < n:
                nxt = node.get(stream[j])
                if nxt is not None:
                    states.append((nxt, j + 1, gaps))
                wild = node.get(WILD)
                if wild is not None:
                    states.append((wild, j + 1, (*gaps, j)))
    return hits


def _same(stream: list[int], start: int, ids: tuple[int, ...]) -> bool:
    """Whether the stream holds these ids (``WILD`` matching anything) from ``start``."""
    return all(w == WILD or stream[start + k] == w for k, w in enumerate(ids))


# -- rules -----------------------------------------------------------------------------------


class _Candidate(NamedTuple):
    start: int  # stream positions
    end: int
    score: float
    kind: str
    rule: str
    order: int


def _rule_matches(
    doc: _Document, theme_exclude: tuple[Exclusion, ...], t: int, r: int, rule: Rule, lang: str
) -> list[_Candidate]:
    """A rule's matches in the document, exclusions applied."""
    if rule.kind == "phrase":
        found = [
            _Candidate(
                h.start, h.end, h.score, "exact" if h.score >= 100 else "fuzzy", rule.name, r
            )
            for h in doc.hits_of(_Owner("phrase", t, r), rule.cutoff)
        ]
    else:
        found = _near(doc, t, r, rule, len(rule.groups.get(lang, ())))
    if not found:
        return found
    vetoes = [
        (e, doc.hits_of(_Owner("exclude", t, -1, i), rule.cutoff))
        for i, e in enumerate(theme_exclude)
    ]
    vetoes += [
        (e, doc.hits_of(_Owner("exclude", t, r, i), rule.cutoff))
        for i, e in enumerate(rule.exclude)
    ]
    vetoes = [(e, hits) for e, hits in vetoes if hits]
    return [c for c in found if not any(_vetoed(doc, c, e, hits) for e, hits in vetoes)]


def _near(doc: _Document, t: int, r: int, rule: Rule, count: int) -> list[_Candidate]:
    """Each occurrence of the first group's terms with the nearest term of every other group."""
    groups = [doc.hits_of(_Owner("group", t, r, g), rule.cutoff) for g in range(count)]
    if count < 2 or not all(groups):
        return []
    found = []
    by_passage = [_by_passage(doc, hits) for hits in groups[1:]]
    for anchor in groups[0]:
        chosen = _nearest_all(doc, anchor, by_passage, rule.within)
        if chosen is None:
            continue
        parts = [anchor, *chosen]
        start, end = min(h.start for h in parts), max(h.end for h in parts)
        score = min(h.score for h in parts)
        found.append(_Candidate(start, end, score, "proximity", rule.name, r))
    return found


def _by_passage(doc: _Document, hits: list[_Hit]) -> dict[int, list[_Hit]]:
    """Hits grouped by the passage they start in, so an anchor looks only at its window."""
    grouped: dict[int, list[_Hit]] = {}
    for h in hits:
        grouped.setdefault(doc.passage(h.start), []).append(h)
    return grouped


def _nearest_all(
    doc: _Document, anchor: _Hit, others: list[dict[int, list[_Hit]]], within: int | None
) -> list[_Hit] | None:
    """The nearest term of each other group: within N words in the anchor's sentence, or
    (``within`` None) in a window of two consecutive sentences holding the anchor."""
    p = doc.passage(anchor.start)
    # within N words: N bounds the distance, so the pieces of a long sentence are one sentence;
    # "sentence": the anchor's passage with the one before or after it (no wider: a long
    # run-on "sentence" of old records would join terms hundreds of words apart)
    windows = [doc.sentence[p]] if within is not None else [(p - 1, p), (p, p + 1)]
    for low, high in windows:
        chosen = []
        for grouped in others:
            near = [
                h for passage in range(low, high + 1) for h in grouped.get(passage, ())
                if not _overlap(anchor, h) and (within is None or _gap(anchor, h) <= within)
            ]  # fmt: skip
            if not near:
                break
            chosen.append(min(near, key=lambda h: _gap(anchor, h)))
        else:
            return chosen
    return None


def _gap(a: _Hit | _Candidate, b: _Hit) -> int:
    """Words strictly between two spans (negative when they overlap)."""
    return max(b.start - a.end, a.start - b.end)


def _overlap(a: _Hit, b: _Hit) -> bool:
    return a.start < b.end and b.start < a.end


def _vetoed(doc: _Document, cand: _Candidate, excl: Exclusion, hits: list[_Hit]) -> bool:
    """Whether an exclusion's hit lies within its distance of the candidate."""
    if excl.within is not None:
        return any(_gap(cand, h) <= excl.within for h in hits)
    # the passages the match spans (not the whole of a long sentence: the exclusions were
    # written for one sentence of ordinary length, and would veto too much in a run-on one)
    first, last = doc.passage(cand.start), doc.passage(cand.end - 1)
    return any(first <= doc.passage(h.start) <= last for h in hits)


def _longest(doc: _Document, candidates: list[_Candidate], t: int, theme: Theme) -> list[Match]:
    """Overlapping candidates of one theme count once: the longest (then best) wins; each kept
    match gets its direction."""
    spans = [(doc.char_span(c.start, c.end), c) for c in candidates]
    spans.sort(key=lambda sc: (sc[0][0] - sc[0][1], -sc[1].score, sc[1].order, sc[0][0]))
    kept: list[tuple[tuple[int, int], _Candidate]] = []
    starts: list[int] = []  # kept spans never overlap: sorted by start, they are sorted by end
    ends: list[int] = []
    for (start, end), cand in spans:
        i = bisect.bisect_left(starts, start)
        # only the kept neighbours on either side can overlap [start, end)
        if (i > 0 and ends[i - 1] > start) or (i < len(starts) and starts[i] < end):
            continue
        starts.insert(i, start)
        ends.insert(i, end)
        kept.append(((start, end), cand))
    kept.sort(key=lambda sc: sc[0][0])
    out = []
    for (start, end), cand in kept:
        direction, reason = _direction(doc, t, cand.start, cand.end)
        out.append(
            Match(
                theme=theme.id,
                rule=cand.rule,
                kind=cand.kind,
                score=cand.score,
                start=start,
                end=end,
                matched_text=doc.text[start:end],
                passage_seq=doc.passages[doc.passage(cand.start)].seq,
                direction=direction,
                counted=theme.counts(direction),
                reason=reason,
            )
        )
    return out


_SELF = frozenset(("we", "i"))
_SELF_NOUNS = frozenset(("administration", "government"))  # "my administration", "our government"
_AUX = frozenset((
    "have", "has", "had", "will", "shall", "would", "should", "also", "then", "recently",
    "already", "began", "begun", "begin", "continue", "continued", "to", "are", "now", "again",
    "just", "jointly", "together", "further", "not", "never", "today", "therefore", "since",
    "ve", "ll", "did", "do", "must", "can", "could", "may", "decided", "be",
    "take", "taking", "took", "taken", "the", "necessary", "appropriate", "steps", "action",
    "measures", "initiated",
))  # fmt: skip  # words that may stand between a subject and its verb ("we will take steps to lift")


_ACTOR_REACH = 6  # words from the speaker's verb to the match it acts on ("we imposed crippling sanctions")


def _governs(doc: _Document, g: int, m_first: int, m_last: int) -> bool:
    """Whether a verb at token ``g`` can act on the match at tokens [m_first, m_last]: inside it,
    just after it ("sanctions we imposed"), or a few words before it in the same clause (not "we
    had to tighten our belts because of the blockade")."""
    if m_first <= g <= m_last + 3:
        return True
    if not m_first - _ACTOR_REACH <= g < m_first:
        return False
    tokens = doc.tokens
    for k in range(g + 1, m_first):
        between = doc.text[doc._span(k - 1)[1] : doc._span(k)[0]]
        if any(c in between for c in ",;:()—–") or tokens[k].lower() in _CLAUSE:
            return False
    return True


def _speaker_as_actor(doc: _Document, t: int, first: int, last: int, m_first: int = -1,
                      m_last: int = -1) -> str:
    """The words that make the speaker the actor of one of the theme's ``actor_verbs`` in the
    sentences [first, last] ("we will not lift", "We withdrew from X and imposed"), or "". With
    the match's tokens [m_first, m_last], only a verb that can act on the match counts."""
    verbs = doc.actor_verbs.get(t)
    if not verbs:
        return ""
    tokens = doc.tokens
    for p in range(first, last + 1):
        lo = doc.first[p]
        hi = doc.first[p + 1] if p + 1 < len(doc.first) else len(tokens)
        words = [w.lower() for w in tokens[lo:hi]]
        if "?" in doc.text[doc.passages[p].start : doc.passages[p].end]:
            continue  # a question ("why do we not impose ...?") states no act of the speaker
        subject_is_speaker = _opens_with_speaker(words)
        for k, w in enumerate(words):
            if key(w) not in verbs or m_first >= 0 and not _governs(doc, lo + k, m_first, m_last):
                continue
            j = k - 1
            while j >= 0 and words[j] in _AUX:
                j -= 1
            if not w.endswith("ing") and any(x in ("be", "been", "being") for x in words[j + 1 : k]):
                continue  # "should therefore be lifted": a passive names no act of the speaker
                # ("we will be imposing" is a progressive: the speaker's act)
            if j >= 0 and (words[j] in _SELF or words[j] in _SELF_NOUNS and j and words[j - 1] in ("my", "our")):
                return " ".join(tokens[lo + j : lo + k + 1])
            # "We withdrew from X and imposed": the verb shares the sentence's subject, unless an
            # infinitive came between ("We urge them to act and impose" is not the speaker's act)
            if j >= 0 and words[j] == "and" and subject_is_speaker and "to" not in words[:j]:
                return " ".join(tokens[lo : lo + min(3, k)]) + " ... " + tokens[lo + k]
    return ""


def _opens_with_speaker(words: list[str]) -> bool:
    """Whether a sentence's subject is the speaker: "we" (or "my/our government") among its
    first six words, e.g. "Last month, we"."""
    for j, w in enumerate(words[:6]):
        if w in _SELF:
            return True
        if w in ("my", "our") and j + 1 < len(words) and words[j + 1] in _SELF_NOUNS:
            return True
    return False


_NEGATORS = frozenset((
    "no", "not", "never", "cannot", "nobody", "none", "neither", "nor", "nothing", "nowhere",
))  # fmt: skip  # and every "...n't"
_NOT_DENIAL = frozenset(("only", "just", "merely", "simply", "doubt", "less"))  # "not only", "no doubt"
_CLAUSE = frozenset(("that", "which", "who", "whom", "but", "whether", "if", "because", "while"))
_NEGATION_REACH = 4  # words before a cue that a negator may stand in ("No country has the right to")


def _is_negator(tokens: list[str], k: int) -> bool:
    w = tokens[k].lower()
    if not (w in _NEGATORS or w.endswith(("n't", "n’t"))):
        return False
    return k + 1 >= len(tokens) or tokens[k + 1].lower() not in _NOT_DENIAL


def _clause_break(doc: _Document, k: int, gap: set[int]) -> bool:
    """Whether the negator at token ``k`` of a cue's gap stands in a clause of its own, opened
    after the cue's word before the gap and closed before the word after it ("We, who have never
    wavered, support the sanctions": the "never" denies the wavering, not the support). A
    parenthesis opened after the negator leaves it governing ("I cannot, in all conscience,
    support", "We do not, and never will, support")."""
    first = last = k
    while first - 1 in gap:
        first -= 1
    while last + 1 in gap:
        last += 1

    def breaks(lo: int, hi: int, words: bool) -> bool:
        """A comma, bracket or dash after token lo..hi-1, or a clause word among lo+1..hi."""
        for j in range(lo, hi):
            between = doc.text[doc._span(j)[1] : doc._span(j + 1)[0]]
            if any(c in between for c in ",;:()[]—–"):
                return True
            if words and doc.tokens[j + 1].lower() in _CLAUSE:
                return True
        return False

    return breaks(first - 1, k, True) and breaks(k, last + 1, False)


def _negator(doc: _Document, hit: _Hit, lo: int) -> str:
    """The word that denies a cue, or "": a negator among the words a gap of the cue took ("we do
    not oppose the reform", "we have never supported and will never support the embargo"), or
    among the few words before it in its clause ("No country has the right to develop", "It is
    not too early to regulate"; not across a comma or "that": "there is no doubt that")."""
    tokens = doc.tokens
    gap = {doc.token(pos) for pos in hit.gaps}
    for k in sorted(gap):
        if _is_negator(tokens, k) and not _clause_break(doc, k, gap):
            return tokens[k]
    first = doc.token(hit.start)
    for k in range(first - 1, max(lo, first - _NEGATION_REACH) - 1, -1):
        between = doc.text[doc._span(k)[1] : doc._span(k + 1)[0]]
        if any(c in between for c in ",;:()[]—–") or tokens[k].lower() in _CLAUSE:
            break
        if _is_negator(tokens, k):
            return tokens[k]
    return ""


_ENDORSING = frozenset((
    "legitimate", "just", "rightful", "justified", "valid", "well-founded", "righteous", "our", "my",
))  # fmt: skip  # "its legitimate claim that": a claim the speaker makes or backs
_NAMING = frozenset(("called", "termed", "as", "to", "dubbed", "named"))  # "what is called X"
_NAMED_REACH = 4  # words after a naming cue that the name it gives may take


def _reported_scope(doc: _Document, hit: _Hit, start: int, end: int) -> bool:
    """Whether a reported-speech cue at ``hit`` covers the match at [start, end): not a claim the
    speaker backs ("supports Cuba in its legitimate claim that"); a naming cue ("what is called")
    covers only the few words it names; a participle set off by commas (", claiming that ...,")
    ends at its closing comma; and the speaker's own clause after it ("... but", "and we trust")
    ends it."""
    tokens, text = doc.tokens, doc.text
    first, last = doc.token(hit.start), doc.token(hit.end - 1)
    if any(tokens[k].lower() in _ENDORSING for k in range(max(0, first - 2), first)):
        return False
    m_first, m_last = doc.token(start), doc.token(end - 1)
    if tokens[last].lower() in _NAMING and m_first - last > _NAMED_REACH:
        return False
    if tokens[first].lower().endswith("ing") and first:
        before = text[doc._span(first - 1)[1] : doc._span(first)[0]]
        after = text[doc._span(last)[1] : doc._span(m_first)[0]]
        if "," in before and "," in after:
            return False
    for k in range(last + 1, m_last + 1):  # "It is said that X has ended but, increasingly, Y"
        w = tokens[k].lower()
        if w == "but" or w in _SELF and tokens[k - 1].lower() in ("and", "but", "yet", "so"):
            return False
    return True


#: Words that open a ``reports`` cue naming the speaker's own measures ("our sanctions"), not
#: an act: after "to" ("thanks to our sanctions") such a cue still reports.
_OWN_MARKERS = frozenset(("our", "my", "we", "us", "own"))


def _direction(
    doc: _Document, t: int, start: int, end: int, *, whole_span: bool = False
) -> tuple[str, str]:
    """The direction of a match at stream positions [start, end), and the cue that decided it.

    Cues are read in the sentences the match spans: the theme's ``reports`` cues (the speaker
    as the actor: "we imposed sanctions") first, then its ``opposes`` cues, then reported
    speech before the match ("some claim that ..."). An opposing cue or a reported-speech cue
    that a negator denies ("we do not oppose", "No one can claim that") does not count: the
    speaker's own position. No cue: ``supports``. With ``whole_span`` (a semantic match: the
    model read the whole span, so a reported-speech cue inside it governs what follows it too)
    a reported-speech cue counts anywhere in the span, not only before it.
    """
    first, last = doc.sentence_of(start, end)
    denied: list[tuple[_Hit, str]] = []

    def cue(owner: _Owner, before_only: bool = False) -> _Hit | None:
        for hit in doc.by_owner.get(owner, ()):
            if first <= doc.passage(hit.start) <= last and (
                not before_only or hit.end <= start or whole_span and hit.start < end
            ):
                if owner.kind == "reports":
                    k = doc.token(hit.start)  # "urge them to take steps to lift": a call, no act;
                    # but "thanks to our sanctions" names the speaker's own: not a verb after "to"
                    if (k == 0 or doc.tokens[k - 1].lower() != "to"
                            or doc.tokens[k].lower() in _OWN_MARKERS):  # fmt: skip
                        return hit
                    continue
                if owner.kind == "reported" and not _reported_scope(doc, hit, start, end):
                    continue
                negator = _negator(doc, hit, doc.first[first])
                if not negator:
                    return hit
                denied.append((hit, negator))
        return None

    actor = _speaker_as_actor(doc, t, first, last, doc.token(start), doc.token(end - 1))
    if actor:
        return "reports", f"reports cue: the speaker as the actor ({actor})"
    for kind, owner, before in (
        ("reports", _Owner("reports", t, -1), False),
        ("opposes", _Owner("opposes", t, -1), False),
        ("reports", _Owner("reported", -1, -1), True),
    ):
        hit = cue(owner, before)
        if hit is not None:
            a, b = doc.char_span(hit.start, hit.end)
            return kind, f"{kind} cue: {doc.text[a:b]}"
    if denied:  # "we do not oppose the reform": a denied opposition (or claim) is the speaker's own
        hit, negator = denied[0]
        a, b = doc.char_span(hit.start, hit.end)
        return "supports", f"supports: cue denied by '{negator}': {doc.text[a:b]}"
    return "supports", ""
