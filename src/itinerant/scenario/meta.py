"""``scenario.yaml``: name, title, settings, calendar (week and public holidays)."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

from itinerant.core.errors import InputError
from itinerant.core.safe import read_yaml_file
from itinerant.core.units import (
    BadValue,
)
from itinerant.scenario.cells import DAY_NAMES_FR, parse_date, parse_int
from itinerant.scenario.model import (
    Calendar,
    Settings,
)
from itinerant.scenario.rows import Collector
from itinerant.scenario.tables import normalize_name

# -- scenario.yaml -------------------------------------------------------------------------------

_YAML_KEYS = ("name", "title", "sources", "settings", "calendar", "bus", "description")
_YAML_ALIASES = {"nom": "name", "titre": "title", "parametres": "settings", "calendrier": "calendar"}
_SETTINGS_KEYS = ("language", "osm_file", "max_snap_m", "walk_cutoff_m", "bbox_buffer_m")
_SETTINGS_ALIASES = {"langue": "language", "fichier_osm": "osm_file"}
_CALENDAR_KEYS = ("week_start", "closures")
_CALENDAR_ALIASES = {"semaine": "week_start", "debut_semaine": "week_start", "lundi": "week_start", "fermetures": "closures"}


def _keys(d: dict, allowed: tuple[str, ...], aliases: dict[str, str], where: str, out: Collector) -> dict:
    res: dict[str, Any] = {}
    for k, v in d.items():
        key = normalize_name(str(k))
        key = aliases.get(key, key)
        if key not in allowed:
            near = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            fix = f"vouliez-vous dire '{near[0]}' ?" if near else "clés possibles : " + ", ".join(allowed)
            out.add("scenario.yaml", None, f"{where}{k}", "clé inconnue", fix)
            continue
        res[key] = v
    return res


def read_yaml(folder: Path, out: Collector) -> dict | None:
    """The keys of ``scenario.yaml``; None when it is absent or unreadable (faults in ``out``)."""
    path = folder / "scenario.yaml"
    if not path.is_file():
        alt = folder / "scenario.yml"
        if alt.is_file():
            path = alt
        else:
            out.add("scenario.yaml", None, "", "fichier absent", "créer scenario.yaml (voir docs/scenario-format.md)")
            return None
    try:
        data = read_yaml_file(path)
    except InputError as exc:
        out.faults.extend(exc.faults)
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        out.add(path.name, None, "", "le fichier doit contenir des clés (name:, settings:, calendar: ...)", "voir docs/scenario-format.md")
        return None
    data = _keys(data, _YAML_KEYS, _YAML_ALIASES, "", out)
    for sub in ("settings", "calendar"):
        if sub in data and data[sub] is not None and not isinstance(data[sub], dict):
            out.add("scenario.yaml", None, sub, "doit être une liste de clés", "voir docs/scenario-format.md")
            data[sub] = {}
    return data


def load_settings(d: dict | None, folder: Path, out: Collector) -> Settings:
    d = _keys(d or {}, _SETTINGS_KEYS, _SETTINGS_ALIASES, "settings.", out)
    kw: dict[str, Any] = {}
    lang = d.get("language")
    if lang is not None:
        if str(lang).lower() not in ("fr", "en"):
            out.add("scenario.yaml", None, "settings.language", f"langue '{lang}' non prise en charge", "écrire fr ou en")
        else:
            kw["language"] = str(lang).lower()
    osm = d.get("osm_file")
    if osm not in (None, ""):
        p = Path(str(osm)).expanduser()
        if not p.is_absolute():
            p = (folder / p).resolve()
        if not p.is_file():
            out.add("scenario.yaml", None, "settings.osm_file", f"fichier OSM introuvable : {p}", "donner un chemin absolu ou relatif au dossier du scénario, ou laisser vide")
        kw["osm_file"] = p
    for key in ("max_snap_m", "walk_cutoff_m", "bbox_buffer_m"):
        v = d.get(key)
        if v is None or v == "":
            continue
        try:
            iv = parse_int(str(v))
            if iv <= 0:
                raise BadValue(f"{v} doit être positif")
            kw[key] = iv
        except BadValue:
            out.add("scenario.yaml", None, f"settings.{key}", f"'{v}' n'est pas un nombre entier de mètres positif", "écrire par exemple 1000")
    return Settings(**kw)


def load_calendar(d: dict | None, out: Collector, cycle_weeks: int, *, yaml_read: bool = True) -> tuple[Calendar, bool]:
    """The planned week and its holidays, and whether the week is known (read without fault).

    ``yaml_read`` False (scenario.yaml absent or unreadable): a missing week is that
    file's fault, already reported, not another one.
    """
    d = _keys(d or {}, _CALENDAR_KEYS, _CALENDAR_ALIASES, "calendar.", out)
    ws = d.get("week_start")
    week_start: dt.date | None = None
    if (ws is None or ws == "") and not yaml_read:
        pass
    elif ws is None or ws == "":
        out.add("scenario.yaml", None, "calendar.week_start", "semaine à planifier absente", "écrire par exemple  calendar: {week_start: 2026-11-30}  (un lundi)")
    elif isinstance(ws, dt.datetime):
        week_start = ws.date()
    elif isinstance(ws, dt.date):
        week_start = ws
    else:
        try:
            week_start = parse_date(str(ws))
        except BadValue as bad:
            out.add("scenario.yaml", None, "calendar.week_start", bad.message, bad.fix)
    if week_start is not None and not 1990 <= week_start.year <= 2100:
        out.add("scenario.yaml", None, "calendar.week_start", f"année {week_start.year} invraisemblable", "écrire le lundi de la semaine à planifier, par exemple 2026-11-30")
        week_start = None
    if week_start is not None and week_start.weekday() != 0:
        monday = week_start - dt.timedelta(days=week_start.weekday())
        out.add(
            "scenario.yaml",
            None,
            "calendar.week_start",
            f"{week_start.isoformat()} est un {DAY_NAMES_FR[week_start.weekday()]}, pas un lundi",
            f"écrire le lundi de cette semaine : {monday.isoformat()}",
        )
        week_start = monday
    known = week_start is not None
    if week_start is None:
        week_start = dt.date(2000, 1, 3)
    closures = load_closures(d.get("closures"), out)
    return Calendar(week_start=week_start, holidays=french_holidays(week_start, max(1, cycle_weeks)),
                    closures=closures), known


def load_closures(items: Any, out: Collector) -> tuple[tuple[dt.date, str], ...]:
    """``calendar.closures``: the centre's own days off, a list of dates, each
    optionally followed by its reason (``2026-12-24 pont de Noël``) or as
    ``{date: 2026-12-24, motif: pont de Noël}``. Faults are collected."""
    if items is None or items == "":
        return ()
    if not isinstance(items, list):
        items = [items]
    found: dict[dt.date, str] = {}
    for n, item in enumerate(items, start=1):
        reason = "fermeture"
        value: Any = item
        if isinstance(item, dict):
            value = item.get("date")
            reason = str(item.get("motif") or item.get("reason") or reason)
        elif isinstance(item, str) and len(item.strip()) > 10:
            value, reason = item.strip()[:10], item.strip()[10:].strip(" :-–") or reason
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            try:
                value = parse_date(str(value))
            except BadValue as bad:
                out.add("scenario.yaml", None, f"calendar.closures[{n}]", bad.message,
                        "écrire une date par ligne, par exemple  - 2026-12-24 pont de Noël")
                continue
        found[value] = reason
    return tuple(sorted(found.items()))


def french_holidays(week_start: dt.date, weeks: int = 1) -> tuple[tuple[dt.date, str], ...]:
    """French public holidays (metropolitan) in ``weeks`` weeks from ``week_start``.

    Uses the ``holidays`` package (``holidays.France``), names in French.
    """
    import holidays

    end = week_start + dt.timedelta(days=7 * weeks)
    years = sorted({week_start.year, end.year})
    fr = holidays.France(years=years, language="fr")
    return tuple(sorted((d, str(n)) for d, n in fr.items() if week_start <= d < end))
