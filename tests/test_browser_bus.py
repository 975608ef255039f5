"""The bus's public pages as a resident sees them, in headless Chromium: a poster and the
rota page rendered from a real rota (the tiny scenario, solved), screenshots checked for
the text that must appear (real dates, the office's phone), no request outside the
machine, dates that never break over two lines, and the poster printed by Chromium to
one A4 page that it fills (the contact block at the foot of the page)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from itinerant import pipeline
from itinerant.core.units import WEEKDAYS_FR
from itinerant.matrices import matrices_for_scenario
from itinerant.reports import render_bus
from itinerant.reports.fmt import MONTHS
from tests.conftest import DATA
from tests.test_browser import CHROMIUM, _ink_share, _open, _outside, driver, shots  # noqa: F401

PHONE = "03 85 59 00 00"
ADDRESS = "2 rue de l'Exemple, 71250 Cluny"


@pytest.fixture(scope="module")
def bus_site(tmp_path_factory: pytest.TempPathFactory):
    scenario = pipeline.validate(DATA / "tiny")
    office = next(s for s in scenario.sites if s.kind == "office")
    sites = tuple(s.model_copy(update={"phone": PHONE, "address": ADDRESS}) if s is office else s
                  for s in scenario.sites)
    scenario = scenario.model_copy(update={"sites": sites})
    result = pipeline.plan_bus(scenario, matrices_for_scenario(scenario, None), time_limit=3)
    out = tmp_path_factory.mktemp("bus_pages")
    render_bus(scenario, result.rota, out)
    return scenario, result.rota, out


def _first_date(scenario, slot) -> dt.date:
    start = scenario.calendar.week_start
    week = min(slot.weeks)
    return start + dt.timedelta(days=7 * (week - 1) + slot.weekday)


def test_poster_shows_real_dates_and_the_phone(driver, bus_site, shots):  # noqa: F811
    scenario, rota, out = bus_site
    slot = next(s for s in rota.slots() if not s.fixed)
    posters = sorted((out / "affiches").glob(f"affiche_{slot.commune_code}_*.html"))
    assert len(posters) == 1
    png, urls = _open(driver, posters[0], shots)
    assert _ink_share(png) > 0.05
    body = driver.find_element(By.TAG_NAME, "body").text.replace("\u00a0", " ")
    # real dates, not cycle weeks: the first group is "<weekday>s <first day>, … <month>"
    first = _first_date(scenario, slot)
    day = "1er" if first.day == 1 else str(first.day)
    group = driver.find_elements(By.CSS_SELECTOR, ".dates .date")[0].text.replace("\u00a0", " ")
    assert group.startswith(f"{WEEKDAYS_FR[slot.weekday]}s {day}") or group == (
        f"{WEEKDAYS_FR[slot.weekday]} {day} {MONTHS['fr'][first.month - 1]}"), group
    assert group.endswith(MONTHS["fr"][first.month - 1])
    assert "du cycle" not in body and "semaine 1" not in body
    assert PHONE in body and ADDRESS in body
    assert slot.commune_name in body
    # every date stays on one line
    dates = driver.find_elements(By.CSS_SELECTOR, ".dates .date")
    assert dates
    for d in dates:
        assert driver.execute_script("return arguments[0].getClientRects().length", d) == 1, d.text
    assert _outside(urls) == []


def test_poster_prints_to_one_a4_page_it_fills(bus_site, tmp_path):
    scenario, rota, out = bus_site
    poster = sorted((out / "affiches").glob("*.html"))[0]
    pdf = tmp_path / "poster.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", poster.as_uri()],
                   check=True, capture_output=True, timeout=120)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert "(A4)" in info
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    img = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    w, h = img.size
    # the page is used top to bottom: ink in the top tenth (the band) and in the last
    # fifth (the contact block), not a block of text with a blank half below it
    top = img.crop((0, 0, w, h // 10))
    foot = img.crop((0, int(h * 0.8), w, int(h * 0.97)))
    for part in (top, foot):
        hist = part.histogram()
        assert sum(hist[:200]) / (part.width * part.height) > 0.01


def test_rota_page_lists_dates_and_no_solver_word(driver, bus_site, shots):  # noqa: F811
    scenario, rota, out = bus_site
    png, urls = _open(driver, out / "rota.html", shots)
    assert _ink_share(png) > 0.03
    body = driver.find_element(By.TAG_NAME, "body").text.replace("\u00a0", " ")
    assert "Tournée du bus France services" in body
    for s in rota.slots():
        assert s.commune_name in body
    slot = next(s for s in rota.slots() if not s.fixed)
    first = _first_date(scenario, slot)
    assert re.search(rf"{WEEKDAYS_FR[slot.weekday]}s? {'1er' if first.day == 1 else first.day}\b", body), body
    assert "Personnes peu mobiles : les" in body  # the footnote says how they are counted
    for word in ("optimum", "écart", "base :", "OPTIMAL", "FEASIBLE", "HINT", "gap"):
        assert word not in body, word
    assert _outside(urls) == []
