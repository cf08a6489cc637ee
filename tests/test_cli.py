"""The `tracker` command line, through click's CliRunner on real files and a real database."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile

import pandas as pd
import pytest
from click.testing import CliRunner

from tracker.cli import cli

SEED = "seed/2024-06-20_china_fu-cong_unsc-cybersecurity.txt"


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def edit_codebook(text: str) -> str:
    """A real edit (another name), so the codebook's version changes."""
    return text.replace("name:", "name: edited", 1)


def all_commands(group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if hasattr(command, "commands"):
            yield from all_commands(command, prefix + (name,))


def test_every_command_has_help_text():
    for path, command in all_commands(cli):
        assert command.help, f"tracker {' '.join(path)} has no help text"
        assert run(*path, "--help").output.startswith("Usage:")


def test_ingest_reports_failures_by_file_and_exits_non_zero(corpus, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(corpus / "unga79" / "text" / "at_en.txt", folder)
    (folder / "empty.txt").write_text("")
    db = tmp_path / "t.db"
    result = run("ingest", folder, "--db", db, "--quiet", ok=False)
    assert result.exit_code == 1
    assert "failed: empty.txt:" in result.output
    assert "1 stored, 0 already stored, 0 skipped, 1 failed" in result.output


def test_ingest_and_match_refuse_another_programs_database_as_db(corpus, tmp_path):
    """`--db` naming another program's SQLite file: a clear error naming it, exit 1, and the
    file as it was (the tracker's tables were added to it)."""
    from db_support import another_programs_db

    other = another_programs_db(tmp_path / "zotero.sqlite", "items", "a paper")
    before = other.read_bytes()
    # the two read commands printed a traceback ("no such table: statements")
    for args in (["ingest", corpus / "unga79" / "text" / "at_en.txt", "--quiet"],
                 ["match", "--quiet"], ["statements"], ["duplicates"]):  # fmt: skip
        result = run(*args, "--db", other, ok=False)
        assert result.exit_code == 1, result.output
        assert f"{other} is not a position-tracker database: it holds other tables (items)" in (
            " ".join(result.output.split())), result.output
        assert "Traceback" not in result.output
        assert other.read_bytes() == before


def test_a_library_error_no_command_caught_is_one_line_not_a_traceback(corpus, tmp_path,
                                                                       monkeypatch):  # fmt: skip
    """Any library error a command does not turn into a message itself (a query failing on a
    damaged database, here injected) ends as `Error: ...`, exit 1."""
    import tracker.coding
    from tracker.query import QueryError

    db = tmp_path / "t.db"
    run("ingest", corpus / "unga79" / "text" / "at_en.txt", "--db", db, "--quiet")

    def fails(store):
        raise QueryError(f"cannot read database {db}: database disk image is malformed")

    monkeypatch.setattr(tracker.coding, "statements_table", fails)
    result = run("statements", "--db", db, ok=False)  # catch_exceptions=False: raised here
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot read database {db}: database disk image " \
        "is malformed"  # fmt: skip


def test_a_truncated_pdf_is_a_failure_by_name_not_a_silent_partial_statement(corpus, tmp_path):
    """QA ran this and got exit status 0, no warning, and 450 of the speech's 1,224 words."""
    folder = tmp_path / "dl1"
    folder.mkdir()
    data = (corpus / "unga79" / "pdf" / "ge_en.pdf").read_bytes()
    (folder / "ge_en.pdf").write_bytes(data[: len(data) * 6 // 10])
    result = run("ingest", folder, "--db", tmp_path / "t.db", "--quiet", ok=False)
    assert result.exit_code == 1
    assert ("failed: ge_en.pdf: corrupt PDF: pages 2-5 of 5 missing or incomplete "
            "(truncated or damaged" in result.output), result.output  # fmt: skip
    assert "0 stored, 0 already stored, 0 skipped, 1 failed" in result.output


def test_an_empty_folder_or_archive_is_named_as_skipped(corpus, tmp_path):
    """An empty folder or zip in a batch ended the run "0 stored" (or was not mentioned at all
    beside other files) with no word on why: each is now named as skipped."""
    (tmp_path / "nothing").mkdir()
    with zipfile.ZipFile(tmp_path / "empty.zip", "w"):
        pass
    db = tmp_path / "t.db"
    result = run("ingest", tmp_path / "nothing", tmp_path / "empty.zip",
                 corpus / "unga79" / "text" / "at_en.txt", "--db", db, "--quiet")  # fmt: skip
    assert f"skipped: {tmp_path / 'nothing'}: empty folder: no files in it" in result.output
    assert "skipped: empty.zip: empty archive: no files in it" in result.output
    assert "1 stored, 0 already stored, 2 skipped, 0 failed" in result.output


def test_ingest_warns_of_manifest_mistakes_and_reads_neither_it_nor_its_database(corpus, tmp_path):
    """A researcher's folder holding the speeches, their manifest (not named manifest.csv) and
    the database being filled: the misspelt row and the unknown column are warned of (their
    files silently fell back to guessed metadata), the manifest and the database's files are
    skipped (the database's journal files had failed as binary "statements")."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("ke_en.txt", "jp_en.txt"):
        shutil.copy(corpus / "unga79" / "text" / name, folder)
    (folder / "meta.csv").write_text(
        "file,country,date,iso3\nke-en.txt,KEN,2019-09-25,KEN\njp_en.txt,JPN,2024-09-24,JPN\n",
        encoding="utf-8")  # fmt: skip
    db = folder / "t.db"
    run("ingest", folder / "ke_en.txt", "--db", db, "--quiet")  # the database is in the folder
    result = run("ingest", folder, "--manifest", folder / "meta.csv", "--db", db, "--quiet")
    out = result.output
    assert "column(s) 'iso3' ignored" in out
    assert "1 row(s) name a file that does not exist (line 2: ke-en.txt)" in out
    assert "skipped: meta.csv: not a statement: the manifest" in out
    assert "skipped: t.db: not a statement: a SQLite database" in out
    assert "failed" not in out.replace("0 failed", "")
    assert "1 stored, 1 already stored" in out


def test_a_manifest_error_stops_the_ingest_before_any_database_is_made(corpus, tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,country,title\nat_en.txt,AUT,Speech, Vienna\n", encoding="utf-8")
    db = tmp_path / "new.db"
    result = run("ingest", corpus / "unga79" / "text" / "at_en.txt", "--manifest", manifest,
                 "--db", db, "--quiet", ok=False)  # fmt: skip
    assert result.exit_code == 1 and "line 2: 4 cells but the header has 3 columns" in result.output
    assert not db.exists() and not list(tmp_path.glob("new.db*"))


def test_ingest_statements_export_and_match(corpus, tmp_path):
    db = tmp_path / "t.db"
    run("ingest", corpus / SEED, corpus / "unga79" / "text" / "sg_en.txt",
        corpus / "unga79" / "text" / "sn_fr.txt", "--manifest", corpus / "manifest.csv",
        "--db", db, "--quiet")  # fmt: skip
    result = run("statements", "--db", db)
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "3 statements; 0 without a known country, 0 without a date" in result.stderr
    assert {"source", "country", "date", "forum", "meeting", "speaker", "language", "words",
            "duplicate_of", "similarity"} <= set(table[0])  # fmt: skip
    assert {r["source"]: r["country"] for r in table} == {
        "2024-06-20_china_fu-cong_unsc-cybersecurity.txt": "CHN", "sg_en.txt": "SGP",
        "sn_fr.txt": "SEN"}  # fmt: skip

    coding = tmp_path / "coding.csv"
    run("export", "coding", "--db", db, "-o", coding)
    rows = list(csv.DictReader(coding.open()))
    assert list(rows[0])[:8] == ["source", "country", "date", "forum", "theme", "matches",
                                 "rate_per_1000_words", "codebook_version"]  # fmt: skip
    seed_themes = {r["theme"] for r in rows if r["country"] == "CHN"}
    assert {"militarization", "digital_divide", "un_main_channel"} <= seed_themes
    assert all(int(r["matches"]) > 0 for r in rows)
    everything = tmp_path / "all.xlsx"
    run("export", "coding", "--db", db, "-o", everything, "--all")
    import pandas as pd

    full = pd.read_excel(everything)
    assert len(full) == 3 * full["theme"].nunique() and (full["matches"] == 0).any()

    edited = tmp_path / "codebook.yaml"
    from tracker.codebook import DEFAULT_CODEBOOK

    edited.write_text(edit_codebook(DEFAULT_CODEBOOK.read_text()))
    result = run("match", "--db", db, "--codebook", edited, "--quiet")
    assert "matches with codebook" in result.output
    run("export", "coding", "--db", db, "-o", coding)
    versions = {r["codebook_version"] for r in csv.DictReader(coding.open())}
    from tracker.codebook import load_codebook

    assert versions == {load_codebook(edited).version}


def test_ingest_refuses_a_second_codebook_on_a_filled_database(corpus, tmp_path):
    db = tmp_path / "t.db"
    run("ingest", corpus / SEED, "--db", db, "--quiet")
    from tracker.codebook import DEFAULT_CODEBOOK

    other = tmp_path / "other.yaml"
    other.write_text(edit_codebook(DEFAULT_CODEBOOK.read_text()))
    result = run("ingest", corpus / "unga79" / "text" / "sg_en.txt", "--db", db,
                 "--codebook", other, "--quiet", ok=False)  # fmt: skip
    assert result.exit_code == 1 and "tracker match --codebook" in result.output
    # the printed command names this database (without --db it re-coded ./db/tracker.db)
    assert f"--db {db}" in " ".join(result.output.split())


def test_a_printed_re_code_command_pastes_whole_with_a_space_in_a_path(corpus, tmp_path):
    """A folder named "my data": the command the refusal prints was cut at the space."""
    import re
    import shlex

    db = tmp_path / "my data" / "t.db"
    db.parent.mkdir()
    run("ingest", corpus / SEED, "--db", db, "--quiet")
    from tracker.codebook import DEFAULT_CODEBOOK

    other = tmp_path / "my data" / "other.yaml"
    other.write_text(edit_codebook(DEFAULT_CODEBOOK.read_text()))
    result = run("ingest", corpus / "unga79" / "text" / "sg_en.txt", "--db", db,
                 "--codebook", other, "--quiet", ok=False)  # fmt: skip
    command = re.search(r"`(tracker match [^`]*)`", " ".join(result.output.split()))
    assert command, result.output
    assert shlex.split(command.group(1))[2:] == ["--codebook", str(other), "--db", str(db)]


def test_validate_names_missing_gold_files(corpus, tmp_path):
    db = tmp_path / "t.db"
    run("ingest", corpus / SEED, "--db", db, "--quiet")
    result = run("validate", "--gold", corpus / "gold" / "dev.tsv", "--db", db, ok=False)
    assert result.exit_code == 1 and "not in" in result.output and "at_en.txt" in result.output
    assert "dev.tsv" in result.output  # the message names the gold file, not only the database
    # with several gold files, a bad one is named and the others are still reported
    stored = next(csv.DictReader(io.StringIO(run("statements", "--db", db).stdout)))["source"]
    good = tmp_path / "good.tsv"
    good.write_text(f"file\ttheme\tpresent\n{stored.rsplit('/', 1)[-1]}\tmilitarization\t0\n")
    result = run("validate", "--gold", corpus / "gold" / "dev.tsv", "--gold", good, "--db", db,
                 "--bootstrap", "20", ok=False)  # fmt: skip
    assert result.exit_code == 1, result.output
    assert f"== {good}" in result.output and "micro" in result.output
    assert "1 of 2 gold files could not be scored" in result.output
    # a database problem is said once, not blamed on each gold file
    result = run("validate", "--gold", good, "--gold", good, "--db", tmp_path / "none.db", ok=False)
    assert result.exit_code == 1 and "could not be scored" not in result.output
    assert result.output.count("none.db") == 1, result.output


@pytest.mark.slow
def test_validate_on_dev_gold_meets_the_targets(corpus, tmp_path):
    db = tmp_path / "t.db"
    gold_files = {line.split("\t")[0] for line in (corpus / "gold" / "dev.tsv").read_text()
                  .splitlines()[1:]}  # fmt: skip
    paths = [p for p in (corpus / "unga79" / "text").glob("*.txt") if p.name in gold_files]
    run("ingest", corpus / SEED, *paths, "--manifest", corpus / "manifest.csv", "--db", db,
        "--quiet")  # fmt: skip
    out = run("validate", "--gold", corpus / "gold" / "dev.tsv", "--db", db,
              "--bootstrap", "200").output  # fmt: skip
    assert "micro" in out.lower()
    import re

    micro = float(re.search(r"micro[^\n]*?F1[^0-9]*([0-9.]+)", out, re.I | re.S).group(1))
    assert micro >= 0.90, out


def test_duplicates_listed_and_a_pair_marked_different_stays_so(corpus, tmp_path):
    db = tmp_path / "t.db"
    au = corpus / "unga79" / "text" / "au_en.txt"
    au_pdf = corpus / "unga79" / "pdf" / "au_en.pdf"
    run("ingest", au, au_pdf, "--manifest", corpus / "manifest.csv", "--db", db, "--quiet")
    table = list(csv.DictReader(io.StringIO(run("duplicates", "--db", db).stdout)))
    # a delegation's PDF and its text are of one rank: the first stored is canonical
    assert [(r["role"], r["source"]) for r in table] == [("canonical", "au_en.txt"),
                                                          ("copy", "au_en.pdf")]  # fmt: skip
    assert float(table[1]["similarity"]) > 0.9
    canonical, copy = table[0]["id"], table[1]["id"]
    listed = list(csv.DictReader(io.StringIO(run("statements", "--db", db).stdout)))
    assert [r["duplicate_of"] for r in listed] == ["", canonical]  # an id, not "1.0"
    result = run("duplicates", "--db", db, "--not-duplicate", copy, copy, ok=False)
    assert result.exit_code == 2 and "a statement is no copy of itself" in result.output
    run("duplicates", "--db", db, "--not-duplicate", copy, canonical)
    assert run("duplicates", "--db", db).stdout.strip().count("\n") == 0  # header only
    # the mark is kept by content: re-ingesting does not link them again
    run("ingest", au, au_pdf, "--manifest", corpus / "manifest.csv", "--db", db, "--quiet")
    statements = list(csv.DictReader(io.StringIO(run("statements", "--db", db).stdout)))
    assert all(r["duplicate_of"] == "" for r in statements)
    result = run("duplicates", "--db", db, "--not-duplicate", "999", canonical, ok=False)
    assert result.exit_code == 1 and "no statement with id 999" in result.output


def test_batch_size_refuses_zero_and_stores_every_statement_over_several_batches(corpus, tmp_path):
    """(That each batch is one transaction, seen from a reader, is tests/test_faults.py's.)"""
    import sqlite3

    db = tmp_path / "t.db"
    bad = run("ingest", corpus / SEED, "--db", db, "--batch-size", "0", ok=False)
    assert bad.exit_code == 2 and "--batch-size" in bad.output and "0" in bad.output
    assert not db.exists()  # refused before anything was opened or written
    texts = sorted((corpus / "unga79" / "text").glob("*_en.txt"))[:5]
    run("ingest", *texts, "--db", db, "--batch-size", "2", "--quiet")
    with sqlite3.connect(db) as conn:
        stored = {r[0] for r in conn.execute("SELECT source FROM statements")}
    assert stored == {t.name for t in texts}


def test_statement_and_duplicate_lists_say_which_tool_version_made_them(corpus, tmp_path):
    """Every export carries the tool version (reproducibility): `statements -o` and
    `duplicates -o` had none, though their flags and duplicate groups depend on the tool."""
    import tracker

    db = tmp_path / "t.db"
    run("ingest", corpus / "unga79" / "text" / "au_en.txt", corpus / "unga79" / "pdf" / "au_en.pdf",
        "--manifest", corpus / "manifest.csv", "--db", db, "--quiet")  # fmt: skip
    for command in ("statements", "duplicates"):
        out = tmp_path / f"{command}.csv"
        run(command, "--db", db, "-o", out)
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
        assert rows, command
        assert {r["tool_version"] for r in rows} == {tracker.__version__}, command


def test_an_output_that_cannot_be_written_is_refused_before_any_work(corpus, tmp_path):
    """-o in a folder that does not exist: a usage error naming it, for every command that
    writes a file, before the work (training a model used to end in a traceback)."""
    db = tmp_path / "t.db"
    run("ingest", corpus / "unga79" / "text" / "at_en.txt", "--db", db, "--quiet")
    target = tmp_path / "nowhere" / "out"
    commands = [
        ("statements", "--db", db, "-o", f"{target}.csv"),
        ("duplicates", "--db", db, "-o", f"{target}.csv"),
        ("export", "coding", "--db", db, "-o", f"{target}.csv"),
        ("gold", "export", "--db", db, "-o", f"{target}.tsv"),
        ("semantic", "vectors", "--db", db, "-o", f"{target}.npz"),
        ("semantic", "train", "--gold", corpus / "gold" / "dev.tsv", "--gold-db", db,
         "-o", f"{target}.json"),
    ]  # fmt: skip
    for args in commands:
        result = run(*args, ok=False)
        assert result.exit_code == 2, (args, result.output)
        assert f"the folder {target.parent} does not exist" in result.output, args
        assert "Traceback" not in result.output
    assert not target.parent.exists()


def test_a_table_named_neither_csv_nor_xlsx_is_written_as_csv_with_a_warning(corpus, tmp_path):
    db = tmp_path / "t.db"
    run("ingest", corpus / "unga79" / "text" / "at_en.txt", "--db", db, "--quiet")
    result = run("export", "coding", "--db", db, "-o", tmp_path / "coding.json")
    assert "coding.json is written as CSV" in result.output
    assert next(csv.reader(open(tmp_path / "coding.json")))[:3] == ["source", "country", "date"]


def test_an_interrupted_match_says_what_it_leaves_and_a_rerun_finishes_it(corpus, tmp_path,
                                                                         monkeypatch):
    """Ctrl-C during `tracker match` printed only Click's "Aborted!", though the database is
    then coded by two codebooks until the command is run again."""
    import tracker.rematch
    from tracker.codebook import DEFAULT_CODEBOOK, load_codebook

    db = tmp_path / "t.db"
    run("ingest", *(corpus / "unga79" / "text" / f"{c}_en.txt" for c in ("sg", "ke", "jp")),
        "--db", db, "--quiet")  # fmt: skip
    edited = tmp_path / "codebook.yaml"
    edited.write_text(edit_codebook(DEFAULT_CODEBOOK.read_text(encoding="utf-8")),
                      encoding="utf-8")  # fmt: skip
    write = tracker.rematch._write

    def write_then_interrupt(*args, **kwargs):
        write(*args, **kwargs)  # the batch is stored, as under a real Ctrl-C after it
        raise KeyboardInterrupt

    monkeypatch.setattr(tracker.rematch, "_write", write_then_interrupt)
    result = run("match", "--db", db, "--codebook", edited, "--workers", "1", "--quiet", ok=False)
    assert result.exit_code == 1
    assert "interrupted: the re-match is unfinished" in result.output
    assert "run the same command again to finish it" in result.output
    monkeypatch.setattr(tracker.rematch, "_write", write)
    result = run("match", "--db", db, "--codebook", edited, "--workers", "1", "--quiet")
    assert f"({load_codebook(edited).version})" in result.output


def test_a_mistyped_database_is_not_created_by_match_or_marking_duplicates(tmp_path):
    for args in (("match",), ("duplicates", "--not-duplicate", "1", "2")):
        result = run(*args, "--db", tmp_path / "typo.db", ok=False)
        assert result.exit_code == 1
        assert f"no database at {tmp_path / 'typo.db'}" in result.output
    assert not (tmp_path / "typo.db").exists()


def test_a_mistyped_database_is_not_created_by_the_workbench_commands(corpus, tmp_path):
    """`tracker gold import` with a mistyped --db created a full database (every table) and
    then said the gold's 41 files were "not in" it; like every command but ingest, each
    workbench command now says there is no database there and leaves no file behind."""
    typo = tmp_path / "typo.db"
    gold = corpus / "gold" / "dev.tsv"
    for args in (("gold", "import", gold), ("gold", "import", gold, "--name", "dev"),
                 ("sample", "draw", "--size", "2"), ("sample", "list"), ("labels", "list"),
                 ("labels", "remove", "--sample", "1", "--coder", "x", "--yes"),
                 ("gold", "export", "-o", tmp_path / "gold.tsv")):  # fmt: skip
        result = run(*args, "--db", typo, ok=False)
        assert result.exit_code == 1, (args, result.output)
        assert f"no database at {typo}: " in result.output and "tracker ingest" in result.output
        assert "not in" not in result.output, args
        assert list(tmp_path.iterdir()) == [], (args, list(tmp_path.iterdir()))


def test_the_workbench_writers_refuse_a_missing_database(corpus, tmp_path):
    """The library calls behind `gold import` and `sample draw` (and the dashboard's workbench
    pages) refuse a missing database rather than creating one."""
    from tracker.errors import StoreError, TrackerError
    from tracker.query import Filters
    from tracker.workbench import store as wb
    from tracker.workbench.gold import import_gold
    from tracker.workbench.sample import Design, draw_sample

    typo = tmp_path / "typo.db"
    with pytest.raises(StoreError, match="no database at"):
        import_gold(typo, corpus / "gold" / "dev.tsv")
    with pytest.raises(TrackerError, match="no database at"):
        draw_sample(typo, Filters(), Design(size=2))
    with pytest.raises(StoreError, match="no database at"):
        with wb.open_store(typo):
            pass
    assert list(tmp_path.iterdir()) == []


def test_metadata_given_but_not_understood_is_said_so(corpus, tmp_path):
    """A --date that is no date is refused; a country the tool does not know is stored as written
    with a warning and a flag line; a bad date in a manifest row gets a flag line too (it used
    to be dropped without a word)."""
    speech = corpus / "unga79" / "text" / "at_en.txt"
    db = tmp_path / "t.db"
    result = run("ingest", speech, "--db", db, "--date", "2024-13-45", "--quiet", ok=False)
    assert result.exit_code == 2
    assert "'2024-13-45' is not a date" in result.output and not db.exists()
    result = run("ingest", speech, "--db", db, "--date", "2024-09-00", "--quiet", ok=False)
    assert "'2024-09-00' is not a date" in result.output and not db.exists()
    result = run("ingest", speech, "--db", db, "--country", "Narnia", "--quiet")
    assert "--country 'Narnia' is no country name or ISO code" in result.output
    assert "flagged: at_en.txt: unresolved_country" in result.output
    folder = tmp_path / "m"
    folder.mkdir()
    shutil.copy(corpus / "unga79" / "text" / "gh_en.txt", folder)
    (folder / "manifest.csv").write_text("file,country,date\ngh_en.txt,GHA,2024-09-45\n")
    result = run("ingest", folder / "gh_en.txt", "--manifest", folder / "manifest.csv",
                 "--db", db, "--quiet")  # fmt: skip
    assert "flagged: gh_en.txt: unparsed_date" in result.output
    shutil.copy(corpus / "unga79" / "text" / "be_en.txt", folder)  # a zero month: no date either
    (folder / "manifest.csv").write_text("file,country,date\nbe_en.txt,BEL,2024-00\n")
    result = run("ingest", folder / "be_en.txt", "--manifest", folder / "manifest.csv",
                 "--db", db, "--quiet")  # fmt: skip
    assert "flagged: be_en.txt: unparsed_date" in result.output


def test_a_manifest_that_names_no_file_of_the_ingest_is_warned_of(corpus, tmp_path):
    """The manifest's `file` paths are relative to its folder: one written for another folder
    applies to nothing, and the ingest says so instead of storing no metadata silently."""
    (tmp_path / "files").mkdir()
    shutil.copy(corpus / "unga79" / "text" / "gh_en.txt", tmp_path / "files")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,country,date\ngh_en.txt,GHA,2024-09-24\n")
    db = tmp_path / "t.db"
    result = run("ingest", tmp_path / "files", "--manifest", manifest, "--db", db, "--quiet")
    assert f"warning: {manifest}: none of its rows names a file of this ingest" in result.output
    manifest.write_text("file,country,date\nfiles/gh_en.txt,GHA,2024-09-24\n")
    result = run("ingest", tmp_path / "files", "--manifest", manifest, "--db", tmp_path / "u.db",
                 "--quiet")  # fmt: skip
    assert "none of its rows" not in result.output


@pytest.mark.parametrize(("args", "says"), [
    (("ingest", "X", "--column", "cuntry=member"), "'cuntry' is no metadata field"),
    (("ingest", "X", "--workers", "0"), "0 is not in the range x>=1"),
    (("match", "--workers", "-1"), "-1 is not in the range x>=1"),
    (("suggest", "--theme", "digital_divide", "--limit", "-3"), "-3 is not in the range x>=1"),
])  # fmt: skip
def test_options_out_of_their_range_are_usage_errors(corpus, tmp_path, args, says):
    """They used to be taken: an unknown --column field ignored, --limit -3 listing every
    passage, --workers -1 passed on."""
    speech = str(corpus / "unga79" / "text" / "at_en.txt")
    result = run(*[speech if a == "X" else a for a in args], "--db", tmp_path / "t.db", ok=False)
    assert result.exit_code == 2 and says in result.output, result.output


def test_a_missing_path_fails_by_name_and_the_rest_of_the_batch_is_stored(corpus, tmp_path):
    """A mistyped path among several used to stop the whole command before anything was read."""
    db = tmp_path / "t.db"
    result = run("ingest", tmp_path / "nowhere.txt", corpus / "unga79" / "text" / "at_en.txt",
                 "--db", db, "--quiet", ok=False)  # fmt: skip
    assert result.exit_code == 1
    assert f"failed: {tmp_path / 'nowhere.txt'}: no such file or folder" in result.output
    assert "1 stored, 0 already stored, 0 skipped, 1 failed" in result.output
    # only missing paths: an error, and no database made from a mistyped path
    result = run("ingest", tmp_path / "nowhere.txt", "--db", tmp_path / "u.db", "--quiet", ok=False)
    assert result.exit_code == 1 and "no such file or folder" in result.output
    assert not (tmp_path / "u.db").exists()


def test_an_export_that_cannot_be_finished_leaves_the_older_file_as_it_was(corpus, tmp_path):
    """A full disk (here: a 64 KB filesystem) stops an export midway: no half table is left,
    the file written before is whole, and the message names the file."""
    import subprocess

    db = tmp_path / "t.db"
    # the 2024 speeches as text (the Arabic OCR among them fails, by name: not needed here)
    run("ingest", corpus / "unga79" / "text", "--manifest", corpus / "manifest.csv", "--db", db,
        "--quiet", ok=False)  # fmt: skip
    small = tmp_path / "small"
    small.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)],
                       check=True, capture_output=True)  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a small filesystem here (needs root): {exc}")
    try:
        out = small / "coding.csv"
        out.write_text("source,theme\nolder,export\n")
        result = run("export", "coding", "--db", db, "--all", "-o", out, ok=False)
        assert result.exit_code == 1 and f"cannot write {out}" in result.output, result.output
        assert out.read_text() == "source,theme\nolder,export\n"
        assert [p.name for p in small.iterdir()] == ["coding.csv"]  # no temporary file left
    finally:
        subprocess.run(["umount", str(small)], check=False)


def test_python_m_runs_the_same_command_with_every_group():
    """`python -m tracker.cli` (and `python -m tracker`) offer every command of `tracker`: run
    as __main__, cli.py's own `cli` lacked the groups other modules register (semantic,
    suggest, sample, gold)."""
    import subprocess
    import sys

    from tracker.cli import cli

    def listed(out: str) -> set[str]:
        body = out.split("Commands:", 1)[1]
        return {line.split()[0] for line in body.splitlines() if line.startswith("  ")}

    expected = set(cli.commands)
    assert {"semantic", "suggest", "sample", "gold", "ingest"} <= expected
    for module in ("tracker.cli", "tracker"):
        done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                              text=True, timeout=120, check=True)  # fmt: skip
        assert listed(done.stdout) == expected, module


def test_a_priority_keyword_no_statement_has_is_warned_about(corpus, tmp_path):
    """--priority keywords are matched inside each statement's source_kind: one found in none
    (and in none of the default's words) is most likely mistyped, and silently ranked nothing."""
    texts = sorted((corpus / "unga79" / "text").glob("*.txt"))[:2]
    db = tmp_path / "t.db"
    result = run("ingest", *texts, "--db", db, "--source-kind", "delegation text", "--quiet",
                 "--priority", "delegaton,un record,delegation")  # fmt: skip
    warning = [line for line in result.output.splitlines() if line.startswith("warning: --priority")]
    assert len(warning) == 1 and "'delegaton'" in warning[0], result.output
    assert "'un record'" not in warning[0] and "'delegation'" not in warning[0]
    quiet = run("ingest", *texts, "--db", tmp_path / "u.db", "--quiet", "--source-kind",
                "delegation text", "--priority", "delegation,un record")  # fmt: skip
    assert "warning: --priority" not in quiet.output


def test_export_coding_writes_years_as_whole_numbers_even_beside_an_undated_statement(corpus,
                                                                                      tmp_path):
    """A caption file has no date: with it in the database the year column came out as 2024.0
    (a fresh-install check); it is 2024, and empty for the undated statement."""
    db = tmp_path / "t.db"
    caption = next((corpus / "unga78-captions").glob("*.json"))
    text = sorted((corpus / "unga79" / "text").glob("*_en.txt"))[0]
    run("ingest", text, "--manifest", corpus / "manifest.csv", "--db", db, "--quiet")
    run("ingest", caption, "--db", db, "--quiet")  # no manifest: no date
    out = tmp_path / "c.csv"
    run("export", "coding", "--db", db, "--all", "-o", out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    years = {r["source"]: r["year"] for r in rows}
    assert years[text.name].isdigit() and len(years[text.name]) == 4, years
    assert years[caption.name] == "" and "." not in "".join(years.values())


def test_a_gold_file_name_two_statements_share_is_refused(corpus, tmp_path):
    """Albania's speech at a/x.txt and Kenya's at b/x.txt: a gold row for x.txt was scored
    against both speeches' themes together by `validate` (false positives from the other one)
    and attached to the first only by `gold import`, so the two gave different figures."""
    for folder, code in (("a", "al"), ("b", "ke")):
        (tmp_path / "same" / folder).mkdir(parents=True)
        shutil.copy(corpus / "unga79" / "text" / f"{code}_en.txt", tmp_path / "same" / folder / "x.txt")
    db = tmp_path / "t.db"
    run("ingest", tmp_path / "same", "--db", db, "--quiet")
    gold = tmp_path / "gold.tsv"
    gold.write_text("file\ttheme\tpresent\tevidence\nx.txt\tun_main_channel\t0\t\n",
                    encoding="utf-8")  # fmt: skip
    for args in (("validate", "--gold", gold), ("gold", "import", gold)):
        result = run(*args, "--db", db, ok=False)
        assert result.exit_code == 1, result.output
        assert "name more than one" in result.output and "x.txt" in result.output
        assert "rename the files" in result.output
    assert run("sample", "list", "--db", db).output.count("imported") == 0


def test_a_language_no_codebook_covers_is_said_at_ingest_and_in_the_export(corpus, tmp_path):
    """`--language xx` (a slip for en) stored Japan's speech uncoded with nothing said, and
    `export coding --all` wrote its zeros like real ones (the dashboard leaves such statements
    out of every share): warned, flagged after the ingest, and marked in the export."""
    db = tmp_path / "t.db"
    out = run("ingest", corpus / "unga79" / "text" / "jp_en.txt", "--language", "xx", "--db", db,
              "--quiet").output  # fmt: skip
    assert "warning: --language 'xx' is no language code" in out
    assert "flagged: jp_en.txt:" in out and "language_not_covered" in out
    run("ingest", corpus / "unga79" / "text" / "ke_en.txt", "--db", db, "--quiet")
    run("export", "coding", "--all", "--db", db, "-o", tmp_path / "coding.csv")
    table = pd.read_csv(tmp_path / "coding.csv")
    covered = table.groupby("source")["language_covered"].agg(set).to_dict()
    assert covered == {"jp_en.txt": {0}, "ke_en.txt": {1}}
    assert table.loc[table["source"] == "jp_en.txt", "matches"].eq(0).all()


def test_a_statement_whose_language_is_not_detected_is_stored_as_read_in_english(tmp_path):
    """Too short to tell its language, a statement was coded as English (its digital compact
    match counted) but stored with language '': the export said language_covered 0 ("not
    read") and the dashboard left it out as "unknown". Now stored as read: 'en', its origin
    'default', flagged language_not_detected; the export, the filters and the matches agree."""
    import json
    import sqlite3

    from tracker import query

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "kenya_oewg_2021.txt").write_text("We support the digital compact. Thank you.\n",
                                                encoding="utf-8")  # fmt: skip
    db = tmp_path / "t.db"
    out = run("ingest", folder, "--db", db, "--quiet").output
    assert "flagged: kenya_oewg_2021.txt: language_not_detected" in out, out
    assert "no language detected (read as English)" in out
    with sqlite3.connect(db) as conn:
        language, flags, provenance = conn.execute(
            "SELECT language, flags, provenance FROM statements").fetchone()  # fmt: skip
    assert language == "en" and flags == "language_not_detected"
    assert json.loads(provenance)["language"] == "default"
    run("export", "coding", "--all", "--db", db, "-o", tmp_path / "coding.csv")
    table = pd.read_csv(tmp_path / "coding.csv", keep_default_na=False)
    assert set(table["language"]) == {"en"} and set(table["language_covered"]) == {1}
    present = table[table["matches"] > 0]
    assert list(present["theme"]) == ["global_digital_compact"]
    left = query.left_out(db, query.Filters())  # the dashboard's default languages
    assert (left["selected"], left["language"], left["languages"]) == (1, 0, {})
    totals = query.theme_totals(db, query.Filters()).set_index("theme")
    assert totals.loc["global_digital_compact", "k"] == 1
    assert totals.loc["global_digital_compact", "n"] == 1


def test_a_short_procedural_turn_of_a_record_is_read_and_stored_as_english(corpus, tmp_path):
    """A real record saved without its `_E` language suffix: the President's turn "I thank
    Mr. Griffiths for his briefing. I now give the floor Mr. Rajasingham." is too short for the
    language to be told; it was matched as English but stored with language ''."""
    import sqlite3

    from tracker import query

    record = tmp_path / "S_PV.8704.pdf"
    shutil.copy(corpus / "unsc-records" / "S_PV.8704_E.pdf", record)
    db = tmp_path / "t.db"
    out = run("ingest", record, "--db", db, "--quiet").output
    with sqlite3.connect(db) as conn:
        turn = conn.execute(
            "SELECT s.language, s.flags, t.clean_text FROM statements s JOIN statement_texts t "
            "ON t.statement_id = s.id WHERE s.source = 'S_PV.8704.pdf#3'").fetchone()  # fmt: skip
        assert conn.execute("SELECT COUNT(*) FROM statements WHERE language = ''").fetchone() == (0,)
        total = conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0]
    assert turn[2].startswith("I thank Mr. Griffiths for his briefing.")
    assert turn[0] == "en" and "language_not_detected" in turn[1].split(",")
    assert "flagged: S_PV.8704.pdf#3:" in out
    left = query.left_out(db, query.Filters(include_non_state=True))
    assert left["language"] == 0 and left["selected"] == total


@pytest.mark.parametrize("args", [
    ("sample", "draw", "--size", "2", "--seed", "-1"),  # was numpy's traceback
    ("suggest", "--theme", "militarization", "--sample", "-5"),  # was random.sample's traceback
    ("suggest", "--theme", "militarization", "--sample", "0"),  # listed nothing
    ("validate", "--gold", "GOLD", "--bootstrap", "0"),  # printed "95% CI nan-nan"
    ("ingest", "SPEECH", "--max-bytes", "-1"),  # "over the -1 bytes limit"
])  # fmt: skip
def test_out_of_range_numbers_are_usage_errors_not_tracebacks(corpus, tmp_path, args):
    db = tmp_path / "t.db"
    run("ingest", corpus / "unga79" / "text" / "at_en.txt", "--db", db, "--quiet")
    gold = tmp_path / "gold.tsv"
    gold.write_text("file\ttheme\tpresent\nat_en.txt\tmilitarization\t0\n", encoding="utf-8")
    swap = {"GOLD": str(gold), "SPEECH": str(corpus / "unga79" / "text" / "ke_en.txt")}
    result = run(*[swap.get(a, a) for a in args], "--db", db, ok=False)
    assert result.exit_code == 2 and "is not in the range" in result.output, result.output


def test_the_statements_summary_counts_unresolved_countries_and_dates_as_unknown(corpus, tmp_path):
    """A country given as "Narnia" (kept, flagged unresolved_country) was summed as "0 without
    country"."""
    db = tmp_path / "t.db"
    run("ingest", corpus / "unga79" / "text" / "at_en.txt", "--country", "Narnia", "--db", db,
        "--quiet")  # fmt: skip
    result = run("statements", "--db", db)
    assert "1 statement; 1 without a known country" in result.stderr


def test_export_coding_carries_the_tool_version_and_marks_copies(corpus, tmp_path):
    """The export named its codebook but not the tool that coded it, and with
    --include-duplicates nothing told a copy from its original."""
    import zipfile

    import tracker

    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as zf:
        member = next(n for n in zf.namelist() if n.endswith("AND_79_2024.txt"))
        (tmp_path / "AND_79_2024.txt").write_bytes(zf.read(member))
    db = tmp_path / "t.db"
    run("ingest", tmp_path / "AND_79_2024.txt", corpus / "unga79" / "text" / "ad_fr.txt",
        "--manifest", corpus / "manifest.csv", "--db", db, "--quiet")  # fmt: skip
    out = tmp_path / "all.csv"
    run("export", "coding", "--all", "--include-duplicates", "--db", db, "-o", out)
    table = pd.read_csv(out)
    assert set(table["tool_version"]) == {tracker.__version__}
    per = table.groupby("source")["duplicate_of"].first()
    [copy] = [s for s, d in per.items() if pd.notna(d)]
    original = table.loc[table["source"] != copy, "statement_id"].iloc[0]
    assert int(per[copy]) == original and len(per) == 2


def test_a_seed_beyond_32_bits_still_draws_a_sample(corpus, tmp_path):
    """The range check on --seed must not refuse what worked: numpy draws with any seed >= 0."""
    db = tmp_path / "t.db"
    run("ingest", corpus / "unga79" / "text" / "at_en.txt", "--db", db, "--quiet")
    out = run("sample", "draw", "--size", "1", "--seed", str(2**32), "--db", db).output
    assert f"seed {2**32}" in out


def test_a_date_that_does_not_parse_is_replaced_by_one_found_and_the_listing_says_so(
    corpus, tmp_path
):
    """A manifest's unparseable date ("2024-31-12") was flagged "ignored" while the date read
    from the text was stored in its place, and `tracker statements` then counted the statement
    as having no date (QA)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(corpus / "unga79" / "text" / "ke_en.txt", folder)
    (folder / "meta.csv").write_text("file,country,date\nke_en.txt,Kenya,2024-31-12\n")
    db = tmp_path / "t.db"
    result = run("ingest", folder / "ke_en.txt", "--manifest", folder / "meta.csv", "--db", db)
    listed = run("statements", "--db", db)
    stored = [line for line in listed.stdout.splitlines()[1:] if line.strip()]
    assert len(stored) == 1 and ",2024-" in stored[0]  # a date was found and stored
    assert "1 statement; 0 without a known country, 0 without a date" in listed.stderr
    assert "unparsed_date" in result.output and "found in the file name or the text" in result.output
