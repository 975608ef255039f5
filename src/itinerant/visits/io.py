"""Write a plan (``plan.json``, ``routes.csv``, ``unassigned.csv``) and read ``plan.json`` back.

Files are written atomically (temporary file in the same folder, then ``os.replace``).
``plan.json`` keeps exact seconds (``*_s`` keys) beside the ``HH:MM`` texts so that
re-planning and checking are exact. Its keys::

    {"scenario", "week_start": "YYYY-MM-DD", "estimated", "engine", "objective": {...}, "wall_s",
     "routes": [{"vehicle_id", "advisor_id", "day": "YYYY-MM-DD", "start_site", "end_site",
                 "depart": "HH:MM", "return": "HH:MM", "depart_s", "return_s",
                 "travel_s", "travel_m", "work_s",
                 "break": {"start", "end", "start_s", "end_s"} | null,
                 "return_travel_s", "return_travel_m",
                 "stops": [{"seq", "visit_id", "arrival", "start", "end", "travel_s", "travel_m",
                            "pinned", "time_pinned", "done", "priority",
                            "arrival_s", "start_s", "end_s"}]}],
     "unassigned": [{"visit_id", "reason", "code", "priority", "route", "faults"}],
     "changes": [{"visit_id", "name", "old_advisor_id", "old_day", "old_start",
                  "new_advisor_id", "new_day", "new_start", "why"}],
     "now": "YYYY-MM-DDTHH:MM" | null, "notices": [...], "capacity": [...],
     "groups": [{"route", "visits", "text"}], "summary": "...",
     "kpis": {"visits_total", "served", "unassigned", "must_unassigned", "should_unassigned",
              "could_unassigned", "pins_total", "pins_kept", "changes", "km", "drive_h",
              "work_h_by_advisor": {advisor_id: hours}, "time_limit_s", "settled"}}

``travel_s``/``travel_m`` of a stop are the leg *into* it; ``work_s`` excludes the lunch
when it lies within the route. For re-planning, set ``"pinned": true`` on confirmed stops
(kept on their advisor and day) and ``"time_pinned": true`` to keep their time too.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from itinerant.core import atomic
from itinerant.core.safe import csv_row
from itinerant.core.units import hhmm
from itinerant.visits.problem import Plan, VisitProblem

ROUTES_COLUMNS = ("advisor_id", "day", "seq", "visit_id", "arrival", "start", "end", "travel_s", "travel_m")
UNASSIGNED_COLUMNS = ("visit_id", "reason")


def _hm(s: int | None) -> str | None:
    return None if s is None else hhmm(s)


def plan_to_dict(plan: Plan, problem: VisitProblem | None = None) -> dict[str, Any]:
    """The ``plan.json`` document (see the module docstring); the plan describes itself
    (``problem`` is accepted for compatibility and not needed)."""
    routes = sorted(plan.routes, key=lambda r: (str(r.date), r.advisor_id))
    out_routes = []
    for r in routes:
        stops = [
            {
                "seq": seq, "visit_id": s.task_id, "arrival": hhmm(s.arrival_s), "start": hhmm(s.start_s),
                "end": hhmm(s.end_s), "travel_s": s.travel_s, "travel_m": s.travel_m,
                "pinned": bool(s.pinned), "time_pinned": bool(s.time_pinned), "done": bool(s.done),
                "priority": s.priority, "arrival_s": s.arrival_s, "start_s": s.start_s, "end_s": s.end_s,
            }
            for seq, s in enumerate(r.stops, 1)
        ]
        brk = None
        if r.break_start_s is not None and r.break_end_s is not None:
            brk = {"start": hhmm(r.break_start_s), "end": hhmm(r.break_end_s),
                   "start_s": r.break_start_s, "end_s": r.break_end_s}
        out_routes.append(
            {
                "vehicle_id": r.vehicle_id, "advisor_id": r.advisor_id,
                "day": r.date.isoformat() if r.date else None,
                "start_site": r.start_site, "end_site": r.end_site,
                "depart": hhmm(r.depart_s), "return": hhmm(r.return_s),
                "depart_s": r.depart_s, "return_s": r.return_s,
                "travel_s": r.travel_s, "travel_m": r.travel_m, "work_s": r.work_s, "break": brk,
                "return_travel_s": r.return_travel_s, "return_travel_m": r.return_travel_m,
                "stops": stops,
            }
        )
    unassigned = [
        {"visit_id": u.task_id, "reason": u.reason, "code": u.code, "priority": u.priority,
         "route": u.vehicle_id, "faults": list(u.faults)}
        for u in plan.unassigned
    ]
    changes = [
        {"visit_id": c.task_id, "name": c.name, "old_advisor_id": c.old_advisor_id,
         "old_day": c.old_date.isoformat(), "old_start": hhmm(c.old_start_s),
         "new_advisor_id": c.new_advisor_id, "new_day": c.new_date.isoformat() if c.new_date else None,
         "new_start": _hm(c.new_start_s), "why": c.why}
        for c in plan.changes
    ]
    return {
        "scenario": plan.scenario,
        "week_start": plan.week_start.isoformat() if plan.week_start else None,
        "estimated": bool(plan.estimated),
        "engine": plan.engine,
        "now": plan.now.isoformat(timespec="minutes") if plan.now else None,
        "objective": dict(plan.objective),
        "wall_s": round(plan.wall_s, 2),
        "routes": out_routes,
        "unassigned": unassigned,
        "changes": changes,
        "notices": list(plan.notices),
        "capacity": [c.text for c in plan.capacity],
        "groups": [{"route": g.vehicle_id, "visits": list(g.task_ids), "text": g.text} for g in plan.groups],
        "summary": plan.summary(),
        "kpis": plan.kpis.as_dict(),
    }


def routes_csv_text(doc: dict[str, Any]) -> str:
    """``routes.csv`` text from a ``plan.json`` document."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ROUTES_COLUMNS)
    for r in doc["routes"]:
        for s in r["stops"]:
            w.writerow(csv_row([r["advisor_id"], r["day"], s["seq"], s["visit_id"], s["arrival"], s["start"],
                                s["end"], s["travel_s"], s["travel_m"]]))
    return buf.getvalue()


def unassigned_csv_text(doc: dict[str, Any]) -> str:
    """``unassigned.csv`` text from a ``plan.json`` document."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(UNASSIGNED_COLUMNS)
    for u in doc["unassigned"]:
        w.writerow(csv_row([u["visit_id"], u["reason"]]))
    return buf.getvalue()


def write_plan(plan: Plan, problem: VisitProblem, out_dir: Path | str) -> dict[str, Path]:
    """Write ``plan.json``, ``routes.csv`` and ``unassigned.csv`` into ``out_dir``.

    The plan is checked first (:func:`itinerant.visits.check.assert_valid`).

    Returns
    -------
    dict
        ``{"plan": path, "routes": path, "unassigned": path}``.
    """
    from itinerant.visits.check import assert_valid

    assert_valid(problem, plan)
    out = Path(out_dir)
    doc = plan_to_dict(plan, problem)
    paths = {"plan": out / "plan.json", "routes": out / "routes.csv", "unassigned": out / "unassigned.csv"}
    atomic.write_text(paths["plan"], json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    atomic.write_text(paths["routes"], routes_csv_text(doc))
    atomic.write_text(paths["unassigned"], unassigned_csv_text(doc))
    return paths


def read_plan(path: Path | str) -> dict[str, Any]:
    """Read a ``plan.json`` written by :func:`write_plan` (for re-planning)."""
    from itinerant.core.errors import Fault, InputError

    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Fault(str(path), None, "", "fichier introuvable", "indiquer le plan.json d'une planification précédente")]) from None
    except json.JSONDecodeError as e:
        raise InputError([Fault(path.name, e.lineno, "", f"JSON illisible : {e.msg}", "reprendre le plan.json écrit par itinerant")]) from None
    if not isinstance(doc, dict) or "routes" not in doc:
        raise InputError([Fault(path.name, None, "routes", "pas un plan de visites (clé 'routes' absente)", "indiquer le plan.json écrit par 'itinerant visits'")])
    return doc
