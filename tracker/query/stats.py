"""Intervals for shares: Wilson's score interval for one proportion, Newcombe's for the
difference of two."""

from __future__ import annotations

import pandas as pd

#: z for a 95% interval.
Z95 = 1.959963984540054


def wilson(k, n, z: float = Z95):
    """Wilson score interval for k successes of n (arrays or scalars); NaN where n is 0."""
    k = pd.Series(k, dtype="float64") if not isinstance(k, pd.Series) else k.astype("float64")
    n = pd.Series(n, dtype="float64") if not isinstance(n, pd.Series) else n.astype("float64")
    safe_n = n.where(n > 0)
    p = k / safe_n
    denom = 1 + z * z / safe_n
    centre = (p + z * z / (2 * safe_n)) / denom
    half = z * ((p * (1 - p) / safe_n + z * z / (4 * safe_n * safe_n)) ** 0.5) / denom
    low = (centre - half).clip(lower=0).where(k > 0, 0.0).where(n > 0)
    high = (centre + half).clip(upper=1).where(k < n, 1.0).where(n > 0)
    return low, high


def newcombe(k1, n1, k2, n2, z: float = Z95):
    """Newcombe's hybrid score interval (method 10) for the difference ``k1/n1 - k2/n2`` of two
    independent proportions, built from each side's Wilson interval; NaN where a side has no
    statements."""
    k1, n1, k2, n2 = (pd.Series(x, dtype="float64").reset_index(drop=True) for x in (k1, n1, k2, n2))
    p1, p2 = k1 / n1.where(n1 > 0), k2 / n2.where(n2 > 0)
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p1 - p2
    low = d - ((p1 - l1) ** 2 + (u2 - p2) ** 2) ** 0.5
    high = d + ((u1 - p1) ** 2 + (p2 - l2) ** 2) ** 0.5
    return low.clip(lower=-1.0), high.clip(upper=1.0)
