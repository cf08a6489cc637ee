"""Every SQL statement of the validation workbench: its tables, made with sqlite-utils and
recorded as a named migration in the database's ``migrations`` table, and the reads and
writes on them.

Tables (all prefixed ``wb_``):

- ``wb_samples``: one drawn sample: unit (statement or passage), design, strata, size, seed,
  the filters it was drawn from, the themes to code, the codebook version at the time;
- ``wb_items``: its statements or passages, in the order coders see them;
- ``wb_coders``: coders by name;
- ``wb_labels``: one coder's decision on one item and theme, with the evidence span, and
  whether the tool's matches were on screen when it was made (``seen_tool``: not blind);
- ``wb_adjudications``: the gold decision on one item and theme (adjudicated, agreed by every
  coder, or imported from a gold TSV).

Writes go through :class:`tracker.store.Store`'s connection (WAL, busy timeout) in
``BEGIN IMMEDIATE`` transactions rolled back on any error, like the tracker's own store.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tracker.errors import NotStored, StoreError
from tracker.store import Store, now_iso

MIGRATION = "workbench_0001_tables"
UNITS = ("statement", "passage")
GOLD_SOURCES = ("adjudicated", "agreement", "imported")
#: One coder's decision on one theme: present, evidence, and its offsets in the statement's text.
Label = tuple[bool, str, "int | None", "int | None"]


@dataclass(frozen=True)
class Sample:
    """A stored sample and how it was drawn."""

    id: int
    name: str
    unit: str
    design: str
    strata: tuple[str, ...]
    match_theme: str
    allocation: str
    size: int
    seed: int
    filters: dict
    themes: tuple[str, ...]
    codebook_version: str
    population: int
    left_out: int
    created_at: str

    @property
    def items_label(self) -> str:
        return "statements" if self.unit == "statement" else "passages"


@dataclass(frozen=True)
class Item:
    """One item of a sample: a statement, or one passage of it."""

    id: int
    sample_id: int
    position: int
    statement_id: int
    passage_seq: int | None
    stratum: str
    source: str
    country: str
    year: int | None


# -- schema -------------------------------------------------------------------------------------


def _create_tables(store: Store) -> None:
    """The workbench tables, through sqlite-utils' Table API."""
    db = store.db
    db.table("wb_samples").create(
        {"id": int, "name": str, "unit": str, "design": str, "strata": str, "match_theme": str,
         "allocation": str, "size": int, "seed": int, "filters": str, "themes": str,
         "codebook_version": str, "population": int, "left_out": int, "created_at": str},
        pk="id",
        not_null={"name", "unit", "design", "strata", "match_theme", "allocation", "size",
                  "seed", "filters", "themes", "codebook_version", "population", "left_out",
                  "created_at"},
        defaults={"strata": "", "match_theme": "", "allocation": "", "left_out": 0},
    )  # fmt: skip
    db.table("wb_items").create(
        {"id": int, "sample_id": int, "position": int, "statement_id": int, "passage_seq": int,
         "stratum": str},
        pk="id", foreign_keys=[("sample_id", "wb_samples", "id")],
        not_null={"sample_id", "position", "statement_id", "stratum"}, defaults={"stratum": ""},
    )  # fmt: skip
    db.table("wb_items").create_index(["sample_id", "position"], unique=True)
    db.table("wb_coders").create(
        {"id": int, "name": str, "created_at": str}, pk="id", not_null={"name", "created_at"}
    )
    db.table("wb_coders").create_index(["name"], unique=True)
    db.table("wb_labels").create(
        {"item_id": int, "coder_id": int, "theme": str, "present": int, "evidence": str,
         "evidence_start": int, "evidence_end": int, "labelled_at": str},
        pk=("item_id", "coder_id", "theme"),
        foreign_keys=[("item_id", "wb_items", "id"), ("coder_id", "wb_coders", "id")],
        not_null={"item_id", "coder_id", "theme", "present", "evidence", "labelled_at"},
        defaults={"evidence": ""},
    )  # fmt: skip
    db.table("wb_adjudications").create(
        {"item_id": int, "theme": str, "present": int, "evidence": str, "source": str,
         "adjudicator": str, "note": str, "decided_at": str},
        pk=("item_id", "theme"), foreign_keys=[("item_id", "wb_items", "id")],
        not_null={"item_id", "theme", "present", "evidence", "source", "adjudicator", "note",
                  "decided_at"},
        defaults={"evidence": "", "adjudicator": "", "note": ""},
    )  # fmt: skip


def _seen_tool(store: Store) -> None:
    # a label made with the tool's matches on screen (the Code page's review toggle) is not
    # blind: the method paragraph must not say it was. Labels made before this column: 0
    store.db.table("wb_labels").add_column("seen_tool", int, not_null_default=0)


#: The workbench's named migrations, applied in order, each recorded in ``migrations``.
MIGRATIONS = [(MIGRATION, _create_tables), ("workbench_0002_seen_tool", _seen_tool)]


def migrate(store: Store) -> bool:
    """Apply the workbench migrations not yet recorded in ``migrations``; True when the tables
    were created now."""
    created = False
    with transaction(store):
        store.conn.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        for name, step in MIGRATIONS:
            if store.conn.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                continue
            step(store)
            store.conn.execute("INSERT INTO migrations VALUES (?, ?)", (name, now_iso()))
            created = created or name == MIGRATION
    return created


@contextmanager
def transaction(store: Store) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error; SQLite errors become
    :class:`StoreError` naming the database."""
    if store.readonly:
        raise StoreError(f"{store.path} is open read-only")
    conn = store.conn
    if conn.in_transaction:  # inside another workbench transaction: it commits or rolls back
        yield conn
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise StoreError(f"cannot write to {store.path}: {exc}") from exc
    try:
        yield conn
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"cannot write to {store.path}: {exc}") from exc
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreError(f"cannot write to {store.path}: {exc}") from exc


@contextmanager
def open_store(db: str | Path, *, readonly: bool = False) -> Iterator[Store]:
    """The tracker's store with the workbench tables (created when writing, if missing).

    The database itself must exist (StoreError "no database at ...", no file made): samples,
    labels and gold are about stored statements, so a missing file is a mistyped ``--db``, not
    a database to create (`tracker gold import` made a full, empty one and then said the gold's
    files were "not in" it)."""
    with Store(db, readonly=readonly, existing=True) as store:
        if not readonly:
            migrate(store)
        yield store


def has_tables(store: Store) -> bool:
    row = store.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'wb_adjudications'"
    ).fetchone()
    return row is not None


# -- the population a sample is drawn from ------------------------------------------------------


def shared_file_names(store: Store) -> set[int]:
    """Ids of statements whose file name another stored statement also has: a gold TSV names
    statements by file name, so these could not be told apart in one."""
    return {sid for ids in statement_ids_by_name(store).values() if len(ids) > 1 for sid in ids}


def passage_pool(store: Store, statement_ids: Sequence[int], *, theme: str) -> pd.DataFrame:
    """Passages of the statements: ``statement_id, seq, matched`` (a counted match of ``theme``,
    or of any theme when ``theme`` is empty, lies in the passage)."""
    counted = _counted_condition(store)
    theme_cond = "AND m.theme = ?" if theme else ""
    frames = []
    ids = [int(i) for i in statement_ids]
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        params: list = ([theme] if theme else []) + chunk
        frames.append(pd.read_sql_query(
            "SELECT p.statement_id, p.seq, EXISTS (SELECT 1 FROM matches m WHERE "
            f"m.passage_id = p.id {counted} {theme_cond}) AS matched FROM passages p "
            f"WHERE p.statement_id IN ({marks}) ORDER BY p.statement_id, p.seq",
            store.conn, params=params,
        ))  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=["statement_id", "seq", "matched"])
    return pd.concat(frames, ignore_index=True)


def _counted_condition(store: Store) -> str:
    columns = {r[1] for r in store.conn.execute("PRAGMA table_info(matches)")}
    return "AND m.counted = 1" if "counted" in columns else ""


# -- samples ------------------------------------------------------------------------------------


def insert_sample(store: Store, sample: dict, items: Iterable[tuple[int, int | None, str]]) -> int:
    """Store a sample and its items ``(statement_id, passage_seq, stratum)`` in order, in one
    transaction; returns the sample's id."""
    row = dict(sample)
    row["strata"] = ",".join(row.get("strata") or ())
    row["filters"] = json.dumps(row.get("filters") or {}, sort_keys=True)
    row["themes"] = json.dumps(list(row.get("themes") or ()))
    row["created_at"] = now_iso()
    with transaction(store):
        sample_id = int(store.db.table("wb_samples").insert(row).last_pk or 0)
        store.db.table("wb_items").insert_all(
            ({"sample_id": sample_id, "position": n, "statement_id": int(sid),
              "passage_seq": None if seq is None else int(seq), "stratum": stratum}
             for n, (sid, seq, stratum) in enumerate(items, 1)),
            batch_size=500,
        )  # fmt: skip
    return sample_id


def _sample(row: sqlite3.Row | tuple, columns: list[str]) -> Sample:
    data = dict(zip(columns, row))
    return Sample(
        id=int(data["id"]), name=data["name"], unit=data["unit"], design=data["design"],
        strata=tuple(s for s in (data["strata"] or "").split(",") if s),
        match_theme=data["match_theme"] or "", allocation=data["allocation"] or "",
        size=int(data["size"]), seed=int(data["seed"]), filters=json.loads(data["filters"]),
        themes=tuple(json.loads(data["themes"])), codebook_version=data["codebook_version"],
        population=int(data["population"]), left_out=int(data["left_out"] or 0),
        created_at=data["created_at"],
    )  # fmt: skip


def samples(store: Store) -> list[Sample]:
    """Every stored sample, newest first (none when the workbench tables do not exist yet)."""
    if not has_tables(store):
        return []
    cur = store.conn.execute("SELECT * FROM wb_samples ORDER BY id DESC")
    columns = [d[0] for d in cur.description]
    return [_sample(r, columns) for r in cur.fetchall()]


def sample(store: Store, sample_id: int) -> Sample:
    """The stored sample; :class:`NotStored` naming the samples there are when it is not one."""
    stored = samples(store)
    found = [s for s in stored if s.id == int(sample_id)]
    if not found:
        there = (f"its samples are {', '.join(str(s.id) for s in reversed(stored))}" if stored
                 else "it has no samples yet")  # fmt: skip
        raise NotStored(f"there is no sample {sample_id} in {store.path}: {there}")
    return found[0]


def items(store: Store, sample_id: int) -> list[Item]:
    """A sample's items in coding order, with their statement's source, country and year."""
    rows = store.conn.execute(
        "SELECT i.id, i.sample_id, i.position, i.statement_id, i.passage_seq, i.stratum, "
        "s.source, s.country, s.year FROM wb_items i JOIN statements s ON s.id = i.statement_id "
        "WHERE i.sample_id = ? ORDER BY i.position",
        (int(sample_id),),
    ).fetchall()
    return [Item(*r) for r in rows]


# -- coders and labels --------------------------------------------------------------------------


def coder_id(store: Store, name: str) -> int:
    """The coder's id, adding the coder on first use. Runs of spaces in the name count as one
    (and none at its ends): a name typed with a double space was another coder, unseen."""
    name = " ".join(name.split())
    if not name:
        raise StoreError("a coder needs a name")
    with transaction(store) as conn:
        conn.execute(
            "INSERT OR IGNORE INTO wb_coders (name, created_at) VALUES (?, ?)", (name, now_iso())
        )
        return int(conn.execute("SELECT id FROM wb_coders WHERE name = ?", (name,)).fetchone()[0])


def save_labels(
    store: Store, item_id: int, coder: str, labels: dict[str, Label], *, seen_tool: bool = False
) -> None:
    """Replace one coder's labels of one item: theme -> (present, evidence, start, end);
    ``seen_tool`` when the tool's matches were on screen while the coder decided (kept once
    set). A gold
    decision taken from the coders' agreement that the new labels no longer bear out (they now
    differ) is withdrawn in the same transaction: the pair is a disagreement to adjudicate
    again, not a silent stale gold label; where every coder now agrees on the other value, the
    agreed decision takes it. Adjudicated and imported decisions stay."""
    cid = coder_id(store, coder)
    stamp = now_iso()
    with transaction(store) as conn:
        # once seen, always seen: a revision made blind does not make the item's coding blind
        seen_tool = seen_tool or bool(conn.execute(
            "SELECT MAX(seen_tool) FROM wb_labels WHERE item_id = ? AND coder_id = ?",
            (item_id, cid)).fetchone()[0])  # fmt: skip
        conn.execute("DELETE FROM wb_labels WHERE item_id = ? AND coder_id = ?", (item_id, cid))
        conn.executemany(
            "INSERT INTO wb_labels (item_id, coder_id, theme, present, evidence, evidence_start, "
            "evidence_end, labelled_at, seen_tool) VALUES (?,?,?,?,?,?,?,?,?)",
            [(item_id, cid, theme, int(bool(p)), ev or "", s, e, stamp, int(bool(seen_tool)))
             for theme, (p, ev, s, e) in labels.items()],
        )  # fmt: skip
        _follow_agreement(conn, item_id, stamp)


def _follow_agreement(conn, item_id: int, stamp: str) -> None:
    """Keep an item's gold taken from agreement true to its coders' labels (see
    :func:`save_labels`): agreed again on another value, the decision takes it (with the first
    coder's quote); no longer agreed, it is withdrawn; agreed anew on an item whose agreed labels
    were saved (a pair withdrawn by one coder's revision, then followed by the other's), it is
    written again."""
    if conn.execute("SELECT 1 FROM wb_adjudications WHERE item_id = ? AND source = 'agreement' "
                    "LIMIT 1", (item_id,)).fetchone():  # fmt: skip
        conn.execute(
            "INSERT INTO wb_adjudications (item_id, theme, present, evidence, source, adjudicator, "
            "note, decided_at) SELECT l.item_id, l.theme, MIN(l.present), '', 'agreement', '', '', "
            "? FROM wb_labels l WHERE l.item_id = ? AND NOT EXISTS (SELECT 1 FROM wb_adjudications "
            "a WHERE a.item_id = l.item_id AND a.theme = l.theme) GROUP BY l.item_id, l.theme "
            "HAVING COUNT(*) >= 2 AND MIN(l.present) = MAX(l.present)", (stamp, item_id),
        )  # fmt: skip
    rows = conn.execute(
        "SELECT a.theme, a.present, COUNT(l.present), MIN(l.present), MAX(l.present) "
        "FROM wb_adjudications a JOIN wb_labels l ON l.item_id = a.item_id AND l.theme = a.theme "
        "WHERE a.item_id = ? AND a.source = 'agreement' GROUP BY a.theme, a.present", (item_id,),
    ).fetchall()  # fmt: skip
    for theme, present, n, low, high in rows:
        if n >= 2 and low == high:
            # the agreed decision carries the first coder's current quote (a revised quote
            # reaches the gold, as agreed() would take it)
            quote = conn.execute(
                "SELECT l.evidence FROM wb_labels l JOIN wb_coders c ON c.id = l.coder_id "
                "WHERE l.item_id = ? AND l.theme = ? AND l.evidence != '' ORDER BY c.name "
                "LIMIT 1", (item_id, theme),
            ).fetchone()  # fmt: skip
            evidence = quote[0] if quote and low else ""
            stored = conn.execute(
                "SELECT evidence FROM wb_adjudications WHERE item_id = ? AND theme = ? AND "
                "source = 'agreement'", (item_id, theme)).fetchone()[0]  # fmt: skip
            if low != present or evidence != stored:
                conn.execute(
                    "UPDATE wb_adjudications SET present = ?, evidence = ?, decided_at = ? "
                    "WHERE item_id = ? AND theme = ? AND source = 'agreement'",
                    (low, evidence, stamp, item_id, theme),
                )  # fmt: skip
        else:
            conn.execute("DELETE FROM wb_adjudications WHERE item_id = ? AND theme = ? AND "
                         "source = 'agreement'", (item_id, theme))  # fmt: skip


LABEL_COLUMNS = ["item_id", "position", "statement_id", "passage_seq", "source", "coder", "theme",
                 "present", "evidence", "evidence_start", "evidence_end", "labelled_at",
                 "seen_tool"]  # fmt: skip


def _seen_tool_column(store: Store) -> str:
    """``l.seen_tool``, or 0 in a database opened read-only before its migration added it."""
    names = {r[1] for r in store.conn.execute("PRAGMA table_info(wb_labels)")}
    return "l.seen_tool" if "seen_tool" in names else "0"


def labels(store: Store, sample_id: int, *, coder: str | None = None) -> pd.DataFrame:
    """Labels of a sample (of one coder, when named): :data:`LABEL_COLUMNS`."""
    if not has_tables(store):
        return pd.DataFrame(columns=LABEL_COLUMNS)
    where = "i.sample_id = ?"
    params: list[object] = [int(sample_id)]
    if coder is not None:
        where += " AND c.name = ?"
        params.append(" ".join(coder.split()))  # as coder_id stores names
    return pd.read_sql_query(
        "SELECT l.item_id, i.position, i.statement_id, i.passage_seq, s.source, c.name AS coder, "
        "l.theme, l.present, l.evidence, l.evidence_start, l.evidence_end, l.labelled_at, "
        f"{_seen_tool_column(store)} AS seen_tool FROM wb_labels l JOIN wb_items i ON i.id = l.item_id JOIN wb_coders c ON c.id = "
        f"l.coder_id JOIN statements s ON s.id = i.statement_id WHERE {where} "
        "ORDER BY i.position, c.name, l.theme",
        store.conn, params=params,
    )  # fmt: skip


def coders(store: Store, sample_id: int) -> list[str]:
    """Names of the coders with at least one label in the sample."""
    if not has_tables(store):
        return []
    return [r[0] for r in store.conn.execute(
        "SELECT DISTINCT c.name FROM wb_labels l JOIN wb_items i ON i.id = l.item_id "
        "JOIN wb_coders c ON c.id = l.coder_id WHERE i.sample_id = ? ORDER BY c.name",
        (int(sample_id),),
    )]  # fmt: skip


LABEL_COUNT_COLUMNS = ["sample_id", "coder", "items", "labels", "seen_tool"]


def label_counts(
    store: Store, *, sample_id: int | None = None, coder: str | None = None
) -> pd.DataFrame:
    """Each coder's labels per sample (of one sample, of one coder, when given), by sample then
    name: :data:`LABEL_COUNT_COLUMNS` (``items`` coded, ``labels`` stored, ``seen_tool`` items
    coded with the tool's matches on screen). :class:`NotStored` names the samples there are
    when ``sample_id`` is none of them, and the sample's coders when ``coder`` has no label in
    it."""
    conds: list[str] = []
    params: list[object] = []
    if sample_id is not None:
        sample(store, sample_id)
        conds.append("i.sample_id = ?")
        params.append(int(sample_id))
    if coder is not None:
        conds.append("c.name = ?")
        params.append(" ".join(coder.split()))  # as coder_id stores names
    if not has_tables(store):
        return pd.DataFrame(columns=LABEL_COUNT_COLUMNS)
    counts = pd.read_sql_query(
        "SELECT i.sample_id, c.name AS coder, COUNT(DISTINCT l.item_id) AS items, "
        f"COUNT(*) AS labels, COUNT(DISTINCT CASE WHEN {_seen_tool_column(store)} = 1 "
        "THEN l.item_id END) AS seen_tool FROM wb_labels l JOIN wb_items i ON i.id = l.item_id "
        f"JOIN wb_coders c ON c.id = l.coder_id WHERE {' AND '.join(conds) or '1'} "
        "GROUP BY i.sample_id, c.name ORDER BY i.sample_id, c.name",
        store.conn, params=params,
    )  # fmt: skip
    if coder is not None and sample_id is not None and counts.empty:
        raise _no_labels_of(store, sample_id, coder)
    return counts


def _no_labels_of(store: Store, sample_id: int, coder: str) -> NotStored:
    there = coders(store, sample_id)
    listed = (f"its coders are {', '.join(repr(c) for c in there)}" if there
              else "no coder has labelled it yet")  # fmt: skip
    name = " ".join(coder.split())
    return NotStored(f"sample {sample_id} of {store.path} has no labels of coder {name!r}: "
                     f"{listed}")  # fmt: skip


@dataclass(frozen=True)
class LabelsRemoved:
    """What :func:`remove_labels` did."""

    sample_id: int
    coder: str
    #: the coder's labels removed, and the items they were on
    labels: int
    items: int
    #: gold decisions taken from agreement that the remaining labels no longer bear out
    withdrawn: int
    #: agreed decisions written: pairs the remaining coders now all label alike, on items whose
    #: agreed labels had been saved (as after a revision)
    agreed: int
    #: the coder has no label left in any sample: the name is gone from ``wb_coders`` too
    coder_removed: bool

    def summary(self) -> str:
        """What was removed and what the gold did, in one sentence (the CLI and the page)."""
        said = (f"Removed {self.labels} labels of {self.coder!r} ({self.items} items) from "
                f"sample {self.sample_id}; {self.withdrawn} gold decision(s) taken from the "
                "coders' agreement withdrawn")  # fmt: skip
        if self.withdrawn:
            said += " (those pairs are open to adjudicate again)"
        if self.agreed:
            said += f", {self.agreed} written (the remaining coders now agree on them)"
        if self.coder_removed:
            said += f"; {self.coder!r} has no label left in any sample and is no longer a coder"
        return said + "."


def remove_labels(store: Store, sample_id: int, coder: str) -> LabelsRemoved:
    """Remove one coder's labels of one sample, in one transaction (a mistyped name, a coder who
    saw the tool's output, a trial coder). The gold taken from the coders' agreement follows the
    labels that remain, item by item, as after a revision (:func:`save_labels`): a decision they
    no longer bear out is withdrawn (the pair is open to adjudicate again). Adjudicated and
    imported decisions stay. A coder left with no label in any sample is removed too: the row is
    only a name, and a mistyped one would linger. :class:`NotStored` names the samples there are
    for an unknown sample, and the sample's coders for a coder with no label in it."""
    name = " ".join(coder.split())  # as coder_id stores names
    with transaction(store) as conn:
        sample(store, sample_id)
        row = conn.execute("SELECT id FROM wb_coders WHERE name = ?", (name,)).fetchone()
        item_ids = [] if row is None else [r[0] for r in conn.execute(
            "SELECT DISTINCT l.item_id FROM wb_labels l JOIN wb_items i ON i.id = l.item_id "
            "WHERE i.sample_id = ? AND l.coder_id = ? ORDER BY l.item_id",
            (int(sample_id), row[0]))]  # fmt: skip
        if not item_ids:
            raise _no_labels_of(store, sample_id, name)
        cid = int(row[0])

        def agreed_gold() -> set[tuple[int, str]]:
            return set(conn.execute(
                "SELECT a.item_id, a.theme FROM wb_adjudications a JOIN wb_items i ON "
                "i.id = a.item_id WHERE i.sample_id = ? AND a.source = 'agreement'",
                (int(sample_id),)).fetchall())  # fmt: skip

        before = agreed_gold()
        removed = conn.execute(
            "DELETE FROM wb_labels WHERE coder_id = ? AND item_id IN (SELECT id FROM wb_items "
            "WHERE sample_id = ?)", (cid, int(sample_id))).rowcount  # fmt: skip
        stamp = now_iso()
        for item_id in item_ids:  # each item's agreed gold follows its remaining labels
            _follow_agreement(conn, item_id, stamp)
        after = agreed_gold()
        gone = not conn.execute("SELECT 1 FROM wb_labels WHERE coder_id = ? LIMIT 1",
                                (cid,)).fetchone()  # fmt: skip
        if gone:
            conn.execute("DELETE FROM wb_coders WHERE id = ?", (cid,))
    return LabelsRemoved(sample_id=int(sample_id), coder=name, labels=removed,
                         items=len(item_ids), withdrawn=len(before - after),
                         agreed=len(after - before), coder_removed=gone)  # fmt: skip

# -- gold ---------------------------------------------------------------------------------------


def save_gold(
    store: Store, rows: Iterable[tuple[int, str, bool, str]], *, source: str,
    adjudicator: str = "", note: str = "", replace: bool = True,
) -> int:
    """Gold decisions ``(item_id, theme, present, evidence)``; with ``replace=False`` an
    existing decision is kept. Returns the rows written."""
    if source not in GOLD_SOURCES:
        raise ValueError(f"source={source!r}: use one of {', '.join(GOLD_SOURCES)}")
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    stamp = now_iso()
    with transaction(store) as conn:
        cur = conn.executemany(
            f"{verb} INTO wb_adjudications (item_id, theme, present, evidence, source, "
            "adjudicator, note, decided_at) VALUES (?,?,?,?,?,?,?,?)",
            [(int(i), t, int(bool(p)), ev or "", source, adjudicator, note, stamp)
             for i, t, p, ev in rows],
        )  # fmt: skip
        return cur.rowcount


GOLD_COLUMNS = ["sample_id", "unit", "item_id", "position", "statement_id", "passage_seq",
                "source", "theme", "present", "evidence", "gold_source", "adjudicator", "note",
                "decided_at"]  # fmt: skip


def gold(store: Store, *, sample_id: int | None = None, unit: str | None = None) -> pd.DataFrame:
    """Gold decisions (of one sample, or of every sample of a unit), oldest first:
    :data:`GOLD_COLUMNS`."""
    if not has_tables(store):
        return pd.DataFrame(columns=GOLD_COLUMNS)
    conds: list[str] = []
    params: list[object] = []
    if sample_id is not None:
        conds.append("i.sample_id = ?")
        params.append(int(sample_id))
    if unit is not None:
        conds.append("sm.unit = ?")
        params.append(unit)
    where = " AND ".join(conds) or "1"
    return pd.read_sql_query(
        "SELECT i.sample_id, sm.unit, a.item_id, i.position, i.statement_id, i.passage_seq, "
        "s.source, a.theme, a.present, a.evidence, a.source AS gold_source, a.adjudicator, "
        "a.note, a.decided_at FROM wb_adjudications a JOIN wb_items i ON i.id = a.item_id "
        "JOIN wb_samples sm ON sm.id = i.sample_id JOIN statements s ON s.id = i.statement_id "
        f"WHERE {where} ORDER BY a.decided_at, i.sample_id, i.position, a.theme",
        store.conn, params=params,
    )  # fmt: skip


# -- texts and matches of items -----------------------------------------------------------------


def passages_of(store: Store, statement_id: int) -> pd.DataFrame:
    """``seq, start, end, text`` of a statement's passages."""
    return pd.read_sql_query(
        'SELECT seq, start, "end", text FROM passages WHERE statement_id = ? ORDER BY seq',
        store.conn, params=[int(statement_id)],
    )  # fmt: skip


def first_match_passages(
    store: Store, pairs: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], str]:
    """(statement id, theme) -> the passage of the theme's first counted match."""
    counted = _counted_condition(store)
    out = {}
    for sid, theme in pairs:
        row = store.conn.execute(
            "SELECT p.text FROM matches m JOIN passages p ON p.id = m.passage_id "
            f"WHERE m.statement_id = ? AND m.theme = ? {counted} ORDER BY m.start LIMIT 1",
            (int(sid), theme),
        ).fetchone()
        out[(int(sid), theme)] = row[0] if row else ""
    return out


def statement_ids_by_name(store: Store) -> dict[str, list[int]]:
    """File name (as in gold TSVs) -> the ids of the statements stored under it."""
    from tracker.coding import file_name

    out: dict[str, list[int]] = {}
    for sid, source in store.conn.execute("SELECT id, source FROM statements ORDER BY id"):
        out.setdefault(file_name(source), []).append(int(sid))
    return out
