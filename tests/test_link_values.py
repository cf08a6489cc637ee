"""A link's page settings and filters whose value is not valid, or not held by this database,
are said, not dropped in silence: `langs`, `from`/`to`, `smooth`, `minn` and `theme` (the
Evidence page's, and the theme picked on Trends per country) were ignored without a word, while
the sidebar's themes, countries, groups and forums already named what they left out; so were
`years` that are no range (or run backwards), a `measure`, `kinds` or `gstmt` none of the
sidebar's choices, `dups`/`nonstate`/`formembers` other than 1 or 0, and every page's own
settings (Trends' `lines`, `ci`, `panels`; Countries' `view`, `rows`, `order`, `min`, `top`;
Compare's `tab`; Evidence's `sort`, `dir`, `scope`; Any term's `within`, `window`, `lang`).
A valid value of each still applies. The real dashboard under AppTest, on the query tests' database of
real statements."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from db_support import REPO
from test_dashboard import decode

SCOPE_ALL = "all passages (search only)"


def warnings(at) -> list[str]:
    """The page's warnings as read (Markdown escapes removed)."""
    return [w.value.replace("\\", "") for w in at.warning]


def said(at, text: str) -> bool:
    return any(text in w for w in warnings(at))


def test_an_unknown_language_in_a_link_is_said_and_the_known_ones_apply(app):
    at = app(langs="fr,xx").run()
    assert not at.exception
    assert said(at, "langs “xx”"), warnings(at)
    assert at.sidebar.multiselect(key="f_langs").value == ["fr"]
    assert at.query_params["langs"] == "fr"


def test_known_languages_in_a_link_apply_without_a_warning(app):
    at = app(langs="fr,pt").run()
    assert not at.exception and not at.warning, warnings(at)
    assert at.sidebar.multiselect(key="f_langs").value == ["fr", "pt"]


@pytest.mark.parametrize(("name", "value", "why"), [
    ("from", "2024-13-01", "is not a date"),
    ("from", "soon", "is not a date"),
    ("to", "2024-02-30", "is not a date"),
    # a real date the date box refuses: it was dropped by the widget itself, silently
    ("from", "1900-01-01", "is outside 1945-01-01"),
])  # fmt: skip
def test_a_date_in_a_link_that_is_not_a_date_or_out_of_range_is_said(app, name, value, why):
    at = app(**{name: value}).run()
    assert not at.exception
    assert said(at, f"{name} “{value}” {why}"), warnings(at)
    assert at.session_state[f"f_{name}"] is None
    assert name not in at.query_params


def test_valid_dates_in_a_link_apply_without_a_warning(app):
    at = app(**{"from": "2020-01-01", "to": "2023-12-31"}).run()
    assert not at.exception and not at.warning, warnings(at)
    assert at.session_state["f_from"] == date(2020, 1, 1)
    assert at.session_state["f_to"] == date(2023, 12, 31)
    assert (at.query_params["from"], at.query_params["to"]) == ("2020-01-01", "2023-12-31")


@pytest.mark.parametrize("value", ["4", "abc"])
def test_a_smoothing_window_in_a_link_that_is_not_3_or_5_is_said(app, value):
    at = app(themes="unilateral_sanctions", smooth=value).run()
    assert not at.exception
    assert said(at, f"smooth “{value}” is not a window of 3 or 5 years"), warnings(at)
    assert at.selectbox(key="trend_smooth").value == 1


def test_a_valid_smoothing_window_in_a_link_applies_without_a_warning(app):
    at = app(themes="unilateral_sanctions", smooth="5").run()
    assert not at.exception and not at.warning, warnings(at)
    assert at.selectbox(key="trend_smooth").value == 5
    assert at.query_params["smooth"] == "5"


@pytest.mark.parametrize(("value", "used", "why"), [
    ("abc", 5, "is not a whole number: 5 is used"),
    ("²", 5, "is not a whole number: 5 is used"),  # isdigit() took it and int() raised
    ("0", 1, "is outside 1 to 1000: 1 is used"),
    ("5000", 1000, "is outside 1 to 1000: 1000 is used"),
])  # fmt: skip
def test_a_minimum_n_in_a_link_that_is_not_valid_is_said(app, value, used, why):
    at = app(minn=value).run()
    assert not at.exception, [e.value for e in at.exception]
    assert said(at, f"minn “{value}” {why}"), warnings(at)
    assert at.sidebar.number_input(key="min_n").value == used


def test_a_valid_minimum_n_in_a_link_applies_without_a_warning(app):
    at = app(minn="3").run()
    assert not at.exception and not at.warning, warnings(at)
    assert at.sidebar.number_input(key="min_n").value == 3
    assert at.query_params["minn"] == "3"


@pytest.mark.parametrize(("params", "why"), [
    ({"theme": "nonsense"}, "is not a theme of this database: all themes are shown"),
    ({"themes": "militarization", "theme": "digital_divide"},
     "is not among the themes picked in the sidebar: all themes are shown"),
])  # fmt: skip
def test_an_evidence_theme_in_a_link_the_page_cannot_show_is_said(app, params, why):
    at = app(**params).run()
    at.switch_page("app_pages/evidence.py").run()
    assert not at.exception
    assert said(at, f"theme “{params['theme']}” {why}"), warnings(at)
    assert at.selectbox(key="ev_theme").value == "(all themes)"


def test_a_valid_evidence_theme_in_a_link_applies_without_a_warning(app):
    at = app(theme="militarization").run()
    at.switch_page("app_pages/evidence.py").run()
    assert not at.exception and not at.warning, warnings(at)
    assert at.selectbox(key="ev_theme").value == "militarization"


def test_a_per_country_trend_theme_in_a_link_that_is_unknown_is_said(app):
    at = app(lines="country", theme="nonsense").run()
    assert not at.exception
    assert said(at, "theme “nonsense” is not a theme of this database"), warnings(at)
    valid = app(lines="country", theme="digital_divide").run()
    assert not valid.exception and not valid.warning, warnings(valid)
    assert valid.selectbox(key="trend_theme").value == "digital_divide"


# -- the sidebar's filters: years, measure, kinds, gstmt and the switches -------------------------


def years_held(db) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT MIN(year), MAX(year) FROM statements").fetchone()


@pytest.mark.parametrize("value", ["abc", "2020-", "1990-2000-2010", "2018.5-2020"])
def test_years_in_a_link_that_are_not_a_range_are_said(app, db, value):
    lo, hi = years_held(db)
    at = app(years=value).run()
    assert not at.exception
    assert said(at, f"years “{value}” is not a range of years (YYYY-YYYY): every year, "
                    f"{lo}–{hi}, is shown"), warnings(at)  # fmt: skip
    assert at.sidebar.slider(key="f_years").value == (lo, hi)
    assert "years" not in at.query_params


def test_a_single_year_in_a_link_is_read_as_that_year(app, db):
    """`years=2020` was said to be no range of years and every year was shown: one year is the
    range from it to itself, in the sidebar, the URL and the chart's caption."""
    lo, hi = years_held(db)
    with sqlite3.connect(db) as conn:  # inside the database's years, with most statements
        (year,) = conn.execute("SELECT year FROM statements WHERE year > ? AND year < ? GROUP BY "
                               "year ORDER BY COUNT(*) DESC, year LIMIT 1", (lo, hi)).fetchone()  # fmt: skip
    at = app(years=str(year)).run()
    assert not at.exception and not at.warning, warnings(at)
    assert at.sidebar.slider(key="f_years").value == (year, year)
    assert at.query_params["years"] == f"{year}-{year}"
    (fig,) = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert f"year {year}" in json.dumps(fig, ensure_ascii=False)  # not "years 2020–2020"
    assert f"years {year}–{year}" not in json.dumps(fig, ensure_ascii=False)
    assert {x for tr in fig["data"] for x in decode(tr.get("x") or [])} <= {year}


def test_years_in_a_link_from_the_later_year_are_said_and_read_in_order(app, db):
    lo, hi = years_held(db)
    at = app(years=f"{hi - 1}-{lo + 1}").run()
    assert not at.exception
    assert said(at, f"years “{hi - 1}-{lo + 1}” runs from the later year: read as "
                    f"{lo + 1}–{hi - 1}"), warnings(at)  # fmt: skip
    assert at.sidebar.slider(key="f_years").value == (lo + 1, hi - 1)
    # reversed and wider than the database: both said
    wide = app(years=f"{hi + 6}-{lo - 26}").run()
    assert said(wide, f"read as {lo - 26}–{hi + 6}"), warnings(wide)
    assert said(wide, f"the years shown are {lo}–{hi}"), warnings(wide)


@pytest.mark.parametrize(("params", "why", "key", "used"), [
    ({"measure": "ratio"}, "measure “ratio” is not “share” or “rate”: the share of statements "
     "is used", "f_measure", "share"),
    ({"kinds": "exact,bogus"}, "kinds “bogus” is not a match kind (“exact”, “fuzzy”, "
     "“proximity” or “semantic”): left out", "f_kinds", ["exact"]),
    ({"kinds": "bogus,Fuzzy"}, "kinds “bogus,Fuzzy” are not match kinds (“exact”, “fuzzy”, "
     "“proximity” or “semantic”): every kind is used", "f_kinds",
     ["exact", "fuzzy", "proximity", "semantic"]),
    ({"gstmt": "maybe"}, "gstmt “maybe” is not “include”, “only” or “exclude”: every statement "
     "is shown (“include”)", "f_gstmt", "include"),
    ({"dups": "yes"}, "dups “yes” is not “1” (on) or “0” (off): copies of a speech count once",
     "f_dups", False),
    ({"nonstate": "true"}, "nonstate “true” is not “1” (on) or “0” (off): non-state speakers "
     "are left out", "f_nonstate", False),
    ({"formembers": "2"}, "formembers “2” is not “1” (on) or “0” (off): group statements count "
     "for their speaker only", "f_formembers", False),
])  # fmt: skip
def test_a_filter_in_a_link_that_is_not_valid_is_said(app, params, why, key, used):
    at = app(**params).run()
    assert not at.exception
    assert said(at, why), warnings(at)
    assert at.session_state[key] == used


def test_valid_filters_in_a_link_apply_without_a_warning(app, db):
    lo, hi = years_held(db)
    params = {"years": f"{lo + 1}-{hi - 1}", "measure": "rate", "kinds": "fuzzy,exact",
              "gstmt": "exclude", "dups": "1", "nonstate": "1", "formembers": "0"}
    at = app(**params).run()
    assert not at.exception and not at.warning, warnings(at)
    assert at.sidebar.slider(key="f_years").value == (lo + 1, hi - 1)
    assert at.session_state["f_measure"] == "rate"
    assert at.session_state["f_kinds"] == ["fuzzy", "exact"]
    assert at.session_state["f_gstmt"] == "exclude"
    assert (at.session_state["f_dups"], at.session_state["f_nonstate"]) == (True, True)
    assert at.session_state["f_formembers"] is False
    assert {k: at.query_params[k] for k in ("years", "measure", "kinds", "gstmt", "dups")} == {
        "years": f"{lo + 1}-{hi - 1}", "measure": "rate", "kinds": "fuzzy,exact",
        "gstmt": "exclude", "dups": "1"}  # fmt: skip


# -- the pages' own settings ----------------------------------------------------------------------


def on_page(app, page: str, **params):
    at = app(**params).run()
    if page != "trends":
        at.switch_page(f"app_pages/{page}.py").run()
    return at


@pytest.mark.parametrize(("page", "params", "why", "key", "used"), [
    ("trends", {"lines": "countries"}, "lines “countries” is not “theme” or “country”: one line "
     "per theme is drawn", "trend_mode", "per theme"),
    ("trends", {"ci": "yes"}, "ci “yes” is not “0” or “1”: the 95% intervals are not shown",
     "trend_ci", False),
    ("trends", {"panels": "2"}, "panels “2” is not “0” or “1”: one chart for every theme is drawn",
     "trend_panels", False),
    ("countries", {"view": "bars"}, "view “bars” is not “heatmap”, “ranking” or “map”: the heatmap is shown",
     "country_view", "Heatmap"),
    ("countries", {"rows": "alpha"}, "rows “alpha” is not “statements” or “value”: most "
     "statements first is used", "heat_sort", "most statements first"),
    ("countries", {"view": "ranking", "order": "upper"}, "order “upper” is not “lower” or "
     "“value”: the lower end of the 95% interval is used", "rank_order", "lower"),
    ("countries", {"view": "ranking", "min": "abc"}, "min “abc” is not a whole number: 5 is used",
     "rank_min", 5),
    ("countries", {"view": "ranking", "min": "0"}, "min “0” is outside 1 to 1000: 1 is used",
     "rank_min", 1),
    ("countries", {"view": "ranking", "top": "500"}, "top “500” is outside 5 to 100: 100 is used",
     "rank_top", 100),
    ("countries", {"view": "ranking", "top": "x"}, "top “x” is not a whole number: 25 is used",
     "rank_top", 25),
    # isdigit() took it and int() raised: the page showed Streamlit's error
    ("countries", {"view": "ranking", "top": "²"}, "top “²” is not a whole number: 25 is used",
     "rank_top", 25),
    ("compare", {"tab": "map"}, "tab “map” is not “time” or “difference”: the Per theme tab is "
     "shown", "cmp_tab", "Per theme"),
    ("evidence", {"sort": "length"}, "sort “length” is not “date”, “score” or “country”: newest "
     "first is used", "ev_sort", "date"),
    ("evidence", {"dir": "supports,bogus"}, "dir “bogus” is not a direction (“supports”, "
     "“opposes” or “reports”): left out", "ev_dir", ["supports"]),
    ("evidence", {"dir": "against"}, "dir “against” is not a direction (“supports”, “opposes” or "
     "“reports”): every direction is shown", "ev_dir", ["supports", "opposes", "reports"]),
    ("evidence", {"scope": "every"}, "scope “every” is not “all”: passages with a theme match are "
     "shown", "ev_scope", "with a theme match"),
    ("terms", {"q": "sanctions", "near": "state", "within": "abc"}, "within “abc” is not a whole "
     "number: 10 is used", "term_within", 10),
    ("terms", {"q": "sanctions", "near": "state", "within": "0"}, "within “0” is outside 1 to 50: "
     "1 is used", "term_within", 1),
    ("terms", {"q": "sanctions", "window": "999"}, "window “999” is outside 0 to 50: 50 is used",
     "term_window", 50),
    ("terms", {"q": "sanctions", "lang": "xx"}, "lang “xx” is not a language of these statements: "
     "“en” is used", "term_lang", "en"),
])  # fmt: skip
def test_a_page_setting_in_a_link_that_is_not_valid_is_said(app, page, params, why, key, used):
    at = on_page(app, page, **params)
    assert not at.exception, [e.value for e in at.exception]
    assert said(at, why), warnings(at)
    assert at.session_state[key] == used
    name = why.split(" ")[0]
    assert at.query_params.get(name) != params[name]  # the link now holds what is shown
    at.run()  # said once: the next run reads the corrected link
    assert not at.exception and not said(at, why), warnings(at)


@pytest.mark.parametrize("value", ["Heatmap", "Ranking", "MAP", "Map", "World map"])
def test_a_countries_view_in_a_link_not_written_heatmap_ranking_or_map_is_said(app, value):
    """`view` was read through capitalize(): `Heatmap`, `Ranking`, `MAP`, `World map` were taken
    without a word, though the link's values are `heatmap`, `ranking` and `map`. Every other
    setting reads its value as written (`measure=Rate`, `kinds=Fuzzy`, `rows=Value` are said); so
    does `view` now: the heatmap is shown, with the note."""
    at = on_page(app, "countries", view=value)
    assert not at.exception, [e.value for e in at.exception]
    why = f"view “{value}” is not “heatmap”, “ranking” or “map”: the heatmap is shown"
    assert said(at, why), warnings(at)
    assert at.session_state["country_view"] == "Heatmap"
    assert "view" not in at.query_params  # the link now holds what is shown
    at.run()  # said once
    assert not at.exception and not said(at, why), warnings(at)


def test_a_countries_link_may_name_the_heatmap_the_page_shows_without_a_value(app):
    """`view=heatmap` names the default view as written: the heatmap, with no note, and the
    link keeps no value for it (as the page writes none)."""
    at = on_page(app, "countries", view="ranking")
    assert at.session_state["country_view"] == "Ranking"
    at = on_page(app, "countries", view="heatmap")
    assert not at.exception, [e.value for e in at.exception]
    assert not warnings(at), warnings(at)
    assert at.session_state["country_view"] == "Heatmap"
    assert "view" not in at.query_params


@pytest.mark.parametrize(("page", "params", "values"), [
    ("trends", {"lines": "country", "ci": "0"}, {"trend_mode": "per country", "trend_ci": False}),
    ("trends", {"panels": "1", "ci": "1"}, {"trend_panels": True, "trend_ci": True}),
    ("countries", {"view": "map"}, {"country_view": "World map"}),
    ("countries", {"rows": "value"}, {"heat_sort": "highest mean first"}),
    ("countries", {"view": "ranking", "order": "value", "min": "3", "top": "10"},
     {"rank_order": "value", "rank_min": 3, "rank_top": 10}),
    ("compare", {"tab": "difference"}, {"cmp_tab": "Difference over time"}),
    ("evidence", {"sort": "score", "dir": "supports,reports", "scope": "all", "q": "sanctions"},
     {"ev_sort": "score", "ev_dir": ["supports", "reports"], "ev_scope": SCOPE_ALL}),
    ("terms", {"q": "sanctions", "near": "state", "within": "5"}, {"term_within": 5}),
    ("terms", {"q": "paix", "window": "3", "lang": "fr"},
     {"term_window": 3, "term_lang": "fr"}),
])  # fmt: skip
def test_valid_page_settings_in_a_link_apply_without_a_warning(app, page, params, values):
    at = on_page(app, page, **params)
    assert not at.exception and not at.warning, warnings(at)
    assert {k: at.session_state[k] for k in values} == values


@pytest.fixture(scope="module")
def one_year_db(corpus, tmp_path_factory):
    """Three 2024 General Debate statements: a database holding one year."""
    from tracker.ingest import ingest_paths

    db = tmp_path_factory.mktemp("one-year") / "tracker.db"
    texts = [corpus / "unga79" / "text" / f for f in ("ae_en.txt", "ag_en.txt", "ad_fr.txt")]
    report = ingest_paths(texts, db=db, manifest=corpus / "manifest.csv")
    assert report.failed == []
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT DISTINCT year FROM statements")] == [2024]
    return db


def test_years_in_a_link_to_a_database_of_one_year_are_said(one_year_db, monkeypatch):
    """With one year held there is no year slider, and a link's other years did nothing,
    without a word; the year held itself, or a range holding it, applies quietly."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TRACKER_DB", str(one_year_db))

    def run(years: str):
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
        at.query_params["years"] = years
        return at.run()

    for linked in ("2019-2020", "abc"):
        at = run(linked)
        assert not at.exception
        assert said(at, f"years “{linked}” does not apply: this database holds statements of "
                        "2024 only"), warnings(at)  # fmt: skip
    for linked in ("2024", "2020-2025"):
        at = run(linked)
        assert not at.exception and not at.warning, warnings(at)
