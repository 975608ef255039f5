"""Generate the tables of the default Clunisois scenario (deterministic, seeded).

Run from the repository root:

    python scenarios/clunisois/generate.py            # writes the CSV files beside this script

Inputs (read-only, never copied whole): ``../shared/data/clunisois/communes.csv`` (41
communes, legal populations, town-hall points) and
``../shared/data/clunisois/communes_boundaries_2018.geojson`` (commune polygons, used
to keep synthetic homes inside their commune). See SOURCES.md for the sources and the
assumptions behind the synthetic parts (residents, visits, advisors, sites' points).

The generated CSV files ARE the scenario and are committed; re-running this script
with the same inputs rewrites them byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
from shapely.geometry import Point, shape
from shapely.prepared import prep

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = REPO.parent / "shared" / "data" / "clunisois"
SEED = 20261130

# --- mobility shares (see SOURCES.md, "Synthetic residents") ------------------------------
SHARE_60_PLUS = 0.35
"""Assumed share of people aged 60+ in the Clunisois (metropolitan France: 26.5 %, Insee RP 2020)."""
LOSS_OF_AUTONOMY_60_PLUS = 0.073
"""Share of people 60+ living at home in loss of autonomy, France 2021 (Insee Focus n° 314, VQS 2021)."""
P_NONE = round(SHARE_60_PLUS * LOSS_OF_AUTONOMY_60_PLUS, 4)  # 0.0256: cannot leave home
P_CARLESS = {5: 0.12, 6: 0.09, 7: 0.08}
"""Share of residents without a car by INSEE density grid (5 bourg rural, 6 dispersé, 7 très
dispersé). SDES/Insee "La France et ses territoires" 2021: 91 % of households in the crowns own
a car (9 % without) vs 72 % in poles; the bourgs are between. Cluny (the local pole) gets 0.15."""
P_CARLESS_CLUNY = 0.15
BOURG_SHARE = {5: 0.75, 6: 0.5, 7: 0.35}
"""Share of a commune's residents living in the bourg (near the town hall), by density grid."""


def _read_communes() -> list[dict[str, str]]:
    with open(SHARED / "communes.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _polygons() -> dict[str, object]:
    data = json.loads((SHARED / "communes_boundaries_2018.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shape(f["geometry"]) for f in data["features"]}


def _offset(lat: float, lon: float, dx_m: float, dy_m: float) -> tuple[float, float]:
    return lat + dy_m / 111_320.0, lon + dx_m / (111_320.0 * math.cos(math.radians(lat)))


def _write(out: Path, name: str, header: list[str], rows: list[list[object]], *, sep: str = ",", bom: bool = False, decimal_comma: bool = False) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n" if bom else "\n")
    w.writerow(header)
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, float):
                v = f"{v:.5f}".rstrip("0").rstrip(".")
                if decimal_comma:
                    v = v.replace(".", ",")
            cells.append("" if v is None else v)
        w.writerow(cells)
    data = buf.getvalue().encode("utf-8")
    (out / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def main(out: Path = HERE) -> None:
    """Write the scenario tables into ``out`` (default: beside this script)."""
    out = Path(out)
    rng = np.random.default_rng(SEED)
    communes = _read_communes()
    polys = _polygons()
    by_code = {c["code_insee"]: c for c in communes}

    # -- communes.csv : French Excel style (';', UTF-8 BOM, decimal comma) -----------------
    _write(
        out,
        "communes.csv",
        ["code", "nom", "population", "lat", "lon", "grille_densite", "superficie_km2", "passages_bus_min"],
        [
            # Cluny holds the France services office itself: the bus need not stop there
            # (passages_bus_min = 0); elsewhere the frequency rule on population applies.
            [c["code_insee"], c["name"], int(c["population"]), float(c["lat"]), float(c["lon"]), int(c["grille_densite"]), float(c["area_km2"]), 0 if c["code_insee"] == "71137" else ""]
            for c in communes
        ],
        sep=";",
        bom=True,
        decimal_comma=True,
    )

    # -- sites.csv ------------------------------------------------------------------------------
    def site(sid, name, kind, code, existing, hours=None, opening="", phone="", address=""):
        c = by_code[code]
        return [sid, name, kind, code, float(c["lat"]), float(c["lon"]), "oui", "oui" if existing else "non", hours, opening, phone, address]

    sites = [
        # No public contact of the office is in ../shared/data: a placeholder, marked as such
        # (the posters print it); write the real number and address here.
        site("fs-cluny", "France services du Clunisois (Cluny)", "office", "71137", True, 35, "lun-ven 9 h-12 h 30 et 13 h 30-17 h (horaires hypothétiques)",
             "03 85 00 00 00 (numéro fictif, à remplacer)", "adresse à compléter, 71250 Cluny"),
        site("ant-salornay", "Antenne de Salornay-sur-Guye (mairie)", "antenne", "71495", True, 2.5, "jeudi 9 h 30-12 h (jour hypothétique, tenue dans le bus)"),
        site("restos-cluny", "Restos du Cœur, permanence de Cluny", "partner", "71137", True, None, "point hypothétique : mairie de Cluny"),
        site("epicerie-la-guiche", "Épicerie sociale (hypothétique) de La Guiche", "partner", "71231", False, None, "partenaire hypothétique"),
    ]
    candidates = ["71231", "71242", "71582", "71042", "71290", "71387", "71146", "71446"]
    for code in candidates:
        sites.append(site(f"cand-{code}", f"Mairie de {by_code[code]['name']} (antenne possible)", "candidate", code, False))
    for c in sorted(communes, key=lambda c: c["name"]):
        sites.append(site(f"arret-{c['code_insee']}", f"Place de la mairie, {c['name']}", "bus_stop", c["code_insee"], False))
    _write(out, "sites.csv", ["id", "nom", "type", "commune", "lat", "lon", "approximatif", "existant", "heures_hebdo", "horaires", "telephone", "adresse"], sites)

    # -- advisors.csv -----------------------------------------------------------------------------
    # Contract hours and the 17:30 end of Camille's and Karim's days (the bus runs until 17:30)
    # are hypotheses, to adjust with the team (hypothèse, à ajuster).
    advisors = [
        ["c-camille", "Camille (fictif)", "emploi|numerique", "lun|mar|mer|jeu|ven", "08:30", "17:30", "12:00", "14:00", 45, "8h", "fs-cluny", "fs-cluny", "00 00 00 00 01", 35],
        ["c-julien", "Julien (fictif)", "mediation|sante", "lun|mar|jeu|ven", "08:30", "16:30", "12:00", "14:00", 45, "7h45", "fs-cluny", "fs-cluny", "00 00 00 00 02", 28],
        ["c-sophie", "Sophie (fictif, temps partiel)", "numerique|sante", "mar|mer|jeu", "09:00", "17:00", "12:00", "14:00", 45, "7h15", "fs-cluny", "fs-cluny", "00 00 00 00 03", 21],
        ["c-karim", "Karim (fictif)", "emploi|mediation|numerique", "lun|mar|mer|ven", "08:30", "17:30", "12:00", "14:00", 45, "8h", "fs-cluny", "fs-cluny", "00 00 00 00 04", 30],
    ]
    _write(
        out,
        "advisors.csv",
        ["id", "nom", "competences", "jours", "debut", "fin", "pause_debut", "pause_fin", "pause_duree", "duree_max", "site_depart", "site_arrivee", "telephone", "heures_contrat"],
        advisors,
    )

    # -- residents.csv : every legal inhabitant, synthetic ----------------------------------------
    residents: list[list[object]] = []
    for c in communes:
        code, pop, grid = c["code_insee"], int(c["population"]), int(c["grille_densite"])
        lat0, lon0 = float(c["lat"]), float(c["lon"])
        poly = polys[code]
        ppoly = prep(poly.buffer(0.0005))
        area_km2 = float(c["area_km2"])
        minx, miny, maxx, maxy = poly.bounds
        n_hamlets = int(min(12, max(2, round(area_km2 / 2.5))))
        centres = []
        while len(centres) < n_hamlets:
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if poly.contains(Point(lon, lat)) and math.hypot((lat - lat0) * 111_320, (lon - lon0) * 76_500) > 700:
                centres.append((lat, lon))
        weights = rng.uniform(0.5, 1.5, n_hamlets)
        weights /= weights.sum()
        n_bourg = round(pop * BOURG_SHARE[grid])
        bourg_sigma = 250 + 120 * math.sqrt(pop / 1000)
        p_carless = P_CARLESS_CLUNY if code == "71137" else P_CARLESS[grid]
        mob = rng.choice(["none", "low", "car"], size=pop, p=[P_NONE, p_carless - P_NONE, 1 - p_carless])
        # Every commune has at least one resident of each reduced-mobility kind.
        for kind in ("none", "low"):
            if not (mob == kind).any():
                cars = np.flatnonzero(mob == "car")
                mob[rng.choice(cars)] = kind
        for i in range(pop):
            if i < n_bourg:
                clat, clon, sigma = lat0, lon0, bourg_sigma
            else:
                clat, clon = centres[rng.choice(n_hamlets, p=weights)]
                sigma = 120.0
            for _ in range(50):
                lat, lon = _offset(clat, clon, rng.normal(0, sigma), rng.normal(0, sigma))
                if ppoly.contains(Point(lon, lat)):
                    break
            else:
                lat, lon = clat, clon
            residents.append([f"h{code}-{i + 1:04d}", code, round(lat, 5), round(lon, 5), mob[i], "oui"])
    _write(out, "residents.csv", ["id", "commune", "lat", "lon", "mobilite", "synthetique"], residents)

    # -- visits.csv : ~60 home-visit requests for the week of 2026-11-30 ---------------------------
    reasons = {
        "numerique": ["création du compte ameli", "déclaration de revenus en ligne", "demande de carte grise (ANTS)", "espace personnel CAF", "prise de rendez-vous en ligne"],
        "sante": ["complémentaire santé solidaire", "dossier APA", "carte Vitale perdue", "demande MDPH", "dossier retraite (CARSAT)"],
        "mediation": ["litige facture d'énergie", "courrier du bailleur", "surendettement : premier dossier", "chèque énergie", "aide au logement"],
        "emploi": ["inscription France Travail", "actualisation mensuelle", "CV et candidature", "dossier RSA", "formation : demande de financement"],
    }
    # Requests come from people who cannot leave home anywhere, and from people without a car
    # outside Cluny (in Cluny they can walk to the office).
    reduced = [r for r in residents if r[4] == "none" or (r[4] == "low" and r[1] != "71137")]
    idx = rng.choice(len(reduced), size=60, replace=False)
    chosen = [reduced[i] for i in sorted(idx)]
    skills = rng.choice(["numerique", "sante", "mediation", "emploi"], size=60, p=[0.3, 0.3, 0.2, 0.2])
    prios = rng.choice(["must", "should", "could"], size=60, p=[0.7, 0.2, 0.1])
    durations = rng.choice([30, 45, 60, 75, 90], size=60, p=[0.15, 0.3, 0.3, 0.1, 0.15])
    windows = ["09:00-12:00", "14:00-17:00", "09:00-12:00|14:00-16:30", "", "10:00-12:00"]
    day_sets = ["", "lun|mar|mer|jeu|ven", "mar|jeu", "lun|mer|ven", "mer|jeu|ven", "lun|mar"]
    letters = "ABCDEFGHJKLMNPRSTV"
    visits: list[list[object]] = []
    for k, r in enumerate(chosen):
        vid = f"v{k + 1:03d}"
        skill = str(skills[k])
        win = windows[rng.choice(len(windows), p=[0.45, 0.2, 0.2, 0.1, 0.05])]
        days = day_sets[rng.choice(len(day_sets), p=[0.5, 0.1, 0.15, 0.1, 0.1, 0.05])]
        code = r[1]
        lat, lon = r[2], r[3]
        rid = r[0]
        if k in (7, 31, 52):  # a new request, home not located yet: the town hall point stands in
            lat = lon = rid = None
        civ = "Mme" if rng.random() < 0.6 else "M."
        name = f"{civ} {letters[rng.integers(len(letters))]}. (fictif)"
        addr = f"adresse fictive, {by_code[code]['name']}"
        same = pinned = pdate = pstart = None
        if k == 3:
            skill, same = "sante", "c-julien"
        if k == 18:
            skill, same = "numerique", "c-sophie"
        if k == 40:  # a fixed appointment: Tuesday 1 December 2026, 10:00, with Julien
            skill, pinned, pdate, pstart, win, days = "mediation", "c-julien", "2026-12-01", "10:00", "09:00-12:00", ""
        visits.append(
            [
                vid, rid, lat, lon, code, int(durations[k]), days, win, skill, str(prios[k]),
                same, pinned, pdate, pstart, name, addr, f"06 00 00 {k // 10:02d} {k % 10:02d} (fictif)",
                reasons[skill][rng.integers(5)],
                # Residents who can walk a little may meet the advisor at their town hall.
                "domicile|mairie" if r[4] == "low" else "domicile",
            ]
        )
    _write(
        out,
        "visits.csv",
        ["id", "habitant", "lat", "lon", "commune", "duree", "jours", "fenetres", "competence", "priorite",
         "meme_conseiller", "conseiller_impose", "date_imposee", "heure_imposee", "nom", "adresse", "telephone", "motif", "mode"],
        visits,
        sep=";",
        bom=True,
        decimal_comma=True,
    )

    # -- commitments.csv -----------------------------------------------------------------------------
    _write(
        out,
        "commitments.csv",
        ["id", "bus", "jour", "debut", "fin", "semaines", "site", "note"],
        [["salornay-jeudi", "bus-clunisois", "jeu", "09:30", "12:00", "", "ant-salornay", "permanence hebdomadaire de l'antenne de Salornay-sur-Guye (tenue dans le bus)"]],
    )


    # -- permanences.csv : the duties of the team's week (office hours as in sites.csv) ------------
    _write(
        out,
        "permanences.csv",
        ["id", "nom", "site", "type", "jours", "debut", "fin", "conseillers", "competences", "semaines", "conseiller_prefere", "hypothese", "note"],
        [
            ["accueil-matin", "Accueil France services (matin)", "fs-cluny", "accueil", "lun|mar|mer|jeu|ven", "09:00", "12:30", 1, "", "", "", "oui", "horaires de sites.csv (hypothétiques)"],
            ["accueil-apres-midi", "Accueil France services (après-midi)", "fs-cluny", "accueil", "lun|mar|mer|jeu|ven", "13:30", "17:00", 1, "", "", "", "oui", "horaires de sites.csv (hypothétiques)"],
            ["salornay", "Antenne de Salornay-sur-Guye", "ant-salornay", "antenne", "jeu", "09:30", "12:00", 1, "", "", "c-julien", "oui", "tenue dans le bus, un conseiller en plus de l'équipage (hypothèse, à ajuster)"],
            ["restos", "Restos du Cœur (distribution)", "restos-cluny", "partenaire", "mar", "14:00", "16:30", 1, "mediation", "", "c-julien", "oui", "jour et heures de distribution hypothétiques, à ajuster"],
            ["atelier-numerique", "Atelier numérique (avec la médiathèque)", "fs-cluny", "atelier", "mer", "09:30", "11:30", 1, "numerique", "", "", "oui", "atelier hypothétique, à ajuster"],
        ],
    )


if __name__ == "__main__":
    main()
