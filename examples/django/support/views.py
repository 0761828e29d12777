"""The seed's support API, as JSON, over Ticketry.

Users: ``GET/POST tickets/``, ``GET tickets/<id>/``, ``POST tickets/<id>/messages/``,
``POST tickets/<id>/close/``. Staff: ``GET tickets/all/``, ``PATCH tickets/<id>/assign/``,
``PATCH …/status/``, ``PATCH …/priority/``, ``POST …/internal/``, ``GET stats/``.

A customer only ever sees their own tickets (another customer's is 404, as if
it did not exist) and never an internal note. Errors are JSON
``{"error": {"code", "message", "field"}}`` with 400/401/403/404/405/409.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Callable, Dict, Optional

from django.contrib.auth import get_user_model
from django.http import HttpRequest, JsonResponse

from ticketry import Actor, Message, NotFoundError, Ticket, TicketryError, View

from . import desk as support

# The one place Ticketry's error codes become HTTP statuses.
HTTP_STATUS = {
    "not_found": 404,
    "invalid_input": 400,
    "invalid_transition": 409,
    "conflict": 409,
    "already_exists": 409,
    "storage": 503,
    "outcome_unknown": 503,
    "internal": 500,
}


def error(status: int, code: str, message: str, field: Optional[str] = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "field": field}}, status=status)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.response = error(status, code, message, field)


def api(methods: Dict[str, Callable[..., Any]], *, staff: bool = False) -> Callable[..., JsonResponse]:
    """A JSON endpoint: authentication, staff check, method dispatch, error mapping."""

    def view(request: HttpRequest, **kwargs: Any) -> JsonResponse:
        handler = methods.get(request.method or "")
        if handler is None:
            resp = error(405, "method_not_allowed", f"{request.method} is not allowed here")
            resp["Allow"] = ", ".join(methods)
            return resp
        if not request.user.is_authenticated:
            return error(401, "not_authenticated", "log in first")
        if staff and not request.user.is_staff:
            return error(403, "forbidden", "support staff only")
        try:
            d = support.desk()
            me = support.sync_user(d, request.user)
            return handler(request, d, me, **kwargs)
        except ApiError as e:
            return e.response
        except TicketryError as e:
            return error(HTTP_STATUS.get(e.code, 500), e.code, str(e), getattr(e, "field", None))

    return view


def body(request: HttpRequest) -> Dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError:
        raise ApiError(400, "invalid_input", "the body is not JSON", "body") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_input", "the body must be a JSON object", "body")
    return data


def required(data: Dict[str, Any], key: str) -> Any:
    if data.get(key) in (None, ""):
        raise ApiError(400, "invalid_input", f"{key} is required", key)
    return data[key]


def _iso(t: Optional[datetime]) -> Optional[str]:
    return t.isoformat() if t else None


def _pk(person: Optional[str]) -> Any:
    """Ticketry ids of Django users are their primary keys."""
    return int(person) if person is not None and person.isdigit() else person


def ticket_json(t: Ticket, *, staff: bool) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "id": t.id,
        "number": t.number,
        "user": _pk(t.customer),
        "subject": t.subject,
        "message": t.description,
        "status": t.status.value,
        "priority": t.priority,
        "assigned_to": _pk(t.assignee),
        "created_at": _iso(t.created_at),
        "updated_at": _iso(t.updated_at),
        "closed_at": _iso(t.closed_at),
    }
    if staff:
        data["sla"] = [
            {"metric": c.metric.value, "status": c.status.value, "due_at": _iso(c.due_at)} for c in t.sla.clocks
        ]
        data["version"] = t.version
    return data


def message_json(m: Message) -> Dict[str, Any]:
    return {
        "id": m.id,
        "author": {"type": m.author.type.value, "id": _pk(m.author.id)},
        "message": m.body,
        "is_internal": m.kind == "note",
        "created_at": _iso(m.created_at),
    }


def find(d: Any, ref: str, request: HttpRequest, me: str) -> Ticket:
    """The ticket by id or number; another customer's ticket does not exist for you."""
    try:
        uuid.UUID(ref)
        t = d.get_ticket(ref)
    except ValueError:
        t = d.get_ticket_by_number(ref)
    if not request.user.is_staff and t.customer != me:
        raise NotFoundError(f"not found: ticket {ref}", entity="ticket", id=ref)
    return t


def actor(request: HttpRequest, me: str) -> Actor:
    return Actor.agent(me) if request.user.is_staff else Actor.customer(me)


def page_json(page: Any, *, staff: bool) -> Dict[str, Any]:
    return {"results": [ticket_json(t, staff=staff) for t in page.items], "next": page.next_cursor}


def paging(request: HttpRequest) -> Dict[str, Any]:
    q = request.GET
    try:
        limit = int(q.get("limit", 50))
    except ValueError:
        raise ApiError(400, "invalid_input", "limit must be a number", "limit") from None
    statuses = [s for s in q.get("status", "").split(",") if s]
    return {"statuses": statuses, "after": q.get("cursor") or None, "limit": limit}


# ----- users ------------------------------------------------------------------------


def my_tickets(request: HttpRequest, d: Any, me: str) -> JsonResponse:
    page = d.list_tickets(customer=me, **paging(request))
    return JsonResponse(page_json(page, staff=request.user.is_staff))


def create_ticket(request: HttpRequest, d: Any, me: str) -> JsonResponse:
    data = body(request)
    t = d.open_ticket(
        me,
        required(data, "subject"),
        required(data, "message"),
        priority=data.get("priority") or None,
        category=data.get("category") or None,
        channel="api",
    )
    return JsonResponse(ticket_json(t, staff=request.user.is_staff), status=201)


def ticket_detail(request: HttpRequest, d: Any, me: str, ref: str) -> JsonResponse:
    t = find(d, ref, request, me)
    staff = request.user.is_staff
    thread = d.thread(t, View.AGENT if staff else View.CUSTOMER)
    return JsonResponse({**ticket_json(thread.ticket, staff=staff), "messages": [message_json(m) for m in thread.messages]})


def add_message(request: HttpRequest, d: Any, me: str, ref: str) -> JsonResponse:
    t = find(d, ref, request, me)
    text = required(body(request), "message")
    if request.user.is_staff and t.customer != me:
        m = d.reply(t, me, text)
    else:
        m = d.customer_message(t, me, text)
    return JsonResponse(message_json(m), status=201)


def close_ticket(request: HttpRequest, d: Any, me: str, ref: str) -> JsonResponse:
    t = find(d, ref, request, me)
    return JsonResponse(ticket_json(d.close(t, by=actor(request, me)), staff=request.user.is_staff))


# ----- staff ------------------------------------------------------------------------


def all_tickets(request: HttpRequest, d: Any, me: str) -> JsonResponse:
    q = request.GET
    filters: Dict[str, Any] = paging(request)
    assigned = q.get("assigned_to")
    if assigned == "none":
        filters["unassigned"] = True
    elif assigned:
        filters["assignee"] = me if assigned == "me" else assigned
    for key in ("priority", "tag"):
        if q.get(key):
            filters[key] = q[key]
    if q.get("user"):
        filters["customer"] = q["user"]
    if q.get("order"):
        filters["order"] = q["order"]
    return JsonResponse(page_json(d.list_tickets(**filters), staff=True))


def assign(request: HttpRequest, d: Any, me: str, ref: str) -> JsonResponse:
    """Assigns to yourself; ``{"agent": <user id>}`` assigns to another staff member, ``null`` unassigns."""
    t = find(d, ref, request, me)
    data = body(request)
    agent: Optional[str] = me
    if "agent" in data:
        if data["agent"] is None:
            agent = None
        else:
            user = get_user_model().objects.filter(pk=data["agent"], is_staff=True, is_active=True).first()
            if user is None:
                raise ApiError(400, "invalid_input", "agent must be an active staff user", "agent")
            agent = support.sync_user(d, user)
    return JsonResponse(ticket_json(d.assign(t, agent, by=Actor.agent(me)), staff=True))


def set_status(request: HttpRequest, d: Any, me: str, ref: str) -> JsonResponse:
    t = find(d, ref, request, me)
    status = required(body(request), "status")
    return JsonResponse(ticket_json(d.set_status(t, status, by=Actor.agent(me)), staff=True))


def set_priority(request: HttpRequest, d: Any, me: str, ref: str) -> JsonResponse:
    t = find(d, ref, request, me)
    priority = required(body(request), "priority")
    return JsonResponse(ticket_json(d.set_priority(t, priority, by=Actor.agent(me)), staff=True))


def internal_note(request: HttpRequest, d: Any, me: str, ref: str) -> JsonResponse:
    t = find(d, ref, request, me)
    note = d.add_note(t, me, required(body(request), "message"))
    return JsonResponse(message_json(note), status=201)


def message_detail(request: HttpRequest, d: Any, me: str, message_id: str) -> JsonResponse:
    """One message (seed 004's GET messages/{id}/): customers see public
    messages of their own tickets only."""
    staff = request.user.is_staff
    m = d.get_message(message_id, view="agent" if staff else "customer")
    if not staff and d.get_ticket(m.ticket_id).customer != me:
        raise ApiError(404, "not_found", f"not found: message {m.id}")
    return JsonResponse(message_json(m))


def stats(request: HttpRequest, d: Any, me: str) -> JsonResponse:
    s = d.ticket_stats()
    return JsonResponse({"total": s.total, "by_status": {str(k): v for k, v in s.by_status.items()}})


tickets_view = api({"GET": my_tickets, "POST": create_ticket})
ticket_view = api({"GET": ticket_detail})
messages_view = api({"POST": add_message})
message_view = api({"GET": message_detail})
close_view = api({"POST": close_ticket})
all_view = api({"GET": all_tickets}, staff=True)
assign_view = api({"PATCH": assign}, staff=True)
status_view = api({"PATCH": set_status}, staff=True)
priority_view = api({"PATCH": set_priority}, staff=True)
internal_view = api({"POST": internal_note}, staff=True)
stats_view = api({"GET": stats}, staff=True)
