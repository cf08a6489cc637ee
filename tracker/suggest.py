"""Suggestions for the codebook: passages likely to express a theme that no rule matches, and
candidate phrases drawn from them.

The passages are ranked by the semantic model's log-odds for the theme (the codebook's
model; without one, or when it has no such theme, a model trained on the spot from the
database's own coding: its matched passages as positives, passages of statements without the theme as negatives). Candidate
phrases are the word sequences of two or three words that are most over-represented in the
top passages compared with all the passages read.
"""

from __future__ import annotations

import re
import math
import random
from collections import Counter
from dataclasses import dataclass

from tracker import query
from tracker.codebook import Codebook
from tracker.match import TOKEN
from tracker.semantic import (
    _STOP,
    SemanticModel,
    codebook_examples,
    corpus_examples,
    fit,
    holds_rule,
    logistic,
    windows,
)
from tracker.store import Store

TOP_FOR_PHRASES = 200  # passages the candidate phrases are drawn from


@dataclass(frozen=True)
class Suggestion:
    """A passage no rule of the theme matches, with the model's probability and reason;
    ``text`` is the passage read with the sentence before it, as the model read it."""

    probability: float
    statement_id: int
    source: str
    country: str
    year: int | None
    passage_seq: int
    text: str
    reason: str
    log_odds: float = 0.0  # the ranking: the model's log-odds (top probabilities can all read 1.00)


@dataclass(frozen=True)
class CandidatePhrase:
    """A word sequence frequent in the suggested passages: in how many of them, and how much
    more often than in all passages read (a ratio of shares)."""

    phrase: str
    passages: int
    lift: float


def suggest(
    store: Store,
    codebook: Codebook,
    theme: str,
    *,
    model: SemanticModel | None = None,
    limit: int = 20,
    sample: int = 3000,
    seed: int = 0,
) -> tuple[list[Suggestion], list[CandidatePhrase]]:
    """The ``limit`` passages most likely to express ``theme`` that no rule of it matches, in
    the passage or in the sentence before it (among up to ``sample`` English statements drawn
    with ``seed``), and candidate phrases."""
    codebook.theme(theme)  # CodebookError naming the valid ids
    if model is None or theme not in model.themes:
        model = _model_for(store, codebook, seed, theme)
    statements = _sample(store, sample, seed)
    scored: list[tuple[float, int, int, str, str]] = []
    all_texts: list[str] = []
    j = model._theme_ids.index(theme)
    for sid, text, passages in _texts(store, statements):
        wins = windows(text, passages)
        matched = _matched_spans(store, sid, theme)
        # ranked by log-odds: the top passages' probabilities can all read 1.00 (on the whole
        # UNGDC they do), close log-odds round to one probability, and from about 36.7 every
        # probability is exactly 1.0 (then ordered by statement id)
        odds = model.log_odds(wins)
        for i, p in enumerate(passages):
            all_texts.append(text[p.start : p.end])
            # the model reads a passage with the one before it: a window holding a matched
            # sentence scores high for words a rule already has, so it suggests nothing new
            # (the semantic matcher leaves the same passages to the rules)
            if holds_rule(passages, i, matched):
                continue
            scored.append((float(odds[i, j]), sid, p.seq, text[p.start : p.end], wins[i]))
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    chosen = _apart(scored, limit)
    meta = _metadata(store, {s[1] for s in chosen})
    out = [
        Suggestion(float(logistic(z)), sid, *meta[sid], seq, window,
                   model.explain(theme, window), log_odds=z)
        for z, sid, seq, passage, window in chosen
    ]
    phrases = candidate_phrases([s[3] for s in scored[:TOP_FOR_PHRASES]], all_texts)
    return out, phrases


#: Fewer words than this in a passage with the sentence before it say nothing to extend a
#: codebook with: a heading ("Cuba Mr. President,") scored highest for its one theme word.
MIN_WINDOW_WORDS = 6


def _apart(scored: list[tuple[float, int, int, str, str]], limit: int) -> list:
    """The best ``limit`` passages, none next to one already chosen in its statement (a window
    holds the sentence before its passage, so two neighbours showed the same sentence twice),
    none with the words of one already chosen (a heading repeated in three speeches took the
    first three places), none shorter than :data:`MIN_WINDOW_WORDS` words."""
    chosen: list = []
    taken: set[tuple[int, int]] = set()
    seen: set[str] = set()
    for row in scored:
        sid, seq = row[1], row[2]
        words = re.findall(r"\w+", row[4].lower())
        if (sid, seq - 1) in taken or (sid, seq + 1) in taken:
            continue
        if len(words) < MIN_WINDOW_WORDS or " ".join(words) in seen:
            continue
        chosen.append(row)
        taken.add((sid, seq))
        seen.add(" ".join(words))
        if len(chosen) == limit:
            break
    return chosen


def candidate_phrases(top: list[str], background: list[str], *, limit: int = 25) -> list[CandidatePhrase]:
    """Two- and three-word sequences over-represented in ``top`` against ``background``."""
    top_counts = Counter(g for text in top for g in set(_grams(text)))
    back_counts = Counter(g for text in background for g in set(_grams(text)))
    n_top, n_back = max(len(top), 1), max(len(background), 1)
    rows = []
    for gram, count in top_counts.items():
        if count < 3:
            continue
        lift = (count / n_top) / ((back_counts.get(gram, 0) + 1) / n_back)
        if lift <= 1.0:  # as common (or more) in all passages read: not a candidate of the theme
            continue
        rows.append(CandidatePhrase(gram, count, round(lift, 1)))
    rows.sort(key=lambda r: (-r.passages * math.log(max(r.lift, 1.0001)), r.phrase))
    return rows[:limit]


def _grams(text: str) -> list[str]:
    words = [w.lower() for w in TOKEN.findall(text)]
    out = []
    for n in (2, 3):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if gram[0] in _STOP or gram[-1] in _STOP or any(len(w) < 3 for w in (gram[0], gram[-1])):
                continue
            out.append(" ".join(gram))
    return out


def _model_for(store: Store, codebook: Codebook, seed: int, theme: str) -> SemanticModel:
    """The codebook's model, or one trained on the spot when there is none or it has no such
    theme (a theme saved from the Any term page after the model was trained)."""
    if codebook.semantic_model:
        from tracker.semantic import load_model

        model = load_model(codebook.semantic_model)
        if theme in model.themes:
            return model
    examples = codebook_examples(codebook)
    examples.extend(corpus_examples(store, codebook, seed=seed))
    return fit(codebook, examples)


def _sample(store: Store, size: int, seed: int) -> list[int]:
    ids = query.english_originals(store.conn)
    return sorted(random.Random(seed).sample(ids, min(size, len(ids))))


def _texts(store: Store, ids: list[int]):
    for sid in ids:
        found = query.statement_text(store.conn, sid)
        if found is None:
            continue
        yield sid, found[1], query.passages_of(store.conn, sid)


def _matched_spans(store: Store, sid: int, theme: str) -> list[tuple[int, int]]:
    return query.theme_spans(store.conn, sid, theme)


def _metadata(store: Store, ids: set[int]) -> dict[int, tuple[str, str, int | None]]:
    return {sid: query.statement_place(store.conn, sid) for sid in ids}
