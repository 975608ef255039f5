"""Build a :class:`TeamProblem` from a validated scenario and its drive matrix.

- members: one per advisor, available on its working dates as the home-visit planner
  sees them (public holidays, dated absences and ``now`` applied), weekly contract
  from ``heures_contrat``;
- duties: the ``permanences`` rows falling in the planned week (weekdays of the cycle
  week ``week_number``, or their date), and the bus crew (``equipage``) on each bus day
  of that week (``bus_days``, taken from the rota of that week; default: the bus's days);
- visits: the home-visit problem of :func:`itinerant.visits.problem_from_scenario`
  (priorities, pinned and kept appointments hold); the residents who accept their town
  hall are marked, and the town halls are located by the matrix ids ``mairie-{code}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from itinerant.core.places import Place, TravelMatrix
from itinerant.scenario.model import Advisor, Scenario
from itinerant.team.problem import Availability, Duty, Member, TeamProblem
from itinerant.visits.problem import Break

AvailabilityFn = Callable[[Advisor, dt.date], "Availability | None"]
"""An advisor's availability on a date (None = absent): the hook for absences."""


def mairie_id(code: str) -> str:
    """Matrix id of a commune's town hall: ``"mairie-{code}"``."""
    return f"mairie-{code}"


def mairie_places(scenario: Scenario) -> list[Place]:
    """Town halls of the communes where a resident accepts a mairie session."""
    codes = sorted({v.commune_code for v in scenario.visits if "mairie" in v.modes})
    return [Place(mairie_id(c.code), c.lat, c.lon) for c in scenario.communes if c.code in codes]


def availability_from_visits(vp) -> AvailabilityFn:
    """Availability as the home-visit planner sees it: its vehicle of each advisor's
    working date, with public holidays, dated absences (all day or cut) and ``--now``
    (past days closed, today from now) already applied by :mod:`itinerant.visits.build`."""
    days = {}
    for v in vp.vehicles:
        start = v.start_s if v.open_from_s is None else max(v.start_s, v.open_from_s)
        if start < v.end_s:
            mw = v.max_work_s if v.max_work_s is not None else v.end_s - v.start_s
            days[(v.advisor_id, v.date)] = Availability(v.date, start, v.end_s, mw, v.lunch)

    def available(a: Advisor, date: dt.date) -> Availability | None:
        return days.get((a.id, date))

    return available


def default_availability(scenario: Scenario) -> AvailabilityFn:
    """Working weekdays and hours of ``advisors``, public holidays off (no absences)."""
    off = {d for d, _ in scenario.calendar.holidays}

    def available(a: Advisor, date: dt.date) -> Availability | None:
        if date.weekday() not in a.days or date in off:
            return None
        lunch = Break(a.lunch_start_s, a.lunch_end_s, a.lunch_duration_s) if a.lunch_duration_s > 0 else None
        return Availability(date, a.start_s, a.end_s, a.max_work_s, lunch)

    return available


def week_dates(scenario: Scenario) -> tuple[dt.date, ...]:
    """The seven dates of the planned week."""
    return tuple(scenario.calendar.week_start + dt.timedelta(days=k) for k in range(7))


def duties_of_week(
    scenario: Scenario,
    index: Mapping[str, int],
    *,
    week_number: int = 1,
    bus_days: Mapping[str, Sequence[int]] | None = None,
    previous: Mapping[str, Sequence[str]] | None = None,
) -> list[Duty]:
    """Duties falling in the planned week (see the module docstring); ``previous`` maps a
    permanence or bus id to the advisors who held it the week before (preferred next)."""
    previous = previous or {}
    dates = week_dates(scenario)
    off = {d for d, _ in scenario.calendar.holidays}
    kinds = {s.id: s.kind for s in scenario.sites}
    out: list[Duty] = []
    for p in scenario.permanences:
        if p.date is not None:
            when = [p.date] if p.date in dates else []
        elif p.weeks and week_number not in p.weeks:
            when = []
        else:
            when = [dates[w] for w in p.weekdays]
        for d in when:
            if d in off:
                continue
            out.append(Duty(
                id=f"{p.id}@{d.isoformat()}", kind=p.kind, name=p.name, location=index[p.site_id],
                date=d, start_s=p.start_s, end_s=p.end_s, advisors_needed=p.advisors_needed,
                skills=frozenset(p.skills),
                preferred=_preferred(p.preferred_advisor, previous.get(p.id, ())),
                hypothesis=p.hypothesis, note=p.note or ("" if kinds.get(p.site_id) else ""),
            ))
    for b in scenario.buses:
        days = bus_days.get(b.id, b.days) if bus_days is not None else b.days
        for w in sorted(set(days)):
            d = dates[w]
            if d in off or b.crew <= 0:
                continue
            out.append(Duty(
                id=f"{b.id}@{d.isoformat()}", kind="bus", name=f"Équipage du bus ({b.name})",
                location=index[b.depot], date=d, start_s=b.start_s, end_s=b.end_s,
                advisors_needed=b.crew, preferred=_preferred(None, previous.get(b.id, ())),
            ))
    return out


def _preferred(explicit: str | None, last_week: Sequence[str]) -> tuple[str, ...]:
    """The preferred advisors of a duty: the scenario's, then last week's holders."""
    out = [explicit] if explicit else []
    return tuple(out + [a for a in dict.fromkeys(last_week) if a not in out])


def previous_holders(week_doc: Mapping) -> dict[str, tuple[str, ...]]:
    """Permanence or bus id -> advisors who held it, from a previous ``week.json``."""
    out: dict[str, list[str]] = {}
    for d in week_doc.get("duties", []):
        out.setdefault(str(d["id"]).split("@")[0], []).extend(d.get("advisors", []))
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def team_from_scenario(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    week_number: int = 1,
    bus_days: Mapping[str, Sequence[int]] | None = None,
    availability: AvailabilityFn | None = None,
    min_block_s: int = 3600,
    now: dt.datetime | None = None,
    previous: Mapping[str, Sequence[str]] | None = None,
) -> TeamProblem:
    """The team's week.

    Parameters
    ----------
    scenario
        Validated scenario (advisors, visits, permanences, buses, calendar).
    matrix
        Square drive matrix over the sites, the visits (visit ids) and the town halls
        of :func:`mairie_places`, seconds and metres.
    week_number
        Cycle week of the planned week (1 = the week of ``calendar.week_start``).
    bus_days
        Bus id -> weekdays it runs this week (from the rota); default its ``jours``.
    availability
        Advisor, date -> :class:`Availability` or None; default
        :func:`availability_from_visits` (holidays, absences and ``now`` of the
        home-visit planner).
    now
        Re-planning during the week: past days closed, today opens at ``now``.
    previous
        Permanence or bus id -> last week's holders (:func:`previous_holders`): the same
        advisor at the same antenne each week where possible.
    min_block_s
        Shortest free block worth a tour, seconds.
    """
    from itinerant.visits import problem_from_scenario

    vp = problem_from_scenario(scenario, matrix, now=now)
    index = {pid: k for k, pid in enumerate(matrix.ids)}
    available = availability or availability_from_visits(vp)
    members = []
    for a in scenario.advisors:
        days = tuple(x for x in (available(a, d) for d in week_dates(scenario)) if x is not None)
        members.append(Member(a.id, a.name, frozenset(a.skills), index[a.start_site], days, a.contract_s))
    duties = duties_of_week(scenario, index, week_number=week_number, bus_days=bus_days, previous=previous)
    halls = {v.commune_code for v in scenario.visits if "mairie" in v.modes and mairie_id(v.commune_code) in index}
    return TeamProblem(
        visits=vp,
        members=tuple(members),
        duties=tuple(duties),
        mairie_ok=frozenset(v.id for v in scenario.visits if "mairie" in v.modes),
        domicile_ok=frozenset(v.id for v in scenario.visits if "domicile" in v.modes),
        mairie_location=tuple((c, index[mairie_id(c)]) for c in sorted(halls)),
        visit_commune=tuple((v.id, v.commune_code) for v in scenario.visits),
        min_block_s=min_block_s,
        name=scenario.name,
    )
