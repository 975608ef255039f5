"""Visit modes: group the residents who accept their town hall into one session.

A request may accept « domicile », « mairie » or both. In one commune, the residents
who accept the mairie (same skill, same required advisor, a common day and a common
window long enough for all their appointments back to back) can be seen in one
session at the town hall: the advisor drives there once instead of from home to home.
:func:`form_sessions` groups them when the estimated saving (the drive through their
homes from the town hall and back) reaches ``min_saving_s``. A resident who accepts
only the mairie is seen there, alone if need be.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from itinerant.team.problem import Session, TeamProblem
from itinerant.visits.problem import Task, VisitProblem

_RANK = {"must": 0, "should": 1, "could": 2}


def _intersect(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    out = []
    for o1, c1 in a:
        for o2, c2 in b:
            o, c = max(o1, o2), min(c1, c2)
            if o < c:
                out.append((o, c))
    return tuple(sorted(out))


def _presence(t: Task) -> tuple[tuple[int, int], ...]:
    """Presence windows of a task (start and end inside), as intervals."""
    if t.end_in_window:
        return t.windows
    return tuple((o, c + t.duration_s) for o, c in t.windows)


def _days(a: tuple[int, ...] | None, b: tuple[int, ...] | None) -> tuple[int, ...] | None:
    if a is None:
        return b
    if b is None:
        return a
    return tuple(sorted(set(a) & set(b)))


def chain_s(duration: np.ndarray, hub: int, stops: list[int]) -> int:
    """Driving seconds of a nearest-neighbour loop from ``hub`` through ``stops`` and back."""
    left = list(stops)
    at, total = hub, 0
    while left:
        nxt = min(left, key=lambda s: int(duration[at, s]))
        total += int(duration[at, nxt])
        at = nxt
        left.remove(nxt)
    return total + int(duration[at, hub])


SKILL_JOIN = "+"
"""A session needing several skills asks for the token ``"numerique+sante"``; vehicles of
advisors having them all carry the token (see :func:`skill_tokens`)."""


def skill_token(skills: set[str]) -> str | None:
    """The skill a session asks for: None, one skill, or the sorted skills joined by ``+``."""
    return SKILL_JOIN.join(sorted(skills)) if skills else None


def skill_tokens(member_skills: frozenset[str], tasks) -> frozenset[str]:
    """The member's skills plus the combined tokens of ``tasks`` they fully hold."""
    extra = {
        t.skill for t in tasks
        if t.skill and SKILL_JOIN in t.skill and set(t.skill.split(SKILL_JOIN)) <= member_skills
    }
    return member_skills | frozenset(extra)


def form_sessions(team: TeamProblem, *, min_saving_s: int = 300, slack_s: int = 1800,
                  max_size: int = 4) -> tuple[VisitProblem, tuple[Session, ...]]:
    """The visit problem with mairie sessions in place of their members.

    Returns the new problem (sessions are tasks ``mairie-{code}-{k}`` at the town
    hall; residents accepting only the mairie are moved there) and the sessions. A
    session holds at most ``max_size`` residents and keeps ``slack_s`` of its common
    window free, so that it still fits a tour.
    """
    vp = team.visits
    staff_skills = [m.skills for m in team.members]
    commune = dict(team.visit_commune)
    hall = dict(team.mairie_location)
    groups: dict[tuple, list[Task]] = {}
    for t in vp.tasks:
        if t.id not in team.mairie_ok or t.pinned or t.done or t.pinned_start_s is not None:
            continue
        code = commune.get(t.id)
        if code is None or code not in hall:
            continue
        groups.setdefault((code, t.advisor_id, t.date), []).append(t)

    sessions: list[Session] = []
    new_tasks: dict[str, Task] = {}
    grouped: set[str] = set()
    for (code, advisor, date), members in sorted(groups.items(), key=lambda kv: str(kv[0])):
        members.sort(key=lambda t: (_RANK.get(t.priority, 3), t.id))
        k = 0
        pool = list(members)
        while len(pool) >= 2:
            chosen = [pool[0]]
            wins, days = _presence(pool[0]), pool[0].days
            for t in pool[1:]:
                w2, d2 = _intersect(wins, _presence(t)), _days(days, t.days)
                need = sum(x.duration_s for x in chosen) + t.duration_s
                skills = {x.skill for x in chosen + [t] if x.skill}
                if not any(skills <= sk for sk in staff_skills):
                    continue  # nobody could hold a session needing all these skills
                if len(chosen) >= max_size:
                    break
                if (d2 is None or d2) and any(c - o >= need + slack_s for o, c in w2):
                    chosen.append(t)
                    wins, days = w2, d2
            if len(chosen) < 2:
                pool = pool[1:]
                continue
            total = sum(t.duration_s for t in chosen)
            wins = tuple((o, c) for o, c in wins if c - o >= total)
            saved = chain_s(vp.duration_s, hall[code], [t.location for t in chosen])
            pool = [t for t in pool if t not in chosen]
            if saved < min_saving_s:
                continue
            k += 1
            tid = f"mairie-{code}-{k}"
            skill = skill_token({t.skill for t in chosen if t.skill})
            prio = min((t.priority for t in chosen), key=lambda p: _RANK.get(p, 3))
            pen = [t.penalty for t in chosen]
            new_tasks[tid] = Task(
                id=tid,
                location=hall[code],
                duration_s=total,
                windows=wins,
                end_in_window=True,
                priority=prio,
                penalty=None if any(p is None for p in pen) else sum(pen),  # type: ignore[arg-type]
                days=days,
                skill=skill,
                advisor_id=advisor,
                date=date,
                name=f"{len(chosen)} rendez-vous en mairie",
            )
            grouped |= {t.id for t in chosen}
            sessions.append(Session(tid, code, hall[code], tuple(t.id for t in chosen), saved))

    tasks: list[Task] = []
    for t in vp.tasks:
        if t.id in grouped:
            continue
        if t.id in team.mairie_ok and t.id not in team.domicile_ok and commune.get(t.id) in hall:
            t = replace(t, location=hall[commune[t.id]])  # seen alone at the town hall
        tasks.append(t)
    tasks.extend(new_tasks.values())
    return vp.replace(tasks=tuple(tasks)), tuple(sessions)


def explode(team: TeamProblem, problem: VisitProblem, sessions: tuple[Session, ...],
            task_ids: set[str]) -> tuple[VisitProblem, tuple[Session, ...]]:
    """Undo the sessions in ``task_ids``: their members become separate tasks again
    (at home, or alone at the town hall when they accept only the mairie)."""
    orig = {t.id: t for t in team.visits.tasks}
    commune = dict(team.visit_commune)
    hall = dict(team.mairie_location)
    keep = tuple(s for s in sessions if s.task_id not in task_ids)
    back = []
    for s in sessions:
        if s.task_id not in task_ids:
            continue
        for vid in s.members:
            t = orig[vid]
            if vid not in team.domicile_ok:
                t = replace(t, location=hall[commune[vid]])
            back.append(t)
    tasks = tuple(t for t in problem.tasks if t.id not in task_ids) + tuple(back)
    return problem.replace(tasks=tasks), keep


__all__ = ["chain_s", "explode", "form_sessions", "skill_token", "skill_tokens"]
