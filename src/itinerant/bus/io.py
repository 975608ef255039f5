"""Read and write the bus rota's files: ``timetable.csv``, ``days.csv``, ``kpis.json``.

Every file is written atomically (temporary file in the same folder, then
:func:`os.replace`). Outputs carry communes and stops only, never residents.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from itinerant.bus.build import TIMETABLE_COLUMNS, read_timetable
from itinerant.bus.problem import BusProblem, weeks_label
from itinerant.bus.rota import Rota
from itinerant.core import atomic
from itinerant.core.safe import csv_cell
from itinerant.core.units import WEEKDAYS_FR, hhmm

DAYS_COLUMNS = ("bus_id", "week", "weekday", "date", "stops", "km", "drive_min")

__all__ = [
    "read_timetable",
    "timetable_rows",
    "day_rows",
    "rota_kpis",
    "kpis",
    "write_timetable",
    "write_days",
    "write_kpis",
    "write_outputs",
]


def _csv_text(columns: tuple[str, ...], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: csv_cell(v) for k, v in r.items()})
    return buf.getvalue()


def timetable_rows(problem: BusProblem, rota: Rota) -> list[dict]:
    """One row per commune slot (regular slots and fixed commitments at a stop), sorted
    by weekday, start and commune."""
    P = problem
    rows = []
    for a in rota.assignments:
        bus = P.buses[a.bus]
        st = bus.slot_starts_s[a.slot]
        rows.append(
            dict(
                commune_code=P.communes[a.commune].code,
                stop_id=P.stops[a.stop].id,
                weekday=a.weekday,
                start=st,
                end=st + bus.stop_duration_s,
                weeks=weeks_label(a.weeks, P.cycle_weeks),
            )
        )
    for f in P.fixed:
        if f.stop is None:
            continue
        bus = P.buses[f.bus]
        st = f.start_s if f.start_s is not None else bus.slot_starts_s[f.slot]
        en = f.end_s if f.end_s is not None else bus.slot_starts_s[f.slot] + bus.stop_duration_s
        if any(r["weekday"] == f.weekday and r["start"] == st and r["stop_id"] == P.stops[f.stop].id for r in rows):
            continue
        rows.append(
            dict(
                commune_code=P.communes[P.stops[f.stop].commune].code,
                stop_id=P.stops[f.stop].id,
                weekday=f.weekday,
                start=st,
                end=en,
                weeks=weeks_label(f.weeks, P.cycle_weeks),
            )
        )
    rows.sort(key=lambda r: (r["weekday"], r["start"], r["commune_code"]))
    for r in rows:
        r["weekday"] = WEEKDAYS_FR[r["weekday"]]
        r["start"] = hhmm(r["start"])
        r["end"] = hhmm(r["end"])
    return rows


def _date(problem: BusProblem, week: int, weekday: int) -> dt.date | None:
    if problem.week_start is None:
        return None
    return problem.week_start + dt.timedelta(days=7 * (week - 1) + weekday)


def day_rows(problem: BusProblem, rota: Rota) -> list[dict]:
    """One row per bus, cycle week and operating weekday (empty days included)."""
    P = problem
    by_key = {(r.bus, r.week, r.weekday): r for r in rota.routes}
    rows = []
    for b, bus in enumerate(P.buses):
        for w in range(1, P.cycle_weeks + 1):
            for d in bus.days:
                r = by_key.get((b, w, d))
                date = _date(P, w, d)
                rows.append(
                    dict(
                        bus_id=bus.id,
                        week=w,
                        weekday=WEEKDAYS_FR[d],
                        date=date.isoformat() if date else "",
                        stops="|".join(r.labels) if r else "",
                        km=round(r.distance_m / 1000, 1) if r else 0.0,
                        drive_min=round(r.drive_s / 60) if r else 0,
                    )
                )
    return rows


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
        hours[P.communes[a.commune].code] += len(a.weeks) * P.buses[a.bus].stop_duration_s / 3600
    for f in P.fixed:
        if f.stop is not None:
            bus = P.buses[f.bus]
            dur = (f.end_s - f.start_s) if f.start_s is not None and f.end_s is not None else bus.stop_duration_s
            hours[P.communes[P.stops[f.stop].commune].code] += len(f.weeks) * dur / 3600
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
        "bound": rota.bound,
        "gap": round(rota.gap, 4),
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


def write_timetable(path: Path | str, problem: BusProblem, rota: Rota) -> Path:
    """Write ``timetable.csv`` (``commune_code,stop_id,weekday,start,end,weeks``)."""
    return atomic.write_text(Path(path), _csv_text(TIMETABLE_COLUMNS, timetable_rows(problem, rota)))


def write_days(path: Path | str, problem: BusProblem, rota: Rota) -> Path:
    """Write ``days.csv`` (``bus_id,week,weekday,date,stops,km,drive_min``)."""
    return atomic.write_text(Path(path), _csv_text(DAYS_COLUMNS, day_rows(problem, rota)))


def write_kpis(path: Path | str, problem: BusProblem, rota: Rota, baseline: Rota | None = None) -> Path:
    """Write ``kpis.json``."""
    text = json.dumps(kpis(problem, rota, baseline), ensure_ascii=False, indent=2)
    return atomic.write_text(Path(path), text + "\n")


def write_outputs(out_dir: Path | str, problem: BusProblem, rota: Rota, baseline: Rota | None = None) -> dict[str, Path]:
    """Write the three files into ``out_dir``; return their paths by name."""
    out = Path(out_dir)
    return {
        "timetable": write_timetable(out / "timetable.csv", problem, rota),
        "days": write_days(out / "days.csv", problem, rota),
        "kpis": write_kpis(out / "kpis.json", problem, rota, baseline),
    }
