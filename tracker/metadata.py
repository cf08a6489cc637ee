"""Resolve each statement's metadata (country, date, forum, speaker...) and record where every value
came from: the manifest, command-line flags, the reader's hints, or inference from the file name,
the archive member's name or the text itself."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from tracker.countries import Country, country_in_text_name, lookup_country, normalize_name
from tracker.manifest import ManifestRow
from tracker.models import METADATA_FIELDS, RawDocument, Sourced
from tracker.vocabulary import (
    GENERAL_DEBATE,
    MONTH_WORDS,
    SECURITY_COUNCIL,
    UN_DOCUMENT_LANGUAGES,
    find_forum,
    find_symbol,
    forum_in_file_words,
    forum_name,
    language_code,
    month_number,
    ordinal,
    session_label,
)

__all__ = [
    "FLAG_WORDS", "ResolvedMetadata", "describe_flags", "detect_language", "find_country_in_text",
    "find_date", "find_forum", "find_meeting", "find_speaker_title", "infer_from_name", "infer_from_text", "normalize_date",
    "normalize_language", "ordinal", "resolve_metadata", "split_source",
]  # fmt: skip

#: How much of the start of a statement the text rules read.
HEAD_CHARS = 3000
#: A month without a day ('September 2024') counts as the statement's date only this near the start.
MONTH_ONLY_CHARS = 800
UNGDC_KIND = "UN record (UN General Debate Corpus)"
#: source_kind inferred from the reader when nothing else gives it.
READER_KINDS = {
    "pdf": "delegation PDF",
    "pdf+ocr": "delegation PDF (OCR)",
    "html": "web page",
    "captions": "speech recognition",
    "text": "extracted text",
    "markdown": "extracted text",
    "csv": "dataset",
    "jsonl": "dataset",
}
_TEXT_FIELDS = ("country", "date", "forum", "meeting", "speaker", "title", "language")


@dataclass
class ResolvedMetadata:
    """Metadata values with their origins, the date's precision and year, and warning flags."""

    fields: dict[str, Sourced] = field(default_factory=dict)
    date_precision: str = ""  # day | month | year | ""
    year: int | None = None
    flags: list[str] = field(default_factory=list)  # no_country, no_date, unresolved_country, ...

    def value(self, name: str) -> str:
        """The value of a field, or "" when unknown."""
        item = self.fields.get(name)
        return item.value if item else ""


def resolve_metadata(
    doc: RawDocument,
    clean_text: str,
    *,
    manifest_row: ManifestRow | None = None,
    overrides: Mapping[str, str] | None = None,
) -> ResolvedMetadata:
    """Each field from the first source that has it: the manifest row (origin ``manifest``), then
    ``overrides`` (``flag``), then the reader's hints, then inference from the archive member's or
    file's name (``archive``/``filename``), then from the text (``text``), then from the reader."""
    fields: dict[str, Sourced] = {}
    flags: list[str] = []
    _merge(fields, _from_manifest(manifest_row), flags)
    _merge(fields, {k: Sourced(v, "flag") for k, v in (overrides or {}).items() if v}, flags)
    _merge(fields, dict(doc.hints), flags)
    _merge(fields, infer_from_name(doc.source or doc.source_path), flags)
    missing = [name for name in _TEXT_FIELDS if name not in fields]
    if missing:
        _merge(fields, infer_from_text(clean_text or doc.raw_text, wanted=missing), flags)
    _merge(fields, _from_reader(doc), flags)
    precision = _precision(fields["date"].value) if "date" in fields else ""
    if "country" not in fields:
        flags.append("no_country")
    if "date" not in fields:
        flags.append("no_date")
    year = int(fields["date"].value[:4]) if "date" in fields else None
    if year is not None and not FIRST_YEAR <= year <= dt.date.today().year + 1:
        flags.append("implausible_date")  # kept, but listed: a typed 2099, or a year misread
    return ResolvedMetadata(
        {k: fields[k] for k in METADATA_FIELDS if k in fields}, precision, year, flags
    )


# ---------------------------------------------------------------- merging and normalising


#: The first year of a UN statement (the San Francisco Conference): an earlier date, or one
#: after next year, is flagged ``implausible_date``.
FIRST_YEAR = 1945
#: Each flag a statement may carry (stored comma-joined in ``flags``), in words for people.
FLAG_WORDS = {
    "no_country": "no country found",
    "unresolved_country": "a country the tool does not know (kept as written)",
    "no_date": "no date found",
    "unparsed_date": "a date given that could not be read (ignored: the date stored, if any, "
    "was found in the file name or the text)",
    "implausible_date": f"a date before {FIRST_YEAR} or after next year (kept)",
    "language_not_covered": "a language the codebook has no phrases for (not coded)",
    "language_not_detected": "no language detected (read as English)",
}


def describe_flags(flags: str | Iterable[str]) -> str:
    """Flags (a list, or comma-joined as stored) in words, in their order: "no country found;
    a date given that could not be read (ignored: ...)". A flag without words is shown as stored."""
    items = flags.split(",") if isinstance(flags, str) else list(flags)
    return "; ".join(FLAG_WORDS.get(f.strip(), f.strip()) for f in items if f.strip())


def _merge(fields: dict[str, Sourced], layer: Mapping[str, Sourced], flags: list[str]) -> None:
    """Add the layer's values for fields not set yet, normalised; country before country_name."""
    for name in sorted(layer, key=lambda n: n != "country"):
        item = layer[name]
        if name not in METADATA_FIELDS or name in fields or not item.value.strip():
            continue
        if name in ("country", "country_name"):
            _merge_country(fields, item, flags)
        elif name == "date":
            value = normalize_date(item.value)
            if value:
                fields["date"] = Sourced(value, item.origin)
            else:
                _flag(flags, "unparsed_date")
        elif name == "language":
            fields[name] = Sourced(normalize_language(item.value), item.origin)
        elif name == "forum":
            fields[name] = Sourced(forum_name(item.value), item.origin)
        else:
            fields[name] = Sourced(" ".join(item.value.split()), item.origin)


def _merge_country(fields: dict[str, Sourced], item: Sourced, flags: list[str]) -> None:
    country = lookup_country(item.value)
    if country is None:
        _flag(flags, "unresolved_country")
        raw = " ".join(item.value.split())
        fields.setdefault("country", Sourced(raw, item.origin))
        fields.setdefault("country_name", Sourced(raw, item.origin))
        return
    fields.setdefault("country", Sourced(country.iso3, item.origin))
    fields.setdefault("country_name", Sourced(country.name, item.origin))


def _flag(flags: list[str], flag: str) -> None:
    if flag not in flags:
        flags.append(flag)


def _precision(date: str) -> str:
    return {10: "day", 7: "month", 4: "year"}.get(len(date), "")


def normalize_date(value: str) -> str:
    """'2024-06-20' (day), '2024-09' (month), '1995' (year) from ISO forms or a written date
    ('28 September 2024', 'September 2024'); "" when it is not a date."""
    value = value.strip()
    match = re.fullmatch(
        r"((?:1[89]|20)\d\d)(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ].*)?", value
    )
    if match:
        year, month, day = match.groups()
        return _iso(int(year), int(month) if month else None, int(day) if day else None)
    slashed = re.fullmatch(r"(\d{1,2})/(\d{1,2})/((?:1[89]|20)\d\d)", value)
    if slashed:  # 20/06/2024 or 06/20/2024, only when the day cannot be taken for the month
        first, second, year = map(int, slashed.groups())
        if (first > 12) == (second > 12):
            return ""
        return _iso(year, min(first, second), max(first, second))
    found = find_date(value)
    return found[0] if found else ""


def _iso(year: int, month: int | None, day: int | None) -> str:
    """The ISO form at the precision given, or "" for an impossible date."""
    try:  # a month or day of 0 ("2024-09-00", "2024-00") is no date, not the first of it
        dt.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError:
        return ""
    if month is None:
        return f"{year:04d}"
    return f"{year:04d}-{month:02d}" if day is None else f"{year:04d}-{month:02d}-{day:02d}"


def normalize_language(value: str) -> str:
    """ISO 639-1 code for a language code or name ('EN', 'eng', 'en-GB', 'French'); else the value
    in lower case."""
    return language_code(value) or value.strip().lower()


def _from_manifest(row: ManifestRow | None) -> dict[str, Sourced]:
    return {name: Sourced(value, "manifest") for name, value in row.values().items()} if row else {}


def _from_reader(doc: RawDocument) -> dict[str, Sourced]:
    kind = READER_KINDS.get(doc.reader)
    return {"source_kind": Sourced(kind, "default")} if kind else {}


# ---------------------------------------------------------------- inference from names

_ARCHIVE_MEMBER = re.compile(
    r"^(.*?\.(?:zip|tar|tgz|tar\.gz|tar\.bz2|tar\.xz)):(.+)$", re.IGNORECASE
)
_UNGDC_NAME = re.compile(r"^([A-Za-z]{2,3})_(\d{1,3})_((?:19|20)\d\d)$")
_ISO2_LANG_NAME = re.compile(r"^([A-Za-z]{2})_([A-Za-z]{2})$")
_UN_RECORD_NAME = re.compile(
    r"^S_PV\.(\d+)(?:\s*\(\s*Resumption\s*(\d+)\s*\))?(?:_([ACEFRS]))?", re.IGNORECASE
)
_NAME_DAY = re.compile(
    r"(?<!\d)((?:19|20)\d\d)([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)"
)
_NAME_MONTH = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.](0[1-9]|1[0-2])(?![\d])")
_NAME_YEAR = re.compile(r"(?<![\dA-Za-z])((?:19[4-9]|20\d)\d)(?![\dA-Za-z])")


def split_source(source: str) -> tuple[str, str]:
    """(file name, origin): an archive member's own path with origin ``archive``, else the file's
    path with origin ``filename`` ('corpus.zip:dir/a.txt' -> ('dir/a.txt', 'archive'))."""
    source = source.split("#", 1)[0]
    match = _ARCHIVE_MEMBER.match(source)
    if match:
        return match.group(2), "archive"
    return source, "filename"


def _stem(path: str) -> str:
    base = re.split(r"[\\/]", path)[-1]
    return re.sub(r"\.[A-Za-z0-9]{1,5}$", "", base)


@lru_cache(maxsize=32768)
def infer_from_name(source: str) -> dict[str, Sourced]:
    """Metadata a file or archive member name carries: UNGDC ``ISO3_SESSION_YEAR``,
    ``<iso2>_<lang>``, UN record symbols (``S_PV.8698_E``), country names, dates, forum acronyms."""
    path, origin = split_source(source)
    stem = _stem(path)
    values = _ungdc_name(stem) or _iso2_lang_name(stem) or _un_record_name(stem) or {}
    if "country" not in values:
        country = country_in_text_name(stem)
        if country:
            values["country"] = country.iso3
    if "date" not in values:
        values.update(_date_in_name(stem))
    forum = forum_in_file_words(set(normalize_name(stem).split()))
    if forum:
        values.setdefault("forum", forum)
    return {name: Sourced(value, origin) for name, value in values.items()}


def _ungdc_name(stem: str) -> dict[str, str] | None:
    """'USA_79_2024' -> country, year, '79th session' of the general debate."""
    match = _UNGDC_NAME.match(stem)
    country = lookup_country(match.group(1)) if match else None
    if match is None or country is None:
        return None
    return {
        "country": country.iso3,
        "date": match.group(3),
        "meeting": session_label(int(match.group(2))),
        "forum": GENERAL_DEBATE,
        "source_kind": UNGDC_KIND,
    }


def _iso2_lang_name(stem: str) -> dict[str, str] | None:
    """'fr_fr' / 'bb_en' -> the country of the ISO 3166 alpha-2 code and the ISO 639-1 language."""
    match = _ISO2_LANG_NAME.match(stem)
    if not match:
        return None
    country = lookup_country(match.group(1))
    language = language_code(match.group(2))
    if country is None or len(language) != 2:
        return None
    return {"country": country.iso3, "language": language}


def _un_record_name(stem: str) -> dict[str, str] | None:
    """'S_PV.8699(Resumption1)_E' -> 'S/PV.8699 (Resumption 1)', Security Council, English."""
    match = _UN_RECORD_NAME.match(stem)
    if not match:
        return None
    number, resumption, language = match.groups()
    meeting = f"S/PV.{number}" + (f" (Resumption {resumption})" if resumption else "")
    values = {"meeting": meeting, "forum": SECURITY_COUNCIL, "source_kind": "UN verbatim record"}
    if language:
        values["language"] = UN_DOCUMENT_LANGUAGES[language.upper()]
    return values


def _date_in_name(stem: str) -> dict[str, str]:
    """The first plausible day ('2024-06-20', '20240620'), month ('2021-03') or year ('_1995_')."""
    for pattern, groups in ((_NAME_DAY, (1, 3, 4)), (_NAME_MONTH, (1, 2)), (_NAME_YEAR, (1,))):
        match = pattern.search(stem)
        if match:
            year, *rest = [int(match.group(g)) for g in groups]
            month, day = (rest + [None, None])[:2]
            value = _iso(year, month, day)
            if value and year <= dt.date.today().year + 1:
                return {"date": value}
    return {}


# ---------------------------------------------------------------- inference from the text


def infer_from_text(
    text: str, *, wanted: tuple[str, ...] | list[str] = _TEXT_FIELDS
) -> dict[str, Sourced]:
    """The ``wanted`` fields found in the first HEAD_CHARS characters of a statement
    (origin ``text``)."""
    head = text[:HEAD_CHARS]
    values: dict[str, str] = {}
    if "date" in wanted:
        found = find_date(head)
        if found:
            values["date"] = found[0]
    title = ""
    if {"speaker", "title", "forum", "meeting"} & set(wanted):
        speaker, title = find_speaker_title(head)
        values.update(
            {k: v for k, v in (("speaker", speaker), ("title", title)) if v and k in wanted}
        )
    if "forum" in wanted:
        values["forum"] = find_forum(title) or find_forum(head[:400])
    if "meeting" in wanted:
        values["meeting"] = find_meeting(title) or find_meeting(head)
    if "language" in wanted:
        values["language"] = detect_language(head)
    if "country" in wanted:
        country = find_country_in_text(head)
        values["country"] = country.iso3 if country else ""
    return {name: Sourced(value, "text") for name, value in values.items() if value}


# dates -------------------------------------------------------------------------

# a word that may be a month; checked with month_number after matching (faster than alternation)
_MONTH = r"(?<![^\W\d_])(?P<m>[^\W\d_]{3,10})(?![^\W\d_])\.?"
_YEAR = r"(?P<y>(?:19|20)\d\d)(?!\d)"
# a day with its ordinal or OCR debris: 27th, 27", 27'", 27™, 2774 (27th misread), 1er, 28h
_DAY = r"(?<![\d.])(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|e|ème|eme|h|[º°ª]|\d\d(?=\s))?[\"'’”™*»]{0,3}"
_DATE_PATTERNS = (
    (
        "day",
        re.compile(
            _DAY + r",?\s*(?:of\s+|de\s+|\.\s*)?" + _MONTH + r",?\s*(?:de(?:l)?\s+)?" + _YEAR,
            re.IGNORECASE,
        ),
    ),
    ("day", re.compile(_MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR, re.IGNORECASE)),
    ("day", re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?!\d)")),
    (
        "day",
        re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.\s?(?P<y>(?:19|20)\d\d)(?!\d)"),
    ),
    ("month", re.compile(_MONTH + r",?\s+(?:de\s+|of\s+)?" + _YEAR, re.IGNORECASE)),
)


def find_date(text: str) -> tuple[str, str] | None:
    """The first full date in ``text`` ('New York, 28 September 2024', 'September 28, 2024',
    '27th September, 2024', '2024-06-20 13:00', '28.09.2024', '25 de septiembre de 2024'), else the
    first month and year near its start: (ISO value, precision) or None."""
    for wanted, window in (("day", text), ("month", text[:MONTH_ONLY_CHARS])):
        best: tuple[int, str] | None = None
        for precision, pattern in _DATE_PATTERNS:
            if precision != wanted:
                continue
            for match in pattern.finditer(window):
                value = _date_value(match)
                if value:
                    if best is None or match.start() < best[0]:
                        best = (match.start(), value)
                    break
        if best:
            return best[1], wanted
    return None


def _date_value(match: re.Match[str]) -> str:
    parts = match.groupdict()
    month = parts["m"]
    number = int(month) if month.isdigit() else month_number(month)
    day = int(parts["d"]) if parts.get("d") else None
    year = int(parts["y"])
    if not number or year > dt.date.today().year + 1:
        return ""
    return _iso(year, number, day)


# speakers and titles ------------------------------------------------------------

_TRIGGER = re.compile(
    r"\b(?:statement|address|remarks|speech|intervention|message)\s+(?:delivered\s+)?(?:by|of)\b:?"
    r"|\bdelivered\s+by\b:?"
    r"|\b(?:discours|d[ée]claration|allocution|intervention)\s+(?:de|du)\b"
    r"|\b(?:intervenci[óo]n|discurso|palabras)\s+(?:de|del)\b",
    re.IGNORECASE,
)


def _words(text: str) -> set[str]:
    return set(text.split())


_TOKEN = re.compile(r"[^\W\d_](?:[\w'’\-]*[^\W_])?(?:\.[^\W\d_]+)*\.?|[,;:()\[\]/|]|\n|\d+")
# words that introduce or describe a speaker, dropped before a name ('H.E. Mr.', 'Prime Minister')
_ROLE_WORDS = _words(
    """
    h e he his her excellency excellencies excellence son sa sem se s mr mrs ms mme m dr
    prof professor professeur the honourable honorable hon rt right senator ambassador amb
    president presidente presidenta prime minister ministre ministra ministro foreign
    affairs external relations exterior exteriores exterieures etrangeres relaciones
    monsieur madame excmo excma excelentisimo excelentisima excelencia excelencias su sus sr
    sra d don dona senor senora captain capitaine colonel lieutenant commandant marshal
    marechal general chairman chairperson chair vice deputy secretary state estado
    plurinacional federal representative representante permanent permanente embajador
    embajadora chef gouvernement gobierno head of for and de du del la le des et y nacion
    nation government republic republique republica kingdom royaume reino presidency
    presidence majesty highness amir emir prince princesse sas mister sir dame lord
    delivered by official national statement address remarks speech
    """
)
# words that end a name or rule a run out ('Assembly', 'Session', 'General Debate')
_STOP_WORDS = _words(
    """
    assembly assemblee asamblea assembleia assemblea general generale nations unies unidas
    naciones united session sesion sesiones periodo debate debat debates occasion ordinaire
    tribune organisation organization new york nueva headquarters hall ga council conseil
    consejo seguridad security securite committee commission comision theme check delivery
    against please the of and for at to on in during before et des du de la le les del ante
    en with un unga un79 high level alto nivel segment working group minister ministre
    president ministry mission delegation permanent republic kingdom state states government
    federal foreign affairs chairman presidency national statement address speech remarks
    distinguished ladies gentlemen excellencies colleagues friends dear mr madam
    septuagesimo noveno seventy ninth seventyninth soixante dixneuvieme monday tuesday
    wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi
    dimanche lunes martes miercoles jueves viernes sabado domingo
    """
) | MONTH_WORDS
_ROLE_STEMS = ("president", "minist", "secretar", "ambassad", "embajad")
#: function words in capitals that end a run ('PRESIDENT OF THE REPUBLIC')
_CAPS_BREAKS = {
    "of", "the", "and", "for", "at", "to", "on", "in", "during", "before", "by",
    "et", "des", "du", "de", "la", "le", "les", "del", "a", "à", "en", "ante",
}  # fmt: skip
_PARTICLES = {
    "bin", "ibn", "al", "el", "de", "da", "do", "dos", "das", "du", "van", "von", "der", "den",
    "di", "la", "le", "y",
}  # fmt: skip
_NAME_SUFFIXES = {"sc", "mp", "gcon", "dah", "mb", "jr", "sr", "phd", "cgh"}


def find_speaker_title(head: str) -> tuple[str, str]:
    """(speaker, title) from a heading such as 'Remarks by Ambassador Fu Cong at the UN Security
    Council...' or 'Statement by H.E. Mr. X, President of Y'; "" for what is not found."""
    speaker = title = ""
    for match in _TRIGGER.finditer(head[:1200]):
        line_start = head.rfind("\n", 0, match.start()) + 1
        if not match.group(0)[0].isupper() or not _heading_prefix(head[line_start : match.start()]):
            continue  # inside a paragraph ('I begin my statement by...'), not a heading
        title = title or _heading(head, line_start)
        speaker = _speaker_after(head[match.end() : match.end() + 240])
        if speaker:
            break
    return speaker, title


_HEADING_LINKS = {"of", "the", "and", "de", "la", "le", "du", "del", "des", "d", "l", "y", "et"}


def _heading_prefix(prefix: str) -> bool:
    """Whether the words before a trigger on its line look like a heading ('National', 'Home >
    News >', "The Republic of Somalia's"), not a sentence ('I would like to begin my')."""
    words = prefix.split()
    return len(words) <= 8 and all(
        not w[0].isalpha() or w[0].isupper() or w.lower() in _HEADING_LINKS for w in words
    )


def _heading(head: str, start: int) -> str:
    """The heading paragraph starting at ``start``, joined on one line, when it is heading-sized."""
    end = head.find("\n\n", start)
    lines = [line.strip() for line in head[start : end if end > 0 else len(head)].splitlines()]
    title = ""
    for line in lines:
        if len(title) + len(line) > 300:
            break
        title = f"{title} {line}".strip()
    return title if 0 < len(title) <= 300 and len(lines[0]) <= 200 else ""


def _speaker_after(window: str) -> str:
    """The first plausible personal name in the paragraph that follows a trigger."""
    window = re.sub(r"\bH\.\s?E\.?(?=\S)", "H.E. ", window.lstrip(" \t\n:"), flags=re.IGNORECASE)
    window = re.split(r"\n[ \t]*\n", window, maxsplit=1)[0]
    for run in _runs(window):
        name = _name_from_run(run)
        if name:
            return name
    return ""


def _runs(window: str) -> list[list[str]]:
    """Runs of capitalised words, split at punctuation, digits and lower-case words (and at function
    words written in capitals, unless they follow a title: 'H.E. TO LAM')."""
    runs: list[list[str]] = [[]]
    for token in _TOKEN.findall(window):
        if token == "\n":
            continue
        word = token.rstrip(".")
        capital = word[:1].isalpha() and (word[0].isupper() or word.lower() in _PARTICLES)
        after_title = bool(runs[-1]) and _is_role(runs[-1][-1])
        caps_break = word.isupper() and word.lower() in _CAPS_BREAKS and not after_title
        if capital and not caps_break:
            runs[-1].append(token)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _norm(token: str) -> str:
    token = re.sub(r"^[ld]['’]", "", token.lower())
    return normalize_name(token).replace(" ", "")


def _is_role(token: str) -> bool:
    word = _norm(token)
    return word in _ROLE_WORDS or (len(word) > 5 and any(stem in word for stem in _ROLE_STEMS))


def _is_country_word(token: str) -> bool:
    word = _norm(token)
    return len(word) > 3 and lookup_country(word, fuzzy=False) is not None


def _breaks_name(token: str) -> bool:
    word = _norm(token)
    if word in _PARTICLES or len(word) < 3:
        return False
    return word in _STOP_WORDS or _is_role(token) or _is_country_word(token)


def _name_from_run(run: list[str]) -> str:
    """The first name in a run: the words between titles/roles/countries, 2 to 6 of them."""
    name: list[str] = []
    for token in [*run, "."]:
        if token != "." and not _breaks_name(token) and (name or not _is_role(token)):
            name.append(token)
            continue
        found = _valid_name(name)
        if found:
            return found
        name = []
    return ""


def _valid_name(name: list[str]) -> str:
    while name and (_norm(name[-1]) in _PARTICLES or _norm(name[-1]) in _NAME_SUFFIXES):
        name = name[:-1]
    real = [t for t in name if _norm(t) not in _PARTICLES and len(_norm(t)) > 1]
    if not 2 <= len(real) <= 6 or len(name) > 8:
        return ""
    text = " ".join(_tidy(token) for token in name)
    return "" if lookup_country(text, fuzzy=False) else text


def _tidy(token: str) -> str:
    """Title-case a word written in capitals ('RADEV' -> 'Radev'), keeping roman numerals."""
    if token.isupper() and len(token) > 1 and not re.fullmatch(r"[IVX]+", token):
        return token.title()
    return token


# forums, meetings ----------------------------------------------------------------

_SESSION = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)\s+(?:regular\s+|ordinary\s+)?session\b", re.IGNORECASE
)


def find_meeting(text: str) -> str:
    """A meeting record's symbol ('S/PV.8698 (Resumption 1)', 'A/79/PV.5') or a General Assembly
    session ('79th session'); "" when the text names neither."""
    symbol = find_symbol(text)
    if symbol:
        return symbol.full
    session = _SESSION.search(text)
    return session_label(int(session.group(1))) if session else ""


# country -------------------------------------------------------------------------

_ROLE_BEFORE_COUNTRY = (
    r"permanent\s+mission\s+of|mission\s+permanente\s+(?:de\s+la|du|de\s+l'|d'|de)"
    r"|(?:president|prime\s+minister|minister\b[^\n,]{0,40}?|chairman\b[^\n,]{0,30}?|king|amir|emir"
    r"|head\s+of\s+state|chancellor|pr[ée]sident(?:e)?\b[^\n,]{0,30}?|ministre\b[^\n,]{0,40}?)"
    r"\s+(?:of|de\s+la|de|du|del)"
)
_COUNTRY_END = r"\s+(?:at|to|on|during|before|aupr[èe]s|à|a|en|ante|in)\b|[,\n(\d]|$"
_COUNTRY_PHRASES = re.compile(
    rf"(?:{_ROLE_BEFORE_COUNTRY})\s+(?:the\s+)?(?P<c>[^\n,(\d]{{3,80}}?)(?={_COUNTRY_END})",
    re.IGNORECASE,
)


def find_country_in_text(head: str) -> Country | None:
    """The delegation's country named in a heading phrase: 'Permanent Mission of X', 'President
    (Prime Minister, Minister...) of X'; groups and the General Assembly are not countries."""
    text = re.sub(r"[ \t]*\n[ \t]*\n\s*", " , ", head[:1500]).replace("\n", " ")
    for match in _COUNTRY_PHRASES.finditer(text):
        words = re.sub(
            r"^(?:(?:la|le|les|l'|el|the|del|de)\s+)+",
            "",
            match.group("c").strip(),
            flags=re.IGNORECASE,
        )
        if len(words) < 4:
            continue  # 'la', 'US': codes and articles are not countries here
        country = country_in_text_name(words, fuzzy=False)
        if country and not country.is_group:
            return country
    return None


# language ------------------------------------------------------------------------

_STOPWORDS = {
    "en": "the and of to in is that for we our this with are on as be it have has by not which",
    "fr": "le la les et des du un une est que pour dans nous qui sur pas au aux avec ce cette sont",
    "es": "el la los las y del que en un una por para con es se no su sus nuestro nuestra al más",
    "pt": "o a os as e do da dos das que em um uma para com não no na nos nas por se é ao mais",
    "it": "il lo la gli le e di del della che in un una per con non è sono ci dei delle alla nel",
    "de": "der die das und ist nicht zu den mit von ein eine auf für im sich des dem wir es auch",
}
_STOPWORD_SETS = {language: set(words.split()) for language, words in _STOPWORDS.items()}
#: Languages told by their script: the letters of its Unicode block.
_SCRIPTS = {
    "ar": re.compile("[\u0600-\u06ff]"),
    "ru": re.compile("[\u0400-\u04ff]"),
    "zh": re.compile("[\u4e00-\u9fff]"),
}


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language by script (ar, ru, zh) or by stop words (en, fr, es,
    pt, it, de); "" when unsure (OCR debris, too little text)."""
    sample = text[:HEAD_CHARS]
    letters = sum(map(str.isalpha, sample))
    if letters < 40:
        return ""
    for language, script in _SCRIPTS.items():
        if sum(map(str.isalpha, script.findall(sample))) > 0.3 * letters:  # letters only
            return language
    words = re.findall(r"[^\W\d_]+", sample.lower())[:600]
    counts = Counter(words)
    scores = {lang: sum(counts[w] for w in stop) for lang, stop in _STOPWORD_SETS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 0.15 * len(words) or ranked[0] < 1.2 * ranked[1]:
        return ""
    return best
