"""Any term: a word or phrase the researcher types, its share of statements over time and by
country (Wilson 95% intervals), the keyword-in-context rows behind it, and "save as a theme".
UI only: the scan and the counts are ``tracker.terms``."""

from __future__ import annotations

import json
import shlex
import sqlite3

import pandas as pd
import streamlit as st

from app_pages import common
from tracker import charts, export, terms
from tracker.codebook import DEFAULT_CODEBOOK
from tracker.errors import TrackerError
from tracker.query import Filters

SCANS_KEPT = 8
MEMOS_KEPT = 4  # terms whose statements read are kept (each up to terms.MEMO_ROWS rows)


def cached_scan(term: terms.Term, filters: Filters, book_text: str | None) -> terms.TermScan:
    """:func:`tracker.terms.scan`, kept for every session per (database and its state, term,
    filters, codebook); a progress bar while it reads. What the scans of a term read is kept
    too (per database state, term and codebook), so other filters read only what they add."""
    db = str(common.db_path())
    of_term = (db, common.marker(), json.dumps(term.to_dict(), sort_keys=True), book_text or "")
    key = (*of_term, json.dumps(filters.to_dict(), sort_keys=True))
    memo = common.kept("term memos", of_term, terms.TermMemo, most=MEMOS_KEPT)

    def read() -> terms.TermScan:
        bar = st.progress(0.0, text="Reading the statements…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / max(total, 1), text=f"Read {done:,} of {total:,} statements…")

        result = terms.scan(db, term, filters, codebook_text=book_text, progress=progress,
                            memo=memo)  # fmt: skip
        bar.empty()
        return result

    return common.kept("term scans", key, read, most=SCANS_KEPT)


def index_words() -> None:
    """Add to the term index the statements it lacks (a database made before it, statements
    added by another tool), once, with a progress bar. Where the database cannot be written,
    say that those statements are read whole (the same result, slower)."""
    db = common.db_path()
    key = (str(db), common.marker())
    missing = common.kept("term index gaps", key, lambda: terms.unindexed(db), most=4)
    if not missing:
        return
    failed = st.session_state.get("_term_index_failed")
    if failed and failed[0] == key:  # tried on this state of the database already
        st.info(failed[1])
        return
    bar = st.progress(0.0, text=f"Indexing the words of {missing:,} statements for this page "
                                f"(once, about {max(1, round(missing / 300))} s)…")  # fmt: skip

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Indexed the words of {done:,} of {total:,} "
                                                "statements…")  # fmt: skip

    try:
        terms.build_index(db, progress=progress)
    except (TrackerError, OSError, sqlite3.Error) as exc:
        note = (f"The words of {missing:,} statements could not be indexed ({common.md(exc)}): "
                "they are read whole, which gives the same result more slowly.")  # fmt: skip
        st.session_state["_term_index_failed"] = (key, note)
        st.info(note)
    bar.empty()


def term_inputs(opts) -> terms.Term | None:
    """The term widgets (mirrored in the URL as q, near, within, lang); None until typed."""
    langs = sorted({lang for lang, _ in opts.languages} | {"en"})
    c1, c2, c3, c4 = st.columns([4, 3, 1, 1])
    linked_q, linked_near = common.page_param("q"), common.page_param("near")
    common.follow_back("q", "term_q", linked_q)
    common.follow_back("near", "term_near", linked_near)
    text = c1.text_input(
        "Word or phrase", key="term_q", value=linked_q,
        placeholder="cyber attack",
        help="Matched like the codebook's phrases: case, spelling, inflection, hyphens and "
        "typos are tolerated. Commas separate alternatives; (a|b) lists variants, * is any one "
        "word, {ai} or {un} use the codebook's aliases.",
    )  # fmt: skip
    near = c2.text_input("…within N words of (optional)", key="term_near",
                         value=linked_near, placeholder="state",
                         help="Both in one sentence, at most N words apart.")  # fmt: skip
    start = common.page_int("within", 10, 1, terms.MAX_WITHIN)
    common.follow_back("within", "term_within", start)
    within = c3.number_input("N words", 1, terms.MAX_WITHIN, value=start, key="term_within")
    wanted = common.page_param("lang", "en")
    if wanted not in langs:
        common.link_note("lang", wanted, "is not a language of these statements: “en” is used")
    at = langs.index(wanted) if wanted in langs else langs.index("en")
    common.follow_back("lang", "term_lang", langs[at])
    language = c4.selectbox("Language", langs, index=at, key="term_lang")
    common.set_page_param("q", text.strip() or None)
    common.set_page_param("near", near.strip() or None)
    common.set_page_param("within", str(within) if near.strip() and within != 10 else None)
    common.set_page_param("lang", language if language != "en" else None)
    if not text.strip():
        return None
    try:
        return terms.Term.parse(text, near=near, within=int(within), language=language)
    except ValueError as exc:
        st.warning(common.md(exc))
        common.stop()


def summary(result: terms.TermScan) -> None:
    n = result.scanned
    share = result.found / n if n else 0.0
    st.markdown(
        f"**{common.md(result.term.pattern)}**: in **{result.found:,}** of "
        f"{common.counted(n, 'statement')} ({share:.1%}), "
        f"{common.counted(result.occurrences, 'occurrence')}."
    )
    if not result.complete:
        st.warning(
            f"The filters select {result.selected:,} statements: a sample of {n:,} spread over "
            "them was read (shares are of the sample). Narrow the filters to read all."
        )


def trend_chart(result: terms.TermScan, filters: Filters, caption: str, name: str,
                min_n: int):  # fmt: skip
    """The share over time; returns its selection event."""
    data = terms.counts(result, ["year"])
    if data.empty:
        st.info("None of these statements has a year: no time chart.")
        return []
    data = data.assign(theme=terms.TERM_THEME, theme_label=result.term.pattern,
                       value=data["share"])  # fmt: skip
    title = f"“{result.term.pattern}” over time (share of statements)"
    fig = term_axes(charts.trend_figure(data, measure="share", caption=caption, ci=True,
                                        title=title, min_n=min_n))  # fmt: skip
    event = common.show_chart(fig, data, name=f"{name}_by-year", filters=filters,
                              key="term_trend")  # fmt: skip
    return event


def term_axes(fig):
    """The theme charts' axis titles said "mentioning the theme" over a typed term."""

    def say_term(axis) -> None:
        text = axis.title.text if axis.title else None
        if text:
            axis.update(title_text=text.replace("the theme", "the term"))

    fig.for_each_xaxis(say_term)
    fig.for_each_yaxis(say_term)
    return fig


def country_chart(result: terms.TermScan, filters: Filters, caption: str, name: str,
                  min_n: int):  # fmt: skip
    """Countries ranked by the lower end of the interval; returns its selection event."""
    data = terms.country_ranking(result)
    if data.empty:
        return []
    top = st.slider("Countries shown", 5, 100, 25, key="term_top")
    fig = term_axes(charts.ranking_figure(data, theme=terms.TERM_THEME,
                                          theme_label=result.term.pattern, caption=caption,
                                          top=top, order="lower", min_n=min_n))  # fmt: skip
    event = common.show_chart(fig, data, name=f"{name}_by-country", filters=filters,
                              key="term_rank")  # fmt: skip
    return event


def cached_kwic(result: terms.TermScan, year: int | None, country: str | None,
                book_text: str | None) -> terms.Kwic:
    """The rows of a clicked point or bar: the scan's own when it kept every row, else read
    again from that point's statements (kept per session like the scans)."""
    if result.kwic_complete:
        return result.kwic.subset(year=year, country=country)
    db = str(common.db_path())
    key = (db, common.marker(), json.dumps(result.term.to_dict(), sort_keys=True),
           hash(result.meta), year, country, book_text or "")  # fmt: skip
    return common.kept("term kwic", key, lambda: terms.kwic_of(
        db, result, year=year, country=country, codebook_text=book_text), most=SCANS_KEPT)


def kwic_total(result: terms.TermScan, points: list[dict]) -> int:
    """Occurrences behind the listed rows: all, or those of the clicked point or bar."""
    df = result.statements
    if points:
        p = points[0]
        if p["year"] is not None:
            df = df[df["year"] == int(p["year"])]
        if p["country"]:
            df = df[df["country"] == p["country"]]
    return int(df["matches"].sum())


def kwic_rows(result: terms.TermScan, filters: Filters, name: str, points: list[dict],
              book_text: str | None = None) -> None:
    """The KWIC rows (of the clicked year or country, if any) and their downloads."""
    kwic = result.kwic
    where = ""
    if points:
        p = points[0]
        kwic = cached_kwic(result, p["year"], p["country"], book_text)
        where = " · ".join(str(x) for x in (p["year"], p["country"]) if x)
    st.subheader("Keyword in context" + (f": {common.md(where)}" if where else ""))
    if not where:
        st.caption("Click a point or a bar to see only its rows.")
    total = kwic_total(result, points)
    if len(kwic) < total:
        st.warning(
            f"Only the first {len(kwic):,} occurrences are listed (and downloaded) here, of "
            f"{total:,}: those of the newest statements, up to {terms.MAX_KWIC_ROWS:,}; the "
            "counts and charts use all of them. Click a point or a bar, or narrow the filters, "
            "to list fewer."
        )
    if not len(kwic):
        st.info("The term is in none of these statements.")
        return
    linked_window = common.page_int("window", terms.DEFAULT_WINDOW, 0, terms.MAX_WINDOW)
    common.follow_back("window", "term_window", linked_window)
    window = st.slider("Words of context", 0, terms.MAX_WINDOW, key="term_window",
                       value=linked_window)
    common.set_page_param("window", str(window) if window != terms.DEFAULT_WINDOW else None)
    kwic = kwic.with_window(window)
    shown = kwic.rows.head(common.MAX_EVIDENCE)
    st.caption(common.shown_note(len(kwic), len(shown), "occurrence", "occurrences"))
    table = pd.DataFrame({
        "country": shown["country"], "date": shown["date"],
        "before": [common.display_text(t) for t in shown["pre"]],
        "term": [common.display_text(t) for t in shown["keyword"]],
        "after": [common.display_text(t) for t in shown["post"]],
        "statement": shown["statement_id"],
    })  # fmt: skip
    text = st.column_config.TextColumn
    longest = max((len(t) for t in table["term"]), default=0)  # the term column is never cut
    st.dataframe(
        table, key="term_kwic", hide_index=True, width="stretch",
        column_config={
            "country": text("country", width=70), "date": text("date", width=95),
            "before": text("before", width=260, alignment="right"),
            "term": text("term", width=max(120, min(360, 8 * longest + 24))),
            "after": text("after", width=260),
            "statement": st.column_config.NumberColumn("statement", format="%d", width=80),
        },
    )  # fmt: skip
    # the clicked year or country is named once, from the rows (as in every table's files)
    downloads(kwic, filters, name, total=total)


def downloads(kwic: terms.Kwic, filters: Filters, name: str, total: int | None = None) -> None:
    """CSV and XLSX of every KWIC row; the XLSX's about sheet names the term, the filters, the
    view's URL and the citation (tool, codebook, database fingerprint, view), as the charts'
    exports do."""
    frame = kwic.to_frame()
    url = common.view_url()
    day = common.export_day()
    about = {"term": kwic.pattern, "window": kwic.window, "filters": filters.to_dict(),
             "rows": len(frame), "occurrences": len(frame) if total is None else total,
             "view": url, "citation": common.citation(url=url, on=day)}  # fmt: skip
    rows = min(len(frame), common.XLSX_MAX_ROWS)
    c1, c2 = st.columns(2)
    book = common.codebook()
    stamped = export.stamped(frame, codebook_version=book.version if book else "", view=url)
    whole = total is None or total <= len(frame)
    # the term, the near-term, the window and the filters in the name or its short hash, as
    # the charts' files: two views' passages were both saved as term_<term>_kwic.csv
    stem = common.export_stem(f"{name}_kwic", filters, frame)
    c1.download_button(f"CSV of {'all' if whole else 'the first'} {len(frame):,} rows",
                       lambda: export.table_csv(stamped),
                       file_name=f"{stem}.csv", mime="text/csv", key="term_csv",
                       on_click="ignore")  # fmt: skip
    c2.download_button(
        f"XLSX of {'all ' if whole and rows == len(frame) else 'the first '}{rows:,} rows",
        lambda: export.table_xlsx(frame.head(rows), sheet="kwic", about=about, on=day),
        file_name=f"{stem}.xlsx", mime=export.MIME["xlsx"], key="term_xlsx",
        on_click="ignore",
    )  # fmt: skip


def save_form(term: terms.Term, book: tuple[str, str]) -> None:
    with st.expander("Save as a theme in a new version of the codebook"):
        theme_id = st.text_input("Theme id", value=terms.slug(term), key="term_theme_id")
        label = st.text_input("Label", value=term.pattern, key="term_theme_label")
        definition = st.text_input("Definition", value=f"uses the term {term.pattern}",
                                   key="term_theme_def")  # fmt: skip
        if not st.button("Save as a theme", key="term_save"):
            return
        folder = common.db_path().parent / "codebooks"
        try:
            saved = terms.save_theme(folder, term, codebook_text=book[0], codebook_path=book[1],
                                     theme_id=theme_id.strip(), label=label,
                                     definition=definition)  # fmt: skip
        except (TrackerError, OSError) as exc:
            st.error(common.md(exc))
            return
        st.success(
            f"Saved codebook {common.md(saved.codebook.name)} version {saved.codebook.version} "
            f"with theme {common.md(theme_id)} to `{saved.path}`. The database still holds the "
            f"old coding: re-match it with `{saved.rematch_command} --db {shlex.quote(str(common.db_path()))}`."
        )


opts = common.require_db()
filters = common.current_filters()
st.title("Any term")
st.caption(
    "Type a word or phrase to see its share of statements over time and by country, with the "
    "passages it is found in. It is matched as the codebook matches its themes, in the "
    "statements the sidebar selects (in the term's language); the theme and match-kind filters "
    "and the measure do not apply, and the captions and downloads leave them out."
)
term = term_inputs(opts)
if term is None:
    st.info("Type a word or phrase above, e.g. *cyber attack* or *digital divide*.")
    common.stop()
book = common.active_codebook_text() or (DEFAULT_CODEBOOK.read_text("utf-8"), str(DEFAULT_CODEBOOK))
try:
    terms.term_codebook(term, codebook_text=book[0])
except TrackerError as exc:
    st.error(f"The term cannot be read: {common.md(exc)}")
    common.stop()
index_words()
result = cached_scan(term, filters, book[0])
if not result.scanned:
    st.info(f"No statements in language “{term.language}” match these filters. Widen the "
            "filters in the sidebar or pick another language.")  # fmt: skip
    common.stop()
summary(result)
name = f"term_{terms.slug(term)}"
# the captions, file names, filters.json and about sheets name the filters the scan applied: not
# the theme, match-kind and direction filters or the measure, with the term's language
applied = terms.applied_filters(filters, term)
caption = common.caption_for(applied, f"term: {term.pattern}")
min_n = common.min_statements()
tab_time, tab_country = st.tabs(["Over time", "By country"])
with tab_time:
    time_event = trend_chart(result, applied, caption, name, min_n)
with tab_country:
    country_event = country_chart(result, applied, caption, name, min_n)
# the chart clicked last: each tab's chart keeps its selection while hidden, and the first
# with one showed a point on "Over time" under a bar clicked since on "By country"
clicked = common.latest_points({"term_trend": time_event, "term_rank": country_event},
                               state="_term_clicks")  # fmt: skip
kwic_rows(result, applied, name, clicked, book[0])
save_form(term, book)
