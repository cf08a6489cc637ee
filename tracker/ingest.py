"""Orchestration: sources -> clean -> metadata -> segment -> match -> store.

The main process reads the sources and is the one writer; cleaning, segmentation and matching
run in worker processes when the batch is large. Statements are written in batches, each batch
one transaction holding whole statements only, so a crash loses at most the batch in flight and
a re-run completes it.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tracker.clean import clean_text
from tracker.codebook import Codebook, load_codebook
from tracker.duplicates import KIND_PRIORITY, DedupPolicy
from tracker.errors import TrackerError
from tracker.manifest import Manifest, ManifestRow
from tracker.match import Matcher
from tracker.metadata import ResolvedMetadata, resolve_metadata
from tracker.models import Problem, RawDocument, Sourced, Statement
from tracker.records import MeetingRecord, detect_record, looks_like_record, split_record
from tracker.segment import segment
from tracker.sources import ReaderOptions, count_candidate_files, iter_files, read_file
from tracker.store import Store

#: Statements per write transaction: large enough to be fast, small enough to lose little.
BATCH_SIZE = 200
#: Below this many candidate files, work in-process: a pool costs more than it saves.
POOL_THRESHOLD = 40

Progress = Callable[[int, str], None]  # (files done increment, current source)


@dataclass
class IngestReport:
    """What an ingest run did, statement by statement."""

    stored: list[str] = field(default_factory=list)
    already_stored: list[tuple[str, str]] = field(default_factory=list)  # (source, stored as)
    skipped: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (source, flags)
    run_id: int | None = None
    codebook_version: str = ""

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


def content_hash(text: str) -> str:
    """Hash of a text that ignores case, spacing and Unicode form: same content, same hash."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    norm = re.sub(r"\s+", " ", norm).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def raw_hash(doc: RawDocument) -> str:
    return hashlib.sha256(doc.raw_text.encode("utf-8", "surrogatepass")).hexdigest()


def build_statements(job: _Job, matcher: Matcher, codebook_version: str) -> list[Statement] | Problem:
    """Clean, resolve metadata, segment and match one document.

    A meeting record (or another multi-speaker document) becomes one statement per speaker turn,
    named ``file#N``; anything else is one statement.
    """
    doc = job.doc
    kind = detect_record(doc.raw_text)
    if kind:
        record = split_record(doc.raw_text)
        if record is not None and record.turns:
            return _turn_statements(job, record, matcher, codebook_version)
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
    return [_statement(doc, clean, meta, matcher, codebook_version, job.doc_hash, identity)]


def _statement(doc: RawDocument, clean: str, meta: ResolvedMetadata, matcher: Matcher,
               codebook_version: str, doc_hash: str, identity: str = "") -> Statement:  # fmt: skip
    passages = segment(clean)
    language = meta.value("language") or "en"
    flags = list(meta.flags)
    if not matcher.covers(language):
        flags.append("language_not_covered")
    statement = Statement(
        source=doc.source,
        source_path=doc.source_path,
        reader=doc.reader,
        raw_text=doc.raw_text,
        clean_text=clean,
        passages=passages,
        metadata=dict(meta.fields),
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
    return statement


#: Manifest fields that describe a record's document, not its speakers.
_SPEAKER_FIELDS = ("country", "speaker", "title")


def _turn_statements(job: _Job, record: MeetingRecord, matcher: Matcher, codebook_version: str
                     ) -> list[Statement]:  # fmt: skip
    """One statement per turn; the record gives date, forum and meeting, the turn its speaker."""
    doc = job.doc
    doc_hash = job.doc_hash
    row = job.manifest_row
    if row is not None:
        row = replace(row, **{f: "" for f in _SPEAKER_FIELDS})
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
        st = _statement(turn_doc, clean, meta, matcher, codebook_version, doc_hash, identity)
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
    except TrackerError as exc:
        return Problem(job.doc.source, str(exc))
    except Exception as exc:  # a bug or a pathological input must not stop the batch
        return Problem(job.doc.source, f"could not process: {type(exc).__name__}: {exc}")


# -- orchestration ---------------------------------------------------------------------------
def resolve_codebook(store: Store, codebook: str | Path | None) -> Codebook:
    """The codebook this ingest uses: the database's active one, set on first use.

    One database never mixes codebook versions: asking for another codebook on a database
    that already holds statements is an error that says how to switch.
    """
    active = store.active_codebook()
    if codebook is None and active is not None:
        from tracker.codebook import codebook_from_text

        return codebook_from_text(active.text, path=active.path)
    chosen = load_codebook(codebook)
    if active is not None and active.version != chosen.version and store.count_statements():
        raise TrackerError(
            f"{store.path} uses codebook {active.name} ({active.version}); to switch to "
            f"{chosen.name} ({chosen.version}) run `tracker match --codebook {codebook}` first"
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
) -> IngestReport:
    """Ingest files, folders and zip archives into the database; see :class:`IngestReport`.

    With ``dedupe`` (the default) each new statement is linked to stored copies of the same
    speech (see :mod:`tracker.duplicates`); ``kind_priority`` orders which copy is canonical.
    """
    store = db if isinstance(db, Store) else Store(db)
    try:
        return _ingest(
            paths, store, _load_manifest(manifest), dict(overrides or {}), reader_options,
            codebook, workers, progress, on_problem, batch_size, dedupe, kind_priority,
        )  # fmt: skip
    finally:
        if not isinstance(db, Store):
            store.close()


def _load_manifest(manifest: str | Path | Manifest | None) -> Manifest | None:
    if manifest is None or isinstance(manifest, Manifest):
        return manifest
    return Manifest.load(manifest)


def _ingest(paths, store, manifest, overrides, reader_options, codebook, workers, progress,
            on_problem, batch_size, dedupe, kind_priority) -> IngestReport:  # fmt: skip
    book = resolve_codebook(store, codebook)
    languages = sorted(book.languages, key=lambda lang: (lang != "en", lang))
    policy = DedupPolicy(kind_priority=kind_priority, languages=languages) if dedupe else None
    report = IngestReport(codebook_version=book.version)
    report.run_id = store.start_run(" ".join(str(p) for p in paths))
    known_raw = store.known_raw_hashes()
    total = count_candidate_files(paths)
    workers = workers or min(2, os.cpu_count() or 1)

    def problem(p: Problem) -> None:
        (report.skipped if p.kind == "skipped" else report.failed).append(p)
        if on_problem:
            on_problem(p)

    jobs = _jobs(paths, manifest, overrides, reader_options, known_raw, report, problem, progress)
    if workers > 1 and total >= POOL_THRESHOLD:
        ctx = mp.get_context("forkserver" if os.name != "nt" else "spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(book.text, book.path)) as pool:
            results = pool.imap(_work, jobs, chunksize=4)
            _write_results(results, store, report, problem, batch_size, policy)
    else:
        matcher = Matcher(book)
        results = (_safe_build(job, matcher, book.version) for job in jobs)
        _write_results(results, store, report, problem, batch_size, policy)

    store.record_problems(
        report.run_id, [(p.source, p.kind, p.reason) for p in report.skipped + report.failed]
    )
    store.finish_run(
        report.run_id, stored=len(report.stored), already=len(report.already_stored),
        skipped=len(report.skipped), failed=len(report.failed),
    )  # fmt: skip
    return report


def _jobs(paths, manifest, overrides, reader_options, known_raw, report, problem, progress
          ) -> Iterator[_Job]:  # fmt: skip
    """Documents to process, with manifest rows; skips, failures and known documents reported.

    A document is known by the hash of its raw text; a PDF by the hash of its bytes, so that a
    re-run does not parse (or OCR) it again.
    """
    seen_raw: dict[str, str] = {}
    for path in iter_files(paths):
        if isinstance(path, Problem):
            _tick(progress, path.source)
            problem(path)
            continue
        file_hash = _pdf_hash(path)
        if file_hash and file_hash in known_raw:
            _tick(progress, path.name)
            report.already_stored.append((path.name, known_raw[file_hash]))
            continue
        for item in read_file(path, reader_options):
            _tick(progress, item.source)
            if isinstance(item, Problem):
                problem(item)
                continue
            row = manifest.lookup(item.manifest_key) if manifest and item.manifest_key else None
            if row is not None and row.skip:
                problem(Problem(item.source, f"skipped by the manifest: {row.skip}", "skipped"))
                continue
            digest = file_hash or raw_hash(item)
            earlier = known_raw.get(digest) or seen_raw.get(digest)
            if earlier:
                report.already_stored.append((item.source, earlier))
                continue
            seen_raw[digest] = item.source
            yield _Job(item, row, overrides, digest)


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
    new = store.add_statements(list(unique.values()), dedupe=policy)
    for st in unique.values():
        if st.content_hash in new:
            report.stored.append(st.source)
            if st.flags:
                report.flagged.append((st.source, ",".join(st.flags)))
        else:
            report.already_stored.append((st.source, store.source_of_hash(st.content_hash) or "?"))
