"""One team, one week: duties (office desk, antennes, partners, workshops, bus crew)
and home visits planned together for the same advisors.

``plan_week(team, WeekParams())`` returns a checked :class:`TeamPlan`; the problem is
built from a scenario by :func:`itinerant.team.build.team_from_scenario`.
"""

from itinerant.team.check import assert_valid, check_week, duty_clashes, hours_by_member
from itinerant.team.duties import assign_duties
from itinerant.team.problem import (
    Availability,
    Duty,
    Member,
    Session,
    TeamPlan,
    TeamProblem,
    Unstaffed,
)
from itinerant.team.sessions import form_sessions
from itinerant.team.solve import WeekParams, plan_week

__all__ = [
    "Availability",
    "Duty",
    "Member",
    "Session",
    "TeamPlan",
    "TeamProblem",
    "Unstaffed",
    "WeekParams",
    "assert_valid",
    "assign_duties",
    "check_week",
    "duty_clashes",
    "form_sessions",
    "hours_by_member",
    "plan_week",
]
