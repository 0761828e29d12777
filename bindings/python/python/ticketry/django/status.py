"""Seed 001's service status and incidents as JSON views.

``status/`` is what every signed-in user is shown (the banner); staff
declare incidents, post updates and resolve them (one reply to every linked
ticket, optionally resolving them).
"""

from __future__ import annotations

from typing import Any, Dict, List

from .. import Incident, ServiceStatus
from .views import ApiError, Call, _iso, _required, endpoint

__all__ = ["incident_json", "status_json"]


def incident_json(i: Incident) -> Dict[str, Any]:
    return {
        "id": i.id,
        "title": i.title,
        "message": i.message,
        "severity": i.severity.value,
        "status": i.status.value,
        "categories": list(i.categories),
        "pause_sla": i.pause_sla,
        "updates": [{"at": _iso(u.at), "message": u.message} for u in i.updates],
        "declared_at": _iso(i.declared_at),
        "resolved_at": _iso(i.resolved_at),
        "resolution": i.resolution,
    }


def status_json(s: ServiceStatus) -> Dict[str, Any]:
    return {
        "status": s.state.value,
        "banner": s.banner,
        "incidents": [incident_json(i) for i in s.incidents],
    }


def service_status(c: Call) -> Any:
    return 200, status_json(c.desk.service_status())


def incidents(c: Call) -> Any:
    open_only = c.request.GET.get("open") in ("1", "true")
    return 200, [incident_json(i) for i in c.desk.list_incidents(open_only=open_only)]


def declare(c: Call) -> Any:
    data = c.body()
    categories = data.get("categories") or []
    if not isinstance(categories, list):
        raise ApiError(400, "invalid_input", "categories must be a list of ids or codes", "categories")
    from .views import _category

    ids: List[Any] = [_category(c, x) for x in categories]
    i = c.desk.declare_incident(
        _required(data, "title"),
        message=data.get("message") or None,
        severity=data.get("severity") or None,
        categories=ids,
        pause_sla=data.get("pause_sla"),
        by=c.me.actor,
    )
    return 201, incident_json(i)


def incident_detail(c: Call, incident: str) -> Any:
    figures = c.desk.incident_figures(incident)
    return 200, {
        **incident_json(figures.incident),
        "duration": int(figures.duration.total_seconds()),
        "linked_tickets": figures.linked_tickets,
        "active_tickets": figures.active_tickets,
    }


def post_update(c: Call, incident: str) -> Any:
    i = c.desk.post_incident_update(incident, _required(c.body(), "message"), by=c.me.actor)
    return 201, incident_json(i)


def resolve(c: Call, incident: str) -> Any:
    data = c.body()
    resolve_tickets = data.get("resolve_tickets", False)
    if not isinstance(resolve_tickets, bool):
        raise ApiError(400, "invalid_input", "resolve_tickets must be true or false", "resolve_tickets")
    i = c.desk.resolve_incident(incident, _required(data, "message", "resolution"),
                                resolve_tickets=resolve_tickets, by=c.me.actor)
    return 200, incident_json(i)


status_view = endpoint(GET=("view_status", service_status))
incidents_view = endpoint(GET=("list_incidents", incidents), POST=("declare_incident", declare))
incident_view = endpoint(GET=("list_incidents", incident_detail))
incident_updates_view = endpoint(POST=("update_incident", post_update))
incident_resolve_view = endpoint(POST=("resolve_incident", resolve))
