"""The view in the URL: the sidebar's filters as query parameters (read on a session's first
run, written on every run), each page's own parameters, and the view's full URL (which exports
cite).

Writes are gathered during a run and sent to the browser once, at its end (:func:`batched`):
each write sent on its own became a browser history entry, so opening Compare added three
(the page, then ``a``, then ``b``) and Back seemed to do nothing twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NoReturn
from contextlib import contextmanager
from datetime import date
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from app_pages.ui.text import md
from tracker import query
from tracker.metadata import FIRST_YEAR
from tracker.query import Filters

#: This run's parameter writes not yet sent: name -> value, None to remove it.
_PENDING = "_url_pending"
#: Every parameter as last sent to the browser (the filters' and the pages' own), and the page
#: that sent them.
_SENT_ALL = "_url_sent_all"
_SENT_PAGE = "_url_sent_page"
#: The page this run draws (its ``url_path``), as :func:`batched` was told.
_PAGE = "_url_page"
#: :func:`follow_back` without a value: the widget's value is forgotten.
_FORGET = object()

#: A link's ``years``: a range ``YYYY-YYYY`` (or ``YYYY,YYYY``), or one year, read as the range
#: from it to itself.
YEARS = re.compile(r"\s*([0-9]+)\s*(?:[-,]\s*([0-9]+)\s*)?")

#: The query parameters the sidebar's filters own.
PARAM_KEYS = ("themes", "countries", "groups", "forums", "years", "from", "to", "measure",
              "kinds", "langs", "dups", "nonstate", "gstmt", "formembers")  # fmt: skip


def date_limits() -> tuple[date, date]:
    """The dates the sidebar's exact-date boxes take: from the first year of a UN statement to
    the end of next year (a date outside them was dropped by the box without a word)."""
    return date(FIRST_YEAR, 1, 1), date(date.today().year + 1, 12, 31)


def link_note(name: str, value: str, what: str) -> None:
    """A page's URL parameter whose value is not valid or not held here: a short warning naming
    the parameter, the value and what is shown instead, not dropped in silence."""
    st.warning(md(link_text(name, value, what)))


def link_text(name: str, value: str, what: str) -> str:
    """The words of :func:`link_note`, for notes gathered before the page draws."""
    return f"The link's {name} “{value}” {what}."


def one_of(choices) -> str:
    """Valid values as a message lists them: “a”, “b” or “c”."""
    quoted = [f"“{c}”" for c in choices]
    return " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def split_known(value: str | None, known: set[str]) -> tuple[list[str], list[str]]:
    """A comma-joined parameter as (known values, unknown pieces). Values are joined by commas
    unescaped, and some hold commas themselves (a forum "OEWG on ICTs, 2021-2025", a country
    name stored as written): at each place the longest run of pieces that is a known value
    is taken."""
    pieces = (value or "").split(",")
    longest = max((v.count(",") for v in known), default=0) + 1  # pieces in one known value
    found, unknown, i = [], [], 0
    while i < len(pieces):
        for j in range(min(len(pieces), i + longest), i, -1):
            if ",".join(pieces[i:j]) in known:
                found.append(",".join(pieces[i:j]))
                i = j
                break
        else:
            if pieces[i].strip():
                unknown.append(pieces[i])
            i += 1
    return found, unknown


def _filter_params() -> dict[str, str]:
    return {k: st.query_params[k] for k in PARAM_KEYS if k in st.query_params}


def browser_moved() -> bool:
    """Whether the URL's filters are no longer the ones this session last sent: the browser's
    Back or Forward (or an edited URL) brought other ones."""
    sent_all = st.session_state.get(_SENT_ALL)
    sent = None if sent_all is None else {k: sent_all[k] for k in PARAM_KEYS if k in sent_all}
    now = _filter_params()
    # a URL without filters says nothing of them: a menu switch comes without parameters, and
    # Back reaches the entry that switch left (reseeding from it wiped the filters)
    return sent is not None and bool(now) and now != sent


def init_from_url(opts: query.Options, lang_default: list[str]) -> None:
    """Seed the filter widgets from the URL's query parameters: on a session's first run, and
    when the browser moved to a URL with other filters (Back undoes a filter change; before,
    the widgets kept their values and wrote them back, and Back seemed to do nothing)."""
    if st.session_state.get("_filters_seeded") and not browser_moved():
        return
    st.session_state["_filters_seeded"] = True
    st.session_state.pop("_f_saved", None)  # the URL's filters, not the last run's
    qp = st.query_params
    unknown: list[str] = []
    for key, name, known in (("f_themes", "themes", set(opts.themes)),
                             ("f_countries", "countries", {c for c, _, _ in opts.countries}),
                             ("f_groups", "groups", set(opts.groups)),
                             ("f_forums", "forums", {f for f, _ in opts.forums})):  # fmt: skip
        found, missing = split_known(qp.get(name), known)
        st.session_state[key] = found
        unknown += [f"{name} “{m}”" for m in missing]
    langs_present = {lang for lang, _ in opts.languages}
    langs: list[str] = []
    if qp.get("langs") and qp.get("langs") != "all":
        langs, missing = split_known(qp.get("langs"), langs_present)
        unknown += [f"langs “{m}”" for m in missing]
    notes = []
    if unknown:  # said, not dropped in silence
        notes.append("The link names what this database does not hold, left out: "
                     + ", ".join(unknown) + ".")  # fmt: skip
    if opts.year_min is not None and opts.year_max is not None and opts.year_min < opts.year_max:
        lo, hi = opts.year_min, opts.year_max
        linked = qp.get("years") or ""
        years = YEARS.fullmatch(linked)
        a, b = (int(years[1]), int(years[2] or years[1])) if years else (lo, hi)
        if linked and not years:
            notes.append(link_text("years", linked, f"is not a range of years (YYYY-YYYY): "
                                   f"every year, {lo}–{hi}, is shown"))  # fmt: skip
        elif a > b:
            notes.append(link_text("years", linked, f"runs from the later year: read as {b}–{a}"))
        wanted = (min(a, b), max(a, b))
        a, b = max(lo, min(a, hi)), max(lo, min(b, hi))
        st.session_state["f_years"] = (min(a, b), max(a, b))
        if years and wanted != st.session_state["f_years"]:  # said, not silently moved
            st.session_state["_years_note"] = (
                f"The link asked for the years {wanted[0]}–{wanted[1]}; this database holds "
                f"statements from {lo} to {hi}, so the years shown are "
                f"{st.session_state['f_years'][0]}–{st.session_state['f_years'][1]}."
            )
    elif qp.get("years") and opts.year_min is not None and opts.year_min == opts.year_max:
        # one year held: there is no slider to set, so the link's years do nothing; said
        linked = qp.get("years") or ""
        years = YEARS.fullmatch(linked)
        if not years or not (min(int(years[1]), int(years[2] or years[1])) <= opts.year_min
                             <= max(int(years[1]), int(years[2] or years[1]))):  # fmt: skip
            notes.append(link_text("years", linked, f"does not apply: this database holds "
                                   f"statements of {opts.year_min} only, all shown"))  # fmt: skip
    first, last = date_limits()
    for key, name in (("f_from", "from"), ("f_to", "to")):
        value = qp.get(name)
        st.session_state[key] = None
        if not value:
            continue
        try:
            day = date.fromisoformat(value)
        except ValueError:
            notes.append(f"The link's {name} “{value}” is not a date (YYYY-MM-DD): ignored.")
            continue
        if not first <= day <= last:
            notes.append(f"The link's {name} “{value}” is outside {first.isoformat()} to "
                         f"{last.isoformat()}: ignored.")  # fmt: skip
            continue
        st.session_state[key] = day
    measure = qp.get("measure")
    st.session_state["f_measure"] = measure if measure in query.MEASURES else "share"
    if measure and measure not in query.MEASURES:
        notes.append(link_text("measure", measure, f"is not {one_of(query.MEASURES)}: the share "
                               "of statements is used"))  # fmt: skip
    kinds = [k for k in _split(qp.get("kinds")) if k in query.KINDS]
    st.session_state["f_kinds"] = kinds or list(query.KINDS)
    wrong = [k for k in _split(qp.get("kinds")) if k not in query.KINDS]
    if wrong:
        notes.append(link_text("kinds", ",".join(wrong),
                               ("is not a match kind" if len(wrong) == 1 else "are not match kinds")
                               + f" ({one_of(query.KINDS)}): "
                               + ("left out" if kinds else "every kind is used")))  # fmt: skip
    if qp.get("langs") == "all":
        st.session_state["f_langs"] = sorted(langs_present)
    elif qp.get("langs"):
        st.session_state["f_langs"] = langs or lang_default
    else:
        st.session_state["f_langs"] = lang_default
    for key, name, off in (("f_dups", "dups", "copies of a speech count once"),
                           ("f_nonstate", "nonstate", "non-state speakers are left out"),
                           ("f_formembers", "formembers",
                            "group statements count for their speaker only")):  # fmt: skip
        flag = qp.get(name)
        st.session_state[key] = flag == "1"
        if flag not in (None, "", "0", "1"):
            notes.append(link_text(name, str(flag), f"is not “1” (on) or “0” (off): {off}"))
    gstmt = qp.get("gstmt")
    st.session_state["f_gstmt"] = gstmt if gstmt in query.GROUP_STATEMENT_MODES else "include"
    if gstmt and gstmt not in query.GROUP_STATEMENT_MODES:
        notes.append(link_text("gstmt", gstmt, f"is not {one_of(query.GROUP_STATEMENT_MODES)}: "
                               "every statement is shown (“include”)"))  # fmt: skip
    if notes:
        st.session_state["_link_note"] = " ".join(notes)


def write_url(filters: Filters, opts: query.Options, lang_default, present) -> None:
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
    pending = _pending()
    for key in PARAM_KEYS:
        pending[key] = want.get(key)


def _pending() -> dict[str, str | None]:
    return st.session_state.setdefault(_PENDING, {})


def current_params() -> dict[str, str]:
    """The URL's query parameters as this run has set them so far (sent or not), in the
    URL's order with new ones after."""
    params = {k: st.query_params[k] for k in st.query_params}
    for name, value in _pending().items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return params


def page_param(name: str, default: str = "") -> str:
    """A page's own URL parameter (theme picked, compared sides, statement id...)."""
    return current_params().get(name, default)


def page_choice(name: str, choices, used: str) -> str:
    """A page's URL parameter that takes one of ``choices``: its value, or "" (the page's
    default) with a warning naming the value and ``used``, what the page shows instead."""
    value = page_param(name)
    if value and value not in choices:
        link_note(name, value, f"is not {one_of(choices)}: {used}")
        return ""
    return value


def page_int(name: str, default: int, least: int, most: int) -> int:
    """A page's whole-number URL parameter kept within ``least``..``most``; one that is no whole
    number (``default`` is used) or outside them (the nearest limit is) is said."""
    value = page_param(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:  # "abc", or "²", which isdigit() took and int() refused
        link_note(name, value, f"is not a whole number: {default} is used")
        return default
    kept = max(least, min(most, number))
    if kept != number:
        link_note(name, value, f"is outside {least} to {most}: {kept} is used")
    return kept


def follow_back(name: str, key: str, value: object = _FORGET, *, carried: bool = False) -> None:
    """Let the widget ``key`` that shows the page parameter ``name`` follow the browser's Back
    and Forward (or an edited URL): when the URL brings another value of ``name`` than this
    session last sent, the widget takes ``value`` (what the URL names, as the widget holds it),
    or, without one, its value is forgotten for a page that seeds it from the URL when missing.
    Call it before the widget is drawn. (Widgets kept their values and wrote them back, so Back
    after a change of a page's own setting, Compare's sides or a tab, seemed to do nothing; a
    value set here also reaches the browser's widget, which forgetting alone does not.)
    A ``carried`` setting (kept across pages, like the sidebar's filters) is not followed to a
    URL without parameters: Back onto the bare entry a menu switch leaves says nothing of it."""
    ss = st.session_state
    sent = ss.get(_SENT_ALL)
    # a URL without parameters on another page than the last run's says nothing of them: a
    # menu switch comes without any (on the same page it is Back to its default settings)
    bare = not st.query_params.to_dict()
    if sent is None or bare and (carried or ss.get(_SENT_PAGE) != ss.get(_PAGE)):
        return
    if st.query_params.get(name) != sent.get(name):
        if value is _FORGET:
            ss.pop(key, None)
        else:
            ss[key] = value


def set_page_param(name: str, value: str | None) -> None:
    _pending()[name] = None if value in (None, "") else value


def flush_url() -> None:
    """Send this run's parameter writes to the browser, as one change of its URL (one history
    entry), and only if the URL changes."""
    want = current_params()
    st.session_state[_PENDING] = {}
    if want != st.query_params.to_dict():
        st.query_params.from_dict(want)
    st.session_state[_SENT_ALL] = dict(want)
    st.session_state[_SENT_PAGE] = st.session_state.get(_PAGE)


@contextmanager
def batched(page: str = "") -> Iterator[None]:
    """Around a whole run of ``page`` (its ``url_path``): the URL's writes wait for its end. A
    run ended early must end with :func:`stop`, which sends them first (after ``st.stop()`` no
    message reaches the browser). A rerun or a page switch drops them: the next run writes its
    own."""
    st.session_state[_PENDING] = {}
    st.session_state[_PAGE] = page
    yield
    flush_url()


def stop() -> NoReturn:
    """``st.stop()`` for the pages: the run's URL writes are sent first."""
    flush_url()
    st.stop()


def view_url() -> str:
    """The dashboard's current URL with its query parameters (the view an export cites)."""
    base = rooted(st.context.url or _local_url())
    params = current_params()
    return f"{base}?{urlencode(params, safe=',-')}" if params else base


def rooted(url: str) -> str:
    """``url`` with the "/" of its path when it has none: the browser reports the landing page
    as ``http://127.0.0.1:8501``, which cited a view as ``http://127.0.0.1:8501?themes=...``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/")) if parts.netloc and not parts.path else url


def _local_url() -> str:
    """The page's URL on this machine, where the browser did not say (tests, bare runs)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    current = ctx.pages_manager.current_page_script_hash if ctx else ""
    path = next((p.url_path for p in (st.session_state.get("_pages") or {}).values()
                 if getattr(p, "_script_hash", None) == current), "")  # fmt: skip
    return f"http://localhost:{st.get_option('server.port')}/{path}"
