"""Strict priorities after the search: pins first, then no inversion left.

The engines weigh priorities through penalties; these passes make the rules exact:

- :func:`enforce_pins`: a pin (imposed appointment, visit already made) left out is put
  on its day by removing the fewest lowest-priority visits there, which are then
  re-inserted elsewhere when they fit;
- :func:`fix_inversions`: while a visit left out would fit in the place of a served
  visit of lower priority (:func:`itinerant.visits.check.fits_in_place`, the checker's
  own probe), it takes that place, and the visit it replaced is re-inserted where it
  fits. Each swap serves a higher priority in place of a lower one, so this ends.

They work on a :class:`Work`: the working tasks (announced visits held in their slot)
and, per vehicle, the sequence of task indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from itinerant.visits.check import fits_in_place
from itinerant.visits.keep import is_pin
from itinerant.visits.plan import Route
from itinerant.visits.problem import Task, VisitProblem
from itinerant.visits.timing import schedule_route

RANK = {"must": 0, "should": 1, "could": 2}


@dataclass
class Work:
    """The problem as solved: ``free`` (the request), ``problem`` (working tasks), routes."""

    free: VisitProblem
    problem: VisitProblem
    seqs: list[list[int]]
    held: set[int]
    frozen: bool = False
    """``freeze_announced``: held visits are never bumped."""
    bumped: dict[int, int] = field(default_factory=dict)
    """Announced visit index -> index of the visit that took its slot."""

    def set_task(self, i: int, task: Task) -> None:
        tasks = list(self.problem.tasks)
        tasks[i] = task
        self.problem = self.problem.replace(tasks=tuple(tasks))

    def release(self, i: int) -> None:
        """An announced visit leaves its slot: it becomes the free request again."""
        if i in self.held:
            self.held.discard(i)
            self.set_task(i, self.free.tasks[i])

    def route(self, k: int) -> Route | None:
        p = self.problem
        return schedule_route(p, p.vehicles[k], [p.tasks[i] for i in self.seqs[k]])

    def served(self) -> set[int]:
        return {i for s in self.seqs for i in s}


def _fixed(work: Work, j: int) -> bool:
    t = work.problem.tasks[j]
    return is_pin(t) or (work.frozen and j in work.held)


def enforce_pins(work: Work, insert) -> None:
    """Serve every servable pin left out, removing the lowest-priority visits of its day."""
    p = work.problem
    served = work.served()
    for i, t in enumerate(p.tasks):
        if i in served or not is_pin(t):
            continue
        for k in p.allowed_vehicles(i):
            seq = list(work.seqs[k])
            removable = sorted((j for j in seq if not _fixed(work, j)), key=lambda j: p.tasks[j].drop_cost)
            removed: list[int] = []
            placed = None
            while placed is None:
                placed = _insert_anywhere(p, k, seq, i)
                if placed is None:
                    if not removable:
                        break
                    j = removable.pop(0)
                    seq.remove(j)
                    removed.append(j)
            if placed is not None:
                work.seqs[k] = placed
                for j in removed:
                    work.release(j)
                break
    insert(work)


def _insert_anywhere(p: VisitProblem, k: int, seq: list[int], i: int) -> list[int] | None:
    v = p.vehicles[k]
    for pos in range(len(seq) + 1):
        trial = seq[:pos] + [i] + seq[pos:]
        if schedule_route(p, v, [p.tasks[x] for x in trial]) is not None:
            return trial
    return None


def fix_inversions(work: Work, insert, *, max_passes: int = 1000) -> int:
    """Swap in visits left out where the checker's probe finds a lower-priority place.

    ``insert(work)`` re-inserts the visits left out where they fit (after each pass).
    Returns the number of swaps made.
    """
    swaps = 0
    for _ in range(max_passes):
        p = work.problem
        served = work.served()
        left = sorted((i for i in range(len(p.tasks)) if i not in served and p.allowed_vehicles(i)),
                      key=lambda i: RANK[p.tasks[i].priority])
        routes = {k: work.route(k) for k, s in enumerate(work.seqs) if s}
        n = 0
        for i in left:
            t = work.problem.tasks[i]
            if RANK[t.priority] == 2:
                break
            hit = _find_place(work, routes, i, t)
            if hit is None:
                continue
            k, pos = hit
            j = work.seqs[k][pos]
            work.seqs[k] = work.seqs[k][:pos] + [i] + work.seqs[k][pos + 1 :]
            if j in work.held:
                work.bumped[j] = i
            work.release(j)
            routes[k] = work.route(k)
            n += 1
        swaps += n
        if not n:
            break
        insert(work)
    return swaps


def _find_place(work: Work, routes, i: int, t: Task) -> tuple[int, int] | None:
    """(vehicle, position) of a lower-priority stop ``t`` can replace, or None."""
    p = work.problem
    for k in p.allowed_vehicles(i):
        r = routes.get(k)
        if r is None:
            continue
        v = p.vehicles[k]
        order = sorted(range(len(r.stops)), key=lambda pos: -RANK[p.tasks[work.seqs[k][pos]].priority])
        for pos in order:
            j = work.seqs[k][pos]
            if RANK[p.tasks[j].priority] <= RANK[t.priority] or _fixed(work, j):
                continue
            if not fits_in_place(p, v, r, pos, t):
                continue
            trial = work.seqs[k][:pos] + [i] + work.seqs[k][pos + 1 :]
            if schedule_route(p, v, [p.tasks[x] for x in trial]) is not None:
                return k, pos
    return None
