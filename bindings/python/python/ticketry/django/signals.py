"""Django signals for Ticketry's events.

``manage.py ticketry_events`` (or :func:`dispatch`) reads a workspace's event
log after the consumer's position and sends, for each event, ``event`` and
then the signal of its type (``ticket.created`` → :data:`ticket_created`).
Receivers get ``event`` (a :class:`ticketry.Event`) and ``desk`` (the
workspace handle)::

    from django.dispatch import receiver
    from ticketry.django.signals import ticket_created

    @receiver(ticket_created)
    def notify(sender, event, desk, **kwargs):
        send_mail(...)

Each event is delivered inside a database transaction that also advances the
consumer's position (:class:`~ticketry.django.models.EventCursor`): if a
receiver raises, its writes and the position roll back together, the
dispatch stops, and the event comes again on the next run. Concurrent
dispatchers of one workspace take turns on the position row, so no event is
delivered twice.
"""

from __future__ import annotations

from typing import Dict, Optional

from django.db import transaction
from django.dispatch import Signal

from .. import Desk, Event
from . import conf

__all__ = ["event", "SIGNALS", "dispatch"]

#: Every event, whatever its type.
event = Signal()
ticket_created = Signal()
message_added = Signal()
status_changed = Signal()
ticket_assigned = Signal()
priority_changed = Signal()
category_changed = Signal()
ticket_tagged = Signal()
ticket_untagged = Signal()
ticket_linked = Signal()
ticket_updated = Signal()
ticket_rated = Signal()
sla_warning = Signal()
sla_breached = Signal()
automation_applied = Signal()
#: A rule's ``emit`` action (``event.data["name"]``: ``notify:payments``).
automation_event = Signal()
#: A time rule asks to remind the customer to rate (``event.data["count"]``: 1, 2, …).
ticket_rating_reminder = Signal()
#: A time rule asks to remind the assignee or team of an overdue ticket.
ticket_overdue_reminder = Signal()
#: Automatic assignment found nobody with room: the ticket waits in the backlog.
assignment_queued = Signal()
incident_declared = Signal()
incident_updated = Signal()
incident_resolved = Signal()
ticket_incident_linked = Signal()
access_requested = Signal()
#: Carry the request out (reset the password…): ``event.data["request"]``, ``["kind"]``.
access_approved = Signal()
#: In review, rejected, cancelled or expired (``event.data["status"]``).
access_changed = Signal()

#: An event type → its signal (the type with ``.`` as ``_``).
SIGNALS: Dict[str, Signal] = {
    name.replace("_", ".", 1): signal
    for name, signal in list(globals().items())
    if isinstance(signal, Signal) and name != "event"
}


def dispatch(desk: Desk, *, consumer: Optional[str] = None, limit: int = 100, using: Optional[str] = None) -> int:
    """Delivers the events of ``desk`` after ``consumer``'s position (default
    ``TICKETRY['EVENTS_CONSUMER']``), reading ``limit`` at a time, until none
    is left; returns how many this call delivered. A receiver's exception
    propagates after its event's transaction rolled back."""
    from .models import EventCursor

    name = consumer or conf.settings().events_consumer
    cursors = EventCursor.objects.using(using)
    cursors.get_or_create(workspace=desk.id, consumer=name)
    delivered = 0
    while True:
        batch = desk.events(after=cursors.get(workspace=desk.id, consumer=name).seq, limit=limit)
        for ev in batch:
            with transaction.atomic(using=using):
                cursor = cursors.select_for_update().get(workspace=desk.id, consumer=name)
                if ev.seq <= cursor.seq:  # another dispatcher delivered it meanwhile
                    continue
                _send(ev, desk)
                cursor.seq = ev.seq
                cursor.save(update_fields=["seq"])
            delivered += 1
        if len(batch) < limit:
            return delivered


def _send(ev: Event, desk: Desk) -> None:
    event.send(sender=Event, event=ev, desk=desk)
    typed = SIGNALS.get(ev.type)
    if typed is not None:
        typed.send(sender=Event, event=ev, desk=desk)
