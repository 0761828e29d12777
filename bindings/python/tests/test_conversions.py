"""Datetimes, durations, ids, enums, result objects."""

from __future__ import annotations

import pickle
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from ticketry import (
    Actor,
    ActorType,
    Calendar,
    Channel,
    Helpdesk,
    InvalidInputError,
    Link,
    ManualClock,
    Priority,
    Status,
    Ticket,
    WorkspaceSettings,
)

IST = timezone(timedelta(hours=5, minutes=30))


def test_aware_datetime_any_offset_in_utc_out() -> None:
    cal = Calendar.always_open()
    start = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=IST)
    out = cal.add(start, timedelta(0))
    assert out == start
    assert out.tzinfo is timezone.utc
    assert out == datetime(2026, 3, 2, 3, 45, 30, 123456, tzinfo=timezone.utc)
    assert out.microsecond == 123456


def test_zoneinfo_datetimes_are_accepted() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    cal = Calendar.always_open()
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=berlin)  # CEST, +02:00
    assert cal.add(summer, timedelta(0)) == datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)


def test_naive_datetime_is_a_clear_error() -> None:
    cal = Calendar.always_open()
    with pytest.raises(InvalidInputError) as e:
        cal.add(datetime(2026, 3, 2, 9, 0), timedelta(hours=1))
    assert e.value.field == "start"
    assert "naive" in str(e.value)
    assert isinstance(e.value, ValueError)


def test_wrong_types_are_invalid_input_naming_the_argument() -> None:
    cal = Calendar.always_open()
    t = datetime(2026, 3, 2, tzinfo=timezone.utc)
    cases = [
        (lambda: cal.add("2026-03-02", timedelta(hours=1)), "start", "aware datetime"),
        (lambda: cal.add(t, 3600), "duration", "timedelta"),
        (lambda: cal.between(t, None), "b", "got NoneType"),
        (lambda: cal.is_open(1.5), "t", "got float"),
        (lambda: cal.add_many(5), "items", "sequence"),
        (lambda: cal.add_many("ab"), "items", "single str"),
        (lambda: cal.add_many([t]), "items", "2-tuples"),
        (lambda: cal.add_many([(t, timedelta(1)), (t, 60)]), "items[1][1]", "timedelta"),
        (lambda: cal.between_many([(t, t), ("x", t)]), "ranges[1][0]", "aware datetime"),
        (lambda: Calendar.from_json(42), "config", "JSON str"),
        (lambda: Calendar.with_window(3.0, date(2026, 1, 1), 1), "config", "JSON str"),
        (lambda: Calendar.with_window("{}", "2026-01-01", 1), "first_day", "must be a datetime.date, got str"),
        (lambda: Calendar.with_window("{}", t, 1), "first_day", "got datetime"),
        (lambda: ManualClock("now"), "start", "aware datetime"),
        (lambda: ManualClock(t).advance(60), "d", "timedelta"),
        (lambda: ManualClock(datetime(1969, 12, 31, tzinfo=timezone.utc)), "start", "supported range"),
        (lambda: ManualClock(t).set(datetime(1, 1, 1, tzinfo=timezone.utc)), "t", "supported range"),
        (lambda: Helpdesk.in_memory(clock=t), "clock", "ManualClock"),
        (lambda: Helpdesk.connect(5), "url", "must be a str, got int"),
        (lambda: Helpdesk.connect("memory:", schema=5), "schema", "must be a str"),
        (lambda: Helpdesk.connect("memory:", temporary="yes"), "temporary", "must be a bool"),
        (lambda: Helpdesk.connect("memory:", max_connections=10**9), "max_connections", "1 to 1000"),
        (lambda: Helpdesk.connect("memory:", max_connections=0), "max_connections", "1 to 1000"),
        (lambda: Helpdesk.connect("memory:", statement_timeout=timedelta(microseconds=500)), "statement_timeout", "1 ms"),
        (lambda: Helpdesk.connect("memory:", statement_timeout=timedelta(days=30)), "statement_timeout", "24 days"),
    ]
    for call, field, words in cases:
        with pytest.raises(InvalidInputError) as e:
            call()  # type: ignore[no-untyped-call]
        assert (e.value.field, words in e.value.reason) == (field, True), e.value


def test_timedelta_round_trips_through_priorities(desk) -> None:  # type: ignore[no-untyped-def]
    p = Priority("p9", "Sev 9", 9, first_response=timedelta(minutes=7, seconds=30), resolution=timedelta(days=2, hours=3))
    saved = {x.code: x for x in desk.put_priority(p)}["p9"]
    assert saved == p
    assert saved.first_response == timedelta(seconds=450)


def test_datetimes_from_the_desk_are_utc(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "Hi", "There")
    assert t.created_at.tzinfo is timezone.utc
    assert t.sla.clocks[0].due_at.tzinfo is timezone.utc
    assert t.sla.clocks[0].target == timedelta(hours=8)


def test_ids_accept_str_int_uuid_and_objects(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "Hi", "There")
    assert desk.get_ticket(t) == t
    assert desk.get_ticket(t.id) == t
    assert desk.get_ticket(uuid.UUID(t.id)) == t
    assert desk.get_customer(7).id == "7"
    assert desk.get_customer("7") == desk.get_customer(desk.get_customer(7))
    with pytest.raises(InvalidInputError) as e:
        desk.get_ticket("not-a-uuid")
    assert e.value.field == "ticket"
    with pytest.raises(InvalidInputError) as e:
        desk.get_ticket(3.5)
    assert e.value.field == "ticket"


def test_enums_are_str_valued() -> None:
    assert Status.IN_PROGRESS == "in_progress"
    assert isinstance(Status.OPEN, str)
    assert f"{Status.OPEN}" == "open" and str(Channel.EMAIL) == "email"
    assert Status("closed") is Status.CLOSED
    assert Status.OPEN.is_active and not Status.CLOSED.is_active


def test_results_have_readable_repr_and_value_equality(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "Cannot log in", "It says 403")
    r = repr(t)
    assert r.startswith("Ticket(") and "TKT-" in r and "Cannot log in" in r
    assert "sla=" not in r  # bulky fields stay out of the repr
    again = desk.get_ticket(t.id)
    assert again == t and again is not t
    assert isinstance(t, Ticket)
    with pytest.raises(Exception):
        t.subject = "changed"  # type: ignore[misc]  # frozen
    assert repr(Actor.agent(5)) == "Actor(type=<ActorType.AGENT: 'agent'>, id='5')"
    assert Actor.system().type is ActorType.SYSTEM


def test_link_and_settings_values() -> None:
    assert str(Link.parse("order:8812")) == "order:8812"
    assert Link("order", "1") == Link.parse("order:1")
    assert WorkspaceSettings().reopen_window == timedelta(days=7)


def test_exceptions_pickle_with_their_details() -> None:
    cal = Calendar.always_open()
    with pytest.raises(InvalidInputError) as e:
        cal.add(datetime(2026, 1, 1), timedelta(0))
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is InvalidInputError and back.field == "start" and str(back) == str(e.value)


def test_unordered_id_lists_are_refused(desk) -> None:  # type: ignore[no-untyped-def]
    desk.put_agent("a1", "A")
    for members in ({"a1"}, frozenset({"a1"}), {"a1": 0}):
        with pytest.raises(InvalidInputError) as e:
            desk.create_team("T", members=members)
        assert e.value.field == "members"
    assert desk.create_team("T", members=("a1",)).name == "T"
    # Any ordered iterable is a list of ids.
    assert desk.create_team("U", members=(x for x in ["a1"])).name == "U"


def test_due_dates_past_9999_are_none_and_the_ticket_stays_readable() -> None:
    clock = ManualClock(datetime(9999, 12, 31, 20, 0, tzinfo=timezone.utc))
    helpdesk = Helpdesk.in_memory(clock=clock)
    desk = helpdesk.workspace(helpdesk.create_workspace("Late", "late"))
    desk.put_customer("c1", "C")
    t = desk.open_ticket("c1", "s", "d")
    assert [c.due_at for c in t.sla.clocks] == [None] * len(t.sla.clocks)
    assert [x.id for x in desk.list_tickets()] == [t.id]


def test_a_workspace_handle_takes_an_id_not_any_object() -> None:
    helpdesk = Helpdesk.in_memory()
    ws = helpdesk.create_workspace("W", "w")
    assert helpdesk.workspace(ws).id == helpdesk.workspace(uuid.UUID(ws.id)).id == ws.id
    for bad in (None, b"x", 1.5):
        with pytest.raises(InvalidInputError) as e:
            helpdesk.workspace(bad)  # type: ignore[arg-type]
        assert e.value.field == "workspace"


def test_a_callers_own_objects_are_not_values(desk) -> None:  # type: ignore[no-untyped-def]
    """A dataclass of the caller's own is not JSON (it was read as a model,
    its None fields dropped); a tzinfo that fails is named, not raised raw."""
    import dataclasses

    @dataclasses.dataclass
    class Mine:
        a: int
        b: object = None

    desk.put_customer("c1", "C")
    with pytest.raises(InvalidInputError) as e:
        desk.open_ticket("c1", "s", "d", custom_fields={"obj": Mine(1)})
    assert e.value.field == "custom_fields.obj"

    from datetime import tzinfo

    class Broken(tzinfo):
        def utcoffset(self, dt: object) -> timedelta:
            raise RuntimeError("boom")

    broken = datetime(2026, 3, 2, tzinfo=Broken())
    for call, field in [(lambda: Calendar.always_open().add(broken, timedelta(0)), "start"), (lambda: ManualClock(broken), "start")]:
        with pytest.raises(InvalidInputError) as e:
            call()
        assert e.value.field == field and "boom" in e.value.reason
