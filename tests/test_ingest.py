"""Ingest end to end on real statements: formats, metadata sources, idempotence, bad input."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pymupdf

from tracker.ingest import ingest_paths
from tracker.store import Store

SEED = "seed/2024-06-20_china_fu-cong_unsc-cybersecurity.txt"


def rows(db: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def statement(db: Path, source: str) -> dict:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "SELECT s.*, t.clean_text, t.raw_text FROM statements s "
            "JOIN statement_texts t ON t.statement_id = s.id WHERE s.source = ?", (source,)
        ).fetchone()  # fmt: skip
    assert row is not None, f"{source} not stored"
    return dict(row)


def test_seed_with_manifest_has_manifest_metadata_and_no_site_chrome(corpus, db_path):
    report = ingest_paths([corpus / SEED], db=db_path, manifest=corpus / "manifest.csv")
    assert report.stored == [Path(SEED).name] and not report.failed
    st = statement(db_path, Path(SEED).name)
    assert (st["country"], st["date"], st["date_precision"], st["forum"]) == (
        "CHN", "2024-06-20", "day", "Security Council")  # fmt: skip
    assert st["speaker"] == "Fu Cong" and st["country_name"] == "China"
    assert json.loads(st["provenance"])["country"] == "manifest"
    assert st["source_kind"] == "web page of the delegation"
    # the speech is kept whole, the site's chrome around it is not
    assert "Suggest to a friend" not in st["clean_text"]
    assert "Meetings & Statements" not in st["clean_text"]
    assert "I thank you for presiding over today's meeting" in st["clean_text"]
    assert "Thank you, President." in st["clean_text"]
    assert "Suggest to a friend" in st["raw_text"]  # the raw text is kept beside it


def test_seed_without_manifest_infers_country_date_and_speaker(corpus, db_path):
    ingest_paths([corpus / SEED], db=db_path)
    st = statement(db_path, Path(SEED).name)
    origins = json.loads(st["provenance"])
    assert st["country"] == "CHN" and origins["country"] in {"filename", "text"}
    assert st["date"] == "2024-06-20" and origins["date"] in {"filename", "text"}
    assert st["speaker"] == "Fu Cong" and origins["speaker"] == "text"


def test_flags_override_inference_and_manifest_overrides_flags(corpus, db_path, tmp_path):
    text = tmp_path / "statement.txt"
    shutil.copy(corpus / "unga79" / "text" / "sg_en.txt", text)
    ingest_paths([text], db=db_path, overrides={"country": "Singapore", "forum": "OEWG",
                                                "date": "2024-09-28"})  # fmt: skip
    st = statement(db_path, "statement.txt")
    assert (st["country"], st["forum"], st["date"]) == ("SGP", "OEWG", "2024-09-28")
    assert set(json.loads(st["provenance"]).values()) >= {"flag"}
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,country,forum\nother.txt,FRA,First Committee\n")
    shutil.copy(corpus / "unga79" / "text" / "at_en.txt", tmp_path / "other.txt")
    ingest_paths([tmp_path / "other.txt"], db=db_path, manifest=manifest,
                 overrides={"country": "SGP", "forum": "OEWG"})  # fmt: skip
    st = statement(db_path, "other.txt")
    assert (st["country"], st["forum"]) == ("FRA", "First Committee")


def test_every_format(corpus, db_path, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    seed_text = (corpus / SEED).read_text(encoding="utf-8")
    body = seed_text.split("President,", 1)[1].split("Suggest to a friend")[0]
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n") if p.strip())
    (folder / "fu-cong.html").write_text(
        "<html><head><title>Remarks by Ambassador Fu Cong</title><script>alert(1)</script>"
        "</head><body><nav><a href='/'>Home</a> <a href='/m'>Meetings</a></nav>"
        f"<article><h1>Remarks by Ambassador Fu Cong</h1>{paragraphs}</article>"
        "<footer>Print | Share | Suggest to a friend</footer></body></html>",
        encoding="utf-8",
    )
    (folder / "speech.md").write_text("# A statement\n\n" + body[:3000], encoding="utf-8")
    shutil.copy(corpus / "unga79" / "pdf" / "sg_en.pdf", folder / "sg_en.pdf")
    shutil.copy(corpus / "unga78-captions" / "Kenya.json", folder / "Kenya.json")
    with open(folder / "data.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["speech", "iso3", "year", "forum"])
        for name, iso3 in [("at_en.txt", "AUT"), ("au_en.txt", "AUS")]:
            text = (corpus / "unga79" / "text" / name).read_text(encoding="utf-8")
            writer.writerow([text, iso3, "2024", "General Assembly general debate"])
    with open(folder / "data.jsonl", "w", encoding="utf-8") as fh:
        text = (corpus / "unga79" / "text" / "ba_en.txt").read_text(encoding="utf-8")
        fh.write(json.dumps({"text": text, "country": "BIH", "date": "2024-09-24"}) + "\n")
    with zipfile.ZipFile(folder / "bundle.zip", "w") as zf:
        zf.write(corpus / "unga79" / "text" / "bg_en.txt", "speeches/bg_en.txt")
        zf.writestr("speeches/README.txt", "About these speeches.")

    report = ingest_paths([folder], db=db_path, overrides={},
                          reader_options=None)  # fmt: skip
    assert not report.failed, report.failed
    stored = set(report.stored)
    assert {"fu-cong.html", "speech.md", "sg_en.pdf", "Kenya.json", "data.csv#1", "data.csv#2",
            "data.jsonl#1", "bundle.zip:speeches/bg_en.txt"} <= stored  # fmt: skip
    assert "bundle.zip:speeches/README.txt" in {p.source for p in report.skipped}
    html = statement(db_path, "fu-cong.html")
    assert "alert(1)" not in html["clean_text"] and "Suggest to a friend" not in html["clean_text"]
    assert "digital divide" in html["clean_text"] and html["reader"] == "html"
    assert statement(db_path, "data.csv#2")["country"] == "AUS"
    assert statement(db_path, "data.jsonl#1")["date"] == "2024-09-24"
    kenya = statement(db_path, "Kenya.json")
    assert kenya["country"] == "KEN" and kenya["reader"] == "captions"
    assert statement(db_path, "bundle.zip:speeches/bg_en.txt")["country"] == "BGR"
    pdf = statement(db_path, "sg_en.pdf")
    assert pdf["country"] == "SGP" and pdf["words"] > 1000


def test_second_run_adds_nothing(corpus, db_path):
    paths = [corpus / "unga79" / "text", corpus / SEED]
    first = ingest_paths(paths, db=db_path, manifest=corpus / "manifest.csv")
    before = rows(db_path, "SELECT COUNT(*), (SELECT COUNT(*) FROM passages), "
                           "(SELECT COUNT(*) FROM matches) FROM statements")  # fmt: skip
    second = ingest_paths(paths, db=db_path, manifest=corpus / "manifest.csv")
    assert len(first.stored) == 135 and second.stored == []
    assert len(second.already_stored) == len(first.stored)
    assert rows(db_path, "SELECT COUNT(*), (SELECT COUNT(*) FROM passages), "
                         "(SELECT COUNT(*) FROM matches) FROM statements") == before  # fmt: skip
    assert {p.source for p in first.failed} == {p.source for p in second.failed}


def test_unga79_texts_all_get_country_and_date_and_arabic_ocr_fails(corpus, db_path):
    report = ingest_paths([corpus / "unga79" / "text"], db=db_path,
                          manifest=corpus / "manifest.csv")  # fmt: skip
    failed = {p.source for p in report.failed}
    assert failed == {p.name for p in (corpus / "unga79" / "text").glob("*_ar.txt")}
    assert all("unreadable" in p.reason or "OCR" in p.reason for p in report.failed)
    missing = rows(db_path, "SELECT source FROM statements WHERE country = '' OR date = ''")
    assert missing == []


def test_bad_inputs_fail_one_line_each_and_the_rest_is_stored(corpus, db_path, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    shutil.copy(corpus / "unga79" / "text" / "at_en.txt", folder / "good_at.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text("  \n\n \t ")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "latin.txt").write_bytes(b"Le d\xe9bat g\xe9n\xe9ral \x81\x8d\x90 " * 100)
    (folder / "corrupt.pdf").write_bytes((corpus / "unga79" / "pdf" / "sg_en.pdf").read_bytes()[:2000])
    doc = pymupdf.open(corpus / "unga79" / "pdf" / "sg_en.pdf")
    doc.save(folder / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="u")
    shutil.copy(corpus / "unga79" / "text" / "bh_ar.txt", folder / "bh_ar.txt")
    (folder / "huge.txt").write_text("The digital divide must close. " * 40_000)
    with zipfile.ZipFile(folder / "evil.zip", "w") as zf:
        zf.writestr("../escape.txt", "The digital divide must close. " * 20)
        zf.writestr("ok/fine.txt", (corpus / "unga79" / "text" / "au_en.txt").read_text())
    from tracker.sources import ReaderOptions

    report = ingest_paths([folder], db=db_path, reader_options=ReaderOptions(max_bytes=1_000_000))
    failed = {p.source: p.reason for p in report.failed}
    assert set(failed) >= {"empty.txt", "blank.txt", "binary.txt", "latin.txt", "corrupt.pdf",
                           "locked.pdf", "bh_ar.txt", "huge.txt", "evil.zip:../escape.txt"}  # fmt: skip
    assert all(reason.strip() for reason in failed.values())
    assert "encrypt" in failed["locked.pdf"].lower()
    assert set(report.stored) == {"good_at.txt", "evil.zip:ok/fine.txt"}
    with Store(db_path) as store:
        assert store.integrity_check() == "ok"
        problems = store.conn.execute("SELECT source, kind FROM ingest_problems").fetchall()
    assert ("empty.txt", "failed") in problems


def test_a_truncated_pdf_fails_and_the_complete_download_then_stores_normally(
    corpus, db_path, tmp_path
):
    """QA's case: a PDF cut at 60% by a broken download was stored as a 450-word speech with no
    warning, and the complete PDF ingested next was linked to it as its copy, so counts used the
    truncated text. It fails now, by name, nothing of it stored, and the rest of the batch is."""
    pdfs = corpus / "unga79" / "pdf"
    first, second = tmp_path / "dl1", tmp_path / "dl2"
    first.mkdir()
    second.mkdir()
    data = (pdfs / "ge_en.pdf").read_bytes()
    (first / "ge_en.pdf").write_bytes(data[: len(data) * 6 // 10])
    (first / "no_en.pdf").write_bytes((pdfs / "no_en.pdf").read_bytes()[:20_000])
    shutil.copy(pdfs / "sg_en.pdf", first / "sg_en.pdf")
    shutil.copy(pdfs / "ge_en.pdf", second / "ge_en.pdf")
    meta = {"forum": "General Assembly general debate", "date": "2024-09"}

    report = ingest_paths([first], db=db_path, overrides=meta)
    failed = {p.source: p.reason for p in report.failed}
    assert set(failed) == {"ge_en.pdf", "no_en.pdf"}, report.failed
    assert failed["ge_en.pdf"].startswith("corrupt PDF: pages 2-5 of 5 missing or incomplete")
    assert failed["no_en.pdf"].startswith("corrupt PDF: pages 1-5 of 5 missing or incomplete")
    assert all("truncated or damaged" in r and "download it again" in r for r in failed.values())
    assert report.stored == ["sg_en.pdf"] and report.warned == []
    assert rows(db_path, "SELECT source FROM statements") == [("sg_en.pdf",)]
    assert set(rows(db_path, "SELECT source, kind FROM ingest_problems")) == {
        ("ge_en.pdf", "failed"), ("no_en.pdf", "failed")}  # fmt: skip

    report = ingest_paths([second], db=db_path, overrides=meta)
    assert report.stored == ["ge_en.pdf"] and not report.failed and report.warned == []
    st = statement(db_path, "ge_en.pdf")
    assert st["words"] == 1224 and st["duplicate_of"] is None and st["source_path"] == str(
        (second / "ge_en.pdf").resolve())  # fmt: skip
    assert st["warnings"] == ""


def test_files_that_are_not_statements_are_skipped_not_failed(corpus, db_path, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(corpus / "README.md", folder / "README.md")
    shutil.copy(corpus / "unga78-captions" / "LICENSE", folder / "LICENSE")
    shutil.copy(corpus / "unga79" / "iso2-countries.json", folder / "iso2-countries.json")
    shutil.copy(corpus / "gold" / "dev.tsv", folder / "dev.tsv")
    shutil.copy(corpus / "ungdc" / "Speakers_by_session.xlsx", folder / "speakers.xlsx")
    shutil.copy(corpus / "unga79" / "text" / "at_en.txt", folder / "at_en.txt")
    shutil.copy(corpus / "unga79" / "text" / "au_en.txt", folder / "au_en.txt")
    manifest = folder / "manifest.csv"
    manifest.write_text("file,country,skip\nau_en.txt,AUS,duplicate kept elsewhere\n")
    report = ingest_paths([folder], db=db_path, manifest=manifest)
    assert report.failed == []
    assert report.stored == ["at_en.txt"]
    skipped = {p.source: p.reason for p in report.skipped}
    assert set(skipped) == {"README.md", "LICENSE", "iso2-countries.json", "dev.tsv",
                            "speakers.xlsx", "manifest.csv", "au_en.txt"}  # fmt: skip
    assert "duplicate kept elsewhere" in skipped["au_en.txt"]
