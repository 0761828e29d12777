"""``manage.py ticketry_daily_stats``: stores a day's support figures (seed 004's
``generate_support_statistics``).

Run it once a day, after midnight in the workspace's time zone. A day is
stored once: running it again (or from two machines) keeps the first figures.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand

from ... import runtime
from ._options import workspaces


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


class Command(BaseCommand):
    help = "Stores one local day's support figures once (Ticketry's record_daily_stats)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--day", type=_day, help="the day, YYYY-MM-DD (default: yesterday in the workspace's zone)")
        parser.add_argument(
            "--workspace", action="append", help="workspace slug (repeatable; default: TICKETRY['WORKSPACE'])"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for slug in workspaces(options):
            s = runtime.desk(slug).record_daily_stats(day=options["day"])
            f = s.figures
            self.stdout.write(
                f"{slug} {s.day}: created {f.created}, resolved {f.resolved}, closed {f.closed}, backlog {f.backlog}"
            )
