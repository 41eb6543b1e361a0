"""The transactional outbox: follow-up work written in the same transaction as the change."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """One unit of follow-up work. The payload holds identifiers only, never personal data.

    Pending: neither dispatched nor handled. Dispatched: handed to Celery, not yet handled.
    Handled: the handler ran and its database writes committed together with `handled_at`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # An exception class name or a fixed phrase; never an exception's message.
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["available_at"],
                condition=Q(handled_at__isnull=True),
                name="outbox_unhandled_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.id}"
