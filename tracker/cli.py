"""The `tracker` command line: a thin click shell over the library.

Each command opens the database, calls the library and turns a library exception into a
one-line message (`click.ClickException`).
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from tracker import __version__
from tracker.errors import TrackerError
from tracker.models import METADATA_FIELDS, Problem
from tracker.connect import default_db_path
from tracker.metadata import FLAG_WORDS, describe_flags
from tracker.store import STATEMENTS_PER_TRANSACTION, Store

#: The semantic model's seed: scikit-learn's random_state takes 0 .. 2**32 - 1 (a negative one
#: was a traceback); other seeds take any integer from 0
SEED = click.IntRange(0, 2**32 - 1)

db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite database (default: $TRACKER_DB or db/tracker.db).",
)

OVERRIDE_FIELDS = ("country", "date", "forum", "meeting", "speaker", "title", "language")


class OutputFile(click.Path):
    """A file to write (``-o``), checked before any work: its folder must exist and it must be
    writable there, so a long run (training a model) never ends in a traceback. With ``tables``,
    a name that is neither .csv nor .xlsx gets a warning: the file is written as CSV."""

    name = "file"

    def __init__(self, *, tables: bool = False) -> None:
        super().__init__(dir_okay=False, path_type=Path)
        self.tables = tables

    def convert(self, value, param, ctx):
        path = Path(super().convert(value, param, ctx))
        folder = path.parent
        if not folder.is_dir():
            self.fail(f"{shown(path)}: the folder {shown(folder)} does not exist", param, ctx)
        # an existing file is written in place (its folder need not be writable); a new one
        # is made in its folder
        writable = (os.access(path, os.W_OK) if path.exists()
                    else os.access(folder, os.W_OK | os.X_OK))  # fmt: skip
        if not writable:
            self.fail(f"{shown(path)}: no permission to write it", param, ctx)
        if self.tables and path.suffix.lower() not in (".csv", ".xlsx"):
            click.echo(f"warning: {shown(path)} is written as CSV (name it .csv, or .xlsx for a "
                       "workbook)", err=True)  # fmt: skip
        return path


def save_table(table, path: Path) -> None:
    """Write a table (CSV or XLSX by its suffix) whole or not at all
    (:func:`tracker.files.write_whole`): a full disk leaves no half table and an older file as
    it was."""
    from tracker.coding import write_table
    from tracker.files import write_whole

    with writing(path):
        write_whole((path, lambda part: write_table(table, part)))


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn a failure to write ``path`` (disk full, a file made immutable...) into a message
    naming it."""
    try:
        yield
    except OSError as exc:
        raise click.ClickException(f"cannot write {shown(path)}: {exc.strerror or exc}") from exc


#: Characters a terminal acts on (ESC sequences, carriage returns, newlines, bidi overrides...).
_UNPRINTABLE = re.compile(
    r"[^\S ]|[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


def shown(text: object) -> str:
    """Text from files (names, reasons) safe to print on a terminal: every character a terminal
    would act on written as an escape (``\\x1b``, ``\\n``), so a file name can neither erase a
    line nor forge one."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def _budget_options(func):
    """--max-words, --max-distinct-words, --max-passages, --max-matches (see Budgets)."""
    from tracker.ingest import Budgets

    defaults = Budgets()
    helps = {
        "max_words": "Documents with more words fail.",
        "max_distinct_words": "Documents with more distinct words fail.",
        "max_passages": "Documents with more passages (sentences) fail.",
        "max_matches": "Documents with more theme matches fail.",
    }
    for name in reversed(list(helps)):
        flag = "--" + name.replace("_", "-")
        func = click.option(flag, name, type=click.IntRange(min=0), show_default=True,
                            default=getattr(defaults, name),
                            help=helps[name] + " 0: no limit.")(func)  # fmt: skip
    return func


def _db(path: Path | None) -> Path:
    return path or default_db_path()


def _open(path: Path | None, *, readonly: bool = False, existing: bool = False) -> Store:
    try:
        return Store(_db(path), readonly=readonly, existing=existing)
    except TrackerError as exc:
        raise click.ClickException(shown(exc)) from exc


class _Commands(click.Group):
    """The command group: a library error no command turned into a message (a query of a
    database of another schema, say) is still one line naming the problem, exit 1, never a
    traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            raise click.ClickException(shown(exc)) from exc


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="position-tracker")
def cli() -> None:
    """Find recurring position themes in UN statements, with the evidence."""


# -- ingest ----------------------------------------------------------------------------------
@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with file,country,date,forum,meeting,speaker,title,language,"
                   "source_url,source_kind,skip; `file` relative to the manifest.")
@click.option("--country", help="Country of every statement (name, ISO2 or ISO3).")
@click.option("--date", help="Date of every statement (YYYY-MM-DD, YYYY-MM or YYYY).")
@click.option("--forum", help="Forum, e.g. 'Security Council'.")
@click.option("--meeting", help="Meeting or session, e.g. 'S/PV.9662' or '79th session'.")
@click.option("--speaker", help="Speaker of every statement.")
@click.option("--title", help="Title of every statement.")
@click.option("--language", help="Language code (en, fr, es, ...).")
@click.option("--source-kind", help="How the text was made, e.g. 'web page'.")
@click.option("--text-column", help="CSV/JSONL: the column holding the text.")
@click.option("--column", "columns", multiple=True, metavar="FIELD=COLUMN",
              help="CSV/JSONL: metadata column names, e.g. --column country=iso3.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=50_000_000, show_default=True,
              help="Files larger than this fail.")
@click.option("--no-ocr", is_flag=True, help="Do not OCR PDF pages without a text layer.")
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Codebook for a new database (default: the database's active codebook).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: 2).")
@click.option("--batch-size", type=click.IntRange(min=1),
              default=STATEMENTS_PER_TRANSACTION, show_default=True,
              help="Statements per write transaction: the dashboard sees an ingest grow a "
                   "batch at a time, and a crash loses at most the batch being written.")
@click.option("--no-dedupe", is_flag=True, help="Do not link copies of the same speech.")
@click.option("--priority", metavar="KIND,KIND,...",
              help="source_kind keywords, best first, deciding which copy of a speech is "
                   "canonical (default: 'un record,un verbatim,delegation,extracted text,"
                   "web page,speech recognition').")
@_budget_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def ingest(paths, db, manifest, country, date, forum, meeting, speaker, title, language,
           source_kind, text_column, columns, max_bytes, no_ocr, codebook, workers, batch_size,
           no_dedupe, priority, max_words, max_distinct_words, max_passages, max_matches, quiet):  # fmt: skip
    """Read statements from files, folders and .zip archives into the database.

    Every problem is one line naming the file and the reason; the batch goes on; the exit
    status is 1 when any file failed.
    """
    from tracker.ingest import Budgets, ingest_paths
    from tracker.sources import ReaderOptions, count_candidate_files

    _check_overrides(country, date, language)
    if not any(os.path.lexists(p) for p in paths):  # nothing to read: no database is made
        raise click.ClickException("no such file or folder: "
                                   + ", ".join(shown(p) for p in paths))  # fmt: skip
    overrides = {k: v for k, v in zip(OVERRIDE_FIELDS,
                 (country, date, forum, meeting, speaker, title, language)) if v}  # fmt: skip
    if source_kind:
        overrides["source_kind"] = source_kind
    options = ReaderOptions(
        max_bytes=max_bytes, text_column=text_column, column_map=_column_map(columns),
        ocr=not no_ocr,
    )  # fmt: skip
    rows = _manifest_rows(manifest)
    total = count_candidate_files(paths)
    bar = tqdm(total=total, unit="file", disable=quiet or None, file=sys.stderr, leave=False,
               desc="ingest")  # fmt: skip

    budgets = Budgets(max_words=max_words, max_distinct_words=max_distinct_words,
                      max_passages=max_passages, max_matches=max_matches)  # fmt: skip

    def on_problem(p: Problem) -> None:
        tqdm.write(f"{p.kind}: {shown(p.source)}: {shown(p.reason)}", file=sys.stderr)

    try:
        report = ingest_paths(
            paths, db=_db(db), manifest=rows, overrides=overrides, reader_options=options,
            codebook=codebook, workers=workers, progress=lambda n, _src: bar.update(n),
            on_problem=on_problem, batch_size=batch_size, dedupe=not no_dedupe, budgets=budgets,
            **_priority(priority),
        )  # fmt: skip
    except TrackerError as exc:
        raise click.ClickException(shown(exc)) from exc
    except KeyboardInterrupt:  # Ctrl-C or kill: say what is kept before Click's "Aborted!"
        bar.close()
        click.echo(f"interrupted: the statements written before it are stored whole in "
                   f"{_db(db)}; run the same command again to complete the ingest (what is "
                   "stored is read again as 'already stored')", err=True)  # fmt: skip
        raise
    finally:
        bar.close()
    for source, warning in report.warned:
        click.echo(f"warning: {shown(source)}: {shown(warning)}", err=True)
    for source, flags in report.flagged:  # the codes (scripts grep them), then their words
        if any(f in flags for f in SHOWN_FLAGS):
            click.echo(f"flagged: {shown(source)}: {flags} — {describe_flags(flags)}", err=True)
    if manifest and report.manifest_lookups and not report.manifest_found:
        click.echo(f"warning: {shown(manifest)}: none of its rows names a file of this ingest "
                   "(its `file` paths are relative to the manifest's folder), so no metadata "
                   "came from it", err=True)  # fmt: skip
    if report.unknown_priority:
        click.echo("warning: --priority: no stored statement's source_kind contains "
                   + ", ".join(repr(shown(p)) for p in report.unknown_priority)
                   + " (mistyped? `tracker statements` lists each statement's source_kind)",
                   err=True)  # fmt: skip
    click.echo(f"{_db(db)}: {report.summary()} (codebook {report.codebook_version})", err=True)
    if report.failed:
        sys.exit(1)


def _manifest_rows(manifest: Path | None):
    """The manifest, read before anything else (its errors stop the ingest before a database
    is made), with a warning for each column it ignores and each row naming no existing file
    (a misspelt name: that file would get no metadata from it)."""
    from tracker.manifest import MANIFEST_COLUMNS, Manifest

    if manifest is None:
        return None
    try:
        rows = Manifest.load(manifest)
    except TrackerError as exc:
        raise click.ClickException(shown(exc)) from exc
    if rows.unknown_columns:
        click.echo(f"warning: {shown(manifest)}: column(s) "
                   + ", ".join(repr(shown(c)) for c in rows.unknown_columns)
                   + " ignored: a manifest's columns are " + ", ".join(MANIFEST_COLUMNS),
                   err=True)  # fmt: skip
    missing = rows.missing_files()
    if missing:
        listed = ", ".join(f"line {n}: {shown(f)}" for n, f in missing[:10])
        click.echo(f"warning: {shown(manifest)}: {len(missing)} row(s) name a file that does not "
                   f"exist ({listed}{' ...' if len(missing) > 10 else ''}); `file` is relative "
                   "to the manifest's folder", err=True)  # fmt: skip
    return rows


#: Flags worth a line after an ingest: metadata missing, or given but not understood.
SHOWN_FLAGS = tuple(FLAG_WORDS)  # every flag the tool sets, each with its words


def _check_overrides(country: str | None, date: str | None, language: str | None = None) -> None:
    """A ``--date`` that is no date is refused (it would be dropped without a word); a
    ``--country`` or ``--language`` the tool does not know is kept as written, with a warning
    (a statement in a language the codebook lacks is stored but not coded)."""
    from tracker.countries import lookup_country
    from tracker.metadata import language_code, normalize_date

    if language and not language_code(language):
        click.echo(f"warning: --language {shown(language)!r} is no language code or name the "
                   "tool knows: stored as written, and no codebook has phrases in it, so the "
                   "statements are not coded (flagged language_not_covered)", err=True)  # fmt: skip

    if date and not normalize_date(date):
        raise click.BadParameter(f"{shown(date)!r} is not a date: give YYYY-MM-DD, YYYY-MM or "
                                 "YYYY", param_hint="--date")  # fmt: skip
    if country and lookup_country(country) is None:
        click.echo(f"warning: --country {shown(country)!r} is no country name or ISO code the "
                   "tool knows: stored as written and flagged unresolved_country", err=True)  # fmt: skip


def _priority(priority: str | None) -> dict:
    if not priority:
        return {}
    kinds = tuple(k.strip().casefold() for k in priority.split(",") if k.strip())
    return {"kind_priority": kinds}


def _column_map(columns: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for item in columns:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise click.BadParameter(f"{item!r}: expected FIELD=COLUMN", param_hint="--column")
        if field.strip() not in METADATA_FIELDS:
            raise click.BadParameter(f"{field.strip()!r} is no metadata field: use one of "
                                     f"{', '.join(METADATA_FIELDS)}", param_hint="--column")  # fmt: skip
        mapping[field.strip()] = column.strip()
    return mapping


# -- statements ------------------------------------------------------------------------------
@cli.command()
@db_option
@click.option("-o", "--output", type=OutputFile(tables=True),
              help="Write CSV (or .xlsx) here instead of standard output.")
def statements(db, output):
    """List stored statements, one row each, flagging those with no country or date."""
    from tracker.coding import statements_table

    with _open(db, readonly=True) as store:
        table = statements_table(store)
    _write_or_print(table, output)
    # a country given but not understood is as unknown as a missing one; a date that did not
    # parse may have been replaced by one found in the file name or the text: the stored date
    # says whether one is known
    no_country = table["flags"].str.contains("no_country|unresolved_country").sum()
    no_date = (table["date"].fillna("").astype(str).str.strip() == "").sum()
    click.echo(f"{len(table)} statement{'' if len(table) == 1 else 's'}; {no_country} without "
               f"a known country, {no_date} without a date",
               err=True)  # fmt: skip


def _write_or_print(table, output: Path | None) -> None:
    """The table to the ``--output`` file (CSV or XLSX by its suffix), else to standard output."""
    if output:
        save_table(table, output)
    else:
        _print_table(table)


def _print_table(table) -> None:
    """A table as CSV on standard output: formula-safe cells, as in files; on a terminal, also
    the characters a terminal would act on written as escapes."""
    from tracker.coding import formula_safe

    safe = formula_safe(table)
    if sys.stdout.isatty():
        safe = safe.map(lambda v: shown(v) if isinstance(v, str) else v)
    safe.to_csv(sys.stdout, index=False)


# -- duplicates -------------------------------------------------------------------------------
@cli.command()
@db_option
@click.option("-o", "--output", type=OutputFile(tables=True),
              help="Write CSV (or .xlsx) here instead of standard output.")
@click.option("--not-duplicate", "pairs", nargs=2, type=int, multiple=True, metavar="ID ID",
              help="Mark two statements (ids from this list) as different speeches.")
def duplicates(db, output, pairs):
    """List copies of the same speech for review, or mark a pair as not duplicate."""
    from tracker.coding import duplicates_table

    if pairs:
        same = [a for a, b in pairs if a == b]
        if same:
            raise click.BadParameter(f"{same[0]} {same[0]}: a statement is no copy of itself",
                                     param_hint="--not-duplicate")  # fmt: skip
        with _open(db, existing=True) as store:
            for a, b in pairs:
                try:
                    store.mark_not_duplicate(a, b)
                except TrackerError as exc:
                    raise click.ClickException(shown(exc)) from exc
                click.echo(f"marked {a} and {b} as different speeches", err=True)
        return
    with _open(db, readonly=True) as store:
        table = duplicates_table(store)
    _write_or_print(table, output)
    click.echo(f"{table['group'].nunique() if len(table) else 0} speeches stored more than once",
               err=True)  # fmt: skip


# -- match -----------------------------------------------------------------------------------
@cli.command()
@db_option
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Codebook file (default: the database's active codebook).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: 2).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def match(db, codebook, workers, quiet):
    """Re-match every stored statement (after a codebook change), without re-ingesting."""
    from tracker.rematch import rematch

    with _open(db, existing=True) as store:
        bar = tqdm(total=store.count_statements(), unit="statement", disable=quiet or None,
                   file=sys.stderr, leave=False, desc="match")  # fmt: skip
        try:
            book, written = rematch(store, codebook, workers=workers, progress=bar.update)
        except TrackerError as exc:
            raise click.ClickException(shown(exc)) from exc
        except KeyboardInterrupt:  # Ctrl-C or kill: say what state it leaves before "Aborted!"
            bar.close()
            click.echo(f"interrupted: the re-match is unfinished: some statements of {_db(db)} "
                       "are coded with the new codebook, the rest with the one before (the "
                       "dashboard, exports and validate say so and refuse figures); run the same "
                       "command again to finish it", err=True)  # fmt: skip
            raise
        finally:
            bar.close()
    click.echo(f"{written} match{'' if written == 1 else 'es'} with codebook {book.name} "
               f"({book.version})", err=True)  # fmt: skip


def _refuse_mixed_coding(db: Path | None) -> None:
    """No coding figures from a database whose statements two codebooks coded."""
    from tracker.query import QueryError, unfinished_recoding

    try:
        problem = unfinished_recoding(_db(db)) if _db(db).exists() else None
    except QueryError:
        return  # not a readable database: opening it says so, as before
    if problem:
        raise click.ClickException(f"{shown(_db(db))}: {problem}")


# -- export ----------------------------------------------------------------------------------
@cli.group()
def export():
    """Export coded data."""


@export.command("coding")
@db_option
@click.option("-o", "--output", required=True, type=OutputFile(tables=True),
              help="CSV or .xlsx file to write.")
@click.option("--all", "all_pairs", is_flag=True,
              help="Every statement and theme, zeros included.")
@click.option("--include-duplicates", is_flag=True, help="Count copies of a speech too.")
def export_coding(db, output, all_pairs, include_duplicates):
    """One row per statement and theme with at least one match (or all, with --all)."""
    from tracker.codebook import codebook_from_text
    from tracker.coding import coding_table

    _refuse_mixed_coding(db)
    with _open(db, readonly=True) as store:
        active = store.active_codebook()
        if active is None:
            raise click.ClickException(f"{_db(db)} has no codebook yet: run `tracker ingest`")
        themes = [t.id for t in codebook_from_text(active.text, path=active.path).themes]
        table = coding_table(store, themes=themes, all_pairs=all_pairs,
                             include_duplicates=include_duplicates)  # fmt: skip
    save_table(table, output)
    click.echo(f"{len(table)} rows to {output} (codebook {active.version})", err=True)


# -- validate --------------------------------------------------------------------------------
@cli.command()
@click.option("--gold", "golds", required=True, multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Hand-coded labels: TSV with file, theme, present (and evidence); repeat "
                   "for several gold files, each reported on its own.")
@db_option
@click.option("--second-coder", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A second coder's labels: report agreement with --gold instead.")
@click.option("--bootstrap", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Bootstrap resamples for the 95% intervals.")
def validate(golds, db, second_coder, bootstrap):
    """Precision, recall and F1 of the stored coding against hand-coded labels."""
    if len(golds) == 1:
        _validate_one(golds[0], db, second_coder, bootstrap)
        return
    if not second_coder:  # a database problem is said once, not blamed on every gold file
        try:
            _refuse_mixed_coding(db)
            with _open(db, readonly=True):
                pass
        except TrackerError as exc:
            raise click.ClickException(shown(exc)) from exc
    failed = []
    for number, gold in enumerate(golds):
        click.echo(("\n" if number else "") + f"== {shown(gold)}")
        try:  # each file is reported on its own: one bad file does not hide the others
            _validate_one(gold, db, second_coder, bootstrap)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            failed.append(gold)
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(golds)} gold files could not be "
                                   f"scored: {', '.join(shown(g) for g in failed)}")  # fmt: skip


def _validate_one(gold, db, second_coder, bootstrap):
    from tracker.coding import themes_not_in_codebook, validate_coding
    from tracker.validate import agreement, load_gold

    try:
        if second_coder:
            result = agreement(load_gold(gold), load_gold(second_coder))
            for key, value in result.items():
                click.echo(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
            return
        _refuse_mixed_coding(db)
        with _open(db, readonly=True) as store:
            active = store.active_codebook()
            report = validate_coding(store, gold, n_boot=bootstrap)
    except TrackerError as exc:
        raise click.ClickException(shown(exc)) from exc
    click.echo(f"codebook {shown(active.name)} ({active.version}); {report.statements} gold "
               "statements")  # fmt: skip
    missing = themes_not_in_codebook(db=_db(db), gold_path=gold)
    if missing:
        click.echo(f"warning: the gold names theme(s) the codebook does not have, each positive "
                   f"of them counted as a miss: {', '.join(shown(t) for t in missing)}", err=True)  # fmt: skip
    click.echo("\n".join(shown(line) for line in report.format().splitlines()))
    _validate_by_kind(db, gold, bootstrap)


def _validate_by_kind(db, gold, bootstrap: int) -> None:
    """Micro figures per match kind, and with and without the semantic matcher."""
    from tracker.accuracy import BY_KIND_BOOT, by_kind, stored_matches
    from tracker.validate import load_gold

    labels = load_gold(gold)
    with _open(db, readonly=True) as store:
        matches = stored_matches(store, labels)
    click.echo("\nby match kind (a theme counts when a counted match of these kinds is present)")
    click.echo(by_kind(matches, labels, n_boot=min(bootstrap, BY_KIND_BOOT)))


from tracker import cli_coding  # noqa: E402,F401  (registers semantic, suggest)
from tracker import cli_workbench  # noqa: E402,F401  (registers sample, labels, gold)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # `kill` (SIGTERM) stops a command as Ctrl-C does: the open transaction rolls back, the
    # worker processes stop, and Click says "Aborted!" (exit 1), instead of a silent death
    signal.signal(signal.SIGTERM, _interrupt)
    cli()


if __name__ == "__main__":
    # run as `python -m tracker.cli`, this file is the module __main__, and the command groups of
    # cli_coding and cli_workbench registered themselves on tracker.cli's own `cli` (semantic,
    # suggest, sample and gold were missing): run that one
    from tracker.cli import main as registered_main

    registered_main()
