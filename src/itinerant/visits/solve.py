"""``solve(problem, params) -> Plan``: engine choice, exact timing, repair, reasons, check.

Engine choice (``params.engine == "auto"``):
- no lunch break, one window per task, no fixed start time -> ``pyvrp``;
- otherwise -> ``ortools`` (breaks, several windows, pinned times), warm-started by
  PyVRP on the problem with the lunch relaxed when ``params.warm_start`` is set
  (the plan's engine is then ``pyvrp+ortools``).
Whatever the engine, each route's sequence is timed exactly by
:func:`~itinerant.visits.timing.schedule_route`; routes that do not time are repaired by
dropping their cheapest visits; then unassigned visits are inserted greedily where
they fit; each remaining one gets a reason; the plan passes :func:`itinerant.check.assert_valid`.
"""

from __future__ import annotations

import time
from dataclasses import replace

from itinerant.check import assert_valid
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
    """Greedily insert unserved tasks (highest penalty first) at their cheapest feasible place."""
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
            for p in range(len(seq) + 1):
                a, b = locs[p], locs[p + 1]
                d = int(cost[a, t.location]) + int(cost[t.location, b]) - int(cost[a, b])
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
            from itinerant.errors import SolverError

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
    return plan_from_sequences(
        problem, seqs, engine=engine, params=params, wall_s=time.perf_counter() - t0
    )


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
