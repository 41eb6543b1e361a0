from django.apps import AppConfig


class LibConfig(AppConfig):
    """Helpers without models; an app only so that it can hold management commands and checks."""

    name = "isigurt.lib"
    label = "lib"
    verbose_name = "I Sigurt helpers"

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from isigurt.lib import checks  # noqa: F401 — registers the helpers' system checks
        from isigurt.lib.middleware import mark_database_outage

        got_request_exception.connect(mark_database_outage, dispatch_uid="isigurt-db-outage")
