"""Write the team's week (``week.json``, ``board.csv``, ``hours.csv``, ``duties.csv``) and
the tours in the home-visit format (``tournees/plan.json``: the route sheets read it).

``week.json`` keys::

    {"scenario", "week_start", "estimated", "strategy", "wall_s", "notes",
     "unstaffed": [{"duty_id", "name", "day", "start", "end", "missing", "reason"}],
     "duties": [{"id", "name", "kind", "site", "day", "start", "end", "needed",
                 "advisors": [id], "hypothesis", "note"}],
     "members": [{"id", "name", "contract_h", "duty_h", "visit_h", "hours_h", "days"}],
     "board": [{"advisor_id", "advisor", "day", "half", "text", "kinds": [..]}],
     "sessions": [{"id", "commune", "commune_code", "visits": [id], "held", "saved_min"}],
     "visits": {"total", "served", "at_home", "in_mairie", "sessions_held", "left_out",
                "must_left_out", "km", "drive_h", "made"},
     "now": "YYYY-MM-DDTHH:MM" | null,
     "duty_changes": [{"id", "name", "day", "start", "end", "old": [id], "new": [id], "why"}],
     "tours": {the plan.json document of the tours}}

Times are ``HH:MM`` texts; hours are decimal hours. French texts. A re-plan
(:class:`~itinerant.team.build.Replan`) keeps the duties begun and the tours left before
``now`` as they were (duty rows and board half-days marked ``"made": true``), lists the
duties whose holders changed in ``duty_changes`` and the residents to warn in
``tours["changes"]``; ``tours`` is what the next re-plan starts from.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from itinerant.core import atomic
from itinerant.core.safe import csv_row
from itinerant.core.units import hhmm, parse_time, short_day
from itinerant.team.build import Replan
from itinerant.team.check import hours_by_member
from itinerant.team.duties import conflict, fits
from itinerant.team.problem import MORNING_END_S, Duty, TeamPlan, TeamProblem

HALVES = ("matin", "après-midi")
KIND_FR = {"office": "accueil", "antenne": "antenne", "partner": "partenaire", "workshop": "atelier", "bus": "bus"}


_day = short_day


def week_to_dict(team: TeamProblem, week: TeamPlan, *, names: Mapping[str, str] | None = None,
                 replan: Replan | None = None) -> dict[str, Any]:
    """The ``week.json`` document (see the module docstring).

    ``names`` maps location ids (sites, visits, ``mairie-…``) to what people call them;
    ``replan``: the re-plan this week answers (what it kept is merged back).
    """
    from itinerant.visits.io import plan_to_dict

    doc = _week_dict(team, week, names)
    tours = plan_to_dict(week.plan, week.problem)
    if replan is None:
        tours["routes"] = [dict(r, made=False) for r in tours["routes"]]
        return dict(doc, now=None, duty_changes=[], tours=tours)
    return _with_made(team, week, doc, tours, replan)


def _with_made(team: TeamProblem, week: TeamPlan, doc: dict[str, Any], tours: dict[str, Any],
               replan: Replan) -> dict[str, Any]:
    """Merge what a re-plan kept (duties begun, tours left before now) into ``doc``."""
    made_duties = [dict(d, made=True) for d in replan.made_duties]
    duties = sorted([dict(d, made=False) for d in doc["duties"]] + made_duties,
                    key=lambda d: (d["day"], d["start"], d["id"]))
    routes = made_routes(replan.made_routes, {r["vehicle_id"] for r in tours["routes"]})
    made_ids = {s["visit_id"] for r in routes for s in r["stops"]}
    merged = dict(tours, routes=sorted(routes + [dict(r, made=False) for r in tours["routes"]],
                                       key=lambda r: (r["day"] or "", r["advisor_id"], r["depart_s"])),
                  now=replan.now.isoformat(timespec="minutes"))
    kpis = dict(merged["kpis"])
    km = sum(int(s.get("travel_m", 0)) for r in routes for s in r["stops"]) + sum(int(r.get("return_travel_m", 0)) for r in routes)
    drive = sum(int(s.get("travel_s", 0)) for r in routes for s in r["stops"]) + sum(int(r.get("return_travel_s", 0)) for r in routes)
    kpis.update(visits_total=kpis["visits_total"] + len(made_ids), served=kpis["served"] + len(made_ids),
                made=kpis.get("made", 0) + len(made_ids), km=round(kpis["km"] + km / 1000, 1),
                drive_h=round(kpis["drive_h"] + drive / 3600, 2))
    by_advisor = dict(kpis.get("work_h_by_advisor") or {})
    for r in routes:
        by_advisor[r["advisor_id"]] = round(by_advisor.get(r["advisor_id"], 0) + int(r.get("work_s", 0)) / 3600, 2)
    kpis["work_h_by_advisor"] = by_advisor
    if made_ids:
        merged["summary"] = (f"{merged.get('summary', '').rstrip('. ')}. {len(made_ids)} visite(s) ou séance(s) "
                             "faite(s) avant la re-planification, gardée(s) telle(s) quelle(s).").lstrip(". ")
    merged["changes"] = _explained(team, replan, doc["duties"], merged) + session_changes(replan, doc["sessions"], tours)
    kpis["changes"] = len(merged["changes"])
    merged["kpis"] = kpis
    old_sessions = {x["id"]: x for x in replan.sessions}
    sessions = doc["sessions"] + [dict(old_sessions[i], held=True) for i in sorted(made_ids) if i in old_sessions]
    met = sum(len(old_sessions[i]["visits"]) if i in old_sessions else 1 for i in made_ids)
    in_mairie = sum(len(old_sessions[i]["visits"]) for i in made_ids if i in old_sessions)
    v = dict(doc["visits"])
    v.update(total=v["total"] + met, served=v["served"] + met, at_home=v["at_home"] + met - in_mairie,
             in_mairie=v["in_mairie"] + in_mairie, sessions_held=v["sessions_held"] + (len(sessions) - len(doc["sessions"])),
             km=round(v["km"] + km / 1000, 1), drive_h=round(v["drive_h"] + drive / 3600, 2), made=met)
    work: dict[str, float] = {}
    duty_work: dict[str, float] = {}
    for d in made_duties:
        for a in d["advisors"]:
            h = d.get("work_h", (parse_time(d["end"]) - parse_time(d["start"])) / 3600)
            duty_work[a] = duty_work.get(a, 0) + h
    for r in routes:
        work[r["advisor_id"]] = work.get(r["advisor_id"], 0) + int(r.get("work_s", 0)) / 3600
    members = []
    for m in doc["members"]:
        dh, vh = duty_work.get(m["id"], 0.0), work.get(m["id"], 0.0)
        contract = None if m["contract_h"] is None else round(m["contract_h"] + dh + vh, 2)  # as before the re-plan
        members.append(dict(m, duty_h=round(m["duty_h"] + dh, 2), visit_h=round(m["visit_h"] + vh, 2),
                            hours_h=round(m["hours_h"] + dh + vh, 2), contract_h=contract))
    return dict(doc, duties=duties, sessions=sessions, visits=v, members=members,
                board=_merged_board(doc["board"], replan),
                now=replan.now.isoformat(timespec="minutes"),
                duty_changes=duty_changes(team, week, replan), tours=merged)


def made_routes(routes: Any, taken: set[str]) -> list[dict[str, Any]]:
    """The tours kept by a re-plan, marked ``made``; one whose id a tour planned after now
    took (the first free block of the day is ``#1`` again) becomes ``<id>-fait``."""
    out = []
    used = set(taken)
    for r in routes:
        vid, k = r["vehicle_id"], 1
        while vid in used:
            vid = f"{r['vehicle_id']}-fait" + (f"{k}" if k > 1 else "")
            k += 1
        used.add(vid)
        out.append(dict(r, vehicle_id=vid, made=True))
    return out


def _explained(team: TeamProblem, replan: Replan, duties: list[dict[str, Any]],
               tours: dict[str, Any]) -> list[dict[str, Any]]:
    """The visits' changes in the team's words: an announced visit whose advisor now holds
    a duty at that time says so (the home-visit planner only sees the day gone), and one
    not re-planned gets the reason of the plan's list of visits left out."""
    names = {m.id: m.name for m in team.members}
    held = replan.held
    left = {u["visit_id"]: u.get("reason", "") for u in tours.get("unassigned", [])}
    out = []
    for c in tours.get("changes", []):
        c = dict(c)
        start = parse_time(c["old_start"]) if c.get("old_start") else None
        duty = next((d for d in duties if start is not None and d["day"] == c["old_day"]
                     and c["old_advisor_id"] in d["advisors"] and c["old_advisor_id"] not in held.get(d["id"], ())
                     and parse_time(d["start"]) <= start < parse_time(d["end"])), None)
        first, sep, rest = c["why"].partition(" ; ")
        if duty is not None and "ne tourne plus" in first:
            who = names.get(c["old_advisor_id"], c["old_advisor_id"])
            before = ", ".join(names.get(a, a) for a in held.get(duty["id"], ()))
            c["why"] = (f"{who} tient désormais « {duty['name']} » ({duty['start']}-{duty['end']})"
                        + (f" à la place de {before}" if before else "")) + sep + rest
        if c["why"].rstrip().endswith("non replanifiée :") and left.get(c["visit_id"]):
            c["why"] = c["why"].rstrip() + " " + left[c["visit_id"]]
        out.append(c)
    return out


def session_changes(replan: Replan, sessions: list[dict[str, Any]], tours: dict[str, Any]) -> list[dict[str, Any]]:
    """The residents of a mairie session announced by the previous plan (not yet held)
    whose appointment is no longer that session, same advisor, day and time: the change
    rows of ``plan.json`` (``old_start``: the session's start), in the residents' order."""
    made = {(r["advisor_id"], r["day"], r["depart_s"]) for r in replan.made_routes}
    old_sessions = {x["id"]: x for x in replan.sessions}
    new_sessions = {x["id"]: x for x in sessions}
    now_at: dict[str, tuple[str, str, str, str | None]] = {}
    for r in tours["routes"]:
        for st in r["stops"]:
            ses = new_sessions.get(st["visit_id"])
            for vid in (ses["visits"] if ses else [st["visit_id"]]):
                now_at[vid] = (r["advisor_id"], r["day"], st["start"], ses.get("commune_code") if ses else None)
    left = {u["visit_id"]: u.get("reason", "") for u in tours.get("unassigned", [])}
    out = []
    for r in replan.tours.get("routes", []):
        if (r["advisor_id"], r["day"], r["depart_s"]) in made:
            continue
        for st in r["stops"]:
            ses = old_sessions.get(st["visit_id"])
            if ses is None:
                continue
            code = ses.get("commune_code")
            for vid in ses["visits"]:
                new = now_at.get(vid)
                if new == (r["advisor_id"], r["day"], st["start"], code):
                    continue
                if new is None:
                    why = f"séance en mairie ({ses.get('commune', '')}) changée ; non replanifiée : {left.get(vid, '')}".rstrip(" :")
                elif new[3] is None:
                    why = f"séance en mairie ({ses.get('commune', '')}) remplacée par une visite à domicile"
                else:
                    why = f"séance en mairie ({ses.get('commune', '')}) déplacée"
                out.append({"visit_id": vid, "name": "", "old_advisor_id": r["advisor_id"], "old_day": r["day"],
                            "old_start": st["start"], "new_advisor_id": new[0] if new else None,
                            "new_day": new[1] if new else None, "new_start": new[2] if new else None, "why": why})
    return out


def _half_span(day: str, half: str) -> tuple[dt.datetime, dt.datetime]:
    d = dt.datetime.combine(dt.date.fromisoformat(day), dt.time())
    mid = d + dt.timedelta(seconds=MORNING_END_S)
    return (d, mid) if half == HALVES[0] else (mid, d + dt.timedelta(days=1))


def _merged_board(new: list[dict[str, Any]], replan: Replan) -> list[dict[str, Any]]:
    """The board of a re-plan: the half-days over before now as they were, the half-day
    under way with what was made then what is planned, the rest as planned."""
    old = {(r["advisor_id"], r["day"], r["half"]): r for r in replan.board}
    fresh = {(r["advisor_id"], r["day"], r["half"]): r for r in new}
    out = []
    for key in sorted(set(old) | set(fresh), key=lambda k: (k[0], k[1], HALVES.index(k[2]))):
        lo, hi = _half_span(key[1], key[2])
        o, n = old.get(key), fresh.get(key)
        if o is not None and (hi <= replan.now or n is None):
            out.append(dict(o, made=True))
        elif o is not None and lo < replan.now and "libre" not in o["kinds"] and "absent" not in o["kinds"]:
            busy = n is not None and not {"libre", "absent"} & set(n["kinds"])
            text = f"{o['text']} ; puis {n['text']}" if busy and n is not None else o["text"]
            kinds = o["kinds"] + (n["kinds"] if busy and n is not None else [])
            out.append(dict(o, text=text, kinds=kinds, made=True))
        elif n is not None:
            out.append(dict(n, made=False))
    order = {r["advisor_id"]: k for k, r in enumerate(new)}
    order.update({r["advisor_id"]: len(order) + k for k, r in enumerate(replan.board) if r["advisor_id"] not in order})
    return sorted(out, key=lambda r: (order.get(r["advisor_id"], 0), r["day"], HALVES.index(r["half"])))


def _moved_why(team: TeamProblem, week: TeamPlan, duty: Duty, member_id: str,
               held_before: Mapping[str, tuple[str, ...]]) -> str:
    """Why a holder who could still hold ``duty`` was moved off it (French): the duty they
    hold now at that time (a swap when its holder took theirs), their contract reached, or
    the visits to place."""
    by_id = {d.id: d for d in team.duties}
    takers = {mid for did, mid in week.assignments if did == duty.id}
    for did, mid in week.assignments:
        other = by_id.get(did)
        if mid == member_id and other is not None and other.id != duty.id and conflict(team, other, duty):
            text = f"tient désormais « {other.name} » ({hhmm(other.start_s)}-{hhmm(other.end_s)})"
            swapped = sorted(takers & set(held_before.get(other.id, ())))
            if swapped:
                text += f", échange avec {team.member(swapped[0]).name}"
            return text
    mem = team.member(member_id)
    a = mem.on(duty.date)
    if mem.contract_s is not None and a is not None:
        if hours_by_member(team, week).get(member_id, 0) + duty.work_s(a.lunch) > mem.contract_s:
            return f"son contrat ({mem.contract_s / 3600:.4g} h) est rempli par ses autres permanences et visites".replace(".", ",")
    return "réaffecté(e) pour placer les visites"


def duty_changes(team: TeamProblem, week: TeamPlan, replan: Replan) -> list[dict[str, Any]]:
    """The duties to come whose holders changed from the previous week.json, with why
    (the obstacle of each holder moved off, in French)."""
    now_held: dict[str, list[str]] = {}
    for did, mid in week.assignments:
        now_held.setdefault(did, []).append(mid)
    members = {m.id: m for m in team.members}
    out = []
    for d in sorted(team.duties, key=lambda d: (d.date, d.start_s, d.id)):
        old = sorted(replan.held.get(d.id, ()))
        new = sorted(now_held.get(d.id, []))
        if d.id not in replan.held or old == new:
            continue
        whys = []
        for a in old:
            if a in new:
                continue
            m = members.get(a)
            why = fits(team, d, m) if m is not None else "ne fait plus partie de l'équipe"
            whys.append(f"{m.name if m else a} : {why or _moved_why(team, week, d, a, replan.held)}")
        if not whys:
            whys.append("place vide pourvue")
        out.append({"id": d.id, "name": d.name, "day": d.date.isoformat(), "start": hhmm(d.start_s),
                    "end": hhmm(d.end_s), "old": old, "new": new, "why": " ; ".join(whys)})
    return out


def _week_dict(team: TeamProblem, week: TeamPlan, names: Mapping[str, str] | None) -> dict[str, Any]:
    """The ``week.json`` document of the planned part of the week."""
    names = dict(names or {})
    ids = team.visits.location_ids
    held: dict[str, list[str]] = {}
    for did, mid in week.assignments:
        held.setdefault(did, []).append(mid)
    def work_h(d) -> float:
        first = next((team.member(m).on(d.date) for m in sorted(held.get(d.id, []))), None)
        return round(d.work_s(first.lunch if first else None) / 3600, 2)

    duties = [
        {"id": d.id, "name": d.name, "kind": d.kind, "site": names.get(ids[d.location], ids[d.location]),
         "site_id": ids[d.location], "day": d.date.isoformat(), "start": hhmm(d.start_s), "end": hhmm(d.end_s),
         "needed": d.advisors_needed, "advisors": sorted(held.get(d.id, [])),
         "hypothesis": d.hypothesis, "note": d.note, "work_h": work_h(d), "made": False}
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
         "commune_code": s.commune_code, "visits": list(s.members), "held": s.task_id in served, "saved_min": round(s.saved_s / 60)}
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
               names: Mapping[str, str] | None = None, doc: dict[str, Any] | None = None,
               tours_dir: Path | str | None = None) -> dict[str, Path]:
    """Write ``week.json``, ``board.csv``, ``hours.csv``, ``duties.csv`` (and, in a re-plan,
    ``changements_permanences.csv``) and the tours into ``tours_dir`` (default
    ``out_dir/tournees``); ``doc``: the :func:`week_to_dict` document when already built."""
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
    if doc.get("now"):
        paths["duty_changes"] = atomic.write_text(out / "changements_permanences.csv", _csv(
            ["id", "permanence", "jour", "debut", "fin", "avant", "maintenant", "pourquoi"],
            [[c["id"], c["name"], c["day"], c["start"], c["end"], "|".join(c["old"]), "|".join(c["new"]), c["why"]]
             for c in doc["duty_changes"]]))
    paths.update({f"tours_{k}": v for k, v in write_tours(week, doc, Path(tours_dir) if tours_dir is not None else out / "tournees").items()})
    return paths


def write_tours(week: TeamPlan, doc: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """``plan.json``, ``routes.csv`` and ``unassigned.csv`` of the tours (``doc["tours"]``,
    with the tours kept by a re-plan), the planned part checked first."""
    import json

    from itinerant.visits.check import assert_valid
    from itinerant.visits.io import routes_csv_text, unassigned_csv_text

    assert_valid(week.problem, week.plan)
    tours = doc["tours"]
    paths = {"plan": out_dir / "plan.json", "routes": out_dir / "routes.csv", "unassigned": out_dir / "unassigned.csv"}
    atomic.write_text(paths["plan"], json.dumps(tours, ensure_ascii=False, indent=2) + "\n")
    atomic.write_text(paths["routes"], routes_csv_text(tours))
    atomic.write_text(paths["unassigned"], unassigned_csv_text(tours))
    return paths
