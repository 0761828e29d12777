"""``Helpdesk`` and ``Desk``: the backend's lifecycle, and every operation of
the table in a blocking and an ``async`` form (generated in ``_ops.py``).

A blocking call runs the operation with the GIL released; an ``_async`` one
is a coroutine that runs it on the shared tokio runtime.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Iterator, Optional, Type

from . import _native
from ._extras import _Id, _id
from ._ops import DeskOps, HelpdeskOps
from .models import Ticket

__all__ = ["Helpdesk", "Desk"]


class Helpdesk(HelpdeskOps):
    """The help desk: a storage backend and a clock. Share one per process.

    >>> desk = Helpdesk.in_memory()
    >>> ws = desk.create_workspace("Acme", "acme")
    >>> acme = desk.workspace(ws)
    """

    __slots__ = ("_native",)

    def __init__(self, native: "_native.Helpdesk") -> None:
        if not isinstance(native, _native.Helpdesk):
            raise TypeError("use Helpdesk.in_memory() or Helpdesk.connect(url) to make a Helpdesk")
        self._native = native

    @classmethod
    def in_memory(cls, *, clock: Optional[_native.ManualClock] = None) -> "Helpdesk":
        """A help desk on the in-memory backend (optionally on a ``ManualClock``)."""
        return cls(_native.Helpdesk.in_memory(clock=clock))

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        schema: str = "ticketry",
        role: Optional[str] = None,
        max_connections: Optional[int] = None,
        acquire_timeout: Optional[timedelta] = None,
        statement_timeout: Optional[timedelta] = None,
        clock: Optional[_native.ManualClock] = None,
        temporary: bool = False,
    ) -> "Helpdesk":
        """Connects to PostgreSQL. Does not migrate: call ``migrate()``
        (``temporary=True``, for tests, migrates a fresh schema
        ``<schema>_<random>`` and drops it when the help desk is closed or
        garbage-collected)."""
        native = _native.Helpdesk.connect(
            url, schema=schema, role=role, max_connections=max_connections,
            acquire_timeout=acquire_timeout, statement_timeout=statement_timeout,
            clock=clock, temporary=temporary,
        )
        return cls(native.wait())

    @classmethod
    async def connect_async(cls, url: str, **options: Any) -> "Helpdesk":
        """``connect`` for asyncio."""
        return cls(await _native.Helpdesk.connect(url, **options).future())

    @property
    def backend(self) -> str:
        """``"memory"`` or ``"postgres"``."""
        return self._native.backend

    @property
    def schema(self) -> Optional[str]:
        """The PostgreSQL schema holding Ticketry's tables (``None`` in memory)."""
        return self._native.schema

    def now(self) -> datetime:
        """The desk's clock (an aware UTC ``datetime``)."""
        return self._native.now()

    def workspace(self, workspace: _Id) -> "Desk":
        """The handle of a workspace (a ``Workspace`` or its id); no I/O."""
        return Desk(self._native.workspace(_id(workspace)))

    def workspace_by_slug(self, slug: str) -> "Desk":
        """The handle of the workspace with ``slug`` (``NotFoundError`` if none)."""
        return self.workspace(self.get_workspace_by_slug(slug))

    async def workspace_by_slug_async(self, slug: str) -> "Desk":
        """``workspace_by_slug`` for asyncio."""
        return self.workspace(await self.get_workspace_by_slug_async(slug))

    def migrate(self) -> None:
        """Creates or upgrades Ticketry's tables (PostgreSQL; a no-op in memory)."""
        self._native.migrate().wait()

    async def migrate_async(self) -> None:
        """``migrate`` for asyncio."""
        await self._native.migrate().future()

    def rls_enforced(self) -> Optional[bool]:
        """Whether PostgreSQL's row-level security binds the store's role
        (``False`` for a superuser or ``BYPASSRLS`` role); ``None`` in memory."""
        return self._native.rls_enforced().wait()  # type: ignore[no-any-return]

    async def rls_enforced_async(self) -> Optional[bool]:
        """``rls_enforced`` for asyncio."""
        return await self._native.rls_enforced().future()  # type: ignore[no-any-return]

    def close(self) -> None:
        """Closes the connection pool (PostgreSQL; a no-op in memory)."""
        self._native.close().wait()

    async def close_async(self) -> None:
        """``close`` for asyncio."""
        await self._native.close().future()

    def __enter__(self) -> "Helpdesk":
        return self

    def __exit__(
        self, t: Optional[Type[BaseException]], v: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()

    async def __aenter__(self) -> "Helpdesk":
        return self

    async def __aexit__(
        self, t: Optional[Type[BaseException]], v: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        await self.close_async()

    def __repr__(self) -> str:
        return repr(self._native)


class Desk(DeskOps):
    """A workspace handle: every per-workspace operation, blocking and ``_async``."""

    __slots__ = ("_native",)

    def __init__(self, native: "_native.Desk") -> None:
        if not isinstance(native, _native.Desk):
            raise TypeError("use Helpdesk.workspace(...) to make a Desk")
        self._native = native

    @property
    def id(self) -> str:
        """The workspace id."""
        return self._native.id

    def iter_tickets(self, **filters: Any) -> Iterator[Ticket]:
        """Every ticket matching ``filters`` (those of ``list_tickets``), page by page."""
        after = filters.pop("after", None)
        while True:
            page = self.list_tickets(after=after, **filters)
            yield from page.items
            if page.next_cursor is None:
                return
            after = page.next_cursor

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desk) and self._native == other._native

    def __hash__(self) -> int:
        return hash(self._native)

    def __repr__(self) -> str:
        return repr(self._native)
