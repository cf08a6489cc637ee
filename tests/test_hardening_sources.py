"""Issue 14, item 6 (readers): only regular files inside the given folders (symbolic links
reported as skipped, zip symlink members skipped), FIFOs and devices refused at once by name,
the UTF-16 path held to the same binary checks, SRT/WebVTT captions read, and file names
escaped in the CLI's terminal output."""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tracker.ingest import ingest_paths
from tracker.models import Problem
from tracker.sources import read_bytes

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``tracker ingest`` in a child process capped at 2 GB of address space (reading
    /dev/zero into memory fails instead of eating the machine); ``timeout`` guards a hang."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", "ingest", *map(str, args), "--quiet"], cwd=REPO,
        capture_output=True, text=True, timeout=timeout, preexec_fn=cap,
    )  # fmt: skip


def sources(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT source FROM statements")}


# -- symbolic links ----------------------------------------------------------------------------
def test_symlinks_in_a_folder_are_skipped_by_name_not_followed(corpus, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kr_en.txt").write_bytes((corpus / "unga79" / "text" / "kr_en.txt").read_bytes())
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "at_en.txt").write_bytes((corpus / "unga79" / "text" / "at_en.txt").read_bytes())
    (folder / "link_en.txt").symlink_to(outside / "kr_en.txt")
    (folder / "sub" / "dirlink").symlink_to(outside, target_is_directory=True)
    report = ingest_paths([folder], db=tmp_path / "t.db")
    assert report.stored == ["at_en.txt"]
    skipped = {p.source: p.reason for p in report.skipped}
    assert set(skipped) == {"link_en.txt", "dirlink"}
    assert all(r.startswith("symbolic link: not followed") for r in skipped.values())
    assert report.failed == []
    # the file is read when named on its own: the user chose it
    assert ingest_paths([folder / "link_en.txt"], db=tmp_path / "t.db").stored == ["link_en.txt"]


def test_a_symlink_member_of_a_zip_is_skipped(corpus, tmp_path):
    archive = tmp_path / "speeches.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("speeches/at_en.txt", (corpus / "unga79" / "text" / "at_en.txt").read_bytes())
        link = zipfile.ZipInfo("speeches/passwd.txt")
        link.create_system = 3  # Unix: the mode bits are in external_attr
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "../../../../etc/passwd")
    report = ingest_paths([archive], db=tmp_path / "t.db")
    assert report.stored == ["speeches.zip:speeches/at_en.txt"]
    assert [(p.source, p.reason) for p in report.skipped] == [
        ("speeches.zip:speeches/passwd.txt", "symbolic link in the archive: not read")
    ]


# -- special files ------------------------------------------------------------------------------
def test_a_fifo_named_on_the_command_line_fails_at_once(tmp_path):
    """Opening a FIFO with no writer blocks: it must fail by name without being opened (the
    timeout is a hang guard, not a speed test)."""
    fifo = tmp_path / "speech.txt"
    os.mkfifo(fifo)
    zip_fifo = tmp_path / "archive.zip"  # counted for the progress bar: never opened either
    os.mkfifo(zip_fifo)
    result = run_cli(fifo, zip_fifo, "--db", tmp_path / "t.db")
    assert result.returncode == 1, result.stderr
    for name in ("speech.txt", "archive.zip"):
        expected = f"failed: {name}: not a regular file (a named pipe (FIFO)): not read"
        assert expected in result.stderr


def test_a_fifo_inside_a_folder_is_skipped_by_name(corpus, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "at_en.txt").write_bytes((corpus / "unga79" / "text" / "at_en.txt").read_bytes())
    os.mkfifo(folder / "pipe.txt")
    result = run_cli(folder, "--db", tmp_path / "t.db")
    assert result.returncode == 0, result.stderr
    assert "skipped: pipe.txt: not a regular file (a named pipe (FIFO)): not read" in result.stderr
    assert sources(tmp_path / "t.db") == {"at_en.txt"}


def test_dev_zero_fails_by_name_without_reading(tmp_path):
    result = run_cli("/dev/zero", "--db", tmp_path / "t.db")
    assert result.returncode == 1
    assert "failed: zero: not a regular file (a character device): not read" in result.stderr
    assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr


# -- UTF-16 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("bom, codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_text_is_held_to_the_same_binary_checks(corpus, bom, codec):
    speech = (corpus / "unga79" / "text" / "at_en.txt").read_text(encoding="utf-8")
    read = list(read_bytes("at_en.txt", bom + speech.encode(codec)))
    assert len(read) == 1 and read[0].raw_text.split() == speech.split()
    with_nul = speech[:2000] + "\x00" * 50 + speech[2000:]
    with_escapes = "\x1b[2J\x1b[31m".join(speech[i : i + 40] for i in range(0, len(speech), 40))
    for text, name in [(with_nul, n) for n in ("x.txt", "x.md", "x.html")] + [
        (with_escapes, "x.txt"), (with_escapes, "x.md")
    ]:  # (a web page's stray control characters are tolerated, in UTF-8 as in UTF-16)
        utf16 = list(read_bytes(name, bom + text.encode(codec)))
        utf8 = list(read_bytes(name, text.encode("utf-8")))
        assert [type(i) for i in utf16] == [type(i) for i in utf8] == [Problem], (name, utf16)
        assert utf16[0].reason.startswith("binary content"), utf16[0]
    page = list(read_bytes("x.html", bom + with_escapes.encode(codec)))
    assert [type(i) for i in page] == [type(i) for i in read_bytes("x.html", with_escapes.encode())]


# -- SRT and WebVTT captions -------------------------------------------------------------------
def stamp(seconds: float, sep: str) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h):02d}:{int(m):02d}:{int(s):02d}{sep}{int(s % 1 * 1000):03d}"


def caption_files(corpus: Path, folder: Path) -> tuple[str, Path, Path]:
    """A real caption list (JSON) written as SRT and as WebVTT; returns its joined text."""
    segments = json.loads((corpus / "unga78-captions" / "Albania.json").read_text("utf-8"))
    srt, vtt = [], ["WEBVTT", "Kind: captions", "Language: en", ""]
    for i, seg in enumerate(segments, 1):
        start, end = float(seg["start"]), float(seg["start"]) + float(seg.get("duration", 1))
        srt += [str(i), f"{stamp(start, ',')} --> {stamp(end, ',')}", seg["text"], ""]
        vtt += [f"{stamp(start, '.')} --> {stamp(end, '.')} align:start position:0%",
                f"<v Speaker>{seg['text']}</v>", ""]  # fmt: skip
    (folder / "Albania.srt").write_text("\n".join(srt), encoding="utf-8")
    (folder / "Albania.vtt").write_text("\r\n".join(vtt), encoding="utf-8")
    joined = " ".join(str(s["text"]).strip() for s in segments if str(s["text"]).strip())
    return joined, folder / "Albania.srt", folder / "Albania.vtt"


def test_srt_and_vtt_captions_read_like_the_json_caption_list(corpus, tmp_path):
    joined, srt, vtt = caption_files(corpus, tmp_path)
    for path in (srt, vtt):
        (doc,) = read_bytes(path.name, path.read_bytes())
        assert doc.reader == "captions"
        assert doc.raw_text.split() == joined.split()
    report = ingest_paths([srt], db=tmp_path / "t.db", overrides={"country": "ALB"})
    assert report.stored == ["Albania.srt"] and report.failed == report.skipped == []
    with sqlite3.connect(tmp_path / "t.db") as conn:
        kind = conn.execute("SELECT source_kind FROM statements").fetchone()[0]
    assert kind == "speech recognition"


# -- names in the terminal ---------------------------------------------------------------------
def test_file_names_are_escaped_in_the_cli_output(tmp_path):
    """A name holding ESC sequences, a carriage return and a newline can neither erase the
    failure line nor forge a summary line."""
    folder = tmp_path / "in"
    folder.mkdir()
    name = "bad\x1b[2K\r\x1b[32mok.txt\nx.db: 9 stored, 0 failed.txt"
    (folder / name).write_bytes(b"")  # empty: fails
    result = run_cli(folder, "--db", tmp_path / "t.db")
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\r" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == ("failed: bad\\x1b[2K\\r\\x1b[32mok.txt\\nx.db: 9 stored, 0 failed.txt"
                        ": empty file")  # fmt: skip
    assert not any(line.startswith("x.db") for line in lines)


# -- OCR never waits without end ---------------------------------------------------------------
def test_ocr_of_a_page_has_a_time_limit(corpus, tmp_path, monkeypatch):
    """A scanned page (a real record's first page as an image, no text layer) is OCR'd; past
    the per-page limit the PDF fails by name instead of waiting on tesseract."""
    import pymupdf

    from tracker import sources
    from tracker.sources import read_file

    if sources._tesseract_languages() is None:
        pytest.skip("tesseract is not installed")
    page = pymupdf.open(corpus / "unsc-records" / "S_PV.8698_E.pdf")[2]
    top = pymupdf.Rect(0, 0, page.rect.width, page.rect.height / 4)  # a quarter: quick to OCR
    scan = pymupdf.open()
    scan.new_page(width=top.width, height=top.height).insert_image(
        top, pixmap=page.get_pixmap(dpi=150, clip=top)
    )
    scan.save(tmp_path / "scan.pdf")
    (read,) = read_file(tmp_path / "scan.pdf")
    layer = set(page.get_text(clip=top).split())
    assert read.reader == "pdf+ocr" and len(layer & set(read.raw_text.split())) > 0.8 * len(layer)
    monkeypatch.setattr(sources, "OCR_TIMEOUT", 0.001)  # tesseract cannot even start in 1 ms
    (failed,) = read_file(tmp_path / "scan.pdf")
    assert isinstance(failed, Problem) and failed.source == "scan.pdf"
    assert failed.reason.startswith("OCR of a page took over 0.001 s"), failed.reason


def test_a_stray_byte_in_a_utf8_file_keeps_its_utf8_reading(corpus, tmp_path):
    """Burkina Faso's French speech (UTF-8) with one Windows-1252 byte appended: read as
    Windows-1252, every accent became two wrong letters ("PrÃ©sident") and the French phrases
    stopped matching, with nothing said. It is read as UTF-8, the byte replaced, the same themes
    found as in the clean file, and the ingest says so."""
    clean = corpus / "unga79" / "text" / "bf_fr.txt"
    mixed = tmp_path / "mixed" / "bf_fr.txt"
    mixed.parent.mkdir()
    mixed.write_bytes(clean.read_bytes() + b"\n\xe9\n")
    reference = tmp_path / "clean.db"
    ingest_paths([clean], db=reference, workers=1)
    db = tmp_path / "mixed.db"
    result = run_cli(mixed, "--db", db)
    assert result.returncode == 0, result.stderr
    assert "warning: " in result.stderr and "1 byte sequence(s) not valid UTF-8" in result.stderr
    with sqlite3.connect(db) as conn:
        text = conn.execute("SELECT clean_text FROM statement_texts").fetchone()[0]
        themes = conn.execute("SELECT DISTINCT theme FROM matches ORDER BY 1").fetchall()
    assert "Ã" not in text and "é" in text
    with sqlite3.connect(reference) as conn:
        assert themes == conn.execute("SELECT DISTINCT theme FROM matches ORDER BY 1").fetchall()
    assert themes  # the clean speech has themes to lose


def test_a_file_in_windows_1252_is_still_read_as_such(corpus, tmp_path):
    """The other side of the rule above: a whole file in Windows-1252 (no valid UTF-8 accents)
    is read as Windows-1252, as before."""
    clean = (corpus / "unga79" / "text" / "bf_fr.txt").read_text(encoding="utf-8")
    legacy = tmp_path / "bf_fr.txt"
    legacy.write_bytes(clean.encode("cp1252", errors="replace"))
    [doc] = list(read_bytes(legacy.name, legacy.read_bytes()))
    assert not isinstance(doc, Problem)
    assert doc.raw_text[:2000] == clean.encode("cp1252", errors="replace").decode("cp1252")[:2000]
    assert doc.warnings == ["decoded as Windows-1252 (not valid UTF-8)"]


def test_files_saved_under_the_wrong_name_or_encoding_are_read_or_named(corpus, tmp_path):
    """Kenya's speech in UTF-16 without a BOM failed as "binary content (NUL bytes)"; a Council
    record saved as .txt failed as binary; a text file saved as .pdf was a "corrupt PDF". The
    first two are read (the same statements as the right files), the third says what it is."""
    text = (corpus / "unga79" / "text" / "ke_en.txt").read_text(encoding="utf-8")
    record = corpus / "unsc-records" / "S_PV.8700_E.pdf"
    for codec in ("utf-16-le", "utf-16-be"):
        [doc] = list(read_bytes("ke_en.txt", text.encode(codec)))
        assert not isinstance(doc, Problem) and doc.raw_text == text
        assert doc.warnings == ["UTF-16 without a BOM"]
    renamed = list(read_bytes("S_PV.8700_E.txt", record.read_bytes()))
    assert [d.raw_text for d in renamed] == [d.raw_text for d in read_bytes(record.name,
                                                                           record.read_bytes())]
    [fake] = list(read_bytes("ke_en.pdf", text.encode("utf-8")))
    assert isinstance(fake, Problem) and fake.reason.startswith("not a PDF (it has no %PDF header)")


def test_a_repaired_encoding_is_said_for_csv_rows_html_pages_and_names_with_hash(tmp_path):
    """The CSV and HTML readers dropped the decoding's warnings, so a replaced byte went
    unsaid; and a file name holding '#' ("Remarks #1.txt") was cut at it in the warning."""
    text = "Une phrase avec un octet mal placé pour la Charte des Nations Unies. " * 5
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "d.csv").write_bytes(f"text,country\n{text},FRA\n".encode() + b"caf\xe9 " * 3
                                   + f"{text},BEL\n".encode())  # fmt: skip
    (folder / "page.html").write_bytes(f"<html><body><p>{text}</p><p>".encode() + b"caf\xe9"
                                       + b"</p></body></html>")  # fmt: skip
    for n in (1, 2):
        (folder / f"Remarks #{n}.txt").write_bytes(text.encode() + f" {n}\n".encode() + b"\xe9")
    result = run_cli(folder, "--db", tmp_path / "t.db")
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    names = sorted(line.split(": ")[1] for line in warned)
    assert names == ["Remarks #1.txt", "Remarks #2.txt", "d.csv", "page.html"], warned
    assert all("not valid UTF-8 replaced" in line for line in warned)
