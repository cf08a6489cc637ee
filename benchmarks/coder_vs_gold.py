"""How well one more independent coder agrees with the adjudicated gold: the ceiling beside the tool.

    python benchmarks/coder_vs_gold.py [GOLD CODER ...]

Without arguments it takes every third coder in gold/coders/: a coder file of a held-out
(`heldoutN_coder_X.tsv`) whose coder is not one of the two named in that held-out's
adjudication header (so did not make the gold).

Each pair is a gold file and a third coder's labels of the same statements, coded from the full
texts without the tool and without the gold (gold/README.md says how). The coder is scored as
if it were the tool: statement-level precision, recall and F1 per theme and pooled, with 95%
bootstrap intervals, and every disagreement printed with the sentence behind it (the coder's
quote for what it found beyond the gold, the gold's quote for what it missed). Then the default
codebook's coding of the same statements (rules only) is scored beside it, so the two figures
read against one gold.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from accuracy import code, gold_db, load_docs  # noqa: E402  (as the accuracy bench builds and codes)
from tracker.accuracy import score  # noqa: E402
from tracker.codebook import load_codebook  # noqa: E402
from tracker.match import Matcher  # noqa: E402
from tracker.store import Store  # noqa: E402
from tracker.validate import evaluate, load_gold, load_gold_evidence  # noqa: E402


def coder_as_coding(path: Path) -> dict[str, dict[str, str]]:
    """A coder's labels in the shape `evaluate` reads: file -> theme -> the coder's quote, for
    the themes marked present, so each of the coder's false positives prints its sentence."""
    quotes = load_gold_evidence(path)
    return {
        name: {theme: quotes.get((name, theme), "") for theme, present in themes.items() if present}
        for name, themes in load_gold(path).items()
    }


def third_coders(gold_dir: Path = REPO / "gold") -> list[tuple[Path, Path]]:
    """(gold, coder) for every coder file of a held-out whose coder did not make its gold."""
    found = []
    for coder in sorted((gold_dir / "coders").glob("heldout*_coder_*.tsv")):
        tag, who = coder.stem.split("_coder_")
        adjudication = gold_dir / f"{tag}-adjudication.tsv"
        if not adjudication.exists():
            continue
        header = adjudication.read_text(encoding="utf-8").splitlines()[0].split("\t")
        if f"coder_{who}" not in header[2:4]:
            found.append((gold_dir / f"{tag}.tsv", coder))
    return found


def pairs(args: list[str]) -> list[tuple[Path, Path]]:
    if not args:
        return third_coders()
    if len(args) % 2:
        sys.exit("give pairs: GOLD CODER [GOLD CODER ...]")
    return [(Path(args[i]), Path(args[i + 1])) for i in range(0, len(args), 2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="GOLD CODER pairs (default: every third coder)")
    parser.add_argument("--no-tool", action="store_true", help="score the coders only")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args()
    gold: dict[str, dict[str, bool]] = {}
    coded: dict[str, dict[str, str]] = {}
    quotes: dict[tuple[str, str], str] = {}  # the gold's evidence, printed beside each miss
    chosen = pairs(args.files)
    print("pairs:", ", ".join(f"{g.name} / {c.name}" for g, c in chosen))
    for gold_path, coder_path in chosen:
        part, theirs = load_gold(gold_path), coder_as_coding(coder_path)
        missing = sorted(set(part) - set(theirs))
        if missing:
            sys.exit(f"{coder_path}: no labels for {missing[0]} (and {len(missing) - 1} more)")
        twice = sorted(set(part) & set(gold))
        if twice:  # two coders of one statement: one would silently replace the other
            sys.exit(f"{coder_path}: {twice[0]} is scored twice (give one coder per statement)")
        gold.update(part)
        coded.update({name: theirs[name] for name in part})
        quotes.update(load_gold_evidence(gold_path))
    themes = sorted({t for per in gold.values() for t in per})
    print(f"== one more coder against the adjudicated gold: {len(gold)} statements")
    print(evaluate(coded, gold, themes=themes, gold_evidence=quotes).format())
    if args.no_tool:
        return
    if not (args.corpus / "ungdc" / "UNGDC_1946-2024.zip").exists():
        sys.exit(f"{args.corpus}: no UNGDC zip here to code the statements from; give --corpus "
                 "DIR (the shared corpus) or --no-tool to score the coders only")
    codebook = load_codebook()
    with Store(gold_db(args.corpus, set(gold)), readonly=True) as store:
        docs = load_docs(store, gold)
    matches = code(docs, Matcher(codebook, semantic=False))
    print(f"\n== the default codebook ({codebook.version[:12]}, rules) on the same statements")
    print(score(matches, gold, evidence=quotes).format())


if __name__ == "__main__":
    main()
