"""The ``TICKETRY`` setting, read and checked in one place.

Every key is optional::

    TICKETRY = {
        # Where Ticketry keeps its data: a Django database alias (PostgreSQL;
        # any other engine means the in-memory backend) or a URL
        # ("postgres://…" or "memory:") that wins over the alias.
        "DATABASE": "default",
        "URL": None,
        "SCHEMA": "ticketry",
        # The role Ticketry's transactions run as: one bound by row-level
        # security. A superuser or BYPASSRLS role is refused unless
        # ALLOW_RLS_BYPASS is True (tenant isolation then rests on queries alone).
        "ROLE": None,
        "ALLOW_RLS_BYPASS": False,
        "MAX_CONNECTIONS": None,
        # The workspace every request works in (a slug; created on first use
        # with WORKSPACE_NAME), or, for multi-tenant hosts, WORKSPACE_RESOLVER:
        # a callable (request) -> slug that wins over WORKSPACE (the slug must
        # exist: 404 otherwise). With a resolver, make IDENTIFY tenant-aware:
        # the default treats Django's global is_staff as staff of every tenant.
        "WORKSPACE": "support",
        "WORKSPACE_NAME": "Support",
        "WORKSPACE_RESOLVER": None,
        # Who is calling: (request) -> Person | None; default: Django's user
        # (its pk; staff users are agents).
        "IDENTIFY": "ticketry.django.access.django_user",
        # A person by the host's user id, when an agent is named in a request
        # (assign to someone): (user_id: str) -> Person | None; default: Django's user.
        "LOOKUP": "ticketry.django.access.django_user_by_id",
        # May this caller do this action? (request, action, person, ticket) ->
        # bool | None; False answers 403. Called after the built-in rules allowed it.
        "PERMISSION": None,
        # The consumer name under which ``ticketry_events`` records its position.
        "EVENTS_CONSUMER": "django",
        # Automation of the configured workspace, applied by ``manage.py
        # migrate`` and when the workspace is created: the default assignment
        # strategy ("least_loaded", "round_robin" or None), preset rules
        # ({"auto_close": {"after": timedelta(days=7)}}, {"rating_reminder": {}},
        # {"escalate_open": {}}, {"overdue_reminder": {}}) and the text of an
        # auto-reply to new tickets (a template: "{{ ticket.number }}" …).
        # ``manage.py ticketry_run_automations`` runs what falls due.
        "AUTOMATION": {"ASSIGNMENT": None, "PRESETS": [], "AUTO_REPLY": None},
        # Seed 001's Telegram operations bot (``telegram/``): BOT_TOKEN,
        # SECRET, API_URL, STAFF, IDENTIFY; see ticketry.django.telegram.
        "TELEGRAM": None,
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = ["Settings", "settings"]

_KEYS = {
    "DATABASE", "URL", "SCHEMA", "ROLE", "ALLOW_RLS_BYPASS", "MAX_CONNECTIONS", "WORKSPACE",
    "WORKSPACE_NAME", "WORKSPACE_RESOLVER", "IDENTIFY", "LOOKUP", "PERMISSION", "EVENTS_CONSUMER",
    "AUTOMATION", "TELEGRAM",
}
_AUTOMATION_KEYS = {"ASSIGNMENT", "PRESETS", "AUTO_REPLY"}


@dataclass(frozen=True)
class Settings:
    """``settings.TICKETRY`` with its defaults applied."""

    database: str = "default"
    url: Optional[str] = None
    schema: str = "ticketry"
    role: Optional[str] = None
    allow_rls_bypass: bool = False
    max_connections: Optional[int] = None
    workspace: str = "support"
    workspace_name: str = "Support"
    workspace_resolver: Optional[Callable[[Any], str]] = None
    identify: Callable[[Any], Any] = None  # type: ignore[assignment]
    lookup: Callable[[str], Any] = None  # type: ignore[assignment]
    permission: Optional[Callable[..., Optional[bool]]] = None
    events_consumer: str = "django"
    assignment: Optional[str] = None
    presets: Tuple[Any, ...] = ()
    auto_reply: Optional[str] = None

    @property
    def connection_key(self) -> Tuple[Any, ...]:
        """What the process's ``Helpdesk`` depends on (a change reconnects)."""
        return (self.database, self.url, self.schema, self.role, self.allow_rls_bypass, self.max_connections)


def _callable(name: str, value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = import_string(value)
        except ImportError as e:
            raise ImproperlyConfigured(f"TICKETRY[{name!r}]: cannot import {value!r}: {e}") from None
    if not callable(value):
        raise ImproperlyConfigured(f"TICKETRY[{name!r}] must be a callable or its dotted path")
    return value


def _text(name: str, value: Any, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ImproperlyConfigured(f"TICKETRY[{name!r}] must be a non-empty string, not {value!r}")
    return value


def settings() -> Settings:
    """The current ``TICKETRY`` setting (read on every call, so ``override_settings`` works)."""
    raw = getattr(django_settings, "TICKETRY", {})
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("TICKETRY must be a dict")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ImproperlyConfigured(f"TICKETRY has unknown key(s) {unknown}; known: {sorted(_KEYS)}")
    resolver = raw.get("WORKSPACE_RESOLVER")
    max_connections = raw.get("MAX_CONNECTIONS")
    if max_connections is not None and (type(max_connections) is not int or max_connections < 1):
        raise ImproperlyConfigured("TICKETRY['MAX_CONNECTIONS'] must be a positive int")
    allow = raw.get("ALLOW_RLS_BYPASS", False)
    if type(allow) is not bool:
        raise ImproperlyConfigured("TICKETRY['ALLOW_RLS_BYPASS'] must be True or False")
    permission = raw.get("PERMISSION")
    automation = raw.get("AUTOMATION", {})
    if not isinstance(automation, dict) or set(automation) - _AUTOMATION_KEYS:
        raise ImproperlyConfigured(
            f"TICKETRY['AUTOMATION'] must be a dict with keys among {sorted(_AUTOMATION_KEYS)}"
        )
    presets = automation.get("PRESETS", [])
    if not isinstance(presets, (list, tuple)) or not all(isinstance(p, dict) for p in presets):
        raise ImproperlyConfigured("TICKETRY['AUTOMATION']['PRESETS'] must be a list of dicts")
    return Settings(
        database=_text("DATABASE", raw.get("DATABASE", "default")),
        url=_text("URL", raw.get("URL"), optional=True),
        schema=_text("SCHEMA", raw.get("SCHEMA", "ticketry")),
        role=_text("ROLE", raw.get("ROLE"), optional=True),
        allow_rls_bypass=allow,
        max_connections=max_connections,
        workspace=_text("WORKSPACE", raw.get("WORKSPACE", "support")),
        workspace_resolver=None if resolver is None else _callable("WORKSPACE_RESOLVER", resolver),
        workspace_name=_text("WORKSPACE_NAME", raw.get("WORKSPACE_NAME", "Support")),
        identify=_callable("IDENTIFY", raw.get("IDENTIFY", "ticketry.django.access.django_user")),
        lookup=_callable("LOOKUP", raw.get("LOOKUP", "ticketry.django.access.django_user_by_id")),
        permission=None if permission is None else _callable("PERMISSION", permission),
        events_consumer=_text("EVENTS_CONSUMER", raw.get("EVENTS_CONSUMER", "django")),
        assignment=_text("AUTOMATION['ASSIGNMENT']", automation.get("ASSIGNMENT"), optional=True),
        presets=tuple(presets),
        auto_reply=_text("AUTOMATION['AUTO_REPLY']", automation.get("AUTO_REPLY"), optional=True),
    )
