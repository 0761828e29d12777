"""The staff dashboard page in headless Chromium (Debian's ``chromium``): a
live server, a staff session, and the DOM and a screenshot as the browser
renders them.

The README's test command installs Chromium and sets
``TICKETRY_REQUIRE_CHROMIUM=1``, so there this test runs or fails; elsewhere it
is skipped when no ``chromium`` is on the PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponseRedirect
from django.test import LiveServerTestCase, override_settings
from django.urls import include, path

from ticketry.django import runtime

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def login_as_staff(request: HttpRequest) -> HttpResponseRedirect:
    """Test-only: logs the staff user in, then goes to the dashboard."""
    user = get_user_model().objects.get(username="sam")
    login(request, user)
    return HttpResponseRedirect("/api/support/dashboard/")


urlpatterns = [
    path("api/support/", include("ticketry.django.urls")),
    path("test-login/", login_as_staff),
]


@override_settings(ROOT_URLCONF=__name__, STATIC_URL="/static/", MEDIA_URL="/media/")
class DashboardInChromium(LiveServerTestCase):
    def setUp(self) -> None:
        if CHROMIUM is None:
            if os.environ.get("TICKETRY_REQUIRE_CHROMIUM") == "1":
                pytest.fail("TICKETRY_REQUIRE_CHROMIUM=1 but no chromium on the PATH")
            pytest.skip("no chromium on the PATH")
        slug = f"dashboard-{id(self)}"
        override = override_settings(TICKETRY={**settings.TICKETRY, "WORKSPACE": slug})
        override.enable()
        self.addCleanup(override.disable)
        get_user_model().objects.create_user("sam", "sam@example.com", is_staff=True)
        d = runtime.desk(slug)
        d.put_customer("c1", "Carol")
        d.put_agent("a1", "Ann")
        for i in range(3):
            t = d.open_ticket("c1", f"Printer {i}", "It jams")
            d.reply(t, "a1", "On it")
            if i == 0:
                d.resolve(t, by={"type": "agent", "id": "a1"})

    def chromium(self, *args: str) -> str:
        assert CHROMIUM is not None
        with tempfile.TemporaryDirectory() as profile:
            out = subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                 "--window-size=900,1400", *args, f"{self.live_server_url}/test-login/"],
                capture_output=True, text=True, timeout=120, check=True,
            )
        return out.stdout

    def test_the_page_shows_todays_numbers_charts_and_the_csv_link(self) -> None:
        dom = self.chromium("--dump-dom")
        assert "<h1>Support dashboard</h1>" in dom
        # Today's tiles, as the browser built them.
        assert '<div class="tile" data-metric="Created today"><div class="label">Created today</div>' \
            '<div class="value">3</div></div>' in dom
        assert '<div class="value">2</div>' in dom  # active
        # Volume and trend charts, with one bar per series for today.
        assert dom.count('class="bar created"') >= 1 and 'class="bar resolved"' in dom
        assert 'class="line median first response (h)"' in dom
        assert 'id="csv"' in dom and "stats/metrics.csv?interval=day" in dom
        shot = Path(tempfile.mkdtemp()) / "dashboard.png"
        self.chromium(f"--screenshot={shot}")
        assert shot.stat().st_size > 10_000
        target = os.environ.get("TICKETRY_DASHBOARD_SCREENSHOT")
        if target:
            shutil.copy(shot, target)

