"""The semantic matcher: passages that express a theme in words no rule of the codebook lists.

A linear model per theme over the words of a passage read with the sentence before it (the
reading rule of themes.md): stemmed words and pairs of neighbouring words, tf-idf weighted,
scored by logistic regression. It is trained from the codebook itself (each theme's definition
and ``examples``) and from hand-coded gold (the passages holding the coders' evidence as
positives, the passages of statements coded *absent* as negatives), so it runs offline on CPU,
downloads nothing, and gives the same answer every time.

With word vectors (:mod:`tracker.wordvectors`, learnt from the user's own corpus by
``tracker semantic vectors``), a passage is also read by meaning: the SIF-weighted mean of its
words' vectors, and its cosine to the theme's nearest exemplar (definition, examples, gold
evidence). Measured by cross-validation they did not improve the coding (docs/semantic.md), so
the default model reads words only.

A passage whose probability reaches the theme's threshold, and that no rule of the theme
matched, becomes a ``semantic`` match. Its ``reason`` names the words that weighed most and
the nearest exemplar, when its similarity shows as more than 0.00 (0.005 or more). Thresholds are calibrated on statements the
model was not trained on (:func:`train_model` holds out folds of its own training set), never on
the statements scored.

The default model (``codebooks/default.semantic.json``) is trained on all development gold by
``tracker semantic train``; a researcher can retrain it from their own gold.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tracker.codebook import Codebook
from tracker.errors import CodebookError, GoldError
from tracker.files import write_whole
from tracker.match import TOKEN, key
from tracker.models import Match, Passage
from tracker.wordvectors import WordVectors, load_vectors, unit_rows

DEFAULT_MODEL = Path(__file__).resolve().parent / "codebooks" / "default.semantic.json"
MAX_PER_THEME = 3  # semantic matches kept per statement and theme (the best passages)
DENSE_SCALE = 3.0  # length of a passage's word-vector part (its tf-idf part has length 1)
KNN_SCALE = 1.0  # scale of the nearest-exemplar similarity feature
EXEMPLAR_WEIGHT = 5.0  # a trusted passage (codebook, gold) weighs as much as this many weak ones
_STOP = frozenset("""
a an the of to in on at by for with as is are be been was were has have had our their its this
that these those all and or not no must should will would can may it we they he she i you his
her them us which who whom whose what when where while also such there here from into than then
so but if about over more most very any each other some only own same both own further mr
madam president general assembly session year years nations united countries country states
state world international people peoples government
""".split())  # very common words in UN speeches carry no theme


_CONTENT: dict[str, str] = {}  # raw token -> its key, "" for a token that is not read
_CONTENT_MAX = 200_000  # tokens remembered (cleared when full)


def _content_key(tok: str) -> str:
    if len(tok) < 3 or tok.isdigit():
        return ""
    k = key(tok)
    return "" if k in _STOP or tok.lower() in _STOP else k


def words(text: str) -> list[str]:
    """Stemmed content words of a text, in order (numbers and function words dropped)."""
    cache = _CONTENT
    out = []
    for tok in TOKEN.findall(text):
        k = cache.get(tok)
        if k is None:
            if len(cache) >= _CONTENT_MAX:
                cache.clear()
            k = cache[tok] = _content_key(tok)
        if k:
            out.append(k)
    return out


def features(text: str) -> list[str]:
    """Stemmed content words and pairs of neighbouring ones: the model's features."""
    return _pairs(words(text))


def _pairs(w: list[str]) -> list[str]:
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
    dense: list[float] = field(default_factory=list)  # weights of the word-vector dimensions
    knn: float = 0.0  # weight of the passage's similarity to its nearest exemplar


def logistic(log_odds):
    """Probabilities from log-odds, without overflow at either end (scipy's expit, imported on
    first use: it takes a quarter of a second to import)."""
    from scipy.special import expit

    return expit(log_odds)


def holds_rule(passages: Sequence[Passage], i: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether passage ``i`` read with the one before it (the model's window) holds a rule's
    match: such a passage is left to the rules."""
    begin = passages[i - 1].start if i else passages[i].start
    return any(s < passages[i].end and begin < e for s, e in spans)


def rule_spans(rule_matches: Sequence[Match]) -> dict[str, list[tuple[int, int]]]:
    """Per theme, the spans of the rules' matches (counted or not)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in rule_matches:
        spans.setdefault(m.theme, []).append((m.start, m.end))
    return spans


def kept_passages(
    passages: Sequence[Passage], probs: np.ndarray, threshold: float, spans: Sequence[tuple[int, int]]
) -> list[int]:
    """The passages the semantic matcher keeps for one theme (``probs``: each passage's), in
    text order: the best MAX_PER_THEME of those at or above the threshold and not left to the
    rules. (Picked first, the best were mostly a rule's neighbours, and none was kept.)"""
    hits = np.nonzero(probs >= threshold)[0]
    free = [int(i) for i in hits if not holds_rule(passages, int(i), spans)]
    return sorted(sorted(free, key=lambda i: -probs[i])[:MAX_PER_THEME])


def passage_match(theme: str, p: Passage, text: str, prob: float) -> Match:
    """A semantic match of a passage, ``supports`` until ``Matcher.directed`` reads it."""
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
    )


@dataclass
class SemanticModel:
    """Per-theme linear models over passage features, with the vocabulary's idf."""

    codebook_version: str
    idf: dict[str, float]
    themes: dict[str, ThemeModel]
    trained_on: dict = field(default_factory=dict)  # what it was trained and calibrated on
    vectors: WordVectors | None = None  # word vectors: a passage's meaning beside its words
    vectors_file: str = ""  # the vectors' file name as the model file names it

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
        dims = self.vectors.dims if self.vectors is not None else 0
        self._d = np.zeros((dims, len(ids)), dtype=np.float32)
        for j, t in enumerate(ids):
            if self.themes[t].dense:
                self._d[:, j] = self.themes[t].dense
        self._d_columns = [np.ascontiguousarray(self._d[:, j]) for j in range(len(ids))]
        self._thr = np.array([self.themes[t].threshold for t in ids], dtype=np.float64)
        self._names = sorted(self._index, key=self._index.__getitem__)
        self._exemplar_vectors = {
            t: [(e, self._vector(features(e))) for e in self.themes[t].exemplars] for t in ids
        }
        self._exemplar_embeddings = {
            t: self._embed([words(e) for e in self.themes[t].exemplars]) / DENSE_SCALE for t in ids
        }
        self._knn = np.array([self.themes[t].knn for t in ids], dtype=np.float64)

    def _embed(self, word_lists: Sequence[list[str]]) -> np.ndarray:
        """The word-vector part of the features (no columns without vectors)."""
        if self.vectors is None:
            return np.zeros((len(word_lists), 0), dtype=np.float32)
        return DENSE_SCALE * self.vectors.embed(word_lists)

    def _scores(
        self, word_lists: Sequence[list[str]], columns=slice(None), *, windows: bool = False
    ) -> np.ndarray:
        """Logits of texts (their words) for the themes in ``columns``; with ``windows`` the
        lists are a statement's passages, each read with the one before it."""
        tfidf = self._tfidf(word_lists, windows=windows)
        z = np.asarray(tfidf @ self._w[:, columns], dtype=np.float64) + self._b[columns]
        if self.vectors is None:
            return z
        sums = self.vectors.sums(word_lists)
        if windows and len(sums) > 1:
            sums[1:] += sums[:-1].copy()
        unit = unit_rows(sums)
        dense = DENSE_SCALE * unit
        for k, j in enumerate(np.arange(len(self._theme_ids))[columns]):
            # one theme at a time: the same sums whichever themes are scored (the matcher scores
            # the themes switched on, calibration all of them; a matrix of some columns rounded
            # differently, by a few 1e-6 in log-odds, more with more vector dimensions)
            z[:, k] += dense @ self._d_columns[j]
            if self._knn[j]:
                near = _nearest(unit, self._exemplar_embeddings[self._theme_ids[j]])
                z[:, k] += self._knn[j] * KNN_SCALE * near
        return z

    def _tfidf(self, word_lists: Sequence[list[str]], *, windows: bool):
        """The tf-idf rows (sublinear tf, L2-normalised; CSR) of texts or of windows.

        A window's counts are its two passages' counts plus the word pair across their
        boundary, so each passage is read once (the same features as reading every window).
        """
        from scipy.sparse import csr_matrix, diags

        n, index = len(word_lists), self._index
        ids = []
        for ws in word_lists:
            found = [index.get(w) for w in ws]
            found += [index.get(f"{a} {b}") for a, b in zip(ws, ws[1:])]
            ids.append([i for i in found if i is not None])
        counts = _count_matrix(ids, len(index))
        if windows and n > 1:
            step = np.ones(n - 1, dtype=np.float32)
            previous = csr_matrix((step, (np.arange(1, n), np.arange(n - 1))), shape=(n, n))
            across: list[list[int]] = [[]] + [
                [i] if w and v and (i := index.get(f"{w[-1]} {v[0]}")) is not None else []
                for w, v in zip(word_lists, word_lists[1:])
            ]  # the word pair across each window's two passages
            counts = counts + previous @ counts + _count_matrix(across, len(index))
        counts.sum_duplicates()
        counts.data = (1.0 + np.log(counts.data)) * self._idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        return diags(1.0 / np.where(norms > 0, norms, 1.0)) @ counts

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

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """texts x themes probabilities."""
        return logistic(self.log_odds(texts))

    def log_odds(self, texts: Sequence[str]) -> np.ndarray:
        """texts x themes log-odds (the probabilities before the logistic function: they keep
        their order where the probabilities round to 1.00)."""
        if not texts:
            return np.zeros((0, len(self._theme_ids)))
        return self._scores([words(t) for t in texts])

    def matches(
        self, doc, rule_matches: Sequence[Match] = (), *, language: str | None = None
    ) -> list[Match]:
        """Semantic matches of a statement (``doc`` has ``text``, ``passages``, ``language``).

        Only English is read (the exemplars are English). A passage is left to the rules when
        what the model reads (the passage and the sentence before it) holds a rule's match of the
        theme: its words, counted or not, would decide the passage's score. At most
        MAX_PER_THEME passages per theme are kept. Every match is marked ``supports``:
        ``Matcher.directed`` reads its direction from the codebook's stance cues.
        """
        if (language or getattr(doc, "language", "en")) != "en" or not doc.passages:
            return []
        active = np.nonzero(np.isfinite(self._thr))[0]
        if not len(active):
            return []
        probs = np.full((len(doc.passages), len(self._theme_ids)), 0.0)
        probs[:, active] = self.window_probabilities(doc.text, doc.passages, active)
        ruled = rule_spans(rule_matches)
        out = []
        for j, theme in enumerate(self._theme_ids):
            for i in kept_passages(doc.passages, probs[:, j], self._thr[j], ruled.get(theme, ())):
                p = doc.passages[i]
                window = doc.text[doc.passages[i - 1].start if i else p.start : p.end]
                match = passage_match(theme, p, doc.text, float(probs[i, j]))
                out.append(dataclasses.replace(match, reason=self.explain(theme, window)))
        return out

    def window_probabilities(
        self, text: str, passages: Sequence[Passage], columns=slice(None)
    ) -> np.ndarray:
        """passages x themes probabilities (the themes in ``columns``), each passage read with
        the one before it. ``matches`` scores the themes switched on, calibration all of them:
        each theme is scored on its own, so both get the same numbers."""
        if not passages:
            return np.zeros((0, len(self._theme_ids)))[:, columns]
        per = [words(text[p.start : p.end]) for p in passages]
        return logistic(self._scores(per, columns, windows=True))

    def explain(self, theme: str, window: str, *, top: int = 5) -> str:
        """The nearest exemplar and the words that weighed most for the theme."""
        vec = self._vector(features(window))
        j = self._theme_ids.index(theme)
        contrib = sorted(((v * self._w[i, j], i) for i, v in vec.items()), reverse=True)
        top_words = [self._names[i] for c, i in contrib[:top] if c > 0]
        near, sim = "", -1.0
        if self.vectors is not None and len(self._exemplar_embeddings[theme]):
            # by meaning: the cosine of the SIF-weighted word vectors
            sims = self._exemplar_embeddings[theme] @ self._embed([words(window)])[0]
            best = int(np.argmax(sims))
            near, sim = self.themes[theme].exemplars[best], float(sims[best]) / DENSE_SCALE
        for text, ev in self._exemplar_vectors.get(theme, ()) if self.vectors is None else ():
            s = sum(v * ev.get(i, 0.0) for i, v in vec.items())
            if s > sim:
                near, sim = text, s
        parts = [f"words: {', '.join(top_words)}"] if top_words else []
        if near and sim >= 0.005:  # one sharing nothing (shown as 0.00) is no reason to name
            parts.append(f"nearest exemplar ({sim:.2f}): {near[:160]}")
        return "; ".join(parts)

    # -- files ------------------------------------------------------------------------------
    def to_json(self) -> str:
        data = {
            "codebook_version": self.codebook_version,
            "trained_on": self.trained_on,
            **({"vectors": self.vectors_file, "vectors_version": self.vectors.version}
               if self.vectors is not None else {}),
            "idf": {f: round(v, 5) for f, v in sorted(self.idf.items())},
            "themes": {
                t: {
                    "bias": round(m.bias, 6),
                    "threshold": m.threshold if math.isfinite(m.threshold) else None,
                    "exemplars": m.exemplars,
                    "weights": {f: round(w, 6) for f, w in sorted(m.weights.items()) if abs(w) > 1e-4},
                    **({"dense": [round(w, 6) for w in m.dense]} if m.dense else {}),
                    **({"knn": round(m.knn, 6)} if m.knn else {}),
                }
                for t, m in sorted(self.themes.items())
            },
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0)

    def save(self, path: str | Path) -> Path:
        """Write the model; its word vectors go beside it (``<name>.vectors.npz``). Both are
        written whole, and renamed into place only once both are written
        (:func:`tracker.files.write_whole`): a failure leaves the older pair as it was."""
        out = Path(path)
        targets: list[tuple[Path, Callable[[Path], object]]] = []
        if self.vectors is not None:
            self.vectors_file = out.name.removesuffix(".json").removesuffix(".semantic")
            self.vectors_file += ".vectors.npz"
            targets.append((out.parent / self.vectors_file, self.vectors.write_to))
        text = self.to_json()
        targets.append((out, lambda part: part.write_text(text, encoding="utf-8")))
        write_whole(*targets)
        return out


def _count_matrix(ids: Sequence[list[int]], columns: int):
    """Rows of feature counts (a CSR matrix) from each row's feature ids."""
    from scipy.sparse import csr_matrix

    rows = np.repeat(np.arange(len(ids)), [len(r) for r in ids])
    cols = np.fromiter((i for r in ids for i in r), dtype=np.int64, count=len(rows))
    ones = np.ones(len(rows), dtype=np.float32)
    return csr_matrix((ones, (rows, cols)), shape=(len(ids), columns))  # duplicates summed


def _nearest(unit: np.ndarray, exemplars: np.ndarray) -> np.ndarray:
    """Each row's cosine to its nearest exemplar (0 without exemplars)."""
    if not len(exemplars) or not len(unit):
        return np.zeros(len(unit))
    return np.maximum((unit @ exemplars.T).max(axis=1), 0.0)


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
                dense=list(m.get("dense", [])),
                knn=float(m.get("knn", 0.0)),
            )
            for t, m in data["themes"].items()
        }
    except FileNotFoundError:
        raise CodebookError(f"{file}: no such semantic model file") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CodebookError(f"{file}: not a semantic model ({exc})") from None
    vectors = None
    if data.get("vectors"):
        vectors = load_vectors(file.parent / data["vectors"])
        if vectors.version != data.get("vectors_version"):
            raise CodebookError(f"{file}: its word vectors {data['vectors']} are version "
                                f"{vectors.version}, the model was trained on "
                                f"{data.get('vectors_version')} (retrain the model)")  # fmt: skip
    try:
        return SemanticModel(data["codebook_version"], data["idf"], themes,
                             data.get("trained_on", {}), vectors,
                             data.get("vectors", ""))  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CodebookError(f"{file}: not a semantic model ({exc})") from None


# -- training --------------------------------------------------------------------------------

GRID = tuple(x / 100 for x in range(50, 100, 1))
MIN_GAIN = 2  # a theme's threshold must add at least this many more right than wrong findings
#: and at least this share of what it adds must be right: on the gold a theme is absent from
#: most statements the rules miss, so a threshold can add more right than wrong findings and
#: still be wrong a third of the time, which would distort a theme's counts on a whole corpus
MIN_ADDED_PRECISION = 0.8
TOP_FEATURES = 4000  # weights kept per theme in a saved model (the largest in magnitude)


@dataclass
class Examples:
    """Training texts with per-theme labels: 1, 0, or -1 (not an example for that theme)."""

    texts: list[str] = field(default_factory=list)
    labels: dict[str, list[int]] = field(default_factory=dict)
    exemplar: list[bool] = field(default_factory=list)  # a trusted positive (codebook, gold)

    def add(self, text: str, theme_labels: Mapping[str, int], *, exemplar: bool = False) -> None:
        self.texts.append(text)
        self.exemplar.append(exemplar)
        for t, column in self.labels.items():
            column.append(theme_labels.get(t, -1))

    def extend(self, other: Examples) -> None:
        self.texts += other.texts
        self.exemplar += other.exemplar or [False] * len(other.texts)
        for t, column in self.labels.items():
            column += other.labels.get(t, [-1] * len(other.texts))


def _empty(codebook: Codebook) -> Examples:
    return Examples([], {t.id: [] for t in codebook.themes}, [])


def codebook_examples(codebook: Codebook) -> Examples:
    """Each theme's definition and example sentences, as positives of that theme."""
    out = _empty(codebook)
    for theme in codebook.themes:
        for text in (theme.definition, *theme.examples.get("en", ())):
            out.add(text, {theme.id: 1}, exemplar=True)
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
                    out.add(w, {t: 1}, exemplar=True)
    return out


PASSAGE_COLUMNS = ("theme", "present", "passage")


def labelled_passages(
    path: str | Path,
    codebook: Codebook,
    exclude: set[str] = frozenset(),  # type: ignore[assignment]
) -> Examples:
    """Hand-labelled passages (a TSV with at least ``theme``, ``present`` (1/0) and ``passage``)
    as trusted examples of their theme only: training data drawn from statements outside the
    gold, to teach the model the positions the rules miss. A passage whose ``file`` (an optional
    column) is in ``exclude`` is left out, so a statement that later joined the gold never trains
    the model that scores it. GoldError names a malformed file."""
    import csv

    from tracker.accuracy import file_name

    out = _empty(codebook)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t")  # quoted as the gold files are
            rows, columns = list(reader), reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GoldError(f"{path}: cannot read the labelled passages: {exc}") from exc
    missing = [c for c in PASSAGE_COLUMNS if c not in columns]
    if missing:
        raise GoldError(f"{path}: labelled passages need the columns {', '.join(PASSAGE_COLUMNS)} "
                        f"(missing: {', '.join(missing)})")
    if not rows:
        raise GoldError(f"{path}: no labelled passages")
    for line, row in enumerate(rows, start=2):
        theme, present, text = row["theme"], (row["present"] or "").strip(), row["passage"] or ""
        if theme not in out.labels or present not in ("0", "1") or not text.strip():
            raise GoldError(f"{path}, line {line}: needs a theme of the codebook, present 1 or 0 "
                            f"and a passage (got theme {theme!r}, present {present!r})")
        if file_name(row.get("file") or "") in exclude:
            continue
        out.add(text, {theme: int(present)}, exemplar=True)
    return out


def fit(
    codebook: Codebook, examples: Examples, *, c: float = 2.0, vectors: WordVectors | None = None
) -> SemanticModel:
    """Weights per theme by logistic regression on tf-idf features, and on the SIF-weighted
    mean word vector when ``vectors`` are given (thresholds left off)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=3, dtype=np.float32)
    x = vectorizer.fit_transform(examples.texts)
    names = vectorizer.get_feature_names_out()
    n_sparse = x.shape[1]
    unit = None
    if vectors is not None:
        unit = vectors.embed([words(t) for t in examples.texts])
        x = hstack([x, csr_matrix(DENSE_SCALE * unit)], format="csr")
    exemplars = {t.id: [*t.examples.get("en", ())] for t in codebook.themes}
    themes = {}
    for t, column in examples.labels.items():
        y = np.array(column)
        rows = np.nonzero(y >= 0)[0]
        if y[rows].sum() < 2 or (y[rows] == 0).sum() < 2:
            themes[t] = ThemeModel({}, -10.0, math.inf, exemplars[t])
            continue
        xt = x[rows]
        if unit is not None and KNN_SCALE:
            exemplars[t], near = _exemplar_similarity(examples, y, rows, unit)
            xt = hstack([xt, csr_matrix(KNN_SCALE * near[:, None])], format="csr")
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="liblinear")
        weight = None  # without vectors: every passage weighs the same, as before vectors
        if unit is not None:
            weight = np.where(np.array(examples.exemplar, dtype=bool)[rows], EXEMPLAR_WEIGHT, 1.0)
        model.fit(xt, y[rows], sample_weight=weight)
        coef = model.coef_[0]
        top = np.argsort(-np.abs(coef[:n_sparse]))[:TOP_FEATURES]
        weights = {str(names[i]): float(coef[i]) for i in top if abs(coef[i]) > 1e-4}
        dense_w = [float(w) for w in coef[n_sparse : x.shape[1]]]
        knn_w = float(coef[x.shape[1]]) if len(coef) > x.shape[1] else 0.0
        themes[t] = ThemeModel(weights, float(model.intercept_[0]), math.inf, exemplars[t],
                               dense_w, knn_w)  # fmt: skip
    used = {f for m in themes.values() for f in m.weights}
    idf = {str(f): float(v) for f, v in zip(names, vectorizer.idf_) if str(f) in used}
    return SemanticModel(codebook.version, idf, themes, vectors=vectors)


def _exemplar_similarity(
    examples: Examples, y: np.ndarray, rows: np.ndarray, unit: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """A theme's exemplars (its trusted positives: codebook and gold evidence, each text once)
    and each training row's cosine to its nearest exemplar other than itself."""
    first: dict[str, int] = {}
    for i in np.nonzero((y == 1) & np.array(examples.exemplar, dtype=bool))[0]:
        first.setdefault(examples.texts[i], int(i))
    texts, ids = list(first), np.array(list(first.values()), dtype=np.int64)
    if not len(ids):
        return [], np.zeros(len(rows))
    sims = unit[rows] @ unit[ids].T
    own = {text: k for k, text in enumerate(texts)}
    for r, i in enumerate(rows):  # leave one out: a passage is never its own nearest exemplar
        k = own.get(examples.texts[i])
        if k is not None:
            sims[r, k] = -1.0
    return texts, np.maximum(sims.max(axis=1), 0.0)


def statement_gains(
    model: SemanticModel,
    docs: Mapping[str, object],
    gold: Mapping[str, Mapping[str, bool]],
    rule_found: Mapping[str, set[str]],
    *,
    rule_matches: Mapping[str, Sequence[Match]] | None = None,
    codebook: Codebook | None = None,
) -> dict[str, list[tuple[float, int]]]:
    """Per theme: (probability, +1 right / -1 wrong) for each gold statement and theme the rules
    did not find: the matcher adds the theme at any threshold up to that probability.

    Without ``codebook`` a statement's probability is its best passage's. With it, statements
    are scored as the matcher codes them: passages left to the rules (``rule_matches``: each
    statement's, counted or not) are skipped, the best MAX_PER_THEME of the rest kept, and only
    those whose direction (the codebook's stance cues) the theme counts can add it; the best of
    those decides (none: the statement is never added and is left out).
    """
    from tracker.match import Matcher

    matcher = Matcher(codebook, semantic=False) if codebook is not None else None
    # the matcher adds no theme the codebook lacks (a model trained for a theme since removed)
    coded = {t.id for t in codebook.themes} if codebook is not None else set(model.themes)
    out: dict[str, list[tuple[float, int]]] = {t: [] for t in model.themes}
    for name, doc in docs.items():
        if getattr(doc, "language", "en") != "en" or not doc.passages:  # type: ignore[attr-defined]
            continue
        text, passages = doc.text, doc.passages  # type: ignore[attr-defined]
        probs = model.window_probabilities(text, passages)
        open_themes = [(j, t) for j, t in enumerate(model._theme_ids) if t in coded
                       and t in gold.get(name, {}) and t not in rule_found.get(name, set())]  # fmt: skip
        if matcher is None:
            best = {t: float(probs[:, j].max()) for j, t in open_themes}
        else:
            best = _best_counted(matcher, text, passages, probs, open_themes,
                                 (rule_matches or {}).get(name, ()))  # fmt: skip
        for t, p in best.items():
            out[t].append((p, 1 if gold[name][t] else -1))
    return out


def _best_counted(
    matcher, text: str, passages: Sequence[Passage], probs: np.ndarray,
    themes: Sequence[tuple[int, str]], rule_matches: Sequence[Match],
) -> dict[str, float]:  # fmt: skip
    """Per theme, the probability of the best passage the matcher would keep and count: of
    the best MAX_PER_THEME not left to the rules (at a threshold up to that probability the
    matcher keeps it; above it, only passages it would not count)."""
    ruled = rule_spans(rule_matches)
    kept = [(t, i, float(probs[i, j])) for j, t in themes
            for i in kept_passages(passages, probs[:, j], -math.inf, ruled.get(t, ()))]  # fmt: skip
    candidates = [passage_match(t, passages[i], text, prob) for t, i, prob in kept]
    best: dict[str, float] = {}
    for m, (t, _, prob) in zip(matcher.directed(text, passages, candidates), kept):
        if m.counted:
            best[t] = max(best.get(t, 0.0), prob)
    return best


def thresholds(gains: Mapping[str, list[tuple[float, int]]]) -> dict[str, float]:
    """Per theme, the threshold that adds the most right over wrong findings (ties: the higher
    threshold) among those whose additions are at least MIN_ADDED_PRECISION right, or infinity
    (off) when the best adds fewer than MIN_GAIN."""
    out = {}
    for t, items in gains.items():
        best, best_gain = math.inf, MIN_GAIN - 1
        for thr in sorted(GRID, reverse=True):
            added = [v for p, v in items if p >= thr]
            gain = sum(added)
            right = added.count(1)
            if gain > best_gain and right >= MIN_ADDED_PRECISION * len(added):
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
    vectors: WordVectors | None = None,
    inner_folds: int = 3,
    seed: int = 0,
) -> SemanticModel:
    """Train on the given gold statements (and weak corpus labels); each theme's threshold is
    calibrated on inner folds, each scored by a model trained without it, so no threshold is
    fitted on a model's own training statements. The folds are scored as the matcher codes
    (``statement_gains`` with the rules' matches and the codebook's stance cues)."""
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
        inner = fit(codebook, examples, vectors=vectors)
        held_docs = {n: docs[n] for n in held}
        scored = statement_gains(inner, held_docs, gold, rule_found,
                                 rule_matches=rule_matches, codebook=codebook)  # fmt: skip
        for t, items in scored.items():
            gains[t] += items
    chosen = thresholds(gains)
    examples = _empty(codebook)
    examples.extend(base)
    examples.extend(gold_examples(codebook, {n: docs[n] for n in names}, gold, evidence))
    model = fit(codebook, examples, vectors=vectors)
    for t, m in model.themes.items():
        m.threshold = chosen.get(t, math.inf) if m.weights or any(m.dense) else math.inf
    model.__post_init__()
    model.trained_on = {
        "gold_statements": len(names),
        "gold_positives": sum(v for g in gold.values() for v in g.values()),
        "corpus_examples": len(corpus.texts) if corpus is not None else 0,
        "calibration": f"{inner_folds} inner folds (seed {seed}); per theme the threshold that adds "
        f"the most right over wrong findings with at least {MIN_ADDED_PRECISION:.0%} of its "
        f"additions right, off below a gain of {MIN_GAIN}",
        "thresholds": {t: (None if math.isinf(v) else v) for t, v in sorted(chosen.items())},
    }
    if vectors is not None:
        model.trained_on["vectors"] = vectors.meta
    return model


def training_corpus(
    codebook: Codebook,
    gold_names: set[str],
    *,
    weak_store=None,
    passages: Sequence[str | Path] = (),
    seed: int = 0,
) -> Examples | None:
    """The training passages beside the gold: weak labels from the coded statements of
    ``weak_store`` (a Store) and hand-labelled passage files, none from a statement named in
    ``gold_names`` (the statements being scored). None when there are neither."""
    corpus = (corpus_examples(weak_store, codebook, exclude=gold_names, seed=seed)
              if weak_store else None)  # fmt: skip
    for path in passages:
        labelled = labelled_passages(path, codebook, exclude=gold_names)
        if corpus is None:
            corpus = labelled
        else:
            corpus.extend(labelled)
    return corpus


def train_from_databases(
    codebook: Codebook,
    gold_paths: Sequence[str | Path],
    *,
    gold_db,
    weak_db=None,
    vectors: WordVectors | None = None,
    seed: int = 0,
) -> SemanticModel:
    """Train a model from gold files whose statements are in ``gold_db`` (a Store) and, when
    given, weak labels from the coded statements of ``weak_db`` (gold statements left out)."""
    from tracker.accuracy import code, load_docs, merge_gold
    from tracker.match import Matcher

    gold, evidence = merge_gold(gold_paths)
    docs = load_docs(gold_db, gold)
    rules = code(docs, Matcher(codebook, semantic=False))
    corpus = training_corpus(codebook, set(gold), weak_store=weak_db, seed=seed)
    model = train_model(codebook, docs, gold, evidence, rule_matches=rules, corpus=corpus,
                        vectors=vectors, seed=seed)  # fmt: skip
    model.trained_on["gold_files"] = [Path(p).name for p in gold_paths]
    return model
