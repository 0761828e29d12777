"""The fields seed hosts map their models onto (issue 18), from Python, on both backends."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

import ticketry

from ticketry import (
    AlreadyExistsError,
    Attachment,
    ImportTicket,
    InvalidInputError,
    NotFoundError,
    Priority,
    Sender,
)
from conftest import new_slug


def test_priorities_teams_templates(desk) -> None:  # type: ignore[no-untyped-def]
    saved = desk.set_priorities([
        Priority("p3", "P3", 1, description="A question", active=False),
        Priority("p2", "P2", 2, is_default=True),
    ])
    assert (saved[0].description, saved[0].active, saved[1].active) == ("A question", False, True)
    with pytest.raises(InvalidInputError) as e:
        desk.open_ticket(7, "s", "d", priority="p3")
    assert e.value.field == "priority"
    team = desk.create_team("Billing", members=["bob"], email="billing@acme.test")
    assert (team.email, team.active) == ("billing@acme.test", True)
    retired = desk.update_team(team, "Billing", members=["bob"], active=False)
    t = desk.open_ticket(7, "s", "d")
    with pytest.raises(InvalidInputError) as e:
        desk.assign(t, team=retired)
    assert e.value.field == "team"
    a, b = desk.create_category("A"), desk.create_category("B")
    tpl = desk.create_template("Refund", "Done.", subject="Your refund", categories=[a, b.id], created_by="bob")
    assert (tpl.subject, tpl.categories, tpl.created_by) == ("Your refund", (a.id, b.id), "bob")
    assert desk.get_template(tpl) == tpl
    with pytest.raises(NotFoundError):
        desk.create_template("X", "x", created_by="nobody")


def test_ticket_source_sender_and_url_attachments(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(
        7, "Call back", "please", channel="phone", source_phone="+1 555 0100", source_email="alice@home.test",
        sender={"name": "Front desk"},
    )
    assert (t.source_phone, t.source_email) == ("+1 555 0100", "alice@home.test")
    opening = desk.thread(t).messages[0]
    assert opening.sender == Sender(name="Front desk")
    shot = Attachment("shot.png", url="/media/support/shot.png")
    m = desk.customer_message(t, 7, "see", attachments=[shot, Attachment("a.txt", 3, "text/plain", "k/a.txt")],
                              sender=Sender(email="relay@partner.test"))
    assert m.attachments[0] == shot and m.attachments[1].storage_key == "k/a.txt"
    assert m.sender == Sender(email="relay@partner.test")
    assert desk.get_message(m) == m
    for bad, field in [
        (Attachment("x"), "attachments[0].storage_key"),
        (Attachment("x", url="ftp://x"), "attachments[0].url"),
    ]:
        with pytest.raises(InvalidInputError) as e:
            desk.customer_message(t, 7, "x", attachments=[bad])
        assert e.value.field == field
    with pytest.raises(InvalidInputError) as e:
        desk.open_ticket(7, "s", "d", source_phone="call me")
    assert e.value.field == "source_phone"
    assert len(desk.thread(t).messages) == 2  # nothing written by the refusals


def test_ticket_numbers_as_short_tokens(desk) -> None:  # type: ignore[no-untyped-def]
    desk.update(settings={"number_format": "TKT-{token}"})
    numbers = [desk.open_ticket(7, f"t{i}", "d").number for i in range(5)]
    assert all(re.fullmatch(r"TKT-[A-HJ-NP-Z]{3}[0-9]{3}", n) for n in numbers), numbers
    assert len(set(numbers)) == 5
    assert desk.get_ticket_by_number(numbers[2].lower()).number == numbers[2]


def test_codes_display_order_notices_and_descriptions(desk) -> None:  # type: ignore[no-untyped-def]
    payment = desk.create_category("Payment", code="payment")
    assert desk.get_category_by_code("payment") == payment
    with pytest.raises(ticketry.AlreadyExistsError):
        desk.create_category("Billing", code="payment")
    prios = desk.list_priorities()
    assert [p.position for p in prios] == [0, 1, 2, 3]
    t = desk.open_ticket(7, "s", "d", category=payment)
    notice = desk.system_message(t, "Payments are delayed today")
    assert (notice.kind, notice.author.type) == (ticketry.MessageKind.SYSTEM, ticketry.ActorType.SYSTEM)
    policies = desk.set_sla_policies([{"name": "Gold", "description": "Within the hour", "targets": []}])
    assert policies[0].description == "Within the hour"
    tpl = desk.create_template("T", "x")
    assert tpl.updated_at is None
    assert desk.update_template(tpl, "T", "y").updated_at is not None


def test_update_changes_several_fields_in_one_write(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "s", "d")
    u = desk.update_ticket(t, subject="Refund", priority="high", assignee="bob", status="in_progress",
                           expected_version=t.version)
    assert (u.subject, u.priority, u.assignee, u.status.value, u.version) == (
        "Refund", "high", "bob", "in_progress", t.version + 1)
    with pytest.raises(ticketry.InvalidTransitionError):
        desk.update_ticket(t, priority="low", status="new")
    assert desk.get_ticket(t) == u  # all or nothing
    assert desk.update_ticket(t, unassign=True).assignee is None


def test_automation_rules(desk) -> None:  # type: ignore[no-untyped-def]
    tpl = desk.create_template("Ack", "We got {{ ticket.number }} ({{ ticket.priority }})")
    rules = desk.set_rules([
        ticketry.Rule(
            name="Payments",
            on=(ticketry.Trigger.TICKET_CREATED,),
            conditions=({"words": ["payment", "оплата"]},),
            actions=({"set_priority": "high"}, {"add_tag": "billing"}, {"reply": tpl.id}, {"emit": "notify:payments"}),
        ),
        {"name": "Never", "on": ["ticket_created"], "actions": [{"add_tag": "never"}], "active": False},
    ])
    assert [r.name for r in desk.list_rules()] == ["Payments", "Never"] == [r.name for r in rules]
    t = desk.open_ticket(7, "Не проходит оплата", "Карта отклонена")
    assert (t.priority, t.tags) == ("high", ("billing",))
    reply = desk.thread(t, "customer").messages[1]
    assert reply.body == f"We got {t.number} (high)" and reply.kind == ticketry.MessageKind.SYSTEM
    kinds = [e.type for e in desk.events(limit=100) if e.ticket_id == t.id]
    assert "automation.applied" in kinds and "automation.event" in kinds
    with pytest.raises(ticketry.InvalidInputError) as e:
        desk.set_rules([{"name": "Bad", "on": ["ticket_created"], "actions": [{"set_priority": "p9"}]}])
    assert e.value.field == "rules[0].actions[0]"
    with pytest.raises(ticketry.InvalidInputError) as e:
        desk.set_rules([{"name": "Bad", "on": ["ticket_created"], "actions": [{"sett_priority": "high"}]}])
    assert e.value.field is not None and e.value.field.startswith("rules[0].actions[0]")
    assert len(desk.list_rules()) == 2  # nothing saved


def test_sla_breach_escalates_to_the_policy_team(clocked) -> None:  # type: ignore[no-untyped-def]
    helpdesk, clock = clocked
    d = helpdesk.workspace(helpdesk.create_workspace("Esc", "esc-" + str(id(clock))))
    d.put_customer(7, "Alice")
    d.put_agent("bob", "Bob")
    team = d.create_team("Escalations", members=["bob"])
    d.set_sla_policies([{"name": "Fast", "targets": [{"priority": "medium", "first_response": timedelta(hours=1)}],
                         "escalate_to": team.id}])
    t = d.open_ticket(7, "slow", "help")
    d.sla_sweep(t.created_at + timedelta(hours=2))
    assert d.get_ticket(t).team == team.id
    assert d.assignment_history(t)[-1].action == ticketry.AssignmentAction.ESCALATED


def test_queue_filters(desk) -> None:  # type: ignore[no-untyped-def]
    a = desk.open_ticket(7, "A", "d", priority="high", links=["order:8812"])
    b = desk.open_ticket(7, "B", "d", priority="low")
    assert [t.subject for t in desk.list_tickets(priorities=["high", "low"]).items] == ["B", "A"]
    assert [t.subject for t in desk.list_tickets(link="order:8812").items] == ["A"]
    assert [t.subject for t in desk.list_tickets(created_since=b.created_at).items][-1] == "B"
    assert desk.list_tickets(breached=True).items == ()
    assert [t.id for t in desk.list_tickets(rated=False, statuses=["new"]).items] == [b.id, a.id]


def test_bulk_update(desk) -> None:  # type: ignore[no-untyped-def]
    a = desk.open_ticket(7, "A", "d")
    b = desk.open_ticket(7, "B", "d")
    desk.close(b)
    out = desk.bulk_update([a, b.id], priority="urgent", status="in_progress")
    assert (out[0].updated.priority, out[0].error) == ("urgent", None)
    assert (out[1].updated, out[1].error.code) == (None, "invalid_transition")
    with pytest.raises(InvalidInputError) as e:
        desk.bulk_update([a, a], priority="low")
    assert e.value.field == "tickets[1]"


def test_dashboard(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "A", "d")
    desk.reply(t, "bob", "On it")
    d = desk.dashboard()
    assert (d.active, d.created_today, d.unassigned) == (1, 1, 1)
    assert d.avg_first_response is not None and d.avg_first_response >= timedelta(0)
    assert d.day_start <= d.at


def test_export_tickets_csv(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "=SUM(A1), please", "d", priority="high")
    csv = desk.export_tickets_csv(query={"priorities": ["high"]})
    header, first, end = csv.split("\r\n")
    assert header.startswith("number,subject,status") and end == ""
    assert first.startswith(f"{t.number},\"'=SUM(A1), please\",new,high,")
    # Chosen columns, a BOM, page by page.
    u = desk.open_ticket(7, "Second", "d")
    page = desk.export_tickets_csv_page(query={"limit": 1}, columns=["number", "status"], bom=True)
    assert page.csv == f"\ufeffnumber,status\r\n{u.number},new\r\n"
    last = desk.export_tickets_csv_page(query={"limit": 1, "after": page.next_cursor}, columns=["number", "status"])
    assert (last.csv, last.next_cursor) == (f"{t.number},new\r\n", None)
    with pytest.raises(InvalidInputError) as e:
        desk.export_tickets_csv(columns=["number", "nope"])
    assert e.value.field == "columns[1]"
    # Bulk by query: tags added, then removed.
    out = desk.bulk_update(query={"statuses": ["new"]}, add_tags=["wave"], by=ticketry.Actor.agent("bob"))
    assert [o.updated.tags for o in out] == [("wave",), ("wave",)]
    assert desk.list_tickets(tag="wave").items != ()
    desk.bulk_update([t.id, u.id], remove_tags=["wave"], by=ticketry.Actor.agent("bob"))
    assert desk.list_tickets(tag="wave").items == ()


def test_metrics_daily_stats_and_merge(clocked) -> None:  # type: ignore[no-untyped-def]
    helpdesk, clock = clocked
    d = helpdesk.workspace(helpdesk.create_workspace("Metrics", new_slug("metrics")))
    d.put_customer(7, "Alice")
    d.put_agent("bob", "Bob")
    start = clock.now()
    a = d.open_ticket(7, "Printer jams", "Page 2", priority="high")
    clock.advance(timedelta(hours=2))
    d.reply(a, "bob", "Rear tray?", status="pending")
    clock.advance(timedelta(hours=1))
    d.resolve(a, by=ticketry.Actor.agent("bob"))
    d.rate(a, 4, by=ticketry.Actor.customer(7))
    b = d.open_ticket(7, "Printer again", "Same", priority="low")
    end = clock.now() + timedelta(minutes=1)
    m = d.metrics(start, end, interval="day", group_by="priority")
    t = m.totals
    assert (t.created, t.resolved, t.backlog, t.csat.responses) == (2, 1, 1, 1)
    assert (t.first_response.median, t.resolution.mean) == (timedelta(hours=2), timedelta(hours=3))
    assert t.waiting_on_customer.mean == timedelta(hours=1)
    assert t.csat.distribution == (0, 0, 0, 1, 0)
    assert sorted(g.key for g in m.groups) == ["high", "low"]
    assert sum(g.figures.created for g in m.groups) == t.created
    csv = d.export_metrics_csv(start, end)
    assert csv.split("\r\n")[1].startswith(",,2,1,0,0,1,1,7200,")
    with pytest.raises(InvalidInputError) as e:
        d.metrics(end, start)
    assert e.value.field == "until"
    # Daily statistics: once per local day.
    clock.advance(timedelta(days=1))
    day = d.record_daily_stats()
    assert day.figures.created == 2
    assert d.record_daily_stats(day=day.day) == day
    assert d.daily_stats(day.day, day.day) == [day]
    # Merging: b's thread lands in a, b closes and points to a.
    merged = d.merge_tickets(b, a, "bob")
    assert merged.id == a.id
    thread = d.thread(a).messages
    assert [m.body for m in thread][-1] == "Same" and thread[-1].merged_from == b.id
    assert d.get_ticket(b).merged_into == a.id
    with pytest.raises(InvalidInputError):
        d.merge_tickets(a, a, "bob")


def test_import_tickets(desk) -> None:  # type: ignore[no-untyped-def]
    """django-helpdesk's rows, as a migration script reads them: ids kept, history replayed."""
    opened = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)
    landed = desk.import_tickets([
        {
            "seq": 42,
            "customer": "7",
            "subject": "Refund",
            "description": "Please refund order 8812",
            "created_at": opened,
            "status": "closed",
            "resolved_at": opened + timedelta(hours=3),
            "messages": [
                {"kind": "reply", "agent": "bob", "body": "Done", "created_at": opened + timedelta(hours=2)},
            ],
            "satisfaction": {"rating": 5, "comment": None, "rated_at": opened + timedelta(days=1)},
        },
        ImportTicket("7", "Printer", "Jams", opened, number="HD-43", seq=43),
    ])
    assert [(x.seq, x.number) for x in landed] == [(42, "TKT-2024-00042"), (43, "HD-43")]
    t = desk.get_ticket(landed[0].id)
    assert (t.status, t.created_at, t.first_response_at) == ("closed", opened, opened + timedelta(hours=2))
    assert t.closed_at == opened + timedelta(hours=3) and t.satisfaction.rating == 5
    assert [m.body for m in desk.thread(t).messages] == ["Please refund order 8812", "Done"]
    assert desk.events() == [] and desk.open_ticket(7, "New", "d").seq == 44
    with pytest.raises(InvalidInputError) as e:
        desk.import_tickets([{"customer": "7", "subject": "s", "description": "d", "created_at": opened,
                              "messages": [{"kind": "note", "body": "x", "created_at": opened}]}])
    assert e.value.field == "tickets[0].messages[0].agent"
    with pytest.raises(AlreadyExistsError):
        desk.import_tickets([ImportTicket("7", "Again", "d", opened, seq=42)])
