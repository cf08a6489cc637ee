"""The held-out figures the dashboard shows (tracker/data/unseen_accuracy.json) are what
benchmarks/unseen.py computes: every held-out gold file scored with the codebook frozen for it."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from git_support import require_history
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import unseen  # noqa: E402
from tracker.accuracy import UNSEEN_ACCURACY, load_unseen_accuracy, score  # noqa: E402
from tracker.codebook import load_codebook  # noqa: E402
from tracker.errors import GoldError  # noqa: E402
from tracker.ingest import ingest_paths  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_shipped_held_out_figures_are_what_the_frozen_codebooks_give(corpus, tmp_path, monkeypatch):
    rows = unseen.read_frozen()
    require_history([r.commit for r in rows])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the gold database is built here
    gold, _evidence, _docs, coded = unseen.code_with_frozen(corpus, rows)
    report = score(coded, gold, n_boot=10)
    shipped = load_unseen_accuracy()
    assert list(shipped.held_out_files) == [r.gold for r in rows]  # a new held-out is pooled
    assert shipped.statements == len(gold)
    assert shipped.positives == sum(sum(v.values()) for v in gold.values())
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
    labels = {t.id: t.label for t in load_codebook().themes}
    table = next(d.value for d in at.dataframe if "positions found by the coders" in d.value.columns)
    rows = {r["theme"]: r for r in table.to_dict("records")}
    assert list(rows) == [labels[t.theme] for t in shipped.themes]
    for t in shipped.themes:
        row = rows[labels[t.theme]]
        assert (row["positions found by the coders"], row["found by the tool"],
                row["wrongly found"]) == (t.positives, t.tp, t.fp), t.theme  # fmt: skip
        if t.positives >= 10:
            assert row["recall"] == round(t.tp / t.positives, 2), t.theme
        else:  # too few positions to read a rate from: no rate shown
            assert pd.isna(row["recall"]), (t.theme, row["recall"])
    assert any(f"recall {shipped.recall:.2f}" in m.value for m in at.markdown)
    # the database was coded with the shipped default: no warning that the figures are another's
    assert not any("not the shipped default" in c.value for c in at.caption)


def test_the_method_page_says_when_the_active_codebook_is_not_the_default(corpus, tmp_path,
                                                                         monkeypatch):
    edited = tmp_path / "mine.yaml"
    text = (REPO / "tracker" / "codebooks" / "default.yaml").read_text(encoding="utf-8")
    edited.write_text(text.replace("name: default", "name: mine", 1), encoding="utf-8")
    db = tmp_path / "mine.db"
    ingest_paths([corpus / "unga79" / "text" / "at_en.txt"], db=db, codebook=edited)
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120).run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception
    assert any("not the shipped default" in c.value for c in at.caption)
