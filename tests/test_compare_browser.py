"""The Compare page in a real browser (Debian's Chromium driven by Playwright, on the bundled
sample): ``/compare?a=CHN&b=USA`` draws its per-theme chart (each side's share above, the
difference below, both checked against the database), and a click on one side's bar opens the
evidence of that side and theme: its heading names them, and the table lists exactly the
matches the database holds for that country and theme under the default filters (read here
with sqlite3, not through the dashboard's queries). A bar of each side is clicked, each on a
freshly loaded page, so a click read as the wrong side, theme or selection fails.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from browser_support import BROWSER_TEST, no_exception, sample_db, wait_idle

from tracker import query
from tracker.query.filters import NON_STATE_ROLES

pytestmark = BROWSER_TEST

#: The evidence table lists at most this many rows (app_pages/ui/evidence.py's MAX_EVIDENCE);
#: the bars clicked here are picked to stay well under it, so the table holds every match.
MOST_ROWS = 100


@pytest.fixture()
def viewport() -> dict[str, int]:
    """Wide enough for the evidence table's columns side by side (read with less scrolling)."""
    return {"width": 2600, "height": 1400}


@pytest.fixture(scope="module")
def browser_db(tmp_path_factory) -> Path:
    return sample_db(tmp_path_factory)


# -- what the database holds, under the page's default filters ---------------------------------
# (no duplicates, state speakers only, the codebook's languages, every match kind; the evidence
# lists matches of every direction, the bars count statements with a counted match)


def _where(db: Path) -> tuple[str, list]:
    langs = list(query.codebook_info(db).languages)
    sql = (
        "s.country = ? AND s.duplicate_of IS NULL AND s.country != '' "
        f"AND s.role NOT IN ({','.join('?' * len(NON_STATE_ROLES))})"
        + (f" AND s.language IN ({','.join('?' * len(langs))})" if langs else "")
    )
    return sql, [*NON_STATE_ROLES, *langs]


def db_counts(db: Path, country: str) -> tuple[int, dict[str, int]]:
    """(statements of ``country``, statements with a counted match per theme)."""
    where, params = _where(db)
    with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        n = conn.execute(f"SELECT COUNT(*) FROM statements s WHERE {where}",
                         [country, *params]).fetchone()[0]  # fmt: skip
        k = dict(conn.execute(
            "SELECT m.theme, COUNT(DISTINCT m.statement_id) FROM matches m "
            f"JOIN statements s ON s.id = m.statement_id WHERE {where} AND m.counted = 1 "
            "GROUP BY m.theme", [country, *params]).fetchall())  # fmt: skip
    return n, k


def db_evidence(db: Path, country: str) -> dict[str, list[tuple]]:
    """Per theme, the (statement id, date) of each match of ``country``."""
    where, params = _where(db)
    out: dict[str, list[tuple]] = {}
    with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        for th, sid, date in conn.execute(
            "SELECT m.theme, s.id, s.date FROM matches m JOIN statements s "
            f"ON s.id = m.statement_id WHERE {where}", [country, *params]):  # fmt: skip
            out.setdefault(th, []).append((int(sid), date))
    return out


# -- what the browser shows ----------------------------------------------------------------------


def bar_chart(page) -> dict:
    """The per-theme figure as plotly.js drew it: its traces (index, type, axes, x, y,
    customdata) and how many marks each subplot holds."""
    return page.evaluate(
        """() => { const el = document.querySelectorAll('.js-plotly-plot')[0];
            return {traces: el._fullData.map(t => ({index: t.index, type: t.type, name: t.name,
                        xaxis: t.xaxis, yaxis: t.yaxis, x: Array.from(t.x || []),
                        y: Array.from(t.y || []),
                        customdata: t.customdata ? Array.from(t.customdata) : null})),
                    bars: el.querySelectorAll('.subplot.xy .barlayer .point path').length,
                    diff_marks: el.querySelectorAll(
                        '.subplot.x2y2 .scatterlayer .points path').length};
        }"""
    )


#: The position, among the first chart's bar paths, of point ``i`` of trace ``t`` (plotly keeps
#: each drawn element's calcdata in ``__data__``).
BAR_INDEX = """([t, i]) => {
    const paths = Array.from(document.querySelectorAll('.js-plotly-plot')[0]
                             .querySelectorAll('.barlayer .point path'));
    return paths.findIndex(p => { const pt = p.parentNode.__data__;
        const tr = p.closest('.trace').__data__;
        return pt && pt.i === i && tr && tr[0] && tr[0].trace && tr[0].trace.index === t; });
}"""

#: Every cell of a Streamlit table (glide-data-grid draws a canvas and keeps the cells in view in
#: an accessible <table>): scroll it across and down, collecting the cells by row and column.
GRID_CELLS = """async (el) => {
    const sc = el.querySelector('.dvn-scroller');
    const names = {}, cells = {};
    const drawn = () => Array.from(el.querySelectorAll('tbody tr[aria-rowindex]')).map(tr =>
        tr.getAttribute('aria-rowindex') + ':' + Array.from(tr.querySelectorAll('td'))
            .map(td => td.getAttribute('aria-colindex')).join(',')).join(';');
    const sleep = ms => new Promise(r => setTimeout(r, ms));
    const steps = (size, view) => {  // scroll offsets that together show every pixel
        const out = [];
        for (let x = 0; x < size - view; x += Math.max(30, Math.floor(view * 0.7))) out.push(x);
        out.push(Math.max(0, size - view));
        return out;
    };
    for (const top of steps(sc.scrollHeight, sc.clientHeight)) {
        for (const left of steps(sc.scrollWidth, sc.clientWidth)) {
            const was = drawn(), at = [sc.scrollLeft, sc.scrollTop];
            sc.scrollTo(left, top);
            if (sc.scrollLeft !== at[0] || sc.scrollTop !== at[1]) {  // until it has redrawn
                for (let t = 0; t < 40 && drawn() === was; t++) await sleep(25);
            }
            await sleep(40);
            el.querySelectorAll('th[aria-colindex]').forEach(th =>
                names[th.getAttribute('aria-colindex')] = th.textContent.trim());
            el.querySelectorAll('tbody tr[aria-rowindex]').forEach(tr => {
                const row = (cells[tr.getAttribute('aria-rowindex')] ||= {});
                tr.querySelectorAll('td[aria-colindex]').forEach(td =>
                    row[td.getAttribute('aria-colindex')] = td.textContent.trim());
            });
        }
    }
    sc.scrollTo(0, 0);
    const grid = el.querySelector('table[role=grid]');
    return {names, cells, rowcount: Number(grid.getAttribute('aria-rowcount')),
            colcount: Number(grid.getAttribute('aria-colcount'))};
}"""


def evidence_rows(page) -> list[dict[str, str]]:
    """The rows of the evidence table, as {column: shown text}."""
    has_match = ("el => Array.from(el.querySelectorAll('th'))"
                 ".some(th => th.textContent.trim() === 'match')")  # fmt: skip
    every = "Array.from(document.querySelectorAll('[data-testid=stDataFrame]'))"
    page.wait_for_function(f"() => {every}.some({has_match})", timeout=30000)
    tables = page.locator("[data-testid=stDataFrame]")
    found = [i for i in range(tables.count()) if tables.nth(i).evaluate(has_match)]
    assert len(found) == 1, "no single evidence table on the page"
    grid = tables.nth(found[0]).evaluate(GRID_CELLS)
    names = grid["names"]
    rows = [{names.get(c, c): v for c, v in cells.items()}
            for _, cells in sorted(grid["cells"].items(), key=lambda kv: int(kv[0]))]  # fmt: skip
    assert len(rows) == grid["rowcount"] - 1, "the table's rows were not all read"
    assert all(len(r) == grid["colcount"] for r in rows), "the table's columns were not all read"
    return rows


def heading(page) -> str:
    return page.locator("h3", has_text="Evidence:").first.inner_text().strip()


def pick(sides: dict, evidence: dict, side: str, other: str, not_theme: str = "") -> str:
    """A theme to click on ``side``'s bar: a bar above zero, with matches on both sides in
    different numbers (a click read as the other side shows other rows), the one with most rows
    within ``MOST_ROWS``."""
    drawn = dict(zip(sides[side]["themes"], sides[side]["y"]))
    fits = [th for th in sides[side]["themes"] if th != not_theme and drawn[th] > 0
            and 0 < len(evidence[side].get(th, [])) <= MOST_ROWS
            and len(evidence[other].get(th, [])) not in (0, len(evidence[side][th]))]  # fmt: skip
    assert fits, f"the sample has no theme to click for {side}"
    return max(fits, key=lambda th: (len(evidence[side][th]), th))


HOVER_LABEL = """([side, label]) => Array.from(document.querySelectorAll('.hoverlayer .hovertext'))
    .some(h => h.textContent.includes(side) && h.textContent.includes(label))"""


def hover_until_labelled(page, bar, side: str, label: str, tries: int = 4) -> None:
    """Hover ``bar`` until plotly shows its label. One hover can land while the chart is still
    being redrawn after the page's last rerun, and no label comes (seen once on a loaded
    machine): the mouse leaves and hovers again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(tries):
        page.mouse.move(0, 0)
        bar.hover(force=True)
        try:
            page.wait_for_function(HOVER_LABEL, arg=[side, label], timeout=5000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"no hover label for {side} · {label} after {tries} hovers")


def open_compare(page, dashboard) -> None:
    """Load /compare?a=CHN&b=USA until its first chart (the Per theme tab) has drawn its bars and
    differences and the page is idle."""
    _, url = dashboard
    page.goto(url + "/compare?a=CHN&b=USA")
    page.wait_for_function(
        """() => { const el = document.querySelector('.js-plotly-plot');
            return el && el.querySelector('.subplot.xy .barlayer .point path')
                && el.querySelector('.subplot.x2y2 .scatterlayer .points path'); }""",
        timeout=90000,
    )
    wait_idle(page, dashboard)
    no_exception(page)


def test_compare_bars_draw_and_a_clicked_bar_opens_its_sides_evidence(page, dashboard, browser_db):
    open_compare(page, dashboard)
    assert page.locator("h1").first.inner_text() == "Compare"

    # the chart: per theme a bar of each side's share above, the difference below
    chart = bar_chart(page)
    sides: dict[str, dict] = {}
    for t in chart["traces"]:
        cd = t["customdata"]
        if t["type"] == "bar" and cd and cd[0] and len(cd[0]) >= 3 and cd[0][2]:
            side = cd[0][2]
            assert {c[2] for c in cd} == {side} and (t["xaxis"], t["yaxis"]) == ("x", "y")
            sides[side] = {"trace": t["index"], "labels": t["x"], "y": t["y"],
                           "themes": [c[0] for c in cd]}  # fmt: skip
    assert set(sides) == {"CHN", "USA"}, chart["traces"]
    diff = [t for t in chart["traces"] if (t["xaxis"], t["yaxis"]) == ("x2", "y2")]
    assert len(diff) == 1 and diff[0]["name"].startswith("difference (CHN − USA)")
    themes = sides["CHN"]["themes"]
    assert themes and sides["USA"]["themes"] == themes
    assert diff[0]["x"] == sides["CHN"]["labels"] == sides["USA"]["labels"]
    assert chart["bars"] >= 2 * len(themes) and chart["diff_marks"] >= len(themes)

    # its values are the database's: statements with a counted match / statements, per side
    for side, drawn in sides.items():
        n, k = db_counts(browser_db, side)
        assert n > 0
        assert drawn["y"] == pytest.approx([k.get(th, 0) / n for th in themes], abs=1e-9), side
    assert diff[0]["y"] == pytest.approx(
        [a - b for a, b in zip(sides["CHN"]["y"], sides["USA"]["y"])], abs=1e-9)
    assert any(v > 0 for v in sides["CHN"]["y"]) and any(v > 0 for v in sides["USA"]["y"])

    evidence = {s: db_evidence(browser_db, s) for s in sides}
    labels = query.theme_labels(browser_db)
    seen_theme = ""
    for side, other in (("CHN", "USA"), ("USA", "CHN")):
        theme = pick(sides, evidence, side, other, not_theme=seen_theme)
        seen_theme = theme
        if side != "CHN":  # each click on a page of its own
            open_compare(page, dashboard)
        assert page.locator("h3", has_text="Evidence:").count() == 0
        idx = page.evaluate(BAR_INDEX, [sides[side]["trace"], themes.index(theme)])
        assert idx >= 0, f"no bar drawn for {side} · {theme}"
        bar = page.locator(".js-plotly-plot").first.locator(".barlayer .point path").nth(idx)
        # plotly clicks the point it last hovered: hover the bar until its label shows, then click
        hover_until_labelled(page, bar, side, labels.get(theme, theme))
        bar.click(force=True)
        page.locator("h3", has_text="Evidence:").first.wait_for(timeout=30000)
        wait_idle(page, dashboard)
        no_exception(page)
        label = labels.get(theme, theme)
        assert heading(page) == f"Evidence: {side} · {label}"

        expected = evidence[side][theme]
        held = len({sid for sid, _ in expected})  # the statements the bar counts
        caption = f"{len(expected):,} matches in {held:,} statement{'s' * (held != 1)}."
        assert page.get_by_text(caption, exact=True).count() == 1
        rows = evidence_rows(page)
        assert len(rows) == len(expected)
        assert {r["country"] for r in rows} == {side}
        assert {r["theme"] for r in rows} == {label}
        assert sorted((int(r["statement"]), r["date"]) for r in rows) == sorted(expected)
    assert not [u for u in page.refused if "127.0.0.1" in u]
