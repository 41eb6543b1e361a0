from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "isigurt.outbox"
    label = "outbox"
