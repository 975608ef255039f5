"""Django settings of the desk, all from the environment.

- ``ITINERANT_DATA_DIR``: where the database, the secret key and the imported
  scenarios live (default: the user's data folder, ``platformdirs.user_data_dir``).
- ``ITINERANT_DATABASE_URL``: a PostgreSQL URL (``postgres://user:pw@host/db``);
  default SQLite ``desk.sqlite3`` in the data folder.
- ``ITINERANT_ALLOWED_HOSTS``: comma-separated host names (set by ``itinerant serve``).
- ``ITINERANT_SESSION_MINUTES``: idle minutes before a session expires (default 60).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

import platformdirs

BASE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The folder holding the database, the secret key and imported scenarios."""
    env = os.environ.get("ITINERANT_DATA_DIR")
    if env:
        folder = Path(env)
    elif "pytest" in sys.modules:  # tests never touch the user's real data folder
        folder = Path(tempfile.mkdtemp(prefix="itinerant-desk-test-"))
    else:
        folder = Path(platformdirs.user_data_dir("itinerant", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


DESK_DATA_DIR = data_dir()


def _secret_key(folder: Path) -> str:
    """A random key made once and kept in the data folder (never in the code)."""
    env = os.environ.get("ITINERANT_SECRET_KEY")
    if env:
        return env
    path = folder / "secret_key.txt"
    if not path.is_file():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        try:
            path.chmod(0o600)
        except OSError:  # pragma: no cover - Windows
            pass
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key(DESK_DATA_DIR)
DEBUG = os.environ.get("ITINERANT_DEBUG") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ITINERANT_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
] + ["testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "itinerant.desk.accounts",
    "itinerant.desk.plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "itinerant.desk.accounts.middleware.TouchSession",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "itinerant.desk.urls"
WSGI_APPLICATION = "itinerant.desk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "itinerant.desk.accounts.context.role",
            ],
        },
    },
]


def _databases() -> dict:
    url = os.environ.get("ITINERANT_DATABASE_URL")
    if url:
        import dj_database_url

        db = dj_database_url.parse(url, conn_max_age=60)
        db.setdefault("TEST", {})
        return {"default": db}
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DESK_DATA_DIR / "desk.sqlite3",
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions expire: after ITINERANT_SESSION_MINUTES idle, and when the browser closes.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("ITINERANT_SESSION_MINUTES", "60"))
SESSION_SAVE_EVERY_REQUEST = False  # accounts.middleware.TouchSession refreshes it every 5 min
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Served on loopback or the team's network over plain HTTP (no TLS terminator here).
# With ITINERANT_HTTPS=1 (behind a TLS reverse proxy that sets X-Forwarded-Proto) cookies are
# secure-only, HTTP is redirected and HSTS is sent. Without it, those deploy checks do not
# apply (plain HTTP on loopback or the team's network) and are silenced by name.
HTTPS = os.environ.get("ITINERANT_HTTPS") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
else:
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]

# Uploads are bounded: see plans.forms for the per-file size and type checks.
DESK_MAX_FILE_BYTES = 8 * 1024 * 1024
DESK_MAX_FILES = 30
DATA_UPLOAD_MAX_MEMORY_SIZE = 40 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = DESK_MAX_FILES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Planning time limits (seconds); tests and the benchmark shorten them.
DESK_PLAN_SECONDS = float(os.environ.get("ITINERANT_PLAN_SECONDS", "10"))
DESK_JOBS_SYNC = False
"""Run re-plans in the request thread (Django test client only)."""

LANGUAGE_CODE = "fr"
TIME_ZONE = os.environ.get("ITINERANT_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DESK_DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# No personal data in logs: only warnings and errors, without request bodies; the
# request logger names the path (visit ids, never names or addresses).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING"},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
        "waitress": {"handlers": ["console"], "level": "WARNING"},
    },
}
