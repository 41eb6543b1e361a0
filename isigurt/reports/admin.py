"""Admin: metadata only, read-only, every read audited. Narratives, contacts and evidence are
read through the helpline's pages, which check roles; the admin shows no encrypted field.

The one write is erasing evidence, through the audited service that also removes its file."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

from isigurt.accounts.admin import AuditedReadAdminMixin
from isigurt.reports.models import Evidence, HelplineNotification, Report
from isigurt.reports.services import evidence_erase


class ReadOnlyAdmin(AuditedReadAdminMixin, admin.ModelAdmin):
    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # Only the list's own filters: a hand-made query string (?age_band=…, ?platform__iexact=…,
        # ?secret_hash__startswith=…) must not narrow the list by a field the admin does not
        # show, which would let it read a child's details one filter at a time.
        field = lookup.split(LOOKUP_SEP, 1)[0]
        filters = {item for item in self.list_filter if isinstance(item, str)}
        return field in filters and super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("tracking_code", "category", "channel", "status", "flagged", "created_at")
    list_filter = ("category", "channel", "status", "flagged")
    fields = ("tracking_code", "category", "audience", "channel", "status", "flagged", "created_at")
    readonly_fields = fields


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("id", "stored", "mime", "size", "created_at")
    fields = ("id", "report", "stored", "sha256", "pdq_hash", "pdq_quality", "mime", "size")
    readonly_fields = fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # the site's superuser check still applies

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        evidence_erase(evidence=obj, actor=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for evidence in queryset:
                evidence_erase(evidence=evidence, actor=request.user, request=request)


@admin.register(HelplineNotification)
class HelplineNotificationAdmin(ReadOnlyAdmin):
    list_display = ("report", "emailed", "created_at")
    fields = ("report", "emailed", "created_at")
    readonly_fields = fields
