"""Issue 11 (crashes, evidence that is whole, filters that do not surprise) and issue 14 (stored
values shown as text), through the real pages in Streamlit's AppTest on the shared test database.

AppTest cannot click a table row or a chart point, so :func:`rerun_with` sends the browser's
own selection message (the widget state Streamlit's frontend sends) with the next run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from db_support import sql
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from tracker import query

REPO = Path(__file__).resolve().parents[1]


def display_text(text: str) -> str:
    """Text as the table shows it: the sources' Markdown emphasis marks dropped."""
    return re.sub(r"\*{2,}|_{2,}", "", text)



def no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def table(at: AppTest, key: str):
    return next(d for d in at.dataframe if d.key == key)


def rerun_with(at: AppTest, states: dict[str, str]) -> AppTest:
    """Run with the widgets' values plus ``states`` (element id -> the JSON the frontend sends
    for a table row or chart point selection)."""
    ws = at._tree.get_widget_states()
    for element_id, value in states.items():
        ws.widgets.append(WidgetState(id=element_id, string_value=value))
    return at._run(ws)


def row_selection(at: AppTest, key: str, row: int) -> dict[str, str]:
    sel = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return {table(at, key).proto.id: json.dumps(sel)}


def params(at: AppTest) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


# -- the two crashes ------------------------------------------------------------------------------


def test_open_statement_from_evidence_keeps_the_filters_and_back_works(app):
    at = app(years="2018-2022", themes="un_main_channel", sort="score").run()
    at.switch_page("app_pages/evidence.py").run()
    no_trouble(at)
    picked = row_selection(at, "evidence_table", 0)
    rerun_with(at, picked)
    sid = int(table(at, "evidence_table").value.iloc[0]["statement"])
    at.button(key="evidence_open").click()
    rerun_with(at, picked)
    no_trouble(at)
    assert at.title[0].value == "Statement"
    assert at.sidebar.slider(key="f_years").value == (2018, 2022)
    assert at.sidebar.multiselect(key="f_themes").value == ["un_main_channel"]
    url = params(at)
    assert url["id"] == str(sid)
    assert url["years"] == "2018-2022" and url["themes"] == "un_main_channel"
    assert url["sort"] == "score"  # the evidence page's own settings travel too, for Back
    # Back: the browser shows the evidence page again with the URL it had (the parameters of
    # the page switch included)
    at.switch_page("app_pages/evidence.py").run()
    no_trouble(at)
    assert at.title[0].value == "Evidence"
    assert at.sidebar.slider(key="f_years").value == (2018, 2022)
    assert at.selectbox(key="ev_sort").value == "score"
    assert len(table(at, "evidence_table").value)


def test_open_statement_after_clicking_a_point_on_trends(app, db):
    at = app(years="2018-2022", themes="un_main_channel").run()
    no_trouble(at)
    chart = at.get("plotly_chart")[0]
    lines = [t for t in json.loads(chart.proto.spec)["data"] if t.get("mode") == "lines+markers"]
    custom = lines[0]["customdata"]
    point = {"curve_number": 0, "point_number": 0, "point_index": 0, "x": custom[0][1],
             "y": 0.5, "customdata": custom[0]}  # fmt: skip
    sel = {"selection": {"points": [point], "point_indices": [0], "box": [], "lasso": []}}
    states = {chart.proto.id: json.dumps(sel)}
    rerun_with(at, states)
    no_trouble(at)
    states.update(row_selection(at, "trend_ev_table", 0))
    rerun_with(at, states)
    at.button(key="trend_ev_open").click()
    rerun_with(at, states)
    no_trouble(at)
    assert at.title[0].value == "Statement"
    assert at.query_params["years"] == "2018-2022"
    assert at.sidebar.slider(key="f_years").value == (2018, 2022)


def test_a_smoothed_point_opens_the_evidence_of_every_year_it_pools(app, db):
    """With a 3-year window a point counts its neighbours' statements too: clicking 2022 showed
    2022's passages alone (25 rows under a tooltip of 2021-2023's 65 matches). The panel now
    holds the pooled years' counted matches, as many as the point says."""
    at = app(themes="unilateral_sanctions", smooth="3").run()
    no_trouble(at)
    chart = at.get("plotly_chart")[0]
    lines = [t for t in json.loads(chart.proto.spec)["data"] if t.get("mode") == "lines+markers"]
    custom = lines[0]["customdata"]
    i = len(custom) // 2  # a year inside the series, with neighbours on both sides
    year = int(custom[i][1])
    point = {"curve_number": 0, "point_number": i, "point_index": i, "x": year, "y": 0.5,
             "customdata": custom[i]}  # fmt: skip
    sel = {"selection": {"points": [point], "point_indices": [i], "box": [], "lasso": []}}
    rerun_with(at, {chart.proto.id: json.dumps(sel)})
    no_trouble(at)
    assert any(f"{year - 1}–{year + 1}" in h.value for h in at.subheader)
    rows = table(at, "trend_ev_table").value
    numbers = next(d.value for d in at.dataframe if "span" in d.value.columns)
    behind = numbers[(numbers["year"] == year) & (numbers["theme"] == "unilateral_sanctions")]
    pooled = int(behind["matches"].iloc[0])  # what the clicked point counts
    counted = rows[rows["direction"] == "supports"]
    assert len(counted) == pooled
    # the panel's count reads as the point's: counted ones first, the others named apart
    aside = len(rows) - len(counted)
    held = counted["statement"].nunique()  # and the statements they are in, which it counts
    assert aside and any(c.value.startswith(f"{pooled} matches counted in {held} statements + "
                                            f"{aside} not counted") for c in at.caption)  # fmt: skip
    assert {int(d[:4]) for d in counted["date"]} == set(range(year - 1, year + 2)) & {
        int(y) for y in numbers["year"]}  # fmt: skip


def test_compare_captions_name_the_sides_not_the_sidebar_countries_they_replace(app, db):
    """The sides replace the sidebar's countries: the captions (and so the exports) said
    "Filters: countries: FRA, GBR" under a chart of China against the United States."""
    at = app(countries="FRA,GBR", a="CHN", b="USA").run()
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    specs = [json.dumps(f) for f in figures(at)]
    assert specs and all("A = " in spec for spec in specs)
    assert not [spec for spec in specs if "FRA" in spec or "GBR" in spec]


def test_a_ranking_emptied_by_its_minimum_says_so_not_no_statements(app, db):
    """Tuvalu has one statement: its ranking, under the default minimum of five, said "No
    statements match these filters", which sent the researcher to the wrong control."""
    few = sql(db, "SELECT country FROM statements WHERE duplicate_of IS NULL AND language = 'en' "
                  "AND country != '' GROUP BY country HAVING COUNT(*) BETWEEN 1 AND 4 LIMIT 1")
    assert few, "the test database has a country with one to four statements"
    at = app(countries=few[0][0], view="ranking").run()
    at.switch_page("app_pages/countries.py").run()
    assert not at.exception
    said = " ".join(i.value for i in at.info)
    assert "No country has 5 statements or more" in said and "No statements match" not in said


def test_years_in_a_link_outside_the_database_are_said_not_silently_moved(app, db):
    """`years=1946-1960` on a database starting later silently showed its first year instead."""
    [(first, last)] = sql(db, "SELECT MIN(year), MAX(year) FROM statements")
    at = app(years=f"{first - 30}-{first - 20}").run()
    assert not at.exception
    assert at.sidebar.slider(key="f_years").value == (first, first)
    said = " ".join(w.value for w in at.warning)
    assert f"asked for the years {first - 30}–{first - 20}" in said
    assert f"from {first} to {last}" in said
    quiet = app(years=f"{first}-{last}").run()  # a range inside the database: nothing to say
    assert not [w for w in quiet.warning if "asked for the years" in w.value]


def test_charts_offer_no_camera_button_whose_png_lacks_the_citation(app, db):
    """Plotly's own "download as PNG" saved the figure without the citation and with a bare
    file name; the export buttons under each chart are the way to save it."""
    at = app(themes="un_main_channel").run()
    no_trouble(at)
    configs = [json.loads(el.proto.config) for el in at.get("plotly_chart")]
    assert configs and all("toImage" in c.get("modeBarButtonsToRemove", []) for c in configs)


def test_compare_with_one_side_empty_draws_the_other_and_says_so(app, db):
    n_usa = sql(db, "SELECT COUNT(*) FROM statements WHERE country = 'USA' AND year = 2024")[0][0]
    n_chn = sql(db, "SELECT COUNT(*) FROM statements WHERE country = 'CHN' AND year = 2024")[0][0]
    assert n_usa == 0 and n_chn > 0  # the case of the issue: China vs United States in 2024
    at = app(years="2024-2024", a="CHN", b="USA").run()
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("USA" in w.value and "no statements" in w.value for w in at.warning)
    bars = figures(at)[0]["data"]
    assert [t["name"] for t in bars[:2]] == ["CHN", "USA"]
    assert all("no statements" in text for text in bars[1]["text"])


# -- evidence is cut ------------------------------------------------------------------------------


def test_a_match_across_two_sentences_is_shown_whole(app, db):
    sid, country, year, theme, matched = sql(
        db, 'SELECT s.id, s.country, s.year, m.theme, m.matched_text FROM matches m '
        'JOIN passages p ON p.id = m.passage_id JOIN statements s ON s.id = m.statement_id '
        'WHERE m."end" > p."end" AND s.duplicate_of IS NULL AND s.language = \'en\' '
        'AND s.year IS NOT NULL ORDER BY m.id LIMIT 1')[0]  # fmt: skip
    at = app(countries=country, years=f"{year}-{year}", themes=theme).run()
    at.switch_page("app_pages/evidence.py").run()
    no_trouble(at)
    rows = table(at, "evidence_table").value
    mine = rows[rows["statement"] == sid]
    assert display_text(matched) in set(mine["match"])
    # the passage under the table holds both sentences, the match marked whole
    i = int(mine.index[mine["match"] == display_text(matched)][0])
    rerun_with(at, row_selection(at, "evidence_table", i))
    bodies = [h.proto.body for h in at.get("html")]
    assert any(display_text(matched) in b.replace("<br>", "\n") for b in bodies)


def test_markdown_marks_of_the_sources_are_not_in_the_evidence_table(app, db):
    country, year = sql(
        db, "SELECT s.country, s.year FROM matches m JOIN passages p ON p.id = m.passage_id "
        "JOIN statements s ON s.id = m.statement_id WHERE p.text LIKE '%**%' "
        "AND s.duplicate_of IS NULL AND s.language = 'en' LIMIT 1")[0]  # fmt: skip
    at = app(countries=country, years=f"{year}-{year}").run()
    at.switch_page("app_pages/evidence.py").run()
    no_trouble(at)
    rows = table(at, "evidence_table").value
    assert len(rows) < 200  # all of this statement's rows are in the table
    cells = [str(v) for col in ("before", "match", "after") for v in rows[col]]
    assert not [c for c in cells if "**" in c]


def test_the_match_and_theme_columns_are_wide_enough_for_their_text(app):
    at = app().run()
    at.switch_page("app_pages/evidence.py").run()
    no_trouble(at)
    df = table(at, "evidence_table")
    config = json.loads(df.proto.columns)
    # the theme on one line; the match on one line, or wrapped whole in taller rows (Streamlit
    # wraps cell text only in rows taller than 64 px)
    theme = max(len(str(v)) for v in df.value["theme"])
    assert config["theme"]["width"] >= 7 * theme + 16
    longest = max(len(str(v)) for v in df.value["match"])
    assert longest > 60  # a proximity match: longer than the column was
    width = config["match"]["width"]
    per_line = (width - 16) // 7
    lines = -(-longest // per_line)
    if lines > 1:
        assert df.proto.row_height > 64 and df.proto.row_height >= 18 * lines


def test_evidence_downloads_say_they_hold_every_row(app, db):
    at = app(langs="all").run()
    at.switch_page("app_pages/evidence.py").run()
    no_trouble(at)
    total = query.evidence_count(db, query.Filters(languages=()))
    assert total > 200
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"CSV of all {total:,} rows" in labels
    assert any(f"all {total:,} in the downloads" in c.value for c in at.caption)


# -- filters that do not surprise ------------------------------------------------------------------


def trend_numbers(at: AppTest):
    return at.dataframe[-1].value


def test_exact_dates_do_not_select_statements_dated_by_year_only(app, db):
    july = app(**{"from": "2024-07-01", "to": "2024-07-31"}).run()
    assert not july.exception
    in_july = sql(db, "SELECT COUNT(*) FROM statements WHERE date LIKE '2024-07%'")[0][0]
    year_only = sql(db, "SELECT COUNT(*) FROM statements WHERE date = '2024'")[0][0]
    assert in_july == 0 and year_only > 0
    assert any("No statements match" in i.value for i in july.info)
    whole = app(**{"from": "2024-01-01", "to": "2024-12-31"}).run()
    no_trouble(whole)
    n = trend_numbers(whole).groupby("year")["n"].first()
    assert list(n.index) == [2024]
    cond = ("duplicate_of IS NULL AND country != '' AND role NOT IN "
            "('president','briefer','secretariat','chair')")  # fmt: skip
    langs = query.resolve_languages(db, query.Filters())
    cond += " AND language IN (" + ",".join(f"'{x}'" for x in langs) + ")"
    assert n[2024] == sql(db, f"SELECT COUNT(*) FROM statements WHERE {cond} AND year = 2024")[0][0]
    assert any("whole month or year" in c.value for c in whole.sidebar.caption)


def test_a_reversed_date_range_is_refused_with_a_message(app):
    plain = app().run()
    at = app(**{"from": "2024-09-30", "to": "2024-09-01"}).run()
    assert not at.exception
    assert any("after" in e.value and "not applied" in e.value for e in at.error)
    assert "from" not in at.query_params and "to" not in at.query_params
    assert figures(at)[0]["data"] == figures(plain)[0]["data"]


def test_an_emptied_match_kind_or_language_box_is_refilled_and_says_so(app, db):
    at = app().run()
    at.sidebar.multiselect(key="f_kinds").set_value([]).run()
    no_trouble(at)
    assert at.sidebar.multiselect(key="f_kinds").value == list(query.KINDS)
    assert any("every kind" in c.value for c in at.sidebar.caption)
    present = sorted(r[0] for r in sql(db, "SELECT DISTINCT language FROM statements"))
    at.sidebar.multiselect(key="f_langs").set_value([]).run()
    no_trouble(at)
    assert sorted(at.sidebar.multiselect(key="f_langs").value) == present
    assert any("every language" in c.value for c in at.sidebar.caption)
    assert at.query_params["langs"] == "all"


def test_evidence_sort_order_is_kept_in_the_url(app):
    at = app().run()
    at.switch_page("app_pages/evidence.py").run()
    at.selectbox(key="ev_sort").set_value("score").run()
    no_trouble(at)
    assert at.query_params["sort"] == "score"
    again = app(sort="score").run()
    again.switch_page("app_pages/evidence.py").run()
    assert again.selectbox(key="ev_sort").value == "score"
    scores = list(table(again, "evidence_table").value["score"])
    assert scores == sorted(scores, reverse=True)


def test_heatmap_row_order_is_kept_in_the_url(app):
    at = app().run()
    at.switch_page("app_pages/countries.py").run()
    at.radio(key="heat_sort").set_value("highest mean first").run()
    no_trouble(at)
    assert at.query_params["rows"] == "value"
    again = app(rows="value").run()
    again.switch_page("app_pages/countries.py").run()
    assert again.radio(key="heat_sort").value == "highest mean first"
    assert figures(again)[0]["data"][0]["y"] == figures(at)[0]["data"][0]["y"]


def test_ranking_settings_are_kept_in_the_url(app):
    at = app(view="ranking", theme="un_main_channel").run()
    at.switch_page("app_pages/countries.py").run()
    at.number_input(key="rank_min").set_value(3)
    at.slider(key="rank_top").set_value(10)
    at.run()
    no_trouble(at)
    assert at.query_params["min"] == "3" and at.query_params["top"] == "10"
    again = app(**params(at)).run()
    again.switch_page("app_pages/countries.py").run()
    no_trouble(again)
    assert again.number_input(key="rank_min").value == 3
    assert again.slider(key="rank_top").value == 10
    assert figures(again)[0]["data"][0]["y"] == figures(at)[0]["data"][0]["y"]


def tab_index(at: AppTest) -> int:
    tabs = [b for b in at._tree if getattr(b, "type", "") == "tab_container"]
    return tabs[0].proto.tab_container.default_tab_index


def test_compare_tab_is_kept_in_the_url(app):
    link = app(a="CHN", b="RUS", tab="time").run()  # a copied link to the "Over time" tab
    link.switch_page("app_pages/compare.py").run()
    no_trouble(link)
    assert tab_index(link) == 1
    at = app(a="CHN", b="RUS").run()
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    assert tab_index(at) == 0 and "tab" not in at.query_params
    tabs = next(b for b in at._tree if getattr(b, "type", "") == "tab_container")
    rerun_with(at, {tabs.proto.id: "Difference over time"})  # the researcher opens a tab
    no_trouble(at)
    assert at.query_params["tab"] == "difference"


# -- issue 14: stored values are text ------------------------------------------------------------

EVIL_FORUM = '**Forum** ![img](http://evil.example/f.png) <a href="http://evil.example/a">link</a>'
EVIL_LANGUAGE = "![l](http://evil.example/l.png)"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    """Two statements of a forum whose name carries Markdown and HTML, one of them in a
    "language" that does too."""
    import csv

    from tracker.ingest import ingest_paths

    folder = tmp_path_factory.mktemp("hostile")
    text = ("Statement by {}.\n\nWe must close the digital divide between and within "
            "countries, and we oppose the militarization of cyberspace.\n")  # fmt: skip
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "country", "date", "forum", "language"])
        for name, country, language in (("iceland", "ISL", EVIL_LANGUAGE), ("norway", "NOR", "en")):
            (folder / f"{name}.txt").write_text(text.format(name.title()), encoding="utf-8")
            w.writerow([f"{name}.txt", country, "2024-09-27", EVIL_FORUM, language])
    db = folder / "tracker.db"
    paths = [folder / "iceland.txt", folder / "norway.txt"]
    report = ingest_paths(paths, db=db, manifest=folder / "manifest.csv")
    assert len(report.stored) == 2, report.summary()
    return db


def test_stored_markdown_and_html_are_escaped_in_captions_and_charts(hostile_db, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(hostile_db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90).run()
    assert not at.exception
    note = " ".join(c.value for c in at.caption)
    # the language is named, every Markdown character escaped: shown as typed, not an image
    assert EVIL_LANGUAGE in note.replace("\\", "")
    assert EVIL_LANGUAGE not in note and "](http" not in note
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.query_params["forums"] = EVIL_FORUM
    at.run()
    assert not at.exception
    # the chart's caption is printed under it (on_screen): the forum shown as typed
    shown = [c.value for c in at.caption if "Filters:" in c.value.replace("\\", "")]
    assert shown and EVIL_FORUM in shown[0].replace("\\", "")
    assert not re.search(r"(?<!\\)[<\[]", shown[0])  # every bracket escaped: no link, no image
    assert "Filters:" in figures(at)[0]["layout"]["meta"]["caption"]


@pytest.mark.parametrize("minn", [None, "3"])
def test_the_ranking_leaves_out_as_few_statements_as_the_sidebar_by_default(app, db, minn):
    """By default the ranking lists only countries with at least the sidebar's "fewest
    statements behind a value" (5 unless set); it used to take every country that spoke once,
    so 1-of-1 countries topped it."""
    at = app(view="ranking", theme="un_main_channel", **({"minn": minn} if minn else {})).run()
    at.switch_page("app_pages/countries.py").run()
    no_trouble(at)
    least = int(minn or 5)
    assert at.number_input(key="rank_min").value == least
    assert "min" not in at.query_params
    shown = [int(c[3].split("/")[1].split(" ")[0]) for c in figures(at)[0]["data"][0]["customdata"]]
    assert shown and min(shown) >= least


def test_semantic_matches_alone_explain_their_zeros(app):
    """With only semantic matches picked, every line sat at 0 with no word of why: the shipped
    semantic model is off for every theme, and the sidebar now says so."""
    at = app(kinds="semantic").run()
    no_trouble(at)
    assert at.sidebar.multiselect(key="f_kinds").value == ["semantic"]
    assert any("semantic model is switched off for every theme" in c.value for c in at.sidebar.caption)
    every = app().run()
    assert not any("semantic model" in c.value for c in every.sidebar.caption)
