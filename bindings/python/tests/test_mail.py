"""E-mail in and out from Python, on both backends: ingest, threading, notifications."""

from __future__ import annotations

import asyncio

import pytest

from ticketry import InboundOutcome, InvalidInputError, NotificationKind

NEW = (
    b"From: Alice <alice@example.com>\r\nTo: help@acme.example\r\nSubject: Printer\r\n"
    b"Message-ID: <p1@example.com>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain; charset=windows-1251\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=CF=F0=E8=ED=F2=E5=F0 jams.\r\n"
    b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="scan.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
)


def test_ingest_thread_and_notify(desk) -> None:  # type: ignore[no-untyped-def]
    desk.update(settings={"mail": {"address": "help@acme.example"}})
    first = desk.ingest_email(NEW, mailbox="help@acme.example", tags=["mail"])
    assert first.record.outcome is InboundOutcome.CREATED
    assert first.ticket is not None and first.message is not None
    assert (first.ticket.channel, first.ticket.tags) == ("email", ("mail",))
    assert first.message.body == "Принтер jams."
    (part,) = first.parts
    assert (part.filename, part.content, part.size) == ("scan.pdf", b"%PDF-1.4\n", 9)
    assert first.message.attachments[0].storage_key == part.storage_key
    again = desk.ingest_email(bytearray(NEW), mailbox="help@acme.example")
    assert again.duplicate and again.ticket is not None and again.ticket.id == first.ticket.id

    desk.reply(first.ticket, "bob", "Try turning it off and on")
    batch = desk.notifications()
    reply = next(n for n in batch.notifications if n.kind is NotificationKind.CUSTOMER_REPLY)
    assert reply.to.email == "alice@example.com"
    assert first.ticket.number in reply.subject
    assert reply.headers["Reply-To"] == "help@acme.example"
    desk.ack_notifications(batch.cursor)
    assert desk.notifications().notifications == ()
    answer = (
        b"From: alice@example.com\r\nSubject: Re: ok\r\nMessage-ID: <p2@example.com>\r\n"
        b"In-Reply-To: " + reply.message_id.encode() + b"\r\n\r\nWorks!\r\n\r\n> Try turning it\r\n"
    )
    r = desk.ingest_email(answer)
    assert r.record.outcome is InboundOutcome.APPENDED
    assert r.ticket is not None and r.ticket.id == first.ticket.id
    assert r.message is not None and r.message.body == "Works!"
    bounce = b"From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered\r\n\r\nNo such user\r\n"
    assert desk.ingest_email(bounce).record.reason == "bounce"
    assert [m.outcome for m in desk.inbound_mail(outcome="ignored")] == [InboundOutcome.IGNORED]


def test_bad_mail_is_refused(desk) -> None:  # type: ignore[no-untyped-def]
    huge = b"x" * (65 << 20)  # over the arguments' byte budget: refused before copying
    for raw, field in [("From: a@b.c\r\n\r\nx", "raw"), (b"", "raw"), ([1, 2], "raw"), (huge, "raw")]:
        with pytest.raises(InvalidInputError) as e:
            desk.ingest_email(raw)
        assert e.value.field == field
    with pytest.raises(InvalidInputError) as e:
        desk.ingest_email(NEW, mailbox="nobody")
    assert e.value.field == "mailbox"
    with pytest.raises(InvalidInputError) as e:
        desk.update(settings={"mail": {"templates": {"agent.created": {"subject": "{{", "body": "b"}}}})
    assert e.value.field == "settings.mail.templates.agent.created.subject"
    assert desk.inbound_mail() == []


def test_concurrent_deliveries_from_asyncio(desk) -> None:  # type: ignore[no-untyped-def]
    async def deliver() -> list:  # type: ignore[type-arg]
        return list(await asyncio.gather(*(desk.ingest_email_async(NEW) for _ in range(10))))

    results = asyncio.run(deliver())
    assert len({r.ticket.id for r in results}) == 1
    assert any(not r.duplicate for r in results)  # racing deliveries may each say False
    assert len(desk.list_tickets().items) == 1
