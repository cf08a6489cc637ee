"""Re-match every stored statement with a codebook, without re-ingesting."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable
from pathlib import Path

from tracker.codebook import Codebook, codebook_from_text, load_codebook
from tracker.match import Matcher
from tracker.models import Match, Passage
from tracker.store import Store, StoredText

_matcher: Matcher | None = None


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
    if workers > 1 and store.count_statements() > 200:
        ctx = mp.get_context("forkserver")
        with ctx.Pool(workers, initializer=_init, initargs=(book.text, book.path)) as pool:
            # batches are read here, in the writer's thread (SQLite connections stay in theirs),
            # and at most 2 per worker are in flight, so memory stays bounded
            pending = deque()
            for batch in batches:
                pending.append(pool.apply_async(_match_batch, (batch,)))
                if len(pending) >= 2 * workers:
                    written += _write(store, pending.popleft().get(), book, progress)
            while pending:
                written += _write(store, pending.popleft().get(), book, progress)
    else:
        matcher = Matcher(book)
        for batch in batches:
            results = [(item, _match_one(matcher, item)) for item in batch]
            written += _write(store, results, book, progress)
    store.set_active_codebook(book.version, book.name, book.text, book.path)
    return book, written


def _write(store: Store, results, book: Codebook, progress) -> int:
    written = store.replace_matches(results, book.version)
    if progress:
        progress(len(results))
    return written
