"""The held-out figures the dashboard shows (tracker/data/unseen_accuracy.json) are what
benchmarks/unseen.py computes: every held-out gold file scored with the codebook frozen for it."""

from __future__ import annotations

import json
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from git_support import require_history
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import unseen  # noqa: E402
from tracker.accuracy import (  # noqa: E402
    UNSEEN_ACCURACY, load_unseen_accuracy, period_group, period_recall_note, score,
)  # fmt: skip
from tracker.codebook import load_codebook  # noqa: E402
from tracker.errors import GoldError  # noqa: E402
from tracker.ingest import ingest_paths  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def frozen_coding(corpus, tmp_path_factory):
    """Every held-out file coded by the codebook frozen for it, from git: done once for the
    pooled and the by-period checks (it re-matches every held-out statement, about 100 s)."""
    rows = unseen.read_frozen()
    require_history([r.commit for r in rows])
    with pytest.MonkeyPatch.context() as patch:
        # the gold database is built here, and found here again by unseen.by_group: the patch
        # holds until the module's last test is done
        patch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("frozen")))
        yield unseen.code_with_frozen(corpus, rows)


@pytest.mark.slow
def test_the_shipped_held_out_figures_are_what_the_frozen_codebooks_give(frozen_coding):
    rows = unseen.read_frozen()
    gold, _evidence, _docs, coded = frozen_coding
    report = score(coded, gold, n_boot=10)
    shipped = load_unseen_accuracy()
    assert list(shipped.held_out_files) == [r.gold for r in rows]  # a new held-out is pooled
    assert shipped.statements == len(gold)
    assert shipped.positives == sum(sum(v.values()) for v in gold.values())
    assert [(t.theme, t.positives, t.tp, t.fp, t.fn) for t in shipped.themes] == [
        (t.theme, t.support, t.tp, t.fp, t.fn) for t in report.per_theme]
    assert (shipped.precision, shipped.recall, shipped.f1) == (
        round(report.micro_p, 3), round(report.micro_r, 3), round(report.micro_f1, 3))


def test_a_frozen_commit_holding_another_codebook_is_refused_by_name():
    """gold/frozen.tsv's commit and codebook version must agree: a wrong commit would score a
    held-out with another codebook. The frozen coding above checks every row this way (it
    fails the module on the first that disagrees); here, that the check refuses one."""
    row = unseen.read_frozen()[-1]
    require_history([row.commit])
    with pytest.raises(GoldError, match=f"heldout_x.tsv: commit {row.commit} holds codebook "
                                        f"{row.version}, not the recorded 000000000000"):
        unseen._code_commit((row.commit, [("heldout_x.tsv", "000000000000", {})]))


def test_a_malformed_held_out_file_names_itself(tmp_path):
    bad = tmp_path / "unseen.json"
    bad.write_text(json.dumps({"micro": {"precision": 0.9}}), encoding="utf-8")
    with pytest.raises(GoldError, match="unseen.json"):
        load_unseen_accuracy(bad)
    with pytest.raises(GoldError, match="missing.json"):
        load_unseen_accuracy(tmp_path / "missing.json")


def method_page(corpus, tmp_path, monkeypatch) -> AppTest:
    """The real dashboard's Codebook and method page on a database of one 2024 statement,
    coded with the shipped default."""
    db = tmp_path / "one.db"
    ingest_paths([corpus / "unga79" / "text" / "at_en.txt"], db=db)
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120).run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception
    return at


def test_the_method_page_shows_each_themes_held_out_recall(corpus, tmp_path, monkeypatch):
    at = method_page(corpus, tmp_path, monkeypatch)
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


# -- by forum and period ----------------------------------------------------------------------


@pytest.mark.slow
def test_the_shipped_figures_by_forum_and_period_are_recomputed_from_git(corpus, frozen_coding):
    gold, evidence, _docs, coded = frozen_coding
    groups = unseen.by_group(corpus, gold, evidence, coded, n_boot=10)
    shipped = load_unseen_accuracy()
    assert [g.group for g in shipped.groups] == [name for name, *_ in groups]
    assert [g.group for g in shipped.groups][:4] == [
        "General Debate 1946-1969", "General Debate 1970-1989", "General Debate 1990-2009",
        "General Debate since 2010"]  # fmt: skip
    for g, (name, report, n, positives) in zip(shipped.groups, groups):
        assert (g.statements, g.positives) == (n, positives), name
        assert (g.precision, g.recall, g.f1) == (
            round(report.micro_p, 3), round(report.micro_r, 3), round(report.micro_f1, 3)), name
        assert [(t.theme, t.tp, t.fp, t.fn) for t in g.themes] == [
            (t.theme, t.tp, t.fp, t.fn) for t in report.per_theme], name
    # the groups partition the pooled statements and positions
    assert sum(g.statements for g in shipped.groups) == shipped.statements
    assert sum(g.positives for g in shipped.groups) == shipped.positives


def test_a_statement_is_grouped_by_forum_and_general_debate_period():
    debate = "General Assembly general debate"
    assert period_group(debate, 1946) == "General Debate 1946-1969"
    assert period_group(debate, 1969) == "General Debate 1946-1969"
    assert period_group(debate, 1970) == "General Debate 1970-1989"
    assert period_group(debate, 2009) == "General Debate 1990-2009"
    assert period_group(debate, 2024) == "General Debate since 2010"
    assert period_group("Security Council", 2020) == "Security Council"
    assert period_group(debate, None) == debate
    assert period_group("", None) == "forum not recorded"


def when(group: str) -> str:
    period = group.removeprefix("General Debate ")
    return period if period.startswith("since") else f"in {period}"


def named_rates(note: str) -> dict[str, str]:
    """'NN% in 1946-1969' / 'NN% since 2010' of a period note, by period."""
    return {m.group(2): m.group(1)
            for m in re.finditer(r"(\d+%) (?:of the positions a careful coder finds )?"
                                 r"(in \d{4}-\d{4}|since \d{4})", note)}


def test_the_period_note_names_the_recall_of_each_period_a_chart_spans():
    shipped = load_unseen_accuracy()
    groups = {g.group: g for g in shipped.groups}
    spanned = ["General Debate 1946-1969", "General Debate 1970-1989", "General Debate 1990-2009"]
    note = period_recall_note(shipped, range(1965, 2000))
    assert note is not None and "all themes pooled" in note
    assert named_rates(note) == {when(g): f"{groups[g].recall:.0%}" for g in spanned}
    assert period_recall_note(shipped, [2016, 2024]) is None  # one period: nothing to compare
    older = load_unseen_accuracy(old_format_file(shipped, Path(tempfile.mkdtemp())))
    assert older.groups == () and period_recall_note(older, range(1946, 2025)) is None


def test_the_period_note_gives_one_themes_own_recall_when_it_has_enough_positions():
    shipped = load_unseen_accuracy()
    groups = [g for g in shipped.groups if g.group.startswith("General Debate")]
    theme = "non_interference"  # enough held-out positions in every period
    rows = [next(t for t in g.themes if t.theme == theme) for g in groups]
    assert all(t.positives >= 10 for t in rows)
    note = period_recall_note(shipped, range(1950, 2020), theme=theme, label="Non-interference")
    assert "Non-interference alone" in note
    assert named_rates(note) == {when(g.group): f"{t.tp / t.positives:.0%}"
                                 for g, t in zip(groups, rows)}
    assert named_rates(note) != named_rates(period_recall_note(shipped, range(1950, 2020)))
    # too few positions of a theme in some period: the pooled figures, said to be pooled
    sparse = "militarization"
    assert any(next(t for t in g.themes if t.theme == sparse).positives < 10 for g in groups)
    pooled = period_recall_note(shipped, range(1950, 2020), theme=sparse, label="Militarization")
    assert "all themes pooled" in pooled
    assert named_rates(pooled) == {when(g.group): f"{g.recall:.0%}" for g in groups}


def old_format_file(shipped, folder: Path) -> Path:
    """The shipped file as written before the figures by forum and period existed."""
    raw = json.loads(UNSEEN_ACCURACY.read_text(encoding="utf-8"))
    raw.pop("groups")
    path = folder / "old.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_the_method_page_shows_the_held_out_figures_by_forum_and_period(corpus, tmp_path,
                                                                         monkeypatch):
    at = method_page(corpus, tmp_path, monkeypatch)
    shipped = load_unseen_accuracy()
    table = next(d.value for d in at.dataframe if "forum and period" in d.value.columns)
    rows = table.to_dict("records")
    assert [r["forum and period"] for r in rows] == [g.group for g in shipped.groups]
    for row, g in zip(rows, shipped.groups):
        assert (row["speeches"], row["positions found by the coders"]) == (g.statements,
                                                                         g.positives)
        assert row["recall"] == round(g.recall, 2)
        bloc = {t.theme: t for t in g.themes}["bloc_confrontation"]
        shown = row["recall: Cold War mentality and bloc politics"]
        if bloc.positives >= 10:
            assert shown == round(bloc.tp / bloc.positives, 2), g.group
        else:
            assert pd.isna(shown), g.group


def trends_page_over_decades(tmp_path, monkeypatch, overrides=None) -> AppTest:
    """The Trends page on four bundled General Debate speeches of 1970, 1985, 2000 and 2015
    (``overrides``: metadata set on all four at ingest)."""
    picked = ("USA_25_1970.txt", "CHN_40_1985.txt", "FRA_55_2000.txt", "BRA_70_2015.txt")
    source = REPO / "tracker" / "data" / "sample" / "ungdc" / "UNGDC_sample.zip"
    subset = tmp_path / "UNGDC_decades.zip"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(subset, "w") as zout:
        for name in zin.namelist():
            if name.rsplit("/", 1)[-1] in picked:
                zout.writestr(name, zin.read(name))
    db = tmp_path / "decades.db"
    assert len(ingest_paths([subset], db=db, overrides=overrides).stored) == len(picked)
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120).run()
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    return at


def test_a_trend_over_decades_says_how_recall_differs_by_period(corpus, tmp_path, monkeypatch):
    at = trends_page_over_decades(tmp_path, monkeypatch)
    shipped = load_unseen_accuracy()
    notes = [c.value for c in at.caption if "On held-out General Debate speeches" in c.value]
    assert len(notes) == 1
    # 1970 to 2015 spans three of the four General Debate periods; every theme is drawn
    assert named_rates(notes[0]) == {when(g.group): f"{g.recall:.0%}" for g in shipped.groups
                                     if g.group.startswith("General Debate")
                                     and g.group != "General Debate 1946-1969"}


def test_a_trend_of_other_forums_carries_no_general_debate_note(corpus, tmp_path, monkeypatch):
    """No forum filter, but a database with no General Debate speech: the General Debate's
    figures say nothing about what the chart shows."""
    at = trends_page_over_decades(tmp_path, monkeypatch, overrides={"forum": "Security Council"})
    assert not any("On held-out General Debate speeches" in c.value for c in at.caption)
    assert at.get("plotly_chart")  # the trend itself is drawn


def test_a_trend_mixing_the_council_in_gives_the_councils_own_recall(corpus, tmp_path, monkeypatch):
    """Three General Debate speeches of three periods and one speech stored as a Security
    Council statement: the caption gives the General Debate periods and, apart, the held-out
    recall on Council statements, so the General Debate's figures are not read as the whole."""
    source = REPO / "tracker" / "data" / "sample" / "ungdc" / "UNGDC_sample.zip"
    db = tmp_path / "mixed.db"
    for picked, overrides in ((("USA_25_1970.txt", "FRA_55_2000.txt", "BRA_70_2015.txt"), None),
                              (("CHN_40_1985.txt",), {"forum": "Security Council"})):
        subset = tmp_path / f"{picked[0]}.zip"
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(subset, "w") as zout:
            for name in zin.namelist():
                if name.rsplit("/", 1)[-1] in picked:
                    zout.writestr(name, zin.read(name))
        assert len(ingest_paths([subset], db=db, overrides=overrides).stored) == len(picked)
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120).run()
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    (note,) = [c.value for c in at.caption if "On held-out General Debate speeches" in c.value]
    council = next(g for g in load_unseen_accuracy().groups if g.group == "Security Council")
    assert f"On held-out Security Council statements it found {council.recall:.0%}" in note
    # the General Debate part is unchanged: the periods of its three speeches
    assert "in 1970-1989" in note and "since 2010" in note


def test_a_trend_within_one_period_carries_no_period_note(app):
    at = app().run()  # the query database: UNGDC speeches of 2016-2024 and 2024 statements
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    assert not any("On held-out General Debate speeches" in c.value for c in at.caption)
