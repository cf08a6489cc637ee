"""Issue 11, "Done when": a researcher's path through the dashboard in a real browser (Debian's
Chromium through Playwright, every request off this machine refused): set a filter in the sidebar,
click a point on Trends, open the statement behind it, come back with Back, compare two countries
when one side has no statements under the filters (China vs the United States in 2024), and
download a chart's bundle (zip) whose citation names the tool and the codebook versions.

The database is a part of the bundled sample (the same parts tests/test_browser.py ingests).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from browser_support import (
    BROWSER_TEST, FIRST_POINT, no_exception, pick_first_row, sample_db, title, wait_for_plot,
    wait_idle,
)

import tracker
from tracker import query

THEME = "un_main_channel"

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def browser_db(tmp_path_factory) -> Path:
    return sample_db(tmp_path_factory)


def test_a_researchers_path(page, dashboard, browser_db, tmp_path):
    _, url = dashboard
    opts = query.options(browser_db)
    book = query.codebook_info(browser_db)

    # 1. a filter: the years from the URL, a theme picked in the sidebar
    page.goto(url + "/?years=2020-2024")
    wait_for_plot(page)
    wait_idle(page, dashboard)
    assert title(page) == "Trends"
    themes = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]").first
    themes.click()
    page.keyboard.type(opts.theme_labels[THEME])
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_url(f"**themes={THEME}**", timeout=90000)
    wait_idle(page, dashboard)
    wait_for_plot(page)
    no_exception(page)

    # 2. click a point with statements behind it: its evidence shows
    i = page.evaluate(FIRST_POINT)
    assert i >= 0, "no point with statements behind it"
    page.locator(".js-plotly-plot .scatterlayer .trace .points path").nth(i).click(force=True)
    page.wait_for_selector("text=Evidence:", timeout=90000)
    table = page.locator("[data-testid=stDataFrame]").first
    table.wait_for(timeout=90000)
    wait_idle(page, dashboard)
    no_exception(page)

    # 3. pick the first passage and open its statement; the URL keeps the filters
    pick_first_row(page, table)
    button = page.get_by_role("button", name="Open statement")
    button.wait_for(timeout=90000)
    button.click()
    page.wait_for_url("**/statement?**", timeout=90000)
    wait_idle(page, dashboard)
    assert title(page) == "Statement"
    assert "years=2020-2024" in page.url and f"themes={THEME}" in page.url
    no_exception(page)

    # 4. Back: Trends again, same filters, no crash
    page.go_back()
    wait_for_plot(page)
    wait_idle(page, dashboard)
    assert title(page) == "Trends"
    assert "years=2020-2024" in page.url
    no_exception(page)

    # 5. compare two countries, one with no statements in 2024: a note, the other side drawn
    page.goto(url + "/compare?a=CHN&b=USA&years=2024-2024")
    page.wait_for_selector("text=has no statements under these filters", timeout=90000)
    wait_idle(page, dashboard)
    assert title(page) == "Compare"
    no_exception(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90000)
    note = page.locator("[data-testid=stAlert]", has_text="has no statements").first.inner_text()
    assert "United States" in note or "USA" in note

    # 6. the first chart's bundle: a zip whose citation names the tool and the codebook
    bundle = page.locator("[data-testid=stDownloadButton] button", has_text="Bundle").first
    bundle.wait_for(timeout=90000)
    with page.expect_download(timeout=180000) as info:
        bundle.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".zip"
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as z:
        cites = [n for n in z.namelist() if "citation" in n.lower()]
        assert cites, z.namelist()
        text = z.read(cites[0]).decode("utf-8")
    assert f"position-tracker {tracker.__version__}" in text
    assert book is not None and book.version and book.version in text
    no_exception(page)
