"""The estimated travel model, used when no road file is available.

Road distance = great-circle (haversine) distance x :data:`CIRCUITY`. Driving time:
the first :data:`LOCAL_LEG_M` metres of road distance at :data:`LOCAL_SPEED_KPH`
(leaving a village street), the rest at :data:`RURAL_SPEED_KPH` (open road). So
short trips inside a commune run slower and long trips tend to the rural speed;
the duration is continuous and increasing in distance, symmetric, and 0 on the
diagonal.

Walking: great-circle distance x :data:`WALK_CIRCUITY`, at :data:`WALK_SPEED_KPH`.

The drive constants are fitted by ``benchmarks/calibrate_estimate.py`` on the real
road graph of the substitute territory (Andorra); see the comment next to them.
This module imports only numpy (solvers may use it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from itinerant.core.places import Place
from itinerant.core.units import haversine_m

# Fitted 2026-11-25 by benchmarks/calibrate_estimate.py on the whole Andorra drive graph
# (andorra_roads_pois.osm.pbf, 2 723 nodes; 315 places = 7 town halls + places.csv +
# 200 random nodes; 98 200 ordered pairs > 300 m apart). Circuity = median road/great-
# circle ratio (1.601); speeds by least squares on relative time error, leg by grid
# search (best: 1 000 m at 45.5 km/h, then 58.5 km/h). Absolute relative error against
# real road times: distance median 17.1 %, p90 41.8 %; time median 16.5 %, p90 42.5 %.
# Other forms (fixed overhead + one speed, power-law circuity) do no better: the error
# is the pair-to-pair spread of circuity in tree-like valleys. Short trips are
# under-estimated (median bias -15 to -20 % below 2 km: streets wind more).
# Andorra is mountainous (valley roads, hairpins): its circuity (1.60) is above what a
# meshed, rolling bocage like the Clunisois should show (about 1.25-1.35; not measurable
# here, no road file). So in the Clunisois these constants over-estimate distances and
# times by roughly 20 % for trips of several km: pessimistic, i.e. safe for planning
# tours. Re-run the script on a Clunisois extract when one is available.
CIRCUITY = 1.60
LOCAL_LEG_M = 1000.0
LOCAL_SPEED_KPH = 45.5
RURAL_SPEED_KPH = 58.5

WALK_CIRCUITY = 1.30
"""Not fitted: the usual urban detour index for short walks."""
WALK_SPEED_KPH = 4.0
"""Walking pace of an older person (km/h), used for every walk duration."""

DRIVE_SOURCE = (
    "estimé : distance à vol d'oiseau x {c:.2f}, {lm:.0f} premiers mètres à {lv:g} km/h "
    "puis {rv:g} km/h (pas de fichier de routes)"
)
WALK_SOURCE = "estimé : distance à vol d'oiseau x {c:.2f}, marche à {w:.0f} km/h (pas de fichier de routes)"


def drive_source() -> str:
    """Provenance text of an estimated drive matrix (French)."""
    return DRIVE_SOURCE.format(c=CIRCUITY, lm=LOCAL_LEG_M, lv=LOCAL_SPEED_KPH, rv=RURAL_SPEED_KPH).replace(".", ",")


def walk_source() -> str:
    """Provenance text of an estimated walk matrix (French)."""
    return WALK_SOURCE.format(c=WALK_CIRCUITY, w=WALK_SPEED_KPH).replace(".", ",")


def great_circle_m(origins: Sequence[Place], dests: Sequence[Place]) -> np.ndarray:
    """Great-circle distances (m), float array of shape (len(origins), len(dests))."""
    olat = np.array([p.lat for p in origins], dtype=float)[:, None]
    olon = np.array([p.lon for p in origins], dtype=float)[:, None]
    dlat = np.array([p.lat for p in dests], dtype=float)[None, :]
    dlon = np.array([p.lon for p in dests], dtype=float)[None, :]
    return np.asarray(haversine_m(olat, olon, dlat, dlon)).reshape(len(origins), len(dests))


def drive_time_s(road_m: np.ndarray | float) -> np.ndarray:
    """Estimated driving seconds for a road distance in metres (piecewise linear)."""
    d = np.asarray(road_m, dtype=float)
    local = np.minimum(d, LOCAL_LEG_M)
    rest = np.maximum(d - LOCAL_LEG_M, 0.0)
    return local * 3.6 / LOCAL_SPEED_KPH + rest * 3.6 / RURAL_SPEED_KPH


def drive_estimate(origins: Sequence[Place], dests: Sequence[Place]) -> tuple[np.ndarray, np.ndarray]:
    """(duration_s, distance_m) float arrays of shape (m, n), estimated driving."""
    road = great_circle_m(origins, dests) * CIRCUITY
    return drive_time_s(road), road


def walk_estimate(origins: Sequence[Place], dests: Sequence[Place]) -> tuple[np.ndarray, np.ndarray]:
    """(duration_s, distance_m) float arrays of shape (m, n), estimated walking."""
    road = great_circle_m(origins, dests) * WALK_CIRCUITY
    return road * 3.6 / WALK_SPEED_KPH, road
