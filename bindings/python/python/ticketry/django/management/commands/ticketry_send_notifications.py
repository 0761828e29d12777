"""``manage.py ticketry_send_notifications``: sends Ticketry's e-mail
notifications through Django's mail backend.

Reads the notifications of the events since the last run (consumer
``mail``), sends each as a multipart (text + HTML) message with its
threading headers (``Message-ID``, ``In-Reply-To``, ``References``,
``Reply-To``, ``Auto-Submitted``), and acknowledges each batch once it is
sent. A message the backend refuses (a bad address) is reported and
skipped; a run that stops midway (the process dies) sends the
unacknowledged batch again next time with the same Message-IDs. Run it from cron or a Celery beat every
minute.
"""

from __future__ import annotations

import smtplib
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.management.base import BaseCommand

from ... import runtime


class Command(BaseCommand):
    help = "Sends Ticketry's e-mail notifications through Django's mail backend."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--workspace", help="workspace slug (default: TICKETRY['WORKSPACE'])")
        parser.add_argument("--batch", type=int, default=100, help="events per batch, 1..1000 (default 100)")

    def handle(self, *args: Any, **options: Any) -> None:
        desk = runtime.desk(options["workspace"])
        sent = 0
        failed = 0
        with get_connection() as connection:
            while True:
                batch = desk.notifications(limit=options["batch"])
                for n in batch.notifications:
                    headers = {k: v for k, v in n.headers.items() if k != "Reply-To"}
                    reply_to = [n.headers["Reply-To"]] if "Reply-To" in n.headers else None
                    m = EmailMultiAlternatives(
                        subject=n.subject,
                        body=n.text,
                        from_email=n.from_ or settings.DEFAULT_FROM_EMAIL,
                        to=[formataddr((n.to.name, n.to.email))],
                        reply_to=reply_to,
                        headers=headers,
                        connection=connection,
                    )
                    m.attach_alternative(n.html, "text/html")
                    # One the backend refuses (a bad address) is reported and
                    # skipped: it must not hold back every later one.
                    try:
                        m.send()
                        sent += 1
                    except (OSError, ValueError, smtplib.SMTPException) as e:
                        failed += 1
                        self.stderr.write(f"notification {n.id} to {n.to.email}: {e}")
                desk.ack_notifications(batch.cursor)
                if not batch.more:
                    break
        if failed:
            self.stderr.write(f"{failed} notification(s) could not be sent")
        self.stdout.write(f"sent {sent} notification(s)")
