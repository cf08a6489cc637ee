"""Validation workbench, step 2: code a sample one item at a time, blind.

The coder sees the text and nothing the tool found (showing its matches is an opt-in for
review), decides present/absent for each theme, and marks evidence by selecting words in the
text (or picking a sentence). Labels are saved per item under the coder's name; a coder sees
only their own labels, resumes where they stopped, and moves with the keyboard.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import common
from app_pages import workbench_common as wbc
from tracker import charts
from tracker.workbench import store as wb

#: Keys that toggle the themes, in order ("C" and "R" are Streamlit's own).
THEME_KEYS = list("1234567890") + list("QWETYUIOPASDFGHJKLZXVBNM")

common.require_db()
st.title("Validation workbench: code")
sample = wbc.pick_sample(key="wb_code_sample")
# spaces collapsed as the store collapses them: "Carol  Smith" and "Carol Smith" are one coder
coder = " ".join(st.text_input("Your name (coder)", key="wb_coder",
                               help="Labels are saved under this name. Each coder sees only their "
                                    "own labels until adjudication.").split())  # fmt: skip
if not coder:
    st.info("Type your name to start coding (or to resume where you stopped).")
    common.stop()

labels = wbc.theme_labels()
themes = list(sample.themes)
items = wbc.items(sample.id)
if not items:
    st.warning("This sample has no items.")
    common.stop()
others = [c for c in wbc.coders(sample.id) if c != coder]
alike = [c for c in others if " ".join(c.split()).casefold() == coder.casefold()]
if alike:
    st.warning(f"“{common.md(alike[0])}” has labels in this sample already: if that is you, type "
               "the name exactly so, or your labels count as another coder's in the agreement.")
mine = wbc.labels(sample.id, coder)
done = set(mine["item_id"].astype(int)) if len(mine) else set()
by_position = {i.position: i for i in items}

# -- where the coder is --------------------------------------------------------------------------
pos_key = f"wb_pos_{sample.id}_{coder}"
if pos_key not in st.session_state:
    first_open = next((i.position for i in items if i.id not in done), 1)
    st.session_state[pos_key] = first_open
    st.session_state["wb_goto"] = first_open


def go(position: int) -> None:
    position = max(1, min(len(items), int(position)))
    st.session_state[pos_key] = position
    st.session_state["wb_goto"] = position


def _goto_changed() -> None:
    go(st.session_state["wb_goto"])


if st.session_state.get("wb_goto") != st.session_state[pos_key]:
    st.session_state["wb_goto"] = st.session_state[pos_key]
position = st.session_state[pos_key]
item = by_position[position]

st.progress(len(done) / len(items),
            text=f"{coder}: {len(done)} of {len(items)} {sample.items_label} coded")  # fmt: skip
if len(done) == len(items):
    st.success(f"Every item of this sample is coded by {coder}. Agreement and adjudication are on "
               "the **Agreement** page; you can still revise any item here.")  # fmt: skip
    st.page_link(st.session_state["_pages"]["wb_agree"], label="Agreement and adjudication",
                 icon=":material/balance:")  # fmt: skip

# -- the coder's current decisions for this item ---------------------------------------------------
state_key = f"wb_cur_{sample.id}_{coder}_{item.id}"
if state_key not in st.session_state:
    stored = mine[mine["item_id"] == item.id] if len(mine) else mine
    current: dict[str, dict[str, str | bool | int | None]] = {
        t: {"present": False, "evidence": "", "start": None, "end": None} for t in themes
    }
    for r in stored.to_dict("records"):
        if r["theme"] in current:
            current[r["theme"]] = {
                "present": bool(r["present"]), "evidence": r["evidence"] or "",
                "start": None if pd.isna(r["evidence_start"]) else int(r["evidence_start"]),
                "end": None if pd.isna(r["evidence_end"]) else int(r["evidence_end"]),
            }  # fmt: skip
    st.session_state[state_key] = current
current = st.session_state[state_key]


def ev_key_of(theme: str) -> str:
    """The evidence box's key: per coder too, or a second coder in the same browser session
    would see (though not save) the first one's quote."""
    return f"wb_ev_{sample.id}_{coder}_{item.id}_{theme}"


def toggle(theme: str) -> None:
    current[theme]["present"] = not current[theme]["present"]


def use_selection(theme: str) -> None:
    sel = st.session_state.get("wb_sel")
    if not sel:
        return
    current[theme].update(present=True, evidence=sel["text"], start=sel["start"], end=sel["end"])
    st.session_state[ev_key_of(theme)] = sel["text"]


def typed(theme: str) -> None:
    current[theme].update(evidence=st.session_state[ev_key_of(theme)], start=None,
                          end=None)  # fmt: skip


def saw_tool() -> bool:
    """Whether this coder had the tool's matches on screen for this item in this session."""
    return (st.session_state.get("wb_review", False)
            or (coder, item.id) in st.session_state.get("wb_seen_tool", set()))  # fmt: skip


def save_and_next() -> None:
    decided = {t: (v["present"], v["evidence"] if v["present"] else "",
                   v["start"] if v["present"] else None, v["end"] if v["present"] else None)
               for t, v in current.items()}  # fmt: skip
    wbc.write(wb.save_labels, item.id, coder, decided, seen_tool=saw_tool())
    st.session_state["wb_saved"] = position
    now_done = done | {item.id}
    later = [i.position for i in items if i.id not in now_done and i.position > position]
    earlier = [i.position for i in items if i.id not in now_done]
    go((later or earlier or [min(position + 1, len(items))])[0])


# -- the text ------------------------------------------------------------------------------------
nav = st.columns([1, 1, 1, 3])
nav[0].button("Previous", key="wb_prev", on_click=go, args=(position - 1,), shortcut="Ctrl+Left",
              disabled=position <= 1)  # fmt: skip
nav[1].button("Next", key="wb_next", on_click=go, args=(position + 1,), shortcut="Ctrl+Right",
              disabled=position >= len(items))  # fmt: skip
nav[2].number_input("Item", 1, len(items), key="wb_goto", on_change=_goto_changed,
                    label_visibility="collapsed")  # fmt: skip
keys = ", ".join(f"{k} {labels.get(t, t)}" for k, t in zip(THEME_KEYS, themes[:6]))
nav[3].caption(f"Keys: {keys}, … toggle themes; Ctrl+Enter saves and opens the next item; "
               "Ctrl+← / Ctrl+→ move without saving.")  # fmt: skip
if st.session_state.pop("wb_saved", None) is not None:
    st.toast("Saved.")

detail = common.statement_detail(item.statement_id)
if detail is None:
    st.error(f"Statement {item.statement_id} is no longer in the database.")
    common.stop()
meta = detail.metadata
offset, text = 0, detail.text
if item.passage_seq is not None:
    row = detail.passages[detail.passages["seq"] == item.passage_seq].iloc[0]
    offset, end = int(row["start"]), int(row["end"])
    text = detail.text[offset:end]
head = " · ".join(common.md(x) for x in (meta.get("country_name") or meta.get("country"),
                                         meta.get("date"), meta.get("forum")) if x)  # fmt: skip
st.subheader(f"Item {position} of {len(items)}" + (f": {head}" if head else ""))
st.caption(f"{'Coded' if item.id in done else 'Not coded yet'} · statement {item.statement_id}"
           + (f", passage {item.passage_seq}" if item.passage_seq is not None else ""))  # fmt: skip

review = st.toggle("Show the tool's matches (review: coding is no longer blind)", key="wb_review",
                   value=False)  # fmt: skip
spans = []
if review:
    # remembered per item: turning review off again before saving does not make the coding blind
    st.session_state.setdefault("wb_seen_tool", set()).add((coder, item.id))
    m = detail.matches
    counted = m[m["counted"].astype(bool)] if len(m) and "counted" in m else m
    spans = [(int(s) - offset, int(e) - offset, charts._rgba(charts.theme_color(t), 0.3))
             for s, e, t in zip(counted.get("start", []), counted.get("end", []),
                                counted.get("theme", []))
             if int(e) > offset and int(s) - offset < len(text)]  # fmt: skip
    found = sorted(set(counted["theme"])) if len(counted) else []
    names = ", ".join(common.md(labels.get(t, t)) for t in found) or "nothing"
    st.info(f"The tool found: {names}"
            + (" (in the statement)" if item.passage_seq is not None else ""))  # fmt: skip


def _selected() -> None:
    sel = wbc.component_selection(f"wb_text_{item.id}")
    if sel:
        st.session_state["wb_sel"] = {"item": item.id, "text": sel["text"],
                                      "start": offset + int(sel["start"]),
                                      "end": offset + int(sel["end"])}  # fmt: skip


def _sentence_picked() -> None:
    seq = st.session_state.get(f"wb_sent_{item.id}")
    if seq is None or detail is None:  # detail is never None here: the page stopped above
        return
    r = detail.passages[detail.passages["seq"] == seq].iloc[0]
    s, e = int(r["start"]), int(r["end"])
    st.session_state["wb_sel"] = {"item": item.id, "text": detail.text[s:e], "start": s, "end": e}


left, right = st.columns([3, 2])
with left:
    wbc.selectable_text(text, key=f"wb_text_{item.id}", spans=spans, on_select=_selected)
    if item.passage_seq is not None:
        with st.expander("The passages around it"):
            before = detail.text[max(0, offset - 600):offset]
            st.text(("…" if offset > 600 else "") + before + " [[ this passage ]] "
                    + detail.text[end:end + 600])  # fmt: skip
    passages = detail.passages
    if item.passage_seq is not None:
        passages = passages[passages["seq"] == item.passage_seq]
    sentences = {int(q): " ".join(detail.text[int(s):int(e)].split())[:160]
                 for q, s, e in zip(passages["seq"], passages["start"], passages["end"])}  # fmt: skip
    st.selectbox("Or pick a sentence as evidence", list(sentences), index=None,
                 key=f"wb_sent_{item.id}", on_change=_sentence_picked,
                 placeholder="a sentence of the text", format_func=lambda q: sentences[q])  # fmt: skip
    sel = st.session_state.get("wb_sel")
    if sel and sel.get("item") == item.id:
        quote = common.md(" ".join(sel["text"].split())[:300])
        st.caption(f"Selected: “{quote}”. Use it as the evidence of a theme with its button on "
                   "the right.")  # fmt: skip
    else:
        st.session_state.pop("wb_sel", None)
        st.caption("Select words in the text (mouse or Shift+arrows), or pick a sentence, to mark "
                   "evidence.")  # fmt: skip

with right:
    st.markdown("**Themes** (present / absent)")
    for n, theme in enumerate(themes):
        here = current[theme]
        with st.container(key=f"wb_row_{theme}"):
            said = "✓ present" if here["present"] else "○ absent"
            st.button(f"{said} · {labels.get(theme, theme)}", key=f"wb_theme_{theme}",
                      on_click=toggle, args=(theme,), width="stretch",
                      type="primary" if here["present"] else "secondary",
                      shortcut=THEME_KEYS[n] if n < len(THEME_KEYS) else None)  # fmt: skip
            if here["present"]:
                ev_key = ev_key_of(theme)
                if ev_key not in st.session_state:
                    st.session_state[ev_key] = here["evidence"]
                c1, c2 = st.columns([4, 1])
                c1.text_input(f"Evidence for {labels.get(theme, theme)}", key=ev_key,
                              on_change=typed, args=(theme,), label_visibility="collapsed",
                              placeholder="select words in the text, then Use")  # fmt: skip
                c2.button("Use", key=f"wb_use_{theme}", on_click=use_selection, args=(theme,),
                          help="Use the selected words (or sentence) as this theme's evidence",
                          disabled="wb_sel" not in st.session_state)  # fmt: skip
    st.button("Save and next", key="wb_save", type="primary", on_click=save_and_next,
              shortcut="Ctrl+Enter", width="stretch")  # fmt: skip
