"""Celery application; tasks are fed by the outbox relay (isigurt.outbox)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isigurt.settings.base")
app = Celery("isigurt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
