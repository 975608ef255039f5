"""Small unit helpers shared by every layer (standard library only)."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_000.0


def hhmm(seconds: int) -> str:
    """Seconds since midnight -> ``"HH:MM"`` (seconds dropped): 34200 -> ``"09:30"``."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS84 points (degrees), metres.

    See :func:`itinerant.estimate.haversine_m` for the numpy (vectorised) version.
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
