"""The team's week: the integrated plan against the sequential one, in the same run.

- ``sequential``: duties first with no thought for visits (a fair rota: duty hours in
  proportion to the contracts, preferences kept), then the home visits in the gaps, at home only;
- ``integrated + mairie``: duties staffed with the visit relaxation, mairie sessions, tours;
- ``integrated``: the same without mairie sessions (what the duty model alone brings);
- ``sequential + mairie``: the sequential duties, tours with mairie sessions;
- ``… (2e essai)``: when no integrated try kept every must the sequential plan places, a
  second try in which the musts lost weigh far more in the duties' relaxation;
- ``… (réparé)``: a candidate that lost such musts, repaired (the musts inserted into its
  tours in the place of other visits);
- ``product``: what ``itinerant week`` returns: the best *admissible* candidate (as many
  seats, every must of the sequential plan placed) or the sequential plan, ranked by empty
  seats, musts left out, requests left out (priorities), driving.
All come from one run of the planner (its candidates, as many as its budget allows), so
"same run" holds exactly.

Instances: the Clunisois scenario (estimated travel model) and generated territories of
2 to 12 advisors and 40 to 400 requests. Columns: duties left unstaffed, requests met,
musts left out (and musts the sequential plan places that this plan leaves out), km,
advisor hours, wall time. Timings on a shared, loaded 2-core machine.

    python benchmarks/team_week.py [--quick] [--budget 32] [--out benchmarks/results/team_week.md]

The product's budget (``WeekParams.time_limit_s``) is ``--budget`` on the Clunisois and on
up to 100 requests, and grows with the requests beyond (x 2 at 200, x 4 at 400): a tour
solve's fixed cost (greedy insertion, checks) grows with the size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from itinerant.team import Availability, Duty, Member, TeamProblem, WeekParams, hours_by_member, plan_week  # noqa: E402
from itinerant.visits.problem import PENALTY, Break, Task, VisitProblem  # noqa: E402

MON = dt.date(2026, 11, 30)
H = 3600
SKILLS = ("numerique", "sante", "mediation", "emploi")


def clunisois() -> TeamProblem:
    from itinerant.matrices import drive_matrix
    from itinerant.scenario import load_scenario
    from itinerant.scenario.places import scenario_places
    from itinerant.team.build import mairie_places, team_from_scenario

    s = load_scenario(ROOT / "scenarios" / "clunisois")
    m = drive_matrix(scenario_places(s) + mairie_places(s), territory=None)
    return team_from_scenario(s, m)


def generated(n_adv: int, n_req: int, seed: int = 0) -> TeamProblem:
    """A square territory of 30 x 30 km, villages with a town hall, an office in the middle."""
    rng = np.random.default_rng(seed)
    n_vil = max(5, n_req // 6)
    villages = rng.uniform(-15, 15, size=(n_vil, 2))
    homes_v = rng.integers(0, n_vil, size=n_req)
    homes = villages[homes_v] + rng.normal(0, 1.2, size=(n_req, 2))
    n_ant = max(1, n_adv // 3)
    antennes = villages[rng.choice(n_vil, size=n_ant, replace=False)]
    pts = np.vstack([[[0.0, 0.0]], antennes, villages, homes])
    km = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)) * 1.3
    dur = (km / 50 * 3600 + np.where(km > 0, 120, 0)).astype(np.int64)
    dist = (km * 1000).astype(np.int64)
    ids = ["office"] + [f"ant{k}" for k in range(n_ant)] + [f"mairie-c{k}" for k in range(n_vil)] + [f"v{k}" for k in range(n_req)]
    o_home = 1 + n_ant + n_vil
    lunch = Break(12 * H, 14 * H, 45 * 60)
    members = []
    for k in range(n_adv):
        skills = frozenset(rng.choice(SKILLS, size=2, replace=False))
        days = tuple(range(5)) if k % 4 else (1, 2, 3)
        end = 17 * H + 1800 if k % 2 == 0 else 17 * H
        members.append(Member(f"a{k}", f"Conseiller {k}", skills, 0,
                              tuple(Availability(MON + dt.timedelta(days=d), 8 * H + 1800, end, 8 * H, lunch) for d in days),
                              (35 if len(days) == 5 else 21) * H))
    duties = []
    for d in range(5):
        date = MON + dt.timedelta(days=d)
        desks = max(1, n_adv // 4)
        duties.append(Duty(f"desk-am@{d}", "office", "Accueil (matin)", 0, date, 9 * H, 12 * H + 1800, desks))
        duties.append(Duty(f"desk-pm@{d}", "office", "Accueil (après-midi)", 0, date, 13 * H + 1800, 17 * H, desks))
        if d >= 1 and n_adv >= 4:
            duties.append(Duty(f"bus@{d}", "bus", "Équipage du bus", 0, date, 9 * H, 17 * H + 1800, max(1, n_adv // 6)))
        a = d % n_ant
        if n_adv >= 4 or d in (1, 3):
            duties.append(Duty(f"antenne{a}@{d}", "antenne", f"Antenne {a}", 1 + a, date, 9 * H + 1800, 12 * H,
                               skills=frozenset({SKILLS[d % 4]}) if n_adv > 2 else frozenset()))
    tasks, mairie_ok, domicile_ok = [], set(), set()
    windows = [((9 * H, 12 * H),), ((14 * H, 17 * H),), ((9 * H, 12 * H), (14 * H, 16 * H + 1800)), ((8 * H, 18 * H),)]
    for k in range(n_req):
        prio = str(rng.choice(["must", "should", "could"], p=[0.6, 0.3, 0.1]))
        days = [None, (1, 3), (0, 2, 4)][int(rng.choice(3, p=[0.6, 0.2, 0.2]))]
        tasks.append(Task(id=f"v{k}", location=o_home + k, duration_s=int(rng.choice([30, 45, 60, 90])) * 60,
                          windows=windows[int(rng.integers(4))], end_in_window=True, priority=prio,  # type: ignore[arg-type]
                          penalty=PENALTY[prio], days=days, skill=str(rng.choice(SKILLS))))
        if rng.random() < 0.5:
            mairie_ok.add(f"v{k}")
        domicile_ok.add(f"v{k}")
    vp = VisitProblem(location_ids=tuple(ids), duration_s=dur, distance_m=dist, vehicles=(), tasks=tuple(tasks),
                      week_start=MON, estimated=True)
    return TeamProblem(
        visits=vp, members=tuple(members), duties=tuple(duties), mairie_ok=frozenset(mairie_ok),
        domicile_ok=frozenset(domicile_ok), mairie_location=tuple((f"c{k}", 1 + n_ant + k) for k in range(n_vil)),
        visit_commune=tuple((f"v{k}", f"c{homes_v[k]}") for k in range(n_req)), name=f"généré {n_adv} conseillers, {n_req} demandes",
    )


def _row(team: TeamProblem, week, wall: float, seq_served_musts: set[str] | None) -> dict:
    met = week.visits_served()
    musts = {t.id for t in team.visits.tasks if t.priority == "must"}
    return {
        "unstaffed": sum(u.missing for u in week.unstaffed), "met": len(met),
        "must_out": len(musts - met),
        "must_lost": None if seq_served_musts is None else len(seq_served_musts - met),
        "in_mairie": sum(len(s.members) for s in week.sessions if s.task_id in week.plan.served()),
        "km": week.plan.travel_m / 1000, "hours": sum(hours_by_member(team, week).values()) / H,
        "wall": wall, "musts_met": met & musts,
    }


def run(team: TeamProblem, budget: float, seed: int = 0) -> dict[str, dict]:
    """One run of ``itinerant week``'s planner: the candidates it compared (the sequential
    plan first) and the plan it returns, all from the same run."""
    t0 = time.perf_counter()
    w = plan_week(team, WeekParams(time_limit_s=budget, seed=seed))
    wall = time.perf_counter() - t0
    seq = w.candidates[0]
    ref = _row(team, seq, seq.wall_s, None)["musts_met"]
    out = {c.label: _row(team, c, c.wall_s, None if c is seq else ref) for c in w.candidates}
    out[f"**product** (= {w.label})"] = _row(team, w, wall, ref)
    return out


def budget_for(n_requests: int, base: float) -> float:
    """The product's budget on an instance (see the module docstring)."""
    return base * max(1.0, n_requests / 100)


def _load() -> str:
    """The load averages of the machine (``uptime``), or "?"."""
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in __import__("os").getloadavg())
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=32.0, help="the product's budget up to 100 requests, s")
    ap.add_argument("--quick", action="store_true", help="Clunisois and the two smallest instances")
    ap.add_argument("--seeds", type=int, default=3, help="runs (seeds) on the Clunisois: the planner is noisy")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "team_week.md")
    a = ap.parse_args()
    sizes = [(2, 40), (4, 100), (8, 200), (12, 400)]
    if a.quick:
        sizes = sizes[:2]
    instances = [("Clunisois (4 conseillers, 60 demandes)", clunisois)]
    instances += [(f"généré {n} conseillers, {r} demandes", (lambda n=n, r=r: generated(n, r))) for n, r in sizes]
    lines = [
        "# Team week: integrated vs sequential",
        "",
        f"`python benchmarks/team_week.py --budget {a.budget:g}`; shared 2-core machine (`uptime` before the run: {_load()}). "
        "Product = `itinerant week` with the budget shown (its wall time includes every candidate, the repairs and the reasons).",
        "",
        "| instance | seed | budget s | plan | unstaffed seats | requests met | of them in mairie | musts left out | musts the sequential places, left out | km | advisor hours | wall s |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, (name, make) in enumerate(instances):
        team = make()
        budget = a.budget if n == 0 else budget_for(len(team.visits.tasks), a.budget)
        for seed in range(a.seeds if n == 0 else 1):
            res = run(team, budget, seed)
            for label, r in res.items():
                lost = "" if r["must_lost"] is None else str(r["must_lost"])
                lines.append(f"| {name} | {seed} | {budget:g} | {label} | {r['unstaffed']} | {r['met']} / {len(team.visits.tasks)} | {r['in_mairie']} | "
                             f"{r['must_out']} | {lost} | {r['km']:.0f} | {r['hours']:.1f} | {r['wall']:.1f} |")
                print(lines[-1], flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {a.out}")


if __name__ == "__main__":
    main()
