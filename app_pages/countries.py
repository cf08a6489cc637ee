"""Countries: a country x theme heatmap, a ranking of countries for one theme, and a world map."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app_pages import common
from tracker import charts, countrymap

opts = common.require_db()
filters = common.current_filters()
st.title("Countries")
common.left_out_note(filters)


min_n = common.min_statements()
VIEWS = ["Heatmap", "Ranking", "World map"]
# the link's value of each view, read as written like every other link value (`view=Map` is
# said, not guessed at); the heatmap is the default, so the page writes no value for it but
# takes `view=heatmap` as written
LINKED = {"heatmap": "Heatmap", "ranking": "Ranking", "map": "World map"}
wanted = LINKED.get(common.page_choice("view", tuple(LINKED), "the heatmap is shown"), "Heatmap")
common.follow_back("view", "country_view", wanted)
view = st.radio("View", VIEWS, horizontal=True, key="country_view", index=VIEWS.index(wanted))
common.set_page_param("view", {"Ranking": "ranking", "World map": "map"}.get(view))

if view == "Heatmap":
    data = common.country_theme_matrix(filters)
    if common.no_data(data):
        common.stop()
    ROWS = ["most statements first", "highest mean first"]
    rows = common.page_choice("rows", ("statements", "value"), f"{ROWS[0]} is used")
    common.follow_back("rows", "heat_sort", ROWS[1] if rows == "value" else ROWS[0])
    order = st.radio("Rows", ROWS, horizontal=True, key="heat_sort",
                     index=1 if rows == "value" else 0)  # fmt: skip
    common.set_page_param("rows", "value" if order == ROWS[1] else None)
    fig = charts.heatmap_figure(
        data, measure=filters.measure, caption=common.caption_for(filters),
        sort="value" if order.startswith("highest") else "statements", min_n=min_n,
    )  # fmt: skip
    event = common.show_chart(fig, data, name="countries_heatmap", filters=filters, key="heatmap")
else:
    theme = common.theme_picker(opts, filters, key="country_theme")
    label = opts.theme_labels.get(theme, theme)
    f = replace(filters, themes=(theme,))
    if view == "Ranking":
        c1, c2, c3 = st.columns(3)
        # by default as many as the sidebar's "fewest statements behind a value": a ranking
        # topped by countries that spoke once (1 of 1, share 100%) says little
        linked_min = common.page_int("min", min_n, 1, 1000)
        linked_top = common.page_int("top", 25, 5, 100)
        common.follow_back("min", "rank_min", linked_min)
        common.follow_back("top", "rank_top", linked_top)
        least = c1.number_input("Only countries with at least this many statements", 1, 1000,
                                value=linked_min, key="rank_min")  # fmt: skip
        top = c2.slider("Countries shown", 5, 100, linked_top, key="rank_top")
        ORDERS = {"lower": "lower end of the 95% interval", "value": "the value itself"}
        rank_order = "value"
        if filters.measure == "share":
            order_index = 1 if common.page_choice("order", list(ORDERS), f"the {ORDERS['lower']} "
                                                  "is used") == "value" else 0  # fmt: skip
            common.follow_back("order", "rank_order", list(ORDERS)[order_index])
            rank_order = c3.radio(
                "Order by", list(ORDERS), format_func=ORDERS.get, key="rank_order",
                index=order_index,
                help="The lower end of the Wilson interval ranks a share resting on few "
                "statements below the same share resting on many.",
            )  # fmt: skip
            common.set_page_param("order", None if rank_order == "lower" else rank_order)
        common.set_page_param("min", None if int(least) == min_n else str(int(least)))
        common.set_page_param("top", None if int(top) == 25 else str(int(top)))
        data = common.ranking(filters, theme=theme, min_statements=int(least), order=rank_order)
        if (data is None or data.empty) and int(least) > 1:
            # the statements may be there, under the minimum: say so, not "no statements"
            fewer = common.ranking(filters, theme=theme, min_statements=1, order=rank_order)
            if fewer is not None and not fewer.empty:
                st.info(f"No country has {int(least)} statements or more under these filters "
                        f"({len(fewer)} with fewer). Lower \"Only countries with at least this "
                        "many statements\" to rank them.")  # fmt: skip
                common.stop()
        if common.no_data(data):
            common.stop()
        fig = charts.ranking_figure(data, theme=theme, theme_label=label, measure=filters.measure,
                                    caption=common.caption_for(f), top=int(top), min_n=min_n,
                                    order=rank_order)  # fmt: skip
        ties = int(data.head(int(top))["tied"].sum())
        if ties:
            st.caption(f"{ties} of the countries shown share their place with another "
                       "(marked =): their order among themselves says nothing.")  # fmt: skip
        # the table holds every country past the minimum; the chart draws the first `top`
        drawn = data.assign(drawn=[i < int(top) for i in range(len(data))])
        event = common.show_chart(fig, drawn, name=f"ranking_{theme}", filters=f, key="ranking")
    else:
        data = common.country_theme_matrix(f)
        if common.no_data(data):
            common.stop()
        # countries on too few statements are grey, labelled with their n where it fits
        fig = countrymap.map_figure(data, theme=theme, theme_label=label, measure=filters.measure,
                                    caption=common.caption_for(f), min_n=min_n)  # fmt: skip
        event = common.show_chart(fig, data, name=f"map_{theme}", filters=f, key="worldmap",
                                  config={"topojsonURL": countrymap.STATIC_URL})  # fmt: skip

points = common.selected_points(event)
if points:
    p = points[0]
    if len(points) > 1:
        st.caption(f"{len(points)} selected; the evidence of the first is shown.")
    common.evidence_panel(filters, theme=p["theme"], country=p["country"], key="country_ev")
else:
    st.caption("Click a cell, bar or country to read the passages behind it.")

with st.expander("The numbers behind the chart"):
    st.dataframe(data, hide_index=True, width="stretch")
