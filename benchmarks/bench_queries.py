"""The time of each query behind a chart, best of a few runs, against a 200 ms budget.

Usage: python benchmarks/bench_queries.py [--db DB] [--repeat 3]
(``make bench`` measures the whole UNGDC this way; the exit status is 3 when a query is over.)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tracker import query
from tracker.connect import default_db_path

BUDGET_MS = 200


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=None, help="database (default: $TRACKER_DB or db/tracker.db)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per query; the best is printed")
    args = ap.parse_args(argv)
    db = Path(args.db) if args.db else default_db_path()
    try:
        n = query.options(db).statements
        results = query.timings(db, repeat=args.repeat)
    except query.QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{db}: {n:,} statements; best of {args.repeat} runs, milliseconds")
    for name, ms in results.items():
        print(f"  {name:<22} {ms:8.1f}{f'  SLOW (over {BUDGET_MS} ms)' if ms > BUDGET_MS else ''}")
    return 0 if all(ms <= BUDGET_MS for ms in results.values()) else 3


if __name__ == "__main__":
    sys.exit(main())
