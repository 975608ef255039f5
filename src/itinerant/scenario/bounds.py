"""The territory's bounds and the place checks shared by every table with points.

The territory is the bounding box of the town halls, grown by
:data:`TERRITORY_BUFFER_M` (or by a large commune's radius); a point outside it is a
fault naming the nearest town hall, with a hint when latitude and longitude look swapped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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



def territory_bounds(communes: list[Commune], t: Rows | None, out: Collector) -> Territory | None:
    if not communes:
        return None
    # A commune far from all the others (lat/lon typo) must not stretch the box.
    lats = sorted(c.lat for c in communes)
    lons = sorted(c.lon for c in communes)
    mlat, mlon = lats[len(lats) // 2], lons[len(lons) // 2]
    good = []
    rows = {cells[t.colmap["code"]]: row for row, cells in t.rows} if t else {}
    for c in communes:
        if haversine_m(c.lat, c.lon, mlat, mlon) > 150_000:
            out.add(t.file if t else "communes.csv", rows.get(c.code), t.col("lat") if t else "lat", f"mairie de {c.name} à plus de 150 km des autres communes", "vérifier lat/lon (inversées ?)")
        else:
            # A large commune's homes may lie farther than the buffer from its town hall.
            radius = 1500 * math.sqrt(c.area_km2 / math.pi) if c.area_km2 else 0.0
            good.append((c.lat, c.lon, max(TERRITORY_BUFFER_M, radius)))
    return Territory.around(good)



def point_checks(
    by_code: dict[str, Commune], declared_codes: set[str], territory: Territory | None, communes_file: str
) -> tuple[PointCheck, CommuneCheck]:
    """The two row checks shared by every table with places: territory and commune code."""

    def check_point(r: Row, lat: float | None, lon: float | None) -> None:
        if lat is None or lon is None or territory is None or not by_code:
            return
        if not territory.contains(lat, lon):
            nearest = min(by_code.values(), key=lambda c: haversine_m(lat, lon, c.lat, c.lon))
            km = haversine_m(lat, lon, nearest.lat, nearest.lon) / 1000
            swapped = territory.contains(lon, lat)
            fix = "latitude et longitude inversées ?" if swapped else "vérifier lat/lon (degrés décimaux WGS84)"
            r.fault("lat", f"point ({lat:g}, {lon:g}) hors du territoire, à {km:.0f} km de la mairie la plus proche ({nearest.name})", fix)

    def check_commune(r: Row, code: str | None, canon: str = "commune") -> bool:
        if code is None or not declared_codes:
            return code is not None
        if code not in declared_codes:
            near = suggest(code, declared_codes)
            r.unknown("communes", canon, f"code commune '{code}' inconnu (absent de {communes_file})", near or "utiliser un code INSEE de la table communes")
            return False
        return True

    return check_point, check_commune
