"""PyVRP engine: the only module that imports pyvrp.

Encoding of the problem in PyVRP 0.14:
- one PyVRP location per vehicle depot site and one per (task, window) client;
- a task with several windows becomes one client per window, in a mutually
  exclusive client group (served at most once, exactly once if hard);
- optional tasks carry their penalty as prize; hard tasks are required;
- allowed vehicles (day, skill, advisor, date) become routing *profiles*: each
  distinct allowed set gets a copy of the cost matrix where arcs into forbidden
  clients cost more than any prize; vehicles with the same shift, sites and allowed
  set share a vehicle type;
- lunch breaks are not modelled (PyVRP has none): the caller relaxes them (see
  :func:`relax_breaks`) and the exact timing/repair happens afterwards;
- fleet minimisation: when some vehicle has ``fixed_cost > 0`` the objective is read
  as *vehicles first, then cost*: after a first solve, PyVRP is re-run with one
  vehicle fewer while it finds a feasible solution serving every task, and the best
  fleet is polished with the time left (:func:`_minimise_fleet`). A fixed cost, even
  small, thus means "as few vehicles as possible". Without fixed costs: one solve.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyvrp import (
    Client,
    ClientGroup,
    Depot,
    Location,
    ProblemData,
    Route,
    Solution,
    VehicleType,
)
from pyvrp import solve as pyvrp_solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from itinerant.visits.problem import HORIZON, SolveParams, Vehicle, VisitProblem
from itinerant.visits.search import SearchLog, Stop

_INF = np.iinfo(np.int64).max
# Fleet minimisation (vehicles with a fixed cost): share of the budget of the first solve,
# and share of the time left that one attempt with a vehicle fewer may use.
_FIRST = 0.3
_TRY = 0.5


def _eff_windows(task) -> list[tuple[int, int]]:
    out = []
    for o, c in task.windows:
        if task.end_in_window:
            c -= task.duration_s
        if o <= c:
            out.append((o, c))
    return out


@dataclass(frozen=True)
class _Encoding:
    """The problem as PyVRP data, and the maps back to tasks and vehicles.

    Client ``c`` serves task ``client_task[c]``; vehicle type ``vt`` holds the problem's
    vehicles ``members[vt]`` and may visit clients ``type_allowed[vt]``.
    """

    data: ProblemData
    client_task: list[int]
    members: list[list[int]]
    type_allowed: list[frozenset[int]]


def _clients(problem: VisitProblem, usable: list[int], has_cap: bool, first_loc: int):
    """One PyVRP client per (task, usable window); a task with several windows is a group."""
    clients: list[Client] = []
    client_task: list[int] = []
    groups: list[ClientGroup] = []
    client_loc: list[int] = []  # problem location of each client
    for i in usable:
        t = problem.tasks[i]
        wins = _eff_windows(t)
        hard = t.penalty is None
        gidx = None
        if len(wins) > 1:
            gidx = len(groups)
            groups.append(ClientGroup([], required=hard))
        for o, c in wins:
            cidx = len(clients)
            clients.append(
                Client(
                    location=first_loc + cidx,
                    delivery=[int(t.demand)] if has_cap else [],
                    service_duration=int(t.duration_s),
                    tw_early=int(o),
                    tw_late=int(min(c, HORIZON)),
                    prize=0 if hard else int(t.penalty),  # type: ignore[arg-type]
                    required=hard and gidx is None,
                    group=gidx,
                )
            )
            client_task.append(i)
            client_loc.append(t.location)
            if gidx is not None:
                groups[gidx].add_client(cidx)
    return clients, client_task, groups, client_loc


def _profiles(base_cost: np.ndarray, n_dep: int, n_clients: int, veh_allowed, big: int):
    """One cost matrix per distinct allowed set: arcs into forbidden clients cost ``big``."""
    profile_of: dict[frozenset[int], int] = {}
    cost_mats: list[np.ndarray] = []
    all_clients = frozenset(range(n_clients))
    for key in veh_allowed:
        if key in profile_of:
            continue
        profile_of[key] = len(cost_mats)
        m = base_cost.copy()
        forbidden = [n_dep + c for c in all_clients - key]
        if forbidden:
            m[:, forbidden] = big
            np.fill_diagonal(m, 0)
        cost_mats.append(m)
    return profile_of, cost_mats


def _vehicle_types(problem: VisitProblem, veh_allowed, profile_of, depot_index, has_cap):
    """Vehicles with identical attributes share a type: (types, members per type)."""

    def sig(v: Vehicle, key: frozenset[int]):
        return (v.start, v.end, v.start_s, v.end_s, v.max_work_s, v.capacity, v.fixed_cost, key)

    type_of: dict[tuple, int] = {}
    members: list[list[int]] = []
    for k, v in enumerate(problem.vehicles):
        s = sig(v, veh_allowed[k])
        if s not in type_of:
            type_of[s] = len(members)
            members.append([])
        members[type_of[s]].append(k)
    vtypes = []
    for ks in members:
        v = problem.vehicles[ks[0]]
        vtypes.append(
            VehicleType(
                num_available=len(ks),
                capacity=[int(v.capacity if v.capacity is not None else 10**12)] if has_cap else [],
                start_depot=depot_index[v.start],
                end_depot=depot_index[v.end],
                fixed_cost=int(v.fixed_cost),
                tw_early=int(v.start_s),
                tw_late=int(min(v.end_s, HORIZON)),
                shift_duration=int(v.max_work_s) if v.max_work_s is not None else _INF,
                unit_distance_cost=1,
                unit_duration_cost=0,
                profile=profile_of[veh_allowed[ks[0]]],
                name=v.id,
            )
        )
    return vtypes, members


def _encode(problem: VisitProblem, params: SolveParams, usable: list[int], allowed) -> _Encoding:
    """The PyVRP data of the problem (see the module docstring)."""
    depot_locs = sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
    depot_index = {loc: k for k, loc in enumerate(depot_locs)}
    has_cap = any(v.capacity is not None for v in problem.vehicles)
    clients, client_task, groups, client_loc = _clients(problem, usable, has_cap, len(depot_locs))
    idx = np.asarray(list(depot_locs) + client_loc)
    cost_src = problem.duration_s if params.cost == "duration" else problem.distance_m
    base_cost = np.asarray(cost_src)[np.ix_(idx, idx)].astype(np.int64)
    base_dur = np.asarray(problem.duration_s)[np.ix_(idx, idx)].astype(np.int64)
    max_prize = max((c.prize for c in clients), default=0)
    big = int(4 * max_prize + 4 * int(base_cost.max(initial=0)) + 10**8)

    per_vehicle: list[list[int]] = [[] for _ in problem.vehicles]
    for c, i in enumerate(client_task):
        for k in allowed[i]:
            per_vehicle[k].append(c)
    veh_allowed = [frozenset(cs) for cs in per_vehicle]
    profile_of, cost_mats = _profiles(base_cost, len(depot_locs), len(clients), veh_allowed, big)
    vtypes, members = _vehicle_types(problem, veh_allowed, profile_of, depot_index, has_cap)
    data = ProblemData(
        locations=[Location(0, 0) for _ in idx],
        clients=clients,
        depots=[Depot(location=k) for k in range(len(depot_locs))],
        vehicle_types=vtypes,
        distance_matrices=cost_mats,
        duration_matrices=[base_dur] * len(cost_mats),
        groups=groups,
    )
    return _Encoding(data, client_task, members, [veh_allowed[ks[0]] for ks in members])


def solve_pyvrp(
    problem: VisitProblem,
    params: SolveParams,
    *,
    time_limit_s: float | None = None,
    log: SearchLog | None = None,
) -> list[list[int]]:
    """Solve with PyVRP; return, per vehicle, the visited task indices in order.

    Lunch breaks are ignored here (see the module docstring); tasks with no
    compatible vehicle or no usable window are left out. When a vehicle has a fixed
    cost, the number of vehicles is minimised first (:func:`_minimise_fleet`); the
    whole search keeps to ``time_limit_s`` (s, wall clock), or stops after
    ``params.iterations`` iterations when set (same seed, same result).
    """
    n_veh = len(problem.vehicles)
    routes: list[list[int]] = [[] for _ in range(n_veh)]
    allowed = [problem.allowed_vehicles(i) for i in range(len(problem.tasks))]
    usable = [i for i, t in enumerate(problem.tasks) if allowed[i] and _eff_windows(t)]
    if not usable or not n_veh:
        return routes
    enc = _encode(problem, params, usable, allowed)
    limit = params.time_limit_s if time_limit_s is None else time_limit_s
    limit = 10.0 if limit is None else limit
    with warnings.catch_warnings():
        # Raised when prizes dwarf the time-warp penalty cap; the plan is repaired anyway.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        if any(v.fixed_cost > 0 for v in problem.vehicles):
            fleet = _Fleet(
                client_task=enc.client_task,
                n_tasks=len(set(enc.client_task)),
                type_allowed=enc.type_allowed,
            )
            best, type_map = _minimise_fleet(enc.data, params.seed, limit, fleet)
        else:
            stop = Stop(max(0.05, limit), params.iterations, log)
            best = pyvrp_solve(enc.data, stop, seed=params.seed, collect_stats=False, display=False).best
            stop.record()
            type_map = list(range(len(enc.members)))
    used = [0] * len(enc.members)
    for r in best.routes():
        vt = type_map[r.vehicle_type()]
        k = enc.members[vt][used[vt]]
        used[vt] += 1
        routes[k] = [enc.client_task[a.idx] for a in r if a.is_client()]
    return routes


class _FeasibleOrTimeout:
    """PyVRP stopping criterion: stop at the first feasible solution, or after ``max_s``."""

    def __init__(self, max_s: float):
        self._end = time.perf_counter() + max_s

    def __call__(self, best_cost: int) -> bool:
        return best_cost < _INF or time.perf_counter() > self._end


@dataclass(frozen=True)
class _Fleet:
    """What fleet minimisation needs to know of the encoding.

    Client ``c`` serves task ``client_task[c]``; ``n_tasks`` tasks have a client;
    ``type_allowed[vt]`` is the set of clients vehicle type ``vt`` may visit.
    """

    client_task: list[int]
    n_tasks: int
    type_allowed: list[frozenset[int]]


def _all_served(sol: Solution, fleet: _Fleet, type_map: list[int]) -> bool:
    """Feasible, every task served, and no client on a vehicle type that may not visit it.

    ``type_map[vt]`` is the original vehicle type of type ``vt`` of ``sol``'s data.
    """
    if not sol.is_feasible():
        return False
    served = set()
    for r in sol.routes():
        ok = fleet.type_allowed[type_map[r.vehicle_type()]]
        for a in r:
            if a.is_client():
                if a.idx not in ok:
                    return False
                served.add(fleet.client_task[a.idx])
    return len(served) == fleet.n_tasks


def _routes_of(sol: Solution) -> list[tuple[int, list[int]]]:
    return [(r.vehicle_type(), [a.idx for a in r if a.is_client()]) for r in sol.routes()]


def _one_fewer(data: ProblemData, sol: Solution) -> list[int]:
    """``num_available`` per vehicle type of ``data`` for one vehicle fewer than ``sol`` uses.

    Every type keeps the number of routes it has in ``sol``, except the type of the route
    with the fewest clients, which loses one (0 means: drop the type).
    """
    routes = _routes_of(sol)
    drop = min(range(len(routes)), key=lambda j: len(routes[j][1]))
    avail = [0] * data.num_vehicle_types
    for j, (vt, _) in enumerate(routes):
        avail[vt] += j != drop
    return avail


def _minimise_fleet(
    data: ProblemData, seed: int, limit: float, fleet: _Fleet
) -> tuple[Solution, list[int]]:
    """Vehicles first, then cost: solve, then re-solve with one vehicle fewer while that works.

    A first solve gets ``_FIRST`` (30 %) of ``limit`` (s, wall clock). While the best
    solution serves every task and time remains, the fleet is capped at its route count
    minus one (see :func:`_one_fewer`; vehicle types left with no vehicle are removed
    from the data) and PyVRP searches from a fresh start until it finds a feasible
    solution, or ``_TRY`` (half) of the remaining time has passed. A success serving
    every task becomes the best and the next cap is tried; a failure ends the loop.
    The rest of the time polishes the best at its fleet size, warm-started by it
    (PyVRP never returns worse than its start, so the result is never worse).

    Returns the best solution and, per vehicle type of its data, the type of ``data``.
    """
    end = time.perf_counter() + max(0.05, limit)

    def left() -> float:
        return end - time.perf_counter()

    kw: dict[str, Any] = {"collect_stats": False, "display": False}
    best_data, best_map = data, list(range(data.num_vehicle_types))
    best = pyvrp_solve(data, MaxRuntime(max(0.05, _FIRST * limit)), seed=seed, **kw).best
    while _all_served(best, fleet, best_map) and best.num_routes() > 1 and left() > 0.1:
        avail = _one_fewer(best_data, best)
        keep = [vt for vt, a in enumerate(avail) if a > 0]
        types = [best_data.vehicle_types()[vt].replace(num_available=avail[vt]) for vt in keep]
        cand_data = data.replace(vehicle_types=types)
        cand_map = [best_map[vt] for vt in keep]
        # A fresh start (PyVRP's random solution and local search) found the smaller
        # fleets more often than the best routes with a route's clients reinserted.
        res = pyvrp_solve(cand_data, _FeasibleOrTimeout(_TRY * left()), seed=seed, **kw)
        if not _all_served(res.best, fleet, cand_map):
            break
        best_data, best, best_map = cand_data, res.best, cand_map
    if left() > 0.05:
        init = Solution(best_data, [Route(best_data, seq, vt) for vt, seq in _routes_of(best)])
        res = pyvrp_solve(best_data, MaxRuntime(left()), seed=seed + 1, initial_solution=init, **kw)
        best = res.best
    return best, best_map
