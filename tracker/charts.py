"""DataFrame -> plotly Figure. Pure functions: no database, no streamlit.

Every figure has a title, axis labels that say what is counted, and a caption (the filters and the
codebook version) under the plot, so an exported image stands on its own. A theme has one colour
everywhere (:func:`theme_color`). Points carry ``customdata`` ``[theme, year, country]`` so a
selected point, bar or cell leads to the passages behind it.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

#: One fixed colour per default theme (colour-blind-safe where the palette allows).
THEME_COLORS: dict[str, str] = {
    "militarization": "#d62728",
    "digital_divide": "#1f77b4",
    "un_main_channel": "#2ca02c",
    "ai_governance": "#9467bd",
    "cyber_threats": "#ff7f0e",
    "disinformation": "#8c564b",
    "capacity_building": "#17becf",
    "non_interference": "#e377c2",
    "unilateral_sanctions": "#7f7f7f",
    "bloc_confrontation": "#bcbd22",
    "security_council_reform": "#393b79",
    "global_digital_compact": "#637939",
}
_EXTRA_COLORS = ["#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363"]
#: Colours of the two sides of a comparison and of their difference.
SIDE_COLORS = ("#1b6ca8", "#c0392b")
DIFF_COLOR = "#555555"
FONT = {"family": "Arial, Helvetica, sans-serif", "size": 13, "color": "#222222"}

MEASURE_AXIS = {
    "share": "Share of statements mentioning the theme",
    "rate": "Matches per 1,000 words",
}
MEASURE_SHORT = {"share": "share of statements", "rate": "matches per 1,000 words"}


def theme_color(theme: str) -> str:
    """The theme's colour; themes outside the default twelve get a stable colour by name."""
    if theme in THEME_COLORS:
        return THEME_COLORS[theme]
    digest = int(hashlib.sha1(theme.encode()).hexdigest(), 16)
    return _EXTRA_COLORS[digest % len(_EXTRA_COLORS)]


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def esc(text) -> str:
    """A data value as plain text in a plotly label, title or hover: plotly.js reads ``<a href>``,
    ``<b>``, ``<img>``-like tags in text, and turns ``&lt;`` back into ``<`` only as text."""
    return html.escape("" if text is None else str(text), quote=False)


def _tmpl(text) -> str:
    """A data value inlined into a ``hovertemplate``: escaped, and ``%`` kept from starting a
    template variable."""
    return esc(text).replace("%", "&#37;")


def _count(value) -> int:
    """A count that may be missing (a side with no statements): 0 then."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    return 0 if math.isnan(number) else int(number)


def caption_text(filters_text: str, codebook_version: str = "", extra: str = "") -> str:
    """The caption line: what was selected and with which codebook."""
    parts = [f"Filters: {filters_text or 'all statements'}"]
    if codebook_version:
        parts.append(f"codebook {codebook_version}")
    if extra:
        parts.append(extra)
    return " · ".join(parts)


def _layout(fig: go.Figure, *, title: str, caption: str, x_title: str, y_title: str,
            height: int = 560, legend: bool = True, bottom: int = 120) -> go.Figure:  # fmt: skip
    """Title, fonts, axis titles, and the caption pinned to the bottom edge (``bottom`` px of
    margin hold the x axis and the caption)."""
    lines = _wrap(esc(caption), 150) if caption else ""
    bottom += 14 * lines.count("<br>")
    fig.update_layout(
        title={"text": esc(title), "x": 0.01, "xanchor": "left"},
        font=FONT,
        template="plotly_white",
        height=height,
        margin={"l": 80, "r": 30, "t": 70, "b": bottom},
        showlegend=legend,
        legend={"title": None, "font": {"size": 11}},
        hoverlabel={"font_size": 12},
    )
    fig.update_xaxes(title_text=esc(x_title))
    fig.update_yaxes(title_text=esc(y_title))
    if caption:
        fig.add_annotation(
            text=lines, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom",
            yshift=-(bottom - 6), showarrow=False, align="left",
            font={"size": 10, "color": "#555555"},
        )  # fmt: skip
    fig.layout.meta = {"caption": caption}
    return fig


def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(lines)


def empty_figure(message: str, *, title: str = "", caption: str = "") -> go.Figure:
    """A figure that says why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 15, "color": "#555555"})  # fmt: skip
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title=title, caption=caption, x_title="", y_title="", legend=False)


def _value_axis(fig: go.Figure, measure: str, axis: str = "y") -> None:
    if measure == "share":
        getattr(fig, f"update_{axis}axes")(tickformat=".0%", rangemode="tozero")
    else:
        getattr(fig, f"update_{axis}axes")(rangemode="tozero")


def _year_axis(fig: go.Figure, years) -> None:
    """Whole years on the x axis, each year once (plotly's automatic ticks can fall on half
    years, which ``tickformat="d"`` then prints twice)."""
    values = [int(y) for y in pd.Series(years).dropna()]
    span = (max(values) - min(values)) if values else 0
    fig.update_xaxes(tickformat="d", tick0=min(values) if values else 0,
                     dtick=max(1, -(-span // 10)))  # fmt: skip


def trend_figure(
    df: pd.DataFrame,
    *,
    measure: str = "share",
    by: str = "theme",
    caption: str = "",
    ci: bool = True,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Lines of each theme's prevalence over time (``by="theme"``), or of each country for one
    theme (``by="country"``, rows from ``trends(..., by_country=True)``). Shares get Wilson 95%
    bands; hover shows the statements behind each point."""
    measure_label = MEASURE_SHORT[measure]
    title = title or f"Prevalence of themes over time ({measure_label})"
    if df is None or df.empty:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    fig = go.Figure()
    groups = df.groupby("theme" if by == "theme" else "country", sort=False)
    order = sorted(groups.groups, key=str)
    for i, key in enumerate(order):
        g = groups.get_group(key).sort_values("year")
        theme = g["theme"].iloc[0]
        if by == "theme":
            name = (labels or {}).get(theme) or g["theme_label"].iloc[0]
            color = theme_color(theme)
        else:
            name = str(key)
            color = _EXTRA_COLORS[i % len(_EXTRA_COLORS)] if len(order) > 1 else theme_color(theme)
        country = g["country"] if "country" in g else pd.Series([""] * len(g), index=g.index)
        if ci and measure == "share" and len(g) > 1:
            fig.add_trace(
                go.Scatter(
                    x=list(g["year"]) + list(g["year"][::-1]),
                    y=list(g["ci_high"]) + list(g["ci_low"][::-1]),
                    mode="lines",  # no markers: a click at a band's corner would select nothing
                    fill="toself",
                    fillcolor=_rgba(color, 0.12),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=name,
                    name=esc(f"{name} (95% CI)"),
                )
            )
        fig.add_trace(
            go.Scatter(
                x=g["year"],
                y=g["value"],
                mode="lines+markers",
                name=esc(name),
                legendgroup=name,
                line={"color": color, "width": 2},
                marker={"size": 6, "color": color},
                customdata=list(zip(g["theme"], g["year"], country)),
                text=[
                    f"{k:,} of {n:,} statements"
                    + (f" · 95% CI {lo:.0%}–{hi:.0%}" if measure == "share" and n else "")
                    + f"<br>{m:,} matches in {w:,} words"
                    for k, n, lo, hi, m, w in zip(
                        g["k"], g["n"], g["ci_low"], g["ci_high"], g["matches"], g["words"]
                    )
                ],
                hovertemplate=f"<b>{_tmpl(name)}</b><br>%{{x}}: "
                f"%{{y:{'.1%' if measure == 'share' else '.2f'}}}"
                "<br>%{text}<extra></extra>",
            )
        )
    _value_axis(fig, measure)
    _year_axis(fig, df["year"])
    return _layout(fig, title=title, caption=caption, x_title="Year",
                   y_title=MEASURE_AXIS[measure], height=600)  # fmt: skip


def heatmap_figure(
    matrix: pd.DataFrame,
    *,
    measure: str = "share",
    caption: str = "",
    title: str | None = None,
    max_countries: int = 60,
    sort: str = "statements",
) -> go.Figure:
    """Country x theme heatmap of the measure; hover shows the statements behind each cell.
    At most ``max_countries`` (those with the most statements) are drawn, the most statements
    at the top (``sort="statements"``) or the highest mean value at the top (``"value"``)."""
    title = title or f"Themes by country ({MEASURE_SHORT[measure]})"
    if matrix is None or matrix.empty:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    keep = (
        matrix.groupby("country")["n"].max().sort_values(ascending=False).head(max_countries).index
    )
    m = matrix[matrix["country"].isin(keep)]
    if sort == "value":  # highest mean value at the top (plotly draws rows bottom-up)
        order = m.groupby("country")["value"].mean().sort_values().index.tolist()
    else:  # most statements at the top, then by name
        per = m.groupby("country").agg(n=("n", "max"), name=("country_name", "first"))
        order = per.sort_values(["n", "name"], ascending=[True, False]).index.tolist()
    themes = list(dict.fromkeys(m.sort_values("theme")["theme"]))
    labels = dict(zip(m["theme"], m["theme_label"]))
    names = dict(zip(m["country"], m["country_name"]))
    cell = m.set_index(["country", "theme"])
    z, text, custom = [], [], []
    for c in order:
        zr, tr, cr = [], [], []
        for t in themes:
            r = cell.loc[(c, t)]
            zr.append(None if pd.isna(r["value"]) else float(r["value"]))
            tr.append(
                f"{int(r['k']):,} of {int(r['n']):,} statements; {int(r['matches']):,} matches"
            )
            cr.append([t, None, c])
        z.append(zr)
        text.append(tr)
        custom.append(cr)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[esc(labels[t]) for t in themes],
            y=[
                esc(f"{names.get(c) or c} ({c})" if names.get(c) and names.get(c) != c else c)
                for c in order
            ],
            text=text,
            customdata=custom,
            colorscale="Blues",
            zmin=0,
            colorbar={
                "title": {"text": MEASURE_SHORT[measure]},
                "tickformat": ".0%" if measure == "share" else None,
            },
            hoverinfo="skip",
            xgap=1,
            ygap=1,
        )
    )
    # heatmap cells cannot be selected in plotly: a transparent point on each cell carries the
    # hover text and makes a click select the cell (and so open its evidence)
    fmt = ".1%" if measure == "share" else ".2f"
    ylabels = list(fig.data[0].y)
    xlabels = list(fig.data[0].x)
    fig.add_trace(
        go.Scatter(
            x=[xlabels[j] for i in range(len(order)) for j in range(len(themes))],
            y=[ylabels[i] for i in range(len(order)) for j in range(len(themes))],
            mode="markers",
            marker={"symbol": "square", "size": 16, "color": "rgba(0,0,0,0)"},
            customdata=[
                [*custom[i][j], z[i][j]] for i in range(len(order)) for j in range(len(themes))
            ],
            text=[text[i][j] for i in range(len(order)) for j in range(len(themes))],
            hovertemplate="%{y}<br>%{x}<br>%{customdata[3]:" + fmt + "}<br>%{text}<extra></extra>",
            showlegend=False,
            name="cells",
        )
    )
    height = max(460, 20 * len(order) + 330)
    fig = _layout(fig, title=title, caption=caption, x_title="Theme",
                  y_title="Country", height=height, legend=False, bottom=250)  # fmt: skip
    fig.update_xaxes(tickangle=-35)
    return fig


def ranking_figure(
    rank: pd.DataFrame,
    *,
    theme: str,
    theme_label: str = "",
    measure: str = "share",
    caption: str = "",
    top: int = 25,
) -> go.Figure:
    """Horizontal bars: the countries with the highest measure for one theme, with the counts."""
    label = theme_label or theme
    title = f"Countries ranked by {MEASURE_SHORT[measure]}: {label}"
    if rank is None or rank.empty:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    r = rank.head(top).iloc[::-1]
    names = [esc(f"{n} ({c})" if n and n != c else c)
             for c, n in zip(r["country"], r["country_name"])]  # fmt: skip
    err = None
    if measure == "share":
        err = {"type": "data", "symmetric": False, "array": (r["ci_high"] - r["value"]).tolist(),
                   "arrayminus": (r["value"] - r["ci_low"]).tolist(), "color": "#999999", "thickness": 1}  # fmt: skip
    fig = go.Figure(
        go.Bar(
            x=r["value"],
            y=names,
            orientation="h",
            marker_color=theme_color(theme),
            error_x=err,
            customdata=[[theme, None, c] for c in r["country"]],
            text=[f"{k:,} of {n:,} statements" for k, n in zip(r["k"], r["n"])],
            hovertemplate="%{y}: %{x:"
            + (".1%" if measure == "share" else ".2f")
            + "}<br>%{text}<extra></extra>",
            name=esc(label),
        )
    )
    _value_axis(fig, measure, "x")
    return _layout(fig, title=title, caption=caption, x_title=MEASURE_AXIS[measure],
                   y_title="Country", height=max(420, 22 * len(r) + 220), legend=False)  # fmt: skip


def compare_trend_figure(
    df: pd.DataFrame,
    *,
    sides: Sequence[str],
    measure: str = "share",
    caption: str = "",
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Both sides over time: one colour per theme, solid for the first side, dashed for the
    second (rows from ``compare()["trends"]``)."""
    title = f"{sides[0]} vs {sides[1]} over time ({MEASURE_SHORT[measure]})"
    if df is None or df.empty:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    fig = go.Figure()
    for (theme, side), g in df.groupby(["theme", "side"], sort=True):
        g = g.sort_values("year")
        dash = "solid" if side == sides[0] else "dash"
        label = (labels or {}).get(theme) or g["theme_label"].iloc[0]
        fig.add_trace(
            go.Scatter(
                x=g["year"],
                y=g["value"],
                mode="lines+markers",
                name=esc(f"{side}: {label}"),
                legendgroup=theme,
                line={"color": theme_color(theme), "dash": dash, "width": 2},
                marker={"symbol": "circle" if dash == "solid" else "diamond-open", "size": 7},
                customdata=[[theme, y, side] for y in g["year"]],
                text=[f"{k:,} of {n:,} statements" for k, n in zip(g["k"], g["n"])],
                hovertemplate=f"<b>{_tmpl(side)}</b> · {_tmpl(label)}<br>%{{x}}: %{{y:"
                + (".1%" if measure == "share" else ".2f")
                + "}<br>%{text}<extra></extra>",
            )
        )
    _value_axis(fig, measure)
    _year_axis(fig, df["year"])
    return _layout(fig, title=title, caption=caption, x_title="Year",
                   y_title=MEASURE_AXIS[measure], height=600)  # fmt: skip


def compare_bar_figure(
    themes: pd.DataFrame, *, sides: Sequence[str], measure: str = "share", caption: str = ""
) -> go.Figure:
    """Per theme, both sides' measure over the whole period side by side, and the difference."""
    title = f"{sides[0]} vs {sides[1]} per theme ({MEASURE_SHORT[measure]})"
    if themes is None or themes.empty or themes[["n_a", "n_b"]].fillna(0).to_numpy().sum() == 0:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    t = themes.sort_values("theme_label")
    fmt = ".1%" if measure == "share" else ".2f"
    fig = go.Figure()
    for suffix, side, color in (("a", sides[0], SIDE_COLORS[0]), ("b", sides[1], SIDE_COLORS[1])):
        fig.add_trace(
            go.Bar(
                x=[esc(x) for x in t["theme_label"]],
                y=t[f"value_{suffix}"],
                name=esc(side),
                marker_color=color,
                customdata=[[th, None, side] for th in t["theme"]],
                text=[
                    f"{_count(k):,} of {_count(n):,} statements"
                    if _count(n)
                    else "no statements under these filters"
                    for k, n in zip(t[f"k_{suffix}"], t[f"n_{suffix}"])
                ],
                textposition="none",
                hovertemplate=f"<b>{_tmpl(side)}</b> · %{{x}}: %{{y:{fmt}}}<br>%{{text}}"
                "<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[esc(x) for x in t["theme_label"]],
            y=t["diff"],
            mode="markers",
            name=esc(f"difference ({sides[0]} − {sides[1]})"),
            marker={
                "symbol": "line-ew-open",
                "size": 18,
                "color": DIFF_COLOR,
                "line": {"width": 3},
            },
            hovertemplate=f"difference: %{{y:{fmt}}}<extra></extra>",
        )
    )
    fig.update_layout(barmode="group")
    _value_axis(fig, measure)
    fig.update_yaxes(rangemode="normal")
    fig.update_xaxes(tickangle=-30)
    return _layout(fig, title=title, caption=caption, x_title="Theme",
                   y_title=MEASURE_AXIS[measure], height=620, bottom=250)  # fmt: skip


def diff_trend_figure(
    yearly: pd.DataFrame,
    *,
    sides: Sequence[str],
    measure: str = "share",
    caption: str = "",
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """The difference ``A - B`` of the measure per year and theme (``compare()["yearly_diff"]``);
    above zero, side A raises the theme more."""
    title = f"Difference {sides[0]} − {sides[1]} over time ({MEASURE_SHORT[measure]})"
    if yearly is None or yearly.empty:
        return empty_figure("The two sides share no year under these filters.", title=title,
                            caption=caption)  # fmt: skip
    fig = go.Figure()
    fmt = ".1%" if measure == "share" else ".2f"
    for theme, g in yearly.groupby("theme", sort=True):
        g = g.sort_values("year")
        label = (labels or {}).get(theme, theme)
        fig.add_trace(
            go.Scatter(
                x=g["year"],
                y=g["diff"],
                mode="lines+markers",
                name=esc(label),
                line={"color": theme_color(theme), "width": 2},
                customdata=[[theme, y, ""] for y in g["year"]],
                hovertemplate=f"<b>{_tmpl(label)}</b><br>%{{x}}: %{{y:+{fmt[1:]}}}<extra></extra>",
            )
        )
    fig.add_hline(y=0, line_color="#999999", line_width=1)
    if measure == "share":
        fig.update_yaxes(tickformat="+.0%")
    _year_axis(fig, yearly["year"])
    return _layout(fig, title=title, caption=caption, x_title="Year",
                   y_title=f"{MEASURE_AXIS[measure]}: {sides[0]} minus {sides[1]}", height=560)  # fmt: skip


def kinds_figure(df: pd.DataFrame, *, caption: str = "") -> go.Figure:
    """Matches per theme by kind (exact, fuzzy, proximity): how the codebook found them."""
    title = "Matches per theme by match kind"
    if df is None or df.empty:
        return empty_figure("No matches for these filters.", title=title, caption=caption)
    fig = go.Figure()
    for kind, pattern in (("exact", ""), ("fuzzy", "/"), ("proximity", ".")):
        if kind in df:
            fig.add_trace(go.Bar(x=[esc(x) for x in df["theme_label"]], y=df[kind], name=kind,
                                 marker_color=[theme_color(t) for t in df["theme"]],
                                 marker_pattern_shape=pattern))  # fmt: skip
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickangle=-30)
    return _layout(
        fig,
        title=title,
        caption=caption,
        x_title="Theme",
        y_title="Matches",
        height=560,
        bottom=230,
    )
