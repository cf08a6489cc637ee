"""What an edited codebook would change, before it is saved.

The statements of the gold (hand-coded, by file name) and a random sample of the database
(seeded) are read once and matched in memory with the active codebook (:func:`preview_set`);
an edited codebook is matched on the same statements and compared with it (:func:`preview`):
the matches that appear, disappear or change (rule, kind or direction) as keyword-in-context
rows, counts per set of statements, the gold decisions that change, and precision, recall and
F1 on the gold before and after. Nothing is written.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tracker.accuracy import score
from tracker.codebook import Codebook
from tracker import query
from tracker.coding import file_name
from tracker.match import Matcher
from tracker.models import Match, Passage
from tracker.store import Store
from tracker.terms import first_words, last_words
from tracker.validate import Labels, ThemeScore, ValidationReport, load_gold
from tracker.workbench.gold import stored_gold
from tracker.workbench.store import statement_ids_by_name

KWIC_WORDS = 20  # words of context on each side of a match
N_BOOT = 200  # bootstrap resamples of the preview's intervals (a preview, not the report)
SETS = ("gold", "sample")


@dataclass(frozen=True)
class Doc:
    """A stored statement as the preview reads it."""

    statement_id: int
    name: str  # the file name without folders: how gold files name statements
    country: str
    year: int | None
    language: str
    text: str
    passages: tuple[Passage, ...]


# -- reading statements -------------------------------------------------------------------------


def read_docs(store: Store, ids: Iterable[int]) -> dict[int, Doc]:
    """The statements with these ids, with their clean text and passages."""
    return {
        sid: Doc(sid, file_name(source), country, year, language, text, tuple(passages))
        for sid, source, country, year, language, text, passages
        in query.statements_with_passages(store.conn, list(ids))
    }  # fmt: skip


def gold_statements(store: Store, names: Iterable[str]) -> dict[str, int]:
    """File name -> id of the first stored statement of that name, for the names the database
    holds (a gold file may name statements this database lacks: they are left out)."""
    by_name = statement_ids_by_name(store)
    return {name: by_name[name][0] for name in sorted(set(names)) if name in by_name}


def sample_statements(
    store: Store, size: int, *, seed: int, languages: Iterable[str]
) -> list[int]:
    """``size`` canonical statements in the given languages, drawn at random with ``seed``
    (the same seed and database give the same sample), in id order."""
    ids = query.canonical_ids_in(store.conn, list(languages))
    return sorted(random.Random(seed).sample(ids, min(size, len(ids))))


# -- gold -----------------------------------------------------------------------------------------


def workbench_gold(db: str | Path) -> dict[str, dict[str, bool]]:
    """The gold adjudicated in the validation workbench (file name -> theme -> present), or
    {} when there is none."""
    return stored_gold(db)


def merge_labels(*label_sets: Labels) -> dict[str, dict[str, bool]]:
    """Several sets of gold labels as one; where two label the same statement and theme, the
    first set's label stands."""
    out: dict[str, dict[str, bool]] = {}
    for labels in reversed(label_sets):
        for name, themes in labels.items():
            out.setdefault(name, {}).update(themes)
    return out


def gold_files(paths: Sequence[str | Path]) -> dict[str, dict[str, bool]]:
    """The labels of gold TSV files (as ``tracker validate --gold`` reads them), merged; the
    first file's label stands where two disagree."""
    return merge_labels(*(load_gold(p) for p in paths))


# -- matching -------------------------------------------------------------------------------------


def code(
    docs: Mapping[int, Doc], book: Codebook, progress: Callable[[int], None] | None = None
) -> dict[int, list[Match]]:
    """Every match of every statement under ``book`` (its rules and, when it names one, its
    semantic model), as a re-match would store them."""
    matcher = Matcher(book)
    out = {}
    for n, (sid, doc) in enumerate(docs.items(), 1):
        out[sid] = matcher.match(doc.text, doc.passages, language=doc.language)
        if progress:
            progress(n)
    return out


@dataclass(frozen=True)
class PreviewSet:
    """The statements a preview reads and their matches under the active codebook.

    ``gold`` holds the labels of the gold statements this database has (``gold_ids``: file
    name -> statement id); ``missing_gold`` counts those it lacks. ``sample`` is the random
    sample's statement ids, drawn with ``seed``.
    """

    active: Codebook
    docs: dict[int, Doc]
    matches: dict[int, list[Match]]
    gold: dict[str, dict[str, bool]]
    gold_ids: dict[str, int]
    missing_gold: int
    sample: tuple[int, ...]
    seed: int

    def members(self, which: str) -> set[int]:
        """The statement ids of one set: ``gold`` or ``sample``."""
        return set(self.gold_ids.values()) if which == "gold" else set(self.sample)


def preview_set(
    store: Store,
    active: Codebook,
    *,
    gold: Labels,
    size: int = 300,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> PreviewSet:
    """Read the gold statements and a sample of ``size`` statements and match them with the
    active codebook; ``progress(done, total)`` after each statement."""
    ids = gold_statements(store, gold)
    sample = sample_statements(store, size, seed=seed, languages=active.languages)
    docs = read_docs(store, [*ids.values(), *sample])
    total = len(docs)
    matches = code(docs, active, (lambda n: progress(n, total)) if progress else None)
    labels = {name: dict(gold[name]) for name in ids}
    return PreviewSet(active, docs, matches, labels, ids, len(gold) - len(ids),
                      tuple(sample), seed)  # fmt: skip


# -- the comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A match that appears, disappears or changes (same span, another rule, kind or
    direction) under the edited codebook, with its words in context."""

    change: str  # appears | disappears | changes
    sets: str  # gold, sample, or gold+sample: where the statement is
    statement_id: int
    name: str
    country: str
    year: int | None
    theme: str
    start: int  # the match's span in the statement's clean text
    end: int
    before: str
    match: str
    after: str
    rule: str
    kind: str
    direction: str
    counted: bool
    was: str = ""  # for a changed match: its rule, kind and direction before


@dataclass(frozen=True)
class Decision:
    """A gold statement whose decision on a theme changes (found before, not after, or the
    reverse), with its gold label (None when the gold does not label that theme)."""

    name: str
    statement_id: int
    theme: str
    gold: bool | None
    before: bool
    after: bool

    @property
    def effect(self) -> str:
        """What the change does to the scores."""
        if self.gold is None:
            return "not in the gold"
        if self.after:
            return "fixes a false negative" if self.gold else "adds a false positive"
        return "fixes a false positive" if not self.gold else "adds a false negative"


@dataclass(frozen=True)
class Preview:
    """What saving the edited codebook would change on the preview's statements."""

    theme: str
    version_before: str
    version_after: str
    changes: list[Change]
    counts: pd.DataFrame
    decisions: list[Decision] = field(default_factory=list)
    before: ValidationReport | None = None
    after: ValidationReport | None = None

    def changed(self, change: str) -> list[Change]:
        return [c for c in self.changes if c.change == change]


def preview(
    pset: PreviewSet,
    edited: Codebook,
    theme: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    n_boot: int = N_BOOT,
) -> Preview:
    """Match the preview's statements with ``edited`` and compare with the active codebook.

    Every theme's changes are listed (a new word in the vocabulary can move another theme's
    fuzzy matches), ``theme``'s first.
    """
    total = len(pset.docs)
    new = code(pset.docs, edited, (lambda n: progress(n, total)) if progress else None)
    changes = []
    for sid, doc in pset.docs.items():
        changes += _diff(doc, pset.matches[sid], new[sid], _sets_of(pset, sid))
    changes.sort(key=lambda c: (c.theme != theme, c.theme, c.change, c.statement_id))
    before = after = None
    decisions: list[Decision] = []
    if pset.gold:
        by_name_before = {n: pset.matches[sid] for n, sid in pset.gold_ids.items()}
        by_name_after = {n: new[sid] for n, sid in pset.gold_ids.items()}
        before = score(by_name_before, pset.gold, n_boot=n_boot)
        after = score(by_name_after, pset.gold, n_boot=n_boot)
        decisions = _decisions(pset, by_name_before, by_name_after)
        decisions.sort(key=lambda d: (d.theme != theme, d.theme, d.name))
    return Preview(theme, pset.active.version, edited.version, changes,
                   _counts(pset, new, theme), decisions, before, after)  # fmt: skip


def _sets_of(pset: PreviewSet, sid: int) -> str:
    return "+".join(s for s in SETS if sid in pset.members(s))


def _key(m: Match) -> tuple[str, int, int]:
    return m.theme, m.start, m.end


def _diff(doc: Doc, old: Sequence[Match], new: Sequence[Match], sets: str) -> list[Change]:
    before = {_key(m): m for m in old}
    after = {_key(m): m for m in new}
    out = [_change("disappears", doc, m, sets) for k, m in before.items() if k not in after]
    out += [_change("appears", doc, m, sets) for k, m in after.items() if k not in before]
    for k in before.keys() & after.keys():
        was, now = before[k], after[k]
        if (was.rule, was.kind, was.direction, was.counted) != (
            now.rule, now.kind, now.direction, now.counted
        ):  # fmt: skip
            out.append(_change("changes", doc, now, sets, was=_describe(was)))
    return out


def _describe(m: Match) -> str:
    counted = "" if m.counted else ", not counted"
    return f"{m.rule} ({m.kind}, {m.direction}{counted})"


def _change(change: str, doc: Doc, m: Match, sets: str, was: str = "") -> Change:
    before, match, after = kwic(doc, m)
    return Change(change, sets, doc.statement_id, doc.name, doc.country, doc.year, m.theme,
                  m.start, m.end, before, match, after, m.rule, m.kind, m.direction, m.counted,
                  was)  # fmt: skip


def kwic(doc: Doc, m: Match, words: int = KWIC_WORDS) -> tuple[str, str, str]:
    """The words before a match, the match, the words after, on one line each: read within
    the match's sentence and the sentence before it (what the matcher reads)."""
    at = bisect_right([p.start for p in doc.passages], m.start) - 1
    if at >= 0:
        start, end = doc.passages[max(at - 1, 0)].start, max(doc.passages[at].end, m.end)
    else:
        start, end = 0, len(doc.text)
    pre = last_words(doc.text[start : m.start], words)
    post = first_words(doc.text[m.end : end], words)
    return _one_line(pre), _one_line(doc.text[m.start : m.end]), _one_line(post)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _present(matches: Sequence[Match]) -> set[str]:
    return {m.theme for m in matches if m.counted}


def _counts(pset: PreviewSet, new: Mapping[int, list[Match]], theme: str) -> pd.DataFrame:
    """Per set of statements: the edited theme's matches and statements before and after."""
    rows = []
    for which in SETS:
        ids = pset.members(which)
        if not ids:
            continue
        old_m = [m for sid in ids for m in pset.matches[sid] if m.theme == theme]
        new_m = [m for sid in ids for m in new[sid] if m.theme == theme]
        old_keys = {(m.start, m.end, sid) for sid in ids for m in pset.matches[sid]
                    if m.theme == theme}  # fmt: skip
        new_keys = {(m.start, m.end, sid) for sid in ids for m in new[sid] if m.theme == theme}
        rows.append({
            "statements": which, "read": len(ids),
            "matches before": len(old_m), "matches after": len(new_m),
            "appear": len(new_keys - old_keys), "disappear": len(old_keys - new_keys),
            "with the theme before": sum(theme in _present(pset.matches[s]) for s in ids),
            "with the theme after": sum(theme in _present(new[s]) for s in ids),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _decisions(
    pset: PreviewSet, before: Mapping[str, list[Match]], after: Mapping[str, list[Match]]
) -> list[Decision]:
    out = []
    for name, sid in pset.gold_ids.items():
        was, now = _present(before[name]), _present(after[name])
        for theme in sorted(was ^ now):
            out.append(Decision(name, sid, theme, pset.gold[name].get(theme), theme in was,
                                theme in now))  # fmt: skip
    return out


# -- tables for the page ---------------------------------------------------------------------------


def changes_frame(result: Preview) -> pd.DataFrame:
    """The changed matches as keyword-in-context rows."""
    columns = ["change", "theme", "country", "year", "before", "match", "after", "rule", "kind",
               "direction", "counted", "was", "statements", "file", "statement"]  # fmt: skip
    return pd.DataFrame(
        [[c.change, c.theme, c.country, c.year, c.before, c.match, c.after, c.rule, c.kind,
          c.direction, c.counted, c.was, c.sets, c.name, c.statement_id]
         for c in result.changes], columns=columns,
    )  # fmt: skip


def scores_frame(result: Preview) -> pd.DataFrame:
    """Precision, recall and F1 on the gold before and after, for the edited theme and micro
    over all themes; empty without gold."""
    if result.before is None or result.after is None:
        return pd.DataFrame()
    rows = []
    pairs: list[tuple[str, tuple[float, float, float], tuple[float, float, float]]] = []
    old, new = _theme_score(result.before, result.theme), _theme_score(result.after, result.theme)
    if old is not None and new is not None:
        pairs.append((result.theme, _defined(old), _defined(new)))
    b, a = result.before, result.after
    pairs.append(("micro (all themes)", (b.micro_p, b.micro_r, b.micro_f1),
                  (a.micro_p, a.micro_r, a.micro_f1)))  # fmt: skip
    for label, was, now in pairs:
        for measure, x, y in zip(("precision", "recall", "F1"), was, now):
            rows.append({"scope": label, "measure": measure, "before": _round(x),
                         "after": _round(y), "change": _round(y - x)})  # fmt: skip
    return pd.DataFrame(rows)


def _defined(s: ThemeScore) -> tuple[float, float, float]:
    """A theme's scores, None where there is nothing to divide by: no finding, no precision (an
    edit that removes a theme's only finding showed precision 0, as if it were wrong); no gold
    positive, no recall; neither, no F1 (as `tracker validate` prints "-")."""
    nan = float("nan")
    return (s.precision if s.tp + s.fp else nan, s.recall if s.support else nan,
            s.f1 if s.tp + s.fp + s.fn else nan)


def _round(x: float) -> float | None:
    return None if x != x else round(x, 3)


def _theme_score(report: ValidationReport, theme: str) -> ThemeScore | None:
    return next((s for s in report.per_theme if s.theme == theme), None)


def decisions_frame(result: Preview) -> pd.DataFrame:
    """The gold statements whose decision on a theme changes, and what that does."""
    return pd.DataFrame(
        [{"file": d.name, "theme": d.theme, "gold": {True: "present", False: "absent",
          None: "not labelled"}[d.gold], "before": "found" if d.before else "not found",
          "after": "found" if d.after else "not found", "effect": d.effect,
          "statement": d.statement_id} for d in result.decisions],
        columns=["file", "theme", "gold", "before", "after", "effect", "statement"],
    )  # fmt: skip
