"""Issue 14, item 3: no cell of a CSV or XLSX the tool writes starts a spreadsheet formula.

A real speech is ingested under a hostile file name and with hostile metadata; every table
written from it (``tracker statements``, ``tracker export coding``, chart data, Evidence
downloads, the bundle) is read back as a spreadsheet program would read it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tracker import export, query
from tracker.cli import cli
from tracker.coding import FORMULA_STARTS, safe_cell
from tracker.ingest import ingest_paths
from tracker.query import Filters

LINK = '=HYPERLINK("http://evil.example","open")'
HOSTILE = {"forum": LINK, "speaker": "+SUM(1,2)", "title": "@cmd|' /C calc'!A0",
           "meeting": "-2+3+cmd|' /C calc'!A0"}  # fmt: skip
EVERY = Filters(languages=(), include_duplicates=True, include_non_state=True)


@pytest.fixture(scope="module")
def hostile_db(corpus, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("formulas")
    speech = folder / "=1+1 cyber.txt"  # the file name is a cell too (source)
    speech.write_bytes((corpus / "seed" / "2024-06-20_china_fu-cong_unsc-cybersecurity.txt")
                       .read_bytes())  # fmt: skip
    db = folder / "t.db"
    report = ingest_paths([speech], db=db, overrides={"country": "CHN", "date": "2024-06-20",
                                                      **HOSTILE})  # fmt: skip
    assert report.stored == ["=1+1 cyber.txt"]
    return db


def is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def check_csv(data: bytes) -> list[list[str]]:
    """Rows of a CSV file; fails on a text cell a spreadsheet would take for a formula."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    for row in rows:
        for cell in row:
            assert not (cell.startswith(FORMULA_STARTS) and not is_number(cell)), cell
    return rows


def check_xlsx(data: bytes) -> list[tuple]:
    """Rows of every sheet; fails on a formula cell or a text cell starting one."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), cell.value
            rows.append(tuple(c.value for c in row))
    return rows


def cells(rows) -> set:
    return {cell for row in rows for cell in row}


def test_cli_tables_are_formula_safe(hostile_db, tmp_path):
    runner = CliRunner()
    for command in (["statements"], ["export", "coding"], ["export", "coding", "--all"]):
        for suffix in (".csv", ".xlsx"):
            out = tmp_path / f"{'-'.join(command)}{suffix}"
            result = runner.invoke(cli, [*command, "--db", str(hostile_db), "-o", str(out)])
            assert result.exit_code == 0, result.output
            rows = check_csv(out.read_bytes()) if suffix == ".csv" else check_xlsx(out.read_bytes())
            assert "'=1+1 cyber.txt" in cells(rows)  # kept, as text
            if command == ["statements"]:
                assert {"'" + v for v in HOSTILE.values()} <= cells(rows)
    printed = runner.invoke(cli, ["statements", "--db", str(hostile_db)])
    assert printed.exit_code == 0
    rows = check_csv(printed.stdout.encode())
    assert "'" + LINK in cells(rows)


def test_chart_data_evidence_downloads_and_bundle_are_formula_safe(hostile_db):
    rows = query.evidence(hostile_db, EVERY)
    assert len(rows) and set(rows["forum"]) == {LINK}
    assert "'" + LINK in cells(check_csv(export.table_csv(rows)))
    assert "'" + LINK in cells(check_xlsx(export.table_xlsx(rows, sheet="evidence")))
    listed = query.statements_list(hostile_db, EVERY)
    bundle = export.bundle(None, listed, name="chart", filters={"forums": [LINK]},
                           codebook_text="themes: []\n", codebook_version="v1")  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        assert "'=1+1 cyber.txt" in cells(check_csv(z.read("chart.csv")))
        xlsx = check_xlsx(z.read("chart.xlsx"))
        assert "'+SUM(1,2)" in cells(xlsx)


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@A1", "'@A1"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("\uff1d1+1", "'\uff1d1+1"), ("a=1", "a=1"), ("", ""), (-2.5, -2.5),
    (None, None),
])  # fmt: skip
def test_a_cell_gets_an_apostrophe_only_where_a_formula_could_start(value, written):
    assert safe_cell(value) == written


def test_control_characters_do_not_break_an_xlsx(hostile_db):
    """openpyxl refuses control characters (a file name can hold ESC): written as escapes."""
    import pandas as pd

    data = export.table_xlsx(pd.DataFrame({"source": ["a\x1b[2Jb.txt", "=x\x07"]}))
    assert cells(check_xlsx(data)) >= {"a\\x1b[2Jb.txt", "'=x\\x07"}
