"""The coordinator's week: HTML table, folium map, Excel workbook and day sheets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from itinerant.core import atomic
from itinerant.reports import fmt
from itinerant.reports._common import (
    Geometry,
    advisor_name,
    commune_name,
    memo_geometry,
    render_template,
    times_label,
)
from itinerant.reports.background import Background
from itinerant.reports.changes import render_changes
from itinerant.reports.csv_fr import write_week_csvs
from itinerant.reports.maps import render_week_map
from itinerant.reports.outputs import load_plan
from itinerant.reports.sheets import (
    lunch_inside,
    render_day_sheets,
    route_summary,
    sheet_stem,
    week_rows,
)
from itinerant.reports.workbook import write_week_workbook
from itinerant.scenario.model import Scenario


def render_week_table(scenario: Scenario, plan: Any, path: str | os.PathLike[str], *,
                      language: str = "fr", estimated: bool | None = None,
                      map_href: str = "carte_semaine.html", xlsx_href: str | None = "semaine.xlsx",
                      sheets_dir: str | None = "feuilles", team: dict[str, Any] | None = None) -> Path:
    """Write the week table (routes, stops, unassigned with reasons) as printable HTML;
    with the team's ``week.json`` (``team``), the days of duties only get their day PDF."""
    plan = load_plan(plan)
    est = bool(plan.get("estimated", True)) if estimated is None else estimated
    T = fmt.STRINGS[fmt.lang(language)]
    routes = []
    for r in sorted(plan["routes"], key=lambda r: (r["day"], r["advisor_id"])):
        stem = sheet_stem(r)
        routes.append({
            "day_text": fmt.format_date(r["day"], language), "advisor": advisor_name(scenario, r["advisor_id"]),
            "depart": r.get("depart"), "ret": r.get("return"), "brk": r.get("break") if lunch_inside(r) else None,
            **route_summary(r),
            "html": f"{sheets_dir}/{stem}.html" if sheets_dir and r["stops"] else None,
            "pdf": f"{sheets_dir}/{stem}.pdf" if sheets_dir and r["stops"] else None,
        })
    day_pdfs = [{"day_text": fmt.format_date(d, language), "pdf": f"{sheets_dir}/{d}.pdf"}
                for d in sorted({r["day"] for r in plan["routes"] if r["stops"]}
                                | {d["day"] for d in (team or {}).get("duties", []) if d.get("advisors")})] \
        if sheets_dir else []
    visits = {v.id: v for v in scenario.visits}
    unassigned = []
    for u in plan.get("unassigned", []):
        v = visits.get(u["visit_id"])
        unassigned.append({"name": (v.name or u["visit_id"]) if v else u["visit_id"],
                           "commune": commune_name(scenario, v.commune_code) if v else "",
                           "reason": u.get("reason", "")})
    week = plan.get("week_start") or ""
    title = T["week_table_of"].format(date=fmt.format_date(week, language, year=True)) if week \
        else T["week_table"]
    html = render_template(
        "week.html", language, title=title, scenario_title=scenario.title or scenario.name,
        routes=routes, rows=week_rows(scenario, plan, language), unassigned=unassigned,
        kpis=plan.get("kpis") or None, estimated=est, times_label=times_label(est, language),
        map_href=map_href, xlsx_href=xlsx_href, summary=plan.get("summary") or "",
        capacity=plan.get("capacity") or [], changes_n=len(plan.get("changes") or []),
        day_pdfs=day_pdfs,
    )
    return atomic.write_text(path, html)


def render_week(scenario: Scenario, plan: Any, out_dir: str | os.PathLike[str], *,
                language: str = "fr", estimated: bool | None = None,
                geometry: Geometry | None = None, pdf: bool = True,
                background: Background | None = None,
                team: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything of the home-visit week in ``out_dir`` (``team``: the team's ``week.json``
    when the tours are those of the team's week: its duties go on the day sheets).

    Writes ``carte_semaine.html`` (folium), ``semaine.html`` (table), ``semaine.xlsx``,
    ``tournees.csv`` and ``non_planifiees.csv`` (French Excel CSVs) and
    ``feuilles/<day>_<advisor>.html|.pdf`` + ``feuilles/<day>.pdf`` (the whole day).
    ``a_prevenir.html`` and ``changes.csv`` list the residents whose announced visit a
    re-plan moved. Returns ``{"map", "table", "workbook", "csv", "changes", "sheets"}``.
    """
    plan = load_plan(plan)
    out = Path(out_dir)
    geometry = memo_geometry(geometry)
    return {
        "map": render_week_map(scenario, plan, out / "carte_semaine.html", language=language,
                               estimated=estimated, geometry=geometry, background=background),
        "table": render_week_table(scenario, plan, out / "semaine.html", language=language,
                                   estimated=estimated, team=team),
        "workbook": write_week_workbook(scenario, plan, out / "semaine.xlsx", language=language),
        "csv": write_week_csvs(scenario, plan, out),
        "changes": render_changes(scenario, plan, out, language=language),
        "sheets": render_day_sheets(scenario, plan, out / "feuilles", language=language,
                                    estimated=estimated, geometry=geometry, pdf=pdf,
                                    background=background, team=team),
    }
