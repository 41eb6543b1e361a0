"""Nothing leaks between institutions: every persona against the referral, the case, the
reports, the messages and the evidence of a case referred to institution A (Tiranë's child
protection unit) and of another referred to institution B (the police), by the access layer,
the pages and the API, including ids guessed into addresses. AKEP reads links and category."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from isigurt.accounts.models import OrganisationType, Role
from isigurt.accounts.tests.personas import PERSONAS, make_staff_client, persona
from isigurt.audit.models import AuditEntry
from isigurt.cases.permissions import access_case, case_fields_for, cases_visible_to
from isigurt.referrals import permissions
from isigurt.referrals.services import referral_withdraw
from isigurt.referrals.tests.factories import akep, open_case, refer
from isigurt.reports import permissions as report_permissions
from isigurt.reports.services import evidence_attach, report_add_information
from isigurt.reports.tests.factories import png_bytes

pytestmark = pytest.mark.django_db

# Institution A's referral shares everything a unit may need, thread and pictures included.
GROUPS_A = ["child", "place", "danger", "summary", "description", "messages", "evidence"]
# Institution B's referral shares the links and the accounts only.
GROUPS_B = ["urls", "accounts"]


@pytest.fixture(autouse=True)
def _evidence_root(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()


@pytest.fixture
def world(operator, municipality_officer, police_officer) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for key, organisation, groups in (
        ("a", municipality_officer.organisation, GROUPS_A),
        ("b", police_officer.organisation, GROUPS_B),
    ):
        case = open_case(operator)
        report = case.origins.get().report
        made[key] = {
            "case": case,
            "report": report,
            "message": report_add_information(report=report, text="Placeholder detail."),
            "evidence": evidence_attach(report=report, data=png_bytes()),
            "referral": refer(case, organisation, operator, groups=groups),
        }
    return made


# Who sees what of A's and B's objects (referral, case, report, message, evidence).
ALL = ("referral", "case", "report", "message", "evidence")
SEES: dict[str, dict[str, tuple[str, ...]]] = {
    "operator": {"a": ALL, "b": ALL},
    "supervisor": {"a": ALL, "b": ALL},
    "municipality_officer": {"a": ALL, "b": ()},
    # B shares neither the thread nor the pictures.
    "police_officer": {"a": (), "b": ("referral", "case", "report")},
}


def sees(name: str, key: str) -> tuple[str, ...]:
    return SEES.get(name, {}).get(key, ())


def visible(kind: str, user: Any) -> Any:
    return {
        "referral": permissions.referrals_visible_to,
        "case": cases_visible_to,
        "report": report_permissions.reports_visible_to,
        "message": report_permissions.report_messages_visible_to,
        "evidence": report_permissions.evidence_visible_to,
    }[kind](user)


def access(kind: str) -> Any:
    return {
        "referral": permissions.access_referral,
        "case": access_case,
        "report": report_permissions.access_report,
        "message": report_permissions.access_report_message,
        "evidence": report_permissions.access_evidence,
    }[kind]


@pytest.mark.parametrize("name", PERSONAS)
def test_each_persona_sees_exactly_its_own_institutions_objects(request, world, name):
    user = request.getfixturevalue(name)
    for key in ("a", "b"):
        for kind in ALL:
            target = world[key][kind]
            allowed = kind in sees(name, key)
            assert visible(kind, user).filter(pk=target.pk).exists() == allowed, (name, key, kind)
            if allowed:
                assert access(kind)(user, target.pk) == target
            else:
                with pytest.raises(Http404):
                    access(kind)(user, target.pk)
            with pytest.raises(Http404):
                access(kind)(user, uuid.uuid4())


@pytest.mark.parametrize("name", PERSONAS)
def test_list_counts_equal_what_the_persona_may_read(request, world, name):
    user = request.getfixturevalue(name)
    for kind in ALL:
        wanted = sum(kind in sees(name, key) for key in ("a", "b"))
        if name in ("operator", "supervisor") and kind in ("report", "message", "evidence"):
            continue  # the helpline reads every report (decision 0008)
        assert visible(kind, user).count() == wanted, (name, kind)


def test_institutions_read_only_what_the_referral_shares(world, municipality_officer):
    a, b = world["a"], world["b"]
    assert case_fields_for(municipality_officer, a["case"]) == {
        "code",
        "category",
        "priority",
        "created_at",
        "age_band",
        "gender",
        "county",
        "municipality",
        "outside_albania",
        "child_in_danger",
        "priority_reasons",
        "summary",
    }
    report_fields = report_permissions.report_fields_for(municipality_officer, a["report"])
    assert "description" in report_fields and "messages" in report_fields
    for hidden in ("urls", "usernames", "phone_numbers", "contact_value", "status"):
        assert hidden not in report_fields
    assert case_fields_for(municipality_officer, b["case"]) == frozenset()
    assert report_permissions.report_fields_for(municipality_officer, b["report"]) == frozenset()


def test_reports_stay_read_only_for_institutions(world, municipality_officer):
    with pytest.raises(PermissionDenied):
        report_permissions.access_report(municipality_officer, world["a"]["report"].pk, write=True)
    with pytest.raises(PermissionDenied):
        access_case(municipality_officer, world["a"]["case"].pk, write=True)


def test_a_withdrawn_referral_shares_nothing_any_more(world, operator, municipality_officer):
    a = world["a"]
    referral_withdraw(referral=a["referral"], reason="", actor=operator)
    assert permissions.access_referral(municipality_officer, a["referral"].pk)  # in the inbox
    assert permissions.referral_fields_for(municipality_officer, a["referral"]) == {
        "organisation",
        "status",
        "sent_at",
        "closed_at",
    }
    for kind in ("case", "report", "message", "evidence"):
        assert not visible(kind, municipality_officer).filter(pk=a[kind].pk).exists(), kind
    with pytest.raises(PermissionDenied):
        permissions.access_referral_answer(municipality_officer, a["referral"].pk)


def test_the_withdrawn_referrals_page_shows_nothing_of_the_case(
    staff_client, world, operator, municipality_officer
):
    a = world["a"]
    referral_withdraw(referral=a["referral"], reason="Placeholder reason.", actor=operator)
    page = staff_client(municipality_officer).get(
        reverse("referrals:detail", kwargs={"referral_id": a["referral"].pk})
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="withdrawn-notice"' in html
    for hidden in (a["case"].code, "Placeholder", "example.com", "reporter@example.org"):
        assert hidden not in html, hidden
    answer = make_staff_client(municipality_officer).get(f"/api/v1/referrals/{a['referral'].pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["case"] == {"id": None, "fields": {}}
    assert body["reports"] == [] and body["updates"] == []
    assert body["case_code"] is None and body["request"] is None


# --- pages and API, with the ids of the other institution's objects -------------------------


def _referral_urls(referral_id: Any) -> list[tuple[str, str, dict[str, Any]]]:
    kwargs = {"referral_id": referral_id}
    return [
        ("get", reverse("referrals:detail", kwargs=kwargs), {}),
        ("post", reverse("referrals:acknowledge", kwargs=kwargs), {}),
        ("post", reverse("referrals:officer", kwargs=kwargs), {}),
        ("post", reverse("referrals:update", kwargs=kwargs), {"text": "Placeholder."}),
        ("post", reverse("referrals:outcome", kwargs=kwargs), {"outcome": "other", "text": "x"}),
        ("post", reverse("referrals:withdraw", kwargs=kwargs), {"text": ""}),
        ("post", reverse("referrals:question", kwargs=kwargs), {"text": "Placeholder."}),
        ("get", f"/api/v1/referrals/{referral_id}", {}),
        ("post", f"/api/v1/referrals/{referral_id}/acknowledge", {}),
        ("post", f"/api/v1/referrals/{referral_id}/updates", {"text": "Placeholder."}),
        ("post", f"/api/v1/referrals/{referral_id}/outcome", {"outcome": "support_given"}),
        ("post", f"/api/v1/referrals/{referral_id}/withdraw", {"text": ""}),
    ]


def _call(client: Any, method: str, url: str, data: dict[str, Any]) -> Any:
    if url.startswith("/api/") and method == "post":
        return client.post(url, data, content_type="application/json")
    return getattr(client, method)(url, data)


def _state(world: dict[str, Any]) -> tuple[Any, ...]:
    rows = []
    for key in ("a", "b"):
        referral = type(world[key]["referral"]).objects.get(pk=world[key]["referral"].pk)
        rows.append((referral.status, referral.officer_id, referral.updates.count()))
    return tuple(rows)


@pytest.mark.parametrize("name", ["municipality_officer", "police_officer", "outsider"])
def test_the_other_institutions_ids_answer_404_in_every_page_and_operation(request, world, name):
    user = request.getfixturevalue(name)
    client = make_staff_client(user)
    before = _state(world)
    for key in ("a", "b"):
        if "referral" in sees(name, key):
            continue
        urls = _referral_urls(world[key]["referral"].pk)
        case_id = world[key]["case"].pk
        urls += [
            ("get", reverse("referrals:case", kwargs={"case_id": case_id}), {}),
            ("get", f"/api/v1/referrals/cases/{case_id}", {}),
            (
                "post",
                f"/api/v1/referrals/cases/{case_id}",
                {"recipients": [{"organisation_id": user.organisation_id}]},
            ),
            (
                "get",
                reverse("reports:staff_detail", kwargs={"report_id": world[key]["report"].pk}),
                {},
            ),
            (
                "get",
                reverse(
                    "reports:evidence_download",
                    kwargs={"evidence_id": world[key]["evidence"].pk},
                ),
                {},
            ),
        ]
        for method, url, data in urls:
            response = _call(client, method, url, data)
            assert response.status_code == 404, (name, key, method, url)
    for method, url, data in _referral_urls(uuid.uuid4()):
        assert _call(client, method, url, data).status_code == 404, (name, method, url)
    assert _state(world) == before


def test_the_inbox_lists_only_the_institutions_own_referrals(world, police_officer):
    client = make_staff_client(police_officer)
    html = client.get(reverse("referrals:inbox")).content.decode()
    assert world["b"]["case"].code in html
    assert world["a"]["case"].code not in html
    items = client.get("/api/v1/referrals?status=all").json()["items"]
    assert [item["id"] for item in items] == [str(world["b"]["referral"].pk)]


def test_an_institution_reads_a_shared_report_but_not_its_other_fields(
    staff_client, world, police_officer
):
    """The police's referral shares links and accounts: the report page shows those."""
    report = world["b"]["report"]
    client = staff_client(police_officer)
    page = client.get(reverse("reports:staff_detail", kwargs={"report_id": report.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "example.com/post/1" in html and "placeholder_user" in html
    for hidden in ("Placeholder description", "reporter@example.org", "Placeholder detail"):
        assert hidden not in html, hidden
    read = AuditEntry.objects.filter(action="report.read", object_id=str(report.pk)).latest("id")
    assert set(read.fields) == report_permissions.report_fields_for(police_officer, report)
    evidence = world["b"]["evidence"]
    download = reverse("reports:evidence_download", kwargs={"evidence_id": evidence.pk})
    assert client.get(download).status_code == 404  # B does not share the pictures


# --- S3: AKEP reads the links and the category, never the child's identity ----------------


@pytest.fixture
def akep_officer(db) -> Any:
    return persona("persona.akep.officer", Role.INSTITUTION_OFFICER, akep())


def test_akep_reads_the_link_and_the_category_only(operator, akep_officer, staff_client):
    case = open_case(operator)
    report = case.origins.get().report
    referral = refer(case, akep_officer.organisation, operator)  # the groups its kind gets
    assert referral.shared_fields == ["urls"]
    assert case_fields_for(akep_officer, case) == {"code", "category", "priority", "created_at"}
    assert report_permissions.report_fields_for(akep_officer, report) == {
        "category",
        "created_at",
        "urls",
        "platform",
    }
    page = staff_client(akep_officer).get(
        reverse("referrals:detail", kwargs={"referral_id": referral.pk})
    )
    html = page.content.decode()
    assert "https://example.com/post/1" in html
    for identity in (
        "Placeholder case summary",
        "Placeholder description",
        "reporter@example.org",
        "069 000 1111",
        "placeholder_user",
        "Tiranë",
        "13 to 15",
    ):
        assert identity not in html, identity
    body = make_staff_client(akep_officer).get(f"/api/v1/referrals/{referral.pk}").json()
    assert set(body["case"]["fields"]) == {"code", "category", "priority", "created_at"}
    assert set(body["reports"][0]["fields"]) == {
        "category",
        "other_categories",
        "created_at",
        "urls",
        "platform",
    }
    assert body["reports"][0]["messages"] is None and body["reports"][0]["evidence"] is None


def test_akep_never_receives_identity_even_when_it_is_ticked(operator, akep_officer, staff_client):
    case = open_case(operator)
    everything = [group.code for group in permissions.sharing.FIELD_GROUPS]
    referral = refer(case, akep_officer.organisation, operator, groups=everything)
    assert referral.shared_fields == ["child", "place", "danger", "urls", "accounts"]
    html = (
        staff_client(akep_officer)
        .get(reverse("referrals:detail", kwargs={"referral_id": referral.pk}))
        .content.decode()
    )
    for identity in ("Placeholder case summary", "Placeholder description", "reporter@example.org"):
        assert identity not in html, identity
    report = case.origins.get().report
    for field in ("summary", "description", "contact_value", "messages", "evidence"):
        assert field not in report_permissions.report_fields_for(akep_officer, report)
        assert field not in case_fields_for(akep_officer, case)


def test_an_isp_never_receives_identity_either():
    from isigurt.referrals.sharing import allowed_groups

    everything = [group.code for group in permissions.sharing.FIELD_GROUPS]
    assert allowed_groups(OrganisationType.ISP, everything) == [
        "child",
        "place",
        "danger",
        "urls",
        "accounts",
    ]
