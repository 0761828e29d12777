"""Ticketry as an installable Django app: the seeds' support API, identity
sync, access rules, management commands for the periodic jobs, and Django
signals for Ticketry's events.

Install it with one setting and one URL include::

    INSTALLED_APPS += ["ticketry.django"]
    TICKETRY = {"ROLE": "ticketry_app"}          # see ticketry.django.conf
    urlpatterns += [path("api/support/", include("ticketry.django.urls"))]

``manage.py migrate`` then creates Ticketry's tables in Django's own
PostgreSQL database (schema ``ticketry``). Django is imported only when this
package is used; plain ``import ticketry`` never needs it.
"""
