"""Trends: each theme's prevalence over time, per theme or per country, with the evidence behind
a selected point."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app_pages import common
from tracker import charts, query
from tracker.accuracy import period_recall_note


def smooth_note(window: int) -> str:
    return f"{window}-year rolling window, counts pooled" if window > 1 else ""


def recall_by_period_note(data, filters, opts) -> str | None:
    """How well the shipped default's lineage finds positions in each General Debate period
    the chart spans (held-out figures; one theme's own when the chart shows one theme); only
    when the shipped default coded the database and the General Debate is among the forums
    shown: those of the forum filter, or with none set, those the database holds."""
    acc = common.unseen_accuracy()
    book = common.codebook()
    if acc is None or book is None or book.version != common.shipped_codebook_version():
        return None
    # with no forum filter the chart shows every forum in the database, which may hold none of
    # the General Debate (a database of Security Council records only)
    shown = filters.forums or [forum for forum, _ in opts.forums]
    if not any("general debate" in f.lower() for f in shown):
        return None
    if not len(data):
        return None
    themes = data["theme"].dropna().unique() if "theme" in data else []
    theme = str(themes[0]) if len(themes) == 1 else None
    note = period_recall_note(acc, data["year"].dropna().unique(), theme=theme,
                              label=opts.theme_labels.get(theme, "") if theme else "")
    # the chart mixes in another forum that the held-out samples measured (the Security
    # Council): its own recall, so the General Debate's figures are not read as the whole
    others = [g for g in acc.groups if g.group in shown and not g.group.startswith("General Debate")]
    if note and others:
        note += "".join(f" On held-out {g.group} statements it found {g.recall:.0%} (all themes "
                        f"pooled)." for g in others)
    return note


opts = common.require_db()
filters = common.current_filters()
st.title("Trends")
common.left_out_note(filters)

min_n = common.min_statements()
c1, c2, c3 = st.columns([3, 2, 2])
lines = common.page_choice("lines", ("theme", "country"), "one line per theme is drawn")
common.follow_back("lines", "trend_mode", "per country" if lines == "country" else "per theme")
mode = c1.radio("Lines", ["per theme", "per country"], horizontal=True, key="trend_mode",
                index=1 if lines == "country" else 0)  # fmt: skip
panels = False
if mode == "per theme":
    linked_panels = common.page_choice("panels", ("0", "1"),
                                       "one chart for every theme is drawn") == "1"  # fmt: skip
    common.follow_back("panels", "trend_panels", linked_panels)
    panels = c1.toggle("One panel per theme", key="trend_panels", value=linked_panels,
                       help="Small multiples: each theme in its own panel, with its "
                       "band.")  # fmt: skip
    common.set_page_param("panels", "1" if panels else None)
else:
    common.set_page_param("panels", None)
ci_default = len(filters.themes or opts.themes) <= 4 or mode == "per country" or panels
ci_param = common.page_choice("ci", ("0", "1"), "the 95% intervals are "
                              + ("shown" if ci_default else "not shown"))  # fmt: skip
linked_ci = ci_default if ci_param not in ("0", "1") else ci_param == "1"
common.follow_back("ci", "trend_ci", linked_ci)
bands = c2.toggle("95% intervals (shares)", key="trend_ci", value=linked_ci,
                  help="Wilson score intervals of each share; they widen where few statements "
                  "stand behind a point.")  # fmt: skip
common.set_page_param("ci", None if bands == ci_default else ("1" if bands else "0"))
common.set_page_param("lines", "country" if mode == "per country" else None)
window = common.smoothing(c3, key="trend_smooth")

shown = filters  # the filters the chart's data was computed with, which its exports record
if mode == "per theme":
    data = common.trends(filters)
    if common.no_data(data):
        common.stop()
    data = query.smooth_years(data, window=window, measure=filters.measure)
    fig = charts.trend_figure(data, measure=filters.measure, ci=bands, labels=opts.theme_labels,
                              caption=common.caption_for(filters, smooth_note(window)),
                              min_n=min_n, panels=panels)  # fmt: skip
else:
    theme = common.theme_picker(opts, filters, key="trend_theme")
    f = replace(filters, themes=(theme,))
    if not (f.countries or f.groups):
        top = sorted(opts.countries, key=lambda c: -c[2])[:6]
        f = replace(f, countries=tuple(c for c, _, _ in top))
        st.caption("No countries picked in the sidebar: showing the six with the most statements"
                   + (", with the group statements of groups they belonged to counted for them "
                      "(the Countries page, with no country picked, counts none)"
                      if f.count_for_members else "") + ".")  # fmt: skip
    shown = f
    data = common.trends(f, by_country=True)
    if common.no_data(data):
        common.stop()
    data = query.smooth_years(data, window=window, measure=f.measure, by=("country", "theme"))
    names = {c: n for c, n, _ in opts.countries}
    data = data.assign(country_name=data["country"].map(lambda c: names.get(c) or c))
    label = opts.theme_labels.get(theme, theme)
    fig = charts.trend_figure(
        data, measure=f.measure, by="country", caption=common.caption_for(f, smooth_note(window)),
        ci=bands, min_n=min_n,
        title=f"{label} over time, one panel per country ({charts.MEASURE_SHORT[f.measure]})",
    )  # fmt: skip

thin = (data["n"] < min_n).mean() if len(data) else 0.0
if thin > 0.5:
    st.caption(f":material/info: {thin:.0%} of the points rest on fewer than {min_n} statements "
               "(grey): a wider Smoothing window pools neighbouring years.")  # fmt: skip
period_note = recall_by_period_note(data, filters, opts)
if period_note:
    st.caption(f":material/info: {period_note}")
event = common.show_chart(fig, data, name="trends", filters=shown, key="trend_chart")
points = common.selected_points(event)
if points:
    p = points[0]
    if len(points) > 1:
        st.caption(f"{len(points)} points selected; the evidence of the first is shown.")
    f, year, span = common.pooled_years(shown, p["year"], window)  # per country: the six drawn
    what = [opts.theme_labels.get(p["theme"], p["theme"]) if p["theme"] else "", span,
            p["country"] or ""]  # fmt: skip
    common.evidence_panel(f, theme=p["theme"], year=year, country=p["country"], key="trend_ev",
                          title=common.md("Evidence: " + " · ".join(x for x in what if x)))  # fmt: skip
else:
    st.caption("Click a point (or drag a box) to read the passages behind it.")

with st.expander("The numbers behind the chart"):
    st.dataframe(data, hide_index=True, width="stretch")
