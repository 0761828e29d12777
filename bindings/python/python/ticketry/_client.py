"""``Helpdesk`` and ``Desk``: the blocking and ``async`` forms of every operation.

The native module validates and converts the arguments of an operation and
returns it ready to run; here each operation gets two methods: ``name(...)``
runs it with the GIL released and returns the result, ``name_async(...)`` is a
coroutine that runs it on the shared tokio runtime. Signatures and docs are
the native ones (see ``_client.pyi`` for the types).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterator, Tuple

from . import _native

__all__ = ["Helpdesk", "Desk"]

HELPDESK_OPS: Tuple[str, ...] = (
    "migrate",
    "rls_enforced",
    "close",
    "create_workspace",
    "get_workspace",
    "get_workspace_by_slug",
    "update_workspace",
)

DESK_OPS: Tuple[str, ...] = (
    # workspace and events
    "info",
    "update",
    "events",
    "ack_events",
    "consumer_position",
    # catalog
    "set_priorities",
    "put_priority",
    "install_priority_preset",
    "list_priorities",
    "create_category",
    "update_category",
    "get_category",
    "list_categories",
    "put_tag",
    "list_tags",
    "create_template",
    "update_template",
    "get_template",
    "list_templates",
    "render_template",
    # directory
    "put_agent",
    "get_agent",
    "list_agents",
    "put_customer",
    "get_customer",
    "list_customers",
    "create_team",
    "update_team",
    "get_team",
    "list_teams",
    # tickets
    "open_ticket",
    "get_ticket",
    "get_ticket_by_number",
    "thread",
    "messages",
    "assignment_history",
    "list_tickets",
    "ticket_stats",
    "customer_message",
    "reply",
    "add_note",
    "assign",
    "unassign",
    "set_status",
    "resolve",
    "close",
    "reopen",
    "set_priority",
    "set_category",
    "add_tag",
    "remove_tag",
    "link",
    "rate",
    "update_ticket",
    # SLA
    "set_sla_policies",
    "list_sla_policies",
    "sla_sweep",
    "explain_sla",
)


def _install(cls: type, native_cls: type, names: Tuple[str, ...]) -> None:
    """Adds ``name`` and ``name_async`` for each native operation."""
    for name in names:
        native: Callable[..., Any] = getattr(native_cls, name)

        def make(native: Callable[..., Any]) -> Tuple[Callable[..., Any], Callable[..., Any]]:
            @functools.wraps(native)
            def blocking(self: Any, *args: Any, **kwargs: Any) -> Any:
                return native(self._native, *args, **kwargs).wait()

            @functools.wraps(native)
            async def asynchronous(self: Any, *args: Any, **kwargs: Any) -> Any:
                return await native(self._native, *args, **kwargs).future()

            return blocking, asynchronous

        blocking, asynchronous = make(native)
        asynchronous.__name__ = asynchronous.__qualname__ = f"{name}_async"
        blocking.__qualname__ = f"{cls.__name__}.{name}"
        asynchronous.__qualname__ = f"{cls.__name__}.{name}_async"
        setattr(cls, name, blocking)
        setattr(cls, f"{name}_async", asynchronous)


class Helpdesk:
    """The help desk: a storage backend and a clock. Share one per process.

    >>> desk = Helpdesk.in_memory()
    >>> ws = desk.create_workspace("Acme", "acme")
    >>> acme = desk.workspace(ws)
    """

    __slots__ = ("_native",)

    def __init__(self, native: "_native.Helpdesk") -> None:
        if not isinstance(native, _native.Helpdesk):
            raise TypeError(
                "use Helpdesk.in_memory() or Helpdesk.connect(url) to make a Helpdesk"
            )
        self._native = native

    @classmethod
    def in_memory(cls, *, clock: "_native.ManualClock | None" = None) -> "Helpdesk":
        """A help desk on the in-memory backend (optionally on a ``ManualClock``)."""
        return cls(_native.Helpdesk.in_memory(clock=clock))

    @classmethod
    def connect(cls, url: str, **options: Any) -> "Helpdesk":
        """Connects to PostgreSQL (``schema="ticketry"``, ``role``,
        ``max_connections=10``, ``acquire_timeout``, ``statement_timeout``,
        ``clock``, ``temporary``). Does not migrate: call ``migrate()``
        (``temporary=True``, for tests, migrates a fresh schema and drops it
        when the help desk is garbage-collected)."""
        return cls(_native.Helpdesk.connect(url, **options).wait())

    @classmethod
    async def connect_async(cls, url: str, **options: Any) -> "Helpdesk":
        """``connect`` for asyncio."""
        return cls(await _native.Helpdesk.connect(url, **options).future())

    @property
    def backend(self) -> str:
        """``"memory"`` or ``"postgres"``."""
        return self._native.backend

    @property
    def schema(self) -> "str | None":
        """The Postgres schema holding Ticketry's tables (``None`` in memory)."""
        return self._native.schema

    def now(self) -> Any:
        """The desk's clock (an aware UTC ``datetime``)."""
        return self._native.now()

    def workspace(self, workspace: Any) -> "Desk":
        """The handle of a workspace (a ``Workspace`` or its id); no I/O."""
        return Desk(self._native.workspace(workspace))

    def workspace_by_slug(self, slug: str) -> "Desk":
        """The handle of the workspace with ``slug`` (``NotFoundError`` if none)."""
        return Desk(self._native.workspace_by_slug(slug).wait())

    async def workspace_by_slug_async(self, slug: str) -> "Desk":
        """``workspace_by_slug`` for asyncio."""
        return Desk(await self._native.workspace_by_slug(slug).future())

    def __enter__(self) -> "Helpdesk":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()  # type: ignore[attr-defined]

    async def __aenter__(self) -> "Helpdesk":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close_async()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return repr(self._native)


class Desk:
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

    def iter_tickets(self, **filters: Any) -> Iterator[Any]:
        """Every ticket matching ``filters`` (those of ``list_tickets``), page by page."""
        after = filters.pop("after", None)
        while True:
            page = self.list_tickets(after=after, **filters)  # type: ignore[attr-defined]
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


_install(Helpdesk, _native.Helpdesk, HELPDESK_OPS)
_install(Desk, _native.Desk, DESK_OPS)
