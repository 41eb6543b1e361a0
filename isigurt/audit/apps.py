from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "isigurt.audit"
    label = "audit"

    def ready(self) -> None:
        from isigurt.audit.checks import register_checks

        register_checks()
