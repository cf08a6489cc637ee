"""The research dashboard: `streamlit run dashboard.py` (reads db/tracker.db, or $TRACKER_DB).

This file sets the page, draws the shared sidebar filters (mirrored in the URL) and routes to the
pages in app_pages/. Queries live in tracker/query.py, figures in tracker/charts.py.
"""

from __future__ import annotations

import streamlit as st


def main() -> None:
    """Draw the page: the sidebar, the navigation and the page picked."""
    st.set_page_config(page_title="Position tracker", page_icon="🌐", layout="wide")

    PAGES = {
        "trends": st.Page("app_pages/trends.py", title="Trends", icon=":material/show_chart:",
                          url_path="home", default=True),
        # the landing page lives at "/"; this hidden twin answers a link to "/trends"
        "trends_link": st.Page("app_pages/trends.py", title="Trends", icon=":material/show_chart:",
                               url_path="trends", visibility="hidden"),
        "countries": st.Page("app_pages/countries.py", title="Countries", icon=":material/map:",
                             url_path="countries"),
        "compare": st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:",
                           url_path="compare"),
        "evidence": st.Page("app_pages/evidence.py", title="Evidence", icon=":material/format_quote:",
                            url_path="evidence"),
        "terms": st.Page("app_pages/terms.py", title="Any term", icon=":material/manage_search:",
                         url_path="terms"),
        "statement": st.Page("app_pages/statement.py", title="Statement", icon=":material/article:",
                             url_path="statement"),
        "method": st.Page("app_pages/method.py", title="Codebook and method", icon=":material/rule:",
                          url_path="method"),
        "add": st.Page("app_pages/add.py", title="Add statements", icon=":material/upload_file:",
                       url_path="add"),
    }  # fmt: skip
    #: The validation workbench (issue 13): draw a sample, code it blind, agree, report.
    WORKBENCH = {
        "wb_sample": st.Page("app_pages/workbench_sample.py", title="Sample", icon=":material/casino:",
                             url_path="workbench_sample"),
        "wb_code": st.Page("app_pages/workbench_code.py", title="Code", icon=":material/edit_note:",
                           url_path="workbench_code"),
        "wb_agree": st.Page("app_pages/workbench_agree.py", title="Agreement",
                            icon=":material/balance:", url_path="workbench_agree"),
        "wb_report": st.Page("app_pages/workbench_report.py", title="Report",
                             icon=":material/fact_check:", url_path="workbench_report"),
    }  # fmt: skip
    PAGES.update(WORKBENCH)
    st.session_state["_pages"] = PAGES
    CHART_PAGES = {PAGES[k].url_path for k in ("trends", "trends_link", "countries", "compare", "terms",
                                              "method")}  # fmt: skip

    page = st.navigation({
        "": [p for k, p in PAGES.items() if k not in WORKBENCH],
        "Validation workbench": list(WORKBENCH.values()),
    })

    # The first chart waits in the browser for Plotly's script (4.7 MB), which Streamlit fetches only
    # when a chart arrives. On a session's first run a hidden, empty chart goes out first, so the
    # browser loads Plotly while the imports and queries below run; it is removed before the page
    # draws (a page without charts does not need it).
    warm = None
    if page.url_path in CHART_PAGES and not st.session_state.get("_plotly_warm"):
        st.session_state["_plotly_warm"] = True
        warm = st.sidebar.empty()
        with warm.container(key="plotly_warm"):
            st.html("<style>.st-key-plotly_warm{display:none}</style>")
            st.plotly_chart({"data": [{"type": "scatter", "x": [], "y": []}]}, key="plotly_warm_chart")

    from app_pages import common  # noqa: E402  (after the warm-up: pandas and the codebook load)
    from app_pages.ui import url  # noqa: E402
    from tracker import query  # noqa: E402

    # the run's URL writes reach the browser as one change: one history entry
    with url.batched(page.url_path):
        opts = None
        if query.database_ready(common.db_path()):
            try:
                opts = common.options()
            except query.QueryError as exc:
                st.sidebar.error(f"The database cannot be read: {common.md(exc)}")
        if opts is not None and opts.statements:
            st.session_state["filters"] = common.sidebar_filters(opts)
        else:
            st.session_state["filters"] = query.Filters()
            st.sidebar.info("No statements yet: add some on the **Add statements** page.")

        common.date_error_note()
        # a `tracker match` stopped midway leaves statements coded by two codebooks: say so on
        # every page, since every count (and every export's stated version) would be wrong
        try:
            mixed = common.unfinished_recoding() if opts is not None else None
        except query.QueryError:  # the file went bad since its options were cached: pages say so
            mixed = None
        if mixed:
            st.error(f"**These figures mix two codebooks.** {common.md(mixed)}", icon="⚠️")
        # The statement id belongs to the Statement page: after Open statement and the browser's Back,
        # Streamlit gave the previous page the session's current parameters, `id` included, so its URL
        # (and every export citing it) named a statement it does not show.
        if page.url_path != PAGES["statement"].url_path:
            common.set_page_param("id", None)
        if warm is not None:
            warm.empty()
        page.run()


# multiprocessing re-imports the entry script, as "__mp_main__", in each worker of an ingest or
# re-match started from the dashboard (and in its forkserver) whenever a Streamlit run has put
# this file back as __main__ in between: outside a Streamlit run drawing fails there, the worker
# died as it started, and the re-match fell back to one batch at a time
if __name__ != "__mp_main__":
    main()
