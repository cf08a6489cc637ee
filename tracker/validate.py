"""Gold labels -> precision, recall, F1 (with bootstrap intervals), errors to read, agreement.

Gold files are TSV with a header ``file theme present evidence`` (``evidence`` optional), one row
per statement and theme, ``file`` being the statement's file name without folders and
``present`` 1/0 (or true/false, yes/no). Scores are at statement level: a theme is found in a
statement when it has at least one match.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tracker.errors import GoldError

MICRO_F1_TARGET = 0.90
THEME_F1_TARGET = 0.75
THEME_MIN_SUPPORT = 5  # themes with fewer gold positives have no per-theme target

_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}
_REQUIRED = ("file", "theme", "present")

Labels = Mapping[str, Mapping[str, bool]]


@dataclass
class ThemeScore:
    """Statement-level counts and scores of one theme. ``support`` is the gold positives."""

    theme: str
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    support: int

    def defined(self) -> tuple[float | None, float | None, float | None]:
        """Precision, recall and F1, each None where there is nothing to divide by (no finding,
        no gold positive): a vacuous 1.0 reads as perfect."""
        found = self.tp + self.fp
        return (self.precision if found else None, self.recall if self.support else None,
                self.f1 if self.support or found else None)  # fmt: skip


@dataclass
class ValidationReport:
    """Per-theme and pooled scores, 95% bootstrap intervals, and every error with evidence."""

    per_theme: list[ThemeScore]
    micro_p: float
    micro_r: float
    micro_f1: float
    macro_p: float
    macro_r: float
    macro_f1: float
    micro_f1_ci: tuple[float, float]
    macro_f1_ci: tuple[float, float]
    false_positives: list[tuple[str, str, str]] = field(default_factory=list)
    false_negatives: list[tuple[str, str, str]] = field(default_factory=list)
    statements: int = 0

    def targets_met(self) -> dict[str, bool]:
        """Each target of issue 3 and whether it is met."""
        targets = {f"micro-F1 >= {MICRO_F1_TARGET:.2f}": self.micro_f1 >= MICRO_F1_TARGET}
        for score in self.per_theme:
            if score.support >= THEME_MIN_SUPPORT:
                name = f"F1 >= {THEME_F1_TARGET:.2f}: {score.theme} ({score.support} positives)"
                targets[name] = score.f1 >= THEME_F1_TARGET
        return targets

    def format(self, *, width: int = 160) -> str:
        """A plain-text report: scores table, pooled figures, targets, then every error."""
        lines = [f"{self.statements} statements, {len(self.per_theme)} themes", ""]
        lines.append(
            f"{'theme':<26}{'gold':>5}{'tp':>5}{'fp':>5}{'fn':>5}{'P':>7}{'R':>7}{'F1':>7}"
        )
        for s in self.per_theme:
            found = s.tp + s.fp
            lines.append(
                f"{s.theme:<26}{s.support:>5}{s.tp:>5}{s.fp:>5}{s.fn:>5}"
                f"{_score(s.precision, found)}{_score(s.recall, s.support)}"
                f"{_score(s.f1, s.support or found)}"
            )
        lines += [
            "",
            _pooled("micro", self.micro_p, self.micro_r, self.micro_f1, self.micro_f1_ci),
            _pooled("macro", self.macro_p, self.macro_r, self.macro_f1, self.macro_f1_ci),
            "",
        ]
        targets = self.targets_met()
        met = sum(targets.values())
        lines.append(
            f"targets: {met} of {len(targets)} met" + (" (all met)" if met == len(targets) else "")
        )
        lines += [f"  [{'x' if ok else ' '}] {name}" for name, ok in targets.items()]
        lines += ["", f"false positives ({len(self.false_positives)}): theme found, not in gold"]
        lines += [_error_line(f, t, e, width) for f, t, e in self.false_positives]
        lines += ["", f"false negatives ({len(self.false_negatives)}): in gold, not found"]
        lines += [_error_line(f, t, e, width) for f, t, e in self.false_negatives]
        return "\n".join(lines)


def _score(value: float, defined: int) -> str:
    """A table cell: '-' where the score is undefined (nothing to divide by), not a vacuous 1.0
    that reads as perfect; as the workbench's report leaves it empty."""
    return f"{value:>7.3f}" if defined else f"{'-':>7}"


def _pooled(name: str, p: float, r: float, f1: float, ci: tuple[float, float]) -> str:
    return f"{name}  P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  (95% CI {ci[0]:.3f}-{ci[1]:.3f})"


def _error_line(file: str, theme: str, evidence: str, width: int) -> str:
    text = " ".join(evidence.split())
    if len(text) > width:
        text = text[: width - 3] + "..."
    return f"  {file}  {theme}: {text or '(no evidence recorded)'}"


# -- gold files ------------------------------------------------------------------------------


def _rows(path: str | Path):
    """(line number, row dict) for each data row; GoldError on a malformed file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise GoldError(f"{file}: cannot read the gold labels ({exc})") from None
    except UnicodeDecodeError:
        raise GoldError(f"{file}: not UTF-8 text: gold labels are a tab-separated text file "
                        "(save it as UTF-8)") from None  # fmt: skip
    reader = csv.DictReader(text.splitlines(keepends=True), delimiter="\t")
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise GoldError(
            f"{file}:1: the header needs the columns file, theme, present (tab-separated); "
            f"missing: {', '.join(missing)}"
        )
    reader.fieldnames = header
    for row in reader:
        # the row's first line: where it ended, less the line breaks read into its cells
        # (DictReader skips blank lines, so counting rows gave the wrong line after one)
        end = reader.line_num
        number = end - sum(v.removesuffix("\n").count("\n")  # a cell open at the end of the
                           for v in row.values() if isinstance(v, str))  # file holds its last break
        if any("\t" in v for v in row.values() if isinstance(v, str)):
            # a tab inside a cell: a double quote opened the cell and the rows after it were
            # read into it (they vanished from the labels without a word)
            raise GoldError(
                f"{file}:{number}: a cell starts with a double quote that is not closed on its "
                f"line, so lines {number + 1}-{end} were read into it; close the quote, double "
                "it (\"\"), or remove it"
            )
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        yield number, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}


def load_gold(path: str | Path) -> dict[str, dict[str, bool]]:
    """File name (no folders) -> theme -> present. GoldError names the file and line at fault."""
    gold: dict[str, dict[str, bool]] = {}
    for number, row in _rows(path):
        name, theme, value = Path(row["file"]).name, row["theme"], row["present"].lower()
        if not name or not theme:
            raise GoldError(f"{path}:{number}: 'file' and 'theme' must not be empty")
        if value not in _TRUE | _FALSE:
            raise GoldError(
                f"{path}:{number}: 'present' must be 1 or 0 (or true/false), got {row['present']!r}"
            )
        present = value in _TRUE
        previous = gold.setdefault(name, {}).get(theme)
        if previous is not None and previous != present:
            raise GoldError(f"{path}:{number}: {name} / {theme} is labelled both 1 and 0")
        gold[name][theme] = present
    if not gold:
        raise GoldError(f"{path}: no gold labels in the file")
    return gold


def load_gold_evidence(path: str | Path) -> dict[tuple[str, str], str]:
    """(file name, theme) -> the coder's quote, for rows marked present with evidence."""
    out: dict[tuple[str, str], str] = {}
    for _, row in _rows(path):
        if row["present"].lower() in _TRUE and row.get("evidence"):
            out[(Path(row["file"]).name, row["theme"])] = row["evidence"]
    return out


# -- scores ----------------------------------------------------------------------------------


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    """Precision, recall, F1; a score with nothing to count is 1.0 (no errors were possible)."""
    p = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    r = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return p, r, f1


def evaluate(
    coded: Mapping[str, Mapping[str, str]],
    gold: Labels,
    *,
    themes: Sequence[str],
    gold_evidence: Mapping[tuple[str, str], str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> ValidationReport:
    """Compare coding with gold labels, statement by statement.

    ``coded`` maps file name -> theme -> evidence text of its first match (themes found only).
    Every gold file must be in ``coded`` (GoldError names those missing). Themes are scored
    where the gold has labels for them; 95% intervals come from resampling statements.
    """
    missing = sorted(set(gold) - set(coded))
    if missing:
        shown = ", ".join(missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise GoldError(f"{len(missing)} gold statement(s) not in the coded set: {shown}")
    files = sorted(gold)
    scored = [t for t in themes if any(t in gold[f] for f in files)]
    counts = np.zeros((len(files), len(scored), 3), dtype=np.int64)  # tp, fp, fn
    fps, fns = [], []
    evidence = gold_evidence or {}
    for i, name in enumerate(files):
        found = coded[name]
        for j, theme in enumerate(scored):
            if theme not in gold[name]:
                continue
            truth, hit = gold[name][theme], theme in found
            if truth and hit:
                counts[i, j, 0] = 1
            elif hit:
                counts[i, j, 1] = 1
                fps.append((name, theme, found[theme]))
            elif truth:
                counts[i, j, 2] = 1
                fns.append((name, theme, evidence.get((name, theme), "")))
    per_theme = []
    for j, theme in enumerate(scored):
        tp, fp, fn = (int(x) for x in counts[:, j].sum(axis=0))
        per_theme.append(ThemeScore(theme, tp, fp, fn, *_prf(tp, fp, fn), support=tp + fn))
    micro = _prf(*counts.sum(axis=(0, 1)))
    macro = _macro(counts.sum(axis=0))
    micro_ci, macro_ci = _bootstrap(counts, n_boot, seed)
    return ValidationReport(
        per_theme=per_theme,
        micro_p=micro[0], micro_r=micro[1], micro_f1=micro[2],
        macro_p=macro[0], macro_r=macro[1], macro_f1=macro[2],
        micro_f1_ci=micro_ci, macro_f1_ci=macro_ci,
        false_positives=fps, false_negatives=fns, statements=len(files),
    )  # fmt: skip


def _macro(theme_counts: np.ndarray) -> tuple[float, float, float]:
    """Means over the themes where each is defined: precision over the themes with a finding,
    recall over those with a gold positive, F1 over those with either. A theme absent from both
    gold and coding has no F1 (counted as 1.0 it lifted the mean: a sample with no gold
    positive at all read micro-F1 0.000 and macro-F1 0.500), and a theme with no gold positive
    has no recall (counted as 0.0 it pulled macro recall down where every theme with a
    positive was found). With no theme to average, the micro figure's convention holds."""
    rows = [tuple(int(x) for x in row) for row in theme_counts]
    tp, fp, fn = (sum(r[i] for r in rows) for i in range(3))
    empty_p, empty_r, _ = _prf(0, fp, fn) if not tp else (1.0, 1.0, 1.0)

    def mean(values: list[float], empty: float) -> float:
        return float(np.mean(values)) if values else empty

    return (mean([_prf(*r)[0] for r in rows if r[0] + r[1]], empty_p),
            mean([_prf(*r)[1] for r in rows if r[0] + r[2]], empty_r),
            mean([_prf(*r)[2] for r in rows if sum(r)], 1.0))  # fmt: skip


def _bootstrap(counts: np.ndarray, n_boot: int, seed: int) -> tuple[tuple[float, float], ...]:
    """95% percentile intervals of micro- and macro-F1, resampling statements."""
    if n_boot <= 0 or not len(counts):
        return (float("nan"), float("nan")), (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, len(counts), size=(n_boot, len(counts)))
    per_theme = counts[samples].sum(axis=1)  # n_boot x themes x 3
    tp, fp, fn = per_theme[..., 0], per_theme[..., 1], per_theme[..., 2]
    denom = 2 * tp + fp + fn
    theme_f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    scored = (denom > 0).sum(axis=1)  # themes with something to score in each resample
    # a resample with nothing to score (no gold positive, no finding: a theme's one positive
    # statement left out) has no F1; it counted as a perfect 1.0, which gave a theme whose one
    # positive was missed (F1 0) the interval 0-1
    macro = np.where(scored > 0, theme_f1.sum(axis=1) / np.maximum(scored, 1), np.nan)
    mtp, mfp, mfn = tp.sum(axis=1), fp.sum(axis=1), fn.sum(axis=1)
    mden = 2 * mtp + mfp + mfn
    micro = np.where(mden > 0, 2 * mtp / np.maximum(mden, 1), np.nan)

    def interval(values: np.ndarray) -> tuple[float, float]:
        if np.isnan(values).all():
            return float("nan"), float("nan")
        low, high = np.nanpercentile(values, [2.5, 97.5])
        return float(low), float(high)

    return interval(micro), interval(macro)


# -- agreement -------------------------------------------------------------------------------


def agreement(labels_a: Labels, labels_b: Labels) -> dict:
    """Agreement of two coders over the (file, theme) pairs both labelled.

    Returns ``pairs``, ``observed`` (share of identical labels), ``kappa`` (Cohen's) and
    ``alpha`` (Krippendorff's, nominal), plus ``only_a``/``only_b``: pairs one coder lacks.
    """
    pairs_a = {(f, t): bool(v) for f, themes in labels_a.items() for t, v in themes.items()}
    pairs_b = {(f, t): bool(v) for f, themes in labels_b.items() for t, v in themes.items()}
    common = sorted(set(pairs_a) & set(pairs_b))
    if not common:
        raise GoldError("the two label sets share no (file, theme) pair")
    a = np.array([pairs_a[k] for k in common], dtype=float)
    b = np.array([pairs_b[k] for k in common], dtype=float)
    n = len(common)
    observed = float((a == b).mean())
    expected = float(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    kappa = 1.0 if expected == 1 else (observed - expected) / (1 - expected)
    values = 2 * n  # Krippendorff: coincidences of two coders, nominal, no missing values
    ones = float(a.sum() + b.sum())
    disagreements = float((a != b).sum())
    expected_pairs = 2 * ones * (values - ones)  # sum over c != k of n_c * n_k
    alpha = 1.0 if expected_pairs == 0 else 1 - (values - 1) * 2 * disagreements / expected_pairs
    return {
        "pairs": n,
        "observed": observed,
        "kappa": float(kappa),
        "alpha": float(alpha),
        "only_a": len(set(pairs_a) - set(pairs_b)),
        "only_b": len(set(pairs_b) - set(pairs_a)),
    }
