"""tracker.query as a package (issue 12, item 4): every name the project calls through
``query.X`` is still there, and the codebook outline the pages read cheaply agrees with the
full parser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker import query
from tracker.codebook import DEFAULT_CODEBOOK, codebook_from_text
from tracker.query.codebooks import CodebookInfo, outline

REPO = Path(__file__).resolve().parents[1]
CALLERS = ("app_pages", "tracker", "tests", "benchmarks", "scripts", "dashboard.py")


def names_called() -> set[str]:
    """Every ``query.X`` written in the project's code (outside the package itself)."""
    found: set[str] = set()
    for where in CALLERS:
        root = REPO / where
        for path in [root] if root.is_file() else root.rglob("*.py"):
            if path == Path(__file__) or (REPO / "tracker" / "query") in path.parents:
                continue
            text = path.read_text(encoding="utf-8")
            found |= set(re.findall(r"(?<![\w.])query\.([A-Za-z_]\w*)", text))
            for paren, line in re.findall(
                r"from tracker\.query import (?:\(([^)]*)\)|([^\n(]+))", text
            ):  # fmt: skip
                for item in (paren or line).split("#")[0].split(","):
                    if item.split():
                        found.add(item.split()[0])
    return found - {"py"}


def test_every_name_the_project_calls_is_on_the_package():
    called = names_called()
    assert {"trends", "Filters", "connect", "codebook_info"} <= called  # the scan finds calls
    missing = sorted(n for n in called if not hasattr(query, n))
    assert not missing, missing


def test_the_search_time_limit_is_set_on_the_package(monkeypatch):
    from tracker.query.search import search_time_limit

    monkeypatch.setattr(query, "SEARCH_TIME_LIMIT", 0.25)
    assert search_time_limit() == 0.25


@pytest.mark.parametrize("path", [DEFAULT_CODEBOOK], ids=["default"])
def test_the_outline_agrees_with_the_parser(path):
    text = Path(path).read_text(encoding="utf-8")
    book = codebook_from_text(text, path=str(path))
    light = outline(text)
    assert [(t.id, t.label, t.definition) for t in light.themes] == [
        (t.id, t.label, t.definition) for t in book.themes
    ]  # fmt: skip
    assert light.languages == tuple(sorted(book.languages))
    info = CodebookInfo(book.version, book.name, text, str(path))
    assert info.labels() == {**query.DEFAULT_THEME_LABELS, **{t.id: t.label for t in book.themes}}
    assert [t.id for t in info.themes] == list(info.theme_ids) == [t.id for t in book.themes]
    assert all(t.rules for t in info.themes)  # the method page's rule summaries


def test_an_unreadable_codebook_text_has_an_empty_outline():
    assert outline("themes: [unclosed").themes == ()
    assert outline("- a list").themes == ()
