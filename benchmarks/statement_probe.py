"""Probe: can a whole-statement classifier find the positions the rules miss?

    python benchmarks/statement_probe.py [--corpus DIR] [--folds 5] [--C 4]

The semantic matcher scores passages. The gold labels are statements, so this probe asks the
question at that level: one logistic regression per theme over the tf-idf words and word pairs
of the whole statement (sublinear counts, English stop words dropped), trained on the gold
statements of the other folds, the rules' statement x theme findings left to the rules. It
prints, per theme, how well the out-of-fold scores rank the statements the rules miss (ROC AUC,
precision among the 10, 25 and 50 best scored), and what "rules, or the classifier above a
threshold" would give pooled. Nothing here ships: it measures whether such a model is worth
building (docs/semantic.md, "A whole-statement classifier").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from accuracy import gold_db, gold_paths  # noqa: E402

from tracker.accuracy import code, found_themes, load_docs, merge_gold  # noqa: E402
from tracker.codebook import load_codebook  # noqa: E402
from tracker.match import Matcher  # noqa: E402
from tracker.store import Store  # noqa: E402


def out_of_fold_scores(texts: list[str], labels: np.ndarray, folds: int, c: float) -> np.ndarray:
    """Each statement's score per theme from models fitted on the other folds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    scores = np.zeros(labels.shape)
    for train, test in KFold(folds, shuffle=True, random_state=0).split(texts):
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=3, max_df=0.9, sublinear_tf=True,
                              stop_words="english", max_features=60000)  # fmt: skip
        x_train = vec.fit_transform([texts[i] for i in train])
        x_test = vec.transform([texts[i] for i in test])
        for j in range(labels.shape[1]):
            if labels[train, j].sum() < 3:
                continue
            model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
            model.fit(x_train, labels[train, j])
            scores[test, j] = model.predict_proba(x_test)[:, 1]
    return scores


def prf(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp, fp, fn = (pred & gold).sum(), (pred & ~gold).sum(), (~pred & gold).sum()
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return p, r, 2 * p * r / max(p + r, 1e-9)


def main() -> None:
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--C", type=float, default=4.0, help="inverse regularisation strength")
    args = parser.parse_args()

    gold, _ = merge_gold(gold_paths(args.corpus, None))
    with Store(gold_db(args.corpus, set(gold)), readonly=True) as store:
        docs = load_docs(store, gold)
    book = load_codebook()
    themes = [t.id for t in book.themes]
    found = found_themes(code(docs, Matcher(book, semantic=False)))
    names = sorted(docs)
    y = np.array([[gold[n].get(t, False) for t in themes] for n in names])
    rules = np.array([[t in found.get(n, {}) for t in themes] for n in names])
    scores = out_of_fold_scores([docs[n].text for n in names], y, args.folds, args.C)

    print(f"{len(names)} gold statements, {int(y.sum())} positives; codebook {book.version}\n")
    print(f"{'theme':<25} {'missed':>12} {'AUC':>6} {'P@10':>5} {'P@25':>5} {'P@50':>5}")
    for j, theme in enumerate(themes):
        missed = ~rules[:, j]
        target, score = y[missed, j], scores[missed, j]
        if target.sum() < 3:
            continue
        best = target[np.argsort(-score)]
        print(f"{theme:<25} {int(target.sum()):>5}/{int(missed.sum()):<6} "
              f"{roc_auc_score(target, score):6.3f} {best[:10].mean():5.2f} "
              f"{best[:25].mean():5.2f} {best[:50].mean():5.2f}")  # fmt: skip
    print(f"\nrules alone                      P {prf(rules, y)[0]:.3f}  R {prf(rules, y)[1]:.3f}"
          f"  F1 {prf(rules, y)[2]:.3f}")  # fmt: skip
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9):
        added = (scores > threshold) & ~rules
        p, r, f1 = prf(rules | added, y)
        print(f"rules or classifier > {threshold:.1f}        P {p:.3f}  R {r:.3f}  F1 {f1:.3f}"
              f"  (added {int((added & y).sum())} right, {int((added & ~y).sum())} wrong)")


if __name__ == "__main__":
    main()
