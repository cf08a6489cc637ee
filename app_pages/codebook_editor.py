"""The codebook editor on the Codebook and method page: one theme's YAML (phrases, proximity
rules, exclusions), validated with the line at fault, a preview of what would change on the gold
and a random sample, then a new codebook version saved and the database re-matched in the
background with a progress bar. UI only: the work is ``tracker.editor``, ``tracker.preview`` and
``tracker.rematch_job``."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path

import streamlit as st

from app_pages import common
from tracker import editor, preview, rematch_job
from tracker.codebook import CodebookLineError, codebook_from_text
from tracker.errors import TrackerError
from tracker.store import Store

PREVIEW_SETS_KEPT = 2
KWIC_SHOWN = 500


def show(book, gold_bytes: bytes | None) -> None:
    """The editor for the active codebook ``book`` (a ``query.CodebookInfo``); ``gold_bytes``
    is the gold TSV loaded on the page, if any."""
    st.subheader("Edit the codebook")
    st.caption(
        "Edit one theme's phrases, proximity rules (`near`) and exclusions (`exclude`) as YAML, "
        "in the codebook's syntax (see `tracker/codebooks/README.md`). **Preview** matches the "
        "gold statements and a random sample with the active codebook and with your edit and "
        "lists what appears and disappears. **Save** writes a new codebook version beside the "
        "database and re-matches the database in the background; until it ends, the database "
        "keeps the active codebook's matches."
    )  # fmt: skip
    db = common.db_path()
    _job_status(db, book.version)
    ids = [t.id for t in book.themes]
    if not ids or not book.text:
        st.info("The database records no codebook text to edit.")
        return
    theme = st.selectbox("Theme to edit", ids, key="ed_theme",
                         format_func=lambda t: f"{book.label(t)} ({t})")  # fmt: skip
    try:
        block = editor.theme_block(book.text, theme)
    except TrackerError as exc:
        st.error(common.md(exc))
        return
    key = f"ed_text_{book.version}_{theme}"
    # each theme keeps its draft while another is edited: Streamlit forgets the value of a
    # widget not drawn in a run, so the text is kept apart too, and given back to the box
    drafts = st.session_state.setdefault("ed_drafts", {})
    if key not in st.session_state:
        st.session_state[key] = drafts.get(key, block.text)
    _add_phrase_form(key)
    st.text_area(f"Theme `{theme}` (YAML)", key=key, height=420,
                 help="Error messages number lines from the `id:` line (line 1).")  # fmt: skip
    edited = drafts[key] = st.session_state[key]
    c1, c2, c3, c4 = st.columns([1, 1, 2, 2])
    size = c1.number_input("Sample size", 0, 5000, 300, step=50, key="ed_sample",
                           help="Statements drawn at random from the database (0: gold "
                           "only)")  # fmt: skip
    seed = c2.number_input("Seed", 0, 2**31 - 1, 0, key="ed_seed")
    gold, note = _gold(db, gold_bytes)
    c3.caption(note)
    go_preview = c4.button("Preview changes", key="ed_preview", type="primary")
    go_save = c4.button("Save as a new version and re-match", key="ed_save")
    c4.button("Undo my edits", key="ed_reset", on_click=_reset, args=(key, block.text))
    if go_preview or go_save:
        try:
            result = editor.edit_theme(book.text, book.path, theme, edited,
                                       folder=editor.codebook_folder(db))  # fmt: skip
        except CodebookLineError as exc:
            _line_error(exc, edited)
            return
        except TrackerError as exc:
            st.error(common.md(exc))
            return
        if go_save:
            _save(db, result, book.version)
        else:
            _preview(db, book, result, edited, gold, int(size), int(seed))
    _show_preview(theme, edited)


def _reset(key: str, text: str) -> None:
    st.session_state[key] = text
    st.session_state.setdefault("ed_drafts", {})[key] = text
    st.session_state.pop("ed_result", None)


def _add_phrase_form(key: str) -> None:
    """Add a phrase to a phrase rule without writing YAML (it becomes a line of the text)."""
    rules = editor.phrase_rules(st.session_state[key])
    if not rules:
        return
    with st.expander("Add a phrase to a rule"):
        a1, a2, a3 = st.columns([3, 2, 1])
        a1.text_input("Phrase", key="ed_add_phrase",
                      placeholder="(connect|connecting) the unconnected")  # fmt: skip
        a2.selectbox("Rule", rules, key="ed_add_rule")
        a3.selectbox("Language", ["en", "fr", "es"], key="ed_add_lang")
        st.button("Add the phrase", key="ed_add", on_click=_add_phrase, args=(key,))
        if st.session_state.get("ed_add_error"):
            st.error(common.md(st.session_state["ed_add_error"]))


def _add_phrase(key: str) -> None:
    ss = st.session_state
    try:
        ss[key] = editor.add_phrase(ss[key], ss["ed_add_rule"], ss["ed_add_lang"],
                                    ss.get("ed_add_phrase", ""))  # fmt: skip
        ss["ed_add_error"] = ""
        ss["ed_add_phrase"] = ""
    except TrackerError as exc:
        ss["ed_add_error"] = str(exc)


def _line_error(exc: CodebookLineError, edited: str) -> None:
    """The problem, on the line at fault, with the lines around it."""
    if exc.line is None:
        st.error(common.md(str(exc)))
        return
    place = f" ({common.md(exc.place)})" if exc.place else ""
    st.error(f"Line {exc.line}{place}: {common.md(exc.problem)}")
    lines = edited.split("\n")
    shown = range(max(exc.line - 3, 0), min(exc.line + 2, len(lines)))
    st.code("\n".join(f"{'>' if n + 1 == exc.line else ' '} {n + 1:>4} | {lines[n]}"
                      for n in shown), language=None)  # fmt: skip


# -- gold -----------------------------------------------------------------------------------------


def _gold(db: Path, gold_bytes: bytes | None) -> tuple[dict, str]:
    """The gold the preview scores against: the workbench's adjudicated gold, then the TSV
    loaded on the page; and a line saying which."""
    stored = preview.workbench_gold(db)
    loaded: dict = {}
    if gold_bytes:
        with tempfile.NamedTemporaryFile("wb", suffix=".tsv", delete=False) as fh:
            fh.write(gold_bytes)
        try:
            loaded = preview.gold_files([fh.name])
        except TrackerError:
            loaded = {}  # the Validation section above shows the file's error
        finally:
            Path(fh.name).unlink(missing_ok=True)
    parts = [f"{len(stored)} statements with gold in the validation workbench (adjudicated, "
             "agreed or imported)"] if stored else []  # fmt: skip
    parts += [f"{len(loaded)} in the gold TSV above"] if loaded else []
    if not parts:
        return {}, ("No gold: the preview lists changes without P/R/F1 (adjudicate a sample in "
                    "the workbench, or load a gold TSV under Validation).")  # fmt: skip
    return preview.merge_labels(stored, loaded), "Gold: " + "; ".join(parts) + "."


# -- preview --------------------------------------------------------------------------------------


def _preview_set(db: Path, book, gold: dict, size: int, seed: int) -> preview.PreviewSet:
    """The preview's statements and their matches under the active codebook, read once per
    database state, codebook version, gold, sample size and seed (kept for every session); a
    progress bar meanwhile."""
    key = (str(db), common.marker(), book.version, json.dumps(gold, sort_keys=True), size, seed)

    def read() -> preview.PreviewSet:
        bar = st.progress(0.0, text="Matching the statements with the active codebook…")
        with Store(db, readonly=True) as store:
            found = preview.preview_set(store, codebook_from_text(book.text, path=book.path),
                                        gold=gold, size=size, seed=seed,
                                        progress=_bar(bar, "the active codebook"))  # fmt: skip
        bar.empty()
        return found

    return common.kept("preview sets", key, read, most=PREVIEW_SETS_KEPT)


def _bar(bar, what: str):
    def update(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            bar.progress(done / max(total, 1), text=f"Matched {done:,} of {total:,} statements "
                         f"with {what}…")  # fmt: skip

    return update


def _preview(db: Path, book, result: editor.EditedCodebook, edited: str, gold: dict,
             size: int, seed: int) -> None:  # fmt: skip
    try:
        pset = _preview_set(db, book, gold, size, seed)
        bar = st.progress(0.0, text="Matching the statements with the edited codebook…")
        found = preview.preview(pset, result.codebook, result.theme_id,
                                progress=_bar(bar, "the edited codebook"))  # fmt: skip
        bar.empty()
    except TrackerError as exc:
        st.error(common.md(exc))
        return
    st.session_state["ed_result"] = (edited, found, pset.missing_gold, len(pset.sample),
                                     pset.seed)  # fmt: skip


def _show_preview(theme: str, edited: str) -> None:
    """The last preview of this theme, while the text is the one it was made from."""
    stored = st.session_state.get("ed_result")
    if not stored or stored[1].theme != theme:
        return
    previewed, found, missing, sampled, seed = stored
    if previewed != edited:
        st.info("The text has changed since the preview: press **Preview changes** again.")
        return
    if found.version_after == found.version_before:
        st.info("The edit changes nothing: the codebook is the active version.")
        return
    st.markdown(f"**Preview**: codebook {found.version_before} → {found.version_after} "
                f"(not saved), on the gold statements and {sampled:,} statements drawn with "
                f"seed {seed}.")  # fmt: skip
    if missing:
        st.caption(f"{missing:,} gold statements are not in this database and are left out.")
    m1, m2, m3 = st.columns(3)
    m1.metric("Matches appearing", f"{len(found.changed('appears')):,}")
    m2.metric("Matches disappearing", f"{len(found.changed('disappears')):,}")
    m3.metric("Matches changing", f"{len(found.changed('changes')):,}",
              help="Same span, another rule, kind or direction")  # fmt: skip
    st.dataframe(found.counts, hide_index=True, width="stretch", key="ed_counts")
    scores = preview.scores_frame(found)
    if not scores.empty:
        st.markdown("**Precision, recall and F1 on the gold**")
        st.dataframe(scores, hide_index=True, width="stretch", key="ed_scores")
        decisions = preview.decisions_frame(found)
        if not decisions.empty:
            st.markdown("**Gold decisions that change**")
            st.dataframe(decisions, hide_index=True, width="stretch", key="ed_decisions")
    rows = preview.changes_frame(found)
    st.markdown(f"**Matches that change** ({len(rows):,}; the edited theme first)")
    if rows.empty:
        st.caption("No match appears or disappears on these statements.")
        return
    if len(rows) > KWIC_SHOWN:
        st.caption(f"The first {KWIC_SHOWN:,} shown.")
    right = {"before": st.column_config.TextColumn(alignment="right")}
    st.dataframe(rows.head(KWIC_SHOWN), hide_index=True, width="stretch", key="ed_changes",
                 column_config=right)  # fmt: skip


# -- save and re-match ----------------------------------------------------------------------------


def _save(db: Path, result: editor.EditedCodebook, active_version: str) -> None:
    if result.codebook.version == active_version:
        st.info("The edit changes nothing: the codebook is the active version, nothing saved.")
        return
    running = rematch_job.current(db)
    if running is not None and running.active:
        st.warning("A re-match is running: wait for it to end before saving another version.")
        return
    try:
        saved = editor.save_codebook(editor.codebook_folder(db), result.text)
        rematch_job.start(db, saved.codebook)
    except TrackerError as exc:
        st.error(common.md(exc))
        return
    except OSError as exc:
        st.error(f"Cannot write the codebook: {common.md(exc)}; nothing was saved.")
        return
    st.session_state.pop("ed_result", None)
    st.rerun()


def _job_status(db: Path, active_version: str) -> None:
    """The running re-match's progress bar, or how the last one ended."""
    job = rematch_job.current(db)
    if job is None:
        return
    if job.active:
        _progress(str(db))
        return
    when = datetime.fromtimestamp(job.finished or job.started).strftime("%H:%M:%S")
    version = job.codebook.version
    if job.state == rematch_job.DONE:
        # the job is kept per process: a re-match run since from the command line may have
        # made another codebook the active one
        now = ("it is the active codebook" if version == active_version else
               f"the database has since been re-matched with codebook {active_version}, which is "
               "the active one now")  # fmt: skip
        st.success(f"Re-matched {job.total:,} statements with codebook {version} at {when} "
                   f"({job.written:,} matches); {now}. File: `{job.codebook.path}`")  # fmt: skip
    elif job.state == rematch_job.CANCELLED:
        st.warning(f"The re-match with codebook {version} was cancelled at {when}; the database "
                   f"keeps codebook {active_version}. The saved file stays: "
                   f"`{job.codebook.path}`")  # fmt: skip
    else:
        st.error(f"The re-match with codebook {version} failed at {when}: "
                 f"{common.md(job.error)}. The saved file stays: "
                 f"`{job.codebook.path}`")  # fmt: skip


@st.fragment(run_every=1.0)
def _progress(db: str) -> None:
    job = rematch_job.current(db)
    if job is None or not job.active:
        st.rerun(scope="app")  # it ended: the whole page shows the outcome and the new version
        return
    if job.state == rematch_job.WRITING:
        text = f"Writing the matches of codebook {job.codebook.version}…"
    elif not job.total:
        text = f"Starting the re-match with codebook {job.codebook.version}…"
    else:
        text = (f"Re-matching with codebook {job.codebook.version}: {job.done:,} of "
                f"{job.total:,} statements. The dashboard stays usable meanwhile.")  # fmt: skip
    st.progress(job.fraction, text=text)
    st.button("Cancel the re-match", key="ed_cancel", on_click=job.cancel)
