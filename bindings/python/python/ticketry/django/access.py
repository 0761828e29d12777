"""Who is calling, and what they may do.

* **Identity**: ``TICKETRY['IDENTIFY']`` turns a request into a :class:`Person`
  (or ``None``: anonymous, 401). The default, :func:`django_user`, uses Django's
  authenticated user: its primary key is the Ticketry id, staff users
  (``is_staff``) are agents. People are registered with Ticketry (customers;
  staff also agents) the first time they call, and again when their name,
  e-mail, staff flag or active flag changes.
* **Access**: customers see and act on their own tickets only (another
  customer's ticket or message is 404, as if it did not exist) and never see
  internal notes; staff-only actions are 403 for customers. Then
  ``TICKETRY['PERMISSION']`` (``(request, action, person, ticket) -> bool |
  None``) may deny any action: ``False`` is 403.

The action names (:data:`ACTIONS`) are the same in the Express router.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from django.core.exceptions import ValidationError

from .. import Actor, Desk, InvalidInputError, NotFoundError, Ticket
from . import conf

__all__ = ["Person", "ACTIONS", "STAFF_ACTIONS", "django_user", "Forbidden", "NotAuthenticated"]

#: Every action a request can ask for, as the permission hook sees it.
ACTIONS = frozenset({
    "list_categories", "view_category", "list_priorities", "list_templates",
    "open_ticket", "list_tickets", "list_all_tickets", "view_ticket", "update_ticket",
    "list_messages", "add_message", "add_note", "view_message", "close_ticket", "reopen_ticket", "assign_ticket",
    "set_status", "set_priority", "rate_ticket", "view_stats", "merge_ticket",
    "view_status", "list_incidents", "declare_incident", "update_incident", "resolve_incident",
    "list_access_requests", "request_access", "view_access_request", "change_access_request",
    "decide_access_request", "telegram_command", "list_articles", "view_article", "vote_article",
})
#: Actions only staff may take (403 for a customer).
STAFF_ACTIONS = frozenset({
    "list_all_tickets", "update_ticket", "add_note", "assign_ticket", "set_status", "set_priority",
    "view_stats", "list_templates", "merge_ticket",
    "list_incidents", "declare_incident", "update_incident", "resolve_incident", "decide_access_request",
})


@dataclass(frozen=True)
class Person:
    """A caller: its Ticketry id (the host's user id), name, e-mail, and
    whether it is support staff (an agent)."""

    id: str
    name: str
    email: Optional[str] = None
    staff: bool = False
    active: bool = True

    @property
    def actor(self) -> Actor:
        """The actor of the changes this person makes."""
        return Actor.agent(self.id) if self.staff else Actor.customer(self.id)


class NotAuthenticated(Exception):
    """No one is logged in (401)."""


class Forbidden(Exception):
    """The caller may not take this action (403)."""


def django_user(request: Any) -> Optional[Person]:
    """The default ``IDENTIFY``: Django's authenticated user, by primary key."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return _person(user)


def django_user_by_id(user_id: str) -> Optional[Person]:
    """The default ``LOOKUP``: Django's user with this primary key."""
    from django.contrib.auth import get_user_model

    model = get_user_model()
    try:
        user = model.objects.filter(pk=model._meta.pk.to_python(user_id)).first()
    except (ValueError, TypeError, ValidationError):
        return None
    return None if user is None else _person(user)


def _person(user: Any) -> Person:
    return Person(
        id=str(user.pk),
        name=user.get_full_name() or user.get_username(),
        email=user.email or None,
        staff=bool(user.is_staff),
        active=bool(user.is_active),
    )


_lock = threading.Lock()
_known: Dict[Tuple[str, str], Person] = {}


def forget() -> None:
    """Forgets which people were registered (the ``Helpdesk`` was reopened)."""
    with _lock:
        _known.clear()


def register(d: Desk, person: Person) -> None:
    """Registers ``person`` with the workspace: a customer, and an agent when
    staff; a former staff member's agent is deactivated (no longer assignable).
    Skipped when nothing changed since the last call in this process."""
    key = (d.id, person.id)
    with _lock:
        if _known.get(key) == person:
            return
    d.put_customer(person.id, person.name, email=person.email)
    if person.staff:
        d.put_agent(person.id, person.name, email=person.email, active=person.active)
    else:
        try:
            d.get_agent(person.id)
        except NotFoundError:
            pass
        else:
            d.put_agent(person.id, person.name, email=person.email, active=False)
    with _lock:
        _known[key] = person


def identify(request: Any) -> Person:
    """The caller (``NotAuthenticated`` when anonymous)."""
    person = conf.settings().identify(request)
    if person is None:
        raise NotAuthenticated("log in first")
    if not isinstance(person, Person):
        raise TypeError(f"TICKETRY['IDENTIFY'] must return a ticketry.django.access.Person or None, not {person!r}")
    return person


def agent(d: Desk, user_id: Any) -> str:
    """The Ticketry id of the staff member ``user_id`` names (registered on
    the way); ``invalid_input`` naming ``agent`` when no active staff has it."""
    person = conf.settings().lookup(str(user_id))
    if not isinstance(person, Person) or not person.staff or not person.active:
        raise InvalidInputError(f"agent must be an active staff member, not {user_id!r}", field="agent")
    register(d, person)
    return person.id


def check(request: Any, action: str, person: Person, ticket: Optional[Ticket] = None) -> None:
    """Raises ``Forbidden`` unless ``person`` may take ``action`` (on ``ticket``)."""
    if action in STAFF_ACTIONS and not person.staff:
        raise Forbidden("support staff only")
    hook = conf.settings().permission
    if hook is not None and hook(request, action, person, ticket) is False:
        raise Forbidden(f"not allowed: {action}")


def visible(person: Person, ticket: Ticket, ref: str) -> Ticket:
    """``ticket`` (asked for as ``ref``) if ``person`` may see it; another
    customer's ticket does not exist for them."""
    if not person.staff and ticket.customer != person.id:
        raise NotFoundError(f"not found: ticket {ref}", entity="ticket", id=ref)
    return ticket
