"""Rebuild the small Andorra test scenario (deterministic). Run: python tests/data/andorra/generate.py
Note: after generation, resident AD-06-001 (and visit v02 at its home) was moved by hand to
      42.4652,1.4898 (Sant Julià), because the drawn point lay 1.1 km from any road of the extract.

Parishes = the 7 town halls ("Comú") of ../shared/data/substitute_andorra/pois.csv (OSM, ODbL);
populations: Andorra la Vella and Sant Julià de Lòria from places.csv (OSM `population` tag),
the other five INVENTED (plausible orders of magnitude, not official figures); areas approximate.
Sites are real OSM points (town halls, a community centre, bus stops); their roles are invented.
Residents and visits are synthetic, scattered within ~2 km of the town halls.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 376

# code, name, population (source), lat, lon of the Comú (OSM townhall), area km² (approx.)
PARISHES = [
    ("AD-07", "Andorra la Vella", 24678, 42.5073178, 1.5220939, 12.0),  # population: OSM places.csv
    ("AD-06", "Sant Julià de Lòria", 9207, 42.4689512, 1.4925380, 61.0),  # population: OSM places.csv
    ("AD-08", "Escaldes-Engordany", 14000, 42.5107734, 1.5390846, 47.0),  # invented
    ("AD-03", "Encamp", 11500, 42.5359469, 1.5836813, 74.0),  # invented
    ("AD-04", "La Massana", 10000, 42.5450310, 1.5157225, 61.0),  # invented (unnamed Comú way)
    ("AD-05", "Ordino", 5000, 42.5566681, 1.5331602, 90.0),  # invented
    ("AD-02", "Canillo", 4500, 42.5664730, 1.6012708, 121.0),  # invented
]

# id, name, kind, commune, lat, lon, existing  (points from OSM pois.csv)
SITES = [
    ("office", "Bureau d'accueil (hypothétique), Comú d'Andorra la Vella", "office", "AD-07", 42.5073178, 1.5220939, "oui"),
    ("ant-encamp", "Antenne (hypothétique), Comú d'Encamp", "antenne", "AD-03", 42.5359469, 1.5836813, "oui"),
    ("llacuna", "La Llacuna, centre culturel (partenaire hypothétique)", "partner", "AD-07", 42.5084298, 1.5220077, "non"),
    ("cand-ordino", "Comú d'Ordino (antenne possible)", "candidate", "AD-05", 42.5566681, 1.5331602, "non"),
    ("cand-canillo", "Comú de Canillo (antenne possible)", "candidate", "AD-02", 42.5664730, 1.6012708, "non"),
    ("cand-santjulia", "Comú de Sant Julià de Lòria (antenne possible)", "candidate", "AD-06", 42.4689512, 1.4925380, "non"),
    ("arret-canillo", "Arrêt 111 Palau de Gel", "bus_stop", "AD-02", 42.5658022, 1.5976446, "non"),
    ("arret-encamp", "Arrêt 208 Riu Blanc", "bus_stop", "AD-03", 42.5321614, 1.5739093, "non"),
    ("arret-massana", "Arrêt Freebus La Massana", "bus_stop", "AD-04", 42.5486300, 1.5127371, "non"),
    ("arret-escaldes", "Arrêt 707 Arnaldeta de Caboet", "bus_stop", "AD-08", 42.5092997, 1.5373401, "non"),
    ("arret-santjulia", "Arrêt de Sant Julià", "bus_stop", "AD-06", 42.4766272, 1.4902601, "non"),
    ("arret-ordino", "Place du Comú d'Ordino", "bus_stop", "AD-05", 42.5566681, 1.5331602, "non"),
]


def _write(name: str, header: list[str], rows: list[list[object]]) -> None:
    with open(HERE / name, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    _write("communes.csv", ["code", "nom", "population", "lat", "lon", "superficie_km2"], [list(p) for p in PARISHES])
    _write("sites.csv", ["id", "nom", "type", "commune", "lat", "lon", "existant"], [list(s) for s in SITES])
    _write(
        "advisors.csv",
        ["id", "nom", "competences", "jours", "debut", "fin", "pause_debut", "pause_fin", "pause_duree"],
        [
            ["a-marta", "Marta (fictif)", "numerique|sante", "lun|mar|mer|jeu|ven", "08:30", "17:00", "12:00", "14:00", 45],
            ["a-pere", "Pere (fictif)", "emploi|mediation|numerique", "lun|mer|jeu", "09:00", "17:30", "12:00", "14:00", 60],
        ],
    )
    total = sum(p[2] for p in PARISHES)
    counts = [max(3, round(50 * p[2] / total)) for p in PARISHES]
    residents = []
    for (code, _, _, lat0, lon0, _), n in zip(PARISHES, counts):
        for i in range(n):
            r = 2000 * math.sqrt(rng.random())
            a = rng.uniform(0, 2 * math.pi)
            lat = lat0 + r * math.sin(a) / 111_320
            lon = lon0 + r * math.cos(a) / (111_320 * math.cos(math.radians(lat0)))
            mob = ["none", "low", "car"][i % 3] if i < 3 else str(rng.choice(["none", "low", "car"], p=[0.05, 0.15, 0.8]))
            residents.append([f"{code}-{i + 1:03d}", code, round(lat, 6), round(lon, 6), mob, "oui"])
    _write("residents.csv", ["id", "commune", "lat", "lon", "mobilite", "synthetique"], residents)
    reduced = [r for r in residents if r[4] != "car"]
    picks = [reduced[i] for i in sorted(rng.choice(len(reduced), size=10, replace=False))]
    skills = ["numerique", "sante", "emploi", "mediation", "numerique", "sante", "numerique", "emploi", "sante", "mediation"]
    windows = ["09:00-12:00", "14:00-17:00", "09:00-12:00|14:00-16:00", "", "10:00-12:00"]
    visits = []
    for k, r in enumerate(picks):
        visits.append([
            f"v{k + 1:02d}", r[0], r[2], r[3], r[1], [30, 45, 60, 90][k % 4], "" if k % 3 else "lun|mer",
            windows[k % 5], skills[k], "must" if k < 7 else "should", "", f"Personne {k + 1} (fictif)",
        ])
    _write("visits.csv", ["id", "habitant", "lat", "lon", "commune", "duree", "jours", "fenetres", "competence", "priorite", "meme_conseiller", "nom"], visits)
    _write(
        "bus.csv",
        ["id", "nom", "depot", "jours", "debut", "fin", "duree_arret", "rayon_marche_m", "cycle_semaines", "arrets_par_jour"],
        [["bus-ad", "Bus (hypothétique)", "office", "mar|jeu", "09:00", "17:00", "1h30", 600, 2, 2]],
    )


if __name__ == "__main__":
    main()
