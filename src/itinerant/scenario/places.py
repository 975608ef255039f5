"""A scenario's located things as :class:`~itinerant.core.places.Place`, with ONE id scheme.

Every place keeps the stable id of the scenario file (site id, visit id, resident id,
commune INSEE code): the ids the planners look rows up by and the plans show.
"""

from __future__ import annotations

from collections.abc import Iterable

from itinerant.core.places import Place
from itinerant.scenario.model import PERMANENCE_KINDS, Scenario, SiteKind


def scenario_places(scenario: Scenario) -> list[Place]:
    """Every place a vehicle drives to: the sites, then the visits (scenario ids).

    These are the rows and columns of the scenario's square drive matrix.
    """
    places = [Place(s.id, s.lat, s.lon) for s in scenario.sites]
    places += [Place(v.id, v.lat, v.lon) for v in scenario.visits]
    return places


def site_places(scenario: Scenario, kinds: Iterable[SiteKind]) -> list[Place]:
    """The sites of the given kinds, in scenario order."""
    wanted = set(kinds)
    return [Place(s.id, s.lat, s.lon) for s in scenario.sites if s.kind in wanted]


def permanence_places(scenario: Scenario) -> list[Place]:
    """Sites that hold or may hold a permanence (:data:`PERMANENCE_KINDS`)."""
    return site_places(scenario, PERMANENCE_KINDS)


def resident_places(scenario: Scenario) -> list[Place]:
    """Residents' points (private: never shown in public outputs)."""
    return [Place(r.id, r.lat, r.lon) for r in scenario.residents]


def commune_places(scenario: Scenario) -> list[Place]:
    """Town-hall points of the communes (id = INSEE code)."""
    return [Place(c.code, c.lat, c.lon) for c in scenario.communes]


def extent_places(scenario: Scenario) -> list[Place]:
    """Every located thing (communes, sites, visits, residents): what a road file must
    cover. Ids may repeat across kinds; use only the coordinates."""
    return commune_places(scenario) + scenario_places(scenario) + resident_places(scenario)


def density_grids(scenario: Scenario) -> dict[str, int | None]:
    """INSEE density grid (1-7, None when unknown) of the commune of every site, visit
    and resident, by scenario id: the settlement type the estimated model reads."""
    grid = {c.code: c.density_grid for c in scenario.communes}
    out: dict[str, int | None] = {r.id: grid.get(r.commune_code) for r in scenario.residents}
    out.update({v.id: grid.get(v.commune_code) for v in scenario.visits})
    out.update({s.id: grid.get(s.commune_code) for s in scenario.sites})
    return out
