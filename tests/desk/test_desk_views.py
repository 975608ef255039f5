"""The desk through Django's test client: access per role, every page, and what each
action stores (a new version, nothing overwritten, an audit event)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from itinerant.desk import services
from itinerant.desk.accounts.models import AuditEvent
from itinerant.desk.plans import jobs
from itinerant.desk.plans.models import Job, PlanVersion, ScenarioImport
from itinerant.desk.plans.views import active_import, current_version

pytestmark = pytest.mark.django_db


def current() -> PlanVersion:
    return current_version(active_import())


def where(doc, visit_id):
    for r in doc["routes"]:
        for s in r["stops"]:
            if s["visit_id"] == visit_id:
                return r, s
    return None, None


# --------------------------------------------------------------------------- access

PAGES = ["/semaine/", "/import/", "/urgence/", "/versions/", "/imprimer/", "/aujourdhui/",
         "/bureau/", "/journal/", "/visite/v001/"]
# who may open what: c = coordinator, a = advisor, b = board member
ALLOWED = {
    "/semaine/": "ca", "/import/": "c", "/urgence/": "c", "/versions/": "c", "/imprimer/": "ca",
    "/aujourdhui/": "ca", "/bureau/": "cb", "/journal/": "c", "/visite/v001/": "c",
}


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(url):
    r = Client().get(url)
    assert r.status_code == 302 and r["Location"].startswith("/connexion/")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["coord", "camille", "elu"])
def test_each_role_opens_only_its_pages(url, who):
    from tests.desk.conftest import login

    r = login(who).get(url)
    letter = {"coord": "c", "camille": "a", "elu": "b"}[who]
    assert r.status_code == (200 if letter in ALLOWED[url] else 403), (url, who)


@pytest.mark.parametrize("url,method", [
    ("/planifier/", "post"), ("/replanifier/", "post"), ("/visite/v001/deplacer/", "post"),
    ("/visite/v001/verrou/", "post"), ("/changements/1/", "get"), ("/admin/", "get"),
])
def test_board_member_and_advisor_cannot_change_the_plan(url, method, advisor, board):
    for c in (advisor, board):
        r = getattr(c, method)(url)
        assert r.status_code in (302, 403)
        if r.status_code == 302:  # admin sends non-staff to its own login
            assert "/admin/login" in r["Location"]
    assert current().kind == "plan"


def test_home_sends_each_role_to_its_page(coord, advisor, board):
    assert coord.get("/")["Location"] == "/semaine/"
    assert advisor.get("/")["Location"] == "/aujourdhui/"
    assert board.get("/")["Location"] == "/bureau/"


def test_passwords_are_hashed_with_argon2_and_checked_at_login(db):
    from django.contrib.auth import get_user_model

    from tests.desk.conftest import PASSWORD

    assert get_user_model().objects.get(username="coord").password.startswith("argon2$")
    c = Client()
    r = c.post("/connexion/", {"username": "coord", "password": "pas le bon"})
    assert "Identifiant ou mot de passe incorrect" in r.content.decode()
    r = c.post("/connexion/", {"username": "coord", "password": PASSWORD})
    assert r.status_code == 302 and c.get("/semaine/").status_code == 200


def test_expired_session_means_logging_in_again(coord):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert coord.get("/semaine/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    r = coord.get("/semaine/")
    assert r.status_code == 302 and r["Location"].startswith("/connexion/")


# --------------------------------------------------------------------------- pages


def test_week_board_shows_tours_workload_and_left_out(coord):
    html = coord.get("/semaine/").content.decode()
    doc = current().doc
    r = doc["routes"][0]
    assert "Tournées par jour et par conseiller" in html
    assert "Camille (fictif)" in html and "mardi 1/12" in html
    assert f'{r["depart"]}–{r["return"]}' in html
    assert "Visites non planifiées" in html
    assert "charge" in html


def _cell(html: str, advisor_name: str, day_index: int) -> str:
    """The board's cell of an advisor (row) and a day (column index)."""
    row = html.split(f'<th scope="row">{advisor_name}<br>')[1].split("</tr>")[0]
    return row.split("<td>")[1 + day_index].split("</td>")[0]


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def test_the_week_is_the_team_week_with_no_duty_during_a_tour(coord):
    """The desk's plan is the team week (``pipeline.plan_team_week``): the duties are
    staffed and the tours run in the free blocks between them, so no advisor is on a tour
    during one of their duties; each advisor's day shows its duties and its tours."""
    from itinerant.core.units import parse_time

    doc = current().doc
    assert services.is_team_plan(doc)
    duties = doc["team"]["duties"]
    assert duties and {d["kind"] for d in duties} >= {"accueil", "bus"}
    assert services.duty_clashes(doc) == []
    tours = [r for r in doc["routes"] if r["stops"]]
    assert tours and all("#" in r["vehicle_id"] for r in tours)  # the blocks between duties
    for r in tours:  # checked again here, without the library's checker
        for d in duties:
            if (d["advisor_id"], d["day"]) == (r["advisor_id"], r["day"]):
                assert not _overlap(r["depart_s"], r["return_s"], parse_time(d["start"]), parse_time(d["end"])), (r, d)
    html = coord.get("/semaine/").content.decode()
    assert "pendant la tournée</strong>" not in html and "tombent pendant une tournée" not in html
    assert "La semaine de l'équipe" in html and "permanences tenues" in html
    sc = services.loaded(active_import().folder(), current().state).scenario
    names = {a.id: a.name for a in sc.advisors}
    days = sorted({d.isoformat() for a in sc.advisors for d in sc.calendar.working_dates(a.days)})
    both = [(r, d) for r in tours for d in duties if (d["advisor_id"], d["day"]) == (r["advisor_id"], r["day"])]
    assert both, "an advisor-day with a duty and a tour"
    for r, d in both:
        cell = _cell(html, names[r["advisor_id"]], days.index(r["day"]))
        assert f'{d["start"]}–{d["end"]} {d["name"]}' in cell and f'{r["depart"]}–{r["return"]}' in cell
    # a manual change of the tours keeps the duties
    vid = tours[0]["stops"][0]["visit_id"]
    coord.post(f"/visite/{vid}/statut/", {"status": "cancelled"})  # the tours are re-timed
    assert current().kind == "statut" and current().doc["team"] == doc["team"]
    assert services.duty_clashes(current().doc) == []


def test_advisor_sees_only_her_own_week(advisor):
    html = advisor.get("/semaine/").content.decode()
    assert "Camille (fictif)" in html
    assert "Julien (fictif)" not in html and "Karim (fictif)" not in html
    mine = {s["visit_id"] for r in current().doc["routes"] if r["advisor_id"] == "c-camille" for s in r["stops"]}
    others = {s["visit_id"] for r in current().doc["routes"] if r["advisor_id"] != "c-camille" for s in r["stops"]}
    assert all(v in html for v in mine)
    assert not any(f">{v}<" in html or f" {v} " in html for v in others)


def test_board_member_sees_no_resident(board):
    html = board.get("/bureau/").content.decode()
    assert "la semaine en chiffres" in html
    sc = services.loaded(active_import().folder(), current().state).scenario
    for v in sc.visits:
        assert v.name not in html and v.phone not in html
    assert "v001" not in html
    # Tuesday's figures: requests met (a session counts its residents), advisors on a tour
    # (once, whatever their number of tours), duties held
    doc = current().doc
    rs = [r for r in doc["routes"] if r["day"] == "2026-12-01" and r["stops"]]
    n = sum(len(services.session_members(doc, x["visit_id"])) or 1 for r in rs for x in r["stops"])
    held = len({d["id"] for d in doc["team"]["duties"] if d["day"] == "2026-12-01"})
    assert f"<td>mardi 1/12</td><td>{n}</td><td>{len({r['advisor_id'] for r in rs})}</td><td>{held}</td>" in html


def test_today_has_a_navigation_link_per_stop(coord):
    r = current().doc["routes"][0]
    day = services.day_route(current().doc, r["advisor_id"], r["day"])  # every tour of the day
    html = coord.get(f"/aujourdhui/?conseiller={r['advisor_id']}&jour={r['day']}").content.decode()
    assert html.count('href="geo:') == len(day["stops"]) >= len(r["stops"])
    points = json.loads(html.split('<script id="points" type="application/json">')[1].split("</script>")[0])
    assert [p["label"] for p in points] == ["départ"] + [str(k) for k in range(1, len(day["stops"]) + 1)]
    js = Client().get("/static/leaflet/leaflet.js")  # vendored Leaflet, no login, no CDN
    assert js.status_code == 200 and b"Leaflet" in b"".join(js.streaming_content)[:200]


def test_todays_sheet_shows_the_duties_and_the_tours_in_time_order(coord):
    """An advisor's day on the phone: the duties of the day and the tours between them."""
    doc = current().doc
    r, d = next((r, d) for r in doc["routes"] if r["stops"] for d in doc["team"]["duties"]
                if (d["advisor_id"], d["day"]) == (r["advisor_id"], r["day"]))
    html = coord.get(f"/aujourdhui/?conseiller={r['advisor_id']}&jour={r['day']}").content.decode()
    duty_at = html.index(f"{d['start']}–{d['end']} · ")
    tour_at = html.index(f"Tournée {r['depart']}–{r['return']}")
    assert (duty_at < tour_at) == (d["start"] < r["depart"])
    assert d["name"].replace("'", "&#x27;") in html
    # a day taken by duties only says so, without an empty tour
    toured = {(x["advisor_id"], x["day"]) for x in doc["routes"] if x["stops"]}
    busy = next(x for x in doc["team"]["duties"] if (x["advisor_id"], x["day"]) not in toured)
    html = coord.get(f"/aujourdhui/?conseiller={busy['advisor_id']}&jour={busy['day']}").content.decode()
    assert f"{busy['start']}–{busy['end']} · " in html and 'href="geo:' not in html and "Tournée " not in html


def test_advisor_cannot_print_another_advisors_week(advisor):
    assert advisor.get("/imprimer/conseiller/c-julien.pdf").status_code == 403


def test_tuesday_pdf_has_one_sheet_per_tour(coord):
    tuesday = "2026-12-01"
    tours = [r for r in current().doc["routes"] if r["day"] == tuesday and r["stops"]]
    r = coord.get(f"/imprimer/jour/{tuesday}.pdf")
    assert r["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    text = " ".join(p.extract_text() for p in reader.pages)
    advisors = {t["advisor_id"] for t in tours}  # one sheet per advisor-day, its tours joined
    assert len(reader.pages) >= len(advisors) >= 1
    sc = services.loaded(active_import().folder(), current().state).scenario
    names = {a.id: a.name for a in sc.advisors}
    for a in advisors:
        assert f"Feuille de route - {names[a]} - mardi 1er décembre 2026" in text
    flat = " ".join(text.split())
    for d in current().doc["team"]["duties"]:  # the duties of each advisor's day on their sheet
        if d["day"] == tuesday and d["advisor_id"] in advisors:
            assert " ".join(d["name"].split()) in flat, d


# --------------------------------------------------------------------------- import


def test_bad_import_lists_faults_and_replaces_nothing(coord):
    before = active_import().pk
    bad = "id;duree;fenetres\nv900;45;18:00-09:00\n"
    r = coord.post("/import/", {"files": [_upload("visits.csv", bad.encode())]})
    html = r.content.decode()
    assert "Import refusé" in html and "visits.csv" in html
    assert "<caption class=\"muted\">Erreurs du fichier visits.csv</caption>" in html
    assert "18:00-09:00" in html
    assert active_import().pk == before
    assert ScenarioImport.objects.filter(valid=False).exists()


def test_import_refuses_other_file_types_and_fake_excel(coord):
    r = coord.post("/import/", {"files": [_upload("photo.exe", b"MZ..."), _upload("visits.xlsx", b"not a zip")]})
    html = r.content.decode()
    assert "photo.exe : type refusé" in html
    assert "visits.xlsx : ce n&#x27;est pas un classeur Excel" in html


def test_oversized_upload_is_refused(coord, settings):
    settings.DESK_MAX_FILE_BYTES = 100
    r = coord.post("/import/", {"files": [_upload("visits.csv", b"x" * 200)]})
    assert "trop gros" in r.content.decode()


def test_one_table_reimported_keeps_the_others(coord):
    old = active_import()
    visits = next(f for f in old.files.all() if f.name.startswith("visits"))
    r = coord.post("/import/", {"files": [_upload(visits.name, bytes(visits.content))]})
    assert r.status_code == 302
    new = active_import()
    assert new.pk != old.pk and new.valid
    assert sorted(f.name for f in new.files.all()) == sorted(f.name for f in old.files.all())


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# --------------------------------------------------------------------------- adjust


def _skill_mismatch(doc, sc):
    """A planned visit with a skill, and an advisor lacking that skill with the days on
    which they have tours (free time between duties)."""
    visits = {v.id: v for v in sc.visits}
    for r in doc["routes"]:
        for s in r["stops"]:
            v = visits.get(s["visit_id"])
            if v is not None and v.skill:
                for a in sc.advisors:
                    days = sorted({x["day"] for x in doc["routes"] if x["advisor_id"] == a.id})
                    if v.skill not in a.skills and days:
                        return v.id, [f"{a.id}@{d}" for d in days], a
    raise AssertionError("no skill mismatch in the scenario")


def test_move_breaking_a_skill_is_refused_with_the_reason(coord):
    ver = current()
    sc = services.loaded(active_import().folder(), ver.state).scenario
    vid, targets, a = _skill_mismatch(ver.doc, sc)
    html = coord.post(f"/visite/{vid}/deplacer/", {"vehicle": targets[0]}, HTTP_HX_REQUEST="true").content.decode()
    assert "Déplacement refusé" in html and "compétence" in html and a.name in html
    assert current().pk == ver.pk


def test_move_makes_a_new_locked_version_and_keeps_the_old(coord):
    ver = current()
    old_doc = ver.doc
    sc = services.loaded(active_import().folder(), ver.state).scenario
    moved = None
    for r in old_doc["routes"]:
        for s in r["stops"]:
            for target in [f"{a.id}@{d.isoformat()}" for a in sc.advisors
                           for d in sc.calendar.working_dates(a.days)]:
                if target == r["vehicle_id"]:
                    continue
                res = coord.post(f"/visite/{s['visit_id']}/deplacer/", {"vehicle": target},
                                 HTTP_HX_REQUEST="true").content.decode()
                if "Visite déplacée" in res:
                    moved = (s["visit_id"], target)
                    break
            if moved:
                break
        if moved:
            break
    assert moved is not None
    new = current()
    assert new.pk != ver.pk and new.parent_id == ver.pk
    route, stop = where(new.doc, moved[0])
    assert services.day_of(route["vehicle_id"]) == services.day_of(moved[1]) and stop["pinned"]
    assert services.duty_clashes(new.doc) == []
    assert PlanVersion.objects.get(pk=ver.pk).doc == old_doc
    assert AuditEvent.objects.filter(action="déplacement", user__username="coord").exists()


def test_lock_a_whole_tour(coord):
    ver = current()
    r = next(r for r in ver.doc["routes"] if len(r["stops"]) >= 2)
    coord.post(reverse("tour_lock", args=[r["vehicle_id"]]), {"pinned": "1"})
    route = next(x for x in current().doc["routes"] if x["vehicle_id"] == r["vehicle_id"])
    assert all(s["pinned"] for s in route["stops"])
    def others(doc):
        return [s["pinned"] for x in doc["routes"] if x["vehicle_id"] != r["vehicle_id"] for s in x["stops"]]

    assert others(current().doc) == others(ver.doc)


@pytest.mark.parametrize("status,planned", [("done", True), ("cancelled", False), ("absent", False)])
def test_mark_a_visit(coord, status, planned):
    vid = current().doc["routes"][0]["stops"][0]["visit_id"]
    coord.post(f"/visite/{vid}/statut/", {"status": status})
    ver = current()
    route, stop = where(ver.doc, vid)
    assert (stop is not None) == planned
    assert ver.state["status"][vid] == status
    if status == "done":
        assert stop["done"] and stop["time_pinned"]


def test_advisor_marks_only_her_own_visits(advisor):
    from itinerant.desk.accounts.models import Profile

    doc = current().doc
    me = next(r["advisor_id"] for r in doc["routes"] if r["stops"])  # an advisor with a tour this week
    Profile.objects.filter(user__username="camille").update(advisor_id=me)
    mine = next(r for r in doc["routes"] if r["advisor_id"] == me)["stops"][0]["visit_id"]
    other = next(r for r in doc["routes"] if r["advisor_id"] != me)["stops"][0]["visit_id"]
    assert advisor.post(f"/visite/{other}/statut/", {"status": "done"}).status_code == 403
    assert advisor.post(f"/visite/{mine}/statut/", {"status": "done"}).status_code == 302
    assert where(current().doc, mine)[1]["done"]


def test_urgent_request_is_checked_and_placed(coord):
    before = current()
    form = {"nom": "Mme U. (fictif)", "commune": "71137", "duree": "30", "jours": "", "fenetres": "",
            "competence": "", "priorite": "must", "motif": "urgence", "adresse": "", "telephone": ""}
    r = coord.post("/urgence/", form)
    assert r.status_code == 302
    ver = current()
    added = ver.state["added"][-1]["id"]
    assert where(ver.doc, added)[1] is not None or any(u["visit_id"] == added for u in ver.doc["unassigned"])
    assert ver.doc["kpis"]["visits_total"] == before.doc["kpis"]["visits_total"] + 1


def test_urgent_request_with_a_bad_window_shows_the_fault(coord):
    form = {"nom": "M. X", "commune": "71137", "duree": "30", "fenetres": "18:00-09:00",
            "priorite": "must"}
    html = coord.post("/urgence/", form).content.decode()
    assert "La demande n'est pas valide" in html and "fenetres" in html


# --------------------------------------------------------------------------- re-plan


def test_replan_from_now_proposes_then_accept(coord):
    base = current()
    r = coord.post("/replanifier/")
    job = Job.objects.latest("id")
    assert r["Location"] == f"/travail/{job.pk}/"
    assert job.status == Job.DONE and job.result.decision == PlanVersion.PROPOSED
    assert current().pk == base.pk  # nothing replaced before the coordinator accepts
    html = coord.get(f"/changements/{job.result.pk}/").content.decode()
    assert "Changements à prévenir" in html
    coord.post(f"/changements/{job.result.pk}/decision/", {"decision": "accept"})
    assert current().doc == job.result.doc
    assert PlanVersion.objects.get(pk=base.pk).doc == base.doc


def test_accept_is_refused_when_the_plan_changed_during_the_replan(coord):
    """A manual change made while the re-plan ran is never lost silently: the accept is
    refused with a French message listing it, and a new re-plan from the plan in force
    (which keeps the change) replaces the stale proposal and can be accepted."""
    base = current()
    coord.post("/replanifier/")
    proposal = Job.objects.latest("id").result
    assert proposal.parent_id == base.pk
    vid = base.doc["routes"][0]["stops"][0]["visit_id"]
    coord.post(f"/visite/{vid}/statut/", {"status": "cancelled"})  # made "during" the re-plan
    manual = current()
    r = coord.post(f"/changements/{proposal.pk}/decision/", {"decision": "accept"}, follow=True)
    html = r.content.decode()
    assert current().pk == manual.pk  # nothing replaced
    assert PlanVersion.objects.get(pk=proposal.pk).decision == PlanVersion.PROPOSED
    assert "Ce plan n&#x27;est pas retenu" in html and f"{vid} : annulée" in html
    assert f"version n° {manual.pk} : statut" in html
    assert "Re-planifier à nouveau depuis le plan en vigueur" in html
    assert "Retenir ce plan" not in html
    # re-plan again from the plan in force: the stale proposal is set aside
    coord.post("/replanifier/", {"remplace": str(proposal.pk)})
    again = Job.objects.latest("id").result
    assert PlanVersion.objects.get(pk=proposal.pk).decision == PlanVersion.DISCARDED
    assert again.parent_id == manual.pk and again.state["status"][vid] == "cancelled"
    coord.post(f"/changements/{again.pk}/decision/", {"decision": "accept"})
    assert current().doc == again.doc and vid not in {s["visit_id"] for r in again.doc["routes"]
                                                      for s in r["stops"]}


def test_replan_discard_keeps_the_plan(coord):
    base = current()
    coord.post("/replanifier/")
    job = Job.objects.latest("id")
    coord.post(f"/changements/{job.result.pk}/decision/", {"decision": "discard"})
    assert current().pk == base.pk
    assert PlanVersion.objects.get(pk=job.result.pk).decision == PlanVersion.DISCARDED


def test_second_replan_is_refused_clearly(coord):
    Job.objects.create(base=current(), status=Job.RUNNING)
    r = coord.post("/replanifier/", follow=True)
    assert jobs.BUSY.replace("'", "&#x27;") in r.content.decode()
    assert Job.objects.filter(active=True).count() == 1


def test_replan_from_now_keeps_what_is_past(coord):
    """Re-planning on Tuesday at noon keeps Monday's and Tuesday morning's stops as they were."""
    from django.contrib.auth import get_user_model

    base = current()
    noon = dt.datetime(2026, 12, 1, 12, 0)
    job = jobs.start_replan(get_user_model().objects.get(username="coord"), base, now=noon)
    job.refresh_from_db()
    assert job.status == Job.DONE, job.error
    new = job.result.doc

    def past(doc):
        return {(r["advisor_id"], r["day"], s["visit_id"], s["start"]) for r in doc["routes"] for s in r["stops"]
                if r["day"] < "2026-12-01" or (r["day"] == "2026-12-01" and s["start_s"] < 12 * 3600)}

    assert past(base.doc) and past(base.doc) <= past(new) | {
        (c["old_advisor_id"], c["old_day"], c["visit_id"], c["old_start"]) for c in new.get("changes", [])}
    assert all(s["start_s"] >= 12 * 3600 for r in new["routes"] if r["day"] == "2026-12-01"
               for s in r["stops"] if (r["advisor_id"], r["day"], s["visit_id"], s["start"]) not in past(base.doc))


def test_interrupted_job_is_marked_and_loses_nothing(coord):
    base = current()
    n_versions = PlanVersion.objects.count()
    Job.objects.create(base=base, status=Job.RUNNING)
    assert jobs.recover_interrupted() == 1
    job = Job.objects.latest("id")
    assert job.status == Job.INTERRUPTED and job.active is None
    assert PlanVersion.objects.count() == n_versions and current().pk == base.pk
    assert "interrompu" in coord.get(f"/travail/{job.pk}/").content.decode()


def test_restore_an_earlier_version(coord):
    first = current()
    vid = first.doc["routes"][0]["stops"][0]["visit_id"]
    coord.post(f"/visite/{vid}/statut/", {"status": "cancelled"})
    assert where(current().doc, vid)[1] is None
    coord.post(f"/versions/{first.pk}/restaurer/")
    now = current()
    assert now.pk not in (first.pk,) and now.doc == first.doc and now.state == first.state
    assert "restaur" in coord.get("/versions/").content.decode()


def test_replan_of_the_team_week_keeps_the_announced_duties(coord):
    """Re-planning on Tuesday at noon re-plans the team week: the duties begun keep their
    holders as made, the duties to come keep their announced holders (nothing changed in
    the team), the tours still run between the duties, and the page says so."""
    from django.contrib.auth import get_user_model

    base = current()
    noon = dt.datetime(2026, 12, 1, 12, 0)
    job = jobs.start_replan(get_user_model().objects.get(username="coord"), base, now=noon)
    job.refresh_from_db()
    assert job.status == Job.DONE, job.error
    new = job.result.doc
    assert services.is_team_plan(new) and services.duty_clashes(new) == []
    holders = lambda doc: sorted((d["id"], d["advisor_id"]) for d in doc["team"]["duties"])  # noqa: E731
    assert holders(new) == holders(base.doc), services.duty_changes(base.doc, new)
    assert services.duty_changes(base.doc, new) == []
    assert all(s["start_s"] >= 12 * 3600 for r in new["routes"] if r["day"] == "2026-12-01" and not r.get("made")
               for s in r["stops"])
    html = coord.get(f"/changements/{job.result.pk}/").content.decode()
    assert "permanences qui changent de conseiller (0)" in html and "Chaque permanence garde ses conseillers" in html


def test_adjusting_a_replanned_week_keeps_the_tours_made(coord):
    """After a re-plan on Tuesday at noon is accepted, the tours made before are kept as
    made by every manual change (their blocks are closed), the rest is re-timed."""
    from django.contrib.auth import get_user_model

    job = jobs.start_replan(get_user_model().objects.get(username="coord"), current(),
                            now=dt.datetime(2026, 12, 1, 12, 0))
    job.refresh_from_db()
    coord.post(f"/changements/{job.result.pk}/decision/", {"decision": "accept"})
    doc = current().doc
    made = [r for r in doc["routes"] if r.get("made")]
    assert made and all(r["day"] < "2026-12-01" or r["depart_s"] < 12 * 3600 for r in made)
    html = coord.get("/semaine/").content.decode()
    assert html.count("partie avant la re-planification") == sum(1 for r in made if r["stops"])
    vid = next(s["visit_id"] for r in doc["routes"] if not r.get("made") for s in r["stops"] if not s["done"])
    coord.post(f"/visite/{vid}/statut/", {"status": "cancelled"})
    new = current().doc
    assert current().kind == "statut" and where(new, vid)[1] is None
    assert [r for r in new["routes"] if r.get("made")] == made
    assert services.duty_clashes(new) == [] and new["team"] == doc["team"]


def test_a_holder_who_can_no_longer_hold_a_duty_is_replaced_and_listed_to_warn(coord):
    """A duty announced to an advisor who does not work that day any more is given to
    someone else by the re-plan, and the « à prévenir » page lists the change."""
    import copy

    from django.contrib.auth import get_user_model

    base = current()
    sc = services.loaded(active_import().folder(), base.state).scenario
    doc = copy.deepcopy(base.doc)
    week = doc["team"]["week"]
    duty = next(d for d in week["duties"] if d["day"] >= "2026-12-02" and len(d["advisors"]) == 1)
    day = dt.date.fromisoformat(duty["day"])
    away = next(a for a in sc.advisors if day.weekday() not in a.days)  # not working that day
    duty["advisors"] = [away.id]
    for row in doc["team"]["duties"]:
        if row["id"] == duty["id"]:
            row["advisor_id"] = away.id
    crafted = PlanVersion.objects.create(scenario=base.scenario, parent=base, kind="essai", doc=doc,
                                         state=base.state)
    job = jobs.start_replan(get_user_model().objects.get(username="coord"), crafted,
                            now=dt.datetime(2026, 12, 1, 12, 0))
    job.refresh_from_db()
    assert job.status == Job.DONE, job.error
    new = job.result.doc
    changed = {c["id"]: c for c in services.duty_changes(crafted.doc, new)}
    assert duty["id"] in changed and changed[duty["id"]]["before"] == [away.id]
    assert away.id not in changed[duty["id"]]["after"]
    html = coord.get(f"/changements/{job.result.pk}/").content.decode()
    assert "permanences qui changent de conseiller (0)" not in html
    assert f"<td>{duty['name']}</td>".replace("'", "&#x27;") in html and away.name in html


def test_duty_changes_list_the_holders_before_and_after():
    def doc(*rows):
        return {"team": {"duties": [{"id": i, "advisor_id": a, "day": "2026-12-02", "start": "09:00",
                                     "end": "12:00", "name": i} for i, a in rows]}}

    old = doc(("accueil@1", "a"), ("bus@1", "b"), ("bus@1", "c"), ("antenne@1", "d"))
    new = doc(("accueil@1", "a"), ("bus@1", "b"), ("bus@1", "d"))
    out = {c["id"]: (c["before"], c["after"]) for c in services.duty_changes(old, new)}
    assert out == {"bus@1": (["b", "c"], ["b", "d"]), "antenne@1": (["d"], [])}


def test_changes_list_who_to_warn():
    old = {"routes": [{"advisor_id": "a", "day": "2026-12-01", "stops": [
        {"visit_id": "v1", "start": "09:00"}, {"visit_id": "v2", "start": "10:00"}]}]}
    new = {"routes": [{"advisor_id": "b", "day": "2026-12-01", "stops": [
        {"visit_id": "v1", "start": "09:00"}]}, {"advisor_id": "a", "day": "2026-12-01", "stops": [
        {"visit_id": "v2", "start": "10:30"}, {"visit_id": "v3", "start": "11:00"}]}]}
    kinds = {c["visit_id"]: c["kind"] for c in services.changes_between(old, new)}
    assert kinds == {"v1": "autre jour ou autre conseiller", "v2": "nouvel horaire",
                     "v3": "ajoutée au planning"}


def test_the_database_is_the_one_asked_for():
    import os

    from django.db import connection

    expected = "postgresql" if os.environ.get("ITINERANT_DATABASE_URL") else "sqlite"
    assert connection.vendor == expected


# --------------------------------------------------------------------------- bus, antennes


@pytest.mark.skipif(bool(__import__("os").environ.get("ITINERANT_DATABASE_URL")),
                    reason="solver-heavy; its database part is the same as the antenne report's")
def test_bus_rota_and_posters_for_the_coordinator_and_the_board(coord, board, advisor, settings):
    settings.DESK_PLAN_SECONDS = 0.5  # the bus's 1 s: what is checked is the files and who sees them
    r = coord.post("/bus-antennes/", {"kind": "bus"})
    job = Job.objects.latest("id")
    assert r["Location"] == f"/travail/{job.pk}/" and job.status == Job.DONE, job.error
    html = board.get("/bus-antennes/").content.decode()
    posters = [p for p in job_files(job) if p.startswith("affiches/") and p.endswith(".pdf")]
    assert posters and f"/sorties/{job.pk}/{posters[0]}" in html
    assert "Calculer la tournée" not in html  # the board reads, the coordinator runs
    r = board.get(f"/sorties/{job.pk}/{posters[0]}")
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert board.post("/bus-antennes/", {"kind": "bus"}).status_code == 403
    assert advisor.get("/bus-antennes/").status_code == 403
    assert board.get(f"/sorties/{job.pk}/../../desk.sqlite3").status_code == 404


def test_board_report_for_chosen_variants(coord):
    r = coord.post("/bus-antennes/", {"kind": "antennes", "variants": ["temps-moyen"]})
    job = Job.objects.latest("id")
    assert job.status == Job.DONE, job.error
    files = job_files(job)
    assert any(f.endswith(".html") for f in files) and any(f.endswith(".xlsx") for f in files)
    assert "temps-moyen" in coord.get("/bus-antennes/").content.decode()
    assert r.status_code == 302


def job_files(job) -> list[str]:
    from pathlib import Path

    root = Path(job.output)
    return [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]


def test_deploy_checks_are_clean():
    from django.core.management import call_command

    call_command("check", "--deploy", "--fail-level", "WARNING")


def test_a_whole_scenario_folder_imports_and_its_other_files_are_set_aside(coord):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "scenarios" / "clunisois"
    uploads = [_upload(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]
    assert any(u.name.endswith(".py") for u in uploads)
    r = coord.post("/import/", {"folder": uploads}, follow=True)
    html = r.content.decode()
    assert "Scénario importé" in html and "Laissés de côté" in html and "generate.py" in html
    assert active_import().valid and not any(f.name.endswith(".py") for f in active_import().files.all())


def test_import_without_any_file_says_so(coord):
    html = coord.post("/import/", {}).content.decode()
    assert "Choisissez des fichiers ou un dossier." in html


def test_left_out_visits_offer_their_route_as_a_button(coord):
    """A visit left out whose reason points to a route gets a button trying that route."""
    import copy

    ver = current()
    doc = copy.deepcopy(ver.doc)
    route = next(r for r in doc["routes"] if len(r["stops"]) >= 2 and not any(s["pinned"] for s in r["stops"]))
    stop = route["stops"].pop()
    doc["unassigned"].append({"visit_id": stop["visit_id"], "reason": "tournée pleine (essai)",
                              "code": "full", "priority": stop["priority"], "route": route["vehicle_id"]})
    doc = services.retime(active_import().folder(), ver.state, doc)
    assert any(u["visit_id"] == stop["visit_id"] and u["route"] == route["vehicle_id"] for u in doc["unassigned"])
    PlanVersion.objects.create(scenario=ver.scenario, parent=ver, kind="essai", doc=doc, state=ver.state)
    html = coord.get("/semaine/").content.decode()
    assert "tournée pleine (essai)" in html
    assert f'name="vehicle" value="{route["vehicle_id"]}"' in html and "Essayer chez" in html
    r = coord.post(f"/visite/{stop['visit_id']}/deplacer/", {"vehicle": route["vehicle_id"]}, follow=True)
    assert "Visite déplacée" in r.content.decode()
    assert where(current().doc, stop["visit_id"])[0]["vehicle_id"] == route["vehicle_id"]


def test_a_manual_priority_inversion_is_kept_and_flagged(coord):
    """Cancel nothing, but leave a must visit out by hand where a lower one could give way:
    the desk keeps the coordinator's plan and shows the library's inversion as a warning."""
    import copy

    ver = current()
    doc = copy.deepcopy(ver.doc)
    must = next((r, s) for r in doc["routes"] for s in r["stops"] if s["priority"] == "must" and not s["pinned"])
    must[0]["stops"].remove(must[1])
    doc["unassigned"].append({"visit_id": must[1]["visit_id"], "reason": "laissée de côté à la main",
                              "code": "", "priority": "must", "route": ""})
    new = services.retime(active_import().folder(), ver.state, doc)
    assert where(new, must[1]["visit_id"])[1] is None
    assert all(s["pinned"] == where(ver.doc, s["visit_id"])[1]["pinned"] for r in new["routes"] for s in r["stops"])
    if new["desk_warnings"]:
        assert all(w.startswith("inversion de priorité") for w in new["desk_warnings"])
        PlanVersion.objects.create(scenario=ver.scenario, parent=ver, kind="essai", doc=new, state=ver.state)
        assert "Attention, à la suite des ajustements manuels" in coord.get("/semaine/").content.decode()


@pytest.mark.parametrize("host,warned", [("127.0.0.1", False), ("localhost", False), ("0.0.0.0", True),
                                         ("192.168.1.20", True)])
def test_opening_to_the_network_is_warned(host, warned):
    from itinerant.desk.server import network_warning

    assert (network_warning(host) is not None) == warned
    if warned:
        assert "réseau de l'équipe" in network_warning(host)


def test_serve_command_is_listed():
    from typer.testing import CliRunner

    from itinerant.cli import app

    out = CliRunner().invoke(app, ["serve", "--help"]).output
    assert "--host" in out and "127.0.0.1:8000" in out


def test_coordinator_creates_an_advisor_account_with_its_role(coord):
    from django.contrib.auth import get_user_model

    data = {"username": "nouvelle", "password1": "un-mot-de-passe-tres-long-9", "password2":
            "un-mot-de-passe-tres-long-9", "usable_password": "true",
            "desk_profile-TOTAL_FORMS": "1", "desk_profile-INITIAL_FORMS": "0",
            "desk_profile-MIN_NUM_FORMS": "0", "desk_profile-MAX_NUM_FORMS": "1",
            "desk_profile-0-role": "advisor", "desk_profile-0-advisor_id": "c-julien"}
    r = coord.post("/admin/auth/user/add/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    u = get_user_model().objects.get(username="nouvelle")
    assert u.desk_profile.role == "advisor" and u.desk_profile.advisor_id == "c-julien"
    assert u.password.startswith("argon2$")


def test_a_fresh_desk_without_plan_answers_every_page(coord):
    """Before any valid import, pages say what to do and actions go back to the week."""
    ScenarioImport.objects.update(valid=False)
    for url in PAGES + ["/imprimer/jour/2026-12-01.pdf", "/bus-antennes/"]:
        r = coord.get(url)
        assert r.status_code in (200, 302, 404), url
    for url in ["/visite/v001/deplacer/", "/visite/v001/verrou/", "/visite/v001/statut/",
                "/tournee/c-camille@2026-12-01/verrou/", "/replanifier/", "/versions/1/restaurer/"]:
        r = coord.post(url, {"status": "done", "vehicle": "c-camille@2026-12-01"})
        assert r.status_code == 302 and r["Location"] == "/semaine/", url
    assert "Pas encore de plan" in coord.get("/semaine/").content.decode()


def test_a_new_bus_rota_starts_from_the_last_published_one(tmp_path):
    imp = active_import()
    old = tmp_path / "bus-1"
    old.mkdir()
    (old / "timetable.csv").write_text("commune_code\n", encoding="utf-8")
    Job.objects.create(kind="bus", status=Job.DONE, scenario=imp, output=str(old), active=None)
    Job.objects.create(kind="bus", status=Job.FAILED, scenario=imp, active=None)
    new = Job.objects.create(kind="bus", scenario=imp)
    assert jobs.previous_timetable(new) == old / "timetable.csv"
    other = Job.objects.create(kind="bus", scenario=ScenarioImport.objects.create(valid=True), active=None)
    assert jobs.previous_timetable(other) is None


def test_bus_page_shows_the_rota_changes_against_the_previous_one(coord, board, tmp_path):
    """The last rota is compared with the one published before it (``bus.io.timetable_changes``):
    each commune whose day, time or stop changed, old → new; unchanged communes are not listed."""
    imp = active_import()
    sc = services.base_scenario(imp.folder())
    (a, na), (b, nb), (c, nc) = [(x.code, x.name) for x in sc.communes[:3]]
    stop = sc.sites[0]
    head = "commune_code,stop_id,weekday,start,end,weeks\n"
    old, new = tmp_path / "bus-1", tmp_path / "bus-2"
    old.mkdir()
    new.mkdir()
    (old / "timetable.csv").write_text(head + f"{a},{stop.id},mardi,09:00,10:00,all\n"
                                       f"{b},{stop.id},jeudi,14:00,15:00,all\n", encoding="utf-8")
    (new / "timetable.csv").write_text(head + f"{a},{stop.id},mardi,09:00,10:00,all\n"
                                       f"{b},{stop.id},vendredi,10:00,11:00,1\n"
                                       f"{c},{stop.id},lundi,09:00,10:00,all\n", encoding="utf-8")
    for out in (old, new):
        Job.objects.create(kind="bus", status=Job.DONE, scenario=imp, output=str(out), active=None)
    html = board.get("/bus-antennes/").content.decode()
    assert "Changements par rapport à la tournée publiée précédente" in html
    assert f"<th scope=\"row\">{nb}</th><td>jeudi 14:00–15:00, arrêt {stop.name}</td>" \
           f"<td>vendredi 10:00–11:00, arrêt {stop.name}, semaine 1</td>" in html
    assert f"<th scope=\"row\">{nc}</th><td>—</td>" in html
    assert f"<th scope=\"row\">{na}</th>" not in html


def test_bad_visit_rows_can_be_set_aside_at_import(coord):
    visits = next(f for f in active_import().files.all() if f.name.startswith("visits"))
    text = bytes(visits.content).decode("utf-8-sig")
    head, first = text.splitlines()[:2]
    cells = first.split(";")
    cols = head.split(";")
    cells[cols.index("id")] = "v999"
    cells[cols.index("fenetres")] = "18:00-09:00"
    bad = (text.rstrip("\n") + "\n" + ";".join(cells) + "\n").encode("utf-8")
    # without the box: refused, nothing replaced
    before = active_import().pk
    html = coord.post("/import/", {"files": [_upload(visits.name, bad)]}).content.decode()
    assert "Import refusé" in html and active_import().pk == before
    # with it: imported, the row set aside and shown, then listed left out by the plan
    r = coord.post("/import/", {"files": [_upload(visits.name, bad)], "lenient": "1"}, follow=True)
    html = r.content.decode()
    assert "1 demande en erreur mise de côté" in html and "Demandes mises de côté" in html
    imp = active_import()
    assert imp.pk != before and imp.lenient and any("18:00-09:00" in f["message"] for f in imp.faults)
    coord.post("/planifier/")
    doc = current().doc
    assert any(u["visit_id"] == "v999" and u["code"] == "invalid" for u in doc["unassigned"])
    assert where(doc, "v999")[1] is None
    vid = doc["routes"][0]["stops"][0]["visit_id"]
    coord.post(f"/visite/{vid}/statut/", {"status": "cancelled"})  # a manual change keeps it listed
    assert any(u["visit_id"] == "v999" for u in current().doc["unassigned"])


# --------------------------------------------------------------------------- the team week


def test_a_move_onto_a_day_taken_by_duties_is_refused_in_french(coord):
    """An advisor whose duties fill the day has no tour: a visit moved there would put
    them in two places; refused, naming the duties, and nothing stored."""
    ver = current()
    doc = ver.doc
    toured = {(r["advisor_id"], r["day"]) for r in doc["routes"] if r["stops"]}
    full = next((d["advisor_id"], d["day"]) for d in doc["team"]["duties"]
                if (d["advisor_id"], d["day"]) not in toured)
    duties = [d for d in doc["team"]["duties"] if (d["advisor_id"], d["day"]) == full]
    vid = doc["routes"][0]["stops"][0]["visit_id"]
    r = coord.post(f"/visite/{vid}/deplacer/", {"vehicle": f"{full[0]}@{full[1]}"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "Déplacement refusé" in html and "ne peut pas être à deux endroits" in html
    assert all(d["name"].replace("'", "&#x27;") in html for d in duties)
    assert current().pk == ver.pk


def test_a_visit_only_possible_during_a_duty_is_refused_on_that_day(coord):
    """On a day with a duty and a tour, a visit whose hours fall during the duty cannot
    join the tour: refused in French, naming the duty (the advisor would be in two places)."""
    from itinerant.core.units import WEEKDAYS_FR, hhmm, parse_time

    ver = current()
    doc = ver.doc
    r, d = next((r, d) for r in doc["routes"] if r["stops"] for d in doc["team"]["duties"]
                if (d["advisor_id"], d["day"]) == (r["advisor_id"], r["day"])
                and parse_time(d["end"]) - parse_time(d["start"]) >= 2 * 3600)
    day = dt.date.fromisoformat(d["day"])
    window = f"{d['start']}-{hhmm(parse_time(d['end']) - 3600)}"
    form = {"nom": "Mme D. (fictif)", "commune": "71137", "duree": "30", "jours": WEEKDAYS_FR[day.weekday()][:3],
            "fenetres": window, "competence": "", "priorite": "should", "motif": "essai", "adresse": "",
            "telephone": ""}
    assert coord.post("/urgence/", form).status_code == 302
    ver = current()
    vid = ver.state["added"][-1]["id"]
    html = coord.post(f"/visite/{vid}/deplacer/", {"vehicle": f"{d['advisor_id']}@{d['day']}"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert "Déplacement refusé" in html and "ne peut pas être à deux endroits" in html
    assert "tomberait pendant" in html and d["name"].replace("'", "&#x27;") in html
    assert current().pk == ver.pk


def test_move_choices_name_the_duties_of_each_day(coord):
    ver = current()
    d = ver.doc["team"]["duties"][0]
    html = coord.get(f"/visite/{ver.doc['routes'][0]['stops'][0]['visit_id']}/").content.decode()
    assert f'value="{d["advisor_id"]}@{d["day"]}"' in html
    assert f'{d["kind"]} {d["start"]}–{d["end"]}' in html


def test_a_mairie_session_is_one_stop_naming_its_residents_and_cancelling_it_cancels_them(coord):
    """Two residents of La Vineuse who accept their town hall seen in one session open all day (as the team
    planner forms them): the desk rebuilds the session's task for every manual change,
    places it, shows its residents, counts them as two requests; cancelling the session
    marks each resident cancelled and takes it out of the week."""
    import copy

    from itinerant.visits.problem import PENALTY

    ver = current()
    folder = active_import().folder()
    sc = services.loaded(folder, ver.state).scenario
    names = {v.id: v.name for v in sc.visits}
    members, code, sid = ["v017", "v018"], "71582", "mairie-71582-9"
    doc = copy.deepcopy(ver.doc)
    for r in doc["routes"]:
        r["stops"] = [s for s in r["stops"] if s["visit_id"] not in members]
    doc["unassigned"] = [u for u in doc["unassigned"] if u["visit_id"] not in members]
    duration = sum(v.duration_s for v in sc.visits if v.id in members)
    doc["team"]["sessions"] = [*doc["team"]["sessions"], {
        "id": sid, "commune_code": code, "members": members, "saved_s": 600,
        "task": {"id": sid, "location": f"mairie-{code}", "duration_s": duration, "windows": [[30600, 61200]],
                 "end_in_window": True, "priority": "should", "penalty": PENALTY["should"] * 2, "days": [0, 1, 2, 3, 4],
                 "skill": "numerique", "advisor_id": None, "date": None, "name": "2 rendez-vous en mairie"}}]
    doc = services.retime(folder, ver.state, doc)  # the session is a task of the rebuilt problem: left out
    assert any(u["visit_id"] == sid for u in doc["unassigned"]) and where(doc, sid)[1] is None
    res = services.move_visit(folder, ver.state, doc, sid, None)  # placed where it fits
    assert res.ok and res.doc is not None
    placed = where(res.doc, sid)[1] is not None
    before = services.kpis(doc)
    assert services.kpis(res.doc)["served"] == before["served"] + (2 if placed else 0)
    assert services.kpis(res.doc)["visits_total"] == before["visits_total"]
    PlanVersion.objects.create(scenario=ver.scenario, parent=ver, kind="essai", doc=res.doc, state=ver.state)
    if placed:
        html = coord.get("/semaine/").content.decode()
        assert f"séance en mairie : 2 rendez-vous ({names['v017']}, {names['v018']})".replace("'", "&#x27;") in html
        assert services.duty_clashes(res.doc) == []
        page = coord.get(f"/visite/{sid}/").content.decode()  # its own page: move, lock, status
        assert names["v018"].replace("'", "&#x27;") in page and "Déplacer et vérifier" in page
    coord.post(f"/visite/{sid}/statut/", {"status": "cancelled"})
    ver = current()
    assert ver.kind == "statut" and all(ver.state["status"][m] == "cancelled" for m in members)
    assert where(ver.doc, sid)[1] is None and not any(u["visit_id"] == sid for u in ver.doc["unassigned"])
