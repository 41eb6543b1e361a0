from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "isigurt.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Re-index a case when its reporter writes again or sends pictures (report_added_to).
        from isigurt.cases import linking  # noqa: F401
