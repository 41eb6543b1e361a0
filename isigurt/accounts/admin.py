"""The administration site: reached only through the staff login and a verified second factor."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.api_tokens import (
    ApiTokenRefused,
    api_token_issue,
    api_token_issue_check,
    api_token_revoke,
)
from isigurt.accounts.forms import StaffUserChangeForm
from isigurt.accounts.middleware import is_verified
from isigurt.accounts.models import (
    INSTITUTION_TYPES,
    ApiToken,
    CredentialRequest,
    Organisation,
    RoleGrant,
    RoleGrantRequest,
    User,
)
from isigurt.accounts.selectors import pending_requests_for
from isigurt.accounts.services import (
    AdminActionRefused,
    credential_request_approve,
    credential_request_create,
    credential_request_reject,
    role_grant_approve,
    role_grant_check,
    role_grant_reject,
    role_grant_request,
    role_revoke,
    user_admin_flags_sync,
)
from isigurt.audit.services import audit_read, audit_record

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


_django_admin_index = admin.site.index


def admin_index(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin's home page, with how many requests wait for a second administrator."""
    user = request.user
    pending = pending_requests_for(viewer=user) if isinstance(user, User) else None
    return _django_admin_index(request, {"pending_requests": pending, **(extra_context or {})})


admin.site.login = admin_login  # type: ignore[method-assign]
admin.site.index = admin_index  # type: ignore[method-assign,assignment]
admin.site.index_template = "admin/isigurt_index.html"
admin.site.has_permission = admin_has_permission  # type: ignore[method-assign]
admin.site.site_header = _("I Sigurt administration")
admin.site.site_title = _("I Sigurt administration")

# Nobody sees or sets another person's second factor: django-otp's own admin pages (which show
# TOTP secrets and let an administrator add backup codes) are taken away. An administrator can
# only reset a user's second factor (StaffUserAdmin's action, audited).
for _model in [m for m in admin.site._registry if m._meta.app_label.startswith("otp_")]:
    admin.site.unregister(_model)
# Access follows roles (RoleGrant), not Django's groups and permissions: no page edits those.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


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
        with transaction.atomic():
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            _audit_change(request, "update" if change else "create", obj, fields=_field_names(form))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        object_id = obj.pk  # Django clears the key once the row is gone
        with transaction.atomic():
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


class AuditedReadAdminMixin:
    """Reads of sensitive records through the admin are audited like any other read: the list
    (one entry per page shown) and each record opened. The entry is written before the page is
    built, so a failed audit write shows nothing."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        model = self.model  # type: ignore[attr-defined]
        if request.method == "GET":  # a POST runs an action, audited by the action itself
            with transaction.atomic():
                audit_record(
                    actor=request.user,
                    action=f"{model._meta.model_name}.list",
                    object_type=model._meta.label_lower,
                    request=request,
                )
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # A POST is a change, audited as one when it is saved.
        obj = None if request.method != "GET" else self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is not None and self.has_view_or_change_permission(request, obj):  # type: ignore[attr-defined]
            with transaction.atomic():
                audit_read(actor=request.user, target=obj, request=request)
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - admin_has_permission guarantees a staff user
    return user


class RoleGrantInline(admin.TabularInline):
    """Roles are shown here and can be taken away; they are given through role requests."""

    model = RoleGrant
    extra = 0
    fields = ["role", "granted_at"]
    readonly_fields = ["role", "granted_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class StaffUserAdmin(AuditedReadAdminMixin, AuditedAdminMixin, UserAdmin):
    inlines = [RoleGrantInline]
    # The admin site opens to is_staff and is_superuser: they follow the platform
    # administrator role and are not set by hand.
    form = StaffUserChangeForm
    readonly_fields = ["password_page", "is_staff", "is_superuser", "last_login", "date_joined"]
    list_display = ["username", "organisation", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "organisation__kind"]
    list_select_related = ["organisation"]
    # No password hash on the page (not even masked): a password is only ever replaced.
    # Groups and permissions are not how access is given here (roles are).
    fieldsets = (
        (None, {"fields": ["username", "password_page"]}),
        (_("Personal details"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
        (_("Organisation"), {"fields": ["organisation"]}),
    )
    actions = ["reset_second_factor"]

    @admin.display(description=_("Password"))
    def password_page(self, obj: User) -> str:
        url = reverse("admin:auth_user_password_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Set a new password"))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit log names them

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None:  # only what the page shows can be posted (not groups, permissions)
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        return super().get_form(request, obj, change=change, **kwargs)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleGrant:
            super().save_formset(request, form, formset, change)
            return
        # Nothing from this formset is saved as posted: a row added by a crafted request is
        # dropped (roles are given through role requests), a row marked for deletion is revoked.
        formset.save(commit=False)
        for grant in formset.deleted_objects:
            role_revoke(grant=grant, actor=_actor(request), request=request)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        actor = request.user if isinstance(request.user, User) else None
        user_admin_flags_sync(user=form.instance, actor=actor, request=request)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Another user's new password goes through credential_request_create: made at once for
        most users, waiting for a second administrator for one who reads children's data.
        An administrator's own password is changed here as Django does it (audited)."""
        user = self.get_object(request, unquote(id))
        if (
            request.method == "POST"
            and isinstance(user, User)
            and user.pk != request.user.pk
            and self.has_change_permission(request, user)
        ):
            form = self.change_password_form(user, request.POST)
            if form.is_valid():
                form.save(commit=False)  # hashes the new password on the form's user only
                return self._credential_change(
                    request,
                    user,
                    kind=CredentialRequest.Kind.PASSWORD,
                    password_hash=form.user.password,
                    done=_("Password changed; the user's sessions have ended."),
                )
        with transaction.atomic():
            before = User.objects.filter(pk=unquote(id)).values_list("password", flat=True)
            old_hash = before.first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=unquote(id)).first()
            if user is not None and old_hash is not None and user.password != old_hash:
                _audit_change(request, "update", user, fields=["password"])
        return response

    def _credential_change(
        self, request: HttpRequest, user: User, *, kind: str, password_hash: str, done: Any
    ) -> HttpResponseRedirect:
        try:
            entry = credential_request_create(
                user=user,
                kind=kind,
                actor=_actor(request),
                password_hash=password_hash,
                request=request,
            )
        except AdminActionRefused as refused:
            self.message_user(request, str(refused), level=messages.ERROR)
        else:
            if entry is None:
                self.message_user(request, done, level=messages.SUCCESS)
            else:
                self.message_user(request, _WAITING % {"user": user}, level=messages.WARNING)
        return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))

    @admin.action(description=_("Reset the second factor (the user enrols again at next login)"))
    def reset_second_factor(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse | None:
        if request.POST.get("post") != "yes":  # Django's intermediate "are you sure" page
            context = {
                **self.admin_site.each_context(request),
                "title": _("Reset the second factor?"),
                "users": list(queryset),
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/accounts/user/reset_second_factor.html", context
            )
        for user in queryset:
            try:
                entry = credential_request_create(
                    user=user,
                    kind=CredentialRequest.Kind.SECOND_FACTOR,
                    actor=_actor(request),
                    request=request,
                )
            except AdminActionRefused as refused:
                self.message_user(request, str(refused), level=messages.ERROR)
                continue
            if entry is None:
                self.message_user(
                    request,
                    _("%(user)s: second factor reset; their sessions have ended.") % {"user": user},
                    level=messages.SUCCESS,
                )
            else:
                self.message_user(request, _WAITING % {"user": user}, level=messages.WARNING)
        return None


_WAITING = _(
    "%(user)s reads children's data: the change waits for a second administrator's approval "
    "(password and second-factor requests)."
)


_REQUEST_FIELDS = (
    "user",
    "role",
    "status",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
)


class RoleGrantRequestForm(forms.ModelForm):
    class Meta:
        model = RoleGrantRequest
        fields = ["user", "role"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, role = data.get("user"), data.get("role")
        if user is None or not role:
            return data
        if RoleGrant.objects.filter(user=user, role=role).exists():
            raise forms.ValidationError(_("The user already has this role."))
        try:
            role_grant_check(user=user, role=role)
        except AdminActionRefused as refused:
            raise forms.ValidationError(str(refused)) from refused
        return data


class SecondAdministratorDecisionMixin(admin.ModelAdmin):
    """Approve and reject actions for a request a second administrator decides; the services
    named on the admin refuse the one who asked and the user concerned."""

    approve_service: Callable[..., Any]
    reject_service: Callable[..., Any]

    def _decide(self, request: HttpRequest, queryset: QuerySet[Any], *, approve: bool) -> None:
        decide = self.approve_service if approve else self.reject_service
        for entry in queryset:
            try:
                decide(entry=entry, actor=_actor(request), request=request)
            except AdminActionRefused as refused:
                self.message_user(request, str(refused), level=messages.ERROR)
            else:
                done = _("Approved: %(request)s") if approve else _("Rejected: %(request)s")
                entry.refresh_from_db()
                self.message_user(request, done % {"request": entry}, level=messages.SUCCESS)

    @admin.action(description=_("Approve (as the second administrator)"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Reject"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._decide(request, queryset, approve=False)


@admin.register(RoleGrantRequest)
class RoleGrantRequestAdmin(AuditedReadAdminMixin, SecondAdministratorDecisionMixin):
    form = RoleGrantRequestForm
    """Roles are asked for here; a role that reads children's data waits for a second
    administrator (the approve action), who cannot be the one who asked nor the user."""

    list_display = ["user", "role", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status", "role"]
    list_select_related = ["user", "requested_by", "decided_by"]
    fields = _REQUEST_FIELDS
    actions = ["approve", "reject"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return _REQUEST_FIELDS[2:]
        return _REQUEST_FIELDS

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            entry = role_grant_request(
                user=obj.user, role=obj.role, actor=_actor(request), request=request
            )
        except AdminActionRefused as refused:
            raise PermissionDenied(str(refused)) from refused
        obj.pk = entry.pk
        obj.refresh_from_db()

    approve_service = staticmethod(role_grant_approve)
    reject_service = staticmethod(role_grant_reject)


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "county", "municipality", "is_active"]
    list_filter = ["kind", "is_active", "county"]
    search_fields = ["name", "short_name"]
    list_select_related = ["county", "municipality"]


@admin.register(CredentialRequest)
class CredentialRequestAdmin(AuditedReadAdminMixin, SecondAdministratorDecisionMixin):
    """New passwords and second-factor resets for users who read children's data: asked for on
    the user's page, approved here by a second administrator (not the one who asked, nor the
    user). The new password's hash is never shown."""

    list_display = ["user", "kind", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status", "kind"]
    list_select_related = ["user", "requested_by", "decided_by"]
    fields = readonly_fields = (
        "user",
        "kind",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    actions = ["approve", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # asked for on the user's page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    approve_service = staticmethod(credential_request_approve)
    reject_service = staticmethod(credential_request_reject)


class ApiTokenIssueForm(forms.ModelForm):
    """Issue a token: the institution, a label, an optional expiry. Nothing else is posted."""

    class Meta:
        model = ApiToken
        fields = ["organisation", "label", "expires_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "organisation" not in self.fields:
            return  # a token's own page: every field is read-only there
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - a foreign key's field
        field.queryset = Organisation.objects.filter(kind__in=INSTITUTION_TYPES, is_active=True)
        self.fields["label"].help_text = _("The partner system's name, as people will know it.")
        self.fields["expires_at"].help_text = _("Optional. Leave empty for a token that lasts.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organisation = data.get("organisation")
        if organisation is None:
            return data
        _label, errors = api_token_issue_check(
            organisation=organisation,
            label=data.get("label") or "",
            expires_at=data.get("expires_at"),
        )
        for name, problems in errors.items():
            for problem in problems:
                self.add_error(name if name in self.fields else None, problem)
        return data


_TOKEN_FIELDS = (
    "label",
    "prefix",
    "organisation",
    "user",
    "created_by",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
    "revoked_by",
)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedReadAdminMixin, admin.ModelAdmin):
    """Partner systems' API tokens (decision 0017). Issuing one shows its value once, on the
    page that follows; no page shows it again (only its public prefix). Tokens are revoked,
    never edited or deleted. Both are audited by the services."""

    form = ApiTokenIssueForm
    list_display = [
        "label",
        "prefix",
        "organisation",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["organisation__kind"]
    list_select_related = ["organisation"]
    search_fields = ["label", "prefix"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["organisation", "label", "expires_at"]
        return _TOKEN_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else _TOKEN_FIELDS

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, never deleted: the audit log names its account

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            issued = api_token_issue(
                organisation=obj.organisation,
                label=obj.label,
                expires_at=obj.expires_at,
                actor=_actor(request),
                request=request,
            )
        except ApiTokenRefused as refused:
            problems = " ".join(m for ms in refused.errors.values() for m in ms)
            raise PermissionDenied(problems) from refused
        obj.pk = issued.token.pk
        obj.refresh_from_db()
        request._issued_api_token = issued.value  # type: ignore[attr-defined]  # this page only

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        """The one page that shows the token's value."""
        value = getattr(request, "_issued_api_token", None)
        if value is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": _("API token issued"),
            "opts": self.model._meta,
            "token": obj,
            "value": value,
            "example_url": request.build_absolute_uri("/api/v1/referrals/"),
        }
        response = TemplateResponse(request, "admin/accounts/apitoken/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke (the partner system loses access at once)"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> TemplateResponse | None:
        if request.POST.get("post") != "yes":  # Django's intermediate "are you sure" page
            context = {
                **self.admin_site.each_context(request),
                "title": _("Revoke these API tokens?"),
                "tokens": list(queryset.select_related("organisation")),
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/accounts/apitoken/revoke.html", context)
        for token in queryset:
            if api_token_revoke(token=token, actor=_actor(request), request=request):
                self.message_user(
                    request, _("%(token)s: revoked.") % {"token": token}, level=messages.SUCCESS
                )
            else:
                self.message_user(
                    request,
                    _("%(token)s was already revoked.") % {"token": token},
                    level=messages.WARNING,
                )
        return None
