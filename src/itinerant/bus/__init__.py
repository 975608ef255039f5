"""The nomad-bus rota: a regular timetable of village stops (CP-SAT).

Typical use (the pipeline)::

    problem, rota, base = rota_from_scenario(scenario, drive, walk, previous_timetable=prev)
    write_outputs(out_dir, problem, rota, base)   # timetable.csv, days.csv, kpis.json
    print(rota.summary(base))                     # the rota describes itself (French)

which is::

    problem = problem_from_scenario(scenario, drive, walk, previous_timetable=prev)
    base = baseline(problem)
    rota = solve(problem, time_limit_s=30, hint=base.assignments,
                 min_coverage_points=base.coverage_points)
"""

from __future__ import annotations

from pathlib import Path

from itinerant.bus.baseline import baseline, baseline_assignments
from itinerant.bus.build import problem_from_scenario
from itinerant.bus.io import kpis, read_timetable, write_outputs
from itinerant.bus.problem import BusProblem, min_visits
from itinerant.bus.rota import Assignment, DayRoute, Rota, Slot, evaluate
from itinerant.bus.solve import DEFAULT_TIME_LIMIT_S, solve
from itinerant.core.places import TravelMatrix
from itinerant.scenario.model import Scenario


def rota_from_scenario(
    scenario: Scenario,
    drive: TravelMatrix,
    walk: TravelMatrix,
    *,
    previous_timetable: Path | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    workers: int = 2,
    seed: int = 0,
    keep_baseline_coverage: bool = True,
    deterministic_s: float | None = None,
) -> tuple[BusProblem, Rota, Rota]:
    """Build the problem, the baseline and the CP-SAT rota of a scenario.

    With ``keep_baseline_coverage`` the rota never covers less than the baseline
    (coverage points floor) and saves km; without it, coverage and km are traded at
    ``BusProblem.metres_per_resident``. Returns ``(problem, rota, baseline)``.
    """
    problem = problem_from_scenario(scenario, drive, walk, previous_timetable=previous_timetable)
    base = baseline(problem)
    rota = solve(
        problem,
        time_limit_s=time_limit_s,
        workers=workers,
        seed=seed,
        deterministic_s=deterministic_s,
        hint=base.assignments,
        min_coverage_points=base.coverage_points if keep_baseline_coverage else None,
    )
    return problem, rota, base

__all__ = [
    "Assignment",
    "BusProblem",
    "DayRoute",
    "Rota",
    "Slot",
    "baseline",
    "baseline_assignments",
    "evaluate",
    "kpis",
    "min_visits",
    "problem_from_scenario",
    "read_timetable",
    "rota_from_scenario",
    "solve",
    "write_outputs",
]
