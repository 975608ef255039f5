"""OR-Tools routing engine: breaks, pinned visits, allowed vehicles, several windows.

Model (pywrapcp, through :mod:`itinerant.core._ortools`):
- one node per depot site and one per task; vehicles start/end at their sites;
- a "time" dimension whose cumul at a task is the start of service (transit =
  service at the origin + travel); windows via ``SetRange`` + ``RemoveInterval``;
- shifts via start/end cumul ranges, working time via the span upper bound;
- lunch as ``FixedDurationIntervalVar`` + ``SetBreakIntervalsOfVehicle``;
- allowed vehicles via ``VehicleVar(index).SetValues`` (the wheel's
  ``SetAllowedVehiclesForIndex`` cannot take a Python list); priorities as disjunction
  penalties; a soft upper bound on each day's end evens the days out;
- an optional warm start (routes of task indices) via ``ReadAssignmentFromRoutes``.
"""

from __future__ import annotations

from itinerant.core._ortools import pywrapcp, routing_enums_pb2
from itinerant.visits.problem import HORIZON, SolveParams, VisitProblem

_SCALE = 10
"""Arc cost = 10 x cost, so the balance term (1 per second) stays a tie-breaker."""
_HARD_PENALTY = 10**11


def solve_ortools(
    problem: VisitProblem,
    params: SolveParams,
    *,
    time_limit_s: float | None = None,
    initial_routes: list[list[int]] | None = None,
) -> list[list[int]]:
    """Solve with OR-Tools; return, per vehicle, the visited task indices in order."""
    n_veh = len(problem.vehicles)
    out: list[list[int]] = [[] for _ in range(n_veh)]
    if not n_veh:
        return out
    D = problem.duration_s
    C = problem.duration_s if params.cost == "duration" else problem.distance_m

    usable = []
    eff = {}
    allowed = {}
    for i, t in enumerate(problem.tasks):
        wins = []
        for o, c in t.windows:
            if t.end_in_window:
                c -= t.duration_s
            if o <= c:
                wins.append((o, min(c, HORIZON)))
        al = problem.allowed_vehicles(i)
        if wins and al:
            usable.append(i)
            eff[i] = wins
            allowed[i] = al

    depot_locs = sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
    node_loc = list(depot_locs) + [problem.tasks[i].location for i in usable]
    node_task = [-1] * len(depot_locs) + usable
    dep_node = {loc: k for k, loc in enumerate(depot_locs)}
    starts = [dep_node[v.start] for v in problem.vehicles]
    ends = [dep_node[v.end] for v in problem.vehicles]
    manager = pywrapcp.RoutingIndexManager(len(node_loc), n_veh, starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    service = [0 if k < 0 else int(problem.tasks[k].duration_s) for k in node_task]
    dmat = D[node_loc][:, node_loc].astype(int).tolist()
    cmat = (C[node_loc][:, node_loc].astype(int) * _SCALE).tolist()

    def time_cb(a: int, b: int) -> int:
        i, j = manager.IndexToNode(a), manager.IndexToNode(b)
        return dmat[i][j] + service[i]

    def cost_cb(a: int, b: int) -> int:
        return cmat[manager.IndexToNode(a)][manager.IndexToNode(b)]

    t_cb = routing.RegisterTransitCallback(time_cb)
    c_cb = routing.RegisterTransitCallback(cost_cb)
    routing.SetArcCostEvaluatorOfAllVehicles(c_cb)

    finite = [v.end_s for v in problem.vehicles if v.end_s < HORIZON]
    finite += [c for w in eff.values() for _, c in w if c < HORIZON]
    horizon = int(max(finite, default=0) + int(D.max(initial=0)) + sum(service) + 1)
    horizon = min(horizon, HORIZON)
    routing.AddDimension(t_cb, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")

    for v_idx, v in enumerate(problem.vehicles):
        s_idx, e_idx = routing.Start(v_idx), routing.End(v_idx)
        time.CumulVar(s_idx).SetRange(int(v.start_s), int(min(v.end_s, horizon)))
        time.CumulVar(e_idx).SetRange(int(v.start_s), int(min(v.end_s, horizon)))
        if v.max_work_s is not None:
            extra = v.lunch.duration_s if v.lunch is not None else 0
            time.SetSpanUpperBoundForVehicle(int(v.max_work_s + extra), v_idx)
        if v.fixed_cost:
            routing.SetFixedCostOfVehicle(int(v.fixed_cost) * _SCALE, v_idx)
        if params.balance and v.end_s < HORIZON:
            span = (v.max_work_s if v.max_work_s is not None else v.end_s - v.start_s)
            target = int(v.start_s + 0.5 * span)
            time.SetCumulVarSoftUpperBound(e_idx, target, int(params.balance))

    node_visit_transit = [0] * routing.Size()
    for node in range(len(depot_locs), len(node_loc)):
        i = node_task[node]
        index = manager.NodeToIndex(node)
        node_visit_transit[index] = service[node]
        wins = eff[i]
        cv = time.CumulVar(index)
        cv.SetRange(int(wins[0][0]), int(wins[-1][1]))
        for (o1, c1), (o2, c2) in zip(wins, wins[1:]):
            if c1 + 1 <= o2 - 1:
                cv.RemoveInterval(int(c1 + 1), int(o2 - 1))
        if len(allowed[i]) < n_veh:
            # SetAllowedVehiclesForIndex's absl::Span argument is not wrapped in the
            # 9.15 Python wheel; restricting the vehicle variable is equivalent.
            routing.VehicleVar(index).SetValues([-1, *map(int, allowed[i])])
        pen = problem.tasks[i].penalty
        routing.AddDisjunction([index], int(_HARD_PENALTY if pen is None else pen * _SCALE))

    solver = routing.solver()
    for v_idx, v in enumerate(problem.vehicles):
        if v.lunch is None:
            continue
        lu = v.lunch
        iv = solver.FixedDurationIntervalVar(
            int(lu.earliest_s), int(lu.latest_end_s - lu.duration_s), int(lu.duration_s), False,
            f"lunch {v.id}",
        )
        time.SetBreakIntervalsOfVehicle([iv], v_idx, node_visit_transit)

    for v_idx in range(n_veh):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.Start(v_idx)))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v_idx)))

    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    sp.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    limit = params.time_limit_s if time_limit_s is None else time_limit_s
    sp.time_limit.FromMilliseconds(max(50, int(limit * 1000)))

    assignment = None
    if initial_routes:
        node_of_task = {node_task[n]: n for n in range(len(depot_locs), len(node_loc))}
        init = [[manager.NodeToIndex(node_of_task[i]) for i in r if i in node_of_task]
                for r in initial_routes]
        init = [[idx for idx in r] for r in init]
        routing.CloseModelWithParameters(sp)
        start = routing.ReadAssignmentFromRoutes(init, True)
        if start is not None:
            assignment = routing.SolveFromAssignmentWithParameters(start, sp)
    if assignment is None:
        assignment = routing.SolveWithParameters(sp)
    if assignment is None:
        return out
    for v_idx in range(n_veh):
        idx = assignment.Value(routing.NextVar(routing.Start(v_idx)))
        seq = []
        while not routing.IsEnd(idx):
            seq.append(node_task[manager.IndexToNode(idx)])
            idx = assignment.Value(routing.NextVar(idx))
        out[v_idx] = seq
    return out
