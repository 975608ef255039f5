"""A role per user and the audit trail (who changed what, when)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

COORDINATOR = "coordinator"
ADVISOR = "advisor"
BOARD = "board"
ROLES = [
    (COORDINATOR, "coordination (tout)"),
    (ADVISOR, "conseiller ou conseillère (ses tournées)"),
    (BOARD, "élu ou élue (documents publics et du bureau)"),
]


class Profile(models.Model):
    """The desk role of a user; an advisor is tied to an advisor id of the scenario."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="desk_profile")
    role = models.CharField("rôle", max_length=20, choices=ROLES, default=ADVISOR)
    advisor_id = models.CharField(
        "identifiant de conseiller", max_length=64, blank=True,
        help_text="Pour un conseiller : son identifiant dans la table des conseillers (ex. c-camille).")

    class Meta:
        verbose_name = "profil"

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class AuditEvent(models.Model):
    """One change made through the desk. Never edited, never deleted by the app."""

    at = models.DateTimeField("quand", auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             verbose_name="qui")
    action = models.CharField("action", max_length=40)
    target = models.CharField("objet", max_length=120, blank=True)
    detail = models.TextField("détail", blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "événement du journal"
        verbose_name_plural = "journal des modifications"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.target}"


def role_of(user) -> str:
    """``coordinator``, ``advisor`` or ``board`` (a superuser is a coordinator)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    profile = getattr(user, "desk_profile", None)
    if profile is not None:
        return profile.role
    return COORDINATOR if user.is_superuser else ""


def audit(user, action: str, target: str = "", detail: str = "") -> AuditEvent:
    """Record a change in the audit trail."""
    return AuditEvent.objects.create(user=user if getattr(user, "is_authenticated", False) else None,
                                     action=action, target=target[:120], detail=detail)
