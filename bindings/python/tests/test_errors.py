"""Every core error code maps to its exception class, and each is raised for real."""

from __future__ import annotations

import pytest

import ticketry
from ticketry import (
    ERRORS,
    AlreadyExistsError,
    ConflictError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    StorageError,
    OutcomeUnknownError,
    InternalError,
    TicketryError,
    _native,
)
from ticketry.errors import _from_native

EXPECTED = {
    "not_found": NotFoundError,
    "invalid_input": InvalidInputError,
    "invalid_transition": InvalidTransitionError,
    "conflict": ConflictError,
    "already_exists": AlreadyExistsError,
    "storage": StorageError,
    "outcome_unknown": OutcomeUnknownError,
    "internal": InternalError,
}


def test_every_core_code_has_its_class() -> None:
    assert list(_native.ERROR_CODES) == list(EXPECTED)
    assert ERRORS == EXPECTED
    for code, cls in EXPECTED.items():
        assert cls.code == code
        assert issubclass(cls, TicketryError)
        err = _from_native(code, "boom", {})
        assert type(err) is cls and err.code == code and str(err) == "boom"
    assert issubclass(NotFoundError, LookupError)
    assert issubclass(InvalidInputError, ValueError)


def test_an_unknown_code_is_still_a_ticketry_error() -> None:
    err = _from_native("rate_limited", "slow down", {"retry": 3})
    assert type(err) is TicketryError and err.code == "rate_limited" and err.retry == 3


def test_not_found(desk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError) as e:
        desk.get_ticket("01900000-0000-7000-8000-000000000000")
    assert e.value.code == "not_found" and e.value.entity == "ticket"
    assert e.value.id == "01900000-0000-7000-8000-000000000000"
    with pytest.raises(NotFoundError):
        desk.get_ticket_by_number("TKT-1999-99999")


def test_not_found_in_another_workspace(helpdesk, desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "Mine", "only mine")
    other = helpdesk.workspace(helpdesk.create_workspace("Other", ticketry_slug()))
    with pytest.raises(NotFoundError):
        other.get_ticket(t.id)


def ticketry_slug() -> str:
    from conftest import new_slug

    return new_slug("other")


def test_invalid_input(desk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError) as e:
        desk.open_ticket(7, "x" * 300, "body")
    assert e.value.code == "invalid_input" and e.value.field == "subject"
    assert e.value.reason and "255" in e.value.reason
    with pytest.raises(InvalidInputError) as e:
        desk.list_tickets(limit=0)
    assert e.value.field == "limit"
    with pytest.raises(InvalidInputError) as e:
        desk.set_status(desk.open_ticket(7, "s", "b"), "flying")
    assert e.value.field == "status"


def test_invalid_transition(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "s", "b")
    desk.set_status(t, "cancelled")
    with pytest.raises(InvalidTransitionError) as e:
        desk.set_status(t, "open")
    assert e.value.code == "invalid_transition"
    assert e.value.status is ticketry.Status.CANCELLED


def test_conflict(desk) -> None:  # type: ignore[no-untyped-def]
    t = desk.open_ticket(7, "s", "b")
    desk.update_ticket(t, subject="first", expected_version=t.version)
    with pytest.raises(ConflictError) as e:
        desk.update_ticket(t, subject="second", expected_version=t.version)
    assert e.value.code == "conflict"


def test_already_exists(helpdesk) -> None:  # type: ignore[no-untyped-def]
    from conftest import new_slug

    slug = new_slug("dup")
    helpdesk.create_workspace("One", slug)
    with pytest.raises(AlreadyExistsError) as e:
        helpdesk.create_workspace("Two", slug)
    assert e.value.code == "already_exists" and e.value.entity == "workspace" and e.value.key == slug


def test_storage_error_when_the_backend_fails() -> None:
    from conftest import connect

    h = connect()
    d = h.workspace(h.create_workspace("S", "storage-test"))
    h.close()
    with pytest.raises(StorageError) as e:
        d.list_tickets()
    assert e.value.code == "storage"


def test_storage_error_on_an_unreachable_server() -> None:
    with pytest.raises(StorageError):
        ticketry.Helpdesk.connect(
            "postgres://nobody@127.0.0.1:1/nothing", acquire_timeout=__import__("datetime").timedelta(seconds=2)
        )
