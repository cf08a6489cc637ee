"""Load a manifest: the CSV a researcher writes to give each file its metadata, or to skip it."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.errors import ManifestError
from tracker.models import METADATA_FIELDS

#: A manifest's columns: the file, the statement metadata a researcher may give (every field but
#: ``country_name``, which is looked up from ``country``), and ``skip``.
MANIFEST_COLUMNS = ("file", *(f for f in METADATA_FIELDS if f != "country_name"), "skip")
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


@dataclass(frozen=True)
class ManifestRow:
    """One manifest line; ``path`` is absolute, resolved against the manifest's folder."""

    file: str
    path: Path
    country: str = ""
    date: str = ""
    forum: str = ""
    meeting: str = ""
    speaker: str = ""
    title: str = ""
    language: str = ""
    source_url: str = ""
    source_kind: str = ""
    skip: str = ""

    def values(self) -> dict[str, str]:
        """The non-empty metadata values of the row (every column but ``file`` and ``skip``)."""
        return {
            name: getattr(self, name)
            for name in MANIFEST_COLUMNS
            if name not in ("file", "skip") and getattr(self, name)
        }


def _key(path: str | Path) -> str:
    return str(Path(path).expanduser().resolve())


def _archive_of(path: str) -> str | None:
    """``'corpus.zip:dir/a.txt'`` or ``'corpus.zip/dir/a.txt'`` -> ``'corpus.zip'``; else None."""
    lowered = path.lower()
    for suffix in _ARCHIVE_SUFFIXES:
        for separator in (":", "/", "\\"):
            cut = lowered.find(suffix + separator)
            if cut > 0:
                return path[: cut + len(suffix)]
    return None


class Manifest:
    """The rows of a manifest CSV, looked up by the absolute path of the file they describe."""

    def __init__(self, path: Path, rows: dict[str, ManifestRow], *,
                 lines: dict[str, int] | None = None, unknown_columns: tuple[str, ...] = ()):  # fmt: skip
        self.path = path
        self._rows = rows
        self._lines = lines or {}
        #: header names that are no manifest column (ignored: a misspelt "contry", "iso3")
        self.unknown_columns = unknown_columns

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        """Read a manifest CSV (UTF-8, with a header). Only the ``file`` column is required; unknown
        columns are ignored (listed in :attr:`unknown_columns`). Raises ManifestError naming the
        file, the line and the problem (a row with more cells than the header included)."""
        path = Path(path).expanduser().resolve()
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                rows, lines, unknown = _parse(path, csv.reader(handle))
        except UnicodeDecodeError as ex:  # a spreadsheet program's "CSV" in Windows-1252, say
            raise ManifestError(f"{path}: the manifest is not UTF-8 text (save it as CSV UTF-8; "
                                f"byte {ex.start}: {ex.reason})") from ex  # fmt: skip
        except (OSError, csv.Error) as ex:
            raise ManifestError(f"{path}: cannot read the manifest ({ex})") from ex
        return cls(path, rows, lines=lines, unknown_columns=unknown)

    def missing_files(self) -> list[tuple[int, str]]:
        """``(line, file)`` of the rows whose file (or archive) does not exist: a misspelt name,
        whose file then gets no metadata from the manifest."""
        out = []
        for key, row in self._rows.items():
            archive = _archive_of(row.file)
            target = (self.path.parent / archive).resolve() if archive else row.path
            if not target.exists():
                out.append((self._lines.get(key, 0), row.file))
        return sorted(out)

    def lookup(self, path: str | Path) -> ManifestRow | None:
        """The row for a file, by its path (made absolute); for an archive member
        (``'corpus.zip:dir/a.txt'``), the row of the member itself, else that of its archive."""
        text = str(path)
        row = self._rows.get(_key(text))
        if row is None:
            archive = _archive_of(text)
            if archive:
                row = self._rows.get(_key(archive))
        return row

    def skip_reason(self, path: str | Path) -> str | None:
        """The ``skip`` text of the file's row when the row marks it skipped, else None."""
        row = self.lookup(path)
        return row.skip if row is not None and row.skip else None

    def rows(self) -> list[ManifestRow]:
        """Every row, in file order."""
        return list(self._rows.values())

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, (str, Path)) and self.lookup(path) is not None

    def __repr__(self) -> str:
        return f"Manifest({str(self.path)!r}, {len(self)} rows)"


def _parse(path: Path, reader: Any) -> tuple[dict[str, ManifestRow], dict[str, int],
                                              tuple[str, ...]]:  # fmt: skip
    """Rows by resolved path, the line of each, and the header's unknown columns; ``reader``
    is a ``csv.reader`` (its ``line_num`` names lines)."""
    header = next(reader, None)
    if header is None:
        raise ManifestError(
            f"{path}: line 1: the manifest is empty; it needs a header with a 'file' column"
        )
    names = [name.strip().lower() for name in header]
    if "file" not in names:
        raise ManifestError(
            f"{path}: line 1: no 'file' column in the header {header!r}; "
            f"the columns are {', '.join(MANIFEST_COLUMNS)} (only 'file' is required)"
        )
    columns = {
        name: index for index, name in reversed(list(enumerate(names))) if name in MANIFEST_COLUMNS
    }
    rows: dict[str, ManifestRow] = {}
    lines: dict[str, int] = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[len(header):]):
            raise ManifestError(
                f"{path}: line {reader.line_num}: {len(cells)} cells but the header has "
                f"{len(header)} columns: a comma inside a cell needs the cell in double quotes "
                "(or a quote was left open)"
            )
        row = _row(path, reader.line_num, cells, columns)
        key = str(row.path)
        if key in rows and _content(rows[key]) != _content(row):
            raise ManifestError(
                f"{path}: line {reader.line_num}: {row.file!r} is also on line {lines[key]} "
                "with different values; keep one row per file"
            )
        rows.setdefault(key, row)
        lines.setdefault(key, reader.line_num)
    unknown = tuple(h.strip() for h, n in zip(header, names) if n and n not in MANIFEST_COLUMNS)
    return rows, lines, unknown


def _content(row: ManifestRow) -> tuple:
    return (row.values(), row.skip)


def _row(path: Path, line: int, cells: list[str], columns: dict[str, int]) -> ManifestRow:
    values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
    file = values.pop("file").replace("\\", "/")
    if not file:
        raise ManifestError(
            f"{path}: line {line}: the 'file' cell is empty; name the file the row describes"
        )
    resolved = (path.parent / Path(file).expanduser()).resolve()
    return ManifestRow(file=file, path=resolved, **values)
