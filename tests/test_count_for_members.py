"""Group statements counted for members ("Count group statements for members"): in every
per-country view a group statement is credited to each selected country that belongs to the
group it was delivered for, never to a speaking delegation the filter did not select, and
totals that are not per country still count it once.

The database is a real Security Council record, S/PV.8706 (Resumption 1) of 2020, ingested by
the real pipeline. Its three group statements: Azerbaijan for the Non-Aligned Movement
(unilateral_sanctions, 1 match), Bangladesh for the OIC (no theme; the OIC has no membership
list, so it is never credited to members) and Sudan for the Arab Group (un_main_channel,
unilateral_sanctions). Saudi Arabia (non_interference) and Egypt (non_interference) speak for
themselves; both belong to the NAM and the Arab Group. Jordan, an Arab Group and NAM member,
does not speak.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tracker import charts, export, query
from tracker.ingest import ingest_paths
from tracker.query import Filters

RECORD = "unsc-records/S_PV.8706(Resumption1)_E.pdf"
THEMES = ("disinformation", "non_interference", "un_main_channel", "unilateral_sanctions")


@pytest.fixture(scope="module")
def db(corpus, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("members") / "members.db"
    report = ingest_paths([corpus / RECORD], db=db, manifest=corpus / "manifest.csv")
    assert report.failed == []
    with sqlite3.connect(db) as conn:
        spoken = dict(conn.execute(
            "SELECT on_behalf_of, country FROM statements WHERE on_behalf_of != ''"))  # fmt: skip
    assert spoken == {"Non-Aligned Movement": "AZE", "Organization of Islamic Cooperation": "BGD",
                      "Arab Group": "SDN"}  # fmt: skip
    return db


def cells(df: pd.DataFrame, *keys: str) -> dict:
    """``{(key values..., theme): (n, k)}`` of counted rows."""
    return {(*(r[k] for k in keys), r["theme"]): (int(r["n"]), int(r["k"]))
            for _, r in df.iterrows()}  # fmt: skip


def per_country(counts: dict[str, tuple[int, dict[str, int]]]) -> dict:
    """``{country: (n, {theme: k})}`` spelt out as :func:`cells` gives it (k 0 where absent)."""
    return {(c, t): (n, ks.get(t, 0)) for c, (n, ks) in counts.items() for t in THEMES}


SAU_CREDITED = (3, {"non_interference": 1, "unilateral_sanctions": 2, "un_main_channel": 1})
EGY_CREDITED = (3, {"non_interference": 1, "unilateral_sanctions": 2, "un_main_channel": 1})


def test_the_matrix_credits_group_statements_to_the_selected_members_not_the_speaker(db):
    f = Filters(countries=("SAU", "EGY"), count_for_members=True)
    matrix = query.country_theme_matrix(db, f)
    # SAU: its own statement, the NAM's (AZE) and the Arab Group's (SDN); AZE and SDN,
    # which the filter did not select, get no row
    assert cells(matrix, "country") == per_country({"SAU": SAU_CREDITED, "EGY": EGY_CREDITED})
    # without the option: the two delegations' own statements only
    own = query.country_theme_matrix(db, Filters(countries=("SAU", "EGY")))
    assert cells(own, "country") == per_country(
        {"SAU": (1, {"non_interference": 1}), "EGY": (1, {"non_interference": 1})})


def test_a_selected_speaker_keeps_its_statement_once(db):
    # SDN spoke for the Arab Group, to which it belongs: its statement counts once for SDN,
    # and SDN is also credited with the NAM's statement (AZE, not selected)
    f = Filters(countries=("SDN",), count_for_members=True)
    assert cells(query.country_theme_matrix(db, f), "country") == per_country(
        {"SDN": (2, {"unilateral_sanctions": 2, "un_main_channel": 1})})


def test_a_group_filter_credits_every_member_once(db):
    f = Filters(groups=("Arab Group",), count_for_members=True)
    matrix = cells(query.country_theme_matrix(db, f), "country")
    members = set(query.group_members("Arab Group"))
    assert {c for c, _ in matrix} == members  # all 22 members, speakers or not; no AZE
    # Jordan did not speak: the NAM's and the Arab Group's statements
    assert {t: v for (c, t), v in matrix.items() if c == "JOR"} == {
        "disinformation": (2, 0), "non_interference": (2, 0), "un_main_channel": (2, 1),
        "unilateral_sanctions": (2, 2)}  # fmt: skip


def test_per_year_and_per_theme_totals_count_each_statement_once(db):
    f = Filters(countries=("SAU", "EGY"), count_for_members=True)
    # SAU, EGY, the NAM's and the Arab Group's statements: four, not six
    totals = cells(query.theme_totals(db, f))
    assert totals == {("disinformation",): (4, 0), ("non_interference",): (4, 2),
                      ("un_main_channel",): (4, 1), ("unilateral_sanctions",): (4, 2)}  # fmt: skip
    assert cells(query.trends(db, f), "year") == {(2020, *k): v for k, v in totals.items()}
    by_country = cells(query.trends(db, f, by_country=True), "country", "year")
    assert by_country == {(c, 2020, t): v for (c, t), v in
                          per_country({"SAU": SAU_CREDITED, "EGY": EGY_CREDITED}).items()}


def test_ranking_and_the_exported_numbers_follow_the_members(db):
    f = Filters(countries=("SAU", "EGY"), count_for_members=True)
    ranked = query.ranking(db, f, "unilateral_sanctions")
    assert {r.country: (r.n, r.k) for r in ranked.itertuples()} == {"SAU": (3, 2), "EGY": (3, 2)}
    matrix = query.country_theme_matrix(db, f)
    # the heatmap's caption names the option; its CSV and XLSX hold the credited numbers
    fig = charts.heatmap_figure(matrix, caption=charts.caption_text(f.describe()))
    assert "group statements counted for members" in export.standalone_text(fig)
    for table in (
        pd.read_csv(io.BytesIO(export.table_csv(export.stamped(matrix, codebook_version="v",
                                                               view="u")))),
        pd.read_excel(io.BytesIO(export.table_xlsx(matrix, about={"filters": f.to_dict()}))),
    ):  # fmt: skip
        sanctions = table[table["theme"] == "unilateral_sanctions"]
        assert dict(zip(sanctions["country"], zip(sanctions["n"], sanctions["k"]))) == {
            "SAU": (3, 2), "EGY": (3, 2)}  # fmt: skip


def test_the_evidence_behind_a_country_is_what_it_was_credited_with(db):
    f = Filters(countries=("SAU", "EGY"), count_for_members=True)
    rows = query.evidence(db, f, theme="unilateral_sanctions", country="SAU")
    # the NAM's (AZE) and the Arab Group's (SDN) matches, shown with their speakers and the
    # group each spoke for (why a passage of Sudan's stands behind Saudi Arabia's number)
    assert sorted(set(rows["country"])) == ["AZE", "SDN"]
    assert dict(zip(rows["country"], rows["on_behalf_of"])) == {
        "AZE": "Non-Aligned Movement", "SDN": "Arab Group"}  # fmt: skip
    assert rows["statement_id"].nunique() == 2
    assert query.evidence_count(db, f, theme="unilateral_sanctions", country="SAU") == len(rows)
    # a speaker the filter did not select has nothing credited to it
    assert query.evidence(db, f, country="SDN").empty
    assert query.evidence_count(db, f, country="SDN") == 0
    # without the option: a country's own evidence, as before
    own = query.evidence(db, Filters(countries=("SAU", "EGY")), country="SAU")
    assert set(own["country"]) == {"SAU"}


def test_the_countries_page_shows_the_members_numbers(app):
    """The dashboard only draws what the query layer counted: the heatmap's cells and its
    "numbers behind the chart" are SAU's and EGY's, n 3 each, and the caption names the option."""
    at = app(countries="SAU,EGY", formembers="1").run()
    at.switch_page("app_pages/countries.py").run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    heat = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {cell[2] for row in heat["data"][0]["customdata"] for cell in row} == {"SAU", "EGY"}
    assert "group statements counted for members" in json.dumps(heat["layout"])
    behind = at.dataframe[-1].value
    sanctions = behind[behind["theme"] == "unilateral_sanctions"]
    assert dict(zip(sanctions["country"], zip(sanctions["n"], sanctions["k"]))) == {
        "SAU": (3, 2), "EGY": (3, 2)}  # fmt: skip


def test_a_per_country_trend_point_opens_what_it_counts_with_no_country_picked(app):
    """Trends per country with no country picked draws the six busiest countries, counting
    group statements for them; clicking a point gave the evidence the sidebar's filters (no
    country) select, so a member's point (k 2) opened its own passages only (none)."""
    at = app(themes="unilateral_sanctions", lines="country", formembers="1").run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    # (a review's) the page says so: the Countries page credits nothing without a country picked
    assert any("group statements of groups they belonged to counted for them" in c.value
               for c in at.caption)  # fmt: skip
    chart = at.get("plotly_chart")[0]
    spec = json.loads(chart.proto.spec)
    behind = next(t.value for t in at.dataframe if "k" in t.value.columns)
    credited = behind[(behind["theme"] == "unilateral_sanctions") & (behind["k"] > 0)]
    # a drawn country credited with a group statement it did not deliver
    country = next(c for c in credited["country"] if c not in ("AZE", "SDN"))
    k = int(credited.loc[credited["country"] == country, "k"].iloc[0])
    curve, i = next((n, j) for n, t in enumerate(spec["data"]) if t.get("mode") == "lines+markers"
                    for j, d in enumerate(t["customdata"]) if country in d)  # fmt: skip
    custom = spec["data"][curve]["customdata"][i]
    point = {"curve_number": curve, "point_number": i, "point_index": i,
             "x": custom[1], "y": 0.5, "customdata": custom}  # fmt: skip
    sel = {"selection": {"points": [point], "point_indices": [i], "box": [], "lasso": []}}
    ws = at._tree.get_widget_states()  # the frontend's selection of that point, as it sends it
    ws.widgets.append(WidgetState(id=chart.proto.id, string_value=json.dumps(sel)))
    at._run(ws)
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    rows = next(t.value for t in at.dataframe if "direction" in t.value.columns)
    counted = rows[rows["direction"] == "supports"]
    assert counted["statement"].nunique() == k
    assert set(counted["country"]) & {"AZE", "SDN"}  # the group statements it was credited
    # ... each named with the group it was delivered for, the member's own without one
    spoke_for = dict(zip(counted["country"], counted["on behalf of"]))
    assert {spoke_for.get("AZE"), spoke_for.get("SDN")} - {None} <= {"Non-Aligned Movement", "Arab Group"}
    assert spoke_for[country] == ""


def _with_an_eu_statement(db: Path, folder: Path, date: str) -> Path:
    """A copy of ``db`` (in ``folder``) in which Ireland's statement (unilateral_sanctions, one
    match) was delivered on behalf of the European Union on ``date``. The corpus holds no dated
    EU statement from before Croatia joined (2013-07-01) or after the United Kingdom left
    (2020-01-31), so the record's own statement is rewritten by SQL; only the copy changes."""
    copy = folder / f"eu-{date or 'undated'}.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
        year = int(date[:4]) if date else None
        changed = target.execute(
            "UPDATE statements SET on_behalf_of = 'European Union', date = ?, year = ? "
            "WHERE country = 'IRL'", (date, year)).rowcount  # fmt: skip
    assert changed == 1
    return copy


#: Selected: the United Kingdom (EU member 1973-01-01 to 2020-01-31), Croatia (since
#: 2013-07-01) and Portugal (since 1986-01-01, a speaker of its own, no theme).
EU_SELECTED = Filters(countries=("GBR", "HRV", "PRT"), count_for_members=True)


def _credited(db: Path, f: Filters = EU_SELECTED) -> dict:
    """``{country: (n, k of unilateral_sanctions)}`` of the matrix."""
    matrix = query.country_theme_matrix(db, f)
    rows = matrix[matrix["theme"] == "unilateral_sanctions"]
    return {r.country: (int(r.n), int(r.k)) for r in rows.itertuples()}


def test_a_group_statement_counts_for_the_states_that_were_members_on_its_date(db, tmp_path):
    """A 2010 EU statement was credited to Croatia (a member only since 2013) and not to the
    United Kingdom (a member then): membership was taken as of today."""
    dated = _with_an_eu_statement(db, tmp_path, "2010-05-01")
    # GBR: the EU's statement; PRT: its own and the EU's; HRV, not yet a member: nothing
    assert _credited(dated) == {"GBR": (1, 1), "PRT": (2, 1)}
    by_year = cells(query.trends(dated, EU_SELECTED, by_country=True), "country", "year")
    assert {(c, y) for c, y, _ in by_year} == {("GBR", 2010), ("PRT", 2010), ("PRT", 2020)}
    # the evidence behind a country is what its number counts
    gbr = query.evidence(dated, EU_SELECTED, theme="unilateral_sanctions", country="GBR")
    assert set(gbr["country"]) == {"IRL"} and set(gbr["on_behalf_of"]) == {"European Union"}
    assert query.evidence_count(dated, EU_SELECTED, country="GBR") == len(gbr) > 0
    assert query.evidence(dated, EU_SELECTED, country="HRV").empty
    assert query.evidence_count(dated, EU_SELECTED, country="HRV") == 0


def test_totals_count_a_group_statement_only_when_a_selected_state_was_a_member(db, tmp_path):
    """Per-year and per-theme totals select the statements the per-country rows count: with
    Croatia alone, a 2010 EU statement is not counted (it was, by today's membership)."""
    dated = _with_an_eu_statement(db, tmp_path, "2010-05-01")
    croatia = Filters(countries=("HRV",), count_for_members=True)
    assert query.trends(dated, croatia).empty
    assert query.theme_totals(dated, croatia).empty
    assert query.country_theme_matrix(dated, croatia).empty
    uk = Filters(countries=("GBR",), count_for_members=True)
    assert {(y, t): v for (y, t), v in cells(query.trends(dated, uk), "year").items()
            if t == "unilateral_sanctions"} == {(2010, "unilateral_sanctions"): (1, 1)}  # fmt: skip


@pytest.mark.parametrize(
    ("date", "credited"),
    [
        ("2015-05-01", {"GBR": (1, 1), "HRV": (1, 1), "PRT": (2, 1)}),  # both members
        ("2013-06-30", {"GBR": (1, 1), "PRT": (2, 1)}),  # the day before Croatia joined
        ("2013-07-01", {"GBR": (1, 1), "HRV": (1, 1), "PRT": (2, 1)}),  # the day it joined
        ("2020-01-31", {"GBR": (1, 1), "HRV": (1, 1), "PRT": (2, 1)}),  # the UK's last day
        ("2020-02-01", {"HRV": (1, 1), "PRT": (2, 1)}),  # the day after
        # a partial date counts for a membership that overlaps its period
        ("2013", {"GBR": (1, 1), "HRV": (1, 1), "PRT": (2, 1)}),
        ("2013-06", {"GBR": (1, 1), "PRT": (2, 1)}),
        ("2013-07", {"GBR": (1, 1), "HRV": (1, 1), "PRT": (2, 1)}),
        ("2020-01", {"GBR": (1, 1), "HRV": (1, 1), "PRT": (2, 1)}),
        ("2020-02", {"HRV": (1, 1), "PRT": (2, 1)}),
        ("2021", {"HRV": (1, 1), "PRT": (2, 1)}),
        ("1980", {"GBR": (1, 1), "PRT": (1, 0)}),  # before Portugal joined (1986)
        # an undated statement counts for any membership
        ("", {"GBR": (1, 1), "HRV": (1, 1), "PRT": (2, 1)}),
    ],
)
def test_membership_on_full_partial_and_missing_dates(db, tmp_path, date, credited):
    dated = _with_an_eu_statement(db, tmp_path, date)
    assert _credited(dated) == credited
    for country, (_, k) in credited.items():
        rows = query.evidence(dated, EU_SELECTED, theme="unilateral_sanctions", country=country)
        assert rows["statement_id"].nunique() == k
    assert query.evidence(dated, EU_SELECTED, country="HRV").empty == ("HRV" not in credited)


def test_a_state_that_left_and_joined_again_counts_once(db, tmp_path, monkeypatch, request):
    """Two membership periods that a partial date both overlaps credit the statement once.
    No state in tracker/data has left a group it speaks for and joined again, so the periods
    are given here: the United Kingdom in the EU until 2013-03-31 and again from 2013-10-01."""
    from tracker import countries

    real = countries.group_memberships

    def rejoined(group, *, seats=False):
        periods = [p for p in real(group, seats=seats) if p[0] != "GBR"]
        if group == "EU":
            periods += [("GBR", "1973-01-01", "2013-03-31"), ("GBR", "2013-10-01", None)]
        return sorted(periods, key=lambda p: (p[0], p[1] or ""))

    from tracker.query import filters

    monkeypatch.setattr(countries, "group_memberships", rejoined)
    # the membership rows are kept per selection: read them again now, and after the test
    for cached in (filters._members_credited_of, filters._chosen_of):
        cached.cache_clear()
        request.addfinalizer(cached.cache_clear)
    uk = Filters(countries=("GBR",), count_for_members=True)
    for date, credited in [("2013", {"GBR": (1, 1)}), ("2013-06", {}),
                           ("2013-02-01", {"GBR": (1, 1)}), ("2013-10", {"GBR": (1, 1)})]:
        dated = _with_an_eu_statement(db, tmp_path, date)
        assert _credited(dated, uk) == credited, date
        assert len(query.theme_totals(dated, uk)) == (4 if credited else 0), date
        rows = query.evidence(dated, uk, theme="unilateral_sanctions", country="GBR")
        assert rows["statement_id"].nunique() == sum(k for _, k in credited.values()), date
        assert query.evidence_count(dated, uk, theme="unilateral_sanctions",
                                    country="GBR") == len(rows)  # fmt: skip


def test_evidence_context_is_cut_at_whole_words(db):
    """The words around a match were cut at 70 characters, mid-word ("…rnational")."""
    from app_pages.ui.evidence import kwic

    rows = query.evidence(db, Filters(), limit=500)
    table = kwic(rows)
    cut = [(p, b) for p, b in zip(rows["passage"], table["before"]) if b.startswith("…")]
    assert cut
    for passage, before in cut:
        start = " ".join(passage.split()).find(before[1:])
        assert start > 0 and " ".join(passage.split())[start - 1] == " ", before
    after = [(p, a) for p, a in zip(rows["passage"], table["after"]) if a.endswith("…")]
    assert after
    for passage, text in after:
        flat = " ".join(passage.split())
        end = flat.find(text[:-1]) + len(text) - 1
        assert end < len(flat) and flat[end] == " ", text


def test_a_cut_on_a_word_boundary_keeps_the_word(db):
    """(a review's) the whole-word cut dropped a word even when the 70 characters ended on a
    space: the context then lost a word it could show."""
    from app_pages.ui.evidence import _whole_words

    passage = next(p for p in query.evidence(db, Filters(), limit=50)["passage"] if len(p) > 120)
    words = passage.split(" ")
    head = " ".join(words[:5])  # a cut right after the fifth word, before the space
    assert _whole_words(passage, len(head)) == head
    tail = " ".join(words[-5:])
    assert _whole_words(passage, -len(tail)) == tail
    # a cut inside a word still drops it
    assert _whole_words(passage, len(head) + 2) == head


def test_the_ranking_says_how_many_statements_a_member_delivered_itself(db):
    """A member that never spoke could top the ranking on credited group statements alone,
    with nothing to tell it from one that spoke: each bar now says its own statements."""
    f = Filters(groups=("Arab Group",), count_for_members=True)
    ranked = query.ranking(db, f, "unilateral_sanctions")
    own = {r.country: (r.n, r.n_own) for r in ranked.itertuples()}
    # Jordan did not speak: the NAM's and the Arab Group's statements only; Saudi Arabia spoke
    # for itself, Sudan for the Arab Group (its own) and is credited with the NAM's
    assert own["JOR"] == (2, 0) and own["SAU"] == (3, 1) and own["SDN"] == (2, 1)
    fig = charts.ranking_figure(ranked, theme="unilateral_sanctions", min_n=1)
    labels = dict(zip([c for _, _, c, _ in fig.data[0].customdata],
                      [t for *_, t in fig.data[0].customdata]))  # fmt: skip
    assert labels["JOR"] == "2/2 (0 own)" and labels["SDN"] == "2/2 (1 own)"
    hover = dict(zip([c for _, _, c, _ in fig.data[0].customdata], fig.data[0].text))
    assert "0 delivered by the country itself, 2 credited as a group's member" in hover["JOR"]
    # without the option every statement is the country's own
    plain = query.ranking(db, Filters(groups=("Arab Group",)), "unilateral_sanctions")
    assert (plain["n_own"] == plain["n"]).all() and "own" not in str(
        charts.ranking_figure(plain, theme="unilateral_sanctions", min_n=1).data[0].customdata)
