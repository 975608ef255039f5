"""Raw PyVRP and raw OR-Tools VRPTW baselines, to compare itinerant's planner against.

Both take an :class:`vrptw.Instance` and a time limit in seconds and return routes as lists of
customer numbers (1..n, depot excluded). They share the integer data of the product run
(``SCALE`` = 1000: distances rounded, travel times rounded up) so every solver sees the same
problem. The ``hier-real`` objective (vehicles first, then distance) is modelled the usual way,
with a fixed cost per vehicle that dominates any distance saving (:func:`vehicle_cost`);
``objective="distance"`` drops it (distance only, for the ``dist-real`` rows).
"""

from __future__ import annotations

from vrptw import SCALE, Instance


def vehicle_cost(inst: Instance, scale: int = SCALE, objective: str = "hier") -> int:
    """Fixed cost per vehicle, integer units.

    ``hier`` (vehicles first): twice the largest depot round trip, at least 1000 instance
    units, which outweighs the distance one more route could save. ``distance``: 0.
    """
    if objective == "distance":
        return 0
    round_trip = float((inst.distance[0, :] + inst.distance[:, 0]).max())
    return int(max(1000.0, 2 * round_trip) * scale)


def solve_pyvrp(
    inst: Instance, time_limit: float, *, seed: int = 0, objective: str = "hier"
) -> list[list[int]]:
    """Solve with PyVRP's default iterated local search for ``time_limit`` seconds."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve
    from pyvrp.stop import MaxRuntime

    dist = inst.int_distance()
    dur = inst.int_duration()
    tw = inst.int_windows()
    service = inst.int_service()
    n = inst.num_customers
    locations = [Location(x=float(x), y=float(y)) for x, y in inst.coords]
    clients = [
        Client(
            location=i,
            delivery=[int(inst.demand[i])],
            service_duration=int(service[i]),
            tw_early=int(tw[i, 0]),
            tw_late=int(tw[i, 1]),
        )
        for i in range(1, n + 1)
    ]
    depots = [Depot(location=0)]
    vehicle_types = [
        VehicleType(
            num_available=inst.num_vehicles,
            capacity=[inst.capacity],
            fixed_cost=vehicle_cost(inst, objective=objective),
            tw_early=int(tw[0, 0]),
            tw_late=int(tw[0, 1]),
        )
    ]
    data = ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[dist],
        duration_matrices=[dur],
    )
    result = solve(data, stop=MaxRuntime(time_limit), seed=seed, collect_stats=False)
    # Client k (0-based) is customer k + 1 of the file (one depot).
    return [
        [act.idx + 1 for act in route if act.is_client()] for route in result.best.routes()
    ]


def solve_ortools(
    inst: Instance, time_limit: float, *, objective: str = "hier"
) -> list[list[int]]:
    """Solve with OR-Tools routing: time and capacity dimensions, PATH_CHEAPEST_ARC then
    GUIDED_LOCAL_SEARCH for ``time_limit`` seconds."""
    from itinerant.core._ortools import pywrapcp, routing_enums_pb2

    dist = inst.int_distance()
    dur = inst.int_duration()
    tw = inst.int_windows()
    service = inst.int_service()
    n = inst.num_customers
    manager = pywrapcp.RoutingIndexManager(n + 1, inst.num_vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    dist_list = dist.tolist()
    # Transit time out of a node = its service time + travel time.
    time_list = (dur + service[:, None]).tolist()
    demand = inst.demand.tolist()

    def distance_cb(i: int, j: int) -> int:
        return dist_list[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def time_cb(i: int, j: int) -> int:
        return time_list[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def demand_cb(i: int) -> int:
        return demand[manager.IndexToNode(i)]

    dist_idx = routing.RegisterTransitCallback(distance_cb)
    time_idx = routing.RegisterTransitCallback(time_cb)
    demand_idx = routing.RegisterUnaryTransitCallback(demand_cb)
    routing.SetArcCostEvaluatorOfAllVehicles(dist_idx)
    routing.SetFixedCostOfAllVehicles(vehicle_cost(inst, objective=objective))

    horizon = int(tw[0, 1])
    routing.AddDimension(time_idx, horizon, horizon, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    for node in range(1, n + 1):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(tw[node, 0]), int(tw[node, 1]))
    for v in range(inst.num_vehicles):
        time_dim.CumulVar(routing.Start(v)).SetRange(int(tw[0, 0]), int(tw[0, 1]))
        time_dim.CumulVar(routing.End(v)).SetRange(int(tw[0, 0]), int(tw[0, 1]))
    routing.AddDimensionWithVehicleCapacity(
        demand_idx, 0, [inst.capacity] * inst.num_vehicles, True, "Load"
    )

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, FIRST_SOLUTION)
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []
    routes: list[list[int]] = []
    for v in range(inst.num_vehicles):
        index = routing.Start(v)
        route: list[int] = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


FIRST_SOLUTION = "PARALLEL_CHEAPEST_INSERTION"
"""PATH_CHEAPEST_ARC finds no first solution on R101 within 3 s; this one does."""

PEERS = {"pyvrp": solve_pyvrp, "ortools": solve_ortools}
