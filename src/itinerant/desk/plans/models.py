"""What the desk stores. Nothing is overwritten: an import, a plan version and a job
are rows that are only ever added; a version's document never changes, only its
decision (proposed -> accepted or discarded)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models


class ScenarioImport(models.Model):
    """One import of scenario files; valid or with its faults."""

    created_at = models.DateTimeField("importé le", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   verbose_name="par")
    title = models.CharField("titre", max_length=300, blank=True)
    valid = models.BooleanField("valide", default=False)
    lenient = models.BooleanField("demandes en erreur mises de côté", default=False)
    faults = models.JSONField("erreurs", default=list, blank=True)
    """Every fault of a refused import; for a lenient one, those of the rows set aside."""
    summary = models.TextField("résumé", blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "import de scénario"
        verbose_name_plural = "imports de scénario"

    def __str__(self) -> str:
        return f"import n° {self.pk} ({'valide' if self.valid else 'refusé'})"

    def folder(self) -> Path:
        """Where its files are written for the library (made from the stored files)."""
        from itinerant.desk.services import write_files

        path = Path(settings.DESK_DATA_DIR) / "scenarios" / str(self.pk)
        if not (path / ".complete").is_file():
            write_files(path, {f.name: bytes(f.content) for f in self.files.all()})
            if self.lenient:
                (path / ".lenient").write_text("", encoding="utf-8")
            (path / ".complete").write_text("", encoding="utf-8")
        return path


class ScenarioFile(models.Model):
    """One file of an import, stored in the database (the data folder holds a copy)."""

    scenario = models.ForeignKey(ScenarioImport, on_delete=models.PROTECT, related_name="files")
    name = models.CharField("nom", max_length=200)
    content = models.BinaryField("contenu")
    size = models.PositiveIntegerField("taille (octets)", default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = "fichier"


class PlanVersion(models.Model):
    """One version of the week's plan (``plan.json`` document) and its state."""

    PROPOSED, ACCEPTED, DISCARDED = "proposed", "accepted", "discarded"
    DECISIONS = [(PROPOSED, "proposée"), (ACCEPTED, "retenue"), (DISCARDED, "écartée")]

    scenario = models.ForeignKey(ScenarioImport, on_delete=models.PROTECT, related_name="versions")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   verbose_name="par")
    kind = models.CharField("origine", max_length=40)
    note = models.CharField("note", max_length=300, blank=True)
    doc = models.JSONField("plan")
    state = models.JSONField("état", default=dict)
    decision = models.CharField("décision", max_length=12, choices=DECISIONS, default=ACCEPTED)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "version du plan"
        verbose_name_plural = "versions du plan"

    def __str__(self) -> str:
        return f"version {self.pk} ({self.get_decision_display()})"


class Job(models.Model):
    """A re-plan running in the background; at most one queued or running at a time."""

    QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"
    STATUSES = [(QUEUED, "en attente"), (RUNNING, "en cours"), (DONE, "terminé"),
                (FAILED, "échoué"), (INTERRUPTED, "interrompu")]
    ACTIVE = (QUEUED, RUNNING)

    kind = models.CharField(max_length=20, default="replan")
    status = models.CharField("statut", max_length=12, choices=STATUSES, default=QUEUED)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    step = models.CharField("étape", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    finished_at = models.DateTimeField(null=True, blank=True)
    base = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="jobs")
    scenario = models.ForeignKey(ScenarioImport, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="jobs")
    output = models.CharField("dossier des sorties", max_length=500, blank=True)
    summary = models.TextField("résumé", blank=True)
    result = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="made_by")
    params = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    active = models.BooleanField(null=True, default=True)
    """True while queued or running, NULL after: a unique index allows one active job."""

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "active"], name="one_active_job")]

    def __str__(self) -> str:
        return f"re-planification n° {self.pk} ({self.get_status_display()})"
