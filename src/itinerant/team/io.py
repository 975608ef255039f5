"""Write the team's week (``week.json``, ``board.csv``, ``hours.csv``, ``duties.csv``) and
the tours in the home-visit format (``tournees/plan.json``: the route sheets read it).

``week.json`` keys::

    {"scenario", "week_start", "estimated", "strategy", "wall_s", "notes",
     "unstaffed": [{"duty_id", "name", "day", "start", "end", "missing", "reason"}],
     "duties": [{"id", "name", "kind", "site", "day", "start", "end", "needed",
                 "advisors": [id], "hypothesis", "note"}],
     "members": [{"id", "name", "contract_h", "duty_h", "visit_h", "hours_h", "days"}],
     "board": [{"advisor_id", "advisor", "day", "half", "text", "kinds": [..]}],
     "sessions": [{"id", "commune", "visits": [id], "held", "saved_min"}],
     "visits": {"total", "served", "at_home", "in_mairie", "sessions_held", "left_out",
                "must_left_out", "km", "drive_h"}}

Times are ``HH:MM`` texts; hours are decimal hours. French texts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from itinerant.core import atomic
from itinerant.core.safe import csv_row
from itinerant.core.units import WEEKDAYS_FR, hhmm
from itinerant.team.check import hours_by_member
from itinerant.team.problem import MORNING_END_S, TeamPlan, TeamProblem

HALVES = ("matin", "après-midi")
KIND_FR = {"office": "accueil", "antenne": "antenne", "partner": "partenaire", "workshop": "atelier", "bus": "bus"}


def _day(d) -> str:
    return f"{WEEKDAYS_FR[d.weekday()]} {d.day}/{d.month}"


def week_to_dict(team: TeamProblem, week: TeamPlan, *, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``week.json`` document (see the module docstring).

    ``names`` maps location ids (sites, visits, ``mairie-…``) to what people call them.
    """
    names = dict(names or {})
    ids = team.visits.location_ids
    held: dict[str, list[str]] = {}
    for did, mid in week.assignments:
        held.setdefault(did, []).append(mid)
    duties = [
        {"id": d.id, "name": d.name, "kind": d.kind, "site": names.get(ids[d.location], ids[d.location]),
         "day": d.date.isoformat(), "start": hhmm(d.start_s), "end": hhmm(d.end_s),
         "needed": d.advisors_needed, "advisors": sorted(held.get(d.id, [])),
         "hypothesis": d.hypothesis, "note": d.note}
        for d in sorted(team.duties, key=lambda d: (d.date, d.start_s, d.id))
    ]
    by_id = {d.id: d for d in team.duties}
    unstaffed = [
        {"duty_id": u.duty_id, "name": by_id[u.duty_id].name, "day": by_id[u.duty_id].date.isoformat(),
         "start": hhmm(by_id[u.duty_id].start_s), "end": hhmm(by_id[u.duty_id].end_s),
         "missing": u.missing, "reason": u.reason}
        for u in week.unstaffed
    ]
    hours = hours_by_member(team, week)
    members = []
    for m in team.members:
        duty_s = hours[m.id] - sum(r.work_s for r in week.plan.routes if r.advisor_id == m.id)
        members.append({
            "id": m.id, "name": m.name,
            "contract_h": None if m.contract_s is None else round(m.contract_s / 3600, 2),
            "duty_h": round(duty_s / 3600, 2), "visit_h": round((hours[m.id] - duty_s) / 3600, 2),
            "hours_h": round(hours[m.id] / 3600, 2), "days": len(m.days),
        })
    served = week.plan.served()
    sessions = [
        {"id": s.task_id, "commune": names.get(f"mairie-{s.commune_code}", s.commune_code),
         "visits": list(s.members), "held": s.task_id in served, "saved_min": round(s.saved_s / 60)}
        for s in week.sessions
    ]
    in_mairie = sum(len(s.members) for s in week.sessions if s.task_id in served)
    met = week.visits_served()
    total = len(team.visits.tasks)
    left = {t.id for t in team.visits.tasks} - met
    visits = {
        "total": total, "served": len(met), "at_home": len(met) - in_mairie, "in_mairie": in_mairie,
        "sessions_held": sum(1 for s in sessions if s["held"]), "left_out": len(left),
        "must_left_out": sum(1 for t in team.visits.tasks if t.id in left and t.priority == "must"),
        "km": round(week.plan.travel_m / 1000, 1), "drive_h": round(week.plan.travel_s / 3600, 2),
    }
    return {
        "scenario": team.name or week.plan.scenario,
        "week_start": week.plan.week_start.isoformat() if week.plan.week_start else None,
        "estimated": week.plan.estimated, "strategy": week.strategy, "wall_s": round(week.wall_s, 2),
        "notes": list(week.notes), "unstaffed": unstaffed, "duties": duties, "members": members,
        "board": board_rows(team, week, names), "sessions": sessions, "visits": visits,
    }


def board_rows(team: TeamProblem, week: TeamPlan, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """The week board: one row per advisor, date and half-day, with what they do there."""
    ids = team.visits.location_ids
    tasks = {t.id: t for t in week.problem.tasks}
    by_id = {d.id: d for d in team.duties}
    rows = []
    for m in team.members:
        for date in team.dates:
            a = m.on(date)
            for h, half in enumerate(HALVES):
                lo, hi = (0, MORNING_END_S) if h == 0 else (MORNING_END_S, 24 * 3600)
                items: list[tuple[int, str, str]] = []
                for did, mid in week.assignments:
                    d = by_id[did]
                    if mid == m.id and d.date == date and min(d.end_s, hi) > max(d.start_s, lo):
                        where = names.get(ids[d.location], ids[d.location])
                        at = "" if d.kind in ("office", "bus") else f" ({where})"
                        items.append((d.start_s, KIND_FR[d.kind], f"{d.name}{at} {hhmm(d.start_s)}-{hhmm(d.end_s)}"))
                for r in week.plan.routes:
                    if r.advisor_id == m.id and r.date == date and min(r.return_s, hi) > max(r.depart_s, lo):
                        stops = [s for s in r.stops if min(s.end_s, hi) > max(s.start_s, lo)] or list(r.stops)
                        places = []
                        for s in stops:
                            t = tasks.get(s.task_id)
                            label = names.get(ids[t.location], ids[t.location]) if t else s.task_id
                            if s.task_id.startswith("mairie-"):
                                label = f"séance en mairie, {label}"
                            if label not in places:
                                places.append(label)
                        kind = "mairie" if any(s.task_id.startswith("mairie-") for s in stops) else "visites"
                        items.append((r.depart_s, kind, f"tournée {hhmm(r.depart_s)}-{hhmm(r.return_s)} : "
                                      f"{len(stops)} rendez-vous ({', '.join(places)})"))
                items.sort()
                text = " ; ".join(t for _, _, t in items) or ("non travaillé" if a is None else "libre (bureau)")
                rows.append({"advisor_id": m.id, "advisor": m.name, "day": date.isoformat(),
                             "day_text": _day(date), "half": half, "text": text,
                             "kinds": [k for _, k, _ in items] or (["absent"] if a is None else ["libre"])})
    return rows


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(csv_row(header))
    w.writerows(csv_row(r) for r in rows)
    return buf.getvalue()


def write_week(team: TeamProblem, week: TeamPlan, out_dir: Path | str, *,
               names: Mapping[str, str] | None = None, doc: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ``week.json``, ``board.csv``, ``hours.csv``, ``duties.csv`` and ``tournees/``
    (``doc``: the :func:`week_to_dict` document when already built)."""
    from itinerant.visits.io import write_plan

    out = Path(out_dir)
    doc = doc if doc is not None else week_to_dict(team, week, names=names)
    paths = {"week": out / "week.json", "board": out / "board.csv", "hours": out / "hours.csv",
             "duties": out / "duties.csv"}
    atomic.write_json(paths["week"], doc)
    atomic.write_text(paths["board"], _csv(
        ["conseiller", "jour", "demi_journee", "activite"],
        [[r["advisor"], r["day"], r["half"], r["text"]] for r in doc["board"]]))
    atomic.write_text(paths["hours"], _csv(
        ["conseiller", "contrat_h", "permanences_h", "tournees_h", "total_h"],
        [[m["name"], m["contract_h"], m["duty_h"], m["visit_h"], m["hours_h"]] for m in doc["members"]]))
    atomic.write_text(paths["duties"], _csv(
        ["id", "permanence", "jour", "debut", "fin", "conseillers_demandes", "conseillers", "hypothese"],
        [[d["id"], d["name"], d["day"], d["start"], d["end"], d["needed"], "|".join(d["advisors"]),
          "oui" if d["hypothesis"] else "non"] for d in doc["duties"]]))
    paths.update({f"tours_{k}": v for k, v in write_plan(week.plan, week.problem, out / "tournees").items()})
    return paths
