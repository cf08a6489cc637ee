"""Rebuild the bundled sample corpus (tracker/data/sample/) from ../shared/corpus.

Run from the repository root: `python scripts/make_sample.py [CORPUS]`. The sample is small real
material: the seed, the readable UNGA79 texts, a few UNGA79 PDFs and UNGA78 captions, and a
slice of the UN General Debate Corpus with time depth (20 states, every session since 1970),
kept as a zip in the corpus's own layout. PROVENANCE.md beside it says where each part is from.
"""

from __future__ import annotations

import csv
import shutil
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tracker" / "data" / "sample"

#: The five permanent members and the largest or most active states of each region.
UNGDC_COUNTRIES = [
    "USA", "CHN", "RUS", "GBR", "FRA",  # P5
    "IND", "IDN", "JPN", "PAK", "IRN",  # Asia-Pacific
    "BRA", "MEX", "ARG", "CUB",  # Latin America and the Caribbean
    "NGA", "ZAF", "EGY", "KEN",  # Africa
    "DEU", "AUS",  # Western Europe and others
]  # fmt: skip
FIRST_YEAR = 1970
CAPTION_FILES = [
    "China.json", "United States of America.json", "Russia.json", "France.json",
    "United Kingdom.json", "India.json", "Brazil.json", "South Africa.json", "Nigeria.json",
    "Indonesia.json", "Mexico.json", "Japan.json", "Cuba.json", "Kenya.json", "Egypt.json",
]  # fmt: skip
PDF_FILES = ["at_en.pdf", "sg_en.pdf", "za_en.pdf"]


def main(corpus: Path) -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    (OUT / "unga79" / "text").mkdir(parents=True)
    (OUT / "unga79" / "pdf").mkdir(parents=True)
    (OUT / "unga78-captions").mkdir(parents=True)
    (OUT / "seed").mkdir()
    rows = _manifest_rows(corpus)
    kept = []
    for src in sorted((corpus / "seed").glob("*.txt")):
        shutil.copy2(src, OUT / "seed" / src.name)
        kept.append(f"seed/{src.name}")
    for src in sorted((corpus / "unga79" / "text").glob("*.txt")):
        if src.stem.endswith("_ar"):  # unreadable OCR output: a bad-input case, not sample data
            continue
        shutil.copy2(src, OUT / "unga79" / "text" / src.name)
        kept.append(f"unga79/text/{src.name}")
    for name in PDF_FILES:
        shutil.copy2(corpus / "unga79" / "pdf" / name, OUT / "unga79" / "pdf" / name)
        kept.append(f"unga79/pdf/{name}")
    for name in CAPTION_FILES:
        shutil.copy2(corpus / "unga78-captions" / name, OUT / "unga78-captions" / name)
        kept.append(f"unga78-captions/{name}")
    shutil.copy2(corpus / "unga78-captions" / "LICENSE", OUT / "unga78-captions" / "LICENSE")
    members = _ungdc_slice(corpus / "ungdc" / "UNGDC_1946-2024.zip", OUT / "ungdc" / "UNGDC_sample.zip")
    with open(OUT / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "country", "date", "forum", "meeting", "speaker", "title",
                         "language", "source_url", "source_kind", "skip"])  # fmt: skip
        for path in kept:
            writer.writerow(rows[path])
        writer.writerow(["ungdc/UNGDC_sample.zip", "", "", "General Assembly general debate",
                         "", "", "", "en", "", "UN record (UN General Debate Corpus)", ""])  # fmt: skip
        writer.writerow(["unga78-captions/LICENSE"] + [""] * 9 + ["licence, not a statement"])
        writer.writerow(["PROVENANCE.md"] + [""] * 9 + ["not a statement"])
    print(f"{len(kept)} files and {members} UNGDC speeches in {OUT}")


def _manifest_rows(corpus: Path) -> dict[str, list[str]]:
    with open(corpus / "manifest.csv", newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        return {row[0]: row for row in reader}


def _ungdc_slice(source: Path, target: Path) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9
    ) as zout:
        for info in zin.infolist():
            name = info.filename.rsplit("/", 1)[-1]
            parts = name[:-4].split("_") if name.endswith(".txt") else []
            if len(parts) == 3 and parts[0] in UNGDC_COUNTRIES and int(parts[2]) >= FIRST_YEAR:
                zout.writestr(info.filename.replace("UNGDC_1946-2024", "UNGDC_sample"),
                              zin.read(info))  # fmt: skip
                count += 1
    return count


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "corpus")
