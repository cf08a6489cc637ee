"""Figures and data -> PNG, SVG, PDF, HTML, CSV, XLSX, and an export bundle (zip).

Images are drawn by kaleido in the system's Chromium. One kaleido server (one browser) is started
per process on first use and reused for every image; where no Chromium is installed,
:class:`ChromiumMissing` says how to install it, while HTML and data exports still work.

The same export made twice on one day is the same bytes: every time inside it is the day its
citation names (:func:`export_time`), and an SVG's random ids are renamed (:func:`svg_fixed_ids`).
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import html
import importlib.metadata
import io
import json
import os
import re
import shutil
import stat
import threading
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

import tracker
from tracker.coding import formula_safe
from tracker.errors import TrackerError

IMAGE_FORMATS = ("png", "svg", "pdf")
MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "json": "application/json",
}
#: Where Chromium is looked for last, after ``$TRACKER_CHROMIUM`` and kaleido's own search.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium",
                       "chromium-browser", "google-chrome")  # fmt: skip
#: What :func:`find_chromium` looks at, in order, for the message when it finds nothing.
CHROMIUM_SEARCH = (
    "TRACKER_CHROMIUM, then kaleido's browser search (BROWSER_PATH, a Chrome fetched by "
    "kaleido_get_chrome, Chrome, Chromium, Edge, Brave or Vivaldi on PATH or in their usual "
    "install folders), then " + ", ".join(CHROMIUM_CANDIDATES)
)
RENDER_TIMEOUT = 90.0


class ExportError(TrackerError):
    """A chart or table could not be exported."""


class ChromiumMissing(ExportError):
    """No Chromium to draw PNG/SVG/PDF images with."""

    def __init__(self, looked: str = ""):
        super().__init__(
            "PNG, SVG and PDF export needs Chromium or Chrome, and none was found"
            + (f" (looked at {looked})" if looked else "")
            + ". Install it with `apt-get install -y chromium` (Debian/Ubuntu), or run "
            "`kaleido_get_chrome` (any system), or point TRACKER_CHROMIUM at a Chrome/Chromium "
            "binary; HTML, CSV and XLSX exports work without it."
        )


def find_chromium() -> str | None:
    """The Chromium (or Chrome) binary to draw with, or ``None``.

    ``$TRACKER_CHROMIUM`` when set (``None`` when it names no runnable file); else the browser
    kaleido itself would start (its search honours ``$BROWSER_PATH`` the same way, and knows
    macOS and Windows install folders and the Windows registry); else the Linux paths of
    :data:`CHROMIUM_CANDIDATES`.
    """
    setting = os.environ.get("TRACKER_CHROMIUM")
    if setting:
        return setting if _runnable(setting) else None
    found = _kaleido_browser()
    if found or os.environ.get("BROWSER_PATH"):
        return found
    return _linux_chromium()


def _kaleido_browser() -> str | None:
    """The browser kaleido would use, found by its browser library (choreographer)."""
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:  # kaleido is not installed
        return None
    try:
        found = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - another choreographer version; the Linux paths remain
        return None
    return str(found) if found and _runnable(str(found)) else None


def _linux_chromium() -> str | None:
    for cand in CHROMIUM_CANDIDATES:
        path = cand if os.path.isabs(cand) else shutil.which(cand)
        if path and _runnable(path):
            return path
    return None


def _runnable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def images_available() -> bool:
    """Whether PNG/SVG/PDF can be drawn. Asked for every chart: where no browser is named and
    a Linux Chromium is installed, answered without loading kaleido's browser search."""
    named = os.environ.get("TRACKER_CHROMIUM") or os.environ.get("BROWSER_PATH")
    if not named and _linux_chromium():
        return True
    return find_chromium() is not None


class _Renderer:
    """One kaleido (one headless Chromium) in a background event loop, shared by the process."""

    def __init__(self, chromium: str):
        import kaleido

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="kaleido", daemon=True)
        self.thread.start()
        self.kaleido = kaleido.Kaleido(
            n=1, timeout=RENDER_TIMEOUT, mathjax=False, path=chromium, headless=True
        )
        try:
            self._run(self.kaleido.open(), 60)
        except BaseException:
            self.loop.call_soon_threadsafe(self.loop.stop)
            raise

    def _run(self, coro, timeout: float):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def render(self, fig: dict, opts: dict, topojson: str | None) -> bytes:
        return self._run(
            self.kaleido.calc_fig(fig, opts=opts, topojson=topojson), RENDER_TIMEOUT + 5
        )

    def close(self) -> None:
        try:
            self._run(self.kaleido.close(), 20)
        except Exception:  # noqa: BLE001, S110  (closing at exit: nothing left to report to)
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


_renderer: _Renderer | None = None
_renderer_lock = threading.Lock()


def _get_renderer() -> _Renderer:
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            chromium = find_chromium()
            if chromium is None:
                raise ChromiumMissing(CHROMIUM_SEARCH)
            try:
                _renderer = _Renderer(chromium)
            except Exception as exc:
                raise ExportError(
                    f"cannot start Chromium at {chromium} for image export: {exc}"
                ) from exc
            atexit.register(shutdown)
        return _renderer


def shutdown() -> None:
    """Stop the kaleido server, if one was started (called at exit)."""
    global _renderer
    with _renderer_lock:
        if _renderer is not None:
            _renderer.close()
            _renderer = None


def _is_geo(fig: go.Figure) -> bool:
    return any(getattr(t, "type", "") in ("choropleth", "scattergeo") for t in fig.data)


def figure_image(
    fig: go.Figure, fmt: str = "png", *, width: int = 1100, height: int | None = None,
    scale: float = 2.0, on: date | None = None,
) -> bytes:  # fmt: skip
    """The figure as PNG, SVG or PDF bytes, drawn by the process's one kaleido server; the same
    figure gives the same bytes (:func:`reproducible_image`; a PDF is dated ``on``, today when
    not given, at 00:00)."""
    fmt = fmt.lower()
    if fmt not in IMAGE_FORMATS:
        raise ExportError(f"format={fmt!r}: images are one of {', '.join(IMAGE_FORMATS)}")
    renderer = _get_renderer()
    height = height or int(fig.layout.height or 560)
    topojson = None
    if _is_geo(fig):
        from tracker.countrymap import topojson_url

        topojson = topojson_url()
    opts = {"format": fmt, "width": width, "height": height, "scale": scale if fmt == "png" else 1}
    spec = fig.to_dict()
    for i, trace in enumerate(spec.get("data", [])):
        # plotly.js names a trace without a uid at random, and the SVG carries the name
        trace.setdefault("uid", f"t{i}")
    for attempt in (1, 2, 3):
        try:
            return reproducible_image(renderer.render(spec, opts, topojson), fmt, on=on,
                                      title=_plain_title(fig))  # fmt: skip
        except ExportError:
            raise
        except Exception as exc:
            # kaleido's page can be asked to draw before its script has loaded, on a busy
            # machine ("kaleido_scopes is not defined"): once more after a pause, then in a
            # new Chromium (CI saw the same tab fail twice in a row), then the reason
            if attempt == 3 or "is not defined" not in str(exc):
                raise ExportError(f"could not draw the chart as {fmt.upper()}: {exc}") from exc
            time.sleep(0.5 * attempt)
            if attempt == 2:
                renderer = _restart_renderer(renderer)
    raise AssertionError("unreachable")  # pragma: no cover


def _restart_renderer(failed: _Renderer) -> _Renderer:
    """A new kaleido server in place of ``failed`` (unless another thread has replaced it)."""
    global _renderer
    with _renderer_lock:
        if _renderer is failed:
            _renderer = None
            failed.close()
    return _get_renderer()


# -- the same export twice, the same bytes -------------------------------------------------------


def export_time(on: date | None = None) -> datetime:
    """The one time an export records: the day its citation names (``on``, today when not
    given) at 00:00. Zip members, the XLSX's document properties and the PDF's creation date all
    say this, so an export made twice on one day is the same bytes twice."""
    day = on or date.today()
    return datetime(day.year, day.month, day.day)


def reproducible_image(data: bytes, fmt: str, *, on: date | None = None, title: str = "") -> bytes:
    """Kaleido's image with what changes from run to run made fixed: an SVG's ids
    (:func:`svg_fixed_ids`), a PDF's creation and modification dates (:func:`export_time`).
    A PDF's document title is the chart's ``title`` (kaleido's own is "Kaleido-fier", which
    a PDF viewer shows in its title bar and a reference manager files the chart under)."""
    if fmt == "svg":
        return svg_fixed_ids(data)
    if fmt == "pdf":
        stamp = export_time(on).strftime("%Y%m%d%H%M%S").encode()
        # the same number of bytes: the PDF's cross-reference offsets still hold
        dated = re.sub(rb"(/(?:CreationDate|ModDate) ?\(D:)\d{14}", lambda m: m.group(1) + stamp,
                       data)  # fmt: skip
        return _pdf_titled(dated, title) if title else dated
    return data


def _pdf_titled(pdf: bytes, title: str) -> bytes:
    """The PDF with its document title and creator set, written again by MuPDF without a new
    file id (so the same input gives the same bytes); its dates are kept as they are."""
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        doc.set_metadata({**doc.metadata, "title": title, "creator": "position-tracker"})
        return doc.tobytes(garbage=1, deflate=True, no_new_id=True)


def _plain_title(fig: go.Figure) -> str:
    """The figure's title as plain text: tags dropped, line breaks as spaces, entities read."""
    text = fig.layout.title.text or ""
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


#: A tag (attribute values may hold ``>``), an attribute in it, a ``url(#id)`` in a value.
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ATTR = re.compile(r"""(\s)([\w:.-]+)(\s*=\s*)("[^"]*"|'[^']*')""")
_URL_REF = re.compile(r"""(url\(\s*(?:'|"|&quot;)?#)([^'")&\s]+)""")


def svg_fixed_ids(svg: bytes) -> bytes:
    """The SVG with every ``id`` renamed, in order of first appearance, and every reference to
    it (``url(#..)``, ``href="#.."``, ``xlink:href="#.."``) renamed alike. Plotly names its clip
    paths, gradients and patterns at random on every draw; the new names are ``i<hash>-<n>``,
    the hash taken over the renumbered SVG, so the same chart gets the same names and two
    charts put in one web page do not share any."""
    text = svg.decode("utf-8")
    order: dict[str, int] = {}
    for tag in _TAG.finditer(text):
        for attr in _ATTR.finditer(tag.group()):
            if attr.group(2) == "id":
                order.setdefault(attr.group(4)[1:-1], len(order))
    if not order:
        return svg

    def renamed(prefix: str) -> str:
        def name(old: str) -> str:
            return f"{prefix}{order[old]}" if old in order else old

        def attribute(m: re.Match) -> str:
            key, value = m.group(2), m.group(4)
            quote, inner = value[0], value[1:-1]
            if key == "id":
                inner = name(inner)
            elif key.endswith("href") and inner.startswith("#"):
                inner = "#" + name(inner[1:])
            else:
                inner = _URL_REF.sub(lambda u: u.group(1) + name(u.group(2)), inner)
            return f"{m.group(1)}{key}{m.group(3)}{quote}{inner}{quote}"

        return _TAG.sub(lambda t: _ATTR.sub(attribute, t.group()), text)

    digest = hashlib.sha256(renamed("i").encode("utf-8")).hexdigest()[:8]
    return renamed(f"i{digest}-").encode("utf-8")


def figure_html(fig: go.Figure, *, title: str = "", footer: str = "") -> str:
    """A standalone interactive HTML page (plotly.js and, for maps, the shapes inlined: it
    opens with no internet); ``footer`` (the caption and citation) is also printed under the
    chart as text that can be copied."""
    html = fig.to_html(
        include_plotlyjs=True,
        full_html=True,
        config={"displaylogo": False, "responsive": True},
        div_id="chart",
    )
    if _is_geo(fig):
        from tracker.countrymap import inline_shapes_script

        html = html.replace("<body>", "<body>\n" + inline_shapes_script(), 1)
    if title:
        html = html.replace("<head>", f"<head><title>{_escape(title)}</title>", 1)
    if footer:
        text = "<br>".join(_escape(line) for line in footer.splitlines())
        html = html.replace(
            "</body>", f'<p id="citation" style="font:12px Arial,sans-serif;color:#444">{text}'
            "</p>\n</body>", 1,
        )  # fmt: skip
    return html


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: Columns a downloaded CSV gains, so the file says what made it (a CSV has no room for an
#: ``about`` sheet): the codebook's version, the tool's, and the view (its URL holds the filters).
PROVENANCE_COLUMNS = ("codebook_version", "tool_version", "view")


def stamped(df: pd.DataFrame, *, codebook_version: str, view: str) -> pd.DataFrame:
    """``df`` with the :data:`PROVENANCE_COLUMNS` appended (a column already there is kept)."""
    out = df.copy()
    values = {"codebook_version": codebook_version, "tool_version": tracker.__version__,
              "view": view}  # fmt: skip
    for column in PROVENANCE_COLUMNS:
        if column not in out.columns:
            out[column] = values[column]
    return out


def table_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so spreadsheet programs read accents right); text
    cells are formula-safe (:func:`tracker.coding.safe_cell`)."""
    return formula_safe(df).to_csv(index=False).encode("utf-8-sig")


def table_xlsx(df: pd.DataFrame, *, sheet: str = "data", about: dict | None = None,
               on: date | None = None) -> bytes:  # fmt: skip
    """An Excel workbook: the data, and an ``about`` sheet (filters, codebook, citation); text
    cells are formula-safe, so no stored text becomes a live formula. Dated ``on`` (today when
    not given) at 00:00 (:func:`export_time`): the same table gives the same bytes."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        formula_safe(_plain(df), xlsx=True).to_excel(
            writer, sheet_name=_sheet_name(sheet), index=False
        )
        if about:
            formula_safe(pd.DataFrame(
                [(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                 for k, v in about.items()],
                columns=["field", "value"],
            ), xlsx=True).to_excel(writer, sheet_name="about", index=False)  # fmt: skip
    return _dated_workbook(buf.getvalue(), export_time(on))


def _dated_workbook(xlsx: bytes, when: datetime) -> bytes:
    """The workbook with its creation and modification times (openpyxl writes the clock's) and
    the times of the files in it set to ``when``."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*",
                              lambda m: m.group(1) + stamp.encode(), data)  # fmt: skip
            dated = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            dated.compress_type = info.compress_type
            dated.external_attr = info.external_attr
            dst.writestr(dated, data)
    return out.getvalue()


def _sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "data"


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Cells Excel can hold: lists and dicts as JSON text."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(
                lambda v: (
                    json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict, tuple)) else v
                )
            )
    return out


@dataclass(frozen=True)
class Fingerprint:
    """What identifies a database's content: its statement count and a short hash over the
    statements' content hashes (the same statements give the same fingerprint, whatever the
    file's name or the order they were ingested in)."""

    statements: int
    digest: str

    def __str__(self) -> str:
        return f"{self.statements:,} statements, sha256:{self.digest}"


def database_fingerprint(db: str | Path) -> Fingerprint:
    """The database's :class:`Fingerprint` (read by :func:`tracker.query.content_digest`)."""
    from tracker import query

    count, digest = query.content_digest(db)
    return Fingerprint(count, digest[:12])


#: The packages whose versions a bundle's citation names (distribution names).
MAIN_PACKAGES = ("streamlit", "plotly", "kaleido", "pandas", "numpy", "scikit-learn", "rapidfuzz",
                 "sqlite-utils", "openpyxl", "pymupdf", "trafilatura")  # fmt: skip


def package_versions(names: tuple[str, ...] = MAIN_PACKAGES) -> dict[str, str]:
    """``{distribution: version}`` as installed (``"not installed"`` where missing)."""
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def citation(
    codebook_version: str = "", *, on: date | None = None, codebook_name: str = "",
    database: Fingerprint | None = None, url: str = "",
) -> str:  # fmt: skip
    """The line to cite an export by: tool and version, codebook and version, the database's
    fingerprint, date, and the URL of the view."""
    day = (on or date.today()).isoformat()
    book = f"codebook {codebook_name + ' ' if codebook_name else ''}{codebook_version}".strip()
    book = book if codebook_version else "codebook unknown"
    db = f"database {database}, " if database is not None else ""
    view = f" View: {url}" if url else ""
    return f"position-tracker {tracker.__version__}, {book}, {db}exported {day}.{view}"


def packages_line(versions: Mapping[str, str] | None = None) -> str:
    """``Python 3.11.x; streamlit 1.x, plotly 6.x, ...``: what drew and counted the export."""
    import platform

    versions = package_versions() if versions is None else versions
    return f"Python {platform.python_version()}; " + ", ".join(
        f"{k} {v}" for k, v in versions.items()
    )


# -- a figure that stands alone ----------------------------------------------------------------

#: Width of exported images (px), the caption's font size, and pixels per caption line.
EXPORT_WIDTH = 1100
CAPTION_SIZE = 10
CAPTION_LINE_PX = 15
#: Pixels per character of the caption's font, rounded up (Arial at 10 px averages ~4.6).
CAPTION_CHAR_PX = 6.0


def caption_lines(fig: go.Figure, citation_line: str = "", *, width: int = EXPORT_WIDTH
                  ) -> list[str]:  # fmt: skip
    """The lines under an exported figure: its caption (filters, codebook, notes), the legend of
    any intervals it draws, and the citation, each wrapped to ``width`` pixels."""
    from tracker.charts import _wrap, esc, interval_note

    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    caption = str(meta.get("caption") or "")
    note = interval_note(fig, caption)
    chars = max(40, int((width - 40 - _left_overhang(fig)) / CAPTION_CHAR_PX))
    lines: list[str] = []
    for part in (caption, note, citation_line):
        if part:
            lines += _wrap(esc(part), chars).split("<br>")
    return lines


def standalone(fig: go.Figure, *, citation_line: str = "", title: str = "",
               width: int = EXPORT_WIDTH) -> go.Figure:  # fmt: skip
    """A copy of ``fig`` that stands alone as an image: its title, its caption with the legend of
    its intervals, and the citation under the plot; the bottom margin (and the height) grow with
    the caption's line count, so nothing is cut and the plot keeps its size."""
    out = go.Figure(fig)
    lines = caption_lines(fig, citation_line, width=width)
    if title and not (out.layout.title and out.layout.title.text):
        out.update_layout(title={"text": _escape(title), "x": 0.01, "xanchor": "left"})
    kept = [a for a in out.layout.annotations if not _is_caption(a, fig)]
    old_bottom = int(out.layout.margin.b if out.layout.margin.b is not None else 80)
    axis_px = max(70, old_bottom - _caption_px(fig))
    bottom = axis_px + CAPTION_LINE_PX * len(lines) + 12
    height = int(out.layout.height or 560) + bottom - old_bottom
    left = int(out.layout.margin.l if out.layout.margin.l is not None else 80)
    out.layout.annotations = kept  # (update_layout would merge the list, not replace it)
    out.update_layout(height=height, margin={"b": bottom})
    if lines:
        out.add_annotation(
            text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0, xanchor="left",
            yanchor="bottom", xshift=-(left - 10), yshift=-(bottom - 8), showarrow=False,
            align="left", name="caption",
            font={"size": CAPTION_SIZE, "color": "#444444"},
        )  # fmt: skip
    return out


#: Pixels per character of tick labels (13 px Arial, rounded up) and an axis title's width.
TICK_CHAR_PX = 8
AXIS_TITLE_PX = 60


def _left_overhang(fig: go.Figure) -> int:
    """How many pixels plotly's automargin may add to the left margin for long category labels
    (country names on a heatmap's or ranking's y axis; theme names slanted under the first bar):
    the caption, which starts at the plot's left edge shifted by the set margin, is kept that
    much narrower."""
    y_labels = _category_labels(fig, "y") + _tick_texts(fig, "yaxis")
    x_labels = _category_labels(fig, "x") + _tick_texts(fig, "xaxis")
    need = max(
        TICK_CHAR_PX * _longest(y_labels) + AXIS_TITLE_PX if y_labels else 0,
        int(TICK_CHAR_PX * SLANT * _longest(x_labels)),
    )  # fmt: skip
    set_left = int(fig.layout.margin.l if fig.layout.margin.l is not None else 80)
    return max(0, need - set_left)


#: How far a slanted (30 degree) tick label reaches sideways, per unit of its length.
SLANT = 0.87


def _category_labels(fig: go.Figure, axis: str) -> list[str]:
    out: list[str] = []
    for trace in fig.data:
        values = getattr(trace, axis, None)
        if values is not None and len(values) and all(isinstance(v, str) for v in values):
            out += list(values)
    return out


def _tick_texts(fig: go.Figure, axis: str) -> list[str]:
    return [str(t) for t in getattr(getattr(fig.layout, axis, None), "ticktext", None) or ()]


def _longest(labels: list[str]) -> int:
    return max((len(re.sub(r"<[^>]+>", "", label)) for label in labels), default=0)


def _is_caption(annotation, fig: go.Figure) -> bool:
    """The caption annotation :func:`tracker.charts._layout` pinned under the plot."""
    if annotation.name == "caption":
        return True
    return annotation.yref == "paper" and annotation.y == 0 and (annotation.yshift or 0) < 0


def _caption_px(fig: go.Figure) -> int:
    """The bottom margin's pixels the figure's own caption takes (14 px a line, 6 px under)."""
    captions = [a for a in fig.layout.annotations if _is_caption(a, fig)]
    if not captions:
        return 0
    return 14 * (str(captions[0].text or "").count("<br>") + 1) + 6


def standalone_text(fig: go.Figure, citation_line: str = "") -> str:
    """The title, caption, interval legend and citation as plain text (the HTML page's footer)."""
    import html as _html

    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else ""
    lines = [title] if title else []
    lines += caption_lines(fig, citation_line, width=100_000)
    return "\n".join(_html.unescape(line) for line in lines)


def export_image(fig: go.Figure, fmt: str, *, citation_line: str = "", title: str = "",
                 on: date | None = None) -> bytes:  # fmt: skip
    """The figure as a standalone PNG/SVG/PDF (:func:`standalone`); a PDF is dated ``on``."""
    out = standalone(fig, citation_line=citation_line, title=title)
    return figure_image(out, fmt, width=EXPORT_WIDTH, on=on)


def export_html(fig: go.Figure, *, citation_line: str = "", title: str = "") -> str:
    """The figure as a standalone HTML page: caption and citation in the figure and as text."""
    out = standalone(fig, citation_line=citation_line, title=title)
    page_title = out.layout.title.text if out.layout.title and out.layout.title.text else title
    import html as _html

    return figure_html(out, title=_html.unescape(page_title or ""),
                       footer=standalone_text(fig, citation_line))  # fmt: skip


# -- file names --------------------------------------------------------------------------------

#: The longest file name stem an export gets (a longer one is cut and keeps a hash).
MAX_STEM = 120


def slug(text: str) -> str:
    """``text`` as a file-name piece: letters, digits, ``_`` and ``.``; others become ``-``."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9_.]+", "-", str(text))).strip("-.")


def file_stem(kind: str, *, themes=(), places=(), years: tuple | None = None,
              extra=(), distinct: str = "") -> str:  # fmt: skip
    """A file name stem that says what a chart is: ``trends_militarization-digital_divide_
    2000-2024``; ``distinct`` (a short hash of what else shapes the view) keeps two views from
    sharing a name."""
    parts = [slug(kind)]
    named = f"_{parts[0]}_"  # a theme the kind names already ("ranking_digital_divide") once
    themes = [t for t in themes if f"_{slug(t)}_" not in named]
    if themes:
        parts.append("-".join(slug(t) for t in themes))
    if places:
        parts.append("-".join(slug(p) for p in places))
    if years and years[0] is not None:
        lo, hi = years
        parts.append(str(lo) if hi in (None, lo) else f"{lo}-{hi}")
    parts += [slug(x) for x in extra if x]
    stem = "_".join(p for p in parts if p)
    if len(stem) > MAX_STEM:
        distinct = distinct or hashlib.sha1(stem.encode()).hexdigest()[:6]
        stem = stem[: MAX_STEM - 8].rstrip("_-")
    return f"{stem}_{distinct}" if distinct else stem


def _member(archive: zipfile.ZipFile, name: str, data: str | bytes, when: datetime) -> None:
    """A file of the bundle, dated ``when`` (:func:`export_time`, not the clock: the same export
    twice is the same zip), readable by all once unzipped (``writestr`` with a bare name gives
    0600: colleagues on a shared drive could not open what one of them unzipped)."""
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    archive.writestr(info, data)


def bundle(
    fig: go.Figure | None,
    data: pd.DataFrame,
    *,
    name: str = "chart",
    filters: dict | None = None,
    codebook_text: str = "",
    codebook_name: str = "",
    codebook_version: str = "",
    codebook_path: str = "",
    on: date | None = None,
    images: tuple[str, ...] = IMAGE_FORMATS,
    database: Fingerprint | None = None,
    url: str = "",
) -> bytes:
    """A zip with the chart (HTML, and PNG/SVG/PDF when Chromium is there, each standing alone
    with its caption and citation), its data (CSV, XLSX), the codebook file, the filters as
    JSON, and ``CITATION.txt`` (the citation, then the versions of Python and the main
    packages). Every time in it is the citation's day at 00:00 (:func:`export_time`), so the
    same export made twice on one day is the same bytes."""
    on = on or date.today()  # one day for the citation and every file's time
    when = export_time(on)
    cite = citation(codebook_version, on=on, codebook_name=codebook_name, database=database,
                    url=url)  # fmt: skip
    packages = packages_line()
    about = {"filters": filters or {}, "codebook": f"{codebook_name} {codebook_version}".strip(),
             "database": str(database or ""), "view": url, "citation": cite,
             "packages": packages}  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if fig is not None:
            _member(z, f"{name}.html", export_html(fig, citation_line=cite, title=name), when)
            notes = []
            for fmt in images:
                try:
                    _member(z, f"{name}.{fmt}", export_image(fig, fmt, citation_line=cite, on=on),
                            when)  # fmt: skip
                except ExportError as exc:
                    notes.append(str(exc))
                    if isinstance(exc, ChromiumMissing):
                        break
            if notes:
                _member(z, "IMAGES-NOT-INCLUDED.txt", "\n".join(dict.fromkeys(notes)) + "\n",
                        when)  # fmt: skip
        _member(z, f"{name}.csv", table_csv(data), when)
        _member(z, f"{name}.xlsx", table_xlsx(data, about=about, on=on), when)
        suffix = Path(codebook_path).suffix if codebook_path else ".yaml"
        _member(z, f"codebook{suffix or '.yaml'}", codebook_text or "# no codebook recorded\n",
                when)  # fmt: skip
        _member(z, "filters.json", json.dumps(filters or {}, indent=2, ensure_ascii=False) + "\n",
                when)  # fmt: skip
        _member(z, "CITATION.txt", f"{cite}\nSoftware: {packages}\n", when)
    return buf.getvalue()
