"""Statement: the full cleaned text with every match highlighted, its metadata with where each
value came from, and its source. A very long text is shown a page at a time."""

from __future__ import annotations

import bisect

import pandas as pd
import streamlit as st

from app_pages import common
from tracker import charts
from tracker.duplicates import GENERAL_DEBATE, SIMILARITY_THRESHOLD
from tracker.metadata import describe_flags
from tracker.vocabulary import forum_name

#: Characters of text per page: the longest real speeches (about 130,000 characters) take two
#: pages, while a page never asks the browser to lay out more than this much marked-up text.
PAGE_CHARS = 100_000
#: Rows of the matches table shown at once (a page's matches, the first ones).
MAX_MATCH_ROWS = 1_000
#: Statement ids are SQLite integers: at most 2**63 - 1.
MAX_ID = 2**63 - 1


def statement_id(value: str) -> int | None:
    """A URL's ``id`` as a statement id, or None when it is not one (``²``, ``-1``, 23 digits)."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def page_bounds(length: int, passage_ends: list[int], size: int = PAGE_CHARS
                ) -> list[tuple[int, int]]:  # fmt: skip
    """``(start, end)`` of each page of a text of ``length`` characters: pages of at most about
    ``size`` characters, cut after a passage (sentence) where one ends in the page."""
    ends = sorted(e for e in passage_ends if 0 < e < length)
    bounds, start = [], 0
    while start < length:
        limit = start + size
        if limit >= length:
            bounds.append((start, length))
            break
        i = bisect.bisect_right(ends, limit) - 1
        end = ends[i] if i >= 0 and ends[i] > start else limit
        bounds.append((start, end))
        start = end
    return bounds or [(0, length)]


opts = common.require_db()
filters = common.current_filters()
st.title("Statement")

wanted = common.page_param("id") or str(st.session_state.get("statement_id") or "")
sid = statement_id(wanted) if wanted else None
if wanted and sid is None:
    why = ("no statement has an id that large" if wanted.strip().isascii()
           and wanted.strip().isdigit() else "a statement id is a whole number")  # fmt: skip
    st.warning(f"“{common.md(wanted[:40])}” is not a statement id ({why}): pick a "
               "statement under “Find a statement”.")  # fmt: skip

with st.expander("Find a statement", expanded=sid is None):
    text = st.text_input("Source, speaker or country", key="st_find")
    found = common.statements_list(filters, search=text.strip(), limit=300)
    if found.empty:
        st.info("No statement under these filters matches.")
    else:
        ev = st.dataframe(found, hide_index=True, on_select="rerun", selection_mode="single-row",
                          key="st_list", width="stretch")  # fmt: skip
        if ev.selection.rows:
            sid = int(found.iloc[ev.selection.rows[0]]["id"])

if sid is None:
    st.info("Pick a statement under “Find a statement”, or open one from the evidence.")
    common.stop()
common.set_page_param("id", str(sid))
st.session_state["statement_id"] = sid

detail = common.statement_detail(sid)
if detail is None:
    st.warning(f"There is no statement {sid} in this database.")
    common.stop()

meta = detail.metadata
head = " · ".join(common.md(x) for x in (meta.get("country_name") or meta.get("country"),
                                         meta.get("date"), meta.get("forum")) if x)  # fmt: skip
st.subheader(head or f"Statement {sid}")
if meta.get("duplicate_of"):
    sim = float(meta.get("similarity") or 0)
    # a General Debate speech is one per country and session whatever its words: a low word
    # similarity there is a translation or another transcript, not a doubtful link
    general_debate = forum_name(str(meta.get("forum") or "")) == GENERAL_DEBATE
    why = (f"similarity {sim:.2f}" if sim >= SIMILARITY_THRESHOLD or not general_debate else
           "the same country's General Debate speech of the same session, in other words: a "
           f"translation or another transcript; word similarity {sim:.2f}")  # fmt: skip
    st.info(f"This statement is a copy of statement {meta['duplicate_of']} ({why}); charts "
            "count the original only.")  # fmt: skip
    left_b, right_b = st.columns(2)
    if left_b.button(f"Open statement {meta['duplicate_of']}", key="open_orig"):
        common.open_statement(int(meta["duplicate_of"]))
    if right_b.button("Not a copy: a different speech", key="not_dup",
                      help="Recorded in the database (kept across re-ingests); both statements "
                           "are then counted."):  # fmt: skip
        from tracker.errors import TrackerError
        from tracker.store import Store

        try:  # the library's store is the one writer
            with Store(common.db_path()) as store:
                store.mark_not_duplicate(sid, int(meta["duplicate_of"]))
        except TrackerError as exc:
            st.error(common.md(exc))
        else:
            st.cache_data.clear()
            st.rerun()
if detail.duplicates:  # ids, each opening its copy ("Copies: 15" read as fifteen copies)
    copies = [int(d) for d in detail.duplicates]
    st.caption(f"{common.counted(len(copies), 'copy', 'copies')} of this speech stored "
               "(charts count this statement only):")  # fmt: skip
    shown_copies = copies[:12]
    for column, copy_id in zip(st.columns(len(shown_copies)), shown_copies):
        if column.button(f"Open statement {copy_id}", key=f"open_copy_{copy_id}"):
            common.open_statement(copy_id)
    if len(copies) > len(shown_copies):
        st.caption("Also: " + ", ".join(f"statement {d}" for d in copies[len(shown_copies):]))

bounds = page_bounds(len(detail.text), [int(e) for e in detail.passages.get("end", [])])
page = 1
left, right = st.columns([3, 2])
with left:
    st.markdown(f"**Text** ({int(meta.get('words') or 0):,} words; matches highlighted)")
    if len(bounds) > 1:
        st.caption(f"A long text: {len(bounds)} pages of about {PAGE_CHARS:,} characters.")
        page = st.pagination(len(bounds), key="st_page", max_visible_pages=9)
        page = min(max(int(page or 1), 1), len(bounds))
    start, end = bounds[page - 1]
    m = detail.matches
    on_page = m[(m["end"] > start) & (m["start"] < end)] if len(m) else m
    spans = [(int(s) - start, int(e) - start, t)
             for s, e, t in zip(on_page.get("start", []), on_page.get("end", []),
                                on_page.get("theme", []))]  # fmt: skip
    st.html(common.highlight_html(detail.text[start:end], spans))

with right:
    st.markdown("**Metadata and where each value came from**")
    fields = ["country", "country_name", "date", "date_precision", "year", "forum", "meeting",
              "speaker", "title", "language", "source_kind", "role", "on_behalf_of", "turn",
              "words", "codebook_version"]  # fmt: skip
    rows = [(f, "" if meta.get(f) is None else str(meta.get(f)), detail.provenance.get(f, ""))
            for f in fields]  # fmt: skip
    st.dataframe(pd.DataFrame(rows, columns=["field", "value", "from"]), hide_index=True,
                 width="stretch", height=35 * (len(rows) + 1) + 3)  # fmt: skip
    st.markdown("**Source**")
    st.code(f"{meta.get('source')}\n{meta.get('source_path')}\nread as: {meta.get('reader')}",
            language=None, wrap_lines=True)  # fmt: skip
    url = str(meta.get("source_url") or "").strip()
    if url.lower().startswith(("https://", "http://")) and not any(c.isspace() for c in url):
        st.link_button("Original document", url)  # a button: the URL is never Markdown
    elif url:
        st.code(url, language=None, wrap_lines=True)
    if detail.flags:
        st.warning("Flags: " + common.md(describe_flags(detail.flags)))
    for w in detail.warnings:
        st.caption(f"⚠ {common.md(w)}")
    if len(m):
        st.markdown("**Themes found**")
        counted = m["counted"].astype(bool) if "counted" in m else m["theme"].notna()
        summary = (m.assign(counted=counted).groupby(["theme", "theme_label"])
                   .agg(matches=("counted", "sum"), other=("counted", lambda c: int((~c).sum())))
                   .reset_index())  # fmt: skip
        for _, r in summary.iterrows():
            note = (f" (and {int(r['other'])} not counted: reported or opposing)"
                    if r["other"] else "")
            present = "" if r["matches"] else " — not present: no match supports it"
            st.html(f'<span style="display:inline-block;width:0.9em;height:0.9em;'
                    f'background:{charts.theme_color(r["theme"])};margin-right:6px"></span>'
                    f'{common.html.escape(r["theme_label"])}: {int(r["matches"])}'
                    f"{common.html.escape(note + present)}")  # fmt: skip
        shown = on_page if len(bounds) > 1 else m
        if len(shown) > MAX_MATCH_ROWS:
            st.caption(f"The first {MAX_MATCH_ROWS:,} of {len(shown):,} matches"
                       + (" on this page." if len(bounds) > 1 else "."))  # fmt: skip
        columns = ["theme_label", "direction", "counted", "kind", "score", "rule", "matched_text",
                   "reason", "start", "end"]
        st.dataframe(shown.head(MAX_MATCH_ROWS)[[c for c in columns if c in shown]],
                     hide_index=True, width="stretch",
                     column_config={"counted": st.column_config.CheckboxColumn(
                         "counted", help="Whether the match makes its theme present (a "
                         "directional theme counts only matches that support it)")})  # fmt: skip
    else:
        st.caption("No theme matched in this statement.")
