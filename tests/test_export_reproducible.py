"""Exports are reproducible: the same view of the same database, exported twice, gives the same
bytes. The one time an export records on purpose is the day its citation names ("exported
2026-12-02"); every time inside the files (zip members, the XLSX's document properties, the
PDF's creation date) is that day at 00:00, and SVG ids, which plotly draws at random, are
renumbered. Real figures from the real test database, exported as the dashboard exports them."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, timedelta

import pytest

from tracker import charts, countrymap, export, query

needs_chromium = pytest.mark.skipif(not export.images_available(),
                                    reason="no Chromium: apt-get install -y chromium")  # fmt: skip
TWO = ("militarization", "digital_divide")
DAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def opts(db) -> query.Options:
    return query.options(db)


def _trends(db, opts):
    f = query.Filters(themes=TWO)
    data = query.trends(db, f)
    fig = charts.trend_figure(data, labels=opts.theme_labels,
                              caption=charts.caption_text(f.describe(), "v"))  # fmt: skip
    return f, data, fig


def _bundle(db, opts, **kw) -> bytes:
    f, data, fig = _trends(db, opts)
    book = query.codebook_info(db)
    return export.bundle(
        fig, data, name="trends", filters=f.to_dict(), codebook_text=book.text,
        codebook_name=book.name, codebook_version=book.version,
        database=export.database_fingerprint(db), url="http://localhost:8501/?themes=a", **kw,
    )  # fmt: skip


@needs_chromium
def test_the_same_bundle_exported_twice_is_the_same_bytes(db, opts):
    first, second = _bundle(db, opts, on=DAY), _bundle(db, opts, on=DAY)
    a, b = zipfile.ZipFile(io.BytesIO(first)), zipfile.ZipFile(io.BytesIO(second))
    assert a.namelist() == b.namelist()
    assert {n.rsplit(".", 1)[-1] for n in a.namelist()} >= {"png", "svg", "pdf", "xlsx", "html"}
    differ = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert not differ  # each file alike...
    assert first == second  # ... and the zip around them


@needs_chromium
def test_every_time_inside_an_export_is_the_day_its_citation_names(db, opts):
    z = zipfile.ZipFile(io.BytesIO(_bundle(db, opts, on=DAY)))
    assert "exported 2026-12-02" in z.read("CITATION.txt").decode()
    assert {i.date_time for i in z.infolist()} == {(2026, 12, 2, 0, 0, 0)}
    xlsx = zipfile.ZipFile(io.BytesIO(z.read("trends.xlsx")))
    assert {i.date_time for i in xlsx.infolist()} == {(2026, 12, 2, 0, 0, 0)}
    core = xlsx.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == [
        "2026-12-02T00:00:00Z", "2026-12-02T00:00:00Z"]  # fmt: skip
    pdf = z.read("trends.pdf")
    assert re.findall(rb"/(?:CreationDate|ModDate) ?\(D:(\d{14})", pdf) == [b"20261202000000"] * 2


class _Midnight(date):
    """A clock that passes midnight at every look: today() is a day later each time."""

    calls = 0

    @classmethod
    def today(cls):
        cls.calls += 1
        return cls(2026, 12, 31) + timedelta(days=cls.calls)


@needs_chromium
def test_a_single_download_twice_is_the_same_bytes(db, opts, monkeypatch):
    """The dashboard's own buttons (one image, one workbook) are given the day of the page's
    citation, as export_buttons gives it. This test gave none, so each export read today's date
    and the pair differed when run across midnight; it now passes DAY, under a clock that moves
    on between the two exports (which it cannot reach)."""
    monkeypatch.setattr(export, "date", _Midnight)
    _, data, fig = _trends(db, opts)
    for fmt in export.IMAGE_FORMATS:
        once = export.export_image(fig, fmt, citation_line="cite", on=DAY)
        assert export.export_image(fig, fmt, citation_line="cite", on=DAY) == once, fmt
    about = {"citation": "cite"}
    assert export.table_xlsx(data, about=about, on=DAY) == export.table_xlsx(data, about=about,
                                                                             on=DAY)  # fmt: skip
    assert _Midnight.calls == 0  # no export looked at the clock


def _svg_figures(db, opts) -> dict:
    """A line chart, a heatmap (a colour gradient), a ranking with hatched bars (patterns) and
    the world map (a clip path of its own): each draws defs plotly names at random."""
    f = query.Filters(themes=("militarization",))
    matrix = query.country_theme_matrix(db, f)
    return {
        "trends": _trends(db, opts)[2],
        "heatmap": charts.heatmap_figure(matrix, caption="c", min_n=5),
        "ranking": charts.ranking_figure(query.ranking(db, f, "militarization"),
                                         theme="militarization", caption="c", min_n=5),
        "map": countrymap.map_figure(matrix, theme="militarization"),
    }  # fmt: skip


REF = re.compile(r"""url\(\s*(?:'|"|&quot;)?#([^'")&\s]+)|href=["']#([^"']+)""")


@needs_chromium
def test_svg_ids_are_the_same_on_every_run_unique_and_every_reference_resolves(db, opts):
    seen: dict[str, str] = {}
    for name, fig in _svg_figures(db, opts).items():
        svg = export.figure_image(fig, "svg")
        assert export.figure_image(fig, "svg") == svg, name
        root = ET.fromstring(svg)  # still well-formed XML
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert ids and len(ids) == len(set(ids)), name
        refs = {a or b for a, b in REF.findall(svg.decode())}
        assert refs and refs <= set(ids), (name, refs - set(ids))
        for i in ids:  # two charts' SVGs put in one web page do not take each other's defs
            assert seen.setdefault(i, name) == name, (i, name, seen[i])


@needs_chromium
def test_a_pdf_is_titled_by_its_chart_not_by_kaleido(db, opts):
    """Kaleido titled every PDF "Kaleido-fier", which viewers show and reference managers file
    the chart under; the title is now the chart's, as plain text, and the dates stay the day's."""
    import pymupdf

    _, _, fig = _trends(db, opts)
    pdf = export.export_image(fig, "pdf", citation_line="cite", on=DAY)
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        meta = doc.metadata
        assert doc.page_count == 1 and "cite" in doc[0].get_text()
    title = re.sub(r"<[^>]+>", "", fig.layout.title.text)
    assert meta["title"] == title and "Kaleido" not in pdf.decode("latin-1")
    assert meta["creator"] == "position-tracker"
    assert meta["creationDate"].startswith("D:20261202000000")


@needs_chromium
def test_the_dashboards_image_button_dates_its_file_by_the_citations_day(db, opts):
    """The page draws the citation when it runs and makes the image when the button is clicked:
    across midnight the file was dated a day after the citation drawn into it. The button's
    maker now takes the citation's day."""
    import pymupdf

    from app_pages.ui.exports import _image_maker

    _, _, fig = _trends(db, opts)
    pdf = _image_maker(fig, "pdf", "cite, exported 2026-01-02.", date(2026, 1, 2))()
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        assert doc.metadata["creationDate"].startswith("D:20260102000000")
        assert "exported 2026-01-02" in doc[0].get_text()
