"""Automatic assignment, time rules, presets and run_automations."""

from datetime import timedelta

import pytest
import ticketry
from conftest import new_slug


def _desk(clocked):  # type: ignore[no-untyped-def]
    helpdesk, clock = clocked
    d = helpdesk.workspace(helpdesk.create_workspace("Auto", new_slug("auto")))
    d.put_customer(7, "Alice")
    return d, clock


def test_least_loaded_with_capacity_and_backlog(clocked) -> None:  # type: ignore[no-untyped-def]
    d, clock = _desk(clocked)
    d.put_agent("ann", "Ann", capacity=1)
    d.put_agent("bob", "Bob", capacity=1)
    team = d.create_team("Billing", members=["ann", "bob"], strategy=ticketry.Strategy.LEAST_LOADED)
    assert team.strategy == ticketry.Strategy.LEAST_LOADED
    first = d.open_ticket(7, "one", "x", team=team.id)
    second = d.open_ticket(7, "two", "x", team=team.id)
    assert {first.assignee, second.assignee} == {"ann", "bob"}
    waiting = d.open_ticket(7, "three", "x", team=team.id)
    assert waiting.assignee is None
    assert "assignment.queued" in [e.type for e in d.events(limit=100) if e.ticket_id == waiting.id]
    assert first.assignee is not None
    d.resolve(first, by=ticketry.Actor.agent(first.assignee))
    assert d.get_ticket(waiting).assignee == first.assignee
    reason = d.assignment_history(waiting)[-1].reason
    assert reason == "least_loaded: 0/1 open in team Billing"


def test_presets_and_run_automations(clocked) -> None:  # type: ignore[no-untyped-def]
    d, clock = _desk(clocked)
    d.put_agent("ann", "Ann")
    rules = d.add_preset({"auto_close": {"after": timedelta(days=3)}})
    assert [r.name for r in rules] == ["Close resolved tickets after 3 days"]
    assert rules[0].after is not None and rules[0].after.since == ticketry.Since.RESOLVED
    d.add_preset({"rating_reminder": {}})
    t = d.open_ticket(7, "printer", "jammed")
    d.reply(t, "ann", "fixed")
    resolved = d.resolve(t, by=ticketry.Actor.agent("ann"))
    assert resolved.timers.due == resolved.resolved_at + timedelta(days=2)
    report = d.run_automations(resolved.resolved_at + timedelta(days=2))
    assert [f.rule for f in report.fired] == ["Remind to rate 2 days after resolution"]
    assert d.run_automations(resolved.resolved_at + timedelta(days=2)).fired == ()
    report = d.run_automations(resolved.resolved_at + timedelta(days=3))
    assert [f.number for f in report.fired] == [t.number]
    assert d.get_ticket(t).status == ticketry.Status.CLOSED
    kinds = [e.type for e in d.events(limit=100) if e.ticket_id == t.id]
    assert kinds.count("ticket.rating_reminder") == 1


def test_bad_time_rules_are_refused(clocked) -> None:  # type: ignore[no-untyped-def]
    d, _ = _desk(clocked)
    with pytest.raises(ticketry.InvalidInputError) as e:
        d.set_rules([{"name": "x", "after": {"since": "resolved", "after": timedelta(seconds=5)},
                      "actions": [{"set_status": "closed"}]}])
    assert e.value.field == "rules[0].after.after"
    with pytest.raises(ticketry.InvalidInputError) as e:
        d.set_rules([{"name": "x", "after": {"since": "resolvd", "after": timedelta(hours=1)},
                      "actions": [{"set_status": "closed"}]}])
    assert e.value.field is not None and e.value.field.startswith("rules[0].after.since")
    with pytest.raises(ticketry.InvalidInputError):
        d.add_preset({"auto_clos": {}})
    with pytest.raises(ticketry.NotFoundError):
        d.add_preset({"escalate_open": {"team": "0190a0a0-0000-7000-8000-000000000000"}})
    assert list(d.list_rules()) == []
