"""The Codebook and method page's "Matches by kind": its bars took the themes' colours, so the
legend showed exact, fuzzy and proximity all in the first theme's colour (told apart only by a
pattern). Each kind now has a colour of its own, the same in its bars and its legend entry.
The figure from the real query on the query tests' database, and the page under AppTest."""

from __future__ import annotations

import json

from tracker import charts, query

KINDS = ("exact", "fuzzy", "proximity")
TITLE = "Matches per theme by match kind"


def bar_colors(traces) -> dict[str, object]:
    """Each bar trace's name -> its marker colour (one string, or a list per bar)."""
    return {t["name"]: t["marker"]["color"] for t in traces if t["type"] == "bar"}


def assert_one_distinct_colour_per_kind(colors: dict[str, object]) -> None:
    assert sorted(colors) == sorted(KINDS), colors
    # one colour per trace: a list of per-bar colours is drawn in the legend by its first one
    assert all(isinstance(c, str) for c in colors.values()), colors
    assert len(set(colors.values())) == len(KINDS), colors
    assert colors == {k: charts.KIND_COLORS[k] for k in KINDS}
    assert not set(colors.values()) & {*charts.THEME_COLORS.values(), charts.LOW_COLOR}


def test_each_match_kind_has_its_own_colour(db):
    df = query.kind_counts(db, query.Filters())
    assert len(df) > 1 and df[list(KINDS)].sum().gt(0).all()  # several themes, kinds found
    fig = charts.kinds_figure(df)
    traces = [t.to_plotly_json() for t in fig.data]
    assert_one_distinct_colour_per_kind(bar_colors(traces))
    # the kinds stay told apart in greyscale too
    patterns = [t["marker"]["pattern"].get("shape", "") for t in traces]
    assert len(set(patterns)) == len(KINDS)


def test_the_method_page_draws_the_kinds_in_their_colours(app):
    at = app().run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    (spec,) = [s for s in specs if TITLE in json.dumps(s["layout"].get("title", ""))]
    assert_one_distinct_colour_per_kind(bar_colors(spec["data"]))
