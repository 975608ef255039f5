"""What a scenario folder may hold: table files and their columns.

Column names are compared after :func:`~itinerant.scenario.tables.normalize_name`
(accents, case and spaces do not matter); each canonical French name has aliases.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- column specifications -----------------------------------------------------------
# canonical column name -> (aliases, required). Aliases are compared after
# normalize_name (accents, case and spaces do not matter).


@dataclass(frozen=True)
class Col:
    aliases: tuple[str, ...] = ()
    required: bool = False


def _c(*aliases: str, required: bool = False) -> Col:
    return Col(tuple(aliases), required)


COLUMNS: dict[str, dict[str, Col]] = {
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
        "telephone": _c("phone", "tel", "téléphone"),
        "adresse": _c("address", "adresse_postale"),
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
        "heures_contrat": _c("contract_hours", "contrat", "heures_hebdo", "weekly_hours"),
        "horaires": _c("hours", "horaires_par_jour", "horaires_jour"),
    },
    "absences": {
        "conseiller": _c("advisor", "advisor_id", "conseillere", "id_conseiller", required=True),
        "date": _c("dates", "jour", "du", required=True),
        "de": _c("from", "debut", "heure_debut"),
        "a": _c("to", "fin", "heure_fin", "jusqua"),
        "motif": _c("reason", "raison", "type"),
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
        "notes": _c("a_noter", "remarques", "remarque", "commentaire", "observations"),
        "mode": _c("modes", "lieu_rdv", "lieu_du_rendez_vous"),
        "duree_minimale": _c("min_duration", "duree_mini", "duree_min_acceptable"),
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
        "equipage": _c("crew", "conseillers", "agents"),
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
    "permanences": {
        "id": _c("identifiant", required=True),
        "nom": _c("name", "libelle"),
        "site": _c("site_id", "lieu", required=True),
        "type": _c("kind", "genre"),
        "jours": _c("weekdays", "days", "jour", "weekday"),
        "date": _c(),
        "debut": _c("start", "heure_debut", required=True),
        "fin": _c("end", "heure_fin", required=True),
        "conseillers": _c("advisors", "advisors_needed", "nombre", "effectif"),
        "competences": _c("skills", "competence"),
        "semaines": _c("weeks"),
        "conseiller_prefere": _c("preferred_advisor", "preferred", "prefere"),
        "hypothese": _c("hypothesis", "a_ajuster"),
        "note": _c("motif", "remarque_publique"),
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
    "permanences": ("permanences", "duties"),
    "absences": ("absences", "conges"),
}
"""Table -> accepted file stems (English first)."""

REQUIRED_TABLES = ("communes", "sites")
