"""Solve one Solomon or Gehring-Homberger VRPTW instance with itinerant's planner.

Usage::

    python benchmarks/vrptw.py C101 --time-limit 10 --out C101.sol [--engine pyvrp|ortools]

``INSTANCE`` is a file path, or a name looked up in ``../shared/benchmarks/vrptw-*/instances/``
(``C101``, ``rc2_2_1``). The instance is read with ``vrplib`` (Solomon format), turned into the
product's problem (:mod:`itinerant.visits.problem`), solved with
:func:`itinerant.visits.solve.solve`, checked independently here and written in VRPLIB solution
format (``Route #1: 3 17 ...``, customer numbers as in the file, then ``Cost: x``).

Convention (``hier-real`` of the ``bks.csv`` tables): minimise the number of vehicles, then the
total distance; distances and travel times are unrounded Euclidean. The product works in integer
seconds and metres, so coordinates are scaled by :data:`SCALE`: distances are rounded, travel
times rounded *up*, so a route feasible in integers is feasible in real numbers. The reported cost
is recomputed from the routes with unrounded distances.

This module also holds what every VRPTW benchmark script shares: :class:`Instance`,
:func:`read_instance`, :func:`check_routes` and :func:`write_solution`.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "benchmarks"
SET_FOLDERS = {
    "solomon": SHARED / "vrptw-solomon",
    "homberger200": SHARED / "vrptw-homberger-200",
    "homberger400": SHARED / "vrptw-homberger-400",
    "homberger1000": SHARED / "vrptw-homberger-1000",
}
SCALE = 1000
"""Instance units -> integer units (seconds / metres) for the integer solvers."""
EPS = 1e-6
"""Tolerance of the unrounded feasibility check, instance units."""


@dataclass(frozen=True)
class Instance:
    """A VRPTW instance in instance units (index 0 is the depot, 1..n the customers)."""

    name: str
    coords: np.ndarray
    """(n+1, 2) float coordinates."""
    demand: np.ndarray
    """(n+1,) int demands, depot 0."""
    capacity: int
    num_vehicles: int
    windows: np.ndarray
    """(n+1, 2) float windows on the service start; row 0 is the depot's opening hours."""
    service: np.ndarray
    """(n+1,) float service durations."""
    distance: np.ndarray = field(repr=False)
    """(n+1, n+1) unrounded Euclidean distances (= travel times)."""

    @property
    def num_customers(self) -> int:
        return len(self.demand) - 1

    def int_distance(self, scale: int = SCALE) -> np.ndarray:
        """Distances scaled and rounded to the nearest integer, int64 (n+1, n+1)."""
        return np.rint(self.distance * scale).astype(np.int64)

    def int_duration(self, scale: int = SCALE) -> np.ndarray:
        """Travel times scaled and rounded up (never shorter than the real time), int64."""
        return np.ceil(self.distance * scale - 1e-6).astype(np.int64)

    def int_windows(self, scale: int = SCALE) -> np.ndarray:
        """Windows scaled: opening rounded up, closing rounded down (exact for integer data)."""
        early = np.ceil(self.windows[:, 0] * scale - 1e-6)
        late = np.floor(self.windows[:, 1] * scale + 1e-6)
        return np.stack([early, late], axis=1).astype(np.int64)

    def int_service(self, scale: int = SCALE) -> np.ndarray:
        """Service durations scaled and rounded up, int64 (n+1,)."""
        return np.ceil(self.service * scale - 1e-6).astype(np.int64)


def find_instance(name_or_path: str) -> Path:
    """Path of an instance given a file path or a bare name (``C101``, ``r1_2_1``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for folder in SET_FOLDERS.values():
        for candidate in (folder / "instances").glob("*.txt"):
            if candidate.stem.lower() == name_or_path.lower():
                return candidate
    raise FileNotFoundError(f"instance not found: {name_or_path}")


def read_instance(name_or_path: str | Path) -> Instance:
    """Read a Solomon-format instance with ``vrplib`` (unrounded Euclidean distances)."""
    import vrplib

    path = find_instance(str(name_or_path))
    raw = vrplib.read_instance(str(path), instance_format="solomon")
    return Instance(
        name=path.stem,
        coords=np.asarray(raw["node_coord"], dtype=float),
        demand=np.asarray(raw["demand"], dtype=np.int64),
        capacity=int(raw["capacity"]),
        num_vehicles=int(raw["vehicles"]),
        windows=np.asarray(raw["time_window"], dtype=float),
        service=np.asarray(raw["service_time"], dtype=float),
        distance=np.asarray(raw["edge_weight"], dtype=float),
    )


@dataclass(frozen=True)
class Check:
    """Result of :func:`check_routes`: feasibility under unrounded times, and the cost."""

    feasible: bool
    vehicles: int
    distance: float
    faults: tuple[str, ...]


def check_routes(inst: Instance, routes: list[list[int]]) -> Check:
    """Check routes (customer numbers 1..n, depot excluded) with unrounded distances and times.

    Each customer exactly once, load <= capacity, service starts inside its window (waiting
    allowed), return to the depot before its closing time. Returns the vehicles used (non-empty
    routes) and the total unrounded distance.
    """
    faults: list[str] = []
    n = inst.num_customers
    seen = np.zeros(n + 1, dtype=np.int64)
    total = 0.0
    used = 0
    for k, route in enumerate(routes, start=1):
        if not route:
            continue
        used += 1
        load = 0
        t = float(inst.windows[0, 0])
        prev = 0
        for c in route:
            if not 1 <= c <= n:
                faults.append(f"route {k}: unknown customer {c}")
                continue
            seen[c] += 1
            load += int(inst.demand[c])
            d = float(inst.distance[prev, c])
            total += d
            t = max(t + d, float(inst.windows[c, 0]))
            if t > inst.windows[c, 1] + EPS:
                faults.append(
                    f"route {k}: customer {c} starts at {t:.4f} after its window closes "
                    f"({inst.windows[c, 1]:g})"
                )
            t += float(inst.service[c])
            prev = c
        d = float(inst.distance[prev, 0])
        total += d
        t += d
        if t > inst.windows[0, 1] + EPS:
            faults.append(f"route {k}: back at depot at {t:.4f} > {inst.windows[0, 1]:g}")
        if load > inst.capacity:
            faults.append(f"route {k}: load {load} > capacity {inst.capacity}")
    if used > inst.num_vehicles:
        faults.append(f"{used} routes > fleet of {inst.num_vehicles}")
    missing = [c for c in range(1, n + 1) if seen[c] == 0]
    twice = [c for c in range(1, n + 1) if seen[c] > 1]
    if missing:
        faults.append(f"{len(missing)} customers not served: {missing[:10]}")
    if twice:
        faults.append(f"customers served more than once: {twice[:10]}")
    return Check(feasible=not faults, vehicles=used, distance=total, faults=tuple(faults))


def write_solution(path: str | Path, routes: list[list[int]], cost: float) -> None:
    """Write routes in VRPLIB format: ``Route #k: c1 c2 ...`` then ``Cost: x``."""
    lines = [
        f"Route #{k}: {' '.join(map(str, r))}" for k, r in enumerate((r for r in routes if r), 1)
    ]
    lines.append(f"Cost: {cost:.4f}")
    Path(path).write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- product


def to_problem(inst: Instance, *, fixed_cost: int | None = None):
    """The instance as itinerant's :class:`~itinerant.visits.problem.VisitProblem`.

    One location per file node (depot 0), scaled by :data:`SCALE`; one vehicle per vehicle of
    the fleet (depot opening hours as the shift, capacity, a fixed cost that makes fewer routes
    win, no break); one hard task per customer (``penalty=None``), id = customer number.
    """
    from itinerant.visits.problem import Task, Vehicle, VisitProblem

    if fixed_cost is None:
        from _peers import vehicle_cost

        fixed_cost = vehicle_cost(inst)
    tw = inst.int_windows()
    service = inst.int_service()
    n = inst.num_customers
    vehicles = tuple(
        Vehicle(
            id=f"v{k + 1}",
            start=0,
            end=0,
            start_s=int(tw[0, 0]),
            end_s=int(tw[0, 1]),
            capacity=inst.capacity,
            fixed_cost=fixed_cost,
        )
        for k in range(inst.num_vehicles)
    )
    tasks = tuple(
        Task(
            id=str(i),
            location=i,
            duration_s=int(service[i]),
            windows=((int(tw[i, 0]), int(tw[i, 1])),),
            demand=int(inst.demand[i]),
            penalty=None,
        )
        for i in range(1, n + 1)
    )
    return VisitProblem(
        location_ids=tuple(str(i) for i in range(n + 1)),
        duration_s=inst.int_duration(),
        distance_m=inst.int_distance(),
        vehicles=vehicles,
        tasks=tasks,
        name=inst.name,
    )


def solve_product(
    inst: Instance,
    time_limit: float,
    *,
    engine: str | None = None,
    seed: int = 0,
    objective: str = "hier",
) -> list[list[int]]:
    """Solve with itinerant's planner; return routes as lists of customer numbers.

    ``engine`` None lets the product choose (``auto``). Costs are distances (``cost="distance"``),
    no balancing term, no reason probing (every task is hard). ``objective`` ``hier`` puts a
    fixed cost on each vehicle (vehicles first), ``distance`` none.
    """
    from _peers import vehicle_cost

    from itinerant.visits.problem import SolveParams
    from itinerant.visits.solve import solve

    params = SolveParams(
        engine=engine or "auto",
        time_limit_s=time_limit,
        seed=seed,
        cost="distance",
        reasons=False,
        balance=0,
        language="en",
    )
    plan = solve(to_problem(inst, fixed_cost=vehicle_cost(inst, objective=objective)), params)
    return [[int(s.task_id) for s in r.stops] for r in plan.routes if r.stops]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", help="file path or name (C101, r1_2_1)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds")
    parser.add_argument("--out", type=Path, help="solution file (VRPLIB format)")
    parser.add_argument("--engine", choices=["pyvrp", "ortools"], default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--objective", choices=["hier", "distance"], default="hier",
        help="hier: vehicles then distance (default); distance: distance only",
    )
    args = parser.parse_args(argv)

    inst = read_instance(args.instance)
    start = time.perf_counter()
    routes = solve_product(
        inst, args.time_limit, engine=args.engine, seed=args.seed, objective=args.objective
    )
    wall = time.perf_counter() - start
    check = check_routes(inst, routes)
    if args.out:
        write_solution(args.out, routes, check.distance)
    status = "feasible" if check.feasible else "INFEASIBLE"
    print(
        f"{inst.name}: {check.vehicles} vehicles, distance {check.distance:.2f}, "
        f"{status}, {wall:.1f} s"
    )
    for fault in check.faults:
        print("  " + fault, file=sys.stderr)
    return 0 if check.feasible else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
