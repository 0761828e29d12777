#!/usr/bin/env python3
"""Ticketry's wheel against django-helpdesk's models (its bare ORM), side by
side in one process on the same PostgreSQL: what a Django host would
otherwise run for the same operation.

    python -m venv /tmp/dh && /tmp/dh/bin/pip install "django-helpdesk==2.6.1" \\
        psycopg2-binary ticketry-*.whl        # a release wheel: maturin build --release
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        /tmp/dh/bin/python benches/python/vs_django_helpdesk.py [--runs 3] [--tickets 20000]

Rows (each the median of ``--runs`` runs, as calls per second, and the ratio
Ticketry / django-helpdesk):

* create: a ticket and its first message. django-helpdesk: ``Ticket`` +
  ``FollowUp`` in one ``transaction.atomic()`` (5 statements); Ticketry:
  ``open_ticket`` (numbered, SLA clocks started, events recorded).
* reply: an agent's public reply. django-helpdesk: ``FollowUp`` in an atomic
  block (it also saves the ticket's ``modified``); Ticketry: ``reply``.
* create, 8 threads: the first row from 8 threads, one queue / one workspace.
* page of 25 open tickets among ``--tickets``: django-helpdesk's open
  statuses by priority then age, as its ticket list sorts; Ticketry:
  ``list_tickets`` of the active statuses in urgency order.
* ticket + thread of 10 messages: django-helpdesk ``Ticket`` by id and its
  ``FollowUp`` list; Ticketry: ``thread`` (agent view).

django-helpdesk's tables live in the database of ``DATABASE_URL`` (its
``public`` schema, created by ``migrate``), Ticketry's in the schema
``ticketry_vs_dh``; both are dropped first, so each run starts empty.
Ticketry runs as ``--role`` (default ``$TICKETRY_TEST_ROLE``), a role subject
to row-level security as the README recommends; without one it runs as the
login user and warns. The
machine is shared and noisy: read the medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from typing import Callable
from urllib.parse import urlparse

SCHEMA = "ticketry_vs_dh"


def configure_django(url: str) -> None:
    import django
    from django.conf import settings

    u = urlparse(url)
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="bench",
        SITE_ID=1,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sites",
            "django.contrib.humanize",
            "rest_framework",
            "helpdesk",
        ],
        HELPDESK_TEAMS_MODE_ENABLED=False,
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": (u.path or "/postgres").lstrip("/") or "postgres",
                "USER": u.username or "postgres",
                "PASSWORD": u.password or "",
                "HOST": u.hostname or "127.0.0.1",
                "PORT": str(u.port or 5432),
            }
        },
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        LOGGING_CONFIG=None,
    )
    django.setup()


def reset_django() -> None:
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)


def rate(n: int, f: Callable[[int], object]) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        f(i)
    return n / (time.perf_counter() - t0)


def threaded_rate(n: int, threads: int, f: Callable[[int], object], done: Callable[[], None]) -> float:
    per = n // threads

    def work(k: int) -> None:
        for i in range(per):
            f(k * per + i)
        done()

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return per * threads / (time.perf_counter() - t0)


class DjangoHelpdesk:
    """The operations with django-helpdesk's models."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from helpdesk.models import Queue

        reset_django()
        self.queue = Queue.objects.create(title="Support", slug="support")
        self.agent = get_user_model().objects.create_user("agent", "agent@example.com", "x", is_staff=True)

    def create(self, i: int) -> object:
        from django.db import transaction
        from helpdesk.models import FollowUp, Ticket

        with transaction.atomic():
            t = Ticket.objects.create(
                title="Cannot log in",
                queue=self.queue,
                submitter_email="alice@example.com",
                description="It says 403",
                priority=3,
            )
            FollowUp.objects.create(ticket=t, title="Ticket opened", comment="It says 403", public=True)
        return t

    def reply(self, t: object) -> None:
        from django.db import transaction
        from helpdesk.models import FollowUp

        with transaction.atomic():
            FollowUp.objects.create(ticket=t, title="Reply", comment="Try again", public=True, user=self.agent)

    def seed(self, n: int) -> None:
        from django.utils import timezone
        from helpdesk.models import Ticket

        now = timezone.now()
        Ticket.objects.bulk_create(
            [
                Ticket(
                    title=f"Seeded {i}",
                    queue=self.queue,
                    submitter_email="bob@example.com",
                    description="x",
                    priority=1 + i % 5,
                    status=(1, 2, 3, 4)[i % 4],
                    created=now,
                    modified=now,
                )
                for i in range(n)
            ],
            batch_size=5000,
        )

    def page(self) -> list:
        from helpdesk.models import Ticket

        return list(
            Ticket.objects.filter(queue=self.queue, status__in=Ticket.OPEN_STATUSES).order_by("priority", "created")[:25]
        )

    def thread(self, ticket_id: int) -> tuple:
        from helpdesk.models import FollowUp, Ticket

        t = Ticket.objects.get(id=ticket_id)
        return t, list(FollowUp.objects.filter(ticket=t).order_by("date", "id"))

    @staticmethod
    def close_connection() -> None:
        from django.db import connection

        connection.close()


class Ticketry:
    """The same operations with Ticketry's wheel."""

    def __init__(self, url: str, role: str | None) -> None:
        import psycopg2
        from ticketry import Helpdesk

        conn = psycopg2.connect(url)
        conn.autocommit = True
        conn.cursor().execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.close()
        self.desk = Helpdesk.connect(url, schema=SCHEMA, role=role, max_connections=16)
        self.desk.migrate()
        ws = self.desk.create_workspace("Bench", "bench")
        self.ws = self.desk.workspace(ws)
        self.ws.put_customer("alice", "Alice")
        self.ws.put_agent("agent", "Agent")

    def create(self, i: int) -> object:
        return self.ws.open_ticket("alice", "Cannot log in", "It says 403")

    def reply(self, t: object) -> None:
        self.ws.reply(t, "agent", "Try again")

    def seed(self, n: int) -> None:
        threaded_rate(n, 8, self.create, lambda: None)

    def page(self) -> object:
        return self.ws.list_tickets(statuses=["new", "open", "in_progress"], order="urgency", limit=25)

    def thread(self, ticket: object) -> object:
        return self.ws.thread(ticket, "agent")


def median_of(runs: int, f: Callable[[], float]) -> float:
    return statistics.median(f() for _ in range(runs))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--iterations", type=int, default=2000)
    p.add_argument("--tickets", type=int, default=20000)
    p.add_argument(
        "--role",
        default=os.environ.get("TICKETRY_TEST_ROLE"),
        help="the RLS-subject role Ticketry switches to (scripts/pg-app-role.sh makes one)",
    )
    a = p.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    configure_django(url)
    dh, tk = DjangoHelpdesk(), Ticketry(url, a.role)
    n, runs = a.iterations, a.runs
    rows: list[tuple[str, float, float]] = []

    def row(name: str, d: Callable[[], float], t: Callable[[], float]) -> None:
        # Interleaved, so both see the same noise.
        ds, ts = [], []
        for _ in range(runs):
            ds.append(d())
            ts.append(t())
        rows.append((name, statistics.median(ds), statistics.median(ts)))
        print(f"{name:<34} {rows[-1][1]:>9.0f} /s {rows[-1][2]:>9.0f} /s {rows[-1][2] / rows[-1][1]:>6.2f}x", flush=True)

    print(f"{'':<34} {'dj-helpdesk':>11} {'Ticketry':>11} {'ratio':>7}")
    row("create ticket + first message", lambda: rate(n, dh.create), lambda: rate(n, tk.create))
    dt, tt = dh.create(0), tk.create(0)
    row("reply", lambda: rate(n, lambda i: dh.reply(dt)), lambda: rate(n, lambda i: tk.reply(tt)))
    row(
        "create, 8 threads, one queue",
        lambda: threaded_rate(n, 8, dh.create, dh.close_connection),
        lambda: threaded_rate(n, 8, tk.create, lambda: None),
    )
    dh.seed(a.tickets)
    tk.seed(a.tickets)
    row(
        f"page of 25 open tickets at {a.tickets // 1000}k+",
        lambda: rate(n, lambda i: dh.page()),
        lambda: rate(n, lambda i: tk.page()),
    )
    dt, tt = dh.create(0), tk.create(0)
    for _ in range(9):
        dh.reply(dt)
        tk.reply(tt)
    row(
        "ticket + thread of 10 messages",
        lambda: rate(n, lambda i: dh.thread(dt.id)),  # type: ignore[attr-defined]
        lambda: rate(n, lambda i: tk.thread(tt)),
    )
    tk.desk.close()


if __name__ == "__main__":
    main()
