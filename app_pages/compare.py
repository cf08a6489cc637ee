"""Compare: two countries or two groups side by side, over time and per theme, with the
difference."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app_pages import common
from tracker import charts, query
from tracker.query import Side

opts = common.require_db()
filters = common.current_filters()
st.title("Compare")
min_n = common.min_statements()

names = {c: n for c, n, _ in opts.countries}
choices = [c for c, _, _ in opts.countries] + [f"group:{g}" for g in opts.groups]
picked = ",".join(sorted(filters.countries))
if len(filters.countries) > 1:  # the set picked in the sidebar is a side too
    choices.insert(0, picked)
for param in ("a", "b"):  # a set from a copied link
    wanted_set = common.page_param(param)
    if "," in wanted_set and wanted_set not in choices:
        codes = [c for c in wanted_set.split(",") if c in names]
        if codes:
            choices.insert(0, ",".join(codes))


def label(value: str) -> str:
    if value.startswith("group:"):
        return f"Group: {value[6:]}"
    if "," in value:
        return f"Set: {value.replace(',', ', ')}"
    return (
        f"{names.get(value) or value} ({value})"
        if names.get(value) not in (None, "", value)
        else value
    )


unknown: dict[str, str] = {}  # side -> what a link asked for that this database does not have


def default(param: str, fallback: str) -> str:
    wanted = common.page_param(param)
    if wanted in choices:
        return wanted
    if wanted and f"cmp_{param}" not in st.session_state:  # read from the link: said, not
        unknown[param] = wanted  # silently replaced
    return fallback


if len(choices) < 2:
    st.info("Comparing needs statements from at least two countries.")
    common.stop()
first = "CHN" if "CHN" in choices else choices[0]
second = "USA" if "USA" in choices else next(c for c in choices if c != first)
c1, c2 = st.columns(2)
linked_a, linked_b = default("a", first), default("b", second)
common.follow_back("a", "cmp_a", linked_a)
common.follow_back("b", "cmp_b", linked_b)
a = c1.selectbox("Side A", choices, index=choices.index(linked_a), key="cmp_a", format_func=label)
b = c2.selectbox("Side B", choices, index=choices.index(linked_b), key="cmp_b", format_func=label)
common.set_page_param("a", a)
common.set_page_param("b", b)
for param, wanted in unknown.items():
    shown = a if param == "a" else b
    st.warning(f"The link asked for side {param.upper()} “{common.md(wanted)}”, which this "
               "database does not have (no country, group or set of countries of that name): "
               f"side {param.upper()} shows {common.md(label(shown))} instead. Pick the side "
               "above.")  # fmt: skip
if a == b:
    st.warning("Pick two different sides.")
    common.stop()
st.caption(
    "The sides replace the countries and groups picked in the sidebar; the other filters apply."
)
shared = query.shared_countries(Side.parse(a), Side.parse(b))
if not shared and filters.count_for_members and filters.group_statements != "exclude":
    st.caption("Group statements are counted for their members (sidebar): one delivered for a "
               "group both sides belong to counts on both, and the intervals of the difference, "
               "which assume independent samples, are then too narrow.")  # fmt: skip
if shared:
    st.warning(
        f"The two sides share {', '.join(shared)} (members of both at some date): their "
        "statements of the dates they belong to both count on both sides, so the sides are not "
        "independent samples, and the intervals of the difference (Newcombe's, which assume "
        "they are) do not hold. To compare a country with its group, compare it with the "
        "group's other members (a set: pick them in the sidebar)."
    )

result = common.compare(filters, a, b)
sides = [Side.parse(a).label, Side.parse(b).label]
compared = {"compare": {"a": a, "b": b}}  # recorded beside the filters in the exports
tr, themes = result["trends"], result["themes"]
if (tr is None or tr.empty) and (themes is None or themes.empty):
    if filters.group_statements == "only":  # widening cannot help where there is none
        st.info(common.no_group_statement(
            f"Neither side has a {common.GROUP_STATEMENT} under these filters.",
            "Widen the years or languages, pick other sides"))  # fmt: skip
    else:
        st.info("Neither side has statements under these filters.")
    common.stop()

for side_value, count in ((a, "n_a"), (b, "n_b")):
    if themes is None or themes.empty or not themes[count].fillna(0).any():
        st.warning(f"{common.md(label(side_value))} has no statements under these filters: only "
                   "the other side is drawn.")  # fmt: skip

# the sides replace the sidebar's countries and groups: captions and exports name the sides, not
# a country filter the charts did not apply
applied = replace(filters, countries=(), groups=())
cap = common.caption_for(applied, f"A = {label(a)}, B = {label(b)}")
# the over-time tabs: one panel per theme, optionally pooled over a rolling window of years
window = common.smoothing(st.columns(3)[0], key="cmp_smooth") if tr is not None and len(tr) else 1
TABS = {"Per theme": None, "Over time": "time", "Difference over time": "difference"}
wanted_tab = {v: k for k, v in TABS.items() if v}.get(
    common.page_choice("tab", ("time", "difference"), "the Per theme tab is shown"), "Per theme"
)
common.follow_back("tab", "cmp_tab")
if "cmp_tab" not in st.session_state:
    st.session_state["cmp_tab"] = wanted_tab
tab1, tab2, tab3 = st.tabs(list(TABS), key="cmp_tab", on_change="rerun")
common.set_page_param("tab", TABS.get(st.session_state.get("cmp_tab", "")))
# Only the open tab is drawn (the tabs rerun the page when switched): with every theme the two
# over-time figures have a dozen panels each, and building and drawing all three figures on
# every change took 2.6-5 s where the open one alone takes well under one. ``open`` is None
# where the tabs keep no state: then all are drawn.
ev1 = ev2 = None
if tab1.open is not False:
    with tab1:
        fig = charts.compare_bar_figure(themes, sides=sides, measure=filters.measure,
                                        caption=cap, min_n=min_n)  # fmt: skip
        ev1 = common.show_chart(fig, themes, name=f"compare_{sides[0]}_{sides[1]}_themes",
                                filters=applied, key="cmp_bars", view=compared)  # fmt: skip
        if filters.measure == "share":
            st.caption("Error bars are 95% intervals: Wilson for each side's share, Newcombe's "
                       "for the difference. Where the difference's interval crosses zero, the "
                       "two sides may not differ.")  # fmt: skip
if tab2.open is not False or tab3.open is not False:
    tr_drawn = query.smooth_years(tr, window=window, measure=filters.measure,
                                  by=("side", "theme"))  # fmt: skip
    time_cap = common.caption_for(applied, f"A = {label(a)}, B = {label(b)}"
                                  + (f" · {window}-year rolling window, counts pooled"
                                     if window > 1 else ""))  # fmt: skip
if tab2.open is not False:
    with tab2:
        fig2 = charts.compare_trend_figure(tr_drawn, sides=sides, measure=filters.measure,
                                           caption=time_cap, labels=opts.theme_labels,
                                           min_n=min_n)  # fmt: skip
        ev2 = common.show_chart(fig2, tr_drawn, name=f"compare_{sides[0]}_{sides[1]}_years",
                                filters=applied, key="cmp_lines", view=compared)  # fmt: skip
if tab3.open is not False:
    with tab3:
        yd = query.yearly_difference(tr_drawn, sides[0], sides[1], measure=filters.measure)
        if len(yd):
            yd = yd.assign(theme_label=yd["theme"].map(lambda t: opts.theme_labels.get(t, t)))
            if "span" in tr_drawn:
                spans = tr_drawn[tr_drawn["side"] == sides[0]].set_index(["year", "theme"])
                yd = yd.join(spans["span"], on=["year", "theme"])
        fig3 = charts.diff_trend_figure(yd, sides=sides, measure=filters.measure,
                                        caption=time_cap, labels=opts.theme_labels,
                                        min_n=min_n)  # fmt: skip
        common.show_chart(fig3, yd, name=f"compare_{sides[0]}_{sides[1]}_difference",
                          filters=applied, key="cmp_diff", selectable=False,
                          view=compared)  # fmt: skip

points = common.latest_points({"cmp_bars": ev1, "cmp_lines": ev2}, state="_cmp_clicks")
if points:
    p = points[0]
    side = Side.parse(a if p["country"] == sides[0] else b)
    f = replace(filters, countries=side.countries, groups=side.groups)
    f, year, span = common.pooled_years(f, p["year"], window)  # a smoothed point pools years
    common.evidence_panel(f, theme=p["theme"], year=year, key="cmp_ev",
                          title=common.md(f"Evidence: {side.label} · "
                                          f"{opts.theme_labels.get(p['theme'], p['theme'])}"
                                          + (f" · {span}" if span else "")))  # fmt: skip
elif tab1.open is not False or tab2.open is not False:
    st.caption("Click a bar or point to read the passages behind it.")

with st.expander("The numbers behind the charts"):
    st.dataframe(themes, hide_index=True, width="stretch")
