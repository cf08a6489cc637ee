"""Write db/schema.sql: the schema a fresh database gets from tracker/store.py's migrations.

Usage: python scripts/schema.py [--check]
Run it after adding a migration; with --check it only says whether db/schema.sql is current.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.store import fresh_schema  # noqa: E402

SCHEMA_FILE = REPO / "db" / "schema.sql"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 when db/schema.sql is stale")
    args = ap.parse_args()
    schema = fresh_schema()
    current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    if args.check:
        if current != schema:
            sys.exit(f"{SCHEMA_FILE} is stale: run python scripts/schema.py")
        print(f"{SCHEMA_FILE} is current")
        return
    SCHEMA_FILE.write_text(schema, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
