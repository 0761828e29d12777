"""The process's ``Helpdesk`` and its workspaces.

One ``Helpdesk`` per process, opened on first use (after any fork of a
pre-forking server) from the ``TICKETRY`` setting, and closed:

* at interpreter exit;
* whenever Django opens its maintenance connection (the one it uses to create
  or drop the test database): the pool must not hold connections to a
  database Django is about to drop, and after the test database exists the
  next use reconnects to it. ``manage.py test`` and pytest therefore need no
  custom test runner.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.signals import connection_created

from .. import AlreadyExistsError, Desk, Helpdesk, NotFoundError
from . import conf

__all__ = ["helpdesk", "desk", "close", "database_url", "migrate"]

_lock = threading.RLock()
_helpdesk: Optional[Helpdesk] = None
_key: Optional[Tuple[Any, ...]] = None
_desks: Dict[str, Desk] = {}


def database_url(alias: str) -> Optional[str]:
    """The Django database ``alias`` as a ``postgres://`` URL (``None`` when it
    is not PostgreSQL), following Django's current settings (the test database
    during tests)."""
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return None
    s = conn.settings_dict
    user = quote(s.get("USER") or "", safe="")
    password = quote(s.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    name = quote(s.get("NAME") or "postgres", safe="")
    host = s.get("HOST") or "localhost"
    if host.startswith("/"):  # a Unix socket directory
        port = f"&port={s['PORT']}" if s.get("PORT") else ""
        return f"postgres://{auth}/{name}?host={quote(host, safe='')}{port}"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{name}"


def _open(cfg: conf.Settings) -> Helpdesk:
    url = cfg.url if cfg.url is not None else database_url(cfg.database)
    if url is None or url == "memory:":
        return Helpdesk.in_memory()
    h = Helpdesk.connect(url, schema=cfg.schema, role=cfg.role, max_connections=cfg.max_connections)
    try:
        enforced = h.rls_enforced()
    except Exception:
        h.close()
        raise
    if enforced is False and not cfg.allow_rls_bypass:
        h.close()
        who = f"role {cfg.role!r}" if cfg.role else "the database user"
        raise ImproperlyConfigured(
            f"Ticketry refuses to run as {who}: it is a superuser or has BYPASSRLS, so PostgreSQL's "
            "row-level security would not isolate workspaces. Set TICKETRY['ROLE'] to a role bound by "
            "row-level security (the login user must be a member), or set "
            "TICKETRY['ALLOW_RLS_BYPASS'] = True to accept isolation by queries alone."
        )
    return h


def helpdesk() -> Helpdesk:
    """The process's ``Helpdesk`` (opened on first use; reopened when the
    connection settings changed)."""
    global _helpdesk, _key
    cfg = conf.settings()
    with _lock:
        if _helpdesk is not None and _key != cfg.connection_key:
            _close_locked()
        if _helpdesk is None:
            _helpdesk = _open(cfg)
            _key = cfg.connection_key
        return _helpdesk


def desk(slug: Optional[str] = None) -> Desk:
    """The workspace ``slug`` (default: ``TICKETRY['WORKSPACE']``). Only the
    configured workspace is created on first use (with
    ``TICKETRY['WORKSPACE_NAME']``): a slug a resolver returns must exist
    (``NotFoundError``), so requests never create tenants."""
    cfg = conf.settings()
    slug = slug or cfg.workspace
    h = helpdesk()
    with _lock:
        found = _desks.get(slug)
    if found is not None:
        return found
    try:
        d = h.workspace_by_slug(slug)
    except NotFoundError:
        if slug != cfg.workspace:
            raise
        try:
            d = h.workspace(h.create_workspace(cfg.workspace_name, slug))
            configure_automation(d, cfg)
        except AlreadyExistsError:  # another process made it meanwhile
            d = h.workspace_by_slug(slug)
    with _lock:
        if _helpdesk is h:  # not closed meanwhile
            _desks[slug] = d
    return d


def migrate() -> None:
    """Creates or upgrades Ticketry's tables and applies
    ``TICKETRY['AUTOMATION']`` to the configured workspace (``manage.py
    migrate`` runs it)."""
    helpdesk().migrate()
    configure_automation(desk())


#: The name of the template ``TICKETRY['AUTOMATION']['AUTO_REPLY']`` keeps.
AUTO_REPLY_TEMPLATE = "Auto-reply"


def configure_automation(d: Desk, cfg: Optional[conf.Settings] = None) -> None:
    """Applies ``TICKETRY['AUTOMATION']`` to the workspace ``d``: the default
    assignment strategy, the presets (each replaces an earlier rule of its
    name, so applying twice changes nothing) and the auto-reply template."""
    cfg = cfg or conf.settings()
    if d.info().settings.assignment != cfg.assignment:
        d.update(settings={"assignment": cfg.assignment})
    for preset in cfg.presets:
        d.add_preset(preset)
    if cfg.auto_reply is not None:
        found = [t for t in d.list_templates() if t.name == AUTO_REPLY_TEMPLATE]
        if not found:
            template = d.create_template(AUTO_REPLY_TEMPLATE, cfg.auto_reply)
        elif found[0].body != cfg.auto_reply:
            template = d.update_template(found[0], name=AUTO_REPLY_TEMPLATE, body=cfg.auto_reply)
        else:
            template = found[0]
        d.add_preset({"auto_reply": {"template": template.id}})


def _close_locked() -> None:
    global _helpdesk, _key
    h, _helpdesk, _key = _helpdesk, None, None
    _desks.clear()
    from . import access

    access.forget()
    if h is not None:
        h.close()


def close() -> None:
    """Closes the pool and forgets every handle; the next use reopens."""
    with _lock:
        _close_locked()


def _on_connection_created(sender: Any, connection: Any, **_: Any) -> None:
    # Django's maintenance connection ("__no_db__") creates and drops test
    # databases: let go of ours first.
    if connection.alias == NO_DB_ALIAS and _helpdesk is not None:
        close()


connection_created.connect(_on_connection_created, dispatch_uid="ticketry.django.runtime")
atexit.register(close)
