"""Issue 14, items 2, 4, 5 and 6 on the dashboard: uploads never overwrite each other, failed
uploads are removed and never reported in green, a full disk is named and leaves nothing; the
Statement page pages a very long text and answers a bad id with a message; the dashboard
listens on 127.0.0.1 unless told otherwise; searches have a time limit.
Real SQLite files, real speeches, the real pages through Streamlit's AppTest."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest
from streamlit.testing.v1 import AppTest
from test_faults import _mount

from tracker import query
from tracker.ingest import UploadError, ingest_paths, save_uploads
from tracker.query import Filters

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ZIP = REPO / "tracker" / "data" / "sample" / "ungdc" / "UNGDC_sample.zip"


def open_page(db: Path, page: str, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page(page).run()  # opened at that page's URL, with these parameters


def upload(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    at.file_uploader(key="up_files").set_value([(n, d, "text/plain") for n, d in files])
    (submit,) = [b for b in at.button if b.label == "Add to the database"]
    return submit.click().run()


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def speeches(corpus: Path, *codes: str) -> list[bytes]:
    return [(corpus / "unga79" / "text" / f"{c}_en.txt").read_bytes() for c in codes]


def summary(at: AppTest) -> dict[str, list[str]]:
    return {"success": [s.value for s in at.success], "warning": [s.value for s in at.warning],
            "error": [s.value for s in at.error]}  # fmt: skip


# -- uploads -----------------------------------------------------------------------------------
def test_two_uploaded_files_with_one_name_are_both_stored(corpus, tmp_path, monkeypatch):
    first, second = speeches(corpus, "at", "kr")
    at = open_page(tmp_path / "t.db", "app_pages/add.py", monkeypatch)
    at = upload(at, [("speech.txt", first), ("speech.txt", second)])
    assert not at.exception, [e.value for e in at.exception]
    assert summary(at)["success"] == ["2 stored, 0 already stored, 0 skipped, 0 failed"]
    saved = files_under(tmp_path / "uploads")
    assert sorted(saved.values()) == sorted([first, second])  # both kept, neither overwritten
    assert {Path(p).name for p in saved} == {"speech.txt"}  # under the name they came with


def test_an_upload_with_a_repaired_encoding_says_so(corpus, tmp_path, monkeypatch):
    """A reading warning (here a stray byte in a UTF-8 file, replaced) is shown after the
    upload; it was kept only in the database."""
    (text,) = speeches(corpus, "at")
    at = open_page(tmp_path / "t.db", "app_pages/add.py", monkeypatch)
    at = upload(at, [("at_en.txt", text + b"\n\xe9\n")])
    assert not at.exception, [e.value for e in at.exception]
    assert any("not valid UTF-8 replaced" in w.replace("\\", "") for w in summary(at)["warning"])


@pytest.mark.parametrize(("field", "value", "said"), [("up_date", "2024-13-45", "is not a date"),
                                                    ("up_language", "Englsh", "no language code")])
def test_an_impossible_date_or_unknown_language_on_the_add_page_stores_nothing(
    corpus, tmp_path, monkeypatch, field, value, said
):
    """Date 2024-13-45 passed the form's pattern and the statement was stored undated, and
    adding it again with the date mended found it "already stored": a slip is refused first."""
    (text,) = speeches(corpus, "at")
    db = tmp_path / "t.db"
    at = open_page(db, "app_pages/add.py", monkeypatch)
    at.text_input(key=field).input(value)
    at = upload(at, [("at_en.txt", text)])
    assert not at.exception, [e.value for e in at.exception]
    assert any(said in e.replace("\\", "") for e in summary(at)["error"]), summary(at)
    # the value as typed, its Markdown escapes not doubled (they showed as '2024\\-13\\-45')
    typed = "“" + value.replace("-", "\\-") + "”"
    assert any(typed in e for e in summary(at)["error"]), summary(at)
    assert not db.exists() or query.database_ready(db) is False or not rows_in(db)


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(corpus, tmp_path, monkeypatch):
    """The uploader took a 60 MB file (its own limit is 200 MB, for zip archives), stored it,
    then failed it as over "the 50 MB limit (--max-bytes)", an option the page does not have."""
    (text,) = speeches(corpus, "at")
    big = text * (50_000_000 // len(text) + 1)
    db = tmp_path / "t.db"
    at = open_page(db, "app_pages/add.py", monkeypatch)
    at = upload(at, [("at_en.txt", text), ("huge.txt", big)])
    assert not at.exception, [e.value for e in at.exception]
    errors = summary(at)["error"]
    assert any(f"huge\\.txt is {len(big):,} bytes, over the 50 MB" in e for e in errors), errors
    assert not any("--max-bytes" in e for e in errors)
    assert not (tmp_path / "uploads").exists() and (not db.exists() or not rows_in(db))


def rows_in(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0]


def test_uploads_in_the_same_second_get_their_own_folders(corpus, tmp_path):
    first, second = speeches(corpus, "at", "kr")
    a = save_uploads([("speech.txt", first)], tmp_path)
    b = save_uploads([("speech.txt", second)], tmp_path)
    assert a.folder != b.folder
    assert a.paths[0].read_bytes() == first and b.paths[0].read_bytes() == second
    report = ingest_paths(a.paths + b.paths, db=tmp_path / "t.db")
    assert len(report.stored) == 2


def test_an_upload_where_everything_failed_is_red_and_leaves_no_file(tmp_path, monkeypatch):
    at = open_page(tmp_path / "t.db", "app_pages/add.py", monkeypatch)
    at = upload(at, [("empty.txt", b""), ("binary.txt", bytes(range(256)) * 40)])
    shown = summary(at)
    assert shown["success"] == []
    assert shown["error"] == ["Nothing was added: 0 stored, 0 already stored, 0 skipped, 2 failed"]
    assert files_under(tmp_path / "uploads") == {}
    assert not any((tmp_path / "uploads").iterdir())  # its folder is gone too


def test_failed_files_of_an_upload_are_removed_and_the_rest_kept(corpus, tmp_path, monkeypatch):
    (speech,) = speeches(corpus, "sg")
    at = open_page(tmp_path / "t.db", "app_pages/add.py", monkeypatch)
    at = upload(at, [("sg_en.txt", speech), ("empty.txt", b"")])
    shown = summary(at)
    assert shown["success"] == [] and shown["error"] == []
    assert "1 stored, 0 already stored, 0 skipped, 1 failed" in shown["warning"]
    assert list(files_under(tmp_path / "uploads").values()) == [speech]
    with sqlite3.connect(tmp_path / "t.db") as conn:
        (path,) = conn.execute("SELECT source_path FROM statements").fetchone()
    assert Path(path).read_bytes() == speech  # the stored statement's file is the one kept


def test_leaving_the_add_page_during_an_upload_still_tidies_it(corpus, tmp_path, monkeypatch):
    """A researcher who clicked another page while the files were read: Streamlit stops the Add
    page's run at its next call after the ingest (the spinner's end) with its StopException,
    which skipped removing the files that gave no statement, saving the result and clearing
    the pages' cache. The run is stopped here as Streamlit stops it; the files, the database
    and the result shown on return are real."""
    import streamlit as st
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    (speech,) = speeches(corpus, "sg")
    spinner = st.spinner

    class LeftDuringIngest:
        def __init__(self, *args, **kwargs):
            self.inner = spinner(*args, **kwargs)

        def __enter__(self):
            return self.inner.__enter__()

        def __exit__(self, *exc):
            self.inner.__exit__(*exc)
            raise StopException()

    at = open_page(tmp_path / "t.db", "app_pages/add.py", monkeypatch)
    monkeypatch.setattr(st, "spinner", LeftDuringIngest)
    at = upload(at, [("sg_en.txt", speech), ("empty.txt", b"")])
    monkeypatch.setattr(st, "spinner", spinner)
    with sqlite3.connect(tmp_path / "t.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0] == 1
    assert list(files_under(tmp_path / "uploads").values()) == [speech]  # empty.txt is gone
    at = at.switch_page("app_pages/add.py").run()  # back on the Add page: the result is there
    assert "1 stored, 0 already stored, 0 skipped, 1 failed" in summary(at)["warning"]


def test_srt_and_vtt_offered_on_the_add_page_are_read(corpus, tmp_path, monkeypatch):
    from test_hardening_sources import caption_files

    _, srt, vtt = caption_files(corpus, tmp_path)
    at = open_page(tmp_path / "t.db", "app_pages/add.py", monkeypatch)
    assert {"srt", "vtt"} <= {t.lstrip(".") for t in at.file_uploader(key="up_files").allowed_type}
    at = upload(at, [(srt.name, srt.read_bytes())])
    assert summary(at)["success"] == ["1 stored, 0 already stored, 0 skipped, 0 failed"]
    at = upload(at, [(vtt.name, vtt.read_bytes())])  # the same speech: known, not skipped
    assert summary(at)["success"] == ["0 stored, 1 already stored, 0 skipped, 0 failed"]
    # the known speech keeps the file it was stored from; the second upload's copy is not kept
    kept = [p.name for p in (tmp_path / "uploads").rglob("*") if p.is_file()]
    assert kept == [srt.name]
    assert len(list((tmp_path / "uploads").iterdir())) == 1


@pytest.fixture()
def tiny_uploads(tmp_path):
    """``tmp_path/uploads`` on a 1 MB disk of its own (needs root; skips otherwise)."""
    at = tmp_path / "uploads"
    at.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(at))
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount here (needs root or CAP_SYS_ADMIN): {exc}")
    yield at
    subprocess.run(["umount", "-l", str(at)], capture_output=True)


def test_an_upload_onto_a_full_disk_is_named_and_leaves_no_partial_file(
    corpus, tmp_path, monkeypatch, tiny_uploads
):
    (speech,) = speeches(corpus, "au")
    big = speech * (2_000_000 // len(speech) + 1)  # 2 MB: over the disk
    with pytest.raises(UploadError, match="the disk is full"):
        save_uploads([("au_en.txt", speech), ("big.txt", big)], tiny_uploads)
    assert files_under(tiny_uploads) == {} and not any(tiny_uploads.iterdir())
    at = open_page(tmp_path / "t.db", "app_pages/add.py", monkeypatch)
    at = upload(at, [("au_en.txt", speech), ("big.txt", big)])
    assert not at.exception
    (error,) = summary(at)["error"]
    assert error.startswith("Nothing was added: cannot save big") and "the disk is full" in error
    assert summary(at)["success"] == []
    assert files_under(tiny_uploads) == {} and not any(tiny_uploads.iterdir())


# -- the Statement page --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def long_db(tmp_path_factory) -> tuple[Path, int, str]:
    """One statement of about 600,000 characters (40 real speeches of the sample, one after the
    other: within the budgets), and a short one."""
    folder = tmp_path_factory.mktemp("long")
    with zipfile.ZipFile(SAMPLE_ZIP) as z:
        names = sorted(n for n in z.namelist() if n.endswith(".txt"))
        text = "\n\n".join(z.read(n).decode("utf-8") for n in names[:40])
        (folder / "short.txt").write_bytes(z.read(names[100]))
    last = "We end this very long statement with the digital divide."
    (folder / "long.txt").write_text(text + "\n\n" + last, encoding="utf-8")
    db = folder / "t.db"
    report = ingest_paths([folder / "long.txt", folder / "short.txt"], db=db,
                          overrides={"country": "FRA", "date": "2000"})  # fmt: skip
    assert report.failed == [] and len(report.stored) == 2
    with sqlite3.connect(db) as conn:
        (sid,) = conn.execute("SELECT id FROM statements WHERE source = 'long.txt'").fetchone()
    return db, sid, last


#: Characters per page of the Statement page (read from the page: importing it runs it).
PAGE_CHARS = int(re.search(r"^PAGE_CHARS = ([\d_]+)", (REPO / "app_pages" / "statement.py")
                           .read_text(), re.M).group(1))  # fmt: skip


def text_html(at: AppTest) -> str:
    """The statement text's HTML (the largest HTML element on the page)."""
    return max((h.proto.body for h in at.get("html")), key=len)


def test_a_very_long_statement_is_shown_a_page_at_a_time(long_db, monkeypatch):
    db, sid, last = long_db
    detail = query.statement_detail(db, sid)
    assert len(detail.text) > 5 * PAGE_CHARS and len(detail.matches) > 50
    at = open_page(db, "app_pages/statement.py", monkeypatch, id=str(sid))
    assert not at.exception, [e.value for e in at.exception]
    (pages,) = at.get("pagination")
    first = text_html(at)
    assert len(first) < 2.5 * PAGE_CHARS  # the text escaped and marked: about one page of it
    assert detail.text[:200].split()[0] in first and last not in first
    assert first.count("<mark") < len(detail.matches)
    at.get("pagination")[0].set_value(pages.proto.num_pages).run()
    assert not at.exception
    final = text_html(at)
    assert "digital divide</mark>" in final and last.split(" the ")[0] in final


@pytest.mark.parametrize("bad", ["²", "12345678901234567890123", "-1", "1e3", "١٢"])
def test_a_bad_statement_id_in_the_url_is_a_message(long_db, monkeypatch, bad):
    db, _, _ = long_db
    at = open_page(db, "app_pages/statement.py", monkeypatch, id=bad)
    assert not at.exception, [e.value for e in at.exception]
    assert any("is not a statement id" in w.value for w in at.warning)
    # 23 digits are a whole number: the message says what is wrong with it
    why = "no statement has an id that large" if bad.isdigit() and bad.isascii() else "whole number"
    assert any(why in w.value for w in at.warning)
    # both messages send the reader to one place (they said "below", then "above")
    told = [m.value for m in [*at.warning, *at.info] if "Pick a" in m.value or "pick a" in m.value]
    assert told and all("under “Find a statement”" in m for m in told), told


def test_a_statement_id_beyond_the_database_is_a_message(long_db, monkeypatch):
    db, _, _ = long_db
    at = open_page(db, "app_pages/statement.py", monkeypatch, id=str(2**63 - 1))
    assert not at.exception
    assert any("There is no statement" in w.value for w in at.warning)


# -- where the dashboard listens -----------------------------------------------------------------
def test_make_run_binds_localhost_unless_told_otherwise():
    env = {k: v for k, v in os.environ.items() if k != "ADDRESS"}
    default = subprocess.run(["make", "-n", "run"], cwd=REPO, env=env, capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    assert "--server.address 127.0.0.1" in default
    team = subprocess.run(["make", "-n", "run", "ADDRESS=0.0.0.0"], cwd=REPO, env=env,
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "--server.address 0.0.0.0" in team


def test_the_dashboard_listens_on_127_0_0_1_only(long_db):
    """``streamlit run dashboard.py`` as anyone would type it (no flags): the project's config
    keeps it off the network."""
    db, _, _ = long_db
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "streamlit"), "run", "dashboard.py",
         "--server.port", str(port)], cwd=REPO, env={**os.environ, "TRACKER_DB": str(db)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        listening: set[str] = set()
        deadline = time.monotonic() + 90  # a start-up guard, not a speed test
        while not listening and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.3)
            listening = {c.laddr.ip for c in psutil.Process(proc.pid).net_connections("inet")
                         if c.status == psutil.CONN_LISTEN and c.laddr.port == port}  # fmt: skip
        assert listening == {"127.0.0.1"}
    finally:
        proc.terminate()
        proc.wait(30)


# -- search time limit -----------------------------------------------------------------------------
def test_a_crafted_prefix_search_is_stopped_at_the_time_limit(long_db, monkeypatch):
    db, _, _ = long_db
    every = Filters(languages=(), include_duplicates=True, include_non_state=True)
    crafted = "t* " * 30
    assert len(query.search_passages(db, every, "digital divide")) > 0  # within the limit
    monkeypatch.setattr(query, "SEARCH_TIME_LIMIT", 0.0)  # every step is past it
    for run in (lambda: query.search_passages(db, every, crafted),
                lambda: query.evidence(db, every, search=crafted),
                lambda: query.evidence_count(db, every, search=crafted)):  # fmt: skip
        with pytest.raises(query.QueryTimeout, match="took longer than 0 s and was stopped"):
            run()
    assert len(query.evidence(db, every)) > 0  # browsing without a search has no limit


def test_an_unfinished_first_build_leaves_no_database_for_make_run(corpus, tmp_path):
    """`make run` builds the sample database once; a build that does not finish (here a file
    fails; likewise Ctrl-C) must leave no database at the target, or every later `make run`
    would take the half database for the sample."""
    sample = tmp_path / "sample"
    sample.mkdir()
    speech = next((corpus / "unga79" / "text").glob("*_en.txt"))
    (sample / speech.name).write_bytes(speech.read_bytes())
    (sample / "broken.txt").write_bytes(b"\x00\x01binary")
    (sample / "manifest.csv").write_text("file,country\n", encoding="utf-8")
    db = tmp_path / "built" / "tracker.db"
    db.parent.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "MAKEFLAGS")}
    done = subprocess.run(["make", "--no-print-directory", f"SAMPLE={sample}", f"DB={db}", str(db)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode != 0 and "broken.txt" in done.stderr, done.stderr[-800:]
    assert not db.exists()
    (sample / "broken.txt").unlink()
    # a killed older build's write-ahead log beside the target is not replayed onto the new one
    (db.parent / "tracker.db-wal").write_bytes(b"stale log of an older build")
    done = subprocess.run(["make", "--no-print-directory", f"SAMPLE={sample}", f"DB={db}", str(db)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-800:]
    assert sorted(p.name for p in db.parent.iterdir()) == ["tracker.db"]  # no .part, no WAL
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT source FROM statements").fetchall() == [(speech.name,)]
    finally:
        conn.close()
