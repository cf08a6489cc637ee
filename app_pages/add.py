"""Add statements: upload files in any format `tracker ingest` reads, with metadata for them all;
the result and every problem are shown, and the charts include the new statements at once."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import common
from tracker import query
from tracker.errors import TrackerError
from tracker.metadata import describe_flags
from tracker.sources import ReaderOptions

st.title("Add statements")
db = common.db_path()
st.caption(f"Database: `{db}`" + ("" if db.exists() else " (it will be created)"))

# every extension offered here is read by tracker.sources (srt and vtt as captions)
TYPES = ["txt", "md", "html", "htm", "pdf", "json", "srt", "vtt", "csv", "jsonl", "zip"]
#: What a file may weigh, as `tracker ingest --max-bytes` has it by default; the uploader's own
#: limit (server.maxUploadSize, 200 MB) is for zip archives, whose files each get this one.
MAX_FILE_BYTES = ReaderOptions().max_bytes
with st.form("upload", clear_on_submit=False):
    files = st.file_uploader("Statement files (text, HTML, PDF, captions, CSV/JSONL, zip)",
                             type=TYPES, accept_multiple_files=True, key="up_files",
                             help=f"Up to {MAX_FILE_BYTES / 1e6:.0f} MB per file; a zip "
                             f"archive up to 200 MB, each file in it up to "
                             f"{MAX_FILE_BYTES / 1e6:.0f} MB.")  # fmt: skip
    st.markdown("**Metadata for every file** (leave empty to let the tool find it in the file "
                "name and text)")  # fmt: skip
    c1, c2, c3 = st.columns(3)
    country = c1.text_input("Country (ISO3 code or name)", key="up_country")
    date = c2.text_input("Date (YYYY-MM-DD, YYYY-MM or YYYY)", key="up_date")
    language = c3.text_input("Language (en, fr, es...)", key="up_language")
    c4, c5, c6 = st.columns(3)
    forum = c4.text_input("Forum", key="up_forum", placeholder="e.g. Security Council")
    meeting = c5.text_input("Meeting or session", key="up_meeting")
    speaker = c6.text_input("Speaker", key="up_speaker")
    c7, c8 = st.columns(2)
    title = c7.text_input("Title", key="up_title")
    source_kind = c8.text_input("How the text was made", key="up_kind",
                                placeholder="e.g. web page, UN record, speech recognition")  # fmt: skip
    submitted = st.form_submit_button("Add to the database", type="primary")

if submitted:
    problems = []
    from tracker.metadata import language_code, normalize_date

    # checked as `tracker ingest` checks them: metadata stored with a statement stays with it
    # (adding the file again finds it already stored), so a slip must be caught here; a country
    # the tool does not know is kept as written and flagged (a group or body it lacks)
    if date and (not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date.strip())
                 or not normalize_date(date.strip())):  # fmt: skip
        # quoted, not !r: the repr of the escaped text showed its backslashes ('2024\-02\-30')
        problems.append(f"Date “{common.md(date)}” is not a date: give YYYY-MM-DD, YYYY-MM or "
                        "YYYY.")  # fmt: skip
    if language and language.strip() and not language_code(language.strip()):
        problems.append(f"Language “{common.md(language)}” is no language code or name the tool "
                        "knows (en, fr, es, ...).")  # fmt: skip
    if not files:
        problems.append("Choose at least one file.")
    for f in files or []:  # refused here, not stored and then failed with a command-line option
        if not f.name.lower().endswith(".zip") and f.size > MAX_FILE_BYTES:
            problems.append(f"{common.md(f.name)} is {f.size:,} bytes, over the "
                            f"{MAX_FILE_BYTES / 1e6:.0f} MB a statement file may have.")  # fmt: skip
    for p in problems:
        st.error(p)
    if not problems:
        overrides = {k: v.strip() for k, v in (("country", country), ("date", date),
                     ("language", language), ("forum", forum), ("meeting", meeting),
                     ("speaker", speaker), ("title", title), ("source_kind", source_kind))
                     if v and v.strip()}  # fmt: skip
        from tracker.ingest import discard_unused, ingest_paths, save_uploads

        upload = None
        report = None
        try:
            # each upload gets a folder of its own: no file overwrites another's
            upload = save_uploads([(f.name, f.getvalue()) for f in files],
                                  Path(db).resolve().parent / "uploads")  # fmt: skip
            with st.spinner(f"Reading {len(upload.paths)} file(s)..."):
                report = ingest_paths(upload.paths, db=db, overrides=overrides or None)
        except TrackerError as exc:
            st.error(f"Nothing was added: {common.md(exc)}")
        except Exception as exc:  # noqa: BLE001 (show, never a traceback)
            st.error(f"Nothing was added: unexpected error {type(exc).__name__}: {common.md(exc)}")
        finally:
            # also when the researcher left the page during the ingest: Streamlit then stops
            # this run at its next call (the spinner's end) with an exception that is no
            # Exception, after the ingest finished; the result waits here for their return
            if report is not None and upload is not None:
                discard_unused(upload, report)  # files that gave no statement are not kept
                st.session_state["last_report"] = report
                st.cache_data.clear()  # every page reads the new statements
            elif upload is not None:  # nothing was added: keep none of its files
                shutil.rmtree(upload.folder, ignore_errors=True)

shown = st.session_state.get("last_report")
if shown is not None:
    st.subheader("Result")
    added = len(shown.stored) + len(shown.already_stored)
    if not added:  # nothing new and nothing known: never a green box
        (st.error if shown.failed else st.warning)(f"Nothing was added: {shown.summary()}")
    elif shown.failed:
        st.warning(shown.summary())
    else:
        st.success(shown.summary())
    if shown.stored:
        st.markdown("**Stored**: " + ", ".join(common.md(s) for s in shown.stored[:50]))
    if shown.already_stored:
        st.dataframe(pd.DataFrame(shown.already_stored, columns=["file", "already stored as"]),
                     hide_index=True, width="stretch")  # fmt: skip
    if shown.skipped or shown.failed:
        st.dataframe(pd.DataFrame([(p.kind, p.source, p.reason) for p in shown.skipped + shown.failed],
                                  columns=["what", "file", "reason"]), hide_index=True, width="stretch")  # fmt: skip
    for source, warning in getattr(shown, "warned", []) or []:
        st.warning(f"{common.md(source)}: {common.md(warning)}")
    for source, flags in getattr(shown, "flagged", []) or []:
        st.warning(
            f"{common.md(source)}: {common.md(describe_flags(flags))}. A stored statement keeps "
            "the metadata it was stored with (adding the file again finds it already stored): to "
            "change it, add the file to a fresh database with the metadata set in the form above "
            "or in a manifest."
        )

if query.database_ready(db):
    st.subheader("Recent ingest runs")
    try:
        runs, probs = common.ingest_history()
        st.dataframe(runs, hide_index=True, width="stretch")
        if not probs.empty:
            with st.expander(f"Problems of these runs ({len(probs)})"):
                st.dataframe(probs, hide_index=True, width="stretch")
    except query.QueryError as exc:
        st.error(str(exc))
