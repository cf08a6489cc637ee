"""Issue 11 and 14 in a real browser (Debian's Chromium through Playwright, every request off this
machine refused): /trends opens directly, a researcher's path (filter, click a point, pick a
passage, open its statement, go back) neither crashes nor loses the filters, the Evidence CSV
holds every row, and stored Markdown and HTML show as text (no outside image, no live link).

The database is the browser tests' part of the bundled sample plus one statement whose
metadata carries Markdown and HTML.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

import pytest
from browser_support import (
    BROWSER_TEST, FIRST_POINT, no_exception, pick_first_row, sample_db, title, wait_for_plot,
    wait_idle,
)

from tracker import query

pytestmark = BROWSER_TEST

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

    path = sample_db(tmp_path_factory)
    folder = path.parent
    (folder / "iceland.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "country", "date", "forum", "language"])
        w.writerow(["iceland.txt", "ISL", "2024-09-27", FORUM, LANGUAGE])
    report = ingest_paths([folder / "iceland.txt"], db=path, manifest=folder / "manifest.csv")
    assert report.stored, report.summary()
    return path


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
    # the chart's caption is printed under it, as text that wraps (on_screen)
    caption = page.evaluate(
        "() => Array.from(document.querySelectorAll('[data-testid=stCaptionContainer]'))"
        ".map(e => e.textContent).join(' ')"
    )
    assert f'<a href="http://{EVIL}/a">link</a>' in caption
    # the stored HTML is not interpreted: no anchor "link" (Markdown shows a bare URL as a link
    # whose text is the URL, as typed), and no image is fetched
    assert page.get_by_role("link", name="link", exact=True).count() == 0
    assert page.locator(f'img[src^="http://{EVIL}"]').count() == 0
    page.goto(url + "/")
    wait_for_plot(page)
    wait_idle(page, dashboard)
    assert page.get_by_text(LANGUAGE, exact=False).count() >= 1
    assert page.locator(f'img[src*="{EVIL}"]').count() == 0
    assert not [u for u in page.refused if EVIL in u]
