"""The validated scenario: what the rest of itinerant reads.

These are the *contract* between the scenario loader (``itinerant.scenario``) and
everything downstream (territory, matrices, the three planners, reports). They are
frozen pydantic models holding already-validated values in itinerant's units:

- times of day are integer seconds since midnight (``start_s``), durations integer
  seconds (``duration_s``), distances integer metres (``radius_m``);
- weekdays are integers, 0 = Monday ... 6 = Sunday;
- every entity keeps the stable string id of the scenario file.

The loader turns French spreadsheets ("09:30", "mar|jeu", "1,5") into these
values and collects every fault before raising once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

Mobility = Literal["none", "low", "car"]
"""``none``: cannot leave home; ``low``: can walk a little, no car; ``car``: drives."""

Priority = Literal["must", "should", "could"]

VisitMode = Literal["domicile", "mairie"]
"""``domicile``: at the resident's home; ``mairie``: at the town hall of their commune."""

DutyKind = Literal["office", "antenne", "partner", "workshop"]
"""Kinds of permanence: the office desk, an antenne, a partner's premises, a workshop."""

SiteKind = Literal["office", "antenne", "partner", "candidate", "bus_stop", "home"]
"""``office``: the France services centre; ``antenne``: an existing permanence;
``partner``: partners' premises (Restos du Cœur, social grocery) that may host one;
``candidate``: a possible new antenne; ``bus_stop``: a parking spot for the bus;
``home``: an advisor's home, when a day starts or ends there."""

PERMANENCE_KINDS: tuple[SiteKind, ...] = ("office", "antenne", "partner", "candidate")
"""Site kinds that hold, or may hold, a permanence: the columns of the access matrices
and the sites an antenne model may choose."""

Window = tuple[int, int]
"""A time window ``(start_s, end_s)`` in seconds since midnight, start <= end."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Commune(_Frozen):
    """A commune of the territory (INSEE code, legal population, town-hall point)."""

    code: str
    name: str
    population: int
    lat: float
    lon: float
    density_grid: int | None = None
    """INSEE 7-level communal density grid (5 bourg rural ... 7 très dispersé)."""
    min_bus_visits: int | None = None
    """Explicit minimum number of bus visits per cycle requested by the commune."""
    area_km2: float | None = None
    """Area of the commune, km² (optional; used to scatter synthetic residents)."""


class Site(_Frozen):
    """A place where advisors start, hold permanences, or the bus parks."""

    id: str
    name: str
    kind: SiteKind
    commune_code: str
    lat: float
    lon: float
    approximate: bool = False
    """True when the point is a stand-in (e.g. the town-hall point)."""
    existing: bool = False
    """An antenne or permanence that already runs: fixed in every placement."""
    weekly_hours: float | None = None
    """Weekly capacity of a permanence, hours; None = not limited."""
    opening: str = ""
    """Opening hours as text for reports ("mardi 9 h - 12 h")."""
    phone: str = ""
    """Public phone number of the place, as written ("03 85 00 00 00")."""
    address: str = ""
    """Postal address of the place, one line."""


class Advisor(_Frozen):
    """A France services advisor."""

    id: str
    name: str
    skills: tuple[str, ...]
    days: tuple[int, ...]
    """Working weekdays, 0 = Monday."""
    start_s: int
    end_s: int
    lunch_start_s: int
    """Earliest start of the lunch break."""
    lunch_end_s: int
    """Latest end of the lunch break."""
    lunch_duration_s: int
    max_work_s: int
    """Longest working day (shift end - start at most), seconds."""
    start_site: str
    end_site: str
    phone: str = ""
    contract_s: int | None = None
    """Weekly contract, seconds of work (duties and tours); None = only the daily limit."""
    day_hours: tuple[tuple[int, int, int], ...] = ()
    """Hours that differ by weekday: (weekday, start_s, end_s); other days: start_s-end_s."""

    def hours_on(self, weekday: int) -> tuple[int, int]:
        """(start_s, end_s) of the advisor's day on this weekday."""
        for d, a, b in self.day_hours:
            if d == weekday:
                return a, b
        return self.start_s, self.end_s


class Absence(_Frozen):
    """An advisor away on a date (congé, formation, réunion...), all day or from-to."""

    advisor_id: str
    date: dt.date
    start_s: int | None = None
    """Start of the absence, seconds since midnight; None = all day."""
    end_s: int | None = None
    reason: str = ""
    source: str = ""
    """Where it was read ("absences.csv, ligne 3"), to name it in faults."""


class Visit(_Frozen):
    """A home-visit request from a resident who cannot travel."""

    id: str
    resident_id: str
    lat: float
    lon: float
    commune_code: str
    location_is_commune: bool = False
    """True when only a commune code was given (lat/lon = its town-hall point)."""
    duration_s: int
    days: tuple[int, ...]
    """Allowed weekdays, 0 = Monday (all working days if the cell was empty)."""
    windows: tuple[Window, ...]
    """Allowed time windows on any allowed day, sorted, non-overlapping."""
    skill: str | None = None
    priority: Priority = "must"
    same_advisor: str | None = None
    """Advisor id who must make the visit ("same advisor as last time")."""
    pinned_advisor: str | None = None
    pinned_date: dt.date | None = None
    pinned_start_s: int | None = None
    done: bool = False
    name: str = ""
    address: str = ""
    phone: str = ""
    reason: str = ""
    """Why the visit: "dossier retraite", shown on the advisor's sheet."""
    min_duration_s: int | None = None
    """Shortest duration the request allows, seconds (None: the visit cannot be shortened)."""
    notes: str = ""
    """Free notes printed on the sheet: documents to bring, access ("digicode 1234")."""
    modes: tuple[VisitMode, ...] = ("domicile",)
    """Where the resident accepts to be seen: at home, at their town hall, or both."""


class Resident(_Frozen):
    """A resident (synthetic in the default scenario)."""

    id: str
    commune_code: str
    lat: float
    lon: float
    mobility: Mobility
    synthetic: bool = True
    name: str = ""
    address: str = ""
    age: int | None = None


class Bus(_Frozen):
    """The nomad bus and its rules."""

    id: str
    name: str
    depot: str
    """Site id of the depot (the office in Cluny)."""
    days: tuple[int, ...]
    start_s: int
    end_s: int
    stop_duration_s: int
    walk_radius_m: int
    cycle_weeks: int = 4
    stops_per_day: int = 2
    crew: int = 1
    """Advisors aboard on each bus day (the team's week staffs them)."""


class FixedCommitment(_Frozen):
    """A slot the bus rota must respect (e.g. the Salornay antenne day)."""

    id: str
    bus_id: str
    weekday: int
    start_s: int
    end_s: int
    weeks: tuple[int, ...] = ()
    """Cycle weeks (1-based); empty = every week."""
    site_id: str | None = None
    """Where the bus is during the slot, or None when it is unavailable."""
    note: str = ""


class Permanence(_Frozen):
    """A duty at a fixed place: the office desk, an antenne, a partner, a workshop.

    Held on ``weekdays`` of the cycle ``weeks`` (empty = every week), or on ``date``.
    """

    id: str
    name: str
    site_id: str
    kind: DutyKind
    weekdays: tuple[int, ...] = ()
    date: dt.date | None = None
    start_s: int
    end_s: int
    advisors_needed: int = 1
    skills: tuple[str, ...] = ()
    weeks: tuple[int, ...] = ()
    preferred_advisor: str | None = None
    """The advisor who holds it each week where possible."""
    hypothesis: bool = False
    """A guess to check (« hypothèse, à ajuster »)."""
    note: str = ""


class Calendar(_Frozen):
    """The planning week and its public holidays."""

    week_start: dt.date
    """The Monday of the planned week."""
    holidays: tuple[tuple[dt.date, str], ...] = ()
    """French public holidays falling in the planned week or cycle (date, name)."""
    closures: tuple[tuple[dt.date, str], ...] = ()
    """The centre's own days off (``calendar.closures`` / ``fermetures``): date, reason."""

    @property
    def days_off(self) -> tuple[tuple[dt.date, str], ...]:
        """Public holidays and closures (date, name), by date."""
        return tuple(sorted({**dict(self.holidays), **dict(self.closures)}.items()))

    def working_dates(self, weekdays: tuple[int, ...]) -> tuple[dt.date, ...]:
        """Dates of the planned week on the given weekdays, public holidays and
        closures excluded."""
        off = {d for d, _ in self.days_off}
        return tuple(
            self.week_start + dt.timedelta(days=w)
            for w in sorted(set(weekdays))
            if self.week_start + dt.timedelta(days=w) not in off
        )


class Settings(_Frozen):
    """Scenario-wide settings from ``scenario.yaml``."""

    language: Literal["fr", "en"] = "fr"
    osm_file: Path | None = None
    """Local OpenStreetMap file (.osm, .osm.bz2, .osm.pbf); None = estimated model."""
    max_snap_m: int = 1000
    """A place farther than this from the road graph is an error."""
    walk_cutoff_m: int = 2000
    """Walking distances beyond this are not computed (treated as out of reach)."""
    bbox_buffer_m: int = 3000
    """Margin around the scenario's places when clipping the road file."""


class Scenario(_Frozen):
    """A whole validated scenario."""

    name: str
    folder: Path
    title: str = ""
    settings: Settings = Settings()
    communes: tuple[Commune, ...]
    sites: tuple[Site, ...]
    advisors: tuple[Advisor, ...] = ()
    visits: tuple[Visit, ...] = ()
    residents: tuple[Resident, ...] = ()
    buses: tuple[Bus, ...] = ()
    commitments: tuple[FixedCommitment, ...] = ()
    absences: tuple[Absence, ...] = ()
    """Dated absences of the advisors (the home-visit planner removes or shortens their days)."""
    permanences: tuple[Permanence, ...] = ()
    calendar: Calendar
    sources: str = ""
    """Credits of the data, shown in reports."""

    def site(self, site_id: str) -> Site:
        """The site with this id (KeyError if absent)."""
        for s in self.sites:
            if s.id == site_id:
                return s
        raise KeyError(site_id)

    def commune(self, code: str) -> Commune:
        """The commune with this INSEE code (KeyError if absent)."""
        for c in self.communes:
            if c.code == code:
                return c
        raise KeyError(code)
