"""Validation workbench, step 4: the tool against the sample's gold. Precision, recall and F1
per theme and pooled with bootstrap intervals, by match kind, every false positive and negative
with its passage (one click opens its statement), the method paragraph, and the exports."""

from __future__ import annotations

import streamlit as st

from app_pages import common
from app_pages import workbench_common as wbc
from tracker import charts, export
from tracker.errors import TrackerError
from tracker.workbench import gold as wb_gold
from tracker.workbench import report as wb_report
from tracker.workbench import store as wb

#: Errors listed one by one with their link (the table above holds them all).
MAX_ERRORS = 200

common.require_db()
st.title("Validation workbench: report")
sample = wbc.pick_sample(key="wb_report_sample")
labels = wbc.theme_labels()


@st.cache_data(max_entries=16, show_spinner="Scoring the tool against the gold…")
def _report(db: str, mark: tuple, sample_id: int) -> wb_report.WorkbenchReport:
    return wb_report.build_report(db, sample_id)


try:
    rep = _report(str(common.db_path()), common.marker(), sample.id)
except TrackerError as exc:
    st.info(f"{common.md(exc)}.")
    st.page_link(st.session_state["_pages"]["wb_agree"], label="Agreement and adjudication",
                 icon=":material/balance:")  # fmt: skip
    common.stop()

r = rep.scores
if rep.missing_themes:
    st.warning("The gold names theme(s) the database's codebook does not have, each positive of "
               f"them counted as a miss: {common.md(', '.join(rep.missing_themes))}. Re-match "
               "with a codebook that has them, or read these figures without them.")  # fmt: skip
if rep.open_disagreements:
    st.warning(
        f"{rep.open_disagreements} disagreement{'s' if rep.open_disagreements > 1 else ''} "
        "between the coders not yet adjudicated: left out of the gold, so out of these figures "
        "(and of the gold TSV). Adjudicate them on the **Agreement** page."
    )
st.caption(f"Codebook {common.md(rep.codebook_name)} ({rep.codebook_version[:12]}) · {r.statements} "
           f"{sample.items_label} with gold · {rep.n_boot} bootstrap resamples")  # fmt: skip
m = st.columns(4)
m[0].metric("Micro precision", f"{r.micro_p:.3f}")
m[1].metric("Micro recall", f"{r.micro_r:.3f}")
m[2].metric("Micro F1", f"{r.micro_f1:.3f}",
            help=f"95% bootstrap interval {r.micro_f1_ci[0]:.3f}-{r.micro_f1_ci[1]:.3f}")  # fmt: skip
m[3].metric("Macro F1", f"{r.macro_f1:.3f}")
st.caption(f"Micro F1 95% interval: {r.micro_f1_ci[0]:.3f}–{r.micro_f1_ci[1]:.3f}.")

st.subheader("Per theme")
per_theme = rep.per_theme.assign(theme=rep.per_theme["theme"].map(lambda t: labels.get(t, t)))
ratio = {c: st.column_config.NumberColumn(c, format="%.3f")
         for c in ("precision", "recall", "f1", "f1_low", "f1_high")}  # fmt: skip
st.dataframe(per_theme, hide_index=True, key="wb_theme_scores", width="stretch", column_config={
    **ratio, "f1_low": st.column_config.NumberColumn("F1 95% low", format="%.3f"),
    "f1_high": st.column_config.NumberColumn("F1 95% high", format="%.3f"),
})  # fmt: skip

st.subheader("By match kind")
st.caption("Micro figures when a theme counts as found only through matches of these kinds.")
st.dataframe(rep.by_kind, hide_index=True, key="wb_kind_scores", width="stretch",
             column_config=ratio)  # fmt: skip

fps, fns = ((rep.errors["error"] == kind).sum() for kind in ("false positive", "false negative"))
st.subheader(f"Errors: {charts.plural(int(fps), 'false positive', 'false positives')}, "
             f"{charts.plural(int(fns), 'false negative', 'false negatives')}")  # fmt: skip
if rep.errors.empty:
    st.caption("None: the tool agrees with the gold on every decision.")
else:
    errors = rep.errors.assign(theme=rep.errors["theme"].map(lambda t: labels.get(t, t)))
    st.dataframe(
        errors[["error", "url", "position", "file", "country", "year", "theme", "passage",
                "tool_evidence", "gold_evidence"]],
        hide_index=True, key="wb_errors", width="stretch",
        column_config={
            "url": st.column_config.LinkColumn("statement", display_text="open ↗",
                                               help="Opens the statement in a new tab"),
            "passage": st.column_config.TextColumn("passage", width="large"),
        },
    )  # fmt: skip
    with st.expander(f"Read the errors one by one (first {min(len(errors), MAX_ERRORS)})",
                     expanded=len(errors) <= 20):  # fmt: skip
        for n, row in enumerate(errors.head(MAX_ERRORS).to_dict("records")):
            with st.container(key=f"wb_error_{n}", border=True):
                quote = " ".join(str(row["passage"] or row["tool_evidence"] or "").split())
                said = (f": “{common.md(quote)}”" if quote else
                        " (the coders quoted no evidence)")  # fmt: skip
                st.markdown(f"**{row['error']}** · {common.md(row['theme'])} · "
                            f"{common.md(row['file'])}{said}")  # fmt: skip
                st.page_link(st.session_state["_pages"]["statement"],
                             label=f"Open statement {int(row['statement_id'])}",
                             query_params={"id": str(int(row["statement_id"]))},
                             icon=":material/article:")  # fmt: skip

st.subheader("Method paragraph")
paragraph = wb_report.method_paragraph(rep)
st.markdown(paragraph)
st.code(paragraph, language="markdown", wrap_lines=True)

st.subheader("Exports")
stem = f"validation_sample{sample.id}"
d = st.columns(5)
d[0].download_button("Report (CSV)", wb_report.report_csv(rep).encode("utf-8-sig"),
                     file_name=f"{stem}_report.csv", mime="text/csv", key="wb_dl_report",
                     on_click="ignore")  # fmt: skip
view = common.view_url()
provenance = {"codebook_version": rep.codebook_version, "view": view}
d[1].download_button("Errors (CSV)", export.table_csv(export.stamped(rep.errors, **provenance)),
                     file_name=f"{stem}_errors.csv",
                     mime="text/csv", key="wb_dl_errors", on_click="ignore")  # fmt: skip
d[2].download_button("Method (Markdown)", paragraph + "\n", file_name=f"{stem}_method.md",
                     mime="text/markdown", key="wb_dl_method", on_click="ignore")  # fmt: skip
d[3].download_button("Labels (CSV)",
                     export.table_csv(export.stamped(wbc.labels(sample.id), **provenance)),
                     file_name=f"{stem}_labels.csv", mime="text/csv", key="wb_dl_labels",
                     on_click="ignore", help="Every coder's labels with their evidence")  # fmt: skip
if sample.unit == "statement":
    with wb.open_store(common.db_path(), readonly=True) as store:
        tsv = wb_gold.gold_tsv(store, sample_id=sample.id)
    d[4].download_button("Gold (TSV)", tsv, file_name=f"{stem}_gold.tsv",
                         mime="text/tab-separated-values", key="wb_dl_gold", on_click="ignore",
                         help="The TSV `tracker validate --gold` reads: it gives these figures")  # fmt: skip
else:
    d[4].caption("A passage sample has no statement gold TSV.")
