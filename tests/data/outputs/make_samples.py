"""Write the sample scenario and planner outputs the report tests render.

Run once (``python tests/data/outputs/make_samples.py``); the files are kept in the
repository. The scenario is tiny and synthetic; residents and visits carry planted,
distinctive names and addresses so tests can prove public outputs never show them.
Travel times are straight-line estimates (x1.3 detour, 50 km/h), consistent with the
arrival times written in plan.json.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

from itinerant.scenario.model import (
    Advisor,
    Bus,
    Calendar,
    Commune,
    Resident,
    Scenario,
    Site,
    Visit,
)

HERE = Path(__file__).resolve().parent
H = 3600


def hm(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def scenario() -> Scenario:
    communes = (
        Commune(code="71137", name="Cluny", population=4377, lat=46.4344, lon=4.6589),
        Commune(code="71040", name="Blanot", population=160, lat=46.4800, lon=4.7400),
        Commune(code="71491", name="Salornay-sur-Guye", population=868, lat=46.5180, lon=4.5990),
        Commune(code="71243", name="Joncy", population=470, lat=46.6160, lon=4.5580),
        Commune(code="71532", name="Taizé", population=180, lat=46.5130, lon=4.6770),
    )
    sites = (
        Site(id="office", name="France services du Clunisois", kind="office", commune_code="71137",
             lat=46.4340, lon=4.6600, opening="lundi-vendredi 9 h - 17 h"),
        Site(id="ant_salornay", name="Antenne de Salornay-sur-Guye (mairie)", kind="antenne",
             commune_code="71491", lat=46.5182, lon=4.5995, existing=True,
             opening="mardi 9 h - 12 h"),
        Site(id="cand_joncy", name="Mairie de Joncy", kind="candidate", commune_code="71243",
             lat=46.6161, lon=4.5581),
        Site(id="stop_blanot", name="Place de la mairie, Blanot", kind="bus_stop",
             commune_code="71040", lat=46.4801, lon=4.7402),
        Site(id="stop_joncy", name="Parking de l'église, Joncy", kind="bus_stop",
             commune_code="71243", lat=46.6158, lon=4.5577),
        Site(id="stop_taize", name="Place du village, Taizé", kind="bus_stop",
             commune_code="71532", lat=46.5128, lon=4.6772),
    )
    advisors = (
        Advisor(id="mylene", name="Mylène Durand", skills=("retraite", "santé"), days=(0, 1, 2, 3),
                start_s=8 * H + 1800, end_s=17 * H, lunch_start_s=12 * H, lunch_end_s=14 * H,
                lunch_duration_s=2700, max_work_s=8 * H, start_site="office", end_site="office",
                phone="06 11 22 33 44"),
        Advisor(id="karim", name="Karim Benali", skills=("impôts",), days=(1, 3, 4),
                start_s=9 * H, end_s=17 * H, lunch_start_s=12 * H, lunch_end_s=14 * H,
                lunch_duration_s=2700, max_work_s=8 * H, start_site="office", end_site="office"),
    )
    # Planted, distinctive identities: must never appear in a public output.
    people = [
        ("v01", "r01", "Zéphirine Quenouillard", "7 impasse des Zinnias", "71040", 46.4815, 4.7431,
         "03 85 59 01 01", "dossier retraite"),
        ("v02", "r02", "Anatole Brisefer-Vauquelin", "12 chemin du Grand Pommier", "71532", 46.5141,
         4.6795, "03 85 59 02 02", "carte grise"),
        ("v03", "r03", "Philomène Garguillat", "3 rue de la Tuilerie", "71491", 46.5205, 4.6031,
         "03 85 59 03 03", "APL et CAF"),
        ("v04", "r04", "Hippolyte Marchecourt", "22 route de Joncy", "71243", 46.6189, 4.5533,
         "03 85 59 04 04", "déclaration d'impôts"),
        ("v05", "r05", "Eulalie Tournebroche", "5 place du Lavoir", "71137", 46.4402, 4.6521,
         "03 85 59 05 05", "impôts : avis de taxe"),
        ("v06", "r06", "Gédéon Pommeraye", "1 hameau de Cortemblin", "71137", 46.4221, 4.6702,
         "03 85 59 06 06", "dossier MDPH"),
        ("v07", "r07", "Séraphin Lacoudrette", "9 ruelle du Four", "71040", 46.4760, 4.7350,
         "", "retraite complémentaire"),
    ]
    visits = tuple(
        Visit(id=v, resident_id=r, lat=la, lon=lo, commune_code=c, duration_s=2700,
              days=(0, 1, 2, 3, 4), windows=((9 * H, 17 * H),), name=n, address=a, phone=p,
              reason=why, skill="retraite" if "retraite" in why else None)
        for v, r, n, a, c, la, lo, p, why in people
    )
    residents = tuple(
        Resident(id=r, commune_code=c, lat=la, lon=lo, mobility="none", name=n, address=a,
                 synthetic=True, age=84)
        for _, r, n, a, c, la, lo, _, _ in people
    )
    # Plus synthetic low-mobility residents (unnamed) spread around the communes.
    extra = []
    k = 0
    for c in communes:
        for i in range(max(3, c.population // 150)):
            k += 1
            ang = 2.399 * i
            rad = 0.0012 * math.sqrt(i + 1)
            extra.append(Resident(id=f"x{k:03d}", commune_code=c.code, lat=c.lat + rad * math.cos(ang),
                                  lon=c.lon + 1.4 * rad * math.sin(ang), mobility="low",
                                  name=f"Résident Planté{k:03d}", address=f"{k} allée Secrète"))
    bus = Bus(id="bus1", name="Bus France services", depot="office", days=(1, 3), start_s=9 * H,
              end_s=17 * H, stop_duration_s=2 * H, walk_radius_m=800, cycle_weeks=4)
    return Scenario(
        name="reports-sample", folder=Path("."), title="Clunisois (échantillon des rapports)",
        communes=communes, sites=sites, advisors=advisors, visits=visits,
        residents=residents + tuple(extra), buses=(bus,),
        calendar=Calendar(week_start=dt.date(2026, 11, 30)),
        sources="Synthétique ; communes : INSEE (populations légales).",
    )


def travel(a, b) -> tuple[int, int]:
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    d = 2 * 6371000 * math.asin(math.sqrt(
        math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2))
    m = int(round(d * 1.3))
    return int(round(m / (50 / 3.6))), m


def plan(sc: Scenario) -> dict:
    pts = {s.id: (s.lat, s.lon) for s in sc.sites} | {v.id: (v.lat, v.lon) for v in sc.visits}
    dur = {v.id: v.duration_s for v in sc.visits}
    pinned = {"v05"}
    tours = [("mylene", "2026-12-01", 8 * H + 1800, ["v01", "v02", "v03"], 2),
             ("karim", "2026-12-03", 9 * H, ["v04", "v05"], 2),
             ("mylene", "2026-12-03", 8 * H + 1800, ["v06"], None)]
    routes = []
    km = 0
    drive = 0
    work: dict[str, float] = {}
    for adv, day, t0, stops, lunch_after in tours:
        t = t0
        prev = "office"
        out = []
        brk = None
        for i, v in enumerate(stops, 1):
            s, m = travel(pts[prev], pts[v])
            arr = t + s
            start = max(arr, 9 * H + 1800 if i == 1 else arr)
            end = start + dur[v]
            out.append({"seq": i, "visit_id": v, "arrival": hm(arr), "start": hm(start),
                        "end": hm(end), "travel_s": s, "travel_m": m, "pinned": v in pinned})
            km += m
            drive += s
            t = end
            if lunch_after == i:
                bs = max(t, 12 * H)
                brk = {"start": hm(bs), "end": hm(bs + 2700)}
                t = bs + 2700
            prev = v
        rs, rm = travel(pts[prev], pts["office"])
        km += rm
        drive += rs
        ret = t + rs
        work[adv] = work.get(adv, 0) + (ret - t0) / 3600
        routes.append({
            "advisor_id": adv, "day": day, "start_site": "office", "end_site": "office",
            "depart": hm(t0), "return": hm(ret),
            "travel_s": sum(o["travel_s"] for o in out) + rs,
            "travel_m": sum(o["travel_m"] for o in out) + rm,
            "work_s": sum(dur[v] for v in stops), "break": brk,
            "return_travel_s": rs, "return_travel_m": rm, "stops": out,
        })
    unassigned = [{"visit_id": "v07", "reason": "aucun conseiller avec la compétence « retraite » "
                   "ne travaille le vendredi ; fenêtre possible si elle ouvrait à 09:10 au lieu de 09:30"}]
    return {
        "scenario": sc.name, "week_start": "2026-11-30", "estimated": True, "engine": "ortools",
        "routes": routes, "unassigned": unassigned,
        "kpis": {"visits_total": 7, "served": 6, "unassigned": 1, "must_unassigned": 1,
                 "km": round(km / 1000, 1), "drive_h": round(drive / 3600, 2),
                 "work_h_by_advisor": {k: round(v, 2) for k, v in work.items()}},
    }


def main() -> None:
    sc = scenario()
    (HERE / "scenario.json").write_text(sc.model_dump_json(indent=1), encoding="utf-8")
    vis = HERE / "visits"
    vis.mkdir(exist_ok=True)
    p = plan(sc)
    (vis / "plan.json").write_text(json.dumps(p, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(vis / "routes.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["advisor_id", "day", "seq", "visit_id", "arrival", "start", "end", "travel_s", "travel_m"])
        for r in p["routes"]:
            for s in r["stops"]:
                w.writerow([r["advisor_id"], r["day"], s["seq"], s["visit_id"], s["arrival"], s["start"],
                            s["end"], s["travel_s"], s["travel_m"]])
    with open(vis / "unassigned.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["visit_id", "reason"])
        for u in p["unassigned"]:
            w.writerow([u["visit_id"], u["reason"]])
    bus = HERE / "bus"
    bus.mkdir(exist_ok=True)
    (bus / "timetable.csv").write_text(
        "commune_code,stop_id,weekday,start,end,weeks\n"
        "71040,stop_blanot,mardi,09:30,11:30,all\n"
        "71532,stop_taize,mardi,14:00,16:00,\"1,3\"\n"
        "71243,stop_joncy,jeudi,09:30,11:30,\"2,4\"\n"
        "71532,stop_taize,jeudi,14:00,16:00,\"2\"\n", encoding="utf-8")
    (bus / "days.csv").write_text(
        "bus_id,week,weekday,date,stops,km,drive_min\n"
        "bus1,1,mardi,2026-12-01,stop_blanot|stop_taize,31.5,44\n"
        "bus1,1,jeudi,2026-12-03,,0,0\n"
        "bus1,2,mardi,2026-12-08,stop_blanot,16.2,22\n"
        "bus1,2,jeudi,2026-12-10,stop_joncy|stop_taize,52.8,68\n"
        "bus1,3,mardi,2026-12-15,stop_blanot|stop_taize,31.5,44\n"
        "bus1,4,mardi,2026-12-22,stop_blanot,16.2,22\n"
        "bus1,4,jeudi,2026-12-24,stop_joncy,40.1,52\n", encoding="utf-8")
    (bus / "kpis.json").write_text(json.dumps({
        "coverage_low_mobility": 0.62, "covered_low_mobility": 31, "low_mobility_total": 50,
        "km_cycle": 188.3, "km_year": 2448.0,
        "presence_hours_by_commune": {"71040": 8, "71532": 6, "71243": 4, "71137": 0, "71491": 0},
        "worst_served": {"commune_code": "71243", "name": "Joncy", "visits": 2},
        "churn": 0, "status": "OPTIMAL", "gap": 0.0, "solve_s": 1.2, "estimated": True,
        "baseline": {"coverage_low_mobility": 0.48, "km_cycle": 240.7},
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    write_comparison(sc)


def sample_comparison(sc: Scenario):
    """A real comparison of three variants on the sample scenario (estimated matrix)."""
    from itinerant.antennes.compare import compare
    from itinerant.antennes.variant import variant_from_dict
    from itinerant.core.places import Place
    from itinerant.matrices import drive_matrix

    residents = [Place(r.id, r.lat, r.lon) for r in sc.residents]
    sites = [Place(s.id, s.lat, s.lon) for s in sc.sites if s.kind in ("office", "antenne", "partner", "candidate")]
    car = drive_matrix(residents, sites, territory=None)
    variants = [
        variant_from_dict({"title": "Ajouter Joncy", "p": 0, "add": ["cand_joncy"], "minutes": 15},
                          variant_id="joncy"),
        variant_from_dict({"title": "Une antenne de plus", "model": "mclp", "p": 1, "minutes": 10},
                          variant_id="une"),
        variant_from_dict({"title": "Déplacer Salornay à Joncy", "model": "pmedian", "p": 0,
                           "remove": ["ant_salornay"], "add": ["cand_joncy"]}, variant_id="deplacer"),
    ]
    return compare(sc, {"car": car}, variants)


def write_comparison(sc: Scenario) -> None:
    from itinerant.antennes.compare import write_comparison_json

    write_comparison_json(sample_comparison(sc), HERE / "antennes" / "comparison.json")


if __name__ == "__main__":
    main()
