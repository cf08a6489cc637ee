"""Accuracy of a codebook (and the semantic matcher) on hand-coded gold statements.

The gold statements are read from a database (their clean text and passages, as ingested), then
coded in memory, so a codebook or a semantic model can be measured without re-ingesting. Scores
are at statement level (:func:`tracker.validate.evaluate`): a theme is found in a statement when
at least one *counted* match (its direction fits the theme's definition) is present.

Cross-validation (:func:`cross_validate`) splits the gold statements into folds; for each fold
the semantic model is trained and its thresholds calibrated on the other folds only, so no
statement is scored by a model that saw its labels.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracker import query
from tracker.codebook import Codebook
from tracker.coding import file_name
from tracker.errors import GoldError
from tracker.match import Matcher, collector_paused
from tracker.models import Match, Passage
from tracker.store import Store
from tracker.validate import Labels, ValidationReport, evaluate, load_gold, load_gold_evidence

RULE_KINDS = ("exact", "fuzzy", "proximity")


@dataclass(frozen=True)
class GoldDoc:
    """A gold statement as stored: its file name, language, clean text and passages."""

    name: str
    language: str
    text: str
    passages: tuple[Passage, ...]


def statement_ids(store: Store, names: Iterable[str]) -> dict[str, int]:
    """File name -> id of the first stored statement of that name (copies included).

    GoldError names the gold files the database lacks.
    """
    wanted = set(names)
    found: dict[str, int] = {}
    for sid, source, _language in query.statement_sources(store.conn):
        name = file_name(source)
        if name in wanted and name not in found:
            found[name] = sid
    missing = sorted(wanted - set(found))
    if missing:
        raise GoldError(
            f"{len(missing)} gold file(s) not in {store.path}: {', '.join(missing[:10])}"
            + (" ..." if len(missing) > 10 else "")
        )
    return found


# General Debate speeches are reported by period: older speeches state the themes in other
# words, so recall differs by period, and a trend over decades must be read with that in mind
PERIODS: tuple[tuple[int, int | None], ...] = (
    (1946, 1969), (1970, 1989), (1990, 2009), (2010, None),
)


def period_group(forum: str, year: int | None) -> str:
    """The reporting group of a statement: its forum, and for the General Debate its period."""
    if "general debate" in forum.lower() and year is not None:
        for first, last in PERIODS:
            if first <= year and (last is None or year <= last):
                return f"General Debate {first}-{last}" if last else f"General Debate since {first}"
    return forum or "forum not recorded"


def statement_groups(store: Store, names: Iterable[str]) -> dict[str, str]:
    """File name -> reporting group (``period_group``) of each named gold statement."""
    return {
        name: period_group(*query.statement_forum_year(store.conn, sid))
        for name, sid in statement_ids(store, names).items()
    }


def load_docs(store: Store, names: Iterable[str]) -> dict[str, GoldDoc]:
    """The stored statements whose file name is in ``names``, with text and passages."""
    docs = {}
    for name, sid in statement_ids(store, names).items():
        found = query.statement_text(store.conn, sid)
        if found is None:
            raise GoldError(f"{name}: statement {sid} in {store.path} has no text")
        language, text = found
        passages = tuple(query.passages_of(store.conn, sid))
        docs[name] = GoldDoc(name, language or "en", text, passages)
    return docs


def code(
    docs: Mapping[str, GoldDoc],
    matcher: Matcher,
    *,
    semantic: Callable[[GoldDoc], list[Match]] | None = None,
) -> dict[str, list[Match]]:
    """Every match of every gold statement: the codebook's rules, then the semantic matcher.

    The cyclic garbage collector is paused meanwhile: with the gold statements and several
    compiled codebooks in memory (cross-validation folds, the frozen codebooks of
    benchmarks/unseen.py), its collections walking them took a third of the time."""
    out = {}
    with collector_paused():
        for name, doc in docs.items():
            found = matcher.match(doc.text, doc.passages, language=doc.language)
            if semantic is not None:
                found = found + semantic(doc)
            out[name] = found
    return out


def found_themes(
    matches: Mapping[str, Sequence[Match]], *, kinds: Sequence[str] | None = None
) -> dict[str, dict[str, str]]:
    """File -> theme -> evidence of its first counted match (of the given kinds only)."""
    out: dict[str, dict[str, str]] = {}
    for name, found in matches.items():
        themes = out.setdefault(name, {})
        for m in found:
            if m.counted and (kinds is None or m.kind in kinds) and m.theme not in themes:
                themes[m.theme] = m.matched_text
    return out


def score(
    matches: Mapping[str, Sequence[Match]],
    gold: Labels,
    *,
    kinds: Sequence[str] | None = None,
    evidence: Mapping[tuple[str, str], str] | None = None,
    n_boot: int = 1000,
) -> ValidationReport:
    """Statement-level P/R/F1 of the matches (of the given kinds) against the gold labels."""
    themes = sorted({t for per in gold.values() for t in per})
    coded = found_themes(matches, kinds=kinds)
    return evaluate(
        {f: coded.get(f, {}) for f in gold}, gold, themes=themes,
        gold_evidence=evidence, n_boot=n_boot,
    )  # fmt: skip


def merge_gold(paths: Sequence[str | Path]) -> tuple[dict, dict]:
    """Labels and evidence of several gold files; a file labelled in two of them is an error."""
    labels: dict[str, dict[str, bool]] = {}
    evidence: dict[tuple[str, str], str] = {}
    for path in paths:
        part = load_gold(path)
        twice = sorted(set(part) & set(labels))
        if twice:
            raise GoldError(f"{path}: {twice[0]} is labelled in another gold file too")
        labels.update(part)
        evidence.update(load_gold_evidence(path))
    return labels, evidence


def folds(names: Sequence[str], k: int, *, seed: int = 0) -> list[list[str]]:
    """``names`` shuffled with ``seed`` and dealt into ``k`` folds."""
    order = sorted(names)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(
    docs: Mapping[str, GoldDoc],
    gold: Labels,
    evidence: Mapping[tuple[str, str], str],
    codebook: Codebook,
    *,
    k: int = 5,
    seed: int = 0,
    train: Callable[..., object],
    n_boot: int = 1000,
) -> tuple[ValidationReport, dict[str, list[Match]]]:
    """Cross-validated coding of the gold statements with rules plus a semantic model.

    ``train(codebook, train_docs, train_gold, train_evidence)`` returns a model with
    ``matches(doc, rule_matches) -> list[Match]``; it sees only the other folds' statements.
    Returns the pooled report and every statement's matches.
    """
    rules_only = Matcher(codebook, semantic=False)
    rules = code(docs, rules_only)
    coded: dict[str, list[Match]] = {}
    for held in folds(list(gold), k, seed=seed):
        held_set = set(held)
        rest = [n for n in gold if n not in held_set]
        model = train(
            codebook,
            {n: docs[n] for n in rest},
            {n: gold[n] for n in rest},
            {key: v for key, v in evidence.items() if key[0] not in held_set},
            rule_matches={n: rules[n] for n in rest},
        )
        for name in held:
            doc = docs[name]
            semantic = model.matches(doc, rules[name])  # type: ignore[attr-defined]
            coded[name] = rules[name] + rules_only.directed(
                doc.text, doc.passages or [Passage(0, 0, len(doc.text), 0)], semantic,
                language=doc.language,
            )  # as Matcher.match reads them: in the direction of their sentence
    return score(coded, gold, evidence=evidence, n_boot=n_boot), coded


def stored_matches(store: Store, names: Iterable[str]) -> dict[str, list[Match]]:
    """The stored matches of the statements with these file names (copies included).

    GoldError names the gold files the database lacks.
    """
    ids = statement_ids(store, names)
    found = query.stored_matches(store.conn, ids.values())
    return {name: found[sid] for name, sid in ids.items()}


KIND_VIEWS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("all matches", None),
    ("rules only (no semantic)", RULE_KINDS),
    ("exact", ("exact",)),
    ("fuzzy", ("fuzzy",)),
    ("proximity", ("proximity",)),
    ("semantic", ("semantic",)),
)


#: Bootstrap resamples of the by-kind table (one scoring per kind view: fewer than the main
#: table's, for speed); `tracker validate` and the workbench report both use it, so their
#: intervals agree
BY_KIND_BOOT = 200


def found_any(
    matches: Mapping[str, Sequence[Match]], gold: Labels, kinds: Sequence[str] | None
) -> bool:
    """Whether any gold statement holds a counted match of these kinds (None: any kind)."""
    return any(m.counted and (kinds is None or m.kind in kinds)
               for name in gold for m in matches.get(name, ()))  # fmt: skip


def by_kind(matches: Mapping[str, Sequence[Match]], gold: Labels, *, n_boot: int = BY_KIND_BOOT) -> str:
    """A table of micro P/R/F1 for every match kind, rules without semantic, and all. A kind
    that found nothing says so (its 0.000s read as a failure); the intervals come from
    ``n_boot`` resamples, fewer than the main table's, so "all matches" may show a slightly
    different interval for the same F1."""
    lines = [f"{'match kinds':<28}{'P':>7}{'R':>7}{'F1':>7}   95% CI of F1 ({n_boot} resamples)"]
    for label, kinds in KIND_VIEWS:
        if not found_any(matches, gold, kinds):
            lines.append(f"{label:<28}  none found")
            continue
        r = score(matches, gold, kinds=kinds, n_boot=n_boot)
        lines.append(
            f"{label:<28}{r.micro_p:>7.3f}{r.micro_r:>7.3f}{r.micro_f1:>7.3f}"
            f"   {r.micro_f1_ci[0]:.3f}-{r.micro_f1_ci[1]:.3f}"
        )
    return "\n".join(lines)


UNSEEN_ACCURACY = Path(__file__).resolve().parent / "data" / "unseen_accuracy.json"


@dataclass(frozen=True)
class UnseenTheme:
    """One theme's pooled counts on the held-out speeches (statement level)."""

    theme: str
    positives: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.positives if self.positives else None

    @property
    def f1(self) -> float | None:
        found = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / found if self.positives and found else None


@dataclass(frozen=True)
class UnseenFigures:
    """Pooled held-out figures of a set of statements (statement level)."""

    statements: int
    positives: int
    precision: float
    recall: float
    f1: float
    f1_ci: tuple[float, float]
    themes: tuple[UnseenTheme, ...]


@dataclass(frozen=True)
class UnseenGroup(UnseenFigures):
    """The pooled held-out figures of one forum and period (``period_group``)."""

    group: str = ""


@dataclass(frozen=True)
class UnseenAccuracy(UnseenFigures):
    """How the default codebook codes speeches it was not written from: every held-out sample
    scored with the codebook frozen for it, pooled (written by ``benchmarks/unseen.py``)."""

    held_out_files: tuple[str, ...] = ()
    command: str = ""
    groups: tuple[UnseenGroup, ...] = ()  # by forum and period; absent from older files


MIN_PERIOD_POSITIVES = 10  # fewer held-out positions of a theme in a period: no rate read from it


def period_recall_note(
    acc: UnseenAccuracy, years: Iterable[int], *, theme: str | None = None, label: str = ""
) -> str | None:
    """For a chart over ``years`` that spans two or more General Debate periods: the held-out
    recall of each period, as a caption (None otherwise). With ``theme``, that theme's recall
    when every spanned period has enough of its positions, else all themes pooled."""
    spanned = {period_group("General Assembly general debate", int(y)) for y in years}
    found = [g for g in acc.groups if g.group in spanned]
    if len(found) < 2:
        return None
    rates = [(g.group, g.recall) for g in found]
    scope = "all themes pooled"
    if theme is not None:
        counts = [next((t for t in g.themes if t.theme == theme), None) for g in found]
        if all(t is not None and t.positives >= MIN_PERIOD_POSITIVES for t in counts):
            rates = [(g.group, t.tp / t.positives) for g, t in zip(found, counts) if t]
            scope = f"{label or theme} alone"

    def when(group: str) -> str:
        period = group.removeprefix("General Debate ")
        return period if period.startswith("since") else f"in {period}"

    (group, rate), *rest = rates
    others = "".join(f", {r:.0%} {when(g)}" for g, r in rest)
    return (f"On held-out General Debate speeches (each coded by hand and scored with the "
            f"default codebook of its time, frozen before), the tool found {rate:.0%} of the "
            f"positions a careful coder finds {when(group)}{others} ({scope}; each theme on the "
            f"Codebook and method page). Part of a change across these periods can be a change "
            f"of wording, not of position.")


def _unseen_figures(raw: Mapping) -> dict:
    """The shared fields of a pooled entry of the held-out file (the whole file or a group)."""
    micro = raw["micro"]
    return {
        "statements": int(raw["statements"]), "positives": int(raw["positives"]),
        "precision": float(micro["precision"]), "recall": float(micro["recall"]),
        "f1": float(micro["f1"]), "f1_ci": (float(micro["f1_ci"][0]), float(micro["f1_ci"][1])),
        "themes": tuple(
            UnseenTheme(t["theme"], int(t["positives"]), int(t["tp"]), int(t["fp"]), int(t["fn"]))
            for t in raw["themes"]
        ),
    }


def load_unseen_accuracy(path: str | Path = UNSEEN_ACCURACY) -> UnseenAccuracy:
    """The pooled held-out figures; GoldError names the file when it is missing or malformed."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return UnseenAccuracy(
            **_unseen_figures(raw),
            held_out_files=tuple(raw["held_out_files"]),
            command=str(raw.get("command", "")),
            groups=tuple(UnseenGroup(**_unseen_figures(g), group=str(g["group"]))
                         for g in raw.get("groups", ())),
        )
    except OSError as exc:
        raise GoldError(f"{path}: cannot read the held-out accuracy ({exc.strerror})") from exc
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise GoldError(f"{path}: not a held-out accuracy file ({type(exc).__name__}: {exc})") from exc
