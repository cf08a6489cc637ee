"""Metadata flags are shown in words: after an upload the Add page said "narnia.csv#1:
unresolved_country,unparsed_date. A stored statement keeps ...", and the Statement page
"Flags: unresolved_country, unparsed_date", codes a researcher has to guess at. The words live
in one place, ``tracker.metadata.FLAG_WORDS``; the command line's ingest printed the codes
alone ("flagged: narnia.csv#1: unresolved_country,unparsed_date") and now adds the words after
them (the codes stay: scripts grep them). A real upload of a real speech through the Add
page under AppTest, into a fresh SQLite file, then its Statement page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from tracker.cli import SHOWN_FLAGS, cli
from tracker.metadata import FLAG_WORDS, describe_flags

REPO = Path(__file__).resolve().parents[1]
CODES = ("unresolved_country", "unparsed_date")
WORDS = "; ".join(FLAG_WORDS[c] for c in CODES)  # the words the one mapping gives


def open_page(db: Path, page: str, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page(page).run()


def warnings(at: AppTest) -> list[str]:
    return [w.value.replace("\\", "") for w in at.warning]


def test_flags_are_described_in_words_in_their_order():
    assert describe_flags("no_country,no_date") == "no country found; no date found"
    assert describe_flags(["unparsed_date", "unresolved_country"]) == (
        "a date given that could not be read (ignored: the date stored, if any, was found in the "
        "file name or the text); a country the tool does not know (kept as written)"
    )
    assert describe_flags("") == "" and describe_flags("new_flag") == "new_flag"
    # every flag the command line reports after an ingest has its words
    assert set(SHOWN_FLAGS) <= set(FLAG_WORDS)


def test_upload_and_statement_pages_name_flags_in_words(corpus, tmp_path, monkeypatch):
    """A dataset row giving the country "Narnia" and the date "sometime" (the text is Austria's
    2024 General Debate speech) is stored with both values flagged."""
    text = (corpus / "unga79" / "text" / "at_en.txt").read_text(encoding="utf-8")
    table = io.StringIO()
    csv.writer(table).writerows([["text", "country", "date"], [text, "Narnia", "sometime"]])
    db = tmp_path / "t.db"
    at = open_page(db, "app_pages/add.py", monkeypatch)
    upload = [("narnia.csv", table.getvalue().encode(), "text/csv")]
    at.file_uploader(key="up_files").set_value(upload)
    (submit,) = [b for b in at.button if b.label == "Add to the database"]
    at = submit.click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["1 stored, 0 already stored, 0 skipped, 0 failed"]
    flagged = [w for w in warnings(at) if w.startswith("narnia.csv#1: ")]
    assert flagged and flagged[0].startswith(f"narnia.csv#1: {WORDS}. A stored statement"), flagged
    assert not any(code in w for w in warnings(at) for code in CODES), warnings(at)

    page = open_page(db, "app_pages/statement.py", monkeypatch, id="1")
    assert not page.exception
    assert f"Flags: {WORDS}" in warnings(page), warnings(page)
    assert not any(code in w for w in warnings(page) for code in CODES), warnings(page)


def test_the_command_line_ingest_names_flags_in_words_after_their_codes(corpus, tmp_path):
    """The same dataset row through `tracker ingest`, and Austria's speech with `--country
    Narnia` (one flag)."""
    text = (corpus / "unga79" / "text" / "at_en.txt").read_text(encoding="utf-8")
    with open(tmp_path / "narnia.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["text", "country", "date"], [text, "Narnia", "sometime"]])
    db = tmp_path / "t.db"
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "narnia.csv"), "--db", str(db),
                                      "--quiet"], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if x.startswith("flagged: ")]
    assert lines == [f"flagged: narnia.csv#1: {','.join(CODES)} — {WORDS}"], result.output
    result = CliRunner().invoke(cli, ["ingest", str(corpus / "unga79" / "text" / "at_en.txt"),
                                      "--country", "Narnia", "--db", str(tmp_path / "u.db"),
                                      "--quiet"], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert ("flagged: at_en.txt: unresolved_country — a country the tool does not know (kept as "
            "written)") in result.output.splitlines(), result.output  # fmt: skip
