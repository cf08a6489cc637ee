"""Hostile input: arbitrary bytes and text through the readers, cleaners, segmenter, matcher and
record splitter (no crash, no hang, offsets inside the text); web pages with scripts and event
handlers (nothing executable reaches the page); very long lines; file names that are not UTF-8;
and search strings full of FTS5 syntax (no error, no injection).

Property tests run a fixed, derandomized set of examples (reproducible in ``make test``); set
``TRACKER_HYPOTHESIS=explore`` to draw ten times as many fresh ones.
"""

from __future__ import annotations

import html
import io
import json
import multiprocessing
import os
import re
import sqlite3
import sys
import unicodedata
import zipfile
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tracker import query
from tracker.clean import clean_text
from tracker.codebook import load_codebook
from tracker.ingest import ingest_paths
from tracker.match import Matcher
from tracker.models import Problem, RawDocument
from tracker.query import Filters
from tracker.records import detect_record, split_record
from tracker.segment import segment
from tracker.sources import ReaderOptions, read_bytes

REPO = Path(__file__).resolve().parents[1]
EXPLORE = os.environ.get("TRACKER_HYPOTHESIS") == "explore"


def hostile(examples: int, *, seconds: float = 10):
    """Settings for one property: ``examples`` cases (ten times more, fresh, when exploring),
    each under ``seconds`` (a hang guard far above the milliseconds they take)."""
    return settings(
        max_examples=examples * 10 if EXPLORE else examples, derandomize=not EXPLORE,
        deadline=timedelta(seconds=seconds), database=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
    )  # fmt: skip


BOOK = load_codebook()
MATCHER = Matcher(BOOK)


def codebook_words() -> list[str]:
    words = set()
    for theme in BOOK.themes:
        for rule in theme.rules:
            phrases = [p for ps in rule.phrases.values() for p in ps]
            phrases += [p for groups in rule.groups.values() for g in groups for p in g]
            words.update(w for p in phrases for w in p.split() if w != "*")
    return sorted(words)


#: Pieces that exercise the pipeline's special cases: sentence ends and abbreviations, paragraph
#: and page breaks, hyphenation, odd spaces and controls, ligatures, combining marks, scripts.
PIECES = [
    " ", "  ", ". ", "! ", "? ", "… ", "\n", "\n\n", "\n\n\n", "\f", "\r\n", "\r", "\t", "\x0b",
    "\x85", "\u2028", "\u2029", "\u00a0", "\u00ad", "\u00ad\n", "\u200b", "\ufeff", "\x00", "\x07",
    "-", "-\n", "inter-\nnational", "well-\nbeing", "–", "—", "|", "| want", "*", "#", ">", "'",
    "’", "\"", "«", "»", "(", ")", "[", "]", "ﬁ", "ａ", "\u0301", "é", "ß", "Ж", "中文", "،", "עברית",
    "Mr. ", "H.E. ", "No. 5 ", "(a) ", "1. ", "23. ", "e.g. ", "U.N. ", "J. R. ", "Page 3 of 8",
    "- 3 -", "9/30/24, 6:17 PM", "http://www.un.org/x", "www.un.org", "un.org/en", "Home > News",
    "Share Print Email", "© 2024 United Nations",
]  # fmt: skip
WORDS = codebook_words()
piece = st.one_of(st.sampled_from(PIECES), st.sampled_from(WORDS), st.text(max_size=8))
#: Arbitrary text, and text made of the pieces and the codebook's own words (so matches fire).
texts = st.one_of(st.text(max_size=400), st.lists(piece, max_size=120).map("".join))


# -- readers ---------------------------------------------------------------------------------
EXTENSIONS = (".txt", ".md", ".html", ".json", ".csv", ".jsonl", ".pdf", ".zip", "")
#: Starts that send arbitrary bytes down each reader's path (sniffing, BOMs, magic numbers).
HEADS = [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<!doctype html><html><body>", b"[", b"{",
         b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"text,country\n",
         b"---\ntitle: x\n---\n"]  # fmt: skip


def check_items(items) -> list[RawDocument | Problem]:
    """Only RawDocuments and Problems; none from the catch-all for reader bugs; all storable."""
    items = list(items)
    for item in items:
        assert isinstance(item, (RawDocument, Problem)), item
        if isinstance(item, Problem):
            assert item.kind in ("skipped", "failed") and item.reason, item
            assert not item.reason.startswith("could not read the file ("), item  # a reader bug
            (item.source + item.reason).encode("utf-8")
        else:
            assert isinstance(item.raw_text, str) and item.raw_text.strip(), item
            storable = [item.source, item.source_path, item.raw_text, *item.warnings]
            "".join(storable + [h.value for h in item.hints.values()]).encode("utf-8")
    return items


@hostile(250)
@given(st.sampled_from(EXTENSIONS), st.sampled_from(HEADS), st.binary(max_size=3000))
def test_readers_take_arbitrary_bytes(extension, head, data):
    check_items(read_bytes("upload/statement" + extension, head + data))


JSON_KEYS = ["text", "start", "duration", "speech", "country", "url", "date", "language", "x"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(JSON_KEYS), inner,
                                                                  max_size=5),
    max_leaves=15,
)  # fmt: skip
captions = st.lists(
    st.fixed_dictionaries({"text": json_values}, optional={"start": json_values}), max_size=8
)


@hostile(150)
@given(st.one_of(json_values, captions), st.booleans())
@example([{"text": "We call on all partners to honour \ud800 their pledges", "start": 0}] * 4, True)
@example({"text": "Cooperation \udc00 in cyberspace", "country": "FR\ud800"}, True)
def test_json_and_jsonl_readers_take_any_json(value, ascii_only):
    """Any JSON document as a caption list and as rows; lone surrogates written as escapes
    (``"\\ud800"``, valid JSON) or as raw bytes (invalid UTF-8)."""
    rows = value if isinstance(value, list) else [value]
    caption_list = json.dumps(value, ensure_ascii=ascii_only)
    check_items(read_bytes("captions.json", caption_list.encode("utf-8", "surrogatepass")))
    jsonl = "\n".join(json.dumps(row, ensure_ascii=ascii_only) for row in rows)
    check_items(read_bytes("rows.jsonl", jsonl.encode("utf-8", "surrogatepass")))


cells = st.one_of(texts, st.sampled_from(["text", "speech", "country", "url", "", '"', "\n", ";"]))


@hostile(100)
@given(st.lists(st.lists(cells, max_size=6), max_size=6), st.sampled_from([",", ";", "\t", "|"]),
       st.sampled_from(["utf-8", "utf-16", "cp1252"]))  # fmt: skip
def test_csv_reader_takes_any_table(rows, delimiter, encoding):
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    check_items(read_bytes("table.csv", buffer.getvalue().encode(encoding, "replace")))


TAGS = ["<p>", "</p>", "<script>", "</script>", "<style>", "</style>", "<div onclick='x()'>",
        "</div>", "<html>", "<body>", "<head>", "<title>", "</title>", "<h1>", "</h1>", "<br>",
        "<!--", "-->", "<![CDATA[", "]]>", "<meta charset='bogus'>", '<meta charset="utf-16">',
        "&amp;", "&#0;", "&#xD800;", "&#1114112;", "<", ">", "<iframe src='javascript:x'>",
        "<table><tr><td>", "<svg>", "<math>", "<template>", "<noscript>"]  # fmt: skip


@hostile(100)
@given(st.lists(st.one_of(st.sampled_from(TAGS), texts), max_size=40))
def test_html_and_markdown_readers_take_tag_soup(parts):
    page = "".join(parts)
    for encoding in ("utf-8", "utf-16"):
        check_items(read_bytes("page.html", page.encode(encoding, "surrogatepass")))
    check_items(read_bytes("notes.md", page.encode("utf-8", "surrogatepass")))


member_names = st.one_of(
    st.text(min_size=1, max_size=20),
    st.sampled_from(["../a.txt", "/etc/a.txt", "C:/a.txt", "a/../../b.txt", "dir/", ".hidden/a.txt",
                     "__MACOSX/a.txt", "inner.zip", "README", "a\\..\\b.txt", "a.pdf", "ä.txt"]),
)  # fmt: skip


@pytest.mark.filterwarnings("ignore:Duplicate name")  # duplicate member names are part of it
@hostile(80)
@given(st.lists(st.tuples(member_names, st.one_of(st.binary(max_size=300), texts.map(
    lambda t: t.encode("utf-8", "surrogatepass")))), max_size=5), st.booleans(),
    st.integers(0, 100))  # fmt: skip
@example([("\x00", b""), ("ok.txt", b"We call for peace.")], False, 100)  # a NUL-cut empty name
def test_zip_reader_takes_odd_members_and_truncation(members, deflate, keep_percent):
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            archive.writestr(info, data)
    data = buffer.getvalue()
    check_items(read_bytes("batch.zip", data))
    check_items(read_bytes("batch.zip", data[: len(data) * keep_percent // 100]))


def test_a_zip_member_name_that_is_not_utf8_fails_clearly():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("speech__.txt", "We call on all partners to honour their commitments.")
    data = bytearray(buffer.getvalue())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set "names are UTF-8"
        data[data.find(signature) + flags + 1] |= 0x08
    for at in [m.start() for m in re.finditer(b"speech__", bytes(data))]:
        data[at + 6 : at + 8] = b"\xff\xfe"  # ... and make the name invalid UTF-8
    (problem,) = check_items(read_bytes("batch.zip", bytes(data)))
    assert problem.kind == "failed" and "not valid UTF-8" in problem.reason


@pytest.fixture(scope="module")
def real_pdf(corpus) -> bytes:
    smallest = min((corpus / "unga79" / "pdf").glob("*_en.pdf"), key=lambda p: p.stat().st_size)
    return smallest.read_bytes()


@hostile(20, seconds=30)
@given(data=st.data())
def test_pdf_reader_takes_damaged_real_pdfs(real_pdf, data):
    """A real statement's PDF, truncated and with bytes overwritten (OCR off: damaged text
    layers would otherwise be OCR'd, which is slow and tested elsewhere)."""
    pdf = bytearray(real_pdf[: data.draw(st.integers(50, len(real_pdf)), label="length")])
    for _ in range(data.draw(st.integers(0, 8), label="edits")):
        at = data.draw(st.integers(0, len(pdf) - 1))
        pdf[at : at + 4] = data.draw(st.binary(min_size=1, max_size=4))
    check_items(read_bytes("statement.pdf", bytes(pdf), ReaderOptions(ocr=False)))


def test_a_file_name_that_is_not_utf8_is_ingested_and_named(corpus, tmp_path):
    """Linux allows any bytes in a file name; Python keeps the bad ones as lone surrogates,
    which SQLite cannot store: the statement is stored under an escaped name."""
    folder = tmp_path / "in"
    folder.mkdir()
    speech = (corpus / "unga79" / "text" / "au_en.txt").read_bytes()
    (Path(os.fsdecode(bytes(folder) + b"/caf\xe9_en.txt"))).write_bytes(speech)
    (Path(os.fsdecode(bytes(folder) + b"/.hidden\xff")) / "x.txt").parent.mkdir()
    report = ingest_paths([folder], db=tmp_path / "tracker.db")
    assert report.failed == [] and report.stored == ["caf\\xe9_en.txt"]
    assert [p.source for p in report.skipped] == [".hidden\\xff/"]
    with sqlite3.connect(tmp_path / "tracker.db") as conn:
        assert conn.execute("SELECT source FROM statements").fetchall() == [("caf\\xe9_en.txt",)]


# -- cleaners, segmenter, record splitter, matcher --------------------------------------------
READERS = ("text", "markdown", "html", "pdf", "pdf+ocr", "captions", "csv", "jsonl")


def check_passages(text: str, passages, *, max_words: int) -> None:
    """Offsets inside the text, in order, not overlapping, stripped, never across a paragraph
    break, at most ``max_words`` words, numbered from 0."""
    end = 0
    paragraph = 0
    for seq, p in enumerate(passages):
        assert p.seq == seq
        assert end <= p.start < p.end <= len(text), (p, len(text))
        piece = text[p.start : p.end]
        assert piece == piece.strip() and "\n\n" not in piece, (p, piece)
        assert len(piece.split()) <= max_words, (p, piece)
        assert p.paragraph >= paragraph
        end, paragraph = p.end, p.paragraph


@hostile(300)
@given(texts, st.sampled_from(READERS), st.integers(1, 80))
def test_clean_text_and_segment_on_arbitrary_text(raw, reader, max_words):
    clean = clean_text(raw, reader=reader)
    # one space between words, paragraphs split by one blank line, no controls, stripped
    assert clean == clean.strip()
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\r]|  | \n|\n |\n\n\n", clean), repr(clean)
    check_passages(clean, segment(clean, max_words=max_words), max_words=max_words)
    check_passages(raw, segment(raw, max_words=max_words), max_words=max_words)


RECORD_PIECES = [
    "Mr. Fu Cong (China):", "The President:", "The President (spoke in French):", "CHINA:",
    "Ms. Jane Doe (United States of America):", "Sheikh Ali (Qatar):", "S/PV.8698", "A/79/PV.5",
    "Mr. Nebenzia (Russian Federation) (spoke in Russian):", "12 June 2024", "Security Council",
    "The meeting was called to order at 10 a.m.", "The meeting rose at 1 p.m.", "24-12345",
    "FU CONG (China) said", "The representative of China said", "Agenda item 5", "(spoke in",
    "We reaffirm our support for the Organization.", "Page 3 of 8", "H.E. Mr.", "(", ")", ":",
]  # fmt: skip
records = st.lists(st.one_of(st.sampled_from(RECORD_PIECES), piece), max_size=80).map("\n".join)


@hostile(200)
@given(st.one_of(records, texts))
def test_record_splitter_on_arbitrary_text(text):
    detect_record(text)
    record = split_record(text)
    end = 0
    for turn in record.turns if record else ():
        assert end <= turn.start < turn.end <= len(text), turn
        end = turn.end


@hostile(300)
@given(texts, st.sampled_from(sorted(BOOK.languages)), st.booleans())
def test_matcher_spans_are_the_matched_words(raw, language, cleaned):
    text = clean_text(raw) if cleaned else raw
    passages = segment(text)
    for m in MATCHER.match(text, passages, language=language):
        assert 0 <= m.start < m.end <= len(text), m
        assert text[m.start : m.end] == m.matched_text, m
        holder = [p for p in passages if p.seq == m.passage_seq]
        assert not passages or (holder and holder[0].start <= m.start < holder[0].end), m
        assert m.kind in ("exact", "fuzzy", "proximity") and 0 < m.score <= 100, m


# -- very long lines and files ------------------------------------------------------------------
@pytest.fixture(scope="module")
def speech() -> str:
    with zipfile.ZipFile(REPO / "tracker" / "data" / "sample" / "ungdc" / "UNGDC_sample.zip") as z:
        name = sorted(n for n in z.namelist() if n.endswith(".txt"))[-1]
        return z.read(name).decode("utf-8")


LONG = 1_000_000


@pytest.mark.parametrize(
    "shape",
    ["one line of real words", "many short lines", "dots and spaces", "one sentence with no stop",
     "hyphenated line ends", "numbered lines", "no spaces but punctuation"],
)  # fmt: skip
def test_long_lines_and_files_complete(shape, speech):
    """About 1 MB in one shape each, read (or refused as unreadable), cleaned, segmented and
    matched: every step completes, offsets stay inside the text."""
    words = " ".join(speech.split())
    text = {
        "one line of real words": (words + " ") * (LONG // len(words)),
        "many short lines": "\n".join(words[i : i + 60] for i in range(0, len(words), 60)) * 25,
        "dots and spaces": ". " * (LONG // 2),
        "one sentence with no stop": "the peoples of the world and " * (LONG // 29),
        "hyphenated line ends": "inter-\nnational co-\noperation " * (LONG // 30),
        "numbered lines": "".join(f"{i}. We call for cooperation.\n" for i in range(LONG // 30)),
        "no spaces but punctuation": "a.b,c;d-" * (LONG // 8),
    }[shape]
    check_items(read_bytes("long.txt", text.encode()))
    detect_record(text)
    clean = clean_text(text)
    passages = segment(clean)
    check_passages(clean, passages, max_words=60)
    for m in MATCHER.match(clean, passages):
        assert clean[m.start : m.end] == m.matched_text


def matcher_calls(text: str) -> int:
    """Python function calls made inside tracker.match while matching ``text``: a measure of
    the work done that does not depend on the machine's speed."""
    import tracker.match

    calls = 0
    here = tracker.match.__file__

    def count(frame, event, arg):
        nonlocal calls
        if event == "call" and frame.f_code.co_filename == here:
            calls += 1

    passages = segment(text)
    sys.setprofile(count)
    try:
        MATCHER.match(text, passages)
    finally:
        sys.setprofile(None)
    return calls


def test_matching_work_grows_linearly_with_the_theme_words():
    unit = "Closing the digital divide and stopping cyber attacks requires capacity building. "
    MATCHER.match(unit, segment(unit))  # the language compiled first
    once, twice = matcher_calls(unit * 150), matcher_calls(unit * 300)
    assert twice < 3 * once, (once, twice)  # twice the text, about twice the work


def _match_in_child(text: str, pipe) -> None:
    MATCHER.match(text, segment(text))
    pipe.send("done")


def test_a_line_holding_one_enormous_token_completes():
    """300,000 letters with no space among real words: an unknown word, matched in milliseconds
    when treated as one. Run in a forked child, given 3 s: a hang guard, not a speed test."""
    text = "We call for closing the digital divide. " + "a" * 300_000 + " Cyber attacks rise."
    MATCHER.match("The digital divide.", segment("The digital divide."))  # compiled before forking
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    child = multiprocessing.get_context("fork").Process(target=_match_in_child, args=(text, theirs))
    child.start()
    done = ours.poll(3)
    child.kill()
    child.join()
    assert done


# -- scripts and event handlers never reach the page --------------------------------------------
BODY = ("<p>We call for closing the digital divide and for capacity building in developing "
        "countries, so that no one is left behind in the age of artificial intelligence.</p>")
SHORT_BODY = "<p>Short text here.</p>"  # four words: the reader's plain fallback takes over
#: Executable content, each with a marker that must never reach the extracted text.
EXECUTABLE = [
    "<script>alert('XSS1')</script>", "<style>.XSS2{background:url(x)}</style>",
    "<p onclick=\"alert('XSS3')\">Click</p>", "<img src=x onerror=\"alert('XSS4')\">",
    "<a href=\"javascript:alert('XSS5')\">a link</a>", "<iframe src=\"javascript:XSS6\"></iframe>",
    "<iframe srcdoc=\"&lt;script&gt;XSS7&lt;/script&gt;\"></iframe>",
    "<template><script>XSS9</script></template>", "<svg><script>alert('XSS10')</script></svg>",
    "<!-- <script>alert('XSS11')</script> -->", "<object data=\"javascript:XSS12\"></object>",
    "<embed src=\"javascript:XSS13\">", "<body onload=\"XSS14()\">", "<SCRIPT>XSS15</SCRIPT>",
    "<script src=\"https://evil.example/XSS16.js\"></script>", "<div style=\"x:url(XSS17)\">",
    "<form action=\"javascript:XSS18\"><button>Go</button></form>", "<svg onload=\"XSS19\"/>",
    "<script type=\"module\">import('XSS20')</script>", "<link rel=stylesheet href=XSS21.css>",
    "<base href=\"javascript:XSS22//\">", "<meta http-equiv=refresh content=\"0;url=XSS23\">",
]  # fmt: skip


def page_of(body: str, snippets: list[str], where: str) -> str:
    joined = "".join(snippets)
    if where == "head":
        return f"<html><head><title>T</title>{joined}</head><body>{body}</body></html>"
    if where == "inside":
        return f"<html><body>{body.replace('</p>', joined + '</p>', 1)}</body></html>"
    return f"<html><body>{joined}{body}{joined}</body></html>"


@hostile(120)
@given(st.lists(st.sampled_from(EXECUTABLE), min_size=1, max_size=6),
       st.sampled_from([BODY * 3, SHORT_BODY]),
       st.sampled_from(["head", "inside", "around"]))  # fmt: skip
def test_html_reader_keeps_no_executable_content(snippets, body, where):
    page = page_of(body, snippets, where)
    (doc,) = check_items(read_bytes("statement.html", page.encode()))
    for text in (doc.raw_text, clean_text(doc.raw_text, reader="html")):
        assert not re.search(r"XSS\d|javascript:|onerror|onclick|<script", text, re.I), text
    assert "left behind" in doc.raw_text or "Short text here" in doc.raw_text


class _Markup(HTMLParser):
    """Every tag and attribute of a fragment, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "br":
            self.text.append("\n")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.tags.append(("!--", {}))

    def handle_decl(self, decl):
        self.tags.append(("!decl", {}))

    def unknown_decl(self, data):
        self.tags.append(("!cdata", {}))

    def handle_pi(self, data):
        self.tags.append(("?pi", {}))


def markup(fragment: str) -> _Markup:
    parser = _Markup()
    parser.feed(fragment)
    parser.close()
    return parser


SAFE_TAGS = {"div": {"style"}, "mark": {"title", "style"}, "br": set(), "span": {"style"}}


def assert_only_our_markup(fragment: str) -> _Markup:
    parsed = markup(fragment)
    for tag, attrs in parsed.tags:
        assert tag in SAFE_TAGS and set(attrs) <= SAFE_TAGS[tag], (tag, attrs, fragment)
        for value in attrs.values():
            assert not re.search(r"javascript:|expression\(|url\(", value or "", re.I), value
    return parsed


HOSTILE_PIECES = [s.replace("XSS", "x") for s in EXECUTABLE] + [
    "&lt;script&gt;", "&amp;", "&#60;script&#62;", "]]>", "<!--", "-->", "\"", "'", "`", "\n",
    "</mark>", "<mark style='x'>", "</div>", "<br>", "\r", "\x00", "\u2028",
]  # fmt: skip
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), texts), max_size=30).map("".join)
spans = st.lists(st.tuples(st.integers(-5, 600), st.integers(-5, 600),
                           st.sampled_from([*BOOK.theme_ids, "x\" onmouseover=\"y", "<b>"])),
                 max_size=8)  # fmt: skip


@hostile(200)
@given(hostile_text, spans)
def test_statement_highlighter_escapes_everything(text, marks):
    """The dashboard's only raw-HTML rendering of statement text: whatever the text and the
    spans, the only markup is the highlighter's own, and the text reads back unchanged."""
    from app_pages.common import highlight_html

    parsed = assert_only_our_markup(highlight_html(text, marks))
    shown = "".join(parsed.text)
    assert shown == text.replace("\r\n", "\n").replace("\r", "\n") or shown == text


def test_a_hostile_page_reaches_the_statement_page_as_text(tmp_path, monkeypatch):
    """A web page with scripts and handlers, and a speech quoting HTML, ingested for real and
    shown on the dashboard's statement page: every HTML fragment on the page holds only the
    dashboard's own markup, and the quoted tags are shown as text."""
    from streamlit.testing.v1 import AppTest

    folder = tmp_path / "in"
    folder.mkdir()
    quoted = ("We reject cyber attacks on hospitals. The attackers hid <script>alert(1)</script> "
              "and <img src=x onerror=alert(2)> in the digital divide report.")  # fmt: skip
    page = page_of(f"<p>{html.escape(quoted)}</p>" + BODY * 2, EXECUTABLE, "around")
    (folder / "2024-09-24_france_statement.html").write_text(page, encoding="utf-8")
    db = tmp_path / "tracker.db"
    report = ingest_paths([folder], db=db, overrides={"country": "FRA", "date": "2024-09-24"})
    assert report.failed == [] and len(report.stored) == 1
    with sqlite3.connect(db) as conn:
        ((sid, text),) = conn.execute("SELECT statement_id, clean_text FROM statement_texts")
        assert conn.execute("SELECT COUNT(*) FROM matches").fetchone()[0] > 0
    assert "<script>alert(1)</script>" in text and "XSS" not in text

    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.query_params["id"] = str(sid)  # opened at /statement?id=...
    at.switch_page("app_pages/statement.py").run()
    assert not at.exception, [e.value for e in at.exception]
    bodies = [h.proto.body for h in at.get("html")]
    assert any("<mark" in b for b in bodies)
    shown = ""
    for body in bodies:
        shown += "".join(assert_only_our_markup(body).text)
    assert "<script>alert(1)</script>" in shown and "onerror=alert(2)>" in shown
    for element in at.markdown:
        assert "<script" not in element.value and "javascript:" not in element.value


# -- full-text search from the dashboard ---------------------------------------------------------
@pytest.fixture(scope="module")
def search_db(corpus, tmp_path_factory) -> Path:
    """Six real statements: five General Debate speeches and the Security Council seed."""
    db = tmp_path_factory.mktemp("search") / "tracker.db"
    paths = [corpus / "unga79" / "text" / f"{n}_en.txt" for n in ("at", "au", "kr", "sg", "za")]
    paths += sorted((corpus / "seed").glob("*.txt"))
    assert ingest_paths(paths, db=db, manifest=corpus / "manifest.csv").stored
    return db


EVERY = Filters(languages=(), include_duplicates=True, include_non_state=True)


def search_everything(db: Path, text: str) -> dict[str, object]:
    """Every search box of the dashboard, with one text."""
    found = query.search_passages(db, EVERY, text, limit=10_000)
    rows = query.evidence(db, EVERY, search=text, limit=100_000)
    assert len(rows) == query.evidence_count(db, EVERY, search=text)
    listed = query.statements_list(db, EVERY, search=text)
    return {"passages": found, "evidence": rows, "statements": listed}


def fold(text: str) -> str:
    """Roughly as the index's tokenizer (unicode61, remove_diacritics) folds text."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", fold(text)))


def passages_with_all(db: Path, words: list[str]) -> set[int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT id, text FROM passages").fetchall()
    return {pid for pid, text in rows if words_of(" ".join(words)) <= words_of(text)}


FTS_SYNTAX = [
    '"', '""', "'", "*", "**", "^", ":", "(", ")", "((", "{", "}", "[", "]", "-", "+", ",", ".",
    "AND", "OR", "NOT", "NEAR", "NEAR(", "NEAR/2", "text:", "{text}:", "passages_fts", "rank",
    "bm25(", ";", "--", "/*", "*/", "\\", "%", "_", "?", "@", "$", "#", "\t", "\n", "\u00a0",
    "\u0301", "\u200b", "ß", "İ", "ﬁ", "中文", "ق", "é", "cyber", "digital", "divide", "security",
]  # fmt: skip
search_text = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
            max_size=40),
    st.lists(st.sampled_from(FTS_SYNTAX), max_size=10).map(" ".join),
    st.lists(st.sampled_from(FTS_SYNTAX), max_size=10).map("".join),
)  # fmt: skip


@hostile(150)
@given(search_text)
@example('x" OR "y')
@example("') OR 1=1 --")
@example('cyber" OR "divide')
@example('"unbalanced')
@example("NEAR(cyber security, 2)")
@example("text:cyber")
@example("* OR *")
@example("'; DROP TABLE statements; --")
def test_any_search_text_is_an_and_of_plain_words(search_db, text):
    """No error, and every passage found holds every word typed (so syntax never turns the
    search into an OR, a NOT, a column filter or a phrase query that finds more)."""
    results = search_everything(search_db, text)
    if any(raw.endswith("*") for raw in text.split()):
        return  # prefix searches are checked below
    for passage in results["passages"]["passage"]:
        assert words_of(text) <= words_of(passage), (text, passage)


def test_search_syntax_is_text_not_operators(search_db):
    def found(text: str) -> set[int]:
        return set(search_everything(search_db, text)["passages"]["passage_id"])

    cyber, divide = found("cyber"), found("divide")
    assert cyber and divide
    with sqlite3.connect(f"file:{search_db}?mode=ro", uri=True) as conn:
        sql = "SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'cyber OR divide'"
        real_or = {r[0] for r in conn.execute(sql)}
    assert real_or == cyber | divide  # what an injected OR would find...
    for text in ('cyber" OR "divide', "cyber OR divide", "cyber) OR (divide", "cyber' OR 'divide"):
        assert found(text) == passages_with_all(search_db, ["cyber", "or", "divide"])  # ...not this
    assert found("cyber NOT security") <= passages_with_all(search_db, ["cyber", "not", "security"])
    assert found("security NOT cyber") <= found("security") & found("cyber")
    assert found("text:cyber") <= cyber  # a column filter is two words
    assert found("cyber*") >= cyber and all(  # a trailing * keeps its prefix search
        any(w.startswith("cyber") for w in words_of(p))
        for p in search_everything(search_db, "cyber*")["passages"]["passage"]
    )
    assert found("*") == found('"') == found("AND OR NOT") - found("and or not") == set()
    # the statement list's search is a plain substring too: % and _ are not wildcards
    assert search_everything(search_db, "%")["statements"].empty
    with sqlite3.connect(f"file:{search_db}?mode=ro", uri=True) as conn:
        literal = {r[0] for r in conn.execute(
            "SELECT id FROM statements WHERE instr(lower(source), 'a_') OR instr(lower(speaker), "
            "'a_') OR instr(lower(country_name), 'a_')")}  # fmt: skip
    assert set(search_everything(search_db, "a_")["statements"]["id"]) == literal


def test_a_nul_character_in_the_search_is_plain_text(search_db):
    plain = search_everything(search_db, "cyber")
    nul = search_everything(search_db, "cyber\x00")  # raises QueryError today
    assert set(nul["passages"]["passage_id"]) <= set(plain["passages"]["passage_id"])
    assert query.statements_list(search_db, EVERY, search="\x00zzz").empty
