"""Why a visit was left out, and what would make it fit.

After solving, each unassigned visit is probed with the plan's routes held:

1. structural causes first: no working day allowed (holidays), no advisor with the
   skill on the allowed days, the required advisor not working those days;
2. too far: even alone in a day, the round trip plus the visit does not fit;
3. the smallest change that would make it fit somewhere, trying every compatible
   route at every position: window opening earlier or closing later, a shorter
   visit (only down to the shortest duration the request allows), a longer day for
   that advisor (in a team week, where a duty bounds the free block, that duty
   starting later or ending earlier, named: ``Vehicle.start_label``/``end_label``);
4. a lower- (or equal-) priority visit it could replace;
5. otherwise the compatible routes are full: which days, whose extra half-day helps.

Suggested changes are bounded to stay reasonable: a window moved or a day lengthened
by at most 3 h, a visit shortened by at most half. Routes are the problem's vehicles,
which never lie before the problem's ``now``, and days suggested are never past days. Each reason holds for that visit
alone, with the other routes as planned (two visits may point to the same room).

Messages are French by default (``language="en"`` for English) and name what to
change. Times are seconds since midnight; the amounts probed are rounded up to
5 minutes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import replace

from itinerant.core.places import UNREACHABLE
from itinerant.core.units import WEEKDAYS, hhmm, short_day
from itinerant.visits.problem import Task, Vehicle, VisitProblem
from itinerant.visits.timing import schedule_route

STEP_S = 300
"""Probe granularity, seconds."""
MAX_SHIFT_S = 3 * 3600
"""Largest window shift or day extension worth suggesting, seconds."""

_PRIO = {
    "fr": {"must": "obligatoire", "should": "souhaitable", "could": "facultative"},
    "en": {"must": "must", "should": "should", "could": "could"},
}


def span_text(s: int, language: str = "fr") -> str:
    """A duration as ``2 h 10``, ``1 h``, ``45 min``."""
    m = (s + 59) // 60
    h, m = divmod(m, 60)
    if h and m:
        return f"{h} h {m:02d}"
    return f"{h} h" if h else f"{m} min"


def _or(items: list[str], language: str) -> str:
    word = " ou " if language == "fr" else " or "
    items = list(dict.fromkeys(items))
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + word + items[-1]


def _and(items: list[str], language: str) -> str:
    word = " et " if language == "fr" else " and "
    items = list(dict.fromkeys(items))
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + word + items[-1]


def _day(d: dt.date, language: str) -> str:
    return short_day(d, language)


def _weekdays(days, language: str, article: bool = True) -> str:
    prefix = "le " if (article and language == "fr") else ""
    return _or([prefix + WEEKDAYS[language][d] for d in sorted(days)], language)


# ------------------------------------------------------------------ probes


def _fits(problem: VisitProblem, vehicle: Vehicle, seq: list[Task], task: Task) -> bool:
    for p in range(len(seq) + 1):
        if schedule_route(problem, vehicle, seq[:p] + [task] + seq[p:]) is not None:
            return True
    return False


def _smallest(fits, limit_s: int) -> int | None:
    """Smallest multiple of STEP_S in (0, limit_s] for which ``fits`` holds (monotone)."""
    if not fits(limit_s):
        return None
    lo, hi = 0, (limit_s + STEP_S - 1) // STEP_S
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid * STEP_S):
            hi = mid
        else:
            lo = mid
    return hi * STEP_S


def _open_earlier(task: Task, w: int, delta: int) -> Task:
    wins = list(task.windows)
    o, c = wins[w]
    wins[w] = (max(0, o - delta), c)
    return replace(task, windows=tuple(wins), pinned_start_s=None)


def _close_later(task: Task, w: int, delta: int) -> Task:
    wins = list(task.windows)
    o, c = wins[w]
    wins[w] = (o, c + delta)
    return replace(task, windows=tuple(wins), pinned_start_s=None)


Reason = tuple[str, str, int | None]
"""(code, text, index of the vehicle the reason points to or None)."""


def explain_unassigned(
    problem: VisitProblem,
    seqs: Sequence[Sequence[int]],
    missing: Sequence[int],
    *,
    language: str = "fr",
    budget_s: float | None = 8.0,
    deep_max: int | None = None,
) -> dict[int, Reason]:
    """A reason for each unassigned task.

    Parameters
    ----------
    problem
        The problem.
    seqs
        Per vehicle, the task indices of its route in order (the plan, held fixed).
    missing
        Indices of the unassigned tasks.
    language
        ``fr`` or ``en``.
    budget_s
        Time budget for the probes, seconds; past it only structural reasons are given.
        None: no time budget (deterministic), see ``deep_max``.
    deep_max
        Probe at most this many visits deeply (None = all); the others get the short
        structural or "full" reason.

    Returns
    -------
    dict
        Task index -> (code, text, vehicle index or None). Codes: ``no_vehicle``,
        ``holiday``, ``skill``, ``advisor``, ``date``, ``far``, ``unreachable``,
        ``window_open``, ``window_close``, ``duration``, ``shift``, ``swap``, ``full``.
    """
    language = language if language in ("fr", "en") else "fr"
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    out = {}
    for n, i in enumerate(missing):
        deep = (deadline is None or time.perf_counter() < deadline) and (deep_max is None or n < deep_max)
        out[i] = _explain(problem, seqs, i, language=language, deep=deep)
    return out


def explain_one(
    problem: VisitProblem,
    seqs: Sequence[Sequence[int]],
    i: int,
    *,
    language: str = "fr",
    deep: bool = True,
) -> tuple[str, str]:
    """(code, text) for the unassigned task ``i``; see :func:`explain_unassigned`."""
    code, text, _ = _explain(problem, seqs, i, language=language, deep=deep)
    return code, text


def _explain(problem: VisitProblem, seqs, i: int, *, language: str, deep: bool) -> Reason:
    task = problem.tasks[i]
    allowed = problem.allowed_vehicles(i)
    if not allowed:
        code, text = _structural(problem, task, language)
        return code, text, None
    far = _too_far(problem, task, allowed, language)
    if far is not None:
        return far
    only = allowed[0] if len(allowed) == 1 else None  # the one route it competes for
    if not deep:
        return "full", _full_text(problem, task, allowed, language), only
    routes = {k: [problem.tasks[j] for j in seqs[k]] if k < len(seqs) else [] for k in allowed}
    found = _window_changes(problem, task, allowed, routes, language)
    for probe in (_duration_cut, _longer_day, _earlier_start):
        f = probe(problem, task, allowed, routes, language)
        if f is not None:
            found.append(f)
    if found:
        found.sort(key=lambda f: f[0])
        _, code, text, k = found[0]
        return code, text, k
    swap = _swap(problem, task, allowed, routes, language)
    if swap is not None:
        return swap
    return "full", _full_text(problem, task, allowed, language), only


def _too_far(problem: VisitProblem, task: Task, allowed: Sequence[int], language: str) -> Reason | None:
    """Too far (or unreachable): does not fit alone in any compatible day, whatever the windows."""
    fr = language == "fr"
    open_task = replace(task, windows=((0, 10**9),), end_in_window=False, pinned_start_s=None)
    if any(schedule_route(problem, problem.vehicles[k], [open_task]) for k in allowed):
        return None
    k = max(allowed, key=lambda k: _day_length(problem.vehicles[k]))
    v = problem.vehicles[k]
    rt = int(problem.duration_s[v.start, task.location] + problem.duration_s[task.location, v.end])
    site = dict(problem.site_names).get(problem.location_ids[v.start], problem.location_ids[v.start])
    if rt >= UNREACHABLE // 2:
        if fr:
            return "unreachable", f"aucune route ne mène à cette adresse depuis {site} : vérifier sa position", None
        return "unreachable", f"no road leads to this address from {site}: check its position", None
    cut = " (raccourcir la visite ou la confier à une permanence plus proche)" if fr else ""
    if fr:
        text = (
            f"trop loin : {span_text(rt)} de trajet aller-retour depuis {site} "
            f"+ {span_text(task.duration_s)} de visite pour "
            + (f"un créneau de {span_text(_day_length(v))}{block_text(v, language)}" if v.start_label or v.end_label
               else f"une journée de {span_text(_day_length(v))}")
        )
        text += cut if task.min_duration_s is not None else " (la confier à une permanence plus proche)"
    else:
        text = (
            f"too far: {span_text(rt)} round trip from {site} + {span_text(task.duration_s)} visit "
            f"for a {span_text(_day_length(v))} " + ("free block" + block_text(v, language) if v.start_label or v.end_label else "day")
            + " (serve it from a nearer antenne)"
        )
    return "far", text, k


def _best_vehicle(allowed: Sequence[int], amount) -> tuple[int, int] | None:
    """(smallest amount, vehicle) over the allowed vehicles, or None."""
    best = None
    for k in allowed:
        d = amount(k)
        if d is not None and (best is None or d < best[0]):
            best = (d, k)
    return best


def _window_changes(problem, task: Task, allowed, routes, language: str) -> list[tuple[int, str, str, int]]:
    """For each window: the smallest earlier opening and later closing that fit."""
    fr = language == "fr"
    found = []
    fixed = task.pinned_start_s is not None
    for w, (o, c) in enumerate(task.windows):
        best = _best_vehicle(allowed, lambda k, w=w, o=o: _smallest(
            lambda x: _fits(problem, problem.vehicles[k], routes[k], _open_earlier(task, w, x)), min(MAX_SHIFT_S, o)))
        if best is not None:
            d, k = best
            who = _who(problem, k, language)
            if fr:
                what = "son rendez-vous était fixé à" if fixed else "sa fenêtre ouvrait à"
                text = f"entrerait si {what} {hhmm(o - d)} au lieu de {hhmm(o)} ({who})"
            else:
                what = "appointment were at" if fixed else "window opened at"
                text = f"would fit if its {what} {hhmm(o - d)} instead of {hhmm(o)} ({who})"
            found.append((d, "window_open", text, k))
        best = _best_vehicle(allowed, lambda k, w=w: _smallest(
            lambda x: _fits(problem, problem.vehicles[k], routes[k], _close_later(task, w, x)), MAX_SHIFT_S))
        if best is not None:
            d, k = best
            who = _who(problem, k, language)
            if fr:
                what = "son rendez-vous était fixé à" if fixed else "sa fenêtre fermait à"
                text = f"entrerait si {what} {hhmm(c + d)} au lieu de {hhmm(c)} ({who})"
            else:
                what = "appointment were at" if fixed else "window closed at"
                text = f"would fit if its {what} {hhmm(c + d)} instead of {hhmm(c)} ({who})"
            found.append((d, "window_close", text, k))
    return found


def _duration_cut(problem, task: Task, allowed, routes, language: str):
    """The smallest cut that fits, down to the shortest duration the request allows."""
    dur = task.duration_s
    if task.min_duration_s is None or task.min_duration_s >= dur:
        return None
    limit = dur - task.min_duration_s
    best = _best_vehicle(allowed, lambda k: _smallest(
        lambda x: _fits(problem, problem.vehicles[k], routes[k], replace(task, duration_s=max(0, dur - x))), limit))
    if best is None:
        return None
    cut, k = best
    new = max(task.min_duration_s, dur - cut)
    who = _who(problem, k, language)
    if language == "fr":
        text = f"entrerait si la visite durait {new // 60} min au lieu de {dur // 60} ({who})"
    else:
        text = f"would fit if the visit lasted {new // 60} min instead of {dur // 60} ({who})"
    return (cut, "duration", text, k)


def _longer_day(problem, task: Task, allowed, routes, language: str):
    """The smallest extension of an advisor's day (or of a team week's free block) that
    fits; the text names what bounds it (see :func:`_longer_text`)."""

    def longer(k: int, x: int) -> bool:
        v = problem.vehicles[k]
        mw = None if v.max_work_s is None else v.max_work_s + x
        return _fits(problem, replace(v, end_s=v.end_s + x, max_work_s=mw), routes[k], task)

    best = _best_vehicle(allowed, lambda k: _smallest(lambda x: longer(k, x), MAX_SHIFT_S))
    if best is None:
        return None
    d, k = best
    v = problem.vehicles[k]
    later = _fits(problem, replace(v, end_s=v.end_s + d), routes[k], task)
    more = v.max_work_s is not None and _fits(problem, replace(v, max_work_s=v.max_work_s + d), routes[k], task)
    return (d, "shift", _longer_text(v, d, "work" if more and not later else "end", language), k)


def _longer_text(v: Vehicle, d: int, bound: str, language: str) -> str:
    """What ``d`` more seconds would take: the duty that follows starting later (a team
    week's block, ``v.end_label``), a longer working time (``bound`` "work": the day's
    or the contract's hours bind, not the clock), or the end of the day later."""
    who = v.advisor_name or v.advisor_id
    day = _day(v.date, language) if v.date else ""
    fr = language == "fr"
    if bound == "work":
        if fr:
            return (f"entrerait si {who} pouvait travailler {span_text(d)} de plus le {day} "
                    f"(heures de sa journée ou de son contrat, permanences comprises)")
        return f"would fit if {who} could work {span_text(d)} more on {day} (hours of the day or contract, duties included)"
    if v.end_label:
        if fr:
            return (f"entrerait si {who} avait {span_text(d)} de plus avant « {v.end_label} » le {day} "
                    f"(qui commence à {hhmm(v.end_s)} : décaler cette permanence à {hhmm(v.end_s + d)} "
                    f"ou la confier à un autre conseiller)")
        return (f"would fit if {who} had {span_text(d)} more before '{v.end_label}' on {day} "
                f"(it starts at {hhmm(v.end_s)}: move it to {hhmm(v.end_s + d)} or give it to another advisor)")
    if fr:
        return (f"entrerait si la journée de {who} le {day} durait {span_text(d)} de plus "
                f"(fin à {hhmm(v.end_s + d)} au lieu de {hhmm(v.end_s)})")
    return (f"would fit if {who}'s day on {day} were {span_text(d)} longer "
            f"(ending {hhmm(v.end_s + d)} instead of {hhmm(v.end_s)})")


def _earlier_start(problem, task: Task, allowed, routes, language: str):
    """A team week's block that starts when a duty ends (``Vehicle.start_label``): the
    smallest earlier end of that duty that fits."""

    def earlier(k: int, x: int) -> bool:
        v = problem.vehicles[k]
        if x > v.start_s:
            return False
        mw = None if v.max_work_s is None else v.max_work_s + x
        return _fits(problem, replace(v, start_s=v.start_s - x, max_work_s=mw), routes[k], task)

    blocks = [k for k in allowed if problem.vehicles[k].start_label and problem.vehicles[k].open_from_s is None]
    best = _best_vehicle(blocks, lambda k: _smallest(lambda x: earlier(k, x), MAX_SHIFT_S))
    if best is None:
        return None
    d, k = best
    v = problem.vehicles[k]
    who = v.advisor_name or v.advisor_id
    day = _day(v.date, language) if v.date else ""
    if language == "fr":
        text = (f"entrerait si {who} finissait « {v.start_label} » {span_text(d)} plus tôt le {day} "
                f"(à {hhmm(v.start_s - d)} au lieu de {hhmm(v.start_s)}), ou si un autre conseiller "
                f"tenait cette permanence")
    else:
        text = (f"would fit if {who}'s '{v.start_label}' on {day} ended {span_text(d)} earlier "
                f"({hhmm(v.start_s - d)} instead of {hhmm(v.start_s)}) or were given to another advisor")
    return (d, "shift", text, k)


def _swap(problem, task: Task, allowed, routes, language: str) -> Reason | None:
    """A visit of lower or equal priority (not kept) it could replace."""
    rank = {"must": 0, "should": 1, "could": 2}
    swaps = []
    for k in allowed:
        seq = routes[k]
        for pos, other in enumerate(seq):
            if rank[other.priority] < rank[task.priority] or other.pinned or other.done:
                continue
            if _fits(problem, problem.vehicles[k], seq[:pos] + seq[pos + 1 :], task):
                swaps.append((-rank[other.priority], other.id, other.priority, k))
    if not swaps:
        return None
    swaps.sort(key=lambda s: (s[0], s[1]))
    _, oid, oprio, k = swaps[0]
    p = _PRIO[language][oprio]
    who = _who(problem, k, language)
    if language == "fr":
        return "swap", f"entrerait à la place de la visite {oid} (« {p} ») ({who}) : choisir laquelle garder", k
    return "swap", f"would fit instead of visit {oid} ('{p}') ({who}): choose which to keep", k


def _day_length(v: Vehicle) -> int:
    span = v.end_s - v.start_s
    if v.max_work_s is not None:
        span = min(span, v.max_work_s)
    return span


def _who(problem: VisitProblem, k: int, language: str) -> str:
    v = problem.vehicles[k]
    name = v.advisor_name or v.advisor_id or v.id
    if v.date is None:
        return ("tournée de " if language == "fr" else "route of ") + name + block_text(v, language)
    if language == "fr":
        return f"tournée de {name} le {_day(v.date, language)}{block_text(v, language)}"
    return f"{name}'s route on {_day(v.date, language)}{block_text(v, language)}"


def block_text(v: Vehicle, language: str = "fr") -> str:
    """Which part of the day a team week's block is, by the duties around it:
    « , après « A » », « , avant « B » », « , entre « A » et « B » »; "" for a whole day."""
    a, b = v.start_label, v.end_label
    fr = language == "fr"
    o, c = ("« ", " »") if fr else ("'", "'")
    if a and b:
        return f", entre {o}{a}{c} et {o}{b}{c}" if fr else f", between {o}{a}{c} and {o}{b}{c}"
    if b:
        return f", avant {o}{b}{c}" if fr else f", before {o}{b}{c}"
    if a:
        return f", après {o}{a}{c}" if fr else f", after {o}{a}{c}"
    return ""


def _full_text(problem: VisitProblem, task: Task, allowed: Sequence[int], language: str) -> str:
    days = sorted({d for k in allowed if (d := problem.vehicles[k].date) is not None})
    short = [_day(d, language) for d in days]
    names = [problem.vehicles[k].advisor_name or problem.vehicles[k].advisor_id for k in allowed]
    who = _or(list(dict.fromkeys(names)), language)
    if language == "fr":
        return (
            f"les tournées compatibles sont pleines ({', '.join(short)}) : ajouter une demi-journée "
            f"de {who}, ou passer une autre visite en « facultative »"
        )
    return (
        f"the compatible routes are full ({', '.join(short)}): add a half-day for {who}, "
        f"or make another visit 'could'"
    )


def _allowed_dates(problem: VisitProblem, task: Task) -> list[dt.date]:
    week = problem.week_start
    if task.date is not None:
        return [task.date]
    if task.days is not None and week is not None:
        return [week + dt.timedelta(days=d) for d in sorted(task.days)]
    return sorted({v.date for v in problem.vehicles if v.date})


def _holiday_reason(task: Task, dates, holidays, language: str) -> tuple[str, str]:
    fr = language == "fr"
    hol = _and([f"{_day(d, language)} : {holidays[d]}" for d in dates], language)
    if task.date is not None:
        text = f"la date imposée est fériée ({hol}) : choisir un autre jour" if fr else f"the fixed date is a public holiday ({hol}): choose another day"
    elif fr:
        text = f"jours autorisés tous fériés ({hol}) : autoriser un autre jour"
    else:
        text = f"every allowed day is a public holiday ({hol}): allow another day"
    return "holiday", text


def _past_reason(problem: VisitProblem, dates, language: str) -> tuple[str, str] | None:
    """Every allowed date is before ``now``: suggest the days to come."""
    if problem.now is None or not dates or any(d >= problem.now.date() for d in dates):
        return None
    past = _and([_day(d, language) for d in dates], language)
    if language == "fr":
        return "past", f"ses jours autorisés sont passés ({past}) : autoriser un jour à venir"
    return "past", f"its allowed days are past ({past}): allow a day to come"


def _advisor_reason(problem: VisitProblem, task: Task, weekdays, hol_note: str, language: str):
    fr = language == "fr"
    s = {x.id: x for x in problem.staff}.get(task.advisor_id)  # type: ignore[arg-type]
    name = s.name if s else task.advisor_id
    if s is not None and task.skill is not None and task.skill not in s.skills:
        return "advisor", (f"{name} n'a pas la compétence « {task.skill} »" if fr else f"{name} lacks skill '{task.skill}'")
    if [d for d in weekdays if s is None or d in s.weekdays]:
        return None
    wd = _weekdays(weekdays, language)
    if fr:
        return "advisor", f"{name} (conseiller imposé) ne travaille pas {wd}{hol_note} : autoriser un autre jour ou un autre conseiller"
    return "advisor", f"{name} (required advisor) does not work on {wd}{hol_note}: allow another day or advisor"


def _skill_reason(problem: VisitProblem, task: Task, weekdays, hol_note: str, language: str):
    fr = language == "fr"
    with_skill = [s for s in problem.staff if task.skill in s.skills]
    if problem.staff and not with_skill:
        return "skill", (f"aucun conseiller n'a la compétence « {task.skill} »" if fr else f"no advisor has skill '{task.skill}'")
    if any(set(s.weekdays) & set(weekdays) for s in with_skill):
        return None
    wd = _weekdays(weekdays, language)
    days_with = _weekdays(_future_weekdays(problem, {d for s in with_skill for d in s.weekdays}), language, article=False)
    if fr:
        return "skill", f"aucun conseiller avec la compétence « {task.skill} » ne travaille {wd}{hol_note} : autoriser {days_with}"
    return "skill", f"no advisor with skill '{task.skill}' works on {wd}{hol_note}: allow {days_with}"


def _structural(problem: VisitProblem, task: Task, language: str) -> tuple[str, str]:
    fr = language == "fr"
    holidays = dict(problem.holidays)
    if not problem.vehicles:
        return "no_vehicle", ("aucun conseiller ne travaille cette semaine" if fr else "no advisor works this week")
    dates = _allowed_dates(problem, task)
    open_dates = [d for d in dates if d not in holidays]
    if dates and not open_dates:
        return _holiday_reason(task, dates, holidays, language)
    past = _past_reason(problem, open_dates, language)
    if past is not None:
        return past
    weekdays = sorted({d.weekday() for d in open_dates})
    closed = [d for d in dates if d in holidays]
    hol_note = ""
    if closed:
        hol_note = " (" + _and([f"{_day(d, language)} férié" if fr else f"{_day(d, language)} is a holiday" for d in closed], language) + ")"
    found = None
    if task.advisor_id is not None:
        found = _advisor_reason(problem, task, weekdays, hol_note, language)
    if found is None and task.skill is not None:
        found = _skill_reason(problem, task, weekdays, hol_note, language)
    if found is not None:
        return found
    if task.date is not None:
        if fr:
            return "date", f"aucune tournée le {_day(task.date, language)} pour le conseiller imposé : changer la date"
        return "date", f"no route on {_day(task.date, language)} for the required advisor: change the date"
    if weekdays:
        wd = _weekdays(weekdays, language)
        if fr:
            return "no_vehicle", f"aucun conseiller compatible ne travaille {wd}{hol_note} : autoriser d'autres jours"
        return "no_vehicle", f"no compatible advisor works on {wd}{hol_note}: allow other days"
    if fr:
        return "no_vehicle", "aucune tournée compatible cette semaine (jours, compétence, conseiller) : autoriser d'autres jours"
    return "no_vehicle", "no compatible route this week (days, skill, advisor): allow other days"


def _future_weekdays(problem: VisitProblem, weekdays) -> list[int]:
    """The weekdays that are not past (``problem.now``), sorted."""
    if problem.now is None or problem.week_start is None:
        return sorted(weekdays)
    first = (problem.now.date() - problem.week_start).days
    return sorted(d for d in weekdays if d >= first)
