"""Trends for any term (tracker/terms.py and the "Any term" page) on the real statements of the
bundled sample corpus, ingested once per run (shared with the browser tests)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import browser_support
import openpyxl
import pandas as pd
import pytest
from db_support import dashboard_maker, sql
from download_support import record_downloads
from streamlit.testing.v1 import AppTest
from test_dashboard import decode

from tracker import charts, export, query, terms
from tracker.codebook import load_codebook
from tracker.errors import CodebookError
from tracker.match import Matcher
from tracker.models import Passage
from tracker.query import Filters

REPO = Path(__file__).resolve().parents[1]
CYBER_ATTACK = re.compile(r"\bcyber[\s-]*attack", re.I)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    """The bundled sample corpus's database, the one the browser tests use: ingested once per run
    across xdist workers (this module's copy is its own)."""
    return browser_support.sample_db(tmp_path_factory)


@pytest.fixture(scope="module")
def cyber(sample_db) -> terms.TermScan:
    return terms.scan(sample_db, terms.Term.parse("cyber attack"), Filters())



#: the statements the default filters select, in English (the term's language)
SELECTED = (
    "s.duplicate_of IS NULL AND s.country != '' AND "
    "s.role NOT IN ('president','briefer','secretariat','chair') AND s.language = 'en'"
)


def texts(db: Path, cond: str = "1", params=()) -> dict[int, str]:
    return dict(sql(db, "SELECT s.id, t.clean_text FROM statements s JOIN statement_texts t ON "
                        f"t.statement_id = s.id WHERE {SELECTED} AND {cond}", params))  # fmt: skip


# -- the library -------------------------------------------------------------------------------


def test_cyber_attack_finds_every_spelling_and_only_statements_that_hold_it(sample_db, cyber):
    keywords = {k.lower() for k in cyber.kwic.rows["keyword"]}
    assert {"cyber-attack", "cyberattacks", "cyber attacks"} <= keywords
    found = set(cyber.statements.loc[cyber.statements["matches"] > 0, "statement_id"])
    holding = {i for i, text in texts(sample_db).items() if CYBER_ATTACK.search(text)}
    assert found == holding and len(found) >= 5
    assert cyber.found == len(found)
    # every occurrence in those texts is a KWIC row
    expected = sum(len(CYBER_ATTACK.findall(texts(sample_db)[i])) for i in holding)
    assert len(cyber.kwic) == expected


def test_scan_reads_exactly_the_selected_statements(sample_db, cyber):
    (n,) = sql(sample_db, f"SELECT COUNT(*) FROM statements s WHERE {SELECTED}")[0]
    assert cyber.selected == cyber.scanned == n and cyber.complete
    assert sorted(cyber.statements["statement_id"]) == sorted(texts(sample_db))


def test_counts_per_year_and_country_with_wilson_intervals(sample_db, cyber):
    years = terms.counts(cyber, ["year"]).set_index("year")
    per_year = dict(sql(sample_db, f"SELECT s.year, COUNT(*) FROM statements s WHERE {SELECTED} "
                                   "AND s.year IS NOT NULL GROUP BY s.year"))  # fmt: skip
    assert years["n"].to_dict() == per_year
    assert years["k"].sum() == cyber.found  # every statement holding it has a year here
    low, high = query.wilson(years["k"], years["n"])
    assert list(years["ci_low"]) == pytest.approx(list(low))
    assert list(years["ci_high"]) == pytest.approx(list(high))
    assert (years["ci_low"] <= years["share"]).all() and (years["share"] <= years["ci_high"]).all()
    countries = terms.counts(cyber, ["country"]).set_index("country")
    usa = [i for i, t in texts(sample_db, "s.country = 'USA'").items() if CYBER_ATTACK.search(t)]
    assert countries.loc["USA", "k"] == len(usa) >= 1
    assert countries.loc["USA", "country_name"] == "United States"


def test_country_ranking_puts_a_share_on_few_statements_below(cyber):
    rank = terms.country_ranking(cyber)
    assert list(rank["ci_low"]) == sorted(rank["ci_low"], reverse=True)
    assert rank["place"].iloc[0] == 1 and rank["value"].equals(rank["share"])
    ties = rank[rank["tied"]]
    assert ties.groupby("place")["ci_low"].nunique().eq(1).all()


def test_filters_restrict_the_scan(sample_db):
    got = terms.scan(sample_db, terms.Term.parse("cyber attack"), Filters(countries=("USA",)))
    (n,) = sql(sample_db, f"SELECT COUNT(*) FROM statements s WHERE {SELECTED} "
                          "AND s.country = 'USA'")[0]  # fmt: skip
    assert got.scanned == n
    assert set(got.kwic.rows["country"]) == {"USA"}
    other = terms.scan(sample_db, terms.Term.parse("cyber attack"), Filters(languages=("fr",)))
    assert other.scanned == 0 and other.found == 0  # an English term is not read in French


def test_a_near_rule_finds_both_words_close_together(sample_db, cyber):
    term = terms.Term.parse("cyber attack", near="infrastructure", within=5)
    got = terms.scan(sample_db, term, Filters())
    assert got.found >= 1 and set(got.kwic.rows["kind"]) == {"proximity"}
    for keyword in got.kwic.rows["keyword"]:
        assert CYBER_ATTACK.search(keyword) and "infrastructure" in keyword.lower()
        assert len(keyword.split()) <= 2 + 5 + 1
    plain = set(cyber.statements.loc[cyber.statements["matches"] > 0, "statement_id"])
    assert set(got.kwic.rows["statement_id"]) <= plain
    assert term.pattern == "cyber attack within 5 words of infrastructure"


def test_alternatives_separated_by_commas(sample_db):
    got = terms.scan(sample_db, terms.Term.parse("digital divide, cyber attack"), Filters())
    assert {"digital divide", "cyberattacks"} <= {k.lower() for k in got.kwic.rows["keyword"]}


def test_kwic_window_is_words_of_context(cyber):
    assert cyber.kwic.window == terms.MAX_WINDOW and cyber.kwic.pattern == "cyber attack"
    narrow = cyber.kwic.with_window(3)
    assert len(narrow) == len(cyber.kwic)
    full = cyber.kwic.rows
    for pre, post, full_pre, full_post in zip(narrow.rows["pre"], narrow.rows["post"],
                                              full["pre"], full["post"]):  # fmt: skip
        assert len(terms.TOKEN.findall(pre)) <= 3 and full_pre.endswith(pre)
        assert len(terms.TOKEN.findall(post)) <= 3 and full_post.startswith(post)
    assert narrow.rows["keyword"].equals(cyber.kwic.rows["keyword"])
    assert set(narrow.to_frame()["window"]) == {3}
    with pytest.raises(ValueError, match="window=20"):
        narrow.with_window(20)


def test_kwic_subset_is_the_rows_of_a_point(cyber):
    usa = cyber.kwic.subset(country="USA")
    assert len(usa) == int(cyber.statements.query("country == 'USA'")["matches"].sum()) >= 1
    year = int(cyber.kwic.rows["year"].iloc[0])
    rows = cyber.kwic.subset(year=year)
    assert set(rows.rows["year"]) == {year}
    assert len(rows) == terms.counts(cyber, ["year"]).set_index("year").loc[year, "matches"]


def test_kwic_rows_point_at_the_text(sample_db, cyber):
    row = cyber.kwic.rows.iloc[0]
    text = texts(sample_db)[int(row["statement_id"])]
    assert " ".join(text[row["start"] : row["end"]].split()) == row["keyword"]


def test_a_cap_reads_a_sample_and_says_so(sample_db):
    calls: list[tuple[int, int]] = []
    got = terms.scan(sample_db, terms.Term.parse("sovereignty"), Filters(), cap=300,
                     progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    assert got.scanned == 300 and got.selected > 300 and not got.complete
    assert calls[-1] == (300, 300) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert got.statements["year"].nunique() > 5  # spread over the selection, not its first rows


def test_context_is_the_words_around_each_hit_as_defined(sample_db):
    """The context is found from the text's word offsets, once per statement (a common word has
    hundreds of hits); it must equal the definition: the last/first ``window`` words of the
    text within reach of the hit, whitespace folded."""
    text = max(texts(sample_db).values(), key=len)
    hits = [m.span() for m in re.finditer(r"\bthe\b", text)][:400]
    hits += [(0, 3), (len(text) - 3, len(text))]  # at the very start and end of the text
    assert len(hits) > 100
    reach = 40
    for window in (0, 1, 3, 50):
        for start, end in hits:
            pre = terms.last_words(text[max(0, start - window * reach) : start], window)
            post = terms.first_words(text[end : end + window * reach], window)
            expected = (" ".join(pre.split()), " ".join(text[start:end].split()),
                        " ".join(post.split()))  # fmt: skip
            assert terms._context(text, start, end, window) == expected, (window, start)


def test_a_very_common_word_keeps_the_first_rows_and_a_point_reads_its_own(sample_db,
                                                                            monkeypatch):
    """A word like "the" has hundreds of hits per statement: the scan keeps counts for all but
    context rows for the first MAX_KWIC_ROWS; a clicked point's rows are read again, whole."""
    term, chosen = terms.Term.parse("the"), Filters(countries=("FRA", "GBR", "USA"))
    whole = terms.scan(sample_db, term, chosen)
    assert whole.kwic_complete and whole.occurrences == len(whole.kwic) > 1000
    monkeypatch.setattr(terms, "MAX_KWIC_ROWS", 500)
    capped = terms.scan(sample_db, term, chosen)
    assert 0 < len(capped.kwic) <= 500 and not capped.kwic_complete
    assert capped.occurrences == whole.occurrences  # the counts use every hit
    assert capped.statements.equals(whole.statements)
    # the rows kept are the first the whole list shows (newest first), whole statements only
    assert capped.kwic.rows.equals(whole.kwic.rows.head(len(capped.kwic)))
    kept = capped.kwic.rows.groupby("statement_id").size()
    assert (kept == capped.statements.set_index("statement_id")["matches"][kept.index]).all()
    following = int(whole.kwic.rows["statement_id"].iloc[len(capped.kwic)])  # the next listed
    per_statement = whole.statements.set_index("statement_id")["matches"]
    assert len(capped.kwic) + per_statement[following] > 500  # it did not fit
    usa = whole.statements.query("country == 'USA' and matches > 0")
    year = int(usa["year"].iloc[-1])
    point = terms.kwic_of(sample_db, capped, year=year, country="USA")
    expected = whole.kwic.subset(year=year, country="USA")
    assert 0 < len(point) < 500 and point.rows.equals(expected.rows)


def test_scan_leaves_the_database_as_it_was(sample_db):
    before = query.change_marker(sample_db)
    terms.scan(sample_db, terms.Term.parse("cyber attack"), Filters(countries=("GBR",)))
    assert query.change_marker(sample_db) == before


def test_a_bad_phrase_is_a_codebook_error_naming_it():
    with pytest.raises(CodebookError, match="cyber \\(attack"):
        terms.term_codebook(terms.Term.parse("cyber (attack"))
    with pytest.raises(ValueError, match="phrases"):
        terms.Term.parse(" , ")


def test_save_as_a_theme_writes_a_new_codebook_version(sample_db, tmp_path):
    info = query.codebook_info(sample_db)
    term = terms.Term.parse("cyber attack")
    saved = terms.save_theme(tmp_path / "codebooks", term, codebook_text=info.text,
                             codebook_path=info.path, theme_id="cyber_attack_term",
                             label="Cyber attack (term)")  # fmt: skip
    assert saved.path.parent == tmp_path / "codebooks"
    assert info.name == "default"  # the shipped codebook: its changed copy is named apart
    assert saved.path.name == f"default-edited-{saved.codebook.version}.yaml"
    assert saved.codebook.name == "default-edited"
    assert [p.name for p in saved.path.parent.iterdir()] == [saved.path.name]  # no temp file
    book = load_codebook(saved.path)
    assert book.version == saved.codebook.version != info.version
    assert book.theme_ids == [*[t.id for t in info.themes], "cyber_attack_term"]
    assert book.theme("cyber_attack_term").label == "Cyber attack (term)"
    assert saved.rematch_command == f"tracker match --codebook {saved.path}"
    # the saved theme finds the term in a real statement
    sid, text = next((i, t) for i, t in texts(sample_db).items() if "cyberattack" in t)
    rows = sql(sample_db, 'SELECT seq, start, "end" FROM passages WHERE statement_id = ? '
               "ORDER BY seq", (sid,))  # fmt: skip
    passages = [Passage(*r, 0) for r in rows]
    found = Matcher(book, semantic=False).match(text, passages, language="en")
    assert any(m.theme == "cyber_attack_term" for m in found)
    # the same id again is refused, and nothing is written
    with pytest.raises(CodebookError, match="already"):
        terms.save_theme(tmp_path / "codebooks", term, codebook_text=book.text,
                         codebook_path=str(saved.path), theme_id="cyber_attack_term")  # fmt: skip
    assert len(list(saved.path.parent.iterdir())) == 1


def test_a_near_theme_is_saved_as_a_near_rule(tmp_path):
    base = terms.DEFAULT_CODEBOOK
    term = terms.Term.parse("sanctions", near="unilateral, illegal", within=3)
    saved = terms.save_theme(tmp_path, term, codebook_text=base.read_text("utf-8"),
                             codebook_path=str(base), theme_id="sanctions_near")  # fmt: skip
    rule = load_codebook(saved.path).theme("sanctions_near").rules[0]
    assert rule.kind == "near" and rule.within == 3
    assert rule.groups["en"] == (("sanctions",), ("unilateral", "illegal"))


# -- the page ----------------------------------------------------------------------------------


@pytest.fixture()
def app(sample_db, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(sample_db))
    return dashboard_maker("app_pages/terms.py", timeout=120)


def no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_page_charts_the_term_and_shows_its_rows(app, sample_db, cyber):
    at = app(q="cyber attack").run()
    no_trouble(at)
    assert at.title[0].value == "Any term"
    figs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    line = next(t for t in figs[0]["data"] if t.get("mode") == "lines+markers")
    years = terms.counts(cyber, ["year"])
    assert dict(zip(decode(line["x"]), decode(line["y"]))) == pytest.approx(
        dict(zip(years["year"], years["share"]))
    )
    assert any(t.get("fill") == "toself" for t in figs[0]["data"])  # the 95% band
    assert figs[1]["data"][0]["orientation"] == "h"  # countries ranked, with error bars
    # the axes say what is counted: statements mentioning the term (they said "the theme")
    assert figs[0]["layout"]["yaxis"]["title"]["text"] == "Share of statements mentioning the term"
    assert figs[1]["layout"]["xaxis"]["title"]["text"].startswith(
        "Share of statements mentioning the term")  # fmt: skip
    assert "theme" not in json.dumps([f["layout"].get(a, {}).get("title") for f in figs
                                      for a in ("xaxis", "yaxis")])  # fmt: skip
    table = at.dataframe[0].value
    assert len(table) == len(cyber.kwic)
    assert {"cyber-attack", "cyberattacks"} <= {t.lower() for t in table["term"]}
    # a narrower window shows fewer words around the same occurrences
    at.slider(key="term_window").set_value(2).run()
    no_trouble(at)
    narrow = at.dataframe[0].value
    assert all(len(terms.TOKEN.findall(t)) <= 2 for t in narrow["before"])
    assert list(narrow["term"]) == list(table["term"])
    assert at.query_params["window"] == "2" and at.query_params["q"] == "cyber attack"


def test_page_greys_points_on_fewer_statements_than_the_sidebar_minimum(app, cyber):
    at = app(q="cyber attack", minn="50").run()
    no_trouble(at)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    line = next(t for t in fig["data"] if t.get("mode") == "lines+markers")
    grey = {x for x, c in zip(decode(line["x"]), line["marker"]["color"]) if c == charts.LOW_COLOR}
    years = terms.counts(cyber, ["year"])
    few = set(years.loc[years["n"] < 50, "year"])
    assert few and grey == few and len(few) < len(years)
    labels = [t for t in fig["data"] if t.get("mode") == "text"]
    assert labels and set(labels[0]["text"]) <= {f"n={n}" for n in years["n"] if n < 50}


def test_page_saves_the_term_as_a_theme(app, sample_db):
    at = app(q="cyber attack").run()
    at.text_input(key="term_theme_id").set_value("cyber_attack_page")
    at.button(key="term_save").click().run()
    no_trouble(at)
    message = at.success[0].value
    assert "re-match it with `tracker match --codebook" in message
    written = list((sample_db.parent / "codebooks").glob("*.yaml"))
    assert any("cyber_attack_page" in load_codebook(p).theme_ids for p in written)


def test_page_without_a_term_or_with_a_bad_one_explains(app):
    at = app().run()
    no_trouble(at)
    assert "Type a word or phrase" in at.info[0].value
    at = app(q="cyber (attack").run()
    assert not at.exception
    assert "cannot be read" in at.error[0].value
    # it speaks of what was typed, not of a line of the codebook made from it
    said = at.error[0].value.replace("\\", "")  # as shown (Markdown escapes taken off)
    assert "'cyber (attack' has a '(' without its ')'" in said
    assert "line" not in said and "rule 1" not in said
    near = app(q="cyber", near="(x").run()  # the "within N words of" field too
    said = near.error[0].value.replace("\\", "")
    assert "'(x' has a '(' without its ')'" in said and "group" not in said and "rule" not in said


def test_page_kwic_download_cites_the_database_and_the_view(app, sample_db, monkeypatch):
    """The XLSX of the KWIC rows carries what the charts' exports carry: the database's
    fingerprint and the view's URL, in the citation and on their own."""
    made = record_downloads(monkeypatch)
    at = app(q="cyber attack", near="state", within="20").run()
    no_trouble(at)
    name = next(n for n in made if n and "_kwic" in n and n.endswith(".xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(made[name]()))["about"]
    about = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert about["view"].endswith("/terms?q=cyber+attack&near=state&within=20")
    citation = about["citation"]
    assert f"database {export.database_fingerprint(sample_db)}" in citation
    assert citation.endswith(f"View: {about['view']}")
    assert query.codebook_info(sample_db).version in citation
    # the CSV downloaded on its own ends with the same provenance, on every row
    csv_name = next(n for n in made if n and "_kwic" in n and n.endswith(".csv"))
    import csv as csv_module

    rows = list(csv_module.DictReader(io.StringIO(made[csv_name]().decode("utf-8-sig"))))
    assert rows and list(rows[0])[-3:] == ["codebook_version", "tool_version", "view"]
    assert {r["codebook_version"] for r in rows} == {query.codebook_info(sample_db).version}
    assert {r["view"] for r in rows} == {about["view"]}


def test_page_says_when_the_listed_rows_stop_short_of_the_occurrences(app, sample_db,
                                                                       monkeypatch):
    monkeypatch.setattr(terms, "MAX_KWIC_ROWS", 300)
    at = app(q="the", countries="FRA,GBR").run()
    no_trouble(at)
    whole = terms.scan(sample_db, terms.Term.parse("the"), Filters(countries=("FRA", "GBR")))
    assert f"{whole.occurrences:,} occurrences" in at.markdown[0].value
    warning = next(w.value for w in at.warning if "occurrences are listed" in w.value)
    capped = terms.scan(sample_db, terms.Term.parse("the"), Filters(countries=("FRA", "GBR")))
    listed = len(capped.kwic)
    assert 0 < listed <= 300 and f"first {listed:,} occurrences" in warning
    assert f"of {whole.occurrences:,}" in warning
    assert any(c.value.startswith(f"{listed} occurrences") for c in at.caption)
    assert f"CSV of the first {listed} rows" in [b.proto.label for b in at.get("download_button")]


def test_counts_in_words_take_the_singular_for_one():
    from app_pages.common import counted, shown_note

    assert counted(1, "statement") == "1 statement" and counted(2, "statement") == "2 statements"
    assert counted(1_200, "match", "matches") == "1,200 matches"
    assert shown_note(1, 200) == "1 match." and shown_note(3, 200) == "3 matches."
    assert shown_note(1, 200, "occurrence", "occurrences") == "1 occurrence."
    assert shown_note(500, 200).startswith("500 matches; the first 200 shown here")
    assert shown_note(3, 200, statements=1) == "3 matches in 1 statement."
    assert shown_note(9, 200, not_counted=2, statements=4).startswith(
        "7 matches counted in 4 statements + 2 not counted (reported or opposing")


def test_page_lists_the_rows_of_the_chart_clicked_last(app, sample_db):
    """Both tabs' charts keep their selections; the rows listed were those of the first chart
    with one, so a bar clicked on "By country" after a point on "Over time" listed the point's
    rows under a heading naming the point."""
    from test_compare_fixes import click, rerun_with

    at = app(q="cyber attack").run()
    no_trouble(at)
    point_id, point_sel, point = click(at, "term_trend", lambda t, cd: t.get("mode") == "lines+markers")
    states = {point_id: point_sel}
    rerun_with(at, states)
    no_trouble(at)
    assert at.subheader[0].value.replace("\\", "") == f"Keyword in context: {point[1]}"
    bar_id, bar_sel, bar = click(at, "term_rank", lambda t, cd: t.get("type") == "bar" and cd[2]
                                 and not str(cd[3]).startswith("0/"))  # fmt: skip
    states[bar_id] = bar_sel  # the point stays selected on its tab
    rerun_with(at, states)
    no_trouble(at)
    assert at.subheader[0].value.replace("\\", "") == f"Keyword in context: {bar[2]}"
    assert set(at.dataframe[0].value["country"]) == {bar[2]}


# -- what the captions and files of a term say -----------------------------------------------------


def test_a_term_search_applies_only_filters_that_select_statements():
    """Every filter left in :func:`terms.applied_filters` selects statements (the SQL a scan
    reads by); the theme, match-kind and direction filters, which select the codebook's matches,
    and the measure (a term is charted as a share) are taken out, and the languages are the
    term's."""
    every = Filters(themes=("militarization",), countries=("USA",), groups=("P5",),
                    forums=("Security Council",), year_from=1980, year_to=1990,
                    date_from="1980-01", date_to="1990-06", measure="rate", kinds=("exact",),
                    directions=("opposes",), languages=("en", "fr"), include_duplicates=True,
                    include_non_state=True, group_statements="exclude",
                    count_for_members=True)  # fmt: skip
    term = terms.Term.parse("paix", language="fr")
    applied = terms.applied_filters(every, term)
    assert {c.on for c in query.clauses(applied)} == {"statements"}
    assert applied == Filters(countries=("USA",), groups=("P5",), forums=("Security Council",),
                              year_from=1980, year_to=1990, date_from="1980-01",
                              date_to="1990-06", languages=("fr",), include_duplicates=True,
                              include_non_state=True, group_statements="exclude",
                              count_for_members=True)  # fmt: skip
    # what the scan selects is what the applied filters select
    assert terms.selection_filters(every, term) == applied
    assert terms.selection_filters(Filters(languages=("en",)), term) is None


def about_sheet(xlsx: bytes) -> dict:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx))["about"]
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}


#: Filters the term search ignores, as a link gives them (the sidebar takes them)
IGNORED = {"themes": "militarization", "kinds": "exact", "measure": "rate"}
EXTS = ("png", "svg", "pdf", "html", "csv", "xlsx", "zip")


def test_term_charts_and_passages_name_only_the_filters_the_search_applies(app, sample_db,
                                                                          monkeypatch):
    """/terms?q=outer+space&themes=militarization&kinds=exact&years=1980-1990: the page says
    the theme and match-kind filters do not apply to a term, and its counts ignore them, but the
    charts' caption (on screen and in every image) read "Filters: themes: Militarization of
    cyberspace and technology; years 1980–1990; match kinds: exact", the files were named
    term_outer_space_by-year_militarization_1980-1990_<hash>.* (term_outer_space_by-year_..._rate
    with measure=rate, for a chart of shares) and filters.json and the XLSX about sheets gave
    "themes": ["militarization"]. They now name the filters the term search applies (the
    statement filters, in the term's language), the same as the view without those filters."""
    monkeypatch.setattr(export, "export_image", lambda fig, fmt, **kw: b"")  # no Chromium time
    made = record_downloads(monkeypatch)
    at = app(q="outer space", years="1980-1990", **IGNORED).run()
    no_trouble(at)
    assert at.query_params["themes"] == "militarization"  # the sidebar took them
    # the counts: the English statements of those years (SQL), whatever the themes and kinds
    by_year = f"{SELECTED} AND s.year BETWEEN 1980 AND 1990"
    n = dict(sql(sample_db, f"SELECT s.year, COUNT(*) FROM statements s WHERE {by_year} "
                            "GROUP BY s.year"))  # fmt: skip
    assert len(n) == 11
    files = dict(made)
    (csv_name,) = [f for f in files if f and f.startswith("term_outer_space_by-year") and
                   f.endswith(".csv")]  # fmt: skip
    data = pd.read_csv(io.BytesIO(files[csv_name]))
    assert dict(zip(data["year"], data["n"])) == n
    whole = terms.scan(sample_db, terms.Term.parse("outer space"),
                       Filters(year_from=1980, year_to=1990))  # fmt: skip
    assert data["k"].sum() == whole.found > 10
    # the caption, in the figure and so in every image: no theme, no match kind
    book = query.codebook_info(sample_db).version
    caption = f"Filters: years 1980–1990; languages: en · codebook {book} · term: outer space"
    figs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert len(figs) == 2
    over_time, by_country = (f["layout"]["meta"]["caption"] for f in figs)
    assert over_time == f"{caption} · {charts.BANDS_NOTE}"
    assert by_country.startswith(f"{caption} · ")  # then the grey bars' note and the error bars'
    assert by_country.endswith(charts.ERROR_BARS_NOTE) and "match kinds" not in by_country
    html = files[csv_name.replace(".csv", ".html")]()
    assert "Militarization" not in html and "match kinds" not in html and "years 1980–1990" in html
    # the file names: no theme, no measure; the same as those of the view without the filters
    stem = re.fullmatch(r"(term_outer_space_by-year_1980-1990_[0-9a-f]{6})\.csv", csv_name)
    assert stem, csv_name
    assert {f"{stem[1]}.{ext}" for ext in EXTS} <= set(files)
    names = {f for f in files if f and f.startswith("term_")}
    assert not [f for f in names if "militarization" in f or "_rate" in f], names
    kwic = {f for f in names if "_kwic" in f}
    assert len(kwic) == 2 and all(re.fullmatch(r"term_outer_space_kwic_1980-1990_[0-9a-f]{6}"
                                               r"\.(csv|xlsx)", f) for f in kwic), kwic
    # filters.json and the about sheets: the filters applied
    applied = Filters(year_from=1980, year_to=1990, languages=("en",)).to_dict()
    bundle = zipfile.ZipFile(io.BytesIO(files[f"{stem[1]}.zip"]()))
    assert json.loads(bundle.read("filters.json")) == applied
    assert json.loads(about_sheet(bundle.read(f"{stem[1]}.xlsx"))["filters"]) == applied
    assert json.loads(about_sheet(files[f"{stem[1]}.xlsx"]())["filters"]) == applied
    (kwic_xlsx,) = [f for f in kwic if f.endswith(".xlsx")]
    assert json.loads(about_sheet(files[kwic_xlsx]())["filters"]) == applied
    made.clear()
    plain = app(q="outer space", years="1980-1990").run()
    no_trouble(plain)
    assert {f for f in made if f and f.startswith("term_")} == names


def test_passages_of_a_clicked_year_or_country_name_it_once(app, sample_db, monkeypatch):
    """The passages of a clicked point were saved as term_outer_space_1984_kwic_1984_<hash>.csv
    (the year added to the name, then again from the rows), those of a bar as
    term_outer_space_USA_kwic_USA_...: each is named once now, as the rows' years and places."""
    from test_compare_fixes import click, rerun_with

    made = record_downloads(monkeypatch)
    at = app(q="outer space", years="1980-1990").run()
    no_trouble(at)
    point_id, point_sel, point = click(at, "term_trend", lambda t, cd: t.get(
        "mode") == "lines+markers" and str(cd[1]) == "1984")  # fmt: skip
    made.clear()
    rerun_with(at, {point_id: point_sel})
    no_trouble(at)
    assert at.subheader[0].value.replace("\\", "") == "Keyword in context: 1984"
    assert set(at.dataframe[0].value["date"].str[:4]) == {"1984"}
    kwic = sorted(f for f in made if f and "_kwic" in f)
    assert len(kwic) == 2, kwic
    for name in kwic:
        assert re.fullmatch(r"term_outer_space_kwic_(?:[A-Z-]+_)?1984_[0-9a-f]{6}\.(csv|xlsx)",
                            name), name  # fmt: skip
    bar_id, bar_sel, bar = click(at, "term_rank", lambda t, cd: t.get("type") == "bar" and cd[2]
                                 and not str(cd[3]).startswith("0/"))  # fmt: skip
    made.clear()
    rerun_with(at, {point_id: point_sel, bar_id: bar_sel})
    no_trouble(at)
    country = bar[2]
    assert set(at.dataframe[0].value["country"]) == {country}
    kwic = sorted(f for f in made if f and "_kwic" in f)
    assert len(kwic) == 2, kwic
    for name in kwic:
        assert re.fullmatch(rf"term_outer_space_kwic_{re.escape(country)}_(?:\d{{4}}|\d{{4}}-\d{{4}})"
                            r"_[0-9a-f]{6}\.(csv|xlsx)", name), name  # fmt: skip
