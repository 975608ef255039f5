"""What people see: maps, printable French route sheets, posters, workbooks, the board
report and the demo index. Rendering never solves anything: every function takes the
planners' output files (or their parsed contents) and the Scenario, and draws.

Every file is written atomically (temporary file + ``os.replace``). French by default,
``language="en"`` for English.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from itinerant.reports._common import Geometry
from itinerant.reports.antennes_report import render_antennes_report
from itinerant.reports.background import Background, read_background
from itinerant.reports.index import collect_outputs, render_index
from itinerant.reports.maps import (
    MAP_CDN_HOSTS,
    render_public_map,
    render_territory_map,
    render_week_map,
)
from itinerant.reports.posters import render_bus, render_bus_rota, render_posters
from itinerant.reports.sheets import render_day_sheets
from itinerant.reports.week import render_week, render_week_table
from itinerant.reports.workbook import write_comparison_workbook, write_week_workbook
from itinerant.scenario.model import Scenario

__all__ = [
    "MAP_CDN_HOSTS",
    "Background",
    "Geometry",
    "collect_outputs",
    "read_background",
    "render_antennes_report",
    "render_bus",
    "render_bus_rota",
    "render_day_sheets",
    "render_index",
    "render_posters",
    "render_public_map",
    "render_reports",
    "render_territory_map",
    "render_week",
    "render_week_map",
    "render_week_table",
    "write_comparison_workbook",
    "write_week_workbook",
]


def render_reports(scenario: Scenario, out_dir: str | os.PathLike[str], *, plan: Any = None,
                   bus: Any = None, comparison: Any = None, language: str = "fr",
                   estimated: bool = True, geometry: Geometry | None = None,
                   pdf: bool = True, contact: str | None = None,
                   background: Background | None = None,
                   progress: Any = None, team: Any = None) -> dict[str, Any]:
    """Render every available output into the standard layout and write ``index.html``.

    Parameters
    ----------
    plan
        Home-visit ``plan.json`` (path, folder or dict), or None to skip.
    bus
        Folder with ``timetable.csv`` (+ ``days.csv``, ``kpis.json``), or None.
    comparison
        Antenne ``comparison.json`` (path, folder or dict), or None.
    estimated
        True when travel times come from the estimated model (no road file).
    geometry
        ``geometry(a_id, b_id) -> [(lat, lon)]`` road paths, or None (straight lines).
    background
        Commune boundaries and names (and roads) drawn under every map (offline).
    progress
        An object whose ``step(label)`` is a context manager (``pipeline.Progress``),
        entered around each step; None = silent.
    team
        The team's ``week.json`` (dict) when ``plan`` is its tours: the day sheets show
        each advisor's duties and mairie sessions, ``equipe/`` gets the team's board
        (linking the sheets of ``visites/``) and ``bus/equipage.html`` the bus's crew.

    Returns
    -------
    ``{"territory", "visits", "bus", "antennes", "index"}`` (absent parts are None).
    """
    out = Path(out_dir)

    def step(label: str) -> contextlib.AbstractContextManager[Any]:
        return progress.step(label) if progress is not None else contextlib.nullcontext()

    res: dict[str, Any] = {"visits": None, "bus": None, "antennes": None}
    with step("Rendu : carte du territoire"):
        res["territory"] = render_territory_map(scenario, out / "territoire" / "carte.html",
                                                language=language, estimated=estimated,
                                                background=background)
    if plan is not None:
        from itinerant.reports.team import with_session_visits

        with step("Rendu : semaine et feuilles de route"):
            res["visits"] = render_week(with_session_visits(scenario, team) if team else scenario, plan,
                                        out / "visites", language=language,
                                        estimated=estimated, geometry=geometry, pdf=pdf,
                                        background=background, team=team)
    if bus is not None:
        with step("Rendu : tournée du bus et affiches"):
            res["bus"] = render_bus(scenario, bus, out / "bus", language=language,
                                    estimated=estimated, contact=contact, pdf=pdf,
                                    background=background)
    if team is not None:
        from itinerant.reports.team import CREW_PAGE, render_bus_crew, render_team_week

        with step("Rendu : semaine de l'équipe"):
            crew = None
            if any(d["kind"] == "bus" for d in team["duties"]):
                crew = render_bus_crew(scenario, team, out / "bus" / CREW_PAGE, bus=bus, language=language)
            res["team"] = render_team_week(scenario, team, out / "equipe", language=language, estimated=estimated,
                                           tours_dir=out / "visites", crew_page=crew)
    if comparison is not None:
        with step("Rendu : comparaison des antennes"):
            res["antennes"] = render_antennes_report(scenario, comparison, out / "antennes",
                                                     language=language, estimated=estimated, pdf=pdf)
    with step("Rendu : index"):
        res["index"] = render_index(out, scenario=scenario, language=language, estimated=estimated)
    return res
