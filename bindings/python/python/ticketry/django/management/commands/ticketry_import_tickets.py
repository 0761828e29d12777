"""``manage.py ticketry_import_tickets``: brings tickets over from another help
desk (django-helpdesk, a home-grown app) with their numbers and history.

Input is JSON Lines, one ticket per line, each an ``ImportTicket`` (``seq``,
``number``, ``customer``, ``subject``, ``description``, ``created_at``,
``status``, ``resolved_at``, ``closed_at``, ``messages`` … with RFC 3339
instants); write it from your old tables with a short script. Customers and
agents must exist first (``put_customer``/``put_agent``). Tickets are sent in
batches, each imported atomically; a batch that fails names its first line
and the field, and nothing of it is stored, so fix the line and run again
with ``--skip`` set to the lines already imported.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Dict, List, TextIO

from django.core.management.base import BaseCommand, CommandError

from ... import runtime
from ....errors import InvalidInputError, TicketryError


class Command(BaseCommand):
    help = "Imports tickets with their history from JSON Lines (Ticketry's import_tickets)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", default="-", help="a .jsonl file (default: standard input)")
        parser.add_argument("--batch", type=int, default=1000, help="tickets per call, 1..10000 (default 1000)")
        parser.add_argument("--skip", type=int, default=0, help="lines to skip (already imported)")
        parser.add_argument("--workspace", help="workspace slug (default: TICKETRY['WORKSPACE'])")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["batch"] <= 10_000:
            raise CommandError("--batch must be 1..10000")
        desk = runtime.desk(options["workspace"])
        path = options["path"]
        source: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")
        imported, batch, lines = 0, [], []  # type: int, List[Dict[str, Any]], List[int]
        with source:
            for n, line in enumerate(source, start=1):
                if n <= options["skip"] or not line.strip():
                    continue
                try:
                    batch.append(json.loads(line))
                except ValueError as e:
                    raise CommandError(f"line {n}: not JSON ({e})") from None
                lines.append(n)
                if len(batch) == options["batch"]:
                    imported += self._send(desk, batch, lines)
                    batch, lines = [], []
            if batch:
                imported += self._send(desk, batch, lines)
        self.stdout.write(f"imported {imported} ticket(s)")

    def _send(self, desk: Any, batch: List[Dict[str, Any]], lines: List[int]) -> int:
        """Imports one batch; an error names the line (and field) it is about."""
        try:
            desk.import_tickets(batch)
        except InvalidInputError as e:
            m = re.match(r"tickets\[(\d+)\]\.?(.*)", e.field or "")
            where = f"line {lines[int(m.group(1))]}: {m.group(2)}" if m else f"lines {lines[0]}..{lines[-1]}"
            raise CommandError(f"{where}: {e}") from None
        except TicketryError as e:
            raise CommandError(f"lines {lines[0]}..{lines[-1]}: {e}") from None
        self.stdout.write(f"lines {lines[0]}..{lines[-1]}: imported")
        return len(batch)
