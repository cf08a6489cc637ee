"""What a text must hold for a codebook's rules to match in it, so that an index of the words of
each passage (``term_index``, :mod:`tracker.tokens`) can tell which passages to read: the Any
term page matches a typed term in the passages around those alone (:mod:`tracker.terms`).

The matcher maps each distinct token to the codebook's vocabulary (:func:`tracker.match._learn`:
its key, a compound or a case split, a misspelling); a rule matches only where the stream holds
every word of one of its wordings. :func:`prefilter` finds, among the tokens of a corpus
(a :class:`Vocabulary`), every one that the matcher maps to a word of the codebook, reading
only those that may: a token outside :func:`_may_map`'s answer is always mapped to no word.
:func:`match_around` then matches the sentences around the passages that hold a wording's word,
with the same result as :meth:`tracker.match.Matcher.match` on the whole text.

Both rest on how :mod:`tracker.match` reads a text; a change there (a new way of mapping a
token, a rule that reads further than the sentences next to its match) must be made here too.
``tests/test_terms_index.py`` checks them against the matcher on real statements.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from tracker.match import (
    _CASE_JOIN, _COMBINING, _END, _GLUED, _SPLIT, OOV, WILD, Matcher, _british, _Lexicon, _learn,
    key, plain, stem,
)  # fmt: skip
from tracker.models import Match, Passage
from tracker.segment import ends_sentence

# -- the corpus's tokens -------------------------------------------------------------------------


#: Forms of each token seen in this process: (plain, folded, key, whether a case pattern cuts it).
#: They depend on the token alone, so a new state of the database computes its new tokens' only.
_FORMS: dict[str, tuple[str, str, str, bool]] = {}
_FORMS_KEPT = 2_000_000


def _forms_of(token: str) -> tuple[str, str, str, bool]:
    forms = _FORMS.get(token)
    if forms is None:
        word = plain(token)
        folded = _british(word)
        forms = (word, folded, stem(folded), any(p.fullmatch(token) for p in _CASE_JOIN))
        if len(_FORMS) >= _FORMS_KEPT:
            _FORMS.clear()
        _FORMS[token] = forms
    return forms


class Vocabulary:
    """The distinct tokens of a corpus, each with the forms the matcher derives from it whatever
    the codebook (plain, folded, key), grouped for :func:`prefilter`'s look-ups. Not changed
    once made (scans in several threads read it); computing the forms takes about a second per
    100,000 tokens, once per process."""

    def __init__(self, tokens: Iterable[str] = ()) -> None:
        self.tokens: frozenset[str] = frozenset(tokens)
        self.by_key: dict[str, list[str]] = {}
        self.by_plain: dict[str, list[str]] = {}
        #: first letter -> {form (plain or folded) -> tokens}: the forms a misspelling is read by
        self.by_initial: dict[str, dict[str, list[str]]] = {}
        self.case_joined: list[str] = []  # tokens that _case_split may cut in two
        for token in self.tokens:
            word, folded, key_, joined = _forms_of(token)
            self.by_key.setdefault(key_, []).append(token)
            self.by_plain.setdefault(word, []).append(token)
            for form in {word, folded}:
                if form:
                    self.by_initial.setdefault(form[0], {}).setdefault(form, []).append(token)
            if joined:
                self.case_joined.append(token)
        self._sorted = sorted(self.by_plain)  # the plain forms, for prefix look-ups

    def __len__(self) -> int:
        return len(self.tokens)

    def starting_with(self, head: str) -> list[str]:
        """The tokens whose plain form starts with ``head``."""
        words, out = self._sorted, []
        for i in range(bisect_left(words, head), len(words)):
            if not words[i].startswith(head):
                break
            out.extend(self.by_plain[words[i]])
        return out


def _may_map(lexicon: _Lexicon, vocabulary: Vocabulary) -> set[str]:
    """The tokens :func:`tracker.match._learn` may map to a word of ``lexicon``: every other
    token of ``vocabulary`` it maps to none (OOV). Follows ``_learn``'s ways in its order."""
    out: set[str] = set()
    # the token's key is a word of the codebook
    for k in lexicon.vocab:
        out.update(vocabulary.by_key.get(k, ()))
    # two words glued at a change of case ("theUN"): only tokens a case pattern cuts
    out.update(vocabulary.case_joined)
    # a compound (_split_word): its head is one of the codebook's lower-case words or a combining
    # form of the codebook ("cyber"), or it is a small glued word before one of those words
    for head in {*lexicon.lowers, *(c for c in _COMBINING if key(c) in lexicon.vocab)}:
        out.update(vocabulary.starting_with(head))
    for glued in _GLUED:
        for word in lexicon.lowers:
            out.update(vocabulary.by_plain.get(glued + word, ()))
    # a misspelling (_fuzzy): a form (plain or folded) within the cutoff of a long word of the
    # codebook with the same first letter, scored as _fuzzy scores it
    targets: dict[str, list[str]] = {}
    for surface in lexicon.surfaces:
        targets.setdefault(surface[0], []).append(surface)
    for initial, surfaces in targets.items():
        forms = vocabulary.by_initial.get(initial)
        if not forms:
            continue
        names = list(forms)
        scores = process.cdist(names, surfaces, scorer=OSA.normalized_similarity,
                               score_cutoff=lexicon.cutoff / 100, workers=1)  # fmt: skip
        for row in np.flatnonzero((scores > 0).any(axis=1)):  # _fuzzy keeps the nonzero ones
            out.update(forms[names[int(row)]])
    return out


# -- what a rule needs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Prefilter:
    """A necessary condition for a codebook's rules to match in a text, over the words of its
    vocabulary (ids of :class:`tracker.match._Lexicon`).

    ``rules``: per phrase or near rule, its groups (one for a phrase rule), each the wordings it
    has, each the set of words the wording needs (all of them, in one sentence). ``tokens``: for
    each such word, the tokens of the vocabulary the matcher reads as it.
    """

    rules: tuple[tuple[tuple[frozenset[int], ...], ...], ...]
    tokens: Mapping[int, frozenset[str]]

    @property
    def words(self) -> frozenset[int]:
        """Every word a wording needs."""
        return frozenset(i for rule in self.rules for group in rule for ids in group for i in ids)

    @property
    def bounded(self) -> bool:
        """Whether every wording needs a word (a wording of ``*`` alone could match anywhere)."""
        return all(ids for rule in self.rules for group in rule for ids in group)

    def possible(self, present: Set[int]) -> bool:
        """Whether a text holding the words ``present`` (and perhaps others) may match: every
        group of one rule has a wording whose words it all holds."""
        return any(
            all(any(ids <= present for ids in group) for group in rule) for rule in self.rules
        )  # fmt: skip

    def anchors(self, frequency: Callable[[int], int]) -> frozenset[int]:
        """One word of each wording that may open a match (a phrase rule's, or the first group's
        of a near rule): the rarest by ``frequency``. Every match lies in the sentence of a
        passage holding one, or of a passage next to such a sentence (:func:`match_around`)."""
        return frozenset(
            min(sorted(ids), key=frequency) for rule in self.rules for ids in rule[0] if ids
        )  # fmt: skip


def _rule_wordings(matcher: Matcher, lexicon: _Lexicon) -> Prefilter:
    """The wordings of the phrase and near rules, read from the lexicon's pattern trie."""
    found: dict[tuple[int, int, int], list[frozenset[int]]] = {}

    def walk(node: dict, path: tuple[int, ...]) -> None:
        for k, child in node.items():
            if k != _END:
                walk(child, (*path, k))
                continue
            for owner, before in child:
                if owner.kind in ("phrase", "group"):
                    ids = frozenset(i for i in (*before, *path) if i != WILD)
                    found.setdefault((owner.theme, owner.rule, owner.index), []).append(ids)

    walk(lexicon.trie, ())
    rules: list[tuple[tuple[frozenset[int], ...], ...]] = []
    for t, theme in enumerate(matcher.codebook.themes):
        for r, rule in enumerate(theme.rules):
            groups = sorted(g for (tt, rr, g) in found if (tt, rr) == (t, r))
            if rule.kind != "phrase" and len(groups) < 2:
                continue  # a near rule without terms in each group never matches (_near)
            if groups:
                rules.append(tuple(tuple(dict.fromkeys(found[(t, r, g)])) for g in groups))
    return Prefilter(tuple(rules), {})


def prefilter(matcher: Matcher, vocabulary: Vocabulary, language: str = "en") -> Prefilter:
    """The codebook's rules as the words each wording needs, with the tokens of ``vocabulary``
    that the matcher reads as each word (the tokens it may map are mapped as ``match`` maps
    them; the others map to no word)."""
    if not matcher.covers(language):
        return Prefilter((), {})
    lexicon = matcher._lexicon(language)
    shape = _rule_wordings(matcher, lexicon)
    may = _may_map(lexicon, vocabulary)
    new = may.difference(lexicon.cache)
    if new:
        _learn(lexicon, new)
    # every other token of the vocabulary maps to no word: said once here, so that matching the
    # texts it came from does not look each one up again. Said to this matcher's own copy of the
    # lexicon only: the lexicon other Matchers of the codebook share (reading whole among them)
    # learns a token's word only as tracker.match._learn finds it, never from _may_map's reading
    # (what _learn finds here goes to it).
    marks = dict.fromkeys(vocabulary.tokens.difference(lexicon.cache), OOV)
    lexicon = matcher._lexicons[language] = replace(lexicon, cache={**lexicon.cache, **marks})
    wanted = shape.words
    tokens: dict[int, set[str]] = {i: set() for i in wanted}
    for token in may:
        i = lexicon.cache[token]
        for j in lexicon.split[token] if i == _SPLIT else (i,):
            if j in wanted:
                tokens[j].add(token)
    return Prefilter(shape.rules, {i: frozenset(t) for i, t in tokens.items()})


# -- matching around the passages that hold an anchor ---------------------------------------------


def reads_locally(matcher: Matcher) -> bool:
    """Whether the matcher's codebook decides each match from its own sentence and the sentences
    next to it (:func:`match_around` is exact): no exclusions (one ``within`` N words may reach
    further), no stance cues, no reported speech, no semantic matcher."""
    book = matcher.codebook
    if matcher.semantic or any(book.reported_speech.values()):
        return False
    for theme in book.themes:
        stance = theme.stance
        if theme.exclude or any(r.exclude for r in theme.rules):
            return False
        if any(v for cues in (stance.opposes, stance.reports, stance.actor_verbs)
               for v in cues.values()):  # fmt: skip
            return False
    return True


def blocks(text: str, passages: Sequence[Passage], places: Iterable[int], *,
           neighbours: bool = True) -> list[tuple[int, int]]:  # fmt: skip
    """The runs of passages ``(first, last)`` (indices) to read for the matches around ``places``:
    each place's sentence (all its pieces), with the sentence before and the sentence after it
    (``neighbours``), overlapping or touching runs joined. Each run starts and ends where a
    sentence of the whole text does."""
    n = len(passages)
    first: dict[int, int] = {}  # passage -> first passage of its sentence, found once
    last: dict[int, int] = {}

    def first_of(i: int) -> int:
        walked = []
        while i not in first and i > 0 and not ends_sentence(text, passages, i - 1):
            walked.append(i)
            i -= 1
        found = first.get(i, i)
        for k in (*walked, i):
            first[k] = found
        return found

    def last_of(i: int) -> int:
        walked = []
        while i not in last and not ends_sentence(text, passages, i):
            walked.append(i)
            i += 1
        found = last.get(i, i)
        for k in (*walked, i):
            last[k] = found
        return found

    runs: list[list[int]] = []
    for place in sorted(set(places)):
        a, b = first_of(place), last_of(place)
        if neighbours and a > 0:
            a = first_of(a - 1)
        if neighbours and b < n - 1:
            b = last_of(b + 1)
        if runs and a <= runs[-1][1] + 1:
            runs[-1][1] = max(runs[-1][1], b)
        else:
            runs.append([a, b])
    return [(a, b) for a, b in runs]


def match_around(matcher: Matcher, text: str, passages: Sequence[Passage], places: Iterable[int],
                 *, language: str = "en") -> list[Match]:  # fmt: skip
    """``matcher.match(text, passages)`` for a text whose every match has an anchor word
    (:meth:`Prefilter.anchors`) in one of the passages ``places`` (indices into ``passages``):
    reads only the sentences around them when the codebook allows (:func:`reads_locally`).

    Why the result is the same: a wording matches within one sentence (the pieces of a long
    sentence are one); a near rule pairs its first group's term with terms in its sentence
    (``within`` N words) or in the passage before or after it (``within: sentence``); overlaps
    are settled between matches that overlap. Each run of :func:`blocks` starts and ends where a
    sentence of the whole text does, so its sentences are the text's, and it holds every passage
    a match around its places reads: the sentences next to it too where a rule reads them.
    """
    if not passages or not reads_locally(matcher):
        return matcher.match(text, passages, language=language)
    neighbours = any(rule.kind != "phrase" and rule.within is None
                     for theme in matcher.codebook.themes for rule in theme.rules)  # fmt: skip
    runs = blocks(text, passages, places, neighbours=neighbours)
    if 2 * sum(b + 1 - a for a, b in runs) > len(passages):  # most of it: read it whole
        return matcher.match(text, passages, language=language)
    found: list[Match] = []
    for a, b in runs:
        found += matcher.match(text, passages[a : b + 1], language=language)
    return sorted(found, key=lambda m: (m.start, m.theme, m.end))
