"""The pages. Each one reads stored versions and calls :mod:`itinerant.desk.services`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from itinerant.core.errors import InputError
from itinerant.core.units import short_day
from itinerant.desk import services
from itinerant.desk.accounts.access import advisor_scope, role_required
from itinerant.desk.accounts.models import (
    ADVISOR,
    BOARD,
    COORDINATOR,
    AuditEvent,
    audit,
    role_of,
)
from itinerant.desk.plans import jobs
from itinerant.desk.plans.forms import ImportForm, MoveForm, UrgentForm
from itinerant.desk.plans.models import Job, PlanVersion, ScenarioFile, ScenarioImport

# --------------------------------------------------------------------------- helpers


def active_import() -> ScenarioImport | None:
    return ScenarioImport.objects.filter(valid=True).order_by("-id").first()


def current_version(imp: ScenarioImport | None) -> PlanVersion | None:
    if imp is None:
        return None
    return imp.versions.filter(decision=PlanVersion.ACCEPTED).order_by("-id").first()


def _day_text(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return short_day(d)


def _hm(s: int | None) -> str:
    if s is None:
        return ""
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def _faults_by_file(faults: list[dict]) -> list[tuple[str, list[dict]]]:
    out: dict[str, list[dict]] = {}
    for f in faults:
        out.setdefault(f.get("file") or "scénario", []).append(f)
    return sorted(out.items())


_fault_dicts = services.fault_dicts


def _context(request):
    """The active import, the current version and the effective scenario (or None)."""
    imp = active_import()
    ver = current_version(imp)
    sc = services.loaded(imp.folder(), ver.state).scenario if ver is not None else None
    return imp, ver, sc


def _new_version(request, base: PlanVersion, doc: dict, state: dict, kind: str, note: str) -> PlanVersion:
    v = PlanVersion.objects.create(scenario=base.scenario, parent=base, created_by=request.user,
                                   kind=kind, note=note[:300], doc=doc, state=state,
                                   decision=PlanVersion.ACCEPTED, decided_at=timezone.now())
    audit(request.user, kind, f"version {v.pk}", note)
    return v


def needs_plan(view):
    """Actions on the plan in force: without one, back to the week page with a word."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if current_version(active_import()) is None:
            messages.error(request, "Pas encore de plan : importez un scénario puis planifiez la semaine.")
            return redirect("week")
        return view(request, *args, **kwargs)

    return wrapped


def home(request):
    r = role_of(request.user)
    if r == COORDINATOR:
        return redirect("week")
    if r == ADVISOR:
        return redirect("today")
    if r == BOARD:
        return redirect("board")
    raise PermissionDenied("Aucun rôle : demandez à la coordination de vous en donner un.")


# --------------------------------------------------------------------------- import


def _example_files() -> dict[str, bytes]:
    from itinerant.pipeline import resolve_scenario

    folder = resolve_scenario(None)
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())
             if p.is_file() and p.suffix.lower() in (".csv", ".xlsx", ".yaml", ".yml")}
    files.update({services.VARIANT_PREFIX + p.name: p.read_bytes() for p in services.variant_files(folder)})
    return files


@role_required(COORDINATOR)
def import_page(request):
    form = ImportForm()
    result = None
    if request.method == "POST":
        lenient = request.POST.get("lenient") == "1"
        if request.POST.get("example"):
            files = _example_files()
            result = _import(request, files, replace_all=True)
        else:
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                files = {}
                if form.ignored():
                    messages.info(request, "Laissés de côté (ni tableau ni scenario.yaml) : "
                                           + ", ".join(sorted(form.ignored())))
                for f in [*form.cleaned_data["files"], *form.cleaned_data["folder"]]:
                    name = Path(f.name).name
                    if name.lower().endswith((".yaml", ".yml")) and not name.lower().startswith("scenario."):
                        name = services.VARIANT_PREFIX + name  # an antenne variant
                    files[name] = f.read()
                result = _import(request, files, lenient=lenient, replace_all=any(
                    n.lower().startswith("scenario.") for n in files))
        if result is not None and result.valid:
            messages.success(request, f"Scénario importé : {result.summary}")
            return redirect("import")
    imports = ScenarioImport.objects.order_by("-id")[:20]
    active = active_import()
    return render(request, "plans/import.html", {
        "form": form, "result": result, "imports": imports,
        "faults_by_file": _faults_by_file(result.faults) if result is not None else [],
        "active": active, "set_aside": _faults_by_file(active.faults) if active and active.lenient else []})


def _import(request, files: dict[str, bytes], *, replace_all: bool, lenient: bool = False) -> ScenarioImport:
    """Validate the files merged over the active import's; store the import either way;
    nothing replaces the active scenario unless it is valid."""
    merged: dict[str, bytes] = {}
    prev = active_import()
    if prev is not None and not replace_all:
        merged = {f.name: bytes(f.content) for f in prev.files.all()}
        stems = {Path(n).stem.lower() for n in files}
        merged = {n: b for n, b in merged.items() if Path(n).stem.lower() not in stems}
    merged.update(files)
    scenario, faults, set_aside = services.validate_files(merged, lenient=lenient)
    summary = ""
    if scenario is not None:
        summary = (f"« {scenario.title or scenario.name} » : {len(scenario.communes)} communes, "
                   f"{len(scenario.advisors)} conseillers, {len(scenario.visits)} demandes de visite")
        if set_aside:
            rows = len({(f.file, f.row) for f in set_aside})
            summary += f" ; {rows} demande{'s' if rows > 1 else ''} en erreur mise{'s' if rows > 1 else ''} de côté"
    with transaction.atomic():
        imp = ScenarioImport.objects.create(
            created_by=request.user, title=(scenario.title or scenario.name) if scenario else "",
            valid=scenario is not None, faults=_fault_dicts(faults or set_aside), summary=summary,
            lenient=bool(set_aside))
        for name, data in sorted(merged.items()):
            ScenarioFile.objects.create(scenario=imp, name=name, content=data, size=len(data))
    audit(request.user, "import", f"import {imp.pk}",
          f"{len(files)} fichier(s) : {', '.join(sorted(files))} ; "
          + ("valide" if imp.valid else f"refusé, {len(faults)} erreur(s)"))
    return imp


@role_required(COORDINATOR)
@require_POST
def plan_new(request):
    imp = active_import()
    if imp is None:
        messages.error(request, "Importez d'abord un scénario.")
        return redirect("import")
    try:
        doc = services.plan_week(imp.folder(), {}, time_limit=settings.DESK_PLAN_SECONDS)
    except InputError as exc:
        messages.error(request, f"Planification impossible : {exc.args[0]}")
        return redirect("import")
    v = PlanVersion.objects.create(scenario=imp, created_by=request.user, kind="plan",
                                   note="planification de la semaine", doc=doc, state={},
                                   decided_at=timezone.now())
    held = len({d["id"] for d in doc["team"]["duties"]})
    k = services.kpis(doc)
    audit(request.user, "plan", f"version {v.pk}", f"{k['served']} visites planifiées, "
                                                   f"{held} permanences tenues")
    missing = len(doc["team"]["unstaffed"])
    messages.success(request, f"Semaine de l'équipe planifiée : {held} permanences tenues"
                              + (f" ({missing} non tenue{'s' if missing > 1 else ''})" if missing else "")
                              + f", {k['served']} visites planifiées sur {k['visits_total']}.")
    return redirect("week")


# --------------------------------------------------------------------------- the week


def _stop_names(sc, doc, show_names: bool) -> dict[str, tuple[str, str]]:
    """Visit id -> (name, commune) of the stops; a mairie session is named with its
    residents."""
    visits = {v.id: v for v in sc.visits}
    communes = {c.code: c.name for c in sc.communes}
    out = {vid: (v.name if show_names else "", communes.get(v.commune_code, "")) for vid, v in visits.items()}
    for ses in doc.get("team", {}).get("sessions", []):
        who = [visits[m].name or m if show_names else m for m in ses["members"] if m in visits]
        out[ses["id"]] = (f"séance en mairie : {len(who)} rendez-vous ({', '.join(who)})",
                          communes.get(ses["commune_code"], ""))
    return out


def _duty_work_s(d: dict) -> int:
    from itinerant.core.units import parse_time

    return parse_time(d["end"]) - parse_time(d["start"])


def _week_rows(sc, doc, scope: str | None, show_names: bool):
    names = _stop_names(sc, doc, show_names)
    days = sorted({d.isoformat() for a in sc.advisors for d in sc.calendar.working_dates(a.days)})
    by: dict[tuple[str, str], list[dict]] = {}
    for r in doc["routes"]:
        by.setdefault((r["advisor_id"], r["day"]), []).append(r)
    duties: dict[tuple[str, str], list[dict]] = {}
    clash = {(d["advisor_id"], d["day"], d["start"], d["name"]) for d in services.duty_clashes(doc)}
    for d in doc.get("team", {}).get("duties", []):
        duties.setdefault((d["advisor_id"], d["day"]), []).append(
            {**d, "clash": (d["advisor_id"], d["day"], d["start"], d["name"]) in clash})
    duty_h = {m["id"]: m["duty_h"] for m in doc.get("team", {}).get("members", [])}
    contract = {m["id"]: m["contract_h"] for m in doc.get("team", {}).get("members", [])}
    rows = []
    for a in sc.advisors:
        if scope is not None and a.id != scope:
            continue
        working = {d.isoformat() for d in sc.calendar.working_dates(a.days)}
        cells = []
        work = 0
        for day in days:
            items = [{"duty": d, "at": d["start"]} for d in duties.get((a.id, day), [])]
            for r in by.get((a.id, day), []):
                work += r["work_s"]
                if not r["stops"]:
                    continue
                stops = [{**s, "name": names.get(s["visit_id"], ("", ""))[0],
                          "commune": names.get(s["visit_id"], ("", ""))[1]} for s in r["stops"]]
                items.append({"route": r, "stops": stops, "at": r["depart"], "km": round(r["travel_m"] / 1000, 1),
                              "locked": all(s["pinned"] for s in r["stops"])})
            items.sort(key=lambda x: x["at"])
            cells.append({"day": day, "working": day in working, "items": items,
                          "tours": sum(1 for x in items if "route" in x)})
        if a.id in duty_h:
            work += round(duty_h[a.id] * 3600)
        else:
            work += sum(_duty_work_s(d) for k, ds in duties.items() if k[0] == a.id for d in ds)
        cap = (a.max_work_s or (a.end_s - a.start_s - a.lunch_duration_s)) * len(working)
        if contract.get(a.id):
            cap = round(contract[a.id] * 3600)
        rows.append({"advisor": a, "cells": cells, "work": _hm(work), "capacity": _hm(cap),
                     "load_pct": min(100, round(100 * work / cap)) if cap else 0})
    return [{"day": d, "text": _day_text(d)} for d in days], rows


CSRF_PLACEHOLDER = "__CSRF__"


def _board_html(request, ver_id: int, stamp: str, scope: str | None) -> str:
    """The board and the left-out list of a version, rendered once per version and
    role (the plan of a version never changes), with a CSRF placeholder."""
    key = f"board:{ver_id}:{stamp}:{role_of(request.user)}:{scope}"
    html = cache.get(key)
    if html is None:
        ver = PlanVersion.objects.select_related("scenario").get(pk=ver_id)
        sc = services.loaded(ver.scenario.folder(), ver.state).scenario
        days, rows = _week_rows(sc, ver.doc, scope, show_names=True)
        stop_names = _stop_names(sc, ver.doc, True)
        unassigned = []
        if scope is None:
            names = {a.id: a.name for a in sc.advisors}
            for u in ver.doc["unassigned"]:
                who, day = services.day_of(u.get("route") or "")
                unassigned.append({**u, "name": stop_names.get(u["visit_id"], ("", ""))[0],
                                   "route_text": f"{names.get(who, who)}, {_day_text(day)}" if day else ""})
        html = render_to_string("plans/_week_board.html", {
            "ver": ver, "days": days, "rows": rows, "unassigned": unassigned,
            "warnings": ver.doc.get("desk_warnings", []), "team": "team" in ver.doc,
            "team_plan": services.is_team_plan(ver.doc), "capacity": ver.doc.get("capacity", []),
            "team_summary": ver.doc.get("team", {}).get("summary", "") if scope is None else "",
            "unstaffed": ver.doc.get("team", {}).get("unstaffed", []),
            "clashes": len(services.duty_clashes(ver.doc)), "summary": ver.doc.get("summary", ""),
            "kpis": services.kpis(ver.doc), "estimated": ver.doc.get("estimated", True)}, request=request)
        cache.set(key, html, 3600)
    return html


STATE_KEY = "desk:state"


def _desk_state() -> dict | None:
    """Ids of the active import, the plan in force and the latest proposal; cached for
    2 s and dropped on every new import or version (see ``plans.signals``)."""
    state = cache.get(STATE_KEY)
    if state is None:
        imp = active_import()
        ver = (imp.versions.filter(decision=PlanVersion.ACCEPTED).order_by("-id")
               .values("id", "created_at").first() if imp is not None else None)
        proposed = (imp.versions.filter(decision=PlanVersion.PROPOSED).order_by("-id")
                    .values_list("id", flat=True).first() if imp is not None else None)
        state = {"imp": imp.pk if imp else None, "ver": ver and ver["id"],
                 "stamp": ver and ver["created_at"].isoformat(), "proposed": proposed}
        cache.set(STATE_KEY, state, 2)
    return state


@role_required(COORDINATOR, ADVISOR)
def week(request):
    state = _desk_state()
    if state["ver"] is None:
        return render(request, "plans/week.html", {"imp": state["imp"], "ver": None})
    board = _board_html(request, state["ver"], state["stamp"], advisor_scope(request))
    job = None
    if role_of(request.user) == COORDINATOR:
        job = Job.objects.filter(active=True).only("id", "progress").first()
    return render(request, "plans/week.html", {
        "ver": state["ver"], "job": job, "proposed": state["proposed"],
        "board": mark_safe(board.replace(CSRF_PLACEHOLDER, get_token(request)))})  # noqa: S308


def _vehicle_choices(imp, ver):
    return services.vehicle_choices(imp.folder(), ver.state, ver.doc)


def _valid_target(vehicle: str, choices) -> bool:
    """A chosen advisor's day, or one of its tours (``advisor@YYYY-MM-DD#n``)."""
    who, day = services.day_of(vehicle)
    return f"{who}@{day}" in {c for c, _ in choices}


def _where(doc, visit_id):
    for r in doc["routes"]:
        for s in r["stops"]:
            if s["visit_id"] == visit_id:
                return r, s
    return None, None


@role_required(COORDINATOR)
@needs_plan
def visit(request, visit_id: str):
    imp, ver, sc = _context(request)
    if ver is None:
        raise Http404("aucun plan")
    v = next((x for x in sc.visits if x.id == visit_id), None)
    status = ver.state.get("status", {}).get(visit_id)
    route, stop = _where(ver.doc, visit_id)
    session = _stop_names(sc, ver.doc, True).get(visit_id, ("", ""))[0] if v is None else ""
    if v is None and status is None and not session:
        raise Http404("visite inconnue")
    reason = next((u["reason"] for u in ver.doc["unassigned"] if u["visit_id"] == visit_id), "")
    form = MoveForm(choices=_vehicle_choices(imp, ver),
                    initial={"vehicle": "@".join(services.day_of(route["vehicle_id"])) if route else None})
    return render(request, "plans/visit.html", {
        "ver": ver, "v": v, "visit_id": visit_id, "route": route, "stop": stop, "reason": reason,
        "session": session, "made": bool((route or {}).get("made")),
        "advisor_name": next((a.name for a in sc.advisors if route and a.id == route["advisor_id"]), ""),
        "movable": bool(v or session) and not (stop or {}).get("done") and not (route or {}).get("made"),
        "duties": services.duties_of_day(ver.doc, route["advisor_id"], route["day"]) if route else [],
        "status": services.STATUS_FR.get(status, ""), "form": form,
        "day_text": _day_text(route["day"]) if route else ""})


@role_required(COORDINATOR)
@require_POST
@needs_plan
def visit_move(request, visit_id: str):
    imp, ver, sc = _context(request)
    vehicle = request.POST.get("vehicle") or ""
    if not _valid_target(vehicle, _vehicle_choices(imp, ver)):
        ok, message = False, "Choisissez un conseiller et un jour dans la liste."
    else:
        res = services.move_visit(imp.folder(), ver.state, ver.doc, visit_id, vehicle)
        ok, message = res.ok, res.message
        if res.ok and res.doc is not None:
            _new_version(request, ver, res.doc, ver.state, "déplacement", f"{visit_id} vers {vehicle}")
    if request.htmx:
        return render(request, "plans/_move_result.html", {"ok": ok, "message": message})
    (messages.success if ok else messages.error)(
        request, ("Visite déplacée : " if ok else "Déplacement refusé : ") + message)
    return redirect("visit", visit_id=visit_id)


@role_required(COORDINATOR)
@require_POST
@needs_plan
def visit_lock(request, visit_id: str):
    imp, ver, sc = _context(request)
    pinned = request.POST.get("pinned") == "1"
    doc = services.set_pinned(ver.doc, visit_id=visit_id, pinned=pinned)
    _new_version(request, ver, doc, ver.state, "verrou" if pinned else "déverrou", visit_id)
    messages.success(request, f"Visite {visit_id} {'verrouillée' if pinned else 'déverrouillée'}.")
    return redirect(request.POST.get("next") or reverse("visit", args=[visit_id]))


@role_required(COORDINATOR)
@require_POST
@needs_plan
def tour_lock(request, vehicle_id: str):
    imp, ver, sc = _context(request)
    pinned = request.POST.get("pinned") == "1"
    doc = services.set_pinned(ver.doc, vehicle_id=vehicle_id, pinned=pinned)
    _new_version(request, ver, doc, ver.state, "verrou tournée" if pinned else "déverrou tournée",
                 vehicle_id)
    messages.success(request, f"Tournée {vehicle_id} {'verrouillée' if pinned else 'déverrouillée'}.")
    return redirect("week")


@role_required(COORDINATOR, ADVISOR)
@require_POST
@needs_plan
def visit_status(request, visit_id: str):
    imp, ver, sc = _context(request)
    status = request.POST.get("status")
    if status not in services.STATUS_FR:
        raise Http404("statut inconnu")
    route, stop = _where(ver.doc, visit_id)
    scope = advisor_scope(request)
    if scope is not None and (route is None or route["advisor_id"] != scope):
        raise PermissionDenied("Cette visite n'est pas dans vos tournées.")
    # a mairie session: the status of each of its residents
    ids = services.session_members(ver.doc, visit_id) or [visit_id]
    state = {**ver.state, "status": {**ver.state.get("status", {}), **dict.fromkeys(ids, status)}}
    if status == "done":
        doc = services.mark_done(ver.doc, visit_id)
    else:
        doc = services.retime(imp.folder(), state, ver.doc)
    _new_version(request, ver, doc, state, "statut", f"{visit_id} : {services.STATUS_FR[status]}")
    messages.success(request, f"Visite {visit_id} : {services.STATUS_FR[status]}.")
    return redirect(request.POST.get("next") or "week")


@role_required(COORDINATOR)
def urgent(request):
    imp, ver, sc = _context(request)
    if ver is None:
        return redirect("week")
    communes = sorted(((c.code, c.name) for c in sc.communes), key=lambda c: c[1])
    skills = sorted({s for a in sc.advisors for s in a.skills})
    form = UrgentForm(request.POST or None, communes=communes, skills=skills)
    faults = []
    if request.method == "POST" and form.is_valid():
        n = len(ver.state.get("added", [])) + 1
        vid = f"u{timezone.localdate():%m%d}-{n:02d}"
        row = {"id": vid, **{k: str(v) for k, v in form.cleaned_data.items() if v not in (None, "")}}
        state = {**ver.state, "added": [*ver.state.get("added", []), row]}
        try:
            res = services.move_visit(imp.folder(), state, ver.doc, vid, None)
        except InputError as exc:
            faults = _fault_dicts(exc.faults)
        else:
            _new_version(request, ver, res.doc, state, "urgence", f"{vid} : {res.message}")
            messages.success(request, f"Demande urgente {vid} ajoutée : {res.message}.")
            return redirect("week")
    return render(request, "plans/urgent.html", {"form": form, "faults": faults})


# --------------------------------------------------------------------------- re-plan


@role_required(COORDINATOR)
@require_POST
def replan(request):
    imp, ver, sc = _context(request)
    if ver is None:
        return redirect("week")
    try:
        job = jobs.start_replan(request.user, ver)
    except jobs.Busy as exc:
        messages.error(request, str(exc))
        return redirect("week")
    stale = request.POST.get("remplace", "")
    if stale.isdigit():
        PlanVersion.objects.filter(pk=int(stale), decision=PlanVersion.PROPOSED).update(
            decision=PlanVersion.DISCARDED, decided_at=timezone.now())
    audit(request.user, "re-planification", f"travail {job.pk}", f"depuis la version {ver.pk}")
    return redirect("job", job_id=job.pk)


@role_required(COORDINATOR)
def job(request, job_id: int):
    j = get_object_or_404(Job, pk=job_id)
    template = "plans/_job.html" if request.htmx else "plans/job.html"
    return render(request, template, {"job": j})


@role_required(COORDINATOR)
def changes(request, version_id: int):
    v = get_object_or_404(PlanVersion, pk=version_id)
    base = v.parent
    sc = services.loaded(v.scenario.folder(), v.state).scenario
    visits = {x.id: x for x in sc.visits}
    names = {a.id: a.name for a in sc.advisors}
    rows = []
    fmt = lambda w: f"{names.get(w[0], w[0])}, {_day_text(w[1])} à {w[2]}" if w else "—"  # noqa: E731
    members = {ses["id"]: ses["members"] for doc in (base.doc if base else {}, v.doc)
               for ses in doc.get("team", {}).get("sessions", [])}
    stop_names = _stop_names(sc, v.doc, True)

    def who(vid):
        """(name, phone) of a visit, or of every resident of a mairie session."""
        if vid in members:
            xs = [visits[m] for m in members[vid] if m in visits]
            return stop_names.get(vid, ("", ""))[0], ", ".join(f"{x.name} {x.phone}" for x in xs)
        x = visits.get(vid)
        return (x.name, x.phone) if x else ("", "")

    for c in services.changes_between(base.doc if base else {"routes": []}, v.doc):
        name, phone = who(c["visit_id"])
        rows.append({**c, "name": name, "phone": phone,
                     "before_text": fmt(c["before"]), "after_text": fmt(c["after"])})
    announced = []
    for c in v.doc.get("changes", []):
        x = visits.get(c["visit_id"])
        old = (c.get("old_advisor_id"), c.get("old_day"), c.get("old_start"))
        new = (c.get("new_advisor_id"), c.get("new_day"), c.get("new_start"))
        announced.append({**c, "phone": x.phone if x else "",
                          "before_text": fmt(old) if old[1] else "—",
                          "after_text": fmt(new) if new[1] else "plus planifiée"})
    since = made_since(v) if v.decision == PlanVersion.PROPOSED else []
    holders = [{**c, "before_text": ", ".join(names.get(a, a) for a in c["before"]) or "personne",
                "after_text": ", ".join(names.get(a, a) for a in c["after"]) or "personne (non tenue)",
                "day_text": _day_text(c["day"])}
               for c in services.duty_changes(base.doc if base else {}, v.doc)] if base else []
    return render(request, "plans/changes.html", {"v": v, "base": base, "rows": rows, "since": since,
                                                  "announced": announced, "holders": holders,
                                                  "summary": v.doc.get("team", {}).get("summary")
                                                  or v.doc.get("summary", ""),
                                                  "kpis": services.kpis(v.doc),
                                                  "base_kpis": services.kpis(base.doc) if base else None})


def made_since(v: PlanVersion) -> list[PlanVersion]:
    """Versions put in force after the plan a proposal was made from (manual changes,
    restorations, another accepted re-plan): accepting the proposal as it is would
    silently drop them."""
    return list(PlanVersion.objects.filter(scenario=v.scenario, decision=PlanVersion.ACCEPTED,
                                           pk__gt=v.parent_id or 0)
                .exclude(pk=v.pk).select_related("created_by").order_by("id"))


def _made_since_text(items: list[PlanVersion]) -> str:
    return " ; ".join(f"{x.kind} ({x.note}) par {x.created_by or '?'} le "
                      f"{timezone.localtime(x.created_at):%d/%m à %H:%M}" for x in items)


@role_required(COORDINATOR)
@require_POST
def decide(request, version_id: int):
    v = get_object_or_404(PlanVersion, pk=version_id, decision=PlanVersion.PROPOSED)
    accept = request.POST.get("decision") == "accept"
    if accept:
        since = made_since(v)
        if since or v.scenario_id != (active_import() or v.scenario).pk:
            # the proposal was computed from a plan that has changed since: accepting it
            # would lose those changes; refuse and offer to re-plan from the plan in force
            messages.error(request, "Ce plan n'est pas retenu : il a été calculé avant "
                           f"{len(since)} modification{'s' if len(since) > 1 else ''} du plan en vigueur, "
                           "qui seraient perdues : " + (_made_since_text(since) or "un nouvel import")
                           + ". Re-planifiez à nouveau pour les garder, ou écartez cette proposition.")
            audit(request.user, "acceptation refusée", f"version {v.pk}",
                  f"{len(since)} modification(s) faites pendant la re-planification")
            return redirect("changes", version_id=v.pk)
    v.decision = PlanVersion.ACCEPTED if accept else PlanVersion.DISCARDED
    v.decided_at = timezone.now()
    if accept:
        v.save(update_fields=["decision", "decided_at"])
        # a new row so that "current = latest accepted" holds after later versions too
        _new_version(request, v, v.doc, v.state, "acceptation", f"re-planification {v.pk} retenue")
        messages.success(request, "Nouveau plan retenu. Prévenez les personnes listées.")
    else:
        v.save(update_fields=["decision", "decided_at"])
        audit(request.user, "rejet", f"version {v.pk}", "re-planification écartée")
        messages.success(request, "Re-planification écartée : le plan en vigueur n'a pas changé.")
    return redirect("week")


@role_required(COORDINATOR)
def versions(request):
    imp = active_import()
    items = imp.versions.order_by("-id")[:100] if imp else []
    return render(request, "plans/versions.html", {"items": items, "current": current_version(imp)})


@role_required(COORDINATOR)
@require_POST
@needs_plan
def restore(request, version_id: int):
    old = get_object_or_404(PlanVersion, pk=version_id)
    imp = active_import()
    cur = current_version(imp)
    if imp is None or old.scenario_id != imp.pk or cur is None:
        messages.error(request, "Cette version appartient à un autre import du scénario.")
        return redirect("versions")
    _new_version(request, cur, old.doc, old.state, "restauration", f"version {old.pk} restaurée")
    messages.success(request, f"Version {old.pk} restaurée (comme une nouvelle version).")
    return redirect("week")


# --------------------------------------------------------------------------- print, phone, board


@role_required(COORDINATOR, ADVISOR)
def print_page(request):
    imp, ver, sc = _context(request)
    scope = advisor_scope(request)
    days = []
    advisors = []
    if ver is not None:
        days = [{"day": d, "text": _day_text(d)} for d in services.sheet_days(ver.doc, scope)]
        advisors = [a for a in sc.advisors if scope is None or a.id == scope]
    return render(request, "plans/print.html", {"ver": ver, "days": days, "advisors": advisors})


def _pdf(request, **kw):
    imp, ver, sc = _context(request)
    if ver is None:
        raise Http404("aucun plan")
    try:
        data = services.sheets_pdf(imp.folder(), ver.state, ver.doc, **kw)
    except InputError:
        raise Http404("rien à imprimer : ni tournée ni permanence") from None
    name = "feuilles_" + "_".join(str(v) for v in kw.values() if v) + ".pdf"
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{name}"'
    return resp


@role_required(COORDINATOR, ADVISOR)
def print_day(request, day: str):
    return _pdf(request, day=day, advisor_id=advisor_scope(request))


@role_required(COORDINATOR, ADVISOR)
def print_advisor(request, advisor_id: str):
    scope = advisor_scope(request)
    if scope is not None and scope != advisor_id:
        raise PermissionDenied("Seule votre semaine vous est ouverte.")
    return _pdf(request, advisor_id=advisor_id)


@role_required(COORDINATOR, ADVISOR)
def today(request):
    """Today's sheet of one advisor on a phone: the duties of the day and the tours in
    between, in time order, with a navigation link per stop."""
    imp, ver, sc = _context(request)
    scope = advisor_scope(request)
    day = request.GET.get("jour") or timezone.localdate().isoformat()
    who = scope if scope is not None else request.GET.get("conseiller")
    route = None
    stops: list[dict] = []
    items: list[dict] = []
    duties: list[dict] = []
    if ver is not None:
        if who is None and sc.advisors:
            who = sc.advisors[0].id
        route = services.day_route(ver.doc, who, day)
        visits = {v.id: v for v in sc.visits}
        communes = {c.code: c.name for c in sc.communes}
        names = _stop_names(sc, ver.doc, True)
        for s in route["stops"] if route else []:
            v = visits.get(s["visit_id"])
            stops.append({**s, "name": v.name if v else names.get(s["visit_id"], ("", ""))[0],
                          "address": v.address if v else "",
                          "phone": v.phone if v else "", "reason": v.reason if v else "",
                          "commune": communes.get(v.commune_code, "") if v else names.get(s["visit_id"], ("", ""))[1],
                          "lat": v.lat if v else None, "lon": v.lon if v else None})
        halls = {ses["id"]: sc.commune(ses["commune_code"]) for ses in ver.doc.get("team", {}).get("sessions", [])}
        for x in stops:  # a mairie session: the town hall
            if x["lat"] is None and x["visit_id"] in halls:
                x["lat"], x["lon"] = halls[x["visit_id"]].lat, halls[x["visit_id"]].lon
                x["address"] = f"mairie de {halls[x['visit_id']].name}"
        duties = services.duties_of_day(ver.doc, who, day) if who else []
        items = ([{"duty": d, "at": d["start"]} for d in duties]
                 + [{"tour": t, "at": t["depart"], "stops": [x for x in stops if x["tour"] == n]}
                    for n, t in enumerate(route["tours"] if route else [])])
        items.sort(key=lambda x: x["at"])
    advisor = next((a for a in sc.advisors if a.id == who), None) if sc else None
    points = []
    if route is not None:
        sites = {x.id: (x.lat, x.lon, x.name) for x in sc.sites}
        start = sites.get(route["start_site"])
        points = ([{"lat": start[0], "lon": start[1], "label": "départ"}] if start else []) + [
            {"lat": x["lat"], "lon": x["lon"], "label": str(x["seq"])} for x in stops if x["lat"] is not None]
    try:
        day_text = _day_text(day)
    except ValueError:
        raise Http404("date illisible") from None
    return render(request, "plans/today.html", {
        "ver": ver, "route": route, "stops": stops, "advisor": advisor, "day": day, "items": items,
        "duties": duties, "day_text": day_text, "advisors": sc.advisors if sc and scope is None else [],
        "points": points})


@role_required(COORDINATOR, BOARD)
def board(request):
    """Aggregated figures only: no resident's name, address or visit id."""
    imp, ver, sc = _context(request)
    rows = []
    by_commune: dict[str, int] = {}
    if ver is not None:
        visits = {v.id: v for v in sc.visits}
        communes = {c.code: c.name for c in sc.communes}
        duties = ver.doc.get("team", {}).get("duties", [])
        for day in sorted({r["day"] for r in ver.doc["routes"]} | {d["day"] for d in duties}):
            rs = [r for r in ver.doc["routes"] if r["day"] == day and r["stops"]]
            ids = [m for r in rs for s in r["stops"]  # a mairie session: each of its residents
                   for m in services.session_members(ver.doc, s["visit_id"]) or [s["visit_id"]]]
            rows.append({"text": _day_text(day), "visits": len(ids),
                         "advisors": len({r["advisor_id"] for r in rs}),
                         "duties": len({d["id"] for d in duties if d["day"] == day}),
                         "km": round(sum(r["travel_m"] for r in rs) / 1000)})
            for vid in ids:
                v = visits.get(vid)
                if v is not None:
                    name = communes.get(v.commune_code, v.commune_code)
                    by_commune[name] = by_commune.get(name, 0) + 1
    return render(request, "plans/board.html", {
        "ver": ver, "rows": rows, "kpis": services.kpis(ver.doc) if ver else None,
        "by_commune": sorted(by_commune.items(), key=lambda kv: (-kv[1], kv[0]))})


@role_required(COORDINATOR)
def journal(request):
    return render(request, "plans/journal.html", {"events": AuditEvent.objects.select_related("user")[:200]})


# --------------------------------------------------------------------------- bus, antennes

OUTPUT_SUFFIXES = {".pdf": "application/pdf", ".html": "text/html; charset=utf-8",
                   ".csv": "text/csv; charset=utf-8",
                   ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _outputs(job: Job | None) -> list[dict[str, str]]:
    if job is None or not job.output:
        return []
    root = Path(job.output)
    return [{"path": p.relative_to(root).as_posix(), "name": p.name}
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in OUTPUT_SUFFIXES]


@role_required(COORDINATOR, BOARD)
def outputs(request):
    """The bus rota with its posters, and the board's antenne report (public outputs)."""
    imp, ver, sc = _context(request)
    variants = [p.stem for p in services.variant_files(imp.folder())] if imp else []
    if request.method == "POST":
        if role_of(request.user) != COORDINATOR:
            raise PermissionDenied("Seule la coordination lance les calculs.")
        kind = request.POST.get("kind")
        if kind not in ("bus", "antennes") or imp is None:
            raise Http404("calcul inconnu")
        chosen = [v for v in request.POST.getlist("variants") if v in variants]
        try:
            job = jobs.start_output(request.user, kind, imp, ver.state if ver else {},
                                    params={"variants": chosen} if kind == "antennes" else
                                    {"time_limit": settings.DESK_PLAN_SECONDS * 2})
        except jobs.Busy as exc:
            messages.error(request, str(exc))
            return redirect("outputs")
        audit(request.user, jobs.KIND_FR[kind], f"travail {job.pk}", ", ".join(chosen))
        return redirect("job", job_id=job.pk)
    last = {k: Job.objects.filter(kind=k, status=Job.DONE, scenario=imp).order_by("-id").first()
            for k in ("bus", "antennes")} if imp else {"bus": None, "antennes": None}
    running = Job.objects.filter(active=True, kind__in=("bus", "antennes")).first()
    bus_changes = None
    previous = jobs.previous_timetable(last["bus"]) if last["bus"] is not None else None
    if previous is not None and (Path(last["bus"].output) / "timetable.csv").is_file():
        try:
            bus_changes = services.bus_changes(imp.folder(), ver.state if ver else {}, previous,
                                               Path(last["bus"].output) / "timetable.csv")
        except InputError:
            bus_changes = None
    return render(request, "plans/outputs.html", {
        "bus_changes": bus_changes, "bus_previous": previous.parent.name if previous else "",
        "imp": imp, "variants": variants, "bus": last["bus"], "antennes": last["antennes"],
        "bus_files": _outputs(last["bus"]), "report_files": _outputs(last["antennes"]),
        "running": running})


@role_required(COORDINATOR, BOARD)
def output_file(request, job_id: int, path: str):
    job = get_object_or_404(Job, pk=job_id, status=Job.DONE, kind__in=("bus", "antennes"))
    root = Path(job.output).resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file() or target.suffix not in OUTPUT_SUFFIXES:
        raise Http404("fichier introuvable")
    resp = HttpResponse(target.read_bytes(), content_type=OUTPUT_SUFFIXES[target.suffix])
    resp["Content-Disposition"] = f'inline; filename="{target.name}"'
    return resp
