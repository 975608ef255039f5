"""The team's week as plain data: members, duties, visit tasks, and the plan.

A :class:`TeamProblem` holds everything the week planner needs and nothing else
(no scenario, graph or solver state): the advisors as :class:`Member` (skills,
availability per date, contract hours), the :class:`Duty` list (office desk,
antennes, partner permanences, workshops, the bus crew), and a
:class:`~itinerant.visits.problem.VisitProblem` whose tasks are the home visits
(its vehicles are ignored: the planner makes one per free block between duties).

Units: times of day are integer seconds since midnight, durations integer seconds,
distances integer metres. Matrices are those of the visit problem, indexed by
location index (``Duty.location``, ``Member.home``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from itinerant.visits.plan import Plan
from itinerant.visits.problem import Break, VisitProblem

DutyKind = Literal["office", "antenne", "partner", "workshop", "bus"]

MORNING_END_S = 13 * 3600
"""A half-day boundary: the morning ends at 13:00 (the board's columns)."""


@dataclass(frozen=True)
class Availability:
    """An advisor's working day: present from ``start_s`` to ``end_s`` on ``date``.

    This is the interface the absences of the home-visit planner fill: a date with
    no :class:`Availability` is a day off (absence, holiday, not a working day).
    """

    date: dt.date
    start_s: int
    end_s: int
    max_work_s: int
    """Longest working time that day, seconds."""
    lunch: Break | None = None


@dataclass(frozen=True)
class Member:
    """An advisor of the team.

    Attributes
    ----------
    id, name
        Stable id and display name.
    skills
        Skills of the advisor.
    home
        Location index where each day starts and ends (the office).
    days
        Availability per working date of the week (absences removed).
    contract_s
        Weekly contract, seconds of work; None = only the daily limits.
    """

    id: str
    name: str
    skills: frozenset[str]
    home: int
    days: tuple[Availability, ...]
    contract_s: int | None = None

    def on(self, date: dt.date) -> Availability | None:
        """The availability on ``date``, or None (day off)."""
        for a in self.days:
            if a.date == date:
                return a
        return None


@dataclass(frozen=True)
class Duty:
    """A fixed-place duty to staff: ``advisors_needed`` advisors at ``location``.

    Attributes
    ----------
    id
        Stable id, ``"{permanence_id}@{YYYY-MM-DD}"`` in the product.
    kind
        ``office``, ``antenne``, ``partner``, ``workshop`` or ``bus``.
    location
        Location index of the site (the bus depot for the bus crew).
    date, start_s, end_s
        When, seconds since midnight.
    advisors_needed
        How many advisors it takes.
    skills
        Skills every advisor on it must have.
    preferred
        Advisors preferred on it (the same advisor each week), in order.
    hypothesis
        True when the duty is a guess (« hypothèse, à ajuster »).
    held
        Advisors already announced on it (a re-plan during the week): each keeps the
        seat while they can still hold it (see :func:`itinerant.team.duties.fits`);
        a holder who no longer can is replaced, and the plan says so.
    """

    id: str
    kind: DutyKind
    name: str
    location: int
    date: dt.date
    start_s: int
    end_s: int
    advisors_needed: int = 1
    skills: frozenset[str] = frozenset()
    preferred: tuple[str, ...] = ()
    hypothesis: bool = False
    note: str = ""
    held: tuple[str, ...] = ()

    def work_s(self, lunch: Break | None) -> int:
        """Working time of an advisor on it: its length, less the lunch when it spans it."""
        length = self.end_s - self.start_s
        if lunch is not None and self.start_s <= lunch.earliest_s and self.end_s >= lunch.latest_end_s:
            length -= lunch.duration_s
        return length


@dataclass(frozen=True)
class Session:
    """A half-day at a town hall: residents who accept « mairie » come one after another.

    ``task_id`` is the id of the visit task standing for the session; ``members`` the
    visit ids it groups, in their order of appointment.
    """

    task_id: str
    commune_code: str
    location: int
    members: tuple[str, ...]
    saved_s: int
    """Driving saved against visiting them at home one after another, seconds (estimate)."""


@dataclass(frozen=True, eq=False)
class TeamProblem:
    """The whole week of the team.

    Attributes
    ----------
    visits
        The home-visit problem: locations, matrices, tasks (its vehicles are unused).
    members, duties
        The advisors and the duties of the week.
    mairie_ok, domicile_ok
        Visit ids accepting a session at their town hall / a visit at home.
    mairie_location
        Commune code -> location index of its town hall.
    visit_commune
        Visit id -> commune code.
    min_block_s
        Shortest free block worth a tour, seconds.
    """

    visits: VisitProblem
    members: tuple[Member, ...]
    duties: tuple[Duty, ...]
    mairie_ok: frozenset[str] = frozenset()
    domicile_ok: frozenset[str] = frozenset()
    mairie_location: tuple[tuple[str, int], ...] = ()
    visit_commune: tuple[tuple[str, str], ...] = ()
    min_block_s: int = 3600
    name: str = ""

    def __post_init__(self) -> None:
        n = len(self.visits.location_ids)
        ids = [d.id for d in self.duties]
        if len(set(ids)) != len(ids):
            raise ValueError("duty ids must be unique")
        mids = [m.id for m in self.members]
        if len(set(mids)) != len(mids):
            raise ValueError("member ids must be unique")
        for d in self.duties:
            if not 0 <= d.location < n:
                raise ValueError(f"duty {d.id}: location {d.location} out of range")
            if d.start_s >= d.end_s:
                raise ValueError(f"duty {d.id}: start_s must be < end_s")
            if d.advisors_needed < 0:
                raise ValueError(f"duty {d.id}: advisors_needed must be >= 0")
        for m in self.members:
            if not 0 <= m.home < n:
                raise ValueError(f"member {m.id}: home {m.home} out of range")

    def member(self, member_id: str) -> Member:
        """The member with this id (KeyError if absent)."""
        for m in self.members:
            if m.id == member_id:
                return m
        raise KeyError(member_id)

    def duty(self, duty_id: str) -> Duty:
        """The duty with this id (KeyError if absent)."""
        for d in self.duties:
            if d.id == duty_id:
                return d
        raise KeyError(duty_id)

    @property
    def dates(self) -> tuple[dt.date, ...]:
        """Every date on which someone works or a duty falls, sorted."""
        return tuple(sorted({a.date for m in self.members for a in m.days} | {d.date for d in self.duties}))


# ------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Unstaffed:
    """A duty (or one of its seats) nobody can take, with the reason."""

    duty_id: str
    missing: int
    reason: str


@dataclass(frozen=True)
class TeamPlan:
    """The week of the team: who holds which duty, and the tours in the gaps.

    Attributes
    ----------
    assignments
        ``(duty_id, member_id)`` pairs.
    unstaffed
        Duties not fully staffed, with a reason (reported before anything else).
    plan
        The home-visit plan; its vehicles are the free blocks of :attr:`problem`.
    problem
        The visit problem the plan answers (tasks = visits and mairie sessions).
    sessions
        The mairie sessions formed (their task ids are in ``problem.tasks``).
    strategy
        ``integrated`` or ``sequential``.
    """

    assignments: tuple[tuple[str, str], ...]
    unstaffed: tuple[Unstaffed, ...]
    plan: Plan
    problem: VisitProblem
    sessions: tuple[Session, ...] = ()
    strategy: str = "integrated"
    wall_s: float = 0.0
    notes: tuple[str, ...] = field(default=())
    label: str = ""
    """How this candidate was made: ``sequential``, ``integrated``, ``integrated + mairie``."""
    candidates: tuple[TeamPlan, ...] = field(default=())
    """The plans compared in the same run (the sequential one first), when integrated."""

    def duties_of(self, member_id: str) -> tuple[str, ...]:
        """Duty ids held by a member."""
        return tuple(d for d, m in self.assignments if m == member_id)

    def visits_served(self) -> set[str]:
        """Ids of the visit requests met (at home or in a mairie session)."""
        served = self.plan.served()
        out = {t for t in served if not any(s.task_id == t for s in self.sessions)}
        for s in self.sessions:
            if s.task_id in served:
                out |= set(s.members)
        return out
