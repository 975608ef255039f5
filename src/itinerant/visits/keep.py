"""What a plan keeps, decided before solving: imposed appointments and announced visits.

- **Pins** (imposed advisor, date and often time; visits already done): each is checked
  alone on its day, then with the other pins of the same day. A pin that cannot be
  kept is set aside *before* solving, with the reason (the rest is planned); every other
  pin is never dropped for another visit (:func:`itinerant.visits.priority.enforce_pins`).
- **Announced visits** (a re-plan: stops of the previous plan not yet made) are *held*
  on their advisor, day and time: their task in the working problem is fixed there and
  costs :data:`CHANGE_COST` more to leave out, so the search keeps them unless it must
  move them. A slot that no longer exists (absence, day over) releases the visit before
  solving; a higher-priority visit may take a held visit's place (it is then re-planned
  elsewhere), except with ``freeze_announced``.

The working problem has the same tasks, in the same order, as the problem; a set-aside
task is made unservable there (:func:`excluded`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from itinerant.core.units import hhmm, short_day
from itinerant.visits.problem import Task, VisitProblem
from itinerant.visits.timing import schedule_route

CHANGE_COST = 100_000
"""Extra cost of leaving an announced visit out of its slot (cost unit: 1 s of driving)."""

_day = short_day


def held(task: Task, *, freeze: bool = False) -> Task:
    """The task fixed at its announced slot (advisor, date, start), costing more to drop."""
    slot = task.announced
    assert slot is not None
    return replace(
        task,
        advisor_id=slot.advisor_id,
        date=slot.date,
        days=None,
        windows=((slot.start_s, slot.start_s),),
        end_in_window=False,
        pinned_start_s=slot.start_s,
        penalty=None if task.penalty is None else task.penalty + CHANGE_COST,
        pinned=task.pinned or freeze,
    )


def excluded(task: Task) -> Task:
    """The task made unservable (no vehicle is compatible)."""
    return replace(task, days=(), date=dt.date.min, pinned=False)


def is_pin(task: Task) -> bool:
    """An imposed appointment or a visit already made: never dropped for another."""
    return task.pinned or task.done


@dataclass
class Prepared:
    """The working problem's tasks and what was decided before solving.

    ``aside``: task index -> (code, reason) of pins that cannot be kept;
    ``released``: task index -> why an announced visit could not stay in its slot;
    ``held``: indices of announced visits held in their slot.
    """

    tasks: list[Task]
    aside: dict[int, tuple[str, str]] = field(default_factory=dict)
    released: dict[int, str] = field(default_factory=dict)
    held: set[int] = field(default_factory=set)

    def notices(self, problem: VisitProblem) -> tuple[str, ...]:
        """French sentences said before the plan: the pins that cannot be kept."""
        return tuple(f"rendez-vous {problem.tasks[i].id} impossible à tenir : {why}"
                     for i, (_, why) in sorted(self.aside.items()))


class _VehicleOf:
    """(advisor, date) -> vehicle index; with several vehicles that day (the team planner's
    blocks between duties), :meth:`at` picks the one whose hours hold a given time."""

    def __init__(self, problem: VisitProblem):
        self.problem = problem
        self.by_day: dict[tuple[str, dt.date | None], list[int]] = {}
        for k, v in enumerate(problem.vehicles):
            self.by_day.setdefault((v.advisor_id, v.date), []).append(k)

    def __contains__(self, key: object) -> bool:
        return key in self.by_day

    def at(self, key: tuple[str, dt.date | None], start_s: int | None) -> int | None:
        """The vehicle of that advisor and date whose hours hold ``start_s`` (else the first)."""
        ks = self.by_day.get(key)
        if not ks:
            return None
        for k in ks:
            v = self.problem.vehicles[k]
            if start_s is not None and v.start_s <= start_s <= v.end_s:
                return k
        return ks[0]


def _vehicle_of(problem: VisitProblem) -> _VehicleOf:
    return _VehicleOf(problem)


def _fits_alone(problem: VisitProblem, task: Task) -> bool:
    return any(schedule_route(problem, problem.vehicles[k], [task]) is not None
               for k in problem.allowed_vehicles_of(task))


def _pin_alone_reason(problem: VisitProblem, task: Task) -> str:
    if (task.advisor_id is not None and task.date is not None
            and (task.advisor_id, task.date) not in _vehicle_of(problem)):
        return f"{_away(problem, task.advisor_id, task.date)} : prévenir la personne et choisir une autre date"
    if task.pinned_start_s is not None:
        return (f"le rendez-vous de {hhmm(task.pinned_start_s)} ne tient pas dans la journée "
                "du conseiller (horaires, trajet) : changer l'heure")
    return "aucune journée du conseiller imposé ne peut l'accueillir : changer la date ou le conseiller"


def _away(problem: VisitProblem, advisor_id: str, date: dt.date) -> str:
    """Why the advisor has no day then, as far as the problem knows."""
    for aid, d, reason in problem.absences:
        if (aid, d) == (advisor_id, date):
            return f"{_name(problem, advisor_id)} est absent(e) le {_day(date)}" + (f" ({reason})" if reason else "")
    return f"{_name(problem, advisor_id)} ne tourne plus le {_day(date)} (journée passée ou non travaillée)"


def _name(problem: VisitProblem, advisor_id: str) -> str:
    for s in problem.staff:
        if s.id == advisor_id:
            return s.name
    for v in problem.vehicles:
        if v.advisor_id == advisor_id and v.advisor_name:
            return v.advisor_name
    return advisor_id


def _start_key(t: Task) -> int:
    return t.pinned_start_s if t.pinned_start_s is not None else t.windows[0][0]


def _joint(problem: VisitProblem, k: int, items: list[tuple[int, Task]], base=()):
    """Greedy: add the day's fixed tasks in time order to ``base`` (kept as is);
    returns (kept, [(index, clashing index)])."""
    kept: list[tuple[int, Task]] = list(base)
    dropped: list[tuple[int, int | None]] = []
    v = problem.vehicles[k]
    for i, t in sorted(items, key=lambda it: _start_key(it[1])):
        trial = sorted(kept + [(i, t)], key=lambda it: _start_key(it[1]))
        if schedule_route(problem, v, [x for _, x in trial]) is not None:
            kept = trial
        else:
            clash = min(kept, key=lambda it: abs(_start_key(it[1]) - _start_key(t)))[0] if kept else None
            dropped.append((i, clash))
    return kept, dropped


def prepare(problem: VisitProblem, *, freeze: bool = False) -> Prepared:
    """Check the pins, hold the announced visits (see the module docstring)."""
    prep = Prepared(tasks=list(problem.tasks))
    by_vehicle: dict[int, list[tuple[int, Task]]] = defaultdict(list)
    vehicle_of = _vehicle_of(problem)
    for i, t in enumerate(problem.tasks):
        if not is_pin(t):
            continue
        if not _fits_alone(problem, t):
            prep.aside[i] = ("pin", _pin_alone_reason(problem, t))
            continue
        if t.advisor_id is not None and t.date is not None and t.pinned_start_s is not None:
            k = vehicle_of.at((t.advisor_id, t.date), t.pinned_start_s)
            if k is not None:
                by_vehicle[k].append((i, t))
    for k, items in by_vehicle.items():
        kept, dropped = _joint(problem, k, items)
        by_vehicle[k] = kept
        for i, clash in dropped:
            prep.aside[i] = ("pin", _clash_text(problem, clash))
    _place_partial_pins(problem, prep, by_vehicle)
    _hold_announced(problem, prep, by_vehicle, vehicle_of, freeze)
    for i in prep.aside:
        prep.tasks[i] = excluded(problem.tasks[i])
    return prep


def _clash_text(problem: VisitProblem, clash: int | None) -> str:
    other = problem.tasks[clash].id if clash is not None else "d'autres rendez-vous imposés"
    return (f"chevauche le rendez-vous imposé {other} du même conseiller (trajet compris) : "
            "changer l'heure de l'un des deux")


def _place_partial_pins(problem: VisitProblem, prep: Prepared, by_vehicle) -> None:
    """Pins free in advisor, day or time: greedily given a day with the other pins;
    one that finds none is set aside (a feasible assignment may exist that the greedy
    misses: then the pin is still planned if the search finds room)."""
    fixed = {i for items in by_vehicle.values() for i, _ in items}
    partial = [i for i, t in enumerate(problem.tasks)
               if is_pin(t) and i not in prep.aside and i not in fixed]
    placed: dict[int, list[tuple[int, Task]]] = defaultdict(list, {k: list(v) for k, v in by_vehicle.items()})
    for i in sorted(partial, key=lambda i: _start_key(problem.tasks[i])):
        t = problem.tasks[i]
        for k in problem.allowed_vehicles(i):
            kept, dropped = _joint(problem, k, [(i, t)], base=placed[k])
            if not dropped:
                placed[k] = kept
                break
        else:
            prep.aside[i] = ("pin", "ne tient avec aucun autre rendez-vous imposé des jours possibles : "
                                    "changer l'heure ou le jour")


def _release(prep: Prepared, i: int, task: Task, why: str) -> None:
    """An announced visit whose slot is gone: re-planned freely, but costing
    :data:`CHANGE_COST` more to leave out, so that it is placed before a new request of
    the same priority (the resident was promised a visit this week)."""
    prep.released[i] = why
    if task.penalty is not None:
        prep.tasks[i] = replace(task, penalty=task.penalty + CHANGE_COST)


def _hold_announced(problem, prep: Prepared, pins_by_vehicle, vehicle_of, freeze: bool) -> None:
    """Hold each announced visit in its slot when the slot still exists and fits."""
    candidates: dict[int, list[tuple[int, Task]]] = defaultdict(list)
    for i, t in enumerate(problem.tasks):
        slot = t.announced
        if slot is None or is_pin(t) or i in prep.aside:
            continue
        k = vehicle_of.at((slot.advisor_id, slot.date), slot.start_s)
        if k is None:
            _release(prep, i, t, _away(problem, slot.advisor_id, slot.date))
            continue
        h = held(t, freeze=freeze)
        if not problem.compatible(h, problem.vehicles[k]) or schedule_route(problem, problem.vehicles[k], [h]) is None:
            _release(prep, i, t, "le créneau annoncé ne tient plus (horaires du conseiller ou de la demande changés)")
            continue
        candidates[k].append((i, h))
    for k, items in candidates.items():
        pins = [(i, prep.tasks[i]) for i, _ in pins_by_vehicle.get(k, []) if i not in prep.aside]
        kept, _ = _joint(problem, k, items, base=pins)
        kept_ids = {i for i, _ in kept}
        for i, h in items:
            if i in kept_ids:
                prep.tasks[i] = h
                prep.held.add(i)
            else:
                _release(prep, i, t, "le créneau annoncé chevauche un rendez-vous imposé : visite replanifiée")
