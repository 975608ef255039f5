"""Loading and validating a scenario folder.

A scenario is a folder holding ``scenario.yaml`` and tables (``communes``,
``sites``, ``advisors``, ``visits``, ``residents``, ``bus``, ``commitments``), each
as ``.csv`` or ``.xlsx``. :func:`load_scenario` reads them, turns French cells
("9h30", "lun|mar", "46,436", "oui") into the units of :mod:`itinerant.scenario.model`,
checks every cross-reference, and either returns a frozen
:class:`~itinerant.scenario.model.Scenario` or raises :class:`~itinerant.core.errors.InputError`
once with *every* fault found. The format is described in ``docs/scenario-format.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from itinerant.core.errors import Fault, InputError
from itinerant.core.units import (
    DAY_S,
    WEEKDAY_OF,
    WEEKDAYS_FR,
    BadValue,
    haversine_m,
    hhmm,
    parse_time,
)
from itinerant.scenario.model import (
    Advisor,
    Bus,
    Calendar,
    Commune,
    FixedCommitment,
    Resident,
    Scenario,
    Settings,
    Site,
    Visit,
)
from itinerant.scenario.tables import TABLE_SUFFIXES, Table, normalize_name, read_table

__all__ = ["load_scenario", "validate_scenario", "read_visits", "french_holidays", "TABLES", "COLUMNS", "TERRITORY_BUFFER_M"]

TERRITORY_BUFFER_M = 5000
"""Places farther than this outside the bounding box of the town halls are faults, metres
(a commune with ``superficie_km2`` widens it to 1.5 times its equivalent-disc radius)."""


# -- column specifications -----------------------------------------------------------
# canonical column name -> (aliases, required). Aliases are compared after
# normalize_name (accents, case and spaces do not matter).


@dataclass(frozen=True)
class _Col:
    aliases: tuple[str, ...] = ()
    required: bool = False


def _c(*aliases: str, required: bool = False) -> _Col:
    return _Col(tuple(aliases), required)


COLUMNS: dict[str, dict[str, _Col]] = {
    "communes": {
        "code": _c("code_insee", "insee", "code_commune", required=True),
        "nom": _c("name", "commune", "libelle", required=True),
        "population": _c("pop", "population_municipale", "habitants", required=True),
        "lat": _c("latitude", "lat_mairie", required=True),
        "lon": _c("longitude", "lng", "lon_mairie", required=True),
        "grille_densite": _c("density_grid", "densite"),
        "superficie_km2": _c("area_km2", "surface_km2", "superficie"),
        "passages_bus_min": _c("min_bus_visits", "passages_min"),
    },
    "sites": {
        "id": _c("identifiant", required=True),
        "nom": _c("name", "libelle", required=True),
        "type": _c("kind", "genre", "nature", required=True),
        "commune": _c("code_commune", "commune_code", "code_insee", required=True),
        "lat": _c("latitude"),
        "lon": _c("longitude", "lng"),
        "approximatif": _c("approximate", "approx", "approche"),
        "existant": _c("existing", "existe"),
        "heures_hebdo": _c("weekly_hours", "heures_semaine", "heures_par_semaine"),
        "horaires": _c("opening", "ouverture", "heures_ouverture"),
    },
    "advisors": {
        "id": _c("identifiant", required=True),
        "nom": _c("name", "prenom_nom", required=True),
        "competences": _c("skills", "competence", "domaines", required=True),
        "jours": _c("days", "jours_travailles", required=True),
        "debut": _c("start", "heure_debut", "prise_de_poste", required=True),
        "fin": _c("end", "heure_fin", "fin_de_poste", required=True),
        "pause_debut": _c("lunch_start", "debut_pause", "dejeuner_debut"),
        "pause_fin": _c("lunch_end", "fin_pause", "dejeuner_fin"),
        "pause_duree": _c("lunch_duration", "duree_pause", "dejeuner_duree"),
        "duree_max": _c("max_work", "duree_max_journee", "duree_journee_max"),
        "site_depart": _c("start_site", "depart"),
        "site_arrivee": _c("end_site", "arrivee", "retour"),
        "telephone": _c("phone", "tel"),
    },
    "visits": {
        "id": _c("identifiant", "demande", required=True),
        "duree": _c("duration", "duree_min", "duree_minutes", required=True),
        "habitant": _c("resident", "resident_id", "usager", "personne"),
        "lat": _c("latitude"),
        "lon": _c("longitude", "lng"),
        "commune": _c("code_commune", "commune_code", "code_insee"),
        "jours": _c("days", "jours_possibles"),
        "fenetres": _c("windows", "fenetre", "creneaux", "creneau", "horaires"),
        "competence": _c("skill", "theme", "domaine"),
        "priorite": _c("priority"),
        "meme_conseiller": _c("same_advisor", "conseiller_habituel"),
        "conseiller_impose": _c("pinned_advisor", "conseiller"),
        "date_imposee": _c("pinned_date", "date"),
        "heure_imposee": _c("pinned_start", "heure", "heure_rdv"),
        "fait": _c("done", "realisee", "faite"),
        "nom": _c("name", "personne_nom"),
        "adresse": _c("address"),
        "telephone": _c("phone", "tel"),
        "motif": _c("reason", "objet"),
    },
    "residents": {
        "id": _c("identifiant", required=True),
        "commune": _c("code_commune", "commune_code", "code_insee", required=True),
        "lat": _c("latitude", required=True),
        "lon": _c("longitude", "lng", required=True),
        "mobilite": _c("mobility", required=True),
        "synthetique": _c("synthetic", "fictif"),
        "nom": _c("name"),
        "adresse": _c("address"),
        "age": _c(),
    },
    "bus": {
        "id": _c("identifiant", required=True),
        "nom": _c("name"),
        "depot": _c("depot_site", "garage", required=True),
        "jours": _c("days", required=True),
        "debut": _c("start", "heure_debut", required=True),
        "fin": _c("end", "heure_fin", required=True),
        "duree_arret": _c("stop_duration", "duree_halte", "duree_escale"),
        "rayon_marche_m": _c("walk_radius_m", "rayon_m", "rayon_marche"),
        "cycle_semaines": _c("cycle_weeks", "cycle"),
        "arrets_par_jour": _c("stops_per_day", "haltes_par_jour"),
    },
    "commitments": {
        "id": _c("identifiant", required=True),
        "bus": _c("bus_id"),
        "jour": _c("weekday", "day", required=True),
        "debut": _c("start", "heure_debut", required=True),
        "fin": _c("end", "heure_fin", required=True),
        "semaines": _c("weeks"),
        "site": _c("site_id", "lieu"),
        "note": _c("motif"),
    },
}
"""Known columns of each table (canonical French name -> aliases, required)."""

IGNORED_COLUMNS = ("commentaire", "commentaires", "remarque", "remarques")
"""Columns kept for humans and ignored (also any column whose name starts with '_' or '#')."""

TABLES: dict[str, tuple[str, ...]] = {
    "communes": ("communes",),
    "sites": ("sites", "lieux"),
    "advisors": ("advisors", "conseillers"),
    "visits": ("visits", "visites"),
    "residents": ("residents", "habitants"),
    "bus": ("bus",),
    "commitments": ("commitments", "engagements"),
}
"""Table -> accepted file stems (English first)."""

REQUIRED_TABLES = ("communes", "sites")

# -- value vocabularies ----------------------------------------------------------------

_DAY_OF = WEEKDAY_OF
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


_Bad = BadValue


# -- cell parsers (each raises _Bad) ---------------------------------------------------


def parse_window(text: str) -> tuple[int, int]:
    """``"09:00-12:00"`` or ``"9h-12h"`` -> ``(start_s, end_s)``; end must follow start."""
    parts = [p for p in _RANGE_SPLIT.split(text.strip()) if p]
    if len(parts) != 2:
        raise _Bad(f"'{text}' n'est pas une plage horaire", "écrire HH:MM-HH:MM, par exemple 09:00-12:00")
    try:
        a, b = parse_time(parts[0]), parse_time(parts[1])
    except _Bad:
        raise _Bad(f"'{text}' n'est pas une plage horaire", "écrire HH:MM-HH:MM, par exemple 09:00-12:00") from None
    if b <= a:
        word = "se termine avant de commencer" if b < a else "dure zéro minute"
        raise _Bad(f"'{text}' {word}", "écrire HH:MM-HH:MM")
    return a, b


def parse_windows(text: str) -> tuple[tuple[int, int], ...]:
    """``"09:00-12:00|14:00-17:00"`` (also ``" / "`` or ``","``) -> sorted merged windows."""
    wins = sorted(parse_window(p) for p in _WINDOW_SPLIT.split(text.strip()) if p)
    if not wins:
        raise _Bad(f"'{text}' ne contient aucune plage horaire", "écrire HH:MM-HH:MM, par exemple 09:00-12:00")
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
        if len(rng) == 2 and rng[0] in _DAY_OF and rng[1] in _DAY_OF:
            a, b = _DAY_OF[rng[0]], _DAY_OF[rng[1]]
            if b < a:
                raise _Bad(f"'{part}' : plage de jours à l'envers", "écrire par exemple lun-ven")
            days.update(range(a, b + 1))
            continue
        key = normalize_name(part)
        if key not in _DAY_OF:
            raise _Bad(f"'{part}' n'est pas un jour de la semaine", "écrire lun, mar, mer, jeu, ven, sam ou dim, séparés par '|'")
        days.add(_DAY_OF[key])
    if not days:
        raise _Bad("aucun jour indiqué", "écrire par exemple lun|mar|jeu")
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
        raise _Bad(f"'{text}' n'est pas un nombre", "écrire un nombre, par exemple 46,436 ou 46.436") from None
    if not math.isfinite(v):
        raise _Bad(f"'{text}' n'est pas un nombre fini", "écrire un nombre")
    return v


def parse_int(text: str) -> int:
    """``"4 980"`` or ``"4980"`` -> 4980 (no decimals)."""
    v = parse_float(text)
    if not v.is_integer():
        raise _Bad(f"'{text}' n'est pas un nombre entier", "écrire un nombre entier, sans décimales")
    return int(v)


def parse_duration(text: str) -> int:
    """Minutes (``"45"``, ``"45 min"``) or hours (``"1h30"``, ``"1:30"``) -> seconds."""
    t = text.strip()
    if ":" in t:
        try:
            return parse_time(t)
        except _Bad:
            raise _Bad(f"'{text}' n'est pas une durée", "écrire des minutes (45) ou des heures (1h30)") from None
    m = _DURATION_RE.match(t)
    if not m:
        try:
            return round(parse_float(t) * 60)
        except _Bad:
            raise _Bad(f"'{text}' n'est pas une durée", "écrire des minutes (45) ou des heures (1h30)") from None
    if m.group(3) is not None:
        return int(m.group(3)) * 60
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if mi > 59:
        raise _Bad(f"'{text}' n'est pas une durée", "écrire des minutes (45) ou des heures (1h30)")
    return h * 3600 + mi * 60


def parse_bool(text: str) -> bool:
    """``oui/non``, ``vrai/faux``, ``true/false``, ``1/0``, ``x`` -> bool (empty = non)."""
    key = normalize_name(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise _Bad(f"'{text}' n'est ni oui ni non", "écrire oui ou non")


def parse_date(text: str) -> dt.date:
    """``"2026-12-01"`` or ``"01/12/2026"`` -> date."""
    t = text.strip().split(" ")[0]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise _Bad(f"'{text}' n'est pas une date", "écrire AAAA-MM-JJ ou JJ/MM/AAAA, par exemple 2026-12-01")


def _choice(vocab: dict[str, str], expected: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        key = normalize_name(text)
        if key in vocab:
            return vocab[key]
        near = difflib.get_close_matches(key, list(vocab), n=1, cutoff=0.6)
        hint = f" (vouliez-vous dire '{vocab[near[0]]}' ?)" if near else ""
        raise _Bad(f"'{text}' n'est pas une valeur possible{hint}", f"écrire {expected}")

    return parse


parse_priority = _choice(_PRIORITY, "must, should ou could (obligatoire, souhaitable, facultative)")
parse_mobility = _choice(_MOBILITY, "none, low ou car (aucune, faible, voiture)")
parse_kind = _choice(_KINDS, "office, antenne, partner, candidate, bus_stop ou home")


# -- row reader --------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, file: str, row: int | None, column: str, message: str, fix: str = "") -> None:
        self.faults.append(Fault(file, row, column, message, fix))


@dataclass
class _Rows:
    """A table with its columns resolved to canonical names."""

    name: str
    file: str
    colmap: dict[str, int]  # canonical -> index
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    prefix: str = ""

    def col(self, canon: str) -> str:
        """Column name as written by the user (canonical name if absent)."""
        i = self.colmap.get(canon)
        return self.prefix + (self.header[i] if i is not None else canon)


class _Row:
    """Reads one row's cells, recording faults instead of raising."""

    __slots__ = ("t", "row", "cells", "out", "ok")

    def __init__(self, t: _Rows, row: int, cells: tuple[str, ...], out: _Collector):
        self.t, self.row, self.cells, self.out, self.ok = t, row, cells, out, True

    def raw(self, canon: str) -> str:
        i = self.t.colmap.get(canon)
        return self.cells[i] if i is not None else ""

    def fault(self, canon: str, message: str, fix: str = "") -> None:
        self.ok = False
        self.out.add(self.t.file, self.row, self.t.col(canon) if canon else "", message, fix)

    def get(self, canon: str, parse: Callable[[str], Any] | None = None, *, required: bool = False, default: Any = None) -> Any:
        text = self.raw(canon)
        if not text:
            if required:
                self.fault(canon, "cellule vide", "remplir cette cellule")
            return default
        if parse is None:
            return text
        try:
            return parse(text)
        except _Bad as bad:
            self.fault(canon, bad.message, bad.fix)
            return default


def _resolve_columns(table: Table, name: str, out: _Collector) -> _Rows | None:
    spec = COLUMNS[name]
    lookup: dict[str, str] = {}
    for canon, col in spec.items():
        lookup[normalize_name(canon)] = canon
        for a in col.aliases:
            lookup.setdefault(normalize_name(a), canon)
    colmap: dict[str, int] = {}
    ok = True
    for i, header in enumerate(table.columns):
        if not header:
            continue
        key = normalize_name(header)
        if key in IGNORED_COLUMNS or header.startswith(("_", "#")):
            continue
        canon = lookup.get(key)
        if canon is None:
            near = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.6)
            fix = (
                f"vouliez-vous dire '{lookup[near[0]]}' ?"
                if near
                else "colonnes possibles : " + ", ".join(spec)
            )
            out.add(table.file, 1, header, "colonne inconnue", fix)
            ok = False
            continue
        if canon in colmap:
            out.add(table.file, 1, header, f"colonne en double (déjà lue comme '{table.columns[colmap[canon]]}')", "garder une seule de ces colonnes")
            ok = False
            continue
        colmap[canon] = i
    for canon, col in spec.items():
        if col.required and canon not in colmap:
            out.add(table.file, 1, canon, "colonne obligatoire absente", f"ajouter une colonne '{canon}' dans la ligne d'en-tête")
            ok = False
    if not ok and any(spec[c].required and c not in colmap for c in spec):
        return None
    return _Rows(name, table.file, colmap, table.columns, table.rows)


# -- geometry ------------------------------------------------------------------------------


@dataclass
class _Territory:
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float

    @classmethod
    def around(cls, points: list[tuple[float, float, float]]) -> _Territory | None:
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


# -- the loader --------------------------------------------------------------------------------

_PointCheck = Callable[["_Row", "float | None", "float | None"], None]
_CommuneCheck = Callable[..., bool]
_SiteCheck = Callable[["_Row", "str | None", str, str], bool]


def _find_tables(folder: Path, out: _Collector) -> dict[str, Path]:
    found: dict[str, Path] = {}
    stems = {normalize_name(stem): name for name, stems_ in TABLES.items() for stem in stems_}
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix == ".xls" or suffix == ".ods":
            name = stems.get(normalize_name(path.stem))
            if name:
                out.add(path.name, None, "", f"format {suffix} non pris en charge", "enregistrer au format .xlsx ou .csv")
            continue
        if suffix not in TABLE_SUFFIXES or path.name.startswith((".", "~$")):
            continue
        name = stems.get(normalize_name(path.stem))
        if name is None:
            near = difflib.get_close_matches(normalize_name(path.stem), list(stems), n=1, cutoff=0.75)
            if near:
                out.add(
                    path.name,
                    None,
                    "",
                    "table inconnue",
                    f"vouliez-vous dire '{TABLES[stems[near[0]]][0]}{suffix}' ?",
                )
            continue
        if name in found:
            out.add(path.name, None, "", f"deux fichiers pour la table '{name}' ({found[name].name} et {path.name})", "n'en garder qu'un")
            continue
        found[name] = path
    for name in REQUIRED_TABLES:
        if name not in found:
            out.add(f"{name}.csv", None, "", "fichier absent", f"créer {name}.csv ou {name}.xlsx dans le dossier du scénario")
    return found


def _read(found: dict[str, Path], name: str, out: _Collector) -> _Rows | None:
    path = found.get(name)
    if path is None:
        return None
    table, faults = read_table(path)
    out.faults.extend(faults)
    if table is None:
        return None
    return _resolve_columns(table, name, out)


def _check_duplicates(t: _Rows, ids: list[tuple[int, str]], out: _Collector, canon: str = "id") -> None:
    seen: dict[str, int] = {}
    for row, ident in ids:
        if ident in seen:
            out.add(t.file, row, t.col(canon), f"identifiant '{ident}' en double (déjà utilisé ligne {seen[ident]})", "donner un identifiant unique à chaque ligne")
        else:
            seen[ident] = row


def _model(cls: type, kwargs: dict[str, Any], r: _Row) -> Any:
    """Build a frozen model; pydantic's own errors are translated into French faults."""
    try:
        return cls(**kwargs)
    except ValidationError as exc:
        for err in exc.errors():
            fld = str(err.get("loc", ("",))[0])
            r.fault("", f"valeur refusée pour « {fld} »", "corriger la cellule")
        return None


def _suggest(value: str, choices: Iterable[str]) -> str:
    near = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.5)
    return f"vouliez-vous dire '{near[0]}' ?" if near else ""


def validate_scenario(folder: Path | str) -> list[Fault]:
    """Every fault of a scenario folder (empty list when it loads).

    Parameters
    ----------
    folder
        The scenario folder (holding ``scenario.yaml``).
    """
    try:
        load_scenario(folder)
    except InputError as exc:
        return list(exc.faults)
    return []


def load_scenario(folder: Path | str) -> Scenario:
    """Read, check and return the scenario in ``folder``.

    Parameters
    ----------
    folder
        A folder holding ``scenario.yaml`` and the tables (``communes``, ``sites``,
        and optionally ``advisors``, ``visits``, ``residents``, ``bus``,
        ``commitments``), each as ``.csv`` or ``.xlsx``.

    Returns
    -------
    Scenario
        Times in seconds since midnight, durations in seconds, distances in metres.

    Raises
    ------
    InputError
        With every fault found, in French, naming file, row and column.
    """
    folder = Path(folder).expanduser()
    out = _Collector()
    if not folder.is_dir():
        raise InputError([Fault(str(folder), None, "", "dossier de scénario introuvable", "indiquer le dossier qui contient scenario.yaml")])

    meta = _read_yaml(folder, out)
    found = _find_tables(folder, out)
    tables = {name: _read(found, name, out) for name in TABLES}

    communes, declared_codes = _load_communes(tables["communes"], out)
    by_code = {c.code: c for c in communes}
    territory = _territory(communes, tables["communes"], out)
    communes_file = tables["communes"].file if tables["communes"] else "communes.csv"
    check_point, check_commune = _point_checks(by_code, declared_codes, territory, communes_file)

    sites, site_kinds = _load_sites(tables["sites"], out, by_code, check_point, check_commune)
    site_ids = set(site_kinds)
    offices = [sid for sid, kind in site_kinds.items() if kind == "office"]

    def check_site(r: _Row, sid: str | None, canon: str, what: str) -> bool:
        if sid is None or not site_ids:
            return sid is not None
        if sid not in site_ids:
            r.fault(canon, f"site '{sid}' inconnu ({what})", _suggest(sid, site_ids) or "utiliser un id de la table sites")
            return False
        return True

    advisors, staff = _load_advisors(tables["advisors"], out, offices, check_site)
    buses, bus_ids = _load_buses(tables["bus"], meta.get("bus"), out, check_site)
    cycle_weeks = max([b.cycle_weeks for b in buses], default=1)
    calendar = _load_calendar(meta.get("calendar"), out, cycle_weeks)
    residents, resident_ids = _load_residents(tables["residents"], out, check_point, check_commune)
    visits = _load_visits(tables["visits"], out, by_code, residents, resident_ids, staff, calendar, check_point, check_commune, communes)
    commitments = _load_commitments(tables["commitments"], out, buses, bus_ids, check_site)
    settings = _load_settings(meta.get("settings"), folder, out)

    if out.faults:
        raise InputError(_sorted_faults(out.faults))
    name = meta.get("name") or folder.name
    try:
        return Scenario(
            name=str(name),
            folder=folder.resolve(),
            title=str(meta.get("title") or ""),
            settings=settings,
            communes=tuple(communes),
            sites=tuple(sites),
            advisors=tuple(advisors),
            visits=tuple(visits),
            residents=tuple(residents),
            buses=tuple(buses),
            commitments=tuple(commitments),
            calendar=calendar,
            sources=str(meta.get("sources") or "").strip(),
        )
    except ValidationError as exc:  # pragma: no cover - every field was checked above
        raise InputError([Fault("scenario.yaml", None, "", f"scénario incohérent ({len(exc.errors())} champ(s) refusé(s))")]) from None


def read_visits(path: Path | str, scenario: Scenario) -> tuple[Visit, ...]:
    """Read an extra visits table (``.csv`` or ``.xlsx``) against a loaded scenario.

    Used to add requests to an existing plan (``itinerant visits --add NEW.csv``): the
    rows are checked like ``visits`` of the scenario (communes, residents, advisors,
    skills, calendar), and their ids must not clash with the scenario's visits.

    Raises
    ------
    InputError
        With every fault found.
    """
    path = Path(path)
    out = _Collector()
    if not path.is_file():
        raise InputError([Fault(path.name, None, "", "fichier introuvable", f"vérifier le chemin {path}")])
    rows = None
    if path.suffix.lower() not in TABLE_SUFFIXES:
        out.add(path.name, None, "", f"format {path.suffix or 'sans extension'} non pris en charge", "donner un fichier .csv ou .xlsx")
    else:
        table, faults = read_table(path)
        out.faults.extend(faults)
        rows = _resolve_columns(table, "visits", out) if table is not None else None
    by_code = {c.code: c for c in scenario.communes}
    territory = _territory(list(scenario.communes), None, _Collector())
    check_point, check_commune = _point_checks(by_code, set(by_code), territory, "communes")
    staff = {a.id: (a.skills, a.days) for a in scenario.advisors}
    visits = _load_visits(
        rows, out, by_code, list(scenario.residents), {r.id for r in scenario.residents}, staff,
        scenario.calendar, check_point, check_commune, list(scenario.communes),
    )
    if rows is not None:
        known = {v.id for v in scenario.visits}
        for row, cells in rows.rows:
            vid = cells[rows.colmap["id"]]
            if vid in known:
                out.add(rows.file, row, rows.col("id"), f"identifiant '{vid}' déjà utilisé par une visite du scénario", "donner un nouvel identifiant")
    if out.faults:
        raise InputError(_sorted_faults(out.faults))
    return tuple(visits)


def _point_checks(
    by_code: dict[str, Commune], declared_codes: set[str], territory: _Territory | None, communes_file: str
) -> tuple[_PointCheck, _CommuneCheck]:
    """The two row checks shared by every table with places: territory and commune code."""

    def check_point(r: _Row, lat: float | None, lon: float | None) -> None:
        if lat is None or lon is None or territory is None or not by_code:
            return
        if not territory.contains(lat, lon):
            nearest = min(by_code.values(), key=lambda c: haversine_m(lat, lon, c.lat, c.lon))
            km = haversine_m(lat, lon, nearest.lat, nearest.lon) / 1000
            swapped = territory.contains(lon, lat)
            fix = "latitude et longitude inversées ?" if swapped else "vérifier lat/lon (degrés décimaux WGS84)"
            r.fault("lat", f"point ({lat:g}, {lon:g}) hors du territoire, à {km:.0f} km de la mairie la plus proche ({nearest.name})", fix)

    def check_commune(r: _Row, code: str | None, canon: str = "commune") -> bool:
        if code is None or not declared_codes:
            return code is not None
        if code not in declared_codes:
            near = _suggest(code, declared_codes)
            r.fault(canon, f"code commune '{code}' inconnu (absent de {communes_file})", near or "utiliser un code INSEE de la table communes")
            return False
        return True

    return check_point, check_commune


_FILE_ORDER = {"scenario.yaml": 0, **{stem: i + 1 for i, stems in enumerate(TABLES.values()) for stem in stems}}


def _sorted_faults(faults: list[Fault]) -> list[Fault]:
    """Faults by file (scenario.yaml, then the tables in reading order), then row."""
    return sorted(faults, key=lambda f: (_FILE_ORDER.get(Path(f.file).stem.lower(), 99), f.file, f.row or 0))


# -- scenario.yaml -------------------------------------------------------------------------------

_YAML_KEYS = ("name", "title", "sources", "settings", "calendar", "bus", "description")
_YAML_ALIASES = {"nom": "name", "titre": "title", "parametres": "settings", "calendrier": "calendar"}
_SETTINGS_KEYS = ("language", "osm_file", "max_snap_m", "walk_cutoff_m", "bbox_buffer_m")
_SETTINGS_ALIASES = {"langue": "language", "fichier_osm": "osm_file"}
_CALENDAR_KEYS = ("week_start",)
_CALENDAR_ALIASES = {"semaine": "week_start", "debut_semaine": "week_start", "lundi": "week_start"}


def _keys(d: dict, allowed: tuple[str, ...], aliases: dict[str, str], where: str, out: _Collector) -> dict:
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


def _read_yaml(folder: Path, out: _Collector) -> dict:
    path = folder / "scenario.yaml"
    if not path.is_file():
        alt = folder / "scenario.yml"
        if alt.is_file():
            path = alt
        else:
            out.add("scenario.yaml", None, "", "fichier absent", "créer scenario.yaml (voir docs/scenario-format.md)")
            return {}
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8-sig", errors="replace"))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        out.add(path.name, None if line is None else line + 1, "", "YAML illisible", "vérifier l'indentation et les ':' (voir docs/scenario-format.md)")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        out.add(path.name, None, "", "le fichier doit contenir des clés (name:, settings:, calendar: ...)", "voir docs/scenario-format.md")
        return {}
    data = _keys(data, _YAML_KEYS, _YAML_ALIASES, "", out)
    for sub in ("settings", "calendar"):
        if sub in data and data[sub] is not None and not isinstance(data[sub], dict):
            out.add("scenario.yaml", None, sub, "doit être une liste de clés", "voir docs/scenario-format.md")
            data[sub] = {}
    return data


def _load_settings(d: dict | None, folder: Path, out: _Collector) -> Settings:
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
                raise _Bad(f"{v} doit être positif")
            kw[key] = iv
        except _Bad:
            out.add("scenario.yaml", None, f"settings.{key}", f"'{v}' n'est pas un nombre entier de mètres positif", "écrire par exemple 1000")
    return Settings(**kw)


def _load_calendar(d: dict | None, out: _Collector, cycle_weeks: int) -> Calendar:
    d = _keys(d or {}, _CALENDAR_KEYS, _CALENDAR_ALIASES, "calendar.", out)
    ws = d.get("week_start")
    week_start: dt.date | None = None
    if ws is None or ws == "":
        out.add("scenario.yaml", None, "calendar.week_start", "semaine à planifier absente", "écrire par exemple  calendar: {week_start: 2026-11-30}  (un lundi)")
    elif isinstance(ws, dt.datetime):
        week_start = ws.date()
    elif isinstance(ws, dt.date):
        week_start = ws
    else:
        try:
            week_start = parse_date(str(ws))
        except _Bad as bad:
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
    if week_start is None:
        week_start = dt.date(2000, 1, 3)
    return Calendar(week_start=week_start, holidays=french_holidays(week_start, max(1, cycle_weeks)))


def french_holidays(week_start: dt.date, weeks: int = 1) -> tuple[tuple[dt.date, str], ...]:
    """French public holidays (metropolitan) in ``weeks`` weeks from ``week_start``.

    Uses the ``holidays`` package (``holidays.France``), names in French.
    """
    import holidays

    end = week_start + dt.timedelta(days=7 * weeks)
    years = sorted({week_start.year, end.year})
    fr = holidays.France(years=years, language="fr")
    return tuple(sorted((d, str(n)) for d, n in fr.items() if week_start <= d < end))


# -- tables -------------------------------------------------------------------------------------


def _load_communes(t: _Rows | None, out: _Collector) -> tuple[list[Commune], set[str]]:
    if t is None:
        return [], set()
    if not t.rows:
        out.add(t.file, None, "", "aucune commune", "ajouter une ligne par commune sous l'en-tête")
        return [], set()
    res: list[Commune] = []
    ids: list[tuple[int, str]] = []
    for row, cells in t.rows:
        r = _Row(t, row, cells, out)
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
        if lat is not None and not -90 <= lat <= 90:
            r.fault("lat", f"latitude {lat:g} impossible", "écrire une latitude en degrés décimaux, entre -90 et 90")
        if lon is not None and not -180 <= lon <= 180:
            r.fault("lon", f"longitude {lon:g} impossible", "écrire une longitude en degrés décimaux, entre -180 et 180")
        if grid is not None and not 1 <= grid <= 7:
            r.fault("grille_densite", f"niveau {grid} hors de la grille INSEE", "écrire un entier de 1 à 7")
        if code is not None:
            ids.append((row, code))
        if r.ok:
            c = _model(
                Commune,
                dict(code=code, name=name, population=pop, lat=lat, lon=lon, density_grid=grid, min_bus_visits=minb, area_km2=area),
                r,
            )
            if c is not None:
                res.append(c)
    _check_duplicates(t, ids, out, "code")
    return res, {i for _, i in ids}


def _territory(communes: list[Commune], t: _Rows | None, out: _Collector) -> _Territory | None:
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
    return _Territory.around(good)


def _load_sites(t: _Rows | None, out: _Collector, by_code: dict[str, Commune], check_point: _PointCheck, check_commune: _CommuneCheck) -> tuple[list[Site], dict[str, str | None]]:
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
        r = _Row(t, row, cells, out)
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
        if sid is not None:
            ids.append((row, sid))
            kinds.setdefault(sid, kind)
        known = check_commune(r, code)
        if (lat is None) != (lon is None) and r.ok:
            r.fault("lat" if lat is None else "lon", "coordonnée incomplète", "remplir lat et lon, ou les laisser vides toutes deux (point de la mairie)")
        elif lat is None and lon is None and known and code in by_code:
            c = by_code[code]
            lat, lon, approx = c.lat, c.lon, True
        check_point(r, lat, lon)
        if hours is not None and hours < 0:
            r.fault("heures_hebdo", "nombre d'heures négatif", "écrire un nombre positif ou laisser vide")
        if r.ok and lat is not None:
            s = _model(
                Site,
                dict(id=sid, name=name, kind=kind, commune_code=code, lat=lat, lon=lon, approximate=approx, existing=existing, weekly_hours=hours, opening=opening),
                r,
            )
            if s is not None:
                res.append(s)
    _check_duplicates(t, ids, out)
    return res, kinds


def _load_advisors(t: _Rows | None, out: _Collector, offices: list[str], check_site: _SiteCheck) -> tuple[list[Advisor], dict[str, tuple[tuple[str, ...], tuple[int, ...]]]]:
    """Advisors, and every declared advisor id -> (skills, days) as far as readable."""
    if t is None:
        return [], {}
    res: list[Advisor] = []
    staff: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
    ids: list[tuple[int, str]] = []
    default_site = offices[0] if len(offices) == 1 else None
    for row, cells in t.rows:
        r = _Row(t, row, cells, out)
        aid = r.get("id", required=True)
        name = r.get("nom", required=True)
        skills = r.get("competences", parse_skills, required=True)
        days = r.get("jours", parse_days, required=True)
        start = r.get("debut", parse_time, required=True)
        end = r.get("fin", parse_time, required=True)
        l0 = r.get("pause_debut", parse_time, default=12 * 3600)
        l1 = r.get("pause_fin", parse_time, default=14 * 3600)
        ld = r.get("pause_duree", parse_duration, default=45 * 60)
        maxw = r.get("duree_max", parse_duration)
        s0 = r.get("site_depart", default=default_site)
        s1 = r.get("site_arrivee", default=s0)
        phone = r.get("telephone", default="")
        if aid is not None:
            ids.append((row, aid))
            staff.setdefault(aid, (skills or (), days or ()))
        if skills is not None and not skills:
            r.fault("competences", "aucune compétence", "écrire par exemple numerique|sante")
        if start is not None and end is not None and end <= start:
            r.fault("fin", f"fin de journée {hhmm(end)} avant le début {hhmm(start)}", "écrire une heure de fin après l'heure de début")
        elif start is not None and end is not None and None not in (l0, l1, ld):
            if l1 <= l0:
                r.fault("pause_fin", f"pause de midi {hhmm(l0)}-{hhmm(l1)} : la fin précède le début", "écrire par exemple pause_debut 12:00 et pause_fin 14:00")
            elif ld > l1 - l0:
                r.fault("pause_duree", f"pause de {ld // 60} min plus longue que sa plage {hhmm(l0)}-{hhmm(l1)}", "raccourcir la pause ou élargir la plage")
            elif l0 < start or l1 > end:
                r.fault("pause_debut" if l0 < start else "pause_fin", f"plage de pause {hhmm(l0)}-{hhmm(l1)} hors de la journée {hhmm(start)}-{hhmm(end)}", "mettre la pause à l'intérieur des horaires")
        if maxw is None and start is not None and end is not None:
            maxw = max(0, end - start)
        if maxw is not None and maxw <= 0 and r.ok:
            r.fault("duree_max", "durée maximale nulle", "écrire par exemple 7h30, ou laisser vide")
        if s0 is None:
            r.fault("site_depart", "site de départ non indiqué (plusieurs ou aucun bureau de type office)", "écrire l'id du site de départ")
        else:
            check_site(r, s0, "site_depart", "site de départ")
            if s1 != s0:
                check_site(r, s1, "site_arrivee", "site d'arrivée")
        if r.ok:
            a = _model(
                Advisor,
                dict(id=aid, name=name, skills=skills, days=days, start_s=start, end_s=end, lunch_start_s=l0, lunch_end_s=l1, lunch_duration_s=ld, max_work_s=maxw, start_site=s0, end_site=s1, phone=phone),
                r,
            )
            if a is not None:
                res.append(a)
    _check_duplicates(t, ids, out)
    return res, staff


def _load_residents(t: _Rows | None, out: _Collector, check_point: _PointCheck, check_commune: _CommuneCheck) -> tuple[list[Resident], set[str]]:
    if t is None:
        return [], set()
    res: list[Resident] = []
    ids: list[tuple[int, str]] = []
    for row, cells in t.rows:
        r = _Row(t, row, cells, out)
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
        check_point(r, lat, lon)
        if age is not None and not 0 <= age <= 120:
            r.fault("age", f"âge {age} impossible", "écrire un âge entre 0 et 120, ou laisser vide")
        if r.ok:
            res.append(
                Resident(id=rid, commune_code=code, lat=lat, lon=lon, mobility=mob, synthetic=syn, name=name, address=addr, age=age)
            )
    _check_duplicates(t, ids, out)
    return res, {i for _, i in ids}


def _load_visits(
    t: _Rows | None,
    out: _Collector,
    by_code: dict[str, Commune],
    residents: list[Resident],
    resident_ids: set[str],
    staff: dict[str, tuple[tuple[str, ...], tuple[int, ...]]],
    calendar: Calendar,
    check_point: _PointCheck,
    check_commune: _CommuneCheck,
    communes: list[Commune],
) -> list[Visit]:
    if t is None:
        return []
    res: list[Visit] = []
    ids: list[tuple[int, str]] = []
    by_resident = {x.id: x for x in residents}
    all_skills = sorted({s for sk, _ in staff.values() for s in sk})
    worked_days = sorted({d for _, ds in staff.values() for d in ds}) or [0, 1, 2, 3, 4]
    week = [calendar.week_start + dt.timedelta(days=i) for i in range(7)]
    for row, cells in t.rows:
        r = _Row(t, row, cells, out)
        vid = r.get("id", required=True)
        dur = r.get("duree", parse_duration, required=True)
        rid = r.get("habitant", default="")
        lat = r.get("lat", parse_float)
        lon = r.get("lon", parse_float)
        code = r.get("commune")
        days = r.get("jours", parse_days)
        wins = r.get("fenetres", parse_windows)
        skill = r.get("competence", parse_skills)
        prio = r.get("priorite", parse_priority, default="must")
        same = r.get("meme_conseiller")
        pinned = r.get("conseiller_impose")
        pdate = r.get("date_imposee", parse_date)
        pstart = r.get("heure_imposee", parse_time)
        done = r.get("fait", parse_bool, default=False)
        if vid is not None:
            ids.append((row, vid))
        if dur is not None and dur <= 0:
            r.fault("duree", "durée nulle", "écrire une durée en minutes, par exemple 45")
        if skill is not None:
            if not skill:
                skill = None
            elif len(skill) > 1:
                r.fault("competence", f"une seule compétence par visite ({len(skill)} données)", "garder la compétence principale")
                skill = None
            else:
                skill = skill[0]
                if all_skills and skill not in all_skills:
                    r.fault("competence", f"aucun conseiller n'a la compétence '{skill}'", _suggest(skill, all_skills) or "compétences disponibles : " + ", ".join(all_skills))
        # location: lat/lon, else the resident's home, else the commune's town hall
        loc_commune = False
        if (lat is None) != (lon is None):
            r.fault("lat" if lat is None else "lon", "coordonnée incomplète", "remplir lat et lon, ou les laisser vides")
        if rid and resident_ids and rid not in resident_ids:
            r.fault("habitant", f"habitant '{rid}' inconnu (absent de residents)", "utiliser un id de la table residents ou laisser vide")
        if code is not None:
            check_commune(r, code)
        if lat is None and lon is None and r.ok:
            if rid and rid in by_resident:
                h = by_resident[rid]
                lat, lon = h.lat, h.lon
                code = code or h.commune_code
            elif code is not None and code in by_code:
                c = by_code[code]
                lat, lon, loc_commune = c.lat, c.lon, True
            elif code is None and not rid:
                r.fault("commune", "lieu de la visite inconnu", "remplir lat et lon, ou un habitant, ou le code de la commune")
            else:
                r.ok = False  # the resident's or commune's own row is at fault
        elif lat is not None and lon is not None and code is None and communes:
            code = min(communes, key=lambda c: haversine_m(lat, lon, c.lat, c.lon)).code
        check_point(r, lat, lon)
        if days is None:
            days = tuple(worked_days)
        elif staff and not set(days) & set(worked_days):
            names = ", ".join(DAY_NAMES_FR[d] for d in days)
            r.fault("jours", f"aucun conseiller ne travaille ces jours-là ({names})", "choisir parmi : " + ", ".join(DAY_NAMES_FR[d] for d in worked_days))
        if wins is None:
            wins = ((0, DAY_S),)
        if dur is not None and wins and dur > max(b - a for a, b in wins):
            r.fault("fenetres" if "fenetres" in t.colmap else "duree", f"visite de {dur // 60} min plus longue que toutes ses plages horaires", "élargir une plage ou raccourcir la visite")
        for canon, aid in (("meme_conseiller", same), ("conseiller_impose", pinned)):
            if aid is None or not staff:
                continue
            if aid not in staff:
                r.fault(canon, f"conseiller '{aid}' inconnu", _suggest(aid, staff) or "utiliser un id de la table advisors")
            elif isinstance(skill, str) and staff[aid][0] and skill not in staff[aid][0]:
                r.fault(canon, f"le conseiller '{aid}' n'a pas la compétence '{skill}'", "choisir un conseiller qui l'a, ou changer la compétence")
        if same and pinned and same != pinned:
            r.fault("conseiller_impose", f"deux conseillers différents imposés ('{same}' et '{pinned}')", "n'en garder qu'un")
        if pdate is not None:
            if pdate not in week:
                r.fault("date_imposee", f"{pdate.isoformat()} hors de la semaine planifiée ({week[0].isoformat()} au {week[6].isoformat()})", "écrire une date de cette semaine ou laisser vide")
            elif pdate.weekday() not in days:
                r.fault("date_imposee", f"{pdate.isoformat()} est un {DAY_NAMES_FR[pdate.weekday()]}, jour non autorisé pour cette visite", "ajouter ce jour dans 'jours' ou changer la date")
            elif any(pdate == d for d, _ in calendar.holidays):
                hname = next(n for d, n in calendar.holidays if d == pdate)
                r.fault("date_imposee", f"{pdate.isoformat()} est férié ({hname})", "choisir un autre jour")
            if pinned is None and same is None:
                r.fault("date_imposee", "date imposée sans conseiller imposé", "remplir aussi 'conseiller_impose'")
        if pstart is not None:
            if pdate is None:
                r.fault("heure_imposee", "heure imposée sans date imposée", "remplir aussi 'date_imposee'")
            elif wins and dur is not None and not any(a <= pstart and pstart + dur <= b for a, b in wins):
                r.fault("heure_imposee", f"rendez-vous à {hhmm(pstart)} hors des plages horaires de la visite", "changer l'heure ou les plages")
        if r.ok:
            v = _model(
                Visit,
                dict(
                    id=vid, resident_id=rid or "", lat=lat, lon=lon, commune_code=code, location_is_commune=loc_commune,
                    duration_s=dur, days=days, windows=wins, skill=skill, priority=prio, same_advisor=same,
                    pinned_advisor=pinned or (same if pdate is not None and pinned is None else None),
                    pinned_date=pdate, pinned_start_s=pstart, done=done,
                    name=r.get("nom", default=""), address=r.get("adresse", default=""),
                    phone=r.get("telephone", default=""), reason=r.get("motif", default=""),
                ),
                r,
            )
            if v is not None:
                res.append(v)
    _check_duplicates(t, ids, out)
    return res


_YAML_TIME_KEYS = {"debut", "fin", "start", "end", "heure_debut", "heure_fin"}


def _bus_from_yaml(d: Any, out: _Collector) -> list[tuple[int | None, dict[str, str]]]:
    items = d if isinstance(d, list) else [d]
    rows = []
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


def _load_buses(t: _Rows | None, yaml_bus: Any, out: _Collector, check_site: _SiteCheck) -> tuple[list[Bus], set[str]]:
    tables: list[_Rows] = []
    if t is not None:
        tables.append(t)
    if yaml_bus:
        # The `bus:` section of scenario.yaml reads like a one-table file.
        items = _bus_from_yaml(yaml_bus, out)
        if items:
            header = tuple(dict.fromkeys(k for _, d in items for k in d))
            table = Table("scenario.yaml", header, tuple((None, tuple(d.get(h, "") for h in header)) for _, d in items))  # type: ignore[arg-type]
            sub = _Collector()
            rows = _resolve_columns(table, "bus", sub)
            for f in sub.faults:
                out.add("scenario.yaml", None, f"bus.{f.column}", f.message.replace("colonne", "clé"), f.fix.replace("une colonne", "une clé").replace("la ligne d'en-tête", "la section bus"))
            if rows is not None:
                rows.prefix = "bus."
                tables.append(rows)
    res: list[Bus] = []
    ids: list[tuple[int, str]] = []
    for tb in tables:
        for row, cells in tb.rows:
            r = _Row(tb, row, cells, out)
            bid = r.get("id", required=True)
            name = r.get("nom", default=bid or "")
            depot = r.get("depot", required=True)
            days = r.get("jours", parse_days, required=True)
            start = r.get("debut", parse_time, required=True)
            end = r.get("fin", parse_time, required=True)
            stop = r.get("duree_arret", parse_duration, default=2 * 3600)
            radius = r.get("rayon_marche_m", parse_int, default=800)
            cycle = r.get("cycle_semaines", parse_int, default=4)
            per_day = r.get("arrets_par_jour", parse_int, default=2)
            if bid is not None:
                ids.append((row or 0, bid))
            check_site(r, depot, "depot", "dépôt du bus")
            if start is not None and end is not None and end <= start:
                r.fault("fin", f"fin {hhmm(end)} avant le début {hhmm(start)}", "écrire une heure de fin après l'heure de début")
            for canon, v in (("duree_arret", stop), ("rayon_marche_m", radius), ("cycle_semaines", cycle), ("arrets_par_jour", per_day)):
                if v is not None and v <= 0:
                    r.fault(canon, "doit être un nombre positif", "écrire un nombre supérieur à zéro")
            if cycle is not None and cycle > 52:
                r.fault("cycle_semaines", f"cycle de {cycle} semaines trop long", "écrire au plus 52")
            if r.ok:
                b = _model(
                    Bus,
                    dict(id=bid, name=name, depot=depot, days=days, start_s=start, end_s=end, stop_duration_s=stop, walk_radius_m=radius, cycle_weeks=cycle, stops_per_day=per_day),
                    r,
                )
                if b is not None:
                    res.append(b)
    if t is not None:
        _check_duplicates(t, ids, out)
    elif len({i for _, i in ids}) < len(ids):
        out.add("scenario.yaml", None, "bus.id", "identifiant de bus en double", "donner un id unique à chaque bus")
    return res, {i for _, i in ids}


def _load_commitments(t: _Rows | None, out: _Collector, buses: list[Bus], bus_ids: set[str], check_site: _SiteCheck) -> list[FixedCommitment]:
    if t is None:
        return []
    res: list[FixedCommitment] = []
    ids: list[tuple[int, str]] = []
    by_bus = {b.id: b for b in buses}
    for row, cells in t.rows:
        r = _Row(t, row, cells, out)
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
            r.fault("bus", f"bus '{bus}' inconnu", _suggest(bus, bus_ids) or "utiliser l'id d'un bus")
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
            c = _model(
                FixedCommitment,
                dict(id=cid, bus_id=bus, weekday=day[0], start_s=start, end_s=end, weeks=weeks, site_id=site, note=note),
                r,
            )
            if c is not None:
                res.append(c)
    _check_duplicates(t, ids, out)
    return res
