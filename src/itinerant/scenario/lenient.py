"""Loading a scenario whose bad visit rows are set aside instead of blocking the week.

:func:`load_scenario_lenient` loads the scenario; when every fault lies on a row of the
visits table, those rows are set aside (:class:`RejectedVisit`, with their faults) and
the scenario is loaded without them. Faults anywhere else (advisors, communes, sites,
scenario.yaml, a missing visits column) still block: they are raised as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from itinerant.core.errors import Fault, InputError
from itinerant.core.units import BadValue
from itinerant.scenario.cells import parse_priority
from itinerant.scenario.columns import TABLES
from itinerant.scenario.load import load_scenario
from itinerant.scenario.model import Scenario
from itinerant.scenario.rows import Collector, resolve_columns
from itinerant.scenario.tables import TABLE_SUFFIXES, normalize_name, read_table


@dataclass(frozen=True)
class RejectedVisit:
    """A visits row set aside: its id (or ``ligne N``), its row and every fault on it."""

    visit_id: str
    file: str
    row: int
    faults: tuple[Fault, ...]
    priority: str = ""


def _visits_file(folder: Path) -> Path | None:
    stems = {normalize_name(s) for s in TABLES["visits"]}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in TABLE_SUFFIXES and normalize_name(path.stem) in stems:
            return path
    return None


def _row_cells(path: Path) -> dict[int, dict[str, str]]:
    """Row number -> {canonical column: cell} of the visits table (as far as readable)."""
    table, _ = read_table(path)
    if table is None:
        return {}
    rows = resolve_columns(table, "visits", Collector())
    if rows is None:
        return {}
    return {row: {c: cells[i] for c, i in rows.colmap.items() if i < len(cells)} for row, cells in rows.rows}


def load_scenario_lenient(folder: Path | str) -> tuple[Scenario, tuple[RejectedVisit, ...]]:
    """The scenario without its bad visit rows, and those rows with their faults.

    Raises
    ------
    InputError
        When some fault is not on a row of the visits table (those still block).
    """
    folder = Path(folder)
    try:
        return load_scenario(folder), ()
    except InputError as exc:
        faults = list(exc.faults)
    path = _visits_file(folder) if folder.is_dir() else None
    if path is None or not all(f.file == path.name and f.row is not None for f in faults):
        raise InputError(faults)
    bad: dict[int, list[Fault]] = {}
    for f in faults:
        bad.setdefault(int(f.row), []).append(f)  # type: ignore[arg-type]
    scenario = load_scenario(folder, skip_visit_rows=set(bad))
    cells = _row_cells(path)
    rejected = tuple(
        RejectedVisit(cells.get(row, {}).get("id") or f"ligne {row}", path.name, row, tuple(fs),
                      _priority(cells.get(row, {}).get("priorite", "")))
        for row, fs in sorted(bad.items())
    )
    return scenario, rejected


def _priority(text: str) -> str:
    if not text.strip():
        return "must"
    try:
        return parse_priority(text)
    except BadValue:
        return ""
