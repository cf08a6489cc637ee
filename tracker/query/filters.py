"""What the researcher selected (:class:`Filters`) and, for each filter, one clause object that
gives both its SQL and its words (datasette's ``filters.py`` is the model), so the selection
and the caption that describes it come from one place and cannot drift apart."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from tracker.query.codebooks import codebook_info
from tracker.vocabulary import GENERAL_DEBATE

KINDS = ("exact", "fuzzy", "proximity", "semantic")
RULE_KINDS = ("exact", "fuzzy", "proximity")  # the codebook's rules; "semantic" is the model's
DIRECTIONS = ("supports", "opposes", "reports")
GROUP_STATEMENT_MODES = ("include", "only", "exclude")
MEASURES = ("share", "rate")
#: Roles of speakers who do not speak for a state (Security Council records and the like).
NON_STATE_ROLES = ("president", "briefer", "secretariat", "chair")


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


def all_groups() -> list[str]:
    """Names of the country groups (UN regional groups, P5, EU, G77...)."""
    from tracker.countries import all_groups as groups

    return list(groups())


def group_members(group: str) -> list[str]:
    """ISO3 codes of a group's members; an unknown group raises ``ValueError`` naming the groups."""
    from tracker.countries import group_members as members

    return list(members(group))


# -- the selection ---------------------------------------------------------------------------


def resolve_languages(db: str | Path, filters: Filters) -> tuple[str, ...]:
    """The languages a filter selects: ``None`` becomes the active codebook's languages."""
    if filters.languages is not None:
        return filters.languages
    info = codebook_info(db)
    return info.languages if info else ()


def selection(db: str | Path, filters: Filters) -> tuple[str, list]:
    """The SQL condition (alias ``s``) and parameters selecting the statements of ``filters``
    in ``db`` (its languages resolved)."""
    return statement_where(filters, resolve_languages(db, filters))


#: A membership open at either end, as the bounds :func:`_on_its_date` compares with: every
#: stored date (and every prefix of one) is >= '' and <= '9999-12-31'.
_OPEN_SINCE, _OPEN_UNTIL = "", "9999-12-31"
_ALWAYS = (_OPEN_SINCE, _OPEN_UNTIL)

#: ``(country, since, until)``: a country selected by the filter for the statements dated within
#: the period (ISO days, both included; :data:`_ALWAYS` when named itself or a member throughout)
ChosenPeriod = tuple[str, str, str]


def _chosen(filters: Filters) -> tuple[ChosenPeriod, ...] | None:
    """Who the country and group filters select, and when: a named country always, a group's
    member on the dates it was a member (``tracker/data/groups.csv``; the USSR's membership as
    the Russian Federation's, whose statements they are). ``None`` without either filter."""
    if not filters.countries and not filters.groups:
        return None
    return _chosen_of(filters.countries, filters.groups)


@lru_cache(maxsize=64)
def _chosen_of(countries: tuple[str, ...], groups: tuple[str, ...]) -> tuple[ChosenPeriod, ...]:
    from tracker.countries import group_memberships

    periods = {(c, *_ALWAYS) for c in countries}
    for group in groups:
        group_members(group)  # an unknown group raises ValueError naming the known ones
        periods |= {(c, since or _OPEN_SINCE, until or _OPEN_UNTIL)
                    for c, since, until in group_memberships(group, seats=True)}  # fmt: skip
    always = {c for c, since, until in periods if (since, until) == _ALWAYS}
    return tuple(sorted(p for p in periods if p[0] not in always or (p[1], p[2]) == _ALWAYS))


def selectable_countries(countries: Sequence[str], groups: Sequence[str]) -> set[str]:
    """Every country these country and group filters can select, on some date."""
    return {c for c, *_ in _chosen_of(tuple(countries), tuple(groups))}


def _chosen_sql(chosen: Sequence[ChosenPeriod], country: str, date: str) -> tuple[str, list]:
    """SQL: the statement of ``country`` on ``date`` is one the filters select (a country
    selected throughout by an IN list, one selected for a while also by its periods)."""
    always = sorted(c for c, since, until in chosen if (since, until) == _ALWAYS)
    dated = [p for p in chosen if (p[1], p[2]) != _ALWAYS]
    parts, params = [], []
    if always:
        parts.append(_in(country, always))
        params += always
    if dated:
        names = sorted({c for c, *_ in dated})
        values = ",".join("(?,?,?)" for _ in dated)
        parts.append(f"({_in(country, names)} AND EXISTS (SELECT 1 FROM (VALUES {values}) w "
                     f"WHERE w.column1 = {country} AND "
                     f"{_on_its_date(date, 'w.column2', 'w.column3')}))")  # fmt: skip
        params += [*names, *(x for p in dated for x in p)]
    return "(" + " OR ".join(parts) + ")", params


@lru_cache(maxsize=1)
def _group_statement_keys() -> dict[str, str]:
    """Group name as stored in ``on_behalf_of`` -> its key in the membership table."""
    path = Path(__file__).resolve().parents[1] / "data" / "group_statements.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["name"]: row["group_key"] for row in csv.DictReader(fh) if row["group_key"]}


def _members_credited(chosen: tuple[ChosenPeriod, ...]) -> list[tuple[str, str, str, str]]:
    """``(group as in on_behalf_of, member, since, until)`` for each membership period that a
    chosen country had in a group statements are delivered for, within the periods it is chosen
    (:func:`_chosen`), sorted; ``since`` and ``until`` are ISO days, both included
    (:data:`_OPEN_SINCE`, :data:`_OPEN_UNTIL` when open). Kept per selection: every
    per-country query asks twice (the selection, the crediting)."""
    return list(_members_credited_of(chosen))


@lru_cache(maxsize=64)
def _members_credited_of(chosen: tuple[ChosenPeriod, ...]) -> tuple[tuple[str, str, str, str], ...]:
    from tracker.countries import group_memberships

    when: dict[str, list[tuple[str, str]]] = {}
    for c, since, until in chosen:
        when.setdefault(c, []).append((since, until))
    rows: set[tuple[str, str, str, str]] = set()
    for name, key in _group_statement_keys().items():
        try:
            periods = group_memberships(key, seats=True)
        except ValueError:
            continue
        for c, joined, left in periods:
            for a, b in when.get(c, ()):
                # ISO days (or the open bounds) compare as strings: the overlap of two periods
                start, end = max(joined or _OPEN_SINCE, a), min(left or _OPEN_UNTIL, b)
                if start <= end:
                    rows.add((name, c, start, end))
    return tuple(sorted(rows))


def _membership_date(alias: str) -> str:
    """SQL: the date a statement's membership is read on. A General Debate speech dated only by
    its year (the UNGDC's) is read as of September, the debate's month: the United Kingdom's
    speech of 2020 came after it left the EU in January, Cyprus's of 2004 after it joined in May.
    Any other date is read as stored (:func:`_on_its_date`)."""
    date, forum = f"{alias}date", f"{alias}forum"
    return (f"(CASE WHEN length({date}) = 4 AND {forum} = '{GENERAL_DEBATE}' "
            f"THEN {date} || '-09' ELSE {date} END)")  # fmt: skip


def _on_its_date(date: str, since: str, until: str) -> str:
    """SQL: a statement's ``date`` falls within a membership from ``since`` to ``until``.

    A stored date may be partial ('2015', '2015-09'): it counts when its period overlaps the
    membership, which comparing it with as many characters of ``since`` gives ('2013' >= '2013'
    of 2013-07-01) and with ``until`` as is ('2020' <= '2020-01-31'; '2020-02' > it). An
    undated statement ('') is credited by any membership: '' >= substr(since, 1, 0) = '' and
    '' <= every until."""
    return f"{date} >= substr({since}, 1, length({date})) AND {date} <= {until}"


def credited_countries(filters: Filters) -> tuple[str, list] | None:
    """Who a statement counts for in a per-country view, when group statements are counted for
    members: SQL for a table ``(statement_id, country)`` and its parameters. A statement counts
    for its speaking delegation when the filter selects it, and a group statement also for each
    selected country that was a member of the group it was delivered for on the statement's
    date (:func:`_on_its_date`; once per country: a selected speaker that belongs to its group
    is not counted twice); a speaking delegation the filter did not select gets nothing.
    ``None`` when every statement counts for its speaker only (the option off, no country or
    group filter, or no group statement with a selected member)."""
    chosen = _chosen(filters)
    if not filters.count_for_members or chosen is None:
        return None
    rows = _members_credited(chosen)
    if not rows:
        return None
    speakers, speaker_params = _chosen_sql(chosen, "country", _membership_date(""))
    groups = sorted({name for name, *_ in rows})
    values = ",".join("(?,?,?,?)" for _ in rows)
    # a state that left a group and joined again has two periods, both of which a partial date
    # may overlap: DISTINCT then keeps one row per statement and member
    several = len({(name, c) for name, c, *_ in rows}) < len(rows)
    # UNION ALL: a member that is the speaker is left to the first part (no temporary b-tree);
    # the IN list before the join scans the statements once (no index on on_behalf_of)
    sql = (f"SELECT id AS statement_id, country FROM statements WHERE {speakers} "
           f"UNION ALL SELECT {'DISTINCT ' if several else ''}g.id, v.column2 "
           f"FROM statements g CROSS JOIN (VALUES {values}) v "
           f"ON v.column1 = g.on_behalf_of AND v.column2 != g.country "
           f"AND {_on_its_date(_membership_date('g.'), 'v.column3', 'v.column4')} "
           f"WHERE {_in('g.on_behalf_of', groups)}")  # fmt: skip
    return sql, [*speaker_params, *(x for row in rows for x in row), *groups]


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
    """Countries and groups (each member on the dates it was one), and group statements counted
    for those members."""
    chosen = _chosen(f)
    if chosen is None:
        return
    a = scope.statements + "."
    words = [("countries: " + ", ".join(f.countries)) if f.countries else "",
             ("groups: " + ", ".join(f.groups) + " (members on each statement's date)")
             if f.groups else ""]  # fmt: skip
    sql, params = _chosen_sql(chosen, a + "country", _membership_date(a))
    if f.count_for_members:
        words.append("group statements counted for members")
        # a group statement is selected when a chosen country was a member on its date, as
        # credited_countries credits it (so totals per year agree with the per-country rows)
        periods = sorted({(name, since, until) for name, _, since, until in
                          _members_credited(chosen)})  # fmt: skip
        if periods:
            spoken_for = sorted({name for name, *_ in periods})
            values = ",".join("(?,?,?)" for _ in periods)
            sql = (f"({sql} OR ({_in(a + 'on_behalf_of', spoken_for)} AND EXISTS (SELECT 1 "
                   f"FROM (VALUES {values}) v WHERE v.column1 = {a}on_behalf_of "
                   f"AND {_on_its_date(_membership_date(a), 'v.column2', 'v.column3')})))")  # fmt: skip
            params += [*spoken_for, *(x for p in periods for x in p)]
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
    words = (f"year {f.year_from}" if f.year_from is not None and f.year_from == f.year_to
             else f"years {f.year_from or '…'}–{f.year_to or '…'}")  # fmt: skip
    yield Clause(" AND ".join(conds), tuple(params), words)


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
    conds: list[str] = []
    params: list = []
    for c in found:
        if c.on == on and c.sql:
            conds.append(c.sql)
            params += c.params
    return conds, params


def statement_where(
    filters: Filters, languages: Sequence[str], alias: str = "s"
) -> tuple[str, list]:
    """SQL conditions selecting the statements of ``filters`` (themes, kinds and directions,
    which restrict matches, aside), with their parameters."""
    scope = Scope(languages=tuple(languages), statements=alias)
    conds, params = _conditions(clauses(filters, scope), "statements")
    return (" AND ".join(conds) if conds else "1"), params


def match_where(filters: Filters, *, stance: bool, alias: str = "m") -> tuple[list[str], list]:
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
