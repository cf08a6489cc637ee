"""Statement: the full cleaned text with every match highlighted, its metadata with where each
value came from, and its source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import common
from tracker import charts

opts = common.require_db()
filters = common.current_filters()
st.title("Statement")

wanted = common.page_param("id") or str(st.session_state.get("statement_id") or "")
sid = int(wanted) if wanted.isdigit() else None

with st.expander("Find a statement", expanded=sid is None):
    text = st.text_input("Source, speaker or country", key="st_find")
    found = common.run("statements_list", filters, search=text.strip(), limit=300)
    if found.empty:
        st.info("No statement under these filters matches.")
    else:
        ev = st.dataframe(found, hide_index=True, on_select="rerun", selection_mode="single-row",
                          key="st_list", width="stretch")  # fmt: skip
        if ev.selection.rows:
            sid = int(found.iloc[ev.selection.rows[0]]["id"])

if sid is None:
    st.info("Pick a statement above, or open one from the evidence.")
    st.stop()
common.set_page_param("id", str(sid))
st.session_state["statement_id"] = sid

detail = common.run("statement_detail", statement_id=sid)
if detail is None:
    st.warning(f"There is no statement {sid} in this database.")
    st.stop()

meta = detail.metadata
head = " · ".join(x for x in (meta.get("country_name") or meta.get("country"), meta.get("date"),
                              meta.get("forum")) if x)  # fmt: skip
st.subheader(head or f"Statement {sid}")
if meta.get("duplicate_of"):
    st.info(f"This statement is a copy of statement {meta['duplicate_of']} "
            f"(similarity {meta.get('similarity') or 0:.2f}); charts count the original only.")  # fmt: skip
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
            st.error(str(exc))
        else:
            st.cache_data.clear()
            st.rerun()
if detail.duplicates:
    st.caption("Copies of this statement: " + ", ".join(str(d) for d in detail.duplicates))

left, right = st.columns([3, 2])
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
    if meta.get("source_url"):
        st.markdown(f"[Original document]({meta['source_url']})")
    if detail.flags:
        st.warning("Flags: " + ", ".join(detail.flags))
    for w in detail.warnings:
        st.caption(f"⚠ {w}")
    m = detail.matches
    if len(m):
        st.markdown("**Themes found**")
        summary = m.groupby(["theme", "theme_label"]).size().reset_index(name="matches")
        for _, r in summary.iterrows():
            st.html(f'<span style="display:inline-block;width:0.9em;height:0.9em;'
                    f'background:{charts.theme_color(r["theme"])};margin-right:6px"></span>'
                    f'{common.html.escape(r["theme_label"])}: {int(r["matches"])}')  # fmt: skip
        st.dataframe(m[["theme_label", "kind", "score", "rule", "matched_text", "start", "end"]],
                     hide_index=True, width="stretch")  # fmt: skip
    else:
        st.caption("No theme matched in this statement.")

with left:
    st.markdown(f"**Text** ({int(meta.get('words') or 0):,} words; matches highlighted)")
    spans = [(int(s), int(e), t) for s, e, t in zip(detail.matches.get("start", []),
                                                    detail.matches.get("end", []),
                                                    detail.matches.get("theme", []))]  # fmt: skip
    st.html(common.highlight_html(detail.text, spans))
