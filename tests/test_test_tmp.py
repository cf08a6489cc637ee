"""Where a test run keeps its temporary files (tests/conftest.py): with ``TRACKER_TEST_TMP`` set
(e.g. /dev/shm, in memory), in a folder of its own under it, removed at the end unless tests
failed, then kept and named. Each check runs pytest in a process of
its own on a one-test file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROBE = "TRACKER_TMP_PROBE"


PROBE_TEST = """\
import os, subprocess, sys, tempfile
from pathlib import Path


def test_probe(tmp_path):
    import multiprocessing.util
    multiprocessing.util.get_temp_dir()  # as an ingest's worker pool makes it
    command = [sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"]
    child = subprocess.run(command, capture_output=True, text=True, check=True,
                           cwd=tmp_path).stdout.strip()
    Path(os.environ["TRACKER_TMP_PROBE"]).write_text(f"{tmp_path}\\n{tempfile.gettempdir()}\\n{child}\\n")
    assert os.environ.get("TRACKER_TMP_PROBE_FAIL") is None
"""


def run_probe(tmp_path: Path, root: Path | str, *, fail: bool = False, workers: int = 0
              ) -> tuple[str, list[Path]]:  # fmt: skip
    """A pytest of its own, with this suite's conftest.py as a plugin, on a one-test file (which
    fails when asked to; in ``workers`` xdist workers, or none); what the test saw: its
    tmp_path, tempfile's folder in it and in a command it starts. Nothing may be printed after
    the run (a folder removed under multiprocessing's own clean-up printed its traceback)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "test_probe.py").write_text(PROBE_TEST, encoding="utf-8")
    env = {**os.environ, "TRACKER_TEST_TMP": str(root), PROBE: str(tmp_path / "where.txt"),
           "PYTHONPATH": str(REPO / "tests")}  # fmt: skip
    env.pop("TMPDIR", None)  # this run's own would otherwise be inherited
    if fail:
        env["TRACKER_TMP_PROBE_FAIL"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q",
         *(["-n", str(workers)] if workers else ["-p", "no:xdist"]), "--rootdir", str(probe),
         str(probe)],
        cwd=probe, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == (1 if fail else 0), done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    where = [Path(line) for line in (tmp_path / "where.txt").read_text().splitlines()]
    return done.stdout, where


@pytest.mark.parametrize("workers", [0, 2])
def test_a_passing_run_keeps_its_files_under_the_chosen_folder_and_removes_them(tmp_path,
                                                                                workers):
    root = tmp_path / "root"
    _out, where = run_probe(tmp_path, root, workers=workers)
    # tmp_path, tempfile in the test, and tempfile in a command the test starts
    assert all(p.is_relative_to(root) for p in where), where
    assert where[1] == where[2]
    assert list(root.iterdir()) == []  # the run's folder is gone


def test_a_relative_folder_is_read_from_where_pytest_starts(tmp_path):
    """``TRACKER_TEST_TMP=scratch`` is the folder where pytest was started: a command a test
    starts in another folder still finds the same place (it was given the relative name)."""
    _out, where = run_probe(tmp_path, "scratch")
    root = tmp_path / "probe" / "scratch"
    assert all(p.is_absolute() and p.is_relative_to(root) for p in where), where


def test_a_run_that_selects_no_test_leaves_nothing(tmp_path):
    root = tmp_path / "root"
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "test_probe.py").write_text(PROBE_TEST, encoding="utf-8")
    env = {**os.environ, "TRACKER_TEST_TMP": str(root), "PYTHONPATH": str(REPO / "tests")}
    env.pop("TMPDIR", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:xdist", "-p",
         "no:cacheprovider", "-q", "-k", "no_such_test", "--rootdir", str(probe), str(probe)],
        cwd=probe, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 5, done.stdout[-2000:]
    assert list(root.iterdir()) == []


def test_a_failing_run_keeps_its_files_and_says_where(tmp_path):
    root = tmp_path / "root"
    out, where = run_probe(tmp_path, root, fail=True)
    [run] = list(root.iterdir())
    assert where[0].is_relative_to(run) and where[0].exists()
    assert f"temporary files are kept in {run}" in out
