"""Fixtures: every test that takes ``helpdesk``/``desk`` runs on both backends.

The Postgres backend needs DATABASE_URL (scripts/test-python.sh requires it;
run ``scripts/pg-throwaway.sh pytest ...`` to get a throwaway server). Without
it the Postgres cases are skipped, unless TICKETRY_REQUIRE_POSTGRES=1, in
which case they fail.
"""

from __future__ import annotations

import gc
import itertools
import os
from datetime import datetime, timezone
from typing import Iterator, Tuple

import pytest

import ticketry
from ticketry import Helpdesk, ManualClock

DATABASE_URL = os.environ.get("DATABASE_URL")
# A role subject to row-level security (scripts/pg-app-role.sh creates it).
TEST_ROLE = os.environ.get("TICKETRY_TEST_ROLE")
_slugs = itertools.count(1)


def _postgres_or_skip() -> str:
    if not DATABASE_URL:
        if os.environ.get("TICKETRY_REQUIRE_POSTGRES") == "1":
            pytest.fail("DATABASE_URL is not set")
        pytest.skip("DATABASE_URL is not set")
    return DATABASE_URL


def connect(clock: "ManualClock | None" = None) -> Helpdesk:
    """A Helpdesk on a fresh temporary schema (dropped when collected)."""
    return Helpdesk.connect(
        _postgres_or_skip(), schema="tk_pytest", temporary=True, clock=clock, role=TEST_ROLE
    )


@pytest.fixture(scope="session")
def _pg_helpdesk() -> Iterator[Helpdesk]:
    h = connect()
    yield h
    h.close()
    del h
    gc.collect()


@pytest.fixture(params=["memory", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def helpdesk(backend: str, request: pytest.FixtureRequest) -> Helpdesk:
    if backend == "memory":
        return Helpdesk.in_memory()
    return request.getfixturevalue("_pg_helpdesk")


def new_slug(prefix: str = "ws") -> str:
    return f"{prefix}-{os.getpid()}-{next(_slugs)}"


@pytest.fixture
def desk(helpdesk: Helpdesk) -> ticketry.Desk:
    """A fresh workspace (low..urgent priorities) with customer 7 and agent "bob"."""
    d = helpdesk.workspace(helpdesk.create_workspace("Acme", new_slug()))
    d.put_customer(7, "Alice", email="alice@example.com")
    d.put_agent("bob", "Bob", email="bob@example.com")
    return d


START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)  # Monday 09:00 in Berlin


@pytest.fixture
def clocked(backend: str) -> Iterator[Tuple[Helpdesk, ManualClock]]:
    """A Helpdesk on a ManualClock at START (its own schema on Postgres)."""
    clock = ManualClock(START)
    if backend == "memory":
        yield Helpdesk.in_memory(clock=clock), clock
        return
    h = connect(clock=clock)
    yield h, clock
    h.close()
    del h
    gc.collect()
