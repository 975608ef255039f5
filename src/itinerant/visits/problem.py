"""The home-visit planning problem: plain frozen data, numpy matrices.

A :class:`VisitProblem` is what the engines solve. It holds no scenario, graph or
solver state: locations with square integer matrices, vehicles (one per advisor and
working date) and tasks (one per visit). Experts (the benchmarks) build it directly;
the product builds it with :func:`itinerant.visits.build.problem_from_scenario`.

Units: times of day are integer seconds since midnight, durations integer seconds,
distances integer metres. Matrices are indexed by location index (``Task.location``,
``Vehicle.start``, ``Vehicle.end``).

Time-window semantics: ``Task.windows`` are windows for the *start* of service
(Solomon/PyVRP semantics). When ``Task.end_in_window`` is true the service must
also *end* inside the same window (a resident's presence window).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

HORIZON = 10**9
"""Unbounded time of day or duration, seconds."""

Priority = Literal["must", "should", "could"]

PENALTY: dict[str, int] = {"must": 10_000_000, "should": 1_000_000, "could": 200_000}
"""Default cost of leaving a visit out, per priority (cost unit = 1 s of driving)."""


@dataclass(frozen=True)
class Break:
    """A lunch break floating inside ``[earliest_s, latest_end_s]``, lasting ``duration_s``."""

    earliest_s: int
    latest_end_s: int
    duration_s: int


@dataclass(frozen=True)
class Vehicle:
    """One advisor on one date (or one benchmark vehicle).

    Attributes
    ----------
    id
        Stable id, ``"{advisor_id}@{YYYY-MM-DD}"`` in the product.
    start, end
        Location indices of the start and end sites.
    start_s, end_s
        Shift: earliest departure and latest return, seconds since midnight.
    max_work_s
        Longest working time (return - departure - break when the break lies inside
        the route), seconds; None = not limited beyond the shift.
    skills
        Skills of the advisor.
    lunch
        Floating break, or None.
    capacity
        Load capacity (benchmarks), None = unlimited.
    fixed_cost
        Cost of using the vehicle (cost units), 0 by default. Any value > 0 on a
        vehicle also asks the PyVRP engine to minimise the number of routes first
        (benchmarks' "vehicles, then distance"), then the cost.
    """

    id: str
    start: int
    end: int
    start_s: int = 0
    end_s: int = HORIZON
    max_work_s: int | None = None
    advisor_id: str = ""
    advisor_name: str = ""
    date: dt.date | None = None
    skills: frozenset[str] = frozenset()
    lunch: Break | None = None
    capacity: int | None = None
    fixed_cost: int = 0
    open_from_s: int | None = None
    """Re-planning during the week: visits not yet made start at or after this time
    (seconds since midnight; ``HORIZON`` = a past day, closed to them). None = open."""
    start_label: str = ""
    """What bounds the start when it is not the start of the advisor's day: the name of
    the duty held just before (a team week's free block), for the reasons; "" = the
    start of the day."""
    end_label: str = ""
    """What bounds the end when it is not the end of the advisor's day: the name of the
    duty that follows (a team week's free block), for the reasons; "" = the end of the
    day."""


@dataclass(frozen=True)
class Task:
    """One visit to make.

    Attributes
    ----------
    id
        Stable visit id.
    location
        Location index in the problem's matrices.
    duration_s
        Service duration, seconds.
    windows
        Sorted, non-overlapping windows ``(open_s, close_s)`` for the start of service
        (see ``end_in_window``).
    end_in_window
        True: the service must also end by the window's close.
    demand
        Load (benchmarks), 0 by default.
    priority
        ``must``, ``should`` or ``could``.
    penalty
        Cost of leaving the task out; None = the task is hard (must be served, used
        by benchmarks).
    days
        Allowed weekdays (0 = Monday) or None for any.
    skill
        Required skill, or None.
    advisor_id
        Required advisor (same advisor as last time, or pinned), or None.
    date
        Required date (pinned), or None.
    pinned_start_s
        Fixed start of service (pinned with a time), or None; the problem then
        makes ``(pinned_start_s, pinned_start_s)`` the task's only window.
    pinned, done
        Kept from a previous plan (confirmed / already made).
    min_duration_s
        Shortest duration the request allows (seconds), or None: the visit cannot be
        shortened (no duration cut is ever suggested then).
    announced
        Where a previous plan announced the visit to the resident, or None. A re-plan
        holds it there unless it must move it (see :mod:`itinerant.visits.stability`).
    """

    id: str
    location: int
    duration_s: int
    windows: tuple[tuple[int, int], ...] = ((0, HORIZON),)
    end_in_window: bool = False
    demand: int = 0
    priority: Priority = "must"
    penalty: int | None = PENALTY["must"]
    days: tuple[int, ...] | None = None
    skill: str | None = None
    advisor_id: str | None = None
    date: dt.date | None = None
    pinned_start_s: int | None = None
    pinned: bool = False
    done: bool = False
    name: str = ""
    min_duration_s: int | None = None
    announced: Slot | None = None

    @property
    def drop_cost(self) -> int:
        """Cost of leaving the task out (a hard task: 10**12, more than any penalty)."""
        return 10**12 if self.penalty is None else self.penalty


@dataclass(frozen=True)
class Slot:
    """Where and when a visit was announced: advisor, date, start (seconds since midnight)."""

    advisor_id: str
    date: dt.date
    start_s: int


@dataclass(frozen=True)
class SetAside:
    """A request left out before solving, with why (bad row, pin that cannot be kept)."""

    task_id: str
    reason: str
    code: str
    """``invalid`` (the row has faults), ``pin`` (an imposed appointment that cannot be kept)."""
    priority: str = ""
    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class Staff:
    """An advisor as the reasons need it (working weekdays, even on holidays)."""

    id: str
    name: str
    skills: frozenset[str]
    weekdays: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class VisitProblem:
    """A whole planning problem.

    Attributes
    ----------
    location_ids
        Stable ids of the locations, ``len = n``.
    duration_s, distance_m
        int64 arrays of shape (n, n): driving seconds and metres.
    vehicles, tasks
        The vehicles and the tasks.
    name, week_start, estimated
        Scenario name, Monday of the week, whether the matrix is estimated.
    staff, holidays, site_names
        Advisors, public holidays of the week and site names, for the reasons.
    """

    location_ids: tuple[str, ...]
    duration_s: np.ndarray
    distance_m: np.ndarray
    vehicles: tuple[Vehicle, ...]
    tasks: tuple[Task, ...]
    name: str = ""
    week_start: dt.date | None = None
    estimated: bool = False
    staff: tuple[Staff, ...] = ()
    holidays: tuple[tuple[dt.date, str], ...] = ()
    site_names: tuple[tuple[str, str], ...] = ()
    """(location id, human name) of the sites, for the reasons."""
    now: dt.datetime | None = None
    """Nothing may start before this moment (re-planning during the week); None = no bound."""
    set_aside: tuple[SetAside, ...] = ()
    """Requests that are not tasks (bad rows): listed unassigned with their faults."""
    absences: tuple[tuple[str, dt.date, str], ...] = ()
    """(advisor id, date, reason) of the advisors' absences, to name them in reasons."""
    history: tuple[tuple[str, str, dt.date, int], ...] = ()
    """Stops already started or done before ``now`` and kept as they were:
    (visit id, advisor id, date, start_s). They are not tasks any more."""

    def __post_init__(self) -> None:
        n = len(self.location_ids)
        for name in ("duration_s", "distance_m"):
            m = np.asarray(getattr(self, name))
            if m.shape != (n, n):
                raise ValueError(f"{name} must have shape ({n}, {n}), got {m.shape}")
            object.__setattr__(self, name, m.astype(np.int64, copy=False))
        # A fixed start time is the task's only window.
        tasks = tuple(
            replace(t, windows=((t.pinned_start_s, t.pinned_start_s),), end_in_window=False)
            if t.pinned_start_s is not None and t.windows != ((t.pinned_start_s, t.pinned_start_s),)
            else t
            for t in self.tasks
        )
        object.__setattr__(self, "tasks", tasks)
        ids = [t.id for t in self.tasks]
        if len(set(ids)) != len(ids):
            raise ValueError("task ids must be unique")
        vids = [v.id for v in self.vehicles]
        if len(set(vids)) != len(vids):
            raise ValueError("vehicle ids must be unique")
        for t in self.tasks:
            if not 0 <= t.location < n:
                raise ValueError(f"task {t.id}: location {t.location} out of range")
            if t.duration_s < 0:
                raise ValueError(f"task {t.id}: duration_s must be >= 0")
            if not t.windows:
                raise ValueError(f"task {t.id}: at least one window is needed")
            for a, b in t.windows:
                if a > b:
                    raise ValueError(f"task {t.id}: window open must be <= close")
        for v in self.vehicles:
            if not (0 <= v.start < n and 0 <= v.end < n):
                raise ValueError(f"vehicle {v.id}: start/end out of range")
            if v.start_s > v.end_s:
                raise ValueError(f"vehicle {v.id}: start_s must be <= end_s")

    def task_index(self, task_id: str) -> int:
        """Index of the task with this id (KeyError if absent)."""
        idx = getattr(self, "_task_idx", None)
        if idx is None:
            idx = {t.id: i for i, t in enumerate(self.tasks)}
            object.__setattr__(self, "_task_idx", idx)
        return idx[task_id]

    def vehicle_index(self, vehicle_id: str) -> int:
        """Index of the vehicle with this id (KeyError if absent)."""
        idx = getattr(self, "_veh_idx", None)
        if idx is None:
            idx = {v.id: i for i, v in enumerate(self.vehicles)}
            object.__setattr__(self, "_veh_idx", idx)
        return idx[vehicle_id]

    def compatible(self, task: Task, vehicle: Vehicle) -> bool:
        """Whether ``vehicle`` may serve ``task`` (day, skill, advisor, date)."""
        if task.days is not None and vehicle.date is not None and vehicle.date.weekday() not in task.days:
            return False
        if task.skill is not None and task.skill not in vehicle.skills:
            return False
        if task.advisor_id is not None and task.advisor_id != vehicle.advisor_id:
            return False
        if task.date is not None and task.date != vehicle.date:
            return False
        if task.demand and vehicle.capacity is not None and task.demand > vehicle.capacity:
            return False
        return task.done or vehicle.open_from_s is None or any(
            (c - task.duration_s if task.end_in_window else c) >= vehicle.open_from_s for _, c in task.windows
        )

    def allowed_vehicles_of(self, task: Task) -> tuple[int, ...]:
        """Indices of the vehicles that may serve this task (which may be a modified copy)."""
        return tuple(k for k, v in enumerate(self.vehicles) if self.compatible(task, v))

    def allowed_vehicles(self, task_index: int) -> tuple[int, ...]:
        """Indices of the vehicles that may serve the task."""
        t = self.tasks[task_index]
        return tuple(k for k, v in enumerate(self.vehicles) if self.compatible(t, v))

    def replace(self, **changes) -> VisitProblem:
        """A copy with some fields replaced."""
        return replace(self, **changes)


@dataclass(frozen=True)
class SolveParams:
    """Options of :func:`itinerant.visits.solve`.

    Attributes
    ----------
    engine
        ``auto`` (choose from the features), ``pyvrp`` or ``ortools``.
    time_limit_s
        Wall-clock budget of the search, seconds; None = grows with the number of
        requests (:func:`itinerant.visits.solve.default_time_limit`).
    seed
        Random seed.
    iterations
        Stop the engines after this many iterations (PyVRP; OR-Tools: a tenth as many
        solutions) instead of on time: two runs with the same seed and iterations give the same
        plan. None = stop on time only.
    freeze_announced
        Re-planning: keep every announced visit on its day, advisor and time (never
        move one to make room for another).
    cost
        ``duration`` (driving seconds, the product) or ``distance`` (metres, benchmarks).
    language
        Language of the reasons: ``fr`` or ``en``.
    reasons
        Probe a reason for each unassigned visit.
    warm_start
        With breaks, warm-start OR-Tools with a PyVRP solution (``auto`` only).
    balance
        Weight of the soft term that evens out the days (0 = off).
    """

    engine: Literal["auto", "pyvrp", "ortools"] = "auto"
    time_limit_s: float | None = 10.0
    seed: int = 0
    iterations: int | None = None
    freeze_announced: bool = False
    cost: Literal["duration", "distance"] = "duration"
    language: Literal["fr", "en"] = "fr"
    reasons: bool = True
    warm_start: bool = True
    balance: int = 1


__all__ = [
    "HORIZON", "PENALTY", "Break", "Priority", "SetAside", "Slot", "SolveParams", "Staff", "Task", "Vehicle",
    "VisitProblem",
]
