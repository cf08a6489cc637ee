"""Every query behind a chart as a zero-argument callable, and their best times (for
``benchmarks/bench_queries.py``, ``benchmarks/bench_ingest.py`` and the fault tests)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tracker.query.aggregates import Side, compare, country_theme_matrix, ranking, trends
from tracker.query.filters import Filters
from tracker.query.overview import left_out, options
from tracker.query.search import evidence, search_passages

def chart_queries(db: str | Path, filters: Filters | None = None) -> dict[str, Callable[[], object]]:
    """Every query behind a chart, as zero-argument callables (for timing)."""
    filters = filters or Filters(languages=())
    opts = options(db)
    theme = opts.themes[0] if opts.themes else "militarization"
    country = opts.countries[0][0] if opts.countries else "USA"
    return {
        "options": lambda: options(db),
        "trends": lambda: trends(db, filters),
        "trends_by_country": lambda: trends(
            db, replace(filters, countries=(country,)), by_country=True
        ),
        "country_theme_matrix": lambda: country_theme_matrix(db, filters),
        "ranking": lambda: ranking(db, filters, theme),
        "compare": lambda: compare(db, filters, Side.parse(country), Side.parse("group:P5")),
        "evidence": lambda: evidence(db, filters, theme=theme, limit=200),
        "evidence_search": lambda: evidence(db, filters, search="cyber security", limit=200),
        "search_passages": lambda: search_passages(db, filters, "digital divide", limit=200),
        "left_out": lambda: left_out(db, filters),
    }


def timings(db: str | Path, filters: Filters | None = None, repeat: int = 3) -> dict[str, float]:
    """Best-of-``repeat`` milliseconds of each query behind a chart (for ``make bench``)."""
    out = {}
    for name, job in chart_queries(db, filters).items():
        best = math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            job()
            best = min(best, time.perf_counter() - t0)
        out[name] = best * 1000
    return out
