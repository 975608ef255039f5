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
    "itinerant.visits.check",
    "itinerant.visits.plan",
    "itinerant.visits.keep",
    "itinerant.visits.priority",
    "itinerant.visits.search",
    "itinerant.visits.summary",
    "itinerant.visits.timing",
    "itinerant.bus.problem",
    "itinerant.bus.solve",
    "itinerant.bus.baseline",
    "itinerant.bus.cpsat",
    "itinerant.bus.lp",
    "itinerant.bus.heuristic",
    "itinerant.bus.rota",
    "itinerant.antennes.models",
    "itinerant.antennes.base",
    "itinerant.antennes.mclp",
    "itinerant.antennes.pmedian",
    "itinerant.antennes.presolve",
    "itinerant.antennes.pcenter",
    "itinerant.antennes.lscp",
    "itinerant.antennes.variant",
    "itinerant.antennes.demand",
    "itinerant.antennes.solve",
    "itinerant.antennes.compare",
    "itinerant.antennes.results",
    "itinerant.team.problem",
    "itinerant.team.duties",
    "itinerant.team.sessions",
    "itinerant.team.solve",
    "itinerant.team.check",
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
        ("ortools", {"core/_ortools.py"}),  # one module imports OR-Tools, the rest use it
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
    # `itinerant serve` hands over to the desk's server (the desk is a shell over the pipeline)
    assert internal <= {"itinerant", "itinerant.pipeline", "itinerant.core.errors", "itinerant.desk.server"}


# -- layers ------------------------------------------------------------------------------

LAYERS: tuple[tuple[str, ...], ...] = (
    ("itinerant.core",),
    ("itinerant.scenario",),
    ("itinerant.roads",),
    ("itinerant.matrices",),
    ("itinerant.visits", "itinerant.bus", "itinerant.antennes"),
    ("itinerant.team",),
    ("itinerant.reports",),
    ("itinerant.pipeline",),
    ("itinerant.desk",),
    ("itinerant.cli",),
    ("itinerant.__main__",),
)
"""Data flows down this list: a module may import its own layer's package or a lower layer.
Peers on one line (visits, bus, antennes) do not import each other."""


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _all_internal_imports(path: Path) -> set[str]:
    """Every itinerant module imported anywhere in ``path`` (functions included)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("itinerant"):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                out.add(full if _module_file(full).is_file() else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("itinerant")}
    return {m for m in out if m != "itinerant"}


def _layer(module: str) -> tuple[int, str]:
    for i, group in enumerate(LAYERS):
        for pkg in group:
            if module == pkg or module.startswith(pkg + "."):
                return i, pkg
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _all_internal_imports(p) for p in SRC.rglob("*.py")}


def test_every_module_has_a_layer() -> None:
    for module in _graph():
        if module != "itinerant":
            _layer(module)


def test_no_import_against_the_layer_order() -> None:
    bad = []
    for module, imports in _graph().items():
        if module == "itinerant":
            continue
        level, pkg = _layer(module)
        for target in imports:
            t_level, t_pkg = _layer(target)
            if t_level > level or (t_level == level and t_pkg != pkg):
                bad.append(f"{module} -> {target}")
    assert sorted(bad) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle() -> None:
    # A package's __init__ re-exporting its modules is not a cycle of the code itself.
    graph = {m: {t for t in imps if not _module_file(t).name == "__init__.py"} for m, imps in _graph().items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
