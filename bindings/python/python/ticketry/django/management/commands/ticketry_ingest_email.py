"""``manage.py ticketry_ingest_email``: files inbound mail into tickets.

Reads one raw RFC 5322 message from standard input (``... < message.eml``, as
a mail server's pipe delivers it), from files, or every message of a Maildir
(``--maildir ~/Maildir``: ``new/`` and ``cur/`` messages not yet seen, moved
to ``cur/`` with the ``S`` flag once filed or ignored, so a rerun skips them;
held and rate-limited ones stay unseen and are evaluated again). A second
delivery of a message is recognised by Ticketry and changes nothing.

A sender whose address is a Django user's becomes that user's customer
before the message is filed (an existing customer is left as it is). Attachments are saved with Django's default
storage under the key Ticketry records on the message (an existing file is
kept: a redelivery names the same keys).
"""

from __future__ import annotations

import email
import email.utils
import os
import sys
from typing import Any, Iterator, Tuple

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from ... import runtime
from ....errors import NotFoundError, TicketryError


class Command(BaseCommand):
    help = "Files raw e-mail (stdin, files or a Maildir) into tickets (Ticketry's ingest_email)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="*", help=".eml files (default: one message on standard input)")
        parser.add_argument("--maildir", help="a Maildir whose unseen messages to file")
        parser.add_argument("--mailbox", help="the address the mail arrived at (e.g. support@example.com)")
        parser.add_argument("--workspace", help="workspace slug (default: TICKETRY['WORKSPACE'])")

    def handle(self, *args: Any, **options: Any) -> None:
        desk = runtime.desk(options["workspace"])
        failed = 0
        for name, raw, done in self._messages(options):
            try:
                self._known_sender(desk, raw)
                r = desk.ingest_email(raw, mailbox=options["mailbox"])
                for part in r.parts:
                    if not default_storage.exists(part.storage_key):
                        default_storage.save(part.storage_key, ContentFile(part.content))
            except (TicketryError, OSError) as e:
                failed += 1
                self.stderr.write(f"{name}: {getattr(e, 'code', 'storage')}: {e}")
                continue
            rec = r.record
            where = f" {r.ticket.number}" if r.ticket is not None else ""
            why = f" ({rec.reason})" if rec.reason else ""
            again = " (duplicate)" if r.duplicate else ""
            self.stdout.write(f"{name}: {rec.outcome}{where}{why}{again}")
            # Held or over the sender's rate: left unseen, evaluated again
            # on the next run.
            if rec.outcome in ("created", "appended", "ignored"):
                done()
        if failed:
            raise CommandError(f"{failed} message(s) could not be filed")

    def _messages(self, options: Any) -> Iterator[Tuple[str, bytes, Any]]:
        if options["maildir"]:
            root = options["maildir"]
            cur = os.path.join(root, "cur")
            if not os.path.isdir(cur):
                raise CommandError(f"{root} is not a Maildir (no cur/)")
            for sub in ("new", "cur"):
                folder = os.path.join(root, sub)
                for f in sorted(os.listdir(folder)):
                    info = f.rsplit(":2,", 1)[1] if ":2," in f else ""
                    if "S" in info:
                        continue
                    path = os.path.join(folder, f)
                    with open(path, "rb") as fh:
                        raw = fh.read()
                    seen = os.path.join(cur, f.split(":2,")[0] + ":2," + "".join(sorted(info + "S")))
                    yield path, raw, (lambda p=path, s=seen: os.rename(p, s))
        elif options["paths"]:
            for path in options["paths"]:
                with open(path, "rb") as fh:
                    yield path, fh.read(), (lambda: None)
        else:
            yield "stdin", sys.stdin.buffer.read(), (lambda: None)

    @staticmethod
    def _known_sender(desk: Any, raw: bytes) -> None:
        """A sender who is a Django user becomes (or stays) that user's customer."""
        name, address = email.utils.parseaddr(str(email.message_from_bytes(raw).get("From", "")))
        if "@" not in address:
            return
        user = get_user_model().objects.filter(email__iexact=address).order_by("pk").first()
        if user is None:
            return
        try:
            desk.get_customer(str(user.pk))
        except NotFoundError:
            full = user.get_full_name() or user.get_username()
            desk.put_customer(str(user.pk), full or name or address, email=address)
