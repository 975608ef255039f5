"""Demand building, solving a variant and the typed comparison (small synthetic scenario)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest

from itinerant.antennes.compare import Comparison, compare, measure, read_comparison, write_comparison_json
from itinerant.antennes.demand import build_demand
from itinerant.antennes.solve import solve_variant
from itinerant.antennes.variant import load_variant, site_roles, variant_from_dict
from itinerant.core.errors import InputError
from itinerant.core.places import UNREACHABLE, TravelMatrix
from itinerant.scenario.model import Calendar, Commune, Resident, Scenario, Site

REPO = Path(__file__).resolve().parents[1]


def _scenario() -> Scenario:
    rng = np.random.default_rng(3)
    communes = tuple(
        Commune(code=f"7100{k}", name=f"Village {k}", population=20, lat=46.4 + 0.03 * k, lon=4.5 + 0.02 * k)
        for k in range(4)
    )
    sites = [
        Site(id="office", name="Bureau", kind="office", commune_code="71000", lat=46.4, lon=4.5, existing=True, weekly_hours=35),
        Site(id="old", name="Antenne actuelle", kind="antenne", commune_code="71001", lat=46.43, lon=4.52, existing=True, weekly_hours=3.5),
    ]
    sites += [
        Site(id=f"c{k}", name=f"Mairie {k}", kind="candidate", commune_code=f"7100{k % 4}", lat=46.4 + 0.01 * k, lon=4.5 + 0.01 * k)
        for k in range(5)
    ]
    sites.append(Site(id="shop", name="Épicerie", kind="partner", commune_code="71003", lat=46.49, lon=4.56))
    sites.append(Site(id="stop", name="Arrêt", kind="bus_stop", commune_code="71003", lat=46.49, lon=4.56))
    residents = []
    for c in communes:
        for k in range(20):
            residents.append(
                Resident(
                    id=f"h{c.code}-{k:02d}",
                    commune_code=c.code,
                    lat=c.lat + rng.normal(0, 0.005),
                    lon=c.lon + rng.normal(0, 0.005),
                    mobility=("none", "low", "car", "car")[k % 4],
                    name=f"Secret Name {c.code}{k}",
                    address=f"{k} rue Privée",
                )
            )
    return Scenario(
        name="mini",
        folder=Path("."),
        communes=communes,
        sites=tuple(sites),
        residents=tuple(residents),
        calendar=Calendar(week_start=dt.date(2026, 11, 30)),
    )


def _matrix(sc: Scenario, walk: bool = False) -> TravelMatrix:
    rng = np.random.default_rng(5 if walk else 4)
    sites = [s for s in sc.sites if s.kind in ("office", "antenne", "partner", "candidate")]
    dur = rng.integers(60, 40 * 60, size=(len(sc.residents), len(sites))).astype(np.int64)
    # two residents with identical rows in the same commune: merged into one demand row
    dur[1] = dur[0]
    if walk:
        dur[dur > 25 * 60] = UNREACHABLE
    return TravelMatrix(
        origin_ids=tuple(r.id for r in sc.residents),
        dest_ids=tuple(s.id for s in sites),
        duration_s=dur,
        distance_m=dur * 10,
        estimated=True,
        source="test",
    )


def _variant(**kw):
    return variant_from_dict({"title": "Essai", **kw}, variant_id=kw.pop("id", "v"), file="v.yaml")


# ------------------------------------------------------------------------ roles


def test_unknown_and_unplaceable_sites():
    sc = _scenario()
    v = _variant(candidates=["c1", "c9"], add=["stop"])
    with pytest.raises(InputError) as e:
        site_roles(sc, v)
    text = str(e.value)
    assert "« c9 » absent de sites" in text and "« stop » est un lieu de type bus_stop" in text


def test_roles_fixed_add_remove():
    sc = _scenario()
    roles = site_roles(sc, _variant(remove=["old"], add=["c2"]))
    assert roles.fixed == ("office", "c2")
    assert "old" not in roles.candidates and "c2" not in roles.candidates
    assert set(roles.candidates) == {"c0", "c1", "c3", "c4", "shop"}


# -------------------------------------------------------------------------- demand


def test_demand_merges_identical_rows_and_keeps_totals():
    sc = _scenario()
    d = build_demand(sc, _matrix(sc))
    assert len(d.population) == len(sc.residents) - 1
    assert d.population.sum() == len(sc.residents)
    assert d.low.sum() == sum(r.mobility == "low" for r in sc.residents)
    assert d.none.sum() == sum(r.mobility == "none" for r in sc.residents)
    assert d.site_ids == ("office", "old", "c0", "c1", "c2", "c3", "c4", "shop")


def test_demand_from_communes_without_residents():
    sc = _scenario().model_copy(update={"residents": ()})
    m = _matrix(_scenario())
    m = TravelMatrix(tuple(c.code for c in sc.communes), m.dest_ids, m.duration_s[:4], m.distance_m[:4], True, "t")
    d = build_demand(sc, m)
    assert d.population.sum() == 80 and d.low_mobility.sum() == 0


# --------------------------------------------------------------------------- solve


@pytest.mark.parametrize("model", ["mclp", "pmedian", "pcenter"])
def test_solve_variant_matches_enumeration_and_keeps_fixed(model):
    sc = _scenario()
    m = _matrix(sc)
    v = _variant(model=model, p=2, minutes=10, remove=["old"])
    res = solve_variant(sc, m, v)
    assert res.optimal
    assert "office" in res.chosen_ids and "old" not in res.chosen_ids
    assert len(res.new_ids) == 2
    d = build_demand(sc, m)
    w = d.weights(v)
    col = {s: j for j, s in enumerate(d.site_ids)}
    cands = ["c0", "c1", "c2", "c3", "c4", "shop"]
    values = []
    for new in itertools.combinations(cands, 2):
        t = d.cost_s[:, [col["office"], *(col[s] for s in new)]].min(axis=1)
        values.append(
            {"mclp": -(w * (t <= 600)).sum(), "pmedian": (w * t).sum(), "pcenter": t[w > 0].max()}[model]
        )
    best = min(values)
    got = {"mclp": -res.objective, "pmedian": res.objective, "pcenter": res.objective}[model]
    assert got == pytest.approx(best)


def test_lscp_variant_covers_everyone_coverable():
    sc = _scenario()
    m = _matrix(sc)
    res = solve_variant(sc, m, _variant(model="lscp", minutes=12))
    d = build_demand(sc, m)
    t = d.cost_s[:, [d.site_ids.index(s) for s in res.chosen_ids]].min(axis=1)
    w = d.weights(_variant())
    can = (d.cost_s <= 720).any(axis=1)
    assert np.all(t[(w > 0) & can] <= 720)
    assert {"office", "old"} <= set(res.chosen_ids)


# ------------------------------------------------------------------------- compare


def test_compare_measures_every_variant_beside_today(tmp_path):
    sc = _scenario()
    variants = [
        _variant(id="a", p=1, minutes=10),
        _variant(id="b", model="pmedian", p=2, remove=["old"], add=["shop"], opening={"shop": "lundi 9 h"}),
        _variant(id="c", mode="walk", p=1, minutes=20),
    ]
    comp = compare(sc, {"car": _matrix(sc), "walk": _matrix(sc, walk=True)}, variants)
    assert isinstance(comp, Comparison)
    # « peu mobiles » = mobility low (20); the 20 who cannot leave home are counted apart
    assert comp.population_total == 80 and comp.low_mobility_total == 20 and comp.housebound_total == 20
    assert comp.thresholds_min == (10, 15, 20)
    assert comp.today_sites == ("Bureau", "Antenne actuelle")
    d = build_demand(sc, _matrix(sc))
    today = measure(sc, d, ["office", "old"])
    assert comp.today["car"] == today
    a, b, c = comp.variants
    for v in (a, b, c):
        pw = v.kpis.population_within
        assert pw[10] <= pw[15] <= pw[20] <= 80
        assert v.kpis.population_beyond == 80 - pw[20]
        assert [pt.p for pt in v.curve] == list(range(len(v.curve)))
        cov = [pt.low_mobility_covered for pt in v.curve]
        assert cov == sorted(cov)  # more sites never cover fewer people
    # An added site is a new antenne, like a chosen one; the closed one is listed.
    assert "shop" in {s.id for s in b.new_sites}
    assert b.n_new == 3 and b.removed == (("old", "Antenne actuelle"),)
    assert next(s for s in b.sites if s.id == "shop").opening == "lundi 9 h"
    assert a.n_new == 1 and a.new_sites[0].id in {"c0", "c1", "c2", "c3", "c4", "shop"}
    assert c.mode == "walk" and c.kpis.population_unreachable > 0
    # the curve at the variant's p equals the MCLP answer itself
    assert a.curve[1].low_mobility_covered == a.kpis.low_mobility_within[10] == a.covered()
    assert a.curve[1].new_names == tuple(sc.site(s).name for s in a.curve[1].new_sites)
    # the summary names the new sites and the recommendation is a car variant
    assert comp.summary().splitlines()[1].startswith("- Essai : nouvelles antennes : ")
    assert comp.recommended() in (a, b)
    # comparison.json reads back to the same object, and holds no resident
    path = write_comparison_json(comp, tmp_path / "comparison.json")
    assert read_comparison(path) == comp == read_comparison(tmp_path)
    text = path.read_text(encoding="utf-8")
    for r in sc.residents:
        assert r.id not in text and r.name not in text and r.address not in text
        assert f"{r.lat:.5f}" not in text


def test_counts_below_eleven_are_not_public():
    sc = _scenario()
    d = build_demand(sc, _matrix(sc, walk=True))
    k = measure(sc, d, ["office"])
    assert k.beyond, "the walk matrix leaves people beyond 20 min"
    for c in k.beyond:
        assert c.population is None or c.population >= 11
        assert c.low_mobility is None or c.low_mobility == 0 or c.low_mobility >= 11


def test_measure_counts_unreachable_as_beyond():
    sc = _scenario()
    d = build_demand(sc, _matrix(sc, walk=True))
    m = measure(sc, d, ["office"])
    assert m.population_beyond == 80 - m.population_within[20] >= m.population_unreachable


def test_clunisois_variant_files_are_valid():
    from itinerant.scenario import load_scenario

    sc = load_scenario(REPO / "scenarios" / "clunisois")
    files = sorted((REPO / "scenarios" / "clunisois" / "antennes").glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        v = load_variant(f)
        roles = site_roles(sc, v)
        assert roles.fixed and (roles.candidates or v.p == 0)


def test_faults_of_several_variant_files_are_reported_together(tmp_path):
    sc = _scenario()
    (tmp_path / "a.yaml").write_text("title: A\nmodel: kmeans\n", encoding="utf-8")  # unknown model
    (tmp_path / "b.yaml").write_text("title: B\ncandidates: [c1, nowhere]\n", encoding="utf-8")  # unknown site
    (tmp_path / "c.yaml").write_text("title: [unclosed\n", encoding="utf-8")  # broken YAML
    with pytest.raises(InputError) as e:
        compare(sc, {"car": _matrix(sc)}, [tmp_path / n for n in ("a.yaml", "b.yaml", "c.yaml")])
    files = {f.file for f in e.value.faults}
    assert files == {"a.yaml", "b.yaml", "c.yaml"}
