"""Input validation for the login steps; the checks themselves are in services.py."""

from django import forms
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.models import Role, User, role_fits_organisation


class PasswordLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\s*(\d\s*){6}$",
        help_text=_("The code your authenticator app shows for I Sigurt."),
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "maxlength": "12",
            }
        ),
    )


class StaffUserChangeForm(UserChangeForm):
    """The admin's user form without the password hash: a password is only ever replaced, on
    its own page, and never shown, not even in part."""

    password = None  # type: ignore[assignment]

    class Meta(UserChangeForm.Meta):
        model = User
        fields = (  # type: ignore[assignment]
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "organisation",
        )

    def clean_organisation(self) -> object:
        """A user cannot be moved to an organisation that one of their roles does not fit (a
        helpline operator moved to another body would take the helpline's reports along)."""
        organisation = self.cleaned_data.get("organisation")
        if self.instance.pk is None:
            return organisation
        roles = self.instance.role_grants.values_list("role", flat=True)
        misfits = [str(Role(r).label) for r in roles if not role_fits_organisation(r, organisation)]
        if misfits:
            raise forms.ValidationError(
                _("Remove these roles first; they do not fit that organisation: %(roles)s.")
                % {"roles": ", ".join(sorted(misfits))}
            )
        return organisation
