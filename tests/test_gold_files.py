"""The gold made in this repository (gold/README.md) is what its provenance says it is.

Each file is the two coders' common label wherever they agreed (with the first coder's quote)
and the adjudicated decision wherever they did not; every statement of its sample is coded for
every theme; every quote from a General Debate speech is found in that speech (Council turns
and captions are split and cleaned by the tool, and were checked by the coders against the
texts they were given). A label changed by hand after adjudication fails here.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tracker.codebook import load_codebook

GOLD = Path(__file__).resolve().parents[1] / "gold"


def held_out(tag: str, coder_1: str, coder_2: str) -> tuple[str, ...]:
    """A held-out sample's files, named as make_heldout.py and the coders' folders name them."""
    return (f"{tag}.tsv", f"{tag}-sample.tsv", f"{tag}_coder_{coder_1}.tsv",
            f"{tag}_coder_{coder_2}.tsv", f"{tag}-adjudication.tsv", "decision")  # fmt: skip


def coders_of(tag: str) -> tuple[str, str]:
    """The two coders of a held-out, as its adjudication file's header names them (coder_X)."""
    header = (GOLD / f"{tag}-adjudication.tsv").read_text(encoding="utf-8").split("\n", 1)[0]
    first, second = header.split("\t")[2:4]
    return first.removeprefix("coder_"), second.removeprefix("coder_")


def held_out_tags() -> list[str]:
    """Every held-out, in the order drawn: gold/frozen.tsv names each one once measured."""
    with open(GOLD / "frozen.tsv", encoding="utf-8", newline="") as fh:
        return [row["gold"].removesuffix(".tsv") for row in csv.DictReader(fh, delimiter="\t")]


#: gold file, its sample list, the two coders' labels, the adjudication and its decision column
SETS = [
    ("dev-extra.tsv", "sample.tsv", "coder_a.tsv", "coder_b.tsv", "adjudication.tsv",
     "adjudicated"),
    *(held_out(tag, *coders_of(tag)) for tag in held_out_tags()),
]
IDS = [s[0] for s in SETS]


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def labels(path: Path) -> dict[tuple[str, str], int]:
    table = rows(path)
    found = {(r["file"], r["theme"]): int(r["present"]) for r in table}
    assert len(found) == len(table), f"{path.name}: a statement-theme coded twice"
    return found


def quotes(path: Path) -> dict[tuple[str, str], str]:
    return {(r["file"], r["theme"]): r["evidence"] for r in rows(path) if r["present"] == "1"}


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.fixture(scope="module")
def themes() -> set[str]:
    return set(load_codebook().theme_ids)


@pytest.mark.parametrize("gold, sample, coder_1, coder_2, adjudication, decided", SETS, ids=IDS)
def test_every_statement_of_the_sample_is_coded_for_every_theme(
    gold, sample, coder_1, coder_2, adjudication, decided, themes
):  # fmt: skip
    table = rows(GOLD / gold)
    files = {r["file"] for r in rows(GOLD / sample)}
    assert {r["file"] for r in table} == files
    assert len(table) == len(files) * len(themes) == len({(r["file"], r["theme"]) for r in table})
    assert {r["theme"] for r in table} == themes
    for r in table:
        assert r["present"] in ("0", "1"), r
        assert bool(r["evidence"].strip()) == (r["present"] == "1"), r


@pytest.mark.parametrize("gold, sample, coder_1, coder_2, adjudication, decided", SETS, ids=IDS)
def test_gold_is_the_coders_common_label_or_the_adjudicated_decision(
    gold, sample, coder_1, coder_2, adjudication, decided
):  # fmt: skip
    final = labels(GOLD / gold)
    a, b = labels(GOLD / "coders" / coder_1), labels(GOLD / "coders" / coder_2)
    assert a.keys() == b.keys() == final.keys()
    disagreed = {k for k in a if a[k] != b[k]}
    table = rows(GOLD / adjudication)
    adjudicated = {(r["file"], r["theme"]): r for r in table}
    assert len(adjudicated) == len(table) and set(adjudicated) == disagreed
    coder_columns = list(table[0])[2:4] if table else []
    for key, row in adjudicated.items():
        assert (int(row[coder_columns[0]]), int(row[coder_columns[1]])) == (a[key], b[key]), key
        assert final[key] == int(row[decided]), key
        assert row.get("reason", row.get("why", "")).strip(), key
    assert all(final[k] == a[k] for k in final.keys() - disagreed)
    agreed_quotes, first_coder = quotes(GOLD / gold), quotes(GOLD / "coders" / coder_1)
    assert {k: q for k, q in agreed_quotes.items() if k not in disagreed} == {
        k: q for k, q in first_coder.items() if k not in disagreed}  # fmt: skip


#: The gold's file names whose source text a quote is checked against: UNGDC speeches, 2023
#: caption transcripts (their segments joined) and English unga79 texts of 2024
CHECKED = re.compile(r"[A-Z]{2,3}_\d+_\d{4}\.txt|[^/]+\.json|[a-z]{2}_en\.txt")


@pytest.mark.parametrize("gold", [s[0] for s in SETS])
def test_every_quote_of_a_general_debate_speech_is_in_the_speech(gold, corpus):
    """Quotes of the General Debate statements (UNGDC speeches, caption transcripts, unga79
    texts: all of the gold but the Council turns) are checked against their source text; the
    Council turns are split by the tool and are left to the coders' own checks (gold/README.md)."""
    wanted = {r["file"]: r for r in rows(GOLD / gold) if r["present"] == "1"}
    quotes: dict[str, list[str]] = {}
    for r in rows(GOLD / gold):
        if r["present"] == "1" and CHECKED.fullmatch(r["file"]):
            quotes.setdefault(r["file"], []).append(r["evidence"])
    assert wanted and quotes  # every set has General Debate statements with themes present
    texts = speeches(corpus, set(quotes), squeeze) | other_sources(corpus, set(quotes), squeeze)
    assert texts.keys() == quotes.keys()
    missing = [(f, q) for f, qs in quotes.items() for q in qs if squeeze(q) not in texts[f]]
    assert missing == []


PASSAGES = GOLD / "passages"


def test_passage_labels_are_the_coders_common_label_or_the_adjudicated_decision():
    """gold/passages/labelled.tsv (training labels, gold/README.md): each passage's label is the
    two coders' common one, or the adjudicated decision with a reason where they differed."""
    final = {r["id"]: r for r in rows(PASSAGES / "labelled.tsv")}
    m = {r["id"]: r for r in rows(PASSAGES / "coder_m.tsv")}
    n = {r["id"]: r for r in rows(PASSAGES / "coder_n.tsv")}
    assert list(final) == list(m) == list(n) and len(final) == 600
    assert all(final[i]["theme"] == m[i]["theme"] == n[i]["theme"] for i in final)
    adjudicated = {r["id"]: r for r in rows(PASSAGES / "adjudication.tsv")}
    assert set(adjudicated) == {i for i in final if m[i]["present"] != n[i]["present"]}
    for i, row in final.items():
        if i in adjudicated:
            decided = adjudicated[i]
            assert (decided["coder_m"], decided["coder_n"]) == (m[i]["present"], n[i]["present"])
            assert row["present"] == decided["decision"] and decided["reason"].strip()
        else:
            assert row["present"] == m[i]["present"]


#: Held-out samples drawn after the passages were chosen (make_heldout.py did not yet leave the
#: passages' speeches out): a few of their statements gave passages, which the benchmark then
#: leaves out of the training (gold/README.md, "Passage labels for training").
DRAWN_AFTER_THE_PASSAGES = ("heldout6.tsv", "heldout7.tsv")


def test_every_labelled_passage_is_in_its_general_debate_speech(corpus):
    """Each passage was cut from the speech it names, and none of those speeches is in a gold
    file made before the passages (training data never overlaps the statements scored; the later
    ones are left out by the benchmark, tested next). Passages are the tool's clean text (quotes
    straightened, paragraph numbers dropped), so letters alone are compared."""
    passages = rows(PASSAGES / "labelled.tsv")
    by_file: dict[str, list[str]] = {}
    for r in passages:
        by_file.setdefault(r["file"], []).append(r["passage"])
    earlier = [g for g in [*IDS, "sample.tsv"] if g not in DRAWN_AFTER_THE_PASSAGES]
    gold_files = {r["file"] for g in earlier for r in rows(GOLD / g)}
    gold_files |= {r["file"] for p in (corpus / "gold").glob("*.tsv") for r in rows(p)}
    assert not set(by_file) & gold_files
    texts = speeches(corpus, set(by_file), letters)
    assert texts.keys() == by_file.keys()
    assert [(f, p) for f, ps in by_file.items() for p in ps if letters(p) not in texts[f]] == []


def test_passages_of_statements_now_in_the_gold_never_train_the_benchmark():
    """The speeches that gave passages and were later drawn into a held-out are left out of the
    training by `training_corpus`, which benchmarks/accuracy.py calls with the gold it scores."""
    from tracker.semantic import training_corpus

    passages = rows(PASSAGES / "labelled.tsv")
    later = {r["file"] for g in DRAWN_AFTER_THE_PASSAGES for r in rows(GOLD / g)}
    overlap = [r for r in passages if r["file"] in later]
    assert overlap, "no passage from a later held-out: drop DRAWN_AFTER_THE_PASSAGES"
    both = [PASSAGES / "labelled.tsv", PASSAGES / "labelled.tsv"]  # files add up
    kept = training_corpus(load_codebook(), later, passages=both)
    assert kept is not None and len(kept.texts) == 2 * (len(passages) - len(overlap))
    assert not {r["passage"] for r in overlap} & set(kept.texts)
    assert training_corpus(load_codebook(), later) is None
    source = (GOLD.parent / "benchmarks" / "accuracy.py").read_text(encoding="utf-8")
    assert "training_corpus(book, set(gold)" in source  # the benchmark passes what it scores


def letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def speeches(corpus: Path, names: set[str], normal: Callable[[str], str]) -> dict[str, str]:
    """The General Debate speeches of these file names from the corpus zip, normalised."""
    texts: dict[str, str] = {}
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        for info in z.infolist():
            name = info.filename.rsplit("/", 1)[-1]
            if name in names:
                texts[name] = normal(z.read(info).decode("utf-8-sig"))
    return texts


def other_sources(corpus: Path, names: set[str], normal: Callable[[str], str]) -> dict[str, str]:
    """The caption transcripts (segments joined) and English unga79 texts of these names."""
    texts: dict[str, str] = {}
    for name in names:
        if name.endswith(".json"):
            segments = json.loads((corpus / "unga78-captions" / name).read_text(encoding="utf-8"))
            texts[name] = normal(" ".join(segment["text"] for segment in segments))
        elif re.fullmatch(r"[a-z]{2}_en\.txt", name):
            texts[name] = normal((corpus / "unga79" / "text" / name).read_text(encoding="utf-8"))
    return texts


def test_every_gold_file_made_here_is_scored_and_checked():
    """A new held-out counts in the accuracy table and in these checks only once gold/frozen.tsv
    names it (after its one measurement with the frozen codebook); benchmarks/accuracy.py
    (REPO_GOLD) and SETS here read that list, so a half-made sample is not scored by accident
    and a gold file left out of it fails here."""
    import importlib.util

    bench_file = GOLD.parent / "benchmarks" / "accuracy.py"
    spec = importlib.util.spec_from_file_location("accuracy_bench", bench_file)
    bench = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(bench)
    lists = {p.name for p in GOLD.glob("*-sample.tsv")} | {"sample.tsv"}
    made = {p.name for p in GOLD.glob("*.tsv")} - lists
    made -= {p.name for p in GOLD.glob("*adjudication.tsv")} | {"frozen.tsv"}
    assert made == {p.name for p in bench.REPO_GOLD}
    assert made == {s[0] for s in SETS}
    # the samples drawn are numbered without a gap (make_heldout.py leaves every lower-numbered
    # one out of a draw); a sample's gold may still be in the making, but never a gold file
    # without its sample
    tags = {p.name.removesuffix("-sample.tsv") for p in GOLD.glob("heldout*-sample.tsv")}
    numbers = sorted(int(t.removeprefix("heldout") or 1) for t in tags)
    assert numbers == list(range(1, len(numbers) + 1))
    assert {m for m in made if m.startswith("heldout")} <= {f"{t}.tsv" for t in tags}
    # and every held-out is pooled by benchmarks/unseen.py with the codebook frozen for it
    assert {r["gold"] for r in rows(GOLD / "frozen.tsv")} == {m for m in made if m.startswith("heldout")}
