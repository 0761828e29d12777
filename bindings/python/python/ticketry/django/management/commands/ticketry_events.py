"""``manage.py ticketry_events``: delivers Ticketry's events as Django signals.

Run it from cron or Celery beat (``--loop`` keeps polling). See
:mod:`ticketry.django.signals` for the signals and the delivery guarantee.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ... import runtime, signals
from ._options import workspaces


class Command(BaseCommand):
    help = "Sends Django signals for every Ticketry event not yet delivered to this consumer."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--workspace", action="append", help="workspace slug (repeatable; default: TICKETRY['WORKSPACE'])"
        )
        parser.add_argument("--consumer", help="consumer name (default: TICKETRY['EVENTS_CONSUMER'])")
        parser.add_argument("--loop", type=float, metavar="SECONDS", help="poll every SECONDS until interrupted")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["loop"] is not None and options["loop"] <= 0:
            raise CommandError("--loop must be a positive number of seconds")
        slugs = workspaces(options)
        while True:
            for slug in slugs:
                n = signals.dispatch(runtime.desk(slug), consumer=options["consumer"])
                if n or options["verbosity"] > 1:
                    self.stdout.write(f"{slug}: delivered {n} event(s)")
            if options["loop"] is None:
                return
            time.sleep(options["loop"])
