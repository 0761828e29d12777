"""The asyncio variants."""

from __future__ import annotations

import asyncio
import inspect
from datetime import timedelta

import pytest

from conftest import DATABASE_URL, TEST_ROLE, new_slug
from ticketry import Desk, Helpdesk, InvalidTransitionError, NotFoundError, Status


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_async_variants_are_coroutine_functions() -> None:
    assert inspect.iscoroutinefunction(Desk.open_ticket_async)
    assert inspect.iscoroutinefunction(Helpdesk.create_workspace_async)
    assert not inspect.iscoroutinefunction(Desk.open_ticket)


def test_async_flow(helpdesk) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        ws = await helpdesk.create_workspace_async("Async", new_slug("async"))
        d = await helpdesk.workspace_by_slug_async(ws.slug)
        await d.put_customer_async(7, "Alice")
        await d.put_agent_async("bob", "Bob")
        tickets = await asyncio.gather(*(d.open_ticket_async(7, f"s{i}", "b") for i in range(20)))
        assert sorted(t.seq for t in tickets) == list(range(1, 21))
        t = tickets[0]
        await d.reply_async(t, "bob", "hi")
        await d.add_note_async(t, "bob", "internal")
        thread = await d.thread_async(t, "customer")
        assert [m.kind for m in thread.messages] == ["customer", "reply"]
        closed = await d.close_async(t)
        assert closed.status is Status.CLOSED
        page = await d.list_tickets_async(statuses=["new"], limit=5)
        assert len(page.items) == 5 and page.next_cursor
        stats = await d.ticket_stats_async()
        assert stats.total == 20
        with pytest.raises(NotFoundError):
            await d.get_ticket_async("01900000-0000-7000-8000-000000000000")
        await d.set_status_async(tickets[1], "cancelled")
        with pytest.raises(InvalidTransitionError):
            await d.set_status_async(tickets[1], "open")
        report = await d.sla_sweep_async()
        assert report.alerts == ()

    run(main())


def test_async_context_manager_and_connect() -> None:
    if not DATABASE_URL:
        pytest.skip("DATABASE_URL is not set")

    async def main() -> None:
        async with await Helpdesk.connect_async(
            DATABASE_URL,
            schema="tk_async",
            temporary=True,
            statement_timeout=timedelta(seconds=5),
            role=TEST_ROLE,
        ) as h:
            assert h.backend == "postgres" and h.schema.startswith("tk_async_")
            ws = await h.create_workspace_async("A", "a")
            assert (await h.get_workspace_async(ws.id)) == ws

    run(main())


def test_async_call_needs_no_loop_until_awaited() -> None:
    h = Helpdesk.in_memory()
    coro = h.create_workspace_async("Lazy", "lazy")  # nothing runs yet
    ws = run(coro)
    assert h.get_workspace(ws.id) == ws
