"""Files written whole or not at all (exports, models, word vectors, gold files).

A writer writes into a temporary file beside its target, renamed over the target once every
file of the set is written: a full disk or a crash leaves the older files as they were and no
half file. Where the folder is read-only but the target itself may be written, the target is
written in place (no temporary file can be made there).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

Writer = Callable[[Path], object]


def part_path(path: Path) -> Path:
    """The temporary file beside ``path``, with its suffix (writers pick a format by it)."""
    return path.with_name(f".{path.stem}.{os.getpid()}.part{path.suffix}")


def write_whole(*targets: tuple[str | Path, Writer]) -> None:
    """Call each ``write(file)`` on a temporary file beside its target; when all have written,
    rename each over its target. On any failure no target changes and no temporary file
    stays (the error propagates)."""
    parts: list[tuple[Path, Path]] = []
    try:
        for target, write in targets:
            path = Path(target)
            if not os.access(path.parent, os.W_OK | os.X_OK):
                write(path)  # a read-only folder: in place, as the only way
                continue
            part = part_path(path)
            parts.append((part, path))
            write(part)
        for part, path in parts:
            os.replace(part, path)
    finally:
        for part, _ in parts:
            part.unlink(missing_ok=True)
