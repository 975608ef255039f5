"""Re-plan from now in the background: a thread and a :class:`Job` row with progress.

One job at a time (a unique index on the active job; a second request is refused with
a clear message). The job only *adds* a proposed plan version; a crash mid-way leaves
every stored version as it was, and the next start marks the job interrupted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from itinerant.core.errors import InputError, ItinerantError
from itinerant.desk import services
from itinerant.desk.plans.models import Job, PlanVersion

BUSY = ("Une re-planification est déjà en cours : attendez qu'elle finisse "
        "(la page de suivi montre son avancement), puis relancez si besoin.")


class Busy(Exception):
    """A re-plan is already queued or running."""


class JobProgress:
    """A ``pipeline.Progress``-like object writing the step and the % into the job row."""

    def __init__(self, job_id: int, expected_s: float, *, ticker: bool = True):
        self.job_id = job_id
        self.expected_s = max(expected_s, 1.0)
        self.t0 = time.monotonic()
        self._stop = threading.Event()
        if ticker:  # a second thread moves the bar while the solver runs
            threading.Thread(target=self._tick, daemon=True).start()

    def _tick(self) -> None:
        try:
            while not self._stop.wait(0.5):
                pct = min(95, 5 + int(90 * (time.monotonic() - self.t0) / self.expected_s))
                Job.objects.filter(pk=self.job_id, status=Job.RUNNING).update(progress=pct)
        finally:
            connection.close()

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        Job.objects.filter(pk=self.job_id).update(step=label[:200])
        yield

    def close(self) -> None:
        self._stop.set()


def start_replan(user, base: PlanVersion, *, now: dt.datetime | None = None,
                 time_limit: float | None = None) -> Job:
    """Queue a re-plan of ``base`` from ``now`` and start it (raises :class:`Busy`)."""
    now = now or timezone.localtime()
    limit = settings.DESK_PLAN_SECONDS if time_limit is None else time_limit
    try:
        with transaction.atomic():
            job = Job.objects.create(created_by=user if user.is_authenticated else None, base=base,
                                     params={"now": now.isoformat(), "time_limit": limit})
    except IntegrityError:
        raise Busy(BUSY) from None
    if settings.DESK_JOBS_SYNC:
        run_job(job.pk)
    else:
        threading.Thread(target=_thread, args=(job.pk,), daemon=True, name=f"replan-{job.pk}").start()
    return job


KIND_FR = {"replan": "re-planification", "bus": "tournée du bus et affiches",
           "antennes": "rapport du bureau sur les antennes"}


def start_output(user, kind: str, scenario, state: dict, *, params: dict | None = None) -> Job:
    """Queue a bus rota or an antenne report of ``scenario`` and start it (:class:`Busy`)."""
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=kind, created_by=user if user.is_authenticated else None,
                                     scenario=scenario, params={"state": state, **(params or {})})
    except IntegrityError:
        raise Busy(f"Un calcul « {KIND_FR[kind]} » est déjà en cours : attendez qu'il finisse.") from None
    if settings.DESK_JOBS_SYNC:
        run_job(job.pk)
    else:
        threading.Thread(target=_thread, args=(job.pk,), daemon=True, name=f"{kind}-{job.pk}").start()
    return job


def previous_timetable(job: Job):
    """The timetable of the last finished bus rota of the same import, if any (the new
    rota keeps its slots where it can: fewer changes for the villages)."""
    from pathlib import Path

    last = (Job.objects.filter(kind="bus", status=Job.DONE, scenario=job.scenario, pk__lt=job.pk)
            .order_by("-id").first())
    if last is None or not last.output:
        return None
    path = Path(last.output) / "timetable.csv"
    return path if path.is_file() else None


def _run_output(job: Job, progress: JobProgress) -> None:
    from pathlib import Path

    out = Path(settings.DESK_DATA_DIR) / "sorties" / f"{job.kind}-{job.pk}"
    folder = job.scenario.folder()
    state = job.params.get("state", {})
    if job.kind == "bus":
        previous = previous_timetable(job)
        summary = services.bus_outputs(folder, state, out, progress=progress, previous=previous,
                                       time_limit=float(job.params.get("time_limit", 30)))
        if previous is not None:
            summary += f" (à partir de la tournée publiée du travail n° {previous.parent.name})"
    else:
        report = services.board_report(folder, state, out, job.params.get("variants", []),
                                       progress=progress)
        summary = f"Rapport : {Path(report).name}"
    Job.objects.filter(pk=job.pk).update(status=Job.DONE, progress=100, step="Terminé", output=str(out),
                                         summary=summary[:2000], finished_at=timezone.now(), active=None)


def _thread(job_id: int) -> None:
    close_old_connections()
    try:
        run_job(job_id)
    finally:
        connection.close()


def run_job(job_id: int) -> None:
    """Run a queued job to its end; the result is a *proposed* version."""
    job = Job.objects.select_related("base__scenario", "scenario").get(pk=job_id)
    Job.objects.filter(pk=job_id).update(status=Job.RUNNING, progress=5, step="Préparation")
    if job.kind != "replan":
        progress = JobProgress(job_id, float(job.params.get("time_limit", 30)) + 20,
                               ticker=not settings.DESK_JOBS_SYNC)
        try:
            _run_output(job, progress)
        except (InputError, ItinerantError) as exc:
            _fail(job_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - shown to the coordinator, never a traceback
            _fail(job_id, f"erreur inattendue ({type(exc).__name__})")
        finally:
            progress.close()
        return
    base = job.base
    now = dt.datetime.fromisoformat(job.params["now"])
    limit = float(job.params.get("time_limit", settings.DESK_PLAN_SECONDS))
    progress = JobProgress(job_id, limit + 3, ticker=not settings.DESK_JOBS_SYNC)
    try:
        folder = base.scenario.folder()
        doc = services.plan_week(folder, base.state, time_limit=limit, replan_doc=base.doc,
                                 now=now.replace(tzinfo=None), progress=progress)
        doc = services.with_team(doc, base.doc)
        result = PlanVersion.objects.create(
            scenario=base.scenario, parent=base, created_by=job.created_by, kind="replan",
            note=f"re-planification à partir du {now:%d/%m/%Y à %H:%M}", doc=doc,
            state=base.state, decision=PlanVersion.PROPOSED)
        Job.objects.filter(pk=job_id).update(status=Job.DONE, progress=100, result=result,
                                             step="Terminé", finished_at=timezone.now(), active=None)
    except (InputError, ItinerantError) as exc:
        _fail(job_id, str(exc))
    except Exception as exc:  # noqa: BLE001 - shown to the coordinator, never a traceback
        _fail(job_id, f"erreur inattendue ({type(exc).__name__})")
    finally:
        progress.close()


def _fail(job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).update(status=Job.FAILED, error=message[:2000],
                                         finished_at=timezone.now(), active=None)


def recover_interrupted() -> int:
    """Mark jobs left queued or running by a stopped server as interrupted."""
    return Job.objects.filter(active=True).update(
        status=Job.INTERRUPTED, active=None, finished_at=timezone.now(),
        error="serveur arrêté pendant le calcul : le plan en vigueur n'a pas changé ; relancer")
