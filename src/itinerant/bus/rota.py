"""The bus rota as plain data, and its exact scoring (no solver).

:class:`Assignment`, :class:`DayRoute`, :class:`Rota`; :func:`check_day` times one
bus day and :func:`evaluate` scores any set of assignments exactly (km, coverage,
notes), whatever produced it (CP-SAT, the greedy heuristic, the baseline).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

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
class Slot:
    """A published slot: a commune's stop, weekday, hours and cycle weeks (1-based)."""

    commune_code: str
    commune_name: str
    stop_id: str
    bus_id: str
    weekday: int
    start_s: int
    end_s: int
    weeks: tuple[int, ...]
    fixed: bool = False
    """A commitment (e.g. an antenne day) rather than a regular slot."""


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
    problem: BusProblem | None = field(default=None, repr=False, compare=False)
    """The problem this rota answers (set by :func:`evaluate`): the rota describes itself."""

    @property
    def _p(self) -> BusProblem:
        if self.problem is None:
            raise ValueError("this rota was built without its problem: use evaluate()")
        return self.problem

    def slots(self) -> tuple[Slot, ...]:
        """The published slots: regular slots and commitments at a stop, by weekday,
        start and commune."""
        return rota_slots(self._p, self)

    def unserved_names(self) -> tuple[str, ...]:
        """Communes that ask for the bus and get no passage in the cycle."""
        P = self._p
        return tuple(
            c.name for c, v in zip(P.communes, self.visits_by_commune) if c.min_visits > 0 and v == 0
        )

    def kpis(self, baseline: Rota | None = None) -> dict[str, Any]:
        """The KPIs (``kpis.json``), see :func:`kpis`."""
        return kpis(self._p, self, baseline)

    def summary(self, baseline: Rota | None = None) -> str:
        """A few lines of French for people: communes served, low-mobility residents
        within walking distance, km per cycle and per year (and against ``baseline``)."""
        return rota_summary(self._p, self, baseline)

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
    if P.closed(weekday, week):
        return [], [], []  # a day off: the bus stays at the depot
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
    sites: list[int] = []
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
    routes, dist_total, violations, notes = _drive_days(P, assignments)
    stop_visits = _stop_visits(P, assignments)
    visits = [0] * len(P.communes)
    for i, s in enumerate(P.stops):
        visits[s.commune] += stop_visits[i]
    violations += _assignment_violations(P, assignments)
    shortfall = tuple(max(0, c.min_visits - v) for c, v in zip(P.communes, visits))
    unserved = sum(1 for c, v in zip(P.communes, visits) if c.min_visits > 0 and v == 0)
    points, weighted, covered = _coverage(P, stop_visits)
    low = P.low_total
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
        churn=_churn(P, assignments),
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
            for n, ws in notes.items()
        ),
        unserved=unserved,
        problem=P,
    )


def _drive_days(
    P: BusProblem, assignments: tuple[Assignment, ...]
) -> tuple[list[DayRoute], int, list[str], dict[str, list[int]]]:
    """Drive every bus day: ``(routes, metres, violations, notes by the weeks they hold)``."""
    violations: list[str] = []
    note_weeks: dict[str, list[int]] = {}
    days: dict[tuple[int, int, int], dict[int, int]] = {}
    for b, bus in enumerate(P.buses):
        for d in bus.days:
            for w in range(1, P.cycle_weeks + 1):
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
    return routes, dist_total, violations, note_weeks


def _stop_visits(P: BusProblem, assignments: tuple[Assignment, ...]) -> list[int]:
    """Visits per cycle of each stop (regular slots and commitments)."""
    stop_visits = [0] * len(P.stops)
    for a in assignments:
        stop_visits[a.stop] += len(P.open_weeks(a.weekday, a.weeks))
    for f in P.fixed:
        if f.stop is not None:
            stop_visits[f.stop] += len(P.open_weeks(f.weekday, f.weeks))
    return stop_visits


def _assignment_violations(P: BusProblem, assignments: tuple[Assignment, ...]) -> list[str]:
    """A stop in another commune, an irregular pattern, two regular slots for a commune."""
    violations = []
    per_commune: dict[int, int] = {}
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
    return violations


def _coverage(P: BusProblem, stop_visits: list[int]) -> tuple[int, float, int]:
    """``(coverage points, sum of count * value, low-mobility residents covered)``."""
    points = 0
    weighted = 0.0
    covered = 0
    for g, cg in zip(P.groups, _coverage_coefs(P)):
        v = min(P.cycle_weeks, sum(stop_visits[s] for s in g.stops))
        points += sum(cg[:v])
        weighted += g.count * P.value_table[v]
        covered += g.count if v > 0 else 0
    return points, weighted, covered


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
            start = f.times(bus)[0]
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


# ----------------------------------------------------------------------------- KPIs


def _holidays_on_bus_days(problem: BusProblem) -> list[dict]:
    P = problem
    if P.week_start is None:
        return []
    days = {d for b in P.buses for d in b.days}
    out = []
    for date, name in P.holidays:
        off = (date - P.week_start).days
        if 0 <= off < 7 * P.cycle_weeks and date.weekday() in days:
            out.append({"date": date.isoformat(), "name": name, "week": off // 7 + 1, "weekday": WEEKDAYS_FR[date.weekday()]})
    return out


def rota_kpis(problem: BusProblem, rota: Rota) -> dict[str, Any]:
    """KPIs of one rota (see :func:`kpis` for the meaning of each key)."""
    P = problem
    hours = {c.code: 0.0 for c in P.communes}
    for a in rota.assignments:
        hours[P.communes[a.commune].code] += len(P.open_weeks(a.weekday, a.weeks)) * P.buses[a.bus].stop_duration_s / 3600
    for f in P.fixed:
        if f.stop is not None:
            bus = P.buses[f.bus]
            dur = (f.end_s - f.start_s) if f.start_s is not None and f.end_s is not None else bus.stop_duration_s
            hours[P.communes[P.stops[f.stop].commune].code] += len(P.open_weeks(f.weekday, f.weeks)) * dur / 3600
    # worst served: fewest hours, then most low-mobility residents, then largest population
    # among the communes the bus is meant to serve (a minimum, or a stop): not Cluny,
    # which holds the office and asks for no visit
    served = {P.stops[i].commune for i in range(len(P.stops))}
    pool = [c for i, c in enumerate(P.communes) if c.min_visits > 0 or i in served] or list(P.communes)
    worst = min(pool, key=lambda c: (hours[c.code], -c.low_mobility, -c.population, c.code)) if pool else None
    low = P.low_total
    km = rota.distance_m / 1000
    return {
        "coverage_low_mobility": round(rota.covered_low / low, 4) if low else 0.0,
        "covered_low_mobility": rota.covered_low,
        "low_mobility_total": low,
        "weighted_coverage": round(rota.weighted_coverage, 4),
        "km_cycle": round(km, 1),
        "km_year": round(km * 52 / P.cycle_weeks, 0),
        "presence_hours_by_commune": {k: round(v, 2) for k, v in hours.items()},
        "worst_served": {"commune_code": worst.code, "name": worst.name, "hours": round(hours[worst.code], 2)} if worst else None,
        "visits_by_commune": {c.code: v for c, v in zip(P.communes, rota.visits_by_commune)},
        "frequency_shortfall": {c.code: s for c, s in zip(P.communes, rota.shortfall) if s},
        "churn": rota.churn,
        "status": rota.status,
        "objective": rota.objective,
        "bound": rota.bound if math.isfinite(rota.bound) else None,
        "gap": round(rota.gap, 4) if math.isfinite(rota.gap) else None,
        "solve_s": round(rota.solve_s, 2),
        "violations": list(rota.violations),
        "notes": list(rota.notes),
    }


def kpis(problem: BusProblem, rota: Rota, baseline: Rota | None = None) -> dict[str, Any]:
    """The ``kpis.json`` content.

    ``coverage_low_mobility``: share of low-mobility residents within walking radius of
    a stop served at least once per cycle. ``weighted_coverage``: mean over all
    low-mobility residents of ``value_table[v]`` (v = visits per cycle to the stops they
    can walk to, 1.0 = a weekly bus). ``km_year`` = ``km_cycle * 52 / W`` (holidays not
    deducted). ``no_mobility_total``: residents who cannot leave home, left to home visits.
    ``violations``: broken rules of the rota (always empty for the solver's rota);
    ``notes``: faults of the data the rota cannot fix (in French), e.g. a commitment
    that starts before the bus can arrive from the depot.
    """
    P = problem
    out = rota_kpis(P, rota)
    out.update(
        {
            "estimated": P.estimated,
            "walk_radius_m": P.walk_radius_m,
            "cycle_weeks": P.cycle_weeks,
            "no_mobility_total": sum(c.no_mobility for c in P.communes),
            "min_visits_total": sum(c.min_visits for c in P.communes),
            "capacity_slot_weeks": sum(len(b.days) * len(b.slot_starts_s) for b in P.buses) * P.cycle_weeks,
            "holidays": _holidays_on_bus_days(P),
            "holidays_note": "Le bus ne passe pas les jours fériés : la tournée régulière saute ces dates.",
            "baseline": rota_kpis(P, baseline) if baseline is not None else None,
        }
    )
    return out


def rota_slots(problem: BusProblem, rota: Rota) -> tuple[Slot, ...]:
    """One :class:`Slot` per regular slot and per commitment held at a stop (the same
    commitment over several slots once), by weekday, start and commune."""
    P = problem
    out = []
    for a in rota.assignments:
        bus = P.buses[a.bus]
        st = bus.slot_starts_s[a.slot]
        com = P.communes[a.commune]
        out.append(Slot(com.code, com.name, P.stops[a.stop].id, bus.id, a.weekday, st,
                        st + bus.stop_duration_s, tuple(a.weeks)))
    for f in P.fixed:
        if f.stop is None:
            continue
        bus = P.buses[f.bus]
        st, en = f.times(bus)
        stop_id = P.stops[f.stop].id
        if any(s.weekday == f.weekday and s.start_s == st and s.stop_id == stop_id for s in out):
            continue
        com = P.communes[P.stops[f.stop].commune]
        out.append(Slot(com.code, com.name, stop_id, bus.id, f.weekday, st, en, tuple(f.weeks), True))
    out.sort(key=lambda s: (s.weekday, s.start_s, s.commune_code))
    return tuple(out)


def _fr_int(n: float) -> str:
    """``14020`` -> ``"14 020"`` (French thousands, narrow no-break space)."""
    return f"{round(n):,}".replace(",", "\u202f")


def _fr_dec(x: float) -> str:
    """``730.46`` -> ``"730,5"``."""
    return f"{x:,.1f}".replace(",", "\u202f").replace(".", ",")


def rota_summary(problem: BusProblem, rota: Rota, baseline: Rota | None = None) -> str:
    """French summary of a rota (see :meth:`Rota.summary`)."""
    P = problem
    asked = [c for c in P.communes if c.min_visits > 0]
    served = sum(1 for c, v in zip(P.communes, rota.visits_by_commune) if c.min_visits > 0 and v > 0)
    km = rota.distance_m / 1000
    lines = [
        f"Bus : {served} communes desservies sur {len(asked)} sur un cycle de {P.cycle_weeks} semaines.",
        f"{_fr_int(rota.covered_low)} personnes peu mobiles sur {_fr_int(P.low_total)} habitent à moins de "
        f"{_fr_int(P.walk_radius_m)} m à pied d'un arrêt desservi.",
        f"{_fr_dec(km)} km par cycle, soit {_fr_int(km * 52 / P.cycle_weeks)} km par an.",
    ]
    if baseline is not None and baseline.distance_m:
        saved = 1 - rota.distance_m / baseline.distance_m
        lines[-1] = lines[-1][:-1] + f" ({_fr_int(100 * saved)} % de moins que l'ordre des populations)."
    missing = sum(rota.shortfall)
    if missing:
        lines.append(f"Passages manquants par rapport aux minimums : {missing}.")
    names = rota.unserved_names()
    if names:
        lines.append("Sans aucun passage ce cycle : " + ", ".join(names) + ".")
    return "\n".join(lines)
