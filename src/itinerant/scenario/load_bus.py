"""Loaders of the bus tables: ``bus`` (or the ``bus:`` section of scenario.yaml) and ``commitments``."""

from __future__ import annotations

import re
from typing import Any

from itinerant.core.units import (
    hhmm,
    parse_time,
)
from itinerant.scenario.cells import DAY_NAMES_FR, parse_days, parse_duration, parse_int
from itinerant.scenario.model import (
    Bus,
    FixedCommitment,
)
from itinerant.scenario.rows import (
    Collector,
    Row,
    Rows,
    SiteCheck,
    build_model,
    check_duplicates,
    resolve_columns,
    suggest,
)
from itinerant.scenario.tables import Table, normalize_name

MAX_WALK_RADIUS_M = 5000
"""Longest plausible walk to a bus stop, metres."""

_YAML_TIME_KEYS = {"debut", "fin", "start", "end", "heure_debut", "heure_fin"}


def _bus_from_yaml(d: Any, out: Collector) -> list[tuple[int | None, dict[str, str]]]:
    items = d if isinstance(d, list) else [d]
    rows: list[tuple[int | None, dict[str, str]]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            out.add("scenario.yaml", None, "bus", "doit être une liste de clés (id:, depot:, jours: ...)", "voir docs/scenario-format.md")
            continue
        cells = {}
        for k, v in item.items():
            if v is None:
                v = ""
            elif isinstance(v, int) and not isinstance(v, bool) and normalize_name(str(k)) in _YAML_TIME_KEYS and v >= 60:
                v = hhmm(v * 60)  # YAML 1.1 reads an unquoted 17:00 as 1020 (minutes)
            cells[str(k)] = str(v)
        rows.append((i, cells))
    return rows


def _yaml_bus_rows(yaml_bus: Any, out: Collector) -> Rows | None:
    """The ``bus:`` section of scenario.yaml, read like a one-table file."""
    items = _bus_from_yaml(yaml_bus, out)
    if not items:
        return None
    header = tuple(dict.fromkeys(k for _, d in items for k in d))
    table = Table("scenario.yaml", header, tuple((None, tuple(d.get(h, "") for h in header)) for _, d in items))  # type: ignore[misc]  # rows of a YAML section have no number
    sub = Collector()
    rows = resolve_columns(table, "bus", sub)
    for f in sub.faults:
        out.add("scenario.yaml", None, f"bus.{f.column}", f.message.replace("colonne", "clé"), f.fix.replace("une colonne", "une clé").replace("la ligne d'en-tête", "la section bus"))
    if rows is not None:
        rows.prefix = "bus."
    return rows


def load_buses(t: Rows | None, yaml_bus: Any, out: Collector, check_site: SiteCheck) -> tuple[list[Bus], set[str]]:
    """Buses of the ``bus`` table and of the ``bus:`` section of scenario.yaml, and every declared bus id."""
    tables: list[Rows] = [t] if t is not None else []
    if yaml_bus:
        rows = _yaml_bus_rows(yaml_bus, out)
        if rows is not None:
            tables.append(rows)
    res: list[Bus] = []
    ids: list[tuple[int, str]] = []
    for tb in tables:
        for row, cells in tb.rows:
            r = Row(tb, row, cells, out)
            bid = r.get("id", required=True)
            if bid is not None:
                ids.append((row or 0, bid))
            b = _bus_row(r, bid, check_site)
            if b is not None:
                res.append(b)
    if t is not None:
        check_duplicates(t, ids, out)
    elif len({i for _, i in ids}) < len(ids):
        out.add("scenario.yaml", None, "bus.id", "identifiant de bus en double", "donner un id unique à chaque bus")
    return res, {i for _, i in ids}


def _bus_row(r: Row, bid: str | None, check_site: SiteCheck) -> Bus | None:
    name = r.get("nom", default=bid or "")
    depot = r.get("depot", required=True)
    days = r.get("jours", parse_days, required=True)
    start = r.get("debut", parse_time, required=True)
    end = r.get("fin", parse_time, required=True)
    stop = r.get("duree_arret", parse_duration, default=2 * 3600)
    radius = r.get("rayon_marche_m", parse_int, default=800)
    cycle = r.get("cycle_semaines", parse_int, default=4)
    per_day = r.get("arrets_par_jour", parse_int, default=2)
    crew = r.get("equipage", parse_int, default=1)
    check_site(r, depot, "depot", "dépôt du bus")
    if start is not None and end is not None and end <= start:
        r.fault("fin", f"fin {hhmm(end)} avant le début {hhmm(start)}", "écrire une heure de fin après l'heure de début")
    for canon, v in (("duree_arret", stop), ("rayon_marche_m", radius), ("cycle_semaines", cycle), ("arrets_par_jour", per_day)):
        if v is not None and v <= 0:
            r.fault(canon, "doit être un nombre positif", "écrire un nombre supérieur à zéro")
    if crew is not None and crew < 0:
        r.fault("equipage", "équipage négatif", "écrire le nombre de conseillers à bord, par exemple 1")
    if cycle is not None and cycle > 52:
        r.fault("cycle_semaines", f"cycle de {cycle} semaines trop long", "écrire au plus 52")
    if radius is not None and radius > MAX_WALK_RADIUS_M:
        r.fault("rayon_marche_m", f"rayon de marche de {radius} m invraisemblable", f"écrire une distance à pied en mètres, au plus {MAX_WALK_RADIUS_M}")
    if r.ok and per_day * stop > end - start:
        r.fault("arrets_par_jour", f"{per_day} arrêts de {stop // 60} min ne tiennent pas dans la journée {hhmm(start)}-{hhmm(end)}",
                "réduire le nombre d'arrêts par jour ou leur durée, ou allonger la journée")
    if not r.ok:
        return None
    return build_model(
        Bus,
        dict(id=bid, name=name, depot=depot, days=days, start_s=start, end_s=end, stop_duration_s=stop, walk_radius_m=radius, cycle_weeks=cycle, stops_per_day=per_day, crew=crew),
        r,
    )


def load_commitments(t: Rows | None, out: Collector, buses: list[Bus], bus_ids: set[str], check_site: SiteCheck) -> list[FixedCommitment]:
    if t is None:
        return []
    res: list[FixedCommitment] = []
    ids: list[tuple[int, str]] = []
    by_bus = {b.id: b for b in buses}
    for row, cells in t.rows:
        r = Row(t, row, cells, out)
        cid = r.get("id", required=True)
        bus = r.get("bus", default=next(iter(bus_ids)) if len(bus_ids) == 1 else None)
        day = r.get("jour", parse_days, required=True)
        start = r.get("debut", parse_time, required=True)
        end = r.get("fin", parse_time, required=True)
        weeks = r.get("semaines", lambda s: tuple(sorted({parse_int(p) for p in re.split(r"\s*[|,;/ ]\s*", s) if p})), default=())
        site = r.get("site")
        note = r.get("note", default="")
        if cid is not None:
            ids.append((row, cid))
        if day is not None and len(day) != 1:
            r.fault("jour", "un seul jour par engagement", "écrire une ligne par jour")
        if bus is None:
            r.fault("bus", "bus non indiqué", "écrire l'id du bus")
        elif bus not in bus_ids:
            r.unknown("bus", "bus", f"bus '{bus}' inconnu", suggest(bus, bus_ids) or "utiliser l'id d'un bus")
        elif bus in by_bus:
            b = by_bus[bus]
            if day is not None and len(day) == 1 and day[0] not in b.days:
                r.fault("jour", f"le bus '{bus}' ne circule pas le {DAY_NAMES_FR[day[0]]}", "choisir un jour de circulation du bus")
            if weeks and (min(weeks) < 1 or max(weeks) > b.cycle_weeks):
                r.fault("semaines", f"semaines {weeks} hors du cycle de {b.cycle_weeks} semaines", f"écrire des numéros de 1 à {b.cycle_weeks}")
        if start is not None and end is not None and end <= start:
            r.fault("fin", f"fin {hhmm(end)} avant le début {hhmm(start)}", "écrire une heure de fin après l'heure de début")
        if site is not None:
            check_site(r, site, "site", "lieu de l'engagement")
        if r.ok:
            c = build_model(
                FixedCommitment,
                dict(id=cid, bus_id=bus, weekday=day[0], start_s=start, end_s=end, weeks=weeks, site_id=site, note=note),
                r,
            )
            if c is not None:
                res.append(c)
    check_duplicates(t, ids, out)
    return res
