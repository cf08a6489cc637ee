"""Draw a sample of statements or passages to code, from the dashboard's current filters.

A sample is simple random or stratified (by whether the tool found a theme, by year, by
country, or any combination), drawn with a recorded seed, and stored in the database with its
items in the order coders see them (shuffled, so strata do not come in blocks). The same
filters, design and seed on the same database draw the same sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tracker import query
from tracker.errors import TrackerError
from tracker.query import Filters
from tracker.workbench import store as wb

STRATA = ("match", "year", "country")
ALLOCATIONS = ("proportional", "equal")


class SampleError(TrackerError):
    """A sample cannot be drawn as asked (nothing selected, a size too large, a bad design)."""


@dataclass(frozen=True)
class Design:
    """How to draw: the unit, the size, the seed, and the strata (none: simple random).

    ``match_theme`` is the theme whose presence makes the *match* stratum (empty: any theme);
    ``allocation`` shares the size among strata in proportion to their sizes or equally
    (equal over-samples rare strata, such as statements where the tool found nothing).
    ``themes`` are the themes coders decide on (empty: every theme of the codebook).
    """

    size: int
    seed: int = 0
    unit: str = "statement"
    strata: tuple[str, ...] = ()
    match_theme: str = ""
    allocation: str = "proportional"
    themes: tuple[str, ...] = field(default_factory=tuple)
    name: str = ""

    def __post_init__(self) -> None:
        if self.unit not in wb.UNITS:
            raise SampleError(f"unit={self.unit!r}: use one of {', '.join(wb.UNITS)}")
        bad = [s for s in self.strata if s not in STRATA]
        if bad:
            raise SampleError(f"strata {bad}: use any of {', '.join(STRATA)}")
        if self.allocation not in ALLOCATIONS:
            raise SampleError(
                f"allocation={self.allocation!r}: use one of {', '.join(ALLOCATIONS)}"
            )
        if self.size < 1:
            raise SampleError(f"size={self.size}: a sample needs at least one item")
        if self.seed < 0:  # numpy's generator refuses it with a bare ValueError
            raise SampleError(f"seed={self.seed}: a seed is a whole number from 0")

    @property
    def design(self) -> str:
        return "stratified" if self.strata else "random"


def population(db: str | Path, filters: Filters, design: Design) -> tuple[pd.DataFrame, int]:
    """The units the filters select, with their stratum, and how many statements were left out
    because another statement shares their file name (gold TSVs name statements by file)."""
    listed = query.statements_list(db, filters, limit=2**62)
    with wb.open_store(db, readonly=True) as store:
        shared = wb.shared_file_names(store)
        kept = listed[~listed["id"].isin(shared)]
        left_out = len(listed) - len(kept)
        pool = kept.rename(columns={"id": "statement_id"})[
            ["statement_id", "country", "date", "themes"]
        ].copy()
        if design.unit == "passage":
            passages = wb.passage_pool(store, pool["statement_id"].tolist(),
                                       theme=design.match_theme)  # fmt: skip
            pool = passages.merge(pool, on="statement_id")
        else:
            pool["seq"] = None
            pool["matched"] = pool["themes"].map(lambda t: _has_theme(t, design.match_theme))
    pool["stratum"] = _strata(pool, design.strata)
    pool = pool.sort_values(["statement_id", "seq"], kind="stable", na_position="first")
    return pool.reset_index(drop=True), left_out


def _has_theme(themes: str, theme: str) -> bool:
    found = [t.strip() for t in (themes or "").split(",") if t.strip()]
    return theme in found if theme else bool(found)


def _strata(pool: pd.DataFrame, strata: Sequence[str]) -> pd.Series:
    """Each unit's stratum in words: ``match=yes · year=2024 · country=FRA``."""
    if not strata or pool.empty:
        return pd.Series([""] * len(pool), index=pool.index, dtype=object)
    parts = []
    for name in strata:
        if name == "match":
            parts.append(pool["matched"].map(lambda m: "match=" + ("yes" if m else "no")))
        elif name == "year":
            parts.append(pool["date"].map(lambda d: "year=" + (str(d)[:4] if d else "unknown")))
        else:
            parts.append(pool["country"].map(lambda c: "country=" + (c or "unknown")))
    out = parts[0]
    for p in parts[1:]:
        out = out + " · " + p
    return out


def allocate(sizes: dict[str, int], total: int, allocation: str) -> dict[str, int]:
    """How many units to draw from each stratum: in proportion to its size (largest
    remainders get the rounding) or equally, never more than a stratum holds."""
    if allocation == "proportional":
        whole = sum(sizes.values())
        exact = {k: total * n / whole for k, n in sizes.items()}
        out = {k: int(v) for k, v in exact.items()}
        by_remainder = sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))
        for k in by_remainder[: total - sum(out.values())]:
            out[k] += 1
        return out
    # equal: fill the smallest strata first, each up to an equal share of what is left
    order = sorted(sizes, key=lambda k: (sizes[k], k))
    out, left = {}, total
    for i, k in enumerate(order):
        out[k] = min(sizes[k], left // (len(order) - i))
        left -= out[k]
    for k in sorted(k for k in order if out[k] < sizes[k])[:left]:
        out[k] += 1
    return out


def draw(pool: pd.DataFrame, design: Design) -> pd.DataFrame:
    """The drawn rows of ``pool``, in coding order (a shuffle with the same seed)."""
    if pool.empty:
        raise SampleError("the filters select nothing to sample: widen them (the dashboard's "
                          "sidebar, or the command's --country, --forum and year options)")
    if design.size > len(pool):
        raise SampleError(
            f"the filters select {len(pool):,} {design.unit}{'s' if len(pool) != 1 else ''}: "
            f"pick a size of at most "
            f"{len(pool):,}, or widen the filters"
        )
    rng = np.random.default_rng(design.seed)
    sizes = pool.groupby("stratum", sort=True).size().to_dict()
    quota = allocate(sizes, design.size, design.allocation)
    chosen = []
    for stratum in sorted(quota):
        rows = np.flatnonzero((pool["stratum"] == stratum).to_numpy())
        if quota[stratum]:
            chosen.extend(rng.choice(rows, size=quota[stratum], replace=False).tolist())
    order = rng.permutation(len(chosen))
    return pool.iloc[[chosen[i] for i in order]].reset_index(drop=True)


def population_words(filters: Filters) -> str:
    """What a sample is drawn from, in words: the filters that restrict the statements (the
    theme, match-kind and direction filters restrict matches, not the draw, so they are not
    named), then the selections always made unless the filters lift them."""
    from tracker.query.filters import clauses

    words = [c.words for c in clauses(filters) if c.on == "statements" and c.words]
    if not filters.include_non_state:
        words.append("speakers for a state only (no presidents, briefers or Secretariat)")
    if not filters.include_duplicates:
        words.append("one copy of each speech")
    if filters.languages is None:
        words.append("in the languages the codebook covers")
    return "; ".join(words)


def draw_sample(db: str | Path, filters: Filters, design: Design) -> int:
    """Draw a sample from the statements ``filters`` select and store it; returns its id."""
    known = _codebook_themes(db)
    themes = list(design.themes) or known
    if not themes:
        raise SampleError(f"{db} has no codebook themes to code: ingest statements first")
    unknown = [t for t in (*design.themes, design.match_theme) if t and t not in known]
    if unknown:
        raise SampleError(f"theme(s) not in the database's codebook: {', '.join(unknown)} "
                          f"(its themes: {', '.join(known)})")  # fmt: skip
    pool, left_out = population(db, filters, design)
    drawn = draw(pool, design)
    info = query.codebook_info(db)
    what = design.design + (" by " + ", ".join(design.strata) if design.strata else "")
    record = {
        "name": design.name or f"{design.size} {design.unit}s, {what}, seed {design.seed}",
        "unit": design.unit, "design": design.design, "strata": design.strata,
        "match_theme": design.match_theme, "allocation": design.allocation if design.strata else "",
        "size": design.size, "seed": design.seed, "filters": filters.to_dict(),
        "themes": themes, "codebook_version": info.version if info else "",
        "population": len(pool), "left_out": left_out,
    }  # fmt: skip
    rows = [(int(r.statement_id), None if pd.isna(r.seq) else int(r.seq), r.stratum)
            for r in drawn.itertuples()]  # fmt: skip
    with wb.open_store(db) as store:
        return wb.insert_sample(store, record, rows)


def _codebook_themes(db: str | Path) -> list[str]:
    info = query.codebook_info(db)
    if info and info.themes:
        return [t.id for t in info.themes]
    return list(query.options(db).themes)
