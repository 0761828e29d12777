from django.urls import path

from . import views

urlpatterns = [
    path("tickets/", views.tickets_view, name="tickets"),
    path("tickets/all/", views.all_view, name="tickets-all"),
    path("tickets/<str:ref>/", views.ticket_view, name="ticket"),
    path("tickets/<str:ref>/messages/", views.messages_view, name="ticket-messages"),
    path("tickets/<str:ref>/close/", views.close_view, name="ticket-close"),
    path("tickets/<str:ref>/assign/", views.assign_view, name="ticket-assign"),
    path("tickets/<str:ref>/status/", views.status_view, name="ticket-status"),
    path("tickets/<str:ref>/priority/", views.priority_view, name="ticket-priority"),
    path("tickets/<str:ref>/internal/", views.internal_view, name="ticket-internal"),
    path("messages/<str:message_id>/", views.message_view, name="message"),
    path("stats/", views.stats_view, name="stats"),
]
