"""Cell parsers: French spreadsheet text -> values in the model's units.

Each parser takes one stripped, non-empty cell and returns a value, or raises
:class:`~itinerant.core.units.BadValue` with what is wrong and how to fix it.
Clock times use :func:`itinerant.core.units.parse_time` (the only time parser).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable

from itinerant.core.units import (
    WEEKDAY_OF,
    WEEKDAYS_FR,
    BadValue,
    parse_time,
)
from itinerant.scenario.tables import normalize_name

# -- value vocabularies ----------------------------------------------------------------

DAY_NAMES_FR = WEEKDAYS_FR

_PRIORITY = {
    "must": "must", "obligatoire": "must", "haute": "must", "urgent": "must", "urgente": "must",
    "should": "should", "souhaitable": "should", "normale": "should", "moyenne": "should",
    "could": "could", "facultative": "could", "facultatif": "could", "optionnelle": "could",
    "optionnel": "could", "basse": "could",
}
_MOBILITY = {
    "none": "none", "aucune": "none", "nulle": "none", "immobile": "none", "grabataire": "none",
    "low": "low", "faible": "low", "reduite": "low", "limitee": "low", "pieton": "low",
    "car": "car", "voiture": "car", "vehicule": "car", "auto": "car", "autonome": "car",
}
_KINDS = {
    "office": "office", "bureau": "office", "france_services": "office", "siege": "office",
    "antenne": "antenne", "permanence": "antenne",
    "partner": "partner", "partenaire": "partner",
    "candidate": "candidate", "candidat": "candidate", "candidate_antenne": "candidate",
    "site_candidat": "candidate",
    "bus_stop": "bus_stop", "arret_bus": "bus_stop", "arret": "bus_stop", "halte": "bus_stop",
    "stationnement": "bus_stop",
    "home": "home", "domicile": "home",
}
_TRUE = {"oui", "o", "true", "vrai", "1", "yes", "y", "x"}
_FALSE = {"non", "n", "false", "faux", "0", "no", ""}

_WINDOW_SPLIT = re.compile(r"\s*(?:\||,|;|\s/\s|\bet\b)\s*")
_LIST_SPLIT = re.compile(r"\s*[|,;/+]\s*|\s+et\s+|\s+")
_RANGE_SPLIT = re.compile(r"\s*(?:-|–|—|\bà\b|\ba\b)\s*")
_DURATION_RE = re.compile(r"^(?:(\d+)\s*h\s*(\d{1,2})?\s*(?:min)?|(\d+)\s*(?:min|mn|m)?)$", re.IGNORECASE)


# -- cell parsers (each raises BadValue) ---------------------------------------------------


def parse_window(text: str) -> tuple[int, int]:
    """``"09:00-12:00"`` or ``"9h-12h"`` -> ``(start_s, end_s)``; end must follow start."""
    parts = [p for p in _RANGE_SPLIT.split(text.strip()) if p]
    if len(parts) != 2:
        raise BadValue(f"'{text}' n'est pas une plage horaire", "écrire HH:MM-HH:MM, par exemple 09:00-12:00")
    try:
        a, b = parse_time(parts[0]), parse_time(parts[1])
    except BadValue:
        raise BadValue(f"'{text}' n'est pas une plage horaire", "écrire HH:MM-HH:MM, par exemple 09:00-12:00") from None
    if b <= a:
        word = "se termine avant de commencer" if b < a else "dure zéro minute"
        raise BadValue(f"'{text}' {word}", "écrire HH:MM-HH:MM")
    return a, b


def parse_windows(text: str) -> tuple[tuple[int, int], ...]:
    """``"09:00-12:00|14:00-17:00"`` (also ``" / "`` or ``","``) -> sorted merged windows."""
    wins = sorted(parse_window(p) for p in _WINDOW_SPLIT.split(text.strip()) if p)
    if not wins:
        raise BadValue(f"'{text}' ne contient aucune plage horaire", "écrire HH:MM-HH:MM, par exemple 09:00-12:00")
    merged: list[tuple[int, int]] = []
    for a, b in wins:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


def parse_days(text: str) -> tuple[int, ...]:
    """``"lun|mar|jeu"``, ``"lundi, jeudi"``, ``"mon tue"``, ``"lun-ven"`` -> weekdays (0 = Monday)."""
    days: set[int] = set()
    for part in _LIST_SPLIT.split(text.strip()):
        if not part:
            continue
        rng = [normalize_name(p).rstrip("_") for p in re.split(r"\s*[-–]\s*", part)]
        rng = [r.rstrip(".") for r in rng]
        if len(rng) == 2 and rng[0] in WEEKDAY_OF and rng[1] in WEEKDAY_OF:
            a, b = WEEKDAY_OF[rng[0]], WEEKDAY_OF[rng[1]]
            if b < a:
                raise BadValue(f"'{part}' : plage de jours à l'envers", "écrire par exemple lun-ven")
            days.update(range(a, b + 1))
            continue
        key = normalize_name(part)
        if key not in WEEKDAY_OF:
            raise BadValue(f"'{part}' n'est pas un jour de la semaine", "écrire lun, mar, mer, jeu, ven, sam ou dim, séparés par '|'")
        days.add(WEEKDAY_OF[key])
    if not days:
        raise BadValue("aucun jour indiqué", "écrire par exemple lun|mar|jeu")
    return tuple(sorted(days))


def parse_skills(text: str) -> tuple[str, ...]:
    """``"numérique|santé"`` -> ``("numerique", "sante")`` (accents and case ignored)."""
    out: list[str] = []
    for part in re.split(r"\s*[|,;/+]\s*", text.strip()):
        key = normalize_name(part)
        if key and key not in out:
            out.append(key)
    return tuple(out)


def parse_float(text: str) -> float:
    """``"46,436"`` or ``"46.436"`` -> 46.436."""
    t = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        raise BadValue(f"'{text}' n'est pas un nombre", "écrire un nombre, par exemple 46,436 ou 46.436") from None
    if not math.isfinite(v):
        raise BadValue(f"'{text}' n'est pas un nombre fini", "écrire un nombre")
    return v


def parse_int(text: str) -> int:
    """``"4 980"`` or ``"4980"`` -> 4980 (no decimals)."""
    v = parse_float(text)
    if not v.is_integer():
        raise BadValue(f"'{text}' n'est pas un nombre entier", "écrire un nombre entier, sans décimales")
    return int(v)


def parse_duration(text: str) -> int:
    """Minutes (``"45"``, ``"45 min"``) or hours (``"1h30"``, ``"1:30"``) -> seconds."""
    t = text.strip()
    if ":" in t:
        try:
            return parse_time(t)
        except BadValue:
            raise BadValue(f"'{text}' n'est pas une durée", "écrire des minutes (45) ou des heures (1h30)") from None
    m = _DURATION_RE.match(t)
    if not m:
        try:
            return round(parse_float(t) * 60)
        except BadValue:
            raise BadValue(f"'{text}' n'est pas une durée", "écrire des minutes (45) ou des heures (1h30)") from None
    if m.group(3) is not None:
        return int(m.group(3)) * 60
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if mi > 59:
        raise BadValue(f"'{text}' n'est pas une durée", "écrire des minutes (45) ou des heures (1h30)")
    return h * 3600 + mi * 60


def parse_bool(text: str) -> bool:
    """``oui/non``, ``vrai/faux``, ``true/false``, ``1/0``, ``x`` -> bool (empty = non)."""
    key = normalize_name(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise BadValue(f"'{text}' n'est ni oui ni non", "écrire oui ou non")


def parse_date(text: str) -> dt.date:
    """``"2026-12-01"`` or ``"01/12/2026"`` -> date."""
    t = text.strip().split(" ")[0]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise BadValue(f"'{text}' n'est pas une date", "écrire AAAA-MM-JJ ou JJ/MM/AAAA, par exemple 2026-12-01")


def _choice(vocab: dict[str, str], expected: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        key = normalize_name(text)
        if key in vocab:
            return vocab[key]
        near = difflib.get_close_matches(key, list(vocab), n=1, cutoff=0.6)
        hint = f" (vouliez-vous dire '{vocab[near[0]]}' ?)" if near else ""
        raise BadValue(f"'{text}' n'est pas une valeur possible{hint}", f"écrire {expected}")

    return parse


parse_priority = _choice(_PRIORITY, "must, should ou could (obligatoire, souhaitable, facultative)")
parse_mobility = _choice(_MOBILITY, "none, low ou car (aucune, faible, voiture)")
parse_kind = _choice(_KINDS, "office, antenne, partner, candidate, bus_stop ou home")


_MODES = {
    "domicile": "domicile", "home": "domicile", "a_domicile": "domicile", "maison": "domicile",
    "mairie": "mairie", "town_hall": "mairie", "townhall": "mairie", "en_mairie": "mairie",
    "mairie_d_habitation": "mairie",
}
_BOTH = {"les_deux", "both", "deux", "indifferent"}
_DUTY_KINDS = {
    "office": "office", "accueil": "office", "bureau": "office", "guichet": "office",
    "antenne": "antenne", "permanence": "antenne",
    "partner": "partner", "partenaire": "partner",
    "workshop": "workshop", "atelier": "workshop",
}
parse_duty_kind = _choice(_DUTY_KINDS, "accueil, antenne, partenaire ou atelier")


def parse_modes(text: str) -> tuple[str, ...]:
    """``"domicile|mairie"``, ``"mairie"``, ``"les deux"`` -> ``("domicile", "mairie")``."""
    if normalize_name(text) in _BOTH:
        return ("domicile", "mairie")
    one = _choice(_MODES, "domicile, mairie ou domicile|mairie")
    found = {one(p) for p in _LIST_SPLIT.split(text.strip()) if p}
    return tuple(m for m in ("domicile", "mairie") if m in found)


def parse_hours(text: str) -> int:
    """Hours of a contract -> seconds: ``"35"``, ``"24,5"``, ``"28h30"`` -> 126000, 88200, 102600."""
    t = text.strip().lower().replace(" ", "")
    if "h" in t and not t.endswith("h"):
        return parse_duration(t)
    t = t.rstrip("h").replace(",", ".")
    try:
        h = float(t)
    except ValueError:
        raise BadValue(f"'{text}' n'est pas un nombre d'heures", "écrire par exemple 35, 24,5 ou 28h30") from None
    if not math.isfinite(h) or h <= 0 or h > 80:
        raise BadValue(f"'{text}' heures par semaine : impossible", "écrire un nombre d'heures entre 1 et 80")
    return int(round(h * 3600))
