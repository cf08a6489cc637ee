"""README's table of link parameters ("Links and the URL") names every query parameter the
dashboard reads, and only those: it lacked `panels`, `smooth`, `order` and the Any term page's
own. The parameters are read from the code, not copied by hand: the sidebar filters'
``PARAM_KEYS`` and the names the pages pass to ``page_param``, ``page_choice`` and ``page_int``
(and ``qp.get`` in ``app_pages/ui/url.py``), found in their syntax trees. A name that is not a
literal is followed to the literal tuple a ``for`` loop takes it from, or to the literal
arguments of the calls of the function it is a parameter of; one that cannot be followed fails
the test, so no parameter is missed in silence."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app_pages.ui.url import PARAM_KEYS

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "dashboard.py", *sorted((REPO / "app_pages").rglob("*.py"))]
#: The functions that read a page's own parameter, its name their first argument.
READERS = {"page_param", "page_choice", "page_int"}


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(node: ast.AST, where: str) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    raise AssertionError(f"{where}: a parameter name that is not a string literal")


class _Reads:
    """The parameter names read in one module."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parent = {c: p for p in ast.walk(self.tree) for c in ast.iter_child_nodes(p)}

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(REPO)}:{getattr(node, 'lineno', '?')}"

    def names(self) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _called(node)
            is_qp_get = (name == "get" and isinstance(node.func, ast.Attribute)
                         and isinstance(node.func.value, ast.Name) and node.func.value.id == "qp")  # fmt: skip
            if (name in READERS and not self._inside_reader(node)) or is_qp_get:
                found |= self.resolve(node.args[0], node)
        return found

    def _inside_reader(self, node: ast.AST) -> bool:
        """Calls inside the readers themselves pass their own argument on."""
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef) and node.name in READERS:
                return True
        return False

    def resolve(self, arg: ast.AST, at: ast.AST) -> set[str]:
        if not isinstance(arg, ast.Name):
            return _strings(arg, self.where(at))
        node = at
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.For):
                values = self._from_loop(node, arg.id)
                if values is not None:
                    return values
            if isinstance(node, ast.FunctionDef) and arg.id in [a.arg for a in node.args.args]:
                return self._from_calls(node, arg.id)
        raise AssertionError(f"{self.where(at)}: cannot follow the parameter name {arg.id!r} to "
                             "a literal")  # fmt: skip

    def _from_loop(self, loop: ast.For, name: str) -> set[str] | None:
        """The values a ``for`` loop over a literal tuple or list gives ``name``."""
        target = loop.target
        if isinstance(target, ast.Name):
            index = None if target.id == name else -1
        elif isinstance(target, ast.Tuple):
            ids = [getattr(e, "id", None) for e in target.elts]
            index = ids.index(name) if name in ids else -1
        else:
            return None
        if index == -1:
            return None
        assert isinstance(loop.iter, (ast.Tuple, ast.List)), (
            f"{self.where(loop)}: {name!r} comes from a loop over no literal")
        values: set[str] = set()
        for item in loop.iter.elts:
            if index is not None:
                assert isinstance(item, (ast.Tuple, ast.List)), self.where(item)
                item = item.elts[index]
            values |= _strings(item, self.where(item))
        return values

    def _from_calls(self, func: ast.FunctionDef, name: str) -> set[str]:
        """The literal values the module's calls of ``func`` pass as its parameter ``name``."""
        position = [a.arg for a in func.args.args].index(name)
        values: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _called(node) == func.name:
                given = [k.value for k in node.keywords if k.arg == name]
                assert position < len(node.args) or given, self.where(node)
                arg = node.args[position] if position < len(node.args) else given[0]
                values |= self.resolve(arg, node)
        if not values:
            raise AssertionError(f"{self.where(func)}: {func.name}() is never called with a name")
        return values


def read_by_the_code() -> set[str]:
    names = set(PARAM_KEYS)
    for path in SOURCES:
        names |= _Reads(path).names()
    return names


def in_the_readme() -> set[str]:
    """The names in the first column of the table under "Links and the URL"."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("#### Links and the URL", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # past the header
    assert rows, "README: no table under “Links and the URL”"
    return {name for row in rows for name in re.findall(r"`([^`]+)`", row.split("|")[1])}


def test_the_code_reads_the_parameters_it_is_known_to():
    """The search through the code finds what is known to be there (the search itself works):
    literals, a loop's tuple (Compare's sides), a function's callers (Compare's default), the
    sidebar's helpers and the Any term page's own."""
    names = read_by_the_code()
    assert {"panels", "smooth", "order", "minn", "a", "b", "within", "window", "lang", "near",
            "sample", "id", "years", "from", "to"} <= names  # fmt: skip


def test_every_link_parameter_the_dashboard_reads_is_in_the_readme_table():
    code, readme = read_by_the_code(), in_the_readme()
    assert not code - readme, f"read by the dashboard, missing from README's table: {code - readme}"
    assert not readme - code, f"in README's table, read by no page: {readme - code}"
