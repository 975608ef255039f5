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

import csv
import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np

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
)
from itinerant.core.errors import Fault, InputError
from itinerant.core.places import UNREACHABLE, TravelMatrix
from itinerant.core.safe import uncell_row
from itinerant.core.units import WEEKDAYS_FR, haversine_m, parse_time
from itinerant.scenario.model import Scenario

SAME_PLACE_M = 300
"""A commitment site this close to a bus stop of its commune counts as that stop."""

TIMETABLE_COLUMNS = ("commune_code", "stop_id", "weekday", "start", "end", "weeks")


def min_visits(population: int, rule: tuple[tuple[int, int], ...] = DEFAULT_FREQUENCY_RULE) -> int:
    """Minimum visits per cycle for a population: the largest ``visits`` of the rows
    ``(threshold, visits)`` whose threshold the population exceeds (0 if none)."""
    return max((v for t, v in rule if population > t), default=0)


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


def parse_hhmm(text: str) -> int:
    """``"09:30"`` -> 34200 seconds since midnight (ValueError if malformed)."""
    return parse_time(text)


def read_timetable(path: Path | str, *, cycle_weeks: int = 4) -> list[dict]:
    """Read a published ``timetable.csv``.

    Returns rows as dicts ``commune_code, stop_id, weekday (0 = Monday), start_s,
    end_s, weeks (tuple, 1-based)``. Every fault is collected, then :class:`InputError`.
    """
    path = Path(path)
    faults: list[Fault] = []
    rows: list[dict] = []
    name = path.name
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in TIMETABLE_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise InputError(
                [Fault(name, None, c, "colonne absente", "écrire l'en-tête " + ",".join(TIMETABLE_COLUMNS)) for c in missing]
            )
        for i, r in enumerate(map(uncell_row, reader), start=2):
            ok = True
            day_txt = (r["weekday"] or "").strip().lower()
            if day_txt not in WEEKDAYS_FR:
                faults.append(Fault(name, i, "weekday", f"jour '{r['weekday']}' inconnu", "écrire lundi, mardi, …"))
                ok = False
            times = []
            for col in ("start", "end"):
                try:
                    times.append(parse_hhmm(r[col] or ""))
                except ValueError:
                    faults.append(Fault(name, i, col, f"heure '{r[col]}' illisible", "écrire HH:MM"))
                    ok = False
            wk = (r["weeks"] or "").strip().lower()
            weeks: tuple[int, ...] = ()
            if wk in ("all", "toutes", ""):
                weeks = tuple(range(1, cycle_weeks + 1))
            else:
                try:
                    weeks = tuple(sorted({int(p) for p in wk.replace(";", ",").split(",") if p.strip()}))
                    if not weeks or min(weeks) < 1 or max(weeks) > cycle_weeks:
                        raise ValueError
                except ValueError:
                    faults.append(Fault(name, i, "weeks", f"semaines '{r['weeks']}' illisibles", f"écrire all ou des numéros de 1 à {cycle_weeks} (1,3)"))
                    ok = False
            if ok:
                rows.append(
                    dict(
                        commune_code=(r["commune_code"] or "").strip(),
                        stop_id=(r["stop_id"] or "").strip(),
                        weekday=WEEKDAYS_FR.index(day_txt),
                        start_s=times[0],
                        end_s=times[1],
                        weeks=weeks,
                    )
                )
    if faults:
        raise InputError(faults)
    return rows


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
    commune_idx = {c.code: i for i, c in enumerate(scenario.communes)}
    wants_bus = {
        c.code: (c.min_bus_visits if c.min_bus_visits is not None else min_visits(c.population, frequency_rule)) > 0
        for c in scenario.communes
    }
    stop_sites = [
        s for s in scenario.sites
        if s.kind == "bus_stop" and (wants_bus.get(s.commune_code, True) or not _at_a_depot(scenario, s))
    ]
    stops: list[BusStop] = []
    for s in stop_sites:
        if s.id not in pos:
            faults.append(Fault("sites.csv", None, "id", f"arrêt '{s.id}' absent de la matrice des trajets", "recalculer les matrices"))
            continue
        if s.commune_code not in commune_idx:
            faults.append(Fault("sites.csv", None, "commune", f"arrêt '{s.id}' : commune '{s.commune_code}' inconnue", "utiliser un code INSEE du territoire"))
            continue
        stops.append(BusStop(s.id, pos[s.id], commune_idx[s.commune_code]))
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
    if faults:
        raise InputError(faults)

    # residents: low-mobility cover groups; counts per commune
    radius = min(b.walk_radius_m for b in scenario.buses)
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
    col_stop = {}
    stop_pos = {st.id: i for i, st in enumerate(stops)}
    for j, sid in enumerate(walk.dest_ids):
        if sid in stop_pos:
            col_stop[j] = stop_pos[sid]
    cols = np.array(sorted(col_stop), dtype=int)
    counts: dict[tuple[int, ...], int] = {}
    if cols.size:
        rows = [i for i, rid in enumerate(walk.origin_ids) if rid in low_ids]
        if rows:
            sub = walk.distance_m[np.ix_(rows, cols)]
            ok = (sub <= radius) & (sub < UNREACHABLE)
            for line in ok:
                key = tuple(sorted(col_stop[int(cols[j])] for j in np.flatnonzero(line)))
                if key:
                    counts[key] = counts.get(key, 0) + 1
    groups = tuple(CoverGroup(k, n) for k, n in sorted(counts.items()))

    communes = tuple(
        BusCommune(
            c.code,
            c.name,
            c.population,
            min(W, c.min_bus_visits if c.min_bus_visits is not None else min_visits(c.population, frequency_rule)),
            low_by[i],
            none_by[i],
        )
        for i, c in enumerate(scenario.communes)
    )

    # fixed commitments -> slots
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
        site = pos.get(fc.site_id) if fc.site_id else None
        stop = None
        if fc.site_id:
            if fc.site_id in stop_pos:
                stop = stop_pos[fc.site_id]
            else:
                try:
                    where = scenario.site(fc.site_id)
                except KeyError:
                    where = None
                if where is not None:
                    for i, st in enumerate(stops):
                        ssite = scenario.site(st.id)
                        if ssite.commune_code == where.commune_code and haversine_m(ssite.lat, ssite.lon, where.lat, where.lon) <= SAME_PLACE_M:
                            stop = i
                            if site is None:
                                site = st.site
                            break
        # one FixedSlot per overlapped slot (blocked), the first carrying the visit; a
        # commitment between two slots still is an event of the day (slot None)
        for n, k in enumerate(ks or [None]):
            fixed.append(
                FixedSlot(b, fc.weekday, k, weeks, site, stop if n == 0 else None, fc.note or fc.id, fc.start_s, fc.end_s)
            )

    # previous timetable
    previous: list[PreviousSlot] = []
    if previous_timetable is not None:
        previous = previous_slots(read_timetable(previous_timetable, cycle_weeks=W), [c.code for c in scenario.communes])

    cal = scenario.calendar
    end = cal.week_start + dt.timedelta(days=7 * W)
    hol = {d: n for d, n in cal.holidays if cal.week_start <= d < end}
    try:  # the calendar may list only the planned week: complete over the cycle
        from itinerant.scenario import french_holidays

        hol.update({d: n for d, n in french_holidays(cal.week_start, W) if d not in hol})
    except Exception:  # pragma: no cover - holidays package missing or offline quirk
        pass

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
        fixed=tuple(fixed),
        previous=tuple(previous),
        week_start=cal.week_start,
        holidays=tuple(sorted(hol.items())),
        walk_radius_m=radius,
        estimated=drive.estimated,
        patterns=cycle_patterns(W),
    )
