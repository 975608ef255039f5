"""What a plan says about itself: capacity summary, grouped reasons, the French summary.

- :func:`capacity_lines`: demand against available working hours, for the week and per
  skill and day; a line for each group of visits left out that share their possible
  days and skill (« il manque 12 h de visites « santé » jeudi 3/12 »);
- :func:`group_reasons`: visits left out whose reasons point to the same route are
  grouped (they compete for it: one more half-day there places several of them);
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from itinerant.core.units import short_day
from itinerant.visits.plan import CapacityLine, ReasonGroup, Unassigned
from itinerant.visits.problem import VisitProblem
from itinerant.visits.reasons import block_text


def hours(s: int) -> str:
    """Seconds as ``12 h``, ``3 h 30``, ``45 min`` (rounded to 5 minutes)."""
    m = round(s / 300.0) * 5
    h, m = divmod(m, 60)
    if h and m:
        return f"{h} h {m:02d}"
    return f"{h} h" if h else f"{m} min"


_day = short_day


def _days(dates: Sequence[dt.date]) -> str:
    names = [_day(d) for d in sorted(dates)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " ou " + names[-1]


def _available_s(problem: VisitProblem, k: int) -> int:
    v = problem.vehicles[k]
    span = v.end_s - v.start_s - (v.lunch.duration_s if v.lunch is not None else 0)
    if v.max_work_s is not None:
        span = min(span, v.max_work_s)
    return max(0, span)


def capacity_lines(problem: VisitProblem, unassigned: Sequence[Unassigned]) -> tuple[CapacityLine, ...]:
    """The week's demand and available hours, then what is missing (see the module docstring).

    Demand counts the visits' durations only (driving comes on top); available hours
    are the advisors' working days (shift or maximum working time, lunch excluded).
    """
    left = {u.task_id for u in unassigned}
    demand = sum(t.duration_s for t in problem.tasks)
    avail = sum(_available_s(problem, k) for k in range(len(problem.vehicles)))
    missing = sum(t.duration_s for t in problem.tasks if t.id in left)
    lines = [CapacityLine(None, None, demand, avail, missing,
                          f"demande {hours(demand)} de visites (trajets en plus) pour {hours(avail)} "
                          f"de travail disponibles ; {hours(missing)} de visites non planifiées")]
    allowed_dates: list[tuple[dt.date, ...]] = [
        tuple(sorted({d for k in problem.allowed_vehicles(i) if (d := problem.vehicles[k].date) is not None}))
        for i in range(len(problem.tasks))
    ]
    groups: dict[tuple[str | None, tuple[dt.date, ...]], list[int]] = defaultdict(list)
    for i, t in enumerate(problem.tasks):
        if t.id in left:
            groups[(t.skill, allowed_dates[i])].append(i)
    for (skill, dates), idx in sorted(groups.items(), key=lambda g: -sum(problem.tasks[i].duration_s for i in g[1])):
        miss = sum(problem.tasks[i].duration_s for i in idx)
        ks = [k for k, v in enumerate(problem.vehicles)
              if v.date in dates and (skill is None or skill in v.skills)]
        av = sum(_available_s(problem, k) for k in ks)
        dem = sum(t.duration_s for i, t in enumerate(problem.tasks)
                  if (skill is None or t.skill == skill)
                  and set(allowed_dates[i]) <= set(dates))
        what = f"de visites « {skill} »" if skill else "de visites"
        when = _days(dates) if dates else "cette semaine (aucune journée compatible)"
        text = (f"il manque {hours(miss)} {what} {when} ({len(idx)} visite{'s' if len(idx) > 1 else ''} ; "
                f"{hours(dem)} demandées pour {hours(av)} de travail disponibles)")
        lines.append(CapacityLine(dates[0] if len(dates) == 1 else None, skill, dem, av, miss, text))
    return tuple(lines)


def group_reasons(problem: VisitProblem, unassigned: Sequence[Unassigned]) -> tuple[ReasonGroup, ...]:
    """Visits left out whose reasons point to the same route, two or more per group."""
    by: dict[str, list[Unassigned]] = defaultdict(list)
    for u in unassigned:
        if u.vehicle_id:
            by[u.vehicle_id].append(u)
    names = {v.id: (v.advisor_name or v.advisor_id, v.date, block_text(v)) for v in problem.vehicles}
    out = []
    for vid, us in sorted(by.items(), key=lambda g: (-len(g[1]), g[0])):
        if len(us) < 2:
            continue
        who, date, block = names.get(vid, (vid, None, ""))
        when = (f" le {_day(date)}" if date else "") + block  # a team week's block: by the duties around it
        ids = ", ".join(u.task_id for u in us)
        out.append(ReasonGroup(
            vid, tuple(u.task_id for u in us),
            f"{len(us)} visites se disputent la tournée de {who}{when} ({ids}) : chaque raison vaut pour "
            f"une visite seule ; une demi-journée de plus ce jour-là, ou d'autres jours autorisés, "
            f"en placeraient plusieurs"))
    return tuple(out)
