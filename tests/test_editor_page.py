"""The codebook editor on the Codebook and method page (#13 item 5), under AppTest: a phrase
added to a theme is previewed with its new matches, saved as a new codebook version and the
database re-matched in the background; a wrong rule is shown on its line and nothing is saved;
a re-match that fails or is cancelled leaves the database's matches as they were."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from test_editor import BOOK, copy_db, make_db
from tracker import editor, preview, rematch_job
from tracker.codebook import DEFAULT_CODEBOOK, codebook_from_text
from tracker.store import Store

REPO = Path(__file__).resolve().parents[1]
HANG_GUARD = 300  # seconds: a guard against a re-match that never ends, not a speed test
MATCHES = ('SELECT statement_id, theme, rule, start, "end", codebook_version FROM matches '
           "ORDER BY 1, 2, 4")


@pytest.fixture(scope="module")
def built_db(corpus, tmp_path_factory) -> Path:
    return make_db(corpus, tmp_path_factory.mktemp("editor_page"))


@pytest.fixture()
def db(built_db, tmp_path) -> Path:
    """A copy of the small database for one test (re-matching changes it)."""
    return copy_db(built_db, tmp_path / "tracker.db")


def rows(db: Path, sql: str = MATCHES) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def active_version(db: Path) -> str:
    return rows(db, "SELECT value FROM settings WHERE key = 'active_codebook'")[0][0]


def method_page(db: Path, gold: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("TRACKER_DB", str(db))
    monkeypatch.setenv("TRACKER_GOLD", str(gold))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=180).run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception
    return at


def editor_text(at: AppTest):
    return next(t for t in at.text_area if t.key.startswith("ed_text_"))


def test_a_phrase_added_on_the_page_is_previewed_saved_and_rematched(corpus, db, monkeypatch):
    gold = corpus / "gold" / "dev.tsv"
    version = active_version(db)
    at = method_page(db, gold, monkeypatch)
    at.selectbox(key="ed_theme").set_value("digital_divide").run()
    at.text_input(key="ed_add_phrase").set_value("broadband")
    at.selectbox(key="ed_add_rule").set_value("named divide")
    at.button(key="ed_add").click().run()
    assert "        - broadband" in editor_text(at).value.split("\n")
    at.number_input(key="ed_sample").set_value(20)
    at.number_input(key="ed_seed").set_value(7)
    at.button(key="ed_preview").click().run()
    assert not at.exception and not at.error

    # the page shows what the library finds on the same statements
    with Store(db, readonly=True) as store:
        active = store.active_codebook()
        pset = preview.preview_set(store, codebook_from_text(active.text, path=active.path),
                                   gold=preview.gold_files([gold]), size=20, seed=7)  # fmt: skip
    text = editor_text(at).value
    book = editor.edit_theme(active.text, active.path, "digital_divide", text,
                             folder=editor.codebook_folder(db)).codebook  # fmt: skip
    expected = preview.preview(pset, book, "digital_divide")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Matches appearing"] == str(len(expected.changed("appears"))) != "0"
    assert metrics["Matches disappearing"] == "0"
    changes = next(d for d in at.dataframe if "match" in d.value.columns).value
    assert set(changes["change"]) == {"appears"}
    assert all(m.lower().startswith("broadband") for m in changes["match"])
    assert all(len(b) > 0 for b in changes["before"])  # each with the words before it
    scores = next(d for d in at.dataframe if "measure" in d.value.columns).value
    assert set(scores["scope"]) == {"digital_divide", "micro (all themes)"}

    at.button(key="ed_save").click().run()
    assert not at.exception and not at.error
    job = rematch_job.current(db)
    assert job is not None and job.codebook.version == book.version
    assert job.wait(HANG_GUARD) and job.state == rematch_job.DONE, job.error
    at.run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Version"] == book.version
    assert any(book.version in s.value for s in at.success)
    assert active_version(db) == book.version != version
    stored = rows(db)
    assert {r[5] for r in stored} == {book.version}
    broadband = [r for r in stored if r[1] == "digital_divide" and r[2] == "named divide"]
    texts = rows(db, "SELECT lower(matched_text) FROM matches WHERE rule = 'named divide'")
    assert broadband and any(t[0].startswith("broadband") for t in texts)
    saved = editor.codebook_folder(db) / f"editor-test-{book.version}.yaml"
    assert codebook_from_text(saved.read_text(), path=str(saved)).version == book.version
    # the editor now shows the saved version's theme, the phrase in it
    assert "        - broadband" in editor_text(at).value.split("\n")
    # re-matched since from the command line with another codebook: the banner of the editor's
    # job no longer calls its codebook the active one
    from click.testing import CliRunner

    from tracker.cli import cli

    other = db.parent / "other.yaml"
    other.write_text(saved.read_text().replace("name: editor-test", "name: other-book", 1))
    result = CliRunner().invoke(cli, ["match", "--codebook", str(other), "--db", str(db),
                                      "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    at.run()
    banner = next(s.value for s in at.success if book.version in s.value)
    assert "it is the active codebook" not in banner and active_version(db) in banner


def test_a_themes_draft_survives_editing_another_theme(corpus, db, monkeypatch):
    """docs/codebook-editor.md: "Each theme keeps its own draft while you switch between
    themes." Switching to another theme and back gave the active codebook's text again: the
    edit was lost (QA in Chromium)."""
    at = method_page(db, corpus / "gold" / "dev.tsv", monkeypatch)
    at.selectbox(key="ed_theme").set_value("digital_divide").run()
    original = editor_text(at).value
    edited = original.replace("- digital divide", "- digital divide\n        - zzz qqq", 1)
    assert edited != original
    editor_text(at).set_value(edited).run()
    at.selectbox(key="ed_theme").set_value("disinformation").run()
    assert "zzz qqq" not in editor_text(at).value  # the other theme's own text
    at.selectbox(key="ed_theme").set_value("digital_divide").run()
    assert not at.exception
    assert editor_text(at).value == edited
    at.button(key="ed_reset").click().run()  # Undo still gives the active codebook's text back
    at.selectbox(key="ed_theme").set_value("disinformation").run()
    at.selectbox(key="ed_theme").set_value("digital_divide").run()
    assert editor_text(at).value == original


def test_a_wrong_rule_is_shown_on_its_line_and_nothing_is_saved(corpus, db, monkeypatch):
    before = rows(db)
    at = method_page(db, corpus / "gold" / "dev.tsv", monkeypatch)
    at.selectbox(key="ed_theme").set_value("disinformation").run()
    wrong_rule = "- hate speech\n        - (fake|false news"
    text = editor_text(at).value.replace("- hate speech", wrong_rule)
    editor_text(at).set_value(text)
    at.button(key="ed_save").click().run()
    assert not at.exception
    wrong = next(n for n, line in enumerate(text.split("\n"), 1) if "(fake|false news" in line)
    assert any(e.value.startswith(f"Line {wrong} ") and "without its" in e.value for e in at.error)
    assert any(f">  {wrong:>3} |" in c.value for c in at.code)  # the line itself, marked
    assert rematch_job.current(db) is None
    assert not editor.codebook_folder(db).exists()
    assert rows(db) == before


def edited_book(tmp_path: Path, *, model: bool = False):
    """:data:`BOOK` with a phrase more, saved in ``tmp_path`` (naming a copy of the shipped
    semantic model beside it when ``model``)."""
    text = BOOK.replace("            - hate speech\n", "            - hate speech\n"
                        "            - propaganda\n")  # fmt: skip
    if model:
        shutil.copy(DEFAULT_CODEBOOK.parent / "default.semantic.json", tmp_path / "model.json")
        text = text.replace("semantic: false", "semantic: model.json")
    return editor.save_codebook(tmp_path, text).codebook


def test_a_failed_rematch_leaves_the_old_matches_and_says_why(corpus, db, tmp_path,
                                                              monkeypatch):  # fmt: skip
    before, version = rows(db), active_version(db)
    books = tmp_path / "books"
    books.mkdir()
    book = edited_book(books, model=True)
    (books / "model.json").unlink()  # the model file is gone when it is needed
    job = rematch_job.start(db, book)
    assert job.wait(HANG_GUARD)
    assert job.state == rematch_job.FAILED
    assert "model.json" in job.error and "unchanged" in job.error
    assert rows(db) == before and active_version(db) == version
    at = method_page(db, corpus / "gold" / "dev.tsv", monkeypatch)
    shown = [e.value.replace("\\", "") for e in at.error]  # Markdown escapes taken off
    assert any("failed" in e and "model.json" in e and book.version in e for e in shown), shown


def test_a_cancelled_rematch_writes_nothing_and_one_runs_at_a_time(db, tmp_path):
    before, version = rows(db), active_version(db)
    book = edited_book(tmp_path)
    job = rematch_job.start(db, book)
    with pytest.raises(rematch_job.RematchBusy, match="running"):
        rematch_job.start(db, book)
    job.cancel()  # long before the first 50 statements are matched
    assert job.wait(HANG_GUARD)
    assert job.state == rematch_job.CANCELLED
    assert job.done == 0 and job.total == 56
    # a plain re-match writes each batch as it goes: here the first batch was matched and held
    assert rows(db) == before and active_version(db) == version
    again = rematch_job.start(db, book)  # the next one may start
    assert again.wait(HANG_GUARD) and again.state == rematch_job.DONE, again.error
    assert active_version(db) == book.version
    assert any(r[2] == "named" for r in rows(db)) and rows(db) != before
    assert re.fullmatch(r"[0-9a-f]{12}", book.version)


def test_the_preview_scores_on_the_gold_adjudicated_in_the_workbench(corpus, db, tmp_path,
                                                                      monkeypatch):  # fmt: skip
    from tracker.workbench.gold import import_gold

    # part of the development gold, as if adjudicated in the workbench; no gold TSV loaded
    lines = (corpus / "gold" / "dev.tsv").read_text(encoding="utf-8").splitlines()
    part = [lines[0]] + [line for line in lines[1:] if line.split("\t")[0] < "m"]
    (tmp_path / "part.tsv").write_text("\n".join(part) + "\n", encoding="utf-8")
    import_gold(db, tmp_path / "part.tsv")
    labels = preview.gold_files([tmp_path / "part.tsv"])
    monkeypatch.delenv("TRACKER_GOLD", raising=False)
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=180).run()
    at.switch_page("app_pages/method.py").run()
    at.selectbox(key="ed_theme").set_value("disinformation").run()
    editor_text(at).set_value(editor_text(at).value.replace("        - hate speech\n", ""))
    at.number_input(key="ed_sample").set_value(0)
    at.button(key="ed_preview").click().run()
    assert not at.exception and not at.error
    said = [c.value for c in at.caption if c.value.startswith("Gold: ")]
    assert said and f"{len(labels)} statements with gold in the validation workbench" in said[0]
    # the Validation section measures the same workbench gold: not counted twice as a "TSV"
    assert "in the gold TSV above" not in said[0]
    counts = next(d for d in at.dataframe if "read" in d.value.columns).value
    assert list(counts["statements"]) == ["gold"] and list(counts["read"]) == [len(labels)]
    scores = next(d for d in at.dataframe if "measure" in d.value.columns).value
    assert set(scores["scope"]) == {"disinformation", "micro (all themes)"}


@pytest.mark.parametrize("state, total, done, shown", [
    (rematch_job.RUNNING, 0, 0, "Starting the re-match with codebook {v}…"),
    (rematch_job.RUNNING, 56, 50, "Re-matching with codebook {v}: 50 of 56 statements."),
    (rematch_job.WRITING, 56, 56, "Writing the matches of codebook {v}…"),
])  # fmt: skip
def test_a_running_rematch_shows_its_phase_and_the_new_version(corpus, db, tmp_path, monkeypatch,
                                                               state, total, done, shown):  # fmt: skip
    """Each phase's progress text, with the job held in that phase: a real re-match of the
    small database can end before the page's first look (the browser test cannot count on
    seeing it)."""
    book = edited_book(tmp_path)
    held = rematch_job.RematchJob(db.resolve(), book, total=total, done=done, state=state)
    # registered as start() would, without a thread: the job stays in its phase for the test
    monkeypatch.setitem(rematch_job._jobs, db.resolve(), held)
    try:
        at = method_page(db, corpus / "gold" / "dev.tsv", monkeypatch)
        texts = [p.proto.text for p in at.get("progress")]
        assert len(texts) == 1 and texts[0].startswith(shown.format(v=book.version)), texts
        assert at.button(key="ed_cancel")
        with pytest.raises(rematch_job.RematchBusy, match="running"):
            rematch_job.start(db, book)  # the page's save would be refused while it runs
    finally:
        held.state = rematch_job.DONE  # no other test may find a job still running
