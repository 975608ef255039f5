"""The bus rota as plain data, and its exact scoring (no solver).

:class:`Assignment`, :class:`DayRoute`, :class:`Rota`; :func:`check_day` times one
bus day and :func:`evaluate` scores any set of assignments exactly (km, coverage,
notes), whatever produced it (CP-SAT, the greedy heuristic, the baseline).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from itinerant.bus.problem import BusProblem
from itinerant.core.units import WEEKDAYS_FR, hhmm


@dataclass(frozen=True)
class Assignment:
    """Stop ``stop`` (commune ``commune``) held by bus ``bus`` on ``weekday``, slot ``slot``,
    in cycle weeks ``weeks``."""

    commune: int
    stop: int
    bus: int
    weekday: int
    slot: int
    weeks: tuple[int, ...]


@dataclass(frozen=True)
class DayRoute:
    """One bus, one cycle week, one weekday: the sites driven in order (depot excluded).

    ``sites`` are matrix indices; ``labels`` their site ids; ``distance_m`` and
    ``drive_s`` include leaving and returning to the depot.
    """

    bus: int
    week: int
    weekday: int
    sites: tuple[int, ...]
    labels: tuple[str, ...]
    distance_m: int
    drive_s: int


@dataclass(frozen=True)
class Rota:
    """A rota and its exact score.

    ``status`` is ``OPTIMAL``/``FEASIBLE`` (CP-SAT), ``BASELINE`` or ``HINT`` (the
    solver found nothing better than its starting rota). ``objective``/``bound`` are
    those of the last stage (coverage points - metres, maximised);
    ``gap = |bound - objective| / max(1, |objective|, distance_m)``: the objective is in
    metres-equivalent and may be close to 0 (coverage points minus metres), so the gap
    is also measured against the metres driven ("at most this share of the km could
    still be saved").
    """

    assignments: tuple[Assignment, ...]
    routes: tuple[DayRoute, ...]
    visits_by_commune: tuple[int, ...]
    shortfall: tuple[int, ...]
    churn: int | None
    coverage_points: int
    weighted_coverage: float
    covered_low: int
    distance_m: int
    status: str
    objective: float
    bound: float
    gap: float
    solve_s: float
    violations: tuple[str, ...] = field(default=())
    stages: tuple[str, ...] = field(default=())
    """What the earlier lexicographic stages reached ("frequency: 0 (OPTIMAL, 1.2 s)")."""
    notes: tuple[str, ...] = field(default=())
    """Faults of the data, not of the rota (in French): e.g. a commitment that starts
    before the bus can arrive from the depot."""
    unserved: int = 0
    """Communes with a minimum >= 1 and no visit at all in the cycle."""

    @property
    def score(self) -> int:
        """Exact coverage points minus metres driven (the last stage's objective)."""
        return self.coverage_points - self.distance_m

    @property
    def key(self) -> tuple[int, int, int, int]:
        """Lexicographic quality, larger is better: (-communes never visited, -missing
        visits, -churn, score)."""
        return (-self.unserved, -sum(self.shortfall), -(self.churn or 0), self.score)


# ----------------------------------------------------------------------------- scoring


def _coverage_coefs(problem: BusProblem) -> list[list[int]]:
    """Integer objective coefficient of the i-th visit (i = 1..W) of each group."""
    vt = problem.value_table
    gains = [vt[i] - vt[i - 1] for i in range(1, len(vt))]
    return [
        [round(g.count * gain * problem.metres_per_resident) for gain in gains]
        for g in problem.groups
    ]


def check_day(
    problem: BusProblem, bus: int, weekday: int, week: int, regular: dict[int, int]
) -> tuple[list[int], list[str], list[str]]:
    """Drive one bus day: the regular stops ``{slot: site}`` and the day's commitments.

    The bus leaves the depot at ``start_s``, reaches each place by its start (waiting if
    early), stays until its end, and is back by ``end_s``, with the drive matrix.
    Returns ``(sites in order, violations, notes)``: a late leg between two fixed
    places (depot or commitment) is the data's fault and only a *note* (e.g. a
    commitment that starts before the bus can arrive from the depot: it must leave
    earlier); any other late leg, or a regular slot a commitment blocks, is a
    *violation*.
    """
    P = problem
    b = P.buses[bus]
    day = f"{WEEKDAYS_FR[weekday]} semaine {week}"
    violations: list[str] = []
    notes: list[str] = []
    blocked = P.blocked_slots(bus, weekday, week)
    items = []  # (start, end, site, fixed, label)
    for k, site in regular.items():
        st = b.slot_starts_s[k]
        if k in blocked:
            violations.append(f"{day}: slot {k} ({P.site_ids[site]}) is blocked by a commitment")
        items.append((st, st + b.stop_duration_s, site, False, P.site_ids[site]))
    for e in P.fixed_events(bus, weekday, week):
        if e.site is not None:
            items.append((e.start_s, e.end_s, e.site, True, e.note or P.site_ids[e.site]))
    items.sort(key=lambda it: (it[0], it[1]))
    t, here, here_fixed, here_label = b.start_s, b.depot, True, P.site_ids[b.depot]
    sites = []
    for st, en, site, fixed, label in items:
        arrive = t + int(P.drive_s[here, site])
        if arrive > st:
            msg = (
                f"{day}: le bus ne peut être à {P.site_ids[site]} qu'à {hhmm(arrive)} "
                f"(départ de {here_label} à {hhmm(t)}), après le début {hhmm(st)}"
            )
            if fixed and here_fixed:
                if here == b.depot and not sites:
                    msg += f" : il doit quitter le dépôt à {hhmm(st - int(P.drive_s[here, site]))}"
                notes.append(msg.replace(day, WEEKDAYS_FR[weekday], 1))
            else:
                violations.append(msg)
        t = max(en, arrive) if fixed else max(arrive, st) + (en - st)
        here, here_fixed, here_label = site, fixed, label
        sites.append(site)
    back = t + int(P.drive_s[here, b.depot])
    if back > b.end_s:
        msg = f"{day}: retour au dépôt à {hhmm(back)}, après la fin {hhmm(b.end_s)}"
        if here_fixed:
            notes.append(msg.replace(day, WEEKDAYS_FR[weekday], 1))
        else:
            violations.append(msg)
    return sites, violations, notes


def evaluate(
    problem: BusProblem,
    assignments: tuple[Assignment, ...] | list[Assignment],
    *,
    status: str = "BASELINE",
    objective: float | None = None,
    bound: float | None = None,
    solve_s: float = 0.0,
) -> Rota:
    """Score a rota exactly (routes, km, coverage, shortfall, churn, feasibility).

    ``objective``/``bound`` default to the exact score (gap 0), as for a baseline.
    """
    assignments = tuple(sorted(assignments, key=lambda a: (a.bus, a.weekday, a.slot, a.weeks)))
    P = problem
    W = P.cycle_weeks
    violations: list[str] = []
    note_weeks: dict[str, list[int]] = {}
    days: dict[tuple[int, int, int], dict[int, int]] = {}
    for b, bus in enumerate(P.buses):
        for d in bus.days:
            for w in range(1, W + 1):
                if P.fixed_events(b, d, w):
                    days[(b, d, w)] = {}
    for a in assignments:
        for w in a.weeks:
            day = days.setdefault((a.bus, a.weekday, w), {})
            if a.slot in day:
                violations.append(
                    f"bus {P.buses[a.bus].id} week {w} day {a.weekday} slot {a.slot} holds two stops"
                )
            day[a.slot] = P.stops[a.stop].site
    routes = []
    dist_total = 0
    for (b, d, w), regular in sorted(days.items()):
        bus = P.buses[b]
        sites, bad, note = check_day(P, b, d, w, regular)
        violations += [f"{bus.id}: {v}" for v in bad]
        for v in note:
            note_weeks.setdefault(f"{bus.id}, {v}", []).append(w)
        if not sites:
            continue
        path = [bus.depot, *sites, bus.depot]
        dist = int(sum(P.drive_m[i, j] for i, j in zip(path, path[1:])))
        drv = int(sum(P.drive_s[i, j] for i, j in zip(path, path[1:])))
        dist_total += dist
        routes.append(
            DayRoute(b, w, d, tuple(sites), tuple(P.site_ids[s] for s in sites), dist, drv)
        )
    # visits
    stop_visits = [0] * len(P.stops)
    for a in assignments:
        stop_visits[a.stop] += len(a.weeks)
    for f in P.fixed:
        if f.stop is not None:
            stop_visits[f.stop] += len(f.weeks)
    visits = [0] * len(P.communes)
    for i, s in enumerate(P.stops):
        visits[s.commune] += stop_visits[i]
    per_commune = {}
    for a in assignments:
        per_commune[a.commune] = per_commune.get(a.commune, 0) + 1
        if P.stops[a.stop].commune != a.commune:
            violations.append(f"assignment {a} puts a stop in another commune")
        if tuple(a.weeks) not in P.patterns:
            violations.append(f"assignment {a}: weeks {a.weeks} are not a regular pattern")
    fixed_communes = {P.stops[f.stop].commune for f in P.fixed if f.stop is not None}
    for c, n in per_commune.items():
        if n > 1 or c in fixed_communes:
            violations.append(f"commune {P.communes[c].code} has more than one regular slot")
    shortfall = tuple(max(0, c.min_visits - v) for c, v in zip(P.communes, visits))
    unserved = sum(1 for c, v in zip(P.communes, visits) if c.min_visits > 0 and v == 0)
    # coverage
    coefs = _coverage_coefs(P)
    points = 0
    weighted = 0.0
    covered = 0
    for g, cg in zip(P.groups, coefs):
        v = min(W, sum(stop_visits[s] for s in g.stops))
        points += sum(cg[:v])
        weighted += g.count * P.value_table[v]
        covered += g.count if v > 0 else 0
    low = P.low_total
    churn = _churn(P, assignments)
    if P.max_km_m is not None and dist_total > P.max_km_m:
        violations.append(f"drives {dist_total} m > max_km_m {P.max_km_m}")
    exact = points - dist_total
    obj = float(exact if objective is None else objective)
    bnd = float(exact if bound is None else bound)
    return Rota(
        assignments=assignments,
        routes=tuple(routes),
        visits_by_commune=tuple(visits),
        shortfall=shortfall,
        churn=churn,
        coverage_points=points,
        weighted_coverage=weighted / low if low else 0.0,
        covered_low=covered,
        distance_m=dist_total,
        status=status,
        objective=obj,
        bound=bnd,
        gap=_gap(bnd, obj, dist_total),
        solve_s=solve_s,
        violations=tuple(violations),
        notes=tuple(
            f"{n} ({'chaque semaine' if len(ws) == W else 'semaines ' + ', '.join(map(str, ws))})"
            for n, ws in note_weeks.items()
        ),
        unserved=unserved,
    )


def _churn(problem: BusProblem, assignments: tuple[Assignment, ...]) -> int | None:
    """Communes of the previous timetable whose slot (stop, weekday, start, weeks) moved."""
    if not problem.previous:
        return None
    now: dict[int, set] = {}
    for a in assignments:
        bus = problem.buses[a.bus]
        now.setdefault(a.commune, set()).add(
            (problem.stops[a.stop].id, a.weekday, bus.slot_starts_s[a.slot], tuple(a.weeks))
        )
    for f in problem.fixed:
        if f.stop is not None:
            bus = problem.buses[f.bus]
            start = f.start_s if f.start_s is not None else bus.slot_starts_s[f.slot]
            now.setdefault(problem.stops[f.stop].commune, set()).add(
                (problem.stops[f.stop].id, f.weekday, start, tuple(f.weeks))
            )
    moved = 0
    for p in problem.previous:
        if (p.stop_id, p.weekday, p.start_s, tuple(p.weeks)) not in now.get(p.commune, set()):
            moved += 1
    return moved


def _gap(bound: float, objective: float, distance_m: int) -> float:
    return abs(bound - objective) / max(1.0, abs(objective), float(distance_m))
