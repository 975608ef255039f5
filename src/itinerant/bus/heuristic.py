"""A fast constructive rota + local search, used as the solver's starting point.

Cheapest insertion: communes needing the most visits first, each placed in the
(bus, weekday, slot, weeks) that adds the fewest metres while keeping every day on time.
Then relocation moves (any commune to any free placement, larger or smaller rhythm),
pairwise swaps and day-pair re-partitions (the one-week passages of two bus days shared
again between them, each day in its best order) while the lexicographic key (missing
visits, churn, coverage points - metres) improves.
Scores are exact (same definitions as :func:`itinerant.bus.rota.evaluate`).
"""

from __future__ import annotations

from itertools import combinations, permutations

from itinerant.bus.problem import BusProblem
from itinerant.bus.rota import Assignment, _coverage_coefs, check_day

DAY_MOVE_EVALS = 30_000
"""Bus days scored at most by the day-pair re-partitions of one greedy run (a fixed work
budget, not a time: the same rota on any machine). The Clunisois needs ~8 000 a pass
(2 passes, ~2 s); a synthetic 60 communes x 5 days needs 45 600 a pass (~9 s for 0.3 %
fewer km), hence the cap (~6 s on this loaded machine)."""

MAX_MOVABLE = 6
"""Day pairs with more one-week passages than this are not re-shared (every split is
tried: two days of 3 slots cost 240 day scores, of 4 slots 3 360)."""

UNSERVED_WEIGHT = 1000
"""Missing visits a commune left without any visit counts for (the board's rule first)."""


class _State:
    def __init__(self, problem: BusProblem):
        P = self.P = problem
        self.W = P.cycle_weeks
        self.cells: dict[tuple[int, int, int, int], tuple[int, int | None]] = {}
        for b, bus in enumerate(P.buses):
            for d in bus.days:
                for w in range(1, self.W + 1):
                    for k in P.blocked_slots(b, d, w):
                        self.cells[(b, d, k, w)] = (-1, None)
        self.fixed_communes = {P.stops[f.stop].commune for f in P.fixed if f.stop is not None}
        self.stop_visits = [0] * len(P.stops)
        for f in P.fixed:
            if f.stop is not None:
                self.stop_visits[f.stop] += len(P.open_weeks(f.weekday, f.weeks))
        self.place: dict[int, tuple[int, int, int, int, tuple[int, ...]]] = {}
        self.coefs = _coverage_coefs(P)
        self.groups_of_stop: list[list[int]] = [[] for _ in P.stops]
        for g, grp in enumerate(P.groups):
            for s in grp.stops:
                self.groups_of_stop[s].append(g)
        self.stops_of = [[s for s, st in enumerate(P.stops) if st.commune == c] for c in range(len(P.communes))]
        self.prev = {pv.commune: pv for pv in P.previous}
        self.evals = 0  # bus days scored by the day-pair re-partitions so far

    # -- pieces of the score
    def day_m(self, b: int, d: int, w: int) -> tuple[int, bool]:
        """Metres of one day and whether it is on time."""
        P = self.P
        bus = P.buses[b]
        regular = {}
        for k in range(len(bus.slot_starts_s)):
            cell = self.cells.get((b, d, k, w))
            if cell is not None and cell[0] >= 0:
                regular[k] = cell[0]
        sites, bad, _ = check_day(P, b, d, w, regular)
        if not sites:
            return 0, True
        path = [bus.depot, *sites, bus.depot]
        m = int(sum(P.drive_m[i, j] for i, j in zip(path, path[1:])))
        return m, not bad

    def group_points(self, g: int) -> int:
        grp = self.P.groups[g]
        v = min(self.W, sum(self.stop_visits[s] for s in grp.stops))
        return sum(self.coefs[g][:v])

    def commune_terms(self, c: int) -> tuple[int, int]:
        """(missing visits, moved 0/1) of commune c."""
        P = self.P
        v = sum(self.stop_visits[s] for s in self.stops_of[c])
        short = max(0, P.communes[c].min_visits - v)
        if P.communes[c].min_visits > 0 and v == 0:
            short += UNSERVED_WEIGHT  # a commune never visited comes first
        moved = 0
        pv = self.prev.get(c)
        if pv is not None and c not in self.fixed_communes:
            pl = self.place.get(c)
            if pl is None:
                moved = 1
            else:
                s, b, d, k, weeks = pl
                same = (P.stops[s].id, d, P.buses[b].slot_starts_s[k], weeks) == (pv.stop_id, pv.weekday, pv.start_s, tuple(pv.weeks))
                moved = 0 if same else 1
        return short, moved

    def local_key(self, c: int, days: set, groups: set) -> tuple[int, int, int] | None:
        short, moved = self.commune_terms(c)
        metres = 0
        for b, d, w in days:
            m, ok = self.day_m(b, d, w)
            if not ok:
                return None
            metres += m
        pts = sum(self.group_points(g) for g in groups)
        return (-short, -moved, pts - metres)

    # -- moves
    def put(self, c: int, pl) -> None:
        old = self.place.pop(c, None)
        if old is not None:
            s, b, d, k, weeks = old
            for w in weeks:
                del self.cells[(b, d, k, w)]
            self.stop_visits[s] -= len(self.P.open_weeks(d, weeks))
        if pl is not None:
            s, b, d, k, weeks = pl
            for w in weeks:
                self.cells[(b, d, k, w)] = (self.P.stops[s].site, s)
            self.stop_visits[s] += len(self.P.open_weeks(d, weeks))
            self.place[c] = pl

    def multi_key(self, communes: list[int], days: set, groups: set) -> tuple[int, int, int] | None:
        """(-missing visits, -moved, points - metres) over the given communes, days and
        groups (None when a day is late)."""
        short = moved = 0
        for c in communes:
            sh, mv = self.commune_terms(c)
            short += sh
            moved += mv
        metres = 0
        for b, d, w in days:
            m, ok = self.day_m(b, d, w)
            if not ok:
                return None
            metres += m
        return (-short, -moved, sum(self.group_points(g) for g in groups) - metres)

    def try_make_room(self, c: int) -> bool:
        """Give unvisited commune ``c`` a passage by thinning another commune's rhythm
        (e.g. fortnightly -> every 4 weeks, same slot) and placing ``c`` in the freed
        cell, when the lexicographic key improves."""
        cur = self.place.get(c)
        for c2, old in sorted(self.place.items()):
            if c2 == c:
                continue
            s2, b2, d2, k2, weeks2 = old
            for sub in self.P.patterns:
                if len(sub) >= len(weeks2) or not set(sub) <= set(weeks2):
                    continue
                self.put(c2, (s2, b2, d2, k2, tuple(sub)))
                pl, _, _ = self.best_move(c, allow_none=False)
                self.put(c2, old)
                if pl is None:
                    continue
                days = {(b2, d2, w) for w in weeks2} | {(pl[1], pl[2], w) for w in pl[4]}
                groups = set(self.groups_of_stop[s2]) | set(self.groups_of_stop[pl[0]])
                if cur is not None:
                    days |= {(cur[1], cur[2], w) for w in cur[4]}
                    groups |= set(self.groups_of_stop[cur[0]])
                before = self.multi_key([c, c2], days, groups)
                self.put(c2, (s2, b2, d2, k2, tuple(sub)))
                self.put(c, pl)
                after = self.multi_key([c, c2], days, groups)
                if after is not None and (before is None or after > before):
                    return True
                self.put(c, cur)
                self.put(c2, old)
        return False

    def try_swap(self, c1: int, c2: int) -> bool:
        """Exchange the slots of c1 and c2 (each keeps its stop) if the key improves;
        when c2 has no slot, c2 takes c1's and c1 is left without."""
        p1, p2 = self.place[c1], self.place.get(c2)
        s2 = self.stops_of[c2][0] if p2 is None else p2[0]
        days = {(p[1], p[2], w) for p in (p1, p2) if p is not None for w in p[4]}
        groups = set(self.groups_of_stop[p1[0]]) | set(self.groups_of_stop[s2])
        before = _swap_key(self, c1, c2, days, groups)
        n1 = None if p2 is None else (p1[0], *p2[1:])
        n2 = (s2, *p1[1:])
        self.put(c1, None)
        self.put(c2, None)
        self.put(c1, n1)
        self.put(c2, n2)
        after = _swap_key(self, c1, c2, days, groups)
        if after is not None and before is not None and after > before:
            return True
        self.put(c1, None)
        self.put(c2, None)
        self.put(c1, p1)
        self.put(c2, p2)
        return False

    def placements(self, c: int, sizes: set[int] | None = None):
        P = self.P
        pats = [w for w in P.patterns if sizes is None or len(w) in sizes]
        for s in self.stops_of[c]:
            for b, bus in enumerate(P.buses):
                for d in bus.days:
                    for k in range(len(bus.slot_starts_s)):
                        for weeks in pats:
                            if all((b, d, k, w) not in self.cells for w in weeks):
                                yield (s, b, d, k, tuple(weeks))

    def best_move(self, c: int, allow_none: bool, sizes: set[int] | None = None):
        """Best placement of commune c (current one included) by local key delta."""
        cur = self.place.get(c)
        touched_days = set()
        touched_groups = set()
        if cur is not None:
            s, b, d, k, weeks = cur
            touched_days |= {(b, d, w) for w in weeks}
            touched_groups |= set(self.groups_of_stop[s])
        self.put(c, None)
        options = list(self.placements(c, sizes))
        best_pl, best_key = None, None
        cands = options + ([None] if allow_none or cur is None else [])
        if cur is not None:
            cands.append(cur)
        for pl in cands:
            days = set(touched_days)
            groups = set(touched_groups)
            if pl is not None:
                s, b, d, k, weeks = pl
                days |= {(b, d, w) for w in weeks}
                groups |= set(self.groups_of_stop[s])
            self.put(c, pl)
            key = self.local_key(c, days, groups)
            self.put(c, None)
            if key is not None and (best_key is None or key > best_key):
                best_pl, best_key = pl, key
        self.put(c, cur)
        return best_pl, best_key, cur


def _swap_key(st: _State, c1: int, c2: int, days: set, groups: set):
    k1 = st.local_key(c1, days, groups)
    if k1 is None:
        return None
    s2, m2 = st.commune_terms(c2)
    return (k1[0] - s2, k1[1] - m2, k1[2])


def _keep_previous(st: _State) -> None:
    """Place each commune of the previous timetable at its published slot when that slot
    is still free and every day stays on time (re-planning moves as few as it can)."""
    P = st.P
    for pv in P.previous:
        c = pv.commune
        if c in st.fixed_communes or c in st.place:
            continue
        for pl in st.placements(pv.commune):
            s, b, d, k, weeks = pl
            if (P.stops[s].id, d, P.buses[b].slot_starts_s[k], weeks) != (pv.stop_id, pv.weekday, pv.start_s, tuple(pv.weeks)):
                continue
            st.put(c, pl)
            if not all(st.day_m(b, d, w)[1] for w in weeks):
                st.put(c, None)
            break


def _swaps(st: _State, order: list[int]) -> bool:
    """Swaps: two communes exchange their (bus, weekday, slot, weeks); True if any."""
    improved = False
    for i, c1 in enumerate(order):
        for c2 in order[i + 1 :]:
            a, b = c1, c2
            p1, p2 = st.place.get(a), st.place.get(b)
            if p1 is None and p2 is None:
                continue
            if p1 is None:
                a, b, p1, p2 = b, a, p2, p1
            assert p1 is not None
            if p2 is not None and p1[1:4] == p2[1:4]:
                continue
            if st.try_swap(a, b):
                improved = True
    return improved


def _fill(st: _State, day: tuple[int, int, int], slots: list[int], communes: tuple[int, ...], stop_of: dict[int, int]):
    """Best way to put ``communes`` (one week each, at their stop) into the free ``slots``
    of one bus day: ``(metres, [(commune, placement)])``, or None when no order is on time. The
    state is left as it was (the communes unplaced)."""
    b, d, w = day
    best = None
    for perm in permutations(slots, len(communes)):
        st.evals += 1
        pls = [(stop_of[c], b, d, k, (w,)) for c, k in zip(communes, perm)]
        for c, pl in zip(communes, pls):
            st.put(c, pl)
        m, ok = st.day_m(b, d, w)
        for c in communes:
            st.put(c, None)
        if ok and (best is None or m < best[0]):
            best = (m, list(zip(communes, pls)))
    return best


def _repartition(st: _State, A: tuple[int, int, int], B: tuple[int, int, int]) -> bool:
    """Share again the one-week passages of two bus days between them (every split of
    the communes, each day in its best order); kept when the lexicographic key improves.
    Pairwise swaps cannot do this when every slot is taken: exchanging a whole
    trio between two days takes three swaps that each cost km."""
    P = st.P
    movable = tuple(sorted(
        c for c, pl in st.place.items() if len(pl[4]) == 1 and (pl[1], pl[2], pl[4][0]) in (A, B)
    ))
    if not movable or len(movable) > MAX_MOVABLE:
        return False
    old = {c: st.place[c] for c in movable}
    stop_of = {c: pl[0] for c, pl in old.items()}
    groups = set().union(*(set(st.groups_of_stop[pl[0]]) for pl in old.values()))
    before = st.multi_key(list(movable), {A, B}, groups)
    for c in movable:
        st.put(c, None)
    free = {
        X: [k for k in range(len(P.buses[X[0]].slot_starts_s)) if (X[0], X[1], k, X[2]) not in st.cells]
        for X in (A, B)
    }
    best = None
    for r in range(len(movable) + 1):
        if r > len(free[A]) or len(movable) - r > len(free[B]):
            continue
        for S in combinations(movable, r):
            rest = tuple(c for c in movable if c not in S)
            fa = _fill(st, A, free[A], S, stop_of)
            fb = _fill(st, B, free[B], rest, stop_of) if fa is not None else None
            if fa is not None and fb is not None and (best is None or fa[0] + fb[0] < best[0]):
                best = (fa[0] + fb[0], fa[1] + fb[1])
    if best is not None:
        for c, pl in best[1]:
            st.put(c, pl)
        after = st.multi_key(list(movable), {A, B}, groups)
        if after is not None and (before is None or after > before):
            return True
        for c in movable:
            st.put(c, None)
    for c, pl in old.items():
        st.put(c, pl)
    return False


def _day_pairs(st: _State) -> bool:
    """:func:`_repartition` over every pair of open bus days; True if any improved."""
    P = st.P
    days = [
        (b, d, w) for b, bus in enumerate(P.buses) for d in bus.days
        for w in range(1, P.cycle_weeks + 1) if not P.closed(d, w)
    ]
    improved = False
    for i, A in enumerate(days):
        for B in days[i + 1:]:
            if st.evals >= DAY_MOVE_EVALS:
                return improved
            improved |= _repartition(st, A, B)
    return improved


def greedy_assignments(problem: BusProblem, *, rounds: int = 4) -> tuple[Assignment, ...]:
    """Cheapest-insertion rota improved by relocation moves (``rounds`` passes)."""
    P = problem
    st = _State(P)
    order = sorted(
        (c for c in range(len(P.communes)) if c not in st.fixed_communes and st.stops_of[c]),
        key=lambda c: (-P.communes[c].min_visits, -P.communes[c].low_mobility, P.communes[c].code),
    )
    sizes = sorted({len(w) for w in P.patterns})
    _keep_previous(st)
    for c in order:
        if c in st.place:
            continue  # kept at its published slot
        # construction: the smallest rhythm that meets the minimum, so that the
        # capacity goes round; relocation moves may then give more visits
        need = P.communes[c].min_visits
        size = min((n for n in sizes if n >= need), default=sizes[-1])
        pl, key, _ = st.best_move(c, allow_none=need == 0, sizes={size})
        if pl is None and need > 0:
            pl, key, _ = st.best_move(c, allow_none=False)
        st.put(c, pl)
    for _ in range(rounds):
        improved = False
        for c in order:
            pl, key, cur = st.best_move(c, allow_none=True)
            if pl != cur:
                st.put(c, pl)
                improved = True
        improved |= _swaps(st, order)
        for c in order:
            if P.communes[c].min_visits > 0 and not any(
                st.stop_visits[s] for s in st.stops_of[c]
            ) and st.try_make_room(c):
                improved = True
        if not improved:
            break
    # then whole days: started from the local optimum above (started earlier, the
    # search ends in a worse one on the Clunisois: 695 km against 674)
    for _ in range(rounds):
        if not _day_pairs(st):
            break
        for c in order:
            pl, key, cur = st.best_move(c, allow_none=True)
            if pl != cur:
                st.put(c, pl)
        _swaps(st, order)
    return tuple(
        Assignment(c, s, b, d, k, weeks) for c, (s, b, d, k, weeks) in sorted(st.place.items())
    )
