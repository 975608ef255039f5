"""The placement models agree with a brute force over every subset, and with spopt."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import spopt.locate as spopt_locate  # test extra: fails (not skips) when absent

from itinerant.antennes.models import MODELS, solve_model
from itinerant.core.places import UNREACHABLE


def _value(model, cost, w, chosen, threshold):
    """Objective of an explicit set of open sites (the brute force's yardstick)."""
    c = cost[:, list(chosen)].min(axis=1)
    if model == "mclp":
        return float(w[c <= threshold].sum())
    if model == "pmedian":
        return float((w * c).sum())
    if model == "pcenter":
        return float(c[w > 0].max())
    raise AssertionError(model)


def _brute(model, cost, w, fixed, cand, p, threshold):
    best = None
    if model == "lscp":
        need = (w > 0) & (cost[:, [*fixed, *cand]] <= threshold).any(axis=1)
        for k in range(len(cand) + 1):
            for new in itertools.combinations(cand, k):
                c = cost[:, [*fixed, *new]].min(axis=1) if fixed or new else np.full(len(w), np.inf)
                if np.all(c[need] <= threshold):
                    return float(k)
        raise AssertionError("no cover")
    for new in itertools.combinations(cand, p):
        v = _value(model, cost, w, [*fixed, *new], threshold)
        if best is None or (v > best if model == "mclp" else v < best):
            best = v
    return best


def _case(seed, m=25, n=6):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 100, size=(m, 2))
    sites = rng.uniform(0, 100, size=(n, 2))
    cost = np.rint(np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    w = rng.integers(0, 20, size=m).astype(float)
    return cost, w


CASES = [
    # (seed, fixed, p, threshold): fixed sites, new sites, cover radius
    (1, (), 2, 30),  # nothing fixed, 2 among 6
    (2, (0,), 2, 25),  # one existing site
    (3, (1, 4), 1, 35),  # two existing, one new
    (4, (), 3, 20),  # half of the sites
    (5, (2,), 0, 30),  # no new site: the existing one alone
]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("seed,fixed,p,threshold", CASES)
def test_brute_force_agrees(model, seed, fixed, p, threshold):
    cost, w = _case(seed)
    cand = [j for j in range(cost.shape[1]) if j not in fixed]
    res = solve_model(model, cost, w, p=p, threshold=threshold, fixed=fixed, time_limit_s=20, workers=1)
    assert res.optimal and res.gap == 0.0
    assert set(fixed) <= set(res.chosen)
    assert set(res.new).isdisjoint(fixed)
    expected = _brute(model, cost, w, list(fixed), cand, p, threshold)
    assert res.objective == pytest.approx(expected)
    if model != "lscp":
        assert len(res.new) == p
        # The reported objective is the one of the reported sites.
        assert _value(model, cost, w, res.chosen, threshold) == pytest.approx(res.objective)


@pytest.mark.parametrize("model", ["pmedian", "pcenter", "mclp"])
def test_candidates_restrict_choice(model):
    cost, w = _case(7)
    res = solve_model(model, cost, w, p=2, threshold=30, fixed=[0], candidates=[3, 5], workers=1)
    assert res.chosen == (0, 3, 5) and res.new == (3, 5)


def test_unreachable_and_uncoverable_rows_are_reported():
    cost, w = _case(8, m=6, n=4)
    cost[2, :] = UNREACHABLE  # row 2 reaches no site at all
    res = solve_model("pmedian", cost, w + 1, p=1, workers=1)
    assert res.uncovered == (2,)
    lscp = solve_model("lscp", cost, w + 1, threshold=10**9, workers=1)
    assert 2 in lscp.uncovered and lscp.objective == 1


def test_fractional_weights():
    cost, w = _case(9)
    w = w / 7.0
    res = solve_model("pmedian", cost, w, p=2, fixed=[1], workers=1)
    expected = _brute("pmedian", cost, w, [1], [0, 2, 3, 4, 5], 2, 0)
    assert res.objective == pytest.approx(expected, rel=1e-3)


# ------------------------------------------------------------------ spopt (PuLP/CBC)

def _cbc():
    import pulp

    return pulp.PULP_CBC_CMD(msg=False)


@pytest.mark.parametrize("seed", [11, 12])
def test_spopt_agrees(seed):
    cost, w = _case(seed, m=30, n=6)
    fixed = [2]
    pre = np.zeros(cost.shape[1], dtype=bool)
    pre[fixed] = True
    p = 2
    ours = {m: solve_model(m, cost, w, p=p, threshold=30, fixed=fixed, workers=1) for m in MODELS}
    # spopt counts the predefined facilities inside p_facilities.
    pm = spopt_locate.PMedian.from_cost_matrix(cost, w, p_facilities=p + 1, predefined_facilities_arr=pre)
    pm = pm.solve(_cbc())
    assert pm.problem.objective.value() == pytest.approx(ours["pmedian"].objective)
    mc = spopt_locate.MCLP.from_cost_matrix(cost, w, 30, p_facilities=p + 1, predefined_facilities_arr=pre)
    mc = mc.solve(_cbc())
    opened = [j for j, v in enumerate(mc.fac_vars) if v.varValue > 0.5]
    assert fixed[0] in opened and len(opened) == p + 1
    covered = float(w[(cost[:, opened] <= 30).any(axis=1)].sum())
    assert covered == pytest.approx(ours["mclp"].objective)
    pc = spopt_locate.PCenter.from_cost_matrix(cost[w > 0], p_facilities=p + 1, predefined_facilities_arr=pre)
    pc = pc.solve(_cbc())
    assert pc.problem.objective.value() == pytest.approx(ours["pcenter"].objective)
    radius = int(cost[w > 0].min(axis=1).max())  # every row coverable by some site
    ls = spopt_locate.LSCP.from_cost_matrix(cost[w > 0], radius, predefined_facilities_arr=pre)
    ls = ls.solve(_cbc())
    # spopt counts the predefined site among the open ones.
    ours_lscp = solve_model("lscp", cost, w, threshold=radius, fixed=fixed, workers=1)
    assert ls.problem.objective.value() - 1 == pytest.approx(ours_lscp.objective)


@pytest.mark.parametrize("seed", range(20, 32))
def test_pmedian_reductions_keep_the_optimum(seed):
    """The Lagrangian presolve (reductions, heuristic) never loses the optimum."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 10))
    cost, w = _case(seed, m=40, n=n)
    if seed % 3 == 0:
        w = np.ones(len(w))  # ties everywhere
    fixed = [int(j) for j in rng.choice(n, size=int(rng.integers(0, 3)), replace=False)]
    cand = [j for j in range(n) if j not in fixed]
    p = int(rng.integers(1, min(4, len(cand)) + 1))
    expected = _brute("pmedian", cost, w, fixed, cand, p, 0)
    for reduce in (True, False):
        from itinerant.antennes.models import solve_pmedian

        res = solve_pmedian(cost, w, p=p, fixed=fixed, reduce=reduce, workers=1)
        assert res.optimal and res.objective == pytest.approx(expected)
        assert _value("pmedian", cost, w, res.chosen, 0) == pytest.approx(expected)
        assert set(fixed) <= set(res.chosen) and len(res.new) == p
