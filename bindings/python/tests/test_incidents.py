"""Incidents, the service status, access recovery and health."""

from datetime import datetime, timedelta, timezone

import pytest
import ticketry
from conftest import new_slug


def _desk(clocked):  # type: ignore[no-untyped-def]
    helpdesk, clock = clocked
    d = helpdesk.workspace(helpdesk.create_workspace("Ops", new_slug("ops")))
    d.put_customer(7, "Alice")
    d.put_customer(8, "Bob")
    d.put_agent("ann", "Ann")
    return helpdesk, d, clock


def test_incident_lifecycle(clocked) -> None:  # type: ignore[no-untyped-def]
    helpdesk, d, clock = _desk(clocked)
    assert helpdesk.health().round_trip_us >= 0
    payments = d.create_category("Payments", code="payment")
    assert d.service_status().state == ticketry.ServiceState.OPERATIONAL
    i = d.declare_incident("Payments down", message="Card payments fail; we are on it",
                           severity="critical", categories=[payments.id], by=ticketry.Actor.agent("ann"))
    status = d.service_status()
    assert (status.state, status.banner) == (ticketry.ServiceState.MAJOR_OUTAGE, "Card payments fail; we are on it")
    t = d.open_ticket(7, "card declined", "x", category=payments.id)
    assert t.incident is not None and t.incident.id == i.id and t.incident.open
    d.post_incident_update(i, "Fix deployed")
    assert d.service_status().banner == "Fix deployed"
    clock.advance(timedelta(minutes=30))
    done = d.resolve_incident(i, "Payments work again", resolve_tickets=True)
    assert done.status == ticketry.IncidentStatus.RESOLVED
    after = d.get_ticket(t)
    assert after.status == ticketry.Status.RESOLVED
    assert [m.body for m in d.thread(t).messages if m.kind == ticketry.MessageKind.SYSTEM] == ["Payments work again"]
    figures = d.incident_figures(i)
    assert (figures.linked_tickets, figures.duration) == (1, timedelta(minutes=30))
    with pytest.raises(ticketry.InvalidTransitionError):
        d.resolve_incident(i, "again")
    assert [x.id for x in d.list_incidents()] == [i.id]
    assert list(d.list_incidents(open_only=True)) == []


def test_access_recovery(clocked) -> None:  # type: ignore[no-untyped-def]
    _, d, clock = _desk(clocked)
    r = d.request_access("password_reset", customer=7, expires_in=timedelta(hours=1),
                         verification={"method": "email_link", "checked": ["email matches"]},
                         by=ticketry.Actor.customer(7))
    assert r.status == ticketry.AccessStatus.PENDING
    assert r.verification is not None and r.verification.method == "email_link"
    agent = ticketry.Actor.agent("ann")
    d.decide_access(r, "in_review", by=agent)
    with pytest.raises(ticketry.InvalidInputError) as e:
        d.decide_access(r, "rejected", by=agent)
    assert e.value.field == "note"
    ok = d.decide_access(r, "approved", note="ID checked", by=agent)
    assert (ok.status, ok.reason) == (ticketry.AccessStatus.APPROVED, "ID checked")
    with pytest.raises(ticketry.InvalidTransitionError):
        d.decide_access(r, "approved", by=agent)
    events = [e for e in d.events(limit=100) if e.type == "access.approved"]
    assert [e.data["request"] for e in events] == [r.id]
    late = d.request_access("account_unlock", customer=7, expires_in=timedelta(hours=1))
    clock.advance(timedelta(hours=1))
    with pytest.raises(ticketry.InvalidTransitionError):
        d.decide_access(late, "approved", by=agent)
    report = d.run_automations()
    assert report.expired_access_requests == (late.id,)
    for _ in range(3):
        d.request_access("two_factor_reset", customer=8)
    with pytest.raises(ticketry.ConflictError):
        d.request_access("two_factor_reset", customer=8)
    with pytest.raises(ticketry.InvalidInputError) as e:
        d.request_access("two_factor_reset")
    assert e.value.field == "contact"
    assert len(d.list_access_requests(customer=8)) == 3


def test_search(desk) -> None:  # type: ignore[no-untyped-def]
    a = desk.open_ticket(7, "Payment failed", "My card was declined twice")
    b = desk.open_ticket(7, "Не проходит платёж", "Платежи картой не работают")
    desk.add_note(b, "bob", "secret refund")
    hits = desk.search_tickets("payments")
    assert [h.ticket.id for h in hits.items] == [a.id]
    assert desk.search_tickets("declined").items[0].snippet == "My card was [declined] twice"
    assert [t.id for t in desk.list_tickets(search="платежи").items] == [b.id]
    assert desk.search_tickets("secret").items == ()
    assert [h.ticket.id for h in desk.search_tickets("secret", search_notes=True).items] == [b.id]
    assert [h.ticket.id for h in desk.search_tickets(b.number).items][0] == b.id
    assert desk.search_tickets("pay* -card").items == ()
    with pytest.raises(ticketry.InvalidInputError) as e:
        desk.search_tickets("x" * 10_000)
    assert e.value.field == "search"
    # Relevance: words in the subject or description count twice those in
    # messages; ties newest first.
    c = desk.open_ticket(7, "Card declined", "Again")
    desk.reply(a, "bob", "Declined by the bank")
    assert [h.ticket.id for h in desk.search_tickets("declined").items] == [c.id, a.id]
    assert [h.ticket.id for h in desk.search_tickets("declined", order="relevance").items] == [a.id, c.id]
    page = desk.search_tickets("declined", order="relevance", limit=1)
    assert [h.ticket.id for h in desk.search_tickets("declined", order="relevance", after=page.next_cursor).items] == [c.id]
    with pytest.raises(ticketry.InvalidInputError) as e:
        desk.list_tickets(order="relevance")
    assert e.value.field == "order"
    # Customers by name, e-mail or id.
    assert {t.id for t in desk.list_tickets(search="alice@example.com").items} == {a.id, b.id, c.id}


def test_knowledge_base(desk) -> None:  # type: ignore[no-untyped-def]
    faq = desk.create_kb_category("faq", "FAQ", faq=True)
    en = desk.create_article("reset-password", "How do I reset my password?", "Open **Settings**.",
                             category=faq.id, language="en", status="published")
    assert "<strong>Settings</strong>" in en.html
    ru = desk.create_article("sbros", "Как сбросить пароль?", "Откройте настройки.", language="ru",
                             status="published", translation_of=en.id)
    assert [h.article.id for h in desk.search_articles("пароли", "ru")] == [ru.id]
    assert desk.read_article("reset-password", "ru", fallback="en").id == ru.id
    assert [h.article.id for h in desk.suggest_articles("reset my password", "en").articles] == [en.id]
    # Deflection: what a customer was shown, and the ticket opened anyway.
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    shown = desk.suggest_articles("forgot password", "en", shown_to=7)
    assert shown.id is not None
    t = desk.open_ticket(7, "Still locked out", "Help", suggestions=shown.id)
    assert desk.get_suggestions(shown.id).ticket == t.id
    desk.suggest_articles("reset password", "en", shown_to=7)
    report = desk.deflection_report(since, datetime.now(timezone.utc) + timedelta(minutes=1))
    assert (report.shown, report.tickets_opened, report.deflection_rate) == (2, 1, 0.5)
    assert [(a.article, a.shown, a.tickets_opened) for a in report.articles] == [(en.id, 2, 1)]
    with pytest.raises(ticketry.NotFoundError):
        desk.open_ticket(7, "x", "y", suggestions="00000000-0000-0000-0000-000000000000")
    assert desk.vote_article(en, "u1", True).helpful == 1
    assert desk.vote_article(en, "u1", False).not_helpful == 1
    assert [a.id for a in desk.list_articles(filter={"faq": True})] == [en.id]
    with pytest.raises(ticketry.AlreadyExistsError):
        desk.create_article("reset-password", "Dup", "x", language="en")
