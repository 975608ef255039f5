"""Role checks for views."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from itinerant.desk.accounts.models import role_of


def role_required(*roles: str):
    """Only users with one of ``roles`` may open the view (403 otherwise)."""

    def deco(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if role_of(request.user) not in roles:
                raise PermissionDenied("Cette page n'est pas ouverte à votre rôle.")
            return view(request, *args, **kwargs)

        return wrapped

    return deco


def advisor_scope(request) -> str | None:
    """The advisor id a user is limited to (None = every advisor, for coordinators)."""
    if role_of(request.user) == "advisor":
        profile = getattr(request.user, "desk_profile", None)
        return profile.advisor_id if profile else ""
    return None
