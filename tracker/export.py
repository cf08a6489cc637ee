"""Figures and data -> PNG, SVG, PDF, HTML, CSV, XLSX, and an export bundle (zip).

Images are drawn by kaleido in the system's Chromium. One kaleido server (one browser) is started
per process on first use and reused for every image; where no Chromium is installed,
:class:`ChromiumMissing` says how to install it, while HTML and data exports still work.
"""

from __future__ import annotations

import asyncio
import atexit
import io
import json
import os
import re
import shutil
import threading
import zipfile
from datetime import date
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
#: Where Chromium is looked for, after ``$TRACKER_CHROMIUM`` and ``$BROWSER_PATH``.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium",
                       "chromium-browser", "google-chrome")  # fmt: skip
RENDER_TIMEOUT = 90.0


class ExportError(TrackerError):
    """A chart or table could not be exported."""


class ChromiumMissing(ExportError):
    """No Chromium to draw PNG/SVG/PDF images with."""

    def __init__(self, looked: str = ""):
        super().__init__(
            "PNG, SVG and PDF export needs Chromium, and none was found"
            + (f" (looked for {looked})" if looked else "")
            + ". Install it with `apt-get install -y chromium` (Debian/Ubuntu) or point "
            "TRACKER_CHROMIUM at a Chrome/Chromium binary; HTML, CSV and XLSX exports work without it."
        )


def find_chromium() -> str | None:
    """The Chromium binary to draw with, or ``None``."""
    for var in ("TRACKER_CHROMIUM", "BROWSER_PATH"):
        value = os.environ.get(var)
        if value:
            return value if Path(value).is_file() and os.access(value, os.X_OK) else None
    for cand in CHROMIUM_CANDIDATES:
        path = cand if os.path.isabs(cand) else shutil.which(cand)
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    return None


def images_available() -> bool:
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
                raise ChromiumMissing(", ".join(CHROMIUM_CANDIDATES))
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
    scale: float = 2.0,
) -> bytes:  # fmt: skip
    """The figure as PNG, SVG or PDF bytes, drawn by the process's one kaleido server."""
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
    try:
        return renderer.render(fig.to_dict(), opts, topojson)
    except ExportError:
        raise
    except Exception as exc:
        raise ExportError(f"could not draw the chart as {fmt.upper()}: {exc}") from exc


def figure_html(fig: go.Figure, *, title: str = "") -> str:
    """A standalone interactive HTML page (plotly.js and, for maps, the shapes inlined: it
    opens with no internet)."""
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
    return html


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so spreadsheet programs read accents right); text
    cells are formula-safe (:func:`tracker.coding.safe_cell`)."""
    return formula_safe(df).to_csv(index=False).encode("utf-8-sig")


def table_xlsx(df: pd.DataFrame, *, sheet: str = "data", about: dict | None = None) -> bytes:
    """An Excel workbook: the data, and an ``about`` sheet (filters, codebook, citation); text
    cells are formula-safe, so no stored text becomes a live formula."""
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
    return buf.getvalue()


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


def citation(codebook_version: str = "", *, on: date | None = None, codebook_name: str = "") -> str:
    """The line to cite an export by: tool and version, codebook and version, date."""
    day = (on or date.today()).isoformat()
    book = f"codebook {codebook_name + ' ' if codebook_name else ''}{codebook_version}".strip()
    book = book if codebook_version else "codebook unknown"
    return f"position-tracker {tracker.__version__}, {book}, exported {day}."


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
) -> bytes:
    """A zip with the chart (HTML, and PNG/SVG/PDF when Chromium is there), its data (CSV,
    XLSX), the codebook file, the filters as JSON, and ``CITATION.txt``."""
    cite = citation(codebook_version, on=on, codebook_name=codebook_name)
    about = {"filters": filters or {}, "codebook": f"{codebook_name} {codebook_version}".strip(),
             "citation": cite}  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if fig is not None:
            z.writestr(f"{name}.html", figure_html(fig, title=name))
            notes = []
            for fmt in images:
                try:
                    z.writestr(f"{name}.{fmt}", figure_image(fig, fmt))
                except ExportError as exc:
                    notes.append(str(exc))
                    if isinstance(exc, ChromiumMissing):
                        break
            if notes:
                z.writestr("IMAGES-NOT-INCLUDED.txt", "\n".join(dict.fromkeys(notes)) + "\n")
        z.writestr(f"{name}.csv", table_csv(data))
        z.writestr(f"{name}.xlsx", table_xlsx(data, about=about))
        suffix = Path(codebook_path).suffix if codebook_path else ".yaml"
        z.writestr(f"codebook{suffix or '.yaml'}", codebook_text or "# no codebook recorded\n")
        z.writestr("filters.json", json.dumps(filters or {}, indent=2, ensure_ascii=False) + "\n")
        z.writestr("CITATION.txt", cite + "\n")
    return buf.getvalue()
