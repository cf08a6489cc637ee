"""Cleaning: a reader's raw text in, clean text out, paragraphs separated by one blank line.

Each step is a plain ``str -> str`` function named for what it acts on (textacy style), so a
pipeline is a list of them; :func:`clean_text` runs the default pipeline for a reader. Steps
that drop lines look at each line once and skip the work when a quick test rules it out (the
UNGDC, 200 MB, cleans in seconds).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

Step = Callable[[str], str]

# -- Unicode ---------------------------------------------------------------------------------
#: Frequent replacements, done with str.replace (fast); the rare ones go through _ODD.
_COMMON = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\t", " "))
_ODD_MAP = {
    **dict.fromkeys("\u201a\u201b\u2032\u02bc", "'"),
    **dict.fromkeys("\u201e\u201f\u2033", '"'),
    "\x0b": "\n", "\x0c": "\n\f\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n\n",
}  # fmt: skip
_ODD = re.compile(
    "[\u201a\u201b\u2032\u02bc\u201e\u201f\u2033\x0b\x0c\x85\u2028\u2029"
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u200b\u2060\ufeff\u200e\u200f\u034f]"
)
_SOFT_HYPHEN_BREAK = re.compile("\u00ad[ \t]*\n[ \t]*")


def normalize_unicode(text: str) -> str:
    """NFKC (ligatures, non-breaking and other odd spaces, full-width forms), curly quotes to
    straight ones, soft hyphens and zero-width characters dropped, control characters removed,
    line ends as ``\\n``; a form feed (page break) stays, on a line of its own."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u00ad" in text:
        text = _SOFT_HYPHEN_BREAK.sub("", text)
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    for old, new in _COMMON:
        if old in text:
            text = text.replace(old, new)
    if _ODD.search(text):
        text = _ODD.sub(lambda m: _ODD_MAP.get(m.group(0), ""), text)
    return text


def fix_ocr_pipes(text: str) -> str:
    """OCR reads a capital I as "|": "| want to" -> "I want to" (before a lower-case word)."""
    if "|" not in text:
        return text
    return _OCR_PIPE.sub("I", text)


_OCR_PIPE = re.compile(r"(?<![^\s\"'(])\|(?= [a-z])")


# -- line helpers ----------------------------------------------------------------------------
_CLOSERS = "\"')]»"


def _ends_sentence(line: str) -> bool:
    """Does the line end with . ! ? : ; (before any closing quotes or brackets)?"""
    return line.rstrip().rstrip(_CLOSERS)[-1:] in (".", "!", "?", ":", ";") if line else False


def _starts_lower(line: str) -> bool:
    """Does the line start in lower case (after any dash, quote or bracket)?"""
    if line[:1].isalpha():
        return line[0].islower()
    match = _FIRST_CHAR.search(line, 0, 12)
    return match is not None and match.group(0).islower()


_FIRST_CHAR = re.compile(r"[^\s\-\u2013\u2014\"'(\[«]")


def _drop_lines(text: str, drop: Callable[[str], bool]) -> str:
    lines = text.split("\n")
    kept = [line for line in lines if not drop(line)]
    return text if len(kept) == len(lines) else "\n".join(kept)


# -- page furniture --------------------------------------------------------------------------
_PRINT_HEADER = re.compile(
    r"[ \t]*\d{1,2}/\d{1,2}/\d{2,4},?[ \t]+\d{1,2}:\d{2}(?::\d{2})?[ \t]*"
    r"(?:[AaPp]\.?[Mm]\.?)?(?:[ \t].*)?$"
)


def remove_browser_print_headers(text: str) -> str:
    """Drop the lines a browser prints at the top of each page: "9/30/24, 6:17 PM Page title"."""
    return _drop_lines(text, lambda line: line[:3].strip()[:1].isdigit()
                       and _PRINT_HEADER.match(line) is not None)  # fmt: skip


_URL = r"(?:(?:https?|ftp|file):/{1,3}|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]']"
#: A line holding only a URL, perhaps broken by a space ("...-ii-7 9th-session-united-nations")
#: or followed by a page counter.
_URL_LINE = re.compile(
    rf"[ \t]*{_URL}(?:[ \t]+[\w./?=&%#-]*-[\w./?=&%#-]*)?[ \t]*(?:\d{{1,3}}/\d{{1,3}})?[ \t]*$",
    re.I,
)
_URL_INLINE = re.compile(_URL, re.I)
_DOMAIN_LINE = re.compile(r"[ \t]*[a-z0-9][\w-]*(?:\.[\w-]+)*\.[a-z]{2,6}(?:/\S*)?[ \t]*$")


def remove_urls(text: str) -> str:
    """Drop URLs (also OCR-damaged ones like "https:/Awww..."); a line holding only a URL or a
    bare domain path ("vbs.admin.ch/en/nsb?id=1") goes entirely."""
    has_url = ":/" in text or "www." in text or "WWW." in text
    if not has_url and "." not in text:
        return text

    def drop(line: str) -> bool:
        if has_url and _URL_LINE.match(line):
            return True
        bare = line.strip()
        return " " not in bare and "." in bare and _DOMAIN_LINE.match(line) is not None

    text = _drop_lines(text, drop)
    return _URL_INLINE.sub("", text) if has_url else text


_PAGE_WORDS = r"(?:page|p\.|pág\.?|página|pagina|seite|стр\.?|страница)"
_PAGE_COUNTER = re.compile(
    rf"(?:{_PAGE_WORDS}[ \t]*)?\d{{1,4}}[ \t]*(?:/|of|de|sur|von|di|из)[ \t]*\d{{1,4}}"
    rf"|{_PAGE_WORDS}[ \t]*\d{{1,4}}"
    r"|[-\u2013\u2014(]?[ \t]*\d{1,3}[ \t]*[-\u2013\u2014)]?",
    re.I,
)


def remove_page_counters(text: str) -> str:
    """Drop page-number lines: "1/6", "Page 3 of 8", "- 3 -", a bare "15"."""
    return _drop_lines(text, lambda line: len(line) <= 40 and bool(line.strip())
                       and _PAGE_COUNTER.fullmatch(line.strip()) is not None)  # fmt: skip


_DIGITS = re.compile(r"\d+")
_SALUTATION = re.compile(
    r"(?:mr|mrs|ms|madam|madame|monsieur|señor|señora|senhor|excellenc|your excellenc|"
    r"distinguished|dear|ladies|colleagues|friends|president|thank|merci|gracias|obrigad)",
    re.I,
)
#: Lines at each edge of a page (between form feeds) where running headers and footers sit.
PAGE_EDGE_LINES = 4


def remove_repeated_headers(text: str, *, min_repeats: int = 3) -> str:
    """Drop short lines that repeat on several pages (running headers and footers: the
    document symbol, the agenda item, a page title), digits ignored. With page breaks (form
    feeds, as the PDF reader writes them) only lines at the top or bottom of pages count;
    without them, a line must repeat exactly, and lines in the middle of a sentence and
    salutations are kept."""
    lines = text.split("\n")
    if "\f" in text:
        edges = _page_edges(lines)
        keys = {i: k for i in edges if (k := _header_key(lines[i]))}
        candidates = list(keys)
        needed = max(2, min(min_repeats, (lines.count("\f") + 1) // 2 + 1))
    else:
        stripped = [line.strip() for line in lines]
        repeated = {k for k, n in Counter(stripped).items() if n >= min_repeats and k}
        keys = {i: k for i, s in enumerate(stripped) if s in repeated and (k := _header_key(s))}
        candidates = [i for i in keys if not _is_in_flow(lines, i)]
        needed = min_repeats
    counts = Counter(keys[i] for i in candidates)
    furniture = {k for k, n in counts.items() if n >= needed}
    if not furniture:
        return text
    drop = {i for i in candidates if keys[i] in furniture}
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


_ZERO = str.maketrans("123456789", "000000000")


def _header_key(line: str) -> str:
    """The line as a running header would repeat it (digits as 0), or "" when it cannot be one."""
    if len(line) > 160:
        return ""
    key = line.strip().strip("*_#>")  # "**Mr President,**" is a salutation too
    if len(key) < 2 or len(key) > 150 or key[-1] == "," or key.count(" ") > 24:
        return ""
    if _SALUTATION.match(key):
        return ""
    if "  " in key or "\t" in key:
        key = " ".join(key.split())
    return key.translate(_ZERO).lower()


def _is_in_flow(lines: list[str], i: int) -> bool:
    """Is line i in the middle of a sentence (wrapped body text, not a header)?"""
    prev = lines[i - 1].strip() if i else ""
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return bool(prev) and not _ends_sentence(prev) and _starts_lower(nxt)


def _page_edges(lines: list[str]) -> list[int]:
    """Indexes of the first and last few non-blank lines of each page."""
    edges: list[int] = []
    page: list[int] = []
    for i, line in enumerate([*lines, "\f"]):
        if line == "\f":
            edges.extend(page[:PAGE_EDGE_LINES] + page[-PAGE_EDGE_LINES:])
            page = []
        elif line.strip():
            page.append(i)
    return sorted(set(edges))


# -- web chrome ------------------------------------------------------------------------------
_BREADCRUMB = re.compile(r"[^>»›]{1,40}(?:\s[>»›]\s[^>»›]*)+|(?:[^/]{1,30}\s/\s?){2,}[^/]*")
_MENU_WORDS = frozenset(
    "home menu news about contact search media press events statements speeches login sitemap "
    "english français español русский 中文 العربية en fr es ru ar zh".split()
)
_SHARE_WORDS = frozenset(
    "share print email e-mail mail facebook twitter x linkedin whatsapp telegram instagram "
    "youtube suggest to a friend tweet back top copy link download pdf subscribe follow us "
    "send this page article save rss close menu search skip to main content previous next "
    "on via".split()
)
_SHARE_ANCHORS = frozenset(
    "share print email e-mail facebook twitter linkedin whatsapp suggest tweet download "
    "subscribe rss top".split()
)
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright\b|all rights reserved)", re.I)
_SENTENCE_PUNCT = re.compile(r"[.,;:!?]")
_TOKEN = re.compile(r"[^\s|·•]+")
#: How far from each edge a breadcrumb line ("Home > News > ...") is still site chrome.
BREADCRUMB_LINES = 10


def is_chrome_line(line: str) -> bool:
    """Is this line site chrome (menu, breadcrumb, share/print links, copyright)?"""
    line = line.strip()
    if not line or len(line) > 300:
        return False
    if _BREADCRUMB.fullmatch(line) or _COPYRIGHT.match(line):
        return True
    words = [w.lower().strip(":,.!") for w in _TOKEN.findall(line)]
    if len(words) <= 8 and all(w in _SHARE_WORDS for w in words):
        return any(w in _SHARE_ANCHORS for w in words)
    return _is_menu(line, words)


def _may_be_breadcrumb(line: str) -> bool:
    return "/" in line or ">" in line or "»" in line or "›" in line


def _is_menu(line: str, words: list[str]) -> bool:
    """A run of capitalised items with no sentence punctuation: "Home News Events & Media"."""
    if not 3 <= len(words) <= 15 or _SENTENCE_PUNCT.search(line):
        return False
    tokens = _TOKEN.findall(line)
    capitalised = all(not t[0].isalpha() or t[0].isupper() or not t.isascii() for t in tokens)
    signal = "&" in tokens or "|" in line or any(w in _MENU_WORDS for w in words)
    return capitalised and signal


def remove_web_chrome(text: str) -> str:
    """Drop the site's chrome around text copied from a web page: menu, breadcrumb and
    share/print lines at the top and the bottom (up to the first line of real text), and
    breadcrumb lines among the first and last few lines."""
    lines = text.split("\n")
    start, end = 0, len(lines)
    while start < end and (not lines[start].strip() or is_chrome_line(lines[start])):
        start += 1
    while end > start and (not lines[end - 1].strip() or is_chrome_line(lines[end - 1])):
        end -= 1
    body = lines[start:end]
    edges = _edge_lines(body, BREADCRUMB_LINES)
    crumbs = {
        i for i in edges if _may_be_breadcrumb(body[i]) and _BREADCRUMB.fullmatch(body[i].strip())
    }
    if start == 0 and end == len(lines) and not crumbs:
        return text
    return "\n".join(line for i, line in enumerate(body) if i not in crumbs)


def _edge_lines(lines: list[str], n: int) -> set[int]:
    """Indexes of the first and last ``n`` non-blank lines."""
    found: set[int] = set()
    for order in (range(len(lines)), range(len(lines) - 1, -1, -1)):
        taken = 0
        for i in order:
            if taken == n:
                break
            if lines[i].strip():
                found.add(i)
                taken += 1
    return found


# -- numbered paragraphs ---------------------------------------------------------------------
#: A paragraph number at the start of a line (searched in "\n" + text: a literal first is fast).
_PARA_NUMBER = re.compile(r"\n([ \t]*)(\d{1,3})[.,]{1,2}[ \t]+(?=\S)")


def remove_paragraph_numbers(text: str) -> str:
    """Drop paragraph numbers ("23. ", OCR's "49, ") when the text numbers its paragraphs: at
    least three, mostly rising one by one, on a good share of the paragraphs. A short numbered
    list inside a speech is kept."""
    found = list(_PARA_NUMBER.finditer("\n" + text))  # offsets are one more than in text
    if len(found) < 3:
        return text
    numbers = [int(m.group(2)) for m in found]
    steps = [b - a for a, b in itertools.pairwise(numbers)]
    rising = sum(1 for s in steps if 0 < s <= 3)
    falling = sum(1 for s in steps if s <= 0)
    if rising < 0.7 * len(steps) or falling > 0.1 * len(steps):
        return text
    if numbers[0] == 1 and _ends_with_colon(text[: max(found[0].start() - 1, 0)]):
        return text  # "the following objectives:" then "1. ...", "2. ...": a list
    if len(found) < 0.3 * (text.count("\n") + 1) and len(found) < 0.3 * _paragraph_starts(text):
        return text
    pieces, last, previous = [], 0, -1
    for match, number in zip(found, numbers, strict=True):
        if number > previous:  # a list restarting at 1 inside paragraph 23 keeps its numbers
            # match.start() is the line break in "\n" + text, so the line's start in text
            pieces.append(text[last : match.start()] + match.group(1))
            last, previous = match.end() - 1, number
    pieces.append(text[last:])
    return "".join(pieces)


def _ends_with_colon(text: str) -> bool:
    return text.rstrip()[-1:] == ":"


def _paragraph_starts(text: str) -> int:
    """Roughly how many paragraphs the text has (lines after a blank line or a sentence end)."""
    starts, prev = 0, ""
    for line in text.split("\n"):
        line = line.strip()
        if line and (not prev or _ends_sentence(prev)):
            starts += 1
        prev = line
    return starts


# -- line-end hyphenation --------------------------------------------------------------------
#: Prefixes whose hyphen belongs to the word: "well-\nbeing" stays "well-being".
HYPHEN_PREFIXES = frozenset(
    "self non co well cross multi anti ex post pan semi quasi counter socio ill all half long "
    "short high low full mid vice twenty thirty forty fifty sixty seventy eighty ninety".split()
)
_HYPHEN_BREAK = re.compile(r"-(?<=[^\W\d_]-)[ \t]*\n((?:[ \t]*\n)*)[ \t]*(?=[^\W_])")
_WORD_BEFORE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*$")
_WORD_AFTER = re.compile(r"[^\W_][\w']*")
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def join_hyphenated_words(text: str) -> str:
    """Undo line-end hyphenation: "interna-\\ntional" -> "international", but keep the hyphen of
    a compound broken at its hyphen ("two-\\nstate"). The text itself is the dictionary: the
    hyphen goes when the text spells the word without one elsewhere, and stays when it spells
    it with one; otherwise it stays when the next part starts upper-case or with a digit
    ("Afro-\\nAmerican", "COVID-\\n19"), after a compound ("cost-of-\\nliving") or a prefix
    that takes a hyphen ("well-\\nbeing", "non-\\ncommunicable"), and when both parts are words
    the text uses; it goes before a word ending ("develop-\\nment") or after a fragment."""
    if "-\n" not in text and "- \n" not in text and "-\t\n" not in text:
        return text
    words: frozenset[str] | None = None  # the text's words, made on the first break that needs them
    pieces: list[str] = []
    last = 0
    for brk in _HYPHEN_BREAK.finditer(text):
        before = _WORD_BEFORE.search(text, max(0, brk.start() - 80), brk.start())
        after = _WORD_AFTER.match(text, brk.end())
        if not before or not after:
            continue
        first, second = before.group(0), after.group(0)
        if brk.group(1) and not second[0].islower():
            continue  # a hyphen before a page break, then a new paragraph
        if words is None:
            words = text_words(text)
        pieces.append(text[last : brk.start()] + _hyphen(first, second, words))
        last = brk.end()
    pieces.append(text[last:])
    return "".join(pieces)


_WHOLE_WORD = re.compile(r"[\w-]+")


def text_words(text: str) -> frozenset[str]:
    """The whole words of a text, lower-cased: runs of letters, digits, "-" and "_" (so
    "well-being" is one word and "well" is not one of them). Made once per text, so looking a
    word up costs the same in a 1 MB text as in a short one."""
    return frozenset(_WHOLE_WORD.findall(text.lower()))


#: Word endings a hyphenation program splits off ("develop-\nment"): never a word of their own.
HYPHEN_SUFFIXES = frozenset(
    "tion tions sion sions ment ments mental ing ings ity ities ness ance ances ence ences ism "
    "isms ist ists able ible ably ibly ally ive ives ous ated ation ations ization isation ized "
    "ised ise ize ship hood ful less ly ed es er ers est al ial ials ical ency ancy ent ents ant "
    "ants tional tive tives tory ture tures nal ry ty cy zation ger gers ple ples".split()
)


def _hyphen(first: str, second: str, words: frozenset[str]) -> str:
    """The hyphen ("-") when it belongs to the word, "" when it only marks a line break;
    ``words`` are the text's own (:func:`text_words`)."""
    if not second[0].islower() or "-" in first:
        return "-"
    head = _WORDS.match(second)
    tail = head.group(0).lower() if head else second.lower()
    lead = first.lower()
    if f"{lead}-{tail}" in words:
        return "-"
    if lead + tail in words:
        return ""
    if lead in HYPHEN_PREFIXES:
        return "-"
    if tail in HYPHEN_SUFFIXES:
        return ""
    lead_is_word, tail_is_word = lead in words, tail in words
    if lead_is_word and tail_is_word:
        return "-"  # "two-\nstate", "decision-\nmaking"
    long_parts = len(lead) >= 4 and len(tail) >= 4
    return "-" if long_parts and (lead_is_word or tail_is_word) else ""


# -- wrapped lines ---------------------------------------------------------------------------
#: Lines longer than this (90th percentile) are paragraphs, not hard-wrapped lines.
LONG_LINE = 200
_BULLET = re.compile(r"(?:[-•*\u2013\u2014\u25aa\u25cf\u2022]\s|\(?[a-z0-9]{1,3}[.)]\s)")
#: Words no paragraph ends on ("... the" + page break + "United Nations").
_DANGLING = frozenset(
    "and or the of to a an in for with by on at from that its their our this these those "
    "which whose is are was were be been has have had will would shall should can could must "
    "not than into upon between among through against without within towards "
    "et le la les des du de y el los las del e o os as do da dos das и в на".split()
)


def _dangles(line: str) -> bool:
    if not line[-1:].isalpha():
        return False
    tail = line[-12:].rsplit(None, 1)[-1] if line[-12:].strip() else ""
    return tail.lower() in _DANGLING


def _wrap_width(lines: Sequence[str]) -> int:
    lengths = sorted(len(line) for line in lines if line)
    return lengths[int(len(lengths) * 0.9)] if lengths else 0


def _continues(paragraph: list[str], line: str, after_blank: bool, width: int) -> bool:
    """Does ``line`` continue ``paragraph`` (its lines so far)?"""
    prev = paragraph[-1]
    lower = _starts_lower(line)
    if _dangles(prev) and not _BULLET.match(line):
        return True  # no paragraph ends on "and" or "the"
    if width > LONG_LINE:  # one paragraph per line: join only what is plainly a wrap
        return lower and not (after_blank and _ends_sentence(prev))
    if after_blank:  # a page or column break inside a sentence, or a new paragraph
        if _ends_sentence(prev):
            return False
        runs_on = len(paragraph) > 1 and len(prev) >= 0.6 * width and prev[-1:].islower()
        return lower or (runs_on and not _BULLET.match(line))
    if _BULLET.match(line) and not lower:
        return False
    if lower:
        return True
    return len(prev) >= 0.6 * width  # a short line ends a paragraph, heading or salutation


def join_wrapped_lines(text: str) -> str:
    """Join hard-wrapped lines into paragraphs, one paragraph per line, separated by a blank
    line. Lines longer than :data:`LONG_LINE` are taken as whole paragraphs (UNGDC); in
    hard-wrapped text a short line ends its paragraph; a blank line inside a sentence (a page
    break) is bridged when the next line starts in lower case, or when a paragraph of full
    lines stops on a lower-case word or comma."""
    lines = [line.strip() for line in text.split("\n")]
    width = _wrap_width(lines)
    paragraphs: list[list[str]] = []
    blank = False
    for line in lines:
        if not line:
            blank = True
            continue
        if paragraphs and _continues(paragraphs[-1], line, blank, width):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        blank = False
    return "\n\n".join(" ".join(p) for p in paragraphs)


# -- whitespace ------------------------------------------------------------------------------
_BLANK_LINES = re.compile(r"\n{3,}")
#: Every white-space character Python knows but " " and "\n".
OTHER_SPACES = (
    "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def has_other_spaces(text: str) -> bool:
    """Does the text hold white space other than " " and "\n"?"""
    return any(ch in text for ch in OTHER_SPACES)


def normalize_whitespace(text: str) -> str:
    """One space between words, no spaces around line ends, at most one blank line, stripped."""
    if has_other_spaces(text):
        text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    else:
        while "  " in text:
            text = text.replace("  ", " ")
        text = text.replace(" \n", "\n").replace("\n ", "\n")
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


# -- pipelines -------------------------------------------------------------------------------
DEFAULT_STEPS: tuple[Step, ...] = (
    normalize_unicode,
    remove_browser_print_headers,
    remove_urls,
    remove_page_counters,
    remove_repeated_headers,
    remove_web_chrome,
    remove_paragraph_numbers,
    fix_ocr_pipes,
    join_hyphenated_words,
    join_wrapped_lines,
    normalize_whitespace,
)
CAPTION_STEPS: tuple[Step, ...] = (normalize_unicode, normalize_whitespace)


def pipeline(text: str, steps: Sequence[Step]) -> str:
    """Apply ``steps`` in order."""
    for step in steps:
        text = step(text)
    return text


def clean_text(raw: str, *, reader: str = "text") -> str:
    """Normalise Unicode (NFKC, curly quotes to straight, non-breaking spaces, soft hyphens,
    ligatures), remove page furniture, join hard-wrapped lines, undo line-end hyphenation,
    drop UNGDC paragraph numbers; keep paragraph breaks as a blank line ("\\n\\n")."""
    steps = CAPTION_STEPS if reader == "captions" else DEFAULT_STEPS
    return pipeline(raw, steps)
