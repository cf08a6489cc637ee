"""Cleaning rules on excerpts copied from the real corpus, and the whole pipeline on real files."""

from __future__ import annotations

import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.clean import (
    clean_text,
    is_chrome_line,
    join_hyphenated_words,
    join_wrapped_lines,
    normalize_unicode,
    normalize_whitespace,
    remove_browser_print_headers,
    remove_page_counters,
    remove_paragraph_numbers,
    remove_repeated_headers,
    remove_urls,
    remove_web_chrome,
)
from tracker.sources import read_file

UNGDC = "ungdc/UNGDC_1946-2024.zip"

# unga79/text/jo_en.txt, a page break of a speech printed from a web browser
JO_PAGE_BREAK = "\n".join([
    "UN aid trucks sit motionless just miles away from starving",
    "Palestinians. Humanitarian workers who proudly wear the emblem",
    "",
    (
        "https://rhc.jo/en/media/media-post/remarks-his-majesty-king-abdullah-ii-7 "
        "9th-session-united-nations-general-assembly"
    ),
    "",
    (
        "Remarks by His Majesty King Abdullah II at the 79th Session of the United Nations "
        "General Assembly | Royal Hashemite Court"
    ),
    "",
    "1/5",
    "9/24/24, 4:56 PM",
    "",
    (
        "Remarks by His Majesty King Abdullah II at the 79th Session of the United Nations "
        "General Assembly | Royal Hashemite Court"
    ),
    "",
    "of this institution are disparaged and targeted. And the rulings of",
    "the UN’s International Court of Justice are defied, its opinions",
    "disregarded.",
])  # fmt: skip

# seed/2024-06-20_china_fu-cong_unsc-cybersecurity.txt, top and bottom
SEED_TOP = """Home Meetings & Statements Events & Activities China & UN 中文
  Home > Meetings & Statements
Remarks by Ambassador Fu Cong at the UN Security Council Briefing on Cybersecurity

2024-06-20 13:00

President,
"""
SEED_BOTTOM = """Thank you, President.


Suggest to a friend
  Print"""

# UNGDC Session 07 - 1952/DOM_07_1952.txt: numbered paragraphs, OCR's "49," and "54.."
DOM_1952 = (
    "49,\tWe in the Dominican Republic are convinced that this fundamental principle of "
    "equality unites the community of nations.\n"
    "50,\tIn this urgent task of achieving international peace and security, it is the "
    "General Assembly which acts.\n"
    "51.\tWhen it made a careful and patient examination of the long list of items on the "
    "agenda of the present session, my Government agreed.\n"
    "52.\tThus, the course of the very serious events in Korea concerns us all.\n"
    "54.. I shall take this opportunity to reiterate our conviction.\n"
)
# UNGDC Session 01 - 1946/CUB_01_1946.txt: a numbered list inside an unnumbered speech
CUB_1946 = (
    "The Cuban delegation earnestly hopes that the debates in the General Assembly will be "
    "carried on in a cordial spirit of mutual understanding. Likewise we feel confident that "
    "we shall have before us the following objectives:\n"
    "1.\tModification of the voting system in the Security Council;\n"
    "2.\tMaking compulsory the jurisdiction of the International Court of Justice;\n"
    "3.\tRevision of the Article which refers to the admission of Members.\n"
    "I shall not here express the reasons for which Cuba is asking for the elimination of the "
    "veto privilege, because this will be explained when the motion is submitted.\n"
    "As regards the jurisdiction of the International Court of Justice, we consider that all "
    "Member States must submit to the compulsory jurisdiction of the Court.\n"
    "With respect to the Article which deals with membership, it is our considered opinion "
    "that specific mention must be made of the requisites for continued membership.\n"
    "The term peace-loving States, mentioned in Article 4 of the Charter, is ambiguous.\n"
)


# -- Unicode and whitespace ------------------------------------------------------------------
def test_normalize_unicode() -> None:
    raw = "the ﬁrst\u00a0step: “peace-loving” States’ duty\u200b, co\u00adoperation\r\nend\x08"
    clean = 'the first step: "peace-loving" States\' duty, cooperation\nend'
    assert normalize_unicode(raw) == clean
    assert normalize_unicode("page one\fpage two") == "page one\n\f\npage two"


def test_normalize_whitespace() -> None:
    assert normalize_whitespace("  a   b \n\n\n\n c\t d  ") == "a b\n\nc d"


# -- page furniture --------------------------------------------------------------------------
def test_browser_print_headers_urls_and_page_counters() -> None:
    # unga79/text/ch_en.txt
    raw = (
        "9/24/24, 4:31 PM vbs.admin.ch/en/nsb?id=102554\n\nU Schweizerische Eidgenossenschaft\n"
        "https:/Awww.vbs.admin.ch/en/nsb?id=102554\n\n2/5\n9/24/24, 4:31 PM\n\n"
        "vbs.admin.ch/en/nsb?id=102554\nExcellencies\nPage 3 of 8\n- 4 -\n"
        "Visit www.un.org/en for the text, or 79 of them.\n"
    )
    text = remove_page_counters(remove_urls(remove_browser_print_headers(raw)))
    assert text.split() == [
        "U", "Schweizerische", "Eidgenossenschaft", "Excellencies", "Visit", "for", "the",
        "text,", "or", "79", "of", "them.",
    ]  # fmt: skip


def test_repeated_page_title_of_a_printed_web_page_goes(corpus: Path) -> None:
    excerpt = remove_page_counters(remove_urls(remove_browser_print_headers(JO_PAGE_BREAK)))
    excerpt = join_wrapped_lines(remove_repeated_headers(normalize_unicode(excerpt), min_repeats=2))
    assert excerpt == (
        "UN aid trucks sit motionless just miles away from starving Palestinians. Humanitarian "
        "workers who proudly wear the emblem of this institution are disparaged and targeted. And "
        "the rulings of the UN's International Court of Justice are defied, its opinions "
        "disregarded."
    )
    text = clean_text((corpus / "unga79" / "text" / "jo_en.txt").read_text(encoding="utf-8"))
    assert "Royal Hashemite Court" not in text
    assert "9th-session" not in text and "4:56 PM" not in text and "\n1/5\n" not in text
    assert (
        "Humanitarian workers who proudly wear the emblem of this institution are disparaged"
        in text
    )


def test_repeated_headers_keep_salutations_and_wrapped_lines() -> None:
    body = "Excellencies\nthe international community\nmust act.\n\n"
    text = remove_repeated_headers("S/PV.8698\n" + body * 3 + "S/PV.8698\nS/PV.8698\n")
    assert "S/PV" not in text
    assert text.count("Excellencies") == 3 and text.count("the international community") == 3


def test_repeated_headers_with_page_breaks_use_page_edges() -> None:
    page = "08/01/2020\nPeace consolidation in West Africa\nS/PV.8698\n{body}\n3/18\n20-00526"
    bodies = ["The Council met on Peace consolidation in West Africa.", "Mali spoke next.",
              "The meeting rose at 1 p.m."]  # fmt: skip
    text = remove_repeated_headers("\n\f\n".join(page.format(body=b) for b in bodies))
    assert "S/PV.8698" not in text and "20-00526" not in text and "08/01/2020" not in text
    assert all(body in text for body in bodies)


# -- web chrome ------------------------------------------------------------------------------
def test_web_chrome_of_the_seed_page_goes() -> None:
    top = remove_web_chrome(SEED_TOP)
    assert top.splitlines()[0].startswith("Remarks by Ambassador Fu Cong")
    assert remove_web_chrome(SEED_BOTTOM).strip() == "Thank you, President."


def test_web_chrome_rules_are_general() -> None:
    for line in ("Home | About | News | Contact", "Home > Press > Speeches",
                 "Share this: Facebook Twitter Email", "© 2024 Permanent Mission",
                 "Inicio > Prensa > Palabras del presidente Gustavo Petro ante la ONU",
                 "Print this page", "Back to top"):  # fmt: skip
        assert is_chrome_line(line), line
    for line in ("Remarks by Ambassador Fu Cong at the UN Security Council",
                 "Mr. President,", "Thank you.", "2024-06-20 13:00", "Excellencies",
                 "Ladies and Gentlemen", "We must share the burden and print money."):  # fmt: skip
        assert not is_chrome_line(line), line


# -- numbered paragraphs -----------------------------------------------------------------------
def test_ungdc_paragraph_numbers_are_dropped() -> None:
    text = remove_paragraph_numbers(normalize_unicode(DOM_1952))
    assert [line[:12] for line in text.splitlines()] == [
        "We in the Do",
        "In this urge",
        "When it made",
        "Thus, the co",
        "I shall take",
    ]


def test_paragraph_numbers_first_line_and_blank_lines() -> None:
    text = "12. First.\n\n13. Second.\n\n 14, Third.\n15.. Fourth"
    assert remove_paragraph_numbers(text) == "First.\n\nSecond.\n\n Third.\nFourth"


def test_a_numbered_list_inside_a_speech_is_kept() -> None:
    text = normalize_unicode(CUB_1946)
    assert remove_paragraph_numbers(text) == text


# -- hyphenation -------------------------------------------------------------------------------
def test_line_end_hyphenation() -> None:
    # mk_en.txt, bb_en.txt (across a page break), al_en.txt and made-up syllable breaks
    cases = {
        "the right to self-\ndetermination of every nation": "self-determination",
        "from chronic non-\n\ncommunicable diseases.": "non-communicable",
        "promoting health and well-\nbeing will be limited": "well-being",
        "the interna-\ntional community": "international",
        "sustainable develop-\nment goals": "development",
        "the COVID-\n19 pandemic": "COVID-19",
        "the Afro-\nAmerican community": "Afro-American",
        "the cost-of-\nliving crisis": "cost-of-living",
        "a two-\nstate solution: two States, one state each": "two-state",
        "peace-\nbuilding, as peacebuilding matters": "peacebuilding",
    }
    for raw, word in cases.items():
        assert word in join_hyphenated_words(raw).replace("\n", " "), raw


# -- wrapped lines ------------------------------------------------------------------------------
def test_hard_wrapped_lines_join_into_paragraphs() -> None:
    # unga79/text/md_en.txt
    raw = (
        "Mr. President,\nMr. Secretary-General,\nExcellencies,\n\nIt is an honour to represent my\n"
        "country, the Republic of Moldova, at\nthis unique forum where small and\n"
        "large nations alike address core\nissues on the global agenda.\n\nPeace, security, "
        "prosperity and free\nchoice is the core agenda for\nMoldova today."
    )
    paragraphs = join_wrapped_lines(raw).split("\n\n")
    assert paragraphs[-2] == (
        "It is an honour to represent my country, the Republic of Moldova, at this unique "
        "forum where small and large nations alike address core issues on the global agenda."
    )
    assert paragraphs[-1] == (
        "Peace, security, prosperity and free choice is the core agenda for Moldova today."
    )


def test_long_lines_stay_paragraphs() -> None:
    text = clean_text(normalize_unicode(CUB_1946))
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 8
    assert paragraphs[1] == "1. Modification of the voting system in the Security Council;"


# -- real files ---------------------------------------------------------------------------------
def test_seed_cleans_to_the_speech(corpus: Path) -> None:
    raw = next((corpus / "seed").glob("*.txt")).read_text(encoding="utf-8")
    text = clean_text(raw)
    assert text.startswith("Remarks by Ambassador Fu Cong at the UN Security Council Briefing")
    assert text.endswith("Thank you, President.")
    assert "non=use or threat of force" in text  # the original's typo stays
    assert "\n\n2024-06-20 13:00\n\n" in text
    assert "\n\n\n" not in text


def test_unga79_print_furniture_goes(corpus: Path) -> None:
    text = clean_text((corpus / "unga79" / "text" / "ch_en.txt").read_text(encoding="utf-8"))
    for furniture in ("9/24/24", "https", "vbs.admin.ch", "\n2/5\n"):
        assert furniture not in text
    assert "Mr President\n\nSecretary-General\n\nExcellencies\n\nLadies and gentlemen" in text
    assert "my home region - that tipped the balance." in text  # across a page break
    for path in sorted((corpus / "unga79" / "text").glob("*.txt")):
        clean = clean_text(path.read_text(encoding="utf-8"))
        assert clean and "\n\n\n" not in clean and "\r" not in clean, path.name


def test_ungdc_members_clean(corpus: Path) -> None:
    with zipfile.ZipFile(corpus / UNGDC) as archive:
        raw = archive.read("UNGDC_1946-2024/Session 23 - 1968/PRY_23_1968.txt").decode("utf-8-sig")
    text = clean_text(raw)
    assert raw.startswith("152. On behalf") and text.startswith("On behalf of my delegation")
    assert "\n\n153." not in text and "\n\nThe people and Government of Paraguay" in text
    # a hard-wrapped line inside a numbered paragraph is joined
    assert "have entrusted to him tasks" in text


def test_captions_become_one_paragraph(corpus: Path) -> None:
    doc = next(read_file(corpus / "unga78-captions" / "Albania.json"))
    text = clean_text(doc.raw_text, reader="captions")
    assert "\n" not in text and text.startswith("the assembly will hear an address")


def test_pdf_record_furniture_goes(corpus: Path) -> None:
    doc = next(read_file(corpus / "unsc-records" / "S_PV.8698_E.pdf"))
    text = clean_text(doc.raw_text, reader=doc.reader)
    assert text.count("S/PV.8698") == 1  # the front page's heading, not the 17 page headers
    assert "08/01/2020" not in text and "\n3/18\n" not in text and "\f" not in text


# -- properties --------------------------------------------------------------------------------
PIECES = list("ab Z.,-:;\n\n\t\f\r\u00ad\u00a0“”’ﬁ0123456789/|>#é") + [
    "http://x.y ", "Mr. ", "1. ", "-\n", "Home > News", "Print", "9/24/24, 4:31 PM", "the ",
]  # fmt: skip
TEXTY = st.lists(st.sampled_from(PIECES), max_size=150).map("".join)


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(TEXTY, st.text(max_size=300)))
def test_clean_text_never_fails_and_keeps_its_shape(raw: str) -> None:
    for reader in ("text", "captions", "pdf"):
        text = clean_text(raw, reader=reader)
        assert text == text.strip()
        assert "\n\n\n" not in text and "\r" not in text and "\f" not in text
        assert not any(line != line.strip() for line in text.split("\n"))
