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


def test_semantic_matches_are_drawn_as_their_own_kind(corpus, tmp_path):
    """The query counts `semantic` matches but the figure drew exact, fuzzy and proximity only,
    so with the semantic matcher on the bars fell short of the matches counted. A real database
    coded with the default codebook and its model with one theme switched on (threshold 0.3)."""
    from tracker.codebook import DEFAULT_CODEBOOK
    from tracker.ingest import ingest_paths
    from tracker.semantic import load_model

    book = tmp_path / "default.yaml"
    book.write_text(DEFAULT_CODEBOOK.read_text(encoding="utf-8"), encoding="utf-8")
    model = load_model()
    model.themes["un_main_channel"].threshold = 0.3
    model.__post_init__()
    model.save(tmp_path / "default.semantic.json")
    db = tmp_path / "semantic.db"
    speeches = sorted((corpus / "unga79" / "text").glob("*_en.txt"))[:12]
    ingest_paths(speeches, db=db, codebook=book, workers=1)
    df = query.kind_counts(db, query.Filters())
    assert df["semantic"].sum() > 0
    traces = {t.name: t for t in charts.kinds_figure(df).data}
    assert set(traces) == {*KINDS, "semantic"}
    assert traces["semantic"].marker.color == charts.KIND_COLORS["semantic"]
    drawn = sum(sum(t.y) for t in traces.values())
    assert drawn == df[[*KINDS, "semantic"]].to_numpy().sum()
    assert len({t.marker.pattern.shape or "" for t in traces.values()}) == 4  # apart in greyscale


def test_the_kinds_chart_counts_only_the_match_kinds_its_caption_names(app, db, monkeypatch):
    """/method?kinds=exact&themes=militarization,unilateral_sanctions: the caption said "match
    kinds: exact" while the bars showed the proximity matches too and `statements` counted the
    statements whose only counted matches were proximity ones (kind_counts never read the kind
    filter). The chart, its CSV and its XLSX now hold the chosen kinds only, as every other
    chart counts them."""
    import io

    import pandas as pd
    from db_support import sql
    from download_support import record_downloads
    from test_dashboard import decode

    made = record_downloads(monkeypatch)
    themes = ("militarization", "unilateral_sanctions")
    at = app(kinds="exact", themes=",".join(themes)).run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # what the default filters select (no duplicates, states only, the codebook's languages)
    langs = query.codebook_info(db).languages
    selected = (f"s.duplicate_of IS NULL AND s.country != '' AND s.role NOT IN ('president', "
                f"'briefer', 'secretariat', 'chair') AND s.language IN ({','.join('?' * len(langs))}) "
                "AND t.theme IN (?, ?)")  # fmt: skip
    each = ("SELECT t.theme, SUM(t.{0}), COUNT(*) FROM statements s JOIN statement_themes t ON "
            "t.statement_id = s.id WHERE " + selected + " AND t.{0} > 0 GROUP BY t.theme")  # fmt: skip
    exact = {t: (m, n) for t, m, n in sql(db, each.format("exact"), (*langs, *themes))}
    proximity = {t: (m, n) for t, m, n in sql(db, each.format("proximity"), (*langs, *themes))}
    assert set(exact) == set(proximity) == set(themes)  # both kinds found in both themes
    every = dict(sql(db, "SELECT t.theme, COUNT(*) FROM statements s JOIN statement_themes t ON "
                         f"t.statement_id = s.id WHERE {selected} GROUP BY t.theme",
                     (*langs, *themes)))  # fmt: skip
    assert any(every[t] > exact[t][1] for t in themes)  # statements with proximity matches only
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    (spec,) = [s for s in specs if TITLE in json.dumps(s["layout"].get("title", ""))]
    assert "match kinds: exact" in spec["layout"]["meta"]["caption"]
    labels = query.theme_labels(db)
    bars = {t["name"]: dict(zip(t["x"], decode(t["y"]))) for t in spec["data"]
            if t["type"] == "bar"}  # fmt: skip
    assert bars == {"exact": {labels[t]: exact[t][0] for t in themes}}
    # the CSV downloaded: the exact matches and the statements holding one, no other kind
    (name,) = [n for n in made if n and n.startswith("matches_by_kind") and n.endswith(".csv")]
    data = pd.read_csv(io.BytesIO(made[name]))
    assert not {"fuzzy", "proximity", "semantic"} & set(data.columns)
    assert {r.theme: (r.exact, r.statements) for r in data.itertuples()} == exact
