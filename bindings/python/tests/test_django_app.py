"""``ticketry.django`` in a project made by ``django-admin startproject``,
exactly as a host adds it: one app, one setting, one URL include. Django's
own ``manage.py test`` must pass on PostgreSQL (Ticketry's pool closes before
Django drops the test database), and the app must refuse a role that
bypasses row-level security unless the host opts out."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Iterator
from urllib.parse import urlparse

import pytest

from conftest import TEST_ROLE, _postgres_or_skip

pytest.importorskip("django")
psycopg = pytest.importorskip("psycopg")

SETTINGS = """
# ----- added by the host ------------------------------------------------------
import os
INSTALLED_APPS += ["ticketry.django"]
DATABASES = {{"default": {{
    "ENGINE": "django.db.backends.postgresql", "NAME": {name!r}, "USER": {user!r},
    "PASSWORD": {password!r}, "HOST": {host!r}, "PORT": {port!r},
}}}}
TICKETRY = {{
    "ROLE": os.environ.get("HOST_TICKETRY_ROLE") or None,
    "ALLOW_RLS_BYPASS": os.environ.get("HOST_ALLOW_BYPASS") == "1",
}}
"""

URLS = """
from django.urls import include
urlpatterns += [path("api/support/", include("ticketry.django.urls"))]
"""

TESTS = '''
import json
from django.contrib.auth import get_user_model
from django.test import Client, TestCase


class SupportTest(TestCase):
    def test_a_customer_opens_and_reads_a_ticket(self):
        alice = get_user_model().objects.create_user("alice")
        c = Client()
        c.force_login(alice)
        r = c.post("/api/support/tickets/", json.dumps({"subject": "Hi", "message": "Help"}),
                   content_type="application/json")
        self.assertEqual(r.status_code, 201, r.content)
        mine = c.get("/api/support/tickets/").json()["results"]
        self.assertEqual([t["number"] for t in mine], [r.json()["number"]])
        self.assertEqual(Client().get("/api/support/tickets/").status_code, 401)

    def test_health(self):
        self.assertEqual(Client().get("/api/support/health/").json()["backend"], "postgres")
'''


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A fresh project on a fresh database, dropped afterwards."""
    url = urlparse(_postgres_or_skip())
    db = f"tk_django_{secrets.token_hex(4)}"
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    subprocess.run([sys.executable, "-m", "django", "startproject", "hostsite", str(tmp_path)], check=True)
    with open(tmp_path / "hostsite" / "settings.py", "a") as f:
        f.write(SETTINGS.format(name=db, user=url.username or "", password=url.password or "",
                                host=url.hostname or "", port=str(url.port or "")))
    with open(tmp_path / "hostsite" / "urls.py", "a") as f:
        f.write(URLS)
    (tmp_path / "test_support.py").write_text(textwrap.dedent(TESTS))
    try:
        yield tmp_path
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'DROP DATABASE IF EXISTS "test_{db}" WITH (FORCE)')


def manage(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.startswith("HOST_")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=project, env=environ, capture_output=True, text=True, timeout=300
    )


def test_manage_py_test_passes_in_a_fresh_project(project: Path) -> None:
    if not TEST_ROLE:
        pytest.skip("TICKETRY_TEST_ROLE (a role bound by row-level security) is not set")
    run = manage(project, "test", "--noinput", HOST_TICKETRY_ROLE=TEST_ROLE)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Ran 2 tests" in run.stderr and "\nOK" in run.stderr, run.stderr
    assert "being accessed by other users" not in run.stderr


def test_a_role_that_bypasses_rls_is_refused_unless_allowed(project: Path) -> None:
    # DATABASE_URL's user is a superuser on the test servers, and no ROLE is set.
    refused = manage(project, "migrate", "--noinput")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "ALLOW_RLS_BYPASS" in refused.stderr, refused.stderr
    allowed = manage(project, "migrate", "--noinput", HOST_ALLOW_BYPASS="1")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
