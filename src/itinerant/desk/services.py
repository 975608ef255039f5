"""The desk's only door to the library: load, plan, adjust, re-plan, diff and print.

Nothing here plans: every step calls :mod:`itinerant.pipeline` or the library's public
functions (``pipeline.validate``, ``pipeline.run_visits``, ``visits.problem_from_scenario``,
``visits.timing.schedule_route``, ``visits.solve.plan_from_sequences``,
``visits.reasons.explain_one``, ``visits.io.plan_to_dict``, ``reports.sheets.day_sheet_pdf``).
The plan is kept as the ``plan.json`` document the CLI writes, so a version stored by
the desk can be given to ``itinerant visits --replan`` as it is.

A *state* travels with each plan version: ``{"status": {visit_id: "done" | "cancelled" |
"absent"}, "added": [row, ...]}`` (urgent requests as rows of the visits table).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from itinerant import pipeline
from itinerant.core.errors import Fault, InputError
from itinerant.scenario.model import Scenario

REMOVED = ("cancelled", "absent")
"""Statuses that take a visit out of the week (cancelled, or the resident was absent)."""
STATUS_FR = {"done": "faite", "cancelled": "annulée", "absent": "personne absente"}

_lock = threading.RLock()
_cache: OrderedDict[tuple, Any] = OrderedDict()
_CACHE_SIZE = 16


def _cached(key: tuple, make):
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = make()
    with _lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget loaded scenarios and matrices (tests)."""
    with _lock:
        _cache.clear()


# --------------------------------------------------------------------------- scenario


VARIANT_PREFIX = "antennes__"
"""Antenne variant files are stored as ``antennes__<name>.yaml`` and written into the
scenario's ``antennes/`` folder, where ``itinerant demo`` looks for them."""


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write the scenario's files (plain file names; variants into ``antennes/``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        name = Path(name).name
        if name.startswith(VARIANT_PREFIX):
            (folder / "antennes").mkdir(exist_ok=True)
            (folder / "antennes" / name[len(VARIANT_PREFIX):]).write_bytes(data)
        else:
            (folder / name).write_bytes(data)


def validate_files(files: dict[str, bytes], *, lenient: bool = False
                   ) -> tuple[Scenario | None, list[Fault], list[Fault]]:
    """Validate a scenario given as files, as ``itinerant validate`` does.

    Returns (scenario, [], set aside) or (None, every fault, []). With ``lenient``, bad
    rows of the visits table are set aside as ``itinerant visits`` does without
    ``--strict`` (``scenario.lenient.load_scenario_lenient``); their faults are returned.
    """
    with tempfile.TemporaryDirectory(prefix="itinerant-import-") as tmp:
        write_files(Path(tmp), files)
        try:
            return pipeline.validate(Path(tmp)), [], []
        except InputError as exc:
            if not lenient:
                return None, list(exc.faults), []
            faults = list(exc.faults)
        from itinerant.scenario.lenient import load_scenario_lenient

        try:
            scenario, rejected = load_scenario_lenient(Path(tmp))
        except InputError:
            return None, faults, []
        return scenario, [], [f for r in rejected for f in r.faults]


def fault_dicts(faults) -> list[dict[str, Any]]:
    """Faults as JSON-ready dicts (file, row, column, message, fix)."""
    return [{"file": f.file, "row": f.row, "column": f.column, "message": f.message, "fix": f.fix}
            for f in faults]


def _base(folder: Path) -> tuple[Scenario, tuple]:
    """(scenario, visit rows set aside) of an imported folder (cached); rows are set
    aside only when the import asked for it (a ``.lenient`` mark in the folder)."""

    def make():
        if (Path(folder) / ".lenient").is_file():
            from itinerant.scenario.lenient import load_scenario_lenient

            return load_scenario_lenient(Path(folder))
        return pipeline.validate(folder), ()

    return _cached(("scenario", str(folder)), make)


def base_scenario(folder: Path) -> Scenario:
    """The validated scenario of an imported folder (cached)."""
    return _base(folder)[0]


def added_rows_csv(rows: list[dict[str, str]]) -> str:
    """Urgent requests as a CSV in the visits table's format."""
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    lines = [",".join(cols)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)  # internal CSV: read back by read_visits, never opened in a spreadsheet
    for r in rows:
        w.writerow([r.get(c, "") for c in cols])  # internal CSV (see above)
    return buf.getvalue() if rows else "\n".join(lines)


def load_added(scenario: Scenario, rows: list[dict[str, str]]):
    """Urgent requests checked by the scenario loader (``itinerant visits --add``)."""
    from itinerant.visits.build import load_added_visits

    if not rows:
        return ()
    text = added_rows_csv(rows)
    key = ("added", str(scenario.folder), hashlib.sha256(text.encode()).hexdigest())

    def make():
        with tempfile.TemporaryDirectory(prefix="itinerant-add-") as tmp:
            path = Path(tmp) / "urgences.csv"
            path.write_text(text, encoding="utf-8")
            return load_added_visits(scenario, path)

    return _cached(key, make)


def effective_scenario(folder: Path, state: dict[str, Any]) -> Scenario:
    """The imported scenario with the urgent requests added and the cancelled or
    absent visits taken out."""
    from itinerant.visits.build import merge_visits

    sc = base_scenario(folder)
    sc = merge_visits(sc, load_added(sc, state.get("added", [])))
    removed = {vid for vid, s in state.get("status", {}).items() if s in REMOVED}
    if removed:
        sc = sc.model_copy(update={"visits": tuple(v for v in sc.visits if v.id not in removed)})
    return sc


def _state_key(state: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


@dataclass
class Loaded:
    """A scenario with its matrices (``matrices.ScenarioMatrices``), ready to plan."""

    scenario: Scenario
    matrices: Any
    state_key: str = ""
    rejected: tuple = ()


def loaded(folder: Path, state: dict[str, Any]) -> Loaded:
    """The effective scenario and its matrices (cached by folder and state)."""

    def make() -> Loaded:
        sc = effective_scenario(folder, state)
        from itinerant.matrices import matrices_for_scenario

        m = matrices_for_scenario(sc, pipeline.territory_of(sc))
        m.drive()
        return Loaded(sc, m, _state_key(state), _base(folder)[1])

    return _cached(("loaded", str(folder), _state_key(state)), make)


# --------------------------------------------------------------------------- planning


def team_matrix(ld: Loaded):
    """The drive matrix of the team's week: the sites, the visits and the town halls of
    the mairie sessions (as ``itinerant week`` builds it; cached by folder and state)."""
    return _cached(("team-matrix", str(ld.scenario.folder), ld.state_key),
                   lambda: pipeline.team_matrix(ld.scenario, ld.matrices, pipeline.QUIET))


def plan_week(folder: Path, state: dict[str, Any], *, time_limit: float,
              replan_doc: dict[str, Any] | None = None, now: dt.datetime | None = None,
              progress: Any = None) -> dict[str, Any]:
    """Plan the team's week with ``pipeline.plan_team_week`` (as ``itinerant week``):
    the duties staffed (office desk, bus crew, antennes, partners, workshops) and the
    tours in the free blocks between them (vehicles ``advisor@YYYY-MM-DD#n``).

    Returns the ``plan.json`` document of the tours (``visits.io.plan_to_dict``) with the
    team's part under ``team`` (see :func:`team_doc`). With ``replan_doc`` and ``now``, a
    re-plan from now (``itinerant week --replan week.json --now``): what was made stays,
    announced duties keep their holders, announced visits hold, and the document lists
    the residents to warn and the duties whose holders change."""
    ld = loaded(folder, state)
    with tempfile.TemporaryDirectory(prefix="itinerant-week-") as tmp:
        replan = None
        if replan_doc is not None:
            replan = Path(tmp) / "week.json"
            replan.write_text(json.dumps(week_json(replan_doc)), encoding="utf-8")
        result = pipeline.plan_team_week(ld.scenario, ld.matrices, time_limit=time_limit, replan=replan,
                                         now=now if replan is not None else None,
                                         progress=progress or pipeline.QUIET)
    return team_doc(ld, result, now=now if replan is not None else None)


def week_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The ``week.json`` document of a desk plan, as ``itinerant week`` writes it: the
    duties with their holders and, as the desk keeps them (manual changes included), the
    mairie sessions and, under ``tours``, the plan of the tours; for a re-plan of the
    team's week."""
    team = doc.get("team", {})
    week = team.get("week", {})
    named = {x["id"]: x.get("commune", "") for x in week.get("sessions", [])}
    stops = {st["visit_id"] for r in doc["routes"] for st in r["stops"]}
    sessions = [{"id": x["id"], "commune": named.get(x["id"], x["commune_code"]), "commune_code": x["commune_code"],
                 "visits": list(x["members"]), "held": x["id"] in stops, "saved_min": round(x.get("saved_s", 0) / 60)}
                for x in team.get("sessions", [])]  # as the desk keeps them (a resident cancelled is out)
    return {**week, "sessions": sessions, "tours": {k: v for k, v in doc.items() if k != "team"}}


KIND_FR = {"office": "accueil", "bus": "bus", "antenne": "antenne", "partner": "permanence",
           "workshop": "atelier"}


def _task_dict(problem, t) -> dict[str, Any]:
    return {"id": t.id, "location": problem.location_ids[t.location], "duration_s": t.duration_s,
            "windows": [list(w) for w in t.windows], "end_in_window": t.end_in_window,
            "priority": t.priority, "penalty": t.penalty, "days": None if t.days is None else list(t.days),
            "skill": t.skill, "advisor_id": t.advisor_id, "date": t.date.isoformat() if t.date else None,
            "name": t.name}


def _vehicle_dict(problem, v) -> dict[str, Any]:
    ids = problem.location_ids
    return {"id": v.id, "start": ids[v.start], "end": ids[v.end], "start_s": v.start_s, "end_s": v.end_s,
            "max_work_s": v.max_work_s, "advisor_id": v.advisor_id, "advisor_name": v.advisor_name,
            "date": v.date.isoformat() if v.date else None, "skills": sorted(v.skills),
            "lunch": None if v.lunch is None else [v.lunch.earliest_s, v.lunch.latest_end_s, v.lunch.duration_s],
            "open_from_s": v.open_from_s, "start_label": v.start_label, "end_label": v.end_label}


def _vehicle(index: dict[str, int], x: dict[str, Any]):
    from itinerant.visits.problem import Break, Vehicle

    return Vehicle(id=x["id"], start=index[x["start"]], end=index[x["end"]], start_s=x["start_s"], end_s=x["end_s"],
                   max_work_s=x["max_work_s"], advisor_id=x["advisor_id"], advisor_name=x["advisor_name"],
                   date=dt.date.fromisoformat(x["date"]) if x["date"] else None, skills=frozenset(x["skills"]),
                   lunch=None if x["lunch"] is None else Break(*x["lunch"]), open_from_s=x["open_from_s"],
                   start_label=x.get("start_label", ""), end_label=x.get("end_label", ""))


def team_doc(ld: Loaded, result, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The desk's document of a team week (``result``: what ``pipeline.plan_team_week``
    returns): the tours' ``plan.json`` (with, in a re-plan, the tours made before now,
    marked ``made``) and, under ``team``:

    ``duties`` (one row per holder: ``id, advisor_id, day, start, end, name, kind, site``),
    ``unstaffed`` (as in ``week.json``), ``assignments`` (``[duty_id, advisor_id]``),
    ``vehicles`` (the free blocks between duties the tours run in, rebuilt for each
    manual change), ``sessions`` (mairie sessions with their task), ``relocated`` (visit
    id -> the town hall where a resident accepting only the mairie is seen), ``now``,
    ``summary``, ``members`` (hours), ``duty_changes`` and ``week`` (the ``week.json``
    document without its tours, for the next re-plan)."""
    from itinerant.team.io import week_to_dict
    from itinerant.visits.build import set_aside_rows
    from itinerant.visits.io import plan_to_dict

    team, week = result
    sc = ld.scenario
    wk = result.doc() if callable(getattr(result, "doc", None)) else week_to_dict(team, week, names=pipeline.place_names(sc))
    doc = copy.deepcopy(wk["tours"]) if wk.get("tours") else plan_to_dict(week.plan, week.problem)
    duties = [{"id": d["id"], "advisor_id": a, "day": d["day"], "start": d["start"], "end": d["end"],
               "name": d["name"], "kind": KIND_FR.get(d["kind"], d["kind"]), "site": d["site"],
               "made": bool(d.get("made"))}
              for d in wk["duties"] for a in d["advisors"]]
    vp = week.problem
    tasks = {t.id: t for t in vp.tasks}
    sessions = [{"id": s.task_id, "commune_code": s.commune_code, "members": list(s.members),
                 "saved_s": s.saved_s, "task": _task_dict(vp, tasks[s.task_id])}
                for s in week.sessions if s.task_id in tasks]
    known = {x["id"] for x in sessions}
    sessions += [{"id": x["id"], "commune_code": x["commune_code"], "members": list(x["visits"]), "made": True}
                 for x in wk.get("sessions", []) if x["id"] not in known and x.get("commune_code")]
    relocated = {t.id: vp.location_ids[t.location] for t in vp.tasks
                 if t.id not in known and vp.location_ids[t.location] != t.id}
    if ld.rejected and not vp.set_aside:  # rows set aside at import: listed left out
        doc["unassigned"] += [{"visit_id": a.task_id, "reason": a.reason, "code": a.code,
                               "priority": a.priority, "route": "", "faults": list(a.faults)}
                              for a in set_aside_rows(ld.rejected, set(tasks))]
    doc["team"] = {
        "duties": duties, "unstaffed": wk["unstaffed"],
        "assignments": [list(p) for p in week.assignments],
        "vehicles": [_vehicle_dict(vp, v) for v in vp.vehicles],
        "sessions": sessions, "relocated": relocated,
        "now": now.isoformat(timespec="minutes") if now else None,
        "summary": pipeline.week_summary(wk), "members": wk["members"],
        "duty_changes": wk.get("duty_changes", []),
        "week": {k: v for k, v in wk.items() if k != "tours"},
    }
    return doc


def session_members(doc: dict[str, Any], visit_id: str) -> list[str]:
    """The residents (visit ids) of a mairie session of the plan; [] for a home visit."""
    return next((list(x["members"]) for x in doc.get("team", {}).get("sessions", []) if x["id"] == visit_id), [])


def kpis(doc: dict[str, Any]) -> dict[str, Any]:
    """The plan's ``kpis`` counted in requests: a mairie session meets each of its
    residents (``served``, ``unassigned``, ``visits_total`` are requests, not stops)."""
    size = {x["id"]: len(x["members"]) for x in doc.get("team", {}).get("sessions", [])}
    served = sum(size.get(s["visit_id"], 1) for r in doc["routes"] for s in r["stops"])
    left = sum(size.get(u["visit_id"], 1) for u in doc["unassigned"])
    return {**doc["kpis"], "served": served, "unassigned": left, "visits_total": served + left}


def is_team_plan(doc: dict[str, Any]) -> bool:
    """Whether the tours of ``doc`` are the team week's (vehicles in free blocks)."""
    return "assignments" in doc.get("team", {})


def duty_clashes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The team's duties of a plan version that fall while the same advisor is out on
    one of its tours (``team.check.duty_clashes``, tour by tour: a day may hold several)."""
    from itinerant.team.check import duty_clashes as clashes

    duties = doc.get("team", {}).get("duties", [])
    out: list[dict[str, Any]] = []
    for r in doc["routes"]:
        for c in clashes(duties, [r]):
            if c not in out:
                out.append(c)
    return out


def with_team(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """``new`` with the team's duties of ``old`` (a change of the tours keeps them)."""
    if "team" in old and "team" not in new:
        new = {**new, "team": old["team"]}
    return new


def duty_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Duties whose holders differ between two plans (for the team: « à prévenir »):
    ``{"id", "name", "day", "start", "end", "before": [advisor ids], "after": [...], "why"}``
    (``why``: the re-plan's reason, ``week.json``'s ``duty_changes``, when it gives one)."""
    def holders(doc):
        out: dict[str, dict[str, Any]] = {}
        for d in doc.get("team", {}).get("duties", []):
            row = out.setdefault(d.get("id") or f"{d['name']}@{d['day']}@{d['start']}",
                                 {k: d[k] for k in ("name", "day", "start", "end")} | {"advisors": []})
            row["advisors"].append(d["advisor_id"])
        return out

    a, b = holders(old), holders(new)
    why = {c["id"]: c.get("why", "") for c in new.get("team", {}).get("duty_changes", [])}
    rows = []
    for did in sorted(set(a) | set(b), key=lambda k: ((a.get(k) or b[k])["day"], (a.get(k) or b[k])["start"], k)):
        before = sorted(a[did]["advisors"]) if did in a else []
        after = sorted(b[did]["advisors"]) if did in b else []
        if before != after:
            info = b.get(did) or a[did]
            rows.append({"id": did, **{k: info[k] for k in ("name", "day", "start", "end")},
                         "before": before, "after": after, "why": why.get(did, "")})
    return rows


def _fingerprint(doc: dict[str, Any]) -> tuple:
    """What of a plan the problem depends on (its stops, locks, times and done marks,
    and the team's duty assignment the tours' blocks are cut around)."""
    team = doc.get("team", {})
    return (doc.get("week_start"), team.get("now"), json.dumps(team.get("assignments"), sort_keys=True),
            json.dumps(team.get("sessions"), sort_keys=True), json.dumps(team.get("vehicles"), sort_keys=True),
            tuple((r["vehicle_id"], s["visit_id"], bool(s.get("pinned")), bool(s.get("time_pinned")),
                   bool(s.get("done")), s.get("start_s")) for r in doc["routes"] for s in r["stops"]))


def _problem(ld: Loaded, doc: dict[str, Any]):
    """The library's problem for a plan, its locks and done stops kept (cached by the
    plan's content: moving several visits on one version builds it once).

    For a team week the vehicles are the free blocks between the duties the plan
    assigns (``team.solve.block_vehicles`` over the stored assignment, cut at the plan's
    ``now``), the mairie sessions are tasks at the town hall, and the tours of blocks
    that no longer exist (days closed before ``now``) are kept as they were made."""
    from itinerant.visits import problem_from_scenario

    key = ("problem", str(ld.scenario.folder), ld.state_key, hash(_fingerprint(doc)))
    if not is_team_plan(doc):
        return _cached(key, lambda: problem_from_scenario(ld.scenario, ld.matrices.drive(), replan=doc))
    return _cached(key, lambda: _team_problem(ld, doc))


def _team_problem(ld: Loaded, doc: dict[str, Any]):
    from itinerant.team.build import team_from_scenario
    from itinerant.team.solve import block_vehicles
    from itinerant.visits import problem_from_scenario
    from itinerant.visits.problem import Task

    team_part = doc["team"]
    tm = team_matrix(ld)
    vp = problem_from_scenario(ld.scenario, tm, replan=doc)
    index = {pid: k for k, pid in enumerate(tm.ids)}
    kept = {s["visit_id"]: (r, s) for r in doc["routes"] for s in r["stops"]}
    tasks = {t.id: t for t in vp.tasks}
    for vid, where in team_part.get("relocated", {}).items():
        if vid in tasks and where in index:
            tasks[vid] = replace(tasks[vid], location=index[where])
    for ses in team_part.get("sessions", []):
        members = [m for m in ses["members"] if m in tasks]
        if "task" not in ses or not members or ses["task"]["location"] not in index:
            continue
        x = ses["task"]
        t = Task(id=x["id"], location=index[x["location"]],
                 duration_s=sum(tasks[m].duration_s for m in members), windows=tuple(tuple(w) for w in x["windows"]),
                 end_in_window=x["end_in_window"], priority=x["priority"], penalty=x["penalty"],
                 days=None if x["days"] is None else tuple(x["days"]), skill=x["skill"],
                 advisor_id=x["advisor_id"], date=dt.date.fromisoformat(x["date"]) if x["date"] else None,
                 name=x["name"])
        r, s = kept.get(t.id, (None, None))
        if s is not None and (s.get("pinned") or s.get("done")):
            t = replace(t, advisor_id=r["advisor_id"], date=dt.date.fromisoformat(r["day"]), days=None,
                        pinned=True, done=bool(s.get("done")))
            if s.get("done") or s.get("time_pinned"):
                t = replace(t, windows=((s["start_s"], s["start_s"]),), end_in_window=False,
                            pinned_start_s=s["start_s"])
        for m in members:
            del tasks[m]
        tasks[t.id] = t
    if "vehicles" in team_part:  # the blocks the plan was made in
        vehicles = tuple(_vehicle(index, x) for x in team_part["vehicles"])
    else:  # rebuilt from the duty assignment
        now = dt.datetime.fromisoformat(team_part["now"]) if team_part.get("now") else None
        team = team_from_scenario(ld.scenario, tm, now=now)
        vehicles = block_vehicles(team, tuple((d, m) for d, m in team_part["assignments"]
                                              if any(x.id == d for x in team.duties)), tuple(tasks.values()))
    problem = vp.replace(vehicles=vehicles)
    frozen = {s["visit_id"] for r in doc["routes"] if _match(problem, r) is None for s in r["stops"]}
    return problem.replace(tasks=tuple(t for t in tasks.values() if t.id not in frozen))


def _match(problem, route: dict[str, Any]) -> int | None:
    """The vehicle of a stored tour: the same id, or the block of the same advisor and
    day that holds the whole tour (blocks cut at another ``now``); None if none."""
    if route.get("made"):  # a tour made before a re-plan: kept as it was
        return None
    try:
        return problem.vehicle_index(route["vehicle_id"])
    except (KeyError, ValueError):
        pass
    for k, v in enumerate(problem.vehicles):
        if (v.advisor_id == route["advisor_id"] and v.date is not None and v.date.isoformat() == route["day"]
                and v.start_s <= route["depart_s"] and route["return_s"] <= v.end_s):
            return k
    return None


def _seqs(problem, doc: dict[str, Any]) -> list[list[int]]:
    ids = {t.id: i for i, t in enumerate(problem.tasks)}
    seqs: list[list[int]] = [[] for _ in problem.vehicles]
    for r in doc["routes"]:
        k = _match(problem, r)
        if k is None:
            continue
        seqs[k] = [ids[s["visit_id"]] for s in r["stops"] if s["visit_id"] in ids]
    return seqs


def _frozen(problem, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Stored tours with no vehicle any more (a day closed by a re-plan): kept as made."""
    if not is_team_plan(doc):
        return []
    return [r for r in doc["routes"] if r["stops"] and _match(problem, r) is None]


def _retime(problem, seqs, doc: dict[str, Any], language: Literal["fr", "en"], engine: str) -> dict[str, Any]:
    """Time the sequences with the library (``plan_from_sequences``, which checks the
    plan), keep the earlier reasons of visits still left out and explain the new ones;
    the ``plan.json`` document.

    The coordinator's placements stand as placed: the served visits are held (pinned) for
    the check, so a manual plan is not refused for a priority inversion; the inversions
    are listed in ``doc["desk_warnings"]`` instead (``visits.check.priority_inversions``).
    The lock marks written are the plan's own."""
    from itinerant.visits import SolveParams, plan_to_dict
    from itinerant.visits.check import priority_inversions
    from itinerant.visits.reasons import explain_one
    from itinerant.visits.solve import plan_from_sequences

    served = {i for seq in seqs for i in seq}
    held = problem.replace(tasks=tuple(replace(t, pinned=True) if i in served else t
                                       for i, t in enumerate(problem.tasks)))
    plan = plan_from_sequences(held, seqs, engine=engine,
                               params=SolveParams(reasons=False, language=language))
    old = {u["visit_id"]: u for u in doc.get("unassigned", [])}
    index = {t.id: i for i, t in enumerate(problem.tasks)}
    unassigned = []
    for u in plan.unassigned:
        route = ""
        if u.task_id in old and old[u.task_id].get("reason"):
            code, reason = old[u.task_id].get("code", ""), old[u.task_id]["reason"]
            route = old[u.task_id].get("route") or ""
        else:
            code, reason = explain_one(problem, seqs, index[u.task_id], language=language)
        unassigned.append(replace(u, code=code, reason=reason, vehicle_id=route))
    plan = replace(plan, unassigned=tuple(unassigned), scenario=doc.get("scenario") or plan.scenario,
                   objective=dict(plan.objective))
    out = plan_to_dict(plan, held)
    out["desk_warnings"] = priority_inversions(problem, plan)
    if "team" in doc:
        out["team"] = doc["team"]
    # rows set aside at import are no task of the problem: they stay listed as they were
    out["unassigned"] += [u for u in doc.get("unassigned", []) if u.get("code") == "invalid"
                          and u["visit_id"] not in index]
    pinned = {t.id: t.pinned for t in problem.tasks}
    done = {s["visit_id"] for r in doc["routes"] for s in r["stops"] if s.get("done")}
    for r in out["routes"]:
        for s in r["stops"]:
            s["pinned"] = pinned.get(s["visit_id"], False)
            s["done"] = s["done"] or s["visit_id"] in done
    frozen = _frozen(problem, doc)
    if frozen:  # tours of days closed by a re-plan: kept as they were made
        n = sum(len(r["stops"]) for r in frozen)
        out["routes"] = sorted(out["routes"] + copy.deepcopy(frozen),
                               key=lambda r: (r["day"], r["advisor_id"], r["depart_s"]))
        out["kpis"] = {**out["kpis"], "served": out["kpis"]["served"] + n,
                       "visits_total": out["kpis"]["visits_total"] + n}
    return out


def retime(folder: Path, state: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """The plan re-timed on the (new) effective scenario: visits no longer requested
    drop out, the others keep their advisor, day and order."""
    ld = loaded(folder, state)
    problem = _problem(ld, doc)
    return _retime(problem, _seqs(problem, doc), doc, ld.scenario.settings.language,
                   _engine(doc))


def _engine(doc: dict[str, Any]) -> str:
    e = doc.get("engine", "")
    return e if e.endswith("+manuel") else f"{e}+manuel"


@dataclass
class MoveResult:
    """What a move or an insertion gave: the new document, or why not."""

    ok: bool
    doc: dict[str, Any] | None
    message: str


def _best_insertion(problem, seqs, i: int, vehicles: list[int]):
    """The cheapest feasible place of task ``i`` among ``vehicles``, timed by the
    library's ``schedule_route``; (vehicle, position) or None."""
    from itinerant.visits.timing import schedule_route

    D = problem.duration_s
    t = problem.tasks[i]
    best = None
    for k in vehicles:
        v = problem.vehicles[k]
        if not problem.compatible(t, v):
            continue
        seq = seqs[k]
        locs = [v.start] + [problem.tasks[j].location for j in seq] + [v.end]
        for p in range(len(seq) + 1):
            a, b = locs[p], locs[p + 1]
            d = int(D[a, t.location]) + int(D[t.location, b]) - int(D[a, b])
            if best is not None and d >= best[0]:
                continue
            trial = seq[:p] + [i] + seq[p:]
            if schedule_route(problem, v, [problem.tasks[j] for j in trial]) is not None:
                best = (d, k, p)
    return None if best is None else best[1:]


def day_of(vehicle_id: str) -> tuple[str, str]:
    """(advisor id, ``YYYY-MM-DD``) of a vehicle id ``advisor@YYYY-MM-DD`` or a team
    week's block ``advisor@YYYY-MM-DD#n``."""
    who, _, day = vehicle_id.partition("@")
    return who, day.partition("#")[0]


def duties_of_day(doc: dict[str, Any], advisor_id: str, day: str) -> list[dict[str, Any]]:
    """The team's duties an advisor holds on a day, in time order."""
    return sorted((d for d in doc.get("team", {}).get("duties", [])
                   if d["advisor_id"] == advisor_id and d["day"] == day), key=lambda d: d["start"])


def _duty_text(duties: list[dict[str, Any]]) -> str:
    return ", ".join(f"« {d['name']} » de {d['start']} à {d['end']}" for d in duties)


def _in_duty(problem, task, duties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The duties during which the task's every window falls (the visit could only be
    made while the advisor is on duty elsewhere)."""
    from itinerant.core.units import parse_time

    spans = [(parse_time(d["start"]), parse_time(d["end"])) for d in duties]
    hit = []
    for o, c in task.windows:
        over = [d for d, (a, b) in zip(duties, spans) if a < c + task.duration_s and o < b]
        if not over:
            return []
        hit += [d for d in over if d not in hit]
    return hit


def move_visit(folder: Path, state: dict[str, Any], doc: dict[str, Any], visit_id: str,
               vehicle_id: str | None) -> MoveResult:
    """Put ``visit_id`` on ``vehicle_id`` at its best place, or anywhere it fits when
    ``vehicle_id`` is None (urgent request). The visit is then locked on that advisor
    and day. ``vehicle_id`` is a tour (``advisor@YYYY-MM-DD``, or a team week's block
    ``advisor@YYYY-MM-DD#n``) or, for a team week, an advisor's day
    (``advisor@YYYY-MM-DD``: the best of its free blocks). Refused with the library's
    reason when it breaks a window, a shift or a skill, and in French when it would put
    the advisor in two places (the visit could only be made during one of their duties)."""
    ld = loaded(folder, state)
    problem = _problem(ld, doc)
    language = ld.scenario.settings.language
    try:
        i = problem.task_index(visit_id)
    except (KeyError, ValueError):
        return MoveResult(False, None, f"visite {visit_id} inconnue ou déjà faite")
    seqs = [[j for j in s if j != i] for s in _seqs(problem, doc)]
    task = problem.tasks[i]
    duties: list[dict[str, Any]] = []
    if vehicle_id is not None:
        who, day = day_of(vehicle_id)
        duties = duties_of_day(doc, who, day)
        candidates = [k for k, v in enumerate(problem.vehicles) if v.id == vehicle_id]
        if not candidates and is_team_plan(doc) and "#" not in vehicle_id:
            candidates = [k for k, v in enumerate(problem.vehicles)
                          if v.advisor_id == who and v.date is not None and v.date.isoformat() == day]
        if not candidates:
            if duties:
                name = next((a.name for a in ld.scenario.advisors if a.id == who), who)
                return MoveResult(False, None, f"{name} ne peut pas être à deux endroits : ce jour-là, "
                                               f"{'ses permanences' if len(duties) > 1 else 'sa permanence'} "
                                               f"{_duty_text(duties)} ne {'laissent' if len(duties) > 1 else 'laisse'} "
                                               "pas de créneau pour une tournée")
            return MoveResult(False, None, f"journée {vehicle_id} inconnue (conseiller absent ou jour férié)")
        v = problem.vehicles[candidates[0]]
        if task.done:
            return MoveResult(False, None, f"la visite {visit_id} est déjà faite")
        moved = replace(task, advisor_id=v.advisor_id, date=v.date, days=None, pinned=True)
        tasks = list(problem.tasks)
        tasks[i] = moved
        trial = problem.replace(tasks=tuple(tasks))
    else:
        trial = problem
        candidates = list(problem.allowed_vehicles(i))
    place = _best_insertion(trial, seqs, i, candidates)
    if place is None:
        from itinerant.visits.reasons import explain_one

        _, reason = explain_one(trial, seqs, i, language=language)
        if vehicle_id is None:
            new = _retime(trial, seqs, doc, language, _engine(doc))
            return MoveResult(True, new, f"non planifiée : {reason}")
        during = _in_duty(trial, trial.tasks[i], duties)
        if during:
            name = next((a.name for a in ld.scenario.advisors if a.id == day_of(vehicle_id)[0]), "")
            reason = (f"{name} ne peut pas être à deux endroits : la visite tomberait pendant "
                      f"{'ses permanences' if len(during) > 1 else 'sa permanence'} {_duty_text(during)} "
                      f"({reason})")
        return MoveResult(False, None, reason)
    k, p = place
    seqs[k] = seqs[k][:p] + [i] + seqs[k][p:]
    new = _retime(trial, seqs, doc, language, _engine(doc))
    route = next(r for r in new["routes"] if r["vehicle_id"] == trial.vehicles[k].id)
    stop = next(s for s in route["stops"] if s["visit_id"] == visit_id)
    warn = f". Attention : {'; '.join(new['desk_warnings'])}" if new.get("desk_warnings") else ""
    from itinerant.core.units import short_day

    d = dt.date.fromisoformat(route["day"])
    who = next((a.name for a in ld.scenario.advisors if a.id == route["advisor_id"]), route["advisor_id"])
    return MoveResult(True, new, f"{visit_id} le {short_day(d)} à {stop['start']} "
                                 f"avec {who}, tournée de {route['depart']} à {route['return']} "
                                 f"(arrêt n° {stop['seq']}){warn}")


def vehicle_choices(folder: Path, state: dict[str, Any], doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Where a visit may be moved: each advisor's working day (``advisor@YYYY-MM-DD``),
    labelled with the duties the advisor holds that day (a team week)."""
    from itinerant.core.units import short_day

    sc = loaded(folder, state).scenario
    out = []
    for a in sc.advisors:
        for d in sc.calendar.working_dates(a.days):
            day = d.isoformat()
            duties = duties_of_day(doc, a.id, day)
            label = f"{a.name}, {short_day(d)}"
            if duties:
                label += " (" + ", ".join(f"{x['kind']} {x['start']}–{x['end']}" for x in duties) + ")"
            out.append((f"{a.id}@{day}", label))
    return out


def set_pinned(doc: dict[str, Any], *, visit_id: str | None = None, vehicle_id: str | None = None,
               pinned: bool) -> dict[str, Any]:
    """A copy of ``doc`` with one stop, or a whole tour, locked or unlocked."""
    out = copy.deepcopy(doc)
    for r in out["routes"]:
        for s in r["stops"]:
            if s["visit_id"] == visit_id or (vehicle_id is not None and r["vehicle_id"] == vehicle_id):
                s["pinned"] = pinned
    return out


def mark_done(doc: dict[str, Any], visit_id: str) -> dict[str, Any]:
    """A copy of ``doc`` with the stop marked done (kept at its time on a re-plan)."""
    out = copy.deepcopy(doc)
    for r in out["routes"]:
        for s in r["stops"]:
            if s["visit_id"] == visit_id:
                s["done"] = True
                s["pinned"] = True
                s["time_pinned"] = True
    return out


# --------------------------------------------------------------------------- changes


def _where(doc: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {s["visit_id"]: (r["advisor_id"], r["day"], s["start"])
            for r in doc["routes"] for s in r["stops"]}


def changes_between(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Visits whose advisor, day or time differ between two plans (« à prévenir »)."""
    a, b = _where(old), _where(new)
    out = []
    for vid in sorted(set(a) | set(b)):
        if a.get(vid) == b.get(vid):
            continue
        if vid not in b:
            kind = "retirée du planning"
        elif vid not in a:
            kind = "ajoutée au planning"
        elif a[vid][:2] != b[vid][:2]:
            kind = "autre jour ou autre conseiller"
        else:
            kind = "nouvel horaire"
        out.append({"visit_id": vid, "kind": kind,
                    "before": a.get(vid), "after": b.get(vid)})
    return out


# --------------------------------------------------------------------------- print


def day_route(doc: dict[str, Any], advisor_id: str, day: str) -> dict[str, Any] | None:
    """One advisor's day as one tour for the sheets: the tours of the day (a team week
    has one per free block between duties) joined in time order, stops numbered
    through the day (each with ``tour``: the index of its block), ``tours`` the blocks
    and ``duties`` the duties held that day. None when the day has no stop."""
    tours = sorted((r for r in doc["routes"] if r["advisor_id"] == advisor_id and r["day"] == day and r["stops"]),
                   key=lambda r: r["depart_s"])
    if not tours:
        return None
    first, last = tours[0], tours[-1]
    stops: list[dict[str, Any]] = []
    for n, r in enumerate(tours):
        for s in r["stops"]:
            stops.append({**s, "seq": len(stops) + 1, "tour": n})
    out = {**first, "vehicle_id": f"{advisor_id}@{day}", "end_site": last["end_site"],
           "return": last["return"], "return_s": last["return_s"],
           "return_travel_s": last.get("return_travel_s"), "return_travel_m": last.get("return_travel_m"),
           "break": next((r["break"] for r in tours if r.get("break")), None),
           "stops": stops, "tours": tours, "duties": duties_of_day(doc, advisor_id, day)}
    for k in ("travel_s", "travel_m", "work_s"):
        out[k] = sum(r[k] for r in tours)
    return out




def sheet_days(doc: dict[str, Any], advisor_id: str | None = None) -> list[str]:
    """The days that have day sheets to print (``YYYY-MM-DD``, sorted): a tour with stops
    or a team duty held (of ``advisor_id`` when given): a day on the bus or at the desk
    has its sheet too."""
    days = {r["day"] for r in doc["routes"] if r["stops"] and advisor_id in (None, r["advisor_id"])}
    days |= {d["day"] for d in doc.get("team", {}).get("duties", []) if advisor_id in (None, d["advisor_id"])}
    return sorted(days)


def sheets_pdf(folder: Path, state: dict[str, Any], doc: dict[str, Any], *,
               day: str | None = None, advisor_id: str | None = None) -> bytes:
    """The day sheets of a day, or of an advisor's week, as one PDF: one sheet per
    advisor-day with tours or duties, its tours joined with the day's duties and the
    mairie sessions (``reports.sheets.advisor_days`` and ``day_pdf``, as ``itinerant
    week`` writes them); a day of duties only has its sheet (no map)."""
    from itinerant.reports.sheets import advisor_days, day_pdf
    from itinerant.reports.team import with_session_visits

    ld = loaded(folder, state)
    week = doc.get("team", {}).get("week")
    routes = [r for r in advisor_days(doc, week) if (day is None or r["day"] == day)
              and (advisor_id is None or r["advisor_id"] == advisor_id)]
    if not routes:
        raise InputError([Fault("", None, "", "rien à imprimer : ni tournée ni permanence", "choisir un autre jour")])
    routes.sort(key=lambda r: (r["day"], r["advisor_id"]))
    scenario = with_session_visits(ld.scenario, week) if week and week.get("sessions") else ld.scenario
    return day_pdf(scenario, routes, language=ld.scenario.settings.language,
                   estimated=bool(doc.get("estimated", True)), geometry=ld.matrices.geometry())


# --------------------------------------------------------------------------- bus, antennes


def bus_outputs(folder: Path, state: dict[str, Any], out: Path, *, time_limit: float,
                previous: Path | None = None, progress: Any = None) -> str:
    """The bus rota (``pipeline.plan_bus``; with ``previous``, the published
    ``timetable.csv`` whose slots it keeps where it can, as ``itinerant bus --previous``),
    its files, public page and posters (``reports.render_bus``) in ``out``; the rota's
    French summary."""
    from itinerant.bus import write_outputs
    from itinerant.reports import render_bus

    ld = loaded(folder, state)
    result = pipeline.plan_bus(ld.scenario, ld.matrices, time_limit=time_limit, previous=previous,
                               progress=progress or pipeline.QUIET)
    write_outputs(out, result.problem, result.rota, result.baseline)
    render_bus(ld.scenario, result.rota, out, language=ld.scenario.settings.language,
               estimated=ld.matrices.estimated, baseline=result.baseline)
    return result.summary()


def bus_changes(folder: Path, state: dict[str, Any], previous: Path, current: Path) -> list[dict[str, str]]:
    """The rota's changes against the previous published one, commune by commune
    (``bus.io.timetable_changes`` over both ``timetable.csv``): ``{"commune", "before",
    "after"}`` in French (« mardi 09:00–11:00, arrêt Mairie, semaines 1,3 », « — » when
    the commune was or is no longer served)."""
    from itinerant.bus.io import read_timetable, timetable_changes
    from itinerant.bus.problem import weeks_label
    from itinerant.core.units import WEEKDAYS_FR, hhmm

    sc = loaded(folder, state).scenario
    cycle = max((b.cycle_weeks for b in sc.buses), default=4)
    communes = {c.code: c.name for c in sc.communes}
    stops = {x.id: x.name for x in sc.sites}

    def text(slots) -> str:
        if not slots:
            return "—"
        out = []
        for stop, day, start, end, weeks in slots:
            wk = weeks_label(weeks, cycle)
            out.append(f"{WEEKDAYS_FR[day]} {hhmm(start)}–{hhmm(end)}, arrêt {stops.get(stop, stop)}"
                       + ("" if wk in ("all", "") else f", semaine{'s' if len(weeks) > 1 else ''} {wk}"))
        return " ; ".join(out)

    rows = timetable_changes(read_timetable(previous, cycle_weeks=cycle), read_timetable(current, cycle_weeks=cycle))
    return [{"commune": communes.get(c["commune_code"], c["commune_code"]),
             "before": text(c["before"]), "after": text(c["after"])} for c in rows]


def variant_files(folder: Path) -> list[Path]:
    """The scenario's antenne variants (``antennes/*.yaml``)."""
    return sorted((Path(folder) / "antennes").glob("*.y*ml"))


def board_report(folder: Path, state: dict[str, Any], out: Path, variants: list[str], *,
                 progress: Any = None) -> Path:
    """The board's antenne report (``pipeline.run_compare``) for the chosen variants."""
    ld = loaded(folder, state)
    paths = [p for p in variant_files(folder) if p.stem in set(variants)]
    if not paths:
        raise InputError([Fault("", None, "", "aucune variante choisie", "cocher au moins une variante")])
    return pipeline.run_compare(None, paths, out, loaded=(ld.scenario, ld.matrices),
                                progress=progress or pipeline.QUIET)
