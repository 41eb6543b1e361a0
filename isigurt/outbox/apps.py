from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "isigurt.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from .registry import autodiscover_handlers

        autodiscover_handlers()
