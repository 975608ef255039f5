"""« À prévenir »: the residents whose announced visit a re-plan moved or dropped, with
their phone and the old and new day, time and advisor, as a printable French page
(``a_prevenir.html``) and a French Excel CSV (``changes.csv``). Confidential."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from itinerant.core import atomic
from itinerant.reports import fmt
from itinerant.reports._common import advisor_name, commune_name, render_template
from itinerant.reports.csv_fr import write_french_csv
from itinerant.reports.outputs import load_plan
from itinerant.scenario.model import Scenario

CHANGES_COLUMNS = ("Nom", "Téléphone", "Commune", "Ancien jour", "Ancienne heure",
                   "Ancien conseiller", "Nouveau jour", "Nouvelle heure", "Nouveau conseiller",
                   "Pourquoi")


def change_rows(scenario: Scenario, plan: dict[str, Any], language: str = "fr") -> list[dict[str, Any]]:
    """One row per change of the plan (``plan["changes"]``), in the users' words: names,
    phones, communes, French dates; ``new_day`` empty when the visit is no longer planned.
    In the order of the announced visits (old day and time)."""
    visits = {v.id: v for v in scenario.visits}
    rows = []
    changes = sorted(plan.get("changes") or [],
                     key=lambda c: (c.get("old_day") or "", c.get("old_start") or "", c["visit_id"]))
    for c in changes:
        v = visits.get(c["visit_id"])
        rows.append({
            "visit_id": c["visit_id"],
            "name": c.get("name") or (v.name if v and v.name else c["visit_id"]),
            "phone": v.phone if v else "",
            "commune": commune_name(scenario, v.commune_code) if v else "",
            "old_day": fmt.format_date(c["old_day"], language) if c.get("old_day") else "",
            "old_time": fmt.format_time(c.get("old_start"), language),
            "old_advisor": advisor_name(scenario, c["old_advisor_id"]) if c.get("old_advisor_id") else "",
            "new_day": fmt.format_date(c["new_day"], language) if c.get("new_day") else "",
            "new_time": fmt.format_time(c.get("new_start"), language),
            "new_advisor": advisor_name(scenario, c["new_advisor_id"]) if c.get("new_advisor_id") else "",
            "why": c.get("why") or "",
        })
    return rows


def render_changes(scenario: Scenario, plan: Any, out_dir: str | os.PathLike[str], *,
                   language: str = "fr") -> dict[str, Path]:
    """Write ``a_prevenir.html`` and ``changes.csv`` into ``out_dir`` (also when nothing
    changed: the page then says so). Returns ``{"page", "csv"}``."""
    plan = load_plan(plan)
    out = Path(out_dir)
    rows = change_rows(scenario, plan, language)
    T = fmt.STRINGS[fmt.lang(language)]
    week = plan.get("week_start") or ""
    html = render_template(
        "changes.html", language, title=T["to_call"], rows=rows,
        scenario_title=scenario.title or scenario.name,
        week_text=fmt.format_date(week, language, year=True) if week else "",
        now=fmt.format_moment(plan.get("now") or "", language),
    )
    page = atomic.write_text(out / "a_prevenir.html", html)
    table = write_french_csv(out / "changes.csv", CHANGES_COLUMNS, [
        [r["name"], r["phone"], r["commune"], r["old_day"], r["old_time"], r["old_advisor"],
         r["new_day"] or "non replanifiée", r["new_time"], r["new_advisor"], r["why"]]
        for r in rows])
    return {"page": page, "csv": table}


__all__ = ["CHANGES_COLUMNS", "change_rows", "render_changes"]
