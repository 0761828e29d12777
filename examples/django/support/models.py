# No Django models: tickets, messages and SLA clocks live in Ticketry, in the
# same database (schema "ticketry"). This module exists so that
# `manage.py migrate` sends this app's post_migrate signal, which migrates
# Ticketry's schema (see apps.py).
