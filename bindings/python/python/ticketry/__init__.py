"""Ticketry: an embeddable, multi-tenant help-desk core, from Python.

>>> from ticketry import Helpdesk
>>> desk = Helpdesk.in_memory()
>>> acme = desk.workspace(desk.create_workspace("Acme", "acme"))
>>> acme.put_customer(7, "Alice")  # the host's user id
>>> ticket = acme.open_ticket(7, "Cannot log in", "It says 403")
>>> ticket.status
<Status.NEW: 'new'>

Every operation has a blocking form (the GIL is released while it runs) and
an ``_async`` form for asyncio (``await acme.open_ticket_async(...)``).
Datetimes are aware (any offset in, UTC out), durations are ``timedelta``,
failures are :class:`TicketryError` subclasses, one per core error code.
"""

from . import _native
from ._client import Desk, Helpdesk
from ._native import Calendar, ManualClock
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors_all
from .models import *  # noqa: F401,F403
from .models import __all__ as _models_all

__version__: str = _native.__version__

__all__ = ["Helpdesk", "Desk", "Calendar", "ManualClock", *_errors_all, *_models_all]
