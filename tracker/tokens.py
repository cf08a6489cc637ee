"""Words as the matcher reads them, and how the term index (``term_index``) stores them.

The matcher (:mod:`tracker.match`) splits each passage of a statement into tokens with
:data:`TOKEN`; the store keeps, for every passage, the distinct tokens it holds in a full-text
index, so that the Any term page reads only the passages that can hold a term
(:mod:`tracker.terms`). Both sides use this module, so the index always holds exactly the
tokens the matcher sees.

A token is stored as the hex digits of its UTF-8 bytes (``Council's`` -> ``436f756e63696c2773``):
SQLite's tokenizers fold case, drop accents and split at apostrophes, and a token so changed
would no longer say which word the matcher saw. Hex passes through them unchanged.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Iterable, Sequence

#: A word: letters and digits, with inner apostrophes (``Council's``, ``l’espace``).
TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

#: Bits of a ``term_index`` rowid that hold the passage's place in its statement (the rest is the
#: statement's id): a statement may have up to 16,777,216 passages.
PLACE_BITS = 24
PLACE_MASK = (1 << PLACE_BITS) - 1

#: The longest word FTS5 keeps whole (it cuts a longer one at this many characters): 16,384 bytes
#: of UTF-8, hex-encoded. A token longer than that is not indexed: cut, it could be cut inside a
#: character and not be read back, and no term's word is ever that long.
MAX_WORD = 32_768


def passage_tokens(text: str, spans: Iterable[tuple[int, int]]) -> list[set[str]]:
    """The distinct tokens of each passage ``(start, end)`` of ``text``, as the matcher reads
    them (a token never runs past its passage)."""
    return [set(TOKEN.findall(text, start, end)) for start, end in spans]


def encode(token: str) -> str:
    """A token as the index stores it."""
    return token.encode("utf-8").hex()


def decode(word: str) -> str | None:
    """A word of the index as the token it stands for; None for one that is no token's (cut by
    FTS5 in an index made before :data:`MAX_WORD` was kept out of it)."""
    try:
        return bytes.fromhex(word).decode("utf-8")
    except ValueError:  # odd length or not hex digits, or a UnicodeDecodeError
        return None


def index_text(tokens: Iterable[str], cache: dict[str, str] | None = None) -> str:
    """The text the index is given for one passage: its tokens encoded, space-separated, but for
    those longer than :data:`MAX_WORD` encoded (``cache`` keeps the encodings across passages)."""
    if cache is None:
        cache = {}
    out = []
    for token in tokens:
        word = cache.get(token)
        if word is None:
            word = cache[token] = encode(token)
        if len(word) <= MAX_WORD:
            out.append(word)
    return " ".join(out)


def rowid(statement_id: int, place: int) -> int:
    """The ``term_index`` rowid of a statement's ``place``-th passage (in order of ``seq``)."""
    if not 0 <= place <= PLACE_MASK:
        raise ValueError(f"place={place!r}: a statement holds at most {PLACE_MASK + 1} passages")
    return (statement_id << PLACE_BITS) | place


def place_of(row: int) -> tuple[int, int]:
    """``(statement id, place)`` of a ``term_index`` rowid."""
    return row >> PLACE_BITS, row & PLACE_MASK


def match_query(tokens: Sequence[str]) -> str:
    """An FTS5 query for the passages holding any of ``tokens``."""
    return " OR ".join(f'"{encode(t)}"' for t in tokens)


def pack_spans(spans: Iterable[tuple[int, int, int]]) -> bytes:
    """Passages ``(seq, start, end)`` as ``term_indexed.passages`` holds them (little-endian
    unsigned 32-bit integers, three per passage)."""
    packed = array("I", [v for span in spans for v in span])
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def unpack_spans(blob: bytes) -> list[tuple[int, int, int]]:
    """The passages ``(seq, start, end)`` of :func:`pack_spans`."""
    packed = array("I")
    packed.frombytes(blob)
    if sys.byteorder == "big":
        packed.byteswap()
    values = packed.tolist()
    return list(zip(values[0::3], values[1::3], values[2::3]))
