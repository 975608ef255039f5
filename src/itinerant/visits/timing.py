"""Exact timing of one route: the schedule every engine's sequence is turned into.

Given a vehicle and an ordered list of tasks, :func:`schedule_route` starts each
service as early as possible, places the lunch break where it lengthens the day the
least, delays the departure to avoid waiting at the first stop, and returns the
:class:`~itinerant.visits.problem.Route` (or None when no timing is feasible).
Earliest starts dominate for feasibility, so a sequence that any solver timed
feasibly is timed feasibly here too.

Break placement on the leg into a stop (the checker accepts both):
- *before driving*: break at the previous place, then drive: ``arrival = break_end + travel``;
- *at the destination*: drive, then break before the service: ``arrival <= break_start``
  and ``break_end <= start``.
The break may also lie wholly before the departure or after the return.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from itinerant.visits.plan import Route, Stop
from itinerant.visits.problem import Break, Task, Vehicle, VisitProblem


def earliest_start(task: Task, arrival_s: int) -> int | None:
    """Earliest start of service at or after ``arrival_s`` inside a window, or None."""
    for o, c in task.windows:
        if task.end_in_window:
            c = c - task.duration_s
        if arrival_s <= c and o <= c:
            return max(arrival_s, o)
    return None


def latest_start(task: Task, bound_s: int) -> int | None:
    """Latest start of service at or before ``bound_s`` inside a window, or None."""
    for o, c in reversed(task.windows):
        if task.end_in_window:
            c = c - task.duration_s
        s = min(c, bound_s)
        if o <= s:
            return s
    return None


_NO_LUNCH = Break(0, 0, 0)


def _lunch(vehicle: Vehicle, mode: object) -> Break:
    """The vehicle's lunch; a placeholder that no pass reads when there is none (``mode`` None)."""
    if vehicle.lunch is None:
        if mode is not None:
            raise ValueError(f"{vehicle.id}: a lunch mode without a lunch")
        return _NO_LUNCH
    return vehicle.lunch


def _latest_depart(D: np.ndarray, vehicle: Vehicle, tasks: Sequence[Task], mode, ret: int):
    """Latest departure that still returns by ``ret`` (backward pass), or None."""
    lunch = _lunch(vehicle, mode)
    n = len(tasks)
    bound = ret  # latest arrival (k = n) or latest start (k < n) at node k
    for k in range(n, -1, -1):
        prev = tasks[k - 1].location if k > 0 else vehicle.start
        nxt = tasks[k].location if k < n else vehicle.end
        t = int(D[prev, nxt])
        if mode == k:
            best = None
            be = min(bound - t, lunch.latest_end_s)  # A: break at prev, then drive
            if be - lunch.duration_s >= lunch.earliest_s:
                best = be - lunch.duration_s
            if k < n:  # B: drive, break at the destination
                be = min(bound, lunch.latest_end_s)
                bs = be - lunch.duration_s
                if bs >= lunch.earliest_s and (best is None or bs - t > best):
                    best = bs - t
            if best is None:
                return None
            end_prev = best
        else:
            end_prev = bound - t
        if k == 0:
            return end_prev
        s = latest_start(tasks[k - 1], end_prev - tasks[k - 1].duration_s)
        if s is None:
            return None
        bound = s
    return None


def _opening(vehicle: Vehicle, task: Task, arrival_s: int) -> int | None:
    """Earliest start at or after the arrival, and not before the vehicle opens to the task."""
    if vehicle.open_from_s is not None and not task.done:
        arrival_s = max(arrival_s, vehicle.open_from_s)
    return earliest_start(task, arrival_s)


def _pass(D: np.ndarray, vehicle: Vehicle, tasks: Sequence[Task], depart: int, mode):
    """One forward pass; ``mode`` is an int leg index for the break, 'before', 'after' or None."""
    lunch = _lunch(vehicle, mode)
    loc = vehicle.start
    e = depart
    brk = None
    if mode == "before":
        be = min(depart, lunch.latest_end_s)
        bs = be - lunch.duration_s
        if bs < lunch.earliest_s:
            return None
        brk = (bs, be)
    rows = []
    n = len(tasks)
    for k in range(n + 1):
        nxt = tasks[k].location if k < n else vehicle.end
        t = int(D[loc, nxt])
        if mode == k:
            best = None
            # A: break at the previous place, then drive.
            bs = max(e, lunch.earliest_s)
            be = bs + lunch.duration_s
            if be <= lunch.latest_end_s:
                a = be + t
                s = _opening(vehicle, tasks[k], a) if k < n else a
                if s is not None:
                    best = (s, a, (bs, be))
            # B: drive, then break at the destination before the service.
            if k < n:
                a = e + t
                bs = max(a, lunch.earliest_s)
                be = bs + lunch.duration_s
                if be <= lunch.latest_end_s:
                    s = _opening(vehicle, tasks[k], be)
                    if s is not None and (best is None or s < best[0]):
                        best = (s, a, (bs, be))
            if best is None:
                return None
            s, a, brk = best
        else:
            a = e + t
            s = _opening(vehicle, tasks[k], a) if k < n else a
            if s is None:
                return None
        if k < n:
            rows.append((a, s, t, nxt))
            e = s + tasks[k].duration_s
            loc = nxt
        else:
            ret = a
            ret_t = t
    if mode == "after":
        bs = max(ret, lunch.earliest_s)
        be = bs + lunch.duration_s
        if be > lunch.latest_end_s:
            return None
        brk = (bs, be)
    return rows, ret, ret_t, brk


def schedule_route(
    problem: VisitProblem, vehicle: Vehicle, tasks: Sequence[Task]
) -> Route | None:
    """Time the tasks in this order on this vehicle, or None if infeasible.

    Parameters
    ----------
    problem
        Gives the matrices (the vehicle and tasks may be modified copies).
    vehicle
        The vehicle (shift, lunch, max work, capacity).
    tasks
        The tasks in visiting order (may be empty: a route with no stop).
    """
    if vehicle.capacity is not None and sum(t.demand for t in tasks) > vehicle.capacity:
        return None
    D = problem.duration_s
    modes: list = [None] if vehicle.lunch is None else [*range(len(tasks) + 1), "before", "after"]
    best = None
    for mode in modes:
        depart = vehicle.start_s
        if mode == "before":
            lunch = _lunch(vehicle, mode)
            depart = max(depart, lunch.earliest_s + lunch.duration_s)
        res = _pass(D, vehicle, tasks, depart, mode)
        if res is None:
            continue
        late = _latest_depart(D, vehicle, tasks, None if mode in ("before", "after") else mode, res[1])
        if late is not None and late > depart:
            res2 = _pass(D, vehicle, tasks, late, mode)
            if res2 is not None and res2[1] <= res[1]:
                res, depart = res2, late
        rows, ret, ret_t, brk = res
        if ret > vehicle.end_s:
            continue
        work = ret - depart
        inside = brk is not None and depart <= brk[0] and brk[1] <= ret
        if inside:
            work -= brk[1] - brk[0]
        if vehicle.max_work_s is not None and work > vehicle.max_work_s:
            continue
        key = (work, ret)
        if best is None or key < best[0]:
            best = (key, rows, ret, ret_t, brk, depart)
    if best is None:
        return None
    _, rows, ret, ret_t, brk, depart = best
    M = problem.distance_m
    stops = []
    prev = vehicle.start
    for task, (a, s, t, loc) in zip(tasks, rows):
        stops.append(
            Stop(
                task_id=task.id,
                arrival_s=int(a),
                start_s=int(s),
                end_s=int(s + task.duration_s),
                travel_s=int(t),
                travel_m=int(M[prev, loc]),
                pinned=task.pinned or task.done,
            )
        )
        prev = loc
    ids = problem.location_ids
    return Route(
        vehicle_id=vehicle.id,
        advisor_id=vehicle.advisor_id,
        date=vehicle.date,
        start_site=ids[vehicle.start],
        end_site=ids[vehicle.end],
        depart_s=int(depart),
        return_s=int(ret),
        stops=tuple(stops),
        return_travel_s=int(ret_t),
        return_travel_m=int(M[prev, vehicle.end]),
        break_start_s=None if brk is None else int(brk[0]),
        break_end_s=None if brk is None else int(brk[1]),
    )
