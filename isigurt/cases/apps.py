from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "isigurt.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from isigurt.cases.handlers import first_response_on_answer
        from isigurt.reports.signals import report_answered

        # Sent inside the answer's transaction: the case's first response commits with it.
        report_answered.connect(first_response_on_answer, dispatch_uid="cases.first_response")
        # Re-index a case when its reporter writes again or sends pictures (report_added_to).
        from isigurt.cases import linking  # noqa: F401
