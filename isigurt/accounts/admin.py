"""The administration site: reached only through the staff login and a verified second factor."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.middleware import is_verified
from isigurt.accounts.models import Organisation, RoleGrant, User
from isigurt.accounts.services import user_admin_flags_sync
from isigurt.audit.services import audit_record

# The user forms' two password boxes are one field of the user.
_FIELD_NAMES = {"password1": "password", "password2": "password"}


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


def _field_names(form: ModelForm | None) -> list[str]:
    """The names (never the values) of the fields a form changed, each once."""
    names: list[str] = []
    for name in form.changed_data if form is not None else ():
        name = _FIELD_NAMES.get(name, name)
        if name not in names:
            names.append(name)
    return names


def _audit_change(
    request: HttpRequest,
    verb: str,
    obj: models.Model,
    *,
    fields: list[str] | None = None,
    object_id: Any = None,
) -> None:
    audit_record(
        actor=request.user,
        action=f"{obj._meta.model_name}.{verb}",
        object_type=obj._meta.label_lower,
        object_id=obj.pk if object_id is None else object_id,
        fields=fields or (),
        request=request,
    )


class AuditedAdminMixin:
    """Every change made through the admin site goes into the audit log, in the same
    transaction as the change: who, what, which fields (names only), from where."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        _audit_change(request, "update" if change else "create", obj, fields=_field_names(form))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        object_id = obj.pk  # Django clears the key once the row is gone
        super().delete_model(request, obj)  # type: ignore[misc]
        _audit_change(request, "delete", obj, object_id=object_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic(using=queryset.db):  # the bulk action runs outside one
            objects = [(obj, obj.pk) for obj in queryset]
            super().delete_queryset(request, queryset)  # type: ignore[misc]
            for obj, object_id in objects:
                _audit_change(request, "delete", obj, object_id=object_id)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseFormSet, change: bool
    ) -> None:
        deleted = [
            (f.instance, f.instance.pk) for f in formset.deleted_forms if f.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        by_instance = {id(f.instance): f for f in formset.forms}
        for obj in formset.new_objects:  # type: ignore[attr-defined]
            _audit_change(request, "create", obj, fields=_field_names(by_instance.get(id(obj))))
        for obj, changed in formset.changed_objects:  # type: ignore[attr-defined]
            _audit_change(request, "update", obj, fields=[str(name) for name in changed])
        for obj, object_id in deleted:
            _audit_change(request, "delete", obj, object_id=object_id)


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    fields = ["role", "granted_at"]
    readonly_fields = ["granted_at"]


@admin.register(User)
class StaffUserAdmin(AuditedAdminMixin, UserAdmin):
    inlines = [RoleGrantInline]
    # The admin site opens to is_staff and is_superuser: they follow the platform
    # administrator role (granted below) and are not set by hand.
    readonly_fields = ["is_staff", "is_superuser", "last_login", "date_joined"]
    list_display = ["username", "organisation", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "organisation__kind"]
    list_select_related = ["organisation"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ["organisation"]}),
    )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        actor = request.user if isinstance(request.user, User) else None
        user_admin_flags_sync(user=form.instance, actor=actor, request=request)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        with transaction.atomic():
            before = User.objects.filter(pk=unquote(id)).values_list("password", flat=True)
            old_hash = before.first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=unquote(id)).first()
            if user is not None and old_hash is not None and user.password != old_hash:
                _audit_change(request, "update", user, fields=["password"])
        return response


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "county", "municipality", "is_active"]
    list_filter = ["kind", "is_active", "county"]
    search_fields = ["name", "short_name"]
    list_select_related = ["county", "municipality"]
