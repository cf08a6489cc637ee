"""Codebook and method: the active codebook's themes, definitions and rules, its version, how
the numbers are counted, the validation figures when gold labels are loaded, suggestions, and
the codebook editor (``app_pages/codebook_editor.py``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import codebook_editor, common
from tracker import charts
from tracker.accuracy import UnseenGroup, load_unseen_accuracy
from tracker.errors import TrackerError

MIN_POSITIVES = 10  # fewer held-out positives than this: too few to read a recall from


def show_unseen_accuracy(active_version: str, labels: dict[str, str]) -> None:
    """The default codebook's pooled figures on held-out speeches (benchmarks/unseen.py)."""
    try:
        acc = load_unseen_accuracy()
    except TrackerError as exc:
        st.warning(f"The held-out figures could not be read: {exc}")
        return
    st.markdown(
        f"Measured on **{acc.statements:,} speeches that the default codebook of the time had "
        f"not been written from**: {len(acc.held_out_files)} samples of General Debate speeches "
        f"of every decade and Security Council turns, each coded by two independent coders and "
        f"scored once with the default codebook frozen before its labels were read (rules "
        f"only): precision {acc.precision:.2f}, recall {acc.recall:.2f}, F1 {acc.f1:.2f} (95% CI "
        f"{acc.f1_ci[0]:.2f}-{acc.f1_ci[1]:.2f}), statement level. **Recall** is the share of the "
        f"positions a careful coder finds that the tool finds: where it is low, shares of "
        f"statements undercount the theme, and a trend can follow how a theme is worded as much "
        f"as how often it is stated."
    )
    rows = []
    for t in acc.themes:
        enough = t.positives >= MIN_POSITIVES
        rows.append({
            "theme": labels.get(t.theme, t.theme),
            "positions found by the coders": t.positives,
            "found by the tool": t.tp,
            "wrongly found": t.fp,
            "precision": round(t.precision, 2) if t.precision is not None and enough else None,
            "recall": round(t.recall, 2) if t.recall is not None and enough else None,
            "F1": round(t.f1, 2) if t.f1 is not None and enough else None,
        })  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    show_unseen_groups(acc.groups, labels)
    note = (f"Themes with fewer than {MIN_POSITIVES} positions in these samples (the digital "
            f"themes are rare before 2000) show no rates. Later versions of the default were "
            f"written with these speeches in view, so they are not measured here; "
            f"`{acc.command}` recomputes the table.")
    if active_version != common.shipped_codebook_version():
        note = (f"The active codebook ({active_version[:12]}) is not the shipped default: these "
                f"figures are the default's, not its own. " + note)
    st.caption(note)


def unseen_group_rows(groups: Sequence[UnseenGroup], labels: dict[str, str]) -> list[dict]:
    """One row per forum and period: its pooled figures, then the recall of each theme that has
    enough positions in some group (blank where that group has too few)."""
    themes = [t.theme for g in groups for t in g.themes if t.positives >= MIN_POSITIVES]
    themes = list(dict.fromkeys(themes))
    rows = []
    for g in groups:
        row: dict = {
            "forum and period": g.group, "speeches": g.statements,
            "positions found by the coders": g.positives, "precision": round(g.precision, 2),
            "recall": round(g.recall, 2), "F1": round(g.f1, 2),
            "F1 95% CI": f"{g.f1_ci[0]:.2f}-{g.f1_ci[1]:.2f}",
        }
        by_theme = {t.theme: t for t in g.themes}
        for theme in themes:
            t = by_theme.get(theme)
            recall = t.recall if t is not None and t.positives >= MIN_POSITIVES else None
            shown = round(recall, 2) if recall is not None else None
            row[f"recall: {labels.get(theme, theme)}"] = shown
        rows.append(row)
    return rows


def show_unseen_groups(groups: Sequence[UnseenGroup], labels: dict[str, str]) -> None:
    """The held-out figures by forum and period: recall differs by period, so a trend over
    decades is read against it."""
    if not groups:
        return
    st.markdown(
        "**By forum and period.** Older speeches state the themes in words of their time, so "
        "the tool finds fewer of their positions: compare a theme's trend across decades with "
        "its recall in each period before reading a rise as a change in what states say."
    )
    st.dataframe(pd.DataFrame(unseen_group_rows(groups, labels)), hide_index=True,
                 width="stretch")


opts = common.require_db()
filters = common.current_filters()
st.title("Codebook and method")

book = common.codebook()
if book is None:
    st.warning("The database records no active codebook. Ingest statements (which records the "
               "codebook used) or run `tracker match --codebook FILE`.")  # fmt: skip
    common.stop()

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
kinds = common.kind_counts(filters)
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
- **Matches per 1,000 words** (rate): the theme's counted matches (those whose direction fits its
  definition, see *Direction*) divided by all words of the selected statements, times 1,000.
- **Match kinds**: *exact* (a codebook phrase as written), *fuzzy* (a near-spelling, e.g. OCR
  errors), *proximity* (the rule's terms near each other), *semantic* (a passage the codebook's
  semantic model scores above its calibrated threshold, with no rule match; its reason names the
  words behind it and the nearest exemplar, when one is at all similar). Deselect *semantic* under *Match kind* to count the
  rules alone.
- **Direction**: every match *supports* its theme's position, *opposes* it ("sanctions must be
  maintained"), or *reports* it (others' words, the speaker's own sanctions, the end of the Cold
  War described). Where the definition carries a direction (condemns sanctions, calls for Council
  reform, rejects bloc politics, ...) only supporting matches make the theme present; the others
  stay in the evidence, marked "not counted".
- Statements in languages the codebook has no phrases for are left out by default: the codebook
  could not find anything in them, and counting them would lower every share.
"""
)

st.subheader("How far to trust each theme")
show_unseen_accuracy(book.version, opts.theme_labels)

st.subheader("Validation")
st.caption("Hand-coded labels (a TSV with `file`, `theme`, `present` and `evidence`, as "
           "`tracker validate --gold` reads) measure the stored coding: precision, recall and F1 "
           "per theme, with bootstrap 95% intervals.")  # fmt: skip
uploaded = st.file_uploader("Gold labels (TSV)", type=["tsv", "txt"], key="gold_upload")
gold_path = os.environ.get("TRACKER_GOLD", "")
gold_bytes = uploaded.getvalue() if uploaded is not None else None
gold_name = uploaded.name if uploaded is not None else gold_path
if gold_bytes is None and gold_path and Path(gold_path).is_file():
    gold_bytes = Path(gold_path).read_bytes()
given_gold = gold_bytes  # the editor reads the workbench's gold itself: only a file is passed
if gold_bytes is None:  # no file given: the gold adjudicated in this database's workbench
    stored, still_open = common.workbench_gold()
    if stored:
        gold_bytes, gold_name = stored, "the validation workbench's gold"
        decisions = len(stored.splitlines()) - 1
        st.caption("Measured against the gold adjudicated in the validation workbench "
                   f"(every statement sample of this database, {decisions:,} "
                   "decisions); upload a TSV to measure against another."
                   + (f" {still_open} disagreement(s) between coders are not adjudicated yet "
                      "and not in it." if still_open else ""))  # fmt: skip
if gold_bytes is None:
    st.info("No gold labels loaded: upload a TSV above (or set `TRACKER_GOLD` to its path), "
            "adjudicate a sample in the validation workbench, or run "
            "`tracker validate --gold GOLD.tsv --db DB`.")  # fmt: skip
else:
    try:
        report = common.validation_report(gold_bytes, book.version, gold_name)
    except TrackerError as exc:
        st.error(str(exc))
    else:
        unknown = sorted({t.theme for t in report.per_theme} - set(book.theme_ids))
        if unknown:
            st.warning("The gold names theme(s) the codebook does not have, each positive of "
                       f"them counted as a miss: {common.md(', '.join(unknown))}.")  # fmt: skip
        m1, m2, m3 = st.columns(3)
        lo, hi = report.micro_f1_ci
        m1.metric("Micro F1", f"{report.micro_f1:.3f}", help=f"95% CI {lo:.3f}-{hi:.3f}")
        m2.metric("Macro F1", f"{report.macro_f1:.3f}")
        m3.metric("Gold statements", f"{report.statements:,}")
        # a score with nothing to divide by is left empty, as `tracker validate` shows "-"
        rows = []
        for t in report.per_theme:
            p, r, f1 = (None if v is None else round(v, 3) for v in t.defined())
            rows.append({"theme": t.theme, "gold positives": t.support, "tp": t.tp, "fp": t.fp,
                         "fn": t.fn, "precision": p, "recall": r, "F1": f1})  # fmt: skip
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        met = report.targets_met()
        st.caption("Targets: " + "; ".join(f"{'met' if ok else 'NOT met'}: {name}"
                                           for name, ok in met.items()))  # fmt: skip
        with st.expander(f"False positives ({len(report.false_positives)}) and false "
                         f"negatives ({len(report.false_negatives)})"):  # fmt: skip
            st.dataframe(pd.DataFrame(report.false_positives, columns=["file", "theme", "evidence"]),
                         hide_index=True, width="stretch")  # fmt: skip
            st.dataframe(pd.DataFrame(report.false_negatives,
                                      columns=["file", "theme", "gold evidence"]),
                         hide_index=True, width="stretch")  # fmt: skip

st.subheader("Suggestions for the codebook")
st.caption("Passages most likely to express a theme that no rule of it matches (ranked by the "
           "semantic model), and the word sequences most over-represented in them: candidates "
           "for new phrases. The same as `tracker suggest --theme ID`.")  # fmt: skip
active = common.active_codebook_text()
if active is None:
    st.info("No codebook text is recorded in this database.")
else:
    ids = [t.id for t in book.themes] if book.themes else list(opts.themes)
    sc1, sc2 = st.columns([3, 1])
    theme_id = sc1.selectbox("Theme", ids, key="sg_theme",
                             format_func=lambda t: opts.theme_labels.get(t, t))  # fmt: skip
    sample = sc2.number_input("Statements read", 200, 20000, common.SUGGEST_SAMPLE, step=200,
                              key="sg_sample")  # fmt: skip
    if st.button("Find passages no rule matches", key="sg_go"):
        try:
            found, candidates = common.suggestions(str(common.db_path()), book.version, active[0],
                                                   active[1], theme_id, int(sample))  # fmt: skip
        except TrackerError as exc:
            st.error(common.md(str(exc)))
        else:
            st.dataframe(found, hide_index=True, width="stretch")
            st.markdown("**Candidate phrases**")
            st.dataframe(candidates, hide_index=True, width="stretch")

codebook_editor.show(book, given_gold)

with st.expander("The codebook file"):
    st.code(book.text, language="yaml")
    st.download_button("Download the codebook", book.text, file_name=f"codebook-{book.version[:12]}.yaml",
                       mime="text/yaml", key="dl_codebook", on_click="ignore")  # fmt: skip
