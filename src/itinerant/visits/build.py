"""Build a :class:`VisitProblem` from a validated scenario and its drive matrix.

- one vehicle per advisor and working date of the week (public holidays skipped);
- one task per visit not yet done; its location is the matrix row keyed by the
  visit's id; the scenario's windows are presence windows (the visit must start and
  end inside one: ``end_in_window``);
- re-planning: a previous ``plan.json`` keeps its pinned and done stops on their
  advisor, date and start time; with ``now``, its stops that started before now are
  kept as they were (made); its other stops are *announced* (held in their slot unless
  they must move, see :mod:`itinerant.visits.keep`); visits added by the coordinator
  are planned too; days before ``now`` are closed to new visits and today opens at now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from itinerant.core.errors import Fault, InputError
from itinerant.core.places import TravelMatrix
from itinerant.scenario.model import Advisor, Scenario, Visit
from itinerant.visits.problem import HORIZON, PENALTY, Break, SetAside, Slot, Staff, Task, Vehicle, VisitProblem

DAY_S = 24 * 3600


def vehicle_id(advisor_id: str, date: dt.date) -> str:
    """Stable id of an advisor's day: ``"{advisor_id}@{YYYY-MM-DD}"``."""
    return f"{advisor_id}@{date.isoformat()}"


def merge_visits(scenario: Scenario, added: Sequence[Visit]) -> Scenario:
    """The scenario with ``added`` visits appended (an added id replaces the old visit)."""
    if not added:
        return scenario
    new_ids = {v.id for v in added}
    visits = tuple(v for v in scenario.visits if v.id not in new_ids) + tuple(added)
    return scenario.model_copy(update={"visits": visits})


def load_added_visits(scenario: Scenario, path: Path | str) -> tuple[Visit, ...]:
    """Read urgent requests (CSV or XLSX in the visits format) against the scenario.

    See :func:`itinerant.scenario.read_visits`: every fault raised at once, naming the
    new file; an id already used by the scenario is a fault.
    """
    from itinerant.scenario import read_visits

    return read_visits(path, scenario)


def _seconds(stop: dict[str, Any], key: str) -> int | None:
    if f"{key}_s" in stop and stop[f"{key}_s"] is not None:
        return int(stop[f"{key}_s"])
    text = stop.get(key)
    if not text:
        return None
    h, m = str(text).split(":")[:2]
    return int(h) * 3600 + int(m) * 60


def _vehicles(scenario: Scenario, index: dict[str, int], now: dt.datetime | None) -> list[Vehicle]:
    """One vehicle per advisor and working date; past days closed, today opens at now;
    a day with an absence is removed (all day) or cut (the longer part around it)."""
    out: list[Vehicle] = []
    away: dict[tuple[str, dt.date], list] = {}
    for ab in scenario.absences:
        away.setdefault((ab.advisor_id, ab.date), []).append(ab)
    for a in scenario.advisors:
        lunch = None
        if a.lunch_duration_s > 0:
            lunch = Break(a.lunch_start_s, a.lunch_end_s, a.lunch_duration_s)
        for d in scenario.calendar.working_dates(a.days):
            v: Vehicle | None = _day_hours(_vehicle(a, d, index, lunch, _open_from(d, now)), a)
            for ab in away.get((a.id, d), ()):
                v = _cut(v, ab) if v is not None else None
            if v is not None:
                out.append(v)
    return out


def _day_hours(v: Vehicle, a: Advisor) -> Vehicle:
    """The advisor's hours on that weekday (``horaires``); lunch only where the day spans it."""
    start, end = a.hours_on(v.date.weekday()) if v.date is not None else (v.start_s, v.end_s)
    if (start, end) == (v.start_s, v.end_s):
        return v
    lunch = v.lunch
    if lunch is not None and not (start <= lunch.earliest_s and lunch.latest_end_s <= end):
        lunch = None
    mw = None if v.max_work_s is None else min(v.max_work_s, end - start)
    return replace(v, start_s=start, end_s=end, lunch=lunch, max_work_s=mw)


def _cut(v: Vehicle, ab) -> Vehicle | None:
    """The day without the absence: None when nothing useful is left (under 1 h).

    An absence in the middle of the day keeps the longer of the two parts; the lunch
    stays only where the part spans its window.
    """
    if ab.start_s is None or ab.end_s is None or (ab.start_s <= v.start_s and ab.end_s >= v.end_s):
        return None
    before = (v.start_s, min(v.end_s, ab.start_s))
    after = (max(v.start_s, ab.end_s), v.end_s)
    start, end = max((before, after), key=lambda p: p[1] - p[0])
    if end - start < 3600:
        return None
    lunch = v.lunch
    if lunch is not None and not (start <= lunch.earliest_s and lunch.latest_end_s <= end):
        lunch = None
    mw = None if v.max_work_s is None else min(v.max_work_s, end - start)
    return replace(v, start_s=start, end_s=end, lunch=lunch, max_work_s=mw)


def _open_from(d: dt.date, now: dt.datetime | None) -> int | None:
    if now is None or d > now.date():
        return None
    if d < now.date():
        return HORIZON
    return now.hour * 3600 + now.minute * 60 + now.second


def _vehicle(a: Advisor, d: dt.date, index: dict[str, int], lunch: Break | None, open_from: int | None) -> Vehicle:
    return Vehicle(
        id=vehicle_id(a.id, d),
        start=index[a.start_site],
        end=index[a.end_site],
        start_s=a.start_s,
        end_s=a.end_s,
        max_work_s=a.max_work_s,
        advisor_id=a.id,
        advisor_name=a.name,
        date=d,
        skills=frozenset(a.skills),
        lunch=lunch,
        open_from_s=open_from,
    )


def _task(v: Visit, location: int) -> Task:
    """The task of a visit request (its pins as the scenario gives them)."""
    t = Task(
        id=v.id,
        location=location,
        duration_s=v.duration_s,
        windows=tuple(v.windows) or ((0, DAY_S),),
        end_in_window=True,
        priority=v.priority,
        penalty=PENALTY[v.priority],
        days=tuple(v.days) or None,
        skill=v.skill,
        advisor_id=v.pinned_advisor or v.same_advisor,
        date=v.pinned_date,
        pinned_start_s=v.pinned_start_s,
        pinned=v.pinned_advisor is not None or v.pinned_date is not None,
        done=v.done,
        name=v.name,
        min_duration_s=v.min_duration_s,
    )
    if v.pinned_date is not None:
        t = replace(t, days=None)
    if v.pinned_start_s is not None:
        t = replace(t, windows=((v.pinned_start_s, v.pinned_start_s),), end_in_window=False)
    return t


def _apply_kept(t: Task, k: _Kept) -> Task:
    """The task as the previous plan leaves it: kept (pinned/made) or announced."""
    if not k.keep:
        return replace(t, announced=Slot(k.advisor_id, k.date, k.start_s))
    t = replace(t, advisor_id=k.advisor_id, date=k.date, days=None, pinned=True, done=k.done or t.done)
    if k.timed:
        t = replace(t, windows=((k.start_s, k.start_s),), end_in_window=False, pinned_start_s=k.start_s)
    return t


def problem_from_scenario(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    replan: dict[str, Any] | None = None,
    added_visits: Sequence[Visit] = (),
    now: dt.datetime | None = None,
    rejected: Sequence[Any] = (),
) -> VisitProblem:
    """The week's home-visit problem.

    Parameters
    ----------
    scenario
        Validated scenario (advisors, visits, calendar).
    matrix
        Square drive matrix whose ids include every site id and every visit id
        (a visit's location is keyed by the visit's id), seconds and metres.
    replan
        A previous ``plan.json`` (as a dict): its stops marked ``pinned`` or ``done``
        (or whose visit is done) stay on their advisor and day; also at their start
        time when done or marked ``time_pinned``; stops before ``now`` are made (kept
        as they were); the others are announced.
    added_visits
        New requests to insert (must be in ``matrix`` too); see
        :func:`load_added_visits` and :func:`merge_visits`.
    now
        Nothing new is placed before this moment (naive local time); None = no bound.
    rejected
        Visit rows set aside by lenient loading
        (:class:`itinerant.scenario.lenient.RejectedVisit`): listed unassigned with their faults.

    Returns
    -------
    VisitProblem
    """
    scenario = merge_visits(scenario, added_visits)
    ids = matrix.ids
    index = {pid: k for k, pid in enumerate(ids)}
    faults: list[Fault] = []
    need = {a.start_site for a in scenario.advisors} | {a.end_site for a in scenario.advisors}
    missing = sorted(need - set(index)) + sorted(v.id for v in scenario.visits if v.id not in index)
    if missing:
        raise ValueError(f"the drive matrix lacks ids: {', '.join(missing[:10])}")
    cal = scenario.calendar
    vehicles = _vehicles(scenario, index, now)
    kept: dict[str, _Kept] = {}
    if replan is not None:
        kept = _kept_from_plan(replan, scenario, faults, now)
    tasks: list[Task] = []
    for v in scenario.visits:
        t = _task(v, index[v.id])
        if v.id in kept:
            t = _apply_kept(t, kept[v.id])
        elif v.done:
            continue  # already made and not in a previous plan: nothing to plan
        tasks.append(t)
    if faults:
        raise InputError(faults)
    staff = tuple(Staff(a.id, a.name, frozenset(a.skills), tuple(a.days)) for a in scenario.advisors)
    return VisitProblem(
        location_ids=ids,
        duration_s=matrix.duration_s,
        distance_m=matrix.distance_m,
        vehicles=tuple(vehicles),
        tasks=tuple(tasks),
        name=scenario.name,
        week_start=cal.week_start,
        estimated=matrix.estimated,
        staff=staff,
        holidays=tuple(cal.holidays),
        site_names=tuple((st.id, st.name) for st in scenario.sites),
        now=now,
        set_aside=set_aside_rows(rejected, {t.id for t in tasks}),
        absences=tuple((ab.advisor_id, ab.date, ab.reason) for ab in scenario.absences),
    )


def set_aside_rows(rejected: Sequence[Any], task_ids: set[str]) -> tuple[SetAside, ...]:
    """Bad visit rows as requests left out, with their faults (an id already planned
    is named with its row)."""
    out = []
    for r in rejected:
        vid = r.visit_id if r.visit_id not in task_ids else f"{r.visit_id} (ligne {r.row})"
        texts = tuple(f"{f.column} : {f.message}" + (f" ({f.fix})" if f.fix else "") for f in r.faults)
        out.append(SetAside(vid, f"ligne {r.row} de {r.file} écartée : " + " ; ".join(texts), "invalid",
                            r.priority, texts))
    return tuple(out)


@dataclass(frozen=True)
class _Kept:
    """A stop of the previous plan: kept (pinned or made) or only announced."""

    advisor_id: str
    date: dt.date
    start_s: int
    keep: bool
    timed: bool
    done: bool


def _kept_from_plan(plan: dict[str, Any], scenario: Scenario, faults: list[Fault], now: dt.datetime | None = None):
    """Stops of a previous plan: visit id -> :class:`_Kept`."""
    src = "plan.json"
    week = plan.get("week_start")
    if week and week != scenario.calendar.week_start.isoformat():
        faults.append(
            Fault(src, None, "week_start", f"plan de la semaine du {week}, scénario de la semaine du {scenario.calendar.week_start.isoformat()}", "re-planifier avec le plan de la même semaine")
        )
        return {}
    visits = {v.id: v for v in scenario.visits}
    advisors = {a.id for a in scenario.advisors}
    kept = {}
    for r in plan.get("routes", []):
        adv = r.get("advisor_id")
        try:
            day = dt.date.fromisoformat(r.get("day", ""))
        except (TypeError, ValueError):
            faults.append(Fault(src, None, "day", f"date illisible '{r.get('day')}'", "écrire AAAA-MM-JJ"))
            continue
        for s in r.get("stops", []):
            vid = s.get("visit_id")
            v = visits.get(vid)
            start = _seconds(s, "start")
            if v is None or start is None:
                continue  # a visit no longer requested
            if adv not in advisors:
                faults.append(Fault(src, None, "advisor_id", f"conseiller '{adv}' inconnu (visite {vid})", "corriger le plan ou la table des conseillers"))
                continue
            made = now is not None and dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=start) < now
            done = bool(v.done or s.get("done")) or made
            keep = done or bool(s.get("pinned"))
            timed = done or bool(s.get("time_pinned")) or v.pinned_start_s is not None
            kept[vid] = _Kept(adv, day, start, keep, timed, done)
    return kept
