"""What every page shares: the database path, cached queries, the sidebar filters and their URL,
charts with export buttons, and evidence for a selected point. UI only: queries come from
``tracker.query``, figures from ``tracker.charts``."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from tracker.errors import TrackerError
from tracker import charts, export, query
from tracker.query import Filters
from tracker.store import default_db_path

KIND_LABELS = {
    "exact": "exact",
    "fuzzy": "fuzzy (near-spelling)",
    "proximity": "proximity (words near)",
    "semantic": "semantic (model, no rule)",
}
MAX_EVIDENCE = 200
#: Rows an XLSX sheet holds besides its header.
XLSX_MAX_ROWS = 1_048_575

# -- stored values shown as text ----------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&])")
_EMPHASIS = re.compile(r"\*{2,}|_{2,}")


def md(value) -> str:
    """A stored value (country, forum, language, theme label...) as literal text inside
    Markdown (``st.markdown``, captions, messages, headers, widget labels): every Markdown and
    HTML character escaped, so ``**``, ``![img](http://...)`` or ``<a href>`` show as typed
    and nothing is fetched."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str("" if value is None else value).split()))


def display_text(text: str) -> str:
    """Source text for reading: the Markdown emphasis marks (``**``, ``__``) that some sources
    carry are dropped; exports keep the text as stored."""
    return _EMPHASIS.sub("", text or "")


# -- database and cached queries ----------------------------------------------------------------


def db_path() -> Path:
    return default_db_path()


def marker() -> tuple:
    return query.change_marker(db_path())


@st.cache_data(max_entries=256, show_spinner=False)
def _cached(name: str, db: str, mark: tuple, filters_json: str, kwargs_json: str):
    filters = Filters.from_dict(json.loads(filters_json)) if filters_json else None
    kwargs = json.loads(kwargs_json)
    fn = getattr(query, name)
    if filters is None:
        return fn(db, **kwargs)
    return fn(db, filters, **kwargs)


def run(name: str, filters: Filters | None = None, **kwargs):
    """``tracker.query.<name>(db, filters, **kwargs)``, cached on the filters and on the
    database's change marker (a new ingest invalidates it)."""
    fj = json.dumps(filters.to_dict(), sort_keys=True) if filters is not None else ""
    kj = json.dumps(kwargs, sort_keys=True, default=_json_default)
    return _cached(name, str(db_path()), marker(), fj, kj)


def run_or_warn(name: str, filters: Filters | None = None, **kwargs):
    """:func:`run`, or a warning and ``None`` when the query cannot be answered (a search
    stopped by its time limit, say)."""
    try:
        return run(name, filters, **kwargs)
    except query.QueryError as exc:
        st.warning(md(exc))
        return None


@st.cache_data(max_entries=8, show_spinner=False)
def _validation(db: str, mark: tuple, gold: bytes, version: str):
    import tempfile

    from tracker.coding import validate_coding
    from tracker.store import Store

    with tempfile.NamedTemporaryFile("wb", suffix=".tsv", delete=False) as fh:
        fh.write(gold)
    try:
        with Store(db, readonly=True) as store:
            return validate_coding(store, fh.name, n_boot=300)
    finally:
        Path(fh.name).unlink(missing_ok=True)


def validation_report(gold: bytes, version: str):
    """The stored coding against uploaded gold labels (cached on the file and the database)."""
    return _validation(str(db_path()), marker(), gold, version)


def _json_default(value):
    if isinstance(value, query.Side):
        return {"label": value.label, "countries": value.countries, "groups": value.groups}
    raise TypeError(f"cannot key a cached query on {type(value).__name__}")


@st.cache_data(max_entries=64, show_spinner=False)
def _compare(db: str, mark: tuple, filters_json: str, a: str, b: str):
    f = Filters.from_dict(json.loads(filters_json))
    return query.compare(db, f, query.Side.parse(a), query.Side.parse(b))


def run_compare(filters: Filters, a: str, b: str):
    return _compare(str(db_path()), marker(), json.dumps(filters.to_dict(), sort_keys=True), a, b)


def require_db() -> query.Options:
    """The filter options, or a helpful message and a stop when there is no usable database."""
    path = db_path()
    if not path.is_file():
        st.warning(
            f"There is no database at `{path}` yet. Add statements on the **Add statements** page, "
            "or build one from the bundled sample with `make sample` (or "
            "`tracker ingest tracker/data/sample --manifest tracker/data/sample/manifest.csv`), "
            "or set `TRACKER_DB` to an existing database."
        )
        st.stop()
    try:
        opts = run("options")
    except query.QueryError as exc:
        st.error(f"The database cannot be read: {md(exc)}")
        st.stop()
    if opts.statements == 0:
        st.info(
            f"The database at `{path}` holds no statements yet. Add some on the **Add statements** "
            "page or with `tracker ingest PATH`."
        )
        st.stop()
    return opts


def current_filters() -> Filters:
    return st.session_state.get("filters") or Filters()


def codebook() -> query.CodebookInfo | None:
    try:
        return run("codebook_info")
    except query.QueryError:
        return None


@st.cache_data(max_entries=16, show_spinner="Reading passages no rule matches…")
def suggestions(db: str, version: str, text: str, path: str, theme: str, sample: int):
    """`tracker suggest` for one theme: (passages table, candidate phrases table)."""
    from tracker.codebook import codebook_from_text
    from tracker.store import Store
    from tracker.suggest import suggest

    book = codebook_from_text(text, path=path)
    with Store(db, readonly=True) as store:
        found, phrases = suggest(store, book, theme, sample=sample, limit=30)
    passages = pd.DataFrame([
        {"probability": round(s.probability, 3), "country": s.country, "year": s.year,
         "passage": display_text(s.text), "why": s.reason, "statement": s.statement_id}
        for s in found
    ])  # fmt: skip
    candidates = pd.DataFrame([
        {"phrase": p.phrase, "in top passages": p.passages, "times more frequent": p.lift}
        for p in phrases
    ])  # fmt: skip
    return passages, candidates


def active_codebook_text() -> tuple[str, str] | None:
    """The database's active codebook as (YAML text, path), or None."""
    from tracker.store import Store

    try:
        with Store(db_path(), readonly=True) as store:
            active = store.active_codebook()
    except TrackerError:
        return None
    return (active.text, active.path) if active else None


def caption_for(filters: Filters, extra: str = "") -> str:
    book = codebook()
    return charts.caption_text(describe(filters), book.version if book else "", extra)


def describe(filters: Filters) -> str:
    """The filters in words, themes by their labels (not their ids)."""
    try:
        labels = run("options").theme_labels
    except query.QueryError:
        labels = {}
    return replace(filters, themes=tuple(labels.get(t, t) for t in filters.themes)).describe()


# -- the sidebar filters and the URL ------------------------------------------------------------

_PARAM_KEYS = ("themes", "countries", "groups", "forums", "years", "from", "to", "measure",
               "kinds", "langs", "dups", "nonstate", "gstmt", "formembers")  # fmt: skip


#: The sidebar widgets' keys. Streamlit drops widget values when a page switches (the Years
#: slider then comes back as one number): their last values are kept under ``_f_saved``.
FILTER_KEYS = ("f_themes", "f_countries", "f_groups", "f_forums", "f_years", "f_from", "f_to",
               "f_measure", "f_kinds", "f_langs", "f_dups", "f_nonstate", "f_gstmt",
               "f_formembers")  # fmt: skip


def _restore_filter_widgets() -> None:
    """Put back the filter values a page switch dropped (the last run's, kept by
    :func:`_save_filter_widgets`)."""
    ss = st.session_state
    for key, value in (ss.get("_f_saved") or {}).items():
        if key not in ss:
            ss[key] = value


def _save_filter_widgets() -> None:
    ss = st.session_state
    ss["_f_saved"] = {k: ss[k] for k in FILTER_KEYS if k in ss}


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _init_from_url(opts: query.Options, lang_default: list[str]) -> None:
    """On a session's first run, seed the filter widgets from the URL's query parameters."""
    if st.session_state.get("_filters_seeded"):
        return
    st.session_state["_filters_seeded"] = True
    qp = st.query_params
    themes = set(opts.themes)
    st.session_state["f_themes"] = [t for t in _split(qp.get("themes")) if t in themes]
    codes = {c for c, _, _ in opts.countries}
    st.session_state["f_countries"] = [c for c in _split(qp.get("countries")) if c in codes]
    groups = set(opts.groups)
    st.session_state["f_groups"] = [g for g in _split(qp.get("groups")) if g in groups]
    forums = {f for f, _ in opts.forums}
    st.session_state["f_forums"] = [f for f in _split(qp.get("forums")) if f in forums]
    if opts.year_min is not None and opts.year_max is not None and opts.year_min < opts.year_max:
        lo, hi = opts.year_min, opts.year_max
        years = _split((qp.get("years") or "").replace("-", ","))
        try:
            a, b = (int(years[0]), int(years[1])) if len(years) == 2 else (lo, hi)
        except ValueError:
            a, b = lo, hi
        a, b = max(lo, min(a, hi)), max(lo, min(b, hi))
        st.session_state["f_years"] = (min(a, b), max(a, b))
    for key, name in (("f_from", "from"), ("f_to", "to")):
        value = qp.get(name)
        try:
            st.session_state[key] = date.fromisoformat(value) if value else None
        except ValueError:
            st.session_state[key] = None
    st.session_state["f_measure"] = (
        qp.get("measure") if qp.get("measure") in query.MEASURES else "share"
    )
    kinds = [k for k in _split(qp.get("kinds")) if k in query.KINDS]
    st.session_state["f_kinds"] = kinds or list(query.KINDS)
    langs_present = {lang for lang, _ in opts.languages}
    if qp.get("langs") == "all":
        st.session_state["f_langs"] = sorted(langs_present)
    elif qp.get("langs"):
        langs = [x for x in _split(qp.get("langs")) if x in langs_present]
        st.session_state["f_langs"] = langs or lang_default
    else:
        st.session_state["f_langs"] = lang_default
    st.session_state["f_dups"] = qp.get("dups") == "1"
    st.session_state["f_nonstate"] = qp.get("nonstate") == "1"
    gstmt = qp.get("gstmt")
    st.session_state["f_gstmt"] = gstmt if gstmt in query.GROUP_STATEMENT_MODES else "include"
    st.session_state["f_formembers"] = qp.get("formembers") == "1"


def sidebar_filters(opts: query.Options) -> Filters:
    """Draw the shared filters in the sidebar, mirror them in the URL, return them."""
    present = [lang for lang, _ in opts.languages]
    covered = [x for x in present if x in opts.codebook_languages]
    lang_default = covered or present
    _init_from_url(opts, lang_default)
    _restore_filter_widgets()
    sb = st.sidebar
    sb.header("Filters")
    labels = opts.theme_labels
    sb.multiselect("Themes", opts.themes, key="f_themes", format_func=lambda t: labels.get(t, t),
                   placeholder="All themes")  # fmt: skip
    names = {c: n for c, n, _ in opts.countries}
    sb.multiselect(
        "Countries", [c for c, _, _ in opts.countries], key="f_countries",
        format_func=lambda c: f"{names.get(c) or c} ({c})" if names.get(c) not in (None, "", c) else c,
        placeholder="All countries", help="Pick any set of countries; combined with the groups.",
    )  # fmt: skip
    sb.multiselect("Groups of countries", list(opts.groups), key="f_groups",
                   placeholder="No group", help="UN regional groups, P5, EU, G77...")  # fmt: skip
    if len(opts.forums) > 1:
        sb.multiselect(
            "Forum", [f for f, _ in opts.forums], key="f_forums", placeholder="All forums"
        )
    years = None
    if opts.year_min is not None and opts.year_max is not None and opts.year_min < opts.year_max:
        years = sb.slider("Years", opts.year_min, opts.year_max, key="f_years")
    elif opts.year_min is not None:
        sb.caption(f"All dated statements are from {opts.year_min}.")
    with sb.expander(
        "Exact dates", expanded=bool(st.session_state.get("f_from") or st.session_state.get("f_to"))
    ):
        st.date_input("From", key="f_from", value=None, min_value=date(1945, 1, 1))
        st.date_input("To", key="f_to", value=None, min_value=date(1945, 1, 1))
        st.caption("A statement dated only by month or year (a General Debate speech stored "
                   "with its year, say) is selected only when the dates cover that whole month "
                   "or year.")  # fmt: skip
        date_from, date_to = _date_range()
    sb.radio("Measure", list(query.MEASURES), key="f_measure", horizontal=True,
             format_func=lambda m: {"share": "Share of statements", "rate": "Matches per 1,000 words"}[m])  # fmt: skip
    sb.multiselect(
        "Match kind", list(query.KINDS), key="f_kinds", format_func=lambda k: KIND_LABELS[k],
        on_change=_refill, args=("f_kinds", list(query.KINDS)),
        help="At least one kind: emptying the box selects every kind again.",
    )  # fmt: skip
    _refilled_note("f_kinds", "No match kind left: every kind is selected again.")
    sb.multiselect("Language", present, key="f_langs", on_change=_refill, args=("f_langs", present),
                   help="Default: the languages the codebook covers. At least one language: "
                        "emptying the box selects every language.")  # fmt: skip
    _refilled_note("f_langs", "No language left: every language is selected.")
    sb.checkbox(
        "Include duplicates", key="f_dups", help="Copies of the same speech count once by default."
    )
    sb.checkbox("Include non-state speakers", key="f_nonstate",
                help="Presidents in procedural roles, briefers, statements without a country.")  # fmt: skip
    sb.selectbox("Group statements", query.GROUP_STATEMENT_MODES, key="f_gstmt",
                 format_func={"include": "include", "only": "only group statements",
                              "exclude": "leave out"}.get,
                 help="Statements delivered on behalf of a group (EU, G77, NAM, ...).")  # fmt: skip
    sb.checkbox("Count group statements for members", key="f_formembers",
                help="With a country or group filter, a statement delivered on behalf of a "
                     "group also counts for the selected countries that belong to it.")  # fmt: skip
    ss = st.session_state
    kinds = tuple(ss.get("f_kinds") or query.KINDS)
    langs = tuple(ss.get("f_langs") or ())
    full_years = years is not None and tuple(years) == (opts.year_min, opts.year_max)
    filters = Filters(
        themes=tuple(ss.get("f_themes") or ()),
        countries=tuple(ss.get("f_countries") or ()),
        groups=tuple(ss.get("f_groups") or ()),
        forums=tuple(ss.get("f_forums") or ()),
        year_from=None if years is None or full_years else int(years[0]),
        year_to=None if years is None or full_years else int(years[1]),
        date_from=date_from,
        date_to=date_to,
        measure=ss.get("f_measure") or "share",
        kinds=() if set(kinds) == set(query.KINDS) else kinds,
        # the codebook's languages (the default) stay implicit, so captions do not list them
        # (when no stored language is covered, the default is every language: said explicitly)
        languages=None if covered and sorted(langs) == sorted(covered) else (langs or ()),
        include_duplicates=bool(ss.get("f_dups")),
        include_non_state=bool(ss.get("f_nonstate")),
        group_statements=ss.get("f_gstmt") or "include",
        count_for_members=bool(ss.get("f_formembers")),
    )
    _write_url(filters, opts, lang_default, present)
    _save_filter_widgets()
    return filters


def _refill(key: str, everything: list[str]) -> None:
    """An emptied Match kind or Language box selects every option again (an empty box would
    look like "nothing" while meaning "everything")."""
    if not st.session_state.get(key):
        st.session_state[key] = list(everything)
        st.session_state[f"_refilled_{key}"] = True


def _refilled_note(key: str, text: str) -> None:
    if st.session_state.pop(f"_refilled_{key}", False):
        st.sidebar.caption(f":material/info: {text}")


def _date_range() -> tuple[str | None, str | None]:
    """The exact dates as ISO strings; a reversed range is refused with a message."""
    ss = st.session_state
    first, last = ss.get("f_from"), ss.get("f_to")
    if first and last and first > last:
        msg = (f"'From' ({first.isoformat()}) is after 'To' ({last.isoformat()}): the exact "
               "dates are not applied. Swap them or clear one.")  # fmt: skip
        st.error(msg)
        st.session_state["_date_error"] = msg
        return None, None
    st.session_state.pop("_date_error", None)
    return (first.isoformat() if first else None), (last.isoformat() if last else None)


def date_error_note() -> None:
    """On a page: the reason the exact dates are not applied, if any."""
    if st.session_state.get("_date_error"):
        st.error(st.session_state["_date_error"])


def _write_url(filters: Filters, opts: query.Options, lang_default, present) -> None:
    want: dict[str, str] = {}
    for key, value in (("themes", filters.themes), ("countries", filters.countries),
                       ("groups", filters.groups), ("forums", filters.forums),
                       ("kinds", filters.kinds)):  # fmt: skip
        if value:
            want[key] = ",".join(value)
    if filters.year_from is not None or filters.year_to is not None:
        want["years"] = f"{filters.year_from or opts.year_min}-{filters.year_to or opts.year_max}"
    if filters.date_from:
        want["from"] = filters.date_from
    if filters.date_to:
        want["to"] = filters.date_to
    if filters.measure != "share":
        want["measure"] = filters.measure
    if filters.languages is not None:  # None: the codebook's languages, the default
        langs = list(filters.languages)
        want["langs"] = "all" if not langs or sorted(langs) == sorted(present) else ",".join(langs)
    if filters.include_duplicates:
        want["dups"] = "1"
    if filters.include_non_state:
        want["nonstate"] = "1"
    if filters.group_statements != "include":
        want["gstmt"] = filters.group_statements
    if filters.count_for_members:
        want["formembers"] = "1"
    qp = st.query_params
    for key in _PARAM_KEYS:
        if key in want:
            if qp.get(key) != want[key]:
                qp[key] = want[key]
        elif key in qp:
            del qp[key]


def page_param(name: str, default: str = "") -> str:
    """A page's own URL parameter (theme picked, compared sides, statement id...)."""
    return st.query_params.get(name, default)


def set_page_param(name: str, value: str | None) -> None:
    if value in (None, ""):
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def min_statements() -> int:
    """The fewest statements a drawn share may rest on (sidebar, URL ``minn``, default
    ``charts.MIN_N``): a point, bar or cell below it is greyed and labelled with its n."""
    ss = st.session_state
    if "_min_n" not in ss:  # kept apart from the widget: a page switch resets the widget
        wanted = page_param("minn")
        ss["_min_n"] = max(1, min(1000, int(wanted))) if wanted.isdigit() else charts.MIN_N
    ss["min_n"] = ss["_min_n"]
    value = st.sidebar.number_input(
        "Fewest statements behind a value", 1, 1000, key="min_n", on_change=_keep_min_n,
        help="A point, bar or cell resting on fewer statements is drawn grey (bars hatched) "
        "and labelled with its n, never as a plain colour.",
    )  # fmt: skip
    set_page_param("minn", None if int(value) == charts.MIN_N else str(int(value)))
    return int(value)


def _keep_min_n() -> None:
    st.session_state["_min_n"] = st.session_state["min_n"]


def smoothing(container, *, key: str) -> int:
    """Years pooled per point (URL ``smooth``): 1 (none), 3 or 5, a centred rolling window whose
    share is computed from the pooled counts."""
    choices = [1, 3, 5]
    wanted = page_param("smooth")
    if key not in st.session_state:
        st.session_state[key] = int(wanted) if wanted in ("3", "5") else 1
    value = container.selectbox(
        "Smoothing", choices, key=key,
        format_func=lambda w: "none" if w == 1 else f"{w}-year rolling window (pooled n)",
        help="Each point pools the statements of the years around it: the share and its "
        "interval are computed from the pooled counts.",
    )  # fmt: skip
    set_page_param("smooth", None if value == 1 else str(value))
    return int(value)


def left_out_note(filters: Filters) -> None:
    """A caption saying what the default filters leave out, and how to include it."""
    try:
        out = run("left_out", filters)
    except query.QueryError:
        return
    parts = []
    if out.get("language"):
        langs = ", ".join(f"{md(k)} ({v})" for k, v in sorted(out.get("languages", {}).items()))
        parts.append(f"{out['language']} in languages the codebook does not cover ({langs})")
    if out.get("duplicates"):
        parts.append(f"{out['duplicates']} duplicates")
    if out.get("non_state"):
        parts.append(f"{out['non_state']} non-state speakers")
    if out.get("no_year"):
        parts.append(f"{out['no_year']} without a date (not on time charts)")
    text = f"{out.get('selected', 0):,} statements selected."
    if parts:
        text += " Left out: " + "; ".join(parts) + "."
    st.caption(text)


# -- charts, exports, evidence --------------------------------------------------------------------


def show_chart(fig, data: pd.DataFrame, *, name: str, filters: Filters, key: str,
               selectable: bool = True, config: dict | None = None):  # fmt: skip
    """Draw a figure (with selection events when ``selectable``) and its export buttons; returns
    the selection event (or None)."""
    cfg = {"displaylogo": False}
    cfg.update(config or {})
    if selectable:
        event = st.plotly_chart(fig, key=key, on_select="rerun", selection_mode=("points", "box"),
                                config=cfg, width="stretch")  # fmt: skip
    else:
        st.plotly_chart(fig, key=key, config=cfg, width="stretch")
        event = None
    export_buttons(fig, data, name=name, filters=filters, key=key)
    return event


def export_buttons(fig, data: pd.DataFrame, *, name: str, filters: Filters, key: str) -> None:
    """PNG, SVG, PDF, HTML, CSV, XLSX and the bundle, each named for what the chart shows and
    carrying its caption and citation (tool, codebook, database fingerprint, the view's URL)."""
    book = codebook()
    version = book.version if book else ""
    url = view_url()
    cite = export.citation(version, codebook_name=book.name if book else "",
                           database=fingerprint(), url=url)  # fmt: skip
    stem = export_stem(name, filters, data)
    about = {"filters": filters.to_dict(), "codebook": version, "view": url, "citation": cite}
    cols = st.columns(8)
    images = export.images_available()
    for i, fmt in enumerate(export.IMAGE_FORMATS):
        if images:
            cols[i].download_button(
                fmt.upper(), data=_image_maker(fig, fmt, cite), file_name=f"{stem}.{fmt}",
                mime=export.MIME[fmt], key=f"{key}_dl_{fmt}", on_click="ignore",
            )  # fmt: skip
        else:
            cols[i].button(fmt.upper(), disabled=True, key=f"{key}_dl_{fmt}",
                           help=str(export.ChromiumMissing()))  # fmt: skip
    cols[3].download_button("HTML", data=lambda: export.export_html(fig, citation_line=cite,
                                                                     title=stem),
                            file_name=f"{stem}.html", mime="text/html", key=f"{key}_dl_html",
                            on_click="ignore")  # fmt: skip
    cols[4].download_button("CSV", data=export.table_csv(data), file_name=f"{stem}.csv",
                            mime="text/csv", key=f"{key}_dl_csv", on_click="ignore")  # fmt: skip
    cols[5].download_button("XLSX", data=lambda: export.table_xlsx(data, about=about),
                            file_name=f"{stem}.xlsx", mime=export.MIME["xlsx"],
                            key=f"{key}_dl_xlsx", on_click="ignore")  # fmt: skip
    cols[6].download_button(
        "Bundle (zip)",
        data=lambda: export.bundle(
            fig, data, name=stem, filters=filters.to_dict(),
            codebook_text=book.text if book else "", codebook_name=book.name if book else "",
            codebook_version=version, codebook_path=book.path if book else "",
            database=fingerprint(), url=url,
        ),
        file_name=f"{stem}.zip", mime="application/zip", key=f"{key}_dl_zip", on_click="ignore",
    )  # fmt: skip
    if not images:
        st.caption(str(export.ChromiumMissing()))


def _image_maker(fig, fmt: str, cite: str):
    def make() -> bytes:
        try:
            return export.export_image(fig, fmt, citation_line=cite)
        except export.ExportError as exc:  # the download then holds the reason
            return f"Image export failed: {exc}\n".encode()

    return make


@st.cache_data(max_entries=8, show_spinner=False)
def _fingerprint(db: str, mark: tuple) -> export.Fingerprint:
    return export.database_fingerprint(db)


def fingerprint() -> export.Fingerprint | None:
    """The database's fingerprint (statement count, content hash), cached until it changes."""
    try:
        return _fingerprint(str(db_path()), marker())
    except query.QueryError:
        return None


def view_url() -> str:
    """The dashboard's current URL with its query parameters (the view an export cites)."""
    from urllib.parse import urlencode

    base = st.context.url or _local_url()
    params = {k: st.query_params[k] for k in st.query_params}
    return f"{base}?{urlencode(params, safe=',-')}" if params else base


def _local_url() -> str:
    """The page's URL on this machine, where the browser did not say (tests, bare runs)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    current = ctx.pages_manager.current_page_script_hash if ctx else ""
    path = next((p.url_path for p in (st.session_state.get("_pages") or {}).values()
                 if getattr(p, "_script_hash", None) == current), "")  # fmt: skip
    return f"http://localhost:{st.get_option('server.port')}/{path}"


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
    rest = {k: v for k, v in filters.to_dict().items() if k not in _IN_STEM}
    base = {k: v for k, v in Filters().to_dict().items() if k not in _IN_STEM}
    hashed = {} if rest == base else {"filters": rest}
    for k in st.query_params:
        value = st.query_params[k]
        if k in _NAMED_PARAMS and value in _NAMED_PARAMS[k]:
            extra.append(_NAMED_PARAMS[k][value])
        elif k not in _PARAM_KEYS and k not in ("theme", "minn", "id"):
            hashed[k] = value
    distinct = ""
    if hashed:
        import hashlib

        distinct = hashlib.sha1(json.dumps(hashed, sort_keys=True, default=str).encode()
                                ).hexdigest()[:6]  # fmt: skip
    return export.file_stem(
        name, themes=[t for t in themes if t not in taken], places=places,
        years=_years(filters, data), extra=extra, distinct=distinct,
    )  # fmt: skip


def _few(data: pd.DataFrame | None, column: str, most: int) -> list[str]:
    """The distinct values of ``column`` in the chart's data, when there are at most ``most``."""
    if data is None or column not in data:
        return []
    values = sorted({str(v) for v in data[column].dropna()})
    return values if 0 < len(values) <= most else []


def _years(filters: Filters, data: pd.DataFrame | None) -> tuple | None:
    """The years the chart covers: those in its data, else the filters'."""
    if data is not None and "year" in data and data["year"].notna().any():
        years = pd.to_numeric(data["year"], errors="coerce").dropna()
        if len(years):
            return int(years.min()), int(years.max())
    if filters.year_from is not None or filters.year_to is not None:
        return filters.year_from, filters.year_to
    return None


def selected_points(event) -> list[dict]:
    """The ``customdata`` ``[theme, year, country/side]`` of each selected point."""
    if not event:
        return []
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return []
    out = []
    for p in points:
        cd = p.get("customdata")
        if isinstance(cd, (list, tuple)) and len(cd) >= 3:
            year = cd[1]
            out.append({"theme": cd[0], "year": int(year) if year not in (None, "") else None,
                        "country": cd[2] or None})  # fmt: skip
    return out


def evidence_panel(filters: Filters, *, theme=None, year=None, country=None, title: str = "",
                   key: str = "ev", search: str = "") -> None:  # fmt: skip
    """The passages behind one number, as keyword-in-context rows; a row opens its statement."""
    labels = run("options").theme_labels
    what = " · ".join(
        md(x)
        for x in (
            labels.get(theme, theme) if theme else "",
            str(year) if year else "",
            country or "",
        )
        if x
    )
    st.subheader(title or f"Evidence: {what or 'all selected'}")
    total = run_or_warn("evidence_count", filters, theme=theme, year=year, country=country,
                        search=search)  # fmt: skip
    if total is None:
        return
    if total == 0:
        st.info("No passages match here. Widen the filters, or pick another point.")
        return
    rows = run_or_warn("evidence", filters, theme=theme, year=year, country=country,
                       search=search, limit=MAX_EVIDENCE)  # fmt: skip
    if rows is None:
        return
    st.caption(shown_note(total, len(rows)))
    evidence_table(rows, key=key)
    evidence_downloads(filters, total, key=key, theme=theme, year=year, country=country,
                       search=search)  # fmt: skip


def shown_note(total: int, shown: int) -> str:
    """How many matches there are and how many the table shows (the downloads hold all)."""
    if total <= shown:
        return f"{total:,} matches."
    return f"{total:,} matches; the first {shown:,} shown here, all {total:,} in the downloads."


def all_evidence(filters: Filters, *, sort: str = "date", **where) -> pd.DataFrame:
    """Every evidence row of a selection (not cached: for downloads)."""
    total = query.evidence_count(db_path(), filters, **where)
    return query.evidence(db_path(), filters, sort=sort, limit=max(total, 1), **where)


def evidence_downloads(filters: Filters, total: int, *, key: str, sort: str = "date",
                       **where) -> None:  # fmt: skip
    """CSV and XLSX of all ``total`` evidence rows of a selection, made when clicked, named for
    the selection (``evidence_militarization_CHN_2024.csv``)."""
    about = {"filters": filters.to_dict(), "rows": total, "view": view_url()}
    stem = evidence_stem(filters, **where)
    c1, c2 = st.columns(2)
    c1.download_button(
        f"CSV of all {total:,} rows",
        lambda: export.table_csv(all_evidence(filters, sort=sort, **where)),
        file_name=f"{stem}.csv", mime="text/csv", key=f"{key}_csv", on_click="ignore",
    )  # fmt: skip
    xlsx_rows = min(total, XLSX_MAX_ROWS)
    c2.download_button(
        f"XLSX of {'all ' if total == xlsx_rows else 'the first '}{xlsx_rows:,} rows",
        lambda: export.table_xlsx(all_evidence(filters, sort=sort, **where).head(XLSX_MAX_ROWS),
                                  sheet="evidence", about=about),
        file_name=f"{stem}.xlsx", mime=export.MIME["xlsx"], key=f"{key}_xlsx",
        on_click="ignore", help="A spreadsheet holds at most 1,048,575 rows: the CSV holds all.",
    )  # fmt: skip


def evidence_stem(filters: Filters, *, theme=None, year=None, country=None, search: str = "",
                  **_) -> str:  # fmt: skip
    """The file name stem of an evidence download: the theme, place and years it holds; a
    search or other filters add a short hash."""
    import hashlib

    rest = {k: v for k, v in filters.to_dict().items() if k not in _IN_STEM}
    base = {k: v for k, v in Filters().to_dict().items() if k not in _IN_STEM}
    hashed = {"filters": rest} if rest != base else {}
    if search:
        hashed["search"] = search
    distinct = hashlib.sha1(json.dumps(hashed, sort_keys=True, default=str).encode()
                            ).hexdigest()[:6] if hashed else ""  # fmt: skip
    years = (year, year) if year else (filters.year_from, filters.year_to)
    return export.file_stem(
        "evidence", themes=[theme] if theme else list(filters.themes),
        places=[country] if country else list(filters.countries) + list(filters.groups),
        years=years if years[0] is not None else None, distinct=distinct,
    )  # fmt: skip


def kwic(rows: pd.DataFrame, width: int = 70) -> pd.DataFrame:
    """Keyword-in-context columns: the words before the match, the match, the words after."""
    pre, kw, post = [], [], []
    for text, s, e in zip(rows["passage"], rows["hl_start"], rows["hl_end"]):
        text = text or ""
        left = display_text(text[:s])
        right = display_text(text[e:])
        pre.append(("…" + left[-width:]) if len(left) > width else left)
        kw.append(display_text(text[s:e]))
        post.append((right[:width] + "…") if len(right) > width else right)
    out = pd.DataFrame({
        "country": rows["country"], "date": rows["date"], "before": pre, "match": kw,
        "after": post, "theme": rows["theme_label"], "direction": _direction_labels(rows),
        "score": rows["score"], "rule": rows["rule"], "kind": rows["kind"],
        "statement": rows["statement_id"],
    })  # fmt: skip
    return out


def _direction_labels(rows: pd.DataFrame) -> list[str]:
    """"supports", or "reports (not counted)" / "opposes (not counted)" where the match does not
    make its theme present."""
    if "direction" not in rows:
        return ["supports"] * len(rows)
    counted = rows["counted"] if "counted" in rows else [1] * len(rows)
    return [d if c else f"{d} (not counted)" for d, c in zip(rows["direction"], counted)]


#: Pixels per character (a generous average for the table's font), cell padding, line height.
CHAR_PX, CELL_PAD, LINE_PX = 8, 24, 21


def _longest(values) -> int:
    return max((len(str(v)) for v in values), default=0)


def _fit(values, least: int, most: int) -> int:
    """A column width in pixels that shows the longest of ``values`` on one line, within
    ``least``..``most``."""
    return max(least, min(most, CHAR_PX * _longest(values) + CELL_PAD))


def _row_height(values, width: int) -> int | None:
    """A row height that wraps the longest of ``values`` whole in a column ``width`` pixels
    wide (Streamlit wraps text only in rows taller than 64 px); None when one line holds it."""
    per_line = max(1, (width - CELL_PAD) // CHAR_PX)
    lines = -(-_longest(values) // per_line)
    return None if lines <= 1 else max(66, LINE_PX * lines + 12)


def evidence_table(rows: pd.DataFrame, *, key: str) -> None:
    """The keyword-in-context rows, the match and theme never cut (a long match wraps in taller
    rows); a selected row shows its passage and opens its statement."""
    table = kwic(rows)
    match_width = _fit(table["match"], 170, 520)
    row_height = _row_height(table["match"], match_width)
    context = 250 if row_height else 330  # the words around the match wrap in taller rows
    event = st.dataframe(
        table, key=f"{key}_table", hide_index=True, on_select="rerun",
        selection_mode="single-row", width="stretch", row_height=row_height,
        column_config={
            "country": st.column_config.TextColumn("country", width=70),
            "date": st.column_config.TextColumn("date", width=95),
            "theme": st.column_config.TextColumn("theme", width=_fit(table["theme"], 170, 520)),
            "before": st.column_config.TextColumn("before", width=context, alignment="right"),
            "match": st.column_config.TextColumn("match", width=match_width),
            "after": st.column_config.TextColumn("after", width=context),
            "score": st.column_config.NumberColumn("score", format="%.2f", width=60),
            "direction": st.column_config.TextColumn(
                "direction", width=_fit(table["direction"], 90, 200),
                help="Whether the match supports the theme's position, opposes it or reports it "
                "(others' words, the speaker's own sanctions...); only counted matches make a "
                "theme present"),
            "rule": st.column_config.TextColumn("rule", width=_fit(table["rule"], 150, 400)),
            "kind": st.column_config.TextColumn("kind", width=85),
            "statement": st.column_config.NumberColumn("statement", format="%d", width=80),
        },
    )  # fmt: skip
    picked = event.selection.rows if event and event.selection else []
    if picked:
        row = rows.iloc[picked[0]]
        st.markdown("**The passage**")
        if row.get("reason"):
            st.caption(f"{row.get('direction', 'supports')}: {md(str(row['reason']))}")
        st.html(
            highlight_html(
                row["passage"], [(int(row["hl_start"]), int(row["hl_end"]), row["theme"])]
            )
        )
        if st.button(f"Open statement {int(row['statement_id'])}", key=f"{key}_open"):
            open_statement(int(row["statement_id"]))
    else:
        st.caption("Select a row to read its passage and open its statement.")


def open_statement(statement_id: int) -> None:
    """Switch to the Statement page; the URL keeps the filters and this page's own parameters,
    so Back returns to the same view."""
    st.session_state["statement_id"] = int(statement_id)
    here = {k: st.query_params[k] for k in st.query_params}
    st.switch_page(st.session_state["_pages"]["statement"],
                   query_params={**here, "id": str(statement_id)})  # fmt: skip


def highlight_html(text: str, spans, *, legend: bool = False) -> str:
    """``text`` escaped, with each ``(start, end, theme)`` span marked in the theme's colour. The
    only markup is ours: every piece of the text goes through ``html.escape``."""
    pieces = query.highlight_spans(text or "", spans)
    out = []
    for piece, theme in pieces:
        safe = html.escape(display_text(piece)).replace("\n", "<br>")
        if theme:
            color = charts.theme_color(theme)
            out.append(
                f'<mark title="{html.escape(theme)}" style="background:{charts._rgba(color, 0.28)};'
                f'border-bottom:2px solid {color};padding:0 1px">{safe}</mark>'
            )
        else:
            out.append(safe)
    return '<div style="line-height:1.6;font-size:0.95rem">' + "".join(out) + "</div>"


def theme_picker(opts: query.Options, filters: Filters, *, key: str, label: str = "Theme") -> str:
    """One theme (for ranking, map, per-country lines), kept in the URL as ``theme``."""
    choices = list(filters.themes) or list(opts.themes)
    if not choices:
        st.info("The database has no themes: ingest statements with a codebook first.")
        st.stop()
    wanted = page_param("theme")
    if key not in st.session_state:
        st.session_state[key] = wanted if wanted in choices else choices[0]
    elif st.session_state[key] not in choices:
        st.session_state[key] = choices[0]
    theme = st.selectbox(label, choices, key=key, format_func=lambda t: opts.theme_labels.get(t, t))
    set_page_param("theme", theme)
    return theme


def no_data(df: pd.DataFrame | None, what: str = "statements") -> bool:
    if df is None or df.empty:
        st.info(f"No {what} match these filters. Widen the years, countries or languages in the "
                "sidebar.")  # fmt: skip
        return True
    return False


def fmt_kwargs(**kw) -> dict:
    return {k: v for k, v in kw.items() if v is not None}


def with_themes(filters: Filters, themes) -> Filters:
    return replace(filters, themes=tuple(themes))
