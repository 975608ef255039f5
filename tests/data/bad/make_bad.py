"""Rebuild the bad-input scenarios: each folder is ``tests/data/tiny`` with ONE defect.

Run from the repository root: ``python tests/data/bad/make_bad.py``. The folders are
committed; this script only documents how they were made (each edit below is the
defect the folder is named after). ``several_faults`` carries several defects at once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
TINY = HERE.parent / "tiny"

# folder -> list of edits: ("replace", file, old, new) | ("write", file, text) | ("delete", file)
DEFECTS: dict[str, list[tuple]] = {
    "window_ends_before_start": [("replace", "visits.csv", "45,lun|mar,09:00-12:00", "45,lun|mar,18:00-09:00")],
    "unknown_commune_code": [("replace", "residents.csv", "r3,71137,", "r3,71999,")],
    "duplicate_id": [("replace", "visits.csv", "v2,r2", "v1,r2")],
    "skill_no_advisor_has": [("replace", "visits.csv", "09:00-12:00,numerique,must", "09:00-12:00,juridique,must")],
    "coordinates_outside_territory": [("replace", "residents.csv", "r5,71264,46.4570,4.6480", "r5,71264,45.4570,4.6480")],
    "coordinates_swapped": [("replace", "sites.csv", "71137,46.436,4.658", "71137,4.658,46.436")],
    "empty_file": [("write", "visits.csv", "")],
    "header_only_communes": [("write", "communes.csv", "code,nom,population,lat,lon\n")],
    "wrong_separator": [
        ("write", "communes.csv", "code|nom|population|lat|lon\n71137|Cluny|4980|46.436|4.658\n71264|Lournand|319|46.457|4.647\n71240|Jalogny|398|46.419|4.633\n")
    ],
    "decimal_comma_in_comma_file": [("replace", "residents.csv", "r3,71137,46.4372,4.6601", "r3,71137,46,4372,4,6601")],
    "bad_time": [("replace", "advisors.csv", "lun|mar|jeu,08:30,", "lun|mar|jeu,8h75,")],
    "bad_number": [("replace", "communes.csv", "Lournand,319,", "Lournand,trois cents,")],
    "bad_day": [("replace", "visits.csv", "45,lun|mar,", "45,lun|mardy,")],
    "bad_priority": [("replace", "visits.csv", "emploi,could", "emploi,urgentissime")],
    "bad_mobility": [("replace", "residents.csv", "r4,71137,46.4350,4.6550,low", "r4,71137,46.4350,4.6550,velo")],
    "bad_boolean": [("replace", "sites.csv", "oui,oui", "oui,peut-être")],
    "bad_site_type": [("replace", "sites.csv", "arret-jalogny,Place de la mairie de Jalogny,bus_stop", "arret-jalogny,Place de la mairie de Jalogny,parking")],
    "missing_column": [
        ("replace", "visits.csv", "id,habitant,lat,lon,commune,duree,", "id,habitant,lat,lon,commune,"),
        ("replace", "visits.csv", "71264,45,", "71264,"),
        ("replace", "visits.csv", ",,,,60,", ",,,,"),
        ("replace", "visits.csv", "71240,30,", "71240,"),
    ],
    "unknown_column": [("replace", "visits.csv", ",competence,", ",competance,")],
    "missing_file": [("delete", "communes.csv")],
    "empty_cell": [("replace", "visits.csv", "v3,,,,71240,30,", "v3,,,,71240,,")],
    "unknown_site_id": [
        ("replace", "advisors.csv", "pause_duree\n", "pause_duree,site_depart\n"),
        ("replace", "advisors.csv", "14:00,45\n", "14:00,45,bureau\n"),
        ("replace", "advisors.csv", "13h30,30\n", "13h30,30,office\n"),
    ],
    "lunch_inconsistent": [("replace", "advisors.csv", "12h,13h30,30", "12h,13h30,120")],
    "lunch_ends_before_it_starts": [("replace", "advisors.csv", "12:00,14:00,45", "14:00,12:00,45")],
    "shift_ends_before_start": [("replace", "advisors.csv", "a1,Conseiller A (fictif),numerique|sante,lun|mar|jeu,08:30,17:00", "a1,Conseiller A (fictif),numerique|sante,lun|mar|jeu,17:00,08:30")],
    "week_start_not_monday": [("replace", "scenario.yaml", "week_start: 2026-11-30", "week_start: 2026-12-01")],
    "no_advisor_works_those_days": [("replace", "visits.csv", "45,lun|mar,", "45,sam|dim,")],
    "unknown_resident": [("replace", "visits.csv", "v1,r1,", "v1,r99,")],
    "unknown_advisor": [("replace", "visits.csv", "id,habitant,", "meme_conseiller,id,habitant,"), ("replace", "visits.csv", "\nv1,", "\nzz,v1,"), ("replace", "visits.csv", "\nv2,", "\n,v2,"), ("replace", "visits.csv", "\nv3,", "\n,v3,")],
    "pinned_date_outside_week": [
        ("replace", "visits.csv", "competence,priorite\n", "competence,priorite,conseiller_impose,date_imposee\n"),
        ("replace", "visits.csv", "numerique,must\n", "numerique,must,a1,2026-12-14\n"),
    ],
    "visit_longer_than_windows": [("replace", "visits.csv", "v3,,,,71240,30,", "v3,,,,71240,240,")],
    "bus_ends_before_start": [("replace", "bus.csv", "mar|jeu,09:00,17:00", "mar|jeu,09:00,08:00")],
    "commitment_day_without_bus": [("replace", "commitments.csv", "c1,bus1,jeu,", "c1,bus1,lun,")],
    "osm_file_missing": [("replace", "scenario.yaml", 'osm_file: ""', "osm_file: nulle_part.osm.pbf")],
    "yaml_unknown_key": [("replace", "scenario.yaml", "calendar:", "calender:")],
    "several_faults": [
        ("replace", "visits.csv", "45,lun|mar,09:00-12:00", "45,lun|mar,18:00-09:00"),
        ("replace", "visits.csv", "v2,r2", "v1,r2"),
        ("replace", "residents.csv", "r3,71137,", "r3,71999,"),
        ("replace", "advisors.csv", "lun|mar|jeu,08:30,", "lun|mar|jeu,8h75,"),
        ("replace", "scenario.yaml", "week_start: 2026-11-30", "week_start: 2026-12-01"),
    ],
}


def main() -> None:
    for name, edits in DEFECTS.items():
        dest = HERE / name
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(TINY, dest)
        for edit in edits:
            kind, file = edit[0], dest / edit[1]
            if kind == "delete":
                file.unlink()
            elif kind == "write":
                file.write_text(edit[2], encoding="utf-8")
            else:
                text = file.read_text(encoding="utf-8")
                if edit[2] not in text:
                    raise SystemExit(f"{name}: {edit[2]!r} not in {edit[1]}")
                file.write_text(text.replace(edit[2], edit[3], 1), encoding="utf-8")


if __name__ == "__main__":
    main()
