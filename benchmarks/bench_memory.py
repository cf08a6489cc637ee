"""Peak memory of single-file ingests, real and hostile, beside a baseline (issue 14).

Each file is ingested by ``tracker ingest FILE`` in a fresh process (default budgets, a fresh
database); its peak memory is the largest resident size of the whole process tree (the CLI and,
for an archive of 40+ members, its worker processes), sampled every 20 ms, and at least the
CLI's own high-water mark from the kernel. The baseline is a process that imports the same
pipeline and only reads the file (every member of an archive, one at a time) and decodes it:
the floor any ingest of that file needs. The issue's limit is 1.5 GB for every file up to
``--max-bytes``.

    .venv/bin/python benchmarks/bench_memory.py [--corpus ../shared/corpus] [--no-ungdc]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
LIMIT_MB = 1500
THEMES = [
    "we condemn the digital divide", "cyber attacks on hospitals", "unilateral coercive measures",
    "the militarization of cyberspace", "capacity building for developing countries",
    "reform of the Security Council", "the Global Digital Compact",
    "disinformation and hate speech",
]  # fmt: skip
BASELINE = """
import sys, zipfile
import tracker.ingest  # the pipeline's imports, as the ingest has them
path = sys.argv[1]
if path.endswith(".zip"):
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            z.read(info).decode("utf-8", "replace")
else:
    open(path, "rb").read().decode("utf-8", "replace")
"""


@dataclass
class Case:
    name: str
    path: Path


@dataclass
class Run:
    peak_mb: float
    seconds: float
    outcome: str


# -- hostile inputs ----------------------------------------------------------------------------
def theme_text(chars: int, seed: int = 1) -> str:
    """Theme phrases everywhere, with numbers so that a zip of it is not a zip bomb by ratio."""
    rng = random.Random(seed)
    out, n = [], 0
    while n < chars:
        s = f"In {rng.randint(1000, 9999)}, {rng.choice(THEMES)} and {rng.choice(THEMES)}. "
        out.append(s)
        n += len(s)
    return "".join(out)


def dense_words(words: int) -> str:
    """Theme phrases only: about one match every four words."""
    unit = "We condemn the digital divide, cyber attacks and unilateral coercive measures. "
    return unit * (words // len(unit.split()))


def pseudo_words(n: int, seed: int = 2) -> str:
    rng = random.Random(seed)
    words = list({"".join(rng.choice("bcdfghjklmnpqrstvwz") + rng.choice("aeiou")
                          for _ in range(5)) for _ in range(int(n * 1.05))})[:n]  # fmt: skip
    return ". ".join(" ".join(words[i : i + 12]) for i in range(0, len(words), 12)) + "."


def hostile_cases(folder: Path) -> list[Case]:
    cases = []
    bomb = folder / "expanding.zip"  # 40 MB of theme text in a few MB (ratio far under 200)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("speeches/theme.txt", theme_text(40_000_000))
    cases.append(Case("hostile: zip expanding to 40 MB of theme text", bomb))
    csv = folder / "field.csv"
    csv.write_text('iso3,year,text\nFRA,2024,"' + theme_text(37_700_000, seed=3) + '"\n')
    cases.append(Case("hostile: CSV with one 37.7 MB field", csv))
    distinct = folder / "distinct.txt"
    distinct.write_text(pseudo_words(1_000_000))  # about 11 MB
    cases.append(Case("hostile: 11 MB of distinct made-up words", distinct))
    over_distinct = folder / "over-distinct.txt"
    over_distinct.write_text(pseudo_words(60_000, seed=5))
    cases.append(Case("hostile: 60,000 distinct made-up words", over_distinct))
    near_distinct = folder / "near-distinct.txt"
    near_distinct.write_text(pseudo_words(39_000, seed=4))
    cases.append(Case("edge: 39,000 distinct words (under the budget)", near_distinct))
    near_words = folder / "near-words.txt"
    near_words.write_text(dense_words(199_000))
    cases.append(Case("edge: 199,000 words of theme phrases (words under the budget)",
                      near_words))  # fmt: skip
    words = folder / "max-bytes.txt"
    words.write_text("the " * 12_400_000)  # just under --max-bytes (50 MB)
    cases.append(Case("hostile: 49.6 MB of one word (at --max-bytes)", words))
    return cases


def real_cases(corpus: Path, folder: Path, ungdc: bool) -> list[Case]:
    cases = []
    archive = corpus / "ungdc" / "UNGDC_1946-2024.zip"
    if archive.is_file():
        with zipfile.ZipFile(archive) as z:
            name = next(n for n in z.namelist() if n.endswith("CUB_15_1960.txt"))
            (folder / "CUB_15_1960.txt").write_bytes(z.read(name))
        cases.append(Case("real: largest UNGDC speech (21,777 words)", folder / "CUB_15_1960.txt"))
    pdfs = [("real: largest Security Council record (PDF, 63 turns)",
             "unsc-records/S_PV.8706(Resumption1)_E.pdf"),
            ("real: largest delegation PDF (2.7 MB)", "unga79/pdf/sk_en.pdf")]  # fmt: skip
    for label, rel in pdfs:
        if (corpus / rel).is_file():
            cases.append(Case(label, corpus / rel))
    if ungdc and archive.is_file():
        cases.append(Case("real: the whole UNGDC zip (10,920 speeches, 2 workers)", archive))
    return cases


# -- measuring ---------------------------------------------------------------------------------
def measure(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run a command; (peak MB of its process tree, seconds, exit status, stderr)."""
    with tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)
        root = psutil.Process(proc.pid)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.02)
        seconds = time.monotonic() - start
        peak = max(peak, usage.ru_maxrss * 1024)  # the CLI's own high-water mark
        err.seek(0)
        return peak / 1e6, seconds, os.waitstatus_to_exitcode(status), err.read()


def outcome(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    summary = next((line.split(": ", 1)[1] for line in reversed(lines) if " stored, " in line), "")
    failed = [line.split(": ", 2)[-1] for line in lines if line.startswith("failed:")]
    parts = [summary.split(" (codebook")[0]] if summary else [lines[-1] if lines else "?"]
    if failed:
        parts.append(failed[0][:70])
    return "; ".join(parts)


def ingest(case: Case, work: Path) -> Run:
    db = work / f"{abs(hash(case.name))}.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-m", "tracker.cli", "ingest", str(case.path), "--db", str(db), "-q"]
    peak, seconds, _, stderr = measure(args, env)
    for leftover in work.glob(db.name + "*"):
        leftover.unlink()
    return Run(peak, seconds, outcome(stderr))


def baseline(case: Case) -> float:
    peak, _, code, stderr = measure([sys.executable, "-c", BASELINE, str(case.path)],
                                    {**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    if code:
        raise SystemExit(f"baseline failed on {case.path}: {stderr}")
    return peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--no-ungdc", action="store_true", help="skip the whole-UNGDC ingest")
    opts = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        work = Path(tmp)
        cases = real_cases(opts.corpus, work, not opts.no_ungdc) + hostile_cases(work)
        print(f"{'file':<64} {'size MB':>8} {'tracker MB':>10} {'baseline MB':>11} "
              f"{'ratio':>6} {'s':>6}  result")  # fmt: skip
        worst = 0.0
        for case in cases:
            run = ingest(case, work)
            floor = baseline(case)
            worst = max(worst, run.peak_mb)
            size = case.path.stat().st_size / 1e6
            print(f"{case.name:<64} {size:>8.1f} {run.peak_mb:>10.0f} {floor:>11.0f} "
                  f"{run.peak_mb / floor:>6.2f} {run.seconds:>6.1f}  {run.outcome}",
                  flush=True)  # fmt: skip
        verdict = "under" if worst < LIMIT_MB else "OVER"
        print(f"\nlargest peak {worst:.0f} MB: {verdict} the {LIMIT_MB} MB limit "
              f"({psutil.cpu_count()} cores, {psutil.virtual_memory().total / 1e9:.0f} GB)")
    return 0 if worst < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
