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
- re-planning today: on a vehicle that opens at now, a visit not yet made starts at or
  after it (a constraint conditional on the task's vehicle);
- an optional warm start (routes of task indices) via ``ReadAssignmentFromRoutes``.
"""

from __future__ import annotations

import itertools
import time as _time

from itinerant.core._ortools import pywrapcp, routing_enums_pb2
from itinerant.visits.problem import HORIZON, SolveParams, VisitProblem
from itinerant.visits.search import SearchLog

_SCALE = 10
"""Arc cost = 10 x cost, so the balance term (1 per second) stays a tie-breaker."""
_HARD_PENALTY = 10**11
ORTOOLS_SOLUTIONS_PER = 10
"""With ``iterations``: OR-Tools stops after iterations / 10 solutions."""


def _usable(problem: VisitProblem):
    """Tasks with a compatible vehicle and a usable window: (indices, windows, vehicles)."""
    usable, eff, allowed = [], {}, {}
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
    return usable, eff, allowed


class _Model:
    """The routing model of a problem: nodes (depots, then usable tasks), callbacks, time."""

    def __init__(self, problem: VisitProblem, params: SolveParams):
        self.problem = problem
        self.usable, self.eff, self.allowed = _usable(problem)
        depot_locs = sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
        self.n_dep = len(depot_locs)
        node_loc = list(depot_locs) + [problem.tasks[i].location for i in self.usable]
        self.node_task = [-1] * self.n_dep + self.usable
        dep_node = {loc: k for k, loc in enumerate(depot_locs)}
        starts = [dep_node[v.start] for v in problem.vehicles]
        ends = [dep_node[v.end] for v in problem.vehicles]
        self.manager = pywrapcp.RoutingIndexManager(len(node_loc), len(problem.vehicles), starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        D = problem.duration_s
        C = problem.duration_s if params.cost == "duration" else problem.distance_m
        self.service = [0 if k < 0 else int(problem.tasks[k].duration_s) for k in self.node_task]
        dmat = D[node_loc][:, node_loc].astype(int).tolist()
        cmat = (C[node_loc][:, node_loc].astype(int) * _SCALE).tolist()
        manager, service = self.manager, self.service

        def time_cb(a: int, b: int) -> int:
            i, j = manager.IndexToNode(a), manager.IndexToNode(b)
            return dmat[i][j] + service[i]

        def cost_cb(a: int, b: int) -> int:
            return cmat[manager.IndexToNode(a)][manager.IndexToNode(b)]

        self._callbacks = (time_cb, cost_cb)  # keep them alive
        t_cb = self.routing.RegisterTransitCallback(time_cb)
        c_cb = self.routing.RegisterTransitCallback(cost_cb)
        self.routing.SetArcCostEvaluatorOfAllVehicles(c_cb)
        finite = [v.end_s for v in problem.vehicles if v.end_s < HORIZON]
        finite += [c for w in self.eff.values() for _, c in w if c < HORIZON]
        horizon = int(max(finite, default=0) + int(D.max(initial=0)) + sum(service) + 1)
        self.horizon = min(horizon, HORIZON)
        self.routing.AddDimension(t_cb, self.horizon, self.horizon, False, "time")
        self.time = self.routing.GetDimensionOrDie("time")

    def add_vehicles(self, balance: int) -> None:
        """Shifts, working time, fixed costs and the soft end that evens the days out."""
        time, routing, horizon = self.time, self.routing, self.horizon
        for v_idx, v in enumerate(self.problem.vehicles):
            s_idx, e_idx = routing.Start(v_idx), routing.End(v_idx)
            time.CumulVar(s_idx).SetRange(int(v.start_s), int(min(v.end_s, horizon)))
            time.CumulVar(e_idx).SetRange(int(v.start_s), int(min(v.end_s, horizon)))
            if v.max_work_s is not None:
                extra = v.lunch.duration_s if v.lunch is not None else 0
                time.SetSpanUpperBoundForVehicle(int(v.max_work_s + extra), v_idx)
            if v.fixed_cost:
                routing.SetFixedCostOfVehicle(int(v.fixed_cost) * _SCALE, v_idx)
            if balance and v.end_s < HORIZON:
                span = v.max_work_s if v.max_work_s is not None else v.end_s - v.start_s
                time.SetCumulVarSoftUpperBound(e_idx, int(v.start_s + 0.5 * span), int(balance))
            routing.AddVariableMinimizedByFinalizer(time.CumulVar(s_idx))
            routing.AddVariableMinimizedByFinalizer(time.CumulVar(e_idx))

    def add_tasks(self) -> list[int]:
        """Windows, allowed vehicles and penalties; returns the service transit per index."""
        routing, manager, time = self.routing, self.manager, self.time
        n_veh = len(self.problem.vehicles)
        node_visit_transit = [0] * routing.Size()
        for node in range(self.n_dep, len(self.node_task)):
            i = self.node_task[node]
            index = manager.NodeToIndex(node)
            node_visit_transit[index] = self.service[node]
            wins = self.eff[i]
            cv = time.CumulVar(index)
            cv.SetRange(int(wins[0][0]), int(wins[-1][1]))
            for (_o1, c1), (o2, _c2) in itertools.pairwise(wins):
                if c1 + 1 <= o2 - 1:
                    cv.RemoveInterval(int(c1 + 1), int(o2 - 1))
            if len(self.allowed[i]) < n_veh:
                # SetAllowedVehiclesForIndex's absl::Span argument is not wrapped in the
                # 9.15 Python wheel; restricting the vehicle variable is equivalent.
                routing.VehicleVar(index).SetValues([-1, *map(int, self.allowed[i])])
            pen = self.problem.tasks[i].penalty
            routing.AddDisjunction([index], int(_HARD_PENALTY if pen is None else pen * _SCALE))
            self._open_from(i, index, cv)
        return node_visit_transit

    def _open_from(self, i: int, index: int, cumul) -> None:
        """Re-planning today: a visit not yet made starts at or after now on today's vehicles."""
        if self.problem.tasks[i].done:
            return
        solver = self.routing.solver()
        for k in self.allowed[i]:
            opening = self.problem.vehicles[k].open_from_s
            if opening is not None and opening < HORIZON:
                on_k = solver.IsEqualCstVar(self.routing.VehicleVar(index), int(k))
                solver.Add(cumul >= on_k * int(opening))

    def add_breaks(self, node_visit_transit: list[int]) -> None:
        """Lunch as a fixed-duration interval floating in its window."""
        solver = self.routing.solver()
        for v_idx, v in enumerate(self.problem.vehicles):
            if v.lunch is None:
                continue
            lu = v.lunch
            iv = solver.FixedDurationIntervalVar(
                int(lu.earliest_s), int(lu.latest_end_s - lu.duration_s), int(lu.duration_s), False,
                f"lunch {v.id}",
            )
            self.time.SetBreakIntervalsOfVehicle([iv], v_idx, node_visit_transit)

    def solve(self, sp, initial_routes: list[list[int]] | None):
        """Search (from the initial routes when given); the assignment or None."""
        routing, manager = self.routing, self.manager
        if initial_routes:
            node_of_task = {self.node_task[n]: n for n in range(self.n_dep, len(self.node_task))}
            init = [[manager.NodeToIndex(node_of_task[i]) for i in r if i in node_of_task]
                    for r in initial_routes]
            routing.CloseModelWithParameters(sp)
            start = routing.ReadAssignmentFromRoutes(init, True)
            if start is not None:
                found = routing.SolveFromAssignmentWithParameters(start, sp)
                if found is not None:
                    return found
        return routing.SolveWithParameters(sp)

    def routes(self, assignment) -> list[list[int]]:
        """Per vehicle, the task indices in order."""
        routing = self.routing
        out = []
        for v_idx in range(len(self.problem.vehicles)):
            idx = assignment.Value(routing.NextVar(routing.Start(v_idx)))
            seq = []
            while not routing.IsEnd(idx):
                seq.append(self.node_task[self.manager.IndexToNode(idx)])
                idx = assignment.Value(routing.NextVar(idx))
            out.append(seq)
        return out


def _search_parameters(limit_s: float, iterations: int | None):
    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    sp.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    if iterations is not None:
        # Deterministic: no time limit. A routing "solution" costs far more than a PyVRP
        # iteration (each is an improving local-search move over the whole model).
        sp.solution_limit = max(1, int(iterations) // ORTOOLS_SOLUTIONS_PER)
    else:
        sp.time_limit.FromMilliseconds(max(50, int(limit_s * 1000)))
    return sp


def solve_ortools(
    problem: VisitProblem,
    params: SolveParams,
    *,
    time_limit_s: float | None = None,
    initial_routes: list[list[int]] | None = None,
    log: SearchLog | None = None,
) -> list[list[int]]:
    """Solve with OR-Tools; return, per vehicle, the visited task indices in order.

    Stops after ``time_limit_s`` seconds, or after ``params.iterations / 10`` solutions
    when set (single-threaded routing is then deterministic).
    """
    n_veh = len(problem.vehicles)
    if not n_veh:
        return []
    model = _Model(problem, params)
    model.add_vehicles(params.balance)
    model.add_breaks(model.add_tasks())
    limit = params.time_limit_s if time_limit_s is None else time_limit_s
    limit = 10.0 if limit is None else limit
    iterations = params.iterations
    t0 = _time.perf_counter()
    seen = [0.0]
    model.routing.AddAtSolutionCallback(lambda: seen.__setitem__(0, _time.perf_counter() - t0))
    # Restoring initial routes (ReadAssignmentFromRoutes) is a search of its own that only
    # the time limit bounds: with lunches it ran for minutes when stopped by solutions.
    assignment = model.solve(_search_parameters(limit, iterations), initial_routes if iterations is None else None)
    if log is not None:
        run = _time.perf_counter() - t0
        log.runs.append((seen[0] / run if run > 0 else 0.0, run))
    if assignment is None:
        return [[] for _ in range(n_veh)]
    return model.routes(assignment)
