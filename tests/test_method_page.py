"""The Codebook and method page shows the validation figures when gold labels are loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracker.coding import validate_coding
from tracker.ingest import ingest_paths
from tracker.store import Store

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gold_db(corpus, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("gold") / "gold.db"
    gold = corpus / "gold" / "dev.tsv"
    files = {line.split("\t")[0] for line in gold.read_text().splitlines()[1:]}
    paths = [p for p in (corpus / "unga79" / "text").glob("*.txt") if p.name in files]
    paths += [p for p in (corpus / "seed").glob("*.txt") if p.name in files]
    ingest_paths(paths, db=db, manifest=corpus / "manifest.csv")
    return db


def method_page(db: Path, monkeypatch) -> AppTest:
    """The Codebook and method page on ``db``, as a researcher opens it."""
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120).run()
    return at.switch_page("app_pages/method.py").run()


def assert_figures(at: AppTest, expected, *, statements: int) -> None:
    """The page's headline figures are `tracker validate`'s."""
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Micro F1"] == f"{expected.micro_f1:.3f}"
    assert metrics["Gold statements"] == str(statements)


def test_validation_figures_on_the_method_page(corpus, gold_db, monkeypatch):
    gold = corpus / "gold" / "dev.tsv"
    with Store(gold_db, readonly=True) as store:
        expected = validate_coding(store, gold, n_boot=50)
    monkeypatch.setenv("TRACKER_GOLD", str(gold))
    at = method_page(gold_db, monkeypatch)
    assert_figures(at, expected, statements=41)
    table = next(d.value for d in at.dataframe if "tp" in d.value.columns)
    assert list(table["theme"]) == [t.theme for t in expected.per_theme]
    assert list(table["tp"]) == [t.tp for t in expected.per_theme]


def test_the_workbench_gold_is_measured_when_no_file_is_given(corpus, gold_db, tmp_path,
                                                             monkeypatch):
    """Gold adjudicated (here imported) in the validation workbench is what the page measures
    when no TSV is uploaded or named: the same figures as `tracker validate` on that gold."""
    import shutil

    from tracker.workbench import gold as wb_gold

    db = tmp_path / "with-gold.db"
    shutil.copy(gold_db, db)
    gold = corpus / "gold" / "dev.tsv"
    monkeypatch.delenv("TRACKER_GOLD", raising=False)
    at = method_page(db, monkeypatch)
    assert "Micro F1" not in {m.label for m in at.metric}
    assert any("No gold labels loaded" in i.value for i in at.info)
    wb_gold.import_gold(db, gold)
    with Store(db, readonly=True) as store:
        expected = validate_coding(store, gold, n_boot=50)
    at = method_page(db, monkeypatch)
    assert_figures(at, expected, statements=41)
    assert any("gold adjudicated in the validation workbench" in c.value for c in at.caption)


def test_gold_naming_files_not_in_the_database_is_a_message(corpus, tmp_path, monkeypatch):
    db = tmp_path / "one.db"
    ingest_paths([corpus / "unga79" / "text" / "at_en.txt"], db=db)
    monkeypatch.setenv("TRACKER_DB", str(db))
    monkeypatch.setenv("TRACKER_GOLD", str(corpus / "gold" / "dev.tsv"))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120).run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception
    assert any("not in" in e.value for e in at.error)


def test_gold_that_is_not_utf8_text_is_a_message_naming_the_file(corpus, tmp_path, monkeypatch):
    """A gold file in another encoding (here a real PDF of the corpus named .tsv) used to crash
    the page with a UnicodeDecodeError; and messages named a temporary copy, not the file."""
    db = tmp_path / "one.db"
    ingest_paths([corpus / "unga79" / "text" / "at_en.txt"], db=db)
    bad = tmp_path / "my_gold.tsv"
    bad.write_bytes((corpus / "unga79" / "pdf" / "au_en.pdf").read_bytes())
    monkeypatch.setenv("TRACKER_DB", str(db))
    monkeypatch.setenv("TRACKER_GOLD", str(bad))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120).run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception
    assert [e.value for e in at.error if "gold" in e.value] == [
        f"{bad}: not UTF-8 text: gold labels are a tab-separated text file (save it as UTF-8)"]


def test_gold_naming_a_theme_the_codebook_lacks_is_warned_about(corpus, gold_db, tmp_path,
                                                               monkeypatch):
    """As `tracker validate` does: a mistyped theme id in uploaded gold is scored (every
    positive a miss), so the page names it (QA run: scored with no word)."""
    lines = (corpus / "gold" / "dev.tsv").read_text(encoding="utf-8").splitlines()
    gold = tmp_path / "typo.tsv"
    gold.write_text("\n".join([lines[0], *(ln.replace("\tmilitarization\t", "\tmilitarisation\t")
                                            for ln in lines[1:])]) + "\n", encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("TRACKER_DB", str(gold_db))
    monkeypatch.setenv("TRACKER_GOLD", str(gold))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.switch_page("app_pages/method.py").run()
    assert not at.exception
    assert any("does not have, each positive of them counted as a miss: militarisation"
               in w.value for w in at.warning)


def test_a_score_with_nothing_to_divide_by_is_left_empty(corpus, gold_db, tmp_path, monkeypatch):
    """A theme no gold statement has and the tool finds in none: `tracker validate` shows "-",
    the page showed precision, recall and F1 as 1.000 (a perfect score for nothing)."""
    import csv
    import math

    theme = "global_digital_compact"
    gold = corpus / "gold" / "dev.tsv"
    with gold.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    with Store(gold_db, readonly=True) as store:
        found = set(store.conn.execute(
            "SELECT s.source, t.theme FROM statement_themes t JOIN statements s ON s.id = t.statement_id"
        ).fetchall())  # fmt: skip
    keep = {r["file"] for r in rows if r["theme"] == theme and r["present"] == "0"
            and (r["file"], theme) not in found}  # fmt: skip
    small = tmp_path / "small.tsv"
    with small.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        out.writeheader()
        out.writerows(r for r in rows if r["file"] in keep)
    with Store(gold_db, readonly=True) as store:
        expected = validate_coding(store, small, n_boot=50)
    score = next(t for t in expected.per_theme if t.theme == theme)
    assert keep and score.support == 0 and score.tp + score.fp == 0
    assert f"{theme:<26}" in expected.format() and "      -      -      -" in expected.format()
    monkeypatch.setenv("TRACKER_GOLD", str(small))
    at = method_page(gold_db, monkeypatch)
    assert_figures(at, expected, statements=len(keep))
    table = next(d.value for d in at.dataframe if "tp" in d.value.columns)
    row = table[table["theme"] == theme].iloc[0]
    assert all(v is None or (isinstance(v, float) and math.isnan(v))
               for v in (row["precision"], row["recall"], row["F1"])), row.to_dict()
    defined = table[table["gold positives"] > 0]
    assert not defined.empty and defined["F1"].notna().all()
