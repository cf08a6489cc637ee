"""What the validation workbench's pages share: the stored samples (read through cached
functions keyed on the database's change marker), the sample picker kept in the session and in
the URL (``sample``), and the text component that reports the words a coder selects. UI only:
the workbench's logic lives in ``tracker.workbench``."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages import common
from tracker.workbench import store as wb

# -- cached reads ---------------------------------------------------------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
def _samples(db: str, mark: tuple) -> list[wb.Sample]:
    with wb.open_store(db, readonly=True) as store:
        return wb.samples(store)


def samples() -> list[wb.Sample]:
    return _samples(str(common.db_path()), common.marker())


@st.cache_data(max_entries=32, show_spinner=False)
def _items(db: str, mark: tuple, sample_id: int) -> list[wb.Item]:
    with wb.open_store(db, readonly=True) as store:
        return wb.items(store, sample_id)


def items(sample_id: int) -> list[wb.Item]:
    return _items(str(common.db_path()), common.marker(), sample_id)


@st.cache_data(max_entries=32, show_spinner=False)
def _labels(db: str, mark: tuple, sample_id: int, coder: str | None) -> pd.DataFrame:
    with wb.open_store(db, readonly=True) as store:
        return wb.labels(store, sample_id, coder=coder)


def labels(sample_id: int, coder: str | None = None) -> pd.DataFrame:
    """A sample's labels; of one coder only when ``coder`` is given (the coding page never asks
    for anybody else's)."""
    return _labels(str(common.db_path()), common.marker(), sample_id, coder)


@st.cache_data(max_entries=32, show_spinner=False)
def _coders(db: str, mark: tuple, sample_id: int) -> list[str]:
    with wb.open_store(db, readonly=True) as store:
        return wb.coders(store, sample_id)


def coders(sample_id: int) -> list[str]:
    """The names of the coders with labels in a sample (names only, never their labels)."""
    return _coders(str(common.db_path()), common.marker(), sample_id)


@st.cache_data(max_entries=32, show_spinner=False)
def _gold(db: str, mark: tuple, sample_id: int) -> pd.DataFrame:
    with wb.open_store(db, readonly=True) as store:
        return wb.gold(store, sample_id=sample_id)


def gold(sample_id: int) -> pd.DataFrame:
    return _gold(str(common.db_path()), common.marker(), sample_id)


def write(action, *args, **kwargs):
    """Run a workbench write (``action(store, ...)``) and clear the cached reads after it."""
    with wb.open_store(common.db_path()) as store:
        result = action(store, *args, **kwargs)
    st.cache_data.clear()
    return result


# -- the sample picker ---------------------------------------------------------------------------


def sample_label(s: wb.Sample) -> str:
    return f"#{s.id} · {s.name}"


def pick_sample(*, key: str) -> wb.Sample:
    """The sample the researcher works on: chosen here, remembered across the workbench's pages
    and in the URL's ``sample``; a message and a stop when there is none. A link's ``sample``
    that names no stored sample is said, and the newest sample is shown."""
    stored = samples()
    if not stored:
        st.info("No sample yet: draw one on the **Sample** page of the validation workbench.")
        st.page_link(st.session_state["_pages"]["wb_sample"], label="Draw a sample",
                     icon=":material/casino:")  # fmt: skip
        common.stop()
    by_id = {s.id: s for s in stored}
    linked = common.page_param("sample")
    common.follow_back("sample", key)
    wanted = linked or str(st.session_state.get("wb_sample_id") or "")
    if key not in st.session_state or st.session_state[key] not in by_id:
        known = wanted.isascii() and wanted.isdigit() and int(wanted) in by_id  # not "²"
        st.session_state[key] = int(wanted) if known else stored[0].id
        if linked and not known:  # said, not replaced in silence
            common.link_note("sample", linked, "is not a sample of this database: "
                             f"“{sample_label(stored[0])}” is shown")  # fmt: skip
    chosen = st.selectbox("Sample", list(by_id), key=key,
                          format_func=lambda i: sample_label(by_id[i]))  # fmt: skip
    st.session_state["wb_sample_id"] = chosen
    common.set_page_param("sample", str(chosen))
    return by_id[chosen]


def theme_labels() -> dict[str, str]:
    try:
        return common.options().theme_labels
    except Exception:  # a database without statements: ids are labels enough
        return {}


# -- selecting evidence in the text --------------------------------------------------------------

_SELECT_JS = """
export default function(component) {
  const { data, setStateValue, parentElement } = component;
  let box = parentElement.querySelector('.wb-text');
  if (!box) {
    box = document.createElement('div');
    box.className = 'wb-text';
    parentElement.appendChild(box);
  }
  // the text as text nodes (never HTML); marks only in review mode
  box.replaceChildren();
  let pos = 0;
  for (const [start, end, color] of (data.spans || [])) {
    if (start > pos) box.appendChild(document.createTextNode(data.text.slice(pos, start)));
    const mark = document.createElement('mark');
    mark.style.background = color;
    mark.textContent = data.text.slice(Math.max(start, pos), end);
    box.appendChild(mark);
    pos = Math.max(pos, end);
  }
  box.appendChild(document.createTextNode(data.text.slice(pos)));
  const report = () => {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    const range = sel.getRangeAt(0);
    if (!box.contains(range.commonAncestorContainer)) return;
    const before = document.createRange();
    before.selectNodeContents(box);
    before.setEnd(range.startContainer, range.startOffset);
    const start = before.toString().length;
    const text = range.toString();
    if (!text.trim()) return;
    setStateValue('selection', { start: start, end: start + text.length, text: text });
  };
  box.addEventListener('mouseup', report);
  box.addEventListener('keyup', report);
  return () => {
    box.removeEventListener('mouseup', report);
    box.removeEventListener('keyup', report);
  };
}
"""
_SELECT_CSS = """
.wb-text { white-space: pre-wrap; line-height: 1.6; font-size: 0.95rem; max-height: 32rem;
           overflow-y: auto; padding: 0.5rem 0.75rem; border: 1px solid rgba(128,128,128,0.3);
           border-radius: 0.4rem; }
.wb-text mark { padding: 0 1px; }
"""
_selectable = None


def selectable_text(text: str, *, key: str, spans=(), on_select=None):
    """The text, plain, in a box that reports the words the coder selects with the mouse or
    keyboard (``{"start", "end", "text"}``, offsets into ``text``) through ``on_select``."""
    global _selectable
    if _selectable is None:
        _selectable = st.components.v2.component(
            "tracker_workbench_selectable_text", js=_SELECT_JS, css=_SELECT_CSS,
            isolate_styles=False,
        )  # fmt: skip
    data = {"text": text, "spans": [list(s) for s in spans]}
    return _selectable(data=data, key=key, on_selection_change=on_select or (lambda: None))


def component_selection(key: str) -> dict | None:
    """The last selection the text component ``key`` reported, or None."""
    value = st.session_state.get(key)
    try:
        selection = value["selection"] if value is not None else None
    except (KeyError, TypeError):
        return None
    if isinstance(selection, str):
        selection = json.loads(selection)
    return selection if isinstance(selection, dict) and selection.get("text") else None
