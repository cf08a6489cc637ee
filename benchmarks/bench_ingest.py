"""Whole-corpus benchmark: ingest with matching, re-matching, and dashboard queries.

Usage: python benchmarks/bench_ingest.py [ZIP] [--limit N] [--workers 2] [--keep DB]

Prints one table; each figure stands beside a baseline measured in the same run, so ratios hold
on a noisy machine:
  * ingest with matching  vs  an exact regex keyword pass over the same zip on one core;
  * re-match with a changed codebook  vs  the same baseline;
  * p50/p95 of every dashboard query  vs  a plain SELECT scan of the statements table;
  * the store's writes (sqlite-utils) vs a plain executemany writer, on the same statements
    (benchmarks/writers.py);
and, from benchmarks/baseline_ingest.json, the figures of the run before the store moved to
sqlite-utils (issue 12) beside this run's (--save-baseline FILE records this run's instead).
Peak memory is the writer's peak plus the largest worker's peak (an upper bound of the total).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.codebook import load_codebook  # noqa: E402
from tracker.ingest import ingest_paths  # noqa: E402
from tracker.rematch import rematch  # noqa: E402
from tracker.store import Store  # noqa: E402
from writers import compare_writers  # noqa: E402

DEFAULT_ZIP = REPO.parent / "shared" / "corpus" / "ungdc" / "UNGDC_1946-2024.zip"
BASELINE = REPO / "benchmarks" / "baseline_ingest.json"


def limited_zip(source: Path, limit: int | None, folder: Path) -> Path:
    """The zip itself, or a copy holding its first ``limit`` speeches."""
    if not limit:
        return source
    target = folder / f"first_{limit}.zip"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        members = [i for i in zin.infolist() if i.filename.endswith(".txt")][:limit]
        for info in members:
            zout.writestr(info, zin.read(info))
    return target


def phrase_regex() -> re.Pattern[str]:
    """The exact baseline: every wording of the default codebook in one (trie-factored) regex,
    the same baseline as benchmarks/bench_match.py."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_match import exact_patterns, trie_regex

    return trie_regex(sorted(exact_patterns(load_codebook())))


def baseline_pass(zip_path: Path, pattern: re.Pattern[str]) -> tuple[float, int, int]:
    """Read every member and run the exact regex over it, on one core: (seconds, words, hits)."""
    start = time.perf_counter()
    words = hits = 0
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".txt") or info.filename.endswith("README.txt"):
                continue
            text = zf.read(info).decode("utf-8-sig", errors="replace")
            words += len(text.split())
            hits += sum(1 for _ in pattern.finditer(text))
    return time.perf_counter() - start, words, hits


def peak_mb() -> tuple[float, float]:
    """Peak memory of this process and of its largest child, in MB (0 where the platform has
    no ``resource`` module: Windows)."""
    try:
        import resource
    except ImportError:
        return 0.0, 0.0
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def query_percentiles(db: Path, runs: int) -> dict[str, tuple[float, float]]:
    from tracker.query import chart_queries

    out = {}
    for name, job in chart_queries(db).items():
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            job()
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = percentiles(times)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        conn.execute("SELECT COUNT(*), SUM(words), COUNT(DISTINCT country) FROM statements").fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    out["baseline: SELECT scan"] = percentiles(times)
    conn.close()
    return out


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def changed_codebook(folder: Path, *, semantic: bool = True, name: str = "changed") -> Path:
    """The default codebook under another name: a new version, the same rules (its semantic
    model named by absolute path, or switched off)."""
    book = load_codebook()
    model = book.semantic_model if semantic and book.semantic_model else "false"
    text = re.sub(r"(?m)^semantic: .*$", f"semantic: {model}", book.text)
    text = text.replace("name:", "name: benchmark copy of", 1)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("zip", nargs="?", type=Path, default=DEFAULT_ZIP)
    ap.add_argument("--limit", type=int, default=None, help="only the first N speeches")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20, help="runs per query for p50/p95")
    ap.add_argument("--keep", type=Path, help="keep the database at this path")
    ap.add_argument("--writer-rounds", type=int, default=2,
                    help="rounds of the writer comparison (0: skip it)")  # fmt: skip
    ap.add_argument("--baseline", type=Path, default=BASELINE,
                    help="figures of an earlier run to print beside this run's")  # fmt: skip
    ap.add_argument("--save-baseline", type=Path, help="write this run's figures to this file")
    args = ap.parse_args()
    if not args.zip.exists():
        sys.exit(f"no corpus zip at {args.zip}: pass its path")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = limited_zip(args.zip, args.limit, folder)
        db = args.keep or folder / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

        base_s, words, hits = baseline_pass(source, phrase_regex())
        t0 = time.perf_counter()
        report = ingest_paths([source], db=db, workers=args.workers)
        ingest_s = time.perf_counter() - t0
        main_mb, worker_mb = peak_mb()
        t0 = time.perf_counter()
        with Store(db) as store:
            _, matches = rematch(store, changed_codebook(folder), workers=args.workers)
        rematch_s = time.perf_counter() - t0
        queries = query_percentiles(db, args.runs)
        # the same ingest with the semantic matcher off (issue 10: on must stay within 1.5x)
        off_db = folder / "bench-no-semantic.db"
        t0 = time.perf_counter()
        ingest_paths([source], db=off_db, workers=args.workers,
                     codebook=changed_codebook(folder, semantic=False, name="off"))  # fmt: skip
        off_s = time.perf_counter() - t0
        writers = {}
        if args.writer_rounds:
            writers = compare_writers(db, folder, rounds=args.writer_rounds)

    print(f"\ncorpus: {source.name}: {len(report.stored):,} statements stored, "
          f"{len(report.failed)} failed; {words:,} words; {args.workers} workers")  # fmt: skip
    print(f"{'measure':<34}{'tracker':>14}{'baseline':>14}{'ratio':>9}")
    rows = [
        ("ingest + match, wall s", ingest_s, base_s),
        ("ingest + match, words/s", words / ingest_s, words / base_s),
        ("re-match (changed codebook), s", rematch_s, base_s),
    ]
    for name, ours, theirs in rows:
        print(f"{name:<34}{ours:>14,.1f}{theirs:>14,.1f}{ours / theirs:>9.2f}")
    print(f"{'ingest, semantic on vs off, s':<34}{ingest_s:>14,.1f}{off_s:>14,.1f}"
          f"{ingest_s / off_s:>9.2f}")  # fmt: skip
    print(f"{'peak memory, MB (writer+worker)':<34}{main_mb + worker_mb:>14,.0f}{'':>14}")
    print(f"  baseline = exact regex pass over the same zip, one core ({hits:,} hits); "
          f"re-match wrote {matches:,} matches")  # fmt: skip
    if writers:
        for label, key in (("wall", "store"), ("CPU", "store_cpu")):
            ours, plain = writers[key], writers[key.replace("store", "plain")]
            print(f"{'write statements, ' + label + ' s':<34}{ours:>14,.1f}{plain:>14,.1f}"
                  f"{ours / plain:>9.2f}")  # fmt: skip
        print(f"  {writers['statements']:,} stored statements written again by the store "
              "(sqlite-utils insert_all) and by the plain executemany writer it replaced "
              f"(baseline column), best of {args.writer_rounds} alternating rounds")
    print(f"\n{'dashboard query':<34}{'p50 ms':>14}{'p95 ms':>14}")
    for name, (p50, p95) in queries.items():
        print(f"{name:<34}{p50:>14.1f}{p95:>14.1f}")

    figures = {
        "statements": len(report.stored), "words": words, "workers": args.workers,
        "ingest_s": ingest_s, "regex_baseline_s": base_s, "rematch_s": rematch_s,
        "ingest_semantic_off_s": off_s, "peak_mb": main_mb + worker_mb,
        "query_p50_ms": {name: p50 for name, (p50, _) in queries.items()},
    }  # fmt: skip
    if writers:
        figures.update(write_store_s=writers["store"], write_plain_s=writers["plain"],
                       write_store_cpu_s=writers["store_cpu"],
                       write_plain_cpu_s=writers["plain_cpu"])  # fmt: skip
    print_beside_baseline(figures, args.baseline)
    if args.save_baseline:
        args.save_baseline.write_text(json.dumps({"note": "", "figures": figures}, indent=2) + "\n")


def print_beside_baseline(now: dict, path: Path) -> None:
    """This run's figures beside those stored in ``path`` (an earlier run, say before a change)."""
    if not path.exists():
        return
    stored = json.loads(path.read_text())
    before = stored["figures"]
    if before.get("statements") != now["statements"]:
        print(f"\n(not compared with {path.name}: it holds a run of {before.get('statements')} "
              f"statements, this one {now['statements']})")  # fmt: skip
        return
    print(f"\nbefore and now ({path.name}: {stored.get('note', '')})")
    print(f"{'measure':<34}{'before':>14}{'now':>14}{'ratio':>9}")
    pairs = [(k, before.get(k), now.get(k)) for k in
             ("ingest_s", "regex_baseline_s", "rematch_s", "ingest_semantic_off_s", "peak_mb",
              "write_store_s", "write_plain_s")]
    pairs += [(f"query p50 ms: {q}", before.get("query_p50_ms", {}).get(q), ms)
              for q, ms in now["query_p50_ms"].items()]  # fmt: skip
    for name, then, current in pairs:
        if then and current:
            print(f"{name:<34}{then:>14,.1f}{current:>14,.1f}{current / then:>9.2f}")
    print("  the machine's load differs between runs: the in-run ratios above are the fair ones")


if __name__ == "__main__":
    main()
