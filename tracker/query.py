"""The only reader: filters -> DataFrames and aggregates for the dashboard, exports and benchmarks.

Every function is a plain function of ``(db, filters, ...)`` that opens the database read-only, so
results can be cached on ``(db path, change_marker(db), filters)``. Nothing here writes or imports
streamlit.

Counting rules (the same in every chart):

- a statement is counted once, in the year of its date; duplicates (``duplicate_of`` set) are left
  out unless ``include_duplicates``;
- *share* is the share of the selected statements with at least one match of the theme (of the
  selected match kinds), with a Wilson 95% interval; *rate* is matches per 1,000 words;
- statements in languages the codebook does not cover are left out by default (the codebook would
  find nothing in them) and reported by :func:`left_out`.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import pandas as pd

from tracker.connect import read_only
from tracker.errors import StoreError

KINDS = ("exact", "fuzzy", "proximity", "semantic")
RULE_KINDS = ("exact", "fuzzy", "proximity")  # the codebook's rules; "semantic" is the model's
DIRECTIONS = ("supports", "opposes", "reports")
GROUP_STATEMENT_MODES = ("include", "only", "exclude")
MEASURES = ("share", "rate")
#: Roles of speakers who do not speak for a state (Security Council records and the like).
NON_STATE_ROLES = ("president", "briefer", "secretariat", "chair")
#: z for a 95% interval.
Z95 = 1.959963984540054

#: Labels of the default themes, used when the database holds no readable codebook.
DEFAULT_THEME_LABELS = {
    "militarization": "Militarization of cyberspace and technology",
    "digital_divide": "Digital divide",
    "un_main_channel": "The UN as the main channel",
    "ai_governance": "Governance of AI",
    "cyber_threats": "Cyber attacks and cybercrime",
    "disinformation": "Disinformation and hate speech",
    "capacity_building": "Capacity building and technology transfer",
    "non_interference": "Non-interference and sovereignty",
    "unilateral_sanctions": "Unilateral coercive measures",
    "bloc_confrontation": "Cold War mentality and bloc politics",
    "security_council_reform": "Reform of the Security Council",
    "global_digital_compact": "Pact for the Future and Global Digital Compact",
}

#: Used when ``tracker.countries`` is not available.
_FALLBACK_GROUPS = {"P5": ["CHN", "FRA", "GBR", "RUS", "USA"]}


class QueryError(StoreError):
    """A query cannot be answered (no database, a database of another schema)."""


@dataclass(frozen=True)
class Filters:
    """What the researcher selected. Empty tuples mean "no restriction".

    ``languages=None`` means the languages the active codebook covers (all, when unknown);
    ``()`` means every language.
    """

    themes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    forums: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    date_from: str | None = None  # 'YYYY-MM-DD' (or a prefix of it)
    date_to: str | None = None
    measure: str = "share"
    kinds: tuple[str, ...] = ()
    #: evidence rows of these directions only (empty: all); counts always use counted matches
    directions: tuple[str, ...] = ()
    languages: tuple[str, ...] | None = None
    include_duplicates: bool = False
    include_non_state: bool = False
    #: statements delivered on behalf of a group: "include" them, show "only" them, or "exclude"
    group_statements: str = "include"
    #: with a country or group filter, also count a group statement for the group's members
    count_for_members: bool = False

    def __post_init__(self) -> None:
        for name in ("themes", "countries", "groups", "forums", "kinds", "directions"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, tuple):
                object.__setattr__(self, name, _as_tuple(value))
        if self.languages is not None and not isinstance(self.languages, tuple):
            object.__setattr__(self, "languages", _as_tuple(self.languages))
        if self.group_statements not in GROUP_STATEMENT_MODES:
            raise ValueError(
                f"group_statements={self.group_statements!r}: use one of "
                + ", ".join(GROUP_STATEMENT_MODES)
            )
        if self.measure not in MEASURES:
            raise ValueError(f"measure={self.measure!r}: use one of {', '.join(MEASURES)}")
        bad = [k for k in self.kinds if k not in KINDS]
        if bad:
            raise ValueError(f"kinds={bad!r}: use any of {', '.join(KINDS)}")
        bad = [d for d in self.directions if d not in DIRECTIONS]
        if bad:
            raise ValueError(f"directions={bad!r}: use any of {', '.join(DIRECTIONS)}")

    def to_dict(self) -> dict:
        """JSON-ready form (tuples as lists), for exports and captions."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> Filters:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def describe(self) -> str:
        """A one-line summary for captions: only what restricts the selection (the words of
        :func:`clauses`, the same objects that give the SQL)."""
        words = [c.words for c in clauses(self) if c.words]
        return "; ".join(words) if words else "all statements"


def _as_tuple(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(value)


# -- connection ------------------------------------------------------------------------------


def change_marker(db: str | Path) -> tuple[int, int, int, int]:
    """Changes whenever the database file (or its write-ahead log) changes: a cache key part."""
    path = Path(db)
    marks: list[int] = []
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            st = p.stat()
            marks += [st.st_mtime_ns, st.st_size]
        except OSError:
            marks += [0, 0]
    return tuple(marks)  # type: ignore[return-value]


def database_ready(db: str | Path) -> bool:
    """True when ``db`` exists and holds the tracker's tables."""
    path = Path(db)
    if not path.is_file():
        return False
    try:
        with connect(path) as conn:
            row = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='statement_themes'"
            ).fetchone()
            return row is not None
    except QueryError:
        return False


@contextmanager
def connect(db: str | Path):
    """A read-only connection to ``db`` holding one snapshot: every SELECT made through it sees
    the same committed state, even while an ingest commits (so a chart's counts agree).
    :class:`QueryError` when the database is missing or unreadable."""
    path = Path(db)
    if not path.is_file():
        raise QueryError(f"no database at {path}: add statements first (`tracker ingest PATH`)")
    try:
        conn = read_only(path)
    except sqlite3.Error as exc:
        raise QueryError(f"cannot open database {path}: {exc}") from exc
    try:
        conn.execute("BEGIN")  # a read transaction: one snapshot for the whole block
        yield conn
    except sqlite3.DatabaseError as exc:
        raise QueryError(f"cannot read database {path}: {exc}") from exc
    finally:
        conn.close()


def _frame(conn: sqlite3.Connection, sql: str, params: Sequence = ()) -> pd.DataFrame:
    cur = conn.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return pd.DataFrame.from_records(cur.fetchall(), columns=cols)


# -- the codebook and groups -----------------------------------------------------------------


@dataclass(frozen=True)
class ThemeInfo:
    id: str
    label: str
    definition: str = ""
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodebookInfo:
    version: str
    name: str
    text: str
    path: str
    themes: tuple[ThemeInfo, ...] = ()
    languages: tuple[str, ...] = ()

    def label(self, theme: str) -> str:
        for t in self.themes:
            if t.id == theme:
                return t.label
        return DEFAULT_THEME_LABELS.get(theme, theme)

    def labels(self) -> dict[str, str]:
        out = dict(DEFAULT_THEME_LABELS)
        out.update({t.id: t.label for t in self.themes})
        return out


def codebook_info(db: str | Path) -> CodebookInfo | None:
    """The active codebook: version, text, themes (id, label, definition, rules) and languages."""
    with connect(db) as conn:
        try:
            row = conn.execute(
                "SELECT c.version, c.name, c.text, c.path FROM settings s "
                "JOIN codebooks c ON c.version = s.value WHERE s.key = 'active_codebook'"
            ).fetchone()
        except sqlite3.OperationalError:
            return None
    if not row:
        return None
    version, name, text, path = row
    themes, languages = _parse_codebook(text, path)
    return CodebookInfo(version, name, text, path, themes, languages)


@lru_cache(maxsize=8)
def _parse_codebook(text: str, path: str) -> tuple[tuple[ThemeInfo, ...], tuple[str, ...]]:
    """Themes and languages of a stored codebook, through ``tracker.codebook`` when it can
    (parsed once per codebook text: it is the same for every query)."""
    book = None
    try:
        from tracker import codebook as cb

        for fn_name in ("parse_codebook", "loads_codebook", "codebook_from_text"):
            fn = getattr(cb, fn_name, None)
            if fn is not None:
                try:
                    book = fn(text)
                    break
                except Exception:  # noqa: BLE001  (a stored text the parser rejects)
                    book = None
        if book is None and path and Path(path).is_file():
            try:
                book = cb.load_codebook(path)
            except Exception:  # noqa: BLE001
                book = None
    except ImportError:
        book = None
    if book is not None:
        themes = tuple(
            ThemeInfo(
                t.id,
                getattr(t, "label", t.id) or t.id,
                getattr(t, "definition", "") or "",
                tuple(_rule_texts(t)),
            )
            for t in book.themes
        )
        return themes, tuple(sorted(getattr(book, "languages", ()) or ()))
    return _parse_codebook_text(text)


def _rule_texts(theme) -> list[str]:
    """One readable line per rule: its name, kind and (English first) phrases or term groups."""
    out = []
    for rule in getattr(theme, "rules", ()) or ():
        if isinstance(rule, str):
            out.append(rule)
            continue
        name = getattr(rule, "name", "") or ""
        kind = getattr(rule, "kind", "") or ""
        phrases = getattr(rule, "phrases", {}) or {}
        groups = getattr(rule, "groups", {}) or {}
        body = ""
        if isinstance(phrases, dict) and phrases:
            lang = "en" if "en" in phrases else min(phrases)
            items = list(phrases[lang])
            body = (
                f"[{lang}] "
                + "; ".join(items[:12])
                + (f"; … ({len(items)} in all)" if len(items) > 12 else "")
            )
        elif isinstance(groups, dict) and groups:
            lang = "en" if "en" in groups else min(groups)
            within = getattr(rule, "within", None)
            near = (
                f" within {within} words" if within else " in one sentence (or with the one before)"
            )
            body = (
                f"[{lang}] "
                + " NEAR ".join(
                    "(" + " | ".join(list(g)[:6]) + (" | …" if len(g) > 6 else "") + ")"
                    for g in groups[lang]
                )
                + near
            )
        out.append(f"{name} ({kind}): {body}" if body else f"{name} ({kind})")
    return out


def _parse_codebook_text(text: str) -> tuple[tuple[ThemeInfo, ...], tuple[str, ...]]:
    """Fallback: read ids, labels and languages from YAML/TOML-like text without a parser."""
    themes: list[ThemeInfo] = []
    for m in re.finditer(r"^\s*-?\s*id:\s*[\"']?([a-z0-9_]+)", text, re.MULTILINE):
        tid = m.group(1)
        after = text[m.end() : m.end() + 600]
        label = re.search(r"^\s*label:\s*[\"']?([^\"'\n]+)", after, re.MULTILINE)
        definition = re.search(r"^\s*definition:\s*[\"']?([^\"'\n]+)", after, re.MULTILINE)
        themes.append(
            ThemeInfo(
                tid,
                label.group(1).strip() if label else DEFAULT_THEME_LABELS.get(tid, tid),
                definition.group(1).strip() if definition else "",
            )
        )
    langs = re.search(r"^languages:\s*\[([^\]]*)\]", text, re.MULTILINE)
    languages = tuple(x.strip(" '\"") for x in langs.group(1).split(",")) if langs else ()
    return tuple(themes), tuple(x for x in languages if x)


def all_groups() -> list[str]:
    """Names of the country groups (UN regional groups, P5, EU, G77...)."""
    try:
        from tracker.countries import all_groups as groups

        return list(groups())
    except ImportError:
        return sorted(_FALLBACK_GROUPS)


def group_members(group: str) -> list[str]:
    """ISO3 codes of a group's members; an unknown group raises ``ValueError`` naming the groups."""
    try:
        from tracker.countries import group_members as members

        return list(members(group))
    except ImportError:
        if group in _FALLBACK_GROUPS:
            return list(_FALLBACK_GROUPS[group])
        raise ValueError(
            f"group={group!r} is unknown: use one of {', '.join(sorted(_FALLBACK_GROUPS))}"
        ) from None


# -- the selection ---------------------------------------------------------------------------


def resolve_languages(db: str | Path, filters: Filters) -> tuple[str, ...]:
    """The languages a filter selects: ``None`` becomes the active codebook's languages."""
    if filters.languages is not None:
        return filters.languages
    info = codebook_info(db)
    return info.languages if info else ()


def _countries(filters: Filters) -> set[str] | None:
    if not filters.countries and not filters.groups:
        return None
    chosen = set(filters.countries)
    for g in filters.groups:
        chosen.update(group_members(g))
    return chosen


@lru_cache(maxsize=1)
def _group_statement_keys() -> dict[str, str]:
    """Group name as stored in ``on_behalf_of`` -> its key in the membership table."""
    import csv

    path = Path(__file__).resolve().parent / "data" / "group_statements.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["name"]: row["group_key"] for row in csv.DictReader(fh) if row["group_key"]}


def _groups_with_members(countries: set[str]) -> list[str]:
    """Names of the groups (as in ``on_behalf_of``) with at least one of ``countries`` as member."""
    names = []
    for name, key in _group_statement_keys().items():
        try:
            members = set(group_members(key))
        except ValueError:
            continue
        if members & countries:
            names.append(name)
    return sorted(names)


# -- each filter's SQL and words, from one place ---------------------------------------------


@dataclass(frozen=True)
class Clause:
    """One filter's part of a selection: a condition on the statements (``on="statements"``,
    alias ``s``) or on their matches (``on="matches"``, alias ``m``) with its parameters, and
    the words a caption uses for it. Either may be empty: a default restriction has SQL and no
    words (duplicates left out), a lifted one has words and no SQL (duplicates included)."""

    sql: str = ""
    params: tuple = ()
    words: str = ""
    on: str = "statements"


@dataclass(frozen=True)
class Scope:
    """What a clause needs besides the filters: the languages the selection resolves to
    (``None`` when only the words are wanted), the table aliases, and whether the database
    stores match directions."""

    languages: tuple[str, ...] | None = None
    statements: str = "s"
    matches: str = "m"
    stance: bool = True


def _in(column: str, values: Sequence) -> str:
    return f"{column} IN ({','.join('?' * len(values))})"


def _themes_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    if f.themes:
        yield Clause(_in(f"{scope.matches}.theme", f.themes), f.themes,
                     "themes: " + ", ".join(f.themes), on="matches")  # fmt: skip


def _place_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    """Countries and groups (their members), and group statements counted for those members."""
    chosen = _countries(f)
    if chosen is None:
        return
    a = scope.statements + "."
    words = [("countries: " + ", ".join(f.countries)) if f.countries else "",
             ("groups: " + ", ".join(f.groups)) if f.groups else ""]  # fmt: skip
    sql, params = _in(f"{a}country", chosen), sorted(chosen)
    if f.count_for_members:
        words.append("group statements counted for members")
        spoken_for = _groups_with_members(chosen)
        if spoken_for:
            sql = f"({sql} OR {_in(a + 'on_behalf_of', spoken_for)})"
            params += spoken_for
    yield Clause(sql, tuple(params), "; ".join(w for w in words if w))


def _forums_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    if f.forums:
        yield Clause(_in(f"{scope.statements}.forum", f.forums), f.forums,
                     "forums: " + ", ".join(f.forums))  # fmt: skip


def _years_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    if f.year_from is None and f.year_to is None:
        return
    a = scope.statements + "."
    conds, params = [], []
    if f.year_from is not None:
        conds.append(f"{a}year >= ?")
        params.append(int(f.year_from))
    if f.year_to is not None:
        conds.append(f"{a}year <= ?")
        params.append(int(f.year_to))
    yield Clause(" AND ".join(conds), tuple(params), f"years {f.year_from or '…'}–{f.year_to or '…'}")


def _dates_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    """A partial date (``2024``, ``2024-09``) is selected only when the range covers its whole
    period."""
    if not (f.date_from or f.date_to):
        return
    column = scope.statements + ".date"
    conds, params = [], []
    if f.date_from:
        conds.append(f"{column} != '' AND {_period_sql(column, 'first')} >= ?")
        params.append(_period_bound(f.date_from, "first"))
    if f.date_to:
        conds.append(f"{column} != '' AND {_period_sql(column, 'last')} <= ?")
        params.append(_period_bound(f.date_to, "last"))
    yield Clause(" AND ".join(conds), tuple(params), f"dates {f.date_from or '…'}–{f.date_to or '…'}")


def _kinds_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    """Evidence rows of the chosen kinds (counts use :func:`_kind_expr` on the per-theme sums)."""
    if f.kinds and set(f.kinds) != set(KINDS):
        yield Clause(_in(f"{scope.matches}.kind", f.kinds), f.kinds,
                     "match kinds: " + ", ".join(f.kinds), on="matches")  # fmt: skip


def _directions_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    if f.directions and set(f.directions) != set(DIRECTIONS):
        words = "evidence directions: " + ", ".join(f.directions)
        if scope.stance:  # a database from before directions: every match supports
            yield Clause(_in(f"{scope.matches}.direction", f.directions), f.directions, words,
                         on="matches")  # fmt: skip
        else:
            yield Clause(words=words, on="matches")


def _languages_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    """The words say what the researcher chose (nothing for the codebook's languages, the
    default); the SQL uses the languages that resolves to."""
    words = ("languages: " + ", ".join(f.languages) if f.languages
             else "all languages" if f.languages == () else "")  # fmt: skip
    langs = scope.languages if scope.languages is not None else (f.languages or ())
    if langs:
        yield Clause(_in(f"{scope.statements}.language", langs), tuple(langs), words)
    elif words:
        yield Clause(words=words)


def _duplicates_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    if f.include_duplicates:
        yield Clause(words="duplicates included")
    else:
        yield Clause(f"{scope.statements}.duplicate_of IS NULL")


def _non_state_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    if f.include_non_state:
        yield Clause(words="non-state speakers included")
    else:
        a = scope.statements + "."
        marks = ",".join("?" * len(NON_STATE_ROLES))
        yield Clause(f"{a}country != '' AND {a}role NOT IN ({marks})", NON_STATE_ROLES)


def _group_statements_clause(f: Filters, scope: Scope) -> Iterator[Clause]:
    a = scope.statements + "."
    if f.group_statements == "only":
        yield Clause(f"{a}on_behalf_of != ''", words="group statements: only")
    elif f.group_statements == "exclude":
        yield Clause(f"{a}on_behalf_of = ''", words="group statements: exclude")


#: Every filter, in the order a caption names them.
FILTER_CLAUSES: tuple[Callable[[Filters, Scope], Iterator[Clause]], ...] = (
    _themes_clause, _place_clause, _forums_clause, _years_clause, _dates_clause, _kinds_clause,
    _directions_clause, _languages_clause, _duplicates_clause, _non_state_clause,
    _group_statements_clause,
)  # fmt: skip


def clauses(filters: Filters, scope: Scope | None = None) -> list[Clause]:
    """Every filter's :class:`Clause` for ``filters``: the SQL and the words from one place."""
    scope = scope or Scope()
    return [c for make in FILTER_CLAUSES for c in make(filters, scope)]


def _conditions(found: Iterable[Clause], on: str) -> tuple[list[str], list]:
    conds, params = [], []
    for c in found:
        if c.on == on and c.sql:
            conds.append(c.sql)
            params += c.params
    return conds, params


def _where(filters: Filters, languages: Sequence[str], alias: str = "s") -> tuple[str, list]:
    """SQL conditions selecting the statements of ``filters`` (themes, kinds and directions,
    which restrict matches, aside), with their parameters."""
    scope = Scope(languages=tuple(languages), statements=alias)
    conds, params = _conditions(clauses(filters, scope), "statements")
    return (" AND ".join(conds) if conds else "1"), params


def _match_where(filters: Filters, *, stance: bool, alias: str = "m") -> tuple[list[str], list]:
    """SQL conditions on the matches (alias ``m``) of ``filters``: themes, kinds, directions."""
    return _conditions(clauses(filters, Scope(matches=alias, stance=stance)), "matches")


def _period_sql(column: str, end: str) -> str:
    """SQL for the first or last day of a stored date's period (``YYYY``, ``YYYY-MM`` or a day)."""
    if end == "first":
        return (f"(CASE length({column}) WHEN 4 THEN {column} || '-01-01' "
                f"WHEN 7 THEN {column} || '-01' ELSE {column} END)")  # fmt: skip
    return (f"(CASE length({column}) WHEN 4 THEN {column} || '-12-31' "
            f"WHEN 7 THEN date({column} || '-01', '+1 month', '-1 day') ELSE {column} END)")  # fmt: skip


def _period_bound(value: str, end: str) -> str:
    """A filter's date (``YYYY-MM-DD``, or a prefix of it) as the first or last day it names."""
    value = value.strip()
    if len(value) == 4:
        return value + ("-01-01" if end == "first" else "-12-31")
    if len(value) == 7:
        if end == "first":
            return value + "-01"
        year, month = int(value[:4]), int(value[5:7])
        nxt = date(year + month // 12, month % 12 + 1, 1)
        return (nxt - timedelta(days=1)).isoformat()
    return value


_WITH_STANCE: set[str] = set()  # databases seen migrated (a column is never dropped again)


def _has_stance(db: str | Path) -> bool:
    """Whether the database has match directions and semantic counts (migration 0004)."""
    if str(db) in _WITH_STANCE:
        return True
    with connect(db) as conn:
        found = any(r[1] == "direction" for r in conn.execute("PRAGMA table_info(matches)"))
    if found:
        _WITH_STANCE.add(str(db))
    return found


def _stance_columns(db: str | Path) -> str:
    if _has_stance(db):
        return "m.direction, m.counted, m.reason"
    return "'supports' AS direction, 1 AS counted, '' AS reason"


def _kind_expr(filters: Filters, alias: str = "t") -> str:
    kinds = filters.kinds or KINDS
    if set(kinds) == set(KINDS):
        return f"{alias}.matches"
    return "(" + " + ".join(f"{alias}.{k}" for k in kinds) + ")"


def _theme_list(conn: sqlite3.Connection, filters: Filters) -> list[str]:
    if filters.themes:
        return list(filters.themes)
    return [r[0] for r in conn.execute("SELECT DISTINCT theme FROM statement_themes ORDER BY 1")]


def wilson(k, n, z: float = Z95):
    """Wilson score interval for k successes of n (arrays or scalars); NaN where n is 0."""
    k = pd.Series(k, dtype="float64") if not isinstance(k, pd.Series) else k.astype("float64")
    n = pd.Series(n, dtype="float64") if not isinstance(n, pd.Series) else n.astype("float64")
    safe_n = n.where(n > 0)
    p = k / safe_n
    denom = 1 + z * z / safe_n
    centre = (p + z * z / (2 * safe_n)) / denom
    half = z * ((p * (1 - p) / safe_n + z * z / (4 * safe_n * safe_n)) ** 0.5) / denom
    low = (centre - half).clip(lower=0).where(k > 0, 0.0).where(n > 0)
    high = (centre + half).clip(upper=1).where(k < n, 1.0).where(n > 0)
    return low, high


def newcombe(k1, n1, k2, n2, z: float = Z95):
    """Newcombe's hybrid score interval (method 10) for the difference ``k1/n1 - k2/n2`` of two
    independent proportions, built from each side's Wilson interval; NaN where a side has no
    statements."""
    k1, n1, k2, n2 = (pd.Series(x, dtype="float64").reset_index(drop=True) for x in (k1, n1, k2, n2))
    p1, p2 = k1 / n1.where(n1 > 0), k2 / n2.where(n2 > 0)
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p1 - p2
    low = d - ((p1 - l1) ** 2 + (u2 - p2) ** 2) ** 0.5
    high = d + ((u1 - p1) ** 2 + (p2 - l2) ** 2) ** 0.5
    return low.clip(lower=-1.0), high.clip(upper=1.0)


def _finish(df: pd.DataFrame, filters: Filters, labels: dict[str, str]) -> pd.DataFrame:
    """Add share, its interval, rate, the chosen measure and labels to counted rows."""
    df["k"] = df["k"].fillna(0).astype(int)
    df["matches"] = df["matches"].fillna(0).astype(int)
    df["n"] = df["n"].astype(int)
    df["words"] = df["words"].fillna(0).astype(int)
    df["share"] = (df["k"] / df["n"].where(df["n"] > 0)).astype("float64")
    low, high = wilson(df["k"], df["n"])
    df["ci_low"] = low.to_numpy()
    df["ci_high"] = high.to_numpy()
    df["rate"] = (df["matches"] * 1000 / df["words"].where(df["words"] > 0)).astype("float64")
    df["value"] = df[filters.measure]
    if "theme" in df:
        df["theme_label"] = df["theme"].map(lambda t: labels.get(t, t))
    return df


def _labels(db: str | Path) -> dict[str, str]:
    info = codebook_info(db)
    return info.labels() if info else dict(DEFAULT_THEME_LABELS)


def _counts(db, filters: Filters, dims: Sequence[str]) -> pd.DataFrame:
    """Counted rows per ``dims`` (a subset of year, country) x theme: n, words, k, matches."""
    languages = resolve_languages(db, filters)
    where, params = _where(filters, languages)
    dim_sql = ", ".join(f"s.{d}" for d in dims)
    group = f"GROUP BY {dim_sql}" if dims else ""
    with connect(db) as conn:
        themes = _theme_list(conn, filters)
        base = _frame(
            conn,
            f"SELECT {dim_sql + ', ' if dims else ''}COUNT(*) AS n, SUM(s.words) AS words "
            f"FROM statements s WHERE {where} {group}",
            params,
        )
        if not themes:
            counted = pd.DataFrame(columns=[*dims, "theme", "k", "matches"])
        else:
            kexpr = _kind_expr(filters)
            tmarks = ",".join("?" * len(themes))
            counted = _frame(
                conn,
                f"SELECT {dim_sql + ', ' if dims else ''}t.theme AS theme, COUNT(*) AS k, "
                f"SUM({kexpr}) AS matches FROM statements s "
                f"JOIN statement_themes t ON t.statement_id = s.id "
                f"WHERE {where} AND t.theme IN ({tmarks}) AND {kexpr} > 0 "
                f"GROUP BY {dim_sql + ', ' if dims else ''}t.theme",
                [*params, *themes],
            )
    if dims:
        base = base.dropna(subset=[d for d in dims if d == "year"])
    if base.empty or (dims and base["n"].sum() == 0) or (not dims and not base["n"].iloc[0]):
        return pd.DataFrame(columns=[*dims, "theme", "n", "words", "k", "matches"])
    if not themes:  # statements, but no theme matched anywhere yet
        return pd.DataFrame(columns=[*dims, "theme", "n", "words", "k", "matches"])
    grid = base.merge(pd.DataFrame({"theme": themes}), how="cross")
    out = grid.merge(counted, on=[*dims, "theme"], how="left")
    return out


# -- aggregates --------------------------------------------------------------------------------

TREND_COLUMNS = [
    "year", "theme", "theme_label", "n", "k", "share", "ci_low", "ci_high", "matches", "words",
    "rate", "value",
]  # fmt: skip


def trends(db: str | Path, filters: Filters, *, by_country: bool = False) -> pd.DataFrame:
    """Per year x theme (x country): statements ``n``, statements with the theme ``k``, ``share``
    with its Wilson interval (``ci_low``, ``ci_high``), ``matches``, ``words``, ``rate`` per 1,000
    words and ``value`` (the filter's measure). Statements without a year are left out."""
    dims = ["year", "country"] if by_country else ["year"]
    df = _counts(db, filters, dims)
    cols = [*(["country"] if by_country else []), *TREND_COLUMNS]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["year"] = df["year"].astype(int)
    df = _finish(df, filters, _labels(db))
    return df[cols].sort_values([*dims, "theme"]).reset_index(drop=True)


def country_theme_matrix(db: str | Path, filters: Filters) -> pd.DataFrame:
    """Per country x theme over the whole selected period: n, k, share (+ interval), matches,
    words, rate, value; with ``country_name``."""
    df = _counts(db, filters, ["country"])
    cols = ["country", "country_name", *TREND_COLUMNS[1:]]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df = _finish(df, filters, _labels(db))
    names = country_names(db)
    df["country_name"] = df["country"].map(lambda c: names.get(c) or c)
    return df[cols].sort_values(["country", "theme"]).reset_index(drop=True)


def theme_totals(db: str | Path, filters: Filters) -> pd.DataFrame:
    """One row per theme over the whole selection."""
    df = _counts(db, filters, [])
    if df.empty:
        return pd.DataFrame(columns=TREND_COLUMNS[1:])
    return _finish(df, filters, _labels(db))[TREND_COLUMNS[1:]].reset_index(drop=True)


RANK_ORDERS = ("lower", "value")


def ranking(
    db: str | Path, filters: Filters, theme: str, *, min_statements: int = 1,
    top: int | None = None, order: str = "value",
) -> pd.DataFrame:  # fmt: skip
    """Countries ranked for one theme: by the filter's measure (``order="value"``, ties broken by
    statements), or by the lower end of the share's 95% interval (``order="lower"``: a share
    resting on few statements ranks below the same share on many). ``rank`` is the position;
    countries with the same key share a ``place`` (1, 2, 2, 4) and are marked ``tied``."""
    if order not in RANK_ORDERS:
        raise ValueError(f"order={order!r}: use one of {', '.join(RANK_ORDERS)}")
    df = country_theme_matrix(db, replace(filters, themes=(theme,)))
    df = df[df["n"] >= min_statements]
    by_lower = order == "lower" and filters.measure == "share"
    keys = ["ci_low", "value"] if by_lower else ["value"]
    df = df.sort_values([*keys, "k", "n"], ascending=False, na_position="last")
    df = df.reset_index(drop=True)
    key = pd.Series(["|".join(f"{v:.12g}" for v in row) for row in df[keys].itertuples(index=False)],
                    index=df.index, dtype=object)  # fmt: skip
    position = pd.Series(range(1, len(df) + 1), index=df.index, dtype=int)
    df.insert(0, "rank", position)
    df["place"] = position.groupby(key).transform("min").astype(int)
    df["tied"] = key.map(key.value_counts()).astype(int) > 1
    return df.head(top) if top else df


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a country (ISO3), a group name, or a set of countries."""

    label: str
    countries: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: str) -> Side:
        """``"CHN"`` (a country), ``"group:P5"`` (a group) or ``"USA,GBR,FRA"`` (a set)."""
        value = value.strip()
        if value.startswith("group:"):
            return cls(value[6:], groups=(value[6:],))
        codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
        return cls(value, countries=codes)


def compare(db: str | Path, filters: Filters, a: Side, b: Side) -> dict[str, pd.DataFrame]:
    """Two sides over time and per theme, with the difference ``a - b`` of the measure.

    Returns ``{"trends": rows per side x year x theme, "themes": rows per theme with
    value_a, value_b, diff (and n/k of each side)}``. The sides replace the filter's countries.
    """
    frames, totals = [], []
    for side in (a, b):
        f = replace(filters, countries=side.countries, groups=side.groups)
        t = trends(db, f)
        t.insert(0, "side", side.label)
        frames.append(t)
        tot = theme_totals(db, f)
        tot.insert(0, "side", side.label)
        totals.append(tot)
    tr = pd.concat(frames, ignore_index=True) if any(len(x) for x in frames) else frames[0]
    ta, tb = totals
    keep = ["theme", "theme_label", "n", "k", "share", "ci_low", "ci_high", "matches", "rate",
            "value"]  # fmt: skip
    merged = ta[keep].merge(
        tb[keep], on=["theme", "theme_label"], how="outer", suffixes=("_a", "_b")
    )
    merged["diff"] = merged["value_a"] - merged["value_b"]
    if filters.measure == "share":  # Newcombe's interval of the difference of the two shares
        low, high = newcombe(merged["k_a"], merged["n_a"], merged["k_b"], merged["n_b"])
        merged["diff_low"], merged["diff_high"] = low.to_numpy(), high.to_numpy()
    else:
        merged["diff_low"] = merged["diff_high"] = float("nan")
    merged.insert(0, "side_b", b.label)
    merged.insert(0, "side_a", a.label)
    # per year difference (only years both sides have)
    yd = yearly_difference(tr, a.label, b.label, measure=filters.measure)
    return {"trends": tr, "themes": merged, "yearly_diff": yd}


def smooth_years(df: pd.DataFrame, *, window: int, measure: str = "share",
                 by: Sequence[str] = ("theme",)) -> pd.DataFrame:  # fmt: skip
    """Rows per year (from :func:`trends` or ``compare()["trends"]``) pooled over a centred
    ``window`` of years within each ``by`` group: a year's ``k``, ``n``, ``matches`` and
    ``words`` become the sums over the years ``year - window // 2 .. year + window // 2`` that
    have statements, and the share, its Wilson interval, the rate and ``value`` are computed from
    the pooled counts. ``span`` names the years pooled. ``window`` 1 returns the rows unchanged."""
    if window <= 1 or df is None or df.empty:
        return df
    half = window // 2
    out = []
    for _, g in df.groupby(list(by), sort=False):
        g = g.sort_values("year").reset_index(drop=True)
        years = g["year"].to_numpy()
        rows = g.copy()
        for col in ("k", "n", "matches", "words"):
            values = g[col].to_numpy()
            rows[col] = [int(values[(years >= y - half) & (years <= y + half)].sum()) for y in years]
        rows["span"] = [
            f"{years[(years >= y - half) & (years <= y + half)].min()}–"
            f"{years[(years >= y - half) & (years <= y + half)].max()}"
            for y in years
        ]
        out.append(rows)
    res = pd.concat(out, ignore_index=True)
    res["share"] = (res["k"] / res["n"].where(res["n"] > 0)).astype("float64")
    low, high = wilson(res["k"], res["n"])
    res["ci_low"], res["ci_high"] = low.to_numpy(), high.to_numpy()
    res["rate"] = (res["matches"] * 1000 / res["words"].where(res["words"] > 0)).astype("float64")
    res["value"] = res[measure]
    return res


def yearly_difference(tr: pd.DataFrame, a: str, b: str, *, measure: str = "share") -> pd.DataFrame:
    """Per year and theme where both sides have statements: each side's ``k``, ``n`` and value,
    the difference ``diff`` (``a - b``) and, for shares, Newcombe's 95% interval of the
    difference (``diff_low``, ``diff_high``)."""
    cols = ["year", "theme", "k_a", "n_a", "value_a", "k_b", "n_b", "value_b", "diff",
            "diff_low", "diff_high"]  # fmt: skip
    if tr is None or tr.empty or a == b:
        return pd.DataFrame(columns=cols)
    keep = ["year", "theme", "k", "n", "value"]
    sa, sb = tr[tr["side"] == a][keep], tr[tr["side"] == b][keep]
    m = sa.merge(sb, on=["year", "theme"], suffixes=("_a", "_b"))
    m = m[(m["n_a"] > 0) & (m["n_b"] > 0)].reset_index(drop=True)
    if m.empty:
        return pd.DataFrame(columns=cols)
    m["diff"] = m["value_a"] - m["value_b"]
    if measure == "share":
        low, high = newcombe(m["k_a"], m["n_a"], m["k_b"], m["n_b"])
        m["diff_low"], m["diff_high"] = low.to_numpy(), high.to_numpy()
    else:
        m["diff_low"] = m["diff_high"] = float("nan")
    return m[cols].sort_values(["year", "theme"]).reset_index(drop=True)


# -- evidence ----------------------------------------------------------------------------------


def _printable(text: str) -> str:
    """Control characters (NUL ends a string inside SQLite) as spaces."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)


def fts_query(text: str) -> str:
    """User text as a safe FTS5 query: every word quoted (so ``AND``, ``"``, ``*``, ``:``, ``(``
    are plain text), joined by AND; a trailing ``*`` on a word keeps its prefix search."""
    terms = []
    for raw in _printable(text).split():
        prefix = raw.endswith("*") and len(raw.rstrip("*")) > 0
        word = raw.rstrip("*") if prefix else raw
        if not re.search(r"\w", word):
            continue
        terms.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms)


#: Seconds a full-text search may run before it is stopped with :class:`QueryTimeout`: a
#: crafted prefix search (``t* t* t* ...``) otherwise costs seconds per view on a large corpus.
SEARCH_TIME_LIMIT = 5.0


class QueryTimeout(QueryError):
    """A search ran longer than :data:`SEARCH_TIME_LIMIT` and was stopped."""


@contextmanager
def _time_limit(conn: sqlite3.Connection, active: bool = True):
    """Interrupt what runs on ``conn`` inside the block after ``SEARCH_TIME_LIMIT`` seconds."""
    if not active:
        yield
        return
    limit = SEARCH_TIME_LIMIT
    deadline = time.monotonic() + limit
    # SQLite calls the handler every 10,000 virtual-machine steps; a true answer interrupts
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "interrupted" not in str(exc):
            raise
        raise QueryTimeout(
            f"the search took longer than {limit:g} s and was stopped: use longer words, or "
            "fewer words with a trailing *"
        ) from None
    finally:
        conn.set_progress_handler(None, 0)


EVIDENCE_COLUMNS = [
    "country", "country_name", "date", "year", "theme", "theme_label", "passage", "hl_start",
    "hl_end", "matched_text", "score", "rule", "kind", "statement_id", "passage_id", "match_id",
    "forum", "speaker", "source", "direction", "counted", "reason",
]  # fmt: skip


def evidence(
    db: str | Path,
    filters: Filters,
    *,
    theme: str | None = None,
    year: int | None = None,
    country: str | None = None,
    search: str = "",
    sort: str = "date",
    limit: int = 500,
    offset: int = 0,
) -> pd.DataFrame:
    """Keyword-in-context rows behind a number: one row per match, with its passage and the
    match's offsets *within the passage* (``hl_start``, ``hl_end``), restricted by the filters,
    and optionally one theme, year and country (a clicked point or cell) and a full-text search
    over passages. ``sort``: ``date`` (newest first), ``score``, ``country``."""
    found = _evidence_where(db, filters, theme, year, country, search)
    if found is None:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    conds, params = found
    order = {
        "date": "s.date DESC, s.country, m.start",
        "score": "m.score DESC, s.date DESC",
        "country": "s.country, s.date DESC, m.start",
    }.get(sort, "s.date DESC, s.country, m.start")
    sql = (
        "SELECT s.country, s.country_name, s.date, s.year, m.theme, p.text AS passage, "
        'm.start - p.start AS hl_start, m."end" - p.start AS hl_end, m.matched_text, m.score, '
        "m.rule, m.kind, s.id AS statement_id, m.passage_id, m.id AS match_id, s.forum, "
        f"s.speaker, s.source, {_stance_columns(db)} FROM matches m "
        "JOIN statements s ON s.id = m.statement_id "
        "LEFT JOIN passages p ON p.id = m.passage_id "
        f"WHERE {' AND '.join(conds)} ORDER BY {order} LIMIT ? OFFSET ?"
    )
    with connect(db) as conn, _time_limit(conn, bool(search)):
        df = _frame(conn, sql, [*params, int(limit), int(offset)])
        _widen_spilled(conn, df)
    if df.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    labels = _labels(db)
    df["theme_label"] = df["theme"].map(lambda t: labels.get(t, t))
    df["passage"] = df["passage"].fillna(df["matched_text"])
    length = df["passage"].str.len()
    df["hl_start"] = df["hl_start"].fillna(0).clip(lower=0).astype(int)
    df["hl_start"] = df["hl_start"].where(df["hl_start"] <= length, 0)
    df["hl_end"] = df["hl_end"].fillna(length).clip(upper=length).astype(int)
    df["hl_end"] = df[["hl_start", "hl_end"]].max(axis=1)
    return df[EVIDENCE_COLUMNS]


def _widen_spilled(conn: sqlite3.Connection, df: pd.DataFrame) -> None:
    """A match that runs past the end of its passage (across sentences) gets, as its passage,
    the clean text from its passage's start to the end of the last sentence it reaches."""
    if df.empty:
        return
    length = df["passage"].fillna("").str.len()
    for i in df.index[df["hl_end"].notna() & (df["hl_end"] > length)]:
        row = conn.execute(
            'SELECT substr(t.clean_text, p.start + 1, COALESCE((SELECT MAX(q."end") FROM passages q '
            "WHERE q.statement_id = p.statement_id AND q.start < p.start + ?), p.\"end\") - p.start) "
            "FROM passages p JOIN statement_texts t ON t.statement_id = p.statement_id "
            "WHERE p.id = ?",
            (int(df.at[i, "hl_end"]), int(df.at[i, "passage_id"])),
        ).fetchone()
        if row and row[0]:
            df.at[i, "passage"] = row[0]


def _evidence_where(db, filters: Filters, theme, year, country, search):
    """The conditions shared by :func:`evidence` and :func:`evidence_count` (so the count always
    describes the rows): ``(conditions, params)``, or None when the search holds no word."""
    q = fts_query(search) if search else ""
    if search and not q:
        return None
    where, params = _where(filters, resolve_languages(db, filters))
    chosen = replace(filters, themes=(theme,)) if theme else filters
    on_matches, match_params = _match_where(chosen, stance=_has_stance(db))
    conds, params = [where, *on_matches], [*params, *match_params]
    if year is not None:
        conds.append("s.year = ?")
        params.append(int(year))
    if country:
        conds.append("s.country = ?")
        params.append(country)
    if q:
        conds.append("m.passage_id IN (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?)")
        params.append(q)
    return conds, params


def evidence_count(
    db: str | Path, filters: Filters, *, theme=None, year=None, country=None, search=""
) -> int:
    """How many evidence rows :func:`evidence` would return without a limit."""
    found = _evidence_where(db, filters, theme, year, country, search)
    if found is None:
        return 0
    conds, params = found
    with connect(db) as conn, _time_limit(conn, bool(search)):
        return conn.execute(
            "SELECT COUNT(*) FROM matches m JOIN statements s ON s.id = m.statement_id "
            f"WHERE {' AND '.join(conds)}",
            params,
        ).fetchone()[0]


#: Above this many passages holding the words, search results are not ranked by relevance.
RANK_LIMIT = 5000

SEARCH_COLUMNS = [
    "country", "country_name", "date", "year", "passage", "statement_id", "passage_id", "themes",
    "forum", "source",
]  # fmt: skip


def search_passages(
    db: str | Path, filters: Filters, text: str, *, limit: int = 200, offset: int = 0
) -> pd.DataFrame:
    """Full-text search over all passages of the selected statements (matched or not), best
    first (newest first when over ``RANK_LIMIT`` passages hold the words: ``df.attrs["ranked"]``
    says which); ``themes`` lists the themes matched in each passage. User text is escaped."""
    q = fts_query(text)
    if not q:
        return pd.DataFrame(columns=SEARCH_COLUMNS)
    languages = resolve_languages(db, filters)
    where, params = _where(filters, languages)
    sql = (
        "SELECT s.country, s.country_name, s.date, s.year, p.text AS passage, "
        "s.id AS statement_id, p.id AS passage_id, s.forum, s.source "
        "FROM passages_fts f JOIN passages p ON p.id = f.rowid "
        "JOIN statements s ON s.id = p.statement_id "
        f"WHERE passages_fts MATCH ? AND {where} ORDER BY {{order}} LIMIT ? OFFSET ?"
    )
    with connect(db) as conn, _time_limit(conn):
        # ranking (bm25) costs a pass over every hit: for words in thousands of passages the
        # latest passages come first instead
        hits = conn.execute(
            "SELECT COUNT(*) FROM (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? "
            f"LIMIT {RANK_LIMIT + 1})",
            (q,),
        ).fetchone()[0]
        ranked = hits <= RANK_LIMIT
        order = "f.rank" if ranked else "f.rowid DESC"
        df = _frame(conn, sql.format(order=order), [q, *params, int(limit), int(offset)])
        if df.empty:
            return pd.DataFrame(columns=SEARCH_COLUMNS)
        # the themes matched in each passage found (through the statements' index)
        sids = sorted({int(x) for x in df["statement_id"]})
        found: dict[int, set[str]] = {}
        for i in range(0, len(sids), 500):
            chunk = sids[i : i + 500]
            for pid, theme in conn.execute(
                f"SELECT passage_id, theme FROM matches WHERE statement_id IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            ):
                found.setdefault(pid, set()).add(theme)
    df["themes"] = [", ".join(sorted(found.get(int(pid), ()))) for pid in df["passage_id"]]
    df.attrs["ranked"] = ranked
    return df[SEARCH_COLUMNS]


# -- one statement -----------------------------------------------------------------------------


@dataclass
class StatementDetail:
    id: int
    metadata: dict
    provenance: dict[str, str]
    text: str
    matches: pd.DataFrame
    passages: pd.DataFrame
    flags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # statements marked as copies of this one


def statement_detail(db: str | Path, statement_id: int) -> StatementDetail | None:
    """A statement's clean text, all its matches (offsets into the text), its passages, its
    metadata with where each value came from, and its source; ``None`` when unknown."""
    with connect(db) as conn:
        cur = conn.execute("SELECT * FROM statements WHERE id = ?", (int(statement_id),))
        row = cur.fetchone()
        if row is None:
            return None
        meta = dict(zip([d[0] for d in cur.description], row))
        text_row = conn.execute(
            "SELECT clean_text FROM statement_texts WHERE statement_id = ?", (int(statement_id),)
        ).fetchone()
        matches = _frame(
            conn,
            'SELECT m.id, m.theme, m.rule, m.kind, m.score, m.start, m."end", m.matched_text, '
            f"m.passage_id, {_stance_columns(db)} "
            'FROM matches m WHERE m.statement_id = ? ORDER BY m.start, m."end"',
            (int(statement_id),),
        )
        passages = _frame(
            conn,
            'SELECT id, seq, start, "end", paragraph FROM passages WHERE statement_id = ? '
            "ORDER BY seq",
            (int(statement_id),),
        )
        dups = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM statements WHERE duplicate_of = ? ORDER BY id", (int(statement_id),)
            )
        ]
    try:
        provenance = json.loads(meta.get("provenance") or "{}")
    except json.JSONDecodeError:
        provenance = {}
    labels = _labels(db)
    if len(matches):
        matches["theme_label"] = matches["theme"].map(lambda t: labels.get(t, t))
    return StatementDetail(
        id=int(statement_id),
        metadata=meta,
        provenance=provenance,
        text=text_row[0] if text_row else "",
        matches=matches,
        passages=passages,
        flags=[f for f in (meta.get("flags") or "").split(",") if f],
        warnings=[w for w in (meta.get("warnings") or "").split("\n") if w],
        duplicates=dups,
    )


def highlight_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> list[tuple[str, str]]:
    """Split ``text`` into ``(piece, theme)`` pieces, theme ``""`` outside matches; overlapping
    spans are merged into the first one's theme. For highlighting without raw HTML."""
    spans = sorted((max(0, s), min(len(text), e), t) for s, e, t in spans if e > s)
    out: list[tuple[str, str]] = []
    pos = 0
    for s, e, t in spans:
        if e <= pos:
            continue
        s = max(s, pos)
        if s > pos:
            out.append((text[pos:s], ""))
        out.append((text[s:e], t))
        pos = e
    if pos < len(text):
        out.append((text[pos:], ""))
    return out


STATEMENT_LIST_COLUMNS = [
    "id", "country", "country_name", "date", "forum", "meeting", "speaker", "language", "words",
    "themes", "source", "duplicate_of",
]  # fmt: skip


def statements_list(
    db: str | Path, filters: Filters, *, search: str = "", limit: int = 500
) -> pd.DataFrame:
    """The selected statements (newest first) with the themes found in each; ``search`` keeps
    those whose source, speaker or country name contains it (plain text, not a pattern)."""
    languages = resolve_languages(db, filters)
    where, params = _where(filters, languages)
    search = _printable(search).strip()
    if search:
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where += (
            " AND (s.source LIKE ? ESCAPE '\\' OR s.speaker LIKE ? ESCAPE '\\' "
            "OR s.country_name LIKE ? ESCAPE '\\' OR s.country = ?)"
        )
        params = [*params, like, like, like, search.upper()]
    sql = (
        "SELECT s.id, s.country, s.country_name, s.date, s.forum, s.meeting, s.speaker, "
        "s.language, s.words, (SELECT group_concat(t.theme, ', ') FROM statement_themes t "
        "WHERE t.statement_id = s.id) AS themes, s.source, s.duplicate_of FROM statements s "
        f"WHERE {where} ORDER BY s.date DESC, s.country, s.id LIMIT ?"
    )
    with connect(db) as conn:
        df = _frame(conn, sql, [*params, int(limit)])
    if df.empty:
        return pd.DataFrame(columns=STATEMENT_LIST_COLUMNS)
    df["themes"] = df["themes"].fillna("")
    return df[STATEMENT_LIST_COLUMNS]


def kind_counts(db: str | Path, filters: Filters) -> pd.DataFrame:
    """Matches per theme by kind (exact, fuzzy, proximity) in the selected statements."""
    languages = resolve_languages(db, filters)
    where, params = _where(filters, languages)
    with connect(db) as conn:
        themes = _theme_list(conn, filters)
        if not themes:
            return pd.DataFrame(columns=["theme", "theme_label", *KINDS, "statements"])
        marks = ",".join("?" * len(themes))
        df = _frame(
            conn,
            "SELECT t.theme, SUM(t.exact) AS exact, SUM(t.fuzzy) AS fuzzy, "
            f"SUM(t.proximity) AS proximity, {'SUM(t.semantic)' if _has_stance(db) else '0'} "
            "AS semantic, COUNT(*) AS statements FROM statements s "
            f"JOIN statement_themes t ON t.statement_id = s.id WHERE {where} "
            f"AND t.theme IN ({marks}) GROUP BY t.theme ORDER BY t.theme",
            [*params, *themes],
        )
    labels = _labels(db)
    df.insert(1, "theme_label", df["theme"].map(lambda t: labels.get(t, t)))
    return df


# -- options and what is left out -------------------------------------------------------------


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
    themes = [t.id for t in info.themes] if info and info.themes else []
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


def left_out(db: str | Path, filters: Filters) -> dict[str, int]:
    """How many statements the filter's *defaults* leave out, by reason: ``selected`` (counted),
    ``language`` (a language the codebook does not cover, with ``languages`` naming them),
    ``duplicates``, ``non_state``, ``no_year`` (undated, when a date filter is set)."""
    languages = resolve_languages(db, filters)
    out: dict = {}
    with connect(db) as conn:

        def count(f: Filters, langs) -> int:
            where, params = _where(f, langs)
            return conn.execute(
                f"SELECT COUNT(*) FROM statements s WHERE {where}", params
            ).fetchone()[0]

        out["selected"] = count(filters, languages)
        if languages:
            everything = count(filters, ())
            out["language"] = everything - out["selected"]
            where, params = _where(filters, ())
            marks = ",".join("?" * len(languages))
            out["languages"] = {
                lang or "unknown": n
                for lang, n in conn.execute(
                    f"SELECT s.language, COUNT(*) FROM statements s WHERE {where} "
                    f"AND s.language NOT IN ({marks}) GROUP BY s.language",
                    [*params, *languages],
                )
            }
        else:
            out["language"] = 0
            out["languages"] = {}
        if not filters.include_duplicates:
            out["duplicates"] = (
                count(replace(filters, include_duplicates=True), languages) - out["selected"]
            )
        if not filters.include_non_state:
            out["non_state"] = (
                count(replace(filters, include_non_state=True), languages) - out["selected"]
            )
        if filters.year_from is None and filters.year_to is None:
            where, params = _where(filters, languages)
            out["no_year"] = conn.execute(
                f"SELECT COUNT(*) FROM statements s WHERE {where} AND s.year IS NULL", params
            ).fetchone()[0]
    return out


def ingest_history(db: str | Path, *, limit: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The latest ingest runs and their problems."""
    with connect(db) as conn:
        runs = _frame(conn, "SELECT * FROM ingest_runs ORDER BY id DESC LIMIT ?", (limit,))
        problems = _frame(
            conn,
            "SELECT run_id, source, kind, reason FROM ingest_problems "
            "WHERE run_id IN (SELECT id FROM ingest_runs ORDER BY id DESC LIMIT ?) "
            "ORDER BY run_id DESC, id",
            (limit,),
        )
    return runs, problems


# -- the coding tables (what `tracker export coding`, `statements` and `duplicates` write) -----

#: The columns of `tracker statements`: a contract researchers script against.
STORED_STATEMENT_COLUMNS = [
    "source", "country", "country_name", "date", "date_precision", "forum", "meeting",
    "speaker", "title", "language", "words", "source_kind", "flags", "duplicate_of",
    "similarity", "role", "on_behalf_of", "source_path", "id",
]  # fmt: skip


def stored_statements(db: str | Path, *, include_duplicates: bool = True) -> pd.DataFrame:
    """One row per stored statement (by id), the columns of `tracker statements`."""
    where = "" if include_duplicates else "WHERE duplicate_of IS NULL"
    with connect(db) as conn:
        return _frame(conn, f"SELECT {', '.join(STORED_STATEMENT_COLUMNS)} FROM statements "
                            f"{where} ORDER BY id")  # fmt: skip


def coding_statements(db: str | Path, *, include_duplicates: bool = False) -> pd.DataFrame:
    """The statements of the coding table (by id): id, metadata and length."""
    where = "" if include_duplicates else "WHERE duplicate_of IS NULL"
    with connect(db) as conn:
        return _frame(
            conn,
            "SELECT id AS statement_id, source, country, country_name, date, year, forum, "
            f"meeting, speaker, language, words, source_path FROM statements {where} ORDER BY id",
        )


def statement_theme_counts(db: str | Path) -> pd.DataFrame:
    """Per statement and theme: the counted matches (by kind), the first counted match's text
    (``first_evidence``) and how many matches were kept as evidence without counting
    (``not_counted``: reported or opposing, see the README's "Direction")."""
    if not _has_stance(db):  # a database from before directions: every match counted
        sql = (
            "SELECT st.statement_id, st.theme, st.matches, st.exact, st.fuzzy, st.proximity, "
            "0 AS semantic, 0 AS not_counted, (SELECT m.matched_text FROM matches m "
            "WHERE m.statement_id = st.statement_id AND m.theme = st.theme ORDER BY m.start "
            "LIMIT 1) AS first_evidence FROM statement_themes st"
        )
    else:
        sql = (
            "SELECT st.statement_id, st.theme, st.matches, st.exact, st.fuzzy, st.proximity, "
            "st.semantic, (SELECT COUNT(*) FROM matches m WHERE m.statement_id = st.statement_id "
            " AND m.theme = st.theme AND m.counted = 0) AS not_counted, "
            "(SELECT m.matched_text FROM matches m WHERE m.statement_id = st.statement_id "
            " AND m.theme = st.theme AND m.counted = 1 ORDER BY m.start LIMIT 1) AS first_evidence "
            "FROM statement_themes st"
        )
    with connect(db) as conn:
        return _frame(conn, sql)


def duplicate_groups(db: str | Path) -> pd.DataFrame:
    """Every statement in a group of copies of one speech, canonical first within its group."""
    with connect(db) as conn:
        return _frame(
            conn,
            "SELECT COALESCE(duplicate_of, id) AS \"group\", id, "
            "CASE WHEN duplicate_of IS NULL THEN 'canonical' ELSE 'copy' END AS role, "
            "similarity, source, country, year, date, forum, source_kind, language, words "
            "FROM statements WHERE duplicate_of IS NOT NULL OR id IN "
            "(SELECT duplicate_of FROM statements WHERE duplicate_of IS NOT NULL) "
            "ORDER BY 1, duplicate_of IS NOT NULL, id",
        )


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
    import time

    out = {}
    for name, job in chart_queries(db, filters).items():
        best = math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            job()
            best = min(best, time.perf_counter() - t0)
        out[name] = best * 1000
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tracker.query [--db DB]``: the time of each query behind a chart (for
    ``make bench``)."""
    import argparse

    from tracker.store import default_db_path

    ap = argparse.ArgumentParser(prog="python -m tracker.query", description=main.__doc__)
    ap.add_argument("--db", default=None, help="database (default: $TRACKER_DB or db/tracker.db)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per query; the best is printed")
    args = ap.parse_args(argv)
    db = Path(args.db) if args.db else default_db_path()
    try:
        n = options(db).statements
        results = timings(db, repeat=args.repeat)
    except QueryError as exc:
        print(f"error: {exc}")
        return 1
    print(f"{db}: {n:,} statements; best of {args.repeat} runs, milliseconds")
    for name, ms in results.items():
        print(f"  {name:<22} {ms:8.1f}{'  SLOW (over 200 ms)' if ms > 200 else ''}")
    return 0 if all(ms <= 200 for ms in results.values()) else 3


if __name__ == "__main__":
    raise SystemExit(main())
