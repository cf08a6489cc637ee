"""Accuracy on speeches the codebook was not written from: every held-out gold file scored with
the codebook that was frozen for it, and all of them pooled.

Each held-out sample was drawn, coded and adjudicated before the codebook it measured was
written further, and measured once with that codebook frozen (``gold/frozen.tsv``: the commit
holding it, its version, and the figures recorded then). This script takes each frozen codebook
out of git, checks that it still has its recorded version, scores its held-out file with
today's matcher, and pools the per-statement results into one figure with a bootstrap interval:
the best estimate here of how the tool codes speeches it has never seen. The current default on
the same statements (all of them in view now, so in-sample) and the keyword baseline are printed
beside it.

    python benchmarks/unseen.py [--corpus DIR] [--frozen gold/frozen.tsv] [--errors]
                                [--write tracker/data/unseen_accuracy.json]

``--write`` saves the pooled figures per theme for the dashboard's "Codebook and method" page.

Needs the git history of this repository (the frozen codebooks are read from it).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from accuracy import gold_db, keyword_baseline, line  # noqa: E402

from tracker.accuracy import (  # noqa: E402
    PERIODS, GoldDoc, code, load_docs, merge_gold, period_group, score, statement_groups,
)  # fmt: skip
from tracker.codebook import Codebook, load_codebook  # noqa: E402
from tracker.errors import GoldError  # noqa: E402
from tracker.models import Match  # noqa: E402
from tracker.validate import ValidationReport  # noqa: E402
from tracker.match import Matcher, collector_paused  # noqa: E402
from tracker.store import Store  # noqa: E402

FROZEN = REPO / "gold" / "frozen.tsv"
CODEBOOK_FILES = ("default.yaml", "default.semantic.json")


@dataclass(frozen=True)
class Frozen:
    """One held-out file and the codebook frozen for it when it was measured."""

    gold: str
    commit: str
    version: str
    measured: tuple[float, float, float]  # P, R, F1 recorded at the measurement


def read_frozen(path: Path = FROZEN) -> list[Frozen]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            Frozen(r["gold"], r["commit"], r["codebook_version"],
                   (float(r["measured_p"]), float(r["measured_r"]), float(r["measured_f1"])))
            for r in csv.DictReader(fh, delimiter="\t")
        ]


def codebook_at(commit: str, folder: Path) -> Codebook:
    """The default codebook (and its semantic model) as committed in ``commit``."""
    for name in CODEBOOK_FILES:
        shown = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{commit}:tracker/codebooks/{name}"],
            capture_output=True, check=False,
        )
        if shown.returncode == 0:
            (folder / name).write_bytes(shown.stdout)
        elif name == "default.yaml":
            raise GoldError(f"{commit}: no tracker/codebooks/default.yaml in git "
                            f"({shown.stderr.decode().strip()})")
    return load_codebook(folder / "default.yaml")


def micro_json(report: ValidationReport) -> dict:
    return {"precision": round(report.micro_p, 3), "recall": round(report.micro_r, 3),
            "f1": round(report.micro_f1, 3),
            "f1_ci": [round(x, 3) for x in report.micro_f1_ci]}


def themes_json(report: ValidationReport) -> list[dict]:
    return [{"theme": t.theme, "positives": t.support, "tp": t.tp, "fp": t.fp, "fn": t.fn}
            for t in report.per_theme]


def summary(report: ValidationReport, rows: list[Frozen], statements: int, positives: int,
            groups: Sequence[tuple[str, ValidationReport, int, int]] = ()) -> dict:
    """The pooled figures as the dashboard reads them (tracker.accuracy.load_unseen_accuracy);
    ``groups``: (forum and period, its report, statements, positives)."""
    return {
        "what": "the default codebook on held-out speeches, each scored with the codebook frozen "
                "before its labels were read (rules only)",
        "command": "python benchmarks/unseen.py --write tracker/data/unseen_accuracy.json",
        "held_out_files": [r.gold for r in rows],
        "frozen_codebooks": [r.version for r in rows],
        "statements": statements,
        "positives": positives,
        "micro": micro_json(report),
        "themes": themes_json(report),
        "groups": [{"group": name, "statements": n, "positives": pos, "micro": micro_json(r),
                    "themes": themes_json(r)} for name, r, n, pos in groups],
    }


def by_group(corpus: Path, gold: dict, evidence: dict, coded: "Coded", *, n_boot: int = 1000
             ) -> list[tuple[str, ValidationReport, int, int]]:
    """The pooled figures of each forum and period (tracker.accuracy.period_group), in the
    order of PERIODS, then the other forums."""
    with Store(gold_db(corpus, set(gold)), readonly=True) as store:
        group_of = statement_groups(store, gold)
    periods = [period_group("General Assembly general debate", first) for first, _ in PERIODS]
    order = {name: i for i, name in enumerate(periods)}  # the periods in time, then the rest
    out = []
    for name in sorted(set(group_of.values()), key=lambda g: (order.get(g, len(order)), g)):
        names = [n for n in gold if group_of[n] == name]
        report = score({n: coded[n] for n in names}, {n: gold[n] for n in names},
                       evidence=evidence, n_boot=n_boot)
        out.append((name, report, len(names), sum(sum(gold[n].values()) for n in names)))
    return out


Coded = dict[str, list[Match]]


def code_with_frozen(
    corpus: Path, rows: list[Frozen], *, verbose: bool = False, workers: int = 2
) -> tuple[dict, dict, dict[str, GoldDoc], Coded]:
    """Gold labels, evidence, stored gold statements, and each held-out file coded with the
    codebook frozen for it. GoldError when a commit does not hold the recorded version."""
    paths = [REPO / "gold" / r.gold for r in rows]
    gold, evidence = merge_gold(paths)
    with Store(gold_db(corpus, set(gold)), readonly=True) as store:
        docs = load_docs(store, gold)
    frozen_coded: Coded = {}
    if verbose:
        print(f"{'held-out':<16}{'frozen codebook':<17}{'recorded P / R / F1':<24}today's matcher")
    # the held-outs of one commit (frozen.tsv keeps them together) are coded by one load of its
    # codebook; the commits' runs go to two processes (the codebooks' compiling and matching
    # take about two minutes on one core)
    groups: list[tuple[str, list[tuple[str, str, dict[str, GoldDoc]]]]] = []
    by_gold = {row.gold: row for row in rows}
    for row, path in zip(rows, paths):
        names = set(merge_gold([path])[0])
        if not groups or groups[-1][0] != row.commit:
            groups.append((row.commit, []))
        groups[-1][1].append((row.gold, row.version, {n: docs[n] for n in names}))
    for results in _map("_code_commit", groups, workers=workers):
        for name, coded in results:
            row = by_gold[name]
            frozen_coded.update(coded)
            if verbose:
                report = score(coded, {n: gold[n] for n in coded})
                recorded = " / ".join(f"{x:.3f}" for x in row.measured)
                print(f"{row.gold:<16}{row.version:<17}{recorded:<24}"
                      f"{report.micro_p:.3f} / {report.micro_r:.3f} / {report.micro_f1:.3f}")
    return gold, evidence, docs, frozen_coded


def _code_commit(group: tuple[str, list[tuple[str, str, dict[str, GoldDoc]]]]
                 ) -> list[tuple[str, Coded]]:  # fmt: skip
    """Each held-out (gold file, recorded version, statements) of one commit coded by the
    codebook the commit holds. Its folder is gone once it is loaded: the book must stay without
    its semantic model."""
    commit, held_outs = group
    # the collector paused (as tracker.accuracy.code pauses it) while the codebook is read too:
    # reading one beside the held-out statements and other commits' lexicons took 1-2 s more
    with collector_paused(), tempfile.TemporaryDirectory() as folder:
        book = codebook_at(commit, Path(folder))
    matcher = Matcher(book, semantic=False)
    out = []
    for name, version, docs in held_outs:
        if book.version[:12] != version:
            raise GoldError(f"{name}: commit {commit} holds codebook {book.version[:12]}, "
                            f"not the recorded {version}")
        out.append((name, code(docs, matcher)))
    return out


def _map(name: str, items: list, *, workers: int) -> Iterator:
    """This module's function ``name`` over ``items``, results in order, in ``workers``
    processes (started as the ingest's are, without re-running the caller's main script), or
    here when one. The workers import the function as ``benchmarks.unseen``'s, also when this
    file runs as a script (its functions are then ``__main__``'s, which a worker cannot import)."""
    if workers <= 1 or len(items) < 2:
        yield from map(globals()[name], items)
        return
    from benchmarks import unseen as importable
    from tracker.ingest import pool_context, without_main_script

    fn = getattr(importable, name)
    with without_main_script():
        pool = ProcessPoolExecutor(min(workers, len(items)), mp_context=pool_context())
        futures = [pool.submit(fn, item) for item in items]
    try:
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(cancel_futures=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--frozen", type=Path, default=FROZEN)
    parser.add_argument("--errors", action="store_true", help="print the pooled errors")
    parser.add_argument("--write", type=Path, metavar="JSON",
                        help="save the pooled figures (tracker/data/unseen_accuracy.json is the "
                             "one the dashboard shows)")
    args = parser.parse_args()

    rows = read_frozen(args.frozen)
    try:
        gold, evidence, docs, frozen_coded = code_with_frozen(args.corpus, rows, verbose=True)
    except GoldError as exc:
        sys.exit(str(exc))
    positives = sum(sum(v.values()) for v in gold.values())
    print(f"\npooled: {len(rows)} held-out files, {len(gold)} statements, {positives} positives")
    pooled = score(frozen_coded, gold, evidence=evidence)
    print(line("frozen codebooks (unseen)", pooled))
    current = code(docs, Matcher(load_codebook(), semantic=False))
    print(line("current default (in view: in-sample)", score(current, gold)))
    print(line("keyword baseline, current default", score(keyword_baseline(current), gold)))
    groups = by_group(args.corpus, gold, evidence, frozen_coded)
    print("\nby forum and period (frozen codebooks):")
    for name, report, n, pos in groups:
        print(line(f"  {name} ({n} statements, {pos} positives)", report))
    if args.write:
        pooled_json = json.dumps(summary(pooled, rows, len(gold), positives, groups), indent=1)
        args.write.write_text(pooled_json + "\n", encoding="utf-8")
        print(f"wrote {args.write}")
    table = pooled.format()
    print("\n" + (table if args.errors else "\n".join(table.splitlines()[:20])))


if __name__ == "__main__":
    main()
