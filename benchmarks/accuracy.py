"""Accuracy table: the default codebook (and the semantic matcher) on all development gold.

Builds (once) a database of just the gold statements from ../shared/corpus, then prints, per gold
file and pooled:

- the keyword baseline: exact phrase matches only, no stance (every match counts);
- the rules in-sample (exact, fuzzy, proximity; stance applied), per match kind;
- rules + semantic matcher, cross-validated (model and thresholds fitted on the other folds);
- rules + the shipped semantic model, in-sample.

    python benchmarks/accuracy.py [--corpus DIR] [--gold FILE ...] [--folds 5] [--errors]
                                  [--weak-db CORPUS.db] [--vectors VECTORS.npz]
                                  [--codebook FILE.yaml] [--passages LABELLED.tsv ...]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.accuracy import GoldDoc, code, cross_validate, load_docs, merge_gold, score  # noqa: E402
from tracker.codebook import load_codebook  # noqa: E402
from tracker.ingest import ingest_paths  # noqa: E402
from tracker.match import Matcher  # noqa: E402
from tracker.store import Store  # noqa: E402

DEFAULT_GOLD = ("gold/dev.tsv", "gold/dev-decades.tsv")  # in the shared corpus


def _held_out_files() -> tuple[str, ...]:
    """The held-out gold files, in the order drawn: gold/frozen.tsv names each one once it is
    measured with its frozen codebook (the one list to extend after a new held-out)."""
    with open(REPO / "gold" / "frozen.tsv", encoding="utf-8", newline="") as fh:
        return tuple(row["gold"] for row in csv.DictReader(fh, delimiter="\t"))


REPO_GOLD = tuple(REPO / "gold" / f for f in ("dev-extra.tsv", *_held_out_files()))


def gold_paths(corpus: Path, extra: list[Path] | None) -> list[Path]:
    if extra:
        return extra
    paths = [corpus / p for p in DEFAULT_GOLD]
    paths += [p for p in REPO_GOLD if p.exists()]
    return paths


def gold_db(corpus: Path, names: set[str]) -> Path:
    """The database of just these gold statements, built once per set of names and kept in the
    temp folder. It is built under a name of this process's own and renamed when whole, so an
    interrupted or failed build (a codebook that does not load) or a second run building the
    same set at the same time never leaves a half-filled database that later runs take as built."""
    key = hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()[:10]
    db = Path(tempfile.gettempdir()) / f"position-tracker-gold-{key}.db"
    if db.exists():
        return db
    print(f"building {db} from {corpus} ...", file=sys.stderr)
    part = db.with_name(f"{db.stem}.{os.getpid()}.part.db")
    try:
        build_gold_db(corpus, names, part)
        for side in ("-wal", "-shm"):  # none after a clean close; never carry stale ones over
            Path(f"{part}{side}").unlink(missing_ok=True)
        part.replace(db)
    finally:
        for leftover in part.parent.glob(part.name + "*"):
            leftover.unlink()
    return db


# Every measurement codes the gold statements again with the codebook it measures (tracker.accuracy
# .code), so the gold database holds texts and passages only: coding them with the default at
# ingest took about a third of its build and its matches were never read.
TEXTS_ONLY = """\
name: texts only
description: the gold statements stored for their texts and passages; nothing is coded at ingest
themes:
  - id: texts_only
    label: No theme
    definition: Nothing; every measurement codes the statements again.
    rules:
      - name: a word no statement holds
        phrases:
          en: [xqzvjk]
"""


def build_gold_db(corpus: Path, names: set[str], db: Path) -> None:
    """Ingest the files the gold names (only those) into ``db``, texts and passages only."""
    work = Path(tempfile.mkdtemp(prefix="gold-src-"))
    try:
        _ingest_gold_files(corpus, names, db, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ingest_gold_files(corpus: Path, names: set[str], db: Path, work: Path) -> None:
    members = work / "ungdc"
    members.mkdir()
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        for info in z.infolist():
            base = info.filename.rsplit("/", 1)[-1]
            if base in names:
                (members / base).write_bytes(z.read(info))
    paths: list[Path] = [members]
    for folder in ("unga79/text", "seed", "unga78-captions"):
        for f in sorted((corpus / folder).iterdir()):
            if f.name in names:
                paths.append(f)
    if any("S_PV." in n for n in names):
        paths += sorted((corpus / "unsc-records").glob("*.pdf"))
    book = work / "texts-only.yaml"
    book.write_text(TEXTS_ONLY, encoding="utf-8")
    ingest_paths(paths, db=db, manifest=corpus / "manifest.csv", codebook=book, workers=1,
                 dedupe=False)


def keyword_baseline(matches: dict) -> dict:
    """Exact phrase matches only, each counted whatever its direction."""
    return {
        n: [replace(m, counted=True) for m in found if m.kind == "exact"]
        for n, found in matches.items()
    }


def line(name: str, report) -> str:
    return (
        f"{name:<44} P {report.micro_p:.3f}  R {report.micro_r:.3f}  F1 {report.micro_f1:.3f}"
        f"  ({report.micro_f1_ci[0]:.3f}-{report.micro_f1_ci[1]:.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--gold", type=Path, nargs="*")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--errors", action="store_true", help="print every error")
    parser.add_argument("--no-semantic", action="store_true")
    parser.add_argument("--weak-db", type=Path,
                        help="a coded database (e.g. the whole UNGDC) whose matches give the "
                             "semantic matcher weak labels; gold statements in it are left out")
    parser.add_argument("--vectors", type=Path,
                        help="word vectors (`tracker semantic vectors`) for the cross-validated "
                             "semantic models; without it they read words only")
    parser.add_argument("--passages", type=Path, nargs="*",
                        help="hand-labelled passages (TSV: theme, present, passage) from "
                             "statements outside the gold, added to every fold's training")
    parser.add_argument("--codebook", type=Path,
                        help="a codebook YAML to measure instead of the default one (e.g. an older "
                             "version: `git show REV:tracker/codebooks/default.yaml > old.yaml`)")
    args = parser.parse_args()

    paths = gold_paths(args.corpus, args.gold)
    gold, evidence = merge_gold(paths)
    db = gold_db(args.corpus, set(gold))
    with Store(db, readonly=True) as store:
        docs: dict[str, GoldDoc] = load_docs(store, gold)
    book = load_codebook(args.codebook) if args.codebook else load_codebook()
    rules = code(docs, Matcher(book, semantic=False))
    shipped = code(docs, Matcher(book)) if book.semantic_model else None
    per_file = {p.name: set(merge_gold([p])[0]) for p in paths}
    print(f"codebook {book.name} ({book.version}); {len(gold)} gold statements\n")
    for label, subset in [*per_file.items(), ("all development gold", set(gold))]:
        g = {n: gold[n] for n in subset}
        r = {n: rules[n] for n in subset}
        print(f"== {label}: {len(g)} statements, {sum(sum(v.values()) for v in g.values())} positives")
        print(line("keyword baseline (exact, no stance)", score(keyword_baseline(r), g)))
        for kind in ("exact", "fuzzy", "proximity"):
            print(line(f"rules: {kind} only", score(r, g, kinds=(kind,))))
        report = score(r, g, evidence=evidence)
        print(line("rules (in-sample: codebook written in view)", report))
        if shipped is not None:
            s = {n: shipped[n] for n in subset}
            print(line("rules + shipped semantic model (in-sample)", score(s, g)))
        if args.errors:
            print(report.format())
        print()
    if args.no_semantic:
        return
    from functools import partial

    from tracker.semantic import train_model, training_corpus
    from tracker.wordvectors import load_vectors

    if args.weak_db:  # no gold statement trains the models that score it
        with Store(args.weak_db, readonly=True) as weak:
            corpus = training_corpus(book, set(gold), weak_store=weak, passages=args.passages or ())
    else:
        corpus = training_corpus(book, set(gold), passages=args.passages or ())
    vectors = load_vectors(args.vectors) if args.vectors else None
    train = partial(train_model, corpus=corpus, vectors=vectors)
    report, coded = cross_validate(docs, gold, evidence, book, k=args.folds, train=train)
    for label, subset in [*per_file.items(), ("all development gold", set(gold))]:
        g = {n: gold[n] for n in subset}
        print(line(f"{label}: rules + semantic, {args.folds}-fold CV", score(coded, g)))
        print(line(f"{label}: semantic matches only, CV", score(coded, g, kinds=("semantic",))))
    print()
    print(report.format() if args.errors else "\n".join(report.format().splitlines()[:28]))


if __name__ == "__main__":
    main()
