"""The antenne comparison in the board's words: the recommendation and the side-by-side
table (« aujourd'hui » first, then each scenario), shared by the HTML report and the
workbook. No model names, optimality or solve times here: those are in :func:`annex_rows`.

Counts follow one definition everywhere: « personnes peu mobiles » are the residents
without a car who can walk a short way (mobility ``low`` in the residents table);
residents who cannot leave home (``none``) are counted apart, served by home visits.
"""

from __future__ import annotations

from dataclasses import dataclass

from itinerant.antennes.results import Comparison, Kpis, VariantResult
from itinerant.reports import fmt

BOARD_MINUTES = 15
"""The access time the board's recommendation is judged on (minutes, by car)."""

_S = {
    "fr": {
        "today": "Aujourd'hui",
        "new": "Nouvelles antennes",
        "closed": "Antennes fermées",
        "closed_word": "fermée",
        "within": "Personnes peu mobiles à {m} min ou moins",
        "pop_within": "Habitants à {m} min ou moins",
        "mean": "Temps moyen d'accès des personnes peu mobiles",
        "max": "Temps le plus long (habitants)",
        "beyond": "Communes dont des habitants sont à plus de 20 min",
        "mode": "Temps comptés",
        "none_f": "aucune",
        "and_more": "et {n} autre{s}",
        "low_term": "personnes peu mobiles",
        "too_few": "moins de 11",
    },
    "en": {
        "today": "Today",
        "new": "New antennes",
        "closed": "Antennes closed",
        "closed_word": "closed",
        "within": "Low-mobility residents within {m} min",
        "pop_within": "Residents within {m} min",
        "mean": "Mean access time, low-mobility residents",
        "max": "Longest time (residents)",
        "beyond": "Communes with residents beyond 20 min",
        "mode": "Times counted",
        "none_f": "none",
        "and_more": "and {n} more",
        "low_term": "low-mobility residents",
        "too_few": "fewer than 11",
    },
}
_MODE = {"fr": {"car": "en voiture", "walk": "à pied"}, "en": {"car": "by car", "walk": "on foot"}}


def strings(language: str) -> dict[str, str]:
    return _S[fmt.lang(language)]


def plural(n: int, word: str, language: str = "fr", *, plural_word: str | None = None) -> str:
    """« 1 nouvelle antenne », « 8 nouvelles antennes », « aucune nouvelle antenne »."""
    if fmt.lang(language) == "fr":
        words = word.split()
        many = plural_word or " ".join(w if w.endswith(("s", "x")) else w + "s" for w in words)
        if n == 0:
            return f"aucune {word}" if words[-1].endswith("e") else f"aucun {word}"
        return f"{fmt.format_number(n, language)} {word if n == 1 else many}"
    many = plural_word or word + "s"
    return f"{'no' if n == 0 else fmt.format_number(n, language)} {word if n == 1 else many}"


def minutes(x: float | None, language: str = "fr") -> str:
    """« 18,9 min »; "" for None."""
    return "" if x is None else f"{fmt.format_number(x, language, decimals=1)}\u00a0min"


def few_names(names: list[str], language: str = "fr", most: int = 3) -> str:
    """« A, B, C et 1 autre » (the full list is in each scenario's card)."""
    S = strings(language)
    if not names:
        return S["none_f"]
    if len(names) <= most:
        return ", ".join(names)
    rest = len(names) - most
    return ", ".join(names[:most]) + " " + S["and_more"].format(n=rest, s="s" if rest > 1 else "")


def share(n: int, total: int, language: str = "fr") -> str:
    """« 1 046 (90 %) »."""
    s = fmt.format_number(n, language)
    return f"{s} ({fmt.format_percent(n / total, language)})" if total else s


def mode_words(mode: str, language: str = "fr") -> str:
    """« en voiture » / « à pied »."""
    return _MODE[fmt.lang(language)].get(mode, mode)


@dataclass(frozen=True)
class Column:
    """One column of the side-by-side table: today's sites or one scenario."""

    title: str
    mode: str
    kpis: Kpis
    new_names: tuple[str, ...]
    closed_names: tuple[str, ...]
    is_today: bool = False


def columns(comparison: Comparison, language: str = "fr") -> list[Column]:
    """« Aujourd'hui » (by car), then each scenario in order."""
    S = strings(language)
    cols = []
    if comparison.today:
        mode = "car" if "car" in comparison.today else next(iter(comparison.today))
        cols.append(Column(S["today"], mode, comparison.today[mode], (), (), True))
    for v in comparison.variants:
        cols.append(Column(v.title, v.mode, v.kpis, tuple(short_name(s.name) for s in v.new_sites),
                           tuple(short_name(name) for _, name in v.removed)))
    return cols


def board_rows(comparison: Comparison, language: str = "fr", *, detail: bool = False) -> list[tuple[str, list[str]]]:
    """(label, one text cell per column) in the board's words; ``detail`` adds the
    10- and 20-minute rows (the workbook has room for them)."""
    S = strings(language)
    cols = columns(comparison, language)
    low_t, pop_t = comparison.low_mobility_total, comparison.population_total
    rows: list[tuple[str, list[str]]] = [(S["new"], [_new_cell(c, language) for c in cols])]
    for m in (comparison.thresholds_min if detail else (BOARD_MINUTES,)):
        rows.append((S["within"].format(m=m), [share(c.kpis.low_mobility_within[m], low_t, language) for c in cols]))
    rows.append((S["pop_within"].format(m=BOARD_MINUTES),
                 [share(c.kpis.population_within[BOARD_MINUTES], pop_t, language) for c in cols]))
    rows += [
        (S["mean"], [minutes(c.kpis.mean_min, language) for c in cols]),
        (S["max"], [minutes(c.kpis.max_min, language) for c in cols]),
        (S["beyond"], [few_names([b.name for b in c.kpis.beyond], language, most=2) for c in cols]),
    ]
    return rows


def _new_cell(c: Column, language: str) -> str:
    if c.is_today:
        return "—"
    head = plural(len(c.new_names), "nouvelle antenne" if fmt.lang(language) == "fr" else "new antenne", language)
    text = head + (" : " + few_names(list(c.new_names), language, most=2) if c.new_names else "")
    if c.closed_names:
        text += f" ; {strings(language)['closed_word']} : " + ", ".join(c.closed_names)
    return text


def annex_rows(comparison: Comparison, language: str = "fr") -> list[tuple[str, list[str]]]:
    """Method rows for the annex: model, threshold, proof of optimality, solve time."""
    vs = comparison.variants
    fr = fmt.lang(language) == "fr"
    return [
        ("Modèle" if fr else "Model", [v.model_label for v in vs]),
        ("Seuil de couverture" if fr else "Threshold", [f"{v.minutes}\u00a0min" for v in vs]),
        ("Objectif du modèle" if fr else "Objective", [v.objective_label for v in vs]),
        ("Optimalité" if fr else "Optimality",
         [("optimum prouvé" if fr else "proven optimal") if v.optimal
          else f"{'écart' if fr else 'gap'} {fmt.format_percent(v.gap, language, decimals=1)}" for v in vs]),
        ("Temps de calcul" if fr else "Solve time",
         [f"{fmt.format_number(v.solve_s, language, decimals=1)}\u00a0s" for v in vs]),
    ]


def short_name(name: str) -> str:
    """A site name without its trailing remark: « Mairie de Joncy (antenne possible) » ->
    « Mairie de Joncy »."""
    s = name.strip()
    if s.endswith(")") and " (" in s:
        s = s[: s.rindex(" (")].strip()
    return s or name


def join_and(items: list[str], language: str = "fr") -> str:
    """« A », « A et B », « A, B et C »."""
    word = " et " if fmt.lang(language) == "fr" else " and "
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + word + items[-1] if items else ""


def recommendation(comparison: Comparison, language: str = "fr") -> list[str]:
    """Three plain sentences: what to choose, why, and the trade-off
    (:meth:`Comparison.recommended` chooses). Empty when no scenario goes by car."""
    best = comparison.recommended(minutes=BOARD_MINUTES)
    if best is None:
        return []
    if fmt.lang(language) != "fr":
        return _recommendation_en(comparison, best)
    m, low_t = BOARD_MINUTES, comparison.low_mobility_total
    names = join_and([short_name(s.name) for s in best.new_sites])
    what = f"ouvrir {plural(best.n_new, 'nouvelle antenne')} ({names})" if best.n_new else "n'ouvrir aucune nouvelle antenne"
    if best.removed:
        what += f" et fermer {join_and([short_name(n) for _, n in best.removed])}"
    first = f"Nous recommandons le scénario « {best.title} » : {what}."
    second = (f"Avec lui, {fmt.format_number(best.covered(m))} des {fmt.format_number(low_t)} personnes peu mobiles "
              f"({fmt.format_percent(best.covered(m) / max(low_t, 1))}) auraient un lieu d'accueil à {m} minutes "
              f"ou moins en voiture")
    today = comparison.today.get("car")
    if today is not None:
        second += f", contre {share(today.low_mobility_within[m], low_t)} aujourd'hui"
        if today.mean_min is not None and best.kpis.mean_min is not None:
            if round(today.mean_min, 1) == round(best.kpis.mean_min, 1):
                second += f", et leur temps moyen d'accès resterait de {minutes(best.kpis.mean_min)}"
            else:
                second += (f", et leur temps moyen d'accès passerait de {minutes(today.mean_min)} "
                           f"à {minutes(best.kpis.mean_min)}")
    return [first, second + ".", _trade_off(comparison, best)]


def _trade_off(comparison: Comparison, best: VariantResult) -> str:
    m = BOARD_MINUTES
    car = [v for v in comparison.variants if v.mode == "car" and v.id != best.id]
    more = [v for v in car if v.covered(m) > best.covered(m)]
    fewer = [v for v in car if v.n_new < best.n_new]
    if more:
        o = max(more, key=lambda v: (v.covered(m), -v.n_new))
        gain = o.covered(m) - best.covered(m)
        return (f"Aller plus loin coûte cher : « {o.title} » rapprocherait "
                f"{plural(gain, 'personne peu mobile', plural_word='personnes peu mobiles')} de plus, "
                f"mais avec {plural(o.n_new, 'nouvelle antenne')} au lieu de {fmt.format_number(best.n_new)}.")
    if fewer:
        o = max(fewer, key=lambda v: (v.covered(m), -v.n_new))
        loss = best.covered(m) - o.covered(m)
        return (f"« {o.title} » coûterait {plural(best.n_new - o.n_new, 'antenne')} de moins, mais laisserait "
                f"{plural(loss, 'personne peu mobile', plural_word='personnes peu mobiles')} de plus "
                f"au-delà de {m} minutes.")
    quick = [v for v in car if v.kpis.max_min is not None and best.kpis.max_min is not None
             and v.kpis.max_min < best.kpis.max_min]
    if quick:
        o = min(quick, key=lambda v: v.kpis.max_min or 0.0)
        return (f"En contrepartie, « {o.title} » réduirait davantage le temps le plus long "
                f"({minutes(o.kpis.max_min)} au lieu de {minutes(best.kpis.max_min)}).")
    return "Aucun autre scénario étudié ne fait mieux sur ces points."


def _recommendation_en(comparison: Comparison, best: VariantResult) -> list[str]:
    m, low_t = BOARD_MINUTES, comparison.low_mobility_total
    names = join_and([short_name(s.name) for s in best.new_sites], "en")
    what = (f"open {plural(best.n_new, 'new antenne', 'en')} ({names})" if best.n_new else "open no new antenne")
    first = f"We recommend the scenario « {best.title} »: {what}."
    second = (f"With it, {fmt.format_number(best.covered(m), 'en')} of the {fmt.format_number(low_t, 'en')} "
              f"low-mobility residents ({fmt.format_percent(best.covered(m) / max(low_t, 1), 'en')}) would have a "
              f"place within {m} minutes by car")
    today = comparison.today.get("car")
    if today is not None:
        second += f", against {share(today.low_mobility_within[m], low_t, 'en')} today"
    car = [v for v in comparison.variants if v.mode == "car" and v.id != best.id and v.covered(m) > best.covered(m)]
    if car:
        o = max(car, key=lambda v: (v.covered(m), -v.n_new))
        third = (f"Going further is costly: « {o.title} » would reach {o.covered(m) - best.covered(m)} more, "
                 f"with {plural(o.n_new, 'new antenne', 'en')} instead of {best.n_new}.")
    else:
        third = "No other scenario studied does better on these points."
    return [first, second + ".", third]
