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
   no thought for visits) made in the same run; a candidate that leaves out a must the
   sequential plan places is repaired, and only those placing every such must and
   staffing as many seats may replace it (by construction, the plan kept never loses
   one): empty seats, musts left out, visits left out, driving (see :func:`plan_week`);
6. the plan kept gets the reasons of its visits left out, and passes
   :func:`itinerant.team.check.assert_valid`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from itinerant.core.errors import SolverError
from itinerant.team.check import assert_valid
from itinerant.team.duties import KEEP, DutyAssignment, assign_duties
from itinerant.team.problem import Availability, Duty, Member, TeamPlan, TeamProblem
from itinerant.team.sessions import explode, form_sessions, skill_tokens
from itinerant.visits.plan import Plan
from itinerant.visits.problem import Break, SolveParams, Task, Vehicle, VisitProblem


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
        Whole budget, seconds, kept within the overrun of its last step (a tour solve
        overruns its limit by its greedy insertion and checks, which grow with the
        size): ``sequential`` gives a fifth to the duties and about half to the tours;
        ``integrated`` makes the sequential plan, then as many candidates as the rest
        allows (see :func:`plan_week`); the reasons of the visits left out get a tenth
        (8 s at most).
    sessions
        Form mairie sessions (integrated only).
    seed, language
        Random seed; language of the reasons.
    freeze_announced
        A re-plan keeps every announced visit in its slot (as ``itinerant visits
        --freeze-announced``).
    iterations
        None: bound by the clock (``time_limit_s``). A number: deterministic, the same
        ``seed`` gives the same week: every candidate is made, its tours stop after that
        many search iterations, the duties' CP-SAT runs on one worker for a
        deterministic time, and the repairs run to the end (``time_limit_s`` then only
        sizes the steps).
    """

    strategy: str = "integrated"
    time_limit_s: float = 32.0
    sessions: bool = True
    seed: int = 0
    language: str = "fr"
    freeze_announced: bool = False
    iterations: int | None = None

    @property
    def deterministic(self) -> bool:
        """Whether the week is reproducible (``iterations`` given)."""
        return self.iterations is not None


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
    their length). Its ``start_label`` / ``end_label`` name the duty held just before /
    just after the block ("" at the start / end of the day), for the reasons.
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
            ends, starts = {d.end_s: d.name for d in day}, {d.start_s: d.name for d in day}
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
                spec.append((a, n, s, e, f, t, lunch, length, share, (ends.get(s, ""), starts.get(e, ""))))
        left = None if mem.contract_s is None else max(0, mem.contract_s - duty_total)
        total_len = sum(x[7] for x in spec) or 1
        for a, n, s, e, f, t, lunch, length, day_left, (after, before) in spec:
            cap = min(length, day_left)
            if left is not None and total_len > left:
                cap = min(cap, left * length // total_len)
            if cap < team.min_block_s // 2:
                continue
            vehicles.append(Vehicle(
                id=f"{mem.id}@{a.date.isoformat()}#{n + 1}",
                start=f, end=t, start_s=s, end_s=e, max_work_s=cap,
                advisor_id=mem.id, advisor_name=mem.name, date=a.date,
                skills=skill_tokens(mem.skills, tasks), lunch=lunch, start_label=after, end_label=before,
            ))
    return tuple(vehicles)


def _key(plan: Plan) -> tuple[int, int, int]:
    """Smaller is better: musts left out, visits left out (penalty), driving."""
    o = plan.objective
    return (o.get("must_unassigned", 0), o.get("penalty", 0), o.get("travel_s", 0))


def _tours(vp: VisitProblem, params: WeekParams, limit: float) -> Plan:
    """The tours of one candidate, without the reasons of the visits left out (only the
    plan kept gets them, see :func:`_explain`)."""
    from itinerant.visits import solve

    return solve(vp, SolveParams(time_limit_s=max(0.5, limit), seed=params.seed,
                                 language=params.language,  # type: ignore[arg-type]
                                 reasons=False, freeze_announced=params.freeze_announced,
                                 iterations=params.iterations))


BOOST = 3.0
"""Penalty factor, in the tours, of the musts the sequential plan places: one of them
outweighs two other musts (see :func:`plan_week`)."""
STRONG = 100
"""Penalty factor of those musts in :func:`_repair`: any other visit may give way."""


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
         force: frozenset[str] = frozenset(), duties: DutyAssignment | None = None,
         explode_s: float | None = None, avoid: frozenset = frozenset(),
         start: tuple[tuple[str, str], ...] | None = None) -> TeamPlan:
    """One candidate week: duties by ``strategy`` (or ``duties`` given), tours with
    ``limit`` seconds; the musts in ``boost`` are kept in preference to other musts, those
    in ``force`` more still; a session left out is undone when ``explode_s`` > 0; duties
    keep off the ``avoid`` spans where they can (see :func:`assign_duties`)."""
    t0 = time.perf_counter()
    if sessions_on:
        vp, sessions = form_sessions(team)
    else:
        vp, sessions = team.visits, ()
    vp = _boosted(_boosted(vp, sessions, force, 1.25), sessions, boost)
    if duties is None:
        keep = dict.fromkeys(boost | {s.task_id for s in sessions if boost & set(s.members)}, KEEP)
        keep.update(dict.fromkeys(force | {s.task_id for s in sessions if force & set(s.members)}, FORCE))
        duty_limit = max(1.0, limit / 3) if duty_limit is None else duty_limit
        duties = assign_duties(team, strategy=strategy, visits=vp, time_limit_s=duty_limit, seed=params.seed,
                               keep=keep, avoid=avoid, start=start, deterministic=params.deterministic)
    vehicles = block_vehicles(team, duties.pairs, vp.tasks)
    vp = vp.replace(vehicles=vehicles)
    plan = _tours(vp, params, limit)
    left = {u.task_id for u in plan.unassigned} & {s.task_id for s in sessions}
    explode_s = max(1.0, limit / 2) if explode_s is None else explode_s
    if left and explode_s > 0:
        vp2, sessions2 = explode(team, vp, sessions, left)
        vp2 = _boosted(_boosted(vp2, sessions2, force, 1.25), sessions2, boost)
        plan2 = _tours(vp2, params, explode_s)
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


def _seqs(vp: VisitProblem, plan: Plan) -> list[list[int]]:
    """Per vehicle of ``vp``, the task indices of its route in order."""
    idx = {t.id: i for i, t in enumerate(vp.tasks)}
    by_vehicle = {r.vehicle_id: [idx[st.task_id] for st in r.stops] for r in plan.routes}
    return [by_vehicle.get(v.id, []) for v in vp.vehicles]


def _fixed(t: Task) -> bool:
    """A visit the repair must not move: pinned (day or time), made, or announced."""
    return t.pinned or t.done or t.pinned_start_s is not None or t.announced is not None


def _insert(vp: VisitProblem, seqs: list[list[int]], todo: list[int], deadline: float) -> list[list[int]]:
    """Insert the tasks of ``todo``, in that order, each at its cheapest feasible place
    (driving seconds); a task that fits nowhere stays out."""
    from itinerant.visits.timing import schedule_route

    D = vp.duration_s
    for i in todo:
        if time.perf_counter() > deadline:
            break
        t = vp.tasks[i]
        places = []
        for k in vp.allowed_vehicles(i):
            v, seq = vp.vehicles[k], seqs[k]
            locs = [v.start] + [vp.tasks[j].location for j in seq] + [v.end]
            for p in range(len(seq) + 1):
                places.append((int(D[locs[p], t.location]) + int(D[t.location, locs[p + 1]]) - int(D[locs[p], locs[p + 1]]), k, p))
        for _, k, p in sorted(places):
            trial = seqs[k][:p] + [i] + seqs[k][p:]
            if schedule_route(vp, vp.vehicles[k], [vp.tasks[j] for j in trial]) is not None:
                seqs[k] = trial
                break
    return seqs


def _force_in(vp: VisitProblem, seqs: list[list[int]], hard: set[int], deadline: float) -> list[list[int]]:
    """Each index of ``hard`` left out is tried in a tour that may serve it (nearest tours
    first) among the tour's own visits of ``hard`` (or all of them but one, which then
    looks for another place), the tour's other visits re-inserted greedily (by penalty)
    wherever they fit; kept when fewer of ``hard`` are left out."""
    from itinerant.visits.timing import schedule_route

    def lost(ss: list[list[int]]) -> int:
        return len(hard - {j for s in ss for j in s})

    served = {j for s in seqs for j in s}
    best = [list(s) for s in seqs]
    for i in sorted(hard - served, key=lambda i: -vp.tasks[i].drop_cost):
        loc = vp.tasks[i].location
        near = sorted(vp.allowed_vehicles(i), key=lambda k: min(
            [int(vp.duration_s[vp.tasks[j].location, loc]) for j in best[k]] or [int(vp.duration_s[vp.vehicles[k].start, loc])]))
        done = False
        for drop in (False, True):
            for k in near:
                if done or time.perf_counter() > deadline:
                    break
                if any(_fixed(vp.tasks[j]) for j in best[k]):
                    continue  # a tour holding a pinned, made or announced visit stays as it is
                keep = [j for j in best[k] if j in hard]  # the tour's visits of ``hard`` stay, in order
                for moved in (keep if drop else [None]):
                    sk = [j for j in keep if j != moved]
                    fits = [sk[:p] + [i] + sk[p:] for p in range(len(sk) + 1)]
                    fits = [f for f in fits if schedule_route(vp, vp.vehicles[k], [vp.tasks[j] for j in f]) is not None]
                    if not fits:
                        continue
                    trial = [list(s) for s in best]
                    trial[k] = fits[0]
                    out = ([] if moved is None else [moved]) + sorted(
                        (j for j in best[k] if j not in hard), key=lambda j: -vp.tasks[j].drop_cost)
                    trial = _insert(vp, trial, out, deadline)
                    if lost(trial) < lost(best):
                        best, done = trial, True
                        break
    return best


def _restore(vp: VisitProblem, seqs: list[list[int]], ref: Plan, hard: set[int], deadline: float) -> list[list[int]]:
    """Each tour of the reference plan ``ref`` holding a visit of ``hard`` left out is
    copied, as it is, into a tour of the same advisor and day where it still times (its
    visits leave their other tours; the tour's former visits are re-inserted wherever
    they fit). A copy that leaves out no more of ``hard`` is taken (the visits it
    displaces may get their own tour back later); two passes; the state leaving out
    the fewest of ``hard`` (then the cheapest) is returned."""
    from itinerant.visits.solve import plan_value
    from itinerant.visits.timing import schedule_route

    where = {t.id: i for i, t in enumerate(vp.tasks)}
    cur = [list(s) for s in seqs]

    def key(ss: list[list[int]]) -> tuple[int, int]:
        return len(hard - {j for s in ss for j in s}), plan_value(vp, vp.duration_s, ss)

    best, best_key = cur, key(cur)
    for _ in range(2):
        for r in ref.routes:
            if time.perf_counter() > deadline:
                return best
            found = [where.get(st.task_id) for st in r.stops]
            copy = [j for j in found if j is not None]
            if len(copy) < len(found) or not (set(copy) & hard) - {j for s in cur for j in s}:
                continue
            for k, v in enumerate(vp.vehicles):
                if (v.advisor_id, v.date) != (r.advisor_id, r.date) or any(_fixed(vp.tasks[j]) for j in cur[k]):
                    continue
                if schedule_route(vp, v, [vp.tasks[j] for j in copy]) is None:
                    continue
                trial = [[j for j in s if j not in copy] for s in cur]
                out = list(trial[k])
                trial[k] = list(copy)
                trial = _insert(vp, trial, sorted(out, key=lambda j: (j not in hard, -vp.tasks[j].drop_cost)), deadline)
                kt = key(trial)
                if kt[0] <= key(cur)[0]:
                    cur = trial
                    if kt < best_key:
                        best, best_key = trial, kt
                    break
    return best


def _may_take(team: TeamProblem, pairs: list[tuple[str, str]], duty: Duty, mem: Member) -> bool:
    """Whether ``mem`` may take ``duty`` on top of their duties in ``pairs`` (skills, day,
    no clash, the day's limit and the contract; not an announced holder's seat)."""
    from itinerant.team.duties import conflict, fits

    if fits(team, duty, mem):
        return False
    a = mem.on(duty.date)
    assert a is not None  # fits() checked the day
    by_id = {d.id: d for d in team.duties}
    mine = [by_id[d] for d, m in pairs if m == mem.id]
    if any(d.id == duty.id or conflict(team, d, duty) for d in mine):
        return False
    day = sum(d.work_s(a.lunch) for d in mine if d.date == duty.date) + duty.work_s(a.lunch)
    week = sum(d.work_s(x.lunch) for d in mine if (x := mem.on(d.date)) is not None) + duty.work_s(a.lunch)
    return day <= a.max_work_s and (mem.contract_s is None or week <= mem.contract_s)


def _moves(team: TeamProblem, pairs: list[tuple[str, str]], duty: Duty, holder: str) -> list[list[tuple[str, str]]]:
    """The rotas where ``duty`` leaves ``holder``: handed to another advisor who may take
    it, or swapped with one of their duties of that day that ``holder`` may take."""
    by_id = {d.id: d for d in team.duties}
    base = [p for p in pairs if p != (duty.id, holder)]
    out: list[list[tuple[str, str]]] = []
    for mem in team.members:
        if mem.id == holder:
            continue
        if _may_take(team, base, duty, mem):
            out.append(sorted([*base, (duty.id, mem.id)]))
            continue
        for did, mid in base:
            other = by_id[did]
            if mid != mem.id or other.date != duty.date or mem.id in other.held:
                continue
            rest = [p for p in base if p != (did, mid)]
            if _may_take(team, rest, duty, mem) and _may_take(team, [*rest, (duty.id, mem.id)], other,
                                                              team.member(holder)):
                out.append(sorted([*rest, (duty.id, mem.id), (did, holder)]))
    return out


def _blocking(team: TeamProblem, c: TeamPlan, ref: Plan, tid: str) -> list[tuple[Duty, str]]:
    """The duties that keep visit ``tid`` out of ``c``, with their holder: first the one
    over the sequential plan's tour that held it, then those of any advisor who may make
    the visit on a day, over one of its windows (announced holders are left alone)."""
    from itinerant.team.duties import may_serve

    by_id = {d.id: d for d in team.duties}
    out: list[tuple[Duty, str]] = []
    r = next((r for r in ref.routes if any(st.task_id == tid for st in r.stops)), None)
    if r is not None:
        over = [by_id[d] for d, m in c.assignments if m == r.advisor_id and by_id[d].date == r.date
                and by_id[d].start_s < r.return_s and r.depart_s < by_id[d].end_s]
        if len(over) == 1:
            out.append((over[0], r.advisor_id))
    task = next(t for t in team.visits.tasks if t.id == tid)
    spans = [(o, cl if task.end_in_window else cl + task.duration_s) for o, cl in task.windows]
    for mem in team.members:
        for a in mem.days:
            if not may_serve(task, mem, a.date, (a.start_s, a.end_s)):
                continue
            for did, mid in c.assignments:
                d = by_id[did]
                if mid == mem.id and d.date == a.date and any(d.start_s < e and o < d.end_s for o, e in spans):
                    out.append((d, mem.id))
    unique: dict[tuple[str, str], tuple[Duty, str]] = {}
    for d, m in out:
        if m not in d.held:
            unique.setdefault((d.id, m), (d, m))
    return list(unique.values())


def _with_rota(team: TeamProblem, c: TeamPlan, pairs: list[tuple[str, str]], keep: frozenset[str],
               deadline: float, language: str) -> TeamPlan | None:
    """``c`` with the duties ``pairs``: its tours kept where they still time, the visits
    left re-inserted (``keep`` first); None when that does not make a valid week."""
    from itinerant.team.check import check_week
    from itinerant.visits.solve import plan_from_sequences
    from itinerant.visits.timing import schedule_route

    vp = c.problem.replace(vehicles=block_vehicles(team, tuple(pairs), c.problem.tasks))
    idx = {t.id: i for i, t in enumerate(vp.tasks)}
    old = {x.vehicle_id: [idx[st.task_id] for st in x.stops] for x in c.plan.routes}
    seqs = []
    for v in vp.vehicles:
        seq = old.get(v.id, [])
        if seq and schedule_route(vp, v, [vp.tasks[j] for j in seq]) is None:
            seq = []
        seqs.append(seq)
    hard = {s.task_id for s in c.sessions if keep & set(s.members)} | keep
    served = {j for seq in seqs for j in seq}
    todo = sorted((i for i in range(len(vp.tasks)) if i not in served),
                  key=lambda i: (vp.tasks[i].id not in hard, -vp.tasks[i].drop_cost))
    seqs = _insert(vp, seqs, todo, deadline)
    try:
        plan = plan_from_sequences(vp, seqs, engine=c.plan.engine,
                                   params=SolveParams(reasons=False, language=language))  # type: ignore[arg-type]
    except SolverError:
        return None
    trial = replace(c, assignments=tuple(pairs), plan=plan, problem=vp)
    return None if check_week(team, trial) else trial


def _hand_over(team: TeamProblem, c: TeamPlan, ref: Plan, keep: frozenset[str], deadline: float,
               language: str) -> TeamPlan:
    """For each must of ``keep`` that ``c`` leaves out, a duty that keeps it out
    (:func:`_blocking`) is handed to another advisor who may take it, or swapped with one
    of theirs that day which the first advisor may take (:func:`_moves`); the tours are
    kept where they still time, the rest re-inserted (``keep`` first). A hand-over is
    kept when fewer of ``keep`` are left out and the week passes the checker."""
    best = c
    for tid in sorted(keep - c.visits_served()):
        if tid in best.visits_served():
            continue
        done = False
        for duty, holder in _blocking(team, best, ref, tid):
            for pairs in _moves(team, list(best.assignments), duty, holder):
                if done or time.perf_counter() > deadline:
                    break
                trial = _with_rota(team, best, pairs, keep, deadline, language)
                if trial is not None and len(keep - trial.visits_served()) < len(keep - best.visits_served()):
                    best, done = replace(trial, label=c.label + " (relais)"), True
    return best


def _fill(team: TeamProblem, c: TeamPlan, deadline: float, language: str) -> TeamPlan:
    """A repaired candidate with the visits it left out inserted where they now fit, then
    lower-priority visits ejected for higher ones (the tour solver's own last steps);
    unchanged unless that serves more and the week passes the checker."""
    from itinerant.team.check import check_week
    from itinerant.visits.solve import eject_for_priority, insert_unassigned, plan_from_sequences

    vp = c.problem
    seqs = _seqs(vp, c.plan)
    new = insert_unassigned(vp, seqs, vp.duration_s, deadline)
    new = eject_for_priority(vp, new, vp.duration_s, deadline)
    if new == seqs:
        return c
    try:
        plan = plan_from_sequences(vp, new, engine=c.plan.engine,
                                   params=SolveParams(reasons=False, language=language))  # type: ignore[arg-type]
    except SolverError:
        return c
    out = replace(c, plan=plan)
    return out if _rank(team, out) < _rank(team, c) and not check_week(team, out) else c


def _repair(team: TeamProblem, c: TeamPlan, keep: frozenset[str], deadline: float, language: str,
            ref: Plan | None = None) -> TeamPlan:
    """Insert the visits of ``keep`` that ``c`` leaves out into its tours, the duties
    staying: a mairie session left out that holds one is undone (its residents become
    visits again); the tours of ``ref`` holding one are copied where they still time
    (:func:`_restore`); then each alone in a tour whose visits are re-inserted around it
    (:func:`_force_in`), then each in the place of another visit (not in ``keep``, not
    pinned). Returns ``c`` unchanged when that leaves out as many of ``keep``."""
    from itinerant.visits.solve import eject_for_priority, plan_from_sequences

    vp, plan, sessions = c.problem, c.plan, c.sessions
    seqs = _seqs(vp, plan)
    undo = {s.task_id for s in sessions if keep & set(s.members) and s.task_id not in plan.served()}
    if undo:
        ids = [[vp.tasks[j].id for j in seq] for seq in seqs]
        vp, sessions = explode(team, vp, sessions, undo)
        vp = _boosted(vp, sessions, keep)
        where = {t.id: i for i, t in enumerate(vp.tasks)}
        seqs = [[where[x] for x in seq] for seq in ids]
    hard = keep | {s.task_id for s in sessions if keep & set(s.members)}
    if not (hard & {t.id for t in vp.tasks}) - plan.served():
        return c
    strong = vp.replace(tasks=tuple(
        replace(t, penalty=t.penalty * STRONG) if t.id in hard and t.penalty is not None
        else replace(t, pinned=True) if _fixed(t) else t for t in vp.tasks))
    idx = {i for i, t in enumerate(vp.tasks) if t.id in hard}
    new = seqs
    if ref is not None:
        new = _restore(vp, new, ref, idx, time.perf_counter() + 0.3 * max(0.0, deadline - time.perf_counter()))
    new = _force_in(vp, new, idx, time.perf_counter() + 0.6 * max(0.0, deadline - time.perf_counter()))
    new = eject_for_priority(strong, new, vp.duration_s, deadline)
    if new == seqs:
        return c
    try:
        fixed = plan_from_sequences(vp, new, engine=plan.engine,
                                    params=SolveParams(reasons=False, language=language))  # type: ignore[arg-type]
    except SolverError:
        return c
    out = replace(c, plan=fixed, problem=vp, sessions=sessions,
                  label=c.label if "(réparé)" in c.label else c.label + " (réparé)")
    return out if len(keep - out.visits_served()) < len(keep - c.visits_served()) else c


def _explain(week: TeamPlan, language: str, budget_s: float | None) -> TeamPlan:
    """The plan kept, with a reason for each visit left out (probes within ``budget_s``,
    structural reasons past it; None: a fixed number of probes, deterministic), the
    capacity lines and the grouped reasons."""
    from itinerant.visits.reasons import explain_unassigned
    from itinerant.visits.summary import capacity_lines, group_reasons

    vp, plan = week.problem, week.plan
    idx = {t.id: i for i, t in enumerate(vp.tasks)}
    probe = [idx[u.task_id] for u in plan.unassigned if not u.code and u.task_id in idx]
    if not probe:
        return week
    why = explain_unassigned(vp, _seqs(vp, plan), probe, language=language,
                             budget_s=None if budget_s is None else max(0.2, budget_s),
                             deep_max=200 if budget_s is None else None)
    out = []
    for u in plan.unassigned:
        i = idx.get(u.task_id)
        if i in why:
            code, text, k = why[i]
            u = replace(u, code=code, reason=text, vehicle_id=vp.vehicles[k].id if k is not None else "")
        out.append(u)
    un = tuple(out)
    plan = replace(plan, unassigned=un, capacity=capacity_lines(vp, un) if un else (), groups=group_reasons(vp, un))
    return replace(week, plan=plan)


def _seats(c: TeamPlan) -> int:
    return sum(u.missing for u in c.unstaffed)


def _rank(team: TeamProblem, c: TeamPlan) -> tuple[int, ...]:
    """Smaller is better: empty seats, musts left out, penalty of the requests left out
    (scenario priorities), driving seconds."""
    met = c.visits_served()
    out = [t for t in team.visits.tasks if t.id not in met]
    return (_seats(c), sum(t.priority == "must" for t in out), sum(t.penalty or 0 for t in out), c.plan.travel_s)


def admissible(c: TeamPlan, ref: TeamPlan, placed: frozenset[str]) -> bool:
    """Whether ``c`` may replace the sequential plan ``ref``: as many seats staffed, and
    every must in ``placed`` (those ``ref`` places) placed too."""
    return _seats(c) <= _seats(ref) and placed <= c.visits_served()


def _held_notes(team: TeamProblem, week: TeamPlan) -> tuple[str, ...]:
    """French notes on the announced holders (``Duty.held``) who lost their duty, and why."""
    from itinerant.team.duties import duty_label, fits

    pairs = set(week.assignments)
    out = []
    for d in team.duties:
        for mid in d.held:
            if (d.id, mid) in pairs:
                continue
            try:
                mem = team.member(mid)
            except KeyError:
                why = "ne fait plus partie de l'équipe"
                name = mid
            else:
                name = mem.name
                why = fits(team, d, mem) or "ses heures ou une autre permanence l'en empêchent"
            who = ", ".join(team.member(m).name for m in (m for dd, m in week.assignments if dd == d.id))
            done = f"est remplacé(e) par {who}" if who else "n'y est plus, la place reste vide"
            out.append(f"{name}, annoncé(e) sur « {duty_label(d)} », {done} : {why}")
    return tuple(out)


SEQUENTIAL_KEPT = ("plan séquentiel gardé (les permanences d'abord, les visites dans les créneaux libres) : "
                   "aucun essai qui tient compte des visites ne plaçait toutes ses visites obligatoires "
                   "en faisant mieux cette semaine")
"""Note of the plan when the sequential plan is kept (French)."""


class _Clock:
    """What is left of the budget, seconds; a deterministic week (``frozen``) never spends
    it: every step gets its share, and :meth:`deadline` never comes."""

    def __init__(self, budget_s: float, frozen: bool = False) -> None:
        self.t0, self.budget, self.frozen = time.perf_counter(), budget_s, frozen

    def left(self) -> float:
        return self.budget if self.frozen else self.budget - (time.perf_counter() - self.t0)

    def deadline(self, seconds: float) -> float:
        """The moment ``seconds`` from now (never, when frozen)."""
        return float("inf") if self.frozen else time.perf_counter() + seconds


def plan_week(team: TeamProblem, params: WeekParams | None = None) -> TeamPlan:
    """Plan the team's week (see the module docstring); the result is checked.

    ``integrated`` keeps to ``params.time_limit_s`` (within the last step's overrun): the
    sequential plan first (the reference: duties first, visits in the gaps), then, while
    the budget lasts, candidates whose tours weigh the musts the sequential plan places
    ``BOOST`` times more, in this order: visit-aware duties kept off the sequential
    plan's tours holding its musts (« ancré »), visit-aware duties, the same with mairie
    sessions, the sequential duties with mairie sessions, and, when no integrated try is
    admissible, a second anchored try in which the musts the best one lost weigh far
    more in the duties. A candidate leaving out such a must is
    repaired (:func:`_repair`); only the *admissible* ones (:func:`admissible`: as many
    seats staffed, every must of the sequential plan placed) compete with the sequential
    plan, on: empty seats, musts left out, requests left out, driving. So the plan kept
    never loses a must the sequential plan places, by construction; when the sequential
    plan is kept, its notes say so. The plan kept then gets the reasons of the visits
    left out.
    """
    params = params or WeekParams()
    clock = _Clock(params.time_limit_s, params.deterministic)
    explain_s = min(8.0, 0.1 * params.time_limit_s)
    if params.strategy == "sequential":
        duty = max(1.0, 0.2 * params.time_limit_s)
        best = _one(team, params, "sequential", False, 0.55 * params.time_limit_s, duty)
    elif params.strategy == "integrated":
        best = _integrated(team, params, clock, explain_s)
    else:
        raise ValueError(f"strategy must be integrated or sequential, got {params.strategy!r}")
    best = _explain(best, params.language, None if params.deterministic else max(0.2, min(explain_s, clock.left())))
    best = replace(best, wall_s=time.perf_counter() - clock.t0, notes=best.notes + _held_notes(team, best))
    assert_valid(team, best)
    return best


def _again(team: TeamProblem, params: WeekParams, ref: TeamPlan, placed: frozenset[str],
           cands: list[TeamPlan], limit: float, duty: float) -> TeamPlan | None:
    """A second try of the best integrated candidate that lost musts of the sequential
    plan, when it ranks above every admissible plan so far: its duties as the start,
    the sequential plan's tours holding the musts it lost kept free of duties where
    possible, those musts weighing ``FORCE`` times more; None when not worth it."""
    ok = [c for c in [ref, *cands] if admissible(c, ref, placed)]
    bar = min(_rank(team, c) for c in ok)
    tries = [c for c in cands if c.strategy == "integrated" and not admissible(c, ref, placed)
             and _rank(team, c) < bar]
    if not tries:
        return None
    top = min(tries, key=lambda c: _rank(team, c))
    lost = frozenset(placed - top.visits_served())
    spans = frozenset((r.advisor_id, r.date, r.depart_s, r.return_s) for r in ref.plan.routes
                      if any(st.task_id in lost for st in r.stops))
    c = _one(team, params, "integrated", bool(top.sessions), limit, duty, placed, lost, explode_s=0,
             avoid=spans, start=top.assignments)
    return replace(c, label=top.label.replace(" (réparé)", "").replace(" (relais)", "") + " (2e essai)")


def _finish(team: TeamProblem, c: TeamPlan, ref: TeamPlan, placed: frozenset[str], clock: _Clock,
            explain_s: float, params: WeekParams) -> list[TeamPlan]:
    """The candidate, and its repair when it lost musts of the sequential plan (tours
    repaired, then a duty handed over and the tours repaired again, then filled)."""
    budget = params.time_limit_s
    if not placed - c.visits_served() or clock.left() <= explain_s:
        return [c]
    end = clock.deadline(min(0.15 * budget, clock.left() - explain_s))
    fixed = _repair(team, c, placed, end, params.language, ref.plan)
    if placed - fixed.visits_served():
        handed = _hand_over(team, fixed, ref.plan, placed, end, params.language)
        if handed is not fixed and placed - handed.visits_served():
            handed = _repair(team, handed, placed, end + 0.05 * budget, params.language, ref.plan)
        fixed = handed
    if fixed is c:
        return [c]
    return [c, _fill(team, fixed, end + 0.03 * budget, params.language)]


def _integrated(team: TeamProblem, params: WeekParams, clock: _Clock, explain_s: float) -> TeamPlan:
    """The candidates within the budget and the best admissible one (see :func:`plan_week`)."""
    budget = params.time_limit_s
    # Tours: a seventh of the budget, less on a tiny week (the engines run to their limit).
    tours, duty = min(budget / 7, max(0.5, 0.1 * len(team.visits.tasks))), max(1.0, budget / 16)
    ref = _one(team, params, "sequential", False, tours, duty)
    # Overrun of a tour solve beyond its time limit (insertion, checks): grows with the size.
    over = 0.0 if params.deterministic else max(0.0, ref.wall_s - tours - duty)
    placed = frozenset(t.id for t in team.visits.tasks if t.priority == "must") & ref.visits_served()

    def fits_in(extra: float = 0.0) -> float:
        """The tour limit the next candidate gets (0: no time left for it)."""
        left = clock.left() - explain_s - duty - 1.3 * over - extra
        return min(tours, left / 1.15) if left >= 1.0 else 0.0

    def finish(c: TeamPlan) -> list[TeamPlan]:
        return _finish(team, c, ref, placed, clock, explain_s, params)

    cands: list[TeamPlan] = []
    # The tours of the sequential plan that hold its musts: the anchored try keeps them free.
    anchor = frozenset((r.advisor_id, r.date, r.depart_s, r.return_s) for r in ref.plan.routes
                       if any(st.task_id in placed for st in r.stops))
    plans: list[tuple[str, bool, DutyAssignment | None, frozenset]] = [
        ("integrated", False, None, anchor), ("integrated", False, None, frozenset()), ("again", False, None, frozenset())]
    if params.sessions:
        plans += [("integrated", True, None, frozenset()),
                  ("sequential", True, DutyAssignment(ref.assignments, ref.unstaffed, "reuse"), frozenset())]
    for strategy, sessions_on, given, avoid in plans:
        limit = fits_in()
        if limit <= 0 and not cands and over < 0.1 * budget:
            limit = 0.5  # a small budget on a small week: one integrated try all the same
        if limit <= 0:
            break
        if strategy == "again":
            again = _again(team, params, ref, placed, cands, limit, duty)
            if again is not None:
                cands += finish(again)
            continue
        c = _one(team, params, strategy, sessions_on, limit, duty, placed, duties=given, avoid=avoid,
                 explode_s=min(limit / 3, max(0.0, clock.left() - explain_s - 1.3 * over - limit)))
        if given is not None:
            c = replace(c, label="sequential + mairie")
        elif avoid:
            c = replace(c, label="integrated (ancré)")
        cands += finish(c)
    ok = [c for c in cands if admissible(c, ref, placed)]
    best = min([ref, *ok], key=lambda c: _rank(team, c))
    if best is ref:
        best = replace(best, notes=best.notes + (SEQUENTIAL_KEPT,))
    return replace(best, strategy="integrated", candidates=(ref, *cands))
