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
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

#: One fixed colour per default theme (colour-blind-safe where the palette allows). None is a
#: grey, here or in ``_EXTRA_COLORS``: a map runs from near-white to the theme's colour, and a
#: grey theme's high values looked like countries on too few statements (:data:`LOW_COLOR`).
THEME_COLORS: dict[str, str] = {
    "militarization": "#d62728",
    "digital_divide": "#1f77b4",
    "un_main_channel": "#2ca02c",
    "ai_governance": "#9467bd",
    "cyber_threats": "#ff7f0e",
    "disinformation": "#8c564b",
    "capacity_building": "#17becf",
    "non_interference": "#e377c2",
    "unilateral_sanctions": "#6a00e0",
    "bloc_confrontation": "#bcbd22",
    "security_council_reform": "#393b79",
    "global_digital_compact": "#637939",
}
_EXTRA_COLORS = ["#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#d000a0"]
#: One colour per match kind (colour-blind-safe: Okabe-Ito's black, orange and bluish green,
#: Paul Tol's wine), the same in the bars and the legend, and none near a theme's (Okabe-Ito's
#: blue and reddish purple, used before for exact and semantic, were digital_divide's blue and
#: near non_interference's pink).
KIND_COLORS: dict[str, str] = {"exact": "#000000", "fuzzy": "#e69f00", "proximity": "#009e73",
                               "semantic": "#882255"}  # fmt: skip
#: Colours of the two sides of a comparison and of their difference: black and Okabe-Ito
#: orange, told apart from every theme's colour (the blue and red before were digital_divide's
#: and militarization's, near enough to be read as those themes).
SIDE_COLORS = ("#000000", "#e69f00")
DIFF_COLOR = "#555555"
FONT = {"family": "Arial, Helvetica, sans-serif", "size": 13, "color": "#222222"}

#: The fewest statements a drawn value may rest on before it is greyed and labelled.
MIN_N = 5
#: How a value resting on fewer than the minimum number of statements is drawn.
LOW_COLOR = "#a6a6a6"
LOW_PATTERN = "/"

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


def plural(n: int, one: str, many: str) -> str:
    """``1 match``, ``2 matches``, ``1,200 matches``."""
    return f"{n:,} {one if n == 1 else many}"


_plural = plural


def _of(k, n) -> str:
    """``3 of 12 statements``; ``0 of 1 statement`` (not "0 of 1 statements")."""
    k, n = _count(k), _count(n)
    return f"{k:,} of {_plural(n, 'statement', 'statements')}"


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


#: Where an ``n=..`` label goes when another already stands at the same point, in turn.
LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right",
                   "bottom left", "top left", "bottom right")  # fmt: skip


def _is_n_label(trace) -> bool:
    return (getattr(trace, "mode", None) == "text" and trace.text is not None
            and len(trace.text) > 0 and all(str(t).startswith("n=") for t in trace.text))  # fmt: skip


def _spread_n_labels(fig: go.Figure) -> None:
    """``n=..`` labels of different series at the same point were drawn on top of each other
    ("n=3" and "n=1" read "n=31"): one that says what a label there says already is left out
    (themes of one year rest on the same statements), and each other one takes the next of
    :data:`LABEL_POSITIONS`. Points count as the same within 4% of the figure's value range."""
    labels = [tr for tr in fig.data if _is_n_label(tr) and getattr(tr, "y", None) is not None]
    if len(labels) < 2:
        return
    ys = [abs(v) for v in _plotted(fig, "y") if math.isfinite(v)]
    step = (max(ys, default=0) or 1) * 0.04
    said: dict[tuple, list[str]] = {}
    for trace in labels:
        texts, places = [], []
        for x, y, text in zip(trace.x, trace.y, trace.text):
            finite = isinstance(y, (int, float)) and math.isfinite(y)
            spot = (trace.xaxis, trace.yaxis, x, round(y / step) if finite else None)
            there = said.setdefault(spot, [])
            texts.append("" if text in there else text)
            places.append(LABEL_POSITIONS[(there.index(text) if text in there else len(there))
                                          % len(LABEL_POSITIONS)])  # fmt: skip
            if text not in there:
                there.append(text)
        trace.text, trace.textposition = texts, places


def _layout(fig: go.Figure, *, title: str, caption: str, x_title: str, y_title: str,
            height: int = 560, legend: bool = True, bottom: int = 120) -> go.Figure:  # fmt: skip
    """Title, fonts, axis titles, and the caption pinned to the bottom edge (``bottom`` px of
    margin hold the x axis and the caption). Where the figure draws 95% bands or error bars, the
    caption says what they are (:func:`interval_note`)."""
    _spread_n_labels(fig)
    caption = _with_note(caption, note) if (note := interval_note(fig, caption)) else caption
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
            yshift=-(bottom - 6), showarrow=False, align="left", name="caption",
            font={"size": 10, "color": "#555555"},
        )  # fmt: skip
    fig.layout.meta = {"caption": caption}
    return fig


def on_screen(fig: go.Figure) -> tuple[go.Figure, str]:
    """The figure as a page draws it, and its caption: a copy without the caption annotation
    and the room under the plot that held it (the same plot area), for the page to print the
    caption as text that wraps to any window. The caption is wrapped for a 1,000 px export; in
    a narrower browser window it ran past the chart's edge, hiding the codebook version."""
    meta = fig.layout.meta
    caption = meta.get("caption", "") if isinstance(meta, dict) else ""
    notes = [a for a in fig.layout.annotations if a.name == "caption"]
    if not notes:
        return fig, caption
    shown = go.Figure(fig)
    room = 14 * (1 + notes[0].text.count("<br>")) + 6
    shown.layout.annotations = [a for a in fig.layout.annotations if a.name != "caption"]
    shown.update_layout(margin={"b": fig.layout.margin.b - room}, height=fig.layout.height - room)
    return shown, caption


#: The interval legends a caption carries where a figure draws intervals.
BANDS_NOTE = "Bands: 95% Wilson intervals"
ERROR_BARS_NOTE = "Error bars: 95% Wilson intervals"


def interval_note(fig: go.Figure, caption: str = "") -> str:
    """What the figure's intervals are ("Bands: 95% Wilson intervals"), unless ``caption``
    already says it; "" where no interval is drawn."""
    notes = []
    bands = any(str(getattr(t, "name", "") or "").endswith("(95% CI)") for t in fig.data)
    if bands and "Bands:" not in caption:
        notes.append(BANDS_NOTE)
    bars = any(_has_error_bars(t) for t in fig.data)
    if bars and "Error bars:" not in caption:
        notes.append(ERROR_BARS_NOTE)
    return " · ".join(notes)


def _has_error_bars(trace) -> bool:
    for axis in ("error_x", "error_y"):
        err = getattr(trace, axis, None)
        if err is not None and err.visible is not False and (
            err.array is not None or err.arrayminus is not None
        ):
            return True
    return False


def _wrap(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters joined by ``<br>``; a word longer than
    a line (a URL) is cut into pieces that fit."""
    lines, line = [], ""
    words = [w[i : i + width] for w in text.split(" ") for i in range(0, max(len(w), 1), width)]
    for word in words:
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


#: The top of a colour scale when no value is above 0: a share's whole range (100%), or one
#: match per 1,000 words.
EMPTY_SCALE_TOP = 1.0


def scale_top(values) -> float:
    """The top of a colour scale that starts at 0: the largest of ``values``, or
    :data:`EMPTY_SCALE_TOP` when none is above 0 (every value 0, or none to be drawn in colour).
    plotly honours ``zmin=0`` only beside a ``zmax`` above it; without one it scales from the
    data, and values all 0 were drawn mid-scale on a colour bar of -50%...+50%."""
    finite = [float(v) for v in pd.Series(values, dtype="float64").dropna()]
    top = max(finite, default=0.0)
    return top if top > 0 else EMPTY_SCALE_TOP


def share_tickformat(values) -> str:
    """A percent format with enough decimals for ticks over ``values`` to read apart: shares
    under 10% with whole percents would label a colour bar 4%, 3%, 3%, 2%, 2%, ..."""
    finite = [abs(float(v)) for v in pd.Series(values, dtype="float64").dropna()]
    top = max(finite, default=1.0)
    return ".0%" if top >= 0.1 else ".1%" if top >= 0.01 else ".2%"


def _plotted(fig: go.Figure, axis: str) -> list:
    """Every value the figure's traces put on ``axis`` ("x" or "y"), error bars' ends included."""
    values: list = []
    for trace in fig.data:
        data = getattr(trace, axis, None)
        if data is None or isinstance(data, str):
            continue
        values.extend(v for v in data if isinstance(v, (int, float)))
        bars = getattr(trace, f"error_{axis}", None)
        plus = getattr(bars, "array", None) if bars is not None else None
        if plus is not None:
            values.extend(v + e for v, e in zip(data, plus) if isinstance(v, (int, float))
                          and isinstance(e, (int, float)))  # fmt: skip
    return values


def _value_axis(fig: go.Figure, measure: str, axis: str = "y") -> None:
    if measure == "share":
        getattr(fig, f"update_{axis}axes")(tickformat=share_tickformat(_plotted(fig, axis)),
                                           rangemode="tozero")  # fmt: skip
    else:
        getattr(fig, f"update_{axis}axes")(rangemode="tozero")


def _year_axis(fig: go.Figure, years) -> None:
    """Whole years on the x axis, each year once (plotly's automatic ticks can fall on half
    years, which ``tickformat="d"`` then prints twice)."""
    values = [int(y) for y in pd.Series(years).dropna()]
    span = (max(values) - min(values)) if values else 0
    fig.update_xaxes(tickformat="d", tick0=min(values) if values else 0,
                     dtick=max(1, -(-span // 10)))  # fmt: skip


def is_low(n, min_n: int) -> bool:
    """Whether a value rests on fewer than ``min_n`` statements (a missing count is low)."""
    return _count(n) < min_n


def low_note(min_n: int) -> str:
    """The caption's sentence saying how values on few statements are drawn."""
    return (f"Grey (hollow points, hatched bars, grey cells and countries): fewer than {min_n} "
            "statements, labelled with their n")  # fmt: skip


def _with_note(caption: str, note: str) -> str:
    return f"{caption} · {note}" if caption else note


def _fmt(measure: str) -> str:
    return ".1%" if measure == "share" else ".2f"


def _value_text(value, measure: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no value"
    return f"{value:.1%}" if measure == "share" else f"{value:.2f}"


def _point_text(k, n, lo, hi, m, w, measure: str, min_n: int, span: str = "") -> str:
    """Hover text of one point: the statements behind it, its interval, its matches."""
    k, n = _count(k), _count(n)
    text = _of(k, n) + (f" ({span})" if span else "")
    if measure == "share" and n and lo is not None and not pd.isna(lo):
        text += f" · 95% CI {lo:.0%}–{hi:.0%}"
    text += f"<br>{_plural(_count(m), 'match', 'matches')} in {_plural(_count(w), 'word', 'words')}"
    if n < min_n:
        plural = "s" if n != 1 else ""
        text += f"<br><b>only {n} statement{plural}: below the minimum of {min_n}</b>"
    return text


def _panel_grid(count: int, cols: int = 3) -> tuple[int, int]:
    cols = max(1, min(cols, count))
    return -(-count // cols), cols


def _panel_layout(fig: go.Figure, *, rows: int, cols: int, x_title: str, y_title: str) -> None:
    """Axis titles once (bottom-left panel's x, middle-left panel's y), not on every panel."""
    fig.update_xaxes(title_text="")
    fig.update_yaxes(title_text="")
    fig.update_xaxes(title_text=esc(x_title), row=rows, col=1)
    fig.update_yaxes(title_text=esc(y_title), row=(rows + 1) // 2, col=1)
    fig.update_annotations(font_size=12)


def _runs(years: Sequence, step: int = 1) -> list[tuple[int, int]]:
    """(start, end) positions of the runs of ``years`` (sorted) with no year missing between
    them: a line is not drawn, nor a band filled, across years with no statements, which a
    reader would take for values estimated there (pooled years keep a row per year with
    statements, so the step is always one year)."""
    ys = [int(y) for y in years]
    cuts = [i for i in range(1, len(ys)) if ys[i] - ys[i - 1] > step]
    return list(zip([0, *cuts], [*cuts, len(ys)]))


def _broken(values: Sequence, runs: list[tuple[int, int]], gap: Any = None) -> list:
    """``values`` with ``gap`` between runs (a None y breaks a plotly line)."""
    out: list = []
    for i, (a, b) in enumerate(runs):
        if i:
            out.append(gap)
        out.extend(list(values)[a:b])
    return out


def _gap_years(years: Sequence, runs: list[tuple[int, int]], step: int) -> list:
    """The x of each run's year, with the first missing year between runs (where y is None)."""
    ys = list(years)
    out: list = []
    for i, (a, b) in enumerate(runs):
        if i:
            out.append(int(ys[a - 1]) + step)
        out.extend(ys[a:b])
    return out


def _band_traces(years: Sequence, high: Sequence, low: Sequence, runs: list[tuple[int, int]],
                 **style: Any) -> list[go.Scatter]:  # fmt: skip
    """A 95% band, one filled shape per run of years with data (of two or more years)."""
    ys, hs, ls = list(years), list(high), list(low)
    return [go.Scatter(x=ys[a:b] + ys[a:b][::-1], y=hs[a:b] + ls[a:b][::-1], **style)
            for a, b in runs if b - a > 1]  # fmt: skip


def _line_traces(g: pd.DataFrame, *, name: str, color: str, measure: str, ci: bool, min_n: int,
                 custom: list, dash: str = "solid", legend: bool = True, group: str = "",
                 hover_name: str = "", step: int = 1) -> list[go.Scatter]:  # fmt: skip
    """One series over years: its 95% band (shares), the line with a marker per year (a point on
    fewer than ``min_n`` statements grey and hollow) and an ``n=..`` label on each such point.
    Line and band break where years with no statements lie between two points."""
    out: list[go.Scatter] = []
    group = group or name
    low = [is_low(n, min_n) for n in g["n"]]
    runs = _runs(g["year"], step)
    if ci and measure == "share" and len(g) > 1 and "ci_low" in g:
        out += _band_traces(
            g["year"], g["ci_high"], g["ci_low"], runs,
            mode="lines",  # no markers: a click at a band's corner would select nothing
            fill="toself", fillcolor=_rgba(color, 0.12), line={"width": 0, "dash": dash},
            hoverinfo="skip", showlegend=False, legendgroup=group, name=esc(f"{name} (95% CI)"),
        )  # fmt: skip
    x = _gap_years(g["year"], runs, step)
    span = g["span"] if "span" in g else [""] * len(g)
    text = [
        _point_text(k, n, lo, hi, m, w, measure, min_n, sp)
        for k, n, lo, hi, m, w, sp in zip(
            g["k"], g["n"], g.get("ci_low", [None] * len(g)), g.get("ci_high", [None] * len(g)),
            g.get("matches", [0] * len(g)), g.get("words", [0] * len(g)), span)
    ]  # fmt: skip
    if any(low):  # the line solid only between points on enough statements; thin and dotted
        out.append(go.Scatter(  # through the others
            x=x, y=_broken([None if lw else v for v, lw in zip(g["value"], low)], runs),
            mode="lines", line={"color": color, "width": 2, "dash": dash}, connectgaps=False,
            customdata=_broken(custom, runs), hoverinfo="skip", showlegend=legend,
            legendgroup=group, name=esc(name),
        ))  # fmt: skip
    out.append(go.Scatter(
        x=x, y=_broken(g["value"], runs), mode="lines+markers", name=esc(name),
        legendgroup=group, showlegend=legend and not any(low), connectgaps=False,
        line={"color": _rgba(color, 0.55) if any(low) else color, "width": 1.2 if any(low) else 2,
              "dash": ("dot" if dash == "solid" else "dashdot") if any(low) else dash},
        marker={"size": _broken([8 if lw else 6 for lw in low], runs, 0),
                "color": _broken([LOW_COLOR if lw else color for lw in low], runs, color),
                "symbol": _broken(["circle-open" if lw else "circle" for lw in low], runs,
                                  "circle"),
                "line": {"width": 2, "color": _broken([LOW_COLOR if lw else color for lw in low],
                                                      runs, color)}},
        customdata=_broken(custom, runs), text=_broken(text, runs, ""),
        hovertemplate=f"<b>{_tmpl(hover_name or name)}</b><br>%{{x}}: %{{y:{_fmt(measure)}}}"
        "<br>%{text}<extra></extra>",
    ))  # fmt: skip
    if any(low):  # a label where a run of points on too few statements starts or its n changes
        ns = [_count(n) for n in g["n"]]
        pick = [i for i, lw in enumerate(low)
                if lw and (i == 0 or not low[i - 1] or ns[i] != ns[i - 1])]  # fmt: skip
        out.append(go.Scatter(
            x=[g["year"].iloc[i] for i in pick], y=[g["value"].iloc[i] for i in pick],
            mode="text", text=[f"n={_count(g['n'].iloc[i])}" for i in pick],
            textposition="top center", textfont={"size": 10, "color": "#666666"},
            customdata=[custom[i] for i in pick], hoverinfo="skip", showlegend=False,
            legendgroup=group, line={"dash": dash, "color": color},
            name=esc(f"{name}: fewer than {min_n} statements"),
        ))  # fmt: skip
    return out


def trend_figure(
    df: pd.DataFrame,
    *,
    measure: str = "share",
    by: str = "theme",
    caption: str = "",
    ci: bool = True,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    min_n: int = MIN_N,
    panels: bool = False,
) -> go.Figure:
    """Lines of each theme's prevalence over time (``by="theme"``; one panel per theme with
    ``panels``), or one panel per country
    for one theme (``by="country"``, rows from ``trends(..., by_country=True)``: small
    multiples, so bands and lines do not pile up). Shares get Wilson 95% bands; hover shows the
    statements behind each point; a point on fewer than ``min_n`` statements is grey, hollow and
    labelled with its n. Rows pooled by :func:`tracker.query.smooth_years` carry the years
    pooled (``span``) into the hover."""
    measure_label = MEASURE_SHORT[measure]
    title = title or f"Prevalence of themes over time ({measure_label})"
    if df is None or df.empty:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    if by == "country":
        return _country_panels(df, measure=measure, caption=caption, ci=ci, title=title,
                               min_n=min_n)  # fmt: skip
    if panels:  # one panel per theme
        names = dict(zip(df["theme"], df["theme_label"]))
        names.update({t: v for t, v in (labels or {}).items() if t in names})
        return _panels(df, key="theme", titles=names, measure=measure, caption=caption, ci=ci,
                       title=title, min_n=min_n)  # fmt: skip
    fig = go.Figure()
    groups = df.groupby("theme", sort=False)
    any_low = False
    for key in sorted(groups.groups, key=str):
        g = groups.get_group(key).sort_values("year")
        theme = g["theme"].iloc[0]
        name = (labels or {}).get(theme) or g["theme_label"].iloc[0]
        country = g["country"] if "country" in g else pd.Series([""] * len(g), index=g.index)
        custom = [list(x) for x in zip(g["theme"], g["year"], country)]
        for trace in _line_traces(g, name=name, color=theme_color(theme), measure=measure,
                                  ci=ci, min_n=min_n, custom=custom):  # fmt: skip
            fig.add_trace(trace)
        any_low = any_low or any(is_low(n, min_n) for n in g["n"])
    _value_axis(fig, measure)
    _year_axis(fig, df["year"])
    if any_low:
        caption = _with_note(caption, low_note(min_n))
    return _layout(fig, title=title, caption=caption, x_title="Year",
                   y_title=MEASURE_AXIS[measure], height=600)  # fmt: skip


def _country_panels(df: pd.DataFrame, *, measure: str, caption: str, ci: bool, title: str,
                    min_n: int) -> go.Figure:  # fmt: skip
    """One theme, one panel per country (shared axes), each with its band and counts."""
    names = dict(zip(df["country"], df["country_name"])) if "country_name" in df else {}
    titles = {c: f"{names.get(c) or c} ({c})" if names.get(c) not in (None, "", c) else str(c)
              for c in df["country"].dropna().unique()}  # fmt: skip
    return _panels(df, key="country", titles=titles, measure=measure, caption=caption, ci=ci,
                   title=title, min_n=min_n)  # fmt: skip


def _panels(df: pd.DataFrame, *, key: str, titles: Mapping[str, str], measure: str, caption: str,
            ci: bool, title: str, min_n: int) -> go.Figure:  # fmt: skip
    """One panel per value of ``key`` (country or theme; shared axes), each line in its theme's
    colour with its band and counts, panels in the order of their titles."""
    keys = sorted(df[key].dropna().unique(), key=lambda k: str(titles.get(k, k)))
    rows, cols = _panel_grid(len(keys))
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=[esc(titles.get(k, k)) for k in keys],
                        vertical_spacing=min(0.12, 0.36 / rows),
                        horizontal_spacing=0.04)  # fmt: skip
    any_low = False
    for i, k in enumerate(keys):
        g = df[df[key] == k].sort_values("year")
        theme = g["theme"].iloc[0]
        country = g["country"] if "country" in g else pd.Series([""] * len(g), index=g.index)
        custom = [list(x) for x in zip(g["theme"], g["year"], country)]
        for trace in _line_traces(g, name=str(titles.get(k, k)) if key == "theme" else str(k),
                                  color=theme_color(theme), measure=measure, ci=ci, min_n=min_n,
                                  custom=custom, legend=False):  # fmt: skip
            fig.add_trace(trace, row=i // cols + 1, col=i % cols + 1)
        any_low = any_low or any(is_low(n, min_n) for n in g["n"])
    _value_axis(fig, measure)
    _year_axis(fig, df["year"])
    if any_low:
        caption = _with_note(caption, low_note(min_n))
    fig = _layout(fig, title=title, caption=caption, x_title="Year",
                  y_title=MEASURE_AXIS[measure], height=max(460, 250 * rows + 230),
                  legend=False)  # fmt: skip
    _panel_layout(fig, rows=rows, cols=cols, x_title="Year", y_title=MEASURE_AXIS[measure])
    fig.update_xaxes(showticklabels=True)
    return fig


def heatmap_figure(
    matrix: pd.DataFrame,
    *,
    measure: str = "share",
    caption: str = "",
    title: str | None = None,
    max_countries: int = 60,
    sort: str = "statements",
    min_n: int = MIN_N,
) -> go.Figure:
    """Country x theme heatmap of the measure; hover shows the statements behind each cell.
    At most ``max_countries`` (those with the most statements) are drawn, the most statements
    at the top (``sort="statements"``) or the highest mean value at the top (``"value"``). A cell
    on fewer than ``min_n`` statements is covered in grey and labelled with its n (its value
    stays in the first trace's ``z`` and in the hover)."""
    title = title or f"Themes by country ({MEASURE_SHORT[measure]})"
    if matrix is None or matrix.empty:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    # values on too few statements are covered grey: they neither rank a row nor set the top
    # of the colour scale (one speech's 55.6 per 1,000 words left every drawn cell near white)
    matrix = matrix.assign(_solid=matrix["value"].where(
        [not is_low(n, min_n) for n in matrix["n"]]))  # fmt: skip
    # the rows drawn are the countries the order puts first: the most statements, or the
    # highest mean value over the whole selection (not only among those with most statements)
    key = (matrix.groupby("country")["_solid"].mean() if sort == "value"
           else matrix.groupby("country")["n"].max())  # fmt: skip
    keep = key.sort_values(ascending=False, kind="stable").head(max_countries).index
    total = matrix["country"].nunique()
    if total > len(keep):  # said on the figure, so an exported image does not look complete
        caption = _with_note(caption, f"{len(keep)} of {total} countries drawn: those with the "
                             + ("highest mean" if sort == "value" else "most statements")
                             + "; the data download holds all")  # fmt: skip
    m = matrix[matrix["country"].isin(keep)]
    if sort == "value":  # highest mean value at the top (plotly draws rows bottom-up), rows
        # with every cell grey at the bottom
        means = m.groupby("country")["_solid"].mean()
        order = means.sort_values(na_position="first", kind="stable").index.tolist()
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
                f"{_of(r['k'], r['n'])}; {_plural(int(r['matches']), 'match', 'matches')}"
                + (f"<br><b>below the minimum of {min_n} statements</b>"
                   if is_low(r["n"], min_n) else "")
            )  # fmt: skip
            cr.append([t, None, c])
        z.append(zr)
        text.append(tr)
        custom.append(cr)
    top = scale_top(m["_solid"])  # cells drawn grey do not set it
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
            zmax=top,
            colorbar={  # above the cells, not beside them: a narrow window left the cells a
                # strip of 60 px between the country names and an upright bar
                "title": {"text": MEASURE_SHORT[measure], "side": "top"},
                "tickformat": share_tickformat([top, *(v for row in z for v in row)]) if measure == "share" else None,
                "orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                "yref": "paper", "ypad": 6, "len": 220, "lenmode": "pixels", "thickness": 12,
            },
            hoverinfo="skip",
            xgap=1,
            ygap=1,
        )
    )
    low = [[is_low(cell.loc[(c, t)]["n"], min_n) for t in themes] for c in order]
    if any(any(r) for r in low):  # grey cover, labelled with n, over cells on too few statements
        fig.add_trace(
            go.Heatmap(
                z=[[1 if lw else None for lw in r] for r in low],
                x=fig.data[0].x, y=fig.data[0].y,
                text=[[f"n={_count(cell.loc[(c, t)]['n'])}" if lw else ""
                       for t, lw in zip(themes, r)] for c, r in zip(order, low)],
                texttemplate="%{text}", textfont={"size": 9, "color": "#444444"},
                colorscale=[[0, "#d9d9d9"], [1, "#d9d9d9"]], showscale=False,
                hoverinfo="skip", xgap=1, ygap=1, name=f"fewer than {min_n} statements",
            )
        )  # fmt: skip
        caption = _with_note(caption, low_note(min_n))
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
    height = max(460, 20 * len(order) + 370)
    fig = _layout(fig, title=title, caption=caption, x_title="Theme",
                  y_title="Country", height=height, legend=False, bottom=250)  # fmt: skip
    fig.update_xaxes(tickangle=-35)
    fig.update_layout(margin={"t": 130, "r": 20})  # room for the colour bar under the title
    return fig


def _bar_marker(color: str, low: Sequence[bool]) -> dict:
    """Bars in ``color``; a bar on too few statements grey and hatched."""
    if not any(low):
        return {"color": color}
    return {"color": [LOW_COLOR if lw else color for lw in low],
            "pattern": {"shape": [LOW_PATTERN if lw else "" for lw in low],
                        "fgcolor": "#555555", "solidity": 0.3}}  # fmt: skip


RANK_TITLES = {
    "value": "Countries ranked by {measure}: {label}",
    "lower": "Countries ranked by the lower end of the 95% interval of the share: {label}",
}


def ranking_figure(
    rank: pd.DataFrame,
    *,
    theme: str,
    theme_label: str = "",
    measure: str = "share",
    caption: str = "",
    top: int = 25,
    min_n: int = MIN_N,
    order: str = "value",
) -> go.Figure:
    """Horizontal bars: the countries in the order of ``rank`` (from
    :func:`tracker.query.ranking`), each labelled with its place (``=3`` where tied) and its
    ``k/n`` statements, with Wilson 95% error bars for shares. A country on fewer than ``min_n``
    statements is a grey hatched bar labelled as such."""
    label = theme_label or theme
    key = order if measure == "share" else "value"
    title = RANK_TITLES[key].format(measure=MEASURE_SHORT[measure], label=label)
    if rank is None or rank.empty:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    r = rank.head(top).iloc[::-1]
    places = r["place"] if "place" in r else r.get("rank", pd.Series(range(len(r), 0, -1)))
    tied = r["tied"] if "tied" in r else [False] * len(r)
    names = [
        esc(f"{'=' if t else ''}{int(p)}. " + (f"{n} ({c})" if n and n != c else c))
        for c, n, p, t in zip(r["country"], r["country_name"], places, tied)
    ]
    low = [is_low(n, min_n) for n in r["n"]]
    # with group statements counted for members, say how many a country delivered itself
    own = r["n_own"].tolist() if "n_own" in r else r["n"].tolist()
    mine = [f" ({o} own)" if o != n else "" for o, n in zip(own, r["n"])]
    err = None
    if measure == "share":
        err = {"type": "data", "symmetric": False, "array": (r["ci_high"] - r["value"]).tolist(),
               "arrayminus": (r["value"] - r["ci_low"]).tolist(), "color": "#666666",
               "thickness": 1}  # fmt: skip
    color = theme_color(theme)
    fig = go.Figure(
        go.Bar(
            x=r["value"],
            y=names,
            orientation="h",
            marker=_bar_marker(color, low),
            error_x=err,
            customdata=[[theme, None, c] for c in r["country"]],
            text=[_of(k, n)
                  + (f" · 95% CI {lo:.0%}–{hi:.0%}" if measure == "share" else "")
                  + (" · tied" if t else "")
                  + (f"<br>{o} delivered by the country itself, {n - o} credited as a group's "
                     "member" if o != n else "")
                  + (f"<br><b>below the minimum of {min_n} statements</b>" if lw else "")
                  for k, n, lo, hi, t, lw, o in zip(r["k"], r["n"], r["ci_low"], r["ci_high"],
                                                    tied, low, own)],  # fmt: skip
            texttemplate="%{customdata[3]}",
            hovertemplate="%{y}: %{x:" + _fmt(measure) + "}<br>%{text}<extra></extra>",
            textposition="outside",
            cliponaxis=False,
            textfont={"size": 10, "color": "#444444"},
            name=esc(label),
        )
    )
    fig.data[0].customdata = [
        [theme, None, c, f"{k}/{n}{m}" + (f" · n<{min_n}" if lw else "")]
        for c, k, n, lw, m in zip(r["country"], r["k"], r["n"], low, mine)
    ]
    _value_axis(fig, measure, "x")
    if any(low):
        caption = _with_note(caption, low_note(min_n))
    x_title = MEASURE_AXIS[measure] + (" (bars: 95% intervals; labels: statements with the "
                                       "theme / statements)" if measure == "share" else "")
    return _layout(fig, title=title, caption=caption, x_title=x_title,
                   y_title="Country (place; = tied)", height=max(420, 22 * len(r) + 220),
                   legend=False)  # fmt: skip


class _PanelTraces:
    """Traces gathered for the panels of a figure and added in one call: plotly checks the
    figure's whole trace list on each ``add_trace``, so adding a dozen panels' traces one by one
    cost as much as building them."""

    def __init__(self) -> None:
        self.traces: list = []
        self.rows: list[int] = []
        self.cols: list[int] = []

    def add(self, trace, *, row: int, col: int) -> None:
        self.traces.append(trace)
        self.rows.append(row)
        self.cols.append(col)

    def into(self, fig: go.Figure) -> None:
        if self.traces:
            fig.add_traces(self.traces, rows=self.rows, cols=self.cols)


def _theme_panels(themes: Sequence[str], labels: Mapping[str, str]) -> tuple[go.Figure, int, int]:
    rows, cols = _panel_grid(len(themes))
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=[esc(labels.get(t, t)) for t in themes],
                        vertical_spacing=min(0.12, 0.36 / rows),
                        horizontal_spacing=0.04)  # fmt: skip
    return fig, rows, cols


def compare_trend_figure(
    df: pd.DataFrame,
    *,
    sides: Sequence[str],
    measure: str = "share",
    caption: str = "",
    labels: Mapping[str, str] | None = None,
    min_n: int = MIN_N,
    ci: bool = True,
) -> go.Figure:
    """Both sides over time, one panel per theme (small multiples): the first side solid, the
    second dashed, each with its Wilson 95% band for shares; a year on fewer than ``min_n``
    statements is a grey hollow point labelled with its n (rows from ``compare()["trends"]``,
    or pooled by :func:`tracker.query.smooth_years`)."""
    title = f"{sides[0]} vs {sides[1]} over time ({MEASURE_SHORT[measure]})"
    if df is None or df.empty:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    names = dict(zip(df["theme"], df["theme_label"])) if "theme_label" in df else {}
    names.update(labels or {})
    themes = sorted(df["theme"].unique(), key=lambda t: str(names.get(t, t)))
    fig, rows, cols = _theme_panels(themes, names)
    any_low = False
    groups = {key: g.sort_values("year") for key, g in df.groupby(["theme", "side"], sort=False)}
    panel = _PanelTraces()
    for i, theme in enumerate(themes):
        for side, color, dash in ((sides[0], SIDE_COLORS[0], "solid"),
                                  (sides[1], SIDE_COLORS[1], "dash")):  # fmt: skip
            g = groups.get((theme, side))
            if g is None or g.empty:
                continue
            label = names.get(theme, theme)
            custom = [[theme, y, side] for y in g["year"]]
            for trace in _line_traces(g, name=f"{side}: {label}", color=color, measure=measure,
                                      ci=ci, min_n=min_n, custom=custom, dash=dash,
                                      legend=False, group=str(side),
                                      hover_name=f"{side} · {label}"):  # fmt: skip
                panel.add(trace, row=i // cols + 1, col=i % cols + 1)
            any_low = any_low or any(is_low(n, min_n) for n in g["n"])
    panel.into(fig)
    for side, color, dash in ((sides[0], SIDE_COLORS[0], "solid"),
                              (sides[1], SIDE_COLORS[1], "dash")):  # fmt: skip
        # one legend entry per side (the panels' own lines stay out of the legend)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines",
                                 name=esc(f"{side}: line and 95% band"),
                                 line={"color": color, "dash": dash, "width": 2},
                                 legendgroup=str(side), hoverinfo="skip"))  # fmt: skip
    _value_axis(fig, measure)
    _year_axis(fig, df["year"])
    if any_low:
        caption = _with_note(caption, low_note(min_n))
    fig = _layout(fig, title=title, caption=caption, x_title="Year",
                  y_title=MEASURE_AXIS[measure], height=max(460, 240 * rows + 230))  # fmt: skip
    _panel_layout(fig, rows=rows, cols=cols, x_title="Year", y_title=MEASURE_AXIS[measure])
    # the legend in a band of its own between the title and the top panels' titles: above the
    # panels (paper y 1.02) it lay over the right-hand panel's title, with few rows most of all
    height = fig.layout.height
    top = LEGEND_BAND_TOP + LEGEND_BAND + PANEL_TITLE
    fig.update_layout(
        margin={"t": top},
        title={"y": 1 - 12 / height, "yref": "container", "yanchor": "top"},
        legend={"orientation": "h", "yref": "container", "y": 1 - LEGEND_BAND_TOP / height,
                "yanchor": "top", "x": 1, "xanchor": "right"},
    )  # fmt: skip
    return fig


#: The over-time comparison's top margin, in pixels from the figure's top: the title above
#: LEGEND_BAND_TOP, the legend's band of LEGEND_BAND, then room for the top panels' titles.
LEGEND_BAND_TOP, LEGEND_BAND, PANEL_TITLE = 44, 30, 24


def compare_bar_figure(
    themes: pd.DataFrame, *, sides: Sequence[str], measure: str = "share", caption: str = "",
    min_n: int = MIN_N,
) -> go.Figure:  # fmt: skip
    """Per theme, both sides' measure over the whole period side by side, with Wilson 95% error
    bars for shares and each bar labelled ``k/n``; the difference ``A - B`` with Newcombe's 95%
    interval (columns ``diff_low``, ``diff_high`` of ``compare()["themes"]``). A side on fewer
    than ``min_n`` statements is a grey hatched bar, and its difference a grey hollow mark."""
    title = f"{sides[0]} vs {sides[1]} per theme ({MEASURE_SHORT[measure]})"
    if themes is None or themes.empty or themes[["n_a", "n_b"]].fillna(0).to_numpy().sum() == 0:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    t = themes.sort_values("theme_label")
    fmt = _fmt(measure)
    share = measure == "share"
    # the shares above, the difference below on its own signed axis (on one axis a difference
    # of -9% read as a negative share)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.66, 0.34],
                        vertical_spacing=0.05)  # fmt: skip
    any_low = False
    for suffix, side, color in (("a", sides[0], SIDE_COLORS[0]), ("b", sides[1], SIDE_COLORS[1])):
        n_col, k_col = t[f"n_{suffix}"], t[f"k_{suffix}"]
        low = [0 < _count(n) < min_n for n in n_col]
        any_low = any_low or any(low)
        err = None
        if share and f"ci_low_{suffix}" in t:
            v = t[f"value_{suffix}"]
            err = {"type": "data", "symmetric": False,
                   "array": (t[f"ci_high_{suffix}"] - v).fillna(0).tolist(),
                   "arrayminus": (v - t[f"ci_low_{suffix}"]).fillna(0).tolist(),
                   "color": "#444444", "thickness": 1.2, "width": 4}  # fmt: skip
        fig.add_trace(
            go.Bar(
                x=[esc(x) for x in t["theme_label"]],
                y=t[f"value_{suffix}"],
                name=esc(side),
                marker=_bar_marker(color, low),
                error_y=err,
                customdata=[
                    [th, None, side,
                     (f"{_count(k)}/{_count(n)}" + (" · too few" if lw else ""))
                     if _count(n) else "n=0"]
                    for th, k, n, lw in zip(t["theme"], k_col, n_col, low)
                ],  # fmt: skip
                text=[
                    (_of(k, n)
                     + (f" · 95% CI {lo:.1%}–{hi:.1%}" if share and f"ci_low_{suffix}" in t
                        and not pd.isna(lo) else "")
                     + (f"<br><b>below the minimum of {min_n} statements</b>" if lw else ""))
                    if _count(n)
                    else "no statements under these filters"
                    for k, n, lo, hi, lw in zip(
                        k_col, n_col, t.get(f"ci_low_{suffix}", [None] * len(t)),
                        t.get(f"ci_high_{suffix}", [None] * len(t)), low)
                ],  # fmt: skip
                textposition="none",  # the k/n labels are a trace of their own
                offsetgroup=suffix,
                hovertemplate=f"<b>{_tmpl(side)}</b> · %{{x}}: %{{y:{fmt}}}<br>%{{text}}"
                "<extra></extra>",
            ),
            row=1, col=1,
        )  # fmt: skip
    # k/n only: a grey hatched bar already says "too few", and a longer label left the chart
    labels = [
        _count_labels(t, suffix, share, [cd[3].split(" · ")[0] for cd in fig.data[i].customdata])
        for i, suffix in enumerate(("a", "b"))
    ]
    low_diff = [
        _count(na) < min_n or _count(nb) < min_n for na, nb in zip(t["n_a"], t["n_b"])
    ]
    derr = None
    has_ci = share and "diff_low" in t and t["diff_low"].notna().any()
    if has_ci:
        derr = {"type": "data", "symmetric": False,
                "array": (t["diff_high"] - t["diff"]).fillna(0).tolist(),
                "arrayminus": (t["diff"] - t["diff_low"]).fillna(0).tolist(),
                "color": DIFF_COLOR, "thickness": 2, "width": 8}  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=[esc(x) for x in t["theme_label"]],
            y=t["diff"],
            mode="markers",
            name=esc(f"difference ({sides[0]} − {sides[1]})"
                     + (" with 95% interval (Newcombe)" if has_ci else "")),
            error_y=derr,
            marker={
                "symbol": ["line-ew-open" for _ in low_diff],
                "size": 18,
                "color": [LOW_COLOR if lw else DIFF_COLOR for lw in low_diff],
                "line": {"width": 3, "color": [LOW_COLOR if lw else DIFF_COLOR for lw in low_diff]},
            },
            text=[
                (f"95% CI {lo:+.1%} to {hi:+.1%}" if has_ci and not pd.isna(lo) else "")
                + (f"<br><b>a side has fewer than {min_n} statements</b>" if lw else "")
                for lo, hi, lw in zip(t.get("diff_low", [None] * len(t)),
                                      t.get("diff_high", [None] * len(t)), low_diff)
            ],  # fmt: skip
            hovertemplate=f"difference: %{{y:+{fmt[1:]}}}<br>%{{text}}<extra></extra>",
        ),
        row=2, col=1,
    )  # fmt: skip
    for trace in labels:  # after the bars and the difference: data[:3] stay as they were
        fig.add_trace(trace, row=1, col=1)
    fig.update_layout(barmode="group",
                      legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"})  # fmt: skip
    _value_axis(fig, measure)
    fig.update_yaxes(rangemode="normal")
    if share:
        fig.update_yaxes(tickformat="+" + share_tickformat(
            list(t["diff"]) + list(t.get("diff_low", [])) + list(t.get("diff_high", []))),
            row=2, col=1)  # fmt: skip
    fig.add_hline(y=0, line_color="#999999", line_width=1, row=2, col=1)
    fig.update_yaxes(range=[0, _label_headroom(t, share, labels)], row=1, col=1)
    fig.update_xaxes(tickangle=-30, row=2, col=1)
    if any_low:
        caption = _with_note(caption, low_note(min_n))
    if share:
        caption = _with_note(caption, "Error bars: 95% intervals (Wilson for each side, "
                             "Newcombe for the difference); bar labels: statements with the "
                             "theme / statements")  # fmt: skip
    fig = _layout(fig, title=title, caption=caption, x_title="", y_title=MEASURE_AXIS[measure],
                  height=720, bottom=250)  # fmt: skip
    fig.update_xaxes(title_text="Theme", row=2, col=1)
    # on two lines: the top panel is short, and one line ran up into the chart's title
    fig.update_yaxes(title_text=esc(MEASURE_AXIS[measure]).replace(" mentioning", "<br>mentioning")
                     .replace(" per 1,000", "<br>per 1,000"), row=1, col=1)  # fmt: skip
    fig.update_yaxes(title_text=esc(f"{sides[0]} − {sides[1]}"), row=2, col=1)
    return fig


def _label_tops(t: pd.DataFrame, suffix: str, share: bool) -> pd.Series:
    """Where a side's ``k/n`` label starts: above its error bar, else above its bar."""
    top = t[f"value_{suffix}"].fillna(0)
    if share and f"ci_high_{suffix}" in t:
        top = t[f"ci_high_{suffix}"].fillna(top).clip(lower=top)
    return top


def _count_labels(t: pd.DataFrame, suffix: str, share: bool, texts: Sequence[str]) -> go.Bar:
    """The ``k/n`` labels of one side, each on a bar of no height in the side's place, standing
    on its error bar (a bar's own outside text starts at the bar's top, so the error bar ran
    through it). Not in the legend, hover or clicks."""
    return go.Bar(
        x=[esc(x) for x in t["theme_label"]],
        y=[0] * len(t),
        base=_label_tops(t, suffix, share).tolist(),
        offsetgroup=suffix,
        marker={"color": "rgba(0,0,0,0)", "line": {"width": 0}},
        text=list(texts),
        textposition="outside",
        textangle=-90,
        cliponaxis=False,
        textfont={"size": 9, "color": "#444444"},
        constraintext="none",
        hoverinfo="skip",
        showlegend=False,
        name=f"labels {suffix}",
    )


def _label_headroom(t: pd.DataFrame, share: bool, labels: Sequence[go.Bar]) -> float:
    """The top of the value axis: the highest label's start plus room for the longest label
    (vertical text of about 6 px a character, on a panel of about 300 px)."""
    top = max(float(_label_tops(t, s, share).max()) for s in ("a", "b"))
    longest = max((len(str(x)) for trace in labels for x in trace.text), default=0)
    return max(top, 1e-9) * (1.06 + 0.025 * longest)


def diff_trend_figure(
    yearly: pd.DataFrame,
    *,
    sides: Sequence[str],
    measure: str = "share",
    caption: str = "",
    labels: Mapping[str, str] | None = None,
    min_n: int = MIN_N,
    ci: bool = True,
) -> go.Figure:
    """The difference ``A - B`` of the measure per year, one panel per theme
    (``compare()["yearly_diff"]`` or :func:`tracker.query.yearly_difference`), with Newcombe's
    95% band for shares; above zero, side A raises the theme more. A year where a side has
    fewer than ``min_n`` statements is a grey hollow point labelled with both n."""
    title = f"Difference {sides[0]} − {sides[1]} over time ({MEASURE_SHORT[measure]})"
    if yearly is None or yearly.empty:
        return empty_figure("The two sides share no year under these filters.", title=title,
                            caption=caption)  # fmt: skip
    names = dict(zip(yearly["theme"], yearly["theme_label"])) if "theme_label" in yearly else {}
    names.update(labels or {})
    themes = sorted(yearly["theme"].unique(), key=lambda t: str(names.get(t, t)))
    fig, rows, cols = _theme_panels(themes, names)
    panel = _PanelTraces()
    groups = {theme: g.sort_values("year") for theme, g in yearly.groupby("theme", sort=False)}
    fmt = _fmt(measure)
    has_n = "n_a" in yearly and "n_b" in yearly
    step = 1
    any_low = False
    for i, theme in enumerate(themes):
        g = groups[theme]
        label = names.get(theme, theme)
        color = theme_color(theme)
        pos = {"row": i // cols + 1, "col": i % cols + 1}
        runs = _runs(g["year"], step)  # no line or band across years a side has no statements
        x = _gap_years(g["year"], runs, step)
        if (ci and measure == "share" and "diff_low" in g and g["diff_low"].notna().all()
                and len(g) > 1):  # fmt: skip
            for band in _band_traces(
                g["year"], g["diff_high"], g["diff_low"], runs,
                mode="lines", fill="toself", fillcolor=_rgba(color, 0.14), line={"width": 0},
                hoverinfo="skip", showlegend=False, name=esc(f"{label} (95% CI)"),
            ):  # fmt: skip
                panel.add(band, **pos)
        low = ([_count(a) < min_n or _count(b) < min_n for a, b in zip(g["n_a"], g["n_b"])]
               if has_n else [False] * len(g))  # fmt: skip
        any_low = any_low or any(low)
        text = []
        for idx, row in enumerate(g.itertuples(index=False)):
            parts = []
            if has_n:
                parts.append(f"{sides[0]}: {_of(row.k_a, row.n_a)}; "
                             f"{sides[1]}: {_count(row.k_b):,} of {_count(row.n_b):,}")  # fmt: skip
            if "diff_low" in g and not pd.isna(getattr(row, "diff_low", float("nan"))):
                parts.append(f"95% CI {row.diff_low:+.1%} to {row.diff_high:+.1%}")
            if "span" in g:
                parts.append(f"years pooled: {row.span}")
            if low[idx]:
                parts.append(f"<b>a side has fewer than {min_n} statements</b>")
            text.append("<br>".join(parts))
        custom = [[theme, y, ""] for y in g["year"]]
        if any(low):  # colour only between years both sides have enough statements for
            panel.add(go.Scatter(
                x=x, y=_broken([None if lw else v for v, lw in zip(g["diff"], low)], runs),
                mode="lines", line={"color": color, "width": 2}, connectgaps=False,
                hoverinfo="skip", showlegend=False, name=esc(label),
            ), **pos)  # fmt: skip
        panel.add(go.Scatter(
            x=x, y=_broken(g["diff"], runs), mode="lines+markers", name=esc(label),
            showlegend=False, connectgaps=False,
            line={"color": _rgba(color, 0.55), "width": 1.2, "dash": "dot"} if any(low)
            else {"color": color, "width": 2},
            marker={"size": _broken([8 if lw else 6 for lw in low], runs, 0),
                    "color": _broken([LOW_COLOR if lw else color for lw in low], runs, color),
                    "symbol": _broken(["circle-open" if lw else "circle" for lw in low], runs,
                                      "circle"),
                    "line": {"width": 2,
                             "color": _broken([LOW_COLOR if lw else color for lw in low], runs,
                                              color)}},
            customdata=_broken(custom, runs), text=_broken(text, runs, ""),
            hovertemplate=f"<b>{_tmpl(label)}</b><br>%{{x}}: %{{y:+{fmt[1:]}}}<br>%{{text}}"
            "<extra></extra>",
        ), **pos)  # fmt: skip
        if any(low):  # a label where a run of such years starts or its counts change
            ns = [(_count(x), _count(y)) for x, y in zip(g["n_a"], g["n_b"])]
            pick = [j for j, lw in enumerate(low)
                    if lw and (j == 0 or not low[j - 1] or ns[j] != ns[j - 1])]  # fmt: skip
            panel.add(go.Scatter(
                x=[g["year"].iloc[j] for j in pick], y=[g["diff"].iloc[j] for j in pick],
                mode="text", textposition="top center", textfont={"size": 9, "color": "#666666"},
                text=[f"n={_count(g['n_a'].iloc[j])}/{_count(g['n_b'].iloc[j])}" for j in pick],
                hoverinfo="skip", showlegend=False, name=esc(f"{label}: too few statements"),
            ), **pos)  # fmt: skip
    panel.into(fig)
    fig.add_hline(y=0, line_color="#999999", line_width=1, row="all", col="all")
    if measure == "share":
        fig.update_yaxes(tickformat="+" + share_tickformat(_plotted(fig, "y")))
    _year_axis(fig, yearly["year"])
    if any_low:
        caption = _with_note(caption, low_note(min_n))
    if measure == "share" and ci:
        caption = _with_note(caption, "Bands: Newcombe 95% intervals of the difference")
    y_title = f"{MEASURE_AXIS[measure]}: {sides[0]} minus {sides[1]}"
    fig = _layout(fig, title=title, caption=caption, x_title="Year", y_title=y_title,
                  height=max(460, 240 * rows + 230), legend=False)  # fmt: skip
    _panel_layout(fig, rows=rows, cols=cols, x_title="Year", y_title=y_title)
    return fig


def kinds_figure(df: pd.DataFrame, *, caption: str = "") -> go.Figure:
    """Matches per theme by kind (exact, fuzzy, proximity, and semantic where the semantic
    matcher found any): how the codebook found them. The themes are on the axis; each kind has
    its colour (:data:`KIND_COLORS`) and pattern: bars in the themes' colours left every kind's
    legend entry in the first theme's colour."""
    title = "Matches per theme by match kind"
    if df is None or df.empty:
        return empty_figure("No matches for these filters.", title=title, caption=caption)
    fig = go.Figure()
    for kind, pattern in (("exact", ""), ("fuzzy", "/"), ("proximity", "."), ("semantic", "x")):
        if kind in df and (kind != "semantic" or df[kind].sum() > 0):  # the matcher is often off
            fig.add_trace(go.Bar(x=[esc(x) for x in df["theme_label"]], y=df[kind], name=kind,
                                 marker_color=KIND_COLORS[kind],
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
