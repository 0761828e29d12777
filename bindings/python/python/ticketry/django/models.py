"""The app's one Django model: where each event consumer stands."""

from __future__ import annotations

from django.db import models


class EventCursor(models.Model):
    """The last Ticketry event (by ``seq``) a consumer delivered as Django
    signals, per workspace. Advanced in the same database transaction as the
    receivers' own writes, so an event is delivered once: never skipped, and
    not repeated after a receiver's failure rolled its writes back."""

    workspace = models.CharField(max_length=64)
    consumer = models.CharField(max_length=64)
    seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "consumer"], name="ticketry_event_cursor_key")]

    def __str__(self) -> str:
        return f"{self.consumer}@{self.workspace}: {self.seq}"
