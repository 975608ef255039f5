"""Independent checker of a team's week: imports no solver, trusts no vehicle.

:func:`check_week` lists every violation of a :class:`~itinerant.team.problem.TeamPlan`
against its :class:`~itinerant.team.problem.TeamProblem`; :func:`assert_valid` raises
:class:`~itinerant.core.errors.SolverError` when there is any.

Rules: the tours pass the home-visit checker (:func:`itinerant.visits.check.check_plan`);
each visit request is met once at most (at home or in one mairie session, never both);
every duty holds at most its seats, and the empty seats are exactly those reported
unstaffed; each advisor on a duty has its skills and works that day; nobody is in two
places: each advisor's day (duties and tours, in time order) leaves the office no
earlier than the start of the day, allows the drive between consecutive assignments,
and is back at the office by the end of the day; the day's work stays within the
day's limit and the week's within the contract.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from itinerant.core.errors import SolverError
from itinerant.core.units import hhmm, parse_time
from itinerant.visits.check import check_plan

if TYPE_CHECKING:
    from itinerant.team.problem import TeamPlan, TeamProblem


def _t(s: int) -> str:
    return hhmm(s, with_seconds=True)


def check_week(team: TeamProblem, week: TeamPlan) -> list[str]:
    """Every violation of ``week`` (empty list when valid)."""
    out = list(check_plan(week.problem, week.plan))
    out += _check_requests(team, week)
    out += _check_seats(team, week)
    timeline, bad = _timelines(team, week)
    out += bad
    out += _check_days(team, week, timeline)
    return out


def _check_requests(team: TeamProblem, week: TeamPlan) -> list[str]:
    """Each request met once at most; sessions hold mairie-accepting residents; the
    advisor of each stop has every skill it asks for (combined session skills too)."""
    out = []
    original = {t.id: t for t in team.visits.tasks}
    met: Counter = Counter()
    served = week.plan.served()
    session_ids = {s.task_id for s in week.sessions}
    for s in week.sessions:
        for vid in s.members:
            if vid not in original:
                out.append(f"séance {s.task_id} : visite inconnue {vid}")
            if vid not in team.mairie_ok:
                out.append(f"séance {s.task_id} : {vid} n'accepte pas la mairie")
        if s.task_id in served:
            met.update(s.members)
    met.update(t for t in served if t not in session_ids)
    out += [f"demande {vid} satisfaite {n} fois" for vid, n in met.items() if n > 1]
    members = {m.id: m for m in team.members}
    tasks = {t.id: t for t in week.problem.tasks}
    for r in week.plan.routes:
        mem = members.get(r.advisor_id)
        for st in r.stops:
            t = tasks.get(st.task_id)
            if mem is None or t is None or not t.skill:
                continue
            need = set(t.skill.split("+"))
            if not need <= mem.skills:
                out.append(f"{st.task_id} : {r.advisor_id} n'a pas {sorted(need - mem.skills)}")
    return out


def _check_seats(team: TeamProblem, week: TeamPlan) -> list[str]:
    """Seats of each duty, the unstaffed report, skills and working days of the holders."""
    out = []
    members = {m.id: m for m in team.members}
    seats = Counter(d for d, _ in week.assignments)
    if len(set(week.assignments)) != len(week.assignments):
        out.append("une affectation est en double")
    reported = {u.duty_id: u.missing for u in week.unstaffed}
    for d in team.duties:
        if seats[d.id] > d.advisors_needed:
            out.append(f"{d.id} : {seats[d.id]} conseillers pour {d.advisors_needed} places")
        missing = max(0, d.advisors_needed - seats[d.id])
        if missing != reported.get(d.id, 0):
            out.append(f"{d.id} : {missing} place(s) vide(s), {reported.get(d.id, 0)} signalée(s)")
    by_id = {d.id: d for d in team.duties}
    for did, mid in week.assignments:
        held, mem = by_id.get(did), members.get(mid)
        if held is None or mem is None:
            out.append(f"affectation inconnue ({did}, {mid})")
        elif not held.skills <= mem.skills:
            out.append(f"{did} : {mid} n'a pas {sorted(held.skills - mem.skills)}")
    return out


Item = tuple[int, int, int, int, str]
"""(start_s, end_s, location where it starts, location where it ends, label)."""


def _timelines(team: TeamProblem, week: TeamPlan) -> tuple[dict[tuple[str, object], list[Item]], list[str]]:
    """Each advisor's assignments per date (duties and tours), and who works a day off."""
    out = []
    loc = {pid: k for k, pid in enumerate(team.visits.location_ids)}
    duties = {d.id: d for d in team.duties}
    members = {m.id: m for m in team.members}
    timeline: dict[tuple[str, object], list[Item]] = {}
    for did, mid in week.assignments:
        d, mem = duties.get(did), members.get(mid)
        if d is None or mem is None:
            continue
        if mem.on(d.date) is None:
            out.append(f"{did} : {mid} ne travaille pas le {d.date}")
            continue
        timeline.setdefault((mid, d.date), []).append((d.start_s, d.end_s, d.location, d.location, did))
    for r in week.plan.routes:
        if r.advisor_id not in members or r.date is None or members[r.advisor_id].on(r.date) is None:
            out.append(f"tournée {r.vehicle_id} : {r.advisor_id} ne travaille pas le {r.date}")
            continue
        timeline.setdefault((r.advisor_id, r.date), []).append(
            (r.depart_s, r.return_s, loc[r.start_site], loc[r.end_site], f"tournée {r.vehicle_id}"))
    return timeline, out


def _check_days(team: TeamProblem, week: TeamPlan, timeline: dict[tuple[str, object], list[Item]]) -> list[str]:
    """Nobody in two places; the drive between assignments; the day and the contract."""
    out = []
    D = team.visits.duration_s
    duties = {d.id: d for d in team.duties}
    members = {m.id: m for m in team.members}
    routes: dict[tuple[str, object, int], Any] = {(r.advisor_id, r.date, r.depart_s): r for r in week.plan.routes}
    week_work: Counter = Counter()
    for (mid, date), items in timeline.items():
        mem = members[mid]
        a = mem.on(date)  # type: ignore[arg-type]
        assert a is not None
        items.sort()
        at, free_at, what, work = mem.home, a.start_s, "début de journée", 0
        for start, end, here, leave, label in items:
            arrive = free_at + int(D[at, here])
            if arrive > start:
                out.append(f"{mid} le {date} : {label} commence à {_t(start)}, "
                           f"arrivée possible à {_t(arrive)} après {what}")
            at, free_at, what = leave, end, label
            is_tour = label.startswith("tournée")
            work += routes[(mid, date, start)].work_s if is_tour else duties[label].work_s(a.lunch)
        if free_at + int(D[at, mem.home]) > a.end_s:
            out.append(f"{mid} le {date} : retour au bureau après {_t(a.end_s)} (après {what})")
        if work > a.max_work_s:
            out.append(f"{mid} le {date} : {work / 3600:.2f} h de travail, plus que {a.max_work_s / 3600:.2f} h")
        week_work[mid] += work
    for mid, w in week_work.items():
        c = members[mid].contract_s
        if c is not None and w > c:
            out.append(f"{mid} : {w / 3600:.2f} h dans la semaine, contrat {c / 3600:.2f} h")
    return out


def duty_clashes(duties: list[dict[str, Any]], routes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Duties held while the same advisor is out on a tour of another plan.

    ``duties``: rows ``{"advisor_id", "day", "start", "end", ...}`` (one per holder, times
    ``HH:MM``); ``routes``: the ``plan.json`` routes (``depart_s``, ``return_s`` in seconds).
    Returns the clashing duty rows, each with ``"tour"`` = ``"HH:MM–HH:MM"`` of the tour.
    """
    tours = {(r["advisor_id"], r["day"]): r for r in routes if r.get("stops")}
    out = []
    for d in duties:
        r = tours.get((d["advisor_id"], d["day"]))
        if r is not None and parse_time(d["start"]) < r["return_s"] and r["depart_s"] < parse_time(d["end"]):
            out.append({**d, "tour": f"{hhmm(r['depart_s'])}–{hhmm(r['return_s'])}"})
    return out


def hours_by_member(team: TeamProblem, week: TeamPlan) -> dict[str, int]:
    """Working seconds of each member in the week: duties plus tours."""
    duties = {d.id: d for d in team.duties}
    out = {m.id: 0 for m in team.members}
    for did, mid in week.assignments:
        a = team.member(mid).on(duties[did].date)
        out[mid] += duties[did].work_s(a.lunch if a else None)
    for r in week.plan.routes:
        out[r.advisor_id] = out.get(r.advisor_id, 0) + r.work_s
    return out


def assert_valid(team: TeamProblem, week: TeamPlan) -> None:
    """Raise :class:`SolverError` listing the violations, if any."""
    bad = check_week(team, week)
    if bad:
        raise SolverError("plan de la semaine invalide :\n" + "\n".join(f"  - {b}" for b in bad[:30]))
