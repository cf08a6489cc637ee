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
    return _pairs(words(text))


def _pairs(w: list[str]) -> list[str]:
    return w + [f"{a} {b}" for a, b in zip(w, w[1:])]


def window_features(text: str, passages: Sequence[Passage]) -> list[list[str]]:
    """The features of each passage read with the one before it (each passage's words are
    computed once)."""
    per = [words(text[p.start : p.end]) for p in passages]
    return [_pairs((per[i - 1] if i else []) + w) for i, w in enumerate(per)]


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
        self._names = sorted(self._index, key=self._index.__getitem__)
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
        return self._matrix([features(t) for t in texts])

    def _matrix(self, feature_lists: Sequence[list[str]]):
        from scipy.sparse import csr_matrix

        rows, cols, vals = [], [], []
        for r, feats in enumerate(feature_lists):
            for i, v in self._vector(feats).items():
                rows.append(r)
                cols.append(i)
                vals.append(v)
        shape = (len(feature_lists), len(self._index))
        return csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)

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
        active = np.nonzero(np.isfinite(self._thr))[0]
        if not len(active):
            return []
        feats = window_features(doc.text, doc.passages)
        probs = np.full((len(feats), len(self._theme_ids)), 0.0)
        z = self._matrix(feats) @ self._w[:, active] + self._b[active]
        probs[:, active] = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))
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
                window = doc.text[doc.passages[i - 1].start if i else p.start : p.end]
                out.append(self._match(theme, j, p, window, float(probs[i, j]), doc.text))
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
        top_words = [self._names[i] for c, i in contrib[:top] if c > 0]
        near, sim = "", -1.0
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

GRID = tuple(x / 100 for x in range(50, 100, 1))
MIN_GAIN = 2  # a theme's threshold must add at least this many more right than wrong findings
TOP_FEATURES = 4000  # weights kept per theme in a saved model (the largest in magnitude)


@dataclass
class Examples:
    """Training texts with per-theme labels: 1, 0, or -1 (not an example for that theme)."""

    texts: list[str] = field(default_factory=list)
    labels: dict[str, list[int]] = field(default_factory=dict)

    def add(self, text: str, theme_labels: Mapping[str, int]) -> None:
        self.texts.append(text)
        for t, column in self.labels.items():
            column.append(theme_labels.get(t, -1))

    def extend(self, other: Examples) -> None:
        self.texts += other.texts
        for t, column in self.labels.items():
            column += other.labels.get(t, [-1] * len(other.texts))


def _empty(codebook: Codebook) -> Examples:
    return Examples([], {t.id: [] for t in codebook.themes})


def codebook_examples(codebook: Codebook) -> Examples:
    """Each theme's definition and example sentences, as positives of that theme."""
    out = _empty(codebook)
    for theme in codebook.themes:
        for text in (theme.definition, *theme.examples.get("en", ())):
            out.add(text, {theme.id: 1})
    return out


def corpus_examples(
    store,
    codebook: Codebook,
    *,
    exclude: set[str] = frozenset(),  # type: ignore[assignment]
    per_theme: int = 1500,
    negative_statements: int = 3000,
    seed: int = 0,
) -> Examples:
    """Weak labels from a coded database: passages holding a counted match of a theme are its
    positives; passages of statements without the theme are its negatives. Statements whose
    file name is in ``exclude`` (the gold) are never used."""
    from tracker import query  # pandas, for the training reads only
    from tracker.accuracy import file_name

    rng = random.Random(seed)
    conn = store.conn
    keep = {
        sid for sid, source, lang in query.statement_sources(conn)
        if (lang or "en") == "en" and file_name(source) not in exclude
    }  # fmt: skip
    positives: dict[str, list[tuple[int, int]]] = {t.id: [] for t in codebook.themes}
    for theme, sid, seq in query.counted_rule_passages(conn):
        if sid in keep and theme in positives:
            positives[theme].append((sid, seq))
    present = query.themes_present(conn)

    def window(sid: int, seq: int) -> str:
        return " ".join(query.passage_texts(conn, sid, seq - 1, seq))

    out = _empty(codebook)
    for theme, found in positives.items():
        for sid, seq in rng.sample(found, min(per_theme, len(found))):
            out.add(window(sid, seq), {theme: 1})
    pool = sorted(keep)
    for sid in rng.sample(pool, min(negative_statements, len(pool))):
        last = query.last_passage(conn, sid)
        if last is None:
            continue
        absent = {t: 0 for t in out.labels if t not in present.get(sid, set())}
        for seq in rng.sample(range(last + 1), min(5, last + 1)):
            out.add(window(sid, seq), absent)
    return out


def _evidence_windows(doc, quote: str) -> list[str]:
    """The windows of a statement that hold a coder's quote (whitespace-insensitive)."""
    squash = " ".join(quote.split()).lower()
    if not squash:
        return []
    texts = windows(doc.text, doc.passages)
    plain = [" ".join(doc.text[p.start : p.end].split()).lower() for p in doc.passages]
    hits = [w for w, p in zip(texts, plain) if squash[:60] in p]
    if hits:
        return hits
    head = " ".join(squash.split()[:6])  # a quote across two sentences: where it starts
    return [w for w in texts if head in " ".join(w.split()).lower()][:1] or [quote]


def gold_examples(
    codebook: Codebook,
    docs: Mapping[str, object],
    gold: Mapping[str, Mapping[str, bool]],
    evidence: Mapping[tuple[str, str], str],
) -> Examples:
    """The passages holding the coders' evidence as positives; every passage of a statement
    coded absent for a theme as a negative of that theme."""
    out = _empty(codebook)
    for name in sorted(docs):
        doc = docs[name]
        if getattr(doc, "language", "en") != "en":
            continue
        coded = gold.get(name, {})
        absent = {t: 0 for t, present in coded.items() if not present and t in out.labels}
        if absent:
            for w in windows(doc.text, doc.passages):  # type: ignore[attr-defined]
                out.add(w, absent)
        for t, present in coded.items():
            if present and t in out.labels and (name, t) in evidence:
                for w in _evidence_windows(doc, evidence[(name, t)]):
                    out.add(w, {t: 1})
    return out


def fit(codebook: Codebook, examples: Examples, *, c: float = 2.0) -> SemanticModel:
    """Weights per theme by logistic regression on tf-idf features (thresholds left off)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=3, dtype=np.float32)
    x = vectorizer.fit_transform(examples.texts)
    names = vectorizer.get_feature_names_out()
    exemplars = {t.id: [*t.examples.get("en", ())] for t in codebook.themes}
    themes = {}
    for t, column in examples.labels.items():
        y = np.array(column)
        rows = np.nonzero(y >= 0)[0]
        if y[rows].sum() < 2 or (y[rows] == 0).sum() < 2:
            themes[t] = ThemeModel({}, -10.0, math.inf, exemplars[t])
            continue
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="liblinear")
        model.fit(x[rows], y[rows])
        coef = model.coef_[0]
        top = np.argsort(-np.abs(coef))[:TOP_FEATURES]
        weights = {str(names[i]): float(coef[i]) for i in top if abs(coef[i]) > 1e-4}
        themes[t] = ThemeModel(weights, float(model.intercept_[0]), math.inf, exemplars[t])
    used = {f for m in themes.values() for f in m.weights}
    idf = {str(f): float(v) for f, v in zip(names, vectorizer.idf_) if str(f) in used}
    return SemanticModel(codebook.version, idf, themes)


def statement_gains(
    model: SemanticModel,
    docs: Mapping[str, object],
    gold: Mapping[str, Mapping[str, bool]],
    rule_found: Mapping[str, set[str]],
) -> dict[str, list[tuple[float, int]]]:
    """Per theme: (best passage probability, +1 right / -1 wrong) for each gold statement and
    theme the rules did not find: what the semantic matcher would add at each threshold."""
    out: dict[str, list[tuple[float, int]]] = {t: [] for t in model.themes}
    for name, doc in docs.items():
        if getattr(doc, "language", "en") != "en" or not doc.passages:  # type: ignore[attr-defined]
            continue
        probs = model.probabilities(windows(doc.text, doc.passages))  # type: ignore[attr-defined]
        for j, t in enumerate(model._theme_ids):
            if t in gold.get(name, {}) and t not in rule_found.get(name, set()) and len(probs):
                out[t].append((float(probs[:, j].max()), 1 if gold[name][t] else -1))
    return out


def thresholds(gains: Mapping[str, list[tuple[float, int]]]) -> dict[str, float]:
    """Per theme, the threshold that adds the most right over wrong findings (ties: the higher
    threshold), or infinity (off) when the best adds fewer than MIN_GAIN."""
    out = {}
    for t, items in gains.items():
        best, best_gain = math.inf, MIN_GAIN - 1
        for thr in sorted(GRID, reverse=True):
            gain = sum(v for p, v in items if p >= thr)
            if gain > best_gain:
                best, best_gain = thr, gain
        out[t] = best
    return out


def train_model(
    codebook: Codebook,
    docs: Mapping[str, object],
    gold: Mapping[str, Mapping[str, bool]],
    evidence: Mapping[tuple[str, str], str],
    *,
    rule_matches: Mapping[str, Sequence[Match]] | None = None,
    corpus: Examples | None = None,
    inner_folds: int = 3,
    seed: int = 0,
) -> SemanticModel:
    """Train on the given gold statements (and weak corpus labels); each theme's threshold is
    calibrated on inner folds, each scored by a model trained without it, so no threshold is
    fitted on a model's own training statements."""
    from tracker.accuracy import folds

    names = sorted(gold)
    rule_found = {n: {m.theme for m in (rule_matches or {}).get(n, ()) if m.counted} for n in names}
    base = codebook_examples(codebook)
    if corpus is not None:
        base.extend(corpus)
    gains: dict[str, list[tuple[float, int]]] = {t.id: [] for t in codebook.themes}
    for held in folds(names, inner_folds, seed=seed):
        held_set = set(held)
        rest = [n for n in names if n not in held_set]
        examples = _empty(codebook)
        examples.extend(base)
        examples.extend(gold_examples(
            codebook, {n: docs[n] for n in rest}, {n: gold[n] for n in rest},
            {k: v for k, v in evidence.items() if k[0] not in held_set},
        ))  # fmt: skip
        inner = fit(codebook, examples)
        for t, items in statement_gains(inner, {n: docs[n] for n in held}, gold, rule_found).items():
            gains[t] += items
    chosen = thresholds(gains)
    examples = _empty(codebook)
    examples.extend(base)
    examples.extend(gold_examples(codebook, {n: docs[n] for n in names}, gold, evidence))
    model = fit(codebook, examples)
    for t, m in model.themes.items():
        m.threshold = chosen.get(t, math.inf) if m.weights else math.inf
    model.__post_init__()
    model.trained_on = {
        "gold_statements": len(names),
        "gold_positives": sum(v for g in gold.values() for v in g.values()),
        "corpus_examples": len(corpus.texts) if corpus is not None else 0,
        "calibration": f"{inner_folds} inner folds (seed {seed}); per theme the threshold that adds "
        f"the most right over wrong findings, off below a gain of {MIN_GAIN}",
        "thresholds": {t: (None if math.isinf(v) else v) for t, v in sorted(chosen.items())},
    }
    return model


def train_from_databases(
    codebook: Codebook,
    gold_paths: Sequence[str | Path],
    *,
    gold_db,
    weak_db=None,
    seed: int = 0,
) -> SemanticModel:
    """Train a model from gold files whose statements are in ``gold_db`` (a Store) and, when
    given, weak labels from the coded statements of ``weak_db`` (gold statements left out)."""
    from tracker.accuracy import code, load_docs, merge_gold
    from tracker.match import Matcher

    gold, evidence = merge_gold(gold_paths)
    docs = load_docs(gold_db, gold)
    rules = code(docs, Matcher(codebook, semantic=False))
    corpus = corpus_examples(weak_db, codebook, exclude=set(gold), seed=seed) if weak_db else None
    model = train_model(codebook, docs, gold, evidence, rule_matches=rules, corpus=corpus, seed=seed)
    model.trained_on["gold_files"] = [Path(p).name for p in gold_paths]
    return model
