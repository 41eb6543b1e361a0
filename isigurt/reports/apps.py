from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "isigurt.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from isigurt.lib.rotation import register_blob_rotator
        from isigurt.reports.storage import evidence_rotate_keys

        # manage.py rotate_encryption_key re-encrypts evidence files along with the fields.
        register_blob_rotator("reports.evidence", evidence_rotate_keys)
