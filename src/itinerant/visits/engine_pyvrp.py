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
  :func:`relax_breaks`) and the exact timing/repair happens afterwards.
"""

from __future__ import annotations

import warnings

import numpy as np
from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, VehicleType
from pyvrp import solve as pyvrp_solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from itinerant.visits.problem import HORIZON, SolveParams, Vehicle, VisitProblem

_INF = np.iinfo(np.int64).max


def _eff_windows(task) -> list[tuple[int, int]]:
    out = []
    for o, c in task.windows:
        if task.end_in_window:
            c -= task.duration_s
        if o <= c:
            out.append((o, c))
    return out


def solve_pyvrp(
    problem: VisitProblem,
    params: SolveParams,
    *,
    time_limit_s: float | None = None,
) -> list[list[int]]:
    """Solve with PyVRP; return, per vehicle, the visited task indices in order.

    Lunch breaks are ignored here (see the module docstring); tasks with no
    compatible vehicle or no usable window are left out.
    """
    n_veh = len(problem.vehicles)
    routes: list[list[int]] = [[] for _ in range(n_veh)]
    allowed = [problem.allowed_vehicles(i) for i in range(len(problem.tasks))]
    usable = [i for i, t in enumerate(problem.tasks) if allowed[i] and _eff_windows(t)]
    if not usable or not n_veh:
        return routes

    cost_src = problem.duration_s if params.cost == "duration" else problem.distance_m
    dur_src = problem.duration_s
    depot_locs = sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
    depot_index = {loc: k for k, loc in enumerate(depot_locs)}
    loc_of: list[int] = list(depot_locs)  # pyvrp location -> problem location
    depots = [Depot(location=k) for k in range(len(depot_locs))]

    has_cap = any(v.capacity is not None for v in problem.vehicles)
    clients: list[Client] = []
    client_task: list[int] = []
    groups: list[ClientGroup] = []
    for i in usable:
        t = problem.tasks[i]
        wins = _eff_windows(t)
        prize = 0 if t.penalty is None else int(t.penalty)
        hard = t.penalty is None
        gidx = None
        if len(wins) > 1:
            gidx = len(groups)
            groups.append(ClientGroup([], required=hard))
        for o, c in wins:
            loc = len(loc_of)
            loc_of.append(t.location)
            cidx = len(clients)
            clients.append(
                Client(
                    location=loc,
                    delivery=[int(t.demand)] if has_cap else [],
                    service_duration=int(t.duration_s),
                    tw_early=int(o),
                    tw_late=int(min(c, HORIZON)),
                    prize=prize,
                    required=hard and gidx is None,
                    group=gidx,
                )
            )
            client_task.append(i)
            if gidx is not None:
                groups[gidx].add_client(cidx)

    idx = np.asarray(loc_of)
    base_cost = np.asarray(cost_src)[np.ix_(idx, idx)].astype(np.int64)
    base_dur = np.asarray(dur_src)[np.ix_(idx, idx)].astype(np.int64)
    max_prize = max((c.prize for c in clients), default=0)
    big = int(4 * max_prize + 4 * int(base_cost.max(initial=0)) + 10**8)

    # Profiles: one per distinct set of allowed clients.
    n_dep = len(depot_locs)
    per_vehicle: list[list[int]] = [[] for _ in range(n_veh)]
    for c, i in enumerate(client_task):
        for k in allowed[i]:
            per_vehicle[k].append(c)
    veh_allowed: list[frozenset[int]] = [frozenset(cs) for cs in per_vehicle]
    profile_of: dict[frozenset[int], int] = {}
    cost_mats, dur_mats = [], []
    all_clients = frozenset(range(len(clients)))
    for k in range(n_veh):
        key = veh_allowed[k]
        if key in profile_of:
            continue
        profile_of[key] = len(cost_mats)
        m = base_cost.copy()
        forbidden = [n_dep + c for c in all_clients - key]
        if forbidden:
            m[:, forbidden] = big
            np.fill_diagonal(m, 0)
        cost_mats.append(m)
        dur_mats.append(base_dur)

    # Vehicle types: vehicles with identical attributes share one.
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
    data = ProblemData(
        locations=[Location(0, 0) for _ in loc_of],
        clients=clients,
        depots=depots,
        vehicle_types=vtypes,
        distance_matrices=cost_mats,
        duration_matrices=dur_mats,
        groups=groups,
    )
    limit = params.time_limit_s if time_limit_s is None else time_limit_s
    with warnings.catch_warnings():
        # Raised when prizes dwarf the time-warp penalty cap; the plan is repaired anyway.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        res = pyvrp_solve(
            data, MaxRuntime(max(0.05, limit)), seed=params.seed, collect_stats=False, display=False
        )
    used = [0] * len(members)
    for r in res.best.routes():
        vt = r.vehicle_type()
        k = members[vt][used[vt]]
        used[vt] += 1
        routes[k] = [client_task[a.idx] for a in r if a.is_client()]
    return routes
