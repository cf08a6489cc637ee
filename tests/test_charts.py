"""tracker.charts and tracker.countrymap: pure functions from query-shaped frames to figures."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tracker import charts, countrymap, query

REPO = Path(__file__).resolve().parents[1]
THEMES = ["digital_divide", "militarization", "ai_governance"]


def trend_frame(by_country: bool = False) -> pd.DataFrame:
    rows = []
    for country in ["CHN", "USA"] if by_country else [None]:
        for year in (2020, 2021, 2022):
            for i, theme in enumerate(THEMES):
                n, k = 10 + year % 7, (year + i) % 5
                low, high = query.wilson([k], [n])
                row = {"year": year, "theme": theme, "theme_label": query.DEFAULT_THEME_LABELS[theme],
                           "n": n, "k": k, "share": k / n, "ci_low": low[0], "ci_high": high[0], "matches": 2 * k,
                           "words": 1000 * n, "rate": 2 * k / n, "value": k / n}  # fmt: skip
                if country:
                    row["country"] = country
                rows.append(row)
    return pd.DataFrame(rows)


def matrix_frame() -> pd.DataFrame:
    rows = []
    for c, name in (("CHN", "China"), ("USA", "United States"), ("SGP", "Singapore")):
        for i, theme in enumerate(THEMES):
            n, k = 9, (i + len(c)) % 4
            rows.append({"country": c, "country_name": name, "theme": theme,
                             "theme_label": query.DEFAULT_THEME_LABELS[theme], "n": n, "k": k, "share": k / n,
                             "ci_low": 0.0, "ci_high": min(1.0, k / n + 0.2), "matches": k, "words": 9000,
                             "rate": k / 9, "value": k / n})  # fmt: skip
    return pd.DataFrame(rows)


def caption_of(fig) -> str:
    return fig.layout.meta["caption"]


def test_trend_figure_lines_carry_the_data_and_hover_counts():
    df = trend_frame()
    fig = charts.trend_figure(df, caption="Filters: all statements · codebook v1")
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(lines) == len(THEMES)
    for t in lines:
        theme = t.customdata[0][0]
        expected = df[df["theme"] == theme].sort_values("year")
        assert list(t.x) == list(expected["year"]) and list(t.y) == pytest.approx(
            list(expected["share"])
        )
        assert t.line.color == charts.theme_color(theme)
        assert all(f"of {n:,} statements" in s for s, n in zip(t.text, expected["n"]))
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == len(THEMES)  # a Wilson band per theme
    assert "Share of statements" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text == "Year"
    assert fig.layout.title.text and "codebook v1" in caption_of(fig)
    assert any("codebook v1" in a.text for a in fig.layout.annotations)


def test_trend_figure_rate_has_no_bands_and_its_own_axis():
    df = trend_frame().assign(value=lambda d: d["rate"])
    fig = charts.trend_figure(df, measure="rate")
    assert not [t for t in fig.data if t.fill == "toself"]
    assert fig.layout.yaxis.title.text == "Matches per 1,000 words"


def test_trend_per_country_has_a_line_per_country():
    df = trend_frame(by_country=True)
    fig = charts.trend_figure(df[df["theme"] == "digital_divide"], by="country", ci=False)
    assert sorted(t.name for t in fig.data) == ["CHN", "USA"]
    assert {cd[2] for t in fig.data for cd in t.customdata} == {"CHN", "USA"}


def test_one_colour_per_theme_everywhere():
    m = matrix_frame()
    rank = charts.ranking_figure(
        m[m["theme"] == "militarization"].assign(rank=1), theme="militarization"
    )
    assert rank.data[0].marker.color == charts.theme_color("militarization")
    trend = charts.trend_figure(trend_frame())
    colors = {t.customdata[0][0]: t.line.color for t in trend.data if t.customdata is not None}
    assert colors["militarization"] == rank.data[0].marker.color
    assert len(set(charts.THEME_COLORS.values())) == len(charts.THEME_COLORS) == 12
    assert charts.theme_color("custom_theme") == charts.theme_color("custom_theme")


def test_heatmap_cells_equal_the_matrix():
    m = matrix_frame()
    fig = charts.heatmap_figure(m, caption="c")
    h = fig.data[0]
    for i, label in enumerate(h.y):
        code = label.split("(")[-1].rstrip(")")
        for j, theme_label in enumerate(h.x):
            row = m[(m["country"] == code) & (m["theme_label"] == theme_label)].iloc[0]
            assert h.z[i][j] == pytest.approx(row["value"])
            assert h.customdata[i][j][0] == row["theme"] and h.customdata[i][j][2] == code
    assert fig.layout.xaxis.title.text == "Theme"


def test_ranking_orders_by_value():
    m = matrix_frame()
    rows = m[m["theme"] == "ai_governance"].sort_values("value", ascending=False)
    fig = charts.ranking_figure(rows.assign(rank=range(1, 4)), theme="ai_governance", top=2)
    assert len(fig.data[0].x) == 2
    assert list(fig.data[0].x)[::-1] == list(rows["value"][:2])  # best at the top
    assert fig.data[0].error_x.array is not None


def test_compare_figures():
    tr = trend_frame(by_country=True).rename(columns={"country": "side"})
    fig = charts.compare_trend_figure(tr, sides=["CHN", "USA"])
    dashes = {t.name.split(":")[0]: t.line.dash for t in fig.data}
    assert dashes == {"CHN": "solid", "USA": "dash"}
    themes = pd.DataFrame({"theme": THEMES, "theme_label": THEMES, "n_a": [5] * 3, "k_a": [1, 2, 3],
                           "n_b": [4] * 3, "k_b": [0, 1, 4], "value_a": [0.2, 0.4, 0.6],
                           "value_b": [0.0, 0.25, 1.0]})  # fmt: skip
    themes["diff"] = themes["value_a"] - themes["value_b"]
    bars = charts.compare_bar_figure(themes, sides=["CHN", "USA"])
    assert [t.name for t in bars.data][:2] == ["CHN", "USA"]
    diff = dict(zip(bars.data[2].x, bars.data[2].y))
    assert diff == pytest.approx(
        {"digital_divide": 0.2, "militarization": 0.15, "ai_governance": -0.4}
    )
    # the difference on a panel and a signed axis of its own (on the shares' axis a difference
    # of -40% read as a negative share), the legend above the chart, not beside it
    assert (bars.data[0].yaxis, bars.data[1].yaxis, bars.data[2].yaxis) == ("y", "y", "y2")
    assert bars.layout.yaxis2.tickformat.startswith("+") and bars.layout.legend.orientation == "h"


def test_empty_frames_say_why():
    for fig in (charts.trend_figure(pd.DataFrame()), charts.heatmap_figure(pd.DataFrame()),
                charts.ranking_figure(pd.DataFrame(), theme="x"),
                countrymap.map_figure(pd.DataFrame(), theme="x")):  # fmt: skip
        assert "No statements match" in fig.layout.annotations[0].text


def test_map_uses_shipped_shapes_and_names_what_it_cannot_draw():
    m = matrix_frame()
    fig = countrymap.map_figure(
        m, theme="digital_divide", theme_label="Digital divide", caption="cap"
    )
    ch = fig.data[0]
    assert ch.type == "choropleth" and ch.locationmode == "ISO-3"
    assert list(ch.locations) == ["CHN", "USA", "SGP"]
    assert "SGP" in caption_of(fig)  # Singapore is too small for 1:110m shapes
    assert {"CHN", "USA", "FRA", "BRA", "ZAF"} <= countrymap.drawable_countries()
    assert countrymap.not_drawn(["CHN", "SGP", ""]) == ["SGP"]


def test_shapes_are_a_plotly_world_topology_and_the_served_copy_is_identical():
    topo = json.loads(countrymap.TOPOJSON_FILE.read_text())
    assert topo["type"] == "Topology"
    for layer in ("countries", "land", "coastlines", "ocean", "lakes", "rivers", "subunits"):
        assert layer in topo["objects"]
    assert len(topo["objects"]["countries"]["geometries"]) > 170
    served = REPO / "static" / "maps" / "world_110m.json"
    assert served.read_bytes() == countrymap.TOPOJSON_FILE.read_bytes()
    assert countrymap.topojson_url().startswith("file://") and countrymap.topojson_url().endswith(
        "/"
    )
    assert "PlotlyGeoAssets" in countrymap.inline_shapes_script()


def test_caption_names_filters_and_codebook():
    f = query.Filters(themes=("digital_divide",), countries=("CHN",), year_from=2010, year_to=2020)
    cap = charts.caption_text(f.describe(), "abc123")
    assert "digital_divide" in cap and "CHN" in cap and "2010" in cap and "codebook abc123" in cap


def test_small_shares_get_ticks_that_read_apart():
    """Shares under 10% with whole-percent ticks labelled a colour bar 4%, 3%, 3%, 2%, 2%, ...
    (the map of one theme over three countries): the format gets a decimal where needed."""
    small = matrix_frame().assign(n=100)
    small["value"] = small["share"] = small["k"] / 100  # 0% to 4%
    trend = trend_frame()
    trend["value"] = trend["share"] = trend["ci_high"] = trend["k"] / 200  # at most 2%
    trend["ci_low"] = 0.0
    figs = {
        "map": countrymap.map_figure(small, theme="digital_divide", theme_label="Digital divide",
                                     caption="c").data[0].colorbar.tickformat,  # fmt: skip
        "heatmap": charts.heatmap_figure(small, caption="c").data[0].colorbar.tickformat,
        "trend": charts.trend_figure(trend, caption="c").layout.yaxis.tickformat,
    }
    assert figs == {"map": ".1%", "heatmap": ".1%", "trend": ".1%"}
    assert charts.heatmap_figure(matrix_frame(), caption="c").data[0].colorbar.tickformat == ".0%"
    # the difference of two small shares, signed (a second read found it still whole percents)
    diff = pd.DataFrame([{"year": y, "theme": "digital_divide", "k_a": 1, "n_a": 100, "k_b": 1,
                          "n_b": 100, "value_a": 0.01 + 0.002 * i, "value_b": 0.01,
                          "diff": 0.002 * i, "diff_low": 0.002 * i - 0.003,
                          "diff_high": 0.002 * i + 0.003} for i, y in enumerate(range(2000, 2006))])  # fmt: skip
    assert charts.diff_trend_figure(diff, sides=["CHN", "USA"], caption="c").layout.yaxis.tickformat == "+.1%"
    assert charts.share_tickformat([0.004, 0.002]) == ".2%"


def test_a_heatmap_cut_to_its_rows_says_so_and_keeps_the_rows_its_order_puts_first():
    """The page said only 60 countries were drawn, the exported image did not; and "highest
    mean first" re-sorted the 60 with most statements instead of taking the highest means."""
    m = matrix_frame()
    m.loc[m["country"] == "SGP", "n"] = 5  # the fewest statements, and the highest mean value
    m.loc[m["country"] == "SGP", "value"] = 0.9
    most = charts.heatmap_figure(m, caption="c", max_countries=2)
    assert "2 of 3 countries drawn: those with the most statements" in caption_of(most)
    assert not any("SGP" in y for y in most.data[0].y)
    best = charts.heatmap_figure(m, caption="c", max_countries=2, sort="value")
    assert "2 of 3 countries drawn: those with the highest mean" in caption_of(best)
    assert any("SGP" in y for y in best.data[0].y)
    assert "countries drawn" not in caption_of(charts.heatmap_figure(m, caption="c"))


def test_n_labels_at_one_point_neither_pile_up_nor_repeat():
    """Labels of several series at one point were drawn on top of each other ("n=3" and "n=1"
    read "n=31"; "n=2" twice read "n=2=2"): a label saying what one there says is left out,
    a different one moves aside."""
    df = trend_frame()
    df = df.assign(n=2, k=0, value=0.0, share=0.0, ci_low=0.0, ci_high=0.0)  # all themes at 0
    df.loc[df["theme"] == "ai_governance", "n"] = 3  # one says something else there
    fig = charts.trend_figure(df, caption="c", min_n=5)
    labels = [t for t in fig.data if t.mode == "text"]
    assert len(labels) == 3
    # (a run of points on too few statements is labelled where it starts: 2020)
    shown = [(t.text[i], t.textposition[i]) for t in labels for i in range(len(t.x)) if t.text[i]]
    assert sorted(text for text, _ in shown) == ["n=2", "n=3"]
    assert len({where for _, where in shown}) == 2


def test_counts_of_one_are_singular_in_hover_and_labels():
    """ "0 of 1 statements" and "1 matches" (QA): a count of one takes the singular."""
    from tracker.charts import _of, _plural

    assert _of(0, 1) == "0 of 1 statement" and _of(3, 12) == "3 of 12 statements"
    assert _of(None, 2) == "0 of 2 statements"  # a side with no statements
    assert _plural(1, "match", "matches") == "1 match" and _plural(1200, "word", "words") == "1,200 words"


@pytest.fixture(scope="module")
def gap_db(corpus, tmp_path_factory) -> Path:
    """China's and the United States' General Debate speeches of 2016, 2017, 2021 and 2022:
    no statement in 2018-2020."""
    import zipfile

    from tracker.ingest import ingest_paths

    folder = tmp_path_factory.mktemp("gap")
    picked = folder / "UNGDC_gap.zip"
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as zin, \
            zipfile.ZipFile(picked, "w") as zout:  # fmt: skip
        for name in zin.namelist():
            base = name.rsplit("/", 1)[-1]
            if base[:3] in ("CHN", "USA") and base[-8:-4] in ("2016", "2017", "2021", "2022"):
                zout.writestr(name, zin.read(name))
    db = folder / "gap.db"
    assert len(ingest_paths([picked], db=db).stored) == 8
    return db


def _spans(traces) -> list[tuple[float, float]]:
    return [(min(x for x in t.x if x is not None), max(x for x in t.x if x is not None))
            for t in traces]  # fmt: skip


def test_lines_and_bands_break_across_years_with_no_statements(gap_db):
    """Trends and Compare drew a straight line, and its band, from 2017 to 2021 over years with
    no statement at all, which a reader takes for values estimated there (QA in Chromium)."""
    filters = query.Filters(languages=())
    fig = charts.trend_figure(query.trends(gap_db, filters))
    for line in [t for t in fig.data if t.mode == "lines+markers"]:
        points = dict(zip(line.x, line.y))
        assert 2018 in points and points[2018] is None  # the line stops after 2017
        assert [x for x, y in points.items() if y is not None] == [2016, 2017, 2021, 2022]
    bands = [t for t in fig.data if t.fill == "toself"]
    assert bands and set(_spans(bands)) == {(2016, 2017), (2021, 2022)}
    found = query.compare(gap_db, filters, query.Side.parse("CHN"), query.Side.parse("USA"))
    for figure in (charts.compare_trend_figure(found["trends"], sides=("CHN", "USA")),
                   charts.diff_trend_figure(found["yearly_diff"], sides=("CHN", "USA"))):
        lines = [t for t in figure.data if t.mode == "lines+markers"]
        assert lines and all(None in list(t.y) for t in lines), figure.layout.title.text
        bands = [t for t in figure.data if t.fill == "toself"]
        assert bands and set(_spans(bands)) <= {(2016, 2017), (2021, 2022)}
    # two years alone, four apart (a database of 2020 and 2024 only): two points, no line
    apart = charts.trend_figure(trend_frame().query("year != 2021"))
    for line in [t for t in apart.data if t.mode == "lines+markers"]:
        assert list(line.x) == [2020, 2021, 2022] and line.y[1] is None
    # yearly data without a missing year is drawn as before: one run, one band per series
    whole = charts.trend_figure(trend_frame())
    assert all(None not in list(t.y) for t in whole.data if t.mode == "lines+markers")
    assert len([t for t in whole.data if t.fill == "toself"]) == len(THEMES)


def _zero_to_top(trace) -> tuple[float, float]:
    """The colour scale a heatmap or choropleth trace is drawn on. plotly.js honours ``zmin``
    and ``zmax`` only when both are numbers and ``zmin < zmax``; otherwise it scales from the
    data (``zauto``), and values all 0 then spread over -0.5...+0.5 with 0 in mid-colour."""
    zmin, zmax = trace.zmin, trace.zmax
    assert trace.zauto is not True
    assert isinstance(zmin, (int, float)) and isinstance(zmax, (int, float)) and zmin < zmax
    return zmin, zmax


def test_values_all_zero_start_the_colour_scale_at_its_lowest_colour():
    """Countries page ``?countries=ZAF&themes=digital_divide`` (a 0 of 36 cell) and the map
    ``?view=map&theme=digital_divide&years=1975&minn=1`` (every country 0%) drew 0% in
    mid-blue on a colour bar of -50%...+50%: ``zmin=0`` came without a ``zmax`` above it."""
    zero = matrix_frame().assign(k=0, share=0.0, matches=0, rate=0.0, value=0.0)
    zaf = zero[(zero["country"] == "CHN") & (zero["theme"] == "digital_divide")].assign(
        country="ZAF", country_name="South Africa", n=36)  # fmt: skip
    for measure in ("share", "rate"):
        figs = {"heatmap": charts.heatmap_figure(zaf, measure=measure, caption="c"),
                "heatmap of three": charts.heatmap_figure(zero, measure=measure, caption="c"),
                "map": countrymap.map_figure(zero, theme="digital_divide", measure=measure,
                                             caption="c", min_n=1)}  # fmt: skip
        for name, fig in figs.items():
            zmin, zmax = _zero_to_top(fig.data[0])
            assert zmin == 0 and zmax > 0, (name, measure, zmin, zmax)
            if measure == "share":  # 0 to a share, never above 100%
                assert zmax <= 1, (name, zmax)
                assert fig.data[0].colorbar.tickformat == ".0%", name
    # every cell on too few statements: none sets the top, the scale still starts at 0
    thin = zero.assign(n=2)
    zmin, zmax = _zero_to_top(charts.heatmap_figure(thin, caption="c", min_n=5).data[0])
    assert zmin == 0 < zmax <= 1


def test_the_map_scale_starts_at_zero_not_at_the_lowest_country():
    """The map set ``zmin=0`` without ``zmax``, which plotly ignores: the country with the
    lowest share was drawn white however high its share. Its scale is 0 to the top value."""
    m = matrix_frame()
    m = m[m["k"] > 0]
    for theme in m["theme"].unique():
        rows = m[m["theme"] == theme]
        fig = countrymap.map_figure(m, theme=theme, caption="c", min_n=1)
        assert _zero_to_top(fig.data[0]) == (0, pytest.approx(rows["value"].max()))
        heat = charts.heatmap_figure(rows, caption="c", min_n=1)
        assert _zero_to_top(heat.data[0]) == (0, pytest.approx(rows["value"].max()))


def _lab(color: str) -> tuple[float, float, float]:
    """CIELAB (D65) of a ``#rrggbb`` colour: distances in it follow what the eye tells apart."""
    rgb = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    xyz = ((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047,
           0.2126729 * r + 0.7151522 * g + 0.0721750 * b,
           (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883)  # fmt: skip
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _delta_e(a: str, b: str) -> float:
    """CIE76 colour difference: about 2 is the least one sees, over 10 reads as another colour."""
    return float(sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b))) ** 0.5)


def _chroma(color: str) -> float:
    _, a, b = _lab(color)
    return float((a * a + b * b) ** 0.5)


def _scale_colors(colorscale, steps: int = 100) -> list[str]:
    """The colours a two-stop colour scale draws, interpolated in RGB as plotly.js does."""
    (_, low), (_, high) = colorscale
    p, q = ([int(c.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)] for c in (low, high))
    return ["#" + "".join(f"{round(x + (y - x) * i / steps):02x}" for x, y in zip(p, q))
            for i in range(steps + 1)]  # fmt: skip


def test_no_theme_colour_is_grey_or_reads_as_too_few_statements():
    """unilateral_sanctions was grey (#7f7f7f): its map, white to the theme's colour, passed
    through the grey of countries on too few statements (LOW_COLOR), so Cuba at 93% looked like
    a country resting on one statement; #636363, grey too, was one of the colours of themes
    outside the default twelve."""
    extra = {}  # a theme name for each colour a theme outside the default twelve may get
    for i in range(2000):
        extra.setdefault(charts.theme_color(f"custom_{i}"), f"custom_{i}")
    assert set(extra) == set(charts._EXTRA_COLORS)
    names = [*charts.THEME_COLORS, *extra.values()]
    rows = pd.DataFrame([{"country": c, "country_name": c, "theme": t, "theme_label": t, "n": n,
                          "k": k, "share": k / n, "ci_low": 0.0, "ci_high": 1.0, "matches": k,
                          "words": 1000 * n, "rate": k / n, "value": k / n}
                         for t in names for c, k, n in (("CUB", 14, 15), ("BRA", 6, 20),
                                                         ("FJI", 1, 1))])  # fmt: skip
    for theme in names:
        color = charts.theme_color(theme)
        assert _chroma(color) >= 20, (theme, color)  # a hue, not a grey
        fig = countrymap.map_figure(rows, theme=theme, caption="c", min_n=5)
        low = {c for _, c in fig.data[1].colorscale}  # the cover of FJI, on one statement
        assert low == {charts.LOW_COLOR}
        assert fig.data[0].colorscale[-1][1] == color  # the top of the scale: CUB
        nearest = min(_delta_e(c, charts.LOW_COLOR) for c in _scale_colors(fig.data[0].colorscale))
        assert nearest >= 10, (theme, color, nearest)
    # one colour per theme, told apart from the other themes' and the charts' other colours
    defaults = list(charts.THEME_COLORS.values())
    for i, a in enumerate(defaults):
        for b in defaults[i + 1 :]:
            assert _delta_e(a, b) >= 20, (a, b)
    # the two sides of a comparison are not read as themes (QA: side A was digital_divide's
    # blue, delta E 4.5, and side B near militarization's red, 13.4)
    for side in charts.SIDE_COLORS:
        assert min(_delta_e(side, c) for c in defaults) >= 20, side
        assert _delta_e(side, charts.DIFF_COLOR) >= 20, side
    assert _delta_e(*charts.SIDE_COLORS) >= 20
    # nor the match kinds (exact was digital_divide's blue, delta E 2.9; semantic near
    # non_interference's pink, 16.4), told apart from each other too
    kinds = list(charts.KIND_COLORS.values())
    for kind in kinds:
        assert min(_delta_e(kind, c) for c in defaults) >= 20, kind
    assert min(_delta_e(a, b) for i, a in enumerate(kinds) for b in kinds[i + 1 :]) >= 20
    sanctions = charts.THEME_COLORS["unilateral_sanctions"]
    others = [*defaults, *charts.KIND_COLORS.values(), *charts.SIDE_COLORS, charts.DIFF_COLOR,
              charts.LOW_COLOR, *charts._EXTRA_COLORS]  # fmt: skip
    assert min(_delta_e(sanctions, c) for c in others if c != sanctions) >= 20
    assert not set(charts._EXTRA_COLORS) & set(defaults)
    assert len(set(charts._EXTRA_COLORS)) == len(charts._EXTRA_COLORS)


def test_on_screen_a_figure_leaves_its_caption_to_the_page_and_its_margin_with_it():
    """In the browser the caption, wrapped for a 1,000 px export, ran past the chart's right
    edge (QA: by 43-366 px at 1,000-1,280 px wide, hiding the codebook version): on screen the
    figure drops its caption annotation and the room under it, and the page prints the caption
    as text that wraps; the export keeps the caption in the figure."""
    long = "Filters: " + "; ".join(f"theme {t}" for t in THEMES) + " · codebook v1"
    for fig in (charts.trend_figure(trend_frame(), caption=long),
                charts.heatmap_figure(matrix_frame(), caption=long)):  # fmt: skip
        shown, caption = charts.on_screen(fig)
        assert caption == caption_of(fig) and "codebook v1" in caption
        assert not [a for a in shown.layout.annotations if a.name == "caption"]
        assert [a for a in fig.layout.annotations if a.name == "caption"]  # untouched
        lines = 1 + [a for a in fig.layout.annotations if a.name == "caption"][0].text.count("<br>")
        assert shown.layout.margin.b == fig.layout.margin.b - 14 * lines - 6
        assert shown.layout.height == fig.layout.height - 14 * lines - 6
        assert len(shown.data) == len(fig.data)
    empty = charts.empty_figure("No statements match these filters.")
    shown, caption = charts.on_screen(empty)
    assert caption == "" and shown.layout.margin.b == empty.layout.margin.b
