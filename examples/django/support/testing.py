"""A Django test runner that closes Ticketry's connection pool before Django
destroys the test database (otherwise ``DROP DATABASE`` fails: "database
test_... is being accessed by other users"). Settings: ``TEST_RUNNER =
"support.testing.TicketryTestRunner"``."""

from __future__ import annotations

from typing import Any

from django.test.runner import DiscoverRunner

from support import desk


class TicketryTestRunner(DiscoverRunner):
    """``DiscoverRunner`` that closes Ticketry's pool at test-database teardown."""

    def teardown_databases(self, old_config: Any, **kwargs: Any) -> None:
        desk.close()
        super().teardown_databases(old_config, **kwargs)
