"""Counties and municipalities in the admin: reference data, shown by name, never edited here
(they change only through data migrations)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from isigurt.geography.models import County, Municipality


class ReferenceDataAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The admin's ordering is also the order of these in other pages' filters and drop-downs (an
# organisation's county and municipality): by name, as people look for them.
@admin.register(County)
class CountyAdmin(ReferenceDataAdmin):
    list_display = ["name", "code"]
    ordering = ["name"]
    search_fields = ["name"]


@admin.register(Municipality)
class MunicipalityAdmin(ReferenceDataAdmin):
    list_display = ["name", "county", "seat"]
    list_filter = ["county"]
    list_select_related = ["county"]
    ordering = ["name"]
    search_fields = ["name", "aliases"]
