from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "isigurt.audit"
    label = "audit"
