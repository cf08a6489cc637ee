"""Removing one coder's labels of a sample (a mistyped name, a coder who saw the tool's output,
a trial coder) on real speeches in a real SQLite file: the library, `tracker labels` and the
Agreement page's control. The agreed gold follows the labels that remain; adjudicated and
imported decisions stay."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from streamlit.proto.WidgetStates_pb2 import WidgetState
from test_workbench import base_db, db, run, two_coders  # noqa: F401  (fixtures: the ten speeches)
from test_workbench_pages import no_trouble, page

from tracker.cli import cli
from tracker.errors import NotStored, StoreError
from tracker.query import Filters
from tracker.workbench import agreement as agree
from tracker.workbench import store as wb
from tracker.workbench.sample import Design, draw_sample


def snapshot(db: Path) -> tuple[list, list, list]:
    """Every label, gold decision and coder of the database, as rows."""
    conn = sqlite3.connect(db)
    try:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
            for table in ("wb_labels", "wb_adjudications", "wb_coders")
        )
    finally:
        conn.close()


def three_coders_with_gold(db: Path) -> tuple[int, list[wb.Item], list[str]]:
    """alice and bob on all ten speeches (two_coders: they differ on cyber_threats of items 5 and
    10); carol, a trial coder, on items 1-3 as alice, except digital_divide absent on item 1. The
    agreed labels saved as gold (item 1's digital_divide is not agreed: carol differs), item 5's
    cyber_threats adjudicated, item 10's imported."""
    sid, drawn, themes = two_coders(db)
    with wb.open_store(db) as store:
        for n, item in enumerate(drawn[:3]):
            labels = {t: (False, "", None, None) for t in themes}
            labels["cyber_threats"] = (True, "carol saw cyber", None, None)  # alice's 1 on 1-3
            labels["digital_divide"] = (n > 0, "carol saw divide" if n > 0 else "", None, None)
            wb.save_labels(store, item.id, "carol", labels)
        agreed = agree.agreed(wb.labels(store, sid))
        assert len(agreed) == 10 * len(themes) - 3
        wb.save_gold(store, agreed, source="agreement", replace=False)
        wb.save_gold(store, [(drawn[4].id, "cyber_threats", True, "cyber")],
                     source="adjudicated", adjudicator="dana")  # fmt: skip
        wb.save_gold(store, [(drawn[9].id, "cyber_threats", False, "")], source="imported")
    return sid, drawn, themes


def sources(gold: pd.DataFrame) -> dict[str, int]:
    return gold["gold_source"].value_counts().to_dict()


# -- the library ----------------------------------------------------------------------------------


def test_removing_one_coder_leaves_the_others_labels_and_their_own_in_other_samples(db):
    sid, drawn, themes = two_coders(db)
    other = draw_sample(db, Filters(), Design(size=2, seed=8))
    with wb.open_store(db) as store:
        for item in wb.items(store, other):
            wb.save_labels(store, item.id, "alice", {t: (False, "", None, None) for t in themes})
        bob_before = wb.labels(store, sid, coder="bob")
        done = wb.remove_labels(store, sid, "  alice ")  # spaces collapse, as coder_id's do
        left = wb.labels(store, sid)
        elsewhere = wb.labels(store, other, coder="alice")
    assert (done.labels, done.items, done.coder, done.coder_removed) == (
        10 * len(themes), 10, "alice", False)  # fmt: skip
    assert set(left["coder"]) == {"bob"}
    pd.testing.assert_frame_equal(left.reset_index(drop=True), bob_before.reset_index(drop=True))
    assert len(elsewhere) == 2 * len(themes)  # alice's labels of the other sample stay
    with wb.open_store(db) as store:
        counts = wb.label_counts(store)
        assert counts[["sample_id", "coder", "items", "labels"]].values.tolist() == [
            [sid, "bob", 10, 10 * len(themes)], [other, "alice", 2, 2 * len(themes)]]
        # her last labels gone, the name goes too: no stray coder lingers in wb_coders
        assert wb.remove_labels(store, other, "alice").coder_removed
    names = [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM wb_coders")]
    assert names == ["bob"]


def test_agreed_gold_follows_the_remaining_labels_and_adjudicated_and_imported_gold_stays(db):
    sid, drawn, themes = three_coders_with_gold(db)
    with wb.open_store(db) as store:
        before = wb.gold(store, sample_id=sid)
        # carol, the trial coder, goes: alice and bob still agree wherever the agreed gold
        # stands, and now agree on item 1's digital_divide as well (written, as after a revision)
        trial = wb.remove_labels(store, sid, "carol")
        without_carol = wb.gold(store, sample_id=sid)
    assert sources(before) == {"agreement": 10 * len(themes) - 3, "adjudicated": 1, "imported": 1}
    assert (trial.labels, trial.items, trial.withdrawn, trial.agreed) == (3 * len(themes), 3, 0, 1)
    row = without_carol[(without_carol["item_id"] == drawn[0].id)
                        & (without_carol["theme"] == "digital_divide")]  # fmt: skip
    assert row[["present", "gold_source", "evidence"]].values.tolist() == [
        [1, "agreement", "divide"]]  # alice's quote, as agreed() would take it
    assert len(without_carol) == len(before) + 1
    # bob goes: alice alone bears out no agreement, every agreed decision is withdrawn; the
    # adjudicated and the imported decisions stay, though nobody's labels back them now
    with wb.open_store(db) as store:
        done = wb.remove_labels(store, sid, "bob")
        after = wb.gold(store, sample_id=sid)
        open_now = agree.open_disagreements(wb.labels(store, sid), after)
    assert (done.labels, done.withdrawn, done.agreed) == (10 * len(themes), 10 * len(themes) - 2, 0)
    assert sources(after) == {"adjudicated": 1, "imported": 1}
    kept = after.set_index("gold_source")
    assert (kept.loc["adjudicated", "item_id"], kept.loc["imported", "item_id"]) == (
        drawn[4].id, drawn[9].id)  # fmt: skip
    assert open_now == 0  # one coder left: nothing to adjudicate
    assert done.summary().startswith(
        f"Removed {10 * len(themes)} labels of 'bob' (10 items) from sample {sid}; "
        f"{10 * len(themes) - 2} gold decision(s) taken from the coders' agreement withdrawn")


def test_removing_a_coder_whose_labels_a_third_coder_shares_keeps_the_agreed_gold(db):
    """Three coders agreed on a pair; one goes: two still agree, the decision stays (only the
    decisions the remaining labels no longer bear out are withdrawn)."""
    sid, drawn, themes = three_coders_with_gold(db)
    with wb.open_store(db) as store:
        done = wb.remove_labels(store, sid, "alice")
        after = wb.gold(store, sample_id=sid)
    # items 1-3: bob and carol still agree on every theme but item 1's digital_divide (never
    # agreed gold); items 4-10: bob's labels alone, no agreement left
    agreed_left = after[after["gold_source"] == "agreement"]
    assert set(agreed_left["item_id"]) == {drawn[0].id, drawn[1].id, drawn[2].id}
    assert len(agreed_left) == 3 * len(themes) - 1
    assert sources(after)["adjudicated"] == sources(after)["imported"] == 1
    assert done.withdrawn == (10 * len(themes) - 3) - (3 * len(themes) - 1)
    assert done.agreed == 0


def test_an_unknown_sample_or_coder_is_named_with_what_there_is_and_nothing_changes(db):
    sid, drawn, themes = two_coders(db)
    empty = draw_sample(db, Filters(), Design(size=2, seed=8))
    with wb.open_store(db) as store:
        wb.save_gold(store, agree.agreed(wb.labels(store, sid)), source="agreement")
    before = snapshot(db)
    with wb.open_store(db) as store:
        with pytest.raises(NotStored, match=rf"sample {sid} of .* has no labels of coder 'Ana': "
                                            r"its coders are 'alice', 'bob'"):  # fmt: skip
            wb.remove_labels(store, sid, "Ana")
        with pytest.raises(NotStored, match=r"there is no sample 99 in .*: its samples are "
                                            rf"{sid}, {empty}"):  # fmt: skip
            wb.remove_labels(store, 99, "alice")
        with pytest.raises(NotStored, match=rf"sample {empty} of .* has no labels of coder "
                                            r"'alice': no coder has labelled it yet"):  # fmt: skip
            wb.remove_labels(store, empty, "alice")
        with pytest.raises(NotStored, match="'Ana'"):
            wb.label_counts(store, sample_id=sid, coder="Ana")
    assert issubclass(NotStored, StoreError)  # callers catching StoreError still catch it
    assert snapshot(db) == before


def test_a_removal_that_fails_half_way_removes_nothing(db, monkeypatch):
    """One transaction: an error while the gold follows the labels rolls the labels back too."""
    sid, drawn, themes = two_coders(db)
    with wb.open_store(db) as store:
        wb.save_gold(store, agree.agreed(wb.labels(store, sid)), source="agreement")
    before = snapshot(db)
    follow = wb._follow_agreement
    calls = []

    def failing(conn, item_id, stamp):
        calls.append(item_id)
        follow(conn, item_id, stamp)
        if len(calls) == 5:
            raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(wb, "_follow_agreement", failing)
    with wb.open_store(db) as store:
        with pytest.raises(StoreError, match="disk I/O error"):
            wb.remove_labels(store, sid, "bob")
    assert len(calls) == 5 and snapshot(db) == before


# -- the command line -----------------------------------------------------------------------------


def test_labels_list_gives_each_coders_counts_per_sample(db):
    sid, drawn, themes = three_coders_with_gold(db)
    out = run("labels", "list", "--db", db).output
    assert out.splitlines() == ["sample\tcoder\titems\tlabels\titems_tool_seen",
                                f"{sid}\talice\t10\t{10 * len(themes)}\t0",
                                f"{sid}\tbob\t10\t{10 * len(themes)}\t0",
                                f"{sid}\tcarol\t3\t{3 * len(themes)}\t0"]  # fmt: skip
    missing = run("labels", "list", "--db", db, "--sample", 99, ok=False)
    assert missing.exit_code == 1 and f"there is no sample 99 in {db}: its samples are {sid}" in (
        missing.output)  # fmt: skip


def test_labels_remove_asks_first_and_a_refusal_changes_nothing(db):
    sid, drawn, themes = three_coders_with_gold(db)
    before = snapshot(db)
    refused = CliRunner().invoke(cli, ["labels", "remove", "--db", str(db), "--sample", str(sid),
                                       "--coder", "carol"], input="n\n")  # fmt: skip
    assert refused.exit_code == 1 and "Aborted!" in refused.output
    assert f"Remove the {3 * len(themes)} labels of 'carol' (3 items) from sample {sid}?" in (
        refused.output)  # fmt: skip
    assert snapshot(db) == before
    no_answer = CliRunner().invoke(cli, ["labels", "remove", "--db", str(db), "--sample",
                                         str(sid), "--coder", "carol"], input="")  # fmt: skip
    assert no_answer.exit_code == 1 and snapshot(db) == before  # a script without --yes
    agreed = CliRunner().invoke(cli, ["labels", "remove", "--db", str(db), "--sample", str(sid),
                                      "--coder", "carol"], input="y\n")  # fmt: skip
    assert agreed.exit_code == 0, agreed.output
    assert (f"Removed {3 * len(themes)} labels of 'carol' (3 items) from sample {sid}; 0 gold "
            "decision(s) taken from the coders' agreement withdrawn, 1 written") in agreed.output
    with wb.open_store(db, readonly=True) as store:
        assert wb.coders(store, sid) == ["alice", "bob"]


def test_labels_remove_with_yes_removes_and_says_what_the_gold_lost(db):
    sid, drawn, themes = three_coders_with_gold(db)
    done = run("labels", "remove", "--db", db, "--sample", sid, "--coder", "bob", "--yes")
    assert "Remove the" not in done.output  # not asked
    withdrawn = (10 * len(themes) - 3) - (3 * len(themes) - 1)  # as the library test counts
    assert (f"Removed {10 * len(themes)} labels of 'bob' (10 items) from sample {sid}; "
            f"{withdrawn} gold decision(s) taken from the coders' agreement withdrawn (those "
            "pairs are open to adjudicate again); 'bob' has no label left in any sample and is "
            "no longer a coder.") in done.output
    with wb.open_store(db, readonly=True) as store:
        assert wb.coders(store, sid) == ["alice", "carol"]
        assert sources(wb.gold(store, sample_id=sid)) == {
            "agreement": 3 * len(themes) - 1, "adjudicated": 1, "imported": 1}


def test_labels_remove_of_an_unknown_coder_or_sample_names_it_and_changes_nothing(db):
    sid, drawn, themes = three_coders_with_gold(db)
    before = snapshot(db)
    for args, message in (
        (("--sample", sid, "--coder", "Ana M."),
         f"sample {sid} of {db} has no labels of coder 'Ana M.': its coders are 'alice', 'bob', "
         "'carol'"),
        (("--sample", 7, "--coder", "alice"),
         f"there is no sample 7 in {db}: its samples are {sid}"),
    ):  # fmt: skip
        for confirm in ((), ("--yes",)):
            failed = run("labels", "remove", "--db", db, *args, *confirm, ok=False)
            assert failed.exit_code == 1 and f"Error: {message}" in failed.output
            assert "Remove the" not in failed.output  # said before anything is asked
    assert snapshot(db) == before


# -- the Agreement page ---------------------------------------------------------------------------


def removal_widgets(at) -> list:
    """The confirmation and the button: drawn once a coder is picked."""
    return [w for w in [*at.checkbox, *at.button] if (w.key or "").startswith(("wb_rm_sure",
                                                                             "wb_rm_labels"))]


def said(elements) -> list[str]:
    return [e.value.replace("\\", "") for e in elements]  # Markdown escapes off


def test_the_agreement_page_removes_a_coders_labels_only_once_confirmed(app, db):
    sid, drawn, themes = three_coders_with_gold(db)
    at = page(app, "workbench_agree", sample=str(sid))
    assert not removal_widgets(at)
    at.selectbox(key=f"wb_rm_coder_{sid}").set_value("carol").run()
    no_trouble(at)
    sure = at.checkbox(key=f"wb_rm_sure_{sid}")
    assert sure.label == (f"I understand that the {3 * len(themes)} labels of carol in this "
                          "sample (3 items) are deleted for good") and not sure.value  # fmt: skip
    assert at.button(key="wb_rm_labels").disabled  # a browser cannot click it
    before = snapshot(db)
    at.checkbox(key=f"wb_rm_sure_{sid}").check().run()
    assert not at.button(key="wb_rm_labels").disabled
    # the box unticked and the button clicked in one request (a quick hand, before the page
    # has disabled the button again): the page removes nothing without the confirmation
    states = at._tree.get_widget_states()
    sure_id = at.checkbox(key=f"wb_rm_sure_{sid}").proto.id
    button_id = at.button(key="wb_rm_labels").proto.id
    kept = [w for w in states.widgets if w.id not in (sure_id, button_id)]
    del states.widgets[:]
    states.widgets.extend([*kept, WidgetState(id=sure_id, bool_value=False),
                           WidgetState(id=button_id, trigger_value=True)])  # fmt: skip
    at = at._run(states)
    no_trouble(at)
    assert snapshot(db) == before and not at.success
    assert not at.checkbox(key=f"wb_rm_sure_{sid}").value
    at.checkbox(key=f"wb_rm_sure_{sid}").check().run()
    at.button(key="wb_rm_labels").click().run()
    no_trouble(at)
    assert [s for s in said(at.success) if s.startswith(
        f"Removed {3 * len(themes)} labels of 'carol' (3 items) from sample {sid}; 0 gold "
        "decision(s) taken from the coders' agreement withdrawn, 1 written")]
    with wb.open_store(db, readonly=True) as store:
        assert wb.coders(store, sid) == ["alice", "bob"]
        assert sources(wb.gold(store, sample_id=sid)) == {
            "agreement": 10 * len(themes) - 2, "adjudicated": 1, "imported": 1}
    # the page shows what remains, and the next removal starts unchosen and unconfirmed
    assert any(m.startswith("**Coders:** alice (10 of 10 items), bob (10 of 10 items)")
               for m in said(at.markdown))  # fmt: skip
    assert at.selectbox(key=f"wb_rm_coder_{sid}").value is None
    assert not removal_widgets(at)
    # a confirmation given for one coder does not carry over to another
    at.selectbox(key=f"wb_rm_coder_{sid}").set_value("bob").run()
    at.checkbox(key=f"wb_rm_sure_{sid}").check().run()
    at.selectbox(key=f"wb_rm_coder_{sid}").set_value("alice").run()
    assert not at.checkbox(key=f"wb_rm_sure_{sid}").value
    assert at.button(key="wb_rm_labels").disabled
