"""Gold labels in the database, and the TSV `tracker validate --gold` reads.

The gold is every stored decision of ``wb_adjudications`` on a *statement* sample (a passage's
label says nothing about the rest of its statement, so passage samples have no statement gold).
A statement in several samples takes its latest decision.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tracker.coding import file_name
from tracker.files import write_whole
from tracker.errors import GoldError, StoreError
from tracker.store import Store
from tracker.validate import load_gold, load_gold_evidence
from tracker.workbench import agreement as agree
from tracker.workbench import store as wb

TSV_HEADER = ("file", "theme", "present", "evidence")


def _decisions(store: Store, sample_id: int | None) -> dict[tuple[str, str], tuple[bool, str]]:
    """(file name, theme) -> (present, evidence), the latest decision winning."""
    if sample_id is not None and wb.sample(store, sample_id).unit != "statement":
        raise GoldError(
            f"sample {sample_id} is a sample of passages: its labels are about passages, not "
            "whole statements, and `tracker validate` reads statement labels; draw a sample of "
            "statements for a gold TSV"
        )
    rows = wb.gold(store, sample_id=sample_id, unit="statement")
    out: dict[tuple[str, str], tuple[bool, str]] = {}
    for source, theme, present, evidence in zip(rows["source"], rows["theme"], rows["present"],
                                                rows["evidence"]):  # fmt: skip
        out[(file_name(source), theme)] = (bool(present), evidence or "")
    return out


def stored_gold(db_path: str | Path) -> dict[str, dict[str, bool]]:
    """The database's gold, shaped as :func:`tracker.validate.load_gold`: statement file name ->
    theme -> present. ``{}`` when the database (or its workbench) holds no gold."""
    path = Path(db_path)
    if not path.is_file():
        return {}
    try:
        with Store(path, readonly=True) as store:
            decisions = _decisions(store, None)
    except StoreError:
        return {}
    gold: dict[str, dict[str, bool]] = {}
    for (name, theme), (present, _) in decisions.items():
        gold.setdefault(name, {})[theme] = present
    return gold


def gold_tsv(store: Store, *, sample_id: int | None = None) -> str:
    """The gold as the TSV `tracker validate --gold` reads (``file theme present evidence``),
    sorted by file and theme; evidence on one line."""
    decisions = _decisions(store, sample_id)
    if not decisions:
        where = f"sample {sample_id}" if sample_id is not None else str(store.path)
        raise GoldError(f"{where} has no gold labels yet: adjudicate the coders' labels first")
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(TSV_HEADER)
    for (name, theme), (present, evidence) in sorted(decisions.items()):
        writer.writerow([name, theme, int(present), " ".join(evidence.split()) if present else ""])
    return out.getvalue()


def export_gold(db: str | Path, output: str | Path, *, sample_id: int | None = None) -> int:
    """Write the gold TSV; returns the rows written."""
    with Store(db, readonly=True) as store:
        text = gold_tsv(store, sample_id=sample_id)
    write_whole((output, lambda part: part.write_text(text, encoding="utf-8")))
    return text.count("\n") - 1


def open_disagreement_count(db: str | Path, *, sample_id: int | None = None) -> int:
    """Disagreements between coders with no gold decision yet, in one sample or in every
    statement sample (those the gold TSV holds). Across samples a (statement, theme) is counted
    once, and not when another sample decided it: the gold TSV holds that decision."""
    with Store(db, readonly=True) as store:
        if sample_id is not None:
            return agree.open_disagreements(wb.labels(store, sample_id),
                                            wb.gold(store, sample_id=sample_id))  # fmt: skip
        decided = set(_decisions(store, None))
        still_open: set[tuple[str, str]] = set()
        for s in wb.samples(store):
            if s.unit != "statement":
                continue
            differing = agree.disagreements(wb.labels(store, s.id))
            if differing.empty:
                continue
            still_open |= {(file_name(src), t) for src, t in
                           zip(differing["source"], differing["theme"])} - decided  # fmt: skip
        return len(still_open)


def import_gold(db: str | Path, path: str | Path, *, name: str = "") -> int:
    """Store a gold TSV as a sample of its statements with imported decisions, in one
    transaction; returns the new sample's id. GoldError names the file and line at fault, or
    the statements the database lacks (nothing is written then)."""
    labels = load_gold(path)
    evidence = load_gold_evidence(path)
    with wb.open_store(db) as store:
        by_name = wb.statement_ids_by_name(store)
        shared = {n: ids for n, ids in by_name.items() if n in labels and len(ids) > 1}
        if shared:  # attached to the first one only, the figures would differ from validate's
            listed = "; ".join(f"{n} (statements {', '.join(map(str, ids))})"
                               for n, ids in sorted(shared.items())[:5])  # fmt: skip
            raise GoldError(
                f"{path}: {len(shared)} file name(s) name more than one statement of "
                f"{store.path}: {listed}; gold labels find statements by file name, so these "
                "cannot be told apart: rename the files so that each name is unique"
            )
        missing = sorted(n for n in labels if n not in by_name)
        if missing:
            raise GoldError(
                f"{path}: {len(missing)} file(s) not in {store.path}: {', '.join(missing[:10])}"
                + (" ..." if len(missing) > 10 else "")
            )
        names = sorted(labels)
        themes = sorted({t for per in labels.values() for t in per})
        active = store.active_codebook()
        with wb.transaction(store):
            sample_id = wb.insert_sample(
                store,
                {"name": name or f"gold imported from {Path(path).name}", "unit": "statement",
                 "design": "imported", "strata": (), "match_theme": "", "allocation": "",
                 "size": len(names), "seed": 0, "filters": {}, "themes": themes,
                 "codebook_version": active.version if active else "",
                 "population": len(names), "left_out": 0},
                [(by_name[n][0], None, "") for n in names],
            )  # fmt: skip
            ids = {item.position: item.id for item in wb.items(store, sample_id)}
            rows = [(ids[pos], theme, present, evidence.get((n, theme), ""))
                    for pos, n in enumerate(names, 1) for theme, present in labels[n].items()]  # fmt: skip
            wb.save_gold(store, rows, source="imported", adjudicator=Path(path).name)
    return sample_id

