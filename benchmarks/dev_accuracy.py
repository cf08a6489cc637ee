"""Dev accuracy of a codebook on the hand-coded gold statements, through the real pipeline.

Reads each gold statement from the shared corpus (``unga79/text/`` or ``seed/``), cleans it
(``clean_text``), segments it (``segment``), matches it and prints per-theme P/R/F1, micro and
macro figures with bootstrap intervals, the targets, then every error with its evidence.

    python benchmarks/dev_accuracy.py [--codebook FILE] [--corpus DIR] [--gold FILE] [--quiet]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.clean import clean_text  # noqa: E402
from tracker.codebook import load_codebook  # noqa: E402
from tracker.match import Matcher  # noqa: E402
from tracker.models import Passage  # noqa: E402
from tracker.validate import evaluate, load_gold, load_gold_evidence  # noqa: E402

try:
    from tracker.segment import segment
except ImportError:  # stand-in until tracker/segment.py exists
    _SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"')\]]*|\n|$)")

    def segment(text: str) -> list[Passage]:
        out: list[Passage] = []
        for par, block in enumerate(re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", text)):
            for m in _SENTENCE.finditer(block.group()):
                if m.group().strip():
                    s = block.start() + m.start()
                    out.append(Passage(len(out), s, block.start() + m.end(), par))
        return out


CORPUS = Path(os.environ.get("TRACKER_CORPUS", REPO.parent / "shared" / "corpus"))
FOLDERS = ("unga79/text", "seed")


def statement_path(corpus: Path, name: str) -> Path:
    """Where a gold file name lives in the shared corpus."""
    for folder in FOLDERS:
        path = corpus / folder / name
        if path.exists():
            return path
    raise FileNotFoundError(f"{name} is in none of {', '.join(FOLDERS)} under {corpus}")


def code_gold(corpus: Path, gold: dict, matcher: Matcher) -> dict[str, dict[str, str]]:
    """File -> theme -> evidence of its first match, for every gold file."""
    coded: dict[str, dict[str, str]] = {}
    for name in sorted(gold):
        raw = statement_path(corpus, name).read_text(encoding="utf-8", errors="replace")
        text = clean_text(raw)
        found: dict[str, str] = {}
        for match in matcher.match(text, segment(text), language="en"):
            found.setdefault(match.theme, match.matched_text)
        coded[name] = found
    return coded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codebook", default=None, help="codebook file (default: the default)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--gold", type=Path, default=None, help="default: CORPUS/gold/dev.tsv")
    parser.add_argument("--quiet", action="store_true", help="scores only, no error lists")
    args = parser.parse_args(argv)
    gold_path = args.gold or args.corpus / "gold" / "dev.tsv"
    book = load_codebook(args.codebook)
    gold = load_gold(gold_path)
    coded = code_gold(args.corpus, gold, Matcher(book))
    report = evaluate(
        coded, gold, themes=[t.id for t in book.themes], gold_evidence=load_gold_evidence(gold_path)
    )
    print(f"codebook {book.name} {book.version}")
    text = report.format()
    print(text.split("\nfalse positives")[0] if args.quiet else text)
    return 0 if all(report.targets_met().values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
