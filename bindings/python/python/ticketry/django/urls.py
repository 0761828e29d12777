"""The seeds' support API: ``path("api/support/", include("ticketry.django.urls"))``.

Seeds 000, 001, 002 and 003 under one prefix (their paths coexist; where two seeds
name one operation differently, both names are routed). ``<ref>`` is a
ticket's id or its number (``TKT-2026-00042``).
"""

from django.urls import path, re_path

from . import kb, recovery, reports, status, telegram, views

app_name = "ticketry"

urlpatterns = [
    path("health/", views.health_view, name="health"),
    path("tickets/", views.tickets_view, name="tickets"),
    path("tickets/all/", views.all_tickets_view, name="tickets-all"),
    path("tickets/export.csv", reports.export_view, name="tickets-export"),
    path("admin/tickets/", views.all_tickets_view, name="admin-tickets"),
    path("tickets/<str:ref>/", views.ticket_view, name="ticket"),
    path("tickets/<str:ref>/messages/", views.messages_view, name="ticket-messages"),
    path("tickets/<str:ref>/add_message/", views.messages_view, name="ticket-add-message"),
    path("tickets/<str:ref>/reply/", views.messages_view, name="ticket-reply"),
    path("tickets/<str:ref>/close/", views.close_view, name="ticket-close"),
    path("tickets/<str:ref>/assign/", views.assign_view, name="ticket-assign"),
    path("admin/tickets/<str:ref>/assign/", views.assign_view, name="admin-ticket-assign"),
    path("tickets/<str:ref>/status/", views.status_view, name="ticket-status"),
    path("tickets/<str:ref>/merge/", views.merge_view, name="ticket-merge"),
    path("tickets/<str:ref>/priority/", views.priority_view, name="ticket-priority"),
    path("tickets/<str:ref>/internal/", views.internal_view, name="ticket-internal"),
    path("tickets/<str:ref>/rate/", views.rate_view, name="ticket-rate"),
    path("messages/<str:message_id>/", views.message_view, name="message"),
    path("stats/", views.stats_view, name="stats"),
    path("stats/metrics/", reports.metrics_view, name="stats-metrics"),
    path("stats/metrics.csv", reports.metrics_csv_view, name="stats-metrics-csv"),
    path("stats/daily/", reports.daily_view, name="stats-daily"),
    path("dashboard/", reports.dashboard_page, name="dashboard"),
    path("categories/", views.categories_view, name="categories"),
    path("priorities/", views.priorities_view, name="priorities"),
    path("templates/", views.templates_view, name="templates"),
    # Seed 001: the service status and incidents.
    path("status/", status.status_view, name="status"),
    path("incidents/", status.incidents_view, name="incidents"),
    path("incidents/<str:incident>/", status.incident_view, name="incident"),
    path("incidents/<str:incident>/updates/", status.incident_updates_view, name="incident-updates"),
    path("incidents/<str:incident>/resolve/", status.incident_resolve_view, name="incident-resolve"),
    # Seed 002: access recovery.
    path("access-requests/", recovery.requests_view, name="access-requests"),
    path("access-requests/<str:request_id>/", recovery.request_view, name="access-request"),
    path("access-requests/<str:request_id>/<str:decision>/", recovery.decision_view, name="access-request-decision"),
    # Seed 003's knowledge base and seed 000's suggestions.
    path("kb/", kb.articles_view, name="kb"),
    path("kb/categories/", kb.categories_view, name="kb-categories"),
    path("kb/search/", kb.search_view, name="kb-search"),
    path("kb/suggest/", kb.suggest_view, name="kb-suggest"),
    path("kb/deflection/", kb.deflection_view, name="kb-deflection"),
    path("kb/<str:slug>/", kb.article_view, name="kb-article"),
    path("kb/<str:article>/helpful/", kb.helpful_view, name="kb-helpful"),
    # Seed 001's Telegram bot (TICKETRY["TELEGRAM"]).
    path("telegram/", telegram.webhook_view, name="telegram"),
    # Last: any other path under the prefix is a JSON 404.
    re_path(r"^.*$", views.no_route_view, name="no-route"),
]
