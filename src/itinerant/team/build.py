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
from dataclasses import dataclass, field, replace
from typing import Any

from itinerant.core.places import Place, TravelMatrix
from itinerant.core.units import parse_time
from itinerant.scenario.model import Advisor, Scenario, Visit
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
    bus_stops: Mapping[str, Mapping[int, str]] | None = None,
) -> list[Duty]:
    """Duties falling in the planned week (see the module docstring); ``previous`` maps a
    permanence or bus id to the advisors who held it the week before (preferred next);
    ``bus_stops``: bus id -> weekday -> the day's stops in words (the crew duty's note)."""
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
                note=(bus_stops or {}).get(b.id, {}).get(w, ""),
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


@dataclass(frozen=True)
class Replan:
    """A re-plan of the team's week during that week, from its previous ``week.json``.

    Attributes
    ----------
    now
        The moment of the re-plan (naive local time): nothing is planned before it.
    duties
        The previous ``week.json`` duty rows (``id``, ``day``, ``start``, ``end``,
        ``advisors``...).
    tours
        The previous visit plan (the ``plan.json`` document of the tours).
    sessions
        The previous mairie sessions (``week.json`` rows), for the tours kept.
    board
        The previous board rows (kept for the half-days already over).
    """

    now: dt.datetime
    duties: tuple[dict[str, Any], ...] = ()
    tours: dict[str, Any] = field(default_factory=dict)
    sessions: tuple[dict[str, Any], ...] = ()
    board: tuple[dict[str, Any], ...] = ()

    def started(self, day: str, start_s: int) -> bool:
        """Whether something of ``day`` (``YYYY-MM-DD``) at ``start_s`` began before now."""
        return dt.datetime.combine(dt.date.fromisoformat(day), dt.time()) + dt.timedelta(seconds=start_s) < self.now

    @property
    def made_duties(self) -> tuple[dict[str, Any], ...]:
        """Duty rows that began before now: kept as they were held."""
        return tuple(d for d in self.duties if self.started(d["day"], parse_time(d["start"])))

    @property
    def made_routes(self) -> tuple[dict[str, Any], ...]:
        """Tours that left before now: kept as made (an advisor on the road finishes it)."""
        return tuple(r for r in self.tours.get("routes", []) if r.get("day") and self.started(r["day"], int(r["depart_s"])))

    @property
    def held(self) -> dict[str, tuple[str, ...]]:
        """Duty id -> advisors announced on it, for the duties still to come."""
        made = {d["id"] for d in self.made_duties}
        return {d["id"]: tuple(d.get("advisors", ())) for d in self.duties if d["id"] not in made}

    def made_visits(self) -> set[str]:
        """Visit (or session) ids of the tours kept."""
        return {s["visit_id"] for r in self.made_routes for s in r.get("stops", [])}


def replan_from_week(doc: Mapping[str, Any], now: dt.datetime, tours: Mapping[str, Any] | None = None) -> Replan:
    """The :class:`Replan` of a previous ``week.json`` document (``tours``: its visit plan
    when not inside the document, e.g. ``tournees/plan.json`` beside it)."""
    plan = dict(tours if tours is not None else doc.get("tours") or {})
    board = tuple(r for r in doc.get("board") or () if isinstance(r, dict)
                  and {"advisor_id", "day", "half", "text"} <= set(r) and r["half"] in ("matin", "après-midi")
                  and isinstance(r.get("kinds"), list) and _is_date(r["day"]))
    sessions = tuple(x for x in doc.get("sessions") or () if isinstance(x, dict) and isinstance(x.get("id"), str)
                     and isinstance(x.get("visits"), list))
    return Replan(now=now, duties=tuple(doc.get("duties", ())), tours=plan, sessions=sessions, board=board)


def _is_date(text: Any) -> bool:
    try:
        dt.date.fromisoformat(str(text))
    except ValueError:
        return False
    return True


def made_work(scenario: Scenario, replan: Replan, duties: Sequence[Duty],
              matrix: TravelMatrix) -> dict[tuple[str, dt.date], tuple[int, int]]:
    """(advisor id, date) -> (seconds already worked, when they are back at their start
    site) from the duties and tours a re-plan keeps (``duties``: the week's duties)."""
    by_id = {d.id: d for d in duties}
    index = {pid: k for k, pid in enumerate(matrix.ids)}
    advisors = {a.id: a for a in scenario.advisors}
    out: dict[tuple[str, dt.date], tuple[int, int]] = {}

    def add(aid: str, day: dt.date, work: int, back: int) -> None:
        w, b = out.get((aid, day), (0, 0))
        out[(aid, day)] = (w + work, max(b, back))

    for row in replan.made_duties:
        day, start, end = dt.date.fromisoformat(row["day"]), parse_time(row["start"]), parse_time(row["end"])
        duty = by_id.get(row["id"])
        for aid in row.get("advisors", ()):
            a = advisors.get(aid)
            lunch = Break(a.lunch_start_s, a.lunch_end_s, a.lunch_duration_s) if a and a.lunch_duration_s > 0 else None
            work, drive = end - start, 0
            if duty is not None:
                work = duty.work_s(lunch)
                if a is not None and a.start_site in index:
                    drive = int(matrix.duration_s[duty.location, index[a.start_site]])
            add(aid, day, work, end + drive)
    for r in replan.made_routes:
        add(r["advisor_id"], dt.date.fromisoformat(r["day"]), int(r.get("work_s", 0)), int(r["return_s"]))
    return out


def _after_made(available: AvailabilityFn, made: Mapping[tuple[str, dt.date], tuple[int, int]]) -> AvailabilityFn:
    """Availability once the kept duties and tours are done: the day opens when the advisor
    is back from them, with what is left of the day's working limit."""

    def after(a: Advisor, date: dt.date) -> Availability | None:
        x = available(a, date)
        if x is None or (a.id, date) not in made:
            return x
        work, back = made[(a.id, date)]
        start = max(x.start_s, back)
        if start >= x.end_s:
            return None
        return replace(x, start_s=start, max_work_s=max(0, x.max_work_s - work))

    return after


def team_from_scenario(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    week_number: int = 1,
    bus_days: Mapping[str, Sequence[int]] | None = None,
    bus_stops: Mapping[str, Mapping[int, str]] | None = None,
    availability: AvailabilityFn | None = None,
    min_block_s: int = 3600,
    now: dt.datetime | None = None,
    previous: Mapping[str, Sequence[str]] | None = None,
    replan: Replan | None = None,
    added_visits: Sequence[Visit] = (),
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
    replan
        A re-plan during the week (:func:`replan_from_week`; ``now`` is taken from it):
        the duties begun and the tours left before now are kept as they were (out of
        the problem, their hours counted against the day and the contract); the duties
        to come keep their announced holders (``Duty.held``) while they can; the visits
        announced by its tours hold their slots as in ``itinerant visits --replan``.
    added_visits
        New requests (already in ``scenario`` and ``matrix``), planned too.
    min_block_s
        Shortest free block worth a tour, seconds.
    """
    from itinerant.visits import problem_from_scenario

    if replan is not None:
        now = replan.now
    vp = problem_from_scenario(scenario, matrix, now=now, replan=replan.tours if replan else None,
                               added_visits=added_visits)
    index = {pid: k for k, pid in enumerate(matrix.ids)}
    available = availability or availability_from_visits(vp)
    duties = duties_of_week(scenario, index, week_number=week_number, bus_days=bus_days, previous=previous,
                            bus_stops=bus_stops)
    made: dict[tuple[str, dt.date], tuple[int, int]] = {}
    if replan is not None:
        gone = replan.made_visits()
        vp = vp.replace(tasks=tuple(t for t in vp.tasks if t.id not in gone and not t.done))
        made = made_work(scenario, replan, duties, matrix)
        available = _after_made(available, made)
        begun = {d["id"] for d in replan.made_duties}
        held = replan.held
        advisors = {a.id for a in scenario.advisors}
        duties = [replace(d, held=tuple(a for a in held.get(d.id, ()) if a in advisors))
                  for d in duties if d.id not in begun and not replan.started(d.date.isoformat(), d.start_s)]
    members = []
    for a in scenario.advisors:
        days = tuple(x for x in (available(a, d) for d in week_dates(scenario)) if x is not None)
        contract = a.contract_s
        if contract is not None and made:
            contract = max(0, contract - sum(w for (aid, _), (w, _) in made.items() if aid == a.id))
        members.append(Member(a.id, a.name, frozenset(a.skills), index[a.start_site], days, contract))
    halls = {v.commune_code for v in scenario.visits if "mairie" in v.modes and mairie_id(v.commune_code) in index}
    left = {t.id for t in vp.tasks}
    announced = {t.id for t in vp.tasks if t.announced is not None}  # stay where announced: at home
    return TeamProblem(
        visits=vp,
        members=tuple(members),
        duties=tuple(duties),
        mairie_ok=frozenset(v.id for v in scenario.visits if "mairie" in v.modes and v.id in left - announced),
        domicile_ok=frozenset(v.id for v in scenario.visits if "domicile" in v.modes and v.id in left),
        mairie_location=tuple((c, index[mairie_id(c)]) for c in sorted(halls)),
        visit_commune=tuple((v.id, v.commune_code) for v in scenario.visits),
        min_block_s=min_block_s,
        name=scenario.name,
    )
