"""Idle session expiry without a database write on every request."""

from __future__ import annotations

import time

TOUCH_EVERY_S = 300
"""A session's expiry is pushed back at most every 5 minutes (idle expiry to 5 min)."""


class TouchSession:
    """Push the session's expiry back when it was last saved more than
    :data:`TOUCH_EVERY_S` ago (Django's SESSION_SAVE_EVERY_REQUEST writes every time)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - int(session.get("_touched", 0)) > TOUCH_EVERY_S:
                session["_touched"] = now
        return response
