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


def plan_week(folder: Path, state: dict[str, Any], *, time_limit: float,
              replan_doc: dict[str, Any] | None = None, now: dt.datetime | None = None,
              progress: Any = None) -> dict[str, Any]:
    """Plan the week with ``pipeline.plan_visits`` (as ``itinerant visits``); the
    ``plan.json`` document. With ``replan_doc`` and ``now``, a re-plan from now
    (``--replan plan.json --now``): what was made or is under way stays, nothing is
    placed before ``now``, and the document lists the changes to announce."""
    ld = loaded(folder, state)
    with tempfile.TemporaryDirectory(prefix="itinerant-plan-") as tmp:
        replan = None
        if replan_doc is not None:
            replan = Path(tmp) / "plan.json"
            replan.write_text(json.dumps(replan_doc), encoding="utf-8")
        result = pipeline.plan_visits(ld.scenario, ld.matrices, replan=replan, now=now, rejected=ld.rejected,
                                      time_limit=time_limit, progress=progress or pipeline.QUIET)
    return result.doc


KIND_FR = {"office": "accueil", "bus": "bus", "antenne": "antenne", "partner": "permanence",
           "workshop": "atelier"}


def team_duties(folder: Path, state: dict[str, Any], *, time_limit: float,
                progress: Any = None) -> dict[str, Any]:
    """The team's duties of the week (office desk, bus crew, antennes, permanences,
    workshops) as planned by ``pipeline.plan_team_week`` (as ``itinerant week``).

    Returns ``{"duties": [{"advisor_id", "day", "start", "end", "name", "kind", "site"}, ...],
    "unstaffed": [...]}`` (``unstaffed`` as in ``week.json``), kept with the plan version
    under ``team`` so the board shows them beside the tours.
    """
    from itinerant.team.io import week_to_dict

    ld = loaded(folder, state)
    team, week = pipeline.plan_team_week(ld.scenario, ld.matrices, time_limit=time_limit,
                                         progress=progress or pipeline.QUIET)
    doc = week_to_dict(team, week, names=pipeline._names(ld.scenario))
    duties = [{"advisor_id": a, "day": d["day"], "start": d["start"], "end": d["end"], "name": d["name"],
               "kind": KIND_FR.get(d["kind"], d["kind"]), "site": d["site"]}
              for d in doc["duties"] for a in d["advisors"]]
    return {"duties": duties, "unstaffed": doc["unstaffed"]}


def duty_clashes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The team's duties of a plan version that fall while the same advisor is out on
    one of its tours (``team.check.duty_clashes``)."""
    from itinerant.team.check import duty_clashes as clashes

    return clashes(doc.get("team", {}).get("duties", []), doc["routes"])


def with_team(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """``new`` with the team's duties of ``old`` (a change of the tours keeps them)."""
    if "team" in old and "team" not in new:
        new = {**new, "team": old["team"]}
    return new


def _fingerprint(doc: dict[str, Any]) -> tuple:
    """What of a plan the problem depends on (its stops, locks, times and done marks)."""
    return (doc.get("week_start"),
            tuple((r["vehicle_id"], s["visit_id"], bool(s.get("pinned")), bool(s.get("time_pinned")),
                   bool(s.get("done")), s.get("start_s")) for r in doc["routes"] for s in r["stops"]))


def _problem(ld: Loaded, doc: dict[str, Any]):
    """The library's problem for a plan, its locks and done stops kept (cached by the
    plan's content: moving several visits on one version builds it once)."""
    from itinerant.visits import problem_from_scenario

    key = ("problem", str(ld.scenario.folder), ld.state_key, hash(_fingerprint(doc)))
    return _cached(key, lambda: problem_from_scenario(ld.scenario, ld.matrices.drive(), replan=doc))


def _seqs(problem, doc: dict[str, Any]) -> list[list[int]]:
    ids = {t.id: i for i, t in enumerate(problem.tasks)}
    vehicles = {v.id: k for k, v in enumerate(problem.vehicles)}
    seqs: list[list[int]] = [[] for _ in problem.vehicles]
    for r in doc["routes"]:
        k = vehicles.get(r["vehicle_id"])
        if k is None:
            continue
        seqs[k] = [ids[s["visit_id"]] for s in r["stops"] if s["visit_id"] in ids]
    return seqs


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


def move_visit(folder: Path, state: dict[str, Any], doc: dict[str, Any], visit_id: str,
               vehicle_id: str | None) -> MoveResult:
    """Put ``visit_id`` on ``vehicle_id`` (``advisor@YYYY-MM-DD``) at its best place,
    or anywhere it fits when ``vehicle_id`` is None (urgent request). The visit is
    then locked on that advisor and day. Refused with the library's reason when it
    breaks a window, a shift or a skill."""
    ld = loaded(folder, state)
    problem = _problem(ld, doc)
    language = ld.scenario.settings.language
    try:
        i = problem.task_index(visit_id)
    except (KeyError, ValueError):
        return MoveResult(False, None, f"visite {visit_id} inconnue ou déjà faite")
    seqs = [[j for j in s if j != i] for s in _seqs(problem, doc)]
    task = problem.tasks[i]
    if vehicle_id is not None:
        try:
            k = problem.vehicle_index(vehicle_id)
        except (KeyError, ValueError):
            return MoveResult(False, None, f"journée {vehicle_id} inconnue (conseiller absent ou jour férié)")
        v = problem.vehicles[k]
        if task.done:
            return MoveResult(False, None, f"la visite {visit_id} est déjà faite")
        moved = replace(task, advisor_id=v.advisor_id, date=v.date, days=None, pinned=True)
        tasks = list(problem.tasks)
        tasks[i] = moved
        trial = problem.replace(tasks=tuple(tasks))
        candidates = [k]
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
        return MoveResult(False, None, reason)
    k, p = place
    seqs[k] = seqs[k][:p] + [i] + seqs[k][p:]
    new = _retime(trial, seqs, doc, language, _engine(doc))
    route = next(r for r in new["routes"] if r["vehicle_id"] == trial.vehicles[k].id)
    stop = next(s for s in route["stops"] if s["visit_id"] == visit_id)
    warn = f" Attention : {'; '.join(new['desk_warnings'])}." if new.get("desk_warnings") else ""
    return MoveResult(True, new, f"{visit_id} le {route['day']} à {stop['start']} "
                                 f"({route['advisor_id']}, arrêt n° {stop['seq']}).{warn}")


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


def sheets_pdf(folder: Path, state: dict[str, Any], doc: dict[str, Any], *,
               day: str | None = None, advisor_id: str | None = None) -> bytes:
    """The day sheets of a day, or of an advisor's week, as one PDF
    (``reports.sheets.day_pdf``, as ``itinerant visits`` writes them)."""
    from itinerant.reports.sheets import day_pdf

    ld = loaded(folder, state)
    routes = [r for r in doc["routes"] if r["stops"]
              and (day is None or r["day"] == day)
              and (advisor_id is None or r["advisor_id"] == advisor_id)]
    if not routes:
        raise InputError([Fault("", None, "", "aucune tournée à imprimer", "choisir un autre jour")])
    routes.sort(key=lambda r: (r["day"], r["advisor_id"]))
    return day_pdf(ld.scenario, routes, language=ld.scenario.settings.language,
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
