"""The territory's bounds and the place checks shared by every table with points.

The territory is the bounding box of the town halls, grown by
:data:`TERRITORY_BUFFER_M` (or by a large commune's radius); a point outside it is a
fault naming the nearest town hall, with a hint when latitude and longitude look swapped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from itinerant.core.errors import Fault
from itinerant.core.units import (
    haversine_m,
)
from itinerant.scenario.model import (
    Commune,
)
from itinerant.scenario.rows import (
    Collector,
    CommuneCheck,
    PointCheck,
    Row,
    Rows,
    suggest,
)

MAX_ROW_FAULTS = 50
"""Point faults listed for one table (the rest are counted)."""

TERRITORY_BUFFER_M = 5000
"""Places farther than this outside the bounding box of the town halls are faults, metres
(a commune with ``superficie_km2`` widens it to 1.5 times its equivalent-disc radius)."""


# -- geometry ------------------------------------------------------------------------------


@dataclass
class Territory:
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float

    @classmethod
    def around(cls, points: list[tuple[float, float, float]]) -> Territory | None:
        """Bounding box of ``(lat, lon, buffer_m)`` points, each grown by its buffer."""
        if not points:
            return None
        box = [90.0, -90.0, 180.0, -180.0]
        for lat, lon, buf in points:
            dlat = buf / 111_320.0
            dlon = buf / (111_320.0 * max(0.05, math.cos(math.radians(lat))))
            box = [min(box[0], lat - dlat), max(box[1], lat + dlat), min(box[2], lon - dlon), max(box[3], lon + dlon)]
        return cls(*box)

    def contains(self, lat: float, lon: float) -> bool:
        return self.lat_min <= lat <= self.lat_max and self.lon_min <= lon <= self.lon_max



FRANCE_ZONES: dict[str, tuple[float, float, float, float]] = {
    # name: (lat_min, lat_max, lon_min, lon_max), degrees, with a margin of a few km
    "France métropolitaine": (41.3, 51.2, -5.3, 9.7),
    "Guadeloupe": (15.8, 16.6, -61.9, -60.9),
    "Martinique": (14.3, 14.9, -61.3, -60.8),
    "Guyane": (2.1, 5.8, -54.7, -51.5),
    "La Réunion": (-21.5, -20.8, 55.1, 55.9),
    "Mayotte": (-13.1, -12.6, 44.9, 45.4),
    "Saint-Pierre-et-Miquelon": (46.7, 47.2, -56.5, -56.1),
    "Saint-Martin et Saint-Barthélemy": (17.8, 18.2, -63.2, -62.7),
    "Nouvelle-Calédonie": (-22.9, -19.4, 163.4, 168.3),
    "Polynésie française": (-28.0, -7.0, -155.0, -134.0),
    "Wallis-et-Futuna": (-14.5, -13.1, -178.3, -176.0),
}
"""Where a France services territory can lie (bounding boxes, with a small margin)."""

MAX_POPULATION = 2_200_000
"""Largest plausible commune population (Paris: 2.1 million)."""

_TABLE_WRONG_SHARE = 0.5
"""Share of a table's points outside the territory from which the table, not each row, is wrong."""


def in_france(lat: float, lon: float) -> bool:
    """Whether ``(lat, lon)`` lies in metropolitan or overseas France (:data:`FRANCE_ZONES`)."""
    return any(a <= lat <= b and c <= lon <= d for a, b, c, d in FRANCE_ZONES.values())


def commune_reach_m(c: Commune) -> float:
    """How far from its town hall a commune's homes may lie, metres (at least
    :data:`TERRITORY_BUFFER_M`; 1.5 times the equivalent-disc radius of ``superficie_km2``)."""
    radius = 1500 * math.sqrt(c.area_km2 / math.pi) if c.area_km2 else 0.0
    return max(TERRITORY_BUFFER_M, radius)


def in_commune_m(c: Commune) -> float:
    """Farthest a point said to be in commune ``c`` may lie from its town hall, metres:
    2.5 times the equivalent-disc radius of ``superficie_km2`` (town halls are seldom
    central), at least :data:`TERRITORY_BUFFER_M`; 10 km when the area is unknown."""
    if not c.area_km2:
        return 10_000.0
    return max(TERRITORY_BUFFER_M, 2500 * math.sqrt(c.area_km2 / math.pi))


def territory_bounds(communes: list[Commune], t: Rows | None, out: Collector) -> Territory | None:
    """The territory's box, or None when the communes table is wrong as a whole (then one
    fault names it, and no point elsewhere is checked against it: no cascade)."""
    if not communes:
        return None
    lats = sorted(c.lat for c in communes)
    lons = sorted(c.lon for c in communes)
    mlat, mlon = lats[len(lats) // 2], lons[len(lons) // 2]
    file = t.file if t else "communes.csv"
    if not in_france(mlat, mlon):
        if in_france(mlon, mlat):
            out.add(file, None, "lat", f"latitude et longitude inversées dans tout le fichier (point médian {mlat:g}, {mlon:g})",
                    "échanger les titres des colonnes 'lat' et 'lon'")
        else:
            out.add(file, None, "lat", f"les mairies sont hors de France (point médian {mlat:g}, {mlon:g})",
                    "vérifier lat/lon : degrés décimaux WGS84, par exemple 46,436 et 4,658 pour Cluny")
        return None
    # A commune far from all the others (lat/lon typo) must not stretch the box.
    good = []
    rows = {cells[t.colmap["code"]]: row for row, cells in t.rows} if t else {}
    for c in communes:
        if haversine_m(c.lat, c.lon, mlat, mlon) > 150_000:
            out.add(file, rows.get(c.code), t.col("lat") if t else "lat", f"mairie de {c.name} à plus de 150 km des autres communes", "vérifier lat/lon (inversées ?)")
        else:
            # A large commune's homes may lie farther than the buffer from its town hall.
            good.append((c.lat, c.lon, commune_reach_m(c)))
    return Territory.around(good)


def point_checks(
    by_code: dict[str, Commune], declared_codes: set[str], territory: Territory | None, communes_file: str
) -> tuple[PointCheck, CommuneCheck, Callable[[Collector], None]]:
    """The row checks shared by every table with places, and the closing step.

    ``check_point(r, lat, lon, code=None)``: the point lies in the territory and, when the
    row names its commune, near that commune's town hall. ``check_commune(r, code)``: the
    code is declared. ``finish(out)`` writes the point faults: one per row, or one for the
    whole table when most of its points are outside (swapped or shifted columns).
    """
    seen: dict[str, int] = {}
    pending: dict[str, list[tuple[Fault, bool]]] = {}

    def check_point(r: Row, lat: float | None, lon: float | None, code: str | None = None) -> None:
        if lat is None or lon is None or territory is None or not by_code:
            return
        file = r.t.file
        seen[file] = seen.get(file, 0) + 1
        if not territory.contains(lat, lon):
            nearest = min(by_code.values(), key=lambda c: haversine_m(lat, lon, c.lat, c.lon))
            km = haversine_m(lat, lon, nearest.lat, nearest.lon) / 1000
            swapped = territory.contains(lon, lat)
            fix = "latitude et longitude inversées ?" if swapped else "vérifier lat/lon (degrés décimaux WGS84)"
            r.ok = False
            fault = Fault(file, r.row, r.t.col("lat"), f"point ({lat:g}, {lon:g}) hors du territoire, à {km:.0f} km de la mairie la plus proche ({nearest.name})", fix)
            pending.setdefault(file, []).append((fault, swapped))
            return
        c = by_code.get(code) if code else None
        if c is not None:
            d = haversine_m(lat, lon, c.lat, c.lon)
            if d > in_commune_m(c):
                r.fault("commune", f"point à {d / 1000:.1f} km de la mairie de {c.name} ({c.code}) : hors de cette commune ?",
                        "vérifier le code commune, ou lat/lon")

    def check_commune(r: Row, code: str | None, canon: str = "commune") -> bool:
        if code is None or not declared_codes:
            return code is not None
        if code not in declared_codes:
            near = suggest(code, declared_codes)
            r.unknown("communes", canon, f"code commune '{code}' inconnu (absent de {communes_file})", near or "utiliser un code INSEE de la table communes")
            return False
        return True

    def finish(out: Collector) -> None:
        for file, items in pending.items():
            n = len(items)
            total = seen.get(file, n)
            if n >= 3 and n >= _TABLE_WRONG_SHARE * total:
                swapped = sum(s for _, s in items) > n / 2
                what = "latitude et longitude inversées ?" if swapped else "vérifier lat/lon de tout le fichier (degrés décimaux WGS84)"
                col = items[0][0].column
                out.add(file, None, col, f"{n} points sur {total} hors du territoire (premier : ligne {items[0][0].row})", what)
                continue
            out.faults.extend(f for f, _ in items[:MAX_ROW_FAULTS])
            if n > MAX_ROW_FAULTS:
                out.add(file, None, items[0][0].column, f"… et {n - MAX_ROW_FAULTS} autres points hors du territoire", "vérifier lat/lon")
        pending.clear()

    return check_point, check_commune, finish
