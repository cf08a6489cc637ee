"""Issue 13, "Done when", in a real browser (Debian's Chromium through Playwright, every request
off this machine refused) against one `streamlit run dashboard.py` that is never restarted:

a sample of 10 statements is drawn on the Sample page; alice and bob code it in two separate
browser sessions (alice selects her evidence in the text with the mouse, bob uses the keyboard),
disagreeing on purpose on three (statement, theme) pairs; the Agreement page shows kappa and
alpha and lists exactly those three, which carol adjudicates; the Report page shows P/R/F1 for
the default codebook; on the Codebook and method page a phrase read from a sampled statement is
added to a theme the tool does not find in it, the preview lists the new match, the saved
version re-matches the database in the background (its progress shown) and the Report page
then shows the new version's figures. The gold TSV and the method paragraph exported from the
Report page give `tracker validate`'s figures, before and after the new version.

The database is 24 English General Debate speeches of 2024 from the shared corpus; what the
test expects (the tool's findings, the phrase, the scores) is read from that database.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import krippendorff
import pandas as pd
import pytest
from browser_support import BROWSER_TEST, REPO, no_exception, wait_idle
from db_support import sql
from test_workbench import cli_figures

from tracker import query
from tracker.codebook import codebook_from_text
from tracker.store import Store
from tracker.validate import load_gold
from tracker.workbench import report as wb_report
from tracker.workbench import store as wb

pytestmark = BROWSER_TEST

SIZE, SEED = 10, 4242
TIMEOUT = 120_000  # ms: a shared machine under load
#: Streamlit's "Download as CSV" of a table uses the File System Access API where the browser
#: has it (a save dialog); without it, a plain download Playwright can read.
NO_SAVE_PICKER = "delete window.showSaveFilePicker;"
#: Every progress bar's text that the page ever shows, even for a moment.
RECORD_PROGRESS = """
window.__progress = [];
new MutationObserver(() => {
  for (const e of document.querySelectorAll('[data-testid=stProgress]')) {
    const t = e.innerText.trim();
    if (t && !window.__progress.includes(t)) window.__progress.push(t);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""
#: Streamlit is idle: no status widget, no element left over (stale) from the run before.
IDLE = "() => !document.querySelector('[data-testid=stStatusWidget], [data-stale=true]')"
#: Where a phrase sits in the text box, scrolled into the box's view: the rectangles of its
#: first and last characters.
PHRASE_RECTS = """(phrase) => {
  const box = document.querySelector('.wb-text');
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  let node, at = -1;
  while ((node = walker.nextNode()) && (at = node.data.indexOf(phrase)) < 0) {}
  if (at < 0) return null;
  const rect = (i) => { const r = document.createRange(); r.setStart(node, i);
                        r.setEnd(node, i + 1); return r.getBoundingClientRect(); };
  const first = rect(at), top = box.getBoundingClientRect().top;
  box.scrollTop += first.top - top - box.clientHeight / 2;
  const a = rect(at), b = rect(at + phrase.length - 1);
  return [a.left, a.top, a.height, b.right, b.top, b.height];
}"""
#: Words a phrase preferably holds, so that it reads as evidence of a technology theme.
PREFERRED = re.compile(r"digital|technolog|internet|connect|access|innovation|science|data")


def _build_db(corpus: Path, folder: Path) -> Path:
    """The English 2024 speeches of gold/dev.tsv (the first 24 by file name), ingested by the
    real pipeline with the default codebook."""
    from tracker.ingest import ingest_paths

    rows = (corpus / "gold/dev.tsv").read_text(encoding="utf-8").splitlines()[1:]
    files = sorted({r.split("\t")[0] for r in rows if r.split("\t")[0].endswith("_en.txt")})[:24]
    db = folder / "tracker.db"
    report = ingest_paths([corpus / "unga79/text" / f for f in files], db=db,
                          manifest=corpus / "manifest.csv")  # fmt: skip
    assert len(report.stored) == len(files), report.summary()
    return db


@pytest.fixture(scope="module")
def browser_db(corpus, tmp_path_factory) -> Path:
    return _build_db(corpus, tmp_path_factory.mktemp("issue13-db"))


# -- the browser ----------------------------------------------------------------------------------


@contextmanager
def session(browser, dashboard) -> Iterator:
    """A page in a browser context of its own: a separate Streamlit session (its own cookies
    and state), as a second coder on another machine would have."""
    helpers, url = dashboard
    context = browser.new_context(viewport={"width": 1600, "height": 1400}, accept_downloads=True)
    context.add_init_script(NO_SAVE_PICKER + RECORD_PROGRESS)
    page = context.new_page()
    page.refused = []
    helpers.local_only(page, url, page.refused)
    try:
        yield page
    finally:
        context.close()


def expect(locator):
    """Playwright's ``expect`` (imported here: without playwright the module skips, as
    browser_support decides, instead of failing to import)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def idle(page, dashboard) -> None:
    """Streamlit has finished its run (see ``IDLE``), and the page shows no exception."""
    wait_idle(page, dashboard)
    page.wait_for_function(IDLE, timeout=TIMEOUT)
    no_exception(page)


def open_page(page, dashboard, path: str, ready: str) -> None:
    page.goto(dashboard[1] + path)
    page.wait_for_selector(ready, timeout=TIMEOUT)
    idle(page, dashboard)


def click(page, dashboard, selector: str) -> None:
    page.locator(selector).first.click()
    idle(page, dashboard)


def metric(page, label: str) -> str:
    box = page.locator("[data-testid=stMetric]", has_text=label).first
    return box.locator("[data-testid=stMetricValue]").inner_text().strip()


def table(page, *columns: str) -> pd.DataFrame:
    """The whole table holding these column headers, through its own "Download as CSV" (the
    table is drawn on a canvas; its DOM copy holds only the rows in view)."""
    frame = page.locator("[data-testid=stDataFrame]")
    for c in columns:
        frame = frame.filter(has=page.locator("th", has_text=re.compile(rf"^{re.escape(c)}$")))
    frame = frame.first
    frame.scroll_into_view_if_needed()
    frame.hover()
    button = frame.locator("[aria-label='Download as CSV']")
    button.wait_for(state="attached", timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as info:
        # a click event sent to the button itself: a mouse click at its place can land on the
        # heading above or on the grid while the hover toolbar fades in (CI, a loaded machine)
        button.dispatch_event("click")
    return pd.read_csv(info.value.path(), encoding="utf-8-sig")


def download(page, key: str, folder: Path) -> Path:
    with page.expect_download(timeout=TIMEOUT) as info:
        # .first: Streamlit draws a button that has help twice (the second a hidden copy)
        page.locator(f".st-key-{key} button").first.click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def theme_button(page, theme: str):
    return page.locator(f".st-key-wb_theme_{theme} button")


def select_with_mouse(page, phrase: str) -> None:
    """Select ``phrase`` in the coding page's text by dragging the mouse over it."""
    page.locator(".wb-text").scroll_into_view_if_needed()
    rects = page.evaluate(PHRASE_RECTS, phrase)
    assert rects, f"{phrase!r} is not in the text box"
    x1, y1, h1, x2, y2, h2 = rects
    page.mouse.move(x1 + 1, y1 + h1 / 2)
    page.mouse.down()
    page.mouse.move(x2 - 1, y2 + h2 / 2, steps=8)
    page.mouse.up()


# -- what the test expects, read from the database ------------------------------------------------


def found_themes(db: Path) -> dict[int, set[str]]:
    """The themes the stored coding finds in each statement (a counted match)."""
    found: dict[int, set[str]] = {}
    for sid, theme in sql(db, "SELECT DISTINCT statement_id, theme FROM matches WHERE counted = 1"):
        found.setdefault(sid, set()).add(theme)
    return found


def plain_themes(db: Path) -> list[str]:
    """Themes whose every rule match counts (no direction, no exclusion) and that have a
    phrase rule the editor can add a phrase to, in the codebook's order."""
    with Store(db, readonly=True) as store:
        active = store.active_codebook()
    book = codebook_from_text(active.text, path=active.path)
    return [t.id for t in book.themes
            if not t.stance.directional and not t.exclude
            and not any(r.exclude for r in t.rules)
            and any(r.phrases for r in t.rules)]  # fmt: skip


def phrase_in(text: str) -> str | None:
    """Four lower-case words that occur once in ``text`` (case folded), on one line, away from
    its first lines; preferably words of technology."""
    folded = text.lower()
    words = r"(?<![\w'-])[a-z]{3,}(?: [a-z]{3,}){3}(?![\w'-])"
    candidates = [m.group(0) for m in re.finditer(words, text[len(text) // 5:])]
    unique = [c for c in candidates if folded.count(c) == 1]
    return next((c for c in unique if PREFERRED.search(c)), unique[0] if unique else None)


def micro(gold: set[tuple[int, str]], found: set[tuple[int, str]]) -> tuple[float, float, float]:
    """Micro precision, recall and F1 of ``found`` against the gold positives."""
    tp, fp, fn = len(gold & found), len(found - gold), len(gold - found)
    return tp / (tp + fp), tp / (tp + fn), 2 * tp / (2 * tp + fp + fn)


def shown_micro(page) -> tuple[float, float, float]:
    return tuple(float(metric(page, f"Micro {m}")) for m in ("precision", "recall", "F1"))


def cohen_kappa(a: list[int], b: list[int]) -> float:
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    expected = sum((a.count(v) / n) * (b.count(v) / n) for v in (0, 1))
    return (observed - expected) / (1 - expected)


# -- the flow -------------------------------------------------------------------------------------


def draw(page, dashboard, db: Path) -> tuple[wb.Sample, list[wb.Item]]:
    open_page(page, dashboard, "/workbench_sample", ".st-key-wb_draw button")
    for key, value in (("wb_size", SIZE), ("wb_seed", SEED)):
        page.fill(f".st-key-{key} input", str(value))
        page.keyboard.press("Enter")
        idle(page, dashboard)
    click(page, dashboard, ".st-key-wb_draw button")
    done = page.locator("[data-testid=stAlert]", has_text="is stored").first
    done.wait_for(timeout=TIMEOUT)
    number = int(re.search(r"Sample #(\d+) is stored", done.inner_text()).group(1))
    with wb.open_store(db, readonly=True) as store:
        (sample,) = wb.samples(store)
        items = wb.items(store, sample.id)
    assert (number, sample.size, sample.seed, sample.unit) == (sample.id, SIZE, SEED, "statement")
    assert len(items) == SIZE and len({i.statement_id for i in items}) == SIZE
    return sample, items


def code_sample(page, dashboard, sample, items, coder: str, present: set[tuple[int, str]],
                evidence: dict[tuple[int, str], str], *, keyboard: bool) -> None:  # fmt: skip
    """``coder`` codes every item: the pairs in ``present`` present, the rest absent; evidence
    selected in the text with the mouse; themes toggled with their keys or by clicking."""
    open_page(page, dashboard, f"/workbench_code?sample={sample.id}", ".st-key-wb_coder input")
    page.fill(".st-key-wb_coder input", coder)
    page.keyboard.press("Enter")
    page.get_by_text(f"{coder}: 0 of {SIZE} statements coded").first.wait_for(timeout=TIMEOUT)
    idle(page, dashboard)
    themes = list(sample.themes)
    for item in items:
        page.get_by_text(re.compile(rf"^Item {item.position} of {SIZE}\b")).first.wait_for(
            timeout=TIMEOUT)  # fmt: skip
        caption = page.get_by_text(re.compile(rf"Not coded yet · statement {item.statement_id}$"))
        caption.first.wait_for(timeout=TIMEOUT)  # the stored item, not yet coded by this coder
        for n, theme in enumerate(themes):
            button = theme_button(page, theme)
            # blind: nothing is present before this coder decides, whatever others said
            assert button.inner_text().startswith("○ absent"), (coder, item.position, theme)
            if (item.id, theme) not in present:
                continue
            if keyboard and n < 10:
                page.evaluate("document.activeElement && document.activeElement.blur()")
                page.keyboard.press(str((n + 1) % 10))
            else:
                button.click()
            page.locator(f".st-key-wb_theme_{theme} button", has_text="✓ present").wait_for(
                timeout=TIMEOUT)  # fmt: skip
            idle(page, dashboard)
            quote = evidence.get((item.id, theme))
            if quote:
                select_with_mouse(page, quote)
                page.get_by_text(f"Selected: “{quote}”").wait_for(timeout=TIMEOUT)
                idle(page, dashboard)
                click(page, dashboard, f".st-key-wb_use_{theme} button")
                box = page.locator(f".st-key-wb_ev_{sample.id}_{coder}_{item.id}_{theme} input")
                expect(box).to_have_value(quote, timeout=TIMEOUT)
        if keyboard:
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.keyboard.press("Control+Enter")
        else:
            page.locator(".st-key-wb_save button").click()
        page.get_by_text(f"{coder}: {item.position} of {SIZE} statements coded").first.wait_for(
            timeout=TIMEOUT)  # fmt: skip
        idle(page, dashboard)
    page.get_by_text(f"Every item of this sample is coded by {coder}").wait_for(timeout=TIMEOUT)


def stored_labels(db: Path, sample_id: int, coder: str) -> tuple[set, pd.DataFrame]:
    """The (item, theme) pairs ``coder`` saved as present, and all their labels."""
    with wb.open_store(db, readonly=True) as store:
        saved = wb.labels(store, sample_id, coder=coder)
    chosen = saved[saved["present"].astype(bool)]
    return {(int(i), t) for i, t in zip(chosen["item_id"], chosen["theme"])}, saved


def report_figures(page, dashboard, sample_id: int, folder: Path, db: Path, version: str):
    """The Report page's micro P/R/F1 for the active codebook ``version``, checked against its
    exports: the gold TSV through `tracker validate` and the method paragraph."""
    open_page(page, dashboard, f"/workbench_report?sample={sample_id}",
              "[data-testid=stMetric]")  # fmt: skip
    # the active codebook's own name: "default", or "default-edited" once the editor saved
    name = query.codebook_info(db).name
    caption = rf"Codebook {re.escape(name)} \({version[:12]}\) · {SIZE} statements with gold"
    page.get_by_text(re.compile(caption)).first.wait_for(timeout=TIMEOUT)
    shown = shown_micro(page)
    folder.mkdir(parents=True, exist_ok=True)
    gold_tsv = download(page, "wb_dl_gold", folder)
    method = download(page, "wb_dl_method", folder).read_text(encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "tracker.cli", "validate", "--gold", str(gold_tsv),
                          "--db", str(db)], cwd=REPO, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert cli.returncode == 0, cli.stdout + cli.stderr
    printed = cli_figures(cli.stdout)
    assert tuple(float(x) for x in printed["micro"][:3]) == shown, (printed["micro"], shown)
    ids = {label: t for t, label in query.options(db).theme_labels.items()}
    per_theme = table(page, "gold_positives", "tp")  # the page's table, themes by their labels
    rows = per_theme[~per_theme["theme"].isin(["micro", "macro"])]
    assert {ids[t] for t in rows["theme"]} == set(printed) - {"micro"}
    for r in rows.itertuples():
        counts = tuple(str(int(n)) for n in (r.gold_positives, r.tp, r.fp, r.fn))
        if int(r.gold_positives) == 0:  # undefined on the page (empty), vacuous in validate
            assert printed[ids[r.theme]][:4] == counts and pd.isna(r.recall), r.theme
            continue
        assert printed[ids[r.theme]] == (
            *counts, f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}"), r.theme  # fmt: skip
    said = re.search(r"precision of ([\d.]+), recall of ([\d.]+) and F1 of ([\d.]+)", method)
    assert said and tuple(float(x) for x in said.groups()) == shown, method
    assert f"version {version[:12]}" in method and "alice, bob" in method and "carol" in method
    no_exception(page)
    return shown, gold_tsv


def test_two_coders_agreement_report_and_a_codebook_edit_without_a_restart(
    browser, dashboard, browser_db, tmp_path
):  # fmt: skip
    db = browser_db
    default_version = query.codebook_info(db).version
    with session(browser, dashboard) as alice_page, session(browser, dashboard) as bob_page, \
            session(browser, dashboard) as carol_page:  # fmt: skip
        # 1. the sample, drawn on the Sample page
        sample, items = draw(alice_page, dashboard, db)
        themes = list(sample.themes)

        # the plan: a (statement, theme) the tool misses, with a phrase of the statement as the
        # coders' evidence; three pairs the tool finds, agreed present; three disagreements
        found = found_themes(db)
        plain = plain_themes(db)
        texts = {i.id: query.statement_detail(db, i.statement_id).text for i in items}
        target, theme, phrase = next(
            (i, t, p) for i in items for t in plain
            if t not in found.get(i.statement_id, set()) and (p := phrase_in(texts[i.id]))
        )  # fmt: skip
        others = [i for i in items if i.id != target.id]
        agreed = {(target.id, theme)} | {(i.id, min(found[i.statement_id]))
                                         for i in others[:3] if found.get(i.statement_id)}
        d_alice_yes, d_bob_yes, d_alice_yes_2 = ((others[3].id, themes[0]),
                                                 (others[4].id, themes[2]),
                                                 (others[5].id, themes[3]))  # fmt: skip
        alice_present = agreed | {d_alice_yes, d_alice_yes_2}
        bob_present = agreed | {d_bob_yes}
        gold_present = agreed | {d_alice_yes}  # the adjudication below
        assert len(agreed) >= 2

        # 2. two coders, two sessions; alice selects her evidence with the mouse
        code_sample(alice_page, dashboard, sample, items, "alice", alice_present,
                    {(target.id, theme): phrase}, keyboard=False)  # fmt: skip
        code_sample(bob_page, dashboard, sample, items, "bob", bob_present, {}, keyboard=True)
        for coder, wanted in (("alice", alice_present), ("bob", bob_present)):
            present, saved = stored_labels(db, sample.id, coder)
            assert present == wanted and len(saved) == SIZE * len(themes), coder
        _, saved = stored_labels(db, sample.id, "alice")
        row = saved[(saved["item_id"] == target.id) & (saved["theme"] == theme)].iloc[0]
        start, end = int(row["evidence_start"]), int(row["evidence_end"])
        assert row["evidence"] == phrase == texts[target.id][start:end]

        # 3. agreement, exactly the disagreements made, adjudicated into gold
        open_page(carol_page, dashboard, f"/workbench_agree?sample={sample.id}",
                  "[data-testid=stDataFrame]")  # fmt: skip
        shown = table(carol_page, "Cohen's kappa", "Krippendorff's alpha")  # CSV: the data's names
        pooled = shown[shown["theme"] == "(all themes)"].iloc[0]
        pairs = [(i.id, t) for i in items for t in themes]
        a = [int(p in alice_present) for p in pairs]
        b = [int(p in bob_present) for p in pairs]
        assert pooled["disagreements"] == 3 and pooled["items"] == len(pairs)
        assert pooled["kappa"] == pytest.approx(cohen_kappa(a, b), abs=5e-4)
        alpha = krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
        assert pooled["alpha"] == pytest.approx(alpha, abs=5e-4)
        assert 0 < pooled["kappa"] < 1
        carol_page.locator(".st-key-wb_adj_open label").click()
        carol_page.locator(".st-key-wb_adjudicator input").wait_for(timeout=TIMEOUT)
        idle(carol_page, dashboard)
        made = {d_alice_yes, d_bob_yes, d_alice_yes_2}
        # the blocks arrive one by one after the toggle; on a loaded machine `idle` can return
        # before the last one is drawn, so wait for as many as were made before reading them
        blocks = carol_page.locator("[class*='st-key-wb_dis_']")
        expect(blocks).to_have_count(len(made), timeout=TIMEOUT)
        listed = blocks.evaluate_all(
            "els => els.map(e => [...e.classList].find(c => c.startsWith('st-key-wb_dis_')))")
        assert sorted(listed) == sorted(f"st-key-wb_dis_{i}_{t}" for i, t in made)
        carol_page.fill(".st-key-wb_adjudicator input", "carol")
        carol_page.keyboard.press("Enter")
        idle(carol_page, dashboard)
        accept = carol_page.locator(".st-key-wb_accept_agreed button").first
        expect(accept).to_have_text(f"Save the {len(pairs) - 3} agreed labels as gold")
        click(carol_page, dashboard, ".st-key-wb_accept_agreed button")
        carol_page.get_by_text(f"{len(pairs) - 3} agreed labels saved as gold").wait_for(
            timeout=TIMEOUT)  # fmt: skip
        for item_id, t in made:
            choice = "present" if (item_id, t) in gold_present else "absent"
            box = carol_page.locator(f".st-key-wb_dis_{item_id}_{t}")
            box.locator("label", has_text=choice).first.click()
            expect(box.get_by_role("radio", name=choice).first).to_be_checked(timeout=TIMEOUT)
            idle(carol_page, dashboard)
        click(carol_page, dashboard, ".st-key-wb_adj_save button")
        carol_page.get_by_text("3 adjudicated labels saved as gold").wait_for(timeout=TIMEOUT)
        with wb.open_store(db, readonly=True) as store:
            gold = wb.gold(store, sample_id=sample.id)
        assert len(gold) == len(pairs)
        assert {(int(i), t) for i, t, p in zip(gold["item_id"], gold["theme"], gold["present"])
                if p} == gold_present  # fmt: skip
        assert set(gold.loc[gold["gold_source"] == "adjudicated", "item_id"]) == {
            i for i, _ in made}  # fmt: skip

        # 4. the report for the default codebook: the tool's findings against the gold
        item_of = {i.statement_id: i.id for i in items}
        found_pairs = {(item_of[s], t) for s, ts in found.items() if s in item_of for t in ts}
        assert (target.id, theme) not in found_pairs  # a false negative, for now
        before, gold_tsv = report_figures(carol_page, dashboard, sample.id, tmp_path / "before",
                                          db, default_version)  # fmt: skip
        exported = load_gold(gold_tsv)  # the TSV holds the adjudicated gold, by file name
        name_of = {i.id: Path(i.source).name for i in items}
        assert {(f, t) for f, ts in exported.items() for t, p in ts.items() if p} == {
            (name_of[i], t) for i, t in gold_present}  # fmt: skip
        assert sum(len(ts) for ts in exported.values()) == len(pairs)
        assert before == pytest.approx(micro(gold_present, found_pairs), abs=5e-4)
        built = wb_report.build_report(db, sample.id).scores
        assert before == tuple(round(x, 3) for x in (built.micro_p, built.micro_r, built.micro_f1))

        # 5. the editor: the phrase added to the theme; the preview lists its new match
        editor_page = alice_page
        text_area = "[class*='st-key-ed_text_'] textarea"
        open_page(editor_page, dashboard, "/method", text_area)
        label = query.options(db).theme_labels[theme]
        editor_page.get_by_role("combobox", name="Theme to edit").click()
        editor_page.get_by_role("combobox", name="Theme to edit").fill(theme)
        editor_page.get_by_role("option", name=f"{label} ({theme})").click()
        editor_page.wait_for_function(
            f"() => document.querySelector(\"{text_area}\").value.startsWith('id: {theme}')",
            timeout=TIMEOUT)  # fmt: skip
        idle(editor_page, dashboard)
        editor_page.get_by_text("Add a phrase to a rule").click()
        editor_page.fill(".st-key-ed_add_phrase input", phrase)
        editor_page.keyboard.press("Enter")
        idle(editor_page, dashboard)
        click(editor_page, dashboard, ".st-key-ed_add button")
        assert f"- {phrase}" in editor_page.locator(text_area).input_value()
        click(editor_page, dashboard, ".st-key-ed_preview button")
        editor_page.locator("[data-testid=stMetric]", has_text="Matches appearing").wait_for(
            timeout=TIMEOUT)  # fmt: skip
        idle(editor_page, dashboard)
        assert int(metric(editor_page, "Matches appearing").replace(",", "")) >= 1
        kwic = table(editor_page, "change", "country")  # headers in view: the grid draws only those
        new = kwic[(kwic["change"] == "appears") & (kwic["theme"] == theme)
                   & (kwic["statement"] == target.statement_id)]  # fmt: skip
        assert len(new) == 1 and new.iloc[0]["match"] == phrase, kwic.head(20)
        assert new.iloc[0]["file"] == Path(target.source).name
        decisions = table(editor_page, "file", "gold")
        fixed = decisions[(decisions["file"] == Path(target.source).name)
                          & (decisions["theme"] == theme)]  # fmt: skip
        assert len(fixed) == 1 and fixed.iloc[0]["gold"] == "present", decisions

        # 6. saved as a new version; the background re-match shows its progress and finishes
        click(editor_page, dashboard, ".st-key-ed_save button")
        done = editor_page.locator("[data-testid=stAlert]", has_text="Re-matched").first
        done.wait_for(timeout=TIMEOUT)
        idle(editor_page, dashboard)
        new_version = query.codebook_info(db).version
        assert new_version != default_version
        assert f"with codebook {new_version}" in done.inner_text()
        assert metric(editor_page, "Version") == new_version[:12]
        # a changed copy of the shipped codebook is named apart from it
        assert query.codebook_info(db).name == "default-edited"
        # any progress text seen names the new version in one of the job's phases; the 24
        # statements may be matched and written before the page's first look (CI saw no
        # progress at all once): test_editor_page holds a job in each phase to see them all
        progress = editor_page.evaluate("window.__progress")
        shown = [p for p in progress if new_version in p]
        assert all(p.startswith(("Starting the re-match", "Re-matching with",
                                 "Writing the matches")) for p in shown), progress
        assert all(new_version in p for p in progress if p.startswith(("Starting the re-match",
                   "Re-matching with", "Writing the matches"))), progress  # fmt: skip
        after_found = found_themes(db)
        assert theme in after_found[target.statement_id]

        # 7. the report, in another session, now scores the new version: the miss is a hit
        after_pairs = {(item_of[s], t) for s, ts in after_found.items() if s in item_of for t in ts}
        after = report_figures(carol_page, dashboard, sample.id, tmp_path / "after", db,
                               new_version)[0]  # fmt: skip
        assert after == pytest.approx(micro(gold_present, after_pairs), abs=5e-4)
        assert after[1] > before[1]  # recall: the phrase found what the coders marked
        for pg in (alice_page, bob_page, carol_page):
            assert pg.refused == []
