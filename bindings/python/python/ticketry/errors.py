"""Exceptions: one class per stable error code of the core.

Every failure Ticketry reports is a :class:`TicketryError`; ``code`` is the
core's stable snake_case code and ``ERRORS`` maps each code to its class (the
one place that mapping lives). Details of the failure are attributes
(``field`` of an :class:`InvalidInputError`, ``entity`` and ``id`` of a
:class:`NotFoundError`, ...) and are also collected in ``details``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Optional, Type

__all__ = [
    "TicketryError",
    "NotFoundError",
    "InvalidInputError",
    "InvalidTransitionError",
    "ConflictError",
    "AlreadyExistsError",
    "StorageError",
    "OutcomeUnknownError",
    "InternalError",
    "ERRORS",
]


class TicketryError(Exception):
    """Base class of every Ticketry error."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: Dict[str, Any] = details
        for key, value in details.items():
            setattr(self, key, value)

    def __reduce__(self) -> Any:
        return (_from_native, (self.code, self.message, self.details))


class NotFoundError(TicketryError, LookupError):
    """The entity does not exist in this workspace (``entity``, ``id``)."""

    code = "not_found"
    entity: Optional[str] = None
    id: Optional[str] = None


class InvalidInputError(TicketryError, ValueError):
    """A field is malformed or breaks a rule. ``field`` names it (dotted for
    nested values: ``policies[0].calendar.weekly.mon[1]``), ``reason`` says why;
    calendar errors also carry ``kind`` (``overlapping_intervals``, ...)."""

    code = "invalid_input"
    field: Optional[str] = None
    reason: Optional[str] = None
    kind: Optional[str] = None


class InvalidTransitionError(TicketryError):
    """The ticket's status (``status``) does not allow the operation."""

    code = "invalid_transition"
    status: Any = None


class ConflictError(TicketryError):
    """A concurrent write won (stale ``expected_version``): retry on fresh data."""

    code = "conflict"


class AlreadyExistsError(TicketryError):
    """A unique key (``key``) of ``entity`` is taken."""

    code = "already_exists"
    entity: Optional[str] = None
    key: Optional[str] = None


class StorageError(TicketryError):
    """The storage backend failed before anything was written (connection,
    I/O); nothing was changed, so retrying is safe."""

    code = "storage"


class OutcomeUnknownError(TicketryError):
    """The backend failed while committing: the change may or may not be
    stored. Retry with the same idempotency key (no duplicate is made), or
    read before retrying."""

    code = "outcome_unknown"


class InternalError(TicketryError):
    """A bug in Ticketry (a panic caught at the language boundary)."""

    code = "internal"


ERRORS: Dict[str, Type[TicketryError]] = {
    cls.code: cls
    for cls in (
        NotFoundError,
        InvalidInputError,
        InvalidTransitionError,
        ConflictError,
        AlreadyExistsError,
        StorageError,
        OutcomeUnknownError,
        InternalError,
    )
}


def _from_native(code: str, message: str, details: Dict[str, Any]) -> TicketryError:
    """The exception for a core error (called by the native module)."""
    cls = ERRORS.get(code)
    if cls is None:  # a code newer than this package: still a TicketryError
        err = TicketryError(message, **details)
        err.code = code  # type: ignore[misc]
        return err
    return cls(message, **details)
