"""A group filter selects each member's statements of the dates it was a member
(``tracker/data/groups.csv``), not today's members' statements of every year: the United Kingdom's
speeches while it was in the EU count for the EU and the later ones do not; the USSR's speeches,
stored as the Russian Federation's, count for the P5.

The database holds real UNGDC speeches ingested by the real pipeline: the United Kingdom before
and after its years in the EU (1972, 1973, 2019, 2020, 2021), the USSR (1985) and the Russian
Federation (2000), and Cyprus before and after it joined the EU (2003, 2004, 2005). A General
Debate speech dated only by its year is read as of September: the United Kingdom's of 2020 came
after it left the EU (January), Cyprus's of 2004 after it left the G77 and joined the EU (May).
A membership without a start date starts when the group was founded: India's speech of 1960
counts for neither the NAM (1961) nor the G77 (1964), that of 1963 for the NAM only.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from db_support import sql
from tracker import query
from tracker.ingest import ingest_paths
from tracker.query import Filters, Side
from tracker.query.filters import _chosen_of, _members_credited_of

SPEECHES = {("GBR", 1972), ("GBR", 1973), ("GBR", 2019), ("GBR", 2020), ("GBR", 2021),
            ("RUS", 1985), ("RUS", 2000), ("CYP", 2003), ("CYP", 2004), ("CYP", 2005),
            ("IND", 1960), ("IND", 1963), ("IND", 1965)}  # fmt: skip


@pytest.fixture(scope="module")
def db(corpus, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("group-dates")
    subset = folder / "UNGDC_subset.zip"
    src = corpus / "ungdc" / "UNGDC_1946-2024.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(subset, "w") as zout:
        for name in zin.namelist():
            parts = name.rsplit("/", 1)[-1].removesuffix(".txt").split("_")
            if len(parts) == 3 and (parts[0], int(parts[2])) in SPEECHES:
                zout.writestr(name, zin.read(name))
    db = folder / "tracker.db"
    report = ingest_paths([subset], db=db, manifest=corpus / "manifest.csv")
    assert report.failed == []
    stored = set(sql(db, "SELECT country, year FROM statements"))
    assert stored == SPEECHES
    return db


def selected(db: Path, filters: Filters) -> set[tuple[str, int]]:
    """``(country, year)`` of the statements the filters select (the real selection SQL)."""
    where, params = query.selection(db, filters)
    return set(sql(db, f"SELECT s.country, s.year FROM statements s WHERE {where}", params))


def test_a_group_selects_its_members_on_the_statements_dates(db):
    assert selected(db, Filters(groups=("EU",))) == {("GBR", 1973), ("GBR", 2019), ("CYP", 2004),
                                                     ("CYP", 2005)}  # fmt: skip
    # the USSR's P5 seat is the Russian Federation's, whose code its speeches are stored under
    assert selected(db, Filters(groups=("P5",))) == {s for s in SPEECHES if s[0] in ("GBR", "RUS")}
    assert selected(db, Filters(groups=("G77",))) == {("CYP", 2003), ("IND", 1965)}
    assert selected(db, Filters(groups=("NAM",))) == {("CYP", 2003), ("IND", 1963), ("IND", 1965)}
    # the year of leaving or joining: September decides (GBR 2020 not in the EU, CYP 2004 in it)
    assert ("GBR", 2020) not in selected(db, Filters(groups=("EU",)))


def test_a_country_named_itself_is_selected_on_every_date(db):
    both = Filters(countries=("GBR",), groups=("EU",))
    assert selected(db, both) == {s for s in SPEECHES if s[0] == "GBR"} | {("CYP", 2004),
                                                                            ("CYP", 2005)}  # fmt: skip


def test_the_counts_and_the_caption_follow_the_dates(db):
    f = Filters(groups=("EU",))
    matrix = query.country_theme_matrix(db, f)
    assert dict(matrix.drop_duplicates("country")[["country", "n"]].values) == {"GBR": 2, "CYP": 2}
    years = set(query.trends(db, f)["year"])
    assert years == {1973, 2004, 2005, 2019}
    assert "groups: EU (members on each statement's date)" in f.describe()


def test_compare_flags_states_that_were_on_both_sides_at_some_date():
    # Cyprus left the G77 when it joined the EU: on no date on both sides, but on each at some
    # date, so its statements can count for both within one range of years
    assert "CYP" in query.shared_countries(Side.parse("group:EU"), Side.parse("group:G77"))
    assert "GBR" in query.shared_countries(Side.parse("group:EU"), Side.parse("GBR"))


def test_a_group_statement_is_credited_only_while_the_member_is_selected():
    # with an EU filter, Cyprus and Malta (in the G77 until 2004-04-30, in the EU from
    # 2004-05-01), the only EU members ever in the G77, are never credited with its statements
    credited = _members_credited_of(_chosen_of((), ("EU",)))
    assert not {c for name, c, *_ in credited if name == "Group of 77 and China"}
    # the United Kingdom is credited with EU statements of 1973-01-01 to 2020-01-31 only
    assert [(s, u) for name, c, s, u in credited if (name, c) == ("European Union", "GBR")] == [
        ("1973-01-01", "2020-01-31")]  # fmt: skip
    # named itself, Cyprus is credited with the G77's statements from the group's founding
    # (its membership has no start date) up to its leaving
    named = _members_credited_of(_chosen_of(("CYP",), ()))
    assert [(s, u) for name, c, s, u in named if name == "Group of 77 and China"] == [
        ("1964-06-15", "2004-04-30")]  # fmt: skip
