"""Codebook and method: the active codebook's themes, definitions and rules, its version, how
the numbers are counted, and the validation figures when gold labels are loaded."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import common
from tracker import charts

opts = common.require_db()
filters = common.current_filters()
st.title("Codebook and method")

book = common.codebook()
if book is None:
    st.warning("The database records no active codebook. Ingest statements (which records the "
               "codebook used) or run `tracker match --codebook FILE`.")  # fmt: skip
    st.stop()

c1, c2, c3 = st.columns(3)
c1.metric("Codebook", book.name or "(unnamed)")
c2.metric("Version", book.version[:12] if book.version else "?")
c3.metric("Statements", f"{opts.statements:,}")
st.caption(f"Languages covered: {', '.join(book.languages) or 'not stated'}"
           + (f" · file: `{book.path}`" if book.path else ""))  # fmt: skip

st.subheader("Themes")
for t in book.themes or [
    common.query.ThemeInfo(x, opts.theme_labels.get(x, x)) for x in opts.themes
]:
    color = charts.theme_color(t.id)
    with st.expander(f"{t.label}  ·  `{t.id}`"):
        st.html(f'<span style="display:inline-block;width:2.2em;height:0.9em;background:{color}">'
                f'</span> <span style="color:#555">colour in every chart ({color})</span>')  # fmt: skip
        if t.definition:
            st.markdown("**Definition.** " + t.definition.replace("*", r"\*"))
        if t.rules:
            st.markdown("**Rules**")
            st.code("\n".join(t.rules), language=None, wrap_lines=True)

st.subheader("Matches by kind")
kinds = common.run("kind_counts", filters)
if not kinds.empty:
    fig = charts.kinds_figure(kinds, caption=common.caption_for(filters))
    common.show_chart(fig, kinds, name="matches_by_kind", filters=filters, key="kinds",
                      selectable=False)  # fmt: skip

st.subheader("How the numbers are counted")
st.markdown(
    """
- **Statement**: one speaker's speech in one meeting. Copies of the same speech (the same text from
  another source) are counted once, as the best source, unless *Include duplicates* is ticked.
- **Share of statements** (prevalence): the share of the selected statements with at least one
  match of the theme. The band around each line is its Wilson 95% confidence interval; hover a
  point to see how many statements it stands on.
- **Matches per 1,000 words** (rate): all matches of the theme divided by all words of the selected
  statements, times 1,000.
- **Match kinds**: *exact* (a codebook phrase as written), *fuzzy* (a near-spelling, e.g. OCR
  errors), *proximity* (the rule's terms near each other).
- Statements in languages the codebook has no phrases for are left out by default: the codebook
  could not find anything in them, and counting them would lower every share.
"""
)

st.subheader("Validation")
try:
    from tracker import validate
except ImportError:
    validate = None
gold = None
for name in ("stored_gold", "gold_summary", "load_stored_gold"):
    fn = getattr(validate, name, None) if validate else None
    if fn:
        try:
            gold = fn(str(common.db_path()))
        except Exception:  # noqa: BLE001 (no gold loaded)
            gold = None
        break
if isinstance(gold, pd.DataFrame) and not gold.empty:
    st.dataframe(gold, hide_index=True, width="stretch")
else:
    st.info("No gold labels are loaded for this database. Measure the codebook with "
            "`tracker validate GOLD.tsv --db DB` (precision, recall and F1 per theme against "
            "hand-coded statements).")  # fmt: skip

with st.expander("The codebook file"):
    st.code(book.text, language="yaml")
    st.download_button("Download the codebook", book.text, file_name=f"codebook-{book.version[:12]}.yaml",
                       mime="text/yaml", key="dl_codebook", on_click="ignore")  # fmt: skip
