"""Issue 14, item 2: every document has a budget of work (words, distinct words, passages,
matches); one over it fails by name with the budget it exceeded, memory stays bounded by the
budget and not by the input, and every real document passes the default budgets."""

from __future__ import annotations

import random
import resource
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.ingest import Budgets, ingest_paths

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ZIP = REPO / "tracker" / "data" / "sample" / "ungdc" / "UNGDC_sample.zip"
#: Peak memory allowed for any single-file ingest (issue 14, "Done when").
MEMORY_CEILING = 1_500_000_000
THEMES = [
    "we condemn the digital divide", "cyber attacks on hospitals", "unilateral coercive measures",
    "the militarization of cyberspace", "capacity building for developing countries",
    "reform of the Security Council", "the Global Digital Compact",
]  # fmt: skip


def theme_text(chars: int, seed: int = 1) -> str:
    """Sentences of theme phrases with numbers in them: matches everywhere, and varied enough
    that a zip of it stays under the zip-bomb ratio."""
    rng = random.Random(seed)
    out, n = [], 0
    while n < chars:
        s = f"In {rng.randint(1000, 9999)}, {rng.choice(THEMES)} and {rng.choice(THEMES)}. "
        out.append(s)
        n += len(s)
    return "".join(out)


def pseudo_words(n: int, seed: int = 2) -> str:
    """``n`` distinct made-up words (consonant-vowel pairs), in sentences."""
    rng = random.Random(seed)
    words = {"".join(rng.choice("bcdfghjklmnpqrstvwz") + rng.choice("aeiou") for _ in range(5))
             for _ in range(int(n * 1.05))}  # fmt: skip
    return ". ".join(" ".join(list(words)[i : i + 12]) for i in range(0, n, 12)) + "."


#: Runs a command and reports its peak memory: this wrapper's only child is the command.
PEAK = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
        "print('peak_kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
        "file=sys.stderr); sys.exit(code)")  # fmt: skip


def cli_ingest(path: Path, db: Path, *args: str) -> tuple[subprocess.CompletedProcess, int]:
    """``tracker ingest`` in a child process; returns its result and its peak memory (bytes).
    The child is capped at 4 GB of address space, so an unbounded ingest fails instead of
    eating the machine."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    result = subprocess.run(
        [sys.executable, "-c", PEAK, sys.executable, "-m", "tracker.cli", "ingest", str(path),
         "--db", str(db), "--quiet", *args],
        cwd=REPO, capture_output=True, text=True, timeout=600, preexec_fn=cap,
    )  # fmt: skip
    peak_kb = int(result.stderr.rsplit("peak_kb ", 1)[1].split()[0])
    return result, peak_kb * 1024


def statements(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0]


def test_an_expanding_zip_fails_by_name_on_the_word_budget(tmp_path):
    """A 1 MB zip whose member expands to 12 MB of theme text (far under the zip-bomb ratio):
    the member fails by name, naming the words budget; the real speech beside it is stored."""
    archive = tmp_path / "hostile.zip"
    with zipfile.ZipFile(SAMPLE_ZIP) as sample, \
            zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        speech = sorted(n for n in sample.namelist() if n.endswith(".txt"))[0]
        z.writestr("speeches/" + Path(speech).name, sample.read(speech))
        z.writestr("speeches/theme.txt", theme_text(12_000_000))
    assert archive.stat().st_size < 2_000_000
    result, peak = cli_ingest(archive, tmp_path / "t.db")
    assert result.returncode == 1, result.stderr
    assert "failed: hostile.zip:speeches/theme.txt: more than 200,000 words, over the budget " \
           "of 200,000 words per document (--max-words)" in result.stderr  # fmt: skip
    assert "1 stored" in result.stderr and statements(tmp_path / "t.db") == 1
    assert peak < MEMORY_CEILING, peak


def test_a_huge_csv_field_fails_by_name_with_bounded_memory(tmp_path):
    """One 38 MB text cell (under the 50 MB file limit) in a dataset of real rows."""
    data = tmp_path / "speeches.csv"
    with open(data, "w", encoding="utf-8") as fh:
        fh.write("iso3,year,text\n")
        fh.write('FRA,2024,"We call for closing the digital divide and for capacity building."\n')
        fh.write(f'XXX,2024,"{theme_text(38_000_000)}"\n')
    result, peak = cli_ingest(data, tmp_path / "t.db")
    assert result.returncode == 1
    assert "failed: speeches.csv#2: more than 200,000 words, over the budget" in result.stderr
    assert statements(tmp_path / "t.db") == 1
    assert peak < MEMORY_CEILING, peak


@pytest.mark.slow  # 40,000 words fuzzy-matched before the budget stops the document
def test_distinct_made_up_words_fail_on_the_distinct_word_budget(tmp_path):
    """60,000 distinct pseudo-words (each is fuzzy-matched against the codebook once)."""
    path = tmp_path / "words.txt"
    path.write_text(pseudo_words(60_000))
    result, peak = cli_ingest(path, tmp_path / "t.db")
    assert result.returncode == 1
    assert ("failed: words.txt: more than 40,000 distinct words, over the budget of 40,000 "
            "distinct words per document (--max-distinct-words)") in result.stderr  # fmt: skip
    assert peak < MEMORY_CEILING, peak


def test_passage_and_match_budgets_name_the_document(tmp_path, db_path):
    (tmp_path / "short-sentences.txt").write_text("We agree. " * 12_000)  # 12,000 passages
    (tmp_path / "dense.txt").write_text(theme_text(400_000))  # about 15,000 matches
    report = ingest_paths([tmp_path / "short-sentences.txt", tmp_path / "dense.txt"], db=db_path,
                          budgets=Budgets(max_passages=10_000, max_matches=5_000))  # fmt: skip
    reasons = {p.source: p.reason for p in report.failed}
    assert set(reasons) == {"short-sentences.txt", "dense.txt"}
    assert reasons["short-sentences.txt"] == (
        "12,000 passages, over the budget of 10,000 passages per document (--max-passages)")
    assert reasons["dense.txt"].endswith("matches, over the budget of 5,000 matches per "
                                         "document (--max-matches)")  # fmt: skip
    assert report.stored == [] and statements(db_path) == 0


def test_budgets_are_options_of_the_cli(corpus, tmp_path):
    speech = corpus / "unga79" / "text" / "tr_en.txt"  # 4,501 words
    runner = CliRunner()
    tight = runner.invoke(cli, ["ingest", str(speech), "--db", str(tmp_path / "a.db"), "-q",
                                "--max-words", "1000"])  # fmt: skip
    assert tight.exit_code == 1
    assert "tr_en.txt: more than 1,000 words, over the budget of 1,000 words" in tight.output
    off = runner.invoke(cli, ["ingest", str(speech), "--db", str(tmp_path / "b.db"), "-q",
                              "--max-words", "0", "--max-distinct-words", "0"])  # fmt: skip
    assert off.exit_code == 0, off.output
    assert statements(tmp_path / "b.db") == 1


def test_the_largest_real_documents_pass_the_default_budgets(corpus, db_path):
    """The largest documents of the shared corpus and of the whole UNGDC (by words, distinct
    words and passages): stored under the default budgets."""
    largest = ("Session 15 - 1960/CUB_15_1960.txt", "Session 15 - 1960/IND_15_1960.txt")
    folder = db_path.parent / "largest"
    folder.mkdir()
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        for name in z.namelist():
            if name.endswith(largest):
                (folder / Path(name).name).write_bytes(z.read(name))
    record = corpus / "unsc-records" / "S_PV.8706(Resumption1)_E.pdf"  # 27,845 words, 63 turns
    report = ingest_paths([folder, record], db=db_path)
    assert report.failed == []
    assert len(report.stored) == 2 + 63


def test_a_budget_check_holds_only_a_slice_of_a_huge_text():
    """Counting 48 MB of one-letter words: the counter never holds the whole word list
    (``text.split()`` would hold 24 million references, about 200 MB)."""
    import tracemalloc

    from tracker.errors import SourceError
    from tracker.ingest import check_words

    text = "a " * 24_000_000
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match="over the budget of 200,000 words"):
            check_words(text, "x.txt", Budgets())
        with pytest.raises(SourceError, match="over the budget of 1,000 distinct words"):
            check_words(pseudo_words(2_000), "y.txt", Budgets(max_distinct_words=1_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, peak


def test_a_pdf_expanding_to_more_text_than_allowed_fails(tmp_path):
    import pymupdf

    from tracker.sources import ReaderOptions, read_file

    doc = pymupdf.open()
    for _ in range(3):
        doc.new_page().insert_text((72, 72), "We call for closing the digital divide. " * 3)
    doc.save(tmp_path / "long.pdf")
    items = list(read_file(tmp_path / "long.pdf", ReaderOptions(max_text_chars=200)))
    assert [(p.source, p.kind) for p in items] == [("long.pdf", "failed")]
    assert "over 200 characters" in items[0].reason
    assert not hasattr(items[0], "raw_text")
    read = list(read_file(tmp_path / "long.pdf"))
    assert read and hasattr(read[0], "raw_text")

