"""Ticketry for this site: one Helpdesk per process, on Django's own database.

Django's users are Ticketry's people, by primary key: every user is a
customer, staff users (``is_staff``) are also agents. They are registered
with Ticketry the first time they use the API (and again when their name,
e-mail or staff flag changes).
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from ticketry import AlreadyExistsError, Desk, Helpdesk, NotFoundError

_lock = threading.Lock()
_helpdesk: Optional[Helpdesk] = None
_desks: Dict[str, Desk] = {}
_known: Dict[Tuple[str, str], Tuple[Any, ...]] = {}


def database_url() -> Optional[str]:
    """Django's default database as a postgres:// URL (``None`` when it is not Postgres)."""
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    user = quote(s.get("USER") or "", safe="")
    password = quote(s.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or "localhost"
    if host.startswith("/"):  # a Unix socket directory
        port = f"&port={s['PORT']}" if s.get("PORT") else ""
        return f"postgres://{auth}/{quote(s['NAME'], safe='')}?host={quote(host, safe='')}{port}"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(s['NAME'], safe='')}"


def helpdesk() -> Helpdesk:
    """The process's Helpdesk (created on first use, after any fork)."""
    global _helpdesk
    with _lock:
        if _helpdesk is None:
            url = database_url()
            if url is None:
                _helpdesk = Helpdesk.in_memory()
            else:
                _helpdesk = Helpdesk.connect(
                    url, schema=settings.TICKETRY["SCHEMA"], role=settings.TICKETRY.get("ROLE")
                )
        return _helpdesk


def migrate_ticketry(**_: Any) -> None:
    """Creates or upgrades Ticketry's tables (run by ``manage.py migrate``)."""
    helpdesk().migrate()


def close() -> None:
    """Closes the connection pool and forgets every handle (tests, shutdown)."""
    global _helpdesk
    with _lock:
        if _helpdesk is not None:
            _helpdesk.close()
        _helpdesk = None
        _desks.clear()
        _known.clear()


def desk() -> Desk:
    """The workspace of this site (``settings.TICKETRY["WORKSPACE"]``), created if missing."""
    slug = settings.TICKETRY["WORKSPACE"]
    found = _desks.get(slug)
    if found is not None:
        return found
    h = helpdesk()
    try:
        d = h.workspace_by_slug(slug)
    except NotFoundError:
        try:
            d = h.workspace(h.create_workspace(settings.TICKETRY.get("WORKSPACE_NAME", slug), slug))
        except AlreadyExistsError:  # another process made it meanwhile
            d = h.workspace_by_slug(slug)
    _desks[slug] = d
    return d


def person_id(user: Any) -> str:
    """The Ticketry id of a Django user (its primary key)."""
    return str(user.pk)


def sync_user(d: Desk, user: Any) -> str:
    """Registers ``user`` as a customer (and an agent when staff); returns its id."""
    uid = person_id(user)
    name = user.get_full_name() or user.get_username()
    state = (name, user.email or None, bool(user.is_staff), bool(user.is_active))
    key = (d.id, uid)
    if _known.get(key) != state:
        d.put_customer(uid, name, email=user.email or None)
        if user.is_staff:
            d.put_agent(uid, name, email=user.email or None, active=user.is_active)
        else:
            try:  # a former staff member can no longer be assigned
                d.get_agent(uid)
                d.put_agent(uid, name, email=user.email or None, active=False)
            except NotFoundError:
                pass
        _known[key] = state
    return uid
