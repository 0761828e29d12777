"""The seeds' support API as JSON views over Ticketry.

Every view goes through :func:`endpoint`: method dispatch (405 with
``Allow``), CSRF for session-authenticated callers (as Django REST framework
does), identity (401), the access rules and the host's permission hook (403,
see :mod:`ticketry.django.access`), and one mapping of errors to JSON
``{"error": {"code", "message", "field"}}``.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Optional, Tuple

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from .. import Desk, Message, Priority, Ticket, TicketryError, View
from . import access, conf, runtime
from .access import Person

__all__ = ["HTTP_STATUS", "endpoint"]

#: Ticketry's error codes → HTTP statuses (the one place this mapping lives).
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

Handler = Callable[..., Any]


class ApiError(Exception):
    """An answer other than 2xx, raised from inside a handler."""

    def __init__(self, status: int, code: str, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.status, self.code, self.field = status, code, field


def _error(status: int, code: str, message: str, field: Optional[str] = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "field": field}}, status=status)


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, answering the reason instead of a page."""

    def _reject(self, request: HttpRequest, reason: str) -> Any:
        return reason


def _csrf_failure(request: HttpRequest) -> Optional[str]:
    """Why a session-authenticated unsafe request fails Django's CSRF check
    (``None``: it passes). Views are CSRF-exempt otherwise, so token-authenticated
    API clients need no token, as with Django REST framework."""
    check = _CsrfCheck(lambda _: None)
    check.process_request(request)
    reason = check.process_view(request, lambda _: None, (), {})
    return None if reason is None else f"CSRF check failed ({reason}): send the csrftoken cookie in X-CSRFToken"


class Call:
    """One request being served: the workspace, the caller, the request."""

    def __init__(self, request: HttpRequest, desk: Desk, me: Person) -> None:
        self.request, self.desk, self.me = request, desk, me

    @property
    def staff(self) -> bool:
        return self.me.staff

    def allow(self, action: str, ticket: Optional[Ticket] = None) -> None:
        access.check(self.request, action, self.me, ticket)

    def ticket(self, ref: str, action: str) -> Ticket:
        """The ticket by id or number, if the caller may see it and take ``action`` on it."""
        try:
            uuid.UUID(ref)
        except ValueError:
            t = self.desk.get_ticket_by_number(ref)
        else:
            t = self.desk.get_ticket(ref)
        access.visible(self.me, t, ref)
        self.allow(action, t)
        return t

    def body(self) -> Dict[str, Any]:
        try:
            raw = self.request.body
        except RequestDataTooBig:
            raise ApiError(413, "invalid_input", "the body is too large (DATA_UPLOAD_MAX_MEMORY_SIZE)", "body") from None
        if not raw:
            return {}
        if self.request.content_type != "application/json":
            # Also keeps cross-site HTML forms (text/plain) out.
            raise ApiError(415, "unsupported_media_type", "send the body as application/json", "body")
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(400, "invalid_input", "the body is not JSON (or nested too deep)", "body") from None
        if not isinstance(data, dict):
            raise ApiError(400, "invalid_input", "the body must be a JSON object", "body")
        return data


def endpoint(**methods: Tuple[Optional[str], Handler]) -> Callable[..., JsonResponse]:
    """A JSON view: ``endpoint(GET=("list_tickets", handler), ...)``. The
    action is checked before the handler runs; ``None`` marks a ticket action,
    checked by ``Call.ticket`` once the ticket is known."""

    allowed = [m for name in methods for m in ((name, "HEAD") if name == "GET" else (name,))]

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> JsonResponse:
        # HEAD is answered as GET, without the body.
        found = methods.get("GET" if request.method == "HEAD" else request.method or "")
        if found is None:
            resp = _error(405, "method_not_allowed", f"{request.method} is not allowed here")
            resp["Allow"] = ", ".join(allowed)
            return resp
        action, handler = found
        try:
            me = access.identify(request)
            user = getattr(request, "user", None)
            if request.method not in ("GET", "HEAD", "OPTIONS") and user is not None and user.is_authenticated:
                reason = _csrf_failure(request)
                if reason:
                    raise access.Forbidden(reason)
            cfg = conf.settings()
            slug = cfg.workspace_resolver(request) if cfg.workspace_resolver else None
            d = runtime.desk(slug)
            access.register(d, me)
            call = Call(request, d, me)
            if action is not None:
                call.allow(action)
            status, data = handler(call, **kwargs)
            if isinstance(data, (HttpResponse, StreamingHttpResponse)):  # a page or a file
                return data
            return JsonResponse(data, status=status, safe=False)
        except ApiError as e:
            return _error(e.status, e.code, str(e), e.field)
        except access.NotAuthenticated as e:
            return _error(401, "not_authenticated", str(e))
        except access.Forbidden as e:
            return _error(403, "forbidden", str(e))
        except TicketryError as e:
            return _error(HTTP_STATUS.get(e.code, 500), e.code, e.message, request_field(getattr(e, "field", None)))

    return view


#: Ticketry's argument → the request's own name for it, where they differ.
_REQUEST_FIELDS = {"after": "cursor", "search": "q", "body": "message", "statuses": "status",
                   "priorities": "priority", "suggestions": "suggestion_id", "customer": "user"}


def request_field(field: Optional[str]) -> Optional[str]:
    """An error's field as the request named it (``after`` → ``cursor``,
    ``statuses[2]`` → ``status``): the caller's own name, as the error
    contract promises."""
    if not field:
        return field
    lead = re.split(r"[.\[]", field, maxsplit=1)[0]
    return _REQUEST_FIELDS.get(lead, field)


# ----- JSON shapes ---------------------------------------------------------------------


def _iso(t: Optional[datetime]) -> Optional[str]:
    return t.isoformat() if t else None


def instant_param(c: "Call", name: str, default: datetime) -> datetime:
    """An aware ISO 8601 instant from the query string (``default`` when absent)."""
    raw = c.request.GET.get(name)
    if not raw:
        return default
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_input", f"{name} must be an ISO 8601 instant", name) from None
    if at.tzinfo is None:
        raise ApiError(400, "invalid_input", f"{name} needs a time zone offset", name)
    return _in_range(name, at)


#: The instants Ticketry stores (``ticketry_core::limits``).
_EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
_LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


def _in_range(name: str, at: datetime) -> datetime:
    """``at`` if Ticketry can store it (a date a year 1 or 9999 would
    overflow the arithmetic around it), else 400 naming ``name``."""
    if not _EARLIEST <= at <= _LATEST:
        raise ApiError(400, "invalid_input", f"{name} must be between 1970-01-01 and 9999-12-31", name)
    return at


def _seconds(d: Optional[timedelta]) -> Optional[int]:
    return None if d is None else int(d.total_seconds())


def _user(person: Optional[str]) -> Any:
    """The host's user id as the host wrote it (Django primary keys are ints)."""
    return int(person) if person is not None and person.isdigit() else person


def ticket_json(t: Ticket, *, staff: bool) -> Dict[str, Any]:
    """A ticket in the seeds' shape: seed 000's ``message``/``user``, seed 003's
    ``ticket_number``/``description``/``satisfaction_rating``; SLA and version for staff."""
    data: Dict[str, Any] = {
        "id": t.id,
        "number": t.number,
        "ticket_number": t.number,
        "user": _user(t.customer),
        "subject": t.subject,
        "message": t.description,
        "description": t.description,
        "status": t.status.value,
        "priority": t.priority,
        "category": t.category,
        "channel": t.channel.value,
        "assigned_to": _user(t.assignee),
        "team": t.team,
        "tags": list(t.tags),
        "links": [str(link) for link in t.links],
        "satisfaction_rating": t.satisfaction.rating if t.satisfaction else None,
        "satisfaction_comment": t.satisfaction.comment if t.satisfaction else None,
        "created_at": _iso(t.created_at),
        "updated_at": _iso(t.updated_at),
        "first_response_at": _iso(t.first_response_at),
        "resolved_at": _iso(t.resolved_at),
        "closed_at": _iso(t.closed_at),
    }
    if staff:
        # The current clock of each metric: the first (a breached
        # next-response clock kept on record comes after the current ones).
        current = {}
        for c in t.sla.clocks:
            current.setdefault(c.metric, c)
        data["sla"] = [
            {"metric": c.metric.value, "status": c.status.value, "due_at": _iso(c.due_at)} for c in current.values()
        ]
        data["version"] = t.version
    return data


def message_json(m: Message) -> Dict[str, Any]:
    return {
        "id": m.id,
        "ticket": m.ticket_id,
        "author": {"type": m.author.type.value, "id": _user(m.author.id)},
        "message": m.body,
        "message_type": m.kind.value,
        "is_staff_reply": m.author.type.value == "agent",
        "is_internal": m.kind.value == "note",
        "attachments": [
            {"filename": a.filename, "size": a.size, "mime_type": a.mime_type, "storage_key": a.storage_key}
            for a in m.attachments
        ],
        "created_at": _iso(m.created_at),
    }


def priority_json(p: Priority) -> Dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "description": p.description,
        "rank": p.rank,
        "order": p.position,
        "color": p.color,
        "is_default": p.is_default,
        "sla": {"first_response": _seconds(p.first_response), "resolution": _seconds(p.resolution)},
    }


def page_json(page: Any, *, staff: bool) -> Dict[str, Any]:
    return {"results": [ticket_json(t, staff=staff) for t in page.items], "next": page.next_cursor}


def _required(data: Dict[str, Any], *keys: str) -> Any:
    """The first of ``keys`` present in ``data`` (seeds name the same field differently)."""
    for key in keys:
        if data.get(key) not in (None, ""):
            return data[key]
    raise ApiError(400, "invalid_input", f"{keys[0]} is required", keys[0])


def _text(data: Dict[str, Any], *keys: str) -> str:
    """``_required``, a string (where the view itself uses the value)."""
    value = _required(data, *keys)
    if not isinstance(value, str):
        key = next(k for k in keys if data.get(k) is value)
        raise ApiError(400, "invalid_input", f"{key} must be a string", key)
    return value


def _paging(request: HttpRequest) -> Dict[str, Any]:
    q = request.GET
    try:
        limit = int(q.get("limit", 50))
    except ValueError:
        raise ApiError(400, "invalid_input", "limit must be a number", "limit") from None
    return {"statuses": [s for s in q.get("status", "").split(",") if s], "after": q.get("cursor") or None, "limit": limit}


# ----- handlers: each returns (status, JSON) -------------------------------------------


@csrf_exempt
def no_route_view(request: HttpRequest) -> HttpResponse:
    """Any other path under the prefix: a JSON 404, as every other answer
    (Django's own 404 page lists the URL patterns under ``DEBUG``). A known
    path written without its trailing slash is served as with it, as the
    Express router does (``APPEND_SLASH`` would redirect a GET, losing a
    POST's body, and raises under ``DEBUG``)."""
    path = request.path_info
    if not path.endswith("/"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        # Only this app's own views: a host's view would run here without
        # its CSRF check (this view is exempt, and the check already ran).
        own = getattr(match.func, "__module__", "").startswith("ticketry.django.") if match else False
        if match is not None and own and match.func is not no_route_view:
            return match.func(request, *match.args, **match.kwargs)  # type: ignore[no-any-return]
    return _error(404, "not_found", f"no route {request.method} {request.path}")


@csrf_exempt
def health_view(request: HttpRequest) -> JsonResponse:
    """Seed 001's public health check: 200 when the store answers, 503 otherwise."""
    if request.method not in ("GET", "HEAD"):
        resp = _error(405, "method_not_allowed", f"{request.method} is not allowed here")
        resp["Allow"] = "GET, HEAD"
        return resp
    try:
        backend = runtime.helpdesk().backend
        runtime.desk().info()
    except TicketryError as e:
        return JsonResponse({"status": "unavailable", "error": {"code": e.code, "message": e.message}}, status=503)
    return JsonResponse({"status": "ok", "backend": backend})


def my_tickets(c: Call) -> Any:
    search = c.request.GET.get("q") or c.request.GET.get("search") or None
    page = c.desk.list_tickets(customer=c.me.id, search=search, **_paging(c.request))
    return 200, page_json(page, staff=c.staff)


def open_ticket(c: Call) -> Any:
    data = c.body()
    t = c.desk.open_ticket(
        c.me.id,
        _required(data, "subject"),
        _required(data, "message", "description"),
        priority=data.get("priority") or None,
        category=_category(c, data.get("category")),
        channel="api",
        suggestions=data.get("suggestion_id") or None,
    )
    return 201, ticket_json(t, staff=c.staff)


def _category(c: Call, value: Any) -> Optional[str]:
    """A category given by id or by code (seed 001's ``login``, ``payment``)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ApiError(400, "invalid_input", "category must be a category id or code", "category")
    try:
        uuid.UUID(value)
    except ValueError:
        return c.desk.get_category_by_code(value).id
    return value


def all_tickets(c: Call) -> Any:
    return 200, page_json(c.desk.list_tickets(**staff_filters(c)), staff=True)


def staff_filters(c: Call) -> Dict[str, Any]:
    """The staff queue's filters from the query string (``list_tickets`` keywords)."""
    q = c.request.GET
    filters: Dict[str, Any] = _paging(c.request)
    assigned = q.get("assigned_to")
    if assigned == "none":
        filters["unassigned"] = True
    elif assigned:
        filters["assignee"] = c.me.id if assigned == "me" else assigned
    for key in ("tag", "category", "order", "link"):
        if q.get(key):
            filters[key] = q[key]
    priorities = [p for p in q.get("priority", "").split(",") if p]
    if priorities:
        filters["priorities"] = priorities
    if q.get("breached") in ("1", "true"):
        filters["breached"] = True
    if q.get("user"):
        filters["customer"] = q["user"]
    if q.get("q") or q.get("search"):
        # Staff search notes too (seed 000's admin: "by text, author, ID").
        filters["search"] = q.get("q") or q.get("search")
        filters["search_notes"] = True
    return filters


def ticket_detail(c: Call, ref: str) -> Any:
    t = c.ticket(ref, "view_ticket")
    thread = c.desk.thread(t, View.AGENT if c.staff else View.CUSTOMER)
    return 200, {**ticket_json(thread.ticket, staff=c.staff), "messages": [message_json(m) for m in thread.messages]}


def add_message(c: Call, ref: str) -> Any:
    """A customer's message, or a staff reply (seed 000 ``messages/``, 001
    ``add_message/``, 003 ``reply/``). Staff writing on their own ticket write as its customer."""
    t = c.ticket(ref, "add_message")
    text = _required(c.body(), "message")
    if c.staff and t.customer != c.me.id:
        return 201, message_json(c.desk.reply(t, c.me.id, text))
    return 201, message_json(c.desk.customer_message(t, c.me.id, text))


def close_ticket(c: Call, ref: str) -> Any:
    t = c.ticket(ref, "close_ticket")
    return 200, ticket_json(c.desk.close(t, by=c.me.actor), staff=c.staff)


def merge(c: Call, ref: str) -> Any:
    """Merges this ticket into ``{"into": <id or number>}`` (staff, seed 002):
    its thread is copied there and it is closed; returns the target."""
    t = c.ticket(ref, "merge_ticket")
    into = _text(c.body(), "into")
    target = c.ticket(into, "merge_ticket")
    return 200, ticket_json(c.desk.merge_tickets(t, target, c.me.id), staff=True)


def assign(c: Call, ref: str) -> Any:
    """Assigns to yourself; ``{"agent": <user id>}`` assigns to another staff member, ``null`` unassigns."""
    t = c.ticket(ref, "assign_ticket")
    data = c.body()
    agent = data.get("agent", data.get("assigned_to", c.me.id)) if data else c.me.id
    if agent is None:
        return 200, ticket_json(c.desk.unassign(t, by=c.me.actor), staff=True)
    return 200, ticket_json(c.desk.assign(t, access.agent(c.desk, agent), by=c.me.actor), staff=True)


def set_status(c: Call, ref: str) -> Any:
    """Staff set any status the workflow allows (seed 000 ``PATCH``)."""
    t = c.ticket(ref, "set_status")
    return 200, ticket_json(c.desk.set_status(t, _required(c.body(), "status"), by=c.me.actor), staff=True)


#: The statuses a customer may ``PUT`` on their own ticket, as actions.
_CUSTOMER_STATUSES = {"closed": "close_ticket", "open": "reopen_ticket"}


def put_status(c: Call, ref: str) -> Any:
    """Seed 003's ``PUT``, which customers call too: staff as ``PATCH``; a
    customer may only close their ticket or reopen it."""
    if c.staff:
        return set_status(c, ref)
    status = _text(c.body(), "status")
    action = _CUSTOMER_STATUSES.get(status)
    if action is None:
        raise access.Forbidden("customers may only set status 'closed' or 'open'")
    t = c.ticket(ref, action)
    change = c.desk.close if action == "close_ticket" else c.desk.reopen
    return 200, ticket_json(change(t, by=c.me.actor), staff=False)


def set_priority(c: Call, ref: str) -> Any:
    t = c.ticket(ref, "set_priority")
    return 200, ticket_json(c.desk.set_priority(t, _required(c.body(), "priority"), by=c.me.actor), staff=True)


def internal_note(c: Call, ref: str) -> Any:
    t = c.ticket(ref, "add_note")
    return 201, message_json(c.desk.add_note(t, c.me.id, _required(c.body(), "message")))


def rate(c: Call, ref: str) -> Any:
    """The ticket's customer rates it 1–5 (seed 003)."""
    t = c.ticket(ref, "rate_ticket")
    if t.customer != c.me.id:
        raise access.Forbidden("only the ticket's customer rates it")
    data = c.body()
    rating = _required(data, "rating", "satisfaction_rating")
    if type(rating) is not int:
        raise ApiError(400, "invalid_input", "rating must be an integer from 1 to 5", "rating")
    comment = data.get("comment", data.get("feedback"))
    return 200, ticket_json(c.desk.rate(t, rating, comment, by=c.me.actor), staff=c.staff)


def message_detail(c: Call, message_id: str) -> Any:
    """One message: customers see public messages of their own tickets only."""
    m = c.desk.get_message(message_id, view=View.AGENT if c.staff else View.CUSTOMER)
    if not c.staff and c.desk.get_ticket(m.ticket_id).customer != c.me.id:
        raise ApiError(404, "not_found", f"not found: message {message_id}")
    return 200, message_json(m)


def stats(c: Call) -> Any:
    """Counts per status and seed 000's dashboard (today in the workspace's zone)."""
    s = c.desk.ticket_stats()
    d = c.desk.dashboard()
    until = datetime.now(timezone.utc)
    t = c.desk.metrics(until - timedelta(days=30), until).totals
    return 200, {
        "last_30_days": {
            "created": t.created,
            "resolved": t.resolved,
            "reopened": t.reopened,
            "median_first_response": _seconds(t.first_response.median),
            "median_resolution": _seconds(t.resolution.median),
            "csat": t.csat.mean,
            "sla_compliance": {str(x.metric): x.compliance for x in t.sla},
        },
        "total": s.total,
        "by_status": {str(k): v for k, v in s.by_status.items()},
        "active": d.active,
        "unassigned": d.unassigned,
        "created_today": d.created_today,
        "resolved_today": d.resolved_today,
        "closed_today": d.closed_today,
        "breaching_now": d.breaching_now,
        "due_within_hour": d.due_within_hour,
        "avg_first_response": _seconds(d.avg_first_response),
        "avg_resolution": _seconds(d.avg_resolution),
    }


def categories(c: Call) -> Any:
    return 200, [
        {"id": x.id, "code": x.code, "name": x.name, "description": x.description, "icon": x.icon, "parent": x.parent,
         "default_priority": x.default_priority, "order": x.position}
        for x in c.desk.list_categories() if x.active
    ]


def priorities(c: Call) -> Any:
    return 200, [priority_json(p) for p in c.desk.list_priorities() if p.active]


def templates(c: Call) -> Any:
    category = c.request.GET.get("category") or None
    return 200, [
        {"id": x.id, "name": x.name, "body": x.body, "language": x.language, "categories": list(x.categories), "subject": x.subject,
         "usage_count": x.usage_count}
        for x in c.desk.list_templates(category) if x.active
    ]


tickets_view = endpoint(GET=("list_tickets", my_tickets), POST=("open_ticket", open_ticket))
all_tickets_view = endpoint(GET=("list_all_tickets", all_tickets))
ticket_view = endpoint(GET=(None, ticket_detail))
messages_view = endpoint(POST=(None, add_message))
close_view = endpoint(POST=(None, close_ticket))
assign_view = endpoint(PATCH=(None, assign), POST=(None, assign))
merge_view = endpoint(POST=(None, merge))
status_view = endpoint(PATCH=(None, set_status), PUT=(None, put_status))
priority_view = endpoint(PATCH=(None, set_priority), PUT=(None, set_priority))
internal_view = endpoint(POST=(None, internal_note))
rate_view = endpoint(POST=(None, rate))
message_view = endpoint(GET=("view_message", message_detail))
stats_view = endpoint(GET=("view_stats", stats))
categories_view = endpoint(GET=("list_categories", categories))
priorities_view = endpoint(GET=("list_priorities", priorities))
templates_view = endpoint(GET=("list_templates", templates))
