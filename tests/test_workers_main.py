"""Worker processes never re-run the parent's main script.

multiprocessing re-imports the parent's ``__main__`` from its file in each new worker. Inside
Streamlit (the dashboard's Add page, AppTest) ``__main__`` is the page script, which cannot
run outside Streamlit: every worker died as it started and every document of an ingest failed
as "the worker process reading it died" (found when a test ingest ran after an AppTest in the
same process). Here the main script is one that fails on import, like a page does.
"""

from __future__ import annotations

import sys
import types
import zipfile
from pathlib import Path

import pytest

from tracker.ingest import POOL_THRESHOLD, ingest_paths
from tracker.rematch import rematch
from tracker.store import Store


@pytest.fixture()
def page_as_main(tmp_path, monkeypatch):
    """``__main__`` is a script that cannot run again (as a Streamlit page run as main)."""
    script = tmp_path / "page.py"
    script.write_text("raise RuntimeError('a page script run outside Streamlit')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    return script


def _speeches(corpus: Path, folder: Path, n: int) -> list[Path]:
    folder.mkdir()
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        names = sorted(m for m in z.namelist() if "Session 70 - 2015/" in m and m.endswith(".txt"))
        for name in names[:n]:
            (folder / name.rsplit("/", 1)[1]).write_bytes(z.read(name))
    return sorted(folder.iterdir())


def test_pooled_ingest_and_rematch_store_everything_under_a_page_script(
    corpus, tmp_path, page_as_main, monkeypatch
):
    files = _speeches(corpus, tmp_path / "in", POOL_THRESHOLD + 5)  # enough to use the pool
    db = tmp_path / "tracker.db"
    report = ingest_paths([tmp_path / "in"], db=db, workers=2)
    assert report.failed == [] and len(report.stored) == len(files)
    assert sys.modules["__main__"].__file__ == str(page_as_main)  # restored after the ingest
    monkeypatch.setattr("tracker.rematch.POOL_THRESHOLD", 10)  # re-match these in workers too
    with Store(db) as store:
        before = store.conn.execute("SELECT COUNT(*) FROM matches").fetchone()[0]
        book, written = rematch(store, workers=2)
    assert written == before > 0
