"""Scale benchmark: a corpus FACTOR times the UNGDC, built from the real speeches.

Usage: python benchmarks/bench_scale.py [ZIP] [--factor 10] [--workers 2]

Copy k of every speech gets a new country-neutral id and a date shifted by k * 100 years, so no
copy is a duplicate of another (same text, another year: stored, not merged). The corpus is
ingested in slices of one UNGDC each; the table shows that time per slice stays flat (time
proportional to size) and peak memory stays bounded.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.ingest import ingest_paths  # noqa: E402

DEFAULT_ZIP = REPO.parent / "shared" / "corpus" / "ungdc" / "UNGDC_1946-2024.zip"


def copy_of_corpus(source: Path, k: int, folder: Path) -> Path:
    """Copy k of the corpus: member ISO3_SESSION_YEAR.txt -> ISO3_SESSION_(YEAR+100k).txt, with a
    marker line so every text is new."""
    target = folder / f"copy_{k:02d}.zip"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            name = info.filename.rsplit("/", 1)[-1]
            parts = name[:-4].split("_") if name.endswith(".txt") else []
            if len(parts) != 3 or not parts[2].isdigit():
                continue
            year = int(parts[2]) + 100 * k
            text = zin.read(info).decode("utf-8-sig")
            zout.writestr(f"copy{k:02d}/{parts[0]}_{parts[1]}_{year}.txt",
                          f"Generated copy {k} of {name}.\n\n{text}")  # fmt: skip
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("zip", nargs="?", type=Path, default=DEFAULT_ZIP)
    ap.add_argument("--factor", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--folder", type=Path, help="where to build the corpus and database")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        folder = Path(tmp)
        db = folder / "scale.db"
        print(f"{'slice':>5}{'statements':>12}{'seconds':>10}{'stmts/s':>10}{'peak MB':>10}{'db MB':>9}")
        total_s = total_n = 0
        for k in range(args.factor):
            part = copy_of_corpus(args.zip, k, folder)
            t0 = time.perf_counter()
            report = ingest_paths([part], db=db, workers=args.workers)
            took = time.perf_counter() - t0
            part.unlink()
            total_s += took
            total_n += len(report.stored)
            peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                    + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024  # fmt: skip
            size = db.stat().st_size / 1e6
            print(f"{k + 1:>5}{len(report.stored):>12,}{took:>10.1f}{len(report.stored) / took:>10.1f}"
                  f"{peak:>10,.0f}{size:>9,.0f}", flush=True)  # fmt: skip
        print(f"total: {total_n:,} statements in {total_s:,.0f} s ({total_n / total_s:.1f}/s)")


if __name__ == "__main__":
    main()
