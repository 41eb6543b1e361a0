from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "isigurt.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from isigurt.audit.checks import register_checks

        register_checks()
