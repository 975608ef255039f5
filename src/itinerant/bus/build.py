"""Build a :class:`~itinerant.bus.problem.BusProblem` from a validated scenario.

Like spopt's ``from_geodataframe``: this only turns the scenario and the travel
matrices into plain data; the model never sees a scenario.

Rules applied here (documented defaults)
----------------------------------------
- Candidate stops: the scenario's sites of kind ``bus_stop`` (one per commune at the
  town hall by default), except a stop within 300 m of a bus's depot in a commune that
  asks for no visit (minimum 0): the bus does not park in front of its own office, whose
  walkers are served there already (Cluny).
- Minimum visits per cycle: ``Commune.min_bus_visits`` when given, else the population
  rule :data:`~itinerant.bus.problem.DEFAULT_FREQUENCY_RULE` (>= 1 for every commune,
  2 above 500 inhabitants, 4 above 1 500), capped at the cycle length.
- Who the bus covers: residents of mobility ``low`` whose walking distance to a stop is
  at most the bus's ``walk_radius_m``. Residents of mobility ``none`` cannot walk to a
  bus: they are counted per commune (``no_mobility``) and reported apart, they are the
  home visits' job. ``car`` residents are not counted.
- Slot times: the bus's day is split evenly: ``stops_per_day`` stops of
  ``stop_duration_s``, with equal gaps (multiples of 15 min) before, between and after
  them. The same slot times hold every week.
- A fixed commitment is an event of its day (its own hours, at its site): it blocks every
  slot it overlaps in its weeks, and the solver only keeps a slot just before or after
  it when the drive to or from the commitment's site fits. When it sends the bus to
  a site that is a bus stop, or that lies within 300 m of a bus stop of the same commune
  (the Salornay antenne in its town hall), it counts as that stop's visit and is that
  commune's regular slot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np

from itinerant.bus.io import read_timetable
from itinerant.bus.problem import (
    DEFAULT_FREQUENCY_RULE,
    BusCommune,
    BusProblem,
    BusSpec,
    BusStop,
    CoverGroup,
    FixedSlot,
    PreviousSlot,
    cycle_patterns,
    min_visits,
)
from itinerant.core.errors import Fault, InputError
from itinerant.core.places import UNREACHABLE, TravelMatrix
from itinerant.core.units import haversine_m
from itinerant.scenario.model import Scenario

SAME_PLACE_M = 300
"""A commitment site this close to a bus stop of its commune counts as that stop."""


def even_slot_starts(start_s: int, end_s: int, n: int, duration_s: int, *, step_s: int = 900) -> tuple[int, ...]:
    """Start times (s) of ``n`` stops of ``duration_s`` spread evenly over the day.

    Equal gaps before, between and after the stops, rounded down to ``step_s``.
    """
    free = end_s - start_s - n * duration_s
    if n <= 0 or free < 0:
        return ()
    gap = free // (n + 1) // step_s * step_s
    return tuple(start_s + gap + k * (duration_s + gap) for k in range(n))


def _at_a_depot(scenario: Scenario, site) -> bool:
    """True when a bus stop lies within SAME_PLACE_M of a bus's depot (the office)."""
    for b in scenario.buses:
        try:
            dep = scenario.site(b.depot)
        except KeyError:
            continue
        if haversine_m(dep.lat, dep.lon, site.lat, site.lon) <= SAME_PLACE_M:
            return True
    return False


def previous_slots(rows: list[dict], commune_codes: list[str] | tuple[str, ...]) -> list[PreviousSlot]:
    """Rows of :func:`read_timetable` as :class:`PreviousSlot` (unknown communes dropped;
    a commune with several rows keeps its first)."""
    idx = {code: i for i, code in enumerate(commune_codes)}
    out: dict[int, PreviousSlot] = {}
    for r in rows:
        c = idx.get(r["commune_code"])
        if c is not None and c not in out:
            out[c] = PreviousSlot(c, r["stop_id"], r["weekday"], r["start_s"], tuple(r["weeks"]))
    return list(out.values())


def with_previous_timetable(problem: BusProblem, path: Path | str) -> BusProblem:
    """The same problem, re-planned against a published ``timetable.csv``."""
    rows = read_timetable(path, cycle_weeks=problem.cycle_weeks)
    prev = previous_slots(rows, [c.code for c in problem.communes])
    return replace(problem, previous=tuple(prev))


def problem_from_scenario(
    scenario: Scenario,
    drive: TravelMatrix,
    walk: TravelMatrix,
    *,
    previous_timetable: Path | None = None,
    frequency_rule: tuple[tuple[int, int], ...] = DEFAULT_FREQUENCY_RULE,
    metres_per_resident: int = 5000,
    max_km_m: int | None = None,
    slot_starts_s: tuple[int, ...] | None = None,
) -> BusProblem:
    """The bus problem of a scenario.

    Parameters
    ----------
    scenario
        The validated scenario (communes, ``bus_stop`` sites, residents, buses,
        commitments, calendar).
    drive
        Square drive matrix over site ids (at least the depot(s) and every bus stop),
        seconds and metres.
    walk
        Walking metres, rows = resident ids, columns = bus-stop site ids;
        ``UNREACHABLE`` beyond the cut-off.
    previous_timetable
        A published ``timetable.csv`` to re-plan against (churn is minimised).
    frequency_rule
        ``(population threshold, visits)`` rows, see :func:`min_visits`.
    metres_per_resident
        Objective exchange rate: one resident-equivalent of weighted coverage (one
        low-mobility resident with a weekly bus) is worth this many metres per cycle.
    max_km_m
        Optional cap on metres driven per cycle.
    slot_starts_s
        Slot start times for every bus (default: :func:`even_slot_starts`).

    Raises
    ------
    InputError
        No bus, a depot or stop missing from the drive matrix, unequal cycles.
    """
    faults: list[Fault] = []
    if not scenario.buses:
        raise InputError([Fault("scenario.yaml", None, "bus", "aucun bus dans le scénario", "décrire le bus (bus: ...)")])
    all_pos = {s: i for i, s in enumerate(drive.ids)}
    # keep only the sites the bus can use: depots, stops, commitment sites
    wanted = [b.depot for b in scenario.buses]
    wanted += [s.id for s in scenario.sites if s.kind == "bus_stop"]
    wanted += [c.site_id for c in scenario.commitments if c.site_id]
    ids = tuple(dict.fromkeys(s for s in wanted if s in all_pos))
    keep_idx = np.array([all_pos[s] for s in ids], dtype=int)
    pos = {s: i for i, s in enumerate(ids)}
    W = scenario.buses[0].cycle_weeks
    if any(b.cycle_weeks != W for b in scenario.buses):
        faults.append(Fault("scenario.yaml", None, "cycle_semaines", "les bus n'ont pas le même cycle", "donner le même nombre de semaines à tous les bus"))
    minimum = {c.code: _commune_minimum(c, frequency_rule) for c in scenario.communes}
    stops = _stops(scenario, pos, minimum, faults)
    buses = _buses(scenario, pos, slot_starts_s, faults)
    if faults:
        raise InputError(faults)
    radius = min(b.walk_radius_m for b in scenario.buses)
    groups, low_by, none_by = _cover_groups(scenario, walk, stops, radius)
    communes = tuple(
        BusCommune(c.code, c.name, c.population, min(W, minimum[c.code]), low_by[i], none_by[i])
        for i, c in enumerate(scenario.communes)
    )
    previous: list[PreviousSlot] = []
    if previous_timetable is not None:
        previous = previous_slots(read_timetable(previous_timetable, cycle_weeks=W), [c.code for c in scenario.communes])
    return BusProblem(
        site_ids=ids,
        drive_s=np.asarray(drive.duration_s, dtype=np.int64)[np.ix_(keep_idx, keep_idx)],
        drive_m=np.asarray(drive.distance_m, dtype=np.int64)[np.ix_(keep_idx, keep_idx)],
        communes=communes,
        stops=tuple(stops),
        buses=tuple(buses),
        groups=groups,
        cycle_weeks=W,
        metres_per_resident=metres_per_resident,
        max_km_m=max_km_m,
        fixed=tuple(_fixed_slots(scenario, buses, stops, pos, W)),
        previous=tuple(previous),
        week_start=scenario.calendar.week_start,
        holidays=cycle_holidays(scenario, W),
        walk_radius_m=radius,
        estimated=drive.estimated,
        patterns=cycle_patterns(W),
    )


def _commune_minimum(commune, rule: tuple[tuple[int, int], ...]) -> int:
    """A commune's own ``min_bus_visits``, else the population rule."""
    return commune.min_bus_visits if commune.min_bus_visits is not None else min_visits(commune.population, rule)


def _stops(scenario: Scenario, pos: dict[str, int], minimum: dict[str, int], faults: list[Fault]) -> list[BusStop]:
    """Candidate stops: the ``bus_stop`` sites, but not in front of a depot in a commune
    that asks for no visit."""
    commune_idx = {c.code: i for i, c in enumerate(scenario.communes)}
    stops: list[BusStop] = []
    for s in scenario.sites:
        if s.kind != "bus_stop" or (minimum.get(s.commune_code, 1) <= 0 and _at_a_depot(scenario, s)):
            continue
        if s.id not in pos:
            faults.append(Fault("sites.csv", None, "id", f"arrêt '{s.id}' absent de la matrice des trajets", "recalculer les matrices"))
            continue
        if s.commune_code not in commune_idx:
            faults.append(Fault("sites.csv", None, "commune", f"arrêt '{s.id}' : commune '{s.commune_code}' inconnue", "utiliser un code INSEE du territoire"))
            continue
        stops.append(BusStop(s.id, pos[s.id], commune_idx[s.commune_code]))
    return stops


def _buses(scenario: Scenario, pos: dict[str, int], slot_starts_s: tuple[int, ...] | None, faults: list[Fault]) -> list[BusSpec]:
    """The buses with their slot times (evenly spread unless given)."""
    buses: list[BusSpec] = []
    for b in scenario.buses:
        if b.depot not in pos:
            faults.append(Fault("scenario.yaml", None, "bus.depot", f"dépôt '{b.depot}' absent de la matrice des trajets", "recalculer les matrices"))
            continue
        starts = slot_starts_s or even_slot_starts(b.start_s, b.end_s, b.stops_per_day, b.stop_duration_s)
        if not starts:
            faults.append(Fault("scenario.yaml", None, "bus.arrets_par_jour", f"{b.stops_per_day} arrêts de {b.stop_duration_s // 60} min ne tiennent pas dans la journée", "réduire le nombre d'arrêts ou leur durée"))
            continue
        buses.append(BusSpec(b.id, b.name, pos[b.depot], tuple(sorted(set(b.days))), b.start_s, b.end_s, b.stop_duration_s, tuple(starts)))
    return buses


def _cover_groups(
    scenario: Scenario, walk: TravelMatrix, stops: list[BusStop], radius: int
) -> tuple[tuple[CoverGroup, ...], list[int], list[int]]:
    """Low-mobility residents grouped by the set of stops within ``radius`` metres'
    walk; and per commune, low-mobility and no-mobility counts."""
    commune_idx = {c.code: i for i, c in enumerate(scenario.communes)}
    low_by = [0] * len(scenario.communes)
    none_by = [0] * len(scenario.communes)
    low_ids = set()
    for r in scenario.residents:
        c = commune_idx.get(r.commune_code)
        if c is None:
            continue
        if r.mobility == "low":
            low_by[c] += 1
            low_ids.add(r.id)
        elif r.mobility == "none":
            none_by[c] += 1
    stop_pos = {st.id: i for i, st in enumerate(stops)}
    col_stop = {j: stop_pos[sid] for j, sid in enumerate(walk.dest_ids) if sid in stop_pos}
    cols = np.array(sorted(col_stop), dtype=int)
    counts: dict[tuple[int, ...], int] = {}
    rows = [i for i, rid in enumerate(walk.origin_ids) if rid in low_ids]
    if cols.size and rows:
        sub = walk.distance_m[np.ix_(np.array(rows, dtype=int), cols)]
        ok = (sub <= radius) & (sub < UNREACHABLE)
        for line in ok:
            key = tuple(sorted(col_stop[int(cols[j])] for j in np.flatnonzero(line)))
            if key:
                counts[key] = counts.get(key, 0) + 1
    return tuple(CoverGroup(k, n) for k, n in sorted(counts.items())), low_by, none_by


def _commitment_stop(scenario: Scenario, site_id: str, stops: list[BusStop], pos: dict[str, int]) -> tuple[int | None, int | None]:
    """``(stop, site)`` of a commitment's site: the stop it is, or a stop of the same
    commune within SAME_PLACE_M (whose matrix site stands in when the site has none)."""
    site = pos.get(site_id)
    stop_pos = {st.id: i for i, st in enumerate(stops)}
    if site_id in stop_pos:
        return stop_pos[site_id], site
    try:
        where = scenario.site(site_id)
    except KeyError:
        return None, site
    for i, st in enumerate(stops):
        ssite = scenario.site(st.id)
        if ssite.commune_code == where.commune_code and haversine_m(ssite.lat, ssite.lon, where.lat, where.lon) <= SAME_PLACE_M:
            return i, site if site is not None else st.site
    return None, site


def _fixed_slots(scenario: Scenario, buses: list[BusSpec], stops: list[BusStop], pos: dict[str, int], W: int) -> list[FixedSlot]:
    """The scenario's commitments as FixedSlots: one per overlapped slot (blocked), the
    first carrying the visit; a commitment between two slots is an event (slot None)."""
    bus_idx = {b.id: i for i, b in enumerate(buses)}
    fixed: list[FixedSlot] = []
    for fc in scenario.commitments:
        b = bus_idx.get(fc.bus_id)
        if b is None or fc.weekday not in buses[b].days:
            continue
        bus = buses[b]
        weeks = tuple(w for w in (fc.weeks or range(1, W + 1)) if 1 <= w <= W)
        ks = [
            k
            for k, st in enumerate(bus.slot_starts_s)
            if fc.start_s < st + bus.stop_duration_s and st < fc.end_s
        ]
        stop, site = _commitment_stop(scenario, fc.site_id, stops, pos) if fc.site_id else (None, None)
        for n, k in enumerate(ks or [None]):
            fixed.append(
                FixedSlot(b, fc.weekday, k, weeks, site, stop if n == 0 else None, fc.note or fc.id, fc.start_s, fc.end_s)
            )
    return fixed


def cycle_holidays(scenario: Scenario, cycle_weeks: int) -> tuple[tuple[dt.date, str], ...]:
    """Days off of the cycle's weeks (date, name): the calendar's public holidays,
    completed by :func:`itinerant.scenario.french_holidays` over the whole cycle, and
    the scenario's closures (``calendar.closures``)."""
    from itinerant.scenario import french_holidays

    cal = scenario.calendar
    end = cal.week_start + dt.timedelta(days=7 * cycle_weeks)
    hol = {d: n for d, n in cal.holidays if cal.week_start <= d < end}
    hol.update({d: n for d, n in french_holidays(cal.week_start, cycle_weeks) if d not in hol})
    hol.update({d: n for d, n in cal.closures if cal.week_start <= d < end and d not in hol})
    return tuple(sorted(hol.items()))
