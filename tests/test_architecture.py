"""The architecture rules, checked: solvers take plain data, one module per heavy import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "itinerant"

# Modules that hold problems and solvers: plain data in, plain data out.
SOLVER_MODULES = [
    "itinerant.visits.problem",
    "itinerant.visits.solve",
    "itinerant.visits.engine_pyvrp",
    "itinerant.visits.engine_ortools",
    "itinerant.visits.reasons",
    "itinerant.check",
    "itinerant.bus.problem",
    "itinerant.bus.solve",
    "itinerant.bus.baseline",
    "itinerant.antennes.models",
]
FORBIDDEN = ("osmnx", "networkx", "pandas", "folium", "geopandas")


def _module_file(module: str) -> Path:
    parts = module.split(".")[1:]
    if not parts:
        return SRC / "__init__.py"
    rel = Path(*parts)
    path = SRC / rel.with_suffix(".py")
    return path if path.is_file() else SRC / rel / "__init__.py"


def _internal_closure(module: str) -> set[str]:
    """Every itinerant module that ``module`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen or not _module_file(name).is_file():
            continue
        seen.add(name)
        for node in _load_time_imports(_module_file(name)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("itinerant"):
                todo.append(node.module)
                todo.extend(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                todo.extend(a.name for a in node.names if a.name.startswith("itinerant"))
    return seen


@pytest.mark.parametrize("module", SOLVER_MODULES)
def test_solver_modules_do_not_import_graph_or_table_libraries(module: str) -> None:
    # Our code, followed through every itinerant module it imports. (OR-Tools itself
    # loads pandas for its own helpers; that is the library's business, not ours.)
    assert _module_file(module).is_file(), f"{module} is missing"
    offenders = {
        m: sorted(_imported_roots(_module_file(m), load_time=True) & set(FORBIDDEN))
        for m in _internal_closure(module)
    }
    assert {m: libs for m, libs in offenders.items() if libs} == {}


def _load_time_imports(path: Path) -> list[ast.stmt]:
    """Import statements run when the module is imported: module level, outside
    functions and ``if TYPE_CHECKING:`` blocks."""
    found: list[ast.stmt] = []
    todo = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
        elif isinstance(node, (ast.If, ast.Try)):
            todo.extend(node.body + node.orelse + getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                todo.extend(handler.body)
    return found


def _imported_roots(path: Path, *, load_time: bool = False) -> set[str]:
    """Top-level packages imported by a file (anywhere in it, or at load time only)."""
    roots: set[str] = set()
    nodes = _load_time_imports(path) if load_time else ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    for node in nodes:
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(
    "library, allowed",
    [
        ("ortools", {"_ortools.py"}),  # one module imports OR-Tools, the rest use it
        ("pyvrp", {"visits/engine_pyvrp.py"}),  # one module imports PyVRP
    ],
)
def test_one_module_imports_each_solver_library(library: str, allowed: set[str]) -> None:
    importers = {
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if library in _imported_roots(p)
    }
    assert importers == allowed


def test_cli_only_calls_the_pipeline() -> None:
    roots = _imported_roots(SRC / "cli.py")
    assert not roots & {"pandas", "numpy", "osmnx", "networkx", "pyvrp", "ortools", "folium"}
    tree = ast.parse((SRC / "cli.py").read_text(encoding="utf-8"))
    internal = {
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("itinerant")
    }
    internal |= {
        f"itinerant.{a.name}"
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module == "itinerant"
        for a in n.names
    }
    assert internal <= {"itinerant", "itinerant.pipeline", "itinerant.errors"}
