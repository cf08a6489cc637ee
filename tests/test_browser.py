"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against a dashboard
this test starts on a free local port, on the bundled sample corpus, with every request off this
machine refused.

It loads the dashboard, changes a filter and sees the chart change, opens the evidence behind a
selected point, downloads PNG, SVG and CSV and checks them, reopens the copied URL and gets the
same filters, and sees the world map drawn from the shipped shapes.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import browser_support
from browser_support import BROWSER_TEST, sample_db, wait_for_plot

from tracker import __version__, query

REPO = Path(__file__).resolve().parents[1]

pytestmark = BROWSER_TEST


@pytest.fixture(scope="module")
def browser_db(tmp_path_factory) -> Path:
    return sample_db(tmp_path_factory)


@pytest.fixture()
def viewport() -> dict[str, int]:
    return {"width": 1400, "height": 1600}


def plot_data(page, index: int = 0) -> list[dict]:
    """The traces plotly.js drew: name, x, y, customdata."""
    return page.evaluate(
        """(i) => { const el = document.querySelectorAll('.js-plotly-plot')[i];
            return el._fullData.map(t => ({name: t.name, x: Array.from(t.x || []),
                                      y: Array.from(t.y || []), mode: t.mode,
                                      customdata: t.customdata ? Array.from(t.customdata) : null})); }""",
        index,
    )


def y_title(page, index: int = 0) -> str:
    return page.evaluate(
        "(i) => document.querySelectorAll('.js-plotly-plot')[i].layout.yaxis.title.text", index
    )


def download(page, label: str, tmp_path: Path) -> bytes:
    button = page.locator("[data-testid=stDownloadButton] button", has_text=label).first
    with page.expect_download(timeout=90000) as info:
        button.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target.read_bytes()


def test_dashboard_filters_evidence_downloads_and_url(page, dashboard, browser_db, tmp_path):
    _, url = dashboard
    page.goto(url + "/")
    wait_for_plot(page)
    before = plot_data(page)
    assert "Share of statements" in y_title(page)
    lines = [t for t in before if t["mode"] == "lines+markers"]
    assert lines and all(len(t["y"]) for t in lines)

    # a filter change redraws the chart
    page.get_by_text("Matches per 1,000 words", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot').layout.yaxis.title.text.startsWith('Matches')",
        timeout=60000,
    )
    after = [t for t in plot_data(page) if t["mode"] == "lines+markers"]
    assert [t["y"] for t in after] != [t["y"] for t in lines]
    # the URL follows at the end of the run (its writes go out together: one history entry)
    page.wait_for_url("**measure=rate**", timeout=60000)

    # a selected point opens its evidence
    points = page.locator(".js-plotly-plot .scatterlayer .trace .points path")
    target = None
    for trace in after:  # the first point with statements behind it
        for i, y in enumerate(trace["y"]):
            if y and y > 0:
                target = (trace, i)
                break
        if target:
            break
    assert target, "the sample has no match at all"
    idx = sum(len(t["y"]) for t in after[: after.index(target[0])]) + target[1]
    points.nth(idx).click(force=True)
    page.wait_for_selector("text=Evidence:", timeout=60000)
    page.wait_for_selector("[data-testid=stDataFrame]", timeout=60000)
    assert page.get_by_text("No passages match here").count() == 0

    # downloads: PNG and SVG are images, the CSV holds the chart's rows
    png = download(page, "PNG", tmp_path)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") > 500
    svg = download(page, "SVG", tmp_path).decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "Matches per 1,000 words" in svg
    rows = list(csv.DictReader(io.StringIO(download(page, "CSV", tmp_path).decode("utf-8-sig"))))
    assert len(rows) == sum(len(t["y"]) for t in after)
    drawn = {
        (t["customdata"][i][0], int(t["x"][i])): t["y"][i]
        for t in after
        for i in range(len(t["x"]))
    }
    for r in rows:
        assert float(r["rate"]) == pytest.approx(drawn[(r["theme"], int(r["year"]))], rel=1e-9)
    # each CSV says what made it: the codebook, the tool, the view (whose URL holds the filters)
    version = query.codebook_info(browser_db).version
    assert {(r["codebook_version"], r["tool_version"]) for r in rows} == {(version, __version__)}
    assert all(r["view"].startswith(url) and "measure=rate" in r["view"] for r in rows)
    evidence = list(csv.DictReader(io.StringIO(
        download(page, "CSV of all", tmp_path).decode("utf-8-sig"))))  # fmt: skip
    assert evidence and {(r["codebook_version"], r["tool_version"]) for r in evidence} == {
        (version, __version__)}

    # the copied URL reopens the same view
    copied = page.url
    page.goto(url + "/")  # somewhere else first
    wait_for_plot(page)
    page.goto(copied)
    wait_for_plot(page)
    assert y_title(page).startswith("Matches")
    assert page.locator("label:has-text('Matches per 1,000 words') input[type=radio]").is_checked()
    assert [t["y"] for t in plot_data(page) if t["mode"] == "lines+markers"] == [
        t["y"] for t in after
    ]
    assert not page.refused or all("127.0.0.1" not in u for u in page.refused)


def test_world_map_draws_offline(page, dashboard):
    _, url = dashboard
    page.goto(url + "/countries?view=map&theme=digital_divide")
    page.wait_for_selector(".choroplethlocation", timeout=60000)
    assert page.locator(".choroplethlocation").count() > 20
    assert not [u for u in page.refused if "topojson" in u or "cdn.plot.ly" in u]
    # a clicked country opens its evidence
    paths = page.locator(".choroplethlocation")
    boxes = sorted(((bb["width"] * bb["height"], i, bb) for i in range(paths.count())
                    if (bb := paths.nth(i).bounding_box())), reverse=True)  # fmt: skip
    for _, _, bb in boxes[:15]:
        x, y = bb["x"] + bb["width"] / 2, bb["y"] + bb["height"] / 2
        page.mouse.move(x, y, steps=3)
        page.wait_for_timeout(200)
        if page.locator(".hoverlayer .hovertext").count():  # the centre is on the country
            page.mouse.click(x, y)
            break
    else:
        pytest.fail("no country answered the mouse")
    page.wait_for_selector("text=Evidence:", timeout=60000)


def test_screenshot_script_writes_pngs(browser_db, tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "screenshots.py"), "--db", str(browser_db),
         "--out", str(tmp_path), "--only", "countries-map.png"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    png = (tmp_path / "countries-map.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_added_statement_shows_in_the_charts_without_a_restart(page, dashboard, tmp_path):
    """Runs last: it writes to the database the other tests read."""
    _, url = dashboard
    text = (
        "Statement by Iceland to the General Assembly.\n\n"
        "We must close the digital divide between and within countries, so that every school "
        "is connected. Cyberspace must never become a battlefield, and we oppose the "
        "militarization of cyberspace.\n"
    )
    page.goto(url + "/add")
    page.wait_for_selector("input[type=file]", state="attached", timeout=60000)
    page.set_input_files("input[type=file]", files=[
        {"name": "iceland-2024.txt", "mimeType": "text/plain", "buffer": text.encode()}])  # fmt: skip
    page.get_by_label("Country (ISO3 code or name)").fill("ISL")
    page.get_by_label("Date (YYYY-MM-DD, YYYY-MM or YYYY)").fill("2024-09-27")
    page.get_by_label("Language (en, fr, es...)").fill("en")
    page.get_by_role("button", name="Add to the database").click()
    page.wait_for_selector("text=1 stored", timeout=120000)
    page.goto(url + "/?countries=ISL")
    wait_for_plot(page)
    lines = [t for t in plot_data(page) if t["mode"] == "lines+markers"]
    drawn = {t["customdata"][0][0]: t["y"] for t in lines}
    assert drawn["digital_divide"] == [1.0]


def test_back_from_a_statement_leaves_no_statement_id_in_the_evidence_url(page, dashboard):
    """Evidence -> Open statement -> the browser's Back: the Evidence page's URL (which every
    export cites) must not keep the statement's `id` (it did: Streamlit gave the page the
    session's current parameters)."""
    _, url = dashboard
    page.goto(f"{url}/evidence?theme=digital_divide&countries=CHN")
    browser_support.wait_idle(page, dashboard)
    table = page.locator("[data-testid=stDataFrame]").first
    table.wait_for(timeout=90000)
    browser_support.pick_first_row(page, table)
    page.get_by_role("button", name="Open statement").first.click()
    page.wait_for_url("**/statement?**id=*", timeout=90000)
    browser_support.wait_idle(page, dashboard)
    page.go_back()
    page.wait_for_url("**/evidence?**", timeout=90000)
    browser_support.wait_idle(page, dashboard)
    # the page's run follows the URL's change; on a loaded machine it starts after a second
    page.wait_for_function("document.querySelector('h1')?.innerText == 'Evidence'", timeout=60000)
    browser_support.wait_idle(page, dashboard)
    # the run's URL writes go out together once the page has drawn: on a loaded machine after
    # the idle check (CI run of 2026-12-06); a URL that keeps the id still fails after 30 s
    try:
        page.wait_for_function("!new URLSearchParams(location.search).has('id')", timeout=30000)
    except Exception:  # noqa: BLE001  (the assertion below says what was left)
        pass
    assert browser_support.title(page) == "Evidence"
    params = dict(p.split("=", 1) for p in page.url.split("?", 1)[1].split("&"))
    assert params.get("theme") == "digital_divide" and params.get("countries") == "CHN"
    assert "id" not in params


def test_opening_compare_adds_one_history_entry_for_its_sides(page, dashboard):
    """Each URL write of a run reached the browser on its own, each a history entry: opening
    Compare added three (the page, then side a, then side b), so Back seemed to do nothing
    twice. The run's writes now go out together: the page's entry and one for its sides, and
    two Backs lead out of Compare."""
    _, url = dashboard
    page.goto(f"{url}/countries")
    browser_support.wait_idle(page, dashboard)
    page.wait_for_timeout(1000)
    before = page.evaluate("history.length")
    page.get_by_role("link", name="Compare").first.click()
    page.wait_for_url("**/compare?*a=*b=*", timeout=90000)
    browser_support.wait_idle(page, dashboard)
    page.wait_for_timeout(1500)
    assert page.evaluate("history.length") - before == 2
    for _ in range(2):
        page.go_back()
        browser_support.wait_idle(page, dashboard)
        page.wait_for_timeout(1000)
    assert page.url.split("?")[0].endswith("/countries") and browser_support.title(page) == "Countries"


def test_back_undoes_a_change_of_a_pages_own_setting(page, dashboard):
    """The same for a page's own setting: the Countries page's view pushes a URL; Back brought
    the old URL, but the radio kept the new view and wrote it back (only the sidebar's filters
    followed Back). Back now shows the heatmap again, and its URL stays the old one."""
    _, url = dashboard
    page.goto(f"{url}/countries")
    browser_support.wait_idle(page, dashboard)
    page.locator('[data-testid="stRadio"] label').filter(has_text="Ranking").first.click()
    page.wait_for_function("new URLSearchParams(location.search).get('view') == 'ranking'",
                           timeout=90000)  # fmt: skip
    browser_support.wait_idle(page, dashboard)
    page.go_back()
    page.wait_for_timeout(1500)
    browser_support.wait_idle(page, dashboard)
    page.wait_for_timeout(1500)
    assert page.get_by_role("radio", name="Heatmap").is_checked()
    assert "view=" not in page.url, page.url


def test_back_undoes_a_filter_change(page, dashboard):
    """A filter change pushes a URL; Back brought the old URL but the widgets kept the new value
    and wrote it back, so Back seemed to do nothing. Back now shows the view the URL names."""
    _, url = dashboard
    page.goto(f"{url}/?themes=militarization")
    browser_support.wait_idle(page, dashboard)
    wait_for_plot(page)
    themes = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
    themes.locator("input").click()
    themes.locator("input").fill("Digital divide")
    page.get_by_role("option", name="Digital divide").first.click()
    page.keyboard.press("Escape")
    page.wait_for_function("decodeURIComponent(location.search)"
                           " == '?themes=militarization,digital_divide'", timeout=90000)  # fmt: skip
    browser_support.wait_idle(page, dashboard)
    page.go_back()
    page.wait_for_timeout(1500)
    browser_support.wait_idle(page, dashboard)
    page.wait_for_timeout(1500)
    assert page.url.endswith("/?themes=militarization"), page.url
    chosen = themes.inner_text()
    assert "Militarization" in chosen and "Digital divide" not in chosen, chosen


@pytest.mark.parametrize("viewport", [{"width": 800, "height": 1000}])
def test_export_buttons_read_whole_in_a_narrow_window(page, dashboard):
    """At 800 px, with the sidebar open, the eight columns of export buttons showed only each
    label's first letter ("P…" for both PNG and PDF; QA in Chromium): they wrap now."""
    _, url = dashboard
    page.goto(url + "/?themes=digital_divide,militarization")
    wait_for_plot(page)
    buttons = page.locator("[data-testid=stDownloadButton] button")
    # The export row renders after the chart: on a loaded machine 500 ms was not enough (CI
    # found no button at all), so wait for its last button.
    buttons.filter(has_text="Bundle (zip)").first.wait_for(timeout=90000)
    page.wait_for_timeout(500)
    labels = [buttons.nth(i).inner_text().strip() for i in range(buttons.count())]
    assert {"PNG", "SVG", "PDF", "HTML", "CSV", "XLSX", "Bundle (zip)"} <= set(labels), labels
    for i in range(buttons.count()):  # each label's text fits its button: nothing cut
        cut = buttons.nth(i).evaluate(
            "b => [...b.querySelectorAll('*')].concat([b]).some(e => e.scrollWidth > e.clientWidth + 1)")
        assert not cut, labels[i]


@pytest.mark.parametrize("viewport", [{"width": 800, "height": 1000}])
def test_the_heatmap_keeps_room_for_its_cells_in_a_narrow_window(page, dashboard):
    """At 800 px the country names and an upright colour bar left the cells a strip of about
    60 px of a 470 px chart (QA in Chromium): the bar sits above the cells now."""
    _, url = dashboard
    page.goto(url + "/countries")
    page.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=90000)
    page.wait_for_timeout(500)
    width, cells = page.evaluate(
        "() => { const l = document.querySelector('.js-plotly-plot')._fullLayout;"
        " return [l.width, l.xaxis._length]; }")
    assert cells >= 0.3 * width, (cells, width)


@pytest.mark.parametrize("viewport", [{"width": 1000, "height": 1000}])
def test_a_charts_caption_reads_whole_in_a_narrow_window(page, dashboard):
    """The caption (filters · codebook version · notes), drawn inside the figure and wrapped
    for a 1,000 px export, ran past the chart's right edge in the browser (QA: by 119-366 px
    at 1,000 px, the codebook version cut): it is printed under the chart now, and wraps."""
    _, url = dashboard
    page.goto(url + "/countries")
    page.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=90000)
    page.wait_for_timeout(500)
    caption = page.locator("[data-testid=stCaptionContainer]", has_text=re.compile(r"^Filters:")).first
    caption.wait_for(timeout=30000)
    text = caption.inner_text()
    assert text.startswith("Filters:") and "codebook " in text, text
    chart = page.locator(".js-plotly-plot").first.bounding_box()
    box = caption.bounding_box()
    assert chart and box and box["x"] + box["width"] <= chart["x"] + chart["width"] + 1
    overflow = caption.evaluate("e => e.scrollWidth > e.clientWidth + 1")
    assert not overflow
    assert page.locator(".js-plotly-plot .annotation-text", has_text="codebook").count() == 0
