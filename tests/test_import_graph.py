"""The package's import graph: no cycles, and the layers of the house plan.

Every module under ``xtoolkit/`` is parsed with :mod:`ast` (no import is executed); every
import statement counts wherever it stands — at the top, inside a function, under
``if TYPE_CHECKING:``. ``from pkg import name`` counts as an import of ``pkg.name`` when that is
a module; ``from pkg import name`` of a non-module name is an edge to ``pkg``'s ``__init__``. A
package's ``__init__`` is its own node; importing ``pkg.mod`` is an edge to ``pkg.mod`` only (the parent ``__init__`` is not added, or every module would depend on the
top-level ``xtoolkit/__init__`` that re-exports everything).

Layers (see the README layout and the module docstrings of ``_engine`` and ``exchanges``):

* ``exchanges/*`` is pure translation: it imports nothing of the client, the transport, the
  engine protocol, orders, streams, research, the catalog, charts, widgets, sandbox or cli;
* ``orders/`` and ``stream/`` depend on the engine protocol, never on ``_client``;
* research, the catalog, charts, widgets and cli are never imported by lower layers;
* ``sandbox/`` is an exchange of its own: it imports nothing of the client side.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "xtoolkit"
PACKAGE = "xtoolkit"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _absolute(module: str, path: Path, level: int, target: str | None) -> str:
    """The absolute name of a (possibly relative) ``from ... import``'s module."""
    if level == 0:
        return target or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{target}" if target else package


def _known(name: str, modules: Iterable[str]) -> str | None:
    """``name`` or its longest prefix that is a module of the package (None: not ours)."""
    known = set(modules)
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports (anywhere in its source)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, path, node.level, node.module)
                # `from pkg import mod` imports the submodule; `from pkg import name` reads
                # ``pkg/__init__``.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                if target != PACKAGE and not target.startswith(PACKAGE + "."):
                    continue
                found = _known(target, modules)
                if found is not None and found != module:
                    graph[module].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def _path_within(graph: dict[str, set[str]], members: list[str]) -> list[str]:
    """One concrete cycle through ``members`` (for a readable failure message)."""
    start, inside = members[0], set(members)
    trail, seen = [start], {start}
    while True:
        node = trail[-1]
        nxt = sorted(graph[node] & inside)
        back = [n for n in nxt if n in seen]
        if back:
            return [*trail[trail.index(back[0]) :], back[0]]
        step = next(n for n in nxt if n not in seen)
        trail.append(step)
        seen.add(step)


def _in(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _violations(graph: dict[str, set[str]], sources: tuple[str, ...], banned: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{src} imports {dst}"
        for src, targets in graph.items()
        if _in(src, *sources)
        for dst in targets
        if _in(dst, *banned)
    )


GRAPH = import_graph()
CLIENT_SIDE = (
    "xtoolkit._client",
    "xtoolkit._transport",
    "xtoolkit._engine",
    "xtoolkit._loop",
    "xtoolkit.orders",
    "xtoolkit.stream",
    "xtoolkit.research",
    "xtoolkit.catalog",
    "xtoolkit.charts",
    "xtoolkit.widgets",
    "xtoolkit.cli",
)
UPPER = ("xtoolkit.research", "xtoolkit.catalog", "xtoolkit.charts", "xtoolkit.widgets", "xtoolkit.cli")


def test_the_graph_is_read() -> None:
    assert "xtoolkit.exchanges.binance.rest" in GRAPH["xtoolkit.exchanges.binance"]
    assert "xtoolkit._engine" in GRAPH["xtoolkit.orders.desk"]
    # Imports inside functions and under TYPE_CHECKING count too.
    assert "xtoolkit.orders.reconcile" in GRAPH["xtoolkit.orders.plan"]  # TYPE_CHECKING only
    assert "xtoolkit.sandbox.identity" in GRAPH["xtoolkit._transport"]  # inside a function


def test_no_import_cycles() -> None:
    found = cycles(GRAPH)
    described = "\n".join(" -> ".join(_path_within(GRAPH, c)) + f"   ({len(c)} modules)" for c in found)
    assert not found, f"import cycles:\n{described}"


def test_exchanges_are_pure_translation() -> None:
    """Venue packages import only each other and the bottom layer (errors, models, keys, frames)."""
    allowed = (
        "xtoolkit.exchanges",
        "xtoolkit._errors",
        "xtoolkit._models",
        "xtoolkit._credentials",
        "xtoolkit._frames",
    )
    found = sorted(
        f"{src} imports {dst}"
        for src, targets in GRAPH.items()
        if _in(src, "xtoolkit.exchanges")
        for dst in targets
        if not _in(dst, *allowed)
    )
    assert found == [], "exchanges/ importing above its layer:\n" + "\n".join(found)
    # The allow-list leaves out everything of the client side by construction.
    assert not any(_in(m, *allowed) for m in CLIENT_SIDE)


def test_orders_and_streams_depend_on_the_engine_protocol_not_the_client() -> None:
    assert _violations(GRAPH, ("xtoolkit.orders", "xtoolkit.stream"), ("xtoolkit._client",)) == []


def test_upper_layers_are_never_imported_from_below() -> None:
    lower = tuple(m for m in GRAPH if m != PACKAGE and not _in(m, *UPPER))
    found = _violations(GRAPH, lower, UPPER)
    assert found == [], "lower layers importing research/catalog/charts/widgets/cli:\n" + "\n".join(found)


def test_the_sandbox_imports_nothing_of_the_client() -> None:
    banned = (*CLIENT_SIDE, "xtoolkit.exchanges")
    found = _violations(GRAPH, ("xtoolkit.sandbox",), banned)
    assert found == [], "sandbox importing the client side:\n" + "\n".join(found)


@pytest.mark.parametrize("wing", ["xtoolkit.orders", "xtoolkit.stream"])
def test_no_venue_names_are_compared_outside_exchanges(wing: str) -> None:
    """``orders/`` and ``stream/`` read capabilities: no ``== "binance"``, ``in ("upbit", ...)``,
    ``match``/dict-dispatch keyed by a venue name."""
    names = {"binance", "upbit"}
    found = []
    for module, path in _modules().items():
        if not _in(module, wing):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            literals: list[ast.expr] = []
            if isinstance(node, ast.Compare):
                literals = [node.left, *node.comparators]
                for side in list(literals):
                    if isinstance(side, ast.Tuple | ast.List | ast.Set):
                        literals.extend(side.elts)
            elif isinstance(node, ast.Dict):
                literals = [k for k in node.keys if k is not None]
            elif isinstance(node, ast.match_case):
                literals = [p.value for p in ast.walk(node.pattern) if isinstance(p, ast.MatchValue)]
            for lit in literals:
                if (
                    isinstance(lit, ast.Constant)
                    and isinstance(lit.value, str)
                    and lit.value.lower() in names
                ):
                    found.append(f"{path.relative_to(ROOT.parent)}:{lit.lineno} {lit.value!r}")
    assert found == [], "venue names used for branching:\n" + "\n".join(found)
