"""Stored values shown as text: Markdown-safe, and without the emphasis marks some sources carry."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&])")
_EMPHASIS = re.compile(r"\*{2,}|_{2,}")


def md(value) -> str:
    """A stored value (country, forum, language, theme label...) as literal text inside
    Markdown (``st.markdown``, captions, messages, headers, widget labels): every Markdown and
    HTML character escaped, so ``**``, ``![img](http://...)`` or ``<a href>`` show as typed
    and nothing is fetched."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str("" if value is None else value).split()))


def display_text(text: str) -> str:
    """Source text for reading: the Markdown emphasis marks (``**``, ``__``) that some sources
    carry are dropped; exports keep the text as stored."""
    return _EMPHASIS.sub("", text or "")
