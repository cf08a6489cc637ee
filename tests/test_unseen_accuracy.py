"""The held-out figures the dashboard shows (tracker/data/unseen_accuracy.json) are what
benchmarks/unseen.py computes: every held-out gold file scored with the codebook frozen for it."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import unseen  # noqa: E402
from tracker.accuracy import UNSEEN_ACCURACY, load_unseen_accuracy, score  # noqa: E402
from tracker.errors import GoldError  # noqa: E402
from tracker.ingest import ingest_paths  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def history_has(commits: list[str]) -> bool:
    return all(
        subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{c}^{{commit}}"],
                       capture_output=True, check=False).returncode == 0
        for c in commits
    )  # fmt: skip


@pytest.mark.slow
def test_the_shipped_held_out_figures_are_what_the_frozen_codebooks_give(corpus, tmp_path, monkeypatch):
    rows = unseen.read_frozen()
    if not history_has([r.commit for r in rows]):
        pytest.skip("the frozen codebooks' commits are not in this clone's history (shallow?)")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the gold database is built here
    gold, _evidence, _docs, coded = unseen.code_with_frozen(corpus, rows)
    report = score(coded, gold, n_boot=10)
    shipped = load_unseen_accuracy()
    assert list(shipped.held_out_files) == [r.gold for r in rows]  # a new held-out is pooled
    assert shipped.statements == len(gold)
    assert [(t.theme, t.positives, t.tp, t.fp, t.fn) for t in shipped.themes] == [
        (t.theme, t.support, t.tp, t.fp, t.fn) for t in report.per_theme]
    assert (shipped.precision, shipped.recall, shipped.f1) == (
        round(report.micro_p, 3), round(report.micro_r, 3), round(report.micro_f1, 3))


def test_a_malformed_held_out_file_names_itself(tmp_path):
    bad = tmp_path / "unseen.json"
    bad.write_text(json.dumps({"micro": {"precision": 0.9}}), encoding="utf-8")
    with pytest.raises(GoldError, match="unseen.json"):
        load_unseen_accuracy(bad)
    with pytest.raises(GoldError, match="missing.json"):
        load_unseen_accuracy(tmp_path / "missing.json")


def test_the_method_page_shows_each_themes_held_out_recall(corpus, tmp_path, monkeypatch):
    db = tmp_path / "one.db"
    ingest_paths([corpus / "unga79" / "text" / "at_en.txt"], db=db)
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120).run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception
    shipped = load_unseen_accuracy(UNSEEN_ACCURACY)
    table = next(d.value for d in at.dataframe if "recall" in d.value.columns
                 and "positions found by the coders" in d.value.columns)
    assert list(table["positions found by the coders"]) == [t.positives for t in shipped.themes]
    by_count = dict(zip(table["positions found by the coders"], table["recall"]))
    for t in shipped.themes:
        shown = table.loc[table["positions found by the coders"] == t.positives, "recall"].iloc[0]
        if t.positives >= 10:
            assert shown == round(t.tp / t.positives, 2), t.theme
        else:  # too few positions to read a rate from
            assert shown != shown or shown is None, (t.theme, shown)  # NaN or None
    assert by_count
    assert any(f"{shipped.recall:.2f}" in m.value for m in at.markdown)
