"""Desk fixtures: one user per role and the Clunisois scenario imported and planned once
per session (the test database is SQLite, or PostgreSQL when ITINERANT_DATABASE_URL is set)."""

from __future__ import annotations

import pytest
from django.test import Client

from itinerant.desk.accounts.models import ADVISOR, BOARD, COORDINATOR, Profile

PASSWORD = "un-mot-de-passe-solide-42"
USERS = {"coord": (COORDINATOR, ""), "camille": (ADVISOR, "c-camille"), "elu": (BOARD, "")}


@pytest.fixture(autouse=True)
def _desk_settings(settings):
    from django.core.cache import cache

    settings.DESK_PLAN_SECONDS = 1.0
    settings.DESK_JOBS_SYNC = True
    cache.clear()  # cached pages name version ids, which a rolled-back test may reuse


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Users and a planned week, made once (each test rolls back its own changes)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from itinerant.desk.plans import views

    settings.DESK_PLAN_SECONDS = 1.0
    User = get_user_model()
    with django_db_blocker.unblock():
        for name, (role, advisor) in USERS.items():
            u = User.objects.create_user(name, password=PASSWORD, is_staff=role == COORDINATOR,
                                         is_superuser=role == COORDINATOR)
            Profile.objects.create(user=u, role=role, advisor_id=advisor)
        c = Client()
        c.login(username="coord", password=PASSWORD)
        r = c.post("/import/", {"example": "1"})
        assert r.status_code == 302, r.content[:500]
        r = c.post("/planifier/")
        assert r.status_code == 302
        assert views.current_version(views.active_import()) is not None


def login(role_user: str) -> Client:
    """A client logged in as ``role_user`` (without paying argon2's cost at each test)."""
    from django.contrib.auth import get_user_model

    c = Client()
    c.force_login(get_user_model().objects.get(username=role_user))
    return c


@pytest.fixture
def coord(db) -> Client:
    return login("coord")


@pytest.fixture
def advisor(db) -> Client:
    return login("camille")


@pytest.fixture
def board(db) -> Client:
    return login("elu")
