"""Gold labels, precision/recall/F1 with bootstrap intervals, error lists, and agreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.errors import GoldError
from tracker.validate import agreement, evaluate, load_gold, load_gold_evidence

HEADER = "file\ttheme\tpresent\tevidence\n"


def write(tmp_path: Path, body: str, name: str = "gold.tsv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_load_the_real_dev_gold(corpus: Path) -> None:
    gold = load_gold(corpus / "gold/dev.tsv")
    assert len(gold) == 41 and all(len(themes) == 12 for themes in gold.values())
    assert sum(v for themes in gold.values() for v in themes.values()) == 115
    evidence = load_gold_evidence(corpus / "gold/dev.tsv")
    assert (
        evidence[("bb_en.txt", "global_digital_compact")]
        == "We have agreed on a Global Digital Compact."
    )


def test_file_names_lose_their_folders_and_values_accept_words(tmp_path: Path) -> None:
    path = write(tmp_path, "a/b/x.txt\tt1\tyes\tquote\nx.txt\tt2\tFALSE\t\n")
    assert load_gold(path) == {"x.txt": {"t1": True, "t2": False}}
    assert load_gold_evidence(path) == {("x.txt", "t1"): "quote"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("file\ttheme\n", "gold.tsv:1: the header needs the columns file, theme, present"),
        (HEADER + "x.txt\tt1\tmaybe\t\n", "gold.tsv:2: 'present' must be 1 or 0"),
        (
            HEADER + "x.txt\tt1\t1\t\nx.txt\tt1\t0\t\n",
            "gold.tsv:3: x.txt / t1 is labelled both 1 and 0",
        ),
        (HEADER + "\tt1\t1\t\n", "gold.tsv:2: 'file' and 'theme' must not be empty"),
        (HEADER, "no gold labels in the file"),
    ],
)
def test_gold_errors_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "gold.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GoldError) as caught:
        load_gold(path)
    assert message in str(caught.value)


GOLD = {
    "a.txt": {"x": True, "y": False},
    "b.txt": {"x": True, "y": True},
    "c.txt": {"x": False, "y": True},
    "d.txt": {"x": False, "y": False},
}


def test_evaluate_counts_and_scores() -> None:
    coded = {
        "a.txt": {"x": "found x"},  # tp x
        "b.txt": {"y": "found y"},  # fn x, tp y
        "c.txt": {"x": "wrong x", "y": "found y"},  # fp x, tp y
        "d.txt": {},
        "extra.txt": {"x": "not in gold"},  # ignored
    }
    evidence = {("b.txt", "x"): "gold quote"}
    report = evaluate(coded, GOLD, themes=["x", "y"], gold_evidence=evidence, n_boot=300, seed=1)
    x, y = report.per_theme
    assert (x.tp, x.fp, x.fn, x.support) == (1, 1, 1, 2)
    assert (
        x.precision == pytest.approx(0.5)
        and x.recall == pytest.approx(0.5)
        and x.f1 == pytest.approx(0.5)
    )
    assert (y.tp, y.fp, y.fn, y.support) == (2, 0, 0, 2) and y.f1 == 1.0
    assert report.micro_p == pytest.approx(3 / 4) and report.micro_r == pytest.approx(3 / 4)
    assert report.micro_f1 == pytest.approx(0.75)
    assert report.macro_f1 == pytest.approx(0.75) and report.macro_p == pytest.approx(0.75)
    assert report.false_positives == [("c.txt", "x", "wrong x")]
    assert report.false_negatives == [("b.txt", "x", "gold quote")]
    low, high = report.micro_f1_ci
    assert 0 <= low <= report.micro_f1 <= high <= 1
    again = evaluate(coded, GOLD, themes=["x", "y"], gold_evidence=evidence, n_boot=300, seed=1)
    assert again.micro_f1_ci == report.micro_f1_ci  # seeded
    assert report.statements == 4


def test_a_missed_lone_positive_has_no_perfect_f1_in_its_interval() -> None:
    """One gold positive, missed, in five statements: F1 is 0, but about a third of the
    resamples leave that statement out, had nothing to score and counted F1 as 1.0, so the
    interval read 0-1 (QA of the workbench's Report). Those resamples have no F1 now."""
    gold = {f"{c}.txt": {"x": c == "a"} for c in "abcde"}
    report = evaluate({f"{c}.txt": {} for c in "abcde"}, gold, themes=["x"], n_boot=500, seed=3)
    assert report.micro_f1 == 0.0
    assert report.micro_f1_ci == (0.0, 0.0)
    assert report.macro_f1_ci == (0.0, 0.0)
    nothing = evaluate({"b.txt": {}}, {"b.txt": {"x": False}}, themes=["x"], n_boot=50, seed=3)
    assert all(v != v for v in nothing.micro_f1_ci)  # nothing to score at all: no interval


def test_macro_averages_the_themes_with_something_to_score() -> None:
    """A theme with no gold positive and no finding has no F1: it is left out of the macro
    average (as 1.0 it lifted the mean), in the figure and in its interval."""
    coded = {"a.txt": {"x": "x"}, "b.txt": {}, "c.txt": {"x": "x", "y": "y"}, "d.txt": {}}
    both = evaluate(coded, GOLD, themes=["x", "y"], n_boot=200, seed=2)
    with_z = {name: {**labels, "z": False} for name, labels in GOLD.items()}  # z: never present
    more = evaluate(coded, with_z, themes=["x", "y", "z"], n_boot=200, seed=2)
    assert [t.theme for t in more.per_theme] == ["x", "y", "z"]
    assert more.macro_f1 == pytest.approx(both.macro_f1) and both.macro_f1 < 1.0
    assert more.macro_f1_ci == pytest.approx(both.macro_f1_ci)


def test_report_format_and_targets() -> None:
    coded = {name: {t: "ev" for t, v in labels.items() if v} for name, labels in GOLD.items()}
    report = evaluate(coded, GOLD, themes=["x", "y"], n_boot=50)
    assert report.micro_f1 == 1.0 and report.macro_f1 == 1.0
    targets = report.targets_met()
    assert targets == {"micro-F1 >= 0.90": True}  # no theme has 5 gold positives
    text = report.format()
    assert "micro  P 1.000  R 1.000  F1 1.000" in text and "(all met)" in text
    assert "false positives (0)" in text and "false negatives (0)" in text


def test_per_theme_target_applies_from_five_positives() -> None:
    gold = {f"s{i}.txt": {"x": True} for i in range(6)}
    coded = {f"s{i}.txt": ({"x": "e"} if i < 3 else {}) for i in range(6)}
    report = evaluate(coded, gold, themes=["x"], n_boot=20)
    assert report.targets_met() == {"micro-F1 >= 0.90": False, "F1 >= 0.75: x (6 positives)": False}
    assert "targets: 0 of 2 met" in report.format()


def test_gold_statement_missing_from_the_coding_is_named() -> None:
    with pytest.raises(GoldError, match="not in the coded set: b.txt, d.txt"):
        evaluate({"a.txt": {}, "c.txt": {}}, GOLD, themes=["x", "y"])


def test_themes_without_gold_labels_are_not_scored() -> None:
    coded = {name: {} for name in GOLD}
    report = evaluate(coded, GOLD, themes=["x", "zzz"], n_boot=10)
    assert [s.theme for s in report.per_theme] == ["x"]


def test_macro_recall_leaves_out_themes_without_a_gold_positive() -> None:
    """Every positive found, one false positive on a theme with no positive: macro recall is
    1.0 (that theme has no recall), not 0.5 as when its vacuous 0 was averaged in."""
    gold = {"a.txt": {"x": True, "y": False}, "b.txt": {"x": False, "y": False}}
    coded = {"a.txt": {"x": "found", "y": "wrongly"}, "b.txt": {}}
    report = evaluate(coded, gold, themes=["x", "y"], n_boot=0)
    assert report.macro_r == 1.0
    assert report.macro_p == pytest.approx(0.5) and report.macro_f1 == pytest.approx(0.5)
    nothing = evaluate({"a.txt": {}, "b.txt": {}}, gold, themes=["x", "y"], n_boot=0)
    assert (nothing.macro_p, nothing.macro_r) == (0.0, 0.0)  # a positive missed, nothing found


def test_agreement_perfect_and_known_example() -> None:
    assert agreement(GOLD, GOLD)["kappa"] == 1.0 and agreement(GOLD, GOLD)["alpha"] == 1.0
    a = {f"f{i}": {"t": v} for i, v in enumerate([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])}
    b = {f"f{i}": {"t": v} for i, v in enumerate([1, 1, 1, 0, 0, 0, 0, 0, 0, 1])}
    result = agreement(a, b)
    # observed 0.8; expected (0.4 * 0.4 + 0.6 * 0.6) = 0.52; kappa = 0.28 / 0.48
    assert result["pairs"] == 10 and result["observed"] == pytest.approx(0.8)
    assert result["kappa"] == pytest.approx(0.28 / 0.48)
    # Krippendorff: 20 values, 8 ones, 2 disagreements: 1 - 19 * 4 / (2 * 8 * 12)
    assert result["alpha"] == pytest.approx(1 - 19 * 4 / 192)


def test_agreement_counts_pairs_only_one_coder_has() -> None:
    a = {"f1": {"t": True, "u": False}}
    b = {"f1": {"t": True}, "f2": {"t": False}}
    result = agreement(a, b)
    assert result["pairs"] == 1 and result["only_a"] == 1 and result["only_b"] == 1
    with pytest.raises(GoldError, match="share no"):
        agreement({"x": {"t": True}}, {"y": {"t": True}})


def test_printed_table_leaves_undefined_scores_as_a_dash() -> None:
    """A theme with no gold positive has no recall; with no finding either it has no precision
    or F1. The table printed a vacuous 1.000 for them (read as perfect), while the workbench's
    report left them empty; it now prints '-' there, and real zeros stay zeros."""
    gold = {"a.txt": {"x": True, "y": False, "z": False}, "b.txt": {"x": False, "y": False, "z": False}}
    coded = {"a.txt": {"x": "found", "z": "wrongly"}, "b.txt": {}}
    table = {line.split()[0]: line.split()[1:] for line in
             evaluate(coded, gold, themes=["x", "y", "z"], n_boot=0).format().splitlines()
             if line.split() and line.split()[0] in ("x", "y", "z")}  # fmt: skip
    assert table["x"] == ["1", "1", "0", "0", "1.000", "1.000", "1.000"]
    assert table["y"] == ["0", "0", "0", "0", "-", "-", "-"]
    assert table["z"] == ["0", "0", "1", "0", "0.000", "-", "0.000"]


def test_a_label_left_empty_is_an_error_not_a_negative(tmp_path: Path) -> None:
    """A row whose 'present' was left blank was read as 0 and scored as a false positive."""
    path = write(tmp_path, "a.txt\tx\t1\t\nb.txt\tx\t\t\n")
    with pytest.raises(GoldError, match=r"gold.tsv:3: 'present' must be 1 or 0.*got ''"):
        load_gold(path)


def test_an_unclosed_quote_in_a_cell_is_an_error_naming_its_line(tmp_path: Path) -> None:
    """A quote opening an evidence cell and never closed read every later row into that cell:
    the labels of 11 rows vanished and validate reported all targets met. A quote that is
    closed (or doubled inside a quoted cell) still reads as before."""
    rows = "".join(f"a.txt\tt{i}\t0\t\n" for i in range(5))
    path = write(tmp_path, 'a.txt\tx\t1\t"We reject it\n' + rows)
    with pytest.raises(GoldError, match=r"gold.tsv:2: .*double quote.*lines 3-7"):
        load_gold(path)
    fine = write(tmp_path, 'a.txt\tx\t1\t"We said ""no"" to it"\n' + rows, name="fine.tsv")
    assert len(load_gold(fine)["a.txt"]) == 6
    assert load_gold_evidence(fine)[("a.txt", "x")] == 'We said "no" to it'


def test_error_lines_count_blank_lines(tmp_path: Path) -> None:
    """csv skips blank lines, and counting rows named the line before the one at fault."""
    path = write(tmp_path, 'a.txt\tx\t1\t\n\na.txt\ty\t1\t"We reject it\na.txt\tz\t0\t\nb.txt\tz\t0\t\n')
    with pytest.raises(GoldError, match=r"gold.tsv:4: .*lines 5-6"):
        load_gold(path)
    blank = write(tmp_path, "a.txt\tx\t1\t\n\n\nb.txt\tx\t\t\n", name="blank.tsv")
    with pytest.raises(GoldError, match=r"blank.tsv:5: 'present'"):
        load_gold(blank)
