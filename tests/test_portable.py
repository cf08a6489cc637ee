"""Issue 12, item 5: portable. Worker processes start where forkserver does not exist (spawn,
Windows' only way), Chromium is found by kaleido's own browser search or a setting, and the
library makes no POSIX-only calls.

The spawn runs happen in a child process with a hang guard (CPython's POSIX spawn blocks for good
when a worker dies before reading its start-up data; a test must not). The Chromium tests use
Debian's chromium under other names (a symlink, a POSIX shell wrapper): they say so and skip
where it is missing.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tracker import export, ingest
from tracker.errors import TrackerError

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ZIP = REPO / "tracker" / "data" / "sample" / "ungdc" / "UNGDC_sample.zip"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
HANG_GUARD = 600
needs_chromium = pytest.mark.skipif(
    not Path(DEBIAN_CHROMIUM).is_file(), reason="needs Debian's chromium at /usr/bin/chromium"
)
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX only: symlinks, a sh wrapper")


def test_the_start_method_is_a_setting_and_never_fork(monkeypatch):
    monkeypatch.delenv("TRACKER_START_METHOD", raising=False)
    default = ingest.pool_context().get_start_method()
    assert default == ("forkserver" if sys.platform != "win32" else "spawn")
    monkeypatch.setenv("TRACKER_START_METHOD", "spawn")
    assert ingest.pool_context().get_start_method() == "spawn"
    monkeypatch.setenv("TRACKER_START_METHOD", "fork")
    with pytest.raises(TrackerError, match="TRACKER_START_METHOD=.fork. is not .*use .*spawn"):
        ingest.pool_context()


#: Run as the main script under TRACKER_START_METHOD=spawn: a pooled ingest, then a pooled
#: re-match, printing what was stored and how each worker process was started. Imported again
#: by a worker (as spawn does with the main script unless ``without_main_script`` hides it), it
#: fails, so a worker that re-ran it would die.
SPAWN_SCRIPT = """
import json, sys, threading, time
if __name__ != "__main__":
    raise RuntimeError("the main script was run again in a worker")
import psutil
from tracker import ingest, rematch
from tracker.store import Store

seen, done = set(), threading.Event()
def watch():
    while not done.is_set():
        for child in psutil.Process().children(recursive=True):
            try:
                seen.add(" ".join(child.cmdline()))
            except psutil.Error:
                pass
        time.sleep(0.05)
watcher = threading.Thread(target=watch, daemon=True)
watcher.start()
db, files = sys.argv[1], sys.argv[2:]
report = ingest.ingest_paths(files, db=db, workers=2)
rematch.POOL_THRESHOLD = 10  # re-match these few statements in workers too
with Store(db) as store:
    before = store.conn.execute("SELECT COUNT(*) FROM matches").fetchone()[0]
    _, written = rematch.rematch(store, workers=2)
done.set()
watcher.join()
print(json.dumps({"stored": len(report.stored), "failed": [p.reason for p in report.failed],
                  "matches_before": before, "rematch_written": written,
                  "method": ingest.pool_context().get_start_method(),
                  "children": sorted(seen)}))
"""


def sample_speeches(folder: Path, n: int) -> list[Path]:
    """``n`` real General Debate speeches of the bundled sample, as files."""
    folder.mkdir(parents=True)
    with zipfile.ZipFile(SAMPLE_ZIP) as z:
        for name in sorted(x for x in z.namelist() if x.endswith(".txt"))[300 : 300 + n]:
            (folder / Path(name).name).write_bytes(z.read(name))
    return sorted(folder.iterdir())


@pytest.mark.slow
def test_an_ingest_pool_and_a_rematch_pool_start_their_workers_by_spawn(tmp_path):
    speeches = sample_speeches(tmp_path / "in", ingest.POOL_THRESHOLD + 1)
    alone = ingest.ingest_paths(speeches, db=tmp_path / "one.db", workers=1)
    script = tmp_path / "main_script.py"
    script.write_text(SPAWN_SCRIPT)
    run = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "spawn.db"), *map(str, speeches)],
        cwd=REPO, capture_output=True, text=True, timeout=HANG_GUARD,
        env={**os.environ, "PYTHONPATH": str(REPO), "TRACKER_START_METHOD": "spawn"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["method"] == "spawn"
    assert out["stored"] == len(speeches) and out["failed"] == [] and alone.failed == []
    assert out["rematch_written"] == out["matches_before"] > 0
    workers = [c for c in out["children"] if "multiprocessing" in c]
    assert any("spawn_main" in c for c in workers), workers
    assert not any("forkserver" in c for c in workers), workers
    sql = ("SELECT s.source, s.content_hash, m.theme, m.start, m.\"end\" FROM statements s "
           "JOIN matches m ON m.statement_id = s.id "
           "ORDER BY s.source, m.start, m.theme")  # fmt: skip
    assert rows(tmp_path / "spawn.db", sql) == rows(tmp_path / "one.db", sql)


def rows(db: Path, sql: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture()
def no_browser_settings(tmp_path, monkeypatch):
    """No browser named by a setting, and no Chrome downloaded by kaleido_get_chrome (its
    folder is under the home and data folders, moved here)."""
    for var in ("TRACKER_CHROMIUM", "BROWSER_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@needs_chromium
@posix_only
def test_kaleidos_browser_search_comes_before_the_linux_paths(tmp_path, monkeypatch,
                                                             no_browser_settings):  # fmt: skip
    """A Chrome on PATH under a name the Linux list does not know is the one used."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "google-chrome-stable").symlink_to(DEBIAN_CHROMIUM)
    monkeypatch.setenv("PATH", str(folder))
    assert export.find_chromium() == str(folder / "google-chrome-stable")
    assert export.images_available()


@needs_chromium
@posix_only
def test_a_wrong_browser_setting_is_reported_not_replaced(tmp_path, monkeypatch,
                                                         no_browser_settings):  # fmt: skip
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    assert export.find_chromium() is None
    assert not export.images_available()
    monkeypatch.setattr(export, "_renderer", None)
    with pytest.raises(export.ChromiumMissing, match="kaleido_get_chrome"):
        export.figure_image(_figure(), "png")


def _figure():
    import plotly.graph_objects as go

    return go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))


#: Draws a PNG in a fresh process (one renderer per process) and prints its first bytes.
DRAW_SCRIPT = """
import sys
import plotly.graph_objects as go
from tracker import export
png = export.figure_image(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), "png")
sys.stdout.write(png[:8].hex())
"""


@needs_chromium
@posix_only
def test_images_are_drawn_with_the_chromium_tracker_chromium_names(tmp_path):
    """TRACKER_CHROMIUM names a wrapper (a POSIX shell script) that notes each start and runs
    Debian's chromium: the PNG is drawn, by that browser."""
    started = tmp_path / "started.log"
    wrapper = tmp_path / "my-chromium"
    wrapper.write_text(f'#!/bin/sh\necho started >> "{started}"\nexec {DEBIAN_CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "BROWSER_PATH"}
    env.update(PYTHONPATH=str(REPO), TRACKER_CHROMIUM=str(wrapper))
    run = subprocess.run([sys.executable, "-c", DRAW_SCRIPT], cwd=REPO, capture_output=True,
                         text=True, timeout=300, env=env)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert bytes.fromhex(run.stdout) == b"\x89PNG\r\n\x1a\n"
    assert started.read_text().startswith("started")


#: Calls that exist on POSIX systems only (Windows has none of them).
POSIX_ONLY_CALLS = {
    "os": {"fork", "forkpty", "getuid", "geteuid", "getgid", "setsid", "killpg", "mkfifo",
           "getpgid", "setpgrp", "wait3", "wait4", "sync", "statvfs", "getloadavg"},
    "signal": {"SIGKILL", "SIGALRM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "alarm",
               "setitimer", "pause"},
}  # fmt: skip
POSIX_ONLY_MODULES = {"fcntl", "resource", "termios", "pwd", "grp", "pty", "tty", "posix"}
LIBRARY = [*sorted((REPO / "tracker").rglob("*.py")), *sorted((REPO / "app_pages").rglob("*.py")),
           REPO / "dashboard.py"]  # fmt: skip


def posix_only_uses(path: Path) -> list[str]:
    """POSIX-only modules imported, calls made and device paths named in one source file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""])  # fmt: skip
            found += [f"{where} imports {n}" for n in names
                      if n.split(".")[0] in POSIX_ONLY_MODULES]  # fmt: skip
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.attr in POSIX_ONLY_CALLS.get(node.value.id, ()):
                found.append(f"{where} uses {node.value.id}.{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(("/dev/", "/proc/")):
                found.append(f"{where} names {node.value}")
            if node.value == "fork":
                found.append(f"{where} names the fork start method")
    return found


def test_the_library_makes_no_posix_only_calls():
    assert [use for path in LIBRARY for use in posix_only_uses(path)] == []


def test_the_posix_check_finds_what_it_looks_for(tmp_path):
    """The check above is not vacuous: it finds each kind of use in a file that has them."""
    sample = tmp_path / "posix_sample.py"
    sample.write_text("import fcntl\nimport os, signal\nos.kill(1, signal.SIGKILL)\n"
                      "open('/dev/null')\nos.getuid()\n")  # fmt: skip
    assert sorted(use.split(" ", 1)[1] for use in posix_only_uses(sample)) == [
        "imports fcntl", "names /dev/null", "uses os.getuid", "uses signal.SIGKILL"
    ]
