"""Who holds which duty (CP-SAT), with or without an eye on the home visits.

:func:`assign_duties` staffs every duty it can (each seat left empty costs far more
than anything else), respecting skills, availability (arrive from the office in
time, be back by the end of the day), the advisor's fixed appointments (a visit pinned
to them at a time holds: the duty goes to someone else), travel between two duties of a
day, the daily working limit and the weekly contract, and preferring the preferred
advisors (the scenario's, then last week's holders).

- ``strategy="sequential"`` (duties first, with no thought for visits): besides the
  preferences, duty hours are spread over the team in proportion to the contracts,
  as a fair rota would.
- ``strategy="integrated"``: a relaxation of the visit tours rides along: each visit
  may be put in a free half-day of an advisor who may make it (day, skill, window,
  required advisor), within the half-day's length less a return drive; the model
  maximises the visits' worth (must >> should >> could, less the drive out to them).
  So duties go to the advisors and half-days the visits need least.

The tours themselves are planned afterwards, in the real free blocks
(:mod:`itinerant.team.solve`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from itinerant.core._ortools import cp_model
from itinerant.core.units import hhmm, short_day
from itinerant.team.problem import MORNING_END_S, Availability, Duty, Member, TeamProblem, Unstaffed
from itinerant.visits.problem import Task, VisitProblem

SEAT_COST = 1_000_000
"""Least cost of one empty seat of a duty (dominates everything else; see :func:`_costs`)."""
HOLD_COST = 100_000
"""Least cost of moving an announced holder off their duty; :func:`_costs` raises it above
every preference and fair-share term, and the seat cost above all the holds together. In
the integrated stage 2 the holds kept in stage 1 are a constraint, so no visit's worth in
the relaxation (``WORTH`` x duration x ``KEEP``/``FORCE``) can outweigh one."""
PREFERENCE = 200
"""Worth of giving a duty to its preferred advisor."""
WORTH = {"must": 10_000, "should": 2_000, "could": 500}
"""Worth of a visit in the relaxation, by priority."""
KEEP = 3
"""Worth factor of the visits to keep (the musts the sequential plan places)."""
AVOID_COST = 2_000_000
"""Cost, in the integrated stage 2, of a duty put over a span to keep free (a tour of the
sequential plan holding musts, see ``avoid`` in :func:`assign_duties`): above any one
visit's worth in the relaxation; seats and holds are constraints there."""


@dataclass(frozen=True)
class DutyAssignment:
    """Result of :func:`assign_duties`."""

    pairs: tuple[tuple[str, str], ...]
    unstaffed: tuple[Unstaffed, ...]
    status: str
    relaxed_visits: int = 0
    """Visits the integrated relaxation expects to fit (0 for ``sequential``)."""


def fits(team: TeamProblem, duty: Duty, member: Member) -> str:
    """Why ``member`` cannot take ``duty`` alone (French), or ``""`` when they can."""
    a = member.on(duty.date)
    if a is None:
        return "absent ce jour-là"
    missing = sorted(duty.skills - member.skills)
    if missing:
        return "sans la compétence « " + ", ".join(missing) + " »"
    D = team.visits.duration_s
    if a.start_s + int(D[member.home, duty.location]) > duty.start_s:
        return f"ne peut pas y être à {hhmm(duty.start_s)} (journée à partir de {hhmm(a.start_s)})"
    if duty.end_s + int(D[duty.location, member.home]) > a.end_s:
        return f"finit sa journée à {hhmm(a.end_s)}, avant la fin ({hhmm(duty.end_s)}) et le retour"
    if duty.work_s(a.lunch) > a.max_work_s:
        return "durée supérieure à sa journée maximale"
    if member.contract_s is not None and duty.work_s(a.lunch) > member.contract_s:
        return "durée supérieure à son contrat"
    held = kept_appointment(team, duty, member)
    if held is not None:
        return f"rendez-vous imposé à {hhmm(held.pinned_start_s or 0)} ({held.name or held.id})"
    return ""


def kept_appointment(team: TeamProblem, duty: Duty, member: Member) -> Task | None:
    """A fixed appointment of ``member`` (advisor, date and time pinned, or kept from a
    previous plan) that the duty would make them miss, or None. Such appointments hold:
    the duty goes to someone else."""
    D = team.visits.duration_s
    for t in team.visits.tasks:
        if t.advisor_id != member.id or t.date != duty.date or t.pinned_start_s is None or t.done:
            continue
        start, end = t.pinned_start_s, t.pinned_start_s + t.duration_s
        if not (duty.end_s + int(D[duty.location, t.location]) <= start
                or end + int(D[t.location, duty.location]) <= duty.start_s):
            return t
    return None


def conflict(team: TeamProblem, d1: Duty, d2: Duty) -> bool:
    """Whether one advisor cannot hold both duties (same date, overlap or no time to drive)."""
    if d1.date != d2.date:
        return False
    D = team.visits.duration_s
    return not (
        d1.end_s + int(D[d1.location, d2.location]) <= d2.start_s
        or d2.end_s + int(D[d2.location, d1.location]) <= d1.start_s
    )


def halves(a: Availability) -> tuple[tuple[int, int], tuple[int, int]]:
    """Morning and afternoon of a working day, ``(start_s, end_s)`` each (may be empty)."""
    return (a.start_s, min(a.end_s, MORNING_END_S)), (max(a.start_s, MORNING_END_S), a.end_s)


def may_serve(task: Task, member: Member, date: dt.date, span: tuple[int, int]) -> bool:
    """Whether ``member`` may make ``task`` on ``date`` within ``span`` (relaxation test)."""
    if task.days is not None and date.weekday() not in task.days:
        return False
    if task.skill is not None and not set(task.skill.split("+")) <= member.skills:
        return False
    if task.advisor_id is not None and task.advisor_id != member.id:
        return False
    if task.date is not None and task.date != date:
        return False
    for o, c in task.windows:
        end = c if task.end_in_window else c + task.duration_s
        if min(end, span[1]) - max(o, span[0]) >= task.duration_s:
            return True
    return False


TRAVEL_FACTOR = 1.0
"""Multiplies the nearest-neighbour drive in a task's load (calibration of the relaxation)."""


def _loads(vp: VisitProblem, homes: set[int]) -> list[int]:
    """Seconds each task takes in a tour: its service plus the drive from its nearest neighbour."""
    locs = sorted({t.location for t in vp.tasks} | homes)
    D = vp.duration_s
    out = []
    for t in vp.tasks:
        others = [int(D[j, t.location]) for j in locs if j != t.location]
        out.append(t.duration_s + int(TRAVEL_FACTOR * (min(others) if others else 0)))
    return out


def assign_duties(
    team: TeamProblem,
    *,
    strategy: str = "integrated",
    visits: VisitProblem | None = None,
    time_limit_s: float = 10.0,
    seed: int = 0,
    keep: Mapping[str, int] | frozenset[str] = frozenset(),
    avoid: frozenset[tuple[str, dt.date, int, int]] = frozenset(),
    start: tuple[tuple[str, str], ...] | None = None,
    deterministic: bool = False,
) -> DutyAssignment:
    """Staff the duties (see the module docstring).

    Parameters
    ----------
    team
        The week's problem.
    strategy
        ``integrated`` or ``sequential``.
    visits
        The visit problem whose tasks the relaxation uses (sessions formed); default
        ``team.visits``.
    time_limit_s
        CP-SAT budget, seconds.
    keep
        Task ids worth ``KEEP`` times more in the relaxation (the musts a reference
        plan places), or task id -> worth factor.
    avoid
        ``(member id, date, start_s, end_s)`` spans to keep free of duties where
        possible (integrated only; each duty over one costs ``AVOID_COST``).
    start
        ``(duty id, member id)`` pairs the integrated stage 2 starts from (a hint;
        default: stage 1's rota).
    deterministic
        One CP-SAT worker stopped by its deterministic time (``time_limit_s`` split
        between the stages) rather than the clock: the same seed gives the same rota.
    """
    if strategy not in ("integrated", "sequential"):
        raise ValueError(f"strategy must be integrated or sequential, got {strategy!r}")
    vp = visits or team.visits
    members, duties = team.members, team.duties
    t0 = time.perf_counter()
    # Stage 1: as few empty seats as possible (and the preferences; the fair share
    # for the sequential rota). The integrated stage 2 keeps that many empty seats at
    # most, starts from stage 1's rota, and adds the visits' relaxation.
    first = _solve_stage(team, strategy, vp, None, None, time_limit_s / 3 if strategy == "integrated" else time_limit_s, seed,
                         deterministic=deterministic)
    if first is None:
        from itinerant.core.errors import SolverError

        raise SolverError("affectation des permanences : aucune solution (ne devrait pas arriver)")
    best = first
    if strategy == "integrated":
        left = 2 * time_limit_s / 3 if deterministic else max(0.5, time_limit_s - (time.perf_counter() - t0))
        hint = first[0]
        if start is not None:
            di = {d.id: i for i, d in enumerate(duties)}
            mi = {mem.id: k for k, mem in enumerate(members)}
            hint = {(di[d], mi[m]) for d, m in start if d in di and m in mi}
        second = _solve_stage(team, strategy, vp, sum(first[1]), hint, left, seed, keep,
                              min_held=_held_kept(team, first[0]), avoid=avoid,
                              max_empty_min=sum(n * _minutes(d) for n, d in zip(first[1], duties)),
                              deterministic=deterministic)
        if second is not None:
            best = second
    on, seats_left, status, relaxed = best
    pairs = tuple((duties[i].id, members[k].id) for i, k in sorted(on))
    held = set(pairs)
    unstaffed = tuple(
        Unstaffed(d.id, seats_left[i], why_unstaffed(team, d, held))
        for i, d in enumerate(duties)
        if seats_left[i] > 0
    )
    return DutyAssignment(pairs=pairs, unstaffed=unstaffed, status=status, relaxed_visits=relaxed)


def _hold_pairs(team: TeamProblem) -> list[tuple[int, int]]:
    """``(duty index, member index)`` of every announced holder (see ``Duty.held``)."""
    return [(i, k) for i, d in enumerate(team.duties) for k, mem in enumerate(team.members) if mem.id in d.held]


def _held_kept(team: TeamProblem, on: set[tuple[int, int]]) -> int:
    """How many announced holders keep their duty in ``on``."""
    return sum(p in on for p in _hold_pairs(team))


def _minutes(d: Duty) -> int:
    """Length of a duty, minutes (what an empty seat of it leaves undone)."""
    return max(1, (d.end_s - d.start_s) // 60)


def _costs(team: TeamProblem, strategy: str) -> tuple[int, int, int]:
    """``(seat cost, seat-minute cost, hold cost)``, lexicographic by construction: as few
    empty seats as possible; among as many, as few empty seat-minutes (with one advisor
    short, the two-hour workshop is left rather than the bus's whole day); then the
    announced holders (a hold outweighs every preference and fair-share term together)."""
    soft = PREFERENCE * sum(len(d.preferred) for d in team.duties)
    if strategy == "sequential":  # the fair share: sum of |duty seconds - target| <= 2 x all duty seconds
        soft += 2 * sum(d.advisors_needed * d.work_s(None) for d in team.duties)
    hold = max(HOLD_COST, soft + 1)
    minute = hold * (len(_hold_pairs(team)) + 1) + soft + 1
    total = sum(d.advisors_needed * _minutes(d) for d in team.duties)
    return max(SEAT_COST, minute * (total + 1)), minute, hold


def _solve_stage(team: TeamProblem, strategy: str, vp: VisitProblem, max_empty: int | None,
                 hint: set[tuple[int, int]] | None, time_limit_s: float, seed: int,
                 keep: Mapping[str, int] | frozenset[str] = frozenset(), min_held: int = 0,
                 avoid: frozenset[tuple[str, dt.date, int, int]] = frozenset(),
                 max_empty_min: int | None = None, deterministic: bool = False):
    """One CP-SAT solve: ``(held (i, k) pairs, empty seats per duty, status, relaxed
    visits)``, or None when no solution came in time. ``max_empty`` set = stage 2, which
    keeps at most that many empty seats (and ``max_empty_min`` empty seat-minutes) and at
    least ``min_held`` announced holders on their duty (constraints)."""
    m = cp_model.CpModel()
    members, duties = team.members, team.duties
    x, empty, duty_work = _duty_model(m, team)
    seat_cost, minute_cost, hold_cost = _costs(team, strategy)
    objective = [(seat_cost + minute_cost * _minutes(d)) * u for u, d in zip(empty, duties)]
    for i, d in enumerate(duties):
        for rank, who in enumerate(d.preferred):
            for k, mem in enumerate(members):
                if (i, k) in x and mem.id == who:
                    objective.append(-(PREFERENCE if rank == 0 else PREFERENCE // 2) * x[i, k])
    holds = [x[p] for p in _hold_pairs(team) if p in x]  # announced holders keep their seat while they can
    objective += [hold_cost * (1 - v) for v in holds]
    if min_held and holds:
        m.add(sum(holds) >= min_held)
    y: dict[tuple[int, int, int, int], cp_model.IntVar] = {}
    if strategy == "sequential":
        objective += _fair_share(m, team, duty_work)
    elif max_empty is not None:
        m.add(sum(empty) <= max_empty)
        if max_empty_min is not None:
            m.add(sum(_minutes(d) * u for u, d in zip(empty, duties)) <= max_empty_min)
        objective += _relaxation(m, team, vp, x, duty_work, y, keep)
        for (i, k), v in x.items():
            d, mid = duties[i], members[k].id
            if any(mid == who and d.date == day and d.start_s < end and start < d.end_s for who, day, start, end in avoid):
                objective.append(AVOID_COST * v)
    if hint is not None:
        for key, v in x.items():
            m.add_hint(v, key in hint)
    m.minimize(sum(objective))
    solver = cp_model.CpSolver()
    if deterministic:  # reproducible: one worker, stopped by its own deterministic time
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = float(time_limit_s)
    else:
        solver.parameters.max_time_in_seconds = float(time_limit_s)
        solver.parameters.num_workers = 2
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    on = {key for key, v in x.items() if solver.value(v)}
    return on, [int(solver.value(u)) for u in empty], solver.status_name(status), sum(
        1 for v in y.values() if solver.value(v))


def _duty_model(m, team: TeamProblem) -> tuple[dict, list, dict]:
    """Who may hold which duty (``x[i, k]``), the empty seats, and each member's duty
    seconds; seats, conflicts, daily limits and contracts as constraints."""
    members, duties = team.members, team.duties
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i, d in enumerate(duties):
        for k, mem in enumerate(members):
            if not fits(team, d, mem):
                x[i, k] = m.new_bool_var(f"x{i}_{k}")
    empty = []
    for i, d in enumerate(duties):
        u = m.new_int_var(0, d.advisors_needed, f"u{i}")
        m.add(sum(x[i, k] for k in range(len(members)) if (i, k) in x) + u == d.advisors_needed)
        empty.append(u)
    for i1 in range(len(duties)):
        for i2 in range(i1 + 1, len(duties)):
            if conflict(team, duties[i1], duties[i2]):
                for k in range(len(members)):
                    if (i1, k) in x and (i2, k) in x:
                        m.add_at_most_one([x[i1, k], x[i2, k]])

    duty_work: dict[int, Any] = {}
    for k, mem in enumerate(members):
        terms = []
        for a in mem.days:
            day = [(i, duties[i].work_s(a.lunch)) for i in range(len(duties))
                   if (i, k) in x and duties[i].date == a.date]
            if day:
                m.add(sum(x[i, k] * w for i, w in day) <= a.max_work_s)
                terms += [x[i, k] * w for i, w in day]
        duty_work[k] = sum(terms) if terms else 0
        if mem.contract_s is not None and terms:
            m.add(duty_work[k] <= mem.contract_s)

    return x, empty, duty_work


def _fair_share(m, team: TeamProblem, duty_work: dict) -> list:
    """Seconds each member's duty hours lie off their share of the contracts."""
    members, duties = team.members, team.duties
    total = sum(d.advisors_needed * d.work_s(None) for d in duties)
    contracts = [mem.contract_s or sum(a.max_work_s for a in mem.days) for mem in members]
    share = sum(contracts) or 1
    terms = []
    for k in range(len(members)):
        target = total * contracts[k] // share
        dev = m.new_int_var(0, 10**7, f"dev{k}")
        m.add(dev >= duty_work[k] - target)
        m.add(dev >= target - duty_work[k])
        terms.append(dev)
    return terms


def _relaxation(m, team: TeamProblem, vp: VisitProblem, x: dict, duty_work: dict, y: dict,
                keep: Mapping[str, int] | frozenset[str] = frozenset()) -> list:
    """The visits' relaxation: ``y[j, k, date, half]`` puts task ``j`` in a free half-day
    of member ``k``; returns the objective terms (minus the worth of the visits placed)."""
    members, duties = team.members, team.duties
    loads = _loads(vp, {mem.home for mem in members})
    D = vp.duration_s
    for k, mem in enumerate(members):
        for a in mem.days:
            for h, span in enumerate(halves(a)):
                busy = [x[i, k] for i, d in enumerate(duties) if (i, k) in x and d.date == a.date
                        and min(d.end_s, span[1]) > max(d.start_s, span[0])]
                _half_day(m, vp, mem, k, a, h, span, busy, loads, D, y)
    factor = dict(keep) if isinstance(keep, Mapping) else dict.fromkeys(keep, KEEP)
    terms = []
    by_task: dict[int, list] = {}
    for (j, k, _, _), v in y.items():
        by_task.setdefault(j, []).append(v)
        t = vp.tasks[j]
        worth = WORTH.get(t.priority, 500) * max(1, t.duration_s // 1800) * factor.get(t.id, 1)
        terms.append(-(worth - int(D[members[k].home, t.location]) // 6) * v)
    for vs in by_task.values():
        m.add_at_most_one(vs)
    for k, mem in enumerate(members):
        visit_load = [v * loads[j] for (j, kk, _, _), v in y.items() if kk == k]
        if mem.contract_s is not None and visit_load:
            m.add(duty_work[k] + sum(visit_load) <= mem.contract_s)
    return terms


def _half_day(m, vp, mem, k, a, h, span, busy, loads, D, y) -> None:
    """Variables and capacity of one half-day of one member."""
    if span[1] - span[0] <= 0:
        return
    cands = [j for j, t in enumerate(vp.tasks) if may_serve(t, mem, a.date, span)]
    if not cands:
        return
    lunch = a.lunch.duration_s // 2 if a.lunch is not None else 0
    out = int(np.median([int(D[mem.home, vp.tasks[j].location]) for j in cands]))
    cap = span[1] - span[0] - lunch - out
    if cap <= 0:
        return
    free = m.new_bool_var(f"f{k}_{a.date}_{h}")
    for b in busy:
        m.add_implication(b, free.Not())
    here = []
    for j in cands:
        if loads[j] <= cap:
            v = y[j, k, a.date.toordinal(), h] = m.new_bool_var(f"y{j}_{k}_{a.date}_{h}")
            here.append((j, v))
    if here:
        m.add(sum(v * loads[j] for j, v in here) <= cap * free)


def duty_label(d: Duty) -> str:
    """« Accueil France services, mardi 1/12 09:00-12:30 » (French)."""
    return f"{d.name}, {short_day(d.date)} {hhmm(d.start_s)}-{hhmm(d.end_s)}"


def why_unstaffed(team: TeamProblem, duty: Duty, held: set[tuple[str, str]]) -> str:
    """Why a duty lacks advisors: each advisor's obstacle, in French."""
    parts = []
    by_id = {d.id: d for d in team.duties}
    for mem in team.members:
        if (duty.id, mem.id) in held:
            continue
        why = fits(team, duty, mem)
        if not why:
            busy = [by_id[d] for d, mm in held if mm == mem.id and conflict(team, by_id[d], duty)]
            if busy:
                why = f"déjà à « {busy[0].name} » ({hhmm(busy[0].start_s)}-{hhmm(busy[0].end_s)})"
            else:
                why = "heures de la journée ou du contrat déjà prises"
        parts.append(f"{mem.name} : {why}")
    return "personne de disponible — " + " ; ".join(parts) if parts else "équipe vide"
