"""Independent plan checker: imports no solver and recomputes nothing from them.

:func:`check_plan` lists every violation of a :class:`~itinerant.visits.plan.Plan`
against its :class:`~itinerant.visits.problem.VisitProblem`; :func:`assert_valid`
raises :class:`~itinerant.core.errors.SolverError` when there is any. Every plan the
product returns or writes passes through it.

Rules checked: each task served exactly once or listed unassigned (never both, never
missing, no unknown id); each vehicle used at most once
and its advisor, date and sites match; shift (departure, return), maximum working
time, capacity; allowed day, skill, advisor and date of each task; start inside a
window (and end too when ``end_in_window``), end = start + duration, pinned start;
each arrival equals the previous departure plus the matrix travel time (waiting is
allowed only before a start; the lunch may sit before driving a leg or at the
destination before the service), ``travel_s``/``travel_m`` equal the matrices; the
lunch lies in its window, lasts its duration and overlaps no service.

Rules of a real week (:func:`check_week`): nothing starts before the problem's ``now``;
every imposed appointment (pinned or done task) is served unless the plan set it aside
before solving (code ``pin``, said in the notices); every announced visit is served at
its announced slot or listed in the plan's changes; and no priority inversion: no
"should" or "could" visit is served while a "must" left out would fit in its place (the
other stops and the lunch staying as planned: :func:`fits_in_place`), and likewise no
"could" while a "should" would.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING

from itinerant.core.errors import SolverError
from itinerant.core.units import hhmm

if TYPE_CHECKING:
    from itinerant.visits.plan import Plan, Route
    from itinerant.visits.problem import Task, Vehicle, VisitProblem


def _hm(s: int | None) -> str:
    return "?" if s is None else hhmm(s, with_seconds=True)


def check_plan(problem: VisitProblem, plan: Plan, *, planner_rules: bool = True) -> list[str]:
    """Every violation of ``plan`` against ``problem`` (empty list when valid).

    ``planner_rules=False`` leaves out the rules a coordinator may knowingly break by
    hand (pins kept, no priority inversion); nothing before now is always checked.
    """
    out: list[str] = []
    tasks = {t.id: t for t in problem.tasks}
    vehicles = {v.id: v for v in problem.vehicles}
    served = Counter(s.task_id for r in plan.routes for s in r.stops)
    unassigned = Counter(u.task_id for u in plan.unassigned)
    for tid, n in served.items():
        if tid not in tasks:
            out.append(f"visite inconnue {tid} dans une tournée")
        elif n > 1:
            out.append(f"visite {tid} servie {n} fois")
    aside = {a.task_id for a in problem.set_aside}
    for tid, n in unassigned.items():
        if tid not in tasks and tid not in aside:
            out.append(f"visite inconnue {tid} dans les non planifiées")
        elif n > 1:
            out.append(f"visite {tid} listée {n} fois non planifiée")
        if tid in served:
            out.append(f"visite {tid} à la fois servie et non planifiée")
    for tid in list(tasks) + sorted(aside):
        if tid not in served and tid not in unassigned:
            out.append(f"visite {tid} ni servie ni listée non planifiée")
    used = Counter(r.vehicle_id for r in plan.routes)
    for vid, n in used.items():
        if n > 1:
            out.append(f"véhicule {vid} utilisé {n} fois")
    for r in plan.routes:
        v = vehicles.get(r.vehicle_id)
        if v is None:
            out.append(f"véhicule inconnu {r.vehicle_id}")
            continue
        out.extend(_check_route(problem, v, r, tasks))
    out.extend(check_week(problem, plan, planner_rules=planner_rules))
    return out


_RANK = {"must": 0, "should": 1, "could": 2}


def check_week(problem: VisitProblem, plan: Plan, *, planner_rules: bool = True) -> list[str]:
    """Violations of the real-week rules (see the module docstring)."""
    out: list[str] = []
    tasks = {t.id: t for t in problem.tasks}
    where = {s.task_id: (r, s) for r in plan.routes for s in r.stops}
    codes = {u.task_id: u.code for u in plan.unassigned}
    if problem.now is not None:
        for r in plan.routes:
            for s in r.stops:
                t = tasks.get(s.task_id)
                if t is not None and t.done:
                    continue  # made before now, kept as it was
                if r.date is not None and dt.datetime.combine(r.date, dt.time()) + dt.timedelta(seconds=s.start_s) < problem.now:
                    out.append(f"{r.vehicle_id}: visite {s.task_id} à {_hm(s.start_s)}, avant maintenant ({problem.now:%d/%m %H:%M})")
    if not planner_rules:
        return out
    for t in problem.tasks:
        if (t.pinned or t.done) and t.id not in where and codes.get(t.id) != "pin":
            out.append(f"rendez-vous imposé {t.id} abandonné")
    moved = {c.task_id for c in plan.changes}
    for t in problem.tasks:
        slot = t.announced
        if slot is None or t.id in moved:
            continue
        got = where.get(t.id)
        if got is None or (got[0].advisor_id, got[0].date, got[1].start_s) != (slot.advisor_id, slot.date, slot.start_s):
            out.append(f"visite annoncée {t.id} déplacée sans figurer dans les changements")
    out.extend(priority_inversions(problem, plan))
    return out


def priority_inversions(problem: VisitProblem, plan: Plan) -> list[str]:
    """Visits left out that would fit in the place of a served visit of lower priority."""
    out: list[str] = []
    tasks = {t.id: t for t in problem.tasks}
    skip = {u.task_id for u in plan.unassigned if u.code in ("pin", "invalid")}
    vehicles = {v.id: v for v in problem.vehicles}
    left = [tasks[u.task_id] for u in plan.unassigned if u.task_id in tasks and u.task_id not in skip]
    for t in left:
        for r in plan.routes:
            v = vehicles.get(r.vehicle_id)
            if v is None or not problem.compatible(t, v):
                continue
            for pos, s in enumerate(r.stops):
                o = tasks.get(s.task_id)
                if o is None or _RANK[o.priority] <= _RANK[t.priority] or o.pinned or o.done or s.pinned:
                    continue
                if fits_in_place(problem, v, r, pos, t):
                    out.append(f"inversion de priorité : {t.id} ({t.priority}) non planifiée alors qu'elle "
                               f"tiendrait à la place de {o.id} ({o.priority}) dans {r.vehicle_id}")
    return out


def _earliest(task: Task, a: int) -> int | None:
    for o, c in task.windows:
        if task.end_in_window:
            c -= task.duration_s
        if a <= c and o <= c:
            return max(a, o)
    return None


def fits_in_place(problem: VisitProblem, v: Vehicle, r: Route, pos: int, task: Task) -> bool:
    """Whether ``task`` could be made instead of stop ``pos`` of ``r``, every other stop and
    the lunch staying as planned (the route's departure too; its return may move)."""
    D = problem.duration_s
    stops = r.stops

    def loc(s) -> int:
        return problem.tasks[problem.task_index(s.task_id)].location

    prev_loc = v.start if pos == 0 else loc(stops[pos - 1])
    prev_end = r.depart_s if pos == 0 else stops[pos - 1].end_s
    last = pos == len(stops) - 1
    nxt_loc = v.end if last else loc(stops[pos + 1])
    limit = v.end_s if last else stops[pos + 1].start_s  # latest arrival at the next place
    t1, t2 = int(D[prev_loc, task.location]), int(D[task.location, nxt_loc])
    brk = None
    bs0, be0 = r.break_start_s, r.break_end_s
    if r.break_inside and bs0 is not None and be0 is not None and prev_end <= bs0 and be0 <= limit:
        brk = (bs0, be0)
    arrivals = []  # arrival at the next place, for each way to place the break
    if brk is None:
        s = _earliest(task, prev_end + t1)
        if s is not None:
            arrivals.append(s + task.duration_s + t2)
    else:
        bs, be = brk
        s = _earliest(task, be + t1)  # break, then drive to the task (or break there first)
        if s is not None:
            arrivals.append(s + task.duration_s + t2)
        a = prev_end + t1
        if a <= bs:
            s = _earliest(task, be)  # drive, break at the task's door, then the service
            if s is not None:
                arrivals.append(s + task.duration_s + t2)
        s = _earliest(task, a)  # service before the break
        if s is not None and s + task.duration_s <= bs:
            e = s + task.duration_s
            arrivals.append(be + t2 if e + t2 > bs else e + t2)
    for arr in arrivals:
        if arr > limit:
            continue
        if last:
            work = arr - r.depart_s - ((r.break_end_s - r.break_start_s) if r.break_inside else 0)  # type: ignore[operator]
            if v.max_work_s is not None and work > v.max_work_s:
                continue
        return True
    return False


def _check_shift(problem: VisitProblem, v, r: Route) -> list[str]:
    """Advisor, date, sites and shift of the route."""
    out: list[str] = []
    ids, who = problem.location_ids, r.vehicle_id
    if r.advisor_id != v.advisor_id:
        out.append(f"{who}: conseiller {r.advisor_id} au lieu de {v.advisor_id}")
    if r.date != v.date:
        out.append(f"{who}: date {r.date} au lieu de {v.date}")
    if r.start_site != ids[v.start] or r.end_site != ids[v.end]:
        out.append(f"{who}: sites de départ/retour {r.start_site}/{r.end_site} faux")
    if r.depart_s < v.start_s:
        out.append(f"{who}: départ {_hm(r.depart_s)} avant le début de service {_hm(v.start_s)}")
    if r.return_s > v.end_s:
        out.append(f"{who}: retour {_hm(r.return_s)} après la fin de service {_hm(v.end_s)}")
    if r.return_s < r.depart_s:
        out.append(f"{who}: retour avant le départ")
    return out


def _check_break(v, r: Route) -> tuple[list[str], bool]:
    """The lunch: present when due, its duration and window; (violations, inside the route)."""
    out: list[str] = []
    who, lunch = r.vehicle_id, v.lunch
    bs, be = r.break_start_s, r.break_end_s
    if lunch is None and (bs is not None or be is not None):
        out.append(f"{who}: pause sans pause prévue")
    if bs is None or be is None:
        if lunch is not None and r.stops:
            out.append(f"{who}: pause déjeuner manquante")
        return out, False
    if lunch is None:
        return out, False
    if be - bs != lunch.duration_s:
        out.append(f"{who}: pause de {be - bs} s au lieu de {lunch.duration_s} s")
    if bs < lunch.earliest_s or be > lunch.latest_end_s:
        out.append(f"{who}: pause {_hm(bs)}-{_hm(be)} hors de sa fenêtre "
                   f"{_hm(lunch.earliest_s)}-{_hm(lunch.latest_end_s)}")
    inside = r.depart_s <= bs and be <= r.return_s
    if not inside and not (be <= r.depart_s or bs >= r.return_s):
        out.append(f"{who}: pause à cheval sur le départ ou le retour")
    return out, inside


def _check_leg(r: Route, inside: bool, name: str, e: int, a: int, s: int, t: int) -> list[str]:
    """Arrival = departure (or the lunch's end) + travel; no lunch while driving."""
    who, bs, be = r.vehicle_id, r.break_start_s, r.break_end_s
    if inside and e <= bs and be <= a:  # type: ignore[operator]
        if a != be + t:  # type: ignore[operator]
            return [f"{who}: {name}: arrivée {_hm(a)} != fin de pause {_hm(be)} + trajet {t} s"]
        return []
    out = []
    if a != e + t:
        out.append(f"{who}: {name}: arrivée {_hm(a)} != départ {_hm(e)} + trajet {t} s")
    at_door = inside and a <= bs and be <= s  # type: ignore[operator]
    if inside and not at_door and bs < s and be > e:  # type: ignore[operator]
        out.append(f"{who}: {name}: pause {_hm(bs)}-{_hm(be)} pendant le trajet ou l'attente")
    return out


def _check_stop(problem: VisitProblem, v, r: Route, st, t, prev_loc: int, inside: bool) -> list[str]:
    """One stop: compatibility, matrix travel, window, fixed time, open time, lunch."""
    out: list[str] = []
    D, M = problem.duration_s, problem.distance_m
    who, name = r.vehicle_id, f"visite {st.task_id}"
    if not problem.compatible(t, v):
        out.append(f"{who}: {name} incompatible (jour, compétence, conseiller ou date)")
    if t.days is not None and v.date is not None and v.date.weekday() not in t.days:
        out.append(f"{who}: {name} un jour non autorisé")
    if t.skill is not None and t.skill not in v.skills:
        out.append(f"{who}: {name} demande la compétence {t.skill}")
    if st.travel_s != int(D[prev_loc, t.location]):
        out.append(f"{who}: {name}: trajet {st.travel_s} s != matrice {int(D[prev_loc, t.location])} s")
    if st.travel_m != int(M[prev_loc, t.location]):
        out.append(f"{who}: {name}: trajet {st.travel_m} m != matrice {int(M[prev_loc, t.location])} m")
    if st.start_s < st.arrival_s:
        out.append(f"{who}: {name}: début {_hm(st.start_s)} avant l'arrivée {_hm(st.arrival_s)}")
    if st.end_s != st.start_s + t.duration_s:
        out.append(f"{who}: {name}: fin {_hm(st.end_s)} != début + {t.duration_s} s")
    if not any(o <= st.start_s <= c and (not t.end_in_window or st.start_s + t.duration_s <= c)
               for o, c in t.windows):
        out.append(f"{who}: {name}: début {_hm(st.start_s)} hors de ses fenêtres")
    if v.open_from_s is not None and not t.done and st.start_s < v.open_from_s:
        out.append(f"{who}: {name}: début {_hm(st.start_s)} avant l'ouverture {_hm(v.open_from_s)} (maintenant)")
    if t.pinned_start_s is not None and st.start_s != t.pinned_start_s:
        out.append(f"{who}: {name}: début {_hm(st.start_s)} au lieu de l'heure fixée {_hm(t.pinned_start_s)}")
    bs, be = r.break_start_s, r.break_end_s
    if inside and bs is not None and be is not None and bs < st.end_s and be > st.start_s:
        out.append(f"{who}: {name}: pause pendant la visite")
    return out


def _check_route(problem: VisitProblem, v, r: Route, tasks: dict) -> list[str]:
    D, M = problem.duration_s, problem.distance_m
    who = r.vehicle_id
    out = _check_shift(problem, v, r)
    brk, inside = _check_break(v, r)
    out += brk
    if v.capacity is not None:
        load = sum(tasks[s.task_id].demand for s in r.stops if s.task_id in tasks)
        if load > v.capacity:
            out.append(f"{who}: charge {load} > capacité {v.capacity}")
    work = r.return_s - r.depart_s - ((r.break_end_s - r.break_start_s) if inside else 0)  # type: ignore[operator]
    if v.max_work_s is not None and work > v.max_work_s:
        out.append(f"{who}: {work} s de travail > maximum {v.max_work_s} s")
    prev_loc, e = v.start, r.depart_s
    for st in r.stops:
        t = tasks.get(st.task_id)
        if t is None:
            continue
        out += _check_stop(problem, v, r, st, t, prev_loc, inside)
        out += _check_leg(r, inside, f"visite {st.task_id}", e, st.arrival_s, st.start_s, st.travel_s)
        prev_loc, e = t.location, st.end_s
    rt = int(D[prev_loc, v.end])
    if r.return_travel_s != rt:
        out.append(f"{who}: retour {r.return_travel_s} s != matrice {rt} s")
    if r.return_travel_m != int(M[prev_loc, v.end]):
        out.append(f"{who}: retour {r.return_travel_m} m != matrice {int(M[prev_loc, v.end])} m")
    out += _check_leg(r, inside, "retour", e, r.return_s, r.return_s, r.return_travel_s)
    return out


def assert_valid(problem: VisitProblem, plan: Plan, *, planner_rules: bool = True) -> None:
    """Raise :class:`SolverError` listing the violations, if any."""
    bad = check_plan(problem, plan, planner_rules=planner_rules)
    if bad:
        head = f"plan invalide ({len(bad)} violation{'s' if len(bad) > 1 else ''}) :"
        raise SolverError("\n".join([head, *(f"  - {b}" for b in bad[:50])]))
