"""``manage.py ticketry_sla_sweep``: records the SLA warnings and breaches that fell due.

Run it every minute from cron or Celery beat. Each warning and breach is
recorded once (a ``sla.warning`` / ``sla.breached`` event), however often the
sweep runs and even when two run at once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ... import runtime
from ._options import instant, workspaces


class Command(BaseCommand):
    help = "Records every SLA warning and breach that fell due (Ticketry's sla_sweep)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", type=instant, help="sweep as of this ISO 8601 instant (default: now)")
        parser.add_argument(
            "--workspace", action="append", help="workspace slug (repeatable; default: TICKETRY['WORKSPACE'])"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for slug in workspaces(options):
            report = runtime.desk(slug).sla_sweep(options["now"])
            for a in report.alerts:
                self.stdout.write(f"{a.kind.value:8} {a.number} {a.metric.value} due {a.due_at.isoformat()}")
            self.stdout.write(f"{slug}: examined {report.examined} ticket(s), recorded {len(report.alerts)} alert(s)")
