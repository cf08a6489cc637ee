"""Validation workbench, step 3: agreement between coders per theme (Cohen's kappa,
Krippendorff's alpha), then adjudication: the agreed labels and the adjudicated disagreements
become the sample's gold. The coders' labels are shown only once adjudication is opened. One
coder's labels of the sample can be removed (a mistyped name, a coder who saw the tool's
output, a trial coder), after an explicit confirmation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import common
from app_pages import workbench_common as wbc
from tracker.errors import TrackerError
from tracker.workbench import agreement as agree
from tracker.workbench import store as wb

common.require_db()
st.title("Validation workbench: agreement and adjudication")
sample = wbc.pick_sample(key="wb_agree_sample")
labels = wbc.theme_labels()
items = wbc.items(sample.id)
all_labels = wbc.labels(sample.id)
gold = wbc.gold(sample.id)
pick_key, sure_key = f"wb_rm_coder_{sample.id}", f"wb_rm_sure_{sample.id}"


def remove_coder(coder: str) -> None:
    """The removal button's callback: it runs before the page is drawn again, so the page shows
    the labels and gold that remain, and the outcome above them."""
    if not st.session_state.get(sure_key):  # the button is disabled until then; never without
        return
    try:
        done = wbc.write(wb.remove_labels, sample.id, coder)
    except TrackerError as exc:
        st.session_state["wb_removed"] = ("error", str(exc))
    else:
        st.session_state["wb_removed"] = ("success", done.summary())
    for key in (pick_key, sure_key):  # the next removal is chosen and confirmed anew
        st.session_state.pop(key, None)


outcome = st.session_state.pop("wb_removed", None)
if outcome:
    (st.success if outcome[0] == "success" else st.error)(common.md(outcome[1]))

if all_labels.empty:
    st.info("Nobody has coded this sample yet: coders start on the **Code** page.")
    common.stop()
progress = all_labels.groupby("coder")["item_id"].nunique()
st.markdown("**Coders:** " + ", ".join(f"{common.md(c)} ({n} of {len(items)} items)"
                                       for c, n in progress.items()))  # fmt: skip
with st.expander("Remove a coder's labels"):
    st.caption("For a mistyped name (labels under “Ana” and “Ana M.”), a coder who saw the "
               "tool's output, or a trial coder whose labels must not count. Gold taken from "
               "the coders' agreement that the remaining labels no longer bear out is withdrawn "
               "(the pair is open to adjudicate again); adjudicated gold stays.")  # fmt: skip
    who = st.selectbox("Coder whose labels to remove", list(progress.index), index=None,
                       key=pick_key, placeholder="Pick a coder",
                       on_change=lambda: st.session_state.pop(sure_key, None))  # fmt: skip
    if who is not None:
        count = int((all_labels["coder"] == who).sum())
        sure = st.checkbox(f"I understand that the {count} labels of {common.md(who)} in this "
                           f"sample ({int(progress[who])} items) are deleted for good",
                           key=sure_key)  # fmt: skip
        st.button(f"Remove the labels of {common.md(who)}", key="wb_rm_labels", type="primary",
                  disabled=not sure, on_click=remove_coder, args=(who,))  # fmt: skip

st.subheader("Agreement per theme")
table = agree.agreement_table(all_labels, list(sample.themes))
shown = table.assign(theme=table["theme"].map(lambda t: labels.get(t, t)))
st.dataframe(
    shown, hide_index=True, key="wb_agreement_table", width="stretch",
    column_config={
        "items": st.column_config.NumberColumn("items", help="Items two coders or more labelled"),
        "observed": st.column_config.NumberColumn("agreement", format="percent"),
        "kappa": st.column_config.NumberColumn(
            "Cohen's kappa", format="%.3f",
            help="Two coders: Cohen's kappa; more: the mean of every pair's, weighted by the "
                 "items the pair shares (pairs whose shared labels are all one value left out). "
                 "Empty when every label is the same value."),
        "alpha": st.column_config.NumberColumn(
            "Krippendorff's alpha", format="%.3f",
            help="Nominal, any number of coders, missing labels allowed. Empty when every label "
                 "is the same value."),
    },
)  # fmt: skip
if len(progress) < 2:
    st.caption("Agreement needs two coders or more on the same items.")

st.subheader("Adjudication")
stored_note = st.empty()  # filled once the buttons below have written what they write


def say_stored(decisions: int) -> None:
    stored_note.caption(f"Gold decisions stored for this sample: {decisions} "
                        f"(of {len(items) * len(sample.themes)} item-theme pairs).")  # fmt: skip


say_stored(len(gold))
if flash := st.session_state.pop("wb_saved_note", None):  # what the last save wrote
    st.success(flash)
if not st.toggle("Open adjudication (shows every coder's labels)", key="wb_adj_open"):
    st.caption("Coders never see each other's labels; open this once coding is finished.")
    common.stop()
adjudicator = st.text_input("Adjudicator", key="wb_adjudicator").strip()

agreed = agree.agreed(all_labels)
if st.button(f"Save the {len(agreed)} agreed labels as gold", key="wb_accept_agreed",
             disabled=not agreed,
             help="Every item-theme pair all its coders labelled alike; an existing gold decision "
                  "is kept."):  # fmt: skip
    written = wbc.write(wb.save_gold, agreed, source="agreement", adjudicator="", replace=False)
    # drawn again from the start: the counts above and the disagreements below were drawn
    # before the save (the page read "57 of 60 stored, 3 not adjudicated" after it)
    st.session_state["wb_saved_note"] = f"{written} agreed labels saved as gold."
    st.rerun()

differing = agree.disagreements(all_labels)
if differing.empty:
    st.success("The coders agree on every item-theme pair they both labelled.")
else:
    decided = {(int(i), t): bool(p)
               for i, t, p in zip(gold["item_id"], gold["theme"], gold["present"])}  # fmt: skip
    coders = sorted(all_labels["coder"].unique())
    open_count = sum((int(r.item_id), r.theme) not in decided for r in differing.itertuples())
    st.markdown(f"**{len(differing)} disagreements**, {open_count} not adjudicated yet.")
    choices: dict[tuple, str | None] = {}
    for row in differing.to_dict("records"):
        item_id, theme = int(row["item_id"]), row["theme"]
        with st.container(key=f"wb_dis_{item_id}_{theme}", border=True):
            where = f"item {int(row['position'])} · {common.md(row['source'])}"
            if not pd.isna(row["passage_seq"]):
                where += f", passage {int(row['passage_seq'])}"
            st.markdown(f"**{common.md(labels.get(theme, theme))}** — {where}")
            cols = st.columns(len(coders) + 1)
            for col, c in zip(cols, coders):
                value, quote = row.get(c), row.get(f"{c} evidence")
                said = "—" if pd.isna(value) else ("present" if value else "absent")
                col.markdown(f"**{common.md(c)}**: {said}")
                if isinstance(quote, str) and quote:
                    col.caption(f"“{common.md(' '.join(str(quote).split())[:400])}”")
            previous = decided.get((item_id, theme))
            choices[(item_id, theme)] = cols[-1].radio(
                "Gold", ["present", "absent"], key=f"wb_adj_{item_id}_{theme}", horizontal=True,
                index=None if previous is None else (0 if previous else 1),
            )  # fmt: skip
            quotes = [q for c in coders if isinstance(q := row.get(f"{c} evidence"), str) and q]
            choices[(item_id, theme, "evidence")] = quotes[0] if quotes else ""
            st.page_link(st.session_state["_pages"]["statement"], label="Open the statement",
                         query_params={"id": str(int(row["statement_id"]))},
                         icon=":material/article:")  # fmt: skip
    if st.button("Save the adjudicated labels as gold", key="wb_adj_save", type="primary"):
        rows = [(i, t, v == "present", choices[(i, t, "evidence")] if v == "present" else "")
                for (i, t, *rest), v in choices.items() if not rest and v is not None]  # fmt: skip
        if not adjudicator:
            st.error("Type the adjudicator's name first: it goes into the method paragraph.")
        elif not rows:
            st.warning("No disagreement has a gold label picked yet.")
        else:
            written = wbc.write(wb.save_gold, rows, source="adjudicated", adjudicator=adjudicator)
            st.session_state["wb_saved_note"] = f"{written} adjudicated labels saved as gold."
            st.rerun()  # the stored count and the open disagreements above, as they are now

gold = wbc.gold(sample.id)
if len(gold):
    st.page_link(st.session_state["_pages"]["wb_report"], label="See the validation report",
                 icon=":material/fact_check:", query_params={"sample": str(sample.id)})  # fmt: skip
    with st.expander(f"The gold ({len(gold)} decisions)"):
        st.dataframe(gold.assign(theme=gold["theme"].map(lambda t: labels.get(t, t)))[
            ["position", "source", "passage_seq", "theme", "present", "evidence", "gold_source",
             "adjudicator"]], hide_index=True, key="wb_gold_table", width="stretch")  # fmt: skip
