"""``solve(problem, params) -> Plan``: engine choice, exact timing, repair, reasons, check.

Engine choice (``params.engine == "auto"``):
- no lunch break, one window per task, no fixed start time -> ``pyvrp``;
- otherwise -> ``ortools`` (breaks, several windows, pinned times), warm-started by
  PyVRP on the problem with the lunch relaxed when ``params.warm_start`` is set
  (the plan's engine is then ``pyvrp+ortools``).
With ``pyvrp``, vehicles that carry a fixed cost (``Vehicle.fixed_cost > 0``, the
benchmarks' "vehicles first" convention) make the engine minimise the fleet first (see
:func:`itinerant.visits.engine_pyvrp.solve_pyvrp`); without fixed costs nothing changes.
Whatever the engine, each route's sequence is timed exactly by
:func:`~itinerant.visits.timing.schedule_route`; routes that do not time are repaired by
dropping their cheapest visits; then unassigned visits are inserted greedily where
they fit, ejecting lower-priority visits when that pays (:func:`eject_for_priority`);
with lunch breaks a short exact relocate pass (:func:`improve_routes`) follows.
Before the search, pins that cannot be kept are set aside and announced visits are held
in their slot (:mod:`itinerant.visits.keep`); after it, pins are enforced and priority
inversions removed (:mod:`itinerant.visits.priority`). Each visit left out gets a reason;
the plan describes itself (KPIs, changes, capacity, grouped reasons) and passes
:func:`itinerant.visits.check.assert_valid`.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

from itinerant.visits.check import assert_valid
from itinerant.visits.keep import Prepared, is_pin, prepare
from itinerant.visits.plan import Change, Plan, PlanKpis, Route, Unassigned
from itinerant.visits.priority import RANK, Work, enforce_pins, fix_inversions
from itinerant.visits.problem import SolveParams, VisitProblem
from itinerant.visits.search import SearchLog, default_time_limit
from itinerant.visits.summary import capacity_lines, group_reasons
from itinerant.visits.timing import schedule_route


def uses_ortools_features(problem: VisitProblem) -> bool:
    """Whether the problem needs what PyVRP lacks (breaks, several windows, fixed times)."""
    return (
        any(v.lunch is not None for v in problem.vehicles)
        or any(len(t.windows) > 1 or t.pinned_start_s is not None for t in problem.tasks)
    )


def choose_engine(problem: VisitProblem, params: SolveParams) -> str:
    """``pyvrp``, ``ortools`` or ``pyvrp+ortools`` for this problem and these params."""
    if params.engine != "auto":
        return params.engine
    if not uses_ortools_features(problem):
        return "pyvrp"
    return "pyvrp+ortools" if params.warm_start else "ortools"


def relax_breaks(problem: VisitProblem) -> VisitProblem:
    """The problem without lunch breaks, shifts shortened by the lunch duration."""
    vs = tuple(
        v if v.lunch is None else replace(v, lunch=None, end_s=v.end_s - v.lunch.duration_s)
        for v in problem.vehicles
    )
    return problem.replace(vehicles=vs)


def repair_routes(problem: VisitProblem, seqs: list[list[int]]) -> list[list[int]]:
    """Make every route feasible: drop duplicates, incompatible visits, then the cheapest."""
    seen: set[int] = set()
    out: list[list[int]] = []
    for k, seq in enumerate(seqs):
        v = problem.vehicles[k]
        clean = []
        for i in seq:
            if i in seen or not problem.compatible(problem.tasks[i], v):
                continue
            seen.add(i)
            clean.append(i)
        while clean and schedule_route(problem, v, [problem.tasks[i] for i in clean]) is None:
            best: tuple[tuple[bool, int], int] | None = None
            for pos, i in enumerate(clean):
                trial = clean[:pos] + clean[pos + 1 :]
                ok = schedule_route(problem, v, [problem.tasks[j] for j in trial]) is not None
                key = (not ok, problem.tasks[i].drop_cost)
                if best is None or key < best[0]:
                    best = (key, pos)
            assert best is not None  # clean is not empty
            clean.pop(best[1])
        out.append(clean)
    return out


def insert_unassigned(
    problem: VisitProblem, seqs: list[list[int]], cost, deadline: float | None = None
) -> list[list[int]]:
    """Greedily insert unserved tasks (highest penalty first) at their cheapest feasible place.

    The place's cost includes the vehicle's fixed cost when the route is empty; a task is
    not put on an unused vehicle whose fixed cost and detour exceed its penalty.
    """
    seqs = [list(s) for s in seqs]
    served = {i for s in seqs for i in s}
    todo = sorted(
        (i for i in range(len(problem.tasks)) if i not in served),
        key=lambda i: -problem.tasks[i].drop_cost,
    )
    for i in todo:
        if deadline is not None and time.perf_counter() > deadline:
            break
        t = problem.tasks[i]
        cands = []
        for k in problem.allowed_vehicles(i):
            v = problem.vehicles[k]
            seq = seqs[k]
            locs = [v.start] + [problem.tasks[j].location for j in seq] + [v.end]
            # Opening an unused vehicle costs its fixed cost: not worth it beyond the penalty.
            opening = 0 if seq else int(v.fixed_cost)
            for p in range(len(seq) + 1):
                a, b = locs[p], locs[p + 1]
                d = int(cost[a, t.location]) + int(cost[t.location, b]) - int(cost[a, b]) + opening
                if opening and t.penalty is not None and d > t.penalty:
                    continue
                cands.append((d, k, p))
        cands.sort()
        for d, k, p in cands:
            trial = seqs[k][:p] + [i] + seqs[k][p:]
            v = problem.vehicles[k]
            if schedule_route(problem, v, [problem.tasks[j] for j in trial]) is not None:
                seqs[k] = trial
                break
    return seqs


def plan_from_sequences(
    problem: VisitProblem,
    seqs: list[list[int]],
    *,
    engine: str,
    params: SolveParams | None = None,
    wall_s: float = 0.0,
    planner_rules: bool = True,
) -> Plan:
    """Time feasible sequences, explain the unassigned, check and return the plan.

    ``planner_rules=False``: sequences a coordinator arranged by hand may leave a pin out
    or a "must" out for a "should" (see :func:`itinerant.visits.check.check_plan`).
    """
    params = params or SolveParams()
    work = Work(problem, problem, [list(s) for s in seqs], set())
    return _assemble(work, Prepared(tasks=list(problem.tasks)), engine=engine, params=params,
                     log=SearchLog(), wall_s=wall_s, planner_rules=planner_rules)


def _routes(work: Work) -> list[Route]:
    """Each non-empty sequence timed exactly; stops say what the coordinator must know."""
    free = work.free
    routes: list[Route] = []
    for k, seq in enumerate(work.seqs):
        if not seq:
            continue
        r = work.route(k)
        if r is None:
            from itinerant.core.errors import SolverError

            raise SolverError(f"la tournée {work.problem.vehicles[k].id} n'a pas d'horaire faisable")
        stops = tuple(
            replace(st, priority=free.tasks[i].priority, time_pinned=free.tasks[i].pinned_start_s is not None,
                    done=free.tasks[i].done)
            for st, i in zip(r.stops, seq)
        )
        routes.append(replace(r, stops=stops))
    return routes


def _unassigned(work: Work, prep: Prepared, params: SolveParams) -> list[Unassigned]:
    from itinerant.visits.reasons import explain_unassigned

    free, served = work.free, work.served()
    missing = [i for i in range(len(free.tasks)) if i not in served]
    probe = [i for i in missing if i not in prep.aside]
    why: dict[int, tuple[str, str, int | None]] = {}
    if params.reasons and probe:
        det = params.iterations is not None
        why = explain_unassigned(work.problem, work.seqs, probe, language=params.language,
                                 budget_s=None if det else 8.0, deep_max=200 if det else None)
    out = []
    for i in missing:
        code, text, k = prep.aside[i] + (None,) if i in prep.aside else why.get(i, ("", "", None))
        out.append(Unassigned(task_id=free.tasks[i].id, reason=text, code=code,
                              priority=free.tasks[i].priority,
                              vehicle_id=work.problem.vehicles[k].id if k is not None else ""))
    for a in free.set_aside:
        out.append(Unassigned(task_id=a.task_id, reason=a.reason, code=a.code, priority=a.priority,
                              faults=a.faults))
    return out


def _changes(work: Work, prep: Prepared, routes: list[Route], unassigned: list[Unassigned]) -> tuple[Change, ...]:
    """Announced visits not at their announced slot any more, with why."""
    where = {st.task_id: (r.advisor_id, r.date, st.start_s) for r in routes for st in r.stops}
    reasons = {u.task_id: u.reason for u in unassigned}
    out = []
    for i, t in enumerate(work.free.tasks):
        slot = t.announced
        if slot is None:
            continue
        new = where.get(t.id)
        if new == (slot.advisor_id, slot.date, slot.start_s):
            continue
        if i in prep.released:
            why = prep.released[i]
        elif i in work.bumped:
            taker = work.free.tasks[work.bumped[i]]
            higher = RANK[taker.priority] < RANK[t.priority]
            why = f"créneau donné à la visite {taker.id}" + (", de priorité plus haute" if higher else "")
        else:
            why = "déplacée pour placer les nouvelles demandes"
        if new is None:
            why += f" ; non replanifiée : {reasons.get(t.id, '')}"
        out.append(Change(t.id, t.name, slot.advisor_id, slot.date, slot.start_s,
                          new[0] if new else None, new[1] if new else None, new[2] if new else None, why))
    return tuple(out)


def _kpis(work: Work, routes: list[Route], unassigned: list[Unassigned], changes, params, log) -> PlanKpis:
    free = work.free
    prio = {t.id: t.priority for t in free.tasks}
    left = [u for u in unassigned if u.task_id in prio]
    pins = [t.id for t in free.tasks if t.pinned and not t.done]  # imposed appointments to come
    served = {st.task_id for r in routes for st in r.stops}
    work_by: dict[str, int] = {s.id: 0 for s in free.staff}
    for r in routes:
        work_by[r.advisor_id] = work_by.get(r.advisor_id, 0) + r.work_s
    return PlanKpis(
        visits_total=len(free.tasks) + len(free.set_aside),
        served=len(served),
        unassigned=len(unassigned),
        must_unassigned=sum(prio[u.task_id] == "must" for u in left),
        should_unassigned=sum(prio[u.task_id] == "should" for u in left),
        could_unassigned=sum(prio[u.task_id] == "could" for u in left),
        pins_total=len(pins),
        pins_kept=sum(p in served for p in pins),
        made=sum(t.done and t.id in served for t in free.tasks),
        changes=len(changes),
        travel_m=sum(r.travel_m for r in routes),
        travel_s=sum(r.travel_s for r in routes),
        work_s_by_advisor=tuple(sorted(work_by.items())),
        time_limit_s=float(params.time_limit_s or 0.0),
        settled=log.settled(),
    )


def _assemble(work: Work, prep: Prepared, *, engine: str, params: SolveParams, log: SearchLog,
              wall_s: float = 0.0, planner_rules: bool = True) -> Plan:
    """The checked plan: routes, reasons, changes, KPIs, capacity, groups, notices."""
    free = work.free
    routes = _routes(work)
    unassigned = _unassigned(work, prep, params)
    changes = _changes(work, prep, routes, unassigned)
    kpis = _kpis(work, routes, unassigned, changes, params, log)
    missing_idx = [free.task_index(u.task_id) for u in unassigned if u.task_id in {t.id for t in free.tasks}]
    pen = sum(free.tasks[i].drop_cost for i in missing_idx)
    objective = {
        "served": kpis.served,
        "unassigned": len(missing_idx),
        "must_unassigned": kpis.must_unassigned,
        "hard_unassigned": sum(free.tasks[i].penalty is None for i in missing_idx),
        "penalty": pen,
        "travel_s": kpis.travel_s,
        "travel_m": kpis.travel_m,
        "cost": pen + (kpis.travel_s if params.cost == "duration" else kpis.travel_m),
    }
    plan = Plan(
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        engine=engine,
        scenario=free.name,
        week_start=free.week_start,
        estimated=free.estimated,
        objective=objective,
        wall_s=wall_s,
        kpis=kpis,
        changes=changes,
        capacity=capacity_lines(free, unassigned) if unassigned else (),
        groups=group_reasons(free, unassigned),
        notices=prep.notices(free),
        now=free.now,
        history=free.history,
    )
    assert_valid(free, plan, planner_rules=planner_rules)
    return plan


def _search(problem: VisitProblem, params: SolveParams, engine: str, limit: float, cost, log: SearchLog):
    """Run the engine(s): per vehicle, the task indices in order."""
    if engine == "pyvrp":
        from itinerant.visits.engine_pyvrp import solve_pyvrp

        return solve_pyvrp(relax_breaks(problem), params, time_limit_s=limit, log=log)
    if engine == "ortools":
        from itinerant.visits.engine_ortools import solve_ortools

        return solve_ortools(problem, params, time_limit_s=limit, log=log)
    if engine == "pyvrp+ortools":
        from itinerant.visits.engine_ortools import solve_ortools
        from itinerant.visits.engine_pyvrp import solve_pyvrp

        warm = solve_pyvrp(relax_breaks(problem), params, time_limit_s=0.3 * limit, log=log)
        warm = repair_routes(problem, warm)
        warm = insert_unassigned(problem, warm, cost)
        seqs = solve_ortools(problem, params, time_limit_s=0.7 * limit, initial_routes=warm, log=log)
        return _better(problem, cost, repair_routes(problem, seqs), warm)
    raise ValueError(f"engine must be auto, pyvrp or ortools, got {params.engine!r}")


def solve(problem: VisitProblem, params: SolveParams | None = None) -> Plan:
    """Plan the week.

    Parameters
    ----------
    problem
        The problem (see :mod:`itinerant.visits.problem`).
    params
        Engine, time limit (s; None = :func:`default_time_limit`), seed, iterations,
        cost (``duration`` or ``distance``), language, ``freeze_announced``.

    Returns
    -------
    Plan
        Checked routes, every visit left out with a reason, the changes against the
        announced visits, KPIs and the summary.
    """
    params = params or SolveParams()
    t0 = time.perf_counter()
    limit = params.time_limit_s if params.time_limit_s is not None else default_time_limit(len(problem.tasks))
    params = replace(params, time_limit_s=limit)
    det = params.iterations is not None
    prep = prepare(problem, freeze=params.freeze_announced)
    work_problem = problem.replace(tasks=tuple(prep.tasks))
    engine = choose_engine(work_problem, params)
    cost = problem.duration_s if params.cost == "duration" else problem.distance_m
    log = SearchLog(budget_s=None if det else limit, iterations=params.iterations)
    seqs = _search(work_problem, params, engine, limit, cost, log)
    seqs = repair_routes(work_problem, seqs)
    seqs = insert_unassigned(work_problem, seqs, cost)
    seqs = eject_for_priority(work_problem, seqs, cost, _deadline(det, max(0.5, 0.1 * limit)))
    if uses_ortools_features(work_problem):
        # The engines saw the lunch approximately (PyVRP) or with a balance term
        # (OR-Tools): a short exact relocate pass recovers some driving.
        seqs = improve_routes(work_problem, seqs, cost, _deadline(det, min(1.0, 0.1 * limit)))
    work = Work(problem, work_problem, seqs, set(prep.held), frozen=params.freeze_announced)
    _strict(work, prep, cost)
    return _assemble(work, prep, engine=engine, params=params, log=log, wall_s=time.perf_counter() - t0)


def _deadline(deterministic: bool, budget_s: float) -> float:
    return float("inf") if deterministic else time.perf_counter() + budget_s


def _note_taker(work: Work, i: int) -> None:
    """Which visit now holds the announced slot of ``i`` (for the change's why)."""
    slot = work.free.tasks[i].announced
    if slot is None:
        return
    end = slot.start_s + work.free.tasks[i].duration_s
    for k, v in enumerate(work.problem.vehicles):
        if (v.advisor_id, v.date) != (slot.advisor_id, slot.date) or not work.seqs[k]:
            continue
        r = work.route(k)
        for st, j in zip(r.stops if r else (), work.seqs[k]):
            if st.start_s < end and st.end_s > slot.start_s:
                work.bumped[i] = j
                return


def _strict(work: Work, prep: Prepared, cost) -> None:
    """Pins kept, announced visits left out released, no priority inversion (see priority)."""

    def insert(w: Work) -> None:
        w.seqs = insert_unassigned(w.problem, w.seqs, cost)

    enforce_pins(work, insert)
    for i in range(len(work.problem.tasks)):
        if is_pin(work.problem.tasks[i]) and i not in work.served() and i not in prep.aside:
            # A pin free in day or time that the greedy check let through and no day holds.
            prep.aside[i] = ("pin", "ne tient pas avec les autres rendez-vous imposés des mêmes jours : "
                                    "changer l'heure ou le jour")
    served = work.served()
    for i in sorted(work.held):
        if i not in served:
            _note_taker(work, i)
            work.release(i)
    insert(work)
    fix_inversions(work, insert)


def plan_value(problem: VisitProblem, cost, seqs: list[list[int]]) -> int:
    """Cost of the routes ``seqs``: the drop costs of the visits left out plus the driving (``cost``)."""
    served = {i for s in seqs for i in s}
    pen = sum(problem.tasks[i].drop_cost for i in range(len(problem.tasks)) if i not in served)
    tr = 0
    for k, s in enumerate(seqs):
        if s:
            v = problem.vehicles[k]
            locs = [v.start] + [problem.tasks[i].location for i in s] + [v.end]
            tr += sum(int(cost[a, b]) for a, b in itertools.pairwise(locs))
    return pen + tr


def _better(problem, cost, a, b):
    return a if plan_value(problem, cost, a) <= plan_value(problem, cost, b) else b


def _route_cost(problem: VisitProblem, cost, k: int, seq: list[int]) -> int:
    if not seq:
        return 0
    v = problem.vehicles[k]
    locs = [v.start] + [problem.tasks[i].location for i in seq] + [v.end]
    return sum(int(cost[a, b]) for a, b in itertools.pairwise(locs))


def improve_routes(
    problem: VisitProblem, seqs: list[list[int]], cost, deadline: float
) -> list[list[int]]:
    """Relocate and exchange visits while driving cost falls, with exact timing (first improvement)."""
    seqs = [list(s) for s in seqs]
    rc = [_route_cost(problem, cost, k, s) for k, s in enumerate(seqs)]
    tasks = problem.tasks
    allowed = {i: problem.allowed_vehicles(i) for s in seqs for i in s}

    def feasible(k: int, seq: list[int]) -> bool:
        return not seq or schedule_route(problem, problem.vehicles[k], [tasks[i] for i in seq]) is not None

    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for k in range(len(seqs)):
            for pos in range(len(seqs[k])):
                if time.perf_counter() > deadline:
                    return seqs
                if pos >= len(seqs[k]):
                    break
                i = seqs[k][pos]
                rest = seqs[k][:pos] + seqs[k][pos + 1 :]
                rest_cost = _route_cost(problem, cost, k, rest)
                if not feasible(k, rest):
                    continue
                done = False
                for k2 in allowed[i]:
                    base = rest if k2 == k else seqs[k2]
                    for p in range(len(base) + 1):
                        trial = base[:p] + [i] + base[p:]
                        if k2 == k and trial == seqs[k]:
                            continue
                        new = _route_cost(problem, cost, k2, trial)
                        gain = (rc[k] + (0 if k2 == k else rc[k2])) - (new + (0 if k2 == k else rest_cost))
                        if gain <= 0 or not feasible(k2, trial):
                            continue
                        if k2 == k:
                            seqs[k], rc[k] = trial, new
                        else:
                            seqs[k], rc[k] = rest, rest_cost
                            seqs[k2], rc[k2] = trial, new
                        improved = done = True
                        break
                    if done:
                        break
    return seqs


def eject_for_priority(
    problem: VisitProblem, seqs: list[list[int]], cost, deadline: float
) -> list[list[int]]:
    """Serve unassigned visits by ejecting a lower-priority one from a route when that pays.

    A visit ``i`` replaces a served visit ``j`` of smaller penalty (not pinned, not done)
    when the penalty saved exceeds the extra driving; ``j`` is then re-inserted where it
    fits, if anywhere.
    """
    seqs = [list(s) for s in seqs]
    tasks = problem.tasks
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        served = {i for s in seqs for i in s}
        todo = sorted((i for i in range(len(tasks)) if i not in served), key=lambda i: -problem.tasks[i].drop_cost)
        for i in todo:
            if time.perf_counter() > deadline:
                break
            best = None
            for k in problem.allowed_vehicles(i):
                seq = seqs[k]
                old = _route_cost(problem, cost, k, seq)
                for pos, j in enumerate(seq):
                    tj = tasks[j]
                    if problem.tasks[j].drop_cost >= problem.tasks[i].drop_cost or tj.pinned or tj.done:
                        continue
                    rest = seq[:pos] + seq[pos + 1 :]
                    for p in range(len(rest) + 1):
                        trial = rest[:p] + [i] + rest[p:]
                        gain = problem.tasks[i].drop_cost - problem.tasks[j].drop_cost - (
                            _route_cost(problem, cost, k, trial) - old
                        )
                        if gain <= 0 or (best is not None and gain <= best[0]):
                            continue
                        if schedule_route(problem, problem.vehicles[k], [tasks[x] for x in trial]) is None:
                            continue
                        best = (gain, k, trial)
            if best is not None:
                _, k, trial = best
                seqs[k] = trial
                seqs = insert_unassigned(problem, seqs, cost, deadline)
                changed = True
                break
    return seqs
