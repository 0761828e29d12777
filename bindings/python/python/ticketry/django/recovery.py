"""Seed 002's access-recovery requests as JSON views.

A signed-in customer asks for their own account (``customer`` is them);
staff may file one for a customer or for a contact address of someone who
cannot sign in. Staff review, approve or reject (with a reason); the
customer may cancel their own. The host carries out an approved request on
the ``access.approved`` event (signal ``access_approved``): Ticketry never
resets a password itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict

from .. import AccessRequest, NotFoundError
from .views import ApiError, Call, _iso, _required, _user, endpoint

__all__ = ["request_json"]

#: URL decision → the status it moves to.
DECISIONS = {"review": "in_review", "approve": "approved", "reject": "rejected", "cancel": "cancelled"}


def request_json(r: AccessRequest) -> Dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "user": _user(r.customer),
        "contact": r.contact,
        "verification": None if r.verification is None else {
            "method": r.verification.method, "checked": list(r.verification.checked)},
        "note": r.note,
        "ticket": r.ticket,
        "status": r.status.value,
        "created_at": _iso(r.created_at),
        "expires_at": _iso(r.expires_at),
        "decided_at": _iso(r.decided_at),
        "reason": r.reason,
        "history": [
            {"at": _iso(h.at), "by": {"type": h.by.type.value, "id": _user(h.by.id)},
             "from": None if h.from_ is None else h.from_.value, "to": h.to.value, "note": h.note}
            for h in r.history
        ],
    }


def _mine(c: Call, r: AccessRequest) -> AccessRequest:
    if not c.staff and r.customer != c.me.id:
        raise NotFoundError(f"not found: access_request {r.id}", entity="access_request", id=r.id)
    return r


def requests(c: Call) -> Any:
    status = c.request.GET.get("status") or None
    customer = c.request.GET.get("user") or None if c.staff else c.me.id
    return 200, [request_json(r) for r in c.desk.list_access_requests(status=status, customer=customer)]


def make(c: Call) -> Any:
    data = c.body()
    customer = data.get("user") if c.staff else c.me.id
    expires = data.get("expires_in")
    if expires is not None and (type(expires) is not int or expires <= 0):
        raise ApiError(400, "invalid_input", "expires_in is a number of seconds", "expires_in")
    try:
        expires_in = None if expires is None else timedelta(seconds=expires)
    except OverflowError:
        raise ApiError(400, "invalid_input", f"expires_in of {expires} seconds is too long", "expires_in") from None
    r = c.desk.request_access(
        _required(data, "kind", "request_type"),
        customer=None if customer in (None, "") else str(customer),
        contact=data.get("contact") or None,
        verification=data.get("verification") or None,
        note=data.get("note") or None,
        ticket=data.get("ticket") or None,
        expires_in=expires_in,
        by=c.me.actor,
    )
    return 201, request_json(r)


def detail(c: Call, request_id: str) -> Any:
    return 200, request_json(_mine(c, c.desk.get_access_request(request_id)))


def decide(c: Call, request_id: str, decision: str) -> Any:
    status = DECISIONS.get(decision)
    if status is None:
        raise ApiError(404, "not_found", f"no decision {decision!r}: one of {sorted(DECISIONS)}")
    if decision != "cancel":
        c.allow("decide_access_request")
    _mine(c, c.desk.get_access_request(request_id))
    note = c.body().get("reason") or c.body().get("note") or None
    r = c.desk.decide_access(request_id, status, note=note, by=c.me.actor)
    return 200, request_json(r)


requests_view = endpoint(GET=("list_access_requests", requests), POST=("request_access", make))
request_view = endpoint(GET=("view_access_request", detail))
decision_view = endpoint(POST=("change_access_request", decide))
