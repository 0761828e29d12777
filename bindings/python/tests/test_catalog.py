"""Priorities, categories, tags and templates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ticketry import Category, InvalidInputError, Priority, PriorityPreset, Tag, Template


def test_priorities(desk) -> None:  # type: ignore[no-untyped-def]
    assert [p.code for p in desk.list_priorities()] == ["low", "medium", "high", "urgent"]
    mine = [
        Priority("normal", "Normal", 1, is_default=True),
        {"code": "hot", "name": "Hot", "rank": 5, "color": "#ff0000", "first_response": timedelta(hours=1)},
    ]
    saved = desk.set_priorities(mine)
    assert [p.code for p in saved] == ["normal", "hot"]
    assert saved[1] == Priority("hot", "Hot", 5, color="#ff0000", first_response=timedelta(hours=1))
    after = desk.put_priority(Priority("warm", "Warm", 3, is_default=True))
    assert [(p.code, p.is_default) for p in after] == [("normal", False), ("warm", True), ("hot", False)]
    assert desk.list_priorities() == after
    p0 = desk.install_priority_preset(PriorityPreset.P0_TO_P3)
    assert [(p.code, p.first_response) for p in p0][2:] == [("p1", timedelta(hours=2)), ("p0", timedelta(minutes=15))]
    seed002 = desk.install_priority_preset("low_to_critical")  # one resolution target each
    assert [(p.code, p.first_response, p.resolution) for p in seed002] == [
        ("low", None, timedelta(hours=72)), ("medium", None, timedelta(hours=24)),
        ("high", None, timedelta(hours=8)), ("critical", None, timedelta(hours=2)),
    ]
    with pytest.raises(InvalidInputError):
        desk.set_priorities([Priority("a", "A", 1), Priority("a", "B", 2)])


def test_categories(desk) -> None:  # type: ignore[no-untyped-def]
    team = desk.create_team("Billing", members=["bob"])
    parent = desk.create_category("Payments", description="Money", icon="card", position=2)
    child = desk.create_category(
        "Refunds", parent=parent, default_priority="high", default_team=team, default_assignee="bob"
    )
    assert isinstance(child, Category) and child.parent == parent.id and child.active
    assert desk.get_category(child.id) == child
    assert [c.name for c in desk.list_categories()] == ["Refunds", "Payments"]
    updated = desk.update_category(child, "Refunds & chargebacks", parent=parent, active=False)
    assert updated.name == "Refunds & chargebacks" and not updated.active and updated.created_at == child.created_at
    with pytest.raises(InvalidInputError) as e:
        desk.update_category(parent, "Loop", parent=child)
    assert e.value.field == "parent"


def test_routing_by_category(desk) -> None:  # type: ignore[no-untyped-def]
    team = desk.create_team("Tech", members=["bob"])
    cat = desk.create_category("Bugs", default_priority="high", default_team=team, default_assignee="bob")
    t = desk.open_ticket(7, "Crash", "Boom", category=cat)
    assert (t.priority, t.team, t.assignee, t.category) == ("high", team.id, "bob", cat.id)


def test_tags(desk) -> None:  # type: ignore[no-untyped-def]
    assert desk.put_tag("vip", "VIP", color="#00ff00") == Tag("vip", "VIP", "#00ff00")
    desk.put_tag("bug", "Bug")
    assert [t.slug for t in desk.list_tags()] == ["bug", "vip"]
    with pytest.raises(InvalidInputError):
        desk.put_tag("Not A Slug", "x")


def test_templates(desk) -> None:  # type: ignore[no-untyped-def]
    cat = desk.create_category("Access")
    tpl = desk.create_template(
        "Greeting", "Hello {{ customer.name }}, about {{ ticket.number }} ({{ agent.name }})", language="en", categories=[cat]
    )
    assert isinstance(tpl, Template) and tpl.usage_count == 0 and tpl.active
    generic = desk.create_template("Bye", "Bye")
    assert desk.get_template(tpl.id) == tpl
    assert {t.name for t in desk.list_templates()} == {"Greeting", "Bye"}
    assert {t.name for t in desk.list_templates(cat)} == {"Greeting", "Bye"}
    other = desk.create_category("Other")
    assert [t.name for t in desk.list_templates(other)] == ["Bye"]
    t = desk.open_ticket(7, "Locked out", "help")
    text = desk.render_template(tpl, t, agent="bob")
    assert text == f"Hello Alice, about {t.number} (Bob)"
    assert desk.get_template(tpl).usage_count == 1
    updated = desk.update_template(generic, "Bye", "Bye {{ customer.name }}", active=False)
    assert updated.usage_count == 0 and not updated.active
    with pytest.raises(InvalidInputError):
        desk.render_template(updated, t)
    with pytest.raises(InvalidInputError) as e:
        desk.create_template("Broken", "{{ oops ")
    assert e.value.field == "body"
