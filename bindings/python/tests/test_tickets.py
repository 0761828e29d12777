"""Every ticket operation, thread views, listing with filters and cursors."""

from __future__ import annotations

import pytest

from ticketry import (
    Actor,
    AssignmentAction,
    Attachment,
    Channel,
    ConflictError,
    InvalidInputError,
    InvalidTransitionError,
    Link,
    MessageKind,
    NotFoundError,
    Page,
    Status,
    TicketOrder,
    TicketStats,
    View,
)


def test_open_ticket_with_every_field(desk) -> None:  # type: ignore[no-untyped-def]
    team = desk.create_team("Tier 1", members=["bob"])
    cat = desk.create_category("Access")
    att = Attachment("shot.png", 1024, "image/png", "s3://bucket/shot.png")
    t = desk.open_ticket(
        7,
        "Cannot log in",
        "It says 403",
        html="<p>It says 403</p>",
        priority="urgent",
        category=cat,
        channel=Channel.EMAIL,
        team=team,
        assignee="bob",
        tags=["login", "vip", "login"],
        links=["order:8812", Link("ride", "77"), {"kind": "lesson", "id": "5"}],
        custom_fields={"plan": "pro", "seats": 3, "nested": {"a": [1, None]}},
        attachments=[att],
        email_message_id="<abc@mail>",
        idempotency_key="form-1",
    )
    assert t.number.startswith("TKT-") and t.seq == 1 and t.version >= 1
    assert (t.status, t.priority, t.channel, t.customer) == (Status.NEW, "urgent", Channel.EMAIL, "7")
    assert (t.team, t.assignee, t.category) == (team.id, "bob", cat.id)
    assert t.tags == ("login", "vip")
    assert set(t.links) == {Link("order", "8812"), Link("ride", "77"), Link("lesson", "5")}
    assert t.custom_fields == {"plan": "pro", "seats": 3, "nested": {"a": [1, None]}}
    assert t.awaiting_reply_since == t.created_at
    first = desk.thread(t).messages[0]
    assert first.attachments == (att,) and first.html == "<p>It says 403</p>" and first.kind is MessageKind.CUSTOMER
    # idempotency: the key is bound to its request; another payload is a conflict
    with pytest.raises(ConflictError):
        desk.open_ticket(7, "Cannot log in", "again", idempotency_key="form-1")
    same = desk.open_ticket(7, "Cannot log in", "again", idempotency_key="form-2")
    assert desk.open_ticket(7, "Cannot log in", "again", idempotency_key="form-2") == same
    assert desk.get_ticket_by_number(t.number) == t


def test_open_ticket_defaults(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "Hi", "There")
    assert (t.priority, t.channel, t.assignee, t.team, t.tags, t.links, t.custom_fields) == (
        "medium", Channel.WEB, None, None, (), (), {},
    )
    with pytest.raises(InvalidInputError) as e:
        desk.open_ticket(7, "Hi", "There", priority="p0")
    assert e.value.field == "priority"
    with pytest.raises(InvalidInputError) as e:  # not JSON
        desk.open_ticket(7, "Hi", "There", custom_fields={"x": object()})
    assert e.value.field == "custom_fields.x"


def test_conversation_and_views(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "Refund", "Please refund order 1")
    note = desk.add_note(t, "bob", "Customer is VIP, be quick")
    reply = desk.reply(t, "bob", "Done, refunded", status=Status.PENDING)
    assert (note.kind, reply.kind) == (MessageKind.NOTE, MessageKind.REPLY)
    assert reply.author == Actor.agent("bob")
    assert desk.get_ticket(t).status is Status.PENDING
    msg = desk.customer_message(t, 7, "Thanks!", idempotency_key="k1")
    assert msg.kind is MessageKind.CUSTOMER and desk.get_ticket(t).status is Status.OPEN
    assert desk.customer_message(t, 7, "Thanks!", idempotency_key="k1") == msg  # retried
    agent_view = desk.thread(t, View.AGENT)
    customer_view = desk.thread(t, "customer")
    assert [m.kind for m in agent_view.messages] == ["customer", "note", "reply", "customer"]
    # One message by id: the customer view does not see notes.
    assert desk.get_message(reply.id) == reply
    assert desk.get_message(reply, view="customer") == reply  # the object works as its id
    with pytest.raises(NotFoundError):
        desk.get_message(note.id, view="customer")
    assert [m.kind for m in customer_view.messages] == ["customer", "reply", "customer"]
    assert all(m.kind is not MessageKind.NOTE for m in customer_view.messages)
    with pytest.raises(NotFoundError):
        desk.customer_message(t, 8, "nobody by that id")
    desk.put_customer(8, "Mallory")
    with pytest.raises(InvalidInputError):
        desk.customer_message(t, 8, "I am not the customer")
    with pytest.raises(InvalidInputError):
        desk.reply(t, "bob", "   ")


def test_assignment(desk) -> None:  # type: ignore[no-untyped-def]
    desk.put_agent("eve", "Eve")
    team = desk.create_team("Tier 2", members=["eve"])
    t = desk.open_ticket(7, "s", "b")
    assert desk.assign(t, "bob", by=Actor.agent("bob")).assignee == "bob"
    t2 = desk.assign(t, "eve", team=team, reason="needs tier 2", escalate=True)
    assert (t2.assignee, t2.team) == ("eve", team.id)
    assert desk.unassign(t).assignee is None
    history = desk.assignment_history(t)
    assert [h.action for h in history] == [
        AssignmentAction.ASSIGNED, AssignmentAction.ESCALATED, AssignmentAction.UNASSIGNED,
    ]
    assert history[0].by == Actor.agent("bob") and history[1].reason == "needs tier 2"
    assert (history[1].from_, history[1].to) == ("bob", "eve")
    assert desk.assign(t, "bob").assignee == "bob"
    assert desk.assign(t, None).assignee is None
    with pytest.raises(NotFoundError):
        desk.assign(t, "ghost")


def test_workflow(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "s", "b")
    assert desk.set_status(t, Status.IN_PROGRESS).status is Status.IN_PROGRESS
    assert desk.set_status(t, "waiting_customer").status is Status.PENDING  # the core's aliases
    resolved = desk.resolve(t, by=Actor.agent("bob"))
    assert resolved.status is Status.RESOLVED and resolved.resolved_at is not None
    assert desk.reopen(t).status is Status.OPEN
    closed = desk.close(t, by=Actor.customer(7))
    assert closed.status is Status.CLOSED and closed.closed_at is not None
    assert desk.reopen(t).status is Status.OPEN  # within the 7-day window
    desk.close(t)
    rated = desk.rate(t, 5, "great", by=Actor.customer(7))
    assert rated.satisfaction.rating == 5 and rated.satisfaction.comment == "great"
    with pytest.raises(InvalidInputError):
        desk.rate(t, 9)
    u = desk.open_ticket(7, "s", "b")
    with pytest.raises(InvalidTransitionError):
        desk.rate(u, 3)


def test_edits(desk) -> None:  # type: ignore[no-untyped-def]
    cat = desk.create_category("Billing")
    t = desk.open_ticket(7, "s", "b")
    assert desk.set_priority(t, "high").priority == "high"
    assert desk.set_category(t, cat).category == cat.id
    assert desk.set_category(t, None).category is None
    assert desk.add_tag(t, "vip").tags == ("vip",)
    assert desk.add_tag(t, "bug").tags == ("bug", "vip")
    assert desk.remove_tag(t, "vip").tags == ("bug",)
    assert desk.link(t, "order:1").links == (Link("order", "1"),)
    edited = desk.update_ticket(t, subject="New subject", description="New text", custom_fields={"k": 1})
    assert (edited.subject, edited.description, edited.custom_fields) == ("New subject", "New text", {"k": 1})
    with pytest.raises(InvalidInputError):
        desk.set_priority(t, "nope")
    types = [e.type for e in desk.events()]
    for kind in ("priority.changed", "category.changed", "ticket.tagged", "ticket.untagged", "ticket.linked", "ticket.updated"):
        assert kind in types


def test_listing_filters_and_cursors(desk) -> None:  # type: ignore[no-untyped-def]
    desk.put_customer(8, "Bob the customer")
    team = desk.create_team("T", members=["bob"])
    cat = desk.create_category("C")
    made = []
    for i in range(7):
        made.append(desk.open_ticket(7 if i % 2 == 0 else 8, f"s{i}", "b", priority="high" if i < 2 else "low",
                                     tags=["x"] if i == 3 else [], category=cat if i == 4 else None))
    desk.assign(made[0], "bob", team=team)
    desk.set_status(made[1], "pending")
    page = desk.list_tickets(limit=3)
    assert isinstance(page, Page) and len(page) == 3 and page.next_cursor
    assert [t.seq for t in page] == [7, 6, 5]  # newest first
    page2 = desk.list_tickets(limit=3, after=page.next_cursor)
    assert [t.seq for t in page2.items] == [4, 3, 2]
    last = desk.list_tickets(limit=3, after=page2.next_cursor)
    assert [t.seq for t in last.items] == [1] and last.next_cursor is None
    assert [t.seq for t in desk.list_tickets(order=TicketOrder.OLDEST, limit=2).items] == [1, 2]
    assert [t.seq for t in desk.iter_tickets(limit=2)] == [7, 6, 5, 4, 3, 2, 1]
    assert [t.seq for t in desk.list_tickets(statuses=["pending"]).items] == [2]
    assert [t.seq for t in desk.list_tickets(statuses=[Status.NEW], customer=7).items] == [7, 5, 3, 1]
    assert [t.seq for t in desk.list_tickets(priority="high").items] == [2, 1]
    assert [t.seq for t in desk.list_tickets(assignee="bob").items] == [1]
    assert [t.seq for t in desk.list_tickets(team=team).items] == [1]
    assert len(desk.list_tickets(unassigned=True).items) == 6
    assert [t.seq for t in desk.list_tickets(tag="x").items] == [4]
    assert [t.seq for t in desk.list_tickets(category=cat).items] == [5]
    urgent_first = desk.list_tickets(order="urgency", limit=2)
    assert [t.priority for t in urgent_first.items] == ["high", "high"]
    assert desk.list_tickets(order="urgency", after=urgent_first.next_cursor).items[0].priority == "low"
    with pytest.raises(InvalidInputError) as e:
        desk.list_tickets(after="garbage")
    assert e.value.field == "after"
    with pytest.raises(InvalidInputError):
        desk.list_tickets(order="random")


def test_stats(desk) -> None:  # type: ignore[no-untyped-def]
    a, b, _ = (desk.open_ticket(7, f"s{i}", "b") for i in range(3))
    desk.close(a)
    desk.set_status(b, "in_progress")
    stats = desk.ticket_stats()
    assert isinstance(stats, TicketStats) and stats.total == 3
    assert stats.by_status[Status.CLOSED] == 1 and stats.by_status["in_progress"] == 1
    assert stats.by_status[Status.NEW] == 1 and len(stats.by_status) == 8
