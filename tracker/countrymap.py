"""The world map: a choropleth of one theme's measure per country that draws with no internet.

plotly.js fetches its world shapes (``world_110m.json``) from a CDN at draw time. This package
ships its own, made from Natural Earth 1:110m countries (public domain; see
``tracker/data/maps/build_world.py``), and points plotly at them:

- in the dashboard, through Streamlit's static file serving (``static/maps/`` beside
  ``dashboard.py``, ``server.enableStaticServing``) and ``config={"topojsonURL": STATIC_URL}``;
- in PNG/SVG/PDF exports, through kaleido's ``topojson=`` argument (:func:`topojson_url`);
- in HTML exports, by inlining the shapes (:func:`inline_shapes_script`).

Countries too small for the 1:110m shapes (Andorra, Singapore, most island states...) are listed
by :func:`not_drawn` and named in the figure's caption. A country on fewer statements than the
minimum is grey, and its ``n=..`` is written on it only where the label fits inside the country
(:func:`label_fits`); the caption gives the others'.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from tracker.charts import (
    LOW_COLOR, MEASURE_AXIS, MEASURE_SHORT, MIN_N, _count, _layout, _of, _with_note, empty_figure,
    esc, is_low, scale_top, share_tickformat, theme_color,
)  # fmt: skip

MAPS_DIR = Path(__file__).resolve().parent / "data" / "maps"
TOPOJSON_NAME = "world_110m"
TOPOJSON_FILE = MAPS_DIR / f"{TOPOJSON_NAME}.json"
#: Where the dashboard serves the shapes (Streamlit static serving of ``static/maps/``).
STATIC_URL = "/app/static/maps/"


def topojson_url() -> str:
    """A ``file://`` URL of the folder holding the shapes (for kaleido), ending in ``/``."""
    return MAPS_DIR.as_uri() + "/"


@lru_cache(maxsize=1)
def _topology() -> dict:
    return json.loads(TOPOJSON_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def drawable_countries() -> frozenset[str]:
    """ISO3 codes that have shapes on the map."""
    geoms = _topology()["objects"]["countries"]["geometries"]
    return frozenset(g["id"] for g in geoms)


def not_drawn(countries) -> list[str]:
    """The codes among ``countries`` that the map cannot draw (too small, or not a country)."""
    have = drawable_countries()
    return sorted({c for c in countries if c and c not in have})


# -- where an n label fits ------------------------------------------------------------------------

#: The ``n=..`` labels' font size (px) and the width of a character of it (Arial: ~0.56 em).
LABEL_SIZE = 8
LABEL_CHAR_PX = 0.56 * LABEL_SIZE
#: Pixels per unit of the map's projection (d3's natural earth) at which labels are placed: the
#: 1,100-px export draws the world 901 px wide, 165 px a unit, as does the dashboard on a page
#: about 1,000 px wide.
LABEL_SCALE = 160.0


def _natural_earth(lon: float, lat: float) -> tuple[float, float]:
    """d3's ``geoNaturalEarth1`` (the map's projection, plotly's "natural earth")."""
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)))
    y = phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)))
    return x, y


def _ring_area(ring: list) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))


@lru_cache(maxsize=1)
def _label_shapes() -> dict[str, tuple[tuple[float, float], list[list[tuple[float, float]]]]]:
    """Each country's label point (``ct``, where plotly.js writes a text) and the polygon it
    lies in (its largest: the outer ring, then its holes), projected; largest first."""
    topo = _topology()
    arcs = topo["arcs"]

    def ring(indices: list[int]) -> list:
        points: list = []
        for i in indices:
            points += arcs[i] if i >= 0 else arcs[~i][::-1]
        return points

    out = {}
    for geom in topo["objects"]["countries"]["geometries"]:
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        largest = max(polygons, key=lambda p: abs(_ring_area(ring(p[0]))))
        rings = [[_natural_earth(lon, lat) for lon, lat in ring(r)] for r in largest]
        out[geom["id"]] = (_natural_earth(*geom["properties"]["ct"]), rings)
    return dict(sorted(out.items(), key=lambda item: (-abs(_ring_area(item[1][1][0])), item[0])))


def _inside(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def _half_size(text: str) -> tuple[float, float]:
    """Half the width and height of a label's box, 1 px around the text, in projected units."""
    return ((len(text) * LABEL_CHAR_PX / 2 + 1) / LABEL_SCALE,
            (LABEL_SIZE / 2 + 1) / LABEL_SCALE)  # fmt: skip


def label_fits(country: str, text: str) -> bool:
    """Whether ``text``, written where plotly writes a country's label (its shape's centre),
    lies along the country on the map: the two ends and the middle of the line of text are
    inside it (not in a hole) at :data:`LABEL_SCALE`. False for a country the map does not draw
    (too small, or no country)."""
    shape = _label_shapes().get(country)
    if shape is None:
        return False
    (cx, cy), (outer, *holes) = shape
    reach = len(text) * LABEL_CHAR_PX / 2 / LABEL_SCALE
    line = [(cx - reach, cy), (cx, cy), (cx + reach, cy)]
    return all(_inside(p, outer) and not any(_inside(p, h) for h in holes) for p in line)


def placed_labels(labels: Mapping[str, str]) -> list[str]:
    """The countries of ``{country: text}`` whose label is written on the map: those it fits
    (:func:`label_fits`), larger countries first, each leaving out a label whose box would
    touch one already placed. In the order of ``labels``."""
    shapes = _label_shapes()
    size_rank = {country: i for i, country in enumerate(shapes)}
    taken: list[tuple[float, float, float, float]] = []
    placed = set()
    for country in sorted((c for c in labels if c in shapes), key=size_rank.__getitem__):
        if not label_fits(country, labels[country]):
            continue
        (x, y), _ = shapes[country]
        w, h = _half_size(labels[country])
        if all(abs(x - tx) >= w + tw or abs(y - ty) >= h + th for tx, ty, tw, th in taken):
            taken.append((x, y, w, h))
            placed.add(country)
    return [c for c in labels if c in placed]


#: How many countries whose n is not written on the map the caption names.
CAPTION_MAX = 25


def _low_traces(rows: pd.DataFrame, *, theme: str, min_n: int) -> tuple[list, str]:
    """The countries resting on fewer than ``min_n`` statements: a grey cover (its hover gives
    k of n), their ``n=..`` where it fits along the country and touches no other label
    (:func:`placed_labels`; every such country used to be labelled, and small countries' labels
    covered their neighbours' and one another), and the caption's note, which gives the n of
    the grey countries left unlabelled (the first :data:`CAPTION_MAX`; all are in the hover and
    the data). No traces and no note when there are none."""
    low = rows[rows["n"].map(lambda n: is_low(n, min_n))]
    if low.empty:
        return [], ""
    names = low["country_name"] if "country_name" in low else low["country"]
    text = [f"{esc(nm or c)} ({esc(c)})<br>{_of(k, n)}<br>"
            f"<b>below the minimum of {min_n} statements</b>"
            for c, nm, k, n in zip(low["country"], names, low["k"], low["n"])]  # fmt: skip
    cover = go.Choropleth(
        locations=low["country"], z=[1] * len(low), locationmode="ISO-3",
        colorscale=[[0, LOW_COLOR], [1, LOW_COLOR]], showscale=False,
        marker_line_color="#888888", marker_line_width=0.4,
        customdata=[[theme, None, c] for c in low["country"]], text=text,
        hovertemplate="%{text}<extra></extra>", name=f"fewer than {min_n} statements",
    )  # fmt: skip
    counts = {c: _count(n) for c, n in zip(low["country"], low["n"])}
    fits = placed_labels({c: f"n={n}" for c, n in counts.items()})
    traces: list = [cover]
    if fits:
        traces.append(go.Scattergeo(
            locations=fits, locationmode="ISO-3", mode="text",
            text=[f"n={counts[c]}" for c in fits],
            textfont={"size": LABEL_SIZE, "color": "#333333"}, hoverinfo="skip",
            showlegend=False, name="n of grey countries",
        ))  # fmt: skip
    hidden = [c for c in counts if c not in fits and c in drawable_countries()]
    note = f"Grey countries: fewer than {min_n} statements, labelled with their n"
    if hidden:
        by_n: dict[int, list[str]] = {}
        for c in hidden[:CAPTION_MAX]:
            by_n.setdefault(counts[c], []).append(c)
        more = len(hidden) - CAPTION_MAX
        note += (" where it fits; " + "; ".join(f"n={n}: {', '.join(cs)}"
                                               for n, cs in sorted(by_n.items()))
                 + (f" and {more} more" if more > 0 else "")
                 + " (every n in the hover and the data)")  # fmt: skip
    return traces, note


def inline_shapes_script() -> str:
    """A ``<script>`` that hands plotly.js the shapes before it draws: for standalone HTML."""
    data = TOPOJSON_FILE.read_text(encoding="utf-8")
    return (
        "<script>window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};"
        f"window.PlotlyGeoAssets.topojson[{json.dumps(TOPOJSON_NAME)}] = {data};</script>"
    )


def map_figure(
    matrix: pd.DataFrame,
    *,
    theme: str,
    theme_label: str = "",
    measure: str = "share",
    caption: str = "",
    min_n: int = MIN_N,
) -> go.Figure:
    """World choropleth of the measure for one theme (rows of ``country_theme_matrix`` for that
    theme). Countries with no selected statements stay light grey; hover shows the counts. A
    country on fewer than ``min_n`` statements is dark grey, labelled ``n=..`` where the label
    fits inside it, and the caption gives the n of the others (:func:`_low_traces`)."""
    label = theme_label or theme
    title = f"{label}: {MEASURE_SHORT[measure]} by country"
    rows = matrix[matrix["theme"] == theme] if matrix is not None and len(matrix) else None
    if rows is None or rows.empty:
        return empty_figure("No statements match these filters.", title=title, caption=caption)
    missing = not_drawn(rows["country"])
    if missing:
        note = f"Not drawn at this scale: {', '.join(missing[:25])}" + (
            f" and {len(missing) - 25} more" if len(missing) > 25 else ""
        )
        caption = f"{caption} · {note}" if caption else note
    color = theme_color(theme)
    top = scale_top(rows["value"])
    fig = go.Figure(
        go.Choropleth(
            locations=rows["country"],
            z=rows["value"],
            locationmode="ISO-3",
            colorscale=[[0, "#f7f7f7"], [1, color]],
            zmin=0,  # plotly takes it only beside a zmax above it (:func:`scale_top`)
            zmax=top,
            marker_line_color="#888888",
            marker_line_width=0.4,
            colorbar={
                "title": {"text": MEASURE_SHORT[measure]},
                "tickformat": share_tickformat([top, *rows["value"]]) if measure == "share" else None,
            },
            customdata=[[theme, None, c] for c in rows["country"]],
            text=[
                f"{esc(n or c)} ({esc(c)})<br>{k:,} of {t:,} statements; {m:,} matches"
                for c, n, k, t, m in zip(
                    rows["country"], rows["country_name"], rows["k"], rows["n"], rows["matches"]
                )
            ],
            hovertemplate="%{text}<br>%{z:"
            + (".1%" if measure == "share" else ".2f")
            + "}<extra></extra>",
        )
    )
    low, low_note = _low_traces(rows, theme=theme, min_n=min_n)
    for trace in low:
        fig.add_trace(trace)
    caption = _with_note(caption, low_note) if low_note else caption
    fig.update_geos(
        showframe=False,
        showcoastlines=False,
        showland=True,
        landcolor="#e6e6e6",
        showcountries=True,
        countrycolor="#bbbbbb",
        showocean=False,
        showlakes=False,
        showrivers=False,
        projection_type="natural earth",
        resolution=110,
        lataxis_range=[-58, 85],
    )
    fig = _layout(fig, title=title, caption=caption, x_title="", y_title="", height=560,
                  legend=False, bottom=60)  # fmt: skip
    fig.update_layout(margin={"l": 10, "r": 10})
    fig.layout.meta = {"caption": caption, "value_axis": MEASURE_AXIS[measure]}
    return fig
