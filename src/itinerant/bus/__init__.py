"""The nomad-bus rota: a regular timetable of village stops (CP-SAT).

Typical use (the pipeline)::

    problem = problem_from_scenario(scenario, drive, walk, previous_timetable=prev)
    base = baseline(problem)
    rota = solve(problem, time_limit_s=30, hint=base.assignments)
    write_outputs(out_dir, problem, rota, base)
"""

from itinerant.bus.baseline import baseline, baseline_assignments
from itinerant.bus.build import min_visits, problem_from_scenario, read_timetable
from itinerant.bus.io import kpis, write_outputs
from itinerant.bus.problem import BusProblem
from itinerant.bus.solve import Assignment, DayRoute, Rota, evaluate, solve

__all__ = [
    "Assignment",
    "BusProblem",
    "DayRoute",
    "Rota",
    "baseline",
    "baseline_assignments",
    "evaluate",
    "kpis",
    "min_visits",
    "problem_from_scenario",
    "read_timetable",
    "solve",
    "write_outputs",
]
