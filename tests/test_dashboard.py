"""The dashboard through Streamlit's AppTest: every page opens, filters change the figures, the
figures' data equal direct SQL on the database, and the filters live in the URL."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from db_support import sql
from streamlit.testing.v1 import AppTest

from tracker import query

REPO = Path(__file__).resolve().parents[1]
PAGES = {
    "app_pages/trends.py": "Trends",
    "app_pages/countries.py": "Countries",
    "app_pages/compare.py": "Compare",
    "app_pages/evidence.py": "Evidence",
    "app_pages/statement.py": "Statement",
    "app_pages/method.py": "Codebook and method",
    "app_pages/add.py": "Add statements",
}


def decode(value):
    """plotly's JSON arrays: plain lists or base64 typed arrays ``{"dtype", "bdata", "shape"}``."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            arr = arr.reshape([int(x) for x in str(value["shape"]).split(",")])
        return arr.tolist()
    return value


def figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]



def no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def base_cond(db: Path, alias: str = "s") -> str:
    langs = query.resolve_languages(db, query.Filters())
    cond = f"{alias}.duplicate_of IS NULL AND {alias}.country != '' AND {alias}.role NOT IN ('president','briefer','secretariat','chair')"
    if langs:
        cond += f" AND {alias}.language IN (" + ",".join(f"'{x}'" for x in langs) + ")"
    return cond


def test_every_page_opens(app):
    at = app().run()
    no_trouble(at)
    for path, title in PAGES.items():
        at.switch_page(path).run()
        no_trouble(at)
        assert at.title and at.title[0].value == title


def test_trends_figure_equals_the_database_and_follows_filters(app, db):
    at = app(themes="digital_divide,militarization").run()
    no_trouble(at)
    fig = figures(at)[0]
    lines = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    assert {t["customdata"][0][0] for t in lines} == {"digital_divide", "militarization"}
    cond = base_cond(db)
    for t in lines:
        theme = t["customdata"][0][0]
        expected = dict(
            sql(db, f"SELECT s.year, CAST(SUM(EXISTS(SELECT 1 FROM statement_themes x WHERE "
                f"x.statement_id = s.id AND x.theme = ?)) AS REAL) / COUNT(*) FROM statements s "
                f"WHERE {cond} AND s.year IS NOT NULL GROUP BY s.year", (theme,))
        )  # fmt: skip
        got = dict(zip(decode(t["x"]), decode(t["y"])))
        assert got == pytest.approx(expected)
    # a filter change redraws the chart with other numbers
    at.sidebar.radio(key="f_measure").set_value("rate").run()
    no_trouble(at)
    rate = figures(at)[0]
    assert rate["layout"]["yaxis"]["title"]["text"] == "Matches per 1,000 words"
    assert at.query_params["measure"] == "rate"


def test_filters_go_into_the_url_and_come_back(app):
    at = app().run()
    at.sidebar.multiselect(key="f_themes").set_value(["non_interference"])
    at.sidebar.multiselect(key="f_countries").set_value(["CHN", "USA"])
    at.sidebar.slider(key="f_years").set_value((2018, 2022))
    at.sidebar.checkbox(key="f_dups").check()
    at.run()
    no_trouble(at)
    params = {k: at.query_params[k] for k in at.query_params}
    assert params["themes"] == "non_interference"
    assert params["countries"] == "CHN,USA"
    assert params["years"] == "2018-2022"
    assert params["dups"] == "1"
    again = app(**params).run()  # the copied link, in a new session
    no_trouble(again)
    assert again.sidebar.multiselect(key="f_themes").value == ["non_interference"]
    assert again.sidebar.multiselect(key="f_countries").value == ["CHN", "USA"]
    assert again.sidebar.slider(key="f_years").value == (2018, 2022)
    assert again.sidebar.checkbox(key="f_dups").value is True
    assert figures(again)[0] == figures(at)[0]


def test_countries_heatmap_ranking_and_map_equal_the_database(app, db):
    at = app().run()
    at.switch_page("app_pages/countries.py").run()
    no_trouble(at)
    heat = figures(at)[0]["data"][0]
    cond = base_cond(db)
    n = dict(sql(db, f"SELECT country, COUNT(*) FROM statements s WHERE {cond} GROUP BY country"))
    z = decode(heat["z"])
    for i, row in enumerate(heat["customdata"]):
        for j, (theme, _, country) in enumerate(row):
            k = sql(db, f"SELECT COUNT(*) FROM statements s JOIN statement_themes t ON t.statement_id "
                    f"= s.id WHERE {cond} AND s.country = ? AND t.theme = ?", (country, theme))[0][0]  # fmt: skip
            assert z[i][j] == pytest.approx(k / n[country])
    at.radio(key="country_view").set_value("Ranking").run()
    no_trouble(at)
    bars = figures(at)[0]["data"][0]
    assert bars["type"] == "bar" and bars["orientation"] == "h"
    at.radio(key="country_view").set_value("World map").run()
    no_trouble(at)
    chart = at.get("plotly_chart")[0]
    geo = json.loads(chart.proto.spec)["data"][0]
    assert geo["type"] == "choropleth" and geo["locationmode"] == "ISO-3"
    assert json.loads(chart.proto.config)["topojsonURL"] == "/app/static/maps/"
    assert at.query_params["view"] == "map"


def test_compare_shows_both_sides_and_the_difference(app):
    at = app(a="CHN", b="group:P5").run()
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    bars = figures(at)[0]["data"]
    assert [t["name"] for t in bars[:2]] == ["CHN", "P5"]
    a, b, diff = (decode(t["y"]) for t in bars[:3])
    assert diff == pytest.approx([x - y for x, y in zip(a, b)])
    # China is in P5: the sides overlap, and the page says the difference's intervals do not hold
    assert [w.value for w in at.warning if "share CHN" in w.value and "Newcombe" in w.value]
    apart = app(a="CHN", b="USA").run()
    apart.switch_page("app_pages/compare.py").run()
    no_trouble(apart)
    assert not [w.value for w in apart.warning if "share" in w.value]
    note = "Group statements are counted for their members"
    assert not [c.value for c in apart.caption if note in c.value]
    # group statements counted for their members: one for a group both belong to counts twice
    members = app(a="CHN", b="USA", formembers="1").run()
    members.switch_page("app_pages/compare.py").run()
    no_trouble(members)
    assert [c.value for c in members.caption if note in c.value and "too narrow" in c.value]


def test_evidence_search_and_statement_page(app, db):
    at = app().run()
    at.switch_page("app_pages/evidence.py").run()
    no_trouble(at)
    assert at.dataframe and len(at.dataframe[0].value)
    for nasty in ['"unbalanced', "NEAR(", "'; DROP TABLE statements; --", "cyber*"]:
        at.text_input(key="ev_q").set_value(nasty).run()
        no_trouble(at)
    sid, _text = sql(db, "SELECT s.id, t.clean_text FROM statements s JOIN statement_texts t ON "
                    "t.statement_id = s.id JOIN statement_themes x ON x.statement_id = s.id LIMIT 1")[0]  # fmt: skip
    st = app(id=str(sid))  # opened at /statement?id=... (another page drops a statement id)
    st.switch_page("app_pages/statement.py").run()
    no_trouble(st)
    bodies = [h.proto.body for h in st.get("html")]
    assert any("<mark" in b for b in bodies)  # matches highlighted


def test_statement_text_is_escaped():
    from app_pages.common import highlight_html

    out = highlight_html("<script>alert(1)</script> & cyber attacks", [(28, 41, "cyber_threats")])
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<mark" in out and "cyber attacks</mark>" in out


def test_empty_selection_is_a_message_not_a_traceback(app):
    at = app(countries="AUT", years="2016-2017").run()
    no_trouble(at)
    assert any("No statements match" in i.value for i in at.info)


def test_no_database_is_a_message_on_every_page(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "none.db"))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60).run()
    for path in PAGES:
        at.switch_page(path).run()
        no_trouble(at)
    assert not (tmp_path / "none.db").exists()  # reading never creates the database


def test_languages_default_to_the_codebook_and_all_is_a_link(app, db):
    covered = set(query.resolve_languages(db, query.Filters()))
    present = {r[0] for r in sql(db, "SELECT DISTINCT language FROM statements")}
    at = app().run()
    assert set(at.sidebar.multiselect(key="f_langs").value) == covered & present
    assert "langs" not in at.query_params
    assert any("languages the codebook does not cover" in c.value for c in at.caption)
    every = app(langs="all").run()
    no_trouble(every)
    assert set(every.sidebar.multiselect(key="f_langs").value) == present
    assert not any("languages the codebook does not cover" in c.value for c in every.caption)


def test_compare_a_picked_set_and_the_difference_over_time(app):
    at = app(countries="CHN,RUS", a="CHN,RUS", b="USA", tab="difference").run()
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    assert at.selectbox(key="cmp_a").value == "CHN,RUS"
    diff = [f for f in figures(at) if f["layout"]["title"]["text"].startswith("Difference")]
    assert diff and diff[0]["data"]


def test_the_left_out_caption_counts_one_duplicate_in_the_singular(app, db):
    """"Left out: 1 duplicates" (QA)."""
    from tracker.query import Filters, left_out

    one = next(c for c in ("CHN", "USA", "RUS", "FRA", "GBR", "BRA", "IND", "ZAF", "JPN", "DEU")
               if left_out(db, Filters(countries=(c,))).get("duplicates") == 1)  # fmt: skip
    at = app(countries=one).run()
    no_trouble(at)
    said = " ".join(c.value for c in at.caption if "Left out" in c.value)
    assert "1 duplicate" in said and "1 duplicates" not in said, said
