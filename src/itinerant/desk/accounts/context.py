"""Template context: the current user's role."""

from itinerant.desk.accounts.models import role_of


def role(request):
    r = role_of(getattr(request, "user", None))
    return {"role": r, "is_coordinator": r == "coordinator"}
