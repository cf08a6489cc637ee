"""Word vectors learnt from a corpus of statements: what the semantic matcher knows of meaning.

Each word (a stemmed content word, as :func:`tracker.semantic.words` reads it) is described by
the words around it in the corpus: co-occurrence counts within a window of ``WINDOW`` words
either side (nearer words weigh more), turned into positive pointwise mutual information (PPMI,
contexts smoothed with exponent 0.75) and reduced by a truncated SVD to ``DIMS`` dimensions
(left singular vectors scaled by the square root of the singular values, rows L2-normalised).
Words used in the same contexts ("coercive", "unilateral", "embargo") end up near each other,
so a passage can be recognised in words that no training passage used.

Everything is computed with numpy/scipy/scikit-learn from the user's own corpus: nothing is
downloaded, the SVD has a fixed ``random_state`` and runs on one BLAS thread, so the same corpus
gives the same vectors bit for bit.

The file format (``.npz``, numpy's zip of arrays, read with ``allow_pickle=False``):

``words``    the vocabulary (unicode strings), most frequent first
``counts``   each word's frequency in the corpus (int64), for SIF weights
``vectors``  words x DIMS, float16, each row of unit length
``meta``     a JSON string: corpus size, window, dims, how it was built
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tracker.errors import CodebookError
from tracker.files import write_whole

VOCABULARY = 20_000  # words kept (the most frequent)
DIMS = 100
WINDOW = 5  # words either side
MIN_COUNT = 5
SIF_A = 1e-3  # smooth inverse frequency: weight a / (a + p(word))
_CHUNK = 300  # statements per block of co-occurrence counts


@dataclass
class WordVectors:
    """A vocabulary, its corpus counts and one unit vector per word."""

    words: list[str]
    counts: np.ndarray
    vectors: np.ndarray  # float16 on file; float32 in memory
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        self.index = {w: i for i, w in enumerate(self.words)}
        p = self.counts / max(float(self.counts.sum()), 1.0)
        self.sif = (SIF_A / (SIF_A + p)).astype(np.float32)
        self._weighted = self.sif[:, None] * self.vectors

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def version(self) -> str:
        """First 12 hex digits of the SHA-256 of the words and the stored (float16) vectors."""
        h = hashlib.sha256("\n".join(self.words).encode())
        h.update(self.vectors.astype(np.float16).tobytes())
        return h.hexdigest()[:12]

    def neighbours(self, word: str, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` words nearest to ``word`` (a stemmed key) by cosine, with their cosines."""
        i = self.index[word]
        sims = self.vectors @ self.vectors[i]
        order = [j for j in np.argsort(-sims, kind="stable") if j != i][:n]
        return [(self.words[j], float(sims[j])) for j in order]

    def similarity(self, a: str, b: str) -> float:
        return float(self.vectors[self.index[a]] @ self.vectors[self.index[b]])

    def sums(self, word_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """One row per list: the SIF-weighted sum of its words' vectors (words without a
        vector are skipped)."""
        from scipy.sparse import csr_matrix

        rows, cols = [], []
        for r, ws in enumerate(word_lists):
            found = [i for i in map(self.index.get, ws) if i is not None]
            rows += [r] * len(found)
            cols += found
        ones = np.ones(len(rows), dtype=np.float32)
        counts = csr_matrix((ones, (rows, cols)), shape=(len(word_lists), len(self.words)))
        return np.asarray(counts @ self._weighted, dtype=np.float32)

    def embed(self, word_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """One row per list: the SIF-weighted mean of its words' vectors, L2-normalised (zeros
        when none of its words has a vector)."""
        return unit_rows(self.sums(word_lists))

    def save(self, path: str | Path) -> Path:
        """Write the vectors whole or not at all (:func:`tracker.files.write_whole`)."""
        out = Path(path)
        write_whole((out, self.write_to))
        return out

    def write_to(self, path: Path) -> None:
        """Write the vectors to ``path`` as it is (``.npz`` content, whatever its name)."""
        with open(path, "wb") as f:  # a file object: np.savez would append ".npz" to other names
            np.savez_compressed(
                f,
                words=np.array(self.words, dtype=str),
                counts=np.asarray(self.counts, dtype=np.int64),
                vectors=self.vectors.astype(np.float16),
                meta=np.array(json.dumps(self.meta, sort_keys=True)),
            )


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def load_vectors(path: str | Path) -> WordVectors:
    """Read a word-vector file written by :meth:`WordVectors.save`."""
    file = Path(path)
    try:
        with np.load(file, allow_pickle=False) as data:
            return WordVectors(
                [str(w) for w in data["words"]],
                data["counts"].astype(np.int64),
                data["vectors"],
                json.loads(str(data["meta"])),
            )
    except FileNotFoundError:
        raise CodebookError(f"{file}: no such word-vector file") from None
    except (OSError, ValueError, KeyError) as exc:
        raise CodebookError(f"{file}: not a word-vector file ({exc})") from None


def count_words(docs: Iterable[list[str]]) -> Counter:
    counts: Counter = Counter()
    for ws in docs:
        counts.update(ws)
    return counts


def cooccurrences(docs: Iterable[list[str]], index: dict[str, int], *, window: int = WINDOW):
    """Symmetric word x word co-occurrence weights (1/distance within ``window``) as CSR."""
    from scipy.sparse import coo_matrix, csr_matrix

    n = len(index)
    total = csr_matrix((n, n), dtype=np.float64)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def flush() -> None:
        nonlocal total
        if rows:
            r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
            total = total + coo_matrix((v, (r, c)), shape=(n, n)).tocsr()
            for part in (rows, cols, vals):
                part.clear()

    for k, ws in enumerate(docs, 1):
        ids = np.array([index[w] for w in ws if w in index], dtype=np.int32)
        for d in range(1, window + 1):
            if len(ids) > d:
                rows.append(ids[:-d])
                cols.append(ids[d:])
                vals.append(np.full(len(ids) - d, 1.0 / d))
        if k % _CHUNK == 0:
            flush()
    flush()
    return total + total.T


def ppmi(cooc, *, alpha: float = 0.75):
    """Positive pointwise mutual information of a co-occurrence matrix (contexts smoothed)."""
    from scipy.sparse import csr_matrix

    m = cooc.tocoo()
    row = np.asarray(cooc.sum(axis=1)).ravel()
    ctx = np.asarray(cooc.sum(axis=0)).ravel() ** alpha
    # log(p(w,c) / (p(w) p_alpha(c))): the corpus total cancels out
    pmi = np.log(m.data * ctx.sum() / (row[m.row] * ctx[m.col]))
    keep = pmi > 0

    return csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=cooc.shape)


def train_vectors(
    docs: Iterable[list[str]] | Sequence[list[str]],
    *,
    vocabulary: int = VOCABULARY,
    dims: int = DIMS,
    window: int = WINDOW,
    min_count: int = MIN_COUNT,
    seed: int = 0,
) -> WordVectors:
    """Word vectors from tokenised documents (lists of stemmed content words).

    ``docs`` is read twice (counts, then co-occurrences), so pass a sequence or a re-iterable.
    """
    from sklearn.utils.extmath import randomized_svd
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    docs = docs if isinstance(docs, Sequence) else list(docs)
    counts = count_words(docs)
    ranked = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    vocab = ranked[:vocabulary]
    if len(vocab) <= dims:
        raise ValueError(f"only {len(vocab)} words occur {min_count} or more times in "
                         f"{len(docs)} documents: too few for {dims} dimensions (add statements, "
                         "or lower --dims)")  # fmt: skip
    index = {w: i for i, w in enumerate(vocab)}
    matrix = ppmi(cooccurrences(docs, index, window=window))
    with threadpool_limits(limits=1):  # one BLAS thread: the same sums in the same order
        u, s, _ = randomized_svd(matrix, dims, n_iter=7, random_state=seed)
    vectors = u * np.sqrt(s)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    meta = {
        "documents": len(docs),
        "tokens": int(sum(counts.values())),
        "vocabulary": len(vocab),
        "dims": dims,
        "window": window,
        "min_count": min_count,
        "seed": seed,
        "method": "PPMI (context alpha 0.75, 1/distance weights) + randomized SVD, U*sqrt(S)",
    }
    return WordVectors(vocab, np.array([counts[w] for w in vocab], dtype=np.int64),
                       vectors.astype(np.float16), meta)  # fmt: skip


def statement_words(store, *, limit: int | None = None) -> Iterator[list[str]]:
    """The stemmed content words of every English original statement of a database."""
    from tracker import query
    from tracker.semantic import words

    ids = query.english_originals(store.conn)
    for sid in ids[:limit]:
        found = query.statement_text(store.conn, sid)
        if found is not None:
            yield words(found[1])


def vectors_from_database(store, **options) -> WordVectors:
    """Word vectors from the English statements of a tracker database (copies left out)."""
    docs = list(statement_words(store))
    vectors = train_vectors(docs, **options)
    vectors.meta["database"] = Path(str(store.path)).name
    return vectors
