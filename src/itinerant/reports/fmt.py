"""French (default) and English formatting of dates, times, distances and labels.

French conventions: "mardi 3 mars", "09 h 30", "1 h 05", "12,4 km", "1er et 3e".
Every function takes ``language`` ("fr" or "en"); unknown languages fall back to French.
"""

from __future__ import annotations

import datetime as dt
import re

from itinerant.core.units import WEEKDAYS, parse_time, strip_accents

MONTHS = {
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}

STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        "confidential": "CONFIDENTIEL",
        "confidential_note": "Données personnelles : ne pas diffuser, détruire après la tournée.",
        "day_sheet": "Feuille de route",
        "advisor": "Conseiller",
        "day": "Jour",
        "departure": "Départ",
        "return": "Retour",
        "arrival": "Arrivée",
        "visit": "Visite",
        "name": "Nom",
        "address": "Adresse",
        "commune": "Commune",
        "phone": "Téléphone",
        "reason": "Motif",
        "drive": "Trajet",
        "lunch": "Pause déjeuner",
        "no_tour": "Pas de tournée ce jour : les permanences",
        "wait": "attente",
        "notes": "À noter",
        "outcomes": "Faite|Absent(e)|À revoir",
        "outcome": "Résultat",
        "navigate": "Itinéraire (GPS)",
        "stops": "Visites",
        "map": "Plan de la tournée",
        "estimated_line": "tracé estimé (ligne droite)",
        "road_line": "tracé routier (OpenStreetMap)",
        "estimated": "estimé",
        "times_estimated": "temps de trajet estimés",
        "times_road": "temps de trajet routiers (OpenStreetMap)",
        "total": "Total",
        "driving": "conduite",
        "working": "travail",
        "week_map": "Carte de la semaine",
        "week_of": "semaine du",
        "week_map_of": "Carte de la semaine du {date}",
        "week_table_of": "Tableau de la semaine du {date}",
        "week_table": "Tableau de la semaine",
        "week_workbook": "Classeur de la semaine (Excel)",
        "week_csv": "Visites de la semaine (CSV pour Excel)",
        "to_call": "À prévenir",
        "print_day": "Imprimer toutes les feuilles d'une journée (PDF)",
        "to_call_page": "À prévenir : visites déplacées",
        "to_call_count": "personne(s) à rappeler : leur visite annoncée a changé.",
        "nobody_to_call": "Personne à prévenir : aucune visite annoncée n'a changé.",
        "replanned_at": "replanifiée le",
        "before": "Annoncé",
        "after": "Nouveau",
        "why": "Pourquoi",
        "called": "Prévenu(e)",
        "not_replanned": "non replanifiée (à reprendre avec la personne)",
        "changes_csv": "Changements (CSV pour Excel)",
        "unassigned_csv": "Visites non planifiées (CSV pour Excel)",
        "unassigned": "Non planifiées",
        "unassigned_long": "Visites non planifiées",
        "reason_unassigned": "Raison",
        "none": "aucune",
        "visits_served": "visites planifiées",
        "km": "km",
        "seq": "N°",
        "start": "Début",
        "end": "Fin",
        "pinned": "confirmée",
        "bus_passes": "Le bus France services passe à",
        "stop": "Arrêt",
        "next_dates": "Prochains passages",
        "contact": "Renseignements",
        "no_bus_on": "Pas de bus le",
        "day_off": "pas de bus",
        "communes_served": "Communes desservies",
        "low_mobility_near": "Personnes peu mobiles à moins de {radius} m à pied d'un arrêt",
        "dates_this_cycle": "Dates du cycle",
        "poster_pitch": "Vos démarches administratives près de chez vous : impôts, retraite, "
        "santé, famille, emploi, carte grise... Gratuit, sans rendez-vous.",
        "bus_rota": "Tournée du bus France services",
        "posters": "Affiches par commune",
        "public_map": "Carte publique des arrêts et antennes",
        "territory_map": "Carte du territoire",
        "antennes_report": "Comparaison des scénarios d'antennes",
        "antennes_workbook": "Tableau des scénarios (Excel)",
        "residents_agg": "Personnes peu mobiles (agrégées)",
        "per_commune_note": "Personnes peu mobiles (sans voiture, elles marchent un peu) comptées par commune "
        "(cercle à la mairie) ; "
        "aucune adresse n'est montrée.",
        "low_mobility": "Personnes peu mobiles",
        "population": "Population",
        "sites": "Lieux",
        "office": "France services",
        "antenne": "Antenne",
        "bus_stop": "Arrêt du bus",
        "candidate": "Lieu candidat",
        "partner": "Partenaire",
        "index_title": "Résultats itinerant",
        "generated": "Généré le",
        "sources": "Sources",
        "private": "diffusion restreinte",
        "public": "public",
        "size": "Taille",
        "home_visits": "Visites à domicile",
        "team_week": "Semaine de l'équipe (permanences, bus, visites)",
        "team_board": "Tableau de la semaine de l'équipe (conseiller × demi-journée)",
        "team_workbook": "Classeur de la semaine de l'équipe (Excel)",
        "team_tours": "Tournées de la semaine de l'équipe",
        "bus_crew": "Le bus de la semaine et son équipage (interne)",
        "duty_changes_csv": "Permanences qui changent de conseiller (CSV)",
        "bus": "Bus France services",
        "antennes": "Antennes",
        "territory": "Territoire",
        "sheets": "Feuilles de route",
        "every_week": "toutes les semaines",
        "cycle": "du cycle",
        "weeks_label": "Semaines",
        "weekday": "Jour",
        "hours": "Horaires",
        "km_cycle": "km par cycle",
        "km_year": "km par an",
        "coverage": "Couverture des personnes peu mobiles",
        "presence": "Heures de présence par cycle",
        "bus_days": "Journées du bus",
        "no_slot": "Communes sans passage du bus",
        "week": "Semaine",
        "date": "Date",
        "drive_min": "Conduite (min)",
        "within": "à moins de",
        "minutes": "min",
        "mean_time": "Temps moyen",
        "max_time": "Temps maximal",
        "beyond_20": "Au-delà de 20 min, par commune",
        "optimal": "optimum prouvé",
        "gap": "écart à l'optimum",
        "solve_time": "temps de calcul",
        "curve": "Gain marginal : couverture selon le nombre d'antennes",
        "n_antennes": "nombre d'antennes",
        "covered_share": "personnes peu mobiles couvertes",
        "existing": "existant",
        "new": "nouveau",
        "opening": "Horaires",
        "model": "Modèle",
        "variant": "Scénario",
        "new_antennes": "Nouvelles antennes",
        "new_sites": "Nouveaux lieux",
        "solve_status": "Calcul",
        "threshold": "Seuil de couverture",
        "result": "Résultat",
        "removed": "Lieux retirés",
        "density_note": "Carreaux de {cell} à {top} : un carreau regroupe au moins {k} personnes (secret statistique) ; les zones plus clairsemées ne sont pas affichées.",
        "legend": "Légende",
        "open_map": "Ouvrir la carte",
        "straight_note": "Les tracés sont des lignes droites (estimés) : pas de réseau routier chargé.",
    },
    "en": {
        "confidential": "CONFIDENTIAL",
        "confidential_note": "Personal data: do not share, destroy after the round.",
        "day_sheet": "Route sheet",
        "advisor": "Advisor",
        "day": "Day",
        "departure": "Departure",
        "return": "Return",
        "arrival": "Arrival",
        "visit": "Visit",
        "name": "Name",
        "address": "Address",
        "commune": "Commune",
        "phone": "Phone",
        "reason": "Reason",
        "drive": "Drive",
        "lunch": "Lunch break",
        "no_tour": "No tour this day: the duties",
        "wait": "wait",
        "notes": "Notes",
        "outcomes": "Done|Not at home|Follow up",
        "outcome": "Outcome",
        "navigate": "Directions (GPS)",
        "stops": "Visits",
        "map": "Map of the round",
        "estimated_line": "estimated path (straight line)",
        "road_line": "road path (OpenStreetMap)",
        "estimated": "estimated",
        "times_estimated": "estimated travel times",
        "times_road": "road travel times (OpenStreetMap)",
        "total": "Total",
        "driving": "driving",
        "working": "working",
        "week_map": "Week map",
        "week_of": "week of",
        "week_map_of": "Week map, week of {date}",
        "week_table_of": "Week table, week of {date}",
        "week_table": "Week table",
        "week_workbook": "Week workbook (Excel)",
        "week_csv": "Visits of the week (CSV for Excel)",
        "to_call": "To call",
        "print_day": "Print every sheet of a day (PDF)",
        "to_call_page": "To call: visits moved",
        "to_call_count": "person(s) to call back: their announced visit changed.",
        "nobody_to_call": "Nobody to call: no announced visit changed.",
        "replanned_at": "re-planned on",
        "before": "Announced",
        "after": "New",
        "why": "Why",
        "called": "Called",
        "not_replanned": "not re-planned (agree a new time with the person)",
        "changes_csv": "Changes (CSV for Excel)",
        "unassigned_csv": "Visits left out (CSV for Excel)",
        "unassigned": "Unassigned",
        "unassigned_long": "Unassigned visits",
        "reason_unassigned": "Reason",
        "none": "none",
        "visits_served": "visits planned",
        "km": "km",
        "seq": "No.",
        "start": "Start",
        "end": "End",
        "pinned": "confirmed",
        "bus_passes": "The France services bus comes to",
        "stop": "Stop",
        "next_dates": "Next visits",
        "contact": "Information",
        "no_bus_on": "No bus on",
        "day_off": "no bus",
        "communes_served": "Communes served",
        "low_mobility_near": "Low-mobility residents within {radius} m walk of a stop",
        "dates_this_cycle": "Dates in the cycle",
        "poster_pitch": "Help with your paperwork near you: taxes, pension, health, family, "
        "jobs, vehicle registration... Free, no appointment needed.",
        "bus_rota": "France services bus rota",
        "posters": "Posters per commune",
        "public_map": "Public map of stops and antennes",
        "territory_map": "Territory map",
        "antennes_report": "Antenne scenarios compared",
        "antennes_workbook": "Scenario table (Excel)",
        "residents_agg": "Low-mobility residents (aggregated)",
        "per_commune_note": "Low-mobility residents counted per commune (circle at the town hall); "
        "no address is shown.",
        "low_mobility": "Low-mobility residents",
        "population": "Population",
        "sites": "Sites",
        "office": "France services",
        "antenne": "Antenne",
        "bus_stop": "Bus stop",
        "candidate": "Candidate site",
        "partner": "Partner",
        "index_title": "itinerant outputs",
        "generated": "Generated on",
        "sources": "Sources",
        "private": "restricted",
        "public": "public",
        "size": "Size",
        "home_visits": "Home visits",
        "team_week": "The team's week (duties, bus, visits)",
        "team_board": "The team's week board (advisor x half-day)",
        "team_workbook": "The team's week workbook (Excel)",
        "team_tours": "Tours of the team's week",
        "bus_crew": "The bus's week and its crew (internal)",
        "duty_changes_csv": "Duties whose advisor changed (CSV)",
        "bus": "France services bus",
        "antennes": "Antennes",
        "territory": "Territory",
        "sheets": "Route sheets",
        "every_week": "every week",
        "cycle": "of the cycle",
        "weeks_label": "Weeks",
        "weekday": "Day",
        "hours": "Hours",
        "km_cycle": "km per cycle",
        "km_year": "km per year",
        "coverage": "Coverage of low-mobility residents",
        "presence": "Hours of presence per cycle",
        "bus_days": "Bus days",
        "no_slot": "Communes without a bus stop",
        "week": "Week",
        "date": "Date",
        "drive_min": "Driving (min)",
        "within": "within",
        "minutes": "min",
        "mean_time": "Mean time",
        "max_time": "Maximum time",
        "beyond_20": "Beyond 20 min, by commune",
        "optimal": "proven optimal",
        "gap": "optimality gap",
        "solve_time": "solve time",
        "curve": "Marginal gain: coverage by number of antennes",
        "n_antennes": "number of antennes",
        "covered_share": "low-mobility residents covered",
        "existing": "existing",
        "new": "new",
        "opening": "Opening hours",
        "model": "Model",
        "variant": "Scenario",
        "new_antennes": "New antennes",
        "new_sites": "New sites",
        "solve_status": "Solver",
        "threshold": "Coverage threshold",
        "result": "Result",
        "removed": "Sites removed",
        "density_note": "{cell} to {top} squares: each holds at least {k} people (statistical secrecy); sparser areas are not shown.",
        "legend": "Legend",
        "open_map": "Open the map",
        "straight_note": "Paths are straight lines (estimated): no road network loaded.",
    },
}


def lang(language: str) -> str:
    """Normalise a language code to "fr" or "en" (French by default)."""
    return "en" if str(language).lower().startswith("en") else "fr"


def t(key: str, language: str = "fr") -> str:
    """The label ``key`` in ``language``."""
    return STRINGS[lang(language)][key]


def weekday_name(weekday: int, language: str = "fr") -> str:
    """Name of a weekday, 0 = Monday ("mardi")."""
    return WEEKDAYS[lang(language)][weekday]


def format_date(d: dt.date | str, language: str = "fr", *, year: bool = False) -> str:
    """"mardi 3 mars" ("mardi 1er décembre 2026" with ``year``); "Tuesday 3 March"."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    lg = lang(language)
    day = "1er" if (lg == "fr" and d.day == 1) else str(d.day)
    s = f"{WEEKDAYS[lg][d.weekday()]} {day} {MONTHS[lg][d.month - 1]}"
    return f"{s} {d.year}" if year else s


def to_seconds(value: int | str | None) -> int | None:
    """Seconds since midnight from an int or "HH:MM" / "HH:MM:SS"."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return int(value)
    return parse_time(str(value))


def format_time(value: int | str | None, language: str = "fr") -> str:
    """"09 h 30" (French) or "09:30" (English) from seconds or "HH:MM"; "" for None."""
    s = to_seconds(value)
    if s is None:
        return ""
    h, m = divmod((s + 30) // 60, 60)
    if lang(language) == "fr":
        return f"{h:02d} h {m:02d}"
    return f"{h:02d}:{m:02d}"


def format_duration(seconds: float | None, language: str = "fr") -> str:
    """"25 min", "1 h 05" (French) / "25 min", "1 h 05 min" (English)."""
    if seconds is None:
        return ""
    minutes = int(round(float(seconds) / 60))
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    if lang(language) == "fr":
        return f"{h} h {m:02d}"
    return f"{h} h {m:02d} min"


def format_number(x: float | None, language: str = "fr", *, decimals: int = 0) -> str:
    """"14 020" / "12,4" in French; "14,020" / "12.4" in English; "" for None."""
    if x is None or x == "":
        return ""
    s = f"{float(x):,.{decimals}f}"
    if lang(language) == "fr":
        s = s.replace(",", "\u202f").replace(".", ",")
    return s


def format_km(metres: float | None, language: str = "fr") -> str:
    """"12,4 km" from metres."""
    if metres is None:
        return ""
    km = float(metres) / 1000
    return f"{format_number(km, language, decimals=1)} km"


def format_percent(share: float | None, language: str = "fr", *, decimals: int = 0) -> str:
    """"42 %" (French) / "42%" (English) from a share in [0, 1]."""
    if share is None:
        return ""
    v = format_number(100 * float(share), language, decimals=decimals)
    return f"{v}\u202f%" if lang(language) == "fr" else f"{v}%"


def ordinal(n: int, language: str = "fr") -> str:
    """"1er", "2e", "3e" / "1st", "2nd", "3rd"."""
    if lang(language) == "fr":
        return "1er" if n == 1 else f"{n}e"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def parse_weeks(weeks: str | list[int] | tuple[int, ...] | None) -> tuple[int, ...]:
    """Cycle weeks from "all" / "" (empty tuple = every week) or "1,3"."""
    if weeks is None:
        return ()
    if isinstance(weeks, (list, tuple)):
        return tuple(int(w) for w in weeks)
    s = str(weeks).strip().lower()
    if s in ("", "all", "tous", "toutes"):
        return ()
    return tuple(int(p) for p in re.split(r"[,;| ]+", s) if p)


def _join(items: list[str], language: str) -> str:
    word = " et " if lang(language) == "fr" else " and "
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + word + items[-1]


def weeks_in_words(
    weeks: str | tuple[int, ...] | list[int] | None,
    weekday: int,
    language: str = "fr",
    *,
    cycle_weeks: int | None = None,
) -> str:
    """"tous les mardis" or "les 1er et 3e jeudis du cycle".

    ``weeks`` empty or "all" (or covering every week of ``cycle_weeks``) means every week.
    """
    ws = sorted(set(parse_weeks(weeks)))
    day = weekday_name(weekday, language)
    lg = lang(language)
    if not ws or (cycle_weeks and ws == list(range(1, cycle_weeks + 1))):
        return f"tous les {day}s" if lg == "fr" else f"every {day}"
    ords = _join([ordinal(w, lg) for w in ws], lg)
    if lg == "fr":
        plural = "s" if len(ws) > 1 else ""
        return f"le{plural} {ords} {day}{plural} du cycle"
    return f"the {ords} {day} of the cycle"


def slug(text: str) -> str:
    """A stable file-name part: "Mylène Dupont" -> "mylene-dupont"."""
    s = strip_accents(str(text)).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s or "x"


def format_size(n_bytes: int, language: str = "fr") -> str:
    """"12,3 ko" / "12.3 kB"."""
    lg = lang(language)
    units = ("o", "ko", "Mo") if lg == "fr" else ("B", "kB", "MB")
    x = float(n_bytes)
    for u in units:
        if x < 1024 or u == units[-1]:
            return f"{format_number(x, lg, decimals=0 if u == units[0] else 1)} {u}"
        x /= 1024
    return ""  # pragma: no cover


def format_moment(now: str, language: str = "fr") -> str:
    """``"2026-12-01T18:30"`` -> ``"mardi 1er décembre 2026 à 18 h 30"`` ("" stays "")."""
    if not now:
        return ""
    day, _, time = str(now).partition("T")
    text = format_date(day, language, year=True)
    if time:
        text += (" à " if lang(language) == "fr" else " at ") + format_time(time[:5], language)
    return text

