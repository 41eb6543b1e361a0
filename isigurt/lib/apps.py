from django.apps import AppConfig


class LibConfig(AppConfig):
    """Helpers without models; an app only so that it can hold management commands and checks."""

    name = "isigurt.lib"
    label = "lib"
    verbose_name = "I Sigurt helpers"
