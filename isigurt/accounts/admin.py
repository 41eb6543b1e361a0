"""The administration site: reached only through the staff login and a verified second factor."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.middleware import is_verified
from isigurt.accounts.models import Organisation, RoleGrant, User


@login_not_required
def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """Admin has no login of its own: the staff login (with lockout and TOTP) is the only one."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(next_url, login_url=reverse("accounts:login"))


def admin_has_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and is_verified(user))


admin.site.login = admin_login  # type: ignore[method-assign]
admin.site.has_permission = admin_has_permission  # type: ignore[method-assign]
admin.site.site_header = _("I Sigurt administration")
admin.site.site_title = _("I Sigurt administration")


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    fields = ["role", "granted_at"]
    readonly_fields = ["granted_at"]


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [RoleGrantInline]
    list_display = ["username", "organisation", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "organisation__kind"]
    list_select_related = ["organisation"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ["organisation"]}),
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "county", "municipality", "is_active"]
    list_filter = ["kind", "is_active", "county"]
    search_fields = ["name", "short_name"]
    list_select_related = ["county", "municipality"]
