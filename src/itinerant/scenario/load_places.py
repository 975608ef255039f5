"""Loaders of the tables with places: ``communes``, ``sites``, ``residents``."""

from __future__ import annotations

from itinerant.scenario.bounds import MAX_POPULATION
from itinerant.scenario.cells import (
    parse_bool,
    parse_float,
    parse_int,
    parse_kind,
    parse_mobility,
)
from itinerant.scenario.model import (
    Commune,
    Resident,
    Site,
)
from itinerant.scenario.rows import (
    Collector,
    CommuneCheck,
    PointCheck,
    Row,
    Rows,
    build_model,
    check_duplicates,
)


def load_communes(t: Rows | None, out: Collector) -> tuple[list[Commune], set[str]]:
    if t is None:
        return [], set()
    if not t.rows:
        out.add(t.file, None, "", "aucune commune", "ajouter une ligne par commune sous l'en-tête")
        return [], set()
    res: list[Commune] = []
    ids: list[tuple[int, str]] = []
    for row, cells in t.rows:
        r = Row(t, row, cells, out)
        code = r.get("code", required=True)
        name = r.get("nom", required=True)
        pop = r.get("population", parse_int, required=True)
        lat = r.get("lat", parse_float, required=True)
        lon = r.get("lon", parse_float, required=True)
        grid = r.get("grille_densite", parse_int)
        area = r.get("superficie_km2", parse_float)
        minb = r.get("passages_bus_min", parse_int)
        if pop is not None and pop < 0:
            r.fault("population", f"population négative ({pop})", "écrire un nombre positif")
        elif pop is not None and pop > MAX_POPULATION:
            r.fault("population", f"population de {pop} habitants invraisemblable pour une commune", f"écrire la population municipale (au plus {MAX_POPULATION})")
        if lat is not None and not -90 <= lat <= 90:
            r.fault("lat", f"latitude {lat:g} impossible", "écrire une latitude en degrés décimaux, entre -90 et 90")
        if lon is not None and not -180 <= lon <= 180:
            r.fault("lon", f"longitude {lon:g} impossible", "écrire une longitude en degrés décimaux, entre -180 et 180")
        if grid is not None and not 1 <= grid <= 7:
            r.fault("grille_densite", f"niveau {grid} hors de la grille INSEE", "écrire un entier de 1 à 7")
        if code is not None:
            ids.append((row, code))
        if r.ok:
            c = build_model(
                Commune,
                dict(code=code, name=name, population=pop, lat=lat, lon=lon, density_grid=grid, min_bus_visits=minb, area_km2=area),
                r,
            )
            if c is not None:
                res.append(c)
    check_duplicates(t, ids, out, "code")
    return res, {i for _, i in ids}



def load_sites(t: Rows | None, out: Collector, by_code: dict[str, Commune], check_point: PointCheck, check_commune: CommuneCheck) -> tuple[list[Site], dict[str, str | None]]:
    """Sites, and every declared site id -> kind (None if unreadable)."""
    if t is None:
        return [], {}
    if not t.rows:
        out.add(t.file, None, "", "aucun site", "ajouter au moins le bureau France services (type office)")
        return [], {}
    res: list[Site] = []
    kinds: dict[str, str | None] = {}
    ids: list[tuple[int, str]] = []
    for row, cells in t.rows:
        r = Row(t, row, cells, out)
        sid = r.get("id", required=True)
        name = r.get("nom", required=True)
        kind = r.get("type", parse_kind, required=True)
        code = r.get("commune", required=True)
        lat = r.get("lat", parse_float)
        lon = r.get("lon", parse_float)
        approx = r.get("approximatif", parse_bool, default=False)
        existing = r.get("existant", parse_bool, default=False)
        hours = r.get("heures_hebdo", parse_float)
        opening = r.get("horaires", default="")
        phone = r.get("telephone", default="")
        address = r.get("adresse", default="")
        if sid is not None:
            ids.append((row, sid))
            kinds.setdefault(sid, kind)
        known = check_commune(r, code)
        if (lat is None) != (lon is None) and r.ok:
            r.fault("lat" if lat is None else "lon", "coordonnée incomplète", "remplir lat et lon, ou les laisser vides toutes deux (point de la mairie)")
        elif lat is None and lon is None and known and code in by_code:
            c = by_code[code]
            lat, lon, approx = c.lat, c.lon, True
        check_point(r, lat, lon, code)
        if hours is not None and hours < 0:
            r.fault("heures_hebdo", "nombre d'heures négatif", "écrire un nombre positif ou laisser vide")
        elif hours is not None and hours > 168:
            r.fault("heures_hebdo", f"{hours:g} heures par semaine : une semaine n'en compte que 168", "écrire les heures d'ouverture par semaine")
        if r.ok and lat is not None:
            s = build_model(
                Site,
                dict(id=sid, name=name, kind=kind, commune_code=code, lat=lat, lon=lon, approximate=approx, existing=existing, weekly_hours=hours, opening=opening, phone=phone, address=address),
                r,
            )
            if s is not None:
                res.append(s)
    check_duplicates(t, ids, out)
    return res, kinds



def load_residents(t: Rows | None, out: Collector, check_point: PointCheck, check_commune: CommuneCheck) -> tuple[list[Resident], set[str]]:
    if t is None:
        return [], set()
    res: list[Resident] = []
    ids: list[tuple[int, str]] = []
    for row, cells in t.rows:
        r = Row(t, row, cells, out)
        rid = r.get("id", required=True)
        code = r.get("commune", required=True)
        lat = r.get("lat", parse_float, required=True)
        lon = r.get("lon", parse_float, required=True)
        mob = r.get("mobilite", parse_mobility, required=True)
        syn = r.get("synthetique", parse_bool, default=True) if "synthetique" in t.colmap else True
        name = r.get("nom", default="")
        addr = r.get("adresse", default="")
        age = r.get("age", parse_int)
        if rid is not None:
            ids.append((row, rid))
        check_commune(r, code)
        check_point(r, lat, lon, code)
        if age is not None and not 0 <= age <= 120:
            r.fault("age", f"âge {age} impossible", "écrire un âge entre 0 et 120, ou laisser vide")
        if r.ok:
            res.append(
                Resident(id=rid, commune_code=code, lat=lat, lon=lon, mobility=mob, synthetic=syn, name=name, address=addr, age=age)
            )
    check_duplicates(t, ids, out)
    return res, {i for _, i in ids}
