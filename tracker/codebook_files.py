"""Codebook versions saved as files, ``<folder>/<name>-<version>.yaml``: validated first, then
written whole or not at all. The Any-term page's new theme (:func:`tracker.terms.save_theme`) and
the codebook editor's edit (:func:`tracker.editor.save_codebook`) are both saved here."""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tracker.codebook import Codebook, codebook_from_text


@dataclass(frozen=True)
class SavedCodebook:
    """A codebook version written by :func:`write_codebook`, and how to use it."""

    path: Path
    codebook: Codebook

    @property
    def rematch_command(self) -> str:
        """The command that re-codes a database with this codebook (add ``--db``)."""
        return f"tracker match --codebook {shlex.quote(str(self.path))}"


#: The shipped codebook's name, and the name a changed copy of it is saved under
SHIPPED_NAME, EDITED_NAME = "default", "default-edited"
_SHIPPED_NAME_LINE = re.compile(r"(?m)^name:[ \t]*(['\"]?)default\1[ \t]*(#.*)?$")


def renamed_if_default(text: str) -> str:
    """``text`` with the name ``default`` changed to ``default-edited``: a caption, an export
    or a saved file that says "default" must be the shipped codebook, not a changed copy of it
    (the version tells the copies apart). Any other name is the researcher's and stays."""
    return _SHIPPED_NAME_LINE.sub(f"name: {EDITED_NAME}", text, count=1)


def file_word(name: str) -> str:
    """A codebook's name as a file name part (``"codebook"`` when nothing usable is left)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "codebook"


def write_codebook(folder: str | Path, text: str, *, draft: str = "edited.yaml") -> SavedCodebook:
    """Validate ``text`` (read as if it were ``folder/draft``: a relative model path is found
    from ``folder``, an error names that file) and write it to ``folder/<name>-<version>.yaml``
    through a temporary file renamed into place: the file is whole or absent, and an invalid
    codebook writes nothing. The same version saved twice is the same file."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    book = codebook_from_text(text, path=str(out / draft))
    path = out / f"{file_word(book.name)}-{book.version}.yaml"
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".codebook-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file for its owner only (0600); a saved codebook is read by others
        # (the team's dashboard server, colleagues re-matching): readable by all, as a file
        # written the ordinary way would be
        try:
            os.chmod(tmp, 0o644)
        except OSError:  # a drive without Unix modes (FAT): what it gives is what there is
            pass
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return SavedCodebook(path, codebook_from_text(text, path=str(path)))
