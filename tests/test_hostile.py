"""Clumsy and hostile scenario files (issue 12): every one gets a fault naming its file,
row and column; nothing is guessed, lost or silently changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from itinerant.core.errors import InputError
from itinerant.scenario import load_scenario

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny"


def _tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "sc"
    shutil.copytree(TINY, folder)
    return folder


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _faults(folder: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_scenario(folder)
    return [str(f) for f in exc.value.faults]


# (file, old text, new text, the one expected fault)
VALUE_CASES = [
    # a negative lunch break would plan no lunch at all
    ("advisors.csv", "12:00,14:00,45", "12:00,14:00,-30",
     "advisors.csv, ligne 2, colonne 'pause_duree' : durée de pause négative (-30 min) "
     "(écrire une durée positive, par exemple 45, ou 0 pour aucune pause)"),
]


@pytest.mark.parametrize(("name", "old", "new", "fault"), VALUE_CASES)
def test_values_out_of_range_are_faults(tmp_path: Path, name: str, old: str, new: str, fault: str) -> None:
    folder = _tiny(tmp_path)
    _edit(folder, name, old, new)
    assert _faults(folder) == [fault]


def test_missing_week_is_one_fault_not_a_cascade_on_pinned_visits(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    _edit(folder, "scenario.yaml", "  week_start: 2026-11-30\n", "")
    # add two pin columns at the end of the header and fill them on the first 'must' row
    lines = (folder / "visits.csv").read_text(encoding="utf-8").splitlines()
    lines[0] += ",date_imposee,conseiller_impose"
    must = next(i for i, line in enumerate(lines) if ",must," in line or line.endswith(",must"))
    lines = [line + ("," * 2 if i else "") for i, line in enumerate(lines)]
    lines[must] = lines[must][:-2] + ",2026-12-01,a1"
    (folder / "visits.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _faults(folder) == [
        "scenario.yaml, colonne 'calendar.week_start' : semaine à planifier absente "
        "(écrire par exemple  calendar: {week_start: 2026-11-30}  (un lundi))"
    ]


def test_unreadable_scenario_yaml_is_one_fault(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    (folder / "scenario.yaml").write_text("calendar: [2026-11-30\n", encoding="utf-8")
    faults = _faults(folder)
    assert len(faults) == 1 and faults[0].startswith("scenario.yaml, ligne 2 : YAML illisible")


# -- whole files: encodings, quotes, separators, unknown files, Excel oddities, size ----------


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (folder / name).write_bytes(text.encode(encoding))


def test_unbalanced_quote_is_named_instead_of_swallowing_rows(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    _edit(folder, "visits.csv", "v2,r2,,,,60,", 'v2,r2,,,,"60,')
    assert _faults(folder) == [
        "visits.csv, ligne 3 : guillemet (\") ouvert et jamais fermé : la suite du fichier depuis la ligne 3 se lit comme une seule cellule "
        "(supprimer ce guillemet ou le doubler (\"\"), ou fermer la cellule par un guillemet)"
    ]


def test_a_quote_closed_rows_later_names_the_swallowed_lines(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    _edit(folder, "visits.csv", "v2,r2,,,,60,", 'v2,r2,,,,"60,')
    _edit(folder, "visits.csv", "v3,,,,71240,30,mar,", 'v3,,,,71240,30",mar,')
    assert _faults(folder) == [
        "visits.csv, ligne 3 : guillemet (\") ouvert et jamais fermé : les lignes 3 à 4 se lisent comme une seule cellule "
        "(supprimer ce guillemet ou le doubler (\"\"), ou fermer la cellule par un guillemet)"
    ]


def test_a_quote_closed_inside_a_cell_is_a_fault(tmp_path: Path) -> None:
    # "c-sophie,"Sophie..." would silently read as the id 'c-sophie,Sophie (fictif'
    folder = _tiny(tmp_path)
    _edit(folder, "advisors.csv", "a2,Conseillère B (fictif)", '"a2,"Conseillère B (fictif)')
    assert _faults(folder) == [
        "advisors.csv, ligne 3 : guillemet mal placé : une cellule entre guillemets continue après son guillemet fermant "
        "(mettre toute la cellule entre guillemets en doublant ceux de l'intérieur (\"\"), ou supprimer ce guillemet)"
    ]


def test_a_multiline_note_in_quotes_is_still_fine(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    _edit(folder, "commitments.csv", "engagement de test", '"engagement\nde test"')
    sc = load_scenario(folder)
    assert sc.commitments[0].note == "engagement\nde test"


def test_one_cp1252_row_in_a_utf8_file_is_named(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    raw = (folder / "sites.csv").read_bytes().replace(b"France services Cluny", "Mairie déléguée".encode())
    raw += "arret-cluny,Arrêt église,bus_stop,71137,,,,\n".encode("cp1252")
    (folder / "sites.csv").write_bytes(raw)
    assert _faults(folder) == [
        "sites.csv, ligne 5 : encodage différent du reste du fichier (Windows-1252 au milieu d'UTF-8) : les accents "
        "seraient illisibles (réenregistrer tout le fichier en UTF-8 (Excel : « CSV UTF-8 »), ou retaper cette ligne)"
    ]


def test_a_whole_cp1252_file_still_loads(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    text = (folder / "sites.csv").read_text(encoding="utf-8").replace("Place de la mairie", "Arrêt de l'église")
    _write(folder, "sites.csv", text, "cp1252")
    assert {s.name for s in load_scenario(folder).sites} >= {"Arrêt de l'église de Lournand"}


def test_one_comma_row_in_a_semicolon_file_is_one_fault_without_cascade(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    text = (folder / "communes.csv").read_text(encoding="utf-8").replace(",", ";")
    text = text.replace("71240;Jalogny;398;46.419;4.633;6", "71240,Jalogny,398,46.419,4.633,6")
    _write(folder, "communes.csv", text)
    # residents, visits and sites of Jalogny (71240) are not faults of their own
    assert _faults(folder) == [
        "communes.csv, ligne 4 : ligne séparée par ',' alors que le fichier utilise ';' "
        "(remplacer les ',' de cette ligne par des ';')"
    ]


@pytest.mark.parametrize(
    ("name", "fault"),
    [
        # a visits table saved as text: it would be ignored
        ("visits.txt", "visits.txt : format .txt non lu pour la table 'visits' (enregistrer au format .csv ou .xlsx (visits.csv))"),
        # a tab-separated export under the French name
        ("visites.tsv", "visites.tsv : format .tsv non lu pour la table 'visits' (enregistrer au format .csv ou .xlsx (visits.csv))"),
        # an extra table nobody reads
        ("visites_urgentes.csv", "visites_urgentes.csv : table inconnue : ce fichier ne serait pas lu (vouliez-vous dire 'visits.csv' ?)"),
    ],
)
def test_table_files_that_would_be_ignored_are_faults(tmp_path: Path, name: str, fault: str) -> None:
    folder = _tiny(tmp_path)
    text = (folder / "visits.csv").read_text(encoding="utf-8")
    if name.startswith("visits"):
        (folder / "visits.csv").unlink()
    _write(folder, name, text)
    assert _faults(folder) == [fault]


def test_notes_and_scripts_in_the_folder_are_not_tables(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    _write(folder, "notes.txt", "à relire")
    _write(folder, "SOURCES.md", "# sources")
    load_scenario(folder)


def _xlsx(path: Path, rows: list[list], merge: str | None = None) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)


def _csv_rows(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]


def test_merged_cells_in_xlsx_are_a_fault(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    rows = _csv_rows(folder / "visits.csv")
    (folder / "visits.csv").unlink()
    rows[2][6] = ""  # v2 'jours' left to the merge with v1's cell above
    _xlsx(folder / "visits.xlsx", rows, merge="G2:G3")
    assert _faults(folder) == [
        "visits.xlsx, ligne 2 : cellules fusionnées G2:G3 : seule G2 a une valeur, les autres se liraient vides "
        "(défusionner ces cellules et recopier la valeur dans chacune)"
    ]


def test_formula_without_cached_value_in_xlsx_is_a_fault(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    rows = _csv_rows(folder / "visits.csv")
    (folder / "visits.csv").unlink()
    rows[3][5] = "=F2*2"  # openpyxl saves formulas without a computed value
    _xlsx(folder / "visits.xlsx", rows)
    assert _faults(folder) == [
        "visits.xlsx, ligne 4, colonne 'duree' : formule =F2*2 sans valeur calculée "
        "(ouvrir et enregistrer le fichier dans Excel ou LibreOffice, ou remplacer la formule par sa valeur)"
    ]


def test_a_million_rows_are_refused_before_parsing(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    row = "r{},71137,46.4372,4.6601,car,oui\n"
    with open(folder / "residents.csv", "w", encoding="utf-8") as f:
        f.write("id,commune,lat,lon,mobilite,synthetique\n")
        f.writelines(row.format(i) for i in range(1_000_000))
    assert _faults(folder) == [
        "residents.csv : fichier trop grand : 1\u202f000\u202f001 lignes (un tableau de scénario compte au plus "
        "200\u202f000 lignes ; découper le territoire ou vérifier l'export)"
    ]


# -- root cause first, plausibility -------------------------------------------------------------


def _swap_lat_lon(folder: Path, name: str) -> None:
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    i, j = head.index("lat"), head.index("lon")
    head[i], head[j] = "lon", "lat"
    (folder / name).write_text("\n".join([",".join(head), *lines[1:]]) + "\n", encoding="utf-8")


def _shift(folder: Path, name: str, dlat: float) -> None:
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    i = lines[0].split(",").index("lat")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[i]:
            cells[i] = f"{float(cells[i]) + dlat:.4f}"
        out.append(",".join(cells))
    (folder / name).write_text("\n".join(out) + "\n", encoding="utf-8")


def test_lat_lon_swapped_in_communes_alone_is_one_fault_naming_communes(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    _swap_lat_lon(folder, "communes.csv")
    # before: one fault per site, resident and visit row, none naming communes.csv
    assert _faults(folder) == [
        "communes.csv, colonne 'lat' : latitude et longitude inversées dans tout le fichier (point médian 4.647, 46.436) "
        "(échanger les titres des colonnes 'lat' et 'lon')"
    ]


def test_every_point_shifted_into_the_atlantic_is_a_fault(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    for name in ("communes.csv", "sites.csv", "residents.csv", "visits.csv"):
        _shift(folder, name, -40.0)
    assert _faults(folder) == [
        "communes.csv, colonne 'lat' : les mairies sont hors de France (point médian 6.436, 4.647) "
        "(vérifier lat/lon : degrés décimaux WGS84, par exemple 46,436 et 4,658 pour Cluny)"
    ]


def test_a_table_swapped_as_a_whole_is_one_fault(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    _swap_lat_lon(folder, "residents.csv")
    assert _faults(folder) == [
        "residents.csv, colonne 'lat' : 6 points sur 6 hors du territoire (premier : ligne 2) (latitude et longitude inversées ?)"
    ]


def test_a_visit_far_from_its_commune_is_a_fault(tmp_path: Path) -> None:
    folder = _tiny(tmp_path)
    _edit(folder, "communes.csv", "grille_densite\n", "grille_densite,superficie_km2\n")
    _edit(folder, "communes.csv", "4.633,6\n", "4.633,6,10\n")
    _edit(folder, "visits.csv", "v3,,,,71240", "v3,,46.48,4.70,71240")
    assert _faults(folder) == [
        "visits.csv, ligne 4, colonne 'commune' : point à 8.5 km de la mairie de Jalogny (71240) : hors de cette commune ? "
        "(vérifier le code commune, ou lat/lon)"
    ]


# (file, old, new, the one expected fault)
RANGE_CASES = [
    # a population with three zeros too many
    ("communes.csv", "Cluny,4980,", "Cluny,4980000,",
     "communes.csv, ligne 2, colonne 'population' : population de 4980000 habitants invraisemblable pour une commune "
     "(écrire la population municipale (au plus 2200000))"),
    # a visit of 900 min (15 h): hours typed as minutes
    ("visits.csv", "71240,30,mar", "71240,900,mar",
     "visits.csv, ligne 4, colonne 'duree' : visite de 15 h invraisemblable (écrire la durée en minutes (au plus 10 h), par exemple 45)"),
    # 5 stops of 2 h do not fit a 09:00-17:00 day
    ("bus.csv", "120,800,2,2", "120,800,2,5",
     "bus.csv, ligne 2, colonne 'arrets_par_jour' : 5 arrêts de 120 min ne tiennent pas dans la journée 09:00-17:00 "
     "(réduire le nombre d'arrêts par jour ou leur durée, ou allonger la journée)"),
    # a walk radius in metres typed as 8 km... in metres
    ("bus.csv", "120,800,2,2", "120,8000,2,2",
     "bus.csv, ligne 2, colonne 'rayon_marche_m' : rayon de marche de 8000 m invraisemblable "
     "(écrire une distance à pied en mètres, au plus 5000)"),
]


@pytest.mark.parametrize(("name", "old", "new", "fault"), RANGE_CASES)
def test_implausible_values_are_faults(tmp_path: Path, name: str, old: str, new: str, fault: str) -> None:
    folder = _tiny(tmp_path)
    _edit(folder, name, old, new)
    assert _faults(folder) == [fault]


def test_added_requests_read_from_xlsx_and_clashing_ids_refused(tmp_path: Path) -> None:
    from itinerant.scenario import read_visits

    sc = load_scenario(TINY)
    rows = [["id", "habitant", "duree", "fenetres", "competence"],
            ["u1", "r1", 30, "09:00-17:00", "sante"],
            ["v1", "r2", 30, "09:00-17:00", "sante"]]  # v1 is already a request of the scenario
    _xlsx(tmp_path / "urgent.xlsx", rows)
    with pytest.raises(InputError) as exc:
        read_visits(tmp_path / "urgent.xlsx", sc)
    assert [str(f) for f in exc.value.faults] == [
        "urgent.xlsx, ligne 3, colonne 'id' : identifiant 'v1' déjà utilisé par une visite du scénario (donner un nouvel identifiant)"]
    _xlsx(tmp_path / "urgent.xlsx", rows[:2])
    (added,) = read_visits(tmp_path / "urgent.xlsx", sc)
    assert (added.id, added.resident_id, added.duration_s, added.windows) == ("u1", "r1", 1800, ((9 * 3600, 17 * 3600),))
