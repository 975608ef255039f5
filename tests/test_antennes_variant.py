"""Variant files: every fault named by file and key, no traceback on any broken file."""

from __future__ import annotations

import pytest

from itinerant.antennes.variant import check_variant, load_variant, site_roles, variant_from_dict
from itinerant.core.errors import InputError
from tests.test_antennes_compare import _scenario

BAD_VARIANTS = [
    ({"model": "kmeans"}, "model", "modèle inconnu"),  # not one of the four models
    ({"p": -1}, "p", "n'est pas un entier"),  # negative number of new sites
    ({"p": "deux"}, "p", "n'est pas un entier"),  # p written in words
    ({"minutes": 0}, "minutes", "n'est pas un entier >= 1"),  # zero-minute threshold
    ({"mode": "vélo"}, "mode", "mode inconnu"),  # no bicycle matrix
    ({"weights": "age"}, "weights", "poids inconnu"),  # unknown weighting
    ({"candidats": 3}, "candidates", "liste d'identifiants"),  # a number instead of ids (French key)
    ({"seuil": 15}, "seuil", "clé inconnue"),  # unknown key
    ({"opening": ["mardi"]}, "opening", "correspondance"),  # a list instead of id: text
    ({"none_weight": -1}, "none_weight", "nombre >= 0"),  # negative weight
]


@pytest.mark.parametrize("extra,column,message", BAD_VARIANTS)
def test_bad_variant_fields_are_reported(extra, column, message):
    with pytest.raises(InputError) as e:
        variant_from_dict({"title": "x", **extra}, variant_id="v", file="v.yaml")
    assert any(f.column == column and message in f.message for f in e.value.faults), e.value.faults


def test_every_fault_reported_at_once_and_missing_title():
    with pytest.raises(InputError) as e:
        variant_from_dict({"model": "x", "p": -2, "mode": "avion"}, variant_id="v", file="v.yaml")
    assert {f.column for f in e.value.faults} == {"title", "model", "p", "mode"}


def test_french_aliases_and_defaults():
    v = variant_from_dict({"titre": "T", "modele": "p-median", "mode": "pied", "candidats": "all"}, variant_id="abc")
    assert (v.id, v.model, v.mode, v.candidates, v.fixed, v.p, v.minutes) == ("abc", "pmedian", "walk", None, None, 1, 15)


def _variant(**kw):
    return variant_from_dict({"title": "Essai", **kw}, variant_id="v", file="v.yaml")


def test_unknown_key_in_a_file_names_the_file_and_the_key(tmp_path):
    f = tmp_path / "deux.yaml"
    f.write_text("title: Deux\nmodel: mclp\nminuts: 15\n", encoding="utf-8")  # 'minutes' misspelt
    with pytest.raises(InputError) as e:
        load_variant(f)
    (fault,) = e.value.faults
    assert (fault.file, fault.column) == ("deux.yaml", "minuts")
    assert "clé inconnue « minuts »" in fault.message and "minutes" in fault.fix
    assert "deux.yaml" in str(e.value) and "minuts" in str(e.value)


def test_a_key_given_twice_in_two_languages_is_a_fault():
    with pytest.raises(InputError) as e:
        variant_from_dict({"title": "A", "titre": "B"}, variant_id="v", file="v.yaml")
    assert "donnée deux fois" in str(e.value)


def test_cp1252_variant_file_reads(tmp_path):
    f = tmp_path / "epicerie.yaml"
    f.write_bytes("titre: \"Ajouter l'épicerie, à pied\"\nmode: à pied\np: 1\n".encode("cp1252"))
    v = load_variant(f)
    assert v.title == "Ajouter l'épicerie, à pied" and v.mode == "walk"


def test_utf8_with_bom_reads(tmp_path):
    f = tmp_path / "bom.yaml"
    f.write_bytes("\ufefftitle: Épicerie\n".encode())
    assert load_variant(f).title == "Épicerie"


def test_p_above_the_number_of_candidates_is_a_fault_not_a_cap():
    sc = _scenario()
    v = _variant(p=100, candidates=["c1", "c2"])
    (fault,) = check_variant(sc, v)
    assert fault.column == "p" and fault.message == "p = 100 nouvelles antennes, mais 2 lieux candidats seulement"
    assert "p: 2" in fault.fix
    with pytest.raises(InputError):
        site_roles(sc, v)
    assert check_variant(sc, _variant(p=2, candidates=["c1", "c2"])) == []
    assert check_variant(sc, _variant(model="lscp", p=100, candidates=["c1"])) == []  # LSCP ignores p


BROKEN_FILES = [
    (b"title: [unclosed\n", "YAML illisible"),  # unbalanced bracket
    (b"- a\n- b\n", "le fichier doit contenir des cl"),  # a list, not keys
    (b"just a sentence\n", "le fichier doit contenir des cl"),  # a bare string
    (b"", "titre manquant"),  # empty file
    (b"title: x\np: 2.5\n", "n'est pas un entier"),  # fractional p
    (b"title: x\np: true\n", "n'est pas un entier"),  # boolean p
    (b"title: x\ntime_limit_s: .nan\n", "n'est pas un nombre"),  # NaN limit
    (b"title: 12\n", "titre manquant"),  # a number as title
    (b"title: x\nadd: {a: 1}\n", "liste d'identifiants"),  # a mapping instead of ids
    (b"title: x\ncandidates: [true]\n", "liste d'identifiants"),  # a boolean id
    (b"a: &a [1, 2]\nb: [*a, *a]\ntitle: x\n", "clé inconnue « a »"),  # a few aliases: the keys are wrong
    (b"title: x\n" + b"".join(b"l%d: &l%d [*l%d, *l%d, *l%d, *l%d]\n" % (k, k, k - 1, k - 1, k - 1, k - 1)
                               for k in range(1, 40)).replace(b"*l0, *l0, *l0, *l0", b"1"), "trop complexe"),  # alias bomb
    (b"title: x\nextra: " + b"[" * 60 + b"]" * 60 + b"\n", "imbrication"),  # deep nesting
    (b"\x00\x01\x02binary", "YAML illisible"),  # not text at all
    (b"title: " + b"x" * 1_100_000 + b"\n", "trop grand"),  # over 1 MB
    (b"title: x\n1: 2\n", "clé inconnue"),  # a number as key
    (b"title: x\n? [a, b]\n: c\n", "YAML illisible"),  # a list as key
    (b"\ttitle: x\n", "YAML illisible"),  # tab indentation
]


@pytest.mark.parametrize("content,message", BROKEN_FILES)
def test_broken_variant_files_give_a_fault_never_a_traceback(tmp_path, content, message):
    f = tmp_path / "v.yaml"
    f.write_bytes(content)
    with pytest.raises(InputError) as e:
        load_variant(f)
    assert message in str(e.value), e.value.faults
    assert all(fault.file == "v.yaml" for fault in e.value.faults)


def test_missing_file_and_folder_are_faults(tmp_path):
    with pytest.raises(InputError, match="fichier introuvable"):
        load_variant(tmp_path / "absent.yaml")
    with pytest.raises(InputError, match="dossier"):
        load_variant(tmp_path)


def test_compare_command_lists_every_variant_fault_and_exits_1(tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    (tmp_path / "cle.yaml").write_text("title: A\nminuts: 15\n", encoding="utf-8")  # misspelt key
    (tmp_path / "trop.yaml").write_text("title: B\np: 100\ncandidates: [cand-71242, cand-71231]\n", encoding="utf-8")
    (tmp_path / "windows.yaml").write_bytes("titre: Épicerie à Cluny\np: 1\n".encode("cp1252"))  # fine
    (tmp_path / "liste.yaml").write_text("- a\n- b\n", encoding="utf-8")  # not keys
    files = [tmp_path / n for n in ("cle.yaml", "trop.yaml", "windows.yaml", "liste.yaml", "absent.yaml")]
    res = subprocess.run([sys.executable, "-m", "itinerant", "antennes", "compare", "scenarios/clunisois",
                          *map(str, files), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    err = res.stdout + res.stderr
    assert res.returncode == 1 and "Traceback" not in err
    assert "cle.yaml" in err and "clé inconnue « minuts »" in err
    assert "liste.yaml" in err and "absent.yaml" in err and "fichier introuvable" in err
    assert "trop.yaml" in err and "p = 100" in err  # checked against the scenario in the same run
    assert "windows.yaml" not in err  # cp1252 reads
    assert not (tmp_path / "out" / "comparison.json").exists()


def test_p_above_candidates_through_the_command(tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    f = tmp_path / "trop.yaml"
    f.write_text("title: B\np: 100\ncandidates: [cand-71242, cand-71231]\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "itinerant", "antennes", "compare", "scenarios/clunisois", str(f),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=REPO, timeout=300)
    err = res.stdout + res.stderr
    assert res.returncode == 1 and "Traceback" not in err
    assert "trop.yaml" in err and "p = 100 nouvelles antennes, mais 2 lieux candidats seulement" in err
