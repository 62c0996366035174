"""The shape of the code: no import cycles inside reviewapp/, the queue below the services,
views without queries, and imports at module level (read from the source with ``ast``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "reviewapp"
PROJECT = ("reviewapp", "extractors", "search_index")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts  # alembic scripts, run by alembic alone
    }


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imports(module: str, path: Path, known: set[str]) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level) for every project import of ``module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    top_level = {id(n) for n in tree.body}
    for n in tree.body:  # `if TYPE_CHECKING:` blocks are not run
        if isinstance(n, ast.If):
            top_level |= {id(c) for c in ast.walk(n)}
    out = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.append(full if full in known else base)
        for target in targets:
            if target.split(".")[0] in PROJECT:
                out.append((target, node.lineno, id(node) in top_level))
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for target, _line, _top in _imports(module, path, known):
            if target in known and target != module:
                graph[module].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_inside_reviewapp() -> None:
    graph = _graph()
    assert len(graph) > 20  # the walk found the package
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_project_imports_are_at_module_level() -> None:
    modules = _modules()
    late = [
        f"{m}:{line} imports {target}"
        for m, path in modules.items()
        for target, line, top in _imports(m, path, set(modules))
        if not top
    ]
    assert late == []


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("reviewapp.services.", ("reviewapp.jobs", "reviewapp.blueprints", "reviewapp.cli")),
        ("reviewapp.queue", ("reviewapp.services", "reviewapp.jobs")),
        ("reviewapp.blueprints", ("reviewapp.extensions", "sqlalchemy")),
    ],
)
def test_layers(importer: str, forbidden: tuple[str, ...]) -> None:
    modules = _modules()
    bad = []
    for module, path in modules.items():
        if not module.startswith(importer):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path.name == "__init__.py", node)
                names = [base, *(f"{base}.{a.name}" for a in node.names)]
            bad += [f"{module}:{node.lineno} {n}" for n in names if n.startswith(forbidden)]
    assert bad == []
