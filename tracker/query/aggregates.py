"""Counts behind the charts: per year, country and theme (statements ``n``, statements with the
theme ``k``, its share with a Wilson interval, matches, words, rate), rankings, two sides
compared, years pooled, and matches per kind."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from tracker.query.codebooks import theme_labels
from tracker.query.connection import connect, frame, has_stance
from tracker.query.filters import KINDS, Filters, credited_countries, selectable_countries, selection
from tracker.query.overview import country_names
from tracker.query.stats import newcombe, wilson

def _kind_expr(filters: Filters, alias: str = "t") -> str:
    """The matches of the chosen kinds, from the per-theme sums of ``statement_themes``."""
    kinds = filters.kinds or KINDS
    if set(kinds) == set(KINDS):
        return f"{alias}.matches"
    return "(" + " + ".join(f"{alias}.{k}" for k in kinds) + ")"


def _theme_list(conn: sqlite3.Connection, filters: Filters) -> list[str]:
    """The chosen themes, or every theme with a match."""
    if filters.themes:
        return list(filters.themes)
    return [r[0] for r in conn.execute("SELECT DISTINCT theme FROM statement_themes ORDER BY 1")]


def _finish(df: pd.DataFrame, filters: Filters, labels: dict[str, str]) -> pd.DataFrame:
    """Add share, its interval, rate, the chosen measure and labels to counted rows."""
    df["k"] = df["k"].fillna(0).astype(int)
    df["matches"] = df["matches"].fillna(0).astype(int)
    df["n"] = df["n"].astype(int)
    df["words"] = df["words"].fillna(0).astype(int)
    df["share"] = (df["k"] / df["n"].where(df["n"] > 0)).astype("float64")
    low, high = wilson(df["k"], df["n"])
    df["ci_low"] = low.to_numpy()
    df["ci_high"] = high.to_numpy()
    df["rate"] = (df["matches"] * 1000 / df["words"].where(df["words"] > 0)).astype("float64")
    df["value"] = df[filters.measure]
    if "theme" in df:
        df["theme_label"] = df["theme"].map(lambda t: labels.get(t, t))
    return df


def _counts(db, filters: Filters, dims: Sequence[str]) -> pd.DataFrame:
    """Counted rows per ``dims`` (a subset of year, country) x theme: n, words, k, matches."""
    where, params = selection(db, filters)
    # per country, a group statement counted for members counts for each selected member
    credit = credited_countries(filters) if "country" in dims else None
    source = "statements s"
    if credit:
        source = f"statements s JOIN ({credit[0]}) p ON p.statement_id = s.id"
        params = [*credit[1], *params]
    dim_sql = ", ".join("p.country" if credit and d == "country" else f"s.{d}" for d in dims)
    group = f"GROUP BY {dim_sql}" if dims else ""
    # n_own: the statements a country delivered itself, beside those credited to it as a member
    own = ", SUM(p.country = s.country) AS n_own" if credit else ", COUNT(*) AS n_own"
    with connect(db) as conn:
        themes = _theme_list(conn, filters)
        base = frame(
            conn,
            f"SELECT {dim_sql + ', ' if dims else ''}COUNT(*) AS n, SUM(s.words) AS words"
            f"{own if 'country' in dims else ''} FROM {source} WHERE {where} {group}",
            params,
        )
        if not themes:
            counted = pd.DataFrame(columns=[*dims, "theme", "k", "matches"])
        else:
            kexpr = _kind_expr(filters)
            tmarks = ",".join("?" * len(themes))
            counted = frame(
                conn,
                f"SELECT {dim_sql + ', ' if dims else ''}t.theme AS theme, COUNT(*) AS k, "
                f"SUM({kexpr}) AS matches FROM {source} "
                f"JOIN statement_themes t ON t.statement_id = s.id "
                f"WHERE {where} AND t.theme IN ({tmarks}) AND {kexpr} > 0 "
                f"GROUP BY {dim_sql + ', ' if dims else ''}t.theme",
                [*params, *themes],
            )
    if dims:
        base = base.dropna(subset=[d for d in dims if d == "year"])
    if base.empty or (dims and base["n"].sum() == 0) or (not dims and not base["n"].iloc[0]):
        return pd.DataFrame(columns=[*dims, "theme", "n", "words", "k", "matches"])
    if not themes:  # statements, but no theme matched anywhere yet
        return pd.DataFrame(columns=[*dims, "theme", "n", "words", "k", "matches"])
    grid = base.merge(pd.DataFrame({"theme": themes}), how="cross")
    out = grid.merge(counted, on=[*dims, "theme"], how="left")
    return out


TREND_COLUMNS = [
    "year", "theme", "theme_label", "n", "k", "share", "ci_low", "ci_high", "matches", "words",
    "rate", "value",
]  # fmt: skip


def trends(db: str | Path, filters: Filters, *, by_country: bool = False) -> pd.DataFrame:
    """Per year x theme (x country): statements ``n``, statements with the theme ``k``, ``share``
    with its Wilson interval (``ci_low``, ``ci_high``), ``matches``, ``words``, ``rate`` per 1,000
    words and ``value`` (the filter's measure). Statements without a year are left out."""
    dims = ["year", "country"] if by_country else ["year"]
    df = _counts(db, filters, dims)
    cols = [*(["country"] if by_country else []), *TREND_COLUMNS]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["year"] = df["year"].astype(int)
    df = _finish(df, filters, theme_labels(db))
    return df[cols].sort_values([*dims, "theme"]).reset_index(drop=True)


def country_theme_matrix(db: str | Path, filters: Filters) -> pd.DataFrame:
    """Per country x theme over the whole selected period: n, k, share (+ interval), matches,
    words, rate, value; with ``country_name``, and ``n_own``, the statements the country
    delivered itself (fewer than ``n`` when group statements are counted for members)."""
    df = _counts(db, filters, ["country"])
    cols = ["country", "country_name", *TREND_COLUMNS[1:], "n_own"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df = _finish(df, filters, theme_labels(db))
    df["n_own"] = df["n_own"].fillna(0).astype(int)
    names = country_names(db)
    df["country_name"] = df["country"].map(lambda c: names.get(c) or c)
    return df[cols].sort_values(["country", "theme"]).reset_index(drop=True)


def theme_totals(db: str | Path, filters: Filters) -> pd.DataFrame:
    """One row per theme over the whole selection."""
    df = _counts(db, filters, [])
    if df.empty:
        return pd.DataFrame(columns=TREND_COLUMNS[1:])
    return _finish(df, filters, theme_labels(db))[TREND_COLUMNS[1:]].reset_index(drop=True)


RANK_ORDERS = ("lower", "value")


def ranking(
    db: str | Path, filters: Filters, theme: str, *, min_statements: int = 1,
    top: int | None = None, order: str = "value",
) -> pd.DataFrame:  # fmt: skip
    """Countries ranked for one theme: by the filter's measure (``order="value"``, ties broken by
    statements), or by the lower end of the share's 95% interval (``order="lower"``: a share
    resting on few statements ranks below the same share on many). ``rank`` is the position;
    countries with the same key share a ``place`` (1, 2, 2, 4) and are marked ``tied``."""
    if order not in RANK_ORDERS:
        raise ValueError(f"order={order!r}: use one of {', '.join(RANK_ORDERS)}")
    df = country_theme_matrix(db, replace(filters, themes=(theme,)))
    df = df[df["n"] >= min_statements]
    by_lower = order == "lower" and filters.measure == "share"
    keys = ["ci_low", "value"] if by_lower else ["value"]
    df = df.sort_values([*keys, "k", "n"], ascending=False, na_position="last")
    df = df.reset_index(drop=True)
    key = pd.Series(["|".join(f"{v:.12g}" for v in row) for row in df[keys].itertuples(index=False)],
                    index=df.index, dtype=object)  # fmt: skip
    position = pd.Series(range(1, len(df) + 1), index=df.index, dtype=int)
    df.insert(0, "rank", position)
    df["place"] = position.groupby(key).transform("min").astype(int)
    df["tied"] = key.map(key.value_counts()).astype(int) > 1
    return df.head(top) if top else df


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a country (ISO3), a group name, or a set of countries."""

    label: str
    countries: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: str) -> Side:
        """``"CHN"`` (a country), ``"group:P5"`` (a group) or ``"USA,GBR,FRA"`` (a set)."""
        value = value.strip()
        if value.startswith("group:"):
            return cls(value[6:], groups=(value[6:],))
        codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
        return cls(value, countries=codes)


def shared_countries(a: Side, b: Side) -> list[str]:
    """The countries on both sides (a country and a group holding it; two overlapping groups),
    members at any date. Their statements can count on both sides, so the two shares are not
    independent, which Newcombe's interval of the difference assumes."""
    both = selectable_countries(a.countries, a.groups) & selectable_countries(b.countries, b.groups)
    return sorted(both)


def compare(db: str | Path, filters: Filters, a: Side, b: Side) -> dict[str, pd.DataFrame]:
    """Two sides over time and per theme, with the difference ``a - b`` of the measure.

    Returns ``{"trends": rows per side x year x theme, "themes": rows per theme with
    value_a, value_b, diff (and n/k of each side)}``. The sides replace the filter's countries.
    """
    frames, totals = [], []
    for side in (a, b):
        f = replace(filters, countries=side.countries, groups=side.groups)
        t = trends(db, f)
        t.insert(0, "side", side.label)
        frames.append(t)
        tot = theme_totals(db, f)
        tot.insert(0, "side", side.label)
        totals.append(tot)
    tr = pd.concat(frames, ignore_index=True) if any(len(x) for x in frames) else frames[0]
    ta, tb = totals
    keep = ["theme", "theme_label", "n", "k", "share", "ci_low", "ci_high", "matches", "rate",
            "value"]  # fmt: skip
    merged = ta[keep].merge(
        tb[keep], on=["theme", "theme_label"], how="outer", suffixes=("_a", "_b")
    )
    merged["diff"] = merged["value_a"] - merged["value_b"]
    if filters.measure == "share":  # Newcombe's interval of the difference of the two shares
        low, high = newcombe(merged["k_a"], merged["n_a"], merged["k_b"], merged["n_b"])
        merged["diff_low"], merged["diff_high"] = low.to_numpy(), high.to_numpy()
    else:
        merged["diff_low"] = merged["diff_high"] = float("nan")
    merged.insert(0, "side_b", b.label)
    merged.insert(0, "side_a", a.label)
    # per year difference (only years both sides have)
    yd = yearly_difference(tr, a.label, b.label, measure=filters.measure)
    return {"trends": tr, "themes": merged, "yearly_diff": yd}


def smooth_years(df: pd.DataFrame, *, window: int, measure: str = "share",
                 by: Sequence[str] = ("theme",)) -> pd.DataFrame:  # fmt: skip
    """Rows per year (from :func:`trends` or ``compare()["trends"]``) pooled over a centred
    ``window`` of years within each ``by`` group: a year's ``k``, ``n``, ``matches`` and
    ``words`` become the sums over the years ``year - window // 2 .. year + window // 2`` that
    have statements, and the share, its Wilson interval, the rate and ``value`` are computed from
    the pooled counts. ``span`` names the years pooled. ``window`` 1 returns the rows unchanged."""
    if window <= 1 or df is None or df.empty:
        return df
    half = window // 2
    out = []
    for _, g in df.groupby(list(by), sort=False):
        g = g.sort_values("year").reset_index(drop=True)
        years = g["year"].to_numpy()
        rows = g.copy()
        for col in ("k", "n", "matches", "words"):
            values = g[col].to_numpy()
            rows[col] = [int(values[(years >= y - half) & (years <= y + half)].sum()) for y in years]
        rows["span"] = [
            f"{years[(years >= y - half) & (years <= y + half)].min()}–"
            f"{years[(years >= y - half) & (years <= y + half)].max()}"
            for y in years
        ]
        out.append(rows)
    res = pd.concat(out, ignore_index=True)
    res["share"] = (res["k"] / res["n"].where(res["n"] > 0)).astype("float64")
    low, high = wilson(res["k"], res["n"])
    res["ci_low"], res["ci_high"] = low.to_numpy(), high.to_numpy()
    res["rate"] = (res["matches"] * 1000 / res["words"].where(res["words"] > 0)).astype("float64")
    res["value"] = res[measure]
    return res


def yearly_difference(tr: pd.DataFrame, a: str, b: str, *, measure: str = "share") -> pd.DataFrame:
    """Per year and theme where both sides have statements: each side's ``k``, ``n`` and value,
    the difference ``diff`` (``a - b``) and, for shares, Newcombe's 95% interval of the
    difference (``diff_low``, ``diff_high``)."""
    cols = ["year", "theme", "k_a", "n_a", "value_a", "k_b", "n_b", "value_b", "diff",
            "diff_low", "diff_high"]  # fmt: skip
    if tr is None or tr.empty or a == b:
        return pd.DataFrame(columns=cols)
    keep = ["year", "theme", "k", "n", "value"]
    sa, sb = tr[tr["side"] == a][keep], tr[tr["side"] == b][keep]
    m = sa.merge(sb, on=["year", "theme"], suffixes=("_a", "_b"))
    m = m[(m["n_a"] > 0) & (m["n_b"] > 0)].reset_index(drop=True)
    if m.empty:
        return pd.DataFrame(columns=cols)
    m["diff"] = m["value_a"] - m["value_b"]
    if measure == "share":
        low, high = newcombe(m["k_a"], m["n_a"], m["k_b"], m["n_b"])
        m["diff_low"], m["diff_high"] = low.to_numpy(), high.to_numpy()
    else:
        m["diff_low"] = m["diff_high"] = float("nan")
    return m[cols].sort_values(["year", "theme"]).reset_index(drop=True)

def kind_counts(db: str | Path, filters: Filters) -> pd.DataFrame:
    """Matches per theme of the chosen kinds (``filters.kinds``; every kind when none: exact,
    fuzzy, proximity, semantic), a column per chosen kind, in the selected statements, and
    ``statements``: those with a match of one of those kinds. A theme with none is left out."""
    where, params = selection(db, filters)
    kinds = [k for k in KINDS if not filters.kinds or k in filters.kinds]
    semantic = "t.semantic" if has_stance(db) else "0"  # no semantic counts before 0004
    column = {k: semantic if k == "semantic" else f"t.{k}" for k in kinds}
    chosen = " + ".join(column.values())
    with connect(db) as conn:
        themes = _theme_list(conn, filters)
        if not themes:
            return pd.DataFrame(columns=["theme", "theme_label", *kinds, "statements"])
        marks = ",".join("?" * len(themes))
        sums = ", ".join(f"SUM({column[k]}) AS {k}" for k in kinds)
        df = frame(
            conn,
            f"SELECT t.theme, {sums}, COUNT(*) AS statements FROM statements s "
            f"JOIN statement_themes t ON t.statement_id = s.id WHERE {where} "
            f"AND t.theme IN ({marks}) AND ({chosen}) > 0 GROUP BY t.theme ORDER BY t.theme",
            [*params, *themes],
        )
    labels = theme_labels(db)
    df.insert(1, "theme_label", df["theme"].map(lambda t: labels.get(t, t)))
    return df
