"""From a scenario and a travel matrix to the placement models' plain inputs.

A *variant* is one question the coordinator asks ("2 more antennes among these 6 town
halls", "move Salornay to Joncy"), written as a small YAML file. Format (keys in
English, French aliases in brackets; every key but ``title`` is optional)::

    title: "Deux antennes de plus parmi six mairies"   # [titre] shown in the report
    model: mclp           # [modele] mclp | pmedian | pcenter | lscp        (default mclp)
    p: 2                  # NEW sites to open, besides the fixed ones       (default 1)
    minutes: 15           # coverage threshold, minutes (MCLP, LSCP, curve) (default 15)
    mode: car             # car | walk  [voiture | pied]                     (default car)
    candidates: all       # [candidats] "all" = every site of kind candidate or partner
                          # that is not fixed; or a list of site ids
    fixed: existing       # [fixes] "existing" = sites with existing=true; or a list of ids
    add: [epicerie-la-guiche]    # [ajouter] sites opened in every answer, besides `fixed`
    remove: [ant-salornay]       # [retirer] existing sites closed in this variant
    weights: low_mobility # [poids] low_mobility | population                (default low_mobility)
    none_weight: 1.0      # weight of a 'none' resident in low_mobility     (default 1.0)
    curve_max_p: 5        # marginal-gain curve p = 0..k                      (default max(p+2, 4))
    time_limit_s: 30      # CP-SAT limit per solve                           (default 30)
    opening:              # [horaires] opening hours shown per site (else the site's own)
      cand-71242: "mardi 9 h - 12 h"

The variant's id is its file name without extension.

Demand. The matrix rows are residents (``ScenarioMatrices.residents_to_sites``) or, when a
scenario has no residents, communes (row id = commune code, weight = population).
Residents with the same commune and the *same matrix row* are merged into one demand
row (exact: they are indistinguishable to every model). Weights:

- ``low_mobility`` (default): residents with mobility ``low`` count 1, ``none`` count
  ``none_weight`` (1.0: people who cannot leave home still gain from a permanence in
  their village, where a relative or a neighbour takes them or their papers; set 0.5 to
  count them as served mostly by home visits);
- ``population``: every resident counts 1.

Travel mode ``walk`` reads the walk matrix (durations at 4 km/h, beyond the walk cut-off
unreachable). Weekly capacity (``weekly_hours``) does not constrain the models; the
comparison reports the low-mobility people per weekly hour of each site instead.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from itinerant.antennes.models import MODELS, PlacementResult, solve_model
from itinerant.core.errors import Fault, InputError
from itinerant.core.places import UNREACHABLE, TravelMatrix
from itinerant.core.safe import read_yaml_file
from itinerant.scenario.model import PERMANENCE_KINDS, Scenario

PLACEABLE_KINDS = PERMANENCE_KINDS
"""Site kinds that can hold a permanence (columns of the access matrix)."""

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
_KEYS = (
    "title", "model", "p", "minutes", "mode", "candidates", "fixed", "add", "remove",
    "weights", "none_weight", "curve_max_p", "time_limit_s", "opening", "id", "description",
)
_MODES = {"car": "car", "voiture": "car", "walk": "walk", "pied": "walk", "a pied": "walk", "à pied": "walk"}
_WEIGHTS = {"low_mobility": "low_mobility", "peu_mobiles": "low_mobility", "population": "population"}


@dataclass(frozen=True)
class Variant:
    """One placement question (see the module docstring for the YAML format)."""

    id: str
    title: str
    model: str = "mclp"
    p: int = 1
    minutes: int = 15
    mode: str = "car"
    candidates: tuple[str, ...] | None = None
    """None = every candidate/partner site not fixed."""
    fixed: tuple[str, ...] | None = None
    """None = every site with ``existing=True``."""
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    weights: str = "low_mobility"
    none_weight: float = 1.0
    curve_max_p: int | None = None
    time_limit_s: float = 30.0
    opening: tuple[tuple[str, str], ...] = ()
    description: str = ""
    file: str = ""


@dataclass(frozen=True, eq=False)
class Demand:
    """Demand rows after merging identical residents.

    Attributes
    ----------
    commune_code
        (m,) INSEE code per row.
    population, low, none
        int64 (m,): residents per row, of which mobility ``low`` and ``none``.
    cost_s
        int64 (m, n): seconds from each row to each column site (UNREACHABLE = no path).
    site_ids
        (n,) column site ids.
    estimated, source
        Provenance of the matrix.
    """

    commune_code: tuple[str, ...]
    population: np.ndarray
    low: np.ndarray
    none: np.ndarray
    cost_s: np.ndarray
    site_ids: tuple[str, ...]
    estimated: bool
    source: str

    @property
    def low_mobility(self) -> np.ndarray:
        """int64 (m,) residents with mobility low or none."""
        return self.low + self.none

    def weights(self, variant: Variant) -> np.ndarray:
        """float (m,) the variant's demand weights."""
        if variant.weights == "population" or not self.low_mobility.any():
            # no mobility data (demand by commune): weigh by population
            return self.population.astype(float)
        return self.low.astype(float) + variant.none_weight * self.none.astype(float)


# ------------------------------------------------------------------------ variants


def _ids(value: Any, key: str, file: str, faults: list[Fault], allow_word: str | None) -> tuple[str, ...] | None:
    if value is None or (allow_word and isinstance(value, str) and value.strip().lower() in (allow_word, "tous", "toutes", "all")):
        return None
    if isinstance(value, str):
        value = [v for v in value.replace("|", ",").split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        faults.append(Fault(file, None, key, "une liste d'identifiants de lieux est attendue", f"écrivez {key}: [id1, id2]"))
        return ()
    return tuple(str(v).strip() for v in value)


def variant_from_dict(data: dict[str, Any], *, variant_id: str, file: str = "") -> Variant:
    """Validate a variant mapping; raise :class:`InputError` with every fault."""
    faults: list[Fault] = []
    if not isinstance(data, dict):
        raise InputError([Fault(file, None, "", "le fichier doit contenir des clés « titre: … »", "voir l'exemple en tête de itinerant/antennes/build.py")])
    d: dict[str, Any] = {}
    for k, v in data.items():
        key = _ALIASES.get(str(k).strip().lower(), str(k).strip().lower())
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            faults.append(Fault(file, None, str(k), "clé inconnue", f"vouliez-vous dire « {close[0]} » ?" if close else f"clés permises : {', '.join(_KEYS)}"))
            continue
        d[key] = v
    kw: dict[str, Any] = {"id": str(d.get("id") or variant_id), "file": file}
    title = d.get("title")
    if not title or not isinstance(title, str):
        faults.append(Fault(file, None, "title", "titre manquant", 'écrivez title: "Deux antennes de plus"'))
    else:
        kw["title"] = title.strip()
    model = str(d.get("model", "mclp")).strip().lower().replace("-", "").replace("_", "")
    if model not in MODELS:
        faults.append(Fault(file, None, "model", f"modèle inconnu « {d.get('model')} »", f"choisissez parmi {', '.join(MODELS)}"))
    kw["model"] = model
    for key, lo, default in (("p", 0, 1), ("minutes", 1, 15), ("curve_max_p", 0, None)):
        v = d.get(key, default)
        if v is None:
            kw[key] = None
            continue
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            faults.append(Fault(file, None, key, f"« {v} » n'est pas un entier >= {lo}", f"écrivez {key}: {default if default is not None else 3}"))
        else:
            kw[key] = v
    for key, default in (("none_weight", 1.0), ("time_limit_s", 30.0)):
        v = d.get(key, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            faults.append(Fault(file, None, key, f"« {v} » n'est pas un nombre >= 0", f"écrivez {key}: {default}"))
        else:
            kw[key] = float(v)
    mode = _MODES.get(str(d.get("mode", "car")).strip().lower())
    if mode is None:
        faults.append(Fault(file, None, "mode", f"mode inconnu « {d.get('mode')} »", "écrivez car (voiture) ou walk (à pied)"))
    kw["mode"] = mode or "car"
    weights = _WEIGHTS.get(str(d.get("weights", "low_mobility")).strip().lower())
    if weights is None:
        faults.append(Fault(file, None, "weights", f"poids inconnu « {d.get('weights')} »", "écrivez low_mobility ou population"))
    kw["weights"] = weights or "low_mobility"
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
    """Read a variant YAML file (see the module docstring)."""
    path = Path(path)
    data = read_yaml_file(path)  # safe: alias budget, depth limit, cp1252 accepted
    if data is not None and not isinstance(data, dict):
        raise InputError([Fault(path.name, None, "", "le fichier doit contenir des clés (title:, model:, p: ...)", "voir docs/scenario-format.md")])
    return variant_from_dict(data or {}, variant_id=path.stem, file=path.name)


def check_variant(scenario: Scenario, variant: Variant) -> list[Fault]:
    """Faults of a variant against a scenario (unknown or unusable site ids)."""
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
    return faults


@dataclass(frozen=True)
class SiteRoles:
    """Which sites a variant fixes, may open, and closes (ids)."""

    fixed: tuple[str, ...]
    candidates: tuple[str, ...]
    removed: tuple[str, ...]


def site_roles(scenario: Scenario, variant: Variant) -> SiteRoles:
    """Resolve the variant's defaults against the scenario."""
    faults = check_variant(scenario, variant)
    if faults:
        raise InputError(faults)
    removed = tuple(variant.remove)
    base = variant.fixed if variant.fixed is not None else tuple(s.id for s in scenario.sites if s.existing and s.kind in PLACEABLE_KINDS)
    fixed = tuple(dict.fromkeys(s for s in (*base, *variant.add) if s not in removed))
    if variant.candidates is None:
        cand = tuple(s.id for s in scenario.sites if s.kind in ("candidate", "partner") and s.id not in fixed and s.id not in removed)
    else:
        cand = tuple(s for s in dict.fromkeys(variant.candidates) if s not in fixed and s not in removed)
    return SiteRoles(fixed=fixed, candidates=cand, removed=removed)


# -------------------------------------------------------------------------- demand


def build_demand(scenario: Scenario, matrix: TravelMatrix, *, site_ids: tuple[str, ...] | None = None) -> Demand:
    """Merge the matrix rows into demand rows and keep the permanence-site columns.

    Parameters
    ----------
    matrix
        Rows = resident ids (or commune codes when the scenario has no residents),
        columns include every site id needed; ``duration_s`` is read (seconds).
    site_ids
        Columns to keep (default: every placeable site present in the matrix).
    """
    col = {s: j for j, s in enumerate(matrix.dest_ids)}
    if site_ids is None:
        site_ids = tuple(s.id for s in scenario.sites if s.kind in PLACEABLE_KINDS and s.id in col)
    missing = [s for s in site_ids if s not in col]
    if missing:
        raise InputError([Fault("", None, "", f"la matrice n'a pas de colonne pour {', '.join(missing)}", "recalculez la matrice d'accès aux antennes")])
    cols = np.array([col[s] for s in site_ids], dtype=np.int64)
    dur = np.asarray(matrix.duration_s, dtype=np.int64)[:, cols]
    dur = np.where(dur >= UNREACHABLE, UNREACHABLE, dur)
    residents = {r.id: r for r in scenario.residents}
    rows = list(matrix.origin_ids)
    if residents and all(r in residents for r in rows):
        codes = [residents[r].commune_code for r in rows]
        mob = [residents[r].mobility for r in rows]
        pop = np.ones(len(rows), dtype=np.int64)
        low = np.array([m == "low" for m in mob], dtype=np.int64)
        none = np.array([m == "none" for m in mob], dtype=np.int64)
    else:
        communes = {c.code: c for c in scenario.communes}
        keys = [r.removeprefix("commune:").removeprefix("mairie-") for r in rows]
        bad = [r for r, k in zip(rows, keys) if k not in communes]
        if bad:
            raise InputError([Fault("", None, "", f"lignes de matrice inconnues : {', '.join(bad[:5])}", "les lignes doivent être des habitants ou des codes de communes")])
        codes = keys
        pop = np.array([communes[k].population for k in keys], dtype=np.int64)
        low = np.zeros(len(rows), dtype=np.int64)  # unknown without residents
        none = np.zeros(len(rows), dtype=np.int64)
    # Merge rows that are identical for every model: same commune, same costs.
    code_ids = {c: i for i, c in enumerate(sorted(set(codes)))}
    key = np.column_stack([np.array([code_ids[c] for c in codes], dtype=np.int64), dur]) if len(rows) else np.zeros((0, len(cols) + 1), np.int64)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    m = len(uniq)
    inv_codes = {i: c for c, i in code_ids.items()}
    return Demand(
        commune_code=tuple(inv_codes[int(i)] for i in uniq[:, 0]),
        population=np.bincount(inverse, weights=pop, minlength=m).astype(np.int64),
        low=np.bincount(inverse, weights=low, minlength=m).astype(np.int64),
        none=np.bincount(inverse, weights=none, minlength=m).astype(np.int64),
        cost_s=uniq[:, 1:].astype(np.int64),
        site_ids=tuple(site_ids),
        estimated=bool(matrix.estimated),
        source=matrix.source,
    )


# --------------------------------------------------------------------------- solve


def solve_demand(demand: Demand, roles: SiteRoles, variant: Variant, *, p: int | None = None, model: str | None = None) -> PlacementResult:
    """Solve the variant's model on prepared demand; ``p``/``model`` override the variant."""
    col = {s: j for j, s in enumerate(demand.site_ids)}
    missing = [s for s in (*roles.fixed, *roles.candidates) if s not in col]
    if missing:
        raise InputError([Fault(variant.file, None, "", f"la matrice n'a pas de colonne pour {', '.join(missing)}", "recalculez la matrice d'accès aux antennes")])
    fixed = [col[s] for s in roles.fixed]
    cand = [col[s] for s in roles.candidates]
    res = solve_model(
        model or variant.model,
        demand.cost_s,
        demand.weights(variant),
        p=variant.p if p is None else p,
        threshold=variant.minutes * 60,
        fixed=fixed,
        candidates=cand,
        time_limit_s=variant.time_limit_s,
    )
    return dataclasses.replace(
        res,
        chosen_ids=tuple(demand.site_ids[j] for j in res.chosen),
        new_ids=tuple(demand.site_ids[j] for j in res.new),
    )


def solve_variant(scenario: Scenario, matrix: TravelMatrix, variant: Variant | Path | str) -> PlacementResult:
    """Solve one variant on the access matrix of its travel mode.

    Parameters
    ----------
    matrix
        Residents (rows) to permanence sites (columns), ``duration_s`` in seconds, for
        ``variant.mode`` (``ScenarioMatrices.residents_to_sites(variant.mode)``).

    Returns
    -------
    PlacementResult
        With ``chosen_ids`` (fixed + new) and ``new_ids`` filled.
    """
    if not isinstance(variant, Variant):
        variant = load_variant(variant)
    roles = site_roles(scenario, variant)
    demand = build_demand(scenario, matrix)
    return solve_demand(demand, roles, variant)
