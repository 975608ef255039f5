"""Demand rows: residents (or communes) merged, with their travel times to the sites.

The matrix rows are residents (``ScenarioMatrices.residents_to_sites``) or, when a scenario
has no residents, communes (row id = commune code, weight = population). Residents
with the same commune and the *same matrix row* are merged into one demand row
(exact: they are indistinguishable to every model). Weights:

- ``low_mobility`` (default): « personnes peu mobiles », the residents without a car
  who can walk a short way (mobility ``low``), count 1, the same people the bus counts.
  Residents who cannot leave home (``none``) are served by home visits: they count
  ``none_weight`` (default 0; set 1 when a relative or a neighbour takes them or their
  papers to a permanence in their village);
- ``population``: every resident counts 1.

Travel mode ``walk`` reads the walk matrix (durations at 4 km/h, beyond the walk
cut-off unreachable).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from itinerant.antennes.variant import PLACEABLE_KINDS, Variant
from itinerant.core.errors import Fault, InputError
from itinerant.core.places import UNREACHABLE, TravelMatrix
from itinerant.scenario.model import Scenario


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
        """int64 (m,) « personnes peu mobiles » per row (mobility ``low``)."""
        return self.low

    def weights(self, variant: Variant) -> np.ndarray:
        """float (m,) the variant's demand weights."""
        if variant.weights == "population" or not (self.low.any() or self.none.any()):
            # no mobility data (demand by commune): weigh by population
            return self.population.astype(float)
        return self.low.astype(float) + variant.none_weight * self.none.astype(float)


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
