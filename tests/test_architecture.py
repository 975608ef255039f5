"""The architecture rules, checked: solvers take plain data, one module per heavy import."""

from __future__ import annotations

import ast
import subprocess
import sys
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


@pytest.mark.parametrize("module", SOLVER_MODULES)
def test_solver_modules_do_not_load_graph_or_table_libraries(module: str) -> None:
    code = (
        "import importlib, sys; importlib.import_module(%r); "
        "print(','.join(m for m in %r if m in sys.modules))" % (module, FORBIDDEN)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{module} loads {out.stdout.strip()}"


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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
