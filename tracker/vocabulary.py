"""One spelling for each forum, meeting, month and language, asked by every reader.

Record splitting (``records.py``), metadata inference (``metadata.py``) and the duplicate rule
(``duplicates.py``) name forums, meetings, months and languages only through this module, so a
speech gets the same forum whatever the source: a turn of the verbatim record ``A/79/PV.5``
under the agenda item "General debate", the UN General Debate Corpus text and a delegation's
own PDF of that speech are all in :data:`GENERAL_DEBATE`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

__all__ = [
    "FORUMS", "GA_PLENARY", "GENERAL_DEBATE", "MONTHS", "MONTH_WORDS", "OEWG", "SECURITY_COUNCIL",
    "UN_DOCUMENT_LANGUAGES", "UN_LANGUAGES", "Forum", "RecordSymbol", "assembly_forum",
    "find_forum", "find_symbol", "forum_in_file_words", "forum_name", "forum_of_symbol",
    "is_general_assembly", "is_general_debate", "language_code", "meeting_label",
    "month_number", "ordinal", "record_forum", "session_label",
]  # fmt: skip

# ------------------------------------------------------------------ forums

SECURITY_COUNCIL = "Security Council"
GENERAL_DEBATE = "General Assembly general debate"
GA_PLENARY = "General Assembly plenary"
OEWG = "OEWG"


@dataclass(frozen=True)
class Forum:
    """A forum's one spelling (``name``) and how sources write it.

    ``aliases``: other spellings of a metadata value (manifest, flags, columns), compared without
    case, hyphens or extra spaces; ``symbol``: the regex its UN document symbols start with;
    ``words``: the regex naming it in running text (any language); ``file_words``: words of a
    file name that name it; ``plenary``: its numbered meetings are "plenary meetings".
    """

    name: str
    aliases: tuple[str, ...] = ()
    symbol: str = ""
    words: str = ""
    file_words: tuple[str, ...] = ()
    plenary: bool = False


_COMMITTEES = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth")

#: Most specific first: ``record_forum`` takes the first forum a record's front page names.
FORUMS: tuple[Forum, ...] = (
    Forum(
        SECURITY_COUNCIL,
        aliases=("UNSC", "UN Security Council", "United Nations Security Council"),
        symbol=r"S/",
        words=(
            r"security\s+council|conseil\s+de\s+s[ée]curit[ée]|consejo\s+de\s+seguridad"
            r"|совет\w*\s+безопасности"
        ),
        file_words=("unsc",),
    ),
    Forum(
        "First Committee",
        aliases=("General Assembly First Committee", "UNGA First Committee",
                 "Disarmament and International Security Committee"),  # fmt: skip
        symbol=r"A/C\.1/",
        words=r"first\s+committee|premi[èe]re\s+commission|primera\s+comisi[óo]n",
    ),
    *(Forum(f"{n} Committee", symbol=rf"A/C\.{i}/") for i, n in enumerate(_COMMITTEES[1:], 2)),
    Forum(
        OEWG,
        aliases=("Open-ended Working Group", "Open-ended Working Group on ICTs",
                 "Open-ended Working Group on security of and in the use of ICTs"),  # fmt: skip
        symbol=r"A/AC\.(?:290|292)/",
        words=r"open[-\s]ended\s+working\s+group|\boewg\b",
        file_words=("oewg",),
    ),
    Forum(
        "Conference on Disarmament",
        symbol=r"CD/",
        words=r"conference\s+on\s+disarmament|conf[ée]rence\s+du\s+d[ée]sarmement",
        plenary=True,
    ),
    Forum("Disarmament Commission", symbol=r"A/CN\.10/"),
    Forum(
        "Human Rights Council",
        aliases=("HRC", "UN Human Rights Council"),
        symbol=r"A/HRC/",
        words=r"human\s+rights\s+council|conseil\s+des\s+droits\s+de\s+l",
    ),
    Forum("Economic and Social Council", aliases=("ECOSOC",), symbol=r"E/"),
    Forum(
        GENERAL_DEBATE,
        aliases=("General debate", "UNGA general debate", "General Assembly, general debate",
                 "General Debate of the General Assembly"),  # fmt: skip
        words=(
            r"general\s+debate|d[ée]bat\s+g[ée]n[ée]ral|debate\s+general"
            r"|общеполитическ\w+\s+дискусси|general\s+assembly|assembl[ée]e\s+g[ée]n[ée]rale"
            r"|asamblea\s+general|assembleia\s+geral"
            r"|assemblea\s+generale|генеральн\w+\s+ассамбле\w*|\bunga\s?\d*\b"
        ),
    ),
    Forum(GA_PLENARY, aliases=("General Assembly plenary meeting",),
          symbol=r"A/(?:ES-\d+/)?(?:\d+/)?PV", plenary=True),  # fmt: skip
)

_BY_NAME = {forum.name: forum for forum in FORUMS}
_FORUM_WORDS = [forum for forum in FORUMS if forum.words]
_WORDS_PATTERN = re.compile(
    "|".join(f"(?P<f{i}>{forum.words})" for i, forum in enumerate(_FORUM_WORDS)), re.IGNORECASE
)
_GENERAL_DEBATE_AGENDA = re.compile(
    r"(?i)\b(?:general\s+debate|d[ée]bat\s+g[ée]n[ée]ral|debate\s+general)\b"
)


def _key(name: str) -> str:
    return " ".join(name.casefold().replace("-", " ").replace(",", " ").split())


_ALIASES = {_key(alias): forum.name for forum in FORUMS for alias in (forum.name, *forum.aliases)}


def forum_name(value: str) -> str:
    """The one spelling of a forum written any known way ('Open-ended Working Group' -> 'OEWG',
    'UNSC' -> 'Security Council'); other values come back with their spaces tidied."""
    return _ALIASES.get(_key(value), " ".join(value.split()))


def find_forum(text: str) -> str:
    """The forum named first in running ``text`` (English, French, Spanish, Russian...): any
    mention of the General Assembly counts as its general debate; "" when none is named."""
    match = _WORDS_PATTERN.search(text) if text else None
    return _FORUM_WORDS[int(match.lastgroup[1:])].name if match and match.lastgroup else ""


def forum_in_file_words(words: set[str]) -> str:
    """The forum a file name's words name by acronym ({'2021', 'oewg'} -> 'OEWG'); "" if none."""
    return next((f.name for f in FORUMS if words.intersection(f.file_words)), "")


def forum_of_symbol(symbol: str) -> str:
    """The forum of a UN document symbol ('S/PV.8698' -> 'Security Council', 'A/79/PV.5' ->
    'General Assembly plenary'); "" for an unknown series."""
    return next((f.name for f in FORUMS if f.symbol and re.match(f.symbol, symbol)), "")


def is_general_assembly(forum: str) -> bool:
    """Whether ``forum`` is the General Assembly's plenary (its general debate included)."""
    return forum in (GENERAL_DEBATE, GA_PLENARY)


def is_general_debate(agenda: str) -> bool:
    """Whether an agenda title is the General Assembly's general debate ('General debate',
    'Agenda item 8: General debate', 'Débat général')."""
    return bool(_GENERAL_DEBATE_AGENDA.search(agenda))


def assembly_forum(agenda: str) -> str:
    """The forum of a General Assembly plenary meeting under ``agenda``: its general debate or
    the plenary's other business."""
    return GENERAL_DEBATE if is_general_debate(agenda) else GA_PLENARY


def record_forum(symbol: str, front: str, agenda: str = "") -> str:
    """The forum of a meeting record: from its symbol, else the most specific forum its front
    page names; a General Assembly plenary meeting is in the general debate when its ``agenda``
    is."""
    forum = forum_of_symbol(symbol) if symbol else ""
    if not forum:
        named = (f.name for f in _FORUM_WORDS if re.search(f.words, front, re.IGNORECASE))
        forum = next(named, "")
    return assembly_forum(agenda) if is_general_assembly(forum) else forum


# ------------------------------------------------------------------ meetings and symbols

#: A UN meeting record's symbol: S/PV.8698, A/79/PV.5, A/C.1/79/PV.10, CD/PV.1222,
#: A/ES-11/PV.1, E/2024/SR.5, with "(Resumption 1)" or "(Part II)" after it.
_SYMBOL = re.compile(
    r"\b((?:S|A|CD|E|DC)(?:/(?:C\.\d|AC\.\d+|CN\.\d+|ES-\d+|HRC))?(?:/\d+)?/(?:PV|SR))\.\s?(\d+)"
    r"(?:\s*\((Resumption\s*\d*|Part\s*\w+)\))?"
)


@dataclass(frozen=True)
class RecordSymbol:
    """A record symbol found in a text: ``symbol`` ('S/PV.8699'), its meeting ``number``, the
    ``part`` ('Resumption 1', or "") and where it was found."""

    symbol: str
    number: int
    part: str
    start: int

    @property
    def full(self) -> str:
        """'S/PV.8699 (Resumption 1)'."""
        return f"{self.symbol} ({self.part})" if self.part else self.symbol


def find_symbol(text: str) -> RecordSymbol | None:
    """The first UN meeting-record symbol in ``text``, normalised ('S/PV. 8699 (Resumption1)'
    -> 'S/PV.8699', part 'Resumption 1'); None when there is none."""
    m = _SYMBOL.search(text)
    if not m:
        return None
    part = re.sub(r"^(Resumption|Part)\s*", r"\1 ", " ".join((m.group(3) or "").split()))
    return RecordSymbol(f"{m.group(1)}.{m.group(2)}", int(m.group(2)), part.strip(), m.start())


def ordinal(number: int) -> str:
    """1 -> '1st', 12 -> '12th', 79 -> '79th'."""
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def session_label(number: int) -> str:
    """A General Assembly session: 79 -> '79th session'."""
    return f"{ordinal(number)} session"


def meeting_label(number: int, *, forum: str = "", part: str = "") -> str:
    """A numbered meeting as the UN writes it: '5th plenary meeting' (General Assembly, Conference
    on Disarmament), '10th meeting' (committees, councils), with ' (Resumption 1)' for a part."""
    plenary = is_general_assembly(forum) or (forum in _BY_NAME and _BY_NAME[forum].plenary)
    label = f"{ordinal(number)}{' plenary' if plenary else ''} meeting"
    return f"{label} ({part})" if part else label


# ------------------------------------------------------------------ months

_MONTH_NAMES = (
    "January jan janvier enero janeiro gennaio januar января январь",
    "February feb février fevrier febrero fevereiro febbraio februar февраля февраль",
    "March mar mars marzo março marco märz marz марта март",
    "April apr avril abril aprile апреля апрель",
    "May mai mayo maio maggio мая май",
    "June jun juin junio junho giugno juni июня июнь",
    "July jul juillet julio julho luglio juli июля июль",
    "August aug août aout agosto августа август",
    "September sept sep septembre septiembre setiembre setembro settembre сентября сентябрь",
    "October oct octobre octubre outubro ottobre oktober октября октябрь",
    "November nov novembre noviembre novembro ноября ноябрь",
    "December dec décembre decembre diciembre dezembro dicembre dezember декабря декабрь",
)
#: English month names, January first (as UN records write dates).
MONTHS: tuple[str, ...] = tuple(names.split()[0] for names in _MONTH_NAMES)
_MONTH_NUMBER = {
    name.lower(): number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()
}
#: Every month name and abbreviation, lower case (English, French, Spanish, Portuguese, Italian,
#: German, Russian).
MONTH_WORDS = frozenset(_MONTH_NUMBER)


def month_number(word: str) -> int | None:
    """1-12 for a month's name or abbreviation in any language above ('Sept.', 'septiembre',
    'сентября' -> 9); None for other words."""
    return _MONTH_NUMBER.get(word.lower().rstrip("."))


# ------------------------------------------------------------------ languages

#: The UN's six official languages, as records write them ("(spoke in French)").
UN_LANGUAGES = ("Arabic", "Chinese", "English", "French", "Russian", "Spanish")
#: The language letter of a UN document file name (S_PV.8698_E.pdf) -> ISO 639-1.
UN_DOCUMENT_LANGUAGES = {"A": "ar", "C": "zh", "E": "en", "F": "fr", "R": "ru", "S": "es"}
_LANGUAGE_NAMES = {
    "english": "en", "anglais": "en", "inglés": "en", "ingles": "en", "français": "fr",
    "francais": "fr", "french": "fr", "francés": "fr", "español": "es", "espanol": "es",
    "spanish": "es", "espagnol": "es", "русский": "ru", "russian": "ru", "العربية": "ar",
    "arabic": "ar", "中文": "zh", "chinese": "zh", "português": "pt", "portuguese": "pt",
    "italiano": "it", "italian": "it", "deutsch": "de", "german": "de", "japanese": "ja",
}  # fmt: skip


@lru_cache(maxsize=256)
def language_code(value: str) -> str:
    """ISO 639-1 code of a language code or name ('EN', 'eng', 'en-GB', 'French', 'français');
    "" when it names no language."""
    text = value.strip().lower()
    if text in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[text]
    code = re.split(r"[-_]", text)[0]
    if len(code) == 2:
        language = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        language = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(
            bibliographic=code
        )
    else:
        language = pycountry.languages.get(name=text) if text else None
    return getattr(language, "alpha_2", "") or ""
