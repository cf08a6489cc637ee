"""The sidebar's widgets: the shared filters (kept across page switches and mirrored in the URL),
the fewest statements behind a drawn value, and the widgets pages share (smoothing, one theme,
what the filters leave out, an empty selection)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages.ui.data import current_filters, left_out
from app_pages.ui.text import md
from app_pages.ui.url import date_limits, follow_back, init_from_url, link_note, page_int
from app_pages.ui.url import page_param
from app_pages.ui.url import set_page_param, write_url
from app_pages.ui.url import stop as url_stop
from tracker import charts, query
from tracker.query import Filters

KIND_LABELS = {
    "exact": "exact",
    "fuzzy": "fuzzy (near-spelling)",
    "proximity": "proximity (words near)",
    "semantic": "semantic (model, no rule)",
}

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


def sidebar_filters(opts: query.Options) -> Filters:
    """Draw the shared filters in the sidebar, mirror them in the URL, return them."""
    present = [lang for lang, _ in opts.languages]
    covered = [x for x in present if x in opts.codebook_languages]
    lang_default = covered or present
    init_from_url(opts, lang_default)
    _restore_filter_widgets()
    sb = st.sidebar
    sb.header("Filters")
    link_note = st.session_state.pop("_link_note", None)
    if link_note:
        st.warning(md(link_note))
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
                   placeholder="No group",
                   help="UN regional groups, P5, EU, G77... Each member counts for the dates it was "
                        "a member (the United Kingdom for the EU until January 2020).")  # fmt: skip
    if len(opts.forums) > 1:
        sb.multiselect(
            "Forum", [f for f, _ in opts.forums], key="f_forums", placeholder="All forums"
        )
    years: Any = None
    if opts.year_min is not None and opts.year_max is not None and opts.year_min < opts.year_max:
        years = sb.slider("Years", opts.year_min, opts.year_max, key="f_years")
        note = st.session_state.pop("_years_note", None)
        if note:
            st.warning(note)
    elif opts.year_min is not None:
        sb.caption(f"All dated statements are from {opts.year_min}.")
    with sb.expander(
        "Exact dates", expanded=bool(st.session_state.get("f_from") or st.session_state.get("f_to"))
    ):
        first, last = date_limits()
        st.date_input("From", key="f_from", value=None, min_value=first, max_value=last)
        st.date_input("To", key="f_to", value=None, min_value=first, max_value=last)
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
    if list(st.session_state.get("f_kinds") or ()) == ["semantic"] and not opts.semantic_stored:
        sb.caption("No statement here has a semantic match: the codebook's semantic model is "
                   "switched off for every theme (its calibration found no threshold right often "
                   "enough), so semantic matches alone give 0 everywhere.")  # fmt: skip
    sb.multiselect("Language", present, key="f_langs", on_change=_refill, args=("f_langs", present),
                   help="Default: the languages the codebook covers. At least one language: "
                        "emptying the box selects every language.")  # fmt: skip
    _refilled_note("f_langs", "No language left: every language is selected.")
    sb.checkbox(
        "Include duplicates", key="f_dups", help="Copies of the same speech count once by default."
    )
    sb.checkbox("Include non-state speakers", key="f_nonstate",
                help="Presidents in procedural roles, briefers, statements without a country.")  # fmt: skip
    modes = {"include": "include", "only": "only group statements", "exclude": "leave out"}
    sb.selectbox("Group statements", list(query.GROUP_STATEMENT_MODES), key="f_gstmt",
                 format_func=lambda m: modes[m],
                 help="Statements delivered on behalf of a group (EU, G77, NAM, ...).")  # fmt: skip
    sb.checkbox("Count group statements for members", key="f_formembers",
                help="With a country or group filter, a statement delivered on behalf of a "
                     "group also counts for the selected countries that were members of it on "
                     "the statement's date.")  # fmt: skip
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
    write_url(filters, opts, lang_default, present)
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


def min_statements() -> int:
    """The fewest statements a drawn share may rest on (sidebar, URL ``minn``, default
    ``charts.MIN_N``): a point, bar or cell below it is greyed and labelled with its n."""
    ss = st.session_state
    follow_back("minn", "_min_n", carried=True)
    if "_min_n" not in ss:  # kept apart from the widget: a page switch resets the widget
        ss["_min_n"] = page_int("minn", charts.MIN_N, 1, 1000)
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
    follow_back("smooth", key)
    if key not in st.session_state:
        if wanted not in ("", "1", "3", "5"):
            link_note("smooth", wanted, "is not a window of 3 or 5 years: no smoothing is used")
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
        out = left_out(filters)
    except query.QueryError:
        return
    parts = []

    def by_language(counts: dict[str, int]) -> str:
        return ", ".join(f"{md(k)} ({v:,})" for k, v in sorted(counts.items()))

    if out.get("language"):
        parts.append(f"{out['language']:,} in languages the codebook does not cover "
                     f"({by_language(out.get('languages', {}))})")  # fmt: skip
    if out.get("deselected"):
        parts.append(f"{out['deselected']:,} in languages left out of the Language filter "
                     f"({by_language(out.get('deselected_languages', {}))})")  # fmt: skip
    if out.get("duplicates"):
        parts.append(charts.plural(out["duplicates"], "duplicate", "duplicates"))
    if out.get("non_state"):
        parts.append(charts.plural(out["non_state"], "non-state speaker", "non-state speakers"))
    if out.get("no_country"):
        parts.append(f"{out['no_country']:,} without a country (included with the non-state "
                     "speakers)")
    if out.get("no_year"):
        parts.append(f"{out['no_year']:,} without a date (not on time charts)")
    selected = out.get("selected", 0)
    text = f"{selected:,} statement{'' if selected == 1 else 's'} selected."
    if parts:
        text += " Left out: " + "; ".join(parts) + "."
    st.caption(text)


def theme_picker(opts: query.Options, filters: Filters, *, key: str, label: str = "Theme") -> str:
    """One theme (for ranking, map, per-country lines), kept in the URL as ``theme``."""
    choices = list(filters.themes) or list(opts.themes)
    if not choices:
        st.info("The database has no themes: ingest statements with a codebook first.")
        url_stop()
    wanted = page_param("theme")
    follow_back("theme", key)
    if key not in st.session_state:
        st.session_state[key] = wanted if wanted in choices else choices[0]
        if wanted and wanted not in choices:
            shown = opts.theme_labels.get(choices[0], choices[0])
            theme_note(wanted, opts, f"“{shown}” is shown")
    elif st.session_state[key] not in choices:
        st.session_state[key] = choices[0]
    theme = st.selectbox(label, choices, key=key, format_func=lambda t: opts.theme_labels.get(t, t))
    set_page_param("theme", theme)
    return theme


def theme_note(wanted: str, opts: query.Options, shown: str) -> None:
    """A linked ``theme`` the view cannot show: said, with what is shown instead."""
    why = ("is not among the themes picked in the sidebar" if wanted in opts.themes
           else "is not a theme of this database")  # fmt: skip
    link_note("theme", wanted, f"{why}: {shown}")


def no_data(df: pd.DataFrame | None, what: str = "statements") -> bool:
    if df is None or df.empty:
        if current_filters().group_statements == "only":
            st.info(no_group_statement())
            return True
        st.info(f"No {what} match these filters. Widen the years, countries or languages in the "
                "sidebar.")  # fmt: skip
        return True
    return False


#: What "Group statements: only" keeps, as the messages under it name it.
GROUP_STATEMENT = "statement delivered on behalf of a group (EU, G77, NAM, ...)"


def no_group_statement(text: str = f"No {GROUP_STATEMENT} matches these filters.",
                       widen: str = "Widen the years, countries or languages") -> str:
    """Why nothing is shown under "Group statements: only" (``text``), and what to change:
    widening the years or countries cannot help a database that holds no group statement at
    all."""
    change = "set “Group statements” in the sidebar to “include” to see every statement"
    try:
        held = left_out(Filters(group_statements="only", include_duplicates=True,
                                include_non_state=True, languages=()))["selected"]  # fmt: skip
    except query.QueryError:
        held = None
    if held == 0:
        return f"{text} This database holds none: {change}."
    return f"{text} {widen}, or {change}."
