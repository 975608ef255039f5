"""Read the planners' output files (the contracts of the visits, bus and antennes issues).

Rendering never solves: these readers only parse what the planners wrote. Each takes
a file path or a folder holding the file under its standard name, or data already
parsed (returned unchanged), so the pipeline may pass either.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from itinerant.bus.io import read_timetable
from itinerant.core.safe import uncell_row
from itinerant.core.units import parse_weekday
from itinerant.reports.fmt import parse_weeks, to_seconds

PathLike = str | os.PathLike[str]


def _resolve(source: PathLike, name: str) -> Path:
    p = Path(source)
    return p / name if p.is_dir() else p


def load_plan(source: PathLike | Mapping[str, Any]) -> dict[str, Any]:
    """The home-visit plan (``plan.json``) as a dict.

    ``source`` is the plan dict, ``plan.json`` or its folder. When the folder has only
    ``routes.csv`` and ``unassigned.csv``, a plan is rebuilt from them (no break, no
    return legs, ``estimated`` unknown = True).
    """
    if isinstance(source, Mapping):
        return dict(source)
    path = _resolve(source, "plan.json")
    if path.is_file():
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    folder = Path(source) if Path(source).is_dir() else Path(source).parent
    return plan_from_csv(folder / "routes.csv", folder / "unassigned.csv")


def plan_from_csv(routes_csv: PathLike, unassigned_csv: PathLike | None = None) -> dict[str, Any]:
    """A minimal plan dict from ``routes.csv`` (+ ``unassigned.csv``)."""
    routes: dict[tuple[str, str], dict[str, Any]] = {}
    with open(routes_csv, encoding="utf-8", newline="") as f:
        for row in map(uncell_row, csv.DictReader(f)):
            key = (row["advisor_id"], row["day"])
            r = routes.setdefault(key, {
                "advisor_id": row["advisor_id"], "day": row["day"], "start_site": None,
                "end_site": None, "depart": None, "return": None, "break": None, "stops": [],
            })
            r["stops"].append({
                "seq": int(row["seq"]), "visit_id": row["visit_id"], "arrival": row["arrival"],
                "start": row["start"], "end": row["end"], "travel_s": int(float(row["travel_s"])),
                "travel_m": int(float(row["travel_m"])), "pinned": False,
            })
    for r in routes.values():
        r["stops"].sort(key=lambda s: s["seq"])
        r["travel_s"] = sum(s["travel_s"] for s in r["stops"])
        r["travel_m"] = sum(s["travel_m"] for s in r["stops"])
    unassigned = []
    if unassigned_csv is not None and Path(unassigned_csv).is_file():
        with open(unassigned_csv, encoding="utf-8", newline="") as f:
            unassigned = [{"visit_id": r["visit_id"], "reason": r["reason"]} for r in map(uncell_row, csv.DictReader(f))]
    days = sorted(r["day"] for r in routes.values())
    return {
        "scenario": "", "week_start": days[0] if days else "", "estimated": True, "engine": "",
        "routes": sorted(routes.values(), key=lambda r: (r["day"], r["advisor_id"])),
        "unassigned": unassigned, "kpis": {},
    }


def load_timetable(source: PathLike | list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Bus ``timetable.csv`` rows with ``weekday`` as int (0 = Monday), ``start_s``/``end_s``
    seconds and ``weeks`` a tuple of cycle weeks (empty = every week).

    A file is read by the bus's own reader (:func:`itinerant.bus.io.read_timetable`);
    rows already parsed (dicts) are normalised."""
    if not isinstance(source, list):
        rows = read_timetable(_resolve(source, "timetable.csv"), cycle_weeks=None)
        return sorted(rows, key=lambda r: (r["weekday"], r["start_s"], r["commune_code"]))
    out = []
    for r in source:
        out.append({
            "commune_code": str(r["commune_code"]), "stop_id": r["stop_id"],
            "weekday": parse_weekday(r["weekday"]),
            "start_s": to_seconds(r.get("start_s", r.get("start"))),
            "end_s": to_seconds(r.get("end_s", r.get("end"))),
            "weeks": parse_weeks(r.get("weeks")),
        })
    out.sort(key=lambda r: (r["weekday"], r["start_s"], r["commune_code"]))
    return out


def load_days(source: PathLike | list[Mapping[str, Any]] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bus ``days.csv`` rows: ``stops`` as a list of stop ids, ``km`` float, ``drive_min`` float."""
    if isinstance(source, list):
        rows = [dict(r) for r in source]
    else:
        with open(_resolve(source, "days.csv"), encoding="utf-8", newline="") as f:
            rows = list(map(uncell_row, csv.DictReader(f)))
    out = []
    for r in rows:
        stops = r.get("stops") or []
        if isinstance(stops, str):
            stops = [s for s in stops.split("|") if s]
        out.append({
            "bus_id": r.get("bus_id", ""), "week": int(r.get("week") or 0),
            "weekday": parse_weekday(r["weekday"]), "date": r.get("date") or "",
            "stops": list(stops), "km": float(r.get("km") or 0),
            "drive_min": float(r.get("drive_min") or 0),
        })
    return out


def load_json(source: PathLike | Mapping[str, Any], name: str) -> dict[str, Any]:
    """A JSON output (``kpis.json``, ``comparison.json``) as a dict; dicts pass through."""
    if isinstance(source, Mapping):
        return dict(source)
    with open(_resolve(source, name), encoding="utf-8") as f:
        return json.load(f)
