"""Edit one theme of a codebook as YAML text, validate it with the line at fault, and save the
result as a new codebook version.

The editor shows a theme as the block of the codebook file it was written in (comments kept),
moved to the left margin (:func:`theme_block`). The edited block is put back in place of the old
one (:func:`replace_theme`), so every other line of the file stays as written, and the whole
codebook is validated (:func:`edit_theme`): an error names the line *of the edited block*.
:func:`save_codebook` writes the new version to ``<folder>/<name>-<version>.yaml`` (whole or
not at all); re-matching the database with it is :mod:`tracker.rematch_job`'s work.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tracker.codebook import (
    DEFAULT_CODEBOOK, Codebook, CodebookLineError, codebook_from_text, read_yaml,
)
from tracker.codebook_files import SavedCodebook, renamed_if_default, write_codebook
from tracker.errors import CodebookError

#: The folder, beside the database, where the dashboard saves codebook versions.
CODEBOOK_FOLDER = "codebooks"


def codebook_folder(db: str | Path) -> Path:
    """Where codebook versions made for the database ``db`` are saved (``db/codebooks/`` for
    ``db/tracker.db``); the packaged default codebook is never written."""
    return Path(db).resolve().parent / CODEBOOK_FOLDER


# -- a theme's block of lines -------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeBlock:
    """Where a theme is written in a codebook text, and the theme as the editor shows it.

    ``first`` is the 0-based index of the block's first line (the ``- id: ...`` line) and
    ``count`` its number of lines; ``dash`` is the column of its ``-``. ``text`` is the block
    with the ``- `` and the indentation taken off, so its line ``n`` is line ``first + n`` of
    the codebook text. ``base`` is the codebook text the block was found in: the file as
    written, or, when its layout is not a block list of themes, the data written anew.
    """

    theme_id: str
    text: str
    first: int
    count: int
    dash: int
    base: str


def theme_block(codebook_text: str, theme_id: str) -> ThemeBlock:
    """The block of ``codebook_text`` that holds the theme ``theme_id``.

    CodebookError when the text is not a codebook with that theme.
    """
    data, nodes = read_yaml(codebook_text)
    block = _find_block(codebook_text, data, nodes, theme_id)
    if block is None:  # a flow-style or otherwise unusual layout: write the data anew
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        again, again_nodes = read_yaml(text)
        block = _find_block(text, again, again_nodes, theme_id)
    if block is None:
        raise CodebookError(f"cannot find theme {theme_id!r} as a block in the codebook")
    return block


def _find_block(text: str, data: Any, nodes: dict, theme_id: str) -> ThemeBlock | None:
    themes = data.get("themes") if isinstance(data, dict) else None
    if not isinstance(themes, list) or id(themes) not in nodes:
        raise CodebookError("the codebook has no list of themes")
    ids = [t.get("id") if isinstance(t, dict) else None for t in themes]
    if theme_id not in ids:
        known = ", ".join(str(i) for i in ids if i)
        raise CodebookError(f"the codebook has no theme {theme_id!r}; its themes: {known}")
    items = nodes[id(themes)].value
    index = ids.index(theme_id)
    node = items[index]
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    lines = text.split("\n")
    first, column = node.start_mark.line, node.start_mark.column
    dash = column - 2
    if dash < 0 or not re.fullmatch(r" *- ", lines[first][:column]):
        return None
    end = items[index + 1].start_mark.line if index + 1 < len(items) else _end_line(node)
    while end > first + 1 and _outside(lines[end - 1], dash):
        end -= 1  # blank lines and the separator comments before the next theme stay outside
    body = lines[first + 1 : end]
    if any(line.strip() and not line.lstrip().startswith("#") and _indent(line) < column
           for line in body):  # fmt: skip
        return None
    shown = [lines[first][column:]] + [_dedent(line, column) for line in body]
    return ThemeBlock(theme_id, "\n".join(shown) + "\n", first, end - first, dash, text)


def _end_line(node: yaml.Node) -> int:
    """The line after a node (its end mark sits at the start of the next line, or on its own)."""
    mark = node.end_mark
    return mark.line if mark.column == 0 else mark.line + 1


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _outside(line: str, dash: int) -> bool:
    stripped = line.strip()
    return not stripped or (stripped.startswith("#") and _indent(line) <= dash)


def _dedent(line: str, column: int) -> str:
    if not line.strip():
        return ""
    return line[column:] if _indent(line) >= column else line.lstrip(" ")


def replace_theme(block: ThemeBlock, edited: str) -> str:
    """The codebook text of ``block`` with the block replaced by ``edited`` (a theme as the
    editor shows it), indented back into place: line ``n`` of ``edited`` becomes line
    ``block.first + n`` of the result."""
    rows = edited.replace("\r\n", "\n").rstrip("\n").split("\n")
    pad = " " * (block.dash + 2)
    new = [" " * block.dash + "- " + rows[0]] + [pad + r if r.strip() else "" for r in rows[1:]]
    lines = block.base.split("\n")
    return "\n".join(lines[: block.first] + new + lines[block.first + block.count :])


# -- validating an edited theme -----------------------------------------------------------------


@dataclass(frozen=True)
class EditedCodebook:
    """A validated codebook with one theme edited: its text (as it will be saved) and the
    parsed codebook."""

    theme_id: str
    text: str
    codebook: Codebook


def edit_theme(
    codebook_text: str, codebook_path: str, theme_id: str, edited: str, *, folder: str | Path
) -> EditedCodebook:
    """The codebook ``codebook_text`` with theme ``theme_id`` replaced by ``edited``, validated
    as it will be saved in ``folder``.

    Raises :class:`CodebookLineError` whose ``line`` is the line *of* ``edited`` at fault (None
    when the fault is elsewhere), and whose message says what is wrong there. A relative
    ``semantic`` model path is rewritten so that it names the same model from ``folder``.
    """
    where = f"theme '{theme_id}' as edited"
    snippet, _ = read_yaml(edited, where=where)  # a syntax error names its line here
    if not isinstance(snippet, dict):
        raise CodebookLineError(where, "", "a theme is a mapping with id, label, definition, "
                                "rules (write 'key: value' lines)", 1)  # fmt: skip
    if snippet.get("id") != theme_id:
        raise CodebookLineError(
            where, "", f"'id' must stay {theme_id!r}: the gold and the stored matches know the "
            "theme by its id (add a new theme with the Any term page or in the file)",
            _key_line(edited, "id"),
        )
    block = theme_block(codebook_text, theme_id)
    text = replace_theme(block, edited)
    # an edit that changes nothing the codebook reads (a comment, quotes, spacing) stays the
    # version it is, name included: only a changed theme makes a changed copy
    if snippet != read_yaml(block.text, where=where)[0]:
        text = renamed_if_default(text)
    text = _model_from(text, codebook_path, Path(folder))
    try:
        book = codebook_from_text(text, path=str(Path(folder) / "edited.yaml"))
    except CodebookLineError as exc:
        inside = exc.line is not None and block.first < exc.line <= block.first + len(
            edited.rstrip("\n").split("\n")
        )
        line = exc.line - block.first if inside and exc.line is not None else None
        raise CodebookLineError(where, exc.place, exc.problem, line) from None
    return EditedCodebook(theme_id, text, book)


def _key_line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.split("\n"), 1):
        if re.match(rf"{re.escape(key)}\s*:", line):
            return number
    return None


def _model_from(text: str, codebook_path: str, folder: Path) -> str:
    """``text`` with a relative ``semantic:`` model path rewritten to name, from ``folder``,
    the model it names beside ``codebook_path`` (the shipped model needs no rewrite: a codebook
    anywhere falls back to it)."""
    match = re.search(r"(?m)^semantic:[ \t]*(\S[^#\n]*?)[ \t]*(#.*)?$", text)
    if not match:
        return text
    model = match.group(1).strip("'\"")
    if not model or model == "false" or Path(model).is_absolute():
        return text
    source = Path(codebook_path).resolve().parent / model
    shipped = DEFAULT_CODEBOOK.parent / model
    if not source.exists() or source == shipped or (folder / model).exists():
        return text
    moved = os.path.relpath(source, folder.resolve())
    return text[: match.start(1)] + moved + text[match.end(1) :]


# -- saving ---------------------------------------------------------------------------------------


def save_codebook(folder: str | Path, text: str) -> SavedCodebook:
    """Validate ``text`` and write it to ``folder/<name>-<version>.yaml``, through a temporary
    file renamed into place: the file is whole or absent, and an invalid codebook writes
    nothing. The same version saved twice is the same file."""
    return write_codebook(folder, text, draft="edited.yaml")


# -- a phrase added without writing YAML ----------------------------------------------------------


def phrase_rules(theme_text: str) -> list[str]:
    """The names of the phrase rules of a theme as the editor shows it ([] when it does not
    parse: the validation says why)."""
    try:
        data, _ = read_yaml(theme_text)
    except CodebookError:
        return []
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        return []
    return [_rule_name(r, n) for n, r in enumerate(rules, 1)
            if isinstance(r, dict) and "phrases" in r]  # fmt: skip


def _rule_name(rule: dict, number: int) -> str:
    """A rule's name as the codebook reads it (``phrase3`` for an unnamed third rule)."""
    kind = "phrase" if "phrases" in rule else "near"
    name = rule.get("name")
    return name.strip() if isinstance(name, str) and name.strip() else f"{kind}{number}"


def add_phrase(theme_text: str, rule: str, language: str, phrase: str) -> str:
    """``theme_text`` with ``phrase`` added at the end of the ``language`` phrases of the
    phrase rule named ``rule``, as one new line in the rule's list (the rest of the text as
    written). Where the list is written inline or the language is new, the theme is written
    anew from its data (its comments are lost)."""
    phrase = " ".join(phrase.split())
    if not phrase:
        raise CodebookError("type a phrase to add")
    data, nodes = read_yaml(theme_text)
    rules = data.get("rules") if isinstance(data, dict) else None
    found = [r for n, r in enumerate(rules or [], 1)
             if isinstance(r, dict) and "phrases" in r and _rule_name(r, n) == rule]  # fmt: skip
    if not found or not isinstance(found[0]["phrases"], dict):
        raise CodebookError(f"the theme has no phrase rule named {rule!r}")
    phrases = found[0]["phrases"]
    items = phrases.get(language)
    node = nodes.get(id(items)) if isinstance(items, list) else None
    scalar = yaml.safe_dump([phrase], default_flow_style=True, allow_unicode=True,
                            width=10**6).strip()[1:-1]  # fmt: skip
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        lines = theme_text.rstrip("\n").split("\n")
        at = _end_line(last)
        lines.insert(at, " " * (last.start_mark.column - 2) + "- " + scalar)
        return "\n".join(lines) + "\n"
    if isinstance(items, list):
        items.append(phrase)
    elif isinstance(items, str):
        phrases[language] = [items, phrase]
    else:
        phrases[language] = [phrase]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
