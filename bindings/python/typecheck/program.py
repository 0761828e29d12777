"""A small program using the Python API, type-checked by ``mypy --strict`` in
scripts/test-python.sh (never run): the generated signatures describe the API."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import List, Optional

from ticketry import (
    Actor,
    Calendar,
    Desk,
    Event,
    Helpdesk,
    InvalidInputError,
    ManualClock,
    NotificationKind,
    Message,
    Page,
    PolicyInput,
    PolicyTarget,
    Status,
    Ticket,
)


def sync_flow(desk: Helpdesk) -> Optional[datetime]:
    ws: Desk = desk.workspace(desk.create_workspace("Acme", "acme", priority_preset="p0_to_p3"))
    ws.put_customer(7, "Alice", email="alice@example.com")
    ws.put_agent("bob", "Bob", capacity=5)
    t: Ticket = ws.open_ticket(7, "Cannot log in", "It says 403", links=["order:8812"], custom_fields={"plan": "pro"})
    status: Status = t.status
    m: Message = ws.reply(t, "bob", "Try again", status="pending")
    again: Message = ws.get_message(m.id, view="customer")
    page: Page[Ticket] = ws.list_tickets(statuses=["open", Status.PENDING], limit=10)
    tickets: List[Ticket] = list(page.items)
    events: List[Event] = ws.events(after=0)
    kinds = [e.type for e in events]
    ws.set_sla_policies([PolicyInput("Hours", (PolicyTarget("p1", first_response=timedelta(hours=2)),), calendar=Calendar.always_open().config)])
    ws.rate(t, 5, "thanks", by=Actor.customer(7))
    try:
        ws.rate(t, 6)
    except InvalidInputError as e:
        field: Optional[str] = e.field
        del field
    del status, again, tickets, kinds
    return t.sla.due_at


async def async_flow(desk: Helpdesk) -> int:
    ws = desk.workspace(await desk.create_workspace_async("Beta", "beta"))
    await ws.put_customer_async("u1", "U")
    t = await ws.open_ticket_async("u1", "s", "d")
    stats = await ws.ticket_stats_async()
    mail = b"From: u1@example.com\r\nSubject: Hi\r\n\r\nHello\r\n"
    filed = await ws.ingest_email_async(mail, mailbox="help@example.com")
    parts: bytes = b"".join(p.content for p in filed.parts)
    batch = await ws.notifications_async(limit=10)
    subjects = [n.subject for n in batch.notifications if n.kind is NotificationKind.AGENT_CREATED]
    del parts, subjects
    return stats.total + t.seq + batch.cursor


def main() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 8, tzinfo=timezone.utc))
    desk = Helpdesk.in_memory(clock=clock)
    sync_flow(desk)
    asyncio.run(async_flow(desk))


def batch_due_dates() -> bytes:
    """The NumPy-style batch form (here over array.array, NumPy optional)."""
    import array

    cal = Calendar.always_open()
    starts = array.array("q", [1_772_442_000_000_000])
    out = cal.add_many_epoch(starts, array.array("q", [3_600_000_000]))
    cal.between_many_epoch(starts, starts, out=array.array("q", [0]))
    return bytes(out)
