"""The admin speaks the administrator's language and shows names, not codes."""

import pytest
from django.urls import reverse
from django.utils import translation

from isigurt.accounts.models import Role, RoleGrantRequest
from isigurt.geography.models import County

pytestmark = pytest.mark.django_db


def test_the_admin_home_names_the_parts_in_albanian(staff_client, platform_admin):
    response = staff_client(platform_admin).get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="sq")
    page = response.content.decode()
    for name in ["Llogaritë", "Regjistri i auditimit", "Gjeografia"]:
        assert f">{name}</a>" in page, name
    for name in ["Accounts", "Audit", "Geography"]:
        assert f">{name}</a>" not in page, name


def test_a_role_request_is_named_in_words(operator, platform_admin):
    entry = RoleGrantRequest.objects.create(
        user=operator, role=Role.HELPLINE_SUPERVISOR, requested_by=platform_admin
    )
    with translation.override("en"):
        assert (
            str(entry)
            == "Helpline supervisor for persona.operator (Waiting for a second administrator)"
        )


def test_the_granted_at_column_is_translated(operator, staff_client, platform_admin):
    response = staff_client(platform_admin).get(
        reverse("admin:accounts_user_change", args=[operator.pk]), HTTP_ACCEPT_LANGUAGE="sq"
    )
    assert "Dhënë më" in response.content.decode()


def test_counties_are_listed_by_name_in_the_organisation_filter(staff_client, platform_admin):
    response = staff_client(platform_admin).get(reverse("admin:accounts_organisation_changelist"))
    [county_filter] = [f for f in response.context["cl"].filter_specs if f.field_path == "county"]
    names = [name for _pk, name in county_filter.lookup_choices]
    assert names == sorted(County.objects.values_list("name", flat=True))
    assert names != list(County.objects.order_by("code").values_list("name", flat=True))
