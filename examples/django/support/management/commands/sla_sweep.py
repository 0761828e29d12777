"""``manage.py sla_sweep``: records SLA warnings and breaches that fell due.

Run it every minute from cron or Celery beat. Each warning and breach is
recorded once (as a ``sla.warning`` / ``sla.breached`` event), however often
the sweep runs and even when two run at once.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from support import desk as support


class Command(BaseCommand):
    help = "Records every SLA warning and breach that fell due (Ticketry's sla_sweep)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", help="sweep as of this ISO 8601 instant (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options.get("now"):
            try:
                now = datetime.fromisoformat(options["now"].replace("Z", "+00:00"))
            except ValueError as e:
                raise CommandError(f"--now: {e}") from None
            if now.tzinfo is None:
                now = now.replace(tzinfo=timezone.utc)
        report = support.desk().sla_sweep(now)
        for a in report.alerts:
            self.stdout.write(f"{a.kind.value:8} {a.number} {a.metric.value} due {a.due_at.isoformat()}")
        self.stdout.write(f"examined {report.examined} ticket(s), recorded {len(report.alerts)} alert(s)")
