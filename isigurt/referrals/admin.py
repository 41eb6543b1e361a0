"""Admin: referrals' metadata only, read-only, every read audited (the request to the
institution and the threads are read on the staff pages, which check who may). The admin
changes nothing: referrals change through their services."""

from django.contrib import admin

from isigurt.referrals.models import Referral
from isigurt.reports.admin import ReadOnlyAdmin


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ("case", "organisation", "status", "sent_at", "acknowledge_due", "escalated_at")
    list_filter = ("status",)
    fields = (
        "case",
        "organisation",
        "status",
        "shared_fields",
        "sent_at",
        "acknowledge_due",
        "acknowledged_at",
        "outcome",
        "closed_at",
        "escalated_at",
    )
    readonly_fields = fields
