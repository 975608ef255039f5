"""The baseline rota: communes in population order, round-robin over the bus days.

What a coordinator would do by hand: take the communes from the largest down, give each
the rhythm its minimum requires (monthly, fortnightly or weekly), on the next bus day in
turn, in the first free slot of that day. No optimisation of coverage or kilometres.
"""

from __future__ import annotations

from itinerant.bus.problem import BusProblem
from itinerant.bus.rota import Assignment, Rota, check_day, evaluate


def baseline_assignments(problem: BusProblem) -> tuple[Assignment, ...]:
    """Assignments of the baseline rota (communes that find no free slot stay unserved)."""
    P = problem
    days = [(b, d) for b, bus in enumerate(P.buses) for d in bus.days]
    if not days:
        return ()
    taken: dict[tuple[int, int, int, int], int] = {}  # (b, d, k, w) -> site (-1: blocked)
    for b, d in days:
        for w in range(1, P.cycle_weeks + 1):
            for k in P.blocked_slots(b, d, w):
                taken[(b, d, k, w)] = -1
    fixed_communes = {P.stops[f.stop].commune for f in P.fixed if f.stop is not None}
    order = sorted(range(len(P.communes)), key=lambda c: (-P.communes[c].population, P.communes[c].code))
    pats = sorted(P.patterns, key=lambda p: (len(p), p))
    out: list[Assignment] = []
    turn = 0
    for c in order:
        com = P.communes[c]
        stops = [s for s, st in enumerate(P.stops) if st.commune == c]
        if c in fixed_communes or not stops or com.min_visits <= 0:
            continue
        need = min(com.min_visits, P.cycle_weeks)
        size = min((len(p) for p in pats if len(p) >= need), default=P.cycle_weeks)
        # the rhythm its minimum requires; patterns that lose a passage to a day off last
        cands = [p for p in pats if len(p) == size]
        s = stops[0]
        site = P.stops[s].site
        placed = _first_free(P, taken, days, turn, cands, site)
        if placed is not None:
            b, d, k, weeks = placed
            for w in weeks:
                taken[(b, d, k, w)] = site
            out.append(Assignment(c, s, b, d, k, tuple(weeks)))
        turn += 1
    return tuple(out)


def _fits(P: BusProblem, taken: dict, b: int, d: int, k: int, weeks: tuple[int, ...], site: int) -> bool:
    """True when ``site`` in slot ``k`` keeps every day of ``weeks`` on time."""
    for w in weeks:
        day = {kk: st for (bb, dd, kk, ww), st in taken.items()
               if (bb, dd, ww) == (b, d, w) and st is not None and st >= 0}
        day[k] = site
        if check_day(P, b, d, w, day)[1]:
            return False
    return True


def _first_free(
    P: BusProblem, taken: dict, days: list[tuple[int, int]], turn: int, cands: list, site: int
) -> tuple[int, int, int, tuple[int, ...]] | None:
    """The first free ``(bus, weekday, slot, weeks)`` from day ``turn`` on, in turn;
    on each day, the patterns that keep every passage (no day off) first."""
    for j in range(len(days)):
        b, d = days[(turn + j) % len(days)]
        on_day = sorted(cands, key=lambda p: len(p) - len(P.open_weeks(d, p)))
        for k in range(len(P.buses[b].slot_starts_s)):
            for weeks in on_day:
                if any((b, d, k, w) in taken for w in weeks):
                    continue
                if _fits(P, taken, b, d, k, weeks, site):
                    return b, d, k, weeks
    return None


def baseline(problem: BusProblem) -> Rota:
    """The baseline rota, scored exactly (status ``BASELINE``)."""
    return evaluate(problem, baseline_assignments(problem), status="BASELINE")
