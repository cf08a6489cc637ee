"""Issue 11, item 3: exports that stand alone. Real figures from a real database, exported as a
researcher gets them: title, interval legend, theme labels, filters and a citation (tool,
codebook, database fingerprint, the view's URL) inside the image, nothing cut, and file names
that say what the chart is."""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pymupdf as fitz  # text and its position on the exported PDF page
import pandas as pd
import pytest
from db_support import sql
from download_support import record_downloads
from PIL import Image
from streamlit.testing.v1 import AppTest

import tracker
from tracker import charts, export, query

REPO = Path(__file__).resolve().parents[1]
needs_chromium = pytest.mark.skipif(not export.images_available(),
                                    reason="no Chromium: apt-get install -y chromium")  # fmt: skip
TWO = ("militarization", "digital_divide")


@pytest.fixture(scope="session")
def opts(db) -> query.Options:
    return query.options(db)


def cite_for(db: Path, url: str) -> str:
    book = query.codebook_info(db)
    return export.citation(book.version, codebook_name=book.name,
                           database=export.database_fingerprint(db), url=url)  # fmt: skip


# -- the citation ---------------------------------------------------------------------------------


def test_fingerprint_is_the_statement_count_and_a_hash_of_their_content(db):
    rows = sorted(sql(db, "SELECT s.content_hash, s.country, s.date, s.year, s.forum, "
                          "s.language, s.role, s.on_behalf_of, s.codebook_version, "
                          "COALESCE(d.content_hash, '') FROM statements s "
                          "LEFT JOIN statements d ON d.id = s.duplicate_of"))  # fmt: skip
    fp = export.database_fingerprint(db)
    assert fp.statements == len(rows) > 10
    text = "".join("\t".join("" if v is None else str(v) for v in r) + "\n" for r in rows)
    assert fp.digest == hashlib.sha256(text.encode()).hexdigest()[:12]
    assert str(fp) == f"{len(rows):,} statements, sha256:{fp.digest}"


def test_fingerprint_changes_with_what_changes_the_figures(db, tmp_path):
    """The fingerprint hashed the texts only: a pair marked as different speeches (one more
    statement counted) or the same texts stored with other dates (other years on every chart)
    kept it, so a citation could not tell apart two databases giving different figures (QA)."""
    import shutil
    import sqlite3

    from tracker.store import Store

    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    before = export.database_fingerprint(copy)
    with Store(copy) as store:
        canonical, [(member, _), *_] = store.duplicate_groups()[0]
        store.mark_not_duplicate(canonical, member)
    marked = export.database_fingerprint(copy)
    assert marked.statements == before.statements and marked.digest != before.digest
    with sqlite3.connect(copy) as conn:  # the same texts, another date for one of them
        conn.execute("UPDATE statements SET date = '1999-01-01', year = 1999 WHERE id = "
                     "(SELECT MIN(id) FROM statements)")  # fmt: skip
    redated = export.database_fingerprint(copy)
    assert redated.digest not in (before.digest, marked.digest)


def test_citation_names_tool_codebook_database_and_view(db):
    url = "http://localhost:8501/?themes=militarization,digital_divide&years=2018-2024"
    line = cite_for(db, url)
    book = query.codebook_info(db)
    fp = export.database_fingerprint(db)
    assert f"position-tracker {tracker.__version__}" in line
    assert f"codebook {book.name} {book.version}" in line
    assert f"database {fp.statements:,} statements, sha256:{fp.digest}" in line
    assert line.endswith(f"View: {url}")


# -- what the image carries ---------------------------------------------------------------------


def test_bands_and_error_bars_are_named_in_the_exported_caption(db, opts):
    f = query.Filters(themes=TWO)
    trend = charts.trend_figure(query.trends(db, f), labels=opts.theme_labels, ci=True,
                                caption=charts.caption_text(f.describe(), "v"))  # fmt: skip
    assert "Bands: 95% Wilson intervals" in " ".join(export.caption_lines(trend))
    plain = charts.trend_figure(query.trends(db, f), labels=opts.theme_labels, ci=False,
                                caption=charts.caption_text(f.describe(), "v"))  # fmt: skip
    assert "95%" not in " ".join(export.caption_lines(plain))
    rank = charts.ranking_figure(query.ranking(db, query.Filters(), "militarization"),
                                 theme="militarization", caption="Filters: all")  # fmt: skip
    assert "Error bars: 95% Wilson intervals" in " ".join(export.caption_lines(rank))


def test_standalone_figure_grows_with_its_caption_and_keeps_one_caption(db, opts):
    f = query.Filters(themes=TWO)
    fig = charts.trend_figure(query.trends(db, f), labels=opts.theme_labels,
                              caption=charts.caption_text(f.describe(), "v"))  # fmt: skip
    codes = [c for c, _, _ in opts.countries] * 6  # a URL longer than a line
    long_url = "http://localhost:8501/?countries=" + ",".join(codes)
    out = export.standalone(fig, citation_line=cite_for(db, long_url))
    lines = export.caption_lines(fig, cite_for(db, long_url))
    assert len(lines) >= 4  # the URL is cut into pieces that fit, not left running off the page
    assert out.layout.margin.b >= export.CAPTION_LINE_PX * len(lines) + 70
    assert out.layout.height - out.layout.margin.b == fig.layout.height - fig.layout.margin.b
    captions = [a for a in out.layout.annotations if a.name == "caption"]
    assert len(captions) == 1 and captions[0].text.count("<br>") == len(lines) - 1
    assert all(len(line) <= 200 for line in lines)


def test_html_export_carries_title_labels_filters_and_citation(db, opts):
    f = query.Filters(themes=TWO, year_from=2018, year_to=2024)
    described = query.Filters(themes=tuple(opts.theme_labels[t] for t in TWO),
                              year_from=2018, year_to=2024).describe()  # fmt: skip
    fig = charts.trend_figure(query.trends(db, f), labels=opts.theme_labels,
                              caption=charts.caption_text(described, "v"))  # fmt: skip
    url = "http://localhost:8501/?themes=militarization,digital_divide&years=2018-2024"
    html = export.export_html(fig, citation_line=cite_for(db, url), title="trends")
    footer = html.split('id="citation"')[1]
    assert "Prevalence of themes over time" in footer
    assert "Militarization of cyberspace and technology" in footer and "Digital divide" in footer
    assert "Bands: 95% Wilson intervals" in footer
    assert f"database {export.database_fingerprint(db)}" in footer
    assert url.replace("&", "&amp;") in footer


def test_bundle_citation_adds_package_versions_and_names_files_by_the_view(db, opts):
    f = query.Filters(themes=TWO)
    data = query.trends(db, f)
    fig = charts.trend_figure(data, labels=opts.theme_labels, caption="Filters: x")
    stem = export.file_stem("trends", themes=TWO, years=(2018, 2024))
    assert stem == "trends_militarization-digital_divide_2018-2024"
    fp = export.database_fingerprint(db)
    zipped = export.bundle(fig, data, name=stem, codebook_version="v7", codebook_name="default",
                           database=fp, url="http://x/?themes=a", images=())  # fmt: skip
    z = zipfile.ZipFile(io.BytesIO(zipped))
    assert {f"{stem}.html", f"{stem}.csv", f"{stem}.xlsx", "CITATION.txt"} <= set(z.namelist())
    cite, software = z.read("CITATION.txt").decode().splitlines()[:2]
    assert cite == export.citation("v7", codebook_name="default", database=fp,
                                   url="http://x/?themes=a")  # fmt: skip
    for name in ("streamlit", "plotly", "kaleido", "pandas"):
        assert f"{name} {importlib.metadata.version(name)}" in software
    assert cite in z.read(f"{stem}.html").decode().replace("&amp;", "&")


# -- nothing cut --------------------------------------------------------------------------------


def _figures(db: Path, opts: query.Options) -> dict:
    """Real figures with a caption several lines long (forty countries picked)."""
    f = query.Filters(countries=tuple(c for c, _, _ in opts.countries[:40]))
    cap = charts.caption_text(f.describe(), query.codebook_info(db).version)
    matrix = query.country_theme_matrix(db, f)
    cmp = query.compare(db, query.Filters(), query.Side.parse("CHN"), query.Side.parse("USA"))
    return {
        "trends": charts.trend_figure(query.trends(db, f), labels=opts.theme_labels, caption=cap),
        "heatmap": charts.heatmap_figure(matrix, caption=cap),
        "ranking": charts.ranking_figure(query.ranking(db, f, "militarization"),
                                         theme="militarization", caption=cap),  # fmt: skip
        "compare": charts.compare_bar_figure(cmp["themes"], sides=["CHN", "USA"], caption=cap),
    }


def _pdf_lines(pdf: bytes) -> tuple[fitz.Rect, list[tuple[fitz.Rect, str]]]:
    page = fitz.open(stream=pdf, filetype="pdf")[0]
    blocks = page.get_text("dict")["blocks"]
    lines = [(fitz.Rect(line["bbox"]), "".join(s["text"] for s in line["spans"]))
             for block in blocks for line in block.get("lines", [])]  # fmt: skip
    return page.rect, lines


@pytest.mark.slow
@needs_chromium
def test_pdf_caption_and_citation_are_whole_inside_the_page(db, opts):
    codes = ",".join(c for c, _, _ in opts.countries[:40])
    url = f"http://localhost:8501/countries?countries={codes}"
    cite = cite_for(db, url)
    for name, fig in _figures(db, opts).items():
        rect, lines = _pdf_lines(export.export_image(fig, "pdf", citation_line=cite))
        text = "".join(t for _, t in lines)
        assert url.split("=")[-1][-20:] in text, name  # the URL's end is on the page
        assert f"sha256:{export.database_fingerprint(db).digest}" in text, name
        assert "Filters: countries:" in text, name
        last = max(lines, key=lambda item: item[0].y1)
        assert last[0].y1 <= rect.height - 2, (name, last)  # the last line is not cut
        assert url[-10:] in last[1], (name, last)  # ... and it is the citation's end
        assert max(r.x1 for r, _ in lines) <= rect.width - 8, name  # nothing at the right edge


@pytest.mark.slow
@needs_chromium
def test_png_and_svg_leave_the_edges_blank_and_hold_the_citation(db, opts):
    url = "http://localhost:8501/?countries=" + ",".join(c for c, _, _ in opts.countries[:40])
    cite = cite_for(db, url)
    fig = _figures(db, opts)["trends"]
    out = export.standalone(fig, citation_line=cite)
    png = Image.open(io.BytesIO(export.export_image(fig, "png", citation_line=cite))).convert("L")
    assert png.size == (2 * export.EXPORT_WIDTH, 2 * out.layout.height)
    w, h = png.size
    bottom = png.crop((0, h - 6, w, h)).getextrema()
    right = png.crop((w - 6, 0, w, h)).getextrema()
    assert bottom[0] > 240 and right[0] > 240  # nothing drawn on the last pixels
    caption_band = png.crop((0, h - 2 * (out.layout.margin.b - 70), w, h - 6)).getextrema()
    assert caption_band[0] < 128  # dark text: the caption is there
    svg = export.export_image(fig, "svg", citation_line=cite).decode()
    assert f'height="{out.layout.height}"' in svg
    texts = "".join(re.findall(r">([^<>]+)</tspan>", svg) + re.findall(r">([^<>]+)</text>", svg))
    assert f"sha256:{export.database_fingerprint(db).digest}" in texts
    assert url.split(",")[-1] in texts


# -- the dashboard's buttons --------------------------------------------------------------------


@pytest.fixture()
def downloads(db, monkeypatch):
    """Open a page with URL parameters; returns ``{file name: data or maker}`` of its buttons."""
    monkeypatch.setenv("TRACKER_DB", str(db))
    seen = record_downloads(monkeypatch)

    def open_page(page: str = "", **params) -> dict:
        seen.clear()
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        if page:
            seen.clear()  # the landing page's buttons
            at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return dict(seen)

    return open_page


def _charts(files: dict) -> set[str]:
    return {n for n in files if n and n.rsplit(".", 1)[-1] in ("png", "svg", "pdf", "html", "zip")}


def test_download_names_say_what_the_chart_is_and_differ_by_view(downloads):
    two = downloads(themes="militarization,digital_divide", years="2018-2024")
    stem = "trends_militarization-digital_divide_2018-2024"
    # Without a browser the image buttons are left out (the page says why); the rest stay.
    images = ("png", "svg", "pdf") if export.images_available() else ()
    assert {f"{stem}.{x}" for x in (*images, "html", "csv", "xlsx", "zip")} <= set(two)
    if not images:
        assert not {f"{stem}.{x}" for x in ("png", "svg", "pdf")} & set(two)
    one = downloads(themes="militarization", years="2018-2024")
    per_country = downloads(themes="militarization", years="2018-2024", lines="country")
    heatmap = downloads("app_pages/countries.py", themes="militarization", years="2018-2024")
    views = [_charts(two), _charts(one), _charts(per_country), _charts(heatmap)]
    assert all(views)
    for i, a in enumerate(views):
        for b in views[i + 1 :]:
            assert not a & b  # two views never overwrite each other's files
    assert any(n.startswith("countries_heatmap_militarization_") for n in views[3])


def test_two_any_term_views_never_share_a_passages_file_name(downloads):
    """The Any term page saved the passages of every view of one term as term_<term>_kwic.csv
    (and .xlsx), a word near it, its window and the years notwithstanding (QA in Chromium)."""
    def passages(**params) -> set[str]:
        files = downloads("app_pages/terms.py", **params)
        return {n for n in files if n and "_kwic" in n}

    alone = passages(q="cyberspace")
    near = passages(q="cyberspace", near="security", within="5")
    one_year = passages(q="cyberspace", years="2024-2024")
    assert all(len(v) == 2 for v in (alone, near, one_year)), (alone, near, one_year)
    assert all(n.startswith("term_cyberspace_kwic") for n in alone | near | one_year)
    assert not alone & near and not near & one_year and not alone & one_year


def test_dashboard_html_export_has_labels_and_cites_the_view(downloads, db):
    files = downloads(themes="militarization,digital_divide", years="2018-2024")
    html = files["trends_militarization-digital_divide_2018-2024.html"]()
    footer = html.split('id="citation"')[1].split("</p>")[0].replace("&amp;", "&")
    caption = next(line for line in footer.split("<br>") if line.startswith("Filters:"))
    assert "Militarization of cyberspace and technology" in caption and "Digital divide" in caption
    assert "digital_divide" not in caption  # labels, not ids
    assert "Bands: 95% Wilson intervals" in caption
    book = query.codebook_info(db)
    assert f"position-tracker {tracker.__version__}" in footer and book.version in footer
    assert f"database {export.database_fingerprint(db)}" in footer
    view = "http://localhost:8501/?themes=militarization,digital_divide&years=2018-2024"
    assert f"View: {view}" in footer


@pytest.mark.slow
@needs_chromium
def test_dashboard_pdf_download_is_whole_and_cited(downloads, db):
    files = downloads(themes="militarization,digital_divide", years="2018-2024")
    pdf = files["trends_militarization-digital_divide_2018-2024.pdf"]()
    rect, lines = _pdf_lines(pdf)
    text = " ".join(t for _, t in lines)
    assert "Militarization of cyberspace and technology" in text
    assert f"sha256:{export.database_fingerprint(db).digest}" in text
    last = max(lines, key=lambda item: item[0].y1)
    assert "years=2018-2024" in last[1] and last[0].y1 <= rect.height - 2


def test_evidence_download_names_say_what_they_hold(downloads):
    one = downloads("app_pages/evidence.py", themes="militarization", years="2018-2024")
    assert {"evidence_militarization_2018-2024.csv", "evidence_militarization_2018-2024.xlsx"
            } <= set(one)  # fmt: skip
    other = downloads("app_pages/evidence.py", themes="digital_divide",
                      forums="General Assembly general debate")
    names = {n for n in other if n and n.startswith("evidence_digital_divide_")}
    assert names and not names & set(one)


class _Clock(date):
    """The day as the dashboard's code reads it, moved on by the test."""

    day = date(2026, 1, 1)

    @classmethod
    def today(cls):
        return cls.day


@pytest.mark.parametrize(("page", "params", "made"), [
    ("app_pages/evidence.py", {"themes": "militarization"}, "evidence_militarization"),
    ("app_pages/terms.py", {"q": "sanctions"}, "term_sanctions_kwic"),
])  # fmt: skip
def test_a_table_download_clicked_after_midnight_keeps_its_citations_day(downloads, monkeypatch,
                                                                         page, params, made):
    """The Evidence and Any term pages drew the XLSX's citation when the page ran and made the
    workbook when its button was clicked, each reading today's date: clicked after midnight,
    the file's dates said the next day and its citation the day before (the charts' buttons
    were given one day in bb890bc; these two were not). They now take one day per download."""
    import openpyxl

    from app_pages.ui import exports as ui_exports

    monkeypatch.setattr(_Clock, "day", date(2026, 1, 1))
    monkeypatch.setattr(export, "date", _Clock)
    monkeypatch.setattr(ui_exports, "date", _Clock)
    files = downloads(page, **params)
    name = next(n for n in files if n and n.startswith(made) and n.endswith(".xlsx"))
    monkeypatch.setattr(_Clock, "day", date(2026, 1, 2))  # the button is clicked after midnight
    xlsx = files[name]()
    about = openpyxl.load_workbook(io.BytesIO(xlsx))["about"]
    cite = {row[0]: row[1] for row in about.iter_rows(min_row=2, values_only=True)}["citation"]
    assert "exported 2026-01-01." in cite
    core = zipfile.ZipFile(io.BytesIO(xlsx)).read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == [
        "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"]  # fmt: skip


@pytest.mark.slow
@needs_chromium
def test_dashboard_bundle_keeps_names_and_cites_view_database_and_packages(downloads, db):
    stem = "trends_militarization-digital_divide_2018-2024"
    files = downloads(themes="militarization,digital_divide", years="2018-2024")
    z = zipfile.ZipFile(io.BytesIO(files[f"{stem}.zip"]()))
    names = set(z.namelist())
    assert {f"{stem}.{x}" for x in ("html", "png", "svg", "pdf", "csv", "xlsx")} <= names
    cite, software = z.read("CITATION.txt").decode().splitlines()[:2]
    assert f"database {export.database_fingerprint(db)}" in cite
    assert cite.endswith("View: http://localhost:8501/?themes=militarization,digital_divide"
                         "&years=2018-2024")  # fmt: skip
    assert f"plotly {importlib.metadata.version('plotly')}" in software
    _, lines = _pdf_lines(z.read(f"{stem}.pdf"))
    assert "years=2018-2024" in max(lines, key=lambda item: item[0].y1)[1]


def test_per_country_trends_export_records_the_countries_and_theme_it_shows(downloads):
    """Trends "per country" with no countries picked shows the six with the most statements;
    the bundle's filters.json (and the XLSX about sheet) recorded the sidebar's empty filters
    instead, so the countries shown were written nowhere but the caption."""
    files = downloads(lines="country", theme="militarization", years="2018-2024")
    bundle = next(v for k, v in files.items() if k and k.endswith(".zip"))
    z = zipfile.ZipFile(io.BytesIO(bundle()))
    recorded = json.loads(z.read("filters.json"))
    assert recorded["themes"] == ["militarization"]
    assert len(recorded["countries"]) == 6


def test_charts_without_a_time_axis_name_the_years_they_pool(downloads, opts):
    """A heatmap, ranking or map pools the years: with no year filter its files said no years
    (``map_militarization.png``), so two exports of one database a year apart shared a name
    while holding different years (QA)."""
    span = f"{opts.year_min}-{opts.year_max}"
    for view in ("", "ranking", "map"):
        params = {"themes": "militarization", **({"view": view} if view else {})}
        files = _charts(downloads("app_pages/countries.py", **params))
        assert files, view
        assert all(f"_{span}" in n for n in files), (view, files)


def test_a_comparisons_exports_record_the_two_sides_it_compares(downloads):
    """Compare's bundle (filters.json) and XLSX (about sheet) recorded the sidebar's filters
    with no word of the two sides (QA: "countries": []): the sides were only in the caption,
    the CSV's columns and the view's URL."""
    files = downloads("app_pages/compare.py", a="CHN", b="group:P5", years="2018-2024")
    bundle = next(v for k, v in files.items() if k and k.endswith(".zip"))
    recorded = json.loads(zipfile.ZipFile(io.BytesIO(bundle())).read("filters.json"))
    assert recorded["compare"] == {"a": "CHN", "b": "group:P5"}, recorded
    xlsx = next(v for k, v in files.items() if k and k.endswith(".xlsx"))
    about = pd.read_excel(io.BytesIO(xlsx()), sheet_name="about", header=None)
    assert "group:P5" in " ".join(str(v) for v in about.to_numpy().ravel())


def test_a_rankings_table_says_which_countries_the_chart_draws(downloads):
    """The Ranking's CSV holds every country past the minimum while the chart draws the top N
    (QA: 20 rows for top=5), with nothing saying which were drawn."""
    files = downloads("app_pages/countries.py", view="ranking", theme="non_interference", top="5",
                      min="1")  # fmt: skip
    name = next(k for k in files if k and k.startswith("ranking_") and k.endswith(".csv"))
    table = pd.read_csv(io.BytesIO(files[name]), comment=None)
    assert len(table) > 5
    assert table["drawn"].tolist() == [True] * 5 + [False] * (len(table) - 5)
