"""Speed checks that used to be test assertions (issue 12: no wall-clock assertion in the tests),
each printed beside a baseline measured in the same run on the same input, and beside the budget
the test held:

* reading the whole UNGDC zip into documents (``sources.iter_documents``) against reading and
  decoding every member with ``zipfile`` alone; budget 20 s;
* segmenting every 20th UNGDC speech into passages (``segment.segment``, CPU time) against one
  regular expression that splits sentences; budget 15 MB/s;
* resolving the metadata of every UNGDC speech (``metadata.resolve_metadata``) against parsing
  the member's name alone; budget 2 ms a speech;
* 10,000 repeated country look-ups (``countries.lookup_country``, cached) against the same
  look-ups uncached; budget 0.1 s.

The tests keep the behaviour (every speech read, every passage inside its text, every member's
country and year, a repeated look-up answered from the cache); only the timing is here.

    python benchmarks/bench_timings.py [--corpus ../shared/corpus] [--strict]

``--strict`` exits 1 when a figure is over its budget (the machine's load counts: quote idle
runs only).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracker.clean import clean_text  # noqa: E402
from tracker.countries import lookup_country  # noqa: E402
from tracker.manifest import Manifest  # noqa: E402
from tracker.metadata import resolve_metadata  # noqa: E402
from tracker.models import RawDocument  # noqa: E402
from tracker.segment import segment  # noqa: E402
from tracker.sources import iter_documents  # noqa: E402

CORPUS = Path(os.environ.get("TRACKER_CORPUS", REPO.parent / "shared" / "corpus"))
UNGDC = Path("ungdc") / "UNGDC_1946-2024.zip"
#: A naive sentence splitter: the least a segmenter does.
SENTENCE = re.compile(r"[^.!?]+[.!?]*")


@dataclass
class Figure:
    """One measure: the tracker's figure, the baseline's, and the test's old budget."""

    name: str
    unit: str
    tracker: float
    baseline: float
    budget: float
    higher_is_better: bool = False

    @property
    def within_budget(self) -> bool:
        if self.higher_is_better:
            return self.tracker >= self.budget
        return self.tracker <= self.budget

    def row(self) -> str:
        ratio = self.tracker / self.baseline if self.baseline else float("inf")
        verdict = "ok" if self.within_budget else "OVER"
        return (f"{self.name:<34} {self.tracker:>10.3f} {self.baseline:>10.3f} {ratio:>7.2f}x "
                f"{self.budget:>8g} {self.unit:<5} {verdict}")  # fmt: skip


def timed(job: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    started = clock()
    job()
    return clock() - started


def speech_members(archive: zipfile.ZipFile) -> list[str]:
    return [n for n in archive.namelist() if n.endswith(".txt") and not n.endswith("/README.txt")]


def read_zip(zip_path: Path) -> Figure:
    def plain() -> None:
        with zipfile.ZipFile(zip_path) as archive:
            for name in archive.namelist():
                archive.read(name).decode("utf-8-sig")

    docs: list = []
    tracker = timed(lambda: docs.extend(iter_documents([zip_path])))
    assert sum(isinstance(d, RawDocument) for d in docs) == 10_920, "not the whole UNGDC"
    return Figure("read the UNGDC zip (10,920 speeches)", "s", tracker, timed(plain), 20)


def segment_speeches(zip_path: Path) -> Figure:
    with zipfile.ZipFile(zip_path) as archive:
        members = speech_members(archive)[::20]
        texts = [clean_text(archive.read(n).decode("utf-8-sig")) for n in members]
    megabytes = sum(map(len, texts)) / 1e6
    tracker = timed(lambda: [segment(t) for t in texts], time.process_time)
    baseline = timed(lambda: [SENTENCE.findall(t) for t in texts], time.process_time)
    return Figure(f"segment {len(texts)} speeches (MB/s, CPU)", "MB/s", megabytes / tracker,
                  megabytes / baseline, 15, higher_is_better=True)  # fmt: skip


def resolve_speeches(zip_path: Path, corpus: Path) -> Figure:
    row = Manifest.load(corpus / "manifest.csv").lookup(zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        members = speech_members(archive)
        docs = [
            RawDocument(source=f"{zip_path.name}:{n}", source_path=f"{zip_path.name}:{n}",
                        raw_text=archive.read(n).decode("utf-8-sig"), reader="text", hints={})
            for n in members
        ]  # fmt: skip
    tracker = timed(lambda: [resolve_metadata(d, d.raw_text, manifest_row=row) for d in docs])
    baseline = timed(lambda: [n.rsplit("/", 1)[1][:-4].split("_") for n in members])
    per = 1000 / len(docs)
    return Figure("resolve metadata (ms a speech)", "ms", tracker * per, baseline * per, 2)


def country_lookups(repeat: int = 10_000) -> Figure:
    names = ["France"] * repeat
    lookup_country("France")  # filled once, as in a run
    tracker = timed(lambda: [lookup_country(n) for n in names])
    uncached = lookup_country.__wrapped__  # the same function without its cache
    baseline = timed(lambda: [uncached(n) for n in names])
    return Figure(f"{repeat:,} cached country look-ups", "s", tracker, baseline, 0.1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--strict", action="store_true", help="exit 1 when over a budget")
    args = ap.parse_args(argv)
    zip_path = (args.corpus / UNGDC).resolve()
    if not zip_path.is_file():
        print(f"the UNGDC zip is not at {zip_path} (--corpus)", file=sys.stderr)
        return 2
    print(f"{'measure':<34} {'tracker':>10} {'baseline':>10} {'ratio':>8} {'budget':>8}")
    figures = []
    for measure in (lambda: read_zip(zip_path), lambda: segment_speeches(zip_path),
                    lambda: resolve_speeches(zip_path, args.corpus), country_lookups):  # fmt: skip
        figures.append(measure())
        print(figures[-1].row(), flush=True)
    print("baselines: zipfile read + decode; one sentence regex; the member's name split; "
          "the same look-ups uncached")  # fmt: skip
    over = [f.name for f in figures if not f.within_budget]
    return 1 if args.strict and over else 0


if __name__ == "__main__":
    raise SystemExit(main())
