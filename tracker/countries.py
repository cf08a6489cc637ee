"""Country names and codes -> ISO 3166 alpha-3 codes and display names, and the groups of states.

The ISO table comes from ``pycountry``; ``data/country_aliases.csv`` adds UN usage, variants,
misspellings and historical states; ``data/group_names.csv`` and ``data/groups.csv`` define the
groups (P5, EU, the UN regional groups, G77, NAM...) and their membership over time (sources in
``data/countries.md``). Everything is loaded once.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pycountry
from rapidfuzz import fuzz, process

DATA_DIR = Path(__file__).resolve().parent / "data"

#: Fuzzy matching is the last resort, only for names at least this long (letters, no spaces).
FUZZY_MIN_LENGTH = 6
#: rapidfuzz ``fuzz.ratio`` score a misspelling needs ("Bostwana" scores 87.5 against "Botswana").
FUZZY_SCORE_CUTOFF = 85.0
#: Acronyms short enough to be ordinary words elsewhere that still count inside file names.
_SHORT_NAMES_IN_TEXT = frozenset({"usa", "uk", "uae", "drc", "eu", "ussr", "dprk", "prc", "rok"})
_FILE_EXTENSIONS = re.compile(
    r"\.(?:txt|json|jsonl|pdf|html?|md|docx?|csv|tsv|xml|srt|vtt|rtf|odt)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Country:
    """A state (current or historical) or a group speaking as one delegation (``is_group``)."""

    iso3: str
    name: str
    historical: bool = False
    is_group: bool = False


def normalize_name(text: str) -> str:
    """Lower-case ASCII words of ``text``: accents, apostrophes, dots and other punctuation dropped,
    ``&`` read as ``and``, a leading ``the`` removed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ")
    text = re.sub(r"['’‘`´.]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return text.removeprefix("the ")


@dataclass
class _Table:
    by_code: dict[str, Country] = field(default_factory=dict)
    by_alpha2: dict[str, Country] = field(default_factory=dict)
    by_name: dict[str, Country] = field(default_factory=dict)
    fuzzy_keys: list[str] = field(default_factory=list)
    successors: dict[str, str] = field(default_factory=dict)  # old code -> code continuing its seat


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _split_aliases(value: str) -> list[str]:
    return [alias.strip() for alias in value.split("|") if alias.strip()]


def _display_name(record, override: str) -> str:
    """The override, else the common name, else the ISO name unless it has the 'X, Y of' form."""
    if override:
        return override
    common = getattr(record, "common_name", None)
    if common:
        return common
    name = record.name
    official = getattr(record, "official_name", None)
    if "," in name and official:
        return re.sub(r"^the ", "", official)
    return name


def _variants(name: str) -> list[str]:
    """Other spellings implied by an ISO name: 'Korea, Republic of' -> 'Republic of Korea', 'Korea';
    'Holy See (Vatican City State)' -> 'Holy See'."""
    out = []
    bare = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if bare != name:
        out.append(bare)
    if "," in bare:
        head, tail = (part.strip() for part in bare.split(",", 1))
        out += [f"{tail} {head}", head]
    return out


def _add_name(table: _Table, name: str, country: Country) -> None:
    key = normalize_name(name)
    if key and key not in table.by_name:
        table.by_name[key] = country


def _load_countries(
    table: _Table, overrides: dict[str, dict[str, str]]
) -> list[tuple[str, Country]]:
    """ISO countries from pycountry; returns their derived variants for a later, weaker pass."""
    variants = []
    for record in pycountry.countries:
        row = overrides.get(record.alpha_3, {})
        country = Country(record.alpha_3, _display_name(record, row.get("name", "")))
        table.by_code[record.alpha_3] = country
        table.by_alpha2[record.alpha_2] = country
        for alias in [country.name, *_split_aliases(row.get("aliases", ""))]:
            _add_name(table, alias, country)
        for attr in ("name", "official_name", "common_name"):
            value = getattr(record, attr, None)
            if value:
                _add_name(table, value, country)
                variants += [(variant, country) for variant in _variants(value)]
    return variants


def _load_entities(table: _Table, rows: list[dict[str, str]]) -> None:
    """Historical states from the alias table; aliases that are codes of older names (ZAR, BUR)."""
    for row in rows:
        if row.get("historical") != "1":
            continue
        country = Country(row["code"], row["name"], historical=True)
        table.by_code[row["code"]] = country
        if row.get("successor"):
            table.successors[row["code"]] = row["successor"]
        for alias in [row["name"], *_split_aliases(row.get("aliases", ""))]:
            _add_name(table, alias, country)
    for row in rows:
        for alias in _split_aliases(row.get("aliases", "")):
            if re.fullmatch(r"[A-Z]{3}", alias) and alias not in table.by_code:
                table.by_code[alias] = table.by_code[row["code"]]


def _load_groups(table: _Table) -> None:
    """Groups that speak as one delegation (EU, G77...), under codes that are no ISO code."""
    for row in _read_csv("group_names.csv"):
        country = Country(row["code"], row["name"], is_group=True)
        table.by_code.setdefault(row["code"], country)
        for alias in [row["name"], *_split_aliases(row.get("aliases", ""))]:
            key = normalize_name(alias)
            if key.upper() not in table.by_code and key.upper() not in table.by_alpha2:
                _add_name(table, alias, country)


def _load_historic_iso(table: _Table) -> None:
    """Former ISO 3166 entries (Netherlands Antilles...) not already covered, marked historical."""
    for record in pycountry.historic_countries:
        if record.alpha_3 in table.by_code:
            continue
        name = record.name.split(",")[0].strip()
        country = Country(record.alpha_3, name, historical=True)
        table.by_code[record.alpha_3] = country
        _add_name(table, name, country)


def _add_variants(table: _Table, variants: list[tuple[str, Country]]) -> None:
    """Add derived variants that point to a single country (so 'Korea' stays unassigned)."""
    claims: dict[str, set[str]] = defaultdict(set)
    owners: dict[str, Country] = {}
    for variant, country in variants:
        key = normalize_name(variant)
        claims[key].add(country.iso3)
        owners[key] = country
    for key, codes in claims.items():
        if len(codes) == 1 and key not in table.by_name:
            table.by_name[key] = owners[key]


@lru_cache(maxsize=1)
def _table() -> _Table:
    table = _Table()
    rows = _read_csv("country_aliases.csv")
    overrides = {row["code"]: row for row in rows if row.get("historical") != "1"}
    variants = _load_countries(table, overrides)
    _load_entities(table, rows)
    _load_groups(table)
    _add_variants(table, variants)
    _load_historic_iso(table)
    table.fuzzy_keys = [
        key for key in table.by_name if len(key.replace(" ", "")) >= FUZZY_MIN_LENGTH
    ]
    return table


def _by_code(key: str) -> Country | None:
    """A code: ISO alpha-3, alpha-2, historical or group code ('CHN', 'cn', 'YUG', 'EU', 'G77')."""
    table = _table()
    if " " in key:
        return None
    code = key.upper()
    if len(code) == 2 and code in table.by_alpha2:
        return table.by_alpha2[code]
    return table.by_code.get(code)


def _fuzzy(key: str) -> Country | None:
    """The one country whose name is a near spelling of ``key`` (same first letter), else None."""
    table = _table()
    if len(key.replace(" ", "")) < FUZZY_MIN_LENGTH:
        return None
    extracted = process.extract(
        key, table.fuzzy_keys, scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_SCORE_CUTOFF
    )
    found = [(name, score) for name, score, _ in extracted if name[0] == key[0]]
    if not found:
        return None
    best = table.by_name[found[0][0]]
    rivals = [s for name, s in found[1:] if table.by_name[name].iso3 != best.iso3]
    if rivals and found[0][1] - rivals[0] < 3:
        return None
    return best


@lru_cache(maxsize=16384)
def lookup_country(text: str, *, fuzzy: bool = True) -> Country | None:
    """The country (or group) that ``text`` names: an ISO alpha-3 or alpha-2 code, an official or
    common name or variant, a historical state or a group; misspellings of longer names by fuzzy
    matching as a last resort (unless ``fuzzy=False``). Case-, accent- and punctuation-insensitive.
    None when unknown."""
    if not text or not text.strip():
        return None
    key = normalize_name(text)
    if not key:
        return None
    found = _by_code(key) or _table().by_name.get(key)
    return found or (_fuzzy(key) if fuzzy else None)


@lru_cache(maxsize=16384)
def country_in_text_name(name: str, *, fuzzy: bool = True) -> Country | None:
    """The country named inside a file name or label: the whole name ('Antigua & Barbuda',
    'Bostwana'), else the longest run of words that is a country name
    ('2024-06-20_china_fu-cong_unsc-cybersecurity' -> China). Short codes count only as the whole
    name; fuzzy matching only for a whole name of at most three words."""
    stem = _FILE_EXTENSIONS.sub("", name.strip())
    words = [w for w in normalize_name(stem).split() if not w.isdigit()]
    found = lookup_country(stem, fuzzy=fuzzy and len(words) <= 3)
    if found:
        return found
    by_name = _table().by_name
    for size in range(min(6, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            key = " ".join(words[start : start + size])
            if key in by_name and (len(key) >= 4 or key in _SHORT_NAMES_IN_TEXT):
                return by_name[key]
    return None


# ---------------------------------------------------------------- groups


@dataclass(frozen=True)
class _Membership:
    iso3: str
    since: dt.date | None
    until: dt.date | None

    def holds_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


def _parse_day(value: str | dt.date | None, *, argument: str = "on") -> dt.date | None:
    """An ISO date, or a year or year-month (read as its first day)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", value.strip())
    try:
        if not match:
            raise ValueError
        year, month, day = match.groups()
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(
            f"{argument}={value!r} is not a date: give 'YYYY-MM-DD' (or 'YYYY-MM', 'YYYY')"
        ) from None


@lru_cache(maxsize=1)
def _memberships() -> dict[str, list[_Membership]]:
    """Each group's membership periods. A membership with no start date starts when the group
    was founded (``founded`` in group_names.csv: the G77 in 1964, the NAM in 1961), so no
    statement from before a group existed counts for it; groups with no founding date given
    (the UN regional groups, the Arab Group) have open starts."""
    names = _read_csv("group_names.csv")
    groups: dict[str, list[_Membership]] = {row["group"]: [] for row in names}
    founded = {row["group"]: _parse_day(row.get("founded") or None, argument="founded")
               for row in names}  # fmt: skip
    for row in _read_csv("groups.csv"):
        since = _parse_day(row["since"], argument="since") or founded.get(row["group"])
        until = _parse_day(row["until"], argument="until")
        groups.setdefault(row["group"], []).append(_Membership(row["iso3"], since, until))
    return groups


@lru_cache(maxsize=1)
def _group_keys() -> dict[str, str]:
    """Normalised group names, codes and aliases -> the group's key in groups.csv."""
    keys: dict[str, str] = {}
    for row in _read_csv("group_names.csv"):
        for alias in [row["group"], row["code"], row["name"], *_split_aliases(row["aliases"])]:
            keys.setdefault(normalize_name(alias), row["group"])
    return keys


def _group_key(group: str) -> str:
    key = _group_keys().get(normalize_name(group))
    if key is None:
        raise ValueError(
            f"group={group!r} is not a known group; known groups: {', '.join(all_groups())}"
        )
    return key


def all_groups() -> list[str]:
    """The keys of every group, in the order of data/group_names.csv."""
    return list(_memberships())


def group_members(group: str, on: str | None = None) -> list[str]:
    """ISO3 codes of the members of ``group`` (a key, name or alias: 'EU', 'European Union', 'G77',
    'GRULAC', 'NAM') on the date ``on`` (ISO date; today when None), sorted."""
    day = _parse_day(on) or dt.date.today()
    members = _memberships()[_group_key(group)]
    return sorted({m.iso3 for m in members if m.holds_on(day)})


def group_memberships(
    group: str, *, seats: bool = False
) -> list[tuple[str, str | None, str | None]]:
    """Every membership period of ``group`` (a key, name or alias, as for :func:`group_members`):
    ``(iso3, since, until)`` with ``since`` and ``until`` ISO dates, both days included, or None
    when open (a member from the start, or still a member), sorted. A state that left and joined
    again has one period each time. The same data :func:`group_members` reads.

    With ``seats``, a period of a state whose seat another continues is also given under the
    continuing state's code (the USSR's P5 seat as RUS's until 1991-12-24): statements of the
    USSR are stored as the Russian Federation's."""
    successors = _table().successors if seats else {}
    periods = [
        (code, m.since.isoformat() if m.since else None, m.until.isoformat() if m.until else None)
        for m in _memberships()[_group_key(group)]
        for code in dict.fromkeys((m.iso3, successors.get(m.iso3, m.iso3)))
    ]
    return sorted(periods, key=lambda p: (p[0], p[1] or "", p[2] or "9999-12-31"))


def groups_of(iso3: str, on: str | None = None) -> list[str]:
    """The groups ``iso3`` belonged to on ``on`` (today when None), including those of a state whose
    seat it continues (RUS in 1980 -> P5 through SUN). Accepts any name lookup_country knows."""
    day = _parse_day(on) or dt.date.today()
    country = lookup_country(iso3)
    code = country.iso3 if country else iso3.strip().upper()
    codes = {code} | {old for old, new in _table().successors.items() if new == code}
    return [
        group
        for group, members in _memberships().items()
        if any(m.iso3 in codes and m.holds_on(day) for m in members)
    ]
