"""The plan: what :func:`itinerant.visits.solve` returns, and how it describes itself.

A :class:`Plan` holds the routes (each stop timed in seconds since midnight, with the leg
into it in seconds and metres), every visit left out with a reason, its KPIs, the changes
against the visits announced by a previous plan, the capacity summary, the reasons
grouped by the route they compete for, and the notices said before solving;
:meth:`Plan.summary` is the French paragraph the CLI prints. Like ``pyvrp.Result``,
nobody re-reads a file to describe a plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Stop:
    """A visit in a route: times in seconds since midnight; the leg *into* it."""

    task_id: str
    arrival_s: int
    start_s: int
    end_s: int
    travel_s: int
    travel_m: int
    pinned: bool = False
    priority: str = ""
    time_pinned: bool = False
    done: bool = False


@dataclass(frozen=True)
class Route:
    """One vehicle's day.

    ``depart_s``/``return_s`` are the departure from the start site and the arrival
    at the end site; ``break_start_s``/``break_end_s`` the lunch (None without one).
    """

    vehicle_id: str
    advisor_id: str
    date: dt.date | None
    start_site: str
    end_site: str
    depart_s: int
    return_s: int
    stops: tuple[Stop, ...]
    return_travel_s: int
    return_travel_m: int
    break_start_s: int | None = None
    break_end_s: int | None = None

    @property
    def travel_s(self) -> int:
        """Total driving time, seconds."""
        return sum(s.travel_s for s in self.stops) + self.return_travel_s

    @property
    def travel_m(self) -> int:
        """Total driving distance, metres."""
        return sum(s.travel_m for s in self.stops) + self.return_travel_m

    @property
    def break_inside(self) -> bool:
        """Whether the break lies within [depart_s, return_s]."""
        return (
            self.break_start_s is not None
            and self.break_end_s is not None
            and self.depart_s <= self.break_start_s
            and self.break_end_s <= self.return_s
        )

    @property
    def work_s(self) -> int:
        """Working time: return - departure - the break when inside the route, seconds."""
        w = self.return_s - self.depart_s
        if self.break_inside:
            w -= self.break_end_s - self.break_start_s  # type: ignore[operator]
        return w


@dataclass(frozen=True)
class Unassigned:
    """A visit left out, with a reason a coordinator can act on."""

    task_id: str
    reason: str
    code: str = ""
    """Machine-readable kind: skill, holiday, days, far, window, duration, shift, full, pin, invalid..."""
    priority: str = ""
    vehicle_id: str = ""
    """The route the reason points to (several visits competing for it are grouped)."""
    faults: tuple[str, ...] = ()
    """Validation faults of the request's row (``code == "invalid"``)."""


@dataclass(frozen=True)
class Change:
    """An announced visit that the re-plan moved (or could not keep): who to call.

    Times in seconds since midnight; ``new_*`` None when the visit is no longer planned.
    """

    task_id: str
    name: str
    old_advisor_id: str
    old_date: dt.date
    old_start_s: int
    new_advisor_id: str | None
    new_date: dt.date | None
    new_start_s: int | None
    why: str


@dataclass(frozen=True)
class CapacityLine:
    """Demand against available hours for one day (None = the week) and one skill (None = all).

    ``demand_s``: duration of the visits that may only be made then (and with that skill);
    ``available_s``: working time of the advisors then (with that skill), seconds;
    ``missing_s``: duration of those visits left out.
    """

    date: dt.date | None
    skill: str | None
    demand_s: int
    available_s: int
    missing_s: int
    text: str = ""


@dataclass(frozen=True)
class ReasonGroup:
    """Several visits left out that compete for the same route."""

    vehicle_id: str
    task_ids: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class PlanKpis:
    """What a plan achieves. Distances in metres, times in seconds."""

    visits_total: int = 0
    served: int = 0
    unassigned: int = 0
    must_unassigned: int = 0
    should_unassigned: int = 0
    could_unassigned: int = 0
    pins_total: int = 0
    pins_kept: int = 0
    made: int = 0
    """Visits already made (before now, or marked done) kept as they were."""
    changes: int = 0
    travel_m: int = 0
    travel_s: int = 0
    work_s_by_advisor: tuple[tuple[str, int], ...] = ()
    time_limit_s: float = 0.0
    settled: bool = True
    """False when the search was still improving when it stopped."""

    def as_dict(self) -> dict:
        """The ``kpis`` of ``plan.json`` (km and hours rounded)."""
        return {
            "visits_total": self.visits_total,
            "served": self.served,
            "unassigned": self.unassigned,
            "must_unassigned": self.must_unassigned,
            "should_unassigned": self.should_unassigned,
            "could_unassigned": self.could_unassigned,
            "pins_total": self.pins_total,
            "pins_kept": self.pins_kept,
            "made": self.made,
            "changes": self.changes,
            "km": round(self.travel_m / 1000, 1),
            "drive_h": round(self.travel_s / 3600, 2),
            "work_h_by_advisor": {k: round(v / 3600, 2) for k, v in self.work_s_by_advisor},
            "time_limit_s": round(self.time_limit_s, 1),
            "settled": self.settled,
        }


@dataclass(frozen=True)
class Plan:
    """The result of :func:`itinerant.visits.solve`: it describes itself.

    Routes and unassigned visits (each with its reason), the KPIs, the changes against
    the previous plan (re-planning), the capacity summary, the reasons grouped by the
    route they compete for, and the notices said before solving (pins that cannot be
    kept). :meth:`summary` gives the French paragraph the CLI prints.
    """

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    engine: str
    scenario: str = ""
    week_start: dt.date | None = None
    estimated: bool = False
    objective: dict = field(default_factory=dict)
    wall_s: float = 0.0
    kpis: PlanKpis = PlanKpis()
    changes: tuple[Change, ...] = ()
    capacity: tuple[CapacityLine, ...] = ()
    groups: tuple[ReasonGroup, ...] = ()
    notices: tuple[str, ...] = ()
    now: dt.datetime | None = None
    history: tuple[tuple[str, str, dt.date, int], ...] = ()

    @property
    def travel_s(self) -> int:
        """Total driving time, seconds."""
        return sum(r.travel_s for r in self.routes)

    @property
    def travel_m(self) -> int:
        """Total driving distance, metres."""
        return sum(r.travel_m for r in self.routes)

    def served(self) -> set[str]:
        """Ids of the served tasks."""
        return {s.task_id for r in self.routes for s in r.stops}

    def is_complete(self) -> bool:
        """Whether every request is planned."""
        return not self.unassigned

    def summary(self, language: str = "fr") -> str:
        """One paragraph: what is planned, what is not, changes, capacity, search status."""
        return plan_summary(self, language=language)


def plan_summary(plan: Plan, language: str = "fr") -> str:
    """The plan in one French paragraph (English when ``language == "en"``)."""
    k = plan.kpis
    if language == "en":
        text = (f"{k.served} visits planned out of {k.visits_total}, {k.unassigned} left out "
                f"({k.must_unassigned} must) ; {k.travel_m / 1000:.0f} km, {k.travel_s / 3600:.1f} h driving")
    else:
        text = (f"{k.served} visites planifiées sur {k.visits_total}, {k.unassigned} non planifiées "
                f"({k.must_unassigned} obligatoires) ; {k.travel_m / 1000:.0f} km, "
                f"{k.travel_s / 3600:.1f} h de route".replace(".", ","))
    extra = []
    invalid = sum(u.code == "invalid" for u in plan.unassigned)
    if invalid:
        extra.append(f"{invalid} ligne(s) de demandes écartée(s) pour erreurs de saisie (listées avec les "
                     "non planifiées)")
    if plan.notices:
        extra.append(f"{len(plan.notices)} rendez-vous imposé(s) impossible(s) à tenir, signalé(s) avant "
                     f"la planification")
    if k.made:
        extra.append(f"{k.made} visite(s) déjà faite(s) gardée(s) telles quelles")
    if k.pins_total:
        extra.append(f"rendez-vous imposés tenus : {k.pins_kept}/{k.pins_total}")
    if plan.changes:
        extra.append(f"{len(plan.changes)} changement(s) de visites annoncées : personnes à prévenir")
    missing = [c for c in plan.capacity[1:]]
    if missing:
        extra.append(missing[0].text)
    if not k.settled:
        extra.append(f"la recherche s'est arrêtée avant de se stabiliser ({k.time_limit_s:.0f} s) : "
                     "relancer avec plus de temps (--time-limit)")
    return text + "".join(f" ; {e}" for e in extra)
