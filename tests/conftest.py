"""Shared fixtures, and the order the suite runs in. Tests read the real statements in
../shared/corpus; without it they skip, except under CI=true, where a missing corpus is a
failure, not a skip. The functions test modules import are in ``db_support.py`` (databases)
and ``browser_support.py`` (the browser)."""

from __future__ import annotations

import multiprocessing.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from browser_support import browser, dashboard, page, viewport  # noqa: F401 (fixtures)
from db_support import dashboard_maker, shared_db

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("TRACKER_CORPUS", REPO.parent / "shared" / "corpus"))


def _require_corpus() -> Path:
    if CORPUS.is_dir():
        return CORPUS
    if os.environ.get("CI") == "true":
        pytest.fail(f"the shared corpus is missing at {CORPUS} and CI=true forbids skipping")
    pytest.skip(f"the shared corpus is not at {CORPUS} (set TRACKER_CORPUS to its folder)")


#: Set by a run that puts its temporary files under ``TRACKER_TEST_TMP``.
_RUN_TMP = pytest.StashKey[Path]()
_RUN_DISCARD = pytest.StashKey[bool]()


def _test_tmp_root() -> Path | None:
    """The folder chosen for this run's temporary files: ``TRACKER_TEST_TMP`` (e.g. /dev/shm,
    in memory; a relative one from where pytest starts), or None (unset, or ``system``: the
    system's temporary folder). Not the default:
    in memory the suite measured no faster on this project's machine (2026-12-07, the same tree
    one run after the other: 902 s in /dev/shm, 870 s on disk), and it holds about 2.3 GB of
    memory at its peak."""
    chosen = os.environ.get("TRACKER_TEST_TMP", "")
    return None if chosen in ("", "system") else Path(chosen).resolve()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config) -> None:
    """With ``TRACKER_TEST_TMP`` set, the run's temporary files (pytest's ``tmp_path`` and
    everything ``tempfile`` makes, in the tests, their xdist workers and the commands they
    start) in one folder of their own under it, unless ``--basetemp`` is given. Set up once, by the process that
    starts the workers: they inherit the environment and get their part of ``--basetemp``."""
    if hasattr(config, "workerinput") or config.option.basetemp:
        return
    root = _test_tmp_root()
    if root is None:
        return
    root.mkdir(parents=True, exist_ok=True)
    # this process's multiprocessing folder (forkserver sockets) made before the switch, in the
    # system's: it is removed when the interpreter exits, after the run's folder is gone
    multiprocessing.util.get_temp_dir()
    run = Path(tempfile.mkdtemp(prefix="position-tracker-tests-", dir=root))
    (run / "tmp").mkdir()
    config.option.basetemp = str(run / "pytest")
    os.environ["TMPDIR"] = tempfile.tempdir = str(run / "tmp")
    config.stash[_RUN_TMP] = run


def pytest_sessionfinish(session, exitstatus) -> None:
    """The temporary folder of a run where tests failed is kept for a look, and named; any
    other run's (passed, no test selected, interrupted) is removed at its end."""
    run = session.config.stash.get(_RUN_TMP, None)
    failed = exitstatus == pytest.ExitCode.TESTS_FAILED
    session.config.stash[_RUN_DISCARD] = not failed
    if run is not None and failed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"the failed run's temporary files are kept in {run} "
                                "(remove the folder when done)")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config) -> None:
    """The run's temporary folder removed unless tests failed (in memory, it would hold its
    gigabytes until the machine restarts): last, once the xdist workers have stopped."""
    run = config.stash.get(_RUN_TMP, None)
    if run is not None and config.stash.get(_RUN_DISCARD, False):
        shutil.rmtree(run, ignore_errors=True)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The folder of real statements (``../shared/corpus``)."""
    return _require_corpus()


def pytest_collection_modifyitems(config, items) -> None:
    """Modules of the slow tier first: under ``-n 2 --dist loadfile`` a worker takes whole
    modules in this order, so the longest ones start at once instead of holding one worker alone
    at the end of the run (longest first). Whole-module slow ones (the whole corpus, the
    browser) lead; the order is otherwise the collection's, the same on every worker."""

    def weight(item) -> int:
        module = getattr(item, "module", None)
        marks = getattr(module, "pytestmark", [])
        marks = marks if isinstance(marks, list) else [marks]
        if any(m.name == "slow" for m in marks):
            return 0
        return 1 if module in slow_modules else 2

    slow_modules = {getattr(i, "module", None) for i in items if i.get_closest_marker("slow")}
    items.sort(key=weight)  # stable: each module's tests stay together and in order


@pytest.fixture(scope="session")
def db(corpus, tmp_path_factory) -> Path:
    """The query tests' database of real statements (:func:`db_support.build_query_db`), built
    once per run; a module that needs another database defines its own ``db``."""
    return shared_db(corpus, tmp_path_factory)


@pytest.fixture()
def app(db, monkeypatch):
    """A maker of the real dashboard under AppTest, reading the module's ``db`` fixture;
    keyword arguments become the URL's query parameters."""
    monkeypatch.setenv("TRACKER_DB", str(db))
    return dashboard_maker()


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh, real SQLite database file."""
    return tmp_path / "tracker.db"
