"""benchmarks/coder_vs_gold.py: a third coder scored against the adjudicated gold, as the tool is."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "gold"
SCRIPT = REPO / "benchmarks" / "coder_vs_gold.py"
PAIRS = [("heldout38.tsv", "heldout38_coder_v4.tsv"), ("heldout41.tsv", "heldout41_coder_y4.tsv")]


def labels(path: Path) -> dict[tuple[str, str], bool]:
    with open(path, encoding="utf-8", newline="") as fh:
        return {(r["file"], r["theme"]): r["present"] == "1" for r in csv.DictReader(fh, delimiter="\t")}


def run(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, files), "--no-tool"],
                          capture_output=True, text=True, check=False)


def test_the_third_coders_counts_are_those_of_the_files() -> None:
    """Each theme's tp / fp / fn, pooled over two held-outs, as counted straight from the TSVs."""
    want: dict[str, list[int]] = {}
    for gold_name, coder_name in PAIRS:
        gold, coder = labels(GOLD / gold_name), labels(GOLD / "coders" / coder_name)
        for key, present in gold.items():
            counts = want.setdefault(key[1], [0, 0, 0])
            said = coder[key]
            counts[0] += present and said
            counts[1] += said and not present
            counts[2] += present and not said
    done = run(*(p for g, c in PAIRS for p in (GOLD / g, GOLD / "coders" / c)))
    assert done.returncode == 0, done.stderr
    got = {m.group(1): [int(m.group(2)), int(m.group(3)), int(m.group(4))]
           for m in re.finditer(r"^(\w+)\s+\d+\s+(\d+)\s+(\d+)\s+(\d+)\s", done.stdout, re.M)
           if m.group(1) in want}
    assert got == want
    assert sum(c[1] + c[2] for c in want.values()) > 0  # the coder does differ from the gold


def test_a_coder_file_missing_a_statement_is_named(tmp_path: Path) -> None:
    gold = GOLD / "heldout41.tsv"
    rows = (GOLD / "coders" / "heldout41_coder_y4.tsv").read_text(encoding="utf-8").splitlines()
    first = rows[1].split("\t")[0]
    short = tmp_path / "coder.tsv"
    short.write_text("\n".join(r for r in rows if not r.startswith(first + "\t")) + "\n",
                     encoding="utf-8")
    done = run(gold, short)
    assert done.returncode != 0
    assert "coder.tsv" in done.stderr and first in done.stderr


def test_by_default_the_third_coders_are_those_who_did_not_make_the_gold() -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import coder_vs_gold

    chosen = {coder.name for _, coder in coder_vs_gold.third_coders()}
    assert chosen == {"heldout38_coder_v4.tsv", "heldout39_coder_w4.tsv", "heldout40_coder_x4.tsv",
                      "heldout41_coder_y4.tsv"}
    for gold, coder in coder_vs_gold.third_coders():
        header = (GOLD / f"{gold.stem}-adjudication.tsv").read_text(encoding="utf-8").split("\n")[0]
        assert "coder_" + coder.stem.split("_coder_")[1] not in header.split("\t")[2:4]


def test_two_coders_of_one_statement_are_refused_not_one_dropped() -> None:
    pair = (GOLD / "heldout41.tsv", GOLD / "coders" / "heldout41_coder_y4.tsv")
    done = run(*pair, *pair)
    assert done.returncode != 0
    assert "heldout41_coder_y4.tsv" in done.stderr and "twice" in done.stderr


def test_each_disagreement_prints_the_sentence_behind_it() -> None:
    """A third coder's false positive shows the coder's quote, a miss shows the gold's quote."""
    gold_path, coder_path = GOLD / "heldout39.tsv", GOLD / "coders" / "heldout39_coder_w4.tsv"

    def quotes(path: Path) -> dict[tuple[str, str], str]:
        with open(path, encoding="utf-8", newline="") as fh:
            return {(r["file"], r["theme"]): r["evidence"]
                    for r in csv.DictReader(fh, delimiter="\t") if r["present"] == "1"}

    gold, coder = quotes(gold_path), quotes(coder_path)
    extra = sorted(set(coder) - set(gold))
    missed = sorted(set(gold) - set(coder))
    assert extra and missed  # this pair disagrees both ways
    out = " ".join(run(gold_path, coder_path).stdout.split())
    for key, said in [(extra[0], coder[extra[0]]), (missed[0], gold[missed[0]])]:
        assert f"{key[0]} {key[1]}: {' '.join(said.split())[:60]}" in out, key


def test_without_the_corpus_the_tool_side_says_what_to_give(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert str(tmp_path) in done.stderr and "--no-tool" in done.stderr
