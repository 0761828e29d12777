"""Workspaces, settings, events and consumers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import new_slug
from ticketry import Desk, NotFoundError, PriorityPreset, Workspace, WorkspaceSettings


def test_create_get_update(helpdesk) -> None:  # type: ignore[no-untyped-def]
    slug = new_slug()
    settings = WorkspaceSettings(number_format="SUP-{seq:04}", timezone="Europe/Berlin", locale="de", reopen_window=None)
    ws = helpdesk.create_workspace("Pyland", slug, settings=settings, priority_preset=PriorityPreset.P0_TO_P3)
    assert isinstance(ws, Workspace) and ws.slug == slug and ws.settings == settings
    assert helpdesk.get_workspace(ws.id) == ws
    assert helpdesk.get_workspace_by_slug(slug) == ws
    renamed = helpdesk.update_workspace(ws, name="Pyland School")
    assert renamed.name == "Pyland School" and renamed.settings == settings
    d = helpdesk.workspace(ws)
    assert [p.code for p in d.list_priorities()] == ["p3", "p2", "p1", "p0"]
    assert d.info() == renamed
    d.put_customer(1, "A")
    assert d.open_ticket(1, "s", "b").number == "SUP-0001"
    # a mapping changes only the keys it names (as in Node and Rust)
    again = d.update(settings={"timezone": "UTC"})
    assert again.settings == WorkspaceSettings(
        number_format="SUP-{seq:04}", timezone="UTC", locale="de", reopen_window=None
    )
    assert d.update(settings={"reopen_window": timedelta(days=7)}).settings.reopen_window == timedelta(days=7)


def test_no_priority_preset(helpdesk) -> None:  # type: ignore[no-untyped-def]
    d = helpdesk.workspace(helpdesk.create_workspace("Empty", new_slug(), priority_preset="none"))
    assert d.list_priorities() == []


def test_handles(helpdesk) -> None:  # type: ignore[no-untyped-def]
    ws = helpdesk.create_workspace("H", new_slug())
    a, b = helpdesk.workspace(ws), helpdesk.workspace_by_slug(ws.slug)
    assert isinstance(a, Desk) and a == b and hash(a) == hash(b) and a.id == ws.id
    assert ws.id in repr(a)
    with pytest.raises(NotFoundError):
        helpdesk.workspace_by_slug("no-such-workspace")
    with pytest.raises(TypeError):
        Desk(object())  # type: ignore[arg-type]


def test_events_and_consumers(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "s", "b")
    desk.reply(t, "bob", "hello")
    events = desk.events()
    assert [e.type for e in events] == ["ticket.created", "message.added", "status.changed"]
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].data["subject"] == "s" and events[0].actor.id == "7"
    assert events[2].data == {"from": "new", "to": "open"}
    assert desk.events(after=2) == events[2:]
    assert desk.events(limit=1) == events[:1]
    assert desk.consumer_position("mailer") == 0
    desk.ack_events("mailer", 2)
    assert desk.consumer_position("mailer") == 2


def test_backend_properties(helpdesk, backend) -> None:  # type: ignore[no-untyped-def]
    assert helpdesk.backend == backend
    assert (helpdesk.schema is None) == (backend == "memory")
    assert helpdesk.now().tzinfo is not None
    helpdesk.migrate()  # idempotent (a no-op in memory)


def test_connect_picks_the_backend_by_url() -> None:
    from ticketry import Helpdesk, InvalidInputError

    desk = Helpdesk.connect("memory:")
    assert desk.backend == "memory" and desk.schema is None and desk.rls_enforced() is None
    desk.migrate()
    assert desk.create_workspace("M", new_slug()).name == "M"
    with pytest.raises(InvalidInputError) as e:
        Helpdesk.connect("mysql://localhost/app")
    assert e.value.field == "url"
