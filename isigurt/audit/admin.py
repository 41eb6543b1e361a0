"""The audit log in the admin: read-only, for platform administrators only. Reading it is
itself audited (``auditentry.list`` for each page of the list, ``auditentry.read`` for an entry)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.admin import AuditedReadAdminMixin
from isigurt.accounts.models import Role
from isigurt.audit.models import AuditEntry


def _is_platform_admin(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_active and (user.is_superuser or user.has_role(Role.PLATFORM_ADMIN)))


class SealedFilter(admin.SimpleListFilter):
    title = _("sealed")
    parameter_name = "sealed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Sealed")), ("no", _("Not sealed yet"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(seq__isnull=False)
        if self.value() == "no":
            return queryset.filter(seq__isnull=True)
        return queryset


# Every column of an entry, in the order of the model (all of them read-only); the field
# names as a plain list rather than JSON.
_ENTRY_FIELDS = tuple(
    "field_names" if field.name == "fields" else field.name for field in AuditEntry._meta.fields
)


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditedReadAdminMixin, admin.ModelAdmin):
    list_display = [
        "seq",
        "created_at",
        "actor_label",
        "organisation_id",
        "action",
        "object_type",
        "object_id",
        "field_names",
        "ip",
    ]
    list_filter = ["action", "object_type", SealedFilter]
    # Prefix search ("evidence" finds evidence.erased); an object's id is matched exactly.
    search_fields = ["^action", "^object_type", "^actor_label", "=object_id"]
    search_help_text = _("The beginning of an action, object type or actor; or an object's id.")
    fields = readonly_fields = _ENTRY_FIELDS
    actions = None
    show_full_result_count = False

    @admin.display(description=_("fields"))
    def field_names(self, obj: AuditEntry) -> str:
        return ", ".join(str(name) for name in obj.fields or ())

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
