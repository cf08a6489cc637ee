"""One read path (issue 12, item 4): outside the query layer and the stores no module of
``tracker/`` runs SQL, the pages call typed cached functions instead of naming a query in a
string, and the corpus reads that accuracy, training and suggestions use give what the
statement view shows for the same statements."""

from __future__ import annotations

import ast
import random
from pathlib import Path

from tracker import query
from tracker.connect import read_only

REPO = Path(__file__).resolve().parents[1]
#: Where SQL may run: the query layer, the stores (the writers) and the one opener.
SQL_HOMES = ("tracker/query/", "tracker/store.py", "tracker/workbench/store.py",
             "tracker/connect.py")  # fmt: skip


def calls(path: Path, attribute: str) -> list[int]:
    """Lines of ``path`` calling ``<anything>.<attribute>(...)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == attribute]  # fmt: skip


def test_no_module_outside_the_query_layer_and_the_stores_runs_sql():
    running = {}
    for path in sorted((REPO / "tracker").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if name.startswith(SQL_HOMES):
            continue
        lines = calls(path, "execute") + calls(path, "executemany")
        if lines:
            running[name] = lines
    assert not running, running


def test_pages_call_typed_functions_not_query_names():
    on_run = set()
    for path in [REPO / "dashboard.py", *sorted((REPO / "app_pages").rglob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("run", "run_or_warn")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "common"):
                on_run.add(path.relative_to(REPO).as_posix())
    assert not on_run, on_run


def test_the_corpus_reads_agree_with_the_statement_view(db):
    conn = read_only(db)
    try:
        sources = query.statement_sources(conn)
        originals = query.english_originals(conn)
        rows = random.Random(3).sample(sources, 12)
        found = query.stored_matches(conn, [sid for sid, _, _ in rows])
        present = query.themes_present(conn)
        for sid, source, language in rows:
            detail = query.statement_detail(db, sid)
            assert detail is not None
            assert (source, language) == (detail.metadata["source"], detail.metadata["language"])
            assert query.statement_text(conn, sid) == (language, detail.text)
            passages = query.passages_of(conn, sid)
            assert [tuple(p) for p in passages] == [
                tuple(r) for r in detail.passages[["seq", "start", "end", "paragraph"]].itertuples(
                    index=False)
            ]  # fmt: skip
            assert query.last_passage(conn, sid) == (passages[-1].seq if passages else None)
            slices = [detail.text[p.start : p.end] for p in passages]
            assert query.passage_texts(conn, sid, 0, len(passages)) == slices
            assert query.passage_texts(conn, sid, 0, 1) == slices[:2]
            spans = sorted((m.start, m.end, m.theme) for m in found[sid])
            assert spans == sorted(zip(detail.matches["start"], detail.matches["end"],
                                       detail.matches["theme"]))  # fmt: skip
            counted = {m.theme for m in found[sid] if m.counted}
            assert counted <= present.get(sid, set())
            place = query.statement_place(conn, sid)
            assert place == (source, detail.metadata["country"], detail.metadata["year"])
            is_original = detail.metadata["duplicate_of"] is None and language in ("en", "")
            assert (sid in originals) == is_original
            for theme in {m.theme for m in found[sid]}:
                assert sorted(query.theme_spans(conn, sid, theme)) == sorted(
                    (m.start, m.end) for m in found[sid] if m.theme == theme
                )
    finally:
        conn.close()
    assert sorted(originals) == originals and len(set(originals)) == len(originals)
    assert [sid for sid, _, _ in sources] == sorted(sid for sid, _, _ in sources)

