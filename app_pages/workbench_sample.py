"""Validation workbench, step 1: draw a sample of statements or passages from the current
filters (random or stratified, with a recorded seed) and store it in the database."""

from __future__ import annotations

import json
import secrets

import pandas as pd
import streamlit as st

from app_pages import common
from app_pages import workbench_common as wbc
from tracker.errors import TrackerError
from tracker.workbench import sample as sampling

opts = common.require_db()
filters = common.current_filters()
st.title("Validation workbench: draw a sample")
st.caption("Draw statements or passages to code by hand from the statements the sidebar's filters "
           "select. The sample is stored in the database with its seed, so it survives a restart "
           "and can be drawn again; coders then code it on the **Code** page.")  # fmt: skip
drawn_from = sampling.population_words(filters) or "every statement"
st.markdown(f"**Drawn from:** {common.md(drawn_from)}")
if filters.themes or filters.kinds or filters.directions:
    st.caption("The theme, match-kind and direction filters select matches, not statements: "
               "they do not narrow the draw (stratify by whether the tool found a theme below).")

labels = wbc.theme_labels()
themes = list(opts.themes)
if "wb_seed" not in st.session_state:
    st.session_state["wb_seed"] = secrets.randbelow(1_000_000)

c1, c2, c3 = st.columns(3)
unit = c1.radio("Unit", ["statement", "passage"], key="wb_unit", horizontal=True,
                format_func={"statement": "statements", "passage": "passages (sentences)"}.get,
                help="Statement samples give gold labels `tracker validate` reads; passage "
                     "samples are scored passage by passage.")  # fmt: skip
size = c2.number_input("Size", 1, 5000, 20, key="wb_size")
seed = c3.number_input("Seed", 0, 2**31 - 1, key="wb_seed",
                       help="Recorded with the sample: the same filters, design and seed draw the "
                            "same sample.")  # fmt: skip
strata = st.multiselect(
    "Stratify by", list(sampling.STRATA), key="wb_strata", placeholder="nothing (simple random)",
    format_func=lambda s: {"match": "theme match / no match"}.get(s, s),
)  # fmt: skip
match_theme, allocation = "", "proportional"
if strata:
    s1, s2 = st.columns(2)
    if "match" in strata:
        match_theme = s1.selectbox("Match of", [""] + themes, key="wb_match_theme",
                                   format_func=lambda t: labels.get(t, t) if t else "any theme")  # fmt: skip
    allocation = s2.radio("Allocation", list(sampling.ALLOCATIONS), key="wb_alloc", horizontal=True,
                          help="Proportional: each stratum in proportion to its size. Equal: the "
                               "same number from each (over-samples rare strata).")  # fmt: skip
coded_themes = st.multiselect("Themes to code", themes, default=themes, key="wb_themes",
                              format_func=lambda t: labels.get(t, t))  # fmt: skip
name = st.text_input("Name (optional)", key="wb_name",
                     placeholder="e.g. 2024 General Debate, round 1")  # fmt: skip

design = None
try:
    design = sampling.Design(size=int(size), seed=int(seed), unit=unit, strata=tuple(strata),
                             match_theme=match_theme, allocation=allocation,
                             themes=tuple(coded_themes), name=name.strip())  # fmt: skip
except TrackerError as exc:
    st.error(common.md(exc))


@st.cache_data(max_entries=16, show_spinner="Counting what the filters select…")
def _strata_sizes(db: str, mark: tuple, filters_json: str,
                  design_json: str) -> tuple[pd.DataFrame, int]:  # fmt: skip
    from tracker.query import Filters

    pool, left_out = sampling.population(db, Filters.from_dict(json.loads(filters_json)),
                                         sampling.Design(**json.loads(design_json)))  # fmt: skip
    if pool.empty:
        return pd.DataFrame(), left_out
    sizes = pool.groupby("stratum").size().reset_index(name="units")
    return sizes, left_out


if design is not None:
    keyed = {"size": 1, "unit": design.unit, "strata": list(design.strata),
             "match_theme": design.match_theme, "allocation": design.allocation}  # fmt: skip
    sizes, left_out = _strata_sizes(str(common.db_path()), common.marker(),
                                    json.dumps(filters.to_dict(), sort_keys=True),
                                    json.dumps(keyed, sort_keys=True))  # fmt: skip
    total = int(sizes["units"].sum()) if len(sizes) else 0
    st.caption(f"The filters select {total:,} {unit}s"
               + (f" ({left_out} statements left out: another statement has the same file name, "
                  "and a gold TSV names statements by file)" if left_out else "") + ".")  # fmt: skip
    if strata and len(sizes):
        quota = sampling.allocate(dict(zip(sizes["stratum"], sizes["units"])),
                                  min(int(size), total), allocation)  # fmt: skip
        st.dataframe(sizes.assign(drawn=sizes["stratum"].map(quota)), hide_index=True,
                     key="wb_strata_table")  # fmt: skip
    if st.button("Draw and store the sample", key="wb_draw", type="primary",
                 disabled=not coded_themes):  # fmt: skip
        try:
            new_id = sampling.draw_sample(common.db_path(), filters, design)
        except TrackerError as exc:
            st.error(common.md(exc))
            # the last draw's "stored" note beside this error read as this draw's outcome
            st.session_state.pop("wb_last_drawn", None)
        else:
            st.cache_data.clear()
            st.session_state["wb_sample_id"] = new_id
            st.session_state["wb_last_drawn"] = new_id

drawn = st.session_state.get("wb_last_drawn")
if drawn:
    st.success(f"Sample #{drawn} is stored. Coders can start on the Code page.")
    st.page_link(st.session_state["_pages"]["wb_code"], label="Code this sample",
                 icon=":material/edit_note:", query_params={"sample": str(drawn)})  # fmt: skip

st.subheader("Stored samples")
stored = wbc.samples()
if not stored:
    st.caption("None yet.")
else:
    rows = []
    for s in stored:
        lab = wbc.labels(s.id)
        done = lab.groupby("coder")["item_id"].nunique().to_dict() if len(lab) else {}
        rows.append({"id": s.id, "name": s.name, "unit": s.unit, "design": s.design,
                     "strata": ", ".join(s.strata), "size": s.size, "seed": s.seed,
                     "population": s.population,
                     "coders (items coded)": ", ".join(f"{c} ({n})" for c, n in sorted(done.items())),
                     "gold decisions": len(wbc.gold(s.id)), "drawn": s.created_at})  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="wb_samples_table", width="stretch")
