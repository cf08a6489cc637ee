"""Keyword in context: the passages behind a clicked point as rows (the words before, the match,
the words after), a selected row's passage highlighted, and the switch to its statement."""

from __future__ import annotations

import html
from dataclasses import replace

import pandas as pd
import streamlit as st

from app_pages.ui.data import evidence, evidence_counts, options, or_warn
from app_pages.ui.exports import evidence_downloads
from app_pages.ui.text import display_text, md
from app_pages.ui.url import current_params
from tracker import charts, query
from tracker.query import Filters

#: Evidence rows a table shows (the downloads hold all).
MAX_EVIDENCE = 200


def selected_points(event) -> list[dict]:
    """The ``customdata`` ``[theme, year, country/side]`` of each selected point."""
    if not event:
        return []
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return []
    out = []
    for p in points:
        cd = p.get("customdata")
        if isinstance(cd, (list, tuple)) and len(cd) >= 3:
            year = cd[1]
            out.append({"theme": cd[0], "year": int(year) if year not in (None, "") else None,
                        "country": cd[2] or None})  # fmt: skip
    return out


def latest_points(events: dict, *, state: str) -> list[dict]:
    """The points selected on the chart clicked last, of charts on tabs (``events``: chart key
    -> its selection event; ``state``: the session key remembering them). Each tab's chart
    keeps its selection while the other tab is shown, so "the first chart with a selection"
    showed a bar clicked earlier under a point clicked since; a chart whose selection changed
    in this run is the newest (a selection cleared there falls back to the other chart's, if
    it still has one)."""
    seen = st.session_state.setdefault(state, {})  # key -> (points, when)
    clock = max((when for _, when in seen.values()), default=0)
    for key, event in events.items():
        points = selected_points(event)
        if key not in seen or seen[key][0] != points:
            clock += 1
            seen[key] = (points, clock)
    live = [(when, points) for points, when in seen.values() if points]
    return max(live, key=lambda x: x[0])[1] if live else []


def pooled_years(filters: Filters, year: int | None, window: int) -> tuple[Filters, int | None, str]:
    """The evidence behind a point of a chart smoothed over ``window`` years: its number pools
    the years ``year - window // 2 .. year + window // 2`` (within the filters' years), so its
    passages are those years' (the year's alone would show part of what the point counts).
    Returns the filters, the year to pass to :func:`evidence_panel`, and the span's label."""
    if window <= 1 or year is None:
        return filters, year, str(year) if year else ""
    half = window // 2
    low = max(year - half, filters.year_from or year - half)
    high = min(year + half, filters.year_to or year + half)
    return replace(filters, year_from=low, year_to=high), None, f"{low}–{high}"


def evidence_panel(filters: Filters, *, theme=None, year=None, country=None, title: str = "",
                   key: str = "ev", search: str = "") -> None:  # fmt: skip
    """The passages behind one number, as keyword-in-context rows; a row opens its statement."""
    labels = options().theme_labels
    what = " · ".join(
        md(x)
        for x in (
            labels.get(theme, theme) if theme else "",
            str(year) if year else "",
            country or "",
        )
        if x
    )
    st.subheader(title or f"Evidence: {what or 'all selected'}")
    counts = or_warn(evidence_counts, filters, theme=theme, year=year, country=country,
                     search=search)  # fmt: skip
    if counts is None:
        return
    total = counts.total
    if total == 0:
        st.info("No passages match here. Widen the filters, or pick another point.")
        return
    rows = or_warn(evidence, filters, theme=theme, year=year, country=country, search=search,
                   limit=MAX_EVIDENCE)  # fmt: skip
    if rows is None:
        return
    st.caption(shown_note(total, len(rows), not_counted=counts.not_counted,
                          statements=counts.statements))  # fmt: skip
    evidence_table(rows, key=key)
    evidence_downloads(filters, total, key=key, theme=theme, year=year, country=country,
                       search=search)  # fmt: skip


def counted(n: int, noun: str, nouns: str = "") -> str:
    """``1 match``, ``2 matches``: the number and its noun, singular or plural."""
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"


def shown_note(total: int, shown: int, noun: str = "match", nouns: str = "matches", *,
               not_counted: int = 0, statements: int | None = None) -> str:  # fmt: skip
    """How many matches there are and how many the table shows (the downloads hold all); with
    ``not_counted``, how many of them a chart's number leaves out (reported or opposing); with
    ``statements``, how many statements the counted ones are in: a chart counts statements, a
    statement with three matches once."""
    where = f" in {counted(statements, 'statement')}" if statements is not None else ""
    what = counted(total, noun, nouns) + where
    if not_counted:
        what = (f"{counted(total - not_counted, noun, nouns)} counted{where} + {not_counted:,} "
                "not counted (reported or opposing: kept as evidence, left out of the charts)")
    if total <= shown:
        return what + "."
    return f"{what}; the first {shown:,} shown here, all {total:,} in the downloads."


def kwic(rows: pd.DataFrame, width: int = 70) -> pd.DataFrame:
    """Keyword-in-context columns: the words before the match, the match, the words after."""
    pre, kw, post = [], [], []
    for text, s, e in zip(rows["passage"], rows["hl_start"], rows["hl_end"]):
        text = text or ""
        left = display_text(text[:s])
        right = display_text(text[e:])
        pre.append(("…" + _whole_words(left, -width)) if len(left) > width else left)
        kw.append(display_text(text[s:e]))
        post.append((_whole_words(right, width) + "…") if len(right) > width else right)
    out = pd.DataFrame({
        "country": rows["country"], "date": rows["date"], "before": pre, "match": kw,
        "after": post, "theme": rows["theme_label"], "direction": _direction_labels(rows),
        "score": rows["score"], "rule": rows["rule"], "kind": rows["kind"],
        "statement": rows["statement_id"],
    })  # fmt: skip
    if "on_behalf_of" in rows and rows["on_behalf_of"].fillna("").ne("").any():
        # a group statement counted for a member stands under the member's number, spoken by
        # another delegation: the group it spoke for says why
        out.insert(1, "on behalf of", rows["on_behalf_of"].fillna("").to_numpy())
    return out


def _whole_words(text: str, cut: int) -> str:
    """The last ``-cut`` (cut < 0) or first ``cut`` characters of ``text`` without the word the
    cut splits, unless the piece has no other word."""
    if cut < 0:
        piece = text[cut:]
        if text[cut - 1].isspace() or piece[0].isspace():
            return piece.lstrip()
        _, sep, rest = piece.partition(" ")
        return rest if sep and rest.strip() else piece
    piece = text[:cut]
    if text[cut].isspace() or piece[-1].isspace():
        return piece.rstrip()
    rest, sep, _ = piece.rpartition(" ")
    return rest if sep and rest.strip() else piece


def _direction_labels(rows: pd.DataFrame) -> list[str]:
    """"supports", or "reports (not counted)" / "opposes (not counted)" where the match does not
    make its theme present."""
    if "direction" not in rows:
        return ["supports"] * len(rows)
    counted = rows["counted"] if "counted" in rows else [1] * len(rows)
    return [d if c else f"{d} (not counted)" for d, c in zip(rows["direction"], counted)]


#: Pixels per character (a generous average for the table's font), cell padding, line height.
CHAR_PX, CELL_PAD, LINE_PX = 8, 24, 21


def _longest(values) -> int:
    return max((len(str(v)) for v in values), default=0)


def _fit(values, least: int, most: int) -> int:
    """A column width in pixels that shows the longest of ``values`` on one line, within
    ``least``..``most``."""
    return max(least, min(most, CHAR_PX * _longest(values) + CELL_PAD))


def _row_height(values, width: int) -> int | None:
    """A row height that wraps the longest of ``values`` whole in a column ``width`` pixels
    wide (Streamlit wraps text only in rows taller than 64 px); None when one line holds it."""
    per_line = max(1, (width - CELL_PAD) // CHAR_PX)
    lines = -(-_longest(values) // per_line)
    return None if lines <= 1 else max(66, LINE_PX * lines + 12)


def evidence_table(rows: pd.DataFrame, *, key: str) -> None:
    """The keyword-in-context rows, the match and theme never cut (a long match wraps in taller
    rows); a selected row shows its passage and opens its statement."""
    table = kwic(rows)
    match_width = _fit(table["match"], 170, 520)
    row_height = _row_height(table["match"], match_width)
    context = 250 if row_height else 330  # the words around the match wrap in taller rows
    event = st.dataframe(
        table, key=f"{key}_table", hide_index=True, on_select="rerun",
        selection_mode="single-row", width="stretch", row_height=row_height,
        column_config={
            "country": st.column_config.TextColumn("country", width=70),
            "on behalf of": st.column_config.TextColumn(
                "on behalf of", width=_fit(table.get("on behalf of", []), 100, 260),
                help="The group a statement was delivered for: with group statements counted "
                "for members, it stands under each selected member's number"),
            "date": st.column_config.TextColumn("date", width=95),
            "theme": st.column_config.TextColumn("theme", width=_fit(table["theme"], 170, 520)),
            "before": st.column_config.TextColumn("before", width=context, alignment="right"),
            "match": st.column_config.TextColumn("match", width=match_width),
            "after": st.column_config.TextColumn("after", width=context),
            "score": st.column_config.NumberColumn("score", format="%.2f", width=60),
            "direction": st.column_config.TextColumn(
                "direction", width=_fit(table["direction"], 90, 200),
                help="Whether the match supports the theme's position, opposes it or reports it "
                "(others' words, the speaker's own sanctions...); only counted matches make a "
                "theme present"),
            "rule": st.column_config.TextColumn("rule", width=_fit(table["rule"], 150, 400)),
            "kind": st.column_config.TextColumn("kind", width=85),
            "statement": st.column_config.NumberColumn("statement", format="%d", width=80),
        },
    )  # fmt: skip
    picked = event.selection.rows if event and event.selection else []
    if picked:
        row = rows.iloc[picked[0]]
        st.markdown("**The passage**")
        if row.get("reason"):
            st.caption(f"{row.get('direction', 'supports')}: {md(str(row['reason']))}")
        st.html(
            highlight_html(
                row["passage"], [(int(row["hl_start"]), int(row["hl_end"]), row["theme"])]
            )
        )
        if st.button(f"Open statement {int(row['statement_id'])}", key=f"{key}_open"):
            open_statement(int(row["statement_id"]))
    else:
        st.caption("Select a row to read its passage and open its statement.")


def open_statement(statement_id: int) -> None:
    """Switch to the Statement page; the URL keeps the filters and this page's own parameters,
    so Back returns to the same view."""
    st.session_state["statement_id"] = int(statement_id)
    here = current_params()
    st.switch_page(st.session_state["_pages"]["statement"],
                   query_params={**here, "id": str(statement_id)})  # fmt: skip


def highlight_html(text: str, spans, *, legend: bool = False) -> str:
    """``text`` escaped, with each ``(start, end, theme)`` span marked in the theme's colour. The
    only markup is ours: every piece of the text goes through ``html.escape``."""
    pieces = query.highlight_spans(text or "", spans)
    out = []
    for piece, theme in pieces:
        safe = html.escape(display_text(piece)).replace("\n", "<br>")
        if theme:
            color = charts.theme_color(theme)
            out.append(
                f'<mark title="{html.escape(theme)}" style="background:{charts._rgba(color, 0.28)};'
                f'border-bottom:2px solid {color};padding:0 1px">{safe}</mark>'
            )
        else:
            out.append(safe)
    return '<div style="line-height:1.6;font-size:0.95rem">' + "".join(out) + "</div>"
