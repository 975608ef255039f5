"""The bus-rota problem as plain, immutable data (integer seconds and metres).

Built by :func:`itinerant.bus.build.problem_from_scenario`, or directly by experts and
tests. No graph, file or solver state lives here.

Vocabulary
----------
- *site*: a row/column of the drive matrix (the depot and every stop, plus any site a
  fixed commitment sends the bus to).
- *stop*: a candidate parking spot of the bus (a ``bus_stop`` site) in one commune.
- *slot*: ``(bus, weekday, k)``, the k-th stop of that bus's day, at a fixed time
  (``Bus.slot_starts_s[k]``), the same every week so residents can remember it.
- *pattern*: the cycle weeks (1-based) a regular slot is held: every week, odd/even
  weeks (fortnightly) or a single week (monthly).
- *cover group*: low-mobility residents who can walk to exactly the same set of stops
  (aggregated counts, no person-level data).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

DEFAULT_FREQUENCY_RULE: tuple[tuple[int, int], ...] = ((0, 1), (500, 2), (1500, 4))
"""Minimum visits per cycle by legal population: ``(threshold, visits)``, a commune with
``population > threshold`` needs at least ``visits`` (the largest matching row wins).
Default: at least 1 for every commune, 2 above 500 inhabitants, 4 (weekly on a 4-week
cycle) above 1 500."""


def min_visits(population: int, rule: tuple[tuple[int, int], ...] = DEFAULT_FREQUENCY_RULE) -> int:
    """Minimum visits per cycle for a population: the largest ``visits`` of the rows
    ``(threshold, visits)`` whose threshold the population exceeds (0 if none)."""
    return max((v for t, v in rule if population > t), default=0)


def cycle_patterns(cycle_weeks: int) -> tuple[tuple[int, ...], ...]:
    """Week patterns a regular slot may follow in a cycle of ``cycle_weeks`` weeks.

    Every week; odd and even weeks (fortnightly, only when the cycle has an even
    number of weeks > 2... or 2); and each single week (monthly).
    """
    w = cycle_weeks
    pats: list[tuple[int, ...]] = [tuple(range(1, w + 1))]
    if w >= 4 and w % 2 == 0:
        pats.append(tuple(range(1, w + 1, 2)))
        pats.append(tuple(range(2, w + 1, 2)))
    if w >= 2:
        pats.extend((i,) for i in range(1, w + 1))
    return tuple(pats)


def weeks_label(weeks: tuple[int, ...], cycle_weeks: int) -> str:
    """``"all"`` for every week of the cycle, else ``"1,3"``."""
    if tuple(weeks) == tuple(range(1, cycle_weeks + 1)):
        return "all"
    return ",".join(str(w) for w in weeks)


def log_value_table(cycle_weeks: int) -> tuple[float, ...]:
    """Default value of ``v`` visits per cycle for one resident, ``v = 0..W``.

    ``f(v) = log2(1 + v) / log2(1 + W)``: 0 without bus, 1 with a weekly bus, with
    diminishing returns (W = 4: 0, 0.43, 0.68, 0.86, 1).
    """
    w = cycle_weeks
    return tuple(math.log2(1 + v) / math.log2(1 + w) for v in range(w + 1))


@dataclass(frozen=True)
class BusCommune:
    """A commune to serve: INSEE code, name, population and visits required per cycle."""

    code: str
    name: str
    population: int
    min_visits: int
    low_mobility: int = 0
    """Low-mobility residents living in the commune (reporting only)."""
    no_mobility: int = 0
    """Residents who cannot leave home: served by home visits, never by the bus."""


@dataclass(frozen=True)
class BusStop:
    """A candidate stop: site id, index of its site in the matrix, index of its commune."""

    id: str
    site: int
    commune: int


@dataclass(frozen=True)
class BusSpec:
    """One bus: operating weekdays, fixed slot start times, hours and depot.

    ``slot_starts_s`` are seconds since midnight, increasing, each slot lasting
    ``stop_duration_s``; ``start_s``/``end_s`` bound the day (leave/return to depot).
    """

    id: str
    name: str
    depot: int
    days: tuple[int, ...]
    start_s: int
    end_s: int
    stop_duration_s: int
    slot_starts_s: tuple[int, ...]


@dataclass(frozen=True)
class CoverGroup:
    """``count`` low-mobility residents within walking radius of exactly ``stops``."""

    stops: tuple[int, ...]
    count: int


@dataclass(frozen=True)
class FixedSlot:
    """A fixed commitment of a bus in the given cycle weeks, and a slot it blocks.

    ``slot`` is a regular slot the commitment overlaps (blocked in those weeks), or
    None when it overlaps none. The commitment itself is an *event* of the day from
    ``start_s`` to ``end_s`` (default: the slot's times): several FixedSlots with the
    same bus, weekday, times, site and note are one event (see :func:`fixed_events`).
    ``site`` is the matrix index of where the bus is (None: bus unavailable, no
    driving); when ``stop`` is set, the commitment counts as a visit of that stop
    (coverage and frequency) and its commune gets no other regular slot.
    """

    bus: int
    weekday: int
    slot: int | None
    weeks: tuple[int, ...]
    site: int | None = None
    stop: int | None = None
    note: str = ""
    start_s: int | None = None
    """Published start of the commitment (None: the slot's start)."""
    end_s: int | None = None
    """Published end of the commitment (None: the slot's end)."""

    def times(self, bus: BusSpec) -> tuple[int, int]:
        """``(start_s, end_s)`` of the commitment on ``bus`` (the slot's when not given)."""
        k = self.slot if self.slot is not None else 0  # validated: no slot means both times
        st = self.start_s if self.start_s is not None else bus.slot_starts_s[k]
        en = self.end_s if self.end_s is not None else bus.slot_starts_s[k] + bus.stop_duration_s
        return st, en


@dataclass(frozen=True)
class FixedEvent:
    """One commitment in one bus day: ``start_s``..``end_s`` at ``site`` (None: the bus
    is unavailable, no driving), counting as a visit of ``stop`` when set."""

    start_s: int
    end_s: int
    site: int | None
    stop: int | None
    note: str = ""


@dataclass(frozen=True)
class PreviousSlot:
    """The published slot of a commune in the previous timetable (for churn)."""

    commune: int
    stop_id: str
    weekday: int
    start_s: int
    weeks: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class BusProblem:
    """Everything the rota solver needs, as plain data.

    Attributes
    ----------
    site_ids
        Ids of the drive-matrix rows/columns, ``len = n``.
    drive_s, drive_m
        int64, shape (n, n): driving seconds and metres between sites.
    communes, stops, buses
        Communes to serve, candidate stops, buses.
    groups
        Low-mobility cover groups (aggregated counts).
    cycle_weeks
        Length of the cycle W in weeks.
    value_table
        Value of ``v`` visits per cycle for one covered resident, ``v = 0..W``,
        non-decreasing and concave; 1.0 means "weekly bus within walking distance".
    metres_per_resident
        Exchange rate of the objective: driving this many metres more per cycle is
        worth one resident-equivalent of weighted coverage.
    max_km_m
        Optional hard cap on metres driven per cycle (None: none).
    fixed, previous
        Fixed commitments mapped to slots; previous timetable for churn.
    week_start, holidays
        Monday of cycle week 1 and the days off of the cycle (date, name): public
        holidays and the scenario's closures. No bus runs on a day off: a slot falling
        on one is not held that week (and is no visit).
    walk_radius_m
        Walking radius that defined the cover groups (reporting).
    """

    site_ids: tuple[str, ...]
    drive_s: np.ndarray
    drive_m: np.ndarray
    communes: tuple[BusCommune, ...]
    stops: tuple[BusStop, ...]
    buses: tuple[BusSpec, ...]
    groups: tuple[CoverGroup, ...] = ()
    cycle_weeks: int = 4
    value_table: tuple[float, ...] = ()
    metres_per_resident: int = 5000
    max_km_m: int | None = None
    fixed: tuple[FixedSlot, ...] = ()
    previous: tuple[PreviousSlot, ...] = ()
    week_start: dt.date | None = None
    holidays: tuple[tuple[dt.date, str], ...] = ()
    walk_radius_m: int = 0
    estimated: bool = False
    patterns: tuple[tuple[int, ...], ...] = field(default=())

    def __post_init__(self) -> None:
        n = len(self.site_ids)
        errors: list[str] = []
        for name in ("drive_s", "drive_m"):
            a = getattr(self, name)
            if not isinstance(a, np.ndarray) or a.shape != (n, n):
                errors.append(f"{name} must be an array of shape ({n}, {n})")
        if self.cycle_weeks < 1:
            errors.append("cycle_weeks must be >= 1")
        if not self.value_table:
            object.__setattr__(self, "value_table", log_value_table(self.cycle_weeks))
        errors += self._value_table_errors()
        if not self.patterns:
            object.__setattr__(self, "patterns", cycle_patterns(self.cycle_weeks))
        errors += self._place_errors(n)
        errors += self._fixed_errors()
        if errors:
            raise ValueError("; ".join(errors))

    def _value_table_errors(self) -> list[str]:
        if len(self.value_table) != self.cycle_weeks + 1:
            return ["value_table must have cycle_weeks + 1 entries (v = 0..W)"]
        gains = np.diff(self.value_table)
        if self.value_table[0] != 0 or (gains < -1e-12).any() or (np.diff(gains) > 1e-12).any():
            return ["value_table must start at 0, be non-decreasing and concave"]
        return []

    def _place_errors(self, n: int) -> list[str]:
        errors = []
        for s in self.stops:
            if not 0 <= s.site < n:
                errors.append(f"stop {s.id}: site index {s.site} out of range")
            if not 0 <= s.commune < len(self.communes):
                errors.append(f"stop {s.id}: commune index {s.commune} out of range")
        for b in self.buses:
            if not 0 <= b.depot < n:
                errors.append(f"bus {b.id}: depot index out of range")
            st = b.slot_starts_s
            if any(st[i] + b.stop_duration_s > st[i + 1] for i in range(len(st) - 1)):
                errors.append(f"bus {b.id}: slots overlap (slot_starts_s + stop_duration_s)")
            if st and (st[0] < b.start_s or st[-1] + b.stop_duration_s > b.end_s):
                errors.append(f"bus {b.id}: slots must lie within start_s..end_s")
        for g in self.groups:
            if g.count < 0 or any(not 0 <= s < len(self.stops) for s in g.stops):
                errors.append(f"cover group {g} is invalid")
        return errors

    def _fixed_errors(self) -> list[str]:
        errors = []
        for f in self.fixed:
            if not 0 <= f.bus < len(self.buses) or f.weekday not in self.buses[f.bus].days:
                errors.append(f"fixed slot {f.note or f}: bus or weekday invalid")
            elif f.slot is None and (f.start_s is None or f.end_s is None):
                errors.append(f"fixed slot {f.note or f}: without a slot, start_s and end_s are needed")
            elif f.slot is not None and not 0 <= f.slot < len(self.buses[f.bus].slot_starts_s):
                errors.append(f"fixed slot {f.note or f}: slot index invalid")
            elif f.start_s is not None and f.end_s is not None and f.end_s <= f.start_s:
                errors.append(f"fixed slot {f.note or f}: end_s must follow start_s")
        return errors

    @property
    def low_total(self) -> int:
        """Low-mobility residents in the territory (covered or not)."""
        return sum(c.low_mobility for c in self.communes) or sum(g.count for g in self.groups)

    def closed(self, weekday: int, week: int) -> bool:
        """True when ``weekday`` of cycle ``week`` is a day off (public holiday or
        closure): no bus runs, no commitment is held."""
        days = self.__dict__.get("_closed")
        if days is None:
            days = set()
            if self.week_start is not None:
                for d, _ in self.holidays:
                    off = (d - self.week_start).days
                    if 0 <= off < 7 * self.cycle_weeks:
                        days.add((off % 7, off // 7 + 1))
            self.__dict__["_closed"] = days
        return (weekday, week) in days

    def open_weeks(self, weekday: int, weeks: tuple[int, ...]) -> tuple[int, ...]:
        """The weeks of ``weeks`` whose ``weekday`` is not a day off."""
        return tuple(w for w in weeks if not self.closed(weekday, w))

    def fixed_events(self, bus: int, weekday: int, week: int) -> tuple[FixedEvent, ...]:
        """The commitments of one bus day (one cycle week), sorted by start; none on a
        day off."""
        if self.closed(weekday, week):
            return ()
        cache = self.__dict__.setdefault("_events", {})
        hit = cache.get((bus, weekday, week))
        if hit is None:
            hit = cache[(bus, weekday, week)] = self._fixed_events(bus, weekday, week)
        return hit

    def _fixed_events(self, bus: int, weekday: int, week: int) -> tuple[FixedEvent, ...]:
        b = self.buses[bus]
        out: dict[tuple, FixedEvent] = {}
        for f in self.fixed:
            if f.bus != bus or f.weekday != weekday or week not in f.weeks:
                continue
            st, en = f.times(b)
            key = (st, en, f.site, f.note)
            prev = out.get(key)
            stop = f.stop if f.stop is not None else (prev.stop if prev else None)
            out[key] = FixedEvent(st, en, f.site, stop, f.note)
        return tuple(sorted(out.values(), key=lambda e: (e.start_s, e.end_s)))

    def blocked_slots(self, bus: int, weekday: int, week: int) -> frozenset[int]:
        """Regular slots of one bus day (one cycle week) a commitment overlaps."""
        b = self.buses[bus]
        ev = self.fixed_events(bus, weekday, week)
        out = {
            f.slot for f in self.fixed
            if (f.bus, f.weekday) == (bus, weekday) and week in f.weeks and f.slot is not None
        }
        for k, st in enumerate(b.slot_starts_s):
            if any(e.start_s < st + b.stop_duration_s and st < e.end_s for e in ev):
                out.add(k)
        return frozenset(out)

    def stop_index(self, stop_id: str) -> int:
        """Index of a stop by id (ValueError if absent)."""
        for i, s in enumerate(self.stops):
            if s.id == stop_id:
                return i
        raise ValueError(stop_id)
