"""A synthetic week of home visits for tests and benchmarks (no scenario, no road graph).

Homes are uniform points in a square; travel is Euclidean metres times a circuity of 1.3
at 45 km/h. Advisors work Monday to Friday 08:30-17:00 with a lunch of 45 min between
12:00 and 14:00; odd advisors have the « santé » skill. Requests: half must, 30 % should,
20 % could; 45, 60 or 90 min; a 3-hour window opening at 9, 10, 13 or 14 h on two weekdays;
one in five needs « santé ». Request ``v041`` is a confirmed appointment: advisor ``a1``,
Tuesday 10:00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from itinerant.visits.problem import PENALTY, Break, Priority, Task, Vehicle, VisitProblem

H = 3600
MONDAY = dt.date(2026, 11, 30)
"""Monday of the synthetic week."""


def synthetic_week(
    n_tasks: int,
    n_advisors: int,
    *,
    seed: int = 1,
    width_m: int = 30_000,
    office_at_centre: bool = True,
    max_work_s: int = 8 * H,
    name: str = "",
) -> VisitProblem:
    """A week of ``n_tasks`` requests for ``n_advisors`` advisors (see the module docstring).

    Parameters
    ----------
    width_m
        Side of the square holding the homes, metres.
    office_at_centre
        The office (location 0) at the square's centre; else a random point like the homes.
    max_work_s
        Daily working limit of every advisor, seconds.
    """
    rng = np.random.default_rng(seed)
    half = width_m / 2
    pts = rng.uniform(-half, half, size=(n_tasks + 1, 2))
    if office_at_centre:
        pts[0] = 0
    m = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)) * 1.3
    dist, dur = m.astype(np.int64), (m / (45 / 3.6)).astype(np.int64)
    vehicles = tuple(
        Vehicle(f"a{a}@{MONDAY + dt.timedelta(days=d)}", 0, 0, int(8.5 * H), 17 * H, max_work_s, f"a{a}", f"A{a}",
                MONDAY + dt.timedelta(days=d), frozenset({"santé", "social"} if a % 2 else {"social"}),
                Break(12 * H, 14 * H, 2700))
        for a in range(n_advisors) for d in range(5)
    )
    tasks = []
    for i in range(n_tasks):
        prio: Priority = ("must", "should", "could")[int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
        o = int(rng.choice([9, 10, 13, 14])) * H
        tasks.append(Task(f"v{i:03d}", i + 1, int(rng.choice([2700, 3600, 5400])), ((o, o + 3 * H),), True,
                          priority=prio, penalty=PENALTY[prio],
                          days=tuple(sorted(rng.choice(5, 2, replace=False).tolist())),
                          skill="santé" if i % 5 == 0 else None))
    pin = 41 % n_tasks
    tasks[pin] = replace(tasks[pin], advisor_id="a1", date=MONDAY + dt.timedelta(days=1), days=None,
                         pinned_start_s=10 * H, pinned=True, priority="must", penalty=PENALTY["must"])
    ids = ("office",) + tuple(t.id for t in tasks)
    return VisitProblem(ids, dur, dist, vehicles, tuple(tasks), name=name or f"semaine-{n_tasks}",
                        week_start=MONDAY)
