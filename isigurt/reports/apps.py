from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "isigurt.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from isigurt.lib.rotation import register_blob_rotator
        from isigurt.reports.search import report_message_indexed
        from isigurt.reports.signals import report_added_to
        from isigurt.reports.storage import evidence_rotate_keys

        # What the reporter adds is searchable at once (same transaction, blind index).
        report_added_to.connect(report_message_indexed, dispatch_uid="reports.search")

        # manage.py rotate_encryption_key re-encrypts evidence files along with the fields.
        register_blob_rotator("reports.evidence", evidence_rotate_keys)
