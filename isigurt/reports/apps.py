from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "isigurt.reports"
    label = "reports"

    def ready(self) -> None:
        from isigurt.lib.rotation import register_blob_rotator
        from isigurt.reports.storage import evidence_rotate_keys

        # manage.py rotate_encryption_key re-encrypts evidence files along with the fields.
        register_blob_rotator("reports.evidence", evidence_rotate_keys)
