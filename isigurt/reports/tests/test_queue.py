"""The helpline's intake queue: its order, its filters, its pages, what each row says, and a
clear message for a filter that cannot be used."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from isigurt.cases.models import Case, CaseOrigin
from isigurt.reports.models import Report
from isigurt.reports.selectors import queue_age, reports_for_staff
from isigurt.reports.services import (
    report_add_information,
    report_danger_acknowledge,
    report_mark_read,
    report_status_change,
)
from isigurt.reports.tests.factories import submitted

pytestmark = pytest.mark.django_db

_case_numbers = count(1)


def url(name: str = "reports:staff_list", **kwargs) -> str:
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def aged(report: Report, minutes: int) -> Report:
    """The report as if it had arrived ``minutes`` ago."""
    Report.objects.filter(pk=report.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    report.refresh_from_db()
    return report


def report(minutes: int = 0, **overrides) -> Report:
    return aged(submitted(**overrides).report, minutes)


def in_case(report: Report, *, priority: int, organisation) -> Case:
    """Open a case of ``organisation`` from ``report`` with this triage priority."""
    case = Case.objects.create(
        code=f"C{next(_case_numbers):08d}",
        organisation=organisation,
        category=report.category,
        priority=priority,
    )
    CaseOrigin.objects.create(case=case, report=report)
    return case


def codes(html: str) -> list[str]:
    """The reports' codes in the order the page lists them."""
    return re.findall(r'data-report="([A-Z0-9-]+)"', html)


def listed(client, **params) -> list[str]:
    response = client.get(url(), params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return codes(response.content.decode())


def row_of(html: str, report: Report) -> str:
    start = html.index(f'data-report="{report.display_code}"')
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


# --- 1. the order: danger now, then priority, then waiting time; closed last -----------------


def test_the_queue_puts_danger_first_then_the_case_priority_then_the_longest_waiting(
    staff_client, operator
):
    helpline = operator.organisation
    danger_new = report(10, child_in_danger=True)
    danger_old = report(60, child_in_danger=True)
    critical = report(5)
    in_case(critical, priority=1, organisation=helpline)
    high = report(20)
    in_case(high, priority=2, organisation=helpline)
    low = report(5000)
    in_case(low, priority=4, organisation=helpline)
    normal_in_case = report(300)
    in_case(normal_in_case, priority=3, organisation=helpline)
    waiting_long = report(500)  # in no case: normal priority
    acknowledged = report(100, child_in_danger=True)
    report_danger_acknowledge(report=acknowledged, actor=operator)
    closed_old = report(9000)
    report_status_change(report=closed_old, status="closed", actor=operator)
    closed_new = report(1)
    report_status_change(report=closed_new, status="closed", actor=operator)

    expected = [
        danger_old,
        danger_new,
        critical,
        high,
        waiting_long,
        normal_in_case,
        acknowledged,
        low,
        closed_new,
        closed_old,
    ]
    shown = list(reports_for_staff(viewer=operator))
    assert [r.display_code for r in shown] == [r.display_code for r in expected]
    assert listed(staff_client(operator)) == [r.display_code for r in expected]
    assert [r.priority for r in shown[2:8]] == [1, 2, 3, 3, 3, 4]


def test_a_critical_case_never_jumps_a_child_in_danger_now(operator):
    danger = report(1, child_in_danger=True)
    critical = report(600)
    in_case(critical, priority=1, organisation=operator.organisation)
    assert [r.pk for r in reports_for_staff(viewer=operator)] == [danger.pk, critical.pk]


# --- 2. each filter --------------------------------------------------------------------------


@pytest.fixture
def mixed(operator):
    """Reports that differ in one way each."""
    made = {
        "plain": report(50),
        "grooming": report(40, category="grooming"),
        "also_sextortion": report(30, categories=["bullying", "sextortion"], category=None),
        "durres": report(20, county_code="AL-02", municipality_slug="durres"),
        "kruje": report(15, county_code="AL-02", municipality_slug="kruje"),
        "tirane": report(12, county_code="AL-11", municipality_slug="tirane"),
        "abroad": report(10, outside_albania=True),
        "app": report(8, channel="app"),
        "danger": report(6, child_in_danger=True),
        "closed": report(4),
        "in_review": report(2),
    }
    report_status_change(report=made["closed"], status="closed", actor=operator)
    report_status_change(report=made["in_review"], status="in_review", actor=operator)
    for name, each in made.items():
        if name != "plain":
            report_mark_read(report=each, actor=operator)
    return made


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "closed"}, {"closed"}),
        ({"status": "in_review"}, {"in_review"}),
        ({"category": "grooming"}, {"grooming"}),
        ({"category": "sextortion"}, {"also_sextortion"}),  # named as another category
        ({"county": "AL-02"}, {"durres", "kruje"}),
        ({"county": "AL-02", "municipality": "kruje"}, {"kruje"}),
        ({"municipality": "tirane"}, {"tirane"}),
        ({"county": "outside"}, {"abroad"}),
        ({"channel": "app"}, {"app"}),
        ({"danger": "on"}, {"danger"}),
        ({"unread": "on"}, {"plain"}),
        ({"county": "AL-02", "channel": "app"}, set()),
    ],
)
def test_each_filter_narrows_the_queue(staff_client, operator, mixed, params, expected):
    shown = set(listed(staff_client(operator), **params))
    assert shown == {mixed[name].display_code for name in expected}


def test_open_leaves_out_only_the_closed_reports(staff_client, operator, mixed):
    shown = set(listed(staff_client(operator), status="open"))
    assert shown == {r.display_code for n, r in mixed.items() if n != "closed"}


def test_the_unread_filter_shows_a_report_whose_reporter_wrote_since_it_was_opened(
    staff_client, operator, mixed
):
    report_add_information(report=mixed["kruje"], text="Placeholder detail.")
    client = staff_client(operator)
    assert set(listed(client, unread="on")) == {
        mixed["plain"].display_code,
        mixed["kruje"].display_code,
    }
    html = client.get(url(), {"unread": "on"}).content.decode()
    assert "the reporter wrote since the helpline last looked" in row_of(html, mixed["kruje"])
    assert "not opened yet" in row_of(html, mixed["plain"])


def test_the_filter_form_keeps_what_was_chosen_and_counts_the_results(
    staff_client, operator, mixed
):
    html = staff_client(operator).get(url(), {"county": "AL-02", "status": "received"}).content
    page = html.decode()
    assert '<option value="AL-02" selected>' in page
    assert '<option value="received" selected>' in page
    assert '<p id="result-count" role="status">2 reports' in page
    assert 'id="clear-filters"' in page


def test_an_empty_result_says_so(staff_client, operator, mixed):
    response = staff_client(operator).get(url(), {"county": "AL-02", "channel": "app"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "No report matches this search and these filters." in page
    assert '<table id="reports"' not in page


def test_an_empty_queue_says_there_are_no_reports(staff_client, operator):
    page = staff_client(operator).get(url()).content.decode()
    assert "No reports yet." in page
    assert "0 reports" in page


# --- 3. a filter that cannot be used ---------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"status": "deleted"}, "status", "Select a valid choice."),
        ({"category": "nothing"}, "category", "Select a valid choice."),
        ({"county": "AL-99"}, "county", "Select a valid choice."),
        ({"channel": "fax"}, "channel", "Select a valid choice."),
        (
            {"county": "AL-11", "municipality": "durres"},
            "municipality",
            "This municipality is not in Tiranë. Choose one of its own.",
        ),
        ({"county": "outside", "municipality": "durres"}, "municipality", "is not in"),
        ({"page": "two"}, "page", "Enter a whole number."),
        ({"page": "0"}, "page", "greater than or equal to 1"),
        ({"page": "7"}, "page", "There is no page 7: the list has 1."),
        ({"q": "ab"}, "q", "Type a tracking code, a word of at least 3 letters"),
        ({"q": "x" * 201}, "q", "at most 200 characters"),
    ],
)
def test_a_bad_filter_value_is_refused_with_a_message_not_ignored(
    staff_client, operator, mixed, params, field, message
):
    response = staff_client(operator).get(url(), params)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary" role="alert"' in page
    assert message in page
    assert '<table id="reports"' not in page  # never an unfiltered list in its place
    assert "Correct the filters above to see the reports." in page
    if field not in ("page",):
        assert f'href="#id_{field}"' in page
        assert 'aria-invalid="true"' in page


def test_a_refused_municipality_keeps_every_choice_made(staff_client, operator, mixed):
    response = staff_client(operator).get(
        url(), {"county": "AL-11", "municipality": "durres", "channel": "app", "q": "example"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert '<option value="AL-11" selected>' in page
    assert 'value="durres" selected data-county="AL-02"' in page
    assert '<option value="app" selected>' in page
    assert 'name="q" value="example"' in page


# --- 4. pages --------------------------------------------------------------------------------


def test_pages_of_fifty_whose_links_keep_the_filters(staff_client, operator):
    for minutes in range(53):
        report(1000 - minutes, channel="app")
    report(2000)  # a web report: filtered out
    client = staff_client(operator)
    first = client.get(url(), {"channel": "app"}).content.decode()
    assert len(codes(first)) == 50
    assert "53 reports · page 1 of 2" in first
    link = re.search(r'href="\?([^"]*page=2)" rel="next"', first)
    assert link is not None
    assert "channel=app" in link.group(1)
    second = client.get(url() + "?" + link.group(1).replace("&amp;", "&")).content.decode()
    assert len(codes(second)) == 3
    assert not set(codes(first)) & set(codes(second))
    assert 'rel="prev"' in second
    everything = codes(first) + codes(second)
    oldest_first = list(
        Report.objects.filter(channel="app").order_by("created_at").values_list("tracking_code")
    )
    assert [code.replace("-", "") for code in everything] == [c for (c,) in oldest_first]


# --- 5. what a row says ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(0, "just now"), (12, "12 min"), (3 * 60 + 5, "3 h"), (47 * 60, "1 day"), (50 * 60, "2 days")],
)
def test_the_age_reads_in_minutes_hours_or_days(minutes, shown):
    now = timezone.now()
    assert queue_age(now - timedelta(minutes=minutes), now=now) == shown


def test_a_row_shows_code_category_danger_age_status_and_unread(staff_client, operator):
    danger = report(3 * 60 + 5, child_in_danger=True, category="grooming")
    html = staff_client(operator).get(url()).content.decode()
    row = row_of(html, danger)
    assert f">{danger.display_code}</a>" in row
    assert "Child in danger now" in row
    assert "grooming" not in row.split("data-label")[0]  # the label, not the code
    assert "An adult or stranger asking for sexual images or meetings" in row
    local = timezone.localtime(danger.created_at)
    assert f'title="{local:%-d.%-m.%Y %H:%M}">3 h</time>' in row
    assert f'datetime="{local.isoformat()}"' in row
    assert "Received" in row and "Unread" in row and "not opened yet" in row


def test_a_report_in_a_case_links_to_the_case_page(staff_client, operator):
    filed = report(5)
    case = in_case(filed, priority=2, organisation=operator.organisation)
    row = row_of(staff_client(operator).get(url()).content.decode(), filed)
    link = reverse("cases:case_detail", kwargs={"case_id": case.pk})
    assert f'<a href="{link}">{case.code}</a>' in row


def test_the_case_of_another_helpline_is_not_named(staff_client, operator, outsider):
    filed = report(5)
    in_case(filed, priority=1, organisation=outsider.organisation)
    row = row_of(staff_client(operator).get(url()).content.decode(), filed)
    assert "C0" not in row


def test_the_queue_costs_the_same_queries_with_filters_search_and_cases(
    staff_client, operator, django_assert_max_num_queries
):
    client = staff_client(operator)
    params = {"q": "placeholder", "county": "AL-02", "status": "open", "unread": "on"}
    report(county_code="AL-02")
    client.get(url(), params)  # warm the session and the reference lookup
    with django_assert_max_num_queries(50) as one:
        client.get(url(), params)
    for minutes in range(8):
        filed = report(minutes, county_code="AL-02", child_in_danger=minutes % 2 == 0)
        in_case(filed, priority=1 + minutes % 4, organisation=operator.organisation)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url(), params)


def test_the_queue_speaks_albanian(staff_client, operator):
    filed = report(3 * 60 + 5, county_code="AL-11", municipality_slug="tirane")
    with translation.override("sq"):
        path = reverse("reports:staff_list")
    client = staff_client(operator)
    page = client.get(path).content.decode()
    assert ">Kërkim</label>" in page
    assert "1 raportim" in page
    assert ">3 orë</time>" in row_of(page, filed)
    refused = client.get(path, {"county": "AL-02", "municipality": "tirane"})
    assert refused.status_code == 400
    assert "Kjo bashki nuk është në Durrës." in refused.content.decode()
