"""The desk prints a sheet for every advisor working a day: those on duties only (the bus
crew, the office desk) too, without a map."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from itinerant.desk import services
from itinerant.desk.plans.views import active_import, current_version

pytestmark = pytest.mark.django_db


def test_the_day_pdf_has_a_page_for_each_advisor_on_duty_without_tour(coord):
    doc = current_version(active_import()).doc
    sc = services.loaded(active_import().folder(), current_version(active_import()).state).scenario
    names = {a.id: a.name for a in sc.advisors}
    found = None
    for day in services.sheet_days(doc):
        toured = {r["advisor_id"] for r in doc["routes"] if r["day"] == day and r["stops"]}
        duty_only = {d["advisor_id"] for d in doc["team"]["duties"] if d["day"] == day} - toured
        if duty_only:
            found = day, toured, duty_only
            break
    assert found is not None, "the Clunisois week has someone on duties only (the bus crew)"
    day, toured, duty_only = found
    r = coord.get(f"/imprimer/jour/{day}.pdf")
    assert r.status_code == 200
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(r.content)).pages]
    for a in duty_only:
        (page,) = [p for p in pages if f"Feuille de route - {names[a]} -" in p and "Pas de tournée ce jour" in p]
        for d in doc["team"]["duties"]:
            if d["day"] == day and d["advisor_id"] == a:
                assert " ".join(d["name"].split()) in page
        assert "Plan de la tournée" not in page
    assert {a for a in names if any(f"Feuille de route - {names[a]} -" in p for p in pages)} == toured | duty_only
    assert day in coord.get("/imprimer/").content.decode()  # the print page lists the day
