"""The "Over time" comparison's legend ("P5: line and 95% band / G77: ...") lay over the
right-hand panel's title, on screen and in the PNG (QA, three themes). It now stands in a band of
its own between the figure's title and the top panels' titles; checked on the figure's geometry
in pixels from its top edge."""

from __future__ import annotations

import pandas as pd
import pytest

from tracker import charts

#: A horizontal one-row legend of 11 px text is drawn about this tall (plotly's padding included).
LEGEND_PX = 24
#: A subplot title of 12 px text stands this far above its panel.
PANEL_TITLE_PX = 18


def rows(themes: list[str]) -> pd.DataFrame:
    out = []
    for side in ("P5", "G77"):
        for theme in themes:
            for year in range(2000, 2025):
                out.append({"side": side, "theme": theme, "theme_label": theme.title(),
                            "year": year, "n": 40, "k": 10, "share": 0.25, "ci_low": 0.14,
                            "ci_high": 0.4, "matches": 12, "words": 9000, "rate": 1.3,
                            "value": 0.25})  # fmt: skip
    return pd.DataFrame(out)


def top_px(fig, y: float, yref: str) -> float:
    """A paper or container y as pixels from the figure's top edge."""
    height, top, bottom = fig.layout.height, fig.layout.margin.t, fig.layout.margin.b
    if yref == "container":
        return (1 - y) * height
    return top + (1 - y) * (height - top - bottom)


@pytest.mark.parametrize("themes", [["a", "b", "c"], ["a", "b", "c", "d", "e", "f", "g"]])
def test_the_over_time_legend_leaves_the_panel_titles_clear(themes):
    fig = charts.compare_trend_figure(rows(themes), sides=["P5", "G77"], caption="c")
    legend = fig.layout.legend
    yref = legend.yref or "paper"
    at = top_px(fig, legend.y, yref)
    legend_bottom = at if legend.yanchor == "bottom" else at + LEGEND_PX
    legend_top = legend_bottom - LEGEND_PX
    titles_top = fig.layout.margin.t - PANEL_TITLE_PX  # the top row's panel titles
    assert legend_bottom <= titles_top, (legend_bottom, titles_top)
    assert legend_top >= 0
    # and below the figure's title
    title = fig.layout.title
    assert title.yref == "container" and top_px(fig, title.y, "container") + 20 <= legend_top
