"""``plan_week(team, params) -> TeamPlan``: duties, then tours in the real free blocks.

1. mairie sessions are formed where they save driving (integrated only);
2. duties are staffed (:func:`itinerant.team.duties.assign_duties`);
3. each advisor's day is cut into free blocks between duties; each block long enough
   becomes a vehicle of the home-visit planner that leaves from where the advisor is
   (the office, or the site of the duty just held) and comes back where the next
   duty is, in time, with the lunch when it falls in the block and a working limit
   that keeps the day and the weekly contract;
4. the home-visit planner (:func:`itinerant.visits.solve`, its priorities and kept
   appointments) plans the tours; a session left out is undone and its residents are
   planned one by one when that places more;
5. the integrated candidates are compared with the sequential plan (duties first with
   no thought for visits) made in the same run, and the best is kept: empty seats,
   musts left out, musts of the sequential plan lost, visits left out, driving (see
   :func:`plan_week`); the plan passes :func:`itinerant.team.check.assert_valid`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from itinerant.team.check import assert_valid
from itinerant.team.duties import KEEP, assign_duties
from itinerant.team.problem import Availability, Duty, Member, TeamPlan, TeamProblem
from itinerant.team.sessions import explode, form_sessions, skill_tokens
from itinerant.visits.problem import Break, Plan, SolveParams, Vehicle, VisitProblem


@dataclass(frozen=True)
class WeekParams:
    """Options of :func:`plan_week`.

    Attributes
    ----------
    strategy
        ``integrated`` (duties with an eye on the visits, mairie sessions, and the
        sequential plan kept if better) or ``sequential`` (duties first, visits in
        the gaps, at home only).
    time_limit_s
        Whole budget, seconds: ``sequential`` gives it to the tours (and a third more
        to the duties); ``integrated`` shares it among three candidates.
    sessions
        Form mairie sessions (integrated only).
    seed, language
        Random seed; language of the reasons.
    freeze_announced
        A re-plan keeps every announced visit in its slot (as ``itinerant visits
        --freeze-announced``).
    """

    strategy: str = "integrated"
    time_limit_s: float = 32.0
    sessions: bool = True
    seed: int = 0
    language: str = "fr"
    freeze_announced: bool = False


def free_blocks(
    team: TeamProblem, member: Member, a: Availability, duties: list[Duty]
) -> list[tuple[int, int, int, int]]:
    """Free blocks of a day between the member's duties: ``(start_s, end_s, from, to)``
    with location indices; a block lasts at least ``team.min_block_s`` beyond the drive."""
    D = team.visits.duration_s
    out = []
    at, since = member.home, a.start_s
    for d in sorted(duties, key=lambda d: d.start_s):
        out.append((since, d.start_s, at, d.location))
        at, since = d.location, d.end_s
    out.append((since, a.end_s, at, member.home))
    return [b for b in out if b[1] - b[0] - int(D[b[2], b[3]]) >= team.min_block_s]


def block_vehicles(team: TeamProblem, pairs: tuple[tuple[str, str], ...], tasks=()) -> tuple[Vehicle, ...]:
    """The visit vehicles: one per free block of each advisor's day.

    The vehicle's working limit keeps the day (``max_work_s`` less the duties) and the
    weekly contract (what the duties leave, shared among the blocks in proportion to
    their length).
    """
    by_id = {d.id: d for d in team.duties}
    held: dict[str, list[Duty]] = {}
    for did, mid in pairs:
        held.setdefault(mid, []).append(by_id[did])
    vehicles: list[Vehicle] = []
    for mem in team.members:
        mine = held.get(mem.id, [])
        spec = []
        duty_total = 0
        for a in mem.days:
            day = [d for d in mine if d.date == a.date]
            duty_work = sum(d.work_s(a.lunch) for d in day)
            duty_total += duty_work
            lunch_given = any(a.lunch is not None and d.work_s(a.lunch) < d.end_s - d.start_s for d in day)
            blocks = free_blocks(team, mem, a, day)
            day_len = sum(e - s for s, e, _, _ in blocks) or 1
            day_left = max(0, a.max_work_s - duty_work)
            for n, (s, e, f, t) in enumerate(blocks):
                lunch = None
                if a.lunch is not None and not lunch_given:
                    lo, hi = max(s, a.lunch.earliest_s), min(e, a.lunch.latest_end_s)
                    if hi - lo >= a.lunch.duration_s:
                        lunch, lunch_given = Break(lo, hi, a.lunch.duration_s), True
                length = e - s - (lunch.duration_s if lunch else 0)
                share = day_left if day_len <= day_left else day_left * (e - s) // day_len
                spec.append((a, n, s, e, f, t, lunch, length, share))
        left = None if mem.contract_s is None else max(0, mem.contract_s - duty_total)
        total_len = sum(x[7] for x in spec) or 1
        for a, n, s, e, f, t, lunch, length, day_left in spec:
            cap = min(length, day_left)
            if left is not None and total_len > left:
                cap = min(cap, left * length // total_len)
            if cap < team.min_block_s // 2:
                continue
            vehicles.append(Vehicle(
                id=f"{mem.id}@{a.date.isoformat()}#{n + 1}",
                start=f, end=t, start_s=s, end_s=e, max_work_s=cap,
                advisor_id=mem.id, advisor_name=mem.name, date=a.date,
                skills=skill_tokens(mem.skills, tasks), lunch=lunch,
            ))
    return tuple(vehicles)


def _key(plan: Plan) -> tuple[int, int, int]:
    """Smaller is better: musts left out, visits left out (penalty), driving."""
    o = plan.objective
    return (o.get("must_unassigned", 0), o.get("penalty", 0), o.get("travel_s", 0))


def _tours(vp: VisitProblem, params: WeekParams, limit: float) -> Plan:
    from itinerant.visits import solve

    return solve(vp, SolveParams(time_limit_s=limit, seed=params.seed, language=params.language,  # type: ignore[arg-type]
                                 freeze_announced=params.freeze_announced))


BOOST = 1.2
"""Penalty factor of the musts a reference plan places (see :func:`plan_week`)."""


def _boosted(vp: VisitProblem, sessions, boost: frozenset[str], factor: float = BOOST) -> VisitProblem:
    """Musts in ``boost`` (or sessions holding one) cost ``factor`` times more to leave out:
    among plans placing as many musts, the one keeping these wins."""
    if not boost:
        return vp
    inside = {s.task_id for s in sessions if boost & set(s.members)}
    return vp.replace(tasks=tuple(
        replace(t, penalty=int(t.penalty * factor))
        if t.penalty is not None and t.priority == "must" and (t.id in boost or t.id in inside) else t
        for t in vp.tasks))


FORCE = 20
"""Worth factor, in the duties' relaxation, of a must the previous try lost (see :func:`plan_week`)."""


def _one(team: TeamProblem, params: WeekParams, strategy: str, sessions_on: bool, limit: float,
         duty_limit: float | None = None, boost: frozenset[str] = frozenset(),
         force: frozenset[str] = frozenset()) -> TeamPlan:
    """One candidate week: duties by ``strategy``, tours with ``limit`` seconds; the musts
    in ``boost`` are kept in preference to other musts, those in ``force`` more still."""
    t0 = time.perf_counter()
    if sessions_on:
        vp, sessions = form_sessions(team)
    else:
        vp, sessions = team.visits, ()
    vp = _boosted(_boosted(vp, sessions, force, 1.25), sessions, boost)
    keep = dict.fromkeys(boost | {s.task_id for s in sessions if boost & set(s.members)}, KEEP)
    keep.update(dict.fromkeys(force | {s.task_id for s in sessions if force & set(s.members)}, FORCE))
    duty_limit = max(1.0, limit / 3) if duty_limit is None else duty_limit
    duties = assign_duties(team, strategy=strategy, visits=vp, time_limit_s=duty_limit, seed=params.seed,
                           keep=keep)
    vehicles = block_vehicles(team, duties.pairs, vp.tasks)
    vp = vp.replace(vehicles=vehicles)
    plan = _tours(vp, params, limit)
    left = {u.task_id for u in plan.unassigned} & {s.task_id for s in sessions}
    if left:
        vp2, sessions2 = explode(team, vp, sessions, left)
        vp2 = _boosted(_boosted(vp2, sessions2, force, 1.25), sessions2, boost)
        plan2 = _tours(vp2, params, max(1.0, limit / 2))
        if _key(plan2) < _key(plan):
            vp, sessions, plan = vp2, sessions2, plan2
    return TeamPlan(
        assignments=duties.pairs,
        unstaffed=duties.unstaffed,
        plan=plan,
        problem=vp,
        sessions=sessions,
        strategy=strategy,
        wall_s=time.perf_counter() - t0,
        label=strategy + (" + mairie" if sessions_on else ""),
    )


def _rank(team: TeamProblem, c: TeamPlan, kept: frozenset[str] = frozenset()) -> tuple[int, ...]:
    """Smaller is better: empty seats, musts left out, musts of ``kept`` left out, penalty
    of the requests left out (scenario priorities), driving seconds."""
    met = c.visits_served()
    out = [t for t in team.visits.tasks if t.id not in met]
    return (sum(u.missing for u in c.unstaffed), sum(t.priority == "must" for t in out), len(kept - met),
            sum(t.penalty or 0 for t in out), c.plan.travel_s)


def plan_week(team: TeamProblem, params: WeekParams | None = None) -> TeamPlan:
    """Plan the team's week (see the module docstring); the result is checked.

    ``integrated`` compares candidates within ``params.time_limit_s`` (each gets a fifth
    for its tours and a fifteenth for its duties): the sequential plan first (the
    reference), then the visit-aware duties with and without mairie sessions, in which
    the musts the sequential plan places are kept in preference to other musts, then,
    when the best of these lost some of those musts, a second try in which they weigh
    far more. The best is kept: empty seats, musts
    left out, musts of the sequential plan lost, requests left out, driving.
    """
    params = params or WeekParams()
    t0 = time.perf_counter()
    if params.strategy == "sequential":
        best = _one(team, params, "sequential", False, params.time_limit_s)
    elif params.strategy == "integrated":
        tours, duty = params.time_limit_s / 5, max(1.0, params.time_limit_s / 15)
        ref = _one(team, params, "sequential", False, tours, duty)
        placed = frozenset(t.id for t in team.visits.tasks if t.priority == "must") & ref.visits_served()
        cands = [_one(team, params, "integrated", params.sessions, tours, duty, placed)]
        if params.sessions:
            cands.append(_one(team, params, "integrated", False, tours, duty, placed))
        # Second try: the musts of the sequential plan the best try lost weigh far more.
        top = min(cands, key=lambda c: _rank(team, c, placed))
        lost = placed - top.visits_served()
        if lost:
            again = _one(team, params, "integrated", bool(top.sessions), tours, duty, placed, frozenset(lost))
            cands.append(replace(again, label=again.label + " (2e essai)"))
        cands.append(ref)
        best = min(cands, key=lambda c: _rank(team, c, placed))
        if best is ref:
            best = replace(best, notes=best.notes + (
                "les permanences réparties sans tenir compte des visites plaçaient au moins aussi bien "
                "les visites cette semaine : ce plan est gardé",))
        best = replace(best, strategy="integrated", candidates=(ref, *cands[:-1]))
    else:
        raise ValueError(f"strategy must be integrated or sequential, got {params.strategy!r}")
    best = replace(best, wall_s=time.perf_counter() - t0)
    assert_valid(team, best)
    return best
