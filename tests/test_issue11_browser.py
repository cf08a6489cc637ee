"""Issue 11 and 14 in a real browser (Debian's Chromium through Playwright, every request off this
machine refused): /trends opens directly, a researcher's path (filter, click a point, pick a
passage, open its statement, go back) neither crashes nor loses the filters, the Evidence CSV
holds every row, and stored Markdown and HTML show as text (no outside image, no live link).

The database is the bundled sample plus one statement whose metadata carries Markdown and HTML.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
from pathlib import Path
from urllib.parse import quote

import pytest
from browser_support import browser, dashboard, wait_idle  # noqa: F401 (fixtures)

from tracker import query

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tracker" / "data" / "sample"
CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None,
        reason="needs Chromium (apt-get install -y chromium) and the playwright package",
    ),
]

EVIL = "evil.example"
FORUM = f'**Forum** ![img](http://{EVIL}/forum.png) <a href="http://{EVIL}/a">link</a>'
LANGUAGE = f"![l](http://{EVIL}/l.png)"
HOSTILE_TEXT = (
    "Statement by Iceland to the General Assembly.\n\n"
    "We must close the digital divide between and within countries, so that every school is "
    "connected. Cyberspace must never become a battlefield, and we oppose the militarization "
    "of cyberspace.\n"
)


@pytest.fixture(scope="module")
def browser_db(tmp_path_factory) -> Path:
    from tracker.ingest import ingest_paths

    folder = tmp_path_factory.mktemp("issue11-browser")
    path = folder / "tracker.db"
    report = ingest_paths([SAMPLE], db=path, manifest=SAMPLE / "manifest.csv")
    assert report.stored, report.summary()
    (folder / "iceland.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "country", "date", "forum", "language"])
        w.writerow(["iceland.txt", "ISL", "2024-09-27", FORUM, LANGUAGE])
    report = ingest_paths([folder / "iceland.txt"], db=path, manifest=folder / "manifest.csv")
    assert report.stored, report.summary()
    return path


@pytest.fixture()
def page(browser, dashboard):
    screens, url = dashboard
    context = browser.new_context(viewport={"width": 1600, "height": 1400}, accept_downloads=True)
    pg = context.new_page()
    refused: list[str] = []
    screens.local_only(pg, url, refused)
    pg.refused = refused
    yield pg
    context.close()


def wait_for_plot(page) -> None:
    page.wait_for_selector(".js-plotly-plot .scatterlayer .points path", timeout=90000)
    page.wait_for_timeout(500)


def title(page) -> str:
    """The page's title, once the page has one or has failed."""
    page.wait_for_selector("h1, [data-testid=stException]", timeout=90000)
    no_exception(page)
    return page.locator("h1").first.inner_text()


def no_exception(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.get_by_text("This app has encountered an error").count() == 0


def pick_first_row(page, table) -> None:
    """Tick the first row of a Streamlit table (its row-selection box, left of the first row)."""
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    header = 35  # the header row; the first row starts under it
    page.mouse.click(box["x"] + 16, box["y"] + header + 18)


#: The index, among the drawn markers, of the first point of a line (not of an interval band)
#: with a value above zero.
FIRST_POINT = """() => {
    let offset = 0;
    for (const t of document.querySelector('.js-plotly-plot')._fullData) {
        if (!t.mode || !t.mode.includes('markers')) continue;
        if (!t.fill || t.fill === 'none') {
            const j = Array.from(t.y).findIndex(y => y > 0);
            if (j >= 0) return offset + j;
        }
        offset += t.y.length;
    }
    return -1;
}"""


def test_trends_opens_at_its_own_address(page, dashboard):
    _, url = dashboard
    page.goto(url + "/trends?measure=rate")
    wait_for_plot(page)
    assert title(page) == "Trends"
    assert page.get_by_text("Page not found").count() == 0
    assert page.evaluate(
        "() => document.querySelector('.js-plotly-plot').layout.yaxis.title.text"
    ).startswith("Matches")
    no_exception(page)


def test_open_a_statement_from_a_clicked_point_and_come_back(page, dashboard):
    _, url = dashboard
    page.goto(url + "/?years=2020-2024&themes=un_main_channel")
    wait_for_plot(page)
    i = page.evaluate(FIRST_POINT)
    assert i >= 0, "no point with statements behind it"
    page.locator(".js-plotly-plot .scatterlayer .trace .points path").nth(i).click(force=True)
    page.wait_for_selector("text=Evidence:", timeout=90000)
    table = page.locator("[data-testid=stDataFrame]").first
    table.wait_for(timeout=90000)
    wait_idle(page, dashboard)
    pick_first_row(page, table)
    button = page.get_by_role("button", name="Open statement")
    button.wait_for(timeout=90000)
    button.click()
    page.wait_for_url("**/statement?**", timeout=90000)
    wait_idle(page, dashboard)
    assert title(page) == "Statement"
    no_exception(page)
    assert "years=2020-2024" in page.url and "themes=un_main_channel" in page.url
    page.go_back()
    wait_for_plot(page)
    wait_idle(page, dashboard)
    assert title(page) == "Trends"
    no_exception(page)
    assert "years=2020-2024" in page.url


def test_evidence_csv_holds_every_row(page, dashboard, browser_db, tmp_path):
    _, url = dashboard
    total = query.evidence_count(browser_db, query.Filters(languages=()))
    assert total > 200  # more than the table shows
    page.goto(url + "/evidence?langs=all")
    button = page.locator("[data-testid=stDownloadButton] button", has_text="CSV of").first
    button.wait_for(timeout=90000)
    wait_idle(page, dashboard)
    with page.expect_download(timeout=120000) as info:
        button.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(rows) == total


def test_stored_markdown_and_html_show_as_text(page, dashboard):
    _, url = dashboard
    # the language note under Trends names the hostile language; the chart's caption the forum
    page.goto(url + "/?langs=all&forums=" + quote(FORUM))
    wait_for_plot(page)
    wait_idle(page, dashboard)
    caption = page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot .annotation-text'))"
        ".map(e => e.textContent).join(' ')"
    )
    assert f'<a href="http://{EVIL}/a">link</a>' in caption
    assert page.locator(f'.js-plotly-plot a[href*="{EVIL}"]').count() == 0
    page.goto(url + "/")
    wait_for_plot(page)
    wait_idle(page, dashboard)
    assert page.get_by_text(LANGUAGE, exact=False).count() >= 1
    assert page.locator(f'img[src*="{EVIL}"]').count() == 0
    assert not [u for u in page.refused if EVIL in u]
