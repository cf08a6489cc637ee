"""Issue 11, item 2: honest small numbers. The statements behind every point, bar and cell; a
minimum n (sidebar, URL ``minn``) below which a value is grey and labelled; Wilson intervals on
Compare's bars and Newcombe's on the difference; rankings by the interval's lower bound with ties
and n; per-country and Compare-over-time views as small multiples with optional smoothing.

Charts are checked through ``fig.data``; pages through Streamlit's AppTest on the shared test
database (the same one tests/test_dashboard.py uses)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from db_support import sql
from streamlit.testing.v1 import AppTest
from test_dashboard import decode, figures

from tracker import charts, query
from tracker.query import Filters, Side

REPO = Path(__file__).resolve().parents[1]


# -- helpers -----------------------------------------------------------------------------------


def no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]



def panel_titles(fig: dict) -> list[str]:
    """The small multiples' panel titles (annotations anchored to the top of a panel)."""
    return [a["text"] for a in fig["layout"].get("annotations", [])
            if a.get("yanchor") == "bottom" and a.get("xref") == "paper"
            and a.get("showarrow") is False and a.get("y", 0) > 0]  # fmt: skip


def x_axes(fig: dict) -> set[str]:
    return {k for k in fig["layout"] if k.startswith("xaxis")}


def trend_frame(ns: dict[int, int], ks: dict[int, int], theme: str = "militarization"):
    rows = []
    for year, n in ns.items():
        k = ks[year]
        low, high = query.wilson([k], [n])
        rows.append({"year": year, "theme": theme, "theme_label": "Militarization", "n": n, "k": k,
                     "share": k / n, "ci_low": low[0], "ci_high": high[0], "matches": k,
                     "words": 1000 * n, "rate": k / n, "value": k / n})  # fmt: skip
    return pd.DataFrame(rows)


# -- statistics ----------------------------------------------------------------------------------


def test_newcombe_interval_of_a_difference_matches_the_published_values():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
    low, high = query.newcombe([56, 9, 6, 5, 0], [70, 10, 7, 56, 10], [48, 3, 2, 0, 0],
                               [80, 10, 7, 29, 20])  # fmt: skip
    expected = [(0.0524, 0.3339), (0.1705, 0.8090), (0.0582, 0.8062), (-0.0381, 0.1926),
                (-0.1611, 0.2775)]  # fmt: skip
    for i, (lo, hi) in enumerate(expected):
        assert low[i] == pytest.approx(lo, abs=1e-4) and high[i] == pytest.approx(hi, abs=1e-4)
    nothing = query.newcombe([1], [5], [0], [0])  # a side with no statements: no interval
    assert np.isnan(nothing[0][0]) and np.isnan(nothing[1][0])


def test_smoothing_pools_the_counts_of_a_rolling_window():
    df = trend_frame({2018: 2, 2019: 4, 2020: 10, 2021: 1}, {2018: 2, 2019: 1, 2020: 3, 2021: 1})
    s = query.smooth_years(df, window=3).set_index("year")
    assert dict(s["n"]) == {2018: 6, 2019: 16, 2020: 15, 2021: 11}
    assert dict(s["k"]) == {2018: 3, 2019: 6, 2020: 5, 2021: 4}
    assert s.loc[2019, "share"] == pytest.approx(6 / 16)
    low, high = query.wilson([6], [16])
    assert (s.loc[2019, "ci_low"], s.loc[2019, "ci_high"]) == pytest.approx((low[0], high[0]))
    assert s.loc[2018, "span"] == "2018–2019" and s.loc[2019, "span"] == "2018–2020"
    assert query.smooth_years(df, window=1) is df


def test_ranking_by_the_lower_bound_puts_many_statements_above_one(db):
    rank = query.ranking(db, Filters(), "un_main_channel", order="lower")
    assert rank["ci_low"].is_monotonic_decreasing
    one = rank[(rank["n"] == 1) & (rank["k"] == 1)]
    better = rank[(rank["n"] > 1) & (rank["ci_low"] > query.wilson([1], [1])[0][0])]
    assert len(one) and len(better)  # a 100% on one statement, and shares that rank above it
    assert one.index.min() > better.index.max()
    by_value = query.ranking(db, Filters(), "un_main_channel")
    assert by_value.iloc[0]["value"] == 1.0 and by_value.iloc[0]["n"] == 1  # the old order
    # ties share a place, the next country's place counts them (1, 1, 3, ...)
    tied = rank[rank["tied"]]
    assert len(tied)
    for _, g in tied.groupby("place"):
        assert g["rank"].min() == g["place"].iloc[0] and g["ci_low"].nunique() == 1


# -- figures ------------------------------------------------------------------------------------


def test_a_point_on_too_few_statements_is_grey_hollow_and_labelled():
    df = trend_frame({2019: 3, 2020: 12, 2021: 20}, {2019: 3, 2020: 6, 2021: 5})
    fig = charts.trend_figure(df, min_n=5)
    line = next(t for t in fig.data if t.mode == "lines+markers")
    assert list(line.marker.color) == [charts.LOW_COLOR, charts.theme_color("militarization"),
                                       charts.theme_color("militarization")]  # fmt: skip
    assert list(line.marker.symbol) == ["circle-open", "circle", "circle"]
    assert "below the minimum of 5" in line.text[0] and "below" not in line.text[1]
    assert all(f"of {n} statements" in t for t, n in zip(line.text, [3, 12, 20]))
    label = next(t for t in fig.data if t.mode == "text")
    assert list(label.x) == [2019] and list(label.text) == ["n=3"]
    # the coloured line leaves the point out; the dotted grey line reaches it
    colour = next(t for t in fig.data if t.mode == "lines" and t.fill != "toself")
    assert list(colour.y) == [None, 0.5, 0.25]
    assert "fewer than 5 statements" in fig.layout.meta["caption"]
    assert not [t for t in charts.trend_figure(df, min_n=3).data if t.mode == "text"]


def test_compare_bars_carry_wilson_intervals_and_the_difference_newcombe():
    k_a, n_a, k_b, n_b = [2, 6], [10, 10], [1, 3], [3, 3]
    low_a, high_a = query.wilson(k_a, n_a)
    low_b, high_b = query.wilson(k_b, n_b)
    d_low, d_high = query.newcombe(k_a, n_a, k_b, n_b)
    themes = pd.DataFrame({
        "theme": ["ai_governance", "militarization"], "theme_label": ["AI", "Militarization"],
        "k_a": k_a, "n_a": n_a, "k_b": k_b, "n_b": n_b, "value_a": [0.2, 0.6],
        "value_b": [1 / 3, 1.0], "ci_low_a": low_a, "ci_high_a": high_a, "ci_low_b": low_b,
        "ci_high_b": high_b, "diff_low": d_low, "diff_high": d_high,
    })  # fmt: skip
    themes["diff"] = themes["value_a"] - themes["value_b"]
    fig = charts.compare_bar_figure(themes, sides=["CHN", "USA"], min_n=5)
    a, b, diff = fig.data[:3]
    assert list(a.error_y.array) == pytest.approx(list(high_a - themes["value_a"]))
    assert list(a.error_y.arrayminus) == pytest.approx(list(themes["value_a"] - low_a))
    assert list(diff.error_y.array) == pytest.approx(list(d_high - themes["diff"]))
    assert list(diff.error_y.arrayminus) == pytest.approx(list(themes["diff"] - d_low))
    assert "Newcombe" in diff.name
    # side B rests on 3 statements: grey, hatched, labelled; side A is plain
    assert list(b.marker.pattern.shape) == [charts.LOW_PATTERN] * 2
    assert list(b.marker.color) == [charts.LOW_COLOR] * 2
    assert a.marker.color == charts.SIDE_COLORS[0] and not a.marker.pattern.shape
    assert [c[3] for c in b.customdata] == ["1/3 · too few", "3/3 · too few"]
    assert [c[3] for c in a.customdata] == ["2/10", "6/10"]
    assert all("below the minimum of 5" in t for t in b.text)
    assert list(diff.marker.color) == [charts.LOW_COLOR] * 2
    # each k/n label stands on its side's error bar (a bar's own outside text began at the
    # bar's top, so the error bar ran through it), in its side's place, out of legend and hover
    label_a, label_b = fig.data[3:]
    for label, side, high in ((label_a, a, high_a), (label_b, b, high_b)):
        assert label.offsetgroup == side.offsetgroup and label.offsetgroup in ("a", "b")
        assert list(label.base) == pytest.approx(list(high))
        assert list(label.text) == [c[3].split(" · ")[0] for c in side.customdata]
        assert side.textposition == "none"
        assert label.showlegend is False and label.hoverinfo == "skip" and label.customdata is None
    assert list(label_b.text) == ["1/3", "3/3"]  # the grey hatching says "too few"
    assert fig.layout.yaxis.range[1] > max(max(high_a), max(high_b))  # room above the labels


def test_ranking_bars_show_place_ties_n_and_grey_low_counts():
    rank = pd.DataFrame({
        "country": ["AAA", "BBB", "CCC"], "country_name": ["Aland", "Bland", "Cland"],
        "n": [40, 40, 2], "k": [20, 20, 2], "value": [0.5, 0.5, 1.0], "rank": [1, 2, 3],
        "place": [1, 1, 3], "tied": [True, True, False],
    })  # fmt: skip
    low, high = query.wilson(rank["k"], rank["n"])
    rank["ci_low"], rank["ci_high"] = low, high
    fig = charts.ranking_figure(rank, theme="militarization", order="lower", min_n=5)
    bar = fig.data[0]
    assert list(bar.y)[::-1] == ["=1. Aland (AAA)", "=1. Bland (BBB)", "3. Cland (CCC)"]
    assert [c[3] for c in bar.customdata][::-1] == ["20/40", "20/40", "2/2 · n<5"]
    assert list(bar.marker.pattern.shape)[::-1] == ["", "", charts.LOW_PATTERN]
    assert "lower end of the 95% interval" in fig.layout.title.text


def test_heatmap_cells_on_few_statements_are_covered_grey_and_labelled():
    rows = []
    for c, n in (("AAA", 2), ("BBB", 9)):
        for theme in ("ai_governance", "militarization"):
            rows.append({"country": c, "country_name": c, "theme": theme, "theme_label": theme,
                         "n": n, "k": 1, "share": 1 / n, "ci_low": 0.0, "ci_high": 1.0,
                         "matches": 1, "words": 100, "rate": 10.0, "value": 1 / n})  # fmt: skip
    fig = charts.heatmap_figure(pd.DataFrame(rows), min_n=5)
    values, cover = fig.data[0], fig.data[1]
    assert cover.type == "heatmap" and list(cover.y) == list(values.y)
    for i, label in enumerate(cover.y):
        low = label.startswith("AAA")
        assert [z is not None for z in cover.z[i]] == [low, low]
        assert list(cover.text[i]) == (["n=2", "n=2"] if low else ["", ""])
    hover = dict(zip(fig.data[2].y, fig.data[2].text))  # the cells' hover: n, and why grey
    assert all(("below the minimum of 5" in text) == label.startswith("AAA")
               for label, text in hover.items())  # fmt: skip


# -- the pages -----------------------------------------------------------------------------------


def test_the_minimum_n_is_in_the_sidebar_and_the_url_and_greys_trend_points(app, db):
    at = app(themes="un_main_channel", minn="8").run()
    no_trouble(at)
    assert at.sidebar.number_input(key="min_n").value == 8
    fig = figures(at)[0]
    line = next(t for t in fig["data"] if t.get("mode") == "lines+markers")
    n = {y: int(t.split(" of ")[1].split(" ")[0]) for y, t in zip(decode(line["x"]), line["text"])}
    assert min(n.values()) < 8 <= max(n.values())  # both kinds of point on this database
    colors = dict(zip(decode(line["x"]), line["marker"]["color"]))
    for year, count in n.items():
        assert (colors[year] == charts.LOW_COLOR) == (count < 8), year
    labels = next(t for t in fig["data"] if t.get("mode") == "text")
    assert {f"n={n[y]}" for y in decode(labels["x"])} == set(labels["text"])
    at.sidebar.number_input(key="min_n").set_value(3).run()
    no_trouble(at)
    assert at.query_params["minn"] == "3"
    assert not [t for t in figures(at)[0]["data"] if t.get("mode") == "text"]
    at.sidebar.number_input(key="min_n").set_value(charts.MIN_N).run()
    assert "minn" not in at.query_params  # the default stays out of the link
    # the setting survives a page switch
    at.sidebar.number_input(key="min_n").set_value(9).run()
    at.switch_page("app_pages/countries.py").run()
    no_trouble(at)
    assert at.sidebar.number_input(key="min_n").value == 9


def test_trends_per_country_are_small_multiples_with_pooled_smoothing(app, db):
    at = app(lines="country", theme="un_main_channel", countries="CHN,RUS,SGP", smooth="3").run()
    no_trouble(at)
    assert at.selectbox(key="trend_smooth").value == 3
    fig = figures(at)[0]
    assert len(x_axes(fig)) == 3  # one panel per country
    assert [t.split(" (")[-1].rstrip(")") for t in panel_titles(fig)] == ["CHN", "RUS", "SGP"]
    lines = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    assert len({t.get("xaxis", "x") for t in lines}) == 3
    chn = next(t for t in lines if t["customdata"][0][2] == "CHN")
    years = decode(chn["x"])
    per_year = dict(sql(db, "SELECT year, COUNT(*) FROM statements WHERE country = 'CHN' AND "
                        "duplicate_of IS NULL AND year IS NOT NULL GROUP BY year"))  # fmt: skip
    for year, text in zip(years, chn["text"]):
        pooled = sum(per_year.get(y, 0) for y in (year - 1, year, year + 1) if y in years)
        assert f"of {pooled} statements" in text, (year, text)
    assert at.query_params["smooth"] == "3"
    assert "3-year rolling window" in fig["layout"]["meta"]["caption"]


def test_heatmap_page_covers_cells_below_the_minimum(app, db):
    at = app(minn="5").run()
    at.switch_page("app_pages/countries.py").run()
    no_trouble(at)
    fig = figures(at)[0]
    values, cover = fig["data"][0], fig["data"][1]
    assert cover["type"] == "heatmap"
    n = {c: k for c, k in sql(db, "SELECT country, COUNT(*) FROM statements GROUP BY country")}
    z = cover["z"]
    low_rows = 0
    for i, row in enumerate(values["customdata"]):
        country = row[0][2]
        matrix_n = int(cover["text"][i][0][2:]) if cover["text"][i][0] else None
        if z[i][0] is not None:
            low_rows += 1
            assert matrix_n is not None and matrix_n < 5 and matrix_n <= n[country]
    assert low_rows  # this database has countries with fewer than five statements


def test_ranking_page_orders_by_the_lower_bound_with_ties_and_n(app, db):
    # min=1: every country that spoke (the default floor is the sidebar's 5, none here in 2024)
    at = app(view="ranking", theme="un_main_channel", years="2024-2024", min="1").run()
    at.switch_page("app_pages/countries.py").run()
    no_trouble(at)
    assert at.radio(key="rank_order").value == "lower"
    bar = figures(at)[0]["data"][0]
    expected = query.ranking(db, Filters(year_from=2024, year_to=2024), "un_main_channel",
                             order="lower").head(25)  # fmt: skip
    shown = [y.split(". ", 1)[1].rsplit("(", 1)[-1].rstrip(")") for y in bar["y"]][::-1]
    assert shown == list(expected["country"])
    # the 2024 case of the issue: the 100% shares rest on one statement each and say so
    assert all(y.startswith("=") for y, c in zip(bar["y"][::-1], expected["tied"]) if c)
    assert [c[3].split(" ")[0] for c in bar["customdata"]][::-1] == [
        f"{k}/{n}" for k, n in zip(expected["k"], expected["n"])
    ]
    assert set(bar["marker"]["pattern"]["shape"]) == {charts.LOW_PATTERN}  # all n < 5 here
    assert any("share their place" in c.value for c in at.caption)
    at.radio(key="rank_order").set_value("value").run()
    no_trouble(at)
    assert at.query_params["order"] == "value"
    again = app(view="ranking", theme="un_main_channel", order="value").run()
    again.switch_page("app_pages/countries.py").run()
    assert again.radio(key="rank_order").value == "value"


def test_compare_page_bars_and_difference_carry_their_intervals(app, db):
    at = app(a="CHN", b="group:P5").run()
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    a, b, diff = figures(at)[0]["data"][:3]
    result = query.compare(db, Filters(), Side.parse("CHN"), Side.parse("group:P5"))
    t = result["themes"].sort_values("theme_label")
    assert decode(a["error_y"]["array"]) == pytest.approx(list(t["ci_high_a"] - t["value_a"]))
    assert decode(b["error_y"]["arrayminus"]) == pytest.approx(list(t["value_b"] - t["ci_low_b"]))
    low, high = query.newcombe(t["k_a"], t["n_a"], t["k_b"], t["n_b"])
    assert decode(diff["error_y"]["array"]) == pytest.approx(list(high.to_numpy() - t["diff"]))
    assert decode(diff["error_y"]["arrayminus"]) == pytest.approx(list(t["diff"] - low.to_numpy()))
    assert [c[3] for c in a["customdata"]] == [
        f"{k}/{n}" + (" · too few" if n < 5 else "") for k, n in zip(t["k_a"], t["n_a"])
    ]


def test_compare_over_time_is_one_panel_per_theme_with_smoothing(app, db):
    at = app(a="CHN", b="RUS", themes="un_main_channel,non_interference,militarization",
             smooth="3", tab="time").run()  # fmt: skip
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    assert at.selectbox(key="cmp_smooth").value == 3
    figs = {f["layout"]["title"]["text"].split(" (")[0]: f for f in figures(at)}
    over = figs["CHN vs RUS over time"]
    assert len(x_axes(over)) == 3 and len(panel_titles(over)) == 3
    lines = [t for t in over["data"] if t.get("mode") == "lines+markers"]
    assert {(t["customdata"][0][2], t.get("xaxis", "x")) for t in lines} == {
        (side, axis) for side in ("CHN", "RUS") for axis in ("x", "x2", "x3")
    }
    per_year = dict(sql(db, "SELECT year, COUNT(*) FROM statements WHERE country = 'RUS' AND "
                        "duplicate_of IS NULL AND year IS NOT NULL GROUP BY year"))  # fmt: skip
    rus = next(t for t in lines if t["customdata"][0][2] == "RUS")
    years = decode(rus["x"])
    for year, text in zip(years, rus["text"]):
        pooled = sum(per_year.get(y, 0) for y in (year - 1, year, year + 1) if y in years)
        assert f"of {pooled} statements" in text
    # the Difference tab, drawn when open (only the open tab's figure is built)
    at = app(a="CHN", b="RUS", themes="un_main_channel,non_interference,militarization",
             smooth="3", tab="difference").run()  # fmt: skip
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    figs = {f["layout"]["title"]["text"].split(" (")[0]: f for f in figures(at)}
    diff = figs["Difference CHN − RUS over time"]
    assert len(x_axes(diff)) == 3
    bands = [t for t in diff["data"] if t.get("fill") == "toself"]
    assert len(bands) == 3  # Newcombe's band in each panel
    assert "Newcombe" in diff["layout"]["meta"]["caption"]


def test_world_map_greys_and_labels_countries_on_few_statements(app, db):
    at = app(view="map", theme="un_main_channel", minn="5").run()
    at.switch_page("app_pages/countries.py").run()
    no_trouble(at)
    fig = figures(at)[0]
    values, cover, labels = fig["data"][:3]
    assert values["type"] == "choropleth" and cover["type"] == "choropleth"
    m = query.country_theme_matrix(db, Filters(themes=("un_main_channel",)))
    low = m[m["n"] < 5]
    assert len(low) and len(low) < len(m)
    assert list(cover["locations"]) == list(low["country"])
    assert set(cover["colorscale"][0][1:]) == {charts.LOW_COLOR}
    # n written on the countries it fits along (AUS, NGA), the others' in the caption and hover
    # (tests/test_map_labels.py)
    n_of = dict(zip(low["country"], low["n"]))
    assert {"AUS", "NGA"} <= set(labels["locations"]) < set(low["country"])
    assert list(labels["text"]) == [f"n={n_of[c]}" for c in labels["locations"]]
    assert all("below the minimum of 5" in t for t in cover["text"])
    caption = fig["layout"]["meta"]["caption"]
    assert "fewer than 5 statements" in caption and "AUT" in caption


def test_trends_per_theme_can_be_one_panel_per_theme_with_bands(app, db):
    at = app(countries="CHN", themes="un_main_channel,non_interference,militarization").run()
    no_trouble(at)
    assert len(x_axes(figures(at)[0])) == 1  # one chart by default
    at.toggle(key="trend_panels").set_value(True).run()
    no_trouble(at)
    assert at.query_params["panels"] == "1"
    fig = figures(at)[0]
    assert len(x_axes(fig)) == 3
    labels = [query.DEFAULT_THEME_LABELS[t] for t in ("militarization", "non_interference",
                                                      "un_main_channel")]  # fmt: skip
    assert sorted(panel_titles(fig)) == sorted(labels)
    lines = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    assert len({t.get("xaxis", "x") for t in lines}) == 3
    assert len([t for t in fig["data"] if t.get("fill") == "toself"]) == 3  # a band per panel
    # one statement a year from one country: every point is grey, hollow and says why
    assert all(c == charts.LOW_COLOR for t in lines for c in t["marker"]["color"])
    assert all("below the minimum" in text for t in lines for text in t["text"])


def test_trends_suggest_pooling_years_when_most_points_are_thin(app):
    at = app(countries="CHN").run()
    no_trouble(at)
    assert any("pools neighbouring years" in c.value for c in at.caption)
    pooled = app(countries="CHN,RUS,USA,GBR,FRA", smooth="5", minn="2").run()
    no_trouble(pooled)
    assert not any("pools neighbouring years" in c.value for c in pooled.caption)


def test_heatmap_colours_and_ranks_by_the_cells_drawn_in_colour():
    """One speech's rate (55.6 per 1,000 words, covered grey as n=1) set the top of the colour
    scale, so every cell drawn in colour (about 1.5) was near white; "highest mean first" put
    the countries of one statement at the top."""
    rows = []
    for c, n, value in (("AAA", 1, 55.6), ("BBB", 40, 1.5), ("CCC", 30, 0.5)):
        for theme in ("ai_governance", "militarization"):
            rows.append({"country": c, "country_name": c, "theme": theme, "theme_label": theme,
                         "n": n, "k": 1, "share": 0.1, "ci_low": 0.0, "ci_high": 1.0,
                         "matches": 1, "words": 100, "rate": value, "value": value})  # fmt: skip
    fig = charts.heatmap_figure(pd.DataFrame(rows), measure="rate", min_n=5, sort="value")
    assert fig.data[0].zmax == 1.5
    assert list(fig.data[0].y) == ["AAA", "CCC", "BBB"]  # bottom-up: the grey row last
