"""The store's writer beside a plain ``executemany`` writer, on the same real statements.

Statements are read back from a database the ingest made (text, metadata, passages, matches as
stored) a batch at a time and written into two fresh databases: once by ``Store.add_statements``
(sqlite-utils' ``insert_all``, each batch's passages indexed by one INSERT ... SELECT) and once by
:class:`PlainWriter`, the store's writer before issue 12 (hand-written INSERTs through
``executemany``, the FTS index fed row by row by the writer). Only the writes are timed (wall
and CPU), in alternating rounds, so the two figures share the machine's load.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from tracker.models import METADATA_FIELDS, Match, Passage, Sourced, Statement
from tracker.store import STATEMENT_COLUMNS, Store, _match_rows, _statement_row, _theme_rows

_STORED = ", ".join(f"s.{c}" for c in STATEMENT_COLUMNS)


def stored_batches(db: Path, batch: int = 200, limit: int | None = None
                   ) -> Iterator[list[Statement]]:  # fmt: skip
    """The statements of ``db`` as the pipeline made them, ``batch`` at a time, in id order."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        ids = [r[0] for r in conn.execute("SELECT id FROM statements ORDER BY id")][:limit]
        for i in range(0, len(ids), batch):
            yield _statements(conn, ids[i : i + batch])
    finally:
        conn.close()


def _statements(conn: sqlite3.Connection, ids: list[int]) -> list[Statement]:
    marks = ",".join("?" * len(ids))
    passages: dict[int, list[Passage]] = {i: [] for i in ids}
    for sid, *p in conn.execute(
        f'SELECT statement_id, seq, start, "end", paragraph FROM passages '
        f"WHERE statement_id IN ({marks}) ORDER BY statement_id, seq", ids
    ):  # fmt: skip
        passages[sid].append(Passage(*p))
    matches: dict[int, list[Match]] = {i: [] for i in ids}
    for sid, seq, *m in conn.execute(
        "SELECT m.statement_id, p.seq, m.theme, m.rule, m.kind, m.score, m.start, m.\"end\", "
        "m.matched_text, m.direction, m.counted, m.reason FROM matches m "
        f"LEFT JOIN passages p ON p.id = m.passage_id WHERE m.statement_id IN ({marks}) "
        "ORDER BY m.id", ids
    ):  # fmt: skip
        theme, rule, kind, score, start, end, text, direction, counted, reason = m
        matches[sid].append(Match(theme, rule, kind, score, start, end, text, seq, direction,
                                  bool(counted), reason))  # fmt: skip
    out = []
    for row in conn.execute(
        f"SELECT {_STORED}, t.raw_text, t.clean_text FROM statements s JOIN statement_texts t "
        f"ON t.statement_id = s.id WHERE s.id IN ({marks}) ORDER BY s.id", ids
    ):  # fmt: skip
        v = dict(zip([*STATEMENT_COLUMNS, "raw_text", "clean_text"], row))
        origins = json.loads(v["provenance"])
        out.append(Statement(
            source=v["source"], source_path=v["source_path"], reader=v["reader"],
            raw_text=v["raw_text"], clean_text=v["clean_text"], passages=passages[v["id"]],
            metadata={f: Sourced(v[f], origins[f]) for f in METADATA_FIELDS if f in origins},
            content_hash=v["content_hash"], words=v["words"], raw_hash=v["raw_hash"],
            date_precision=v["date_precision"], year=v["year"],
            flags=[f for f in v["flags"].split(",") if f],
            warnings=[w for w in v["warnings"].split("\n") if w], matches=matches[v["id"]],
            codebook_version=v["codebook_version"], turn=v["turn"], role=v["role"],
            on_behalf_of=v["on_behalf_of"], spoke_in=v["spoke_in"], agenda=v["agenda"],
            split_confidence=v["split_confidence"], document=v["document"],
        ))  # fmt: skip
    return out


class PlainWriter:
    """The store's writer before issue 12: ``executemany`` of hand-written INSERTs in one
    ``BEGIN IMMEDIATE`` transaction per batch, statement by statement, the FTS index fed row by
    row by the writer."""

    def __init__(self, path: Path):
        Store(path).close()  # the same schema as the store's
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")

    def add_statements(self, statements: list[Statement]) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        sid = c.execute("SELECT COALESCE(MAX(id), 0) FROM statements").fetchone()[0] + 1
        pid = c.execute("SELECT COALESCE(MAX(id), 0) FROM passages").fetchone()[0] + 1
        stamp = "2026-01-01T00:00:00+00:00"
        for st in statements:
            marks = ",".join("?" * len(STATEMENT_COLUMNS))
            c.execute(f"INSERT INTO statements ({','.join(STATEMENT_COLUMNS)}) VALUES ({marks})",
                      _statement_row(sid, st, stamp))  # fmt: skip
            c.execute("INSERT INTO statement_texts VALUES (?,?,?)",
                      (sid, st.raw_text, st.clean_text))  # fmt: skip
            rows = [(pid + i, sid, p.seq, p.start, p.end, p.paragraph,
                     st.clean_text[p.start:p.end]) for i, p in enumerate(st.passages)]  # fmt: skip
            c.executemany("INSERT INTO passages VALUES (?,?,?,?,?,?,?)", rows)
            c.executemany("INSERT INTO passages_fts(rowid, text) VALUES (?, ?)",
                          ((r[0], r[6]) for r in rows))  # fmt: skip
            ids = {p.seq: pid + i for i, p in enumerate(st.passages)}
            c.executemany(
                "INSERT INTO matches (statement_id, passage_id, theme, rule, kind, score, start, "
                '"end", matched_text, codebook_version, direction, counted, reason) '
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                _match_rows(sid, st.matches, ids, st.codebook_version),
            )
            c.executemany(
                "INSERT INTO statement_themes (statement_id, theme, matches, exact, fuzzy, "
                "proximity, semantic) VALUES (?,?,?,?,?,?,?)", _theme_rows(sid, st.matches)
            )  # fmt: skip
            sid += 1
            pid += len(rows)
        c.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def compare_writers(source: Path, folder: Path, *, rounds: int = 2, limit: int | None = None
                    ) -> dict[str, float]:  # fmt: skip
    """Seconds spent writing every statement of ``source`` by the store and by the plain
    writer, in alternating rounds, the best of ``rounds``: wall (``store``, ``plain``) and this
    process's CPU (``store_cpu``, ``plain_cpu``: SQLite runs in it, and CPU time moves less with
    the machine's load); also the number of statements written."""
    best = {k: float("inf") for k in ("store", "plain", "store_cpu", "plain_cpu")}
    written = 0
    for r in range(rounds):
        for name in ("plain", "store") if r % 2 == 0 else ("store", "plain"):
            path = folder / f"writer-{name}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            writer = PlainWriter(path) if name == "plain" else Store(path)
            wall = cpu = 0.0
            written = 0
            try:
                for batch in stored_batches(source, limit=limit):
                    t0, c0 = time.perf_counter(), time.process_time()
                    writer.add_statements(batch)
                    wall += time.perf_counter() - t0
                    cpu += time.process_time() - c0
                    written += len(batch)
            finally:
                writer.close()
            best[name] = min(best[name], wall)
            best[f"{name}_cpu"] = min(best[f"{name}_cpu"], cpu)
    return {**best, "statements": written}
