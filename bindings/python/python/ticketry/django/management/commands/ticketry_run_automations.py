"""``manage.py ticketry_run_automations``: runs what fell due.

Run it every minute from cron or Celery beat. In one call: the SLA sweep
(warnings, breaches, escalation to a policy's team), the time rules
(``TICKETRY['AUTOMATION']['PRESETS']``: auto-close, escalation of old open
tickets, rating and overdue reminders) and the assignment backlog. Each
action happens once, however often it runs and even when several workers
run it at once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ... import runtime
from ._options import instant, workspaces


class Command(BaseCommand):
    help = "Runs the SLA sweep, the time rules and the assignment backlog (Ticketry's run_automations)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", type=instant, help="run as of this ISO 8601 instant (default: now)")
        parser.add_argument(
            "--workspace", action="append", help="workspace slug (repeatable; default: TICKETRY['WORKSPACE'])"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for slug in workspaces(options):
            report = runtime.desk(slug).run_automations(options["now"])
            for a in report.sla.alerts:
                self.stdout.write(f"{a.kind.value:8} {a.number} {a.metric.value} due {a.due_at.isoformat()}")
            for f in report.fired:
                self.stdout.write(f"rule     {f.number} {f.rule}")
            self.stdout.write(
                f"{slug}: {len(report.sla.alerts)} SLA alert(s), {len(report.fired)} rule(s) fired, "
                f"{len(report.assigned)} waiting ticket(s) assigned"
            )
