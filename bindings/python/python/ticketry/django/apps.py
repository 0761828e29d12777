"""The app's configuration: ``INSTALLED_APPS += ["ticketry.django"]``."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _migrate_ticketry(sender: AppConfig, **kwargs: Any) -> None:
    from . import conf, runtime

    cfg = conf.settings()
    if kwargs.get("using", "default") == cfg.database:
        runtime.migrate()


class TicketryConfig(AppConfig):
    """Ticketry's Django app (label ``ticketry``)."""

    name = "ticketry.django"
    label = "ticketry"
    verbose_name = "Support (Ticketry)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import conf, runtime  # noqa: F401  (checks the setting; hooks test-database teardown)

        conf.settings()
        # `manage.py migrate` also creates or upgrades Ticketry's tables, in
        # the same database (schema TICKETRY["SCHEMA"]).
        post_migrate.connect(_migrate_ticketry, sender=self, dispatch_uid="ticketry.django.migrate")
