"""tracker.query against a real database: real statements ingested by ``tracker.ingest``, every
aggregate checked against direct SQL on the same file.

The database (conftest.py's ``db``, built once per test run by db_support.build_query_db and
shared by the dashboard tests) holds a few General Debate speeches of the shared corpus: 15
delegations' 2024 texts in five languages, the seed statement, and 7 states x 9 years of UNGDC
speeches.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from db_support import sql

from tracker import query
from tracker.query import Filters, Side

def languages(db: Path) -> tuple[str, ...]:
    return query.resolve_languages(db, Filters())


def canonical(db: Path, langs=None) -> str:
    langs = languages(db) if langs is None else langs
    cond = "duplicate_of IS NULL AND country != '' AND role NOT IN ('president','briefer','secretariat','chair')"
    if langs:
        cond += " AND language IN (" + ",".join(f"'{x}'" for x in langs) + ")"
    return cond


# -- the database the tests stand on -----------------------------------------------------------


def test_database_has_real_statements_with_matches(db):
    n, years = sql(db, "SELECT COUNT(*), COUNT(DISTINCT year) FROM statements")[0]
    assert n >= 60 and years >= 9
    assert sql(db, "SELECT COUNT(*) FROM statement_themes")[0][0] > 20
    assert query.codebook_info(db).version
    assert "en" in languages(db)


# -- aggregates against SQL --------------------------------------------------------------------


def test_trends_match_sql(db):
    df = query.trends(db, Filters())
    assert not df.empty
    cond = canonical(db)
    expected_n = dict(
        sql(
            db,
            f"SELECT year, COUNT(*) FROM statements WHERE {cond} AND year IS NOT NULL GROUP BY year",
        )
    )
    expected_k = {
        (y, t): k
        for y, t, k in sql(
            db,
            f"SELECT s.year, t.theme, COUNT(*) FROM statements s JOIN statement_themes t "
            f"ON t.statement_id = s.id WHERE {cond.replace('duplicate_of', 's.duplicate_of')} "
            "AND s.year IS NOT NULL GROUP BY s.year, t.theme",
        )
    }
    for row in df.itertuples():
        assert row.n == expected_n[row.year]
        assert row.k == expected_k.get((row.year, row.theme), 0)
        assert row.share == pytest.approx(row.k / row.n)
        assert row.ci_low <= row.share <= row.ci_high
        assert row.value == row.share
    assert set(df["year"]) == set(expected_n)


def test_rate_is_matches_per_thousand_words(db):
    df = query.trends(db, Filters(measure="rate"))
    cond = canonical(db).replace("duplicate_of", "s.duplicate_of")
    words = dict(
        sql(
            db,
            f"SELECT year, SUM(words) FROM statements s WHERE {cond} AND year IS NOT NULL GROUP BY year",
        )
    )
    matches = {
        (y, t): m
        for y, t, m in sql(db, f"SELECT s.year, t.theme, SUM(t.matches) FROM statements s JOIN "
                           f"statement_themes t ON t.statement_id = s.id WHERE {cond} GROUP BY 1, 2")
    }  # fmt: skip
    for row in df.itertuples():
        assert row.value == pytest.approx(
            matches.get((row.year, row.theme), 0) * 1000 / words[row.year]
        )


def test_country_matrix_and_ranking_match_sql(db):
    m = query.country_theme_matrix(db, Filters())
    cond = canonical(db).replace("duplicate_of", "s.duplicate_of")
    n = dict(sql(db, f"SELECT country, COUNT(*) FROM statements s WHERE {cond} GROUP BY country"))
    assert set(m["country"]) == set(n)
    theme = m.groupby("theme")["k"].sum().idxmax()
    k = dict(sql(db, f"SELECT s.country, COUNT(*) FROM statements s JOIN statement_themes t ON "
                 f"t.statement_id = s.id WHERE {cond} AND t.theme = ? GROUP BY s.country", (theme,)))  # fmt: skip
    rows = m[m["theme"] == theme]
    for row in rows.itertuples():
        assert (row.n, row.k) == (n[row.country], k.get(row.country, 0))
    rank = query.ranking(db, Filters(), theme)
    assert list(rank["rank"]) == list(range(1, len(rank) + 1))
    assert rank["value"].is_monotonic_decreasing
    assert rank.iloc[0]["value"] == max(k.get(c, 0) / n[c] for c in n)


def test_filters_restrict_countries_groups_years_and_themes(db):
    f = Filters(countries=("CHN",), year_from=2018, year_to=2020, themes=("non_interference",))
    df = query.trends(db, f)
    assert set(df["year"]) <= {2018, 2019, 2020}
    assert set(df["theme"]) == {"non_interference"}
    n = sql(
        db,
        f"SELECT COUNT(*) FROM statements WHERE {canonical(db)} AND country='CHN' AND year BETWEEN 2018 AND 2020",
    )[0][0]
    assert df["n"].sum() == n
    p5 = query.country_theme_matrix(db, Filters(groups=("P5",)))
    assert set(p5["country"]) <= set(query.group_members("P5"))
    assert {"CHN", "USA", "RUS", "FRA", "GBR"} <= set(p5["country"])


def test_partial_dates_are_selected_when_the_range_covers_their_period(db):
    # 2024-09 (a month) lies within September 2024; a year alone (UNGDC) does not
    f = Filters(date_from="2024-09-01", date_to="2024-09-30")
    got = query.country_theme_matrix(db, f)
    months = sql(db, f"SELECT COUNT(DISTINCT country) FROM statements WHERE {canonical(db)} AND "
                 "(date = '2024-09' OR date LIKE '2024-09-__')")[0][0]  # fmt: skip
    assert months
    assert got["country"].nunique() == months
    whole = query.theme_totals(db, Filters(date_from="2024-01-01", date_to="2024-12-31"))
    in_2024 = sql(db, f"SELECT COUNT(*) FROM statements WHERE {canonical(db)} AND year = 2024")
    assert whole["n"].iloc[0] == in_2024[0][0]
    none = query.country_theme_matrix(db, Filters(date_from="2030-01-01"))
    assert none.empty


def test_languages_default_to_the_codebook_and_left_out_says_so(db):
    everything = query.theme_totals(db, Filters(languages=()))
    default = query.theme_totals(db, Filters())
    covered = set(languages(db))
    others = sql(db, "SELECT COUNT(*) FROM statements WHERE duplicate_of IS NULL AND country != '' "
                 f"AND language NOT IN ({','.join('?' * len(covered))})", tuple(covered))[0][0]  # fmt: skip
    assert everything["n"].iloc[0] - default["n"].iloc[0] == others
    out = query.left_out(db, Filters())
    assert out["language"] == others
    assert out["selected"] == default["n"].iloc[0]


def test_languages_left_out_of_the_filter_are_not_blamed_on_the_codebook(db):
    """With only one covered language picked, the others the codebook covers are counted as
    deselected, apart from those it does not cover (the caption once put both under "languages
    the codebook does not cover")."""
    covered = languages(db)
    by_language = dict(sql(db, f"SELECT language, COUNT(*) FROM statements WHERE "
                               f"{canonical(db, ())} GROUP BY language"))  # fmt: skip
    picked = max(covered, key=lambda lang: by_language.get(lang, 0))
    out = query.left_out(db, Filters(languages=(picked,)))
    others = {lang: n for lang, n in by_language.items() if lang != picked}
    assert out["deselected_languages"] == {k: n for k, n in others.items() if k in covered}
    assert out["languages"] == {k or "unknown": n for k, n in others.items() if k not in covered}
    assert out["deselected_languages"] and out["languages"]  # both kinds are in this database
    assert out["deselected"] == sum(out["deselected_languages"].values())
    assert out["language"] == sum(out["languages"].values())


def test_duplicates_are_left_out_unless_asked(db):
    dups = sql(db, "SELECT COUNT(*) FROM statements WHERE duplicate_of IS NOT NULL")[0][0]
    a = query.theme_totals(db, Filters(languages=()))["n"].iloc[0]
    b = query.theme_totals(db, Filters(languages=(), include_duplicates=True))["n"].iloc[0]
    assert b - a == dups


def test_match_kinds_filter(db):
    all_kinds = query.theme_totals(db, Filters())
    exact = query.theme_totals(db, Filters(kinds=("exact",)))
    assert (exact["matches"].to_numpy() <= all_kinds["matches"].to_numpy()).all()
    total_exact = sql(db, "SELECT SUM(t.exact) FROM statements s JOIN statement_themes t ON "
                      f"t.statement_id = s.id WHERE {canonical(db).replace('duplicate_of', 's.duplicate_of')}")[0][0]  # fmt: skip
    assert exact["matches"].sum() == total_exact


def test_compare_two_countries_and_a_group(db):
    out = query.compare(db, Filters(), Side.parse("CHN"), Side.parse("group:P5"))
    themes = out["themes"]
    chn = query.theme_totals(db, Filters(countries=("CHN",)))
    p5 = query.theme_totals(db, Filters(groups=("P5",)))
    merged = themes.merge(chn[["theme", "value"]], on="theme").merge(
        p5[["theme", "value"]], on="theme"
    )
    assert (merged["value_a"] == merged["value_x"]).all()
    assert (merged["value_b"] == merged["value_y"]).all()
    assert merged["diff"].to_numpy() == pytest.approx(
        (merged["value_x"] - merged["value_y"]).to_numpy()
    )
    assert set(out["trends"]["side"]) == {"CHN", "P5"}


def test_wilson_interval_known_values():
    low, high = query.wilson([5, 0, 10], [10, 10, 10])
    assert low[0] == pytest.approx(0.2366, abs=1e-4) and high[0] == pytest.approx(0.7634, abs=1e-4)
    assert low[1] == 0 and high[1] == pytest.approx(0.2775, abs=1e-4)
    assert high[2] == 1


# -- evidence, search, statements --------------------------------------------------------------


def test_evidence_counts_split_the_rows_as_the_rows_show_them(db):
    """The count above an evidence table gives the rows, of them those not counted (reported
    or opposing), and the statements holding a counted one: all as the rows themselves say."""
    for theme in ("unilateral_sanctions", "bloc_confrontation"):
        rows = query.evidence(db, Filters(), theme=theme, limit=100_000)
        counts = query.evidence_counts(db, Filters(), theme=theme)
        holding = rows.loc[rows["counted"] == 1, "statement_id"].nunique()
        assert counts == (len(rows), int((rows["counted"] == 0).sum()), holding)
        assert 0 < counts.statements < counts.total  # matches are not statements
    assert query.evidence_counts(db, Filters(), theme="unilateral_sanctions").not_counted > 0


def test_evidence_of_a_chart_point_counts_the_statements_the_chart_counts(db):
    """The Trends chart counts statements; its evidence panel counted matches only, so a point
    of 5 statements showed "17 matches" (QA). The panel names both, and the statements are the
    point's own number."""
    filters = Filters(themes=("unilateral_sanctions",))
    trend = query.trends(db, filters)
    trend = trend[trend["theme"] == "unilateral_sanctions"]
    point = trend.sort_values(["k", "year"]).iloc[-1]  # the year with the most statements
    counts = query.evidence_counts(db, filters, theme="unilateral_sanctions",
                                   year=int(point["year"]))  # fmt: skip
    assert counts.statements == int(point["k"]) > 1
    assert counts.total - counts.not_counted > counts.statements  # the rows are more


def test_evidence_rows_point_at_the_matched_words(db):
    rows = query.evidence(db, Filters(), limit=2000)
    assert len(rows) == query.evidence_count(db, Filters())
    for r in rows.itertuples():
        span = r.passage[r.hl_start : r.hl_end]
        # a span may run past its passage (a proximity match over two sentences): then the
        # passage holds its beginning
        assert span and span == r.matched_text[: len(span)]
    theme = rows["theme"].iloc[0]
    year = int(rows["year"].dropna().iloc[0])
    narrow = query.evidence(db, Filters(), theme=theme, year=year)
    assert set(narrow["theme"]) == {theme} and set(narrow["year"]) == {year}


def test_full_text_search_escapes_user_input(db):
    for nasty in ['"', "AND", "NEAR(", "text:cyber", "*", "') OR 1=1 --", "cyber OR", "(((", "^"]:
        query.evidence(db, Filters(), search=nasty)  # never raises
        query.search_passages(db, Filters(), nasty)
    hits = query.search_passages(db, Filters(), "digital divide")
    assert len(hits) and all(
        "digital" in p.lower() and "divide" in p.lower() for p in hits["passage"]
    )
    prefix = query.search_passages(db, Filters(), "cyber*")
    assert len(prefix) and all("cyber" in p.lower() for p in prefix["passage"])
    assert query.fts_query('say "hi" AND') == '"say" """hi""" "AND"'


def test_statement_detail_offsets_and_provenance(db):
    sid = sql(db, "SELECT statement_id FROM statement_themes LIMIT 1")[0][0]
    d = query.statement_detail(db, sid)
    assert d.text and len(d.matches)
    for m in d.matches.itertuples():
        assert d.text[m.start : m.end] == m.matched_text
    assert d.provenance.get("country")
    assert query.statement_detail(db, 10**9) is None
    pieces = query.highlight_spans(
        d.text, zip(d.matches["start"], d.matches["end"], d.matches["theme"])
    )
    assert "".join(p for p, _ in pieces) == d.text


def test_options_and_statement_list(db):
    opts = query.options(db)
    assert opts.statements == sql(db, "SELECT COUNT(*) FROM statements")[0][0]
    assert "militarization" in opts.themes and opts.theme_labels["militarization"]
    assert opts.year_min <= 2016 and opts.year_max == 2024
    assert "P5" in opts.groups
    listed = query.statements_list(db, Filters(languages=()), search="CHN")
    assert len(listed) and set(listed["country"]) == {"CHN"}
    assert query.statements_list(db, Filters(), search="%_\\").empty


def test_no_database_is_a_clear_error(tmp_path):
    with pytest.raises(query.QueryError, match="no database"):
        query.trends(tmp_path / "missing.db", Filters())
    assert not query.database_ready(tmp_path / "missing.db")


def test_bad_filter_values_name_the_argument():
    with pytest.raises(ValueError, match="measure"):
        Filters(measure="percent")
    with pytest.raises(ValueError, match="kinds"):
        Filters(kinds=("regex",))


def test_change_marker_moves_when_the_file_changes(tmp_path):
    p = tmp_path / "x.db"
    p.write_bytes(b"1")
    a = query.change_marker(p)
    os.utime(p, ns=(1, 1))
    assert query.change_marker(p) != a


def test_every_chart_query_runs(db):
    # their speed (200 ms each on the whole UNGDC) is measured by make bench
    # (benchmarks/bench_ingest.py, benchmarks/bench_queries.py), not asserted here
    jobs = query.chart_queries(db, Filters())
    assert jobs
    for name, job in jobs.items():
        assert job() is not None, name


def test_empty_selection_gives_empty_frames(db):
    f = Filters(countries=("XXX",))
    assert query.trends(db, f).empty
    assert query.country_theme_matrix(db, f).empty
    assert query.ranking(db, f, "militarization").empty
    assert query.evidence(db, f).empty
    assert isinstance(
        query.compare(db, f, Side.parse("XXX"), Side.parse("YYY"))["themes"], pd.DataFrame
    )
    assert replace(f, countries=()).countries == ()


def test_evidence_years_stay_whole_numbers_beside_undated_statements(corpus, tmp_path):
    """An undated statement among the rows made the year column float (2024.0 in every CSV);
    years are whole numbers, undated ones empty, as `tracker export coding` writes them."""
    from tracker.ingest import ingest_paths
    from tracker.query import Filters, evidence

    db = tmp_path / "t.db"
    undated = tmp_path / "remarks.txt"  # the speech without its dated heading
    text = (corpus / "unga79" / "text" / "ae_en.txt").read_text(encoding="utf-8")
    undated.write_text(text[text.index("Mr. President"):], encoding="utf-8")
    ingest_paths([undated], db=db, workers=1, overrides={"country": "ARE"})
    ingest_paths([corpus / "unga79" / "text" / "cu_es.txt"], db=db, workers=1)
    rows = evidence(db, Filters(), limit=10**6)
    assert rows["year"].isna().any() and rows["year"].notna().any()
    assert str(rows["year"].dtype) == "Int64"
    assert set(rows["year"].dropna().tolist()) == {2024}
