"""SLA policies, clocks on tickets, the sweep and the explain trace."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from conftest import START, new_slug
from ticketry import (
    AlertKind,
    Calendar,
    ClockStatus,
    InvalidInputError,
    NotFoundError,
    PolicyConditions,
    PolicyTarget,
    SlaMetric,
    PolicyInput,
    Status,
)

BERLIN = {
    "timezone": "Europe/Berlin",
    "weekly": {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-04-03"],
}


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=timezone.utc)


def business_policy(**kw) -> SlaPolicy:  # type: ignore[no-untyped-def]
    return PolicyInput(
        "Business hours",
        (PolicyTarget("medium", first_response=timedelta(hours=2), next_response=timedelta(hours=4),
                      resolution=timedelta(hours=16)),),
        calendar=BERLIN,
        warning={"before": timedelta(minutes=30)},
        **kw,
    )


def test_policies_round_trip(desk) -> None:  # type: ignore[no-untyped-def]
    cat = desk.create_category("Billing")
    vip = PolicyInput(
        "VIP",
        (PolicyTarget("high", first_response=timedelta(minutes=30)),),
        conditions=PolicyConditions(priorities=("high",), categories=(cat.id,), channels=("email",),
                                    tags=("vip",), customer_tiers=("gold",)),
        calendar=Calendar.from_json(BERLIN),
        warning={"percent": 50},
        pause_on=(Status.ON_HOLD,),
    )
    saved = desk.set_sla_policies([vip, business_policy(active=False), {"name": "Dict", "targets": []}])
    assert [p.name for p in saved] == ["VIP", "Business hours", "Dict"]
    assert all(p.id for p in saved)
    assert saved[0].conditions.channels == ("email",) and saved[0].warning == {"percent": 50}
    assert saved[0].calendar == Calendar.from_json(BERLIN).config
    assert saved[1].warning == {"before": timedelta(minutes=30)} and not saved[1].active
    assert saved[2].pause_on == (Status.PENDING, Status.ON_HOLD) and saved[2].calendar is None
    assert desk.list_sla_policies() == saved
    assert desk.set_sla_policies(saved) == saved  # what comes out goes back in


def test_policy_errors_name_the_field(desk) -> None:  # type: ignore[no-untyped-def]
    bad = {**BERLIN, "weekly": {"mon": [["17:00", "09:00"]]}}
    with pytest.raises(InvalidInputError) as e:
        desk.set_sla_policies([business_policy(), PolicyInput("Bad", (), calendar=bad)])
    assert e.value.field == "policies[1].calendar.weekly.mon[0]"
    with pytest.raises(InvalidInputError) as e:
        desk.set_sla_policies([PolicyInput("P", (PolicyTarget("medium", resolution=timedelta(0)),))])
    assert e.value.field == "policies[0].targets[0].resolution"
    with pytest.raises(InvalidInputError) as e:
        desk.set_sla_policies([PolicyInput("P", (), warning={"percent": 150})])
    assert e.value.field == "policies[0].warning"


def test_clocks_sweep_and_explain(clocked) -> None:  # type: ignore[no-untyped-def]
    helpdesk, clock = clocked
    desk = helpdesk.workspace(helpdesk.create_workspace("SLA", new_slug("sla")))
    desk.put_customer(7, "Alice")
    desk.put_agent("bob", "Bob")
    desk.set_sla_policies([business_policy()])
    t = desk.open_ticket(7, "Broken", "Help")  # Monday 09:00 Berlin
    first = t.sla.clock(SlaMetric.FIRST_RESPONSE)
    assert first.status is ClockStatus.RUNNING and first.target == timedelta(hours=2)
    assert first.due_at == utc(2026, 3, 2, 10, 0)  # 11:00 Berlin
    assert t.sla.clock("resolution").due_at == utc(2026, 3, 4, 10, 0)  # 7 + 7 + 2 business hours

    assert desk.sla_sweep(utc(2026, 3, 2, 9, 0)).alerts == ()
    clock.set(utc(2026, 3, 2, 9, 40))
    report = desk.sla_sweep()  # the desk's clock
    assert [(a.metric, a.kind) for a in report.alerts] == [(SlaMetric.FIRST_RESPONSE, AlertKind.WARNING)]
    assert report.alerts[0].number == t.number and report.examined >= 1
    assert desk.sla_sweep().alerts == ()  # recorded once
    clock.set(utc(2026, 3, 2, 10, 5))
    breached = desk.sla_sweep().alerts
    assert [(a.metric, a.kind, a.due_at) for a in breached] == [
        (SlaMetric.FIRST_RESPONSE, AlertKind.BREACHED, utc(2026, 3, 2, 10, 0))
    ]
    assert "sla.breached" in [e.type for e in desk.events()]

    desk.reply(t, "bob", "Looking", status="pending")  # pauses the resolution clock
    paused = desk.get_ticket(t).sla.clock(SlaMetric.RESOLUTION)
    assert paused.status is ClockStatus.PAUSED and paused.pauses[0].to is None
    clock.advance(timedelta(hours=3))
    desk.customer_message(t, 7, "Still broken")  # resumes; due moves by the paused business time
    resumed = desk.get_ticket(t).sla.clock(SlaMetric.RESOLUTION)
    assert resumed.status is ClockStatus.RUNNING and resumed.due_at > utc(2026, 3, 4, 10, 0)

    ex = desk.explain_sla(t, "resolution")
    assert ex.metric is SlaMetric.RESOLUTION and ex.policy_name == "Business hours"
    assert ex.timezone == "Europe/Berlin" and ex.due_at == resumed.due_at
    assert ex.pauses and ex.segments and ex.lines[-1].startswith("due at")
    assert ex.consumed + ex.remaining == timedelta(hours=16)


def test_void_clock_and_kept_miss(clocked) -> None:  # type: ignore[no-untyped-def]
    helpdesk, clock = clocked
    desk = helpdesk.workspace(helpdesk.create_workspace("Void", new_slug("void")))
    desk.put_customer(7, "Alice")
    desk.put_agent("bob", "Bob")
    hour = timedelta(hours=1)
    desk.set_sla_policies([PolicyInput("Medium answers", (PolicyTarget("medium", first_response=hour,
                                                                       next_response=hour),
                                                          PolicyTarget("low")))])
    # A first response while no target applies: void, neither met nor breached.
    quiet = desk.open_ticket(7, "Quiet", "Help")
    desk.set_priority(quiet, "low", by={"type": "agent", "id": "bob"})
    with pytest.raises(NotFoundError):
        desk.explain_sla(quiet, "first_response")
    clock.advance(3 * hour)
    desk.reply(quiet, "bob", "Here")
    assert desk.get_ticket(quiet).sla.clock("first_response").status is ClockStatus.VOID
    # A late next response stays on record when the customer writes again.
    t = desk.open_ticket(7, "Loud", "Help")
    desk.reply(t, "bob", "Hi")
    desk.customer_message(t, 7, "Still broken")
    clock.advance(2 * hour)
    desk.sla_sweep()
    desk.reply(t, "bob", "Sorry")
    desk.customer_message(t, 7, "Again")
    clocks = [(c.metric, c.status) for c in desk.get_ticket(t).sla.clocks if c.metric is SlaMetric.NEXT_RESPONSE]
    assert clocks == [(SlaMetric.NEXT_RESPONSE, ClockStatus.RUNNING), (SlaMetric.NEXT_RESPONSE, ClockStatus.BREACHED)]
    assert desk.get_ticket(t).sla.clock("next_response").status is ClockStatus.RUNNING
    assert [x.id for x in desk.list_tickets(breached=True).items] == [t.id]
