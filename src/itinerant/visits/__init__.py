"""Home-visit week planner: which advisor goes where, on which day, at what time.

``problem_from_scenario`` builds a :class:`VisitProblem` from a scenario and a travel
matrix; ``solve`` plans it (PyVRP or OR-Tools) and returns a checked :class:`Plan`
with a reason for every visit left out.
"""

from itinerant.visits.io import plan_to_dict, read_plan, write_plan
from itinerant.visits.plan import CapacityLine, Change, Plan, PlanKpis, ReasonGroup, Route, Stop, Unassigned
from itinerant.visits.problem import (
    HORIZON,
    PENALTY,
    Break,
    SetAside,
    Slot,
    SolveParams,
    Staff,
    Task,
    Vehicle,
    VisitProblem,
)
from itinerant.visits.solve import solve


def problem_from_scenario(scenario, matrix, *, replan=None, added_visits=(), now=None, rejected=()) -> VisitProblem:
    """Build the problem; see :func:`itinerant.visits.build.problem_from_scenario`.

    (Imported lazily: the builder reads :mod:`itinerant.matrices`, which loads scipy.)
    """
    from itinerant.visits.build import problem_from_scenario as _build

    return _build(scenario, matrix, replan=replan, added_visits=added_visits, now=now, rejected=rejected)


__all__ = [
    "HORIZON",
    "PENALTY",
    "Break",
    "CapacityLine",
    "Change",
    "Plan",
    "PlanKpis",
    "ReasonGroup",
    "SetAside",
    "Slot",
    "Route",
    "SolveParams",
    "Staff",
    "Stop",
    "Task",
    "Unassigned",
    "Vehicle",
    "VisitProblem",
    "plan_to_dict",
    "problem_from_scenario",
    "read_plan",
    "solve",
    "write_plan",
]
