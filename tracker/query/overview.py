"""What the filters can offer (:func:`options`, from the data itself), what the default filters
leave out and why, country names, and the ingest history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from tracker.query.codebooks import DEFAULT_THEME_LABELS, codebook_info
from tracker.query.connection import connect, frame
from tracker.query.filters import Filters, all_groups, resolve_languages, statement_where

@dataclass(frozen=True)
class Options:
    themes: tuple[str, ...]
    theme_labels: dict
    countries: tuple[tuple[str, str, int], ...]  # (iso3, name, statements)
    forums: tuple[tuple[str, int], ...]
    languages: tuple[tuple[str, int], ...]
    codebook_languages: tuple[str, ...]
    year_min: int | None
    year_max: int | None
    date_min: str
    date_max: str
    groups: tuple[str, ...]
    statements: int
    codebook_version: str
    #: Whether any stored theme rests on a semantic match (the shipped model adds none).
    semantic_stored: bool = False


def options(db: str | Path) -> Options:
    """What the filters can offer, from the data itself."""
    info = codebook_info(db)
    with connect(db) as conn:
        stored = [r[0] for r in conn.execute("SELECT DISTINCT theme FROM statement_themes")]
        names = {
            c: n
            for c, n in conn.execute(
                "SELECT country, MAX(country_name) FROM statements WHERE country != '' "
                "GROUP BY country"
            )
        }
        countries = tuple(
            (c, names.get(c) or c, n)
            for c, n in conn.execute(
                "SELECT country, COUNT(*) FROM statements WHERE country != '' "
                "GROUP BY country ORDER BY country"
            )
        )
        forums = tuple(
            conn.execute(
                "SELECT forum, COUNT(*) FROM statements WHERE forum != '' GROUP BY forum "
                "ORDER BY COUNT(*) DESC"
            ).fetchall()
        )
        languages = tuple(
            conn.execute(
                "SELECT language, COUNT(*) FROM statements GROUP BY language ORDER BY COUNT(*) DESC"
            ).fetchall()
        )
        ymin, ymax = conn.execute("SELECT MIN(year), MAX(year) FROM statements").fetchone()
        dmin, dmax = conn.execute(
            "SELECT MIN(date), MAX(date) FROM statements WHERE date != ''"
        ).fetchone()
        total = conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0]
        # the column itself is looked for: an ingest may be migrating the schema right now
        columns = {r[1] for r in conn.execute("PRAGMA table_info(statement_themes)")}
        semantic = "semantic" in columns and conn.execute(
            "SELECT EXISTS(SELECT 1 FROM statement_themes WHERE semantic > 0)").fetchone()[0]  # fmt: skip
    themes = list(info.theme_ids) if info else []
    themes += sorted(t for t in stored if t not in themes)
    return Options(
        themes=tuple(themes),
        theme_labels=info.labels() if info else dict(DEFAULT_THEME_LABELS),
        countries=countries,
        forums=forums,
        languages=languages,
        codebook_languages=info.languages if info else (),
        year_min=ymin,
        year_max=ymax,
        date_min=dmin or "",
        date_max=dmax or "",
        groups=tuple(all_groups()),
        statements=total,
        codebook_version=info.version if info else "",
        semantic_stored=bool(semantic),
    )


def country_names(db: str | Path) -> dict[str, str]:
    with connect(db) as conn:
        return {
            c: n
            for c, n in conn.execute(
                "SELECT country, MAX(country_name) FROM statements WHERE country != '' "
                "GROUP BY country"
            )
        }


def left_out(db: str | Path, filters: Filters) -> dict[str, Any]:
    """How many statements the filter's *defaults* leave out, by reason: ``selected`` (counted),
    ``language`` (a language the codebook does not cover, with ``languages`` naming them),
    ``deselected`` (a language it covers, left out of the selection, ``deselected_languages``),
    ``duplicates``, ``non_state`` (speakers of records with no State's role), ``no_country``
    (statements no country was found for), ``no_year`` (undated, when a date filter is set)."""
    languages = resolve_languages(db, filters)
    out: dict[str, Any] = {}
    with connect(db) as conn:

        def count(f: Filters, langs) -> int:
            where, params = statement_where(f, langs)
            return conn.execute(
                f"SELECT COUNT(*) FROM statements s WHERE {where}", params
            ).fetchone()[0]

        out["selected"] = count(filters, languages)
        out["language"], out["languages"] = 0, {}
        out["deselected"], out["deselected_languages"] = 0, {}
        if languages:
            info = codebook_info(db)
            covered = set(info.languages) if info else set()
            where, params = statement_where(filters, ())
            marks = ",".join("?" * len(languages))
            for lang, n in conn.execute(
                f"SELECT s.language, COUNT(*) FROM statements s WHERE {where} "
                f"AND s.language NOT IN ({marks}) GROUP BY s.language",
                [*params, *languages],
            ):
                # a language the codebook covers was left out by the researcher, not for want
                # of phrases: said apart
                kind = "deselected" if lang in covered else "language"
                out[kind] += n
                out["languages" if kind == "language" else "deselected_languages"][
                    lang or "unknown"] = n  # fmt: skip
        if not filters.include_duplicates:
            out["duplicates"] = (
                count(replace(filters, include_duplicates=True), languages) - out["selected"]
            )
        if not filters.include_non_state:
            # left out by the same filter: speaker turns of records that are no State's
            # (role set: chair, briefer, official), and statements no country was found for
            # (a file that named none), which are no non-state speakers and are said apart
            where, params = statement_where(replace(filters, include_non_state=True), languages)
            kept, kept_params = statement_where(filters, languages)
            roles = conn.execute(
                f"SELECT s.role != '', COUNT(*) FROM statements s WHERE {where} "
                f"AND NOT ({kept}) GROUP BY 1", [*params, *kept_params],
            ).fetchall()
            by_role = dict(roles)
            out["non_state"], out["no_country"] = by_role.get(1, 0), by_role.get(0, 0)
        if filters.year_from is None and filters.year_to is None:
            where, params = statement_where(filters, languages)
            out["no_year"] = conn.execute(
                f"SELECT COUNT(*) FROM statements s WHERE {where} AND s.year IS NULL", params
            ).fetchone()[0]
    return out


#: ``outcome`` of a run with no end recorded: a run killed (SIGKILL, the out-of-memory killer, a
#: power cut) records none, and one still running has none yet.
UNFINISHED_LATEST = "no end recorded: still running, or killed"
UNFINISHED_EARLIER = ("no end recorded: killed or crashed (a later run started), unless still "
                      "running beside it")


def ingest_history(db: str | Path, *, limit: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The latest ingest runs and their problems. A run with no end recorded says so in
    ``outcome`` (it was blank, which read as a run still going long after it was killed)."""
    with connect(db) as conn:
        runs = frame(conn, "SELECT * FROM ingest_runs ORDER BY id DESC LIMIT ?", (limit,))
        latest = conn.execute("SELECT MAX(id) FROM ingest_runs").fetchone()[0]
        problems = frame(
            conn,
            "SELECT run_id, source, kind, reason FROM ingest_problems "
            "WHERE run_id IN (SELECT id FROM ingest_runs ORDER BY id DESC LIMIT ?) "
            "ORDER BY run_id DESC, id",
            (limit,),
        )
    if not runs.empty:
        unfinished = runs["finished_at"].isna()
        runs["outcome"] = runs["outcome"].astype(object)
        runs.loc[unfinished, "outcome"] = [UNFINISHED_LATEST if i == latest else UNFINISHED_EARLIER
                                           for i in runs.loc[unfinished, "id"]]  # fmt: skip
    return runs, problems
