"""The semantic matcher: passages that express a theme in words no rule of the codebook lists.

A linear model per theme over the words of a passage read with the sentence before it (the
reading rule of themes.md): stemmed words and pairs of neighbouring words, tf-idf weighted,
scored by logistic regression. It is trained from the codebook itself (each theme's definition
and ``examples``) and from hand-coded gold (the passages holding the coders' evidence as
positives, the passages of statements coded *absent* as negatives), so it runs offline on CPU,
downloads nothing, and gives the same answer every time.

A passage whose probability reaches the theme's threshold, and that no rule of the theme
matched, becomes a ``semantic`` match. Its ``reason`` names the nearest exemplar and the words
that weighed most. Thresholds are calibrated on statements the model was not trained on
(:func:`train_model` holds out folds of its own training set), never on the statements scored.

The default model (``codebooks/default.semantic.json``) is trained on all development gold by
``tracker semantic train``; a researcher can retrain it from their own gold.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from tracker.codebook import Codebook
from tracker.errors import CodebookError
from tracker.match import TOKEN, key
from tracker.models import Match, Passage

DEFAULT_MODEL = Path(__file__).resolve().parent / "codebooks" / "default.semantic.json"
MAX_PER_THEME = 3  # semantic matches kept per statement and theme (the best passages)
_STOP = frozenset("""
a an the of to in on at by for with as is are be been was were has have had our their its this
that these those all and or not no must should will would can may it we they he she i you his
her them us which who whom whose what when where while also such there here from into than then
so but if about over more most very any each other some only own same both own further mr
madam president general assembly session year years nations united countries country states
state world international people peoples government
""".split())  # very common words in UN speeches carry no theme


@lru_cache(maxsize=200_000)
def _key(token: str) -> str:
    return key(token)


def words(text: str) -> list[str]:
    """Stemmed content words of a text, in order (numbers and function words dropped)."""
    out = []
    for tok in TOKEN.findall(text):
        if len(tok) < 3 or tok.isdigit():
            continue
        k = _key(tok)
        if k not in _STOP and tok.lower() not in _STOP:
            out.append(k)
    return out


def features(text: str) -> list[str]:
    """Stemmed content words and pairs of neighbouring ones: the model's features."""
    w = words(text)
    return w + [f"{a} {b}" for a, b in zip(w, w[1:])]


def windows(text: str, passages: Sequence[Passage]) -> list[str]:
    """Each passage read with the one before it."""
    out = []
    for i, p in enumerate(passages):
        start = passages[i - 1].start if i else p.start
        out.append(text[start : p.end])
    return out


@dataclass
class ThemeModel:
    """One theme's weights, bias, threshold (a probability) and exemplars."""

    weights: dict[str, float]
    bias: float
    threshold: float  # math.inf: the semantic matcher is off for this theme
    exemplars: list[str] = field(default_factory=list)


@dataclass
class SemanticModel:
    """Per-theme linear models over passage features, with the vocabulary's idf."""

    codebook_version: str
    idf: dict[str, float]
    themes: dict[str, ThemeModel]
    trained_on: dict = field(default_factory=dict)  # what it was trained and calibrated on

    def __post_init__(self) -> None:
        self._index = {f: i for i, f in enumerate(sorted(self.idf))}
        self._idf = np.array([self.idf[f] for f in sorted(self.idf)], dtype=np.float32)
        ids = list(self.themes)
        self._theme_ids = ids
        self._w = np.zeros((len(self._index), len(ids)), dtype=np.float32)
        for j, t in enumerate(ids):
            for f, w in self.themes[t].weights.items():
                if f in self._index:
                    self._w[self._index[f], j] = w
        self._b = np.array([self.themes[t].bias for t in ids], dtype=np.float32)
        self._thr = np.array([self.themes[t].threshold for t in ids], dtype=np.float64)
        self._exemplar_vectors = {
            t: [(e, self._vector(features(e))) for e in self.themes[t].exemplars] for t in ids
        }

    @property
    def version(self) -> str:
        """First 12 hex digits of the SHA-256 of the model's content."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:12]

    def _vector(self, feats: list[str]) -> dict[int, float]:
        counts: dict[int, float] = {}
        for f in feats:
            i = self._index.get(f)
            if i is not None:
                counts[i] = counts.get(i, 0.0) + 1.0
        vec = {i: (1 + math.log(c)) * float(self._idf[i]) for i, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {i: v / norm for i, v in vec.items()}

    def matrix(self, texts: Sequence[str]):
        """The tf-idf rows (L2-normalised, sublinear tf) of texts, as a scipy CSR matrix."""
        from scipy.sparse import csr_matrix

        rows, cols, vals = [], [], []
        for r, text in enumerate(texts):
            for i, v in self._vector(features(text)).items():
                rows.append(r)
                cols.append(i)
                vals.append(v)
        return csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self._index)), dtype=np.float32)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """texts x themes probabilities."""
        if not texts:
            return np.zeros((0, len(self._theme_ids)))
        z = self.matrix(texts) @ self._w + self._b
        return 1.0 / (1.0 + np.exp(-z.astype(np.float64)))

    def matches(
        self, doc, rule_matches: Sequence[Match] = (), *, language: str | None = None
    ) -> list[Match]:
        """Semantic matches of a statement (``doc`` has ``text``, ``passages``, ``language``).

        Only English is read (the exemplars are English). A passage already matched by a rule
        of the theme is left to the rule; at most MAX_PER_THEME passages per theme are kept.
        """
        if (language or getattr(doc, "language", "en")) != "en" or not doc.passages:
            return []
        if not np.isfinite(self._thr).any():
            return []
        texts = windows(doc.text, doc.passages)
        probs = self.probabilities(texts)
        ruled: dict[str, list[tuple[int, int]]] = {}
        for m in rule_matches:
            ruled.setdefault(m.theme, []).append((m.start, m.end))
        out = []
        for j, theme in enumerate(self._theme_ids):
            hits = np.nonzero(probs[:, j] >= self._thr[j])[0]
            if not len(hits):
                continue
            best = sorted(hits, key=lambda i: -probs[i, j])[:MAX_PER_THEME]
            for i in sorted(best):
                p = doc.passages[i]
                if any(s < p.end and p.start < e for s, e in ruled.get(theme, ())):
                    continue
                out.append(self._match(theme, j, p, texts[i], float(probs[i, j]), doc.text))
        return out

    def _match(self, theme: str, j: int, p: Passage, window: str, prob: float, text: str) -> Match:
        return Match(
            theme=theme,
            rule="semantic",
            kind="semantic",
            score=round(prob * 100, 1),
            start=p.start,
            end=p.end,
            matched_text=text[p.start : p.end],
            passage_seq=p.seq,
            direction="supports",
            counted=True,
            reason=self.explain(theme, window),
        )

    def explain(self, theme: str, window: str, *, top: int = 5) -> str:
        """The nearest exemplar and the words that weighed most for the theme."""
        vec = self._vector(features(window))
        j = self._theme_ids.index(theme)
        contrib = sorted(((v * self._w[i, j], i) for i, v in vec.items()), reverse=True)
        names = sorted(self._index, key=self._index.get)  # type: ignore[arg-type]
        top_words = [names[i] for c, i in contrib[:top] if c > 0]
        near, sim = "", 0.0
        for text, ev in self._exemplar_vectors.get(theme, ()):
            s = sum(v * ev.get(i, 0.0) for i, v in vec.items())
            if s > sim:
                near, sim = text, s
        parts = [f"words: {', '.join(top_words)}"] if top_words else []
        if near:
            parts.append(f"nearest exemplar ({sim:.2f}): {near[:160]}")
        return "; ".join(parts)

    # -- files ------------------------------------------------------------------------------
    def to_json(self) -> str:
        data = {
            "codebook_version": self.codebook_version,
            "trained_on": self.trained_on,
            "idf": {f: round(v, 5) for f, v in sorted(self.idf.items())},
            "themes": {
                t: {
                    "bias": round(m.bias, 6),
                    "threshold": m.threshold if math.isfinite(m.threshold) else None,
                    "exemplars": m.exemplars,
                    "weights": {f: round(w, 6) for f, w in sorted(m.weights.items()) if abs(w) > 1e-4},
                }
                for t, m in sorted(self.themes.items())
            },
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0)

    def save(self, path: str | Path) -> Path:
        out = Path(path)
        out.write_text(self.to_json(), encoding="utf-8")
        return out


def load_model(path: str | Path | None = None) -> SemanticModel:
    """Read a semantic model file (the default model when ``path`` is None)."""
    file = Path(path) if path is not None else DEFAULT_MODEL
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        themes = {
            t: ThemeModel(
                weights=m["weights"],
                bias=float(m["bias"]),
                threshold=math.inf if m["threshold"] is None else float(m["threshold"]),
                exemplars=list(m.get("exemplars", [])),
            )
            for t, m in data["themes"].items()
        }
        return SemanticModel(data["codebook_version"], data["idf"], themes, data.get("trained_on", {}))
    except FileNotFoundError:
        raise CodebookError(f"{file}: no such semantic model file") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CodebookError(f"{file}: not a semantic model ({exc})") from None


# -- training --------------------------------------------------------------------------------


def _evidence_windows(doc, quote: str) -> list[str]:
    """The windows of a statement that hold a coder's quote (whitespace-insensitive)."""
    squash = " ".join(quote.split()).lower()
    if not squash:
        return []
    texts = windows(doc.text, doc.passages)
    hits = [w for w, p in zip(texts, doc.passages) if squash[:60] in " ".join(doc.text[p.start : p.end].split()).lower()]
    if hits:
        return hits
    # a quote across two sentences: the window that holds its first words
    head = " ".join(squash.split()[:6])
    return [w for w in texts if head in " ".join(w.split()).lower()][:1] or [quote]


def training_examples(
    codebook: Codebook,
    docs: Mapping[str, object],
    gold: Mapping[str, Mapping[str, bool]],
    evidence: Mapping[tuple[str, str], str],
    rule_matches: Mapping[str, Sequence[Match]] | None = None,
) -> tuple[list[str], dict[str, list[int]], list[str]]:
    """Texts, per-theme labels (1, 0, or -1 for unused) and the exemplar texts of each theme."""
    texts: list[str] = []
    labels: dict[str, list[int]] = {t.id: [] for t in codebook.themes}

    def add(text: str, theme_labels: dict[str, int]) -> None:
        texts.append(text)
        for t in labels:
            labels[t].append(theme_labels.get(t, -1))

    for theme in codebook.themes:
        for ex in (theme.definition, *theme.examples.get("en", ())):
            add(ex, {theme.id: 1})
    for name in sorted(docs):
        doc = docs[name]
        if getattr(doc, "language", "en") != "en":
            continue
        coded = gold.get(name, {})
        absent = {t: 0 for t, present in coded.items() if not present and t in labels}
        for w in windows(doc.text, doc.passages):  # type: ignore[attr-defined]
            add(w, absent)
        for t, present in coded.items():
            if present and t in labels and (name, t) in evidence:
                for w in _evidence_windows(doc, evidence[(name, t)]):
                    add(w, {t: 1})
        for m in (rule_matches or {}).get(name, ()):
            if m.counted and coded.get(m.theme):
                p = next((p for p in doc.passages if p.seq == m.passage_seq), None)  # type: ignore[attr-defined]
                if p is not None:
                    add(doc.text[p.start : p.end], {m.theme: 1})  # type: ignore[attr-defined]
    exemplars = {t.id: [*t.examples.get("en", ())] for t in codebook.themes}
    for (name, t), quote in sorted(evidence.items()):
        if t in exemplars and name in docs and len(exemplars[t]) < 200:
            exemplars[t].append(" ".join(quote.split()))
    return texts, labels, [*exemplars.items()]  # type: ignore[return-value]


def fit(
    codebook: Codebook,
    docs: Mapping[str, object],
    gold: Mapping[str, Mapping[str, bool]],
    evidence: Mapping[tuple[str, str], str],
    rule_matches: Mapping[str, Sequence[Match]] | None = None,
    *,
    c: float = 4.0,
) -> SemanticModel:
    """Weights per theme (thresholds left at infinity: see :func:`train_model`)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels, exemplars = training_examples(codebook, docs, gold, evidence, rule_matches)
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=2, dtype=np.float32)
    x = vectorizer.fit_transform(texts)
    names = vectorizer.get_feature_names_out()
    idf = {str(f): float(v) for f, v in zip(names, vectorizer.idf_)}
    themes = {}
    for t, y in labels.items():
        y_arr = np.array(y)
        rows = np.nonzero(y_arr >= 0)[0]
        if y_arr[rows].sum() < 2 or (y_arr[rows] == 0).sum() < 2:
            themes[t] = ThemeModel({}, -10.0, math.inf, dict(exemplars).get(t, []))
            continue
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
        model.fit(x[rows], y_arr[rows])
        coef = model.coef_[0]
        weights = {str(names[i]): float(coef[i]) for i in np.nonzero(np.abs(coef) > 1e-4)[0]}
        themes[t] = ThemeModel(weights, float(model.intercept_[0]), math.inf, dict(exemplars).get(t, []))
    return SemanticModel(codebook.version, idf, themes)


def train_model(
    codebook: Codebook,
    docs: Mapping[str, object],
    gold: Mapping[str, Mapping[str, bool]],
    evidence: Mapping[tuple[str, str], str],
    *,
    rule_matches: Mapping[str, Sequence[Match]] | None = None,
    inner_folds: int = 3,
    seed: int = 0,
) -> SemanticModel:
    """Train on all the given statements; calibrate the threshold on inner folds (each scored
    by a model trained without it), so the threshold is never fitted on a model's own data."""
    names = sorted(gold)
    order = names[:]
    random.Random(seed).shuffle(order)
    parts = [order[i::inner_folds] for i in range(inner_folds)]
    rule_found = {
        n: {m.theme for m in (rule_matches or {}).get(n, ()) if m.counted} for n in names
    }
    gains: dict[float, int] = {}
    grid = tuple(x / 100 for x in range(50, 100, 2))
    for held in parts:
        held_set = set(held)
        rest = [n for n in names if n not in held_set]
        inner = fit(
            codebook, {n: docs[n] for n in rest}, {n: gold[n] for n in rest},
            {k: v for k, v in evidence.items() if k[0] not in held_set},
            {n: (rule_matches or {}).get(n, ()) for n in rest},
        )  # fmt: skip
        gains_here = _gains(inner, {n: docs[n] for n in held}, gold, rule_found, grid)
        for thr, g in gains_here.items():
            gains[thr] = gains.get(thr, 0) + g
    best = max(grid, key=lambda thr: (gains.get(thr, 0), thr))
    threshold = best if gains.get(best, 0) > 0 else math.inf
    model = fit(codebook, docs, gold, evidence, rule_matches)
    for t in model.themes.values():
        if t.weights:
            t.threshold = threshold
    model.__post_init__()
    model.trained_on = {
        "statements": len(names),
        "positives": sum(v for g in gold.values() for v in g.values()),
        "threshold": None if math.isinf(threshold) else threshold,
        "calibration": f"{inner_folds} inner folds, seed {seed}: gain (TP-FP added) per threshold",
        "gains": {f"{k:.2f}": v for k, v in sorted(gains.items())},
    }
    return model


def _gains(model, docs, gold, rule_found, grid) -> dict[float, int]:
    """For each threshold: true positives minus false positives the semantic matcher adds."""
    best_prob = []
    for name, doc in docs.items():
        if getattr(doc, "language", "en") != "en" or not doc.passages:
            continue
        probs = model.probabilities(windows(doc.text, doc.passages))
        for j, t in enumerate(model._theme_ids):
            if t in gold.get(name, {}) and t not in rule_found.get(name, set()) and len(probs):
                best_prob.append((float(probs[:, j].max()), 1 if gold[name][t] else -1))
    return {thr: sum(v for p, v in best_prob if p >= thr) for thr in grid}
