"""Charts with their export buttons and evidence downloads: every file named for what it holds
and carrying its citation (tool, codebook, database fingerprint, the view's URL)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from app_pages.ui.data import codebook, db_path, fingerprint, options, or_warn
from app_pages.ui.text import md
from app_pages.ui.url import PARAM_KEYS, current_params, view_url
from tracker import charts, export, query
from tracker.query import Filters

#: Rows an XLSX sheet holds besides its header.
XLSX_MAX_ROWS = 1_048_575


def citation(book: query.CodebookInfo | None = None, url: str | None = None, *,
             on: date | None = None) -> str:  # fmt: skip
    """The line an export is cited by: tool, codebook, the database's fingerprint, the day
    (``on``, today unless given) and the view's URL (the active codebook and the current URL
    unless given)."""
    book = book if book is not None else codebook()
    return export.citation(book.version if book else "", codebook_name=book.name if book else "",
                           database=fingerprint(), url=view_url() if url is None else url,
                           on=on)  # fmt: skip


def export_day() -> date:
    """The day a set of downloads is cited and dated by, read once when the page draws them:
    each file is made when its button is clicked, and a click after midnight read the next day
    for the file's dates while its citation, drawn before, named the day before."""
    return date.today()


def show_chart(fig, data: pd.DataFrame, *, name: str, filters: Filters, key: str,
               selectable: bool = True, config: dict | None = None,
               view: dict | None = None):  # fmt: skip
    """Draw a figure (with selection events when ``selectable``) and its export buttons; returns
    the selection event (or None). ``view``: what the chart shows beyond the filters (Compare's
    two sides), recorded beside them in the exports."""
    # no camera button: its PNG lacks the citation and the file names the exports give; the
    # export buttons under the chart write PNG, SVG and PDF with both
    cfg = {"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]}
    cfg.update(config or {})
    # the caption under the chart as text that wraps (inside the figure it was cut at the
    # chart's edge in a window under about 1,300 px); the exports keep it in the figure
    shown, caption = charts.on_screen(fig)
    if selectable:
        event = st.plotly_chart(shown, key=key, on_select="rerun",
                                selection_mode=("points", "box"), config=cfg, width="stretch")  # fmt: skip
    else:
        st.plotly_chart(shown, key=key, config=cfg, width="stretch")
        event = None
    if caption:
        st.caption(md(caption))
    export_buttons(fig, data, name=name, filters=filters, key=key, view=view)
    return event


def export_buttons(fig, data: pd.DataFrame, *, name: str, filters: Filters, key: str,
                   view: dict | None = None) -> None:  # fmt: skip
    """PNG, SVG, PDF, HTML, CSV, XLSX and the bundle, each named for what the chart shows and
    carrying its caption and citation (tool, codebook, database fingerprint, the view's URL);
    the bundle's filters.json and the XLSX's about sheet hold the filters and ``view``."""
    book = codebook()
    version = book.version if book else ""
    url = view_url()
    # one day for the citation and the files: a button clicked after midnight would otherwise
    # date its file a day later than the citation drawn into it
    day = export_day()
    cite = citation(book, url, on=day)
    stem = export_stem(name, filters, data)
    shown = {**filters.to_dict(), **(view or {})}
    about = {"filters": shown, "codebook": version, "view": url, "citation": cite}
    # one row of buttons that wraps on a narrow window (in eight columns, at 800 px with the
    # sidebar open, each button showed only its first letter: PNG and PDF read alike)
    row = st.container(horizontal=True, gap="small")
    images = export.images_available()
    for fmt in export.IMAGE_FORMATS:
        if images:
            row.download_button(
                fmt.upper(), data=_image_maker(fig, fmt, cite, day), file_name=f"{stem}.{fmt}",
                mime=export.MIME[fmt], key=f"{key}_dl_{fmt}", on_click="ignore",
            )  # fmt: skip
        else:
            row.button(fmt.upper(), disabled=True, key=f"{key}_dl_{fmt}",
                           help=str(export.ChromiumMissing()))  # fmt: skip
    row.download_button("HTML", data=lambda: export.export_html(fig, citation_line=cite,
                                                                     title=stem),
                            file_name=f"{stem}.html", mime="text/html", key=f"{key}_dl_html",
                            on_click="ignore")  # fmt: skip
    row.download_button("CSV", data=export.table_csv(export.stamped(data, codebook_version=version,
                                                                         view=url)),
                            file_name=f"{stem}.csv", mime="text/csv", key=f"{key}_dl_csv",
                            on_click="ignore")  # fmt: skip
    row.download_button("XLSX", data=lambda: export.table_xlsx(data, about=about, on=day),
                            file_name=f"{stem}.xlsx", mime=export.MIME["xlsx"],
                            key=f"{key}_dl_xlsx", on_click="ignore")  # fmt: skip
    row.download_button(
        "Bundle (zip)",
        data=lambda: export.bundle(
            fig, data, name=stem, filters=shown,
            codebook_text=book.text if book else "", codebook_name=book.name if book else "",
            codebook_version=version, codebook_path=book.path if book else "",
            database=fingerprint(), url=url, on=day,
        ),
        file_name=f"{stem}.zip", mime="application/zip", key=f"{key}_dl_zip", on_click="ignore",
    )  # fmt: skip
    if not images:
        st.caption(str(export.ChromiumMissing()))


def _image_maker(fig, fmt: str, cite: str, day: date):
    def make() -> bytes:
        try:
            return export.export_image(fig, fmt, citation_line=cite, on=day)
        except export.ExportError as exc:  # the download then holds the reason
            return f"Image export failed: {exc}\n".encode()

    return make


#: URL parameters a file name spells out in words; the others go into its short hash.
_NAMED_PARAMS = {"lines": {"country": "per-country"}, "panels": {"1": "panels"},
                 "smooth": {"3": "smooth3", "5": "smooth5"}}  # fmt: skip
_IN_STEM = ("themes", "countries", "groups", "year_from", "year_to", "measure")


def export_stem(name: str, filters: Filters, data: pd.DataFrame | None) -> str:
    """A file name stem saying what the chart is (``trends_militarization-digital_divide_
    2000-2024``); what else shapes the view (forums, languages, page settings) goes into a short
    hash, so two different views never share a name."""
    taken = set(re.split(r"[_\s]+", name))
    themes = list(filters.themes) or _few(data, "theme", 4)
    if not themes and data is not None and "theme" in data and data["theme"].notna().any():
        themes = ["all-themes"]
    places = list(filters.countries) + list(filters.groups) or _few(data, "country", 6)
    extra = [filters.measure if filters.measure != "share" else ""]
    more: dict[str, Any] = {}
    for k, value in current_params().items():
        if k in _NAMED_PARAMS and value in _NAMED_PARAMS[k]:
            extra.append(_NAMED_PARAMS[k][value])
        elif k not in PARAM_KEYS and k not in ("theme", "minn", "id"):
            more[k] = value
    distinct = _distinct(filters, **more)
    return export.file_stem(
        name, themes=[t for t in themes if t not in taken], places=places,
        years=_years(filters, data), extra=extra, distinct=distinct,
    )  # fmt: skip


def _distinct(filters: Filters, **more: Any) -> str:
    """A short hash of what shapes a view beyond what its file name spells out (the other
    filters, page settings, a search); empty when nothing does."""
    rest = {k: v for k, v in filters.to_dict().items() if k not in _IN_STEM}
    base = {k: v for k, v in Filters().to_dict().items() if k not in _IN_STEM}
    hashed = {**({"filters": rest} if rest != base else {}), **more}
    if not hashed:
        return ""
    return hashlib.sha1(json.dumps(hashed, sort_keys=True, default=str).encode()).hexdigest()[:6]


def _few(data: pd.DataFrame | None, column: str, most: int) -> list[str]:
    """The distinct values of ``column`` in the chart's data, when there are at most ``most``."""
    if data is None or column not in data:
        return []
    values = sorted({str(v) for v in data[column].dropna()})
    return values if 0 < len(values) <= most else []


def _years(filters: Filters, data: pd.DataFrame | None) -> tuple | None:
    """The years the chart covers: those in its data, else the filters', else (a chart that
    pools all years: heatmap, ranking, map) the database's, so that a file made of the same
    database a year later does not take the same name for other years."""
    if data is not None and "year" in data and data["year"].notna().any():
        years = pd.to_numeric(data["year"], errors="coerce").dropna()
        if len(years):
            return int(years.min()), int(years.max())
    if filters.year_from is not None or filters.year_to is not None:
        return filters.year_from, filters.year_to
    opts = or_warn(options)
    if opts is not None and opts.year_min is not None:
        return opts.year_min, opts.year_max
    return None


def all_evidence(filters: Filters, *, sort: str = "date", **where) -> pd.DataFrame:
    """Every evidence row of a selection (not cached: for downloads)."""
    total = query.evidence_count(db_path(), filters, **where)
    return query.evidence(db_path(), filters, sort=sort, limit=max(total, 1), **where)


def evidence_downloads(filters: Filters, total: int, *, key: str, sort: str = "date",
                       **where) -> None:  # fmt: skip
    """CSV and XLSX of all ``total`` evidence rows of a selection, made when clicked, named for
    the selection (``evidence_militarization_CHN_2024.csv``). Both say what made them: the CSV
    in its provenance columns, the XLSX in its ``about`` sheet (with the chart value clicked,
    ``selection``, which the view's URL does not hold)."""
    book = codebook()
    version = book.version if book else ""
    url = view_url()
    selection = {k: v for k, v in where.items() if v not in (None, "")}
    day = export_day()
    about = {"filters": filters.to_dict(), "selection": selection, "rows": total,
             "codebook": version, "view": url, "citation": citation(book, url, on=day)}  # fmt: skip
    stem = evidence_stem(filters, **where)
    c1, c2 = st.columns(2)
    c1.download_button(
        f"CSV of all {total:,} row{'' if total == 1 else 's'}",
        lambda: export.table_csv(export.stamped(all_evidence(filters, sort=sort, **where),
                                                codebook_version=version, view=url)),
        file_name=f"{stem}.csv", mime="text/csv", key=f"{key}_csv", on_click="ignore",
    )  # fmt: skip
    xlsx_rows = min(total, XLSX_MAX_ROWS)
    c2.download_button(
        f"XLSX of {'all ' if total == xlsx_rows else 'the first '}{xlsx_rows:,} "
        f"row{'' if xlsx_rows == 1 else 's'}",
        lambda: export.table_xlsx(all_evidence(filters, sort=sort, **where).head(XLSX_MAX_ROWS),
                                  sheet="evidence", about=about, on=day),
        file_name=f"{stem}.xlsx", mime=export.MIME["xlsx"], key=f"{key}_xlsx",
        on_click="ignore", help="A spreadsheet holds at most 1,048,575 rows: the CSV holds all.",
    )  # fmt: skip


def evidence_stem(filters: Filters, *, theme=None, year=None, country=None, search: str = "",
                  **_) -> str:  # fmt: skip
    """The file name stem of an evidence download: the theme, place and years it holds; a
    search or other filters add a short hash."""
    distinct = _distinct(filters, **({"search": search} if search else {}))
    years = (year, year) if year else (filters.year_from, filters.year_to)
    return export.file_stem(
        "evidence", themes=[theme] if theme else list(filters.themes),
        places=[country] if country else list(filters.countries) + list(filters.groups),
        years=years if years[0] is not None else None, distinct=distinct,
    )  # fmt: skip
