"""The one module that knows the whole chain.

scenario -> territory -> matrices -> problem -> solver -> plan -> reports.

Every CLI command is one function here. Each takes a ``progress`` object (see
:func:`progress_display`) to report long steps, and returns what the CLI prints.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from itinerant.errors import InputError, ItinerantError
from itinerant.matrices import Place, TravelMatrix
from itinerant.model import Scenario

REPO_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DEFAULT_SCENARIO = "clunisois"


# --------------------------------------------------------------------------- progress


class Progress:
    """Reports long steps; a silent one when ``quiet``."""

    def __init__(self, rich_progress: Any | None = None):
        self._rich = rich_progress

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Show ``label`` with a spinner while the block runs."""
        if self._rich is None:
            yield
            return
        task = self._rich.add_task(label, total=1)
        try:
            yield
        finally:
            self._rich.update(task, completed=1)


@contextlib.contextmanager
def progress_display(*, quiet: bool = False) -> Iterator[Progress]:
    """A rich progress display on stderr (nothing when ``quiet``)."""
    if quiet:
        yield Progress(None)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as RichProgress

    with RichProgress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=12),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as rich_progress:
        yield Progress(rich_progress)


QUIET = Progress(None)


# --------------------------------------------------------------------------- scenario


def resolve_scenario(folder: Path | None) -> Path:
    """The scenario folder: the given one, else ``scenarios/clunisois``."""
    if folder is not None:
        return Path(folder)
    for base in (Path.cwd() / "scenarios", REPO_SCENARIOS):
        if (base / DEFAULT_SCENARIO / "scenario.yaml").is_file():
            return base / DEFAULT_SCENARIO
    raise ItinerantError(
        "scénario par défaut introuvable : lancer depuis le dossier du projet "
        "ou donner le dossier du scénario"
    )


def validate(folder: Path, *, progress: Progress = QUIET) -> Scenario:
    """Load and validate a scenario folder (raises InputError listing every fault)."""
    from itinerant.scenario import load_scenario

    with progress.step("Lecture du scénario"):
        return load_scenario(Path(folder))


def _with_osm(scenario: Scenario, osm_file: Path | None) -> Scenario:
    """The scenario, with its road file replaced by ``osm_file`` when given."""
    if osm_file is None:
        return scenario
    osm_file = Path(osm_file)
    if not osm_file.is_file():
        raise InputError(
            [_fault("--osm", f"fichier introuvable : {osm_file}", "donner un fichier local")]
        )
    settings = scenario.settings.model_copy(update={"osm_file": osm_file.resolve()})
    return scenario.model_copy(update={"settings": settings})


def _fault(column: str, message: str, fix: str = ""):
    from itinerant.errors import Fault

    return Fault(file="", row=None, column=column, message=message, fix=fix)


# --------------------------------------------------------------------------- territory


def scenario_places(scenario: Scenario) -> list[Place]:
    """Every place a vehicle drives to: sites, then visits (keyed by visit id)."""
    places = [Place(s.id, s.lat, s.lon) for s in scenario.sites]
    places += [Place(v.id, v.lat, v.lon) for v in scenario.visits]
    return places


def resident_places(scenario: Scenario) -> list[Place]:
    """Residents' points (private: never shown in public outputs)."""
    return [Place(r.id, r.lat, r.lon) for r in scenario.residents]


def _bbox(scenario: Scenario) -> tuple[float, float, float, float]:
    """(south, west, north, east) of every point of the scenario plus its buffer."""
    lats = [c.lat for c in scenario.communes] + [p.lat for p in scenario_places(scenario)]
    lons = [c.lon for c in scenario.communes] + [p.lon for p in scenario_places(scenario)]
    lats += [r.lat for r in scenario.residents]
    lons += [r.lon for r in scenario.residents]
    pad_lat = scenario.settings.bbox_buffer_m / 111_320
    pad_lon = pad_lat / max(0.2, math.cos(math.radians(sum(lats) / len(lats))))
    return (min(lats) - pad_lat, min(lons) - pad_lon, max(lats) + pad_lat, max(lons) + pad_lon)


def territory_of(scenario: Scenario, *, progress: Progress = QUIET):
    """The road territory of a scenario, or None when it has no OSM file (estimated model)."""
    osm = scenario.settings.osm_file
    if osm is None:
        return None
    from itinerant.territory import build_territory

    with progress.step(f"Graphe routier ({Path(osm).name})"):
        return build_territory(Path(osm), bbox=_bbox(scenario), cache_dir=cache_dir())


def cache_dir() -> Path:
    """Where graphs and matrices are cached (``$ITINERANT_CACHE`` or ~/.cache/itinerant)."""
    env = os.environ.get("ITINERANT_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "itinerant"


def build_territory(
    folder: Path, *, osm_file: Path, progress: Progress = QUIET
) -> str:
    """Build and cache the territory of a scenario from a local OSM file."""
    scenario = _with_osm(validate(folder, progress=progress), osm_file)
    territory = territory_of(scenario, progress=progress)
    with progress.step("Rattachement des lieux au réseau"):
        from itinerant.matrices import drive_matrix

        drive_matrix(
            scenario_places(scenario),
            territory=territory,
            max_snap_m=scenario.settings.max_snap_m,
        )
    return f"Territoire prêt : {territory.summary()}" if hasattr(territory, "summary") else "Territoire prêt."


# --------------------------------------------------------------------------- matrices


class Matrices:
    """The travel matrices a scenario needs, built once per run."""

    def __init__(self, scenario: Scenario, territory: Any, progress: Progress = QUIET):
        self.scenario = scenario
        self.territory = territory
        self.progress = progress
        self._cache: dict[str, TravelMatrix] = {}

    @property
    def estimated(self) -> bool:
        return self.territory is None

    def drive(self) -> TravelMatrix:
        """Square drive matrix over every site and visit."""
        if "drive" not in self._cache:
            from itinerant.matrices import drive_matrix

            with self.progress.step("Matrice des trajets en voiture"):
                self._cache["drive"] = drive_matrix(
                    scenario_places(self.scenario),
                    territory=self.territory,
                    max_snap_m=self.scenario.settings.max_snap_m,
                )
        return self._cache["drive"]

    def walk_to_stops(self) -> TravelMatrix:
        """Walking metres from every resident to every bus stop (cut-off applied)."""
        if "walk" not in self._cache:
            from itinerant.matrices import walk_matrix

            stops = [Place(s.id, s.lat, s.lon) for s in self.scenario.sites if s.kind == "bus_stop"]
            with self.progress.step("Distances à pied vers les arrêts du bus"):
                self._cache["walk"] = walk_matrix(
                    resident_places(self.scenario),
                    stops,
                    territory=self.territory,
                    cutoff_m=self.scenario.settings.walk_cutoff_m,
                )
        return self._cache["walk"]

    def residents_to_sites(self, mode: str = "car") -> TravelMatrix:
        """Residents (rows) to permanence sites (columns), by car or on foot."""
        key = f"access-{mode}"
        if key not in self._cache:
            from itinerant.matrices import drive_matrix, walk_matrix

            sites = [
                Place(s.id, s.lat, s.lon)
                for s in self.scenario.sites
                if s.kind in ("office", "antenne", "partner", "candidate")
            ]
            with self.progress.step(f"Matrice d'accès aux antennes ({mode})"):
                if mode == "walk":
                    self._cache[key] = walk_matrix(
                        resident_places(self.scenario),
                        sites,
                        territory=self.territory,
                        cutoff_m=self.scenario.settings.walk_cutoff_m,
                    )
                else:
                    self._cache[key] = drive_matrix(
                        resident_places(self.scenario),
                        sites,
                        territory=self.territory,
                        max_snap_m=self.scenario.settings.max_snap_m,
                    )
        return self._cache[key]

    def geometry(self):
        """Road geometry between two place ids for maps, or None (straight lines)."""
        if self.territory is None:
            return None
        places = {p.id: p for p in scenario_places(self.scenario)}

        def path(a_id: str, b_id: str) -> list[tuple[float, float]]:
            return self.territory.path_coords(places[a_id], places[b_id])

        return path


def points_matrix(
    points_csv: Path, out: Path, *, osm_file: Path | None, progress: Progress = QUIET
) -> Path:
    """``itinerant matrix``: drive matrix between the points of a CSV ``id,lat,lon``."""
    from itinerant.matrices import matrix_from_points_file

    with progress.step("Matrice des trajets"):
        return Path(matrix_from_points_file(osm_file, Path(points_csv), Path(out)))


# --------------------------------------------------------------------------- helpers


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _load(folder: Path | None, osm_file: Path | None, progress: Progress) -> tuple[Scenario, Matrices]:
    scenario = _with_osm(validate(resolve_scenario(folder), progress=progress), osm_file)
    territory = territory_of(scenario, progress=progress)
    return scenario, Matrices(scenario, territory, progress)


def _estimated_note(matrices: Matrices) -> str:
    return " (temps de trajet ESTIMÉS, sans réseau routier)" if matrices.estimated else ""


def run_visits(*args: Any, **kwargs: Any) -> str:  # replaced below when wired
    raise NotImplementedError


def run_bus(*args: Any, **kwargs: Any) -> str:  # replaced below when wired
    raise NotImplementedError


def run_antennes(*args: Any, **kwargs: Any) -> str:  # replaced below when wired
    raise NotImplementedError


def run_compare(*args: Any, **kwargs: Any) -> Path:  # replaced below when wired
    raise NotImplementedError


def run_demo(*args: Any, **kwargs: Any) -> Path:  # replaced below when wired
    raise NotImplementedError


__all__: Sequence[str] = [
    "validate",
    "build_territory",
    "points_matrix",
    "run_visits",
    "run_bus",
    "run_antennes",
    "run_compare",
    "run_demo",
]
