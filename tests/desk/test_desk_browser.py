"""A coordinator's session on the desk, in headless Chromium against the real server
(``python -m itinerant serve`` on loopback, waitress, SQLite in a temporary data folder):
log in, import the Clunisois tables as Excel files, plan, move a visit, lock a tour, add
an urgent request, re-plan from now, read the changes, accept, print Tuesday's PDF.
Every page is checked with axe-core (vendored under tests/desk/vendor): no serious or
critical violation. Nothing is requested outside the machine. Last, the server is killed
in the middle of a re-plan and restarted: the plan in force is intact."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text(encoding="utf-8")
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PASSWORD = "essai-coordination-2026"
LOCAL = {"127.0.0.1", "localhost"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``itinerant serve`` in a subprocess; restartable on the same data folder."""

    def __init__(self, data: Path):
        self.data = data
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None
        self.log = data / "serve.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "ITINERANT_DATABASE_URL"}
        env.update(ITINERANT_DATA_DIR=str(self.data), ITINERANT_FIRST_PASSWORD=PASSWORD,
                   ITINERANT_PLAN_SECONDS="3", PYTHONPATH=str(ROOT / "src"))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "itinerant", "serve", "--port", str(self.port)], cwd=ROOT,
            env=env, stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                assert self.proc.poll() is None, self.log.read_text()
                time.sleep(0.3)
        raise AssertionError(f"server did not start: {self.log.read_text()}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("desk-data"))
    srv.start()
    try:
        yield srv
    finally:
        srv.kill()


@pytest.fixture(scope="module")
def driver():
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not exe.is_file():
            pytest.fail(f"{exe} is missing: apt-get install chromium chromium-driver")
    profile = tempfile.mkdtemp(prefix="itinerant-desk-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--disable-default-apps", "--disable-extensions",
                "--disable-dev-shm-usage", "--window-size=1300,1000", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def excel_files(tmp_path_factory) -> list[Path]:
    """The Clunisois scenario as a coordinator keeps it: scenario.yaml and Excel tables."""
    import openpyxl

    src = ROOT / "scenarios" / "clunisois"
    out = tmp_path_factory.mktemp("clunisois-xlsx")
    shutil.copy(src / "scenario.yaml", out / "scenario.yaml")
    for f in sorted(src.glob("*.csv")):
        text = f.read_text(encoding="utf-8-sig")
        head = text.splitlines()[0]
        sep = ";" if head.count(";") > head.count(",") else ","
        wb = openpyxl.Workbook()
        ws = wb.active
        for row in csv.reader(io.StringIO(text), delimiter=sep):
            ws.append([_cell(c, sep) for c in row])
        wb.save(out / f"{f.stem}.xlsx")
    return sorted(out.iterdir())


def _cell(text: str, sep: str):
    """Numbers as Excel numbers (a decimal comma in a `;` file), the rest as text."""
    t = text.replace(",", ".") if sep == ";" else text
    try:
        return float(t) if "." in t else int(t)
    except ValueError:
        return text


class Session:
    """The browser, the server and what every page must satisfy."""

    def __init__(self, drv, srv: Server, shots: Path):
        self.drv, self.srv, self.shots = drv, srv, shots
        self.n = 0
        self.requested: list[str] = []

    def wait_text(self, text: str, timeout: float = 60) -> None:
        WebDriverWait(self.drv, timeout, poll_frequency=0.3,
                      ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
            lambda d: text in d.find_element(By.TAG_NAME, "body").text,
            message=f"« {text} » never shown")

    def check(self, name: str, *texts: str) -> str:
        """Screenshot (not blank), expected text shown, axe-core: no serious/critical."""
        for t in texts:
            self.wait_text(t)
        self.n += 1
        png = self.shots / f"{self.n:02d}-{name}.png"
        self.drv.save_screenshot(str(png))
        with Image.open(png) as im:
            colours = im.convert("RGB").resize((200, 150)).getcolors(200 * 150)
        assert colours is not None and len(colours) > 8, f"{name}: blank screenshot"
        if os.environ.get("ITINERANT_SCREENSHOTS"):
            dest = Path(os.environ["ITINERANT_SCREENSHOTS"])
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(png, dest / png.name)
        self.drv.execute_script(AXE)
        violations = self.drv.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
            ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e)}]));")
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name}: {json.dumps(bad, ensure_ascii=False, indent=1)}"
        self._collect()
        return self.drv.find_element(By.TAG_NAME, "body").text

    def _collect(self) -> None:
        for entry in self.drv.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg["method"] == "Network.requestWillBeSent":
                self.requested.append(msg["params"]["request"]["url"])

    def go(self, path: str) -> None:
        self.drv.get(self.srv.url + path)

    def click(self, text: str, tag: str = "button") -> None:
        self.drv.find_element(By.XPATH, f"//{tag}[contains(normalize-space(.), \"{text}\")]").click()

    def cookie_get(self, path: str) -> bytes:
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.drv.get_cookies())
        req = urllib.request.Request(self.srv.url + path, headers={"Cookie": cookies})
        with urllib.request.urlopen(req, timeout=60) as r:  # noqa: S310 - loopback only
            assert r.headers["Content-Type"] == "application/pdf"
            return r.read()


def _known_moves(srv: Server, visit_ids: list[str]) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """(visit, advisor-day, message) of the first move of a board visit to another advisor's
    day that the desk's services refuse, and of the first they accept, on the plan in force
    read from the server's database (days without duties tried first, as a coordinator would)."""
    import sqlite3

    from itinerant.desk import services

    db = sqlite3.connect(f"file:{srv.data / 'desk.sqlite3'}?mode=ro", uri=True)
    try:
        imp, doc, state = db.execute(
            "SELECT v.scenario_id, v.doc, v.state FROM plans_planversion v WHERE v.decision = 'accepted' "
            "AND v.scenario_id = (SELECT max(id) FROM plans_scenarioimport WHERE valid) ORDER BY v.id DESC").fetchone()
    finally:
        db.close()
    folder, doc, state = srv.data / "scenarios" / str(imp), json.loads(doc), json.loads(state)
    assert (folder / ".complete").is_file()
    where = {s["visit_id"]: "@".join(services.day_of(r["vehicle_id"])) for r in doc["routes"] for s in r["stops"]}
    choices = sorted(services.vehicle_choices(folder, state, doc), key=lambda c: "–" in c[1])
    refused = moved = None
    for visit_id in visit_ids:
        for value, _ in choices:
            if value == where.get(visit_id):
                continue
            res = services.move_visit(folder, state, doc, visit_id, value)
            if res.ok and moved is None:
                moved = (visit_id, value, res.message)
            elif not res.ok and refused is None:
                refused = (visit_id, value, res.message)
            if refused and moved:
                return refused, moved
    raise AssertionError(f"no visit of the board can be moved ({moved}) or none is refused ({refused})")


def test_a_coordinators_session(server, driver, excel_files, tmp_path):
    s = Session(driver, server, tmp_path)
    # log in (every page asks for it)
    s.go("/semaine/")
    s.check("connexion", "Connexion", "données personnelles")
    driver.find_element(By.ID, "id_username").send_keys("coordinateur")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    s.click("Se connecter")
    s.wait_text("La semaine")

    # a bad table first: its faults, per file and row, and nothing replaced
    s.go("/import/")
    bad = tmp_path / "visits.csv"
    bad.write_text("id;duree;fenetres\nv900;45;18:00-09:00\n", encoding="utf-8")
    driver.find_element(By.ID, "id_files").send_keys(str(bad))
    s.click("Vérifier et importer")
    body = s.check("import-refuse", "Import refusé", "18:00-09:00")
    assert "Aucun scénario en service" in body

    # the Clunisois Excel files
    driver.find_element(By.ID, "id_files").send_keys("\n".join(str(p) for p in excel_files))
    s.click("Vérifier et importer")
    s.check("import-ok", "Scénario importé", "60 demandes de visite")
    s.click("Planifier la semaine")
    body = s.check("semaine", "Tournées par jour et par conseiller", "visites planifiées sur 60")

    # move a visit: the desk's own services (what the server runs) pick, from the plan in
    # force, a move they refuse and one they accept; the browser must show exactly that
    links = {unquote(urlparse(a.get_attribute("href")).path.split("/")[2]): a.get_attribute("href")
             for a in driver.find_elements(By.CSS_SELECTOR, "table.board a[href*='/visite/']")}
    refused, moved = _known_moves(server, list(links))
    for (visit_id, value, message), verdict in ((refused, "Déplacement refusé : "), (moved, "Visite déplacée : ")):
        driver.get(links[visit_id])
        Select(driver.find_element(By.ID, "id_vehicle")).select_by_value(value)
        s.click("Déplacer et vérifier")
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "move-result").text.strip())
        text = " ".join(driver.find_element(By.ID, "move-result").text.split())
        assert text.startswith(" ".join((verdict + message).split())), (visit_id, value, text)
    s.check("deplacement", "Visite déplacée", moved[0])
    # the new version is in force: the visit's page says where the move put it
    day, start, who = re.search(r" le (\w+ \d+/\d+) à (\d\d:\d\d) avec (.+?), tournée ", moved[2]).groups()
    driver.get(links[moved[0]])
    body = " ".join(s.drv.find_element(By.TAG_NAME, "body").text.split())
    assert f"Planifiée le {day} à {start}" in body and f"avec {who}" in body, body

    # lock a tour
    s.go("/semaine/")
    s.click("Verrouiller la tournée")
    s.check("verrou", "verrouillée")

    # an urgent request
    s.go("/urgence/")
    s.check("urgence-formulaire", "Ajouter une demande urgente")
    driver.find_element(By.ID, "id_nom").send_keys("Mme U. (fictif)")
    Select(driver.find_element(By.ID, "id_commune")).select_by_value("71137")
    driver.find_element(By.ID, "id_duree").clear()
    driver.find_element(By.ID, "id_duree").send_keys("30")
    s.click("Ajouter et placer")
    s.check("urgence", "Demande urgente", "ajoutée")

    # re-plan from now, read the changes, accept
    s.click("Re-planifier à partir de maintenant")
    s.check("replanification", "Re-planification à partir de maintenant", "Avancement")
    WebDriverWait(driver, 120, poll_frequency=0.5).until(
        lambda d: d.find_elements(By.PARTIAL_LINK_TEXT, "Voir les changements"))
    driver.find_element(By.PARTIAL_LINK_TEXT, "Voir les changements").click()
    s.check("changements", "Changements à prévenir", "Retenir ce plan")
    s.click("Retenir ce plan")
    s.check("retenu", "Nouveau plan retenu")

    # print Tuesday
    s.go("/imprimer/")
    s.check("imprimer", "Feuilles du mardi 1/12")
    href = driver.find_element(By.PARTIAL_LINK_TEXT, "Feuilles du mardi 1/12").get_attribute("href")
    pdf = s.cookie_get(urlparse(href).path)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "mardi 1er décembre 2026" in text and len(reader.pages) >= 2

    # the other pages: phone view, board, versions, journal
    s.go("/semaine/")
    sheet = driver.find_element(By.CSS_SELECTOR, "table.board a.day-sheet").get_attribute("href")
    driver.set_window_size(400, 850)
    driver.get(sheet)  # an advisor's day: its duties and its tours, a navigation link per stop
    s.check("telephone", "Itinéraire vers l'arrêt 1")
    driver.set_window_size(1300, 1000)
    s.go("/bureau/")
    body = s.check("bureau", "la semaine en chiffres")
    assert "(fictif)" not in body  # no resident (nor advisor) name on the board's page
    s.go("/versions/")
    s.check("versions", "Versions du plan", "en vigueur")
    s.go("/journal/")
    s.check("journal", "Journal des modifications", "déplacement", "urgence")
    s.go("/bus-antennes/")
    s.check("bus-antennes", "Tournée du bus et affiches", "Rapport du bureau")

    outside = [u for u in s.requested if urlparse(u).scheme in ("http", "https")
               and urlparse(u).hostname not in LOCAL]
    assert not outside, outside

    # the server dies in the middle of a re-plan: nothing is lost
    s.go("/versions/")
    in_force = driver.find_element(By.XPATH, "//td[contains(., '(en vigueur)')]").text
    s.go("/semaine/")
    s.click("Re-planifier à partir de maintenant")
    s.wait_text("en cours")
    job_url = driver.current_url
    server.kill()
    server.start()
    driver.get(job_url)
    s.check("interrompu", "interrompu", "le plan en vigueur n'a pas changé")
    s.go("/versions/")
    assert driver.find_element(By.XPATH, "//td[contains(., '(en vigueur)')]").text == in_force

    # no personal data in the server's log (names, phones, addresses of the residents)
    log = server.log.read_text(encoding="utf-8")
    assert "(fictif)" not in log and "06 00 00" not in log and "adresse fictive" not in log
    assert "Bureau ouvert sur http://127.0.0.1" in log
