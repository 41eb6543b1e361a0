"""Admin: metadata only. Narratives, contacts and evidence are read through the helpline's pages,
which check roles and write the audit log; the admin shows no encrypted field."""

from django.contrib import admin

from isigurt.reports.models import Evidence, HelplineNotification, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("tracking_code", "category", "channel", "status", "flagged", "created_at")
    list_filter = ("category", "channel", "status", "flagged")
    fields = ("tracking_code", "category", "audience", "channel", "status", "flagged", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ("id", "stored", "mime", "size", "created_at")
    fields = ("id", "report", "stored", "sha256", "pdq_hash", "pdq_quality", "mime", "size")
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(HelplineNotification)
class HelplineNotificationAdmin(admin.ModelAdmin):
    list_display = ("report", "emailed", "created_at")
    readonly_fields = ("report", "emailed", "created_at")
