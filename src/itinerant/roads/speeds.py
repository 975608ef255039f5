"""French road speeds: ``maxspeed`` when usable, else legal limits by road class and
settlement (built-up area or open road).

Speeds (``speed_kph``) when ``maxspeed`` is absent or unusable
(``none``/``signals``/``variable``):

==============================  ======  =========================================
road class                      km/h    note
==============================  ======  =========================================
motorway                        130
motorway_link                   70
trunk, oneway (dual carriage.)  110     50 inside a built-up area
trunk, two-way                  80      50 inside a built-up area
trunk_link                      70
primary/secondary/tertiary      80      rural two-way limit since 2018;
unclassified, road (+ _link)            50 inside a built-up area
residential                     50      always treated as built-up
living_street                   20
service                         20      (not in the drive graph: osmnx filter)
track                           15      (not in the drive graph)
anything else                   30
==============================  ======  =========================================

Settlement type on the road graph: a segment is "inside a built-up area"
(agglomération) when its midpoint lies within a radius of a ``place=*`` node, the radius
growing with the kind of settlement (city 3 000 m, town 1 500 m, suburb/village 600 m,
quarter/neighbourhood 300 m, hamlet 250 m). These are legal limits, i.e. free-flow
speeds: real times on narrow or winding roads are longer. (The estimated model, without
a road file, has its own settlement speeds from the communes' density grid:
:mod:`itinerant.roads.estimate`.)
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from itinerant.core.units import local_xy_m

#: Default speeds by highway class outside built-up areas, km/h (see module doc).
RURAL_SPEED_KPH: dict[str, float] = {
    "motorway": 130.0,
    "motorway_link": 70.0,
    "trunk": 80.0,  # 110 when oneway (dual carriageway), see speed_for
    "trunk_link": 70.0,
    "primary": 80.0,
    "primary_link": 80.0,
    "secondary": 80.0,
    "secondary_link": 80.0,
    "tertiary": 80.0,
    "tertiary_link": 80.0,
    "unclassified": 80.0,
    "road": 80.0,
    "residential": 50.0,
    "living_street": 20.0,
    "service": 20.0,
    "track": 15.0,
}
URBAN_SPEED_KPH = 50.0
DEFAULT_SPEED_KPH = 30.0
DUAL_CARRIAGEWAY_SPEED_KPH = 110.0
BUILT_UP_CLASSES = ("residential", "living_street")
"""Road classes treated as inside a built-up area wherever they are."""
PLACE_RADIUS_M: dict[str, float] = {
    "city": 3000.0,
    "town": 1500.0,
    "suburb": 600.0,
    "village": 600.0,
    "quarter": 300.0,
    "neighbourhood": 300.0,
    "hamlet": 250.0,
}
"""Radius (m) of the built-up area around a ``place=*`` node, by kind of settlement."""
#: Implicit maxspeed values ("FR:urban", "walk"...), km/h. French values.
IMPLICIT_MAXSPEED_KPH: dict[str, float] = {
    "urban": 50.0,
    "rural": 80.0,
    "motorway": 130.0,
    "trunk": 110.0,
    "living_street": 20.0,
    "zone30": 30.0,
    "zone:30": 30.0,
    "zone20": 20.0,
    "zone:20": 20.0,
    "walk": 6.0,
}

_MAXSPEED_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")


def parse_maxspeed(value: Any) -> float | None:
    """Speed in km/h of an OSM ``maxspeed`` value, or None when unusable.

    Understands numbers ("50", "50 km/h"), miles per hour ("30 mph"), knots,
    implicit values ("FR:urban", "FR:rural", "FR:motorway", "FR:zone30", "walk")
    and lists ("50;70" -> mean, like osmnx). "none", "signals", "variable" -> None.
    """
    if value is None:
        return None
    if isinstance(value, list):  # merged edges (defensive)
        good = [v for v in (parse_maxspeed(x) for x in value) if v is not None]
        return sum(good) / len(good) if good else None
    parts = [p for p in str(value).split(";") if p.strip()]
    if len(parts) > 1:
        return parse_maxspeed(parts)
    text = str(value).strip()
    m = _MAXSPEED_RE.match(text)
    if m:
        number = float(m.group(1).replace(",", "."))
        if m.group(2) == "mph":
            number *= 1.609344
        elif m.group(2) == "knots":
            number *= 1.852
        return number if number > 0 else None
    key = text.split(":", 1)[1] if re.match(r"^[A-Za-z]{2}:", text) else text
    return IMPLICIT_MAXSPEED_KPH.get(key.lower())


def speed_for(highway: str | list[str], maxspeed: Any, *, oneway: bool, urban: bool) -> float:
    """Speed (km/h) of a road segment: ``maxspeed`` if usable, else the class table
    (capped at :data:`URBAN_SPEED_KPH` inside a built-up area, motorways excepted)."""
    parsed = parse_maxspeed(maxspeed)
    if parsed is not None:
        return parsed
    hw = highway[0] if isinstance(highway, list) else str(highway)
    base = RURAL_SPEED_KPH.get(hw, DEFAULT_SPEED_KPH)
    if hw == "trunk" and oneway:
        base = DUAL_CARRIAGEWAY_SPEED_KPH
    if urban and hw not in ("motorway", "motorway_link") and base > URBAN_SPEED_KPH:
        return URBAN_SPEED_KPH
    return base


def built_up_mask(lat: np.ndarray, lon: np.ndarray, places: list[tuple[str, float, float]],
                  lat0: float) -> np.ndarray:
    """True where a point (degrees) lies within the built-up radius
    (:data:`PLACE_RADIUS_M`) of a ``place=*`` node ``(kind, lat, lon)``."""
    pts = local_xy_m(lat, lon, lat0)
    urban = np.zeros(len(pts), dtype=bool)
    for kind, radius in PLACE_RADIUS_M.items():
        found = [(la, lo) for k, la, lo in places if k == kind]
        if not found or not len(pts):
            continue
        arr = np.array(found)
        dist, _ = cKDTree(local_xy_m(arr[:, 0], arr[:, 1], lat0)).query(pts, distance_upper_bound=radius)
        urban |= np.isfinite(dist)
    return urban
