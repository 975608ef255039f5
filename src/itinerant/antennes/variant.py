"""Variant files: one placement question per small YAML file.

A *variant* is one question the coordinator asks ("2 more antennes among these 6 town
halls", "move Salornay to Joncy"). The format is documented in ``docs/variants.md``;
keys are English with French aliases (``titre``, ``modele``, ``candidats``, ``fixes``,
``ajouter``, ``retirer``, ``poids``, ``horaires``). Every fault of a file is collected
and raised once as :class:`~itinerant.core.errors.InputError`, naming the file and the
key: an unknown key, a key given twice, a value of the wrong type, a site id absent
from the scenario, ``p`` above the number of candidates. Files saved by Windows tools
in cp1252 read as they are.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itinerant.antennes.base import MODELS
from itinerant.core.errors import Fault, InputError
from itinerant.core.safe import read_yaml_file
from itinerant.scenario.model import PERMANENCE_KINDS, Scenario

PLACEABLE_KINDS = PERMANENCE_KINDS
"""Site kinds that can hold a permanence (columns of the access matrix)."""

DOC = "docs/variants.md"
_ALIASES = {
    "titre": "title",
    "modele": "model",
    "modèle": "model",
    "candidats": "candidates",
    "fixes": "fixed",
    "ajouter": "add",
    "retirer": "remove",
    "poids": "weights",
    "horaires": "opening",
}
KEYS = (
    "title", "model", "p", "minutes", "mode", "candidates", "fixed", "add", "remove",
    "weights", "none_weight", "curve_max_p", "time_limit_s", "opening", "id", "description",
)
_MODES = {"car": "car", "voiture": "car", "walk": "walk", "pied": "walk", "a pied": "walk", "à pied": "walk"}
_WEIGHTS = {"low_mobility": "low_mobility", "peu_mobiles": "low_mobility", "population": "population"}


@dataclass(frozen=True)
class Variant:
    """One placement question (see ``docs/variants.md`` for the YAML format).

    ``minutes`` and ``time_limit_s`` in minutes and seconds; ``candidates`` None =
    every candidate/partner site not fixed; ``fixed`` None = every existing site.
    """

    id: str
    title: str
    model: str = "mclp"
    p: int = 1
    minutes: int = 15
    mode: str = "car"
    candidates: tuple[str, ...] | None = None
    fixed: tuple[str, ...] | None = None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    weights: str = "low_mobility"
    none_weight: float = 0.0
    curve_max_p: int | None = None
    time_limit_s: float = 30.0
    seed: int = 0
    opening: tuple[tuple[str, str], ...] = ()
    description: str = ""
    file: str = ""


# ----------------------------------------------------------------------- reading


def _ids(value: Any, key: str, file: str, faults: list[Fault], allow_word: str | None) -> tuple[str, ...] | None:
    words = (allow_word, "tous", "toutes", "all")
    if value is None or (allow_word and isinstance(value, str) and value.strip().lower() in words):
        return None
    if isinstance(value, str):
        value = [v for v in value.replace("|", ",").split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        faults.append(Fault(file, None, key, "une liste d'identifiants de lieux est attendue", f"écrivez {key}: [id1, id2]"))
        return ()
    return tuple(str(v).strip() for v in value)


def _canonical_keys(data: dict[Any, Any], file: str, faults: list[Fault]) -> dict[str, Any]:
    """English keys; unknown and repeated keys are faults naming the key."""
    d: dict[str, Any] = {}
    for k, v in data.items():
        key = _ALIASES.get(str(k).strip().lower(), str(k).strip().lower())
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            fix = f"vouliez-vous dire « {close[0]} » ?" if close else f"clés permises : {', '.join(KEYS)} (voir {DOC})"
            faults.append(Fault(file, None, str(k), f"clé inconnue « {k} »", fix))
        elif key in d:
            faults.append(Fault(file, None, str(k), f"la clé « {key} » est donnée deux fois", "gardez-en une seule"))
        else:
            d[key] = v
    return d


def _numbers(d: dict[str, Any], file: str, faults: list[Fault]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    for key, lo, default in (("p", 0, 1), ("minutes", 1, 15), ("curve_max_p", 0, None)):
        v = d.get(key, default)
        if v is None:
            kw[key] = default
        elif isinstance(v, bool) or not isinstance(v, int) or v < lo:
            faults.append(Fault(file, None, key, f"« {v} » n'est pas un entier >= {lo}", f"écrivez {key}: {default if default is not None else 3}"))
        else:
            kw[key] = v
    for key, fdefault in (("none_weight", 0.0), ("time_limit_s", 30.0)):
        v = d.get(key, fdefault)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            faults.append(Fault(file, None, key, f"« {v} » n'est pas un nombre >= 0", f"écrivez {key}: {fdefault}"))
        else:
            kw[key] = float(v)
    return kw


def _choices(d: dict[str, Any], file: str, faults: list[Fault]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    model = str(d.get("model", "mclp")).strip().lower().replace("-", "").replace("_", "")
    if model not in MODELS:
        faults.append(Fault(file, None, "model", f"modèle inconnu « {d.get('model')} »", f"choisissez parmi {', '.join(MODELS)}"))
    kw["model"] = model if model in MODELS else "mclp"
    mode = _MODES.get(str(d.get("mode", "car")).strip().lower())
    if mode is None:
        faults.append(Fault(file, None, "mode", f"mode inconnu « {d.get('mode')} »", "écrivez car (voiture) ou walk (à pied)"))
    kw["mode"] = mode or "car"
    weights = _WEIGHTS.get(str(d.get("weights", "low_mobility")).strip().lower())
    if weights is None:
        faults.append(Fault(file, None, "weights", f"poids inconnu « {d.get('weights')} »", "écrivez low_mobility ou population"))
    kw["weights"] = weights or "low_mobility"
    return kw


def variant_from_dict(data: Any, *, variant_id: str, file: str = "") -> Variant:
    """Validate a variant mapping; raise :class:`InputError` with every fault."""
    if not isinstance(data, dict):
        raise InputError([Fault(file, None, "", "le fichier doit contenir des clés « title: … »", f"voir l'exemple de {DOC}")])
    faults: list[Fault] = []
    d = _canonical_keys(data, file, faults)
    kw: dict[str, Any] = {"id": str(d.get("id") or variant_id), "file": file}
    title = d.get("title")
    if not title or not isinstance(title, str) or not title.strip():
        faults.append(Fault(file, None, "title", "titre manquant", 'écrivez title: "Deux antennes de plus"'))
    else:
        kw["title"] = title.strip()
    kw.update(_numbers(d, file, faults))
    kw.update(_choices(d, file, faults))
    kw["candidates"] = _ids(d.get("candidates"), "candidates", file, faults, "all")
    kw["fixed"] = _ids(d.get("fixed"), "fixed", file, faults, "existing")
    kw["add"] = _ids(d.get("add"), "add", file, faults, None) or ()
    kw["remove"] = _ids(d.get("remove"), "remove", file, faults, None) or ()
    opening = d.get("opening") or {}
    if not isinstance(opening, dict):
        faults.append(Fault(file, None, "opening", "une correspondance « id: horaires » est attendue", 'écrivez opening: {cand-71242: "mardi 9 h - 12 h"}'))
        opening = {}
    kw["opening"] = tuple((str(k), str(v)) for k, v in opening.items())
    kw["description"] = str(d.get("description") or "")
    if faults:
        raise InputError(faults)
    return Variant(**kw)


def load_variant(path: Path | str) -> Variant:
    """Read a variant YAML file (format: ``docs/variants.md``); every fault raised at once.

    Read through :func:`itinerant.core.safe.read_yaml_file`: UTF-8 or cp1252, alias
    budget, depth and size limits; a folder or a missing file is a fault.
    """
    path = Path(path)
    data = read_yaml_file(path)
    return variant_from_dict({} if data is None else data, variant_id=path.stem, file=path.name)


# -------------------------------------------------------------- against a scenario


def check_variant(scenario: Scenario, variant: Variant) -> list[Fault]:
    """Faults of a variant against a scenario: unknown or unusable site ids, ``p``
    above the number of candidates."""
    ids = {s.id: s for s in scenario.sites}
    placeable = [s.id for s in scenario.sites if s.kind in PLACEABLE_KINDS]
    faults = []
    for key in ("candidates", "fixed", "add", "remove"):
        for sid in getattr(variant, key) or ():
            if sid not in ids:
                close = difflib.get_close_matches(sid, placeable, n=1)
                faults.append(Fault(variant.file, None, key, f"lieu « {sid} » absent de sites", f"vouliez-vous dire « {close[0]} » ?" if close else "utilisez un id de sites.csv"))
            elif ids[sid].kind not in PLACEABLE_KINDS:
                faults.append(Fault(variant.file, None, key, f"« {sid} » est un lieu de type {ids[sid].kind}, il ne peut pas accueillir de permanence", "choisissez un lieu office, antenne, partner ou candidate"))
    for sid, _ in variant.opening:
        if sid not in ids:
            faults.append(Fault(variant.file, None, "opening", f"lieu « {sid} » absent de sites", "utilisez un id de sites.csv"))
    if not faults and variant.model != "lscp":
        n = len(_resolve(scenario, variant).candidates)
        if variant.p > n:
            ask = f"{variant.p} nouvelle{'s' if variant.p > 1 else ''} antenne{'s' if variant.p > 1 else ''}"
            have = "aucun lieu candidat" if n == 0 else f"{n} lieu{'x' if n > 1 else ''} candidat{'s' if n > 1 else ''} seulement"
            faults.append(Fault(variant.file, None, "p", f"p = {ask}, mais {have}",
                                f"écrivez p: {n} au plus, ou ajoutez des lieux à candidates"))
    return faults


@dataclass(frozen=True)
class SiteRoles:
    """Which sites a variant fixes, may open, and closes (ids)."""

    fixed: tuple[str, ...]
    candidates: tuple[str, ...]
    removed: tuple[str, ...]


def _resolve(scenario: Scenario, variant: Variant) -> SiteRoles:
    removed = tuple(variant.remove)
    base = variant.fixed if variant.fixed is not None else tuple(
        s.id for s in scenario.sites if s.existing and s.kind in PLACEABLE_KINDS)
    fixed = tuple(dict.fromkeys(s for s in (*base, *variant.add) if s not in removed))
    if variant.candidates is None:
        cand = tuple(s.id for s in scenario.sites
                     if s.kind in ("candidate", "partner") and s.id not in fixed and s.id not in removed)
    else:
        cand = tuple(s for s in dict.fromkeys(variant.candidates) if s not in fixed and s not in removed)
    return SiteRoles(fixed=fixed, candidates=cand, removed=removed)


def site_roles(scenario: Scenario, variant: Variant) -> SiteRoles:
    """Resolve the variant's defaults against the scenario (faults raised at once)."""
    faults = check_variant(scenario, variant)
    if faults:
        raise InputError(faults)
    return _resolve(scenario, variant)
