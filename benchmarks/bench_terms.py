"""The Any term page's answer to a new term and to a filter change: the scan through the term
index beside the scan that reads every statement whole (the page before the index), on the same
database in the same run.

Usage: python benchmarks/bench_terms.py [--db DB] [--rounds 3] [--term TEXT ...]

Each round scans every term both ways, in alternating order, with the database's active
codebook: first as a new term with the sidebar's default filters (the matcher's learnt words of
earlier scans forgotten first), then after a filter change (years 2000-2024): through the index
with what the first scan read kept (as the page keeps it, ``terms.TermMemo``), and read whole
again (the page before: a new scan for every change). The index's words, which a dashboard reads
once per state of the database, are read before the rounds and timed apart.
Both ways must find the same (counts, rows, statements): a difference is an error. Prints each
round and the medians side by side. (The whole reading has this version's other savings too:
the codebook's settings parsed once, the context read around each hit; the page before the
index was a little slower still.) A ``--term`` with ``~`` is a near rule: ``sanctions~unilateral,
illegal`` is "sanctions" within 3 words of "unilateral" or "illegal".

A database whose index lacks statements (an ingest leaves the index to the page's first use)
is copied to a temp folder and indexed there first, and that time is printed: what the page's
first use costs on it.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from tracker import match, query, terms
from tracker.connect import default_db_path, read_only
from tracker.query import Filters

TERMS = ["cyberspace", "self-determination", "non-aligned", "blockade", "cyber attack",
         "sanctions~unilateral, illegal"]  # fmt: skip


def parse(text: str) -> terms.Term:
    word, _, near = text.partition("~")
    return terms.Term.parse(word, near=near, within=3)


def active_codebook(db: Path) -> str | None:
    with query.connect(db) as conn:
        row = conn.execute("SELECT c.text FROM settings s JOIN codebooks c ON c.version = s.value "
                           "WHERE s.key = 'active_codebook'").fetchone()  # fmt: skip
    return row[0] if row else None


CHANGED = Filters(year_from=2000, year_to=2024)


def timed_scan(db: Path, term: terms.Term, book: str | None, filters: Filters, *,
               use_index: bool, memo: terms.TermMemo | None = None):  # fmt: skip
    if memo is None or memo.lookup is None:
        match._COMPILED.clear()  # a new term: nothing learnt by an earlier scan of it
    start = time.perf_counter()
    result = terms.scan(db, term, filters, codebook_text=book, use_index=use_index, memo=memo)
    return time.perf_counter() - start, result


def same(a: terms.TermScan, b: terms.TermScan) -> bool:
    return (a.selected, a.scanned) == (b.selected, b.scanned) and a.statements.equals(
        b.statements) and a.kwic.rows.equals(b.kwic.rows)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=None, help="database (default: $TRACKER_DB or db/tracker.db)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--term", action="append", help=f"a term (repeatable; default {TERMS})")
    args = ap.parse_args(argv)
    db = Path(args.db) if args.db else default_db_path()
    if not db.is_file():
        print(f"no database at {db} (--db)", file=sys.stderr)
        return 2
    texts = args.term or TERMS
    with tempfile.TemporaryDirectory(prefix="bench-terms-") as tmp:
        missing = terms.unindexed(db)
        if missing:
            copy = Path(tmp) / "tracker.db"
            with closing(read_only(db)) as src, closing(sqlite3.connect(copy)) as dst:
                src.backup(dst)  # with what the write-ahead log holds
            start = time.perf_counter()
            terms.build_index(copy)
            print(f"{db} lacked the index for {missing:,} statements: indexed a copy in "
                  f"{time.perf_counter() - start:.1f} s (the page's first use)", flush=True)
            db = copy
        book = active_codebook(db)
        with query.connect(db) as conn:
            start = time.perf_counter()
            terms._WORDS.clear()
            version = query.term_index_version(conn) or ""
            words = len(terms._index_words(conn, db, version)[0])
        print(f"the index's {words:,} words read in {time.perf_counter() - start:.2f} s "
              "(once per state of the database)", flush=True)
        kinds = ("index", "whole", "index changed", "whole changed")
        times: dict[str, dict[str, list[float]]] = {t: {k: [] for k in kinds} for t in texts}
        found: dict[str, tuple[int, int, int]] = {}
        for r in range(args.rounds):
            for text in texts:
                term = parse(text)
                memo = terms.TermMemo()
                order = (True, False) if r % 2 == 0 else (False, True)
                for filters, suffix in ((Filters(), ""), (CHANGED, " changed")):
                    results = {}
                    for use_index in order:
                        seconds, results[use_index] = timed_scan(
                            db, term, book, filters, use_index=use_index,
                            memo=memo if use_index else None)  # fmt: skip
                        times[text][("index" if use_index else "whole") + suffix].append(seconds)
                    if not same(results[True], results[False]):
                        print(f"error: {text!r} found differently through the index",
                              file=sys.stderr)  # fmt: skip
                        return 1
                    if not suffix:
                        got = results[True]
                        found[text] = (got.found, got.scanned, got.occurrences)
                print(f"round {r + 1} {text!r:34} "
                      + "  ".join(f"{k} {times[text][k][-1]:6.2f} s" for k in kinds), flush=True)
    print()
    print(f"{'median s':<33} {'new term: index':>15} {'whole':>7} {'ratio':>6}   "
          f"{'filter change: index':>20} {'whole':>6} {'ratio':>7}  found")  # fmt: skip
    for text in texts:
        new, old, new_change, old_change = (statistics.median(times[text][k]) for k in kinds)
        k, n, hits = found[text]
        print(f"{text!r:<33} {new:15.2f} {old:7.2f} {old / new:5.1f}x   {new_change:20.2f} "
              f"{old_change:6.2f} {old_change / new_change:6.1f}x  "
              f"{k:,} of {n:,} statements, {hits:,} occurrences")
    print(f"(filter change: years {CHANGED.year_from}-{CHANGED.year_to}, after the term's first "
          "scan; found: with the default filters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
