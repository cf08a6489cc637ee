"""Where the database is, and read-only connections to it: the one opener the store and the
queries share.

SQLite's URI filenames give ``?``, ``#`` and ``%`` a meaning, so the URI is built from the path
with every character quoted (``pathlib.Path.as_uri``): a database in a folder named ``odd #1``
opens as itself, not as a new, empty file ``odd `` beside it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

#: Milliseconds a reader waits for a writer's lock before giving up.
BUSY_TIMEOUT_MS = 5000
#: The database when neither ``--db`` nor ``TRACKER_DB`` says otherwise.
DEFAULT_DB = Path("db") / "tracker.db"


def default_db_path() -> Path:
    """``TRACKER_DB`` when set, else ``db/tracker.db`` under the working directory."""
    return Path(os.environ.get("TRACKER_DB") or DEFAULT_DB)


def sqlite_uri(path: str | Path, **params: str | int) -> str:
    """``file:`` URI of ``path`` (made absolute, every special character quoted) with SQLite's
    URI parameters (``mode="ro"``, ``immutable=1``, ...)."""
    uri = Path(path).resolve().as_uri()
    return f"{uri}?{urlencode(params)}" if params else uri


def read_only(path: str | Path) -> sqlite3.Connection:
    """A connection that can only read ``path`` (``mode=ro``, ``query_only``), in autocommit
    mode (a caller opens its own read transaction for one snapshot).

    On a read-only folder or mount, where SQLite cannot create the write-ahead log's shared
    memory file, the database is opened ``immutable=1`` instead (nothing can write there, so
    nothing changes under the reader). ``sqlite3.Error`` when it cannot be opened."""
    try:
        conn = _open(sqlite_uri(path, mode="ro"))
    except sqlite3.OperationalError:
        if _writable(path):
            raise
    else:
        try:  # the first read is what fails on a read-only mount (no -shm file can be made)
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
            if _writable(path):
                raise
    return _open(sqlite_uri(path, mode="ro", immutable=1))


def _writable(path: str | Path) -> bool:
    target = Path(path)
    return os.access(target.parent, os.W_OK) and os.access(target, os.W_OK)


def _open(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only=ON")
    except sqlite3.Error:
        conn.close()
        raise
    return conn
