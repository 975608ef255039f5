"""``itinerant serve``: prepare the database and serve the desk with waitress.

Waitress is a pure-Python production WSGI server (Linux and Windows). The desk binds
to 127.0.0.1 unless the coordinator asks for the team's network (``--host 0.0.0.0``).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

FIRST_USER = "coordinateur"


def setup_django() -> None:
    """Configure Django with the desk's settings (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itinerant.desk.settings")
    import django

    django.setup()


def prepare(*, say: Callable[[str], None] = print) -> None:
    """Migrate, mark interrupted re-plans, make the first account when there is none."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from itinerant.desk.accounts.models import COORDINATOR, Profile
    from itinerant.desk.plans.jobs import recover_interrupted

    call_command("migrate", interactive=False, verbosity=0)
    n = recover_interrupted()
    if n:
        say(f"{n} re-planification(s) interrompue(s) par l'arrêt précédent : le plan en vigueur est intact.")
    User = get_user_model()
    if not User.objects.exists():
        password = os.environ.get("ITINERANT_FIRST_PASSWORD") or secrets.token_urlsafe(12)
        user = User.objects.create_superuser(FIRST_USER, "", password)
        Profile.objects.create(user=user, role=COORDINATOR)
        say(f"Premier compte créé : identifiant « {FIRST_USER} », mot de passe « {password} ».")
        say("Notez-le maintenant (il n'est affiché qu'une fois) et changez-le après la première connexion.")


def import_folder(folder: Path, *, say: Callable[[str], None] = print) -> None:
    """Import a scenario folder unless the active import has the same files."""
    from itinerant.desk.plans.models import ScenarioFile, ScenarioImport
    from itinerant.desk.services import VARIANT_PREFIX, fault_dicts, validate_files, variant_files

    files = {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir())
             if p.is_file() and p.suffix.lower() in (".csv", ".xlsx", ".yaml", ".yml")}
    files.update({VARIANT_PREFIX + p.name: p.read_bytes() for p in variant_files(Path(folder))})
    digest = hashlib.sha256(repr(sorted((n, hashlib.sha256(b).hexdigest()) for n, b in files.items())).encode()).hexdigest()
    active = ScenarioImport.objects.filter(valid=True).order_by("-id").first()
    if active is not None:
        old = {f.name: bytes(f.content) for f in active.files.all()}
        if hashlib.sha256(repr(sorted((n, hashlib.sha256(b).hexdigest()) for n, b in old.items())).encode()).hexdigest() == digest:
            return
    scenario, faults, _ = validate_files(files)
    if scenario is None:
        say(f"Scénario {folder} refusé ({len(faults)} erreur(s)) : voir la page Import après connexion.")
    imp = ScenarioImport.objects.create(
        title=(scenario.title or scenario.name) if scenario else "", valid=scenario is not None,
        faults=fault_dicts(faults),
        summary=(f"« {scenario.title or scenario.name} » : {len(scenario.communes)} communes, "
                 f"{len(scenario.advisors)} conseillers, {len(scenario.visits)} demandes de visite")
        if scenario else "")
    for name, data in files.items():
        ScenarioFile.objects.create(scenario=imp, name=name, content=data, size=len(data))
    if scenario is not None:
        say(f"Scénario importé : {imp.summary}")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def network_warning(host: str) -> str | None:
    """The warning printed when the desk listens beyond this computer (None on loopback)."""
    if host in LOOPBACK:
        return None
    return ("ATTENTION : le bureau est ouvert au réseau de l'équipe (pas seulement à cet "
            "ordinateur). Il contient des données personnelles : ne le faites que sur le réseau "
            "interne du service, jamais sur Internet ou un Wi-Fi public.")


def serve(scenario: Path | None = None, *, host: str = "127.0.0.1", port: int = 8000,
          threads: int = 8, say: Callable[[str], None] = print) -> None:
    """Serve the desk until interrupted (Ctrl+C)."""
    hosts = {"127.0.0.1", "localhost", host}
    if host in ("0.0.0.0", "::"):
        import socket

        hosts |= {socket.gethostname(), "*"}
    os.environ.setdefault("ITINERANT_ALLOWED_HOSTS", ",".join(sorted(hosts)))
    prepare(say=say)
    if scenario is not None:
        import_folder(Path(scenario), say=say)
    from django.conf import settings
    from waitress import serve as waitress_serve

    from itinerant.desk.wsgi import application

    warning = network_warning(host)
    if warning:
        say(warning)
    say(f"Données : {settings.DESK_DATA_DIR} ; base : {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    say(f"Bureau ouvert sur http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/ (Ctrl+C pour arrêter)")
    waitress_serve(application, host=host, port=port, threads=threads, ident="itinerant",
                   _quiet=True)
