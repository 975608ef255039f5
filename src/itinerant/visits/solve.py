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
with lunch breaks a short exact relocate pass (:func:`improve_routes`) follows;
each remaining one gets a reason; the plan passes :func:`itinerant.visits.check.assert_valid`.
"""

from __future__ import annotations

import time
from dataclasses import replace

from itinerant.visits.check import assert_valid
from itinerant.visits.problem import Plan, Route, SolveParams, Unassigned, VisitProblem
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


def _penalty(problem: VisitProblem, i: int) -> int:
    p = problem.tasks[i].penalty
    return 10**12 if p is None else p


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
            best = None
            for pos, i in enumerate(clean):
                trial = clean[:pos] + clean[pos + 1 :]
                ok = schedule_route(problem, v, [problem.tasks[j] for j in trial]) is not None
                key = (not ok, _penalty(problem, i))
                if best is None or key < best[0]:
                    best = (key, pos)
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
        key=lambda i: -_penalty(problem, i),
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
) -> Plan:
    """Time feasible sequences, explain the unassigned, check and return the plan."""
    from itinerant.visits.reasons import explain_unassigned

    params = params or SolveParams()
    routes: list[Route] = []
    for k, seq in enumerate(seqs):
        if not seq:
            continue
        r = schedule_route(problem, problem.vehicles[k], [problem.tasks[i] for i in seq])
        if r is None:
            from itinerant.core.errors import SolverError

            raise SolverError(f"la tournée {problem.vehicles[k].id} n'a pas d'horaire faisable")
        routes.append(r)
    served = {i for s in seqs for i in s}
    missing = [i for i in range(len(problem.tasks)) if i not in served]
    if params.reasons and missing:
        why = explain_unassigned(problem, seqs, missing, language=params.language)
    else:
        why = {i: ("", "") for i in missing}
    unassigned = tuple(
        Unassigned(task_id=problem.tasks[i].id, reason=why[i][1], code=why[i][0]) for i in missing
    )
    travel_s = sum(r.travel_s for r in routes)
    travel_m = sum(r.travel_m for r in routes)
    pen = sum(_penalty(problem, i) for i in missing)
    objective = {
        "served": len(served),
        "unassigned": len(missing),
        "must_unassigned": sum(problem.tasks[i].priority == "must" for i in missing),
        "hard_unassigned": sum(problem.tasks[i].penalty is None for i in missing),
        "penalty": pen,
        "travel_s": travel_s,
        "travel_m": travel_m,
        "cost": pen + (travel_s if params.cost == "duration" else travel_m),
    }
    plan = Plan(
        routes=tuple(routes),
        unassigned=unassigned,
        engine=engine,
        scenario=problem.name,
        week_start=problem.week_start,
        estimated=problem.estimated,
        objective=objective,
        wall_s=wall_s,
    )
    assert_valid(problem, plan)
    return plan


def solve(problem: VisitProblem, params: SolveParams | None = None) -> Plan:
    """Plan the week.

    Parameters
    ----------
    problem
        The problem (see :mod:`itinerant.visits.problem`).
    params
        Engine, time limit (s), seed, cost (``duration`` or ``distance``), language.

    Returns
    -------
    Plan
        Checked routes, and every visit left out with a reason.
    """
    params = params or SolveParams()
    t0 = time.perf_counter()
    engine = choose_engine(problem, params)
    limit = params.time_limit_s
    cost = problem.duration_s if params.cost == "duration" else problem.distance_m
    if engine == "pyvrp":
        from itinerant.visits.engine_pyvrp import solve_pyvrp

        seqs = solve_pyvrp(relax_breaks(problem), params, time_limit_s=limit)
    elif engine == "ortools":
        from itinerant.visits.engine_ortools import solve_ortools

        seqs = solve_ortools(problem, params, time_limit_s=limit)
    elif engine == "pyvrp+ortools":
        from itinerant.visits.engine_ortools import solve_ortools
        from itinerant.visits.engine_pyvrp import solve_pyvrp

        warm = solve_pyvrp(relax_breaks(problem), params, time_limit_s=0.3 * limit)
        warm = repair_routes(problem, warm)
        warm = insert_unassigned(problem, warm, cost)
        seqs = solve_ortools(problem, params, time_limit_s=0.7 * limit, initial_routes=warm)
        seqs = _better(problem, cost, repair_routes(problem, seqs), warm)
    else:
        raise ValueError(f"engine must be auto, pyvrp or ortools, got {params.engine!r}")
    seqs = repair_routes(problem, seqs)
    seqs = insert_unassigned(problem, seqs, cost)
    seqs = eject_for_priority(problem, seqs, cost, time.perf_counter() + max(0.5, 0.1 * limit))
    if uses_ortools_features(problem):
        # The engines saw the lunch approximately (PyVRP) or with a balance term
        # (OR-Tools): a short exact relocate pass recovers some driving.
        budget = min(1.0, 0.1 * limit)
        seqs = improve_routes(problem, seqs, cost, time.perf_counter() + budget)
    plan = plan_from_sequences(problem, seqs, engine=engine, params=params)
    return replace(plan, wall_s=time.perf_counter() - t0)  # reasons included


def _value(problem: VisitProblem, cost, seqs: list[list[int]]) -> int:
    served = {i for s in seqs for i in s}
    pen = sum(_penalty(problem, i) for i in range(len(problem.tasks)) if i not in served)
    tr = 0
    for k, s in enumerate(seqs):
        if s:
            v = problem.vehicles[k]
            locs = [v.start] + [problem.tasks[i].location for i in s] + [v.end]
            tr += sum(int(cost[a, b]) for a, b in zip(locs, locs[1:]))
    return pen + tr


def _better(problem, cost, a, b):
    return a if _value(problem, cost, a) <= _value(problem, cost, b) else b


def _route_cost(problem: VisitProblem, cost, k: int, seq: list[int]) -> int:
    if not seq:
        return 0
    v = problem.vehicles[k]
    locs = [v.start] + [problem.tasks[i].location for i in seq] + [v.end]
    return sum(int(cost[a, b]) for a, b in zip(locs, locs[1:]))


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
        todo = sorted((i for i in range(len(tasks)) if i not in served), key=lambda i: -_penalty(problem, i))
        for i in todo:
            if time.perf_counter() > deadline:
                break
            best = None
            for k in problem.allowed_vehicles(i):
                seq = seqs[k]
                old = _route_cost(problem, cost, k, seq)
                for pos, j in enumerate(seq):
                    tj = tasks[j]
                    if _penalty(problem, j) >= _penalty(problem, i) or tj.pinned or tj.done:
                        continue
                    rest = seq[:pos] + seq[pos + 1 :]
                    for p in range(len(rest) + 1):
                        trial = rest[:p] + [i] + rest[p:]
                        gain = _penalty(problem, i) - _penalty(problem, j) - (
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
