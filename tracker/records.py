"""Split UN meeting records and other multi-speaker documents into one turn per speaker.

Three kinds of document are recognised (``detect_record``) and split (``split_record``):

- ``verbatim``: UN verbatim records (``S/PV.8698``, ``A/79/PV.5``, ``A/C.1/79/PV.10``,
  ``CD/PV.1222``) whose turns open with a heading such as ``Mr. Fu Cong (China):`` or
  ``The President:``;
- ``summary``: press summaries in the UN meeting-coverage style, whose paragraphs open with the
  speaker ("The representative of China said ...", "FU CONG (China) said ...");
- ``transcript``: transcripts that put each speaker's name or delegation on a line of its own.

Give ``split_record`` the document's raw text (before ``clean_text``): page furniture (document
symbol, date, page and job numbers, the agenda repeated in page headers, the front page's
correction notice) and procedural lines (meeting times, agenda headings, votes) are left out of
every turn's text, and ``Turn.start``/``Turn.end`` are offsets into the text given.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tracker.countries import lookup_country
from tracker.vocabulary import (
    MONTHS,
    SECURITY_COUNCIL,
    UN_LANGUAGES,
    assembly_forum,
    find_symbol,
    forum_of_symbol,
    is_general_assembly,
    language_code,
    meeting_label,
    record_forum,
)

__all__ = ["MeetingRecord", "Turn", "detect_record", "group_named", "looks_like_record",
           "split_record"]

#: Characters of a document's start that ``detect_record`` reads.
DETECT_CHARS = 30_000
#: Turns a document needs to count as multi-speaker (a verbatim record with its front matter
#: needs only one).
MIN_TURNS = 3
GROUPS_CSV = Path(__file__).resolve().parent / "data" / "group_statements.csv"


@dataclass(frozen=True)
class Turn:
    """One speaker's turn in a meeting; ``start``/``end`` are offsets (heading included).
    ``forum`` is the forum of the agenda item the turn is under: a General Assembly plenary
    meeting is in its general debate only while that item is on the floor."""

    order: int
    speaker: str
    honorific: str
    delegation: str
    country: str
    role: str
    spoke_in: str
    on_behalf_of: str
    text: str
    start: int
    end: int
    confidence: str
    forum: str = ""


@dataclass(frozen=True)
class MeetingRecord:
    """A meeting's metadata and its turns in order; ``forum`` is the forum of the meeting's
    first agenda item (see ``Turn.forum`` for each turn's)."""

    symbol: str
    meeting: str
    date: str
    forum: str
    agenda: str
    president_country: str
    turns: tuple[Turn, ...]
    warnings: tuple[str, ...]


def detect_record(text: str) -> str | None:
    """'verbatim', 'summary' or 'transcript' when ``text`` is a multi-speaker document, else None.
    Reads only the first ``DETECT_CHARS`` characters."""
    head = text[:DETECT_CHARS]
    if not head.strip():
        return None
    # removing page furniture only deletes lines, so a text with no heading-like line at all
    # cannot be a verbatim record: skip building the furniture-free view (most of the cost)
    if _HEADING.search(head) and _verbatim_ok(_headings(_view(head).text), head):
        return "verbatim"
    if _summary_ok(_summary_heads(head)):
        return "summary"
    if _transcript_ok(_labels(head)):
        return "transcript"
    return None


def looks_like_record(text: str) -> bool:
    """Whether a text carries a meeting record's marks (a symbol such as S/PV.8698 on its first
    line, or "The meeting was called to order"), turns or not: such a text with no recognisable
    turn is stored whole, with a warning."""
    return _symbol_on_top(text) or bool(_MEETING_OPENED.search(text[:DETECT_CHARS]))


def _symbol_on_top(text: str) -> bool:
    """A record's symbol heads its first line or two ("United Nations S/PV.8698"); a speech cites one
    ("(see A/62/PV.6)") or, cut from a record's pages, carries it in the page furniture further
    down: 282 General Debate speeches of the UNGDC were warned as records for that."""
    lines = [line for line in text.lstrip()[:2000].splitlines() if line.strip()][:2]
    top = "\n".join(lines)  # "United Nations\nS/PV.8698" when an extraction breaks the line
    symbol = find_symbol(top)
    if symbol is None:
        return False
    before = top[: symbol.start].rstrip().lower()
    return not before.endswith(("(", "see", "cf.", "cf"))


def split_record(text: str) -> MeetingRecord | None:
    """The turns of a multi-speaker document with the meeting's metadata; None when it has no
    recognisable turns (store such a document as one statement, with a warning)."""
    if not text or not text.strip():
        return None
    view = _view(text)
    heads = _headings(view.text)
    if heads and _verbatim_ok(heads, text):
        return _verbatim_record(text, view, heads)
    summary = _summary_heads(text)
    if _summary_ok(summary):
        return _summary_record(text, summary)
    labels = _labels(text)
    if _transcript_ok(labels):
        return _transcript_record(text, labels)
    return None


# ------------------------------------------------------------------ vocabulary

_UP = "A-ZÀ-ÖØ-ÞĀ-ŽƁ-Ʒ"  # letters a name may start with (Latin capitals, roughly)
_HON_ABBR = r"(?:Mr|Mrs|Ms|Mme|Mlle|Dr|Prof|Msgr|Rev|Sr|Sra|H\.E\.\s?Mr|H\.E\.\s?Ms|H\.E\.\s?Mrs)\."
_HEADS_OF_STATE = ("President", "Prime Minister", "Vice-President", "Crown Prince", "Grand Duke",
                   "King", "Queen", "Emir", "Amir", "Sultan", "Chancellor")  # fmt: skip
_HON_WORD = (
    r"(?:Miss|Sir|Dame|Lord|Lady|Baroness|Baron|Archbishop|Cardinal|Monsignor|Bishop|Sheikh"
    r"|Sheikha|Shaikh|Prince|Princess|Judge|Justice|Professor|Imam|Rabbi|Ambassador|"
    + "|".join(_HEADS_OF_STATE)
    + ")"
)
_PARTICLE = (
    r"(?:de|da|del|della|der|den|di|do|dos|das|du|van|von|la|le|bin|ibn|al|el|y|e|ben|bint|af|zu"
    r"|ter|ould|wa)"
)
_SP = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # a space, or one line break
_NAME_TOKEN = rf"[{_UP}][\w’'\-]*\.?"
_NAME = rf"{_NAME_TOKEN}(?:{_SP}(?:{_PARTICLE}{_SP}){{0,2}}{_NAME_TOKEN}){{0,5}}"
_OFFICE = (
    r"(?i:President|Chair|Chairperson|Chairman|Chairwoman|Secretary-General|Secretary|Rapporteur"
    r"|High Commissioner|Director-General|Prosecutor|Registrar|Moderator|Facilitator|Coordinator"
    r"|Presiding Officer|Vice-President|Vice-Chair|Co-Chair|Executive Secretary|Executive Director"
    r"|Administrator|Under-Secretary-General|Special Envoy|Special Representative|Ombudsperson)"
)
_TITLE = (
    rf"The{_SP}(?:(?:Acting|Temporary|Interim|Deputy|Assistant|Alternate){_SP})?{_OFFICE}"
    rf"(?:{_SP}of{_SP}the(?:{_SP}[{_UP}][\w\-]*){{1,5}})?"
)
_DELEG = (
    r"\((?!(?:spoke|speaking|interpretation)\s)"
    r"(?P<deleg>[^()\n:]{2,90}(?:\n[^()\n:]{1,90})?)\)"
)
_LANG = (
    r"\((?:spoke|speaking)\s+in\s+(?P<lang>[A-Z][a-z]+)\)"
    r"|\(interpretation\s+from\s+(?P<lang2>[A-Z][a-z]+)\)"
)
_HEADING = re.compile(
    rf"^[ \t]*(?P<who>(?P<title>{_TITLE})|(?P<hon>{_HON_ABBR}|{_HON_WORD}){_SP}(?P<name>{_NAME}))"
    rf"(?:{_SP}?{_DELEG})?(?:{_SP}?(?:{_LANG}))?[ \t]*:(?=[ \t\r\n]|$)",
    re.MULTILINE,
)
#: Words that, as a "name", make a vocative ("Mr. President:") rather than a heading.
_NOT_NAMES = frozenset(
    ["president", "chair", "chairman", "chairperson", "chairwoman", "secretary-general",
     "secretary", "speaker", "moderator", "minister", "ambassador", "delegate", "representative",
     "co-chairs", "co-chair", "vice-president", "facilitator"]
)  # fmt: skip
_PRESIDING = re.compile(r"(?i)^The (?:Acting |Temporary |Interim )?(?:President|Chair\w*)$")
_OFFICIAL_POST = re.compile(
    r"Secretary-General|Under-Secretary|United Nations|High Commissioner|Special (?:Representative"
    r"|Envoy|Coordinator|Adviser)|Emergency Relief Coordinator|Force Commander|Police Adviser"
)
_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})\b")
_TERMINAL_LINE = re.compile(r"[.!?:;”\"’)\]]\s*$")


def _language(name: str | None) -> str:
    """ISO 639-1 code of a language named in English ('French' -> 'fr'); '' when unknown."""
    return language_code(name) if name else ""


def _country_code(name: str) -> str:
    country = lookup_country(name) if name else None
    return country.iso3 if country else ""


def _title_case(name: str) -> str:
    name = " ".join(name.split())
    return name.title() if name.isupper() else name


def _lstrip_offset(match: re.Match[str]) -> int:
    """Start of a match after its leading whitespace."""
    return match.start() + len(match.group(0)) - len(match.group(0).lstrip())


# ------------------------------------------------------------------ page furniture

_SYMBOL_LINE = r"(?:[A-Z]{1,3}(?:/[A-Z0-9.\-]+)*/(?:PV|SR)\.\d+)(?:\s*\([^)]{0,30}\))?"
_DATE_LINE = r"\d{1,2}/\d{1,2}/\d{4}"
_FURNITURE = (
    ("symbol", re.compile(_SYMBOL_LINE)),
    ("date", re.compile(_DATE_LINE)),
    ("footer", re.compile(
        r"(?:\d{1,4}\s*/\s*\d{1,4}\s+)?(?:GE\.)?\d{2}-\d{5}(?:\s*\([A-Z]\))?(?:\s+\d{1,4}\s*/\s*\d{1,4})?"
        r"|\d{1,4}\s*/\s*\d{1,4}|\*\d{6,}\*"
    )),
    # a whole running header on one line: symbol, agenda, date (or date, agenda, symbol)
    ("symbol", re.compile(
        rf"(?:{_SYMBOL_LINE}|{_DATE_LINE})(?:\s(?P<title>.{{0,200}}?))?\s(?:{_SYMBOL_LINE}|{_DATE_LINE})"
    )),
)  # fmt: skip
_PAGE_NUMBER = re.compile(r"-?\s*\d{1,3}\s*-?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _norm_line(line: str) -> str:
    return " ".join(_CONTROL.sub(" ", line).split())


def _furniture_kind(line: str) -> str:
    """'symbol', 'date', 'footer' or '' for a normalised line."""
    return next((kind for kind, pattern in _FURNITURE if pattern.fullmatch(line)), "")


def _correction_notice(lines: list[str], i: int) -> int:
    """How many lines from ``i`` the front page's correction notice takes; 0 when none starts."""
    if not lines[i].startswith("This record contains the"):
        return 0
    for j in range(i, min(i + 12, len(lines))):
        if re.search(r"documents\.un\.org|corrigendum", lines[j]):
            return j + 1 - i
    return 0


def _furniture(lines: list[str]) -> tuple[list[bool], set[str]]:
    """Which lines are page furniture (patterns, the running header, the correction notice), and
    the running header's own lines (the agenda title repeated on each page)."""
    kinds = [_furniture_kind(line) for line in lines]
    flags = [bool(kind) for kind in kinds]
    anchors = [i for i, kind in enumerate(kinds) if kind in ("symbol", "date")]
    near: Counter[str] = Counter()
    for i in anchors:
        for j in range(max(0, i - 2), min(len(lines), i + 3)):
            if not kinds[j] and 0 < len(lines[j]) <= 150:
                near[lines[j]] += 1
    for i in anchors:  # a header on one line: its title counts as a line of the header
        one_line = _FURNITURE[-1][1].fullmatch(lines[i])
        if one_line and one_line.group("title"):
            near[one_line.group("title").strip()] += 2
    header = {line for line, n in near.items() if n >= max(2, len(anchors) // 4)}
    for i in anchors:  # the running header, and bare page numbers ("2", "- 2 -") next to it
        for j in range(max(0, i - 3), min(len(lines), i + 4)):
            flags[j] = flags[j] or lines[j] in header or bool(_PAGE_NUMBER.fullmatch(lines[j]))
    i = 0
    while i < len(lines):
        size = _correction_notice(lines, i)
        flags[i : i + size] = [True] * size
        i += max(size, 1)
    return flags, header


@dataclass
class _View:
    """The kept lines of a text joined by ``\\n``, with a map back to the original offsets."""

    text: str
    vstarts: list[int]
    ostarts: list[int]
    length: int  # of the original text
    header: set[str] = field(default_factory=set)

    def orig(self, pos: int) -> int:
        """The offset in the original text of position ``pos`` of the view."""
        if not self.vstarts:
            return 0
        i = max(0, bisect.bisect_right(self.vstarts, pos) - 1)
        return max(0, min(self.length, self.ostarts[i] + pos - self.vstarts[i]))


def _view(text: str) -> _View:
    """The text without its page furniture, blank lines around removed furniture collapsed."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    ends = [a - 1 for a in starts[1:]] + [len(text)]
    raw = [text[a:b].rstrip("\r") for a, b in zip(starts, ends)]
    norm = [_norm_line(line) for line in raw]
    flags, header = _furniture(norm)
    parts: list[str] = []
    vstarts: list[int] = []
    pos = 0
    keep = _collapse_blanks(norm, flags)
    for i in keep:
        vstarts.append(pos)
        parts.append(_CONTROL.sub(" ", raw[i]))
        pos += len(parts[-1]) + 1
    return _View("\n".join(parts), vstarts, [starts[i] for i in keep], len(text), header)


def _collapse_blanks(norm: list[str], flags: list[bool]) -> list[int]:
    """Indices of kept lines: furniture dropped; around it, blank lines dropped unless a sentence
    ended before the furniture (then one blank line stays, as a paragraph break)."""
    keep: list[int] = []
    i = 0
    while i < len(norm):
        if not flags[i]:
            keep.append(i)
            i += 1
            continue
        while keep and not norm[keep[-1]]:
            keep.pop()
        while i < len(norm) and (flags[i] or not norm[i]):
            i += 1
        ended = keep and _TERMINAL_LINE.search(norm[keep[-1]])
        if ended and i < len(norm) and not norm[i][:1].islower():
            blank = next((j for j in range(keep[-1] + 1, i) if not norm[j] and not flags[j]), None)
            if blank is not None:
                keep.append(blank)
    return keep


# ------------------------------------------------------------------ procedural text

_ESCORTED = (
    r"(?:Mr|Mrs|Ms|Dr|His|Her|Sheikh|King|Queen|Prince|Princess|President|Prime Minister"
    r"|Crown Prince|Emir)\b[^.]{0,250}? was escorted"
)
#: Procedural text that ends with a full stop.
_CLOSED_UNITS = [
    r"The agenda was adopted\.",
    r"The meeting (?:was called to order|rose|was suspended|was resumed|resumed|was adjourned|closed)"
    + r"\b[^.]*\.",
    r"A (?:recorded )?vote was taken(?: by show of hands)?\.",
    r"(?:The )?[Dd]raft (?:resolution|decision)[^.]{0,200}?(?:was|were) (?:not )?adopted[^.]*\.",
    _ESCORTED + r"[^.]*\.",
    r"In the absence of the President,[^.]*took the Chair\.",
    r"The (?:Acting )?President returned to the Chair\.",
    r"[A-Z][^.]{0,120}\(Vice-(?:President|Chair)\),? took the Chair\.",
    r"The members of the (?:General Assembly|Council|Committee) observed a minute[^.]*\.",
]
#: Headings without a full stop: each ends where another unit starts (or at the end).
_OPEN_UNITS = [
    r"Adoption of the agenda", r"In favour:[^:]*?", r"Against:[^:]*?", r"Abstaining:[^:]*?",
    r"Agenda items? \d[^.]*?", r"Address by [^.]*?", r"Expression of [^.]*?", r"Tribute to [^.]*?",
    r"General debate", r"Report of the [^.]*?", r"Letters? dated [^.]*?",
    r"Identical letters dated [^.]*?", r"Note by the Secretary-General[^.]*?",
    r"Briefings? by [^.]*?", r"Programme of work", r"Organization of work",
    r"Statement by the President[^.]*?", r"Election of [^.]*?", r"Appointment of [^.]*?",
    r"Minute of silent [^.]*?", r"Other matters", r"Closure of the [^.]*?",
]  # fmt: skip
_UNIT_STARTS = [
    r"The agenda was adopted", r"The meeting ", r"A (?:recorded )?vote was taken",
    r"(?:The )?[Dd]raft (?:resolution|decision)", r"In the absence of the President",
    r"The (?:Acting )?President returned", r"The members of the",
    _ESCORTED,
    *(re.sub(r"\[\^[.:]\]\*\?$", "", unit) for unit in _OPEN_UNITS),
]  # fmt: skip


def _flex(text: str) -> str:
    """A regex matching ``text`` with any whitespace between its words."""
    return r"\s+".join(re.escape(word) for word in text.split())


@lru_cache(maxsize=64)
def _procedural_unit(extra: tuple[str, ...]) -> re.Pattern[str]:
    """One unit of procedural text; ``extra`` adds the record's own agenda lines."""
    extras = [_flex(_without_inner_dots(line)) for line in extra if line.strip()]
    ends = r"(?=\s+(?:" + "|".join(_UNIT_STARTS + extras) + r")|\s*$)"
    opens = [unit + ends for unit in _OPEN_UNITS + extras]
    return re.compile(r"\s*(?:" + "|".join(_CLOSED_UNITS + opens) + r")")


def _without_inner_dots(text: str) -> str:
    """Text with the dots of abbreviations, times and numbers removed (not sentence ends)."""
    text = " ".join(text.split())
    text = re.sub(r"\b(Mr|Mrs|Ms|Dr|St|No|Nos|Messrs|Prof|Msgr|Rev|Jr|Sr|H\.E)\.", r"\1", text)
    text = re.sub(r"\b([ap])\.m\.(?=\s+[a-z0-9])", r"\1m", text)
    text = re.sub(r"\b([ap])\.m\.", r"\1m.", text)
    text = re.sub(r"(\w)\.(\d)", r"\1\2", text)
    return re.sub(r"\b([A-Z])\.(?=\s[A-Z])", r"\1", text)


def _is_procedural(text: str, extra: tuple[str, ...]) -> bool:
    """Whether ``text`` is made only of procedural units (agenda lines, votes, meeting times)."""
    text = _without_inner_dots(text).strip()
    unit = _procedural_unit(extra)
    pos = 0
    while pos < len(text):
        m = unit.match(text, pos)
        if not m or m.end() == pos:
            return False
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return True


def _trim_tail(lines: list[str], extra: tuple[str, ...]) -> int:
    """How many of a turn's ``lines`` to keep: the procedural lines that close it are cut off."""
    n = len(lines)
    while n and not lines[n - 1].strip():
        n -= 1
    for i in range(max(1, n - 24), n):
        starts_sentence = lines[i].strip() and _TERMINAL_LINE.search(_last_nonblank(lines, i))
        if starts_sentence and _is_procedural(" ".join(lines[i:n]), extra):
            n = i
            break
    while n > 1 and not lines[n - 1].strip():
        n -= 1
    return n


def _last_nonblank(lines: list[str], i: int) -> str:
    return next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), ".")


# ------------------------------------------------------------------ front matter


@dataclass
class _Front:
    symbol: str = ""
    meeting: str = ""
    date: str = ""
    forum: str = ""
    agenda: str = ""
    agenda_lines: tuple[str, ...] = ()
    president_country: str = ""


def _iso_date(text: str) -> str:
    m = _DATE.search(text)
    if not m:
        return ""
    try:
        return dt.date(int(m.group(3)), MONTHS.index(m.group(2)) + 1, int(m.group(1))).isoformat()
    except ValueError:
        return ""


def _front_matter(original_head: str, front: str, header: set[str]) -> _Front:
    """Metadata from a record's front page (``front``: the text before the first turn)."""
    out = _Front()
    symbol = find_symbol(original_head)
    meeting = re.search(r"\b(\d+(?:st|nd|rd|th)(?: plenary)? meeting)\b", front)
    if symbol:
        out.symbol = symbol.full
        out.meeting = meeting_label(
            symbol.number, forum=forum_of_symbol(symbol.symbol), part=symbol.part
        )
    if meeting:
        out.meeting = meeting.group(1) + (f" ({symbol.part})" if symbol and symbol.part else "")
    out.date = _iso_date(front[:3000])
    out.president_country = _presidency(front)
    out.agenda, lines = _agenda(front, header)
    out.agenda_lines = tuple(dict.fromkeys([*lines, *header]))
    out.forum = record_forum(out.symbol, front[:3000], out.agenda)
    return out


def _presidency(front: str) -> str:
    """ISO3 of the country in brackets after 'President:' (or 'Chair:') on the front page."""
    m = re.search(r"(?m)^\s*(?:President|Chair|Chairperson|Chairman)\s*:", front)
    if not m:
        return ""
    for paren in re.finditer(r"\(([^()\n]{2,60})\)", front[m.end() : m.end() + 400]):
        code = _country_code(paren.group(1))
        if code:
            return code
    return ""


_AGENDA_STOP = re.compile(
    r"^(?:Provisional|President\b|Chair\b|Members\b|United Nations|This record|Official Records"
    r"|The meeting|In the absence|\d{1,2}/\d{1,2}/\d{4})"
)


def _agenda(front: str, header: set[str]) -> tuple[str, list[str]]:
    """The agenda item and the front page's agenda lines. The item is the title the running
    header repeats on each page, else the line after 'Agenda' ('Agenda item 8: General debate')."""
    titles = sorted(line for line in header if not re.fullmatch(_DATE_LINE, line))
    lines = [line.strip() for line in front.splitlines()]
    for i, line in enumerate(lines):
        item = re.fullmatch(r"Agenda(?: (items?)\s+(.+?))?(?:\s*\(continued\))?", line)
        if not item:
            continue
        found: list[str] = []
        for nxt in filter(None, lines[i + 1 : i + 8]):
            if _AGENDA_STOP.match(nxt) or _HEADING.match(nxt):
                break
            found.append(nxt)
        if found and item.group(2):
            return f"Agenda {item.group(1)} {item.group(2)}: {found[0]}", [line, *found]
        if found or titles:
            return (titles[0] if titles else found[0]), [line, *found]
    return (titles[0] if titles else ""), []


# ------------------------------------------------------------------ group statements


@lru_cache(maxsize=1)
def _groups() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(name, pattern) for each alias of data/group_statements.csv, longest alias first."""
    aliases: list[tuple[str, str]] = []
    with open(GROUPS_CSV, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            aliases += [(row["name"], a.strip()) for a in row["aliases"].split("|") if a.strip()]
    aliases.sort(key=lambda item: -len(item[1]))
    prefix = r"\b(?:the\s+)?(?:States\s+members\s+of\s+the\s+)?"
    return tuple(
        (
            name,
            re.compile(
                prefix + _flex(alias) + r"\b", re.IGNORECASE if alias.upper() != alias else 0
            ),
        )
        for name, alias in aliases
    )


_ALIGNED = re.compile(
    r"(?i)\b(?:align|associate)(?:s|d|ed|ing)?\s+(?:itself|myself|ourselves|themselves|fully|with)"
    r"|\bsupports?(?: for)? the statements?|\bstatements?\s+(?:to be\s+)?(?:made|delivered|given)\s+"
    r"(?:earlier\s+|later\s+|today\s+)?by\b|\b(?:delivered|made) by\b|\bwill speak\b"
    r"|\bwho spoke\b|\bendorse|\bsubscribe"
)


def group_named(text: str) -> str:
    """The group a speaker speaks for, from 'on behalf of ...' in the first sentences of ``text``;
    '' when none, or when the sentence only aligns with someone else's group statement."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", " ".join(text[:900].split()))
    for sentence in sentences[:4]:
        at = sentence.find("on behalf of")
        if at < 0 or _ALIGNED.search(sentence):
            continue
        tail = sentence[at + len("on behalf of") :].lstrip()
        for name, pattern in _groups():
            if pattern.match(tail):
                return name
    return ""


def _national_capacity(text: str, presidency: str) -> str | None:
    """Country of a presiding officer's statement in national capacity; None when procedural."""
    head = " ".join(text[:600].split())
    m = re.search(
        r"in (?:my|his|her) (?:national )?capacity as (?:the )?representative of (?:the )?"
        r"([A-Z][\w’'\- ]{1,60}?)(?=[.,;:]|\s+(?:and|on|to|in)\b|$)",
        head,
    )
    if m:
        return _country_code(m.group(1)) or presidency
    if re.search(r"\bin (?:my|his|her) national capacity\b", head):
        return presidency
    return None


# ------------------------------------------------------------------ verbatim records


@dataclass
class _Heading:
    start: int  # offsets in the view
    end: int
    speaker: str
    honorific: str
    delegation: str
    spoke_in: str
    title: bool  # 'The President', 'The Secretary-General' ...


def _opens_paragraph(vtext: str, start: int) -> bool:
    """Whether a line starting at ``start`` opens a paragraph: after a blank line, a finished
    sentence, or the 'Address by ...' heading that introduces a head of state."""
    before = vtext[max(0, start - 400) : start].rstrip(" \t")
    if not before or before.endswith("\n\n") or _TERMINAL_LINE.search(before):
        return True
    return bool(re.search(r"Address by|was escorted", before))


def _headings(vtext: str) -> list[_Heading]:
    """Turn headings in the text of a view."""
    out: list[_Heading] = []
    for m in _HEADING.finditer(vtext):
        name = " ".join((m.group("name") or "").split())
        if name and (name.split()[0].lower().rstrip(".,") in _NOT_NAMES or not name[0].isupper()):
            continue
        honorific = " ".join((m.group("hon") or "").split())
        delegation = " ".join((m.group("deleg") or "").split())
        if delegation and not re.search(r"[A-Za-z]", delegation):
            continue
        start = _lstrip_offset(m)
        if honorific in _HEADS_OF_STATE and not _opens_paragraph(vtext, start):
            continue  # "... To paraphrase \nPresident Kennedy: we do ..."
        speaker = re.sub(r"^[Tt][Hh][Ee]\s+", "The ", " ".join(m.group("who").split()))
        language = _language(m.group("lang") or m.group("lang2"))
        out.append(_Heading(start, m.end(), speaker, honorific, delegation, language,
                            bool(m.group("title"))))  # fmt: skip
    return out


_MEETING_OPENED = re.compile(
    r"(?m)^[ \t]*The meeting (?:was called to order|was resumed|resumed) at\b"
)
_MEETING_CLOSED = re.compile(r"(?m)^[ \t]*The meeting (?:rose|was adjourned|was closed)\b")


def _verbatim_ok(heads: list[_Heading], text: str) -> bool:
    """Enough headings, or one with the record's symbol on top or the meeting's opening line."""
    markers = find_symbol(text[:2000]) or _MEETING_OPENED.search(text[:DETECT_CHARS])
    return len(heads) >= MIN_TURNS or (len(heads) >= 1 and bool(markers))


def _verbatim_record(text: str, view: _View, heads: list[_Heading]) -> MeetingRecord:
    original_head = text[: max(view.orig(heads[0].start), 4000)]
    front = _front_matter(original_head, view.text[: heads[0].start], view.header)
    warnings: list[str] = []
    if not front.symbol:
        warnings.append("no document symbol found in the record's front matter")
    if not front.date:
        warnings.append("no meeting date found in the record's front matter")
    closed = _MEETING_CLOSED.search(view.text, heads[0].end)
    stop = closed.start() if closed else len(view.text)
    heads = [head for head in heads if head.start < stop]
    forums = _turn_forums(view.text, heads, front.forum)
    turns = []
    for k, head in enumerate(heads):
        end = heads[k + 1].start if k + 1 < len(heads) else stop
        turns.append(_verbatim_turn(view, head, end, k + 1, front, warnings, forums[k]))
    return _record(front, turns, warnings)


#: An agenda item's heading on a line of its own, its title on the next non-blank line.
_AGENDA_ITEM = re.compile(
    r"^[ \t]*(?:Agenda|AGENDA)[ \t]+(?:items?|ITEMS?)[ \t]+\d+(?:[ \t]*(?:,|and|to)[ \t]*\d+)*"
    r"(?:[ \t]*\((?:continued|CONTINUED)\))?[ \t]*\n(?:[ \t]*\n)*[ \t]*(?P<title>\S[^\n]*)",
    re.MULTILINE,
)


def _turn_forums(vtext: str, heads: list[_Heading], forum: str) -> list[str]:
    """Each turn's forum: in a General Assembly plenary meeting, the general debate while the
    last agenda heading before the turn is the general debate, the plenary under other items."""
    if not is_general_assembly(forum):
        return [forum] * len(heads)
    items = [(m.start(), assembly_forum(m.group("title"))) for m in _AGENDA_ITEM.finditer(vtext)]
    starts = [start for start, _ in items]
    out = []
    for head in heads:
        i = bisect.bisect_right(starts, head.start) - 1
        out.append(items[i][1] if i >= 0 else forum)
    return out


def _verbatim_turn(
    view: _View, head: _Heading, end: int, order: int, front: _Front, warnings: list[str],
    forum: str,
) -> Turn:
    """The turn from ``head`` up to ``end`` (view offsets), closing procedural lines cut off."""
    body = view.text[head.end : end]
    body_start = head.end + len(body) - len(body.lstrip(" \t"))
    lines = body.lstrip(" \t").split("\n")
    kept = "\n".join(lines[: _trim_tail(lines, front.agenda_lines)]).rstrip()
    text = kept.strip()
    role, country = _verbatim_role(head, text, view.text, front)
    if role == "delegation" and not country:
        warnings.append(f"turn {order}: no country for {head.speaker!r} ({head.delegation!r})")
    start = view.orig(head.start)
    return Turn(
        order=order, speaker=head.speaker, honorific=head.honorific, delegation=head.delegation,
        country=country, role=role, spoke_in=head.spoke_in, on_behalf_of=group_named(text),
        text=text, start=start, end=max(start, view.orig(body_start + len(kept))),
        confidence="verbatim", forum=forum,
    )  # fmt: skip


def _verbatim_role(head: _Heading, text: str, vtext: str, front: _Front) -> tuple[str, str]:
    """(role, country) of a verbatim turn."""
    if head.title:
        if not _PRESIDING.match(head.speaker):  # 'The Secretary-General', 'The Chair of the ...'
            return "official", ""
        national = _national_capacity(text, front.president_country)
        if national is not None:
            return "president (national capacity)", national
        return ("chair (procedural)" if front.forum == SECURITY_COUNCIL else "chair"), ""
    if head.delegation:
        return "delegation", _country_code(head.delegation)
    if head.honorific in _HEADS_OF_STATE:
        return "delegation", _addressed_country(vtext[max(0, head.start - 1200) : head.start])
    return _briefer_role(head.speaker, vtext[max(0, head.start - 30_000) : head.start]), ""


_PLACE = r"[A-Z][\w’'\-]*(?:\s+(?:(?:of|and|the|da|de|du|del|di)\s+){0,3}[A-Z(][\w’'\-)]*){0,7}"


def _addressed_country(before: str) -> str:
    """The country of a head of state, from the last 'Address by X, President of Y' heading or
    'X, President of Y, was escorted ...' line before the turn."""
    flat = " ".join(before.split())
    address, escorted = flat.rfind("Address by"), flat.rfind("was escorted")
    if address < 0 and escorted < 0:
        return ""
    if address > escorted:
        window = flat[address : address + 300]
    else:
        window = flat[max(0, escorted - 300) : escorted]
    found = ""
    for m in re.finditer(rf"\bof\s+(?:the\s+)?({_PLACE})", window):
        words = m.group(1).split()
        code = next((c for i in range(len(words)) if (c := _country_code(" ".join(words[i:])))), "")
        if code and address > escorted:
            return code
        found = code or found
    return found


def _briefer_role(speaker: str, before: str) -> str:
    """'official' when the speaker's invitation names a United Nations post, else 'briefer'."""
    surname = speaker.split()[-1]
    posts = re.findall(rf"\b{re.escape(surname)},\s+([^.;]{{3,200}})", " ".join(before.split()))
    return "official" if posts and _OFFICIAL_POST.search(posts[-1]) else "briefer"


def _record(front: _Front, turns: list[Turn], warnings: list[str]) -> MeetingRecord:
    return MeetingRecord(
        symbol=front.symbol, meeting=front.meeting, date=front.date, forum=front.forum,
        agenda=front.agenda, president_country=front.president_country, turns=tuple(turns),
        warnings=tuple(warnings),
    )  # fmt: skip


# ------------------------------------------------------------------ press summaries

_VERBS = (
    r"(?:said|says|stated|noted|stressed|emphasized|emphasised|underscored|underlined|observed"
    r"|recalled|expressed|welcomed|called|urged|pointed out|highlighted|added|asked|agreed|warned"
    r"|reiterated|affirmed|reaffirmed|regretted|condemned|voiced|described|appealed|commended"
    r"|hailed|questioned|argued|insisted|echoed|told|explained|announced|maintained|lamented"
    r"|cautioned|acknowledged|declared|deplored|drew|outlined|shared|thanked|also|began|opened"
    r"|spoke|expressing|saying)\b"
)
_LEAD = r"(?:[A-Z][^,.\n]{0,120},\s+)?"  # "Speaking in explanation of vote, "
_ASIDE = r",[^\n]{0,220}?,"  # ", speaking on behalf of the Caribbean Community (CARICOM),"
_SUMMARY = re.compile(
    rf"^[ \t]*{_LEAD}[Tt]he (?:representatives?|delegates?|speaker|observer|delegation"
    rf"|Permanent Representative) (?:of|for) (?P<deleg1>(?:the )?{_PLACE})(?:{_ASIDE})?\s+{_VERBS}"
    rf"|^[ \t]*(?P<name>[{_UP}][{_UP}’'\-. ]{{2,60}}?)\s*\((?P<deleg2>[^()\n]{{2,80}})\)"
    rf"(?:{_ASIDE})?\s+{_VERBS}"
    rf"|^[ \t]*(?P<name3>[{_UP}][{_UP}’'\-. ]{{2,60}}?),\s+(?P<post>[^\n]{{3,220}}?),\s+{_VERBS}"
    rf"|^[ \t]*(?P<deleg4>{_PLACE})[’']s (?:representative|delegate|speaker)(?:{_ASIDE})?\s+{_VERBS}"
    rf"|^[ \t]*{_LEAD}(?P<chair>[Tt]he (?:Council |Assembly |Committee )?(?:President|Chair"
    rf"|Chairperson))(?:{_ASIDE})?\s+{_VERBS}",
    re.MULTILINE,
)
_POST_WORDS = re.compile(
    r"(?i)minister|secretary|representative|president|director|envoy|commissioner|chair|head"
    r"|coordinator|ambassador|adviser|officer|founder|member|executive"
)


def _summary_heads(text: str) -> list[re.Match[str]]:
    """Paragraphs that open with a speaker, in the meeting-coverage style."""
    out = []
    for m in _SUMMARY.finditer(text):
        name = m.group("name") or m.group("name3")
        if name and (sum(c.isupper() for c in name) < 3 or name.strip().lower() in _NOT_NAMES):
            continue
        if m.group("name3") and not _POST_WORDS.search(m.group("post")):
            continue
        out.append(m)
    return out


def _summary_who(m: re.Match[str]) -> str:
    return (
        m.group("deleg1") or m.group("deleg2") or m.group("deleg4") or m.group("name3") or "chair"
    )


def _summary_ok(heads: list[re.Match[str]]) -> bool:
    """Enough speaker paragraphs, from at least two speakers."""
    return len(heads) >= MIN_TURNS and len({_summary_who(m) for m in heads}) >= 2


def _summary_record(text: str, heads: list[re.Match[str]]) -> MeetingRecord:
    front = _summary_front(text[: heads[0].start()])
    turns = []
    for k, m in enumerate(heads):
        start = _lstrip_offset(m)
        end = _summary_end(text, start, heads[k + 1].start() if k + 1 < len(heads) else len(text))
        speaker, delegation, country, role = _summary_speaker(m, front)
        body = text[start:end]
        spoke = re.search(rf"speaking in ({'|'.join(UN_LANGUAGES)})", m.group(0))
        turns.append(Turn(
            order=k + 1, speaker=speaker, honorific="", delegation=delegation, country=country,
            role=role, spoke_in=_language(spoke.group(1)) if spoke else "",
            on_behalf_of=group_named(body), text=body, start=start, end=end, confidence="summary",
            forum=front.forum,
        ))  # fmt: skip
    return _record(front, turns, [])


def _summary_speaker(m: re.Match[str], front: _Front) -> tuple[str, str, str, str]:
    """(speaker, delegation, country, role) of a summary paragraph's speaker."""
    lead = m.group(0)
    if m.group("chair"):
        speaker = " ".join(m.group("chair").split())
        national = _national_capacity(lead, front.president_country)
        if national is not None:
            return "The" + speaker[3:], "", national, "president (national capacity)"
        return "The" + speaker[3:], "", "", "chair (procedural)"
    if m.group("name3"):
        speaker, post = _title_case(m.group("name3")), m.group("post")
        of = re.search(r"\bof (?:the )?([A-Z][\w ’'\-]+)$", post)
        code = _country_code(of.group(1)) if of else ""
        if of and code and re.search(r"(?i)minister|president|representative|ambassador", post):
            return speaker, of.group(1), code, "delegation"
        return speaker, "", "", "official" if _OFFICIAL_POST.search(post) else "briefer"
    written = " ".join((m.group("deleg1") or m.group("deleg2") or m.group("deleg4")).split())
    delegation = re.sub(r"^the\s+", "", written)
    speaker = (
        _title_case(m.group("name")) if m.group("name") else f"The representative of {written}"
    )
    in_national_capacity = re.search(r"national capacity|capacity as (?:Council )?President", lead)
    role = "president (national capacity)" if in_national_capacity else "delegation"
    return speaker, delegation, _country_code(delegation), role


def _summary_end(text: str, start: int, end: int) -> int:
    """The end of a summary turn, without the section titles and meeting times after it."""
    lines = text[start:end].split("\n")
    n = len(lines)
    while n > 1:
        line = lines[n - 1].strip()
        closing = re.fullmatch(
            r"[*\s]*|The meeting (?:began|started|opened|ended|adjourned)\b.*", line
        )
        if not (closing or (len(line) < 60 and not _TERMINAL_LINE.search(line))):
            break
        n -= 1
    return start + len("\n".join(lines[:n]).rstrip())


def _summary_front(intro: str) -> _Front:
    """Metadata from the lines before the first speaker of a press summary or transcript."""
    out = _Front(forum=record_forum("", intro, intro), date=_iso_date(intro[:2000]))
    meeting = re.search(r"(?i)\b(\d+)(st|nd|rd|th) (plenary )?meeting\b", intro)
    if meeting:
        number, plenary = meeting.group(1), (meeting.group(3) or "").lower()
        out.meeting = f"{number}{meeting.group(2).lower()} {plenary}meeting"
        if out.forum == SECURITY_COUNCIL:
            out.symbol = f"S/PV.{number}"
    symbol = find_symbol(intro)
    if symbol:
        out.symbol = symbol.symbol
    return out


# ------------------------------------------------------------------ transcripts

_LABEL = re.compile(
    r"^[ \t]*(?:(?P<title>(?:The\s+)?(?i:President|Chair|Chairperson|Chairman|Co-Chair|Moderator"
    rf"|Facilitator))|(?:(?P<hon>{_HON_ABBR}|{_HON_WORD})\s+)?(?P<name>{_NAME_TOKEN}"
    rf"(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_NAME_TOKEN}){{0,5}})"
    r"(?:[ \t]*\((?P<deleg>[^()\n]{2,80})\))?)(?:[ \t]*\((?:spoke|speaking) in (?P<lang>[A-Z][a-z]+)\))?"
    r"[ \t]*(?P<colon>:?)[ \t\r]*$",
    re.MULTILINE,
)


@dataclass
class _Label:
    start: int
    end: int
    speaker: str
    honorific: str
    delegation: str
    country: str
    role: str
    spoke_in: str


def _labels(text: str) -> list[_Label]:
    """Speaker lines of a transcript: a chair, 'Name (Country)', or a country alone on its line."""
    return [label for m in _LABEL.finditer(text) if (label := _label(m, text))]


def _label(m: re.Match[str], text: str) -> _Label | None:
    after = text[m.end() : m.end() + 400].lstrip("\r\n")
    if len(after.split("\n", 1)[0].split()) < 3:  # a label is followed by a line of speech
        return None
    start, language = _lstrip_offset(m), _language(m.group("lang"))
    if m.group("title"):
        word = " ".join(m.group("title").split())
        return _Label(start, m.end(), word[0].upper() + word[1:], "", "", "", "chair", language)
    name, honorific = " ".join(m.group("name").split()), m.group("hon") or ""
    delegation = " ".join((m.group("deleg") or "").split())
    if delegation:
        code = _country_code(delegation)
        speaker = " ".join(f"{honorific} {name}".split())
        return (
            _Label(start, m.end(), speaker, honorific, delegation, code, "delegation", language)
            if code
            else None
        )
    if honorific or not (m.group("colon") or name.isupper()) or len(name) > 60:
        return None  # a bare country needs capitals or a colon: "CHINA", "China:"
    code = _country_code(name)
    name = _title_case(name)
    return _Label(start, m.end(), name, "", name, code, "delegation", language) if code else None


def _transcript_ok(labels: list[_Label]) -> bool:
    """Enough speaker lines from at least two speakers, among them a chair or a named speaker
    (so that a speech with country names as section titles is not taken for a transcript), or
    speakers taking the floor again."""
    speakers = {label.speaker for label in labels}
    named = any(
        lab.role == "chair" or lab.honorific or lab.delegation != lab.speaker for lab in labels
    )
    return (len(labels) >= MIN_TURNS and len(speakers) >= 2 and named) or (
        len(labels) >= 2 * MIN_TURNS and MIN_TURNS <= len(speakers) < len(labels)
    )


def _transcript_record(text: str, labels: list[_Label]) -> MeetingRecord:
    front = _summary_front(text[: labels[0].start])
    turns = []
    for k, label in enumerate(labels):
        stop = labels[k + 1].start if k + 1 < len(labels) else len(text)
        end = label.end + len(text[label.end : stop].rstrip())
        body = text[label.end : end].strip()
        turns.append(Turn(
            order=k + 1, speaker=label.speaker, honorific=label.honorific,
            delegation=label.delegation, country=label.country, role=label.role,
            spoke_in=label.spoke_in, on_behalf_of=group_named(body), text=body,
            start=label.start, end=end, confidence="transcript", forum=front.forum,
        ))  # fmt: skip
    return _record(front, turns, [])
