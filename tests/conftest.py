"""Shared fixtures. ``../shared`` (beside the repository) must exist: tests that need
it fail loudly, never skip."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Graphs and matrices are cached in a session temp dir, never in ~/.cache."""
    import os

    os.environ["ITINERANT_CACHE"] = str(tmp_path_factory.mktemp("itinerant-cache"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path of ``../shared``; fails (not skips) when it is missing."""
    if not (SHARED / "data").is_dir():
        pytest.fail(f"../shared is missing: expected {SHARED} beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def andorra_osm(shared: Path) -> Path:
    """The real OSM extract of Andorra (roads and POIs, OSM XML bz2)."""
    path = shared / "data" / "substitute_andorra" / "andorra_roads_pois.osm.bz2"
    if not path.is_file():
        pytest.fail(f"missing OSM extract {path}")
    return path


@pytest.fixture(scope="session")
def clunisois_week(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``itinerant week`` on the Clunisois, planned once for the session (6 s budget):
    its output folder and French summary. Tests only read it; the re-plan tests start
    from its ``week.json`` as Monday's plan."""
    from itinerant import pipeline

    out = tmp_path_factory.mktemp("clunisois-week") / "semaine"
    summary = pipeline.run_week(REPO / "scenarios" / "clunisois", out, time_limit=6)
    return out, summary
