"""Settings of the Ticketry Django example.

The database comes from DATABASE_URL (``postgres://user:pass@host:5432/db``);
Ticketry keeps its tables in the same database, in the ``ticketry`` schema.
Without DATABASE_URL the example runs on SQLite with Ticketry in memory
(handy for a quick look; nothing survives a restart).
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["*"] if DEBUG else os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "ticketry.django",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES: list = []


def _database(url: str) -> dict:
    u = urlparse(url)
    if u.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must be a postgres:// URL, got {u.scheme}://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(u.path.lstrip("/")) or "postgres",
        "USER": unquote(u.username or ""),
        "PASSWORD": unquote(u.password or ""),
        "HOST": u.hostname or "",
        "PORT": str(u.port or ""),
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": _database(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# Ticketry (every key: ticketry.django.conf): its tables live in Django's
# database above (schema "ticketry"); the site's desk is the workspace "support".
TICKETRY = {
    "WORKSPACE": os.environ.get("TICKETRY_WORKSPACE", "support"),
    # The role Ticketry's transactions run as: one subject to row-level
    # security (not a superuser, not BYPASSRLS), so PostgreSQL enforces
    # tenant isolation a second time. The login user must be a member.
    "ROLE": os.environ.get("TICKETRY_ROLE", os.environ.get("TICKETRY_TEST_ROLE")),
    # The seeds' Celery jobs, as rules: `manage.py ticketry_run_automations`
    # (every minute) runs them. New tickets go to the least-loaded available
    # staff member with room (seed 004) and get an auto-reply (seed 000).
    "AUTOMATION": {
        "ASSIGNMENT": "least_loaded",
        "PRESETS": [
            {"auto_close": {"after": timedelta(days=7)}},
            {"escalate_open": {"after": timedelta(hours=48)}},
            {"rating_reminder": {"after": timedelta(days=2)}},
            {"overdue_reminder": {"every": timedelta(hours=6)}},
        ],
        "AUTO_REPLY": "We received your request {{ ticket.number }} ({{ ticket.priority }})."
        "{% if ticket.sla.clocks %} We will answer by {{ ticket.sla.clocks[0].due_at"
        "|datetime(customer.timezone or workspace.timezone) }}.{% endif %}",
    },
}
