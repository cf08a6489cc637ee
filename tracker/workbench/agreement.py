"""Agreement between coders, theme by theme, and the decisions they disagree on.

Krippendorff's alpha (nominal) comes from the ``krippendorff`` package and takes any number of
coders and missing labels; Cohen's kappa is :func:`tracker.validate.agreement` for two coders
and, for more, the mean of every pair's kappa weighted by the units the pair shares, pairs
whose shared labels are all one value left out (close to Light's kappa, which is the plain
mean). Both are undefined (NaN) when every label of a theme has
the same value: nothing could be disagreed on by chance.
"""

from __future__ import annotations

from itertools import combinations

import krippendorff
import numpy as np
import pandas as pd

from tracker.validate import agreement as pair_agreement

ALL_THEMES = "(all themes)"
AGREEMENT_COLUMNS = ["theme", "items", "coders", "observed", "kappa", "alpha", "disagreements"]


def label_matrix(labels: pd.DataFrame) -> pd.DataFrame:
    """Coder x (item, theme) of 0/1 labels, NaN where a coder has no label."""
    if labels.empty:
        return pd.DataFrame()
    return labels.pivot_table(index="coder", columns=["item_id", "theme"], values="present",
                              aggfunc="first").astype(float)  # fmt: skip


def _kappa(matrix: pd.DataFrame) -> float | None:
    """Cohen's kappa (two coders) or, for more, the mean of every pair's weighted by the units
    the pair shares (a variant of Light's kappa, its plain mean). A pair whose shared
    labels are all one value has no kappa and is left out: counted as 1.0 with equal weight, a
    stray coder with one item (a mistyped name) lifted the mean from 0.58 to 0.86."""
    values, weights = [], []
    for a, b in combinations(matrix.index, 2):
        both = matrix.loc[[a, b]].dropna(axis=1)
        if both.shape[1] == 0 or len(np.unique(both.to_numpy())) < 2:
            continue
        la = {str(k): {"t": bool(v)} for k, v in both.loc[a].items()}
        lb = {str(k): {"t": bool(v)} for k, v in both.loc[b].items()}
        values.append(pair_agreement(la, lb)["kappa"])
        weights.append(both.shape[1])
    return float(np.average(values, weights=weights)) if values else None


def _alpha(matrix: pd.DataFrame) -> float | None:
    try:
        return float(krippendorff.alpha(reliability_data=matrix.to_numpy(),
                                        level_of_measurement="nominal"))  # fmt: skip
    except ValueError:  # one value only, or fewer than two coders on any unit
        return None


def _tidy(value: float | None) -> float | None:
    """A chance-level coefficient computed as -1e-17 showed as "-0.000": rounded off float
    noise, and no negative zero."""
    return None if value is None else round(value, 12) + 0.0


def _row(theme: str, matrix: pd.DataFrame) -> dict:
    """Agreement over the units at least two coders labelled."""
    paired = matrix.loc[:, matrix.notna().sum(axis=0) >= 2]
    row = {"theme": theme, "items": int(paired.shape[1]), "coders": int(matrix.shape[0]),
           "observed": None, "kappa": None, "alpha": None, "disagreements": 0}  # fmt: skip
    if paired.shape[1] == 0 or matrix.shape[0] < 2:
        return row
    unanimous = paired.apply(lambda col: col.dropna().nunique() == 1)
    row["observed"] = float(unanimous.mean())
    row["disagreements"] = int((~unanimous).sum())
    if len(np.unique(paired.to_numpy()[~np.isnan(paired.to_numpy())])) > 1:
        row["kappa"] = _tidy(_kappa(paired))
        row["alpha"] = _tidy(_alpha(paired))
    return row


def agreement_table(labels: pd.DataFrame, themes: list[str]) -> pd.DataFrame:
    """One row per theme, then every theme pooled: items labelled by two coders or more, the
    coders, the share of items all coders agree on, kappa, alpha, and disagreements."""
    matrix = label_matrix(labels)
    rows = []
    for theme in themes:
        cols = [c for c in matrix.columns if c[1] == theme] if not matrix.empty else []
        rows.append(_row(theme, matrix[cols] if cols else pd.DataFrame(index=matrix.index)))
    rows.append(_row(ALL_THEMES, matrix if not matrix.empty else pd.DataFrame()))
    # float columns (NaN when undefined): a None among floats made an object column, which a
    # table shows as the word "None"
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS).astype(
        {"observed": float, "kappa": float, "alpha": float})


def disagreements(labels: pd.DataFrame) -> pd.DataFrame:
    """Every (item, theme) that two coders or more labelled differently: ``item_id, position,
    statement_id, passage_seq, source, theme`` then, per coder, ``<coder>`` (1/0) and
    ``<coder> evidence``."""
    if labels.empty:
        return pd.DataFrame()
    keys = ["item_id", "position", "statement_id", "passage_seq", "source", "theme"]
    coders = sorted(labels["coder"].unique())
    rows = []
    for _, group in labels.groupby(["item_id", "theme"], sort=False):
        if len(group) < 2 or group["present"].nunique() < 2:
            continue
        first = group.iloc[0]
        row = {k: first[k] for k in keys}
        said = dict(zip(group["coder"], zip(group["present"], group["evidence"])))
        for c in coders:
            row[c] = said[c][0] if c in said else None
            row[f"{c} evidence"] = said[c][1] if c in said else None
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=keys)
    out = pd.DataFrame(rows)
    return out.sort_values(["position", "theme"]).reset_index(drop=True)


def agreed(labels: pd.DataFrame) -> list[tuple[int, str, bool, str]]:
    """``(item_id, theme, present, evidence)`` of every pair two coders or more labelled
    alike: the gold where nobody disagrees (evidence: the first coder's quote)."""
    out = []
    for (item_id, theme), group in labels.groupby(["item_id", "theme"]):
        if len(group) >= 2 and group["present"].nunique() == 1:
            quotes = [q for q in group.sort_values("coder")["evidence"] if q]
            present = bool(group["present"].iloc[0])
            out.append((int(item_id), str(theme), present, quotes[0] if present and quotes else ""))
    return out


def open_disagreements(labels: pd.DataFrame, gold: pd.DataFrame) -> int:
    """Disagreements (:func:`disagreements`) with no gold decision yet: left out of the gold,
    so out of every figure scored against it."""
    differing = disagreements(labels)
    if differing.empty:
        return 0
    decided = set(zip(gold["item_id"].astype(int), gold["theme"])) if len(gold) else set()
    return sum((int(i), t) not in decided for i, t in zip(differing["item_id"], differing["theme"]))
