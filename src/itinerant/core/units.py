"""Units shared by every layer: clock times, weekday names, great-circle distance.

One of each: the only time parser, the only table of weekday names and the only
haversine in itinerant (numpy only, no other itinerant import).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

import numpy as np

EARTH_RADIUS_M = 6_371_009.0
"""Mean Earth radius (IUGG), metres."""

DAY_S = 24 * 3600
"""Seconds in a day."""

WEEKDAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
"""Weekday names by language, Monday first (index = ``date.weekday()``)."""

WEEKDAYS_FR = WEEKDAYS["fr"]
"""French weekday names, Monday first."""

WEEKDAY_ALIASES: dict[int, tuple[str, ...]] = {
    0: ("lun", "lundi", "mon", "monday", "lu", "mo"),
    1: ("mar", "mardi", "tue", "tues", "tuesday", "ma", "tu"),
    2: ("mer", "mercredi", "wed", "wednesday", "me", "we"),
    3: ("jeu", "jeudi", "thu", "thur", "thurs", "thursday", "je", "th"),
    4: ("ven", "vendredi", "fri", "friday", "ve", "fr"),
    5: ("sam", "samedi", "sat", "saturday", "sa"),
    6: ("dim", "dimanche", "sun", "sunday", "di", "su"),
}
"""Every accepted spelling of a weekday (lower case, no accents) -> index."""

def short_day(d: dt.date, language: str = "fr") -> str:
    """« mercredi 2/12 » (``Wednesday 2/12`` in English): weekday, day/month."""
    return f"{WEEKDAYS.get(language, WEEKDAYS['fr'])[d.weekday()]} {d.day}/{d.month}"


WEEKDAY_OF = {alias: d for d, aliases in WEEKDAY_ALIASES.items() for alias in aliases}


class BadValue(ValueError):
    """A value that cannot be read, with what is wrong and how to fix it (French)."""

    def __init__(self, message: str, fix: str = ""):
        super().__init__(message)
        self.message = message
        self.fix = fix


_TIME_RE = re.compile(r"^(\d{1,2})\s*(?:[:hH]\s*(\d{1,2})?)?(?::(\d{2}))?$")


def parse_time(text: str, *, allow_24: bool = True) -> int:
    """Clock time -> seconds since midnight.

    ``"09:30"``, ``"9h30"``, ``"9h"``, ``"09:30:00"`` -> 34200. Raises :class:`BadValue`.
    """
    m = _TIME_RE.match(str(text).strip())
    if not m:
        raise BadValue(f"'{text}' n'est pas une heure", "écrire HH:MM, par exemple 09:30 ou 9h30")
    h, mi, s = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if mi > 59 or s > 59 or h > 24 or (h == 24 and (mi or s or not allow_24)):
        raise BadValue(f"'{text}' n'est pas une heure valide", "écrire HH:MM entre 00:00 et 24:00")
    return h * 3600 + mi * 60 + s


def hhmm(seconds: int, *, with_seconds: bool = False) -> str:
    """Seconds since midnight -> ``"HH:MM"`` (``"HH:MM:SS"`` with ``with_seconds``)."""
    seconds = int(seconds)
    text = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
    return f"{text}:{seconds % 60:02d}" if with_seconds else text


def strip_accents(text: str) -> str:
    """``"Cœur émue"`` -> ``"Cœur emue"`` (combining marks removed)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def parse_weekday(text: str | int) -> int:
    """Weekday index (0 = Monday) from ``"mardi"``, ``"mar"``, ``"Tuesday"`` or an int.

    Raises :class:`BadValue`.
    """
    if isinstance(text, int):
        if 0 <= text <= 6:
            return text
        raise BadValue(f"'{text}' n'est pas un jour de la semaine", "0 = lundi … 6 = dimanche")
    s = strip_accents(str(text).strip().lower()).rstrip(".")
    if s.isdigit() and 0 <= int(s) <= 6:
        return int(s)
    if s in WEEKDAY_OF:
        return WEEKDAY_OF[s]
    for names in WEEKDAYS.values():
        for i, n in enumerate(names):
            if len(s) >= 3 and strip_accents(n.lower()).startswith(s):
                return i
    raise BadValue(f"'{text}' n'est pas un jour de la semaine", "écrire lun, mar, mer, jeu, ven, sam ou dim")


def haversine_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance between WGS84 points (degrees), metres.

    Scalars give a float (computed with ``math``: ten times faster than numpy on one
    pair, same formula); arrays broadcast (numpy) and give an array.
    """
    if all(isinstance(x, (int, float)) for x in (lat1, lon1, lat2, lon2)):
        q1, q2 = math.radians(lat1), math.radians(lat2)
        h = (math.sin((q2 - q1) / 2) ** 2
             + math.cos(q1) * math.cos(q2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
        return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, max(0.0, h))))
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


def local_xy_m(lat: Any, lon: Any, lat0: float) -> np.ndarray:
    """Equirectangular metres around latitude ``lat0`` (degrees), shape (n, 2): x east, y north.

    Good for nearest-point searches over a few tens of km, not for distances.
    """
    k = math.pi / 180 * EARTH_RADIUS_M
    return np.column_stack([np.asarray(lon) * k * math.cos(math.radians(lat0)), np.asarray(lat) * k])
