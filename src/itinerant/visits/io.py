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
              "could_unassigned", "pins_total", "pins_kept", "made", "changes", "km", "drive_h",
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
from itinerant.visits.plan import Plan
from itinerant.visits.problem import VisitProblem

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
    """Read a ``plan.json`` written by :func:`write_plan` (for re-planning).

    Raises
    ------
    InputError
        The file is missing, a folder, not JSON, or not shaped like a plan (every fault
        names the route and stop).
    """
    from itinerant.core.errors import Fault, InputError

    path = Path(path)
    if path.is_dir():
        raise InputError([Fault(str(path), None, "", "c'est un dossier, pas un plan.json", f"indiquer le fichier {path / 'plan.json'}")])
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Fault(str(path), None, "", "fichier introuvable", "indiquer le plan.json d'une planification précédente")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError([Fault(path.name, None, "", f"fichier illisible ({getattr(e, 'strerror', None) or 'pas du texte UTF-8'})", "reprendre le plan.json écrit par itinerant")]) from None
    except json.JSONDecodeError as e:
        raise InputError([Fault(path.name, e.lineno, "", f"JSON illisible : {e.msg}", "reprendre le plan.json écrit par itinerant")]) from None
    except RecursionError:
        raise InputError([Fault(path.name, None, "", "JSON trop imbriqué", "reprendre le plan.json écrit par itinerant")]) from None
    if not isinstance(doc, dict) or "routes" not in doc:
        raise InputError([Fault(path.name, None, "routes", "pas un plan de visites (clé 'routes' absente)", "indiquer le plan.json écrit par 'itinerant visits'")])
    faults = plan_doc_faults(doc, path.name)
    if faults:
        raise InputError(faults)
    return doc


_MAX_PLAN_FAULTS = 50


def plan_doc_faults(doc: dict[str, Any], file: str = "plan.json") -> list[Any]:
    """Every fault in the shape of a plan document (what re-planning reads), capped."""
    from itinerant.core.errors import Fault

    fix = "reprendre le plan.json écrit par 'itinerant visits' (ou corriger cette valeur)"
    faults: list[Fault] = []

    def bad(where: str, message: str) -> None:
        faults.append(Fault(file, None, where, message, fix))

    if doc.get("week_start") is not None and not _is_date(doc.get("week_start")):
        bad("week_start", f"date illisible {doc.get('week_start')!r}")
    routes = doc.get("routes")
    if not isinstance(routes, list):
        bad("routes", f"doit être une liste de tournées, pas {_kind(routes)}")
        return faults
    for i, r in enumerate(routes):
        where = f"routes[{i}]"
        if not isinstance(r, dict):
            bad(where, f"doit être une tournée (clés advisor_id, day, stops), pas {_kind(r)}")
            continue
        if not isinstance(r.get("advisor_id"), str) or not r.get("advisor_id"):
            bad(f"{where}.advisor_id", f"identifiant de conseiller attendu, pas {_kind(r.get('advisor_id'))}")
        if not _is_date(r.get("day")):
            bad(f"{where}.day", f"date AAAA-MM-JJ attendue, pas {r.get('day')!r}")
        stops = r.get("stops", [])
        if not isinstance(stops, list):
            bad(f"{where}.stops", f"doit être une liste d'arrêts, pas {_kind(stops)}")
            continue
        for j, s in enumerate(stops):
            _check_stop(s, f"{where}.stops[{j}]", bad)
    unassigned = doc.get("unassigned", [])
    if not isinstance(unassigned, list):
        bad("unassigned", f"doit être une liste, pas {_kind(unassigned)}")
    if len(faults) > _MAX_PLAN_FAULTS:
        more = len(faults) - _MAX_PLAN_FAULTS
        faults = faults[:_MAX_PLAN_FAULTS] + [Fault(file, None, "", f"… et {more} autres erreurs dans ce plan", fix)]
    return faults


def _check_stop(s: Any, where: str, bad: Any) -> None:
    if not isinstance(s, dict):
        bad(where, f"doit être un arrêt (clés visit_id, start ...), pas {_kind(s)}")
        return
    if not isinstance(s.get("visit_id"), str) or not s.get("visit_id"):
        bad(f"{where}.visit_id", f"identifiant de visite attendu, pas {_kind(s.get('visit_id'))}")
    for key in ("pinned", "done", "time_pinned"):
        if s.get(key) is not None and not isinstance(s.get(key), bool):
            bad(f"{where}.{key}", f"true ou false attendu, pas {s.get(key)!r}")
    start_s = s.get("start_s")
    if start_s is not None and (isinstance(start_s, bool) or not isinstance(start_s, int) or not 0 <= start_s <= 86400):
        bad(f"{where}.start_s", f"secondes depuis minuit attendues (0 à 86400), pas {start_s!r}")
    start = s.get("start")
    if start is not None and start_s is None and not _is_hhmm(start):
        bad(f"{where}.start", f"heure HH:MM attendue, pas {start!r}")


def _kind(value: Any) -> str:
    names = {str: "un texte", int: "un nombre", float: "un nombre", bool: "un booléen", list: "une liste", dict: "un objet"}
    if value is None:
        return "null"
    return names.get(type(value), type(value).__name__) + (f" ({value!r})" if isinstance(value, (str, int, float)) and len(repr(value)) < 40 else "")


def _is_date(value: Any) -> bool:
    import datetime as dt

    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_hhmm(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = value.split(":")
    return len(parts) >= 2 and all(p.isdigit() for p in parts[:3]) and int(parts[0]) <= 24 and int(parts[1]) < 60
