"""The tool against a sample's gold: precision, recall and F1 per theme and pooled, with
bootstrap intervals, by match kind, every false positive and negative with its passage, and a
method paragraph for a paper's appendix.

Scores are those of :func:`tracker.validate.evaluate` through :func:`tracker.accuracy.score`
on the stored matches, so a statement sample's figures are the ones `tracker validate --gold`
prints for its exported gold TSV. A passage sample is scored passage by passage (a theme is
found in a passage when a counted match starts in it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import tracker
from tracker.accuracy import BY_KIND_BOOT, KIND_VIEWS, found_any, score, stored_matches
from tracker.coding import file_name
from tracker.errors import GoldError
from tracker.models import Match
from tracker.query import Filters
from tracker.store import Store
from tracker.validate import ValidationReport
from tracker.workbench import agreement as agree
from tracker.workbench import store as wb
from tracker.workbench.sample import population_words

N_BOOT = 1000  # as `tracker validate`, so the intervals agree too

THEME_COLUMNS = ["theme", "gold_positives", "tp", "fp", "fn", "precision", "recall", "f1",
                 "f1_low", "f1_high"]  # fmt: skip
KIND_COLUMNS = ["match_kinds", "precision", "recall", "f1", "f1_low", "f1_high"]
ERROR_COLUMNS = ["error", "position", "statement_id", "passage_seq", "file", "country", "year",
                 "theme", "tool_evidence", "gold_evidence", "passage", "url"]  # fmt: skip


@dataclass
class WorkbenchReport:
    """Everything the report page and its exports show for one sample."""

    sample: wb.Sample
    scores: ValidationReport
    per_theme: pd.DataFrame
    by_kind: pd.DataFrame
    errors: pd.DataFrame
    agreement: pd.DataFrame
    coders: list[str]
    gold_sources: dict[str, int]
    adjudicators: list[str]
    codebook_name: str
    codebook_version: str
    n_boot: int
    #: disagreements between the coders with no gold decision yet (left out of the figures)
    open_disagreements: int = 0
    #: (item, coder) codings made with the tool's matches on screen, and all codings
    seen_tool_codings: int = 0
    codings: int = 0
    #: themes the gold has that the database's codebook lacks: every positive of them a miss
    missing_themes: tuple[str, ...] = ()


def item_key(item: wb.Item) -> str:
    """The name an item has in the scores: its file name, and ``¶ seq`` for a passage."""
    name = file_name(item.source)
    return name if item.passage_seq is None else f"{name} ¶{item.passage_seq}"


def _sample_gold(store: Store, sample_id: int, keys: Mapping[int, str]):
    rows = wb.gold(store, sample_id=sample_id)
    if rows.empty:
        raise GoldError(f"sample {sample_id} has no gold labels yet: adjudicate the coders' labels")
    labels: dict[str, dict[str, bool]] = {}
    evidence: dict[tuple[str, str], str] = {}
    for item_id, theme, present, quote in zip(rows["item_id"], rows["theme"], rows["present"],
                                              rows["evidence"]):  # fmt: skip
        key = keys[int(item_id)]
        labels.setdefault(key, {})[theme] = bool(present)
        if present and quote:
            evidence[(key, theme)] = quote
    sources = rows["gold_source"].value_counts().to_dict()
    adjudicators = sorted({a for a, s in zip(rows["adjudicator"], rows["gold_source"])
                           if a and s == "adjudicated"})  # fmt: skip
    return labels, evidence, {str(k): int(v) for k, v in sources.items()}, adjudicators


def _matches(store: Store, items: list[wb.Item], keys: Mapping[int, str]) -> dict[str, list[Match]]:
    """Stored matches of each item: a statement's, or those starting in a passage."""
    by_name = stored_matches(store, {file_name(i.source) for i in items})
    out: dict[str, list[Match]] = {}
    for item in items:
        found = by_name.get(file_name(item.source), [])
        if item.passage_seq is not None:
            passages = wb.passages_of(store, item.statement_id)
            row = passages[passages["seq"] == item.passage_seq].iloc[0]
            found = [m for m in found if row["start"] <= m.start < row["end"]]
        out[keys[item.id]] = found
    return out


def _theme_rows(matches, gold, evidence, scores: ValidationReport, n_boot: int) -> pd.DataFrame:
    rows = []
    nan = float("nan")
    for s in scores.per_theme:
        if not s.support:  # no gold positive: recall, and an interval, are undefined; with no
            # finding either, precision and F1 are too (the scores' vacuous 1.0 read as perfect)
            found = s.tp + s.fp
            rows.append([s.theme, s.support, s.tp, s.fp, s.fn, s.precision if found else nan,
                         nan, s.f1 if found else nan, nan, nan])  # fmt: skip
            continue
        only = {f: {s.theme: per[s.theme]} for f, per in gold.items() if s.theme in per}
        ci = score(matches, only, n_boot=n_boot).micro_f1_ci
        precision = s.precision if s.tp + s.fp else nan  # nothing found: no precision, as
        # `tracker validate` prints "-" (the scores' 0.0 read as every finding wrong)
        rows.append([s.theme, s.support, s.tp, s.fp, s.fn, precision, s.recall, s.f1, *ci])
    rows.append(["micro", sum(s.support for s in scores.per_theme), *_totals(scores),
                 scores.micro_p, scores.micro_r, scores.micro_f1, *scores.micro_f1_ci])  # fmt: skip
    rows.append(["macro", None, None, None, None, scores.macro_p, scores.macro_r, scores.macro_f1,
                 *scores.macro_f1_ci])  # fmt: skip
    table = pd.DataFrame(rows, columns=THEME_COLUMNS)
    counts = ["gold_positives", "tp", "fp", "fn"]
    table[counts] = table[counts].astype("Int64")  # whole numbers; empty on the macro row
    return table


def _totals(scores: ValidationReport) -> tuple[int, int, int]:
    return (sum(s.tp for s in scores.per_theme), sum(s.fp for s in scores.per_theme),
            sum(s.fn for s in scores.per_theme))  # fmt: skip


def _kind_rows(matches, gold, evidence, n_boot: int) -> pd.DataFrame:
    rows = []
    for label, kinds in KIND_VIEWS:
        r = score(matches, gold, kinds=kinds, evidence=evidence, n_boot=n_boot)
        # a kind that found nothing has no precision (validate says "none found")
        p = r.micro_p if found_any(matches, gold, kinds) else float("nan")
        rows.append([label, p, r.micro_r, r.micro_f1, *r.micro_f1_ci])
    return pd.DataFrame(rows, columns=KIND_COLUMNS)


def _error_rows(store: Store, scores: ValidationReport, items: list[wb.Item],
                keys: Mapping[int, str]) -> pd.DataFrame:  # fmt: skip
    by_key = {keys[i.id]: i for i in items}
    first = wb.first_match_passages(
        store, {(by_key[f].statement_id, t) for f, t, _ in scores.false_positives}
    )
    rows = []
    for kind, errors in (("false positive", scores.false_positives),
                         ("false negative", scores.false_negatives)):  # fmt: skip
        for key, theme, quote in errors:
            item = by_key[key]
            if item.passage_seq is not None:
                passages = wb.passages_of(store, item.statement_id)
                passage = passages.loc[passages["seq"] == item.passage_seq, "text"].iloc[0]
            elif kind == "false positive":
                passage = first.get((item.statement_id, theme), "")
            else:
                passage = quote
            tool, gold_quote = (quote, "") if kind == "false positive" else ("", quote)
            rows.append([kind, item.position, item.statement_id, item.passage_seq,
                         file_name(item.source), item.country, item.year, theme, tool, gold_quote,
                         passage, f"statement?id={item.statement_id}"])  # fmt: skip
    return pd.DataFrame(rows, columns=ERROR_COLUMNS)


def build_report(db: str | Path, sample_id: int, *, n_boot: int = N_BOOT) -> WorkbenchReport:
    """The report of one sample against its gold (GoldError when it has none yet)."""
    with wb.open_store(db, readonly=True) as store:
        sample = wb.sample(store, sample_id)
        items = wb.items(store, sample_id)
        keys = {i.id: item_key(i) for i in items}
        gold, evidence, sources, adjudicators = _sample_gold(store, sample_id, keys)
        gold_items = [i for i in items if keys[i.id] in gold]
        matches = _matches(store, gold_items, keys)
        scores = score(matches, gold, evidence=evidence, n_boot=n_boot)
        labels = wb.labels(store, sample_id)
        still_open = agree.open_disagreements(labels, wb.gold(store, sample_id=sample_id))
        active = store.active_codebook()
        errors = _error_rows(store, scores, gold_items, keys)
    return WorkbenchReport(
        sample=sample, scores=scores,
        per_theme=_theme_rows(matches, gold, evidence, scores, n_boot),
        by_kind=_kind_rows(matches, gold, evidence, min(n_boot, BY_KIND_BOOT)), errors=errors,
        agreement=agree.agreement_table(labels, list(sample.themes)),
        coders=sorted(labels["coder"].unique().tolist()), gold_sources=sources,
        adjudicators=adjudicators, codebook_name=active.name if active else "",
        codebook_version=active.version if active else "", n_boot=n_boot,
        open_disagreements=still_open, **_codings(labels),
        missing_themes=_missing_themes(active, gold),
    )  # fmt: skip


def _missing_themes(active, gold: Mapping[str, Mapping[str, bool]]) -> tuple[str, ...]:
    """The gold's themes the active codebook lacks (a theme since removed, a codebook of a
    few themes): scored, each of their positives counts as a miss of the tool."""
    from tracker.codebook import codebook_from_text

    if active is None:
        return ()
    known = {t.id for t in codebook_from_text(active.text, path=active.path).themes}
    return tuple(sorted({t for per in gold.values() for t in per} - known))


def _codings(labels: pd.DataFrame) -> dict[str, int]:
    """How many (item, coder) codings there are, and how many saw the tool's matches."""
    if labels.empty:
        return {"seen_tool_codings": 0, "codings": 0}
    per = labels.groupby(["item_id", "coder"])["seen_tool"].max()
    return {"seen_tool_codings": int((per > 0).sum()), "codings": int(len(per))}


# -- the method paragraph -------------------------------------------------------------------------


def _f(value: float | None) -> str:
    return "undefined" if value is None or value != value else f"{value:.2f}"


def _design_words(sample: wb.Sample) -> str:
    if sample.design == "imported":
        return f"{sample.size} statements whose gold labels were imported ({sample.name})"
    unit = sample.items_label
    if not sample.strata:
        how = "a simple random sample"
    else:
        names = {"match": "whether the tool found "
                 + (f"the theme {sample.match_theme}" if sample.match_theme else "any theme"),
                 "year": "year", "country": "country"}  # fmt: skip
        how = (f"a stratified random sample ({sample.allocation} allocation; strata: "
               + "; ".join(names[s] for s in sample.strata) + ")")  # fmt: skip
    where = population_words(Filters.from_dict(sample.filters)) if sample.filters else ""
    left = (f"; {sample.left_out} statements sharing a file name with another were left out"
            if sample.left_out else "")  # fmt: skip
    return (f"{how} of {sample.size} {unit} from the {sample.population:,} {unit} selected"
            + (f" ({where})" if where else "") + f", drawn with seed {sample.seed}{left}")


def _agreement_words(report: WorkbenchReport) -> str:
    table = report.agreement
    pooled = table[table["theme"] == agree.ALL_THEMES].iloc[0]
    if len(report.coders) < 2 or not pooled["items"]:
        if not report.coders:
            return "The gold labels were imported; no coder agreement is recorded with them."
        seen = f" {_seen_words(report)}" if report.seen_tool_codings else ""
        return (f"Each item was coded by one coder ({report.coders[0]}); no agreement could be "
                f"measured.{seen}")
    per = table[(table["theme"] != agree.ALL_THEMES) & table["alpha"].notna()]
    spread = (f" (per theme from {per['alpha'].min():.2f} to {per['alpha'].max():.2f})"
              if len(per) else "")  # fmt: skip
    kappa = ("Cohen's kappa" if len(report.coders) == 2
             else "mean pairwise Cohen's kappa (weighted by shared items)")
    return (f"{len(report.coders)} coders ({', '.join(report.coders)}) coded the items "
            f"independently, {_blind_words(report)}. Before "
            f"adjudication they agreed on {pooled['observed']:.1%} of {int(pooled['items'])} "
            f"item-theme decisions (Krippendorff's alpha {_f(pooled['alpha'])}{spread}; "
            f"{kappa} {_f(pooled['kappa'])}).")


def _blind_words(report: WorkbenchReport) -> str:
    """"blind to the tool's output" only when no coding had the tool's matches on screen."""
    if not report.seen_tool_codings:
        return "blind to the tool's output and to each other's labels"
    return f"blind to each other's labels ({_seen_words(report)[:-1]})"


def _seen_words(report: WorkbenchReport) -> str:
    n, total = report.seen_tool_codings, report.codings
    return (f"{n} of {total} item codings were made with the tool's matches shown (review "
            "mode), not blind to its output.")


def method_paragraph(report: WorkbenchReport) -> str:
    """A short Markdown paragraph with the design, the coders, agreement, the gold and the
    figures, for a paper's appendix."""
    s, r = report.sample, report.scores
    adjudicated = report.gold_sources.get("adjudicated", 0)
    by = f" by {', '.join(report.adjudicators)}" if report.adjudicators else ""
    gold = (f"The gold standard holds {sum(report.gold_sources.values())} decisions on "
            f"{r.statements} {s.items_label} and {len(r.per_theme)} themes: "
            f"{report.gold_sources.get('agreement', 0)} where the coders agreed, {adjudicated} "
            f"adjudicated{by}" + (f", {report.gold_sources['imported']} imported"
                                  if report.gold_sources.get("imported") else "") + ".")  # fmt: skip
    if report.missing_themes:
        gold += (" The gold's theme(s) " + ", ".join(report.missing_themes) + " are not in the "
                 "codebook measured: each of their positives counts as a miss.")
    if report.open_disagreements:
        gold += (f" {report.open_disagreements} disagreement"
                 f"{'s' if report.open_disagreements > 1 else ''} between the coders "
                 "not yet adjudicated are not in the gold, nor in the figures below.")
    themes = [t for t in r.per_theme if t.support]
    spread = (f" Per-theme F1 ranged from {min(t.f1 for t in themes):.2f} to "
              f"{max(t.f1 for t in themes):.2f} over the {len(themes)} themes present in the "
              "gold." if themes else "")  # fmt: skip
    return (
        f"**Validation.** We validated the automated coding on {_design_words(s)}. "
        f"{_agreement_words(report)} {gold} Against this gold, the tool (position-tracker "
        f"{tracker.__version__}, codebook {report.codebook_name or 'unnamed'}, version "
        f"{report.codebook_version[:12]}) reached a "
        f"micro-averaged precision of {r.micro_p:.3f}, recall of {r.micro_r:.3f} and F1 of "
        f"{r.micro_f1:.3f} (95% bootstrap interval {r.micro_f1_ci[0]:.3f}-"
        f"{r.micro_f1_ci[1]:.3f}, {report.n_boot} resamples of {s.items_label}); macro-averaged "
        f"F1 was {r.macro_f1:.3f}.{spread} A theme counts as found in a {s.unit} when at least "
        f"one counted match of it is present; tp {_totals(r)[0]}, fp {_totals(r)[1]}, fn "
        f"{_totals(r)[2]}."
    )


def report_csv(report: WorkbenchReport) -> str:
    """The per-theme, pooled and by-kind figures as one CSV (a ``table`` column says which)."""
    themes = report.per_theme.assign(table="theme").rename(columns={"theme": "name"})
    kinds = report.by_kind.assign(table="match kinds").rename(columns={"match_kinds": "name"})
    out = pd.concat([themes, kinds], ignore_index=True)
    out.insert(0, "sample", report.sample.id)
    out["codebook_version"] = report.codebook_version
    out["tool_version"] = tracker.__version__
    out["open_disagreements"] = report.open_disagreements
    out["seen_tool_codings"] = report.seen_tool_codings
    columns = ["sample", "table", "name", *[c for c in THEME_COLUMNS if c != "theme"],
               "codebook_version", "tool_version", "open_disagreements",
               "seen_tool_codings"]  # fmt: skip
    return out[columns].to_csv(index=False, float_format="%.4f")
