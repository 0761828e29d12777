"""Agents, customers and teams."""

from __future__ import annotations

import pytest

from ticketry import Agent, Customer, InvalidInputError, NotFoundError, Team


def test_agents(desk) -> None:  # type: ignore[no-untyped-def]
    a = desk.put_agent(42, "Carol", email="carol@example.com", capacity=5, available=False)
    assert isinstance(a, Agent) and a.id == "42" and a.capacity == 5 and not a.available and a.active
    again = desk.put_agent(42, "Carol B.", active=False)
    assert again.created_at == a.created_at and not again.active
    assert desk.get_agent(42) == again
    assert [x.id for x in desk.list_agents()] == ["42", "bob"]
    with pytest.raises(NotFoundError):
        desk.get_agent("nobody")
    with pytest.raises(InvalidInputError):
        desk.put_agent("x", "X", email="not-an-email")


def test_customers(desk) -> None:  # type: ignore[no-untyped-def]
    c = desk.put_customer("u-9", "Dan", email="dan@example.com", tier="gold", locale="ru")
    assert c == Customer("u-9", "Dan", "dan@example.com", "gold", "ru", c.created_at, None)
    assert desk.get_customer("u-9") == c
    assert {x.id for x in desk.list_customers()} == {"7", "u-9"}


def test_teams(desk) -> None:  # type: ignore[no-untyped-def]
    desk.put_agent("eve", "Eve")
    team = desk.create_team("Tier 1", description="Front line", lead="eve", members=["bob"])
    assert isinstance(team, Team) and team.members == ("bob", "eve") and team.lead == "eve"
    assert desk.get_team(team.id) == team
    updated = desk.update_team(team, "Tier 1 support", members=["eve"])
    assert updated.members == ("eve",) and updated.lead is None
    assert desk.list_teams() == [updated]
    with pytest.raises(NotFoundError) as nf:
        desk.create_team("Ghosts", members=["casper"])
    assert (nf.value.entity, nf.value.id) == ("agent", "casper")
