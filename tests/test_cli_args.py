"""Every command against a table of bad arguments (issue 12): a French answer, exit code 2
for a bad option or usage, 1 for bad data, never a traceback, and nothing long started.

The commands run in-process through :func:`itinerant.cli.main` (the console script), so
the table stays fast; tests/test_cli.py runs the real ``python -m itinerant``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from itinerant import cli

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Bad and good input files, written once."""
    d = tmp_path_factory.mktemp("args")
    f: dict[str, Path] = {"dir": d / "a-folder"}
    f["dir"].mkdir()
    (f["dir"] / "notes.txt").write_text("à garder", encoding="utf-8")
    f["file"] = d / "a-file.txt"
    f["file"].write_text("x", encoding="utf-8")
    plan = {"week_start": "2026-11-30", "routes": [], "unassigned": []}

    def plan_file(name: str, doc: object) -> Path:
        path = d / name
        path.write_text(json.dumps(doc), encoding="utf-8")
        return path

    f["plan_routes_str"] = plan_file("routes-str.json", {**plan, "routes": "a1"})
    f["plan_day_null"] = plan_file("day-null.json", {**plan, "routes": [{"advisor_id": "a1", "day": None, "stops": []}]})
    f["plan_stops_dict"] = plan_file("stops-dict.json", {**plan, "routes": [{"advisor_id": "a1", "day": "2026-12-01", "stops": {"v1": 1}}]})
    f["plan_stop_id_num"] = plan_file("stop-id.json", {**plan, "routes": [{"advisor_id": "a1", "day": "2026-12-01", "stops": [{"visit_id": 7, "pinned": "oui"}]}]})
    f["plan_list"] = plan_file("list.json", [1, 2])
    f["plan_not_json"] = d / "not-json.json"
    f["plan_not_json"].write_text("{routes: [", encoding="utf-8")
    f["plan_binary"] = d / "binary.json"
    f["plan_binary"].write_bytes(b"\xff\xfe\x00\x81garbage")
    f["plan_deep"] = d / "deep.json"
    f["plan_deep"].write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    header = "id,habitant,lat,lon,commune,duree,jours,fenetres,competence,priorite\n"
    f["add_clash"] = d / "clash.csv"
    f["add_clash"].write_text(header + "v1,r1,46.4601,4.6452,71264,30,,09:00-17:00,sante,must\n", encoding="utf-8")
    f["add_txt"] = d / "new.txt"
    f["add_txt"].write_text(header + "u1,r1,46.4601,4.6452,71264,30,,09:00-17:00,sante,must\n", encoding="utf-8")
    f["points_cp1252"] = d / "points-cp1252.csv"
    f["points_cp1252"].write_bytes("id,lat,lon\nmairie-été,46,436,4,658\n".encode("cp1252"))
    f["points_bad"] = d / "points-bad.csv"
    f["points_bad"].write_text("nom;latitude\nx;y\n", encoding="utf-8")
    f["points_ok"] = d / "points.csv"
    f["points_ok"].write_text("id,lat,lon\ncluny,46.436,4.658\nsalornay,46.519,4.597\n", encoding="utf-8")
    f["variant_bomb"] = d / "bomb.yaml"
    f["variant_bomb"].write_text("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [" + ", ".join([f"*{p}"] * 10) + "]\n" for p, c in zip("abcdefgh", "bcdefghi")), encoding="utf-8")
    f["variant_list"] = d / "list.yaml"
    f["variant_list"].write_text("- p: 2\n", encoding="utf-8")
    f["timetable_bad"] = d / "timetable.csv"
    f["timetable_bad"].write_bytes("commune;arrêt\nx;y\n".encode("cp1252"))
    f["osm_text"] = d / "roads.osm"
    f["osm_text"].write_text("ceci n'est pas un fichier OSM", encoding="utf-8")
    f["out_other"] = d / "other-files"
    f["out_other"].mkdir()
    (f["out_other"] / "mes-notes.odt").write_text("important", encoding="utf-8")
    return f


T = str(TINY)

# (id, args, exit code, what stderr must contain); {name} is a path from `files`, {tmp} a fresh folder
CASES = [
    # -- usage (exit 2) ---------------------------------------------------------------------
    ("no-such-command", ["nope"], 2, "commande inconnue : nope"),
    ("unknown-option", ["validate", T, "--bogus"], 2, "option inconnue : --bogus"),
    ("missing-scenario", ["visits"], 2, "argument obligatoire absent : SCENARIO"),
    ("missing-out", ["visits", T], 2, "option obligatoire absente : --out"),
    ("time-limit-not-a-number", ["visits", T, "--out", "{tmp}", "--time-limit", "abc"], 2, "valeur invalide pour --time-limit : écrire un nombre"),
    ("time-limit-nan", ["visits", T, "--out", "{tmp}", "--time-limit", "nan"], 2, "--time-limit nan : écrire un nombre de secondes"),
    ("time-limit-inf", ["bus", T, "--out", "{tmp}", "--time-limit", "inf"], 2, "--time-limit inf : écrire un nombre de secondes"),
    ("time-limit-negative", ["visits", T, "--out", "{tmp}", "--time-limit", "-5"], 2, "--time-limit -5 : écrire un nombre de secondes"),
    ("time-limit-zero", ["bus", T, "--out", "{tmp}", "--time-limit", "0"], 2, "--time-limit 0 : écrire un nombre de secondes"),
    ("engine-unknown", ["visits", T, "--out", "{tmp}", "--engine", "vroom"], 2, "--engine « vroom » : moteur inconnu"),
    ("seed-negative", ["visits", T, "--out", "{tmp}", "--seed", "-1"], 2, "--seed -1 : écrire un entier positif ou nul"),
    ("seed-not-int", ["bus", T, "--out", "{tmp}", "--seed", "1.5"], 2, "valeur invalide pour --seed : écrire un nombre entier"),
    ("iterations-zero", ["visits", T, "--out", "{tmp}", "--iterations", "0"], 2, "--iterations 0 : écrire un entier entre 1"),
    ("iterations-text", ["bus", T, "--out", "{tmp}", "--iterations", "beaucoup"], 2, "valeur invalide pour --iterations : écrire un nombre entier"),
    ("model-unknown", ["antennes", T, "--model", "kmeans", "--out", "{tmp}"], 2, "--model « kmeans » : modèle inconnu"),
    ("p-negative", ["antennes", T, "--p", "-1", "--out", "{tmp}"], 2, "--p -1 : écrire un nombre d'antennes"),
    ("p-not-int", ["antennes", T, "--p", "deux", "--out", "{tmp}"], 2, "valeur invalide pour --p : écrire un nombre entier"),
    ("minutes-zero", ["antennes", T, "--minutes", "0", "--out", "{tmp}"], 2, "--minutes 0 : écrire un seuil en minutes"),
    ("compare-no-variant", ["antennes", "compare", T, "--out", "{tmp}"], 2, "argument obligatoire absent : VARIANTS"),
    ("matrix-no-points", ["matrix", "--out", "{tmp}/m.npz"], 2, "option obligatoire absente : --points"),
    ("option-without-value", ["visits", T, "--out"], 2, "l'option --out demande une valeur"),
    ("extra-argument", ["validate", T, "encore"], 2, "argument en trop : encore"),
    # -- data (exit 1) ----------------------------------------------------------------------
    ("validate-missing-folder", ["validate", "{tmp}/nulle-part"], 1, "dossier de scénario introuvable"),
    ("validate-a-file", ["validate", "{file}"], 1, "dossier de scénario introuvable"),
    ("out-is-a-file", ["visits", T, "--out", "{file}"], 1, "c'est un fichier, pas un dossier"),
    ("out-holds-other-files", ["bus", T, "--out", "{out_other}"], 1, "ce dossier contient d'autres fichiers"),
    ("out-under-a-file", ["visits", T, "--out", "{file}/sortie"], 1, "est un fichier, pas un dossier"),
    ("demo-out-is-a-file", ["demo", T, "--out", "{file}"], 1, "c'est un fichier, pas un dossier"),
    ("replan-a-folder", ["visits", T, "--out", "{tmp}", "--replan", "{dir}"], 1, "--replan' : " ),
    ("replan-missing", ["visits", T, "--out", "{tmp}", "--replan", "{tmp}/plan.json"], 1, "fichier introuvable"),
    ("replan-routes-a-string", ["visits", T, "--out", "{tmp}", "--replan", "{plan_routes_str}"], 1, "colonne 'routes' : doit être une liste de tournées, pas un texte ('a1')"),
    ("replan-day-null", ["visits", T, "--out", "{tmp}", "--replan", "{plan_day_null}"], 1, "colonne 'routes[0].day' : date AAAA-MM-JJ attendue, pas None"),
    ("replan-stops-a-dict", ["visits", T, "--out", "{tmp}", "--replan", "{plan_stops_dict}"], 1, "colonne 'routes[0].stops' : doit être une liste d'arrêts"),
    ("replan-stop-fields", ["visits", T, "--out", "{tmp}", "--replan", "{plan_stop_id_num}"], 1, "colonne 'routes[0].stops[0].pinned' : true ou false attendu, pas 'oui'"),
    ("replan-a-list", ["visits", T, "--out", "{tmp}", "--replan", "{plan_list}"], 1, "pas un plan de visites"),
    ("replan-not-json", ["visits", T, "--out", "{tmp}", "--replan", "{plan_not_json}"], 1, "JSON illisible"),
    ("replan-binary", ["visits", T, "--out", "{tmp}", "--replan", "{plan_binary}"], 1, "fichier illisible"),
    ("replan-too-deep", ["visits", T, "--out", "{tmp}", "--replan", "{plan_deep}"], 1, "JSON trop imbriqué"),
    ("add-missing", ["visits", T, "--out", "{tmp}", "--add", "{tmp}/new.csv"], 1, "fichier introuvable"),
    ("add-a-folder", ["visits", T, "--out", "{tmp}", "--add", "{dir}"], 1, "est un dossier, pas un fichier"),
    ("add-id-clash", ["visits", T, "--out", "{tmp}", "--add", "{add_clash}"], 1, "identifiant 'v1' déjà utilisé par une visite du scénario"),
    ("add-txt", ["visits", T, "--out", "{tmp}", "--add", "{add_txt}"], 1, "format .txt non pris en charge"),
    ("previous-missing", ["bus", T, "--out", "{tmp}", "--previous", "{tmp}/timetable.csv"], 1, "fichier introuvable"),
    ("previous-a-folder", ["bus", T, "--out", "{tmp}", "--previous", "{dir}"], 1, "est un dossier, pas un fichier"),
    ("previous-wrong-columns", ["bus", T, "--out", "{tmp}", "--previous", "{timetable_bad}"], 1, "colonne"),
    ("osm-missing", ["visits", T, "--out", "{tmp}", "--osm", "{tmp}/nope.osm.pbf"], 1, "fichier introuvable"),
    ("osm-a-folder", ["territory", "build", T, "--osm", "{dir}"], 1, "fichier introuvable"),
    ("osm-not-osm", ["territory", "build", T, "--osm", "{osm_text}"], 1, "roads.osm"),
    ("points-missing", ["matrix", "--points", "{tmp}/p.csv", "--out", "{tmp}/m.npz"], 1, "fichier introuvable"),
    ("points-a-folder", ["matrix", "--points", "{dir}", "--out", "{tmp}/m.npz"], 1, "est un dossier, pas un fichier"),
    ("points-cp1252-decimal-comma", ["matrix", "--points", "{points_cp1252}", "--out", "{tmp}/m.npz"], 1, "points-cp1252.csv"),
    ("points-wrong-columns", ["matrix", "--points", "{points_bad}", "--out", "{tmp}/m.npz"], 1, "colonne manquante"),
    ("matrix-out-a-folder", ["matrix", "--points", "{points_ok}", "--out", "{dir}"], 1, "est un dossier"),
    ("variant-missing", ["antennes", "compare", T, "{tmp}/v.yaml", "--out", "{tmp}"], 1, "fichier introuvable"),
    ("variant-alias-bomb", ["antennes", "compare", T, "{variant_bomb}", "--out", "{tmp}"], 1, "YAML trop complexe"),
    ("variant-a-list", ["antennes", "compare", T, "{variant_list}", "--out", "{tmp}"], 1, "le fichier doit contenir des clés"),
    ("week-strategy-unknown", ["week", T, "--out", "{tmp}", "--strategy", "random"], 2, "--strategy « random » : stratégie inconnue"),
    ("week-time-limit-nan", ["week", T, "--out", "{tmp}", "--time-limit", "nan"], 2, "--time-limit nan : écrire un nombre de secondes"),
    ("week-out-is-a-file", ["week", T, "--out", "{file}"], 1, "c'est un fichier, pas un dossier"),
    ("week-previous-missing", ["week", T, "--out", "{tmp}", "--previous", "{tmp}/week.json"], 1, "fichier introuvable"),
    ("week-previous-not-json", ["week", T, "--out", "{tmp}", "--previous", "{plan_not_json}"], 1, "semaine précédente illisible"),
    ("week-previous-not-a-week", ["week", T, "--out", "{tmp}", "--previous", "{plan_list}"], 1, "n'est pas un week.json d'itinerant week"),
    ("week-bus-timetable-folder", ["week", T, "--out", "{tmp}", "--bus-timetable", "{dir}"], 1, "est un dossier, pas un fichier"),
    ("serve-port-not-a-number", ["serve", "--port", "http"], 2, "valeur invalide pour --port : écrire un nombre entier"),
]

COMMANDS = {"validate", "visits", "bus", "antennes", "matrix", "territory", "demo", "week", "serve"}


def _expand(args: list[str], files: dict[str, Path], tmp: Path) -> list[str]:
    return [a.format(tmp=tmp, **{k: str(v) for k, v in files.items()}) for a in args]


@pytest.mark.parametrize(("args", "code", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_arguments_get_a_french_answer_and_no_traceback(
    args: list[str], code: int, expected: str, files: dict[str, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        cli.main(_expand(args, files, out))
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert exc.value.code == code, text
    assert expected in " ".join(text.split()), text
    for bad in ("Traceback", "Erreur interne", "Error", "Usage:"):
        assert bad not in text, text
    # nothing half-written: no output folder, no temporary folder left beside it
    assert not out.exists() or not any(out.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_every_command_is_in_the_table() -> None:
    assert {c[1][0] for c in CASES} >= COMMANDS


def test_the_folder_of_other_files_is_untouched(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["visits", T, "--out", str(files["out_other"])])
    assert sorted(p.name for p in files["out_other"].iterdir()) == ["mes-notes.odt"]


def test_bad_options_are_reported_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["visits", T, "--out", str(tmp_path / "o"), "--time-limit", "nan", "--engine", "x", "--seed", "-3"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert [line.strip()[:16] for line in err.splitlines()] == [
        "Options invalide", "- --time-limit n", "- --seed -3 : éc", "- --engine « x »"]


def test_replan_folder_and_bad_add_are_both_reported(tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "sc"
    shutil.copytree(TINY, scenario)
    with pytest.raises(SystemExit) as exc:
        cli.main(["visits", str(scenario), "--out", str(tmp_path / "o"), "--replan", str(files["plan_routes_str"]),
                  "--add", str(files["add_clash"]), "-q"])
    err = capsys.readouterr().err
    assert exc.value.code == 1
    assert "2 erreurs dans les données" in err and "routes-str.json" in err and "clash.csv" in err


def test_a_long_fault_list_is_capped_with_a_count_and_validate_lists_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "sc"
    shutil.copytree(TINY, scenario)
    with open(scenario / "residents.csv", "a", encoding="utf-8") as f:
        f.writelines(f"x{i},71137,46.4372,4.6601,velo,oui\n" for i in range(150))  # 150 bad mobilities
    with pytest.raises(SystemExit) as exc:
        cli.main(["bus", str(scenario), "--out", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err
    assert exc.value.code == 1
    assert sum(line.startswith("  - ") for line in err.splitlines()) == 100
    assert "150 erreurs dans les données" in err and "… et 50 autres (itinerant validate les liste toutes" in err
    with pytest.raises(SystemExit):
        cli.main(["validate", str(scenario)])
    err = capsys.readouterr().err
    assert sum(line.startswith("  - ") for line in err.splitlines()) == 150 and "autres" not in err


def test_a_request_file_inside_the_output_folder_is_refused(tmp_path: Path, files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "plan.json").write_text("{}", encoding="utf-8")  # an earlier output
    shutil.copy(files["add_clash"], out / "urgent.csv")  # the coordinator's own file, which the swap would delete
    with pytest.raises(SystemExit) as exc:
        cli.main(["visits", T, "--out", str(out), "--add", str(out / "urgent.csv"), "-q"])
    assert exc.value.code == 1 and "est dans le dossier de sortie" in capsys.readouterr().err
    assert (out / "urgent.csv").exists()

