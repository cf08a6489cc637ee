"""The world map: a choropleth of one theme's measure per country that draws with no internet.

plotly.js fetches its world shapes (``world_110m.json``) from a CDN at draw time. This package
ships its own, made from Natural Earth 1:110m countries (public domain; see
``tracker/data/maps/build_world.py``), and points plotly at them:

- in the dashboard, through Streamlit's static file serving (``static/maps/`` beside
  ``dashboard.py``, ``server.enableStaticServing``) and ``config={"topojsonURL": STATIC_URL}``;
- in PNG/SVG/PDF exports, through kaleido's ``topojson=`` argument (:func:`topojson_url`);
- in HTML exports, by inlining the shapes (:func:`inline_shapes_script`).

Countries too small for the 1:110m shapes (Andorra, Singapore, most island states...) are listed
by :func:`not_drawn` and named in the figure's caption.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from tracker.charts import (
    MEASURE_AXIS, MEASURE_SHORT, _layout, empty_figure, esc, share_tickformat, theme_color,
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
) -> go.Figure:
    """World choropleth of the measure for one theme (rows of ``country_theme_matrix`` for that
    theme). Countries with no selected statements stay grey; hover shows the counts."""
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
    fig = go.Figure(
        go.Choropleth(
            locations=rows["country"],
            z=rows["value"],
            locationmode="ISO-3",
            colorscale=[[0, "#f7f7f7"], [1, color]],
            zmin=0,
            marker_line_color="#888888",
            marker_line_width=0.4,
            colorbar={
                "title": {"text": MEASURE_SHORT[measure]},
                "tickformat": share_tickformat(rows["value"]) if measure == "share" else None,
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
