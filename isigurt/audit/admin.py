"""The audit log in the admin: read-only, for platform administrators only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from isigurt.accounts.models import Role
from isigurt.audit.models import AuditEntry


def _is_platform_admin(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_active and (user.is_superuser or user.has_role(Role.PLATFORM_ADMIN)))


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "seq",
        "created_at",
        "actor_label",
        "organisation_id",
        "action",
        "object_type",
        "object_id",
        "ip",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["=object_id", "=actor_label", "=action"]
    actions = None
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_platform_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
