"""The import graph of src/feedvault: no cycles, and data flowing one way (docs/architecture.md).

Every import counts: top level, inside functions (a lazy import still couples two modules)
and under ``if TYPE_CHECKING`` (a type is a dependency too). One exception, by design: a
package's ``__init__`` may import its own submodules (it presents them); an edge from an
``__init__`` into its own package is left out. An import of ``a.b.c`` is an edge to ``a.b.c``
only: that Python runs ``a/__init__`` and ``a/b/__init__`` first is not a dependency of the
importer's.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "feedvault"

# Stages that know nothing of what comes after them (docs/architecture.md).
STAGES = ("parse", "decide", "clean", "search", "fetch", "archive", "media")
LATER = ("store", "update", "vault", "web", "cli", "importer", "exporter")


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imported(name: str, tree: ast.AST) -> Iterator[str]:
    """Every feedvault module ``name`` imports, resolved to the module (not the name in it)."""
    package = name if _is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
            targets = [t if t in MODULES else base for t in targets]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # a name inside a module: the module
                target = target.rpartition(".")[0]
            if target.startswith("feedvault"):
                yield target


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges = set(_imported(name, tree)) - {name}
        if _is_package(name):  # a package presenting its own submodules
            edges = {e for e in edges if not e.startswith(name + ".")}
        graph[name] = edges
    return graph


GRAPH = _graph()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work.append((start, iter(sorted(graph[start]))))
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_graph_sees_lazy_and_type_only_imports() -> None:
    """The parser itself: a function-level import and a TYPE_CHECKING one are edges."""
    assert "feedvault.update.pipeline" in GRAPH["feedvault.update.updater"]
    assert "feedvault.vault" in GRAPH["feedvault.cli.args"]  # only under TYPE_CHECKING
    assert "feedvault.exporter" in GRAPH["feedvault.vault"]  # inside a method
    assert "feedvault.cli.changes" not in GRAPH["feedvault.cli"]  # its own submodule: left out
    assert "feedvault.cli.args" in GRAPH["feedvault.cli.changes"]


# Known, owned by the storage rewrite of issue #19 (item 1/2), still open when this test was
# written. Exact lists: a new violation fails, and so does one that is gone (empty the list).
KNOWN_CYCLES: list[list[str]] = []
KNOWN_STAGE_EDGES: set[tuple[str, str]] = set()


def test_no_import_cycles() -> None:
    assert _cycles(GRAPH) == KNOWN_CYCLES


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("stage", STAGES)
def test_stages_never_import_what_comes_after_them(stage: str) -> None:
    prefix = f"feedvault.{stage}"
    wrong = {
        (name, target)
        for name, edges in GRAPH.items()
        if name == prefix or name.startswith(prefix + ".")
        for target in edges
        if any(target == f"feedvault.{later}" or target.startswith(f"feedvault.{later}.")
               for later in LATER)
    }
    assert wrong == {e for e in KNOWN_STAGE_EDGES if e[0].startswith(prefix + ".")}


def test_update_knows_nothing_of_the_api_built_on_it() -> None:
    """`vault`, `cli` and `web` use the update package, never the other way round."""
    wrong = {
        (name, target)
        for name, edges in GRAPH.items()
        if name.startswith("feedvault.update")
        for target in edges
        if target.split(".")[1] in ("vault", "cli", "web", "importer", "exporter")
    }
    assert wrong == set()
