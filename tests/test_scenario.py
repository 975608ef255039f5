"""The scenario loader: valid scenarios load with the right values, every bad input
gives a French fault naming its file, row and column, and all faults come at once."""

from __future__ import annotations

import datetime as dt
import filecmp
import importlib.util
import shutil
from collections import Counter
from pathlib import Path

import pytest

from itinerant.core.errors import Fault, InputError
from itinerant.scenario import (
    load_scenario,
    parse_days,
    parse_duration,
    parse_time,
    parse_windows,
    read_visits,
    validate_scenario,
)

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"
TINY = DATA / "tiny"
CLUNISOIS = REPO / "scenarios" / "clunisois"


@pytest.fixture(scope="module")
def clunisois():
    return load_scenario(CLUNISOIS)


# -- bad inputs: one folder per defect (tests/data/bad/<defect>, built by make_bad.py) ---------

BAD_CASES = [
    # (folder, file, row, column, part of the message)
    # a visit window written backwards
    ("window_ends_before_start", "visits.csv", 2, "fenetres", "'18:00-09:00' se termine avant de commencer"),
    # a resident in commune 71999, absent from communes.csv
    ("unknown_commune_code", "residents.csv", 4, "commune", "code commune '71999' inconnu"),
    # two visits with id v1 (the second is flagged)
    ("duplicate_id", "visits.csv", 3, "id", "identifiant 'v1' en double (déjà utilisé ligne 2)"),
    # a visit needing 'juridique', which no advisor has
    ("skill_no_advisor_has", "visits.csv", 2, "competence", "aucun conseiller n'a la compétence 'juridique'"),
    # a resident 100 km south of the territory
    ("coordinates_outside_territory", "residents.csv", 6, "lat", "hors du territoire"),
    # the office with latitude and longitude swapped (the fix says so)
    ("coordinates_swapped", "sites.csv", 2, "lat", "hors du territoire"),
    # visits.csv is 0 bytes
    ("empty_file", "visits.csv", None, "", "fichier vide"),
    # communes.csv has a header and no commune
    ("header_only_communes", "communes.csv", None, "", "aucune commune"),
    # communes.csv separated by '|': the header reads as one column
    ("wrong_separator", "communes.csv", 1, "", "séparateur '|' non reconnu"),
    # decimal commas in a ','-separated file: the row has too many cells
    ("decimal_comma_in_comma_file", "residents.csv", 4, "", "8 cellules au lieu de 6"),
    # an advisor starting at 8h75
    ("bad_time", "advisors.csv", 2, "debut", "'8h75' n'est pas une heure valide"),
    # a population written in words
    ("bad_number", "communes.csv", 3, "population", "'trois cents' n'est pas un nombre"),
    # a misspelt weekday
    ("bad_day", "visits.csv", 2, "jours", "'mardy' n'est pas un jour de la semaine"),
    # a priority that is none of must/should/could
    ("bad_priority", "visits.csv", 4, "priorite", "'urgentissime' n'est pas une valeur possible"),
    # a mobility that is none of none/low/car
    ("bad_mobility", "residents.csv", 5, "mobilite", "'velo' n'est pas une valeur possible"),
    # a boolean that is neither oui nor non
    ("bad_boolean", "sites.csv", 2, "existant", "'peut-être' n'est ni oui ni non"),
    # a site type that does not exist
    ("bad_site_type", "sites.csv", 4, "type", "'parking' n'est pas une valeur possible"),
    # visits.csv without its required 'duree' column
    ("missing_column", "visits.csv", 1, "duree", "colonne obligatoire absente"),
    # a misspelt column name (the fix suggests the right one)
    ("unknown_column", "visits.csv", 1, "competance", "colonne inconnue"),
    # no communes table at all
    ("missing_file", "communes.csv", None, "", "fichier absent"),
    # a visit without a duration
    ("empty_cell", "visits.csv", 4, "duree", "cellule vide"),
    # an advisor starting from a site that does not exist
    ("unknown_site_id", "advisors.csv", 2, "site_depart", "site 'bureau' inconnu"),
    # a 120-min lunch inside a 90-min lunch window
    ("lunch_inconsistent", "advisors.csv", 3, "pause_duree", "pause de 120 min plus longue que sa plage 12:00-13:30"),
    # a lunch window 14:00-12:00
    ("lunch_ends_before_it_starts", "advisors.csv", 2, "pause_fin", "la fin précède le début"),
    # an advisor working 17:00-08:30
    ("shift_ends_before_start", "advisors.csv", 2, "fin", "fin de journée 08:30 avant le début 17:00"),
    # calendar.week_start on a Tuesday
    ("week_start_not_monday", "scenario.yaml", None, "calendar.week_start", "2026-12-01 est un mardi, pas un lundi"),
    # a visit allowed only on the weekend, when nobody works
    ("no_advisor_works_those_days", "visits.csv", 2, "jours", "aucun conseiller ne travaille ces jours-là"),
    # a visit for resident r99, absent from residents.csv
    ("unknown_resident", "visits.csv", 2, "habitant", "habitant 'r99' inconnu"),
    # "same advisor as last time" naming an unknown advisor
    ("unknown_advisor", "visits.csv", 2, "meme_conseiller", "conseiller 'zz' inconnu"),
    # an appointment pinned two weeks after the planned week
    ("pinned_date_outside_week", "visits.csv", 2, "date_imposee", "2026-12-14 hors de la semaine planifiée"),
    # a 4-hour visit with a 2-hour window
    ("visit_longer_than_windows", "visits.csv", 4, "fenetres", "visite de 240 min plus longue que toutes ses plages"),
    # the bus running 09:00-08:00
    ("bus_ends_before_start", "bus.csv", 2, "fin", "fin 08:00 avant le début 09:00"),
    # a bus commitment on Monday, when the bus does not run
    ("commitment_day_without_bus", "commitments.csv", 2, "jour", "le bus 'bus1' ne circule pas le lundi"),
    # settings.osm_file naming a file that does not exist
    ("osm_file_missing", "scenario.yaml", None, "settings.osm_file", "fichier OSM introuvable"),
    # a misspelt key in scenario.yaml
    ("yaml_unknown_key", "scenario.yaml", None, "calender", "clé inconnue"),
]


@pytest.mark.parametrize(("folder", "file", "row", "column", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_is_reported_where_it_is(folder: str, file: str, row: int | None, column: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        load_scenario(BAD / folder)
    faults = exc.value.faults
    first = faults[0]
    assert (first.file, first.row, first.column) == (file, row, column), faults
    assert message in first.message
    assert isinstance(exc.value, ValueError)
    # Only the defect itself: no cascade of consequences, and no pydantic jargon.
    assert len(faults) <= 2, [str(f) for f in faults]
    text = str(exc.value)
    for jargon in ("pydantic", "validation error", "Input should", "Traceback", "type="):
        assert jargon not in text


def test_every_bad_folder_is_tested() -> None:
    folders = {p.name for p in BAD.iterdir() if p.is_dir()} - {"several_faults"}
    assert folders == {c[0] for c in BAD_CASES}


@pytest.mark.parametrize(
    ("folder", "fix"),
    [
        ("coordinates_swapped", "latitude et longitude inversées ?"),  # the fix names the likely cause
        ("unknown_column", "vouliez-vous dire 'competence' ?"),  # closest column name
        ("yaml_unknown_key", "vouliez-vous dire 'calendar' ?"),  # closest key
        ("week_start_not_monday", "écrire le lundi de cette semaine : 2026-11-30"),  # the Monday to write
        ("window_ends_before_start", "écrire HH:MM-HH:MM"),
    ],
)
def test_fixes_tell_what_to_write(folder: str, fix: str) -> None:
    assert fix in validate_scenario(BAD / folder)[0].fix


def test_fault_text_matches_the_documented_form() -> None:
    (f,) = validate_scenario(BAD / "window_ends_before_start")
    assert str(f) == "visits.csv, ligne 2, colonne 'fenetres' : '18:00-09:00' se termine avant de commencer (écrire HH:MM-HH:MM)"


def test_all_faults_are_reported_at_once() -> None:
    with pytest.raises(InputError) as exc:
        load_scenario(BAD / "several_faults")
    where = {(f.file, f.row, f.column) for f in exc.value.faults}
    assert where == {
        ("visits.csv", 2, "fenetres"),  # window 18:00-09:00
        ("visits.csv", 3, "id"),  # v1 twice
        ("residents.csv", 4, "commune"),  # commune 71999
        ("advisors.csv", 2, "debut"),  # 8h75
        ("scenario.yaml", None, "calendar.week_start"),  # a Tuesday
    }
    assert str(exc.value).startswith("5 erreurs dans les données :")


def test_validate_scenario_is_empty_for_valid_folders() -> None:
    assert validate_scenario(TINY) == []
    assert validate_scenario(CLUNISOIS) == []


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="dossier de scénario introuvable"):
        load_scenario(tmp_path / "nope")


# -- cell parsers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("09:30", 34200), ("9h30", 34200), ("9h", 32400), ("9:30:00", 34200), ("17H05", 61500), ("24:00", 86400), ("0:00", 0)],
)
def test_parse_time(text: str, seconds: int) -> None:
    assert parse_time(text) == seconds


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("09:00-12:00", ((32400, 43200),)),
        ("9h-12h | 14h-17h", ((32400, 43200), (50400, 61200))),
        ("14:00-17:00 / 09:00-12:00", ((32400, 43200), (50400, 61200))),  # sorted
        ("09:00-12:00, 11:00-13:00", ((32400, 46800),)),  # overlapping windows merge
        ("9h30 à 11h", ((34200, 39600),)),
        ("09:00–12:00", ((32400, 43200),)),  # en dash from a word processor
    ],
)
def test_parse_windows(text: str, windows: tuple) -> None:
    assert parse_windows(text) == windows


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("lun|mar|jeu", (0, 1, 3)),
        ("Lundi, Jeudi", (0, 3)),
        ("mon tue", (0, 1)),
        ("lun-ven", (0, 1, 2, 3, 4)),
        ("mercredi", (2,)),
        ("sam|dim", (5, 6)),
    ],
)
def test_parse_days(text: str, days: tuple) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(("text", "seconds"), [("45", 2700), ("45 min", 2700), ("1h30", 5400), ("1:30", 5400), ("2h", 7200), ("1,5", 90)])
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


# -- valid scenarios -----------------------------------------------------------------------------------


def test_tiny_scenario_values() -> None:
    s = load_scenario(TINY)
    a2 = next(a for a in s.advisors if a.id == "a2")
    assert (a2.start_s, a2.end_s, a2.lunch_start_s, a2.lunch_end_s, a2.lunch_duration_s) == (32400, 59400, 43200, 48600, 1800)
    assert a2.start_site == a2.end_site == "office"  # the only office, by default
    assert a2.max_work_s == a2.end_s - a2.start_s
    v1, v2, v3 = s.visits
    assert (v1.lat, v1.lon, v1.days, v1.windows, v1.skill) == (46.4601, 4.6452, (0, 1), ((32400, 43200),), "numerique")
    r2 = next(r for r in s.residents if r.id == "r2")
    assert (v2.lat, v2.lon, v2.commune_code, v2.location_is_commune) == (r2.lat, r2.lon, "71240", False)  # at the resident's home
    assert v2.days == (0, 1, 2, 3)  # empty cell: every day an advisor works
    jalogny = s.commune("71240")
    assert (v3.lat, v3.lon, v3.location_is_commune) == (jalogny.lat, jalogny.lon, True)  # town-hall point stands in
    assert (v3.priority, v2.priority) == ("could", "should")
    stop = s.site("arret-lournand")
    assert stop.approximate and (stop.lat, stop.lon) == (46.457, 4.647)  # no point given: the town hall
    (bus,) = s.buses
    assert (bus.days, bus.stop_duration_s, bus.walk_radius_m, bus.cycle_weeks) == ((1, 3), 7200, 800, 2)
    (c,) = s.commitments
    assert (c.weekday, c.start_s, c.end_s, c.weeks, c.site_id) == (3, 32400, 43200, (1,), "arret-lournand")
    assert s.settings.osm_file is None
    assert s.calendar.week_start == dt.date(2026, 11, 30)


def test_french_value_words_are_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    text = (folder / "visits.csv").read_text(encoding="utf-8")
    text = text.replace("numerique,must", "Numérique,obligatoire").replace("sante,should", "SANTÉ,souhaitable").replace("emploi,could", "emploi,facultative")
    (folder / "visits.csv").write_text(text, encoding="utf-8")
    res = (folder / "residents.csv").read_text(encoding="utf-8").replace(",low,oui", ",faible,vrai").replace(",none,oui", ",aucune,1")
    (folder / "residents.csv").write_text(res, encoding="utf-8")
    s = load_scenario(folder)
    assert [(v.skill, v.priority) for v in s.visits] == [("numerique", "must"), ("sante", "should"), ("emploi", "could")]
    assert Counter(r.mobility for r in s.residents) == Counter({"car": 3, "low": 2, "none": 1})


def test_holidays_of_the_week_and_bus_cycle(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    yaml_text = (folder / "scenario.yaml").read_text(encoding="utf-8").replace("2026-11-30", "2026-12-21")
    (folder / "scenario.yaml").write_text(yaml_text, encoding="utf-8")
    s = load_scenario(folder)  # bus cycle of 2 weeks: 21 Dec 2026 - 3 Jan 2027
    assert s.calendar.holidays == ((dt.date(2026, 12, 25), "Noël"), (dt.date(2027, 1, 1), "Jour de l'an"))
    assert s.calendar.working_dates((0, 4)) == (dt.date(2026, 12, 21),)  # Friday the 25th is off


def test_clunisois_scenario(clunisois) -> None:
    s = clunisois
    assert len(s.communes) == 41
    assert sum(c.population for c in s.communes) == 14020
    assert len({c.code for c in s.communes}) == 41
    assert len(s.residents) == 14020 and all(r.synthetic for r in s.residents)
    per_commune = Counter(r.commune_code for r in s.residents)
    assert per_commune == {c.code: c.population for c in s.communes}  # one synthetic resident per inhabitant
    for c in s.communes:  # reduced mobility everywhere
        kinds = {r.mobility for r in s.residents if r.commune_code == c.code}
        assert {"none", "low"} <= kinds, c.name
    assert 55 <= len(s.visits) <= 65
    residents = {r.id: r for r in s.residents}
    for v in s.visits:
        if v.resident_id:
            r = residents[v.resident_id]
            assert r.mobility in ("none", "low") and (v.lat, v.lon) == (r.lat, r.lon)
        else:
            assert v.location_is_commune
        assert 30 * 60 <= v.duration_s <= 90 * 60
    assert {v.skill for v in s.visits} == {"emploi", "mediation", "numerique", "sante"}
    assert Counter(v.priority for v in s.visits).most_common(1)[0][0] == "must"
    assert sum(v.same_advisor is not None for v in s.visits) >= 2
    assert sum(v.pinned_date is not None for v in s.visits) == 1
    assert len(s.advisors) == 4 and all(1 <= len(a.skills) <= 3 for a in s.advisors)
    assert {a.start_site for a in s.advisors} == {"fs-cluny"}
    kinds = Counter(site.kind for site in s.sites)
    assert kinds["office"] == 1 and kinds["bus_stop"] == 41 and kinds["candidate"] >= 6
    assert all(site.approximate for site in s.sites)
    (bus,) = s.buses
    assert (bus.depot, bus.days, bus.cycle_weeks, bus.walk_radius_m, bus.stop_duration_s) == ("fs-cluny", (1, 2, 3, 4), 4, 800, 5400)
    assert [c.site_id for c in s.commitments] == ["ant-salornay"]
    assert s.calendar.week_start.weekday() == 0
    assert (dt.date(2026, 12, 25), "Noël") in s.calendar.holidays  # within the 4-week bus cycle
    assert "INSEE" in s.sources and s.settings.osm_file is None


def test_clunisois_generator_is_deterministic(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("clunisois_generate", CLUNISOIS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(p.name for p in CLUNISOIS.glob("*.csv"))
    _, mismatch, errors = filecmp.cmpfiles(tmp_path, CLUNISOIS, names, shallow=False)
    assert mismatch == [] and errors == []


def test_andorra_scenario_points_at_the_shared_osm_file(andorra_osm: Path) -> None:
    s = load_scenario(DATA / "andorra")
    assert s.settings.osm_file == andorra_osm.resolve()
    assert len(s.communes) == 7 and len(s.advisors) == 2
    assert len(s.visits) == 10 and len(s.residents) == 50
    assert not any(p.suffix in (".osm", ".pbf", ".bz2") for p in (DATA / "andorra").iterdir())  # never copied


def test_faults_are_plain_data() -> None:
    f = validate_scenario(BAD / "duplicate_id")[0]
    assert isinstance(f, Fault) and f == Fault(f.file, f.row, f.column, f.message, f.fix)


def test_read_visits_adds_requests_to_a_loaded_scenario(tmp_path: Path) -> None:
    s = load_scenario(TINY)
    new = tmp_path / "nouvelles.csv"
    new.write_text("id;habitant;duree;fenetres;competence\nv9;r4;30;14h-16h;numérique\n", encoding="cp1252")
    (v9,) = read_visits(new, s)
    r4 = next(r for r in s.residents if r.id == "r4")
    assert (v9.lat, v9.lon, v9.commune_code, v9.windows, v9.skill) == (r4.lat, r4.lon, "71137", ((50400, 57600),), "numerique")


def test_read_visits_reports_clashes_and_bad_cells(tmp_path: Path) -> None:
    s = load_scenario(TINY)
    new = tmp_path / "nouvelles.csv"
    new.write_text("id,habitant,duree,competence\nv1,r4,30,numerique\nv9,r4,30,juridique\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_visits(new, s)
    assert [(f.row, f.column) for f in exc.value.faults] == [(2, "id"), (3, "competence")]
    assert "déjà utilisé par une visite du scénario" in exc.value.faults[0].message


def test_bus_in_scenario_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    (folder / "bus.csv").unlink()
    (folder / "commitments.csv").unlink()
    bus = "bus:\n  id: b\n  depot: office\n  days: tue thu\n  debut: 9:30\n  fin: 17:00\n  duree_arret: 1:30\n"
    (folder / "scenario.yaml").write_text((TINY / "scenario.yaml").read_text(encoding="utf-8") + bus, encoding="utf-8")
    (b,) = load_scenario(folder).buses  # unquoted 9:30 and 17:00 are YAML numbers: still read as times
    assert (b.days, b.start_s, b.end_s, b.stop_duration_s, b.walk_radius_m, b.cycle_weeks) == ((1, 3), 34200, 61200, 5400, 800, 4)
    (folder / "scenario.yaml").write_text((TINY / "scenario.yaml").read_text(encoding="utf-8") + bus + "  rayonn: 3\n", encoding="utf-8")
    (f,) = validate_scenario(folder)
    assert (f.file, f.column, f.message, f.fix) == ("scenario.yaml", "bus.rayonn", "clé inconnue", "vouliez-vous dire 'rayon_marche_m' ?")
