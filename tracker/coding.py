"""The coding table: one row per statement and theme, read through ``tracker.query`` (the one
read path: this module has no SQL of its own).

It is what `tracker export coding` writes and what `tracker validate` compares with gold labels.
Only canonical statements (not marked as duplicates) are counted unless asked otherwise. Every
function takes the database as a path or as an open :class:`tracker.store.Store` (its file is
read, read-only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Union

import pandas as pd

import tracker
from tracker import query

if TYPE_CHECKING:
    from tracker.store import Store

#: A database: its path, or a store opened on it.
Database = Union["Store", str, Path]

#: The columns of `tracker export coding`: a contract researchers script against.
CODING_COLUMNS = [
    "source", "country", "date", "forum", "theme", "matches", "rate_per_1000_words",
    "codebook_version",
]  # fmt: skip
EXTRA_COLUMNS = [
    "statement_id", "country_name", "year", "meeting", "speaker", "language", "words",
    "exact", "fuzzy", "proximity", "first_evidence", "source_path", "semantic", "not_counted",
    "language_covered", "duplicate_of", "tool_version",
]  # fmt: skip

STATEMENT_COLUMNS = query.STORED_STATEMENT_COLUMNS


def database_path(db: Database) -> Path:
    """The file of ``db`` (a path, or a store's)."""
    return Path(getattr(db, "path", db))  # type: ignore[arg-type]


def coding_table(
    db: Database, *, themes: list[str], all_pairs: bool = False, include_duplicates: bool = False
) -> pd.DataFrame:
    """Statement x theme rows with match counts and rate per 1,000 words.

    With ``all_pairs`` every statement and theme is present, zeros included, so that shares can
    be recomputed from the file; otherwise only pairs with at least one match.
    """
    path = database_path(db)
    statements = query.coding_statements(path, include_duplicates=include_duplicates)
    counts = query.statement_theme_counts(path)
    counts = counts[counts["theme"].isin(themes)]
    if all_pairs:
        grid = statements.merge(pd.DataFrame({"theme": themes}), how="cross")
        table = grid.merge(counts, on=["statement_id", "theme"], how="left")
        for col in ("matches", "exact", "fuzzy", "proximity", "semantic", "not_counted"):
            table[col] = table[col].fillna(0).astype(int)
        table["first_evidence"] = table["first_evidence"].fillna("")
    else:  # a pair with only reported or opposing matches has no theme: not listed
        table = statements.merge(counts[counts["matches"] > 0], on="statement_id", how="inner")
    words = table["words"].where(table["words"] > 0)
    table["rate_per_1000_words"] = (table["matches"] * 1000 / words).fillna(0).round(4)
    active = query.codebook_info(path)
    table["codebook_version"] = active.version if active else ""
    # 0: the codebook has no phrases in the statement's language, so its zeros mean "not read"
    # (the dashboard leaves such statements out of every share)
    table["language_covered"] = table["language"].isin(_codebook_languages(active)).astype(int)
    table["tool_version"] = tracker.__version__  # with codebook_version: what made the coding
    table = table.sort_values(["statement_id", "theme"], kind="stable")
    return table[CODING_COLUMNS + EXTRA_COLUMNS].reset_index(drop=True)


def _codebook_languages(active) -> set[str]:
    from tracker.codebook import codebook_from_text

    if active is None:
        return set()
    return set(codebook_from_text(active.text, path=active.path).languages)


def statements_table(db: Database, *, include_duplicates: bool = True) -> pd.DataFrame:
    """One row per stored statement, the columns of `tracker statements` and the tool version
    (its flags and duplicate links are the tool's reading)."""
    table = query.stored_statements(database_path(db), include_duplicates=include_duplicates)
    return table.assign(tool_version=tracker.__version__)


def duplicates_table(db: Database) -> pd.DataFrame:
    """Every statement that belongs to a group of copies, canonical first within its group, and
    the tool version (the groups are the tool's reading)."""
    return query.duplicate_groups(database_path(db)).assign(tool_version=tracker.__version__)


def coded_by_file(db: Database, *, themes: list[str]) -> dict[str, dict[str, str]]:
    """File name (no folders) -> theme -> evidence of its first match, for validation.

    Every stored statement appears, even with no theme, so a gold file is "in the database"
    whenever its statement was stored.
    """
    table = coding_table(db, themes=themes, include_duplicates=True)
    sources = query.coding_statements(database_path(db), include_duplicates=True)["source"]
    coded: dict[str, dict[str, str]] = {file_name(src): {} for src in sources}
    for row in table.itertuples():
        coded.setdefault(file_name(row.source), {})[row.theme] = row.first_evidence
    return coded


def validate_coding(db: Database, gold_path: str | Path, *, n_boot: int = 1000):
    """The stored coding against hand-coded labels (a :class:`tracker.validate.ValidationReport`).

    Raises GoldError when the labels are malformed, name files missing from the database, or the
    database has no codebook yet.
    """
    from tracker.codebook import codebook_from_text
    from tracker.errors import GoldError
    from tracker.validate import evaluate, load_gold, load_gold_evidence

    labels = load_gold(gold_path)
    path = database_path(db)
    active = query.codebook_info(path)
    if active is None:
        raise GoldError(f"{path} has no coding yet: run `tracker ingest` first")
    themes = [t.id for t in codebook_from_text(active.text, path=active.path).themes]
    _refuse_shared_names(path, labels)
    coded = coded_by_file(path, themes=themes)
    missing = sorted(set(labels) - set(coded))
    if missing:
        raise GoldError(
            f"{gold_path}: {len(missing)} gold file(s) not in {path}: {', '.join(missing[:10])}"
            + (" ..." if len(missing) > 10 else "")
        )
    gold_themes = sorted({t for per in labels.values() for t in per})
    return evaluate({f: coded[f] for f in labels}, labels, themes=gold_themes,
                    gold_evidence=load_gold_evidence(gold_path), n_boot=n_boot)  # fmt: skip


def shared_names(db: Database, names: Iterable[str]) -> dict[str, list[str]]:
    """Of these file names (as gold TSVs name statements), those that more than one stored
    statement has (``a/x.txt`` and ``b/x.txt``), with the sources holding each."""
    wanted = set(names)
    sources = query.coding_statements(database_path(db), include_duplicates=True)["source"]
    by_name: dict[str, list[str]] = {}
    for source in sources:
        name = file_name(source)
        if name in wanted:
            by_name.setdefault(name, []).append(source)
    return {n: s for n, s in sorted(by_name.items()) if len(s) > 1}


def _refuse_shared_names(db: Database, labels: Mapping[str, object]) -> None:
    from tracker.errors import GoldError

    shared = shared_names(db, labels)
    if shared:
        listed = "; ".join(f"{n}: {', '.join(s)}" for n, s in list(shared.items())[:5])
        raise GoldError(
            f"{len(shared)} gold file name(s) name more than one stored statement ({listed}"
            f"{' ...' if len(shared) > 5 else ''}); gold labels find statements by file name, "
            "so these cannot be told apart: rename the files so that each name is unique"
        )


def themes_not_in_codebook(db: Database, gold_path: str | Path) -> list[str]:
    """The themes a gold file names that the database's codebook does not have: scored, every
    positive of them is a miss (a typing slip in a theme id, or a codebook of fewer themes)."""
    from tracker.codebook import codebook_from_text
    from tracker.validate import load_gold

    active = query.codebook_info(database_path(db))
    if active is None:
        return []
    known = {t.id for t in codebook_from_text(active.text, path=active.path).themes}
    return sorted({t for per in load_gold(gold_path).values() for t in per} - known)


def file_name(source: str) -> str:
    """`a/b/x.txt` -> `x.txt`; `archive.zip:dir/x.txt` -> `x.txt`; `data.csv#3` kept."""
    member = source.rsplit(":", 1)[-1]
    return Path(member).name


#: First characters that make a spreadsheet read a cell as a formula (OWASP's list, with the
#: full-width forms some spreadsheet programs also accept).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Characters an XLSX file cannot hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet shows as text: one starting with ``= + - @``, a tab or a carriage
    return gets a leading apostrophe (``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``), so
    opening an export never runs a formula from a statement. Other values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def formula_safe(table: pd.DataFrame, *, xlsx: bool = False) -> pd.DataFrame:
    """A copy of ``table`` with every text cell and column name through :func:`safe_cell`; for
    XLSX also the control characters it cannot hold written as escapes (``\\x1b``)."""

    def cell(value: object) -> object:
        if xlsx and isinstance(value, str) and _XLSX_ILLEGAL.search(value):
            value = _XLSX_ILLEGAL.sub(lambda m: m.group().encode("unicode_escape").decode(), value)
        return safe_cell(value)

    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(cell)
    out.columns = [cell(c) for c in out.columns]
    return out


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV or XLSX, chosen by the file's extension; cells are formula-safe
    (:func:`safe_cell`)."""
    out = Path(path)
    if out.suffix.lower() == ".xlsx":
        formula_safe(table, xlsx=True).to_excel(out, index=False)
    else:
        formula_safe(table).to_csv(out, index=False)
    return out
