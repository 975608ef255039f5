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

from itinerant.bus.problem import BusProblem, weeks_label
from itinerant.bus.rota import Rota, kpis, rota_kpis, rota_slots
from itinerant.core import atomic
from itinerant.core.errors import Fault, InputError
from itinerant.core.safe import csv_cell, decode_text, uncell_row
from itinerant.core.units import WEEKDAYS_FR, hhmm, parse_time

TIMETABLE_COLUMNS = ("commune_code", "stop_id", "weekday", "start", "end", "weeks")
DAYS_COLUMNS = ("bus_id", "week", "weekday", "date", "stops", "km", "drive_min")

__all__ = [
    "read_timetable",
    "timetable_changes",
    "timetable_rows",
    "day_rows",
    "rota_kpis",
    "kpis",
    "write_timetable",
    "write_days",
    "write_kpis",
    "write_outputs",
]


def read_timetable(path: Path | str, *, cycle_weeks: int | None = 4) -> list[dict]:
    """Read a published ``timetable.csv`` (the one reader of that file).

    Returns rows as dicts ``commune_code, stop_id, weekday (0 = Monday), start_s,
    end_s, weeks (tuple, 1-based)``; ``all`` is every week of ``cycle_weeks``, or ``()``
    when ``cycle_weeks`` is None (unknown cycle). Every fault is collected, then
    :class:`InputError`.
    """
    path = Path(path)
    faults: list[Fault] = []
    rows: list[dict] = []
    name = path.name
    with io.StringIO(decode_text(path.read_bytes()), newline="") as f:  # UTF-8 or cp1252
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
                    times.append(parse_time(r[col] or ""))
                except ValueError:
                    faults.append(Fault(name, i, col, f"heure '{r[col]}' illisible", "écrire HH:MM"))
                    ok = False
            weeks = _parse_weeks(r["weeks"], cycle_weeks)
            if weeks is None:
                top = f"de 1 à {cycle_weeks} " if cycle_weeks else ""
                faults.append(Fault(name, i, "weeks", f"semaines '{r['weeks']}' illisibles", f"écrire all ou des numéros {top}(1,3)"))
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


def timetable_changes(old: list[dict], new: list[dict]) -> list[dict]:
    """Communes whose bus slots differ between two timetables (rows of :func:`read_timetable`).

    Returns, sorted by commune code, ``{"commune_code", "before": [slot, ...], "after": [slot, ...]}``
    where a slot is ``(stop_id, weekday, start_s, end_s, weeks)``; ``before`` is empty for a
    commune the bus now serves for the first time, ``after`` for one it no longer serves.
    """
    def slots(rows: list[dict]) -> dict[str, list[tuple]]:
        out: dict[str, set] = {}
        for r in rows:
            out.setdefault(r["commune_code"], set()).add(
                (r["stop_id"], r["weekday"], r["start_s"], r["end_s"], tuple(r["weeks"])))
        return {c: sorted(v) for c, v in out.items()}

    a, b = slots(old), slots(new)
    return [{"commune_code": c, "before": a.get(c, []), "after": b.get(c, [])}
            for c in sorted(set(a) | set(b)) if a.get(c, []) != b.get(c, [])]


def _parse_weeks(text: str | None, cycle_weeks: int | None) -> tuple[int, ...] | None:
    """``"all"`` -> every week (``()`` when the cycle is unknown), ``"1,3"`` -> (1, 3);
    None when unreadable or outside the cycle."""
    wk = (text or "").strip().lower()
    if wk in ("all", "toutes", ""):
        return tuple(range(1, cycle_weeks + 1)) if cycle_weeks else ()
    try:
        weeks = tuple(sorted({int(p) for p in wk.replace(";", ",").split(",") if p.strip()}))
    except ValueError:
        return None
    if not weeks or min(weeks) < 1 or (cycle_weeks and max(weeks) > cycle_weeks):
        return None
    return weeks


def _csv_text(columns: tuple[str, ...], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: csv_cell(v) for k, v in r.items()})
    return buf.getvalue()


def timetable_rows(problem: BusProblem, rota: Rota) -> list[dict]:
    """One row per commune slot (regular slots and fixed commitments at a stop), sorted
    by weekday, start and commune: the ``timetable.csv`` rows."""
    return [
        {
            "commune_code": s.commune_code,
            "stop_id": s.stop_id,
            "weekday": WEEKDAYS_FR[s.weekday],
            "start": hhmm(s.start_s),
            "end": hhmm(s.end_s),
            "weeks": weeks_label(s.weeks, problem.cycle_weeks),
        }
        for s in rota_slots(problem, rota)
    ]


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
