"""Readers on the real corpus and on bad files made here: one RawDocument per statement, or a
Problem with a clear reason; never an exception."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from tracker import sources
from tracker.clean import clean_text
from tracker.models import Problem, RawDocument
from tracker.sources import (
    OcrUnavailable,
    ReaderOptions,
    count_candidate_files,
    implausible_word_share,
    iter_documents,
    read_bytes,
    read_file,
)

UNGDC = "ungdc/UNGDC_1946-2024.zip"


def docs_of(items) -> list[RawDocument]:
    return [i for i in items if isinstance(i, RawDocument)]


def problems_of(items) -> list[Problem]:
    return [i for i in items if isinstance(i, Problem)]


def only(items) -> RawDocument | Problem:
    items = list(items)
    assert len(items) == 1, items
    return items[0]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


SPEECH = (
    "Mr. President, the international community must act together to address climate change, "
    "which threatens the very existence of small island developing States. We call on all "
    "partners to honour their commitments under the Paris Agreement and to scale up finance "
    "for adaptation, loss and damage. Multilateralism is not an option but a necessity.\n"
)


# -- real statements -------------------------------------------------------------------------
def test_seed_web_text(corpus: Path) -> None:
    path = next((corpus / "seed").glob("*.txt"))
    doc = only(read_file(path))
    assert isinstance(doc, RawDocument)
    assert doc.reader == "text"
    assert doc.source == path.name
    assert doc.source_path == str(path.resolve()) == doc.manifest_key
    assert "Remarks by Ambassador Fu Cong" in doc.raw_text


def test_unga79_arabic_ocr_is_unreadable_and_the_rest_reads(corpus: Path) -> None:
    items = list(iter_documents([corpus / "unga79" / "text"]))
    failed = {p.source: p.reason for p in problems_of(items)}
    arabic = {p.name for p in (corpus / "unga79" / "text").glob("*_ar.txt")}
    assert len(arabic) == 13
    assert set(failed) == arabic
    assert all(r.startswith("unreadable text") for r in failed.values())
    readable = docs_of(items)
    assert len(readable) == 134
    languages = {d.source.split("_")[1][:2] for d in readable}
    assert {"en", "fr", "es", "pt", "ru", "it"} <= languages


def test_unreadable_measure_separates_real_text_from_ocr_garbage(corpus: Path) -> None:
    garbage = (corpus / "unga79" / "text" / "kw_ar.txt").read_text(encoding="utf-8")
    assert implausible_word_share(garbage)[0] > 0.15
    for name in ("ru_ru.txt", "br_pt.txt", "ad_fr.txt", "es_es.txt", "by_ru.txt"):
        text = (corpus / "unga79" / "text" / name).read_text(encoding="utf-8")
        assert implausible_word_share(text)[0] < 0.06, name


def test_captions_join_segments_into_one_statement(corpus: Path) -> None:
    items = list(iter_documents([corpus / "unga78-captions"]))
    docs = docs_of(items)
    assert len(docs) == 204
    assert {p.source: p.kind for p in problems_of(items)} == {"LICENSE": "skipped"}
    albania = next(d for d in docs if d.source == "Albania.json")
    assert albania.reader == "captions"
    assert albania.raw_text.startswith("the assembly will hear an address by his Excellency Byram")
    assert "\n" not in albania.raw_text


def test_json_that_is_not_a_caption_list_is_skipped(corpus: Path) -> None:
    problem = only(read_file(corpus / "unga79" / "iso2-countries.json"))
    assert problem == Problem(
        "iso2-countries.json", "not a statement: JSON that is not a caption list", "skipped"
    )


def test_a_damaged_caption_entry_is_left_out_not_the_whole_speech(corpus: Path) -> None:
    """Fiji's captions with one entry damaged (no text) were skipped whole as "JSON that is not
    a caption list", the speech lost with rc 0. The speech is read without that entry, said in
    a warning; with too many damaged entries the file fails by name."""
    segments = json.loads((corpus / "unga78-captions" / "Fiji.json").read_text(encoding="utf-8"))
    damaged: list[dict | None] = [dict(s) for s in segments]
    damaged[10] = {"start": 2, "duration": 1}
    damaged.append(None)  # a trailing null, as a truncated export leaves
    doc = only(read_bytes("Fiji.json", json.dumps(damaged).encode()))
    assert isinstance(doc, RawDocument) and doc.reader == "captions"
    kept = [str(s["text"]).strip() for n, s in enumerate(segments) if n != 10]
    assert doc.raw_text == " ".join(t for t in kept if t) != only(read_bytes(
        "Fiji.json", json.dumps(segments).encode())).raw_text  # fmt: skip
    assert doc.warnings == [f"2 caption entries that are no caption segment left out (entry 10, "
                            f"{len(segments)} of {len(segments) + 1})"]  # fmt: skip
    ruined = [s if n % 4 else {"start": n} for n, s in enumerate(segments)]
    problem = only(read_bytes("Fiji.json", json.dumps(ruined).encode()))
    assert isinstance(problem, Problem) and problem.kind == "failed"
    assert problem.reason.startswith(f"caption list with {len(range(0, len(segments), 4))} of")


@pytest.mark.slow  # the whole UNGDC; its speed is in benchmarks/bench_timings.py
def test_ungdc_zip_streams_10920_speeches(corpus: Path) -> None:
    archive = (corpus / UNGDC).resolve()
    items = list(iter_documents([archive]))
    docs = docs_of(items)
    assert len(docs) == 10_920
    assert problems_of(items) == [
        Problem(
            "UNGDC_1946-2024.zip:UNGDC_1946-2024/README.txt",
            "not a statement: README.txt (readme or licence)",
            "skipped",
        )
    ]
    first = docs[0]
    assert first.source == "UNGDC_1946-2024.zip:UNGDC_1946-2024/Session 01 - 1946/ARG_01_1946.txt"
    assert first.source_path == f"{archive}:UNGDC_1946-2024/Session 01 - 1946/ARG_01_1946.txt"
    assert first.manifest_key == str(archive)
    assert not any(d.raw_text.startswith("\ufeff") for d in docs)  # 2,936 members have a BOM
    assert count_candidate_files([archive]) == 10_921


def test_corpus_folder_walk_skips_what_is_not_a_statement(corpus: Path) -> None:
    items = list(iter_documents([corpus / "gold", corpus / "manifest.csv", corpus / "README.md"]))
    assert {(p.source, p.kind) for p in problems_of(items)} == {
        ("dev.tsv", "skipped"), ("manifest.csv", "skipped"), ("README.md", "skipped"),
    } | {(p.name, "skipped") for p in (corpus / "gold").glob("*.tsv")}  # fmt: skip


# -- PDF ---------------------------------------------------------------------------------------
def test_two_column_record_reads_left_column_then_right(corpus: Path) -> None:
    doc = only(read_file(corpus / "unsc-records" / "S_PV.8698_E.pdf"))
    assert doc.reader == "pdf"
    assert doc.hints["title"].value == "S/PV.8698" and doc.hints["title"].origin == "document"
    text = clean_text(doc.raw_text, reader=doc.reader)
    # Mr. Abarry's turn runs from the foot of the left column to the top of the right one.
    assert (
        "the challenges facing the Sahel today, namely, terrorism and intercommunal conflicts"
        in text
    )
    turn = text.index("Mr. Abarry (Niger) (spoke in French): Allow me")
    assert turn < text.index("The Niger reaffirms its support") < text.index("namely, terrorism")


def _scanned_pdf(text: str) -> bytes:
    """A one-page PDF whose page is only an image of ``text`` (no text layer)."""
    import pymupdf

    source = pymupdf.open()
    page = source.new_page()
    page.insert_textbox(pymupdf.Rect(72, 72, 540, 720), text, fontsize=14)
    pix = page.get_pixmap(dpi=150)
    scanned = pymupdf.open()
    scanned.new_page().insert_image(scanned[0].rect, pixmap=pix)
    return scanned.tobytes()


def test_scanned_pdf_without_tesseract_fails_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "_tesseract_languages", lambda: None)
    path = write(tmp_path, "scan.pdf", _scanned_pdf(SPEECH))
    problem = only(read_file(path))
    assert isinstance(problem, Problem) and problem.kind == "failed"
    assert "apt-get install -y tesseract-ocr" in problem.reason
    assert OcrUnavailable("x.pdf").reason == problem.reason


def test_scanned_pdf_with_ocr_turned_off_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "scan.pdf", _scanned_pdf(SPEECH))
    problem = only(read_file(path, ReaderOptions(ocr=False)))
    assert problem.kind == "failed" and "OCR is turned off" in problem.reason


def _require_tesseract() -> None:
    if sources._tesseract_languages() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tesseract is not installed and CI=true forbids skipping the OCR test")
        pytest.skip("tesseract is not installed (apt-get install -y tesseract-ocr)")


def test_ocr_reads_a_real_scanned_page(corpus: Path, tmp_path: Path) -> None:
    _require_tesseract()
    import pymupdf

    scan = pymupdf.open(corpus / "unga79" / "pdf" / "bb_en.pdf")
    page = pymupdf.open()
    page.insert_pdf(scan, from_page=1, to_page=1)  # the first page of the speech
    doc = only(read_bytes("bb_en_p2.pdf", page.tobytes()))
    assert isinstance(doc, RawDocument), doc
    assert doc.reader == "pdf+ocr"
    assert doc.warnings == ["OCR used on 1 pages"]
    text = clean_text(doc.raw_text, reader=doc.reader)
    assert "Mia Amor Mottley" in text
    assert "four years of poly-crises" in text


def test_encrypted_pdf_fails(tmp_path: Path) -> None:
    import pymupdf

    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), SPEECH[:80])
    data = pdf.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="o")
    problem = only(read_file(write(tmp_path, "locked.pdf", data)))
    assert problem.kind == "failed" and problem.reason.startswith("encrypted PDF")


def test_corrupt_pdf_fails(corpus: Path, tmp_path: Path) -> None:
    data = (corpus / "unsc-records" / "S_PV.8698_E.pdf").read_bytes()
    truncated = write(tmp_path, "truncated.pdf", data[: len(data) // 3])
    garbage = write(tmp_path, "garbage.pdf", b"%PDF-1.4\nthis is not a PDF at all")
    for path in (truncated, garbage):
        problem = only(read_file(path))
        assert problem.kind == "failed" and problem.reason.startswith("corrupt PDF"), problem


def _cut(corpus: Path, name: str, keep: float | int) -> bytes:
    """The first bytes of a real delegation PDF, as a broken download leaves them: a share of
    the file (``keep`` < 1) or a number of bytes."""
    data = (corpus / "unga79" / "pdf" / name).read_bytes()
    return data[: int(len(data) * keep) if keep < 1 else keep]


@pytest.mark.parametrize(
    ("name", "keep", "pages"),
    [
        # QA's file: MuPDF repairs it into 5 pages, page 2 cut short (185 of its 289 words, its
        # fonts lost), pages 3-5 empty; it was stored as a 450-word speech of 1,224 words
        ("ge_en.pdf", 0.6, "pages 2-5 of 5"),
        # 20 KB of 47 KB: page 1 lost its fonts (91 of 368 words), pages 2-5 empty; OCR read
        # page 1 again and the file was stored with nothing but "OCR used on 1 pages"
        ("no_en.pdf", 20_000, "pages 1-5 of 5"),
        # 95%: no page comes out empty, the last one has 77 of its 244 words
        ("no_en.pdf", 0.95, "page 5 of 5"),
    ],
)
def test_a_truncated_pdf_that_the_reader_repairs_fails_naming_the_pages_lost(
    corpus: Path, tmp_path: Path, name: str, keep: float, pages: str
) -> None:
    problem = only(read_file(write(tmp_path, name, _cut(corpus, name, keep))))
    assert isinstance(problem, Problem), f"{name} cut to {keep} was read: {problem}"
    assert problem.kind == "failed" and problem.source == name
    assert problem.reason.startswith("corrupt PDF: "), problem.reason
    assert f"{pages} missing or incomplete" in problem.reason, problem.reason
    assert "truncated or damaged" in problem.reason and "download it again" in problem.reason


def test_a_repaired_pdf_whose_pages_are_all_there_is_read_with_a_warning(
    corpus: Path, tmp_path: Path
) -> None:
    """Cut after its last object (the cross-reference table and trailer lost), a PDF is
    repaired by MuPDF with every page whole: it is read, word for word, and said repaired."""
    whole = only(read_file(corpus / "unga79" / "pdf" / "ge_en.pdf"))
    assert isinstance(whole, RawDocument) and whole.warnings == []
    data = (corpus / "unga79" / "pdf" / "ge_en.pdf").read_bytes()
    cut = data[: data.rindex(b"endobj") + len(b"endobj")]  # every object, no xref, no trailer
    doc = only(read_file(write(tmp_path, "ge_en.pdf", cut)))
    assert isinstance(doc, RawDocument), doc
    assert doc.raw_text == whole.raw_text
    assert doc.warnings == [
        "PDF repaired by the reader (its cross-reference table is damaged or cut off); "
        "every page read in full"
    ]


def test_a_repaired_pdf_with_fewer_pages_than_its_page_tree_declares_fails(
    corpus: Path, tmp_path: Path
) -> None:
    data = (corpus / "unga79" / "pdf" / "ge_en.pdf").read_bytes()
    assert data.count(b"/Count 5/Kids") == 1
    seven = data.replace(b"/Count 5/Kids", b"/Count 7/Kids")  # 5 pages, 7 declared
    problem = only(read_bytes("ge_en.pdf", seven[: seven.rindex(b"endobj") + len(b"endobj")]))
    assert isinstance(problem, Problem) and problem.kind == "failed"
    assert problem.reason.startswith("corrupt PDF: pages 6-7 of 7 missing or incomplete")


@pytest.mark.parametrize(
    ("pages", "shown"),
    [([4], "page 5"), ([1, 2, 3, 4], "pages 2-5"), ([0, 2, 3, 4], "pages 1, 3-5"),
     (list(range(0, 40, 2)), "pages 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, ...")],
)  # fmt: skip
def test_lost_pages_are_named_as_a_reader_numbers_them(pages: list[int], shown: str) -> None:
    assert sources._page_numbers(pages) == shown


def test_a_repaired_scanned_pdf_is_read_by_ocr_not_failed_as_empty(
    corpus: Path, tmp_path: Path
) -> None:
    """A scanned page has no text layer: after a repair it is OCR'd as before, and counts as
    read. Cut in half (an image cut through, the page object lost), the file fails."""
    _require_tesseract()
    import pymupdf

    scan = pymupdf.open(corpus / "unga79" / "pdf" / "bb_en.pdf")
    page = pymupdf.open()
    page.insert_pdf(scan, from_page=1, to_page=1)  # the first page of the speech
    data = page.tobytes()
    repaired = data[: data.rindex(b"endobj") + len(b"endobj")]
    doc = only(read_bytes("bb_en_p2.pdf", repaired))
    assert isinstance(doc, RawDocument), doc
    assert doc.reader == "pdf+ocr" and "Mia Amor Mottley" in doc.raw_text
    assert doc.warnings == [
        "OCR used on 1 pages",
        "PDF repaired by the reader (its cross-reference table is damaged or cut off); "
        "every page read in full",
    ]
    problem = only(read_bytes("bb_en_p2.pdf", data[: len(data) // 2]))
    assert isinstance(problem, Problem) and problem.kind == "failed"
    assert "page 1 of 1 missing or incomplete" in problem.reason, problem.reason


# -- text files: failures ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\n  ", "file holds only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary content"),
        (b"Caf\x81 \x8d\x90 and more \x9d text", "not valid UTF-8 text"),
    ],
)
def test_bad_text_files_fail_with_a_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    problem = only(read_file(write(tmp_path, "bad.txt", data)))
    assert problem.kind == "failed" and problem.reason.startswith(reason), problem


def test_oversized_file_fails_naming_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "word " * 2420)  # 12,100 bytes
    problem = only(read_file(path, ReaderOptions(max_bytes=10_000)))
    assert problem.kind == "failed"
    assert problem.reason == "file is 12.1 kB, over the 10 kB limit (--max-bytes)"
    assert sources._size(60_100_000) == "60.1 MB" and sources._size(50_000_000) == "50 MB"


def test_encodings_bom_utf16_cp1252(tmp_path: Path) -> None:
    bom = only(read_file(write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + SPEECH.encode())))
    assert bom.raw_text == SPEECH and bom.warnings == []
    utf16 = only(read_file(write(tmp_path, "u16.txt", SPEECH.encode("utf-16"))))
    assert utf16.raw_text == SPEECH
    latin = SPEECH.replace("President", "Président").encode("cp1252")
    legacy = only(read_file(write(tmp_path, "legacy.txt", latin)))
    assert "Président" in legacy.raw_text
    assert legacy.warnings == ["decoded as Windows-1252 (not valid UTF-8)"]


# -- skipped -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("README.md", "not a statement: README.md (readme or licence)"),
        ("LICENSE", "not a statement: LICENSE (readme or licence)"),
        ("LICENCE.txt", "not a statement: LICENCE.txt (readme or licence)"),
        ("COPYING", "not a statement: COPYING (readme or licence)"),
        ("manifest.csv", "not a statement: the manifest (metadata for the other files)"),
        ("labels.tsv", "not a statement: tab-separated table (.tsv)"),
        ("speakers.xlsx", "not a statement: spreadsheet (.xlsx)"),
        ("old.xls", "not a statement: spreadsheet (.xls)"),
        ("sheet.ods", "not a statement: spreadsheet (.ods)"),
        (".DS_Store", "hidden file"),
        ("flag.png", "not a statement: image (.png)"),
        ("scan.jpg", "not a statement: image (.jpg)"),
        ("notes.xyz", "unsupported file type .xyz"),
        ("speech.docx", "unsupported file type .docx: save it as PDF or plain text to read it"),
    ],
)
def test_files_that_are_not_statements_are_skipped(tmp_path: Path, name: str, reason: str) -> None:
    problem = only(read_file(write(tmp_path, name, SPEECH)))
    assert problem == Problem(name, reason, "skipped")


def test_folders_are_walked_recursively_in_order(tmp_path: Path) -> None:
    write(tmp_path, "b/2.txt", SPEECH)
    write(tmp_path, "b/1.txt", SPEECH)
    write(tmp_path, "a.txt", SPEECH)
    write(tmp_path, ".git/config", "x")
    items = list(iter_documents([tmp_path, tmp_path / "missing.txt"]))
    missing = str(tmp_path / "missing.txt")
    assert [i.source for i in items] == [".git/", "a.txt", "1.txt", "2.txt", missing]
    assert items[0].kind == "skipped" and items[-1].reason == "no such file or folder"
    assert count_candidate_files([tmp_path]) == 3


# -- Markdown and HTML -------------------------------------------------------------------------
def test_markdown_markup_is_stripped_lightly(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Statement on climate\ndate: 2024-09-24\n---\n"
        "# Statement by the **Minister**\n\nWe *urge* [all partners](https://un.org) to act.\n\n"
        "- first, finance\n- second, adaptation\n\n" + SPEECH
    )
    doc = only(read_file(write(tmp_path, "speech.md", text)))
    assert doc.reader == "markdown"
    assert doc.hints["title"].value == "Statement on climate"
    assert doc.hints["date"].value == "2024-09-24"
    assert "Statement by the Minister" in doc.raw_text
    assert "We urge all partners to act." in doc.raw_text
    assert "first, finance" in doc.raw_text
    for markup in ("**", "](", "---", "# "):
        assert markup not in doc.raw_text


PAGE = """<!DOCTYPE html><html><head>
<title>Statement at the Security Council | Permanent Mission</title>
<style>body {{ color: red }}</style><script>var tracking = "SCRIPTCONTENT";</script></head>
<body><header><nav><ul><li><a href="/">Home</a></li><li><a href="/m">Meetings &amp; Statements</a>
</li><li>Events</li></ul></nav></header>
<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/m">Meetings &amp; Statements</a></div>
<main><article><h1>Remarks at the Open Debate on Climate and Security</h1>
<p>{speech}</p><p>Thank you.</p></article></main>
<div class="share">Share <a>Facebook</a> <a>Twitter</a> <a>Email</a> <a>Print</a></div>
<footer>Copyright 2024 Mission. All rights reserved. <a>Privacy</a></footer>
<script>document.write("MORESCRIPT")</script></body></html>"""


def test_html_keeps_the_main_text_only(tmp_path: Path) -> None:
    doc = only(read_file(write(tmp_path, "page.html", PAGE.format(speech=SPEECH.strip()))))
    assert doc.reader == "html"
    assert doc.hints["title"].value == "Remarks at the Open Debate on Climate and Security"
    assert doc.hints["title"].origin == "document"
    assert "small island developing States" in doc.raw_text
    for chrome in ("SCRIPTCONTENT", "MORESCRIPT", "color: red", "Facebook", "Privacy",
                   "Meetings & Statements", "All rights reserved"):  # fmt: skip
        assert chrome not in doc.raw_text, chrome


# -- datasets ----------------------------------------------------------------------------------
def test_csv_rows_become_statements_with_dataset_hints(tmp_path: Path) -> None:
    path = write(
        tmp_path, "speeches.csv",
        "iso3,year,session,speaker,speech,notes\n"
        f'FRA,2019,74,Jean Dupont,"{SPEECH.strip()}",a\n'
        'DEU,2020,75,,"",b\n'
        f'BRA,2021,76,Ana Silva,"{SPEECH.strip()}",c\n',
    )  # fmt: skip
    items = list(read_file(path))
    assert [i.source for i in items] == ["speeches.csv#1", "speeches.csv#2", "speeches.csv#3"]
    first, empty, third = items
    assert first.reader == "csv" and first.raw_text == SPEECH.strip()
    assert {k: (v.value, v.origin) for k, v in first.hints.items()} == {
        "country": ("FRA", "dataset"), "date": ("2019", "dataset"),
        "meeting": ("74", "dataset"), "speaker": ("Jean Dupont", "dataset"),
    }  # fmt: skip
    assert first.manifest_key == str(path.resolve())
    assert isinstance(empty, Problem) and empty.kind == "failed" and "empty" in empty.reason
    assert third.hints["country"].value == "BRA"


def test_csv_with_real_multiline_speeches(corpus: Path, tmp_path: Path) -> None:
    import csv

    texts = [
        (corpus / "unga79/text" / n).read_text(encoding="utf-8") for n in ("at_en.txt", "au_en.txt")
    ]
    with open(tmp_path / "data.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["speech", "iso3", "year"])
        writer.writerows([[texts[0], "AUT", "2024"], [texts[1], "AUS", "2024"]])
    docs = list(read_file(tmp_path / "data.csv"))
    assert [(d.source, d.raw_text, d.hints["country"].value) for d in docs] == [
        ("data.csv#1", texts[0], "AUT"), ("data.csv#2", texts[1], "AUS"),
    ]  # fmt: skip


def test_csv_column_options_and_a_dataset_without_text(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", f'code;words;forum\nKEN;"{SPEECH.strip()}";HRC\n')
    options = ReaderOptions(text_column="words", column_map={"country": "code"})
    doc = only(read_file(path, options))
    assert doc.hints["country"].value == "KEN" and doc.hints["forum"].value == "HRC"
    problem = only(read_file(path))
    assert problem.kind == "skipped" and problem.reason.startswith("not a statement dataset")
    wrong = only(read_file(path, ReaderOptions(text_column="speech_text")))
    assert wrong.kind == "failed" and "speech_text" in wrong.reason and "words" in wrong.reason


def test_a_csv_row_that_does_not_fit_its_header_fails_by_line(corpus: Path, tmp_path: Path) -> None:
    """Real speeches in a CSV whose second row has an unquoted comma: its cells no longer line
    up with the header (its country would be a piece of text), so that row fails naming its
    lines and the others are read. Before, the extra cells were dropped and the row stored."""
    fj, ws, tv = (" ".join((corpus / "unga79/text" / f"{c}_en.txt").read_text(
        encoding="utf-8").split()[:80]) for c in ("fj", "ws", "tv"))  # fmt: skip
    path = write(tmp_path, "d.csv", f'speech,iso3,year\n"{fj}",FJI,2024\n'
                                    f'Samoa, {ws.replace(",", "")},WSM,2024\n"{tv}",TUV,2024\n')  # fmt: skip
    first, bad, third = read_file(path)
    assert first.hints["country"].value == "FJI" and third.hints["country"].value == "TUV"
    assert isinstance(bad, Problem) and bad.kind == "failed" and bad.source == "d.csv#2"
    assert "row 2 (from line 3) has 4 fields but the header has 3" in bad.reason


def test_a_quote_left_open_fails_the_csv_from_its_row(corpus: Path, tmp_path: Path) -> None:
    """A quote opened and never closed swallowed every later row into one last "speech", stored
    as such; now the file fails, naming the line that row starts on."""
    fj, ws, tv = (" ".join((corpus / "unga79/text" / f"{c}_en.txt").read_text(
        encoding="utf-8").split()[:80]).replace('"', "") for c in ("fj", "ws", "tv"))  # fmt: skip
    path = write(tmp_path, "d.csv", f'speech,iso3,year\n"{fj}",FJI,2024\n"{ws},WSM,2024\n'
                                    f"{tv},TUV,2024\n")  # fmt: skip
    items = list(read_file(path))
    assert items[0].hints["country"].value == "FJI" and len(items) == 2
    assert isinstance(items[1], Problem) and items[1].source == "d.csv#2"
    assert "opens a quote on line 3 that is never closed" in items[1].reason


def test_a_quote_closed_by_a_later_row_fails_that_row(corpus: Path, tmp_path: Path) -> None:
    """A quote left open in one row and closed by the next row's opening quote merged the two
    rows into one statement, stored under the second row's country with both texts; and a
    quote inside a quoted cell, not doubled, was read as the cell's end. Both rows now fail,
    naming their lines; the rows around them are read."""
    fj, ws, tv, ki = (" ".join((corpus / "unga79/text" / f"{c}_en.txt").read_text(
        encoding="utf-8").split()[:80]).replace('"', "") for c in ("fj", "ws", "tv", "ki"))  # fmt: skip
    path = write(tmp_path, "d.csv", f'speech,iso3\n"{fj}",FJI\n"{ws},WSM\n"{tv}",TUV\n'
                                    f'"He said "no" to {ki}",KIR\n"{fj}" ,FJI\n')  # fmt: skip
    items = list(read_file(path))
    assert len(items) == 4
    assert items[0].hints["country"].value == "FJI" and items[0].raw_text.strip() == fj
    merged, inner = items[1], items[2]
    assert isinstance(merged, Problem) and merged.source == "d.csv#2"
    assert "row 2 (from line 3) has a quote that neither closes its cell" in merged.reason
    assert isinstance(inner, Problem) and inner.source == "d.csv#3"
    assert "row 3 (from line 5)" in inner.reason
    # a space after a closing quote, as spreadsheets write it, is still a row
    assert items[3].hints["country"].value == "FJI" and items[3].raw_text.strip() == fj


def test_a_space_after_a_closing_quote_is_still_a_row(corpus: Path, tmp_path: Path) -> None:
    """Spreadsheet CSVs write `"a speech" ,FRA`: read leniently as before (a strict reading,
    meant to catch quotes left open, failed the row and every row after it)."""
    fj, tv = (" ".join((corpus / "unga79/text" / f"{c}_en.txt").read_text(
        encoding="utf-8").split()[:80]).replace('"', "") for c in ("fj", "tv"))  # fmt: skip
    path = write(tmp_path, "d.csv", f'speech,iso3\n"{fj}" ,FJI\n"{tv}",TUV\n"UN" Charter,XX\n')
    first, second, third = read_file(path)
    assert first.raw_text.strip() == fj and first.hints["country"].value == "FJI"
    assert second.hints["country"].value == "TUV"
    assert not isinstance(third, Problem) or "never closed" not in third.reason


def test_a_csv_without_a_text_column_is_skipped_before_its_rows_are_read(tmp_path: Path) -> None:
    """A metadata table (a manifest under another name) is not a statement dataset, however
    its rows are shaped: skipped, not failed row by row."""
    path = write(tmp_path, "meta.csv", "file,country,title\nbf_fr.txt,BFA,Speech, with a comma\n")
    problem = only(read_file(path))
    assert problem.kind == "skipped" and problem.reason.startswith("not a statement dataset")


def test_jsonl_rows(tmp_path: Path) -> None:
    rows = [{"text": SPEECH, "country": "Chile", "lang": "en"}, "not an object", {"text": SPEECH}]
    path = write(tmp_path, "d.jsonl", "\n".join(json.dumps(r) for r in rows))
    items = list(read_file(path))
    assert [i.source for i in items] == ["d.jsonl#1", "d.jsonl#2", "d.jsonl#3"]
    assert items[0].reader == "jsonl" and items[0].hints["language"].value == "en"
    assert isinstance(items[1], Problem) and "not a JSON object" in items[1].reason


def test_a_jsonl_text_that_is_not_text_says_so(tmp_path: Path) -> None:
    """A number or a list in the text column failed as "no text left after cleaning (only page
    furniture?)", which sent the researcher looking at the wrong thing."""
    rows = [{"speech": 123, "iso3": "FRA"}, {"speech": ["a", "b"], "iso3": "DEU"},
            {"speech": SPEECH, "iso3": "CHL"}]  # fmt: skip
    path = write(tmp_path, "d.jsonl", "\n".join(json.dumps(r) for r in rows))
    number, listed, fine = read_file(path)
    assert isinstance(number, Problem) and number.reason == "column 'speech' holds a number, not text"
    assert isinstance(listed, Problem) and listed.reason == "column 'speech' holds a list, not text"
    assert fine.hints["country"].value == "CHL"


# -- zip archives ------------------------------------------------------------------------------
def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_members_nested_archives_and_names(tmp_path: Path) -> None:
    inner = make_zip({"deep/c.txt": SPEECH.encode()})
    innermost = make_zip({"x.zip": make_zip({"d.txt": SPEECH.encode()})})
    data = make_zip({
        "speeches/": b"", "speeches/a.txt": SPEECH.encode(), "README.txt": b"about",
        "inner.zip": inner, "twice.zip": innermost, "__MACOSX/speeches/._a.txt": b"x",
    })  # fmt: skip
    path = write(tmp_path, "batch.zip", data)
    items = list(read_file(path))
    by_source = {i.source: i for i in items}
    archive = str(path.resolve())
    a = by_source["batch.zip:speeches/a.txt"]
    assert a.source_path == f"{archive}:speeches/a.txt" and a.manifest_key == archive
    c = by_source["batch.zip:inner.zip:deep/c.txt"]
    assert isinstance(c, RawDocument) and c.manifest_key == archive
    assert by_source["batch.zip:README.txt"].kind == "skipped"
    assert by_source["batch.zip:__MACOSX/speeches/._a.txt"].kind == "skipped"
    too_deep = by_source["batch.zip:twice.zip:x.zip"]
    assert too_deep.kind == "failed" and "nested" in too_deep.reason
    assert count_candidate_files([path]) == 5


def test_zip_member_escaping_its_folder_fails(tmp_path: Path) -> None:
    data = make_zip({"../evil.txt": SPEECH.encode(), "/etc/x.txt": SPEECH.encode(),
                     "ok.txt": SPEECH.encode()})  # fmt: skip
    items = list(read_file(write(tmp_path, "slip.zip", data)))
    assert [(i.source, type(i).__name__) for i in items] == [
        ("slip.zip:../evil.txt", "Problem"), ("slip.zip:/etc/x.txt", "Problem"),
        ("slip.zip:ok.txt", "RawDocument"),
    ]  # fmt: skip
    assert "escapes its folder" in items[0].reason


def test_zip_bomb_and_archive_limits_fail(tmp_path: Path) -> None:
    bomb = make_zip({"bomb.txt": b"a" * 5_000_000, "ok.txt": SPEECH.encode()})
    items = list(read_file(write(tmp_path, "bomb.zip", bomb)))
    assert items[0].kind == "failed" and "zip bomb" in items[0].reason
    assert isinstance(items[1], RawDocument)
    options = ReaderOptions(max_archive_members_bytes=1_000_000)
    whole = only(read_file(tmp_path / "bomb.zip", options))
    assert whole.source == "bomb.zip" and "over the 1 MB limit" in whole.reason
    corrupt = only(read_file(write(tmp_path, "broken.zip", bomb[:200])))
    assert corrupt.kind == "failed" and "corrupt zip" in corrupt.reason


def test_read_bytes_chooses_the_format_by_name_and_content() -> None:
    doc = only(read_bytes("upload/speech.txt", SPEECH.encode(), source_path="upload"))
    assert doc.source == "speech.txt" and doc.reader == "text"
    captions = json.dumps([{"text": "we call on", "start": 0.1, "duration": 1.0}] * 30)
    assert only(read_bytes("clip.json", captions.encode())).reader == "captions"
    sniffed = list(read_bytes("upload", make_zip({"a.txt": SPEECH.encode()})))
    assert [d.source for d in sniffed] == ["upload:a.txt"]


def test_no_exception_escapes_on_garbage_files(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 20
    for name in ("a.txt", "b.pdf", "c.json", "d.csv", "e.jsonl", "f.html", "g.md", "h.zip", "i"):
        write(tmp_path, name, junk)
    items = list(iter_documents([tmp_path]))
    assert len(items) == 9
    assert all(isinstance(i, Problem) for i in items), docs_of(items)


def test_a_text_of_letters_without_spaces_is_not_a_statement(corpus: Path, tmp_path: Path) -> None:
    """A file that is one 'word' of megabytes (QA: stored as a one-word statement) fails by name;
    every real statement of the corpus, in any script, has no such run."""
    (tmp_path / "blob.txt").write_text("x" * 2_000_000, encoding="utf-8")
    (tmp_path / "glued.txt").write_text("Mr President, " + "abc" * 50_000 + ".", encoding="utf-8")
    items = list(iter_documents([tmp_path]))
    failed = {p.source: p.reason for p in problems_of(items)}
    assert set(failed) == {"blob.txt", "glued.txt"}
    assert all(r.startswith("unreadable text") and "without a space" in r for r in failed.values())
    from tracker.sources import letters_without_spaces

    for path in sorted((corpus / "unga79" / "text").glob("*.txt")):
        assert letters_without_spaces(path.read_text(encoding="utf-8")) == 0, path.name


def test_a_pdf_page_whose_text_layer_has_no_spaces_is_read_by_ocr(tmp_path: Path) -> None:
    """In a PDF such a page is a broken text layer, which OCR reads (a first version of the
    check failed the whole PDF, with a NameError)."""
    import pymupdf

    _require_tesseract()
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((5, 60), "x" * 1500, fontsize=0.6)  # in the text layer, too small to see
    page.insert_text((20, 100), "Mr President, the General Assembly meets today.", fontsize=11)
    doc.save(tmp_path / "glued.pdf")
    [read] = iter_documents([tmp_path / "glued.pdf"])
    assert isinstance(read, RawDocument), read
    assert "General Assembly meets today" in read.raw_text and "xxxxxxxxxx" not in read.raw_text
    [off] = iter_documents([tmp_path / "glued.pdf"], ReaderOptions(ocr=False))
    assert not isinstance(off, RawDocument) and "OCR is turned off" in off.reason
