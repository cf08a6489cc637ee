"""Loading a manifest CSV, looking files up in it, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.errors import ManifestError
from tracker.manifest import MANIFEST_COLUMNS, Manifest, ManifestRow

SEED = "seed/2024-06-20_china_fu-cong_unsc-cybersecurity.txt"
UNGDC = "ungdc/UNGDC_1946-2024.zip"


def _write(tmp_path: Path, text: str, name: str = "manifest.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_real_manifest(corpus: Path) -> None:
    manifest = Manifest.load(corpus / "manifest.csv")
    assert len(manifest) == 517
    row = manifest.lookup(corpus / SEED)
    assert row == ManifestRow(
        file=SEED,
        path=(corpus / SEED).resolve(),
        country="CHN",
        date="2024-06-20",
        forum="Security Council",
        meeting="briefing on cybersecurity",
        speaker="Fu Cong",
        title="Remarks by Ambassador Fu Cong at the UN Security Council Briefing on Cybersecurity",
        language="en",
        source_kind="web page of the delegation",
    )
    assert row.values()["speaker"] == "Fu Cong" and "skip" not in row.values()


def test_archive_members_get_their_archive_row(corpus: Path) -> None:
    manifest = Manifest.load(corpus / "manifest.csv")
    archive = corpus / UNGDC
    member = f"{archive}:UNGDC_1946-2024/Session 79 - 2024/USA_79_2024.txt"
    row = manifest.lookup(member)
    assert row is not None and row.path == archive.resolve()
    assert row.forum == "General Assembly general debate" and row.country == ""
    assert manifest.lookup(archive) == row
    assert manifest.skip_reason(member) is None


def test_skip_reasons(corpus: Path) -> None:
    manifest = Manifest.load(corpus / "manifest.csv")
    assert manifest.skip_reason(corpus / "README.md") == "not a statement"
    assert (
        manifest.skip_reason(corpus / "unsc-records" / "S_PV.8698.reference.tsv")
        == "reference data, not a statement"
    )
    assert manifest.skip_reason(corpus / SEED) is None
    assert manifest.skip_reason(corpus / "not-listed.txt") is None
    assert manifest.lookup(corpus / "not-listed.txt") is None


def test_paths_resolve_against_the_manifest_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "texts").mkdir()
    path = _write(tmp_path, "file,country\ntexts/./a.txt,FRA\n../b.txt,DEU\n")
    manifest = Manifest.load(path)
    assert manifest.lookup(tmp_path / "texts" / "a.txt").country == "FRA"
    assert manifest.lookup(tmp_path.parent / "b.txt").country == "DEU"
    monkeypatch.chdir(tmp_path)
    assert manifest.lookup("texts/a.txt").country == "FRA"
    assert tmp_path / "texts" / "a.txt" in manifest


def test_only_file_is_required_and_extra_columns_are_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeffNotes, File ,Date\nfirst one,a.txt,2024-09\n,,\n")
    manifest = Manifest.load(path)
    row = manifest.lookup(tmp_path / "a.txt")
    assert len(manifest) == 1
    assert (row.file, row.date, row.country, row.skip) == ("a.txt", "2024-09", "", "")


def test_short_rows_and_all_columns(tmp_path: Path) -> None:
    header = ",".join(MANIFEST_COLUMNS)
    path = _write(tmp_path, f"{header}\na.txt,CHN\nb.txt,,,,,,,,,,not a statement\n")
    manifest = Manifest.load(path)
    assert manifest.lookup(tmp_path / "a.txt").country == "CHN"
    assert manifest.skip_reason(tmp_path / "b.txt") == "not a statement"


def test_identical_duplicate_rows_are_accepted(tmp_path: Path) -> None:
    manifest = Manifest.load(_write(tmp_path, "file,country\na.txt,FRA\n./a.txt,FRA\n"))
    assert len(manifest) == 1


def test_conflicting_duplicate_rows_name_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "file,country\na.txt,FRA\nb.txt,DEU\na.txt,ITA\n")
    with pytest.raises(ManifestError) as error:
        Manifest.load(path)
    message = str(error.value)
    assert (
        str(path) in message and "line 4" in message and "line 2" in message and "a.txt" in message
    )


def test_missing_file_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "path,country\na.txt,FRA\n")
    with pytest.raises(ManifestError, match=r"line 1: no 'file' column"):
        Manifest.load(path)


def test_empty_file_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, "file,country\na.txt,FRA\n,DEU\n")
    with pytest.raises(ManifestError, match=r"line 3: the 'file' cell is empty"):
        Manifest.load(path)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00b\x00i\x00n"])
def test_empty_or_unreadable_manifest(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "manifest.csv"
    path.write_bytes(content)
    with pytest.raises(ManifestError, match=str(path)):
        Manifest.load(path)


def test_missing_manifest_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read"):
        Manifest.load(tmp_path / "nope.csv")
    with pytest.raises(ManifestError, match="cannot read"):
        Manifest.load(tmp_path)


def test_a_manifest_saved_in_windows_1252_says_how_to_mend_it(corpus: Path, tmp_path: Path) -> None:
    """A spreadsheet program's plain "CSV" in Windows-1252 (a row of the real manifest with an
    accented speaker): the message names the file and the fix, not only a codec error."""
    header, *rows = (corpus / "manifest.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "manifest.csv"
    path.write_bytes((header + "\n" + rows[0] + ",Señora\n").encode("cp1252"))
    with pytest.raises(ManifestError, match=rf"{path}: the manifest is not UTF-8 text \(save it as CSV UTF-8"):
        Manifest.load(path)


def test_a_row_with_more_cells_than_the_header_is_an_error_naming_its_line(tmp_path: Path) -> None:
    """An unquoted comma in a title shifted the cells: `language` became part of the title and
    the statement got no coding, with nothing said."""
    path = _write(tmp_path, "file,country,title,language\n"
                            "a.txt,FRA,Speech by the President, Paris,fr\n")  # fmt: skip
    with pytest.raises(ManifestError, match=r"line 2: 5 cells but the header has 4 columns"):
        Manifest.load(path)


def test_unknown_columns_and_rows_naming_no_file_are_listed(corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "ke_en.txt").write_text("x", encoding="utf-8")
    path = _write(tmp_path, "file,iso3,country,Year\nke-en.txt,KEN,KEN,2019\nke_en.txt,KEN,KEN,\n"
                            f"{corpus / UNGDC}:AND_79_2024.txt,AND,AND,\n")  # fmt: skip
    manifest = Manifest.load(path)
    assert manifest.unknown_columns == ("iso3", "Year")
    assert manifest.missing_files() == [(2, "ke-en.txt")]  # the archive member's zip exists
    assert Manifest.load(corpus / "manifest.csv").missing_files() == []
