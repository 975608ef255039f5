"""The board report renders a real comparison: the Clunisois variants solved on the
estimated matrices. It opens with a recommendation, has an « aujourd'hui » column,
speaks the board's words (model names and solve times only in the annex), formats
numbers in French, keeps the walking scenario off the car chart, names sites (never
codes) in the workbook, and prints to at most 4 A4 pages with no blank page."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pypdf
import pytest

from itinerant.antennes.results import Comparison, read_comparison
from itinerant.reports.antennes_report import curve_svg, place_labels, render_antennes_report
from itinerant.reports.antennes_table import board_rows, columns, few_names, plural, recommendation, short_name
from itinerant.scenario.model import Scenario

REPO = Path(__file__).resolve().parents[1]
CLUNISOIS = REPO / "scenarios" / "clunisois"


@pytest.fixture(scope="module")
def clunisois(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Comparison, Path]:
    from itinerant import pipeline

    out = tmp_path_factory.mktemp("antennes")
    variants = sorted((CLUNISOIS / "antennes").glob("*.yaml"))
    comp = pipeline.run_compare(CLUNISOIS, variants, out, render=False)
    from itinerant.scenario import load_scenario

    scenario = load_scenario(CLUNISOIS)
    render_antennes_report(scenario, comp, out, estimated=True)
    return scenario, comp, out


def _before_annex(html: str) -> str:
    return html[: html.index('id="annex"')]


def test_report_opens_with_a_three_sentence_recommendation(clunisois):
    _, comp, out = clunisois
    html = (out / "comparaison.html").read_text(encoding="utf-8")
    best = comp.recommended()
    assert best is not None and best.mode == "car"
    sentences = recommendation(comp)
    assert len(sentences) == 3 and sentences[0].startswith("Nous recommandons le scénario « ")
    assert best.title in sentences[0]
    # the recommendation comes first, before the table
    assert html.index('id="recommendation"') < html.index('id="comparison"')
    assert "Nous recommandons le scénario" in html
    # the trade-off names another scenario
    assert any(v.title in sentences[2] for v in comp.variants if v.id != best.id)


def test_recommendation_weighs_each_new_antenne():
    # Eight new antennes for 41 more people lose against two that cover almost as many.
    comp = read_comparison(REPO / "tests" / "data" / "outputs" / "antennes" / "comparison.json")
    a, b, _ = comp.variants
    assert comp.recommended() in comp.variants
    cost = 0.01 * comp.low_mobility_total
    score = {v.id: v.covered(15) - cost * v.n_new for v in comp.variants if v.mode == "car"}
    assert comp.recommended().id == max(score, key=lambda k: (score[k], -comp.variant(k).n_new))


def test_table_has_today_first_in_the_boards_words(clunisois):
    _, comp, out = clunisois
    html = (out / "comparaison.html").read_text(encoding="utf-8")
    cols = columns(comp)
    assert cols[0].title == "Aujourd'hui" and cols[0].is_today
    assert [c.title for c in cols[1:]] == [v.title for v in comp.variants]
    table = html[html.index('id="comparison"'): html.index("</table>", html.index('id="comparison"'))]
    assert "Aujourd&#39;hui" in table
    # today's column gives today's counts
    rows = dict(board_rows(comp))
    today15 = comp.today["car"].low_mobility_within[15]
    assert rows["Personnes peu mobiles à 15 min ou moins"][0].startswith(f"{today15:,}".replace(",", "\u202f"))
    board = _before_annex(html)
    for word in ("MCLP", "LSCP", "p-médiane", "p-centre", "optimum prouvé", "temps de calcul", "Temps de calcul",
                 "écart à l", "cand-", "nouvelle(s)", "antenne(s)", "Personnes à mobilité réduite"):
        assert word not in board, word
    annex = html[html.index('id="annex"'):]
    assert "MCLP" in annex and "Temps de calcul" in annex


def test_numbers_and_words_are_french(clunisois):
    _, comp, out = clunisois
    html = (out / "comparaison.html").read_text(encoding="utf-8")
    assert not re.search(r"\d\.\d\s*min", html)  # « 18,9 min », never « 18.9 min »
    assert re.search(r"\d,\d\u00a0min", html)
    assert not re.search(r"\b0 habitants\b", html) and "et 1 autres" not in html
    assert not re.search(r"\b1 nouvelles\b", html)
    assert plural(0, "nouvelle antenne") == "aucune nouvelle antenne"
    assert plural(1, "nouvelle antenne") == "1 nouvelle antenne"
    assert plural(8, "nouvelle antenne") == "8 nouvelles antennes"
    assert few_names(["A", "B", "C", "D"]) == "A, B, C et 1 autre"
    assert few_names(["A", "B", "C", "D", "E"]) == "A, B, C et 2 autres"
    assert short_name("Mairie de Joncy (antenne possible)") == "Mairie de Joncy"


def test_an_added_site_counts_as_a_new_antenne(clunisois):
    _, comp, _ = clunisois
    epicerie = comp.variant("epicerie")
    assert "epicerie-la-guiche" in {s.id for s in epicerie.new_sites}
    assert epicerie.n_new == 2  # the added épicerie and the one chosen
    joncy = comp.variant("salornay-a-joncy")
    assert joncy.n_new == 1 and joncy.removed == (("ant-salornay", "Antenne de Salornay-sur-Guye (mairie)"),)
    rows = dict(board_rows(comp))
    cells = dict(zip([c.title for c in columns(comp)], rows["Nouvelles antennes"]))
    assert cells[epicerie.title].startswith("2 nouvelles antennes : ")
    assert cells[joncy.title].startswith("1 nouvelle antenne : Mairie de Joncy")


def test_one_term_and_one_count_for_low_mobility(clunisois):
    scenario, comp, out = clunisois
    html = (out / "comparaison.html").read_text(encoding="utf-8")
    low = sum(r.mobility == "low" for r in scenario.residents)
    housebound = sum(r.mobility == "none" for r in scenario.residents)
    assert comp.low_mobility_total == low and comp.housebound_total == housebound
    foot = html[html.index('id="footnote"'):]
    assert f"Personnes peu mobiles : les {low:,} habitants".replace(",", "\u202f") in foot
    assert f"{housebound} personnes qui ne quittent pas leur domicile" in foot
    assert "mobilité réduite" not in html
    # the territory map and the bus pages count the same people under the same words
    from itinerant.reports import _common, fmt

    assert sum(_common.commune_counts(scenario).values()) == comp.low_mobility_total
    assert fmt.STRINGS["fr"]["low_mobility"] == "Personnes peu mobiles"
    assert "mobilité réduite" not in " ".join(fmt.STRINGS["fr"].values())


def test_walking_scenario_has_its_own_chart_and_identical_curves_share_a_line(clunisois):
    _, comp, out = clunisois
    html = (out / "comparaison.html").read_text(encoding="utf-8")
    charts = re.findall(r'<svg[^>]*class="chart".*?</svg>', html, flags=re.S)
    assert len(charts) == 2  # by car, on foot
    walk = comp.variant("a-pied").title
    car_chart = next(c for c in charts if comp.variant("deux-de-plus").title.replace("'", "&#39;") in c)
    assert walk not in car_chart
    car = [v for v in comp.variants if v.mode == "car"]
    svg = str(curve_svg(car, comp.low_mobility_total))
    curves = {tuple((c.p, c.low_mobility_covered) for c in v.curve) for v in car if v.curve}
    assert svg.count("<polyline") == len(curves) < len(car)  # identical curves drawn once
    assert " ; " in svg  # ... with their titles joined in the legend


def test_map_labels_never_overlap():
    items = [(100.0 + 3 * k, 100.0 + 2 * k, f"Commune numéro {k}") for k in range(12)]
    placed = place_labels(items, width=480, height=360)
    boxes = []
    for x, y, text, anchor in placed:
        w = 0.56 * 11 * len(text) + 2
        left = x - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
        boxes.append((left, y - 11, left + w, y + 2))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    assert 2 <= len(placed) < len(items)  # crowded labels are left out, not stacked


def test_workbook_names_sites_never_codes(clunisois):
    _, comp, out = clunisois
    wb = openpyxl.load_workbook(out / "comparaison.xlsx")
    assert wb.sheetnames == ["Comparaison", "Lieux", "Au-delà de 20 min", "Courbe", "Méthode"]
    assert wb["Comparaison"].cell(1, 2).value == "Aujourd'hui"
    text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    assert not re.search(r"\bcand-\d+", text) and "ant-salornay" not in text
    curve = wb["Courbe"]
    added = [row[5].value for row in curve.iter_rows(min_row=2) if row[5].value]
    assert added and all("Mairie" in a or "picerie" in a for a in added)
    assert len(list(comp.variants)) == len(wb["Méthode"][1]) - 1
    # privacy: a count for one commune or site is at least 11, else « moins de 11 »
    for name in ("Lieux", "Au-delà de 20 min"):
        for row in wb[name].iter_rows(min_row=2):
            for cell in row[-2:]:
                assert cell.value == "moins de 11" or cell.value is None or cell.value == 0 or cell.value >= 11


def test_pdf_has_at_most_four_pages_and_none_blank(clunisois):
    _, _, out = clunisois
    reader = pypdf.PdfReader(out / "comparaison.pdf")
    assert 1 <= len(reader.pages) <= 4
    for page in reader.pages:
        assert len(page.extract_text().strip()) > 200  # a page with a title alone is a defect
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert {round(w), round(h)} == {842, 595}  # A4 (landscape), in points
    assert "Nous recommandons" in reader.pages[0].extract_text()


def test_public_report_shows_no_resident(clunisois):
    scenario, _, out = clunisois
    blobs = [(out / n).read_text(encoding="utf-8") for n in ("comparaison.html", "comparison.json")]
    for r in scenario.residents[:500]:
        for blob in blobs:
            assert r.id not in blob and f"{r.lat:.5f}" not in blob


# ------------------------------------------------------------------ in the browser
from tests.test_browser import _ink_share, _open, _outside, driver, shots  # noqa: E402,F401  (fixtures)


def test_report_in_the_browser_shows_the_recommendation_and_today(clunisois, driver, shots):  # noqa: F811
    from selenium.webdriver.common.by import By

    _, comp, out = clunisois
    png, urls = _open(driver, out / "comparaison.html", shots)
    assert _ink_share(png) > 0.03
    reco = driver.find_element(By.ID, "recommendation")
    assert reco.is_displayed() and reco.location["y"] < 400  # seen first, without scrolling
    assert f"Nous recommandons le scénario « {comp.recommended().title} »" in reco.text
    head = driver.find_elements(By.CSS_SELECTOR, "#comparison thead th")
    assert head[1].text.startswith("Aujourd'hui") and head[1].is_displayed()
    cells = driver.find_elements(By.CSS_SELECTOR, "#comparison tbody tr td.today")
    assert cells and all(c.is_displayed() and c.text for c in cells)
    assert "Personnes peu mobiles : les" in driver.find_element(By.ID, "footnote").text
    assert _outside(urls) == []  # nothing fetched from the network


@pytest.mark.parametrize("low,home,expected", [
    (1165, 381, ["les 1\u202f165 habitants", "Les 381 personnes qui ne quittent pas leur domicile"]),
    (1, 1, ["l'habitant (sur", "La personne qui ne quitte pas son domicile n'est pas comptée"]),
    (2, 0, ["les 2 habitants"]),  # nobody housebound: no sentence about them
])
def test_footnote_counts_in_correct_french(low, home, expected):
    import dataclasses

    from itinerant.reports.antennes_report import low_mobility_footnote

    comp = read_comparison(REPO / "tests" / "data" / "outputs" / "antennes" / "comparison.json")
    text = low_mobility_footnote(dataclasses.replace(comp, low_mobility_total=low, housebound_total=home))
    for part in expected:
        assert part in text
    assert ("domicile" in text) == (home > 0)


def test_without_chromium_the_pdf_is_a_plain_one_with_the_same_words(tmp_path, monkeypatch):
    from itinerant.reports import antennes_report
    from itinerant.scenario.model import Scenario

    monkeypatch.setattr(antennes_report, "chromium", lambda: None)
    sample = REPO / "tests" / "data" / "outputs"
    scenario = Scenario.model_validate_json((sample / "scenario.json").read_text(encoding="utf-8"))
    comp = read_comparison(sample / "antennes" / "comparison.json")
    res = render_antennes_report(scenario, comp, tmp_path)
    reader = pypdf.PdfReader(res["pdf"])
    text = " ".join(p.extract_text() for p in reader.pages)
    assert 1 <= len(reader.pages) <= 4
    assert "Nous recommandons le scénario" in re.sub(r"\s+", " ", text)
    assert "Aujourd'hui" in text and "Annexe" in text


def test_english_recommendation_has_three_sentences_too():
    comp = read_comparison(REPO / "tests" / "data" / "outputs" / "antennes" / "comparison.json")
    en = recommendation(comp, "en")
    assert len(en) == 3 and en[0].startswith(f"We recommend the scenario « {comp.recommended().title} »")
