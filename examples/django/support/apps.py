from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = "Support (Ticketry)"

    def ready(self) -> None:
        from . import desk

        # `manage.py migrate` also creates/upgrades Ticketry's tables, in the
        # same database (schema "ticketry").
        post_migrate.connect(desk.migrate_ticketry, sender=self)
