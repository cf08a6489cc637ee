"""What a codebook change adds on a whole corpus, outside the gold: the precision check behind
the "new findings ... read" figures of docs/validation.md.

    python benchmarks/codebook_diff.py CODED.db --old OLD.yaml [--new NEW.yaml] \
        [--sample 40] [--seed 11]

Copies CODED.db twice, re-matches one copy with each codebook (`tracker match`), and compares
the counted statement-themes of the statements that are in no gold file or gold sample (the
shared corpus's gold/*.tsv and this repository's gold/*.tsv): how many each theme gains and
loses, then a random sample of the gained ones with the passage to read, and every lost one with
what the new codebook matched there instead. An older codebook:
`git show REV:tracker/codebooks/default.yaml > old.yaml` (a codebook outside tracker/codebooks/
still finds the shipped semantic model it names).

A change to the matcher's code rather than the codebook: `--stored` takes the database as it is
stored (coded by the code that built it) as the old side, and re-matches one copy with the
current code:

    python benchmarks/codebook_diff.py CODED.db --stored [--new NEW.yaml]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from tracker.codebook import load_codebook
from tracker.coding import file_name

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CODEBOOK = REPO / "tracker" / "codebooks" / "default.yaml"


def gold_names(corpus: Path) -> set[str]:
    """File names of every statement in a gold file or a gold sample list."""
    names: set[str] = set()
    for tsv in [*sorted((corpus / "gold").glob("*.tsv")), *sorted((REPO / "gold").glob("*.tsv"))]:
        with open(tsv, encoding="utf-8", newline="") as fh:
            table = csv.DictReader(fh, delimiter="\t")
            names |= {Path(r["file"]).name for r in table if r.get("file")}
    return names


def rematch(db: Path, codebook: Path, folder: Path, tag: str) -> Path:
    copy = folder / f"{tag}.db"
    shutil.copyfile(db, copy)
    tracker = Path(sys.executable).with_name("tracker")
    subprocess.run([str(tracker), "match", "--db", str(copy), "--codebook", str(codebook), "-q"],
                   check=True)  # fmt: skip
    return copy


def counted(db: Path, skip: set[str]) -> dict[tuple[int, str], str]:
    """(statement id, theme) -> file name, for counted matches of statements outside ``skip``."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT DISTINCT m.statement_id, m.theme, s.source FROM matches m "
            "JOIN statements s ON s.id = m.statement_id WHERE m.counted = 1"
        ).fetchall()
    out = {}
    for sid, theme, source in rows:
        name = file_name(source)
        if name not in skip:
            out[(sid, theme)] = name
    return out


def evidence(db: Path, sid: int, theme: str) -> tuple[str, str, str]:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT m.rule, m.matched_text, COALESCE(p.text, '') FROM matches m "
            "LEFT JOIN passages p ON p.id = m.passage_id "
            "WHERE m.statement_id = ? AND m.theme = ? AND m.counted = 1 ORDER BY m.id LIMIT 1",
            (sid, theme),
        ).fetchone()
    return row


def stored_versions(db: Path) -> set[str]:
    """The codebook versions the statements of a database were coded with."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {v for (v,) in conn.execute("SELECT DISTINCT codebook_version FROM statements")}


def matches_now(db: Path, sid: int, theme: str) -> list[tuple[str, str, str, str]]:
    """Every match of a theme in a statement, counted or not: (rule, text, direction, reason)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT rule, matched_text, direction, reason FROM matches "
            "WHERE statement_id = ? AND theme = ? ORDER BY start",
            (sid, theme),
        ).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path, help="a coded database (e.g. the whole UNGDC)")
    before = parser.add_mutually_exclusive_group(required=True)
    before.add_argument("--old", type=Path, help="the codebook before the change")
    before.add_argument("--stored", action="store_true",
                        help="the old side is the database as stored (a change to the code)")
    parser.add_argument("--new", type=Path, default=DEFAULT_CODEBOOK)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--sample", type=int, default=40, help="gained statement-themes to print")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.stored:  # the stored side must be the new codebook, or the diff mixes two changes
        stored = stored_versions(args.db)
        wanted = load_codebook(args.new).version
        if any(not wanted.startswith(v) for v in stored):
            parser.error(f"{args.db}: its statements were coded with codebook "
                         f"{', '.join(sorted(stored))}, not {args.new} ({wanted[:12]}); re-match "
                         f"it first (tracker match --db {args.db} --codebook {args.new}) with the "
                         "code before the change, or compare codebooks with --old")
    skip = gold_names(args.corpus)
    with tempfile.TemporaryDirectory(prefix="codebook-diff-") as tmp:
        old_db = args.db if args.stored else rematch(args.db, args.old, Path(tmp), "old")
        new_db = rematch(args.db, args.new, Path(tmp), "new")
        old, new = counted(old_db, skip), counted(new_db, skip)
        with sqlite3.connect(new_db) as conn:
            outside = sum(1 for (s,) in conn.execute("SELECT source FROM statements")
                          if file_name(s) not in skip)  # fmt: skip
        gained = sorted(k for k in new if k not in old)
        lost = sorted(k for k in old if k not in new)
        print(f"{outside} statements outside the gold; counted statement-themes "
              f"{len(old)} -> {len(new)}: {len(gained)} gained, {len(lost)} lost")  # fmt: skip
        print("gained by theme:", dict(Counter(t for _, t in gained).most_common()))
        print("lost by theme:", dict(Counter(t for _, t in lost).most_common()))
        for sid, theme in random.Random(args.seed).sample(gained, min(args.sample, len(gained))):
            rule, text, passage = evidence(new_db, sid, theme)
            print(f"\n{new[(sid, theme)]}  {theme}  [{rule}]  <{text}>\n    {passage[:400]}")
        # a lost statement-theme is rarer and always worth reading: every one, with what the new
        # codebook matched there instead (a match read the other way, or none)
        for sid, theme in lost:
            rule, text, passage = evidence(old_db, sid, theme)
            print(f"\nLOST {old[(sid, theme)]}  {theme}  [{rule}]  <{text}>\n    {passage[:400]}")
            for n_rule, n_text, direction, reason in matches_now(new_db, sid, theme):
                print(f"    now: [{n_rule}] <{n_text}> {direction} {reason}".rstrip())


if __name__ == "__main__":
    main()
