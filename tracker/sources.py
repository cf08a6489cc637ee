"""Readers: files, folders and zip archives in; one :class:`RawDocument` per statement, or a
:class:`Problem` saying why a file was skipped or failed.

Formats: plain text and Markdown, HTML (main text through trafilatura), PDF (text layer in
reading order, OCR for scanned pages), JSON caption lists, CSV/JSONL datasets (one statement per
row) and zip archives (members read one at a time). No exception escapes :func:`iter_documents`.
"""

from __future__ import annotations

import csv
import functools
import html as html_lib
import io
import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tracker.errors import NotAStatement, SourceError
from tracker.models import Problem, RawDocument, Sourced

Item = RawDocument | Problem


@dataclass
class ReaderOptions:
    """How files are read; the defaults suit a folder of statements."""

    max_bytes: int = 50_000_000  # files larger than this fail with a clear reason
    max_archive_members_bytes: int = 2_000_000_000  # total uncompressed size allowed in one zip
    max_compression_ratio: float = 200.0  # a zip member expanding more than this fails (zip bomb)
    text_column: str | None = None  # CSV/JSONL: column holding the text (default: auto)
    column_map: dict[str, str] = field(default_factory=dict)  # metadata field -> column name
    ocr: bool = True  # OCR PDF pages with no text layer when tesseract is installed
    ocr_language: str = "eng"
    # a PDF's text (layer and OCR) longer than this fails: a small PDF can expand to far more
    # text than its size (compressed streams), and the whole text is held in memory
    max_text_chars: int = 10_000_000


class OcrUnavailable(SourceError):
    """A scanned PDF needs OCR but tesseract (or its language data) is not installed."""

    def __init__(self, source: str, language: str = "eng", *, missing_language: bool = False):
        if missing_language:
            reason = (
                f"scanned PDF needs OCR, but tesseract has no {language!r} language data: "
                f"install it (apt-get install -y tesseract-ocr-{language})"
            )
        else:
            reason = (
                "scanned PDF needs OCR, but tesseract is not installed: install Debian's "
                "tesseract-ocr (apt-get install -y tesseract-ocr)"
            )
        super().__init__(source, reason)


class OcrTimeout(Exception):
    """tesseract ran over OCR_TIMEOUT on a page (the reader turns it into a failure)."""


# -- what is read, what is skipped ----------------------------------------------------------
FORMATS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf", ".json": "json",
    ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".zip": "zip", ".srt": "subtitles",
    ".vtt": "subtitles",
}  # fmt: skip
_SKIP_EXTENSIONS = {
    ".tsv": "not a statement: tab-separated table (.tsv)",
    ".xlsx": "not a statement: spreadsheet (.xlsx)",
    ".xls": "not a statement: spreadsheet (.xls)",
    ".ods": "not a statement: spreadsheet (.ods)",
}
_IMAGE_EXTENSIONS = {
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".svg", ".ico", ".heic",
}  # fmt: skip
_CONVERTIBLE = {".docx", ".doc", ".odt", ".rtf", ".pages"}
_NOT_STATEMENT_NAME = re.compile(r"(?:readme|licen[cs]e|copying)(?![a-z])")
_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}$")
_SQLITE_NAME = re.compile(r"\.(?:db|sqlite3?)(?:-wal|-shm|-journal|\.part)?$")
_TEXT_COLUMNS = ("text", "speech", "content", "body", "statement", "transcript")
#: Metadata field -> column names recognised in CSV/JSONL datasets, in order of preference.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "country": ("country", "iso3", "country_code", "iso", "iso_code", "countrycode", "ccode"),
    "country_name": ("country_name",),
    "date": ("date", "year"),
    "forum": ("forum",),
    "meeting": ("meeting", "session"),
    "speaker": ("speaker", "speaker_name"),
    "title": ("title",),
    "language": ("language", "lang"),
    "source_url": ("source_url", "url"),
    "source_kind": ("source_kind",),
}


def skip_reason(name: str) -> str | None:
    """Why a file of this (base) name is not read as a statement, or None when it may be one."""
    lower = name.lower()
    ext = _extension(lower)
    if lower.startswith("."):
        return "hidden file"
    if _NOT_STATEMENT_NAME.match(lower):
        return f"not a statement: {name} (readme or licence)"
    if lower == "manifest.csv":
        return "not a statement: the manifest (metadata for the other files)"
    if _SQLITE_NAME.search(lower):  # a database in the folder read, this run's own included
        return "not a statement: a SQLite database (or its journal)"
    if ext in _SKIP_EXTENSIONS:
        return _SKIP_EXTENSIONS[ext]
    if ext in _IMAGE_EXTENSIONS:
        return f"not a statement: image ({ext})"
    if ext in _CONVERTIBLE:
        return f"unsupported file type {ext}: save it as PDF or plain text to read it"
    if ext and ext not in FORMATS:
        return f"unsupported file type {ext}"
    return None


def _sniff_format(data: bytes) -> str:
    """The format of a file with no extension, from its first bytes."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if head.startswith(b"pk\x03\x04"):
        return "zip"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if head.startswith(b"["):
        return "json"
    return "text"


def _extension(name: str) -> str:
    """ ".pdf" for "x.PDF"; "" for "Remarks by Amb. Fu" (a dot, but no extension)."""
    match = _EXTENSION.search(name.lower())
    return match.group(0) if match else ""


def _format_of(name: str, data: bytes) -> str:
    named = FORMATS.get(_extension(name))
    if named in ("text", "markdown") and _sniff_format(data) == "pdf":
        return "pdf"  # a PDF saved under .txt (it failed as "binary content")
    return named or _sniff_format(data)


def _size(n: float) -> str:
    """A byte count for people: 60.1 MB, 50 MB, 120 kB, 12 bytes."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(n)} bytes"


def _check_size(source: str, size: int, options: ReaderOptions) -> None:
    if size > options.max_bytes:
        raise SourceError(
            source,
            f"file is {_size(size)}, over the {_size(options.max_bytes)} limit (--max-bytes)",
        )


# -- public entry points ---------------------------------------------------------------------
def iter_documents(
    paths: Iterable[str | Path], options: ReaderOptions | None = None
) -> Iterator[RawDocument | Problem]:
    """Walk files, folders (recursively, sorted) and .zip archives; yield one RawDocument per
    statement text, or a Problem."""
    options = options or ReaderOptions()
    for item in iter_files(paths):
        if isinstance(item, Problem):
            yield item
        else:
            yield from read_file(item, options)


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | Problem]:
    """The files :func:`iter_documents` reads, in its order (folders walked, sorted).

    A path named here may be a symbolic link (the user chose it); inside folders only regular
    files are read. A named pipe, device or socket fails at once, by name, without being opened
    (opening a FIFO blocks; a device such as /dev/zero never ends)."""
    for raw in paths:
        path = Path(raw)
        try:
            mode = path.stat().st_mode
        except OSError:
            yield Problem(shown_name(str(raw)), "no such file or folder")
            continue
        if stat.S_ISDIR(mode):
            empty = True
            for found in _walk(path):
                empty = False
                yield found
            if empty:  # else the run ends "0 stored" without a word on why
                yield Problem(shown_name(str(raw)), "empty folder: no files in it", "skipped")
        elif stat.S_ISREG(mode):
            yield path
        else:
            yield Problem(shown_name(path.name or str(raw)), not_regular(mode))


def not_regular(mode: int) -> str:
    """Why a file of this ``st_mode`` is not read: it is not a regular file."""
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
    )  # fmt: skip
    kind = next((name for test, name in kinds if test(mode)), "a special file")
    return f"not a regular file ({kind}): not read"


def read_file(path: Path, options: ReaderOptions | None = None) -> Iterator[RawDocument | Problem]:
    """One file (may yield several documents: zip members, CSV rows)."""
    options = options or ReaderOptions()
    path = Path(path)
    absolute = str(_absolute(path))
    yield from _guard(shown_name(path.name), _read_path(path, absolute, options))


def read_bytes(
    name: str,
    data: bytes,
    options: ReaderOptions | None = None,
    *,
    source_path: str = "",
    manifest_key: str = "",
) -> Iterator[RawDocument | Problem]:
    """Same as read_file for in-memory bytes (zip members, dashboard uploads); the format is
    chosen from the name's extension and sniffing."""
    options = options or ReaderOptions()
    base = PurePosixPath(name.replace("\\", "/")).name or name
    origin = _Origin(base, source_path or name, manifest_key)
    yield from _guard(base, _read_named(base, data, origin, options, level=0))


def count_candidate_files(paths: Iterable[str | Path]) -> int:
    """How many files and archive members :func:`iter_documents` will look at (a progress bar's
    total); archive members are counted from the zip's central directory."""
    total = 0
    for raw in paths:
        path = Path(raw)
        files = [p for p in _walk(path) if isinstance(p, Path)] if path.is_dir() else [path]
        for file in files:
            # only a regular file is opened: a FIFO named x.zip would block here
            is_zip = _extension(file.name) == ".zip" and file.is_file()
            total += _count_members(file) if is_zip else 1
    return total


# -- walking ---------------------------------------------------------------------------------
def _absolute(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _walk(folder: Path) -> Iterator[Path | Problem]:
    """Regular files under a folder, sorted by name, depth first. Hidden folders, symbolic
    links (which may lead outside the folder) and special files are reported as skipped."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Problem(shown_name(str(folder)), f"cannot list the folder: {exc.strerror or exc}")
        return
    for entry in entries:
        name = shown_name(entry.name)
        if entry.is_symlink():
            yield Problem(name, "symbolic link: not followed (only regular files inside the "
                          "folder are read)", "skipped")  # fmt: skip
        elif entry.is_dir(follow_symlinks=False):
            if entry.name.startswith("."):
                yield Problem(name + "/", "hidden folder", "skipped")
            else:
                yield from _walk(Path(entry.path))
        elif entry.is_file(follow_symlinks=False):
            yield Path(entry.path)
        else:
            yield Problem(name, _entry_mode_reason(entry), "skipped")


def _entry_mode_reason(entry: os.DirEntry) -> str:
    try:
        return not_regular(entry.stat(follow_symlinks=False).st_mode)
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or exc}"


def _count_members(path: Path) -> int:
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(1 for info in zf.infolist() if not _is_folder(info))
    except (OSError, zipfile.BadZipFile, ValueError):  # UnicodeDecodeError is a ValueError
        return 1


# -- dispatch --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Origin:
    """Where the bytes came from: the name shown, the full path, the manifest's key."""

    source: str
    path: str
    manifest_key: str


def _guard(source: str, items: Iterator[Item]) -> Iterator[Item]:
    """Turn any error raised while reading into a Problem naming the file; every item comes out
    as text SQLite can store (see :func:`storable`)."""
    try:
        for item in items:
            yield storable(item)
    except NotAStatement as exc:
        yield storable(Problem(exc.source, exc.reason, "skipped"))
    except SourceError as exc:
        yield storable(Problem(exc.source, exc.reason, "failed"))
    except OSError as exc:
        yield storable(Problem(source, f"cannot read the file: {exc.strerror or exc}"))
    except Exception as exc:  # a reader bug or a pathological file must not stop the walk
        yield storable(Problem(source, f"could not read the file ({type(exc).__name__}: {exc})"))


# -- text that can be stored -----------------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """``text`` with lone surrogates (JSON escapes such as ``"\\ud800"``, which cannot be
    encoded as UTF-8 and so cannot be stored) replaced by U+FFFD."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


def shown_name(name: str) -> str:
    """A file name as storable text: bytes of a name that is not UTF-8 (which Python keeps as
    lone surrogates) are written as escapes, ``caf\\xe9.txt``."""
    if name.isascii() or not _SURROGATE.search(name):
        return name
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes
        return valid_text(name)


def storable(item: Item) -> Item:
    """A RawDocument or Problem whose every string can be encoded as UTF-8 (so stored)."""
    if isinstance(item, Problem):
        source, reason = shown_name(item.source), valid_text(item.reason)
        if source == item.source and reason == item.reason:
            return item
        return Problem(source, reason, item.kind)
    item.source, item.source_path = shown_name(item.source), shown_name(item.source_path)
    item.raw_text = valid_text(item.raw_text)
    item.hints = {k: Sourced(valid_text(v.value), v.origin) for k, v in item.hints.items()}
    item.warnings = [valid_text(w) for w in item.warnings]
    return item


def _zip_error(source: str, exc: Exception) -> SourceError:
    if isinstance(exc, UnicodeDecodeError):  # a member name flagged UTF-8 that is not
        return SourceError(source, "corrupt zip archive (a member name is not valid UTF-8)")
    return SourceError(source, f"corrupt zip archive ({exc})")


def _read_path(path: Path, absolute: str, options: ReaderOptions) -> Iterator[Item]:
    name = shown_name(path.name)
    reason = skip_reason(name)
    if reason:
        raise NotAStatement(name, reason)
    origin = _Origin(name, shown_name(absolute), absolute)
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):  # checked before opening: a FIFO blocks, /dev/zero never ends
        raise SourceError(name, not_regular(mode))
    if _extension(name) == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                yield from _read_zip(archive, origin, options, level=0)
        except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise _zip_error(name, exc) from None
        return
    _check_size(name, path.stat().st_size, options)
    yield from _read_named(name, _read_limited(path, name, options), origin, options, level=0)


def _read_limited(path: Path, name: str, options: ReaderOptions) -> bytes:
    """The file's bytes, never more than the size limit (a file may grow while it is read)."""
    with open(path, "rb") as fh:
        data = fh.read(options.max_bytes + 1)
    _check_size(name, len(data), options)
    return data


def _read_named(
    name: str, data: bytes, origin: _Origin, options: ReaderOptions, *, level: int
) -> Iterator[Item]:
    """Read bytes whose (base) name is ``name``: skip rules, size limit, then the format's reader.
    ``level`` is how deep in archives the bytes are (0: a file, 1: a member of a zip)."""
    reason = skip_reason(name)
    if reason:
        raise NotAStatement(origin.source, reason)
    fmt = _format_of(name, data)
    if fmt == "zip":
        if level > 1:
            raise SourceError(origin.source, "archive nested more than one level deep")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                yield from _read_zip(archive, origin, options, level=level)
        except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise _zip_error(origin.source, exc) from None
        return
    _check_size(origin.source, len(data), options)
    if fmt in ("csv", "jsonl"):
        yield from _read_dataset(fmt, data, origin, options)
    else:
        yield _READERS[fmt](data, origin, options)


# -- zip archives ----------------------------------------------------------------------------
def _read_zip(
    archive: zipfile.ZipFile, origin: _Origin, options: ReaderOptions, *, level: int
) -> Iterator[Item]:
    """Members one at a time, each guarded so one bad member does not stop the others."""
    members = [info for info in archive.infolist() if not _is_folder(info)]
    if not members:
        yield Problem(origin.source, "empty archive: no files in it", "skipped")
        return
    total = sum(info.file_size for info in members)
    if total > options.max_archive_members_bytes:
        raise SourceError(
            origin.source,
            f"archive expands to {_size(total)}, over the "
            f"{_size(options.max_archive_members_bytes)} limit (max_archive_members_bytes); "
            "a zip bomb, or unpack it and read the folder",
        )
    for info in members:
        member = _Origin(
            f"{origin.source}:{info.filename}", f"{origin.path}:{info.filename}",
            origin.manifest_key,
        )  # fmt: skip
        yield from _guard(member.source, _read_member(archive, info, member, options, level))


def _is_folder(info: zipfile.ZipInfo) -> bool:
    """``ZipInfo.is_dir`` without its IndexError on a member with an empty name."""
    return info.filename.endswith("/")


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, origin: _Origin, options: ReaderOptions,
    level: int,
) -> Iterator[Item]:  # fmt: skip
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if not parts:  # "" (zipfile cuts a name at its first NUL), or only "."
        raise SourceError(origin.source, "archive member with no file name")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts:
        raise SourceError(origin.source, "member path escapes its folder (absolute or '..')")
    base = parts[-1] if parts else name
    if any(p.startswith(".") or p == "__MACOSX" for p in parts[:-1]):
        raise NotAStatement(origin.source, "hidden file")
    reason = skip_reason(base)
    if reason:
        raise NotAStatement(origin.source, reason)
    if stat.S_ISLNK(info.external_attr >> 16):  # its "text" is a path, maybe outside the zip
        raise NotAStatement(origin.source, "symbolic link in the archive: not read")
    if info.flag_bits & 0x1:
        raise SourceError(origin.source, "encrypted archive member (password-protected zip)")
    _check_size(origin.source, info.file_size, options)
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > 1_000 and ratio > options.max_compression_ratio:
        raise SourceError(
            origin.source,
            f"expands {ratio:,.0f} times ({_size(info.compress_size)} to "
            f"{_size(info.file_size)}), over the {options.max_compression_ratio:g}x limit "
            "(max_compression_ratio): a zip bomb?",
        )
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        raise SourceError(origin.source, f"corrupt archive member ({exc})") from None
    except RuntimeError as exc:  # zipfile raises it for members needing a password
        raise SourceError(origin.source, f"cannot read archive member ({exc})") from None
    yield from _read_named(base, data, origin, options, level=level + 1)


# -- text ------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def decode_text(data: bytes, source: str = "") -> tuple[str, list[str]]:
    """Decode a text file: UTF-8 (BOM stripped; a few bad bytes replaced, with a warning),
    UTF-16 with a BOM, or Windows-1252 when that decodes cleanly and reads as text. Returns the
    text and any warnings."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_utf16(data, source), []
    if b"\x00" in data:
        codec = _bomless_utf16(data)
        if codec:
            return _decode_utf16(data, source, codec=codec), ["UTF-16 without a BOM"]
        raise SourceError(source, "binary content, not text (it holds NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text, warnings = _decode_broken_utf8(data, source)
    else:
        warnings = []
    if _control_share(text) > 0.01:
        raise SourceError(source, "binary content, not text (control characters)")
    return text, warnings


def _bomless_utf16(data: bytes) -> str:
    """"utf-16-le" or "utf-16-be" for text saved as UTF-16 without a BOM (mostly Latin text:
    every other byte NUL), else "" (binary)."""
    if len(data) < 4 or len(data) % 2:
        return ""
    half = len(data) // 2
    if data[1::2].count(0) > 0.9 * half and data[0::2].count(0) < 0.01 * half:
        return "utf-16-le"
    if data[0::2].count(0) > 0.9 * half and data[1::2].count(0) < 0.01 * half:
        return "utf-16-be"
    return ""


def _decode_utf16(data: bytes, source: str, *, strict: bool = True, codec: str = "utf-16") -> str:
    """UTF-16 (with a BOM, or ``codec`` naming its byte order), held to the same checks as
    UTF-8: no NUL, and (``strict``) few control characters."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise SourceError(source, "not valid UTF-16 text (it starts with a UTF-16 BOM)") from None
    if "\x00" in text:
        raise SourceError(source, "binary content, not text (UTF-16 holding NUL characters)")
    if strict and _control_share(text) > 0.01:
        raise SourceError(source, "binary content, not text (control characters)")
    return text


def _decode_broken_utf8(data: bytes, source: str) -> tuple[str, list[str]]:
    """Text that is not valid UTF-8: UTF-8 with a few bad bytes (a stray Windows-1252 byte
    pasted into a UTF-8 file) keeps its UTF-8 reading, the bad bytes replaced (U+FFFD) and
    counted in a warning; read as Windows-1252 instead, every accented letter of such a file
    became two wrong ones ("PrÃ©sident") and its phrases stopped matching. Otherwise (more bad
    sequences than good multi-byte ones) it is Windows-1252."""
    lenient = data.decode("utf-8-sig", errors="replace")
    bad = lenient.count("\ufffd")
    good = sum(1 for ch in lenient if ch > "\x7f" and ch != "\ufffd")
    if good > bad:
        return lenient, [f"{bad} byte sequence(s) not valid UTF-8 replaced with U+FFFD"]
    return _decode_cp1252(data, source), ["decoded as Windows-1252 (not valid UTF-8)"]


def _decode_cp1252(data: bytes, source: str) -> str:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise SourceError(
            source, "not valid UTF-8 text (nor Windows-1252): save it as UTF-8"
        ) from None
    readable = sum(1 for ch in text if ch.isalnum() or ch.isspace() or ch in ".,;:!?'\"()-")
    if _control_share(text) > 0.01 or readable < 0.5 * len(text):
        raise SourceError(source, "binary content, not text")
    if _control_share(text) > 0.001 or readable < 0.85 * len(text):
        raise SourceError(source, "not valid UTF-8 text: save it as UTF-8")
    return text


def _control_share(text: str) -> float:
    if not _CONTROL.search(text):
        return 0.0
    return len(_CONTROL.findall(text)) / max(len(text), 1)


def _require_text(text: str, source: str, what: str = "file") -> None:
    """Fail on empty or unreadable text (garbled OCR, wrong encoding)."""
    if not text:
        raise SourceError(source, f"empty {what}")
    if not text.strip():
        raise SourceError(source, f"{what} holds only whitespace")
    run = letters_without_spaces(text)
    if run > len(text) / 2:
        raise SourceError(
            source,
            f"unreadable text: {run:,} of its {len(text):,} characters are runs of {GIANT_RUN:,} "
            "or more letters without a space (not prose)",
        )
    share, words = implausible_word_share(text)
    if words >= 40 and share > UNREADABLE_SHARE:
        raise SourceError(
            source,
            f"unreadable text: {share:.0%} of its words are not plausible words "
            "(garbled OCR, or a script read as Latin letters?)",
        )


def _read_text(data: bytes, origin: _Origin, options: ReaderOptions) -> RawDocument:
    text, warnings = decode_text(data, origin.source)
    _require_text(text, origin.source)
    return _document(origin, text, "text", warnings=warnings)


def _document(
    origin: _Origin, text: str, reader: str, hints: dict[str, Sourced] | None = None,
    warnings: list[str] | None = None,
) -> RawDocument:  # fmt: skip
    return RawDocument(
        source=origin.source, source_path=origin.path, raw_text=text, reader=reader,
        hints=hints or {}, warnings=warnings or [], manifest_key=origin.manifest_key,
    )  # fmt: skip


# -- unreadable text -------------------------------------------------------------------------
#: Above this share of implausible words (with at least 40 words) a text is unreadable.
UNREADABLE_SHARE = 0.12
_LETTERS = "A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
#: Consonants of the Latin and Cyrillic alphabets (a word of three or more of them is implausible).
_CONSONANTS = (
    "B-DF-HJ-NP-TV-XZb-df-hj-np-tv-xz\u00c7\u00d1\u00df\u00e7\u00f1\u0106-\u010f"
    "\u0141-\u0148\u0158-\u0165\u0179-\u017e\u0411-\u0414\u0416\u0417\u0419-\u041d"
    "\u041f-\u0422\u0424-\u042a\u042c\u0431-\u0434\u0436\u0437\u0439-\u043d"
    "\u043f-\u0442\u0444-\u044a\u044c"
)
_WORD = re.compile(rf"[{_LETTERS}]+")
_SHORT_WORD = re.compile(rf"\b[{_LETTERS}]{{1,2}}\b")
_NO_VOWEL = re.compile(rf"\b[{_CONSONANTS}]{{3,}}\b")
_GLUED = re.compile(rf"[{_LETTERS}]{{20,}}")  # words run together (a text layer without spaces)
#: A run of this many letters without a space is no word of any language written with spaces.
GIANT_RUN = 1_000
# (not preceded by a letter: else the search retries inside every shorter run, quadratically)
_GIANT = re.compile(rf"(?<![{_LETTERS}])[{_LETTERS}]{{{GIANT_RUN},}}")
_MIXED_CASE = re.compile(r"[a-z\u00df-\u00ff\u0430-\u044f][A-Z\u00c0-\u00de\u0410-\u042f]")
#: One- and two-letter words of the languages of UN statements (en, fr, es, pt, it, de, ru...).
_SHORT_WORDS = frozenset(
    """a i o e y u à é è ô ó á í ú ò ù ä ö ü ii iv vi xx
    an as at be by do go he if in is it me my no of oh on or so to up us we am ok un eu uk
    au ce ci de du en et il je la le ma ne ni nu ou sa se si ta te tu va vu ça né où
    al da di el es ha lo mi su ya yo él ai ao do em eu há já lá na os só um vê
    ad ed ha lo ne né ab er im ja ob um wo zu
    в и к о с у а я ж ли но на не ни по от до из за об он мы вы их её ее то же бы во со ко ес ею
    l d j n s c m t qu
    """.split()
)
#: Frequent function words: a text where they are common is readable without further checks.
_FUNCTION_WORDS = frozenset(
    """the of and to in a is that for on with as by we our be are this it has have will not
    de la le et les des en du un une à est que pour dans qui par sur au nous
    y el los las del por con se una para es no lo su
    o os do da dos em um uma e
    il di che per e gli della
    der die und das den zu ist mit von nicht
    и в на с не что по к для от о как мы это
    """.split()
)


def _sample(text: str, size: int = 3_000) -> str:
    """The whole text when short, else its start, middle and end (keeps the measure cheap)."""
    if len(text) <= 3 * size:
        return text
    mid = len(text) // 2
    return text[:size] + " " + text[mid - size // 2 : mid + size // 2] + " " + text[-size:]


def letters_without_spaces(text: str) -> int:
    """Characters of ``text`` in runs of :data:`GIANT_RUN` or more Latin, Greek or Cyrillic
    letters (scripts written with spaces; Chinese or Thai text is not counted)."""
    return sum(len(m.group()) for m in _GIANT.finditer(text))


def implausible_word_share(text: str) -> tuple[float, int]:
    """Share of the (Latin, Greek, Cyrillic) words that are not plausible words, and how many
    words were looked at. A word is implausible when it is a one- or two-letter word no language
    of the UN uses, has three or more letters and no vowel, mixes case inside ("gSlai"), or is
    a run of 20+ letters (words glued together, counted three times).
    Unreadable OCR (Arabic read as Latin letters) scores over 0.2; real text under 0.05."""
    sample = _sample(text)
    tokens = sample.lower().split()
    common = sum(map(_FUNCTION_WORDS.__contains__, tokens))
    if len(tokens) >= 40 and common >= 0.2 * len(tokens):
        return 0.0, len(tokens)  # plainly readable: skip the slower measure
    words = len(_WORD.findall(sample))
    if not words:
        return 0.0, 0
    bad_short = sum(1 for w in _SHORT_WORD.findall(sample) if w.lower() not in _SHORT_WORDS)
    bad = bad_short + len(_NO_VOWEL.findall(sample)) + len(_MIXED_CASE.findall(sample))
    bad += 3 * len(_GLUED.findall(sample))  # one glued run hides several words
    return min(bad / words, 1.0), words


# -- Markdown --------------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.M)
_MD_RULES = [
    (re.compile(r"^[ \t]*(```|~~~).*$", re.M), ""),  # code fences
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]+\S.*$", re.M), ""),  # link definitions
    (re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.M), ""),  # rules
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.M), ""),  # block quotes
    (re.compile(r"^([ \t]*)[-*+][ \t]+", re.M), r"\1"),  # bullets
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # italics
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"`([^`\n]*)`"), r"\1"),  # inline code
    (re.compile(r"</?[A-Za-z][^>\n]*>"), ""),  # inline HTML tags
]
_FRONT_FIELDS = {"title", "date", "speaker", "country", "forum", "meeting", "language"}


def strip_markdown(text: str) -> str:
    """Markdown to plain text, lightly: headings, emphasis, links, images, quotes, bullets."""
    text = _FRONT_MATTER.sub("", text)
    text = _MD_HEADING.sub(r"\1", text)
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


def _markdown_hints(text: str) -> dict[str, Sourced]:
    hints: dict[str, Sourced] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        for line in front.group(1).splitlines():
            key, sep, value = line.partition(":")
            key, value = key.strip().lower(), value.strip().strip("\"'")
            if sep and key in _FRONT_FIELDS and value:
                hints[key] = Sourced(value, "document")
    heading = re.search(r"^[ \t]{0,3}#[ \t]+(.+?)[ \t]*#*[ \t]*$", text, re.M)
    if "title" not in hints and heading:
        hints["title"] = Sourced(strip_markdown(heading.group(1)).strip(), "document")
    return hints


def _read_markdown(data: bytes, origin: _Origin, options: ReaderOptions) -> RawDocument:
    text, warnings = decode_text(data, origin.source)
    plain = strip_markdown(text)
    _require_text(plain, origin.source)
    return _document(origin, plain, "markdown", _markdown_hints(text), warnings)


# -- HTML ------------------------------------------------------------------------------------
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def _decode_html(data: bytes, source: str) -> tuple[str, list[str]]:
    """The page's text and the decoding's warnings (bad UTF-8 bytes replaced, say)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # as a UTF-8 page below: NUL fails, stray control characters are tolerated
        return _decode_utf16(data, source, strict=False), []
    if b"\x00" in data:
        raise SourceError(source, "binary content, not HTML (it holds NUL bytes)")
    try:
        return decode_text(data, source)
    except SourceError:
        match = _CHARSET.search(data[:4096])
        encoding = match.group(1).decode("ascii") if match else "cp1252"
        try:
            return data.decode(encoding, errors="replace"), []
        except LookupError:
            return data.decode("cp1252", errors="replace"), []


def _html_title(html: str) -> str:
    import html as html_lib

    for pattern in (_H1, _TITLE):
        match = pattern.search(html)
        if match:
            title = " ".join(html_lib.unescape(_TAG.sub(" ", match.group(1))).split())
            if title:
                return title
    return ""


def html_to_text(html: str) -> str:
    """The main text of a web page, paragraphs separated by blank lines; menus, share buttons,
    scripts and styles dropped (trafilatura, with a plain fallback for pages it declines)."""
    import trafilatura

    text = trafilatura.extract(
        html, include_comments=False, include_tables=True, include_images=False,
        include_links=False, deduplicate=False,
    )  # fmt: skip
    if not text or len(text.split()) < 5:
        text = _fallback_html_text(html)
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def _fallback_html_text(html: str) -> str:
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        DROP = frozenset({"script", "style", "noscript", "template", "svg", "nav", "header",
                          "footer", "aside", "form", "button", "select", "head"})  # fmt: skip
        BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
                           "section", "article", "blockquote", "pre"})  # fmt: skip

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth = 0
            self.parts: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag in self.DROP:
                self.depth += 1
            elif tag in self.BLOCK:
                self.parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            if tag in self.DROP and self.depth:
                self.depth -= 1
            elif tag in self.BLOCK:
                self.parts.append("\n")

        def handle_data(self, data: str) -> None:
            if not self.depth:
                self.parts.append(data)

    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _read_html(data: bytes, origin: _Origin, options: ReaderOptions) -> RawDocument:
    html, warnings = _decode_html(data, origin.source)
    text = html_to_text(html)
    _require_text(text, origin.source, "page (no main text found)")
    hints = {}
    title = _html_title(html)
    if title:
        hints["title"] = Sourced(title, "document")
    return _document(origin, text, "html", hints, warnings=warnings)


# -- PDF -------------------------------------------------------------------------------------
#: Pages with fewer letters than this in their text layer, and something drawn, are OCR'd.
OCR_MIN_LETTERS = 40
OCR_DPI = 300
#: Tesseract processes run at once on a scanned PDF's pages.
OCR_WORKERS = 4
#: Seconds tesseract may spend on one page (a few seconds is usual) before the PDF fails: an
#: ingest never waits without end on one image.
OCR_TIMEOUT = 300
_TERMINAL = re.compile(r"""[.!?:;]["'”’)\]]*\s*$""")
_LETTER = re.compile(r"[^\W\d_]")


def _quiet_mupdf() -> None:
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)


def _open_pdf(data: bytes, source: str):  # -> pymupdf.Document
    import pymupdf

    _quiet_mupdf()
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except _pdf_errors() as exc:
        if b"%PDF" not in data[:1024]:  # no PDF at all: say what it may be instead
            raise SourceError(source, "not a PDF (it has no %PDF header): a text or HTML file "
                                      "saved under .pdf? Rename it to what it is") from None  # fmt: skip
        raise SourceError(source, f"corrupt PDF: it cannot be opened ({exc})") from None
    try:
        if doc.needs_pass:
            raise SourceError(source, "encrypted PDF: it needs a password; remove it and try again")
        if doc.page_count == 0:
            raise SourceError(source, "corrupt PDF: no readable pages (truncated or damaged)")
    except _pdf_errors() as exc:  # a damaged page tree fails when the pages are counted
        doc.close()
        raise SourceError(
            source, f"corrupt PDF: no readable pages (truncated or damaged: {exc})"
        ) from None
    except SourceError:
        doc.close()
        raise
    return doc


def _pdf_errors() -> tuple[type[Exception], ...]:
    """What MuPDF raises on a damaged file: RuntimeError, ValueError or its own FzErrorBase."""
    import pymupdf

    base = getattr(getattr(pymupdf, "mupdf", None), "FzErrorBase", None)
    return (RuntimeError, ValueError) + ((base,) if isinstance(base, type) else ())


def order_blocks(
    blocks: list[tuple[float, float, float, float, str]], width: float
) -> list[tuple[float, float, float, float, str]]:
    """Text blocks ``(x0, y0, x1, y1, text)`` in reading order: full-width blocks top to bottom,
    and between them a two-column stretch reads its left column, then its right column."""
    mid, slack = width / 2, width * 0.04
    full = sorted((b for b in blocks if b[0] < mid - slack and b[2] > mid + slack),
                  key=lambda b: (b[1], b[0]))  # fmt: skip
    rest = [b for b in blocks if not (b[0] < mid - slack and b[2] > mid + slack)]
    bands: list[list[tuple[float, float, float, float, str]]] = [[] for _ in range(len(full) + 1)]
    for block in rest:
        bands[sum(1 for f in full if f[1] <= block[1])].append(block)
    ordered: list[tuple[float, float, float, float, str]] = []
    for i, band in enumerate(bands):
        if i:
            ordered.append(full[i - 1])
        ordered.extend(_order_band(band, mid))
    return ordered


def _order_band(band: list, mid: float) -> list:
    left = sorted((b for b in band if (b[0] + b[2]) / 2 < mid), key=lambda b: b[1])
    right = sorted((b for b in band if (b[0] + b[2]) / 2 >= mid), key=lambda b: b[1])
    side_by_side = left and right and any(a[1] < b[3] and b[1] < a[3] for a in left for b in right)
    if side_by_side:
        return left + right
    return sorted(band, key=lambda b: (round(b[1]), b[0]))


def page_text(page) -> str:
    """A PDF page's text layer in reading order (see :func:`order_blocks`)."""
    import pymupdf

    layout = page.get_text("dict", flags=pymupdf.TEXTFLAGS_TEXT)
    blocks = []
    for block in layout["blocks"]:
        text = _block_text(block.get("lines", []))
        if text.strip():
            blocks.append((*block["bbox"], text))
    return _join_blocks(order_blocks(blocks, page.rect.width))


def _block_text(lines: list[dict]) -> str:
    """A block's lines, one per visual line: pieces on the same baseline (words of justified
    text that MuPDF splits into lines) are joined with a space."""
    out: list[str] = []
    prev_box: tuple[float, float, float, float] | None = None
    for line in lines:
        text = "".join(span["text"] for span in line["spans"])
        if not text.strip():
            continue
        box = line["bbox"]
        if prev_box is not None and _same_baseline(prev_box, box):
            out[-1] = out[-1].rstrip() + " " + text.lstrip()
        else:
            out.append(text)
        prev_box = box
    return "\n".join(out)


def _same_baseline(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    height = min(a[3] - a[1], b[3] - b[1])
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return height > 0 and overlap > 0.6 * height and b[0] >= a[2] - height * 0.5


def _join_blocks(blocks: list[tuple[float, float, float, float, str]]) -> str:
    """Blocks joined by a blank line (a block is a paragraph), or by a line break where a
    sentence runs on from the foot of one column to the top of the next."""
    out: list[str] = []
    prev: tuple[float, float, float, float, str] | None = None
    for block in blocks:
        text = block[4].strip("\n")
        if prev is not None:
            new_column = block[1] < prev[1] and block[0] > prev[0]
            out.append("\n" if new_column and not _TERMINAL.search(prev[4]) else "\n\n")
        out.append(text)
        prev = block
    return "".join(out)


def _needs_ocr(page, text: str) -> bool:
    """A page to OCR: no text layer over an image or outlined glyphs, or an unreadable text
    layer (fonts without a Unicode mapping give control characters or letter salad)."""
    if _control_share(text) > 0.02:
        return True
    if letters_without_spaces(text) > len(text) / 2:  # a text layer without spaces: read it
        return True
    share, words = implausible_word_share(text)
    if words >= 40 and share > UNREADABLE_SHARE:
        return True
    letters = len(_LETTER.findall(text))
    if letters >= OCR_MIN_LETTERS * 2.5:
        return False
    # the C-level list: the same paths as get_drawings(), which wraps every point in a Point or
    # Rect object (the whole corpus's second ingest took about 3 s less without it)
    drawings = len(page.get_cdrawings())
    if letters < OCR_MIN_LETTERS:
        return bool(page.get_images()) or drawings >= 20
    return drawings >= 300  # glyphs drawn as outlines, a few real letters (page numbers)


@functools.lru_cache(maxsize=1)
def _tesseract_languages() -> frozenset[str] | None:
    """Languages the installed tesseract knows, or None when tesseract is not installed."""
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
        return frozenset(pytesseract.get_languages(config=""))
    except Exception:  # not installed, not runnable, or pytesseract missing
        return None


def render_page(page, *, dpi: int = OCR_DPI):  # -> PIL.Image.Image
    """A PDF page as a grey image at ``dpi`` (lowered for very large pages)."""
    import pymupdf
    from PIL import Image

    area = page.rect.width * page.rect.height / 72**2  # square inches
    dpi = int(min(dpi, (40_000_000 / max(area, 1)) ** 0.5))
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
    return Image.frombytes("L", (pix.width, pix.height), pix.samples)


def ocr_page(page, *, language: str = "eng", dpi: int = OCR_DPI) -> str:
    """OCR one PDF page (rendered by :func:`render_page`) with tesseract."""
    return _tesseract(render_page(page, dpi=dpi), language)


def _tesseract(image, language: str) -> str:
    """tesseract on one page image, stopped after OCR_TIMEOUT seconds."""
    import pytesseract

    try:
        return pytesseract.image_to_string(image, lang=language, timeout=OCR_TIMEOUT)
    except RuntimeError as exc:  # pytesseract's timeout ("Tesseract process timeout")
        raise OcrTimeout(f"OCR of a page took over {OCR_TIMEOUT} s ({exc})") from None


def _ocr_in_parallel(doc, pages: list[int], language: str) -> list[str]:
    """OCR pages, a few at a time: pages are rendered here (MuPDF is not thread-safe), and the
    tesseract processes run side by side."""
    workers = max(1, min(OCR_WORKERS, os.cpu_count() or 1))
    texts: list[str] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(pages), workers):
            images = [render_page(doc[i]) for i in pages[start : start + workers]]
            texts += pool.map(lambda im: _tesseract(im, language), images)
    return texts


def _read_pdf(data: bytes, origin: _Origin, options: ReaderOptions) -> RawDocument:
    doc = _open_pdf(data, origin.source)
    try:
        # the page tree's count: MuPDF sets it to the pages it finds when a page fails to load
        declared = doc.page_count
        try:
            texts = _page_texts(doc, origin.source, options)
            scanned = [i for i, page in enumerate(doc) if _needs_ocr(page, texts[i])]
            hints = _pdf_hints(doc.metadata or {})
        except _pdf_errors() as exc:  # a damaged page (truncated content stream, bad xref)
            raise SourceError(
                origin.source, f"corrupt PDF: a page cannot be read ({exc})"
            ) from None
        # a repaired PDF is checked for lost pages before OCR: a broken download is not worth
        # minutes of it
        pages = _check_repaired(doc, data, declared, origin.source) if doc.is_repaired else 0
        warnings: list[str] = []
        if scanned:
            try:
                warnings = _ocr_pages(doc, texts, scanned, origin.source, options)
            except OcrTimeout as exc:
                raise SourceError(origin.source, str(exc)) from None
            _check_text_size(sum(map(len, texts)), origin.source, options)
        if doc.is_repaired:
            # checked only now when MuPDF had to repair the file to render a page for OCR
            pages = pages or _check_repaired(doc, data, declared, origin.source)
            # every page is whole as far as its objects tell; one with no text, not even
            # from OCR, may still have lost what they cannot tell (a blank page fails too).
            # Scanned pages left out because OCR could not run have their warning already
            unread = [] if any(w.startswith("OCR used") for w in warnings) else scanned
            empty = [i for i, text in enumerate(texts) if not text.strip() and i not in unread]
            if empty:
                raise _damaged_pdf(origin.source, empty, pages)
            warnings.append(REPAIRED_PDF)
    finally:
        doc.close()
    text = "\n\f\n".join(t.strip() for t in texts)  # form feeds mark the page breaks
    if not text.strip():
        raise SourceError(origin.source, "PDF has no text (no text layer, nothing to OCR)")
    reader = "pdf+ocr" if any(w.startswith("OCR used") for w in warnings) else "pdf"
    try:
        _require_text(text, origin.source, "PDF")
    except SourceError as exc:
        if reader == "pdf+ocr" and exc.reason.startswith("unreadable"):
            raise SourceError(
                origin.source, f"{exc.reason}; it was OCR'd as {options.ocr_language!r}: "
                "set the OCR language of its script (ReaderOptions.ocr_language)",
            ) from None  # fmt: skip
        raise
    return _document(origin, text, reader, hints, warnings)


#: The warning of a PDF that MuPDF repaired with every page whole (:func:`_check_repaired`).
REPAIRED_PDF = (
    "PDF repaired by the reader (its cross-reference table is damaged or cut off); "
    "every page read in full"
)
_OBJECT_START = re.compile(rb"(?<![0-9])(\d+)\s+\d+\s+obj\b")
_REFERENCE = re.compile(r"(\d+)\s+\d+\s+R\b")
#: References to the page tree (and through it to every page): not followed from a page's objects
_UPWARD = re.compile(r"/(?:Parent|P)\s*\d+\s+\d+\s+R\b")


def _check_repaired(doc, data: bytes, declared: int, source: str) -> int:
    """A PDF that MuPDF repaired (its cross-reference table broken or missing: the end of the
    file, which a download cut short loses first) fails when a page is missing or incomplete;
    otherwise its page count is returned."""
    try:
        lost, pages = _lost_pages(doc, data, declared)
    except _pdf_errors() as exc:
        raise SourceError(source, f"corrupt PDF: a page cannot be read ({exc})") from None
    if lost:
        raise _damaged_pdf(source, lost, pages)
    return pages


def _damaged_pdf(source: str, lost: list[int], pages: int) -> SourceError:
    """The failure of a repaired PDF with pages ``lost`` (numbered from 0) of ``pages``."""
    return SourceError(source, f"corrupt PDF: {_page_numbers(lost)} of {pages} missing or "
                       "incomplete (truncated or damaged: the reader had to repair the file); "
                       "download it again")  # fmt: skip


def _page_numbers(pages: list[int]) -> str:
    """Pages numbered from 0, as a reader numbers them: "page 5", "pages 2-5", "pages 1, 3-5"."""
    runs: list[list[int]] = []
    for n in sorted(set(pages)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    shown = [f"{a + 1}" if a == b else f"{a + 1}-{b + 1}" for a, b in runs[:10]]
    more = ", ..." if len(runs) > 10 else ""
    return ("page " if len(pages) == 1 else "pages ") + ", ".join(shown) + more


def _lost_pages(doc, data: bytes, declared: int) -> tuple[list[int], int]:
    """The pages (numbered from 0) of a repaired PDF that lost something, and its page count
    (``declared``, the page tree's, when it is more than the pages MuPDF finds: those are
    lost). A page is lost when its object, or an object its content is drawn from (content
    streams, fonts, images, forms: its resources, followed to the end), is missing, does not
    parse or is one the file stops in the middle of."""
    cut = _cut_objects(data)
    known: dict[int, bool] = {}  # object -> it, or an object it refers to, is lost

    def lost(xref: int, depth: int = 0) -> bool:
        if xref not in known:
            known[xref] = False  # being checked: a reference back to it adds nothing
            text = None if xref in cut else _pdf_object(doc, xref)
            refs = _REFERENCE.findall(_UPWARD.sub("", text or "")) if depth < 50 else []
            known[xref] = text is None or any(lost(int(ref), depth + 1) for ref in refs)
        return known[xref]

    damaged: list[int] = []
    found = 0
    for page in doc:
        found += 1
        if page.xref in cut or _pdf_object(doc, page.xref) is None or any(
            map(lost, _page_sources(doc, page.xref))
        ):
            damaged.append(page.number)
    pages = max(found, min(declared, found + 10_000))  # a hostile count lists no million pages
    return damaged + list(range(found, pages)), pages


def _cut_objects(data: bytes) -> set[int]:
    """The objects a PDF cut short stops in the middle of: begun after its last ``endobj``."""
    end = data.rfind(b"endobj")
    return {int(m.group(1)) for m in _OBJECT_START.finditer(data, end + 1 if end >= 0 else 0)}


def _pdf_object(doc, xref: int) -> str | None:
    """An object's source (a stream's dictionary, without its data), or None when the file
    has no such object or it does not parse."""
    if not 0 < xref < doc.xref_length():
        return None
    try:
        text = doc.xref_object(xref, compressed=True)
    except _pdf_errors():
        return None
    return None if text.strip() == "null" else text


def _page_sources(doc, xref: int) -> list[int]:
    """The objects a page's content is drawn from: its content streams and its resources (its
    own, or the ones it inherits from the page tree)."""
    kind, value = doc.xref_get_key(xref, "Contents")
    refs = _REFERENCE.findall(value) if kind in ("xref", "array") else []
    node = xref
    for _ in range(32):
        kind, value = doc.xref_get_key(node, "Resources")
        if kind != "null":
            refs += _REFERENCE.findall(value)
            break
        kind, value = doc.xref_get_key(node, "Parent")
        if kind != "xref":
            break
        node = int(value.split()[0])
    return [int(ref) for ref in refs]


def _page_texts(doc, source: str, options: ReaderOptions) -> list[str]:
    """Every page's text layer; fails as soon as the text grows over ``max_text_chars``."""
    texts: list[str] = []
    total = 0
    for page in doc:
        texts.append(page_text(page))
        total += len(texts[-1])
        _check_text_size(total, source, options)
    return texts


def _check_text_size(chars: int, source: str, options: ReaderOptions) -> None:
    if chars > options.max_text_chars:
        raise SourceError(
            source, f"PDF text is over {options.max_text_chars:,} characters "
            "(ReaderOptions.max_text_chars): far longer than any statement",
        )  # fmt: skip


def _ocr_pages(doc, texts: list[str], scanned: list[int], source: str,
               options: ReaderOptions) -> list[str]:  # fmt: skip
    """OCR the scanned pages in place. When OCR cannot run, those pages are left out, with a
    warning, or the PDF fails when no other page has text."""
    problem: SourceError | None = None
    if not options.ocr:
        problem = SourceError(source, "scanned PDF (no usable text layer), and OCR is turned off")
    else:
        languages = _tesseract_languages()
        missing = [
            lang for lang in options.ocr_language.split("+") if lang not in (languages or ())
        ]
        if languages is None:
            problem = OcrUnavailable(source)
        elif missing:
            problem = OcrUnavailable(source, missing[0], missing_language=True)
    if problem is None:
        for i, text in zip(
            scanned, _ocr_in_parallel(doc, scanned, options.ocr_language), strict=True
        ):
            texts[i] = text
        return [f"OCR used on {len(scanned)} pages"]
    for i in scanned:
        texts[i] = ""  # an unusable text layer is left out, not kept as garbage
    if not any(_LETTER.search(t) for t in texts):
        raise problem
    return [f"{len(scanned)} scanned pages not read: {problem.reason}"]


def _pdf_hints(metadata: dict) -> dict[str, Sourced]:
    title = " ".join(str(metadata.get("title") or "").split())
    junk = re.search(r"(?i)^(microsoft \w+ - |untitled)|\.(docx?|pdf|odt|rtf)$", title)
    if title and not junk:
        return {"title": Sourced(title, "document")}
    return {}


# -- JSON captions ---------------------------------------------------------------------------
def _read_json(data: bytes, origin: _Origin, options: ReaderOptions) -> RawDocument:
    text, warnings = decode_text(data, origin.source)
    if not text.strip():
        raise SourceError(origin.source, "empty file")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(origin.source, f"not valid JSON ({exc})") from None
    if isinstance(value, list) and not value:
        raise SourceError(origin.source, "empty caption list (no segments)")
    if not isinstance(value, list) or not any(_is_segment(seg) for seg in value):
        raise NotAStatement(origin.source, "not a statement: JSON that is not a caption list")
    bad = [n for n, seg in enumerate(value) if not _is_segment(seg)]
    if len(bad) > MAX_BAD_SEGMENTS * len(value):
        raise SourceError(origin.source, (
            f"caption list with {len(bad)} of {len(value)} entries that are no caption segment "
            f'({{"text", "start" or "duration"}}; the first is entry {bad[0]})'))  # fmt: skip
    if bad:  # a damaged entry or two: the speech is kept, without them, and said so
        listed = ", ".join(map(str, bad[:10])) + (" ..." if len(bad) > 10 else "")
        warnings = [*warnings, f"{len(bad)} caption entr{'y' if len(bad) == 1 else 'ies'} that "
                    f"are no caption segment left out (entry {listed} of {len(value)})"]  # fmt: skip
    joined = " ".join(str(seg["text"]).strip() for seg in value
                      if _is_segment(seg) and str(seg["text"]).strip())  # fmt: skip
    _require_text(joined, origin.source, "caption list")
    return _document(origin, joined, "captions", warnings=warnings)


#: Share of a caption list's entries that may be damaged (left out, with a warning); above it
#: the list fails: too much of the speech would be missing.
MAX_BAD_SEGMENTS = 0.05


def _is_segment(seg: object) -> bool:
    return (isinstance(seg, dict) and "text" in seg and seg["text"] is not None
            and ("start" in seg or "duration" in seg))  # fmt: skip


# -- SRT / WebVTT subtitles ------------------------------------------------------------------
_CUE_TIMING = re.compile(r"^\s*(?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->")
_CUE_TAG = re.compile(r"</?(?:[cvibu]|lang|ruby|rt|font)(?:[.\s][^>]*)?>|<\d{1,2}:[\d:.]+>", re.I)
_VTT_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION)\b")


def subtitle_text(text: str) -> str:
    """The spoken text of SRT or WebVTT subtitles: cue numbers, timings, settings, NOTE/STYLE
    blocks and voice or class tags dropped; a line repeated by rolling captions kept once."""
    lines: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        rows = block.strip("\n").split("\n")
        if not rows or rows[0].startswith("WEBVTT") or _VTT_BLOCK.match(rows[0]):
            continue
        timing = next((i for i, row in enumerate(rows) if _CUE_TIMING.match(row)), None)
        for row in rows if timing is None else rows[timing + 1 :]:
            row = " ".join(html_lib.unescape(_CUE_TAG.sub("", row)).split())
            if row and (not lines or lines[-1] != row):
                lines.append(row)
    return " ".join(lines)


def _read_subtitles(data: bytes, origin: _Origin, options: ReaderOptions) -> RawDocument:
    text, warnings = decode_text(data, origin.source)
    spoken = subtitle_text(text)
    _require_text(spoken, origin.source, "subtitle file (no cue text)")
    return _document(origin, spoken, "captions", warnings=warnings)


# -- CSV / JSONL datasets --------------------------------------------------------------------
def _read_dataset(fmt: str, data: bytes, origin: _Origin, options: ReaderOptions) -> Iterator[Item]:
    text, warnings = decode_text(data, origin.source)
    if not text.strip():
        raise SourceError(origin.source, "empty file")
    columns: list[str] | None = None
    text_column = ""
    mapping: dict[str, str] = {}
    if fmt == "csv":  # the header decides first whether this is a statement dataset at all
        columns, rows = _csv_table(text, origin.source)
        text_column, mapping = _dataset_columns(columns, origin.source, options)
    else:
        rows = _jsonl_rows(text, origin.source)
    any_row = False
    for number, row in rows:
        any_row = True
        source = f"{origin.source}#{number}"
        if isinstance(row, Problem):
            yield Problem(source, row.reason)
            continue
        if columns is None:
            columns = list(row)
            text_column, mapping = _dataset_columns(columns, origin.source, options)
        row_origin = _Origin(source, origin.path, origin.manifest_key)
        yield from _guard(source, _dataset_row(row, text_column, mapping, row_origin, fmt,
                                               warnings))  # fmt: skip
    if not any_row:
        raise SourceError(origin.source, "dataset with a header but no rows")


def _json_kind(value: object) -> str:
    """What a JSON value is, in words ("number", "list", ...)."""
    kinds = ((bool, "true/false value"), (int, "number"), (float, "number"), (list, "list"),
             (dict, "JSON object"))  # bool first: it is an int too
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def _dataset_row(row: dict[str, object], text_column: str, mapping: dict[str, str],
                 origin: _Origin, fmt: str, warnings: list[str]) -> Iterator[RawDocument]:  # fmt: skip
    value = row.get(text_column)
    if value is not None and not isinstance(value, str):  # JSONL: 123, true, [...], {...}
        raise SourceError(origin.source, f"column {text_column!r} holds a "
                                         f"{_json_kind(value)}, not text")
    text = "" if value is None else value
    _require_text(text, origin.source, f"text in column {text_column!r}")
    hints = {}
    for name, column in mapping.items():
        cell = row.get(column)
        if cell is not None and not isinstance(cell, (dict, list)) and str(cell).strip():
            hints[name] = Sourced(str(cell).strip(), "dataset")
    yield _document(origin, text, fmt, hints, warnings=list(warnings))


def _dataset_columns(columns: list[str], source: str, options: ReaderOptions
                     ) -> tuple[str, dict[str, str]]:  # fmt: skip
    """The text column and the metadata field -> column map of a dataset."""
    by_lower = {c.strip().lower(): c for c in columns}
    listing = ", ".join(columns)
    if options.text_column:
        if options.text_column not in columns:
            found = by_lower.get(options.text_column.lower())
            if not found:
                raise SourceError(
                    source, f"no column {options.text_column!r} (--text-column); "
                    f"the columns are: {listing}",
                )  # fmt: skip
            text_column = found
        else:
            text_column = options.text_column
    else:
        text_column = next((by_lower[c] for c in _TEXT_COLUMNS if c in by_lower), "")
        if not text_column:
            raise NotAStatement(
                source, "not a statement dataset: no text column (text, speech, content, body); "
                f"name it with --text-column (columns: {listing})",
            )  # fmt: skip
    mapping: dict[str, str] = {}
    for name, names in DEFAULT_COLUMNS.items():
        found = next((by_lower[c] for c in names if c in by_lower), None)
        if found and found != text_column:
            mapping[name] = found
    for name, column in options.column_map.items():
        found = column if column in columns else by_lower.get(column.lower())
        if not found:
            raise SourceError(
                source, f"no column {column!r} (--column {name}={column}); "
                f"the columns are: {listing}",
            )  # fmt: skip
        mapping[name] = found
    return text_column, mapping


def _csv_table(
    text: str, source: str
) -> tuple[list[str], Iterator[tuple[int, dict[str, object] | Problem]]]:
    """A CSV's header, and its rows (a Problem for a row that does not fit the header, or that
    a quote left open to the end of the file has swallowed the rest of the file into)."""
    csv.field_size_limit(2**31 - 1)
    delimiter = _delimiter(text)
    # lenient, as spreadsheets write: `"a speech" ,FRA` (a space after the closing quote) is a
    # row; the one fault leniency hides, a quote never closed, is looked for apart
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SourceError(source, f"malformed CSV at line {reader.line_num}: {exc}") from None
    if not header or not any(h.strip() for h in header):
        raise SourceError(source, "empty CSV (no header row)")
    header = [h.strip() for h in header]
    @functools.cache
    def lines() -> list[str]:  # as the reader counts them (line_num); split once, and only
        return io.StringIO(text, newline="").readlines()  # if a row spans lines or keeps a quote

    return header, _csv_rows(reader, header, source, lambda: _open_at_end(text, delimiter),
                             lambda first, last: _stray_quote("".join(lines()[first - 1 : last]),
                                                              delimiter))  # fmt: skip


def _open_at_end(text: str, delimiter: str) -> bool:
    """Whether a quoted cell of the CSV is still open at the end of the file (read strictly:
    "unexpected end of data"; other strict complaints, such as a space after a closing quote,
    are passed over as the lenient reading passes over them)."""
    strict = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        try:
            next(strict)
        except StopIteration:
            return False
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                return True


def _stray_quote(row: str, delimiter: str) -> bool:
    """Whether a row's raw lines hold a quote the lenient reading passed over: a quote inside a
    quoted cell not doubled (`"He said "no" to it"`), or one left open that a later row's
    opening quote closes, which merges the two rows into one. Read strictly, once the spaces
    spreadsheets write after a closing quote (`"a speech" ,FRA`) are taken out."""
    tidy = re.sub(rf'"[ \t]+(?=[{re.escape(delimiter)}\r\n]|$)', '"', row)
    try:
        for _ in csv.reader(io.StringIO(tidy, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _csv_rows(
    reader: Any, header: list[str], source: str, open_at_end: Callable[[], bool],
    stray_quote: Callable[[int, int], bool] = lambda first, last: False,
) -> Iterator[tuple[int, dict[str, object] | Problem]]:
    starts = reader.line_num + 1  # the line the next row starts on
    last: tuple[int, int, list[str]] | None = None  # held back: it may be the swallowing row
    strays: set[int] = set()  # rows whose quotes a strict reading refuses
    try:
        for number, record in enumerate(reader, start=1):
            starts, row_starts = reader.line_num + 1, starts
            if not any(cell.strip() for cell in record):
                continue
            if '"' in "".join(record) or reader.line_num > row_starts:
                if stray_quote(row_starts, reader.line_num):
                    strays.add(number)
            if last is not None:
                yield _csv_row(last, header, source, last[0] in strays)
            last = (number, row_starts, record)
    except csv.Error as exc:
        raise SourceError(source, f"malformed CSV: the row starting at line {starts} ({exc}); "
                                  "the rows before it were read") from None
    if last is None:
        return
    if any("\n" in cell for cell in last[2]) and open_at_end():
        yield last[0], Problem(source, (
            f"row {last[0]} opens a quote on line {last[1]} that is never closed: it would hold "
            "every line after it (the rows before it were read)"))  # fmt: skip
        return
    yield _csv_row(last, header, source, last[0] in strays)


def _csv_row(row: tuple[int, int, list[str]], header: list[str], source: str,
             stray_quote: bool = False) -> tuple[int, dict[str, object] | Problem]:  # fmt: skip
    number, starts, record = row
    if stray_quote:  # its cells were read past a quote: where one ends is a guess
        return number, Problem(source, (
            f"row {number} (from line {starts}) has a quote that neither closes its cell nor "
            'is doubled ("" for a quote inside a quoted cell), or a quote left open that a '
            "later row's quote closes (the two rows would be read as one): fix the quotes"))
    if any(cell.strip() for cell in record[len(header):]):
        # its cells no longer line up with the header: no metadata can be trusted
        return number, Problem(source, (
            f"row {number} (from line {starts}) has {len(record)} fields but the header has "
            f"{len(header)}: an unquoted delimiter in a cell, or a quote left open (which "
            "swallows the rows after it)"))  # fmt: skip
    return number, dict(zip(header, record, strict=False))  # short rows are fine


def _delimiter(text: str) -> str:
    """The header line's delimiter: a comma unless ";", tab or "|" is more frequent there."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return max(",;\t|", key=lambda sep: (header.count(sep), sep == ","))


def _jsonl_rows(text: str, source: str) -> Iterator[tuple[int, dict[str, object] | Problem]]:
    number = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        number += 1
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, Problem(source, f"row {number} is not valid JSON ({exc})")
            continue
        if not isinstance(value, dict):
            yield number, Problem(source, f"row {number} is not a JSON object")
            continue
        yield number, value


_READERS = {
    "text": _read_text,
    "markdown": _read_markdown,
    "html": _read_html,
    "pdf": _read_pdf,
    "json": _read_json,
    "subtitles": _read_subtitles,
}
