"""The whole chain, offline: scenario -> matrices -> plans -> reports -> index.html.

Sockets are blocked for every test (pytest-socket, see pyproject.toml), so a run of
the demo that tried to reach the network would fail here.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import numpy as np
import pytest

from itinerant import pipeline
from tests.conftest import DATA, REPO


@pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")
def test_sockets_are_blocked_in_tests() -> None:
    # The guard the demo tests rely on. An IP address (TEST-NET-1, RFC 5737), so no DNS
    # lookup is involved: only pytest-socket's own refusal passes, not a network failure.
    from pytest_socket import SocketBlockedError, SocketConnectBlockedError

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        with pytest.raises((SocketBlockedError, SocketConnectBlockedError)):
            sock.connect(("192.0.2.1", 80))


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    index = pipeline.run_demo(DATA / "tiny", out, time_limit=2)
    assert index == out / "index.html"
    return out


def test_demo_writes_every_part_and_links_it(tiny_demo: Path) -> None:
    html = (tiny_demo / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"#]+)"', html))
    for part in ("visites/carte_semaine.html", "territoire/carte.html", "bus/rota.html"):
        assert part in links, part
    for link in links:
        if "://" not in link:
            assert (tiny_demo / link).is_file(), f"index links a missing file: {link}"
    # no road file: the page says the travel times are estimated
    assert "estimé" in html.lower()


def test_demo_plans_pass_the_checker_and_match_the_matrix(tiny_demo: Path) -> None:
    plan = json.loads((tiny_demo / "visites" / "plan.json").read_text(encoding="utf-8"))
    served = [s["visit_id"] for r in plan["routes"] for s in r["stops"]]
    unassigned = [u["visit_id"] for u in plan["unassigned"]]
    scenario = pipeline.validate(DATA / "tiny")
    # every visit served once or listed unassigned, with a reason
    assert sorted(served + unassigned) == sorted(v.id for v in scenario.visits)
    assert all(u["reason"] for u in plan["unassigned"])
    m = np.load(tiny_demo / "matrices" / "voiture.npz")
    ids = list(m["origin_ids"])
    for route in plan["routes"]:
        prev = route["start_site"]
        for stop in route["stops"]:
            i, j = ids.index(prev), ids.index(stop["visit_id"])
            assert stop["travel_s"] == m["duration_s"][i, j]
            assert stop["travel_m"] == m["distance_m"][i, j]
            prev = stop["visit_id"]


def test_default_scenario_resolves_to_the_clunisois() -> None:
    assert pipeline.resolve_scenario(None) == REPO / "scenarios" / "clunisois"


@pytest.fixture(scope="module")
def andorra_demo(tmp_path_factory: pytest.TempPathFactory, andorra_osm: Path) -> Path:
    out = tmp_path_factory.mktemp("andorra")
    pipeline.run_demo(DATA / "andorra", out, time_limit=2)
    return out


def test_demo_on_real_roads_says_so_and_draws_road_geometry(andorra_demo: Path) -> None:
    html = (andorra_demo / "index.html").read_text(encoding="utf-8")
    assert "routiers" in html and "OpenStreetMap" in html
    m = np.load(andorra_demo / "matrices" / "voiture.npz")
    assert not bool(m["estimated"])
    week_map = (andorra_demo / "visites" / "carte_semaine.html").read_text(encoding="utf-8")
    # road legs are polylines with many vertices, not two-point straight lines
    longest = max(len(re.findall(r"\[\s*4[0-9]\.\d+,\s*1\.\d+\]", poly))
                  for poly in re.findall(r"L\.polyline\(\s*(\[\[.*?\]\])", week_map, re.S))
    assert longest > 10


def test_maps_draw_the_main_roads_when_a_road_file_is_given(andorra_demo: Path) -> None:
    # the background under the tiles (and alone offline): the main roads of the OSM file
    week_map = (andorra_demo / "visites" / "carte_semaine.html").read_text(encoding="utf-8")
    roads = re.findall(r'L\.polyline\(\s*\[\[.*?\]\],\s*\{[^}]*"color": "#c9b27c"', week_map, re.S)
    assert len(roads) > 20  # Andorra's trunk, primary, secondary and tertiary roads
    for page in ("territoire/carte.html", "bus/carte_publique.html"):
        other = (andorra_demo / page).read_text(encoding="utf-8")
        assert other.count('"color": "#c9b27c"') == len(roads), page
    sheet = next(t for f in sorted((andorra_demo / "visites" / "feuilles").glob("*_*.html"))
                 if "<svg" in (t := f.read_text(encoding="utf-8")))  # a day with a tour (a map)
    assert 'stroke="#c9b27c"' in sheet  # the sheet's printed map too


def test_maps_without_a_road_file_draw_no_road(tiny_demo: Path) -> None:
    week_map = (tiny_demo / "visites" / "carte_semaine.html").read_text(encoding="utf-8")
    assert '"color": "#c9b27c"' not in week_map
    sheet = next(t for f in sorted((tiny_demo / "visites" / "feuilles").glob("*_*.html"))
                 if "<svg" in (t := f.read_text(encoding="utf-8")))  # a day with a tour (a map)
    assert 'stroke="#c9b27c"' not in sheet
