"""Evidence: keyword-in-context rows (country, date, theme, the passage with the match, score,
rule), sortable and searchable with full-text search over passages; each opens its statement."""

from __future__ import annotations

import dataclasses

import streamlit as st

from app_pages import common

opts = common.require_db()
filters = common.current_filters()
st.title("Evidence")

ALL = "(all themes)"
theme_choices = [ALL] + (list(filters.themes) or list(opts.themes))
wanted = common.page_param("theme")
if wanted and wanted not in theme_choices:
    common.theme_note(wanted, opts, "all themes are shown")
c1, c2, c3 = st.columns([2, 3, 1])
common.follow_back("theme", "ev_theme", wanted if wanted in theme_choices else ALL)
linked_q = common.page_param("q")
common.follow_back("q", "ev_q", linked_q)
theme = c1.selectbox("Theme", theme_choices, key="ev_theme",
                     index=theme_choices.index(wanted) if wanted in theme_choices else 0,
                     format_func=lambda t: t if t == ALL else opts.theme_labels.get(t, t))  # fmt: skip
search = c2.text_input("Search the passages", value=linked_q, key="ev_q",
                       placeholder="words, e.g. cyber* attack* (a trailing * takes every "
                                   "ending: attacks, cyberattacks)",
                       help="Full-text search: every word must occur in the passage, as typed "
                       "(attack does not find attacks: write attack* for that). Quotes and "
                       "operators are taken as plain text. The Any term page matches as the "
                       "codebook does, inflections and spelling variants included.")  # fmt: skip
SORTS = {"date": "newest first", "score": "highest score", "country": "country"}
wanted_sort = common.page_choice("sort", list(SORTS), f"{SORTS['date']} is used")
sort_index = list(SORTS).index(wanted_sort) if wanted_sort in SORTS else 0
common.follow_back("sort", "ev_sort", list(SORTS)[sort_index])
sort = c3.selectbox(
    "Sort", list(SORTS), format_func=lambda s: SORTS[s], key="ev_sort", index=sort_index
)
DIRECTION_LABELS = {
    "supports": "supports the theme",
    "opposes": "opposes it",
    "reports": "reports it (others' words, own acts)",
}
linked_dirs = [d for d in common.page_param("dir").split(",") if d]
wanted_dirs = [d for d in linked_dirs if d in DIRECTION_LABELS]
wrong_dirs = [d for d in linked_dirs if d not in DIRECTION_LABELS]
if wrong_dirs:
    common.link_note("dir", ",".join(wrong_dirs),
                     ("is not a direction" if len(wrong_dirs) == 1 else "are not directions")
                     + f" ({common.one_of(DIRECTION_LABELS)}): "
                     + ("left out" if wanted_dirs else "every direction is shown"))  # fmt: skip
common.follow_back("dir", "ev_dir", wanted_dirs or list(DIRECTION_LABELS))
directions = st.multiselect(
    "Direction", list(DIRECTION_LABELS), default=wanted_dirs or list(DIRECTION_LABELS),
    format_func=lambda d: DIRECTION_LABELS[d], key="ev_dir",
    help="Where a theme's definition carries a direction (condemns sanctions, calls for Council "
    "reform, rejects bloc politics, ...) only matches that support it make the theme present in "
    "a statement; for the other themes every direction counts. Matches that do not count are "
    "kept as evidence, marked so. Empty means every direction.",
)  # fmt: skip
common.set_page_param(
    "dir", None if not directions or set(directions) == set(DIRECTION_LABELS) else ",".join(directions)
)
if directions and set(directions) != set(DIRECTION_LABELS):
    filters = dataclasses.replace(filters, directions=tuple(directions))
SCOPES = ["with a theme match", "all passages (search only)"]
scope_index = 1 if common.page_choice("scope", ("all",), "passages with a theme match "
                                      "are shown") == "all" else 0  # fmt: skip
common.follow_back("scope", "ev_scope", SCOPES[scope_index])
scope = st.radio("Passages", SCOPES, horizontal=True, key="ev_scope", index=scope_index)
common.set_page_param("theme", None if theme == ALL else theme)
common.set_page_param("q", search.strip() or None)
common.set_page_param("sort", None if sort == "date" else sort)
common.set_page_param("scope", "all" if scope == SCOPES[1] else None)
chosen = None if theme == ALL else theme

if scope.startswith("all"):
    if not search.strip():
        st.info("Type words to search all passages, matched or not.")
        common.stop()
    hits = common.or_warn(common.search_passages, filters, text=search, limit=common.MAX_EVIDENCE)
    if hits is None:
        common.stop()
    if hits.empty:
        if filters.group_statements == "only":
            st.info(common.no_group_statement(
                f"No passage of a {common.GROUP_STATEMENT} contains all of these words under "
                "the current filters."))  # fmt: skip
        else:
            st.info("No passage contains all of these words under the current filters.")
        common.stop()
    order = (
        "best first"
        if hits.attrs.get("ranked", True)
        else (
            "latest first (these words are in thousands of passages: add words to rank by relevance)"
        )
    )
    st.caption(f"{common.counted(len(hits), 'passage')}, {order}" + (" (first 200)" if len(hits) >= 200 else ""))
    shown = hits[["country", "date", "passage", "themes", "statement_id", "source"]].assign(
        passage=hits["passage"].map(common.display_text)
    )
    event = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="single-row",
                         key="search_table", width="stretch")  # fmt: skip
    if event.selection.rows:
        row = hits.iloc[event.selection.rows[0]]
        if st.button(f"Open statement {int(row['statement_id'])}", key="search_open"):
            common.open_statement(int(row["statement_id"]))
    common.stop()

counts = common.or_warn(common.evidence_counts, filters, theme=chosen, search=search)
if counts is None:
    common.stop()
total = counts.total
if total == 0:
    words = " containing these words" if search else ""
    if filters.group_statements == "only":
        st.info(common.no_group_statement(
            f"No matches in a {common.GROUP_STATEMENT} under these filters{words}."))  # fmt: skip
    else:
        st.info(f"No matches under these filters{words}.")
    common.stop()
rows = common.or_warn(common.evidence, filters, theme=chosen, search=search, sort=sort,
                      limit=common.MAX_EVIDENCE)  # fmt: skip
if rows is None:
    common.stop()
st.caption(common.shown_note(total, len(rows), not_counted=counts.not_counted,
                            statements=counts.statements))  # fmt: skip
common.evidence_table(rows, key="evidence")
common.evidence_downloads(
    filters, total, key="ev", sort=sort or "date", theme=chosen, search=search
)
