"""Compare page faults from a QA pass, through the real dashboard in Streamlit's AppTest on the
shared test database: the evidence panel follows the chart clicked last (a bar of "Per theme",
then a point of "Over time"), and a link naming a side this database does not have says so.

AppTest cannot click a chart point, so :func:`rerun_with` sends the selection message the
browser's frontend sends for a point (as tests/test_issue11_dashboard.py does).
"""

from __future__ import annotations

import json

from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

THEMES = "militarization,digital_divide,un_main_channel"


def no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def rerun_with(at: AppTest, states: dict[str, str]) -> AppTest:
    """Run with the widgets' values plus ``states`` (element id -> the selection JSON)."""
    ws = at._tree.get_widget_states()
    for element_id, value in states.items():
        ws.widgets.append(WidgetState(id=element_id, string_value=value))
    return at._run(ws)


def chart(at: AppTest, key: str):
    """The plotly chart element whose id carries the widget ``key``."""
    return next(c for c in at.get("plotly_chart") if key in c.proto.id)


def click(at: AppTest, key: str, pick) -> tuple[str, str, list]:
    """(element id, selection JSON, customdata) of the first point of the chart ``key`` whose
    trace and customdata ``pick(trace, customdata)`` accepts."""
    el = chart(at, key)
    for t in json.loads(el.proto.spec)["data"]:
        for i, cd in enumerate(t.get("customdata") or []):
            if pick(t, cd):
                point = {"curve_number": 0, "point_number": i, "point_index": i,
                         "x": cd[1], "y": 0.5, "customdata": cd}  # fmt: skip
                sel = {"selection": {"points": [point], "point_indices": [i], "box": [],
                                     "lasso": []}}  # fmt: skip
                return el.proto.id, json.dumps(sel), cd
    raise AssertionError(f"no such point on {key}")


def open_tab(at: AppTest, states: dict[str, str], name: str) -> AppTest:
    """The researcher opens the tab ``name`` (the tabs' own state message, as the browser's)."""
    tabs = next(b for b in at._tree if getattr(b, "type", "") == "tab_container")
    return rerun_with(at, {**states, tabs.proto.id: name})


def titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def evidence_heading(at: AppTest) -> str:
    """The evidence panel's heading, its Markdown escapes dropped."""
    return next(h.value for h in at.subheader if h.value.startswith("Evidence")).replace("\\", "")


def test_a_point_clicked_over_time_after_a_bar_shows_the_points_evidence(app):
    """QA: a bar clicked on "Per theme" (P5 · Digital divide), then a point on "Over time"
    (P5 · The UN as the main channel, 2020): the panel still showed the bar's evidence."""
    at = app(a="CHN", b="USA", themes=THEMES, years="2016-2024").run()
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    bar_id, bar_sel, bar = click(at, "cmp_bars",
                                 lambda t, cd: t.get("type") == "bar" and cd[0] == "digital_divide"
                                 and cd[2] == "CHN")  # fmt: skip
    states = {bar_id: bar_sel}
    rerun_with(at, states)
    no_trouble(at)
    assert "CHN · Digital divide" in evidence_heading(at)
    open_tab(at, states, "Over time")
    no_trouble(at)
    line_id, line_sel, _ = click(at, "cmp_lines",
                                     lambda t, cd: t.get("mode") == "lines+markers"
                                     and cd[0] == "un_main_channel" and cd[2] == "USA"
                                     and cd[1] == 2020)  # fmt: skip
    states[line_id] = line_sel  # the bar stays selected on its tab
    rerun_with(at, states)
    no_trouble(at)
    heading = evidence_heading(at)
    assert heading.startswith("Evidence: USA · ") and heading.endswith(" · 2020"), heading
    assert "Digital divide" not in heading and "UN" in heading, heading
    # and a bar clicked after that point shows the bar's evidence again
    open_tab(at, states, "Per theme")
    no_trouble(at)
    _, bar2_sel, _ = click(at, "cmp_bars",
                           lambda t, cd: t.get("type") == "bar" and cd[0] == "militarization"
                           and cd[2] == "USA")  # fmt: skip
    states = {chart(at, "cmp_bars").proto.id: bar2_sel}
    rerun_with(at, states)
    no_trouble(at)
    heading = evidence_heading(at)
    assert heading.startswith("Evidence: USA · ") and "Militar" in heading, heading
    assert "2020" not in heading, heading


def test_only_the_open_tab_is_drawn(app):
    """QA: with every theme each change took 2.6-5 s, most of it building and drawing the two
    over-time figures (a dozen panels each) on tabs nobody had open. Only the open tab's figure
    is built and sent; switching tabs draws the other."""
    at = app(a="CHN", b="USA", years="2016-2024").run()  # every theme
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    assert [t.split(" (")[0] for t in titles(at)] == ["CHN vs USA per theme"]
    open_tab(at, {}, "Over time")
    no_trouble(at)
    assert [t.split(" (")[0] for t in titles(at)] == ["CHN vs USA over time"]
    assert at.query_params["tab"] == "time"
    open_tab(at, {}, "Difference over time")
    no_trouble(at)
    assert [t.split(" (")[0] for t in titles(at)] == ["Difference CHN − USA over time"]
    # no bar or point to click on this tab: no "click a bar" hint
    assert not [c for c in at.caption if "Click a bar or point" in c.value]


def test_a_link_naming_a_side_the_database_lacks_says_so(app):
    """QA: /compare?a=XXX&b=YYY silently showed China vs the United States, and
    a=group:P5&b=group:Nope silently became P5 vs USA, then warned of a shared USA nobody asked
    for. The page says which side of the link it could not find and what it shows instead."""
    at = app(a="XXX", b="YYY").run()
    at.switch_page("app_pages/compare.py").run()
    no_trouble(at)
    said = [w.value.replace("\\", "") for w in at.warning if "The link asked for" in w.value]
    assert len(said) == 2, said
    assert "side A “XXX”" in said[0] and "does not have" in said[0] and "CHN" in said[0]
    assert "side B “YYY”" in said[1] and "USA" in said[1]
    one = app(a="group:P5", b="group:Nope").run()
    one.switch_page("app_pages/compare.py").run()
    no_trouble(one)
    said = [w.value.replace("\\", "") for w in one.warning if "The link asked for" in w.value]
    assert len(said) == 1 and "side B “group:Nope”" in said[0], said
    # a side picked afterwards is no link's: the note goes
    one.selectbox(key="cmp_b").set_value("RUS").run()
    no_trouble(one)
    assert not [w for w in one.warning if "The link asked for" in w.value]
    # a link whose sides the database has: nothing to say
    fine = app(a="CHN", b="group:P5").run()
    fine.switch_page("app_pages/compare.py").run()
    assert not [w for w in fine.warning if "The link asked for" in w.value]
