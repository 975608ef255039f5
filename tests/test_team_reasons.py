"""The reasons of the visits a team week leaves out name what bounds the free block:
the duty that follows or precedes (by name), or the end of the advisor's day."""

from __future__ import annotations

from dataclasses import replace

from itinerant.team import Availability, Duty, Member
from itinerant.team.solve import block_vehicles
from itinerant.visits.problem import Break
from itinerant.visits.reasons import _earlier_start, explain_unassigned
from tests.test_team import ANTENNE, DESK_AM, DESK_PM, MON, _task, _team

H = 3600
LUNCH = Break(12 * H, 14 * H, 45 * 60)


def _anne(lunch: Break | None = LUNCH) -> tuple[Member, ...]:
    return (Member("a", "Anne", frozenset({"sante"}), 0,
                   (Availability(MON, 8 * H, 17 * H, 9 * H, lunch),), 35 * H),)


def test_block_vehicles_name_the_duties_around_each_block() -> None:
    team = _team([], [ANTENNE, DESK_PM])
    v1, v2 = [v for v in block_vehicles(team, (("antenne", "a"), ("desk-pm", "a"))) if v.advisor_id == "a"]
    assert (v1.start_label, v1.end_label) == ("", "Antenne")  # from the start of the day to the antenne
    assert (v2.start_label, v2.end_label) == ("Antenne", "Accueil (après-midi)")
    (bruno,) = [v for v in block_vehicles(team, (("antenne", "a"), ("desk-pm", "a"))) if v.advisor_id == "b"]
    assert (bruno.start_label, bruno.end_label) == ("", "")  # a whole day


def _morning(duty: Duty, tasks, lunch: Break | None = LUNCH):
    """Anne's problem with the blocks around ``duty`` as the vehicles."""
    team = _team(tasks, [duty], members=_anne(lunch))
    vehicles = block_vehicles(team, ((duty.id, "a"),))
    return team.visits.replace(vehicles=vehicles), vehicles


def test_a_visit_left_out_before_a_duty_names_the_duty_not_the_end_of_the_day() -> None:
    # The morning block 08:00-13:30 ends when Anne starts the afternoon desk at 13:30:
    # v0 (3 h, 40 min away) fills it; v1 (45 min) would need 50 min more.
    vp, vehicles = _morning(DESK_PM, [_task("v0", 2, 180), _task("v1", 4, 45)])
    assert [(v.start_s, v.end_s, v.end_label) for v in vehicles] == [(8 * H, 13 * H + 1800, "Accueil (après-midi)")]
    (code, text, k), = explain_unassigned(vp, [[0]], [1], budget_s=None).values()
    assert code == "shift" and k == 0
    assert "avant « Accueil (après-midi) »" in text and "qui commence à 13:30" in text
    assert "décaler cette permanence à 14:20" in text
    assert "journée" not in text and "fin à" not in text  # not the end of her day
    (_, en, _), = explain_unassigned(vp, [[0]], [1], budget_s=None, language="en").values()
    assert "before 'Accueil (après-midi)'" in en and "move it to 14:20" in en


def test_the_end_of_the_day_stays_the_end_of_the_day() -> None:
    # After the morning desk, the block runs 12:30-17:00, the end of Anne's day: v0 (2 h,
    # 40 min away) is in it, v1 (1 h) would need 1 h 05 more.
    late = ((8 * H, 20 * H),)  # the residents are in until 20:00
    vp, vehicles = _morning(DESK_AM, [_task("v0", 2, 120, windows=late), _task("v1", 4, 60, windows=late)])
    vp = vp.replace(vehicles=tuple(v for v in vehicles if v.start_s >= 12 * H))
    assert [(v.start_label, v.end_label, v.end_s) for v in vp.vehicles] == [("Accueil (matin)", "", 17 * H)]
    (code, text, _), = explain_unassigned(vp, [[0]], [1], budget_s=None).values()
    assert code == "shift"
    assert "la journée de Anne le lundi 30/11 durait 1 h 05 de plus (fin à 18:05 au lieu de 17:00)" in text
    assert "permanence" not in text


def test_a_duty_ending_earlier_is_suggested_for_the_block_after_it() -> None:
    # v1 must start by 12:40, 15 min from the office: leaving at 12:30 after the desk is
    # 5 min too late; the desk ending 5 min earlier makes it fit (no lunch to place).
    v1 = replace(_task("v1", 4, 45, windows=((11 * H, 12 * H + 40 * 60),)), end_in_window=False)
    vp, vehicles = _morning(DESK_AM, [v1], lunch=None)
    vp = vp.replace(vehicles=tuple(v for v in vehicles if v.start_s >= 12 * H))
    d, code, text, k = _earlier_start(vp, v1, [0], {0: []}, "fr")
    assert (d, code, k) == (5 * 60, "shift", 0)
    assert "finissait « Accueil (matin) » 5 min plus tôt" in text and "à 12:25 au lieu de 12:30" in text
    (_, why, _), = explain_unassigned(vp, [[]], [0], budget_s=None).values()
    assert "après « Accueil (matin) »" in why  # whichever change is smallest, the block is named


def test_visits_competing_for_one_block_name_the_block() -> None:
    from itinerant.visits.plan import Unassigned
    from itinerant.visits.summary import group_reasons

    vp, vehicles = _morning(DESK_PM, [_task("v0", 2, 45), _task("v1", 4, 45)])
    un = [Unassigned(t, "full", "full", vehicle_id=vehicles[0].id) for t in ("v0", "v1")]
    (g,) = group_reasons(vp, un)
    assert g.text.startswith("2 visites se disputent la tournée de Anne le lundi 30/11, avant « Accueil (après-midi) » (v0, v1)")


def test_too_far_for_the_free_block_says_which_block() -> None:
    # Desk 09:00-12:30 and 13:30-17:00: the only block left is 08:00-09:00 (the midday one
    # holds the lunch, too short for a tour); a visit 40 min away does not fit in it.
    team = _team([_task("v1", 2, 30)], [DESK_AM, DESK_PM], members=_anne())
    vehicles = block_vehicles(team, (("desk-am", "a"), ("desk-pm", "a")))
    assert [(v.start_s, v.end_s, v.start_label, v.end_label) for v in vehicles] == [(8 * H, 9 * H, "", "Accueil (matin)")]
    vp = team.visits.replace(vehicles=vehicles)
    (code, text, _), = explain_unassigned(vp, [[]], [0], budget_s=None).values()
    assert code == "far"
    assert "pour un créneau de 1 h, avant « Accueil (matin) »" in text and "journée" not in text
