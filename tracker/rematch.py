"""Re-match every stored statement with a codebook, without re-ingesting."""

from __future__ import annotations

import os
import shlex
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tracker.codebook import Codebook, codebook_from_text, load_codebook
from tracker.errors import TrackerError
from tracker.ingest import WorkerPool, submit
from tracker.match import Matcher
from tracker.models import Match, Passage
from tracker.store import Store, StoredText

POOL_THRESHOLD = 200  # statements above which re-matching uses worker processes

_matcher: Matcher | None = None


class WorkerDied(TrackerError):
    """A worker process died (out-of-memory killer, SIGKILL, crash) while matching a batch."""


def _init(codebook_text: str, path: str) -> None:
    global _matcher
    _matcher = Matcher(codebook_from_text(codebook_text, path=path))


def _match_batch(batch: list[StoredText]) -> list[tuple[StoredText, list[Match]]]:
    assert _matcher is not None
    return [(item, _match_one(_matcher, item)) for item in batch]


def _match_one(matcher: Matcher, item: StoredText) -> list[Match]:
    passages = [Passage(seq, start, end, 0) for _, seq, start, end in item.passages]
    return matcher.match(item.clean_text, passages, language=item.language or "en")


def rematch(
    store: Store,
    codebook: str | Path | Codebook | None = None,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Codebook, int]:
    """Re-match all statements and make the codebook the database's active one.

    Each batch of statements is replaced in one transaction; the active codebook is switched
    only after every batch is written, so an interrupted run is finished by running it again.
    Returns the codebook and the number of matches written.
    """
    if codebook is None:
        active = store.active_codebook()
        book = codebook_from_text(active.text, path=active.path) if active else load_codebook()
    elif isinstance(codebook, Codebook):
        book = codebook
    else:
        book = load_codebook(codebook)
    workers = workers or min(2, os.cpu_count() or 1)
    written = 0
    batches = store.iter_texts()
    if workers > 1 and store.count_statements() > POOL_THRESHOLD:
        try:
            for results in _pooled(batches, book, workers):
                written += _write(store, results, book, progress)
        except WorkerDied as exc:  # the command that completes this re-code, of this database
            command = f"tracker match --codebook {shlex.quote(str(book.path))} --db {shlex.quote(str(store.path))}"
            raise WorkerDied(f"{exc}: `{command}`") from None
    else:
        matcher = Matcher(book)
        for batch in batches:
            results = [(item, _match_one(matcher, item)) for item in batch]
            written += _write(store, results, book, progress)
    written += _finish(store, book, progress)
    return book, written


#: Statements stored meanwhile that the final transaction may code itself, holding the
#: write lock (a few seconds of matching at most); more are coded in batches before it.
FINAL_MAX = 200


def _finish(store: Store, book: Codebook, progress) -> int:
    """Code what an ingest stored (with the old codebook, still active) while the re-match
    ran, then switch the active codebook in the transaction that codes the last of them: no
    statement of the old codebook stays behind under the new one."""
    matcher = Matcher(book)

    def code(batch: list[StoredText]) -> list[tuple[StoredText, list[Match]]]:
        return [(item, _match_one(matcher, item)) for item in batch]

    written = 0
    while len(stale := store.stale_ids(book.version)) > FINAL_MAX:
        for batch in store.iter_texts(ids=stale):
            written += _write(store, code(batch), book, progress)
    return written + store.activate_codebook(book.version, book.name, book.text, book.path,
                                             code=code)  # fmt: skip


def _new_pool(workers: int, book: Codebook) -> ProcessPoolExecutor:
    return WorkerPool(workers, _init, (book.text, book.path))


def _pooled(batches, book: Codebook, workers: int):
    """Matched batches in order. Batches are read here, in the writer's thread (SQLite
    connections stay in theirs), and at most 2 per worker are in flight, so memory stays bounded.
    A dead worker breaks the pool instead of losing its batch: the batches in flight are retried
    alone, and one whose worker dies again raises :class:`WorkerDied` (what was written stays,
    and the active codebook is not switched, so running again completes the work)."""
    pending: deque = deque()
    pool = _new_pool(workers, book)
    try:
        for batch in batches:
            pending.append((batch, _submit(pool, batch)))
            if len(pending) >= 2 * workers:
                pool = yield from _drain(pending, 1, pool, book, workers)
        pool = yield from _drain(pending, len(pending), pool, book, workers)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _drain(pending: deque, n: int, pool: ProcessPoolExecutor, book: Codebook, workers: int):
    """Yield the first ``n`` results of ``pending``; returns the pool (a new one after a death)."""
    for _ in range(n):
        batch, future = pending.popleft()
        try:
            yield future.result()
        except BrokenProcessPool:
            rest = [b for b, _ in pending]
            pending.clear()
            pool.shutdown(wait=False, cancel_futures=True)
            for again in [batch, *rest]:
                yield _alone(again, book)
            return _new_pool(workers, book)
    return pool


def _submit(pool: ProcessPoolExecutor, batch: list[StoredText]) -> Future:
    return submit(pool, _match_batch, batch)


def _alone(batch: list[StoredText], book: Codebook) -> list[tuple[StoredText, list[Match]]]:
    pool = _new_pool(1, book)
    wait = False  # interrupted (Ctrl-C, SIGTERM): do not wait for the batch still matching
    try:
        result = _submit(pool, batch).result()
        wait = True
        return result
    except BrokenProcessPool:
        wait = True
        ids = [item.statement_id for item in batch]
        raise WorkerDied(
            f"a worker process died (out-of-memory killer, SIGKILL or a crash) twice while "
            f"matching statements {ids[0]}-{ids[-1]}; the batches before them are written, "
            "the active codebook is unchanged: run the same re-code again to complete it"
        ) from None
    finally:
        pool.shutdown(wait=wait, cancel_futures=not wait)


def _write(store: Store, results, book: Codebook, progress) -> int:
    written = store.replace_matches(results, book.version)
    if progress:
        progress(len(results))
    return written
