"""Orchestration: sources -> clean -> metadata -> segment -> match -> store.

The main process reads the sources and is the one writer; cleaning, segmentation and matching
run in worker processes when the batch is large. Statements are written in batches, each batch
one transaction holding whole statements only, so a crash loses at most the batch in flight and
a re-run completes it.

Every document has a budget of work (:class:`Budgets`): one over it fails by name, so memory is
bounded by the budget, not by the input. A worker process that dies (the out-of-memory killer,
SIGKILL, a crash) is detected: the documents it may have held are retried one at a time, and one
that kills its worker again fails by name; the ingest never waits for a lost task.
"""

from __future__ import annotations

import errno
import hashlib
import multiprocessing as mp
import os
import re
import shlex
import shutil
import sqlite3
import sys
import tempfile
import threading
import types
import unicodedata
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing, contextmanager
from multiprocessing.connection import Connection
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from tracker.clean import clean_text
from tracker.codebook import Codebook, load_codebook
from tracker.duplicates import KIND_PRIORITY, DedupPolicy
from tracker.errors import SourceError, StoreError, TrackerError
from tracker.manifest import Manifest, ManifestRow
from tracker.match import Matcher
from tracker.metadata import ResolvedMetadata, resolve_metadata
from tracker.models import Problem, RawDocument, Sourced, Statement
from tracker.records import MeetingRecord, detect_record, looks_like_record, split_record
from tracker.segment import segment
from tracker.sources import ReaderOptions, count_candidate_files, iter_files, read_file
from tracker.store import STATEMENTS_PER_TRANSACTION, Store

#: Statements per write transaction (``--batch-size``).
BATCH_SIZE = STATEMENTS_PER_TRANSACTION
#: Below this many candidate files, work in-process: a pool costs more than it saves.
POOL_THRESHOLD = 40
#: Documents handed to each worker ahead of time: enough to keep it busy, few enough that the
#: texts waiting in the main process stay bounded (``Pool.imap`` read ahead without limit).
IN_FLIGHT_PER_WORKER = 4
#: Why a document whose worker died twice is not stored.
WORKER_DIED = (
    "the worker process reading it died (killed, e.g. by the out-of-memory killer, or crashed), "
    "again when it was retried alone; nothing of it was stored"
)


@dataclass(frozen=True)
class Budgets:
    """The work one document may cost; a document over any of them fails by name.

    Sized from the real corpora: the largest document in ../shared/corpus and the whole UN
    General Debate Corpus has 27,845 words, 4,312 distinct words, 1,016 passages and under 100
    matches, so the defaults leave several times that room while a document at every budget
    stays far under 1.5 GB (benchmarks/bench_memory.py). ``0`` turns a budget off.
    """

    max_words: int = 200_000  # words (runs of non-space) in the document's text
    max_distinct_words: int = 40_000  # distinct words, case folded: each is fuzzy-matched once
    max_passages: int = 20_000  # sentences, over all turns of a meeting record
    max_matches: int = 20_000  # theme matches, over all turns


class BudgetExceeded(SourceError):
    """A document needs more work than its :class:`Budgets` allow."""

    def __init__(self, source: str, found: str, limit: int, what: str, option: str):
        super().__init__(
            source, f"{found} {what}, over the budget of {limit:,} {what} per document ({option})"
        )

Progress = Callable[[int, str], None]  # (files done increment, current source)


@dataclass
class IngestReport:
    """What an ingest run did, statement by statement."""

    stored: list[str] = field(default_factory=list)
    already_stored: list[tuple[str, str]] = field(default_factory=list)  # (source, stored as)
    skipped: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (source, flags)
    #: A stored file's reading warnings (encoding repaired, a record read as one statement),
    #: once per file: (file, warning)
    warned: list[tuple[str, str]] = field(default_factory=list)
    run_id: int | None = None
    codebook_version: str = ""
    #: Files (paths as walked) that gave at least one statement stored or already stored.
    files_used: set[str] = field(default_factory=set)
    #: Of those, the files that gave at least one statement stored by this run.
    files_stored: set[str] = field(default_factory=set)
    #: Documents looked up in the manifest, and how many of them it has a row for.
    manifest_lookups: int = 0
    manifest_found: int = 0
    #: ``kind_priority`` keywords in no stored statement's ``source_kind`` and none of the
    #: default's (mistyped?)
    unknown_priority: list[str] = field(default_factory=list)
    _file_of: dict[str, str] = field(default_factory=dict, repr=False)  # doc hash -> file

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"{len(self.stored)} stored, {len(self.already_stored)} already stored, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed"
        )


@dataclass(frozen=True)
class _Job:
    doc: RawDocument
    manifest_row: ManifestRow | None
    overrides: Mapping[str, str]
    doc_hash: str  # what identifies the document before any work: see _jobs
    budgets: Budgets = Budgets()


def content_hash(text: str) -> str:
    """Hash of a text that ignores case, spacing and Unicode form: same content, same hash."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"\s+", " ", norm).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def raw_hash(doc: RawDocument) -> str:
    return hashlib.sha256(doc.raw_text.encode("utf-8", "surrogatepass")).hexdigest()


# -- budgets ---------------------------------------------------------------------------------
#: Text is counted a slice at a time, so counting a huge text holds one slice's words only.
_COUNT_SLICE = 1 << 20
_SPACE = re.compile(r"\s")


def _slices(text: str) -> Iterator[str]:
    """``text`` in slices of about ``_COUNT_SLICE`` characters, cut at whitespace."""
    start = 0
    while start < len(text):
        cut = _SPACE.search(text, start + _COUNT_SLICE)
        end = cut.end() if cut else len(text)
        yield text[start:end]
        start = end


def check_words(text: str, source: str, budgets: Budgets) -> None:
    """Raise :class:`BudgetExceeded` when ``text`` has more words or distinct words than the
    budgets allow. Counting stops at the first budget passed, so it holds little memory."""
    limit, distinct_limit = budgets.max_words, budgets.max_distinct_words
    limits = [x for x in (limit, distinct_limit) if x]
    if not limits or len(text) <= min(limits):
        return  # fewer characters than words allowed
    words = 0
    for piece in _slices(text):
        words += len(piece.split())
        if limit and words > limit:
            raise BudgetExceeded(source, f"more than {limit:,}", limit, "words", "--max-words")
    if not distinct_limit or words <= distinct_limit:
        return
    seen: set[str] = set()
    for piece in _slices(text):
        seen.update(piece.casefold().split())
        if len(seen) > distinct_limit:
            raise BudgetExceeded(source, f"more than {distinct_limit:,}", distinct_limit,
                                 "distinct words", "--max-distinct-words")  # fmt: skip


class _Tally:
    """Passages and matches of one document so far (all its turns), against the budgets."""

    def __init__(self, source: str, budgets: Budgets):
        self.source, self.budgets = source, budgets
        self.counts = {"passages": 0, "matches": 0}

    def add_passages(self, n: int) -> None:
        self._add("passages", n, self.budgets.max_passages, "--max-passages")

    def add_matches(self, n: int) -> None:
        self._add("matches", n, self.budgets.max_matches, "--max-matches")

    def _add(self, what: str, n: int, limit: int, option: str) -> None:
        self.counts[what] += n
        total = self.counts[what]
        if limit and total > limit:
            # exact for one statement; a record's later turns are not counted once over
            found = f"{total:,}" if n == total else f"more than {limit:,}"
            raise BudgetExceeded(self.source, found, limit, what, option)


def build_statements(job: _Job, matcher: Matcher, codebook_version: str) -> list[Statement] | Problem:
    """Clean, resolve metadata, segment and match one document.

    A meeting record (or another multi-speaker document) becomes one statement per speaker turn,
    named ``file#N``; anything else is one statement. Raises :class:`BudgetExceeded` when the
    document has more words, distinct words, passages or matches than ``job.budgets`` allow.
    """
    doc = job.doc
    check_words(doc.raw_text, doc.source, job.budgets)  # cheap, and before any costly step
    tally = _Tally(doc.source, job.budgets)
    kind = detect_record(doc.raw_text)
    if kind:
        record = split_record(doc.raw_text)
        if record is not None and record.turns:
            return _turn_statements(job, record, matcher, codebook_version, tally)
    if kind or looks_like_record(doc.raw_text):
        doc.warnings.append(
            "looks like a meeting record but no speaker turns were recognised: "
            "stored as one statement"
        )
    clean = clean_text(doc.raw_text, reader=doc.reader)
    if not clean.strip():
        return Problem(doc.source, "no text left after cleaning (only page furniture?)")
    meta = resolve_metadata(doc, clean, manifest_row=job.manifest_row, overrides=job.overrides)
    # the same text from another kind of source (an official record and the delegation's own
    # text) is another copy, stored and linked as a duplicate; from the same kind, it is stored once
    identity = f"{meta.value('source_kind')}\n"
    return [_statement(doc, clean, meta, matcher, codebook_version, job.doc_hash, tally, identity)]


#: The language a statement is read in when none is given and its text is too short to tell
#: (flagged ``language_not_detected``).
ASSUMED_LANGUAGE = "en"


def _statement(doc: RawDocument, clean: str, meta: ResolvedMetadata, matcher: Matcher,
               codebook_version: str, doc_hash: str, tally: _Tally,
               identity: str = "") -> Statement:  # fmt: skip
    passages = segment(clean)
    tally.add_passages(len(passages))
    fields = dict(meta.fields)
    flags = list(meta.flags)
    if not meta.value("language"):
        # none given and too little text to tell (a short procedural turn): read as English,
        # and stored so, with the flag, so that filters and exports count it as it was read
        fields["language"] = Sourced(ASSUMED_LANGUAGE, "default")
        flags.append("language_not_detected")
    language = fields["language"].value
    if not matcher.covers(language):
        flags.append("language_not_covered")
    statement = Statement(
        source=doc.source,
        source_path=doc.source_path,
        reader=doc.reader,
        raw_text=doc.raw_text,
        clean_text=clean,
        passages=passages,
        metadata=fields,
        content_hash=content_hash(identity + clean),
        raw_hash=doc_hash,
        words=len(clean.split()),
        date_precision=meta.date_precision,
        year=meta.year,
        flags=flags,
        warnings=list(doc.warnings),
        codebook_version=codebook_version,
    )
    statement.matches = matcher.match(clean, passages, language=language)
    tally.add_matches(len(statement.matches))
    return statement


#: Manifest fields that describe a record's document, not its speakers.
_SPEAKER_FIELDS = ("country", "speaker", "title")


def _turn_statements(job: _Job, record: MeetingRecord, matcher: Matcher, codebook_version: str,
                     tally: _Tally) -> list[Statement]:  # fmt: skip
    """One statement per turn; the record gives date, forum and meeting, the turn its speaker."""
    doc = job.doc
    doc_hash = job.doc_hash
    row = job.manifest_row
    if row is not None:
        row = replace(row, country="", speaker="", title="")  # the _SPEAKER_FIELDS
    record_hints = {
        "date": record.date, "forum": record.forum, "meeting": record.symbol or record.meeting,
    }  # fmt: skip
    statements = []
    for turn in record.turns:
        clean = clean_text(turn.text, reader=doc.reader)
        if not clean.strip():
            continue
        hints = dict(doc.hints)
        hints.update({k: Sourced(v, "record") for k, v in record_hints.items() if v})
        hints["speaker"] = Sourced(turn.speaker, "record")
        if turn.forum:  # the forum of the agenda item the turn was spoken under
            hints["forum"] = Sourced(turn.forum, "record")
        if turn.country:
            hints["country"] = Sourced(turn.country, "record")
        turn_doc = RawDocument(
            source=f"{doc.source}#{turn.order}", source_path=doc.source_path,
            raw_text=doc.raw_text[turn.start:turn.end], reader=doc.reader, hints=hints,
            warnings=list(doc.warnings) + list(record.warnings), manifest_key=doc.manifest_key,
        )  # fmt: skip
        meta = resolve_metadata(turn_doc, clean, manifest_row=row, overrides=job.overrides)
        if not turn.country and "country" not in job.overrides:
            _no_country(meta, turn.role)
        identity = f"{record.symbol}|{record.meeting}|{turn.order}|{turn.speaker}\n"
        st = _statement(turn_doc, clean, meta, matcher, codebook_version, doc_hash, tally,
                        identity)  # fmt: skip
        st.turn, st.role, st.on_behalf_of = turn.order, turn.role, turn.on_behalf_of
        st.spoke_in, st.agenda = turn.spoke_in, record.agenda
        st.split_confidence, st.document = turn.confidence, doc.source
        statements.append(st)
    return statements


def _no_country(meta: ResolvedMetadata, role: str) -> None:
    """Officials and chairs speak for no country: drop any country inferred from their words."""
    meta.fields.pop("country", None)
    meta.fields.pop("country_name", None)
    if role == "delegation":
        if "no_country" not in meta.flags:
            meta.flags.append("no_country")
    elif "no_country" in meta.flags:
        meta.flags.remove("no_country")


# -- worker processes ------------------------------------------------------------------------
_worker_matcher: Matcher | None = None
_worker_version = ""


def _init_worker(codebook_text: str, codebook_path: str) -> None:
    global _worker_matcher, _worker_version
    from tracker.codebook import codebook_from_text

    codebook = codebook_from_text(codebook_text, path=codebook_path)
    _worker_matcher = Matcher(codebook)
    _worker_version = codebook.version


def _work(job: _Job) -> list[Statement] | Problem:
    assert _worker_matcher is not None
    return _safe_build(job, _worker_matcher, _worker_version)


def _safe_build(job: _Job, matcher: Matcher, version: str) -> list[Statement] | Problem:
    """Any failure of one document becomes a Problem naming it; the batch goes on."""
    try:
        return build_statements(job, matcher, version)
    except SourceError as exc:
        return Problem(job.doc.source, exc.reason)
    except TrackerError as exc:
        return Problem(job.doc.source, str(exc))
    except Exception as exc:  # a bug or a pathological input must not stop the batch
        return Problem(job.doc.source, f"could not process: {type(exc).__name__}: {exc}")


#: Ways worker processes may start, best first; never by fork (the main process holds SQLite
#: connections and threads). ``TRACKER_START_METHOD`` picks one (to try spawn, Windows' only
#: way, on Linux).
START_METHODS = ("forkserver", "spawn")


def pool_context() -> mp.context.BaseContext:
    """How workers start: ``$TRACKER_START_METHOD`` when set, else forkserver where the platform
    has it (Linux, macOS) and spawn elsewhere (Windows; the workers import everything)."""
    available = [m for m in START_METHODS if m in mp.get_all_start_methods()]
    chosen = os.environ.get("TRACKER_START_METHOD", "").strip().lower()
    if chosen and chosen not in available:
        raise TrackerError(
            f"TRACKER_START_METHOD={chosen!r} is not a way worker processes can start here: "
            f"use {' or '.join(available)} (or unset it)"
        )
    context = mp.get_context(chosen or available[0])
    if context.get_start_method() == "forkserver":
        # the forkserver imports the workers' code once and each worker is forked from it,
        # instead of every worker importing it again (about a second of CPU each)
        context.set_forkserver_preload(["tracker.ingest", "tracker.rematch"])
    return context


_MAIN_LOCK = threading.Lock()


@contextmanager
def without_main_script() -> Iterator[None]:
    """Start worker processes without re-running the parent's main script in them.

    multiprocessing re-imports the parent's ``__main__`` from its file in every new worker (and
    in the forkserver). When that file is a Streamlit page (the dashboard's Add page, or any
    AppTest), running it outside Streamlit fails, the worker dies as it starts, and every
    document of the ingest would fail; any other script would be re-run for nothing. The
    workers need nothing from it, so while they start ``__main__`` is a bare module.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__file__", None) is None:
        yield
        return
    with _MAIN_LOCK:
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


def _watch_parent(lifeline: Connection) -> None:
    """End this worker when the process that started its pool is gone.

    A worker blocks on its task queue, whose pipe it holds both ends of, so it never sees its
    parent die: after a ``kill -9`` (or SIGTERM) of an ingest, orphaned workers would hold their
    memory forever. ``lifeline``'s other end lives only in the parent; when the parent dies the
    kernel closes it, this read ends, and the worker exits.
    """
    try:
        lifeline.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(1)


def _init_watched(lifeline: Connection, initializer: Callable[..., None], *args: object) -> None:
    threading.Thread(target=_watch_parent, args=(lifeline,), name="tracker-parent-watch",
                     daemon=True).start()  # fmt: skip
    initializer(*args)


class WorkerPool(ProcessPoolExecutor):
    """A process pool whose workers exit when this process dies (see :func:`_watch_parent`)."""

    def __init__(self, workers: int, initializer: Callable[..., None], initargs: tuple) -> None:
        context = pool_context()
        lifeline, self._lifeline_keep = context.Pipe(duplex=False)
        super().__init__(workers, mp_context=context, initializer=_init_watched,
                         initargs=(lifeline, initializer, *initargs))  # fmt: skip
        # the read end goes to each worker as it starts (pickled then); the write end stays
        # here, open for the pool's life

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """As ProcessPoolExecutor's; then the lifeline closes, so workers still busy after a
        ``wait=False`` shutdown (an interrupted ingest) stop now instead of finishing."""
        results = self._result_queue
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        self._lifeline_keep.close()
        if not wait and results is not None:
            # a worker stopped so may leave half a result in the pipe, and the pool's manager
            # thread would wait for the rest for ever (the interpreter joins it at exit: an
            # interrupted ingest hung now and then). With this process's copy of the write end
            # closed, the pipe ends when the workers do: the thread reads EOF, calls the pool
            # broken and stops. This process never writes to it.
            results._writer.close()  # type: ignore[attr-defined]


def _new_pool(workers: int, book: Codebook) -> ProcessPoolExecutor:
    return WorkerPool(workers, _init_worker, (book.text, book.path))


def _pooled(jobs: Iterable[_Job], book: Codebook, workers: int
            ) -> Generator[list[Statement] | Problem, None, None]:  # fmt: skip
    """Results of ``jobs`` in their order, built by ``workers`` processes.

    A worker that dies breaks the pool (``BrokenProcessPool``) instead of losing its task
    silently: the documents in flight are then retried one at a time in a fresh process (so the
    innocent ones are stored), and one that kills its worker again fails by name.
    """
    pending: deque[tuple[_Job, Future]] = deque()
    todo = iter(jobs)
    pool = _new_pool(workers, book)
    try:
        while True:
            while len(pending) < workers * IN_FLIGHT_PER_WORKER:
                job = next(todo, None)
                if job is None:
                    break
                pending.append((job, _submit(pool, job)))
            if not pending:
                break
            job, future = pending.popleft()
            try:
                yield _result(job, future)
            except BrokenProcessPool:
                rest = list(pending)
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                yield _alone(job, book)
                for other, done in rest:  # results that came back before the death are kept
                    kept = _finished(other, done)
                    yield kept if kept is not None else _alone(other, book)
                pool = _new_pool(workers, book)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # interrupted: do not wait for workers
        raise
    pool.shutdown(wait=True)


def submit(pool: ProcessPoolExecutor, fn: Callable, arg: object) -> Future:
    """``pool.submit(fn, arg)``; a pool already broken gives a future holding that error.
    (Submitting may start a worker: one killed as it starts breaks the pipe to it.)"""
    try:
        with without_main_script():  # submitting starts the workers
            return pool.submit(fn, arg)
    except (BrokenProcessPool, OSError) as exc:
        future: Future = Future()
        future.set_exception(BrokenProcessPool(f"a worker could not start: {exc}"))
        return future


def _submit(pool: ProcessPoolExecutor, job: _Job) -> Future:
    return submit(pool, _work, job)


def _result(job: _Job, future: Future) -> list[Statement] | Problem:
    """A worker's result; anything but a dead worker (say, a result that cannot be sent back)
    becomes a Problem naming the document."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as exc:  # noqa: BLE001 - one document's failure must not stop the batch
        return Problem(job.doc.source, f"could not process: {type(exc).__name__}: {exc}")


def _finished(job: _Job, future: Future) -> list[Statement] | Problem | None:
    """The result of a future that completed before its pool broke, else None."""
    if future.done() and not future.cancelled() and future.exception() is None:
        return _result(job, future)
    return None


def _alone(job: _Job, book: Codebook) -> list[Statement] | Problem:
    """One document in a worker of its own: a death now is this document's doing."""
    pool = _new_pool(1, book)
    done = False
    try:
        result = _result(job, _submit(pool, job))
        done = True
        return result
    except BrokenProcessPool:
        done = True
        return Problem(job.doc.source, WORKER_DIED)
    finally:
        # interrupted (Ctrl-C, SIGTERM): do not wait for the document still being read
        pool.shutdown(wait=done, cancel_futures=not done)


# -- orchestration ---------------------------------------------------------------------------
def resolve_codebook(store: Store, codebook: str | Path | None) -> Codebook:
    """The codebook this ingest uses: the database's active one, set on first use.

    One database never mixes codebook versions: asking for another codebook on a database
    that already holds statements is an error that says how to switch.
    """
    active = store.active_codebook()
    if codebook is None and active is not None:
        from tracker.codebook import stored_codebook

        return stored_codebook(active.text, active.path, active.version, store.path)
    chosen = load_codebook(codebook)
    if active is not None and active.version != chosen.version and store.count_statements():
        raise TrackerError(
            f"{store.path} uses codebook {active.name} ({active.version}); to switch to "
            f"{chosen.name} ({chosen.version}) run `tracker match --codebook {shlex.quote(str(codebook))} --db {shlex.quote(str(store.path))}` first"
        )
    if active is None or active.version != chosen.version:
        store.set_active_codebook(chosen.version, chosen.name, chosen.text, chosen.path)
    return chosen


def ingest_paths(
    paths: Sequence[str | Path],
    *,
    db: str | Path | Store,
    manifest: str | Path | Manifest | None = None,
    overrides: Mapping[str, str] | None = None,
    reader_options: ReaderOptions | None = None,
    codebook: str | Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    batch_size: int = BATCH_SIZE,
    dedupe: bool = True,
    kind_priority: Sequence[str] = KIND_PRIORITY,
    budgets: Budgets | None = None,
) -> IngestReport:
    """Ingest files, folders and zip archives into the database; see :class:`IngestReport`.

    With ``dedupe`` (the default) each new statement is linked to stored copies of the same
    speech (see :mod:`tracker.duplicates`); ``kind_priority`` orders which copy is canonical.
    A document over ``budgets`` (default :class:`Budgets`) fails by name.
    """
    rows = _load_manifest(manifest)  # before the store: a bad manifest makes no database file
    store = db if isinstance(db, Store) else Store(db)
    try:
        return _ingest(
            paths, store, rows, dict(overrides or {}), reader_options,
            codebook, workers, progress, on_problem, batch_size, dedupe, kind_priority,
            budgets or Budgets(),
        )  # fmt: skip
    finally:
        if not isinstance(db, Store):
            store.close()


def _load_manifest(manifest: str | Path | Manifest | None) -> Manifest | None:
    if manifest is None or isinstance(manifest, Manifest):
        return manifest
    return Manifest.load(manifest)


def _ingest(paths, store, manifest, overrides, reader_options, codebook, workers, progress,
            on_problem, batch_size, dedupe, kind_priority, budgets) -> IngestReport:  # fmt: skip
    book = resolve_codebook(store, codebook)
    languages = sorted(book.languages, key=lambda lang: (lang != "en", lang))
    policy = DedupPolicy(kind_priority=kind_priority, languages=languages) if dedupe else None
    report = IngestReport(codebook_version=book.version)
    report.run_id = store.start_run(" ".join(str(p) for p in paths))
    workers = workers or min(2, os.cpu_count() or 1)

    def problem(p: Problem) -> None:
        (report.skipped if p.kind == "skipped" else report.failed).append(p)
        if on_problem:
            on_problem(p)

    try:  # from here an interruption (counting a big folder, say) still closes the run
        known_raw = store.known_raw_hashes()
        total = count_candidate_files(paths)
        jobs = _jobs(paths, manifest, overrides, reader_options, known_raw, report, problem,
                     progress, budgets)  # fmt: skip
        if workers > 1 and total >= POOL_THRESHOLD:
            # closed here when writing fails (a full disk): its pool stops now, not when the
            # collector finalizes the generator beside the pool's pipes, in no set order (it
            # then closed a pipe already closed: an OSError traceback after our message)
            with closing(_pooled(jobs, book, workers)) as pooled:
                _write_results(pooled, store, report, problem, batch_size, policy)
        else:
            matcher = Matcher(book)
            results = (_safe_build(job, matcher, book.version) for job in jobs)
            _write_results(results, store, report, problem, batch_size, policy)
    except BaseException as exc:
        _close_run(store, report, _outcome_of(exc))
        raise
    _close_run(store, report, "finished")
    if dedupe and tuple(kind_priority) != tuple(KIND_PRIORITY):
        kinds = [k.casefold() for k in store.source_kinds()]
        known = kinds + [k.casefold() for k in KIND_PRIORITY]  # the default's words are not typos
        report.unknown_priority = [p for p in kind_priority if not any(p in k for k in known)]
    return report


def _outcome_of(exc: BaseException) -> str:
    """How a run that raised ended, as ``ingest_runs.outcome`` says it."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return "interrupted"
    return f"failed: {type(exc).__name__}: {exc}"[:500]


def _close_run(store: Store, report: IngestReport, outcome: str) -> None:
    """Record the run's problems, counts and outcome. After an interruption or an error it is
    done on a best-effort basis: the statements' batches are whole either way, and a failure to
    note the end (the disk full, say) must not hide the error that stopped the run."""
    run_id = report.run_id
    if run_id is None:
        return
    try:
        store.record_problems(
            run_id, [(p.source, p.kind, p.reason) for p in report.skipped + report.failed]
        )
        store.finish_run(  # its stored count grew with each batch's commit (add_statements)
            run_id, already=len(report.already_stored),
            skipped=len(report.skipped), failed=len(report.failed), outcome=outcome,
        )  # fmt: skip
    except (sqlite3.Error, OSError, StoreError):
        if outcome == "finished":
            raise


#: ``file#3``: a turn of a record (or a row of a dataset), named after its file
_RECORD_TURN = re.compile(r"#\d+$")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _jobs(paths, manifest, overrides, reader_options, known_raw, report, problem, progress,
          budgets: Budgets) -> Iterator[_Job]:  # fmt: skip
    """Documents to process, with manifest rows; skips, failures and known documents reported.

    A document is known by the hash of its raw text; a PDF by the hash of its bytes, so that a
    re-run does not parse (or OCR) it again. A text over the word budgets fails here, before it
    is sent to a worker.
    """
    seen_raw: dict[str, str] = {}
    for path in iter_files(paths):
        if isinstance(path, Problem):
            _tick(progress, path.source)
            problem(path)
            continue
        if manifest is not None and _same_file(path, manifest.path):
            _tick(progress, path.name)  # a manifest under another name than manifest.csv
            problem(Problem(path.name, "not a statement: the manifest (metadata for the other "
                                       "files)", "skipped"))  # fmt: skip
            continue
        file_hash = _pdf_hash(path)
        if file_hash and file_hash in known_raw:
            _tick(progress, path.name)
            report.already_stored.append((path.name, known_raw[file_hash]))
            report.files_used.add(str(path))
            continue
        for item in read_file(path, reader_options):
            _tick(progress, item.source)
            if isinstance(item, Problem):
                problem(item)
                continue
            row = manifest.lookup(item.manifest_key) if manifest and item.manifest_key else None
            if manifest is not None and item.manifest_key:
                report.manifest_lookups += 1
                report.manifest_found += row is not None
            if row is not None and row.skip:
                problem(Problem(item.source, f"skipped by the manifest: {row.skip}", "skipped"))
                continue
            digest = file_hash or raw_hash(item)
            earlier = known_raw.get(digest) or seen_raw.get(digest)
            if earlier:
                report.already_stored.append((item.source, earlier))
                report.files_used.add(str(path))
                continue
            try:
                check_words(item.raw_text, item.source, budgets)
            except BudgetExceeded as exc:
                problem(Problem(item.source, exc.reason))
                continue
            seen_raw[digest] = item.source
            report._file_of[digest] = str(path)
            yield _Job(item, row, overrides, digest, budgets)


def _tick(progress: Progress | None, source: str) -> None:
    if progress:
        progress(1, source)


def _pdf_hash(path: Path) -> str:
    """Hash of a PDF's bytes ("" for other files): PDFs are worth recognising before parsing."""
    if path.suffix.lower() != ".pdf":
        return ""
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return "pdf:" + digest.hexdigest()
    except OSError:
        return ""  # the reader reports the problem


def _write_results(results: Iterable[list[Statement] | Problem], store: Store, report: IngestReport,
                   problem: Callable[[Problem], None], batch_size: int,
                   policy: DedupPolicy | None) -> None:  # fmt: skip
    batch: list[Statement] = []
    for result in results:
        if isinstance(result, Problem):
            problem(result)
            continue
        batch.extend(result)  # a document's statements always go into one batch
        if len(batch) >= batch_size:
            _flush(batch, store, report, policy)
            batch = []
    if batch:
        _flush(batch, store, report, policy)


def _flush(batch: list[Statement], store: Store, report: IngestReport,
           policy: DedupPolicy | None) -> None:
    """Write a batch; statements whose content is already stored are reported as such."""
    unique: dict[str, Statement] = {}
    for st in batch:
        if st.content_hash in unique:
            report.already_stored.append((st.source, unique[st.content_hash].source))
        else:
            unique[st.content_hash] = st
    new = store.add_statements(list(unique.values()), dedupe=policy, run_id=report.run_id)
    # popped: a document's statements are all in one batch, and the map stays small
    files: dict[str, str] = {}
    for st in batch:
        if st.raw_hash not in files:
            files[st.raw_hash] = report._file_of.pop(st.raw_hash, "")
    report.files_used.update(f for f in files.values() if f)
    for st in unique.values():
        if st.content_hash in new:
            report.stored.append(st.source)
            if files.get(st.raw_hash):
                report.files_stored.add(files[st.raw_hash])
            if st.flags:
                report.flagged.append((st.source, ",".join(st.flags)))
            file = _RECORD_TURN.sub("", st.source)  # a record's turns share their file's warnings
            for warning in st.warnings:
                if (file, warning) not in report.warned:
                    report.warned.append((file, warning))
        else:
            report.already_stored.append((st.source, store.source_of_hash(st.content_hash) or "?"))


# -- uploads (the dashboard's Add page) ------------------------------------------------------
class UploadError(TrackerError):
    """Uploaded files could not be saved (a full disk, a folder that cannot be written)."""


def upload_name(name: str) -> str:
    """A browser's file name as a safe base name: no folders, no NUL or control characters,
    never empty, ``.`` or ``..``."""
    base = re.split(r"[/\\]", name)[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "_", base).strip()
    return base if base.strip(".") else "upload.txt"


@dataclass(frozen=True)
class SavedUpload:
    """Where one upload's files were written: its own folder, and each file's path."""

    folder: Path
    paths: list[Path]


def save_uploads(files: Sequence[tuple[str, bytes]], root: str | Path) -> SavedUpload:
    """Write uploaded ``(name, bytes)`` files into a new folder of their own under ``root``.

    The folder's name is unique (two uploads in the same second get two folders), and a name
    used twice in one upload goes into a numbered subfolder, so no file overwrites another and
    every file keeps the name its metadata may come from. On any failure nothing of the upload
    is left behind and :class:`UploadError` says why (a full disk is named as such).
    """
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=datetime.now().strftime("%Y%m%d-%H%M%S-"),
                                       dir=root))  # fmt: skip
    except OSError as exc:
        raise UploadError(f"cannot save uploads in {root}: {_os_reason(exc)}") from exc
    paths: list[Path] = []
    seen: dict[str, int] = {}
    for name, data in files:
        base = upload_name(name)
        seen[base] = seen.get(base, 0) + 1
        target = folder / base if seen[base] == 1 else folder / str(seen[base]) / base
        try:
            target.parent.mkdir(exist_ok=True)
            with open(target, "xb") as fh:  # "x": never overwrite, whatever happens
                fh.write(data)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise UploadError(
                f"cannot save {base} ({len(data):,} bytes) in {folder.parent}: "
                f"{_os_reason(exc)}; nothing of this upload was kept"
            ) from exc
        paths.append(target)
    return SavedUpload(folder, paths)


def _os_reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full (free some space and upload again)"
    if exc.errno == errno.EROFS:
        return "the folder is on a read-only disk"
    return exc.strerror or str(exc)


def discard_unused(upload: SavedUpload, report: IngestReport) -> list[Path]:
    """Delete the uploaded files that gave no new statement (all failed, skipped or already
    stored: a known statement keeps the file it was first stored from), and the upload's
    folders that leaves empty; returns the files deleted."""
    gone = [p for p in upload.paths if str(p) not in report.files_stored]
    for path in gone:
        path.unlink(missing_ok=True)
    subfolders = {p.parent for p in gone} - {upload.folder}
    for folder in [*sorted(subfolders), upload.folder]:
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass
    return gone
