"""Re-match a database in the background, all or nothing.

:func:`start` runs :func:`tracker.rematch.rematch` in a thread of this process, one re-match at
a time, and reports its progress on the returned :class:`RematchJob`, which a page can poll
while its user goes on reading. ``rematch`` writes each batch of statements as it is matched;
here its writes are held back (:class:`_HeldStore`) and written in one transaction once every
statement is matched, so until then the database keeps the old codebook's matches whole, and
a failure, a cancel or a stopped process leaves it as it was. The active codebook is switched
right after that transaction.
"""

from __future__ import annotations

import threading
import time
from contextlib import closing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tracker.codebook import Codebook
from tracker.errors import TrackerError
from tracker.models import Match
from tracker.rematch import rematch
from tracker.store import Coder, Store, StoredText

RUNNING, WRITING, DONE, FAILED, CANCELLED = "running", "writing", "done", "failed", "cancelled"


class RematchBusy(TrackerError):
    """A re-match is already running in this process."""


class RematchCancelled(TrackerError):
    """The re-match was cancelled before its matches were written."""


@dataclass
class RematchJob:
    """One background re-match: its progress (``done`` of ``total`` statements), its state
    (running, writing, done, failed or cancelled) and, when it failed, why."""

    db: Path
    codebook: Codebook
    total: int = 0
    done: int = 0
    state: str = RUNNING
    error: str = ""
    written: int = 0
    started: float = field(default_factory=time.time)
    finished: float | None = None
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def active(self) -> bool:
        """Still running or writing."""
        return self.state in (RUNNING, WRITING)

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    def cancel(self) -> None:
        """Stop before the matches are written (a cancel during the final write is too late:
        the write completes)."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the job to end; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.active

    def _advance(self, n: int) -> None:
        if self._cancel.is_set():
            raise RematchCancelled("the re-match was cancelled; the database is unchanged")
        self.done += n


_lock = threading.Lock()
_jobs: dict[Path, RematchJob] = {}  # the latest job of each database


def current(db: str | Path) -> RematchJob | None:
    """The running or the latest re-match of the database ``db`` in this process."""
    with _lock:
        return _jobs.get(Path(db).resolve())


def start(db: str | Path, codebook: Codebook) -> RematchJob:
    """Start re-matching ``db`` with ``codebook`` in a background thread.

    :class:`RematchBusy` when a re-match is running in this process (whatever its database:
    one at a time, so the machine's cores go to one).
    """
    path = Path(db).resolve()
    with _lock:
        running = next((j for j in _jobs.values() if j.active), None)
        if running is not None:
            raise RematchBusy(
                f"a re-match of {running.db.name} with codebook {running.codebook.version} is "
                f"running ({running.done:,} of {running.total:,} statements): wait for it to end"
            )
        job = RematchJob(path, codebook)
        job._thread = threading.Thread(target=_run, args=(job,), name="rematch", daemon=True)
        _jobs[path] = job
    job._thread.start()
    return job


def _run(job: RematchJob) -> None:
    try:
        with closing(_HeldStore(job.db)) as store:
            job.total = store.count_statements()
            rematch(store, job.codebook, progress=job._advance)
            if job._cancel.is_set():
                raise RematchCancelled("the re-match was cancelled; the database is unchanged")
            job.state = WRITING
            job.written = store.write_held()
        job.state = DONE
    except RematchCancelled as exc:
        job.error, job.state = str(exc), CANCELLED
    except TrackerError as exc:
        job.error, job.state = f"{exc}; the database is unchanged", FAILED
    except Exception as exc:  # a thread's error has nowhere else to go: the page shows it
        job.error = f"{type(exc).__name__}: {exc}; the database is unchanged"
        job.state = FAILED
    finally:
        job.finished = time.time()


class _HeldStore(Store):
    """A store whose re-match writes (``replace_matches``, ``set_active_codebook``) are held
    back until :meth:`write_held` writes them: the matches in one transaction, then the
    active codebook."""

    def __init__(self, path: str | Path):
        super().__init__(path, existing=True)  # a database removed meanwhile is not re-made
        self._held: list[tuple[StoredText, list[Match]]] = []
        self._version = ""
        self._active: tuple[str, str, str, str] | None = None
        self._code: Coder | None = None

    def iter_texts(self, batch: int = 50, ids=None) -> Iterator[list[StoredText]]:
        # smaller batches than a plain re-match: the progress bar moves every 50 statements
        return super().iter_texts(batch, ids)

    def replace_matches(
        self, results: Iterable[tuple[StoredText, list[Match]]], codebook_version: str
    ) -> int:
        count = 0
        for stored, found in results:
            # the text is not needed to write matches: keep only what the write reads
            self._held.append((StoredText(stored.statement_id, stored.language, "",
                                          stored.passages), found))  # fmt: skip
            count += len(found)
        self._version = codebook_version
        return count

    def stale_ids(self, version: str) -> list[int]:
        # what is held counts as coded: only statements stored meanwhile are left
        held = {stored.statement_id for stored, _ in self._held}
        return [sid for sid in super().stale_ids(version) if sid not in held]

    def activate_codebook(self, version: str, name: str, text: str, path: str = "", *,
                          code: Coder, held=()) -> int:  # fmt: skip
        self._active = (version, name, text, path)
        self._code = code
        return 0

    def write_held(self) -> int:
        """Write what was held, code what was stored meanwhile and switch the active codebook,
        in one transaction; returns the number of matches written."""
        if self._active is None or self._code is None:
            raise TrackerError("the re-match did not finish: nothing was written")
        return Store.activate_codebook(self, *self._active, code=self._code, held=self._held)
