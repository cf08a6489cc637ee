"""How right each rule of the codebook is on the development gold: the precision check behind a
codebook revision, rule by rule.

    python benchmarks/rule_precision.py [--corpus DIR] [--gold FILE ...] [--codebook FILE.yaml]
                                        [--theme ID] [--min 1] [--show wrong|right|all]

For every (theme, rule), over the gold statements (the database of just those statements that
``benchmarks/accuracy.py`` builds and keeps in the temp folder):

- ``right`` / ``wrong``: statements where the rule made the theme present (a counted match)
  and the coders found it present / absent;
- ``alone right`` / ``alone wrong``: of those, the statements where no other rule of the theme
  made it present, so removing the rule loses a right finding / removes a false positive;
- ``precision``: right / (right + wrong).

Rules that never fire on the gold are listed at the end (they may still fire elsewhere: check
with ``benchmarks/codebook_diff.py`` before removing one). ``--show wrong`` prints the matched
words of every wrong statement of the listed rules, to read against the text.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.accuracy import gold_db, gold_paths  # noqa: E402
from tracker.accuracy import GoldDoc, code, load_docs, merge_gold  # noqa: E402
from tracker.codebook import load_codebook  # noqa: E402
from tracker.match import Matcher  # noqa: E402
from tracker.models import Match  # noqa: E402
from tracker.store import Store  # noqa: E402


@dataclass
class RuleTally:
    """What one rule of one theme made present on the gold statements."""

    right: list[tuple[str, str]] = field(default_factory=list)  # (statement, matched words)
    wrong: list[tuple[str, str]] = field(default_factory=list)
    alone_right: int = 0
    alone_wrong: int = 0

    @property
    def precision(self) -> float:
        fired = len(self.right) + len(self.wrong)
        return len(self.right) / fired if fired else 0.0


def tally_rules(
    coded: dict[str, list[Match]], gold: dict[str, dict[str, bool]]
) -> dict[tuple[str, str], RuleTally]:
    """(theme, rule) -> its tally, from every counted match of every gold statement."""
    tallies: dict[tuple[str, str], RuleTally] = defaultdict(RuleTally)
    for name, matches in coded.items():
        by_theme: dict[str, dict[str, str]] = defaultdict(dict)  # theme -> rule -> first words
        for m in matches:
            if m.counted and m.theme in gold[name]:
                by_theme[m.theme].setdefault(m.rule, m.matched_text)
        for theme, rules in by_theme.items():
            present = gold[name][theme]
            for rule, words in rules.items():
                tally = tallies[(theme, rule)]
                (tally.right if present else tally.wrong).append((name, words))
                if len(rules) == 1:
                    if present:
                        tally.alone_right += 1
                    else:
                        tally.alone_wrong += 1
    return tallies


def format_table(tallies: dict[tuple[str, str], RuleTally], minimum: int) -> list[str]:
    """One line per rule that fired at least ``minimum`` times, worst precision first."""
    rows = [(k, t) for k, t in tallies.items() if len(t.right) + len(t.wrong) >= minimum]
    rows.sort(key=lambda kt: (kt[1].precision, -len(kt[1].wrong), kt[0]))
    width = max([len(f"{th} / {r}") for (th, r), _ in rows] + [10])
    out = [f"{'theme / rule':<{width}}  right  wrong  alone right  alone wrong  precision"]
    for (theme, rule), t in rows:
        out.append(f"{theme + ' / ' + rule:<{width}}  {len(t.right):>5}  {len(t.wrong):>5}  "
                   f"{t.alone_right:>11}  {t.alone_wrong:>11}  {t.precision:>9.3f}")
    return out


def silent_rules(book, tallies: dict[tuple[str, str], RuleTally], theme: str | None) -> list[str]:
    """Rules of the codebook that made no theme present on the gold."""
    return [f"{t.id} / {r.name}" for t in book.themes if theme in (None, t.id)
            for r in t.rules if (t.id, r.name) not in tallies]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--gold", type=Path, nargs="*")
    parser.add_argument("--codebook", type=Path, help="a codebook YAML instead of the default")
    parser.add_argument("--theme", help="only this theme's rules")
    parser.add_argument("--min", type=int, default=1, help="list rules that fired this often")
    parser.add_argument("--show", choices=("wrong", "right", "all"),
                        help="print the statements behind each listed rule")
    args = parser.parse_args()

    gold, _evidence = merge_gold(gold_paths(args.corpus, args.gold))
    db = gold_db(args.corpus, set(gold))
    with Store(db, readonly=True) as store:
        docs: dict[str, GoldDoc] = load_docs(store, gold)
    book = load_codebook(args.codebook) if args.codebook else load_codebook()
    tallies = tally_rules(code(docs, Matcher(book, semantic=False)), gold)
    if args.theme:
        tallies = {k: t for k, t in tallies.items() if k[0] == args.theme}
    print(f"codebook {book.name} ({book.version}); {len(gold)} gold statements\n")
    for line in format_table(tallies, args.min):
        print(line)
    if args.show:
        for (theme, rule), t in sorted(tallies.items()):
            shown = {"wrong": t.wrong, "right": t.right, "all": t.right + t.wrong}[args.show]
            if shown and len(t.right) + len(t.wrong) >= args.min:
                print(f"\n{theme} / {rule}")
                for name, words in shown:
                    print(f"  {name}  <{words[:160]}>")
    silent = silent_rules(book, tallies, args.theme)
    if silent:
        print(f"\nrules that made no theme present on the gold ({len(silent)}):")
        for name in silent:
            print(f"  {name}")


if __name__ == "__main__":
    main()
