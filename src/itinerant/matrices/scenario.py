"""A scenario's matrices (sites and visits by car, residents to bus stops on foot,
residents to permanence sites), computed lazily: :class:`ScenarioMatrices`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from itinerant.core.places import TravelMatrix
from itinerant.matrices.compute import drive_matrix, walk_matrix
from itinerant.matrices.geometry import path_coords
from itinerant.scenario.model import Scenario
from itinerant.scenario.places import (
    density_grids,
    permanence_places,
    resident_places,
    scenario_places,
    site_places,
)

if TYPE_CHECKING:
    from itinerant.roads.territory import Territory


class StepReporter(Protocol):
    """Anything with ``step(label)`` returning a context manager (the pipeline's progress)."""

    def step(self, label: str) -> AbstractContextManager[object]: ...


class ScenarioMatrices:
    """The travel matrices a scenario needs, each computed once, on first use.

    Rows and columns carry the scenario's own ids
    (:mod:`itinerant.scenario.places`). With ``territory=None`` every matrix comes
    from the estimated model (:mod:`itinerant.roads.estimate`).
    """

    def __init__(self, scenario: Scenario, territory: Territory | None = None, *,
                 progress: StepReporter | None = None):
        self.scenario = scenario
        self.territory = territory
        self.progress = progress
        self._cache: dict[str, TravelMatrix] = {}

    @property
    def estimated(self) -> bool:
        """True when the matrices come from the estimated model (no road file)."""
        return self.territory is None

    def _step(self, label: str) -> AbstractContextManager[object]:
        return self.progress.step(label) if self.progress is not None else contextlib.nullcontext()

    def drive(self) -> TravelMatrix:
        """Square drive matrix over every site and visit (:func:`scenario_places`)."""
        if "drive" not in self._cache:
            with self._step("Matrice des trajets en voiture"):
                self._cache["drive"] = drive_matrix(
                    scenario_places(self.scenario),
                    territory=self.territory,
                    max_snap_m=self.scenario.settings.max_snap_m,
                    density_grid=density_grids(self.scenario),
                )
        return self._cache["drive"]

    def walk_to_stops(self) -> TravelMatrix:
        """Walking metres from every resident to every bus stop (cut-off applied)."""
        if "walk" not in self._cache:
            with self._step("Distances à pied vers les arrêts du bus"):
                self._cache["walk"] = walk_matrix(
                    resident_places(self.scenario),
                    site_places(self.scenario, ("bus_stop",)),
                    territory=self.territory,
                    cutoff_m=self.scenario.settings.walk_cutoff_m,
                )
        return self._cache["walk"]

    def residents_to_sites(self, mode: str = "car") -> TravelMatrix:
        """Residents (rows) to the permanence sites (columns, ``PERMANENCE_KINDS``),
        by car (``"car"``) or on foot (``"walk"``)."""
        key = f"access-{mode}"
        if key not in self._cache:
            residents = resident_places(self.scenario)
            sites = permanence_places(self.scenario)
            settings = self.scenario.settings
            with self._step(f"Matrice d'accès aux antennes ({mode})"):
                if mode == "walk":
                    self._cache[key] = walk_matrix(
                        residents, sites, territory=self.territory, cutoff_m=settings.walk_cutoff_m
                    )
                else:
                    self._cache[key] = drive_matrix(
                        residents, sites, territory=self.territory, max_snap_m=settings.max_snap_m,
                        density_grid=density_grids(self.scenario),
                    )
        return self._cache[key]

    def geometry(self) -> Callable[[str, str], list[tuple[float, float]]] | None:
        """Road polyline between two place ids (of :func:`scenario_places`) for maps,
        or None on the estimated model (maps draw straight lines)."""
        territory = self.territory
        if territory is None:
            return None
        places = {p.id: p for p in scenario_places(self.scenario)}
        snap = self.scenario.settings.max_snap_m

        def path(a_id: str, b_id: str) -> list[tuple[float, float]]:
            return path_coords(territory, places[a_id], places[b_id], max_snap_m=snap)

        return path


def matrices_for_scenario(scenario: Scenario, territory: Territory | None = None, *,
                          progress: StepReporter | None = None) -> ScenarioMatrices:
    """The scenario's travel matrices (computed lazily); see :class:`ScenarioMatrices`."""
    return ScenarioMatrices(scenario, territory, progress=progress)
